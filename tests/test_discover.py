"""Scenario discovery: the --where grammar, cases of interest from paired runs, PRIM / CART /
extra-trees recovering a known box, and `sim discover` on real stored results.

The tests that run PRIM are marked slow (the first of them in a process also imports the EMA
Workbench, which takes seconds by itself), and so are those on the stored real experiment."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from paths import ROOT

from sim.cli import main
from sim.errors import DiscoverError
from sim.experiments.discover import (
    Condition,
    cases,
    caveats,
    choose_box,
    design_levels,
    discover,
    parameter_table,
    parse_where,
    permutation_p,
)

REGIMES = ["five", "three", "three-equal-resources", "three+volunteers"]


# ---------------------------------------------------------------- the grammar


@pytest.mark.parametrize("text, expected", [
    ("five - three-equal-resources > 0", Condition("five", "three-equal-resources", ">", 0.0)),
    ("five-three-equal-resources>0", Condition("five", "three-equal-resources", ">", 0.0)),
    ("three+volunteers - three <= -0.01", Condition("three+volunteers", "three", "<=", -0.01)),
    ("five >= 0.2", Condition("five", None, ">=", 0.2)),
    ("  five - three < 1e-3 ", Condition("five", "three", "<", 0.001)),
])
def test_where_grammar(text, expected):
    assert parse_where(text, REGIMES) == expected


@pytest.mark.parametrize("text, words", [
    ("five - seven > 0", "'seven' at position 8 is not a regime"),
    ("five - three", "expected 'REGIME [- REGIME] OP NUMBER'"),
    ("five > three", "expected"),
    ("five - five > 0", "minus itself"),
    ("five - three > 0 and 1", "'and' at position 18"),
    ("__import__('os').system('x') > 0", "not a regime"),
    ("five - three == 0", "'=' at position 14"),
    ("x" * 5000, "..."),
])
def test_where_refuses_anything_else(text, words):
    with pytest.raises(DiscoverError) as info:
        parse_where(text, REGIMES)
    message = str(info.value)
    assert message.startswith("--where: ") and words in message and len(message) < 400


def test_condition_is_evaluated_on_paired_differences():
    rows = []
    for scenario, (d, a) in enumerate([(0.1, 1.0), (-0.1, 2.0)]):
        for rep in range(2):
            for regime, value in (("five", 0.5 + d + 0.01 * rep), ("three-equal-resources", 0.5)):
                rows.append({"scenario": scenario, "rep": rep, "regime": regime, "status": "ok",
                             "unmet_need_share": value, "need_rate_scale": a, "days": 30})
    runs = pd.DataFrame(rows)
    cond = parse_where("five - three-equal-resources > 0", REGIMES)
    per_rep = cases(runs, cond, "unmet_need_share")
    assert per_rep["case"].tolist() == [True, True, False, False]
    assert per_rep["value"].to_numpy() == pytest.approx([0.1, 0.11, -0.1, -0.09])
    per_scenario = cases(runs, cond, "unmet_need_share", per="scenario")
    assert per_scenario["value"].to_numpy() == pytest.approx([0.105, -0.095])
    # only parameters that vary between scenarios are inputs
    assert list(parameter_table(runs, ["days", "need_rate_scale"]).columns) == ["need_rate_scale"]


# ---------------------------------------------------------------- a known box


def _synthetic_results(n=400, reps=1, seed=0) -> pd.DataFrame:
    """A stored-results-like run table over an LHS of four parameters: five is worse than
    the control exactly where crowd_out_elasticity > 0.6 and volunteer_backfire_prob < 0.3."""
    from scipy.stats import qmc

    x = qmc.LatinHypercube(d=4, rng=np.random.default_rng(seed)).random(n)
    names = ["crowd_out_elasticity", "volunteer_backfire_prob", "donor_fatigue_per_campaign",
             "role_overlap_share"]
    rng = np.random.default_rng(seed + 1)
    rows = []
    for s, point in enumerate(x):
        params = dict(zip(names, point))
        fails = params["crowd_out_elasticity"] > 0.6 and params["volunteer_backfire_prob"] < 0.3
        for rep in range(reps):
            control = rng.uniform(0.2, 0.4)
            five = control + (0.02 if fails else -0.02) + rng.normal(0, 0.002)
            for regime, value in (("five", five), ("three-equal-resources", control)):
                rows.append({"scenario": s, "rep": rep, "regime": regime, "status": "ok",
                             "unmet_need_share": value, **params})
    return pd.DataFrame(rows), names


@pytest.mark.slow
def test_prim_cart_and_scores_recover_a_known_box():
    runs, names = _synthetic_results()
    table = cases(runs, parse_where("five - three-equal-resources > 0", REGIMES),
                  "unmet_need_share")
    table = table.join(parameter_table(runs, names), on="scenario")
    found = discover(table[names], table["case"].to_numpy(), min_coverage=0.9)
    assert 0.08 < found.n_cases / found.n < 0.16          # 0.4 x 0.3 of the square
    box = found.box.set_index("parameter")
    assert set(box.index) == {"crowd_out_elasticity", "volunteer_backfire_prob"}
    assert box.loc["crowd_out_elasticity", "box_low"] == pytest.approx(0.6, abs=0.03)
    assert box.loc["volunteer_backfire_prob", "box_high"] == pytest.approx(0.3, abs=0.03)
    assert box["qp_value"].max() < 1e-6
    assert found.box_stats["coverage"] >= 0.9 and found.box_stats["density"] >= 0.9
    # CART's densest leaf is the same box, and the two parameters score highest
    leaf = found.cart_boxes.iloc[0]
    assert leaf["density"] >= 0.95
    low = float(re.search(r"crowd_out_elasticity in \[([\d.]+),", leaf["limits"]).group(1))
    high = float(re.search(r"volunteer_backfire_prob in \[[\d.]+, ([\d.]+)\]",
                           leaf["limits"]).group(1))
    assert (low, high) == pytest.approx((0.6, 0.3), abs=0.03)
    assert set(found.scores["parameter"][:2]) == {"crowd_out_elasticity",
                                                  "volunteer_backfire_prob"}
    assert "volunteer_backfire_prob <= 0.3" in found.cart_tree


def test_box_choice_trades_coverage_for_density():
    trajectory = pd.DataFrame({"coverage": [1.0, 0.95, 0.85, 0.6], "density": [0.1, 0.5, 0.9,
                                                                            1.0]})
    assert choose_box(trajectory, 0.8) == 2
    assert choose_box(trajectory, 0.5) == 3
    assert choose_box(trajectory, 1.0) == 0


def test_no_cases_means_nothing_to_discover():
    found = discover(pd.DataFrame({"a": [0.1, 0.2, 0.3]}), np.zeros(3, bool))
    assert found.chosen is None and found.n_cases == 0


# ---------------------------------------------------------------- grids and replicates


def _grid_cases(reps: int = 4, seed: int = 0) -> pd.DataFrame:
    """A 5 x 4 grid, ``reps`` replicates per point: cases are likely where a >= 0.5 and
    b <= 2, rare elsewhere."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in (0.0, 0.25, 0.5, 0.75, 1.0):
        for b in (1.0, 2.0, 3.0, 4.0):
            point = len({(r["a"], r["b"]) for r in rows})
            for _ in range(reps):
                likely = a >= 0.5 and b <= 2
                rows.append({"a": a, "b": b, "point": point,
                             "case": rng.random() < (0.8 if likely else 0.1)})
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_a_grid_box_is_given_as_its_levels_and_tested_on_design_points():
    table = _grid_cases()
    levels = design_levels(table[["a", "b"]], "grid")
    assert levels == {"a": [0.0, 0.25, 0.5, 0.75, 1.0], "b": [1.0, 2.0, 3.0, 4.0]}
    found = discover(table[["a", "b"]], table["case"].to_numpy(), min_coverage=0.8,
                     points=table["point"].to_numpy(), levels=levels)
    box = found.box.set_index("parameter")
    assert found.n_points == 20 and found.n == 80
    for name, row in box.iterrows():
        # limits are levels; PRIM's own cut lies between levels
        assert row["box_low"] in levels[name] and row["box_high"] in levels[name]
        assert row["levels_in_box"] == ", ".join(f"{v:g}" for v in levels[name]
                                                 if row["box_low"] <= v <= row["box_high"])
    assert (box["prim_high"] != box["box_high"]).any() or \
        (box["prim_low"] != box["box_low"]).any()
    assert np.isfinite(found.box_test) and found.box_test < 0.05
    # CART leaves are levels too, never a midpoint
    assert not found.cart_boxes["limits"].str.contains(r"\[").any()
    assert found.cart_boxes["limits"].str.contains(r"\{").any()


