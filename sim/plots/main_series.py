"""`main_series.png`: the U.S. answer of one result over all its replications.

Two columns of panels sharing the date axis: deliveries beside demand, the shortfall as a
rate and as a running total (with the day the U.S. is first short marked), consumers' days of
cover, the Chinese-origin share (percent), the stockpile (its releases, or "no releases" in
words), and with a market the APT prices. Lines are the median over replications with the
p5-p95 band; the scenario's events are shaded in every panel and named in the legend below.

Example::

    figure = main_series(result)      # result.ensemble must be set
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.bands import bands_end, overlay, positive
from sim.plots.common import FIGSIZE, date_axes, datetimes, margins, note, percentiles
from sim.plots.events import event_spans, shade_events
from sim.plots.prices import has_prices, price_overlay
from sim.results.series import LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.results.ensemble import Bands, Ensemble
    from sim.results.result import Result

COLOR = "#1f77b4"
DEMAND_COLOR = "#222222"
FIRST_SHORT_COLOR = "#67000d"
PANEL_HEIGHT_IN = 2.6
LEGEND_IN = 0.95
"""Room below the panels for the figure's legend (lines, band, events)."""


def main_series(result: Result) -> Figure:
    """The main U.S. series of one result, over all its replications (module docstring)."""
    ensemble = result.ensemble
    bands = ensemble.bands()
    panels = ["deliveries", "us_shortfall_tpa", "cumulative", "us_cover_days",
              "us_cn_origin_share", "us_stockpile_t"]
    if positive(bands, "us_stockpile_released_tpa"):
        panels.append("us_stockpile_released_tpa")
    if has_prices(bands):
        panels.append("prices")
    figure, axes = _grid(len(panels))
    spans = event_spans(result.scenario.events, result.scenario.start, bands_end(bands))
    first = first_short(ensemble)
    for ax, panel in zip(axes, panels, strict=True):
        _panel(ax, panel, result.name, bands, ensemble)
        shade_events(ax, spans, legend=ax is axes[0])
        if first is not None and panel in ("us_shortfall_tpa", "cumulative"):
            ax.axvline(datetimes(result.scenario.start, np.array([first[0]]))[0],
                       color=FIRST_SHORT_COLOR, lw=1.2, ls="--", zorder=4,
                       label="first U.S. shortfall (median)")
    _first_short_text(axes[panels.index("cumulative")], result, first)
    _legend(figure, axes, result.name)
    n = result.replications
    how = f"median and p5-p95 of {n} replications" if n > 1 else "1 replication"
    figure.suptitle(f"{result.name}: main U.S. series  ({how})", fontsize=13)
    return figure


