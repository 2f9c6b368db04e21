"""Every KPI of a run as one array, in the order of `kpi_rows`: what a Monte Carlo run keeps
of each replication (`Replicate.of`, `Replicate.stack`), computed for all scopes at once,
and for several replications at once (`kpi_tables` of `StackedRuns`).

`scope_kpis` computes one scope at a time (60 scopes in the baseline, a dozen numpy calls
each). Here what depends only on the run's nodes (the scopes, the (scope, kpi) keys and
where each value comes from) is worked out once per node list (`layout`, cached), and each
kind of value is computed for every scope together: run totals with `NodeSets`, consumer
KPIs with `consumer_table` once per distinct set of consumers (a country holding a single
consumer has that consumer's values). A run's values (a stack of one) are the ones
`scope_kpis` gives, bit for bit; a larger stack's origin shares are summed in another order
(`consumer_kpis._from_totals`), the same to rounding.

Example::

    keys, values = kpi_table(run)     # keys[k] is (scope, kpi), values[k] its value
    keys, values = kpi_tables(runs)   # values[r, k]: replication r of the stack
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.records import NodeRow, RunRecord, StackedRuns
from sim.results.catalogue import (
    CONSUMER_KPIS,
    PROCESSOR_KPIS,
    STOCKPILE_KPIS,
    KpiKey,
    kpi_names,
    scopes,
)
from sim.results.consumer_kpis import consumer_table
from sim.results.market import (
    MARKET_NODE_KPIS,
    market_totals,
    price_kpi_names,
    price_table,
    run_price_dates,
)
from sim.results.node_sets import NodeSets

SUMMED = ("produced_t", *PROCESSOR_KPIS)
"""Variables whose run total per scope is a KPI as it is."""
FINAL_STOCK = "final_stock_t"
"""The last of `Pool.totals`: each node's stock at the end of the run."""


def kpi_table(run: RunRecord) -> tuple[tuple[KpiKey, ...], np.ndarray]:
    """The (scope, kpi) keys of a run, in the order of `kpi_rows`, and their values."""
    keys, values = kpi_tables(StackedRuns.of(run))
    return keys, values[0]


def kpi_tables(runs: StackedRuns) -> tuple[tuple[KpiKey, ...], np.ndarray]:
    """`kpi_table` of every replication of a stack: the keys, and the values [rep, key]."""
    prices = tuple(price_kpi_names(run_price_dates(runs))) if runs.market else ()
    plan = layout(runs.nodes, runs.origins, runs.processed_in, bool(runs.market), prices)
    return plan.keys, _pool(runs, plan)[:, plan.source]


@dataclass(frozen=True)
class Pool:
    """Where each computed value sits in the one array `_pool` makes of them: per-scope totals
    [total, scope], consumer values [value, consumer set], stockpile values [pile set,
    value], then the price KPIs."""

    totals: tuple[str, ...]
    n_scopes: int
    n_consumer_values: int
    n_consumer_sets: int
    n_pile_sets: int

    def total(self, name: str, scope: int) -> int:
        """Place of a scope's total of `name` (one of `totals`)."""
        return self.totals.index(name) * self.n_scopes + scope

    def consumer(self, value: int, consumers: int) -> int:
        """Place of a set of consumers' value (a row of `consumer_table`)."""
        return len(self.totals) * self.n_scopes + value * self.n_consumer_sets + consumers

    def pile(self, value: int, piles: int) -> int:
        """Place of a set of stockpiles' value (one of STOCKPILE_KPIS)."""
        start = self.consumer(self.n_consumer_values, 0)
        return start + piles * len(STOCKPILE_KPIS) + value

    def price(self, value: int) -> int:
        """Place of the world scope's price KPI `value` (in `price_values` order)."""
        return self.pile(0, self.n_pile_sets) + value


@dataclass(frozen=True)
class Layout:
    """What the KPIs of every run with the same nodes share: their keys, the node sets their
    values are sums over, and where in the `Pool` each key's value is."""

    keys: tuple[KpiKey, ...]
    scopes: NodeSets
    consumers: NodeSets
    piles: NodeSets
    pool: Pool
    source: np.ndarray
    """Per key, the place of its value in the pool (read-only)."""
    prices: bool
    """Whether a scope reports the price KPIs (with a market, the one holding every node)."""


