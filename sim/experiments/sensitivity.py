"""How much each swept parameter moves each KPI, from the per-point means.

Every method gets a linear measure (least squares of the point means on all parameters at
once, numbers and dates on their own scale, dates in days):

- `src`: standardized regression coefficient, beta_i x sd(x_i) / sd(y), in [-1, 1] when the
  parameters are uncorrelated (grid, lhs, random approximately); its square is the share of
  the KPI's variance the parameter explains linearly;
- `effect`: beta_i x (highest - lowest value of x_i), the KPI change the linear fit gives from
  the parameter's lowest to its highest value, the others held at their mean (tornado bars);
- `r2`: the fit's R^2 (parameter `*`): where it is low, the KPI is not linear in the
  parameters (thresholds, interactions) and `src`/`effect` understate them: use sobol.

Every method also gets the KPI's mean at each parameter's lowest and highest level, from the
point means themselves (so within the KPI's possible range, unlike a line's ends): `low_mean`
and `high_mean`, and `min_mean`/`max_mean`, the least and greatest mean over its levels (the
tornado chart draws these). A level is a value the parameter takes (grids) or, when it takes
more than LEVELS values (sampled designs), a fifth of the points ranked by it.

`sobol` adds SALib's first-order `S1` and total `ST` indices with 95% bootstrap half-widths
(`conf`), `morris` adds `mu_star` (with `conf`) and `sigma` on the parameters' unit scale
(0 = lowest, 1 = highest value). Parameters whose values are words get no linear measure.
Rows are tidy: `kpi, param, index, value, conf`. When a method has too few samples for its
indices to mean much (Sobol with fewer than SOBOL_MIN base samples, Morris with fewer than
MORRIS_MIN trajectories), a row `*, *, warning: <text>, <samples>,` says so, a
SampleSizeWarning is issued (shown on the terminal) and the plots print the text.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from sim.experiments.design import Design, as_number, salib_problem

HEADER = ("kpi", "param", "index", "value", "conf")
Row = tuple[str, str, str, float, float]
LEVELS = 12
"""Most distinct values a parameter may take for each to be a level of its own."""
BINS = 5
"""Levels of a parameter with more values: fifths of the points ranked by it."""
SOBOL_MIN = 64
"""Fewest Sobol base samples N (points = N x (d + 2)) for indices worth reading."""
MORRIS_MIN = 10
"""Fewest Morris trajectories for mu* worth reading."""
WARNING = "warning: "
"""Prefix of the `index` of a sample-size warning row."""


class SampleSizeWarning(UserWarning):
    """A sensitivity method ran on too few samples for its indices to be reliable."""


def level_rows(design: Design, means: np.ndarray, kpi_labels: Sequence[str]) -> list[Row]:
    """`low_mean`, `high_mean`, `min_mean`, `max_mean` of each KPI and numeric parameter:
    the mean of the point means at its lowest and highest level, and their least and
    greatest over its levels (NaN where no point of a level has the KPI)."""
    rows: list[Row] = []
    for i, param in enumerate(design.params):
        if not param.numeric:
            continue
        levels = _levels(np.array([as_number(point[i]) for point in design.points]))
        for k, label in enumerate(kpi_labels):
            y = means[:, k]
            level_means = np.array([_mean(y[members]) for members in levels])
            finite = level_means[np.isfinite(level_means)]
            low, high = (level_means[0], level_means[-1]) if len(levels) else (math.nan,) * 2
            lo, hi = (finite.min(), finite.max()) if finite.size else (math.nan, math.nan)
            rows += [(label, param.path, index, float(value), math.nan) for index, value in
                     (("low_mean", low), ("high_mean", high), ("min_mean", lo),
                      ("max_mean", hi))]
    return rows


def _levels(x: np.ndarray) -> list[np.ndarray]:
    """Indices of the points at each level of a parameter, from its lowest to highest."""
    values = np.unique(x)
    if len(values) <= LEVELS:
        return [np.flatnonzero(x == v) for v in values]
    order = np.argsort(x, kind="stable")
    return [chunk for chunk in np.array_split(order, BINS) if chunk.size]


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def sample_warning(design: Design) -> tuple[str, int] | None:
    """(text, samples) when the design has too few samples for its method's indices."""
    d = len(design.params)
    if design.method == "sobol":
        n = len(design.points) // (d + 2)
        if n < SOBOL_MIN:
            return (f"N={n}: indices unreliable (Sobol with {n} base samples; use "
                    f"--samples {SOBOL_MIN} or more)", n)
    if design.method == "morris":
        r = len(design.points) // (d + 1)
        if r < MORRIS_MIN:
            return (f"r={r}: indices unreliable (Morris with {r} trajectories; use "
                    f"--samples {MORRIS_MIN} or more)", r)
    return None


