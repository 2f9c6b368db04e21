"""The report page of a sweep folder: the design and, for each KPI kept, its best and worst
point (after the sample-size warning of sensitivity.csv, if it has one); then the points,
the sensitivity table, the plots and provenance.

Everything comes from the folder: `manifest.json` (the definition: parameters, KPIs,
method, seed, replications), `points.csv` (each point's parameters and each KPI's mean,
sd and percentiles), `sensitivity.csv` and `plots/`.

Example::

    sweep_headline(read_folder("results/sweep-china-ban-us")).text()
"""

from __future__ import annotations

import dataclasses
import math

from sim.report import html
from sim.report.folder import ResultFolder
from sim.report.headline import Headline, plural
from sim.report.provenance import file_rows, manifest_rows
from sim.results.catalogue import kpi_label, parse_kpi
from sim.results.numbers import diff_text, value_text

HIGHER_IS_BETTER = frozenset({"fill_rate", "min_cover_days"})
LOWER_IS_BETTER = frozenset({"shortfall_t", "days_short", "peak_shortfall_tpa",
                             "origin_share_CN", "purchase_cost_musd", "demand_destroyed_t",
                             "ex_china_peak_price_usd_mtu", "ex_china_mean_price_usd_mtu"})
"""KPIs with a better end, for a U.S. buyer; others are given as lowest and highest."""
MAX_POINTS = 60
"""Points listed on the page; points.csv has them all."""
WARNING = "warning: "
"""Prefix of the `index` of a sample-size warning row of sensitivity.csv (written by
`sim.experiments.sensitivity`, a layer this one does not import)."""


def _definition(folder: ResultFolder) -> dict:
    """The sweep's definition (manifest.json's, else sweep.json's)."""
    return folder.manifest.get("definition") or folder.json("sweep.json").get("definition", {})


def _kpis(folder: ResultFolder, points: list[dict]) -> list[str]:
    """The KPIs kept (`SCOPE.KPI`), from the definition, else from points.csv's columns."""
    kpis = list(_definition(folder).get("kpis") or [])
    if not kpis and points:
        kpis = [c[:-5] for c in points[0] if c.endswith(".mean")]
    return kpis


def _params(folder: ResultFolder, points: list[dict]) -> list[str]:
    """The swept parameters' paths, in points.csv's order."""
    params = list(_definition(folder).get("params") or {})
    return [p for p in params if not points or p in points[0]]


def kpi_words(text: str) -> str:
    """`country:US.fill_rate` as "U.S. fill rate" (the catalogue's `kpi_label`)."""
    return kpi_label(parse_kpi(text))


def mean_of(point: dict, kpi: str) -> float:
    """A point's mean of a KPI (NaN where empty)."""
    text = point.get(f"{kpi}.mean", "")
    return float(text) if text else math.nan


def param_text(value: str) -> str:
    """A parameter value from points.csv, numbers without float noise (0.30000000000000004)."""
    try:
        return f"{float(value):.6g}"
    except ValueError:
        return value


def where(point: dict, params: list[str]) -> str:
    """`point 3: cover_days 35, capacity_tpa 60000` (each parameter by its last part)."""
    values = ", ".join(f"{p.rsplit('.', 1)[-1]} {param_text(point[p])}" for p in params)
    return f"point {point['point']}: {values}"


def extremes(points: list[dict], kpi: str) -> tuple[tuple[str, dict], tuple[str, dict]] | None:
    """((word, point), (word, point)) of the best and worst point of a KPI (or lowest and
    highest, for a KPI without a better end); None if no point has a value."""
    valued = [p for p in points if not math.isnan(mean_of(p, kpi))]
    if not valued:
        return None
    low = min(valued, key=lambda p: mean_of(p, kpi))
    high = max(valued, key=lambda p: mean_of(p, kpi))
    name = parse_kpi(kpi)[1]
    if name in HIGHER_IS_BETTER:
        return ("best", high), ("worst", low)
    if name in LOWER_IS_BETTER:
        return ("best", low), ("worst", high)
    return ("lowest", low), ("highest", high)


def sample_warnings(folder: ResultFolder) -> list[str]:
    """The sample-size warnings of sensitivity.csv, as shown: "Warning: r=3: indices
    unreliable (Morris with 3 trajectories; use --samples 10 or more)"."""
    return [f"Warning: {r['index'][len(WARNING):]}" for r in folder.csv_rows("sensitivity.csv")
            if r.get("index", "").startswith(WARNING)]


