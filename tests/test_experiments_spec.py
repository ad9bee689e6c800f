"""Experiment files: every refused input, designs, seeds, sensitivity analysis.

A refused input must end with exit code 2 and one line naming the file, the key and the
reason, print no traceback, and leave an existing output directory exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from paths import ROOT

from sim.cli import main
from sim.experiments import load_experiment, run_experiment
from sim.experiments.analysis import paired_differences, sensitivity_indices
from sim.experiments.seeds import run_seed

GOOD = """
[experiment]
name = "tiny"
regimes = ["three", "five"]
replications = 2
days = 20
root_seed = 7

[fixed]
n_residents = 200
"""


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under root with its mtime and content hash."""
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns,
                                       hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def existing_out(tmp_path_factory):
    """An output directory holding results of GOOD."""
    root = tmp_path_factory.mktemp("existing")
    spec = root / "good.toml"
    spec.write_text(GOOD)
    run_experiment(spec, root / "out", workers=1, progress=False)
    return spec, root / "out"


REFUSED = {
    # name: (file text, key expected in the message, words of the reason)
    "unknown table": (GOOD + "\n[extra]\nx = 1\n", "extra", "unknown key"),
    "unknown experiment key": (GOOD.replace("days = 20", "days = 20\nhorizon = 3"),
                               "experiment.horizon", "unknown key"),
    "unknown parameter": (GOOD + "crowd_out = 0.5\n", "fixed.crowd_out", "unknown parameter"),
    "out of range": (GOOD + "crowd_out_elasticity = 2.0\n", "fixed.crowd_out_elasticity",
                     "must be in [0, 1]"),
    "wrong type": (GOOD.replace("n_residents = 200", 'n_residents = "many"'),
                   "fixed.n_residents", "must be an integer"),
    "bad choice": (GOOD + 'network_generator = "lattice"\n', "fixed.network_generator",
                   "must be one of"),
    "unknown regime": (GOOD.replace('"five"]', '"seven"]'), "experiment.regimes",
                       "unknown regime"),
    "zero replications": (GOOD.replace("replications = 2", "replications = 0"),
                          "experiment.replications", "must be >= 1"),
    "missing root seed": (GOOD.replace("root_seed = 7", ""), "experiment.root_seed", "missing"),
    "negative seed": (GOOD.replace("root_seed = 7", "root_seed = -1"), "experiment.root_seed",
                      "must be >= 0"),
    "horizon too long": (GOOD.replace("days = 20", "days = 99999"), "experiment.days",
                         "must be in [1, 3650]"),
    "seed as parameter": (GOOD + "seed = 3\n", "fixed.seed", "root_seed"),
    "unknown method": (GOOD + '[design]\nmethod = "random"\n', "design.method",
                       "unknown method"),
    "grid value out of range": (
        GOOD + "[design]\nmethod = \"grid\"\n[design.parameters]\n"
               "volunteer_backfire_prob = [0.1, 1.5]\n",
        "design.parameters.volunteer_backfire_prob[1]", "must be in [0, 1]"),
    "fixed and varied": (
        GOOD + "[design.parameters]\nn_residents = [100, 200]\n",
        "design.parameters.n_residents", "also set in [fixed]"),
    "bounds reversed": (
        GOOD + "[design]\nmethod = \"lhs\"\nsamples = 8\n[design.parameters]\n"
               "crowd_out_elasticity = [0.5, 0.1]\n",
        "design.parameters.crowd_out_elasticity", "low must be < high"),
    "bounds outside range": (
        GOOD + "[design]\nmethod = \"morris\"\nsamples = 4\n[design.parameters]\n"
               "crowd_out_elasticity = [0.0, 3.0]\n",
        "design.parameters.crowd_out_elasticity", "outside the allowed range"),
    "sobol not power of two": (
        GOOD + "[design]\nmethod = \"sobol\"\nsamples = 10\n[design.parameters]\n"
               "crowd_out_elasticity = [0.0, 1.0]\n", "design.samples", "power of 2"),
    "sampling a string": (
        GOOD + "[design]\nmethod = \"lhs\"\nsamples = 4\n[design.parameters]\n"
               "network_generator = [0, 1]\n",
        "design.parameters.network_generator", "only numeric parameters"),
    "row with unknown parameter": (
        GOOD + "[design]\nmethod = \"rows\"\n[[design.rows]]\nlabel = \"a\"\nbogus = 1\n",
        "design.rows[0].bogus", "unknown parameter"),
    "duplicate row label": (
        GOOD + "[design]\nmethod = \"rows\"\n[[design.rows]]\nlabel = \"a\"\n"
               "[[design.rows]]\nlabel = \"a\"\n", "design.rows[1].label", "repeats"),
    "cross-field rule of the model": (
        GOOD + 'network_generator = "watts_strogatz"\nws_neighbours = 5\n',
        "scenario 0 (base)", "ws_neighbours"),
    "unknown analysis metric": (GOOD + "[analysis]\nmetrics = [\"happiness\"]\n",
                                "analysis.metrics", "unknown metric"),
    "baseline not compared": (GOOD + "[analysis]\nbaseline = \"three+charity\"\n",
                              "analysis.baseline", "not one of"),
    "not TOML": (GOOD + "this is = = not toml\n", "toml", "not valid TOML"),
    "higher_is_better is the catalogue's": (
        GOOD + '[analysis]\nhigher_is_better = ["true_resolution_share"]\n',
        "analysis.higher_is_better", "metric catalogue (sim.model.METRICS"),
    "bootstrap retired": (GOOD + "[analysis]\nbootstrap = 2000\n", "analysis.bootstrap",
                          "paired t-intervals"),
    "unknown correction": (GOOD + '[analysis]\ncorrection = "sidak"\n',
                           "analysis.correction",
                           "must be one of bonferroni, holm, fdr_bh, none"),
    "unknown family": (GOOD + '[analysis]\nfamily = "table"\n', "analysis.family",
                       "must be one of primary, all, metric, scenario"),
    "unknown primary outcome": (GOOD + '[analysis]\nprimary = ["happiness"]\n',
                                "analysis.primary", "unknown metric"),
    "primary outcome without direction": (
        GOOD + '[analysis]\nprimary = ["needs_total"]\n', "analysis.primary",
        "no better direction"),
    "primary outcome not analysed": (
        GOOD + '[analysis]\nmetrics = ["unmet_need_share"]\nprimary = ["complaints_per_10k"]\n',
        "analysis.primary", "not in analysis.metrics"),
    "primary outcome twice": (
        GOOD + '[analysis]\nprimary = ["unmet_need_share", "unmet_need_share"]\n',
        "analysis.primary", "listed twice"),
    "model and models": (
        GOOD.replace("root_seed = 7", 'root_seed = 7\nmodel = "sim.model:CommunityModel"\n'
                                      'models = {a = "", b = "x.y:Z"}'),
        "experiment.models", "not both"),
    "one model variant": (GOOD.replace("root_seed = 7", 'root_seed = 7\nmodels = {a = ""}'),
                          "experiment.models", "at least two variants"),
    "model variant that does not import": (
        GOOD.replace("root_seed = 7", 'root_seed = 7\nmodels = {a = "", b = "nowhere.mod:X"}'),
        "experiment.models.b", "cannot import"),
    "two names for one model": (
        GOOD.replace("root_seed = 7",
                     'root_seed = 7\nmodels = {a = "", b = "sim.model:CommunityModel"}'),
        "experiment.models.b", "same class as experiment.models.a"),
    "baseline model without models": (GOOD + '[analysis]\nbaseline_model = "a"\n',
                                      "analysis.baseline_model", "only with experiment.models"),
    "model variant that is not a model": (
        GOOD.replace("root_seed = 7",
                     'root_seed = 7\nmodels = {a = "", b = "sim.model:Resident"}'),
        "experiment.models.b", "not a subclass"),
    "unknown baseline model": (
        GOOD.replace("root_seed = 7",
                     'root_seed = 7\nmodels = {a = "", b = "test_mesa:OneShotModel"}')
        + '[analysis]\nbaseline_model = "c"\n', "analysis.baseline_model", "not one of"),
    "unknown seed rule": (GOOD.replace("root_seed = 7", 'root_seed = 7\nseeds = "random"'),
                          "experiment.seeds", "must be one of shared, per-scenario"),
}


