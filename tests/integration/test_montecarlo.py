"""Monte Carlo runs: identical for any number of workers, summaries over all replications,
kept series, probabilities, sequential stopping, and clean refusals and interrupts."""

from __future__ import annotations

import csv
import filecmp
import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
from scenario_builder import build, consumer, mine, scenario, stockpile, supplier, write_yaml

from sim.cli import main
from sim.experiments import run_replications
from sim.model import simulate
from sim.results import Result, write_result
from sim.results.catalogue import kpi_keys
from sim.results.kpis import kpi_rows, summarize
from sim.results.series import SERIES, main_series
from sim.results.stats import halfwidth, wilson

TRANSIT = {"dist": "triangular", "low": 10, "mode": 20, "high": 40}
NOISE = {"dist": "normal", "mean": 1.0, "sd": 0.15}
OUTAGES = {"rate_per_year": 3,
           "duration_days": {"dist": "triangular", "low": 10, "mode": 20, "high": 60}}


def stochastic(name: str = "mc") -> dict:
    """Two years of a tight market with outages, demand noise and random transit times."""
    us = [supplier("cn_mine", 0.6, TRANSIT), supplier("vn_mine", 0.4, TRANSIT)]
    return scenario(
        name=name, horizon_years=2, seed=11,
        mines=[mine("cn_mine", 1000, country="CN", outages=OUTAGES),
               mine("vn_mine", 450, country="VN", outages=OUTAGES)],
        stockpiles=[stockpile("us_nds", initial_stock=60,
                              release={"to": ["us_defense"], "max_tpa": 200})],
        consumers=[consumer("us_defense", 250, us, group="defense", priority=1, noise=NOISE,
                            initial_stock=60),
                   consumer("us_carbide", 800, us[::-1], group="carbide", noise=NOISE,
                            initial_stock=200),
                   consumer("de_user", 350, [supplier("cn_mine", 1.0, 15)], country="DE",
                            noise=NOISE)])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_yaml(tmp_path, stochastic(), "mc.yaml")
    return tmp_path


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def kpi_column(folder: Path, scope: str, kpi: str) -> np.ndarray:
    rows = [r for r in read_csv(folder / "kpis.csv") if (r["scope"], r["kpi"]) == (scope, kpi)]
    return np.array([float(r["value"]) if r["value"] else np.nan for r in rows])


# --- identical results, whatever runs them --------------------------------------------------------

def test_one_and_two_workers_write_byte_identical_files(workdir: Path, capsys) -> None:
    for workers, out in (("1", "w1"), ("2", "w2")):
        assert main(["run", "mc.yaml", "-n", "6", "--keep-series", "2", "-j", workers,
                     "--out", out, "--quiet"]) == 0
    names = files(workdir / "w1")
    assert names == files(workdir / "w2")
    assert {"bands.csv", "probabilities.csv", "plots/main_series.png"} <= set(names)
    compared = [n for n in names if n not in ("manifest.json", "report.html")]  # wall time
    _, mismatch, errors = filecmp.cmpfiles(workdir / "w1", workdir / "w2", compared,
                                           shallow=False)
    assert not mismatch and not errors
    manifests = [json.loads((workdir / w / "manifest.json").read_text()) for w in ("w1", "w2")]
    assert [m["workers"] for m in manifests] == [1, 2]
    assert manifests[1]["start_method"] == "fork"


def test_spawn_pool_gives_the_same_numbers_as_a_serial_run() -> None:
    s = build(stochastic())
    serial = run_replications(s, 4, 3)
    spawned = run_replications(s, 4, 3, workers=2, start_method="spawn")
    np.testing.assert_array_equal(serial.ensemble.values, spawned.ensemble.values)
    np.testing.assert_array_equal(serial.ensemble.series, spawned.ensemble.series)
    for a, b in zip(serial.runs, spawned.runs, strict=True):
        np.testing.assert_array_equal(a.arrays["delivered_t"], b.arrays["delivered_t"])
    assert multiprocessing.active_children() == []


def test_positional_call_and_a_plain_result_still_work(tmp_path: Path) -> None:
    s = build(stochastic())
    result = run_replications(s, 3, 5, False)
    assert (result.replications, len(result.runs), result.seed) == (3, 3, 5)
    assert [r.replication for r in result.runs] == [0, 1, 2]
    plain = Result(s, [simulate(s, 0, 5)], 5)  # no ensemble: written as before
    folder = write_result(plain, tmp_path / "plain")
    assert "bands.csv" not in files(folder)
    assert json.loads((folder / "manifest.json").read_text())["replications"] == 1


# --- what is kept, what is summarised -------------------------------------------------------------

def test_summaries_cover_all_replications_and_series_only_the_kept(workdir: Path) -> None:
    assert main(["run", "mc.yaml", "-n", "5", "--keep-series", "2", "--out", "o", "--quiet",
                 "--no-plots", "--seed", "9"]) == 0
    out = workdir / "o"
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["replications"], manifest["timeseries_replications"]) == (5, 2)
    assert {r["replication"] for r in read_csv(out / "timeseries.csv")} == {"0", "1"}
    assert {r["replication"] for r in read_csv(out / "kpis.csv")} == {str(r) for r in range(5)}

    s = build(stochastic())
    runs = [simulate(s, r, 9) for r in range(5)]
    expected = summarize([row for run in runs for row in kpi_rows(run)])
    summary = json.loads((out / "summary.json").read_text())
    for scope, kpis in expected.items():
        for kpi, stats in kpis.items():
            assert summary[scope][kpi] == pytest.approx(stats, nan_ok=True), (scope, kpi)

    bands = [r for r in read_csv(out / "bands.csv") if r["series"] == "us_delivered_tpa"]
    per_run = np.stack([main_series(run)[SERIES.index("us_delivered_tpa")] for run in runs])
    np.testing.assert_allclose([float(r["p50"]) for r in bands], np.median(per_run, axis=0))
    np.testing.assert_allclose([float(r["p95"]) for r in bands],
                               np.percentile(per_run, 95, axis=0))


