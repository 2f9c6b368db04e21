"""Uncertain inputs in runs (issue 14, item 1): a drawn value changes the run, the draws come
back from the workers into draws.csv, and bad forms are refused by the CLI with nothing
written.

Hand-checked network: one mine, capacity drawn from discrete {100, 200} t/yr, running for
exactly one year of 1-day steps (it produces at capacity whether or not anyone buys), so each
replication's produced_t of the mine equals its drawn capacity.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml
from integration import test_bad_input
from integration.test_bad_input import TINY, at, cli, edit, refused, write

from sim.experiments.replications import run_replications
from sim.scenario import load_scenario
from sim.scenario.uncertain import resolve, uncertain_inputs

REPO = Path(__file__).resolve().parents[2]
workdir = test_bad_input.workdir

ONE_YEAR = edit("horizon_years: 2\nstep_days: 7\nrecord_days: 7",
                "horizon_years: 1\nstep_days: 1\nrecord_days: 1",
                edit("capacity_tpa: 1000}",
                     "capacity_tpa: {dist: discrete, values: [100, 200]}}"))


def test_a_drawn_capacity_is_what_the_mine_produces(workdir):
    s = load_scenario(write(workdir, "one.yaml", ONE_YEAR))
    assert s.mines[0].capacity_tpa == 100.0  # the centre: the weighted median, the lower
    result = run_replications(s, 12, seed=3)
    ens = result.ensemble
    drawn = [dict(d)["mines.m.capacity_tpa"] for d in ens.draws]
    assert set(drawn) == {100, 200}
    produced = ens.column(("m", "produced_t"))
    assert produced.tolist() == pytest.approx(drawn, rel=1e-12)


def test_serial_and_two_workers_draw_alike(workdir):
    s = load_scenario(write(workdir, "one.yaml", ONE_YEAR))
    serial = run_replications(s, 6, seed=8).ensemble
    pooled = run_replications(s, 6, seed=8, workers=2).ensemble
    assert serial.draws == pooled.draws
    np.testing.assert_array_equal(serial.values, pooled.values)
    assert serial.draws == [tuple(resolve(s, r, 8)[1].items()) for r in range(6)]


def test_draws_csv_and_a_rerun_of_the_resolved_scenario(workdir, capsys):
    text = ONE_YEAR.replace("capacity_tpa: {dist", "online: 'date_uniform(2025-02-01, "
                                                    "2025-03-01)', capacity_tpa: {dist")
    path = write(workdir, "one.yaml", text)
    assert cli("run", workdir, path, "--replications", 3, "--seed", 5) == 0
    out = workdir / "out"
    rows = list(csv.reader((out / "draws.csv").open()))
    assert rows[0] == ["replication", "path", "value"]
    assert [r[:2] for r in rows[1:]] == [[str(r), p] for r in range(3)
                                         for p in ("mines.m.capacity_tpa", "mines.m.online")]
    s = load_scenario(path)
    for r in range(3):
        draws = resolve(s, r, 5)[1]
        assert rows[1 + 2 * r][2] == str(draws["mines.m.capacity_tpa"])
        assert rows[2 + 2 * r][2] == draws["mines.m.online"].isoformat()
        assert dt.date(2025, 2, 1) <= draws["mines.m.online"] <= dt.date(2025, 3, 1)
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    assert resolved["mines"][0]["online"] == "date_uniform(2025-02-01, 2025-03-01)"
    assert cli("run", workdir, out / "scenario.resolved.yaml") == 0
    again = workdir / "out-2"
    for name in ("draws.csv", "kpis.csv"):
        assert (again / name).read_text() == (out / name).read_text()


def test_no_draws_csv_without_uncertain_inputs(workdir):
    assert cli("run", workdir, write(workdir, "tiny.yaml", TINY)) == 0
    assert not (workdir / "out" / "draws.csv").exists()


def test_the_kazakh_start_and_basis_are_drawn_together():
    """kazakh-online: both mines and the U.S. conversion share one drawn start date, both
    mines one basis; the centres are the fixed values the library tests check."""
    s = load_scenario(REPO / "scenarios" / "kazakh-online.yaml")
    paths = [u.path for u in uncertain_inputs(s)]
    assert paths == ["mines.kz_northern_katpar.capacity_tpa", "mines.kz_northern_katpar.online",
                     "mines.kz_upper_kairakty.capacity_tpa", "mines.kz_upper_kairakty.online",
                     "events.us_conversion_for_kz.at"]
    assert s.mines[-1].online == dt.date(2029, 5, 1)
    assert (s.mines[-2].capacity_tpa, s.mines[-1].capacity_tpa) == (5000, 7000)
    starts, bases = set(), set()
    for r in range(40):
        d = resolve(s, r, 1)[1]
        start = d["mines.kz_northern_katpar.online"]
        assert start == d["mines.kz_upper_kairakty.online"] == d["events.us_conversion_for_kz.at"]
        assert dt.date(2028, 11, 1) <= start <= dt.date(2031, 1, 1)
        pair = (d["mines.kz_northern_katpar.capacity_tpa"],
                d["mines.kz_upper_kairakty.capacity_tpa"])
        assert pair in {(5000, 7000), (2575, 3605)}
        starts.add(start)
        bases.add(pair)
    assert len(starts) > 30 and len(bases) == 2
    both = load_scenario(REPO / "scenarios" / "ban-plus-kazakh.yaml")
    assert [resolve(both, r, 1)[1] for r in range(5)] == [resolve(s, r, 1)[1] for r in range(5)]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("value, needle, message", [
    ("{dist: triangular, low: 1200, mode: 900, high: 1500}", "1200",
     "mines.m.capacity_tpa: needs low <= mode <= high"),
    ("'date_triangular(2025-06-01, 2025-09-01)'", "'date_triangular",
     "mines.m.online: 'date_triangular(2025-06-01, 2025-09-01)': date_triangular takes 3 dates"),
    ("'date_uniform(2026-06-01, 2027-06-01)'", "'date_uniform",
     "mines.m.online: date_uniform(2026-06-01, 2027-06-01) reaches outside the horizon"),
])
def test_a_bad_distribution_is_refused_with_nothing_written(workdir, capsys, command, value,
                                                             needle, message):
    key = "capacity_tpa" if "dist" in value else "online"
    text = edit("capacity_tpa: 1000}", f"capacity_tpa: 1000, {key}: {value}}}"
                ) if key == "online" else edit("capacity_tpa: 1000}", f"capacity_tpa: {value}}}")
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli(command, workdir, path))
    assert lines == [f"{path}:{at(text, needle)}: {message}" + lines[0].split(message, 1)[1]]
