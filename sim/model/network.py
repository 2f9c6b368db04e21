"""The scenario compiled to index-based tables for the per-step loop.

Nodes get integer indices and edges become small records, so the hot path never looks
anything up by string.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario.schema import Consumer, Mine, Processor, Scenario, Stockpile

MINE, PROCESSOR, STOCKPILE, CONSUMER = "mine", "processor", "stockpile", "consumer"


@dataclass
class Edge:
    """A supplier → buyer route; `share` is normalised over the buyer's list."""

    index: int
    supplier: int
    buyer: int
    share: float
    transit: object  # the scenario's number or distribution
    key: str  # "from>to", names the route's random stream


@dataclass
class NodeInfo:
    """What the loop needs to know about one node, by index."""

    index: int
    id: str
    kind: str
    country: str
    spec: Mine | Processor | Stockpile | Consumer
    group: str | None = None
    priority: int = 5
    edges: list[Edge] = field(default_factory=list)


class Network:
    """Index tables of a scenario: nodes and edges."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.nodes: list[NodeInfo] = []
        for kind, specs in ((MINE, scenario.mines), (PROCESSOR, scenario.processors),
                            (STOCKPILE, scenario.stockpiles), (CONSUMER, scenario.consumers)):
            for spec in specs:
                self.nodes.append(NodeInfo(
                    index=len(self.nodes), id=spec.id, kind=kind, country=spec.country,
                    spec=spec, group=getattr(spec, "group", None),
                    priority=getattr(spec, "priority", 5)))
        self.index = {n.id: n.index for n in self.nodes}
        self.edges: list[Edge] = []
        for node in self.nodes:
            suppliers = getattr(node.spec, "suppliers", [])
            total = sum(s.share for s in suppliers)
            for s in suppliers:
                edge = Edge(len(self.edges), self.index[s.from_], node.index, s.share / total,
                            s.transit_days, f"{s.from_}>{node.id}")
                node.edges.append(edge)
                self.edges.append(edge)

    def of_kind(self, kind: str) -> list[NodeInfo]:
        """Nodes of one kind, in scenario order."""
        return [n for n in self.nodes if n.kind == kind]

    @property
    def n_holding_rows(self) -> int:
        """Rows of State.held: every node's own stock, then each processor's input stock."""
        processors = self.rows(PROCESSOR)
        return len(self.nodes) + processors.stop - processors.start

    def holding_row(self, index: int) -> int:
        """The row of State.held a node buys into: a processor's input row, else its own."""
        if self.nodes[index].kind == PROCESSOR:
            return len(self.nodes) + index - self.rows(PROCESSOR).start
        return index

    def rows(self, kind: str) -> slice:
        """Indices of the nodes of one kind: contiguous, as nodes are numbered by kind."""
        rows = [n.index for n in self.of_kind(kind)]
        return slice(rows[0], rows[-1] + 1) if rows else slice(0, 0)
