"""The consumer KPIs of many sets of consumers at once: `kpis.consumer_values` of each set,
bit for bit (for a single run), from a few numpy calls per size of set instead of a dozen per
set.

Each set's per-step series (demand, deliveries, backlog, expected use, stock) are summed
over its consumers as `consumer_values` sums them (`NodeSets`), laid out [rep, set, step] so
that run totals, counts, first and last short steps, peaks and minima are one call each
for every set and replication of a stack (`StackedRuns`; a single run is a stack of one).

Example::

    table = consumer_table(StackedRuns.of(run), NodeSets([(30,), (30, 31)]))  # [rep, value, set]
    table[0, :, 1]        # the values of kpis.consumer_values(run, [30, 31])
"""

from __future__ import annotations

import numpy as np

from sim.records import StackedRuns
from sim.results.catalogue import FIRST_TONNE_T
from sim.results.node_sets import NodeSets

SHORT_EPS = 1e-9
"""Relative tolerance under which a step's shortfall counts as none."""
SERIES = ("demand_t", "delivered_t", "backlog_t", "expected_use_t", "stock_t")
"""The per-step variables a set of consumers' KPIs are made of."""
REACHED = FIRST_TONNE_T * (1.0 - SHORT_EPS)
"""Running total at which a set's first tonne from a country has arrived."""


