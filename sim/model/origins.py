"""Where each tonne was mined and where it was last processed: its origin.

An origin is a pair (mined in, processed in): a mine's output is (its country, "none"), and
a processor that transforms (its input product differs from its output) stamps its own
country on what it outputs, keeping where the tungsten was mined; a processor that only
passes a product on (a trader: input = output) and scrap keep the pair they received.
Stocks are vectors over the pairs that can occur in the scenario, found by following every
edge and scrap flow from the mines and initial stocks. Rules read either part: DFARS-style
rules exclude by mining and by processing country, re-export controls by either
(controls.py), and results report shares by mining and by processing country.

Initial stocks get the mix their node's sourcing brings (each supplier's output mix by
share, down from the mines), unless the scenario gives `initial_origin` (a mining country or
a mix of them), which then replaces the mining part.

The pairs and initial mixes depend only on the network's shape (`Shape`: kinds, countries,
suppliers and shares, scrap flows, who supplies at the start, given origins), so they are
found once per shape (`settle`, cached) and shared by every World built on it: the mixes
take a few dozen rounds of propagation (15 ms for the baseline), as much as the rest of a
World together.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from sim.model.network import CONSUMER, MINE, PROCESSOR, Network, NodeInfo
from sim.scenario.origin_names import UNPROCESSED, origin_names

SETTLE_ROUNDS = 60
"""At most this many rounds of propagating mixes through the network (they stop when no
share moves by more than 1e-12): more than any supply chain is deep, so that what scrap
carries round the loop has settled (it shrinks by the scrap rate a round)."""

SHAPES_KEPT = 16
"""Settled shapes kept (a run, a sweep or a chunk of replications uses one or a few)."""

NONE = UNPROCESSED
"""The processing country of material no processor has worked on yet (mine output)."""

Pair = tuple[str, str]
Mix = dict[Pair, float]


class NodeShape(NamedTuple):
    """What the origins read of one node."""

    kind: str
    country: str
    stamps: bool  # a transforming processor
    working: bool  # supplies at the start
    suppliers: tuple[tuple[int, float], ...]  # (supplier index, share), in list order
    scrap: tuple[tuple[int, float], ...]  # (consumer index, weight) of the scrap it gets
    given: str | tuple[tuple[str, float], ...] | None  # initial_origin


Shape = tuple[NodeShape, ...]


def shape_of(net: Network) -> Shape:
    """Everything the pairs and initial mixes depend on, by node index (hashable)."""
    scrap: dict[str, list[tuple[int, float]]] = {}
    for c in net.of_kind(CONSUMER):  # by scrap flow (equal if no demand at all)
        if c.spec.scrap_to and c.spec.scrap_rate > 0:
            scrap.setdefault(c.spec.scrap_to, []).append(
                (c.index, max(c.spec.demand_tpa, 1e-9) * c.spec.scrap_rate))
    supplying = {e.supplier for e in net.edges}
    out = []
    for node in net.nodes:
        given = node.spec.initial_origin
        working = (node.kind == MINE or node.index in supplying) \
            and _working_at_start(node, net)
        out.append(NodeShape(
            node.kind, node.country, stamps(node), working,
            tuple((e.supplier, e.share) for e in node.edges), tuple(scrap.get(node.id, ())),
            given if given is None or isinstance(given, str) else tuple(dict(given).items())))
    return tuple(out)


class Origins:
    """The origin pairs of a scenario, each node's initial mix, and masks over pairs."""

    def __init__(self, net: Network):
        self.net = net
        pairs, self._initial = settle(shape_of(net))
        self._row_sets: list[set[int]] | None = None  # stock_pairs, found when first asked
        self.pairs: list[Pair] = list(pairs)
        self.index = {pair: i for i, pair in enumerate(self.pairs)}
        mined, processed = origin_names(net.scenario)  # what results report; and any other
        self.mined = sorted(set(mined) | {m for m, _ in self.pairs})  # (a supplier loop
        self.processed = sorted(set(processed) | {p for _, p in self.pairs})  # with no mine)
        self.by_mined = self._grouping(0, self.mined)  # [pair, mined country] 0/1
        self.by_processed = self._grouping(1, self.processed)  # [pair, processing country]

    def _grouping(self, part: int, names: list[str]) -> np.ndarray:
        group = np.zeros((len(self.pairs), len(names)))
        for i, pair in enumerate(self.pairs):
            group[i, names.index(pair[part])] = 1.0
        return group

    def initial_mixes(self, node: NodeInfo) -> tuple[Mix, Mix]:
        """The origin mix of a node's initial stock and of its initial input stock (shared
        by every Origins of the same shape: read them, do not change them)."""
        return self._initial[node.index]

    # ----- arrays over pairs -------------------------------------------------------------

    def stock_pairs(self, row: int) -> np.ndarray:
        """The pairs (indices, ascending) holding row `row` (State.held's: a node's own stock,
        then processors' inputs) can ever hold; for a node, what a route from it can carry."""
        if self._row_sets is None:
            self._row_sets = self._follow_flows()
        return np.array(sorted(self._row_sets[row]), dtype=np.int64)

    def _follow_flows(self) -> list[set[int]]:
        """Each holding row's pairs as the model moves them: initial mixes and mines'
        output, then edges, scrap, stockpile releases into consumers and processors'
        `stamped` maps (which keep a pair whose stamped pair is not among `pairs`) until
        nothing is added."""
        net, nodes = self.net, self.net.nodes
        processors = [n.index for n in nodes if n.kind == PROCESSOR]
        held = {n.index: {self.index[p] for p in self._initial[n.index][0]} for n in nodes}
        inputs = {i: {self.index[p] for p in self._initial[i][1]} for i in processors}
        for mine in net.of_kind(MINE):  # its output, whatever its initial stock's mix
            held[mine.index].add(self.index[(mine.country, NONE)])
        came_from = {n.index: [e.supplier for e in n.edges] for n in nodes}
        for c in net.of_kind(CONSUMER):  # scrap, into its processor's input
            if c.spec.scrap_to and c.spec.scrap_rate > 0:
                came_from[net.index[c.spec.scrap_to]].append(c.index)
        for sp in net.scenario.stockpiles:  # releases, into consumers
            for target in sp.release.to if sp.release else []:
                came_from[net.index[target]].append(net.index[sp.id])
        for event in net.scenario.events:
            if getattr(event, "kind", None) == "release":
                for target in event.to or []:
                    came_from[net.index[target]].append(net.index[event.node])
        stamp = {i: self.stamped(nodes[i]) for i in processors}
        changed = True
        while changed:
            changed = False
            for node in nodes:
                came = set().union(*(held[i] for i in came_from[node.index]))
                if node.kind == PROCESSOR:
                    inputs[node.index] |= came
                    came = {int(stamp[node.index][i]) for i in inputs[node.index]}
                changed |= not came <= held[node.index]
                held[node.index] |= came
        return [held[n.index] for n in nodes] + [inputs[i] for i in processors]

    def vector(self, mix: Mix) -> np.ndarray:
        """A mix as shares over the pairs."""
        out = np.zeros(len(self.pairs))
        for pair, share in mix.items():
            out[self.index[pair]] += share
        return out

    def stamped(self, node: NodeInfo) -> np.ndarray:
        """For each pair, the pair a processor turns it into: (mined, its country) if it
        stamps, else itself (also where that pair cannot reach the processor)."""
        if not stamps(node):
            return np.arange(len(self.pairs))
        return np.array([self.index.get((m, node.country), i)
                         for i, (m, _) in enumerate(self.pairs)], dtype=np.int64)

    def allowed(self, mined: Iterable[str] = (), processed: Iterable[str] = ()) -> np.ndarray:
        """1 for the pairs mined outside `mined` and processed outside `processed`, else 0."""
        mined, processed = set(mined), set(processed)
        return np.array([float(m not in mined and p not in processed) for m, p in self.pairs])


