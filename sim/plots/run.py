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

import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.common import (
    FIGSIZE,
    MAX_AREAS,
    MAX_LINES,
    OTHER_COLOR,
    country_colors,
    dated_figure,
    datetimes,
    draw_band,
    finish_axes,
    line_palette,
    note,
    note_corner,
    percent_axis,
    run_title,
    save_figures,
)
from sim.plots.main_series import main_series
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
    return save_figures(result_figures(result), folder)


def result_figures(result: Result) -> list[tuple[str, Figure]]:
    """The standard figures of `result` as (file stem, figure), not yet drawn."""
    figures = [(name, draw(result)) for name, draw in _FIGURES]
    if (prices := market_prices(result)) is not None:
        figures.append(("market_prices", prices))
    if result.ensemble is not None:
        figures.append(("main_series", main_series(result)))
    if (events := time_to_event(result)) is not None:
        figures.append(("time_to_event", events))
    return figures


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
    figure, (ax,) = dated_figure()
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
    figure, (ax,) = dated_figure()
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
    figure, axes = dated_figure(2 if chosen else 1)
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
        hidden = ", ".join(run.nodes[i].id for i in chosen[MAX_LINES:])
        note_corner(axes[0], wrap(f"smaller shortfalls not drawn: {hidden}", 110))
    axes[0].set_title("unmet demand", fontsize=10)
    axes[1].set_title("unmet share of each consumer's demand", fontsize=10)
    finish_axes(axes[0], result, "t W per year (monthly average)")
    finish_axes(axes[1], result, "share of demand", legend=False)
    axes[1].set_ylim(0, 105)
    percent_axis(axes[1], fractions=False)
    return figure


def _cover_groups(run: RunRecord) -> list[tuple[str, list[int]]]:
    """Cover lines: each consumer if few, else U.S. ones alone and the others by country
    (beyond MAX_LINES lines, the last ones summed, so every consumer is in some line)."""
    consumers = [i for i, n in enumerate(run.nodes) if n.kind == "consumer"]
    if len(consumers) <= MAX_LINES:
        return [(run.nodes[i].id, [i]) for i in consumers]
    us = [(run.nodes[i].id, [i]) for i in consumers if run.nodes[i].country == "US"]
    others = sorted({run.nodes[i].country for i in consumers} - {"US"})
    groups = us + [(f"{c}: " + ", ".join(run.nodes[i].id for i in consumers
                                         if run.nodes[i].country == c),
                    [i for i in consumers if run.nodes[i].country == c]) for c in others]
    return fold_tail(groups, lambda rest: "others: " + ", ".join(c.split(":")[0] for c in rest))


def fold_tail(groups: list[tuple[str, list[int]]], name: Callable[[list[str]], str],
              keep: int = MAX_LINES) -> list[tuple[str, list[int]]]:
    """`groups` of (label, members), the ones beyond `keep` summed into one named by `name`
    of their labels, so that no member is dropped."""
    if len(groups) <= keep:
        return groups
    rest = groups[keep - 1:]
    return [*groups[: keep - 1], (name([c for c, _ in rest]), [i for _, m in rest for i in m])]


def processor_groups(run: RunRecord) -> list[tuple[str, list[int]]]:
    """Processors by country, each labelled with its country and its processors' ids, so
    every processor is named; beyond MAX_LINES countries the last are summed as "others"."""
    processors = [i for i, n in enumerate(run.nodes) if n.kind == "processor"]
    countries = list(dict.fromkeys(run.nodes[i].country for i in processors))
    groups = [(c, [i for i in processors if run.nodes[i].country == c]) for c in countries]
    groups = fold_tail(groups, lambda rest: "others")
    return [(f"{c}: " + ", ".join(run.nodes[i].id for i in members), members)
            for c, members in groups]


def _cover(result: Result) -> Figure:
    """Consumers' stocks as days of expected use, and processors' stocks by country in
    tonnes (a country holding far more than the rest in a panel of its own)."""
    run = result.runs[0]
    x = datetimes(run.start, run.days)
    groups = processor_groups(run)
    stocks = [np.stack([r.arrays["stock_t"][:, idx].sum(axis=1) for r in result.runs])
              for _, idx in groups]
    panels = _split_largest(stocks, [label.split(":")[0] for label, _ in groups])
    figure, axes = dated_figure(1 + len(panels), height=max(FIGSIZE[1], 2.8 * (1 + len(panels))))
    palette = line_palette()
    cover_groups = _cover_groups(run)
    for k, (label, idx) in enumerate(cover_groups):
        cover = np.stack([days_of_cover(r.arrays["stock_t"][:, idx].sum(axis=1),
                                        r.arrays["expected_use_t"][:, idx].sum(axis=1),
                                        r.step_days) for r in result.runs])
        draw_band(axes[0], x, cover, label, palette[k % len(palette)])
    if not cover_groups:
        note(axes[0], "no consumers in this scenario")
    axes[0].set_title("consumer stocks as days of cover (stock / expected daily use)", fontsize=10)
    finish_axes(axes[0], result, "days of cover")
    colors = country_colors(result)
    for ax, (title, members) in zip(axes[1:], panels, strict=True):
        for g in members:
            label = groups[g][0]
            draw_band(ax, x, stocks[g], wrap(label), colors.get(label.split(":")[0], OTHER_COLOR))
        ax.set_title(title, fontsize=10)
        finish_axes(ax, result, "t W")
    run_title(figure, result, "stocks", "median and p5-p95")
    return figure


def _split_largest(stocks: list[np.ndarray],
                   names: list[str]) -> list[tuple[str, list[int]]]:
    """Processor panels: all countries in one, or the one holding over five times any other
    country's peak in a panel of its own, so the others' lines are not flattened."""
    if not stocks:
        return []
    what = "(input and output, end of step)"
    peaks = [float(np.nanmax(np.median(s, axis=0))) if s.size else 0.0 for s in stocks]
    order = np.argsort(peaks)[::-1]
    if len(stocks) > 1 and peaks[order[0]] > 5 * max(peaks[order[1]], 1e-9):
        top = int(order[0])
        return [(f"processor stocks in {names[top]} {what}", [top]),
                (f"processor stocks in the other countries {what}",
                 [g for g in range(len(stocks)) if g != top])]
    return [(f"processor stocks by country {what}", list(range(len(stocks))))]


def wrap(text: str, width: int = 32) -> str:
    """A legend label broken into lines that fit the legend column."""
    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def _stockpile(result: Result) -> Figure:
    """Stockpile levels and what they released, as an annual rate ("no releases" if none)."""
    run = result.runs[0]
    piles = [i for i, n in enumerate(run.nodes) if n.kind == "stockpile"]
    figure, axes = dated_figure(2 if piles else 1)
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
        if released.any():
            draw_band(axes[1], x_bins, released, run.nodes[i].id, color)
    if len(piles) > MAX_LINES:
        note_corner(axes[0], "not shown: " + ", ".join(run.nodes[i].id for i in piles[MAX_LINES:]))
    axes[0].set_title("stock at end of step", fontsize=10)
    axes[1].set_title("released to consumers", fontsize=10)
    if not any(r.arrays["released_t"][:, piles].any() for r in result.runs):
        note(axes[1], "no releases: no stockpile released anything in any replication")
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
