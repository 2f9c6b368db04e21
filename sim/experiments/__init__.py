"""Many runs of the model: replications (serial or on a process pool), sequential stopping,
and the inputs of comparisons.

The names below are loaded on first use (PEP 562), so that importing a light module of the
package (`sim.experiments.defaults`, for the command-line parser) does not load numpy,
simpy and pydantic.
"""

from __future__ import annotations

from sim.lazy import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
