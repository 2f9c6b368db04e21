"""Figures of a Result (U.S. supply by origin, shortfalls, cover, stockpiles, mine output) and
of a comparison of several (the main U.S. series overlaid, each with its band).

Each figure is a `matplotlib.figure.Figure` drawn on an Agg canvas, never through pyplot, so
plotting changes no global state and works without a display. Flows are shown as annual rates
(t W per year) averaged over bins of about a month, levels as recorded each step. With several
replications, lines are the median with a p5-p95 band and stacked areas are the mean. The
per-node figures read the replications whose full records were kept (`result.runs`); the
main-series figure (`main_series.png`, results of `run_replications`) and the comparison
figures read the bands of all replications.

Example::

    paths = plot_result(result, Path("results/china-apt-ban/plots"))
    paths = plot_comparison([("baseline", bands_a), ("ban", bands_b)], Path("results/cmp"))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.results.series import LABELS, annual_rate, bin_centres, steps_per_bin

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.model import RunRecord
    from sim.results.ensemble import Bands
    from sim.results.result import Result

__all__ = ["annual_rate", "bin_centres", "plot_comparison", "plot_result", "steps_per_bin"]

FIGSIZE = (11.0, 6.0)
DPI = 140
MAX_AREAS = 6
"""Most stacked areas drawn; the smallest series beyond them are summed as "other"."""
MAX_LINES = 8
"""Most lines drawn on one axes; consumers beyond them are aggregated or left out (noted)."""
OTHER_COLOR = "#b0b0b0"
PINNED_COLORS = {
    "CN": "#d62728", "US": "#1f77b4", "VN": "#9467bd", "RU": "#8c564b", "KP": "#e377c2",
    "BO": "#bcbd22", "RW": "#17becf", "AU": "#2ca02c", "AT": "#ff7f0e", "ES": "#ffbb78",
    "PT": "#98df8a", "ROW": "#7f7f7f", "KZ": "#aec7e8", "KR": "#c5b0d5", "DE": "#c49c94",
    "JP": "#f7b6d2", "CA": "#dbdb8d",
}
"""Origins whose colour never changes, so figures of different scenarios compare at a glance."""


def plot_result(result: Result, folder: Path) -> list[Path]:
    """Write the standard figures of `result` as PNGs into `folder` and return their paths."""
    figures = [(name, draw(result)) for name, draw in _FIGURES]
    if result.ensemble is not None:
        figures.append(("main_series", _main_series(result)))
    return _save(figures, folder)


def plot_comparison(entries: Sequence[tuple[str, Bands]], folder: Path) -> list[Path]:
    """One PNG per main U.S. series with every result's median and p5-p95 band overlaid."""
    figures = []
    for series, name in COMPARED:
        figure, (ax,) = _figure()
        _overlay(ax, entries, series)
        n = ", ".join(label for label, _ in entries)
        figure.suptitle(f"{LABELS[series][0]}: {n}  (median and p5-p95)", fontsize=13)
        figures.append((name, figure))
    return _save(figures, folder)


