"""The responses to price (market.py runs them at the end of each step, for the next).

Each reads its product's price in the node's market (prices.py) and sets a factor the step
uses; smoothing is first-order, in log terms, per (market, product).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import simpy

from sim.model.capacity import Capacity
from sim.model.clock import Clock, StepStart
from sim.model.network import MINE, PROCESSOR, Network, NodeInfo
from sim.model.prices import Prices, market_of
from sim.model.rules import RulesInForce
from sim.scenario.market import Market as MarketSpec
from sim.scenario.market import Restart

Where = tuple[np.ndarray, np.ndarray]
"""(market, product) index per node, to read prices with."""


def bought(node: NodeInfo) -> str:
    """The product a node buys or makes (a processor: its input)."""
    return node.spec.inputs[0] if node.kind == PROCESSOR else node.spec.product


def where(prices: Prices, nodes: list[NodeInfo]) -> Where:
    """Each node's market and product (bought) as index arrays."""
    return (np.array([market_of(n.country) for n in nodes], dtype=np.int64),
            np.array([prices.product[bought(n)] for n in nodes], dtype=np.int64))


class Smoothed:
    """A first-order smoothing of every (market, product) log price, time constant `days`."""

    def __init__(self, prices: Prices, days: float, step_days: int):
        self.log = np.log(prices.stage_reference)
        self.pull = min(1.0, step_days / days)

    def update(self, prices: Prices) -> None:
        """One step of the smoothing toward today's prices."""
        self.log += (np.log(prices.stage) - self.log) * self.pull

    def relative(self, prices: Prices, at: Where) -> np.ndarray:
        """Smoothed price over reference of each (market, product) pair given."""
        return np.exp(self.log[at]) / prices.stage_reference[at]


class Demand:
    """Consumers' demand × rel^short_run × rel_long^(long_run − short_run)."""

    def __init__(self, spec: MarketSpec, prices: Prices, at: Where, step_days: int):
        self.spec, self.at = spec.demand, at
        self.long = Smoothed(prices, self.spec.adjustment_days, step_days)

    def factor(self, prices: Prices) -> np.ndarray:
        """Each consumer's demand factor after today's price."""
        self.long.update(prices)
        short, long_ = self.spec.short_run_elasticity, self.spec.long_run_elasticity
        return prices.relative(self.at) ** short \
            * self.long.relative(prices, self.at) ** (long_ - short)


class Stretch:
    """A collection or output factor: min(max_factor, smoothed rel ^ elasticity)."""

    def __init__(self, spec, prices: Prices, at: Where, step_days: int):
        self.spec, self.at = spec, at
        self.smooth = Smoothed(prices, spec.adjustment_days, step_days)

    def factor(self, prices: Prices) -> np.ndarray:
        """The factor after today's price."""
        self.smooth.update(prices)
        return np.minimum(self.spec.max_factor,
                          self.smooth.relative(prices, self.at) ** self.spec.elasticity)


class Precaution:
    """Buyers' cover × (price / its trend)^elasticity within bounds, × licence_factor while
    a licence regime is in force on one of their suppliers."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network, step_days: int):
        self.spec, self.net = spec.precaution, net
        buyers = [n for n in net.nodes if n.kind != MINE]
        self.rows = np.array([net.holding_row(n.index) for n in buyers], dtype=np.int64)
        self.at = where(prices, buyers)
        self.trend = Smoothed(prices, self.spec.adjustment_days, step_days)

    def update(self, prices: Prices, rules: RulesInForce, cover_factor: np.ndarray) -> None:
        """Set each buyer's cover factor (by holding row) after today's price."""
        p = self.spec
        self.trend.update(prices)
        momentum = prices.relative(self.at) / self.trend.relative(prices, self.at)
        cover_factor[self.rows] = np.clip(momentum ** p.elasticity, p.min_factor, p.max_factor)
        if p.licence_factor != 1.0 and rules.licences:
            edges = np.concatenate([licence.edges for licence in rules.licences])
            rows = {self.net.holding_row(self.net.edges[e].buyer) for e in edges.tolist()}
            cover_factor[sorted(rows)] *= p.licence_factor


class Restarts:
    """Idle mines: each restarts `delay_days` after its concentrate price first reaches
    `above`, as a SimPy process that brings its capacity online over `ramp_days`."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network, clock: Clock,
                 capacity: Capacity, on_restart: Callable[[int, int], None]):
        self.net, self.clock, self.capacity, self.on_restart = net, clock, capacity, on_restart
        self.rules = [(net.index[r.mine], r) for r in spec.restarts]
        self.at = where(prices, [net.nodes[node] for node, _ in self.rules])
        self.started = [False] * len(self.rules)

    def update(self, k: int, prices: Prices, env: simpy.Environment) -> None:
        """End of step k: start the restart of every idle mine whose price is reached."""
        price = prices.stage[self.at]
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
        self.capacity.online[first:, node] = ramp
        self.on_restart(node, first)


class StockpileRules:
    """A stockpile releases only at or above `sell_above`, buys only below `buy_below`."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network):
        self.rules = [(net.index[r.stockpile], r) for r in spec.stockpile_rules]
        self.at = where(prices, [net.nodes[node] for node, _ in self.rules])

    def update(self, prices: Prices, may_sell: np.ndarray, target_scale: np.ndarray) -> None:
        """Which stockpiles may sell (by node) and buy (target scale by row) at today's
        prices (a stockpile's holding row is its node row)."""
        price = prices.stage[self.at]
        for i, (node, rule) in enumerate(self.rules):
            if rule.sell_above is not None:
                may_sell[node] = price[i] >= rule.sell_above
            if rule.buy_below is not None:
                target_scale[node] = float(price[i] < rule.buy_below)
