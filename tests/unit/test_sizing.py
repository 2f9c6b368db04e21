"""Stockpile sizing (issue 14 item 3): the search knows the answer on a one-consumer network.

The network: a mine in China, one U.S. consumer of 520 t/yr (10 t a week, 7-day steps, 10 t
held so the first week is covered) whose only supplier is that mine, a Chinese ban on exports
to the U.S. for 91 days from day 70, and a U.S. stockpile releasing to the consumer. Without
the stockpile the consumer is short exactly 520 x 91 / 365 = 129.64 t; the smallest holding
meeting `users.shortfall_t<=1` is that demand, within one step of demand (10 t).
"""

from __future__ import annotations

import pytest
import scenario_builder as b

from sim.experiments.sizing import (
    Sizing,
    Target,
    default_max_holding,
    parse_target,
    size_stockpile,
    with_holding,
)

DEMAND, BAN_DAYS = 520.0, 91
BAN_DEMAND = DEMAND * BAN_DAYS / 365  # 129.64 t
STEP_DEMAND = DEMAND * 7 / 365  # 9.97 t


def network(ban: bool = True, noise: object = 1.0) -> dict:
    events = [b.export_control(70, "ban", until_day=70 + BAN_DAYS, to=["US"])] if ban else []
    return b.scenario(
        mines=[b.mine("cn_mine", 2000, country="CN")],
        stockpiles=[b.stockpile("nds", release={"to": ["users"], "max_tpa": 5000})],
        consumers=[b.consumer("users", DEMAND, [b.supplier("cn_mine")], initial_stock=10,
                              noise=noise)],
        events=events)


def sizing(data: dict, target: str = "users.shortfall_t<=1", **extra) -> Sizing:
    settings = {"confidence": 0.95, "replications": 4, "seed": 1, "max_holding": 1000.0,
                "step": 1.0, **extra}
    return Sizing((b.build(data),), "nds", parse_target(target), **settings)


def test_parse_target():
    assert parse_target("country:US/group:defense.fill_rate>=0.99") == Target(
        ("country:US/group:defense", "fill_rate"), ">=", 0.99)
    assert parse_target(" users.shortfall_t <= 5 ") == Target(("users", "shortfall_t"), "<=", 5)
    assert parse_target("users.shortfall_t<=1").met(0.5) and not parse_target(
        "users.shortfall_t<=1").met(float("nan"))


@pytest.mark.parametrize("text", ["users.shortfall_t", "users.shortfall_t>1",
                                  "users.shortfall_t==1", "users.shortfall_t<=abc",
                                  "users.shortfall_t<=nan", "shortfall_t>=1"])
def test_parse_target_refuses(text):
    with pytest.raises(ValueError):
        parse_target(text)


def test_without_stockpile_the_ban_costs_its_demand():
    kpis = b.kpis(b.run(network()))
    assert kpis[("users", "shortfall_t")] == pytest.approx(BAN_DEMAND)


def test_sizing_covers_the_bans_demand():
    result = size_stockpile(sizing(network()))
    search = result.searches[0]
    assert abs(search.answer - BAN_DEMAND) <= STEP_DEMAND
    assert search.answer == 129.0  # pinned: 129 t, 128 t fails (1 t steps)
    assert search.below == search.answer - 1
    assert search.at(search.answer).met == (4,) and search.at(search.below).met == (0,)
    with_answer = with_holding(b.build(network()), "nds", search.answer)
    assert b.kpis(b.run(with_answer.model_dump(mode="json")))[("users", "shortfall_t")] <= 1


def test_release_rate_grid_searches_each_rate():
    result = size_stockpile(sizing(network(), rates=(5000.0, 1.0), step=10.0, max_holding=500.0))
    fast, slow = result.searches
    assert fast.answer == 130.0
    assert slow.answer is None  # 1 t/yr cannot release 129 t in 91 days


def test_target_met_at_zero_holding_gives_zero():
    search = size_stockpile(sizing(network(ban=False))).searches[0]
    assert search.answer == 0 and search.below is None
    assert [e.holding for e in search.evaluations] == [1000.0, 0.0]


def test_unreachable_target_is_a_result():
    result = size_stockpile(sizing(network(), max_holding=50.0, step=5.0))
    assert not result.reachable and result.searches[0].answer is None
    assert result.searches[0].at(50.0).met == (0,)
    assert [e.holding for e in result.searches[0].evaluations] == [50.0]


def test_search_is_deterministic_for_a_seed_and_pilot_matches_full():
    noisy = network(noise={"dist": "uniform", "low": 0.5, "high": 1.5})
    first = size_stockpile(sizing(noisy, replications=60, step=2.0, verify=True))
    again = size_stockpile(sizing(noisy, replications=60, step=2.0), workers=2)
    one_pass = size_stockpile(sizing(noisy, replications=60, step=2.0, pilot=60))
    a, b2, c = first.searches[0], again.searches[0], one_pass.searches[0]
    assert a.answer == b2.answer == c.answer
    assert (a.answer, a.below) == (210.0, 208.0)  # pinned (seed 1, 60 replications)
    assert a.at(a.answer).met == (58,)
    assert a.at(a.answer).met == c.at(c.answer).met
    assert a.violations == 0
    assert a.runs < c.runs  # the pilot pass saves runs


def test_default_max_holding():
    assert default_max_holding((b.build(network()),), "nds") == 520.0
