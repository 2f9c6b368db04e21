"""Stockpile sizing's speed (issue 14: three scenarios at 200 replications in under 5 minutes
on 2 cores): `python -m bench.sizing [--replications N] [--workers W] [--quick]`.

Runs a search like the README's: the NDS (us_nds), releasing to all U.S. consumers at up to
20,000 t/yr, sized so that the U.S. fill rate is >= 0.8 in 95% of replications of
china-ban-us, china-quota-50 and conflict-surge (each with `market=off`: with prices, U.S.
shortfalls are rare; and U.S. defense, served first, is never short in them). Prints the
answer, the runs used, the runs a full evaluation of every holding would have needed, runs/s
and the wall time. No assertion: figures are for reading, on a quiet machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.experiments.sizing import (
    Sizing,
    parse_target,
    size_stockpile,
)
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("china-ban-us", "china-quota-50", "conflict-surge")
TARGET = "country:US.fill_rate>=0.8"
OVERRIDES = [("market", "off"),
             ("stockpiles.us_nds.release.to",
              ["us_defense_alloy", "us_defense_carbide", "us_carbide", "us_other"]),
             ("stockpiles.us_nds.release.max_tpa", 20000)]
MAX_HOLDING = 60000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-n", type=int, default=200)
    parser.add_argument("--workers", "-j", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="20 replications")
    args = parser.parse_args()
    n = 20 if args.quick else args.replications
    scenarios = tuple(load_scenario(ROOT / "scenarios" / f"{name}.yaml", OVERRIDES)
                      for name in SCENARIOS)
    sizing = Sizing(scenarios, "us_nds", parse_target(TARGET), 0.95, n, 1, MAX_HOLDING,
                    MAX_HOLDING / 100)
    started = time.perf_counter()
    result = size_stockpile(sizing, workers=args.workers, progress=True)
    wall = time.perf_counter() - started
    search = result.searches[0]
    evaluations = len(search.evaluations)
    print(f"{len(scenarios)} scenarios x {n} replications, {args.workers} workers, "
          f"target {TARGET} at 0.95")
    print(f"answer {search.answer} t (below: {search.below} t), {evaluations} evaluations")
    print(f"{result.runs} runs in {wall:.1f} s: {result.runs / wall:.2f} runs/s")
    full = len({e.holding for e in search.evaluations}) * n * len(scenarios)
    print(f"every holding evaluated with every replication would take {full} runs "
          f"(~{full / (result.runs / wall):.0f} s at this rate)")


if __name__ == "__main__":
    main()
