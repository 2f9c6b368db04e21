"""Goods on their way (design.md steps 1 and 6): by route and by the step they are usable.

Each route (an edge) has a ring of slots [slot, route, origin]: a shipment departing on step
k that is usable on step a (k < a < k + size) is added to slot a % size of its route. A
route sends at most one shipment a step, so adding is one indexed addition over the flat
ring, at cells [route, origin] (kept in a table by departure step when it is small). At the
start of step a, one matrix product (or, with many origins, one bincount) moves every
route's slot into the holding rows of State.held it leads to. A shipment is usable from the
first step that starts on or after departure + transit (+ any licence delay or extra days in
force), and at the earliest the next step.
"""

from __future__ import annotations

import numpy as np

from sim.model.clock import Clock

FEW_ORIGINS = 8
"""Up to this many origins, arrivals move into stocks by one matrix product; beyond, by one
bincount (measured: 1 against 2 µs with 2 origins, 7.7 against 4.1 µs with 68)."""

CELL_TABLE = 1 << 19
"""Up to this many [step, route, origin] cells (4 MB), the ring cells of plain departures are
kept by step (one row read a step, instead of expanding a route's cell to its origins:
0.7 against 1.7 µs to send with 21 routes and 2 origins)."""


class Pipeline:
    """Tonnes by origin on each route (edge), in a ring of `size` slots."""

    def __init__(self, destination_rows: np.ndarray, n_rows: int, size: int, n_origins: int):
        self.size = size
        routes = destination_rows.size
        self.tonnes = np.zeros((size, routes, n_origins))
        self._flat = self.tonnes.reshape(-1)
        self._slot_cells = routes * n_origins
        self._route_cells = np.arange(routes * n_origins).reshape(routes, n_origins)
        self._row_cells = (destination_rows[:, None] * n_origins
                           + np.arange(n_origins)).ravel()  # flat [row, origin] by route
        self._rows_shape = (n_rows, n_origins)
        self.into_rows = None  # [row, route] 0/1: a matrix product is faster for few origins
        if n_origins <= FEW_ORIGINS:
            self.into_rows = np.zeros((n_rows, routes))
            self.into_rows[destination_rows, np.arange(routes)] = 1.0

    def starts(self, due: np.ndarray) -> np.ndarray:
        """Where in the ring (flat, first origin) each route's goods due on `due` go."""
        return due % self.size * self._slot_cells

    def cells(self, starts: np.ndarray) -> np.ndarray:
        """The flat ring cells [route, origin] from `starts` (one per route)."""
        return (starts[:, None] + self._route_cells).reshape(-1)

    def cell_table(self, starts: np.ndarray) -> np.ndarray:
        """`cells` by step from `starts` [step, route]: origin by origin, as broadcasting over
        a short last axis is slow (40 against 180 µs for 1,040 steps × 21 routes × 2)."""
        table = np.empty((*starts.shape, self._route_cells.shape[1]), dtype=np.int64)
        for origin, offsets in enumerate(self._route_cells.T):
            np.add(starts, offsets, out=table[..., origin])
        return table.reshape(starts.shape[0], -1)

    def send(self, cells: np.ndarray, tonnes: np.ndarray) -> None:
        """Add tonnes [route, origin] at `cells` (from `cells`)."""
        self._flat[cells] += tonnes.reshape(-1)  # no cell twice

    def take_due(self, step: int) -> np.ndarray:
        """Tonnes [row, origin] usable on `step`, removed from the ring."""
        slot = self.tonnes[step % self.size]
        if self.into_rows is not None:
            arriving = self.into_rows.dot(slot)
        else:
            arriving = np.bincount(self._row_cells, slot.ravel(),
                                   minlength=self._rows_shape[0] * self._rows_shape[1]) \
                .reshape(self._rows_shape)
        slot[:] = 0.0
        return arriving

    def total(self) -> float:
        """Tonnes still on the way."""
        return float(self.tonnes.sum())


class Transit:
    """When goods sent on each route arrive, and where in the pipeline they wait."""

    def __init__(self, clock: Clock, transit_days: np.ndarray, goods: Pipeline):
        self.clock = clock
        self.transit_days = transit_days  # [step, edge]
        self.goods = goods
        starts = goods.starts(due_steps(clock, transit_days))
        table = starts.size * goods.tonnes.shape[2] <= CELL_TABLE
        self._plain_cells = goods.cell_table(starts) if table else None  # [step, cell]
        self._plain_starts = None if table else starts  # [step, route]

    def cells(self, k: int, extra_days: np.ndarray | None) -> np.ndarray:
        """Ring cells [route, origin] (flat) of departures on step k, with `extra_days` (None:
        none)."""
        if extra_days is None:
            if self._plain_cells is not None:
                return self._plain_cells[k]
            return self.goods.cells(self._plain_starts[k])
        step_days = self.clock.step_days
        days = self.transit_days[k] + extra_days
        due = np.maximum(k + 1, self.clock.steps_of(k * step_days + days))
        return self.goods.cells(self.goods.starts(due))


def due_steps(clock: Clock, transit_days: np.ndarray) -> np.ndarray:
    """[step, edge] (or [step, some edges]): the step a departure on each step is usable on
    with no delay in force: the first starting on or after departure + transit, at the
    earliest the next."""
    return np.maximum(1, clock.steps_of(transit_days)) + np.arange(transit_days.shape[0])[:, None]
