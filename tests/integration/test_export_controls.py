"""Export controls with teeth, and origins that say where material was processed (issue 12).

Small networks whose answers are known: a re-export control stops Chinese material reaching
the U.S. through Japan while Japan's other material still flows; at enforcement 0.5 about
half of what would have leaked does; a licence approval of 0.4 passes about 40% of the
tonnes asked; a DFARS rule by processing country refuses Vietnamese ore refined in China;
a processor stamps its country and keeps where the tungsten was mined.

Sampling: approvals and re-export checks are one draw per shipment (a step), so a share
over n steps has standard error sqrt(p (1 − p) / n); daily steps over four years give
n = 1,460 and a standard error of 0.013 at p = 0.5, and the tests allow 0.05 (about 4 of
them) around the expected share.
"""

from __future__ import annotations

import numpy as np
import pytest
from scenario_builder import (
    consumer,
    export_control,
    kpis,
    mine,
    node_index,
    processor,
    run,
    scenario,
    series,
    supplier,
)

WEEK = 7.0


def mined(record, node: str, country: str) -> np.ndarray:
    """Tonnes a consumer received per step that were mined in `country`."""
    if country not in record.origins:  # no material of that origin in the whole run
        return np.zeros(record.n_steps)
    return record.delivered_by_origin[:, node_index(record, node), record.origins.index(country)]


def processed(record, node: str, country: str) -> np.ndarray:
    """Tonnes a consumer received per step that were last processed in `country`."""
    if country not in record.processed_in:
        return np.zeros(record.n_steps)
    return record.delivered_by_processed[:, node_index(record, node),
                                         record.processed_in.index(country)]


def japan_converts(events: list[dict], *, cn_tpa: float = 730, au_tpa: float = 730,
                   step_days: int = 7, horizon_years: float = 1) -> dict:
    """Chinese and Australian APT mines; a Japanese converter buying both; U.S. and
    Japanese consumers of 365 t/yr buying its powder (no initial stocks, transit 0)."""
    return scenario(
        mines=[mine("cn", cn_tpa, country="CN", product="apt"),
               mine("au", au_tpa, country="AU", product="apt")],
        processors=[processor("jp", 36500, [supplier("cn"), supplier("au")], country="JP",
                              input="apt", output="powder")],
        consumers=[consumer("us", 365, [supplier("jp")], country="US", product="powder"),
                   consumer("jpc", 365, [supplier("jp")], country="JP", product="powder")],
        events=events, step_days=step_days, horizon_years=horizon_years)


def reexport_ban(enforcement: float = 1.0) -> dict:
    return export_control(0, "ban", to=["US"], reexport=True, enforcement=enforcement)


def test_reexport_control_stops_chinese_material_but_not_the_converters_other_origins():
    """With the ban and re-export control in force, the Japanese converter serves the U.S.
    only from Australian-mined material, and its Chinese-mined material goes to Japan.
    (Pipelines start empty: the mines' first output reaches the converter in week 1 and
    its powder the consumers in week 2, so they are short in weeks 0 and 1 only.)"""
    record = run(japan_converts([reexport_ban()]))
    assert not mined(record, "us", "CN").any()
    assert mined(record, "us", "AU").sum() > 0
    assert mined(record, "jpc", "CN").sum() > 0
    np.testing.assert_allclose(processed(record, "us", "JP")[2:], WEEK, rtol=1e-9)
    assert kpis(record)[("us", "shortfall_t")] == pytest.approx(2 * WEEK)
    free = run(japan_converts([]))  # the same world without the control leaks
    assert mined(free, "us", "CN").sum() > 0


def test_reexport_control_stops_chinese_processed_material_through_a_trader():
    """Australian ore refined in China and passed on by a Japanese trader (input = output,
    so it keeps its origin) is Chinese-processed: the control stops it; the trader's
    Japanese-refined material still reaches the U.S."""
    data = scenario(
        mines=[mine("au", 730, country="AU", product="ore")],
        processors=[
            processor("cnref", 36500, [supplier("au")], country="CN", input="ore",
                      output="apt"),
            processor("jpref", 36500, [supplier("au")], country="JP", input="ore",
                      output="apt"),
            processor("trader", 36500, [supplier("cnref"), supplier("jpref")], country="JP",
                      input="apt", output="apt")],
        consumers=[consumer("us", 365, [supplier("trader")], country="US", product="apt"),
                   consumer("jpc", 365, [supplier("trader")], country="JP", product="apt")],
        events=[reexport_ban()])
    record = run(data)
    assert not processed(record, "us", "CN").any()
    assert processed(record, "us", "JP").sum() > 0
    assert processed(record, "jpc", "CN").sum() > 0


@pytest.mark.parametrize("enforcement", [0.5, 0.8])
def test_at_partial_enforcement_that_share_of_the_leak_is_stopped(enforcement):
    """The converter holds only Chinese-mined material, so all the U.S. gets leaks: at
    enforcement 0, 1 t a day; at enforcement e, (1 − e) of it, as each day's shipment is
    checked with probability e (daily steps, four years)."""
    def leaked(e: float) -> float:
        data = japan_converts([reexport_ban(e)], au_tpa=0, step_days=1, horizon_years=4)
        return float(mined(run(data), "us", "CN").sum())
    share = leaked(enforcement) / leaked(0.0)
    assert share == pytest.approx(1 - enforcement, abs=0.05)


