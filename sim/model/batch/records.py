"""The records of R replications, [rep, step, …], and each one's Recorder after the run.

Deliveries are kept by mining and by processing country (what a RunRecord reports: 18
columns on the baseline, not 67 pairs), grouped as they are made; by cell only for the last
steps scrap looks back on (`recent`, a ring of steps).
"""

from __future__ import annotations

import numpy as np

from sim.model.batch import jit, loops
from sim.model.batch.cells import Cells, per_rep_bincount
from sim.model.recorder import Recorder
from sim.model.world import World
from sim.records import NODE_VARIABLES, REDUCED_AWAY

STEP_VARIABLES = ("processed_t", "delivered_t", "backlog_t", "released_t")
"""The node variables the step itself writes; the others are filled after the run, one
replication at a time, so they are not held for all replications at once."""


class BatchRecords:
    """The records of R replications, [step, rep, …] (a step writes one block); `of(r)` is
    a Recorder over r's slice."""

    def __init__(self, reps: int, steps: int, world: World, cells: Cells):
        n, rows = len(world.net.nodes), world.net.n_holding_rows
        consumers, scrap = world.consumers.rows, world.consumers.scrap
        n_consumers = consumers.stop - consumers.start
        self.shape, self.n_origins = (steps, n), cells.n_origins
        self.consumer_cells = slice(int(cells.first[consumers.start]),
                                    int(cells.first[consumers.stop]))
        origins = world.origins
        self._columns = [_columns(cells, self.consumer_cells, consumers, g)
                         for g in (origins.by_mined, origins.by_processed)]
        self.delivered_by_mined = np.zeros((steps, reps, n_consumers, len(origins.mined)))
        self.delivered_by_processed = np.zeros((steps, reps, n_consumers,
                                                len(origins.processed)))
        self.arrays = {name: np.zeros((steps, reps, n)) for name in STEP_VARIABLES}
        self.window = int(scrap.steps.max()) + 1 if scrap.steps.size else 1
        self.recent = np.zeros((self.window, reps, self.consumer_cells.stop
                                - self.consumer_cells.start)) if scrap.steps.size else None
        self.shipped_by_edge = np.zeros((steps, reps, len(world.net.edges)))
        self.held_t = np.zeros((steps, reps, rows))
        self.received_t = np.zeros((steps, reps, rows))
        self.compiled = jit.enabled() and self.recent is not None

    def deliver(self, k: int, took: np.ndarray) -> None:
        """Record step k's deliveries [rep, consumer cell]."""
        if self.compiled:
            reps = took.shape[0]
            loops.deliver(took, self.delivered_by_mined[k].reshape(reps, -1), self._columns[0],
                          self.delivered_by_processed[k].reshape(reps, -1),
                          self._columns[1], self.recent[k % self.window])
            return
        for out, columns in zip((self.delivered_by_mined, self.delivered_by_processed),
                                self._columns, strict=True):
            out[k] = per_rep_bincount(columns, took, out[k, 0].size).reshape(out.shape[1:])
        if self.recent is not None:
            self.recent[k % self.window] = took

    def used(self, step: int) -> np.ndarray:
        """Deliveries [rep, consumer cell] on `step` (at most the longest scrap delay back)."""
        return self.recent[step % self.window]

    def block(self, reps: slice) -> dict[str, np.ndarray]:
        """The node variables of replications `reps` reduced to KPIs read, [step, rep, node],
        in NODE_VARIABLES order (not REDUCED_AWAY's): the step's own as views, the others
        (filled after the run) zeros, in one allocation."""
        n = len(range(*reps.indices(self.delivered_by_mined.shape[1])))
        kept = [name for name in NODE_VARIABLES if name not in REDUCED_AWAY]
        later = [name for name in kept if name not in self.arrays]
        block = dict(zip(later, np.zeros((len(later), self.shape[0], n, self.shape[1])),
                         strict=True))
        return {name: self.arrays[name][:, reps] if name in self.arrays else block[name]
                for name in kept}

    def view(self, r: int, arrays: dict[str, np.ndarray]) -> Recorder:
        """Replication r's Recorder over `arrays` (its node variables, [step, node]), and
        views of its slices of the step's records but for its deliveries by mining country
        [step, consumer, country] (a copy: scrap returns read them across, 3x faster in
        memory order); no production by origin."""
        rec = Recorder(0, 0, 0, 0, 0, 0)
        rec.arrays = arrays
        rec.delivered_by_origin = np.ascontiguousarray(self.delivered_by_mined[:, r])
        rec.produced_by_origin = None
        rec.shipped_by_edge = self.shipped_by_edge[:, r]
        rec.held_t, rec.received_t = self.held_t[:, r], self.received_t[:, r]
        return rec

    def of(self, r: int, full: bool = True) -> Recorder:
        """Replication r's Recorder: with `full`, every node variable (copies of r's slices,
        new arrays for those filled after the run; stocks and receipts by row, read once), its
        `delivered_by_origin` left for the caller to set; else views of the node variables
        the step writes."""
        rec = Recorder(0, 0, 0, 0, 0, 0)
        if not full:
            rec.arrays = {name: a[:, r] for name, a in self.arrays.items()}
            return rec
        # copies: a record kept by the caller must not keep every replication's arrays alive
        block = np.zeros((len(NODE_VARIABLES), *self.shape))  # one allocation, not 20
        rec.arrays = dict(zip(NODE_VARIABLES, block, strict=True))
        for name, stacked in self.arrays.items():
            rec.arrays[name][:] = stacked[:, r]
        rec.produced_by_origin = np.zeros((self.shape[0], self.n_origins))
        rec.shipped_by_edge = self.shipped_by_edge[:, r].copy()
        rec.held_t = np.ascontiguousarray(self.held_t[:, r])  # derive reads each twice: one
        rec.received_t = np.ascontiguousarray(self.received_t[:, r])  # pass through the
        # chunk's stride, not two; the RunRecord keeps neither
        return rec


def _columns(cells: Cells, consumer_cells: slice, consumers: slice, by_pair: np.ndarray
             ) -> np.ndarray:
    """Where each consumer cell counts in [consumer, group] (flat); a group's cells are
    added in pair order."""
    rows = cells.row[consumer_cells] - consumers.start
    return rows * by_pair.shape[1] + by_pair[cells.pair[consumer_cells]].argmax(axis=1)
