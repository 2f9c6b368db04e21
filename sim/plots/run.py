"""The standard figures of one Result: U.S. supply by origin, shortfall by consumer, days
of cover, stockpile level and mine output by country; with a market, prices and cover
(`sim.plots.prices`).

Flows are annual rates (t W per year) averaged over bins of about a month, levels as recorded
each step. With several replications, lines are the median with a p5-p95 band and stacked
areas the mean; these figures read the replications whose full records were kept.

Example::

    paths = plot_result(result, Path("results/china-apt-ban/plots"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.bands import main_series
from sim.plots.common import (
    MAX_AREAS,
    MAX_LINES,
    OTHER_COLOR,
    country_colors,
    datetimes,
    draw_band,
    finish_axes,
    line_palette,
    new_figure,
    note,
    note_corner,
    run_title,
    save_figures,
)
from sim.plots.prices import market_prices
from sim.plots.time_to_event import time_to_event
from sim.results.series import annual_rate, bin_centres, steps_per_bin

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.records import RunRecord
    from sim.results.result import Result


def plot_result(result: Result, folder: Path) -> list[Path]:
    """Write the standard figures of `result` as PNGs into `folder` and return their paths."""
    figures = [(name, draw(result)) for name, draw in _FIGURES]
    if (prices := market_prices(result)) is not None:
        figures.append(("market_prices", prices))
    if result.ensemble is not None:
        figures.append(("main_series", main_series(result)))
    if (events := time_to_event(result)) is not None:
        figures.append(("time_to_event", events))
    return save_figures(figures, folder)


# --- aggregation (plain numpy, tested on numbers) ---------------------------------------------

def us_deliveries_by_origin(run: RunRecord) -> np.ndarray:
    """Tonnes delivered to U.S. consumers per step by mine-origin country, [step, origin]."""
    us = [i for i, n in enumerate(run.nodes) if n.kind == "consumer" and n.country == "US"]
    return run.delivered_by_origin[:, us, :].sum(axis=1)


def mine_output_by_country(run: RunRecord) -> tuple[list[str], np.ndarray]:
    """Mine output per step summed by the mine's country: (countries, [step, country])."""
    countries = sorted({n.country for n in run.nodes if n.kind == "mine"})
    produced = run.arrays["produced_t"]
    columns = [produced[:, [i for i, n in enumerate(run.nodes)
                            if n.kind == "mine" and n.country == c]].sum(axis=1)
               for c in countries]
    return countries, np.stack(columns, axis=1) if columns else np.zeros((run.n_steps, 0))


def top_and_other(series: np.ndarray, labels: Sequence[str],
                  keep: int = MAX_AREAS) -> tuple[list[str], np.ndarray]:
    """Largest columns of [t, k] by total (all-zero ones dropped), the rest summed as "other"."""
    totals = series.sum(axis=0)
    order = [int(j) for j in np.argsort(-totals, kind="stable") if totals[j] > 0]
    if len(order) > keep:
        head, tail = order[: keep - 1], order[keep - 1:]
        other = series[:, tail].sum(axis=1, keepdims=True)
        return [labels[j] for j in head] + ["other"], np.hstack([series[:, head], other])
    return [labels[j] for j in order], series[:, order]


def days_of_cover(stock_t: np.ndarray, expected_use_t: np.ndarray, step_days: int) -> np.ndarray:
    """Stock over expected daily use, in days; NaN where no use is expected."""
    daily = expected_use_t / step_days
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(daily > 0, stock_t / np.where(daily > 0, daily, 1.0), np.nan)


def _stacked(ax: Axes, result: Result, columns: np.ndarray, labels: Sequence[str]) -> int:
    """Stacked areas of the mean over replications of per-step tonnes [rep, step, k], in t/yr.

    Each bin's rate is drawn at its middle, and the first and last are held out to the edges
    of the run so the areas span the whole date axis. Returns the number of areas drawn.
    """
    run = result.runs[0]
    bins = steps_per_bin(run.step_days, run.record_days)
    rate = annual_rate(columns.mean(axis=0), run.step_days, bins)
    names, rate = top_and_other(rate, labels)
    if not names:
        note(ax, "nothing to show: all zero")
        return 0
    days = bin_centres(run.n_steps, run.step_days, bins)
    days = np.concatenate([[0.0], days, [run.n_steps * run.step_days]])
    rate = np.vstack([rate[:1], rate, rate[-1:]])
    colors = country_colors(result)
    ax.stackplot(datetimes(run.start, days), rate.T, labels=names,
                 colors=[colors.get(n, OTHER_COLOR) for n in names], alpha=0.85, lw=0)
    return len(names)


