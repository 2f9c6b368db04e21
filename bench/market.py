"""What the market costs: `python -m bench.market [--rounds N]`.

Issue 13: "the market adds at most 20% to a baseline run's simulation time". Times one
replication of scenarios/baseline.yaml (10 years, weekly steps, its own horizon) with its
`market:` section on, and the same scenario with `market: off`, in this one process: one
warm-up run each, then N interleaved rounds (on, off, on, off, ...; gc.collect() before each
run) so that both see the same machine load. Prints every run's ms, the medians and the
ratio on / off. Scenario loading is outside the timing (as in bench/run.py: World, run, mass
balance and RunRecord are timed).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from sim.scenario import load_scenario

from .cases import BASELINE, run_once
from .timing import progress

TARGET = 1.20
"""Issue 13: the market adds at most 20%."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.market", description=__doc__
                                     .splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    args = parser.parse_args(argv)
    cases = {"market on": load_scenario(BASELINE),
             "market off": load_scenario(BASELINE, [("market", False)])}
    if cases["market on"].market is None:
        raise SystemExit("scenarios/baseline.yaml has no market section to time")
    for name, s in cases.items():  # warm-up
        progress(f"warm-up: {name}")
        run_once(s)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(args.rounds):
        for name, s in cases.items():
            gc.collect()
            t0 = time.perf_counter()
            run_once(s)
            times[name].append(time.perf_counter() - t0)
        progress(f"round {r + 1}/{args.rounds}")
    steps = cases["market on"].horizon_years
    print(f"\nbaseline.yaml, {steps} years, weekly steps, one replication; "
          f"{args.rounds} interleaved rounds after one warm-up run each\n")
    print(f"{'case':12s} {'median ms':>10s} {'min ms':>8s} {'max ms':>8s}   per-run ms")
    for name, ts in times.items():
        ms = [t * 1000 for t in ts]
        print(f"{name:12s} {statistics.median(ms):10.1f} {min(ms):8.1f} {max(ms):8.1f}   "
              + " ".join(f"{m:.0f}" for m in ms))
    ratio = statistics.median(times["market on"]) / statistics.median(times["market off"])
    paired = statistics.median(a / b for a, b in zip(times["market on"], times["market off"],
                                                              strict=True))
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"\nratio on / off: {ratio:.3f} of the medians ({paired:.3f} median of round-by-round "
          f"ratios): the market adds {ratio - 1:+.0%}; {verdict} issue 13's target "
          f"(at most {TARGET - 1:+.0%})")


if __name__ == "__main__":
    main()
