"""One sweep process per folder (issue 15, item 6): the lock file, a second process refused
(exit 2, naming the lock and the pid), a stale lock taken over, the lock released however a
sweep ends, and two `--resume` at once that no longer duplicate rows."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_builder import consumer, mine, scenario, supplier, write_yaml

import sim.experiments.sweep
from sim.cli import main
from sim.errors import ScenarioError, SimulationError
from sim.experiments import sweep_lock
from sim.experiments.design import parse_param
from sim.experiments.sweep import SweepDefinition, prepare, start

ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
SWEEP = ["--param", "mines.cn_mine.capacity_tpa=300:900:4", "-n", "20", "-q", "--no-plots"]
RUNS = 4 * 20


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    noise = {"dist": "normal", "mean": 1.0, "sd": 0.2}
    write_yaml(tmp_path, scenario(
        name="tiny", horizon_years=3, seed=5, mines=[mine("cn_mine", 900, country="CN")],
        consumers=[consumer("us_user", 1000, [supplier("cn_mine", 1.0, 14)], noise=noise)]),
        "tiny.yaml")
    return tmp_path


def lock_of(pid: int, host: str = HOST, started: str = "2026-01-01T00:00:00") -> str:
    return json.dumps({"pid": pid, "host": host, "started": started}) + "\n"


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def keys(folder: Path) -> list[tuple[str, str]]:
    with (folder / "runs.csv").open(newline="") as f:
        return [(r["point"], r["replication"]) for r in csv.DictReader(f)]


# --- the lock itself ---------------------------------------------------------------------------

def test_the_lock_names_its_process_and_refuses_a_second_taker(tmp_path):
    holder = sweep_lock.acquire(tmp_path)
    lock = tmp_path / "sweep.lock"
    assert json.loads(lock.read_text()) == {"pid": os.getpid(), "host": HOST,
                                            "started": holder.started}
    with pytest.raises(ScenarioError) as refused:
        sweep_lock.acquire(tmp_path)
    assert str(refused.value) == (
        f"{lock}: the sweep is in use by process {os.getpid()} on {HOST} (since "
        f"{holder.started}); wait for it to end, or delete the lock file if no such sweep is "
        "running")
    sweep_lock.release(tmp_path)
    assert not lock.exists()


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path):
    lock, pid = tmp_path / "sweep.lock", dead_pid()
    lock.write_text(lock_of(pid))
    notes: list[str] = []
    with sweep_lock.held(tmp_path, note=notes.append):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert notes == [f"{lock}: took over the lock of process {pid} (since 2026-01-01T00:00:00), "
                     "which is no longer running"]
    assert not lock.exists()


def test_a_lock_left_empty_is_taken_over_once_it_had_time_to_be_written(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_lock, "SETTLE_SECONDS", 0.05)
    lock = tmp_path / "sweep.lock"
    lock.write_text("")
    notes: list[str] = []
    with sweep_lock.held(tmp_path, note=notes.append):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert notes == [f"{lock}: took over an unreadable lock ('')"]


def test_a_lock_of_another_host_is_never_taken_over_nor_released(tmp_path):
    lock = tmp_path / "sweep.lock"
    lock.write_text(lock_of(dead_pid(), host="elsewhere"))
    with pytest.raises(ScenarioError, match=r"in use by process \d+ on elsewhere"):
        sweep_lock.acquire(tmp_path)
    sweep_lock.release(tmp_path)
    assert json.loads(lock.read_text())["host"] == "elsewhere"


# --- the command line ----------------------------------------------------------------------------

def test_a_second_process_exits_2_and_a_killed_holder_is_taken_over(workdir, capsys):
    assert main(["sweep", "tiny.yaml", *SWEEP, "--out", "swept"]) == 0
    lock = Path("swept") / "sweep.lock"
    assert not lock.exists()  # released at the end
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from sim.experiments import sweep_lock; sweep_lock.acquire(Path('swept')); "
         "print('held', flush=True); time.sleep(120)"],
        env=ENV, cwd=workdir, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        capsys.readouterr()
        assert main(["sweep", "--resume", "swept", "-q", "--no-plots"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"{lock}: the sweep is in use by process {holder.pid} on {HOST} ")
        assert len(err.splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()
    assert main(["sweep", "--resume", "swept", "-q", "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert f"{lock}: took over the lock of process {holder.pid} " in err
    assert not lock.exists() and len(keys(workdir / "swept")) == RUNS


@pytest.mark.parametrize(("stop", "code"), [(KeyboardInterrupt, 130),
                                            (SimulationError("mass balance"), 1)])
def test_the_lock_is_released_on_ctrl_c_and_on_errors(workdir, stop, code):
    def stopped(*args, **kwargs):
        raise stop

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(sim.experiments.sweep, "execute", stopped)
        assert main(["sweep", "tiny.yaml", *SWEEP, "--out", "swept"]) == code
    assert (workdir / "swept" / "sweep.json").exists()
    assert not (workdir / "swept" / "sweep.lock").exists()
    assert main(["sweep", "--resume", "swept", "-q", "--no-plots"]) == 0


def test_two_resumes_at_once_run_every_run_exactly_once(workdir):
    plan = prepare(SweepDefinition("tiny.yaml", (parse_param(SWEEP[1]),), replications=20))
    folder = start(plan, Path("shared"))
    sweep_lock.release(folder)
    both = [subprocess.Popen([sys.executable, "-m", "sim", "sweep", "--resume", "shared", "-q",
                              "--no-plots"], env=ENV, cwd=workdir, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in both]
    assert sorted(code for code, _ in outcomes) in ([0, 0], [0, 2])  # [0, 0]: one after the other
    for code, err in outcomes:
        if code == 2:
            assert err.startswith(f"{Path('shared') / 'sweep.lock'}: the sweep is in use by "
                                  "process ")
    got = keys(workdir / "shared")
    assert len(got) == len(set(got)) == RUNS
    assert not (workdir / "shared" / "sweep.lock").exists()
