"""What a Monte Carlo run keeps of every replication: KPI values and the main series.

A full RunRecord of the baseline is about 4 MB, so 1,000 of them do not fit comfortably in
memory nor in a CSV. Each replication is therefore reduced, where it ran, to a `Replicate`:
its KPI values (one float per scope and KPI, ~5 KB), its main series in monthly bins (~7 KB)
and its mass-balance error; the full record rides along only for the first few replications.
An `Ensemble` stacks the replicates in replication order and gives the KPI rows, the summary
(with probabilities), and per-bin bands (mean, p5, p50, p95) of the main series.

Example::

    reps = [Replicate.of(simulate(s, r, seed), keep_record=r < 10) for r in range(100)]
    ensemble = Ensemble.collect(reps, s)
    ensemble.summary()["country:US"]["fill_rate"]["mean"]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from sim.records import RunRecord, StackedRuns
from sim.results import probabilities as prob
from sim.results.catalogue import KpiKey
from sim.results.files import number_text
from sim.results.kpi_table import kpi_table, kpi_tables
from sim.results.kpis import KpiRow, add_intervals, kpi_stats_rows
from sim.results.series import bin_days, main_series, series_names, stacked_series
from sim.results.stats import nanpercentile
from sim.scenario.schema import Scenario

BAND_HEADER = ("series", "day", "days", "date", "mean", "p5", "p50", "p95")


@dataclass(frozen=True)
class Replicate:
    """One replication, reduced: KPI values by key, main series [series, bin], optional record."""

    replication: int
    kpi_keys: tuple[KpiKey, ...]
    kpi_values: np.ndarray
    series: np.ndarray
    balance_error: float
    n_steps: int
    record: RunRecord | None = None
    draws: tuple[tuple[str, Any], ...] = ()
    """(path, value) of each uncertain input drawn for this replication."""

    @classmethod
    def of(cls, run: RunRecord, keep_record: bool = False,
           draws: dict[str, Any] | None = None) -> Replicate:
        """Reduce a run; keep its full record only when asked; carry its draws."""
        keys, values = kpi_table(run)
        return cls(run.replication, keys, values, main_series(run), float(run.balance_error),
                   run.n_steps, run if keep_record else None, tuple((draws or {}).items()))

    @classmethod
    def stack(cls, runs: StackedRuns, replications: Sequence[int], errors: Sequence[float],
              records: Sequence[RunRecord | None], draws: Sequence[dict[str, Any]]
              ) -> list[Replicate]:
        """Reduce stacked runs, all at once: replication numbers, mass-balance errors, full
        records kept (or None) and uncertain draws, one each."""
        if not len(replications) == len(errors) == len(records) == len(draws) == runs.reps:
            raise ValueError(f"a stack of {runs.reps} runs, with {len(replications)} "
                             f"replications, {len(errors)} errors, {len(records)} records "
                             f"and {len(draws)} draws")
        keys, values = kpi_tables(runs)
        series = stacked_series(runs)
        return [cls(r, keys, values[j], series[j], float(errors[j]), runs.n_steps, records[j],
                    tuple(draws[j].items()))
                for j, r in enumerate(replications)]


@dataclass(frozen=True)
class Bands:
    """Per-bin mean and percentiles of the main series over replications, [series, bin]."""

    start: dt.date
    names: tuple[str, ...]
    day: np.ndarray
    days: np.ndarray
    mean: np.ndarray
    p5: np.ndarray
    p50: np.ndarray
    p95: np.ndarray

    def row(self, name: str) -> int:
        """Index of a series by name."""
        return self.names.index(name)

    def csv_text(self) -> str:
        """bands.csv: one row per series and bin; floats written to round-trip exactly.

        Formatting the numbers is most of the work, so each distinct one is formatted once
        (`_texts`): with one replication a bin's mean and percentiles are one number.
        """
        n_bins = len(self.day)
        day, days = _rows(_texts(np.stack([self.day, self.days])), 2)
        bins = list(map(",".join, zip(day, days, _dates(self.start, self.day), strict=True)))
        stats = np.stack([self.mean, self.p5, self.p50, self.p95], axis=1)  # [series, stat, bin]
        if stats.shape != (len(self.names), 4, n_bins):
            raise ValueError(f"bands of shape {stats.shape[::2]} for {len(self.names)} names "
                             f"and {n_bins} bins")
        columns = _rows(_texts(stats), 4 * len(self.names))
        lines = [_csv_row(BAND_HEADER)[:-1]]
        for s, name in enumerate(self.names):
            cell = _csv_row((name, ""))[:-2]  # quoted as csv would, should it need to be
            lines.extend(map(",".join, zip(repeat(cell, n_bins), bins,
                                           *columns[4 * s: 4 * s + 4], strict=True)))
        return "\n".join(lines) + "\n"


@dataclass
class Ensemble:
    """Replicates stacked in replication order: KPI values [key, rep], series [rep, series, bin]."""

    scenario: Scenario
    keys: list[KpiKey]
    values: np.ndarray
    series: np.ndarray
    balance_errors: np.ndarray
    n_steps: int
    probability_spec: prob.ProbabilitySpec = field(default_factory=prob.ProbabilitySpec)
    draws: list[tuple[tuple[str, Any], ...]] = field(default_factory=list)
    """Per replication, the (path, value) of each uncertain input; empty without any."""

    @classmethod
    def collect(cls, replicates: Sequence[Replicate], scenario: Scenario,
                spec: prob.ProbabilitySpec | None = None) -> Ensemble:
        """Stack replicates 0..n-1 (in any order given); all must share the same KPI keys."""
        reps = sorted(replicates, key=lambda r: r.replication)
        if not reps or [r.replication for r in reps] != list(range(len(reps))):
            raise ValueError("replicates must be exactly replications 0..n-1")
        keys = reps[0].kpi_keys
        if any(r.kpi_keys != keys for r in reps):
            raise ValueError("replications disagree on their KPI keys")
        spec = (spec or prob.ProbabilitySpec()).resolve(scenario.start, scenario.end)
        return cls(scenario, list(keys), np.stack([r.kpi_values for r in reps], axis=1),
                   np.stack([r.series for r in reps]), np.array([r.balance_error for r in reps]),
                   reps[0].n_steps, spec,
                   [r.draws for r in reps] if any(r.draws for r in reps) else [])

    @property
    def n(self) -> int:
        """Number of replications."""
        return int(self.values.shape[1])

    def column(self, key: KpiKey) -> np.ndarray:
        """One KPI over replications."""
        return self.values[self.keys.index(key)]

    def kpi_rows(self) -> Iterator[KpiRow]:
        """(replication, scope, kpi, value) rows in replication order, as `kpi_rows` gives them."""
        for r in range(self.n):
            for (scope, kpi), value in zip(self.keys, self.values[:, r].tolist(), strict=True):
                yield r, scope, kpi, value

    def probabilities(self) -> list[prob.Probability]:
        """The probability KPIs of the spec, for every scope with a fill rate."""
        return prob.probabilities(self.keys, self.values, self.probability_spec,
                                  self.scenario.start)

    def summary(self) -> dict[str, dict[str, dict[str, float | int | None]]]:
        """scope -> kpi -> {mean, sd, p5, p50, p95, n, ci_low, ci_high, ci_method} as
        `summarize` gives; plus probabilities."""
        out: dict[str, dict[str, dict[str, float | int | None]]] = {}
        rows = kpi_stats_rows(self.values)
        add_intervals([kpi for _, kpi in self.keys], rows)
        for (scope, kpi), stats in zip(self.keys, rows, strict=True):
            out.setdefault(scope, {})[kpi] = stats
        for item in self.probabilities():
            out[item.scope][item.key] = item.stats()
        return out

    def bands(self) -> Bands:
        """Per-bin mean, p5, p50 and p95 of each main series over all replications."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bins stay NaN
            mean = np.nanmean(self.series, axis=0)
        p5, p50, p95 = nanpercentile(self.series, (5, 50, 95))
        s = self.scenario
        day, days = bin_days(self.n_steps, s.step_days, s.record_days)
        return Bands(s.start, series_names(self.series.shape[1]), day, days, mean, p5, p50,
                     p95)

    def files(self) -> dict[str, str]:
        """Extra files of a Monte Carlo result folder: bands.csv and probabilities.csv, and
        draws.csv when the scenario has uncertain inputs."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(prob.HEADER)
        writer.writerows(prob.probability_rows(self.probabilities()))
        files = {"bands.csv": self.bands().csv_text(), "probabilities.csv": out.getvalue()}
        if self.draws:
            files["draws.csv"] = draws_csv(self.draws)
        return files


DRAWS_HEADER = ("replication", "path", "value")


def draws_csv(draws: Sequence[Sequence[tuple[str, Any]]]) -> str:
    """draws.csv: `replication,path,value`, one row per uncertain input and replication (by
    path within a replication, so the order the file wrote them in does not matter); dates as
    ISO text, numbers as text that reads back exactly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DRAWS_HEADER)
    for r, pairs in enumerate(draws):
        writer.writerows((r, path, _draw_text(value)) for path, value in sorted(pairs))
    return out.getvalue()


