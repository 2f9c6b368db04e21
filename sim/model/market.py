"""The market: prices (prices.py) and every response to them (responses.py), with lags.

At the end of each step the prices move; the responses then set what the next step uses:

- demand: each consumer's demand × rel^short_run × rel_long^(long_run − short_run), where
  rel is its product's price over the reference now and rel_long the same smoothed over
  the demand response's `adjustment_days` (the long-run elasticity holds once the price
  has stayed); demand not placed is demand destroyed, not shortfall;
- scrap: each scrap return × min(max_factor, rel_smoothed^elasticity);
- supply: each mine outside `except` × min(max_factor, rel_smoothed^elasticity); an idle
  mine (`restarts`) restarts `delay_days` after its concentrate price first reaches `above`;
- precaution: each buyer's cover_days × (price / its trend)^elasticity within its bounds,
  × licence_factor while a licence regime is in force on one of its suppliers;
- stockpile rules: a stockpile releases only while its price is at or above `sell_above`,
  and buys only while it is below `buy_below`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.capacity import Capacity
from sim.model.clock import Clock
from sim.model.network import CONSUMER, MINE, Network
from sim.model.prices import MARKETS, Prices, market_of
from sim.model.responses import (
    Demand,
    Precaution,
    Restarts,
    StockpileRules,
    Stretch,
    where,
)
from sim.model.rules import RulesInForce
from sim.model.state import State


def hold_idle(capacity: Capacity, net: Network) -> None:
    """Idle mines (market `restarts`) have no capacity until they restart."""
    market = net.scenario.market
    for rule in market.restarts if market is not None else []:
        capacity.online[:, net.index[rule.mine]] = 0.0


class Market:
    """Prices and responses of one run; the step reads the factors, `update` moves them."""

    def __init__(self, net: Network, clock: Clock, capacity: Capacity,
                 scrap_to: list[int], on_restart: Callable[[int, int], None]):
        spec = net.scenario.market
        self.n_steps = clock.n_steps
        self.prices = prices = Prices(spec, net, clock.n_steps, clock.step_days)
        consumers, mines = net.of_kind(CONSUMER), net.of_kind(MINE)
        self.consumer_at = where(prices, consumers)
        self.consumers_in = np.array([[market_of(c.country) == m for c in consumers]
                                      for m in range(len(MARKETS))], dtype=float)
        self.demand = Demand(spec, prices, self.consumer_at, clock.step_days) \
            if spec.demand else None
        self.scrap = Stretch(spec.scrap, prices, where(prices, [net.nodes[i] for i in scrap_to]),
                             clock.step_days) if spec.scrap else None
        self.supply = Stretch(spec.supply, prices, where(prices, mines), clock.step_days) \
            if spec.supply else None
        excepted = set(spec.supply.except_) if spec.supply else set()
        self.responds = np.array([m.country not in excepted for m in mines], dtype=bool)
        self.precaution = Precaution(spec, prices, net, clock.step_days) \
            if spec.precaution else None
        self.restarts = Restarts(spec, prices, net, clock, capacity, on_restart)
        self.is_idle = np.zeros(len(mines), dtype=bool)  # restart mines (all their output
        self.is_idle[[net.index[r.mine] - net.rows(MINE).start for r in spec.restarts]] = True
        self.stockpile_rules = StockpileRules(spec, prices, net)
        # what the step reads
        self.demand_factor = np.ones(len(consumers))
        self.demand_factor_t = np.ones((clock.n_steps, len(consumers)))
        self.scrap_factor = np.ones(len(scrap_to))
        self.mine_factor = np.ones(len(mines))
        self.cover_factor = np.ones(net.n_holding_rows)
        self.target_scale = np.ones(net.n_holding_rows)
        self.may_sell = np.ones(len(net.nodes), dtype=bool)
        self.stockpile_rules.update(prices, self.may_sell, self.target_scale)

    def update(self, k: int, state: State, rules: RulesInForce, use_per_day: np.ndarray,
               env: simpy.Environment) -> None:
        """End of step k: move the prices, then every response for step k + 1."""
        prices = self.prices
        prices.update(k, state.rec.held_t[k], state.on_order, use_per_day, rules)
        if self.demand is not None:
            self.demand_factor = self.demand.factor(prices)
            if k + 1 < self.n_steps:
                self.demand_factor_t[k + 1] = self.demand_factor
        if self.scrap is not None:
            self.scrap_factor = self.scrap.factor(prices)
        if self.supply is not None:
            self.mine_factor = np.where(self.responds, self.supply.factor(prices), 1.0)
        if self.precaution is not None:
            self.precaution.update(prices, rules, self.cover_factor)
        self.stockpile_rules.update(prices, self.may_sell, self.target_scale)
        self.restarts.update(k, prices, env)

    def targets_scale(self, consumer_rows: slice) -> np.ndarray:
        """Per holding row, what scales its target now (consumers: their demand factor;
        stockpiles under buy_below: 0 or 1)."""
        self.target_scale[consumer_rows] = self.demand_factor
        return self.target_scale

    def record(self) -> dict[str, np.ndarray]:
        """Series by name (sim.records.RunRecord.market): prices, covers, openness."""
        prices = self.prices
        out = {name: prices.history[:, m] for m, name in enumerate(MARKETS)}
        for product, p in prices.product.items():
            for m, name in enumerate(MARKETS):
                out[f"{name}:{product}"] = prices.stage_history[:, m, p]
        for m, name in enumerate(MARKETS):
            out[f"cover_days:{name}"] = prices.cover_history[:, m]
        out["openness"] = prices.openness_history
        return out
