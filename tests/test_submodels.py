"""Unit tests of the submodels: per-case dice, dispatch, budgets, needs, dispute stages,
volunteer dynamics. Small communities and a few days each."""

import numpy as np
import pytest
from scipy import stats

from sim.model import CommunityModel, Params
from sim.model.agents import Budget
from sim.model.capabilities import COMPLAINT, CONFLICT, COURT, FRICTION, Need
from sim.model.dispatch import DispatchRule
from sim.model.needs import _prefix_fill
from sim.model.streams import Draw, Streams

TINY = {"n_residents": 400, "days": 30}


# --- randomness ------------------------------------------------------------------------

def test_per_case_dice_are_a_pure_function_of_seed_kind_case_and_step():
    a, b = Streams(7), Streams(7)
    ids = np.arange(1000, dtype=np.uint64)
    first = a.uniform(Draw.DISPUTE_ESCALATION, ids, 12)
    # another order, a subset, and draws of other kinds in between: same numbers
    a.uniform(Draw.NEED_HIDDEN, ids)
    assert np.array_equal(b.uniform(Draw.DISPUTE_ESCALATION, ids[::-1], 12)[::-1], first)
    assert np.array_equal(b.uniform(Draw.DISPUTE_ESCALATION, ids[500:], 12), first[500:])
    assert not np.array_equal(a.uniform(Draw.DISPUTE_ESCALATION, ids, 13), first)
    assert not np.array_equal(a.uniform(Draw.DISPUTE_REPORT, ids, 12), first)
    assert not np.array_equal(Streams(8).uniform(Draw.DISPUTE_ESCALATION, ids, 12), first)


def test_several_dice_at_once_are_the_same_as_one_at_a_time():
    s = Streams(7)
    ids = np.arange(50, dtype=np.uint64) * np.uint64(2**40 + 1)
    draws = [(Draw.NEED_PICKUP, 0), (Draw.NEED_PICKUP, 2), (Draw.DISPUTE_BACKFIRE, 9)]
    rows = s.uniforms(draws, ids)
    for row, (kind, step) in zip(rows, draws, strict=True):
        assert np.array_equal(row, s.uniform(kind, ids, step))
    assert np.array_equal(s.uniforms(draws, ids[3])[:, 0], rows[:, 3])


def test_neighbours_are_the_rows_of_the_adjacency_matrix():
    community = CommunityModel("three", rng=2, **TINY).community
    rng = np.random.default_rng(0)
    for who in (np.zeros(0, dtype=np.int64), np.array([0]), np.array([community.n - 1, 5]),
                rng.choice(community.n, 60, replace=False)):
        expected = community.adjacency[who].indices
        got = community.neighbours(who)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_per_case_dice_are_uniform_and_independent():
    s = Streams(3)
    u = s.uniform(Draw.NEED_REFUSAL, np.arange(200_000, dtype=np.uint64), 5)
    assert u.min() >= 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 0.001
    v = s.uniform(Draw.NEED_SCOPE, np.arange(200_000, dtype=np.uint64), 5)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01


def test_the_model_never_draws_from_mesas_generators():
    model = CommunityModel("five", rng=1, **TINY)
    with pytest.raises(RuntimeError, match="streams"):
        model.random.random()
    with pytest.raises(RuntimeError, match="streams"):
        model.rng.integers(5)
    model.run_model()  # every mechanism ran without touching them
    assert model.steps == TINY["days"]


# --- dispatch ----------------------------------------------------------------------------

def test_pickup_falls_with_eligible_actor_types_unless_leadership_is_clear():
    p = Params(responsibility_diffusion=0.2, party_leadership=0.0, registry_effect=0.0)
    rule = DispatchRule.for_linkage(p, 3)
    assert rule.pickup_now(np.array([1, 2, 3])) == pytest.approx([1.0, 0.8, 0.64])
    clear = DispatchRule.for_linkage(p.replace(party_leadership=1.0), 3)
    assert clear.pickup_now(np.array([5])) == pytest.approx([1.0])


def test_registry_changes_accuracy_and_diffusion_only_beyond_three_actor_types():
    p = Params(registry_effect=0.25, base_dispatch_accuracy=0.6, party_leadership=0.0,
               responsibility_diffusion=0.4)
    three, five = DispatchRule.for_linkage(p, 3), DispatchRule.for_linkage(p, 5)
    assert (three.accuracy, three.diffusion) == pytest.approx((0.6, 0.4))
    assert five.accuracy == pytest.approx(0.6 + 0.5 * 0.4) and five.diffusion == pytest.approx(0.2)
    worse = DispatchRule.for_linkage(p.replace(registry_effect=-0.25), 5)
    assert worse.accuracy == pytest.approx(0.3) and worse.diffusion == pytest.approx(0.7)


# --- budgets and service -------------------------------------------------------------------

