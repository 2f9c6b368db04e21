"""Per-point statistics of a sweep, computed by streaming runs.csv.

The parent never holds every run: rows are read one at a time and buffered per point until
the point has all its replications, then reduced (in replication order, so the numbers do
not depend on the order runs finished in) to mean, sd, p5, p50, p95 of each KPI (NaN values,
such as a recovery day that never came, are left out; a KPI with no value is NaN).
What is kept is one small array per point. Example::

    stats = point_stats(runs_file.rows(), n_points=12, n_params=2, n_kpis=6, replications=5)
    stats.mean[point, kpi]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.experiments.sweep_store import read_number
from sim.results.files import number_text

STATS = ("mean", "sd", "p5", "p50", "p95")


@dataclass(frozen=True)
class PointStats:
    """[point, kpi, stat] with stats in STATS order, and the replications counted per point."""

    values: np.ndarray
    counts: np.ndarray

    def stat(self, name: str) -> np.ndarray:
        """[point, kpi] of one statistic."""
        return self.values[:, :, STATS.index(name)]

    @property
    def mean(self) -> np.ndarray:
        """[point, kpi] of the means."""
        return self.stat("mean")


def reduce(samples: np.ndarray) -> np.ndarray:
    """STATS of each column of [replication, kpi] over its finite values."""
    out = np.full((samples.shape[1], len(STATS)), math.nan)
    for k in range(samples.shape[1]):
        column = samples[:, k][np.isfinite(samples[:, k])]
        if column.size:
            p5, p50, p95 = np.percentile(column, [5, 50, 95])
            sd = float(column.std(ddof=1)) if column.size > 1 else math.nan
            out[k] = (column.mean(), sd, p5, p50, p95)
    return out


def point_stats(rows: Iterable[list[str]], n_points: int, n_params: int, n_kpis: int,
                replications: int) -> PointStats:
    """Stream runs.csv rows into per-point statistics."""
    values = np.full((n_points, n_kpis, len(STATS)), math.nan)
    counts = np.zeros(n_points, dtype=int)
    open_points: dict[int, list[tuple[int, list[float]]]] = {}
    first = 2 + n_params
    for cells in rows:
        point = int(cells[0])
        buffer = open_points.setdefault(point, [])
        buffer.append((int(cells[1]), [read_number(c) for c in cells[first:first + n_kpis]]))
        if len(buffer) == replications:
            values[point], counts[point] = _reduce_sorted(buffer), replications
            del open_points[point]
    for point, buffer in open_points.items():  # incomplete points (an unfinished sweep)
        values[point], counts[point] = _reduce_sorted(buffer), len(buffer)
    return PointStats(values, counts)


def _reduce_sorted(buffer: list[tuple[int, list[float]]]) -> np.ndarray:
    """Reduce in replication order, so the statistics do not depend on the finishing order."""
    return reduce(np.array([values for _, values in sorted(buffer)]))


def points_csv(stats: PointStats, param_cells: list[list[str]], param_names: list[str],
               kpi_labels: list[str]) -> str:
    """points.csv: point, parameters, replications, LABEL.mean .sd .p5 .p50 .p95 per KPI."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["point", *param_names, "replications",
                     *(f"{label}.{s}" for label in kpi_labels for s in STATS)])
    for p, cells in enumerate(param_cells):
        writer.writerow([p, *cells, int(stats.counts[p]),
                         *(number_text(v) for v in stats.values[p].ravel())])
    return out.getvalue()
