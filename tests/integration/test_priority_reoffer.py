"""Priority holds through the re-offer: a hand-worked case and a property over random networks.

The rule (orders.py, format.md): priority levels are served one after another; within a
level, suppliers serve first orders pro rata, then the level's unfilled rest is re-offered in
rounds, each buyer asking the first supplier of its list that still has stock and that it
has not re-asked yet. So a higher-priority buyer's re-offer comes before a lower-priority
buyer's first order.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_builder import consumer, kpis, mine, run, scenario, series, supplier

WEEK_OF = 7 / 365  # share of a year in one weekly step


def test_reoffer_of_priority_one_comes_before_priority_five():
    """The smallest case where the re-offer reversed priorities (issue 18).

    Mines `a` (1,500 t/yr: 28.77 t a week) and `b` (100 t/yr: 1.92 t a week); buyers `hi`
    (priority 1, suppliers b then a) and `lo` (priority 5, a then b), 1,000 t/yr each (19.18 t
    a week), shares 1:1, transit one week, no stock. Each step `hi` orders 9.59 t at each
    mine first: `a` fills it, `b` gives its 1.92 t; `hi`'s rest of 7.67 t goes to `a` (b is
    empty). Only then does `lo` order: 9.59 t at `a`, which has 11.51 t left, and its rest at
    `a` again gets the last 1.92 t. So `hi` gets 19.18 t a week (short only in the first
    week, before anything arrives) and `lo` 11.51 t: short 7.67 t a week, 400 t a year.
    """
    data = scenario(
        mines=[mine("a", 1500, country="CA", product="powder"),
               mine("b", 100, country="CA", product="powder")],
        consumers=[
            consumer("hi", 1000, [supplier("b", 1.0, 7), supplier("a", 1.0, 7)],
                     product="powder", priority=1),
            consumer("lo", 1000, [supplier("a", 1.0, 7), supplier("b", 1.0, 7)],
                     product="powder", priority=5),
        ])
    record = run(data)
    week = 1000 * WEEK_OF
    short_hi, short_lo = series(record, "shortfall_t", "hi"), series(record, "shortfall_t", "lo")
    assert short_hi[0] == pytest.approx(week, rel=1e-12)
    assert not short_hi[1:].any()
    np.testing.assert_allclose(short_lo[1:], 400 * WEEK_OF, rtol=1e-12)
    k = kpis(record)
    assert k[("hi", "shortfall_t")] == pytest.approx(week, rel=1e-12)  # 19.18 t
    assert k[("lo", "shortfall_t")] == pytest.approx(week + 52 * 400 * WEEK_OF, rel=1e-12)
    np.testing.assert_allclose(series(record, "shipped_t", "a")[:52], 1500 * WEEK_OF,
                               rtol=1e-12)  # every tonne of `a` is sold


@st.composite
def priority_networks(draw):
    """2–4 mines with stock and output; 2–5 consumers of one product, each buying from a
    random ordered subset of the mines with random shares and a random priority."""
    n_mines = draw(st.integers(2, 4))
    mines = [mine(f"m{i}", draw(st.sampled_from([0, 50, 200, 800, 2000])), country="CA",
                  product="powder", initial_stock=draw(st.sampled_from([0, 5, 30])))
             for i in range(n_mines)]
    consumers = []
    for j in range(draw(st.integers(2, 5))):
        ids = draw(st.permutations([m["id"] for m in mines]))
        ids = ids[: draw(st.integers(1, n_mines))]
        shares = [draw(st.sampled_from([0.1, 0.5, 1.0, 3.0])) for _ in ids]
        consumers.append(consumer(
            f"c{j}", draw(st.sampled_from([100, 400, 1000, 2500])),
            [supplier(i, s, 7) for i, s in zip(ids, shares, strict=True)],
            product="powder", priority=draw(st.integers(1, 4))))
    return scenario(mines=mines, consumers=consumers, horizon_years=0.25)


@settings(max_examples=150, deadline=None)
@given(priority_networks())
def test_no_buyer_is_served_worse_than_a_lower_priority_one_with_the_same_suppliers(data):
    """With transit of one step, no cover and no stock, each consumer orders exactly one
    step's demand every step; the share of it shipped on the step is its service. A buyer's
    is never below that of a lower-priority buyer that asks the same set of suppliers."""
    record = run(data)
    ids = [n.id for n in record.nodes]
    shipped_to = np.zeros((record.n_steps, len(ids)))
    for e, (_, buyer) in enumerate(record.edges):
        shipped_to[:, buyer] += record.shipped_by_edge[:, e]
    served = {}
    for c in data["consumers"]:
        ordered = c["demand_tpa"] * WEEK_OF
        served[c["id"]] = shipped_to[:, ids.index(c["id"])] / ordered
    for hi in data["consumers"]:
        for lo in data["consumers"]:
            same = {s["from"] for s in hi["suppliers"]} == {s["from"] for s in lo["suppliers"]}
            if same and hi["priority"] < lo["priority"]:
                worse = served[hi["id"]] < served[lo["id"]] - 1e-9
                assert not worse.any(), (hi["id"], lo["id"], np.flatnonzero(worse))
