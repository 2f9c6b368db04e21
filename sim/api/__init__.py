"""The Python API, for scripts and notebooks: what the commands do, as functions returning
results with pandas tables (pandas: `pip install 'tungsten-sim[pandas]'`).

Scenarios are given as a loaded Scenario, a file, or a name `tungsten-sim list` prints.
Example::

    import sim

    ban = sim.load_scenario("china-ban-us", set={"horizon_years": 3})
    result = sim.run(ban, replications=20, seed=7)
    result.kpis()                                   # replication, scope, kpi, value
    sim.compare(sim.run("baseline", 20, seed=7, set={"horizon_years": 3}), result).kpis()
    sim.sweep(ban, {"events.cn_ban_us.enforcement": [0, 0.5, 1]}).points()
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.api.results import ComparisonResult, RunResult, as_data
from sim.api.sweeps import SweepResult, sweep
from sim.experiments.compare import CompareSettings, check_kpis, gather, load_inputs
from sim.experiments.defaults import KEEP_SERIES
from sim.experiments.replications import run_replications
from sim.results.catalogue import parse_kpi
from sim.results.compare_folder import Comparison
from sim.results.comparison import selected_keys
from sim.results.result import Result
from sim.scenario import load_scenario as _load
from sim.scenario import parse_assignment
from sim.scenario.names import resolve_scenario
from sim.scenario.schema import Scenario

__all__ = ["ComparisonResult", "RunResult", "SweepResult", "compare", "load_scenario", "run",
           "sweep"]

Overrides = Mapping[str, Any] | Sequence[str] | None
"""`{"path": value}` or `["path=value", ...]`, as `--set` takes them."""
ScenarioLike = Scenario | str | Path


def load_scenario(scenario: str | Path, set: Overrides = None) -> Scenario:
    """A scenario file or shipped name (`"baseline"`), with overrides applied as `--set`
    applies them (string values are read as `--set` reads its text); ScenarioError lists
    every problem."""
    return _load(resolve_scenario(scenario), overrides(set))


def overrides(given: Overrides) -> list[tuple[str, Any]]:
    """`--set`-style (path, value) pairs of a mapping or of `PATH=VALUE` strings."""
    if not given:
        return []
    if isinstance(given, str):
        raise TypeError("overrides: give a mapping or a list of 'PATH=VALUE' strings")
    if not isinstance(given, Mapping):
        return [parse_assignment(text) for text in given]
    out = []
    for path, value in given.items():
        if isinstance(value, str | list | tuple | dict):  # containers: read as YAML would
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            out.append(parse_assignment(f"{path}={text}"))
        else:
            out.append((path, value))
    return out


def _scenario(scenario: ScenarioLike, set: Overrides) -> Scenario:
    if isinstance(scenario, Scenario):
        if set:
            raise TypeError("overrides of a loaded scenario: give them to load_scenario")
        return scenario
    return load_scenario(scenario, set)


def run(scenario: ScenarioLike, replications: int | None = None, *, seed: int | None = None,
        set: Overrides = None, workers: int = 1,
        keep_series: int = KEEP_SERIES, progress: bool = False) -> RunResult:
    """Run a scenario's replications (default: the scenario's count and seed) on `workers`
    processes, as `tungsten-sim run` does; the series of the first `keep_series` are kept."""
    result = run_replications(_scenario(scenario, set), replications, seed, progress,
                              workers=workers, keep_series=keep_series)
    return RunResult(result)


def compare(*inputs: ScenarioLike | RunResult | Result, replications: int | None = None,
            seed: int | None = None, workers: int = 1, kpis: Sequence[str] = (),
            progress: bool = False) -> ComparisonResult:
    """Compare results and scenarios with the first, as `tungsten-sim compare` does.

    Inputs: results of `run` (compared as they are), loaded scenarios, scenario files or
    names, and results folders. Scenarios are run with a common seed and replication count
    (default: those of the first result among the inputs, else the first scenario's seed and
    the largest replication count), so they pair replication by replication.
    """
    if len(inputs) < 2:
        raise ValueError("compare needs at least two results or scenarios")
    items: list[tuple[str, Any]] = []
    for item in inputs:
        if isinstance(item, RunResult | Result):
            items.append((item.name, as_data(item)))
        elif isinstance(item, Scenario):
            items.append((item.name, item))
        else:
            path = resolve_scenario(item, "result folder or scenario file")
            items += load_inputs([str(path)])
    wanted = [parse_kpi(text) for text in kpis]
    check_kpis(items, wanted)
    data = gather(items, CompareSettings(seed, replications, workers, progress=progress))
    return ComparisonResult(Comparison.of(data, selected_keys(data[0], wanted)))
