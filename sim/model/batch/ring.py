"""Goods on the way for R replications: tonnes [slot, rep, ring cell] (transit.Pipeline).

A ring cell is a route and an origin pair its supplier's stock can hold, in the order of
that supplier's stock cells (cells.py), so a shipment is the supplier's cells times a share
(388 ring cells on the baseline, not 61 routes × 67 pairs). Departures go to the slot of the
step they are usable on; arrivals move a slot into the buyers' cells.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SimulationError
from sim.model.batch.cells import Cells
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
        self._rep_cells = np.arange(reps * self.n_cells).reshape(reps, self.n_cells)
        # send: a departure's ring position is its slot's start plus its replication's and
        # its cell's; worked out per route, then gathered to the cells
        n_routes = supplier.size
        self._rep_route = np.arange(reps)[:, None] * self.n_cells + np.zeros(n_routes, int)
        self._cell_route = (np.arange(reps)[:, None] * n_routes + self.route).ravel()
        self._cell_offset = np.tile(np.arange(self.n_cells), reps)
        # arrivals: one bincount into [rep, cell]; a cell's routes come in route order, as
        # the single engine's bincount adds them
        self._into = (np.arange(reps)[:, None] * cells.size + into).ravel()
        self._held_size = reps * cells.size
        self._reps = reps

    def of(self, route: int) -> slice:
        """Route `route`'s ring cells (its supplier's stock cells, in order)."""
        return slice(int(self.first[route]), int(self.first[route + 1]))

    def send(self, due: np.ndarray, tonnes: np.ndarray) -> None:
        """Add tonnes [rep, ring cell] usable on steps `due` [rep, route]."""
        if not self.n_cells:
            return
        first = due % self.size * self._rep_cells.size + self._rep_route  # [rep, route]
        at = np.take(first, self._cell_route)  # each cell's route's start, [rep × cell]
        at += self._cell_offset
        np.add.at(self._flat, at, tonnes.ravel())  # no cell twice; 2.5x faster than +=

    def take_due(self, step: int) -> np.ndarray:
        """Tonnes [rep, cell] usable on `step`, removed from the ring."""
        slot = self.tonnes[step % self.size]
        arriving = np.bincount(self._into, slot.ravel(), minlength=self._held_size) \
            .reshape(self._reps, -1)
        slot[:] = 0.0
        return arriving

    def total(self, r: int) -> float:
        """Tonnes still on the way in replication r."""
        return float(self.tonnes[:, r].sum())
