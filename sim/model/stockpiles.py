"""Stockpiles (the National Defense Stockpile, a state reserve): release, and buying back.

A stockpile whose `release` lists consumers covers, in step 5, what those consumers still
lack after consuming from their own stock, at once (no transit), highest priority first, up
to `release.max_tpa` × step_days / 365 in all per step. A one-off `release` event is a SimPy
process: at the first step on or after its date it moves `quantity` (at most what the
stockpile holds) into the named consumers' stocks, split by their `demand_tpa`. A stockpile
with a `target_stock` buys like any buyer (planning.py, orders.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np
import simpy

from sim.model.clock import Clock, StepStart
from sim.model.network import CONSUMER, STOCKPILE, Network
from sim.model.state import State
from sim.model.tolerances import EPS
from sim.scenario.schema import StockpileRelease


class Stockpiles:
    """Who each stockpile covers, at what rate, and the one-off releases due."""

    def __init__(self, net: Network, clock: Clock):
        self.net, self.clock = net, clock
        consumers = net.of_kind(CONSUMER)
        first = net.rows(CONSUMER).start
        release_from: dict[int, list[int]] = {}
        self.release_cap = np.zeros(len(net.nodes))
        for sp in net.of_kind(STOCKPILE):
            if sp.spec.release is not None:
                self.release_cap[sp.index] = sp.spec.release.max_tpa * clock.per_step
                for target in sp.spec.release.to:
                    release_from.setdefault(net.index[target], []).append(sp.index)
        self.cover_order = [(c.index - first, release_from[c.index])
                            for c in sorted(consumers, key=lambda c: c.priority)
                            if c.index in release_from]
        self.covered = np.array([j for j, _ in self.cover_order], dtype=np.int64)
        self.due: list[StockpileRelease] = []  # one-off releases of the current step

    def replica(self) -> Stockpiles:
        """These stockpiles in one replication: its own releases due; the rest is shared."""
        twin = copy.copy(self)
        twin.due = []
        return twin

    def start(self, env: simpy.Environment) -> None:
        """Start the process of every one-off `release` event."""
        for event in self.net.scenario.events:
            if isinstance(event, StockpileRelease):
                env.process(self._release_event(env, event))

    def _release_event(self, env: simpy.Environment,
                       event: StockpileRelease) -> Iterator[simpy.Event]:
        """At its step the release is due; the step carries it out after arrivals."""
        yield StepStart(env, self.clock,
                        self.clock.first_step_on_or_after(self.net.scenario.day(event.at)))
        self.due.append(event)

    def release_due(self, state: State, k: int) -> None:
        """Step 2: carry out the one-off releases due on step k, in the scenario's order."""
        for event in self.due:
            self._release(state, event, k)
        self.due.clear()

    def _release(self, state: State, event: StockpileRelease, k: int) -> None:
        net = self.net
        sp = net.index[event.node]
        targets = event.to or net.nodes[sp].spec.release.to
        part, amount = state.take(sp, event.quantity)
        if part is None:
            return
        weights = [net.nodes[net.index[t]].spec.demand_tpa for t in targets]
        if sum(weights) <= 0:  # nobody has demand: split evenly
            weights = [1.0] * len(targets)
        for target, weight in zip(targets, weights, strict=True):
            state.stock[net.index[target]] += part * (weight / sum(weights))
        state.rec.arrays["released_t"][k, sp] += amount

    def cover(self, state: State, k: int, missing: np.ndarray, taken: np.ndarray,
              took: np.ndarray, masks: np.ndarray, may_sell: np.ndarray | None = None) -> None:
        """Step 5: stockpiles cover consumers' `missing` tonnes at once, highest priority
        first, up to their release rate this step, of the origins each consumer may use
        (`masks` by node row); updates taken and took (by consumer) in place. With a market,
        only stockpiles that `may_sell` at today's price release."""
        if not np.count_nonzero(missing[self.covered] > EPS):
            return
        left = self.release_cap.copy() if may_sell is None else self.release_cap * may_sell
        released = state.rec.arrays["released_t"][k]
        first = self.net.rows(CONSUMER).start
        for j, sources in self.cover_order:
            short = missing[j]
            for sp in sources:
                if short <= EPS:
                    break
                part, amount = state.take(sp, min(short, left[sp]), masks[first + j])
                if part is None:
                    continue
                took[j] += part
                taken[j] += amount
                short -= amount
                left[sp] -= amount
                released[sp] += amount