def assert_refused(capsys, argv: list[str], file: str, key: str, reason: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"sim: error: {file}: {key}: "), lines[0]
    assert reason in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_experiment_file(case, existing_out, tmp_path, capsys):
    text, key, reason = REFUSED[case]
    _, out = existing_out
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    before = snapshot(out)
    assert_refused(capsys, ["experiment", str(bad), "--out", str(out)], str(bad), key, reason)
    assert snapshot(out) == before


def test_refused_missing_file(existing_out, tmp_path, capsys):
    _, out = existing_out
    before = snapshot(out)
    missing = tmp_path / "nope.toml"
    assert_refused(capsys, ["experiment", str(missing), "--out", str(out)], str(missing), "-",
                   "cannot read file")
    assert snapshot(out) == before


def test_refused_other_experiment_on_same_out(existing_out, tmp_path, capsys):
    _, out = existing_out
    other = tmp_path / "other.toml"
    other.write_text(GOOD.replace("n_residents = 200", "n_residents = 201"))
    before = snapshot(out)
    assert_refused(capsys, ["experiment", str(other), "--out", str(out)], str(out), "--out",
                   "different experiment file")
    assert snapshot(out) == before


def test_refused_foreign_nonempty_out(existing_out, tmp_path, capsys):
    spec, _ = existing_out
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    before = snapshot(foreign)
    assert_refused(capsys, ["experiment", str(spec), "--out", str(foreign)], str(foreign),
                   "--out", "no manifest.json")
    assert snapshot(foreign) == before


