"""Test-run settings shared by every test module.

The suite runs on pytest-xdist workers (``-n auto`` in pyproject.toml): the model, browser and
notebook tests are CPU-bound and independent, so two workers on two cores cut the full run
by about a third. More than four workers would mostly start more Chromiums and Dask clusters
than the tests can use, so ``auto`` is capped there. ``-n 0`` runs everything in one process
(for a debugger or ``-x``).
"""

from __future__ import annotations

import os


def pytest_xdist_auto_num_workers(config) -> int:
    """Workers for ``-n auto``: one per core this process may use, at most four."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, 4))
