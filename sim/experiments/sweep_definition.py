"""What a sweep runs: its definition from command-line flags, a sweep file or sweep.json.

A sweep file is YAML, read as safely as a scenario file::

    scenario: kazakh-online.yaml      # relative to the sweep file
    params:
      mines.kz_upper_kairakty.capacity_tpa: 3000,7000,11000
      consumers.us_carbide.cover_days: 7:35:3
    method: grid
    replications: 2
    kpis: [country:US.fill_rate, country:US.min_cover_days]
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.experiments.design import Param, param_from_spec
from sim.results.catalogue import KpiKey, kpi_text, parse_kpi
from sim.scenario.yamlread import LocDict, read_yaml


@dataclass(frozen=True)
class SweepDefinition:
    """What a sweep runs; `seed` None means the scenario's, `kpis` () the headline set
    (`catalogue.SWEEP_KPIS`)."""

    scenario: str
    params: tuple[Param, ...]
    method: str = "grid"
    samples: int | None = None
    replications: int = 1
    seed: int | None = None
    kpis: tuple[KpiKey, ...] = ()

    def to_json(self) -> dict:
        """The definition as sweep.json stores it (read back by `definition_from`)."""
        return {"scenario": self.scenario,
                "params": {p.path: _spec_json(p) for p in self.params},
                "method": self.method, "samples": self.samples,
                "replications": self.replications, "seed": self.seed,
                "kpis": [kpi_text(key) for key in self.kpis]}


def _spec_json(param: Param) -> Any:
    """A range or distribution as its text, a list as its values (read back the same)."""
    if param.kind != "values" or (":" in param.spec and "," not in param.spec):
        return param.spec
    return [v.isoformat() if isinstance(v, dt.date) else v for v in param.values]


def definition_from(data: dict, where: str, base: Path | None = None) -> SweepDefinition:
    """A SweepDefinition from a sweep file's mapping (or sweep.json); every problem at once."""
    def at(key: str) -> tuple[str, int, int]:
        """Where `key` was written, when the mapping came from a file."""
        return data.value_pos.get(key, (where, 0, 0)) if isinstance(data, LocDict) \
            else (where, 0, 0)

    known = {"scenario", "params", "method", "samples", "replications", "seed", "kpis"}
    problems = [Problem(*at(key), key, f"unknown key{_hint(str(key), known)}")
                for key in data if key not in known]
    scenario = data.get("scenario")
    if not isinstance(scenario, str) or not scenario:
        problems.append(Problem(*at("scenario"), "scenario", "must be a scenario file path"))
        scenario = ""
    elif base is not None and not Path(scenario).is_absolute():
        scenario = str(base / scenario)
    params: list[Param] = []
    raw = data.get("params") or {}
    if not isinstance(raw, dict) or not raw:
        problems.append(Problem(*at("params"), "params", "must map parameter paths to specs"))
        raw = {}
    for path, spec in raw.items():
        try:
            params.append(param_from_spec(str(path), spec))
        except ScenarioError as err:
            problems += err.problems
    kpis = []
    for text in data.get("kpis") or []:
        try:
            kpis.append(parse_kpi(str(text)))
        except ValueError as err:
            problems.append(Problem(*at("kpis"), "kpis", str(err)))
    numbers = {}
    for key, least in (("samples", 1), ("replications", 1), ("seed", 0)):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < least):
            problems.append(Problem(*at(key), key, f"must be a whole number >= {least}"))
            value = None
        numbers[key] = value
    if problems:
        raise ScenarioError(problems)
    return SweepDefinition(scenario, tuple(params), str(data.get("method") or "grid"),
                           numbers["samples"], numbers["replications"] or 1, numbers["seed"],
                           tuple(kpis))


def _hint(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (expected one of {sorted(known)})"


def read_sweep_file(path: Path) -> dict:
    """The mapping of a sweep YAML file, read as safely as a scenario (positions kept)."""
    return read_yaml(path)
