"""Plots: the aggregation helpers on numbers, and every figure written as a readable PNG."""

from __future__ import annotations

import datetime as dt
import struct
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.model import simulate
from sim.plots import (
    annual_rate,
    bin_centres,
    days_of_cover,
    mine_output_by_country,
    plot_result,
    steps_per_bin,
    top_and_other,
    us_deliveries_by_origin,
)
from sim.records import NODE_VARIABLES, NodeRow, RunRecord
from sim.results.result import Result
from sim.scenario import load_scenario

EXPECTED = {
    "us_deliveries_by_origin.png",
    "shortfall_by_consumer.png",
    "stocks_days_of_cover.png",
    "stockpile_level.png",
    "mine_output_by_country.png",
}
NODES = [
    NodeRow("cn_mine", "mine", "CN", None),
    NodeRow("vn_mine", "mine", "VN", None),
    NodeRow("us_maker", "consumer", "US", "carbide"),
    NodeRow("us_nds", "stockpile", "US", None),
    NodeRow("de_user", "consumer", "DE", None),
]
ORIGINS = ["CN", "VN", "US"]


def synthetic_run(replication: int = 0, n_steps: int = 52, stockpile: bool = True,
                  short: bool = True) -> RunRecord:
    """Two mines, a U.S. consumer short in steps 20-29, a German consumer, a U.S. stockpile."""
    nodes = NODES if stockpile else [n for n in NODES if n.kind != "stockpile"]
    ids = [n.id for n in nodes]
    a = {v: np.zeros((n_steps, len(nodes))) for v in NODE_VARIABLES}
    mine_cn, mine_vn, us = ids.index("cn_mine"), ids.index("vn_mine"), ids.index("us_maker")
    de = ids.index("de_user")
    a["produced_t"][:, mine_cn], a["produced_t"][:, mine_vn] = 10.0 + replication, 2.0
    a["capacity_tpa"][:, [mine_cn, mine_vn]] = [600.0, 120.0]
    a["demand_t"][:, [us, de]] = a["expected_use_t"][:, [us, de]] = 5.0
    a["stock_t"][:, [us, de]] = 20.0
    if short:
        a["shortfall_t"][20:30, us] = 3.0 + replication
        a["stock_t"][20:30, us] = 0.0
    a["delivered_t"][:, [us, de]] = a["demand_t"][:, [us, de]] - a["shortfall_t"][:, [us, de]]
    by_origin = np.zeros((n_steps, len(nodes), len(ORIGINS)))
    by_origin[:, us, 0] = a["delivered_t"][:, us] * 0.75
    by_origin[:, us, 1] = a["delivered_t"][:, us] * 0.25
    by_origin[:, de, 0] = a["delivered_t"][:, de]
    if stockpile:
        nds = ids.index("us_nds")
        a["released_t"][20:30, nds] = 1.0
        a["stock_t"][:, nds] = 100.0 - np.cumsum(a["released_t"][:, nds])
    produced = np.stack([a["produced_t"][:, mine_cn], a["produced_t"][:, mine_vn],
                         np.zeros(n_steps)], axis=1)
    return RunRecord(replication, dt.date(2026, 1, 1), 7, 7, list(nodes), ORIGINS, a,
                     by_origin, produced, {}, 0.0)


def synthetic_result(runs: list[RunRecord]) -> Result:
    """A Result around hand-made runs (Result does not type-check its scenario)."""
    return Result(SimpleNamespace(name="synthetic", events=[]), runs, seed=0)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def assert_all_written(paths: list[Path], folder: Path) -> None:
    """All five figures exist in `folder` as PNGs of a readable size."""
    assert {p.name for p in paths} == EXPECTED
    for path in paths:
        assert path.parent == folder
        width, height = png_size(path)
        assert 1200 <= width <= 2000 and 700 <= height <= 1200, (path.name, width, height)
        assert path.stat().st_size > 20_000, path.name


# --- aggregation -------------------------------------------------------------------------------

@pytest.mark.parametrize(("step_days", "record_days", "expected"),
                         [(7, 7, 4), (1, 1, 30), (7, 28, 4), (7, 91, 13), (30, 30, 1)])
def test_steps_per_bin_is_about_a_month_and_never_finer_than_the_record(
        step_days: int, record_days: int, expected: int) -> None:
    assert steps_per_bin(step_days, record_days) == expected


def test_annual_rate_averages_bins_including_a_short_last_one() -> None:
    flow = np.array([7.0, 7.0, 14.0, 14.0, 7.0])
    rate = annual_rate(flow, step_days=7, bin_steps=2)
    np.testing.assert_allclose(rate, [365.0, 730.0, 365.0])
    centres = bin_centres(5, step_days=7, bin_steps=2)
    np.testing.assert_allclose(centres, [7.0, 21.0, 31.5])


def test_annual_rate_keeps_trailing_axes() -> None:
    flow = np.ones((8, 3, 2))
    rate = annual_rate(flow, step_days=7, bin_steps=4)
    assert rate.shape == (2, 3, 2)
    np.testing.assert_allclose(rate, 365.0 / 7)


