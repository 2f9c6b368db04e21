"""The state of one replication and the step that advances it (design.md, "One step").

A SimPy process drives the steps; shipments and scrap returns are delivered by SimPy timeouts
whose callbacks put material into the buyers' stocks. Everything that becomes usable at the
start of one step shares one timeout (a bucket), created before that step's own timeout is
scheduled, so it is in stock when the step runs (step 1 of design.md).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from sim.model import schedule
from sim.model.controls import Controls
from sim.model.network import CONSUMER, MINE, PROCESSOR, STOCKPILE, Network
from sim.model.orders import place_orders
from sim.model.planning import ConsumerPlan, ProcessorPlan, planned_lead_steps
from sim.model.recorder import Recorder
from sim.model.stock import Stock
from sim.model.streams import stream
from sim.scenario.distributions import draw, expected, is_random
from sim.scenario.schema import Scenario, StockpileRelease

EPS = 1e-12


class World:
    """One replication of a scenario: stocks, orders in flight, and the records."""

    def __init__(self, scenario: Scenario, replication: int = 0, seed: int | None = None):
        self.scenario = scenario
        self.net = net = Network(scenario)
        self.clock = clock = schedule.Clock(scenario)
        seed = scenario.seed if seed is None else seed
        self.rng = {key: stream(seed, replication, key) for key in self._random_sources()}
        n, n_origins = len(net.nodes), len(net.origins)
        self.units = list(np.eye(n_origins))  # the mix of material of one origin
        self.stock = [Stock(n_origins) for _ in range(n)]
        self.inputs = [Stock(n_origins) if node.kind == PROCESSOR else None for node in net.nodes]
        self.on_order = [0.0] * n
        self.backlog = [0.0] * n
        self._arrivals: dict[int, list] = {}  # step -> what arrives at its start
        self.origin_rules: list[tuple[int, np.ndarray] | None] = [None] * n
        self.batches: list[deque] = [deque() for _ in range(n)]  # (ready step, mix, tonnes)
        self.rec = Recorder(clock.n_steps, n, n_origins, len(net.edges))
        self.totals = dict.fromkeys(("initial", "mined", "recycled", "consumed", "lost"), 0.0)
        self._put_initial_stocks()
        self._build_schedules()
        self.controls = Controls(net, clock)
        self.rules = self.controls.rules_at(-1)
        self.env = simpy.Environment()

    # ----- set-up -----------------------------------------------------------------------

    def _random_sources(self) -> list[str]:
        s = self.scenario
        keys = [m.id for m in s.mines if m.outages is not None]
        keys += [c.id for c in s.consumers if is_random(c.noise)]
        keys += [e.key for e in self.net.edges if is_random(e.transit)]
        return keys

    def _put_initial_stocks(self) -> None:
        for node in self.net.nodes:
            origin = self.net.origin_index[self.net.initial_origin(node)]
            initial = node.spec.initial_stock
            if isinstance(initial, dict):
                amount_in = initial.get(node.spec.inputs[0], 0.0)
                self.inputs[node.index].put(self.units[origin], amount_in)
                amount = initial.get(node.spec.output, 0.0)
                self.totals["initial"] += amount_in
            else:
                amount = initial
            self.stock[node.index].put(self.units[origin], amount)
            self.totals["initial"] += amount

    def _build_schedules(self) -> None:
        s, clock, net, rec = self.scenario, self.clock, self.net, self.rec.arrays
        per_step = clock.per_step
        self.plans: dict[int, ConsumerPlan | ProcessorPlan] = {}
        self.producing: list[list[bool]] = [[] for _ in net.nodes]  # capacity > 0, per step
        self.mines = []
        for node in net.of_kind(MINE):
            cap = schedule.capacity_tpa(node.spec, s, clock)
            cap = cap * schedule.availability(node.spec, s, clock, self.rng.get(node.id))
            rec["capacity_tpa"][:, node.index] = cap
            self.producing[node.index] = (cap * node.spec.utilization > 0).tolist()
            output = (cap * node.spec.utilization * per_step).tolist()
            self.mines.append((node.index, net.origin_index[node.country], output))
        self.processors = []
        for node in net.of_kind(PROCESSOR):
            cap = schedule.capacity_tpa(node.spec, s, clock)
            cap = cap * schedule.availability(node.spec, s, clock, None)
            rec["capacity_tpa"][:, node.index] = cap
            self.producing[node.index] = (cap > 0).tolist()
            delay = math.ceil(node.spec.process_days / clock.step_days - 1e-9)
            plan = ProcessorPlan(cap * per_step, node.spec.cover_days / clock.step_days)
            self.plans[node.index] = plan
            node.target = plan.targets(node.lead_steps)
            self.processors.append((node.index, (cap * per_step).tolist(), node.spec.yield_,
                                    delay, self.batches[node.index]))
        self._build_consumers()
        for node in net.of_kind(CONSUMER):
            excluded = node.spec.exclude_origins
            if excluded:
                start = node.spec.exclude_from
                step = clock.first_step_on_or_after(0.0 if start is None else s.day(start))
                mask = np.array([0.0 if o in excluded else 1.0 for o in net.origins])
                self.origin_rules[node.index] = (step, mask)
        self.transit_days, self.transit_steps = [], []  # per edge, per departure step
        for edge in net.edges:
            if is_random(edge.transit):
                days = draw(edge.transit, self.rng[edge.key], clock.n_steps)
            else:
                days = np.full(clock.n_steps, float(expected(edge.transit)))
            steps = np.maximum(1, np.ceil(days / clock.step_days - 1e-9)).astype(int)
            self.transit_days.append(days.tolist())
            self.transit_steps.append(steps.tolist())
        self._shipped_t = rec["shipped_t"]
        self.buyers = [n for n in net.nodes if n.edges and n.kind != MINE]
        for node in net.of_kind(STOCKPILE):
            node.target = node.spec.target_stock
        self.releases = {k: [] for k in range(clock.n_steps)}
        for event in s.events:
            if isinstance(event, StockpileRelease):
                step = clock.first_step_on_or_after(s.day(event.at))
                if step < clock.n_steps:
                    self.releases[step].append(event)

    def _build_consumers(self) -> None:
        s, clock, net = self.scenario, self.clock, self.net
        # demand is planned up to L steps past the last step (L grows with delays in force)
        delays = sum(getattr(e, "delay_days", None) or getattr(e, "extra_days", 0.0)
                     for e in s.events)
        longest = max((n.lead_steps for n in net.nodes), default=1)
        long_clock = clock.extended(longest + math.ceil(delays / clock.step_days) + 2)
        self.consumers = []
        release_from: dict[int, list[int]] = {}
        for sp in net.of_kind(STOCKPILE):
            for target in (sp.spec.release.to if sp.spec.release else []):
                release_from.setdefault(net.index[target], []).append(sp.index)
        self.release_cap = [0.0] * len(net.nodes)
        for sp in net.of_kind(STOCKPILE):
            if sp.spec.release is not None:
                self.release_cap[sp.index] = sp.spec.release.max_tpa * clock.per_step
        for node in sorted(net.of_kind(CONSUMER), key=lambda n: n.priority):
            spec = node.spec
            base = schedule.base_demand_t(spec, long_clock)
            factor = schedule.demand_factor(spec, s, clock)
            noise = schedule.noise(spec, clock, self.rng.get(spec.id))
            demand = (base[: clock.n_steps] * factor * noise).tolist()
            mean_noise = expected(spec.noise)
            plan = ConsumerPlan(base, factor, mean_noise, spec.cover_days / clock.step_days)
            self.plans[node.index] = plan
            node.target = plan.targets(node.lead_steps)
            self.rec.arrays["expected_use_t"][:, node.index] = base[: clock.n_steps] * factor \
                * mean_noise
            scrap_to = net.index[spec.scrap_to] if spec.scrap_to else None
            scrap_steps = max(1, math.ceil(spec.scrap_days / clock.step_days - 1e-9))
            self.consumers.append((node.index, demand, spec.backlog, release_from.get(
                node.index, []), spec.scrap_rate, scrap_to, scrap_steps))

    # ----- the run ----------------------------------------------------------------------

    def run(self) -> World:
        """Run every step (once); the records and totals are then complete."""
        driver = self.env.process(self._drive())
        self.env.run(until=driver)
        return self

    def _drive(self):
        step_days = self.clock.step_days
        change_steps = set(self.controls.change_steps)
        for k in range(self.clock.n_steps):
            if k in change_steps:
                self.rules = self.controls.rules_at(k)
                self._replan(k)
            self._step(k)
            if k + 1 < self.clock.n_steps:
                yield self.env.timeout(step_days)

    def _replan(self, k: int) -> None:
        """Buyers whose planned lead time changed with the rules in force get new targets."""
        for index, plan in self.plans.items():
            node = self.net.nodes[index]
            lead = planned_lead_steps(node, self.rules.extra_days, self.clock.step_days)
            if lead != node.lead_steps:
                node.lead_steps = lead
                node.target[k:] = plan.targets(lead)[k:]

    def _step(self, k: int) -> None:
        for quota in self.controls.quotas:
            quota.left_t = quota.per_step_t if quota.first_step <= k < quota.last_step else 0.0
        for event in self.releases[k]:
            self._one_off_release(event, k)
        self._mine(k)
        self._process(k)
        self._consume(k)
        place_orders(self, k)
        rec = self.rec.arrays
        stock_row, transit_row = rec["stock_t"][k], rec["in_transit_t"][k]
        for i, store in enumerate(self.stock):
            inputs = self.inputs[i]
            stock_row[i] = store.total + (inputs.total if inputs is not None else 0.0)
            transit_row[i] = self.on_order[i]

    def _mine(self, k: int) -> None:
        produced = self.rec.arrays["produced_t"][k]
        by_origin = self.rec.produced_by_origin[k]
        for index, origin, output in self.mines:
            amount = output[k]
            self.stock[index].put(self.units[origin], amount)
            produced[index] = amount
            by_origin[origin] += amount
            self.totals["mined"] += amount

    def _process(self, k: int) -> None:
        rec = self.rec.arrays
        output_row, processed_row, lost_row = (rec[v][k] for v in ("output_t", "processed_t",
                                                                     "lost_t"))
        for index, capacity, yield_, delay, batches in self.processors:
            out = self.stock[index]
            while batches and batches[0][0] <= k:
                _, mix, amount = batches.popleft()
                out.put(mix, amount)
                output_row[index] += amount
            inputs = self.inputs[index]
            amount = min(capacity[k], inputs.total)
            if amount <= EPS:
                continue
            mix = inputs.take(amount)
            made = amount * yield_
            self.totals["lost"] += amount - made
            processed_row[index] = amount
            lost_row[index] = amount - made
            if delay == 0:
                out.put(mix, made)
                output_row[index] += made
            else:
                batches.append((k + delay, mix, made))

    def _consume(self, k: int) -> None:
        rec = self.rec.arrays
        released_row, demand_row, delivered_row, short_row, backlog_row = (
            rec[v][k] for v in ("released_t", "demand_t", "delivered_t", "shortfall_t",
                                "backlog_t"))
        by_origin = self.rec.delivered_by_origin[k]
        left = self.release_cap.copy()
        for index, demand, backlog, releasers, scrap_rate, scrap_to, scrap_steps in self.consumers:
            wanted = demand[k] + self.backlog[index]
            mask = self.mask(index, k)
            mix, taken = self.take(self.stock[index], wanted, mask)
            missing = wanted - taken
            for sp in releasers:
                if missing <= EPS:
                    break
                part, amount = self.take(self.stock[sp], min(missing, left[sp]), mask)
                if amount <= EPS:
                    continue
                mix = part if mix is None else (mix * taken + part * amount) / (taken + amount)
                left[sp] -= amount
                released_row[sp] += amount
                taken += amount
                missing -= amount
            demand_row[index] = demand[k]
            delivered_row[index] = taken
            short_row[index] = demand[k] - taken
            if backlog:
                self.backlog[index] = backlog_row[index] = max(missing, 0.0)
            if mix is None:
                continue
            by_origin[index] += mix * taken
            self.totals["consumed"] += taken
            if scrap_to is not None and scrap_rate > 0:
                self._deliver_at(k, k + scrap_steps, (scrap_to, mix, taken * scrap_rate, True))

    def can_supply(self, index: int, k: int) -> bool:
        """Whether a supplier exists on step k: stock to sell, or capacity and (for a
        processor) something to work on: input held, on the way or in process."""
        if self.stock[index].total > EPS:
            return True
        if not self.producing[index][k]:
            return False
        inputs = self.inputs[index]
        return inputs is None or inputs.total > EPS or self.on_order[index] > EPS \
            or bool(self.batches[index])

    def mask(self, index: int, k: int) -> np.ndarray | None:
        """The origins node `index` may take on step k (1 allowed, 0 excluded), if limited."""
        rule = self.origin_rules[index]
        return rule[1] if rule is not None and k >= rule[0] else None

    @staticmethod
    def take(store: Stock, amount: float, mask: np.ndarray | None) -> tuple:
        """Take up to `amount` (of allowed origins only, under a mask); (mix or None, tonnes)."""
        if mask is not None:
            mix, taken = store.take_allowed(amount, mask)
            return (mix, taken) if taken > EPS else (None, 0.0)
        taken = min(amount, store.total)
        return (store.take(taken), taken) if taken > EPS else (None, 0.0)

    def _one_off_release(self, event: StockpileRelease, k: int) -> None:
        net = self.net
        sp = net.index[event.node]
        targets = event.to or net.nodes[sp].spec.release.to
        store = self.stock[sp]
        amount = min(event.quantity, store.total)
        if amount <= EPS:
            return
        mix = store.take(amount)
        weights = [net.nodes[net.index[t]].spec.demand_tpa for t in targets]
        if sum(weights) <= 0:  # nobody has demand: split evenly
            weights = [1.0] * len(targets)
        for target, weight in zip(targets, weights, strict=True):
            share = weight / sum(weights)
            self.stock[net.index[target]].put(mix, amount * share)
        self.rec.arrays["released_t"][k, sp] += amount

    # ----- arrivals ---------------------------------------------------------------------

    def _deliver_at(self, k: int, arrival: int, item: tuple) -> None:
        """Queue (node, mix, amount, is_scrap) for step `arrival`: one SimPy timeout a step."""
        bucket = self._arrivals.get(arrival)
        if bucket is None:
            bucket = self._arrivals[arrival] = []
            event = self.env.timeout((arrival - k) * self.clock.step_days, arrival)
            event.callbacks.append(self._arrive)
        bucket.append(item)

    def _arrive(self, event: simpy.Event) -> None:
        k = event.value
        received, recycled = self.rec.arrays["received_t"][k], self.rec.arrays["recycled_t"][k]
        by_store: dict[int, list] = {}  # id(store) -> [store, mixes, amounts]
        for node, mix, amount, is_scrap in self._arrivals.pop(k):
            if is_scrap:
                store = self.inputs[node]
                self.totals["recycled"] += amount
                recycled[node] += amount
            else:
                store = self.inputs[node] if self.inputs[node] is not None else self.stock[node]
                self.on_order[node] -= amount
                received[node] += amount
            entry = by_store.get(id(store))
            if entry is None:
                by_store[id(store)] = [store, [mix], [amount]]
            else:
                entry[1].append(mix)
                entry[2].append(amount)
        for store, mixes, amounts in by_store.values():  # mix each store's arrivals at once
            first = mixes[0]
            if len(mixes) == 1:
                store.put(first, amounts[0])
            elif all(m is first for m in mixes):
                store.put(first, sum(amounts))
            else:
                total = sum(amounts)
                store.put(np.dot(amounts, mixes) / total, total)

    def ship(self, edge_index: int, amount: float, k: int) -> None:
        """Send `amount` from the edge's supplier; it arrives at the first usable step."""
        edge = self.net.edges[edge_index]
        supplier, buyer = edge.supplier, edge.buyer
        if self.origin_rules[buyer] is None:
            amount = min(amount, self.stock[supplier].total)
            mix = self.stock[supplier].take(amount)
        else:
            mix, amount = self.take(self.stock[supplier], amount, self.mask(buyer, k))
        if amount <= EPS:
            return
        extra = self.rules.extra_days[edge_index]
        if extra:
            step_days = self.clock.step_days
            days = self.transit_days[edge_index][k] + extra
            arrival = max(k + 1, math.ceil((k * step_days + days) / step_days - 1e-9))
        else:
            arrival = k + self.transit_steps[edge_index][k]
        self.on_order[buyer] += amount
        self._shipped_t[k, supplier] += amount
        self.rec.shipped_by_edge[k, edge_index] += amount
        self._deliver_at(k, arrival, (buyer, mix, amount, False))
        for quota in self.controls.watch[edge_index]:
            if quota.watch_from_step <= k < quota.first_step:
                quota.watched_t += amount
