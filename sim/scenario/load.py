"""Loading a scenario: read (with parents), override, validate, check. Raises ScenarioError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.checks import check
from sim.scenario.merge import read_with_parents
from sim.scenario.messages import translate
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario
from sim.scenario.tree import describe
from sim.scenario.uncertain import attach, extract, outside_horizon, probe


def load_scenario(path: str | Path, overrides: list[tuple[str, Any]] | None = None) -> Scenario:
    """Load and validate a scenario file, applying `--set`-style overrides in order."""
    path = Path(path)
    data = read_with_parents(path)
    problems = apply_overrides(data, list(overrides)) if overrides else []
    return validate(data, str(path), problems)


def validate(data: Any, file: str, problems: list[Problem] | None = None) -> Scenario:
    """Validate a raw (located) tree into a Scenario, collecting every problem.

    Uncertain inputs (distributions where a plain number or date stands) are validated at
    their central values and at the ends of their ranges, and recorded on the Scenario.
    """
    data, inputs, found, bad = extract(data, file)
    problems = list(problems or []) + found
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(problems + [p for p in translate(err, data, file)
                                        if p.path not in bad]) from None
    if problems:
        raise ScenarioError(problems)
    problems = outside_horizon(inputs, scenario)  # said once, before what the centre breaks
    said = {p.path for p in problems}
    for loc, message in check(scenario):
        pos, dotted, _ = describe(data, loc)
        f, line, col = pos if pos else (file, 0, 0)
        if dotted not in said:
            problems.append(Problem(f or file, line, col, dotted, message))
    if inputs and not problems:
        problems = probe(data, file, inputs)
    if problems:
        raise ScenarioError(problems)
    return attach(scenario, inputs) if inputs else scenario
