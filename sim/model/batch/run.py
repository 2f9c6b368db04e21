"""R replications of one scenario advanced together, and their RunRecords.

    records = simulate_batch(scenario, range(100), seed=7)   # == [simulate(scenario, r, 7)…]

Each step runs design.md's "One step, in order" for every replication at once: first the
events due in some replications (their own SimPy environments), then steps 1–7 on arrays
with a replication axis (flows.py, orders.py, allocation.py, market.py). After the last
step each replication's records are derived and its mass balance checked with the single
engine's code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from sim.model.balance import check_balance
from sim.model.batch.flows import Flows
from sim.model.batch.market import BatchMarket
from sim.model.batch.orders import BatchOrders
from sim.model.batch.plans import Plans
from sim.model.batch.rules import BatchRules
from sim.model.batch.state import BatchState
from sim.model.recorder import Recorder
from sim.model.run import product_of
from sim.model.world import World
from sim.records import NodeRow, RunRecord, StackedRuns
from sim.scenario.schema import Scenario

NONE = np.zeros((0, 0))
"""An empty [rep, row] table: no market."""
STACK = 4
"""Replications `iter_stacked` hands out at a time: their node variables derived after the
run are one block of 12 × steps × nodes floats each (7 MB for 4 of the 10-year baseline).
Stacks of 4 reduce as fast as stacks of 8 (128-132 runs/s, baseline, 1,000 replications)
and a run peaks 27 MB lower (399 against 426 MB), measured 2026-12-06."""


def simulate_batch(scenario: Scenario | list[Scenario], replications: Iterable[int],
                   seed: int | None = None) -> list[RunRecord]:
    """Replications `replications` of a scenario (or one resolved scenario per replication,
    sharing nodes, edges and origin pairs), run together; one RunRecord each, as `simulate`
    gives."""
    return list(iter_batch(scenario, replications, seed))


def iter_batch(scenario: Scenario | list[Scenario], replications: Iterable[int],
               seed: int | None = None) -> Iterator[RunRecord]:
    """`simulate_batch`, whose RunRecords are made one at a time as they are asked for (so
    a caller that reduces each holds one, not R). Raises UnlikeReplications, before any step,
    if the scenarios do not share nodes, edges and origin pairs."""
    batch = _ran(scenario, replications, seed)
    for r in range(len(batch.plans.worlds) if batch else 0):
        yield batch.record(r)


def iter_stacked(scenario: Scenario | list[Scenario], replications: Iterable[int],
                 seed: int | None = None, keep: Sequence[bool] = ()
                 ) -> Iterator[tuple[StackedRuns, list[float], list[RunRecord | None]]]:
    """`iter_batch` for callers that reduce each replication to its KPIs and main series:
    stacks of up to STACK replications, in order, each with its replications' mass-balance
    errors and the RunRecords of those `keep` marks, one flag per replication (None for
    the others; no flags: none kept). Raises UnlikeReplications as iter_batch does."""
    reps = list(replications)
    if keep and len(keep) != len(reps):
        raise ValueError(f"{len(keep)} keep flags for {len(reps)} replications")
    batch = _ran(scenario, reps, seed)
    for first in range(0, len(reps), STACK):
        stop = min(first + STACK, len(reps))
        stack, errors = batch.stacked(first, stop)
        yield stack, errors, [batch.record(r) if keep and keep[r] else None
                              for r in range(first, stop)]


def _ran(scenario: Scenario | list[Scenario], replications: Iterable[int],
         seed: int | None) -> BatchWorld | None:
    """The replications advanced together to the end (None if there are none)."""
    reps = list(replications)
    if not reps:
        return None
    scenarios = list(scenario) if isinstance(scenario, list) else [scenario] * len(reps)
    seed = scenarios[0].seed if seed is None else seed
    batch = BatchWorld(scenarios, reps, seed)
    batch.run()
    return batch


class BatchWorld:
    """The replications' worlds, the shared arrays, and the run."""

    def __init__(self, scenarios: list[Scenario], replications: list[int], seed: int):
        self.plans = plans = Plans(scenarios, replications, seed)
        self.state = BatchState(plans.worlds, plans.ring_size, plans.steps)
        self.rules = BatchRules(plans, self.state)
        self.flows = Flows(plans, self.state, self.rules)
        self.orders = BatchOrders(plans, self.state, self.rules)
        self.market = BatchMarket(plans) if plans.market else None
        net = plans.worlds[0].net  # alike in every replication (Plans checks)
        self._node_rows = [NodeRow(n.id, n.kind, n.country, n.group, product_of(n.spec))
                           for n in net.nodes]
        self._edge_ends = [(e.supplier, e.buyer) for e in net.edges]

    def run(self) -> None:
        """Every step, once."""
        for k in range(self.plans.steps):
            self._step(k)

    def _events(self, k: int) -> list[int]:
        """The events of step k, in the replications that have one; those with a one-off
        release due."""
        plans, rules = self.plans, self.rules
        due = plans.due_events(k)
        for r in due:
            rules.quotas.sync_watched(r)
            if plans.run_events(r, k):
                rules.restack(r)
            rules.quotas.update(r)
        return [r for r in due if plans.worlds[r].stockpiles.due]

    def _step(self, k: int) -> None:
        """World._step for every replication."""
        releases = self._events(k)
        state, flows, market = self.state, self.flows, self.market
        state.arrive(k)
        flows.return_scrap(k, None if market is None else market.scrap_factor)
        if releases:
            flows.release_due(k, releases)
        flows.produce(k, None if market is None else market.mine_factor)
        taken, drawn = flows.draw(k, None if market is None else market.row_factor)
        flows.process(k, taken, drawn)
        flows.consume(k, taken, drawn, market)
        self.orders.place(k, self._targets(k), state.rec.held_t[k])
        if market is not None:
            market.update(k, state.rec.held_t[k], self.rules)

    def _targets(self, k: int) -> tuple[np.ndarray, ...]:
        """What Targets.at reads for every replication on step k: targets, and with a market
        the cover part, the precaution factor and the row factor (else empty arrays)."""
        if self.market is None:
            return self.plans.target[:, k], NONE, NONE, NONE
        return self.plans.target[:, k], self.plans.cover[:, k], self.market.cover_factor, \
            self.market.row_factor

    def record(self, r: int) -> RunRecord:
        """Replication r's RunRecord (World.run's records and simulate's checks)."""
        w, rec, records = self.plans.worlds[r], self.state.rec.of(r), self.state.rec
        by_mined = _by(w, records.delivered_by_mined[:, r])
        rec.delivered_by_origin = by_mined[:, w.consumers.rows]  # read in memory order, not
        # a replication's stride through the chunk's (3x faster for ScrapReturns.record)
        totals, error = self._derive(r, rec)
        origins = w.origins
        return RunRecord(
            self.plans.replications[r], w.scenario.start, w.scenario.step_days,
            w.scenario.record_days,
            list(self._node_rows),
            origins.mined, rec.arrays, by_mined,
            rec.produced_by_origin.dot(origins.by_mined), totals, error,
            list(self._edge_ends), rec.shipped_by_edge,
            origins.processed, _by(w, records.delivered_by_processed[:, r]), rec.market)

    def stacked(self, first: int, stop: int) -> tuple[StackedRuns, list[float]]:
        """Replications first…stop-1 as stacked runs (what KPIs and main series read, with
        no RunRecord each), and each one's mass-balance error: their records derived and
        their balances checked as `record` does, into one block of [step, rep, node] (the
        totals summed from the block's strided rows: equal to `record`'s to rounding)."""
        records, reps = self.state.rec, slice(first, stop)
        arrays = records.block(reps)
        markets: list[dict[str, np.ndarray]] = []
        errors: list[float] = []
        for j, r in enumerate(range(first, stop)):
            rec = records.view(r, {name: a[:, j] for name, a in arrays.items()})
            errors.append(self._derive(r, rec)[1])
            markets.append(rec.market)
        w = self.plans.worlds[first]
        market = {name: np.stack([m[name] for m in markets]) for name in markets[0]}
        return StackedRuns(
            w.scenario.start, w.scenario.step_days, w.scenario.record_days,
            tuple(self._node_rows), tuple(w.origins.mined), tuple(w.origins.processed),
            arrays, w.consumers.rows, records.delivered_by_mined[:, reps],
            records.delivered_by_processed[:, reps], market), errors

    def _derive(self, r: int, rec: Recorder) -> tuple[dict[str, float], float]:
        """World.run's records of replication r into `rec` (its deliveries by origin set),
        then its totals and mass-balance error (SimulationError if it is off)."""
        w, market = self.plans.worlds[r], self.market
        w.mines.record(rec, None if market is None
                       else (market.mine_factor_t[r], w.market.is_idle))
        w.processors.record(rec)
        w.consumers.scrap.factor_t[:] = self.flows.scrap_factor_t[r]
        w.consumers.record(rec, None if market is None else market.demand_factor_t[r])
        if market is not None:
            rec.market = market.record(r)
        rec.derive(w.edges.supplier, w.edges.buyer, w.processors.rows, w.processors.yields,
                   w.processors.delay_steps, w.consumers.rows)
        totals = self._totals(r, rec)
        return totals, check_balance(totals)

    def _totals(self, r: int, rec) -> dict[str, float]:
        """World.totals for replication r."""
        arrays = rec.arrays
        return {"initial": self.state.initial_t[r],
                "mined": float(arrays["produced_t"].sum()),
                "recycled": float(arrays["recycled_t"].sum()),
                "consumed": float(arrays["delivered_t"].sum()),
                "lost": float(arrays["lost_t"].sum()),
                "final_stock": float(self.state.held[r].sum()),
                "in_transit": self.state.goods.total(r),
                "in_process": self.flows.in_process_t(r)}


def _by(world: World, by_group: np.ndarray) -> np.ndarray:
    """Deliveries [step, consumer, group] as [step, node, group] (run._by's layout)."""
    steps, _, groups = by_group.shape
    out = np.zeros((steps, len(world.net.nodes), groups))
    out[:, world.consumers.rows] = by_group
    return out
