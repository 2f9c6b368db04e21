"""Comparing results: each KPI per scenario and its difference from the first, with 95% CIs.

Each scenario's mean has an interval that stays in the KPI's range (`stats.range_ci`: log-t
for tonnes, days and prices, logit-t for shares and fill rates, t for KPIs of either sign).
Differences may have either sign and keep the t interval: paired by replication when two
results share their seed and replication count (replication r of both drew the same random
numbers for every source they share, so the noise cancels in b[r] - a[r]); otherwise
Welch's unequal-variance interval. Replications where a KPI is undefined (e.g.
`first_shortfall_day` when never short) are left out, pairwise for paired differences.
Where n is too small for an interval (one replication) it is "n/a"; below `stats.MIN_T_N`
the table is followed by a warning (`interval_notes`).

Example::

    table = compare_kpis([base, ban])       # one KpiComparison per scenario and KPI
    print(text_table(kpi_header(base), table_cells(table, selected_keys(base))))
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.results.catalogue import COMPARE_KPIS, PEAK_PRICE, KpiKey, kind, kpi_text, us_scopes
from sim.results.files import DECIMALS, number_text
from sim.results.numbers import interval_text
from sim.results.reader import ResultData
from sim.results.stats import (
    MIN_T_N,
    Interval,
    paired_ci,
    range_cis,
    range_method,
    small_n_note,
    welch_ci,
)

CSV_HEADER = ("scope", "kpi", "scenario", "n", "mean", "ci_low", "ci_high", "diff",
              "diff_ci_low", "diff_ci_high", "diff_n", "method", "ci_method", "note")
"""comparison.csv's columns: `method` is the difference's (paired or welch), `ci_method` the
mean's (t, log-t, logit-t), `note` a warning when n is too small for them."""


@dataclass(frozen=True)
class KpiComparison:
    """One KPI of one scenario: its mean with CI, and its difference from the first scenario
    (None for the first); `start`, the scenario's first day, writes days of the run as dates."""

    key: KpiKey
    label: str
    mean: Interval
    diff: Interval | None
    start: dt.date | None = None

    @property
    def note(self) -> str:
        """A warning when n is too small for the intervals, or a mean left its range."""
        notes = [small_n_note(self.mean.n, "t")]
        if self.diff is not None:  # of the same n, the difference's note says it of both
            if self.diff.n == self.mean.n:
                notes.pop()
            notes.append(small_n_note(self.diff.n, self.diff.method))
        if self.mean.method.endswith("clipped"):
            notes.append("the mean is outside the KPI's range: its t interval is clipped")
        return "; ".join(dict.fromkeys(n for n in notes if n))


def paired(a: ResultData, b: ResultData) -> bool:
    """True when b's replications pair with a's: same seed and same number of replications."""
    return a.seed == b.seed and a.n == b.n


def compare_kpis(data: Sequence[ResultData]) -> list[KpiComparison]:
    """For every KPI of the first result: each result's mean and its difference from the first."""
    reference = data[0]
    means = [_means(item) for item in data]
    out = []
    for key in reference.keys:
        base = reference.column(key)
        for j, item in enumerate(data):
            start = item.scenario.start
            values = item.column(key)
            if values is None:
                found = kind(key[1])
                missing = Interval(math.nan, math.nan, math.nan, 0,
                                   method=range_method(found.low, found.high))
                out.append(KpiComparison(key, item.label, missing, missing, start))
                continue
            diff = None
            if j > 0:
                diff = (paired_ci(base, values) if paired(reference, item)
                        else welch_ci(base, values))
            out.append(KpiComparison(key, item.label, means[j][key], diff, start))
    return out


def _means(item: ResultData) -> dict[KpiKey, Interval]:
    """Each KPI's mean with its interval in the KPI's range (`range_ci`), all at once."""
    kinds = [kind(kpi) for _, kpi in item.keys]
    intervals = range_cis(item.values, [k.low for k in kinds], [k.high for k in kinds])
    return dict(zip(item.keys, intervals, strict=True))


