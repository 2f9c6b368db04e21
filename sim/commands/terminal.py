"""What `run` prints: U.S. KPIs, the market's prices, probabilities (means over replications)."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.results import Result


def _summary(result) -> dict:
    if result.ensemble is not None:
        return result.ensemble.summary()
    from sim.results.kpis import summarize
    from sim.results.writer import all_kpi_rows

    return summarize(all_kpi_rows(result))


def us_table(result: Result) -> str:
    """A short table of U.S. KPIs (means over replications) for the terminal, each written as
    its kind says (`sim.results.numbers`: the same as in `compare`)."""
    from sim.results.catalogue import RUN_TABLE, us_scopes
    from sim.results.numbers import value_text

    summary = _summary(result)
    scopes = us_scopes(summary)
    reported = {kpi for scope in scopes for kpi in summary[scope]}
    table = [c for c in RUN_TABLE if c[0] != "purchase_cost_musd" or c[0] in reported]
    n = result.replications
    runs = f"mean of {n} replications" if n > 1 else "1 run"
    head = f"{result.name}: U.S. KPIs ({runs})"
    lines = [head, f"{'scope':28s}" + "".join(f"{label:>14s}" for _, label in table)]
    for scope in scopes:
        cells = []
        for kpi, _ in table:
            mean = summary[scope].get(kpi, {}).get("mean")
            cells.append("-" if mean is None else
                         value_text(kpi, mean, result.scenario.start))
        lines.append(f"{scope:28s}" + "".join(f"{c:>14s}" for c in cells))
    if not scopes:
        lines.append("(no U.S. consumers in this scenario)")
    return "\n".join(lines)


def probability_table(result: Result) -> str:
    """U.S. probability KPIs with their 95% Wilson intervals, for the terminal."""
    if result.ensemble is None or result.replications < 2:  # a probability of one run says little
        return ""
    items = _us_probabilities(result)
    if not items:
        return ""
    events = list(dict.fromkeys((p.event, p.threshold) for p in items))
    titles = [_title(e, t) for e, t in events]
    lines = [f"probabilities over {result.replications} replications (95% Wilson interval)",
             f"{'scope':28s}" + "".join(f"{title:>{_width(title)}s}" for title in titles)]
    for scope in dict.fromkeys(p.scope for p in items):
        cells = []
        for event in events:
            p = next(x for x in items if x.scope == scope and (x.event, x.threshold) == event)
            cells.append(_probability_text(p.p, *p.interval))
        lines.append(f"{scope:28s}" + "".join(f"{c:>{_width(t)}s}"
                                              for c, t in zip(cells, titles, strict=True)))
    return "\n".join(lines)


def _probability_text(p: float, low: float, high: float) -> str:
    """A probability with its interval, as every probability is written (3 decimals)."""
    from sim.results.numbers import interval_text
    from sim.results.stats import Interval

    return interval_text("prob_", Interval(p, low, high, 1))


def _width(title: str) -> int:
    """Width of a probability column: 32, or its title and two spaces."""
    return max(32, len(title) + 2)


def _title(event: str, threshold: str) -> str:
    """A probability's column title: `P(fill rate >= 0.95)`, `P(first tonne from KZ by D)`."""
    if event == "fill_rate>=":
        return f"P(fill rate >= {threshold})"
    return f"P({event.replace('_', ' ')} {threshold})"


def _us_probabilities(result) -> list:
    from sim.results.catalogue import us_scopes

    scopes = set(us_scopes(s for s, _ in result.ensemble.keys))
    return [p for p in result.ensemble.probabilities() if p.scope in scopes]


def price_lines(result: Result) -> str:
    """Each market's APT price, peak and average (means over replications), for the
    terminal; "" without a market."""
    from sim.results.market import MARKETS, price_line

    if result.scenario.market is None:
        return ""
    summary = _summary(result)
    lines = [line for m in MARKETS if (line := price_line(summary, result.scenario.start, m))]
    n = result.replications
    if lines and n > 1:
        lines[0] += f"  (means of {n} replications; the month of the median peak)"
    return "\n".join(lines)


def time_to_event_table(result: Result) -> str:
    """When the headline scope (`country:US`, else `world`) is first short, recovers and gets
    its first tonne from each origin new to it: p5/p50/p95 dates over replications and
    P(by the end of the run) with its 95% Wilson interval; "" without an ensemble."""
    from sim.results.events import result_events

    found = result_events(result)
    if found is None:
        return ""
    scope, events = found
    start, end = result.scenario.start, result.scenario.end
    n = result.replications
    head = (f"time to event, {scope}, over {n} replication{'s' if n > 1 else ''} (dates; "
            f"'after end': not by {end})")
    lines = [head, f"{'event':34s}{'p5':>13s}{'p50':>13s}{'p95':>13s}   "
                   f"P(by {end}) [95% Wilson]"]
    for event in events:
        dates = [_event_date(start, day) for day in event.quantiles()]
        p, low, high = event.p_by_day(float((end - start).days))
        cells = "".join(f"{d:>13s}" for d in dates)
        share = _probability_text(p, low, high) if event.n else "-"
        lines.append(f"{event.label:34s}{cells}   {share}")
    return "\n".join(lines)


def _event_date(start: dt.date, day: float) -> str:
    if math.isnan(day):
        return "-"
    if math.isinf(day):
        return "after end"
    return (start + dt.timedelta(days=day)).isoformat()
