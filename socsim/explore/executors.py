"""Where design points run: in this process, on local processes, or on a Dask cluster.

An executor only submits a chunk of points and says when chunks are done; `run_chunks`,
shared by all of them, keeps a few chunks per worker in flight, streams each chunk's rows
back as it completes, and survives workers that die: the points of a chunk whose worker
was lost run again one at a time, alone, so that only a point that kills its worker every
time it runs alone (`LONE_LOSSES` times) is recorded as an error, and no other point is
blamed with it. No wait is unbounded: every
`POLL_SECONDS` without a finished chunk, the executor checks that its workers can still
run something, and stops the run with a `SimulationError` when they cannot.

Worker processes end with the process that started them, even when it is killed with
SIGKILL and cannot stop them: each watches its parent (`exit_with_parent`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from socsim.checks import checked_number
from socsim.errors import ConfigError, SimulationError
from socsim.explore.evaluate import evaluate_chunk, lost_row
from socsim.explore.spec import DesignPoint

logger = logging.getLogger(__name__)

Chunk = list[DesignPoint]
Rows = list[dict[str, Any]]
ChunkFn = Callable[[Chunk], Rows]

MAX_CHUNK = 8  # points per task: enough to amortise a task's overhead, few enough to balance
CHUNKS_PER_WORKER = 4  # at least this many chunks per worker when there are enough points
IN_FLIGHT_PER_WORKER = 2  # a worker finishing a chunk finds the next one already queued
# Workers a point must lose running alone to be recorded as their killer: more than one, since
# a cluster can still lose a worker under a lone point for another reason (Dask recomputing,
# on that worker, a task it lost with an earlier death).
LONE_LOSSES = 2
POLL_SECONDS = 1.0  # longest wait on chunks before the executor checks on its workers
NO_WORKERS_SECONDS = 120.0  # how long a Dask cluster may have no worker before a run stops
RESULT_SECONDS = 60.0  # to fetch a finished chunk's rows (a few kB) from a Dask worker

MAX_WORKERS = 1024  # local processes: more is surely a slip that would fork without end


def exit_with_parent() -> None:
    """Ends this process as soon as its parent process is gone.

    Run in each worker process at start. A daemon thread waits on the parent's sentinel
    (a pipe only the parent holds open; with a fork server as the worker's actual parent,
    still the process that asked for the worker), so that workers of a parent killed with
    SIGKILL do not wait forever for chunks that will never come.
    """
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing: nothing to watch
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="socsim-exit-with-parent", daemon=True).start()


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run in each worker process of the local clusters that
    `DaskExecutor` starts, at every (re)start: the worker ends with its parent, and leaves
    Ctrl-C to the parent, which stops the cluster (instead of every worker printing a
    `KeyboardInterrupt` traceback)."""
    exit_with_parent()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class ResultLost(Exception):
    """A chunk finished, but its rows could not be fetched from its worker."""


class Executor:
    """Runs chunks of design points; use it as a context manager so its workers stop.

    Subclasses implement `submit` and `wait`, and the rest where they need to.
    """

    workers: int  # chunks that run at once
    name: str  # for logs, e.g. "2 local processes"

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Any:
        """Starts `fn(chunk)`; returns a future (anything with `result()`)."""
        raise NotImplementedError

    def wait(self, futures: list[Any], timeout: float) -> set[Any]:
        """Blocks until at least one of `futures` is done or `timeout` seconds have passed;
        returns the done ones (none after a timeout)."""
        raise NotImplementedError

    def result(self, future: Any) -> Rows:
        """The rows of a done future; raises what `fn` raised or why its worker was lost."""
        return future.result()

    def is_lost(self, error: BaseException) -> bool:
        """Whether `error`, raised by `result`, means the chunk's worker was lost (not that
        `fn` failed)."""
        return False

    def check(self) -> None:
        """Called when no chunk finished for a while: repairs what it can and raises a
        `SimulationError` if the workers cannot run the chunks in flight any more."""

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

    def wait(self, futures: list[Any], timeout: float) -> set[Any]:
        return set(futures)


