"""Golden outputs: the KPIs of a small all-features scenario, and of every shipped scenario,
must not move unnoticed (regenerate.py and shipped.py rewrite them; review the diff)."""

from __future__ import annotations

import csv
import math

import pytest
from regression.regenerate import GOLDEN, golden_rows
from regression.shipped import SCENARIOS, SHIPPED_GOLDEN


@pytest.mark.parametrize("scenario", sorted(GOLDEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_kpis_match_the_golden_file(scenario):
    _check(scenario, scenario.with_suffix(".kpis.csv"))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenario_kpis_match_the_golden_file(scenario):
    _check(scenario, SHIPPED_GOLDEN / f"{scenario.stem}.kpis.csv")


def _check(scenario, golden):
    with golden.open() as f:
        expected = [tuple(row) for row in csv.reader(f)][1:]
    actual = golden_rows(scenario)
    assert [row[:3] for row in actual] == [row[:3] for row in expected]
    for got, want in zip(actual, expected, strict=True):
        if want[3] == "":
            assert got[3] == "", got
        else:
            assert math.isclose(float(got[3]), float(want[3]), rel_tol=1e-9, abs_tol=1e-9), \
                (got, want)
