"""Comparing results: each KPI per scenario and its difference from the first, with 95% CIs.

Differences are paired by replication when two results share their seed and replication
count (replication r of both drew the same random numbers for every source they share, so
the noise cancels in b[r] - a[r]); otherwise Welch's unequal-variance interval is used.
Replications where a KPI is undefined (e.g. `first_shortfall_day` when never short) are left
out, pairwise for paired differences.

Example::

    table = compare_kpis([base, ban])       # one KpiComparison per scenario and KPI
    print(kpi_table(table, selected_keys(base)))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.results.catalogue import COMPARE_KPIS, PEAK_PRICE, KpiKey, kpi_text, us_scopes
from sim.results.files import DECIMALS, number_text
from sim.results.reader import ResultData
from sim.results.stats import Interval, mean_ci, paired_ci, welch_ci

CSV_HEADER = ("scope", "kpi", "scenario", "n", "mean", "ci_low", "ci_high", "diff",
              "diff_ci_low", "diff_ci_high", "diff_n", "method")


@dataclass(frozen=True)
class KpiComparison:
    """One KPI of one scenario: its mean with CI, and its difference from the first scenario."""

    key: KpiKey
    label: str
    mean: Interval
    diff: Interval | None


def paired(a: ResultData, b: ResultData) -> bool:
    """True when b's replications pair with a's: same seed and same number of replications."""
    return a.seed == b.seed and a.n == b.n


def compare_kpis(data: Sequence[ResultData]) -> list[KpiComparison]:
    """For every KPI of the first result: each result's mean and its difference from the first."""
    reference = data[0]
    out = []
    for key in reference.keys:
        base = reference.column(key)
        for j, item in enumerate(data):
            values = item.column(key)
            if values is None:
                missing = Interval(math.nan, math.nan, math.nan, 0)
                out.append(KpiComparison(key, item.label, missing, missing))
                continue
            diff = None
            if j > 0:
                diff = (paired_ci(base, values) if paired(reference, item)
                        else welch_ci(base, values))
            out.append(KpiComparison(key, item.label, mean_ci(values), diff))
    return out


def csv_rows(table: Sequence[KpiComparison]) -> list[tuple]:
    """Rows of comparison.csv in the order of CSV_HEADER (diff columns empty for the first)."""
    rows = []
    for c in table:
        d = c.diff
        diff = ("", "", "", "", "") if d is None else (
            *_texts(d.estimate, d.low, d.high), d.n, d.method)
        rows.append((c.key[0], c.key[1], c.label, c.mean.n,
                     *_texts(c.mean.estimate, c.mean.low, c.mean.high), *diff))
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


def fmt(value: float, scale: float | None = None) -> str:
    """A number for people, with precision by the magnitude of `scale` (default: the value)."""
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    size = abs(value if scale is None else scale)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.4f}"


def _with_ci(interval: Interval) -> str:
    if math.isnan(interval.low):
        return fmt(interval.estimate)
    scale = max(abs(interval.estimate), abs(interval.low), abs(interval.high))
    return (f"{fmt(interval.estimate, scale)} "
            f"[{fmt(interval.low, scale)}, {fmt(interval.high, scale)}]")


def table_cells(table: Sequence[KpiComparison], keys: Sequence[KpiKey]) -> list[list[str]]:
    """Rows [KPI, scenario, n, mean [CI], difference [CI], method] for the chosen KPIs."""
    wanted = {key: [] for key in keys}
    for c in table:
        if c.key in wanted:
            wanted[c.key].append(c)
    rows = []
    for key, items in wanted.items():
        for i, c in enumerate(items):
            name = kpi_text(key) if i == 0 else ""
            diff = "" if c.diff is None else _with_ci(c.diff)
            method = "" if c.diff is None else c.diff.method
            rows.append([name, c.label, str(c.mean.n), _with_ci(c.mean), diff, method])
    return rows


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
                         f"{item.n} replications: common random numbers)")
        else:
            notes.append(f"{item.label}: Welch (seed {item.seed} / {item.n} replications vs "
                         f"{reference.seed} / {reference.n}: not paired)")
    return "; ".join(notes)
