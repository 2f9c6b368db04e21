"""Capacity of mines and processors on each step, and the events that change it.

A node's capacity in force is its nameplate (after `capacity` events) × its online ramp (a
mine with an `online` date) × the share of capacity outages leave (the lowest of those in
force). Each change is a SimPy process that waits for the first step starting on or after
its date and then rewrites the node's capacity from that step on:

- a `capacity` event ramps linearly over `ramp_days` from the capacity in force then to the
  new one (events on one node apply in date order);
- a mine's `online` date starts a ramp from 0 to 1 over `ramp_days` (produces nothing before);
- an outage (scheduled, or drawn as a Poisson process from the mine's own random stream)
  lowers the available share to `capacity_left` until its end.

After each change the owner of the node's per-step tables (mines, processors) is told, so
the step itself only reads arrays. A World's Capacity is a `replica` of its scenario's
(blueprint.py): the same tables before any event, copied, and its own random outages.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np
import simpy

from sim.model.clock import Clock, StepStart
from sim.model.network import MINE, PROCESSOR, Network, NodeInfo
from sim.scenario.distributions import draw
from sim.scenario.schema import CapacityChange, Outages, ScheduledOutage

OnChange = Callable[[int, int], None]
"""Told (node index, first step changed) after a node's capacity changes."""


class Capacity:
    """Nameplate, online ramp and available share by [step, node], as events have set them."""

    def __init__(self, net: Network, clock: Clock, rng: dict):
        self.net, self.clock = net, clock
        shape = (clock.n_steps, len(net.nodes))
        self.nameplate_tpa = np.zeros(shape)
        self.online = np.ones(shape)
        self.available = np.ones(shape)
        self._nodes = (*net.of_kind(MINE), *net.of_kind(PROCESSOR))
        self._scheduled = {node.index: list(_scheduled_outages(node, net))
                           for node in self._nodes}
        for node in self._nodes:
            self.nameplate_tpa[:, node.index] = node.spec.capacity_tpa
            if getattr(node.spec, "online", None) is not None:
                self.online[:, node.index] = 0.0
        self.outages = self._outages(rng)
        self.shared = False  # tables shared with the capacity this is a replica of

    def _outages(self, rng: dict) -> list[tuple[int, float, float, float]]:
        """(node, start day, end day, capacity left) of every outage, node by node: the
        scheduled ones, then those drawn from the node's stream in `rng` (if it has one)."""
        out = []
        for node in self._nodes:
            out += self._scheduled[node.index]
            stream = rng.get(node.id)
            if stream is not None:
                out += _random_outages(node, self.net, stream)
        return out

    def replica(self, rng: dict) -> Capacity:
        """This capacity in one replication, with its random outages drawn from `rng`. It
        reads these tables until an event first changes its own (`writable`): most
        replications of most scenarios never copy them."""
        twin = copy.copy(self)
        twin.shared = True
        twin.outages = self._outages(rng)
        return twin

    def writable(self) -> Capacity:
        """This capacity, with tables of its own (copied if still shared) to rewrite."""
        if self.shared:
            self.nameplate_tpa, self.online, self.available = \
                self.nameplate_tpa.copy(), self.online.copy(), self.available.copy()
            self.shared = False
        return self

    def rates_tpa(self, nodes: slice) -> np.ndarray:
        """Capacity in force (t/yr) on every step, [step, node] of `nodes` (rate_tpa's)."""
        return (self.nameplate_tpa[:, nodes] * self.online[:, nodes]) * self.available[:, nodes]

    def rate_tpa(self, node: int, first: int) -> np.ndarray:
        """Capacity in force (t/yr) on steps first… of one node."""
        return (self.nameplate_tpa[first:, node] * self.online[first:, node]) \
            * self.available[first:, node]

    def start(self, env: simpy.Environment, on_change: OnChange) -> None:
        """Start the processes of every capacity event, online date and outage."""
        s = self.net.scenario
        changes = [e for e in s.events if isinstance(e, CapacityChange)]
        for event in sorted(changes, key=lambda e: e.at):
            env.process(self._capacity_event(env, event, on_change))
        for node in self.net.of_kind(MINE):
            if node.spec.online is not None:
                env.process(self._online(env, node, on_change))
        for node, start, end, left in self.outages:
            env.process(self._outage(env, node, start, end, left, on_change))

    def _capacity_event(self, env: simpy.Environment, event: CapacityChange,
                        on_change: OnChange) -> Iterator[simpy.Event]:
        """From its step, ramp the nameplate from what is in force to the new capacity."""
        first, _ = self.clock.window(self.net.scenario.day(event.at), None)
        if first >= self.clock.n_steps:
            return
        yield StepStart(env, self.clock, first)
        node = self.net.index[event.node]
        cap = self.writable().nameplate_tpa[:, node]
        before = cap[first]
        target = event.capacity_tpa if event.capacity_tpa is not None else before * event.factor
        since = self.clock.days[first:] - self.clock.days[first]
        ramp = np.minimum(1.0, since / event.ramp_days) if event.ramp_days > 0 else 1.0
        cap[first:] = before + (target - before) * ramp
        on_change(node, first)

    def _online(self, env: simpy.Environment, node: NodeInfo,
                on_change: OnChange) -> Iterator[simpy.Event]:
        """From the first step on or after `online`, the ramp from 0 to full capacity."""
        online_day = self.net.scenario.day(node.spec.online)
        first = self.clock.first_step_on_or_after(online_day)
        yield StepStart(env, self.clock, first)
        since = self.clock.days[first:] - online_day
        ramp_days = node.spec.ramp_days
        factor = np.clip(since / ramp_days, 0.0, 1.0) if ramp_days > 0 else 1.0
        self.writable().online[first:, node.index] = np.where(since >= 0, factor, 0.0)
        on_change(node.index, first)

    def _outage(self, env: simpy.Environment, node: int, start: float, end: float,
                left: float, on_change: OnChange) -> Iterator[simpy.Event]:
        """From its step until its end, at most `left` of capacity is available."""
        first, last = self.clock.window(start, end)
        if first >= last:
            return
        yield StepStart(env, self.clock, first)
        window = self.writable().available[first:last, node]
        window[:] = np.minimum(window, left)
        on_change(node, first)


def _scheduled_outages(node: NodeInfo,
                       net: Network) -> Iterator[tuple[int, float, float, float]]:
    """(node, start day, end day, capacity left) of a node's scheduled outages."""
    s = net.scenario
    for event in s.events:
        if isinstance(event, ScheduledOutage) and event.node == node.id:
            start = s.day(event.at)
            yield node.index, start, start + event.duration_days, event.capacity_left


def _random_outages(node: NodeInfo, net: Network,
                    rng: np.random.Generator) -> list[tuple[int, float, float, float]]:
    """(node, start day, end day, capacity left) of a node's random outages, if it has any."""
    outages = getattr(node.spec, "outages", None)
    if outages is None:
        return []
    return [(node.index, start, start + duration, outages.capacity_left)
            for start, duration in random_outages(outages, net.scenario.horizon_days, rng)]


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
