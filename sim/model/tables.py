"""What a run reads on each step and that does not depend on what happens in it.

Built once per replication with numpy, so the step only indexes arrays: each mine's output,
each processor's capacity, each consumer's demand and every buyer's order-up-to target by
[step, node]; each edge's transit by [step, edge]; and the index arrays of the vectorised
step (who supplies whom, with what share, priority and position in the buyer's list).
Nodes are numbered mines, processors, stockpiles, consumers (Network's order), so each kind
is a slice and its rows of a [node, origin] array are a view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model import schedule
from sim.model.network import CONSUMER, MINE, PROCESSOR, STOCKPILE, Network
from sim.model.planning import ConsumerPlan, ProcessorPlan
from sim.model.recorder import Recorder
from sim.scenario.distributions import draw, expected, is_random
from sim.scenario.schema import Scenario


@dataclass
class EdgeTables:
    """Index arrays over edges, and their transit on each departure step."""

    supplier: np.ndarray  # node index of each edge's supplier
    buyer: np.ndarray  # node index of each edge's buyer
    holding_row: np.ndarray  # row of World.held the buyer's goods go to (a processor's input)
    share: np.ndarray  # share of the buyer's order, normalised over its list
    level: np.ndarray  # rank of each edge's buyer's priority (0 = highest)
    choice: bool  # some buyer has more than one supplier
    choosable: np.ndarray  # the suppliers of buyers that have more than one
    chosen: np.ndarray  # per edge: its buyer has more than one supplier
    level_rows: list[np.ndarray]  # edge indices of each priority level, highest first
    preference: np.ndarray  # edge indices by buyer, each buyer's in its list's order
    n_edges_of_buyer: np.ndarray  # per node
    transit_days: np.ndarray  # [step, edge]


def kind_slice(net: Network, kind: str) -> slice:
    """Rows of the nodes of one kind (contiguous, by Network's numbering)."""
    rows = [n.index for n in net.of_kind(kind)]
    if not rows:
        return slice(0, 0)
    assert rows == list(range(rows[0], rows[-1] + 1)), "nodes of a kind must be contiguous"
    return slice(rows[0], rows[-1] + 1)


def edge_tables(net: Network, clock: schedule.Clock, rng: dict) -> EdgeTables:
    """The edges as arrays; random transits drawn per departure step from each edge's stream."""
    edges = net.edges
    supplier = np.array([e.supplier for e in edges], dtype=np.int64)
    buyer = np.array([e.buyer for e in edges], dtype=np.int64)
    n_edges_of_buyer = np.bincount(buyer, minlength=len(net.nodes))
    chosen = n_edges_of_buyer[buyer] > 1
    level_of = {p: i for i, p in enumerate(sorted({net.nodes[b].priority for b in buyer}))}
    level = np.array([level_of[net.nodes[b].priority] for b in buyer.tolist()], dtype=np.int64)
    n_levels = len(level_of)
    position = np.array([net.nodes[e.buyer].edges.index(e) for e in edges], dtype=int)
    days = np.empty((clock.n_steps, len(edges)))
    for e in edges:
        if is_random(e.transit):
            days[:, e.index] = draw(e.transit, rng[e.key], clock.n_steps)
        else:
            days[:, e.index] = float(expected(e.transit))
    return EdgeTables(
        supplier=supplier,
        buyer=buyer,
        holding_row=buyer + len(net.nodes) * np.array([net.nodes[b].kind == PROCESSOR
                                                       for b in buyer.tolist()], dtype=np.int64),
        share=np.array([e.share for e in edges]),
        level=level,
        choice=bool(chosen.any()),
        choosable=np.unique(supplier[chosen]),
        chosen=chosen,
        level_rows=[np.flatnonzero(level == i) for i in range(n_levels)],
        preference=np.lexsort((position, buyer)),
        n_edges_of_buyer=n_edges_of_buyer,
        transit_days=days)


def due_steps(transit_days: np.ndarray, step_days: int) -> np.ndarray:
    """[step, edge]: the first step a departure on that step is usable, at least one later."""
    steps = np.maximum(1, np.ceil(transit_days / step_days - 1e-9)).astype(np.int64)
    return steps + np.arange(transit_days.shape[0])[:, None]


@dataclass
class NodeTables:
    """Per-step schedules of the nodes and the buyers' plans."""

    mine_output_t: np.ndarray  # [step, mine] tonnes mined
    mine_origin: np.ndarray  # origin index of each mine
    producing: np.ndarray  # [step, node] capacity > 0 (mines and processors only)
    process_capacity_t: np.ndarray  # [step, processor] input tonnes per step
    yields: np.ndarray  # per processor
    delay_steps: np.ndarray  # per processor, whole steps from start to output
    demand_t: np.ndarray  # [step, consumer], in consumption order
    target: np.ndarray  # [step, node] order-up-to level (0 for nodes that never order)
    plans: dict[int, ConsumerPlan | ProcessorPlan]  # by node index, for replanning


def node_tables(net: Network, clock: schedule.Clock, rng: dict, rec: Recorder) -> NodeTables:
    """Capacities, outages, output, demand and targets; fills the records known beforehand."""
    s, per_step, arrays = net.scenario, clock.per_step, rec.arrays
    n = len(net.nodes)
    producing = np.zeros((clock.n_steps, n), dtype=bool)
    target = np.zeros((clock.n_steps, n))
    mines = net.of_kind(MINE)
    output = np.zeros((clock.n_steps, len(mines)))
    for j, node in enumerate(mines):
        cap = schedule.capacity_tpa(node.spec, s, clock)
        cap = cap * schedule.availability(node.spec, s, clock, rng.get(node.id))
        arrays["capacity_tpa"][:, node.index] = cap
        producing[:, node.index] = cap * node.spec.utilization > 0
        output[:, j] = cap * node.spec.utilization * per_step
    origin = np.array([net.origin_index[m.country] for m in mines], dtype=np.int64)
    arrays["produced_t"][:, : len(mines)] = output
    np.add.at(rec.produced_by_origin, (slice(None), origin), output)
    plans: dict[int, ConsumerPlan | ProcessorPlan] = {}
    processors = net.of_kind(PROCESSOR)
    capacity = np.zeros((clock.n_steps, len(processors)))
    for j, node in enumerate(processors):
        cap = schedule.capacity_tpa(node.spec, s, clock)
        cap = cap * schedule.availability(node.spec, s, clock, None)
        arrays["capacity_tpa"][:, node.index] = cap
        producing[:, node.index] = cap > 0
        capacity[:, j] = cap * per_step
        plans[node.index] = ProcessorPlan(cap * per_step, node.spec.cover_days / clock.step_days)
    for node in net.of_kind(STOCKPILE):
        target[:, node.index] = node.spec.target_stock or 0.0
    consumers = net.of_kind(CONSUMER)
    demand = np.zeros((clock.n_steps, len(consumers)))
    long_clock = _planning_clock(net, clock)
    for j, node in enumerate(consumers):
        spec = node.spec
        base = schedule.base_demand_t(spec, long_clock)
        factor = schedule.demand_factor(spec, s, clock)
        demand[:, j] = base[: clock.n_steps] * factor * schedule.noise(spec, clock,
                                                                       rng.get(spec.id))
        mean_noise = expected(spec.noise)
        plans[node.index] = ConsumerPlan(base, factor, mean_noise, spec.cover_days /
                                         clock.step_days)
        arrays["expected_use_t"][:, node.index] = base[: clock.n_steps] * factor * mean_noise
    for index, plan in plans.items():
        target[:, index] = plan.targets(net.nodes[index].lead_steps)
    if consumers:
        arrays["demand_t"][:, consumers[0].index: consumers[-1].index + 1] = demand
    return NodeTables(
        mine_output_t=output, mine_origin=origin, producing=producing,
        process_capacity_t=capacity,
        yields=np.array([p.spec.yield_ for p in processors]),
        delay_steps=np.array([math.ceil(p.spec.process_days / clock.step_days - 1e-9)
                              for p in processors], dtype=np.int64),
        demand_t=demand, target=target, plans=plans)


def _planning_clock(net: Network, clock: schedule.Clock) -> schedule.Clock:
    """The clock extended past the horizon by the longest lead time any delay could make."""
    longest = max((n.lead_steps for n in net.nodes), default=1)
    return clock.extended(longest + math.ceil(all_delays_days(net.scenario) / clock.step_days)
                          + 2)


def all_delays_days(scenario: Scenario) -> float:
    """Days of every licence delay and extra transit together: the most that could ever be
    in force at once, which bounds planned lead times and time on the way."""
    return sum(getattr(e, "delay_days", None) or getattr(e, "extra_days", 0.0)
               for e in scenario.events)
