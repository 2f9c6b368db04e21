"""Confidence intervals over replications, without scipy.

Student-t quantiles come from the t CDF, written with the regularized incomplete beta
function (continued fraction, as in Numerical Recipes' `betacf`), inverted by a safeguarded
Newton iteration; normal quantiles by bisection on `math.erfc`. Both are exact to about 1e-12,
far below what a confidence interval over replications can resolve.

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

_NORMAL_DF = 1e7
"""Degrees of freedom beyond which the t distribution is taken as the normal one."""


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

def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if not (a > 0 and b > 0):
        raise ValueError(f"betainc needs a > 0 and b > 0, got a={a}, b={b}")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def normal_cdf(x: float) -> float:
    """Standard normal distribution function."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@lru_cache(maxsize=64)
def normal_quantile(p: float) -> float:
    """Standard normal quantile, by bisection (the few levels used are cached)."""
    _check_probability(p)
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if normal_cdf(mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return (lo + hi) / 2.0


def t_cdf(t: float, df: float) -> float:
    """Student-t distribution function with `df` (> 0, may be fractional or inf) degrees."""
    if df >= _NORMAL_DF:
        return normal_cdf(t)
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def _t_pdf(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """Student-t quantile: the t with P(T <= t) = p, for df > 0 (fractional df allowed)."""
    _check_probability(p)
    if not df > 0:
        raise ValueError(f"degrees of freedom (={df}) must be > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df >= _NORMAL_DF:
        return normal_quantile(p)
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    lo, hi = 0.0, 2.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    x = min(max(_cornish_fisher(normal_quantile(p), df), lo), hi)
    for _ in range(200):
        f = t_cdf(x, df) - p
        if f > 0:
            hi = x
        else:
            lo = x
        step = f / _t_pdf(x, df)
        new = x - step
        if not lo < new < hi:
            new = (lo + hi) / 2.0
        if abs(new - x) <= 1e-13 * max(1.0, abs(x)):
            return new
        x = new
    return x


def _cornish_fisher(z: float, df: float) -> float:
    """Starting value: the Cornish-Fisher expansion of t in powers of 1/df (A&S 26.7.5)."""
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def _check_probability(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability (={p}) must be strictly between 0 and 1")


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