def _save(figures: Sequence[tuple[str, Figure]], folder: Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, figure in figures:
        path = folder / f"{name}.png"
        figure.savefig(path, dpi=DPI)
        paths.append(path)
    return paths


# --- aggregation (plain numpy, tested on numbers) ---------------------------------------------

def us_deliveries_by_origin(run: RunRecord) -> np.ndarray:
    """Tonnes delivered to U.S. consumers per step by mine-origin country, [step, origin]."""
    us = [i for i, n in enumerate(run.nodes) if n.kind == "consumer" and n.country == "US"]
    return run.delivered_by_origin[:, us, :].sum(axis=1)


def mine_output_by_country(run: RunRecord) -> tuple[list[str], np.ndarray]:
    """Mine output per step summed by the mine's country: (countries, [step, country])."""
    countries = sorted({n.country for n in run.nodes if n.kind == "mine"})
    produced = run.arrays["produced_t"]
    columns = [produced[:, [i for i, n in enumerate(run.nodes)
                            if n.kind == "mine" and n.country == c]].sum(axis=1)
               for c in countries]
    return countries, np.stack(columns, axis=1) if columns else np.zeros((run.n_steps, 0))


def top_and_other(series: np.ndarray, labels: Sequence[str],
                  keep: int = MAX_AREAS) -> tuple[list[str], np.ndarray]:
    """Largest columns of [t, k] by total (all-zero ones dropped), the rest summed as "other"."""
    totals = series.sum(axis=0)
    order = [int(j) for j in np.argsort(-totals, kind="stable") if totals[j] > 0]
    if len(order) > keep:
        head, tail = order[: keep - 1], order[keep - 1:]
        other = series[:, tail].sum(axis=1, keepdims=True)
        return [labels[j] for j in head] + ["other"], np.hstack([series[:, head], other])
    return [labels[j] for j in order], series[:, order]


def days_of_cover(stock_t: np.ndarray, expected_use_t: np.ndarray, step_days: int) -> np.ndarray:
    """Stock over expected daily use, in days; NaN where no use is expected."""
    daily = expected_use_t / step_days
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(daily > 0, stock_t / np.where(daily > 0, daily, 1.0), np.nan)


# --- drawing helpers ---------------------------------------------------------------------------

def _figure(rows: int = 1) -> tuple[Figure, list[Axes]]:
    """A blank figure on an Agg canvas with `rows` axes sharing the date axis."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


def _dates(start: dt.date, days: np.ndarray) -> list[dt.datetime]:
    """Datetimes of day offsets from the scenario start."""
    origin = dt.datetime.combine(start, dt.time())
    return [origin + dt.timedelta(days=float(d)) for d in days]


def _title(figure: Figure, result: Result, what: str, how: str) -> None:
    """Figure title: scenario name, what is shown and how replications are summarised."""
    n, kept = result.replications, len(result.runs)
    reps = f"{how} of {n} replications" if n > 1 else "1 replication"
    if kept < n:
        reps = f"{how} of the first {kept} of {n} replications" if kept > 1 else \
            f"replication 0 of {n}"
    figure.suptitle(f"{result.name}: {what}  ({reps})", fontsize=13)


def _finish(ax: Axes, result: Result, ylabel: str, stacked: int = 0,
            legend: bool = True) -> None:
    """Date axis, grid, export-control spans, y from 0 with headroom, legend outside the data.

    The first `stacked` legend entries are reversed so they read in the order they are stacked.
    """
    run = result.runs[0]
    end = run.start + dt.timedelta(days=run.n_steps * run.step_days)
    _axes(ax, run.start, end, ylabel)
    _shade_controls(ax, result, end)
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles and legend:
        order = list(range(stacked))[::-1] + list(range(stacked, len(handles)))
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def _axes(ax: Axes, start: dt.date, end: dt.date, ylabel: str) -> None:
    """Date axis from `start` to `end`, y from 0 with headroom, readable ticks, a label."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import FuncFormatter

    locator = AutoDateLocator(minticks=5, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick_label))
    ax.set_xlim(dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()))
    top = ax.dataLim.y1 if np.isfinite(ax.dataLim.y1) and ax.dataLim.y1 > 0 else 1.0
    ax.set_ylim(0, top * 1.08)
    ax.set_ylabel(ylabel)


def _tick_label(value: float, _position: float) -> str:
    """Tick text with thousands separators for large values, short form for small ones."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _shade_controls(ax: Axes, result: Result, end: dt.date) -> None:
    """Shade the periods when export controls are in force, labelled once in the legend."""
    events = getattr(result.scenario, "events", ()) or ()
    label = "export control in force"
    for event in events:
        if getattr(event, "kind", None) != "export_control":
            continue
        until = event.until or end
        ax.axvspan(dt.datetime.combine(event.at, dt.time()), dt.datetime.combine(until, dt.time()),
                   color="#f4c7a1", alpha=0.35, lw=0, zorder=0, label=label)
        label = "_nolegend_"


def _band(ax: Axes, x: list[dt.datetime], samples: np.ndarray, label: str, color: str) -> None:
    """Median of [replication, t] as a line, with its p5-p95 band when there are several."""
    if samples.shape[0] > 1:
        low, mid, high = np.nanpercentile(samples, [5, 50, 95], axis=0)
        ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
    else:
        mid = samples[0]
    ax.plot(x, mid, color=color, lw=1.6, label=label)


def _note(ax: Axes, text: str) -> None:
    """A message in the middle of an axes that has nothing to show."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=12, color="#555555")
    ax.set_yticks([])


