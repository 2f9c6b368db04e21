"""The step grid of a scenario, and the SimPy events that mark the start of a step.

Step k starts on day k × step_days. Scenario dates are turned into steps in one place
(`Clock.steps`, `Clock.first_step_on_or_after`): an event is in force from the first step
starting on or after its `at` day (design.md, "One step, in order").
"""

from __future__ import annotations

import copy
import math

import numpy as np
import simpy
from simpy.events import URGENT

from sim.scenario.schema import Scenario

ROUND_DOWN = 1e-9
"""Days are floats: a quotient within this of a whole number of steps counts as that number
(7.0000000001 days on weekly steps is one step, not two)."""


class Clock:
    """The step grid of a scenario: step k starts on day k × step_days."""

    def __init__(self, scenario: Scenario):
        self.step_days = scenario.step_days
        self.n_steps = self.steps(scenario.horizon_days)
        self.days = np.arange(self.n_steps, dtype=float) * self.step_days
        self.per_step = self.step_days / 365.0  # share of a year in one step

    def steps(self, days: float) -> int:
        """Whole steps that cover `days` (rounded up, see ROUND_DOWN)."""
        return math.ceil(days / self.step_days - ROUND_DOWN)

    def steps_of(self, days: np.ndarray) -> np.ndarray:
        """`steps` of each element of an array of days."""
        return np.ceil(days / self.step_days - ROUND_DOWN).astype(np.int64)

    def extended(self, extra_steps: int) -> Clock:
        """The same grid, `extra_steps` longer (for planning beyond the horizon)."""
        longer = copy.copy(self)
        longer.n_steps = self.n_steps + extra_steps
        longer.days = np.arange(longer.n_steps, dtype=float) * self.step_days
        return longer

    def first_step_on_or_after(self, day: float) -> int:
        """Index of the first step starting on or after `day` (may be n_steps)."""
        return max(0, self.steps(day))

    def window(self, start_day: float, end_day: float | None) -> tuple[int, int]:
        """Steps [first, last) on which an event from start_day until end_day is in force."""
        first = min(self.first_step_on_or_after(start_day), self.n_steps)
        last = self.n_steps if end_day is None else self.first_step_on_or_after(end_day)
        return first, min(max(last, first), self.n_steps)


class StepStart(simpy.events.Event):
    """Fires at the start of step `step`, before the step's flows run.

    The driver wakes for each step with an ordinary (NORMAL) timeout; this event is
    scheduled URGENT, which SimPy processes first among events at the same time, so a
    scenario event that waits for it is in force for the whole step, whatever order the
    events were created in.
    """

    def __init__(self, env: simpy.Environment, clock: Clock, step: int):
        super().__init__(env)
        self._ok = True
        self._value = step
        env.schedule(self, URGENT, max(0.0, step * clock.step_days - env.now))
