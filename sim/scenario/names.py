"""Scenarios by name: `baseline` for `scenarios/baseline.yaml`, as `tungsten-sim list` shows.

`list` reads one folder (`./scenarios` when there is one, else the scenarios shipped with the
package), and a bare name given where a scenario file is expected is looked up there, so that
every name `list` prints is accepted by `run`, `compare`, `sweep`, `attribute`,
`size-stockpile` and `validate`, and by the Python API. A bare name is one without a folder
or a `.yaml`/`.yml` ending that is not an existing path. Example::

    resolve_scenario("china-ban-us")     # Path("scenarios/china-ban-us.yaml")
    resolve_scenario("chna-ban-us")      # ScenarioError: ... did you mean china-ban-us?
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from sim.errors import Problem, ScenarioError

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
"""The scenarios shipped with the package (beside `sim/` in the repository)."""
SUFFIXES = (".yaml", ".yml")


def scenario_folder(folder: Path | None = None) -> Path:
    """The folder `list` reads and names are looked up in: `folder` if given, else
    `./scenarios` if it exists, else the shipped scenarios."""
    if folder is not None:
        return folder
    local = Path("scenarios")
    return local if local.is_dir() else SHIPPED


def scenario_names(folder: Path | None = None) -> list[str]:
    """Names of the scenario files in the folder (`list`'s first column), sorted."""
    return sorted(path.stem for path in scenario_folder(folder).glob("*.yaml"))


def is_bare_name(text: str | Path) -> bool:
    """True for `baseline`; False for `x.yaml`, `a/b`, or anything that exists as a path."""
    path = Path(text)
    return (not path.exists() and len(path.parts) == 1
            and path.suffix.lower() not in SUFFIXES and str(text) not in ("", ".", ".."))


def resolve_scenario(text: str | Path, what: str = "scenario file") -> Path:
    """The scenario file a command-line argument names: itself, unless it is a bare name,
    then `<folder>/<name>.yaml`; ScenarioError (with "did you mean") if no such name.
    `what` the argument may otherwise be, for the message ("no such scenario file")."""
    if not is_bare_name(text):
        return Path(text)
    folder = scenario_folder()
    path = folder / f"{text}.yaml"
    if path.is_file():
        return path
    raise ScenarioError([_unknown(str(text), folder, what)])


def resolve_scenarios(texts: Sequence[str | Path], what: str = "scenario file") -> list[Path]:
    """`resolve_scenario` of each, reporting every unknown name at once."""
    out, problems = [], []
    for text in texts:
        try:
            out.append(resolve_scenario(text, what))
        except ScenarioError as err:
            problems += err.problems
    if problems:
        raise ScenarioError(problems)
    return out


def _unknown(name: str, folder: Path, what: str) -> Problem:
    """What is wrong with a name that is neither a path nor a scenario of the folder."""
    names = scenario_names(folder)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    shown = "the shipped scenarios" if folder == SHIPPED else f"the scenarios in {folder}/"
    return Problem(name, 0, 0, "", f"no such {what}, and no scenario of that name{hint} "
                                   f"(`tungsten-sim list` shows {shown})")
