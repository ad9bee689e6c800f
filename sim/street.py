"""A street (街道): K independent communities simulated side by side, their metrics pooled.

Rare outcomes (court filings) need more events than one community produces in a year.
Rather than inventing a larger community, ``communities = K`` runs K independent
communities of the configured size, each from its own seed derived from the run's seed
(community 0 uses the run's seed itself, so K = 1 is the plain model), and adds up their
counts before computing the summary and the daily shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import metrics
from sim.model import CommunityModel
from sim.params import Params

_INT63 = (1 << 63) - 1


def community_seed(seed: int, k: int) -> int:
    """Seed of community ``k`` of a street whose run seed is ``seed``."""
    if k == 0:
        return seed
    state = np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(1, dtype=np.uint64)
    return int(state[0]) & _INT63


def run_street(params: Params, regime: str, seed: int,
               model_class: type[CommunityModel] = CommunityModel
               ) -> tuple[dict[str, float], pd.DataFrame]:
    """Run ``params.communities`` communities to the horizon; pooled summary and daily series."""
    counts, frames = [], []
    for k in range(params.communities):
        model = model_class(regime=regime, params=params, rng=community_seed(seed, k))
        model.run_model()
        counts.append(metrics.measured(model))
        frames.append(model.datacollector.get_model_vars_dataframe().reset_index(drop=True))
        model.remove_all_agents()  # release the Mesa agents at once (many-run sweeps)
    if len(frames) == 1:
        return metrics.summary_from(counts[0]), metrics.derive_daily(frames[0])
    return metrics.summary_from(metrics.pool(counts)), metrics.pool_daily(frames)
