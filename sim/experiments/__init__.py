"""Many runs of the model: replications (serial or on a process pool), sequential stopping,
and the inputs of comparisons.

The names below are loaded on first use (PEP 562), so that importing a light module of the
package (`sim.experiments.defaults`, for the command-line parser) does not load numpy,
simpy and pydantic.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "CompareSettings": "sim.experiments.compare",
    "gather": "sim.experiments.compare",
    "load_inputs": "sim.experiments.compare",
    "KEEP_SERIES": "sim.experiments.defaults",
    "run_replications": "sim.experiments.replications",
    "StopRule": "sim.experiments.stopping",
    "parse_kpi": "sim.results.catalogue",
}

__all__ = ["KEEP_SERIES", "CompareSettings", "StopRule", "gather", "load_inputs", "parse_kpi",
           "run_replications"]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` when it is first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
