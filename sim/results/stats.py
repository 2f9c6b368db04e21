"""Confidence intervals over replications (quantiles from scipy), and NaN-aware percentiles.

Student-t and normal quantiles are scipy's (`scipy.special.stdtrit` and `ndtri`, the
functions `scipy.stats.t.ppf` and `norm.ppf` evaluate, without the 0.6 s import of
`scipy.stats` or its 70 us a call), imported when first needed and cached per level and
degrees of freedom, which repeat.

Example::

    t_quantile(0.975, 9)                      # 2.2621571627...
    mean_ci([1.0, 2.0, 3.0])                  # Interval(estimate=2.0, low=-0.484, high=4.484, ...)
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
    return max(0.0, centre - half), min(1.0, centre + half)
