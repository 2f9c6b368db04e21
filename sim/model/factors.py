"""Every price response of a step in one pass: each is a log-linear factor of prices.

Each response factor is exp(Σ coefficient × (log price A − log price B)) of its node's
(market, product), bounded below and above, where A and B are today's price, the reference
price, or a first-order smoothing of the price (in logs, time constant `adjustment_days`):

- demand:     short × (today − reference) + (long − short) × (smoothed − reference)
- scrap:      elasticity × (smoothed − reference), at most max_factor
- supply:     elasticity × (smoothed − reference), at most max_factor (0 for `except` mines)
- precaution: elasticity × (today − smoothed trend), within [min_factor, max_factor]

The arrays are tiny (a few dozen nodes), so a handful of array operations over all the terms
at once costs far less than a few per response; see market.py for what each factor does.
"""

from __future__ import annotations

import copy

import numpy as np

from sim.model.network import CONSUMER, MINE, PROCESSOR, Network, NodeInfo
from sim.model.prices import Prices, market_of
from sim.scenario.market import Market as MarketSpec

TODAY, REFERENCE = 0, 1
"""Layers of the log-price stack: today's, the reference; smoothings follow from 2."""


def bought(node: NodeInfo) -> str:
    """The product a node buys or makes (a processor: its input)."""
    return node.spec.inputs[0] if node.kind == PROCESSOR else node.spec.product


class Factors:
    """The terms of every response, their smoothings, and the factors they give."""

    def __init__(self, spec: MarketSpec, prices: Prices, net: Network, scrap_to: list[int],
                 step_days: int):
        self.prices, self.size = prices, prices.log_stage_reference.size
        self.pulls: list[float] = []  # one per smoothing layer
        self.terms: list[tuple[int, int, int, int, float]] = []  # entity, cell, a, b, coef
        self.bounds: list[tuple[float, float]] = []  # per entity
        self.parts: dict[str, slice] = {}
        consumers, mines = net.of_kind(CONSUMER), net.of_kind(MINE)
        buyers = [n for n in net.nodes if n.kind != MINE]
        self.buyer_rows = np.array([net.holding_row(n.index) for n in buyers], dtype=np.int64)
        if spec.demand:
            d = spec.demand
            long_ = self._smoothing(d.adjustment_days, step_days)
            self._add("demand", consumers, [(TODAY, REFERENCE, d.short_run_elasticity),
                                            (long_, REFERENCE, d.long_run_elasticity
                                             - d.short_run_elasticity)], (0.0, np.inf))
        if spec.scrap:
            s = spec.scrap
            self._add("scrap", [net.nodes[i] for i in scrap_to],
                      [(self._smoothing(s.adjustment_days, step_days), REFERENCE,
                        s.elasticity)], (0.0, s.max_factor))
        if spec.supply:
            u, excepted = spec.supply, set(spec.supply.except_)
            layer = self._smoothing(u.adjustment_days, step_days)
            self._add("supply", mines, [(layer, REFERENCE, u.elasticity)], (0.0, u.max_factor),
                      keep=[m.country not in excepted for m in mines])
        if spec.precaution:
            p = spec.precaution
            self._add("precaution", buyers, [(TODAY, self._smoothing(p.adjustment_days,
                                                                      step_days), p.elasticity)],
                      (p.min_factor, p.max_factor))
        self.logs = np.repeat(prices.log_stage_reference.reshape(1, -1), len(self.pulls), 0)
        self._pull = np.array(self.pulls).reshape(-1, 1)
        entity, cell, a, b, coef = (np.array(x) for x in zip(*self.terms, strict=True)) \
            if self.terms else (np.zeros(0, dtype=np.int64),) * 4 + (np.zeros(0),)
        self.entity, self.coef = entity.astype(np.int64), coef.astype(float)
        self.cell_a = (a * self.size + cell).astype(np.int64)  # into the flat stack
        self.cell_b = (b * self.size + cell).astype(np.int64)
        self.low, self.high = (np.array(x, dtype=float) for x in zip(*self.bounds, strict=True)) \
            if self.bounds else (np.zeros(0), np.zeros(0))
        self.values = np.ones(len(self.bounds))

    def replica(self, prices: Prices) -> Factors:
        """These factors, as built, in one replication: over its own `prices`, with its own
        smoothings and factors."""
        twin = copy.copy(self)
        twin.prices, twin.logs, twin.values = prices, self.logs.copy(), self.values.copy()
        return twin

    def _smoothing(self, days: float, step_days: int) -> int:
        """A new smoothing layer with this time constant; its layer index."""
        self.pulls.append(min(1.0, step_days / days))
        return 1 + len(self.pulls)

    def _add(self, name: str, nodes: list[NodeInfo], terms: list[tuple[int, int, float]],
             bounds: tuple[float, float], keep: list[bool] | None = None) -> None:
        """One response's entities (a node each) and their terms (layer a, layer b, coef);
        an entity not kept gets no term (factor 1)."""
        first = len(self.bounds)
        n_products = len(self.prices.product)
        for j, node in enumerate(nodes):
            cell = market_of(node.country) * n_products + self.prices.product[bought(node)]
            if keep is None or keep[j]:
                self.terms += [(first + j, cell, a, b, coef) for a, b, coef in terms]
            self.bounds.append(bounds if keep is None or keep[j] else (1.0, 1.0))
        self.parts[name] = slice(first, len(self.bounds))

    def update(self) -> None:
        """End of a step: the smoothings move toward today's prices; every factor is set."""
        prices = self.prices
        if self.pulls:
            self.logs += (prices.log_stage.reshape(1, -1) - self.logs) * self._pull
        stack = np.concatenate((prices.log_stage.reshape(-1), prices.log_stage_reference
                                .reshape(-1), self.logs.reshape(-1)))
        exponent = np.bincount(self.entity, self.coef * (stack[self.cell_a]
                                                         - stack[self.cell_b]),
                               minlength=self.values.size)
        self.values = np.minimum(np.maximum(np.exp(exponent), self.low), self.high)

    def part(self, name: str) -> np.ndarray | None:
        """One response's factors (a view), or None if the scenario has no such response."""
        where = self.parts.get(name)
        return None if where is None else self.values[where]

