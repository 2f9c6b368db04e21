"""What a step changes, for R replications at once: stocks, goods on order and owed, goods on
the way, and the records, each with a leading replication axis.

The single engine's State, Pipeline and Recorder with a replication axis: stocks are
`held[rep, holding row, origin]`, the goods ring is `[slot, rep, route, origin]`, records are
`[rep, step, …]`. Every operation does, per replication, the arithmetic of the single
engine's (sums per row as dot products with ones, shares taken in proportion).
"""

from __future__ import annotations

import numpy as np

from sim.model.recorder import Recorder
from sim.model.tolerances import EPS
from sim.model.world import World
from sim.records import NODE_VARIABLES

STEP_VARIABLES = ("processed_t", "delivered_t", "backlog_t", "released_t")
"""The node variables the step itself writes; the others are filled after the run, one
replication at a time, so they are not held for all replications at once."""


class BatchRecords:
    """The records of R replications, [rep, step, …]; `of(r)` is a Recorder over r's slice.

    Deliveries are kept by mining and by processing country (what a RunRecord reports: 18
    columns on the baseline, not 67 pairs), grouped as they are made; by pair only for the
    last steps scrap looks back on (`recent`, a ring of steps)."""

    def __init__(self, reps: int, steps: int, world: World):
        n, rows = len(world.net.nodes), world.net.n_holding_rows
        n_origins, consumers = len(world.origins.pairs), world.consumers.rows
        n_consumers, scrap = consumers.stop - consumers.start, world.consumers.scrap
        self.shape, self.n_origins = (steps, n), n_origins
        self.by_mined, self.by_processed = world.origins.by_mined, world.origins.by_processed
        self.arrays = {name: np.zeros((reps, steps, n)) for name in STEP_VARIABLES}
        self.delivered_by_mined = np.zeros((reps, steps, n_consumers, self.by_mined.shape[1]))
        self.delivered_by_processed = np.zeros((reps, steps, n_consumers,
                                                self.by_processed.shape[1]))
        self.scrap_from = scrap.scrap_from
        self.window = int(scrap.steps.max()) + 1 if scrap.steps.size else 1
        self.recent = np.zeros((self.window, reps, self.scrap_from.size, n_origins))
        self.shipped_by_edge = np.zeros((reps, steps, len(world.net.edges)))
        self.held_t = np.zeros((reps, steps, rows))
        self.received_t = np.zeros((reps, steps, rows))

    def deliver(self, k: int, took: np.ndarray) -> None:
        """Record deliveries [rep, consumer, pair] of step k."""
        reps, consumers, n_origins = took.shape
        flat = took.reshape(reps * consumers, n_origins)
        for out, grouping in ((self.delivered_by_mined, self.by_mined),
                              (self.delivered_by_processed, self.by_processed)):
            out[:, k] = flat.dot(grouping).reshape(out.shape[0], consumers, out.shape[3])
        if self.scrap_from.size:
            self.recent[k % self.window] = took[:, self.scrap_from]

    def used(self, steps: np.ndarray) -> np.ndarray:
        """Deliveries [rep, scrap return, pair] to each scrap return's consumer on its step
        `steps` [scrap return] (no further back than the longest scrap delay)."""
        picked = self.recent[steps % self.window, :, np.arange(self.scrap_from.size)]
        return picked.transpose(1, 0, 2)

    def of(self, r: int, full: bool = True) -> Recorder:
        """Replication r's Recorder: with `full`, every node variable (copies of r's slices,
        new arrays for those filled after the run) and deliveries by mining country as its
        `delivered_by_origin` (ScrapReturns.record sums them per consumer); else views of the
        node variables the step writes."""
        rec = Recorder(0, 0, 0, 0, 0, 0)
        if not full:
            rec.arrays = {name: a[r] for name, a in self.arrays.items()}
            return rec
        # copies: a record kept by the caller must not keep every replication's arrays alive
        rec.arrays = {name: self.arrays[name][r].copy() if name in self.arrays
                      else np.zeros(self.shape) for name in NODE_VARIABLES}
        rec.delivered_by_origin = self.delivered_by_mined[r]
        rec.produced_by_origin = np.zeros((self.shape[0], self.n_origins))
        rec.shipped_by_edge = self.shipped_by_edge[r].copy()
        rec.held_t, rec.received_t = self.held_t[r].copy(), self.received_t[r].copy()
        return rec


