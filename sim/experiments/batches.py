"""Replications run by the batch engine (sim.model.batch), in chunks that bound memory.

A chunk of R replications of one scenario is advanced together and then reduced a few
replications at a time (a Monte Carlo's KPIs and main series: `run_batch_task`, stacks of
sim.model.batch.run.STACK) or one at a time (`runs`), so what a chunk holds is R × (its
records, tables and goods on the way): `bytes_per_replication` estimates that (about 4 MB
for the 10-year weekly baseline: records 1.9, stacked tables 1.4, capacity tables an event
made its own 0.4; 4.2 MB measured), and `chunk_size` keeps a chunk within BATCH_BYTES (300
MB; at most MAX_CHUNK replications). A process pool or a Dask cluster gets chunks as its
tasks, never more than a worker's share of the replications each, so every worker has work.
Results are the same whichever engine and chunking: each replication draws only from its
own streams (a stack's origin shares are summed in another order: the same to rounding).

    for rep in run_batch_task(BatchTask(scenario, (0, 1, 2), seed=7, keep=(True,) * 3)): ...
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sim.model import simulate
from sim.model.batch import UnlikeReplications, iter_batch, iter_stacked
from sim.model.network import CONSUMER, MINE, PROCESSOR, Network
from sim.model.origins import Origins
from sim.records import RunRecord, StackedRuns
from sim.results.ensemble import Replicate
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import resolve

ENGINES = ("single", "batch")
BATCH_BYTES = 300e6
"""What one chunk of replications may hold (records, tables, goods on the way), in bytes."""
MAX_CHUNK = 32
"""Replications per chunk at most: beyond, the step gains nothing measurable (baseline, 10
years, compiled loops: 93-97 runs/s with chunks of 32, 40 or 48, 2026-12-06) and memory
grows: a 1,000-replication run peaked at 457 MB with 48 and 396 with 32 once numba's loops
were cached, and at 531 and 470 MB on the first run after an install, while numba compiled
them (its compiler's memory stays with the process)."""


def bytes_per_replication(scenario: Scenario) -> float:
    """What one replication adds to a chunk: its records [step, …], its tables (in the batch
    and in its own World) and its ring of goods on the way, in bytes."""
    net = Network(scenario)
    steps = math.ceil(scenario.horizon_days / scenario.step_days) + 1
    n, rows, edges = len(net.nodes), net.n_holding_rows, len(net.edges)
    consumers, suppliers = len(net.of_kind(CONSUMER)), len(net.of_kind(MINE)) + len(
        net.of_kind(PROCESSOR))
    origins = Origins(net)
    groups = len(origins.mined) + len(origins.processed)
    cells = sum(origins.stock_pairs(e.supplier).size for e in net.edges)
    records = 4 * n + consumers * groups + edges + 2 * rows  # [step, rep, …] (records.py)
    tables = 3 * rows + 3 * consumers + 2 * edges + 2 * suppliers + 8  # stacked, market
    capacity = 3 * n  # [step, node] ×3, a World's own once an event rewrites its capacity
    per_step = records + tables + capacity
    ring = 64 * cells  # slots enough for ~64 steps of transit and delays
    return 8.0 * (steps * per_step + ring)


def chunk_size(scenario: Scenario, replications: int, workers: int = 1) -> int:
    """Replications per chunk: within BATCH_BYTES and MAX_CHUNK, and a worker's share."""
    share = math.ceil(replications / max(1, workers))
    fits = int(BATCH_BYTES // bytes_per_replication(scenario))
    return max(1, min(MAX_CHUNK, fits, share))


def chunked(items: list, size: int) -> Iterator[tuple]:
    """`items` in consecutive tuples of at most `size`."""
    for first in range(0, len(items), size):
        yield tuple(items[first:first + size])


def runs(scenario: Scenario, replications: tuple[int, ...], seed: int
         ) -> Iterator[tuple[RunRecord, dict]]:
    """(record, uncertain draws) of each replication, in order, the chunk advanced together;
    replications whose uncertain inputs give other origin pairs (a supplier online at the
    start in some, not in others) run one at a time."""
    resolved = [resolve(scenario, r, seed) for r in replications]
    with _collected():
        yield from _advanced(resolved, replications, seed)


@contextmanager
def _collected() -> Iterator[None]:
    """Free a chunk's worlds when it is done: each World and its SimPy processes form
    reference cycles, so they are collected now rather than left for several chunks to pile
    up before the collector runs. What lived before the chunk (modules, numba's, the
    caller's) is frozen out of that collection: 29 ms a chunk of 48 baseline replications
    when it was in."""
    gc.freeze()
    try:
        yield
        gc.collect()
    finally:
        gc.unfreeze()


def _advanced(resolved: list[tuple[Scenario, dict]], replications: tuple[int, ...], seed: int
              ) -> Iterator[tuple[RunRecord, dict]]:
    """`runs` for resolved scenarios: together, or one at a time if they are unlike."""
    try:
        records = iter_batch([s for s, _ in resolved], replications, seed)
        first = next(records)
    except UnlikeReplications:
        for (s, draws), r in zip(resolved, replications, strict=True):
            yield simulate(s, r, seed), draws
        return
    yield first, resolved[0][1]
    for record, (_, draws) in zip(records, resolved[1:], strict=True):
        yield record, draws


@dataclass(frozen=True)
class BatchTask:
    """Replications `replications` of `scenario` under `seed`, advanced together; keep the
    full records where `keep` says."""

    scenario: Scenario
    replications: tuple[int, ...]
    seed: int
    keep: tuple[bool, ...]


def run_batch_task(task: BatchTask) -> list[Replicate]:
    """The chunk's replicates (worker.run_task's, for every replication of the chunk): its
    replications advanced together and reduced in stacks (KPIs and main series for several
    at once); one at a time if their uncertain inputs make them unlike."""
    resolved = [resolve(task.scenario, r, task.seed) for r in task.replications]
    draws = [d for _, d in resolved]
    out: list[Replicate] = []
    with _collected():
        try:
            stacks = iter_stacked([s for s, _ in resolved], task.replications, task.seed,
                                  task.keep)
            stacked = next(stacks, None)
        except UnlikeReplications:
            return [Replicate.of(simulate(s, r, task.seed), keep_record=keep, draws=d)
                    for (s, d), r, keep in zip(resolved, task.replications, task.keep,
                                               strict=True)]
        while stacked is not None:
            out += _reduced(stacked, task.replications[len(out):], draws[len(out):])
            stacked = None  # let it go before the next is made: one stack alive at a time
            stacked = next(stacks, None)
    return out


def _reduced(stacked: tuple[StackedRuns, list[float], list[RunRecord | None]],
             replications: tuple[int, ...], draws: list[dict]) -> list[Replicate]:
    """One of `iter_stacked`'s stacks reduced, its replications the first of those given."""
    stack, errors, records = stacked
    return Replicate.stack(stack, replications[:stack.reps], errors, records,
                           draws[:stack.reps])
