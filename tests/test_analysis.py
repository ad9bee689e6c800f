"""The one statistic (paired t-intervals, catalogue verdicts, Holm), the design analyses
(ANOVA, HC3 regression), and `sim compare` as a built-in experiment that agrees with
`sim report` and with the dashboard's in-memory pairs.

Synthetic tables test the statistics exactly; the command tests use tiny real runs
(300 residents, 20 days; the 3x3 grid 200 residents, 30 days).
"""

from __future__ import annotations

import importlib.metadata
import json
import threading

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.compare import paired_table, run_pairs
from sim.experiments import analysis
from sim.experiments.analysis import (
    difference_anova,
    difference_regression,
    judge,
    minimum_detectable_effect,
    paired_differences,
    t_interval,
)
from sim.model import METRICS, Params, format_number

# ---------------------------------------------------------------- the statistic


def test_t_interval_is_the_paired_t_interval():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 2, 12)
    b = a + rng.normal(-0.5, 0.4, 12)
    got = t_interval(b - a, 0.95)
    low, high = stats.t.interval(0.95, 11, loc=np.mean(b - a), scale=stats.sem(b - a))
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((low, high))
    assert got["p_value"] == pytest.approx(stats.ttest_rel(b, a).pvalue)
    # a difference that is the same in every pair: zero width, p 0 (or 1 if it is zero)
    assert t_interval(np.full(5, -0.1))["ci_low"] == pytest.approx(-0.1)
    assert t_interval(np.full(5, -0.1))["p_value"] == 0.0
    assert t_interval(np.zeros(5))["p_value"] == 1.0


def test_minimum_detectable_effect_matches_statsmodels_power():
    from statsmodels.stats.power import TTestPower

    for n in (3, 10, 40):
        dz = TTestPower().solve_power(nobs=n, alpha=0.05, power=0.8)
        assert minimum_detectable_effect(2.0, n) == pytest.approx(2.0 * dz, rel=1e-6)
    assert np.isnan(minimum_detectable_effect(1.0, 1))


