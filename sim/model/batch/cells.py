"""The cells of the batch engine's stocks: each holding row with only the origin pairs it can
ever hold (656 of 48 rows × 67 pairs on the baseline).

The single engine keeps stocks dense, [holding row, pair]; most of that is zeros forever (a
mine holds one pair). The batch keeps `held[rep, cell]`, cells sorted by row and then by
pair, so a row's cells are one slice and arrays stay two-dimensional with a long last axis
(broadcasting over a short origin axis is slow). `dense` and `cells_of` convert for the
rare per-replication code that the single engine runs (releases, stockpile cover).
"""

from __future__ import annotations

import numpy as np

from sim.errors import SimulationError
from sim.model.batch import jit, loops
from sim.model.recorder import flat_bins, sums_by
from sim.model.world import World

FEW_A_ROW = 4
"""Below this many cells a row on average, sums per row are one bincount, else reduceat."""


class Cells:
    """Which (holding row, pair) each cell is, and sums and spreads over rows."""

    def __init__(self, world: World):
        origins, net = world.origins, world.net
        self.n_rows, self.n_origins = net.n_holding_rows, len(origins.pairs)
        pairs = [origins.stock_pairs(row) for row in range(self.n_rows)]
        sizes = np.array([p.size for p in pairs], dtype=np.int64)
        self.row = np.repeat(np.arange(self.n_rows), sizes)  # the row of each cell
        self.pair = np.concatenate(pairs) if pairs else np.zeros(0, dtype=np.int64)
        self.first = np.r_[0, np.cumsum(sizes)]  # row i's cells: first[i]:first[i + 1]
        self.size = int(self.first[-1])
        self.n_stock = int(self.first[len(net.nodes)])  # the nodes' own stocks come first
        self.flat = self.row * self.n_origins + self.pair  # index into dense [row × pair]
        self.index = np.full(self.n_rows * self.n_origins, -1, dtype=np.int64)
        self.index[self.flat] = np.arange(self.size)
        self.outside = self.index < 0  # dense positions no cell holds
        self.few = self.size < FEW_A_ROW * self.n_rows
        self.lone = bool((sizes == 1).all())  # one cell a row: a row's sum is its cell
        self.row_of_cell = as_slice(self.row)  # for spread
        self._row_of = {rows: self.row[: self.first[rows]] for rows in  # row sums' bins
                        (self.n_rows, len(net.nodes))}
        self.compiled = jit.enabled()

    def of(self, row: int) -> slice:
        """Row `row`'s cells."""
        return slice(int(self.first[row]), int(self.first[row + 1]))

    def at(self, row: int | np.ndarray, pair: int | np.ndarray) -> np.ndarray:
        """The cell of (row, pair); -1 where that row never holds that pair."""
        return self.index[np.asarray(row) * self.n_origins + pair]

    def row_sums(self, tonnes: np.ndarray, rows: int | None = None) -> np.ndarray:
        """Tonnes [rep, cell] summed by row, [rep, row]; or of the first `rows` rows, given
        only their cells. With one cell a row, a copy; with few, one bincount (2.5x faster
        than reduceat with 2 a row); with many, reduceat (3x faster with 13); compiled, one
        loop (baseline, 48 replications: 14 against 20 µs with reduceat)."""
        rows = self.n_rows if rows is None else rows
        if self.lone:
            return tonnes[:, :rows].copy()
        if self.compiled:
            out = np.empty((tonnes.shape[0], rows))
            loops.segment_sums(tonnes, self.first[: rows + 1], out)
            return out
        if self.few:
            return per_rep_bincount(self._row_of[rows], tonnes[:, : self.first[rows]], rows)
        return segment_sums(tonnes, self.first[: rows + 1])

    def cells_of(self, dense: np.ndarray) -> np.ndarray:
        """Dense [..., row, pair] as [..., cell]; raises if a tonne lies outside the cells."""
        flat = dense.reshape(*dense.shape[:-2], -1)
        if flat[..., self.outside].any():
            raise SimulationError("internal: a stock holds an origin pair its row's cells "
                                  "do not (origins.stock_pairs missed a flow)")
        return np.ascontiguousarray(flat[..., self.flat])  # numpy may lay it out [cell, rep]

    def dense(self, cells: np.ndarray) -> np.ndarray:
        """[cell] as dense [row, pair]."""
        out = np.zeros(self.n_rows * self.n_origins)
        out[self.flat] = cells
        return out.reshape(self.n_rows, self.n_origins)


_FLAT: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
"""Flat bins of an index array for R replications, by (id, R, size); the entry holds the
index array itself, so its id is not reused while it is cached."""


def per_rep_bincount(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """bincount(index, weights[r], size) for every replication r, [rep, size] (each
    replication's sums in the order of `index`, as the single engine's bincount)."""
    reps = weights.shape[0]
    key = (id(index), reps, size)
    cached = _FLAT.get(key)
    if cached is None or cached[0] is not index:
        if len(_FLAT) > 256:
            _FLAT.clear()
        cached = _FLAT[key] = (index, flat_bins(index, reps, size))
    return sums_by(index, weights, size, cached[1])


def segment_sums(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """[rep, segment]: values [rep, …] summed over each segment first[i]:first[i + 1]
    (reduceat: a segment's first value plus the sum of the rest; an empty segment sums
    to 0)."""
    values = values[:, : int(first[-1])]  # reduceat's last segment runs to the end
    full = first[1:] > first[:-1]
    if full.all():
        return np.add.reduceat(values, first[:-1], axis=1) if full.size else \
            np.zeros((values.shape[0], 0))
    out = np.zeros((values.shape[0], full.size))
    if full.any():
        out[:, full] = np.add.reduceat(values, first[:-1][full], axis=1)
    return out


def spread(values: np.ndarray, columns: np.ndarray | slice) -> np.ndarray:
    """values[:, columns] in C order: a view where `columns` is a slice (`as_slice`; every row
    or route one cell, as on the toy network), else a gather. For temporaries only."""
    return values[:, columns] if isinstance(columns, slice) else values.take(columns, axis=1)


def as_slice(index: np.ndarray) -> np.ndarray | slice:
    """`index` as a slice where it runs a…b in order (a view, not a gather), else itself."""
    if index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size)):
        return slice(int(index[0]), int(index[0]) + index.size)
    return index
