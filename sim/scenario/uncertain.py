"""Uncertain inputs: numbers and dates of a scenario drawn once per replication.

Any plain number or date of a scenario may be written as a distribution (`uncertain_dist.py`
lists the forms). At load (`extract`, called by `sim.scenario.load.validate`), each one is
recorded as an `UncertainInput` under its parameter path (`mines.kz_upper_kairakty.online`)
and replaced by its central value, so that the scenario is validated, and every check runs,
as for a fixed value; `probe` then checks the values a draw can reach at its ends (a date
distribution must lie within the horizon). The inputs ride on the Scenario
(`uncertain_inputs`); `simulate` alone runs the central values.

`resolve(scenario, replication, seed)` draws every input from its own stream
(`stream(seed, replication, path)`, the scheme of `sim.model.streams`, or key `stream:NAME`
when the input names a shared stream), so two scenarios run with the same seed draw the same
value for the same path (common random numbers), and validates the scenario with the draws.
The experiments layer calls it for every replication before simulating.

Four fields already take a distribution with a per-event meaning, and keep it: a supplier's
`transit_days` (drawn per shipment), a consumer's `noise` (per step), `outages.duration_days`
(per outage) and an export control's `delay_days` (per shipment). A distribution there is not
an uncertain input.
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.checks import check
from sim.scenario.messages import translate
from sim.scenario.schema import Scenario
from sim.scenario.tree import describe, find_index
from sim.scenario.uncertain_dist import BadForm, Dist, is_form, parse
from sim.scenario.yamlread import LocDict, Pos

PER_EVENT = frozenset({("suppliers", "transit_days"), ("consumers", "noise"),
                       ("outages", "duration_days"), ("events", "delay_days")})
"""(owner, field) of the fields whose distributions are drawn per shipment, step or outage."""
FIXED = frozenset({"format", "start", "horizon_years", "step_days", "record_days", "seed",
                   "replications"})
"""Top-level keys that set the run itself (its time grid, its streams): never uncertain."""
_TEXT = frozenset({"source", "assumption", "description", "name", "group", "id"})


@dataclass(frozen=True)
class UncertainInput:
    """One value drawn per replication: where it is, its distribution, and how it was written."""

    path: str
    loc: tuple
    dist: Dist
    written: Any
    pos: Pos = field(default=("", 0, 0), compare=False)

    @property
    def key(self) -> str:
        """The key of its random stream: its path, or `stream:NAME` when it shares one."""
        return f"stream:{self.dist.stream}" if self.dist.stream else self.path

    @property
    def text(self) -> str:
        """The distribution as one short text, for messages."""
        if isinstance(self.written, str):
            return self.written
        args = ", ".join(f"{k}={v}" for k, v in self.written.items() if k != "dist")
        return f"{self.written.get('dist')}({args})"

    def draw(self, seed: int, replication: int) -> Any:
        """Its value in replication `replication` of a run seeded `seed`."""
        u = float(stream(seed, replication, self.key).random())
        return self.dist.value(self.dist.ppf(u))


def stream(seed: int, replication: int, key: str) -> np.random.Generator:
    """The generator of one stream in one replication: `sim.model.streams.stream`'s scheme
    (spawn key (replication, crc32(key)) of SeedSequence(seed)), which this layer may not
    import."""
    spawn_key = (replication, zlib.crc32(key.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))


def uncertain_inputs(scenario: Scenario) -> tuple[UncertainInput, ...]:
    """The uncertain inputs of a loaded scenario (none for a resolved one)."""
    return scenario._uncertain


def attach(scenario: Scenario, inputs: list[UncertainInput]) -> Scenario:
    """Record the uncertain inputs on a (just validated) scenario."""
    scenario._uncertain = tuple(inputs)
    return scenario


# --- loading ---------------------------------------------------------------------------------

def extract(data: Any, file: str) -> tuple[Any, list[UncertainInput], list[Problem], set[str]]:
    """Find the uncertain inputs of a raw tree: (a copy with central values in their place,
    the inputs, the problems of malformed ones, the paths of those). `data` is not changed."""
    found: list[tuple[tuple, Any]] = []
    _walk(data, (), found)
    if not found:
        return data, [], [], set()
    data = copy.deepcopy(data)
    inputs, problems, bad = [], [], set()
    for loc, raw in found:
        pos, path, _ = describe(data, loc)
        pos = pos if pos and pos[0] else (file, *(pos or ("", 0, 0))[1:])
        try:
            if len(loc) == 1 and loc[0] in FIXED:
                raise BadForm("cannot be uncertain: it sets the run itself (its time grid "
                              "or its random streams); run one scenario per value instead")
            dist = parse(raw)
        except BadForm as err:
            problems.append(Problem(*_sub_pos(raw, err.key, pos), path, str(err)))
            bad.add(path)
            _set(data, loc, None)
            continue
        inputs.append(UncertainInput(path, loc, dist, _written(raw), pos))
        _set(data, loc, dist.center())
    return data, inputs, problems, bad


def _walk(node: Any, loc: tuple, found: list) -> None:
    items = node.items() if isinstance(node, dict) else \
        enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        here = (*loc, key)
        if key in _TEXT:
            continue
        if is_form(value):
            if not _per_event(here):
                found.append((here, value))
        else:
            _walk(value, here, found)


def _per_event(loc: tuple) -> bool:
    """True for a field that draws its distribution per shipment, step or outage."""
    if len(loc) < 2:
        return False
    owner = loc[-3] if isinstance(loc[-2], int) and len(loc) >= 3 else loc[-2]
    return (owner, loc[-1]) in PER_EVENT


def _sub_pos(raw: Any, key: str | None, pos: Pos) -> Pos:
    if key is not None and isinstance(raw, LocDict) and key in raw.value_pos:
        return raw.value_pos[key]
    return pos


def _written(raw: Any) -> Any:
    """The form as written, JSON-able (dates as ISO text), for scenario.resolved.yaml."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, dict):
        return {k: _written(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_written(v) for v in raw]
    return raw.isoformat() if hasattr(raw, "isoformat") else raw


def _set(data: Any, loc: tuple, value: Any) -> None:
    node = data
    for element in loc[:-1]:
        node = node[element]
    node[loc[-1]] = value


def outside_horizon(inputs: list[UncertainInput], scenario: Scenario) -> list[Problem]:
    """A date distribution must draw within the horizon, start to end."""
    problems = []
    for u in inputs:
        low, high = u.dist.bounds()
        if u.dist.is_date and (low < scenario.start or high >= scenario.end):
            problems.append(Problem(*u.pos, u.path, f"{u.text} reaches outside the horizon "
                                    f"{scenario.start} to {scenario.end} (it draws dates from "
                                    f"{low} to {high})"))
    return problems


def probe(data: Any, file: str, inputs: list[UncertainInput]) -> list[Problem]:
    """Problems of the values each input can draw at its ends (the others at their centres):
    a bound a field refuses, a check that fails (`until` before a drawn `at`, say)."""
    problems = []
    for u in inputs:
        center = u.dist.center()
        for value in u.dist.extremes():
            found = _problems_with(data, file, u.loc, value) if value != center else []
            if found:
                shown = value if u.dist.is_date else f"{value:g}"
                problems.append(Problem(*u.pos, u.path, f"{u.text} can draw {shown}, and "
                                        f"then {found[0].path}: {found[0].message}"))
                break
        _set(data, u.loc, center)
    return problems


def _problems_with(data: Any, file: str, loc: tuple, value: Any) -> list[Problem]:
    _set(data, loc, value)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        return translate(err, data, file)
    out = []
    for where, message in check(scenario):
        pos, dotted, _ = describe(data, where)
        out.append(Problem(*(pos or (file, 0, 0)), dotted, message))
    return out


# --- drawing -------------------------------------------------------------------------------

def resolve(scenario: Scenario, replication: int,
            seed: int | None = None) -> tuple[Scenario, dict[str, Any]]:
    """The scenario of one replication, its uncertain inputs drawn, and the draws by path.

    Without uncertain inputs, the scenario itself and no draws. An input whose value was set
    after loading (by `model_copy`, say), or whose entry is gone, is not drawn. A draw the
    scenario refuses (two drawn dates out of order) raises ScenarioError naming the draws.
    """
    inputs = uncertain_inputs(scenario)
    if not inputs:
        return scenario, {}
    seed = scenario.seed if seed is None else seed
    data = scenario.model_dump(by_alias=True)
    draws: dict[str, Any] = {}
    for u in inputs:
        holder, key = _locate(data, u.path)
        if holder is not None and holder[key] == u.dist.center():
            holder[key] = draws[u.path] = u.draw(seed, replication)
    try:
        resolved = Scenario.model_validate(data)
        findings = [(describe(data, loc)[1], message) for loc, message in check(resolved)]
    except ValidationError as err:
        findings = [(p.path, p.message) for p in translate(err, data, "")]
    if findings:
        first = inputs[0].pos
        shown = ", ".join(f"{path} = {value}" for path, value in draws.items())
        raise ScenarioError([Problem(*first, path, f"{message} (replication {replication}, "
                                     f"seed {seed}, drew {shown})")
                             for path, message in findings])
    return resolved, draws


def _locate(data: Any, path: str) -> tuple[Any, Any]:
    """(container, key) of the value a parameter path names in a dumped scenario, or
    (None, None) when it is not there."""
    node, parent, segments = data, None, path.split(".")
    for depth, segment in enumerate(segments):
        if isinstance(node, dict) and segment in node:
            key: Any = segment
        elif isinstance(node, list):
            key = find_index(node, parent, segment)
            if key is None:
                return None, None
        else:
            return None, None
        if depth == len(segments) - 1:
            return node, key
        parent, node = segment, node[key]
    return None, None


def dump(scenario: Scenario) -> dict:
    """The scenario as JSON-able data (as `model_dump(mode="json", by_alias=True,
    exclude_none=True)`), each uncertain input written back as its distribution."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    for u in uncertain_inputs(scenario):
        holder, key = _locate(data, u.path)
        center = u.dist.center()
        if holder is not None and holder[key] == (center.isoformat() if u.dist.is_date
                                                  else center):
            holder[key] = u.written
    return data
