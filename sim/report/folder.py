"""A result folder as the report reads it: which kind it is, and its files as plain data.

The report is built only from what a folder holds, so it works on any folder `run`,
`compare` or `sweep` wrote, older ones included, and `show` can write it again. The kind is
told by the files: `comparison.csv` (compare), `sweep.json` or a manifest with a sweep
`definition` (sweep), `kpis.csv` beside `manifest.json` (run).

Example::

    folder = read_folder(Path("results/china-ban-us"))
    folder.kind                            # "run"
    folder.csv_rows("probabilities.csv")   # [{"scope": "us_defense_alloy", ...}, ...]
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import Problem, ScenarioError

REPORT_NAME = "report.html"
"""The report page's file name in a result folder."""
KINDS = ("run", "compare", "sweep")
OTHER_FOLDERS = (("attribution.csv", "attribute", "attribution.md"),
                 ("sizing.json", "size-stockpile", "sizing.json"))
"""Folders of other commands, which `show` names instead of calling them not results."""


@dataclass(frozen=True)
class ResultFolder:
    """One result folder: where it is, its kind, and its manifest (empty if it has none)."""

    path: Path
    kind: str
    manifest: dict = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether the folder holds file `name`."""
        return (self.path / name).is_file()

    def text(self, name: str) -> str:
        """A file's text ("" if it is missing)."""
        return (self.path / name).read_text() if self.has(name) else ""

    def json(self, name: str) -> dict:
        """A JSON file as a dict ({} if it is missing)."""
        return json.loads(self.text(name)) if self.has(name) else {}

    def csv_rows(self, name: str) -> list[dict[str, str]]:
        """A CSV file's rows as dicts by header ([] if it is missing)."""
        if not self.has(name):
            return []
        with (self.path / name).open(newline="") as f:
            return list(csv.DictReader(f))

    def plots(self) -> list[Path]:
        """The PNG files in `plots/`, by name."""
        return sorted((self.path / "plots").glob("*.png"))


def read_folder(path: Path | str) -> ResultFolder:
    """The result folder at `path`; ScenarioError (exit 2, one line) if it is not one."""
    path = Path(path)
    if not path.is_dir():
        raise _refuse(path, "no such folder" if not path.exists() else "not a folder")
    manifest = _manifest(path)
    if (path / "comparison.csv").is_file():
        return ResultFolder(path, "compare", manifest)
    for marker, command, read in OTHER_FOLDERS:
        if (path / marker).is_file():
            raise _refuse(path, f"a tungsten-sim {command} folder; show reads run, compare "
                                f"and sweep folders (see its {read})")
    if not (path / "manifest.json").is_file():
        raise _refuse(path, "not a tungsten-sim result folder (no manifest.json)")
    if (path / "sweep.json").is_file() or "definition" in manifest:
        return ResultFolder(path, "sweep", manifest)
    if (path / "kpis.csv").is_file():
        return ResultFolder(path, "run", manifest)
    raise _refuse(path, "not a tungsten-sim result folder (manifest.json but no kpis.csv, "
                        "comparison.csv or sweep.json)")


def _manifest(path: Path) -> dict:
    """manifest.json as a dict ({} if missing); ScenarioError if it is not a JSON object."""
    file = path / "manifest.json"
    if not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise _refuse(file, f"is not JSON ({err})") from None
    if not isinstance(data, dict):
        raise _refuse(file, "is not a JSON object")
    return data


def _refuse(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), 0, 0, "", message)])


def read_kpis(folder: ResultFolder, scopes: Iterable[str]) -> dict[tuple[str, str], np.ndarray]:
    """Per-replication values of every KPI of `scopes` in kpis.csv (NaN where empty), in
    replication order. Rows of other scopes are skipped before they are parsed, so a
    1,000-replication kpis.csv is read in well under a second."""
    wanted = set(scopes)
    found: dict[tuple[str, str], list[float]] = {}
    with (folder.path / "kpis.csv").open(newline="") as f:
        next(f, None)
        for line in f:
            if '"' in line:  # a quoted free-text group name: let csv split it
                _, scope, kpi, value = next(csv.reader([line]))
            else:
                _, scope, kpi, value = line.rstrip("\r\n").split(",", 3)
            if scope in wanted:
                found.setdefault((scope, kpi), []).append(float(value) if value else math.nan)
    return {key: np.array(values) for key, values in found.items()}
