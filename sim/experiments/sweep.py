"""Parameter sweeps: many points of a scenario, each run for R replications, resumable.

A sweep is a scenario, parameters with specs (`sim.experiments.design`), a method, a sample
count, replications per point, a seed and the KPIs to keep. Replication r of every point runs
with the same seed and replication index, so every point sees the same random streams
(common random numbers): differences between points are the parameters', not the dice's.

Work is a chunk of one point's replications advanced together by the batch engine (or, with
engine "single", one task per (point, replication); `sweep_runs`); a worker simulates them
and returns only the chosen KPI values, the parent appends each run to runs.csv at once
(`sim.experiments.sweep_store`).
`resume` reruns only the pairs missing from runs.csv. `start` and `resume` lock the folder
against a second process (`sweep_lock`) until the caller releases it. Example::

    plan = prepare(SweepDefinition("s.yaml", (parse_param("mines.m.capacity_tpa=1:9:5"),)))
    folder = start(plan, Path("results/sweep-s"))
    with Runner(2) as runner:
        execute(plan, folder, runner)
    finish(plan, folder, draw=partial(plot_sweep, plan))  # plots: the caller's to draw
    sweep_lock.release(folder)
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import platform
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from sim.errors import Problem, ScenarioError
from sim.experiments import sensitivity, sweep_lock, sweep_runs
from sim.experiments.design import Design, Param, design
from sim.experiments.sweep_definition import SweepDefinition, definition_from
from sim.experiments.sweep_points import PointStats, point_stats, points_csv
from sim.experiments.sweep_runs import SweepTask
from sim.experiments.sweep_store import RUNS_CSV, SWEEP_JSON, RunsFile, write_json
from sim.results.catalogue import SWEEP_KPIS, kpi_keys, kpi_text, unknown_kpis
from sim.results.files import (
    DECIMALS,
    DEPENDENCIES,
    OutputError,
    check_output,
    csv_to_parquet,
    free_folder,
    number_text,
    package_versions,
    unwritable,
    write_text,
)
from sim.scenario.load import validate
from sim.scenario.merge import read_with_parents
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiments.executor import DaskRunner, Runner

VALIDATE_ALL_UP_TO = 500
"""Designs with at most this many points have every point validated before anything runs;
larger ones the first point and every parameter's extremes (the rest as they are built)."""
METHOD_DEFAULT_SAMPLES = {"random": 20, "lhs": 20, "sobol": 64, "morris": 10}
SWEEP_DEPENDENCIES = (*DEPENDENCIES, "dask", "distributed", "SALib")
"""Versions a sweep's manifest records: the core dependencies and the optional executors."""


# --- building the scenarios of the points ----------------------------------------------------

class PointScenarios:
    """Scenarios of a design's points: the file is read once, each point copies and validates."""

    def __init__(self, path: str):
        self.path = path
        self.tree = read_with_parents(Path(path))
        self.text = Path(path).read_bytes()

    def build(self, params: tuple[Param, ...], values: tuple) -> Scenario:
        """The scenario of one point: the file's tree with `values` set, validated."""
        data = copy.deepcopy(self.tree)
        found = apply_overrides(data, [(p.path, v) for p, v in zip(params, values, strict=True)])
        problems = [Problem("--param", 0, 0, p.path, p.message) for p in found]
        return validate(data, self.path, problems)


# --- a planned sweep ----------------------------------------------------------------------------

@dataclass
class Plan:
    """A checked sweep: definition (seed and KPIs resolved), design, and its scenarios."""

    definition: SweepDefinition
    design: Design
    scenarios: PointScenarios
    name: str
    sha256: str
    history: list = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        """The columns of runs.csv."""
        return ["point", "replication", *(p.path for p in self.design.params),
                *self.kpi_labels]

    @property
    def kpi_labels(self) -> list[str]:
        """The kept KPIs as `SCOPE.KPI`."""
        return [kpi_text(key) for key in self.definition.kpis]

    @property
    def runs(self) -> int:
        """Runs in the whole sweep: points x replications."""
        return len(self.design.points) * self.definition.replications

    def param_cells(self, point: int) -> list[str]:
        """A point's parameter values as runs.csv writes them."""
        return [_cell(v) for v in self.design.points[point]]


