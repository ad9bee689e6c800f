"""Where runs execute, behind the stdlib ``concurrent.futures.Executor`` interface.

* ``workers == 1`` and no scheduler: in this process (simplest to debug, no start-up cost);
* ``workers > 1``: a local process pool (nothing to set up);
* ``scheduler="tcp://host:port"`` (or env ``SIM_DASK_SCHEDULER``): an existing Dask cluster;
* ``scheduler="local"``: a throwaway Dask ``LocalCluster`` on this machine.

Any other Executor (``mpi4py.futures.MPIPoolExecutor``, a Ray adapter, ...) can be passed
to :func:`sim.experiments.runner.run_experiment` directly.

:class:`InFlight` is the one loop that feeds an executor: the experiment runner, the
paired runs of ``sim compare`` and the dashboard, and the calibration's predictive check
all use it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Self

from sim.errors import SpecError

SCHEDULER_ENV = "SIM_DASK_SCHEDULER"


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (an Executor with one worker)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
            future.set_exception(exc)
        return future


_END = object()     # the end of the task queue (a task may be any object, None included)


class InFlight:
    """Run ``fn(task)`` for every task on ``pool``, yielding ``(task, future)`` as each ends.

    At most ``in_flight`` tasks are submitted at a time (see :func:`capacity`), and the next
    one goes as soon as one finishes: enough to keep every worker busy, without handing a
    whole sweep to the executor at once (a process pool or a Dask scheduler would hold every
    queued task, arguments included, in memory, and nothing could be stopped). Once
    ``cancel`` is set nothing more is submitted; the tasks in flight still finish and are
    yielded. Leaving the ``with`` block (at the end, on the caller's error or on Ctrl-C)
    cancels the futures not yet started; :attr:`unfinished` then names the tasks submitted
    whose results were never yielded. Tasks are submitted in the order given; results
    arrive in the order they finish::

        with InFlight(pool, run_task, tasks, capacity(info)) as flight:
            for task, future in flight:
                store(task, future.result())
    """

    def __init__(self, pool: Executor, fn: Callable[[Any], Any], tasks: Iterable[Any],
                 in_flight: int, cancel: threading.Event | None = None):
        self._pool, self._fn, self._queue = pool, fn, iter(tasks)
        self._in_flight, self._cancel = max(1, in_flight), cancel
        self._running: dict[Future, Any] = {}

    def __iter__(self) -> Iterator[tuple[Any, Future]]:
        self._top_up()
        while self._running:
            done, _ = wait(self._running, return_when=FIRST_COMPLETED)
            for future in done:
                yield self._running.pop(future), future
            self._top_up()

    def _top_up(self) -> None:
        while len(self._running) < self._in_flight and not self.cancelled \
                and (task := next(self._queue, _END)) is not _END:
            self._running[self._pool.submit(self._fn, task)] = task

    @property
    def cancelled(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    @property
    def unfinished(self) -> list[Any]:
        """Tasks submitted whose results have not been yielded (yet)."""
        return list(self._running.values())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        for future in self._running:
            future.cancel()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


@contextmanager
def open_executor(workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[tuple[Executor, dict[str, Any]]]:
    """Yield ``(executor, description)``; the description goes into the manifest."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    workers = workers or default_workers()
    if scheduler:
        with _dask(scheduler, workers) as pair:
            yield pair
    elif workers == 1:
        yield InlineExecutor(), {"kind": "inline", "workers": 1}
    else:
        pool, method = _process_pool(workers)
        try:
            yield pool, {"kind": "process-pool", "workers": workers, "start_method": method}
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _process_pool(workers: int) -> tuple[ProcessPoolExecutor, str]:
    """A local pool whose workers start fast and safely.

    ``fork`` costs nothing and the workers inherit the already imported model, but it is
    only safe while this process runs a single thread; so the workers are all started
    at once, now, before the runner opens its own threads (progress bar, DuckDB). In a
    multi-threaded host (a Jupyter kernel, a Dask client) the workers come from a
    ``forkserver`` and import the model as they start. Every worker freezes its start-up
    heap for the garbage collector (see :func:`freeze_heap`).
    """
    if sys.platform == "linux" and _os_threads() == 1:
        import sim.model

        sim.model.preload()                        # once here, inherited by every worker
        pool = ProcessPoolExecutor(max_workers=workers, initializer=start_worker,
                                   mp_context=multiprocessing.get_context("fork"))
        list(pool.map(int, range(workers)))        # launches every worker process now
        return pool, "fork"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.experiments.tasks"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=start_worker), "forkserver"


def _os_threads() -> int:
    """Threads of this process as the OS counts them: Arrow's and DuckDB's native thread
    pools (started by reading stored results) count too, though Python's ``threading``
    does not see them; forking then could deadlock a child, and Python warns."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def start_worker() -> None:
    """A pool worker's start: the whole model imported (``sim.model`` loads its parts on
    first use), then the start-up heap frozen."""
    import sim.model

    sim.model.preload()
    freeze_heap()


def freeze_heap() -> None:
    """Exclude every object alive now (modules, the model's code, Dask's worker state)
    from the garbage collector's full collections, in a worker process only.

    A run of the model makes enough cyclic garbage (agents, the network) to trigger many
    full collections, and each one walks every tracked object of the process: a quarter
    of a run's CPU went to it in a pool worker, and more in a Dask worker, whose heap
    holds Dask besides the model (its runs took 14% more CPU than the same runs in a pool
    worker). Frozen, those long-lived objects are skipped (``gc.freeze``, meant for
    exactly this); the run's own garbage is still collected as before, and results do not
    change.
    """
    import gc

    gc.freeze()


@contextmanager
def dask_client(address: str, workers: int) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield ``(client, description)`` for an existing scheduler or, for ``"local"``, a
    throwaway ``LocalCluster`` of ``workers`` single-threaded processes; close both after.

    A scheduler that cannot be reached is refused as bad input (SpecError naming
    ``--scheduler``), before anything is written.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise SpecError("--scheduler", address, "dask.distributed is not installed") from None
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError("--scheduler", address, f"cannot connect to Dask scheduler ({reason})") \
            from None
    try:
        _prepare_workers(client, address)
        threads = sum(client.nthreads().values())
        yield client, {"kind": "dask", "address": address if cluster is None else "local",
                       "workers": len(client.nthreads()), "threads": threads,
                       "quiet_callbacks": list(QUIET_CALLBACKS)}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _prepare_workers(client, address: str) -> None:
    """Ready every connected worker for long CPU-bound runs, before any task is sent.

    * Import the model now, on all workers at once, so that a worker that cannot (``sim``
      not installed there) is refused in one line instead of failing every run.
    * Quiet the worker's and its nanny's diagnostics that wake up many times a second
      (see ``QUIET_CALLBACKS``). A task runs in a thread of the worker process while its
      event loop runs in the main one: every wake-up takes the GIL from the running model.
      Run alternately in a pool worker and a Dask worker, the same run took about 10%
      longer in the Dask worker, mostly for the statistical profiler (100 times a second,
      walking the model's deep Python stack); quieted, about 5%. The worker's memory
      monitor runs every second instead of every 100 ms (``MEMORY_MONITOR_MS``);
      heartbeats and task handling are untouched; the Dask dashboard's profile and system
      pages stay empty for these workers.
    * Freeze the worker's start-up heap for the garbage collector (:func:`freeze_heap`).

    Workers started with ``--preload sim.experiments.executors`` are prepared as they
    start, so the import is not paid during a sweep either.
    """
    try:
        client.run(_worker_setup)
    except Exception as exc:  # noqa: BLE001 - whatever the worker raised, refuse in one line
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise SpecError("--scheduler", address, f"a worker cannot run the model ({reason})") \
            from None
    try:
        client.run(_quiet, nanny=True)
    except Exception:  # noqa: BLE001, S110 - workers without a nanny: nothing to quiet
        pass


# Periodic callbacks of a Dask server that only feed diagnostics: the statistical
# profiler (every 10 ms, and its 1 s cycle), the event-loop latency probe (every 20 ms,
# and its 1 s cycle) and the system monitor (every 500 ms; CPU, memory, disk and network
# counters for the dashboard).
QUIET_CALLBACKS = ("profile", "profile-cycle", "tick", "ticks", "monitor")


def _quiet(dask_worker=None, dask_nanny=None) -> None:
    server = dask_worker if dask_worker is not None else dask_nanny
    for name in QUIET_CALLBACKS:
        # popped, not only stopped: a server still starting would start it again
        callback = server.periodic_callbacks.pop(name, None) if server else None
        if callback is not None:
            callback.stop()


# The worker's own memory monitor (spill to disk above 70% of its memory limit, pause above
# 80%) runs every 100 ms by default. Checked every second instead it still sees a model run's
# memory grow (runs allocate over seconds), and on three_vs_five the Dask overhead against the
# local pool fell from +15.7% to +9.5% (benchmarks/bench_sweep.py --dask-only, best of 2). The
# nanny's monitor, which restarts a worker near the limit, runs in its own process: untouched.
MEMORY_MONITOR_MS = 1000


def _slow_memory_monitor(dask_worker) -> None:
    monitor = dask_worker.periodic_callbacks.get("memory_monitor") if dask_worker else None
    if monitor is not None and monitor.callback_time < MEMORY_MONITOR_MS:
        monitor.callback_time = MEMORY_MONITOR_MS   # read again when the next call is scheduled


def _worker_setup(dask_worker=None) -> str:
    """Runs on each worker (``client.run`` passes the worker as ``dask_worker``)."""
    import sim.experiments.tasks
    import sim.model

    sim.model.preload()

    _quiet(dask_worker=dask_worker)
    _slow_memory_monitor(dask_worker)
    freeze_heap()
    return "ready"


def dask_setup(worker) -> None:
    """``dask worker --preload sim.experiments.executors``: prepare a worker as it starts."""
    _worker_setup(worker)


@contextmanager
def _dask(address: str, workers: int):
    with dask_client(address, workers) as (client, info):
        # pure=False: two runs with equal arguments are still two runs, never deduplicated.
        yield client.get_executor(pure=False), info


def capacity(description: dict[str, Any]) -> int:
    """How many tasks to keep in flight: enough to keep every worker busy, no more."""
    slots = description.get("threads") or description.get("workers") or 1
    return 1 if description["kind"] == "inline" else max(2, 2 * slots)
