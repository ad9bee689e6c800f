"""The model as a Mesa user meets it: agents, one clock, the DataCollector, batch_run,
extension by subclassing, and a layering that keeps the model free of files and CLIs."""

import math

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.model import Actor, CommunityModel, Resident, simulate
from sim.model.disputes import DisputeBook

TINY = {"n_residents": 300, "days": 12}


def test_residents_are_mesa_agents_built_only_when_asked_for():
    model = CommunityModel("five", rng=1, **TINY)
    assert Resident not in model.agents_by_type  # no cost when unused: only the actors
    assert len(model.agents) == len(model.linked) == 5
    residents = model.residents()
    assert model.residents() is residents and model.agents_by_type[Resident] == residents
    assert len(residents) == model.population.n == model.graph.number_of_nodes() == 300
    model.run_model()
    pop = model.population
    for agent in list(residents)[:50]:
        i = agent.index
        assert agent.vulnerable == bool(pop.vulnerable[i])
        assert agent.grievance == pytest.approx(pop.grievance[i])
        assert agent.open_needs == pop.open_needs[i]
        assert agent.age_group in ("60+", "adult", "child")
        assert agent.volunteer_state in ("active", "registered", "none")
        assert agent.dispute_stage == model.disputes.resident_stage()[i]
        assert agent.cell in model.network.all_cells
    # Mesa's own tools work on them
    vulnerable = residents.select(lambda a: a.vulnerable)
    assert len(vulnerable) == pop.vulnerable.sum()


def test_actors_are_mesa_agents_too():
    model = CommunityModel("five", rng=1, **TINY)
    kinds = {type(a).__name__ for a in model.agents if not isinstance(a, Resident)}
    assert {"CommunityPlatform", "SocialOrganizations", "SocialWorkers", "VolunteerCorps",
            "CharityPool"} <= kinds
    assert set(model.actors) == set(model.linked) == set(Actor)


def test_one_clock_mesa_steps_are_the_days():
    model = CommunityModel("three", rng=2, **TINY)
    for k in range(5):
        model.step()
        assert model.steps == k + 1 and model.today == k
        assert not hasattr(model, "day")    # one clock: Mesa's steps, and today within a step
    frame = model.daily_frame()
    assert frame["day"].tolist() == [1, 2, 3, 4, 5]


def test_the_datacollector_holds_the_daily_record_and_optional_resident_reporters():
    model = CommunityModel("five", rng=2, **TINY,
                           resident_reporters={"grievance": "grievance", "needs": "open_needs"})
    model.run_model()
    series = model.datacollector.get_model_vars_dataframe()
    assert len(series) == TINY["days"] and "needs_arrived" in series
    per_resident = model.datacollector.get_agenttype_vars_dataframe(Resident)
    assert len(per_resident) == TINY["days"] * 300
    assert set(per_resident.columns) >= {"grievance", "needs"}


def test_the_number_collector_records_what_mesas_own_datacollector_records():
    """The model's DataCollector skips Mesa's deep copy of each number (a speed-up): a
    plain mesa.DataCollector with the same reporters, collecting beside it, agrees."""

    class Beside(CommunityModel):
        def step(self):
            super().step()
            if self.record:
                self.mesas.collect(self)

    model = Beside("five", rng=4, **TINY, resident_reporters={"grievance": "grievance"})
    model.mesas = mesa.DataCollector(
        model_reporters=model.datacollector.model_reporters,
        agenttype_reporters={Resident: {"grievance": "grievance"}})
    model.run_model()
    ours, theirs = model.datacollector, model.mesas
    pd.testing.assert_frame_equal(ours.get_model_vars_dataframe(),
                                  theirs.get_model_vars_dataframe(), check_exact=True)
    pd.testing.assert_frame_equal(ours.get_agenttype_vars_dataframe(Resident),
                                  theirs.get_agenttype_vars_dataframe(Resident),
                                  check_exact=True)
    assert ours.get_model_vars_dataframe()["unmet_need_share"].notna().sum() == 1


def test_mesa_batch_run_works_on_the_model():
    results = mesa.batch_run(CommunityModel,
                             parameters={"regime": ["three", "five"], "n_residents": [300],
                                         "days": [10]},
                             rng=[1, 2], max_steps=10, number_processes=1,
                             data_collection_period=-1, display_progress=False)
    assert len(results) == 4
    assert {r["regime"] for r in results} == {"three", "five"}
    assert all(r["needs_unmet_to_date"] >= 0 for r in results)
    again = mesa.batch_run(CommunityModel, parameters={"regime": ["five"], "n_residents": [300],
                                                       "days": [10]},
                           rng=[2], max_steps=10, number_processes=1, display_progress=False)
    five_2 = next(r for r in results if r["regime"] == "five" and r["rng"] == 2)
    assert again[0]["needs_met_to_date"] == five_2["needs_met_to_date"]


