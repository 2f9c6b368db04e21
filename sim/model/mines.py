"""Mines (design.md step 3): each step a mine adds capacity × utilization × step_days / 365
to its stock, whether or not anyone buys; what is not bought stays in its stock.

Output per step is kept as a table [step, mine], rewritten from a step on whenever the
mine's capacity changes (capacity.py), so the step adds one row. Mined tungsten keeps the
mine's country as its mining origin (origins.py).
"""

from __future__ import annotations

import copy

import numpy as np

from sim.model.capacity import Capacity
from sim.model.clock import Clock
from sim.model.network import MINE, Network
from sim.model.origins import NONE, Origins
from sim.model.recorder import Recorder, sums_by
from sim.model.state import State


class Mines:
    """Every mine's output on each step, and the step's production."""

    def __init__(self, net: Network, clock: Clock, capacity: Capacity, origins: Origins):
        mines = net.of_kind(MINE)
        self.rows = net.rows(MINE)
        self.clock, self.capacity = clock, capacity
        self.utilization = np.array([m.spec.utilization for m in mines])
        self.origin = np.array([origins.index[(m.country, NONE)] for m in mines], dtype=np.int64)
        self.output_t = np.zeros((clock.n_steps, len(mines)))
        self.cells = np.arange(self.rows.start, self.rows.stop, dtype=np.int64) \
            * len(origins.pairs) + self.origin  # each mine's origin in State.stock_flat
        for j in range(len(mines)):
            self.refresh(self.rows.start + j, 0)

    def replica(self, capacity: Capacity, output_t: np.ndarray) -> Mines:
        """These mines in one replication: its capacity, and its output table (`output_t`,
        filled as this one's); the rest is the same and shared."""
        twin = copy.copy(self)
        twin.capacity, twin.output_t = capacity, output_t
        return twin

    def refresh(self, node: int, first: int) -> None:
        """Recompute a mine's output from step `first` on, after its capacity changed."""
        j = node - self.rows.start
        rate = self.capacity.rate_tpa(node, first)
        self.output_t[first:, j] = rate * self.utilization[j] * self.clock.per_step

    def producing(self, k: int) -> np.ndarray:
        """Per mine: whether it has capacity on step k."""
        return self.output_t[k] > 0

    def produce(self, state: State, k: int, factor: np.ndarray | None = None) -> None:
        """Step 3: this step's output joins each mine's stock, by the mine's origin; with a
        market, × each mine's output `factor` at today's prices."""
        output = self.output_t[k] if factor is None else self.output_t[k] * factor
        state.stock_flat[self.cells] += output

    def record(self, rec: Recorder, price: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """After the run: produced_t by mine and by origin, capacity_tpa by mine. With a
        market, `price` is (output factor by step and mine, which mines were idle): what the
        price added over the plan (running harder; an idle mine's whole output) is recorded
        as supply_added_t."""
        if price is None:
            rec.arrays["produced_t"][:, self.rows] = self.output_t
        else:
            factor, idle = price
            produced = rec.arrays["produced_t"][:, self.rows] = self.output_t * factor
            rec.arrays["supply_added_t"][:, self.rows] = produced - self.output_t * ~idle
        if rec.produced_by_origin is not None:
            rec.produced_by_origin[:] = sums_by(self.origin,
                                                rec.arrays["produced_t"][:, self.rows],
                                                rec.produced_by_origin.shape[1])
        if "capacity_tpa" in rec.arrays:
            rec.arrays["capacity_tpa"][:, self.rows] = self.capacity.rates_tpa(self.rows)
