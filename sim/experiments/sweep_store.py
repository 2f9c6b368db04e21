"""A sweep's folder on disk: written as it goes, so that a killed sweep can resume.

Unlike `run` (written to a temporary folder and renamed when whole), a sweep cannot wait for
its end to write: the folder (a new, suffixed one when the name is taken) is created at the
start with `sweep.json` (the definition and the design, the list of points) and an empty
`runs.csv`; each finished run is appended to `runs.csv` as one line and flushed; the final
files (points.csv, sensitivity.csv, plots, manifest.json) are each written to a temporary
file in the folder and moved into place (`sim.results.files.replacing`), so none is ever
half written.

A kill can only leave a partial last line in runs.csv; `RunsFile.repair` drops it (and any
line that does not parse, or repeats a (point, replication) already there) before a resume
appends. Example::

    store = RunsFile(folder / "runs.csv", header)
    done = store.repair()           # {(point, replication), ...}
    with store.appender() as append:
        append(point, replication, values)
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.results.files import OutputError, number_text, replacing, write_text

SWEEP_JSON = "sweep.json"
RUNS_CSV = "runs.csv"


def write_json(path: Path, data: dict) -> None:
    """Write `data` as indented JSON to `path`, atomically."""
    write_text(path, json.dumps(data, indent=1, default=str) + "\n")


def resume_hint(folder: Path) -> str:
    """What to tell a user whose sweep stopped before its end: nothing finished is lost."""
    return (f"every finished run is in {folder / RUNS_CSV}; continue with "
            f"`tungsten-sim sweep --resume {folder}`")


def read_number(text: str) -> float:
    """A number as `number_text` wrote it (empty: NaN)."""
    return float(text) if text else math.nan


class RunsFile:
    """runs.csv: `point,replication,<parameters>,<KPIs>`, one line per finished run."""

    def __init__(self, path: Path, header: list[str]):
        self.path, self.header = path, list(header)

    def create(self) -> None:
        """An empty runs.csv with its header (the folder is new)."""
        write_text(self.path, _line(self.header))

    def repair(self) -> set[tuple[int, int]]:
        """Drop a partial last line, bad lines and repeats; return the (point, rep) done."""
        if not self.path.exists():
            self.create()
            return set()
        done: set[tuple[int, int]] = set()
        keep_bytes, clean = 0, True
        with self.path.open("rb") as f:
            head = f.readline()
            if head.decode(errors="replace").rstrip("\r\n").split(",") != self.header \
                    or not head.endswith(b"\n"):
                raise ValueError(f"{self.path}: header does not match sweep.json")
            keep_bytes = len(head)
            for raw in f:
                key = self._key(raw)
                if key is None or key in done:
                    clean = False
                    continue
                done.add(key)
                if clean:
                    keep_bytes += len(raw)
        if clean:
            with self.path.open("r+b") as f:
                f.truncate(keep_bytes)
        else:  # rare (a repeat or a bad line before the end): rewrite from the good lines
            self._rewrite()
        return done

    def _key(self, raw: bytes) -> tuple[int, int] | None:
        if not raw.endswith(b"\n"):
            return None
        cells = next(csv.reader([raw.decode(errors="replace")]), [])
        if len(cells) != len(self.header):
            return None
        try:
            return int(cells[0]), int(cells[1])
        except ValueError:
            return None

    def _rewrite(self) -> None:
        seen: set[tuple[int, int]] = set()
        with replacing(self.path) as tmp, tmp.open("wb") as out, self.path.open("rb") as f:
            out.write(f.readline())
            for raw in f:
                key = self._key(raw)
                if key is not None and key not in seen:
                    seen.add(key)
                    out.write(raw)

    @contextlib.contextmanager
    def appender(self, prefix: Callable[[int], list[str]]
                 ) -> Iterator[Callable[[int, int, tuple], None]]:
        """A function appending one run (point, replication, KPI values), flushed at once.

        `prefix(point)` gives the parameter cells of a point. A failed write (a full disk) is
        an OutputError; a part of a line it may leave is dropped by `repair` on resuming.
        """
        f = self.path.open("a", newline="")
        failed = False

        def append(point: int, replication: int, values: tuple) -> None:
            nonlocal failed
            try:
                f.write(_line([str(point), str(replication), *prefix(point),
                               *(number_text(v) for v in values)]))
                f.flush()
            except OSError as err:
                failed = True
                raise OutputError(self.path, err, "every run finished before is kept") from err

        try:
            yield append
        finally:
            try:
                f.close()
            except OSError:
                if not failed:  # else it failed again writing what the failed flush kept
                    raise

    def rows(self) -> Iterator[list[str]]:
        """Every data row as cells, streamed."""
        with self.path.open(newline="") as f:
            reader = csv.reader(f)
            next(reader, None)
            yield from reader


def _line(cells: list[str]) -> str:
    out: list[str] = []
    writer = csv.writer(_Collect(out), lineterminator="\n")
    writer.writerow(cells)
    return out[0]


class _Collect:
    def __init__(self, out: list[str]):
        self.out = out

    def write(self, text: str) -> None:
        """Keep what csv.writer writes."""
        self.out.append(text)
