"""KPIs per replication and scope, as tidy rows (replication, scope, kpi, value).

A scope is a node id, `country:XX`, `group:G`, `country:XX/group:G` or `world`. An aggregate
scope covers every node in it: its flows are sums and its rates are computed from the summed
series (so `country:US` fill rate is U.S. deliveries over U.S. demand).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from sim.records import RunRecord

SHORT_EPS = 1e-9
"""Relative tolerance under which a step's shortfall counts as none."""

KpiRow = tuple[int, str, str, float]
KPI_HEADER = ["replication", "scope", "kpi", "value"]
"""The columns of kpis.csv: one row per KPI value."""


def scopes(run: RunRecord) -> list[tuple[str, list[int]]]:
    """Every scope with the indices of its nodes: nodes, countries, groups, both, world."""
    out = [(node.id, [i]) for i, node in enumerate(run.nodes)]
    countries = sorted({n.country for n in run.nodes})
    groups = sorted({n.group for n in run.nodes if n.group})
    for c in countries:
        out.append((f"country:{c}", [i for i, n in enumerate(run.nodes) if n.country == c]))
    for g in groups:
        out.append((f"group:{g}", [i for i, n in enumerate(run.nodes) if n.group == g]))
    for c in countries:
        for g in groups:
            members = [i for i, n in enumerate(run.nodes) if n.country == c and n.group == g]
            if members:
                out.append((f"country:{c}/group:{g}", members))
    out.append(("world", list(range(len(run.nodes)))))
    return out


SUMMED = ("produced_t", "processed_t", "output_t", "lost_t")
"""Variables whose run total per scope is a KPI as it is."""


def kpi_rows(run: RunRecord) -> Iterator[KpiRow]:
    """All KPI rows of one replication."""
    node_totals = {name: run.arrays[name].sum(axis=0) for name in SUMMED}
    for scope, members in scopes(run):
        kinds = {run.nodes[i].kind for i in members}
        for kpi, value in scope_kpis(run, members, kinds, node_totals):
            yield run.replication, scope, kpi, value


def scope_kpis(run: RunRecord, members: list[int], kinds: set[str],
               node_totals: dict[str, np.ndarray] | None = None) -> Iterator[tuple]:
    """(kpi, value) pairs for one scope, for the node kinds it contains; `node_totals`
    (each SUMMED variable's run total per node) saves summing them again per scope."""
    a = run.arrays
    if node_totals is None:
        node_totals = {name: a[name].sum(axis=0) for name in SUMMED}
    total = {name: float(node_totals[name][members].sum()) for name in SUMMED}
    if "consumer" in kinds:
        consumers = [i for i in members if run.nodes[i].kind == "consumer"]
        yield from consumer_kpis(run, consumers)
    if "mine" in kinds:
        yield "produced_t", total["produced_t"]
    if "processor" in kinds:
        for name in ("processed_t", "output_t", "lost_t"):
            yield name, total[name]
    if "stockpile" in kinds:
        piles = [i for i in members if run.nodes[i].kind == "stockpile"]
        yield "released_t", float(a["released_t"][:, piles].sum())
        yield "acquired_t", float(a["received_t"][:, piles].sum())
        yield "min_stock_t", float(a["stock_t"][:, piles].sum(axis=1).min())
    yield "final_stock_t", float(a["stock_t"][-1, members].sum())


