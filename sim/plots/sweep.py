"""Figures of a sweep: KPIs against parameters, a heatmap, a tornado, Sobol/Morris bars.

- `kpi-<n>-<kpi>.png`, one per KPI, one panel per parameter: on a grid, the mean over
  replications as a line with its p5-p95 band, one line per combination of the other
  parameters (up to six; beyond, every point as a dot with its p5-p95 whisker); on sampled
  designs every point as a dot with its whisker. Dates are on a date axis.
- `heatmap.png` (grids of two parameters): the mean of each KPI over the two parameters.
- `tornado.png`: the linear effect of each parameter from its lowest to its highest value
  (`sensitivity.csv` index `effect`), bars sorted by size, around the mean over all points.
- `sobol.png` / `morris.png`: S1 and ST (95% CI whiskers), or mu* (CI) and sigma.

Every figure is drawn on an Agg canvas (no pyplot) and its title says how many points and
replications it summarises.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.common import line_palette, note, save_figures, tick_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.design import Param
    from sim.experiments.sweep import Plan
    from sim.experiments.sweep_points import PointStats

MAX_GROUPS = 6


def plot_sweep(plan: Plan, stats: PointStats, rows: Sequence[tuple], folder: Path) -> list[Path]:
    """Write every sweep figure into `folder`, each file atomically; return their paths."""
    labels = plan.kpi_labels
    figures: list[tuple[str, Figure]] = []
    for k, label in enumerate(labels):
        figures.append((f"kpi-{k + 1}-{_slug(label)}", _kpi_vs_params(plan, stats, k)))
    params = plan.design.params
    if plan.design.method == "grid" and len(params) == 2:
        figures.append(("heatmap", _heatmap(plan, stats)))
    if any(r[2] == "effect" for r in rows):
        figures.append(("tornado", _tornado(plan, stats, rows)))
    if plan.design.method in ("sobol", "morris"):
        figures.append((plan.design.method, _indices(plan, rows)))
    return save_figures(figures, folder)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")


def _figure(n: int, width: float = 5.0, height: float = 4.0,
            columns: int | None = None) -> tuple[Figure, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = columns or min(n, 3)
    rows = math.ceil(n / columns)
    figure = Figure(figsize=(max(7.0, width * columns), height * rows + 0.8),
                    layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return figure, list(axes[:n])


def _title(figure: Figure, plan: Plan, what: str) -> None:
    d = plan.definition
    reps = f"{d.replications} replication" + ("s" if d.replications > 1 else "")
    text = (f"{plan.name} sweep: {what}  ({len(plan.design.points)} points ({d.method}), "
            f"{reps} each)")
    width = int(figure.get_figwidth() * 11)  # characters of 12-point text that fit
    figure.suptitle(textwrap.fill(text, width) if len(text) > width else text, fontsize=12)


def _x(param: Param, values: Sequence) -> list:
    """Plot positions: numbers, datetimes for dates, category indices for words."""
    if param.is_date:
        return [dt.datetime.combine(v, dt.time()) for v in values]
    if param.numeric:
        return [float(v) for v in values]
    order = list(param.values)
    return [order.index(v) for v in values]


def _axis(ax: Axes, param: Param, ylabel: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_xlabel(param.path, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.grid(alpha=0.3)
    ax.yaxis.set_major_formatter(FuncFormatter(tick_label))
    if param.is_date:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    elif not param.numeric:
        ax.set_xticks(range(len(param.values)), [str(v) for v in param.values])


def _kpi_vs_params(plan: Plan, stats: PointStats, k: int) -> Figure:
    params = plan.design.params
    label = plan.kpi_labels[k]
    figure, axes = _figure(len(params))
    mean, p5, p95 = (stats.stat(s)[:, k] for s in ("mean", "p5", "p95"))
    points = plan.design.points
    colors = line_palette()
    for i, (ax, param) in enumerate(zip(axes, params, strict=True)):
        groups = _groups(points, i) if plan.design.method == "grid" else None
        if groups is not None and len(groups) <= MAX_GROUPS:
            for g, (key, members) in enumerate(sorted(groups.items(), key=lambda x: str(x[0]))):
                members.sort(key=lambda p: _sort_key(points[p][i]))
                x = _x(param, [points[p][i] for p in members])
                name = _group_label(params, i, key)
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
        _axis(ax, param, label)
    _title(figure, plan, label)
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
    return ", ".join(f"{p.path.rsplit('.', 1)[-1]}={_short(v)}"
                     for p, v in zip(others, key, strict=True))


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _heatmap(plan: Plan, stats: PointStats) -> Figure:
    a, b = plan.design.params
    labels = plan.kpi_labels
    figure, axes = _figure(len(labels), width=4.6, height=3.8)
    index = {values: p for p, values in enumerate(plan.design.points)}
    for k, (ax, label) in enumerate(zip(axes, labels, strict=True)):
        grid = np.array([[stats.mean[index[(u, v)], k] for u in a.values] for v in b.values])
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(a.values)), [_short(v) for v in a.values], fontsize=7,
                      rotation=45 if len(a.values) > 6 else 0)
        ax.set_yticks(range(len(b.values)), [_short(v) for v in b.values], fontsize=7)
        ax.set_xlabel(a.path, fontsize=8)
        ax.set_ylabel(b.path, fontsize=8)
        ax.set_title(label, fontsize=9)
        figure.colorbar(image, ax=ax, shrink=0.9)
        if grid.size <= 80:
            for (r, c), value in np.ndenumerate(grid):
                if np.isfinite(value):
                    ax.text(c, r, _short(float(value)), ha="center", va="center", fontsize=6,
                            color="white" if value < np.nanmean(grid) else "black")
    _title(figure, plan, "mean of each KPI")
    return figure


def _tornado(plan: Plan, stats: PointStats, rows: Sequence[tuple]) -> Figure:
    """Each KPI's change from each parameter's lowest to highest value (linear fit)."""
    from matplotlib.ticker import MaxNLocator

    labels = plan.kpi_labels
    figure, axes = _figure(len(labels), width=5.2, height=0.5 * len(plan.design.params) + 2)
    colors = line_palette()
    r2 = {r[0]: r[3] for r in rows if r[2] == "r2"}
    for k, (ax, label) in enumerate(zip(axes, labels, strict=True)):
        effects = [(r[1], r[3]) for r in rows if r[0] == label and r[2] == "effect"
                   and np.isfinite(r[3])]
        centre = float(np.nanmean(stats.mean[:, k])) if np.isfinite(stats.mean[:, k]).any() \
            else math.nan
        fit = r2.get(label, math.nan)
        ax.set_title(f"{label} (linear fit R² {fit:.2f})" if np.isfinite(fit) else label,
                     fontsize=9)
        if not effects or not np.isfinite(centre) or not any(e for _, e in effects):
            ax.set_xticks([])
            ax.set_yticks([])
            note(ax, "same value at every point:\nno parameter moves it")
            continue
        effects.sort(key=lambda e: abs(e[1]))
        for y, (_, effect) in enumerate(effects):
            low, high = centre - effect / 2, centre + effect / 2
            ax.barh(y, high - centre, left=centre, color=colors[3], alpha=0.8,
                    label="highest value" if y == 0 else "_nolegend_")
            ax.barh(y, low - centre, left=centre, color=colors[0], alpha=0.8,
                    label="lowest value" if y == 0 else "_nolegend_")
        ax.axvline(centre, color="black", lw=0.8)
        ax.set_yticks(range(len(effects)), [p for p, _ in effects], fontsize=8)
        ax.set_xlabel(f"{label} (line: mean over points)", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.ticklabel_format(axis="x", useOffset=False)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    _title(figure, plan, "parameter effects, lowest to highest value (linear fit)")
    return figure


def _indices(plan: Plan, rows: Sequence[tuple]) -> Figure:
    labels = plan.kpi_labels
    sobol = plan.design.method == "sobol"
    names = ("S1", "ST") if sobol else ("mu_star", "sigma")
    params = [p.path for p in plan.design.params]
    figure, axes = _figure(len(labels), width=5.2, height=0.5 * len(params) + 2)
    colors = line_palette()
    table = {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}
    y = np.arange(len(params))
    for ax, label in zip(axes, labels, strict=True):
        ax.set_title(label, fontsize=9)
        for n, name in enumerate(names):
            values = np.array([table.get((label, p, name), (math.nan, math.nan))[0]
                               for p in params])
            conf = np.array([table.get((label, p, name), (math.nan, math.nan))[1]
                             for p in params])
            ax.barh(y + (n - 0.5) * 0.38, np.nan_to_num(values), height=0.38, color=colors[n],
                    xerr=np.where(np.isfinite(conf), conf, 0), capsize=2,
                    label={"S1": "S1 (first order)", "ST": "ST (total)",
                           "mu_star": "mu* (mean |effect|)", "sigma": "sigma"}[name])
        ax.set_yticks(y, params, fontsize=8)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        if sobol:
            ax.set_xlim(min(0, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
        else:
            ax.set_xlabel(f"{label} per unit of the parameter's range", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    what = "Sobol indices (95% CI)" if sobol else "Morris elementary effects (95% CI on mu*)"
    _title(figure, plan, what)
    return figure
