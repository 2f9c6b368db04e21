"""Step 6's allocation: suppliers serve the orders they receive, by priority, and re-offer.

Priority levels are served one after another, highest (lowest number) first. Within a
level, each supplier serves the orders it receives from stock pro rata; banned or blocked
edges get nothing, quota-controlled edges at most what the quota has left (shared pro rata
by the quota's edges when it binds). Then the level's unfilled rest is re-offered in rounds:
each buyer asks the first supplier of its list that still has stock it may take and that it
has not re-asked yet (so a supplier that could not fill is skipped), and suppliers serve
the round's requests pro rata. Only then does the next level order, so a defense buyer's
re-offer comes before a commercial buyer's first order. What is still unfilled is dropped.
Every round works on arrays over edges: a request per edge, sums per supplier by bincount.
"""

from __future__ import annotations

import numpy as np

from sim.model.edges import EdgeTables
from sim.model.rules import Level, RulesInForce, StepRules
from sim.model.state import State
from sim.model.tolerances import EPS, ZERO


class Allocation:
    """Grants per edge for requests per edge, under the rules in force."""

    def __init__(self, edges: EdgeTables, rules: RulesInForce, state: State):
        self.edges, self.rules, self.state = edges, rules, state
        self.step: StepRules = rules.fixed  # this step's border rules (set by allocate)

    def allocate(self, need: np.ndarray, request: np.ndarray, available: np.ndarray,
                 step: StepRules, whole: bool = False) -> np.ndarray:
        """Tonnes granted per edge: each priority level's first orders, then its re-offers, one
        level after another, highest first (lower levels get what the higher ones left),
        under this `step`'s border rules (edges refused a licence take no re-offer either).
        `whole`: no request was cut before (no edge closed, refused or capped by an origin
        rule), so a level whose requests were all granted has nothing to re-offer."""
        self.step = step
        rest = None  # what each buyer still lacks, once a level re-offers
        filled = np.empty(request.size) if len(self.rules.levels) != 1 else None
        for level in self.rules.levels:
            asked = request if level.rows is None else request[level.rows]
            granted = self._serve_level(asked, available, level.suppliers, level.rows)
            if level.rows is None:  # one level: every edge
                filled = granted
            else:
                filled[level.rows] = granted
            if not level.asks.size or not np.count_nonzero(available[level.ask_suppliers] > EPS):
                continue  # nothing left to re-offer (the usual step with scarce supply)
            if not (whole and not np.count_nonzero(granted < asked)):
                if rest is None:
                    rest = need.copy()
                rest -= np.bincount(level.holding, granted, minlength=rest.size)
                self._reoffer(level, rest, filled, available)
        return filled

    def cap_to_allowed(self, request: np.ndarray, rows: np.ndarray | None = None,
                       granted: np.ndarray | None = None, step: StepRules | None = None
                       ) -> None:
        """Requests of origin-restricted buyers (per edge of `rows`, every edge if None): at most
        what the supplier holds of allowed origins, less what the edge was `granted` already."""
        if step is not None:
            self.step = step
        if rows is None:
            at = capped = self.step.masked_edges
        else:
            at = self.step.is_masked_edge[rows]
            capped = rows[at]
        if capped.size:
            suppliers = self.edges.supplier[capped]
            allowed = (self.state.stock[suppliers] * self.step.edge_mask[capped]) \
                .dot(self.state.ones)
            if granted is not None:
                allowed = np.maximum(allowed - granted[at], ZERO)
            request[at] = np.minimum(request[at], allowed)

    def _serve_rows(self, request: np.ndarray, available: np.ndarray,
                    rows: np.ndarray) -> np.ndarray:
        """Tonnes granted on the edges `rows`, all of one priority level, to `request` (per edge
        of `rows`): pro rata to each supplier's `available` (updated)."""
        if rows.size == 1:  # the usual re-offer: cheaper in scalars
            return np.array([self._serve_one(int(rows[0]), float(request[0]), available)])
        return self._serve_level(request, available, self.edges.supplier[rows], rows)

    def _serve_level(self, request: np.ndarray, available: np.ndarray,
                     suppliers: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Grant requests of one priority pro rata to what each supplier has available, then cut
        grants on a quota's edges pro rata to what the quota has left."""
        asked = np.bincount(suppliers, request, minlength=available.size)
        fraction = np.minimum(np.maximum(available, ZERO), asked) / np.maximum(asked, EPS)
        granted = request * fraction[suppliers]
        for quota, on_quota in self.rules.quota_edges:
            mine = on_quota if rows is None else on_quota[rows]
            asked_q = float(granted[mine].sum())
            if asked_q > 0:
                scale = min(1.0, quota.left_t / asked_q)
                granted[mine] *= scale
                quota.left_t = max(0.0, quota.left_t - asked_q * scale)
        available -= np.bincount(suppliers, granted, minlength=available.size)
        return granted

    def _serve_one(self, edge: int, request: float, available: np.ndarray) -> float:
        """Pro rata with a single request, in scalars: min(request, what its supplier has left),
        at most what its quota has left."""
        supplier = int(self.edges.supplier[edge])
        granted = max(0.0, min(request, float(available[supplier])))
        quota = self.rules.quota_of.get(edge)
        if quota is not None:
            granted = min(granted, quota.left_t)
            quota.left_t = max(0.0, quota.left_t - granted)
        available[supplier] -= granted
        return granted

    def _reoffer(self, level: Level, rest: np.ndarray, filled: np.ndarray,
                 available: np.ndarray) -> None:
        """Re-offer the unfilled `rest` (by holding row) of one level's buyers in rounds, adding
        grants to `filled`.

        In a round each buyer asks, for all it still lacks, the first supplier in its list that
        has stock left, that it may ask (quota not spent) and that it has not re-asked yet;
        every supplier serves the requests it receives pro rata. Every edge is re-asked at most
        once, so the rounds end. Without a quota in force only buyers with more than one
        supplier can gain (a sole supplier has given all it had, or all an origin rule allows);
        a quota caps grants after they are shared pro rata, which can leave stock that the
        supplier's other buyers missed, so then every open edge may ask (rules.reoffered). An
        origin-restricted buyer asks only for allowed tonnes not yet granted on the edge.
        """
        buyer_of = level.ask_holding
        may = rest[buyer_of] > EPS  # per edge of level.asks, in preference order
        if self.step.refused is not None:
            may &= ~self.step.refused[level.asks]
        while True:
            may &= available[level.ask_suppliers] > EPS
            for quota, on_quota in level.ask_quotas:
                if quota.left_t <= EPS:
                    may &= ~on_quota
            live = may.nonzero()[0]
            if not live.size:
                return
            if live.size == 1:  # one buyer asks one supplier: in scalars
                may[live] = False
                edge, buyer = int(level.asks[live[0]]), int(buyer_of[live[0]])
                request = float(rest[buyer])
                if self.step.is_masked_edge[edge]:
                    request = min(request, self._allowed_t(edge) - float(filled[edge]))
                granted = self._serve_one(edge, request, available) if request > EPS else 0.0
                filled[edge] += granted
                rest[buyer] -= granted
                return
            buyers = buyer_of[live]
            first = np.empty(live.size, dtype=bool)
            first[0] = True
            first[1:] = buyers[1:] != buyers[:-1]  # the first live edge of each buyer
            picked = live[first]
            may[picked] = False  # each edge is re-asked once
            asks, buyers = level.asks[picked], buyers[first]
            request = rest[buyers]
            if self.step.masked_edges.size:
                self.cap_to_allowed(request, asks, filled[asks])
                asking = request > EPS
                asks, buyers, request = asks[asking], buyers[asking], request[asking]
                if not asks.size:
                    continue
            granted = self._serve_rows(request, available, asks)
            filled[asks] += granted
            rest[buyers] -= granted
            may &= rest[buyer_of] > EPS

    def _allowed_t(self, edge: int) -> float:
        """Tonnes of the origins its buyer may take that an edge's supplier holds."""
        stock = self.state.stock[self.edges.supplier[edge]]
        return float((stock * self.step.edge_mask[edge]).dot(self.state.ones))
