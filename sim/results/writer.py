"""Writing a Result to its folder: atomically, and never over anything that exists.

Files are written into a hidden temporary folder next to the destination and renamed into
place when complete, so a folder named like a result is always a whole result. If the
destination exists, `-2`, `-3`, ... is appended to its name.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import json
import math
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from pathlib import Path

from sim.results.jsontext import indented_json
from sim.results.kpis import KPI_HEADER, KpiRow, kpi_rows, summarize
from sim.results.result import Result
from sim.results.tables import timeseries_chunks
from sim.results.yamltext import block_yaml

DEPENDENCIES = ("simpy", "numpy", "matplotlib", "pyyaml", "pydantic", "tqdm")
KPI_CHUNK_ROWS = 50_000
"""kpis.csv rows formatted at a time (a 1,000-replication baseline run has 634,000)."""
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')
"""What makes csv.writer quote a field (QUOTE_MINIMAL, `,` as delimiter)."""


def free_folder(wanted: Path) -> Path:
    """`wanted`, or the first of `wanted-2`, `wanted-3`, ... that does not exist."""
    if not wanted.exists():
        return wanted
    n = 2
    while (candidate := wanted.with_name(f"{wanted.name}-{n}")).exists():
        n += 1
    return candidate


def resolved_yaml(result: Result) -> str:
    """The scenario with every default filled in; running it reproduces the result."""
    scenario = result.scenario.model_copy(
        update={"seed": result.seed, "replications": result.replications})
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    header = "# Resolved scenario written by tungsten-sim: every default filled in.\n" \
             "# `tungsten-sim run` on this file reproduces the results beside it.\n"
    return header + block_yaml(data)


def all_kpi_rows(result: Result) -> list[KpiRow]:
    """KPI rows of every replication, in replication order."""
    if result.ensemble is not None:
        return list(result.ensemble.kpi_rows())
    return [row for run in result.runs for row in kpi_rows(run)]


def write_atomically(wanted: Path, fill: Callable[[Path], None]) -> Path:
    """Let `fill` write into a hidden temporary folder beside `wanted`, then rename it to
    `wanted` (or the first free `wanted-2`, ...); on any error or Ctrl-C, remove it."""
    wanted.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{wanted.name}.tmp-", dir=wanted.parent))
    try:
        fill(tmp)
        final = free_folder(wanted)
        os.rename(tmp, final)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_result(result: Result, wanted: Path, plots: bool = True) -> Path:
    """Write every file of a result; return the folder it ended up in."""

    def fill(tmp: Path) -> None:
        ensemble = result.ensemble
        rows = all_kpi_rows(result) if ensemble is None else ensemble.kpi_rows()
        _write_timeseries(result, tmp / "timeseries.csv")
        with (tmp / "kpis.csv").open("w", newline="") as f:
            f.writelines(kpis_csv(rows))
        summary = summarize(rows) if ensemble is None else ensemble.summary()
        for name, text in (ensemble.files() if ensemble is not None else {}).items():
            (tmp / name).write_text(text)
        (tmp / "summary.json").write_text(indented_json(summary) + "\n")
        resolved = resolved_yaml(result)
        (tmp / "scenario.resolved.yaml").write_text(resolved)
        (tmp / "manifest.json").write_text(json.dumps(_manifest(result, resolved), indent=1))
        if plots:
            from sim.plots import plot_result

            plot_result(result, tmp / "plots")

    return write_atomically(wanted, fill)


def _write_timeseries(result: Result, path: Path) -> None:
    """timeseries.csv: the tidy rows of every kept replication (and Parquet, if it can)."""
    header = ("replication", "day", "date", "node", "variable", "value")
    with path.open("wb") as f:
        f.write((",".join(header) + "\n").encode())
        for run in result.runs:
            for chunk in timeseries_chunks(run, variables=result.scenario.timeseries):
                f.write(chunk)
    csv_to_parquet(path)


def csv_to_parquet(path: Path) -> None:
    """Write `path` (a CSV) again as Parquet beside it, atomically, when pyarrow is there."""
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError:
        return
    target = path.with_suffix(".parquet")
    tmp = target.with_name(f".{target.name}.tmp")
    pq.write_table(pacsv.read_csv(path), tmp)
    tmp.replace(target)


def package_versions(names: tuple[str, ...] = DEPENDENCIES) -> dict[str, str | None]:
    """Installed versions of tungsten-sim and `names` (None where not installed)."""
    return {name: installed_version(name) for name in ("tungsten-sim", *names)}


@functools.cache
def installed_version(name: str) -> str | None:
    """Installed version of a distribution, None if not installed. Looked up once (a few
    ms for all of them) per process: the modules a process imported stay the ones it runs."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def kpis_csv(rows: Iterable[KpiRow], chunk: int = KPI_CHUNK_ROWS) -> Iterator[str]:
    """kpis.csv text, a header and `replication,scope,kpi,value` rows, values rounded to 12
    decimals (NaN as empty), quoted as csv.writer quotes (only a free-text group name can
    need it): `chunk` rows at a time, so a run of many replications is never all in memory."""
    yield ",".join(KPI_HEADER) + "\n"
    rows = iter(rows)
    while block := [(r, s, k, _num(v)) for r, s, k, v in itertools.islice(rows, chunk)]:
        if any(_NEEDS_QUOTES.search(s) or _NEEDS_QUOTES.search(k) for _, s, k, _ in block):
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(block)
            yield out.getvalue()
        else:
            yield "".join(f"{r},{s},{k},{v}\n" for r, s, k, v in block)


def _num(value: float) -> str:
    if math.isnan(value):
        return ""
    return repr(round(value, 12))


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
