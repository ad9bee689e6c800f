"""Stateless seed derivation: a run's seed depends only on the root seed and a short key.

``SeedSequence(root, spawn_key=key)`` equals the matching child of
``SeedSequence(root).spawn(...)`` but needs no counter, so any subset of runs can be
(re)computed in any order, on any executor, and gets the same seed. The regime is never
part of the key: regimes compared within a replicate share their seed (common random
numbers), so their difference is not blurred by sampling noise.

Two rules choose the key:

* ``shared`` (the default): ``key = (rep,)``. Replicate r has one seed in *every*
  scenario, so differences between scenarios (grid cells, mechanism rows) are paired too.
* ``per-scenario``: ``key = (scenario, rep)``. Each scenario gets its own seeds, so
  scenarios are independent samples (what some designs' analyses assume).
"""

from __future__ import annotations

import numpy as np

_INT63 = (1 << 63) - 1   # keep seeds positive in a signed 64-bit column

SEED_RULES = ("shared", "per-scenario")

DERIVATION = {
    "shared": "numpy.random.SeedSequence(root_seed, spawn_key=(rep,)).generate_state(1, "
              "uint64)[0] & (2**63-1); shared by every scenario and regime of a replicate",
    "per-scenario": "numpy.random.SeedSequence(root_seed, spawn_key=(scenario, rep))"
                    ".generate_state(1, uint64)[0] & (2**63-1); shared by all regimes",
}


def run_seed(root_seed: int, *key: int) -> int:
    """The model seed for spawn key ``key``: ``run_seed(root, rep)`` under the shared rule,
    ``run_seed(root, scenario, rep)`` under the per-scenario rule."""
    sequence = np.random.SeedSequence(root_seed, spawn_key=tuple(int(k) for k in key))
    return int(sequence.generate_state(1, dtype=np.uint64)[0]) & _INT63


def seed_for(rule: str, root_seed: int, scenario: int, rep: int) -> int:
    """The seed of replicate ``rep`` of ``scenario`` under ``rule`` (one of SEED_RULES)."""
    if rule == "shared":
        return run_seed(root_seed, rep)
    if rule == "per-scenario":
        return run_seed(root_seed, scenario, rep)
    raise ValueError(f"unknown seed rule {rule!r} (known: {', '.join(SEED_RULES)})")
