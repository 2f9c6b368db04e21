"""`tungsten-sim size-stockpile` end to end: results folder, exit statuses, bad input."""

from __future__ import annotations

import json

import pytest
import scenario_builder as b

from sim.cli import main

SIZE = ["size-stockpile", "--stockpile", "nds", "-n", "4", "--max-holding", "400",
        "--step", "10", "-q"]


@pytest.fixture
def scenario_file(tmp_path):
    data = b.scenario(
        mines=[b.mine("cn_mine", 2000, country="CN")],
        stockpiles=[b.stockpile("nds", release={"to": ["users"], "max_tpa": 5000})],
        consumers=[b.consumer("users", 520, [b.supplier("cn_mine")], initial_stock=10)],
        events=[b.export_control(70, "ban", until_day=161, to=["US"])])
    return b.write_yaml(tmp_path, data)


def test_sizes_and_writes_a_new_folder_each_time(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    args = [*SIZE, str(scenario_file), "--target", "country:US.shortfall_t<=1", "--out",
            str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "smallest holding: 130 t (120 t fails)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["holdings.csv", "plots", "sizing.json"]
    assert (out / "plots" / "sizing.png").stat().st_size > 0
    manifest = json.loads((out / "sizing.json").read_text())
    search = manifest["searches"][0]
    assert (search["answer_t"], search["below_t"]) == (130.0, 120.0)
    assert search["at_answer"]["pooled"]["p_met"] == 1.0
    assert search["at_answer"]["pooled"]["wilson95"][0] == pytest.approx(0.510, abs=1e-3)
    rows = (out / "holdings.csv").read_text().splitlines()
    assert rows[0].startswith("release_tpa,holding_t,scenario") and len(rows) > 3
    assert main([*SIZE, str(scenario_file), "--target", "users.shortfall_t<=1", "--out",
                 str(out), "--no-plots"]) == 0
    assert (tmp_path / "out-2" / "sizing.json").exists()
    assert not (tmp_path / "out-2" / "plots").exists()


def test_unreachable_target_exits_3_with_a_result(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    args = [*SIZE, str(scenario_file), "--target", "users.shortfall_t<=1", "--max-holding",
            "50", "--out", str(out), "--no-plots"]
    assert main(args) == 3
    assert "not reachable below 50 t" in capsys.readouterr().out
    assert json.loads((out / "sizing.json").read_text())["searches"][0][
        "not_reachable_below_t"] == 50.0


@pytest.mark.parametrize("extra, message", [
    (["--target", "country:XX.fill_rate>=0.9"], "no such scope"),
    (["--target", "users.fill_ratio>=0.9"], "no such KPI (did you mean 'users.fill_rate'?)"),
    (["--target", "users.fill_rate>0.9"], "is not SCOPE.KPI>=VALUE"),
    (["--target", "users.fill_rate>=0.9", "--confidence", "1.5"], "must be in (0, 1]"),
    (["--target", "users.fill_rate>=0.9", "--confidence", "0"], "must be in (0, 1]"),
    (["--target", "users.fill_rate>=0.9", "--stockpile", "users"],
     "is a consumer in"),
    (["--target", "users.fill_rate>=0.9", "--stockpile", "nope"], "no such node"),
    (["--target", "users.fill_rate>=0.9", "--step", "-1"], "must be > 0"),
    (["--target", "users.fill_rate>=0.9", "--release-rate", "fast"], "must be numbers > 0"),
])
def test_bad_input_exits_2_writing_nothing(scenario_file, tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    assert main([*SIZE, str(scenario_file), *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists() and not list(tmp_path.glob(".out*"))
