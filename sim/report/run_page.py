"""The report page of a run folder: the answer, the KPI table with intervals, the plots, what
changed from the parent scenario, and provenance.

Example::

    html_text = run_page(read_folder("results/china-ban-us"))
"""

from __future__ import annotations

from sim.report import html
from sim.report.folder import ResultFolder, read_kpis
from sim.report.headline import is_nan, kpi_interval_text
from sim.report.provenance import file_rows, manifest_rows
from sim.report.run_answer import RunInfo, headline_scope, run_headline, run_info
from sim.results.catalogue import kpi_name, scope_label, us_scopes
from sim.results.numbers import value_text

SCOPE_KPIS = ("fill_rate", "shortfall_t", "days_short", "first_shortfall_day", "recovery_day",
              "peak_shortfall_tpa", "min_cover_days", "origin_share_CN",
              "origin_share_processed_CN", "purchase_cost_musd", "demand_destroyed_t")
"""KPIs of each U.S. scope (else the world) in the KPI table, those the run reports."""
WORLD_PRICE_KPIS = ("peak_price_usd_mtu", "peak_price_day", "mean_price_usd_mtu",
                    "months_above_500", "months_above_800")
"""Price KPIs of the world scope in the table, per market, before the year-end prices."""
KPI_HEADER = ("KPI", "mean [95% CI]", "p5", "p50", "p95", "n")


def run_page(folder: ResultFolder) -> str:
    """The whole page of a run folder."""
    info = run_info(folder)
    summary = folder.json("summary.json")
    scope = headline_scope(summary) or "world"
    scopes = [s for s in us_scopes(summary) if "fill_rate" in summary[s]] or [scope]
    values = read_kpis(folder, {*scopes, "world"})
    headline = run_headline(folder, values)
    sections = [
        ("answer", "The answer", html.headline_html(headline)),
        ("kpis", "KPIs", kpi_section(folder, summary, values, scopes, info)),
        ("plots", "Plots", html.figures(folder.plots(), "No plots in this folder (the run "
                                                         "was made with --no-plots).")),
        ("changes", "What changed from the parent scenario", changes_section(folder)),
        ("provenance", "Provenance", provenance_section(folder)),
    ]
    return html.page(f"{info.name}: tungsten-sim run", info.description, sections)


def scope_rows(summary: dict, values: dict, scope: str, info: RunInfo) -> list[list[str]]:
    """Rows of the KPI table of one scope (SCOPE_KPIS that it reports)."""
    stats = summary.get(scope, {})
    return [_row(scope, kpi, stats[kpi], values.get((scope, kpi)), info)
            for kpi in SCOPE_KPIS if kpi in stats]


def price_rows(summary: dict, values: dict, info: RunInfo) -> list[list[str]]:
    """Rows of the world's price KPIs, per market: peak, its date, mean, months above."""
    world = summary.get("world", {})
    names = [f"{market}_{k}" for market in ("ex_china", "china") for k in WORLD_PRICE_KPIS]
    return [_row("world", k, world[k], values.get(("world", k)), info)
            for k in names if k in world]


def year_end_rows(summary: dict, values: dict, info: RunInfo) -> list[list[str]]:
    """The APT price at each year end: one row per date, each market's mean [95% CI]."""
    world = summary.get("world", {})
    prefix = "ex_china_price_usd_mtu_"
    dates = sorted(k[len(prefix):] for k in world if k.startswith(prefix))
    return [[date, *(_mean(f"{m}_price_usd_mtu_{date}",
                           values.get(("world", f"{m}_price_usd_mtu_{date}")), info)
                     for m in ("ex_china", "china"))] for date in dates]


def group_rows(summary: dict, values: dict, scopes: list[str],
               info: RunInfo) -> list[list[str]]:
    """KPI by scope: one row per KPI, the mean [95% CI] of each scope in its column."""
    rows = []
    for kpi in SCOPE_KPIS:
        if all(kpi in summary.get(scope, {}) for scope in scopes):
            rows.append([kpi_name(kpi), *(_mean(kpi, values.get((scope, kpi)), info)
                                           for scope in scopes)])
    return rows


def _mean(kpi: str, column, info: RunInfo) -> str:
    return kpi_interval_text(kpi, column, info.start) if column is not None else "-"


def _row(scope: str, kpi: str, stats: dict, column, info: RunInfo) -> list[str]:
    """One KPI's row: mean with its interval (from the per-replication values), the
    percentiles of summary.json and how many replications have a value."""
    start = info.start
    cells = [("-" if is_nan(stats.get(q)) else value_text(kpi, stats[q], start))
             for q in ("p5", "p50", "p95")]
    return [kpi_name(kpi), _mean(kpi, column, info), *cells, str(stats.get("n", ""))]


def kpi_section(folder: ResultFolder, summary: dict, values: dict, scopes: list[str],
                info: RunInfo) -> str:
    """The KPI tables (the headline scope, its groups side by side, prices) and what their
    numbers are."""
    n = folder.manifest.get("replications", "?")
    note = (f"Over {n} replications: the mean with its 95% confidence interval (kept within "
            "the range the KPI can take), and the 5th, 50th and 95th percentiles. For the "
            "first shortfall and recovery, n counts the replications in which they happen; "
            "their mean and percentiles are over those. Every KPI of every scope is in "
            "kpis.csv and summary.json.")
    head, groups = scopes[0], scopes[1:]
    parts = [html.paragraph(note, "note"), f"<h3>{html.esc(scope_label(head))}</h3>",
             html.table(KPI_HEADER, scope_rows(summary, values, head, info),
                        numeric=range(1, 6))]
    if groups:
        parts += [f"<h3>{html.esc(scope_label(head))} by group (mean [95% CI])</h3>",
                  html.table(("KPI", *(scope_label(s) for s in groups)),
                             group_rows(summary, values, groups, info),
                             numeric=range(1, len(groups) + 1))]
    if prices := price_rows(summary, values, info):
        parts += ["<h3>Prices (APT, $/mtu WO3)</h3>",
                  html.table(KPI_HEADER, prices, numeric=range(1, 6)),
                  "<h3>APT price at year ends, $/mtu WO3 (mean [95% CI])</h3>",
                  html.table(("date", "ex-China", "China"),
                             year_end_rows(summary, values, info), numeric=(1, 2))]
    return "\n".join(parts)


def changes_section(folder: ResultFolder) -> str:
    """The parameters the run's scenario changes from its parent (changes.csv)."""
    rows = folder.csv_rows("changes.csv")
    if not folder.has("changes.csv") or (rows and "parent" not in rows[0]):
        return html.paragraph("This folder does not record a parent scenario: the scenario "
                              "extends no other file, or the folder was written before "
                              "tungsten-sim recorded it (changes.csv).", "note")
    parent = rows[0]["parent"] if rows else "its parent"
    if not rows:
        return html.paragraph("No parameter differs from the parent scenario.", "note")
    lead = html.paragraph(f"Parameters that differ from the parent scenario, {parent} (the "
                          "file the scenario extends, --set overrides included), named by "
                          "the paths --set takes.", "note")
    table = html.table(("parameter", parent, "this run"),
                       ([r["parameter"], r["reference"], r["value"]] for r in rows))
    return lead + "\n" + table


def provenance_section(folder: ResultFolder) -> str:
    """The manifest in words, and the files of the folder."""
    rows = manifest_rows(folder.manifest)
    return (html.definitions(rows) + "\n<h3>Files</h3>\n"
            + html.table(("file", "size"), file_rows(folder.path), numeric=[1]))
