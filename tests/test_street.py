"""A street (街道) of communities as one vectorised model (``communities = K``).

A street is simulated over shared arrays, but each of its communities must be exactly the
community simulated alone (its own network, actors, budgets and seed) and the street's
results the pooled results of its communities (sim/model/street.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim.model.street as street_module
from sim.model import (
    REGIMES,
    CommunityModel,
    ConfigError,
    Params,
    community_seed,
    metrics,
    simulate,
    simulate_regimes,
)
from sim.model.regimes import LINKAGE, MATCHED_NAME, matched_name
from sim.model.run import _run_side_by_side
from sim.model.street import Street, prefix_fill, segment_sums

SMALL = {"n_residents": 1500, "days": 120}
# Many disputes and volunteers, a contract renewal (the contract ends on day 20, the next
# starts on day 85, cut by crowd-out) and a warm-up: every mechanism at work.
BUSY = {"n_residents": 1400, "days": 120, "warmup_days": 20, "contract_elapsed_days": 280,
        "dispute_rate_per_10k": 1000.0,
        "volunteer_active_share": 0.3, "volunteer_hours_per_month": 20.0,
        "skilled_volunteer_share": 0.3, "crowd_out_elasticity": 0.8,
        "volunteer_backfire_prob": 0.5, "stranger_refusal_share": 0.4}
# Tiny communities of which some have no volunteer who can ever be active and some no
# adult to give: their streets link different actor types community by community.
UNEVEN = {"n_residents": 40, "days": 75, "volunteer_reactivation_per_year": 0.0,
          "volunteer_active_share": 0.1, "volunteer_registration_share": 0.5,
          "share_children": 0.9, "supermarket_yuan_per_10k": 0.0,
          "dispute_rate_per_10k": 3000.0}
# Python adds a community's actors' hours used with a rule that depends on their number
# types (float or numpy float), which a street's arrays do not keep: that daily column may
# differ in its last digit.
ROUNDED_DAILY = {"hours_used"}


def _same(a: dict, b: dict) -> list[str]:
    """Keys whose values differ (NaN equals NaN)."""
    return [k for k in a if not (a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k])
                                                 and math.isnan(b[k])))]


def _alone(params: dict, regimes: list[str], seed: int, k: int):
    """The regimes' runs of community ``k`` of the street, simulated alone."""
    one = Params.from_dict({**params, "communities": 1})
    return _run_side_by_side(one, regimes, community_seed(seed, k), CommunityModel, None)


def _one_by_one(params: dict, regimes: list[str], seed: int, communities: int,
                counts: dict[str, list] | None = None):
    """Today's path: each community alone, counts pooled, daily records added up. Each
    community's counts are kept in ``counts[regime]`` if given."""
    counts = {r: [] for r in regimes} if counts is None else counts
    frames: dict[str, list] = {r: [] for r in regimes}
    for k in range(communities):
        for regime, model in _alone(params, regimes, seed, k).items():
            counts.setdefault(regime, []).append(metrics.measured(model))
            frames[regime].append(model.daily_record_frame())
    return {r: (metrics.summary_from(metrics.pool(counts[r])), metrics.pool_daily(frames[r]))
            for r in regimes}


def _assert_street_is_its_communities(params: dict, regimes: list[str], seed: int,
                                      communities: int) -> tuple[dict, dict[str, list]]:
    """Assert the street is its communities; return the street's runs and each regime's
    counts of each community alone (for the caller to check the run had the events the
    comparison needs)."""
    street = simulate_regimes({**params, "communities": communities}, regimes, seed)
    counts: dict[str, list] = {}
    alone = _one_by_one(params, regimes, seed, communities, counts)
    for regime in regimes:
        summary, daily = alone[regime]
        assert _same(street[regime].summary, summary) == [], regime
        mine = street[regime].daily
        assert list(mine.columns) == list(daily.columns)
        exact = [c for c in mine if c not in ROUNDED_DAILY]
        assert mine[exact].equals(daily[exact]), regime
        np.testing.assert_allclose(mine["hours_used"], daily["hours_used"], rtol=1e-12)
    return street, counts


def _in_every_community(counts: dict[str, list], regime: str, *keys: str) -> bool:
    """Whether each of ``keys`` counted something in every community under ``regime``."""
    return all(part[key] > 0 for part in counts[regime] for key in keys)


ALL_REGIMES = [*REGIMES, matched_name(["supervision", "crowd_out"]), matched_name(LINKAGE)]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_a_street_equals_its_communities_simulated_one_by_one(seed):
    """Every regime, controls and matched family included: the street's summary is the
    pooled summary of its communities simulated alone, number for number (at the defaults,
    60 days: every community has needs its budgets leave unmet, under every regime)."""
    _, counts = _assert_street_is_its_communities({**SMALL, "days": 60}, ALL_REGIMES, seed, 3)
    assert all(_in_every_community(counts, r, "needs_arrived", "needs_unmet", "needs_met")
               for r in ALL_REGIMES)
    assert _in_every_community(counts, "five", "volunteer_active_days", "charity_spent_"
                               "material_hardship")


