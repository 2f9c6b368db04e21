"""Prices: stock-coverage pricing per market (Sterman, *Business Dynamics*, ch. 20).

Two markets, `ex_china` (index 0) and `china` (index 1): a node belongs to `china` if it is
located in CN. At the end of each step each market's cover is measured: the tungsten held by
its nodes (stockpiles excepted; goods on the way are in nobody's hands and do not count),
over its consumers' expected use per day. A seller's stock (a mine's, a processor's output)
counts only up to OVERHANG_DAYS of what its buyers nominally take from it: beyond that it
is an overhang no buyer on the network is set up to take (Kazakh APT that only the U.S.
converters buy, at their share), and counting it would signal plenty to buyers who cannot
reach it. The price it indicates is

    indicated = reference_price × (effective cover / reference_cover) ^ sensitivity,

and the price closes the gap in log terms by step_days / adjustment_days of it each step (a
first-order adjustment). China's exports link the two markets: the effective cover ratio is
openness × the pooled ratio of both markets + (1 − openness) × the market's own, where
openness is the share of China's export routes to ex-China buyers open now (weighted by the
buyers' nominal rates: a ban closes a route, a quota opens its allowed fraction, a licence
regime its approval probability). With trade open both prices move together; export
controls separate them (a wedge). A product's price is its market's APT price plus the
product's spread, and never less than PRICE_FLOOR of its reference.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from sim.model.network import MINE, PROCESSOR, STOCKPILE, Network
from sim.model.rules import RulesInForce
from sim.scenario.market import Market

MARKETS = ("ex_china", "china")
COVER_FLOOR = 0.02
"""The least cover ratio a price is indicated for: with no stock at all the price would be
infinite; at sensitivity −1 this caps the indicated price at 50 × reference."""
PRICE_FLOOR = 0.05
"""A product's price (APT price + spread) never falls below this share of its reference."""
OVERHANG_DAYS = 365.0
"""A seller's stock counts in its market's cover up to this many days of its buyers' nominal
take (Σ over its buyers of share × demand or capacity). An assumption (UNSOURCED): a year of
orders; in the shipped scenarios only kazakh-online's stranded Kazakh APT reaches it (the
baseline's sellers peak at 265 days)."""
KG_W_PER_MTU = 7.93
"""1 mtu WO3 = 10 kg WO3 = 7.93 kg W: $/t W = $/mtu × 1000 / 7.93."""


def market_of(country: str) -> int:
    """The market a node located in `country` belongs to."""
    return 1 if country == "CN" else 0