def licence_world(approval, **extra) -> dict:
    """A Chinese mine of 3,650 t/yr selling to a U.S. consumer of 365 t/yr and a defense
    consumer of 365 t/yr under a licence regime from day 0 (daily steps, four years)."""
    control = export_control(0, "licence", to=["US"], delay_days=0.0, approval=approval,
                             **extra)
    return scenario(
        mines=[mine("cn", 3650, country="CN", initial_stock=100)],
        consumers=[consumer("us", 365, [supplier("cn")], country="US"),
                   consumer("def", 365, [supplier("cn")], country="US", group="defense")],
        events=[control], step_days=1, horizon_years=4)


def test_licence_approval_of_forty_percent_passes_forty_percent_of_the_tonnes():
    """Each day's shipment is one application, granted with probability 0.4; a refused one
    is not delayed, and the next day's order is one day's demand again."""
    record = run(licence_world(0.4))
    asked = series(record, "demand_t", "us")[1:].sum()
    shipped = series(record, "delivered_t", "us")[1:].sum()
    assert shipped / asked == pytest.approx(0.4, abs=0.05)


def test_licences_for_a_refused_end_use_are_never_granted():
    record = run(licence_world(1.0, refuse_groups=["defense"]))
    assert not series(record, "delivered_t", "def").any()
    assert series(record, "delivered_t", "us")[1:].sum() == pytest.approx(
        series(record, "demand_t", "us")[1:].sum(), rel=1e-9)


def test_approval_schedule_falls_on_its_dates():
    """Approval 1 for the first two years, then 0: nothing is granted after day 730."""
    record = run(licence_world([{"from": "2030-01-01", "approval": 1.0},
                                {"from": "2032-01-01", "approval": 0.0}]))
    delivered = series(record, "delivered_t", "us")
    assert delivered[1:730].sum() == pytest.approx(729.0, rel=1e-9)
    assert not delivered[731:].any()


def dfars_world(**rule) -> dict:
    """Vietnamese ore refined in China or in the U.S. (shares 1:1), bought by a U.S.
    defense consumer of 365 t/yr."""
    return scenario(
        mines=[mine("vn", 3650, country="VN", product="ore")],
        processors=[
            processor("cnref", 3650, [supplier("vn")], country="CN", input="ore", output="apt"),
            processor("usref", 3650, [supplier("vn")], country="US", input="ore", output="apt")],
        consumers=[consumer("def", 365, [supplier("cnref"), supplier("usref")], country="US",
                            product="apt", group="defense", **rule)],
        horizon_years=1)


def test_dfars_rule_by_processing_country_refuses_vietnamese_ore_refined_in_china():
    record = run(dfars_world(exclude_processed=["CN"]))
    assert not processed(record, "def", "CN").any()
    assert processed(record, "def", "US")[1:].sum() > 0
    assert not mined(record, "def", "CN").any()  # and all of it was mined in Vietnam
    free = run(dfars_world())
    assert processed(free, "def", "CN")[1:].sum() > 0


def test_a_processor_keeps_where_tungsten_was_mined_and_stamps_its_country():
    """Mines of 365 t/yr (CN) and 1,095 t/yr (AU) sell everything to a Japanese converter
    (yield 1, no delay) whose one customer uses 1,460 t/yr: from the second week on it
    receives a quarter Chinese-mined and three quarters Australian-mined, all processed in
    Japan."""
    data = scenario(
        mines=[mine("cn", 365, country="CN", product="apt"),
               mine("au", 1095, country="AU", product="apt")],
        processors=[processor("jp", 36500, [supplier("cn", 1), supplier("au", 3)],
                              country="JP", input="apt", output="powder")],
        consumers=[consumer("c", 1460, [supplier("jp")], country="US", product="powder")])
    record = run(data)
    got = series(record, "delivered_t", "c")[2:]
    np.testing.assert_allclose(mined(record, "c", "CN")[2:], 0.25 * got, rtol=1e-9)
    np.testing.assert_allclose(mined(record, "c", "AU")[2:], 0.75 * got, rtol=1e-9)
    np.testing.assert_allclose(processed(record, "c", "JP")[2:], got, rtol=1e-9)


def test_an_origin_rule_event_binds_a_group_from_its_date():
    """`kind: origin_rule` on group defense from day 182: before it the defense consumer
    takes China-refined material as it comes; from its first step on, none."""
    data = dfars_world()
    data["consumers"][0]["group"] = "defense"
    data["events"] = [{"kind": "origin_rule", "at": "2030-07-02", "group": "defense",
                       "exclude_processed": ["CN"]}]
    record = run(data)
    cn = processed(record, "def", "CN")
    first = 26  # 2030-07-02 is day 182 = step 26 of weekly steps
    assert cn[1:first].sum() > 0
    assert not cn[first:].any()
