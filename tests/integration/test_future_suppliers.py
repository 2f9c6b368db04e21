"""A listed future supplier changes nothing before it exists (format.md, "Readings").

Not in the shares of orders, not in planned lead times, not in initial stocks: a world
that lists a mine coming online later (and the refinery it will feed) runs exactly as the
same world without them until the mine's first output; then its buyers plan with it.
"""

from __future__ import annotations

import numpy as np
from scenario_builder import consumer, day, mine, processor, run, scenario, series, supplier


def world(with_future: bool) -> dict:
    """An Australian mine selling to a refinery; a consumer of 365 t/yr buying from it with
    10 days' transit, and (optionally) from a future refinery 60 days away fed by a mine
    coming online on day 182."""
    mines = [mine("au", 730, country="AU", product="ore", initial_stock=50)]
    processors = [processor("ref", 3650, [supplier("au", 1, 3)], country="AU", input="ore",
                            output="apt", initial_stock={"apt": 30})]
    sources = [supplier("ref", 1, 10)]
    if with_future:
        mines.append(mine("kz", 730, country="KZ", product="ore", online=day(182)))
        processors.append(processor("kzref", 3650, [supplier("kz", 1, 3)], country="KZ",
                                    input="ore", output="apt"))
        sources.append(supplier("kzref", 1, 60))
    return scenario(mines=mines, processors=processors,
                    consumers=[consumer("c", 365, sources, country="US", product="apt",
                                        cover_days=14, initial_stock=20)])


def test_a_listed_future_supplier_changes_nothing_before_it_exists():
    without, listed = run(world(False)), run(world(True))
    first = 26  # day 182 is the first day of step 26
    for variable in ("delivered_t", "stock_t", "in_transit_t"):
        np.testing.assert_allclose(series(listed, variable, "c")[:first],
                                   series(without, variable, "c")[:first], rtol=1e-12)
    assert not listed.delivered_by_origin[:, -1, listed.origins.index("KZ")][:first].any()
    # once it exists the consumer plans with its 60 days: more tonnage on the way
    later = slice(first + 20, None)
    assert series(listed, "in_transit_t", "c")[later].mean() > \
        1.5 * series(without, "in_transit_t", "c")[later].mean()
