"""Model variants as first-class citizens: a subclass's own metrics are stored, reported
and queryable, and the model can be a factor of an experiment (variants paired on seeds).

The variant is ``tests/variants.py:OneShot`` (one intervention per dispute, two metrics of
its own). Runs are tiny: 1,500 residents, 120 days (the variant's metric needs a few disputes
in every run). The tests on the two-model experiment (12 runs) are marked slow; running one
variant through the runner is the fast check.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments import load_experiment, run_experiment
from sim.model import CommunityModel, Metric, simulate

PARAMS = {"n_residents": 1500, "days": 120, "dispute_rate_per_10k": 300.0}

FACTOR = """
[experiment]
name = "variants"
regimes = ["three", "five"]
replications = 3
days = 120
root_seed = 5
models = {standard = "", oneshot = "variants:OneShot"}

[fixed]
n_residents = 1500
dispute_rate_per_10k = 300.0

[analysis]
primary = ["unmet_need_share", "last_tries_per_dispute"]
"""


def test_a_variant_reports_its_own_metrics_pooled_over_a_street():
    from variants import OneShot

    one = simulate(PARAMS, "three", seed=4, model_class=OneShot).summary
    assert one["last_tries"] > 0
    assert one["last_tries_per_dispute"] == pytest.approx(one["last_tries"]
                                                          / one["disputes_total"])
    street = simulate({**PARAMS, "n_residents": 1500, "communities": 2}, "three", seed=4,
                      model_class=OneShot).summary
    assert street["last_tries"] >= one["last_tries"]      # community 0 is the same run
    standard = simulate(PARAMS, "three", seed=4).summary
    assert "last_tries" not in standard
    model = OneShot("three", rng=4, **PARAMS)
    model.run_model()
    assert model.summary()["last_tries"] == one["last_tries"]


def test_extra_counts_may_not_replace_the_models_counts():
    class Clash(CommunityModel):
        def extra_counts(self):
            return {"needs_unmet": 1.0}

    with pytest.raises(KeyError, match="needs_unmet"):
        simulate({"n_residents": 300, "days": 5}, "three", seed=1, model_class=Clash)


@pytest.fixture(scope="module")
def factor(tmp_path_factory):
    root = tmp_path_factory.mktemp("variants")
    spec = root / "variants.toml"
    spec.write_text(FACTOR)
    summary = run_experiment(spec, root / "out", workers=1, progress=False)
    assert summary.executed == 12 and summary.failed == 0
    return spec, root / "out"


@pytest.mark.slow
def test_the_model_as_a_factor_runs_every_variant_on_the_same_seeds(factor):
    _, out = factor
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(dict.fromkeys(runs["model"])) == ["standard", "oneshot"]
    seeds = runs.pivot_table(index=["rep", "regime"], columns="model", values="seed")
    assert (seeds["standard"] == seeds["oneshot"]).all()
    # the variant's metrics are columns; the standard model has no value for them
    assert runs.loc[runs["model"] == "oneshot", "last_tries"].gt(0).all()
    assert runs.loc[runs["model"] == "standard", "last_tries"].isna().all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["extra_metrics"]["last_tries_per_dispute"]["direction"] == "lower"
    assert "last_tries" in manifest["columns"]["metrics"]
    design = pd.read_parquet(out / "design.parquet")
    assert list(design["model"]) == ["standard", "oneshot"] and list(design["point"]) == [0, 0]


@pytest.mark.slow
def test_a_variants_metric_is_queryable(factor, capsys):
    _, out = factor
    sql = ("SELECT model, count(last_tries) AS n FROM runs GROUP BY model ORDER BY model")
    assert main(["query", str(out), sql, "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["model,n", "oneshot,6", "standard,0"]


def test_one_variant_as_the_model_stores_its_metrics(tmp_path):
    spec = tmp_path / "one.toml"
    spec.write_text(FACTOR.replace('models = {standard = "", oneshot = "variants:OneShot"}',
                                   'model = "variants:OneShot"')
                    .replace("replications = 3", "replications = 1"))
    assert load_experiment(spec).metric_names()[-2:] == ["last_tries", "last_tries_per_dispute"]
    run_experiment(spec, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert np.isfinite(runs["last_tries_per_dispute"]).all()


def test_a_bad_extra_metric_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    import variants

    class Shadowing(variants.OneShot):
        extra_metrics = (Metric("unmet_need_share", "again", "share", "lower"),)

    monkeypatch.setattr(variants, "Shadowing", Shadowing, raising=False)
    spec = tmp_path / "bad.toml"
    spec.write_text(FACTOR.replace("variants:OneShot", "variants:Shadowing"))
    assert main(["experiment", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "experiment.models" in err
    assert "already in the catalogue" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_report_compares_variants_paired_and_shows_their_metrics(factor, tmp_path):
    from sim.experiments import write_report

    _, out = factor
    md = write_report(out, tmp_path / "report").read_text()
    assert "## Model variants: each variant minus standard" in md
    assert "### oneshot - standard under five" in md and "### oneshot - standard under three" in md
    assert "## Model standard: sim.model:CommunityModel" in md
    assert "## Model oneshot: variants:OneShot" in md
    # the variant's own metric, labelled from its catalogue entry, judged as primary
    assert "Interventions that were a dispute's last try, per dispute started (per dispute)" in md
    models = pd.read_csv(tmp_path / "report" / "model_differences.csv")
    assert set(models["model"]) == {"oneshot"} and set(models["baseline_model"]) == {"standard"}
    assert set(models["regime"]) == {"three", "five"}
    row = models[(models["regime"] == "five") & (models["metric"] == "unmet_need_share")].iloc[0]
    runs = pd.read_parquet(out / "runs.parquet")
    wide = runs[runs["regime"] == "five"].pivot(index="rep", columns="model",
                                                values="unmet_need_share")
    assert row["diff"] == pytest.approx((wide["oneshot"] - wide["standard"]).mean())
    assert row["n"] == 3 and row["family"] == "primary"
    diffs = pd.read_csv(tmp_path / "report" / "differences.csv")
    assert set(diffs["model"]) == {"standard", "oneshot"}
    mine = diffs[(diffs["model"] == "oneshot") & (diffs["metric"] == "last_tries_per_dispute")]
    assert len(mine) == 1 and mine["family"].iloc[0] == "primary"
    figures = {p.relative_to(tmp_path / "report" / "figures").as_posix()
               for p in (tmp_path / "report" / "figures").rglob("*.png")}
    assert {"standard/diff_s0.png", "oneshot/diff_s0.png",
            "models_oneshot_five_base.png"} <= figures


def test_mesa_batch_run_reports_a_variants_metrics():
    import mesa
    from variants import OneShot

    results = mesa.batch_run(OneShot, parameters={"regime": "three", **PARAMS}, rng=[4],
                             max_steps=PARAMS["days"], number_processes=1,
                             display_progress=False)
    last = results[-1]
    one = simulate(PARAMS, "three", seed=4, model_class=OneShot).summary
    assert last["last_tries"] == one["last_tries"]
    assert last["last_tries_per_dispute"] == pytest.approx(one["last_tries_per_dispute"])
