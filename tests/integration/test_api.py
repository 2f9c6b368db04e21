"""The Python API (`import sim`): the same numbers as the command line's files, as DataFrames;
names and overrides as the CLI takes them; a clear message without pandas (issue 16)."""

from __future__ import annotations

import builtins
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main

SHORT = {"horizon_years": 2, "market": "off"}


@pytest.fixture(scope="module")
def ban() -> sim.RunResult:
    return sim.run("china-ban-us", replications=3, seed=11, set=SHORT, keep_series=2)


def test_package_exports_the_api_and_run_replications():
    from sim import run_replications

    assert {"load_scenario", "run", "compare", "sweep", "run_replications"} <= set(dir(sim))
    assert set(sim.__all__) <= set(dir(sim))
    assert run_replications.__module__ == "sim.experiments.replications"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        sim.nothing  # noqa: B018


def test_importing_the_api_draws_nothing():
    code = "import sim.api, sys; print('matplotlib' in sys.modules, 'sim.plots' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_load_scenario_takes_names_and_overrides_like_set():
    by_map = sim.load_scenario("china-ban-us", set={"horizon_years": 2, "market": "off",
                                                    "consumers.us_carbide.cover_days": 90})
    by_text = sim.load_scenario("china-ban-us", set=["horizon_years=2", "market=off",
                                                     "consumers.us_carbide.cover_days=90"])
    assert by_map == by_text
    assert by_map.horizon_years == 2 and by_map.market is None
    assert next(c for c in by_map.consumers if c.id == "us_carbide").cover_days == 90
    with pytest.raises(sim.ScenarioError, match="did you mean china-ban-us"):
        sim.load_scenario("china-ban-uss")


def test_kpis_and_summary_are_the_files_run_writes(ban, tmp_path):
    folder = ban.write(tmp_path / "ban")
    written = pd.read_csv(folder / "kpis.csv")
    frame = ban.kpis()
    assert list(frame.columns) == ["replication", "scope", "kpi", "value"]
    assert frame[["replication", "scope", "kpi"]].equals(written[["replication", "scope", "kpi"]])
    assert np.allclose(frame.value, written.value, rtol=0, atol=1e-9, equal_nan=True)
    us = frame[(frame.scope == "country:US") & (frame.kpi == "shortfall_t")]
    summary = ban.summary().set_index(["scope", "kpi"])
    assert summary.loc[("country:US", "shortfall_t"), "mean"] == pytest.approx(us.value.mean())
    assert summary.loc[("country:US", "shortfall_t"), "n"] == 3
    assert not (folder / "plots").exists()
    assert "china-ban-us: tungsten-sim run" in (folder / "report.html").read_text()


def test_timeseries_is_timeseries_csv_of_the_kept_replications(ban, tmp_path):
    folder = ban.write(tmp_path / "ban")
    written = pd.read_csv(folder / "timeseries.csv")
    frame = ban.timeseries()
    assert list(frame.columns) == list(written.columns)
    assert set(frame.replication) == {0, 1}  # keep_series=2 of 3
    assert frame[["replication", "day", "node", "variable"]].astype(str).equals(
        written[["replication", "day", "node", "variable"]].astype(str))
    assert np.allclose(frame.value, written.value, atol=1e-6)
    assert (frame.date.dt.strftime("%Y-%m-%d") == written.date).all()


def test_compare_pairs_run_results_and_runs_names_with_their_seed(ban, tmp_path):
    base = sim.run("baseline", replications=3, seed=11, set=SHORT)
    both = sim.compare(base, ban, kpis=["country:US.shortfall_t"])
    assert both.labels == ["baseline", "china-ban-us"]
    rows = both.summary()
    assert list(rows.scope + "." + rows.kpi) == ["country:US.shortfall_t"] * 2
    ban_row = rows[rows.scenario == "china-ban-us"].iloc[0]
    assert ban_row["method"] == "paired" and ban_row["n"] == 3
    us = ban.kpis().query("scope == 'country:US' and kpi == 'shortfall_t'").value
    assert ban_row["mean"] == pytest.approx(us.mean(), abs=1e-9)
    assert "country:US.shortfall_t" in str(both) and "paired" in str(both)
    fresh = sim.compare("baseline", "china-ban-us", replications=2, seed=5)
    assert set(fresh.kpis().query("kpi == 'fill_rate'").n) == {2}
    folder = both.write(tmp_path / "cmp")
    assert pd.read_csv(folder / "comparison.csv").equals(both.kpis())
    assert (folder / "report.html").is_file()


def test_sweep_tables_match_its_files(tmp_path):
    ban = sim.load_scenario("china-ban-us", set=SHORT)
    swept = sim.sweep(ban, {"events.cn_ban_us.enforcement": [0, 1]}, replications=2,
                      kpis=["country:US.shortfall_t"])
    summary = swept.summary()
    assert list(summary.columns) == ["point", "events.cn_ban_us.enforcement",
                                     "country:US.shortfall_t"]
    kpis = swept.kpis()
    assert len(kpis) == 4 and set(kpis.kpi) == {"shortfall_t"}
    means = kpis.groupby("point").value.mean()
    assert np.allclose(means.values, summary["country:US.shortfall_t"].values)
    assert summary["country:US.shortfall_t"].iloc[1] > summary["country:US.shortfall_t"].iloc[0]
    folder = swept.write(tmp_path / "swept")
    assert pd.read_csv(folder / "points.csv").equals(swept.points())
    assert not (folder / "sweep.lock").exists()
    assert (folder / "report.html").is_file()


def test_plots_only_when_asked(ban, tmp_path):
    paths = ban.plot(tmp_path / "figures")
    assert paths and all(p.suffix == ".png" and p.stat().st_size > 0 for p in paths)


def test_without_pandas_the_message_says_how_to_install_it(ban, monkeypatch):
    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError) as err:
        ban.kpis()
    assert str(err.value) == ("pandas is needed for .kpis(); "
                              "pip install 'tungsten-sim[pandas]'")


def test_print_is_what_run_prints(ban, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "china-ban-us", "-n", "3", "--seed", "11", "--set", "horizon_years=2",
                 "--set", "market=off", "--no-plots", "-q"]) == 0
    printed = capsys.readouterr().out
    assert str(ban) in printed
    assert Path("results/china-ban-us/kpis.csv").is_file()
