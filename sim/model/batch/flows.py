"""Steps 1–5 of design.md for R replications at once: scrap returns, one-off releases, mines,
what processors and consumers draw, processing, consumption and stockpile cover.

Each function does the single engine's arithmetic (world.py, consumers.py, mines.py,
processors.py, stockpiles.py) with a leading replication axis. The rare per-node work of
stockpiles (one-off releases, covering a shortfall) runs the single engine's own methods on
one replication's slice of the stocks.
"""

from __future__ import annotations

import numpy as np

from sim.model.batch.plans import Plans
from sim.model.batch.rules import BatchRules
from sim.model.batch.state import BatchState
from sim.model.state import State
from sim.model.tolerances import EPS, TINY
from sim.records import ROUNDING


def one_state(state: BatchState, r: int) -> State:
    """A State over replication r's stocks (views), for the single engine's per-node code."""
    single = object.__new__(State)
    single.stock, single.ones = state.stock[r], state.ones
    single.rec = state.rec.of(r, full=False)
    return single


class Flows:
    """Steps 1–5 of a step, with the parts of the model they read."""

    def __init__(self, plans: Plans, state: BatchState, rules: BatchRules):
        self.plans, self.state, self.rules = plans, state, rules
        w = plans.worlds[0]
        self.mines, self.processors, self.consumers = w.mines, w.processors, w.consumers
        self.scrap = w.consumers.scrap
        reps, p = len(plans.worlds), self.processors.rows
        n_origins = state.ones.size
        self.scrap_factor_t = np.ones((reps, plans.steps, self.scrap.scrap_from.size))
        self.batches = np.zeros((plans.slots, reps, p.stop - p.start, n_origins))
        self.done_slots = (np.arange(plans.slots)[:, None] - self.processors.delay_steps) \
            % plans.slots
        self.stock_flat = state.held.reshape(reps, -1)  # a view: [rep, node × origin] first

    def return_scrap(self, k: int, factor: np.ndarray | None) -> None:
        """Step 1: scrap due on step k joins its processors' input (× collection factor)."""
        scrap = self.scrap
        if not scrap.scrap_from.size:
            return
        used_on = k - scrap.steps
        came = (scrap.rate * (used_on >= 0)[:, None])[None]
        if factor is not None:
            came = came * factor[:, :, None]
            self.scrap_factor_t[:, k] = factor
        back = self.state.rec.used(np.maximum(used_on, 0)) * came
        self.state.held += np.matmul(scrap.into, back)

    def release_due(self, k: int, due: list[int]) -> None:
        """Step 2: the one-off releases due on step k, replication by replication."""
        for r in due:
            self.plans.worlds[r].stockpiles.release_due(one_state(self.state, r), k)

    def produce(self, k: int, factor: np.ndarray | None) -> None:
        """Step 3: this step's output joins each mine's stock (× output factor)."""
        output = self.plans.output_t[:, k]
        if factor is not None:
            output = output * factor
        self.stock_flat[:, self.mines.cells] += output

    def draw(self, k: int, row_factor: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Steps 4–5's draws (World._draw): tonnes taken per row, and by row and origin."""
        state = self.state
        wanted = self.plans.wanted_t[:, k]
        if row_factor is not None:
            wanted = wanted * row_factor
        if self.consumers.any_backlog:
            wanted = wanted + state.backlog
        source = state.held * self.rules.mask_now if self.rules.masked_rows.any() \
            else state.held
        have = state.row_sums(source)
        taken = np.minimum(wanted, have)
        taken *= taken > EPS
        drawn = source * (taken / np.maximum(have, TINY))[:, :, None]
        state.held -= drawn
        return taken, drawn

    def process(self, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Step 4 (Processors.process) with the input each processor took."""
        p, state = self.processors, self.state
        state.rec.arrays["processed_t"][:, k, p.rows] = taken[:, p.input_rows]
        drawn = drawn[:, p.input_rows]
        made = drawn * p.yield_cells.reshape(drawn.shape[1:])
        made = np.matmul(made, p.stamp_matrix) if p.stamp_matrix is not None \
            else self._stamped(made)
        out = state.stock[:, p.rows]
        if not p.any_later:
            out += made
            return
        slot = k % self.batches.shape[0]
        out += self.batches[self.done_slots[slot], :, p.batch_rows].transpose(1, 0, 2)
        self.batches[slot] = made if p.all_later else made * p.later
        if not p.all_later:
            out += made * p.at_once

    def _stamped(self, made: np.ndarray) -> np.ndarray:
        """Processors._stamped per replication (one bincount over [processor, origin])."""
        reps, size = made.shape[0], made[0].size
        cells = (np.arange(reps)[:, None] * size + self.processors.stamp_cells).ravel()
        return np.bincount(cells, made.ravel(), minlength=reps * size).reshape(made.shape)

    def in_process_t(self, r: int) -> float:
        """Tonnes in batches not finished at the end of replication r's run."""
        last, slots = self.plans.steps - 1, self.batches.shape[0]
        return float(sum(self.batches[(last - j) % slots, r, p].sum()
                         for p, delay in enumerate(self.processors.delay_steps.tolist())
                         for j in range(delay)))

    def consume(self, k: int, taken: np.ndarray, drawn: np.ndarray,
                market: object | None) -> None:
        """Step 5 (World._consume, Consumers.consume): stockpiles cover, then the records."""
        rows, state = self.consumers.rows, self.state
        taken, took = taken[:, rows], drawn[:, rows]
        placed = self.plans.demand_t[:, k] if market is None \
            else self.plans.demand_t[:, k] * market.demand_factor
        stockpiles = self.plans.worlds[0].stockpiles
        if stockpiles.cover_order:
            missing = placed + state.backlog[:, rows] - taken
            short = (missing[:, stockpiles.covered] > EPS).any(axis=1)
            for r in np.flatnonzero(short).tolist():
                self.plans.worlds[r].stockpiles.cover(
                    one_state(state, r), k, missing[r], taken[r], took[r],
                    self.rules.mask_now[r], None if market is None else market.may_sell[r])
        rec = state.rec.arrays
        rec["delivered_t"][:, k, rows] = taken
        if self.consumers.any_backlog:
            wanted = placed + state.backlog[:, rows]
            backlog = wanted - taken
            backlog[backlog <= ROUNDING * wanted] = 0.0
            backlog *= self.consumers.keeps_backlog
            state.backlog[:, rows] = rec["backlog_t"][:, k, rows] = backlog
        state.rec.deliver(k, took)