def _cell(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


def prepare(definition: SweepDefinition, stored_unit: np.ndarray | None = None) -> Plan:
    """Check a definition against its scenario and make its design; ScenarioError if bad.

    Validated before anything runs: the design, the first point, every parameter's extremes
    (or every point, for designs of up to VALIDATE_ALL_UP_TO points) and the KPIs.
    """
    if not Path(definition.scenario).is_file():
        raise ScenarioError([Problem(definition.scenario, 0, 0, "", "no such scenario file")])
    scenarios = PointScenarios(definition.scenario)
    base = validate(copy.deepcopy(scenarios.tree), definition.scenario)
    seed = base.seed if definition.seed is None else definition.seed
    samples = definition.samples
    if samples is None:
        samples = METHOD_DEFAULT_SAMPLES.get(definition.method)
    definition = replace(definition, seed=seed, samples=samples,
                         scenario=str(Path(definition.scenario).resolve()))
    if stored_unit is None:
        the_design = design(definition.method, definition.params, samples, seed)
    else:
        the_design = Design.of(definition.method, definition.params, stored_unit)
    problems = _check_points(scenarios, the_design)
    first = scenarios.build(the_design.params, the_design.points[0]) if not problems else base
    keys = kpi_keys(first)
    if definition.kpis:
        try:
            unknown_kpis(definition.kpis, keys, "--kpi")
        except ScenarioError as err:
            problems += err.problems
    else:
        wanted = tuple(k for k in SWEEP_KPIS if k in set(keys))
        if not wanted:
            problems.append(Problem("--kpi", 0, 0, "", "the scenario reports none of the "
                                    "headline KPIs; choose some with --kpi SCOPE.KPI"))
        definition = replace(definition, kpis=wanted)
    if problems:
        raise ScenarioError(problems)
    return Plan(definition, the_design, scenarios, base.name,
                hashlib.sha256(scenarios.text).hexdigest())


def _check_points(scenarios: PointScenarios, the_design: Design) -> list[Problem]:
    """Problems of the points checked up front, each problem once."""
    points = the_design.points
    if len(points) > VALIDATE_ALL_UP_TO:
        first = points[0]
        points = [first]
        for i, param in enumerate(the_design.params):
            points += [(*first[:i], v, *first[i + 1:]) for v in param.extremes()]
    problems: dict[str, Problem] = {}
    for values in points:
        try:
            scenarios.build(the_design.params, values)
        except ScenarioError as err:
            for problem in err.problems:
                problems.setdefault(str(problem), problem)
    return list(problems.values())


# --- the folder: start, resume -------------------------------------------------------------

def start(plan: Plan, wanted: Path) -> Path:
    """Create the (new, never overwriting) sweep folder with sweep.json and an empty runs.csv,
    and take its lock (`sweep_lock`; the caller releases it). OutputError if it cannot be
    written, and then nothing is left of it."""
    check_output(wanted, "sweep folder")
    try:
        wanted.parent.mkdir(parents=True, exist_ok=True)
        while True:
            folder = free_folder(wanted)
            try:
                folder.mkdir()
                break
            except FileExistsError:  # another sweep took the name meanwhile
                continue
    except OSError as err:
        raise OutputError(wanted, err) from err
    try:
        sweep_lock.acquire(folder)
        write_json(folder / SWEEP_JSON, {
            "format": 1, "definition": plan.definition.to_json(), "scenario_name": plan.name,
            "scenario_sha256": plan.sha256, "points": len(plan.design.points),
            "design": {"params": [p.path for p in plan.design.params],
                       "unit": plan.design.unit.tolist(),
                       "values": [plan.param_cells(i) for i in range(len(plan.design.points))]}})
        RunsFile(folder / RUNS_CSV, plan.header).create()
    except BaseException as err:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(err, OSError):
            raise OutputError(folder, err) from err
        raise
    return folder


def resume(folder: Path, note: sweep_lock.Note | None = None) -> Plan:
    """Take the lock of an existing sweep folder (a stale one is taken over: `note` says so)
    and read its plan; the caller releases the lock. ScenarioError if it is no sweep folder,
    cannot be written, or another process holds it."""
    if not (folder / SWEEP_JSON).is_file():
        return load_folder(folder)  # says why it is no sweep folder
    if (reason := unwritable(folder, RUNS_CSV)) is not None:
        raise ScenarioError([Problem(str(folder), 0, 0, "", f"cannot resume here: {reason}")])
    sweep_lock.acquire(folder, note)
    try:
        return load_folder(folder)
    except BaseException:
        sweep_lock.release(folder)
        raise


def load_folder(folder: Path) -> Plan:
    """The plan stored in a sweep folder, checked against its scenario file as it is now."""
    path = folder / SWEEP_JSON
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ScenarioError([Problem(str(path), 0, 0, "", f"not a sweep folder: {err}")]) \
            from None
    definition = definition_from(stored["definition"], str(path))
    plan = prepare(definition, np.array(stored["design"]["unit"], dtype=float)
                   .reshape(-1, len(definition.params)))
    if plan.sha256 != stored["scenario_sha256"]:
        raise ScenarioError([Problem(definition.scenario, 0, 0, "", "changed since the sweep "
                                     "started; resuming would mix two scenarios (start a new "
                                     "sweep)")])
    cells = [plan.param_cells(i) for i in range(len(plan.design.points))]
    if cells != stored["design"]["values"]:
        raise ScenarioError([Problem(str(path), 0, 0, "design", "points differ from those "
                                     "stored (another tungsten-sim version?)")])
    manifest = folder / "manifest.json"
    if manifest.exists():
        plan.history = json.loads(manifest.read_text()).get("sessions", [])
    return plan


# --- running ---------------------------------------------------------------------------------

@dataclass
class Session:
    """What one invocation ran: runs, wall seconds, executor."""

    runs: int = 0
    wall_seconds: float = 0.0
    executor: str = "serial"
    started: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="seconds"))


