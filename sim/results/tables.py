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


def timeseries_rows(run: RunRecord) -> Iterator[tuple]:
    """(replication, day, date, node, variable, value) rows, value rounded to 1e-6 t."""
    per = run.record_days // run.step_days
    days = np.arange(0, run.n_steps, per) * run.step_days
    dates = [(run.start + dt.timedelta(days=int(d))).isoformat() for d in days]
    day_text = [str(int(d)) for d in days]
    for i, node in enumerate(run.nodes):
        for name in VARIABLES_BY_KIND[node.kind]:
            values = aggregate(run.arrays[name][:, i], per, name in FLOW_VARIABLES)
            if name in ("backlog_t", "recycled_t") and not values.any():
                continue
            for day, date, value in zip(day_text, dates, values.tolist(), strict=True):
                yield run.replication, day, date, node.id, name, _fmt(value)
        if node.kind == "consumer":
            by_origin = run.delivered_by_origin[:, i, :]
            for o, origin in enumerate(run.origins):
                if not by_origin[:, o].any():
                    continue
                values = aggregate(by_origin[:, o], per, True)
                name = f"delivered_from_{origin}_t"
                for day, date, value in zip(day_text, dates, values.tolist(), strict=True):
                    yield run.replication, day, date, node.id, name, _fmt(value)


def _fmt(value: float) -> str:
    """Fixed precision so files are byte-identical for identical runs and stay compact."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
