"""Running a scenario's replications, serially or on a process pool, into one Result.

Replication r draws every stochastic source from its own stream (spawned from
`SeedSequence(seed)` by r and the source's id), so the numbers do not depend on the number of
workers, on the order replications finish in, or on the pool's start method; and two
scenarios run with the same seed share random numbers wherever they share sources.

Memory: each replication comes back reduced (`sim.results.ensemble.Replicate`: KPI values,
main series in monthly bins, ~12 KB); the full record (~4 MB for the baseline) only for the
first `keep_series` replications, which are also the ones written to timeseries.csv.

Example::

    result = run_replications(scenario, 1000, seed=7, progress=True, workers=2)
    result.ensemble.summary()["country:US"]["fill_rate"]
"""

from __future__ import annotations

import dataclasses
import time

from tqdm import tqdm

from sim.errors import SimulationError
from sim.experiments.batches import ENGINES, BatchTask, chunk_size, chunked, run_batch_task
from sim.experiments.defaults import KEEP_SERIES
from sim.experiments.executor import Runner
from sim.experiments.stopping import StopOutcome, StopRule
from sim.experiments.worker import Task
from sim.results.ensemble import Ensemble, Replicate
from sim.results.probabilities import ProbabilitySpec
from sim.results.result import Result
from sim.results.stats import halfwidth
from sim.scenario.schema import Scenario


def run_replications(scenario: Scenario, replications: int | None = None,
                     seed: int | None = None, progress: bool = False, *, workers: int = 1,
                     keep_series: int = KEEP_SERIES, start_method: str | None = None,
                     probabilities: ProbabilitySpec | None = None,
                     stop: StopRule | None = None, engine: str = "batch") -> Result:
    """Replications 0..n-1 of a scenario, each on its own random streams.

    `engine` "batch" (the default) advances chunks of replications together (sim.model.batch;
    chunks bounded in memory, `sim.experiments.batches`), "single" one at a time; the results
    are the same. `workers` > 1 runs them on a process pool (`start_method`: see
    `sim.experiments.executor`).
    `keep_series` full records are kept; KPIs and main series of all replications are in
    `result.ensemble`. With `stop`, replications are added until its CI half-width is met
    (`replications` is then ignored) and `result.extra["stopping"]` says where it ended.
    """
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications (={n}) must be >= 1")
    if keep_series < 1:
        raise ValueError(f"keep_series (={keep_series}) must be >= 1")
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} must be one of {ENGINES}")
    started = time.perf_counter()
    size = workers if stop is not None else min(workers, n)
    outcome = None
    with Runner(size, start_method) as runner, \
            tqdm(total=n if stop is None else stop.first_batch(), desc=scenario.name,
                 unit="run", disable=not progress or (stop is None and n < 2),
                 leave=False) as bar:
        jobs = _Jobs(scenario, seed, keep_series, runner, bar, engine == "batch")
        if stop is None:
            jobs.run(0, n)
            reps = jobs.ordered()
        else:
            reps, outcome = _run_until(stop, jobs)
    ensemble = Ensemble.collect(reps, scenario, probabilities)
    runs = [r.record for r in sorted(reps, key=lambda r: r.replication) if r.record is not None]
    extra: dict = {"workers": size, "start_method": runner.start_method if size > 1 else None,
                   "timeseries_replications": len(runs), "engine": engine}
    if outcome is not None:
        extra["stopping"] = outcome.manifest()
    return Result(scenario, runs, seed, time.perf_counter() - started, extra, ensemble)


class _Jobs:
    """Tasks of one scenario and seed, run in ranges of replications; collects the replicates.

    Every replicate must report the same KPI keys; each keeps a reference to the first one's,
    so a thousand replicates do not hold a thousand copies of ~600 key tuples.
    """

    def __init__(self, scenario: Scenario, seed: int, keep_series: int, runner: Runner,
                 bar: tqdm, batch: bool = True):
        self.scenario, self.seed, self.keep, self.runner = scenario, seed, keep_series, runner
        self.bar, self.batch = bar, batch
        self.replicates: list[Replicate] = []

    def run(self, first: int, stop: int) -> None:
        """Run replications first..stop-1 and collect them (in chunks with the batch engine)."""
        if self.batch and stop - first > 1:
            size = chunk_size(self.scenario, stop - first, self.runner.workers)
            tasks = (BatchTask(self.scenario, reps, self.seed, tuple(r < self.keep for r in reps))
                     for reps in chunked(list(range(first, stop)), size))
            for replicates in self.runner.map(run_batch_task, tasks):
                for rep in replicates:
                    self._collect(rep)
            return
        tasks = (Task(self.scenario, r, self.seed, r < self.keep) for r in range(first, stop))
        self.runner.run(tasks, self._collect)

    def _collect(self, rep: Replicate) -> None:
        if self.replicates and rep.kpi_keys is not self.replicates[0].kpi_keys:
            if rep.kpi_keys != self.replicates[0].kpi_keys:
                raise SimulationError(f"replication {rep.replication} of {self.scenario.name} "
                                      "reports other KPIs than the first")
            rep = dataclasses.replace(rep, kpi_keys=self.replicates[0].kpi_keys)
        self.replicates.append(rep)
        self.bar.update()

    def ordered(self) -> list[Replicate]:
        """The replicates collected so far, in replication order."""
        self.replicates.sort(key=lambda r: r.replication)
        return self.replicates


def _run_until(rule: StopRule, jobs: _Jobs) -> tuple[list[Replicate], StopOutcome]:
    """Run batches until the rule is met at some prefix of the replications, or the maximum."""
    done, batch = 0, rule.first_batch()
    label = f"{rule.key[0]}.{rule.key[1]}"
    while True:
        jobs.run(done, done + batch)
        checked, done = done, done + batch
        reps = jobs.ordered()
        try:
            j = reps[0].kpi_keys.index(rule.key)
        except ValueError:
            raise ValueError(f"{jobs.scenario.name} has no KPI {label}") from None
        values = [float(r.kpi_values[j]) for r in reps]
        meets = rule.first_meeting(values, checked)
        if meets is not None or done >= rule.max_replications:
            n = meets if meets is not None else done
            outcome = StopOutcome(label, rule.halfwidth, n, halfwidth(values[:n]),
                                  meets is not None)
            return reps[:n], outcome
        batch = rule.next_batch(done, jobs.runner.workers)
        jobs.bar.total = done + batch
        jobs.bar.refresh()
