"""report.html as a reader gets it: written by `run`, `compare` and `sweep` into their
folders, opened in headless Chromium (it renders, logs nothing to the console, its images are
inline PNGs, and its headline numbers are those of summary.json, probabilities.csv and
kpis.csv), and `show` on each kind of folder.

Chromium is Debian's `chromium` package (.ci/run installs it when missing); the browser
tests skip, saying so, only where it is not installed.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import scenario_builder as b

from sim.cli import main
from sim.results.numbers import interval_text, value_text
from sim.results.stats import Interval

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run "
                             "installs it when it can): report.html not opened in a browser")
SHORT = ["--set", "horizon_years=3", "--set", "market=off", "-n", "4", "-q"]
"""The ban over three years at fixed prices: the U.S. is short in every replication."""


def open_in_chromium(page: Path, profile: Path, *flags: str) -> tuple[str, list[str]]:
    """(the rendered DOM, the console messages) of a page opened in headless Chromium."""
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", *flags, page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def facts(dom: str) -> dict[str, str]:
    """The answer's table of facts, as the page shows it."""
    answer = dom[dom.index('<section id="answer">'):dom.index("</section>")]
    return {html.unescape(k): html.unescape(v)
            for k, v in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", answer)}


def day_quantile(days: list[float], q: float) -> float:
    """numpy's linear percentile with a replication never short as +inf."""
    values = sorted(math.inf if math.isnan(d) else d for d in days)
    h = (len(values) - 1) * q / 100
    lo, hi = math.floor(h), math.ceil(h)
    if math.isinf(values[hi]):
        return math.inf if hi != lo or math.isinf(values[lo]) else values[lo]
    return values[lo] + (h - lo) * (values[hi] - values[lo])


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """A run of the ban (short), a run of the baseline, and their comparison, with plots."""
    root = tmp_path_factory.mktemp("report")
    out = {"ban": root / "ban", "base": root / "base", "compare": root / "compare"}
    assert main(["run", str(SCENARIOS / "china-ban-us.yaml"), *SHORT, "--out",
                 str(out["ban"])]) == 0
    assert main(["run", str(SCENARIOS / "baseline.yaml"), *SHORT, "--out",
                 str(out["base"])]) == 0
    assert main(["compare", str(out["base"]), str(out["ban"]), "-q", "--out",
                 str(out["compare"])]) == 0
    return out


def test_run_compare_and_sweep_write_a_report_into_their_folders(folders, tmp_path):
    for name in ("ban", "base", "compare"):
        assert (folders[name] / "report.html").is_file()
        assert not [p for p in folders[name].parent.iterdir() if p.name.startswith(".")]
    changes = list(csv.DictReader((folders["ban"] / "changes.csv").open()))
    assert {c["parent"] for c in changes} == {"baseline"}
    assert "events.cn_ban_us" in {c["parameter"] for c in changes}
    assert not (folders["base"] / "changes.csv").exists()  # the baseline extends nothing
    sweep = tmp_path / "sweep"
    assert main(["sweep", str(SCENARIOS / "china-ban-us.yaml"), "--param",
                 "horizon_years=2,3", "-n", "1", "-q", "--no-plots", "--out", str(sweep)]) == 0
    page = (sweep / "report.html").read_text()
    assert '<section id="sensitivity">' in page and "No plots in this folder" in page


@needs_chromium
def test_run_page_renders_without_console_errors_and_shows_the_files_numbers(folders, tmp_path):
    folder = folders["ban"]
    dom, console = open_in_chromium(folder / "report.html", tmp_path / "profile", "--dump-dom")
    assert "<title>china-ban-us: tungsten-sim run</title>" in dom
    assert '<section id="answer">' in dom and "The answer</h2>" in dom
    assert console == []
    images = re.findall(r'<img src="([^"]*)"', dom)
    assert len(images) == len(list((folder / "plots").glob("*.png"))) > 0
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    shown = facts(dom)
    us = json.loads((folder / "summary.json").read_text())["country:US"]
    assert shown["shortfall, t W (mean [95% CI])"].startswith(
        value_text("shortfall_t", us["shortfall_t"]["mean"]) + " [")
    assert shown["fill rate (mean [95% CI])"].startswith(
        value_text("fill_rate", us["fill_rate"]["mean"]) + " [")
    for row in csv.DictReader((folder / "probabilities.csv").open()):
        if row["scope"] == "country:US" and row["event"] == "no_shortfall_by":
            p, low, high = (float(row[k]) for k in ("p", "ci_low", "ci_high"))
            assert shown[f"P(no shortfall by {row['threshold']}) [95% Wilson]"] == \
                f"{p:.3f} [{low:.3f}, {high:.3f}]"
    days = [float(r["value"]) if r["value"] else math.nan
            for r in csv.DictReader((folder / "kpis.csv").open())
            if r["scope"] == "country:US" and r["kpi"] == "first_shortfall_day"]
    start = dt.date(2025, 1, 1)
    quantiles = [day_quantile(days, q) for q in (5, 50, 95)]
    dates = " / ".join("after the end" if math.isinf(d)
                       else (start + dt.timedelta(days=d)).isoformat() for d in quantiles)
    assert shown["first shortfall (p5 / median / p95)"] == dates
    assert shown["replications short"] == f"{sum(not math.isnan(d) for d in days)} of 4"


@needs_chromium
def test_compare_page_renders_and_shows_the_differences_of_comparison_csv(folders, tmp_path):
    folder = folders["compare"]
    dom, console = open_in_chromium(folder / "report.html", tmp_path / "profile", "--dump-dom")
    assert "<title>Comparison: base vs ban</title>" in dom
    assert console == []
    shown = facts(dom)
    for row in csv.DictReader((folder / "comparison.csv").open()):
        if row["scope"] == "country:US" and row["kpi"] in ("shortfall_t", "fill_rate") \
                and row["diff"]:
            diff = Interval(float(row["diff"]), float(row["diff_ci_low"]),
                            float(row["diff_ci_high"]), int(row["diff_n"]))
            label = "shortfall, t W" if row["kpi"] == "shortfall_t" else "fill rate"
            assert shown[f"ban - base: U.S. {label}"] == \
                f"{interval_text(row['kpi'], diff, diff=True)} ({row['method']})"


@needs_chromium
def test_a_screenshot_of_the_page_is_drawn(folders, tmp_path):
    shot = tmp_path / "report.png"
    open_in_chromium(folders["ban"] / "report.html", tmp_path / "profile",
                     f"--screenshot={shot}", "--window-size=1200,2400")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_show_prints_the_headline_of_each_kind(folders, capsys):
    assert main(["show", str(folders["ban"])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("china-ban-us: run of 4 replications (seed ")
    assert "first shortfall (p5 / median / p95)" in out and "report.html" in out
    assert main(["show", str(folders["compare"])]) == 0
    assert "ban - base: U.S. shortfall, t W" in capsys.readouterr().out


def test_show_open_writes_a_missing_page_again_and_opens_it(folders, tmp_path, monkeypatch):
    folder = tmp_path / "copy"
    shutil.copytree(folders["ban"], folder)
    before = (folder / "report.html").read_text()
    (folder / "report.html").unlink()
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    assert main(["show", str(folder), "--open"]) == 0
    assert opened == [(folder / "report.html").resolve().as_uri()]
    assert (folder / "report.html").read_text() == before.replace(
        str(folders["ban"]), str(folder))


def test_show_refuses_a_folder_that_is_not_a_result(tmp_path, capsys):
    assert main(["show", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == \
        f"{tmp_path}: not a tungsten-sim result folder (no manifest.json)"
    assert main(["show", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_run_without_us_consumers_answers_for_the_world(tmp_path, capsys):
    data = b.scenario(mines=[b.mine("us_mine", 100.0, country="US")],
                      consumers=[b.consumer("cn_user", 200.0, [b.supplier("us_mine")],
                                            country="CN")])
    path = b.write_yaml(tmp_path, data)
    assert main(["run", str(path), "-n", "2", "-q", "--no-plots", "--out",
                 str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert main(["show", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "The world first runs short in 2 of 2 replications" in out
    assert '<section id="answer">' in (tmp_path / "out" / "report.html").read_text()
