"""Prices and price factors (prices.py, factors.py) for R replications at once.

The same arithmetic as the single engine's, with a replication axis: each market's cover,
the price it indicates and one adjustment step, every product's price, the smoothed log
prices and every response factor. The few scalars the single engine computes with `math`
(each market's log cover ratio and its price) are computed with `math` here too, one value
at a time (or compiled, loops.adjust_prices, whose math is libm's too), since numpy's exp
and log differ from libm's in the last bit; every other
operation is numpy's in both engines. Parameters are stacked from each replication's own
Prices and Factors (an uncertain elasticity may differ between replications).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.batch import jit, loops
from sim.model.batch.cells import per_rep_bincount
from sim.model.batch.rules import BatchRules
from sim.model.market import Market
from sim.model.prices import COVER_FLOOR


def _stack(values: list) -> np.ndarray:
    return np.array([np.asarray(v, dtype=float) for v in values])


class BatchPrices:
    """APT price per replication and market, its history, and the products' prices."""

    def __init__(self, markets: list[Market], steps: int):
        prices = [m.prices for m in markets]
        p = prices[0]
        self.log_reference = _stack([x.log_reference for x in prices])  # [rep, market]
        self.reference_cover = _stack([x.reference_cover for x in prices])
        self.sensitivity = _stack([x.sensitivity for x in prices])
        self.pull = _stack([x.pull for x in prices])
        self.log_price = self.log_reference.copy()
        self.spread = _stack([x.spread for x in prices])[:, None, :]  # [rep, 1, product]
        self.floor = _stack([x.floor for x in prices])
        self.stage = _stack([x.stage for x in prices])
        self.log_stage = _stack([x.log_stage for x in prices])
        self.log_stage_reference = _stack([x.log_stage_reference for x in prices])
        self.in_market, self.route_weight, self.route_edges = p.in_market, p.route_weight, \
            p.route_edges
        self.product = p.product
        self.counted_up_to = _stack([x.counted_up_to for x in prices])  # [rep, row]: overhang
        reps = len(markets)
        self.history = np.zeros((reps, steps, 2))
        self.cover_history = np.zeros((reps, steps, 2))
        self.openness_history = np.ones((reps, steps))
        self.compiled = jit.enabled()

    def update(self, k: int, held_t: np.ndarray, use_per_day: np.ndarray,
               rules: BatchRules) -> None:
        """Prices.update for every replication: cover, indicated price, one adjustment."""
        counted = np.minimum(held_t, self.counted_up_to)  # a seller's overhang does not count
        stocks = np.matmul(self.in_market, counted[:, :, None])[:, :, 0]  # [rep, market]
        openness = self.openness_history[:, k] = self.openness(k, rules)
        if self.compiled:
            price, cover = np.empty_like(self.log_price), np.empty_like(self.log_price)
            loops.adjust_prices(stocks, use_per_day, openness, self.reference_cover,
                                COVER_FLOOR, self.log_reference, self.sensitivity, self.pull,
                                self.log_price, price, cover)
        else:
            price, cover = self._adjust(stocks, use_per_day, openness)
        self.history[:, k], self.cover_history[:, k] = price, cover
        stage = price[:, :, None] + self.spread
        self.stage = np.maximum(stage, self.floor, out=stage)
        self.log_stage = np.log(stage)

    def _adjust(self, stocks: np.ndarray, use_per_day: np.ndarray,
                openness: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prices.update's cover ratio and price step for every replication (as
        loops.adjust_prices): the new prices and the covers in days, [rep, market]."""
        ratio = self._cover_ratio(stocks, use_per_day, openness)
        logs = np.array([math.log(v) for v in np.maximum(ratio, COVER_FLOOR).ravel().tolist()])
        indicated = self.log_reference + self.sensitivity * logs.reshape(ratio.shape)
        self.log_price += (indicated - self.log_price) * self.pull
        price = np.array([math.exp(v) for v in self.log_price.ravel().tolist()]) \
            .reshape(self.log_price.shape)
        return price, np.where(use_per_day > 0, stocks / np.where(use_per_day > 0, use_per_day,
                                                                  1.0), 0.0)

    def _cover_ratio(self, stocks: np.ndarray, use: np.ndarray,
                     openness: np.ndarray) -> np.ndarray:
        """Prices.cover_ratio per replication (1 where nobody uses anything)."""
        wanted = use * self.reference_cover
        total = wanted[:, 0] + wanted[:, 1]
        none = total <= 0
        pooled = ((stocks[:, 0] + stocks[:, 1]) / np.where(none, 1.0, total))[:, None]
        own = np.where(wanted > 0, stocks / np.where(wanted > 0, wanted, 1.0), pooled)
        ratio = openness[:, None] * pooled + (1.0 - openness[:, None]) * own
        return np.where(none[:, None], 1.0, ratio)

    def openness(self, k: int, rules: BatchRules) -> np.ndarray:
        """Prices.openness per replication: the share of China's export routes open."""
        reps = rules.open.shape[0]
        if not self.route_edges.size:
            return np.ones(reps)
        open_ = rules.open[:, self.route_edges].astype(float)
        quotas = rules.quotas
        for r in np.flatnonzero(quotas.any_quota).tolist() if quotas.n_quotas else ():
            for q, quota in enumerate(rules.plans.worlds[r].controls.quotas):
                on = quotas.on_quota[r, q, self.route_edges]
                open_[r, on] *= quota.event.allowed_fraction
        for r in np.flatnonzero(rules.border.licensed).tolist() if rules.anywhere.licensed \
                else ():
            for licence in rules.border.licences[r]:
                on = np.isin(self.route_edges, licence.edges)
                open_[r, on] *= licence.approval[k]
        return (open_ * self.route_weight).sum(axis=1)  # the single engine: a 1-D dot

    def stage_history(self, r: int) -> np.ndarray:
        """Replication r's products' prices on every step, [step, market, product]."""
        return np.maximum(self.history[r][:, :, None] + self.spread[r], self.floor[r])


