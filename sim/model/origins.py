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
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.model.network import CONSUMER, MINE, PROCESSOR, Network, NodeInfo
from sim.scenario.origin_names import UNPROCESSED, origin_names

SETTLE_ROUNDS = 60
"""At most this many rounds of propagating mixes through the network (they stop when no
share moves by more than 1e-12): more than any supply chain is deep, so that what scrap
carries round the loop has settled (it shrinks by the scrap rate a round)."""

NONE = UNPROCESSED
"""The processing country of material no processor has worked on yet (mine output)."""

Pair = tuple[str, str]
Mix = dict[Pair, float]


class Origins:
    """The origin pairs of a scenario, each node's initial mix, and masks over pairs."""

    def __init__(self, net: Network):
        self.net = net
        self._mixes: tuple[dict[int, Mix], dict[int, Mix]] | None = None
        self._held: dict[int, set[Pair]] = {}
        self._inputs: dict[int, set[Pair]] = {}
        self._row_sets: list[set[int]] | None = None
        self.pairs: list[Pair] = sorted(self._reachable())
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

    # ----- the mixes that sourcing brings ------------------------------------------------

    def _sourcing_mixes(self) -> tuple[dict[int, Mix], dict[int, Mix]]:
        """Each node's output mix and input mix at steady sourcing: mines give their own
        pair, every other node the share-weighted mix of its suppliers (a recycler: of the
        consumers scrapping to it), processors stamp their country. Scrap makes the network
        cyclic, so the mixes are found by repeating the propagation until they settle."""
        nodes = self.net.nodes
        out: dict[int, Mix] = {n.index: ({(n.country, NONE): 1.0} if n.kind == MINE
                                         and _working_at_start(n, self.net) else {})
                               for n in nodes}
        inp: dict[int, Mix] = {n.index: {} for n in nodes}
        scrap = {n.index: self._scrap_sources(n) for n in nodes}
        for _ in range(SETTLE_ROUNDS):
            before = dict(out)
            for node in nodes:
                if node.kind == MINE:
                    continue
                mix: Mix = {}
                for edge in node.edges:
                    if _working_at_start(nodes[edge.supplier], self.net):
                        _add(mix, out[edge.supplier], edge.share)
                if not mix:
                    for c in scrap[node.index]:  # by scrap flow (equal if no demand at all)
                        _add(mix, out[c.index], max(c.spec.demand_tpa, 1e-9) * c.spec.scrap_rate)
                inp[node.index] = _normalised(mix)
                out[node.index] = _stamp(mix, node.country) if stamps(node) \
                    else inp[node.index]
            if all(_close(out[i], before[i]) for i in out):
                break
        for node in nodes:  # nothing ever reaches it: its own country
            if not out[node.index]:
                out[node.index] = {(node.country, node.country if node.kind == PROCESSOR
                                    else NONE): 1.0}
        return out, inp

    def _scrap_sources(self, node: NodeInfo) -> list[NodeInfo]:
        return [c for c in self.net.of_kind(CONSUMER)
                if c.spec.scrap_to == node.id and c.spec.scrap_rate > 0]

    def initial_mixes(self, node: NodeInfo) -> tuple[Mix, Mix]:
        """The origin mix of a node's initial stock and of its initial input stock."""
        if not self._mixes:
            self._mixes = self._sourcing_mixes()
        own = self._mixes[0][node.index]
        inputs = self._mixes[1][node.index] or own
        given = node.spec.initial_origin
        if given is None:
            return own, inputs
        mined = {given: 1.0} if isinstance(given, str) else _normalised(dict(given))
        return _with_mined(own, mined), _with_mined(inputs, mined)

    # ----- which pairs can occur ---------------------------------------------------------

    def _reachable(self) -> set[Pair]:
        """Every pair a stock can hold: initial mixes, then flows until nothing is added."""
        nodes = self.net.nodes
        held = {n.index: set(self.initial_mixes(n)[0]) for n in nodes}
        inputs = {n.index: set(self.initial_mixes(n)[1]) for n in nodes if n.kind == PROCESSOR}
        changed = True
        while changed:
            changed = False
            for node in nodes:
                arriving = set().union(*(held[e.supplier] for e in node.edges))
                if node.kind == PROCESSOR:
                    arriving |= set().union(*(held[c.index] for c in self._scrap_sources(node)))
                    changed |= not arriving <= inputs[node.index]
                    inputs[node.index] |= arriving
                    if stamps(node):
                        arriving = set(_stamp(dict.fromkeys(inputs[node.index], 1.0),
                                              node.country))
                changed |= not arriving <= held[node.index]
                held[node.index] |= arriving
        self._held, self._inputs = held, inputs
        return set().union(*held.values(), *inputs.values())

    def stock_pairs(self, row: int) -> np.ndarray:
        """The pairs (indices, ascending) holding row `row` (State.held's: a node's own stock,
        then processors' inputs) can ever hold; for a node, what a route from it can carry."""
        if self._row_sets is None:
            self._row_sets = self._follow_flows()
        return np.array(sorted(self._row_sets[row]), dtype=np.int64)

    def _follow_flows(self) -> list[set[int]]:
        """Each holding row's pairs as the model moves them: `_reachable`'s sets and mines'
        output, then edges, scrap, stockpile releases into consumers and processors'
        `stamped` maps (which keep a pair whose stamped pair is not among `pairs`) until
        nothing is added."""
        nodes, scenario = self.net.nodes, self.net.scenario
        held = {n.index: {self.index[p] for p in self._held[n.index]} for n in nodes}
        inputs = {i: {self.index[p] for p in pairs} for i, pairs in self._inputs.items()}
        for mine in self.net.of_kind(MINE):  # its output, whatever its initial stock's mix
            held[mine.index].add(self.index[(mine.country, NONE)])
        released: dict[int, set[int]] = {n.index: set() for n in nodes}  # consumer: from
        for sp in scenario.stockpiles:
            for target in sp.release.to if sp.release else []:
                released[self.net.index[target]].add(self.net.index[sp.id])
        for event in scenario.events:
            if getattr(event, "kind", None) == "release":
                for target in event.to or []:
                    released[self.net.index[target]].add(self.net.index[event.node])
        stamp = {n.index: self.stamped(n) for n in nodes if n.kind == PROCESSOR}
        changed = True
        while changed:
            changed = False
            for node in nodes:
                came = set().union(*(held[e.supplier] for e in node.edges),
                                   *(held[sp] for sp in released[node.index]))
                if node.kind == PROCESSOR:
                    came |= set().union(*(held[c.index] for c in self._scrap_sources(node)))
                    inputs[node.index] |= came
                    came = {int(stamp[node.index][i]) for i in inputs[node.index]}
                changed |= not came <= held[node.index]
                held[node.index] |= came
        processors = [n.index for n in nodes if n.kind == PROCESSOR]
        return [held[n.index] for n in nodes] + [inputs[i] for i in processors]

    # ----- arrays over pairs -------------------------------------------------------------

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


def _add(into: Mix, mix: Mix, weight: float) -> None:
    for pair, share in mix.items():
        into[pair] = into.get(pair, 0.0) + share * weight


def _normalised(mix: Mix) -> Mix:
    total = sum(mix.values())
    return {pair: share / total for pair, share in mix.items()} if total > 0 else {}


def _stamp(mix: Mix, country: str) -> Mix:
    out: Mix = {}
    for (mined, _), share in mix.items():
        out[(mined, country)] = out.get((mined, country), 0.0) + share
    return _normalised(out)


def _with_mined(mix: Mix, mined: dict[str, float]) -> Mix:
    """`mix` with its mining part replaced by `mined` (processing part kept)."""
    processed: dict[str, float] = {}
    for (_, p), share in mix.items():
        processed[p] = processed.get(p, 0.0) + share
    return {(m, p): wm * wp for m, wm in mined.items() for p, wp in processed.items()}
