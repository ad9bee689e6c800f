"""Ctrl-C during a sweep: the first stores the runs in flight and stops, the second abandons
them at once; either way exit code 130, one line each, and a resume equals an
uninterrupted run.

The slow tests send SIGINT to a real ``sim experiment`` process, on a real local process
pool and on the real Dask cluster of tests/conftest.py; the fast ones drive the submission
loop (``InFlight``) with an executor whose futures never start.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest
from paths import ROOT, SIM

from sim.experiments import run_experiment
from sim.experiments.executors import Abandoned, InFlight, InlineExecutor, Interrupts

# 16 runs (8 pairs) of under a second each on the shared 2-core machine: long enough to be
# stopped mid-sweep with runs in flight, short enough for a test. Not fewer: a pool keeps
# twice its workers' tasks in flight, and after two interrupts runs must be left unstored.
RUNS = 16
SWEEP = f"""
[experiment]
name = "interrupted"
regimes = ["three", "five"]
replications = {RUNS // 2}
days = 240
root_seed = 5

[fixed]
n_residents = 600
"""
STOPPING = re.compile(r"sim: stopping: waiting for (\d+) running runs to finish and store "
                      r"them; Ctrl-C again to abandon them")
INTERRUPTED = re.compile(rf"sim: interrupted: (\d+) runs stored in this session \((\d+) of "
                         rf"{RUNS} in .*\), the rest not run; rerun the same command to resume")
ABANDONED = re.compile(r"sim: abandoned (\d+) running runs; the (\d+) runs stored in .* are "
                       r"kept \((\d+) of them from this session\); rerun the same command to "
                       r"resume")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The experiment file and its uninterrupted results (any executor gives the same)."""
    root = tmp_path_factory.mktemp("interrupt")
    spec = root / "sweep.toml"
    spec.write_text(SWEEP)
    run_experiment(spec, root / "whole", workers=2, progress=False)
    return spec, root / "whole"


def stored(out: Path) -> int:
    runs = out / "parts" / "runs"
    return len(list(runs.glob("*.parquet"))) if runs.is_dir() else 0


def interrupt(spec: Path, out: Path, times: int, *extra: str) -> tuple[int, list[str], float]:
    """Start ``sim experiment``, wait until it has stored two runs, send SIGINT to its
    process group (pool workers included, as Ctrl-C in a terminal does); with ``times=2``
    send the second as soon as it says it is stopping. Returns the exit code, the stderr
    lines and the seconds from the last SIGINT to the exit."""
    before = stored(out)
    proc = subprocess.Popen([*SIM, "experiment", str(spec), "--out", str(out), "--quiet",
                             *extra], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal)
    try:
        deadline = time.monotonic() + 240
        while stored(out) < before + 2:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)        # as a terminal's Ctrl-C: to the group
        sent = time.monotonic()
        lines = [proc.stderr.readline().rstrip("\n")]
        if times == 2:
            os.killpg(proc.pid, signal.SIGINT)
            sent = time.monotonic()
        # a command that hangs is killed after two minutes and fails here, not at the
        # suite's timeout
        watchdog = threading.Timer(120, os.killpg, (proc.pid, signal.SIGKILL))
        watchdog.start()
        lines += proc.stderr.read().splitlines()
        code = proc.wait(timeout=120)
        watchdog.cancel()
        return code, lines, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _assert_group_gone(proc.pid)


def _ctrl_c_as_in_a_terminal() -> None:
    """The child takes SIGINT as a terminal's Ctrl-C even when the test runner ignores it
    (a suite started with ``nohup`` or ``&`` passes SIG_IGN on, and sim then rightly leaves
    SIGINT alone)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _assert_group_gone(pgid: int) -> None:
    """No process of the command's group (its pool workers, the forkserver) outlives it."""
    deadline = time.monotonic() + 10
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            raise AssertionError("processes of the interrupted command were left running")
        time.sleep(0.1)


