"""Running a scenario's replications (serially for now) into one Result."""

from __future__ import annotations

import time

from tqdm import tqdm

from sim.model import simulate
from sim.results.result import Result
from sim.scenario.schema import Scenario


def run_replications(scenario: Scenario, replications: int | None = None,
                     seed: int | None = None, progress: bool = False) -> Result:
    """Replications 0..n-1 of a scenario, each on its own random streams."""
    n = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    bar = tqdm(total=n, desc=scenario.name, unit="run", disable=not progress or n < 2,
               leave=False)
    runs = []
    with bar:
        for r in range(n):
            runs.append(simulate(scenario, r, seed))
            bar.update()
    return Result(scenario, runs, seed, time.perf_counter() - started)
