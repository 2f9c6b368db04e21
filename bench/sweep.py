"""Sweep speed: overhead per run against a bare loop, and scaling from 1 to 2 workers.

    python -m bench.sweep            # baseline, 10 years (~3 min)
    python -m bench.sweep --quick    # baseline cut to 3 years, fewer runs (~30 s)

1. Overhead: the same (point, replication) runs of a grid over one mine's capacity, once as
   a bare loop (`load_scenario` per point, then `simulate` and the same KPI values per run,
   nothing written; the better of two loops, one before and one after the sweep) and once as
   a serial sweep (prepare with up-front validation, the folder, runs.csv appended and
   flushed per run, points.csv and sensitivity.csv; no plots). Goal:
   sweep wall time at most 5% above the loop's.
2. Scaling: the same sweep on 1 and on 2 workers, for the process pool and for a Dask
   LocalCluster (single-threaded worker processes). Cluster start-up is reported apart and
   left out of the speed-up. Goal: >= 1.8 on 2 workers. Every setting must write the same
   runs.csv rows (checked).

Prints a table; writes bench/sweep.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from sim.experiments.design import parse_param
from sim.experiments.executor import DaskRunner, Runner
from sim.experiments.sweep import SweepDefinition, execute, finish, prepare, start
from sim.experiments.sweep_runs import kpi_values
from sim.model import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
OVERHEAD_GOAL, SCALING_GOAL = 0.05, 1.8


def _scenario_file(folder: Path, years: float) -> str:
    """The baseline cut to `years` (a child file extending it)."""
    path = folder / "bench-baseline.yaml"
    path.write_text(f"extends: {BASELINE}\nname: bench-baseline\nhorizon_years: {years}\n")
    return str(path)


def _definition(scenario: str, points: int, replications: int) -> SweepDefinition:
    mine = load_scenario(scenario).mines[0]
    low = mine.capacity_tpa
    spec = f"mines.{mine.id}.capacity_tpa={low * 0.5:g}:{low * 1.5:g}:{points}"
    return SweepDefinition(scenario, (parse_param(spec),), replications=replications)


def bare_loop(definition: SweepDefinition, seed: int, kpis: tuple) -> float:
    """The same runs in a plain loop: one load per point, simulate, the same KPI values."""
    started = time.perf_counter()
    for value in definition.params[0].values:
        scenario = load_scenario(definition.scenario, [(definition.params[0].path, value)])
        for r in range(definition.replications):
            kpi_values(simulate(scenario, r, seed), kpis)
    return time.perf_counter() - started


def timed_sweep(definition: SweepDefinition, runner, folder: Path) -> tuple[float, float, list]:
    """(wall of the whole sweep, wall of the runs alone, sorted runs.csv rows)."""
    started = time.perf_counter()
    plan = prepare(definition)
    out = start(plan, folder)
    with runner:
        began = time.perf_counter()
        execute(plan, out, runner)
        runs_wall = time.perf_counter() - began
    finish(plan, out)
    wall = time.perf_counter() - started
    with (out / "runs.csv").open(newline="") as f:
        rows = sorted(csv.reader(f))
    return wall, runs_wall, rows


def main() -> None:
    """Measure a sweep's overhead and its scaling; print them and write bench/sweep.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3-year baseline, fewer runs")
    args = parser.parse_args()
    years, (points, reps) = (3, (4, 3)) if args.quick else (10, (8, 5))
    out: dict = {"quick": args.quick, "python": platform.python_version(),
                 "cpus": os.cpu_count(), "horizon_years": years}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = _scenario_file(folder, years)
        definition = _definition(scenario, points, reps)
        seed = load_scenario(scenario).seed
        kpis = prepare(definition).definition.kpis
        simulate(load_scenario(scenario), 0, seed)  # warm up (imports, caches)
        runs = points * reps
        loop = bare_loop(definition, seed, kpis)
        sweep_wall, _, _ = timed_sweep(definition, Runner(1), folder / "overhead")
        loop = min(loop, bare_loop(definition, seed, kpis))  # and again, after the sweep
        overhead = sweep_wall / loop - 1
        out["overhead"] = {"runs": runs, "loop_s": loop, "sweep_s": sweep_wall,
                           "per_run_ms": (sweep_wall - loop) / runs * 1000,
                           "overhead": overhead, "goal": OVERHEAD_GOAL}
        scaling_def = _definition(scenario, points * 2, reps)
        settings = {}
        rows_seen = None
        same = True
        for label, make in (("pool", lambda w: Runner(w)),
                            ("dask", lambda w: DaskRunner("local", w))):
            for w in (1, 2):
                runner = make(w)
                wall, runs_wall, rows = timed_sweep(scaling_def, runner,
                                                    folder / f"{label}-{w}")
                settings[f"{label}-{w}"] = {"wall_s": wall, "runs_s": runs_wall,
                                            "startup_s": wall - runs_wall,
                                            "runs_per_s": points * 2 * reps / runs_wall}
                same = same and (rows_seen is None or rows == rows_seen)
                rows_seen = rows
        out["scaling"] = {
            "runs": points * 2 * reps, "settings": settings, "identical_rows": same,
            "speedup_pool": settings["pool-1"]["runs_s"] / settings["pool-2"]["runs_s"],
            "speedup_dask": settings["dask-1"]["runs_s"] / settings["dask-2"]["runs_s"],
            "goal": SCALING_GOAL}
    _print(out)
    (ROOT / "bench" / "sweep.json").write_text(json.dumps(out, indent=1) + "\n")


def _print(out: dict) -> None:
    o, s = out["overhead"], out["scaling"]
    print(f"sweep bench: baseline {out['horizon_years']} years, {out['cpus']} CPUs")
    print(f"overhead  {o['runs']} runs: bare loop {o['loop_s']:.2f} s, serial sweep "
          f"{o['sweep_s']:.2f} s -> {o['overhead']:+.1%} ({o['per_run_ms']:+.1f} ms/run; "
          f"goal <= {o['goal']:.0%})")
    print(f"{'setting':10s} {'runs s':>8s} {'runs/s':>8s} {'startup s':>10s}")
    for name, v in s["settings"].items():
        print(f"{name:10s} {v['runs_s']:8.2f} {v['runs_per_s']:8.2f} {v['startup_s']:10.2f}")
    print(f"speed-up 1->2 workers ({s['runs']} runs): pool {s['speedup_pool']:.2f}, "
          f"dask {s['speedup_dask']:.2f} (goal >= {s['goal']}); identical rows: "
          f"{s['identical_rows']}")


if __name__ == "__main__":
    main()
