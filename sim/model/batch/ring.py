"""Goods on the way for R replications: tonnes [slot, rep, ring cell] (transit.Pipeline).

A ring cell is a route and an origin pair its supplier's stock can hold, in the order of
that supplier's stock cells (cells.py), so a shipment is the supplier's cells times a share
(399 ring cells on the baseline, not 61 routes × 67 pairs). Departures go to the slot of the
step they are usable on; arrivals move a slot into the buyers' cells.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SimulationError
from sim.model.batch import jit, loops
from sim.model.batch.cells import Cells, per_rep_bincount
from sim.model.world import World


class Ring:
    """Tonnes on the way by slot, replication and ring cell."""

    def __init__(self, world: World, reps: int, size: int, cells: Cells):
        supplier, holding = world.edges.supplier, world.edges.holding_row
        sizes = cells.first[supplier + 1] - cells.first[supplier]
        self.route = np.repeat(np.arange(supplier.size), sizes)  # the route of each cell
        self.first = np.r_[0, np.cumsum(sizes)]  # route e's cells: first[e]:first[e + 1]
        within = np.arange(self.route.size) - self.first[self.route]
        self.source = cells.first[supplier[self.route]] + within  # its supplier's cell
        into = cells.at(holding[self.route], cells.pair[self.source])
        if (into < 0).any():
            raise SimulationError("internal: a buyer's cells miss a pair its supplier holds")
        self.size, self.n_cells = size, self.route.size
        self.tonnes = np.zeros((size, reps, self.n_cells))
        self._flat = self.tonnes.reshape(-1)
        self._slot_size = reps * self.n_cells
        # send: a departure's ring position is its slot's start plus its replication's and
        # its cell's; worked out per route, then gathered to the cells
        n_routes = supplier.size
        self._rep_start = np.arange(reps)[:, None] * self.n_cells
        self._cell_route = None if (sizes == 1).all() else \
            (np.arange(reps)[:, None] * n_routes + self.route).ravel()  # None: one cell a route
        self._cell_offset = np.tile(np.arange(self.n_cells), reps)
        # arrivals: added into [rep, cell] in route order, and counted by row
        self._into = (np.arange(reps)[:, None] * cells.size + into).ravel()
        self._into_row, self._n_rows = holding[self.route], cells.n_rows
        self._into_cell = into  # [ring cell], for the compiled loops
        self.compiled = jit.enabled()

    def of(self, route: int) -> slice:
        """Route `route`'s ring cells (its supplier's stock cells, in order)."""
        return slice(int(self.first[route]), int(self.first[route + 1]))

    def send(self, due: np.ndarray, tonnes: np.ndarray) -> None:
        """Add tonnes [rep, ring cell] usable on steps `due` [rep, route]."""
        if not self.n_cells:
            return
        if self.compiled:
            loops.send(self.tonnes, due, tonnes, self.route)
            return
        first = due % self.size * self._slot_size + self._rep_start  # [rep, route]
        at = first.reshape(-1) if self._cell_route is None else \
            np.take(first, self._cell_route)  # each cell's route's start, [rep × cell]
        at += self._cell_offset
        np.add.at(self._flat, at, tonnes.ravel())  # no cell twice; 2.5x faster than +=

    def unload(self, step: int, held: np.ndarray) -> np.ndarray:
        """Add the goods usable on `step` to the buyers' cells of `held` [rep, cell] (each
        cell's routes in route order) and take them from the ring; tonnes per holding row
        that arrived, [rep, row]."""
        slot = self.tonnes[step % self.size]
        if self.compiled:
            got = np.empty((slot.shape[0], self._n_rows))
            loops.unload(slot, held, self._into_cell, self._into_row, got)
            return got
        np.add.at(held.reshape(-1), self._into, slot.ravel())
        got = per_rep_bincount(self._into_row, slot, self._n_rows)
        slot[:] = 0.0
        return got

    def total(self, r: int) -> float:
        """Tonnes still on the way in replication r."""
        return float(self.tonnes[:, r].sum())
