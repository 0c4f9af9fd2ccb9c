"""Where design points run: in this process, on local processes, or on a Dask cluster.

An executor only submits a chunk of points and says when chunks are done; `run_chunks`,
shared by all of them, keeps a few chunks per worker in flight, streams each chunk's rows
back as it completes, and survives workers that die: the points of a chunk whose worker
was lost run again one at a time, alone, so that a point that kills its worker even then
is recorded as an error and no other point is blamed with it.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from socsim.errors import ConfigError
from socsim.explore.evaluate import evaluate_chunk, lost_row
from socsim.explore.spec import DesignPoint

logger = logging.getLogger(__name__)

Chunk = list[DesignPoint]
Rows = list[dict[str, Any]]
ChunkFn = Callable[[Chunk], Rows]

MAX_CHUNK = 8  # points per task: enough to amortise a task's overhead, few enough to balance
CHUNKS_PER_WORKER = 4  # at least this many chunks per worker when there are enough points
IN_FLIGHT_PER_WORKER = 2  # a worker finishing a chunk finds the next one already queued


class Executor:
    """Runs chunks of design points; use it as a context manager so its workers stop.

    Subclasses implement `submit` and `wait`, and the rest where they need to.
    """

    workers: int  # chunks that run at once
    name: str  # for logs, e.g. "2 local processes"

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Any:
        """Starts `fn(chunk)`; returns a future (anything with `result()`)."""
        raise NotImplementedError

    def wait(self, futures: list[Any]) -> set[Any]:
        """Blocks until at least one of `futures` is done; returns the done ones."""
        raise NotImplementedError

    def is_lost(self, error: BaseException) -> bool:
        """Whether `error`, raised by a future, means its worker died (not that `fn` failed)."""
        return False

    def restart(self) -> None:
        """Called after a lost worker, once no chunk is in flight, before the next submit."""

    def close(self) -> None:
        """Stops the workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs each chunk in this process as it is submitted: no start-up cost, no parallelism."""

    workers = 1
    name = "this process"

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Future:
        future: Future = Future()
        future.set_result(fn(chunk))
        return future

    def wait(self, futures: list[Any]) -> set[Any]:
        return set(futures)


class ProcessExecutor(Executor):
    """`workers` local processes (a `ProcessPoolExecutor`).

    Workers fork from a server that has already imported socsim (where the platform has a
    fork server), so they start in milliseconds, and without inheriting this process's
    threads (a progress bar's, a Dask client's).
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ConfigError(f"workers={workers!r}, expected a positive integer")
        self.workers = workers
        self.name = f"{workers} local processes"
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload([evaluate_chunk.__module__])
        self._pool = ProcessPoolExecutor(workers, mp_context=self._context)

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Future:
        return self._pool.submit(fn, chunk)

    def wait(self, futures: list[Any]) -> set[Any]:
        return wait_futures(futures, return_when=FIRST_COMPLETED).done

    def is_lost(self, error: BaseException) -> bool:
        return isinstance(error, BrokenProcessPool)

    def restart(self) -> None:
        # A pool whose worker died is broken for good: every later submit would fail.
        self._pool.shutdown(wait=True)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=self._context)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask cluster: a new local one of `workers` single-threaded processes, or the
    running one whose scheduler is at `address` (its workers must have socsim installed).

    Dask reschedules the tasks of a worker that dies; a task that has killed three workers
    fails with `KilledWorker`, and `run_chunks` takes it from there.
    """

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            import distributed
        except ImportError:
            raise ConfigError(
                "Dask executors need dask.distributed, expected it installed: "
                "pip install 'socsim[dask]'"
            ) from None
        self._distributed = distributed
        self._cluster = None
        if address is None:
            if workers is None or workers < 1:
                raise ConfigError(f"dask workers={workers!r}, expected a positive integer")
            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,  # the simulation holds the GIL: parallelism is processes
                processes=True,
                dashboard_address=None,
                # The scheduler's HTTP server (health checks) on any free local port, so
                # that clusters side by side do not contend for 8787.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster)
            self.name = f"a local Dask cluster of {workers} processes"
        else:
            try:
                self._client = distributed.Client(address, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise ConfigError(
                    f"dask scheduler {address!r}: {error}, expected the address of a running "
                    "scheduler (tcp://host:8786)"
                ) from None
            self.name = f"the Dask cluster at {address}"
        self.workers = max(1, sum(self._client.nthreads().values()))

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Any:
        return self._client.submit(fn, chunk, pure=False)

    def wait(self, futures: list[Any]) -> set[Any]:
        return set(self._distributed.wait(futures, return_when="FIRST_COMPLETED").done)

    def is_lost(self, error: BaseException) -> bool:
        return isinstance(error, self._distributed.KilledWorker)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    workers: int | None = None, dask_workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Local processes by default (`workers`, default all CPUs; 1 runs in this process),
    or a Dask cluster: a local one of `dask_workers` processes or the one at `scheduler`."""
    given = [name for name, value in (("workers", workers), ("dask_workers", dask_workers),
                                      ("scheduler", scheduler)) if value is not None]  # fmt: skip
    if len(given) > 1:
        raise ConfigError(f"{' and '.join(given)} are both set, expected at most one executor")
    if scheduler is not None:
        return DaskExecutor(address=scheduler)
    if dask_workers is not None:
        return DaskExecutor(workers=dask_workers)
    workers = multiprocessing.cpu_count() if workers is None else workers
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)


def chunk_size(points: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, points // (CHUNKS_PER_WORKER * workers)))


def run_chunks(
    executor: Executor,
    points: Sequence[DesignPoint],
    *,
    size: int | None = None,
    fn: ChunkFn = evaluate_chunk,
) -> Iterator[Rows]:
    """Runs `fn` over chunks of `points` on `executor`, yielding each chunk's rows as it
    completes (not in order). Every point yields exactly one row."""
    size = size or chunk_size(len(points), executor.workers)
    # (chunk, suspect): a suspect's worker died under it once; it runs alone.
    queue: deque[tuple[Chunk, bool]] = deque(
        (list(points[i : i + size]), False) for i in range(0, len(points), size)
    )
    inflight: dict[Any, tuple[Chunk, bool]] = {}

    def settle(future: Any) -> tuple[Rows, bool]:
        """The rows of a done chunk, and whether its worker was lost."""
        chunk, suspect = inflight.pop(future)
        try:
            return future.result(), False
        except Exception as error:
            if not executor.is_lost(error):
                raise
            if suspect:  # it ran alone, so it killed its worker itself
                logger.warning("point %s lost its worker again: recorded as an error", chunk[0].id)
                return [lost_row(chunk[0], error)], True
            logger.warning("a worker died: rerunning its %d points one at a time", len(chunk))
            queue.extendleft(([point], True) for point in reversed(chunk))
            return [], True

    window = IN_FLIGHT_PER_WORKER * executor.workers
    while queue or inflight:
        while queue and len(inflight) < window:
            suspect_next = queue[0][1] and inflight
            if suspect_next or any(suspect for _, suspect in inflight.values()):
                break
            chunk, suspect = queue.popleft()
            inflight[executor.submit(fn, chunk)] = (chunk, suspect)
        lost = False
        for future in executor.wait(list(inflight)):
            rows, lost_now = settle(future)
            lost |= lost_now
            if rows:
                yield rows
        if lost:
            while inflight:  # chunks that shared the lost worker's pool, before restarting it
                for future in executor.wait(list(inflight)):
                    rows, _ = settle(future)
                    if rows:
                        yield rows
            executor.restart()
