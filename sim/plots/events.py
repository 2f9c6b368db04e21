"""Scenario events on a date axis: what was in force when, named in the legend.

An event in force over a period (an export control, a demand change, a route disruption, an
outage) shades the axes from top to bottom; a capacity change with a ramp draws a strip along
the top of the axes while it ramps; a one-off event (a stockpile release, a capacity change
without a ramp) is a dotted vertical line. Each event keeps its colour in every panel and
every figure of a run, and its legend entry names it: `cn_ban_us: ban by CN on US`.

Example::

    spans = event_spans(scenario.events, scenario.start, scenario.end)
    shade_events(ax, spans, legend=True)
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CONTROL_COLORS = ("#f4a261", "#e76f51", "#e9c46a", "#d4a373")
"""Export controls in warm colours (the first as the figures always drew them)."""
OTHER_COLORS = ("#8ecae6", "#90be6d", "#cdb4db", "#a8dadc", "#b5838d", "#84a59d", "#bde0fe",
                "#ffafcc")
"""Other events in cool or muted colours."""
LEGEND_WIDTH = 32
"""Characters per line of an event's legend entry (the legend column beside the axes)."""
MOST = 10
"""Most events drawn; later ones are named in one legend line ("+ n more events")."""


@dataclass(frozen=True)
class EventSpan:
    """One event as drawn: its label, when it starts and ends (end None: one day), how."""

    label: str
    start: dt.date
    end: dt.date | None
    style: str
    """"span" (shaded top to bottom), "ramp" (a strip at the top) or "instant" (a line)."""
    color: str


def event_spans(events: Iterable[Any], start: dt.date, end: dt.date) -> list[EventSpan]:
    """The events of a scenario that fall within [start, end], in date order, each with its
    colour (by the order of the scenario's list, so colours stay put across figures)."""
    out: list[EventSpan] = []
    controls = others = 0
    for event in events:
        kind = getattr(event, "kind", None)
        if kind is None or event.at > end:
            continue
        if kind == "export_control":
            color = CONTROL_COLORS[controls % len(CONTROL_COLORS)]
            controls += 1
        else:
            color = OTHER_COLORS[others % len(OTHER_COLORS)]
            others += 1
        until, style = _extent(event, end)
        out.append(EventSpan(_label(event), max(event.at, start), until, style, color))
    return sorted(out, key=lambda s: s.start)


def _extent(event: Any, end: dt.date) -> tuple[dt.date | None, str]:
    """When an event stops acting, and how it is drawn."""
    kind = event.kind
    if kind in ("export_control", "demand", "transit"):
        return min(event.until or end, end), "span"
    if kind == "outage":
        return min(event.at + dt.timedelta(days=float(event.duration_days)), end), "span"
    if kind == "capacity" and getattr(event, "ramp_days", 0) > 0:
        return min(event.at + dt.timedelta(days=float(event.ramp_days)), end), "ramp"
    return None, "instant"


def _label(event: Any) -> str:
    """What an event does, in a few words after its id (or its kind, without one)."""
    kind = event.kind
    if kind == "export_control":
        to = "" if event.to == "all" else f" on {', '.join(event.to)}"
        what = f"{event.mode} by {event.country}{to}"
    elif kind == "capacity":
        size = (f"x{event.factor:g}" if event.factor is not None
                else f"to {event.capacity_tpa:,.0f} t/yr")
        ramp = f" over {event.ramp_days / 365:.3g} yr" if event.ramp_days else ""
        what = f"{event.node} capacity {size}{ramp}"
    elif kind == "outage":
        what = f"{event.node} outage, {event.capacity_left:.0%} left"
    elif kind == "demand":
        target = event.group or event.country or ", ".join(event.nodes or ())
        what = f"demand of {target} x{event.factor:g}"
    elif kind == "transit":
        what = "route blocked" if event.blocked else f"transit +{event.extra_days:g} days"
    elif kind == "release":
        what = f"{event.quantity:,.0f} t released from {event.node}"
    else:
        what = kind
    name = getattr(event, "id", None)
    return f"{name}: {what}" if name else f"{what} ({event.at})"


def shade_events(ax: Axes, spans: Sequence[EventSpan], legend: bool = True) -> None:
    """Draw `spans` on a date axes, behind the data; named in the legend if `legend`."""
    for k, span in enumerate(spans):
        if k == MOST:
            if legend:
                ax.plot([], [], " ", label=f"+ {len(spans) - MOST} more events not drawn")
            break
        label = _wrapped(span.label) if legend else "_nolegend_"
        start = dt.datetime.combine(span.start, dt.time())
        if span.style == "instant":
            ax.axvline(start, color=span.color, lw=1.6, ls=":", zorder=1, label=label)
            continue
        stop = dt.datetime.combine(span.end, dt.time())
        if span.style == "ramp":
            ax.axvspan(start, stop, ymin=0.97, ymax=1.0, color=span.color, alpha=0.9, lw=0,
                       zorder=1, label=label)
        else:
            ax.axvspan(start, stop, color=span.color, alpha=0.25, lw=0, zorder=0, label=label)


def _wrapped(text: str) -> str:
    return "\n".join(textwrap.wrap(text, LEGEND_WIDTH)) if len(text) > LEGEND_WIDTH else text


def union_spans(named: Sequence[tuple[str, Sequence[EventSpan]]]) -> list[EventSpan]:
    """The events of several results (by label), each once, its label saying which results
    had it when not all did, coloured anew so that no two share a colour."""
    seen: dict[tuple[str, dt.date, dt.date | None], tuple[EventSpan, list[str]]] = {}
    for name, spans in named:
        for span in spans:
            seen.setdefault((span.label, span.start, span.end), (span, []))[1].append(name)
    out, controls, others = [], 0, 0
    for span, names in seen.values():
        if span.color in CONTROL_COLORS:
            color = CONTROL_COLORS[controls % len(CONTROL_COLORS)]
            controls += 1
        else:
            color = OTHER_COLORS[others % len(OTHER_COLORS)]
            others += 1
        note = "" if len(names) == len(named) else f" (only {', '.join(names)})"
        out.append(replace(span, label=span.label + note, color=color))
    return sorted(out, key=lambda s: s.start)
