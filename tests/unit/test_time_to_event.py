"""Time to event: first-tonne KPIs from a hand-made RunRecord, the CDF, percentiles and
P(event by date) with Wilson intervals from hand-made replicate values, worked by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.records import NODE_VARIABLES, NodeRow, RunRecord
from sim.results.catalogue import kpi_names, parse_kpi, unit
from sim.results.events import TimeToEvent, new_origins, quantile, scope_events
from sim.results.kpis import kpi_rows
from sim.results.probabilities import ProbabilitySpec, parse_first_tonne, probabilities

START = dt.date(2030, 1, 1)
NODES = [NodeRow("kz_mine", "mine", "KZ", None), NodeRow("us_a", "consumer", "US", "defense"),
         NodeRow("us_b", "consumer", "US", None), NodeRow("de", "consumer", "DE", None)]
ORIGINS = ["CN", "KZ", "VN"]


def hand_run(n_steps: int = 10) -> RunRecord:
    """CN to every consumer from step 0 (5 t a step); KZ to us_a: 0.4 t on steps 3, 4 and 5
    (1 t reached by the end of step 5, cumulative 1.2 t), to us_b 0.7 t on step 4 (with us_a:
    1.5 t by the end of step 4); VN never."""
    a = {v: np.zeros((n_steps, len(NODES))) for v in NODE_VARIABLES}
    by_origin = np.zeros((n_steps, len(NODES), len(ORIGINS)))
    by_origin[:, 1:, 0] = 5.0
    by_origin[3:6, 1, 1] = 0.4
    by_origin[4, 2, 1] = 0.7
    a["delivered_t"][:] = by_origin.sum(axis=2)
    a["demand_t"][:, 1:] = a["expected_use_t"][:, 1:] = a["delivered_t"][:, 1:]
    produced = np.zeros((n_steps, len(ORIGINS)))
    return RunRecord(0, START, 7, 7, list(NODES), ORIGINS, a, by_origin, produced, {}, 0.0)


def test_first_tonne_days_of_a_hand_made_record():
    kpis = {(scope, kpi): value for _, scope, kpi, value in kpi_rows(hand_run())}
    assert kpis[("us_a", "first_tonne_day_from_KZ")] == 5 * 7  # 0.4 + 0.4 + 0.4 >= 1 on step 5
    assert math.isnan(kpis[("us_b", "first_tonne_day_from_KZ")])  # 0.7 t: never a tonne
    assert kpis[("country:US", "first_tonne_day_from_KZ")] == 4 * 7  # 0.4 + 0.4 + 0.7 = 1.5
    assert kpis[("world", "first_tonne_day_from_KZ")] == 4 * 7
    assert kpis[("country:US", "first_tonne_day_from_CN")] == 0.0  # there from the start
    assert math.isnan(kpis[("country:US", "first_tonne_day_from_VN")])
    assert math.isnan(kpis[("de", "first_tonne_day_from_KZ")])
    assert ("kz_mine", "first_tonne_day_from_KZ") not in kpis  # consumer scopes only


def test_first_tonne_kpis_are_in_the_catalogue():
    names = kpi_names({"consumer"}, ["CN", "KZ"], ["none"])
    assert names[-4:] == ["origin_share_processed_none", "first_tonne_day_from_CN",
                          "first_tonne_day_from_KZ", "final_stock_t"]
    assert names.index("first_tonne_day_from_KZ") == names.index("first_tonne_day_from_CN") + 1
    assert names.index("first_tonne_day_from_CN") > names.index("origin_share_processed_none")
    assert unit("first_tonne_day_from_KZ") == "day of the run"
    assert parse_kpi("country:US/group:defense.first_tonne_day_from_KZ") == (
        "country:US/group:defense", "first_tonne_day_from_KZ")


# --- distributions over replications ------------------------------------------------------

SEVEN_OF_TEN = np.array([100.0, 100.0, 200.0, 300.0, 300.0, 300.0, 400.0] + [np.nan] * 3)


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_seven_of_ten_by_a_date_is_0_7_with_the_wilson_interval():
    event = TimeToEvent("first tonne mined in KZ", SEVEN_OF_TEN, 10)
    p, low, high = event.p_by_day(500.0)
    assert p == 0.7
    assert (low, high) == pytest.approx(wilson_by_hand(7, 10), abs=1e-12)
    assert (low, high) == pytest.approx((0.3967781, 0.8922087), abs=1e-6)
    assert event.by_day(300.0) == (3, 10)  # "by D": on a step starting before D
    assert event.by_day(301.0) == (6, 10)
    assert event.by_day(0.0) == (0, 10)


def test_the_cdf_ends_below_one_when_the_event_does_not_always_happen():
    days, cdf = TimeToEvent("x", SEVEN_OF_TEN, 10).cdf()
    assert days.tolist() == [100.0, 200.0, 300.0, 400.0]
    assert cdf.tolist() == pytest.approx([0.2, 0.3, 0.6, 0.7])


def test_percentiles_count_never_as_after_the_end():
    event = TimeToEvent("x", SEVEN_OF_TEN, 10)
    # sorted: 100 100 200 300 300 300 400 inf inf inf; h = 9q
    p5, p50, p95 = event.quantiles()
    assert p5 == pytest.approx(100.0)  # h = 0.45 between 100 and 100
    assert p50 == pytest.approx(300.0)  # h = 4.5 between 300 and 300
    assert p95 == math.inf  # h = 8.55 among the replications without it
    assert quantile(SEVEN_OF_TEN, 100 * 6 / 9) == pytest.approx(400.0)
    assert quantile(np.array([10.0, 20.0, 40.0]), 75) == pytest.approx(30.0)  # numpy's rule
    assert quantile(np.array([10.0, 20.0, 40.0]), 75) == np.percentile([10, 20, 40], 75)
    assert math.isnan(quantile(np.array([]), 50))


def test_probability_spec_counts_first_tonnes_by_a_date():
    keys = [("country:US", "fill_rate"), ("country:US", "first_shortfall_day"),
            ("country:US", "first_tonne_day_from_KZ")]
    values = np.stack([np.ones(10), np.full(10, np.nan), SEVEN_OF_TEN])
    spec = ProbabilitySpec((0.95,), (START + dt.timedelta(days=400),),
                           (("KZ", START + dt.timedelta(days=301)),))
    items = {p.key: p for p in probabilities(keys, values, spec, START)}
    item = items["prob_first_tonne_from_KZ_by_2030-10-29"]
    assert (item.successes, item.n, item.p) == (6, 10, 0.6)
    assert item.interval == pytest.approx(wilson_by_hand(6, 10), abs=1e-12)
    assert items["prob_no_shortfall_by_2031-02-05"].successes == 10


def test_probability_spec_resolves_the_end_and_checks_dates():
    spec = ProbabilitySpec(first_tonne_by=(("KZ", None),)).resolve(START, dt.date(2031, 1, 1))
    assert spec.first_tonne_by == (("KZ", dt.date(2031, 1, 1)),)
    with pytest.raises(ValueError, match="first-tonne"):
        ProbabilitySpec(first_tonne_by=(("KZ", START),)).resolve(START, dt.date(2031, 1, 1))


def test_parse_first_tonne():
    assert parse_first_tonne("KZ") == ("KZ", None)
    assert parse_first_tonne("KZ@2030-06-30") == ("KZ", dt.date(2030, 6, 30))
    for bad in ("", "@2030-01-01", "KZ@June", "K Z"):
        with pytest.raises(ValueError):
            parse_first_tonne(bad)


def test_scope_events_and_new_origins():
    keys = [("country:US", "first_shortfall_day"), ("country:US", "recovery_day"),
            ("country:US", "first_tonne_day_from_CN"), ("country:US", "first_tonne_day_from_KZ"),
            ("country:US", "first_tonne_day_from_RW"), ("country:US", "first_tonne_day_from_VN")]
    values = np.array([[7.0, np.nan, 14.0], [70.0, np.nan, np.nan], [0.0, 0.0, 0.0],
                       [140.0, 147.0, np.nan], [np.nan] * 3, [np.nan] * 3])
    assert new_origins(keys, values, "country:US") == ["KZ"]
    assert new_origins(keys, values, "country:US", ["VN"]) == ["KZ", "VN"]
    events = scope_events(keys, values, "country:US", ["KZ"])
    assert [e.label for e in events] == ["first shortfall", "recovery (2 short)",
                                         "first tonne mined in KZ"]
    recovery = events[1]
    assert recovery.n == 2 and recovery.by_day(1000.0) == (1, 2)  # of the 2 short
