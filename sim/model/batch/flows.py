"""Steps 1–5 of design.md for R replications at once: scrap returns, one-off releases, mines,
what processors and consumers draw, processing, consumption and stockpile cover.

Each function does the single engine's arithmetic (world.py, consumers.py, mines.py,
processors.py, stockpiles.py) with a leading replication axis, on stocks by cell (cells.py).
The rare per-node work of stockpiles (one-off releases, covering a shortfall) runs the single
engine's own methods on one replication as a single-engine State (BatchState.single).
"""

from __future__ import annotations

import numpy as np

from sim.model.batch import jit, loops
from sim.model.batch.cells import as_slice, spread
from sim.model.batch.plans import Plans
from sim.model.batch.processing import Processing
from sim.model.batch.rules import BatchRules
from sim.model.batch.state import BatchState
from sim.model.tolerances import EPS, TINY
from sim.records import ROUNDING


class Flows:
    """Steps 1–5 of a step, with the parts of the model they read."""

    def __init__(self, plans: Plans, state: BatchState, rules: BatchRules):
        self.plans, self.state, self.rules = plans, state, rules
        w = plans.worlds[0]
        self.mines, self.consumers = w.mines, w.consumers
        self.scrap = w.consumers.scrap
        cells, reps = state.cells, len(plans.worlds)
        self.processing = Processing(w, reps, plans.slots, state)
        self.scrap_factor_t = np.ones((reps, plans.steps, self.scrap.scrap_from.size))
        self.mine_cells = as_slice(cells.index[self.mines.cells])  # each mine's own pair
        consumers = self.consumers.rows
        self.consumer_cells = slice(int(cells.first[consumers.start]),
                                    int(cells.first[consumers.stop]))
        self.scrap_cells = ScrapCells(cells, consumers.start, self.scrap, reps)
        self.compiled = jit.enabled()

    def return_scrap(self, k: int, factor: np.ndarray | None) -> None:
        """Step 1: scrap due on step k joins its processors' input (× collection factor)."""
        scrap = self.scrap
        if not scrap.scrap_from.size:
            return
        used_on = k - scrap.steps
        came = (scrap.rate[:, 0] * (used_on >= 0))[None]
        if factor is not None:
            came = came * factor
            self.scrap_factor_t[:, k] = factor
        held, rec, cells = self.state.held, self.state.rec, self.scrap_cells
        for delay, source, into, flat, of in cells.by_delay:  # same-step returns at once
            if self.compiled:
                loops.return_scrap(held, rec.used(max(k - delay, 0)), source, into, of, came)
                continue
            tonnes = np.take(rec.used(max(k - delay, 0)), source, axis=1)
            tonnes *= came.take(of, axis=1)
            np.add.at(held.reshape(-1), flat, tonnes.ravel())  # held is C-contiguous
            # (cells_of): in return order within a delay, delays in ascending order

    def release_due(self, k: int, due: list[int]) -> None:
        """Step 2: the one-off releases due on step k, replication by replication."""
        for r in due:
            with self.state.single(r) as one:
                self.plans.worlds[r].stockpiles.release_due(one, k)

    def produce(self, k: int, factor: np.ndarray | None) -> None:
        """Step 3: this step's output joins each mine's stock (× output factor)."""
        output = self.plans.output_t[:, k]
        if factor is not None:
            output = output * factor
        self.state.held[:, self.mine_cells] += output

    def draw(self, k: int, row_factor: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Steps 4–5's draws (World._draw): tonnes taken per row, and by cell."""
        state = self.state
        wanted = self.plans.wanted_t[:, k]
        if row_factor is not None:
            wanted = wanted * row_factor
        if self.consumers.any_backlog:
            wanted = wanted + state.backlog
        if self.compiled:
            taken, drawn = np.empty_like(wanted), np.empty_like(state.held)
            loops.draw(state.held, self.rules.mask_cells, self.rules.anywhere.masked_rows,
                       wanted, state.cells.first, taken, drawn)
            return taken, drawn
        source = state.held * self.rules.mask_cells if self.rules.anywhere.masked_rows \
            else state.held
        have = state.row_sums(source)
        taken = np.minimum(wanted, have)
        taken *= taken > EPS
        drawn = source * spread(taken / np.maximum(have, TINY), state.cells.row_of_cell)
        state.held -= drawn
        return taken, drawn

    def process(self, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Step 4 (Processors.process) with the input each processor took."""
        self.processing.process(k, taken, drawn)

    def in_process_t(self, r: int) -> float:
        """Tonnes in batches not finished at the end of replication r's run."""
        return self.processing.in_process_t(r, self.plans.steps - 1)

    def consume(self, k: int, taken: np.ndarray, drawn: np.ndarray,
                market: object | None) -> None:
        """Step 5 (World._consume, Consumers.consume): stockpiles cover, then the records."""
        rows, state = self.consumers.rows, self.state
        taken, took = taken[:, rows], drawn[:, self.consumer_cells]
        placed = self.plans.demand_t[:, k] if market is None \
            else self.plans.demand_t[:, k] * market.demand_factor
        if self.plans.worlds[0].stockpiles.cover_order:
            self._cover(k, placed, taken, took, market)
        rec = state.rec.arrays
        rec["delivered_t"][k, :, rows] = taken
        if self.consumers.any_backlog:
            wanted = placed + state.backlog[:, rows]
            backlog = wanted - taken
            backlog[backlog <= ROUNDING * wanted] = 0.0
            backlog *= self.consumers.keeps_backlog
            state.backlog[:, rows] = rec["backlog_t"][k, :, rows] = backlog
        state.rec.deliver(k, took)

    def _cover(self, k: int, placed: np.ndarray, taken: np.ndarray, took: np.ndarray,
               market: object | None) -> None:
        """Stockpiles cover consumers' shortfall (Stockpiles.cover), in the replications
        where a covered consumer is short; `taken` and `took` updated in place."""
        state, rows, cells = self.state, self.consumers.rows, self.state.cells
        stockpiles = self.plans.worlds[0].stockpiles
        missing = placed + state.backlog[:, rows] - taken
        short = (missing[:, stockpiles.covered] > EPS).any(axis=1)
        for r in np.flatnonzero(short).tolist():
            full = np.zeros(cells.size)
            full[self.consumer_cells] = took[r]
            by_pair = cells.dense(full)
            with state.single(r) as one:
                self.plans.worlds[r].stockpiles.cover(
                    one, k, missing[r], taken[r], by_pair[rows], self.rules.mask_now[r],
                    None if market is None else market.may_sell[r])
            took[r] = cells.cells_of(by_pair)[self.consumer_cells]


class ScrapCells:
    """Where each scrap return comes from and goes, by cell, its returns grouped by delay:
    `by_delay` holds (delay in steps, consumer cells used, the cells of the processors'
    input rows they join, those as flat [rep × cell] indices, which return each cell
    belongs to)."""

    def __init__(self, cells, first_consumer: int, scrap, reps: int):
        into_rows = scrap.into.argmax(axis=0).tolist()
        parts = [_scrap_cells(cells, first_consumer, c, into_row)
                 for c, into_row in zip(scrap.scrap_from.tolist(), into_rows, strict=True)]
        self.by_delay = []
        for delay in sorted(set(scrap.steps.tolist())):
            returns = [j for j in range(len(parts)) if scrap.steps[j] == delay]
            source = np.concatenate([parts[j][0] for j in returns])
            into = np.concatenate([parts[j][1] for j in returns])
            of = np.concatenate([np.full(parts[j][0].size, j) for j in returns])
            flat = (np.arange(reps)[:, None] * cells.size + into).ravel()
            self.by_delay.append((delay, source, into, flat, of))


def _scrap_cells(cells, first_consumer: int, consumer: int, into_row: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A scrap return's cells: those of its consumer (within the consumers' cells) and the
    cells of its processor's input row holding the same pairs."""
    row = first_consumer + consumer
    own = np.arange(cells.first[row], cells.first[row + 1])
    into = cells.at(into_row, cells.pair[own])
    return own - cells.first[first_consumer], into