def _country_colors(result: Result) -> dict[str, str]:
    """A colour per origin country, China red and the U.S. blue in every figure and scenario."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    colors = dict(PINNED_COLORS)
    free = [c for c in (to_hex(x) for x in colormaps["tab20b"].colors)
            if c not in colors.values()]
    others = [c for c in sorted(result.runs[0].origins) if c not in colors]
    colors.update({c: free[i % len(free)] for i, c in enumerate(others)})
    return colors | {"other": OTHER_COLOR}


def _stacked(ax: Axes, result: Result, columns: np.ndarray, labels: Sequence[str]) -> int:
    """Stacked areas of the mean over replications of per-step tonnes [rep, step, k], in t/yr.

    Each bin's rate is drawn at its middle, and the first and last are held out to the edges
    of the run so the areas span the whole date axis. Returns the number of areas drawn.
    """
    run = result.runs[0]
    bins = steps_per_bin(run.step_days, run.record_days)
    rate = annual_rate(columns.mean(axis=0), run.step_days, bins)
    names, rate = top_and_other(rate, labels)
    if not names:
        _note(ax, "nothing to show: all zero")
        return 0
    days = bin_centres(run.n_steps, run.step_days, bins)
    days = np.concatenate([[0.0], days, [run.n_steps * run.step_days]])
    rate = np.vstack([rate[:1], rate, rate[-1:]])
    colors = _country_colors(result)
    ax.stackplot(_dates(run.start, days), rate.T, labels=names,
                 colors=[colors.get(n, OTHER_COLOR) for n in names], alpha=0.85, lw=0)
    return len(names)


# --- the figures -------------------------------------------------------------------------------

def _us_by_origin(result: Result) -> Figure:
    """U.S. consumption by the country where its tungsten was mined, stacked."""
    figure, (ax,) = _figure()
    stacked = 0
    columns = np.stack([us_deliveries_by_origin(r) for r in result.runs])
    if not any(n.kind == "consumer" and n.country == "US" for n in result.runs[0].nodes):
        _note(ax, "no U.S. consumers in this scenario")
    else:
        stacked = _stacked(ax, result, columns, result.runs[0].origins)
    _title(figure, result, "deliveries to U.S. consumers by mine origin", "mean")
    _finish(ax, result, "t W per year (monthly average)", stacked)
    return figure


def _mine_output(result: Result) -> Figure:
    """Mine output by country, stacked, with total available capacity for comparison."""
    figure, (ax,) = _figure()
    countries, _ = mine_output_by_country(result.runs[0])
    stacked = 0
    if not countries:
        _note(ax, "no mines in this scenario")
    else:
        columns = np.stack([mine_output_by_country(r)[1] for r in result.runs])
        stacked = _stacked(ax, result, columns, countries)
        run = result.runs[0]
        mines = [i for i, n in enumerate(run.nodes) if n.kind == "mine"]
        capacity = np.mean([r.arrays["capacity_tpa"][:, mines].sum(axis=1) for r in result.runs],
                           axis=0)
        ax.plot(_dates(run.start, run.days), capacity, color="black", lw=1.0, ls="--",
                label="available capacity\n(before utilization)")
    _title(figure, result, "mine output by country", "mean")
    _finish(ax, result, "t W per year (monthly average)", stacked)
    return figure


def _shortfall(result: Result) -> Figure:
    """Unmet demand of each consumer that was ever short: t/yr, and as a share of its demand."""
    run = result.runs[0]
    bins = steps_per_bin(run.step_days, run.record_days)
    short = np.stack([r.arrays["shortfall_t"] for r in result.runs])
    demand = np.stack([r.arrays["demand_t"] for r in result.runs])
    totals = short.sum(axis=(0, 1))
    chosen = [int(i) for i in np.argsort(-totals, kind="stable") if totals[i] > 1e-9]
    figure, axes = _figure(2 if chosen else 1)
    x = _dates(run.start, bin_centres(run.n_steps, run.step_days, bins))
    palette = _line_palette()
    for k, i in enumerate(chosen[:MAX_LINES]):
        rate = np.stack([annual_rate(s[:, i], run.step_days, bins) for s in short])
        wanted = np.stack([annual_rate(d[:, i], run.step_days, bins) for d in demand])
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(wanted > 0, 100.0 * rate / np.where(wanted > 0, wanted, 1.0), np.nan)
        _band(axes[0], x, rate, run.nodes[i].id, palette[k % len(palette)])
        _band(axes[1], x, share, run.nodes[i].id, palette[k % len(palette)])
    _title(figure, result, "shortfall by consumer", "median and p5-p95")
    if not chosen:
        _note(axes[0], "no consumer was ever short")
        _finish(axes[0], result, "t W per year (monthly average)")
        return figure
    if len(chosen) > MAX_LINES:
        hidden = len(chosen) - MAX_LINES
        _note_corner(axes[0], f"{hidden} smaller consumers with shortfall not shown")
    axes[0].set_title("unmet demand", fontsize=10)
    axes[1].set_title("unmet share of each consumer's demand", fontsize=10)
    _finish(axes[0], result, "t W per year (monthly average)")
    _finish(axes[1], result, "% of demand", legend=False)
    axes[1].set_ylim(0, 105)
    return figure


def _note_corner(ax: Axes, text: str) -> None:
    """A small remark in the top-left corner of an axes."""
    ax.text(0.01, 0.98, text, transform=ax.transAxes, ha="left", va="top", fontsize=9,
            color="#555555")


def _line_palette() -> list[str]:
    """Distinct colours for lines (tab10 as hex strings)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return [to_hex(c) for c in colormaps["tab10"].colors]


