"""Shortfall attribution: how much of a KPI each event causes, by counterfactual runs.

The scenario is run as it is, once without each attributed event, and once without all of
them, every run with the same seed and replications (common random numbers: replication r
of every run draws the same demand noise, transit times and outages). For each consumer
scope, KPI (e.g. `shortfall_t`) and replication r:

    total        = KPI of the scenario
    no events    = KPI without any attributed event
    own effect e = total - KPI without event e
    interaction  = total - no events - sum of own effects

so total = no events + sum of own effects + interaction exactly, replication by replication.
The interaction is positive where the events overlap, tonnes either event alone would cause
(two outages of one mine at once: removing one leaves the other, so neither own effect counts
the overlap), and negative where they cause tonnes only together (bans on both of a
consumer's suppliers: each alone is covered by the other, so both own effects count the
joint loss). Means are over replications, with a 95% t interval.

Events are named by their `id`, or `events.I` (I: 0-based index in the scenario's list) for
one without an id; `--event` accepts either (or a bare I). Events not attributed stay in
every run. Random streams are keyed by source id (`sim.model.streams`); a licence or
re-export control without an id is keyed by its index, which removing an earlier event
shifts: give such events an id for exact common random numbers.

Example::

    chosen = select_events(scenario, ["cn_ban_us"])
    result = run_attribution(scenario, chosen, replications=20, seed=1, workers=2)
    result.components(("country:US", "shortfall_t"))["total"].mean()
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from sim.errors import Problem, ScenarioError
from sim.experiments.executor import Runner
from sim.experiments.worker import Task, run_task
from sim.results.catalogue import KpiKey, kpi_keys
from sim.results.ensemble import Ensemble, Replicate
from sim.results.stats import Interval, mean_ci
from sim.scenario.schema import Scenario

SHORTFALL_KPIS = ("shortfall_t",)
"""KPIs attributed by default."""
MARKET_KPIS = ("demand_destroyed_t", "purchase_cost_musd")
"""KPIs attributed by default as well when the scenario has a market."""
TOTAL, NONE, INTERACTION = "total", "no events", "interaction"
"""Names of the runs (and components) besides the per-event ones."""
OWN = "own effect"
"""The component of each event: the scenario minus the scenario without it."""


def event_names(scenario: Scenario) -> list[str]:
    """The name of every event: its id, or `events.I` for one without."""
    return [e.id or f"events.{i}" for i, e in enumerate(scenario.events)]


def select_events(scenario: Scenario, wanted: Sequence[str] = ()) -> list[int]:
    """Indices of the events named in `wanted` (id, `events.I` or I), in the scenario's
    order; all events if none are named. ScenarioError naming every unknown one."""
    names = event_names(scenario)
    if not wanted:
        return list(range(len(names)))
    chosen, problems = set(), []
    for text in wanted:
        index = _event_index(names, text.strip())
        if index is None:
            close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(names) or "none"
            problems.append(Problem("--event", 0, 0, text,
                                    f"no such event in {scenario.name}{hint}; its events: "
                                    f"{known}"))
        else:
            chosen.add(index)
    if problems:
        raise ScenarioError(problems)
    return sorted(chosen)


def _event_index(names: list[str], text: str) -> int | None:
    if text in names:
        return names.index(text)
    bare = text.removeprefix("events.")
    if bare.isdigit() and int(bare) < len(names):
        return int(bare)
    return None


def without(scenario: Scenario, drop: Sequence[int]) -> Scenario:
    """The scenario without the events at indices `drop` (the rest as they are)."""
    gone = set(drop)
    return scenario.model_copy(
        update={"events": [e for i, e in enumerate(scenario.events) if i not in gone]})


def counterfactuals(scenario: Scenario, chosen: Sequence[int]) -> list[tuple[str, Scenario]]:
    """(label, scenario) of every run: the scenario, without each chosen event, without all.

    With one chosen event, "without it" is "no events" and is run once.
    """
    names = event_names(scenario)
    runs = [(TOTAL, scenario)]
    if len(chosen) > 1:
        runs += [(f"without {names[i]}", without(scenario, [i])) for i in chosen]
    return [*runs, (NONE, without(scenario, chosen))]


def attributed_kpis(scenario: Scenario, wanted: Sequence[str] = ()) -> list[KpiKey]:
    """The (scope, kpi) keys attributed: `wanted` KPI names (default `shortfall_t`, and the
    market KPIs with a market) in every consumer scope. ScenarioError for an unknown name."""
    keys = kpi_keys(scenario)
    consumer_scopes = [scope for scope, kpi in keys if kpi == "shortfall_t"]
    if not consumer_scopes:
        raise ScenarioError([Problem(scenario.name, 0, 0, "consumers",
                                     "has no consumers: nothing to attribute")])
    by_scope: dict[str, set[str]] = {scope: set() for scope in consumer_scopes}
    for scope, kpi in keys:
        if scope in by_scope:
            by_scope[scope].add(kpi)
    reported = set.intersection(*by_scope.values()) if by_scope else set()
    names = list(wanted) or [k for k in (*SHORTFALL_KPIS, *MARKET_KPIS) if k in reported]
    unknown = [k for k in names if k not in reported]
    if unknown:
        raise ScenarioError([Problem("--kpi", 0, 0, k, "no such KPI of consumer scopes (e.g. "
                                     "shortfall_t, demand_destroyed_t, purchase_cost_musd)")
                             for k in unknown])
    return [(scope, kpi) for kpi in dict.fromkeys(names) for scope in consumer_scopes]


@dataclass(frozen=True)
class _Job:
    """Replication `task.replication` of run `run` (an index into the counterfactuals)."""

    run: int
    task: Task


def _run_job(job: _Job) -> tuple[int, Replicate]:
    """Module level, so that a process pool can run it."""
    return job.run, run_task(job.task)


@dataclass
class Attribution:
    """KPI values [key, replication] of each run, and what they attribute to which event."""

    scenario: Scenario
    seed: int
    events: list[str]
    keys: list[KpiKey]
    values: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Replications per run."""
        return int(self.values[TOTAL].shape[1])

    def components(self, key: KpiKey) -> dict[str, np.ndarray]:
        """Per replication: total, no events, each event's own effect (by name), interaction."""
        j = self.keys.index(key)
        total, none = self.values[TOTAL][j], self.values[NONE][j]
        out = {TOTAL: total, NONE: none}
        if len(self.events) == 1:
            out[self.events[0]] = total - none
        else:
            for name in self.events:
                out[name] = total - self.values[f"without {name}"][j]
        own = sum((out[name] for name in self.events), np.zeros_like(total))
        out[INTERACTION] = total - none - own
        return out

    def rows(self) -> list[Row]:
        """Every component of every key, as the mean over replications with its interval."""
        out = []
        for scope, kpi in self.keys:
            for name, values in self.components((scope, kpi)).items():
                part = OWN if name in self.events else name
                out.append(Row(scope, kpi, part, name if part == OWN else "", mean_ci(values)))
        return out


