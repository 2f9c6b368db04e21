"""Processors: refiners, converters and recyclers (design.md step 4).

Each step a processor first moves finished batches to its output stock, then starts up to
capacity × step_days / 365 of the input it holds; a batch started on a step is output, at
the processor's yield, on the first step starting on or after its start + `process_days`
(so only `process_days: 0` gives output in the same step, and 1 to 7 days on weekly steps
mean the next step). `processed_t` counts input tonnes and `lost_t` = processed × (1 − yield).
What a processor makes keeps where it was mined and takes the processor's country as where
it was processed, unless it only passes its product on (origins.py).
Batches wait in a ring of slots [slot, processor, origin] written on slot k % slots.
"""

from __future__ import annotations

import copy

import numpy as np

from sim.model.capacity import Capacity
from sim.model.clock import Clock
from sim.model.network import PROCESSOR, Network
from sim.model.origins import Origins
from sim.model.recorder import Recorder
from sim.model.state import State


class Processors:
    """Every processor's capacity per step, its batches in process, and the step's work."""

    def __init__(self, net: Network, clock: Clock, capacity: Capacity, origins: Origins):
        processors = net.of_kind(PROCESSOR)
        n = len(net.nodes)
        self.rows = net.rows(PROCESSOR)
        self.input_rows = slice(n, n + len(processors))  # of State.held, after node rows
        self.clock, self.capacity = clock, capacity
        self.capacity_t = np.zeros((clock.n_steps, len(processors)))  # input t per step
        self.yields = np.array([p.spec.yield_ for p in processors])
        self.yield_cells = np.repeat(self.yields, len(origins.pairs))  # by [processor, origin]
        self.delay_steps = np.array([clock.steps(p.spec.process_days) for p in processors],
                                    dtype=np.int64)
        slots = int(self.delay_steps.max()) + 1 if processors else 1
        n_origins = len(origins.pairs)
        self.batches = np.zeros((slots, len(processors), n_origins))
        stamped = np.array([origins.stamped(p) for p in processors],
                           dtype=np.int64).reshape(len(processors), n_origins)
        self.stamp_cells = (stamped + n_origins * np.arange(len(processors))[:, None]).ravel()
        self.stamp_matrix = None  # all processors stamp alike: one [origin, origin] 0/1 map
        if processors and (stamped == stamped[0]).all():
            self.stamp_matrix = np.zeros((n_origins, n_origins))
            self.stamp_matrix[np.arange(n_origins), stamped[0]] = 1.0
        self.later = (self.delay_steps > 0)[:, None] * 1.0  # 1 where output waits for a batch
        self.at_once = 1.0 - self.later
        self.any_later, self.all_later = bool(self.later.any()), bool(self.later.all())
        self.batch_rows = np.arange(len(processors))
        self.done_slots = (np.arange(slots)[:, None] - self.delay_steps) % slots
        for j in range(len(processors)):
            self.refresh(self.rows.start + j, 0)

    def replica(self, capacity: Capacity, capacity_t: np.ndarray) -> Processors:
        """These processors in one replication: its capacity, its capacity table
        (`capacity_t`, filled as this one's) and its own batches in process; the rest is the
        same and shared."""
        twin = copy.copy(self)
        twin.capacity, twin.capacity_t = capacity, capacity_t
        twin.batches = np.zeros_like(self.batches)
        return twin

    def refresh(self, node: int, first: int) -> None:
        """Recompute a processor's capacity per step from step `first` on."""
        j = node - self.rows.start
        self.capacity_t[first:, j] = self.capacity.rate_tpa(node, first) * self.clock.per_step

    def process(self, state: State, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Step 4 with the input tonnes each processor took this step (`taken` by holding
        row, `drawn` by holding row and origin, from World.draw)."""
        state.rec.arrays["processed_t"][k, self.rows] = taken[self.input_rows]
        drawn = drawn[self.input_rows]  # contiguous rows: cell-wise beats broadcasting
        made = self._stamped((drawn.reshape(-1) * self.yield_cells).reshape(drawn.shape))
        out = state.stock[self.rows]
        if not self.any_later:
            out += made
            return
        slot = k % self.batches.shape[0]
        out += self.batches[self.done_slots[slot], self.batch_rows]
        self.batches[slot] = made if self.all_later else made * self.later
        if not self.all_later:
            out += made * self.at_once

    def _stamped(self, made: np.ndarray) -> np.ndarray:
        """Output by origin: each processor's country as where it was processed (one matrix
        product when all processors stamp alike, else one bincount over [processor, origin])."""
        if self.stamp_matrix is not None:
            return made.dot(self.stamp_matrix)
        return np.bincount(self.stamp_cells, made.ravel(), minlength=made.size) \
            .reshape(made.shape)

    def pending(self, rec: Recorder, k: int, n_nodes: int) -> np.ndarray:
        """Per node: whether a processor has a batch in process after step k (one started
        within its last delay_steps steps, read from the record)."""
        pending = np.zeros(n_nodes, dtype=bool)
        started = rec.arrays["processed_t"]
        for j, delay in enumerate(self.delay_steps.tolist()):
            node = self.rows.start + j
            pending[node] = delay > 0 and bool(started[max(0, k - delay + 1): k + 1, node].any())
        return pending

    def in_process_t(self) -> float:
        """Tonnes in batches not finished by the end of the run."""
        last, slots = self.clock.n_steps - 1, self.batches.shape[0]
        return float(sum(self.batches[(last - j) % slots, p].sum()
                         for p, delay in enumerate(self.delay_steps.tolist())
                         for j in range(delay)))

    def record(self, rec: Recorder) -> None:
        """After the run: capacity_tpa of every processor (if the record holds it)."""
        if "capacity_tpa" not in rec.arrays:
            return
        for node in range(self.rows.start, self.rows.stop):
            rec.arrays["capacity_tpa"][:, node] = self.capacity.rate_tpa(node, 0)
