"""Step 6's allocation (allocation.py) for R replications: priority levels in turn, pro rata
within a level, quotas, then re-offer rounds, each replication under its own rules.

Arrays are [rep, edge]; sums per supplier are one bincount over rep × supplier, taking the
edges in the order the single engine does, so the sums are the same. Where the single
engine takes a branch per step (re-offer or not; a lone request served in scalars), the
batch takes it per replication with a mask, with the same arithmetic. A re-offer's requests
cover every edge the level may re-offer to under some replication's rules, in preference
order; an edge a replication may not re-offer to is masked out, never asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.batch import compiled
from sim.model.batch.cells import per_rep_bincount, segment_sums
from sim.model.batch.rules import BatchRules
from sim.model.batch.state import BatchState
from sim.model.edges import EdgeTables
from sim.model.tolerances import EPS, ZERO


@dataclass
class BatchLevel:
    """One priority level's edges (`rows`, None for all), and every edge it may re-offer to
    (`asks`, buyer by buyer in list order) with where each buyer's asks begin."""

    rows: np.ndarray | None
    suppliers: np.ndarray
    holding: np.ndarray
    asks: np.ndarray
    ask_suppliers: np.ndarray
    ask_holding: np.ndarray
    group_first: np.ndarray  # per ask, the index (in asks) of its buyer's first ask

    @classmethod
    def of(cls, edges: EdgeTables, rows: np.ndarray) -> BatchLevel:
        """The level of the edges `rows` (every edge that may ever re-offer: `chosen` or
        under a quota; the rules in force mask them per replication)."""
        in_level = np.zeros(edges.supplier.size, dtype=bool)
        in_level[rows] = True
        asks = edges.preference[in_level[edges.preference]]
        holding = edges.holding_row[asks]
        starts = np.r_[True, holding[1:] != holding[:-1]] if asks.size else np.zeros(0, bool)
        group_first = np.maximum.accumulate(np.where(starts, np.arange(asks.size), 0))
        return cls(None if rows.size == edges.supplier.size else rows, edges.supplier[rows],
                   edges.holding_row[rows], asks, edges.supplier[asks], holding, group_first)


