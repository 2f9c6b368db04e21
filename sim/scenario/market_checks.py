"""Checks of what the `market:` section names: products, stockpiles and idle mines that
exist, and prices that stay positive at reference."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sim.scenario.schema import Scenario

Finding = tuple[tuple, str]


def check_market(s: Scenario) -> Iterator[Finding]:
    """Problems with the market section's references and reference prices."""
    market = s.market
    if market is None:
        return
    for product in market.spreads:
        if product not in s.products:
            yield ("market", "spreads", product), \
                f"unknown product '{product}'{_hint(product, list(s.products))}"
    for name in ("ex_china", "china"):
        reference = getattr(market, name).reference_price
        for product, spread in market.spreads.items():
            if reference + spread <= 0:
                yield ("market", "spreads", product), \
                    f"{name} reference_price {reference:g} + spread {spread:g} leaves " \
                    f"{product} no positive price"
    kinds = {n.id: kind for kind, nodes in (("mine", s.mines), ("processor", s.processors),
                                            ("stockpile", s.stockpiles),
                                            ("consumer", s.consumers)) for n in nodes}
    for i, rule in enumerate(market.stockpile_rules):
        problem = _not_a(rule.stockpile, "stockpile", kinds)
        if problem:
            yield ("market", "stockpile_rules", i, "stockpile"), problem
    mines = {m.id: m for m in s.mines}
    for i, rule in enumerate(market.restarts):
        problem = _not_a(rule.mine, "mine", kinds)
        if problem:
            yield ("market", "restarts", i, "mine"), problem
        elif mines[rule.mine].online is not None:
            yield ("market", "restarts", i, "mine"), \
                f"'{rule.mine}' has an `online` date; an idle mine restarts on price instead"


def _not_a(node: str, kind: str, kinds: dict[str, str]) -> str | None:
    """Why `node` is not a node of `kind`, or None if it is."""
    if node not in kinds:
        return f"no {kind} '{node}'{_hint(node, [n for n, k in kinds.items() if k == kind])}"
    if kinds[node] != kind:
        return f"'{node}' is a {kinds[node]}, not a {kind}"
    return None


def _hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
