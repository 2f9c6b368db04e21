"""What the sweep figures share: parameters and KPIs in words, percent axes, the grid of
panels and the title.

Example::

    param_label(parse_param("events.cn_ban_us.enforcement=0,1"))  # "cn_ban_us enforcement"
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

from sim.plots.common import percent_axis, tick_label
from sim.results.catalogue import KpiKey, kind, parse_kpi

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.design import Param
    from sim.experiments.sweep import Plan

FRACTION_PARAMS = ("share", "enforcement", "allowed_fraction", "capacity_left", "approval",
                   "fraction", "utilization")
"""Parameter names whose values are fractions of one (drawn in percent)."""
UNIT_SUFFIXES = (("_tpa", "t W/yr"), ("_days", "days"), ("_years", "years"), ("_t", "t W"),
                 ("_usd_mtu", "$/mtu WO3"), ("_musd", "$ million"))


def kpi_keys(plan: Plan) -> list[KpiKey]:
    """The sweep's KPIs as (scope, kpi), in the order of its labels."""
    return [parse_kpi(text) for text in plan.kpi_labels]


def param_label(param: Param) -> str:
    """A parameter path in words: `events.cn_ban_us.enforcement` -> "cn_ban_us enforcement",
    `mines.kz.capacity_tpa` -> "kz capacity (t W/yr)"."""
    parts = param.path.split(".")
    name = parts[-1]
    unit = ""
    for suffix, words in UNIT_SUFFIXES:
        if name.endswith(suffix):
            name, unit = name[: -len(suffix)], words
            break
    owner = " ".join(parts[1:-1]) if len(parts) > 2 else ""
    text = f"{owner} {name.replace('_', ' ')}".strip()
    return f"{text} ({unit})" if unit else text


def is_fraction(param: Param) -> bool:
    """Whether a parameter's values are fractions of one (drawn in percent)."""
    values = [param.low, param.high] if not param.values else list(param.values)
    name = param.path.rsplit(".", 1)[-1]
    return (param.numeric and not param.is_date and name in FRACTION_PARAMS
            and all(v is not None and 0 <= float(v) <= 1 for v in values))


def kpi_axis(ax: Axes, key: tuple[str, str], axis: str = "y") -> None:
    """Percent ticks for a KPI that is a share or a probability, else numbers with commas."""
    from matplotlib.ticker import FuncFormatter

    if kind(key[1]).style in ("percent", "probability"):
        percent_axis(ax, axis)
    else:
        getattr(ax, f"{axis}axis").set_major_formatter(FuncFormatter(tick_label))


def grid_figure(n: int, width: float = 5.0, height: float = 4.0,
                columns: int | None = None) -> tuple[Figure, list[Axes]]:
    """`n` axes in rows of up to three (constrained layout: labels vary in length)."""
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


def sweep_title(figure: Figure, plan: Plan, what: str, warning: str | None = None) -> None:
    """Figure title: the sweep, what is shown, its points and replications; a warning (too
    few samples) on a line of its own."""
    d = plan.definition
    reps = f"{d.replications} replication" + ("s" if d.replications > 1 else "")
    text = (f"{plan.name} sweep: {what}  ({len(plan.design.points)} points ({d.method}), "
            f"{reps} each)")
    width = int(figure.get_figwidth() * 11)  # characters of 12-point text that fit
    text = textwrap.fill(text, width) if len(text) > width else text
    figure.suptitle(text + (f"\nWARNING: {warning}" if warning else ""), fontsize=12,
                    color="#b00000" if warning else "black")
