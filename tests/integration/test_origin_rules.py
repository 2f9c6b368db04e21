"""`exclude_origins`: a consumer that may not take tungsten mined in, or bought from, some
countries (the DFARS 225.7018 rule for U.S. defense from 2027)."""

from __future__ import annotations

import numpy as np
from scenario_builder import consumer, mine, run, scenario, series, supplier


def _origin(record, node_id: str, country: str) -> np.ndarray:
    i = [n.id for n in record.nodes].index(node_id)
    return record.delivered_by_origin[:, i, record.origins.index(country)]


def _world(exclude_from_day: int | None, **defense_extra):
    """A Chinese and an Australian mine both supplying one defense consumer (7 t a step)."""
    extra = {"exclude_origins": ["CN", "RU", "KP", "IR"], **defense_extra}
    if exclude_from_day is not None:
        extra["exclude_from"] = f"2030-{1 + exclude_from_day // 30:02d}-01"
    return scenario(
        mines=[mine("cn_mine", 365, country="CN", initial_stock=100),
               mine("au_mine", 365, country="AU", initial_stock=100)],
        consumers=[consumer("us_defense", 365, [supplier("cn_mine", 0.5), supplier("au_mine", 0.5)],
                            cover_days=14, initial_stock=21, **extra)],
        horizon_years=1)


def test_no_excluded_origin_is_delivered_from_the_rule_on():
    """Before 2030-07-01 half comes from each mine; from then on none is Chinese, and the
    Australian mine (7 t a step of its own and 100 t of stock) covers all 7 t a step."""
    record = run(_world(exclude_from_day=181))
    cn = _origin(record, "us_defense", "CN")
    rule_step = 26  # 2030-07-01 is day 181: the first step starting on/after it is 26 (day 182)
    assert cn[:rule_step].sum() > 50
    assert cn[rule_step:].sum() == 0.0
    assert series(record, "shortfall_t", "us_defense")[rule_step:].max() <= 1e-9


def test_initial_chinese_stock_is_stranded_not_consumed():
    """The consumer's own initial stock is Chinese-origin here; under the rule from day 0 it
    is never consumed: deliveries are all Australian and the 21 t stay in stock."""
    record = run(_world(exclude_from_day=None, initial_origin="CN"))
    assert _origin(record, "us_defense", "CN").sum() == 0.0
    assert series(record, "stock_t", "us_defense")[-1] >= 21.0 - 1e-9
    assert record.totals["consumed"] > 0


def test_suppliers_located_in_excluded_countries_are_not_used():
    """An Australian-mined concentrate bought from a supplier located in China is refused
    too (processed in a covered country): with only that supplier, the consumer is short."""
    data = scenario(
        mines=[mine("au_mine", 365, country="AU", initial_stock=500)],
        processors=[{"id": "cn_plant", "country": "CN", "inputs": ["ore"], "output": "metal",
                     "capacity_tpa": 1000, "suppliers": [supplier("au_mine")]}],
        consumers=[consumer("us_defense", 365, [supplier("cn_plant")],
                            exclude_origins=["CN"])],
        products=["ore", "metal"], horizon_years=1)
    data["mines"][0]["product"] = "ore"
    record = run(data)
    assert series(record, "delivered_t", "us_defense").sum() == 0.0
    assert series(record, "shortfall_t", "us_defense").sum() > 300


W = 365 / 7  # t/yr that make 1 t a weekly step


def test_the_higher_priority_restricted_buyer_gets_the_allowed_stock_first():
    """A U.S. mine makes 10 t a step (U.S.-mined) and holds 1,000 t of Chinese-origin stock.
    Two consumers that exclude CN need 10 t a step each; `low` (priority 6) is listed before
    `high` (priority 1). Both are granted 10 t, but only 10 t are allowed: the priority 1
    buyer's shipment goes first and takes them, whatever the order of the list."""
    record = run(scenario(
        mines=[mine("s", 10 * W, country="US", initial_stock=1000, initial_origin="CN")],
        consumers=[consumer("low", 10 * W, [supplier("s")], priority=6, exclude_origins=["CN"]),
                   consumer("high", 10 * W, [supplier("s")], priority=1,
                            exclude_origins=["CN"])],
        horizon_years=0.1))
    np.testing.assert_allclose(series(record, "delivered_t", "high")[1:5], 10.0, rtol=1e-12)
    assert not series(record, "delivered_t", "low").any()


def test_a_restricted_buyer_reoffers_what_its_first_supplier_may_not_ship():
    """Consumer a excludes CN and needs 100 t a step, half from s (10 t a step allowed, the
    rest Chinese-origin) and half from t (100,000 t, Australian). s can ship 10 t, t ships
    50 t; the 40 t left are re-offered: not to s again (its 10 allowed tonnes are granted
    already) but to t, so a is never short after its first delivery."""
    record = run(scenario(
        mines=[mine("s", 10 * W, country="US", initial_stock=1000, initial_origin="CN"),
               mine("t", 0, country="AU", initial_stock=100_000)],
        consumers=[consumer("a", 100 * W, [supplier("s", 0.5), supplier("t", 0.5)],
                            exclude_origins=["CN"])],
        horizon_years=0.1))
    np.testing.assert_allclose(series(record, "shipped_t", "s")[:4], 10.0, rtol=1e-12)
    np.testing.assert_allclose(series(record, "shipped_t", "t")[:4], 90.0, rtol=1e-12)
    assert not series(record, "shortfall_t", "a")[1:].any()