def _draw_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if isinstance(value, int) else number_text(value)


def _texts(values: np.ndarray) -> list[str]:
    """`number_text` of each float of `values` (flattened in C order), each distinct number
    formatted once; told apart by their bits, so 0.0 and -0.0 keep their text."""
    bits = np.ascontiguousarray(values, dtype=float).reshape(-1).view(np.int64)
    distinct = np.unique(bits)  # sorted, so each number's place is found by a binary search
    texts = np.array(list(map(number_text, distinct.view(np.float64).tolist())), dtype=object)
    return texts[np.searchsorted(distinct, bits)].tolist()


def _rows(texts: list[str], n_rows: int) -> list[list[str]]:
    """`texts` cut into `n_rows` rows of equal length (those of the array they were made of)."""
    width = len(texts) // n_rows if n_rows else 0
    return [texts[i * width: (i + 1) * width] for i in range(n_rows)]


def _dates(start: dt.date, days: np.ndarray) -> list[str]:
    """ISO date of `start` plus each of `days`, as `start + timedelta(days=day)` writes it:
    by numpy's dates when they are whole days within the years 1-9999 (all bins' are), else
    one by one, which keeps the rounding and errors of `timedelta`."""
    days = np.asarray(days, dtype=float)
    first, last = (dt.date.min - start).days, (dt.date.max - start).days
    if np.all((days == np.round(days)) & (days >= first) & (days <= last)):
        return (np.datetime64(start, "D") + days.astype(np.int64)).astype(str).tolist()
    return [(start + dt.timedelta(days=day)).isoformat() for day in days.tolist()]


def _csv_row(cells: Sequence[str]) -> str:
    """One line of CSV text, as csv.writer writes it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()
