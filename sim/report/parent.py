"""What a run changed from its parent scenario (the file its scenario `extends:`), written
into the run's folder as `changes.csv` so that the report can say it from the folder alone.

The parent is loaded as it is on disk when the run is written, and compared with the run's
scenario (its `--set` overrides included) by `sim.results.changes`; the seed and the
replication count are left out (the manifest gives them). A run whose scenario extends
nothing gets no changes.csv.

Example::

    write_parent_changes(Path("scenarios/china-ban-us.yaml"), scenario, tmp_folder)
    # changes.csv: parent,parameter,reference,value
    #              baseline,events.cn_ban_us,(none),"added {id: cn_ban_us, ...}"
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sim.errors import ScenarioError
from sim.results.changes import Change, changes
from sim.scenario import Scenario, load_scenario
from sim.scenario.yamlread import read_yaml

CHANGES = "changes.csv"
HEADER = ("parent", "parameter", "reference", "value")
"""changes.csv of a run: the parent's name, the parameter path, its value in the parent
(`reference`) and in the run. (A comparison's changes.csv starts with `scenario` instead.)"""
LEFT_OUT = frozenset({"seed", "replications"})


def parent_path(scenario_file: Path) -> Path | None:
    """The file `scenario_file` extends, or None (no `extends:`, or not readable)."""
    try:
        data = read_yaml(Path(scenario_file))
    except (ScenarioError, OSError):
        return None
    ref = data.get("extends") if isinstance(data, dict) else None
    return Path(scenario_file).parent / ref if isinstance(ref, str) and ref else None


def parent_changes(scenario_file: Path,
                   scenario: Scenario) -> tuple[str, list[Change]] | None:
    """(parent's name, what `scenario` changes from it), or None without a loadable parent."""
    path = parent_path(scenario_file)
    if path is None:
        return None
    try:
        parent = load_scenario(path)
    except (ScenarioError, OSError):
        return None
    return parent.name, [c for c in changes(parent, scenario) if c.parameter not in LEFT_OUT]


def changes_text(parent: str, items: list[Change]) -> str:
    """changes.csv of a run."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows((parent, c.parameter, c.reference, c.value) for c in items)
    return out.getvalue()


def write_parent_changes(scenario_file: Path, scenario: Scenario, folder: Path) -> bool:
    """Write changes.csv into `folder` (a run's folder being filled) when the scenario
    extends a parent; whether it did."""
    found = parent_changes(scenario_file, scenario)
    if found is None:
        return False
    (folder / CHANGES).write_text(changes_text(*found))
    return True
