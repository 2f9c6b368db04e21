"""Step 6 of design.md: buyers order up to their targets; suppliers allocate; goods leave.

Each buyer orders (target − stock − goods on the way), split over its suppliers by share;
a supplier that cannot supply on the step (a mine not yet online and with no stock, a plant
with no capacity or with nothing to work on or sell) takes no share, so adding a future
supplier to a list changes nothing before it exists. Suppliers allocate (allocation.py);
what is granted leaves their stock, every origin in proportion, and travels (transit.py).
Buyers' quantities live on holding rows (State.held): a processor buys into its input row,
every other node into its stock row, so need = target − held − on the way is one subtraction.
"""

from __future__ import annotations

import numpy as np

from sim.model.allocation import Allocation
from sim.model.controls import Controls
from sim.model.edges import EdgeTables
from sim.model.mines import Mines
from sim.model.planning import Targets
from sim.model.processors import Processors
from sim.model.rules import StepRules
from sim.model.state import State
from sim.model.tolerances import EPS, ONE, TINY, ZERO
from sim.model.transit import Transit


class Orders:
    """Orders, allocation and shipments of each step."""

    def __init__(self, edges: EdgeTables, state: State, controls: Controls, targets: Targets,
                 transit: Transit, suppliers: tuple[Mines, Processors], any_backlog: bool):
        self.edges, self.state, self.controls = edges, state, controls
        self.targets, self.transit, self.any_backlog = targets, transit, any_backlog
        self.mines, self.processors = suppliers
        n = state.stock.shape[0]
        self.is_processor = np.zeros(n, dtype=bool)
        self.is_processor[self.processors.rows] = True
        self._allocation = Allocation(edges, controls.now, state)
        n_origins = state.ones.size  # flat [edge, origin] cells: their supplier's stock
        # cell, their edge; and each stock cell's node
        self._supplier_cells = (edges.supplier[:, None] * n_origins
                                + np.arange(n_origins)).reshape(-1)
        self._cell_edge = np.repeat(np.arange(edges.supplier.size), n_origins)
        self._cell_node = np.repeat(np.arange(n), n_origins)

    def place(self, k: int) -> None:
        """Step 6 on step k."""
        state, edges, rules = self.state, self.edges, self.controls.now
        n = state.stock.shape[0]
        held_t = state.held.dot(state.ones)
        stock_t = held_t[:n]
        if rules.masked.size:  # a buyer under an origin rule counts only the origins it may use
            rows = rules.masked
            held_t = held_t.copy()
            held_t[rows] = (state.stock[rows] * rules.mask_now[rows]).dot(state.ones)
        need = self.targets.at(k) - held_t - state.on_order
        if self.any_backlog:
            need += state.backlog
        need *= need > EPS
        request = need[edges.holding_row] * self._live_shares(k, stock_t, held_t[n:])
        if self._allocation.rules is not rules:
            self._allocation = Allocation(edges, rules, state)
        step = rules.on_step(k)
        if step.masked_edges.size:
            self._allocation.cap_to_allowed(request, step=step)
        if rules.any_blocked:
            request *= rules.open
        if step.refused is not None:
            request *= ~step.refused
        whole = not (rules.any_blocked or step.refused is not None or step.masked_edges.size)
        filled = self._allocation.allocate(need, request, stock_t.copy(), step, whole)
        filled *= filled > EPS
        self._ship(k, filled, stock_t, step)

    def _live_shares(self, k: int, stock_t: np.ndarray, inputs_t: np.ndarray) -> np.ndarray:
        """Each edge's share of its buyer's order, over the suppliers that exist on step k."""
        edges = self.edges
        if not edges.choice or \
                np.count_nonzero(stock_t[edges.choosable] > EPS) == edges.choosable.size:
            return edges.share  # every supplier a buyer chooses among can supply
        working = np.zeros(stock_t.size, dtype=bool)  # a processor with input or some coming
        working[self.processors.rows] = (inputs_t > EPS) \
            | (self.state.on_order[stock_t.size:] > EPS)
        if self.processors.any_later:
            working |= self.processors.pending(self.state.rec, k, stock_t.size)
        can = (stock_t > EPS) | (producing(self.mines, self.processors, stock_t.size, k)
                                 & (working | ~self.is_processor))
        live = can[edges.supplier]
        n = can.size
        n_live = np.bincount(edges.buyer[live], minlength=n)
        some_gone = ((n_live > 0) & (n_live < edges.n_edges_of_buyer))[edges.buyer]
        if not np.count_nonzero(some_gone):
            return edges.share
        live_total = np.bincount(edges.buyer, edges.share * live, minlength=n)[edges.buyer]
        live_share = edges.share * live / np.maximum(live_total, TINY)
        return np.where(some_gone, live_share, edges.share)

    def _ship(self, k: int, amount: np.ndarray, stock_t: np.ndarray, step: StepRules) -> None:
        """Take each edge's tonnes from its supplier and send them, with the step's delays;
        origin-restricted edges first, so that the allowed origins are still there."""
        if not np.count_nonzero(amount):
            return
        state, edges = self.state, self.edges
        restricted = step.masked_edges[amount[step.masked_edges] > 0] \
            if step.masked_edges.size else step.masked_edges
        if restricted.size:
            # the highest priority first: each was granted up to all the allowed stock
            restricted = restricted[np.argsort(edges.level[restricted], kind="stable")]
            tonnes = np.zeros((amount.size, state.ones.size))
            for e in restricted.tolist():
                part, amount[e] = state.take(edges.supplier[e], amount[e], step.edge_mask[e])
                if part is not None:
                    tonnes[e] = part
            free = amount.copy()
            free[restricted] = 0.0
            tonnes += self._take_in_proportion(free, state.stock.dot(state.ones))
            free[restricted] = amount[restricted]
            amount = free
        else:
            tonnes = self._take_in_proportion(amount, stock_t)
        state.goods.send(self.transit.cells(k, step.delays), tonnes)
        state.on_order += np.bincount(edges.holding_row, amount, minlength=state.on_order.size)
        state.rec.shipped_by_edge[k] = amount
        if self.controls.watched:
            self.controls.watch(amount)

    def _take_in_proportion(self, amount: np.ndarray, have: np.ndarray) -> np.ndarray:
        """Take `amount` tonnes per edge from its supplier (which holds `have`), every origin
        in proportion; tonnes by origin per edge. Grants never exceed a supplier's stock but
        by rounding (1e-16 of it); the stock then goes to exactly zero."""
        suppliers, state = self.edges.supplier, self.state
        per_tonne = ONE / np.maximum(have, TINY)
        share = np.bincount(suppliers, amount, minlength=have.size) * per_tonne
        if not state.cell_wise:  # many origins: broadcasting is faster (State.by_row)
            tonnes = state.stock[suppliers] * (amount * per_tonne[suppliers])[:, None]
            state.stock *= np.maximum(ONE - share, ZERO)[:, None]
            return tonnes
        stock = state.stock_flat  # cell by cell: [edge, origin]
        tonnes = stock[self._supplier_cells] * (amount * per_tonne[suppliers])[self._cell_edge]
        stock *= np.maximum(ONE - share, ZERO)[self._cell_node]
        return tonnes.reshape(amount.size, -1)


def producing(mines: Mines, processors: Processors, n_nodes: int, k: int) -> np.ndarray:
    """Per node: a mine or processor with capacity on step k, or any other node."""
    live = np.ones(n_nodes, dtype=bool)
    live[mines.rows] = mines.producing(k)
    live[processors.rows] = processors.capacity_t[k] > 0
    return live