def test_probabilities_are_written_and_printed(workdir: Path, capsys) -> None:
    assert main(["run", "mc.yaml", "-n", "8", "--out", "o", "--quiet", "--no-plots",
                 "--prob-fill", "0.8", "--prob-fill", "0.9",
                 "--prob-no-shortfall-by", "2030-04-06"]) == 0
    printed = capsys.readouterr().out
    assert "P(fill rate >= 0.8)" in printed and "P(no shortfall by 2030-04-06)" in printed
    out = workdir / "o"
    fill = kpi_column(out, "country:US", "fill_rate")
    first = kpi_column(out, "country:US", "first_shortfall_day")
    rows = {(r["event"], r["threshold"]): r for r in read_csv(out / "probabilities.csv")
            if r["scope"] == "country:US"}
    k = int((fill >= 0.8).sum())
    row = rows[("fill_rate>=", "0.8")]
    assert (int(row["successes"]), int(row["n"])) == (k, 8)
    assert (float(row["ci_low"]), float(row["ci_high"])) == pytest.approx(wilson(k, 8))
    never = int((np.isnan(first) | (first >= 95)).sum())  # 2030-04-06 is day 95
    assert 0 < never < 8  # the scenario makes it a real probability
    assert int(rows[("no_shortfall_by", "2030-04-06")]["successes"]) == never
    summary = json.loads((out / "summary.json").read_text())
    assert summary["country:US"]["prob_fill_rate_ge_0.9"]["n"] == 8


def test_kpi_keys_without_running_match_a_run() -> None:
    s = build(stochastic())
    assert kpi_keys(s) == [(scope, kpi) for _, scope, kpi, _ in kpi_rows(simulate(s))]


# --- sequential stopping --------------------------------------------------------------------------

def test_sequential_stopping_stops_at_the_first_prefix_for_any_workers(workdir: Path,
                                                                       capsys) -> None:
    target = 0.02
    for workers in ("1", "2"):
        assert main(["run", "mc.yaml", "--ci-halfwidth", str(target), "--kpi",
                     "country:US.fill_rate", "-j", workers, "--out", f"s{workers}", "--quiet",
                     "--no-plots", "--keep-series", "1"]) == 0
    assert filecmp.cmp(workdir / "s1" / "kpis.csv", workdir / "s2" / "kpis.csv", shallow=False)
    fill = kpi_column(workdir / "s1", "country:US", "fill_rate")
    n = len(fill)
    assert 10 < n < 1000
    assert halfwidth(fill) <= target
    assert all(halfwidth(fill[:m]) > target for m in range(10, n))
    stopping = json.loads((workdir / "s1" / "manifest.json").read_text())["stopping"]
    assert (stopping["n"], stopping["reached"]) == (n, True)
    assert f"n = {n}" in capsys.readouterr().out


def test_sequential_stopping_reports_a_target_not_reached(workdir: Path, capsys) -> None:
    assert main(["run", "mc.yaml", "--ci-halfwidth", "1e-6", "--kpi", "country:US.fill_rate",
                 "--max-replications", "12", "--out", "o", "--quiet", "--no-plots"]) == 0
    assert len(kpi_column(workdir / "o", "country:US", "fill_rate")) == 12
    assert "NOT reached" in capsys.readouterr().out


# --- refusals and interrupts ----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--ci-halfwidth", "0.01", "--kpi", "country:US.fill_rat"],
     "--kpi: country:US.fill_rat: no such KPI (did you mean 'country:US.fill_rate'?)"),
    (["--kpi", "country:US.fill_rate"], "needs --kpi SCOPE.KPI"),
    (["--ci-halfwidth", "0.01", "--kpi", "fill_rate"], "is not SCOPE.KPI"),
    (["--workers", "0"], "--workers: 0: must be >= 1"),
    (["--prob-no-shortfall-by", "2040-01-01"], "no later than the end of the run"),
    (["--prob-fill", "1.5"], "--prob-fill: 1.5: must be in (0, 1]"),
])
def test_bad_options_are_refused_and_nothing_is_written(workdir: Path, capsys, args: list,
                                                        message: str) -> None:
    assert main(["run", "mc.yaml", "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert files(workdir) == ["mc.yaml"]


class _InterruptingBar:
    """A progress bar that presses Ctrl-C when the second replication is done."""

    def __init__(self, *args, **kwargs):
        self.count, self.total = 0, kwargs.get("total")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int = 1) -> None:
        self.count += n
        if self.count == 2:
            raise KeyboardInterrupt

    def refresh(self) -> None:
        pass


def test_ctrl_c_stops_the_pool_and_writes_nothing(workdir: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sim.experiments.replications.tqdm", _InterruptingBar)
    assert main(["run", "mc.yaml", "-n", "40", "-j", "2", "--no-plots"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
    assert files(workdir) == ["mc.yaml"]
    assert multiprocessing.active_children() == []
