"""A mine online at a known date delivers its first tonne to a consumer exactly after its
transits and the processing delay, by the step rules of design.md ("One step, in order").

Hand-worked, 7-day steps, a KZ mine online on day D (steps: s0 = ceil(D / 7)):
- step s0: the mine adds its output (3.) and ships what the refiner orders (6.), departing day
  7 s0, transit T1: usable from the first step starting on or after 7 s0 + T1, and at least
  the next one: s1 = s0 + max(1, ceil(T1 / 7));
- step s1: the refiner starts the batch (4.), output on the first step on or after
  7 s1 + P: s2 = s1 + ceil(P / 7); shipped that step (6.), transit T2;
- the consumer uses it on s3 = s2 + max(1, ceil(T2 / 7)), its first KZ tonne: day 7 s3.
With D, T1, P and T2 whole multiples of 7 that is day D + T1 + P + T2 exactly; otherwise each
leg rounds up to whole steps on its own (so later than the first step >= D + T1 + P + T2).
A CN mine online from the start feeds the same refiner, so the consumer is supplied (and the
refiner's stock mixed) throughout; its own first tonne is the pipeline with s0 = 0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenario_builder import (
    consumer,
    day,
    kpis,
    mine,
    processor,
    run,
    scenario,
    supplier,
)


def network(online: int, t1: float, process_days: float, t2: float) -> dict:
    return scenario(
        mines=[mine("cn_mine", 1040.0, country="CN", product="ore"),
               mine("kz_mine", 520.0, country="KZ", product="ore", online=day(online))],
        processors=[processor("refiner", 5000.0, [supplier("cn_mine", 2, t1),
                                                  supplier("kz_mine", 1, t1)],
                              country="KZ", process_days=process_days)],
        consumers=[consumer("us_user", 1000.0, [supplier("refiner", 1, t2)],
                            group="defense")],
        horizon_years=2)


def steps(days: float, least: int = 0) -> int:
    return max(least, math.ceil(days / 7))


@pytest.mark.parametrize(("online", "t1", "process_days", "t2"), [
    (70, 14, 21, 7),    # all whole steps: day 70 + 14 + 21 + 7 = 112
    (70, 10, 20, 5),    # each leg rounds up: steps 10 + 2 + 3 + 1 = 16, day 112 (not 105)
    (140, 0, 0, 0),     # no delays: still a step to ship and a step to deliver
    (100, 30, 45, 12),  # online mid-step: s0 = 15, then 5 + 7 + 2 steps
])
def test_first_kazakh_tonne_arrives_after_transits_and_processing(online, t1, process_days,
                                                                  t2):
    record = run(network(online, t1, process_days, t2))
    expected = 7 * (steps(online) + steps(t1, 1) + steps(process_days) + steps(t2, 1))
    values = kpis(record)
    for scope in ("us_user", "country:US", "group:defense", "country:US/group:defense",
                  "world"):
        assert values[(scope, "first_tonne_day_from_KZ")] == expected, scope
    kz = record.origins.index("KZ")
    delivered = record.delivered_by_origin[:, :, kz].sum(axis=1)
    first = int(np.flatnonzero(delivered > 0)[0])
    assert first * 7 == expected  # the first KZ delivery of all is already more than 1 t
    assert delivered[first] >= 1.0
    cn_expected = 7 * (steps(t1, 1) + steps(process_days) + steps(t2, 1))
    assert values[("us_user", "first_tonne_day_from_CN")] == cn_expected


def test_whole_steps_give_the_plain_sum():
    values = kpis(run(network(70, 14, 21, 7)))
    assert values[("us_user", "first_tonne_day_from_KZ")] == 70 + 14 + 21 + 7


def test_a_first_tonne_due_after_the_horizon_never_comes():
    values = kpis(run(network(700, 14, 21, 14)))  # steps 100 + 2 + 3 + 2 = 107 > 104 run
    assert math.isnan(values[("us_user", "first_tonne_day_from_KZ")])
    assert values[("us_user", "first_tonne_day_from_CN")] == 7 * (2 + 3 + 2)


def test_run_reports_the_first_tonne_time_and_probability(tmp_path, capsys):
    import json

    from scenario_builder import write_yaml

    from sim.cli import main

    data = network(70, 14, 21, 7) | {"replications": 3}
    path = write_yaml(tmp_path, data)
    out = tmp_path / "out"
    args = ["run", str(path), "-q", "--out", str(out), "--prob-first-tonne", "KZ@2030-04-23",
            "--prob-first-tonne", "KZ@2030-04-24"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    # day 112 = 2030-04-23 in every replication: by 04-23 means on a step starting before it
    row = next(line for line in printed.splitlines() if line.startswith("first tonne mined in KZ"))
    assert row.split()[5:8] == ["2030-04-23"] * 3  # p5, p50, p95
    assert "1.000 [0.439, 1.000]" in row  # 3 of 3 by the end: Wilson (0.4385, 1)
    summary = json.loads((out / "summary.json").read_text())["country:US"]
    assert summary["first_tonne_day_from_KZ"]["p50"] == 112.0
    assert summary["prob_first_tonne_from_KZ_by_2030-04-23"]["p"] == 0.0
    assert summary["prob_first_tonne_from_KZ_by_2030-04-24"]["p"] == 1.0
    assert (out / "plots" / "time_to_event.png").exists()
    assert main(["run", str(path), "-q", "--no-plots", "--out", str(tmp_path / "bad"),
                 "--prob-first-tonne", "XX"]) == 2
    assert "XX is not a mining country" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