@lru_cache(maxsize=SHAPES_KEPT)
def settle(shape: Shape) -> tuple[tuple[Pair, ...], tuple[tuple[Mix, Mix], ...]]:
    """The pairs that can occur (sorted) and each node's initial mixes (own, inputs)."""
    out, inp = _sourcing_mixes(shape)
    initial = tuple(_initial_mixes(node, out[i], inp[i]) for i, node in enumerate(shape))
    return tuple(sorted(_reachable(shape, initial))), initial


# ----- the mixes that sourcing brings ----------------------------------------------------

def _sourcing_mixes(shape: Shape) -> tuple[list[Mix], list[Mix]]:
    """Each node's output mix and input mix at steady sourcing: mines give their own pair,
    every other node the share-weighted mix of its suppliers (a recycler: of the consumers
    scrapping to it), processors stamp their country. Scrap makes the network cyclic, so
    the mixes are found by repeating the propagation until they settle."""
    out: list[Mix] = [{(n.country, NONE): 1.0} if n.kind == MINE and n.working else {}
                      for n in shape]
    inp: list[Mix] = [{} for _ in shape]
    sources = [[(s, share) for s, share in n.suppliers if shape[s].working] for n in shape]
    moving = [i for i, n in enumerate(shape) if n.kind != MINE]
    for _ in range(SETTLE_ROUNDS):
        before = list(out)
        for i in moving:
            node, mix = shape[i], {}
            for s, share in sources[i]:
                mix = _added(mix, out[s], share)
            if not mix:
                for c, weight in node.scrap:
                    mix = _added(mix, out[c], weight)
            inp[i] = _normalised(mix)
            out[i] = _stamp(mix, node.country) if node.stamps else inp[i]
        if all(_close(a, b) for a, b in zip(out, before, strict=True)):
            break
    for i, node in enumerate(shape):  # nothing ever reaches it: its own country
        if not out[i]:
            out[i] = {(node.country, node.country if node.kind == PROCESSOR else NONE): 1.0}
    return out, inp