@dataclass
class FlatLevels:
    """The levels' edges and asks end to end, for the compiled allocation: level L's edges
    are `rows[level_start[L]:level_start[L + 1]]`, its asks likewise."""

    level_start: np.ndarray
    rows: np.ndarray
    ask_start: np.ndarray
    asks: np.ndarray

    @classmethod
    def of(cls, level_rows: list[np.ndarray], levels: list[BatchLevel]) -> FlatLevels:
        """From the edges' level rows and the BatchLevels' asks (none if no edge)."""
        def flat(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
            starts = np.r_[0, np.cumsum([p.size for p in parts], dtype=np.int64)]
            return starts, np.concatenate([np.zeros(0, np.int64), *parts]).astype(np.int64)
        return cls(*flat(level_rows), *flat([lv.asks for lv in levels]))


class BatchAllocation:
    """Grants [rep, edge] for requests [rep, edge] under each replication's rules."""

    def __init__(self, edges: EdgeTables, rules: BatchRules, state: BatchState):
        self.edges, self.rules, self.state = edges, rules, state
        self.quotas = rules.quotas
        self.levels = [BatchLevel.of(edges, rows) for rows in edges.level_rows]
        self.n_nodes = state.n
        self.left_t = np.zeros(rules.quotas.per_step_t.shape)  # each quota's allowance left
        self.flat = FlatLevels.of(edges.level_rows, self.levels)
        # compiled where there are several levels: NumPy pays ~20 calls a level and round
        # whatever R (baseline, 4 levels, R=64: 230 µs a step compiled, 551 NumPy); with one
        # level its array operations beat loops (toy, R=200: 121 µs compiled, 65 NumPy)
        self.kernel = compiled.kernel() if len(self.levels) > 1 else None  # None: NumPy

    def allocate(self, need: np.ndarray, request: np.ndarray, available: np.ndarray,
                 whole: np.ndarray) -> np.ndarray:
        """Allocation.allocate for every replication (`whole` per replication)."""
        rules = self.rules
        if self.kernel is not None and not rules.anywhere.masked:
            filled = np.empty(request.shape)
            flat, edges = self.flat, self.edges
            self.kernel(need, request, available, whole, filled, edges.supplier, edges.holding_row,
                   flat.level_start, flat.rows, flat.ask_start, flat.asks, rules.reoffered,
                   rules.refused, self.quotas.on_quota, self.left_t)
            return filled
        rest = need.copy()
        filled = np.empty(request.shape)
        for level in self.levels:
            asked = request if level.rows is None else request[:, level.rows]
            granted = self._serve(asked, available, level.suppliers, level.rows)
            if level.rows is None:
                filled = granted
            else:
                filled[:, level.rows] = granted
            if not level.asks.size or not rules.anywhere.reoffered:
                continue
            open_asks = rules.reoffered[:, level.asks]
            active = (open_asks & (available[:, level.ask_suppliers] > EPS)).any(axis=1) \
                & ~(whole & ~(granted < asked).any(axis=1))
            if not active.any():
                continue
            rest -= per_rep_bincount(level.holding, granted, rest.shape[1])
            self._reoffer(level, rest, filled, available, active[:, None] & open_asks)
        return filled

    def _serve(self, request: np.ndarray, available: np.ndarray, suppliers: np.ndarray,
               rows: np.ndarray | None) -> np.ndarray:
        """Allocation._serve_level: pro rata to what each supplier has, then quota cuts."""
        n = self.n_nodes
        asked = per_rep_bincount(suppliers, request, n)
        fraction = np.minimum(np.maximum(available, ZERO), asked) / np.maximum(asked, EPS)
        granted = request * fraction[:, suppliers]
        if self.quotas.n_quotas:
            self._cut_to_quotas(granted, rows)
        available -= per_rep_bincount(suppliers, granted, n)
        return granted

    def _cut_to_quotas(self, granted: np.ndarray, rows: np.ndarray | None) -> None:
        """Grants on each quota's edges cut pro rata to what the quota has left, per
        replication in scalars as the single engine."""
        on_quota = self.quotas.on_quota
        for r in np.flatnonzero(self.quotas.any_quota).tolist():
            for q in range(self.quotas.n_quotas):
                mine = on_quota[r, q] if rows is None else on_quota[r, q, rows]
                if not mine.any():
                    continue
                asked_q = float(granted[r][mine].sum())
                if asked_q > 0:
                    scale = min(1.0, self.left_t[r, q] / asked_q)
                    granted[r, mine] *= scale
                    self.left_t[r, q] = max(0.0, self.left_t[r, q] - asked_q * scale)

    def _serve_one(self, reps: np.ndarray, edges: np.ndarray, request: np.ndarray,
                   available: np.ndarray) -> np.ndarray:
        """Allocation._serve_one for one edge in each of `reps`: min(request, what its
        supplier has left), at most what its quota has left."""
        suppliers = self.edges.supplier[edges]
        granted = np.maximum(0.0, np.minimum(request, available[reps, suppliers]))
        if self.quotas.n_quotas:
            for i, (r, e) in enumerate(zip(reps.tolist(), edges.tolist(), strict=True)):
                q = np.flatnonzero(self.quotas.on_quota[r, :, e])
                if q.size:
                    granted[i] = min(granted[i], self.left_t[r, q[0]])
                    self.left_t[r, q[0]] = max(0.0, self.left_t[r, q[0]] - granted[i])
        available[reps, suppliers] -= granted
        return granted

    def allowed_t(self, reps: np.ndarray, edges: np.ndarray) -> np.ndarray:
        """Tonnes of allowed origins each edge's supplier holds, for each (rep, edge)."""
        ring = self.state.goods
        allowed = self.state.held[:, ring.source] * self.rules.edge_mask_cells
        return segment_sums(allowed, ring.first)[reps, edges]

    def cap_to_allowed(self, request: np.ndarray, granted: np.ndarray | None = None,
                       asks: np.ndarray | None = None) -> None:
        """Allocation.cap_to_allowed: requests on origin-restricted edges (of `asks`, all
        edges if None) at most what their supplier holds of allowed origins, less what the
        edge was `granted` already."""
        edges = np.arange(request.shape[1]) if asks is None else asks
        at = self.rules.is_masked[:, edges]
        if not at.any():
            return
        reps, cols = np.nonzero(at)
        allowed = self.allowed_t(reps, edges[cols])
        if granted is not None:
            allowed = np.maximum(allowed - granted[reps, cols], ZERO)
        request[reps, cols] = np.minimum(request[reps, cols], allowed)

    def _reoffer(self, level: BatchLevel, rest: np.ndarray, filled: np.ndarray,
                 available: np.ndarray, may: np.ndarray) -> None:
        """Allocation._reoffer for every replication: rounds until no replication has a
        request left. `may` [rep, ask]: the asks each replication may still make."""
        asks, buyer_of = level.asks, level.ask_holding
        may &= rest[:, buyer_of] > EPS
        if self.rules.anywhere.licensed:
            may &= ~self.rules.refused[:, asks]
        while True:
            may &= available[:, level.ask_suppliers] > EPS
            if self.quotas.n_quotas:
                spent = self.left_t <= EPS  # [rep, quota]
                for q in np.flatnonzero(spent.any(axis=0)).tolist():
                    may &= ~(spent[:, q, None] & self.quotas.on_quota[:, q, asks])
            n_live = may.sum(axis=1)
            if not n_live.any():
                return
            lone = np.flatnonzero(n_live == 1)
            if lone.size:
                self._lone(level, lone, may[lone].argmax(axis=1), rest, filled, available)
                may[lone] = False
            if (n_live > 1).any():
                self._round(level, may & (n_live > 1)[:, None], may, rest, filled, available)

    def _lone(self, level: BatchLevel, reps: np.ndarray, at: np.ndarray, rest: np.ndarray,
              filled: np.ndarray, available: np.ndarray) -> None:
        """One buyer asks one supplier (one live ask in each of `reps`): in scalars."""
        edges, buyers = level.asks[at], level.ask_holding[at]
        request = rest[reps, buyers]
        masked = self.rules.is_masked[reps, edges]
        if masked.any():
            capped = self.allowed_t(reps[masked], edges[masked]) - filled[reps[masked],
                                                                          edges[masked]]
            request[masked] = np.minimum(request[masked], capped)
        asking = request > EPS
        granted = np.zeros(reps.size)
        if asking.any():
            granted[asking] = self._serve_one(reps[asking], edges[asking], request[asking],
                                              available)
        filled[reps, edges] += granted
        rest[reps, buyers] -= granted

    def _round(self, level: BatchLevel, live: np.ndarray, may: np.ndarray, rest: np.ndarray,
               filled: np.ndarray, available: np.ndarray) -> None:
        """One round where several asks are live: each buyer asks its first live supplier;
        a replication left with one request serves it in scalars, the others pro rata."""
        asks, buyer_of = level.asks, level.ask_holding
        count = np.cumsum(live, axis=1)
        before = np.where(level.group_first > 0, count[:, level.group_first - 1], 0) \
            if asks.size else count
        picked = live & (count - before == 1)
        may &= ~picked
        request = np.where(picked, rest[:, buyer_of], 0.0)
        if self.rules.anywhere.masked:
            self.cap_to_allowed(request, filled[:, asks], asks)
        asking = picked & (request > EPS)
        n_asking = asking.sum(axis=1)
        one = np.flatnonzero(n_asking == 1)
        if one.size:
            at = asking[one].argmax(axis=1)
            granted = self._serve_one(one, asks[at], request[one, at], available)
            filled[one, asks[at]] += granted
            rest[one, buyer_of[at]] -= granted
        several = n_asking > 1
        if several.any():
            request = np.where(asking & several[:, None], request, 0.0)
            granted = self._serve(request, available, level.ask_suppliers, asks)
            filled[:, asks] += granted
            rest -= per_rep_bincount(buyer_of, granted, rest.shape[1])
        may &= rest[:, buyer_of] > EPS
