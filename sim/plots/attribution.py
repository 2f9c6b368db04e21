"""The "by cause" figure of an attribution: one horizontal stacked bar per consumer scope.

Each bar stacks the scope's KPI (mean over replications) as what it would be with no events,
each event's own effect and the interaction remainder; positive parts go right of zero,
negative ones (an event that lessens the KPI, or an overlap counted twice) left of it, and a
black diamond marks the total, which is their sum. Scopes where every part is zero are left
out, a scope with the same values as one before it (a country's only group) is drawn once,
and only the first MAX_SCOPES in reading order are drawn.

Example::

    figure = by_cause(attribution, "shortfall_t")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.experiments.attribution import INTERACTION, NONE, TOTAL, Attribution, shown_scopes
from sim.plots.common import line_palette, new_figure, note, save_figures, tick_label
from sim.results.catalogue import unit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_SCOPES = 14
"""Most bars in one figure."""
NONE_COLOR = "#c7c7c7"
INTERACTION_COLOR = "#ffffff"
TITLES = {"shortfall_t": "Shortfall", "demand_destroyed_t": "Demand destroyed by price",
          "purchase_cost_musd": "Purchase cost"}


def plot_attribution(attribution: Attribution, folder: Path) -> list[Path]:
    """Write `<kpi>_by_cause.png` for every attributed KPI into `folder`; their paths."""
    kpis = list(dict.fromkeys(kpi for _, kpi in attribution.keys))
    return save_figures([(f"{kpi}_by_cause", by_cause(attribution, kpi)) for kpi in kpis],
                        folder)


def bar_data(attribution: Attribution, kpi: str) -> tuple[list[str], list[str], np.ndarray,
                                                           np.ndarray]:
    """(bar labels, part labels, means [bar, part], totals [bar]) of the scopes shown."""
    shown = shown_scopes(attribution, kpi)
    parts = [NONE, *attribution.events, INTERACTION]
    means, totals = [], []
    for scope, _ in shown:
        components = attribution.components((scope, kpi))
        means.append([float(np.mean(components[p])) for p in parts])
        totals.append(float(np.mean(components[TOTAL])))
    labels = [scope + (f" (= {len(same)} more)" if same else "") for scope, same in shown]
    return labels, parts, np.array(means).reshape(len(shown), len(parts)), np.array(totals)


def by_cause(attribution: Attribution, kpi: str) -> Figure:
    """The stacked bars of one KPI (see the module docstring)."""
    scopes, parts, means, totals = bar_data(attribution, kpi)
    extra = len(scopes) - MAX_SCOPES
    scopes, means, totals = scopes[:MAX_SCOPES], means[:MAX_SCOPES], totals[:MAX_SCOPES]
    figure, (ax,) = new_figure()
    n = attribution.n
    how = f"mean of {n} replications" if n > 1 else "1 replication"
    title = TITLES.get(kpi, kpi)
    figure.suptitle(f"{attribution.scenario.name}: {title.lower()} by cause  ({how})",
                    fontsize=13)
    if not scopes:
        note(ax, f"{title} is zero in every consumer scope, with and without the events")
        ax.set_xticks([])
        return figure
    _bars(ax, scopes, parts, means, totals)
    ax.set_xlabel(f"{title} ({unit(kpi)})")
    remark = "own effect = scenario - scenario without the event;  interaction = total - " \
             "no events - sum of own effects\nscopes at zero left out; \"(= k more)\": k " \
             "more scopes have the same values (attribution.md names them)"
    if extra > 0:
        remark += f"; {extra} more scopes in attribution.csv"
    ax.set_title(remark, fontsize=8.5, color="#555555", loc="left")
    return figure


def _bars(ax: Axes, scopes: list[str], parts: list[str], means: np.ndarray,
          totals: np.ndarray) -> None:
    """Positive parts stacked right of zero, negative ones left, the totals as diamonds."""
    from matplotlib.ticker import FuncFormatter

    y = np.arange(len(scopes))
    palette = line_palette()
    right, left = np.zeros(len(scopes)), np.zeros(len(scopes))
    for j, part in enumerate(parts):
        values = means[:, j]
        style = _style(part, palette[(j - 1) % len(palette)])
        label = {NONE: "with no events", INTERACTION: "interaction (remainder)"}.get(
            part, f"own effect: {part}")
        if not np.any(np.abs(values) > 1e-9):
            label = f"{label} (zero)"
        start = np.where(values >= 0, right, left)
        ax.barh(y, values, left=start, height=0.7, label=label, **style)
        right += np.where(values >= 0, values, 0.0)
        left += np.where(values < 0, values, 0.0)
    ax.scatter(totals, y, marker="D", color="black", zorder=3, s=28, label="total")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, scopes, fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(tick_label))
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def _style(part: str, color: str) -> dict:
    if part == NONE:
        return {"color": NONE_COLOR, "edgecolor": "#888888", "lw": 0.5}
    if part == INTERACTION:
        return {"color": INTERACTION_COLOR, "edgecolor": "black", "hatch": "///", "lw": 0.6}
    return {"color": color, "edgecolor": "white", "lw": 0.5}
