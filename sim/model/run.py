"""Running the model to its horizon: one run, or several regimes on one seed, over a street.

Rare outcomes (court filings) need more events than one community produces in a year.
Rather than inventing a larger community, ``communities = K`` simulates a street of K
communities of the configured size, each from its own seed derived from the run's seed
(community 0 uses the run's seed itself, so K = 1 is the plain model), and adds up their
counts before computing the summary and the daily shares. The street is one model over
shared arrays (``sim.model.street``), so a day costs per resident and per case rather than
per community; each of its communities is exactly the community simulated alone.

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
import pandas as pd

from . import metrics
from .community import CommunityModel
from .controls import FiveTwin
from .errors import ConfigError
from .params import Params
from .regimes import REGIMES
from .streams import community_seed

__all__ = ["RunResult", "community_seed", "simulate", "simulate_regimes"]


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
    so a paired comparison of five with its controls costs about one run per regime. A
    street (``communities = K``) is one model per regime; its summary pools the counts of
    its communities and its daily series adds up their records day by day. ``graph`` as in
    :func:`simulate`.
    """
    if not isinstance(params, Params):
        values = dict(params or {})
        params = Params.from_dict(values)
        if graph is not None and "n_residents" in values \
                and values["n_residents"] != graph.number_of_nodes():
            raise ConfigError(f"n_residents: {values['n_residents']} conflicts with the "
                              f"graph, which has {graph.number_of_nodes()} nodes; leave "
                              "n_residents out (the graph sets it)")
    results = {}
    for regime, model in _run_side_by_side(params, regimes, seed, model_class, graph).items():
        counts = metrics.measured(model)
        # the catalogue's metrics, then the model class's own (extra_metrics)
        results[regime] = RunResult({**metrics.summary_from(counts),
                                     **model_class.extra_summary(counts)},
                                    metrics.derive_daily(model.daily_record_frame()))
        model.remove_all_agents()  # release the Mesa agents at once (many-run sweeps)
    return results


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


