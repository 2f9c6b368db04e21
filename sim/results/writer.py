"""Writing a Result to its folder: atomically, and never over anything that exists.

Files are written into a hidden temporary folder next to the destination and renamed into
place when complete, so a folder named like a result is always a whole result. If the
destination exists, `-2`, `-3`, ... is appended to its name (`sim.results.files`). Plots
are not drawn here: the caller passes a function that draws them into the folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import platform
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import yaml

from sim.results.files import DECIMALS, csv_to_parquet, number_text, package_versions, write_folder
from sim.results.kpis import KPI_HEADER, KpiRow, kpi_rows, summarize
from sim.results.result import Result
from sim.results.tables import timeseries_chunks
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import dump

KPI_CHUNK_ROWS = 50_000
"""kpis.csv rows formatted at a time (a 1,000-replication baseline run has 634,000)."""
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')
"""What makes csv.writer quote a field (QUOTE_MINIMAL, `,` as delimiter)."""
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""PyYAML's safe dumper, its C emitter where libyaml is there."""
YAML_WIDTH = 1 << 20
"""Longest YAML line before PyYAML folds a long string (no folding, in practice)."""
RESOLVED_HEADER = ("# Resolved scenario written by tungsten-sim: every default filled in.\n"
                   "# `tungsten-sim run` on this file reproduces the results beside it.\n")


def scenario_yaml(scenario: Scenario) -> str:
    """A scenario as block-style YAML (PyYAML's safe dumper) that loads back to it; each
    value on one line, so that a changed description shows as one changed line."""
    data = dump(scenario)  # model_dump, with uncertain inputs as their distributions
    return yaml.dump(data, Dumper=YAML_DUMPER, sort_keys=False, allow_unicode=True,
                     width=YAML_WIDTH)


def resolved_yaml(result: Result) -> str:
    """The scenario with every default filled in; running it reproduces the result."""
    scenario = result.scenario.model_copy(
        update={"seed": result.seed, "replications": result.replications})
    return RESOLVED_HEADER + scenario_yaml(scenario)


def all_kpi_rows(result: Result) -> list[KpiRow]:
    """KPI rows of every replication, in replication order."""
    if result.ensemble is not None:
        return list(result.ensemble.kpi_rows())
    return [row for run in result.runs for row in kpi_rows(run)]


def write_result(result: Result, wanted: Path,
                 extra: Callable[[Path], object] | None = None) -> Path:
    """Write every file of a result, atomically, and return the folder it ended up in.

    `extra(folder)`, if given, writes more into the folder before it is renamed into place:
    the command layer draws the plots so, and they are as atomic as the rest.
    """

    def fill(tmp: Path) -> None:
        ensemble = result.ensemble
        rows = all_kpi_rows(result) if ensemble is None else ensemble.kpi_rows()
        _write_timeseries(result, tmp / "timeseries.csv")
        with (tmp / "kpis.csv").open("w", newline="") as f:
            f.writelines(kpis_csv(rows))
        summary = summarize(rows) if ensemble is None else ensemble.summary()
        for name, text in (ensemble.files() if ensemble is not None else {}).items():
            (tmp / name).write_text(text)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
        resolved = resolved_yaml(result)
        (tmp / "scenario.resolved.yaml").write_text(resolved)
        (tmp / "manifest.json").write_text(json.dumps(_manifest(result, resolved), indent=1))
        if extra is not None:
            extra(tmp)

    return write_folder(wanted, fill)


def _write_timeseries(result: Result, path: Path) -> None:
    """timeseries.csv: the tidy rows of every kept replication (and Parquet, if it can)."""
    header = ("replication", "day", "date", "node", "variable", "value")
    with path.open("wb") as f:
        f.write((",".join(header) + "\n").encode())
        for run in result.runs:
            for chunk in timeseries_chunks(run, variables=result.scenario.timeseries):
                f.write(chunk)
    csv_to_parquet(path)


def kpis_csv(rows: Iterable[KpiRow], chunk: int = KPI_CHUNK_ROWS) -> Iterator[str]:
    """kpis.csv text, a header and `replication,scope,kpi,value` rows, values rounded to 12
    decimals (NaN as empty), quoted as csv.writer quotes (only a free-text group name can
    need it): `chunk` rows at a time, so a run of many replications is never all in memory."""
    yield ",".join(KPI_HEADER) + "\n"
    rows = iter(rows)
    while block := [(r, s, k, number_text(v, DECIMALS))
                    for r, s, k, v in itertools.islice(rows, chunk)]:
        if any(_NEEDS_QUOTES.search(s) or _NEEDS_QUOTES.search(k) for _, s, k, _ in block):
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(block)
            yield out.getvalue()
        else:
            yield "".join(f"{r},{s},{k},{v}\n" for r, s, k, v in block)


def _manifest(result: Result, resolved: str) -> dict:
    versions = package_versions()
    return {
        "scenario": result.name,
        "seed": result.seed,
        "replications": result.replications,
        "wall_seconds": round(result.wall_seconds, 4),
        "scenario_sha256": hashlib.sha256(resolved.encode()).hexdigest(),
        "python": platform.python_version(),
        "versions": versions,
        "balance_relative_error_max": (
            max(run.balance_error for run in result.runs) if result.ensemble is None
            else float(result.ensemble.balance_errors.max())),
        **result.extra,
    }
