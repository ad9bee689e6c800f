"""The command-line contract: `sim run`, `sim compare`, `python -m sim`, and bad input.

Commands run in this process (``sim.cli.main``), which is what the console script calls;
one test checks that ``python -m sim`` and the ``sim`` script in a real process agree.
"""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from paths import ROOT

from sim.cli import main
from sim.model import SUMMARY_METRICS

SIM = [sys.executable, "-m", "sim"]


@pytest.fixture
def run(capsys, monkeypatch):
    """``run(*args)``: the command's exit code and what it printed, like a process would."""
    monkeypatch.chdir(ROOT)

    def invoke(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)
    return invoke


def test_run_json_prints_exactly_one_object(run):
    proc = run("run", "--regime", "five", "--residents", "400", "--days", "60", "--seed", "7",
               "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # the whole stdout is one JSON value
    assert isinstance(data, dict) and set(data) == set(SUMMARY_METRICS)
    again = json.loads(run("run", "--regime", "five", "--residents", "400", "--days", "60",
                           "--seed", "7", "--json").stdout)
    assert again == data


def test_run_readable_summary_and_out_files(run, tmp_path):
    proc = run("run", "--regime", "three", "--residents", "300", "--days", "30",
               "--set", "admin_share=0.7", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "unmet_need_share" in proc.stdout and "regime three" in proc.stdout
    daily = pd.read_parquet(tmp_path / "o" / "daily.parquet")
    assert len(daily) == 30
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["params"]["admin_share"] == 0.7


@pytest.mark.slow
def test_python_m_sim_and_sim_entry_point_agree():
    exe = Path(sys.executable).parent / "sim"
    args = ["run", "--residents", "200", "--days", "20", "--json"]
    via_module = subprocess.run([*SIM, *args], capture_output=True, text=True, cwd=ROOT,
                                check=False).stdout
    via_script = subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=ROOT,
                                check=False)
    assert via_script.returncode == 0
    assert json.loads(via_module) == json.loads(via_script.stdout)


def test_compare_writes_table_figure_and_runs(run, tmp_path):
    out = tmp_path / "cmp"
    proc = run("compare", "--residents", "300", "--days", "20", "--reps", "3", "--workers", "1",
               "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "3 paired replications" in proc.stdout
    assert "unmet_need_share" in proc.stdout and "dispute_escalation_share" in proc.stdout
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["regime"].unique()) == ["five", "three"] and len(runs) == 6
    # common random numbers: each replicate's seed is shared by both regimes
    assert runs.groupby("rep")["seed"].nunique().eq(1).all()
    assert (out / "compare.png").stat().st_size > 10_000
    assert len(pd.read_parquet(out / "daily.parquet")) == 6 * 20


@pytest.mark.slow
def test_compare_is_the_same_with_one_or_two_workers(run, tmp_path):
    a = run("compare", "--residents", "200", "--days", "20", "--reps", "2", "--workers", "1",
            "--out", str(tmp_path / "a"))
    b = run("compare", "--residents", "200", "--days", "20", "--reps", "2", "--workers", "2",
            "--out", str(tmp_path / "b"))
    assert a.returncode == b.returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "b" / "runs.parquet"))


BAD = [
    (["run", "--residents", "-5"], "--residents"),
    (["run", "--residents", "abc"], "--residents"),
    (["run", "--days", "0"], "--days"),
    (["run", "--set", "admin_share=1.5"], "admin_share"),
    (["run", "--set", "no_such_parameter=1"], "no_such_parameter"),
    (["run", "--set", "volunteer_registration_share=-0.1"], "volunteer_registration_share"),
    (["run", "--set", "admin_share"], "key=value"),
    (["run", "--regime", "seven"], "--regime"),
    (["run", "--seed", "-3"], "--seed"),
    (["run", "--config", "does-not-exist.toml"], "--config"),
    (["run", "--set", "network_file=missing.graphml"], "network_file"),
    (["compare", "--reps", "1"], "--reps"),
    (["compare", "--workers", "0"], "--workers"),
    (["run", "--bogus-flag"], "bogus"),
]


@pytest.mark.parametrize("args, field", BAD)
def test_bad_input_is_one_line_exit_2_no_traceback(run, args, field, tmp_path):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    proc = run(*args, "--out", str(out)) if args[0] in ("run", "compare") and \
        "--bogus-flag" not in args else run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert field in lines[0] and "Traceback" not in proc.stderr
    assert (out / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["precious.txt"]


@pytest.mark.parametrize("content, field", [("n_residents = [", "not valid TOML"),
                                            ("unknown_thing = 3\n", "unknown_thing"),
                                            ("days = -1\n", "days"),
                                            ("[network]\nsize = 3\n", "network")])
def test_bad_config_files(run, tmp_path, content, field):
    cfg = tmp_path / "c.toml"
    cfg.write_text(content)
    proc = run("run", "--config", str(cfg), "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert field in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_malformed_graph_file_via_cli(run, tmp_path):
    bad = tmp_path / "g.graphml"
    bad.write_text("<graphml><broken")
    proc = run("run", "--set", f"network_file={bad}")
    assert proc.returncode == 2 and "network_file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_config_file_is_applied(run, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[params]\nn_residents = 250\ndays = 15\nadmin_share = 0.9\n")
    proc = run("run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    params = json.loads((tmp_path / "o" / "summary.json").read_text())["params"]
    assert (params["n_residents"], params["days"], params["admin_share"]) == (250, 15, 0.9)


def test_no_command_shows_help(run):
    proc = run()
    assert proc.returncode == 2 and "compare" in proc.stdout
