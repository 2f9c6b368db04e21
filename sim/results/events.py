"""Time to an event over replications: when a scope is first short, when it recovers, when
its first tonne from an origin arrives; the distribution of those days and P(event by date).

Each event is a day-of-the-run KPI per replication (`first_shortfall_day`, `recovery_day`,
`first_tonne_day_from_XX`), NaN where it does not happen within the run. Here a NaN counts as
"after the end of the run", never as missing: the empirical CDF of a day T,
F(d) = P(T <= d), ends at the share of replications in which the event happened, below 1 when
it did not happen in some; and a percentile beyond that share is "after the end" (inf). (The
p5/p50/p95 of summary.json leave NaNs out instead: they are of the replications in which it
happened, with their count n.) Recovery is an event only of a replication that was short, so
its population is those replications.

"By date D" means on a step starting before D, as `P(no shortfall by D)` counts
(sim.results.probabilities): P(T by D) = P(T < D - start).

Example::

    e = TimeToEvent("first tonne mined in KZ", np.array([700., 742., np.nan]), n=3)
    e.quantiles()              # [704.2, 742.0, inf]: p95 after the end of the run
    e.by_day(750)              # (2, 3): 2 of 3 replications by day 750
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.results.catalogue import FIRST_TONNE
from sim.results.stats import LEVEL, wilson

QUANTILES = (5.0, 50.0, 95.0)
"""Percentiles of time to an event that `run` prints."""


@dataclass(frozen=True)
class TimeToEvent:
    """One event's day in each replication of its population (NaN: not within the run)."""

    label: str
    days: np.ndarray
    n: int

    def __post_init__(self) -> None:
        if len(self.days) != self.n:
            raise ValueError(f"{len(self.days)} days for a population of {self.n}")

    @property
    def happened(self) -> np.ndarray:
        """Days of the replications in which the event happened, sorted."""
        return np.sort(self.days[np.isfinite(self.days)])

    def quantiles(self, q: Sequence[float] = QUANTILES) -> list[float]:
        """Percentiles of the day (linear between order statistics, as numpy's default), a
        replication without the event counting as after the end: inf where the percentile
        falls among those; NaN with no replications."""
        return [quantile(self.days, p) for p in q]

    def by_day(self, day: float) -> tuple[int, int]:
        """(replications with the event on a step starting before `day`, population)."""
        return int(np.count_nonzero(self.days < day)), self.n

    def p_by_day(self, day: float, level: float = LEVEL) -> tuple[float, float, float]:
        """P(event by `day`) with its Wilson interval: (p, low, high); NaNs with n = 0."""
        k, n = self.by_day(day)
        low, high = wilson(k, n, level)
        return (k / n if n else math.nan), low, high

    def cdf(self) -> tuple[np.ndarray, np.ndarray]:
        """The empirical CDF's steps: distinct days d and F(d) = P(T <= d) at each."""
        days, counts = np.unique(self.happened, return_counts=True)
        return days, (np.cumsum(counts) / self.n if self.n else counts.astype(float))


def quantile(days: np.ndarray, q: float) -> float:
    """The q-th percentile of `days`, NaN read as +inf (numpy's linear rule otherwise)."""
    values = np.sort(np.where(np.isnan(days), np.inf, np.asarray(days, dtype=float)))
    if values.size == 0:
        return math.nan
    h = (values.size - 1) * q / 100.0
    lo, hi = math.floor(h), math.ceil(h)
    if (math.isinf(values[hi]) and hi != lo) or math.isinf(values[lo]):
        return math.inf
    return float(values[lo] + (h - lo) * (values[hi] - values[lo]))


def scope_events(keys: Sequence[tuple[str, str]], values: np.ndarray, scope: str,
                 origins: Sequence[str] = ()) -> list[TimeToEvent]:
    """A scope's time-to-event distributions from KPI values [key, rep]: first shortfall (all
    replications), recovery (those that were short; left out if none was), and the first
    tonne from each of `origins` (all replications)."""
    index = {key: j for j, key in enumerate(keys)}
    n = int(values.shape[1])
    first = values[index[(scope, "first_shortfall_day")]]
    short = np.isfinite(first)
    out = [TimeToEvent("first shortfall", first, n)]
    if short.any():
        recovery = values[index[(scope, "recovery_day")]][short]
        out.append(TimeToEvent(f"recovery ({int(short.sum())} short)", recovery,
                               int(short.sum())))
    for origin in origins:
        days = values[index[(scope, FIRST_TONNE + origin)]]
        out.append(TimeToEvent(f"first tonne mined in {origin}", days, n))
    return out


def new_origins(keys: Sequence[tuple[str, str]], values: np.ndarray, scope: str,
                absent_at_start: Sequence[str] = ()) -> list[str]:
    """The origins whose first tonne to `scope` is worth a row: those not there from day 0
    in every replication (later, or never, in some), but only if they arrive in some
    replication or are `absent_at_start` (no mine of theirs working then: one that never
    arrives within the run is an answer too)."""
    out = []
    for scope_, kpi in keys:
        if scope_ != scope or not kpi.startswith(FIRST_TONNE):
            continue
        origin = kpi[len(FIRST_TONNE):]
        days = values[keys.index((scope_, kpi))]
        if np.all(days == 0.0):
            continue
        if np.isfinite(days).any() or origin in absent_at_start:
            out.append(origin)
    return out


def absent_at_start(scenario) -> list[str]:
    """Mining countries none of whose mines works at the scenario's start (a capacity and an
    `online` date on or before it; an online date that is not one plain date counts as
    later) and that no initial stock names as its origin."""
    working: set[str] = set()
    for mine in scenario.mines:
        online = getattr(mine, "online", None)
        plain = online is None or (isinstance(online, dt.date) and online <= scenario.start)
        capacity = mine.capacity_tpa  # a drawn capacity (not one number) may be > 0
        if plain and (not isinstance(capacity, int | float) or capacity > 0):
            working.add(mine.country)
    for node in (*scenario.processors, *scenario.stockpiles, *scenario.consumers):
        given = getattr(node, "initial_origin", None)
        working |= {given} if isinstance(given, str) else set(given or ())
    return sorted({m.country for m in scenario.mines} - working)


def headline_scope(keys: Sequence[tuple[str, str]]) -> str | None:
    """The scope `run` reports time to events for: `country:US`, else `world`, else None."""
    have = {scope for scope, kpi in keys if kpi == "first_shortfall_day"}
    return next((s for s in ("country:US", "world") if s in have), None)


def result_events(result) -> tuple[str, list[TimeToEvent]] | None:
    """(scope, events) of a Result with an ensemble, for `run`'s table and the CDF plot."""
    ensemble = result.ensemble
    if ensemble is None or (scope := headline_scope(ensemble.keys)) is None:
        return None
    origins = new_origins(ensemble.keys, ensemble.values, scope,
                          absent_at_start(result.scenario))
    return scope, scope_events(ensemble.keys, ensemble.values, scope, origins)