def test_mesa_batch_run_returns_the_catalogue_summary_of_each_run():
    """Model reporters evaluated at the end (Mesa's documented way): every summary metric,
    equal to what simulate() reports for the same run; NaN on the days before the last."""
    from sim.model import METRICS, simulate

    results = mesa.batch_run(CommunityModel,
                             parameters={"regime": ["five"], "n_residents": [1500],
                                         "days": [40]},
                             rng=[3], number_processes=1, data_collection_period=-1,
                             display_progress=False)
    [run] = results
    expected = simulate({"n_residents": 1500, "days": 40}, "five", 3).summary
    for name in METRICS:
        key = f"summary_{name}" if name in ("needs_unmet", "court_filings",
                                            "donations_total") else name
        assert run[key] == pytest.approx(expected[name], nan_ok=True), name
    model = CommunityModel("five", rng=3, n_residents=1500, days=40)
    model.step()
    assert math.isnan(model.datacollector.get_model_vars_dataframe()["unmet_need_share"].iloc[0])


def test_the_api_takes_a_graph_and_refuses_a_size_that_contradicts_it():
    import networkx as nx

    from sim.model import ConfigError, simulate

    graph = nx.karate_club_graph()
    result = simulate({"days": 20}, "three", 1, graph=graph)
    assert result.daily["residents"].iloc[0] == 34
    for make in (lambda: simulate({"days": 20, "n_residents": 2000}, "three", 1, graph=graph),
                 lambda: CommunityModel(graph=graph, n_residents=2000)):
        with pytest.raises(ConfigError, match="n_residents: 2000 conflicts with the graph"):
            make()


class NoSecondChances(DisputeBook):
    """A swapped mechanism: a failed intervention is never tried again."""

    def _outcome(self, i, mediator, day, volunteer_gain):
        super()._outcome(i, mediator, day, volunteer_gain)
        self.cols["next_try"][i] = 10**9


class OneShotModel(CommunityModel):
    dispute_book = NoSecondChances


def test_a_mechanism_is_swapped_by_subclassing_and_keeps_paired_seeds():
    params = {"n_residents": 2000, "days": 365, "dispute_rate_per_10k": 300.0}
    base = simulate(params, "three", seed=4)
    variant = simulate(params, "three", seed=4, model_class=OneShotModel)
    assert variant.summary["needs_total"] == base.summary["needs_total"]  # same arrivals
    assert variant.summary["disputes_total"] == base.summary["disputes_total"]

    def per_dispute(s):
        return s["mediation_success_share"]
    assert per_dispute(variant.summary) != per_dispute(base.summary)


def test_numpy_arrays_not_lists_hold_disputes():
    model = CommunityModel("three", rng=1, n_residents=2000, days=60,
                           dispute_rate_per_10k=500.0)
    model.run_model()
    assert all(isinstance(v, np.ndarray) for v in model.disputes.cols.values())


def test_a_subclassed_model_runs_through_sim_experiment(tmp_path, capsys):
    """Named in the experiment file, the variant keeps the paired seeds, resume and report."""
    import pandas as pd

    from sim.cli import main

    body = """[experiment]
name = "variant"
regimes = ["three"]
replications = 2
days = 120
root_seed = 5
{model}
[fixed]
n_residents = 1500
dispute_rate_per_10k = 1000.0
"""
    runs = {}
    for name, model in (("base", ""), ("variant", 'model = "test_mesa:OneShotModel"')):
        spec = tmp_path / f"{name}.toml"
        spec.write_text(body.format(model=model))
        assert main(["experiment", str(spec), "--out", str(tmp_path / name), "--workers", "1",
                     "--quiet"]) == 0
        runs[name] = pd.read_parquet(tmp_path / name / "runs.parquet").set_index("rep")
    assert (runs["base"]["seed"] == runs["variant"]["seed"]).all()
    assert (runs["base"]["needs_total"] == runs["variant"]["needs_total"]).all()
    assert (runs["base"]["mediation_success_share"]
            != runs["variant"]["mediation_success_share"]).any()
    bad = tmp_path / "bad.toml"
    bad.write_text(body.format(model='model = "test_mesa:TINY"'))
    assert main(["experiment", str(bad), "--out", str(tmp_path / "bad")]) == 2
    assert "experiment.model" in capsys.readouterr().err
