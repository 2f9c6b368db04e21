"""Rules that span several entries: ids, products, dates, the time grid (and, in
`magnitudes.py`, what numbers reach together).

Each check yields (raw loc, message); the loader turns locs into file:line:col positions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sim.scenario.magnitudes import horizon_fits, magnitudes
from sim.scenario.market_checks import check_market
from sim.scenario.rule_checks import check_rules
from sim.scenario.schema import (
    CapacityChange,
    DemandChange,
    Scenario,
    ScheduledOutage,
    StockpileRelease,
    TransitChange,
)

Finding = tuple[tuple, str]


def check(s: Scenario) -> list[Finding]:
    """Every cross-entry problem of a scenario that passed the per-field checks."""
    dates = _dates(s) if horizon_fits(s) else []  # magnitudes() says the horizon is too long
    return [*magnitudes(s), *_grid(s), *_ids(s), *_products(s), *_suppliers(s),
            *_references(s), *dates, *check_rules(s),
            *check_market(s)]


def _hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _grid(s: Scenario) -> Iterator[Finding]:
    if s.record_days % s.step_days:
        yield ("record_days",), f"{s.record_days} is not a multiple of step_days ({s.step_days})"
    if s.horizon_days < s.step_days:
        yield ("horizon_years",), f"{s.horizon_years:g} years is shorter than one step"


def _all_nodes(s: Scenario) -> Iterator[tuple[str, int, object]]:
    for kind in ("mines", "processors", "stockpiles", "consumers"):
        for i, node in enumerate(getattr(s, kind)):
            yield kind, i, node


def _ids(s: Scenario) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for kind, i, node in _all_nodes(s):
        if node.id in seen:
            yield (kind, i, "id"), f"duplicate id '{node.id}' (also in {seen[node.id]})"
        seen.setdefault(node.id, kind)
    event_ids: set[str] = set()
    for i, event in enumerate(s.events):
        if event.id is not None:
            if event.id in event_ids:
                yield ("events", i, "id"), f"duplicate event id '{event.id}'"
            event_ids.add(event.id)


def _products(s: Scenario) -> Iterator[Finding]:
    known = list(s.products)
    made = {m.product for m in s.mines} | {p.output for p in s.processors}
    made |= {p.inputs[0] for p in s.processors if any(c.scrap_to == p.id for c in s.consumers)}
    for kind, i, node in _all_nodes(s):
        for field in ("product", "output"):
            product = getattr(node, field, None)
            if product is not None and product not in known:
                yield (kind, i, field), f"unknown product '{product}'{_hint(product, known)}"
        for product in getattr(node, "inputs", []):
            if product not in known:
                yield (kind, i, "inputs"), f"unknown product '{product}'{_hint(product, known)}"
        if isinstance(getattr(node, "initial_stock", None), dict):
            for product in node.initial_stock:
                if product not in (node.inputs[0], node.output):
                    yield (kind, i, "initial_stock", product), \
                        f"'{product}' is neither this processor's input nor its output"
        needed = getattr(node, "inputs", [getattr(node, "product", None)])[0]
        if kind != "mines" and needed in known and needed not in made:
            yield (kind, i), f"needs '{needed}', which no mine, processor or scrap flow produces"


def _suppliers(s: Scenario) -> Iterator[Finding]:
    sellers = {m.id: m.product for m in s.mines} | {p.id: p.output for p in s.processors}
    others = {n.id for n in (*s.stockpiles, *s.consumers)}
    for kind, i, node in _all_nodes(s):
        needed = getattr(node, "inputs", [getattr(node, "product", None)])[0]
        seen: set[str] = set()
        for j, sup in enumerate(getattr(node, "suppliers", [])):
            loc = (kind, i, "suppliers", j, "from")
            if sup.from_ == node.id:
                yield loc, "a node cannot supply itself"
            elif sup.from_ in others:
                yield loc, f"'{sup.from_}' is a stockpile or consumer; only mines and " \
                           "processors supply (stockpiles release through release.to)"
            elif sup.from_ not in sellers:
                yield loc, f"no mine or processor '{sup.from_}'{_hint(sup.from_, list(sellers))}"
            elif sellers[sup.from_] != needed:
                yield loc, f"'{sup.from_}' supplies '{sellers[sup.from_]}', " \
                           f"but this node needs '{needed}'"
            if sup.from_ in seen:
                yield loc, f"'{sup.from_}' is listed twice"
            seen.add(sup.from_)


def _references(s: Scenario) -> Iterator[Finding]:
    producers = {m.id for m in s.mines} | {p.id for p in s.processors}
    consumers = {c.id: c for c in s.consumers}
    stockpiles = {p.id: p for p in s.stockpiles}
    processors = {p.id: p for p in s.processors}
    for i, c in enumerate(s.consumers):
        if c.scrap_to is not None:
            if c.scrap_to not in processors:
                hint = _hint(c.scrap_to, list(processors))
                yield ("consumers", i, "scrap_to"), f"no processor '{c.scrap_to}'{hint}"
        elif c.scrap_rate > 0:
            yield ("consumers", i, "scrap_rate"), "scrap_rate > 0 needs scrap_to"
    for i, p in enumerate(s.stockpiles):
        for j, target in enumerate(p.release.to if p.release else []):
            loc = ("stockpiles", i, "release", "to", j)
            if target not in consumers:
                yield loc, f"no consumer '{target}'{_hint(target, list(consumers))}"
            elif consumers[target].product != p.product:
                yield loc, f"'{target}' consumes '{consumers[target].product}', " \
                           f"this stockpile holds '{p.product}'"
    for i, e in enumerate(s.events):
        if isinstance(e, (CapacityChange, ScheduledOutage)) and e.node not in producers:
            yield ("events", i, "node"), \
                f"no mine or processor '{e.node}'{_hint(e.node, list(producers))}"
        if isinstance(e, StockpileRelease):
            if e.node not in stockpiles:
                yield ("events", i, "node"), \
                    f"no stockpile '{e.node}'{_hint(e.node, list(stockpiles))}"
            elif e.to is None and stockpiles[e.node].release is None:
                yield ("events", i, "to"), "give `to:` (the stockpile has no release.to)"
            for j, target in enumerate(e.to or []):
                if target not in consumers:
                    yield ("events", i, "to", j), \
                        f"no consumer '{target}'{_hint(target, list(consumers))}"
        if isinstance(e, DemandChange):
            for j, target in enumerate(e.nodes or []):
                if target not in consumers:
                    yield ("events", i, "nodes", j), \
                        f"no consumer '{target}'{_hint(target, list(consumers))}"
        if isinstance(e, TransitChange) and e.edge is not None:
            all_ids = {n.id for _, _, n in _all_nodes(s)}
            for end in ("from", "to"):
                node_id = e.edge.from_ if end == "from" else e.edge.to
                if node_id not in all_ids:
                    yield ("events", i, "edge", end), \
                        f"no node '{node_id}'{_hint(node_id, list(all_ids))}"


def _dates(s: Scenario) -> Iterator[Finding]:
    horizon = f"the horizon {s.start} to {s.end}"
    for i, e in enumerate(s.events):
        if not s.start <= e.at < s.end:
            yield ("events", i, "at"), f"{e.at} is outside {horizon}"
        until = getattr(e, "until", None)
        if until is not None and until <= e.at:
            yield ("events", i, "until"), f"{until} is not after at ({e.at})"
        if getattr(e, "mode", None) == "quota" and e.base_tpa is None and e.at <= s.start:
            yield ("events", i, "base_tpa"), \
                "a quota from the first day has no shipment history to take a share of: " \
                "give base_tpa (the pre-control volume per year)"
    for i, c in enumerate(s.consumers):
        if c.exclude_from is not None and not s.start <= c.exclude_from < s.end:
            yield ("consumers", i, "exclude_from"), f"{c.exclude_from} is outside {horizon}"
        if c.exclude_from is not None and not c.exclude_origins:
            yield ("consumers", i, "exclude_from"), "exclude_from needs exclude_origins"
    for i, m in enumerate(s.mines):
        if m.online is not None and m.online >= s.end:
            yield ("mines", i, "online"), f"{m.online} is after {horizon}"
        if m.ramp_days > 0 and m.online is None:
            yield ("mines", i, "ramp_days"), \
                "a ramp needs an online date to start from: give online (the day output " \
                "starts), or use a capacity event with ramp_days to ramp an existing mine"
