"""The unit of work a process pool runs: one replication, reduced where it ran.

Workers import this module by name (it lives in the sim package, never in the caller's
`__main__`), so a pool works from scripts and Jupyter notebooks alike, under either the
"fork" or the "spawn" start method. A task carries the scenario itself (frozen pydantic
models pickle), so nothing depends on files or state in the worker.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

from sim.model import simulate
from sim.results.ensemble import Replicate
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import resolve


@dataclass(frozen=True)
class Task:
    """Replication `replication` of `scenario` under `seed`; keep its record if asked."""

    scenario: Scenario
    replication: int
    seed: int
    keep_record: bool


def run_task(task: Task) -> Replicate:
    """Draw the replication's uncertain inputs, simulate it, and reduce it to what the
    ensemble keeps (its draws included)."""
    scenario, draws = resolve(task.scenario, task.replication, task.seed)
    run = simulate(scenario, task.replication, task.seed)
    return Replicate.of(run, keep_record=task.keep_record, draws=draws)


def ignore_interrupts() -> None:
    """Pool initializer: Ctrl-C is the parent's to handle (cancel, shut down), not the workers'."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
