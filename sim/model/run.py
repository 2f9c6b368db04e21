"""Running one replication and handing back a plain record of what happened."""

from __future__ import annotations

import numpy as np

from sim.model.balance import check_balance
from sim.model.world import World
from sim.records import NodeRow, RunRecord
from sim.scenario.schema import Scenario


def simulate(scenario: Scenario, replication: int = 0, seed: int | None = None) -> RunRecord:
    """Run one replication, check its mass balance, and return its record."""
    world = World(scenario, replication, seed).run()
    totals = world.totals()
    error = check_balance(totals)
    rec, net, origins = world.state.rec, world.net, world.origins
    return RunRecord(replication, scenario.start, scenario.step_days, scenario.record_days,
                     [NodeRow(n.id, n.kind, n.country, n.group, product_of(n.spec))
                      for n in net.nodes],
                     origins.mined, rec.arrays, _by(world, origins.by_mined),
                     rec.produced_by_origin.dot(origins.by_mined), totals, error,
                     [(e.supplier, e.buyer) for e in net.edges], rec.shipped_by_edge,
                     origins.processed, _by(world, origins.by_processed), rec.market)


def product_of(spec: object) -> str:
    """What a node makes, holds or uses (a processor: its output)."""
    return getattr(spec, "product", None) or spec.output


def _by(world: World, grouping: np.ndarray) -> np.ndarray:
    """Deliveries [step, consumer, pair] as [step, node, group] (one matrix product)."""
    by_pair = world.state.rec.delivered_by_origin
    steps, consumers, pairs = by_pair.shape
    out = np.zeros((steps, len(world.net.nodes), grouping.shape[1]))
    out[:, world.consumers.rows] = by_pair.reshape(steps * consumers, pairs).dot(grouping) \
        .reshape(steps, consumers, grouping.shape[1])
    return out
