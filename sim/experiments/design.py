"""The input space of a sweep (parameters and their specs) and the designs that sample it.

A parameter is a scenario path (as for `--set`) and a SPEC:

- a list `2000,4000,6000` (numbers, dates or words, read as YAML);
- a range `0:1:11`: start:stop:count, both ends included, like `numpy.linspace`
  (0, 0.1, ..., 1); `2000:6000:3` is 2000, 4000, 6000;
- a distribution for sampling: `uniform(0.2,0.8)`, `int(1,5)` (1..5, both included),
  `date(2028-01-01,2031-01-01)` (whole days, both ends included).

Every parameter maps a unit number u in [0, 1) to a value (`Param.value`), so one design in
the unit cube serves every kind: a list or range is picked by `floor(u * n)`, a uniform by
`low + u (high - low)`. Designs (`design`):

- `grid`: full factorial of lists and ranges (distributions are refused);
- `random`: `samples` independent uniform points;
- `lhs`: Latin hypercube, each of the `samples` strata of every parameter holds one point;
- `sobol` (Saltelli, `samples` x (d + 2) points) and `morris` (`samples` trajectories of
  d + 1 points): SALib's samplers, in the unit cube.

Sampling draws from `default_rng(SeedSequence(seed, spawn_key=(DESIGN_KEY,)))`, a stream no
simulation source uses. Example::

    params = [parse_param("mines.m.capacity_tpa=1000:3000:3"), parse_param("seed=1,2")]
    design("grid", params).points  # 6 points
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import Problem, ScenarioError
from sim.scenario.yamlread import read_value

METHODS = ("grid", "random", "lhs", "sobol", "morris")
DESIGN_KEY = 0x5EE9
"""Spawn key of the design's random stream (disjoint from every simulation stream)."""
MORRIS_LEVELS = 4
SENSITIVITY_HINT = "pip install 'tungsten-sim[sensitivity]'"

_CALL = re.compile(r"^\s*(uniform|int|date)\s*\((.*)\)\s*$")
_RANGE = re.compile(r"^\s*([^:,]+):([^:,]+):([^:,]+)\s*$")


