"""The report page of a comparison folder: the headline differences from the first scenario
(A) with their intervals, the comparison table, the plots, what changed, and the inputs.

Everything comes from the folder: `comparison.csv` (means, intervals and differences as
`compare` computed them: paired by replication or Welch), `changes.csv`, the inputs table
of `comparison.md` and `plots/`.

Example::

    compare_headline(read_folder("results/compare-baseline-vs-china-ban-us")).text()
"""

from __future__ import annotations

import itertools
import math
import re

from sim.report import html
from sim.report.folder import ResultFolder
from sim.report.headline import Headline
from sim.report.provenance import file_rows
from sim.results.catalogue import kpi_label
from sim.results.numbers import interval_text
from sim.results.stats import Interval

HEADLINE_KPIS = ("shortfall_t", "fill_rate", "days_short", "min_cover_days",
                 "origin_share_CN", "purchase_cost_musd")
"""KPIs of the headline scope (`country:US`, else `world`) whose differences open the page."""
SENTENCE_KPIS = ("shortfall_t", "fill_rate", "ex_china_peak_price_usd_mtu")
"""Of those, the ones the opening sentence says; the facts table has them all."""
PRICE_KPI = ("world", "ex_china_peak_price_usd_mtu")
TABLE_HEADER = ("KPI", "scenario", "n", "mean [95% CI]", "difference from A [95% CI]",
                "method")


def _index(folder: ResultFolder) -> tuple[list[str], dict[tuple[str, str, str], dict]]:
    """(scenario labels in order, comparison.csv rows by (scope, kpi, scenario))."""
    rows = folder.csv_rows("comparison.csv")
    labels = list(dict.fromkeys(r["scenario"] for r in rows))
    return labels, {(r["scope"], r["kpi"], r["scenario"]): r for r in rows}


def _interval(row: dict, prefix: str = "") -> Interval:
    """The mean (`prefix` ""), or the difference (`prefix` "diff_"), of a row as an Interval."""
    def num(name: str) -> float:
        text = row.get(name, "")
        return float(text) if text else math.nan

    estimate = num("mean" if not prefix else "diff")
    n_text = row.get("n" if not prefix else "diff_n", "") or "0"
    return Interval(estimate, num(f"{prefix}ci_low"), num(f"{prefix}ci_high"), int(n_text))


def mean_text(row: dict) -> str:
    """`mean [low, high]` of a comparison.csv row, as the page writes it."""
    return interval_text(row["kpi"], _interval(row))


def diff_text(row: dict) -> str:
    """`diff [low, high]` (signed) of a comparison.csv row, as the page writes it."""
    if not row.get("diff"):
        return ""
    return interval_text(row["kpi"], _interval(row, "diff_"), diff=True)


def headline_keys(index: dict) -> list[tuple[str, str]]:
    """The (scope, kpi) pairs the headline shows, those the comparison has."""
    scopes = {scope for scope, _, _ in index}
    scope = "country:US" if "country:US" in scopes else "world"
    keys = [(scope, kpi) for kpi in HEADLINE_KPIS]
    return [k for k in [*keys, PRICE_KPI] if any(key[:2] == k for key in index)]


def compare_headline(folder: ResultFolder) -> Headline:
    """Each scenario's differences from A on the headline KPIs, with their intervals."""
    labels, index = _index(folder)
    keys = headline_keys(index)
    sentences, facts = [], []
    ref = labels[0] if labels else "A"
    for label in labels[1:]:
        parts, method = [], ""
        for scope, kpi in keys:
            row = index.get((scope, kpi, label))
            if row is None or not row.get("diff"):
                continue
            method = row.get("method") or method
            what = kpi_label((scope, kpi))
            facts.append((f"{label} - {ref}: {what}", f"{diff_text(row)} ({row['method']})"))
            if kpi in SENTENCE_KPIS:
                parts.append(f"{what}: {diff_text(row)}")
        how = {"paired": "paired by replication", "welch": "Welch's test"}.get(method, method)
        sentences.append(f"{label} minus {ref} ({how}; difference [95% CI]): "
                         + "; ".join(parts) + ".")
    title = f"Comparison: {' vs '.join(labels)}"
    return Headline(title, tuple(sentences), tuple(facts))


