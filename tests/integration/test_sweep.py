"""Sweeps end to end: files, common random numbers, kill -9 and resume, Dask, Sobol, refusals."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scenario_builder import consumer, mine, scenario, stockpile, supplier, write_yaml

from sim.cli import main
from sim.experiments.design import parse_param
from sim.experiments.executor import DaskRunner, Runner
from sim.experiments.sweep import SweepDefinition, execute, finish, prepare, start

ROOT = Path(__file__).resolve().parents[2]
NOISE = {"dist": "normal", "mean": 1.0, "sd": 0.2}
TRANSIT = {"dist": "uniform", "low": 5, "high": 30}


def noisy(name: str = "tiny") -> dict:
    """One year, a CN and a VN mine, two U.S. consumers with noise and random transit."""
    us = [supplier("cn_mine", 0.7, TRANSIT), supplier("vn_mine", 0.3, TRANSIT)]
    return scenario(
        name=name, horizon_years=1, seed=5,
        mines=[mine("cn_mine", 900, country="CN"), mine("vn_mine", 300, country="VN")],
        consumers=[consumer("us_defense", 200, us, group="defense", priority=1, noise=NOISE),
                   consumer("us_carbide", 900, us, group="carbide", noise=NOISE)])


def known() -> dict:
    """U.S. shortfall = demand - CN capacity; the other two parameters change nothing."""
    return scenario(
        name="known", horizon_years=1, seed=2,
        mines=[mine("cn_mine", 500, country="CN"), mine("au_mine", 300, country="AU")],
        stockpiles=[stockpile("us_nds", initial_stock=0,
                              release={"to": ["us_user"], "max_tpa": 100})],
        consumers=[consumer("us_user", 1000, [supplier("cn_mine", 1.0, 0)], initial_stock=0)])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_yaml(tmp_path, noisy(), "tiny.yaml")
    write_yaml(tmp_path, known(), "known.yaml")
    return tmp_path


def rows(folder: Path) -> list[dict]:
    with (folder / "runs.csv").open(newline="") as f:
        return sorted(csv.DictReader(f), key=lambda r: (int(r["point"]), int(r["replication"])))


GRID = ["--param", "mines.cn_mine.capacity_tpa=300:900:3",
        "--param", "consumers.us_carbide.cover_days=0,10,20,40"]


def test_grid_sweep_writes_every_file_with_one_row_per_run(workdir):
    assert main(["sweep", "tiny.yaml", *GRID, "-n", "3", "-q"]) == 0
    folder = workdir / "results" / "sweep-tiny"
    got = rows(folder)
    assert len(got) == 12 * 3
    assert {(r["mines.cn_mine.capacity_tpa"], r["consumers.us_carbide.cover_days"])
            for r in got} == {(a, b) for a in ("300", "600", "900") for b in ("0", "10", "20",
                                                                              "40")}
    with (folder / "points.csv").open(newline="") as f:
        points = list(csv.DictReader(f))
    assert len(points) == 12 and {p["replications"] for p in points} == {"3"}
    fill = [float(r["country:US.fill_rate"]) for r in got if r["point"] == "0"]
    assert float(points[0]["country:US.fill_rate.mean"]) == pytest.approx(sum(fill) / 3)
    names = sorted(p.name for p in (folder / "plots").iterdir())
    assert "heatmap.png" in names and "tornado.png" in names and len(names) == 6 + 2
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"] == 36 and manifest["complete"] and manifest["runs_per_hour"] > 0
    with (folder / "sensitivity.csv").open(newline="") as f:
        sens = list(csv.DictReader(f))
    effect = {(r["kpi"], r["param"]): float(r["value"]) for r in sens if r["index"] == "effect"}
    assert effect[("country:US.shortfall_t", "mines.cn_mine.capacity_tpa")] < 0
    # A second sweep never overwrites the first.
    assert main(["sweep", "tiny.yaml", *GRID, "-q", "--no-plots"]) == 0
    assert (workdir / "results" / "sweep-tiny-2" / "runs.csv").exists()


def test_replication_r_of_every_point_shares_its_random_numbers(workdir):
    # Two points that differ only in how a value is written (1 and 1.0) are the same scenario:
    # replication by replication they must give identical rows, and replications must differ.
    assert main(["sweep", "tiny.yaml", "--param", "mines.vn_mine.utilization=1,1.0",
                 "-n", "3", "-q", "--no-plots", "--kpi", "world.shortfall_t"]) == 0
    got = rows(workdir / "results" / "sweep-tiny")
    a = [r["world.shortfall_t"] for r in got if r["point"] == "0"]
    b = [r["world.shortfall_t"] for r in got if r["point"] == "1"]
    assert a == b and len(set(a)) == 3


def test_kill_9_then_resume_equals_an_uninterrupted_sweep(workdir):
    args = ["sweep", "tiny.yaml", *GRID, "-n", "25", "-q", "--no-plots"]
    assert main([*args, "--out", "whole"]) == 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args, "--out", "killed"],
                            env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    runs = workdir / "killed" / "runs.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if runs.exists() and runs.read_text().count("\n") > 10:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = runs.read_text().count("\n") - 1
    assert 0 < partial < 300
    with runs.open("a") as f:  # and as if the kill had cut the last line in half
        f.write("11,24,900,40,0.9")
    assert main(["sweep", "--resume", "killed", "-q", "--no-plots"]) == 0
    whole, resumed = rows(workdir / "whole"), rows(workdir / "killed")
    assert len(resumed) == 300 and resumed == whole
    assert len({(r["point"], r["replication"]) for r in resumed}) == 300
    assert (workdir / "killed" / "points.csv").read_text() == \
        (workdir / "whole" / "points.csv").read_text()
    manifest = json.loads((workdir / "killed" / "manifest.json").read_text())
    assert manifest["sessions"][-1]["runs"] == 300 - partial < 300


def test_dask_local_cluster_gives_the_rows_of_the_process_pool(workdir):
    definition = SweepDefinition("tiny.yaml", (parse_param("mines.cn_mine.capacity_tpa=300,900"),
                                               parse_param("consumers.us_carbide.cover_days=0,30")),
                                 replications=3)
    plan = prepare(definition)
    folders = []
    for name, runner in (("pool", Runner(2)), ("dask", DaskRunner("local", 2, processes=False))):
        folder = start(plan, workdir / name)
        with runner:
            assert execute(plan, folder, runner).runs == 12
        finish(plan, folder)
        folders.append(folder)
    assert rows(folders[0]) == rows(folders[1])
    assert (folders[0] / "points.csv").read_text() == (folders[1] / "points.csv").read_text()


def test_sobol_finds_the_one_parameter_that_matters(workdir):
    sweep_file = workdir / "known-sweep.yaml"
    sweep_file.write_text(
        "scenario: known.yaml\nmethod: sobol\nsamples: 64\nseed: 3\n"
        "kpis: [country:US.shortfall_t]\n"
        "params:\n  mines.cn_mine.capacity_tpa: uniform(200,900)\n"
        "  stockpiles.us_nds.release.max_tpa: uniform(0,500)\n"
        "  mines.au_mine.capacity_tpa: uniform(100,1000)\n")
    assert main(["sweep", "--file", str(sweep_file), "-q", "--out", "sobol"]) == 0
    with (workdir / "sobol" / "sensitivity.csv").open(newline="") as f:
        index = {(r["param"], r["index"]): float(r["value"]) for r in csv.DictReader(f)
                 if r["index"] in ("S1", "ST")}
    assert index[("mines.cn_mine.capacity_tpa", "S1")] == pytest.approx(1, abs=0.05)
    assert index[("mines.cn_mine.capacity_tpa", "ST")] == pytest.approx(1, abs=0.05)
    for other in ("stockpiles.us_nds.release.max_tpa", "mines.au_mine.capacity_tpa"):
        assert abs(index[(other, "S1")]) < 0.02 and abs(index[(other, "ST")]) < 0.02
    assert (workdir / "sobol" / "plots" / "sobol.png").exists()


def test_lhs_and_morris_run_and_date_parameters_work(workdir, capsys):
    assert main(["sweep", "tiny.yaml", "--method", "lhs", "--samples", "5",
                 "--param", "mines.cn_mine.capacity_tpa=uniform(300,900)",
                 "--param", "mines.vn_mine.online=date(2030-01-01,2030-09-01)",
                 "-q", "--out", "lhs"]) == 0
    got = rows(workdir / "lhs")
    assert len(got) == 5 and all(r["mines.vn_mine.online"].startswith("2030-") for r in got)
    assert main(["sweep", "tiny.yaml", "--method", "morris", "--samples", "3",
                 "--param", "mines.cn_mine.capacity_tpa=uniform(300,900)",
                 "--param", "consumers.us_carbide.cover_days=int(0,30)",
                 "-q", "--no-plots", "--out", "morris"]) == 0
    assert len(rows(workdir / "morris")) == 3 * 3
    # three trajectories are too few: one line, no file, line number or source
    warning = [line for line in capsys.readouterr().err.splitlines() if "unreliable" in line]
    assert warning == ["warning: r=3: indices unreliable (Morris with 3 trajectories; "
                       "use --samples 10 or more)"]


@pytest.mark.parametrize("extra,needles", [
    (["--param", "mines.cn_mnie.capacity_tpa=1,2"], ["did you mean 'cn_mine'"]),
    (["--param", "mines.cn_mine.capacity_tpa=-5,100"], ["capacity_tpa"]),
    (["--param", "mines.cn_mine.capacity_tpa=uniform(1,2)"], ["a grid needs a list"]),
    (["--param", "x=1:2", "--param", "y=uniform(2,1)"],
     ["is not a range", "LOW (=2.0) must be < HIGH"]),
    (["--param", "mines.cn_mine.capacity_tpa=1,2", "--kpi", "country:US.fill_rat"],
     ["did you mean 'country:US.fill_rate'"]),
])
def test_bad_input_exits_2_naming_each_problem_and_writes_nothing(workdir, capsys, extra,
                                                                  needles):
    assert main(["sweep", "tiny.yaml", *extra, "-q"]) == 2
    err = capsys.readouterr().err
    assert all(n in err for n in needles), err
    assert not (workdir / "results").exists()


def test_sobol_without_salib_names_the_extra(workdir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "SALib", None)
    assert main(["sweep", "tiny.yaml", "--method", "sobol", "--samples", "4",
                 "--param", "mines.cn_mine.capacity_tpa=uniform(300,900)",
                 "--param", "consumers.us_carbide.cover_days=int(0,30)", "-q"]) == 2
    assert "pip install 'tungsten-sim[sensitivity]'" in capsys.readouterr().err
    assert not (workdir / "results").exists()
