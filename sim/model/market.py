"""The market: prices (prices.py) and every response to them, with lags (the factors in
factors.py, the rules in responses.py).

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

import copy
from collections.abc import Callable

import numpy as np
import simpy

from sim.model.capacity import Capacity
from sim.model.clock import Clock
from sim.model.factors import Factors
from sim.model.network import CONSUMER, MINE, Network
from sim.model.prices import MARKETS, Prices, market_of
from sim.model.responses import Restarts, StockpileRules, where
from sim.model.rules import RulesInForce
from sim.model.state import State


def hold_idle(capacity: Capacity, net: Network) -> None:
    """Idle mines (market `restarts`) have no capacity until they restart."""
    market = net.scenario.market
    for rule in market.restarts if market is not None else []:
        capacity.writable().online[:, net.index[rule.mine]] = 0.0


class Market:
    """Prices and responses of one run; the step reads the factors, `update` moves them."""

    def __init__(self, net: Network, clock: Clock, capacity: Capacity,
                 scrap_to: list[int], on_restart: Callable[[int, int], None] | None):
        spec = net.scenario.market
        self.n_steps = clock.n_steps
        self.prices = prices = Prices(spec, net, clock.n_steps, clock.step_days)
        consumers, mines = net.of_kind(CONSUMER), net.of_kind(MINE)
        self.consumer_at = where(prices, consumers)
        self.consumers_in = np.array([[market_of(c.country) == m for c in consumers]
                                      for m in range(len(MARKETS))]) / clock.step_days
        # per day: [market, consumer] 1 / step_days where the consumer is in the market
        self.factors = Factors(spec, prices, net, scrap_to, clock.step_days)
        self.licence_factor = spec.precaution.licence_factor if spec.precaution else 1.0
        self._licensed: tuple[object, list[int]] = (None, [])  # (rules, rows) last read
        self.net = net
        self.restarts = Restarts(spec, prices, net, clock, capacity, on_restart)
        self.is_idle = np.zeros(len(mines), dtype=bool)  # restart mines: all output is added
        self.is_idle[[net.index[r.mine] - net.rows(MINE).start for r in spec.restarts]] = True
        self.stockpile_rules = StockpileRules(spec, prices, net)
        # what the step reads
        self.demand_factor = np.ones(len(consumers))
        self.demand_factor_t = np.ones((clock.n_steps, len(consumers)))
        self.scrap_factor = np.ones(len(scrap_to))
        self.mine_factor = np.ones(len(mines))
        self.mine_factor_t = np.ones((clock.n_steps, len(mines)))
        self.cover_factor = np.ones(net.n_holding_rows)
        self.row_factor = np.ones(net.n_holding_rows)  # scales what a row draws and its
        # target: a consumer's demand factor; 0 for a stockpile that may not buy now
        self.consumer_rows = net.rows(CONSUMER)
        self.may_sell = np.ones(len(net.nodes), dtype=bool)
        self.stockpile_rules.update(prices, self.may_sell, self.row_factor)

    def replica(self, capacity: Capacity, on_restart: Callable[[int, int], None]) -> Market:
        """This market, as built, in one replication: its own prices, responses and what the
        step reads (`capacity` and `on_restart` its own, for idle mines' restarts)."""
        twin = copy.copy(self)
        twin.prices = self.prices.replica()
        twin.factors = self.factors.replica(twin.prices)
        twin.restarts = self.restarts.replica(capacity, on_restart)
        twin._licensed = (None, [])
        for name in ("demand_factor", "demand_factor_t", "scrap_factor", "mine_factor",
                     "mine_factor_t", "cover_factor", "row_factor", "may_sell"):
            setattr(twin, name, getattr(self, name).copy())
        return twin

    def update(self, k: int, state: State, rules: RulesInForce, use_per_day: np.ndarray,
               env: simpy.Environment) -> None:
        """End of step k: move the prices, then every response for step k + 1."""
        prices, factors = self.prices, self.factors
        prices.update(k, state.rec.held_t[k], use_per_day, rules)
        factors.update()
        demand, scrap, supply = factors.part("demand"), factors.part("scrap"), \
            factors.part("supply")
        if demand is not None:
            self.demand_factor = self.row_factor[self.consumer_rows] = demand
        if scrap is not None:
            self.scrap_factor = scrap
        if supply is not None:
            self.mine_factor = supply
        if k + 1 < self.n_steps:
            self.demand_factor_t[k + 1] = self.demand_factor
            self.mine_factor_t[k + 1] = self.mine_factor
        cover = factors.part("precaution")
        if cover is not None:
            self.cover_factor[factors.buyer_rows] = cover
            if self.licence_factor != 1.0 and rules.licences:
                self.cover_factor[self._licensed_rows(rules)] *= self.licence_factor
        if self.stockpile_rules.rules:
            self.stockpile_rules.update(prices, self.may_sell, self.row_factor)
        if self.restarts.rules:
            self.restarts.update(k, prices, env)

    def _licensed_rows(self, rules: RulesInForce) -> list[int]:
        """Holding rows of buyers with a licence regime in force on one of their edges."""
        if self._licensed[0] is not rules:
            edges = np.concatenate([licence.edges for licence in rules.licences])
            rows = {self.net.holding_row(self.net.edges[e].buyer) for e in edges.tolist()}
            self._licensed = (rules, sorted(rows))
        return self._licensed[1]

    def record(self) -> dict[str, np.ndarray]:
        """Series by name (sim.records.RunRecord.market): prices, covers, openness."""
        prices = self.prices
        stages = prices.stage_history()
        out = {name: prices.history[:, m] for m, name in enumerate(MARKETS)}
        for product, p in prices.product.items():
            for m, name in enumerate(MARKETS):
                out[f"{name}:{product}"] = stages[:, m, p]
        for m, name in enumerate(MARKETS):
            out[f"cover_days:{name}"] = prices.cover_history[:, m]
        out["openness"] = prices.openness_history
        return out