@dataclass(frozen=True)
class Row:
    """One component of one (scope, kpi): its mean over replications and 95% interval."""

    scope: str
    kpi: str
    component: str
    event: str
    interval: Interval

    @property
    def label(self) -> str:
        """The event's name for an own effect, else the component's."""
        return self.event or self.component


def shown_scopes(attribution: Attribution, kpi: str) -> list[tuple[str, list[str]]]:
    """The scopes worth showing for one KPI, in reading order, each with the later scopes whose
    components equal its own (a country's single group, its single consumer): scopes where
    every component's mean is zero are left out. [(scope, [same scopes...]), ...]"""
    out: list[tuple[str, list[str], np.ndarray]] = []
    for scope in display_order([s for s, k in attribution.keys if k == kpi]):
        parts = attribution.components((scope, kpi))
        values = np.array([np.mean(v) for v in parts.values()], dtype=float)
        if not np.any(np.abs(values) > 1e-9):
            continue
        twin = next((item for item in out
                     if np.allclose(item[2], values, rtol=1e-9, atol=1e-9)), None)
        if twin is None:
            out.append((scope, [], values))
        else:
            twin[1].append(scope)
    return [(scope, same) for scope, same, _ in out]


def display_order(scopes: Sequence[str]) -> list[str]:
    """Scopes in the order a reader looks for them: world, the U.S. and its groups, other
    countries and their groups, groups, then single consumers."""
    def rank(scope: str) -> tuple[int, str]:
        if scope == "world":
            return 0, ""
        if scope == "country:US" or scope.startswith("country:US/"):
            return 1, scope
        if scope.startswith("country:"):
            return 2, scope
        if scope.startswith("group:"):
            return 3, scope
        return 4, ""

    return sorted(scopes, key=rank)


def run_attribution(scenario: Scenario, chosen: Sequence[int], replications: int | None = None,
                    seed: int | None = None, *, kpis: Sequence[KpiKey] | None = None,
                    workers: int = 1, progress: bool = False,
                    start_method: str | None = None) -> Attribution:
    """Run the scenario and its counterfactuals (`counterfactuals`), replications 0..n-1 of
    each with one seed, on `workers` processes, one progress bar over all runs."""
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications (={n}) must be >= 1")
    runs = counterfactuals(scenario, chosen)
    jobs = (_Job(i, Task(s, r, seed, False)) for i, (_, s) in enumerate(runs) for r in range(n))
    collected: list[list[Replicate]] = [[] for _ in runs]
    total = len(runs) * n
    with Runner(min(workers, total), start_method) as runner, \
            tqdm(total=total, desc=f"attribution {scenario.name}", unit="run",
                 disable=not progress, leave=False) as bar:
        for i, replicate in runner.map(_run_job, jobs):
            collected[i].append(replicate)
            bar.update()
    keys = list(kpis) if kpis is not None else attributed_kpis(scenario)
    values = {}
    for (label, s), reps in zip(runs, collected, strict=True):
        ensemble = Ensemble.collect(reps, s)
        values[label] = np.stack([ensemble.column(key) for key in keys])
    names = event_names(scenario)
    return Attribution(scenario, seed, [names[i] for i in chosen], keys, values)
