"""Output locations that cannot work (issue 15, item 5): refused before simulating (exit 2),
or, when writing fails (a full disk), one line (exit 1); never a traceback, nothing partial."""

from __future__ import annotations

import errno
import os
import pathlib
from pathlib import Path

import pytest
from scenario_builder import consumer, mine, scenario, supplier, write_yaml

import sim.experiments
import sim.experiments.compare
import sim.experiments.sweep
from sim.cli import main

FULL = OSError(errno.ENOSPC, "No space left on device")


def tiny(name: str) -> dict:
    return scenario(name=name, horizon_years=1, seed=3,
                    mines=[mine("cn_mine", 900, country="CN")],
                    consumers=[consumer("us_user", 1000, [supplier("cn_mine", 1.0, 14)])])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_yaml(tmp_path, tiny("tiny"), "tiny.yaml")
    write_yaml(tmp_path, tiny("other"), "other.yaml")
    return tmp_path


COMMANDS = {
    # command: (arguments before --out, what the message calls the folder)
    "run": (["run", "tiny.yaml", "-q", "--no-plots"], "results folder"),
    "compare": (["compare", "tiny.yaml", "other.yaml", "-n", "2", "-q", "--no-plots"],
                "comparison folder"),
    "sweep": (["sweep", "tiny.yaml", "--param", "mines.cn_mine.capacity_tpa=800,900", "-q",
               "--no-plots"], "sweep folder"),
}


def everything(folder: Path) -> set[str]:
    """Every file and folder under `folder` (hidden ones too), relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything is simulated: each refusal must come before that."""
    def simulated(*args, **kwargs):
        raise AssertionError("simulated before the output location was checked")

    monkeypatch.setattr(sim.experiments, "run_replications", simulated)
    monkeypatch.setattr(sim.experiments.compare, "gather", simulated)
    monkeypatch.setattr(sim.experiments.sweep, "execute", simulated)


def one_line(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_out_under_an_existing_file_exits_2_before_simulating(workdir, capsys, no_simulation,
                                                               command):
    (workdir / "afile").write_text("not a folder\n")
    before = everything(workdir)
    args, what = COMMANDS[command]
    assert main([*args, "--out", "afile/sub"]) == 2
    assert one_line(capsys) == \
        f"afile/sub: cannot create the {what}: afile is a file, not a folder"
    assert everything(workdir) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_results_folder_exits_2_before_simulating(workdir, capsys, monkeypatch,
                                                            no_simulation, command):
    read_only = workdir / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        if os.access(read_only, os.W_OK):  # root ignores the mode: say the folder is read-only
            access = os.access
            monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if (
                Path(path).resolve() == read_only and mode & os.W_OK) else access(path, mode, **kw))
        args, what = COMMANDS[command]
        assert main([*args, "--out", "ro/out"]) == 2
        assert one_line(capsys) == f"ro/out: cannot create the {what}: ro is not writable"
        assert everything(read_only) == set()
    finally:
        read_only.chmod(0o755)


def test_a_read_only_sweep_folder_is_not_resumed(workdir, capsys, monkeypatch):
    args, _ = COMMANDS["sweep"]
    assert main([*args, "--out", "swept"]) == 0
    runs = workdir / "swept" / "runs.csv"
    runs.chmod(0o444)
    if os.access(runs, os.W_OK):  # as root
        access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if (
            Path(path).resolve() == runs and mode & os.W_OK) else access(path, mode, **kw))
    capsys.readouterr()
    assert main(["sweep", "--resume", "swept", "-q"]) == 2
    assert one_line(capsys) == "swept: cannot resume here: swept/runs.csv is not writable"
    assert not (workdir / "swept" / "sweep.lock").exists()


def disk_full_writing(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The disk fills while `name` (a file name, or the start of a temporary's) is written."""
    write_text = pathlib.Path.write_text

    def full(self, *args, **kwargs):
        if self.name.startswith(name):
            raise FULL
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", full)


@pytest.mark.parametrize(("command", "file", "where"), [
    ("run", "summary.json", "new/results"),
    ("compare", "comparison.md", "new/comparison"),
])
def test_a_full_disk_while_writing_exits_1_and_leaves_nothing(workdir, capsys, monkeypatch,
                                                              command, file, where):
    before = everything(workdir)
    disk_full_writing(monkeypatch, file)
    args, _ = COMMANDS[command]
    assert main([*args, "--out", where]) == 1
    assert one_line(capsys) == \
        f"{where}: could not write (No space left on device); no partial folder was left"
    assert everything(workdir) == before  # neither the temporary folder nor new/


def test_a_full_disk_while_finishing_a_sweep_keeps_the_runs_for_resume(workdir, capsys):
    args, _ = COMMANDS["sweep"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        disk_full_writing(monkeypatch, ".points.csv.")
        assert main([*args, "-n", "2"]) == 1
    folder = "results/sweep-tiny"
    assert one_line(capsys) == (
        f"{folder}/points.csv: could not write (No space left on device); every finished run "
        f"is in {folder}/runs.csv; continue with `tungsten-sim sweep --resume {folder}`")
    assert everything(workdir / folder) == {"sweep.json", "runs.csv"}
    assert main(["sweep", "--resume", folder, "-q", "--no-plots"]) == 0
    assert (workdir / folder / "points.csv").read_text().count("\n") == 3


class FillingFile:
    """A file whose disk is full after `room` writes."""

    def __init__(self, f, room: int):
        self.f, self.room = f, room

    def write(self, text: str) -> int:
        self.room -= 1
        if self.room < 0:
            raise FULL
        return self.f.write(text)

    def __getattr__(self, name: str):
        return getattr(self.f, name)


def test_a_full_disk_while_appending_runs_keeps_what_was_appended(workdir, capsys):
    real_open = pathlib.Path.open

    def filling(self, mode="r", *args, **kwargs):
        f = real_open(self, mode, *args, **kwargs)
        return FillingFile(f, 3) if self.name == "runs.csv" and mode == "a" else f

    args, _ = COMMANDS["sweep"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(pathlib.Path, "open", filling)
        assert main([*args, "-n", "4"]) == 1
    folder = "results/sweep-tiny"
    assert one_line(capsys) == (
        f"{folder}/runs.csv: could not write (No space left on device); every finished run "
        f"is in {folder}/runs.csv; continue with `tungsten-sim sweep --resume {folder}`")
    assert (workdir / folder / "runs.csv").read_text().count("\n") == 1 + 3
    assert not (workdir / folder / "sweep.lock").exists()
    assert main(["sweep", "--resume", folder, "-q", "--no-plots"]) == 0
    assert (workdir / folder / "runs.csv").read_text().count("\n") == 1 + 8