def test_a_budget_is_never_overdrawn():
    budget = Budget("hours")
    budget.open(5.0)
    assert budget.take(3.0) == 3.0 and budget.take(4.0) == 2.0 and budget.take(1.0) == 0.0
    assert budget.take(-2.0) == 0.0
    budget.close()
    assert budget.total_used == budget.total_available == 5.0


def test_prefix_fill_serves_in_order_until_capacity_runs_out():
    assert _prefix_fill(np.array([2.0, 3.0, 4.0]), 6.0).tolist() == [2.0, 3.0, 1.0]
    assert _prefix_fill(np.array([2.0, 3.0]), 0.0).tolist() == [0.0, 0.0]


def test_visible_needs_wait_for_nothing_and_hidden_ones_for_their_report_day():
    model = CommunityModel("three", rng=2, **TINY, self_report_days=0.0)
    model.step()
    assert model.needs.open_hidden() == 0
    slow = CommunityModel("three", rng=2, n_residents=3000, days=30, self_report_days=300.0,
                          home_visit_share=0.0)
    for _ in range(10):
        slow.step()
    assert slow.needs.open_hidden() > 0
    assert slow.tally["needs_unmet_undiscovered"] > 0


def test_material_needs_are_paid_in_yuan_by_relief_and_charity():
    params = {"n_residents": 3000, "days": 60, "hidden_share_material_hardship": 0.0,
              "stranger_refusal_share": 0.0}
    broke = CommunityModel("three", rng=5, **params, relief_fund_yuan_per_10k=0.0)
    broke.run_model()
    assert broke.summary()["unmet_share_material_hardship"] == 1.0
    assert broke.summary()["unmet_relief_yuan"] > 0
    rich = CommunityModel("three", rng=5, **params, relief_fund_yuan_per_10k=1e7)
    rich.run_model()
    assert rich.summary()["unmet_share_material_hardship"] == 0.0
    assert rich.summary()["relief_spent"] == pytest.approx(
        rich.tally["needs_met_material_hardship"] * 300.0)


def test_social_organizations_serve_only_needs_the_contract_covers():
    params = {"n_residents": 3000, "days": 60, "community_staff_per_10k": 0.0,
              "social_workers_per_10k": 0.0, "party_member_hours_per_day": 0.0}
    covered = CommunityModel("three", rng=4, **params)
    covered.run_model()
    bare = CommunityModel("three", rng=4, **params,
                          **{f"contract_scope_{n}": 0.0 for n in
                             ("elder_care", "child_care", "disability_support", "psychological",
                              "emergency")})
    bare.run_model()
    assert covered.social_orgs.hours.total_used > 0
    assert bare.social_orgs.hours.total_used == 0
    assert bare.summary()["unmet_need_share"] > covered.summary()["unmet_need_share"]


def test_no_contract_hours_in_the_gap_between_contracts():
    model = CommunityModel("three", rng=1, **{**TINY, "days": 10}, contract_length_days=5,
                           contract_gap_days=5, contract_elapsed_days=0)
    hours = []
    for _ in range(10):
        model.step()
        hours.append(model.social_orgs.hours.available)
    assert all(h > 0 for h in hours[:5]) and all(h == 0 for h in hours[5:])


# --- disputes ---------------------------------------------------------------------------

DISPUTES_ONLY = {"n_residents": 1000, "days": 40, "dispute_rate_per_10k": 3000.0,
                 "need_rate_scale": 0.0, "emergency_shocks_per_10k": 0.0,
                 "reignition_per_year": 0.0, "grievance_onset_weight": 0.0}


def test_disputes_climb_one_stage_a_day_when_escalation_is_certain():
    params = {**DISPUTES_ONLY, "escalation_hazard_scale": 1.0, "escalation_friction": 1.0,
              "escalation_conflict": 1.0, "escalation_complaint": 1.0,
              "community_staff_per_10k": 0.0, "social_workers_per_10k": 0.0,
              "party_member_hours_per_day": 0.0}
    model = CommunityModel("three", rng=3, log_disputes=True, **params)
    model.run_model()
    by_case = {}
    for day, case, what, stage in model.disputes.events:
        by_case.setdefault(case, []).append((day, what, stage))
    onsets = [e for e in by_case.values() if e[0][1] == "onset" and e[0][0] < 30]
    assert onsets
    for events in onsets:  # onset at friction; conflict, complaint, court on the next days
        day0 = events[0][0]
        stages = [(d - day0, s) for d, what, s in events if what == "escalated"]
        assert stages == [(0, CONFLICT), (1, COMPLAINT), (2, COURT)]
        assert events[-1][1] == "court"
    open_complaints = model.disputes.stage_counts()[2]
    assert model.summary()["court_filings"] == model.summary()["complaints"] - open_complaints


