"""The calibrated baseline's first year against the public 2024 figures (prints the table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from calibration import calibration_rows, format_table

from sim.model import simulate
from sim.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def rows():
    record = simulate(load_scenario(BASELINE, [("horizon_years", 1)]))
    table = calibration_rows(record)
    print("\n" + format_table(table))
    return table


def test_every_calibration_target_is_met(rows):
    outside = [r for r in rows if not r.ok]
    assert not outside, "\n".join(f"{r.name}: {r.measured:.4g} not in [{r.low:.4g}, "
                                  f"{r.high:.4g}] ({r.source})" for r in outside)


def test_the_table_covers_what_the_issue_lists(rows):
    names = {r.name for r in rows}
    assert {"world mine output", "China's share of mine output", "U.S. consumption",
            "cemented carbide share of U.S. use", "scrap's share of U.S. supply",
            "U.S. consumer cover"} <= names
    assert sum(name.startswith("mine output ") for name in names) == 11