def consumer_kpis(run: RunRecord, consumers: list[int]) -> Iterator[tuple]:
    """Demand, deliveries, shortfall timing and origin shares of a set of consumers."""
    a, step = run.arrays, float(run.step_days)
    demand = a["demand_t"][:, consumers].sum(axis=1)
    delivered = a["delivered_t"][:, consumers].sum(axis=1)
    backlog = a["backlog_t"][:, consumers].sum(axis=1)
    short = np.maximum(demand - delivered, 0.0) + backlog
    is_short = short > SHORT_EPS * np.maximum(demand, 1.0)
    total_demand, total_delivered = float(demand.sum()), float(delivered.sum())
    yield "demand_t", total_demand
    yield "delivered_t", total_delivered
    shortfall = total_demand - total_delivered
    yield "shortfall_t", 0.0 if abs(shortfall) <= SHORT_EPS * max(total_demand, 1.0) else shortfall
    yield "fill_rate", total_delivered / total_demand if total_demand > 0 else 1.0
    yield "days_short", float(is_short.sum()) * step
    short_steps = np.flatnonzero(is_short)
    first = float(short_steps[0]) * step if short_steps.size else math.nan
    last = short_steps[-1] if short_steps.size else None
    recovered = (last + 1) * step if last is not None and last + 1 < run.n_steps else math.nan
    yield "first_shortfall_day", first
    yield "recovery_day", float(recovered)
    unmet = np.maximum(demand - delivered, 0.0)
    yield "peak_shortfall_tpa", float(unmet.max()) * 365.0 / step if unmet.size else 0.0
    use_per_day = a["expected_use_t"][:, consumers].sum(axis=1) / step
    stock = a["stock_t"][:, consumers].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(use_per_day > 0, stock / use_per_day, np.inf)
    yield "min_cover_days", float(cover.min()) if np.isfinite(cover.min()) else math.nan
    by_origin = run.delivered_by_origin[:, consumers, :].sum(axis=(0, 1))
    for origin, tonnes in zip(run.origins, by_origin, strict=True):
        share = float(tonnes) / total_delivered if total_delivered > 0 else 0.0
        yield f"origin_share_{origin}", share


STATS = ("mean", "sd", "p5", "p50", "p95")
"""What `kpi_stats` gives of a KPI over replications, besides n."""


def kpi_stats(values) -> dict[str, float | int | None]:
    """mean, sd, p5, p50, p95 and n of one KPI over replications (NaNs left out)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        stats: dict[str, float | int | None] = dict.fromkeys(STATS)
    else:
        p5, p50, p95 = np.percentile(arr, [5, 50, 95])
        sd = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
        stats = {"mean": float(arr.mean()), "sd": sd, "p5": float(p5), "p50": float(p50),
                 "p95": float(p95)}
    stats["n"] = int(arr.size)
    return stats


def kpi_stats_rows(values: np.ndarray) -> list[dict[str, float | int | None]]:
    """`kpi_stats` of each row of `values` [kpi, replication], the same numbers bit for bit.

    Rows without NaN (most) are done together, a few numpy calls for all of them instead of
    a dozen per KPI, and rows of NaN only (a KPI undefined in every replication, such as the
    first shortfall day of a scope never short) need no numbers; rows with some NaNs go
    through `kpi_stats` one by one.
    """
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    some_nan, all_nan = nan.any(axis=1), nan.all(axis=1)  # with no replication: all NaN
    n = values.shape[1]
    if n and not some_nan.any():  # the usual case
        return _whole_stats(values)
    out: list[dict[str, float | int | None]] = [{} for _ in range(values.shape[0])]
    whole = np.flatnonzero(~some_nan)
    if whole.size and n:
        for i, stats in zip(whole.tolist(), _whole_stats(values[whole]), strict=True):
            out[i] = stats
    for i in np.flatnonzero(all_nan).tolist():
        out[i] = {**dict.fromkeys(STATS), "n": 0}
    for i in np.flatnonzero(some_nan & ~all_nan).tolist():
        out[i] = kpi_stats(values[i])
    return out


def _whole_stats(rows: np.ndarray) -> list[dict[str, float | int | None]]:
    """`kpi_stats` of each row of `rows` [kpi, replication], none of them with a NaN."""
    n = rows.shape[1]
    p5, p50, p95 = np.percentile(rows, [5, 50, 95], axis=1)
    sd = rows.std(axis=1, ddof=1) if n > 1 else np.zeros(rows.shape[0])
    columns = zip(rows.mean(axis=1).tolist(), sd.tolist(), p5.tolist(), p50.tolist(),
                  p95.tolist(), strict=True)
    return [{"mean": mean, "sd": sd, "p5": p5, "p50": p50, "p95": p95, "n": n}
            for mean, sd, p5, p50, p95 in columns]


def summarize(rows: list[KpiRow]) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """scope -> kpi -> {mean, sd, p5, p50, p95, n} over replications (NaNs left out)."""
    values: dict[tuple[str, str], list[float]] = {}
    for _, scope, kpi, value in rows:
        values.setdefault((scope, kpi), []).append(value)
    if len({len(vals) for vals in values.values()}) == 1:  # every KPI in every replication
        stats = kpi_stats_rows(np.array(list(values.values()), dtype=float))
    else:
        stats = [kpi_stats(vals) for vals in values.values()]
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for (scope, kpi), item in zip(values, stats, strict=True):
        out.setdefault(scope, {})[kpi] = item
    return out
