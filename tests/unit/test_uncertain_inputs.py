"""Uncertain inputs (issue 14, item 1): distributions where a plain number or date stands,
drawn once per replication from a stream keyed by the value's path.

What the tests know: a date from date_uniform(d1, d2) is uniform on the days d1..d2 (a
Kolmogorov-Smirnov test over 1,000 replications, resolve only); number draws follow their
distributions (KS against scipy's triangular, uniform and truncated normal; discrete
frequencies); the same seed gives the same draws, another seed others; two scenarios share
the draws of a path they share (common random numbers); inputs naming one `stream:` move
together; the per-event fields keep their per-event distributions; the central value is what
validation and `simulate` see; scenario.resolved.yaml keeps the distributions; bad forms are
refused at their FILE:LINE:COL and key path (CLI refusals: tests/integration/test_uncertain_runs).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import numpy as np
import pytest
import yaml
from integration.test_bad_input import TINY, at, edit
from scipy import stats

from sim.errors import ScenarioError
from sim.results.writer import scenario_yaml
from sim.scenario import load_scenario
from sim.scenario.distributions import Triangular
from sim.scenario.uncertain import resolve, uncertain_inputs
from sim.scenario.uncertain_dist import parse

D1, D2 = dt.date(2025, 3, 1), dt.date(2026, 2, 28)  # 365 days, inside TINY's horizon


def load(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return load_scenario(path)


def with_online(value: str, text: str = TINY) -> str:
    return edit("capacity_tpa: 1000}", f"capacity_tpa: 1000, online: '{value}'}}", text)


def refusal(tmp_path, text) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(err.value.problems) == 1, str(err.value)
    return str(err.value)


# --- draws that know their distribution -------------------------------------------------------

def test_date_uniform_draws_are_uniform_over_its_days(tmp_path):
    s = load(tmp_path, with_online(f"date_uniform({D1}, {D2})"))
    assert s.mines[0].online == D1 + dt.timedelta(days=182)  # the central day
    days = []
    for r in range(1000):
        resolved, draws = resolve(s, r, seed=1)
        assert resolved.mines[0].online == draws["mines.m.online"]
        days.append((draws["mines.m.online"] - D1).days)
    days = np.array(days)
    assert days.min() >= 0 and days.max() <= 364
    span = (D2 - D1).days + 1  # 365 days, both ends included
    result = stats.kstest((days + 0.5) / span, "uniform")
    assert result.statistic < 1.36 / math.sqrt(1000)  # the 5% KS bound, 0.043
    assert result.pvalue > 0.05


def test_date_triangular_draws_follow_the_triangle(tmp_path):
    low, mode, high = dt.date(2025, 6, 1), dt.date(2025, 9, 1), dt.date(2026, 9, 1)
    s = load(tmp_path, with_online(f"date_triangular({low}, {mode}, {high})"))
    (u,) = uncertain_inputs(s)
    days = np.array([(u.draw(3, r) - low).days for r in range(1000)])
    scale = (high - low).days
    result = stats.kstest(days, stats.triang((mode - low).days / scale, 0, scale).cdf)
    assert result.statistic < 1.36 / math.sqrt(1000)
    assert s.mines[0].online == mode


@pytest.mark.parametrize("form, reference", [
    ({"dist": "triangular", "low": 100, "mode": 150, "high": 400},
     stats.triang(50 / 300, 100, 300)),
    ({"dist": "uniform", "low": 6000, "high": 12000}, stats.uniform(6000, 6000)),
    ({"dist": "normal", "mean": 10, "sd": 4, "low": 5, "high": 20},
     stats.truncnorm((5 - 10) / 4, (20 - 10) / 4, 10, 4)),
])
def test_number_draws_follow_their_distribution(tmp_path, form, reference):
    text = edit("capacity_tpa: 1000}", f"capacity_tpa: {yaml.safe_dump(form).strip()}}}"
                .replace("\n", ", ").replace("dist:", "{dist:") + "}")
    s = load(tmp_path, text)
    (u,) = uncertain_inputs(s)
    draws = [u.draw(1, r) for r in range(1000)]  # seed 1: a 5% test
    assert stats.kstest(draws, reference.cdf).statistic < 1.36 / math.sqrt(1000)


def test_discrete_draws_take_their_weights():
    d = parse({"dist": "discrete", "values": [6000, 12000], "weights": [0.4, 0.6]})
    rng = np.random.default_rng(0)
    values = [d.value(d.ppf(u)) for u in rng.random(4000)]
    assert set(values) == {6000, 12000}
    assert values.count(6000) / 4000 == pytest.approx(0.4, abs=0.025)  # 3 sd of 0.0077
    assert d.center() == 12000  # the weighted median


# --- streams: reproducible, shared where paths are ----------------------------------------------

def test_same_seed_same_draws_other_seed_others(tmp_path):
    s = load(tmp_path, with_online(f"date_uniform({D1}, {D2})"))
    first = [resolve(s, r, 1)[1] for r in range(20)]
    assert first == [resolve(s, r, 1)[1] for r in range(20)]
    assert first != [resolve(s, r, 2)[1] for r in range(20)]
    assert len({d["mines.m.online"] for d in first}) > 10


def test_two_scenarios_share_the_draws_of_a_path_they_share(tmp_path):
    """Common random numbers: another input, another node and another stream elsewhere
    change nothing of the draws of mines.m.online."""
    a = load(tmp_path, with_online(f"date_uniform({D1}, {D2})"), "a.yaml")
    other = TINY + textwrap.dedent("""\
        processors:
          - {id: p, country: US, inputs: [apt], output: apt, capacity_tpa: 10}
        """)
    other = edit("demand_tpa: 900", "demand_tpa: {dist: uniform, low: 800, high: 950}",
                 with_online(f"date_uniform({D1}, {D2})", other))
    b = load(tmp_path, other, "b.yaml")
    assert len(uncertain_inputs(b)) == 2
    for r in range(30):
        assert resolve(a, r, 9)[1]["mines.m.online"] == resolve(b, r, 9)[1]["mines.m.online"]


def test_inputs_naming_one_stream_move_together(tmp_path):
    text = with_online("x").replace(
        "online: 'x'", "online: {dist: triangular, low: 2025-06-01, mode: 2025-09-01, "
                       "high: 2026-06-01, stream: start}")
    text = edit("demand_tpa: 900",
                "demand_tpa: {dist: uniform, low: 800, high: 1000, stream: start}", text)
    s = load(tmp_path, text)
    dates = []
    for r in range(50):
        _, draws = resolve(s, r, 4)
        day = (draws["mines.m.online"] - dt.date(2025, 6, 1)).days
        dates.append((day, draws["consumers.c.demand_tpa"]))
    ranks = stats.spearmanr(*zip(*dates, strict=True)).statistic
    assert ranks > 0.999  # the same uniform number: comonotonic


# --- where a distribution is an uncertain input, and where it is not ---------------------------

def test_per_event_fields_keep_their_per_event_distributions(tmp_path):
    tri = "{dist: triangular, low: 5, mode: 10, high: 20}"
    text = edit("transit_days: 10", f"transit_days: {tri}")
    text = edit("initial_stock: 100", f"initial_stock: 100\n    noise: {tri}", text)
    text += textwrap.dedent(f"""\
        events:
          - {{kind: outage, at: 2025-06-01, node: m, duration_days: {tri}}}
          - {{kind: export_control, at: 2025-02-01, country: CN, mode: licence,
             delay_days: {tri}}}
        """)
    s = load(tmp_path, text)
    assert [u.path for u in uncertain_inputs(s)] == ["events.0.duration_days"]
    assert isinstance(s.consumers[0].suppliers[0].transit_days, Triangular)
    assert isinstance(s.consumers[0].noise, Triangular)
    assert isinstance(s.events[1].delay_days, Triangular)
    assert s.events[0].duration_days == 10.0  # the mode, until drawn
    resolved, draws = resolve(s, 0, 1)
    assert 5 <= draws["events.0.duration_days"] <= 20
    assert resolved.events[0].duration_days == draws["events.0.duration_days"]
    assert isinstance(resolved.consumers[0].noise, Triangular)
    assert uncertain_inputs(resolved) == ()


def test_a_scenario_without_uncertain_inputs_resolves_to_itself(tmp_path):
    s = load(tmp_path, TINY)
    assert resolve(s, 3, 1) == (s, {})
    assert resolve(s, 3, 1)[0] is s


def test_resolved_yaml_keeps_the_distributions_and_reloads_to_the_same_draws(tmp_path):
    text = edit("demand_tpa: 900", "demand_tpa: {dist: discrete, values: [800, 900], "
                "weights: [1, 3]}", with_online(f"date_uniform({D1}, {D2})"))
    s = load(tmp_path, text)
    written = scenario_yaml(s)
    assert f"online: date_uniform({D1}, {D2})" in written
    assert yaml.safe_load(written)["consumers"][0]["demand_tpa"] == \
        {"dist": "discrete", "values": [800, 900], "weights": [1, 3]}
    again = load(tmp_path, written, "again.yaml")
    assert uncertain_inputs(again) == uncertain_inputs(s)
    assert [resolve(again, r, 2)[1] for r in range(5)] == [resolve(s, r, 2)[1] for r in range(5)]


def test_an_input_set_after_loading_is_not_drawn(tmp_path):
    s = load(tmp_path, with_online(f"date_uniform({D1}, {D2})"))
    mine = s.mines[0].model_copy(update={"online": dt.date(2025, 5, 5)})
    fixed = s.model_copy(update={"mines": [mine]})
    resolved, draws = resolve(fixed, 0, 1)
    assert draws == {} and resolved.mines[0].online == dt.date(2025, 5, 5)


# --- refused at load: FILE:LINE:COL: PATH: message --------------------------------------------

@pytest.mark.parametrize("value, needle, message", [
    ("{dist: triangular, low: 900, mode: 800, high: 1000}", "900",
     "needs low <= mode <= high, got low=900, mode=800, high=1000"),
    ("{dist: uniform, low: 1000, high: 800}", "1000,", "needs low <= high"),
    ("{dist: normal, mean: 900, sd: 50}", "{dist: normal",
     "dist normal needs low (a truncated normal needs both bounds)"),
    ("{dist: lognormal, median: 900, sigma: 0.1}", "lognormal",
     "'lognormal' is not a per-replication distribution"),
    ("{dist: discrete, values: [800, 900], weights: [1]}", "[1]",
     "weights must be a list of 2 numbers"),
    ("{dist: uniform, low: -100, high: 900}", "{dist: uniform",
     "uniform(low=-100, high=900) can draw -100, and then consumers.c.demand_tpa: "),
])
def test_a_bad_number_distribution_is_refused_where_written(tmp_path, value, needle, message):
    text = edit("demand_tpa: 900", f"demand_tpa: {value}")
    err = refusal(tmp_path, text)
    assert f"bad.yaml:{at(text, needle)}: consumers.c.demand_tpa: " in err
    assert message in err


@pytest.mark.parametrize("value, message", [
    ("date_triangular(2025-06-01, 2025-09-01)", "date_triangular takes 3 dates, got 2"),
    ("date_triangular(2025-06-01, 2025-13-01, 2026-01-01)", "is not a valid date"),
    ("date_triangular(2025-06-01, June, 2026-01-01)", "'June' is not a date (YYYY-MM-DD)"),
    ("date_triangular(2025-09-01, 2025-06-01, 2026-01-01)", "needs low <= mode <= high"),
    ("date_normal(2025-06-01, 2026-01-01)", "date_normal is not a date distribution"),
    ("date_uniform(2026-06-01, 2027-06-01)", "reaches outside the horizon 2025-01-01 to "
     "2027-01-01 (it draws dates from 2026-06-01 to 2027-06-01)"),
])
def test_a_bad_date_distribution_is_refused_where_written(tmp_path, value, message):
    text = with_online(value)
    err = refusal(tmp_path, text)
    assert f"bad.yaml:{at(text, repr(value))}: mines.m.online: " in err  # at its quote
    assert message in err


def test_an_event_date_distribution_before_the_start_is_refused(tmp_path):
    text = TINY + "events:\n  - kind: outage\n    at: date_uniform(2024-06-01, 2025-06-01)\n" \
                  "    node: m\n    duration_days: 30\n"
    err = refusal(tmp_path, text)
    assert f"bad.yaml:{at(text, 'date_uniform')}: events.0.at: " in err
    assert "reaches outside the horizon" in err


def test_a_draw_that_breaks_a_cross_check_is_refused_at_load(tmp_path):
    """until must follow at: an `at` that can draw past `until` is refused before running."""
    text = TINY + "events:\n  - kind: demand\n    at: date_uniform(2025-03-01, 2025-09-01)\n" \
                  "    until: 2025-08-01\n    nodes: [c]\n    factor: 2\n"
    err = refusal(tmp_path, text)
    assert f"bad.yaml:{at(text, 'date_uniform')}: events.0.at: " in err
    assert "can draw 2025-09-01, and then events.0.until: 2025-08-01 is not after at" in err


def test_the_time_grid_cannot_be_uncertain(tmp_path):
    text = edit("step_days: 7", "step_days: {dist: discrete, values: [7, 14]}")
    err = refusal(tmp_path, text)
    assert f"bad.yaml:{at(text, '{dist')}: step_days: cannot be uncertain" in err
