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

import itertools
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
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

# How often the loop looks up from waiting on the executor to see whether Ctrl-C was pressed
# (the signal handler only counts; the loop does the work, outside the handler).
POLL_SECONDS = 0.2


class Abandoned(KeyboardInterrupt):
    """A second Ctrl-C: the tasks in flight are given up (see :class:`Interrupts`)."""


class Interrupts:
    """Ctrl-C as a request to an :class:`InFlight` loop, while the ``with`` block lasts.

    The first SIGINT asks the loop to stop: nothing more is submitted, the queued tasks
    (those no worker has started) are cancelled, and the running ones finish and are
    yielded, so the caller stores them. The second SIGINT abandons the running ones: the
    loop raises :class:`Abandoned` (the caller's executor then terminates its workers).
    A third restores Python's own handler. The handler itself only counts, except while a
    task runs in this very thread (``InlineExecutor``), where no loop can look up: then it
    says so at once and, the second time, raises :class:`Abandoned` itself.

    Installed only in the main thread (elsewhere signals cannot be caught) and only where
    SIGINT is not ignored (a background job, ``nohup``); otherwise it counts nothing and
    the loop behaves as before.
    """

    def __init__(self) -> None:
        self.count = 0
        self.inline_task: Any = None      # the task running in this thread, if any
        self.on_inline: Callable[[Any], None] | None = None
        self.announced = False            # on_inline said it already
        self._previous: Any = None

    def __enter__(self) -> Self:
        import signal

        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # nohup, `cmd &`
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handle(self, signum, frame) -> None:
        import signal

        self.count += 1
        if self.count >= 3:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        if self.inline_task is not None:
            if self.count == 1 and self.on_inline is not None:
                self.announced = True
                self.on_inline(self.inline_task)
            elif self.count == 2:
                raise Abandoned


