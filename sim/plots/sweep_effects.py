"""Sweep figures of how much each parameter moves each KPI: the tornado chart and the
Sobol or Morris bars, with a warning in the figure when the method had too few samples.

- `tornado.png`: for each KPI, one bar per parameter from the KPI's mean at the parameter's
  lowest level to its mean at the highest (`sensitivity.csv` `low_mean`, `high_mean`: means
  of the point means, so always values the KPI can take), around the mean over all points;
  a thin line spans the least to the greatest mean over its levels where that reaches
  further. Parameters sorted by that span.
- `sobol.png` / `morris.png`: S1 and ST (95% CI whiskers), or mu* (CI) and sigma.

Example::

    figure = tornado(plan, stats, rows)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.experiments.sensitivity import WARNING
from sim.plots.common import line_palette, note
from sim.plots.sweep_common import grid_figure, kpi_axis, kpi_keys, param_label, sweep_title
from sim.results.catalogue import kpi_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.sweep import Plan
    from sim.experiments.sweep_points import PointStats

LOW_COLOR, HIGH_COLOR = "#1f77b4", "#d62728"


def tornado(plan: Plan, stats: PointStats, rows: Sequence[tuple]) -> Figure:
    """Each KPI's mean at each parameter's lowest and highest level (module docstring)."""
    from matplotlib.ticker import MaxNLocator

    keys = kpi_keys(plan)
    figure, axes = grid_figure(len(keys), width=5.4, height=0.55 * len(plan.design.params) + 2)
    table = {(r[0], r[1], r[2]): r[3] for r in rows}
    paths = {p.path: p for p in plan.design.params}
    for k, (ax, key, text) in enumerate(zip(axes, keys, plan.kpi_labels, strict=True)):
        ax.set_title(kpi_label(key, figure=True), fontsize=9)
        finite = stats.mean[:, k][np.isfinite(stats.mean[:, k])]
        bars = [(path, *(table.get((text, path, i), math.nan)
                         for i in ("low_mean", "high_mean", "min_mean", "max_mean")))
                for path in paths if (text, path, "low_mean") in table]
        bars = [b for b in bars if all(np.isfinite(b[1:]))]
        if not finite.size or not bars or not any(b[4] > b[3] for b in bars):
            ax.set_xticks([])
            ax.set_yticks([])
            note(ax, "same value at every point:\nno parameter moves it")
            continue
        _bars(ax, sorted(bars, key=lambda b: b[4] - b[3]), float(finite.mean()), paths)
        kpi_axis(ax, key, "x")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    sweep_title(figure, plan, "KPI at each parameter's lowest and highest value "
                "(means over points)")
    return figure


def _bars(ax: Axes, bars: list[tuple], centre: float, paths: dict) -> None:
    """Horizontal bars from `centre` to the low and high level means, a line over the
    level means' range, the centre marked."""
    for y, (_, low, high, least, most) in enumerate(bars):
        ax.barh(y, low - centre, left=centre, height=0.6, color=LOW_COLOR, alpha=0.85,
                label="at its lowest value" if y == 0 else "_nolegend_")
        ax.barh(y, high - centre, left=centre, height=0.6, color=HIGH_COLOR, alpha=0.85,
                label="at its highest value" if y == 0 else "_nolegend_")
        if least < min(low, high, centre) or most > max(low, high, centre):
            ax.plot([least, most], [y, y], color="black", lw=1,
                    label="range over its values" if y == 0 else "_nolegend_")
    ax.axvline(centre, color="black", lw=0.8, label="mean over all points")
    ax.set_yticks(range(len(bars)), [param_label(paths[b[0]]) for b in bars], fontsize=8)
    values = [centre, *(v for b in bars for v in b[1:])]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or abs(centre) * 0.01 or 1.0
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.6, len(bars) - 0.4 + 0.6)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper right", ncol=2, framealpha=0.9)


def sample_warning(rows: Sequence[tuple]) -> str | None:
    """The text of the sample-size warning among sensitivity rows, if there is one."""
    return next((r[2][len(WARNING):] for r in rows if str(r[2]).startswith(WARNING)), None)


def indices(plan: Plan, rows: Sequence[tuple]) -> Figure:
    """Sobol S1/ST or Morris mu*/sigma of each parameter for each KPI, whiskers 95% CI; the
    sample-size warning, if any, written across each panel."""
    sobol = plan.design.method == "sobol"
    names = ("S1", "ST") if sobol else ("mu_star", "sigma")
    params = [p.path for p in plan.design.params]
    figure, axes = grid_figure(len(plan.kpi_labels), width=5.2, height=0.5 * len(params) + 2)
    colors = line_palette()
    table = {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}
    y = np.arange(len(params))
    warning = sample_warning(rows)
    for ax, key, text in zip(axes, kpi_keys(plan), plan.kpi_labels, strict=True):
        ax.set_title(kpi_label(key, figure=True), fontsize=9)
        got = {name: [table.get((text, p, name), (math.nan, math.nan)) for p in params]
               for name in names}
        if all(not v for pairs in got.values() for v, _ in pairs):
            ax.set_xticks([])
            ax.set_yticks([])
            note(ax, "same value at every point:\nno parameter moves it")
            continue
        for n, name in enumerate(names):
            values = np.array([v for v, _ in got[name]])
            conf = np.array([c for _, c in got[name]])
            ax.barh(y + (n - 0.5) * 0.38, np.nan_to_num(values), height=0.38, color=colors[n],
                    xerr=np.where(np.isfinite(conf), conf, 0), capsize=2,
                    label={"S1": "S1 (first order)", "ST": "ST (total)",
                           "mu_star": "mu* (mean |effect|)", "sigma": "sigma"}[name])
        ax.set_yticks(y, [param_label(p) for p in plan.design.params], fontsize=8)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        if sobol:
            ax.set_xlim(min(0, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
        else:
            ax.set_xlabel("KPI change per unit of the parameter's range", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
        if warning:
            ax.text(0.98, 0.98, warning.split(" (")[0], transform=ax.transAxes, ha="right",
                    va="top", fontsize=10, color="#b00000", fontweight="bold",
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#b00000"})
    what = "Sobol indices (95% CI)" if sobol else "Morris elementary effects (95% CI on mu*)"
    sweep_title(figure, plan, what, warning)
    return figure
