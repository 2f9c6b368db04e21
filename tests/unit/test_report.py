"""The report page's builder on hand-made result folders (no simulation, no browser): the
answer with and without shortfall and market, compare and sweep headlines, escaping, a
self-contained page, atomic writing, and folders that are not results."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.errors import ScenarioError
from sim.report import headline, read_folder, render_report, write_report
from sim.results.numbers import value_text
from sim.results.stats import range_ci, wilson

START = dt.date(2030, 1, 1)
END = dt.date(2032, 1, 1)  # two years of 365 days
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def write_run(folder: Path, first: list[float], shortfall: list[float], fill: list[float],
              prices: list[float] | None = None, name: str = "test-run",
              description: str = "a test") -> Path:
    """A run folder as `run` writes it, with only the files and KPIs the report reads."""
    folder.mkdir(parents=True)
    n = len(first)
    columns = {("country:US", "fill_rate"): fill, ("country:US", "shortfall_t"): shortfall,
               ("country:US", "first_shortfall_day"): first,
               ("world", "shortfall_t"): shortfall}
    if prices is not None:
        columns[("world", "ex_china_peak_price_usd_mtu")] = prices
        columns[("world", "ex_china_peak_price_day")] = [400.0] * n
        columns[("world", "ex_china_mean_price_usd_mtu")] = [p / 2 for p in prices]
        columns[("world", "ex_china_price_usd_mtu_2030-12-31")] = [p - 10 for p in prices]
        columns[("world", "ex_china_price_usd_mtu_2031-12-31")] = [p - 20 for p in prices]
    lines = ["replication,scope,kpi,value"]
    lines += [f"{r},{s},{k},{'' if math.isnan(v[r]) else repr(v[r])}"
              for r in range(n) for (s, k), v in columns.items()]
    (folder / "kpis.csv").write_text("\n".join(lines) + "\n")
    summary: dict = {}
    for (scope, kpi), values in columns.items():
        ok = np.array([v for v in values if not math.isnan(v)])
        stats = {"mean": float(ok.mean()), "p5": float(np.percentile(ok, 5)),
                 "p50": float(np.percentile(ok, 50)), "p95": float(np.percentile(ok, 95)),
                 "n": int(ok.size)} if ok.size else \
            {"mean": None, "p5": None, "p50": None, "p95": None, "n": 0}
        summary.setdefault(scope, {})[kpi] = stats
    (folder / "summary.json").write_text(json.dumps(summary))
    never = sum(1 for d in first if math.isnan(d))
    by = sum(1 for d in first if math.isnan(d) or d >= 181)  # no shortfall before 2030-07-01
    low, high = wilson(by, n)
    plow, phigh = wilson(never, n)
    (folder / "probabilities.csv").write_text(
        "scope,event,threshold,successes,n,p,ci_low,ci_high\n"
        f"country:US,no_shortfall_by,2030-07-01,{by},{n},{by / n!r},{low!r},{high!r}\n"
        f"country:US,no_shortfall_by,{END},{never},{n},{never / n!r},{plow!r},{phigh!r}\n")
    (folder / "scenario.resolved.yaml").write_text(yaml.safe_dump(
        {"name": name, "description": description, "start": START.isoformat(),
         "horizon_years": 2}))
    (folder / "manifest.json").write_text(json.dumps(
        {"scenario": name, "seed": 7, "replications": n, "wall_seconds": 1.25,
         "scenario_sha256": "ab" * 32, "balance_relative_error_max": 1e-16}))
    return folder


def facts(folder: Path) -> dict[str, str]:
    return dict(headline(read_folder(folder)).facts)


def test_answer_without_shortfall_or_market(tmp_path):
    folder = write_run(tmp_path / "r", [math.nan] * 4, [0.0] * 4, [1.0] * 4)
    answer = headline(read_folder(folder))
    found = dict(answer.facts)
    assert found["first shortfall"] == "no shortfall in any replication"
    assert found["replications short"] == "0 of 4"
    assert found["shortfall, t W (mean [95% CI])"] == "0 [0, 0]"
    assert found["fill rate (mean [95% CI])"] == "100.0% [100.0%, 100.0%]"
    assert found[f"P(no shortfall by {END}) [95% Wilson]"] == \
        f"1.000 [{wilson(4, 4)[0]:.3f}, 1.000]"
    assert not any("APT" in label for label in found)
    assert "does not run short in any of the 4 replications" in answer.sentences[0]


def test_answer_with_shortfall_dates_amount_and_probability(tmp_path):
    shortfall = [10.0, 20.0, 30.0, 0.0]
    fill = [0.99, 0.98, 0.97, 1.0]
    folder = write_run(tmp_path / "r", [100.0, 200.0, 300.0, math.nan], shortfall, fill)
    found = facts(folder)
    # three of four short; sorted with "never" as +inf: [100, 200, 300, inf]
    # p5 = 100 + 0.15 * 100 = 115, p50 = 250, p95 between 300 and inf: after the end
    assert found["replications short"] == "3 of 4"
    assert found["first shortfall (p5 / median / p95)"] == \
        f"{START + dt.timedelta(days=115)} / {START + dt.timedelta(days=250)} / after the end"
    ci = range_ci(shortfall, 0.0)
    assert found["shortfall, t W (mean [95% CI])"] == \
        f"15 [{ci.low:,.0f}, {ci.high:,.0f}]"
    assert found["fill rate (mean [95% CI])"].startswith("98.5% [")
    assert found["shortfall p95, t W"] == "28"  # numpy's p95 of [0, 10, 20, 30]: 28.5
    low, high = wilson(3, 4)  # no shortfall before 2030-07-01 (day 181): days 200, 300, never
    assert found["P(no shortfall by 2030-07-01) [95% Wilson]"] == \
        f"0.750 [{low:.3f}, {high:.3f}]"


def test_answer_when_fewer_than_half_are_short_names_the_dates_not_a_median(tmp_path):
    """Two of five short (days 100 and 300): the median first shortfall is "after the end",
    so the sentence gives the count and the earliest and latest first dates instead."""
    nan = math.nan
    folder = write_run(tmp_path / "r", [100.0, nan, 300.0, nan, nan], [5.0, 0, 7.0, 0, 0],
                       [0.99, 1, 0.98, 1, 1])
    first = headline(read_folder(folder)).sentences[0]
    assert first == (f"The U.S. runs short in 2 of 5 replications, first between "
                     f"{START + dt.timedelta(days=100)} and {START + dt.timedelta(days=300)}; "
                     f"in the other 3 it is not short by {END}.")


def test_answer_with_a_market_gives_the_price_path(tmp_path):
    folder = write_run(tmp_path / "r", [math.nan] * 3, [0.0] * 3, [1.0] * 3,
                       prices=[500.0, 520.0, 540.0])
    answer = headline(read_folder(folder))
    found = dict(answer.facts)
    assert found["ex-China APT peak price, $/mtu WO3 (mean [95% CI])"].startswith("$520 [$")
    assert found["ex-China APT peak month (median)"] == "2031-02"  # day 400
    assert found["ex-China APT at year ends, $/mtu (mean)"] == "2030 $510, 2031 $500"
    assert any(s.startswith("The ex-China APT price peaks at $520/mtu") for s in answer.sentences)


def test_page_escapes_text_from_the_files(tmp_path):
    folder = write_run(tmp_path / "r", [math.nan] * 2, [0.0] * 2, [1.0] * 2,
                       name="<script>alert(1)</script>", description="tons & <b>bold</b>")
    (folder / "changes.csv").write_text(
        "parent,parameter,reference,value\nbase,events.x,(none),\"added {a: '<img src=x>'}\"\n")
    page = render_report(read_folder(folder))
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "tons &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x&gt;" in page and "<img src=x>" not in page


def test_page_is_self_contained_with_plots_inline(tmp_path):
    folder = write_run(tmp_path / "r", [math.nan] * 2, [0.0] * 2, [1.0] * 2)
    (folder / "plots").mkdir()
    (folder / "plots" / "main_series.png").write_bytes(PNG)
    page = render_report(read_folder(folder))
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and "@import" not in page
    for section in ("answer", "kpis", "plots", "changes", "provenance"):
        assert f'<section id="{section}">' in page
    assert page.index('id="answer"') < page.index('id="kpis"') < page.index('id="plots"')


def test_run_page_says_the_parent_changes_or_that_there_are_none(tmp_path):
    folder = write_run(tmp_path / "r", [math.nan] * 2, [0.0] * 2, [1.0] * 2)
    assert "does not record a parent scenario" in render_report(read_folder(folder))
    (folder / "changes.csv").write_text("parent,parameter,reference,value\n"
                                        "baseline,mines.m.capacity_tpa,100,200\n")
    page = render_report(read_folder(folder))
    assert "<td>mines.m.capacity_tpa</td><td>100</td><td>200</td>" in page
    assert "the parent scenario, baseline" in page


def test_write_report_is_atomic_and_leaves_no_temporary(tmp_path):
    folder = write_run(tmp_path / "r", [math.nan] * 2, [0.0] * 2, [1.0] * 2)
    out = write_report(folder)
    assert out == folder / "report.html" and out.read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def write_compare(folder: Path) -> Path:
    folder.mkdir(parents=True)
    header = "scope,kpi,scenario,n,mean,ci_low,ci_high,diff,diff_ci_low,diff_ci_high,diff_n,method"
    rows = ["country:US,shortfall_t,base,4,0.0,0.0,0.0,,,,,",
            "country:US,shortfall_t,ban,4,225.0,186.0,272.0,225.0,180.4,269.6,4,paired",
            "country:US,fill_rate,base,4,1.0,1.0,1.0,,,,,",
            "country:US,fill_rate,ban,4,0.994,0.992,0.995,-0.006,-0.008,-0.0046,4,paired"]
    (folder / "comparison.csv").write_text("\n".join([header, *rows]) + "\n")
    (folder / "changes.csv").write_text("scenario,parameter,reference,value\n"
                                        "ban,events.cn_ban_us,(none),added {id: cn_ban_us}\n")
    (folder / "comparison.md").write_text(
        "# Comparison: base vs ban\n\n| scenario | from | seed | replications |\n"
        "|---|---|---|---|\n| base | b.yaml | 7 | 4 |\n| ban | c.yaml | 7 | 4 |\n\n"
        "Differences from base: paired.\n")
    return folder


def test_compare_headline_gives_differences_from_a_with_intervals(tmp_path):
    folder = write_compare(tmp_path / "c")
    assert read_folder(folder).kind == "compare"
    answer = headline(read_folder(folder))
    found = dict(answer.facts)
    assert found["ban - base: U.S. shortfall, t W"] == "+225 [+180, +270] (paired)"
    assert found["ban - base: U.S. fill rate"] == "-0.6 pp [-0.8, -0.5] (paired)"
    assert "paired by replication" in answer.sentences[0]
    page = render_report(read_folder(folder))
    assert "<td>b.yaml</td>" in page and "<td>events.cn_ban_us</td>" in page


MORRIS_WARNING = ("r=3: indices unreliable (Morris with 3 trajectories; use --samples 10 or "
                  "more)")
"""The sample-size warning row sensitivity.csv carries for a Morris sweep of 3 trajectories."""


def write_sweep(folder: Path) -> Path:
    folder.mkdir(parents=True)
    kpis = ["country:US.fill_rate", "country:US.shortfall_t"]
    (folder / "manifest.json").write_text(json.dumps(
        {"definition": {"scenario": "s.yaml", "params": {"a.b.cover_days": [7, 35]},
                        "method": "grid", "replications": 2, "seed": 3, "kpis": kpis},
         "scenario": "s", "points": 2, "runs": 4, "runs_expected": 4, "complete": True}))
    (folder / "sweep.json").write_text("{}")
    with (folder / "points.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["point", "a.b.cover_days", "replications",
                      *(f"{k}.mean" for k in kpis)])
        out.writerow([0, 7, 2, 0.9, 120.0])
        out.writerow([1, 35, 2, 0.95, 40.0])
    (folder / "sensitivity.csv").write_text(
        "kpi,param,index,value,conf\ncountry:US.shortfall_t,a.b.cover_days,effect,-80.0,\n"
        "country:US.shortfall_t,*,r2,1.0,\n"
        "country:US.shortfall_t,a.b.cover_days,low_mean,120.0,\n"
        f"*,*,warning: {MORRIS_WARNING},3,\n")
    return folder


def test_sweep_headline_gives_best_and_worst_points(tmp_path):
    folder = write_sweep(tmp_path / "s")
    assert read_folder(folder).kind == "sweep"
    found = dict(headline(read_folder(folder)).facts)
    assert found["U.S. fill rate, best"] == "95.0% at point 1: cover_days 35"
    assert found["U.S. fill rate, worst"] == "90.0% at point 0: cover_days 7"
    assert found["U.S. shortfall, t W, best"] == "40 at point 1: cover_days 35"
    page = render_report(read_folder(folder))
    assert f">{value_text('shortfall_t', -80.0)}<" in page  # the effect, in tonnes
    assert '<section id="sensitivity">' in page
    assert f">{value_text('shortfall_t', 120.0)}<" in page  # a KPI mean, not an index


def test_sweep_sample_size_warning_opens_the_answer_and_the_headline(tmp_path):
    folder = read_folder(write_sweep(tmp_path / "s"))
    warning = f"Warning: {MORRIS_WARNING}"
    answer = headline(folder)
    assert answer.sentences[0] == warning
    assert answer.text().splitlines()[2].startswith("Warning: r=3: indices unreliable")
    page = render_report(folder)
    shown = f'<p class="warning">{warning}</p>'
    answer_html = page[page.index('<section id="answer">'):page.index('<section id="points">')]
    assert answer_html.index(shown) < answer_html.index("2 points x 2 replications")
    assert answer_html.count("indices unreliable") == 1  # marked as a warning, not repeated
    sensitivity = page[page.index('<section id="sensitivity">'):]
    assert shown in sensitivity  # and again beside the indices it is about


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "no such folder"),
    (lambda p: p.mkdir(), "not a tungsten-sim result folder (no manifest.json)"),
    (lambda p: (p.mkdir(), (p / "manifest.json").write_text("[1]")), "is not a JSON object"),
    (lambda p: (p.mkdir(), (p / "manifest.json").write_text("{}"),
                (p / "attribution.csv").write_text("")), "a tungsten-sim attribute folder"),
])
def test_a_folder_that_is_not_a_result_is_refused_in_one_line(tmp_path, make, message):
    path = tmp_path / "x"
    make(path)
    with pytest.raises(ScenarioError) as err:
        read_folder(path)
    assert len(err.value.problems) == 1 and message in str(err.value)
