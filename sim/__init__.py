"""tungsten-sim: a supply-disruption scenario simulator for tungsten (SimPy).

The Python API (`sim.api`), for scripts and notebooks::

    import sim

    ban = sim.load_scenario("china-ban-us", set={"horizon_years": 3})
    result = sim.run(ban, replications=20, seed=7)
    result.kpis()                       # a pandas DataFrame: replication, scope, kpi, value

`load_scenario`, `run`, `compare`, `sweep` and `run_replications` are loaded on first use
(PEP 562): the command line imports this package too, and `tungsten-sim --help` must not wait
for numpy, simpy and pydantic.
"""

from __future__ import annotations

from sim.lazy import lazy_names

_LAZY = {
    "load_scenario": "sim.api",
    "run": "sim.api",
    "compare": "sim.api",
    "sweep": "sim.api",
    "RunResult": "sim.api",
    "ComparisonResult": "sim.api",
    "SweepResult": "sim.api",
    "run_replications": "sim.experiments.replications",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.errors",
    "SimulationError": "sim.errors",
}
"""Each public name and the module that defines it."""

__all__ = ["ComparisonResult", "RunResult", "Scenario", "ScenarioError", "SimulationError",
           "SweepResult", "compare", "load_scenario", "run", "run_replications", "sweep"]


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
