"""The Result of running a scenario: its replications' records, KPIs and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.records import RunRecord
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.results.ensemble import Ensemble


@dataclass
class Result:
    """A scenario's replications (RunRecords, in replication order) and how they were made.

    With an `ensemble` (what `run_replications` returns), `runs` holds the full records of the
    first few replications only and the ensemble holds the KPIs and main series of all of them.
    """

    scenario: Scenario
    runs: list[RunRecord]
    seed: int
    wall_seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    ensemble: Ensemble | None = None

    @property
    def name(self) -> str:
        """The scenario's name (names the results folder)."""
        return self.scenario.name

    @property
    def replications(self) -> int:
        """Number of replications run (more than `len(runs)` when only some were kept)."""
        return self.ensemble.n if self.ensemble is not None else len(self.runs)
