"""The tidy time series of a run, aggregated to the scenario's record interval.

Its CSV text (timeseries.csv: 132,000 rows and 6.4 MB for one 20-year weekly baseline run
with the standard variables, 295,000 rows and 15.1 MB with all of them) is made in bulk by numpy
(see `sim.results.csvtext`), a few blocks of rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.records import FLOW_VARIABLES, RunRecord
from sim.results.csvtext import join_fields, rounded_lines, text_matrix
from sim.results.market import market_series
from sim.scenario.schema import TimeseriesChoice

ALL_BY_KIND = {
    "mine": ("stock_t", "produced_t", "capacity_tpa", "shipped_t"),
    "processor": ("stock_t", "in_transit_t", "capacity_tpa", "received_t", "processed_t",
                  "output_t", "lost_t", "recycled_t", "shipped_t"),
    "stockpile": ("stock_t", "in_transit_t", "received_t", "released_t"),
    "consumer": ("stock_t", "in_transit_t", "received_t", "demand_t", "delivered_t",
                 "shortfall_t", "backlog_t"),
}
"""Every recorded variable timeseries.csv can hold for each kind of node, in file order."""
MARKET_BY_KIND = {"mine": ("supply_added_t",), "processor": ("scrap_added_t",),
                  "consumer": ("demand_destroyed_t",)}
"""With a market, what `all` adds after each kind's variables (and `standard`, for consumers:
demand not placed because of price)."""
MARKET_STANDARD = frozenset({"demand_destroyed_t"})

STANDARD_VARIABLES = frozenset({"stock_t", "in_transit_t", "capacity_tpa", "produced_t",
                                "output_t", "released_t", "demand_t", "delivered_t",
                                "shortfall_t", "backlog_t"})
"""design.md's list (a processor's production is its `output_t`, a stockpile's its
`released_t`)."""

VARIABLES_BY_KIND = {
    "standard": {kind: tuple(v for v in names if v in STANDARD_VARIABLES)
                 for kind, names in ALL_BY_KIND.items()},
    "all": ALL_BY_KIND,
}
"""Which recorded variables timeseries.csv holds for each kind of node, by the scenario's
`timeseries` choice; `all` also adds, for consumers, deliveries by mining country
(`delivered_from_XX_t`). A run with a market adds MARKET_BY_KIND and, after every node, its
price rows (`sim.results.market.market_series`: node `market:ex_china` or `market:china`)."""

CHUNK_ROWS = 1 << 14
"""About how many rows `timeseries_chunks` makes at once: few enough for the CPU's cache."""


def aggregate(series: np.ndarray, steps_per_record: int, is_flow: bool) -> np.ndarray:
    """Flows summed over each record interval; levels taken at the interval's last step
    (along the first axis; `series` itself when each step is recorded)."""
    if steps_per_record == 1:
        return series
    n = series.shape[0]
    starts = np.arange(0, n, steps_per_record)
    if is_flow:
        return np.add.reduceat(series, starts, axis=0)
    ends = np.minimum(starts + steps_per_record, n) - 1
    return series[ends]


def timeseries_blocks(run: RunRecord, variables: TimeseriesChoice = "standard",
                      ) -> Iterator[tuple[str, np.ndarray]]:
    """(`node,variable,`, value per record) of each block of a run's tidy rows, in file order:
    one block per node and variable of `VARIABLES_BY_KIND[variables]` (with a market, and
    MARKET_BY_KIND), all-zero backlog, recycling and origins left out; with a market, the
    price rows last (levels: the value at the end of each record interval)."""
    if variables not in VARIABLES_BY_KIND:
        raise ValueError(f"variables must be one of {sorted(VARIABLES_BY_KIND)}, "
                         f"not {variables!r}")
    per = run.record_days // run.step_days
    aggregated: dict[str, np.ndarray] = {}

    def series(name: str) -> np.ndarray:  # every node's, aggregated once per variable
        if name not in aggregated:
            aggregated[name] = aggregate(run.arrays[name], per, name in FLOW_VARIABLES)
        return aggregated[name]

    for i, node in enumerate(run.nodes):
        for name in VARIABLES_BY_KIND[variables][node.kind] + _market_variables(run, node.kind,
                                                                                variables):
            values = series(name)[:, i]
            if name in ("backlog_t", "recycled_t") and not values.any():
                continue
            yield f"{node.id},{name},", values
        if node.kind == "consumer" and variables == "all":
            by_origin = run.delivered_by_origin[:, i, :]
            for o, origin in enumerate(run.origins):
                if by_origin[:, o].any():
                    values = aggregate(by_origin[:, o], per, True)
                    yield f"{node.id},delivered_from_{origin}_t,", values
    for node_name, name, level in market_series(run):
        yield f"{node_name},{name},", aggregate(level, per, False)


def _market_variables(run: RunRecord, kind: str, variables: TimeseriesChoice) -> tuple[str, ...]:
    """The market variables of a node of `kind` in timeseries.csv (none without a market)."""
    if not run.market:
        return ()
    return tuple(v for v in MARKET_BY_KIND.get(kind, ())
                 if variables == "all" or v in MARKET_STANDARD)


def record_prefixes(run: RunRecord) -> list[str]:
    """`replication,day,date,` of each record of a run: how its tidy rows start."""
    per = run.record_days // run.step_days
    days = np.arange(0, run.n_steps, per) * run.step_days
    dates = np.datetime_as_string(np.datetime64(run.start, "D") + days, unit="D")
    return [f"{run.replication},{d},{date}," for d, date in zip(days.tolist(), dates.tolist(),
                                                                strict=True)]


def timeseries_chunks(run: RunRecord, *, variables: TimeseriesChoice = "standard",
                      rows: int = CHUNK_ROWS) -> Iterator[np.ndarray]:
    """UTF-8 CSV text (uint8 arrays, to write in turn) of a run's tidy rows
    `replication,day,date,node,variable,value` for the `variables` chosen (`standard` or
    `all`), values rounded to 1e-6 t and `-0` written as 0; a few blocks, about `rows` rows,
    at a time."""
    prefixes = text_matrix(record_prefixes(run), right=True)
    blocks = list(timeseries_blocks(run, variables))
    per_chunk = max(1, rows // max(1, prefixes.shape[0]))
    for start in range(0, len(blocks), per_chunk):
        yield rows_text(prefixes, blocks[start:start + per_chunk])


def rows_text(prefixes: np.ndarray, blocks: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """CSV rows `prefix + middle + value + newline` of some blocks (middle, values): every
    prefix (one per record) with each block's middle and values."""
    middles = text_matrix([middle for middle, _ in blocks])
    lines = rounded_lines(np.stack([values for _, values in blocks]))
    return join_fields(prefixes[None, :, :], middles[:, None, :],
                       lines.reshape(len(blocks), prefixes.shape[0], lines.shape[1]))
