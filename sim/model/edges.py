"""The edges (supplier → buyer routes) as index arrays, for orders, allocation and transit.

Each edge's supplier, buyer, share of the buyer's order, the priority level of its buyer
and its place in the buyer's list, and its transit on each departure step (random transits
drawn per step from the route's own stream). Goods bought by a processor go to its input
row of the stocks (State.held), so each edge also names its buyer's holding row. A World's
edges are a `replica` of its scenario's (blueprint.py): the same index arrays, its own
transit table with its random transits drawn.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.model.clock import Clock
from sim.model.network import Network
from sim.scenario.distributions import draw, expected, is_random


@dataclass
class EdgeTables:
    """Index arrays over edges, and their transit on each departure step."""

    supplier: np.ndarray  # node index of each edge's supplier
    buyer: np.ndarray  # node index of each edge's buyer
    holding_row: np.ndarray  # row of State.held the buyer's goods go to (a processor's input)
    share: np.ndarray  # share of the buyer's order, normalised over its list
    level: np.ndarray  # rank of each edge's buyer's priority (0 = highest)
    level_rows: list[np.ndarray]  # edge indices of each priority level, highest first
    preference: np.ndarray  # edge indices by buyer, each buyer's in its list's order
    choice: bool  # some buyer has more than one supplier
    choosable: np.ndarray  # the suppliers of buyers that have more than one
    chosen: np.ndarray  # per edge: its buyer has more than one supplier
    n_edges_of_buyer: np.ndarray  # per node
    transit_days: np.ndarray  # [step, edge]
    random: list[int]  # edges whose transit is drawn

    def replica(self, net: Network, rng: dict, transit_days: np.ndarray) -> EdgeTables:
        """These edges in one replication: its transit table (`transit_days`, filled as this
        one's) with the random transits drawn from each edge's stream in `rng`."""
        for e in self.random:
            transit_days[:, e] = draw(net.edges[e].transit, rng[net.edges[e].key],
                                      transit_days.shape[0])
        return dataclasses.replace(self, transit_days=transit_days)


def edge_tables(net: Network, clock: Clock) -> EdgeTables:
    """The edges as arrays, random transits at their expected value (a replica draws them)."""
    edges = net.edges
    supplier = np.array([e.supplier for e in edges], dtype=np.int64)
    buyer = np.array([e.buyer for e in edges], dtype=np.int64)
    n_edges_of_buyer = np.bincount(buyer, minlength=len(net.nodes))
    chosen = n_edges_of_buyer[buyer] > 1
    level_of = {p: i for i, p in enumerate(sorted({net.nodes[b].priority for b in buyer}))}
    level = np.array([level_of[net.nodes[b].priority] for b in buyer.tolist()], dtype=np.int64)
    position = np.array([net.nodes[e.buyer].edges.index(e) for e in edges], dtype=int)
    return EdgeTables(
        supplier=supplier,
        buyer=buyer,
        holding_row=np.array([net.holding_row(b) for b in buyer.tolist()], dtype=np.int64),
        share=np.array([e.share for e in edges]),
        level=level,
        level_rows=[np.flatnonzero(level == i) for i in range(len(level_of))],
        preference=np.lexsort((position, buyer)),
        choice=bool(chosen.any()),
        choosable=np.unique(supplier[chosen]),
        chosen=chosen,
        n_edges_of_buyer=n_edges_of_buyer,
        transit_days=_transit_days(net, clock),
        random=[e.index for e in edges if is_random(e.transit)])


def _transit_days(net: Network, clock: Clock) -> np.ndarray:
    """[step, edge]: each edge's expected transit for a departure on each step."""
    days = np.empty((clock.n_steps, len(net.edges)))
    for e in net.edges:
        days[:, e.index] = float(expected(e.transit))
    return days
