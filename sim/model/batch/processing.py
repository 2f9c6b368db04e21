"""Step 4 for R replications (processors.py): input drawn, yield, each processor's country
stamped on what it makes, batches that wait `process_days`; on stocks by cell.

A processor's input cells map to its output cells (its stock's) through its stamp; batches
wait in a ring [slot, rep, output cell] written on slot k % slots.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SimulationError
from sim.model.batch import jit, loops
from sim.model.batch.cells import per_rep_bincount
from sim.model.batch.state import BatchState
from sim.model.world import World


class Processing:
    """Every processor's yield, stamp and batches, by cell."""

    def __init__(self, world: World, reps: int, slots: int, state: BatchState):
        p, cells, n = world.processors, state.cells, len(world.net.nodes)
        self.p, self.state = p, state
        n_proc, n_origins = p.rows.stop - p.rows.start, cells.n_origins
        self.inputs = slice(int(cells.first[n]), int(cells.first[n + n_proc]))
        self.outputs = slice(int(cells.first[p.rows.start]), int(cells.first[p.rows.stop]))
        of_input = cells.row[self.inputs] - n  # the processor of each input cell
        self.yields = p.yields[of_input]
        stamped = p.stamp_cells.reshape(-1, n_origins)[of_input, cells.pair[self.inputs]]
        stamped -= n_origins * of_input
        into = cells.at(p.rows.start + of_input, stamped) - self.outputs.start
        if (into < 0).any():
            raise SimulationError("internal: a processor's output cells miss a stamped pair")
        n_out = self.outputs.stop - self.outputs.start
        self._into, self._n_out = into, n_out
        of_output = cells.row[self.outputs] - p.rows.start  # the processor of each output cell
        self.done = p.done_slots[:, of_output] if n_proc else np.zeros((slots, 0), np.int64)
        self.later, self.at_once = p.later[of_output, 0], p.at_once[of_output, 0]
        self.delay = p.delay_steps[of_output]
        self.batches = np.zeros((slots, reps, n_out))
        self._columns = np.arange(n_out)
        self.compiled = jit.enabled()

    def process(self, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Processors.process with the input each processor took (`taken` [rep, row],
        `drawn` [rep, cell])."""
        p, state = self.p, self.state
        state.rec.arrays["processed_t"][k, :, p.rows] = taken[:, p.input_rows]
        slot = k % self.batches.shape[0]
        if self.compiled:
            loops.process(drawn, self.inputs.start, self.yields, self._into, state.held,
                          self.outputs.start, self.batches, self.done[slot], slot,
                          self.later, self.at_once)
            return
        made = per_rep_bincount(self._into, drawn[:, self.inputs] * self.yields, self._n_out)
        out = state.held[:, self.outputs]
        if not p.any_later:
            out += made
            return
        out += self.batches[self.done[slot], :, self._columns].T
        self.batches[slot] = made if p.all_later else made * self.later
        if not p.all_later:
            out += made * self.at_once

    def in_process_t(self, r: int, last: int) -> float:
        """Tonnes in batches not finished by step `last` in replication r."""
        slots = self.batches.shape[0]
        cells = np.repeat(np.arange(self.delay.size), self.delay)  # each cell, delay times
        back = np.arange(cells.size) - np.repeat(np.cumsum(self.delay) - self.delay, self.delay)
        return float(self.batches[(last - back) % slots, r, cells].sum())