def _grid(panels: int) -> tuple[Figure, list[Axes]]:
    """Two columns of date axes sharing x; an odd last panel spans both columns."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = -(-panels // 2)
    figure = Figure(figsize=(FIGSIZE[0] + 3.0, 1.0 + LEGEND_IN + rows * PANEL_HEIGHT_IN + 0.7))
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(rows, 2, **margins(figure, rows, 2, legend_column=False,
                                                  bottom_in=LEGEND_IN + 0.3, gap_in=0.72))
    axes: list[Axes] = []
    for k in range(panels):
        row, column = divmod(k, 2)
        spec = grid[row, :] if k == panels - 1 and panels % 2 else grid[row, column]
        axes.append(figure.add_subplot(spec, sharex=axes[0] if axes else None))
    for ax in axes:
        ax.tick_params(labelbottom=True, labelsize=8.5)
    return figure, axes


def _panel(ax: Axes, panel: str, name: str, bands: Bands, ensemble: Ensemble) -> None:
    """Draw one panel of main_series.png."""
    if panel == "deliveries":
        overlay(ax, [(name, bands)], "us_delivered_tpa", legend=False, colors=[COLOR])
        x = datetimes(bands.start, bands.day + bands.days / 2)
        ax.plot(x, bands.p50[bands.row("us_demand_tpa")], color=DEMAND_COLOR, lw=1.2, ls="--",
                zorder=12, label="U.S. demand (median)")
        ax.set_title("U.S. deliveries (blue) and demand (dashed)", fontsize=10)
    elif panel == "cumulative":
        _cumulative(ax, bands, ensemble)
    elif panel == "prices":
        price_overlay(ax, [("APT price", bands)], legend=False)
        ax.set_title("APT price: ex-China (solid), China (dashed)", fontsize=10)
    else:
        overlay(ax, [(name, bands)], panel, legend=False, colors=[COLOR])
        ax.set_title(LABELS[panel][0], fontsize=10)
    if panel == "us_stockpile_t" and not positive(bands, "us_stockpile_released_tpa"):
        ax.set_title("U.S. stockpile level: no releases in any replication", fontsize=10)
    if panel == "us_shortfall_tpa" and not positive(bands, panel):
        note(ax, "no U.S. shortfall in any replication")


def cumulative_shortfall(ensemble: Ensemble, bands: Bands) -> np.ndarray:
    """Each replication's running total of U.S. shortfall, t W at the end of each bin,
    [replication, bin]."""
    rate = ensemble.series[:, bands.row("us_shortfall_tpa"), :]
    return np.cumsum(np.nan_to_num(rate) * bands.days / 365.0, axis=1)


def first_short(ensemble: Ensemble) -> tuple[float, int, int, float] | None:
    """(median day, replications short, replications, earliest day) of the U.S.'s first
    shortfall over the replications that had one; None if none had one (or no U.S. scope)."""
    key = ("country:US", "first_shortfall_day")
    if key not in ensemble.keys:
        return None
    days = ensemble.column(key)
    short = days[np.isfinite(days)]
    if not short.size:
        return None
    return float(np.median(short)), int(short.size), int(days.size), float(short.min())


def _cumulative(ax: Axes, bands: Bands, ensemble: Ensemble) -> None:
    """The running total of U.S. shortfall, median and p5-p95 over replications."""
    total = cumulative_shortfall(ensemble, bands)
    x = datetimes(bands.start, bands.day + bands.days)
    if total.shape[0] > 1:
        low, mid, high = percentiles(total, [5, 50, 95])
        ax.fill_between(x, low, high, color=COLOR, alpha=0.2, lw=0)
    else:
        mid = total[0]
    ax.plot(x, mid, color=COLOR, lw=1.6)
    date_axes(ax, bands.start, bands_end(bands), "t W")
    ax.grid(True, alpha=0.3)
    ax.set_title("U.S. shortfall, running total since the start", fontsize=10)


def _first_short_text(ax: Axes, result: Result, first: tuple | None) -> None:
    """Say in the cumulative panel when the U.S. is first short, or that it never is."""
    if first is None:
        if "country:US" in {scope for scope, _ in result.ensemble.keys}:
            note(ax, f"no U.S. shortfall in any of {result.replications} replications")
        return
    median, k, n, earliest = first
    start = result.scenario.start
    when = start + dt.timedelta(days=median)
    text = f"first short {when:%Y-%m-%d}"
    if n > 1:
        text += (f" (median of the {k} of {n} replications that were short; earliest "
                 f"{start + dt.timedelta(days=earliest):%Y-%m-%d})")
    ax.text(0.01, 0.97, text, transform=ax.transAxes, ha="left", va="top", fontsize=8.5,
            color=FIRST_SHORT_COLOR, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})


def _legend(figure: Figure, axes: list[Axes], name: str) -> None:
    """One legend below the panels: the median line, its band, demand, first shortfall,
    prices and the scenario's events, each named once."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=COLOR, lw=1.6), Patch(color=COLOR, alpha=0.2, lw=0)]
    labels = ["median over replications", "p5-p95 of replications"]
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels and label != name:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8.5,
                  frameon=False, bbox_to_anchor=(0.5, 0.005))
