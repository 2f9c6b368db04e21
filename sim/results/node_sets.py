"""Sums over many sets of nodes at once, each bit for bit the sum numpy gives of that set alone.

A scope's KPIs sum its nodes' values. Numpy's order of addition depends on how the numbers
lie in memory: a contiguous run (`totals[members].sum()`) is summed pairwise, from eight
partial sums once there are eight or more; columns of a table (`flows[:, members].sum(axis=1)`)
are added one after another. So one call for many sets keeps each sum's bits only if each
set's numbers lie as they would alone: `NodeSets` groups the sets by size, and gathers each
group so (`row_sums`: a run per set; `series_sums`: rows added one after another).

Example::

    sets = NodeSets([(0,), (1, 2), (0, 1, 2)])
    sets.row_sums(np.array([[1.0, 2.0, 4.0]]))     # array([[1., 6., 7.]])
    for columns, index in sets.groups:             # (0,), then (1, 2), then (0, 1, 2)
        ...
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class NodeSets:
    """Sets of node indices (each in the order its sum adds them), grouped by size."""

    def __init__(self, sets: Sequence[Sequence[int]]) -> None:
        self.sets = tuple(tuple(s) for s in sets)
        by_size: dict[int, list[int]] = {}
        for k, members in enumerate(self.sets):
            by_size.setdefault(len(members), []).append(k)
        self.groups = tuple(
            (np.array(columns, dtype=np.intp),
             np.array([self.sets[k] for k in columns], dtype=np.intp).reshape(len(columns), size))
            for size, columns in by_size.items())
        """(columns, index) per size: the sets' places among `sets`, and their members
        [set, size]; `values[..., index]` is [..., set, size]."""

    def shifted(self, by: int) -> NodeSets:
        """These sets with every node index moved by `by` (itself when `by` is 0)."""
        if not by:
            return self
        return NodeSets([tuple(i + by for i in members) for members in self.sets])

    def __len__(self) -> int:
        return len(self.sets)

    def row_sums(self, rows: np.ndarray) -> np.ndarray:
        """[row, set]: each set's sum of each row of `rows` [row, node], bit for bit
        `row[list(members)].sum()`: each set's numbers in a row of their own, summed pairwise."""
        out = np.empty((len(rows), len(self.sets)))
        for columns, index in self.groups:
            out[:, columns] = np.take(rows, index, axis=1).sum(axis=-1)
        return out

    def series_sums(self, series: np.ndarray) -> np.ndarray:
        """[..., set, step]: each set's sum of `series` [..., node, step] over its nodes, bit
        for bit `values[:, list(members)].sum(axis=1)` of the same series as [step, node]
        (`values`): its nodes added one after another, each step on its own (with one step,
        a contiguous run, pairwise)."""
        *lead, n_nodes, n_steps = series.shape
        rows = series.reshape(-1, n_steps)  # [(..., node), step]
        first = (np.arange(rows.shape[0] // n_nodes) * n_nodes).reshape(*lead, 1, 1)
        out = np.empty((*lead, len(self.sets), n_steps))
        for columns, index in self.groups:
            out[..., columns, :] = rows[first + index].sum(axis=-2)  # from [..., set, node, step]
        return out
