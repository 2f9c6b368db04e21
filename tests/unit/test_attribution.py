"""Shortfall attribution (issue 14, item 4) on networks whose answers are worked by hand.

Weekly steps, consumers of 365 t/yr (7 t a step), zero transit, events on step boundaries
(day = 7k). A mine of 365 t/yr without stock makes exactly what its consumer uses, so an
outage of d days (capacity_left 0) loses d t for good: d t of shortfall, nothing to catch up.
"""

from __future__ import annotations

import numpy as np
import pytest
from scenario_builder import build, consumer, day, export_control, mine, scenario, supplier

from sim.errors import ScenarioError
from sim.experiments.attribution import (
    INTERACTION,
    NONE,
    TOTAL,
    attributed_kpis,
    counterfactuals,
    event_names,
    run_attribution,
    select_events,
    shown_scopes,
)


def outage(node: str, at_day: int, days: int, id: str) -> dict:
    return {"kind": "outage", "id": id, "node": node, "at": day(at_day), "duration_days": days}


def means(attribution, key) -> dict[str, float]:
    return {name: float(np.mean(v)) for name, v in attribution.components(key).items()}


def two_independent():
    """Mine ma (CN) feeds consumer ca (US), mine mb (AU) feeds cb (DE); ma is out 28 days
    from day 70, mb 56 days from day 140. No stock beyond one step at the consumers."""
    return build(scenario(
        mines=[mine("ma", 365, country="CN"), mine("mb", 365, country="AU")],
        consumers=[consumer("ca", 365, [supplier("ma")], initial_stock=7),
                   consumer("cb", 365, [supplier("mb")], initial_stock=7, country="DE")],
        events=[outage("ma", 70, 28, "a_out"), outage("mb", 140, 56, "b_out")]))


def test_independent_events_each_own_outage_times_demand_and_no_interaction():
    """ca loses 28 days x 1 t/day = 28 t, all from a_out; cb 56 t, all from b_out; the
    world 84 t = 28 + 56; with no events nothing is short; interaction 0 everywhere."""
    s = two_independent()
    result = run_attribution(s, select_events(s), replications=1)
    expected = {"ca": (28.0, 28.0, 0.0), "country:US": (28.0, 28.0, 0.0),
                "cb": (56.0, 0.0, 56.0), "country:DE": (56.0, 0.0, 56.0),
                "world": (84.0, 28.0, 56.0)}
    for scope, (total, a, b) in expected.items():
        got = means(result, (scope, "shortfall_t"))
        assert got == pytest.approx({TOTAL: total, NONE: 0.0, "a_out": a, "b_out": b,
                                     INTERACTION: 0.0}, abs=1e-9), scope


def test_overlapping_outages_interaction_is_the_overlap():
    """One mine, one consumer; outage 'first' days 70-126, 'second' days 98-154 (8 weeks
    each, 4 weeks in common). Together: days 70-154 lost, 84 t. Without first: 56 t, so
    first's own effect is 84 - 56 = 28 t (its weeks alone), second's likewise 28 t; the
    4 overlapping weeks (28 t) are caused by either alone and by neither own effect:
    interaction = 84 - 0 - 28 - 28 = +28 t."""
    s = build(scenario(mines=[mine("m", 365)],
                       consumers=[consumer("c", 365, [supplier("m")], initial_stock=7)],
                       events=[outage("m", 70, 56, "first"), outage("m", 98, 56, "second")]))
    result = run_attribution(s, select_events(s), replications=1)
    assert means(result, ("c", "shortfall_t")) == pytest.approx(
        {TOTAL: 84.0, NONE: 0.0, "first": 28.0, "second": 28.0, INTERACTION: 28.0}, abs=1e-9)


def complementary_bans():
    """A US consumer buys half from a CN and half from an AU mine, each able to cover all of
    it (3,650 t/yr, 1,000 t in stock); both are banned to all from day 70 to day 98; a third
    mine 'idle' that nobody buys from closes on day 14."""
    return build(scenario(
        mines=[mine("cn", 3650, country="CN", initial_stock=1000),
               mine("au", 3650, country="AU", initial_stock=1000),
               mine("idle", 100, country="KZ")],
        consumers=[consumer("us", 365, [supplier("cn", 0.5), supplier("au", 0.5)],
                            initial_stock=7)],
        events=[export_control(70, "ban", country="CN", until_day=98, id="cn_ban"),
                export_control(70, "ban", country="AU", until_day=98, id="au_ban"),
                {"kind": "capacity", "id": "idle_closed", "node": "idle", "at": day(14),
                 "factor": 0.0}]))


