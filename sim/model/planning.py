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

import copy
from dataclasses import dataclass

import numpy as np

from sim.model.clock import Clock
from sim.model.network import CONSUMER, MINE, PROCESSOR, STOCKPILE, Edge, Network
from sim.scenario.distributions import expected
from sim.scenario.schema import Scenario


def lead_steps(edges: list[Edge], extra_days: np.ndarray, clock: Clock,
               live: np.ndarray | None = None) -> int:
    """L for a buyer: share-weighted mean transit plus extra days in force, in whole steps,
    over the suppliers that exist (`live`, by node; all if none does yet)."""
    used = edges if live is None else [e for e in edges if live[e.supplier]] or edges
    if not used:
        return 1
    days = sum(e.share * (expected(e.transit) + extra_days[e.index]) for e in used)
    if len(used) < len(edges):  # shares are normalised over the whole list
        days /= sum(e.share for e in used)
    return max(1, clock.steps(days))


def all_delays_days(scenario: Scenario) -> float:
    """Days of every licence delay (expected) and extra transit together: the most buyers
    could ever plan for at once, which bounds planned lead times."""
    return sum(float(expected(getattr(e, "delay_days", None) or 0.0))
               or getattr(e, "extra_days", 0.0) for e in scenario.events)


def planning_clock(net: Network, clock: Clock) -> Clock:
    """The clock extended past the horizon by the longest lead time any delay could make
    (a lead time is a mean over some of a buyer's suppliers: at most its longest transit)."""
    longest = max((clock.steps(float(expected(e.transit))) for e in net.edges), default=1)
    return clock.extended(max(longest, 1) + clock.steps(all_delays_days(net.scenario)) + 2)


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

    def cover(self, lead: int) -> np.ndarray:
        """The `cover_days` part of each step's target."""
        k = np.arange(self.factor.size)
        return self.base[k + lead] * self.cover_steps * self.factor * self.mean_noise


@dataclass
class ProcessorPlan:
    """A processor expects to use its capacity; it holds `cover_steps` of it on top."""

    capacity_t: np.ndarray  # capacity per step (the processor's column of Processors)
    cover_steps: float

    def targets(self, lead: int) -> np.ndarray:
        """Target on each step of the run for a lead time of `lead` steps."""
        return self.capacity_t * (lead + self.cover_steps)

    def cover(self, lead: int) -> np.ndarray:
        """The `cover_days` part of each step's target."""
        return self.capacity_t * self.cover_steps


class Targets:
    """Every buyer's target on each step, by holding row, and the lead times planned."""

    def __init__(self, net: Network, clock: Clock, plans: dict[int, ConsumerPlan |
                 ProcessorPlan], live: np.ndarray, with_cover: bool = False):
        """`with_cover`: keep the cover part of targets too (a market scales it)."""
        self.net, self.clock, self.plans = net, clock, plans
        self.live = live  # suppliers that exist: a future mine or plant plans nothing yet
        self.row = {node.index: net.holding_row(node.index) for node in net.nodes}
        self.target = np.zeros((clock.n_steps, net.n_holding_rows))
        self.extra_days = np.zeros(len(net.edges))
        self.lead = {i: lead_steps(net.nodes[i].edges, self.extra_days, clock, live)
                     for i in plans}
        for node in net.of_kind(STOCKPILE):
            self.target[:, node.index] = node.spec.target_stock or 0.0
        self.cover = np.zeros_like(self.target) if with_cover else None  # the cover_days part
        self._scale: np.ndarray | None = None
        self._cover_factor: np.ndarray | None = None
        for index in plans:
            self.refresh(index, 0)

    def replica(self, plans: dict[int, ConsumerPlan | ProcessorPlan], target: np.ndarray,
                cover: np.ndarray | None) -> Targets:
        """These targets in one replication: its plans (over its own tables), its target and
        cover tables (filled as this one's), its own lead times and suppliers that exist."""
        twin = copy.copy(self)
        twin.plans, twin.target, twin.cover = plans, target, cover
        twin.live, twin.lead = self.live.copy(), dict(self.lead)
        twin.extra_days = self.extra_days.copy()
        return twin

    def adjustable(self, scale: np.ndarray, cover_factor: np.ndarray) -> None:
        """From now on, targets are (target + cover × (cover_factor − 1)) × scale, by row,
        with the market's arrays as they are each step (market.py updates them in place);
        the targets must keep their cover part (`with_cover`)."""
        self._scale, self._cover_factor = scale, cover_factor

    def at(self, k: int) -> np.ndarray:
        """Every buyer's target on step k, by holding row."""
        if self._scale is None:
            return self.target[k]
        return (self.target[k] + self.cover[k] * (self._cover_factor - 1.0)) * self._scale

    def refresh(self, node: int, first: int) -> None:
        """Recompute a buyer's targets from step `first` on."""
        plan, lead, row = self.plans[node], self.lead[node], self.row[node]
        self.target[first:, row] = plan.targets(lead)[first:]
        if self.cover is not None:
            self.cover[first:, row] = plan.cover(lead)[first:]

    def replan(self, k: int, extra_days: np.ndarray) -> None:
        """From step k, buyers whose lead time changed with the rules in force."""
        self.extra_days = extra_days
        for index in self.plans:
            lead = lead_steps(self.net.nodes[index].edges, extra_days, self.clock, self.live)
            if lead != self.lead[index]:
                self.lead[index] = lead
                self.refresh(index, k)

    def supplier_exists(self, node: int, k: int, producing: np.ndarray) -> None:
        """From step k a supplier exists (a mine came online, a plant got capacity): it and
        the plants it makes exist (`producing`: which have capacity), and their buyers plan
        with them from then on."""
        if self.live[node]:
            return
        self.live[node] = True
        self.live[:] = existing(self.net, producing, self.live)
        self.replan(k, self.extra_days)


def existing(net: Network, producing: np.ndarray, known: np.ndarray | None = None
             ) -> np.ndarray:
    """Per node, whether it exists as a supplier: a mine with capacity; a processor with
    capacity and something to work on (initial stock, scrap coming, or a supplier that
    exists); every other node. `known`: nodes already known to exist (they stay so)."""
    live = np.zeros(len(net.nodes), dtype=bool) if known is None else known.copy()
    scrapped_to = {c.spec.scrap_to for c in net.of_kind(CONSUMER) if c.spec.scrap_rate > 0}
    for node in net.nodes:
        if node.kind not in (MINE, PROCESSOR):
            live[node.index] = True
        elif node.kind == MINE or node.id in scrapped_to or node.spec.initial_stock:
            live[node.index] |= producing[node.index]
    changed = True
    while changed:
        changed = False
        for node in net.of_kind(PROCESSOR):
            if not live[node.index] and producing[node.index] and \
                    any(live[e.supplier] for e in node.edges):
                live[node.index] = changed = True
    return live


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
