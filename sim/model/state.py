"""What a step changes: stocks by node and origin, goods on order, backlogs, the goods on
the way, and the records.

Stocks are tonnes by holding row and origin (mined in, processed in; origins.py),
`held[row, origin]`: rows 0…n−1 are the nodes' own stocks (a processor's output), then one
row per processor for its input stock, so goods arriving anywhere are one addition and
`stock` and `inputs` are views of `held`. Taking
from a stock takes every origin in proportion (the material is mixed), except where a buyer
excludes some origins, when it takes only the allowed ones.
"""

from __future__ import annotations

import copy

import numpy as np

from sim.model.network import Network
from sim.model.origins import Origins
from sim.model.recorder import Recorder
from sim.model.tolerances import EPS
from sim.model.transit import FEW_ORIGINS, Pipeline


class State:
    """Stocks, goods on order and owed, goods on the way, and the records of one run."""

    def __init__(self, net: Network, origins: Origins, goods: Pipeline | None,
                 rec: Recorder | None):
        n, n_rows, n_origins = len(net.nodes), net.n_holding_rows, len(origins.pairs)
        self.ones = np.ones(n_origins)  # for sums over origins as dot products
        self.held = np.zeros((n_rows, n_origins))
        self.stock, self.inputs = self.held[:n], self.held[n:]  # inputs: by processor
        self.stock_flat = self.stock.reshape(-1)  # a view, [node, origin] flat
        self.cell_wise = n_origins <= FEW_ORIGINS  # see by_row
        self.cell_row = np.repeat(np.arange(n_rows), n_origins)  # of each cell of held
        self.on_order = np.zeros(n_rows)  # tonnes on the way, by holding row
        self.backlog = np.zeros(n_rows)  # consumers' unmet demand carried (consumer rows)
        self.goods = goods
        self.rec = rec
        self.initial_t = self._put_initial_stocks(net, origins)

    def replica(self, goods: Pipeline | None, rec: Recorder | None) -> State:
        """A state with these initial stocks, for one replication: its own stocks, goods on
        order and owed, goods on the way (`goods`) and records (`rec`)."""
        twin = copy.copy(self)
        twin.held = self.held.copy()
        n = self.stock.shape[0]
        twin.stock, twin.inputs = twin.held[:n], twin.held[n:]
        twin.stock_flat = twin.stock.reshape(-1)
        twin.on_order, twin.backlog = np.zeros_like(self.on_order), np.zeros_like(self.backlog)
        twin.goods, twin.rec = goods, rec
        return twin

    def _put_initial_stocks(self, net: Network, origins: Origins) -> float:
        """Each node's `initial_stock`, in its initial origin mix; the tonnes put."""
        for node in net.nodes:
            own, inputs = (origins.vector(mix) for mix in origins.initial_mixes(node))
            initial = node.spec.initial_stock
            if isinstance(initial, dict):
                self.held[net.holding_row(node.index)] = inputs * initial.get(
                    node.spec.inputs[0], 0.0)
                self.stock[node.index] = own * initial.get(node.spec.output, 0.0)
            else:
                self.stock[node.index] = own * initial
        return float(self.held.sum())

    def arrive(self, step: int) -> None:
        """Step 1: goods due on `step` join the buyers' stocks (a processor's input)."""
        arriving = self.goods.take_due(step)
        got = arriving.dot(self.ones, out=self.rec.received_t[step])
        self.held += arriving
        self.on_order -= got

    def by_row(self, tonnes: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """`tonnes` [holding row, origin] × `factor` per row (a new array). With few origins
        cell by cell, with the factor gathered to the cells (measured with 2 origins: 0.6
        against 1.1 µs broadcasting over 32 rows); with many, broadcasting is faster (2.6
        against 5.2 µs with 67)."""
        if self.cell_wise:
            return (tonnes.reshape(-1) * factor[self.cell_row]).reshape(tonnes.shape)
        return tonnes * factor[:, None]

    def take(self, row: int, amount: float,
             mask: np.ndarray | None = None) -> tuple[np.ndarray | None, float]:
        """Take up to `amount` tonnes from node `row`'s stock, of the origins `mask` allows
        (all if None), every origin in proportion: (tonnes by origin, tonnes), or (None, 0)
        if that is no more than EPS. For one node at a time, off the array operations."""
        allowed = self.stock[row] if mask is None else self.stock[row] * mask
        have = float(allowed.dot(self.ones))
        amount = min(amount, have)
        if amount <= EPS:
            return None, 0.0
        part = allowed * (amount / have)
        self.stock[row] -= part
        return part, amount
