"""The Result of running a scenario: its replications' records, KPIs and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model import RunRecord
from sim.scenario.schema import Scenario


@dataclass
class Result:
    """A scenario's replications (RunRecords, in replication order) and how they were made."""

    scenario: Scenario
    runs: list[RunRecord]
    seed: int
    wall_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The scenario's name (names the results folder)."""
        return self.scenario.name
