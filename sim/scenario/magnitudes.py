"""What numbers reach together: capacity and demand after growth and events, every delay at
once, and the horizon's last day.

Each number is within its own bound (`bounds.py`); these rules keep what the model multiplies
and adds within the bounds too. Twenty `capacity` events of factor 1e6 on one mine would
otherwise give it 1e120 t/yr, and 3% growth over 200 years turns 1e12 t/yr into 4e14.
Each rule yields (raw loc, message) like `checks.py`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from sim.scenario.bounds import MAX_DAYS, MAX_TONNES
from sim.scenario.distributions import expected
from sim.scenario.schema import CapacityChange, Consumer, DemandChange, Scenario

Finding = tuple[tuple, str]

LAST_END = dt.date(9999, 1, 1)
"""The latest end of a horizon: a year before the last date Python represents, so that the
monthly bins and yearly ticks of results and plots past the end still exist."""

_LOG_MAX = math.log10(MAX_TONNES)


def horizon_fits(s: Scenario) -> bool:
    """True when the horizon ends by `LAST_END` (`Scenario.end` cannot overflow)."""
    return s.start.toordinal() + round(s.horizon_days) <= LAST_END.toordinal()


def magnitudes(s: Scenario) -> list[Finding]:
    """Every rule on combined numbers; the horizon first, since date rules need its end."""
    found: list[Finding] = []
    if not horizon_fits(s):
        found.append((("start",), f"{s.start} + {s.horizon_years:g} years ends after "
                                  f"{LAST_END}, the latest end of a horizon"))
    return [*found, *_capacities(s), *_demands(s), *_delays(s)]


def _capacities(s: Scenario) -> Iterator[Finding]:
    """A capacity may not exceed the bound after `capacity` events (factors compound)."""
    for node in (*s.mines, *s.processors):
        peak = node.capacity_tpa
        changes = [(e.at, j, e) for j, e in enumerate(s.events)
                   if isinstance(e, CapacityChange) and e.node == node.id]
        for _, j, event in sorted(changes, key=lambda c: c[:2]):
            if event.capacity_tpa is not None:
                peak = max(peak, event.capacity_tpa)
            else:
                peak *= max(event.factor, 1.0)
            if peak > MAX_TONNES:
                yield ("events", j, "factor"), \
                    f"capacity events raise the capacity of {node.id} to {peak:.3g} t/yr, " \
                    f"above the bound of {MAX_TONNES:g} t/yr"
                break


def _demands(s: Scenario) -> Iterator[Finding]:
    """Demand grown to the horizon's end, times the `demand` factors in force together."""
    for i, consumer in enumerate(s.consumers):
        if consumer.demand_tpa <= 0:
            continue
        grown = math.log10(consumer.demand_tpa) + \
            s.horizon_years * math.log10(1 + max(consumer.growth, 0.0))
        if grown > _LOG_MAX:
            yield ("consumers", i, "growth"), \
                f"demand grows to {_tonnes(grown)} t/yr by the end of the horizon, " \
                f"above the bound of {MAX_TONNES:g} t/yr"
            continue
        surge, j = _largest_surge(s, consumer)
        if grown + surge > _LOG_MAX:
            yield ("events", j, "factor"), \
                f"demand events in force together raise the demand of {consumer.id} to " \
                f"{_tonnes(grown + surge)} t/yr, above the bound of {MAX_TONNES:g} t/yr"


def _largest_surge(s: Scenario, consumer: Consumer) -> tuple[float, int]:
    """log10 of the largest product of demand factors > 1 in force at once, and the index
    of the event that completes it."""
    changes: list[tuple[float, int, float, int]] = []
    in_force: dict[int, float] = {}
    for j, e in enumerate(s.events):
        if isinstance(e, DemandChange) and e.factor > 1 and e.applies_to(consumer):
            until = s.day(e.until) if e.until is not None else math.inf
            changes += [(s.day(e.at), 1, math.log10(e.factor), j), (until, 0, 0.0, j)]
    total, largest, at = 0.0, 0.0, -1
    for _, starts, log_factor, j in sorted(changes):  # on a shared day, ends come first
        total += log_factor if starts else -in_force.pop(j, 0.0)
        if starts:
            in_force[j] = log_factor
        if total > largest:
            largest, at = total, j
    return largest, at


def _delays(s: Scenario) -> Iterator[Finding]:
    """Licence delays and extra transit days all together (the model plans for that much)."""
    total = 0.0
    for j, e in enumerate(s.events):
        delay = getattr(e, "delay_days", None) or getattr(e, "extra_days", 0.0)
        total += float(expected(delay))  # a drawn licence delay counts by its mean
        if total > MAX_DAYS:
            key = "delay_days" if getattr(e, "delay_days", None) else "extra_days"
            yield ("events", j, key), \
                f"licence delays and extra transit days of all events add up to {total:g} " \
                f"days, above the bound of {MAX_DAYS} days"
            return


def _tonnes(log10: float) -> str:
    return f"{10 ** log10:.3g}" if log10 < 300 else f"1e+{int(log10)}"
