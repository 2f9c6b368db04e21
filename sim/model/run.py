"""Running one replication and handing back a plain record of what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from sim.model.balance import check_balance
from sim.model.world import World
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class NodeRow:
    """Who a node is, for results: id, kind, country, group."""

    id: str
    kind: str
    country: str
    group: str | None


@dataclass
class RunRecord:
    """Everything one replication produced; results and plots read only this.

    `arrays` maps each variable of `recorder.NODE_VARIABLES` to an array [step, node];
    `delivered_by_origin` is [step, node, origin], `produced_by_origin` [step, origin], and
    `shipped_by_edge` [step, edge] the tonnes departing on each (supplier, buyer) of `edges`.
    """

    replication: int
    start: dt.date
    step_days: int
    record_days: int
    nodes: list[NodeRow]
    origins: list[str]
    arrays: dict[str, np.ndarray]
    delivered_by_origin: np.ndarray
    produced_by_origin: np.ndarray
    totals: dict[str, float]
    balance_error: float
    edges: list[tuple[int, int]] = field(default_factory=list)
    shipped_by_edge: np.ndarray | None = None

    @property
    def n_steps(self) -> int:
        """Number of steps in the run."""
        return self.arrays["stock_t"].shape[0]

    @property
    def days(self) -> np.ndarray:
        """Start day of each step."""
        return np.arange(self.n_steps) * float(self.step_days)


def simulate(scenario: Scenario, replication: int = 0, seed: int | None = None) -> RunRecord:
    """Run one replication, check its mass balance, and return its record."""
    world = World(scenario, replication, seed).run()
    totals = world.totals()
    error = check_balance(totals)
    nodes = [NodeRow(n.id, n.kind, n.country, n.group) for n in world.net.nodes]
    return RunRecord(replication, scenario.start, scenario.step_days, scenario.record_days,
                     nodes, list(world.net.origins), world.rec.arrays,
                     world.rec.delivered_by_origin, world.rec.produced_by_origin, totals, error,
                     [(e.supplier, e.buyer) for e in world.net.edges], world.rec.shipped_by_edge)