class BatchFactors:
    """Factors.update for every replication: smoothings and bounded log-linear factors."""

    def __init__(self, markets: list[Market], prices: BatchPrices):
        factors = [m.factors for m in markets]
        f = factors[0]
        self.prices, self.parts = prices, f.parts
        self.entity, self.cell_a, self.cell_b = f.entity, f.cell_a, f.cell_b
        self.coef = _stack([x.coef for x in factors])  # [rep, term]
        self.low, self.high = _stack([x.low for x in factors]), _stack([x.high for x in factors])
        self.logs = _stack([x.logs for x in factors])  # [rep, layer, cell]
        self.pull = _stack([x._pull for x in factors]) if f.pulls else None
        self.values = np.ones(self.low.shape)
        self.compiled, self.no_pull = jit.enabled(), np.zeros((0, 0, 0))

    def update(self) -> None:
        """End of a step: smoothings toward today's prices; every factor set."""
        prices, reps = self.prices, self.logs.shape[0]
        if self.compiled:
            exponent = np.empty(self.values.shape)
            loops.factor_exponents(prices.log_stage.reshape(reps, -1),
                                   prices.log_stage_reference.reshape(reps, -1), self.logs,
                                   self.pull if self.pull is not None else self.no_pull,
                                   self.pull is not None, self.entity, self.coef, self.cell_a,
                                   self.cell_b, exponent)
            self.values = np.minimum(np.maximum(np.exp(exponent), self.low), self.high)
            return
        if self.pull is not None:
            self.logs += (prices.log_stage.reshape(reps, 1, -1) - self.logs) * self.pull
        stack = np.concatenate((prices.log_stage.reshape(reps, -1),
                                prices.log_stage_reference.reshape(reps, -1),
                                self.logs.reshape(reps, -1)), axis=1)
        exponent = per_rep_bincount(self.entity, self.coef * (stack[:, self.cell_a]
                                                              - stack[:, self.cell_b]),
                                    self.values.shape[1])
        self.values = np.minimum(np.maximum(np.exp(exponent), self.low), self.high)

    def part(self, name: str) -> np.ndarray | None:
        """One response's factors [rep, entity], or None if there is no such response."""
        where = self.parts.get(name)
        return None if where is None else self.values[:, where]