def test_court_is_absorbing_and_counted_once():
    model = CommunityModel("three", rng=3, **{**DISPUTES_ONLY, "escalation_hazard_scale": 20.0})
    model.run_model()
    c = model.disputes.cols
    assert (c["stage"] < COURT).all()  # court cases left the book
    assert model.tally["court_filings"] == model.disputes.ended["court"]


def test_frictions_are_seen_only_through_volunteer_ties():
    params = {**DISPUTES_ONLY, "escalation_hazard_scale": 0.0, "lumping_friction": 0.0}
    three = CommunityModel("three", rng=3, **params)
    three.run_model()
    assert not three.disputes.cols["known"].any()  # frictions stay unknown
    five = CommunityModel("five", rng=3, **params, volunteer_detection_prob=1.0)
    five.run_model()
    assert five.disputes.cols["known"].any()


def test_a_true_resolution_restores_the_parties_baseline_grievance():
    params = {**DISPUTES_ONLY, "conflict_report_prob": 1.0, "escalation_friction": 1.0,
              "escalation_conflict": 0.0, "grievance_per_unmet_need": 0.0,
              **{f"mediation_success_{m}_conflict": 1.0 for m in ("platform", "social_worker")},
              **{f"true_resolution_{m}_conflict": 1.0 for m in ("platform", "social_worker")}}
    model = CommunityModel("three", rng=2, **params)
    model.run_model()
    s = model.summary()
    assert s["true_resolution_share"] == 1.0 and model.tally["disputes_resolved"] > 0
    pop = model.population
    assert np.allclose(pop.grievance, pop.baseline_grievance)


def test_escalation_share_counts_only_settled_fates():
    model = CommunityModel("three", rng=3, **{**DISPUTES_ONLY, "days": 60,
                                              "settled_after_days": 1000})
    model.run_model()
    fate = model.disputes.fate_counts()
    assert fate["settled"] == 0 and fate["censored"] > 0
    s = model.summary()
    assert s["dispute_escalation_share"] == pytest.approx(
        fate["court"] / (fate["court"] + fate["resolved"]) if fate["court"] + fate["resolved"]
        else 0.0)


# --- volunteers ----------------------------------------------------------------------------

def test_burnout_below_the_exit_threshold_makes_volunteers_inactive():
    params = {**TINY, "days": 60, "volunteer_active_share": 0.5,
              "volunteer_burnout_rate": 1.0, "volunteer_recovery_rate": 0.0,
              "volunteer_reactivation_per_year": 0.0, "volunteer_recruitment_per_year": 0.0,
              "volunteer_quit_per_year": 0.0}
    model = CommunityModel("five", rng=2, **params)
    start = model.population.active.sum()
    model.run_model()
    pop = model.population
    assert pop.active.sum() < start
    gone = model.volunteers.active_at_start & ~pop.active
    assert (pop.motivation[gone] < model.p.volunteer_exit_motivation).all()
    assert pop.registered[gone].all()  # registered but inactive


def test_inactive_volunteers_come_back_and_ties_recruit_new_ones():
    params = {**TINY, "days": 120, "volunteer_reactivation_per_year": 50.0,
              "volunteer_recruitment_per_year": 30.0}
    model = CommunityModel("five", rng=2, **params)
    registered = model.population.registered.copy()
    model.run_model()
    pop = model.population
    assert (pop.active & registered & ~model.volunteers.active_at_start).any()  # came back
    recruits = pop.registered & ~registered
    assert recruits.any() and pop.adult[recruits].all()


def test_need_types_index_the_names_in_order():
    assert [n.name.lower() for n in Need][:2] == ["elder_care", "child_care"]
    assert FRICTION == 1 and COURT == 4


def test_the_counts_are_declared_once_and_a_misspelt_count_is_refused():
    """Every run holds exactly the declared counts, in their declared order, whatever
    happened; a count nobody declared fails at once instead of starting from 0."""
    from sim.model.metrics import COUNTS

    quiet = CommunityModel("five", rng=1, n_residents=200, days=3, dispute_rate_per_10k=0.0)
    quiet.run_model()
    busy = CommunityModel("five", rng=1, n_residents=2000, days=60,
                          dispute_rate_per_10k=500.0)
    busy.run_model()
    assert tuple(quiet.tally) == tuple(busy.tally) == COUNTS
    assert busy.tally["disputes_onsets"] > 0 and quiet.tally["disputes_onsets"] == 0
    with pytest.raises(KeyError, match="not a count declared"):
        busy.tally["disputes_onset"] += 1


def test_the_streams_are_the_declared_ones():
    from sim.model.streams import STREAMS

    streams = Streams(1)
    assert all(isinstance(getattr(streams, name), np.random.Generator) for name in STREAMS)
    assert STREAMS[0] == "population" and len(set(STREAMS)) == len(STREAMS) == 10
