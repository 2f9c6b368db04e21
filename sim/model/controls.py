"""Export controls, route events and origin rules, and what they allow on each edge.

An export control matches a shipment by the shipping node's country, the product and the
destination node's country. A ban or a blocked route stops new departures on the edge (goods
already at sea arrive as scheduled); a licence adds its delay, and a transit event its extra
days, to each shipment departing while it is in force; a quota lets the controlled country's
nodes ship together at most `allowed_fraction` of their volume to the controlled destinations
in the 365 days before `at`, per 365 days, pro-rated per step, unused allowance lost. Where
several quotas match one edge, the first listed applies. A licence regime grants or refuses
each shipment (licences.py). A ban with `reexport: true` also stops tungsten mined or
processed in the controlling country from reaching the destination from any third country
(sellers outside both): such edges carry (1 − enforcement) of the controlled origins and all
the others. A consumer's `exclude_origins` (mining countries) and `exclude_processed`
(processing countries) block its edges from suppliers located in those countries (from
`exclude_from`) and let it take only material of allowed origins (origins.py).

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
from sim.model.licences import Licence, ReexportCheck
from sim.model.network import Network
from sim.model.origins import Origins
from sim.model.rules import Level, Quota, RulesInForce
from sim.scenario.schema import Consumer, ExportControl, OriginRule, TransitChange


@dataclass
class Rule:
    """A control, route event or origin rule, the edges it touches, and when it is in force."""

    source: ExportControl | TransitChange | Consumer | OriginRule
    edges: list[int]
    first: int
    last: int
    quota: Quota | None = None
    licence: Licence | None = None
    reexport: ReexportCheck | None = None
    buyer: int | None = None  # an origin rule's consumer
    allowed: np.ndarray | None = None  # an origin rule's 0/1 mask over origins
    in_force: bool = False


class Controls:
    """The rules of a scenario, the processes that bring them into force, and their effect."""

    def __init__(self, net: Network, clock: Clock, edges: EdgeTables, origins: Origins,
                 seed: tuple[int, int], at_start: RulesInForce | None = None):
        """`at_start`: what `in_force` gives before any rule is in force, if known (the
        same for every replication of a scenario: blueprint.py builds it once)."""
        self.net, self.clock, self.edges, self.origins = net, clock, edges, origins
        self.rules: list[Rule] = [*self._events(seed), *self._origin_rules()]
        self.quotas = [r.quota for r in self.rules if r.quota is not None]
        self.watched = [(r.quota, np.array(r.edges, dtype=np.int64)) for r in self.rules
                        if r.quota is not None]
        self.n_rows = net.n_holding_rows
        self.changed = False  # set by a rule's process; the step then rebuilds `now`
        self.now = self.in_force() if at_start is None else at_start

    def _events(self, seed: tuple[int, int]) -> Iterator[Rule]:
        s = self.net.scenario
        for i, event in enumerate(s.events):
            if isinstance(event, (ExportControl, TransitChange)):
                until = getattr(event, "until", None)
                first, last = self.clock.window(s.day(event.at),
                                                None if until is None else s.day(until))
                edges = [e.index for e in self.net.edges if self.matches(event, e)]
                rule = Rule(event, edges, first, last)
                mode = getattr(event, "mode", None)
                if mode == "quota":
                    rule.quota = Quota(event)
                if mode == "licence":
                    rule.licence = Licence(event, f"licence:{event.id or i}", edges, self.net,
                                           self.clock, seed)
                if getattr(event, "reexport", False):
                    third = [e.index for e in self.net.edges if self.reexport_matches(event, e)]
                    stopped = 1.0 - self.origins.allowed([event.country], [event.country])
                    rule.reexport = ReexportCheck(event, f"reexport:{event.id or i}", third,
                                                  self.net, self.clock, seed, stopped)
                yield rule

    def longest_delay_days(self) -> float:
        """The most days that transit events and drawn licence delays can add at once."""
        return sum(r.licence.longest_delay_days() if r.licence is not None
                   else getattr(r.source, "extra_days", 0.0) for r in self.rules)

    def _origin_rules(self) -> Iterator[Rule]:
        """Consumers' own exclusions (from `exclude_from`) and `origin_rule` events (from
        `at`), one rule per consumer bound."""
        s = self.net.scenario
        sources = [(c, c, c.exclude_from) for c in s.consumers
                   if c.exclude_origins or c.exclude_processed]
        sources += [(e, c, e.at) for e in s.events if isinstance(e, OriginRule)
                    for c in s.consumers if e.applies_to(c)]
        for source, consumer, start in sources:
            first, last = self.clock.window(0.0 if start is None else s.day(start), None)
            excluded = set(source.exclude_origins) | set(source.exclude_processed)
            buyer = self.net.index[consumer.id]
            edges = [e.index for e in self.net.edges if e.buyer == buyer and
                     self.net.nodes[e.supplier].country in excluded]
            yield Rule(source, edges, first, last, buyer=buyer, allowed=self.origins.allowed(
                source.exclude_origins, source.exclude_processed))

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

    def reexport_matches(self, event: ExportControl, edge) -> bool:
        """Is the edge a third country's sale to a destination of a re-export control?"""
        seller, buyer = self.net.nodes[edge.supplier], self.net.nodes[edge.buyer]
        return (seller.country != event.country
                and (event.to == "all" or buyer.country in event.to)
                and buyer.country not in event.except_
                and (event.to == "all" or seller.country not in event.to))

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
        mask_now = np.ones((self.n_rows, len(self.origins.pairs)))
        masked_rows, licences, reexports = set(), [], []
        for rule in (r for r in self.rules if r.in_force):
            event = rule.source
            if rule.allowed is not None:  # an origin rule: its countries' suppliers, origins
                blocked[rule.edges] = True
                mask_now[rule.buyer] *= rule.allowed
                masked_rows.add(rule.buyer)
            elif isinstance(event, TransitChange):
                blocked[rule.edges] |= event.blocked
                extra_days[rule.edges] += event.extra_days
            elif event.mode == "ban":
                blocked[rule.edges] = True
                if rule.reexport is not None:
                    reexports.append(rule.reexport)
            elif event.mode == "licence":
                licences.append(rule.licence)
                blocked[rule.licence.end_use_refused] = True
            else:
                for e in rule.edges:
                    quota_of.setdefault(e, rule.quota)
        return self._rules(~blocked, extra_days, dict(sorted(quota_of.items())), mask_now,
                           sorted(masked_rows), (licences, reexports))

    def _rules(self, open_: np.ndarray, extra_days: np.ndarray, quota_of: dict[int, Quota],
               mask_now: np.ndarray, masked: list[int],
               border: tuple[list[Licence], list[ReexportCheck]]) -> RulesInForce:
        edges = self.edges
        quota_edges = []
        for quota in {id(q): q for q in quota_of.values()}.values():
            on_quota = np.zeros(open_.size, dtype=bool)
            on_quota[[e for e, q in quota_of.items() if q is quota]] = True
            quota_edges.append((quota, on_quota))
        reoffered = open_ if quota_edges else open_ & edges.chosen
        licences, reexports = border
        edge_mask = mask_now[edges.buyer]
        planned = extra_days.copy()
        for licence in licences:
            planned[licence.edges] += licence.expected_delay_days
        rules = RulesInForce(open_, extra_days, planned, quota_edges, quota_of, reoffered,
                             mask_now, np.array(masked, dtype=np.int64), edge_mask, licences,
                             reexports)
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