def sweep_headline(folder: ResultFolder) -> Headline:
    """The sample-size warnings (first: they say how far to trust the rest), the design in
    a sentence, and the best and worst point of each KPI kept."""
    points = folder.csv_rows("points.csv")
    d, m = _definition(folder), folder.manifest
    params = _params(folder, points)
    runs = f"{m.get('runs', '?')} of {m.get('runs_expected', '?')} runs done"
    sentences = [*sample_warnings(folder),
                 f"{plural(len(points), 'point')} x {d.get('replications', '?')} "
                 f"replications ({d.get('method', '?')} design, seed {d.get('seed', '?')}; "
                 f"{runs}) over {', '.join(params) or 'no parameters'}. The best and "
                 "worst point of each KPI kept (by its mean over replications; for a U.S. "
                 "buyer):"]
    facts = []
    for kpi in _kpis(folder, points):
        found = extremes(points, kpi)
        if found is None:
            continue
        name = parse_kpi(kpi)[1]
        same = {value_text(name, mean_of(p, kpi)) for _, p in found}
        if len(same) == 1:
            facts.append((kpi_words(kpi), f"{same.pop()} at every point"))
            continue
        facts += [(f"{kpi_words(kpi)}, {word}", f"{value_text(name, mean_of(p, kpi))} at "
                   f"{where(p, params)}") for word, p in found]
    name = m.get("scenario") or folder.path.name
    return Headline(f"Sweep of {name}", tuple(sentences), tuple(facts))


def sweep_page(folder: ResultFolder) -> str:
    """The whole page of a sweep folder; the sample-size warnings open the answer, marked
    as warnings."""
    headline = sweep_headline(folder)
    warnings = sample_warnings(folder)
    rest = dataclasses.replace(headline, sentences=headline.sentences[len(warnings):])
    answer = "".join(html.paragraph(w, "warning") for w in warnings) + html.headline_html(rest)
    sections = [
        ("answer", "The answer", answer),
        ("points", "Points", points_section(folder)),
        ("sensitivity", "Sensitivity", sensitivity_section(folder)),
        ("plots", "Plots", html.figures(folder.plots(), "No plots in this folder (the sweep "
                                                         "was made with --no-plots).")),
        ("provenance", "Provenance", html.definitions(manifest_rows(folder.manifest))
         + "<h3>Files</h3>" + html.table(("file", "size"), file_rows(folder.path),
                                         numeric=[1])),
    ]
    lead = "Each value is a point's mean over its replications; points.csv has sd and percentiles."
    return html.page(headline.title, lead, sections)


def points_section(folder: ResultFolder) -> str:
    """Every point (up to MAX_POINTS): its parameters (by the last two parts of their
    paths; the answer and the provenance give them whole) and the mean of each KPI."""
    points = folder.csv_rows("points.csv")
    params, kpis = _params(folder, points), _kpis(folder, points)
    header = ("point", *(".".join(p.split(".")[-2:]) for p in params), "n",
              *(kpi_words(k) for k in kpis))
    rows = [[p["point"], *(param_text(p[q]) for q in params), p.get("replications", ""),
             *(value_text(parse_kpi(k)[1], mean_of(p, k)) for k in kpis)]
            for p in points[:MAX_POINTS]]
    more = (html.paragraph(f"The first {MAX_POINTS} of {len(points)} points; points.csv has "
                           "them all.", "note") if len(points) > MAX_POINTS else "")
    numeric = range(1, len(header))
    return html.table(header, rows, numeric=numeric) + more


def sensitivity_section(folder: ResultFolder) -> str:
    """sensitivity.csv as a table: one row per KPI and parameter, one column per index."""
    rows = folder.csv_rows("sensitivity.csv")
    if not rows:
        return html.paragraph("No sensitivity.csv in this folder.", "note")
    rows = [r for r in rows if not r["index"].startswith(WARNING)]
    indices = list(dict.fromkeys(r["index"] for r in rows))
    cells: dict[tuple[str, str], dict[str, str]] = {}
    r2: dict[str, str] = {}
    for r in rows:
        if r["param"] == "*":
            r2[r["kpi"]] = _index_text(r["kpi"], r["index"], r["value"], r.get("conf", ""))
            continue
        cells.setdefault((r["kpi"], r["param"]), {})[r["index"]] = _index_text(
            r["kpi"], r["index"], r["value"], r.get("conf", ""))
    shown = [i for i in indices if any(i in c for c in cells.values())]
    table = [[kpi_words(kpi), param, *(c.get(i, "") for i in shown), r2.get(kpi, "")]
             for (kpi, param), c in cells.items()]
    note = html.paragraph("src: standardized regression coefficient of the point means; "
                          "effect: the KPI's change from the parameter's lowest to highest "
                          "value by that fit; r2: the fit's R². S1/ST (sobol) and mu_star/"
                          "sigma (morris) where the method gives them, ± their 95% "
                          "half-width; low/high_mean: the KPI's mean over the points at the "
                          "parameter's lowest and highest value, min/max_mean: over its "
                          "levels.", "note")
    header = ("KPI", "parameter", *shown, "r2" if "r2" in indices else "")
    warned = "".join(html.paragraph(w, "warning") for w in sample_warnings(folder))
    return warned + note + html.table(header, table, numeric=range(2, len(header)))


def _index_text(kpi: str, index: str, value: str, conf: str) -> str:
    """A sensitivity value: an effect in the KPI's unit, other indices to 3 digits."""
    if not value:
        return "-"
    number = float(value)
    if index == "effect":
        return diff_text(parse_kpi(kpi)[1], number)
    if index.endswith("_mean"):  # the KPI's mean at a parameter's level (tornado ends)
        return value_text(parse_kpi(kpi)[1], number)
    text = f"{number:.3g}"
    return f"{text} ± {float(conf):.2g}" if conf else text
