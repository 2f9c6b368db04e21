"""KPI numbers as people read them: one way per kind of KPI, wherever a KPI is printed.

The catalogue gives each KPI a kind (`catalogue.kind`) and each kind a style; this module
writes a value, a difference between scenarios and an interval in that style, so a fill rate
is a percent in `run`'s table, in `compare`'s and in comparison.md alike. Files meant for
programs (kpis.csv, comparison.csv, summary.json) keep every digit and never pass through
here.

Example::

    value_text("fill_rate", 0.71162)                     # '71.2%'
    diff_text("fill_rate", -0.18806)                     # '-18.8 pp'
    value_text("shortfall_t", 35946.6)                   # '35,947'
    value_text("first_shortfall_day", 715.0, start)      # '2026-12-16'
    interval_text("shortfall_t", range_ci(values, 0.0))  # '0 [0, 12]'
"""

from __future__ import annotations

import datetime as dt
import math

from sim.results.catalogue import kind
from sim.results.stats import Interval

NOT_AVAILABLE = "n/a"
"""What stands for an interval that cannot be computed (one value)."""


def value_text(kpi: str, value: float, start: dt.date | None = None) -> str:
    """A value of `kpi` for people; a day of the run as a date when `start` is given."""
    text, suffix = _parts(kpi, value, start, signed=False)
    return text + suffix


def diff_text(kpi: str, value: float) -> str:
    """A difference of `kpi` between scenarios, signed: percentage points for a percent,
    days for a date."""
    text, suffix = _parts(kpi, value, None, signed=True)
    return text + suffix


def interval_text(kpi: str, interval: Interval, start: dt.date | None = None,
                  diff: bool = False) -> str:
    """`estimate [low, high]` in `kpi`'s style (`[n/a]` when there is no interval, "-"
    without an estimate); `diff`: a difference between scenarios, signed."""
    if interval.n == 0 or math.isnan(interval.estimate):
        return "-"
    at = None if diff else start
    text, suffix = _parts(kpi, interval.estimate, at, signed=diff)
    if math.isnan(interval.low) or math.isnan(interval.high):
        return f"{text}{suffix} [{NOT_AVAILABLE}]"
    low = _parts(kpi, interval.low, at, signed=diff)[0]
    high = _parts(kpi, interval.high, at, signed=diff)[0]
    return f"{text}{suffix} [{low}, {high}]"


# (format of a value, decimals it shows of the number formatted, unit after a difference)
_STYLE = {
    "tonnes": ("{:,.0f}", 0, ""), "days": ("{:,.0f}", 0, ""), "musd": ("{:,.0f}", 0, ""),
    "percent": ("{:.1f}", 1, " pp"), "months": ("{:.1f}", 1, ""),
    "probability": ("{:.3f}", 3, ""), "date": ("{:,.0f}", 0, " days"),
    "price": ("{:,.0f}", 0, ""),
}


def _parts(kpi: str, value: float, start: dt.date | None, signed: bool) -> tuple[str, str]:
    """(number, unit after it) of a value or, `signed`, a difference."""
    value = float(value)
    if math.isnan(value):
        return "-", ""
    if math.isinf(value):
        return ("inf" if value > 0 else "-inf"), ""
    style = kind(kpi).style
    if style == "number":
        return _by_size(value, signed), ""
    if style == "date" and not signed:
        if start is None:
            return f"day {_number(value, '{:,.0f}', 0, False)}", ""
        try:
            return (start + dt.timedelta(days=value)).isoformat(), ""
        except OverflowError:  # past the calendar (an interval's bound): the day's number
            return f"day {_number(value, '{:,.0f}', 0, False)}", ""
    form, decimals, unit = _STYLE[style]
    shown = value * 100.0 if style == "percent" else value
    number = _number(shown, form, decimals, signed)
    if style == "percent" and not signed:
        return number + "%", ""
    if style == "price":
        sign = number[0] if number[0] in "+-" else ""
        return f"{sign}${number.lstrip('+-')}", ""
    return number, unit if signed else ""


def _number(value: float, form: str, decimals: int, signed: bool) -> str:
    """`form` of value; a value that rounds to zero is written "0" (never "-0"), a signed
    one with its sign otherwise."""
    if round(value, decimals) == 0:
        value = 0.0
    text = form.format(value)
    return "+" + text if signed and value > 0 else text


def _by_size(value: float, signed: bool) -> str:
    """A number of unknown kind, with precision by its size."""
    size = abs(value)
    if size >= 1000:
        return _number(value, "{:,.0f}", 0, signed)
    if size >= 10:
        return _number(value, "{:.1f}", 1, signed)
    return _number(value, "{:.4f}", 4, signed)
