"""Statistics: t and normal quantiles (scipy's) against tables, CIs of means and differences,
Wilson, the sequential-stopping rule, `SCOPE.KPI` text, and what-changed between scenarios,
checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenario_builder import build, consumer, export_control, mine, scenario, supplier

from sim.experiments.stopping import StopRule
from sim.results.catalogue import parse_kpi
from sim.results.changes import changes, value_text
from sim.results.stats import (
    halfwidth,
    mean_ci,
    normal_quantile,
    paired_ci,
    t_quantile,
    welch_ci,
    wilson,
)

# --- quantiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("df", "expected"), [
    (1, 12.706204736), (2, 4.302652730), (3, 3.182446305), (9, 2.262157163),
    (29, 2.045229642), (math.inf, 1.959963985), (1e9, 1.959963985)])
def test_t_quantile_0975_matches_tables(df: float, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-8)


def test_t_quantile_is_symmetric_and_takes_fractional_degrees_of_freedom() -> None:
    assert t_quantile(0.025, 9) == -t_quantile(0.975, 9)
    assert t_quantile(0.5, 3.7) == 0.0
    p = 0.9  # df = 1 (Cauchy) and df = 2 have closed forms
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-12)
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)),
                                             rel=1e-12)
    assert t_quantile(0.975, 4.5) < t_quantile(0.975, 4) < t_quantile(0.975, 3.5)
    with pytest.raises(ValueError, match="must be > 0"):
        t_quantile(0.975, 0)


def test_normal_quantile_known_values() -> None:
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-12)
    assert normal_quantile(0.05) == pytest.approx(-1.6448536269514722, abs=1e-12)
    assert normal_quantile(0.5) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        normal_quantile(0.0)


# --- intervals ------------------------------------------------------------------------------------

T2 = 4.302652729749464  # t(0.975, 2): 3 replications
T4 = 2.7764451051977987  # t(0.975, 4)


def test_mean_ci_by_hand() -> None:
    ci = mean_ci([1.0, 2.0, 3.0, math.nan])
    assert (ci.estimate, ci.n, ci.sd, ci.df) == (2.0, 3, 1.0, 2.0)
    assert ci.halfwidth == pytest.approx(T2 / math.sqrt(3), rel=1e-12)
    assert halfwidth([1.0, 2.0, 3.0]) == pytest.approx(T2 / math.sqrt(3), rel=1e-12)
    assert math.isnan(mean_ci([5.0]).low) and mean_ci([5.0]).estimate == 5.0
    assert halfwidth([5.0]) == math.inf


def test_paired_and_welch_differences_by_hand() -> None:
    a, b = [10.0, 12.0, 14.0], [11.0, 14.0, 15.0]
    # paired: d = (1, 2, 1), mean 4/3, sd sqrt(1/3), half-width t(.975, 2) sd / sqrt(3)
    p = paired_ci(a, b)
    assert p.estimate == pytest.approx(4 / 3)
    assert p.sd == pytest.approx(math.sqrt(1 / 3))
    assert p.halfwidth == pytest.approx(T2 * math.sqrt(1 / 3) / math.sqrt(3), rel=1e-12)
    assert p.method == "paired"
    # Welch: var a = 4, var b = 13/3; se^2 = 4/3 + 13/9 = 25/9;
    # df = (25/9)^2 / ((4/3)^2 / 2 + (13/9)^2 / 2) = (625/81) / (313/162) = 1250/313
    w = welch_ci(a, b)
    df = 1250 / 313
    assert w.df == pytest.approx(df)
    assert w.halfwidth == pytest.approx(t_quantile(0.975, df) * 5 / 3, rel=1e-12)
    assert p.halfwidth < w.halfwidth


def test_paired_difference_skips_replications_undefined_in_either() -> None:
    a = [1.0, math.nan, 3.0, 4.0]
    b = [2.0, 5.0, math.nan, 6.0]
    p = paired_ci(a, b)
    assert (p.n, p.estimate) == (2, 1.5)


def test_constant_samples_give_zero_width_intervals() -> None:
    w = welch_ci([1.0, 1.0], [3.0, 3.0])
    assert (w.estimate, w.low, w.high) == (2.0, 2.0, 2.0)
    assert paired_ci([1.0, 2.0], [2.0, 3.0]).halfwidth == 0.0


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (5, 10, 0.2366, 0.7634)])
def test_wilson_known_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_by_hand() -> None:
    z = 1.959963984540054
    p, n = 0.8, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson(8, 10) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert all(math.isnan(x) for x in wilson(0, 0))


# --- sequential stopping --------------------------------------------------------------------------

def test_parse_kpi_splits_at_the_last_dot() -> None:
    assert parse_kpi("country:US/group:defense.fill_rate") == ("country:US/group:defense",
                                                              "fill_rate")
    assert parse_kpi("us_nds.min_stock_t") == ("us_nds", "min_stock_t")
    with pytest.raises(ValueError, match=r"SCOPE\.KPI"):
        parse_kpi("fill_rate")


def test_stop_rule_finds_the_first_prefix_meeting_the_half_width() -> None:
    # Half-widths of the prefixes of length 3..12: 2.868, 1.523, 1.039, 0.790, 0.638, 0.536,
    # 0.462, ... so a target of 0.5 is first met with 9 replications.
    rule = StopRule(("world", "fill_rate"), halfwidth=0.5, min_replications=3)
    values = np.array([0.0, 2.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert halfwidth(values[:8]) > 0.5 >= halfwidth(values[:9])
    assert rule.first_meeting(values, 0) == 9
    assert rule.first_meeting(values[:8], 0) is None
    assert rule.first_meeting(values, 9) == 10  # only prefixes longer than those checked
    assert rule.next_batch(8, workers=2) == 8
    assert StopRule(("w", "k"), 1.0, max_replications=10).next_batch(8, workers=2) == 2
    with pytest.raises(ValueError, match="must be > 0"):
        StopRule(("w", "k"), 0.0)


# --- what changed ---------------------------------------------------------------------------------

def _two_scenarios():
    base = scenario(
        name="a", mines=[mine("m", 1000, source="USGS")],
        consumers=[consumer("c", 500, [supplier("m", 1.0, 10)], assumption="x")])
    other = scenario(
        name="b", mines=[mine("m", 1200, source="other source"), mine("n", 50, country="VN")],
        consumers=[consumer("c", 500, [supplier("m", 0.5, {"dist": "triangular", "low": 5,
                                                           "mode": 10, "high": 20}),
                                       supplier("n", 0.5, 10)], assumption="y")],
        events=[export_control(100, "ban")])
    return build(base), build(other)


def test_changes_list_parameters_by_path_and_skip_provenance() -> None:
    base, other = _two_scenarios()
    found = {c.parameter: (c.reference, c.value) for c in changes(base, other)}
    assert found["mines.m.capacity_tpa"] == ("1000", "1200")
    assert found["consumers.c.suppliers.m.share"] == ("1", "0.5")
    assert found["consumers.c.suppliers.m.transit_days"] == (
        "10", "triangular(low=5, mode=10, high=20)")
    assert found["mines.n"][0] == "(none)" and found["mines.n"][1].startswith("added {id: n")
    assert found["events.0"][1].startswith("added {")
    assert "consumers.c.suppliers.n" in found
    assert not any(p.endswith((".source", ".assumption")) or p == "name" for p in found)
    assert not any(p.startswith("mines.n.") for p in found)  # one row for an added node
    assert changes(base, base) == []
    # which series timeseries.csv holds changes no result
    assert changes(base, base.model_copy(update={"timeseries": "all"})) == []
    assert [c.parameter for c in changes(other, base)][-3:] == [
        "mines.n", "consumers.c.suppliers.n", "events.0"]


def test_value_text_is_short_and_exact() -> None:
    assert value_text(2000.0) == "2000"
    assert value_text(0.1) == "0.1"
    assert value_text(True) == "true"
    assert value_text(["apt", "powder"]) == "[apt, powder]"
