"""Where the time goes: `python -m bench.profiling [CASE ...] [--top N] [--write | --phases]`.

Profiles (cProfile) one run of each CASE (toy-weekly, toy-daily, baseline-weekly,
baseline-daily; default toy-weekly and baseline-weekly) after one unprofiled warm-up run, and
prints the top N functions by own time (tottime), with their share of the profiled total.
cProfile adds overhead per Python call (here 2-5×, most on small functions), so read shares,
not seconds, and check them against `--phases`.

`--write` profiles write_result(plots=False) of the case's 1-replication result instead.
`--phases` runs without cProfile and splits the wall time of 3 runs by phase of the step,
timing the World methods named in PHASES (those that exist) with perf_counter wrappers; the
wrappers add about 0.3 µs a call, most visible on `ship` (one call per shipment).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from .cases import run_once, scenario

CASES = ("toy-weekly", "toy-daily", "baseline-weekly", "baseline-daily")


def where(func: tuple) -> str:
    """`file:line(name)`, with paths shortened to the project, the stdlib or site-packages."""
    file, line, name = func
    for marker in ("site-packages/", "/lib/python3", "/work/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{file}:{line}({name})" if line else name


def top(profile: cProfile.Profile, n: int) -> tuple[list[dict], float]:
    stats = pstats.Stats(profile)
    total = stats.total_tt
    rows = []
    for func, (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": where(func), "calls": ncalls, "tottime_s": tottime,
                     "cumtime_s": cumtime, "share": tottime / total if total else 0.0})
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return rows[:n], total


def profile_case(case: str, n: int, write: bool) -> tuple[list[dict], float]:
    s = scenario(case)
    if write:
        from sim.experiments import run_replications
        from sim.results.writer import write_result

        result = run_replications(s, 1)
        tmp = Path(tempfile.mkdtemp(prefix="tungsten-profile-"))
        try:
            shutil.rmtree(write_result(result, tmp / "out", plots=False))
            profile = cProfile.Profile()
            profile.runcall(write_result, result, tmp / "out", plots=False)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        run_once(s)
        profile = cProfile.Profile()
        profile.runcall(run_once, s)
    return top(profile, n)


PHASES = (
    ("__init__", "set-up: World() (network, streams, schedules, recorder)"),
    ("_mine", "step: mines"),
    ("_process", "step: processors"),
    ("_consume", "step: consumers (and stockpile releases to them)"),
    ("place_orders", "step: orders and allocation (without ship)"),
    ("ship", "step: ship (take from supplier, transit, arrival bucket)"),
    ("_step", "step: the rest of _step (recording stock and in-transit rows)"),
    ("_arrive", "arrivals (SimPy callbacks)"),
    ("run", "SimPy loop and driver"),
)
"""World methods (and orders.place_orders) timed by --phases, innermost subtracted."""


def phases(case: str, runs: int = 3) -> tuple[float, list[tuple[str, float]]]:
    """Wall time per run, and (phase, seconds per run) with nested phases subtracted."""
    from sim.model import world as world_mod

    acc: dict[str, float] = defaultdict(float)
    originals = []

    def wrap(owner, name: str) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))
        clock = time.perf_counter

        @functools.wraps(original)
        def timed(*args, **kwargs):
            t0 = clock()
            try:
                return original(*args, **kwargs)
            finally:
                acc[name] += clock() - t0

        setattr(owner, name, timed)

    s = scenario(case)
    run_once(s)
    for name, _ in PHASES:
        owner = world_mod if name == "place_orders" else world_mod.World
        if callable(getattr(owner, name, None)):
            wrap(owner, name)
    try:
        t0 = time.perf_counter()
        for _ in range(runs):
            run_once(s)
        total = (time.perf_counter() - t0) / runs
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    a = {k: v / runs for k, v in acc.items()}
    g = a.get
    own = {
        "__init__": g("__init__", 0.0),
        "_mine": g("_mine", 0.0), "_process": g("_process", 0.0),
        "_consume": g("_consume", 0.0),
        "place_orders": g("place_orders", 0.0) - g("ship", 0.0),
        "ship": g("ship", 0.0),
        "_step": g("_step", 0.0) - sum(g(k, 0.0) for k in ("_mine", "_process", "_consume",
                                                            "place_orders")),
        "_arrive": g("_arrive", 0.0),
        "run": g("run", 0.0) - g("_step", 0.0) - g("_arrive", 0.0),
    }
    rows = [(label, own[name]) for name, label in PHASES if name in a]
    rows.append(("simulate: mass balance, RunRecord", total - g("__init__", 0.0)
                 - g("run", 0.0)))
    return total, rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling")
    parser.add_argument("cases", nargs="*", metavar="CASE", help=", ".join(CASES))
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="profile writing results")
    parser.add_argument("--phases", action="store_true",
                        help="wall time by phase of the step, without cProfile")
    args = parser.parse_args(argv)
    for case in args.cases:
        if case not in CASES:
            parser.error(f"unknown case {case!r}; choose from {', '.join(CASES)}")
    for case in args.cases or ["toy-weekly", "baseline-weekly"]:
        if args.phases:
            total, parts = phases(case)
            print(f"\n{case}: {total * 1000:.0f} ms a run (3 runs, phases timed)\n")
            for label, seconds in parts:
                print(f"{seconds / total:6.1%} {seconds * 1000:8.1f} ms  {label}")
            continue
        rows, total = profile_case(case, args.top, args.write)
        what = "write_result(plots=False)" if args.write else "one run"
        print(f"\n{case}: {what}, {total:.3f} s under cProfile; top {args.top} by own time\n")
        print(f"{'own %':>6} {'own s':>7} {'cum s':>7} {'calls':>9}  function")
        for r in rows:
            print(f"{r['share']:6.1%} {r['tottime_s']:7.3f} {r['cumtime_s']:7.3f} "
                  f"{r['calls']:9,d}  {r['function']}")


if __name__ == "__main__":
    main()
