"""The responses to price that are rules, not factors (factors.py has those): idle mines
restarting, and stockpiles buying or selling at a price. market.py runs them at the end of
each step, for the next."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np
import simpy

from sim.model.capacity import Capacity
from sim.model.clock import Clock, StepStart
from sim.model.factors import bought
from sim.model.network import Network, NodeInfo
from sim.model.prices import Prices, market_of
from sim.scenario.market import Market as MarketSpec
from sim.scenario.market import Restart

Where = np.ndarray
"""Per node, the flat index of its (market, product) in a [market, product] price matrix."""


def where(prices: Prices, nodes: list[NodeInfo]) -> Where:
    """Each node's (market, product bought) as a flat index into [market, product]."""
    n_products = len(prices.product)
    return np.array([market_of(n.country) * n_products + prices.product[bought(n)]
                     for n in nodes], dtype=np.int64)


class Restarts:
    """Idle mines: each restarts `delay_days` after its concentrate price first reaches
    `above`, as a SimPy process that brings its capacity online over `ramp_days`."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network, clock: Clock,
                 capacity: Capacity, on_restart: Callable[[int, int], None] | None):
        self.net, self.clock, self.capacity, self.on_restart = net, clock, capacity, on_restart
        self.rules = [(net.index[r.mine], r) for r in spec.restarts]
        self.at = where(prices, [net.nodes[node] for node, _ in self.rules])
        self.started = [False] * len(self.rules)

    def replica(self, capacity: Capacity, on_restart: Callable[[int, int], None]) -> Restarts:
        """These restarts, none started yet, in one replication (its capacity, its
        `on_restart`)."""
        twin = copy.copy(self)
        twin.capacity, twin.on_restart = capacity, on_restart
        twin.started = [False] * len(self.rules)
        return twin

    def update(self, k: int, prices: Prices, env: simpy.Environment) -> None:
        """End of step k: start the restart of every idle mine whose price is reached."""
        price = prices.stage.take(self.at)
        for i, (node, rule) in enumerate(self.rules):
            if not self.started[i] and price[i] >= rule.above:
                self.started[i] = True
                env.process(self._restart(env, node, rule, k))

    def _restart(self, env: simpy.Environment, node: int, rule: Restart,
                 k: int) -> Iterator[simpy.Event]:
        clock = self.clock
        first = max(k + 1, clock.first_step_on_or_after(clock.days[k] + rule.delay_days))
        if first >= clock.n_steps:
            return
        yield StepStart(env, clock, first)
        since = clock.days[first:] - clock.days[first]
        ramp = np.clip(since / rule.ramp_days, 0.0, 1.0) if rule.ramp_days > 0 else 1.0
        self.capacity.writable().online[first:, node] = ramp
        self.on_restart(node, first)


class StockpileRules:
    """A stockpile releases only at or above `sell_above`, buys only below `buy_below`."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network):
        self.rules = [(net.index[r.stockpile], r) for r in spec.stockpile_rules]
        self.at = where(prices, [net.nodes[node] for node, _ in self.rules])

    def update(self, prices: Prices, may_sell: np.ndarray, row_factor: np.ndarray) -> None:
        """Which stockpiles may sell (by node) and buy (target scale by row) at today's
        prices (a stockpile's holding row is its node row)."""
        price = prices.stage.take(self.at)
        for i, (node, rule) in enumerate(self.rules):
            if rule.sell_above is not None:
                may_sell[node] = price[i] >= rule.sell_above
            if rule.buy_below is not None:
                row_factor[node] = float(price[i] < rule.buy_below)
