"""The main series of a run, in bins of about a month: what bands and comparisons are made of.

Each replication is reduced to a few U.S.-level series (deliveries, shortfall, days of cover,
Chinese-origin share, stockpile level; with a market, both APT prices), so per-step
percentile bands over thousands of replications cost a few kilobytes each instead of the
megabytes of a full record. Flows are annual rates (t W per year) averaged over the bin;
levels are the bin's mean.

Example::

    values = main_series(run)            # [series, bin], rows in the order of SERIES
    days = bin_days(run.n_steps, run.step_days, run.record_days)
"""

from __future__ import annotations

import warnings

import numpy as np

from sim.records import RunRecord

MONTH_DAYS = 365.25 / 12

SERIES = ("us_delivered_tpa", "us_demand_tpa", "us_shortfall_tpa", "us_cover_days",
          "us_cn_origin_share", "us_stockpile_t", "us_stockpile_released_tpa")
"""Names of the main series, in the order of the rows `main_series` returns."""
MARKET_SERIES = ("ex_china_price_usd_mtu", "china_price_usd_mtu")
"""With a market, the main series that follow SERIES: each market's APT price."""

LABELS = {
    "us_delivered_tpa": ("U.S. deliveries", "t W per year (monthly average)"),
    "us_demand_tpa": ("U.S. demand", "t W per year (monthly average)"),
    "us_shortfall_tpa": ("U.S. shortfall", "t W per year (monthly average)"),
    "us_cover_days": ("U.S. consumers' days of cover", "days (monthly average)"),
    "us_cn_origin_share": ("Chinese-origin share of U.S. deliveries", "share (monthly)"),
    "us_stockpile_t": ("U.S. stockpile level", "t W (monthly average)"),
    "us_stockpile_released_tpa": ("U.S. stockpile releases", "t W per year (monthly average)"),
    "ex_china_price_usd_mtu": ("ex-China APT price", "$/mtu WO3 (monthly average)"),
    "china_price_usd_mtu": ("China APT price", "$/mtu WO3 (monthly average)"),
}
"""Title and axis label of each series."""


def steps_per_bin(step_days: int, record_days: int) -> int:
    """Steps averaged into one bin: about a month, never finer than the record interval."""
    return max(1, record_days // step_days, round(MONTH_DAYS / step_days))


def annual_rate(flow: np.ndarray, step_days: int, bin_steps: int) -> np.ndarray:
    """Per-step tonnes [step, ...] as t/yr averaged over bins of `bin_steps` (last may be short)."""
    starts = np.arange(0, flow.shape[0], bin_steps)
    counts = np.diff(np.append(starts, flow.shape[0]))
    sums = np.add.reduceat(flow, starts, axis=0)
    scale = 365.0 / (counts * step_days)
    return sums * scale.reshape((-1,) + (1,) * (flow.ndim - 1))


def bin_centres(n_steps: int, step_days: int, bin_steps: int) -> np.ndarray:
    """Day at the middle of each bin made by `annual_rate`."""
    starts = np.arange(0, n_steps, bin_steps)
    counts = np.diff(np.append(starts, n_steps))
    return (starts + counts / 2.0) * step_days


def bin_days(n_steps: int, step_days: int, record_days: int) -> tuple[np.ndarray, np.ndarray]:
    """(first day, length in days) of each bin of a run's main series."""
    per = steps_per_bin(step_days, record_days)
    starts = np.arange(0, n_steps, per)
    counts = np.diff(np.append(starts, n_steps))
    return starts * float(step_days), counts * float(step_days)


def series_names(rows: int) -> tuple[str, ...]:
    """Names of the `rows` main series of a run: SERIES, then MARKET_SERIES if it had a market."""
    return SERIES + MARKET_SERIES if rows > len(SERIES) else SERIES


def main_series(run: RunRecord) -> np.ndarray:
    """The main series of one replication, [series, bin] in the order of SERIES, then of
    MARKET_SERIES with a market (NaN: undefined)."""
    per = steps_per_bin(run.step_days, run.record_days)
    us = [i for i, n in enumerate(run.nodes) if n.kind == "consumer" and n.country == "US"]
    piles = [i for i, n in enumerate(run.nodes) if n.kind == "stockpile" and n.country == "US"]
    a, step = run.arrays, run.step_days

    def rate(name: str, members: list[int]) -> np.ndarray:
        return annual_rate(a[name][:, members].sum(axis=1), step, per)

    delivered = rate("delivered_t", us)
    by_origin = run.delivered_by_origin[:, us, :].sum(axis=1)
    cn = (annual_rate(by_origin[:, run.origins.index("CN")], step, per)
          if "CN" in run.origins else np.zeros_like(delivered))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(delivered > 0, cn / np.where(delivered > 0, delivered, 1.0), np.nan)
        use = a["expected_use_t"][:, us].sum(axis=1) / step
        stock = a["stock_t"][:, us].sum(axis=1)
        cover = np.where(use > 0, stock / np.where(use > 0, use, 1.0), np.nan)
    rows = [delivered, rate("demand_t", us), rate("shortfall_t", us), _bin_mean(cover, per),
            share, _bin_mean(a["stock_t"][:, piles].sum(axis=1), per), rate("released_t", piles)]
    if run.market:
        rows += [_bin_mean(run.market[m], per) for m in ("ex_china", "china")]
    return np.stack(rows)


def _bin_mean(level: np.ndarray, per: int) -> np.ndarray:
    """Mean of a per-step level over each bin, ignoring NaNs (NaN if the bin has none)."""
    bins = -(-level.shape[0] // per)
    padded = np.full(bins * per, np.nan)  # the last bin may be short: pad it with NaN
    padded[: level.shape[0]] = level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(padded.reshape(bins, per), axis=1)
