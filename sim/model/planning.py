"""Order-up-to targets (design.md, step 6): what each buyer wants to hold and have on the way.

A consumer's target on step k is its expected demand over steps k+1 … k+L plus `cover_days`
of expected demand, where L is its planned lead time in steps; a processor's is its capacity
per step × (L + cover_days / step_days). L is the buyers' suppliers' share-weighted mean
transit, rounded up to whole steps and at least one; while a licence delay or a transit
event is in force, its days count in the transit of the edges it touches (buyers know the
rules in force when they order), so a lasting delay does not starve buyers for ever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.network import NodeInfo
from sim.scenario.distributions import expected


def planned_lead_steps(node: NodeInfo, extra_days: np.ndarray, step_days: int) -> int:
    """L for a buyer: share-weighted mean transit plus extra days in force, in whole steps."""
    if not node.edges:
        return 1
    days = sum(e.share * (expected(e.transit) + extra_days[e.index]) for e in node.edges)
    return max(1, math.ceil(days / step_days - 1e-9))


@dataclass
class ConsumerPlan:
    """Expected demand per step (with events in force and mean noise) and the cover to hold.

    `base` covers the run plus enough steps beyond it for the longest lead time.
    """

    base: np.ndarray  # demand per step before events and noise, past the horizon too
    factor: np.ndarray  # demand events in force, per step of the run
    mean_noise: float
    cover_steps: float

    def targets(self, lead_steps: int) -> np.ndarray:
        """Target on each step of the run for a lead time of `lead_steps`."""
        n = self.factor.size
        cum = np.concatenate(([0.0], np.cumsum(self.base)))
        k = np.arange(n)
        L = lead_steps
        plan = (cum[k + L + 1] - cum[k + 1]) + self.base[k + L] * self.cover_steps
        return plan * self.factor * self.mean_noise


@dataclass
class ProcessorPlan:
    """A processor expects to use its capacity; it holds `cover_steps` of it on top."""

    capacity_t: np.ndarray  # capacity per step
    cover_steps: float

    def targets(self, lead_steps: int) -> np.ndarray:
        """Target on each step of the run for a lead time of `lead_steps`."""
        return self.capacity_t * (lead_steps + self.cover_steps)
