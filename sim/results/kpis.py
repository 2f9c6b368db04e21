"""KPIs per replication and scope, as tidy rows (replication, scope, kpi, value).

A scope is a node id, `country:XX`, `group:G`, `country:XX/group:G` or `world`. An aggregate
scope covers every node in it: its flows are sums and its rates are computed from the summed
series (so `country:US` fill rate is U.S. deliveries over U.S. demand).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from sim.records import RunRecord
from sim.results.catalogue import FIRST_TONNE_T, PROCESSOR_KPIS, kind, kpi_names
from sim.results.consumer_kpis import SHORT_EPS
from sim.results.kpi_table import SUMMED, kpi_table
from sim.results.market import (
    MARKET_NODE_KPIS,
    node_market_totals,
    price_kpi_names,
    price_values,
    run_price_dates,
)
from sim.results.stats import nanpercentile, range_bounds

KpiRow = tuple[int, str, str, float]
KPI_HEADER = ["replication", "scope", "kpi", "value"]
"""The columns of kpis.csv: one row per KPI value."""


def kpi_rows(run: RunRecord) -> Iterator[KpiRow]:
    """All KPI rows of one replication, scope by scope in the catalogue's order (the values
    `scope_kpis` gives each scope, computed for all scopes at once by `kpi_table`)."""
    keys, values = kpi_table(run)
    for (scope, kpi), value in zip(keys, values.tolist(), strict=True):
        yield run.replication, scope, kpi, value


def scope_kpis(run: RunRecord, members: list[int], kinds: set[str],
               node_totals: dict[str, np.ndarray] | None = None) -> Iterator[tuple[str, float]]:
    """(kpi, value) pairs for one scope, named by `catalogue.kpi_names` for the node kinds it
    holds; `node_totals` (each SUMMED variable's run total per node, and with a market
    `node_market_totals`) saves summing them again per scope. With a market, a scope holding
    every node (`world`) reports the price KPIs too.

    This is each KPI's plain definition, one scope at a time; `kpi_table` gives the same
    values, bit for bit, for all scopes at once (tests/unit/test_kpi_table.py)."""
    a = run.arrays
    if node_totals is None:
        node_totals = {name: a[name].sum(axis=0) for name in SUMMED} | node_market_totals(run)
    total = {name: float(node_totals[name][members].sum()) for name in node_totals}
    extra = MARKET_NODE_KPIS if run.market else {}
    values: list[float] = []
    if "consumer" in kinds:
        values += consumer_values(run, [i for i in members if run.nodes[i].kind == "consumer"])
        values += [total[name] for name in extra.get("consumer", ())]
    if "mine" in kinds:
        values += [total["produced_t"], *(total[name] for name in extra.get("mine", ()))]
    if "processor" in kinds:
        values += [total[name] for name in (*PROCESSOR_KPIS, *extra.get("processor", ()))]
    if "stockpile" in kinds:
        piles = [i for i in members if run.nodes[i].kind == "stockpile"]
        values += [float(a["released_t"][:, piles].sum()), float(a["received_t"][:, piles].sum()),
                   float(a["stock_t"][:, piles].sum(axis=1).min())]
    values.append(float(a["stock_t"][-1, members].sum()))
    prices: list[str] = []
    if run.market and len(members) == len(run.nodes):
        prices = price_kpi_names(run_price_dates(run))
        values += price_values(run)
    return zip(kpi_names(kinds, run.origins, run.processed_in, bool(run.market), prices), values,
               strict=True)


def consumer_values(run: RunRecord, consumers: list[int]) -> list[float]:
    """A set of consumers' CONSUMER_KPIS, then their origin shares and first-tonne days, in
    catalogue order."""
    a, step = run.arrays, float(run.step_days)
    demand = a["demand_t"][:, consumers].sum(axis=1)
    delivered = a["delivered_t"][:, consumers].sum(axis=1)
    backlog = a["backlog_t"][:, consumers].sum(axis=1)
    short = np.maximum(demand - delivered, 0.0) + backlog
    is_short = short > SHORT_EPS * np.maximum(demand, 1.0)
    total_demand, total_delivered = float(demand.sum()), float(delivered.sum())
    shortfall = total_demand - total_delivered
    if abs(shortfall) <= SHORT_EPS * max(total_demand, 1.0):
        shortfall = 0.0
    short_steps = np.flatnonzero(is_short)
    first = float(short_steps[0]) * step if short_steps.size else math.nan
    last = short_steps[-1] if short_steps.size else None
    recovered = (last + 1) * step if last is not None and last + 1 < run.n_steps else math.nan
    unmet = np.maximum(demand - delivered, 0.0)
    peak = float(unmet.max()) * 365.0 / step if unmet.size else 0.0
    use_per_day = a["expected_use_t"][:, consumers].sum(axis=1) / step
    stock = a["stock_t"][:, consumers].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(use_per_day > 0, stock / use_per_day, np.inf)
    min_cover = float(cover.min()) if np.isfinite(cover.min()) else math.nan
    shares = [float(tonnes) / total_delivered if total_delivered > 0 else 0.0
              for tonnes in _delivered_by_country(run, consumers)]
    return [total_demand, total_delivered, shortfall,
            total_delivered / total_demand if total_demand > 0 else 1.0,
            float(is_short.sum()) * step, first, float(recovered), peak, min_cover, *shares,
            *first_tonne_days(run, consumers)]


def first_tonne_days(run: RunRecord, consumers: list[int]) -> list[float]:
    """Per mining country of `run.origins`: the start day of the first step by whose end
    `consumers` have received FIRST_TONNE_T in all mined there (NaN: never in the run)."""
    received = run.delivered_by_origin[:, consumers, :].sum(axis=1).cumsum(axis=0)
    reached = received >= FIRST_TONNE_T * (1.0 - SHORT_EPS)  # [step, origin]
    steps = reached.argmax(axis=0).astype(float) if len(reached) else np.zeros(len(run.origins))
    return np.where(reached.any(axis=0), steps * float(run.step_days), math.nan).tolist()


def _delivered_by_country(run: RunRecord, consumers: list[int]) -> np.ndarray:
    """Tonnes delivered to `consumers` by mining country, then by processing country."""
    mined = run.delivered_by_origin[:, consumers, :].sum(axis=(0, 1))
    if run.delivered_by_processed is None:
        return mined
    return np.concatenate([mined, run.delivered_by_processed[:, consumers, :].sum(axis=(0, 1))])


STATS = ("mean", "sd", "p5", "p50", "p95")
"""What `kpi_stats` gives of a KPI over replications, besides n."""


def kpi_stats(values: Sequence[float] | np.ndarray) -> dict[str, float | int | None]:
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

    Percentiles of all rows come from one `nanpercentile`; means and sds of the rows without
    NaN (most) are a few numpy calls for all of them, and rows of NaN only (a KPI undefined
    in every replication, such as the first shortfall day of a scope never short) need none.
    """
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    some_nan, all_nan = nan.any(axis=1), nan.all(axis=1)  # with no replication: all NaN
    n = values.shape[1]
    p5, p50, p95 = nanpercentile(values, (5, 50, 95), axis=1).tolist()
    mean, sd = np.full(len(values), np.nan), np.zeros(len(values))
    whole = np.flatnonzero(~some_nan)
    if whole.size and n:
        mean[whole] = values[whole].mean(axis=1)
        if n > 1:
            sd[whole] = values[whole].std(axis=1, ddof=1)
    for i in np.flatnonzero(some_nan & ~all_nan).tolist():
        arr = values[i][~nan[i]]
        mean[i] = arr.mean()
        sd[i] = arr.std(ddof=1) if arr.size > 1 else 0.0
    counts = (n - nan.sum(axis=1)).tolist()
    empty: dict[str, float | int | None] = {**dict.fromkeys(STATS), "n": 0}
    return [{"mean": m, "sd": d, "p5": a, "p50": b, "p95": c, "n": k} if k else dict(empty)
            for m, d, a, b, c, k in zip(mean.tolist(), sd.tolist(), p5, p50, p95, counts,
                                        strict=True)]


