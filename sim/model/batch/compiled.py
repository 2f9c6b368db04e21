"""Step 6's allocation for R replications as compiled loops (numba), when numba is installed.

The NumPy allocation (allocation.py) makes some 40 array operations a step over every
replication at once; this does the single engine's Allocation (sim/model/allocation.py)
replication by replication in loops, with the same arithmetic in the same order (sums per
supplier edge by edge, as bincount adds), so grants agree to rounding: within 1e-9. It
covers levels, pro rata, quotas, licences and re-offer rounds, not origin rules: a step
where some replication has an origin rule in force takes the NumPy path.

Without numba, or with TUNGSTEN_SIM_COMPILED=0, `kernel()` is None and the NumPy path runs
(jit.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model import tolerances
from sim.model.batch.jit import enabled, jit

EPS = float(tolerances.EPS)  # tolerances' are 0-d arrays (fast in NumPy); numba wants floats
ZERO = float(tolerances.ZERO)


def kernel() -> Callable | None:
    """The compiled `allocate_reps`, or None without numba or with TUNGSTEN_SIM_COMPILED=0.
    Its first call in a fresh install compiles it (a few seconds), later ones load it."""
    return allocate_reps if enabled() else None


@jit
def allocate_reps(need, request, available, whole, filled, supplier, holding_row,
                  level_start, level_rows, ask_start, asks, reoffered, refused, on_quota,
                  left):
    """Allocation.allocate for each replication r: grants `filled[r]` for `request[r]`
    from `available[r]` (updated), level by level (edges `level_rows[level_start[L]:…]`,
    re-offer asks `asks[ask_start[L]:…]`), under its rules (`reoffered`, `refused`
    [rep, edge]) and quotas (`on_quota` [rep, quota, edge], `left` [rep, quota], updated).
    Scratch arrays are made once a call, not per replication and level (which cost more
    than the arithmetic on small networks)."""
    n_edges = request.shape[1]
    rest, by_row = np.empty(need.shape[1]), np.zeros(need.shape[1])
    by_node = np.zeros(available.shape[1])  # sums per supplier; zero between uses
    asked, granted = np.empty(n_edges), np.empty(n_edges)
    round_rows, picked = np.empty(n_edges, np.int64), np.empty(max(asks.size, 1), np.int64)
    may = np.empty(max(asks.size, 1), np.bool_)
    for r in range(need.shape[0]):
        rest[:] = need[r]  # what each buyer still lacks, once a level re-offers
        for level in range(level_start.size - 1):
            rows = level_rows[level_start[level]:level_start[level + 1]]
            m = rows.size
            for i in range(m):
                asked[i] = request[r, rows[i]]
            _serve_rows(rows, asked[:m], granted[:m], available[r], supplier, on_quota[r],
                        left[r], by_node)
            for i in range(m):
                filled[r, rows[i]] = granted[i]
            level_asks = asks[ask_start[level]:ask_start[level + 1]]
            if not _may_reoffer(level_asks, granted[:m], asked[:m], available[r], supplier,
                                reoffered[r], whole[r]):
                continue
            _subtract_sums(holding_row, rows, granted[:m], rest, by_row)
            _reoffer(level_asks, rest, filled[r], available[r], supplier, holding_row,
                     reoffered[r], refused[r], on_quota[r], left[r],
                     (may, picked, round_rows, asked, granted, by_node))


@jit(inline=True)
def _subtract_sums(index, rows, values, out, sums):
    """out -= np.bincount(index[rows], values, minlength=out.size): each bin's values added in
    order, then taken off once (`sums` all zero before and after)."""
    for i in range(rows.size):
        sums[index[rows[i]]] += values[i]
    for i in range(rows.size):
        b = index[rows[i]]
        out[b] -= sums[b]
        sums[b] = 0.0  # a later value of the same bin takes off 0.0: no change


@jit(inline=True)
def _may_reoffer(asks, granted, asked, available, supplier, reoffered,
                 whole):
    """A level re-offers when one of its open asks' suppliers has stock left and, if no
    request was cut before (`whole`), some request was not granted in full."""
    open_stock = False
    for j in range(asks.size):
        if reoffered[asks[j]] and available[supplier[asks[j]]] > EPS:
            open_stock = True
            break
    if not open_stock:
        return False
    if not whole:
        return True
    for i in range(granted.size):  # noqa: SIM110 - a loop compiles; any(generator) does not
        if granted[i] < asked[i]:
            return True
    return False


@jit(inline=True)
def _serve_rows(rows, request, granted, available, supplier, on_quota, left, by_node):
    """Allocation._serve_level for one replication: `granted` pro rata to what each supplier
    has, then cut on each quota's edges to what it has left; `available` updated. `by_node`
    (all zero before and after) holds the sums per supplier."""
    for i in range(rows.size):
        by_node[supplier[rows[i]]] += request[i]
    for i in range(rows.size):
        s = supplier[rows[i]]
        granted[i] = request[i] * (min(max(available[s], ZERO), by_node[s])
                                   / max(by_node[s], EPS))
    for i in range(rows.size):
        by_node[supplier[rows[i]]] = 0.0
    for q in range(on_quota.shape[0]):
        asked_q = 0.0
        for i in range(rows.size):
            if on_quota[q, rows[i]]:
                asked_q += granted[i]
        if asked_q > 0:
            scale = min(1.0, left[q] / asked_q)
            for i in range(rows.size):
                if on_quota[q, rows[i]]:
                    granted[i] *= scale
            left[q] = max(0.0, left[q] - asked_q * scale)
    _subtract_sums(supplier, rows, granted, available, by_node)


@jit(inline=True)
def _serve_one(edge, request, available, supplier, on_quota, left):
    """Allocation._serve_one: min(request, what the supplier has left), at most what the
    edge's quota has left."""
    s = supplier[edge]
    granted = max(0.0, min(request, available[s]))
    for q in range(on_quota.shape[0]):
        if on_quota[q, edge]:
            granted = min(granted, left[q])
            left[q] = max(0.0, left[q] - granted)
            break
    available[s] -= granted
    return granted


