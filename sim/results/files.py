"""What every written file shares: atomic writing, numbers as text, and package versions.

Nothing is ever half written. A folder (a run's or a comparison's results) is filled under
a hidden temporary name beside its destination and renamed when complete, to a new name if
the destination exists (`-2`, `-3`, ...). A single file (a sweep's points.csv, a plot, a
Parquet copy) is written to a hidden temporary file beside it and moved over it with
`os.replace`. On any error, or Ctrl-C, the temporary is removed.

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
    `wanted` (or the first free `wanted-2`, ...); return where it ended up."""
    wanted.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{wanted.name}.tmp-", dir=wanted.parent))
    with _removed_on_error(tmp):
        fill(tmp)
        final = free_folder(wanted)
        os.rename(tmp, final)
        return final


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A hidden temporary file beside `path` to write, moved over `path` when the block
    ends without error. It gets the permissions a plain `open` would give it."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    with _removed_on_error(tmp):
        os.chmod(tmp, 0o666 & ~_umask())  # not mkstemp's 0600
        yield tmp
        os.replace(tmp, path)


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