def linear_rows(design: Design, means: np.ndarray, kpi_labels: Sequence[str]) -> list[Row]:
    """`src`, `effect` and `r2` of each KPI (columns of `means` [point, kpi]), then the
    level means of `level_rows`."""
    numeric = [i for i, p in enumerate(design.params) if p.numeric]
    if not numeric:
        return []
    x = np.array([[as_number(point[i]) for i in numeric] for point in design.points])
    rows: list[Row] = []
    for k, label in enumerate(kpi_labels):
        y = means[:, k]
        ok = np.isfinite(y)
        beta, r2 = _fit(x[ok], y[ok])
        sd_y = float(y[ok].std()) if ok.sum() > 1 else math.nan
        for j, i in enumerate(numeric):
            path = design.params[i].path
            sd_x = float(x[ok, j].std()) if ok.any() else math.nan
            src = beta[j] * sd_x / sd_y if sd_y > 0 else (0.0 if sd_y == 0 else math.nan)
            span = float(x[:, j].max() - x[:, j].min())
            rows += [(label, path, "src", src, math.nan),
                     (label, path, "effect", beta[j] * span, math.nan)]
        rows.append((label, "*", "r2", r2, math.nan))
    return rows + level_rows(design, means, kpi_labels)


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares slopes (NaN where a parameter does not vary) and R^2."""
    beta = np.full(x.shape[1], math.nan)
    varying = [j for j in range(x.shape[1]) if len(x) > 1 and np.ptp(x[:, j]) > 0]
    if len(y) < len(varying) + 2:
        return beta, math.nan
    scale = np.array([np.ptp(x[:, j]) for j in varying])
    a = np.column_stack([np.ones(len(y)), (x[:, varying] - x[:, varying].mean(0)) / scale])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    beta[varying] = coef[1:] / scale
    residual = float(((y - a @ coef) ** 2).sum())
    total = float(((y - y.mean()) ** 2).sum())
    return beta, (1 - residual / total) if total > 0 else math.nan


def salib_rows(design: Design, means: np.ndarray, kpi_labels: Sequence[str],
               seed: int) -> list[Row]:
    """Sobol S1/ST or Morris mu*/sigma of each KPI; NaN rows when a KPI has missing points."""
    if design.method not in ("sobol", "morris"):
        return []
    problem = salib_problem(len(design.params))
    names = {"sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
             "morris": (("mu_star", "mu_star_conf"), ("sigma", None))}[design.method]
    rows: list[Row] = []
    if (warned := sample_warning(design)) is not None:
        text, samples = warned
        warnings.warn(text, SampleSizeWarning, stacklevel=2)
        rows.append(("*", "*", WARNING + text, float(samples), math.nan))
    for k, label in enumerate(kpi_labels):
        y = means[:, k]
        result = _analyze(design, problem, y, seed) if np.isfinite(y).all() else None
        for i, param in enumerate(design.params):
            for index, conf in names:
                value = math.nan if result is None else float(result[index][i])
                half = math.nan if result is None or conf is None else float(result[conf][i])
                rows.append((label, param.path, index, value, half))
    return rows


def _analyze(design: Design, problem: dict, y: np.ndarray, seed: int) -> dict | None:
    if np.ptp(y) == 0:  # a constant KPI: no parameter matters
        zeros = np.zeros(len(design.params))
        return {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros,
                "mu_star": zeros, "mu_star_conf": zeros, "sigma": zeros}
    if design.method == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(problem, y, calc_second_order=False, seed=seed)
    from SALib.analyze import morris

    from sim.experiments.design import MORRIS_LEVELS

    return morris.analyze(problem, design.unit, y, num_levels=MORRIS_LEVELS, seed=seed)
