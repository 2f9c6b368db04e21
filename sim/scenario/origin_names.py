"""The origin countries a scenario's results report: where tungsten can have been mined, and
where it can have been last processed ("none" for mine output no processor has touched).

Worked out from the scenario alone, so that results know their KPI names without running
the model, and the model (sim/model/origins.py) reports by exactly these lists: mines'
countries and the countries named in `initial_origin`; transforming processors' countries
(input product differs from output); and, for a node nothing ever reaches (no suppliers, no
scrap), its own country, as the model's initial-stock mix then falls back to it.
"""

from __future__ import annotations

from sim.scenario.schema import Scenario

UNPROCESSED = "none"


def origin_names(s: Scenario) -> tuple[list[str], list[str]]:
    """(mining countries, processing countries) a run of `s` reports, sorted."""
    mined = {m.country for m in s.mines}
    processed = {UNPROCESSED}
    scrapped_to = {c.scrap_to for c in s.consumers if c.scrap_to and c.scrap_rate > 0}
    for node in (*s.processors, *s.stockpiles, *s.consumers):
        given = node.initial_origin
        if isinstance(given, str):
            mined.add(given)
        elif given:
            mined |= set(given)
        fed = getattr(node, "suppliers", []) or node.id in scrapped_to
        if not fed:
            mined.add(node.country)
            if hasattr(node, "inputs"):
                processed.add(node.country)
    processed |= {p.country for p in s.processors if p.inputs[0] != p.output}
    return sorted(mined), sorted(processed)
