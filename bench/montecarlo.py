"""Monte Carlo speed: N replications of the baseline over 10 years on 1 and on W workers.

    python -m bench.montecarlo            # 1,000 replications on 1 and on 2 workers (~8 min)
    python -m bench.montecarlo --quick    # 40 replications

First, in a fresh process, the engines (bench/batch.py, issue 17): 1,000 baseline
replications (10 years weekly, no plots) with the batch engine against today's one-at-a-time
engine on one worker (runs/s and the ratio), the peak memory of that run, and the toy
network's batch against the plain NumPy floor (bench/reference/toy_batch.py).

Runs `run_replications` as `tungsten-sim run --workers W` does (default engine: batch,
default start method, default kept series) and reports wall time, runs per second and the
speed-up of W workers over 1 (goal: >= 1.9 on 2 workers). The N replications of each setting
are run in blocks (10 by default, each block its own seed), the two settings alternating
block by block in swapped order, so that slow phases of a shared machine hit both alike. It
checks that both settings gave identical KPIs and bands in every block, and records what
explains a miss: the CPU seconds spent (this process and its workers), the utilisation of
the W CPUs, the CPU time stolen by the hypervisor (Linux) and the load average. Prints a
table; writes bench/montecarlo.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from sim.experiments import run_replications
from sim.experiments.executor import default_start_method
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SEED = 1
GOAL = 1.9


def _cpu_seconds() -> float:
    """User and system CPU time of this process and of its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _steal_seconds() -> float:
    """CPU time the hypervisor gave to others, all CPUs (Linux /proc/stat; else 0)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _timed(scenario: Scenario, n: int, seed: int, workers: int) -> tuple[dict, object]:
    """One run_replications call: (wall, cpu, steal, load) and its ensemble."""
    load, cpu, steal = os.getloadavg()[0], _cpu_seconds(), _steal_seconds()
    started = time.perf_counter()
    result = run_replications(scenario, n, seed, workers=workers)
    wall = time.perf_counter() - started
    return {"wall": wall, "cpu": _cpu_seconds() - cpu, "steal": _steal_seconds() - steal,
            "load": load}, result.ensemble


def measure(replications: int, workers: int, blocks: int) -> dict:
    """Time both settings over the same blocks of replications; compare their numbers."""
    scenario = load_scenario(BASELINE, [("horizon_years", 10)])
    sizes = [replications // blocks + (b < replications % blocks) for b in range(blocks)]
    totals = {w: {"wall": 0.0, "cpu": 0.0, "steal": 0.0, "load": []} for w in (1, workers)}
    identical, block_speedups = True, []
    for b, n in enumerate(sizes):
        walls, ensembles = {}, {}
        for w in ((1, workers) if b % 2 == 0 else (workers, 1)):
            timing, ensembles[w] = _timed(scenario, n, SEED + b, w)
            walls[w] = timing["wall"]
            for key in ("wall", "cpu", "steal"):
                totals[w][key] += timing[key]
            totals[w]["load"].append(timing["load"])
        block_speedups.append(walls[1] / walls[workers])
        a, c = ensembles[1], ensembles[workers]
        identical &= bool(np.array_equal(a.values, c.values, equal_nan=True)
                          and np.array_equal(a.series, c.series, equal_nan=True))
    rows = [{"workers": w, "wall_seconds": round(t["wall"], 2),
             "runs_per_second": round(replications / t["wall"], 3),
             "cpu_seconds": round(t["cpu"], 1), "utilisation": round(t["cpu"] / (w * t["wall"]), 3),
             "steal_seconds": round(t["steal"], 1),
             "mean_load_average_before": round(statistics.mean(t["load"]), 2)}
            for w, t in totals.items()]
    return {
        "scenario": "baseline", "horizon_years": 10, "step_days": scenario.step_days,
        "replications": replications, "blocks": blocks, "seeds": [SEED, SEED + blocks - 1],
        "start_method": default_start_method(), "cpu_count": os.cpu_count(),
        "python": platform.python_version(), "runs": rows,
        "speedup": round(rows[0]["wall_seconds"] / rows[1]["wall_seconds"], 3),
        "block_speedups": [round(x, 3) for x in block_speedups], "goal": GOAL,
        "identical_results": identical, "peak_rss_mb_parent": round(_peak_rss_mb(), 1),
    }


def table(report: dict) -> str:
    """The report as a short table."""
    lines = [f"baseline, {report['horizon_years']} years, {report['replications']} replications"
             f" per setting in {report['blocks']} alternating blocks (start method "
             f"{report['start_method']}, {report['cpu_count']} CPUs)",
             f"{'workers':>8} {'wall s':>9} {'runs/s':>8} {'CPU s':>8} {'utilisation':>12} "
             f"{'steal s':>8} {'load':>6}"]
    for row in report["runs"]:
        lines.append(f"{row['workers']:>8} {row['wall_seconds']:>9.1f} "
                     f"{row['runs_per_second']:>8.2f} {row['cpu_seconds']:>8.1f} "
                     f"{row['utilisation']:>12.2f} {row['steal_seconds']:>8.1f} "
                     f"{row['mean_load_average_before']:>6.2f}")
    verdict = "meets" if report["speedup"] >= report["goal"] else "misses"
    spread = report["block_speedups"]
    lines.append(f"speed-up {report['speedup']:.2f}x ({verdict} the goal of {report['goal']}x; "
                 f"blocks {min(spread):.2f}-{max(spread):.2f}x); identical results: "
                 f"{report['identical_results']}; parent peak RSS "
                 f"{report['peak_rss_mb_parent']:.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 replications in 2 blocks")
    parser.add_argument("--replications", type=int, help="replications per setting")
    parser.add_argument("--blocks", type=int, help="alternating blocks (default 10; quick 2)")
    parser.add_argument("--workers", type=int, default=2, help="pool size compared with 1")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".json"))
    parser.add_argument("--no-engines", action="store_true",
                        help="skip the batch-against-single comparison (bench/batch.py)")
    args = parser.parse_args(argv)
    n = args.replications or (40 if args.quick else 1000)
    blocks = min(n, args.blocks or (2 if args.quick else 10))
    if not args.no_engines:
        engines = subprocess.run([sys.executable, "-m", "bench.batch", "--replications",
                                  str(n), *(["--quick"] if args.quick else [])],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
        print(engines.stdout, end="", flush=True)
    report = measure(n, args.workers, blocks)
    print(table(report))
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