def compare_page(folder: ResultFolder) -> str:
    """The whole page of a comparison folder."""
    labels, index = _index(folder)
    headline = compare_headline(folder)
    sections = [
        ("answer", "The answer", html.headline_html(headline) + means_table(labels, index)),
        ("comparison", "Comparison", comparison_section(labels, index)),
        ("plots", "Plots", html.figures(folder.plots(), "No plots in this folder (the "
                                                         "comparison was made with --no-plots).")),
        ("changes", "What changed from " + (labels[0] if labels else "A"), changes_section(folder)),
        ("provenance", "Provenance", provenance_section(folder)),
    ]
    lead = f"A = {labels[0]}: every difference is a scenario's mean minus A's." if labels else ""
    return html.page(headline.title, lead, sections)


def means_table(labels: list[str], index: dict) -> str:
    """Each scenario's mean [95% CI] of the headline KPIs, side by side."""
    rows = []
    for scope, kpi in headline_keys(index):
        cells = [mean_text(r) if (r := index.get((scope, kpi, lab))) else "-" for lab in labels]
        rows.append([kpi_label((scope, kpi)), *cells])
    return ("<h3>Each scenario (mean [95% CI])</h3>"
            + html.table(("KPI", *labels), rows, numeric=range(1, len(labels) + 1)))


def table_keys(index: dict) -> list[tuple[str, str]]:
    """The comparison table's KPIs: the headline KPIs and days short of every U.S. scope
    (else the world), then the peak price."""
    scopes = list(dict.fromkeys(s for s, _, _ in index
                                if s == "country:US" or s.startswith("country:US/group:")))
    kpis = ("fill_rate", "shortfall_t", "days_short", "first_shortfall_day", "min_cover_days",
            "origin_share_CN", "purchase_cost_musd")
    keys = [(s, k) for s in scopes or ["world"] for k in kpis]
    have = {key[:2] for key in index}
    return [k for k in [*keys, PRICE_KPI] if k in have]


def comparison_section(labels: list[str], index: dict) -> str:
    """Every scenario's mean and its difference from A, KPI by KPI."""
    rows = []
    for scope, kpi in table_keys(index):
        for j, label in enumerate(labels):
            row = index.get((scope, kpi, label))
            if row is None:
                continue
            name = kpi_label((scope, kpi)) if j == 0 else ""
            rows.append([name, label, row["n"], mean_text(row), diff_text(row),
                         row.get("method", "")])
    note = html.paragraph("Intervals are 95%. Differences are paired by replication when the "
                          "two results share their seed and replication count (common random "
                          "numbers), else Welch's. First shortfall: day of the run, over the "
                          "replications that are short. Every KPI of every scope is in "
                          "comparison.csv.", "note")
    return note + html.table(TABLE_HEADER, rows, numeric=(2, 3, 4))


def changes_section(folder: ResultFolder) -> str:
    """The parameters each scenario changes from A (changes.csv)."""
    rows = folder.csv_rows("changes.csv")
    labels, _ = _index(folder)
    out = []
    for label in labels[1:]:
        mine = [[r["parameter"], r["reference"], r["value"]] for r in rows
                if r.get("scenario") == label]
        out.append(f"<h3>{html.esc(label)}</h3>")
        out.append(html.table(("parameter", labels[0], label), mine) if mine
                   else html.paragraph("No parameter differs.", "note"))
    return "\n".join(out) or html.paragraph("No changes.csv in this folder.", "note")


def inputs(folder: ResultFolder) -> tuple[list[str], list[list[str]], str]:
    """The inputs table of comparison.md (header, rows) and its pairing note; empty when
    comparison.md is missing or has none."""
    lines = folder.text("comparison.md").splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("|")), len(lines))
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines[first:]))
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    cells = [c for c in cells if not all(re.fullmatch(r"-+", x) for x in c)]
    note = next((line for line in lines if line.startswith("Differences from")), "")
    return (cells[0], cells[1:], note) if cells else ([], [], note)


def provenance_section(folder: ResultFolder) -> str:
    """Where each scenario came from (comparison.md's inputs), and the folder's files."""
    header, rows, note = inputs(folder)
    parts = [html.table(header, rows) if header else
             html.paragraph("comparison.md is missing: the inputs are not recorded.", "note")]
    if note:
        parts.append(html.paragraph(note, "note"))
    parts += ["<h3>Files</h3>", html.table(("file", "size"), file_rows(folder.path),
                                           numeric=[1])]
    return "\n".join(parts)