def _initial_mixes(node: NodeShape, own: Mix, inputs: Mix) -> tuple[Mix, Mix]:
    """The origin mix of a node's initial stock and of its initial input stock."""
    inputs = inputs or own
    if node.given is None:
        return own, inputs
    mined = {node.given: 1.0} if isinstance(node.given, str) else _normalised(dict(node.given))
    return _with_mined(own, mined), _with_mined(inputs, mined)


# ----- which pairs can occur -------------------------------------------------------------

def _reachable(shape: Shape, initial: tuple[tuple[Mix, Mix], ...]) -> set[Pair]:
    """Every pair a stock can hold: initial mixes, then flows until nothing is added."""
    held = [set(own) for own, _ in initial]
    inputs = {i: set(initial[i][1]) for i, n in enumerate(shape) if n.kind == PROCESSOR}
    changed = True
    while changed:
        changed = False
        for i, node in enumerate(shape):
            arriving = set().union(*(held[s] for s, _ in node.suppliers))
            if node.kind == PROCESSOR:
                arriving |= set().union(*(held[c] for c, _ in node.scrap))
                changed |= not arriving <= inputs[i]
                inputs[i] |= arriving
                if node.stamps:
                    arriving = set(_stamp(dict.fromkeys(inputs[i], 1.0), node.country))
            changed |= not arriving <= held[i]
            held[i] |= arriving
    return set().union(*held, *inputs.values())


def _working_at_start(node: NodeInfo, net: Network) -> bool:
    """Whether a supplier supplies at the start (so a listed future mine or plant adds
    nothing to initial stocks, as it takes no share of orders before it exists)."""
    online = getattr(node.spec, "online", None)
    return node.spec.capacity_tpa > 0 and (online is None or online <= net.scenario.start)


def stamps(node: NodeInfo) -> bool:
    """Whether a node stamps its country on what it outputs (a transforming processor)."""
    return node.kind == PROCESSOR and node.spec.inputs[0] != node.spec.output


def _close(a: Mix, b: Mix) -> bool:
    """Whether two mixes agree to 1e-12 on every pair."""
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1e-12 for k in a)


def _added(into: Mix, mix: Mix, weight: float) -> Mix:
    """`into` with `mix` × weight added (`into` itself, unless it was empty: shares and
    weights are never negative, so 0.0 + x is x and the first mix is only scaled)."""
    if not into:
        return {pair: share * weight for pair, share in mix.items()}
    get = into.get
    for pair, share in mix.items():
        into[pair] = get(pair, 0.0) + share * weight
    return into


def _normalised(mix: Mix) -> Mix:
    total = sum(mix.values())
    return {pair: share / total for pair, share in mix.items()} if total > 0 else {}


def _stamp(mix: Mix, country: str) -> Mix:
    """The mix with `country` as where every pair was processed (shares summed by mining
    country, in the order they first occur), normalised."""
    by_mined: dict[str, float] = {}
    get = by_mined.get
    for (mined, _), share in mix.items():
        by_mined[mined] = get(mined, 0.0) + share
    total = sum(by_mined.values())
    return {(m, country): share / total for m, share in by_mined.items()} if total > 0 \
        else {}


def _with_mined(mix: Mix, mined: dict[str, float]) -> Mix:
    """`mix` with its mining part replaced by `mined` (processing part kept)."""
    processed: dict[str, float] = {}
    for (_, p), share in mix.items():
        processed[p] = processed.get(p, 0.0) + share
    return {(m, p): wm * wp for m, wm in mined.items() for p, wp in processed.items()}
