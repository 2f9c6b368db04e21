"""tungsten-sim benchmarks: `python -m bench.run [--quick] [--json bench/results.json]`.

Prints tables (and writes JSON) of per-run times measured in this one process: every case is
run once to warm up, then N times (gc.collect() before each), and reported as median, min and
max; the versions of the toy network run in turn, round by round, so that they see the same
machine load. Ratios compare figures measured in the same run, never figures from elsewhere.

1. The reference toy network (bench/reference/, from the design card) 20 years, weekly and
   daily steps: the lean and the idiomatic hand-written SimPy loops, tungsten-sim on
   bench/toy.yaml (toy-daily.yaml), and SupplyNetPy 0.5.1 when installed (`.[bench]`).
2. The calibrated baseline (scenarios/baseline.yaml) 20 years, weekly and daily: per-run time,
   and peak memory of one run in a fresh subprocess (bench/memory.py).
3. Writing results (`write_result`, without plots) and plots, against the time to simulate.
4. The targets of issue #6, measured against the above.

See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from .cases import (
    ROOT,
    SEED,
    baseline_scenario,
    consumer_totals,
    count_events,
    run_once,
    toy_scenario,
)
from .reference.simpy_toy import run_idiomatic, run_lean
from .reference.toy_network import horizon
from .timing import bench, progress
from .writing import writing_case

try:
    from .reference.supplynetpy_toy import build_and_run as run_supplynetpy
except ImportError as err:  # SupplyNetPy is a bench-only extra
    run_supplynetpy = None
    SUPPLYNETPY_MISSING = f"{err}; install it with `pip install -e '.[bench]'`"
else:
    SUPPLYNETPY_MISSING = ""

PACKAGES = ("tungsten-sim", "simpy", "numpy", "pydantic", "matplotlib", "pyyaml", "supplynetpy")


# ----- 1. the toy network ---------------------------------------------------------------------

def bench_interleaved(versions: list[tuple], reps: int) -> list[dict]:
    """Warm every version up, then run them in turn, `reps` rounds (ratios see the same load).

    `versions` holds (name, fn, warm-up runs); returns bench()-like dicts in the same order.
    """
    for name, fn, warm in versions:
        for _ in range(warm):
            progress(f"{name}: warm-up")
            fn()
    times: list[list[float]] = [[] for _ in versions]
    outs: list = [None] * len(versions)
    for round_ in range(reps):
        progress(f"round {round_ + 1}/{reps}: " + ", ".join(v[0] for v in versions))
        for i, (_, fn, _) in enumerate(versions):
            gc.collect()
            t0 = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [{"median_s": statistics.median(ts), "min_s": min(ts), "max_s": max(ts),
             "runs": reps, "warmup_runs": v[2], "times_s": ts, "out": out}
            for v, ts, out in zip(versions, times, outs, strict=True)]


def toy_cases(daily: bool, reps: int, idiomatic: bool, supplynetpy: bool) -> list[dict]:
    """Every version of the toy network at one step length, timed in turn in this process."""
    tag = "daily" if daily else "weekly"
    scenario = toy_scenario(daily)
    versions, parsers, rows = [], [], []

    def simpy_parse(out):
        events, stats = out
        return events, horizon(daily), stats["delivered"]

    def snp_parse(out):
        events, net = out
        return events, horizon(daily), net["fulfillment_received_by_customers"][1]

    def ts_parse(record):
        return events, steps, consumer_totals(record)["delivered"]

    versions.append(("lean SimPy", lambda: run_lean(SEED, daily), 1))
    parsers.append(simpy_parse)
    if idiomatic:
        versions.append(("idiomatic SimPy", lambda: run_idiomatic(SEED, daily), 1))
        parsers.append(simpy_parse)
    progress(f"toy {tag}: tungsten-sim warm-up, counting events")
    events, steps = count_events(scenario)  # its warm-up run: World(...).run()
    versions.append(("tungsten-sim", lambda: run_once(scenario), 0))
    parsers.append(ts_parse)
    skipped = None
    if run_supplynetpy is None:
        skipped = f"not installed ({SUPPLYNETPY_MISSING})"
    elif not supplynetpy:
        skipped = "not run with --quick"
    else:
        versions.append(("SupplyNetPy", lambda: run_supplynetpy(SEED, daily), 1))
        parsers.append(snp_parse)
    progress(f"toy {tag}")
    logging.disable(logging.CRITICAL)  # SupplyNetPy's logger, as the reference's __main__ does
    try:
        results = bench_interleaved(versions, reps)
    finally:
        logging.disable(logging.NOTSET)
    for (version, _, _), parse, r in zip(versions, parsers, results, strict=True):
        n_events, n_steps, delivered = parse(r.pop("out"))
        if version == "tungsten-sim":
            r["warmup_runs"] = 1  # count_events
        rows.append({"case": f"toy {tag}", "version": version, "steps": n_steps,
                     "events": n_events, "delivered_t": delivered, **r})
    if skipped:
        rows.append({"case": f"toy {tag}", "version": "SupplyNetPy", "skipped": skipped})
    by_version = {r["version"]: r for r in rows if "median_s" in r}
    lean = by_version["lean SimPy"]["median_s"]
    snp = by_version.get("SupplyNetPy", {}).get("median_s")
    for r in rows:
        if "median_s" not in r:
            continue
        r["events_per_s"] = r["events"] / r["median_s"]
        r["steps_per_s"] = r["steps"] / r["median_s"]
        r["x_lean"] = r["median_s"] / lean
        r["supplynetpy_over_this"] = snp / r["median_s"] if snp else None
    return rows


# ----- 2. the baseline ------------------------------------------------------------------------

def baseline_case(daily: bool, reps: int, memory: bool, trace: bool) -> dict:
    """Per-run time of the 20-year baseline (weekly or daily), and its peak memory if asked."""
    tag = "daily" if daily else "weekly"
    progress(f"baseline {tag}: simulate")
    scenario = baseline_scenario(daily)
    events, steps = count_events(scenario)  # the warm-up run: World(...).run()
    r = bench(lambda: run_once(scenario), reps, warm=0)
    r.pop("out")
    r["warmup_runs"] = 1  # count_events
    row = {"case": f"baseline {tag}", "version": "tungsten-sim", "steps": steps,
           "events": events, **r, "steps_per_s": steps / r["median_s"],
           "events_per_s": events / r["median_s"]}
    if memory:
        progress(f"baseline {tag}: peak memory (fresh subprocess)")
        row["memory"] = measure_memory(f"baseline-{tag}", trace=trace)
    return row


def measure_memory(case: str, trace: bool) -> dict:
    """Peak memory of one run in a fresh interpreter (bench/memory.py)."""
    cmd = [sys.executable, "-m", "bench.memory", case, *(["--trace"] if trace else [])]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----- 4. targets ------------------------------------------------------------------------------

def targets(toy: list[dict], baseline: list[dict], writing: list[dict]) -> list[dict]:
    """The targets of issue #6, each with its measured value and whether it is met."""
    out = []

    def add(what: str, value, limit: float, unit: str, at_most: bool = True) -> None:
        if value is None:
            out.append({"target": what, "value": None, "ok": None, "limit": limit})
            return
        ok = value <= limit if at_most else value >= limit
        out.append({"target": what, "value": value, "limit": limit, "unit": unit, "ok": ok})

    for row in toy:
        if row.get("version") == "tungsten-sim":
            add(f"{row['case']}: tungsten-sim time / lean SimPy <= 1.5", row["x_lean"], 1.5, "x")
            add(f"{row['case']}: SupplyNetPy time / tungsten-sim >= 20",
                row["supplynetpy_over_this"], 20.0, "x", at_most=False)
    for row in baseline:
        if row["case"] == "baseline weekly":
            add("baseline weekly 20 y: per-run time < 0.1 s", row["median_s"], 0.1, "s")
        mem = row.get("memory", {})
        if "rss_run_mb" in mem:
            add(f"{row['case']} 20 y: peak memory of a run < 100 MB", mem["rss_run_mb"], 100.0,
                "MB")
    for row in writing:
        if row["timeseries"] == "standard":  # `all` is a choice users make, shown apart
            add(f"{row['case']}: writing's share of the run <= 20%",
                row["write_share_of_run"], 0.2, "%")
            add(f"{row['case']}: (stricter reading) write / simulate <= 0.2",
                row["write_over_simulate"], 0.2, "x")
    return out


