"""The answer of a run: when the U.S. first runs short, how much, how likely no shortfall is
by a date, and, with a market, the ex-China price path.

All of it comes from the run's folder: the per-replication KPIs of `kpis.csv` (the first
shortfall's percentiles count a replication never short as after the end of the run, as
`run`'s time-to-event table does), the means of `summary.json` and the Wilson intervals of
`probabilities.csv`. The scope is `country:US`, else `world` (a scenario without U.S.
consumers).

Example::

    run_headline(read_folder("results/china-ban-us")).text()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import yaml

from sim.report.folder import ResultFolder, read_kpis
from sim.report.headline import Headline, kpi_interval, kpi_interval_text, plural
from sim.report.labels import subject
from sim.results.catalogue import kpi_name
from sim.results.events import quantile
from sim.results.numbers import value_text

QUANTILES = (5.0, 50.0, 95.0)
MEAN_CI = "(mean [95% CI])"
"""What a fact gives after the KPI's name: its mean over replications with its interval."""
MARKET = "ex_china"
"""The market whose price path the answer gives (U.S. buyers pay ex-China prices)."""


@dataclass(frozen=True)
class RunInfo:
    """What the answer needs of the resolved scenario: its name, words and dates."""

    name: str
    description: str
    start: dt.date
    end: dt.date


def run_info(folder: ResultFolder) -> RunInfo:
    """Name, description and dates from scenario.resolved.yaml, read as plain YAML (not
    validated, so a folder written by an older tungsten-sim still reads). The end is the
    first day after the run, as `Scenario.end`."""
    data = yaml.safe_load(folder.text("scenario.resolved.yaml")) or {}
    start = data.get("start")
    start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    years = float(data.get("horizon_years", 0))
    return RunInfo(str(data.get("name", folder.manifest.get("scenario", folder.path.name))),
                   " ".join(str(data.get("description", "")).split()), start,
                   start + dt.timedelta(days=round(years * 365.0)))


def headline_scope(summary: dict) -> str | None:
    """`country:US` if it has consumers (a fill rate), else `world` if it has, else None."""
    return next((s for s in ("country:US", "world") if "fill_rate" in summary.get(s, {})), None)


def run_headline(folder: ResultFolder, values: dict | None = None) -> Headline:
    """The answer of a run folder (see the module's docstring); `values`: its KPIs as
    `read_kpis` gives them, if already read (they must include the headline scope's and
    the world's)."""
    info = run_info(folder)
    summary = folder.json("summary.json")
    scope = headline_scope(summary)
    values = values if values is not None else read_kpis(folder, {scope or "world", "world"})
    n = int(folder.manifest.get("replications") or 0)
    if scope is None:
        sentences, facts = ["This run has no consumers: nothing in it can run short."], []
    else:
        sentences, facts = _shortfall(values, scope, subject(scope), info, n)
        more_s, more_f = _probabilities(folder, scope, subject(scope))
        sentences += more_s
        facts += more_f
    if (("world", f"{MARKET}_peak_price_usd_mtu")) in values:
        more_s, more_f = _prices(values, summary.get("world", {}), info)
        sentences += more_s
        facts += more_f
    title = f"{info.name}: run of {plural(n, 'replication')} (seed {folder.manifest.get('seed')})"
    return Headline(title, tuple(sentences), tuple(facts))


def first_shortfall_dates(days: np.ndarray, info: RunInfo) -> list[str]:
    """p5, p50 and p95 of the first shortfall's date; "after the end" for a percentile among
    the replications never short."""
    out = []
    for q in QUANTILES:
        day = quantile(days, q)
        out.append("after the end" if np.isinf(day)
                   else value_text("first_shortfall_day", day, info.start))
    return out


def _shortfall(values: dict, scope: str, who: str, info: RunInfo,
               n: int) -> tuple[list[str], list[tuple[str, str]]]:
    """When the scope is first short and how much: sentences and facts."""
    first = values[(scope, "first_shortfall_day")]
    short = int(np.count_nonzero(np.isfinite(first)))
    tonnes = values[(scope, "shortfall_t")]
    shortfall = kpi_interval_text("shortfall_t", tonnes)
    fill = kpi_interval_text("fill_rate", values[(scope, "fill_rate")])
    p95 = value_text("shortfall_t", float(np.percentile(tonnes, 95)))
    facts = [("replications short", f"{short} of {n}")]
    who = who[:1].upper() + who[1:]
    if short == 0:
        which = "its one replication" if n == 1 else f"any of the {plural(n, 'replication')}"
        sentences = [f"{who} does not run short in {which} "
                     f"(the run ends {info.end}): no shortfall in any replication."]
        facts.append(("first shortfall", "no shortfall in any replication"))
    else:
        p5, p50, p95_date = first_shortfall_dates(first, info)
        ends = f" (the run ends {info.end})" if "after the end" in (p5, p50, p95_date) else ""
        sentences = [_when_short(who, first, short, n, info) if p50 == "after the end" else
                     f"{who} first runs short in {short} of {plural(n, 'replication')}: "
                     f"the first shortfall comes on {p50} (median; p5 {p5}, p95 "
                     f"{p95_date}){ends}.",
                     f"Over the run it is short of {mean_words('shortfall_t', tonnes, ' t W')}"
                     f" on average (p95 of replications {p95} t W), with a fill rate of "
                     f"{mean_words('fill_rate', values[(scope, 'fill_rate')])}."]
        facts.append(("first shortfall (p5 / median / p95)", f"{p5} / {p50} / {p95_date}"))
    facts += [(f"{kpi_name('shortfall_t')} {MEAN_CI}", shortfall), ("shortfall p95, t W", p95),
              (f"{kpi_name('fill_rate')} {MEAN_CI}", fill)]
    return sentences, facts


