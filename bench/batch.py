"""The batch engine's speed (issue 17): `python -m bench.batch [--replications N] [--quick]`.

Measured in one process, on one worker, in turn:

- the calibrated baseline (10 years weekly, no plots): N replications through
  `run_replications` with today's engine (`engine="single"`) and with the batch engine
  (`engine="batch"`): wall time, runs/s, the ratio (goal: >= 10x), and whether every KPI
  and band of every replication agrees (1e-9 relative); the batch is timed after an
  untimed run of 2 replications, which compiles or loads the batch's compiled loops
  (numba: ~6.7 s once after an install, which had taken a cold run of 1,000 from 60 to 40
  runs/s);
- the toy network (bench/toy.yaml, 20 years weekly): ms per replication of today's engine,
  of the batch engine (`iter_stacked`, N replications: their records derived a stack at a
  time, as a Monte Carlo reduces them), and of the plain NumPy floor
  (bench/reference/toy_batch.py, N replications as one array); the ratio batch / floor
  (goal: <= 5x);
- the peak resident memory of a fresh process that runs the N baseline replications with the
  batch engine (goal for 1,000 replications: < 500 MB).

Single-engine runs of the baseline take ~0.08 s each: `--single N` times only N of them and
scales (default: all of them with --quick, 100 otherwise). `python -m bench.montecarlo`
prints the same figures after its own.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time

import numpy as np

from bench.cases import BASELINE, ROOT, toy_scenario
from bench.reference.toy_batch import run_batch
from sim.experiments import run_replications
from sim.model import simulate
from sim.model.batch import iter_stacked
from sim.scenario import load_scenario

SEED = 1


def _timed(fn) -> tuple[float, object]:
    gc.collect()
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def _agree(a, b) -> bool:
    """Every KPI and band of two ensembles within 1e-9 relative (NaN where both are)."""
    return bool(np.allclose(a.values, b.values, rtol=1e-9, atol=1e-9, equal_nan=True)
                and np.allclose(a.series, b.series, rtol=1e-9, atol=1e-9, equal_nan=True))


def baseline(n: int, single_n: int) -> dict:
    """Runs/s of both engines on the 10-year baseline; their agreement."""
    scenario = load_scenario(BASELINE, [("horizon_years", 10)])
    warm_s, _ = _timed(lambda: run_replications(scenario, 2, SEED, engine="batch"))
    batch_s, batch = _timed(lambda: run_replications(scenario, n, SEED, engine="batch"))
    single_s, single = _timed(lambda: run_replications(scenario, single_n, SEED,
                                                       engine="single"))
    agree = _agree(single.ensemble, run_replications(scenario, single_n, SEED,
                                                     engine="batch").ensemble) \
        if single_n != n else _agree(single.ensemble, batch.ensemble)
    single_rate, batch_rate = single_n / single_s, n / batch_s
    return {"replications": n, "single_timed": single_n, "single_runs_per_s": single_rate,
            "batch_runs_per_s": batch_rate, "speedup": batch_rate / single_rate,
            "agree": agree, "warm_up_s": warm_s}


def toy(n: int) -> dict:
    """ms per replication on the toy: today's engine (median of 5 runs), the batch engine
    (its records derived a stack at a time and dropped, as a Monte Carlo reduction has them:
    `iter_stacked`) and the NumPy floor (medians of 3 runs of n replications), each warmed
    up first with a run of the same size: the first batch of n in a process pays about twice
    (its heap grows to hold the records, some 550 MB for 200 toy replications), and a Monte
    Carlo pays that once, not per chunk."""
    scenario = toy_scenario(False)
    simulate(scenario, 0, SEED)  # warm-ups, each engine alike
    sum(1 for _ in iter_stacked(scenario, range(n), SEED))
    run_batch(n, SEED)
    singles = [_timed(lambda r=r: simulate(scenario, r, SEED))[0] for r in range(5)]
    batches = [_timed(lambda: sum(1 for _ in iter_stacked(scenario, range(n), SEED)))[0]
               for _ in range(3)]
    floors = [_timed(lambda: run_batch(n, SEED))[0] for _ in range(3)]
    single_ms, batch_ms, floor_ms = (np.median(singles) * 1e3, np.median(batches) / n * 1e3,
                                     np.median(floors) / n * 1e3)
    return {"replications": n, "single_ms": single_ms, "batch_ms": batch_ms,
            "floor_ms": floor_ms, "batch_over_floor": batch_ms / floor_ms,
            "single_over_batch": single_ms / batch_ms}


MEMORY = """
import resource, sys
from pathlib import Path
from sim.experiments import run_replications
from sim.scenario import load_scenario
s = load_scenario(sys.argv[1], [("horizon_years", 10)])
run_replications(s, int(sys.argv[2]), 1)
status = Path("/proc/self/status")
if status.exists():  # VmHWM is this process's own; ru_maxrss keeps the forking parent's
    print(int(next(x for x in status.read_text().splitlines() if x.startswith("VmHWM"))
              .split()[1]) / 1024)
else:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_rss_mb(n: int) -> float:
    """Peak resident memory (MB) of a fresh process that loads the baseline and runs its
    n replications with the batch engine (imports included). On Linux from VmHWM: a child's
    ru_maxrss starts at its parent's peak, since fork copies the parent's memory."""
    out = subprocess.run([sys.executable, "-c", MEMORY, str(BASELINE), str(n)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.split()[-1])


def report(n: int, single_n: int) -> list[str]:
    """The figures as lines: baseline, its peak memory (own process), then the toy."""
    b = baseline(n, single_n)
    lines = [f"baseline, 10 years weekly, no plots, 1 worker: today's engine "
             f"{b['single_runs_per_s']:.1f} runs/s ({single_n} timed), batch "
             f"{b['batch_runs_per_s']:.1f} runs/s ({n}); {b['speedup']:.2f}x (goal >= 10x); "
             f"KPIs and bands agree: {b['agree']}",
             f"untimed first run of 2 batch replications: {b['warm_up_s']:.1f} s (numba "
             f"compiles the batch's loops on the first run after an install, ~6.7 s, and "
             f"loads them from its cache, ~0.2 s, in every later process)",
             f"peak RSS of a process running the {n} batch replications: "
             f"{peak_rss_mb(n):.0f} MB (goal < 500 MB)"]
    t = toy(min(n, 200))
    lines.append(f"toy network, 20 years weekly, {t['replications']} replications: today's "
                 f"engine {t['single_ms']:.1f} ms/rep, batch {t['batch_ms']:.2f} ms/rep "
                 f"({t['single_over_batch']:.1f}x faster), NumPy floor {t['floor_ms']:.2f} "
                 f"ms/rep; batch / floor {t['batch_over_floor']:.1f}x (goal <= 5x)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, help="default 1,000 (quick: 100)")
    parser.add_argument("--single", type=int, help="single-engine replications timed")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n = args.replications or (100 if args.quick else 1000)
    print("\n".join(report(n, min(n, args.single or (n if args.quick else 100)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