INTERVAL = ("ci_low", "ci_high", "ci_method")
"""What `add_intervals` adds to a KPI's stats: the 95% interval of its mean, kept in the
KPI's range (`stats.range_ci`; None with fewer than two values), and its method."""


def add_intervals(kpis: Sequence[str], stats: list[dict[str, float | int | None]]) -> None:
    """Add INTERVAL to each of `stats` (`kpi_stats` of `kpis`, in order), in place; at once
    for all KPIs of a kind."""
    by_kind: dict[object, list[int]] = {}
    for i, kpi in enumerate(kpis):
        by_kind.setdefault(kind(kpi), []).append(i)
    for found, rows in by_kind.items():
        picked = [stats[i] for i in rows]
        mean = np.array([math.nan if s["mean"] is None else s["mean"] for s in picked])
        sd = np.array([math.nan if s["sd"] is None else s["sd"] for s in picked])
        n = np.array([s["n"] for s in picked])
        lows, highs, methods = range_bounds(mean, sd, n, found.low, found.high)
        for s, low, high, method in zip(picked, lows.tolist(), highs.tolist(), methods,
                                        strict=True):
            defined = s["n"] > 1 and not (math.isnan(low) or math.isnan(high))
            s.update(ci_low=low if defined else None, ci_high=high if defined else None,
                     ci_method=method)


def summarize(rows: list[KpiRow]) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """scope -> kpi -> {mean, sd, p5, p50, p95, n, ci_low, ci_high, ci_method} over
    replications (NaNs left out)."""
    values: dict[tuple[str, str], list[float]] = {}
    for _, scope, kpi, value in rows:
        values.setdefault((scope, kpi), []).append(value)
    if len({len(vals) for vals in values.values()}) == 1:  # every KPI in every replication
        stats = kpi_stats_rows(np.array(list(values.values()), dtype=float))
    else:
        stats = [kpi_stats(vals) for vals in values.values()]
    add_intervals([kpi for _, kpi in values], stats)
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for (scope, kpi), item in zip(values, stats, strict=True):
        out.setdefault(scope, {})[kpi] = item
    return out