# ----- printing --------------------------------------------------------------------------------

def ms(seconds: float | None) -> str:
    """Seconds as milliseconds (or seconds from 1 s up); '-' for None."""
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def num(value: float | None, fmt: str = "{:,.0f}") -> str:
    """A number in `fmt`; '-' for None."""
    return "-" if value is None else fmt.format(value)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain aligned table: the first two columns left-aligned, the rest right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w)
                       for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return "\n".join(lines)


def report(data: dict) -> str:
    """The printed report of a benchmark run (what --json writes, as tables)."""
    m = data["machine"]
    v = data["versions"]
    out = [f"tungsten-sim benchmarks, {data['date']}, commit {m['commit']}",
           f"{m['cpu']} ({m['cpus']} CPUs), Python {m['python']}, simpy {v['simpy']}, "
           f"numpy {v['numpy']}, SupplyNetPy {v['supplynetpy'] or 'not installed'}",
           f"medians of {data['reps']['weekly']} runs (daily: {data['reps']['daily']}) after "
           f"{data['reps']['warmup']} warm-up, all in this one process"
           + (" [--quick]" if data["quick"] else ""), ""]
    out.append("Toy network, 20 years (bench/reference; tungsten-sim: bench/toy.yaml)")
    rows, notes = [], []
    for r in data["toy"]:
        if "skipped" in r:
            rows.append([r["case"], r["version"], *["-"] * 8])
            notes.append(f"{r['case']} {r['version']}: skipped, {r['skipped']}")
            continue
        rows.append([r["case"], r["version"], ms(r["median_s"]),
                     f"{ms(r['min_s'])}..{ms(r['max_s'])}", num(r["events"]),
                     num(r["events_per_s"]), num(r["steps_per_s"]),
                     num(r["x_lean"], "{:.2f}x"), num(r["supplynetpy_over_this"], "{:.1f}x"),
                     num(r["delivered_t"] / 1e6, "{:.3f} Mt")])
    out.append(table(["case", "version", "per run", "min..max", "events", "events/s",
                      "steps/s", "/ lean", "SNP / this", "delivered"], rows))
    out += notes
    out += ["", "Calibrated baseline (scenarios/baseline.yaml), 20 years"]
    rows = []
    for r in data["baseline"]:
        mem = r.get("memory", {})
        rows.append([r["case"], f"{r['steps']} steps", ms(r["median_s"]),
                     f"{ms(r['min_s'])}..{ms(r['max_s'])}", num(r["steps_per_s"]),
                     num(r["events"]), num(mem.get("rss_run_mb"), "{:.1f} MB"),
                     num(mem.get("record_mb"), "{:.1f} MB"),
                     num(mem.get("tracemalloc_peak_mb"), "{:.1f} MB")])
    out.append(table(["case", "steps", "per run", "min..max", "steps/s", "events",
                      "peak RSS of run", "of which record", "tracemalloc peak"], rows))
    if data["writing"]:
        out += ["", "Writing results: run_replications(s, 1), then write_result (no plots), "
                "in turn; write/sim = write / simulate and share of run = write / (simulate + "
                "write), each the median of the rounds' ratios; plots (plot_result) apart"]
        rows = [[r["case"], f"{r['runs']} run" + ("s" if r["runs"] != 1 else ""),
                 ms(r["simulate_s"]), ms(r["write_s"]),
                 num(r["write_over_simulate"], "{:.0%}"), num(r["write_share_of_run"], "{:.0%}"),
                 num(r["written_mb"], "{:.1f} MB"),
                 ms(r.get("plots_s")), num(r.get("plots_over_simulate"), "{:.0%}")]
                for r in data["writing"]]
        out.append(table(["case", "", "simulate", "write", "write/sim", "share of run",
                          "written", "plots", "plots/sim"], rows))
    out += ["", "Targets (issue #6)"]
    rows = []
    for t in data["targets"]:
        value = "-" if t["value"] is None else (
            f"{t['value']:.3f} s" if t["unit"] == "s" else
            f"{t['value']:.1f} MB" if t["unit"] == "MB" else
            f"{t['value']:.1%}" if t["unit"] == "%" else f"{t['value']:.2f}x")
        status = "n/a" if t["ok"] is None else ("met" if t["ok"] else "NOT MET")
        rows.append([t["target"], status, value])
    out.append(table(["target", "", "measured"], rows))
    return "\n".join(out)