@pytest.mark.slow
def test_a_busy_street_with_a_warm_up_equals_its_communities():
    street, counts = _assert_street_is_its_communities(BUSY, ALL_REGIMES, 3, 3)
    # what the comparison must have seen, in every community: disputes that escalate,
    # re-ignite and are mediated, needs refused and left unmet; and in the street, court
    # cases and volunteers who backfire
    for regime in ALL_REGIMES:
        assert _in_every_community(counts, regime, "complaints", "disputes_reignited",
                                   "disputes_mediated", "needs_unmet", "needs_refused"), regime
    assert all(sum(part[key] for part in counts["five"]) > 0
               for key in ("backfires", "court_filings"))
    # the renewed contract is cut by crowd-out where there are donations
    assert street["five"].summary["government_spent"] \
        < street["three"].summary["government_spent"]


def test_a_street_whose_communities_link_different_actors_equals_them():
    """Where a community has no volunteers or donors it links fewer actor types (fewer
    coordination channels, other dispatch): in a street too."""
    street = CommunityModel("five", rng=1, communities=8, **UNEVEN)
    assert len(street.group_linked) > 1     # the street really is uneven
    _, counts = _assert_street_is_its_communities(UNEVEN, ["three", "five", MATCHED_NAME], 1, 8)
    for regime in ("three", "five", MATCHED_NAME):  # needs and disputes to compare
        assert sum(p["needs_unmet"] > 0 for p in counts[regime]) >= 6, regime
        assert sum(p["disputes_onsets"] for p in counts[regime]) > 8, regime


def test_each_community_of_a_street_is_the_community_alone():
    """Not only pooled: community by community, every count of the run."""
    params = {**SMALL, "days": 90}
    street = CommunityModel("five", rng=4, communities=3, **params)
    street.run_model()
    for k, part in enumerate(metrics.measured_by_community(street)):
        alone = CommunityModel("five", rng=community_seed(4, k), **params)
        alone.run_model()
        expected = metrics.measured(alone)
        assert _same(part, expected) == []


def test_the_matched_control_keeping_every_linkage_mechanism_is_five_in_a_street():
    params = {**BUSY, "days": 150, "communities": 3}
    runs = simulate_regimes(params, ["five", matched_name(LINKAGE)], 2)
    assert _same(runs["five"].summary, runs[matched_name(LINKAGE)].summary) == []
    assert runs["five"].daily.equals(runs[matched_name(LINKAGE)].daily)


def test_exogenous_arrivals_of_each_community_are_common_across_regimes():
    """Common random numbers in a street: every community's needs and potential disputes
    are the same under every regime (grievance feedback off)."""
    params = {**SMALL, "days": 90, "communities": 3, "grievance_per_unmet_need": 0.0}
    runs = {r: CommunityModel(r, rng=5, **params) for r in ("three", "five")}
    for model in runs.values():
        model.run_model()
    arrived = {r: m.tally["needs_arrived"] for r, m in runs.items()}
    onsets = {r: m.tally["disputes_onsets"] for r, m in runs.items()}
    assert np.array_equal(arrived["three"], arrived["five"]) and arrived["five"].min() > 0
    assert np.array_equal(onsets["three"], onsets["five"])


def test_residents_of_different_communities_are_not_tied():
    model = CommunityModel("five", rng=1, n_residents=300, days=5, communities=4)
    community = model.population.community
    edges = model.community.edges
    assert model.population.n == 1200 and np.bincount(community).tolist() == [300] * 4
    assert (community[edges[:, 0]] == community[edges[:, 1]]).all()
    residents = model.residents()                 # Mesa agents, built when asked for
    assert len(residents) == 1200 == model.graph.number_of_nodes()
    model.run_model()
    assert model.datacollector.get_model_vars_dataframe()["residents"].iloc[-1] == 1200


def test_a_street_logs_each_dispute_with_its_community():
    params = {"n_residents": 500, "days": 60, "dispute_rate_per_10k": 2000.0}
    street = CommunityModel("three", rng=2, communities=2, log_disputes=True, **params)
    street.run_model()
    second = CommunityModel("three", rng=community_seed(2, 1), log_disputes=True, **params)
    second.run_model()
    of_second = [(day, case & ((1 << 48) - 1), what, stage)
                 for day, case, what, stage in street.disputes.events if case >> 48 == 1]
    assert of_second == second.disputes.events and of_second


