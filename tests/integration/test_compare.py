"""`compare`: folders and scenario files give the same table, common random numbers pair
replications (narrower intervals than Welch), the numbers check out by hand, bad input is
refused with nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from scenario_builder import (
    build,
    consumer,
    day,
    mine,
    scenario,
    stockpile,
    supplier,
    write_yaml,
)

from sim.cli import main
from sim.results.compare_folder import Comparison
from sim.results.comparison import compare_kpis, csv_rows
from sim.results.ensemble import Bands
from sim.results.reader import ResultData
from sim.results.stats import welch_ci

TRANSIT = {"dist": "triangular", "low": 10, "mode": 20, "high": 40}
NOISE = {"dist": "normal", "mean": 1.0, "sd": 0.15}
OUTAGES = {"rate_per_year": 3,
           "duration_days": {"dist": "triangular", "low": 10, "mode": 20, "high": 60}}


def stochastic(name: str = "mc", events: list | None = None, product: str = "metal") -> dict:
    """Two years of a tight market with outages, demand noise and random transit times."""
    us = [supplier("cn_mine", 0.6, TRANSIT), supplier("vn_mine", 0.4, TRANSIT)]
    return scenario(
        name=name, horizon_years=2, seed=11, events=events or [],
        mines=[mine("cn_mine", 1000, country="CN", outages=OUTAGES, product=product),
               mine("vn_mine", 450, country="VN", outages=OUTAGES, product=product)],
        stockpiles=[stockpile("us_nds", initial_stock=60, product=product,
                              release={"to": ["us_defense"], "max_tpa": 200})],
        consumers=[consumer("us_defense", 250, us, group="defense", priority=1, noise=NOISE,
                            product=product),
                   consumer("us_carbide", 800, us[::-1], group="carbide", noise=NOISE,
                            product=product)])


MORE_VN = [{"kind": "capacity", "at": day(182), "node": "vn_mine", "factor": 1.2}]
"""Vietnam's mine 20% larger from mid-2030: a change whose effect is small against the noise."""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_yaml(tmp_path, stochastic(), "a.yaml")
    write_yaml(tmp_path, stochastic("mc-vn", MORE_VN), "b.yaml")
    return tmp_path


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def kpi_column(folder: Path, scope: str, kpi: str) -> np.ndarray:
    return np.array([float(r["value"]) for r in read_csv(folder / "kpis.csv")
                     if (r["scope"], r["kpi"]) == (scope, kpi)])


