"""Per-step schedules computed before the run: capacities, outages, demand, event windows.

Everything that does not depend on what happens in the run (a mine's capacity on each step,
a consumer's demand, which events are in force) is worked out here with numpy, so the
per-step loop only reads arrays. An event is in force on the steps that start on or after
its `at` day and before its `until` day.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from sim.scenario.distributions import draw, expected
from sim.scenario.schema import (
    CapacityChange,
    Consumer,
    DemandChange,
    Mine,
    Outages,
    Processor,
    Scenario,
    ScheduledOutage,
)


class Clock:
    """The step grid of a scenario: step k starts on day k × step_days."""

    def __init__(self, scenario: Scenario):
        self.step_days = scenario.step_days
        self.n_steps = math.ceil(scenario.horizon_days / scenario.step_days - 1e-9)
        self.days = np.arange(self.n_steps, dtype=float) * self.step_days
        self.per_step = self.step_days / 365.0  # share of a year in one step

    def extended(self, extra_steps: int) -> Clock:
        """The same grid, `extra_steps` longer (for planning beyond the horizon)."""
        longer = copy.copy(self)
        longer.n_steps = self.n_steps + extra_steps
        longer.days = np.arange(longer.n_steps, dtype=float) * self.step_days
        return longer

    def first_step_on_or_after(self, day: float) -> int:
        """Index of the first step starting on or after `day` (may be n_steps)."""
        return max(0, math.ceil(day / self.step_days - 1e-9))

    def window(self, start_day: float, end_day: float | None) -> tuple[int, int]:
        """Steps [first, last) on which an event from start_day until end_day is in force."""
        first = min(self.first_step_on_or_after(start_day), self.n_steps)
        last = self.n_steps if end_day is None else self.first_step_on_or_after(end_day)
        return first, min(max(last, first), self.n_steps)


def capacity_tpa(node: Mine | Processor, scenario: Scenario, clock: Clock) -> np.ndarray:
    """Nameplate capacity on each step after `capacity` events, times the online ramp."""
    t = clock.days
    cap = np.full(clock.n_steps, node.capacity_tpa)
    changes = [e for e in scenario.events if isinstance(e, CapacityChange) and e.node == node.id]
    for event in sorted(changes, key=lambda e: e.at):
        first, _ = clock.window(scenario.day(event.at), None)
        if first >= clock.n_steps:
            continue
        before = cap[first]
        target = event.capacity_tpa if event.capacity_tpa is not None else before * event.factor
        since = t[first:] - t[first]
        ramp = np.minimum(1.0, since / event.ramp_days) if event.ramp_days > 0 else 1.0
        cap[first:] = before + (target - before) * ramp
    online = getattr(node, "online", None)
    if online is not None:
        since = t - scenario.day(online)
        ramp_days = getattr(node, "ramp_days", 0.0)
        if ramp_days > 0:
            factor = np.clip(since / ramp_days, 0.0, 1.0)
        else:
            factor = (since >= 0).astype(float)
        cap = cap * np.where(since >= 0, factor, 0.0)
    return cap


def availability(node: Mine | Processor, scenario: Scenario, clock: Clock,
                 rng: np.random.Generator | None) -> np.ndarray:
    """Share of capacity available on each step: the lowest `capacity_left` of outages."""
    avail = np.ones(clock.n_steps)
    for event in scenario.events:
        if isinstance(event, ScheduledOutage) and event.node == node.id:
            start = scenario.day(event.at)
            first, last = clock.window(start, start + event.duration_days)
            avail[first:last] = np.minimum(avail[first:last], event.capacity_left)
    outages = getattr(node, "outages", None)
    if outages is not None and rng is not None:
        for start, duration in random_outages(outages, scenario.horizon_days, rng):
            first, last = clock.window(start, start + duration)
            avail[first:last] = np.minimum(avail[first:last], outages.capacity_left)
    return avail


def random_outages(outages: Outages, horizon_days: float,
                   rng: np.random.Generator) -> list[tuple[float, float]]:
    """(start day, duration) of random outages: Poisson arrivals at `rate_per_year`."""
    if outages.rate_per_year <= 0:
        return []
    mean_gap = 365.0 / outages.rate_per_year
    starts = []
    day = rng.exponential(mean_gap)
    while day < horizon_days:
        starts.append(day)
        day += rng.exponential(mean_gap)
    durations = draw(outages.duration_days, rng, len(starts))
    return list(zip(starts, durations.tolist(), strict=True))


def demand_factor(consumer: Consumer, scenario: Scenario, clock: Clock) -> np.ndarray:
    """Product of the `demand` events' factors in force on each step."""
    factor = np.ones(clock.n_steps)
    for event in scenario.events:
        if isinstance(event, DemandChange) and _targets(event, consumer):
            first, last = clock.window(scenario.day(event.at), _until(event, scenario))
            factor[first:last] *= event.factor
    return factor


def _targets(event: DemandChange, consumer: Consumer) -> bool:
    if event.nodes is not None:
        return consumer.id in event.nodes
    if event.group is not None:
        return consumer.group == event.group
    return consumer.country == event.country


def _until(event: object, scenario: Scenario) -> float | None:
    until = getattr(event, "until", None)
    return None if until is None else scenario.day(until)


def base_demand_t(consumer: Consumer, clock: Clock) -> np.ndarray:
    """Demand per step before events and noise: the rate grown to each step, × step length."""
    return consumer.demand_tpa * (1 + consumer.growth) ** (clock.days / 365.0) * clock.per_step


def noise(consumer: Consumer, clock: Clock, rng: np.random.Generator | None) -> np.ndarray:
    """The multiplicative noise on each step's demand (its mean where no rng is given)."""
    if rng is None:
        return np.full(clock.n_steps, expected(consumer.noise))
    return draw(consumer.noise, rng, clock.n_steps)
