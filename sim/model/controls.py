"""Export controls and route disruptions, resolved to what each edge may do on a step.

An export control matches a shipment by the shipping node's country, the product and the
destination node's country. A ban or a blocked route stops new departures on the edge (goods
already at sea arrive as scheduled); a licence adds its delay, and a transit event its extra
days, to each shipment departing while it is in force; a quota lets the controlled country's
nodes ship together at most `allowed_fraction` of their volume to the controlled destinations
in the 365 days before `at`, per 365 days, pro-rated per step, unused allowance lost. Where
several quotas match one edge, the first listed applies. A consumer's `exclude_origins`
blocks its edges from suppliers located in those countries (from `exclude_from`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.network import Network
from sim.model.schedule import Clock
from sim.scenario.schema import Consumer, ExportControl, TransitChange


@dataclass
class Quota:
    """One quota event: its base volume window, and the allowance left on the current step."""

    event: ExportControl
    first_step: int
    last_step: int
    watch_from_step: int  # first step of the 365 days before `at`
    watched_t: float = 0.0  # tonnes shipped on matching edges in the window
    per_step_t: float = 0.0
    left_t: float = 0.0

    def activate(self, clock: Clock) -> None:
        """Fix the allowance per step from base_tpa or from the watched volume."""
        if self.event.base_tpa is not None:
            base_tpa = self.event.base_tpa
        else:
            watched_days = (self.first_step - self.watch_from_step) * clock.step_days
            base_tpa = self.watched_t * 365.0 / watched_days if watched_days > 0 else 0.0
        self.per_step_t = self.event.allowed_fraction * base_tpa * clock.per_step


@dataclass
class EdgeRules:
    """What the events in force allow on each edge (lists indexed by edge)."""

    blocked: list[bool]
    extra_days: list[float]
    quota: list[Quota | None]


class Controls:
    """Which export controls and transit events are in force, and their effect per edge."""

    def __init__(self, network: Network, clock: Clock):
        s = network.scenario
        self.network = network
        self.clock = clock
        self.windows = []
        self.quotas: list[Quota] = []
        self.watch: list[list[Quota]] = [[] for _ in network.edges]
        for event in s.events:
            if not isinstance(event, (ExportControl, TransitChange)):
                continue
            until = getattr(event, "until", None)
            first, last = clock.window(s.day(event.at), None if until is None else s.day(until))
            edges = [e.index for e in network.edges if self.matches(event, e)]
            quota = None
            if isinstance(event, ExportControl) and event.mode == "quota":
                watch_from = clock.first_step_on_or_after(s.day(event.at) - 365.0)
                quota = Quota(event, first, last, watch_from)
                self.quotas.append(quota)
                for e in edges:
                    self.watch[e].append(quota)
            self.windows.append((first, last, event, edges, quota))
        for consumer in s.consumers:
            if not consumer.exclude_origins:
                continue
            start = 0.0 if consumer.exclude_from is None else s.day(consumer.exclude_from)
            first, last = clock.window(start, None)
            buyer = network.index[consumer.id]
            edges = [e.index for e in network.edges if e.buyer == buyer and
                     network.nodes[e.supplier].country in consumer.exclude_origins]
            self.windows.append((first, last, consumer, edges, None))
        changes = {w[0] for w in self.windows} | {w[1] for w in self.windows}
        self.change_steps = sorted(k for k in changes if k < clock.n_steps)

    def matches(self, event: ExportControl | TransitChange, edge) -> bool:
        """Does the event apply to shipments on this edge?"""
        nodes = self.network.nodes
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

    def rules_at(self, step: int) -> EdgeRules:
        """The per-edge effect of every event in force on `step`."""
        n = len(self.network.edges)
        rules = EdgeRules([False] * n, [0.0] * n, [None] * n)
        for first, last, event, edges, quota in self.windows:
            if not first <= step < last:
                continue
            if quota is not None and step == first:
                quota.activate(self.clock)
            for e in edges:
                if isinstance(event, Consumer):  # its excluded countries' suppliers
                    rules.blocked[e] = True
                elif isinstance(event, TransitChange):
                    rules.blocked[e] = rules.blocked[e] or event.blocked
                    rules.extra_days[e] += event.extra_days
                elif event.mode == "ban":
                    rules.blocked[e] = True
                elif event.mode == "licence":
                    rules.extra_days[e] += event.delay_days
                elif rules.quota[e] is None:
                    rules.quota[e] = quota
        return rules
