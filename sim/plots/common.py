"""What every figure shares: size, colours, the Agg canvas, date axes, bands and notes.

Figures are `matplotlib.figure.Figure` objects on an Agg canvas, never pyplot, so plotting
changes no global state and needs no display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.events import event_spans, shade_events
from sim.results.files import replacing

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.results.result import Result

FIGSIZE = (11.0, 6.0)
DPI = 120
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


def save_figures(figures: Sequence[tuple[str, Figure]], folder: Path) -> list[Path]:
    """Write each (name, figure) as `folder/name.png`, each file atomically; their paths.

    PNGs are compressed at zlib level 1: files about 15% larger, written about 30% faster
    (encoding was a quarter of the plot time).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, figure in figures:
        path = folder / f"{name}.png"
        _lay_out_once(figure)
        with replacing(path) as tmp:
            figure.savefig(tmp, dpi=DPI, format="png", pil_kwargs={"compress_level": 1})
        paths.append(path)
    return paths


def _lay_out_once(figure: Figure) -> None:
    """Run the figure's constrained layout now, at the saving resolution, and keep it.

    With a layout engine set, `savefig` draws the figure twice (once only to lay it out);
    laying it out here and then fixing the positions makes it draw once (plot_result of a
    20-year run: 1.67 -> 1.49 s, the same pixels).
    """
    engine = figure.get_layout_engine()
    if engine is None:
        return
    figure.set_dpi(DPI)
    engine.execute(figure)
    figure.set_layout_engine(None)  # no engine (with default rcParams): positions stay


# --- figures ------------------------------------------------------------------------------------

MARGINS_IN = {"left": 0.95, "right": 2.75, "top": 0.7, "bottom": 0.4, "gap": 0.5}
"""Margins of a dated figure in inches: tick labels and axis label on the left, the legend
column on the right, the title on top, each panel's title in the gap above it. Fixed
margins instead of a layout engine: laying out measures every tick label, which took as
long as drawing the figure."""


def new_figure(rows: int = 1) -> tuple[Figure, list[Axes]]:
    """A blank figure on an Agg canvas with `rows` axes sharing the date axis, laid out by
    matplotlib's constrained layout (for figures whose labels vary in size)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


def dated_figure(rows: int = 1, height: float = FIGSIZE[1], columns: int = 1,
                 legend_column: bool = True) -> tuple[Figure, list[Axes]]:
    """A figure of `rows` x `columns` date axes sharing x, with fixed margins (MARGINS_IN)
    and, if `legend_column`, room for the legends on the right; axes in reading order."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(FIGSIZE[0] + 3.0 * (columns - 1), height))
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, sharex=True, squeeze=False,
                           gridspec_kw=margins(figure, rows, columns, legend_column))
    return figure, list(axes.ravel())


def margins(figure: Figure, rows: int, columns: int = 1, legend_column: bool = True,
            bottom_in: float | None = None, gap_in: float | None = None) -> dict[str, float]:
    """Subplot parameters (fractions of the figure) that give the margins of MARGINS_IN
    (`bottom_in`, `gap_in`: other bottom margin and gap between rows)."""
    width, height = figure.get_size_inches()
    m = dict(MARGINS_IN) | ({} if gap_in is None else {"gap": gap_in})
    bottom = m["bottom"] if bottom_in is None else bottom_in
    panel_h = (height - m["top"] - bottom - m["gap"] * (rows - 1)) / rows
    right = m["right"] if legend_column else 0.3
    panel_w = (width - m["left"] - right - m["left"] * (columns - 1)) / columns
    return {"left": m["left"] / width, "right": 1 - right / width,
            "top": 1 - m["top"] / height, "bottom": bottom / height,
            "hspace": m["gap"] / panel_h, "wspace": m["left"] / panel_w}


def datetimes(start: dt.date, days: np.ndarray) -> list[dt.datetime]:
    """Datetimes of day offsets from the scenario start."""
    origin = dt.datetime.combine(start, dt.time())
    return [origin + dt.timedelta(days=float(d)) for d in days]


def run_title(figure: Figure, result: Result, what: str, how: str) -> None:
    """Figure title: scenario name, what is shown and how replications are summarised."""
    n, kept = result.replications, len(result.runs)
    reps = f"{how} of {n} replications" if n > 1 else "1 replication"
    if kept < n:
        reps = f"{how} of the first {kept} of {n} replications" if kept > 1 else \
            f"replication 0 of {n}"
    figure.suptitle(f"{result.name}: {what}  ({reps})", fontsize=13)