# --- the figures -------------------------------------------------------------------------------

def _us_by_origin(result: Result) -> Figure:
    """U.S. consumption by the country where its tungsten was mined, stacked."""
    figure, (ax,) = new_figure()
    stacked = 0
    columns = np.stack([us_deliveries_by_origin(r) for r in result.runs])
    if not any(n.kind == "consumer" and n.country == "US" for n in result.runs[0].nodes):
        note(ax, "no U.S. consumers in this scenario")
    else:
        stacked = _stacked(ax, result, columns, result.runs[0].origins)
    run_title(figure, result, "deliveries to U.S. consumers by mine origin", "mean")
    finish_axes(ax, result, "t W per year (monthly average)", stacked)
    return figure


def _mine_output(result: Result) -> Figure:
    """Mine output by country, stacked, with total available capacity for comparison."""
    figure, (ax,) = new_figure()
    countries, _ = mine_output_by_country(result.runs[0])
    stacked = 0
    if not countries:
        note(ax, "no mines in this scenario")
    else:
        columns = np.stack([mine_output_by_country(r)[1] for r in result.runs])
        stacked = _stacked(ax, result, columns, countries)
        run = result.runs[0]
        mines = [i for i, n in enumerate(run.nodes) if n.kind == "mine"]
        capacity = np.mean([r.arrays["capacity_tpa"][:, mines].sum(axis=1) for r in result.runs],
                           axis=0)
        ax.plot(datetimes(run.start, run.days), capacity, color="black", lw=1.0, ls="--",
                label="available capacity\n(before utilization)")
    run_title(figure, result, "mine output by country", "mean")
    finish_axes(ax, result, "t W per year (monthly average)", stacked)
    return figure


def _shortfall(result: Result) -> Figure:
    """Unmet demand of each consumer that was ever short: t/yr, and as a share of its demand."""
    run = result.runs[0]
    bins = steps_per_bin(run.step_days, run.record_days)
    short = np.stack([r.arrays["shortfall_t"] for r in result.runs])
    demand = np.stack([r.arrays["demand_t"] for r in result.runs])
    totals = short.sum(axis=(0, 1))
    chosen = [int(i) for i in np.argsort(-totals, kind="stable") if totals[i] > 1e-9]
    figure, axes = new_figure(2 if chosen else 1)
    x = datetimes(run.start, bin_centres(run.n_steps, run.step_days, bins))
    palette = line_palette()
    for k, i in enumerate(chosen[:MAX_LINES]):
        rate = np.stack([annual_rate(s[:, i], run.step_days, bins) for s in short])
        wanted = np.stack([annual_rate(d[:, i], run.step_days, bins) for d in demand])
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(wanted > 0, 100.0 * rate / np.where(wanted > 0, wanted, 1.0), np.nan)
        draw_band(axes[0], x, rate, run.nodes[i].id, palette[k % len(palette)])
        draw_band(axes[1], x, share, run.nodes[i].id, palette[k % len(palette)])
    run_title(figure, result, "shortfall by consumer", "median and p5-p95")
    if not chosen:
        note(axes[0], "no consumer was ever short")
        finish_axes(axes[0], result, "t W per year (monthly average)")
        return figure
    if len(chosen) > MAX_LINES:
        hidden = len(chosen) - MAX_LINES
        note_corner(axes[0], f"{hidden} smaller consumers with shortfall not shown")
    axes[0].set_title("unmet demand", fontsize=10)
    axes[1].set_title("unmet share of each consumer's demand", fontsize=10)
    finish_axes(axes[0], result, "t W per year (monthly average)")
    finish_axes(axes[1], result, "% of demand", legend=False)
    axes[1].set_ylim(0, 105)
    return figure


