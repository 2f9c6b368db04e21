"""Per-step records of a run, in preallocated numpy arrays (the model writes, results read)."""

from __future__ import annotations

import numpy as np

from sim.records import NODE_VARIABLES, ROUNDING


class Recorder:
    """Arrays [step, node] per variable, deliveries [step, consumer, origin] (consumers
    only: only they receive deliveries), trade [step, edge].

    The step writes only what cannot be worked out afterwards; `derive` fills in the rest in
    bulk after the run (flows that follow from others, stock rows folded by node). Only the
    variables `arrays` holds are filled (the batch engine's runs reduced to KPIs hold fewer:
    records.REDUCED_AWAY), and production by origin only if `produced_by_origin` is set.
    """

    def __init__(self, n_steps: int, n_nodes: int, n_origins: int, n_edges: int,
                 n_consumers: int, n_rows: int):
        self.arrays = {name: np.zeros((n_steps, n_nodes)) for name in NODE_VARIABLES}
        self.delivered_by_origin = np.zeros((n_steps, n_consumers, n_origins))
        self.produced_by_origin: np.ndarray | None = np.zeros((n_steps, n_origins))
        self.shipped_by_edge = np.zeros((n_steps, n_edges))
        # by holding row (stock rows, then processors' input rows), folded by derive()
        self.held_t = np.zeros((n_steps, n_rows))
        self.received_t = np.zeros((n_steps, n_rows))
        self.market: dict[str, np.ndarray] = {}  # series by name, with a market (market.py)

    def derive(self, supplier: np.ndarray, buyer: np.ndarray, processors: slice,
               yields: np.ndarray, delay_steps: np.ndarray, consumers: slice) -> None:
        """Fill the variables that follow from what the step recorded."""
        a, n = self.arrays, self.arrays["stock_t"].shape[1]
        for name, by_row in (("stock_t", self.held_t), ("received_t", self.received_t)):
            a[name][:] = by_row[:, :n]
            a[name][:, processors] += by_row[:, n:]  # processors' input rows
        if "shipped_t" in a:
            a["shipped_t"][:] = sums_by(supplier, self.shipped_by_edge, n)
        if "in_transit_t" in a:
            shipped_to = sums_by(buyer, self.shipped_by_edge, n)
            a["in_transit_t"][:] = np.cumsum(shipped_to - a["received_t"], axis=0)
        processed = a["processed_t"][:, processors]
        a["lost_t"][:, processors] = processed * (1.0 - yields)
        output = a["output_t"][:, processors]
        for j, delay in enumerate(delay_steps.tolist()):
            if delay < processed.shape[0]:  # else nothing finishes within the run
                output[delay:, j] = processed[: processed.shape[0] - delay, j] * yields[j]
        demand = a["demand_t"][:, consumers]
        short = demand - a["delivered_t"][:, consumers]
        short[np.abs(short) <= ROUNDING * demand] = 0.0  # see ROUNDING
        a["shortfall_t"][:, consumers] = short


def flat_bins(index: np.ndarray, rows: int, size: int) -> np.ndarray:
    """The bins of `sums_by` for `rows` rows: row × size + index, flat."""
    return (np.arange(rows)[:, None] * size + index).ravel()


def sums_by(index: np.ndarray, values: np.ndarray, size: int,
            flat: np.ndarray | None = None) -> np.ndarray:
    """bincount(index, values[i], size) for every row i of `values` [row, len(index)],
    [row, size], in one bincount (each bin's values added in the order of `index`, as a loop
    would). `flat`: the flat bins (row × size + index), if the caller keeps them."""
    rows = values.shape[0]
    if flat is None:
        flat = flat_bins(index, rows, size)
    return np.bincount(flat, values.ravel(), minlength=rows * size).reshape(rows, size)
