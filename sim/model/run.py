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

import networkx as nx
import numpy as np
import pandas as pd

from . import metrics
from .community import CommunityModel
from .controls import FiveTwin
from .errors import ConfigError
from .params import Params
from .regimes import REGIMES

_INT63 = (1 << 63) - 1


@dataclass
class RunResult:
    """Outcome of one run: the summary metrics and the daily series (measured days)."""

    summary: dict[str, float]
    daily: pd.DataFrame


def simulate(params: dict[str, Any] | Params | None, regime: str, seed: int,
             model_class: type[CommunityModel] = CommunityModel,
             graph: nx.Graph | None = None) -> RunResult:
    """Run ``params["days"]`` days under ``regime`` with ``seed`` (all communities pooled).

    ``params`` is a flat mapping of overrides of the defaults (validated: ConfigError on
    unknown keys or bad values) or a Params. ``model_class`` may be a subclass of
    CommunityModel that swaps a mechanism; it keeps the seeds, hence paired comparisons.
    ``graph``, a networkx Graph, is the residents' network (every community's, in a
    street); it sets the number of residents, and an ``n_residents`` that disagrees with it
    is refused (ConfigError), as on the command line.
    """
    return simulate_regimes(params, [regime], seed, model_class, graph)[regime]


def simulate_regimes(params: dict[str, Any] | Params | None, regimes: Sequence[str],
                     seed: int, model_class: type[CommunityModel] = CommunityModel,
                     graph: nx.Graph | None = None) -> dict[str, RunResult]:
    """Run each of ``regimes`` with ``seed``, side by side; results by regime.

    The controls among them share one five-actor twin (each would otherwise build its own),
    so a paired comparison of five with its controls costs about one run per regime.
    ``graph`` as in :func:`simulate`.
    """
    if not isinstance(params, Params):
        values = dict(params or {})
        params = Params.from_dict(values)
        if graph is not None and "n_residents" in values \
                and values["n_residents"] != graph.number_of_nodes():
            raise ConfigError(f"n_residents: {values['n_residents']} conflicts with the "
                              f"graph, which has {graph.number_of_nodes()} nodes; leave "
                              "n_residents out (the graph sets it)")
    counts: dict[str, list] = {r: [] for r in regimes}
    frames: dict[str, list] = {r: [] for r in regimes}
    for k in range(params.communities):
        for regime, model in _run_side_by_side(params, regimes, community_seed(seed, k),
                                               model_class, graph).items():
            counts[regime].append(metrics.measured(model))
            frames[regime].append(model.daily_record_frame())
            model.remove_all_agents()  # release the Mesa agents at once (many-run sweeps)
    return {r: _pooled(counts[r], frames[r], model_class) for r in regimes}


def _run_side_by_side(params: Params, regimes: Sequence[str], seed: int,
                      model_class: type[CommunityModel], graph: nx.Graph | None
                      ) -> dict[str, CommunityModel]:
    """One community under each regime, stepped day by day in lockstep to the horizon."""
    twin = None
    if any(REGIMES[r].control for r in regimes if r in REGIMES):
        five = model_class(regime="five", params=params, rng=seed, graph=graph)
        five.keeps_daily_series = "five" in regimes
        twin = FiveTwin(five)
    models = {r: twin.model if (r == "five" and twin) else
              model_class(regime=r, params=params, rng=seed, twin=twin, graph=graph)
              for r in regimes}
    stepped = [m for m in models.values() if twin is None or m is not twin.model]
    for day in range(params.days):
        if twin:
            twin.advance(day)      # before the controls read what five gave today
        for model in stepped:
            model.step()
    return models


def _pooled(counts: list[dict], frames: list[pd.DataFrame],
            model_class: type[CommunityModel] = CommunityModel) -> RunResult:
    """The run's summary (the catalogue's metrics, then the model class's extra_metrics)
    and daily series, from the counts of its communities."""
    pooled = counts[0] if len(frames) == 1 else metrics.pool(counts)
    summary = {**metrics.summary_from(pooled), **model_class.extra_summary(pooled)}
    daily = metrics.derive_daily(frames[0]) if len(frames) == 1 else metrics.pool_daily(frames)
    return RunResult(summary, daily)


def community_seed(seed: int, k: int) -> int:
    """Seed of community ``k`` of a street whose run seed is ``seed``."""
    if k == 0:
        return seed
    state = np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(1, dtype=np.uint64)
    return int(state[0]) & _INT63
