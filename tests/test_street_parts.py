"""A street cut into parts run in parallel processes (``simulate(..., workers=N)``,
``sim run --workers N``) is the whole street: the same summary, number for number, and the
same daily series to rounding (each part adds up its own communities' records first)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from paths import SIM

from sim.model import simulate_regimes
from sim.model.run import street_parts


def test_parts_are_contiguous_nearly_equal_and_cover_the_street():
    assert street_parts(5, 2) == [(0, 2), (2, 3)]
    assert street_parts(3, 8) == [(0, 1), (1, 1), (2, 1)]
    for k, w in [(100, 2), (7, 3), (1000, 16)]:
        parts = street_parts(k, w)
        firsts = [first for first, _ in parts]
        sizes = [n for _, n in parts]
        assert firsts == np.cumsum([0, *sizes[:-1]]).tolist() and sum(sizes) == k
        assert max(sizes) - min(sizes) <= 1


@pytest.mark.slow
def test_a_street_in_two_processes_is_the_street_in_one():
    """Three communities in two parts (one part a single community, not first of the
    street), under five and the matched control that shares five's twin."""
    params = {"n_residents": 1500, "days": 240, "communities": 3}
    regimes = ["three", "five", "three-equal-resources-matched"]
    whole = simulate_regimes(params, regimes, seed=3)
    split = simulate_regimes(params, regimes, seed=3, workers=2)
    assert whole["five"].summary["needs_total"] > 100       # a street with work to do
    for regime in regimes:
        a, b = whole[regime].summary, split[regime].summary
        assert a.keys() == b.keys()
        assert all(a[k] == b[k] or (np.isnan(a[k]) and np.isnan(b[k])) for k in a), regime
        da, db = whole[regime].daily, split[regime].daily
        assert list(da.columns) == list(db.columns) and len(da) == len(db) == 240
        np.testing.assert_allclose(db.to_numpy(float), da.to_numpy(float), rtol=1e-12,
                                   atol=1e-12)


def test_sim_run_refuses_workers_out_of_range():
    proc = subprocess.run([*SIM, "run", "--workers", "0"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "sim: error: --workers: must be in [1, 256], got 0"]
