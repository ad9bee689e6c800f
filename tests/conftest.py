"""Test-run settings shared by every test module.

The suite runs on pytest-xdist workers (``-n auto`` in pyproject.toml): the model, browser and
notebook tests are CPU-bound and independent, so two workers on two cores cut the full run
by about a third. More than four workers would mostly start more Chromiums and Dask clusters
than the tests can use, so ``auto`` is capped there. ``-n 0`` runs everything in one process
(for a debugger or ``-x``).

Two things keep the two workers busy to the end (``--dist loadgroup`` in pyproject.toml):
tests that share an expensive module fixture (a calibration, a Dask cluster, the dashboard
server and its browser, a reference experiment) are one work unit, so the fixture is built
once and not once per worker; and the slow units are handed out first, so the last minutes
are spent on short tests that even out the two workers rather than on one long one.

It also holds the one real Dask cluster (``dask_cluster``, for the session) that the
experiment, calibration and Ctrl-C tests share.
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


# Fixtures that take seconds to build: tests using them are kept together. Module-scoped
# ones group a module's tests; the session's Dask cluster groups its users in every module.
SHARED_FIXTURES = frozenset({
    "synthetic", "dask_cluster", "server", "browser", "small", "compared", "stored",
    "finished", "existing_out",
})
SESSION_FIXTURES = frozenset({"dask_cluster"})


def _shared_groups(items) -> dict:
    """Item -> group name: per module, tests linked by a shared fixture form one group."""
    parent: dict[tuple, tuple] = {}

    def root(key):
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    used = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        keys = [("session" if name in SESSION_FIXTURES else module, name)
                for name in sorted(SHARED_FIXTURES & set(item.fixturenames))]
        used[item] = keys
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    return {item: "{}:{}".format(*root(keys[0])) for item, keys in used.items() if keys}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """On xdist workers, group tests sharing an expensive fixture (see the module docstring),
    then put the units holding slow tests first. Sorting is stable and the same on every
    worker; in one process (``-n 0``) the tests keep their file order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    groups = _shared_groups(items)
    for item, name in groups.items():
        item.add_marker(pytest.mark.xdist_group(name))
    slow_groups = {groups[i] for i in items if i in groups and i.get_closest_marker("slow")}

    def fast(item) -> bool:
        return item.get_closest_marker("slow") is None and groups.get(item) not in slow_groups

    items.sort(key=fast)


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


class DaskCluster:
    """A real `dask scheduler` and two single-threaded `dask worker` processes on 127.0.0.1,
    started the way a user starts them, at first use; stopped (every process group started
    here) when the tests using it are done, as an idle cluster's event loops cost about 15%
    of a core."""

    def __init__(self, folder: Path):
        self.folder, self.procs = folder, []
        self.address: str | None = None
        self.group: str | None = None   # the xdist group of the tests using it

    def start(self) -> str:
        from distributed import Client

        if self.address is not None:
            return self.address
        dask = str(BIN / "dask")
        port = _free_port()
        address = f"tcp://127.0.0.1:{port}"
        with open(self.folder / "dask.log", "a") as log:
            common = {"cwd": self.folder, "start_new_session": True, "stdout": log,
                      "stderr": subprocess.STDOUT}
            try:
                self.procs.append(subprocess.Popen(
                    [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"], **common))
                for i in range(2):
                    self.procs.append(subprocess.Popen(
                        [dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                         "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}",
                         "--local-directory", str(self.folder / f"w{i}")], **common))
                with Client(address, timeout="60s") as client:
                    client.wait_for_workers(2, timeout=90)
            except BaseException:
                self.stop()
                raise
        self.address = address
        return address

    def stop(self) -> None:
        _stop(self.procs)
        self.procs, self.address = [], None


_DASK: list[DaskCluster] = []


@pytest.fixture(scope="session")
def _dask(tmp_path_factory):
    _DASK.append(DaskCluster(tmp_path_factory.mktemp("dask")))
    yield _DASK[-1]
    _DASK.pop().stop()


@pytest.fixture
def dask_cluster(_dask, request):
    """The address of the session's Dask cluster (``DaskCluster``; about 12 CPU-seconds to
    start and prepare). Its users, the experiment, calibration and Ctrl-C tests, are one
    xdist group, so one worker starts it once, and stops it after the group's last test."""
    _dask.group = _group(request.node)
    return _dask.start()


def _group(item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    return marker.args[0] if marker else None


def pytest_runtest_teardown(item, nextitem):
    """Stop the Dask cluster after the last test of its xdist group (in one process, with
    no groups, at the end of the session)."""
    if _DASK and _DASK[-1].address is not None and _DASK[-1].group is not None and (
            nextitem is None or _group(nextitem) != _DASK[-1].group):
        _DASK[-1].stop()