def _runs(diffs: dict[str, float], reps: int = 12, events: int = 50, seed: int = 0):
    """Synthetic paired runs: metric under five = under three + shift + small noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(reps):
        base = {m: rng.normal(1.0, 0.3) for m in diffs}
        for regime in ("three", "five"):
            row = {"scenario": 0, "label": "base", "rep": rep, "regime": regime,
                   "status": "ok", "court_filings": events / reps, "needs_unmet": 100.0}
            for m, shift in diffs.items():
                row[m] = base[m] + (shift + rng.normal(0, 0.02) if regime == "five" else 0)
            rows.append(row)
    return pd.DataFrame(rows)


def test_verdicts_read_the_catalogue_direction_and_events():
    runs = _runs({"true_resolution_share": 0.2, "unmet_need_share": 0.2, "needs_total": 0.2,
                  "dispute_escalation_share": -0.2})
    assert METRICS["true_resolution_share"].direction == "higher"
    assert METRICS["needs_total"].direction is None
    verdict = paired_differences(runs, list(runs.columns[7:]), "three").set_index(
        "metric")["verdict"]
    assert verdict["true_resolution_share"] == "better"     # higher, and higher is better
    assert verdict["unmet_need_share"] == "worse"           # higher, and lower is better
    assert verdict["needs_total"] == "not judged"
    assert verdict["dispute_escalation_share"] == "better"  # 50 court filings per regime

    few = paired_differences(_runs({"dispute_escalation_share": -0.2}, events=6),
                             ["dispute_escalation_share"], "three").iloc[0]
    assert few["events_baseline"] == pytest.approx(6)
    assert few["verdict"] == "too few events"             # fewer than min_events (10)
    assert np.isnan(few["p_adjusted"])                   # and outside the Holm family


def test_holm_correction_spans_the_table():
    """One p = 0.02 among nine p = 0.5: better alone, not after Holm over the ten."""
    table = pd.DataFrame({"metric": ["unmet_need_share"] * 10, "direction": ["lower"] * 10,
                          "n": 10, "diff": [-1.0] * 10, "p_value": [0.02] + [0.5] * 9,
                          "better_in": 5, "events_baseline": np.nan,
                          "events_regime": np.nan})
    holm = judge(table, 0.95, "holm")
    assert holm["p_adjusted"].iloc[0] == pytest.approx(0.2)
    assert holm["verdict"].iloc[0] == "no clear difference"
    assert judge(table, 0.95, "none")["verdict"].iloc[0] == "better"
    assert judge(table, 0.95, "fdr_bh")["p_adjusted"].iloc[0] == pytest.approx(0.2)


def test_the_file_and_the_analysis_accept_the_same_corrections_and_families():
    from sim.experiments import spec

    assert analysis.CORRECTIONS == spec.CORRECTIONS and analysis.FAMILIES == spec.FAMILIES
    assert set(analysis.CORRECTION_NAMES) == set(analysis.CORRECTIONS)


def test_adjusted_p_values_equal_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(3).uniform(0, 0.2, 25) ** 2
    p[4] = p[7]                                                    # a tie
    for method in ("bonferroni", "holm", "fdr_bh"):
        np.testing.assert_allclose(analysis.adjusted_p(p, method),
                                   multipletests(p, method=method)[1], rtol=1e-12)


def _judged_table(seed: int, rows: int = 30) -> pd.DataFrame:
    """Comparisons with known mean, SE and n, from effects of every size."""
    rng = np.random.default_rng(seed)
    n = rng.integers(3, 30, rows)
    se = rng.uniform(0.05, 1.0, rows)
    diff = rng.normal(0, 1, rows) * se * rng.choice([0.5, 2, 4], rows)
    p = 2 * stats.t.sf(np.abs(diff / se), n - 1)
    lo, hi = stats.t.interval(0.95, n - 1, loc=diff, scale=se)
    return pd.DataFrame({"metric": rng.choice(["unmet_need_share", "complaints_per_10k",
                                               "true_resolution_share"], rows),
                         "label": rng.choice(["a", "b"], rows), "direction": "lower",
                         "n": n, "diff": diff, "se": se, "p_value": p, "ci_low": lo,
                         "ci_high": hi, "better_in": 1, "events_baseline": np.nan,
                         "events_regime": np.nan})


@pytest.mark.parametrize("correction", ["bonferroni", "holm", "fdr_bh", "none"])
@pytest.mark.parametrize("family", ["all", "primary", "metric", "scenario"])
def test_a_verdict_and_its_adjusted_interval_always_agree(correction, family):
    """Better or worse exactly when the adjusted interval excludes 0, and when the adjusted
    p-value is below alpha, for every correction and family. Four tables of 30 comparisons
    give each pair at least 19 decided rows and, under a correction, at least 9 whose
    unadjusted interval excludes 0 while the adjusted one does not."""
    for seed in range(4):
        table = judge(_judged_table(seed), 0.95, correction, family, ["unmet_need_share"])
        decided = table["verdict"].isin(["better", "worse"])
        excludes = (table["ci_adj_low"] > 0) | (table["ci_adj_high"] < 0)
        assert (decided == excludes).all()
        assert (decided == (table["p_adjusted"] < 0.05)).all()
        # adjusted intervals are never narrower than the unadjusted ones
        assert (table["ci_adj_high"] - table["ci_adj_low"]
                >= table["ci_high"] - table["ci_low"] - 1e-12).all()
        sizes = table.groupby("family")["family_size"].first()
        assert (sizes == table.groupby("family").size()).all()
        if correction == "bonferroni":
            assert np.allclose(table["adj_level"], 1 - 0.05 / table["family_size"])


def test_an_unadjusted_interval_excluding_zero_is_no_verdict_when_the_adjusted_one_does_not():
    """Five metrics, one with a modest effect: alone its 95% interval excludes 0, but the
    Bonferroni interval over the five includes 0, and the verdict says so."""
    metrics = ["unmet_need_share", "complaints_per_10k", "true_resolution_share",
               "mean_response_days", "cost_per_resolved_case"]
    rng = np.random.default_rng(11)
    rows = []
    shift = {"unmet_need_share": -0.08}
    for rep in range(10):
        noise = rng.normal(0, 0.1, len(metrics))
        for regime in ("three", "five"):
            row = {"scenario": 0, "label": "base", "rep": rep, "regime": regime,
                   "status": "ok", "needs_unmet": 100.0, "complaints": 50.0}
            for k, m in enumerate(metrics):
                row[m] = 1.0 + (shift.get(m, 0.0) + noise[k] if regime == "five" else 0.0)
            rows.append(row)
    runs = pd.DataFrame(rows)
    row = paired_differences(runs, metrics, "three", correction="bonferroni").set_index(
        "metric").loc["unmet_need_share"]
    assert row["ci_high"] < 0 and row["p_value"] < 0.05           # unadjusted: excludes 0
    assert row["ci_adj_low"] < 0 < row["ci_adj_high"]             # adjusted: includes 0
    assert row["adj_level"] == pytest.approx(1 - 0.05 / 5)
    assert row["verdict"] == "no clear difference"
    sentence = analysis.describe_difference(row.to_dict() | {"metric": "unmet_need_share"},
                                            "three")
    assert "adjusted interval includes zero" in sentence
    # declared the only primary outcome, it is a family of one: the interval and the
    # verdict agree the other way
    alone = paired_differences(runs, metrics, "three", correction="bonferroni",
                               family="primary", primary=["unmet_need_share"]).set_index(
        "metric").loc["unmet_need_share"]
    assert alone["family"] == "primary" and alone["family_size"] == 1
    assert alone["ci_adj_high"] < 0 and alone["verdict"] == "better"


# ---------------------------------------------------------------- the design analyses


def _grid_frame(interaction: float, seed: int = 0) -> pd.DataFrame:
    """3x3 grid x 6 replicates; diff = a + b effects (+ interaction only in cell (2, 2))."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, a in enumerate([0.0, 0.5, 1.0]):
        for j, b in enumerate([10, 20, 30]):
            for rep in range(6):
                diff = 0.3 * i - 0.2 * (j == 1) + interaction * (i == 2 and j == 2)
                rows.append({"scenario": 3 * i + j, "rep": rep, "crowd_out_elasticity": a,
                             "campaign_interval_days": b, "diff": diff + rng.normal(0, 0.1)})
    return pd.DataFrame(rows)


