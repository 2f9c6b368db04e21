"""Price figures of a run with a market: `market_prices.png` (both APT prices and both
markets' cover, per step) and, in comparisons and `main_series.png`, each result's prices
from its bands (ex-China solid, China dashed).

Example::

    figure = market_prices(result)            # None without a market
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.common import (
    date_axes,
    dated_figure,
    datetimes,
    draw_band,
    finish_axes,
    line_palette,
    run_title,
)
from sim.results.market import MARKET_NAMES, MARKETS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.results.ensemble import Bands
    from sim.results.result import Result

COLORS = {"ex_china": "#1f77b4", "china": "#d62728"}
"""Each market's colour in a run's price figure (China red, as everywhere)."""
PRICE_UNIT = "$/mtu WO3 (APT basis)"


def market_prices(result: Result) -> Figure | None:
    """Both markets' APT price and cover over time, median and p5-p95 of the kept
    replications, export controls shaded; None if the run had no market."""
    run = result.runs[0]
    if not run.market:
        return None
    figure, axes = dated_figure(2)
    x = datetimes(run.start, run.days)
    for m in MARKETS:
        prices = np.stack([r.market[m] for r in result.runs])
        draw_band(axes[0], x, prices, f"{MARKET_NAMES[m]} APT price", COLORS[m])
        if f"cover_days:{m}" in run.market:
            cover = np.stack([r.market[f"cover_days:{m}"] for r in result.runs])
            draw_band(axes[1], x, cover, f"{MARKET_NAMES[m]} market", COLORS[m])
    axes[0].set_title("APT price at the end of each step (products: APT price + spread)",
                      fontsize=10)
    axes[1].set_title("market cover: stock its nodes hold over its consumers' daily use",
                      fontsize=10)
    finish_axes(axes[0], result, PRICE_UNIT)
    finish_axes(axes[1], result, "days of cover")
    run_title(figure, result, "market prices", "median and p5-p95")
    return figure


def has_prices(bands: Bands) -> bool:
    """Whether a result's bands hold the price series (it had a market)."""
    return "ex_china_price_usd_mtu" in bands.names


def price_overlay(ax: Axes, entries: Sequence[tuple[str, Bands]], legend: bool = True,
                  colors: Sequence[str] | None = None) -> None:
    """Each entry's ex-China APT price (median, solid, with its p5-p95 band) and China's
    (median, dashed) in its colour (`colors`, else the palette's); entries without a market
    are left out."""
    palette = list(colors) if colors else line_palette()
    starts, ends = [], []
    for k, (label, bands) in enumerate(entries):
        if not has_prices(bands):
            continue
        color = palette[k % len(palette)]
        x = datetimes(bands.start, bands.day + bands.days / 2)
        s = bands.row("ex_china_price_usd_mtu")
        ax.fill_between(x, bands.p5[s], bands.p95[s], color=color, alpha=0.2, lw=0)
        ax.plot(x, bands.p50[s], color=color, lw=1.6, label=f"{label}: ex-China")
        ax.plot(x, bands.p50[bands.row("china_price_usd_mtu")], color=color, lw=1.2, ls="--",
                label=f"{label}: China")
        starts.append(bands.start)
        ends.append(bands.start + dt.timedelta(days=float(bands.day[-1] + bands.days[-1])))
    date_axes(ax, min(starts), max(ends), "$/mtu WO3 (monthly average)")
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
