"""The tidy time series of a run, aggregated to the scenario's record interval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np

from sim.model import RunRecord
from sim.model.recorder import FLOW_VARIABLES

VARIABLES_BY_KIND = {
    "mine": ("stock_t", "produced_t", "capacity_tpa", "shipped_t"),
    "processor": ("stock_t", "in_transit_t", "capacity_tpa", "received_t", "processed_t",
                  "output_t", "lost_t", "recycled_t", "shipped_t"),
    "stockpile": ("stock_t", "in_transit_t", "received_t", "released_t"),
    "consumer": ("stock_t", "in_transit_t", "received_t", "demand_t", "delivered_t",
                 "shortfall_t", "backlog_t"),
}
"""Which recorded variables are written for each kind of node."""


def aggregate(series: np.ndarray, steps_per_record: int, is_flow: bool) -> np.ndarray:
    """Flows summed over each record interval; levels taken at the interval's last step."""
    n = series.shape[0]
    starts = np.arange(0, n, steps_per_record)
    if is_flow:
        return np.add.reduceat(series, starts, axis=0)
    ends = np.minimum(starts + steps_per_record, n) - 1
    return series[ends]


def timeseries_blocks(run: RunRecord) -> Iterator[str]:
    """CSV text of a run's tidy rows (replication,day,date,node,variable,value), one block
    per node and variable; values rounded to 1e-6 t and formatted by numpy in bulk."""
    per = run.record_days // run.step_days
    days = np.arange(0, run.n_steps, per) * run.step_days
    prefixes = [f"{run.replication},{int(d)},{(run.start + dt.timedelta(days=int(d)))},"
                for d in days]
    for i, node in enumerate(run.nodes):
        for name in VARIABLES_BY_KIND[node.kind]:
            values = aggregate(run.arrays[name][:, i], per, name in FLOW_VARIABLES)
            if name in ("backlog_t", "recycled_t") and not values.any():
                continue
            yield _block(prefixes, f"{node.id},{name},", values)
        if node.kind == "consumer":
            by_origin = run.delivered_by_origin[:, i, :]
            for o, origin in enumerate(run.origins):
                if by_origin[:, o].any():
                    values = aggregate(by_origin[:, o], per, True)
                    yield _block(prefixes, f"{node.id},delivered_from_{origin}_t,", values)


def _block(prefixes: list[str], middle: str, values: np.ndarray) -> str:
    """Lines `prefix + middle + value`; values rounded to 6 decimals, `-0` written as 0."""
    text = (np.round(values, 6) + 0.0).astype(str)
    return "".join(f"{p}{middle}{v}\n" for p, v in zip(prefixes, text.tolist(), strict=True))
