"""Scenario names on the command line: every command that takes scenario files also takes
the names `tungsten-sim list` prints (`run baseline`), resolved in one place."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario.names import resolve_scenario, resolve_scenarios

FIELDS = {"scenarios": "scenario file", "scenario": "scenario file",
          "inputs": "result folder or scenario file"}
"""The argparse fields that hold scenario files (and what else a value may be): run, validate
and size-stockpile's SCENARIO..., sweep and attribute's SCENARIO, compare's
RESULT_OR_SCENARIO..."""
COMMANDS = frozenset({"run", "validate", "compare", "sweep", "attribute", "size-stockpile"})
"""The commands whose FIELDS are scenario files (another command's may mean something else)."""


def resolve_names(args: argparse.Namespace) -> None:
    """Replace bare scenario names in `args` by their files (in place); every unknown name is
    reported at once (ScenarioError, exit 2), before anything is read or run."""
    if getattr(args, "command", None) not in COMMANDS:
        return
    problems = []
    for field, what in FIELDS.items():
        value = getattr(args, field, None)
        if not value:
            continue
        try:
            if isinstance(value, list):
                setattr(args, field, [_text(p, v) for p, v in
                                      zip(resolve_scenarios(value, what), value,
                                          strict=True)])
            else:
                setattr(args, field, _text(resolve_scenario(value, what), value))
        except ScenarioError as err:
            problems += err.problems
    if problems:
        raise ScenarioError(problems)


def _text(path: Path, given: str) -> str:
    """The argument as given when it was a path, else the file its name stands for."""
    return given if path == Path(given) else str(path)
