"""Order-up-to targets (design.md, step 6): what each buyer wants to hold and have on the way.

A buyer's planned lead time L is its suppliers' share-weighted mean transit, plus the
licence delays and extra transit days in force on its edges (buyers know the rules they
order under), rounded up to whole steps and at least one. A consumer's target on step k is
its expected demand over steps k+1 … k+L plus `cover_days` of expected demand (with the
demand events in force and its mean noise); a processor's is its capacity per step ×
(L + cover_days / step_days); a stockpile's is its `target_stock`. Targets are kept as a
table [step, holding row], rewritten from a step on when a buyer's demand, capacity or lead
time changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.clock import Clock
from sim.model.network import CONSUMER, PROCESSOR, STOCKPILE, Edge, Network
from sim.scenario.distributions import expected
from sim.scenario.schema import Scenario


def lead_steps(edges: list[Edge], extra_days: np.ndarray, clock: Clock) -> int:
    """L for a buyer: share-weighted mean transit plus extra days in force, in whole steps."""
    if not edges:
        return 1
    days = sum(e.share * (expected(e.transit) + extra_days[e.index]) for e in edges)
    return max(1, clock.steps(days))


def all_delays_days(scenario: Scenario) -> float:
    """Days of every licence delay (expected) and extra transit together: the most buyers
    could ever plan for at once, which bounds planned lead times."""
    return sum(float(expected(getattr(e, "delay_days", None) or 0.0))
               or getattr(e, "extra_days", 0.0) for e in scenario.events)


def planning_clock(net: Network, clock: Clock) -> Clock:
    """The clock extended past the horizon by the longest lead time any delay could make."""
    no_delays = np.zeros(len(net.edges))
    longest = max((lead_steps(n.edges, no_delays, clock) for n in net.nodes), default=1)
    return clock.extended(longest + clock.steps(all_delays_days(net.scenario)) + 2)


@dataclass
class ConsumerPlan:
    """Expected demand per step (with events in force and mean noise) and the cover to hold.

    `base` covers the run plus enough steps beyond it for the longest lead time; `factor`
    is the consumer's column of Consumers.factor, read when targets are recomputed.
    """

    base: np.ndarray  # demand per step before events and noise, past the horizon too
    factor: np.ndarray  # demand events in force, per step of the run
    mean_noise: float
    cover_steps: float

    def targets(self, lead: int) -> np.ndarray:
        """Target on each step of the run for a lead time of `lead` steps."""
        n = self.factor.size
        cum = np.concatenate(([0.0], np.cumsum(self.base)))
        k = np.arange(n)
        plan = (cum[k + lead + 1] - cum[k + 1]) + self.base[k + lead] * self.cover_steps
        return plan * self.factor * self.mean_noise


@dataclass
class ProcessorPlan:
    """A processor expects to use its capacity; it holds `cover_steps` of it on top."""

    capacity_t: np.ndarray  # capacity per step (the processor's column of Processors)
    cover_steps: float

    def targets(self, lead: int) -> np.ndarray:
        """Target on each step of the run for a lead time of `lead` steps."""
        return self.capacity_t * (lead + self.cover_steps)


class Targets:
    """Every buyer's target on each step, by holding row, and the lead times planned."""

    def __init__(self, net: Network, clock: Clock, plans: dict[int, ConsumerPlan |
                 ProcessorPlan]):
        self.net, self.clock, self.plans = net, clock, plans
        self.row = {node.index: net.holding_row(node.index) for node in net.nodes}
        self.target = np.zeros((clock.n_steps, net.n_holding_rows))
        no_delays = np.zeros(len(net.edges))
        self.lead = {i: lead_steps(net.nodes[i].edges, no_delays, clock) for i in plans}
        for node in net.of_kind(STOCKPILE):
            self.target[:, node.index] = node.spec.target_stock or 0.0
        for index in plans:
            self.refresh(index, 0)

    def refresh(self, node: int, first: int) -> None:
        """Recompute a buyer's targets from step `first` on."""
        self.target[first:, self.row[node]] = self.plans[node].targets(self.lead[node])[first:]

    def replan(self, k: int, extra_days: np.ndarray) -> None:
        """From step k, buyers whose lead time changed with the rules in force."""
        for index in self.plans:
            lead = lead_steps(self.net.nodes[index].edges, extra_days, self.clock)
            if lead != self.lead[index]:
                self.lead[index] = lead
                self.refresh(index, k)


def plans(net: Network, clock: Clock, consumer_base: np.ndarray, consumer_factor: np.ndarray,
          mean_noise: list[float], processor_capacity_t: np.ndarray
          ) -> dict[int, ConsumerPlan | ProcessorPlan]:
    """Every consumer's and processor's plan, by node index, over live tables."""
    out: dict[int, ConsumerPlan | ProcessorPlan] = {}
    for j, node in enumerate(net.of_kind(PROCESSOR)):
        out[node.index] = ProcessorPlan(processor_capacity_t[:, j],
                                        node.spec.cover_days / clock.step_days)
    for j, node in enumerate(net.of_kind(CONSUMER)):
        out[node.index] = ConsumerPlan(consumer_base[:, j], consumer_factor[:, j],
                                       mean_noise[j], node.spec.cover_days / clock.step_days)
    return out
