"""Results of a run with a market: price KPIs, purchase cost, price rows, bands, terminal line.

Hand-made runs with constant or hand-written prices, so every number is worked out here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.commands.terminal import price_lines, us_table
from sim.plots import plot_comparison, plot_result
from sim.records import NODE_VARIABLES, NodeRow, RunRecord
from sim.results.catalogue import kpi_keys, unit
from sim.results.ensemble import Ensemble, Replicate
from sim.results.kpis import kpi_rows, summarize
from sim.results.market import months_above, price_dates, price_line
from sim.results.result import Result
from sim.results.series import MARKET_SERIES, SERIES, main_series
from sim.results.tables import timeseries_blocks

START = dt.date(2026, 12, 1)
N_STEPS = 10
NODES = [NodeRow("us_mine", "mine", "US", None, "concentrate"),
         NodeRow("us_refiner", "processor", "US", None, "apt"),
         NodeRow("us_maker", "consumer", "US", "carbide", "powder"),
         NodeRow("cn_maker", "consumer", "CN", None, "powder")]
USD_T = 1000 / 7.93


def tiny_run(market: bool = True, record_days: int = 7, replication: int = 0) -> RunRecord:
    """US maker gets 2 t a step, CN maker 1 t; ex-China APT 400 $/mtu, powder +25; China 300."""
    a = {v: np.zeros((N_STEPS, len(NODES))) for v in NODE_VARIABLES}
    a["demand_t"][:, 2:] = a["delivered_t"][:, 2:] = [2.0, 1.0]
    a["expected_use_t"][:, 2:] = [2.0, 1.0]
    a["produced_t"][:, 0] = 3.0
    a["demand_destroyed_t"][:, 2] = 0.5
    a["scrap_added_t"][:, 1] = 0.25
    a["supply_added_t"][3:, 0] = 0.1
    by_origin = np.zeros((N_STEPS, len(NODES), 1))
    by_origin[:, 2:, 0] = [2.0, 1.0]
    prices = {}
    if market:
        ex = np.full(N_STEPS, 400.0)
        ex[3] = 650.0 + replication  # the peak: step 3 (day 21)
        prices = {"ex_china": ex, "ex_china:powder": ex + 25, "china": np.full(N_STEPS, 300.0),
                  "china:powder": np.full(N_STEPS, 325.0),
                  "cover_days:ex_china": np.arange(N_STEPS, dtype=float),
                  "cover_days:china": np.full(N_STEPS, 90.0), "openness": np.ones(N_STEPS)}
    return RunRecord(replication, START, 7, record_days, list(NODES), ["US"], a, by_origin,
                     a["produced_t"][:, :1], {}, 0.0, market=prices)


def kpis(run: RunRecord) -> dict[tuple[str, str], float]:
    return {(scope, kpi): value for _, scope, kpi, value in kpi_rows(run)}


# --- KPIs ------------------------------------------------------------------------------------

def test_purchase_cost_is_deliveries_times_the_product_price_in_the_consumers_market() -> None:
    k = kpis(tiny_run())
    us = (2.0 * 9 * 425 + 2.0 * 675) * USD_T / 1e6  # nine steps at 425, the peak step at 675
    cn = 1.0 * 10 * 325 * USD_T / 1e6
    assert k[("us_maker", "purchase_cost_musd")] == pytest.approx(us, rel=1e-12)
    assert k[("country:US", "purchase_cost_musd")] == pytest.approx(us, rel=1e-12)
    assert k[("cn_maker", "purchase_cost_musd")] == pytest.approx(cn, rel=1e-12)
    assert k[("world", "purchase_cost_musd")] == pytest.approx(us + cn, rel=1e-12)
    assert us == pytest.approx(1.134931, abs=1e-6)  # 9,000 t·$/mtu × 126.1 $/t per $/mtu


def test_market_flows_are_run_totals_of_their_kinds() -> None:
    k = kpis(tiny_run())
    assert k[("us_maker", "demand_destroyed_t")] == pytest.approx(5.0)
    assert k[("us_refiner", "scrap_added_t")] == pytest.approx(2.5)
    assert k[("us_mine", "supply_added_t")] == pytest.approx(0.7)
    assert k[("country:US", "supply_added_t")] == pytest.approx(0.7)


def test_price_kpis_of_the_world_scope() -> None:
    k = kpis(tiny_run())
    assert k[("world", "ex_china_peak_price_usd_mtu")] == 650.0
    assert k[("world", "ex_china_peak_price_day")] == 21.0
    assert k[("world", "ex_china_mean_price_usd_mtu")] == pytest.approx((9 * 400 + 650) / 10)
    assert k[("world", "ex_china_months_above_500")] == pytest.approx(7 / (365.25 / 12))
    assert k[("world", "ex_china_months_above_1000")] == 0.0
    assert k[("world", "china_months_above_400")] == 0.0
    # 2026-12-31 is day 30, in step 4 (days 28-34); the run ends before 2027-12-31
    assert k[("world", "ex_china_price_usd_mtu_2026-12-31")] == 400.0
    assert k[("world", "china_price_usd_mtu_2026-12-31")] == 300.0
    assert not any(kpi.startswith("ex_china_price_usd_mtu_2027") for _, kpi in k)
    assert ("country:US", "ex_china_peak_price_usd_mtu") not in k  # only the scope of all


def test_months_above_counts_steps_whose_price_ends_above() -> None:
    price = np.array([100.0, 600.0, 500.0, 600.0, 700.0])
    assert months_above(price, 500, 7) == pytest.approx(3 * 7 / 30.4375)
    assert months_above(price, 500, 30) == pytest.approx(3 * 30 / 30.4375)
    assert months_above(price, 700, 7) == 0.0


def test_price_dates_are_the_year_ends_within_the_run() -> None:
    assert price_dates(dt.date(2025, 1, 1), 3654) == [dt.date(y, 12, 31) for y in range(2025, 2035)]
    assert price_dates(dt.date(2025, 12, 31), 1) == [dt.date(2025, 12, 31)]
    assert price_dates(dt.date(2026, 1, 1), 364) == []


def test_no_market_means_no_market_kpis() -> None:
    k = kpis(tiny_run(market=False))
    names = {kpi for _, kpi in k}
    assert not names & {"purchase_cost_musd", "demand_destroyed_t", "scrap_added_t",
                        "supply_added_t"}
    assert not any("price" in name for name in names)


def test_units() -> None:
    assert unit("purchase_cost_musd") == "$ million"
    assert unit("ex_china_peak_price_usd_mtu") == "$/mtu WO3"
    assert unit("china_price_usd_mtu_2027-12-31") == "$/mtu WO3"
    assert unit("ex_china_peak_price_day") == "day of the run"
    assert unit("china_months_above_500") == "months"
    assert unit("demand_destroyed_t") == "t W"


def test_kpi_keys_of_a_scenario_with_a_market_are_those_a_run_reports() -> None:
    from sim.model import simulate
    from sim.scenario import load_scenario
    from sim.scenario.market import Market

    base = load_scenario(Path(__file__).parents[2] / "scenarios" / "baseline.yaml")
    market = Market.model_validate({
        "ex_china": {"reference_price": 335, "reference_cover_days": 85, "sensitivity": -1.0,
                     "adjustment_days": 90},
        "china": {"reference_price": 315, "reference_cover_days": 135, "sensitivity": -1.0,
                  "adjustment_days": 90}})
    scenario = base.model_copy(update={"market": market, "horizon_years": 2.0})
    ran = [(scope, kpi) for _, scope, kpi, _ in kpi_rows(simulate(scenario))]
    assert kpi_keys(scenario) == ran
    assert ("world", "ex_china_price_usd_mtu_2026-12-31") in ran
    assert ("country:US", "purchase_cost_musd") in ran


# --- timeseries.csv and bands ---------------------------------------------------------------------

def blocks(run: RunRecord, variables: str = "standard") -> dict[str, np.ndarray]:
    return {middle: values for middle, values in timeseries_blocks(run, variables)}


def test_price_rows_are_levels_at_the_end_of_each_record_interval() -> None:
    rows = blocks(tiny_run(record_days=14))
    price = rows["market:ex_china,price_usd_per_mtu,"]
    np.testing.assert_array_equal(price, [400.0, 650.0, 400.0, 400.0, 400.0])  # steps 1,3,5..
    np.testing.assert_allclose(rows["market:ex_china,price_usd_per_t,"], price * USD_T)
    np.testing.assert_array_equal(rows["market:ex_china,price_powder_usd_per_mtu,"], price + 25)
    np.testing.assert_array_equal(rows["market:ex_china,cover_days,"], [1, 3, 5, 7, 9])
    np.testing.assert_array_equal(rows["market:china,export_openness,"], np.ones(5))
    np.testing.assert_array_equal(rows["us_maker,demand_destroyed_t,"], np.full(5, 1.0))


def test_all_adds_the_market_flows_of_each_kind() -> None:
    rows = blocks(tiny_run(), "all")
    assert rows["us_mine,supply_added_t,"].sum() == pytest.approx(0.7)
    assert rows["us_refiner,scrap_added_t,"].sum() == pytest.approx(2.5)
    assert "us_mine,supply_added_t," not in blocks(tiny_run())  # standard: consumers only


def test_without_a_market_there_are_no_price_rows_nor_market_variables() -> None:
    for variables in ("standard", "all"):
        rows = blocks(tiny_run(market=False), variables)
        assert not any(m.startswith("market:") or "_added_t" in m or "destroyed" in m
                       for m in rows)


def test_bands_carry_both_prices_with_a_market_only() -> None:
    run = tiny_run()
    series = main_series(run)
    assert series.shape[0] == len(SERIES) + len(MARKET_SERIES)
    # bins of 4 steps: the first holds the peak step 3
    assert series[len(SERIES)].tolist()[:2] == [(3 * 400 + 650) / 4, 400.0]
    assert main_series(tiny_run(market=False)).shape[0] == len(SERIES)
    scenario = SimpleNamespace(start=START, end=START + dt.timedelta(days=70), step_days=7,
                               record_days=7)
    ensemble = Ensemble.collect([Replicate.of(tiny_run(replication=r)) for r in range(3)],
                                scenario)
    bands = ensemble.bands()
    assert bands.names[-2:] == MARKET_SERIES
    assert "ex_china_price_usd_mtu,0.0,28.0,2026-12-01," in bands.csv_text()


# --- what the user sees -------------------------------------------------------------------------

def result_of(runs: list[RunRecord], market: bool = True) -> Result:
    scenario = SimpleNamespace(name="tiny", events=[], start=START,
                               market=object() if market else None)
    return Result(scenario, runs, seed=0)


def test_terminal_price_lines_and_purchase_column() -> None:
    summary = summarize(list(kpi_rows(tiny_run())))
    assert price_line(summary, START) == \
        "ex-China APT: peak $650/mtu (2026-12), average $425/mtu"
    result = result_of([tiny_run()])
    assert price_lines(result).splitlines() == [
        "ex-China APT: peak $650/mtu (2026-12), average $425/mtu",
        "China APT: peak $300/mtu (2026-12), average $300/mtu"]
    assert "purchases $M" in us_table(result)
    plain = result_of([tiny_run(market=False)], market=False)
    assert price_lines(plain) == "" and "purchases" not in us_table(plain)


def test_plots_draw_prices_with_a_market(tmp_path: Path) -> None:
    paths = plot_result(result_of([tiny_run(replication=r) for r in range(3)]), tmp_path / "a")
    assert "market_prices.png" in {p.name for p in paths}
    paths = plot_result(result_of([tiny_run(market=False)], market=False), tmp_path / "b")
    assert "market_prices.png" not in {p.name for p in paths}


def test_compare_plots_add_prices_when_a_result_had_a_market(tmp_path: Path) -> None:
    scenario = SimpleNamespace(start=START, end=START + dt.timedelta(days=70), step_days=7,
                               record_days=7)

    def bands(market: bool):
        reps = [Replicate.of(tiny_run(market, replication=r)) for r in range(2)]
        return Ensemble.collect(reps, scenario).bands()

    paths = plot_comparison([("plain", bands(False)), ("priced", bands(True))], tmp_path / "a")
    assert "prices.png" in {p.name for p in paths}
    paths = plot_comparison([("plain", bands(False)), ("again", bands(False))], tmp_path / "b")
    assert "prices.png" not in {p.name for p in paths}