# ----- environment -----------------------------------------------------------------------------

def machine() -> dict:
    """The CPU, its count, the platform, Python and the commit (`git describe --dirty`)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"cpu": cpu, "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(), "commit": commit}


def versions() -> dict:
    """Installed versions of the packages the figures depend on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# ----- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Run every section (fewer with --quick), print the report, write --json."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run (~20 s): 3 runs weekly, 1 daily; no idiomatic SimPy, no "
                             "tracemalloc, no SupplyNetPy or baseline at daily steps")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write every figure to this JSON file")
    parser.add_argument("--reps", type=int, default=None, help="timed runs per weekly case")
    args = parser.parse_args(argv)
    quick = args.quick
    reps_w = args.reps or (3 if quick else 5)
    reps_d = 1 if quick else 3
    started = time.perf_counter()
    toy = toy_cases(False, reps_w, idiomatic=not quick, supplynetpy=True)
    toy += toy_cases(True, reps_d, idiomatic=not quick, supplynetpy=not quick)
    baseline = [baseline_case(False, reps_w, memory=True, trace=not quick)]
    if not quick:
        baseline.append(baseline_case(True, reps_d, memory=True, trace=False))
    reps_write = 2 * reps_w + 1  # a round takes ~0.15 s; more rounds, a steadier median
    writing = [writing_case(False, reps_write, 1, plots=True),
               writing_case(False, reps_write, 0, plots=False, timeseries="all")]
    if not quick:  # its code is warm from the weekly case; a warm-up round would take ~8 s
        writing.append(writing_case(True, 1, 0, plots=False))
    data = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": quick,
        "reps": {"weekly": reps_w, "daily": reps_d, "warmup": 1, "writing_weekly": reps_write},
        "machine": machine(),
        "versions": versions(),
        "seed": SEED,
        "toy": toy,
        "baseline": baseline,
        "writing": writing,
        "targets": targets(toy, baseline, writing),
    }
    data["total_s"] = time.perf_counter() - started
    print(report(data))
    print(f"\n(total {data['total_s']:.0f} s)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
