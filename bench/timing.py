"""Timing helpers the benchmark scripts share: medians of timed runs, progress lines."""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable


def bench(fn: Callable[[], object], reps: int, warm: int = 1) -> dict:
    """Run fn `warm` times, then `reps` timed times; times in seconds and the last output."""
    for _ in range(warm):
        fn()
    times = []
    out = None
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "runs": reps, "warmup_runs": warm, "times_s": times, "out": out}


_T0 = time.perf_counter()


def progress(text: str) -> None:
    """A progress line on stderr, with the seconds since the benchmark started."""
    print(f"  {time.perf_counter() - _T0:5.1f} s  {text}", file=sys.stderr, flush=True)