def _cover_groups(run: RunRecord) -> list[tuple[str, list[int]]]:
    """Cover lines: each consumer if few, else U.S. ones alone and the others by country."""
    consumers = [i for i, n in enumerate(run.nodes) if n.kind == "consumer"]
    if len(consumers) <= MAX_LINES:
        return [(run.nodes[i].id, [i]) for i in consumers]
    us = [(run.nodes[i].id, [i]) for i in consumers if run.nodes[i].country == "US"]
    others = sorted({run.nodes[i].country for i in consumers} - {"US"})
    groups = [(f"{c} (all consumers)", [i for i in consumers if run.nodes[i].country == c])
              for c in others]
    return (us + groups)[:MAX_LINES]


def _cover(result: Result) -> Figure:
    """Consumers' stocks as days of expected use, and processors' stocks in tonnes."""
    run = result.runs[0]
    processors = [i for i, n in enumerate(run.nodes) if n.kind == "processor"]
    figure, axes = _figure(2 if processors else 1)
    x = _dates(run.start, run.days)
    palette = _line_palette()
    groups = _cover_groups(run)
    for k, (label, idx) in enumerate(groups):
        cover = np.stack([days_of_cover(r.arrays["stock_t"][:, idx].sum(axis=1),
                                        r.arrays["expected_use_t"][:, idx].sum(axis=1),
                                        r.step_days) for r in result.runs])
        _band(axes[0], x, cover, label, palette[k % len(palette)])
    if not groups:
        _note(axes[0], "no consumers in this scenario")
    axes[0].set_title("consumer stocks as days of cover (stock / expected daily use)", fontsize=10)
    _finish(axes[0], result, "days of cover")
    if processors:
        for k, i in enumerate(processors[:MAX_LINES]):
            stock = np.stack([r.arrays["stock_t"][:, i] for r in result.runs])
            _band(axes[1], x, stock, run.nodes[i].id, palette[(k + len(groups)) % len(palette)])
        axes[1].set_title("processor stocks (input and output, end of step)", fontsize=10)
        _finish(axes[1], result, "t W")
    _title(figure, result, "stocks", "median and p5-p95")
    return figure