def assert_resume_equals_whole(spec: Path, out: Path, whole: Path, *extra: str) -> None:
    proc = subprocess.run([*SIM, "experiment", str(spec), "--out", str(out), "--quiet",
                           *extra], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for name in ("runs", "daily"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"),
                                      pd.read_parquet(whole / f"{name}.parquet"),
                                      check_exact=True)


def check_first(code: int, lines: list[str], seconds: float, out: Path) -> None:
    assert code == 130, lines
    assert len(lines) == 2 and "distributed" not in "\n".join(lines), lines
    waiting = STOPPING.fullmatch(lines[0])
    done = INTERRUPTED.fullmatch(lines[1])
    assert waiting and done, lines
    # the runs of the tasks running (two workers), or done and not yet stored
    assert int(waiting.group(1)) in (2, 4, 6, 8)
    assert int(done.group(2)) == stored(out) < RUNS
    assert seconds < 60, seconds                     # the runs in flight, then out


def check_second(code: int, lines: list[str], seconds: float, out: Path) -> None:
    assert code == 130, lines
    assert len(lines) == 2 and "distributed" not in "\n".join(lines), lines
    assert STOPPING.fullmatch(lines[0]), lines
    gone = ABANDONED.fullmatch(lines[1])
    assert gone and int(gone.group(2)) == stored(out) < RUNS, lines
    assert seconds < 10, seconds                     # at once: nothing waited for


@pytest.mark.slow
def test_process_pool_first_then_second_ctrl_c(finished, tmp_path):
    """On a process pool: a first Ctrl-C stores the runs in flight; in the resumed sweep, a
    second abandons them at once (one sweep for both, as the Dask test does)."""
    spec, whole = finished
    out = tmp_path / "out"
    check_first(*interrupt(spec, out, 1, "--workers", "2"), out)
    check_second(*interrupt(spec, out, 2, "--workers", "2"), out)
    assert_resume_equals_whole(spec, out, whole, "--workers", "2")


@pytest.mark.slow
def test_dask_first_and_second_ctrl_c(finished, dask_cluster, tmp_path):
    spec, whole = finished
    out = tmp_path / "out"
    check_first(*interrupt(spec, out, 1, "--scheduler", dask_cluster), out)
    check_second(*interrupt(spec, out, 2, "--scheduler", dask_cluster), out)
    assert_resume_equals_whole(spec, out, whole, "--scheduler", dask_cluster)


@pytest.mark.slow
def test_a_local_dask_cluster_lets_the_runs_in_flight_finish(finished, tmp_path):
    """--scheduler local starts its workers in this process group: they ignore the
    terminal's Ctrl-C (they died of it, tracebacks and all, with the runs in flight)."""
    spec, _ = finished
    out = tmp_path / "out"
    check_first(*interrupt(spec, out, 1, "--scheduler", "local", "--workers", "2"), out)


# ---------------------------------------------------------------- the loop itself


class _Queued(InlineExecutor):
    """Tasks listed in ``queued`` get a future no worker ever starts; the others run at
    submission."""

    def __init__(self, queued=()):
        self.queued, self.held = set(queued), []

    def submit(self, fn, /, *args, **kwargs):
        if args[0] not in self.queued:
            return super().submit(fn, *args, **kwargs)
        self.held.append(Future())
        return self.held[-1]


def test_first_ctrl_c_cancels_the_queued_and_yields_the_running():
    interrupts, stops = Interrupts(), []
    running = Future()
    running.set_running_or_notify_cancel()          # a worker has started this one

    class Pool(_Queued):
        def submit(self, fn, /, *args, **kwargs):
            return running if args[0] == 1 else super().submit(fn, *args, **kwargs)

    def on_stop(tasks):
        stops.append(tasks)
        running.set_result("1")                     # the running one finishes later

    pool = Pool(queued={2, 3})
    with InFlight(pool, str, range(10), 4, interrupts=interrupts, on_stop=on_stop) as flight:
        seen = []
        for task, _ in flight:
            seen.append(task)
            interrupts.count = 1                    # Ctrl-C, after the first task
    assert stops == [[1]] and sorted(seen) == [0, 1]
    assert all(f.cancelled() for f in pool.held) and sorted(flight.cancelled_tasks) == [2, 3]
    assert flight.stopped and flight.unfinished == []


def test_second_ctrl_c_abandons():
    interrupts = Interrupts()
    pool = _Queued(queued={1, 2})
    with pytest.raises(Abandoned), InFlight(pool, str, range(10), 3,
                                             interrupts=interrupts) as flight:
        for _ in flight:
            interrupts.count = 2
    assert sorted(flight.unfinished) == [1, 2]
    assert all(f.cancelled() for f in pool.held)


def test_a_worker_stopped_mid_result_does_not_hang_the_shutdown():
    """A worker stopped while it writes a large result leaves half a message in the result
    pipe; the pool's manager thread then waits for the rest. Written here by hand, that
    half message must not keep ``shutdown`` (after ``terminate_workers``) waiting."""
    import multiprocessing
    import struct
    from concurrent.futures import ProcessPoolExecutor

    from sim.experiments.executors import terminate_workers

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    assert pool.submit(int, "7").result(timeout=60) == 7          # manager thread running
    writer = pool._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 200_000) + b"\x80" * 10)  # half a message
    time.sleep(0.2)                                # the manager thread now waits for the rest
    terminate_workers(pool)
    done = threading.Event()
    stopper = threading.Thread(target=lambda: (pool.shutdown(wait=True), done.set()),
                               daemon=True)
    stopper.start()
    assert done.wait(timeout=30), "shutdown waits for a result that will never come"
