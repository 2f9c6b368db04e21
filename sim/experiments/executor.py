"""Running tasks serially or on a process pool, and stopping cleanly on Ctrl-C.

`Runner(1)` runs tasks in this process; `Runner(w)` with w > 1 runs them on a
`ProcessPoolExecutor` whose workers ignore SIGINT. On Ctrl-C (or any error) the parent
cancels what has not started, waits for the replications in progress (at most one per
worker), shuts the pool down and re-raises, so the caller sees one KeyboardInterrupt and no
worker prints a traceback.

Start method: "fork" on Linux (fast, and a script that calls the library without an
`if __name__ == "__main__":` guard still works, since nothing is re-imported), "spawn"
elsewhere (the platform default on macOS and Windows; it re-imports the caller's main module
unless it runs in a notebook). Results do not depend on it: every replication draws only from
its own streams.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from sim.experiments.worker import Task, ignore_interrupts, run_task
from sim.results.ensemble import Replicate

START_METHODS = ("fork", "spawn", "forkserver")


def default_start_method() -> str:
    """"fork" on Linux, "spawn" elsewhere (see the module docstring)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


class Runner:
    """Runs tasks on `workers` processes (1: in this process). Use as a context manager."""

    def __init__(self, workers: int = 1, start_method: str | None = None):
        if workers < 1:
            raise ValueError(f"workers (={workers}) must be >= 1")
        method = start_method or default_start_method()
        if method not in START_METHODS:
            raise ValueError(f"start method {method!r} must be one of {START_METHODS}")
        self.workers = workers
        self.start_method = method
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        if self.workers > 1:
            context = multiprocessing.get_context(self.start_method)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=ignore_interrupts)
            # Start the workers now, before a progress bar starts a thread (fork and threads).
            try:
                self._pool.submit(int).result()
            except BaseException:
                self.__exit__()
                raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, tasks: Iterable[Task], done: Callable[[Replicate], None]) -> None:
        """Run every task; call `done` with each replicate as it completes (in any order)."""
        if self._pool is None:
            for task in tasks:
                done(run_task(task))
            return
        pending: set[Future] = {self._pool.submit(run_task, task) for task in tasks}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise
