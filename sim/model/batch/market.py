"""Step 7 (the market, market.py) for R replications: prices move, then every response for
the next step, as arrays [rep, …] (prices.py of this package).

Idle mines' restarts stay with each replication's own Restarts, which start a SimPy process
in that replication's environment when its price is reached; stockpile price rules and the
precautionary cover under a licence regime are applied per replication as market.py does.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.model.batch.plans import Plans
from sim.model.batch.prices import BatchFactors, BatchPrices
from sim.model.batch.rules import BatchRules
from sim.model.prices import MARKETS


class BatchMarket:
    """Prices and responses of every replication; the step reads the factors."""

    def __init__(self, plans: Plans):
        self.plans = plans
        self.markets = markets = [w.market for w in plans.worlds]
        m = markets[0]
        reps, steps = len(markets), plans.steps
        self.prices = BatchPrices(markets, steps)
        self.factors = BatchFactors(markets, self.prices)
        self.consumers_in, self.consumer_rows = m.consumers_in, m.consumer_rows
        self.demand_factor = np.ones((reps, m.demand_factor.size))
        self.demand_factor_t = np.ones((reps, steps, m.demand_factor.size))
        self.scrap_factor = np.ones((reps, m.scrap_factor.size))
        self.mine_factor = np.ones((reps, m.mine_factor.size))
        self.mine_factor_t = np.ones((reps, steps, m.mine_factor.size))
        self.row_factor = np.stack([x.row_factor for x in markets])
        self.cover_factor = np.stack([x.cover_factor for x in markets])
        self.may_sell = np.stack([x.may_sell for x in markets])
        self.stockpile_rules = m.stockpile_rules.rules
        self.stockpile_at = m.stockpile_rules.at
        self.buyer_rows = m.factors.buyer_rows  # the precaution factor's buyers' rows
        self.licence_factored = np.array([x.licence_factor != 1.0 for x in markets])
        self.restarting = [r for r, x in enumerate(markets) if x.restarts.rules]  # idle mines

    def use_per_day(self, expected: np.ndarray) -> np.ndarray:
        """Each market's consumers' expected use per day [rep, market] (World._use_per_day)."""
        use = expected * self.demand_factor
        return np.matmul(self.consumers_in, use[:, :, None])[:, :, 0]

    def update(self, k: int, held_t: np.ndarray, rules: BatchRules) -> None:
        """End of step k (Market.update): prices, then every response for step k + 1."""
        self.prices.update(k, held_t, self.use_per_day(self.plans.expected_t[:, k]), rules)
        factors = self.factors
        factors.update()
        demand, scrap, supply = factors.part("demand"), factors.part("scrap"), \
            factors.part("supply")
        if demand is not None:
            self.demand_factor = demand
            self.row_factor[:, self.consumer_rows] = demand
        if scrap is not None:
            self.scrap_factor = scrap
        if supply is not None:
            self.mine_factor = supply
        if k + 1 < self.plans.steps:
            self.demand_factor_t[:, k + 1] = self.demand_factor
            self.mine_factor_t[:, k + 1] = self.mine_factor
        cover = factors.part("precaution")
        if cover is not None:
            self.cover_factor[:, self.buyer_rows] = cover
            for r in np.flatnonzero(rules.border.licensed & self.licence_factored).tolist() \
                    if rules.anywhere.licensed else ():
                market = self.markets[r]
                self.cover_factor[r, market._licensed_rows(rules.now[r])] \
                    *= market.licence_factor
        if self.stockpile_rules:
            self._stockpile_rules()
        self._restarts(k)

    def _stockpile_rules(self) -> None:
        """StockpileRules.update for every replication."""
        price = self.prices.stage.reshape(self.may_sell.shape[0], -1)[:, self.stockpile_at]
        for i, (node, rule) in enumerate(self.stockpile_rules):
            if rule.sell_above is not None:
                self.may_sell[:, node] = price[:, i] >= rule.sell_above
            if rule.buy_below is not None:
                self.row_factor[:, node] = (price[:, i] < rule.buy_below) * 1.0

    def _restarts(self, k: int) -> None:
        """Idle mines whose price is reached start restarting, in their replication."""
        for r in self.restarting:
            market = self.markets[r]
            if market.restarts.rules:
                shim = SimpleNamespace(stage=self.prices.stage[r])
                market.restarts.update(k, shim, self.plans.worlds[r].env)
                self.plans.next_day[r] = self.plans.worlds[r].env.peek()

    def record(self, r: int) -> dict[str, np.ndarray]:
        """Replication r's market series (Market.record)."""
        prices = self.prices
        stages = prices.stage_history(r)
        out = {name: prices.history[r, :, m] for m, name in enumerate(MARKETS)}
        for product, p in prices.product.items():
            for m, name in enumerate(MARKETS):
                out[f"{name}:{product}"] = stages[:, m, p]
        for m, name in enumerate(MARKETS):
            out[f"cover_days:{name}"] = prices.cover_history[r, :, m]
        out["openness"] = prices.openness_history[r]
        return out

