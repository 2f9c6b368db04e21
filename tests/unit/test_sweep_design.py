"""Sweep designs: specs, grids, Latin hypercubes, and the runs.csv repair a resume relies on."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.experiments.design import design, latin_hypercube, parse_param
from sim.experiments.sweep_store import RunsFile


def test_list_and_range_specs():
    assert parse_param("a.b=2000,4000,6000").values == (2000, 4000, 6000)
    assert parse_param("x=0:1:11").values == tuple(round(i / 10, 12) for i in range(11))
    assert parse_param("x=2000:6000:3").values == (2000, 4000, 6000)
    assert parse_param("x=5:5:1").values == (5,)
    dates = parse_param("events.0.at=2028-01-01,2029-06-30")
    assert dates.values == (dt.date(2028, 1, 1), dt.date(2029, 6, 30)) and dates.is_date


def test_grid_is_the_full_factorial_with_exactly_the_values():
    a = parse_param("mines.m.capacity_tpa=1000,2000,3000")
    b = parse_param("events.0.allowed_fraction=0:0.6:4")
    d = design("grid", [a, b])
    assert len(d.points) == 12
    assert d.points == list(itertools.product((1000, 2000, 3000), (0.0, 0.2, 0.4, 0.6)))


def test_distributions_map_the_unit_interval_onto_their_bounds():
    u = parse_param("x=uniform(0.2,0.8)")
    assert (u.value(0), u.value(0.5), u.value(1)) == (0.2, 0.5, 0.8)
    i = parse_param("x=int(1,3)")
    assert [i.value(q) for q in (0, 0.34, 0.67, 0.999, 1)] == [1, 2, 3, 3, 3]
    d = parse_param("x=date(2028-01-01,2028-01-11)")
    assert d.value(0) == dt.date(2028, 1, 1) and d.value(1) == dt.date(2028, 1, 11)


@pytest.mark.parametrize("n,d", [(10, 3), (37, 5), (1, 2)])
def test_lhs_puts_one_sample_in_each_stratum_of_each_parameter(n, d):
    unit = latin_hypercube(n, d, np.random.default_rng(3))
    assert unit.shape == (n, d) and ((unit >= 0) & (unit < 1)).all()
    for j in range(d):
        assert sorted(np.floor(unit[:, j] * n).astype(int)) == list(range(n))


def test_lhs_design_of_uniform_parameters_is_stratified_on_their_scale():
    params = [parse_param("a=uniform(100,200)"), parse_param("b=uniform(0,1)")]
    points = design("lhs", params, samples=8, seed=4).points
    for j, (low, high) in enumerate([(100, 200), (0, 1)]):
        strata = sorted(int((p[j] - low) / (high - low) * 8) for p in points)
        assert strata == list(range(8))
    assert design("lhs", params, samples=8, seed=4).points == points  # same seed, same design
    assert design("lhs", params, samples=8, seed=5).points != points


def test_sobol_and_morris_designs_have_saltelli_and_trajectory_sizes():
    params = [parse_param("a=uniform(0,1)"), parse_param("b=int(1,4)"),
              parse_param("c=date(2028-01-01,2030-01-01)")]
    assert len(design("sobol", params, samples=16).points) == 16 * (3 + 2)
    assert len(design("sobol", params, samples=10).points) == 16 * (3 + 2)  # next power of 2
    assert len(design("morris", params, samples=5).points) == 5 * (3 + 1)


@pytest.mark.parametrize("text,needle", [
    ("nothing", "expected PATH=SPEC"),
    ("x=1:2", "is not a range START:STOP:COUNT"),
    ("x=0:1:1", "COUNT (=1) must be >= 2"),
    ("x=0:1:2.5", "whole COUNT"),
    ("x=uniform(1)", "two bounds"),
    ("x=uniform(3,1)", "LOW (=3.0) must be < HIGH (=1.0)"),
    ("x=int(1.5,3)", "whole numbers"),
    ("x=date(2028-13-01,2029-01-01)", "dates YYYY-MM-DD"),
    ("x=1,,2", "empty list item"),
])
def test_bad_specs_say_what_is_wrong(text, needle):
    with pytest.raises(ScenarioError) as err:
        parse_param(text)
    assert needle in str(err.value)


def test_design_problems_are_reported_together():
    with pytest.raises(ScenarioError) as err:
        design("grid", [parse_param("a=uniform(0,1)"), parse_param("a=1,2")])
    text = str(err.value)
    assert "is given twice" in text and "a grid needs a list or a range" in text
    with pytest.raises(ScenarioError, match="needs --samples"):
        design("lhs", [parse_param("a=uniform(0,1)")], samples=None)
    with pytest.raises(ScenarioError, match="at least two parameters"):
        design("sobol", [parse_param("a=uniform(0,1)")], samples=8)


def test_repair_drops_a_partial_last_line_and_repeats(tmp_path):
    path = tmp_path / "runs.csv"
    store = RunsFile(path, ["point", "replication", "x", "k"])
    store.create()
    with store.appender(lambda p: [str(p * 10)]) as append:
        append(0, 0, (1.5,))
        append(1, 0, (2.5,))
    with path.open("a") as f:
        f.write("2,0,20,3.")  # killed mid-line
    assert store.repair() == {(0, 0), (1, 0)}
    assert path.read_text() == "point,replication,x,k\n0,0,0,1.5\n1,0,10,2.5\n"
    with path.open("a") as f:
        f.write("1,0,10,2.5\n0,1,0,4.0\n")  # a repeat before a good line
    assert store.repair() == {(0, 0), (1, 0), (0, 1)}
    assert path.read_text().count("\n") == 4
