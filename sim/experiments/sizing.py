"""Stockpile sizing: the smallest initial holding of a stockpile meeting a risk target.

A target is `SCOPE.KPI>=VALUE` or `SCOPE.KPI<=VALUE` (a NaN KPI never meets it). At a
holding h, a scenario meets the risk target when the share of its replications meeting the
target is at least `confidence`; the answer is the smallest h on the grid 0, step, 2 step,
..., max_holding at which every scenario does (the pooled share is reported too).

Common random numbers: replication r of every scenario at every holding is run with the same
seed, so it draws the same demand noise, transit times and outages whatever the holding
(`sim.experiments.worker`: each source has its own stream). What changes between two
holdings is only what the stockpile holds.

Assumption (monotone in the holding): a replication that meets the target at h meets it at
every larger holding, and one that fails at h fails at every smaller one. A stockpile that
releases only to cover a shortfall gives its consumers at least as much with more stock, so
this holds for their fill rates and shortfalls; it may not for other KPIs or with a market
(prices read stocks held). Under it, a replication's outcome at h is implied by an earlier
evaluation at a holding below h (met) or above h (failed), and is not run again; `verify`
reruns every replication at the answer and counts those whose outcome contradicts the
assumption (`violations`).

Search: bisection on the grid between a holding that fails and one that passes. With more
than `2 * pilot` replications, a first pass with `pilot` replications per scenario places the
bracket, and the full pass starts there (galloping out until the bracket holds for all
replications), so most full evaluations fall in a narrow bracket where most outcomes are
implied. A target not met at max_holding is reported as not reachable (`answer` None).

Example::

    sizing = Sizing((scenario,), "us_nds", parse_target("country:US.fill_rate>=0.99"),
                    confidence=0.95, replications=200, seed=1, max_holding=12000, step=120)
    result = size_stockpile(sizing, workers=2)
    result.searches[0].answer        # t, or None if not reachable below 12,000 t
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np
from tqdm import tqdm

from sim.experiments.batches import BatchTask, chunk_size, chunked, run_batch_task
from sim.experiments.executor import Runner
from sim.results.catalogue import KpiKey, kpi_text, parse_kpi
from sim.results.stats import wilson
from sim.scenario.schema import Scenario

PILOT = 20
"""Replications per scenario of the first pass (when there are more than twice as many)."""
STEPS = 100
"""Grid steps between 0 and the largest holding when no step is given."""
_TARGET = re.compile(r"\s*(.+?)\s*(>=|<=)\s*(\S+)\s*")


@dataclass(frozen=True)
class Target:
    """`key` `op` `value`: e.g. (("country:US", "fill_rate"), ">=", 0.99)."""

    key: KpiKey
    op: str
    value: float

    def met(self, values: np.ndarray | float) -> np.ndarray:
        """Whether each value meets the target (NaN: no)."""
        values = np.asarray(values, dtype=float)
        return values >= self.value if self.op == ">=" else values <= self.value

    def text(self) -> str:
        """The target as `SCOPE.KPI>=VALUE`."""
        return f"{kpi_text(self.key)}{self.op}{self.value:g}"


def parse_target(text: str) -> Target:
    """`SCOPE.KPI>=VALUE` or `SCOPE.KPI<=VALUE` to a Target; ValueError if malformed."""
    match = _TARGET.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not SCOPE.KPI>=VALUE or SCOPE.KPI<=VALUE (for "
                         "example country:US.fill_rate>=0.99)")
    try:
        value = float(match[3])
    except ValueError:
        raise ValueError(f"'{match[3]}' in '{text}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"the value of '{text}' must be a finite number")
    return Target(parse_kpi(match[1]), match[2], value)


@dataclass(frozen=True)
class Sizing:
    """What to size: a stockpile's initial holding on the grid 0, step, ..., max_holding,
    at each release rate of `rates` (None: the scenario's own)."""

    scenarios: tuple[Scenario, ...]
    stockpile: str
    target: Target
    confidence: float
    replications: int
    seed: int
    max_holding: float
    step: float
    rates: tuple[float | None, ...] = (None,)
    pilot: int = PILOT
    verify: bool = False

    @property
    def top(self) -> int:
        """Index of the largest holding on the grid."""
        return max(1, math.ceil(self.max_holding / self.step - 1e-9))

    def holding(self, k: int) -> float:
        """Holding (t) of grid index k."""
        return min(round(k * self.step, 9), self.max_holding)


def with_holding(scenario: Scenario, stockpile: str, holding: float,
                 rate: float | None = None) -> Scenario:
    """The scenario with the stockpile's initial stock (and release rate, if given) set."""
    piles = []
    for spec in scenario.stockpiles:
        if spec.id == stockpile:
            update: dict = {"initial_stock": float(holding)}
            if rate is not None:
                update["release"] = spec.release.model_copy(update={"max_tpa": float(rate)})
            spec = spec.model_copy(update=update)
        piles.append(spec)
    return scenario.model_copy(update={"stockpiles": piles})


def default_max_holding(scenarios: tuple[Scenario, ...], stockpile: str) -> float | None:
    """What the consumers the stockpile releases to would use over the run (largest over the
    scenarios, rounded up to two significant digits); None if it releases to nobody."""
    most = 0.0
    for s in scenarios:
        spec = next(p for p in s.stockpiles if p.id == stockpile)
        if spec.release is not None:
            demand = sum(c.demand_tpa for c in s.consumers if c.id in spec.release.to)
            most = max(most, demand * s.horizon_years)
    if most <= 0:
        return None
    unit = 10.0 ** (math.floor(math.log10(most)) - 1)
    return math.ceil(most / unit - 1e-9) * unit


@dataclass(frozen=True)
class Evaluation:
    """The outcome at one holding: per scenario, replications met (of n) and run (the rest
    were implied by monotonicity)."""

    k: int
    holding: float
    n: int
    met: tuple[int, ...]
    ran: tuple[int, ...]
    passes: bool

    def share(self, s: int) -> float:
        """P(target met) in scenario s."""
        return self.met[s] / self.n

    def interval(self, s: int | None = None) -> tuple[float, float]:
        """95% Wilson interval of P(target met), of scenario s or pooled (None)."""
        if s is None:
            return wilson(sum(self.met), self.n * len(self.met))
        return wilson(self.met[s], self.n)


@dataclass
class Search:
    """The search at one release rate: the answer (None: not reachable), the largest holding
    found failing (None when the answer is 0), and every evaluation in order."""

    rate: float | None
    answer: float | None = None
    below: float | None = None
    evaluations: list[Evaluation] = field(default_factory=list)
    violations: int | None = None

    @property
    def runs(self) -> int:
        """Replications run by this search."""
        return sum(sum(e.ran) for e in self.evaluations)

    def at(self, holding: float | None) -> Evaluation | None:
        """The last evaluation (so with the most replications) at a holding."""
        found = [e for e in self.evaluations if e.holding == holding]
        return found[-1] if found else None


@dataclass
class SizingResult:
    """Every search of a sizing, its scenarios' names and how long it took."""

    sizing: Sizing
    names: tuple[str, ...]
    searches: list[Search]
    wall_seconds: float

    @property
    def runs(self) -> int:
        """Replications run in all."""
        return sum(s.runs for s in self.searches)

    @property
    def reachable(self) -> bool:
        """Whether every search found an answer."""
        return all(s.answer is not None for s in self.searches)


@dataclass(frozen=True)
class _Job:
    scenario: Scenario
    replication: int
    seed: int
    key: KpiKey
    index: int


def _kpi_values(jobs: tuple[_Job, ...]) -> list[tuple[int, int, float]]:
    """(scenario index, replication, KPI value) of a chunk of one scenario's runs, advanced
    together by the batch engine (in a worker process)."""
    job = jobs[0]
    reps = run_batch_task(BatchTask(job.scenario, tuple(j.replication for j in jobs), job.seed,
                                    (False,) * len(jobs)))
    return [(job.index, rep.replication, float(rep.kpi_values[rep.kpi_keys.index(job.key)]))
            for rep in reps]


def _chunks(jobs: list[_Job], workers: int) -> Iterator[tuple[_Job, ...]]:
    """Each scenario's jobs in chunks (sim.experiments.batches bounds their memory)."""
    for _, same in groupby(jobs, key=lambda j: j.index):
        same = list(same)
        yield from chunked(same, chunk_size(same[0].scenario, len(same), workers))


class _Evaluator:
    """Evaluates holdings of one search, remembering every outcome: known[k][s, r] is 1 (met),
    0 (failed) or -1 (not run) for replication r of scenario s at grid index k."""

    def __init__(self, sizing: Sizing, rate: float | None, runner: Runner, bar: tqdm):
        self.sizing, self.rate, self.runner, self.bar = sizing, rate, runner, bar
        self.known: dict[int, np.ndarray] = {}
        self.search = Search(rate)

    def implied(self, k: int) -> np.ndarray:
        """Outcomes at k implied by those known elsewhere (monotone in the holding)."""
        out = np.full((len(self.sizing.scenarios), self.sizing.replications), -1, np.int8)
        for other, known in self.known.items():
            if other <= k:
                out[known == 1] = 1
            if other >= k:
                out[known == 0] = 0
        return out

    def __call__(self, k: int, n: int, full: bool = False) -> Evaluation:
        """Evaluate grid index k with replications 0..n-1 of every scenario."""
        sz = self.sizing
        holding = sz.holding(k)
        implied = self.implied(k)
        todo = np.argwhere(implied[:, :n] == -1) if not full else np.argwhere(
            np.ones((len(sz.scenarios), n), bool))
        shaped = [with_holding(s, sz.stockpile, holding, self.rate) for s in sz.scenarios]
        jobs = [_Job(shaped[s], int(r), sz.seed, sz.target.key, int(s)) for s, r in todo]
        measured = implied.copy()
        self.bar.set_postfix_str(f"{holding:,.0f} t, {len(todo)} runs")
        for outcomes in self.runner.map(_kpi_values, _chunks(jobs, self.runner.workers)):
            for s, r, value in outcomes:
                measured[s, r] = 1 if sz.target.met(value) else 0
                self.bar.update()
        if full:
            known = implied[:, :n] != -1
            self.search.violations = int((implied[:, :n] != measured[:, :n])[known].sum())
        self.known[k] = np.where(measured == -1, self.known.get(k, measured), measured)
        met = tuple(int(x) for x in (measured[:, :n] == 1).sum(axis=1))
        ran = np.zeros(len(sz.scenarios), int)
        np.add.at(ran, todo[:, 0], 1)
        passes = all(m >= sz.confidence * n - 1e-9 for m in met)
        evaluation = Evaluation(k, holding, n, met, tuple(int(x) for x in ran), passes)
        self.search.evaluations.append(evaluation)
        return evaluation


def size_stockpile(sizing: Sizing, workers: int = 1, progress: bool = False,
                   start_method: str | None = None) -> SizingResult:
    """Search the smallest holding at each release rate (see the module docstring)."""
    if not 0 < sizing.confidence <= 1:
        raise ValueError(f"confidence (={sizing.confidence}) must be in (0, 1]")
    if sizing.replications < 1 or sizing.step <= 0 or sizing.max_holding <= 0:
        raise ValueError("replications, step and max_holding must be > 0")
    started = time.perf_counter()
    searches = []
    with Runner(workers, start_method) as runner, \
            tqdm(desc="size-stockpile", unit="run", disable=not progress, leave=False) as bar:
        for rate in sizing.rates:
            evaluate = _Evaluator(sizing, rate, runner, bar)
            _search(evaluate, sizing)
            searches.append(evaluate.search)
    return SizingResult(sizing, tuple(s.name for s in sizing.scenarios), searches,
                        time.perf_counter() - started)


def _search(evaluate: _Evaluator, sizing: Sizing) -> None:
    """The passes of one search (pilot, then all replications), then the optional check."""
    n = sizing.replications
    passes = [sizing.pilot, n] if n > 2 * sizing.pilot else [n]
    bracket: tuple[int | None, int] | None = None
    for i, m in enumerate(passes):
        if bracket is not None:
            bracket = _widened(evaluate.search.evaluations, sizing, passes[i - 1], bracket)
        bracket = _bracket(evaluate, sizing.top, m, bracket)
        if bracket is None:
            return  # not reachable
        lo, hi = bracket
        while lo is not None and hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if evaluate(mid, m).passes else (mid, hi)
        bracket = (lo, hi)
    lo, hi = bracket
    search = evaluate.search
    search.answer = sizing.holding(hi)
    search.below = None if lo is None else sizing.holding(lo)
    if sizing.verify:
        evaluate(hi, n, full=True)


def _widened(evaluations: list[Evaluation], sizing: Sizing, m: int,
             bracket: tuple[int | None, int]) -> tuple[int | None, int]:
    """Where the full pass starts from a pilot's bracket: out to the holdings the pilot
    found clearly failing (share <= confidence - 2 se) and clearly passing (share >=
    confidence + 2 se, or all), since the pilot's quantile is rough; each end is checked."""
    c = sizing.confidence
    margin = 2 * math.sqrt(max(c * (1 - c), 0.25 / m) / m)
    seen = [(e.k, min(e.met) / e.n) for e in evaluations if e.n == m]
    lo, hi = bracket
    low = [k for k, p in seen if p <= c - margin and (lo is None or k <= lo)]
    high = [k for k, p in seen if p >= min(1.0, c + margin) and k >= hi]
    return (max(low) if low else lo), (min(high) if high else hi)


def _bracket(evaluate: Callable[[int, int], Evaluation], top: int, n: int,
             previous: tuple[int | None, int] | None) -> tuple[int | None, int] | None:
    """(failing, passing) grid indices with n replications: (None, 0) when 0 passes, None
    when the top fails. From a previous bracket, gallop out from its ends."""
    if previous is None:
        if not evaluate(top, n).passes:
            return None
        return (None, 0) if evaluate(0, n).passes else (0, top)
    lo, hi = previous
    width = max(1, hi - (lo or 0))
    if evaluate(hi, n).passes:
        if lo is None:
            return None, 0
        k = lo
        while True:
            if not evaluate(k, n).passes:
                return k, hi
            if k == 0:
                return None, 0
            hi, k, width = k, max(0, k - width), width * 2
    k = hi
    while k < top:
        lo, k = k, min(top, k + width)
        width *= 2
        if evaluate(k, n).passes:
            return lo, k
    return None
