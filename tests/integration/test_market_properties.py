"""Properties of runs with a market (issue 13), on random small networks (hypothesis).

The networks are test_invariants' random scenarios (1–3 mines, 0–2 processors, scrap, a
stockpile, 1–3 consumers with noise and backlog, random events of every kind), with a
random `market:` section on top: random reference prices, covers, sensitivities and
adjustment times, random demand elasticities (short and long run), and each of the scrap,
supply, precaution, stockpile-rule and restart responses on or off at random, plus a random
supply cut. For each, against the same scenario with `market: off`:

- the run completes (it checks the mass balance itself) and its balance error is < 1e-9;
- every price (APT and product, both markets) is finite and positive, a product's price at
  least 5% of its reference; covers are finite and ≥ 0, openness in [0, 1] (both to
  rounding: stocks leave crumbs of −1e-15 t, route weights normalised to 1 may sum to
  1 + 1 ulp);
- demand placed + demand destroyed = the demand of the no-market run, step by step;
- every fill rate is in [0, 1].
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_builder import build, day
from test_invariants import numbers, random_scenarios

from sim.model import simulate
from sim.results.kpis import kpi_rows

TOL = 1e-9


@st.composite
def formations(draw) -> dict:
    return {"reference_price": draw(numbers(150, 600)),
            "reference_cover_days": draw(numbers(1, 200)),
            "sensitivity": -draw(numbers(0.05, 3)),
            "adjustment_days": draw(numbers(1, 400))}


@st.composite
def markets(draw, data: dict) -> dict:
    """A random `market:` section fitting the scenario `data`."""
    section = {"ex_china": draw(formations()), "china": draw(formations())}
    section["spreads"] = {p: draw(numbers(-100, 100)) for p in data["products"]
                          if draw(st.booleans())}
    short = -draw(numbers(0, 1))
    section["demand"] = {"short_run_elasticity": short,
                         "long_run_elasticity": min(short, -draw(numbers(0, 1.5))),
                         "adjustment_days": draw(numbers(1, 1000))}
    if draw(st.booleans()):
        section["scrap"] = {"elasticity": draw(numbers(0, 2)),
                            "max_factor": draw(numbers(1, 3)),
                            "adjustment_days": draw(numbers(1, 400))}
    if draw(st.booleans()):
        section["supply"] = {"elasticity": draw(numbers(0, 2)),
                             "max_factor": draw(numbers(1, 3)),
                             "adjustment_days": draw(numbers(1, 400)),
                             "except": draw(st.sampled_from([["CN"], [], ["US", "CN"]]))}
    if draw(st.booleans()):
        low = draw(numbers(0.1, 1))
        section["precaution"] = {"elasticity": draw(numbers(0, 2)), "min_factor": low,
                                 "max_factor": draw(numbers(1, 3)),
                                 "licence_factor": draw(numbers(1, 2)),
                                 "adjustment_days": draw(numbers(1, 400))}
    if data["stockpiles"] and draw(st.booleans()):
        rule: dict = {"stockpile": data["stockpiles"][0]["id"]}
        if draw(st.booleans()):
            rule["sell_above"] = draw(numbers(100, 900))
        if "sell_above" not in rule or draw(st.booleans()):
            rule["buy_below"] = draw(numbers(100, 900))
        section["stockpile_rules"] = [rule]
    idle = [m["id"] for m in data["mines"] if "online" not in m]
    if idle and draw(st.booleans()):
        section["restarts"] = [{"mine": draw(st.sampled_from(idle)),
                                "above": draw(numbers(100, 900)),
                                "delay_days": draw(numbers(0, 200)),
                                "ramp_days": draw(numbers(0, 200))}]
    return section


@st.composite
def market_scenarios(draw) -> dict:
    data = draw(random_scenarios())
    horizon_days = int(365 * data["horizon_years"])
    mine_ids = [m["id"] for m in data["mines"]]
    data["events"] = [*data["events"], {
        "kind": "capacity", "at": day(draw(st.integers(0, horizon_days - 1))),
        "node": draw(st.sampled_from(mine_ids)), "factor": draw(numbers(0, 1))}]
    data["market"] = draw(markets(data))
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market_scenarios())
def test_random_markets_keep_the_balance_and_sane_prices(data):
    scenario = build(data)
    record = simulate(scenario)
    off = simulate(build({**data, "market": False}))
    assert record.balance_error < TOL

    n = record.n_steps
    for name, values in record.market.items():
        assert values.shape == (n,), name
        assert np.isfinite(values).all(), name
        if name.startswith("cover_days:"):
            assert (values >= -TOL).all(), name
        elif name == "openness":
            assert ((values >= 0) & (values <= 1 + TOL)).all(), values.max() - 1
        else:
            assert (values > 0).all(), name
    market = data["market"]
    for m in ("ex_china", "china"):
        reference = market[m]["reference_price"]
        for product in data["products"]:
            floor = 0.05 * (reference + market["spreads"].get(product, 0.0))
            assert (record.market[f"{m}:{product}"] >= floor * (1 - 1e-12)).all()

    placed, destroyed = record.arrays["demand_t"], record.arrays["demand_destroyed_t"]
    np.testing.assert_allclose(placed + destroyed, off.arrays["demand_t"], rtol=1e-9,
                               atol=1e-9)
    assert (placed >= 0).all()
    for _, _, kpi, value in kpi_rows(record):
        if kpi == "fill_rate":
            assert -TOL <= value <= 1 + TOL, value