def _cover_groups(run: RunRecord) -> list[tuple[str, list[int]]]:
    """Cover lines: each consumer if few, else U.S. ones alone and the others by country."""
    consumers = [i for i, n in enumerate(run.nodes) if n.kind == "consumer"]
    if len(consumers) <= MAX_LINES:
        return [(run.nodes[i].id, [i]) for i in consumers]
    us = [(run.nodes[i].id, [i]) for i in consumers if run.nodes[i].country == "US"]
    others = sorted({run.nodes[i].country for i in consumers} - {"US"})
    groups = [(f"{c} (all consumers)", [i for i in consumers if run.nodes[i].country == c])
              for c in others]
    return (us + groups)[:MAX_LINES]


def _cover(result: Result) -> Figure:
    """Consumers' stocks as days of expected use, and processors' stocks in tonnes."""
    run = result.runs[0]
    processors = [i for i, n in enumerate(run.nodes) if n.kind == "processor"]
    figure, axes = new_figure(2 if processors else 1)
    x = datetimes(run.start, run.days)
    palette = line_palette()
    groups = _cover_groups(run)
    for k, (label, idx) in enumerate(groups):
        cover = np.stack([days_of_cover(r.arrays["stock_t"][:, idx].sum(axis=1),
                                        r.arrays["expected_use_t"][:, idx].sum(axis=1),
                                        r.step_days) for r in result.runs])
        draw_band(axes[0], x, cover, label, palette[k % len(palette)])
    if not groups:
        note(axes[0], "no consumers in this scenario")
    axes[0].set_title("consumer stocks as days of cover (stock / expected daily use)", fontsize=10)
    finish_axes(axes[0], result, "days of cover")
    if processors:
        for k, i in enumerate(processors[:MAX_LINES]):
            stock = np.stack([r.arrays["stock_t"][:, i] for r in result.runs])
            draw_band(axes[1], x, stock, run.nodes[i].id, palette[(k + len(groups)) % len(palette)])
        axes[1].set_title("processor stocks (input and output, end of step)", fontsize=10)
        finish_axes(axes[1], result, "t W")
    run_title(figure, result, "stocks", "median and p5-p95")
    return figure


def _stockpile(result: Result) -> Figure:
    """Stockpile levels and what they released, as an annual rate."""
    run = result.runs[0]
    piles = [i for i, n in enumerate(run.nodes) if n.kind == "stockpile"]
    figure, axes = new_figure(2 if piles else 1)
    run_title(figure, result, "stockpiles", "median and p5-p95")
    if not piles:
        note(axes[0], "no stockpiles in this scenario")
        finish_axes(axes[0], result, "t W")
        return figure
    palette = line_palette()
    bins = steps_per_bin(run.step_days, run.record_days)
    x_bins = datetimes(run.start, bin_centres(run.n_steps, run.step_days, bins))
    for k, i in enumerate(piles[:MAX_LINES]):
        color = palette[k % len(palette)]
        stock = np.stack([r.arrays["stock_t"][:, i] for r in result.runs])
        draw_band(axes[0], datetimes(run.start, run.days), stock, run.nodes[i].id, color)
        released = np.stack([annual_rate(r.arrays["released_t"][:, i], r.step_days, bins)
                             for r in result.runs])
        draw_band(axes[1], x_bins, released, run.nodes[i].id, color)
    axes[0].set_title("stock at end of step", fontsize=10)
    axes[1].set_title("released to consumers", fontsize=10)
    finish_axes(axes[0], result, "t W")
    finish_axes(axes[1], result, "t W per year (monthly average)", legend=False)
    return figure


_FIGURES: tuple[tuple[str, Callable[[Result], Figure]], ...] = (
    ("us_deliveries_by_origin", _us_by_origin),
    ("shortfall_by_consumer", _shortfall),
    ("stocks_days_of_cover", _cover),
    ("stockpile_level", _stockpile),
    ("mine_output_by_country", _mine_output),
)