def test_anova_finds_a_known_interaction():
    factors = ["crowd_out_elasticity", "campaign_interval_days"]
    table, formula = difference_anova(_grid_frame(interaction=0.5), factors)
    p = table.set_index("term")["p_value"]
    assert "C(crowd_out_elasticity):C(campaign_interval_days)" in formula
    assert p["crowd_out_elasticity:campaign_interval_days"] < 1e-6
    assert p["crowd_out_elasticity"] < 1e-6 and p["campaign_interval_days"] < 1e-3
    # the same design without the interaction: the term is not found
    table, _ = difference_anova(_grid_frame(interaction=0.0), factors)
    assert table.set_index("term").loc["crowd_out_elasticity:campaign_interval_days",
                                       "p_value"] > 0.05
    # replicates as blocks add a term and keep the interaction
    blocked, formula = difference_anova(_grid_frame(interaction=0.5), factors, block=True)
    assert "replicate (block)" in set(blocked["term"]) and "C(rep)" in formula


def test_regression_with_hc3_recovers_the_slopes():
    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame({"p": rng.uniform(0, 2, n), "q": rng.uniform(10, 20, n),
                          "rep": np.arange(n) % 2})
    # over the sampled range: +0.6 across p, 0 across q; noise grows with p (HC3 matters)
    frame["diff"] = 0.3 * frame["p"] + rng.normal(0, 0.05 + 0.1 * frame["p"], n)
    table, formula = difference_regression(frame, {"p": [0.0, 2.0], "q": [10.0, 20.0]})
    coef = table.set_index("term")
    assert coef.loc["p", "ci_low"] < 0.6 < coef.loc["p", "ci_high"]
    assert coef.loc["q", "ci_low"] < 0 < coef.loc["q", "ci_high"]
    assert formula == "diff ~ scaled(p) + scaled(q)"


# ---------------------------------------------------------------- sim compare


