"""Running tasks serially or on a process pool, and stopping cleanly on Ctrl-C.

`Runner(1)` runs tasks in this process; `Runner(w)` with w > 1 runs them on a
`ProcessPoolExecutor` whose workers ignore SIGINT. On Ctrl-C (or any error) the parent
cancels what has not started, waits for the replications in progress (at most one per
worker), shuts the pool down and re-raises, so the caller sees one KeyboardInterrupt and no
worker prints a traceback.

`Runner.map(fn, items)` is the general form a sweep uses: it yields `fn(item)` as each
completes, with at most a few items per worker in flight (memory stays flat however many items
there are). `DaskRunner` offers the same `map` on a Dask cluster: a running scheduler
(`tcp://host:8786`, whose workers must have tungsten-sim installed) or `"local"`, a
LocalCluster of `workers` single-threaded processes started for the run and closed after it.

Start method: "fork" on Linux (fast, and a script that calls the library without an
`if __name__ == "__main__":` guard still works, since nothing is re-imported), "spawn"
elsewhere (the platform default on macOS and Windows; it re-imports the caller's main module
unless it runs in a notebook). Results do not depend on it: every replication draws only from
its own streams.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from sim.experiments.worker import Task, ignore_interrupts, run_task
from sim.results.ensemble import Replicate

START_METHODS = ("fork", "spawn", "forkserver")
IN_FLIGHT_PER_WORKER = 4
"""Items `map` keeps submitted per worker: enough to keep workers busy, few enough to bound
memory."""


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
        """Run every task; call `done` with each replicate as it completes (in any order).

        A few tasks per worker are in flight at a time (see `map`): with all of them
        submitted at once, every wait would go over all the pending futures.
        """
        for replicate in self.map(run_task, tasks):
            done(replicate)

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        """Yield `fn(item)` for every item as each completes (in any order).

        `fn` must be picklable (a module-level function) when workers > 1. On Ctrl-C or an
        error, items not yet started are cancelled before the exception propagates.
        """
        if self._pool is None:
            for item in items:
                yield fn(item)
            return
        yield from bounded_map(self._pool.submit, wait_first, fn, items,
                               self.workers * IN_FLIGHT_PER_WORKER)


def wait_first(pending: set) -> tuple[set, set]:
    """(finished, still pending) futures of a `concurrent.futures` pool."""
    return wait(pending, return_when=FIRST_COMPLETED)


def bounded_map(submit: Callable, wait_some: Callable, fn: Callable, items: Iterable,
                in_flight: int) -> Iterator:
    """Submit items with at most `in_flight` pending; yield results as they complete.

    Shared by the process pool and Dask: `submit(fn, item)` returns a future with `.result()`
    and `.cancel()`, `wait_some(pending)` returns (finished, pending).
    """
    source = iter(items)
    pending: set = set()
    try:
        for item in itertools.islice(source, in_flight):
            pending.add(submit(fn, item))
        while pending:
            finished, pending = wait_some(pending)
            for future in finished:
                result = future.result()
                item = next(source, _END)
                if item is not _END:
                    pending.add(submit(fn, item))
                yield result
    finally:
        # On Ctrl-C, an error, or a consumer that stops early: leave no work behind.
        for future in pending:
            future.cancel()


_END = object()


class DaskRunner:
    """`map` on a Dask cluster; a context manager like `Runner`. Needs the `dask` extra."""

    def __init__(self, address: str, workers: int = 1, processes: bool = True):
        if workers < 1:
            raise ValueError(f"workers (={workers}) must be >= 1")
        self.address, self.workers, self.processes = address, workers, processes
        self.start_method = None
        self._client = self._cluster = None

    def __enter__(self) -> DaskRunner:
        import dask
        from dask.distributed import Client, LocalCluster

        if self.address == "local":
            # No dashboard, so no use for the workers' statistical profiler, which samples
            # every 10 ms and slowed a run by about 10% in a worker
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=self.processes, dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.address, timeout="10s")
            self.workers = max(1, sum(self._client.nthreads().values()))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for thing in (self._client, self._cluster):
            if thing is not None:
                thing.close()
        self._client = self._cluster = None

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        """Yield `fn(item)` for every item as each completes; see `Runner.map`."""
        from dask.distributed import wait as dask_wait

        client = self._client

        def submit(f: Callable, item: object):
            return client.submit(f, item, pure=False)

        def wait_some(pending: set) -> tuple[set, set]:
            done, rest = dask_wait(pending, return_when="FIRST_COMPLETED")
            return set(done), set(rest)

        yield from bounded_map(submit, wait_some, fn, items,
                               self.workers * IN_FLIGHT_PER_WORKER)