class Ring:
    """Goods on the way: tonnes [slot, rep, cell], a cell being a route and an origin pair
    its supplier's stock can hold (about a tenth of route × pair on the baseline); departures
    go to the slot of the step they are usable on, arrivals move a slot into the holding rows
    (transit.Pipeline, without the cells that stay empty)."""

    def __init__(self, worlds: list[World], size: int):
        w = worlds[0]
        reps, origins, n_origins = len(worlds), w.origins, len(w.origins.pairs)
        rows = w.net.n_holding_rows
        supplier, holding = w.edges.supplier, w.edges.holding_row
        held = [origins.stock_pairs(s) for s in supplier.tolist()]
        self.route = np.repeat(np.arange(supplier.size), [p.size for p in held])
        pair = np.concatenate(held) if held else np.zeros(0, dtype=np.int64)
        self.source = supplier[self.route] * n_origins + pair  # flat [node, origin] of stock
        self.first = np.r_[0, np.cumsum([p.size for p in held])]  # route e: first:first[e+1]
        self.pairs = held
        cells = self.route.size
        self.size, self.reps = size, reps
        self.tonnes = np.zeros((size, reps, cells))
        self._flat = self.tonnes.reshape(-1)
        self._rep_cells = np.arange(reps * cells).reshape(reps, cells)  # within a slot
        # arrivals: each cell's tonnes to [rep, row, origin], a cell's routes in route order
        # (cells are sorted by route), as the single engine's bincount adds them
        into = holding[self.route] * n_origins + pair
        self._into = (np.arange(reps)[:, None] * (rows * n_origins) + into).ravel()
        self._shape = (reps, rows, n_origins)

    def send(self, due: np.ndarray, tonnes: np.ndarray) -> None:
        """Add tonnes [rep, cell] usable on steps `due` [rep, route]."""
        if not self._rep_cells.size:
            return
        at = (due[:, self.route] % self.size) * self._rep_cells.size + self._rep_cells
        self._flat[at.ravel()] += tonnes.ravel()  # no cell twice

    def take_due(self, step: int) -> np.ndarray:
        """Tonnes [rep, row, origin] usable on `step`, removed from the ring."""
        slot = self.tonnes[step % self.size]
        size = self._shape[0] * self._shape[1] * self._shape[2]
        arriving = np.bincount(self._into, slot.ravel(), minlength=size).reshape(self._shape)
        slot[:] = 0.0
        return arriving

    def total(self, r: int) -> float:
        """Tonnes still on the way in replication r."""
        return float(self.tonnes[:, r].sum())


class BatchState:
    """Stocks [rep, row, origin], goods on order and backlogs [rep, row], the ring, records."""

    def __init__(self, worlds: list[World], ring_size: int, steps: int):
        w = worlds[0]
        n = len(w.net.nodes)
        self.reps, self.n = len(worlds), n
        self.held = np.stack([x.state.held for x in worlds])  # initial stocks
        self.stock = self.held[:, :n]
        self.ones = w.state.ones
        self.on_order = np.zeros((self.reps, w.net.n_holding_rows))
        self.backlog = np.zeros_like(self.on_order)
        self.goods = Ring(worlds, ring_size)
        self.rec = BatchRecords(self.reps, steps, w)
        self.initial_t = [x.state.initial_t for x in worlds]

    def row_sums(self, tonnes: np.ndarray) -> np.ndarray:
        """Tonnes [rep, row, origin] summed over origins, as the single engine's dot."""
        reps, rows, n_origins = tonnes.shape
        return tonnes.reshape(reps * rows, n_origins).dot(self.ones).reshape(reps, rows)

    def arrive(self, k: int) -> None:
        """Step 1: goods due on step k join the buyers' stocks."""
        arriving = self.goods.take_due(k)
        got = self.row_sums(arriving)
        self.rec.received_t[:, k] = got
        self.held += arriving
        self.on_order -= got

    def take(self, row: int, amount: np.ndarray, mask: np.ndarray | None = None,
             active: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """State.take per replication: up to `amount` [rep] from node `row`, of the origins
        `mask` [rep, origin] allows, in proportion; (tonnes [rep, origin], tonnes [rep]),
        zero where that is no more than EPS or where not `active`."""
        stock = self.stock[:, row]
        allowed = stock if mask is None else stock * mask
        have = dots(allowed, self.ones)
        amount = np.minimum(amount, have)
        ok = amount > EPS
        if active is not None:
            ok &= active
        amount = np.where(ok, amount, 0.0)
        part = allowed * (amount / np.where(ok, have, 1.0))[:, None]
        part[~ok] = 0.0
        stock -= part
        return part, amount


def dots(tonnes: np.ndarray, ones: np.ndarray) -> np.ndarray:
    """Each row of `tonnes` [rep, origin] summed as the single engine sums one node's vector
    (a 1-D dot product, whose order of summation differs from a matrix-vector product's)."""
    return np.array([row.dot(ones) for row in np.ascontiguousarray(tonnes)])  # strided rows
    # would be summed by another kernel, in another order
