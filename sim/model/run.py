"""Running one replication and handing back a plain record of what happened."""

from __future__ import annotations

from sim.model.balance import check_balance
from sim.model.world import World
from sim.records import NodeRow, RunRecord
from sim.scenario.schema import Scenario


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
