"""One sweep process per sweep folder: a lock file naming the process that holds it.

Two `sweep --resume` on one folder would both run the missing runs and append them twice.
So whoever runs a sweep first creates `sweep.lock` in its folder, atomically (O_CREAT |
O_EXCL: of two processes exactly one succeeds), holding its pid, host and start time; a
second process is refused (ScenarioError, exit 2) with the lock file and that pid. The holder
removes the lock when it ends, normally, on an error or on Ctrl-C.

A process killed outright (kill -9, a crash, a power cut) leaves its lock behind. A lock whose
process no longer runs on this host is stale: the next sweep takes it over and says so. A
lock from another host cannot be checked and is never taken over. Example::

    with held(folder, note=print):
        execute(plan, folder, runner)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from sim.errors import Problem, ScenarioError

LOCK_FILE = "sweep.lock"
SETTLE_SECONDS = 1.0
"""How long an empty or unreadable lock file is given to be written by the process that has
just created it, before it counts as stale (its creator died between creating and writing)."""
ATTEMPTS = 5
"""Tries at creating the lock when another process keeps taking over a stale one first."""

Note = Callable[[str], object]


@dataclass(frozen=True)
class Holder:
    """Who holds a sweep folder's lock."""

    pid: int
    host: str
    started: str

    @classmethod
    def me(cls) -> Holder:
        """This process, now."""
        return cls(os.getpid(), socket.gethostname(),
                   dt.datetime.now().isoformat(timespec="seconds"))

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """The holder a lock file names, or None if it names none (being written, damaged)."""
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]), str(data["started"]))
        except (ValueError, TypeError, KeyError):
            return None

    def text(self) -> str:
        """The lock file's content: one line of JSON."""
        return json.dumps(asdict(self)) + "\n"

    def running(self) -> bool:
        """Whether the holder may still run (a lock of another host is assumed to be)."""
        return self.host != socket.gethostname() or process_running(self.pid)


def process_running(pid: int) -> bool:
    """Whether process `pid` runs on this host (a zombie, dead but not yet reaped, does not)."""
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: never judged stale
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, as another user's process
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return state not in ("Z", "X")
    return True


def acquire(folder: Path, note: Note | None = None) -> Holder:
    """Take the lock of sweep folder `folder`, taking over a stale one (`note` says so);
    ScenarioError naming the lock file and its holder if another process holds it."""
    path = folder / LOCK_FILE
    me = Holder.me()
    for _ in range(ATTEMPTS):
        if _create(path, me):
            return me
        found = _read(path)
        if found is None:  # released meanwhile
            continue
        text, holder = found
        if holder is not None and holder.running():
            raise ScenarioError([Problem(
                str(path), 0, 0, "", f"the sweep is in use by process {holder.pid} on "
                f"{holder.host} (since {holder.started}); wait for it to end, or delete the "
                "lock file if no such sweep is running")])
        with _guard(folder):  # of several finding it stale, one takes it over
            if _read(path) == found:
                path.unlink()
                if _create(path, me):
                    if note is not None:
                        note(_takeover(path, holder, text))
                    return me
    raise ScenarioError([Problem(str(path), 0, 0, "", "could not take the lock: other "
                                 "processes keep taking it; try again")])


def release(folder: Path) -> None:
    """Remove the lock of `folder` if this process holds it (never another's)."""
    path = folder / LOCK_FILE
    with contextlib.suppress(OSError):
        holder = Holder.parse(path.read_text())
        if holder is not None and (holder.pid, holder.host) == (os.getpid(),
                                                                 socket.gethostname()):
            path.unlink()


@contextlib.contextmanager
def held(folder: Path, note: Note | None = None) -> Iterator[Holder]:
    """Hold the lock of `folder` for the block (released however the block ends)."""
    holder = acquire(folder, note)
    try:
        yield holder
    finally:
        release(folder)


def _create(path: Path, me: Holder) -> bool:
    """Create the lock file naming `me`; False if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    try:
        os.write(fd, me.text().encode())
    except BaseException:
        os.close(fd)
        path.unlink()
        raise
    os.close(fd)
    return True


def _read(path: Path) -> tuple[str, Holder | None] | None:
    """(text, holder) of the lock file, None if there is none; a file that names no holder
    is read again for up to SETTLE_SECONDS, as its creator may be writing it."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        holder = Holder.parse(text)
        if holder is not None or time.monotonic() > deadline:
            return text, holder
        time.sleep(0.02)


def _takeover(path: Path, holder: Holder | None, text: str) -> str:
    if holder is None:
        return f"{path}: took over an unreadable lock ({text.strip()[:40]!r})"
    return (f"{path}: took over the lock of process {holder.pid} (since {holder.started}), "
            "which is no longer running")


@contextlib.contextmanager
def _guard(folder: Path) -> Iterator[None]:
    """Exclusive among processes taking over a stale lock: flock on the folder itself (no
    file is left behind); without fcntl (Windows) stale locks are never taken over anyway."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