def test_us_deliveries_sum_us_consumers_only_by_origin() -> None:
    run = synthetic_run()
    us = us_deliveries_by_origin(run)
    assert us.shape == (run.n_steps, len(ORIGINS))
    np.testing.assert_allclose(us[0], [3.75, 1.25, 0.0])
    np.testing.assert_allclose(us[25], [1.5, 0.5, 0.0])
    np.testing.assert_allclose(us.sum(axis=1), run.arrays["delivered_t"][:, 2])


def test_top_and_other_keeps_the_largest_and_sums_the_rest() -> None:
    series = np.array([[1.0, 5.0, 0.0, 2.0, 3.0],
                       [1.0, 5.0, 0.0, 2.0, 3.0]])
    labels, kept = top_and_other(series, ["a", "b", "zero", "c", "d"], keep=3)
    assert labels == ["b", "d", "other"]
    np.testing.assert_allclose(kept, [[5.0, 3.0, 3.0], [5.0, 3.0, 3.0]])
    np.testing.assert_allclose(kept.sum(axis=1), series.sum(axis=1))
    labels, kept = top_and_other(series, ["a", "b", "zero", "c", "d"], keep=4)
    assert labels == ["b", "d", "c", "a"]


def test_days_of_cover_divides_by_daily_use_and_is_nan_without_use() -> None:
    cover = days_of_cover(np.array([70.0, 10.0, 5.0]), np.array([7.0, 0.0, 35.0]), step_days=7)
    np.testing.assert_allclose(cover, [70.0, np.nan, 1.0])


def test_mine_output_grouped_by_country() -> None:
    countries, output = mine_output_by_country(synthetic_run())
    assert countries == ["CN", "VN"]
    np.testing.assert_allclose(output[0], [10.0, 2.0])


# --- figures -----------------------------------------------------------------------------------

def test_plot_result_writes_every_figure(tmp_path: Path) -> None:
    folder = tmp_path / "plots" / "new"
    pyplot_before = "matplotlib.pyplot" in sys.modules
    paths = plot_result(synthetic_result([synthetic_run()]), folder)
    assert_all_written(paths, folder)
    assert pyplot_before or "matplotlib.pyplot" not in sys.modules


def test_plot_result_with_replications(tmp_path: Path) -> None:
    paths = plot_result(synthetic_result([synthetic_run(r) for r in range(3)]), tmp_path)
    assert_all_written(paths, tmp_path)


def test_plot_result_without_stockpile_or_shortfall(tmp_path: Path) -> None:
    run = synthetic_run(n_steps=30, stockpile=False, short=False)
    paths = plot_result(synthetic_result([run]), tmp_path)
    assert {p.name for p in paths} == EXPECTED
    assert all(png_size(p)[0] > 1200 for p in paths)


def test_plot_result_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "ban.yaml"
    path.write_text(textwrap.dedent("""\
        format: 1
        name: ban-plot
        start: 2026-01-01
        horizon_years: 2
        products: [apt]
        mines:
          - {id: cn_mine, country: CN, product: apt, capacity_tpa: 2000}
          - {id: vn_mine, country: VN, product: apt, capacity_tpa: 300}
        stockpiles:
          - id: us_nds
            country: US
            product: apt
            initial_stock: 200
            release: {to: [us_defense], max_tpa: 500}
        consumers:
          - id: us_defense
            country: US
            product: apt
            demand_tpa: 400
            priority: 1
            suppliers:
              - {from: cn_mine, share: 0.5, transit_days: 30}
              - {from: vn_mine, share: 0.5, transit_days: 20}
          - id: us_carbide
            country: US
            product: apt
            demand_tpa: 900
            suppliers: [{from: cn_mine, share: 1, transit_days: 30}]
        events:
          - {kind: export_control, at: 2026-06-01, until: 2027-03-01, country: CN, to: [US],
             mode: ban}
        """))
    scenario = load_scenario(path)
    result = Result(scenario, [simulate(scenario, r) for r in range(2)], seed=scenario.seed)
    paths = plot_result(result, tmp_path / "plots")
    assert_all_written(paths, tmp_path / "plots")


@pytest.mark.parametrize(("start", "days", "labels"), [
    (dt.date(2025, 1, 1), 20 * 365, [str(y) for y in range(2026, 2045, 2)]),
    (dt.date(2025, 7, 1), 4 * 365, ["2026", "2027", "2028", "2029"]),  # 4 model years, daily
    (dt.date(2025, 3, 1), 50 * 365, [str(y) for y in range(2030, 2076, 5)]),  # to 2075-02
])
def test_runs_of_four_years_or_more_get_a_tick_every_few_years_on_1_january(
        start: dt.date, days: int, labels: list[str]) -> None:
    from sim.plots.common import date_axes, new_figure

    figure, (ax,) = new_figure()
    ax.plot([dt.datetime.combine(start, dt.time())], [1.0])
    date_axes(ax, start, start + dt.timedelta(days=days), "t")
    figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