@pytest.mark.slow
def test_replicates_of_a_design_point_are_not_independent_evidence():
    """Cases decided per design point (all its replicates alike), unrelated to the inputs:
    PRIM's quasi-p-value, counting 200 units, calls a restriction significant; tested on
    the 20 design points it is not."""
    rng = np.random.default_rng(4)
    rows = []
    for point, (a, b) in enumerate([(a, b) for a in (0.0, 0.25, 0.5, 0.75, 1.0)
                                    for b in (1.0, 2.0, 3.0, 4.0)]):
        case = rng.random() < 0.4
        rows += [{"a": a, "b": b, "point": point, "case": case}] * 10
    table = pd.DataFrame(rows)
    found = discover(table[["a", "b"]], table["case"].to_numpy(),
                     points=table["point"].to_numpy(),
                     levels=design_levels(table[["a", "b"]], "grid"))
    row = found.box.set_index("parameter").loc["b"]
    assert row["qp_value"] < 0.01 and row["p_design_point"] > 0.1
    assert any("may be chance: B (b)" in c for c in caveats(found))


def test_permutation_test_over_design_points_is_exact():
    values = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    # the two highest of six values inside: 1 way in C(6, 2) = 15
    assert permutation_p(values, np.array([1, 1, 0, 0, 0, 0], bool)) == pytest.approx(1 / 15)
    assert permutation_p(values, np.array([0, 0, 1, 1, 0, 0], bool)) == 1.0
    assert np.isnan(permutation_p(values, np.ones(6, bool)))


