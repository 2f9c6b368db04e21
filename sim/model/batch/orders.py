"""Step 6 (orders.py) for R replications: needs, live shares, requests, allocation, shipping.

The single engine's Orders.place with a replication axis; each replication's rules in force
and border draws come from BatchRules, its targets and capacities from the stacked tables.
"""

from __future__ import annotations

import numpy as np

from sim.model.batch import jit, loops
from sim.model.batch.allocation import BatchAllocation
from sim.model.batch.cells import as_slice, per_rep_bincount, spread
from sim.model.batch.plans import Plans
from sim.model.batch.rules import BatchRules
from sim.model.batch.state import BatchState
from sim.model.tolerances import EPS, ONE, TINY, ZERO


class BatchOrders:
    """Orders, allocation and shipments of each step, for every replication."""

    def __init__(self, plans: Plans, state: BatchState, rules: BatchRules):
        self.plans, self.state, self.rules = plans, state, rules
        w = plans.worlds[0]
        self.edges, self.processors = w.edges, w.processors
        self.any_backlog = w.consumers.any_backlog
        self.n = len(plans.net.nodes)
        self.mines = w.mines.rows
        self.neither_mine_nor_processor = np.ones(self.n, dtype=bool)
        self.neither_mine_nor_processor[self.mines] = False
        self.neither_mine_nor_processor[self.processors.rows] = False
        self.allocation = BatchAllocation(self.edges, rules, state)
        self.by_level = np.argsort(self.edges.level, kind="stable")
        self.all_whole = np.ones(state.reps, dtype=bool)  # no rule anywhere: all or nothing
        # each stock cell's node and each ring cell's route, for spread
        self.stock_row = as_slice(state.cells.row[: state.cells.n_stock])
        self.route_of_cell = as_slice(state.goods.route)
        self.stock_first = state.cells.first[: self.n + 1]  # each node's cells, compiled
        # each node's column among the mines and among the processors (-1: none), compiled
        self.mine_of, self.processor_of = (_column_of(rows, self.n)
                                           for rows in (self.mines, self.processors.rows))
        self.compiled = jit.enabled()

    def place(self, k: int, targets: tuple[np.ndarray, ...], after: np.ndarray) -> None:
        """Step 6 on step k, with every buyer's target: (target, cover, cover factor, row
        factor) [rep, row], the last three empty without a market (run.py's `_targets`);
        each row's stock after shipping written into `after` [rep, row]."""
        state, edges, rules = self.state, self.edges, self.rules
        held_t = sums = state.row_sums(state.held)  # `sums`: each row's stock, unmasked
        stock_t = held_t[:, : self.n]
        if rules.anywhere.masked_rows:
            held_t = held_t.copy()
            masked = state.row_sums(state.stock * rules.mask_cells[:, : state.stock.shape[1]],
                                    self.n)
            rows = rules.masked_rows
            held_t[:, : self.n] = np.where(rows[:, : self.n], masked, held_t[:, : self.n])
        shares = self._live_shares(k, stock_t, held_t[:, self.n:])
        if self.compiled:
            need, request = np.empty(held_t.shape), np.empty((held_t.shape[0], shares.shape[-1]))
            loops.needs(*targets, held_t, state.on_order, state.backlog, self.any_backlog,
                        edges.holding_row, shares if shares.ndim == 2 else shares[None], need,
                        request)
        else:
            need = _targets(*targets) - held_t - state.on_order
            if self.any_backlog:
                need += state.backlog
            need *= need > EPS
            request = need[:, edges.holding_row] * shares
        rules.step_arrays(k)
        self.allocation.left_t[:] = rules.quotas.per_step_t
        anywhere = rules.anywhere
        if anywhere.masked:
            self.allocation.cap_to_allowed(request)
        if anywhere.blocked:
            request *= rules.open
        if anywhere.licensed:
            request *= ~rules.refused
        whole = ~(rules.any_blocked | rules.licensed | rules.any_masked) \
            if anywhere.blocked or anywhere.licensed or anywhere.masked else self.all_whole
        filled = self.allocation.allocate(need, request, stock_t.copy(), whole)
        filled *= filled > EPS
        self._ship(k, filled, sums, after)

    def _live_shares(self, k: int, stock_t: np.ndarray, inputs_t: np.ndarray) -> np.ndarray:
        """Orders._live_shares per replication: each edge's share over the suppliers that
        exist on step k, [rep, edge]; just the edges' shares, [edge], where no replication's
        buyer lost a supplier (the caller broadcasts)."""
        edges = self.edges
        if not edges.choice or (stock_t[:, edges.choosable] > EPS).all():
            return edges.share  # broadcast over replications
        if self.compiled and not self.processors.any_later and self._all_can_supply(
                k, stock_t, inputs_t):  # the usual answer, one call (toy, 200: 35 → 13 µs)
            return edges.share
        can = self._can_supply(k, stock_t, inputs_t)
        if can[:, edges.choosable].all():  # no buyer with a choice lost a supplier (usual)
            return edges.share
        live = can.take(edges.supplier, axis=1)
        n_live = per_rep_bincount(edges.buyer, live, self.n)
        some_gone = np.take((n_live > 0) & (n_live < edges.n_edges_of_buyer), edges.buyer,
                            axis=1)
        live_share = edges.share * live
        live_total = np.take(per_rep_bincount(edges.buyer, live_share, self.n), edges.buyer,
                             axis=1)
        live_share /= np.maximum(live_total, TINY)
        return np.where(some_gone, live_share, edges.share)

    def _all_can_supply(self, k: int, stock_t: np.ndarray, inputs_t: np.ndarray) -> bool:
        """`_can_supply` holds for every replication and choosable supplier (compiled; no
        processor has a batch pending)."""
        plans = self.plans
        return loops.all_can_supply(self.edges.choosable, stock_t,
                                    self.neither_mine_nor_processor, self.mine_of,
                                    plans.output_t[:, k], self.processor_of,
                                    plans.capacity_t[:, k], inputs_t,
                                    self.state.on_order[:, self.n:])

    def _can_supply(self, k: int, stock_t: np.ndarray, inputs_t: np.ndarray) -> np.ndarray:
        """[rep, node]: holds stock, or may make some (Orders: a mine with capacity, a
        processor with capacity and input held, on order or in process); any other node."""
        plans, state, mines, processors = self.plans, self.state, self.mines, self.processors
        can = stock_t > EPS
        can |= self.neither_mine_nor_processor
        can[:, mines] |= plans.output_t[:, k] > 0
        working = (inputs_t > EPS) | (state.on_order[:, self.n:] > EPS)
        if processors.any_later:
            working |= self._pending(k)[:, processors.rows]
        working &= plans.capacity_t[:, k] > 0
        can[:, processors.rows] |= working
        return can

    def _pending(self, k: int) -> np.ndarray:
        """Processors.pending per replication: a batch started in the last delay steps."""
        pending = np.zeros((self.state.reps, self.n), dtype=bool)
        started = self.state.rec.arrays["processed_t"]
        for j, delay in enumerate(self.processors.delay_steps.tolist()):
            if delay > 0:
                node = self.processors.rows.start + j
                pending[:, node] = started[max(0, k - delay + 1): k + 1, :, node].any(axis=0)
        return pending

    def _ship(self, k: int, amount: np.ndarray, sums: np.ndarray, after: np.ndarray) -> None:
        """Orders._ship: origin-restricted edges first (highest priority first), then every
        other edge in proportion; send with the step's delays; records and quota watch.
        `sums`: each row's stock [rep, row] before; `after` gets it after."""
        state, edges, rules = self.state, self.edges, self.rules
        stock_t = sums[:, : self.n]
        restricted = rules.is_masked & (amount > 0) if rules.anywhere.masked else None
        if restricted is not None and restricted.any():
            parts = []
            for e in self.by_level[restricted[:, self.by_level].any(axis=0)].tolist():
                active = restricted[:, e]
                part, got = state.take(edges.supplier[e], amount[:, e],
                                       rules.edge_mask_cells[:, state.goods.of(e)], active)
                amount[active, e] = got[active]
                parts.append((e, part))
            some = restricted.any(axis=1)
            free = np.where(restricted, 0.0, amount)
            have = np.where(some[:, None], state.row_sums(state.stock, self.n), stock_t)
            tonnes = self._take_in_proportion(free, have)
            for e, part in parts:  # a restricted edge's free share is 0: its cells are 0
                tonnes[:, state.goods.of(e)] += part
            state.goods.send(self._due(k), tonnes)
            self._book(k, amount)
            after[:] = state.row_sums(state.held)
        elif self.compiled:  # the same, in one loop, booking and the stocks after included
            ring = state.goods
            loops.take_and_send(state.held, amount, sums, self.stock_first, ring.first,
                                ring.tonnes, self._due(k), edges.supplier, edges.holding_row,
                                state.on_order, state.rec.shipped_by_edge[k], after)
        else:
            state.goods.send(self._due(k), self._take_in_proportion(amount, stock_t))
            self._book(k, amount)
            after[:] = state.row_sums(state.held)
        if rules.quotas.n_quotas:
            rules.quotas.watch(amount)

    def _book(self, k: int, amount: np.ndarray) -> None:
        """Shipments [rep, edge] on order for their buyers, and in the records."""
        state = self.state
        state.on_order += per_rep_bincount(self.edges.holding_row, amount,
                                           state.on_order.shape[1])
        state.rec.shipped_by_edge[k] = amount

    def _take_in_proportion(self, amount: np.ndarray, have: np.ndarray) -> np.ndarray:
        """Take each edge's tonnes from its supplier, every origin in proportion: tonnes
        [rep, ring cell] (only the origins a supplier's stock can hold)."""
        suppliers, state, ring = self.edges.supplier, self.state, self.state.goods
        per_tonne = ONE / np.maximum(have, TINY)
        share = per_rep_bincount(suppliers, amount, have.shape[1]) * per_tonne
        ratio = amount * per_tonne[:, suppliers]
        tonnes = state.held.take(ring.source, axis=1)  # take: C order, not [cell, rep]
        tonnes *= spread(ratio, self.route_of_cell)
        state.stock *= spread(np.maximum(ONE - share, ZERO), self.stock_row)
        return tonnes

    def _due(self, k: int) -> np.ndarray:
        """The step each departure on step k is usable on [rep, edge] (Transit.cells)."""
        plans, rules = self.plans, self.rules
        due = plans.plain_due[:, k]
        if rules.anywhere.delayed:
            days = plans.transit_days[:, k] + rules.delays
            delayed = np.maximum(k + 1, plans.clock.steps_of(k * plans.step_days + days))
            due = np.where(rules.delayed[:, None], delayed, due)
        return due


def _targets(target: np.ndarray, cover: np.ndarray, cover_factor: np.ndarray,
             row_factor: np.ndarray) -> np.ndarray:
    """Targets.at for every replication: with a market (`cover` not empty), the cover part
    scaled by the precaution factor and the whole by the row factor."""
    if not cover.size:
        return target
    return (target + cover * (cover_factor - 1.0)) * row_factor


def _column_of(rows: slice, n: int) -> np.ndarray:
    """[node]: its position in `rows`, or -1."""
    column = np.full(n, -1, dtype=np.int64)
    column[rows] = np.arange(rows.stop - rows.start)
    return column
