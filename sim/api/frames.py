"""Tidy pandas tables of results, with the columns of the CSV files a results folder holds.

pandas is an optional dependency (`pip install 'tungsten-sim[pandas]'`): it is imported only
when a table is asked for, and its absence is said in those words. Example::

    kpis_frame(result.ensemble)           # replication, scope, kpi, value (as kpis.csv)
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.results.tables import timeseries_blocks

if TYPE_CHECKING:
    import pandas as pd

    from sim.records import RunRecord
    from sim.results.ensemble import Ensemble


def pandas(what: str) -> Any:
    """The pandas module, or an ImportError saying how to install it for `what`."""
    try:
        import pandas
    except ImportError:
        raise ImportError(f"pandas is needed for {what}; "
                          "pip install 'tungsten-sim[pandas]'") from None
    return pandas


def csv_frame(text: str, what: str) -> pd.DataFrame:
    """A CSV text (one of a results folder's files) as a DataFrame."""
    return pandas(what).read_csv(io.StringIO(text))


def kpis_frame(ensemble: Ensemble, what: str = ".kpis()") -> pd.DataFrame:
    """Every KPI of every replication: `replication, scope, kpi, value` (kpis.csv's columns;
    NaN where a KPI is undefined, e.g. the first shortfall day of a scope never short)."""
    pd = pandas(what)
    keys, n = ensemble.keys, ensemble.n
    return pd.DataFrame({
        "replication": np.repeat(np.arange(n), len(keys)),
        "scope": np.tile(np.array([s for s, _ in keys], dtype=object), n),
        "kpi": np.tile(np.array([k for _, k in keys], dtype=object), n),
        "value": ensemble.values.T.ravel(),
    })


def summary_frame(summary: dict[str, dict[str, dict[str, Any]]],
                  what: str = ".summary()") -> pd.DataFrame:
    """summary.json as a table: one row per scope and KPI with its statistics (mean, sd, p5,
    p50, p95, n; a probability's interval columns for the probability KPIs)."""
    rows = [{"scope": scope, "kpi": kpi, **stats}
            for scope, kpis in summary.items() for kpi, stats in kpis.items()]
    return pandas(what).DataFrame.from_records(rows)


def timeseries_frame(runs: list[RunRecord], variables: str,
                     what: str = ".timeseries()") -> pd.DataFrame:
    """The tidy time series of the kept replications: `replication, day, date, node,
    variable, value` (timeseries.csv's columns; `date` as a datetime, values unrounded)."""
    pd = pandas(what)
    parts = [_run_columns(run, variables) for run in runs]
    if not parts:
        return pd.DataFrame(columns=["replication", "day", "date", "node", "variable", "value"])
    columns = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    frame = pd.DataFrame(columns)
    frame.insert(2, "date", pd.Timestamp(runs[0].start) + pd.to_timedelta(frame["day"], "D"))
    return frame


def _run_columns(run: RunRecord, variables: str) -> dict[str, np.ndarray]:
    """One replication's columns (all but the date), in timeseries.csv's row order."""
    per = run.record_days // run.step_days
    days = np.arange(0, run.n_steps, per) * run.step_days
    blocks = list(timeseries_blocks(run, variables))
    names = [middle.rstrip(",").rsplit(",", 1) for middle, _ in blocks]
    count = len(days)
    return {
        "replication": np.full(count * len(blocks), run.replication),
        "day": np.tile(days, len(blocks)),
        "node": np.repeat(np.array([n for n, _ in names], dtype=object), count),
        "variable": np.repeat(np.array([v for _, v in names], dtype=object), count),
        "value": (np.concatenate([values for _, values in blocks]) if blocks
                  else np.zeros(0)),
    }
