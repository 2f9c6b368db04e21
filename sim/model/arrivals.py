"""Goods on their way, by route and by the step they become usable.

Each route (an edge) has a ring of slots [slot, route, origin]:
a shipment departing on step k that is usable on step a (k < a < k + size) is added to slot
a % size of its route. A route sends at most one shipment a step, so adding is one indexed
addition. On step a, one matrix product moves every route's slot into the holding rows of
World.held it leads to. A SimPy timeout does that at the start of every step: the driver
schedules it just before its own timeout for that step, so it fires first and the goods are
in stock when the step runs (design.md, step 1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy


class Pipeline:
    """Tonnes by origin on each route (edge), in a ring of `size` slots."""

    def __init__(self, destination_rows: np.ndarray, n_rows: int, size: int, n_origins: int):
        self.size = size
        routes = destination_rows.size
        self.tonnes = np.zeros((size, routes, n_origins))
        self._flat = self.tonnes.reshape(-1)
        self._slot_cells = routes * n_origins
        self._route_cells = np.arange(routes * n_origins).reshape(routes, n_origins)
        self.into_rows = np.zeros((n_rows, destination_rows.size))  # [row, route] 0/1
        self.into_rows[destination_rows, np.arange(routes)] = 1.0

    def cells(self, due: np.ndarray) -> np.ndarray:
        """Where in the ring (flat, first origin) each route's goods due on `due` go."""
        return due % self.size * self._slot_cells

    def send(self, cells: np.ndarray, tonnes: np.ndarray) -> None:
        """Add tonnes [route, origin] at `cells` (from `cells`, one per route)."""
        self._flat[cells[:, None] + self._route_cells] += tonnes  # no cell twice

    def take_due(self, step: int) -> np.ndarray:
        """Tonnes [row, origin] usable on `step`, removed from the ring."""
        slot = self.tonnes[step % self.size]
        arriving = self.into_rows.dot(slot)
        slot[:] = 0.0
        return arriving

    def total(self) -> float:
        """Tonnes still on the way."""
        return float(self.tonnes.sum())


class Arrivals:
    """The goods pipeline, and the SimPy timeouts that deliver from it each step."""

    def __init__(self, env: simpy.Environment, step_days: int, goods: Pipeline,
                 on_due: Callable[[int], None]):
        self.env = env
        self.step_days = step_days
        self.goods = goods
        self._on_due = on_due

    def expect(self, step: int) -> None:
        """Schedule the timeout that delivers what is due on `step`, one step from now."""
        self.env.timeout(self.step_days, step).callbacks.append(self._fire)

    def _fire(self, event: simpy.Event) -> None:
        self._on_due(event.value)
