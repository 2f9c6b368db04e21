"""Peak memory of one run, measured in this (fresh) process: `python -m bench.memory CASE`.

CASE is toy-weekly, toy-daily, baseline-weekly or baseline-daily; `--trace` adds a traced
second run (about 5× slower). Prints one JSON object:

- `rss_before_mb`: resident set after the imports and loading the scenario (the baseline),
- `rss_peak_mb`: the highest resident set during the run (Linux: VmHWM, reset just before the
  run through /proc/self/clear_refs; elsewhere ru_maxrss, which cannot be reset, so a run that
  stays under the import-time peak reads as 0),
- `rss_run_mb` = peak − before: the memory one run adds at its peak, RunRecord included,
- `record_mb`: bytes of every numpy array the RunRecord holds (part of the above),
- with `--trace`, `tracemalloc_peak_mb`: peak of Python allocations (numpy's included) during
  a second, traced run: a cross-check of `rss_run_mb` without the allocator's slack.
"""

from __future__ import annotations

import gc
import json
import re
import resource
import sys
import tracemalloc
from pathlib import Path

import numpy as np

from .cases import run_once, scenario

MB = 1024 * 1024


def _status_kb(key: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _maxrss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def record_nbytes(record) -> int:
    """Bytes of every numpy array a RunRecord holds (its `arrays` and array attributes)."""
    found = list(record.arrays.values()) + [
        v for v in vars(record).values() if isinstance(v, np.ndarray)]
    return sum(a.nbytes for a in found)


def measure(case: str, trace: bool = False) -> dict:
    s = scenario(case)
    gc.collect()
    if _reset_peak() and _status_kb("VmRSS") is not None:
        method = "VmHWM after reset (/proc/self/clear_refs) minus VmRSS before"
        before = _status_kb("VmRSS") * 1024
        record = run_once(s)
        peak = _status_kb("VmHWM") * 1024
    else:
        method = "ru_maxrss after minus ru_maxrss before (peak not resettable)"
        before = _maxrss_bytes()
        record = run_once(s)
        peak = _maxrss_bytes()
    record_bytes = record_nbytes(record)
    del record
    out = {
        "case": case,
        "method": method,
        "rss_before_mb": before / MB,
        "rss_peak_mb": peak / MB,
        "rss_run_mb": max(peak - before, 0) / MB,
        "record_mb": record_bytes / MB,
    }
    if trace:
        gc.collect()
        tracemalloc.start()
        run_once(s)
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return out


def main() -> None:
    args = sys.argv[1:]
    print(json.dumps(measure(args[0], trace="--trace" in args[1:])))


if __name__ == "__main__":
    main()
