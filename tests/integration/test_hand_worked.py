"""Small scenarios whose answers are worked out by hand (design.md, "One step, in order").

The semantics these numbers rest on (pinned by design.md and the scenario format):

- step k starts on day k × step_days; n_steps = ceil(365 × horizon_years / step_days);
- a step does, in order: arrivals (a shipment is usable from the first step starting on or
  after its arrival day); events with at <= t < until in force; mines add
  capacity × utilization × step_days / 365 (ramp read at t); processors finish batches, then
  start min(capacity × step / 365, input held), losing processed × (1 − yield), the output
  ready ceil(process_days / step) steps later (at once if process_days is 0); consumers
  consume demand_tpa × (1 + growth)^(t/365) × noise × step / 365 from stock, then stockpiles
  that list them in `release.to` cover the rest up to release.max_tpa × step / 365; then every
  buyer orders target − stock − on order;
- a consumer's target is its expected demand over steps k+1 … k+L plus cover_days of demand,
  L = ceil(share-weighted mean transit / step_days) >= 1; a processor's is
  capacity per step × (L + cover_days / step_days);
- a shipment departing at step k with transit d arrives at step max(k+1, ceil((k·step+d)/step));
- priority levels are served in turn (lower number first): suppliers serve the level's
  orders pro rata, banned or blocked edges get nothing, and the level's unfilled rest is
  re-offered, each buyer asking the first supplier in its list that still has stock, before
  the next level orders; what is still unfilled is dropped;
- a quota allows allowed_fraction × (tonnes shipped on the matching edges in the 365 days
  before `at`, or base_tpa) per year, pro-rated per step.

Most scenarios use weekly steps and a consumer of 365 t/yr, i.e. exactly 7 t a step, so the
hand arithmetic is in whole weeks. Pipelines start empty, so consumers get an initial_stock of
one step's demand (7 t) when they should not be short at the start.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenario_builder import (
    consumer,
    day,
    export_control,
    kpis,
    mine,
    processor,
    run,
    scenario,
    series,
    stockpile,
    supplier,
)

WEEK = 7.0  # t per weekly step for a 365 t/yr consumer
YEAR = 365.0  # t per year for the same consumer


def steps_where(values: np.ndarray, eps: float = 1e-9) -> list[int]:
    """Indices of the steps where a series is non-zero."""
    return [int(i) for i in np.flatnonzero(np.abs(values) > eps)]


def one_supplier_world(events: list[dict], *, horizon_years: float = 3, **consumer_extra):
    """A CN mine with ample stock feeding one US consumer of 365 t/yr with zero transit."""
    extra = {"initial_stock": WEEK, **consumer_extra}
    return scenario(
        mines=[mine("cn", 3650, initial_stock=1000)],  # 70 t a week + 1000 t: never short
        consumers=[consumer("us", YEAR, [supplier("cn", transit_days=0)], **extra)],
        events=events, horizon_years=horizon_years)


# ---------------------------------------------------------------------------------------
# 1. A one-year ban on the only supplier, no buffer.


def test_one_year_ban_without_buffer_costs_one_year_of_demand():
    """Ban CN → US from day 364 (step 52) until day 728 (step 104): steps 52..103 banned.
    (3 years: ceil(1095 / 7) = 157 steps.)

    Transit 0 → L = 1, each order arrives the next step; target = next step's demand = 7 t,
    so after consuming the consumer holds nothing. The order of step 51 arrives at step 52
    and is consumed there; orders of steps 52..103 ship nothing; the order of step 104 (ban
    lifted) arrives at step 105. Short: steps 53..104 = 52 steps × 7 t = 364 t, i.e. one
    year of demand (365 t) within one step. KPIs: 52 × 7 = 364 days short, first short on
    day 53 × 7 = 371, recovered on day 105 × 7 = 735, peak 7 t a week = 365 t/yr, fill rate
    (157 − 52) / 157.
    """
    record = run(one_supplier_world([export_control(364, "ban", until_day=728, to=["US"])]))
    short = series(record, "shortfall_t", "us")
    assert steps_where(short) == list(range(53, 105))
    assert short.sum() == pytest.approx(364.0, rel=1e-12)
    assert abs(short.sum() - YEAR) <= WEEK
    k = kpis(record)
    assert k[("us", "shortfall_t")] == pytest.approx(364.0, rel=1e-12)
    assert k[("us", "days_short")] == 52 * 7
    assert k[("us", "first_shortfall_day")] == 53 * 7
    assert k[("us", "recovery_day")] == 105 * 7
    assert k[("us", "peak_shortfall_tpa")] == pytest.approx(YEAR, rel=1e-12)
    assert k[("us", "fill_rate")] == pytest.approx((157 - 52) / 157, rel=1e-12)


# ---------------------------------------------------------------------------------------
# 2. The same ban with a half-year buffer.


def test_half_year_cover_halves_the_shortfall():
    """cover_days 182.5: target = 7 + 182.5 = 189.5 t; after consuming it holds 182.5 t.

    Ban on steps 52..103 as in test 1. Step 52: the step-51 order arrives (189.5 t), consume
    7 → 182.5. Steps 53..78 consume 7 a step from the buffer (26 × 7 = 182 → 0.5 t left).
    Step 79: 0.5 t available, short 6.5; steps 80..104 short 7 each (25 steps).
    Shortfall = 6.5 + 175 = 181.5 t, half a year (182.5 t) within one step.
    """
    data = one_supplier_world([export_control(364, "ban", until_day=728)], cover_days=182.5,
                              initial_stock=189.5)
    short = series(run(data), "shortfall_t", "us")
    assert steps_where(short) == list(range(79, 105))
    assert short.sum() == pytest.approx(181.5, rel=1e-12)
    assert abs(short.sum() - YEAR / 2) <= WEEK


def test_half_year_initial_stock_halves_the_shortfall():
    """A ban from day 0 to day 364 (steps 0..51) and initial_stock 182.5 t, cover 0.

    Steps 0..25 consume 7 from the initial stock (182 t), step 26 has 0.5 t (short 6.5),
    steps 27..51 get nothing, and the order of step 52 arrives only at step 53, so step 52 is
    short too: 6.5 + 26 × 7 = 188.5 t = (53 steps × 7) − 182.5. Half a year within a step.
    """
    data = one_supplier_world([export_control(0, "ban", until_day=364)], initial_stock=182.5,
                              horizon_years=2)
    short = series(run(data), "shortfall_t", "us")
    assert steps_where(short) == list(range(26, 53))
    assert short.sum() == pytest.approx(188.5, rel=1e-12)
    assert abs(short.sum() - YEAR / 2) <= WEEK


# ---------------------------------------------------------------------------------------
# 3. A 30% quota.


def test_quota_after_a_year_of_trade_leaves_seventy_percent_short():
    """Daily steps, 1 t a day; quota 30% from day 365 (step 365) until day 730.

    Steps 0..364 each ship 1 t on the CN → US edge: 365 t in the 365 days before `at`, so the
    allowance is 0.3 × 365 t/yr = 0.3 t a step on steps 365..729. The step-364 order covers
    step 365; steps 366..730 each get 0.3 of 1 t: short 365 × 0.7 = 255.5 t, exactly 70% of
    a year's demand. (Daily steps make the 365-day window exactly 365 steps: with weekly
    steps it spans 52 steps = 364 days, and the model annualises those 364 t to 365 t/yr.)
    """
    data = one_supplier_world(
        [export_control(365, "quota", until_day=730, allowed_fraction=0.3)],
        initial_stock=1.0)
    data["step_days"] = data["record_days"] = 1
    record = run(data)
    shipped = series(record, "shipped_t", "cn")
    np.testing.assert_allclose(shipped[:365], 1.0, rtol=1e-12)
    np.testing.assert_allclose(shipped[365:730], 0.3, rtol=1e-9)
    short = series(record, "shortfall_t", "us")
    assert steps_where(short) == list(range(366, 731))
    assert short.sum() == pytest.approx(0.7 * YEAR, rel=1e-9)


def test_quota_with_base_tpa_leaves_seventy_percent_short():
    """Quota 30% of base_tpa 365 from day 0 to day 364: 2.1 t allowed on steps 0..51.

    Step 0 consumes the initial 7 t; steps 1..52 get the 2.1 t shipped the step before:
    short 52 × 4.9 = 254.8 t (step 52's order, unrestricted, arrives at step 53).
    """
    record = run(one_supplier_world([export_control(
        0, "quota", until_day=364, allowed_fraction=0.3, base_tpa=365)], horizon_years=2))
    np.testing.assert_allclose(series(record, "shipped_t", "cn")[:52], 2.1, rtol=1e-9)
    short = series(record, "shortfall_t", "us")
    assert short.sum() == pytest.approx(254.8, rel=1e-9)
    assert abs(short.sum() - 0.7 * YEAR) <= WEEK


def test_stock_a_quota_refuses_is_reoffered_to_the_other_buyers():
    """A CN mine makes 100 t a week; a JP and a CN consumer (same priority, the mine their
    only supplier, transit 0) each need 100 t on step 0. CN → JP is under a quota of 10 t a
    step (10% of base_tpa 100 t a week). Pro rata each is granted 50 t; the quota cuts JP to
    10 t, and the 40 t it refused are re-offered: the CN consumer gets 90 t, arriving at
    step 1, and the mine ships all it made.
    """
    week = 100 * 365 / 7
    data = scenario(
        mines=[mine("cn", week)],
        consumers=[consumer("jp", week, [supplier("cn")], country="JP"),
                   consumer("cnd", week, [supplier("cn")], country="CN")],
        events=[export_control(0, "quota", to=["JP"], allowed_fraction=0.1, base_tpa=week)])
    record = run(data)
    assert series(record, "shipped_t", "cn")[0] == pytest.approx(100.0, rel=1e-12)
    assert series(record, "received_t", "jp")[1] == pytest.approx(10.0, rel=1e-12)
    assert series(record, "received_t", "cnd")[1] == pytest.approx(90.0, rel=1e-12)


# ---------------------------------------------------------------------------------------
# 4. Processor yield.


@pytest.mark.parametrize("process_days", [0, 14])
def test_processor_with_yield_loses_ten_percent(process_days):
    """Mine (ore) → processor (1825 t/yr = 35 t a week, yield 0.9) → consumer, weekly, 1 year.

    The processor's target is 35 × (L=1 + 0) = 35 t of input; step 0 it holds nothing, orders
    35 t, which arrive at step 1; from then on it processes 35 t every step (steps 1..52:
    52 × 35 = 1820 t), losing 3.5 t a step (182 t). Output is 31.5 t a step, ready
    ceil(process_days / 7) steps later: with 14 days, at steps 3..52 (50 × 31.5 = 1575 t)
    and 2 batches (63 t) still in process at the end; with 0 days, on the same step (1638 t).
    """
    delay = math.ceil(process_days / 7)
    data = scenario(
        mines=[mine("ore_mine", 3650, product="ore", initial_stock=1000)],
        processors=[processor("refiner", 1825, [supplier("ore_mine")],
                              process_days=process_days, **{"yield": 0.9})],
        consumers=[consumer("user", YEAR, [supplier("refiner")], initial_stock=WEEK)])
    record = run(data)
    processed = series(record, "processed_t", "refiner")
    lost = series(record, "lost_t", "refiner")
    output = series(record, "output_t", "refiner")
    np.testing.assert_allclose(lost, 0.1 * processed, rtol=1e-12, atol=1e-12)
    assert processed[0] == 0
    np.testing.assert_allclose(processed[1:], 35.0, rtol=1e-12)
    n = record.n_steps
    np.testing.assert_allclose(output[delay:], 0.9 * processed[: n - delay], rtol=1e-12)
    assert not output[: 1 + delay].any()
    k = kpis(record)
    assert k[("refiner", "processed_t")] == pytest.approx(1820.0, rel=1e-12)
    assert k[("refiner", "lost_t")] == pytest.approx(182.0, rel=1e-12)
    assert k[("refiner", "output_t")] == pytest.approx(1638.0 - 31.5 * delay, rel=1e-12)
    assert record.totals["lost"] == pytest.approx(182.0, rel=1e-12)
    assert record.totals["in_process"] == pytest.approx(31.5 * delay, rel=1e-12)


# ---------------------------------------------------------------------------------------
# 5. Priority.


def test_priority_one_is_served_before_priority_five():
    """A mine of 547.5 t/yr (10.5 t a week, no stock) and three consumers, transit 0.

    `defense` (priority 1, 7 t a step) orders 7 t a step and gets it first; the 3.5 t left
    go pro rata to the priority-5 orders: `a` orders 7 t and `b` 14 t a step (they hold
    nothing after consuming), so `a` gets 3.5/3 and `b` 7/3 t a step from step 1 on.
    """
    data = scenario(
        mines=[mine("cn", 547.5)],
        consumers=[
            consumer("a", YEAR, [supplier("cn")], priority=5, initial_stock=WEEK),
            consumer("b", 2 * YEAR, [supplier("cn")], priority=5, initial_stock=2 * WEEK),
            consumer("defense", YEAR, [supplier("cn")], priority=1, initial_stock=WEEK),
        ])
    record = run(data)
    assert not series(record, "shortfall_t", "defense").any()
    assert kpis(record)[("defense", "fill_rate")] == 1.0
    np.testing.assert_allclose(series(record, "delivered_t", "a")[1:], 3.5 / 3, rtol=1e-12)
    np.testing.assert_allclose(series(record, "delivered_t", "b")[1:], 7.0 / 3, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# 6. Re-offering a banned (or empty) supplier's share.


@pytest.mark.parametrize("why", ["banned", "empty"])
def test_unfilled_share_is_reoffered_to_the_other_supplier(why):
    """A consumer sources 50/50 from `cn` and `au`; `cn` is banned (or has nothing).

    Each step it orders 7 t: 3.5 t to each. `cn` fills nothing; the 3.5 t are re-offered to
    the first supplier in its list that has stock it may take: not `cn` (banned or empty) but
    `au`, which has ample stock and fills them. So it is never short, and everything it gets
    is Australian.
    """
    cn_capacity = 3650 if why == "banned" else 0
    events = [export_control(0, "ban", to=["US"])] if why == "banned" else []
    data = scenario(
        mines=[mine("cn", cn_capacity, country="CN", initial_stock=1000 if cn_capacity else 0),
               mine("au", 3650, country="AU", initial_stock=1000)],
        consumers=[consumer("us", YEAR, [supplier("cn", 0.5), supplier("au", 0.5)],
                            initial_stock=WEEK)],
        events=events)
    record = run(data)
    assert not series(record, "shortfall_t", "us").any()
    assert not series(record, "shipped_t", "cn").any()
    np.testing.assert_allclose(series(record, "shipped_t", "au"), WEEK, rtol=1e-12)
    k = kpis(record)
    # 7 t of initial stock in the mix its sourcing brings (half each while `cn` produces;
    # all Australian when it has no capacity), then 52 × 7 t of Australian material
    cn_initial = 0.5 if why == "banned" else 0.0
    assert k[("us", "origin_share_CN")] == pytest.approx(cn_initial / 53, rel=1e-12, abs=0)
    assert k[("us", "origin_share_AU")] == pytest.approx((53 - cn_initial) / 53, rel=1e-12)


# ---------------------------------------------------------------------------------------
# 7. A mine's ramp.


@pytest.mark.parametrize("step_days", [1, 7])
def test_mine_ramp_gives_half_capacity_in_first_year(step_days):
    """Capacity 365 t/yr online on day 70 with ramp_days 365: capacity × (t − 70)/365.

    Over the steps starting in [70, 435): daily, Σ_{j=0}^{364} j/365 = 182 t; weekly,
    Σ_{j=0}^{52} 7 × 7j/365 = 49 × 1378/365 = 184.99 t. Half the capacity (182.5 t) within
    one step of full output (1 t or 7 t). Nothing before day 70; full output after the ramp.
    """
    record = run(scenario(mines=[mine("m", 365, online=day(70), ramp_days=365)],
                          step_days=step_days, horizon_years=2))
    produced, t = series(record, "produced_t", "m"), record.days
    first_year = produced[(t >= 70) & (t < 435)].sum()
    exact = 182.0 if step_days == 1 else 49 * 1378 / 365
    assert first_year == pytest.approx(exact, rel=1e-12)
    assert abs(first_year - 182.5) <= step_days * 365 / 365
    assert not produced[t < 70].any()
    np.testing.assert_allclose(produced[t >= 435], step_days, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# 8. A stockpile through a ban.


def test_stockpile_covers_defense_but_not_industry_through_a_ban():
    """Two 365 t/yr U.S. consumers on one CN mine; a U.S. stockpile (1000 t, release to
    defense only, up to 730 t/yr = 14 t a step); the one-year ban of test 1.

    Both run dry on steps 53..104 (52 × 7 t). The stockpile covers all of defense's 7 t a
    step (within 14 t a step): released 364 t, 636 t left; industry is short 364 t.
    """
    data = scenario(
        mines=[mine("cn", 3650, initial_stock=1000)],
        stockpiles=[stockpile("nds", initial_stock=1000,
                              release={"to": ["defense"], "max_tpa": 730})],
        consumers=[
            consumer("defense", YEAR, [supplier("cn")], group="defense", priority=1,
                     initial_stock=WEEK),
            consumer("industry", YEAR, [supplier("cn")], group="industrial",
                     initial_stock=WEEK),
        ],
        events=[export_control(364, "ban", until_day=728)], horizon_years=3)
    record = run(data)
    k = kpis(record)
    assert k[("group:defense", "shortfall_t")] == pytest.approx(0.0, abs=1e-9)
    assert k[("group:defense", "fill_rate")] == pytest.approx(1.0, rel=1e-12)
    assert k[("group:industrial", "shortfall_t")] == pytest.approx(364.0, rel=1e-12)
    assert k[("nds", "released_t")] == pytest.approx(364.0, rel=1e-12)
    assert k[("nds", "min_stock_t")] == pytest.approx(636.0, rel=1e-12)
    assert steps_where(series(record, "released_t", "nds")) == list(range(53, 105))


def test_backlog_is_carried_and_ordered_for():
    """backlog: true (sim/scenario/format.md: unmet demand is carried forward and ordered
    for). A ban from day 70 (step 10) to day 140 (step 20), transit 0.

    Steps 11..20 get nothing: the backlog grows 7, 14, … 70 t. On step 20 the consumer
    orders its target plus its backlog, 7 + 70 = 77 t, which arrive on step 21 and cover
    that step's 7 t and the 70 t owed (shortfall_t −70 on that step). Nothing is owed at
    the end: total shortfall 0, 10 steps (70 days) short.
    """
    data = one_supplier_world([export_control(70, "ban", until_day=140)], backlog=True,
                              horizon_years=1)
    record = run(data)
    backlog = series(record, "backlog_t", "us")
    np.testing.assert_allclose(backlog[11:21], WEEK * np.arange(1, 11), rtol=1e-12)
    assert not backlog[:11].any() and not backlog[21:].any()
    assert series(record, "shipped_t", "cn")[20] == pytest.approx(77.0, rel=1e-12)
    assert series(record, "delivered_t", "us")[21] == pytest.approx(77.0, rel=1e-12)
    assert series(record, "shortfall_t", "us")[21] == pytest.approx(-70.0, rel=1e-12)
    k = kpis(record)
    assert k[("us", "shortfall_t")] == pytest.approx(0.0, abs=1e-9)
    assert k[("us", "days_short")] == 70


# ---------------------------------------------------------------------------------------
# 9. Noisy demand against periodic-review base-stock theory (lost sales).

MU, CV = 10.0, 0.3  # demand per daily step (3650 t/yr) and its coefficient of variation
SIGMA = MU * CV


def _phi(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _Phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def normal_loss(z: float) -> float:
    """Standard normal loss function G(z) = E[(Z − z)^+] = φ(z) − z (1 − Φ(z))."""
    return _phi(z) - z * (1 - _Phi(z))


def clipped_normal_mean(mu: float, sigma: float) -> float:
    """E[max(X, 0)] for X ~ N(mu, sigma²): the mean of demand after clipping at 0."""
    return mu * _Phi(mu / sigma) + sigma * _phi(mu / sigma)


def base_stock_world(lead_steps: int, z: float) -> tuple[dict, float]:
    """Daily steps, 20 years; a mine that is never out of stock; demand 10 ± 3 t a day.

    Transit = lead_steps days, so L = lead_steps and an order of step k arrives at k + L.
    cover_days = z·σ·√L / μ (in days of mean demand), so the order-up-to level is
    S = μ·L + z·σ·√L. initial_stock = S so the first steps look like the steady state.
    Returns the scenario and S.
    """
    cover_days = z * SIGMA * math.sqrt(lead_steps) / MU
    level = MU * lead_steps + MU * cover_days
    data = scenario(
        mines=[mine("cn", 100 * MU * 365, initial_stock=1e6)],
        consumers=[consumer("us", MU * 365, [supplier("cn", transit_days=lead_steps)],
                            noise={"dist": "normal", "mean": 1.0, "sd": CV},
                            cover_days=cover_days, initial_stock=level)],
        step_days=1, horizon_years=20)
    return data, level


def replay_lost_sales(demand: np.ndarray, level: float, lead_steps: int) -> np.ndarray:
    """Deliveries of a lost-sales base-stock consumer facing `demand` (rows: steps).

    The same rule as the model, written independently: each step, arrivals, consume
    min(demand, stock), then order S − stock − on order, which arrives L steps later.
    Works on a vector of independent chains at once (demand[k] is a vector).
    """
    n = demand.shape[0]
    stock = np.full(demand.shape[1:], level, dtype=float)
    arriving = np.zeros((n + lead_steps + 1, *demand.shape[1:]))
    delivered = np.empty_like(demand, dtype=float)
    for k in range(n):
        stock = stock + arriving[k]
        taken = np.minimum(demand[k], stock)
        stock = stock - taken
        delivered[k] = taken
        on_order = arriving[k + 1: k + lead_steps + 1].sum(axis=0)
        arriving[k + lead_steps] += np.maximum(level - stock - on_order, 0.0)
    return delivered


@pytest.mark.parametrize("lead_steps", [1, 2])
def test_model_deliveries_replay_the_base_stock_rule(lead_steps):
    """Given the model's own demand draws, an independent replay of the rule reproduces
    every step's deliveries exactly (the mine is never out of stock)."""
    data, level = base_stock_world(lead_steps, z=1.0)
    data["horizon_years"] = 3
    record = run(data)
    demand = series(record, "demand_t", "us")
    expected = replay_lost_sales(demand[:, None], level, lead_steps)[:, 0]
    np.testing.assert_allclose(series(record, "delivered_t", "us"), expected,
                               rtol=1e-9, atol=1e-9)


REPLICATIONS = 12


def _model_fill_rates(data: dict) -> np.ndarray:
    fills = []
    for r in range(REPLICATIONS):
        record = run(data, replication=r)
        fills.append(kpis(record)[("us", "fill_rate")])
    return np.array(fills)


def test_fill_rate_matches_base_stock_theory_lead_time_one():
    """L = 1, z = 1: the textbook formula is exact here.

    Protection interval. In a step the order is placed after consumption and arrives before
    consumption L steps later, so the order of step k is the last one that can serve steps
    k+1 … k+L (the next order arrives at k+1+L, before that step consumes): the protection
    interval is L steps (review period 1 + L − 1 whole steps of lead time), σ_P = σ√L.

    With L = 1 the inventory position after ordering is S and all of it is on hand at the
    start of the next step, so each step's shortage is exactly (D − S)^+ with D the clipped
    normal demand: E = σ·G(z) (clipping at 0 does not change (D − S)^+ as S > 0), and the
    fill rate is 1 − σ G(z) / E[D] = 1 − 3 × 0.08332 / 10.0004 = 0.97501. Shortages are
    independent from step to step; the tolerance is 3 standard errors of the mean over
    replications (about 0.0006 here). Using the protection interval L + 1 = 2 instead would
    predict 0.9647, far outside it.
    """
    data, level = base_stock_world(1, z=1.0)
    theory = 1 - SIGMA * normal_loss(1.0) / clipped_normal_mean(MU, SIGMA)
    fills = _model_fill_rates(data)
    se = fills.std(ddof=1) / math.sqrt(len(fills))
    assert abs(fills.mean() - theory) <= 3 * se, (fills.mean(), theory, se)
    # the exact lost-sales answer by an independent simulation agrees too
    rng = np.random.default_rng(12345)
    demand = np.maximum(rng.normal(MU, SIGMA, (7300, 200)), 0.0)
    exact = replay_lost_sales(demand, level, 1)
    exact_fill = exact.sum(axis=0) / demand.sum(axis=0)
    se_exact = exact_fill.std(ddof=1) / math.sqrt(exact_fill.size)
    assert abs(exact_fill.mean() - theory) <= 3 * se_exact
    assert abs(fills.mean() - exact_fill.mean()) <= 3 * math.hypot(se, se_exact)


def test_fill_rate_matches_base_stock_theory_lead_time_two():
    """L = 2, z = 1: compare with an exact lost-sales simulation and bracket by the theory.

    With L = 2 the stock at the start of step k+2 is S − C_{k+1} (C: what was consumed), so
    the shortage is (D_{k+2} + C_{k+1} − S)^+. The backorder approximation replaces C by the
    demand D: (D_{k+1} + D_{k+2} − S)^+, mean σ√2·G(z), fill_bo = 1 − σ√2 G(z)/μ = 0.96465.
    As C <= D it over-states the shortage, by at most the previous step's shortage, so for
    lost sales   fill_bo <= fill <= 1 − (1 − fill_bo)/2   (the approximation error justified;
    it shrinks as z grows). The exact value comes from an independent vectorised simulation
    of the same rule (≈ 0.974); the model must agree within 3 combined standard errors.
    """
    data, level = base_stock_world(2, z=1.0)
    fill_bo = 1 - SIGMA * math.sqrt(2) * normal_loss(1.0) / clipped_normal_mean(MU, SIGMA)
    fills = _model_fill_rates(data)
    se = fills.std(ddof=1) / math.sqrt(len(fills))
    rng = np.random.default_rng(54321)
    demand = np.maximum(rng.normal(MU, SIGMA, (7300, 200)), 0.0)
    exact = replay_lost_sales(demand, level, 2)
    exact_fill = exact.sum(axis=0) / demand.sum(axis=0)
    se_exact = exact_fill.std(ddof=1) / math.sqrt(exact_fill.size)
    assert abs(fills.mean() - exact_fill.mean()) <= 3 * math.hypot(se, se_exact), \
        (fills.mean(), exact_fill.mean(), se, se_exact)
    assert fill_bo - 3 * se <= fills.mean() <= 1 - (1 - fill_bo) / 2 + 3 * se
    assert fill_bo <= exact_fill.mean() <= 1 - (1 - fill_bo) / 2


# ---------------------------------------------------------------------------------------
# 10. Deterministic demand, cover 0: never short after the first delivery.


@pytest.mark.parametrize(("step_days", "transit_days", "growth"), [
    (7, 0, 0.0), (7, 10, 0.1), (7, 30, 0.5), (1, 3, 0.25), (1, 0.5, 0.0), (7, 21, -0.2)])
def test_deterministic_consumer_is_never_short_after_first_delivery(step_days, transit_days,
                                                                    growth):
    """No initial stock, so steps 0 … L−1 are short; the order of step 0 (demand of steps
    1..L) arrives at step L, and from then on the stock on hand at the start of step k is
    exactly that step's demand (design.md: cover_days is exactly the safety stock), growth
    or not."""
    data = scenario(
        mines=[mine("cn", 36500, initial_stock=1e5)],
        consumers=[consumer("us", YEAR, [supplier("cn", transit_days=transit_days)],
                            growth=growth)],
        step_days=step_days, horizon_years=3)
    record = run(data)
    lead = max(1, math.ceil(transit_days / step_days))
    received = series(record, "received_t", "us")
    assert steps_where(received)[0] == lead
    short = series(record, "shortfall_t", "us")
    demand = series(record, "demand_t", "us")
    np.testing.assert_allclose(short[:lead], demand[:lead], rtol=1e-12)
    assert (short[lead:] <= 1e-9 * demand[lead:]).all()


@pytest.mark.parametrize(("step_days", "transit_days", "growth", "cover_days"), [
    (7, 10, 0.1, 14), (1, 3, 0.25, 5.5), (7, 0, 0.0, 30)])
def test_cover_days_is_exactly_the_safety_stock(step_days, transit_days, growth, cover_days):
    """Target at step k: demand of steps k+1..k+L plus cover_days of step k+L's demand. The
    stock at the start of step k (from step 2L on, once the catch-up of the first empty
    steps is used) is that step's demand plus cover_days of it, so after consuming it holds
    exactly cover_days × (step k's demand per day)."""
    data = scenario(
        mines=[mine("cn", 36500, initial_stock=1e5)],
        consumers=[consumer("us", YEAR, [supplier("cn", transit_days=transit_days)],
                            growth=growth, cover_days=cover_days)],
        step_days=step_days, horizon_years=3)
    record = run(data)
    lead = max(1, math.ceil(transit_days / step_days))
    stock = series(record, "stock_t", "us")[2 * lead:]
    per_day = series(record, "demand_t", "us")[2 * lead:] / step_days
    np.testing.assert_allclose(stock, cover_days * per_day, rtol=1e-9)
    short = series(record, "shortfall_t", "us")[lead:]
    assert (short <= 1e-9 * series(record, "demand_t", "us")[lead:]).all()


# ---------------------------------------------------------------------------------------
# 11. Licence delays and blocked routes.


def arrivals_from(shipped: np.ndarray, arrival_step) -> np.ndarray:
    """What a buyer should receive per step, given what left each step and when it lands."""
    out = np.zeros_like(shipped)
    for k, amount in enumerate(shipped):
        j = arrival_step(k)
        if amount and j < len(out):
            out[j] += amount
    return out


@pytest.mark.parametrize("form", ["licence", "transit_extra_days"])
def test_licence_delay_adds_to_transit(form):
    """Transit 7 days (L = 1, arrival k+1); a 14-day licence (or a transit event with
    14 extra days) from day 70 (step 10) until day 140 (step 20).

    Departures on steps 10..19 take 21 days: arrival k+3; others k+1. Buyers plan with the
    delays in force, so from step 10 the consumer's lead time is ceil(21/7) = 3 steps and its
    target 21 t: on step 10 (stock 0 after consuming, nothing on the way) it orders 21 t,
    arriving on step 13, and is short on steps 11 and 12 (14 t). From step 13 it orders its
    7 t a step again (arriving k+3), never short. On step 20 the delay ends and L is 1
    again: 14 t are still on the way (steps 21, 22), so it orders nothing on 20 and 21 and
    7 t from step 22 on.
    """
    if form == "licence":
        event = export_control(70, "licence", until_day=140, delay_days=14)
    else:
        event = {"kind": "transit", "at": day(70), "until": day(140), "from_country": "CN",
                 "extra_days": 14}
    data = scenario(
        mines=[mine("cn", 3650, initial_stock=1000)],
        consumers=[consumer("us", YEAR, [supplier("cn", transit_days=7)], initial_stock=WEEK)],
        events=[event])
    record = run(data)
    shipped = series(record, "shipped_t", "cn")
    assert steps_where(shipped[:24]) == [*range(11), *range(13, 20), 22, 23]
    assert shipped[10] == pytest.approx(21.0, rel=1e-12)
    received = series(record, "received_t", "us")
    expected = arrivals_from(shipped, lambda k: k + 3 if 10 <= k < 20 else k + 1)
    np.testing.assert_allclose(received, expected, rtol=1e-12, atol=1e-12)
    assert steps_where(received[:24]) == [*range(1, 11), *range(13, 14), *range(16, 24)]
    short = series(record, "shortfall_t", "us")
    assert steps_where(short) == [11, 12]
    assert short.sum() == pytest.approx(14.0, rel=1e-12)


def test_blocked_route_stops_departures_but_goods_at_sea_arrive():
    """Transit 21 days (L = 3, arrival k+3), 21 t of initial stock, 7 t shipped a step.
    The route is blocked from day 70 (step 10) until day 140 (step 20).

    The 7 t that left on steps 7, 8, 9 are at sea and arrive on steps 10, 11, 12; nothing
    leaves on steps 10..19, so nothing arrives on 13..22; on step 20 the consumer orders
    its whole target of 21 t (steps 21..23), which arrives on step 23. Short on steps
    13..22: 70 t.
    """
    data = scenario(
        mines=[mine("cn", 3650, initial_stock=1000)],
        consumers=[consumer("us", YEAR, [supplier("cn", transit_days=21)],
                            initial_stock=3 * WEEK)],
        events=[{"kind": "transit", "at": day(70), "until": day(140), "from_country": "CN",
                 "blocked": True}])
    record = run(data)
    shipped = series(record, "shipped_t", "cn")
    received = series(record, "received_t", "us")
    assert not shipped[10:20].any()
    np.testing.assert_allclose(shipped[7:10], WEEK, rtol=1e-12)
    np.testing.assert_allclose(received[10:13], WEEK, rtol=1e-12)
    assert not received[13:23].any()
    assert shipped[20] == pytest.approx(3 * WEEK, rel=1e-12)
    assert received[23] == pytest.approx(3 * WEEK, rel=1e-12)
    np.testing.assert_allclose(received, arrivals_from(shipped, lambda k: k + 3), rtol=1e-12)
    short = series(record, "shortfall_t", "us")
    assert steps_where(short) == list(range(13, 23))
    assert short.sum() == pytest.approx(70.0, rel=1e-12)


# ---------------------------------------------------------------------------------------
# 12. Scrap returns.


def test_scrap_returns_thirty_percent_two_steps_later():
    """A consumer of 7 t a step with scrap_rate 0.3 and scrap_days 14 (weekly: 2 steps).

    It consumes 7 t every step (initial stock, then deliveries), so the recycler receives
    2.1 t of scrap on every step from step 2 on (recycled_t), and, since arrivals come
    before processing, processes it on the step it arrives. Scrap of the last two steps is
    still on its way at the end (counted as consumed until it arrives).
    """
    data = scenario(
        mines=[mine("cn", 3650, initial_stock=1000)],
        processors=[processor("recycler", 1000, [], input="scrap")],
        consumers=[consumer("us", YEAR, [supplier("cn")], initial_stock=WEEK,
                            scrap_rate=0.3, scrap_days=14, scrap_to="recycler")])
    record = run(data)
    delivered = series(record, "delivered_t", "us")
    recycled = series(record, "recycled_t", "recycler")
    np.testing.assert_allclose(delivered, WEEK, rtol=1e-12)
    assert not recycled[:2].any()
    np.testing.assert_allclose(recycled[2:], 0.3 * delivered[:-2], rtol=1e-12)
    np.testing.assert_allclose(series(record, "processed_t", "recycler")[2:], 2.1, rtol=1e-12)
    assert record.totals["recycled"] == pytest.approx(recycled.sum(), rel=1e-12)
    assert recycled.sum() == pytest.approx(0.3 * WEEK * (record.n_steps - 2), rel=1e-12)


@pytest.mark.parametrize("extra", [{"process_days": 500}, {"scrap_days": 500}])
def test_delays_longer_than_the_run_leave_work_in_process_or_scrap_away(extra):
    """A one-year run (53 weekly steps) with a 500-day processing delay finishes nothing,
    and with a 500-day scrap return recycles nothing; both keep the mass balance."""
    process = {k: v for k, v in extra.items() if k == "process_days"}
    scrap = {"scrap_rate": 0.5, "scrap_to": "p", **{k: v for k, v in extra.items()
                                                     if k == "scrap_days"}}
    record = run(scenario(
        mines=[mine("m", 3650, initial_stock=100, product="ore")],
        processors=[processor("p", 3650, [supplier("m")], input="ore", output="metal",
                              **process)],
        consumers=[consumer("c", 365, [supplier("p")], initial_stock=7, **scrap)],
        horizon_years=1))
    assert record.balance_error < 1e-9
    if process:
        assert not series(record, "output_t", "p").any()
        assert record.totals["in_process"] > 0
    else:
        assert not series(record, "recycled_t", "p").any()
