"""A seller's stock counts in its market's cover only up to OVERHANG_DAYS of what its buyers
nominally take from it (sim/model/prices.py): stock nobody on the network is set up to buy
must not tell buyers elsewhere that tungsten is plentiful.

Network, by hand: an AU mine `m` (1000 t/yr, holding 23 days of use) ships to one US
consumer `c` (1000 t/yr, transit 0, cover 0). At rest the market holds 23 days of use after
orders (the mine's stock; the consumer's order is on the way), so with reference cover 23
days the price stays at its reference. A second AU mine `s` with 5,000 t (1,825 days of the
consumer's use) has no buyer: its cap is 0 t and the price must not move. Had it counted,
the cover ratio would be (23 + 1,825) / 23 = 80 and the price 1/80 of its reference.
A second case gives `s` a buyer (`c` orders 10% from it): its cap is then 365 days × 0.1 ×
1000 t/yr / 365 = 100 t (36.5 days of use), whatever it holds above that.
"""

from __future__ import annotations

import math

import numpy as np
from scenario_builder import consumer, mine, run, scenario, supplier

from sim.model.prices import OVERHANG_DAYS

DEMAND, DAY_T, REF = 1000.0, 1000.0 / 365, 300.0
HELD_DAYS = 23.0


def network(stranded_t: float, share_of_s: float = 0.0) -> dict:
    suppliers = [supplier("m", 1.0 - share_of_s)]
    if share_of_s:
        suppliers.append(supplier("s", share_of_s))
    data = scenario(
        mines=[mine("m", DEMAND, country="AU", initial_stock=HELD_DAYS * DAY_T),
               mine("s", 0.0, country="AU", initial_stock=stranded_t)],
        consumers=[consumer("c", DEMAND, suppliers, initial_stock=7 * DAY_T)],
        horizon_years=2)
    formation = {"reference_price": REF, "reference_cover_days": HELD_DAYS,
                 "sensitivity": -1.0, "adjustment_days": 7.0}
    data["market"] = {"ex_china": formation, "china": {**formation, "reference_price": 250.0}}
    return data


def test_a_seller_without_buyers_does_not_count():
    record = run(network(5000.0))
    np.testing.assert_allclose(record.market["cover_days:ex_china"], HELD_DAYS, rtol=1e-12)
    np.testing.assert_allclose(record.market["ex_china"], REF, rtol=1e-9)


def test_a_seller_with_buyers_counts_up_to_its_cap():
    cap_t = OVERHANG_DAYS * 0.1 * DEMAND / 365
    assert math.isclose(cap_t, 100.0)
    big, bigger = run(network(5000.0, 0.1)), run(network(9000.0, 0.1))
    # both far above the cap: the same cover and prices, step for step
    np.testing.assert_allclose(big.market["cover_days:ex_china"],
                               bigger.market["cover_days:ex_china"], rtol=1e-12)
    np.testing.assert_allclose(big.market["ex_china"], bigger.market["ex_china"], rtol=1e-12)
    # step 0 by hand: m starts with 23 days, makes 7 and ships 90% of c's 7 days (6.3), so it
    # holds 23.7 days; c used its 7 days and its order is on the way (0 held); s counts its
    # cap, 100 t = 36.5 days of use: 23.7 + 36.5 = 60.2 days (m then gains 0.7 days a step)
    assert math.isclose(big.market["cover_days:ex_china"][0], 60.2, rel_tol=1e-9)
    assert math.isclose(big.market["cover_days:ex_china"][1], 60.9, rel_tol=1e-9)
