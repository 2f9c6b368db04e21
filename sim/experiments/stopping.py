"""Sequential stopping: add replications until a KPI's confidence interval is narrow enough.

`--ci-halfwidth 0.005 --kpi country:US.fill_rate` runs at least `min_replications` (10), then
batches of 4 per worker, until the 95% t interval of the mean of that KPI has a half-width of
at most 0.005, or `max_replications` (1000) is reached. The rule is checked at every prefix
0..m-1 of the replications, not only at batch ends, and the result keeps exactly the first m
that satisfy it: so the n reached, like every number, does not depend on the number of workers.
(As with any optional stopping, the interval of the n reached is slightly optimistic.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.experiments.defaults import MAX_REPLICATIONS, MIN_REPLICATIONS
from sim.results.catalogue import KpiKey
from sim.results.stats import halfwidth

BATCH_PER_WORKER = 4


@dataclass(frozen=True)
class StopRule:
    """Stop when the 95% CI half-width of `key`'s mean is at most `halfwidth`."""

    key: KpiKey
    halfwidth: float
    max_replications: int = MAX_REPLICATIONS
    min_replications: int = MIN_REPLICATIONS

    def __post_init__(self) -> None:
        if not self.halfwidth > 0:
            raise ValueError(f"CI half-width (={self.halfwidth}) must be > 0")
        if self.min_replications < 2:
            raise ValueError(f"minimum replications (={self.min_replications}) must be >= 2")
        if self.max_replications < self.min_replications:
            raise ValueError(f"maximum replications (={self.max_replications}) must be >= "
                             f"the minimum ({self.min_replications})")

    def first_batch(self) -> int:
        """Replications run before the rule is first checked."""
        return self.min_replications

    def next_batch(self, done: int, workers: int) -> int:
        """How many more to run after `done`, never beyond the maximum."""
        return min(BATCH_PER_WORKER * max(1, workers), self.max_replications - done)

    def first_meeting(self, values: np.ndarray, checked: int) -> int | None:
        """Smallest m in (checked, len(values)], m >= the minimum, whose prefix meets the rule."""
        for m in range(max(checked + 1, self.min_replications), len(values) + 1):
            if halfwidth(values[:m]) <= self.halfwidth:
                return m
        return None


@dataclass(frozen=True)
class StopOutcome:
    """Where sequential stopping ended: n, the half-width there, and whether the target was met."""

    kpi: str
    target: float
    n: int
    halfwidth: float
    reached: bool

    def manifest(self) -> dict:
        """What manifest.json records under "stopping"."""
        width = None if math.isinf(self.halfwidth) else self.halfwidth
        return {"kpi": self.kpi, "target_halfwidth": self.target, "n": self.n,
                "halfwidth": width, "reached": self.reached}

    def describe(self) -> str:
        """One line for the terminal."""
        verdict = "reached" if self.reached else "NOT reached (maximum replications)"
        return (f"sequential stopping on {self.kpi}: n = {self.n}, 95% CI half-width "
                f"{self.halfwidth:.4g} (target {self.target:g}) {verdict}")
