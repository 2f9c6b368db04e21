"""Figures of a sweep: KPIs against parameters, a heatmap, a tornado, Sobol/Morris bars.

- `kpi-<n>-<kpi>.png`, one per KPI, one panel per parameter: on a grid, the mean over
  replications as a line with its p5-p95 band, one line per combination of the other
  parameters (up to six; beyond, every point as a dot with its p5-p95 whisker); on sampled
  designs every point as a dot with its whisker. Dates are on a date axis.
- `heatmap.png` (grids of two parameters): the mean of each KPI over the two parameters.
- `tornado.png`, `sobol.png` / `morris.png`: `sim.plots.sweep_effects`.

KPIs and parameters are named in words (`kpi_label` of the catalogue, `param_label`), shares
and fill rates in percent. Every figure is drawn on an Agg canvas (no pyplot) and its title
says how many points and replications it summarises.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.common import line_palette, percent_axis, save_figures
from sim.plots.sweep_common import (
    grid_figure,
    is_fraction,
    kpi_axis,
    kpi_keys,
    param_label,
    sweep_title,
)
from sim.plots.sweep_effects import indices, tornado
from sim.results.catalogue import KpiKey, kind, kpi_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.design import Param
    from sim.experiments.sweep import Plan
    from sim.experiments.sweep_points import PointStats

MAX_GROUPS = 6


def plot_sweep(plan: Plan, stats: PointStats, rows: Sequence[tuple], folder: Path) -> list[Path]:
    """Write every sweep figure into `folder`, each file atomically; return their paths."""
    return save_figures(sweep_figures(plan, stats, rows), folder)


def sweep_figures(plan: Plan, stats: PointStats,
                  rows: Sequence[tuple]) -> list[tuple[str, Figure]]:
    """Every figure of a sweep as (file stem, figure)."""
    figures: list[tuple[str, Figure]] = []
    for k, label in enumerate(plan.kpi_labels):
        figures.append((f"kpi-{k + 1}-{_slug(label)}", _kpi_vs_params(plan, stats, k)))
    params = plan.design.params
    if plan.design.method == "grid" and len(params) == 2:
        figures.append(("heatmap", _heatmap(plan, stats)))
    if any(r[2] == "low_mean" for r in rows):
        figures.append(("tornado", tornado(plan, stats, rows)))
    if plan.design.method in ("sobol", "morris"):
        figures.append((plan.design.method, indices(plan, rows)))
    return figures


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")


def _x(param: Param, values: Sequence) -> list:
    """Plot positions: numbers, datetimes for dates, category indices for words."""
    if param.is_date:
        return [dt.datetime.combine(v, dt.time()) for v in values]
    if param.numeric:
        return [float(v) for v in values]
    order = list(param.values)
    return [order.index(v) for v in values]


def _axis(ax: Axes, param: Param, key: tuple[str, str]) -> None:
    """x: the parameter in words (percent for fractions, dates, categories); y: the KPI."""
    ax.set_xlabel(param_label(param), fontsize=9)
    ax.set_ylabel(kpi_label(key, figure=True), fontsize=9)
    ax.grid(alpha=0.3)
    kpi_axis(ax, key)
    if param.is_date:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    elif not param.numeric:
        ax.set_xticks(range(len(param.values)), [str(v) for v in param.values])
    elif is_fraction(param):
        percent_axis(ax, "x")


def _kpi_vs_params(plan: Plan, stats: PointStats, k: int) -> Figure:
    params = plan.design.params
    key = kpi_keys(plan)[k]
    figure, axes = grid_figure(len(params))
    mean, p5, p95 = (stats.stat(s)[:, k] for s in ("mean", "p5", "p95"))
    points = plan.design.points
    colors = line_palette()
    for i, (ax, param) in enumerate(zip(axes, params, strict=True)):
        groups = _groups(points, i) if plan.design.method == "grid" else None
        if groups is not None and len(groups) <= MAX_GROUPS:
            for g, (others, members) in enumerate(sorted(groups.items(),
                                                         key=lambda x: str(x[0]))):
                members.sort(key=lambda p: _sort_key(points[p][i]))
                x = _x(param, [points[p][i] for p in members])
                name = _group_label(params, i, others)
                ax.fill_between(x, p5[members], p95[members], color=colors[g % 10], alpha=0.12,
                                lw=0)
                ax.plot(x, mean[members], color=colors[g % 10], marker="o", ms=3, lw=1.6,
                        label=name or "mean")
            ax.plot([], [], color="#999999", alpha=0.4, lw=6, label="p5–p95 of replications")
            ax.legend(fontsize=7, loc="best")
        else:
            x = _x(param, [p[i] for p in points])
            ax.vlines(x, p5, p95, color=colors[0], alpha=0.45, lw=1.2,
                      label="p5–p95 of replications")
            ax.plot(x, mean, "o", color=colors[0], ms=3, label="mean of a point")
            ax.legend(fontsize=7, loc="best")
        _axis(ax, param, key)
    sweep_title(figure, plan, kpi_label(key, figure=True))
    return figure


def _sort_key(value) -> tuple:
    return (0, value) if not isinstance(value, str) else (1, value)


def _groups(points: list[tuple], i: int) -> dict[tuple, list[int]]:
    """Points by the values of every parameter but the i-th."""
    out: dict[tuple, list[int]] = {}
    for p, values in enumerate(points):
        out.setdefault(values[:i] + values[i + 1:], []).append(p)
    return out


def _group_label(params: Sequence[Param], i: int, key: tuple) -> str:
    others = [p for j, p in enumerate(params) if j != i]
    return ", ".join(f"{param_label(p)} = {_short(v, p)}"
                     for p, v in zip(others, key, strict=True))


def _short(value, param: Param | None = None) -> str:
    """A parameter value or KPI mean, short: percent for fractions."""
    if param is not None and is_fraction(param):
        return f"{float(value):.0%}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    return str(value)


def _in_range(grid: np.ndarray, key: KpiKey) -> tuple[float, float]:
    """Colour limits: the grid's least and greatest value, widened a little when they are
    equal, never beyond what the KPI can take (a fill rate above 100%)."""
    finite = grid[np.isfinite(grid)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high > low:
        return low, high
    bounds = kind(key[1])
    pad = 0.01 if bounds.style in ("percent", "probability") else max(abs(low) * 0.01, 1.0)
    return max(bounds.low, low - pad), min(bounds.high, high + pad) if high < bounds.high \
        else high


def _heatmap(plan: Plan, stats: PointStats) -> Figure:
    """The mean of each KPI over a two-parameter grid, values written in the cells."""
    a, b = plan.design.params
    keys = kpi_keys(plan)
    figure, axes = grid_figure(len(keys), width=4.6, height=3.8)
    index = {values: p for p, values in enumerate(plan.design.points)}
    for k, (ax, key) in enumerate(zip(axes, keys, strict=True)):
        grid = np.array([[stats.mean[index[(u, v)], k] for u in a.values] for v in b.values])
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        image.set_clim(*_in_range(grid, key))
        ax.set_xticks(range(len(a.values)), [_short(v, a) for v in a.values], fontsize=7,
                      rotation=45 if len(a.values) > 6 else 0)
        ax.set_yticks(range(len(b.values)), [_short(v, b) for v in b.values], fontsize=7)
        ax.set_xlabel(param_label(a), fontsize=8)
        ax.set_ylabel(param_label(b), fontsize=8)
        ax.set_title(kpi_label(key, figure=True), fontsize=9)
        bar = figure.colorbar(image, ax=ax, shrink=0.9)
        kpi_axis(bar.ax, key)
        percent = kind(key[1]).style in ("percent", "probability")
        if grid.size <= 80:
            for (r, c), value in np.ndenumerate(grid):
                if np.isfinite(value):
                    ax.text(c, r, f"{value:.1%}" if percent else _short(float(value)),
                            ha="center", va="center", fontsize=6,
                            color="white" if value < np.nanmean(grid) else "black")
    sweep_title(figure, plan, "mean of each KPI")
    return figure
