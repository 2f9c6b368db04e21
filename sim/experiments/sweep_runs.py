"""A sweep's unit of work: one (point, replication) run, or a chunk of one point's
replications advanced together by the batch engine, reduced where it ran to the chosen KPIs.

Workers import this module by name, so the tasks pickle for a process pool and for Dask.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from sim.experiments.batches import chunk_size, chunked, runs
from sim.model import simulate
from sim.records import RunRecord
from sim.results.catalogue import KpiKey, scopes
from sim.results.kpis import kpi_rows, scope_kpis
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import resolve

if TYPE_CHECKING:
    from sim.experiments.executor import DaskRunner, Runner

Outcome = tuple[int, int, tuple[float, ...]]
"""(point, replication, KPI values) of one run."""


@dataclass(frozen=True)
class SweepTask:
    """Replication `replication` of point `point`'s scenario; keep the `kpis` values."""

    scenario: Scenario
    point: int
    replication: int
    seed: int
    kpis: tuple[KpiKey, ...]


@dataclass(frozen=True)
class SweepBatch:
    """Replications `replications` of point `point`'s scenario, advanced together."""

    scenario: Scenario
    point: int
    replications: tuple[int, ...]
    seed: int
    kpis: tuple[KpiKey, ...]


def run_sweep_task(task: SweepTask) -> Outcome:
    """Simulate one run and reduce it, where it ran, to its chosen KPI values."""
    scenario, _ = resolve(task.scenario, task.replication, task.seed)  # uncertain inputs
    run = simulate(scenario, task.replication, task.seed)
    return task.point, task.replication, kpi_values(run, task.kpis)


def run_sweep_batch(task: SweepBatch) -> list[Outcome]:
    """The chunk's runs (batch engine), each reduced to its chosen KPI values."""
    return [(task.point, r, kpi_values(run, task.kpis)) for r, (run, _) in
            zip(task.replications, runs(task.scenario, task.replications, task.seed),
                strict=True)]


def results(runner: Runner | DaskRunner, tasks: Iterable[SweepTask], engine: str,
            replications: int) -> Iterator[Outcome]:
    """Every task's outcome as it completes: one task at a time with the single engine;
    with the batch engine, each point's tasks in chunks (at most a worker's share of a
    point's replications, within the memory bound of sim.experiments.batches)."""
    if engine == "single":
        yield from runner.map(run_sweep_task, tasks)
        return
    for outcomes in runner.map(run_sweep_batch, _batches(tasks, replications,
                                                         runner.workers)):
        yield from outcomes


def _batches(tasks: Iterable[SweepTask], replications: int, workers: int
             ) -> Iterator[SweepBatch]:
    size = None
    for _, same in groupby(tasks, key=lambda t: t.point):
        same = list(same)
        first = same[0]
        if size is None:  # the points' scenarios differ in parameters only
            size = chunk_size(first.scenario, replications, workers)
        for reps in chunked([t.replication for t in same], size):
            yield SweepBatch(first.scenario, first.point, reps, first.seed, first.kpis)


def kpi_values(run: RunRecord, keys: tuple[KpiKey, ...]) -> tuple[float, ...]:
    """Values of the chosen KPIs of one run (only their scopes are computed)."""
    wanted = {scope for scope, _ in keys}
    found: dict[KpiKey, float] = {}
    for scope, members in scopes(run.nodes):
        if scope in wanted:
            kinds = {run.nodes[i].kind for i in members}
            found.update(((scope, k), v) for k, v in scope_kpis(run, members, kinds))
    return tuple(float(found.get(key, float("nan"))) for key in keys)


def all_kpis(run: RunRecord) -> dict[KpiKey, float]:
    """Every KPI of a run (for comparisons with a bare loop)."""
    return {(s, k): v for _, s, k, v in kpi_rows(run)}