def csv_rows(table: Sequence[KpiComparison]) -> list[tuple]:
    """Rows of comparison.csv in the order of CSV_HEADER (diff columns empty for the first)."""
    rows = []
    for c in table:
        d = c.diff
        diff = ("", "", "", "", "") if d is None else (
            *_texts(d.estimate, d.low, d.high), d.n, d.method)
        rows.append((c.key[0], c.key[1], c.label, c.mean.n,
                     *_texts(c.mean.estimate, c.mean.low, c.mean.high), *diff,
                     c.mean.method, c.note))
    return rows


def _texts(*values: float) -> list[str]:
    """Each value as comparison.csv writes it (as kpis.csv does)."""
    return [number_text(value, DECIMALS) for value in values]


def selected_keys(reference: ResultData, wanted: Sequence[KpiKey] = ()) -> list[KpiKey]:
    """The KPIs to show: those asked for, else COMPARE_KPIS of the U.S. scopes (else
    `world`), then the peak ex-China price if the reference had a market."""
    if wanted:
        return list(wanted)
    scopes = us_scopes(dict.fromkeys(s for s, _ in reference.keys)) or ["world"]
    have = set(reference.keys)
    keys = [(s, k) for s in scopes for k in COMPARE_KPIS if (s, k) in have]
    return keys + [PEAK_PRICE] * (PEAK_PRICE in have)


def table_cells(table: Sequence[KpiComparison], keys: Sequence[KpiKey]) -> list[list[str]]:
    """Rows [KPI, scenario, n, mean [CI], difference [CI], method] for the chosen KPIs, each
    number written as its KPI's kind says (`sim.results.numbers`)."""
    wanted: dict[KpiKey, list[KpiComparison]] = {key: [] for key in keys}
    for c in table:
        if c.key in wanted:
            wanted[c.key].append(c)
    rows = []
    for key, items in wanted.items():
        for i, c in enumerate(items):
            name = kpi_text(key) if i == 0 else ""
            diff = "" if c.diff is None else interval_text(key[1], c.diff, diff=True)
            method = "" if c.diff is None else c.diff.method
            rows.append([name, c.label, str(c.mean.n), interval_text(key[1], c.mean, c.start),
                         diff, method])
    return rows


def interval_notes(table: Sequence[KpiComparison], keys: Sequence[KpiKey]) -> list[str]:
    """Warnings on the chosen KPIs' intervals, each said once per scenario: `label: note`
    when it holds for every KPI shown of the scenario, else `label (KPI, ...): note`."""
    shown = [c for c in table if c.key in set(keys)]
    groups: dict[tuple[str, str], list[str]] = {}
    for c in shown:
        if c.note:
            groups.setdefault((c.label, c.note), []).append(kpi_text(c.key))
    out = []
    for (label, note), names in groups.items():
        every = len(names) == sum(c.label == label for c in shown)
        out.append(f"{label}{'' if every else ' (' + ', '.join(names) + ')'}: {note}")
    return out


METHODS_NOTE = ("Intervals are 95%. A scenario's mean: log-t for KPIs that cannot be "
                "negative (tonnes, days, prices), logit-t for shares and fill rates, so they "
                "stay in range; t for KPIs of either sign. Differences: paired or Welch t. "
                f"Below {MIN_T_N} replications t-based intervals are rough; with one there "
                "is none (n/a).")
"""How the intervals were made, printed under the table (README: Monte Carlo and comparing)."""


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned table for the terminal."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    def cells(row: Sequence[str]) -> str:
        return "| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |"
    return "\n".join([cells(header), "|" + "---|" * len(header), *map(cells, rows)])


def kpi_header(reference: ResultData) -> list[str]:
    """Column names of the KPI table."""
    return ["KPI", "scenario", "n", "mean [95% CI]", f"difference from {reference.label} "
            "[95% CI]", "method"]


def pairing_note(data: Sequence[ResultData]) -> str:
    """One sentence on how the differences were computed."""
    reference = data[0]
    notes = []
    for item in data[1:]:
        if paired(reference, item):
            notes.append(f"{item.label}: paired by replication (seed {item.seed}, "
                         f"{_count(item.n)}: common random numbers)")
        else:
            notes.append(f"{item.label}: Welch (seed {item.seed} / {_count(item.n)} vs "
                         f"{reference.seed} / {_count(reference.n)}: not paired)")
    return "; ".join(notes)


def _count(n: int) -> str:
    return f"{n} replication{'s' if n != 1 else ''}"
