"""Where the time goes: `python -m bench.profiling [CASE ...] [--top N] [--write | --phases]`.

Profiles (cProfile) one run of each CASE (toy-weekly, toy-daily, baseline-weekly,
baseline-daily; default toy-weekly and baseline-weekly) after one unprofiled warm-up run, and
prints the top N functions by own time (tottime), with their share of the profiled total.
cProfile adds overhead per Python call (here 2-5×, most on small functions), so read shares,
not seconds, and check them against `--phases`.

`--write` profiles write_result (no plots) of the case's 1-replication result instead.
`--phases` runs without cProfile and splits the wall time of 3 runs by phase of the step,
timing the functions named in PHASES with perf_counter wrappers (about 0.5 µs a call each,
so a few per cent of the total).
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
    """The `n` functions with the most own time in a profile, and the profile's total."""
    stats = pstats.Stats(profile)
    total = stats.total_tt
    rows = []
    for func, (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": where(func), "calls": ncalls, "tottime_s": tottime,
                     "cumtime_s": cumtime, "share": tottime / total if total else 0.0})
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return rows[:n], total


def profile_case(case: str, n: int, write: bool) -> tuple[list[dict], float]:
    """cProfile of one run of a case (or of writing its result, with `write`): top `n`."""
    s = scenario(case)
    if write:
        from sim.experiments import run_replications
        from sim.results.writer import write_result

        result = run_replications(s, 1)
        tmp = Path(tempfile.mkdtemp(prefix="tungsten-profile-"))
        try:
            shutil.rmtree(write_result(result, tmp / "out"))
            profile = cProfile.Profile()
            profile.runcall(write_result, result, tmp / "out")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        run_once(s)
        profile = cProfile.Profile()
        profile.runcall(run_once, s)
    return top(profile, n)


PHASES = (
    ("sim.model.world", "World.__init__", "set-up: World() (tables, streams, processes)"),
    ("sim.model.state", "State.arrive", "step 1: arrivals into stock"),
    ("sim.model.consumers", "ScrapReturns.return_scrap", "step 1: scrap returns"),
    ("sim.model.controls", "Controls.start_step", "step 2: quotas, rules in force"),
    ("sim.model.mines", "Mines.produce", "step 3: mines"),
    ("sim.model.world", "World._draw", "steps 4-5: processors and consumers draw"),
    ("sim.model.processors", "Processors.process", "step 4: processors"),
    ("sim.model.world", "World._consume", "step 5: consumers, stockpile cover"),
    ("sim.model.orders", "Orders.place", "step 6: needs, shares, requests"),
    ("sim.model.allocation", "Allocation.allocate", "step 6: suppliers allocate by level"),
    ("sim.model.allocation", "Allocation._reoffer", "step 6: re-offer rounds (besides serving)"),
    ("sim.model.orders", "Orders._ship", "step 6: ship (take from suppliers, goods ring)"),
    ("sim.model.world", "World._step", "rest of the step (stock record)"),
    ("sim.model.world", "World.run", "SimPy loop, driver, records after the run"),
)
"""(module, function or Class.method, label) timed by --phases, each without the others
it calls."""


def phases(case: str, runs: int = 3) -> tuple[float, list[tuple[str, float]]]:
    """Wall time per run, and (phase, seconds per run) with nested phases subtracted."""
    import importlib

    own: dict[str, float] = defaultdict(float)
    stack: list[float] = []  # time spent in timed callees, per open call
    originals = []

    def wrap(owner, name: str, key: str) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))
        clock = time.perf_counter

        @functools.wraps(original)
        def timed(*args, **kwargs):
            stack.append(0.0)
            t0 = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent = clock() - t0
                inner = stack.pop()
                own[key] += spent - inner
                if stack:
                    stack[-1] += spent

        setattr(owner, name, timed)

    s = scenario(case)
    run_once(s)
    for module, path, _ in PHASES:
        owner = importlib.import_module(module)
        *classes, name = path.split(".")
        for cls in classes:
            owner = getattr(owner, cls)
        wrap(owner, name, path)
    try:
        t0 = time.perf_counter()
        for _ in range(runs):
            run_once(s)
        total = (time.perf_counter() - t0) / runs
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)
    rows = [(label, own[path] / runs) for _, path, label in PHASES]
    rows.append(("simulate: mass balance, RunRecord", total - sum(t for _, t in rows)))
    return total, rows


def main(argv: list[str] | None = None) -> None:
    """Profile the cases asked for (all by default) and print where the time goes."""
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
        what = "write_result (no plots)" if args.write else "one run"
        print(f"\n{case}: {what}, {total:.3f} s under cProfile; top {args.top} by own time\n")
        print(f"{'own %':>6} {'own s':>7} {'cum s':>7} {'calls':>9}  function")
        for r in rows:
            print(f"{r['share']:6.1%} {r['tottime_s']:7.3f} {r['cumtime_s']:7.3f} "
                  f"{r['calls']:9,d}  {r['function']}")


if __name__ == "__main__":
    main()