class Prices:
    """Each market's APT price, its history, and every product's price derived from it."""

    def __init__(self, spec: Market, net: Network, n_steps: int, step_days: int):
        forms = (spec.ex_china, spec.china)
        self.log_reference = [math.log(f.reference_price) for f in forms]
        self.reference_cover = [f.reference_cover_days for f in forms]
        self.sensitivity = [f.sensitivity for f in forms]
        self.pull = [min(1.0, step_days / f.adjustment_days) for f in forms]
        self.log_price = list(self.log_reference)
        self._openness: tuple[object, float] = (None, 1.0)  # (rules, openness) when fixed
        self.history = np.zeros((n_steps, 2))  # APT price by step, market
        products = net.scenario.products
        self.product = {p: i for i, p in enumerate(products)}
        self.spread = np.array([spec.spreads.get(p, 0.0) for p in products])
        references = np.array([f.reference_price for f in forms])
        self.stage_reference = references[:, None] + self.spread[None, :]  # [market, product]
        self.stage = self.stage_reference.copy()
        self.log_stage_reference = np.log(self.stage_reference)
        self.log_stage = self.log_stage_reference.copy()  # read by the responses
        self.floor = PRICE_FLOOR * self.stage_reference
        self.in_market = _holding_rows_by_market(net)  # [market, holding row] 0/1
        self.counted_up_to = _overhang_caps(net)  # t per holding row (inf: no cap)
        self.route_weight, self.route_edges = _export_routes(net)
        self.cover_history = np.zeros((n_steps, 2))  # days, by step and market
        self.openness_history = np.ones(n_steps)

    def replica(self) -> Prices:
        """These prices, as built, in one replication: its own prices and their history."""
        twin = copy.copy(self)
        twin.log_price, twin._openness = list(self.log_price), (None, 1.0)
        twin.stage, twin.log_stage = self.stage.copy(), self.log_stage.copy()
        twin.history = np.zeros_like(self.history)
        twin.cover_history = np.zeros_like(self.cover_history)
        twin.openness_history = np.ones_like(self.openness_history)
        return twin

    def update(self, k: int, held_t: np.ndarray, use_per_day: np.ndarray,
               rules: RulesInForce) -> None:
        """End of step k: cover by market, the prices it indicates, one adjustment step."""
        stocks = self.in_market.dot(np.minimum(held_t, self.counted_up_to)).tolist()
        use = use_per_day.tolist()
        openness = self.openness_history[k] = self.openness(k, rules)
        ratios = self.cover_ratio(stocks, use, openness)
        log_price = self.log_price
        for m in (0, 1):  # two markets: plain floats are faster than arrays this small
            indicated = self.log_reference[m] + self.sensitivity[m] * math.log(
                max(ratios[m], COVER_FLOOR))
            log_price[m] += (indicated - log_price[m]) * self.pull[m]
        self.history[k] = [math.exp(log_price[0]), math.exp(log_price[1])]
        self.cover_history[k] = [s / u if u > 0 else 0.0 for s, u in zip(stocks, use, strict=True)]
        stage = self.history[k].reshape(2, 1) + self.spread
        self.stage = np.maximum(stage, self.floor, out=stage)
        self.log_stage = np.log(stage)

    def stage_history(self) -> np.ndarray:
        """Every product's price on every step, [step, market, product]."""
        return np.maximum(self.history[:, :, None] + self.spread, self.floor)

    def cover_ratio(self, stocks: list[float], use_per_day: list[float],
                    openness: float) -> list[float]:
        """Each market's effective cover over its reference cover (1 with no use at all)."""
        wanted = [u * c for u, c in zip(use_per_day, self.reference_cover, strict=True)]
        if sum(wanted) <= 0:
            return [1.0, 1.0]
        pooled = sum(stocks) / sum(wanted)
        return [openness * pooled + (1.0 - openness) * (s / w if w > 0 else pooled)
                for s, w in zip(stocks, wanted, strict=True)]

    def openness(self, k: int, rules: RulesInForce) -> float:
        """Share of China's export routes to ex-China buyers open on step k (1 if none)."""
        if not self.route_edges.size:
            return 1.0
        if self._openness[0] is rules:  # the rules have not changed since last step
            return self._openness[1]
        open_ = rules.open[self.route_edges].astype(float)
        for quota, on_quota in rules.quota_edges:
            open_[on_quota[self.route_edges]] *= quota.event.allowed_fraction
        for licence in rules.licences:
            on = np.isin(self.route_edges, licence.edges)
            open_[on] *= licence.approval[k]
        openness = float(self.route_weight.dot(open_))
        if not rules.licences:  # else the approval may change from step to step
            self._openness = (rules, openness)
        return openness


def _holding_rows_by_market(net: Network) -> np.ndarray:
    """[market, holding row]: 1 where the row's stock counts in the market's cover
    (stockpiles' stocks are strategic, not market stock)."""
    rows = np.zeros((2, net.n_holding_rows))
    for node in net.nodes:
        if node.kind == STOCKPILE:
            continue
        m = market_of(node.country)
        rows[m, node.index] = 1.0
        if node.kind == PROCESSOR:
            rows[m, net.holding_row(node.index)] = 1.0
    return rows


def _nominal_rate(spec: object) -> float:
    """A buyer's nominal rate, t/yr: its demand, capacity or (a stockpile) target stock."""
    return getattr(spec, "demand_tpa", None) or getattr(spec, "capacity_tpa", None) or \
        getattr(spec, "target_stock", None) or 0.0


def _overhang_caps(net: Network) -> np.ndarray:
    """Per holding row, the most of its stock that counts in the market's cover: for a
    seller's stock row OVERHANG_DAYS of its buyers' nominal take per day, else no cap."""
    caps = np.full(net.n_holding_rows, np.inf)
    take = np.zeros(len(net.nodes))
    for e in net.edges:
        take[e.supplier] += e.share * _nominal_rate(net.nodes[e.buyer].spec) / 365.0
    for node in net.nodes:
        if node.kind in (MINE, PROCESSOR):
            caps[node.index] = OVERHANG_DAYS * take[node.index]
    return caps


def _export_routes(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """China's routes to ex-China buyers and their weights (summing to 1): each edge's share
    of its buyer's list × the buyer's nominal rate (demand_tpa or capacity_tpa)."""
    routes, weights = [], []
    for e in net.edges:
        seller, buyer = net.nodes[e.supplier], net.nodes[e.buyer]
        if market_of(seller.country) == 1 and market_of(buyer.country) == 0:
            rate = _nominal_rate(buyer.spec) or 1.0
            routes.append(e.index)
            weights.append(e.share * rate)
    weights_ = np.array(weights)
    total = weights_.sum()
    return (weights_ / total if total > 0 else weights_), np.array(routes, dtype=np.int64)
