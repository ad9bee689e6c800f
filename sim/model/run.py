"""Running the model to its horizon: one run, or several regimes on one seed, over a street.

Rare outcomes (court filings) need more events than one community produces in a year.
Rather than inventing a larger community, ``communities = K`` runs K independent
communities of the configured size, each from its own seed derived from the run's seed
(community 0 uses the run's seed itself, so K = 1 is the plain model), and adds up their
counts before computing the summary and the daily shares.

Several regimes on one seed (:func:`simulate_regimes`) run side by side, day by day, and
their controls share one five-actor twin; a five-actor run asked for beside them is that
twin. Each result is exactly what :func:`simulate` gives for that regime alone.

>>> from sim.model import simulate
>>> result = simulate({"n_residents": 500, "days": 30}, regime="five", seed=1)
>>> sorted(result.summary)[:2]
['admin_share_of_staff_hours', 'backfires']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import metrics
from .community import CommunityModel
from .controls import FiveTwin
from .params import Params
from .regimes import REGIMES

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
    return simulate_regimes(params, [regime], seed, model_class)[regime]


def simulate_regimes(params: dict[str, Any] | Params | None, regimes: Sequence[str],
                     seed: int, model_class: type[CommunityModel] = CommunityModel
                     ) -> dict[str, RunResult]:
    """Run each of ``regimes`` with ``seed``, side by side; results by regime.

    The controls among them share one five-actor twin (each would otherwise build its own),
    so a paired comparison of five with its controls costs about one run per regime.
    """
    if not isinstance(params, Params):
        params = Params.from_dict(dict(params or {}))
    counts: dict[str, list] = {r: [] for r in regimes}
    frames: dict[str, list] = {r: [] for r in regimes}
    for k in range(params.communities):
        for regime, model in _run_side_by_side(params, regimes, community_seed(seed, k),
                                               model_class).items():
            counts[regime].append(metrics.measured(model))
            frames[regime].append(
                model.datacollector.get_model_vars_dataframe().reset_index(drop=True))
            model.remove_all_agents()  # release the Mesa agents at once (many-run sweeps)
    return {r: _pooled(counts[r], frames[r]) for r in regimes}


def _run_side_by_side(params: Params, regimes: Sequence[str], seed: int,
                      model_class: type[CommunityModel]) -> dict[str, CommunityModel]:
    """One community under each regime, stepped day by day in lockstep to the horizon."""
    twin = None
    if any(REGIMES[r].control for r in regimes if r in REGIMES):
        five = model_class(regime="five", params=params, rng=seed)
        five.keeps_daily_series = "five" in regimes
        twin = FiveTwin(five)
    models = {r: twin.model if (r == "five" and twin) else
              model_class(regime=r, params=params, rng=seed, twin=twin) for r in regimes}
    stepped = [m for m in models.values() if twin is None or m is not twin.model]
    for day in range(params.days):
        if twin:
            twin.advance(day)      # before the controls read what five gave today
        for model in stepped:
            model.step()
    return models


def _pooled(counts: list[dict], frames: list[pd.DataFrame]) -> RunResult:
    if len(frames) == 1:
        return RunResult(metrics.summary_from(counts[0]), metrics.derive_daily(frames[0]))
    return RunResult(metrics.summary_from(metrics.pool(counts)), metrics.pool_daily(frames))


def community_seed(seed: int, k: int) -> int:
    """Seed of community ``k`` of a street whose run seed is ``seed``."""
    if k == 0:
        return seed
    state = np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(1, dtype=np.uint64)
    return int(state[0]) & _INT63
