"""Figures drawn from the bands of all replications: the overlay of several results in a
comparison (one PNG per main U.S. series), and the panels `main_series.png` shares with it.

In a comparison the first result (the reference, usually the baseline) is drawn dashed and
on top, so where another result equals it both lines stay visible; each later result has its
own colour and line style. The events of every result are shaded and named in the legend
(with the results that had them, when not all did).

Example::

    paths = plot_comparison([("baseline", bands_a), ("ban", bands_b)], Path("results/cmp"),
                            scenarios=[baseline, ban])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.plots.common import (
    date_axes,
    dated_figure,
    datetimes,
    line_palette,
    note,
    outside_legend,
    percent_axis,
    save_figures,
)
from sim.plots.events import EventSpan, event_spans, shade_events, union_spans
from sim.plots.prices import has_prices, price_overlay
from sim.results.series import LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.results.ensemble import Bands

COMPARED = (("us_delivered_tpa", "us_deliveries"), ("us_shortfall_tpa", "us_shortfall"),
            ("us_cover_days", "us_days_of_cover"), ("us_cn_origin_share", "us_cn_origin_share"),
            ("us_stockpile_t", "us_stockpile_level"))
"""Main series drawn in comparisons, with their file names."""
STYLES = ("--", "-", "-.", ":")
"""Line style of each result in a comparison: the reference dashed, the next solid, ..."""
REFERENCE_COLOR = "#333333"
FLOWS = ("us_shortfall_tpa", "us_stockpile_released_tpa")
"""Series that are zero unless something went wrong (or was released): said in words."""


def plot_comparison(entries: Sequence[tuple[str, Bands]], folder: Path,
                    scenarios: Sequence[Any] | None = None) -> list[Path]:
    """One PNG per main U.S. series with every result's median and p5-p95 band overlaid;
    `prices.png` too if a result had a market. With `scenarios` (one per entry), their
    events are shaded and named."""
    spans = comparison_spans(entries, scenarios)
    names = ", ".join(label for label, _ in entries)
    figures = [(name, comparison_figure(entries, series, spans, names))
               for series, name in COMPARED]
    if any(has_prices(bands) for _, bands in entries):
        figure, (ax,) = dated_figure()
        price_overlay(ax, entries, legend=False, colors=[_color(k) for k in range(len(entries))])
        shade_events(ax, spans)
        outside_legend(ax)
        figure.suptitle(f"APT prices: {names}  (median; p5-p95 of ex-China)", fontsize=13)
        figures.append(("prices", figure))
    return save_figures(figures, folder)


def comparison_spans(entries: Sequence[tuple[str, Bands]],
                     scenarios: Sequence[Any] | None) -> list[EventSpan]:
    """The events of every compared result, each once (none without `scenarios`)."""
    if not scenarios:
        return []
    if len(scenarios) != len(entries):
        raise ValueError(f"{len(scenarios)} scenarios for {len(entries)} compared results")
    return union_spans([(label, event_spans(s.events, bands.start, bands_end(bands)))
                        for (label, bands), s in zip(entries, scenarios, strict=True)])


def comparison_figure(entries: Sequence[tuple[str, Bands]], series: str,
                      spans: Sequence[EventSpan], names: str) -> Figure:
    """One main series of every result overlaid, events shaded, legend outside."""
    figure, (ax,) = dated_figure()
    overlay(ax, entries, series, legend=False)
    if series == "us_delivered_tpa":
        for k, (label, bands) in enumerate(entries):
            ax.plot(datetimes(bands.start, bands.day + bands.days / 2),
                    bands.p50[bands.row("us_demand_tpa")], color=_color(k), lw=0.9,
                    ls=":", zorder=2, label=f"{label}: demand")
    if series in FLOWS and not any(positive(bands, series) for _, bands in entries):
        note(ax, f"{LABELS[series][0]}: none in any replication of any result")
    shade_events(ax, spans)
    outside_legend(ax)
    figure.suptitle(f"{LABELS[series][0]}: {names}  (median and p5-p95)", fontsize=13)
    return figure


def positive(bands: Bands, series: str) -> bool:
    """Whether a series is above zero in some bin of some replication (its mean or p95)."""
    s = bands.row(series)
    return bool(np.nanmax(bands.p95[s], initial=0.0) > 0
                or np.nanmax(bands.mean[s], initial=0.0) > 0)


def _color(k: int) -> str:
    return REFERENCE_COLOR if k == 0 else line_palette()[(k - 1) % 10]


def overlay(ax: Axes, entries: Sequence[tuple[str, Bands]], series: str, legend: bool = True,
            colors: Sequence[str] | None = None) -> None:
    """Each entry's median of `series` with its p5-p95 band; shares in percent. The first
    entry is dashed and drawn on top, so an equal later line does not hide it."""
    scale = 100.0 if series.endswith("share") else 1.0
    starts, ends = [], []
    for k, (label, bands) in enumerate(entries):
        s = bands.row(series)
        color = colors[k] if colors else _color(k)
        style = "-" if len(entries) == 1 else STYLES[k % len(STYLES)]
        x = datetimes(bands.start, bands.day + bands.days / 2)
        ax.fill_between(x, bands.p5[s] * scale, bands.p95[s] * scale, color=color,
                        alpha=0.15 if k == 0 and len(entries) > 1 else 0.2, lw=0, zorder=1)
        ax.plot(x, bands.p50[s] * scale, color=color, lw=1.8 if k == 0 else 1.6, ls=style,
                label=label, zorder=10 - k if k < 10 else 2)
        starts.append(bands.start)
        ends.append(bands_end(bands))
    unit = "share (monthly)" if scale == 100.0 else LABELS[series][1]
    date_axes(ax, min(starts), max(ends), unit)
    if scale == 100.0:
        ax.set_ylim(0, 105)
        percent_axis(ax, fractions=False)
    ax.grid(True, alpha=0.3)
    if legend:
        outside_legend(ax)


def bands_end(bands: Bands) -> dt.date:
    """The last day the bands cover."""
    return bands.start + dt.timedelta(days=float(bands.day[-1] + bands.days[-1]))
