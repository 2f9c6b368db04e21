"""The state of one replication and the step that advances it (design.md, "One step").

Stocks are numpy arrays of tonnes by node and origin country: `stock[n, o]` is what node n
holds (a processor's output) and `inputs[n, o]` a processor's input; both are views of one
array `held` (stock rows, then input rows), so goods arriving anywhere are one addition.
Each phase of a step is then a handful of array operations, however many nodes there are.
Taking from a stock takes every origin in proportion (the material is mixed), except where
a buyer excludes some origins, when it takes only the allowed ones. A SimPy process drives
the steps; what is shipped waits in `Arrivals` until one SimPy timeout per step moves it
into the buyers' stocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model import schedule
from sim.model.arrivals import Arrivals, Pipeline
from sim.model.controls import Controls, Quota
from sim.model.network import CONSUMER, MINE, PROCESSOR, STOCKPILE, Network
from sim.model.orders import place_orders
from sim.model.planning import planned_lead_steps
from sim.model.recorder import Recorder
from sim.model.streams import stream
from sim.model.tables import (
    EdgeTables,
    all_delays_days,
    due_steps,
    edge_tables,
    kind_slice,
    node_tables,
)
from sim.model.tolerances import EPS, TINY
from sim.records import ROUNDING
from sim.scenario.distributions import is_random
from sim.scenario.schema import Scenario, StockpileRelease

NEVER = np.iinfo(np.int64).max


@dataclass
class Level:
    """The edges of one priority level's buyers, as the allocation reads them: all (rows
    None) or `rows`, their suppliers and holding rows; and the edges the level may re-offer
    to (`asks`, in each buyer's list order, buyer by buyer), their suppliers, holding rows,
    and each quota in force as a mask over them."""

    rows: np.ndarray | None
    suppliers: np.ndarray
    holding: np.ndarray
    asks: np.ndarray
    ask_suppliers: np.ndarray
    ask_holding: np.ndarray
    ask_quotas: list[tuple[Quota, np.ndarray]]

    @classmethod
    def of(cls, edges: EdgeTables, rows: np.ndarray, reoffered: np.ndarray,
           quota_edges: list[tuple[Quota, np.ndarray]]) -> Level:
        """The level of the edges `rows`, with the edges re-offers may go to in force."""
        asks = edges.preference[(reoffered & np.isin(np.arange(reoffered.size), rows))
                                [edges.preference]]
        every = rows.size == reoffered.size
        return cls(rows=None if every else rows, suppliers=edges.supplier[rows],
                   holding=edges.holding_row[rows], asks=asks,
                   ask_suppliers=edges.supplier[asks], ask_holding=edges.holding_row[asks],
                   ask_quotas=[(quota, on_quota[asks]) for quota, on_quota in quota_edges])


class World:
    """One replication of a scenario: stocks, goods on the way, and the records."""

    def __init__(self, scenario: Scenario, replication: int = 0, seed: int | None = None):
        self.scenario = scenario
        self.net = net = Network(scenario)
        self.clock = clock = schedule.Clock(scenario)
        seed = scenario.seed if seed is None else seed
        self.rng = {key: stream(seed, replication, key) for key in self._random_sources()}
        n, n_origins = len(net.nodes), len(net.origins)
        self.rec = Recorder(clock.n_steps, n, n_origins, len(net.edges))
        self.nodes = node_tables(net, clock, self.rng, self.rec)
        self.edges = edge_tables(net, clock, self.rng)
        self.mines, self.processors, self.consumers = (
            kind_slice(net, kind) for kind in (MINE, PROCESSOR, CONSUMER))
        self.ones = np.ones(n_origins)
        self.mine_output = self.nodes.mine_output_t[:, :, None]  # [step, mine, 1]
        self.mine_origin = np.eye(n_origins)[self.nodes.mine_origin]  # [mine, origin] 0/1
        self.held = np.zeros((2 * n, n_origins))
        self.stock, self.inputs = self.held[:n], self.held[n:]
        self.on_order = np.zeros(2 * n)  # tonnes on the way, by holding row
        self.backlog = np.zeros(2 * n)  # consumers' unmet demand carried (consumer rows)
        self.initial_t = self._put_initial_stocks()
        self._set_up_processing()
        self._set_up_consumers()
        self._set_up_origin_rules()
        self._set_up_releases()
        self._set_up_rows()
        self.env = simpy.Environment()
        self.arrivals = Arrivals(self.env, clock.step_days,
                                 Pipeline(self.edges.holding_row, 2 * n, self._ring_size(),
                                          n_origins), self._arrive)
        self.due_cells = self.arrivals.goods.cells(  # where departures go, without delays
            due_steps(self.edges.transit_days, clock.step_days))
        self.controls = Controls(net, clock)
        self.watched = [(quota, np.array([e for e, quotas in enumerate(self.controls.watch)
                                          if any(q is quota for q in quotas)], dtype=np.int64))
                        for quota in self.controls.quotas]
        self._apply_rules(-1)

    # ----- set-up -----------------------------------------------------------------------

    def _random_sources(self) -> list[str]:
        s = self.scenario
        keys = [m.id for m in s.mines if m.outages is not None]
        keys += [c.id for c in s.consumers if is_random(c.noise)]
        keys += [e.key for e in self.net.edges if is_random(e.transit)]
        return keys

    def _put_initial_stocks(self) -> float:
        total = 0.0
        for node in self.net.nodes:
            origin = self.net.origin_index[self.net.initial_origin(node)]
            initial = node.spec.initial_stock
            if isinstance(initial, dict):
                self.inputs[node.index, origin] = initial.get(node.spec.inputs[0], 0.0)
                self.stock[node.index, origin] = initial.get(node.spec.output, 0.0)
            else:
                self.stock[node.index, origin] = initial
            total += self.inputs[node.index, origin] + self.stock[node.index, origin]
        return total

    def _ring_size(self) -> int:
        """Slots enough for the longest transit with every delay in force."""
        longest = float(self.edges.transit_days.max()) if self.net.edges else 0.0
        return math.ceil((longest + all_delays_days(self.scenario)) / self.clock.step_days) + 3

    def _set_up_processing(self) -> None:
        delays = self.nodes.delay_steps
        slots = int(delays.max()) + 1 if delays.size else 1
        n_processors, n_origins = delays.size, self.ones.size
        self.batches = np.zeros((slots, n_processors, n_origins))  # written on slot k % slots
        self.any_later = bool(delays.any())
        self.all_later = bool(delays.all())
        self.later = (delays > 0)[:, None] * 1.0  # 1 where output waits for its batch
        self.at_once = 1.0 - self.later
        self.done_slots = (np.arange(slots)[:, None] - delays) % slots  # [k % slots, proc]
        self.processor_rows = np.arange(n_processors)
        n = len(self.net.nodes)
        self.input_rows = slice(n + self.processors.start, n + self.processors.stop)
        self.yields = self.nodes.yields[:, None]
        self.is_processor = np.zeros(n, dtype=bool)
        self.is_processor[self.processors] = True
        self.holding_row = np.arange(n) + n * self.is_processor  # where a node's purchases go

    def _set_up_consumers(self) -> None:
        """Stockpile cover (who covers whom, in priority order, up to what rate), backlogs
        and scrap returns."""
        net, clock = self.net, self.clock
        consumers = net.of_kind(CONSUMER)
        first = self.consumers.start
        release_from: dict[int, list[int]] = {}
        self.release_cap = np.zeros(len(net.nodes))
        for sp in net.of_kind(STOCKPILE):
            if sp.spec.release is not None:
                self.release_cap[sp.index] = sp.spec.release.max_tpa * clock.per_step
                for target in sp.spec.release.to:
                    release_from.setdefault(net.index[target], []).append(sp.index)
        self.release_order = [(c.index - first, release_from[c.index])
                              for c in sorted(consumers, key=lambda c: c.priority)
                              if c.index in release_from]
        self.release_consumers = np.array([j for j, _ in self.release_order], dtype=np.int64)
        self.keeps_backlog = np.array([c.spec.backlog for c in consumers], dtype=bool)
        self.any_backlog = bool(self.keeps_backlog.any())
        scrap = [c for c in consumers if c.spec.scrap_to and c.spec.scrap_rate > 0]
        self.scrap_from = np.array([c.index for c in scrap], dtype=np.int64)
        self.scrap_into = np.zeros((2 * len(net.nodes), len(scrap)))  # into processors' input
        for j, c in enumerate(scrap):
            self.scrap_into[len(net.nodes) + net.index[c.spec.scrap_to], j] = 1.0
        self.scrap_rate = np.array([[c.spec.scrap_rate] for c in scrap]).reshape(-1, 1)
        self.scrap_steps = np.array([max(1, math.ceil(c.spec.scrap_days / clock.step_days
                                                      - 1e-9)) for c in scrap], dtype=np.int64)

    def _set_up_origin_rules(self) -> None:
        """Consumers' `exclude_origins`: a 0/1 mask over origins by holding row, and the
        step each comes into force (NEVER for rows without one)."""
        net, clock, s = self.net, self.clock, self.scenario
        self.masks = np.ones((2 * len(net.nodes), self.ones.size))
        self.mask_from = np.full(2 * len(net.nodes), NEVER)
        for c in net.of_kind(CONSUMER):
            if c.spec.exclude_origins:
                start = c.spec.exclude_from
                self.mask_from[c.index] = clock.first_step_on_or_after(
                    0.0 if start is None else s.day(start))
                self.masks[c.index] = [o not in c.spec.exclude_origins for o in net.origins]

    def _set_up_releases(self) -> None:
        """One-off stockpile `release` events, by the step they happen on."""
        s, clock = self.scenario, self.clock
        self.releases: dict[int, list[StockpileRelease]] = {}
        for event in s.events:
            if isinstance(event, StockpileRelease):
                step = clock.first_step_on_or_after(s.day(event.at))
                self.releases.setdefault(step, []).append(event)

    def _set_up_rows(self) -> None:
        """Per step and holding row: the order-up-to target, and what the row is drawn for
        (a processor's capacity on its input row, a consumer's demand on its stock row)."""
        n_steps, rows = self.clock.n_steps, self.held.shape[0]
        self.target = np.zeros((n_steps, rows))
        self.target[:, self.holding_row] = self.nodes.target
        self.wanted_t = np.zeros((n_steps, rows))
        self.wanted_t[:, self.input_rows] = self.nodes.process_capacity_t
        self.wanted_t[:, self.consumers] = self.nodes.demand_t

    def _apply_rules(self, k: int) -> None:
        """Edge rules and origin rules in force from step k on."""
        rules = self.controls.rules_at(k)
        self.open = ~np.array(rules.blocked, dtype=bool)
        self.any_blocked = not self.open.all()
        self.extra_days = np.array(rules.extra_days, dtype=float)
        self.any_extra = bool(self.extra_days.any())
        groups: dict[int, tuple] = {}
        for e, quota in enumerate(rules.quota):
            if quota is not None:
                groups.setdefault(id(quota), (quota, []))[1].append(e)
        self.quota_edges = []  # (quota, its edges as a mask over edges)
        for quota, edges in groups.values():
            on_quota = np.zeros(len(self.net.edges), dtype=bool)
            on_quota[edges] = True
            self.quota_edges.append((quota, on_quota))
        self.quota_of = {e: quota for quota, edges in groups.values() for e in edges}
        # the edges that may gain by re-offering (see orders._reoffer)
        self.reoffered = self.open if self.quota_edges else self.open & self.edges.chosen
        self.levels = [Level.of(self.edges, rows, self.reoffered, self.quota_edges)
                       for rows in self.edges.level_rows]
        in_force = self.mask_from <= k
        self.mask_now = np.where(in_force[:, None], self.masks, 1.0)
        self.masked = np.flatnonzero(in_force)
        self.is_masked_edge = np.isin(self.edges.buyer, self.masked)
        self.masked_edges = np.flatnonzero(self.is_masked_edge)

    # ----- the run ----------------------------------------------------------------------

    def run(self) -> World:
        """Run every step (once); the records are then complete."""
        driver = self.env.process(self._drive())
        self.env.run(until=driver)
        e, t = self.edges, self.nodes
        self.rec.derive(e.supplier, e.buyer, self.processors, t.yields, t.delay_steps,
                        self.consumers)
        if self.scrap_from.size:
            self._record_recycled()
        return self

    def _drive(self):
        step_days = self.clock.step_days
        change_steps = set(self.controls.change_steps)
        for k in range(self.clock.n_steps):
            if k in change_steps:
                self._apply_rules(k)
                self._replan(k)
            self._step(k)
            if k + 1 < self.clock.n_steps:
                self.arrivals.expect(k + 1)  # created first, so it fires first
                yield self.env.timeout(step_days)

    def _replan(self, k: int) -> None:
        """Buyers whose planned lead time changed with the rules in force get new targets."""
        for index, plan in self.nodes.plans.items():
            node = self.net.nodes[index]
            lead = planned_lead_steps(node, self.extra_days, self.clock.step_days)
            if lead != node.lead_steps:
                node.lead_steps = lead
                self.target[k:, self.holding_row[index]] = plan.targets(lead)[k:]

    def _step(self, k: int) -> None:
        if self.controls.quotas:
            for quota in self.controls.quotas:
                quota.left_t = quota.per_step_t if quota.first_step <= k < quota.last_step \
                    else 0.0
        if k in self.releases:
            for event in self.releases[k]:
                self._one_off_release(event, k)
        self.stock[self.mines] += self.mine_output[k] * self.mine_origin
        taken, drawn = self._draw(k)
        self._process(k, taken, drawn)
        self._consume(k, taken, drawn)
        place_orders(self, k)
        self.rec.held_t[k] = self.held.dot(self.ones)

    def _draw(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Steps 4 and 5 draw on different rows of `held`, so one set of array operations
        does both: processors take up to capacity from their input rows, consumers their
        demand (and backlog) from their stock rows, of the origins they may use. Returns
        tonnes taken per row and what was taken, by row and origin."""
        wanted = self.wanted_t[k] + self.backlog if self.any_backlog else self.wanted_t[k]
        source = self.held * self.mask_now if self.masked.size else self.held
        have = source.dot(self.ones)
        taken = np.minimum(wanted, have)
        taken *= taken > EPS
        drawn = source * (taken / np.maximum(have, TINY))[:, None]
        self.held -= drawn
        return taken, drawn

    def _process(self, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Finished batches to output stock; what processors start now is output, at their
        yield, on the first step starting on or after now + process_days (design.md step 4:
        at once only when process_days is 0; 1 to 7 days on weekly steps means next step)."""
        rows, inputs = self.processors, self.input_rows
        self.rec.arrays["processed_t"][k, rows] = taken[inputs]
        made = drawn[inputs] * self.yields
        out = self.stock[rows]
        if self.any_later:
            slot = k % self.batches.shape[0]
            out += self.batches[self.done_slots[slot], self.processor_rows]
            self.batches[slot] = made if self.all_later else made * self.later
            if not self.all_later:
                out += made * self.at_once
        else:
            out += made

    def _consume(self, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Consumers' draws; stockpiles cover what is still missing; the records."""
        rec, rows = self.rec.arrays, self.consumers
        taken, took = taken[rows], drawn[rows]
        if self.release_order:
            missing = self.wanted_t[k, rows] + self.backlog[rows] - taken
            if np.count_nonzero(missing[self.release_consumers] > EPS):
                self._cover_from_stockpiles(k, missing, taken, took)
        rec["delivered_t"][k, rows] = taken
        if self.any_backlog:
            wanted = self.wanted_t[k, rows] + self.backlog[rows]
            backlog = wanted - taken
            backlog[backlog <= ROUNDING * wanted] = 0.0  # what rounding left is not owed
            backlog *= self.keeps_backlog
            self.backlog[rows] = rec["backlog_t"][k, rows] = backlog
        self.rec.delivered_by_origin[k, rows] = took

    def _cover_from_stockpiles(self, k: int, missing: np.ndarray, taken: np.ndarray,
                               took: np.ndarray) -> None:
        """Stockpiles cover consumers' shortfalls at once, highest priority first, up to
        their release rate this step (design.md, step 5); updates taken and took in place."""
        left = self.release_cap.copy()
        released = self.rec.arrays["released_t"][k]
        first = self.consumers.start
        for j, sources in self.release_order:
            short = missing[j]
            mask = self.mask_now[first + j]
            for sp in sources:
                if short <= EPS:
                    break
                part, amount = self.take(sp, min(short, left[sp]), mask)
                if part is None:
                    continue
                took[j] += part
                taken[j] += amount
                short -= amount
                left[sp] -= amount
                released[sp] += amount

    def _one_off_release(self, event: StockpileRelease, k: int) -> None:
        net = self.net
        sp = net.index[event.node]
        targets = event.to or net.nodes[sp].spec.release.to
        part, amount = self.take(sp, event.quantity)
        if part is None:
            return
        weights = [net.nodes[net.index[t]].spec.demand_tpa for t in targets]
        if sum(weights) <= 0:  # nobody has demand: split evenly
            weights = [1.0] * len(targets)
        for target, weight in zip(targets, weights, strict=True):
            self.stock[net.index[target]] += part * (weight / sum(weights))
        self.rec.arrays["released_t"][k, sp] += amount

    def take(self, row: int, amount: float,
             mask: np.ndarray | None = None) -> tuple[np.ndarray | None, float]:
        """Take up to `amount` tonnes from node `row`'s stock, of the origins `mask` allows
        (all if None), every origin in proportion: (tonnes by origin, tonnes), or (None, 0)
        if that is no more than EPS. For one node at a time, off the array operations."""
        allowed = self.stock[row] if mask is None else self.stock[row] * mask
        have = float(allowed.dot(self.ones))
        amount = min(amount, have)
        if amount <= EPS:
            return None, 0.0
        part = allowed * (amount / have)
        self.stock[row] -= part
        return part, amount

    def _arrive(self, step: int) -> None:
        """Goods due on `step` join the buyers' stocks (a processor's input), scrap too."""
        arriving = self.arrivals.goods.take_due(step)
        got = arriving.dot(self.ones)
        self.held += arriving
        self.on_order -= got
        self.rec.received_t[step] = got
        if self.scrap_from.size:
            self._return_scrap(step)

    def _return_scrap(self, step: int) -> None:
        """Scrap of what consumers used scrap_days ago (read back from the deliveries record)
        returns to its processor's input, as recycled material (recorded after the run)."""
        used_on = step - self.scrap_steps
        came = self.scrap_rate * (used_on >= 0)[:, None]  # none before scrap_days have passed
        back = self.rec.delivered_by_origin[np.maximum(used_on, 0), self.scrap_from] * came
        self.held += self.scrap_into.dot(back)

    def _record_recycled(self) -> None:
        """recycled_t: what each scrap return above brought, summed by processor."""
        recycled, n = self.rec.arrays["recycled_t"], self.stock.shape[0]
        used = self.rec.delivered_by_origin[:, self.scrap_from].sum(axis=2)
        for j, delay in enumerate(self.scrap_steps.tolist()):
            processor = int(np.flatnonzero(self.scrap_into[:, j])[0]) - n
            if delay < used.shape[0]:  # else none comes back within the run
                recycled[delay:, processor] += used[: used.shape[0] - delay, j] \
                    * self.scrap_rate[j, 0]

    # ----- what the run leaves ----------------------------------------------------------

    def pending_batches(self, k: int) -> np.ndarray:
        """Per node: whether a processor has a batch in process after step k (one started
        within its last delay_steps steps, read from the record)."""
        pending = np.zeros(len(self.net.nodes), dtype=bool)
        started = self.rec.arrays["processed_t"]
        for p, delay in enumerate(self.nodes.delay_steps.tolist()):
            node = self.processors.start + p
            pending[node] = delay > 0 and bool(started[max(0, k - delay + 1): k + 1, node].any())
        return pending

    def in_process_t(self) -> float:
        """Tonnes in batches not finished by the end of the run."""
        last, slots = self.clock.n_steps - 1, self.batches.shape[0]
        return float(sum(self.batches[(last - j) % slots, p].sum()
                         for p, delay in enumerate(self.nodes.delay_steps.tolist())
                         for j in range(delay)))

    def totals(self) -> dict[str, float]:
        """The terms of the mass balance (balance.py), from the records and the final state."""
        arrays = self.rec.arrays
        return {"initial": self.initial_t,
                "mined": float(arrays["produced_t"].sum()),
                "recycled": float(arrays["recycled_t"].sum()),
                "consumed": float(arrays["delivered_t"].sum()),
                "lost": float(arrays["lost_t"].sum()),
                "final_stock": float(self.held.sum()),
                "in_transit": self.arrivals.goods.total(),
                "in_process": self.in_process_t()}
