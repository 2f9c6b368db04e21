"""Export controls, route events and origin rules, and what they allow on each edge.

An export control matches a shipment by the shipping node's country, the product and the
destination node's country. A ban or a blocked route stops new departures on the edge (goods
already at sea arrive as scheduled); a licence adds its delay, and a transit event its extra
days, to each shipment departing while it is in force; a quota lets the controlled country's
nodes ship together at most `allowed_fraction` of their volume to the controlled destinations
in the 365 days before `at`, per 365 days, pro-rated per step, unused allowance lost. Where
several quotas match one edge, the first listed applies. A consumer's `exclude_origins`
blocks its edges from suppliers located in those countries (from `exclude_from`) and lets
it take only material of allowed mine origins.

Each control, route event and origin rule is a SimPy process: at the first step on or after
its start it comes into force, at the first step on or after its end it lapses (a quota
also watches its base volume in the year before). The step then rebuilds the rules in force
(RulesInForce) once, before its flows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.clock import Clock, StepStart
from sim.model.edges import EdgeTables
from sim.model.network import Network
from sim.model.rules import Level, Quota, RulesInForce
from sim.scenario.schema import Consumer, ExportControl, TransitChange


@dataclass
class Rule:
    """A control, route event or origin rule, the edges it touches, and when it is in force."""

    source: ExportControl | TransitChange | Consumer
    edges: list[int]
    first: int
    last: int
    quota: Quota | None = None
    in_force: bool = False


class Controls:
    """The rules of a scenario, the processes that bring them into force, and their effect."""

    def __init__(self, net: Network, clock: Clock, edges: EdgeTables):
        self.net, self.clock, self.edges = net, clock, edges
        self.rules: list[Rule] = [*self._events(), *self._origin_rules()]
        self.quotas = [r.quota for r in self.rules if r.quota is not None]
        self.watched = [(r.quota, np.array(r.edges, dtype=np.int64)) for r in self.rules
                        if r.quota is not None]
        self.masks = np.ones((2 * len(net.nodes), len(net.origins)))
        for rule in self.rules:
            if isinstance(rule.source, Consumer):
                node = net.index[rule.source.id]
                self.masks[node] = [o not in rule.source.exclude_origins for o in net.origins]
        self.changed = False  # set by a rule's process; the step then rebuilds `now`
        self.now = self.in_force()

    def _events(self) -> Iterator[Rule]:
        s = self.net.scenario
        for event in s.events:
            if isinstance(event, (ExportControl, TransitChange)):
                until = getattr(event, "until", None)
                first, last = self.clock.window(s.day(event.at),
                                                None if until is None else s.day(until))
                edges = [e.index for e in self.net.edges if self.matches(event, e)]
                quota = Quota(event) if getattr(event, "mode", None) == "quota" else None
                yield Rule(event, edges, first, last, quota)

    def _origin_rules(self) -> Iterator[Rule]:
        for consumer in self.net.scenario.consumers:
            if consumer.exclude_origins:
                start = consumer.exclude_from
                first, last = self.clock.window(
                    0.0 if start is None else self.net.scenario.day(start), None)
                buyer = self.net.index[consumer.id]
                edges = [e.index for e in self.net.edges if e.buyer == buyer and
                         self.net.nodes[e.supplier].country in consumer.exclude_origins]
                yield Rule(consumer, edges, first, last)

    def matches(self, event: ExportControl | TransitChange, edge) -> bool:
        """Does the event apply to shipments on this edge?"""
        nodes = self.net.nodes
        seller, buyer = nodes[edge.supplier], nodes[edge.buyer]
        if isinstance(event, TransitChange):
            if event.edge is not None:
                return (event.edge.from_, event.edge.to) == (seller.id, buyer.id)
            return ((event.from_country is None or event.from_country == seller.country)
                    and (event.to_country is None or event.to_country == buyer.country))
        product = getattr(seller.spec, "product", None) or seller.spec.output
        return (seller.country == event.country
                and (event.products == "all" or product in event.products)
                and (event.to == "all" or buyer.country in event.to)
                and buyer.country not in event.except_)

    def start(self, env: simpy.Environment) -> None:
        """Start every rule's process."""
        for rule in self.rules:
            if rule.first < self.clock.n_steps:
                env.process(self._rule(env, rule))

    def _rule(self, env: simpy.Environment, rule: Rule) -> Iterator[simpy.Event]:
        """A quota watches the year before it; the rule is in force from first to last."""
        quota = rule.quota
        if quota is not None and quota.event.base_tpa is None:
            s = self.net.scenario
            watch_from = self.clock.first_step_on_or_after(s.day(quota.event.at) - 365.0)
            yield StepStart(env, self.clock, watch_from)
            quota.watching = True
        yield StepStart(env, self.clock, rule.first)
        if rule.first < rule.last:
            if quota is not None:
                quota.watching = False
                watched_days = (rule.first - watch_from) * self.clock.step_days \
                    if quota.event.base_tpa is None else 0.0
                quota.come_into_force(self.clock, watched_days)
            rule.in_force = self.changed = True
        if rule.last < self.clock.n_steps:
            yield StepStart(env, self.clock, rule.last)
            if quota is not None:
                quota.in_force = False
            rule.in_force, self.changed = False, True

    def in_force(self) -> RulesInForce:
        """The per-edge effect of every rule in force now."""
        n = len(self.net.edges)
        blocked, extra_days = np.zeros(n, dtype=bool), np.zeros(n)
        quota_of: dict[int, Quota] = {}
        masked_rows = []
        for rule in self.rules:
            if not rule.in_force:
                continue
            event = rule.source
            if isinstance(event, Consumer):  # its excluded countries' suppliers
                blocked[rule.edges] = True
                masked_rows.append(self.net.index[event.id])
                continue
            for e in rule.edges:
                if isinstance(event, TransitChange):
                    blocked[e] = blocked[e] or event.blocked
                    extra_days[e] += event.extra_days
                elif event.mode == "ban":
                    blocked[e] = True
                elif event.mode == "licence":
                    extra_days[e] += event.delay_days
                elif e not in quota_of:
                    quota_of[e] = rule.quota
        return self._rules(~blocked, extra_days, dict(sorted(quota_of.items())),
                           sorted(masked_rows))

    def _rules(self, open_: np.ndarray, extra_days: np.ndarray, quota_of: dict[int, Quota],
               masked: list[int]) -> RulesInForce:
        edges = self.edges
        quota_edges = []
        for quota in {id(q): q for q in quota_of.values()}.values():
            on_quota = np.zeros(open_.size, dtype=bool)
            on_quota[[e for e, q in quota_of.items() if q is quota]] = True
            quota_edges.append((quota, on_quota))
        reoffered = open_ if quota_edges else open_ & edges.chosen
        mask_now = np.ones_like(self.masks)
        mask_now[masked] = self.masks[masked]
        masked_arr = np.array(masked, dtype=np.int64)
        is_masked_edge = np.isin(edges.buyer, masked_arr)
        rules = RulesInForce(open_, extra_days, quota_edges, quota_of, reoffered, mask_now,
                             masked_arr, is_masked_edge, np.flatnonzero(is_masked_edge))
        rules.levels = [Level.of(edges, rows, reoffered, quota_edges)
                        for rows in edges.level_rows]
        return rules

    def start_step(self, k: int) -> bool:
        """Step 2: quotas' allowance for the step; the rules in force rebuilt if a rule came
        into force or lapsed. Whether they were (buyers then replan)."""
        for quota in self.quotas:
            quota.left_t = quota.per_step_t if quota.in_force else 0.0
        if not self.changed:  # the usual step
            return False
        self.now, self.changed = self.in_force(), False
        return True

    def watch(self, shipped: np.ndarray) -> None:
        """Count shipments on quota edges in the year before each quota (its base volume)."""
        for quota, rows in self.watched:
            if quota.watching:
                quota.watched_t += float(shipped[rows].sum())