def test_the_street_is_limited_to_what_memory_allows():
    assert Params(communities=1000, n_residents=10_000).communities == 1000
    with pytest.raises(ConfigError, match="residents in all"):
        Params(communities=1000, n_residents=10_001)
    with pytest.raises(ConfigError, match="communities"):
        Params.from_dict({"communities": 1001})


@pytest.mark.slow
@pytest.mark.parametrize("regime", ["five", MATCHED_NAME])
def test_a_street_matches_independent_communities_in_distribution(regime):
    """On other seeds, not paired: six streets of 2 communities against six pairs of
    communities simulated one by one (1,500 residents, 150 days, disputes at about nine
    times their default rate so that the dispute outcomes rest on events); the means of
    the outcomes agree within sampling error (4 standard errors of the difference)."""
    params = {"n_residents": 1500, "days": 150, "dispute_rate_per_10k": 300.0}
    keys = ["unmet_need_share", "complaints_per_10k", "mediated_disputes_per_10k",
            "charity_spent", "volunteer_hours_worked", "cost_per_resolved_case"]
    street = [simulate({**params, "communities": 2}, regime, seed).summary
              for seed in range(1, 7)]
    alone = [_one_by_one(params, [regime], seed, 2)[regime][0] for seed in range(101, 107)]
    assert all(sum(s[key] for s in side) > 0 for side in (street, alone)
               for key in ("complaints_per_10k", "mediated_disputes_per_10k"))
    for key in keys:
        a = np.array([s[key] for s in street])
        b = np.array([s[key] for s in alone])
        error = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        print(f"{key}: street {a.mean():.4g}, alone {b.mean():.4g}, "
              f"{abs(a.mean() - b.mean()) / error if error else 0:.2f} standard errors")
        assert abs(a.mean() - b.mean()) <= 4 * error + 1e-12, (key, a.mean(), b.mean())


# --- the arithmetic of a street ----------------------------------------------------------

@pytest.mark.parametrize("few_runs", [0, street_module._FEW_RUNS], ids=["runs", "loop"])
def test_per_community_sums_are_numpy_sums_of_each_community(few_runs, monkeypatch):
    """Both ways of filling a street's budgets (a loop over a few communities, Runs for many;
    ``few_runs`` 0 always takes Runs) fill each community as it alone would."""
    monkeypatch.setattr(street_module, "_FEW_RUNS", few_runs)
    rng = np.random.default_rng(0)
    for trial in range(300):
        k = int(rng.integers(2, 8 if trial % 3 else 40))   # past _FEW_RUNS in some trials
        lengths = rng.integers(0, 300 if trial % 5 == 0 else 40, size=k)
        parts = [rng.random(n) * 10.0 ** rng.integers(-3, 4) for n in lengths]
        values = np.concatenate(parts)
        community = np.repeat(np.arange(lengths.size), lengths)
        assert np.array_equal(segment_sums(values, community, lengths.size),
                              [part.sum() for part in parts])
        capacity = rng.random(lengths.size) * 40
        filled, totals = Street([1] * lengths.size).fill(values, capacity, community)
        alone = [prefix_fill(part, cap) for part, cap in zip(parts, capacity, strict=True)]
        assert np.array_equal(filled, np.concatenate(alone))
        assert np.array_equal(totals, [a.sum() for a in alone])


def test_float_sums_are_python_sums():
    rng = np.random.default_rng(1)
    street = Street([1] * 50)
    values = [rng.random(50) * 10.0 ** rng.integers(-3, 6) for _ in range(5)]
    expected = [sum(column) for column in zip(*(v.tolist() for v in values), strict=True)]
    assert street.float_sum(values).tolist() == expected


@pytest.mark.slow  # four street-years and the report's figures: several seconds
def test_sim_compare_on_a_street_says_what_the_outcomes_rest_on(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "cmp"
    assert main(["compare", "--communities", "2", "--years", "1", "--residents", "300",
                 "--reps", "2", "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "each a street of 2 communities of 300 residents (600 in all), 365 days: 4 paired " \
           "community-years" in text
    assert "complaints_per_10k rests on" in text and "court_filings_per_10k rests on" in text
    assert "communities = 2" in (out / "experiment.toml").read_text()
    assert main(["compare", "--years", "2", "--days", "10", "--out", str(tmp_path / "x")]) == 2
    assert "--years" in capsys.readouterr().err


def test_a_street_on_a_user_graph_gives_every_community_that_network():
    import networkx as nx

    graph = nx.watts_strogatz_graph(400, 6, 0.1, seed=3)
    street = simulate({"days": 60, "communities": 3}, "five", 7, graph=graph)
    parts = []
    for k in range(3):
        model = CommunityModel("five", rng=community_seed(7, k), graph=graph, days=60)
        model.run_model()
        parts.append(metrics.measured(model))
    assert _same(street.summary, metrics.summary_from(metrics.pool(parts))) == []
    assert street.daily["residents"].iloc[0] == 1200