def execute(plan: Plan, folder: Path, runner: Runner | DaskRunner, progress: bool = False,
            executor: str = "serial", engine: str = "batch") -> Session:
    """Run every (point, replication) missing from runs.csv, appending each as it finishes;
    with the batch engine, a point's missing replications in chunks (sweep_runs.py)."""
    runs_file = RunsFile(folder / RUNS_CSV, plan.header)
    done = runs_file.repair()
    session = Session(executor=executor)
    begun = time.perf_counter()
    todo = plan.runs - len(done)
    try:
        with runs_file.appender(plan.param_cells) as append, \
                tqdm(total=plan.runs, initial=len(done), desc=f"sweep {plan.name}", unit="run",
                     disable=not progress, smoothing=0.1) as bar:
            for point, replication, values in sweep_runs.results(
                    runner, _tasks(plan, done), engine, plan.definition.replications):
                append(point, replication, values)
                session.runs += 1
                bar.update()
    finally:
        session.wall_seconds = time.perf_counter() - begun
        plan.history.append(vars(session) | {"todo": todo})
    return session


def _tasks(plan: Plan, done: set[tuple[int, int]]) -> Iterator[SweepTask]:
    d = plan.definition
    for point, values in enumerate(plan.design.points):
        missing = [r for r in range(d.replications) if (point, r) not in done]
        if not missing:
            continue
        scenario = plan.scenarios.build(plan.design.params, values)
        for replication in missing:
            yield SweepTask(scenario, point, replication, d.seed, d.kpis)


# --- the final files -------------------------------------------------------------------------

SweepDraw = Callable[[PointStats, list[sensitivity.Row], Path], object]
"""Draws a sweep's figures (points' statistics, sensitivity rows) into a folder."""


def finish(plan: Plan, folder: Path, draw: SweepDraw | None = None) -> PointStats:
    """points.csv, sensitivity.csv, the plots (`draw`, given by the caller) and
    manifest.json, each replaced atomically."""
    d = plan.definition
    runs_file = RunsFile(folder / RUNS_CSV, plan.header)
    stats = point_stats(runs_file.rows(), len(plan.design.points), len(plan.design.params),
                        len(d.kpis), d.replications)
    cells = [plan.param_cells(i) for i in range(len(plan.design.points))]
    write_text(folder / "points.csv", points_csv(stats, cells,
                                                 [p.path for p in plan.design.params],
                                                 plan.kpi_labels))
    rows = sensitivity.linear_rows(plan.design, stats.mean, plan.kpi_labels)
    rows += sensitivity.salib_rows(plan.design, stats.mean, plan.kpi_labels, d.seed or 0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sensitivity.HEADER)
    writer.writerows((k, p, i, number_text(v, DECIMALS), number_text(c, DECIMALS))
                     for k, p, i, v, c in rows)
    write_text(folder / "sensitivity.csv", out.getvalue())
    csv_to_parquet(folder / RUNS_CSV)
    if draw is not None:
        draw(stats, rows, folder / "plots")
    write_json(folder / "manifest.json", _manifest(plan, stats))
    return stats


def _manifest(plan: Plan, stats: PointStats) -> dict:
    versions = package_versions(SWEEP_DEPENDENCIES)
    wall = sum(s["wall_seconds"] for s in plan.history)
    runs = int(stats.counts.sum())
    return {"definition": plan.definition.to_json(), "scenario": plan.name,
            "scenario_sha256": plan.sha256, "points": len(plan.design.points),
            "runs": runs, "runs_expected": plan.runs, "complete": runs == plan.runs,
            "wall_seconds": round(wall, 3),
            "runs_per_hour": round(sum(s["runs"] for s in plan.history) / wall * 3600, 1)
            if wall > 0 else None,
            "sessions": plan.history, "python": platform.python_version(),
            "versions": versions}
