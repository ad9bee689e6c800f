"""Test-run settings shared by every test module.

The suite runs on pytest-xdist workers (``-n auto`` in pyproject.toml): the model, browser and
notebook tests are CPU-bound and independent, so two workers on two cores cut the full run
by about a third. More than four workers would mostly start more Chromiums and Dask clusters
than the tests can use, so ``auto`` is capped there. ``-n 0`` runs everything in one process
(for a debugger or ``-x``).

It also holds the one real Dask cluster fixture (``dask_cluster``) that the experiment and
calibration tests share.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def pytest_xdist_auto_num_workers(config) -> int:
    """Workers for ``-n auto``: one per core this process may use, at most four."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, 4))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=15)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real `dask scheduler` and two single-threaded `dask worker` processes on 127.0.0.1,
    started the way a user starts them; every process group started here is stopped in
    ``finally``. Used by the experiment and the calibration tests."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask")
    dask = str(BIN / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    with open(tmp / "dask.log", "w") as log:
        common = {"cwd": tmp, "start_new_session": True, "stdout": log,
                  "stderr": subprocess.STDOUT}
        try:
            procs.append(subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1",
                                           "--port", str(port), "--no-dashboard"], **common))
            for i in range(2):
                procs.append(subprocess.Popen(
                    [dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                     "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}",
                     "--local-directory", str(tmp / f"w{i}")], **common))
            with Client(address, timeout="60s") as client:
                client.wait_for_workers(2, timeout=90)
            yield address
        finally:
            _stop(procs)
