"""Reading a result folder back, for `compare`: KPIs, bands, resolved scenario, manifest.

A `ResultData` is what a comparison needs of one scenario's result: the per-replication KPI
values of `kpis.csv`, the main-series bands of `bands.csv`, the scenario of
`scenario.resolved.yaml`, and the seed and replication count of `manifest.json`. The same
object is made from a Result in memory (`result_data`) with the values rounded exactly as the
writer stores them, so a comparison of result folders and a comparison of the scenarios run
afresh with the same seed give identical numbers.

Example::

    data = read_result(Path("results/china-ban-us"))
    data.column(("country:US", "fill_rate"))        # one value per replication
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import Problem, ScenarioError
from sim.results.catalogue import KpiKey
from sim.results.ensemble import BAND_HEADER, Bands
from sim.results.files import DECIMALS
from sim.results.kpis import KPI_HEADER
from sim.results.result import Result
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

REQUIRED = ("manifest.json", "kpis.csv", "scenario.resolved.yaml")


@dataclass(frozen=True)
class ResultData:
    """One scenario's result as compared: KPI values [key, rep], bands, scenario, seed."""

    label: str
    source: str
    scenario: Scenario
    seed: int
    keys: list[KpiKey]
    values: np.ndarray
    bands: Bands
    _index: dict[KpiKey, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {key: j for j, key in enumerate(self.keys)})

    @property
    def n(self) -> int:
        """Number of replications."""
        return int(self.values.shape[1])

    def column(self, key: KpiKey) -> np.ndarray | None:
        """One KPI over replications, or None if this result has no such KPI."""
        j = self._index.get(key)
        return None if j is None else self.values[j]


def result_data(result: Result, label: str | None = None, source: str = "") -> ResultData:
    """A Result made by `run_replications`, as `read_result` would read it once written."""
    ensemble = result.ensemble
    if ensemble is None:
        raise ValueError("result_data needs a Result with an ensemble (from run_replications)")
    values = np.vectorize(_as_stored, otypes=[float])(ensemble.values)
    scenario = result.scenario.model_copy(
        update={"seed": result.seed, "replications": ensemble.n})
    return ResultData(label or result.name, source or f"(run of {result.name})", scenario,
                      result.seed, list(ensemble.keys), values, ensemble.bands())


def _as_stored(value: float) -> float:
    """The value kpis.csv stores (the writer rounds to DECIMALS decimals)."""
    return value if math.isnan(value) else round(value, DECIMALS)


def read_result(folder: Path) -> ResultData:
    """Read a folder written by `tungsten-sim run`; ScenarioError if it is not one."""
    folder = Path(folder)
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if not folder.is_dir() or missing:
        what = "no such folder" if not folder.is_dir() else f"no {', '.join(missing)}"
        raise _refuse(folder, f"not a tungsten-sim result folder ({what})")
    if not (folder / "bands.csv").is_file():
        raise _refuse(folder, "has no bands.csv (written by an older tungsten-sim); "
                              "run its scenario.resolved.yaml again")
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        seed, n = int(manifest["seed"]), int(manifest["replications"])
    except (ValueError, KeyError, TypeError) as err:
        raise _refuse(folder, f"manifest.json is unreadable ({err})") from None
    scenario = load_scenario(folder / "scenario.resolved.yaml")
    try:
        keys, values = _read_kpis(folder / "kpis.csv", n)
        bands = _read_bands(folder / "bands.csv", scenario)
    except (IndexError, ValueError) as err:
        raise _refuse(folder, f"kpis.csv or bands.csv is malformed ({err})") from None
    return ResultData(folder.name, str(folder), scenario, seed, keys, values, bands)


def _read_kpis(path: Path, n: int) -> tuple[list[KpiKey], np.ndarray]:
    """kpis.csv as (keys, values [key, rep]), streamed; every replication has the same keys."""
    with path.open(newline="") as f:
        reader = csv.reader(f)
        if next(reader, None) != KPI_HEADER:
            raise _refuse(path, f"header must be {','.join(KPI_HEADER)}")
        keys: list[KpiKey] = []
        first: list[float] = []
        row = next(reader, None)
        while row is not None and row[0] == "0":
            keys.append((row[1], row[2]))
            first.append(_value(row[3]))
            row = next(reader, None)
        if not keys:
            raise _refuse(path, "has no KPI rows")
        values = np.empty((len(keys), n))
        values[:, 0] = first
        count = len(keys)
        while row is not None:
            rep, j = divmod(count, len(keys))
            if rep >= n or row[0] != str(rep) or (row[1], row[2]) != keys[j]:
                raise _refuse(path, f"row {count + 2} is {','.join(row[:3])}; expected "
                                    f"{rep},{keys[j][0]},{keys[j][1]} ({n} replications of "
                                    f"{len(keys)} KPIs, as manifest.json says)")
            values[j, rep] = _value(row[3])
            count += 1
            row = next(reader, None)
    if count != n * len(keys):
        raise _refuse(path, f"expected {n} replications of {len(keys)} KPIs (manifest.json), "
                            f"found {count} rows")
    return keys, values


def _value(text: str) -> float:
    return float(text) if text else math.nan


def _read_bands(path: Path, scenario: Scenario) -> Bands:
    """bands.csv as Bands (series in file order, bins in day order)."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    if not rows or tuple(rows[0]) != BAND_HEADER:
        raise _refuse(path, f"header must be {','.join(BAND_HEADER)}")
    names = list(dict.fromkeys(row[0] for row in rows[1:]))
    if not names or (len(rows) - 1) % len(names):
        raise _refuse(path, "every series must have the same bins")
    bins = (len(rows) - 1) // len(names)
    numbers = np.array([[float(x) if x else math.nan for x in (row[1], row[2], *row[4:8])]
                        for row in rows[1:]]).reshape(len(names), bins, 6)
    return Bands(scenario.start, tuple(names), numbers[0, :, 0], numbers[0, :, 1],
                 numbers[:, :, 2], numbers[:, :, 3], numbers[:, :, 4], numbers[:, :, 5])


def _refuse(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), 0, 0, "", message)])
