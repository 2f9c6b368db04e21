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

from sim.records import RunRecord, StackedRuns

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


def annual_rate(flow: np.ndarray, step_days: int, bin_steps: int, axis: int = 0) -> np.ndarray:
    """Per-step tonnes [step, ...] (steps along `axis`) as t/yr averaged over bins of
    `bin_steps` (last may be short)."""
    n_steps = flow.shape[axis]
    starts = np.arange(0, n_steps, bin_steps)
    counts = np.diff(np.append(starts, n_steps))
    sums = np.add.reduceat(flow, starts, axis=axis)
    scale = 365.0 / (counts * step_days)
    return sums * scale.reshape([-1 if k == axis % flow.ndim else 1 for k in range(flow.ndim)])


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
    return stacked_series(StackedRuns.of(run))[0]


def stacked_series(runs: StackedRuns) -> np.ndarray:
    """`main_series` of every replication of a stack, [rep, series, bin]. Flows are binned
    together, and levels together (each row as it would be alone: along its own contiguous
    row)."""
    per = steps_per_bin(runs.step_days, runs.record_days)
    us = [i for i, n in enumerate(runs.nodes) if n.kind == "consumer" and n.country == "US"]
    piles = [i for i, n in enumerate(runs.nodes) if n.kind == "stockpile" and n.country == "US"]
    step = runs.step_days

    def total(name: str, members: list[int]) -> np.ndarray:  # [rep, step]
        return runs.arrays[name][:, :, members].sum(axis=2).T

    held = [i - runs.consumers.start for i in us]
    by_origin = runs.delivered_by_origin[:, :, held, :].sum(axis=2)  # [step, rep, origin]
    cn = by_origin[:, :, runs.origins.index("CN")].T if "CN" in runs.origins \
        else np.zeros((runs.reps, runs.n_steps))
    flows = np.stack([total("delivered_t", us), total("demand_t", us), total("shortfall_t", us),
                      cn, total("released_t", piles)], axis=1)  # [rep, flow, step]
    delivered, demand, shortfall, cn, released = annual_rate(flows, step, per, axis=2) \
        .transpose(1, 0, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(delivered > 0, cn / np.where(delivered > 0, delivered, 1.0), np.nan)
        use = total("expected_use_t", us) / step
        cover = np.where(use > 0, total("stock_t", us) / np.where(use > 0, use, 1.0), np.nan)
    levels = [cover, total("stock_t", piles)]
    levels += [runs.market[m] for m in ("ex_china", "china")] if runs.market else []
    means = _bin_mean(np.stack(levels, axis=1), per).transpose(1, 0, 2)  # [level, rep, bin]
    return np.stack([delivered, demand, shortfall, means[0], share, means[1], released,
                     *means[2:]], axis=1)


def _bin_mean(level: np.ndarray, per: int) -> np.ndarray:
    """Mean of per-step levels [..., step] over each bin, ignoring NaNs (NaN if the bin has
    none)."""
    n_steps = level.shape[-1]
    bins = -(-n_steps // per)
    padded = np.full((*level.shape[:-1], bins * per), np.nan)  # the last bin may be short
    padded[..., :n_steps] = level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(padded.reshape(*level.shape[:-1], bins, per), axis=-1)
