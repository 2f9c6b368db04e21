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

Where = np.ndarray
"""Per node, the flat index of its (market, product) in a [market, product] price matrix."""


def bought(node: NodeInfo) -> str:
    """The product a node buys or makes (a processor: its input)."""
    return node.spec.inputs[0] if node.kind == PROCESSOR else node.spec.product


def where(prices: Prices, nodes: list[NodeInfo]) -> Where:
    """Each node's (market, product bought) as a flat index into [market, product]."""
    n_products = len(prices.product)
    return np.array([market_of(n.country) * n_products + prices.product[bought(n)]
                     for n in nodes], dtype=np.int64)


class Smoothed:
    """A first-order smoothing of every (market, product) log price, time constant `days`."""

    def __init__(self, prices: Prices, days: float, step_days: int):
        self.log = prices.log_stage_reference.copy()
        self.pull = min(1.0, step_days / days)

    def update(self, prices: Prices) -> np.ndarray:
        """One step of the smoothing toward today's prices; the smoothed log prices."""
        self.log += (prices.log_stage - self.log) * self.pull
        return self.log


class Demand:
    """Consumers' demand × rel^short_run × rel_long^(long_run − short_run)."""

    def __init__(self, spec: MarketSpec, prices: Prices, at: Where, step_days: int):
        self.at = at
        self.short = spec.demand.short_run_elasticity
        self.extra = spec.demand.long_run_elasticity - self.short  # long run − short run
        self.long = Smoothed(prices, spec.demand.adjustment_days, step_days)

    def factor(self, prices: Prices) -> np.ndarray:
        """Each consumer's demand factor after today's price."""
        log_long = self.long.update(prices)
        log_factor = (prices.log_stage - prices.log_stage_reference) * self.short \
            + (log_long - prices.log_stage_reference) * self.extra
        return np.exp(log_factor.take(self.at))


class Stretch:
    """A collection or output factor: min(max_factor, smoothed rel ^ elasticity)."""

    def __init__(self, spec, prices: Prices, at: Where, step_days: int):
        self.at, self.elasticity, self.max_factor = at, spec.elasticity, spec.max_factor
        self.smooth = Smoothed(prices, spec.adjustment_days, step_days)

    def factor(self, prices: Prices) -> np.ndarray:
        """The factor after today's price."""
        log_rel = self.smooth.update(prices) - prices.log_stage_reference
        return np.minimum(self.max_factor, np.exp(log_rel.take(self.at) * self.elasticity))


class Precaution:
    """Buyers' cover × (price / its trend)^elasticity within bounds, × licence_factor while
    a licence regime is in force on one of their suppliers."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network, step_days: int):
        self.net = net
        p = spec.precaution
        self.elasticity, self.bounds = p.elasticity, (p.min_factor, p.max_factor)
        self.licence_factor = p.licence_factor
        buyers = [n for n in net.nodes if n.kind != MINE]
        self.rows = np.array([net.holding_row(n.index) for n in buyers], dtype=np.int64)
        self.at = where(prices, buyers)
        self.trend = Smoothed(prices, p.adjustment_days, step_days)
        self._licensed: tuple[object, list[int]] = (None, [])  # (rules, rows) last read

    def update(self, prices: Prices, rules: RulesInForce, cover_factor: np.ndarray) -> None:
        """Set each buyer's cover factor (by holding row) after today's price."""
        log_momentum = prices.log_stage - self.trend.update(prices)
        cover_factor[self.rows] = np.clip(np.exp(log_momentum.take(self.at) * self.elasticity),
                                          *self.bounds)
        if self.licence_factor != 1.0 and rules.licences:
            cover_factor[self._licensed_rows(rules)] *= self.licence_factor

    def _licensed_rows(self, rules: RulesInForce) -> list[int]:
        """Holding rows of buyers with a licence regime in force on one of their edges."""
        if self._licensed[0] is not rules:
            edges = np.concatenate([licence.edges for licence in rules.licences])
            rows = {self.net.holding_row(self.net.edges[e].buyer) for e in edges.tolist()}
            self._licensed = (rules, sorted(rows))
        return self._licensed[1]


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
        price = prices.stage.take(self.at)
        for i, (node, rule) in enumerate(self.rules):
            if rule.sell_above is not None:
                may_sell[node] = price[i] >= rule.sell_above
            if rule.buy_below is not None:
                target_scale[node] = float(price[i] < rule.buy_below)