@dataclass(frozen=True)
class Param:
    """One swept parameter: its path, its kind and what it takes.

    kind "values" (a list or range: `values`), "uniform", "int" or "date" (`low`, `high`).
    """

    path: str
    kind: str
    spec: str
    values: tuple = ()
    low: Any = None
    high: Any = None

    @property
    def discrete(self) -> bool:
        """True for a list or range (a grid can enumerate it)."""
        return self.kind == "values"

    @property
    def numeric(self) -> bool:
        """True when values can be placed on a number line (numbers or dates)."""
        if self.kind != "values":
            return True
        return all(_is_number(v) or isinstance(v, dt.date) for v in self.values)

    @property
    def is_date(self) -> bool:
        return self.kind == "date" or (self.kind == "values" and self.values != ()
                                       and all(isinstance(v, dt.date) for v in self.values))

    def value(self, u: float) -> Any:
        """The value at unit coordinate u in [0, 1]."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "values":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.kind == "uniform":
            return float(self.low + u * (self.high - self.low))
        span = (self.high - self.low) if self.kind == "int" else (self.high - self.low).days
        step = min(int(u * (span + 1)), span)
        return self.low + step if self.kind == "int" else self.low + dt.timedelta(days=step)

    def extremes(self) -> list:
        """Values to validate before running: every listed value, or both bounds."""
        return list(self.values) if self.kind == "values" else [self.value(0), self.value(1)]


def as_number(value: Any) -> float:
    """A parameter value on the number line: dates as their ordinal day."""
    if isinstance(value, dt.date):
        return float(value.toordinal())
    return float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_param(text: str) -> Param:
    """`PATH=SPEC` to a Param; ScenarioError naming the option and the spec when wrong."""
    path, sep, spec = text.partition("=")
    if not sep or not path.strip() or not spec.strip():
        raise _bad(text, "expected PATH=SPEC, e.g. mines.m1.capacity_tpa=2000,4000")
    return param_from_spec(path.strip(), spec.strip())


def param_from_spec(path: str, spec: Any) -> Param:
    """A Param from its spec: a string as on the command line, or a YAML list of values."""
    if isinstance(spec, list | tuple):
        if not spec:
            raise _bad(path, "an empty list")
        values = tuple(_scalar(v) if isinstance(v, str) else v for v in spec)
        return Param(path, "values", ",".join(map(str, spec)), values)
    text = str(spec)
    call = _CALL.match(text)
    if call:
        return _distribution(path, text, call.group(1), call.group(2))
    if ":" in text:
        if not _RANGE.match(text):
            raise _bad(path, f"'{text}' is not a range START:STOP:COUNT (e.g. 0:1:11)")
        return _range(path, text)
    values = tuple(_scalar(item) for item in text.split(","))
    if any(v == "" for v in values):
        raise _bad(path, f"'{text}' has an empty list item")
    return Param(path, "values", text, values)


def _scalar(text: str) -> Any:
    """One value of a --param spec, read as YAML with a scenario file's bounds (nesting, alias
    expansion); text that is not YAML (or an impossible date) stays text."""
    return read_value(text.strip(), "", "--param") if text.strip() else ""


def _range(path: str, text: str) -> Param:
    start, stop, count = (_scalar(p) for p in text.split(":"))
    if not (_is_number(start) and _is_number(stop)) or not isinstance(count, int) \
            or isinstance(count, bool):
        raise _bad(path, f"range '{text}' must be START:STOP:COUNT with numbers and a whole "
                         "COUNT (both ends included, like linspace)")
    if count < 1 or (count == 1 and start != stop):
        raise _bad(path, f"range '{text}': COUNT (={count}) must be >= 2 (or 1 with "
                         "START = STOP)")
    values = np.linspace(start, stop, count)
    if all(isinstance(x, int) for x in (start, stop)) and np.allclose(values, np.round(values)):
        out = tuple(int(np.rint(v)) for v in values)
    else:
        out = tuple(float(round(v, 12)) for v in values)
    return Param(path, "values", text, out)


def _distribution(path: str, text: str, name: str, inner: str) -> Param:
    parts = [_scalar(p) for p in inner.split(",")]
    if len(parts) != 2:
        raise _bad(path, f"'{text}' needs two bounds: {name}(LOW,HIGH)")
    low, high = parts
    if name == "date":
        low, high = (_date(p) for p in (low, high))
        if low is None or high is None:
            raise _bad(path, f"'{text}': bounds must be dates YYYY-MM-DD")
    elif name == "int":
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise _bad(path, f"'{text}': bounds must be whole numbers")
    elif not all(_is_number(p) for p in parts):
        raise _bad(path, f"'{text}': bounds must be numbers")
    else:
        low, high = float(low), float(high)
    if not low < high:
        raise _bad(path, f"'{text}': LOW (={low}) must be < HIGH (={high})")
    return Param(path, name, text, (), low, high)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _bad(where: str, message: str) -> ScenarioError:
    return ScenarioError([Problem("--param", 0, 0, where, message)])


@dataclass(frozen=True)
class Design:
    """The points of a sweep: `unit` coordinates [point, param] and the values they map to."""

    method: str
    params: tuple[Param, ...]
    unit: np.ndarray
    points: list[tuple] = field(compare=False)

    @classmethod
    def of(cls, method: str, params: tuple[Param, ...], unit: np.ndarray) -> Design:
        points = [tuple(p.value(u) for p, u in zip(params, row, strict=True)) for row in unit]
        return cls(method, params, unit, points)


def design(method: str, params: list[Param] | tuple[Param, ...], samples: int | None = None,
           seed: int = 0) -> Design:
    """Points of `method` over `params`; ScenarioError for every problem of the combination."""
    params = tuple(params)
    problems = check_design(method, params, samples)
    if problems:
        raise ScenarioError(problems)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_KEY,)))
    if method == "grid":
        return Design.of(method, params, _grid_unit(params))
    if method == "random":
        return Design.of(method, params, rng.random((samples, len(params))))
    if method == "lhs":
        return Design.of(method, params, latin_hypercube(samples, len(params), rng))
    return Design.of(method, params, salib_sample(method, len(params), samples, seed))


def check_design(method: str, params: tuple[Param, ...], samples: int | None) -> list[Problem]:
    """Every problem of a method, its parameters and its sample count, at once."""
    problems = []
    if method not in METHODS:
        problems.append(Problem("--method", 0, 0, method, f"must be one of {', '.join(METHODS)}"))
    if not params:
        problems.append(Problem("--param", 0, 0, "", "at least one --param PATH=SPEC is needed"))
    paths = [p.path for p in params]
    problems += [Problem("--param", 0, 0, p, "is given twice")
                 for p in sorted({p for p in paths if paths.count(p) > 1})]
    if method == "grid":
        problems += [Problem("--param", 0, 0, p.path, f"'{p.spec}' is a distribution; a grid "
                             "needs a list or a range (or use --method lhs/random/sobol)")
                     for p in params if not p.discrete]
    elif method in METHODS:
        if samples is None or samples < (2 if method in ("sobol", "morris", "lhs") else 1):
            problems.append(Problem("--samples", 0, 0, str(samples),
                                    f"--method {method} needs --samples N (N >= 2)"))
        if method in ("sobol", "morris") and len(params) < 2:
            problems.append(Problem("--method", 0, 0, method, "needs at least two parameters"))
    return problems


def _grid_unit(params: tuple[Param, ...]) -> np.ndarray:
    """Unit coordinates at the centre of each value's cell, full factorial (first slowest)."""
    axes = [(np.arange(len(p.values)) + 0.5) / len(p.values) for p in params]
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(params))


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """n points in [0, 1)^d, each of the n equal strata of every axis holding exactly one."""
    strata = np.column_stack([rng.permutation(n) for _ in range(d)]) if d else np.empty((n, 0))
    return (strata + rng.random((n, d))) / n


def salib_problem(d: int) -> dict:
    """The SALib problem of d parameters in the unit cube."""
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def salib_sample(method: str, d: int, samples: int, seed: int) -> np.ndarray:
    """Saltelli (first and total order) or Morris trajectories in the unit cube."""
    require_salib()
    problem = salib_problem(d)
    if method == "sobol":
        from SALib.sample import sobol

        n = 2 ** math.ceil(math.log2(samples))  # Sobol' sequences balance at powers of two
        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)


def require_salib() -> None:
    """ScenarioError (exit 2) telling how to install SALib when it is missing."""
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise ScenarioError([Problem("--method", 0, 0, "", "sobol and morris need SALib: "
                                     f"{SENSITIVITY_HINT}")]) from None
