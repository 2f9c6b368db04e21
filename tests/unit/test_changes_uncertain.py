"""What changed between scenarios names an uncertain input by its distribution, not by the
central value it is validated at (compare's changes.csv and the report page read this)."""

from __future__ import annotations

from pathlib import Path

from sim.results.changes import changes
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_an_uncertain_date_shows_as_its_distribution() -> None:
    delayed = load_scenario(SCENARIOS / "kazakh-delayed.yaml")
    online = load_scenario(SCENARIOS / "kazakh-online.yaml")
    by_path = {c.parameter: c for c in changes(online, delayed)}
    start = by_path["mines.kz_upper_kairakty.online"]
    assert "triangular" in start.reference and "2029-05-01" in start.reference
    assert start.value == "2031-11-01"


def test_the_same_distribution_on_both_sides_is_no_change() -> None:
    online = load_scenario(SCENARIOS / "kazakh-online.yaml")
    again = load_scenario(SCENARIOS / "kazakh-online.yaml")
    assert changes(online, again) == []