class InFlight:
    """Run ``fn(task)`` for every task on ``pool``, yielding ``(task, future)`` as each ends.

    At most ``in_flight`` tasks are submitted at a time (see :func:`capacity`), and the next
    one goes as soon as one finishes: enough to keep every worker busy, without handing a
    whole sweep to the executor at once (a process pool or a Dask scheduler would hold every
    queued task, arguments included, in memory, and nothing could be stopped). Once
    ``cancel`` is set nothing more is submitted; the tasks in flight still finish and are
    yielded. With ``interrupts`` (an entered :class:`Interrupts`), the first Ctrl-C also
    stops submitting and cancels the queued tasks, calling ``on_stop(running)`` with the
    tasks that will still finish (``stopped`` is then true); the second raises
    :class:`Abandoned`. Leaving the ``with`` block (at the end, on the caller's error or on
    Ctrl-C) cancels the futures not yet started; :attr:`unfinished` then names the tasks
    submitted whose results were never yielded. Tasks are submitted in the order given;
    results arrive in the order they finish::

        with InFlight(pool, run_task, tasks, capacity(info)) as flight:
            for task, future in flight:
                store(task, future.result())
    """

    def __init__(self, pool: Executor, fn: Callable[[Any], Any], tasks: Iterable[Any],
                 in_flight: int, cancel: threading.Event | None = None,
                 interrupts: Interrupts | None = None,
                 on_stop: Callable[[list[Any]], None] | None = None):
        self._pool, self._fn, self._queue = pool, fn, iter(tasks)
        self._in_flight, self._cancel = max(1, in_flight), cancel
        self._interrupts, self._on_stop = interrupts, on_stop
        self._running: dict[Future, Any] = {}
        self.stopped = False                      # by the first Ctrl-C
        self.cancelled_tasks: list[Any] = []      # queued tasks cancelled then
        self._left_running: set[int] = set()      # ids of the tasks it let finish

    def __iter__(self) -> Iterator[tuple[Any, Future]]:
        self._top_up()
        while self._running:
            done, _ = wait(self._running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                task = self._running.pop(future)
                if future.cancelled() or _skipped(future):
                    self.cancelled_tasks.append(task)
                else:
                    yield task, future
            self._look_up()
            self._top_up()

    def _look_up(self) -> None:
        """Act on Ctrl-C: stop at the first, abandon at the second."""
        count = self._interrupts.count if self._interrupts else 0
        if count >= 2:
            raise Abandoned
        if count == 1 and not self.stopped:
            self.stopped = True
            started = started_futures(self._pool, list(self._running))
            for future in list(self._running):
                # queued: never runs (one handed to a worker already says no, and comes
                # back done or as Skipped)
                if future not in started and future.cancel():
                    self.cancelled_tasks.append(self._running.pop(future))
            running = [t for f, t in self._running.items() if f in started]
            self._left_running = {id(t) for t in running}
            if self._on_stop is not None and not self._interrupts.announced:
                self._on_stop(running)

    def _top_up(self) -> None:
        while len(self._running) < self._in_flight and not self.cancelled \
                and (task := next(self._queue, _END)) is not _END:
            if self._interrupts is not None:
                self._interrupts.inline_task = task   # the pool may run it right here
            try:
                self._running[self._pool.submit(self._fn, task)] = task
            finally:
                if self._interrupts is not None:
                    self._interrupts.inline_task = None
            self._look_up()

    @property
    def cancelled(self) -> bool:
        return self.stopped or (self._cancel is not None and self._cancel.is_set())

    @property
    def unfinished(self) -> list[Any]:
        """Tasks submitted whose results have not been yielded (yet)."""
        return list(self._running.values())

    @property
    def abandoned(self) -> list[Any]:
        """Of the unfinished tasks, those a worker was running when the first Ctrl-C came
        (the others would not have run anyway)."""
        return [t for t in self._running.values() if id(t) in self._left_running]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        for future in self._running:
            future.cancel()


def _skipped(future: Future) -> bool:
    """Whether a pool worker skipped the task (handed to it after the pool was stopped)."""
    return future.exception() is None and isinstance(future.result(), Skipped)


def started_futures(pool: Executor, futures: list[Future]) -> set[Future]:
    """The futures whose tasks a worker has started (or that are done): those the first
    Ctrl-C lets finish. An executor that knows better says so (``pool.started``: this
    module's process pool, which also stops the rest, and its Dask executor, which asks
    its workers what they execute); otherwise a running future counts as started."""
    started = getattr(pool, "started", None)
    if started is not None:
        try:
            return set(started(futures))
        except Exception:  # noqa: BLE001 - the cluster does not answer: keep them all
            return set(futures)
    return {f for f in futures if f.running() or f.done()}


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
        except KeyboardInterrupt:           # after the first Ctrl-C nothing runs any more;
            terminate_workers(pool)         # after the second, what runs is given up: now
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool's workers now, whatever they run (SIGTERM, as Python 3.14's
    ``ProcessPoolExecutor.terminate_workers`` does), and make sure the pool can shut down.

    A worker stopped while it writes a large result (a run's daily series) leaves half a
    message in the result pipe. The pool's manager thread then waits for the rest, and
    ``shutdown`` would wait for that thread forever, because this process holds the
    pipe's other end itself. So once the workers are gone this end is closed: the
    manager thread reads the end of the pipe, marks the pool broken and exits.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
    else:
        for process in processes:
            if process.is_alive():
                process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():                     # a worker that ignores SIGTERM
            process.kill()
            process.join(timeout=10)
    result_queue = getattr(pool, "_result_queue", None)
    writer = getattr(result_queue, "_writer", None)
    if writer is not None and not writer.closed:
        writer.close()


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
        pool = _Pool(workers, multiprocessing.get_context("fork"))
        list(pool.map(int, range(workers)))        # launches every worker process now
        return pool, "fork"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.experiments.tasks"])
    pool = _Pool(workers, context)
    try:
        list(pool.map(int, range(workers)))        # every worker started (and ready) now
    except BaseException:
        terminate_workers(pool)                    # Ctrl-C while they start: none left
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool, "forkserver"


class Skipped:
    """What a pool worker returns for a task it was handed after the pool was stopped."""


class _Pool(ProcessPoolExecutor):
    """A process pool that can stop what its workers have not started, and knows what
    they run.

    A process pool hands a task to its workers' queue before any worker is free (one more
    than it has workers), and a task in that queue can no longer be cancelled. So each
    task, as it starts in a worker, takes a lock shared with this process: if the pool was
    stopped (:meth:`started`), it returns :class:`Skipped` at once instead of running;
    otherwise it writes its number into its worker's slot, which :meth:`started` reads
    under the same lock to know exactly which tasks will still finish.
    """

    def __init__(self, workers: int, context):
        self._stop = context.Value("b", 0)                  # its lock guards the slots too
        self._slots = context.Array("q", [-1] * workers, lock=False)
        self._next_slot = context.Value("i", 0)
        self._numbers = itertools.count()
        self._by_number: dict[int, Future] = {}
        super().__init__(max_workers=workers, mp_context=context, initializer=start_worker,
                         initargs=(self._stop, self._slots, self._next_slot))

    def submit(self, fn, /, *args, **kwargs) -> Future:
        number = next(self._numbers)
        future = super().submit(_unless_stopped, number, fn, *args, **kwargs)
        self._by_number[number] = future
        future.add_done_callback(lambda _, n=number: self._by_number.pop(n, None))
        return future

    def started(self, futures: list[Future]) -> set[Future]:
        """Stop the pool (no task starts any more) and return those of ``futures`` that
        will still finish: the ones done and the ones a worker runs now."""
        with self._stop.get_lock():
            self._stop.value = 1
            running = {self._by_number.get(n) for n in self._slots if n >= 0}
        return {f for f in futures if f.done() or f in running}


# In a pool worker (set by start_worker): the pool's stop flag, the workers' slots, this
# worker's slot.
_STOP: Any = None
_SLOTS: Any = None
_SLOT = -1


def _unless_stopped(number: int, fn, /, *args, **kwargs):
    """Run ``fn`` in a pool worker, in its slot, unless the pool was stopped first."""
    if _STOP is None:
        return fn(*args, **kwargs)
    with _STOP.get_lock():
        if _STOP.value:
            return Skipped()
        _SLOTS[_SLOT] = number
    try:
        return fn(*args, **kwargs)
    finally:
        _SLOTS[_SLOT] = -1


def _os_threads() -> int:
    """Threads of this process as the OS counts them: Arrow's and DuckDB's native thread
    pools (started by reading stored results) count too, though Python's ``threading``
    does not see them; forking then could deadlock a child, and Python warns."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def start_worker(stop=None, slots=None, next_slot=None) -> None:
    """A pool worker's start: Ctrl-C ignored (a terminal sends it to the whole process
    group; the coordinating process decides what stops, see :class:`Interrupts`), the
    pool's stop flag and a slot taken (:class:`_Pool`), the whole model imported
    (``sim.model`` loads its parts on first use), then the start-up heap frozen."""
    import signal

    import sim.model

    global _STOP, _SLOTS, _SLOT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if stop is not None and next_slot is not None:
        with next_slot.get_lock():
            _SLOT = next_slot.value
            next_slot.value += 1
        _STOP, _SLOTS = stop, slots
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
            with _sigint_ignored():     # inherited by its worker processes: see Interrupts
                # no dashboard, and its HTTP server (health checks) on a free port: on
                # 8787, a second cluster on the machine printed a four-line warning
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None,
                                       scheduler_kwargs={"dashboard_address": ":0"})
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


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while processes are started in this block, so that they ignore it too:
    a terminal sends it to the whole process group, and this process decides what stops
    (:class:`Interrupts`). Only the main thread can change it."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
    with suppress(Exception):  # workers without a nanny: nothing to quiet
        client.run(_quiet, nanny=True)


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
        try:
            yield _dask_executor(client), info
        except KeyboardInterrupt:
            quiet_dask_logging()    # cancelling and closing must not print over our line
            raise


def _dask_executor(client) -> Executor:
    """``client.get_executor(pure=False)`` (two runs with equal arguments are still two
    runs, never deduplicated) that can also tell which of its futures a worker executes
    (:func:`started_futures`), so that the first Ctrl-C cancels only the queued ones."""
    from distributed.cfexecutor import ClientExecutor

    class DaskExecutor(ClientExecutor):
        def _wrap_future(self, future):
            wrapped = super()._wrap_future(future)
            wrapped.dask_key = future.key
            return wrapped

        def started(self, futures: list[Future]) -> set[Future]:
            quiet_dask_logging()    # asked when stopping: the cancellations are not news
            executing = set().union(*self._client.run(_executing_keys).values())
            return {f for f in futures
                    if f.done() or getattr(f, "dask_key", None) in executing}

    return DaskExecutor(client, pure=False)


def _executing_keys(dask_worker=None) -> list:
    """Runs on each worker: the keys of the tasks it is executing."""
    state = getattr(dask_worker, "state", None)
    tasks = getattr(state, "all_running_tasks", None) or getattr(state, "executing", ())
    return [ts.key for ts in tasks]


def quiet_dask_logging() -> None:
    """Silence dask.distributed's loggers in this process (a sweep being stopped closes
    its client with tasks still out, which distributed reports as warnings)."""
    import logging

    for name in ["distributed", *logging.Logger.manager.loggerDict]:
        if name == "distributed" or name.startswith(("distributed.", "tornado")):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def capacity(description: dict[str, Any]) -> int:
    """How many tasks to keep in flight: enough to keep every worker busy, no more."""
    slots = description.get("threads") or description.get("workers") or 1
    return 1 if description["kind"] == "inline" else max(2, 2 * slots)
