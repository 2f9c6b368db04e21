"""Figures drawn from the bands of all replications: the main U.S. series of one result
(`main_series.png`) and the overlay of several results in a comparison.

Example::

    paths = plot_comparison([("baseline", bands_a), ("ban", bands_b)], Path("results/cmp"))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.plots.common import (
    FIGSIZE,
    date_axes,
    datetimes,
    line_palette,
    new_figure,
    save_figures,
    shade_controls,
)
from sim.plots.prices import has_prices, price_overlay
from sim.results.series import LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.results.ensemble import Bands
    from sim.results.result import Result


def plot_comparison(entries: Sequence[tuple[str, Bands]], folder: Path) -> list[Path]:
    """One PNG per main U.S. series with every result's median and p5-p95 band overlaid;
    `prices.png` too if a result had a market."""
    figures = []
    n = ", ".join(label for label, _ in entries)
    for series, name in COMPARED:
        figure, (ax,) = new_figure()
        _overlay(ax, entries, series)
        figure.suptitle(f"{LABELS[series][0]}: {n}  (median and p5-p95)", fontsize=13)
        figures.append((name, figure))
    if any(has_prices(bands) for _, bands in entries):
        figure, (ax,) = new_figure()
        price_overlay(ax, entries)
        figure.suptitle(f"APT prices: {n}  (median; p5-p95 of ex-China)", fontsize=13)
        figures.append(("prices", figure))
    return save_figures(figures, folder)


# --- main series over all replications (bands) -------------------------------------------------

COMPARED = (("us_delivered_tpa", "us_deliveries"), ("us_shortfall_tpa", "us_shortfall"),
            ("us_cover_days", "us_days_of_cover"), ("us_cn_origin_share", "us_cn_origin_share"),
            ("us_stockpile_t", "us_stockpile_level"))
"""Main series drawn in comparisons and in `main_series.png`, with their file names."""


def _overlay(ax: Axes, entries: Sequence[tuple[str, Bands]], series: str,
             legend: bool = True) -> None:
    """Each entry's median of `series` as a line with its p5-p95 band; shares as percent."""
    palette = line_palette()
    scale = 100.0 if series.endswith("share") else 1.0
    starts, ends = [], []
    for k, (label, bands) in enumerate(entries):
        s, color = bands.row(series), palette[k % len(palette)]
        x = datetimes(bands.start, bands.day + bands.days / 2)
        ax.fill_between(x, bands.p5[s] * scale, bands.p95[s] * scale, color=color, alpha=0.2,
                        lw=0)
        ax.plot(x, bands.p50[s] * scale, color=color, lw=1.6, label=label)
        starts.append(bands.start)
        ends.append(bands.start + dt.timedelta(days=float(bands.day[-1] + bands.days[-1])))
    unit = "% (monthly)" if scale == 100.0 else LABELS[series][1]
    date_axes(ax, min(starts), max(ends), unit)
    if series.endswith("share"):
        ax.set_ylim(0, 105)
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def main_series(result: Result) -> Figure:
    """The main U.S. series of one result, over all its replications, one panel each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    entries = [(result.name, result.ensemble.bands())]
    prices = has_prices(entries[0][1])
    panels = len(COMPARED) + prices
    figure = Figure(figsize=(FIGSIZE[0], 13.0 * panels / len(COMPARED)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    end = result.scenario.start + dt.timedelta(days=float(entries[0][1].day[-1]
                                                         + entries[0][1].days[-1]))
    for ax, (series, _) in zip(axes, COMPARED, strict=False):
        _overlay(ax, entries, series, legend=False)
        shade_controls(ax, result, end)
        ax.set_title(LABELS[series][0], fontsize=10)
    if prices:
        price_overlay(axes[-1], [("ex-China", entries[0][1])], legend=False)
        shade_controls(axes[-1], result, end)
        axes[-1].set_title("APT price: ex-China (solid), China (dashed)", fontsize=10)
    n = result.replications
    how = f"median and p5-p95 of {n} replications" if n > 1 else "1 replication"
    figure.suptitle(f"{result.name}: main U.S. series  ({how})", fontsize=13)
    return figure