def _when_short(who: str, first: np.ndarray, short: int, n: int, info: RunInfo) -> str:
    """The sentence for a shortfall in fewer than half the replications (the median date
    would read "after the end"): how many, and the earliest and latest first dates."""
    days = first[np.isfinite(first)]
    earliest = first_shortfall_dates(np.array([days.min()]), info)[1]
    latest = first_shortfall_dates(np.array([days.max()]), info)[1]
    when = f"on {earliest}" if earliest == latest else f"between {earliest} and {latest}"
    return (f"{who} runs short in {short} of {plural(n, 'replication')}, first {when}; "
            f"in the other {n - short} it is not short by {info.end}.")


def mean_words(kpi: str, values: np.ndarray, unit: str = "") -> str:
    """`3,180 t W (95% interval 2,900 to 3,460 t W)`: a mean over replications in words
    (the mean alone when the interval is a point or there is none)."""
    interval = kpi_interval(kpi, values)
    mean = value_text(kpi, interval.estimate) + unit
    if np.isnan(interval.low) or interval.low == interval.high:
        return mean
    return (f"{mean} (95% interval {value_text(kpi, interval.low)} to "
            f"{value_text(kpi, interval.high)}{unit})")


def _probabilities(folder: ResultFolder, scope: str,
                   who: str) -> tuple[list[str], list[tuple[str, str]]]:
    """P(no shortfall by D) and P(fill rate >= T) of the scope, from probabilities.csv."""
    sentences, facts = [], []
    for row in folder.csv_rows("probabilities.csv"):
        if row["scope"] != scope or row["event"] not in ("no_shortfall_by", "fill_rate>="):
            continue
        shown = probability_text(row)
        if row["event"] == "no_shortfall_by":
            label = f"P(no shortfall by {row['threshold']}) [95% Wilson]"
            sentences.append(f"The probability that {who} has no shortfall by "
                             f"{row['threshold']} is {shown} (95% Wilson interval, "
                             f"{row['successes']} of {plural(int(row['n']), 'replication')}).")
        else:
            label = f"P(fill rate >= {row['threshold']}) [95% Wilson]"
        facts.append((label, shown))
    return sentences, facts


def probability_text(row: dict[str, str]) -> str:
    """`p [low, high]` of a probabilities.csv row, as the page and `show` write it."""
    p, low, high = (value_text("prob_", float(row[k])) for k in ("p", "ci_low", "ci_high"))
    return f"{p} [{low}, {high}]"


def _prices(values: dict, world: dict,
            info: RunInfo) -> tuple[list[str], list[tuple[str, str]]]:
    """The ex-China APT price path: peak (mean [CI]) and the month of its median, the mean
    over the run, and the mean price at each year end."""
    peak_kpi, mean_kpi = f"{MARKET}_peak_price_usd_mtu", f"{MARKET}_mean_price_usd_mtu"
    peaks, means = values[("world", peak_kpi)], values[("world", mean_kpi)]
    peak, mean = kpi_interval_text(peak_kpi, peaks), kpi_interval_text(mean_kpi, means)
    day = world.get(f"{MARKET}_peak_price_day", {}).get("p50")
    month = "-" if day is None else (info.start + dt.timedelta(days=day)).strftime("%Y-%m")
    prefix = f"{MARKET}_price_usd_mtu_"
    ends = [(kpi[len(prefix):len(prefix) + 4], value_text(kpi, float(np.nanmean(v))))
            for (scope, kpi), v in values.items() if scope == "world" and kpi.startswith(prefix)]
    path = ", ".join(f"{year} {price}" for year, price in ends)
    sentences = [f"The ex-China APT price peaks at {mean_words(peak_kpi, peaks, '/mtu')} on "
                 f"average (WO3; median peak in {month}) and averages "
                 f"{mean_words(mean_kpi, means, '/mtu')} over the run; at year ends (mean): "
                 f"{path}."]
    facts = [(f"{kpi_name(peak_kpi)} {MEAN_CI}", peak),
             ("ex-China APT peak month (median)", month),
             (f"{kpi_name(mean_kpi)} {MEAN_CI}", mean),
             ("ex-China APT at year ends, $/mtu (mean)", path)]
    return sentences, facts