def test_refused_bad_workers_and_query_dir(existing_out, tmp_path, capsys):
    spec, out = existing_out
    before = snapshot(out)
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--workers" in err and "Traceback" not in err
    assert_refused(capsys, ["query", str(tmp_path), "SELECT 1"], str(tmp_path), "DIR",
                   "not a results directory")
    assert snapshot(out) == before


@pytest.mark.slow
def test_refused_input_in_a_real_process(existing_out, tmp_path):
    """The same contract end to end: no traceback reaches the terminal."""
    _, out = existing_out
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD + "crowd_out_elasticity = -1\n")
    before = snapshot(out)
    proc = subprocess.run([sys.executable, "-m", "sim", "experiment", str(bad), "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2
    expected = (f"sim: error: {bad}: fixed.crowd_out_elasticity: must be in [0, 1] (yuan cut "
                "per charity yuan spent), got -1")
    assert proc.stderr.strip().splitlines() == [expected]
    assert snapshot(out) == before


def test_more_replications_extend_the_stored_results(tmp_path, capsys):
    """Only the new replicates run; the tables then equal a fresh run of the larger file.
    Fewer replications, or any other change, are refused."""
    spec = tmp_path / "grow.toml"
    spec.write_text(GOOD)
    out = tmp_path / "grow"
    assert run_experiment(spec, out, workers=1, progress=False).executed == 4
    first = pd.read_parquet(out / "runs.parquet")
    spec.write_text(GOOD.replace("replications = 2", "replications = 3")
                    + "# a comment changes nothing\n")
    grown = run_experiment(spec, out, workers=1, progress=False)
    assert (grown.executed, grown.already_done, grown.total) == (2, 4, 6)
    runs = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(runs[runs["rep"] < 2].reset_index(drop=True), first)
    fresh = tmp_path / "fresh.toml"
    fresh.write_text(GOOD.replace("replications = 2", "replications = 3"))
    run_experiment(fresh, tmp_path / "fresh", workers=1, progress=False)
    pd.testing.assert_frame_equal(runs, pd.read_parquet(tmp_path / "fresh" / "runs.parquet"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["replications"] == 3 and manifest["complete"]
    assert manifest["extended"][0]["replications_before"] == 2
    assert (out / "experiment.toml").read_bytes() == spec.read_bytes()

    before = snapshot(out)
    spec.write_text(GOOD)                                    # fewer: refused
    assert_refused(capsys, ["experiment", str(spec), "--out", str(out)], str(out), "--out",
                   "replications can grow, not shrink")
    spec.write_text(GOOD.replace("replications = 2", "replications = 4")
                    .replace("n_residents = 200", "n_residents = 210"))   # more + other change
    assert_refused(capsys, ["experiment", str(spec), "--out", str(out)], str(out), "--out",
                   "different experiment file")
    assert snapshot(out) == before


def test_results_of_another_seed_rule_are_not_mixed(existing_out, tmp_path, capsys):
    _, out = existing_out
    other = tmp_path / "per.toml"
    other.write_text(GOOD.replace("root_seed = 7", 'root_seed = 7\nseeds = "per-scenario"'))
    before = snapshot(out)
    assert_refused(capsys, ["experiment", str(other), "--out", str(out)], str(out), "--out",
                   "seeded with the 'shared' rule")
    assert snapshot(out) == before


def test_resume_of_a_complete_experiment_runs_nothing(existing_out):
    spec, out = existing_out
    runs_before = pd.read_parquet(out / "runs.parquet")
    summary = run_experiment(spec, out, workers=1, progress=False)
    assert summary.executed == 0 and summary.already_done == 4
    pd.testing.assert_frame_equal(runs_before, pd.read_parquet(out / "runs.parquet"))


# ---------------------------------------------------------------- designs and seeds


def design_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "design.toml"
    path.write_text(GOOD + body)
    return path


def test_grid_rows_and_samplers_expand(tmp_path):
    grid = load_experiment(design_file(tmp_path, """
[design]
method = "grid"
[design.parameters]
crowd_out_elasticity = [0.0, 0.5]
volunteer_burnout_rate = [0, 0.1, 0.2]
"""))
    assert len(grid.scenarios) == 6 and grid.n_runs == 6 * 2 * 2
    assert grid.scenarios[1].varied == {"crowd_out_elasticity": 0.0, "volunteer_burnout_rate": 0.1}
    assert isinstance(grid.scenarios[0].varied["volunteer_burnout_rate"], float)

    rows = load_experiment(design_file(tmp_path, """
[fixed.extra]
""".replace("[fixed.extra]\n", "") + """
[design]
method = "rows"
[[design.rows]]
label = "off"
[[design.rows]]
label = "big"
n_residents = 400
"""))
    assert [s.label for s in rows.scenarios] == ["off", "big"]
    assert rows.params_for(rows.scenarios[1])["n_residents"] == 400   # rows override [fixed]
    assert rows.params_for(rows.scenarios[0])["n_residents"] == 200

    bounds = ('[design.parameters]\ncrowd_out_elasticity = [0.0, 1.0]\n'
              'campaign_interval_days = [30, 180]\n')
    sobol = load_experiment(design_file(tmp_path,
                                        f'[design]\nmethod = "sobol"\nsamples = 8\n{bounds}'))
    assert len(sobol.scenarios) == 8 * (2 + 2)
    assert all(isinstance(s.varied["campaign_interval_days"], int) for s in sobol.scenarios)
    morris = load_experiment(design_file(tmp_path,
                                         f'[design]\nmethod = "morris"\nsamples = 5\n{bounds}'))
    assert len(morris.scenarios) == 5 * (2 + 1)
    lhs = load_experiment(design_file(tmp_path, f'[design]\nmethod = "lhs"\nsamples = 7\n{bounds}'))
    values = sorted(s.raw["crowd_out_elasticity"] for s in lhs.scenarios)
    assert len(values) == 7 and all(i / 7 <= v < (i + 1) / 7 for i, v in enumerate(values))
    again = load_experiment(design_file(tmp_path,
                                        f'[design]\nmethod = "lhs"\nsamples = 7\n{bounds}'))
    assert again.scenarios == lhs.scenarios   # the design seed makes samples reproducible


def test_seeds_are_stateless_and_shared_by_regimes():
    root = np.random.SeedSequence(99)
    children = root.spawn(3)
    # Equals the spawn tree without keeping a counter: any subset, any order.
    expected = int(children[2].spawn(2)[1].generate_state(1, np.uint64)[0]) & ((1 << 63) - 1)
    assert expected != run_seed(99, 1, 2)   # spawn_key (scenario, rep) is flat, not nested
    flat = np.random.SeedSequence(99, spawn_key=(2, 1)).generate_state(1, np.uint64)[0]
    assert run_seed(99, 2, 1) == int(flat) & ((1 << 63) - 1)
    seeds = {run_seed(99, s, r) for s in range(20) for r in range(20)}
    assert len(seeds) == 400 and all(0 <= x < 2**63 for x in seeds)
    # The shared rule keys on the replicate alone: distinct from every per-scenario seed.
    shared = {run_seed(99, r) for r in range(20)}
    assert len(shared) == 20 and not shared & seeds


def test_seed_rules_pair_scenarios_or_not(tmp_path):
    grid = '[design]\nmethod = "grid"\n[design.parameters]\ncrowd_out_elasticity = [0.0, 0.5]\n'
    shared = load_experiment(design_file(tmp_path, grid))
    assert shared.seeds == "shared"
    assert [shared.seed_for(s.index, 1) for s in shared.scenarios] == [run_seed(7, 1)] * 2
    path = tmp_path / "per.toml"
    path.write_text(GOOD.replace("root_seed = 7", 'root_seed = 7\nseeds = "per-scenario"')
                    + grid)
    per = load_experiment(path)
    assert [per.seed_for(s.index, 1) for s in per.scenarios] == [run_seed(7, 0, 1),
                                                                 run_seed(7, 1, 1)]
    assert per.to_json()["seeds"] == "per-scenario"


# ---------------------------------------------------------------- the draws design


DRAWS = pd.DataFrame({"crowd_out_elasticity": [0.1, 0.2, 0.3, 0.4, 0.5],
                      "campaign_interval_days": [30, 60, 90, 120, 150],
                      "network_generator": ["community"] * 5})


def draws_file(tmp_path: Path, table: pd.DataFrame = DRAWS, design: str = "",
               fixed: str = "", name: str = "draws.parquet") -> Path:
    """An experiment over ``table`` (written next to it as ``name``)."""
    table.to_parquet(tmp_path / name, index=False)
    path = tmp_path / "over_draws.toml"
    path.write_text(GOOD + fixed + f'\n[design]\nmethod = "draws"\nsource = '
                                   f'"{tmp_path / name}"\n{design}')
    return path


def test_draws_design_runs_one_scenario_per_row(tmp_path):
    every = load_experiment(draws_file(tmp_path))
    assert [s.label for s in every.scenarios] == [f"draw{i}" for i in range(5)]
    assert [s.varied for s in every.scenarios] == DRAWS.to_dict("records")
    assert isinstance(every.scenarios[0].varied["campaign_interval_days"], int)
    table = tmp_path / "draws.parquet"
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    assert every.inputs == {str(table): digest}
    design = every.to_json()["design"]                             # for the manifest
    assert (design["method"], design["source"], design["source_sha256"], design["samples"]) \
        == ("draws", str(table), digest, 5)

    some = load_experiment(draws_file(tmp_path, design="samples = 3\nseed = 4\n"))
    chosen = [int(s.label.removeprefix("draw")) for s in some.scenarios]
    assert len(set(chosen)) == 3 and chosen == sorted(chosen)      # distinct, table order
    assert [s.varied for s in some.scenarios] == [DRAWS.iloc[i].to_dict() for i in chosen]
    assert load_experiment(draws_file(tmp_path, design="samples = 3\nseed = 4\n")).scenarios \
        == some.scenarios                                          # same seed, same rows
    assert some.n_runs == 3 * 2 * 2

    run_experiment(some, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    per = runs.groupby("label")[["crowd_out_elasticity", "campaign_interval_days"]].first()
    assert per.to_dict("index") == {f"draw{i}": DRAWS.iloc[i, :2].to_dict() for i in chosen}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["input_files"] == {str(table): digest}


DRAWS_REFUSED = {
    # name: (table, [design] lines, [fixed] lines, key, words of the reason)
    "unknown column": (DRAWS.assign(crowd_out=0.1), "", "", "design.source",
                       "column 'crowd_out': unknown parameter"),
    "value out of range": (DRAWS.assign(crowd_out_elasticity=[0.1, 1.5, 0.2, 0.3, 0.4]), "",
                           "", "design.source",
                           "row 1, column 'crowd_out_elasticity': must be in [0, 1]"),
    "missing value": (DRAWS.assign(crowd_out_elasticity=[0.1, None, 0.2, 0.3, 0.4]), "", "",
                      "design.source", "row 1, column 'crowd_out_elasticity': expected"),
    "fraction of an integer": (DRAWS.assign(campaign_interval_days=[30, 60.5, 90, 120, 150]),
                               "", "", "design.source",
                               "row 1, column 'campaign_interval_days': expected an integer"),
    "horizon in the table": (DRAWS.assign(days=30), "", "", "design.source",
                             "column 'days': the horizon is experiment.days"),
    "seed in the table": (DRAWS.assign(seed=1), "", "", "design.source",
                          "column 'seed': seeds derive from experiment.root_seed"),
    "also in [fixed]": (DRAWS, "", "crowd_out_elasticity = 0.2\n", "design.source",
                        "column 'crowd_out_elasticity': also set in [fixed]"),
    "more samples than rows": (DRAWS, "samples = 6\n", "", "design.samples",
                               "6 is more than the 5 rows of"),
    "seed without samples": (DRAWS, "seed = 3\n", "", "design.seed",
                             "only used with design.samples"),
    "empty table": (DRAWS.iloc[:0], "", "", "design.source", "holds 0 rows"),
    "parameters as well": (DRAWS, "[design.parameters]\ncrowd_out_elasticity = [0.1, 0.2]\n",
                           "", "design.parameters", "not used by method 'draws'"),
}


@pytest.mark.parametrize("case", list(DRAWS_REFUSED))
def test_refused_draws_table(case, existing_out, tmp_path, capsys):
    table, design, fixed, key, reason = DRAWS_REFUSED[case]
    _, out = existing_out
    bad = draws_file(tmp_path, table, design, fixed)
    before = snapshot(out)
    assert_refused(capsys, ["experiment", str(bad), "--out", str(out)], str(bad), key, reason)
    assert snapshot(out) == before


def test_refused_draws_source_that_is_no_table(existing_out, tmp_path, capsys):
    _, out = existing_out
    before = snapshot(out)
    for source, reason in ((tmp_path / "none.parquet", "file not found"),
                           (tmp_path, "is a directory; name the Parquet file"),
                           (tmp_path / "notes.txt", "not a readable Parquet file")):
        (tmp_path / "notes.txt").write_text("not a table")
        bad = tmp_path / "bad.toml"
        bad.write_text(GOOD + f'[design]\nmethod = "draws"\nsource = "{source}"\n')
        assert_refused(capsys, ["experiment", str(bad), "--out", str(out)], str(bad),
                       "design.source", f"{source}: {reason}")
    grid = tmp_path / "grid.toml"
    grid.write_text(GOOD + '[design]\nmethod = "grid"\nsource = "x.parquet"\n'
                           "[design.parameters]\ncrowd_out_elasticity = [0.1]\n")
    assert_refused(capsys, ["experiment", str(grid), "--out", str(out)], str(grid),
                   "design.source", 'only used by method "draws"')
    assert snapshot(out) == before


def test_a_stored_pandas_index_is_not_a_column_and_odd_metadata_is_ignored(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    indexed = DRAWS.iloc[[1, 2, 4]]               # a non-range index: pandas stores it
    spec = draws_file(tmp_path, indexed)
    indexed.to_parquet(tmp_path / "draws.parquet")                  # index included
    assert "__index_level_0__" in pq.read_schema(tmp_path / "draws.parquet").names
    assert [s.varied for s in load_experiment(spec).scenarios] == indexed.to_dict("records")
    for meta in (b"not json", b"[1]", b'{"index_columns": 5}', b'{"index_columns": ["x"]}'):
        table = pa.table({"crowd_out_elasticity": [0.3]}).replace_schema_metadata(
            {b"pandas": meta})
        pq.write_table(table, tmp_path / "odd.parquet")
        path = tmp_path / "odd.toml"
        path.write_text(GOOD + f'[design]\nmethod = "draws"\nsource = "{tmp_path}/odd.parquet"\n')
        assert load_experiment(path).scenarios[0].varied == {"crowd_out_elasticity": 0.3}


def test_a_changed_draws_table_is_never_resumed(tmp_path, capsys):
    spec = draws_file(tmp_path, design="samples = 2\n")
    out = tmp_path / "out"
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    first = load_experiment(spec)
    DRAWS.assign(crowd_out_elasticity=DRAWS["crowd_out_elasticity"] + 0.01).to_parquet(
        tmp_path / "draws.parquet", index=False)        # the same file name, new content
    changed = load_experiment(spec)
    assert changed.sha256 != first.sha256 and changed.inputs != first.inputs
    capsys.readouterr()
    before = snapshot(out)
    assert_refused(capsys, ["experiment", str(spec), "--out", str(out)], str(out), "--out",
                   f"input file {tmp_path / 'draws.parquet'} changed since the stored runs")
    assert snapshot(out) == before


def test_shipped_experiment_files_are_valid():
    for name, scenarios in (("three_vs_five", 1), ("mechanisms", 12), ("sensitivity", 352)):
        experiment = load_experiment(ROOT / "experiments" / f"{name}.toml")
        assert len(experiment.scenarios) == scenarios
    mech = load_experiment(ROOT / "experiments" / "mechanisms.toml")
    from sim.model import NEGATIVE_MECHANISMS
    assert set(mech.fixed) - {"n_residents"} == set(NEGATIVE_MECHANISMS.values())
    assert all(v == 0 for k, v in mech.fixed.items() if k != "n_residents")


# ---------------------------------------------------------------- analysis on known data


def test_paired_differences_and_sobol_on_known_functions(tmp_path):
    experiment = load_experiment(design_file(tmp_path, """
[design]
method = "sobol"
samples = 256
[design.parameters]
crowd_out_elasticity = [0.0, 1.0]
volunteer_burnout_rate = [0.0, 1.0]
"""))
    rng = np.random.default_rng(0)
    rows = []
    for s in experiment.scenarios:
        a, b = s.raw["crowd_out_elasticity"], s.raw["volunteer_burnout_rate"]
        for rep in range(2):
            noise = rng.normal(0, 0.01)
            for regime, shift in (("three", 0.0), ("five", -0.1)):
                rows.append({"scenario": s.index, "label": s.label, "rep": rep,
                             "regime": regime, "status": "ok",
                             "unmet_need_share": 4 * a + b + shift + noise})
    runs = pd.DataFrame(rows)
    design = pd.DataFrame([{"scenario": s.index, **{f"x_{k}": v for k, v in s.raw.items()}}
                           for s in experiment.scenarios])
    manifest = {"experiment": experiment.to_json()}
    idx = sensitivity_indices(runs, design, manifest, ["unmet_need_share"])
    three = idx[idx["regime"] == "three"].set_index("parameter")
    # y = 4a + b with uniform a, b: S1 = 16/17 and 1/17.
    assert three.loc["crowd_out_elasticity", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert three.loc["volunteer_burnout_rate", "ST"] == pytest.approx(1 / 17, abs=0.05)
    assert "five - three" in set(idx["regime"])

    diffs = paired_differences(runs, ["unmet_need_share"], "three", pooled=True)
    row = diffs.iloc[0]
    assert row["diff"] == pytest.approx(-0.1) and row["verdict"] == "better"
    assert row["ci_low"] == pytest.approx(-0.1) and row["ci_high"] == pytest.approx(-0.1)


def test_sobol_indices_follow_the_sample_order_not_the_stored_manifest_order(tmp_path):
    """Parameters listed out of alphabetical order; the manifest is stored as sorted JSON."""
    experiment = load_experiment(design_file(tmp_path, """
[design]
method = "sobol"
samples = 256
[design.parameters]
volunteer_burnout_rate = [0.0, 1.0]
crowd_out_elasticity = [0.0, 1.0]
"""))
    rows = []
    for s in experiment.scenarios:
        a = s.raw["crowd_out_elasticity"]
        for regime in ("three", "five"):
            rows.append({"scenario": s.index, "label": s.label, "rep": 0, "regime": regime,
                         "status": "ok", "unmet_need_share": 4 * a + 0.01 * s.raw[
                             "volunteer_burnout_rate"]})
    design = pd.DataFrame([{"scenario": s.index, **{f"x_{k}": v for k, v in s.raw.items()}}
                           for s in experiment.scenarios])
    manifest = json.loads(json.dumps({"experiment": experiment.to_json()}, sort_keys=True))
    idx = sensitivity_indices(pd.DataFrame(rows), design, manifest, ["unmet_need_share"])
    three = idx[idx["regime"] == "three"].set_index("parameter")
    assert three.loc["crowd_out_elasticity", "S1"] > 0.95
    assert three.loc["volunteer_burnout_rate", "ST"] < 0.05