@jit(inline=True)
def _reoffer(asks, rest, filled, available, supplier, holding_row, reoffered, refused,
             on_quota, left, scratch):
    """Allocation._reoffer for one replication: rounds in which each buyer asks its first
    live supplier (stock left, quota not spent, not re-asked yet) for all it lacks.
    `scratch`: (may, picked, rows, request, granted, by_node) arrays to work in."""
    may, picked, rows, request, granted, by_node = scratch
    n = asks.size
    for j in range(n):
        e = asks[j]
        may[j] = reoffered[e] and not refused[e] and rest[holding_row[e]] > EPS
    while True:
        n_live = _still_live(may[:n], asks, available, supplier, on_quota, left)
        if n_live == 0:
            return
        n_picked, last_buyer = 0, -1
        for j in range(n):  # the first live ask of each buyer
            if may[j] and holding_row[asks[j]] != last_buyer:
                last_buyer = holding_row[asks[j]]
                picked[n_picked] = j
                n_picked += 1
        for i in range(n_picked):
            rows[i] = asks[picked[i]]
            request[i] = rest[holding_row[rows[i]]]
            may[picked[i]] = False  # each edge is re-asked once
        if n_picked == 1:
            granted[0] = _serve_one(rows[0], request[0], available, supplier, on_quota,
                                    left) if request[0] > EPS else 0.0
        else:
            _serve_rows(rows[:n_picked], request[:n_picked], granted[:n_picked], available,
                        supplier, on_quota, left, by_node)
        for i in range(n_picked):
            filled[rows[i]] += granted[i]
            rest[holding_row[rows[i]]] -= granted[i]
        if n_live == 1:
            return
        for j in range(n):
            may[j] = may[j] and rest[holding_row[asks[j]]] > EPS


@jit(inline=True)
def _still_live(may, asks, available, supplier, on_quota, left):
    """Asks still live (supplier has stock left, quota not spent), updating `may`."""
    n_live = 0
    for j in range(asks.size):
        if may[j]:
            e = asks[j]
            live = available[supplier[e]] > EPS
            for q in range(on_quota.shape[0]):
                if live and on_quota[q, e] and left[q] <= EPS:
                    live = False
            may[j] = live
            n_live += live
    return n_live
