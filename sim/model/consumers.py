"""Consumers (design.md step 5): demand sectors that use a product each step.

A consumer's demand on a step is demand_tpa grown by `growth` to the step, × the factors of
the `demand` events in force, × its noise (drawn per step from its own random stream), ×
step_days / 365. It consumes that (and, with `backlog: true`, what it still owes) from its
stock; what it cannot get is shortfall. A `demand` event is a SimPy process that, at its
first step, rewrites the demand of the consumers it names from then on. Consumers return
`scrap_rate` of what they used `scrap_days` earlier to their recycler's input.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np
import simpy

from sim.model.clock import Clock, StepStart
from sim.model.network import CONSUMER, Network
from sim.model.recorder import Recorder
from sim.model.state import State
from sim.records import ROUNDING
from sim.scenario.distributions import draw, expected
from sim.scenario.schema import Consumer, DemandChange


class Consumers:
    """Demand per step, backlogs and scrap returns of every consumer."""

    def __init__(self, net: Network, clock: Clock, planning_clock: Clock, rng: dict):
        consumers = [c.spec for c in net.of_kind(CONSUMER)]
        self.net, self.clock = net, clock
        self.rows = net.rows(CONSUMER)
        self.base_t = np.array([base_demand_t(c, planning_clock) for c in consumers]).T \
            .reshape(planning_clock.n_steps, len(consumers))  # [step, consumer], beyond too
        self.factor = np.ones((clock.n_steps, len(consumers)))
        self.noise = self._noise(rng)
        self.mean_noise = np.array([expected(c.noise) for c in consumers])
        self.demand_t = self.base_t[: clock.n_steps] * self.factor * self.noise
        self.expected_t = self.base_t[: clock.n_steps] * self.factor * self.mean_noise
        # expected demand per step (events in force, mean noise): what the market reads
        self.keeps_backlog = np.array([c.backlog for c in consumers], dtype=bool)
        self.any_backlog = bool(self.keeps_backlog.any())
        self.scrap = ScrapReturns(net, clock)

    def _noise(self, rng: dict) -> np.ndarray:
        """[step, consumer]: each consumer's noise, drawn from its stream in `rng` (its mean
        if it has none)."""
        consumers = [c.spec for c in self.net.of_kind(CONSUMER)]
        return np.array([noise(c, self.clock, rng.get(c.id)) for c in consumers]).T \
            .reshape(self.clock.n_steps, len(consumers))

    def replica(self, rng: dict, demand_t: np.ndarray, expected_t: np.ndarray) -> Consumers:
        """These consumers in one replication: noise drawn from `rng`, so its own demand
        (written into `demand_t`), its expected demand table (`expected_t`, filled as this
        one's), its own demand events in force and scrap collected; base demand is shared."""
        twin = copy.copy(self)
        twin.factor = np.ones_like(self.factor)
        twin.noise = twin._noise(rng)
        twin.demand_t, twin.expected_t = demand_t, expected_t
        demand_t[:] = self.base_t[: self.clock.n_steps] * twin.factor * twin.noise
        twin.scrap = self.scrap.replica()
        return twin

    def refresh(self, j: int, first: int) -> None:
        """Recompute consumer j's demand from step `first` on, after its factor changed."""
        n = self.clock.n_steps
        self.demand_t[first:, j] = self.base_t[first:n, j] * self.factor[first:, j] \
            * self.noise[first:, j]
        self.expected_t[first:, j] = self.base_t[first:n, j] * self.factor[first:, j] \
            * self.mean_noise[j]

    def start(self, env: simpy.Environment, on_change: Callable[[int, int], None]) -> None:
        """Start the process of every `demand` event."""
        events = [e for e in self.net.scenario.events if isinstance(e, DemandChange)]
        for event in events:
            env.process(self._demand_event(env, event, events, on_change))

    def _demand_event(self, env: simpy.Environment, event: DemandChange,
                      events: list[DemandChange],
                      on_change: Callable[[int, int], None]) -> Iterator[simpy.Event]:
        """From its first step, the factor in force for the consumers it names is the
        product of the demand events that have started, in the scenario's order."""
        first, last = self._window(event)
        if first >= last:
            return
        yield StepStart(env, self.clock, first)
        started = [e for e in events if self._window(e)[0] <= first]
        for j, consumer in enumerate(self.net.of_kind(CONSUMER)):
            if not targets(event, consumer.spec):
                continue
            factor = np.ones(self.clock.n_steps)
            for e in started:
                if targets(e, consumer.spec):
                    e_first, e_last = self._window(e)
                    factor[e_first:e_last] *= e.factor
            self.factor[first:, j] = factor[first:]
            self.refresh(j, first)
            on_change(self.rows.start + j, first)

    def _window(self, event: DemandChange) -> tuple[int, int]:
        s = self.net.scenario
        return self.clock.window(s.day(event.at), None if event.until is None
                                 else s.day(event.until))

    def consume(self, state: State, k: int, taken: np.ndarray, took: np.ndarray,
                placed: np.ndarray) -> None:
        """Step 5's records, once stockpiles have covered what they may: deliveries by
        origin, and the backlog owed (what was wanted and not taken, where kept); `placed`
        is this step's demand after price (the demand table without a market)."""
        rec, rows = state.rec.arrays, self.rows
        rec["delivered_t"][k, rows] = taken
        if self.any_backlog:
            wanted = placed + state.backlog[rows]
            backlog = wanted - taken
            backlog[backlog <= ROUNDING * wanted] = 0.0  # what rounding left is not owed
            backlog *= self.keeps_backlog
            state.backlog[rows] = rec["backlog_t"][k, rows] = backlog
        state.rec.delivered_by_origin[k] = took

    def record(self, rec: Recorder, price_factor: np.ndarray | None = None) -> None:
        """After the run: demand and expected use of every consumer, and recycling; with a
        market, demand after price (`price_factor` by step and consumer) and the demand the
        price destroyed (placed less than the demand table)."""
        n = self.clock.n_steps
        expected = self.base_t[:n] * self.factor * np.array(self.mean_noise)
        if price_factor is None:
            rec.arrays["demand_t"][:, self.rows] = self.demand_t
        else:
            rec.arrays["demand_t"][:, self.rows] = self.demand_t * price_factor
            rec.arrays["demand_destroyed_t"][:, self.rows] = self.demand_t * (1 - price_factor)
            expected = expected * price_factor
        rec.arrays["expected_use_t"][:, self.rows] = expected
        self.scrap.record(rec)


def targets(event: DemandChange, consumer: Consumer) -> bool:
    """Does a demand event name this consumer (by id, group or country)?"""
    if event.nodes is not None:
        return consumer.id in event.nodes
    if event.group is not None:
        return consumer.group == event.group
    return consumer.country == event.country


def base_demand_t(consumer: Consumer, clock: Clock) -> np.ndarray:
    """Demand per step before events and noise: the rate grown to each step, × step length."""
    return consumer.demand_tpa * (1 + consumer.growth) ** (clock.days / 365.0) * clock.per_step


def noise(consumer: Consumer, clock: Clock, rng: np.random.Generator | None) -> np.ndarray:
    """The multiplicative noise on each step's demand (its mean where no rng is given)."""
    if rng is None:
        return np.full(clock.n_steps, expected(consumer.noise))
    return draw(consumer.noise, rng, clock.n_steps)


class ScrapReturns:
    """Scrap: `scrap_rate` of what a consumer used `scrap_days` ago returns to the input of
    its `scrap_to` processor, keeping its origin (read back from the deliveries record)."""

    def __init__(self, net: Network, clock: Clock):
        consumers = net.of_kind(CONSUMER)
        scrap = [c for c in consumers if c.spec.scrap_to and c.spec.scrap_rate > 0]
        self.to_processor = [net.index[c.spec.scrap_to] for c in scrap]  # node indices
        first = net.rows(CONSUMER).start
        self.scrap_from = np.array([c.index - first for c in scrap], dtype=np.int64)  # of
        # the consumers (the deliveries record's rows)
        self.into = np.zeros((net.n_holding_rows, len(scrap)))  # into processors' input
        for j, c in enumerate(scrap):
            self.into[net.holding_row(net.index[c.spec.scrap_to]), j] = 1.0
        self.rate = np.array([[c.spec.scrap_rate] for c in scrap]).reshape(-1, 1)
        self.steps = np.array([max(1, clock.steps(c.spec.scrap_days)) for c in scrap],
                              dtype=np.int64)
        self.factor_t = np.ones((clock.n_steps, len(scrap)))  # collection factor (market)

    def replica(self) -> ScrapReturns:
        """These scrap returns in one replication: its own collection factors."""
        twin = copy.copy(self)
        twin.factor_t = np.ones_like(self.factor_t)
        return twin

    def return_scrap(self, state: State, step: int, factor: np.ndarray | None = None) -> None:
        """Step 1: the scrap due on `step` joins its processors' input; with a market,
        × each return's collection `factor` (what that adds is recorded)."""
        if not self.scrap_from.size:
            return
        used_on = step - self.steps
        came = self.rate * (used_on >= 0)[:, None]  # none before scrap_days have passed
        if factor is not None:
            came = came * factor[:, None]
            self.factor_t[step] = factor
        back = state.rec.delivered_by_origin[np.maximum(used_on, 0), self.scrap_from] * came
        state.held += self.into.dot(back)

    def record(self, rec: Recorder) -> None:
        """recycled_t: what each scrap return brought, summed by processor."""
        if not self.scrap_from.size:
            return
        recycled, added = rec.arrays["recycled_t"], rec.arrays["scrap_added_t"]
        used = rec.delivered_by_origin[:, self.scrap_from].sum(axis=2)
        for j, delay in enumerate(self.steps.tolist()):
            processor = self.to_processor[j]
            if delay < used.shape[0]:  # else none comes back within the run
                back = used[: used.shape[0] - delay, j] * self.rate[j, 0]
                recycled[delay:, processor] += back * self.factor_t[delay:, j]
                added[delay:, processor] += back * (self.factor_t[delay:, j] - 1.0)