def finish_axes(ax: Axes, result: Result, ylabel: str, stacked: int = 0,
                legend: bool = True) -> None:
    """Date axis, grid, the scenario's events, y from 0 with headroom, legend outside the data.

    Events are named in the legend of the figure's first axes only. The first `stacked`
    legend entries are reversed so they read in the order they are stacked.
    """
    run = result.runs[0]
    end = run.start + dt.timedelta(days=run.n_steps * run.step_days)
    date_axes(ax, run.start, end, ylabel)
    events = getattr(result.scenario, "events", ()) or ()
    shade_events(ax, event_spans(events, run.start, end), legend=ax is ax.figure.axes[0])
    ax.grid(True, alpha=0.3)
    if legend:
        outside_legend(ax, stacked)


def outside_legend(ax: Axes, stacked: int = 0) -> None:
    """The axes' legend in the column right of it (nothing if it has no labelled artist)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        order = list(range(stacked))[::-1] + list(range(stacked, len(handles)))
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False, handlelength=1.6)


def date_axes(ax: Axes, start: dt.date, end: dt.date, ylabel: str) -> None:
    """Date axis from `start` to `end`, y from 0 with headroom, readable ticks, a label."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, date2num
    from matplotlib.ticker import FixedLocator, FuncFormatter

    years = (end - start).days / 365  # model years (horizon_years x 365 days)
    if years >= 4:  # every 1, 2, 5... years on 1 January: a fixed list draws far faster
        step = next(n for n in (1, 2, 5, 10, 20, 50, 100) if years / n <= 12)
        first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
        first = -(-first // step) * step  # the first multiple of `step` from there
        ticks = [dt.datetime(year, 1, 1) for year in range(first, end.year + 1, step)]
        ax.xaxis.set_major_locator(FixedLocator(date2num(ticks)))
        ax.xaxis.set_major_formatter(DateFormatter("%Y"))
    else:
        locator = AutoDateLocator(minticks=5, maxticks=12)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(FuncFormatter(tick_label))
    ax.set_xlim(dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()))
    top = ax.dataLim.y1 if np.isfinite(ax.dataLim.y1) and ax.dataLim.y1 > 0 else 1.0
    ax.set_ylim(0, top * 1.08)
    ax.set_ylabel(ylabel)


def tick_label(value: float, _position: float) -> str:
    """Tick text with thousands separators for large values, short form for small ones."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def percent_axis(ax: Axes, axis: str = "y", fractions: bool = True) -> None:
    """Tick labels in percent: of fractions (0.25 -> 25%) or of values already in percent."""
    from matplotlib.ticker import PercentFormatter

    getattr(ax, f"{axis}axis").set_major_formatter(PercentFormatter(1.0 if fractions else 100.0))


def percentiles(samples: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Percentiles `q` over axis 0, ignoring NaN; numpy's nan-version only where NaN occurs
    (it works one column at a time, 30 times slower)."""
    if np.isnan(samples).any():
        return np.nanpercentile(samples, q, axis=0)
    return np.percentile(samples, q, axis=0)


def draw_band(ax: Axes, x: list[dt.datetime], samples: np.ndarray, label: str, color: str) -> None:
    """Median of [replication, t] as a line, with its p5-p95 band when there are several."""
    if samples.shape[0] > 1:
        low, mid, high = percentiles(samples, [5, 50, 95])
        ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
    else:
        mid = samples[0]
    ax.plot(x, mid, color=color, lw=1.6, label=label)


def note(ax: Axes, text: str) -> None:
    """A message in the middle of an axes that has nothing to show."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color="#555555", wrap=True)
    ax.set_yticks([])


def country_colors(result: Result) -> dict[str, str]:
    """A colour per origin country, China red and the U.S. blue in every figure and scenario."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    colors = dict(PINNED_COLORS)
    free = [c for c in (to_hex(x) for x in colormaps["tab20b"].colors)
            if c not in colors.values()]
    others = [c for c in sorted(result.runs[0].origins) if c not in colors]
    colors.update({c: free[i % len(free)] for i, c in enumerate(others)})
    return colors | {"other": OTHER_COLOR}


def note_corner(ax: Axes, text: str) -> None:
    """A small remark in the top-left corner of an axes."""
    ax.text(0.01, 0.98, text, transform=ax.transAxes, ha="left", va="top", fontsize=9,
            color="#555555")


def line_palette() -> list[str]:
    """Distinct colours for lines (tab10 as hex strings)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return [to_hex(c) for c in colormaps["tab10"].colors]