def test_folders_and_scenario_files_give_the_same_comparison(workdir: Path, capsys) -> None:
    assert main(["run", "a.yaml", "b.yaml", "-n", "5", "--seed", "4", "--quiet",
                 "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["compare", "results/mc", "results/mc-vn"]) == 0
    from_folders = capsys.readouterr().out
    assert main(["compare", "a.yaml", "b.yaml", "-n", "5", "--seed", "4", "--quiet",
                 "--no-plots", "-j", "2"]) == 0
    from_files = capsys.readouterr().out
    first, second = workdir / "results/compare-mc-vs-mc-vn", \
        workdir / "results/compare-mc-vs-mc-vn-2"
    for name in ("comparison.csv", "changes.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert from_folders.splitlines()[:-1] == from_files.splitlines()[:-1]
    assert sorted(p.name for p in (first / "plots").iterdir()) == [
        "us_cn_origin_share.png", "us_days_of_cover.png", "us_deliveries.png",
        "us_shortfall.png", "us_stockpile_level.png"]
    changes = read_csv(first / "changes.csv")
    assert [(c["scenario"], c["parameter"], c["reference"]) for c in changes] == [
        ("mc-vn", "events.0", "(none)")]
    assert "paired by replication" in from_files and "country:US.fill_rate" in from_files
    assert "events.0" in (first / "comparison.md").read_text()


def test_common_random_numbers_make_paired_intervals_narrower(workdir: Path, capsys) -> None:
    assert main(["run", "a.yaml", "b.yaml", "-n", "8", "--quiet", "--no-plots"]) == 0
    assert main(["compare", "results/mc", "results/mc-vn", "--no-plots"]) == 0
    rows = {(r["scope"], r["kpi"]): r for r in read_csv(
        workdir / "results/compare-mc-vs-mc-vn/comparison.csv") if r["scenario"] == "mc-vn"}
    for key in (("country:US", "fill_rate"), ("country:US", "shortfall_t"),
                ("us_carbide", "delivered_t")):
        row = rows[key]
        assert row["method"] == "paired"
        paired_half = (float(row["diff_ci_high"]) - float(row["diff_ci_low"])) / 2
        a, b = (kpi_column(workdir / "results" / n, *key) for n in ("mc", "mc-vn"))
        assert float(row["diff"]) == pytest.approx(float(np.mean(b - a)))
        assert paired_half < 0.6 * welch_ci(a, b).halfwidth, key
    # A different seed cannot be paired: Welch.
    assert main(["compare", "results/mc", "b.yaml", "--seed", "99", "-n", "8", "--quiet",
                 "--no-plots", "--kpi", "country:US.fill_rate"]) == 0
    out = capsys.readouterr().out
    assert "welch" in out and "Welch (seed 99" in out


def synthetic(label: str, seed: int, fill: list[float]) -> ResultData:
    """A ResultData with one KPI and empty bands (enough for the KPI table)."""
    s = build(stochastic())
    empty = np.zeros((1, 1))
    bands = Bands(dt.date(2030, 1, 1), ("us_delivered_tpa",), np.zeros(1), np.ones(1), empty,
                  empty, empty, empty)
    return ResultData(label, label, s, seed, [("country:US", "fill_rate")],
                      np.array([fill]), bands)


def test_kpi_table_numbers_by_hand() -> None:
    a = synthetic("a", 1, [0.90, 0.80, 0.70])
    b = synthetic("b", 1, [0.85, 0.78, 0.60])
    table = compare_kpis([a, b])
    # Paired: d = (-0.05, -0.02, -0.10); mean -0.17/3; deviations (0.02, 0.11, -0.13)/3;
    # sd = sqrt((0.0004 + 0.0121 + 0.0169) / 9 / 2) = sqrt(0.0294 / 18) = 0.040415;
    # t(0.975, 2) = 4.302653, so the half-width is 4.302653 * 0.040415 / sqrt(3) = 0.100396.
    d_mean, d_sd, t2 = -0.17 / 3, math.sqrt(0.0294 / 18), 4.302652729749464
    diff = table[1].diff
    assert diff.method == "paired" and diff.n == 3
    assert diff.estimate == pytest.approx(d_mean, abs=1e-12)
    assert diff.sd == pytest.approx(d_sd, abs=1e-12)
    assert (diff.low, diff.high) == pytest.approx(
        (d_mean - t2 * d_sd / math.sqrt(3), d_mean + t2 * d_sd / math.sqrt(3)), abs=1e-12)
    # Each scenario's mean: a = 0.8 with sd 0.1, a fill rate, so logit-t: logit(0.8) = ln 4
    # +- t2 * (0.1 / sqrt(3)) / (0.8 * 0.2), mapped back (the t interval reached 1.048).
    spread = t2 * 0.1 / math.sqrt(3) / 0.16
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert table[0].mean.method == "logit-t"
    assert (table[0].mean.low, table[0].mean.high) == pytest.approx(
        (expit(math.log(4) - spread), expit(math.log(4) + spread)), abs=1e-12)
    assert table[0].mean.high < 1.0
    rows = csv_rows(table)
    assert rows[0][:5] == ("country:US", "fill_rate", "a", 3, "0.8") and rows[0][7:12] == (
        "", "", "", "", "")
    assert rows[1][7] == repr(round(d_mean, 12)) and rows[1][10:12] == (3, "paired")
    assert rows[1][12] == "logit-t" and "n = 3" in rows[1][13]
    # Another seed: Welch, df = (s_a^2/3 + s_b^2/3)^2 / (...), by the formula.
    welch = compare_kpis([a, synthetic("c", 2, [0.85, 0.78, 0.60])])[1].diff
    va, vb = 0.01 / 3, float(np.var([0.85, 0.78, 0.60], ddof=1)) / 3
    assert welch.method == "welch"
    assert welch.df == pytest.approx((va + vb) ** 2 / (va**2 / 2 + vb**2 / 2))
    text = Comparison.of([a, b], [("country:US", "fill_rate")]).text()
    assert "80.0% [45.9%, 95.0%]" in text and "-5.7 pp [-15.7, +4.4]" in text
    assert "warning: b: n = 3: a t-based interval from fewer than 5 values" in text


def test_bad_inputs_are_refused_and_nothing_is_written(workdir: Path, capsys) -> None:
    (workdir / "empty").mkdir()
    write_yaml(workdir, stochastic("antimony", product="sb"), "sb.yaml")
    cases = [
        (["empty", "a.yaml"], "empty: not a tungsten-sim result folder (no manifest.json"),
        (["a.yaml", "sb.yaml"], "sb.yaml: products: [sb] differ from [metal] of a.yaml"),
        (["a.yaml", "nowhere"], "nowhere: no such result folder or scenario file"),
        (["a.yaml", "b.yaml", "--kpi", "country:US.fillrate"],
         "--kpi: country:US.fillrate: no such KPI (did you mean 'country:US.fill_rate'?)"),
        (["a.yaml"], "compare: needs at least two"),
    ]
    for args, message in cases:
        assert main(["compare", *args, "--quiet"]) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (args, err)
    assert not (workdir / "results").exists()
