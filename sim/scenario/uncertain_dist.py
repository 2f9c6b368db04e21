"""The distributions of uncertain inputs: a number or a date drawn once per replication.

Forms (sim/scenario/format.md, "Uncertain inputs"):

- numbers: `{dist: triangular, low, mode, high}`, `{dist: uniform, low, high}`,
  `{dist: normal, mean, sd, low, high}` (truncated to [low, high]: both bounds required),
  `{dist: discrete, values: [...], weights: [...]}` (weights optional: equal), and
  `{dist: constant, value}`;
- dates: the same mappings with dates for numbers, or the strings
  `date_triangular(LOW, MODE, HIGH)` and `date_uniform(LOW, HIGH)` (ISO dates, both ends
  inclusive).

Any mapping may add `stream: NAME`: inputs naming the same stream draw from the same uniform
number (each by its own inverse CDF), so they move together; otherwise an input draws from
the stream of its own parameter path. Every draw is the inverse CDF of one uniform number, so
a draw depends only on the seed, the replication and the stream key. Dates are drawn as day
numbers and rounded to a whole day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from sim.scenario.bounds import MAX_TONNES

KINDS = ("triangular", "uniform", "normal", "discrete", "constant")
_KEYS = {"triangular": ("low", "mode", "high"), "uniform": ("low", "high"),
         "normal": ("mean", "sd", "low", "high"), "discrete": ("values", "weights"),
         "constant": ("value",)}
_OPTIONAL = {"weights", "stream"}
DATE_FORM = re.compile(r"^\s*date_([a-z_]*)\s*\((.*)\)\s*$", re.DOTALL)
"""`date_triangular(2028-06-01, 2029-05-01, 2031-01-01)`, `date_uniform(d1, d2)`."""
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadForm(ValueError):
    """A malformed uncertain input; `key` is the sub-key it concerns (None: the whole value)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Dist:
    """One per-replication distribution; dates are held as day ordinals."""

    kind: str
    params: tuple[float, ...]
    values: tuple[Any, ...] = ()
    weights: tuple[float, ...] = ()
    is_date: bool = False
    stream: str | None = None

    def ppf(self, u: float) -> float | int:
        """The value whose CDF is `u` (a day ordinal for dates; a discrete value as written)."""
        if self.kind == "discrete":
            cum = np.cumsum(self.weights) / sum(self.weights)
            return self.values[min(int(np.searchsorted(cum, u, side="right")),
                                   len(self.values) - 1)]
        if self.kind == "constant":
            return self.params[0]
        if self.kind == "uniform":
            low, high = self.params
            if self.is_date:
                span = int(high - low)
                return int(low) + min(math.floor(u * (span + 1)), span)
            return low + u * (high - low)
        x = _triangular_ppf(u, *self.params) if self.kind == "triangular" \
            else _normal_ppf(u, *self.params)
        return math.floor(x + 0.5) if self.is_date else x

    def value(self, x: float | int) -> Any:
        """A day ordinal as a date; a number as it is."""
        return dt.date.fromordinal(int(x)) if self.is_date else x

    def center(self) -> Any:
        """The value the scenario is checked (and run by `simulate`) with: the mode, the middle
        of a uniform, the (bounded) mean of a normal, the weighted median of a discrete."""
        if self.kind == "discrete":
            order = sorted(range(len(self.values)), key=lambda i: self.values[i])
            cum, total = 0.0, sum(self.weights)
            for i in order:
                cum += self.weights[i]
                if cum >= total / 2:
                    return self.value(self.values[i])
        if self.kind == "uniform" and self.is_date:
            return self.value(int(self.params[0]) + int(self.params[1] - self.params[0]) // 2)
        x = {"triangular": lambda p: p[1], "uniform": lambda p: (p[0] + p[1]) / 2,
             "normal": lambda p: min(max(p[0], p[2]), p[3]),
             "constant": lambda p: p[0]}[self.kind](self.params)
        return self.value(x)

    def extremes(self) -> list[Any]:
        """Values a draw can take at its ends (every value of a discrete)."""
        if self.kind == "discrete":
            return [self.value(v) for v in dict.fromkeys(self.values)]
        if self.kind == "constant":
            return []
        low, high = self.params[-2], self.params[-1]
        return [self.value(int(low) if self.is_date else low),
                self.value(int(high) if self.is_date else high)]

    def bounds(self) -> tuple[Any, Any]:
        """The lowest and highest value a draw can take."""
        ends = sorted(self.extremes() or [self.center()])
        return ends[0], ends[-1]


def _triangular_ppf(u: float, low: float, mode: float, high: float) -> float:
    if high == low:
        return low
    cut = (mode - low) / (high - low)
    if u < cut:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - mode))


def _normal_ppf(u: float, mean: float, sd: float, low: float, high: float) -> float:
    if sd == 0:
        return min(max(mean, low), high)
    a, b = ndtr((low - mean) / sd), ndtr((high - mean) / sd)
    x = mean + sd * float(ndtri(a + u * (b - a))) if b > a else (low + high) / 2
    return min(max(x, low), high)


def is_form(value: Any) -> bool:
    """True when a raw value is written as an uncertain input (a `dist:` mapping or a
    `date_...(...)` string)."""
    return (isinstance(value, dict) and "dist" in value) or \
        (isinstance(value, str) and DATE_FORM.match(value) is not None)


