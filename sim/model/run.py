"""Running the model to its horizon: one run, or several regimes on one seed, over a street.

Rare outcomes (court filings) need more events than one community produces in a year.
Rather than inventing a larger community, ``communities = K`` simulates a street of K
communities of the configured size, each from its own seed derived from the run's seed
(community 0 uses the run's seed itself, so K = 1 is the plain model), and adds up their
counts before computing the summary and the daily shares. The street is one model over
shared arrays (``sim.model.street``), so a day costs per resident and per case rather than
per community; each of its communities is exactly the community simulated alone.

A street may also be cut into parts run in parallel processes (``workers``): part j holds
a contiguous range of the street's communities, each seeded as in the whole street, and the
parts' counts are pooled community by community as the street pools its own. Experiments
already keep every core busy with whole runs, so this is for one large street on its own
(``sim run --workers``): the summary is exactly the whole street's, and the daily series
agrees with it to rounding (each part adds up its own communities first).

Several regimes on one seed (:func:`simulate_regimes`) run side by side, day by day, and
their controls share one five-actor twin; a five-actor run asked for beside them is that
twin. Each result is exactly what :func:`simulate` gives for that regime alone.

>>> from sim.model import simulate
>>> result = simulate({"n_residents": 500, "days": 30}, regime="five", seed=1)
>>> sorted(result.summary)[:2]
['admin_share_of_staff_hours', 'backfires']
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
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
             graph: nx.Graph | None = None, workers: int = 1) -> RunResult:
    """Run ``params["days"]`` days under ``regime`` with ``seed`` (all communities pooled).

    ``params`` is a flat mapping of overrides of the defaults (validated: ConfigError on
    unknown keys or bad values) or a Params. ``model_class`` may be a subclass of
    CommunityModel that swaps a mechanism; it keeps the seeds, hence paired comparisons.
    ``graph``, a networkx Graph, is the residents' network (every community's, in a
    street); it sets the number of residents, and an ``n_residents`` that disagrees with it
    is refused (ConfigError), as on the command line. ``workers`` > 1 runs a street's
    communities in that many processes (see the module doc).
    """
    return simulate_regimes(params, [regime], seed, model_class, graph, workers)[regime]


def simulate_regimes(params: dict[str, Any] | Params | None, regimes: Sequence[str],
                     seed: int, model_class: type[CommunityModel] = CommunityModel,
                     graph: nx.Graph | None = None, workers: int = 1
                     ) -> dict[str, RunResult]:
    """Run each of ``regimes`` with ``seed``, side by side; results by regime.

    The controls among them share one five-actor twin (each would otherwise build its own),
    so a paired comparison of five with its controls costs about one run per regime. A
    street (``communities = K``) is one model per regime; its summary pools the counts of
    its communities and its daily series adds up their records day by day. ``graph`` and
    ``workers`` as in :func:`simulate`.
    """
    if not isinstance(params, Params):
        values = dict(params or {})
        params = Params.from_dict(values)
        if graph is not None and "n_residents" in values \
                and values["n_residents"] != graph.number_of_nodes():
            raise ConfigError(f"n_residents: {values['n_residents']} conflicts with the "
                              f"graph, which has {graph.number_of_nodes()} nodes; leave "
                              "n_residents out (the graph sets it)")
    if workers < 1:
        raise ConfigError(f"workers: must be at least 1, got {workers}")
    if workers > 1 and params.communities > 1:
        return _simulate_in_parts(params, regimes, seed, model_class, graph, workers)
    results = {}
    for regime, model in _run_side_by_side(params, regimes, seed, model_class, graph).items():
        results[regime] = _result(model_class, metrics.measured(model),
                                  metrics.derive_daily(model.daily_record_frame()))
        model.remove_all_agents()  # release the Mesa agents at once (many-run sweeps)
    return results


def _run_side_by_side(params: Params, regimes: Sequence[str], seed: int,
                      model_class: type[CommunityModel], graph: nx.Graph | None,
                      first_community: int = 0) -> dict[str, CommunityModel]:
    """One community under each regime, stepped day by day in lockstep to the horizon."""
    twin = None
    if any(REGIMES[r].control for r in regimes if r in REGIMES):
        five = model_class(regime="five", params=params, rng=seed, graph=graph,
                           first_community=first_community)
        five.keeps_daily_series = "five" in regimes
        twin = FiveTwin(five)
    models = {r: twin.model if (r == "five" and twin) else
              model_class(regime=r, params=params, rng=seed, twin=twin, graph=graph,
                          first_community=first_community)
              for r in regimes}
    stepped = [m for m in models.values() if twin is None or m is not twin.model]
    for day in range(params.days):
        if twin:
            twin.advance(day)      # before the controls read what five gave today
        for model in stepped:
            model.step()
    return models




def street_parts(communities: int, workers: int) -> list[tuple[int, int]]:
    """(first community, number of communities) of each part of a street cut into at most
    ``workers`` contiguous parts of nearly equal size."""
    n = min(workers, communities)
    bounds = [communities * j // n for j in range(n + 1)]
    return [(a, b - a) for a, b in pairwise(bounds)]


def _simulate_in_parts(params: Params, regimes: Sequence[str], seed: int,
                       model_class: type[CommunityModel], graph: nx.Graph | None,
                       workers: int) -> dict[str, RunResult]:
    """The street's parts in parallel processes, pooled community by community."""
    parts = street_parts(params.communities, workers)
    with ProcessPoolExecutor(len(parts), mp_context=_start_method()) as pool:
        futures = [pool.submit(_run_part, params.replace(communities=count), list(regimes),
                               seed, model_class, graph, first) for first, count in parts]
        done = [f.result() for f in futures]
    results = {}
    for regime in regimes:
        counts = metrics.pool([c for part in done for c in part[regime][0]])
        daily = metrics.pool_daily([part[regime][1] for part in done],
                                   [count for _, count in parts])
        results[regime] = _result(model_class, counts, daily)
    return results


def _result(model_class: type[CommunityModel], counts: dict[str, float],
            daily: pd.DataFrame) -> RunResult:
    """A run's result from its measured (pooled) counts: the catalogue's metrics, then the
    model class's own (extra_metrics)."""
    return RunResult({**metrics.summary_from(counts), **model_class.extra_summary(counts)},
                     daily)


def _start_method():
    """``fork`` where it is safe (one thread: the children start with the model already
    imported, at no cost), else a ``forkserver`` that imports the model once."""
    try:
        threads = len(os.listdir("/proc/self/task"))   # native threads count too
    except OSError:
        threads = 2
    if sys.platform == "linux" and threads == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.model.run"])
    return context


def _run_part(params: Params, regimes: list[str], seed: int,
              model_class: type[CommunityModel], graph: nx.Graph | None, first: int
              ) -> dict[str, tuple[list[dict[str, float]], pd.DataFrame]]:
    """One part of a street (its communities from ``first`` on): each regime's measured
    counts community by community, and its daily record."""
    out = {}
    for regime, model in _run_side_by_side(params, regimes, seed, model_class, graph,
                                           first).items():
        out[regime] = (metrics.measured_by_community(model), model.daily_record_frame())
        model.remove_all_agents()
    return out
