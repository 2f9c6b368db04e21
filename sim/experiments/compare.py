"""Gathering what `compare` compares: result folders read back, scenario files run afresh.

Scenario files are run with one common seed and replication count, so they pair with each
other (and with result folders made with that seed and count) replication by replication:
common random numbers. The seed is `seed` if given, else that of the first result folder
among the inputs, else the first scenario's; the replication count likewise (for scenario
files only: the largest of their own `replications`).

Example::

    data = gather(["results/baseline", "scenarios/china-ban-us.yaml"], CompareSettings())
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import Problem, ScenarioError
from sim.experiments.replications import run_replications
from sim.results.catalogue import KpiKey, kpi_keys, unknown_kpis
from sim.results.reader import ResultData, read_result, result_data
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class CompareSettings:
    """How scenario files given to `compare` are run."""

    seed: int | None = None
    replications: int | None = None
    workers: int = 1
    start_method: str | None = None
    progress: bool = False
    engine: str = "batch"  # or "single" (sim.experiments.batches)


def load_inputs(paths: Sequence[str]) -> list[tuple[str, Scenario | ResultData]]:
    """Read every input (folder: a result; file: a scenario), reporting all problems at once."""
    items, problems = [], []
    for path in paths:
        try:
            if Path(path).is_dir():
                items.append((path, read_result(Path(path))))
            elif Path(path).is_file():
                items.append((path, load_scenario(path)))
            else:
                problems.append(Problem(path, 0, 0, "", "no such result folder or scenario file"))
        except ScenarioError as err:
            problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    _check_products(items)
    return items


def _scenario(item: Scenario | ResultData) -> Scenario:
    return item.scenario if isinstance(item, ResultData) else item


def _check_products(items: list[tuple[str, Scenario | ResultData]]) -> None:
    """Refuse to compare results of different product chains (different commodities)."""
    first_path, first = items[0]
    products = sorted(_scenario(first).products)
    problems = [
        Problem(path, 0, 0, "products",
                f"[{', '.join(sorted(_scenario(item).products))}] differ from "
                f"[{', '.join(products)}] of {first_path}: results of different product "
                "chains cannot be compared")
        for path, item in items[1:] if sorted(_scenario(item).products) != products]
    if problems:
        raise ScenarioError(problems)


def common_run(items: list[tuple[str, Scenario | ResultData]],
               settings: CompareSettings) -> tuple[int, int]:
    """(seed, replications) for the scenario files among the inputs."""
    folders = [item for _, item in items if isinstance(item, ResultData)]
    scenarios = [item for _, item in items if not isinstance(item, ResultData)]
    seed = settings.seed
    if seed is None:
        seed = folders[0].seed if folders else scenarios[0].seed
    n = settings.replications
    if n is None:
        n = folders[0].n if folders else max(s.replications for s in scenarios)
    return seed, n


def check_kpis(items: list[tuple[str, Scenario | ResultData]], wanted: Sequence[KpiKey]) -> None:
    """Every KPI asked for must be one the first input reports."""
    first = items[0][1]
    keys = first.keys if isinstance(first, ResultData) else kpi_keys(first)
    unknown_kpis(wanted, keys, "--kpi")


def gather(items: list[tuple[str, Scenario | ResultData]],
           settings: CompareSettings) -> list[ResultData]:
    """ResultData of every input, in order: folders as read, scenario files run now."""
    seed, n = common_run(items, settings)
    out = []
    for path, item in items:
        if not isinstance(item, ResultData):
            result = run_replications(item, n, seed, settings.progress, workers=settings.workers,
                                      keep_series=1, start_method=settings.start_method,
                                      engine=settings.engine)
            item = result_data(result, source=path)
        out.append(item)
    return _unique_labels(out)


def _unique_labels(data: list[ResultData]) -> list[ResultData]:
    seen: set[str] = set()
    out = []
    for item in data:
        label, k = item.label, 2
        while label in seen:
            label, k = f"{item.label}-{k}", k + 1
        seen.add(label)
        out.append(item if label == item.label else dataclasses.replace(item, label=label))
    return out