def consumer_table(runs: StackedRuns, sets: NodeSets) -> np.ndarray:
    """[rep, value, set]: for each replication and set of consumers, the values
    `kpis.consumer_values` gives: CONSUMER_KPIS, origin shares (mined, then processed),
    first-tonne days."""
    step = float(runs.step_days)
    held = runs.consumers  # the sets' nodes: a stack's series are read for these only
    local = sets.shifted(-held.start)  # the sets as positions among `held`
    by_node = np.stack([runs.arrays[name][:, :, held].transpose(1, 2, 0) for name in SERIES])
    demand, delivered, backlog, use, stock = local.series_sums(by_node)
    total_demand, total_delivered = demand.sum(axis=-1), delivered.sum(axis=-1)
    shortfall = total_demand - total_delivered
    shortfall[np.abs(shortfall) <= SHORT_EPS * np.maximum(total_demand, 1.0)] = 0.0
    by_country, first_tonne = origin_sums(runs, local)
    delivered_of_set = total_delivered[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(total_demand > 0, total_delivered / total_demand, 1.0)
        shares = np.where(delivered_of_set > 0, by_country / delivered_of_set, 0.0)
        use_per_day = use / step
        cover = np.where(use_per_day > 0, stock / use_per_day, np.inf).min(axis=-1)
    min_cover = np.where(np.isfinite(cover), cover, np.nan)
    short = short_steps(demand, delivered, backlog, step)
    rows = [total_demand, total_delivered, shortfall, fill, *short, min_cover]
    return np.concatenate([np.stack(rows, axis=1), shares, first_tonne], axis=1)


def short_steps(demand: np.ndarray, delivered: np.ndarray, backlog: np.ndarray,
                step: float) -> list[np.ndarray]:
    """Per set, from series [..., set, step]: days short, the first short day, the recovery
    day (NaN: never short, or short at the end) and the peak shortfall rate, t/yr."""
    unmet = np.maximum(demand - delivered, 0.0)
    is_short = unmet + backlog > SHORT_EPS * np.maximum(demand, 1.0)
    n_steps = is_short.shape[-1]
    ever = is_short.any(axis=-1)
    first = is_short.argmax(axis=-1)
    after_last = n_steps - is_short[..., ::-1].argmax(axis=-1)
    return [is_short.sum(axis=-1) * step, np.where(ever, first * step, np.nan),
            np.where(ever & (after_last < n_steps), after_last * step, np.nan),
            unmet.max(axis=-1) * 365.0 / step]


def origin_sums(runs: StackedRuns, sets: NodeSets) -> tuple[np.ndarray, np.ndarray]:
    """Per replication and set of consumers (`sets` as positions among `runs.consumers`),
    [rep, country, set]: tonnes delivered by mining country, then by processing country; and
    [rep, origin, set]: the first-tonne day of each mining country (as
    `kpis.first_tonne_days`). A single run's sets are summed as each would be alone, bit for
    bit; the batch engine's stacks' from their consumers' run totals
    (`_from_totals`, whatever the stack's size: a replication's values never depend on its
    stack)."""
    if not runs.alone:
        return _from_totals(runs, sets)
    if runs.reps != 1:
        raise ValueError(f"a stack of {runs.reps} runs cannot be summed as one run alone")
    by_origin, by_processed = runs.delivered_by_origin[:, 0], runs.delivered_by_processed
    n_origins = by_origin.shape[2]
    n_processed = 0 if by_processed is None else by_processed.shape[3]
    tonnes = np.empty((n_origins + n_processed, len(sets)))
    days = np.empty((n_origins, len(sets)))
    for columns, at in sets.groups:
        received, tonnes[:n_origins, columns] = set_flows(by_origin, at)
        days[:, columns] = _days(first_reached(received, REACHED), runs.step_days).T
        if by_processed is not None:
            tonnes[n_origins:, columns] = set_flows(by_processed[:, 0], at, per_step=False)[1]
    return tonnes[None], days[None]


def _from_totals(runs: StackedRuns, sets: NodeSets) -> tuple[np.ndarray, np.ndarray]:
    """`origin_sums` of a stack: each set's tonnes from its consumers' run totals (one pass
    over the deliveries, not one per size of set: the same numbers added in another order,
    equal to rounding), its first-tonne days from its running totals over HEAD_STEPS, and
    over the whole run only where the total shows the tonne is reached later."""
    by_origin, by_processed = runs.delivered_by_origin, runs.delivered_by_processed
    reps, n_origins = by_origin.shape[1], by_origin.shape[3]
    n_processed = 0 if by_processed is None else by_processed.shape[3]
    totals = by_origin.sum(axis=0)  # [rep, consumer, origin]
    processed = None if by_processed is None else by_processed.sum(axis=0)
    tonnes = np.empty((reps, n_origins + n_processed, len(sets)))
    days = np.empty((reps, n_origins, len(sets)))
    for columns, at in sets.groups:
        total = totals[:, at].sum(axis=2)  # [rep, set, origin]
        tonnes[:, :n_origins, columns] = total.transpose(0, 2, 1)
        if processed is not None:
            tonnes[:, n_origins:, columns] = processed[:, at].sum(axis=2).transpose(0, 2, 1)
        first = _first_tonne(by_origin, at, total, REACHED)
        days[:, :, columns] = _days(first, runs.step_days).transpose(0, 2, 1)
    return tonnes, days


def _days(first: np.ndarray, step_days: int) -> np.ndarray:
    """First-tonne steps (-1: never) as days of the run (NaN: never)."""
    return np.where(first >= 0, first * float(step_days), np.nan)


def _first_tonne(flow: np.ndarray, at: np.ndarray, total: np.ndarray,
                 threshold: float) -> np.ndarray:
    """[rep, set, X]: `first_reached` of each set's deliveries (`flow` [step, rep, consumer,
    X], sets `at` [set, size]) whose run totals are `total`. Running totals over HEAD_STEPS
    settle most; a set whose total is short of the threshold (by more than rounding: the
    running total ends at it, deliveries being never negative) never reaches it; the others
    are summed over the run."""
    head = flow[:HEAD_STEPS][:, :, at].sum(axis=3).cumsum(axis=0)  # [step, rep, set, X]
    reached = head >= threshold
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    rep, s, x = np.nonzero((first < 0) & (total >= threshold * (1.0 - 1e-9)))
    if rep.size:
        series = flow[:, rep[:, None], at[s], x[:, None]].sum(axis=2)  # [step, late column]
        reached = series.cumsum(axis=0) >= threshold
        first[rep, s, x] = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    return first


def set_flows(flow: np.ndarray, index: np.ndarray,
              per_step: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """A flow [step, node, X] summed over the nodes of sets of one size (`index` [set, size]):
    per step [step, set, X] (if asked) and over the run [X, set], bit for bit as
    `flow[:, members, :].sum(axis=1)` and `.sum(axis=(0, 1))` give each set alone.

    For each X, numpy's sum adds a set's run total in one sequential pass, member by member
    and step by step; einsum adds in the same order, with far less work per number, and a
    set of one node is its series, whose steps a sum over [step, set * X] adds in order too.
    With X == 1 the numbers lie in one contiguous run, which numpy's sum adds pairwise: as
    it is."""
    if flow.shape[2] > 1 and index.shape[1] == 1:
        got = np.take(flow, index[:, 0], axis=1)  # [step, set, X]
        return (got + 0.0 if per_step else None), got.sum(axis=0).T  # + 0.0: as a sum would
    got = flow[:, index, :]  # [step, set, node, X]
    per_step_sums = got.sum(axis=2) if per_step else None
    if flow.shape[2] == 1:
        return per_step_sums, got.sum(axis=(0, 2)).T
    return per_step_sums, np.einsum("tsnx->xs", got)


HEAD_STEPS = 16
"""Steps whose running totals `first_reached` takes for every column before the others."""


def first_reached(flow: np.ndarray, threshold: float) -> np.ndarray:
    """Per column of `flow` [step, ...]: the first step by whose end its running total
    (`flow.cumsum(axis=0)`, bit for bit) is >= threshold; -1 if none is.

    A running total is a sequential sum, so it may be taken in parts: the first HEAD_STEPS
    settle most columns (an origin that supplies from the start delivers a tonne within
    weeks), and only the others are summed on, from where their head stopped."""
    head = flow[:HEAD_STEPS].cumsum(axis=0)
    reached = head >= threshold
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    late = np.nonzero(first < 0)
    if late[0].size and len(flow) > HEAD_STEPS:
        tail = flow[HEAD_STEPS:][(slice(None), *late)]  # [step, late column]
        reached = np.concatenate([head[-1][late][None], tail]).cumsum(axis=0)[1:] >= threshold
        first[late] = np.where(reached.any(axis=0), HEAD_STEPS + reached.argmax(axis=0), -1)
    return first
