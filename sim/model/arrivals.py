"""Goods on their way, by the step they become usable: a ring of [node, origin] slots.

A shipment departing on step k that arrives on step a (k < a < k + size) is added to slot
a % size, at its buyer's row, by origin. Everything due on one step shares one SimPy timeout,
scheduled when the first of it departs and so before that step's own timeout: its callback
empties the slot into the buyers' stocks before the step runs (design.md, step 1). Scrap
returns travel in a ring of their own, because they count as recycled, not as goods on order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy


class Arrivals:
    """Two rings (`goods`, `scrap`) [slot, node, origin] and one SimPy timeout per due step."""

    def __init__(self, env: simpy.Environment, step_days: int, n_steps: int, size: int,
                 n_rows: int, n_origins: int, on_due: Callable[[int], None]):
        self.env = env
        self.step_days = step_days
        self.n_steps = n_steps
        self.size = size
        self.n_rows = n_rows
        self.goods = np.zeros((size, n_rows, n_origins))
        self.scrap = np.zeros((size, n_rows, n_origins))
        self._origins = np.arange(n_origins)
        self._scheduled = np.zeros(n_steps, dtype=bool)
        self._on_due = on_due

    def add(self, ring: np.ndarray, k: int, due: np.ndarray, rows: np.ndarray,
            tonnes: np.ndarray, due_nonzero: np.ndarray | None = None) -> None:
        """Put tonnes [i, origin] for holding rows[i] into `ring`, usable from step due[i]
        (> k); `due_nonzero` (default `due`) are the steps that get something."""
        cells = ((due % self.size * self.n_rows + rows)[:, None] * self._origins.size
                 + self._origins)  # flat, so that np.add.at takes its fast path
        np.add.at(ring.reshape(-1), cells.ravel(), tonnes.ravel())
        for step in set((due if due_nonzero is None else due_nonzero).tolist()):
            if step < self.n_steps and not self._scheduled[step]:
                self._scheduled[step] = True
                event = self.env.timeout((step - k) * self.step_days, step)
                event.callbacks.append(self._fire)

    def _fire(self, event: simpy.Event) -> None:
        self._on_due(event.value)

    def slot(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The goods and scrap rows due on `step` (views; the caller empties them)."""
        i = step % self.size
        return self.goods[i], self.scrap[i]
