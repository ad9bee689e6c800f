"""Stateless seed derivation: a run's seed depends only on (root seed, scenario, replicate).

``SeedSequence(root, spawn_key=(scenario, rep))`` equals the matching child of
``SeedSequence(root).spawn(...)`` but needs no counter, so any subset of runs can be
(re)computed in any order, on any executor, and gets the same seed. The regime is
deliberately *not* part of the key: regimes compared within a replicate share their
seed (common random numbers), so their difference is not blurred by sampling noise.
"""

from __future__ import annotations

import numpy as np

_INT63 = (1 << 63) - 1   # keep seeds positive in a signed 64-bit column


def run_seed(root_seed: int, scenario: int, rep: int) -> int:
    """The model seed for every regime of replicate ``rep`` of ``scenario``."""
    sequence = np.random.SeedSequence(root_seed, spawn_key=(scenario, rep))
    return int(sequence.generate_state(1, dtype=np.uint64)[0]) & _INT63
