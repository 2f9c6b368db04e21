"""One number format per KPI kind, wherever people read it (issue 16 item 3): `run`'s table,
`compare`'s table and comparison.md write each KPI as its catalogue kind says; intervals of
means stay in range; comparison.csv keeps every digit; small n is said."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from scenario_builder import consumer, export_control, mine, scenario, supplier, write_yaml

from sim.cli import main

MARKET = {"ex_china": {"reference_price": 335, "reference_cover_days": 30, "sensitivity": -1.0,
                       "adjustment_days": 90},
          "china": {"reference_price": 315, "reference_cover_days": 30, "sensitivity": -1.0,
                    "adjustment_days": 90}}
NOISE = {"dist": "normal", "mean": 1.0, "sd": 0.15}

PERCENT = r"\d{1,3}\.\d%"
TONNES = r"\d{1,3}(?:,\d{3})*"
DATE = r"\d{4}-\d{2}-\d{2}"
PRICE = r"\$\d{1,3}(?:,\d{3})*"


def tiny(name: str, events: list | None = None) -> dict:
    """A year of a short U.S. market with prices: shortfall, Chinese origin, purchases."""
    data = scenario(
        name=name, horizon_years=1, seed=3, events=events or [],
        mines=[mine("cn_mine", 900, country="CN"), mine("vn_mine", 300, country="VN")],
        consumers=[consumer("us_defense", 200, [supplier("vn_mine", 1.0, 14)],
                            group="defense", priority=1, noise=NOISE),
                   consumer("us_carbide", 900, [supplier("cn_mine", 0.7, 14),
                                                supplier("vn_mine", 0.3, 14)],
                            group="carbide", noise=NOISE)])
    return {**data, "market": MARKET}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_yaml(tmp_path, tiny("a"), "a.yaml")
    write_yaml(tmp_path, tiny("b", [export_control(90, "ban", to=["US"])]), "b.yaml")
    return tmp_path


def cells(text: str, start: str) -> list[str]:
    """The cells of the line starting with `start`, split at two or more spaces."""
    line = next(x for x in text.splitlines() if x.startswith(start))
    return re.split(r"\s{2,}", line.strip())


def next_cells(text: str, start: str) -> list[str]:
    """The cells of the line after the one starting with `start`."""
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith(start))
    return re.split(r"\s{2,}", lines[at + 1].strip())


def test_run_writes_each_kind_in_its_format(workdir: Path, capsys) -> None:
    assert main(["run", "a.yaml", "-n", "3", "--no-plots", "-q"]) == 0
    out = capsys.readouterr().out
    head = cells(out, "scope")
    row = dict(zip(head, cells(out, "country:US "), strict=True))
    assert re.fullmatch(PERCENT, row["fill rate"]) and re.fullmatch(PERCENT, row["CN-origin"])
    assert re.fullmatch(TONNES, row["shortfall t"]) and row["shortfall t"] != "0"
    assert re.fullmatch(TONNES, row["days short"]) and re.fullmatch(DATE, row["first short"])
    assert re.fullmatch(TONNES, row["purchases $M"])
    assert re.match(PRICE + r"/mtu \(\d{4}-\d{2}\)", out.split("ex-China APT: peak ")[1])
    assert re.search(r"P\(fill rate >= 0.95\)", out)
    assert re.search(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]", out)  # probabilities: 3 decimals


def test_compare_writes_each_kind_as_run_does_with_intervals_in_range(workdir: Path,
                                                                      capsys) -> None:
    assert main(["run", "a.yaml", "-n", "3", "--no-plots", "-q"]) == 0
    fill_in_run = cells(capsys.readouterr().out, "country:US ")[1]
    assert main(["compare", "a.yaml", "b.yaml", "-n", "3", "--no-plots", "-q"]) == 0
    out = capsys.readouterr().out
    fill = cells(out, "country:US.fill_rate")
    assert fill[3].startswith(fill_in_run + " [")  # the same number, the same format
    assert re.fullmatch(rf"{PERCENT} \[{PERCENT}, {PERCENT}\]", fill[3])
    ban = next_cells(out, "country:US.fill_rate")  # scenario, n, mean, difference, method
    assert re.fullmatch(r"-\d+\.\d pp \[-\d+\.\d, -\d+\.\d\]", ban[3]) and ban[4] == "paired"
    shortfall = cells(out, "country:US.shortfall_t")[3]
    assert re.fullmatch(rf"{TONNES} \[{TONNES}, {TONNES}\]", shortfall)  # never below 0
    price = cells(out, "world.ex_china_peak_price_usd_mtu")[3]
    assert re.fullmatch(rf"{PRICE} \[{PRICE}, {PRICE}\]", price)
    assert "warning: a: n = 3: a t-based interval from fewer than 5 values" in out
    folder = workdir / "results/compare-a-vs-b"
    markdown = (folder / "comparison.md").read_text()
    assert f"| {fill[3]} |" in markdown and f"| {shortfall} |" in markdown
    assert "log-t" in markdown and "**Warning**: a: n = 3" in markdown
    with (folder / "comparison.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["scope"] == "country:US"]
    row = next(r for r in rows if r["kpi"] == "fill_rate" and r["scenario"] == "a")
    assert len(row["mean"]) > 8 and 0.0 <= float(row["ci_low"]) <= float(row["ci_high"]) <= 1
    assert row["ci_method"] == "logit-t" and "n = 3" in row["note"]


def test_compare_of_single_runs_says_there_is_no_interval(workdir: Path, capsys) -> None:
    assert main(["compare", "a.yaml", "b.yaml", "-n", "1", "--no-plots", "-q"]) == 0
    out = capsys.readouterr().out
    fill = cells(out, "country:US.fill_rate")
    assert re.fullmatch(rf"{PERCENT} \[n/a\]", fill[3])
    assert "warning: b: paired with n = 1: no interval is possible (n/a)" in out
    assert "warning: a: n = 1: no interval is possible (n/a)" in out
    assert "1 replication:" in out
