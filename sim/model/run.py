"""Running the model to its horizon: one run, or a street of independent communities.

Rare outcomes (court filings) need more events than one community produces in a year.
Rather than inventing a larger community, ``communities = K`` runs K independent
communities of the configured size, each from its own seed derived from the run's seed
(community 0 uses the run's seed itself, so K = 1 is the plain model), and adds up their
counts before computing the summary and the daily shares.

>>> from sim.model import simulate
>>> result = simulate({"n_residents": 500, "days": 30}, regime="five", seed=1)
>>> sorted(result.summary)[:2]
['admin_share_of_staff_hours', 'backfires']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import metrics
from .community import CommunityModel
from .params import Params

_INT63 = (1 << 63) - 1


@dataclass
class RunResult:
    """Outcome of one run: the summary metrics and the daily series (measured days)."""

    summary: dict[str, float]
    daily: pd.DataFrame


def simulate(params: dict[str, Any] | Params | None, regime: str, seed: int,
             model_class: type[CommunityModel] = CommunityModel) -> RunResult:
    """Run ``params["days"]`` days under ``regime`` with ``seed`` (all communities pooled).

    ``params`` is a flat mapping of overrides of the defaults (validated: ConfigError on
    unknown keys or bad values) or a Params. ``model_class`` may be a subclass of
    CommunityModel that swaps a mechanism; it keeps the seeds, hence paired comparisons.
    """
    if not isinstance(params, Params):
        params = Params.from_dict(dict(params or {}))
    summary, daily = run_street(params, regime, seed, model_class)
    return RunResult(summary=summary, daily=daily)


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
