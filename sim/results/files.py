"""What every written file shares: atomic writing, numbers as text, and package versions.

Nothing is ever half written. A folder (a run's or a comparison's results) is filled under
a hidden temporary name beside its destination and renamed when complete, to a new name if
the destination exists (`-2`, `-3`, ...). A single file (a sweep's points.csv, a plot, a
Parquet copy) is written to a hidden temporary file beside it and moved over it with
`os.replace`. On any error, or Ctrl-C, the temporary is removed, and an OSError (a full
disk, a folder made read-only) becomes one `OutputError` naming the destination.
`check_output` finds a location that cannot work (under a file, in a read-only folder)
before anything is computed.

Example::

    folder = write_folder(Path("results/base"), lambda tmp: (tmp / "a.txt").write_text("a"))
    write_text(folder / "b.csv", "x,y\\n")
    number_text(0.1 + 0.2, DECIMALS)   # '0.3'
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

from sim.errors import Problem, ScenarioError

DEPENDENCIES = ("simpy", "numpy", "scipy", "matplotlib", "pyyaml", "pydantic", "tqdm")
"""The core dependencies (pyproject.toml) whose versions every manifest records."""
DECIMALS = 12
"""Decimals of the KPI values written to kpis.csv and the tables made from them."""


def number_text(value: float, decimals: int | None = None) -> str:
    """A float as text that reads back exactly (rounded to `decimals` first, if given); NaN
    as empty."""
    value = float(value)
    if math.isnan(value):
        return ""
    return repr(value if decimals is None else round(value, decimals))


# --- where results go -----------------------------------------------------------------------------

class OutputError(OSError):
    """Results could not be written to `filename`: one line for the user (a failed run, exit 1),
    saying why and what was left behind (`after`)."""

    def __init__(self, path: Path | str, cause: OSError, after: str = "no partial folder was left"):
        reason = cause.strerror or (os.strerror(cause.errno) if cause.errno else str(cause))
        super().__init__(cause.errno, reason, str(path))
        self.after = after

    def __str__(self) -> str:
        return f"{self.filename}: could not write ({self.strerror}); {self.after}"


def check_output(wanted: Path, what: str = "results folder") -> None:
    """Refuse (ScenarioError: bad input, exit 2) a folder `wanted` that could not be created
    (it, or a suffixed sibling `wanted-2`): checked before simulating, so that a bad `--out`
    is said in a second and not after the run."""
    if problems := output_problems(wanted, what):
        raise ScenarioError(problems)


def output_problems(wanted: Path, what: str = "results folder") -> list[Problem]:
    """The problem of creating folder `wanted`, if any (see `check_output`)."""
    reason = unwritable(wanted.parent)
    return [] if reason is None else [Problem(str(wanted), 0, 0, "",
                                              f"cannot create the {what}: {reason}")]


def unwritable(folder: Path, *files: str) -> str | None:
    """Why files could not be created in `folder` (made first, with its parents, if missing)
    or those of `files` in it that exist could not be written; None if they can."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # a missing folder is made in the nearest existing one
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    for path in (folder / name for name in files):
        if path.exists() and not os.access(path, os.W_OK):
            return f"{path} is not writable"
    return None


# --- atomic writing -------------------------------------------------------------------------------

def free_folder(wanted: Path) -> Path:
    """`wanted`, or the first of `wanted-2`, `wanted-3`, ... that does not exist."""
    if not wanted.exists():
        return wanted
    n = 2
    while (candidate := wanted.with_name(f"{wanted.name}-{n}")).exists():
        n += 1
    return candidate


def write_folder(wanted: Path, fill: Callable[[Path], object]) -> Path:
    """Let `fill` write into a hidden temporary folder beside `wanted`, then rename it to
    `wanted` (or the first free `wanted-2`, ...); return where it ended up. OutputError if
    the disk fills or the folder cannot be written: the temporary folder is removed."""
    made = [p for p in (wanted.parent, *wanted.parent.parents) if not p.exists()]
    try:
        wanted.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{wanted.name}.tmp-", dir=wanted.parent))
        with _removed_on_error(tmp):
            fill(tmp)
            final = free_folder(wanted)
            os.rename(tmp, final)
            return final
    except BaseException as err:
        for folder in made:  # innermost first; only the empty folders made here
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(err, OSError):  # named by the folder, not the temporary's files
            raise OutputError(wanted, err) from err
        raise


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A hidden temporary file beside `path` to write, moved over `path` when the block
    ends without error. It gets the permissions a plain `open` would give it. An OSError
    in the block (a full disk) becomes an OutputError naming `path`."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        with _removed_on_error(tmp):
            os.chmod(tmp, 0o666 & ~_umask())  # not mkstemp's 0600
            yield tmp
            os.replace(tmp, path)
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(path, err, "no partial file was left") from err


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (see `replacing`)."""
    with replacing(path) as tmp:
        tmp.write_text(text, newline="")


@contextlib.contextmanager
def _removed_on_error(tmp: Path) -> Iterator[None]:
    """Remove the temporary file or folder `tmp` if the block raises (Ctrl-C included)."""
    try:
        yield
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


@functools.cache
def _umask() -> int:
    """The process's umask (read by setting it, so set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def csv_to_parquet(path: Path) -> None:
    """Write `path` (a CSV) again as Parquet beside it, atomically, when pyarrow is there."""
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError:
        return
    with replacing(path.with_suffix(".parquet")) as tmp:
        pq.write_table(pacsv.read_csv(path), tmp)


# --- provenance -----------------------------------------------------------------------------------

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