class ProcessExecutor(Executor):
    """`workers` local processes (a `ProcessPoolExecutor`).

    Workers fork from a server that has already imported socsim (where the platform has a
    fork server), so they start in milliseconds, and without inheriting this process's
    threads (a progress bar's, a Dask client's). The pool itself notices a worker that
    dies (every chunk in flight then fails with `BrokenProcessPool`), so no wait can hang.
    """

    def __init__(self, workers: int) -> None:
        checked_number(
            "workers", workers, quantity="integer", low=1, high=MAX_WORKERS, integer=True
        )
        self.workers = workers
        self.name = f"{workers} local processes"
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload([evaluate_chunk.__module__])
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers, mp_context=self._context, initializer=exit_with_parent
        )

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Future:
        return self._pool.submit(fn, chunk)

    def wait(self, futures: list[Any], timeout: float) -> set[Any]:
        return wait_futures(futures, timeout, return_when=FIRST_COMPLETED).done

    def is_lost(self, error: BaseException) -> bool:
        return isinstance(error, BrokenProcessPool)

    def restart(self) -> None:
        # A pool whose worker died is broken for good: every later submit would fail.
        self._pool.shutdown(wait=True)
        self._pool = self._new_pool()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask cluster: a new local one of `workers` single-threaded processes, or the
    running one whose scheduler is at `address` (its workers must have socsim installed).

    On the local cluster a task whose worker dies fails at once with `KilledWorker`
    (``distributed.scheduler.allowed-failures`` is 0), and `run_chunks` reruns its points
    alone, as on local processes; a running cluster keeps its own setting (Dask's default
    retries a task on three more workers first). The local cluster's closed workers are
    started again; the run stops with a `SimulationError` when the cluster has had no worker
    for `no_workers_seconds`.
    """

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        *,
        no_workers_seconds: float = NO_WORKERS_SECONDS,
    ) -> None:
        try:
            import distributed
        except ImportError:
            raise ConfigError(
                "Dask executors need dask.distributed, expected it installed: "
                "pip install 'socsim[dask]'"
            ) from None
        self._distributed = distributed
        self._cluster = None
        self._no_workers_seconds = no_workers_seconds
        self._no_workers_since: float | None = None
        self._restoring_from: int | None = None  # workers running when last restored
        if address is None:
            checked_number(
                "dask workers", workers, quantity="integer", low=1, high=MAX_WORKERS, integer=True
            )
            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,  # the simulation holds the GIL: parallelism is processes
                processes=True,
                dashboard_address=None,
                # The scheduler's HTTP server (health checks) on any free local port, so
                # that clusters side by side do not contend for 8787; a task whose worker
                # dies fails at once (see the class docstring).
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "allowed_failures": 0},
                preload=[__name__],  # dask_setup in every worker process
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster)
            self.name = f"a local Dask cluster of {workers} processes"
        else:
            try:
                self._client = distributed.Client(address, timeout="10s")
            except (OSError, TimeoutError, ValueError) as error:  # ValueError: no port
                raise ConfigError(
                    f"dask scheduler {address!r}: {error}, expected the address of a running "
                    "scheduler (tcp://host:8786)"
                ) from None
            self.name = f"the Dask cluster at {address}"
        self.workers = max(1, sum(self._client.nthreads().values()))

    def submit(self, fn: ChunkFn, chunk: Chunk) -> Any:
        return self._client.submit(fn, chunk, pure=False)

    def wait(self, futures: list[Any], timeout: float) -> set[Any]:
        try:
            self._distributed.wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except (TimeoutError, CancelledError):  # none done yet; or one cancelled: done
            pass
        return {future for future in futures if future.done()}

    def result(self, future: Any) -> Rows:
        try:
            return future.result(timeout=RESULT_SECONDS)
        except TimeoutError as error:
            if future.status == "error":  # `fn` raised it
                raise
            raise ResultLost(f"its rows were not fetched within {RESULT_SECONDS:g} s") from error
        finally:
            # Now, not when the last reference goes: while the client holds a finished
            # chunk, Dask runs it again when its worker dies, beside a point running alone.
            future.release()

    def is_lost(self, error: BaseException) -> bool:
        # CancelledError: the scheduler forgot the task (it restarted, or lost this client).
        return isinstance(error, (self._distributed.KilledWorker, CancelledError, ResultLost))

    def check(self) -> None:
        self._restore_workers()
        if self._worker_count():
            self._no_workers_since = None
            return
        now = time.monotonic()
        if self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since > self._no_workers_seconds:
            raise SimulationError(
                f"{self.name} has had no workers for {self._no_workers_seconds:g} s, "
                "expected at least one to run the points left"
            )

    def restart(self) -> None:
        self._restore_workers()

    def _restore_workers(self) -> None:
        """Starts the local cluster's closed workers again.

        The cluster closes a worker's nanny for good when, 15 s after one of its worker
        processes died (``distributed.deploy.lost-worker-timeout``), no new one has joined
        yet. A point that kills its worker keeps the nanny restarting, so on a slow machine
        both nannies closed, and tasks waited forever for a worker (issue 19).
        """
        if self._cluster is None:
            return
        wanted, running = len(self._cluster.worker_spec), len(self._cluster.workers)
        if running < wanted:
            if running != self._restoring_from:  # once, not at every check while they start
                logger.warning(
                    "%s has %d of its %d worker processes: starting the others again",
                    self.name, running, wanted,
                )  # fmt: skip
            self._cluster.scale(wanted)
        self._restoring_from = running if running < wanted else None

    def _worker_count(self) -> int:
        try:
            return len(self._client.nthreads(callback_timeout=RESULT_SECONDS))
        except (OSError, TimeoutError):  # the scheduler does not answer: no worker works
            return 0

    def close(self) -> None:
        try:
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is None or not issubclass(kind, KeyboardInterrupt):
            self.close()
            return
        # Workers busy with a chunk get killed, and Dask warns about each: just what
        # Ctrl-C asked for, so the interrupted run ends on the caller's one line.
        dask_logger = logging.getLogger("distributed")
        level = dask_logger.level
        dask_logger.setLevel(logging.ERROR)
        try:
            self.close()
        finally:
            dask_logger.setLevel(level)


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
    completes (not in order). Every point yields exactly one row, unless the executor's
    workers are gone for good: then `Executor.check` raises a `SimulationError`, after the
    rows of the chunks finished so far."""
    size = size or chunk_size(len(points), executor.workers)
    # (chunk, losses): a point whose chunk lost its worker runs alone, counting the workers it
    # lost while alone; only LONE_LOSSES of those in a row make it the killer.
    queue: deque[tuple[Chunk, int]] = deque(
        (list(points[i : i + size]), 0) for i in range(0, len(points), size)
    )
    inflight: dict[Any, tuple[Chunk, int]] = {}

    def settle(future: Any) -> tuple[Rows, bool]:
        """The rows of a done chunk, and whether its worker was lost."""
        chunk, losses = inflight.pop(future)
        try:
            return executor.result(future), False
        except Exception as error:
            if not executor.is_lost(error):
                raise
            if losses + 1 > LONE_LOSSES:  # it ran alone every time, so it killed its worker
                logger.warning("point %s lost its worker again: recorded as an error", chunk[0].id)
                return [lost_row(chunk[0], error)], True
            if losses:
                queue.appendleft((chunk, losses + 1))
            else:
                logger.warning("a worker died: rerunning its %d points one at a time", len(chunk))
                queue.extendleft(([point], 1) for point in reversed(chunk))
            return [], True

    def done_chunks() -> set[Any]:
        """Waits until chunks in flight finish, checking on the workers between waits."""
        while not (done := executor.wait(list(inflight), POLL_SECONDS)):
            executor.check()
        return done

    window = IN_FLIGHT_PER_WORKER * executor.workers
    while queue or inflight:
        while queue and len(inflight) < window:
            alone_next = queue[0][1] and inflight
            if alone_next or any(losses for _, losses in inflight.values()):
                break
            chunk, losses = queue.popleft()
            inflight[executor.submit(fn, chunk)] = (chunk, losses)
        lost = False
        for future in done_chunks():
            rows, lost_now = settle(future)
            lost |= lost_now
            if rows:
                yield rows
        if lost:
            while inflight:  # chunks that shared the lost worker's pool, before restarting it
                for future in done_chunks():
                    rows, _ = settle(future)
                    if rows:
                        yield rows
            executor.restart()