@lru_cache(maxsize=16)
def layout(nodes: tuple[NodeRow, ...], origins: tuple[str, ...], processed: tuple[str, ...],
           market: bool, prices: tuple[str, ...]) -> Layout:
    """The Layout of runs with these nodes, origins, processing countries, market (or not)
    and price KPI names (those of the scope holding every node, with a market)."""
    found = scopes(nodes)
    consumers, consumer_of = _distinct(nodes, found, "consumer")
    piles, piles_of = _distinct(nodes, found, "stockpile")
    extra = MARKET_NODE_KPIS if market else {}
    pool = Pool((*SUMMED, *(name for names in extra.values() for name in names), FINAL_STOCK),
                len(found), len(CONSUMER_KPIS) + 2 * len(origins) + len(processed),
                len(consumers), len(piles))
    keys: list[KpiKey] = []
    source: list[int] = []
    for s, (scope, members) in enumerate(found):
        kinds = {nodes[i].kind for i in members}
        full = market and len(members) == len(nodes)
        names = kpi_names(kinds, origins, processed, market, prices if full else ())
        places = _places(pool, s, kinds, extra, consumer_of[s], piles_of[s])
        places += [pool.price(j) for j in range(len(prices))] if full else []
        if len(places) != len(names):
            raise ValueError(f"scope {scope}: {len(names)} KPIs but {len(places)} values")
        keys += [(scope, name) for name in names]
        source += places
    index = np.array(source, dtype=np.intp)
    index.flags.writeable = False
    return Layout(tuple(keys), NodeSets([m for _, m in found]), consumers, piles, pool, index,
                  bool(market and prices))


def _places(pool: Pool, s: int, kinds: set[str], extra: dict[str, tuple[str, ...]],
            consumers: int, piles: int) -> list[int]:
    """Where the values of scope `s` are, in the order of `kpi_names` (prices aside)."""
    places = []
    if "consumer" in kinds:
        places += [pool.consumer(k, consumers) for k in range(pool.n_consumer_values)]
        places += [pool.total(name, s) for name in extra.get("consumer", ())]
    if "mine" in kinds:
        places += [pool.total(name, s) for name in ("produced_t", *extra.get("mine", ()))]
    if "processor" in kinds:
        places += [pool.total(name, s) for name in (*PROCESSOR_KPIS, *extra.get("processor", ()))]
    if "stockpile" in kinds:
        places += [pool.pile(k, piles) for k in range(len(STOCKPILE_KPIS))]
    return [*places, pool.total(FINAL_STOCK, s)]


def _distinct(nodes: tuple[NodeRow, ...], found: list[tuple[str, list[int]]],
              kind: str) -> tuple[NodeSets, list[int]]:
    """The distinct non-empty sets of `kind` nodes among the scopes, and each scope's set
    (-1: none)."""
    sets: dict[tuple[int, ...], int] = {}
    of = []
    for _, members in found:
        held = tuple(i for i in members if nodes[i].kind == kind)
        of.append(sets.setdefault(held, len(sets)) if held else -1)
    return NodeSets(list(sets)), of


def _pool(runs: StackedRuns, plan: Layout) -> np.ndarray:
    """Every value the runs' KPIs are taken from, [rep, value], placed as `plan.pool` says."""
    a, reps = runs.arrays, runs.reps
    node_totals = {name: a[name].sum(axis=0) for name in SUMMED} | market_totals(runs)
    per_node = np.stack([*(node_totals[name] for name in plan.pool.totals[:-1]),
                         a["stock_t"][-1]], axis=1)  # [rep, total, node]
    parts = [plan.scopes.row_sums(per_node.reshape(-1, len(runs.nodes))).reshape(reps, -1)]
    if len(plan.consumers):
        table = consumer_table(runs, plan.consumers)
        if table.shape[1] != plan.pool.n_consumer_values:
            raise ValueError(f"{table.shape[1]} consumer values, not the "
                             f"{plan.pool.n_consumer_values} the KPI names need")
        parts.append(table.reshape(reps, -1))
    for piles in plan.piles.sets:
        held = list(piles)  # as `scope_kpis` sums them
        parts.append(np.array([[a["released_t"][:, r, held].sum(),
                                a["received_t"][:, r, held].sum(),
                                a["stock_t"][:, r, held].sum(axis=1).min()] for r in range(reps)]))
    if plan.prices:
        parts.append(price_table(runs))
    return np.concatenate(parts, axis=1)
