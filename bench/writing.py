"""Section 3 of `python -m bench.run`: the time to write a result's files (`write_result`,
no plots) against the time to simulate it, round by round, and the plots apart."""

from __future__ import annotations

import gc
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from .cases import baseline_scenario
from .timing import bench, progress


def writing_case(daily: bool, reps: int, warm: int, plots: bool,
                 timeseries: str = "standard") -> dict:
    """Simulate (run_replications(s, 1)) then write_result (no plots), in turn; plots apart.

    `warm` warm-up rounds, then `reps` rounds; each round's write time is divided by the same
    round's simulate time, and the table shows the median of those ratios. `timeseries` is
    the scenario's choice of variables for timeseries.csv (`standard`, the default, or `all`).
    """
    from sim.experiments import run_replications
    from sim.plots import plot_result
    from sim.results.writer import write_result

    tag = ("daily" if daily else "weekly") + ("" if timeseries == "standard" else f", {timeseries}")
    scenario = baseline_scenario(daily).model_copy(update={"timeseries": timeseries})
    tmp = Path(tempfile.mkdtemp(prefix="tungsten-bench-"))
    sim_t, write_t, size = [], [], 0
    try:
        for round_ in range(1 - warm, reps + 1):
            progress(f"baseline {tag}: simulate and write, "
                     + ("warm-up" if round_ <= 0 else f"round {round_}/{reps}"))
            gc.collect()
            t0 = time.perf_counter()
            result = run_replications(scenario, 1)
            t1 = time.perf_counter()
            folder = write_result(result, tmp / "out")
            t2 = time.perf_counter()
            size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
            shutil.rmtree(folder)
            if round_ > 0:
                sim_t.append(t1 - t0)
                write_t.append(t2 - t1)
        ratios = [w / s for w, s in zip(write_t, sim_t, strict=True)]
        shares = [w / (s + w) for w, s in zip(write_t, sim_t, strict=True)]
        row = {"case": f"baseline {tag}", "timeseries": timeseries, "runs": reps,
               "warmup_runs": warm,
               "simulate_s": statistics.median(sim_t),
               "simulate_times_s": sim_t, "write_s": statistics.median(write_t),
               "write_min_s": min(write_t), "write_max_s": max(write_t),
               "write_times_s": write_t, "written_mb": size / 1e6,
               "write_over_simulate": statistics.median(ratios),
               "write_share_of_run": statistics.median(shares)}
        if plots:
            progress(f"baseline {tag}: plots")

            def plot():
                plot_result(result, tmp / "plots")
                shutil.rmtree(tmp / "plots")

            p = bench(plot, min(3, reps), 1)
            row.update(plots_s=p["median_s"], plots_min_s=p["min_s"], plots_max_s=p["max_s"],
                       plots_runs=p["runs"],
                       plots_over_simulate=p["median_s"] / row["simulate_s"])
        return row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
