"""The KPI catalogue knows a run's KPIs without running it: `kpi_keys` of every shipped
scenario are the keys its run reports, in order, and every KPI has a unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model import simulate
from sim.results.catalogue import kpi_keys, unit
from sim.results.kpis import kpi_rows
from sim.scenario import load_scenario

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_kpi_keys_of_a_shipped_scenario_are_those_of_its_run(path: Path) -> None:
    scenario = load_scenario(path)
    ran = [(scope, kpi) for _, scope, kpi, _ in kpi_rows(simulate(scenario))]
    assert kpi_keys(scenario) == ran
    assert all(unit(kpi) for _, kpi in ran)


def test_the_shipped_scenarios_are_found() -> None:
    assert any(p.name == "baseline.yaml" for p in SHIPPED)