def _stockpile(result: Result) -> Figure:
    """Stockpile levels and what they released, as an annual rate."""
    run = result.runs[0]
    piles = [i for i, n in enumerate(run.nodes) if n.kind == "stockpile"]
    figure, axes = _figure(2 if piles else 1)
    _title(figure, result, "stockpiles", "median and p5-p95")
    if not piles:
        _note(axes[0], "no stockpiles in this scenario")
        _finish(axes[0], result, "t W")
        return figure
    palette = _line_palette()
    bins = steps_per_bin(run.step_days, run.record_days)
    x_bins = _dates(run.start, bin_centres(run.n_steps, run.step_days, bins))
    for k, i in enumerate(piles[:MAX_LINES]):
        color = palette[k % len(palette)]
        stock = np.stack([r.arrays["stock_t"][:, i] for r in result.runs])
        _band(axes[0], _dates(run.start, run.days), stock, run.nodes[i].id, color)
        released = np.stack([annual_rate(r.arrays["released_t"][:, i], r.step_days, bins)
                             for r in result.runs])
        _band(axes[1], x_bins, released, run.nodes[i].id, color)
    axes[0].set_title("stock at end of step", fontsize=10)
    axes[1].set_title("released to consumers", fontsize=10)
    _finish(axes[0], result, "t W")
    _finish(axes[1], result, "t W per year (monthly average)", legend=False)
    return figure


_FIGURES: tuple[tuple[str, Callable[[Result], Figure]], ...] = (
    ("us_deliveries_by_origin", _us_by_origin),
    ("shortfall_by_consumer", _shortfall),
    ("stocks_days_of_cover", _cover),
    ("stockpile_level", _stockpile),
    ("mine_output_by_country", _mine_output),
)


# --- main series over all replications (bands) -------------------------------------------------

COMPARED = (("us_delivered_tpa", "us_deliveries"), ("us_shortfall_tpa", "us_shortfall"),
            ("us_cover_days", "us_days_of_cover"), ("us_cn_origin_share", "us_cn_origin_share"),
            ("us_stockpile_t", "us_stockpile_level"))
"""Main series drawn in comparisons and in `main_series.png`, with their file names."""


def _overlay(ax: Axes, entries: Sequence[tuple[str, Bands]], series: str,
             legend: bool = True) -> None:
    """Each entry's median of `series` as a line with its p5-p95 band; shares as percent."""
    palette = _line_palette()
    scale = 100.0 if series.endswith("share") else 1.0
    starts, ends = [], []
    for k, (label, bands) in enumerate(entries):
        s, color = bands.row(series), palette[k % len(palette)]
        x = _dates(bands.start, bands.day + bands.days / 2)
        ax.fill_between(x, bands.p5[s] * scale, bands.p95[s] * scale, color=color, alpha=0.2,
                        lw=0)
        ax.plot(x, bands.p50[s] * scale, color=color, lw=1.6, label=label)
        starts.append(bands.start)
        ends.append(bands.start + dt.timedelta(days=float(bands.day[-1] + bands.days[-1])))
    unit = "% (monthly)" if scale == 100.0 else LABELS[series][1]
    _axes(ax, min(starts), max(ends), unit)
    if series.endswith("share"):
        ax.set_ylim(0, 105)
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def _main_series(result: Result) -> Figure:
    """The main U.S. series of one result, over all its replications, one panel each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(FIGSIZE[0], 13.0), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(COMPARED), 1, sharex=True, squeeze=False)[:, 0]
    entries = [(result.name, result.ensemble.bands())]
    end = result.scenario.start + dt.timedelta(days=float(entries[0][1].day[-1]
                                                         + entries[0][1].days[-1]))
    for ax, (series, _) in zip(axes, COMPARED, strict=True):
        _overlay(ax, entries, series, legend=False)
        _shade_controls(ax, result, end)
        ax.set_title(LABELS[series][0], fontsize=10)
    n = result.replications
    how = f"median and p5-p95 of {n} replications" if n > 1 else "1 replication"
    figure.suptitle(f"{result.name}: main U.S. series  ({how})", fontsize=13)
    return figure
