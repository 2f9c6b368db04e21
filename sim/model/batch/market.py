"""Step 7 (the market) for R replications: each replication's own Market moves its prices
and responses (market.py, prices.py, factors.py, responses.py), and the batch gathers the
factors the next step reads into arrays [rep, …].

Prices are computed with Python floats and `math` in the single engine; running each
replication's own Market keeps them identical to the last bit (numpy's exp and log are not
libm's), and an idle mine's restart starts its process in that replication's environment.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.model.batch.plans import Plans
from sim.model.batch.rules import BatchRules


class BatchMarket:
    """The factors of every replication's market, as the batch's step reads them."""

    def __init__(self, plans: Plans):
        self.plans = plans
        self.markets = [w.market for w in plans.worlds]
        m = self.markets[0]
        reps = len(self.markets)
        self.demand_factor = np.ones((reps, m.demand_factor.size))
        self.scrap_factor = np.ones((reps, m.scrap_factor.size))
        self.mine_factor = np.ones((reps, m.mine_factor.size))
        self.row_factor = np.stack([x.row_factor for x in self.markets])
        self.cover_factor = np.stack([x.cover_factor for x in self.markets])
        self.may_sell = np.stack([x.may_sell for x in self.markets])
        self._restarts = any(x.restarts.rules for x in self.markets)

    def update(self, k: int, held_t: np.ndarray, rules: BatchRules) -> None:
        """End of step k: every replication's prices and responses for step k + 1."""
        expected = self.plans.expected_t[:, k]
        for r, market in enumerate(self.markets):
            use = market.consumers_in.dot(expected[r] * market.demand_factor)
            state = SimpleNamespace(rec=SimpleNamespace(held_t=held_t[r]))
            market.update(k, state, rules.now[r], use, self.plans.worlds[r].env)
            self.demand_factor[r] = market.demand_factor
            self.scrap_factor[r] = market.scrap_factor
            self.mine_factor[r] = market.mine_factor
            self.row_factor[r] = market.row_factor
            self.cover_factor[r] = market.cover_factor
            self.may_sell[r] = market.may_sell
        if self._restarts:
            for r, w in enumerate(self.plans.worlds):
                self.plans.next_day[r] = w.env.peek()
