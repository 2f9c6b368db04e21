"""Every name `tungsten-sim list` prints is accepted where a scenario file is (`run baseline`),
by every command that takes scenario files; an unknown name exits 2 with "did you mean" and
nothing written (issue 16)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.cli import main

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder without a scenarios/ folder: names are the shipped scenarios."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def listed(capsys) -> list[str]:
    assert main(["list"]) == 0
    return [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_every_listed_name_is_accepted_by_validate(elsewhere, capsys):
    names = listed(capsys)
    assert {"baseline", "china-ban-us", "kazakh-online"} <= set(names)
    assert main(["validate", *names]) == 0
    out = capsys.readouterr().out
    for name in names:
        assert f"{SHIPPED / name}.yaml: ok ({name}," in out


def test_run_by_name_runs_the_shipped_file(elsewhere, capsys):
    code = main(["run", "baseline", "--set", "horizon_years=1", "-n", "2", "--no-plots", "-q",
                 "--out", "out"])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((elsewhere / "out" / "manifest.json").read_text())
    assert (manifest["scenario"], manifest["replications"]) == ("baseline", 2)
    assert "country:US" in (elsewhere / "out" / "kpis.csv").read_text()


def test_an_unknown_name_exits_2_with_did_you_mean_and_writes_nothing(elsewhere, capsys):
    assert main(["run", "baselin", "chna-ban-us", "--no-plots", "-q"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("baselin: ") and "did you mean baseline?" in err[0]
    assert err[1].startswith("chna-ban-us: ") and "did you mean china-ban-us?" in err[1]
    assert all("`tungsten-sim list` shows the shipped scenarios" in line for line in err)
    assert not (elsewhere / "results").exists()


@pytest.mark.parametrize("argv", [
    ["compare", "baseline", "nothing-like-it", "--no-plots", "-q"],
    ["sweep", "nothing-like-it", "--param", "horizon_years=1,2", "--no-plots", "-q"],
    ["attribute", "nothing-like-it", "--no-plots", "-q"],
    ["size-stockpile", "baseline", "nothing-like-it", "--stockpile", "us_nds",
     "--target", "country:US.fill_rate>=0.9", "--no-plots", "-q"],
    ["validate", "nothing-like-it"],
])
def test_every_command_refuses_an_unknown_name(elsewhere, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nothing-like-it: no such ")
    assert "and no scenario of that name" in err
    assert "tungsten-sim list" in err
    assert list(elsewhere.iterdir()) == []


def test_compare_sweep_and_attribute_take_names(elsewhere, capsys):
    assert main(["compare", "baseline", "china-ban-us", "-n", "2", "--no-plots", "-q",
                 "--out", "cmp"]) == 0
    assert "china-ban-us" in (elsewhere / "cmp" / "comparison.csv").read_text()
    assert main(["sweep", "baseline", "--param", "horizon_years=1,2", "--no-plots", "-q",
                 "--out", "sw"]) == 0
    assert json.loads((elsewhere / "sw" / "sweep.json").read_text())["definition"][
        "scenario"] == str(SHIPPED / "baseline.yaml")
    assert main(["attribute", "china-ban-us", "-n", "1", "--set", "horizon_years=2",
                 "--no-plots", "-q", "--out", "att"]) == 0
    assert (elsewhere / "att" / "attribution.csv").is_file()


def test_names_come_from_the_folder_list_reads(elsewhere, capsys):
    """With a ./scenarios folder, `list` shows its files and names resolve there."""
    (elsewhere / "scenarios").mkdir()
    shutil.copy(SHIPPED / "baseline.yaml", elsewhere / "scenarios" / "mine.yaml")
    assert listed(capsys) == ["mine"]
    assert main(["validate", "mine"]) == 0
    assert "scenarios/mine.yaml: ok" in capsys.readouterr().out
    assert main(["validate", "baseline"]) == 2
    assert "the scenarios in scenarios/" in capsys.readouterr().err


def test_a_path_is_taken_as_a_path_even_without_yaml(elsewhere, capsys):
    shutil.copy(SHIPPED / "baseline.yaml", elsewhere / "baseline")
    assert main(["validate", "baseline"]) == 0
    assert capsys.readouterr().out.startswith("baseline: ok (baseline,")
    assert main(["validate", "sub/nothing.yaml"]) == 2  # a path: the loader's own message
    assert "did you mean" not in capsys.readouterr().err
