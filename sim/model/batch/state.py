"""What a step changes, for R replications at once: stocks, goods on order and owed, goods on
the way (ring.py) and the records (records.py), each with a leading replication axis.

The single engine's State with a replication axis and stocks by cell (cells.py):
`held[rep, cell]`, the nodes' own stocks first (`stock`, a view), then processors' inputs.
Every operation does, per replication, the single engine's arithmetic (sums per row, shares
taken in proportion), with sums taken cell after cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from sim.model.batch.cells import Cells
from sim.model.batch.records import BatchRecords
from sim.model.batch.ring import Ring
from sim.model.state import State
from sim.model.tolerances import EPS
from sim.model.world import World


class BatchState:
    """Stocks [rep, cell], goods on order and backlogs [rep, row], the ring, the records."""

    def __init__(self, worlds: list[World], ring_size: int, steps: int):
        w = worlds[0]
        self.cells = cells = Cells(w)
        self.reps, self.n = len(worlds), len(w.net.nodes)
        dense = np.stack([x.state.held for x in worlds])  # initial stocks
        self.held = cells.cells_of(dense)
        self.stock = self.held[:, : cells.n_stock]
        self.on_order = np.zeros((self.reps, w.net.n_holding_rows))
        self.backlog = np.zeros_like(self.on_order)
        self.goods = Ring(w, self.reps, ring_size, cells)
        self.rec = BatchRecords(self.reps, steps, w, cells)
        self.initial_t = [x.state.initial_t for x in worlds]

    def row_sums(self, tonnes: np.ndarray, rows: int | None = None) -> np.ndarray:
        """Tonnes [rep, cell] summed by row, [rep, row] (Cells.row_sums)."""
        return self.cells.row_sums(tonnes, rows)

    def arrive(self, k: int) -> None:
        """Step 1: goods due on step k join the buyers' stocks."""
        got = self.goods.unload(k, self.held)
        self.rec.received_t[k] = got
        self.on_order -= got

    def take(self, row: int, amount: np.ndarray, mask: np.ndarray | None = None,
             active: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """State.take per replication: up to `amount` [rep] from node `row`, of the origins
        `mask` [rep, row's cell] allows, in proportion; (tonnes [rep, row's cell], tonnes
        [rep]), zero where that is no more than EPS or where not `active`."""
        stock = self.held[:, self.cells.of(row)]
        allowed = stock if mask is None else stock * mask
        have = allowed.sum(axis=1)
        amount = np.minimum(amount, have)
        ok = amount > EPS
        if active is not None:
            ok &= active
        amount = np.where(ok, amount, 0.0)
        part = allowed * (amount / np.where(ok, have, 1.0))[:, None]
        part[~ok] = 0.0
        stock -= part
        return part, amount

    @contextmanager
    def single(self, r: int) -> Iterator[State]:
        """Replication r as a single-engine State (dense stocks, views of its records), for
        the single engine's own per-node code; its stocks are written back afterwards."""
        one = object.__new__(State)
        one.held = self.cells.dense(self.held[r])
        one.stock, one.ones = one.held[: self.n], np.ones(self.cells.n_origins)
        one.rec = self.rec.of(r, full=False)
        yield one
        self.held[r] = self.cells.cells_of(one.held)