def test_bans_acting_only_together_give_a_negative_interaction_and_idle_event_zero():
    """Either ban alone: the other mine covers (re-offer), 0 t short. Both: 4 weeks lost,
    28 t. Each own effect is 28 - 0 = 28 t, so the interaction is 28 - 0 - 56 = -28 t. The
    closure of a mine nobody buys from has no effect: 0."""
    s = complementary_bans()
    result = run_attribution(s, select_events(s), replications=1)
    assert means(result, ("us", "shortfall_t")) == pytest.approx(
        {TOTAL: 28.0, NONE: 0.0, "cn_ban": 28.0, "au_ban": 28.0, "idle_closed": 0.0,
         INTERACTION: -28.0}, abs=1e-9)


def test_chosen_events_only_others_stay_in_every_run():
    """Attributing a_out alone: b_out stays, so "no events" is cb's 56 t; two runs only."""
    s = two_independent()
    chosen = select_events(s, ["a_out"])
    assert [label for label, _ in counterfactuals(s, chosen)] == [TOTAL, NONE]
    result = run_attribution(s, chosen, replications=1)
    assert means(result, ("world", "shortfall_t")) == pytest.approx(
        {TOTAL: 84.0, NONE: 56.0, "a_out": 28.0, INTERACTION: 0.0}, abs=1e-9)


def test_events_named_by_id_or_index_and_unknown_ones_refused_together():
    s = build(scenario(mines=[mine("m", 365)], consumers=[consumer("c", 365, [supplier("m")])],
                       events=[outage("m", 70, 7, "x"),
                               {"kind": "outage", "node": "m", "at": day(140),
                                "duration_days": 7}]))
    assert event_names(s) == ["x", "events.1"]
    assert select_events(s) == [0, 1]
    assert select_events(s, ["events.1", "x"]) == [0, 1]
    assert select_events(s, ["1"]) == [1]
    with pytest.raises(ScenarioError) as err:
        select_events(s, ["y", "events.7"])
    texts = [str(p) for p in err.value.problems]
    assert len(texts) == 2 and all("no such event" in t for t in texts)
    assert "x, events.1" in texts[0]


def test_replications_share_random_numbers_and_the_parts_add_up():
    """Consumer ca's demand is noisy (its shortfall differs by replication); cb's is not.
    Every replication's total is exactly no events + own effects + interaction, and b_out's
    own effect on the world is exactly cb's 56 t in every replication: ca's noise is the same
    in every run (common random numbers), so it cancels."""
    data = scenario(
        mines=[mine("ma", 365, country="CN"), mine("mb", 365, country="AU")],
        consumers=[consumer("ca", 365, [supplier("ma")], initial_stock=7,
                            noise={"dist": "normal", "mean": 1.0, "sd": 0.2}),
                   consumer("cb", 365, [supplier("mb")], initial_stock=7, country="DE")],
        events=[outage("ma", 70, 28, "a_out"), outage("mb", 140, 56, "b_out")])
    s = build(data)
    result = run_attribution(s, select_events(s), replications=3, seed=5, workers=2)
    assert result.n == 3
    for key in result.keys:
        parts = result.components(key)
        rebuilt = parts[NONE] + parts["a_out"] + parts["b_out"] + parts[INTERACTION]
        np.testing.assert_allclose(rebuilt, parts[TOTAL], rtol=0, atol=1e-9)
    world = result.components(("world", "shortfall_t"))
    assert len(set(world[TOTAL].round(6))) == 3  # the noise is there
    np.testing.assert_allclose(world["b_out"], 56.0, rtol=0, atol=1e-9)
    rows = {(r.scope, r.label): r.interval for r in result.rows()}
    assert rows["world", "b_out"].n == 3
    assert rows["world", "b_out"].low == pytest.approx(56.0)


def test_kpis_default_and_unknown():
    s = two_independent()
    assert {kpi for _, kpi in attributed_kpis(s)} == {"shortfall_t"}  # no market
    assert ("country:US", "fill_rate") in attributed_kpis(s, ["fill_rate"])
    with pytest.raises(ScenarioError, match="no such KPI"):
        attributed_kpis(s, ["produced_t"])


def test_shown_scopes_leave_out_zeros_and_merge_equal_ones():
    s = two_independent()
    result = run_attribution(s, select_events(s), replications=1)
    assert shown_scopes(result, "shortfall_t") == [
        ("world", []), ("country:US", ["ca"]), ("country:DE", ["cb"])]