# ---------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A tiny real LHS experiment: 12 points x 1 replicate x 3 regimes."""
    from sim.experiments import run_experiment

    root = tmp_path_factory.mktemp("disc")
    spec = root / "tiny.toml"
    spec.write_text("""
[experiment]
name = "tiny_discovery"
regimes = ["five", "three", "three-equal-resources"]
replications = 1
days = 30
root_seed = 4

[fixed]
n_residents = 1000
volunteer_active_share = 0.3

[design]
method = "lhs"
samples = 12
seed = 3
[design.parameters]
need_rate_scale = [0.5, 2.0]
coordination_cost_hours_per_channel = [0.0, 4.0]
""")
    run_experiment(spec, root / "out", workers=1, progress=False)
    return root / "out"


@pytest.mark.slow
def test_sim_discover_writes_the_report(stored, tmp_path, capsys):
    from sim.experiments import load_results

    # A threshold at the median difference splits the points, whatever the model does.
    runs = load_results(stored).runs.pivot(index="scenario", columns="regime",
                                           values="unmet_need_share")
    median = float((runs["five"] - runs["three-equal-resources"]).median())
    out = tmp_path / "d"
    code = main(["discover", str(stored), "--where", f"five - three-equal-resources > {median}",
                 "--metric", "unmet_need_share", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = (out / "discover.md").read_text()
    table = pd.read_csv(out / "cases.csv")
    assert len(table) == 12 and {"need_rate_scale", "value", "case"} <= set(table.columns)
    n = int(table["case"].sum())
    assert 0 < n < 12 and f"Cases of interest: {n} of 12" in text
    for name in ("prim_box.csv", "prim_trajectory.csv", "cart_boxes.csv", "feature_scores.csv",
                 "cart_tree.txt", "figures/prim_tradeoff.png", "figures/prim_box.png",
                 "figures/cart_tree.png", "figures/feature_scores.png", "discover.html"):
        assert (out / name).exists(), name
    for heading in ("PRIM: the box where cases concentrate", "CART: a classification tree",
                    "Feature scores (extra trees)"):
        assert heading in text
    assert "PRIM box (coverage" in capsys.readouterr().out


@pytest.mark.slow
def test_sim_discover_on_a_grid_says_so_and_tests_design_points(tmp_path, capsys):
    from sim.experiments import run_experiment

    spec = tmp_path / "grid.toml"
    spec.write_text("""
[experiment]
name = "grid_discovery"
regimes = ["five", "three"]
replications = 3
days = 40
root_seed = 4

[fixed]
n_residents = 400

[design]
method = "grid"
[design.parameters]
need_rate_scale = [0.5, 1.0, 2.0]
coordination_cost_hours_per_channel = [0.0, 2.0, 4.0]
""")
    run_experiment(spec, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet").pivot_table(
        index=["scenario", "rep"], columns="regime", values="unmet_need_share")
    median = float((runs["five"] - runs["three"]).median())
    assert main(["discover", str(tmp_path / "out"), "--where", f"five - three > {median}",
                 "--out", str(tmp_path / "d")]) == 0
    text = (tmp_path / "d" / "discover.md").read_text()
    assert "The design is a grid design" in text and "from 9 design points" in text
    assert "p_design_point" in text
    box = pd.read_csv(tmp_path / "d" / "prim_box.csv")
    levels = {"need_rate_scale": {0.5, 1.0, 2.0},
              "coordination_cost_hours_per_channel": {0.0, 2.0, 4.0}}
    for row in box.itertuples():
        assert {row.box_low, row.box_high} <= levels[row.parameter]
    assert "design points" in capsys.readouterr().out


@pytest.mark.slow
def test_sim_discover_says_when_there_is_nothing_to_find(stored, tmp_path, capsys):
    out = tmp_path / "none"
    assert main(["discover", str(stored), "--where", "five > 2", "--out", str(out)]) == 0
    assert "0 of 12 units" in capsys.readouterr().err
    assert "nothing separates cases" in (out / "discover.md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("args, words", [
    (["--where", "five - nine > 0"], "--where: 'nine'"),
    (["--where", "five - three > 0", "--metric", "happiness"], "--metric: 'happiness'"),
    (["--where", "five - three > 0", "--min-coverage", "2"], "--min-coverage"),
    (["--where", "five - three > 0", "--per", "day"], "--per"),
])
def test_sim_discover_refuses_bad_input(stored, tmp_path, capsys, args, words):
    out = tmp_path / "d"
    assert main(["discover", str(stored), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sim: error: ") and "\n" not in err and words in err
    assert not out.exists()


def test_sim_discover_refuses_a_folder_without_results(tmp_path, capsys):
    assert main(["discover", str(tmp_path), "--where", "five - three > 0"]) == 2
    assert "not a results directory" in capsys.readouterr().err


def test_shipped_where_five_fails_covers_every_mechanism():
    import sim.model
    from sim.experiments import load_experiment
    from sim.model import REGIMES

    exp = load_experiment(ROOT / "experiments" / "where_five_fails.toml")
    varied = set(exp.design.parameters)
    assert set(sim.model.NEGATIVE_MECHANISMS.values()) <= varied
    # the linkage gains join the design as soon as the model lists them
    assert set(sim.model.LINKAGE_MECHANISMS.values()) <= varied
    assert {"five", "three", "three-equal-resources"} <= set(exp.regimes)
    if "three-equal-resources-unrestricted" in REGIMES:
        assert "three-equal-resources-unrestricted" in exp.regimes
    assert exp.design.method == "lhs" and exp.n_runs <= 1000