DAYS = 20   # of the comparison


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "out"
    args = ["compare", "--residents", "300", "--days", str(DAYS), "--reps", "4", "--seed", "3",
            "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    return out, args


@pytest.fixture(scope="module")
def reported(compared):
    """`sim report` on the comparison, once, into its default folder (out/report)."""
    out, _ = compared
    assert main(["report", str(out)]) == 0
    return out / "report"


def test_compare_prints_direction_verdicts_and_headline_first(compared, capsys):
    out, _ = compared
    text = (out / "compare.txt").read_text()
    assert "4 paired replications" in text and "paired t-interval" in text
    assert "Bonferroni simultaneous interval" in text and "adjusted CI" in text
    header = text.splitlines()[3].split()
    assert header[:2] == ["metric", "better"] and "verdict" in header and "MDE" in header
    table = pd.read_parquet(out / "paired_differences.parquet")
    headline = [m for m, spec in METRICS.items() if spec.headline]
    assert list(table["metric"][:len(headline)]) == headline
    assert set(table["verdict"]) <= {"better", "worse", "no clear difference",
                                     "too few events", "not judged", "no data"}
    assert table.loc[table["direction"].isna(), "verdict"].eq("not judged").all()
    row = table.set_index("metric").loc["unmet_need_share"]
    line = next(t for t in text.splitlines() if t.startswith("unmet_need_share "))
    for expected in (f"[{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]",
                     row["verdict"], f"{row['better_in']} of 4", "lower"):
        assert expected in line
    if np.isfinite(row["ci_adj_low"]):
        assert f"[{format_number(row['ci_adj_low'])}, {format_number(row['ci_adj_high'])}]" \
            in line


def test_compare_is_a_results_directory_with_provenance(compared):
    out, _ = compared
    info = json.loads((out / "compare.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("version", "git_commit", "packages", "seeds", "root_seed", "params"):
        assert key in info
    assert info["packages"] == manifest["packages"]
    assert info["version"] == importlib.metadata.version("sim")
    assert info["seed_rule"] == "shared" and len(info["seeds"]) == 4
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.groupby("rep")["seed"].nunique().eq(1).all() and len(runs) == 8
    assert (out / "experiment.toml").exists() and manifest["complete"]


@pytest.mark.slow
def test_compare_and_report_give_the_same_intervals(compared, reported):
    out, _ = compared
    from_compare = pd.read_parquet(out / "paired_differences.parquet").set_index("metric")
    from_report = pd.read_csv(reported / "differences.csv").set_index("metric")
    common = from_compare.index
    assert set(common) == set(from_report.index)
    for a, b in (("ci_low", "ci_low"), ("ci_high", "ci_high"), ("difference", "diff"),
                 ("p_adjusted", "p_adjusted")):
        np.testing.assert_allclose(from_compare[a].to_numpy(float),
                                   from_report.loc[common, b].to_numpy(float), rtol=1e-9)
    assert (from_compare["verdict"] == from_report.loc[common, "verdict"]).all()


@pytest.mark.slow
def test_report_against_another_baseline_and_a_bad_one(compared, reported, tmp_path, capsys):
    """--baseline five turns 'five - three' into 'three - five': the same pairs, negated
    (against the default report, baseline three)."""
    out, _ = compared
    assert main(["report", str(out), "--out", str(tmp_path / "r5"), "--baseline", "five"]) == 0
    vs_three = pd.read_csv(reported / "differences.csv").set_index("metric")
    vs_five = pd.read_csv(tmp_path / "r5" / "differences.csv").set_index("metric")
    assert set(vs_five["regime"]) == {"three"}
    judged = vs_three["diff"].notna()
    np.testing.assert_allclose(vs_five.loc[judged[judged].index, "diff"].to_numpy(float),
                               -vs_three.loc[judged, "diff"].to_numpy(float), rtol=1e-9)
    assert "Paired differences against five" in (tmp_path / "r5" / "report.md").read_text()
    capsys.readouterr()
    assert main(["report", str(out), "--out", str(tmp_path / "bad"), "--baseline", "four"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--baseline" in err and "three" in err
    assert not (tmp_path / "bad").exists()


def test_run_pairs_equals_compare_and_reports_progress(compared):
    out, _ = compared
    calls = []
    params = Params.from_dict({"n_residents": 300, "days": DAYS})
    runs, daily = run_pairs(params, reps=4, seed=3, workers=1, progress=False,
                            on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 8) for i in range(1, 9)]
    assert len(daily) == 8 * DAYS and set(runs["status"]) == {"ok"}
    ours = paired_table(runs)
    theirs = pd.read_parquet(out / "paired_differences.parquet")
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_dtype=False)
    assert ours.columns[:10].tolist() == ["metric", "three", "five", "difference", "ci_low",
                                          "ci_high", "pairs", "direction", "verdict",
                                          "better_in"]


def test_run_pairs_stops_submitting_when_cancelled():
    cancel = threading.Event()
    calls = []

    def progress(done, total):
        calls.append(done)
        if done == 3:
            cancel.set()

    runs, _ = run_pairs({"n_residents": 200, "days": 10}, reps=5, seed=1, workers=1,
                        progress=False, on_progress=progress, cancel=cancel)
    assert len(runs) == 3 and calls == [1, 2, 3]


@pytest.mark.slow
def test_compare_resumes_extends_and_replaces_its_own_results(compared, tmp_path, capsys):
    out, args = compared
    target = tmp_path / "again"
    base = [a if a != str(out) else str(target) for a in args]
    assert main(base) == 0
    capsys.readouterr()
    assert main(base) == 0                                   # same settings: nothing reruns
    assert "0 runs executed (0 failed), 8 already stored" in capsys.readouterr().err
    more = [*base[:base.index("--reps") + 1], "5", *base[base.index("--reps") + 2:]]
    assert main(more) == 0                                   # more replicates: 2 new runs
    assert "2 runs executed (0 failed), 8 already stored" in capsys.readouterr().err
    assert main([*more, "--set", "admin_share=0.7"]) == 0     # other settings: replaced
    err = capsys.readouterr().err
    assert "replacing the earlier comparison" in err
    runs = pd.read_parquet(target / "runs.parquet")
    assert len(runs) == 10 and runs["admin_share"].eq(0.7).all()


def test_compare_refuses_a_directory_holding_something_else(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert main(["compare", "--residents", "200", "--days", "10", "--reps", "2",
                 "--out", str(foreign)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sim: error: ") and "\n" not in err and "no manifest.json" in err
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------- the report on a grid


@pytest.mark.slow
def test_report_of_a_3x3_grid_has_heatmap_interactions_and_anova(tmp_path, monkeypatch):
    from sim.experiments import report_design, run_experiment, write_report

    drawn = []
    heatmap = report_design.heatmap

    def recording(cells, *args, **kwargs):
        drawn.append(cells.copy())
        return heatmap(cells, *args, **kwargs)

    monkeypatch.setattr(report_design, "heatmap", recording)

    spec = tmp_path / "grid.toml"
    spec.write_text("""
[experiment]
name = "grid"
regimes = ["three", "five"]
replications = 2
days = 30
root_seed = 11

[fixed]
n_residents = 200

[design]
method = "grid"
[design.parameters]
need_rate_scale = [0.5, 1.0, 2.0]
coordination_cost_hours_per_channel = [0.0, 2.0, 4.0]

[analysis]
metrics = ["unmet_need_share", "coordination_overhead_share"]
""")
    assert run_experiment(spec, tmp_path / "out", workers=1, progress=False).executed == 36
    md = write_report(tmp_path / "out").read_text()
    figures = {p.name for p in (tmp_path / "out" / "report" / "figures").glob("*.png")}
    assert {"heatmap_five_unmet_need_share.png",
            "interaction_five_unmet_need_share.png"} <= figures
    assert "ANOVA of the difference: diff ~ C(need_rate_scale) + " \
           "C(coordination_cost_hours_per_channel) + " \
           "C(need_rate_scale):C(coordination_cost_hours_per_channel) + C(rep)" in md
    effects = pd.read_csv(tmp_path / "out" / "report" / "design_effects.csv")
    assert {"need_rate_scale", "replicate (block)", "Residual"} <= set(effects["term"])
    # daily series: every one of the nine cells, one figure per analysed series
    assert "daily_unmet_need_share_0.png" in figures
    assert md.count("Need rate scale = ") >= 9
    assert analysis.INTERVAL_METHOD in md
    # a heatmap cell says what the differences table says about the same comparison
    diffs = pd.read_csv(tmp_path / "out" / "report" / "differences.csv")
    shown = pd.concat(drawn).set_index(["scenario", "regime", "metric"])
    table = diffs.set_index(["scenario", "regime", "metric"]).loc[shown.index]
    assert (shown["verdict"] == table["verdict"]).all() and len(shown) == 9
    np.testing.assert_allclose(shown["ci_adj_low"], table["ci_adj_low"])