def parse(raw: Any) -> Dist:
    """The distribution a raw value writes; BadForm says what is wrong with it."""
    if isinstance(raw, str):
        return _parse_string(raw)
    kind = raw.get("dist")
    if kind not in KINDS:
        raise BadForm(f"'{kind}' is not a per-replication distribution: use "
                      + ", ".join(KINDS) + " (normal with low and high)", "dist")
    for key in raw:
        if key not in ("dist", *_KEYS[kind], "stream"):
            raise BadForm(f"unknown key '{key}' for dist {kind} (give "
                          + ", ".join(_KEYS[kind]) + ")", key)
    for key in _KEYS[kind]:
        if key not in raw and key not in _OPTIONAL:
            raise BadForm(f"dist {kind} needs {key}" + (" (a truncated normal needs both "
                          "bounds)" if kind == "normal" else ""))
    stream = raw.get("stream")
    if stream is not None and (not isinstance(stream, str) or not stream):
        raise BadForm("stream must be a name", "stream")
    if kind == "discrete":
        return _discrete(raw, stream)
    keys = _KEYS[kind]
    items = [_scalar(raw[k], k) for k in keys]
    is_date = _same_kind(items, keys)
    return _checked(Dist(kind, tuple(float(x) for x in items), is_date=is_date, stream=stream),
                    keys)


def _parse_string(raw: str) -> Dist:
    match = DATE_FORM.match(raw)
    name, args = match.group(1), [a.strip() for a in match.group(2).split(",")]
    wanted = {"triangular": 3, "uniform": 2}
    if name not in wanted:
        raise BadForm(f"'{raw.strip()}': date_{name} is not a date distribution "
                      "(date_triangular(LOW, MODE, HIGH) or date_uniform(LOW, HIGH))")
    if len(args) != wanted[name]:
        raise BadForm(f"'{raw.strip()}': date_{name} takes {wanted[name]} dates, "
                      f"got {len(args)}")
    days = []
    for arg in args:
        if not _ISO.match(arg):
            raise BadForm(f"'{raw.strip()}': '{arg}' is not a date (YYYY-MM-DD)")
        try:
            days.append(float(dt.date.fromisoformat(arg).toordinal()))
        except ValueError as err:
            raise BadForm(f"'{raw.strip()}': '{arg}' is not a valid date ({err})") from None
    return _checked(Dist(name, tuple(days), is_date=True), _KEYS[name])


def _scalar(value: Any, key: str) -> float | dt.date:
    """A number or a date (a YAML date or an ISO string), else BadForm at `key`."""
    if isinstance(value, dt.datetime):
        raise BadForm(f"{value} is a timestamp; give a date (YYYY-MM-DD)", key)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as err:
            raise BadForm(f"'{value}' is not a valid date ({err})", key) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadForm(f"{value!r} is not a number or a date", key)
    if not math.isfinite(value) or abs(value) > MAX_TONNES:
        raise BadForm(f"{value!r} must be finite and within ±{MAX_TONNES:g}", key)
    return value


def _same_kind(items: list, keys: tuple[str, ...]) -> bool:
    """True when the items are dates (as ordinals, in place), False when numbers; mixed: BadForm."""
    dates = [isinstance(x, dt.date) for x in items]
    if any(dates) and not all(dates):
        raise BadForm("mixes dates and numbers", keys[dates.index(not dates[0])])
    if all(dates):
        items[:] = [x.toordinal() for x in items]
    return bool(items) and all(dates)


def _discrete(raw: dict, stream: str | None) -> Dist:
    values = raw["values"]
    if not isinstance(values, list) or not values:
        raise BadForm("values must be a non-empty list", "values")
    items = [_scalar(v, "values") for v in values]
    is_date = _same_kind(items, ("values",))
    weights = raw.get("weights", [1.0] * len(items))
    if not isinstance(weights, list) or len(weights) != len(items):
        raise BadForm(f"weights must be a list of {len(items)} numbers, one per value",
                      "weights")
    for w in weights:
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) \
                or w < 0:
            raise BadForm(f"weights must be numbers >= 0, got {w!r}", "weights")
    if sum(weights) <= 0:
        raise BadForm("weights must not all be 0", "weights")
    return Dist("discrete", (), tuple(items), tuple(float(w) for w in weights), is_date, stream)


def _checked(d: Dist, keys: tuple[str, ...]) -> Dist:
    """Bounds in order (and a non-negative sd)."""
    p = d.params
    shown = [d.value(int(x)) if d.is_date else x for x in p]
    text = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in zip(keys, shown, strict=True))
    if d.kind == "triangular" and not p[0] <= p[1] <= p[2]:
        raise BadForm(f"needs low <= mode <= high, got {text}", "low")
    if d.kind == "uniform" and not p[0] <= p[1]:
        raise BadForm(f"needs low <= high, got {text}", "low")
    if d.kind == "normal" and not p[2] <= p[3]:
        raise BadForm(f"needs low <= high, got {text}", "low")
    if d.kind == "normal" and p[1] < 0:
        raise BadForm(f"sd must be >= 0, got {text}", "sd")
    if d.kind == "normal" and d.is_date:
        raise BadForm("a date distribution is triangular, uniform, discrete or constant "
                      "(an sd in days is not a date)", "dist")
    return d
