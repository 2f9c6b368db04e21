"""`tungsten-sim attribute`: the folder and what it holds, the numbers of a hand-worked
network (tests/unit/test_attribution.py works them), a shipped scenario with a market, and
bad input refused (exit 2) with nothing written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from scenario_builder import consumer, day, mine, scenario, supplier, write_yaml

from sim.cli import main

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"


def outage(node: str, at_day: int, days: int, id: str) -> dict:
    return {"kind": "outage", "id": id, "node": node, "at": day(at_day), "duration_days": days}


@pytest.fixture
def two_mines(tmp_path: Path) -> Path:
    """ma (CN) -> ca (US) out 28 days, mb (AU) -> cb (DE) out 56 days: 28 t and 56 t short."""
    return write_yaml(tmp_path, scenario(
        name="two-mines",
        mines=[mine("ma", 365, country="CN"), mine("mb", 365, country="AU")],
        consumers=[consumer("ca", 365, [supplier("ma")], initial_stock=7),
                   consumer("cb", 365, [supplier("mb")], initial_stock=7, country="DE")],
        events=[outage("ma", 70, 28, "a_out"), outage("mb", 140, 56, "b_out")]))


def read_rows(folder: Path) -> dict[tuple[str, str, str], dict]:
    with (folder / "attribution.csv").open(newline="") as f:
        return {(r["scope"], r["kpi"], r["event"] or r["component"]): r
                for r in csv.DictReader(f)}


def test_attribute_writes_the_folder_with_the_hand_worked_numbers(two_mines, tmp_path, capsys):
    out = tmp_path / "results" / "attr"
    assert main(["attribute", str(two_mines), "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "own: a_out" in printed and "interaction" in printed
    assert f"attribution written to {out}/" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == ["attribution.csv", "attribution.md", "manifest.json", "plots",
                     "scenario.resolved.yaml"]
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["shortfall_t_by_cause.png"]
    rows = read_rows(out)
    for (scope, part), value in {("world", "total"): 84.0, ("world", "no events"): 0.0,
                                 ("world", "a_out"): 28.0, ("world", "b_out"): 56.0,
                                 ("world", "interaction"): 0.0, ("ca", "a_out"): 28.0,
                                 ("ca", "b_out"): 0.0, ("country:DE", "b_out"): 56.0}.items():
        assert float(rows[scope, "shortfall_t", part]["mean"]) == pytest.approx(value, abs=1e-9)
    assert rows["world", "shortfall_t", "a_out"]["component"] == "own effect"
    assert rows["world", "shortfall_t", "a_out"]["n"] == "1"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["events_attributed"] == ["a_out", "b_out"]
    assert manifest["runs"] == ["total", "without a_out", "without b_out", "no events"]
    markdown = (out / "attribution.md").read_text()
    assert "| country:US = ca | 28 | 0 | 28 | 0 | 0 |" in markdown


def test_an_existing_folder_is_never_overwritten(two_mines, tmp_path, capsys):
    out = tmp_path / "attr"
    args = ["attribute", str(two_mines), "--out", str(out), "-q", "--no-plots"]
    assert main(args) == 0
    assert main([*args, "--event", "b_out"]) == 0
    assert (tmp_path / "attr-2").is_dir()
    assert "b_out" in (tmp_path / "attr-2" / "attribution.md").read_text()
    assert "a_out" in (out / "attribution.md").read_text()
    assert not (tmp_path / "attr-2" / "plots").exists()


@pytest.mark.parametrize("extra, message", [
    (["--event", "c_out"], "c_out: no such event in two-mines"),
    (["--event", "a_ot"], "did you mean 'a_out'?"),
    (["--event", "events.5"], "its events: a_out, b_out"),
    (["--kpi", "fill_rat"], "no such KPI"),
    (["--replications", "0"], "must be >= 1"),
])
def test_bad_input_exits_2_and_writes_nothing(two_mines, tmp_path, capsys, extra, message):
    out = tmp_path / "out" / "attr"
    assert main(["attribute", str(two_mines), "--out", str(out), "-q", *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_all_problems_are_said_at_once(two_mines, tmp_path, capsys):
    assert main(["attribute", str(two_mines), "--out", str(tmp_path / "x"), "-q",
                 "--event", "nope", "--kpi", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no such event" in err and "no such KPI" in err


def test_shipped_scenario_with_a_market_attributes_price_effects(tmp_path, capsys):
    """china-ban-us (one replication): the shortfall, the demand destroyed by price and the
    purchase cost are attributed to both events; the parts add up to the total."""
    out = tmp_path / "ban"
    assert main(["attribute", str(SHIPPED / "china-ban-us.yaml"), "--out", str(out), "-q",
                 "--no-plots", "-n", "1", "-j", "2"]) == 0
    rows = read_rows(out)
    assert {kpi for _, kpi, _ in rows} == {"shortfall_t", "demand_destroyed_t",
                                           "purchase_cost_musd"}
    for kpi in ("demand_destroyed_t", "purchase_cost_musd"):
        parts = [float(rows["country:US", kpi, p]["mean"])
                 for p in ("no events", "cn_mine_decline", "cn_ban_us", "interaction")]
        assert sum(parts) == pytest.approx(float(rows["country:US", kpi, "total"]["mean"]))
    assert float(rows["country:US", "demand_destroyed_t", "cn_ban_us"]["mean"]) > 0
    assert "demand_destroyed_t (t W)" in capsys.readouterr().out
