"""time_to_event.png: the empirical CDF over replications of when the headline scope
(`country:US`, else `world`) is first short, recovers, and gets its first tonne from each
origin new to it (`sim.results.events`), with pointwise 95% Wilson bands.

A curve is P(event by date): it rises by 1/n at each replication's day and ends at the share
of replications in which the event happened within the run, below 1 when it did not happen
in some (the legend says how many). Recovery is over the replications that were short.

Example::

    figure = time_to_event(result)  # None without an ensemble or a consumer scope
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.plots.common import (
    country_colors,
    date_axes,
    dated_figure,
    datetimes,
    outside_legend,
)
from sim.plots.events import event_spans, shade_events
from sim.results.stats import wilson

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.results.events import TimeToEvent
    from sim.results.result import Result

FIXED_COLORS = {"first shortfall": "#67000d", "recovery": "#00441b"}
"""Shortfall and recovery in dark shades, apart from the origins' colours."""


def step_curve(event: TimeToEvent, end_day: float) -> tuple[np.ndarray, np.ndarray]:
    """(days, F) of the CDF as a post-step line from day 0 (F = 0) to `end_day`."""
    days, cdf = event.cdf()
    x = np.concatenate([[0.0], days, [end_day]])
    y = np.concatenate([[0.0], cdf, [cdf[-1] if cdf.size else 0.0]])
    return x, y


def wilson_band(y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% Wilson interval of each CDF value y = k / n."""
    bounds = [wilson(round(v * n), n) for v in y]
    return np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])


def time_to_event(result: Result) -> Figure | None:
    """The CDF figure of a result's time-to-event distributions, or None if it has none."""
    from sim.results.events import result_events

    found = result_events(result)
    if found is None:
        return None
    scope, events = found
    start, end = result.scenario.start, result.scenario.end
    figure, (ax,) = dated_figure()
    colors = {**country_colors(result), **FIXED_COLORS}
    for event in events:
        _draw(ax, event, start, end, colors)
    date_axes(ax, start, end, "P(event by date)")
    ax.set_ylim(-0.02, 1.02)  # a curve at 0 (never happened) shows above the axis
    ax.axhline(1.0, color="#999999", lw=0.8, ls=":")
    shade_events(ax, event_spans(getattr(result.scenario, "events", ()) or (), start, end))
    ax.grid(True, alpha=0.3)
    outside_legend(ax)
    n = result.replications
    figure.suptitle(f"{result.name}: time to event, {scope}  (empirical CDF over {n} "
                    f"replication{'s' if n > 1 else ''})", fontsize=13)
    ax.set_title("a curve ending below 1: the event did not happen within the run in some "
                 "replications; shading: 95% Wilson interval (from the first event on)",
                 fontsize=9, loc="left")
    return figure


def _draw(ax, event: TimeToEvent, start, end, colors: dict[str, str]) -> None:
    """One event's CDF as a step line, its Wilson band from its first day on, and a legend
    entry with how many replications had it by the end and P's interval."""
    x, y = step_curve(event, float((end - start).days))
    first_tonne = event.label.startswith("first tonne")
    key = event.label.rsplit(" ", 1)[-1] if first_tonne else event.label.split(" (")[0]
    k = int(np.isfinite(event.days).sum())
    low, high = wilson(k, event.n) if event.n else (np.nan, np.nan)
    label = f"{event.label}:\n{k} of {event.n} by {end},\nP in [{low:.2f}, {high:.2f}]"
    when = datetimes(start, x)
    color = colors.get(key, "#333333")
    if event.n > 1 and k:
        band_low, band_high = wilson_band(y[1:], event.n)
        ax.fill_between(when[1:], band_low, band_high, step="post", color=color, alpha=0.15,
                        lw=0)
    ax.step(when, y, where="post", color=color, lw=2, label=label,
            ls="--" if key == "recovery" else "-")
