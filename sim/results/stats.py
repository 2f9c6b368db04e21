"""Confidence intervals over replications (quantiles from scipy), and NaN-aware percentiles.

A KPI that cannot leave a range (tonnes >= 0, a fill rate in [0, 1]) gets an interval of its
mean that stays in that range (`range_ci`): the t interval is built on a scale where the
range is the whole line and mapped back (delta method), on log(mean - low) for a range
bounded on one side and on logit((mean - low) / (high - low)) for one bounded on both.
Near the middle of its range it is the t interval; near a bound it is skewed away from it,
as the sample mean's distribution is (for exponential samples of 30 the t interval covers
the mean about 93% of the time, the log-t interval 94-95%). Differences between scenarios
may have either sign and keep the t interval (`paired_ci`, `welch_ci`).

Student-t and normal quantiles are scipy's (`scipy.special.stdtrit` and `ndtri`, the
functions `scipy.stats.t.ppf` and `norm.ppf` evaluate, without the 0.6 s import of
`scipy.stats` or its 70 us a call), imported when first needed and cached per level and
degrees of freedom, which repeat.

Example::

    t_quantile(0.975, 9)                      # 2.2621571627...
    mean_ci([1.0, 2.0, 3.0])                  # Interval(estimate=2.0, low=-0.484, high=4.484, ...)
    range_ci([0, 0, 0, 0, 1.0], low=0.0)      # Interval(estimate=0.2, low=0.0125, high=3.2, ...)
    wilson(8, 10)                             # (0.4901..., 0.9433...)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LEVEL = 0.95
"""Confidence level of every interval unless told otherwise."""
MIN_T_N = 5
"""Fewest values for which a t-based interval is more than a rough guide (`small_n_note`)."""
RANGE_TOLERANCE = 1e-9
"""A mean this far outside its range (relative to the bound, at least absolute) is taken as
on the bound, from rounding; further out, the range is wrong for the data (`range_ci`)."""


@dataclass(frozen=True)
class Interval:
    """An estimate with its two-sided confidence interval (NaN bounds when n is too small)."""

    estimate: float
    low: float
    high: float
    n: int
    sd: float = math.nan
    df: float = math.nan
    method: str = ""

    @property
    def halfwidth(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2.0


# --- distributions ------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def normal_quantile(p: float) -> float:
    """Standard normal quantile (scipy's `ndtri`)."""
    from scipy.special import ndtri

    _check_probability(p)
    return float(ndtri(p))


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """Student-t quantile: the t with P(T <= t) = p, for df > 0 (fractional df and inf
    allowed; scipy's `stdtrit`, made exactly symmetric about p = 0.5)."""
    from scipy.special import stdtrit

    _check_probability(p)
    if not df > 0:
        raise ValueError(f"degrees of freedom (={df}) must be > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    return float(stdtrit(df, p))


def _check_probability(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability (={p}) must be strictly between 0 and 1")


def nanpercentile(samples: np.ndarray, q: Sequence[float], axis: int = 0) -> np.ndarray:
    """`np.nanpercentile(samples, q, axis=axis)`, the same numbers (NaN where a slice is all
    NaN, without numpy's warning), [len(q), other axes...].

    numpy runs its 1-D routine once per slice, a Python call each (about 30 ms for the main
    series of a run); here all slices without NaN go through one `np.percentile` call and
    only slices with some NaNs one by one.
    """
    moved = np.moveaxis(np.asarray(samples, dtype=float), axis, 0)
    columns = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
    out = np.full((len(q), columns.shape[1]), np.nan)
    nan = np.isnan(columns)
    clean = ~nan.any(axis=0)
    if clean.any() and columns.shape[0]:
        out[:, clean] = np.percentile(columns[:, clean], q, axis=0)
    for j in np.flatnonzero(~clean & ~nan.all(axis=0)).tolist():
        out[:, j] = np.nanpercentile(columns[:, j], q)
    return out.reshape((len(q), *moved.shape[1:]))


# --- intervals ------------------------------------------------------------------------------

def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr)]


def halfwidth(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> float:
    """Half-width of the t confidence interval of the mean of the finite values (inf if < 2)."""
    arr = _finite(values)
    if arr.size < 2:
        return math.inf
    sd = float(arr.std(ddof=1))
    return t_quantile(0.5 + level / 2, arr.size - 1) * sd / math.sqrt(arr.size)


def mean_ci(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> Interval:
    """Mean of the finite values with its t interval."""
    arr = _finite(values)
    if arr.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0, method="t")
    mean = float(arr.mean())
    if arr.size < 2:
        return Interval(mean, math.nan, math.nan, 1, method="t")
    sd = float(arr.std(ddof=1))
    half = t_quantile(0.5 + level / 2, arr.size - 1) * sd / math.sqrt(arr.size)
    return Interval(mean, mean - half, mean + half, int(arr.size), sd, arr.size - 1.0, "t")


def range_ci(values: Sequence[float] | np.ndarray, low: float = -math.inf,
             high: float = math.inf, level: float = LEVEL) -> Interval:
    """Mean of the finite values with a t interval that stays within [low, high].

    Unbounded: the t interval (method "t"). Bounded below or above: log-t, on the log of the
    distance to the bound; bounded on both sides: logit-t (see the module's docstring). A
    sample at its bound (all values 0, or all 1 for a fill rate) gives the zero-width
    interval at the bound. A mean outside the range (the range is wrong for these values)
    gets the t interval clipped to the range, method "t, clipped".
    """
    arr = _finite(values)
    if arr.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0, method=range_method(low, high))
    mean = float(arr.mean())
    sd = float(arr.std(ddof=1)) if arr.size > 1 else math.nan
    lows, highs, methods = range_bounds(np.array([mean]), np.array([sd]),
                                        np.array([arr.size]), low, high, level)
    return Interval(mean, float(lows[0]), float(highs[0]), int(arr.size), sd,
                    arr.size - 1.0 if arr.size > 1 else math.nan, methods[0])


def range_cis(values: np.ndarray, lows: Sequence[float], highs: Sequence[float],
              level: float = LEVEL) -> list[Interval]:
    """`range_ci` of each row of `values` [row, replication], row i within [lows[i],
    highs[i]]: at once for all rows of a range (a comparison's thousands of KPIs)."""
    arr = np.asarray(values, dtype=float).reshape(len(lows), -1)
    finite = np.isfinite(arr)
    n = finite.sum(axis=1)
    clean = np.where(finite, arr, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, clean.sum(axis=1) / n, math.nan)
        squares = np.where(finite, (arr - mean[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.where(n > 1, np.sqrt(squares / (n - 1)), math.nan)
    out: list[Interval | None] = [None] * len(lows)
    groups: dict[tuple[float, float], list[int]] = {}
    for i, bounds in enumerate(zip(lows, highs, strict=True)):
        groups.setdefault(bounds, []).append(i)
    for (low, high), rows in groups.items():
        bounds_low, bounds_high, methods = range_bounds(mean[rows], sd[rows], n[rows], low,
                                                        high, level)
        for i, a, b, method in zip(rows, bounds_low.tolist(), bounds_high.tolist(), methods,
                                   strict=True):
            k = int(n[i])
            out[i] = Interval(float(mean[i]), a, b, k, float(sd[i]),
                              k - 1.0 if k > 1 else math.nan, method)
    return out  # type: ignore[return-value]


def range_method(low: float, high: float) -> str:
    """The name of `range_ci`'s interval for a range: "t", "log-t" or "logit-t"."""
    bounded = math.isfinite(low) + math.isfinite(high)
    return ("t", "log-t", "logit-t")[bounded]


def range_bounds(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, low: float = -math.inf,
                 high: float = math.inf, level: float = LEVEL
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`range_ci`'s bounds for many means at once from their sd and n (NaN where n < 2):
    what summary.json's intervals are made of."""
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    n = np.asarray(n)
    q = np.array([t_quantile(0.5 + level / 2, k - 1) if k > 1 else math.nan
                  for k in n.tolist()])
    with np.errstate(divide="ignore", invalid="ignore"):
        half = q * sd / np.sqrt(n)
    tol = RANGE_TOLERANCE * np.maximum(1.0, np.abs([low if math.isfinite(low) else 0.0,
                                                    high if math.isfinite(high) else 0.0]))
    outside = (mean < low - tol[0]) | (mean > high + tol[1])
    centre = np.clip(mean, low, high)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lows, highs = _transformed(centre, half, low, high)
        lows = np.where(outside, np.clip(mean - half, low, high), lows)
        highs = np.where(outside, np.clip(mean + half, low, high), highs)
    lows, highs = np.where(n > 1, lows, math.nan), np.where(n > 1, highs, math.nan)
    name = range_method(low, high)
    methods = ["t, clipped" if out else name for out in outside.tolist()]
    return lows, highs, methods


def _transformed(m: np.ndarray, half: np.ndarray, low: float,
                 high: float) -> tuple[np.ndarray, np.ndarray]:
    """m ± half on the scale where [low, high] is the whole line (m within the range)."""
    if math.isfinite(low) and math.isfinite(high):
        width = high - low
        p = (m - low) / width
        spread = half / width / (p * (1.0 - p))  # the delta method: d logit(p) / dp
        logit = np.log(p) - np.log1p(-p)
        inside = (p > 0) & (p < 1)
        lows = np.where(inside, low + width * _expit(logit - spread), m)
        highs = np.where(inside, low + width * _expit(logit + spread), m)
        return lows, highs
    if math.isfinite(low):
        d = m - low
        factor = np.exp(half / d)  # the delta method: d log(d) / dd = 1 / d
        return np.where(d > 0, low + d / factor, m), np.where(d > 0, low + d * factor, m)
    if math.isfinite(high):
        d = high - m
        factor = np.exp(half / d)
        return np.where(d > 0, high - d * factor, m), np.where(d > 0, high - d / factor, m)
    return m - half, m + half


def _expit(x: np.ndarray) -> np.ndarray:
    """The inverse of logit, without overflow for large |x|."""
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def small_n_note(n: int, method: str = "t") -> str:
    """A warning when n is too small for an interval of `method` ("" when it is not): none
    with one value, a rough one below MIN_T_N."""
    if n == 0:
        return "no values: no estimate"
    if n == 1 and method == "paired":
        return "paired with n = 1: no interval is possible (n/a)"
    if n == 1:
        return "n = 1: no interval is possible (n/a)"
    if n < MIN_T_N:
        return (f"n = {n}: a t-based interval from fewer than {MIN_T_N} values is a rough "
                "guide only")
    return ""


def paired_ci(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
              level: float = LEVEL) -> Interval:
    """Mean of b - a over replications where both are finite, with its t interval.

    Valid when a[r] and b[r] come from the same replication r (the same random streams).
    """
    a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a_arr.shape != b_arr.shape:
        raise ValueError(f"paired samples differ in length ({a_arr.size} and {b_arr.size})")
    both = np.isfinite(a_arr) & np.isfinite(b_arr)
    interval = mean_ci(b_arr[both] - a_arr[both], level)
    return Interval(interval.estimate, interval.low, interval.high, interval.n, interval.sd,
                    interval.df, "paired")


def welch_ci(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
             level: float = LEVEL) -> Interval:
    """Difference of means b - a of independent samples, Welch's t interval."""
    x, y = _finite(a), _finite(b)
    n = int(min(x.size, y.size))
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, method="welch")
    diff = float(y.mean() - x.mean())
    if n < 2:
        return Interval(diff, math.nan, math.nan, n, method="welch")
    vx, vy = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return Interval(diff, diff, diff, n, 0.0, math.inf, "welch")
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = t_quantile(0.5 + level / 2, df) * se
    return Interval(diff, diff - half, diff + half, n, se, df, "welch")


@lru_cache(maxsize=4096)
def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion successes/n (NaNs when n is 0). Cached: a
    run's probabilities repeat a few pairs (every scope never short: n of n)."""
    if not 0 <= successes <= n:
        raise ValueError(f"successes (={successes}) must be between 0 and n (={n})")
    if n == 0:
        return math.nan, math.nan
    z = normal_quantile(0.5 + level / 2)
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # min/max with p: at 0 of n or n of n the ends are exactly p, not a rounding error off it
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))
