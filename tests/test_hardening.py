"""Hostile input and hostile circumstances: results are never damaged, impossible work is
refused before it starts, and every bad value is one bounded line with exit code 2.

Sizes are tiny (50 residents, a few days) so the file runs in seconds; the two tests
that start a second process, and the two that run `sim compare` (its figure takes seconds),
are marked slow.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from paths import ROOT, SIM

from sim.cli import main
from sim.errors import SpecError
from sim.experiments import load_experiment, run_experiment

TINY = """
[experiment]
name = "tiny"
regimes = ["three", "five"]
replications = {reps}
days = {days}
root_seed = 99

[fixed]
n_residents = 50
{extra}
"""


def tiny(path: Path, reps: int = 2, days: int = 5, extra: str = "") -> Path:
    path.write_text(TINY.format(reps=reps, days=days, extra=extra))
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root with its content hash."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in ("runs", "daily")}


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)


def one_error_line(err: str) -> str:
    """The single stderr line of a refusal (and no traceback); progress bars aside."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("runs:")]
    assert len(lines) == 1, err[:2000]
    assert lines[0].startswith("sim: error: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny experiment: the reference for repairs and the target of queries."""
    root = tmp_path_factory.mktemp("finished")
    spec = tiny(root / "tiny.toml", reps=4)
    summary = run_experiment(spec, root / "ref", workers=1, progress=False)
    assert summary.executed == 8 and summary.failed == 0
    return spec, root / "ref"


def copy_of(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------- read-only queries

ATTACKS = [
    "COPY (SELECT 1 AS x) TO '{dir}/runs.parquet'",
    "COPY (SELECT 1 AS x) TO '{dir}/runs.parquet' (USE_TMP_FILE false)",
    "COPY runs TO '{outside}/stolen.csv'",
    "ATTACH '{dir}/evil.duckdb' AS evil",
    "EXPORT DATABASE '{dir}/export'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_parquet('{dir}/../outside.parquet')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET lock_configuration = false",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_query_cannot_write_read_outside_or_install(finished, tmp_path, capsys, attack):
    _, ref = finished
    out = copy_of(ref, tmp_path / "res")
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "outside.parquet")
    before = snapshot(tmp_path)
    sql = attack.format(dir=out, outside=tmp_path)
    assert main(["query", str(out), sql]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "SQL" in line and ("disabled" in line or "locked" in line)
    assert snapshot(tmp_path) == before            # nothing written, nothing replaced
    # the results still answer queries, as text and as CSV
    assert main(["query", str(out), "SELECT count(*) AS n FROM runs", "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "8"]


def test_query_views_still_join_and_filter(finished, capsys):
    _, ref = finished
    sql = ("SELECT r.regime, count(*) AS days FROM daily d JOIN runs r USING (run_key) "
           "JOIN design g ON g.scenario = r.scenario WHERE d.day >= 0 GROUP BY 1 ORDER BY 1")
    assert main(["query", str(ref), sql, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["regime,days", "five,20", "three,20"]


@pytest.mark.parametrize("sql", ["", ";", "-- c", "  \n ", "/* only a comment */ ;;"])
def test_an_empty_query_is_one_line(finished, capsys, sql):
    _, ref = finished
    assert main(["query", str(ref), sql]) == 2
    assert "empty query" in one_error_line(capsys.readouterr().err)


def test_query_memory_is_capped_and_the_cap_refused_in_one_line(finished, tmp_path, capsys):
    _, ref = finished
    out = copy_of(ref, tmp_path / "res")
    before = snapshot(out)
    # 300 strings of 1 MB joined: DuckDB needs about 300 MB, more than a 100 MB cap
    big = "SELECT length(string_agg(repeat('x', 1000000), ',')) FROM range(300)"
    assert main(["query", str(out), big, "--memory-limit", "100"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "SQL: needs more memory than its cap of 100 MB" in line and "--memory-limit" in line
    assert snapshot(out) == before
    # the documented defaults are in force, and cannot be changed from the SQL
    settings = "SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t"
    assert main(["query", str(out), settings, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "976.5 MiB,2"    # 1,024 MB, 2 threads
    assert main(["query", str(out), "SET memory_limit = '10GB'"]) == 2
    assert "locked" in one_error_line(capsys.readouterr().err)
    assert main(["query", str(out), "SELECT 1", "--memory-limit", "5"]) == 2
    assert "--memory-limit: must be an integer in [64, 1048576]" in \
        one_error_line(capsys.readouterr().err)


# ---------------------------------------------------------------- self-repairing resume


def test_resume_moves_unreadable_parts_aside_and_reruns_them(finished, tmp_path, capsys):
    spec, ref = finished
    out = copy_of(ref, tmp_path / "damaged")
    runs = out / "parts" / "runs"
    daily = out / "parts" / "daily"
    truncated = runs / "s0000-r000-five.parquet"
    truncated.write_bytes(truncated.read_bytes()[:40])
    garbage = daily / "s0000-r001-three.parquet"
    data = bytearray(garbage.read_bytes())
    data[8:-200] = b"\x07" * (len(data) - 208)                 # pages garbled, footer intact
    garbage.write_bytes(bytes(data))
    (daily / "s0000-r001-five.parquet").write_bytes(b"")        # emptied by a crash
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "moved to" in err and "quarantine" in err and "Traceback" not in err
    assert "3 runs executed" in err and "5 already stored" in err
    quarantined = sorted(p.name for p in (out / "quarantine").rglob("*.parquet"))
    assert "s0000-r000-five.parquet" in quarantined and "s0000-r001-three.parquet" in quarantined
    assert_same_tables(ref, out)
    assert main(["query", str(out), "SELECT count(*) AS n FROM daily", "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "40"]


@pytest.mark.parametrize("table", ["runs", "daily"])
def test_a_part_copied_under_another_runs_name_is_found(finished, tmp_path, capsys, table):
    """One run's part copied under another's name (one run twice, one missing) is refused
    by readers and moved to quarantine by the resume, which runs that run again."""
    spec, ref = finished
    out = copy_of(ref, tmp_path / "copied")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["consolidated"] = None           # as after an interrupted session: parts read
    (out / "manifest.json").write_text(json.dumps(manifest))
    parts = out / "parts" / table
    (parts / "s0000-r002-five.parquet").unlink()                 # a run missing, another twice
    shutil.copy(parts / "s0000-r000-five.parquet", parts / "s0000-r002-five.parquet")
    assert main(["query", str(out), f"SELECT count(DISTINCT run_key) FROM {table}"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"parts/{table}/s0000-r002-five.parquet: holds the results of another run" in line
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "1 holding another run's results under this run's name" in err
    assert "1 runs executed" in err
    assert list((out / "quarantine").rglob(f"{table}/s0000-r002-five.parquet"))
    assert_same_tables(ref, out)


def test_query_on_a_damaged_folder_is_one_line(finished, tmp_path, capsys):
    _, ref = finished
    out = copy_of(ref, tmp_path / "damaged")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["consolidated"] = None                  # as if killed before consolidating
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "parts" / "runs" / "s0000-r000-five.parquet").write_bytes(b"PAR1 not really")
    assert main(["query", str(out), "SELECT count(*) FROM runs"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "s0000-r000-five.parquet" in line and "repair" in line


DAMAGED_MANIFESTS = {
    "an array": "[]",
    "not JSON": '{"format": "sim-experiment-results/1", ',
    "empty object": "{}",
    "wrong type": None,          # the real manifest with experiment.regimes a string
}


@pytest.mark.parametrize("damage", DAMAGED_MANIFESTS)
def test_a_damaged_manifest_is_one_line_naming_the_repair(finished, tmp_path, capsys, damage):
    spec, ref = finished
    out = copy_of(ref, tmp_path / "res")
    text = DAMAGED_MANIFESTS[damage]
    if text is None:
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["experiment"]["regimes"] = "three"
        text = json.dumps(manifest)
    (out / "manifest.json").write_text(text)
    before = snapshot(out)
    for command in (["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"],
                    ["query", str(out), "SELECT 1"], ["report", str(out)]):
        assert main(command) == 2, command
        line = one_error_line(capsys.readouterr().err)
        assert "manifest.json: manifest: damaged" in line and f"sim repair {out}" in line
        assert snapshot(out) == before                   # refused, nothing touched


def test_repair_rebuilds_a_damaged_manifest_and_the_resume_equals_a_whole_run(
        finished, tmp_path, capsys):
    spec, ref = finished
    out = copy_of(ref, tmp_path / "res")
    for key in ("s0000-r003-five", "s0000-r003-three"):         # interrupted before these
        for table in ("runs", "daily"):
            (out / "parts" / table / f"{key}.parquet").unlink()
    (out / "manifest.json").write_text("[]")
    assert main(["repair", str(out)]) == 0
    err = capsys.readouterr().err
    assert "manifest.json was damaged (an array where an object is expected)" in err
    assert "6 of 8 runs stored" in err and f"--out {out}" in err
    kept = list((out / "quarantine").rglob("manifest.json"))
    assert [p.read_text() for p in kept] == ["[]"]               # the damaged one is kept
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rebuilt"]["reason"] == "an array where an object is expected"
    assert manifest["counts"]["missing"] == 2
    assert main(["query", str(out), "SELECT count(*) AS n FROM runs", "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "6"]
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "2 runs executed" in capsys.readouterr().err
    assert_same_tables(ref, out)


def test_repair_refuses_what_it_cannot_repair(finished, tmp_path, capsys):
    spec, ref = finished
    assert main(["repair", str(tmp_path)]) == 2
    assert "not a results directory" in one_error_line(capsys.readouterr().err)
    out = copy_of(ref, tmp_path / "res")
    (out / "manifest.json").write_text("[]")
    (out / "experiment.toml").unlink()
    before = snapshot(out)
    assert main(["repair", str(out)]) == 2
    assert "--experiment FILE" in one_error_line(capsys.readouterr().err)
    other = tiny(tmp_path / "other.toml", reps=4, days=6)
    assert main(["repair", str(out), "--experiment", str(other)]) == 2
    assert "s0000-r000-five has days = 5, the file sets 6" in \
        one_error_line(capsys.readouterr().err)
    assert snapshot(out) == before
    (out / "experiment.toml").write_bytes(spec.read_bytes())
    assert main(["repair", str(out), "--experiment", str(other)]) == 2
    assert "is not the experiment of" in one_error_line(capsys.readouterr().err)
    assert main(["repair", str(out), "--experiment", str(spec)]) == 0


@pytest.mark.slow
def test_compare_on_a_damaged_manifest_is_one_line(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--residents", "50", "--days", "3", "--reps", "2", "--workers", "1",
            "--out", str(out)]
    assert main(args) == 0
    capsys.readouterr()
    (out / "manifest.json").write_text("[]")
    assert main(args) == 2
    assert f"sim repair {out}" in one_error_line(capsys.readouterr().err)
    assert main(["repair", str(out)]) == 0
    assert main(args) == 0
    assert "0 runs executed" in capsys.readouterr().err


def test_stale_temporary_files_of_any_name_are_removed_on_resume(finished, tmp_path, capsys):
    spec, ref = finished
    out = copy_of(ref, tmp_path / "stale")
    stale = [out / "parts" / "runs" / ".s0000-r000-five.parquet.k3j2.tmp",     # ours
             out / "parts" / "daily" / "tmp_s0000-r000-five.parquet",          # DuckDB COPY
             out / "tmp_.daily.parquet.x81.tmp",
             out / ".duckdb.tmp" / "duckdb_temp_storage-0.tmp",                # DuckDB spill
             out / "parts" / "daily" / "s0000-r000-five.parquet.partial"]
    for path in stale:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half written")
    for mine in ("notes.txt", "tmp_notes.txt"):
        (out / mine).write_text("mine")
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "0 runs executed" in capsys.readouterr().err
    assert [p for p in stale if p.exists()] == []
    assert (out / "notes.txt").read_text() == (out / "tmp_notes.txt").read_text() == "mine"
    assert_same_tables(ref, out)


@pytest.mark.slow
def test_second_process_on_a_folder_is_refused_with_the_holder_pid(tmp_path, capsys):
    spec = tiny(tmp_path / "long.toml", reps=30, days=30)
    out = tmp_path / "busy"
    cmd = [*SIM, "experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]
    first = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if len(list((out / "parts" / "runs").glob("*.parquet"))) >= 2:
                break
            time.sleep(0.01)
        marker = out / "parts" / "daily" / ".s9999-r000-five.parquet.live.tmp"
        marker.write_bytes(b"a live temporary file of the first process")
        assert main(["experiment", str(spec), "--out", str(out), "--workers", "1",
                     "--quiet"]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert f"{out} is in use by process {first.pid}" in line
        assert marker.exists()                       # the refused process deleted nothing
        marker.unlink()
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    # the kill released the lock: the same command resumes and finishes
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "60 in the experiment" in capsys.readouterr().err


def test_a_folder_being_set_up_by_another_process_is_in_use_not_foreign(tmp_path, capsys):
    """The instant after another sweep took the lock and before it wrote its manifest, the
    folder holds only empty directories: "in use", not "holds something else"."""
    from sim.experiments.store import ResultStore

    spec = tiny(tmp_path / "t.toml")
    out = tmp_path / "res"
    with ResultStore(out).lock():
        (out / "parts" / "runs").mkdir(parents=True)
        assert main(["experiment", str(spec), "--out", str(out), "--quiet"]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert f"{out} is in use by process {os.getpid()}" in line
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1",
                 "--quiet"]) == 0


# ---------------------------------------------------------------- output locations


def test_experiment_refuses_unusable_out_before_running(tmp_path, capsys):
    spec = tiny(tmp_path / "t.toml")
    (tmp_path / "a-file").write_text("not a directory")
    assert main(["experiment", str(spec), "--out", str(tmp_path / "a-file" / "res"),
                 "--quiet"]) == 2
    assert "not a directory" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "t.toml"]


def test_full_disk_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    import sim.io

    real = shutil.disk_usage
    monkeypatch.setattr(sim.io.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=1_000_000))      # 1 MB left
    spec = tiny(tmp_path / "t.toml")
    out = tmp_path / "res"
    assert main(["experiment", str(spec), "--out", str(out), "--quiet"]) == 2
    assert "free" in one_error_line(capsys.readouterr().err)
    assert not out.exists()
    assert main(["compare", "--residents", "50", "--days", "3", "--reps", "2",
                 "--workers", "1", "--out", str(tmp_path / "cmp")]) == 2
    assert "free" in one_error_line(capsys.readouterr().err)
    assert main(["run", "--residents", "50", "--days", "3", "--out",
                 str(tmp_path / "one")]) == 2
    assert "free" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.toml"]


def test_write_failure_mid_sweep_keeps_the_parts_and_says_how_to_resume(
        finished, tmp_path, capsys, monkeypatch):
    from sim.experiments import store

    spec, ref = finished
    real, calls = store.atomic_write_parquet, []

    def disk_fills_up(path, table):
        if "parts" in Path(path).parts:
            calls.append(path)
            if len(calls) > 6:           # three runs (daily + row each) fit, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, table)

    monkeypatch.setattr(store, "atomic_write_parquet", disk_fills_up)
    out = tmp_path / "full"
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "No space left on device" in line and "3 runs stored" in line
    assert "rerun the same command to resume" in line
    assert len(list((out / "parts" / "runs").glob("*.parquet"))) == 3
    monkeypatch.setattr(store, "atomic_write_parquet", real)      # space freed
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "5 runs executed" in capsys.readouterr().err
    assert_same_tables(ref, out)


@pytest.mark.slow
def test_compare_write_failure_is_one_line(tmp_path, capsys, monkeypatch):
    import sim.io

    def no_space(frame, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(sim.io, "write_parquet", no_space)
    assert main(["compare", "--residents", "50", "--days", "3", "--reps", "2", "--workers",
                 "1", "--out", str(tmp_path / "cmp")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "No space left on device" in line and "rerun the same command" in line
    assert len(list((tmp_path / "cmp" / "parts" / "runs").iterdir())) == 4  # runs kept
    monkeypatch.undo()   # space again: the rerun only writes the tables
    assert main(["compare", "--residents", "50", "--days", "3", "--reps", "2", "--workers",
                 "1", "--out", str(tmp_path / "cmp")]) == 0
    assert "0 runs executed" in capsys.readouterr().err
    assert (tmp_path / "cmp" / "compare.txt").exists()


def test_an_error_leaves_no_output_folder(tmp_path, capsys):
    broken = tmp_path / "broken.txt"
    broken.write_text("just-one-token\n")
    out = tmp_path / "a" / "b" / "run"
    assert main(["run", "--days", "2", "--set", f"network_file={broken}",
                 "--out", str(out)]) == 2
    assert "network_file" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "a").exists()
    spec = tiny(tmp_path / "t.toml", extra=f'network_file = "{broken}"')
    assert main(["experiment", str(spec), "--out", str(out), "--quiet"]) == 2
    assert "fixed.network_file" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "a").exists()


# ---------------------------------------------------------------- impossible work


def sampled(method: str, samples: int) -> str:
    return (f'[design]\nmethod = "{method}"\nsamples = {samples}\n'
            "[design.parameters]\ncrowd_out_elasticity = [0.0, 1.0]\n")


GRID_1E9 = "[design]\nmethod = \"grid\"\n[design.parameters]\n" + "".join(
    f"{name} = [{', '.join(str(v / 10) for v in range(10))}]\n" for name in (
        "crowd_out_elasticity", "volunteer_backfire_prob", "responsibility_diffusion",
        "role_overlap_share", "publicity", "party_leadership", "base_dispatch_accuracy",
        "building_tie_prob", "ws_rewire_prob"))

ABSURD = {   # name: (design, run count in the refusal)
    "grid of 10^9 points": (GRID_1E9, "2,000,000,000 runs"),
    "10^12 replications": ("", "2,000,000,000,000 runs"),
    "LHS of 10^12 samples": (sampled("lhs", 10**12), "2,000,000,000,000 runs"),
    "Sobol of 2^40": (sampled("sobol", 2**40), "6,597,069,766,656 runs"),
}


@pytest.mark.parametrize("name", ABSURD)
def test_absurd_designs_are_refused_from_the_count(tmp_path, capsys, name):
    design, count = ABSURD[name]
    reps = 10**12 if "replications" in name else 1
    spec = tmp_path / "absurd.toml"
    spec.write_text(TINY.format(reps=reps, days=5, extra="") + design)
    assert main(["experiment", str(spec), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert count in line and "--max-runs" in line and "1,000,000" in line
    assert not (tmp_path / "o").exists()


def test_max_runs_lowers_and_raises_the_limit(tmp_path, capsys):
    spec = tiny(tmp_path / "t.toml", reps=3)                   # 6 runs
    with pytest.raises(SpecError, match=r"6 runs .*--max-runs 6"):
        load_experiment(spec, max_runs=5)
    assert load_experiment(spec, max_runs=6).n_runs == 6
    assert main(["experiment", str(spec), "--max-runs", "4", "--quiet"]) == 2
    assert "--max-runs 6" in one_error_line(capsys.readouterr().err)


# ---------------------------------------------------------------- referenced files


def ring(path: Path, n: int = 12) -> Path:
    path.write_text("# a ring\n" + "".join(f"n{i} n{(i + 1) % n}\n" for i in range(n)))
    return path


def test_experiment_checks_network_file_and_records_its_hash(tmp_path, capsys):
    graph = ring(tmp_path / "ring.txt")
    spec = tmp_path / "net.toml"
    spec.write_text(TINY.format(reps=1, days=3, extra=f'network_file = "{graph}"')
                    .replace("n_residents = 50\n", ""))
    out = tmp_path / "o"
    assert run_experiment(spec, out, workers=1, progress=False).failed == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input_files"] == {str(graph): hashlib.sha256(graph.read_bytes())
                                       .hexdigest()}
    # the file changes: resuming into the same folder would mix two networks
    ring(graph, n=14)
    assert main(["experiment", str(spec), "--out", str(out), "--quiet"]) == 2
    assert "changed since the stored runs" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("content, words", [
    (None, "file not found"),
    ("n1 n2\nfoo bar baz qux\n", "line 2"),
    ("n1 n2 heavy\n", "line 1"),
])
def test_bad_network_file_in_experiment_is_refused_at_validation(tmp_path, capsys,
                                                                 content, words):
    graph = tmp_path / "g.txt"
    if content is not None:
        graph.write_text(content)
    spec = tiny(tmp_path / "t.toml", extra=f'network_file = "{graph}"')
    assert main(["experiment", str(spec), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "fixed.network_file" in line and words in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("nodes", [2, 9])
def test_a_graph_smaller_than_the_smallest_community_is_refused_up_front(tmp_path, capsys,
                                                                         nodes):
    """A graph of 2-9 nodes passed the checks, then every run of a sweep failed (exit 0);
    `sim run` blamed n_residents, which the user never set."""
    graph = ring(tmp_path / "small.txt", n=nodes) if nodes > 2 else tmp_path / "small.txt"
    if nodes == 2:
        graph.write_text("a b\n")
    assert main(["run", "--days", "3", "--set", f"network_file={graph}"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"--set network_file {graph}: a graph of {nodes} nodes" in line
    assert "10 to 1,000,000 nodes" in line and "--residents" not in line
    spec = tmp_path / "t.toml"
    spec.write_text(TINY.format(reps=1, days=3, extra=f'network_file = "{graph}"')
                    .replace("n_residents = 50\n", ""))
    out = tmp_path / "o"
    assert main(["experiment", str(spec), "--out", str(out), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"fixed.network_file: network_file {graph}: a graph of {nodes} nodes" in line
    assert not out.exists()


def test_experiment_refuses_n_residents_that_contradicts_the_graph(tmp_path, capsys):
    graph = ring(tmp_path / "ring.txt")
    spec = tiny(tmp_path / "t.toml", extra=f'network_file = "{graph}"')   # n_residents = 50
    with pytest.raises(SpecError, match=r"n_residents = 50 conflicts with network_file.*12 nodes"):
        load_experiment(spec)


# ---------------------------------------------------------------- one-line errors


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "-1e400", "nan"])
@pytest.mark.parametrize("name", ["days", "n_residents"])
def test_infinite_integers_from_set_are_one_line(capsys, name, value):
    assert main(["run", "--set", f"{name}={value}", "--json"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"--set {name}" in line and "integer" in line


@pytest.mark.parametrize("toml_value", ["inf", "-inf", "1e400", "nan"])
def test_infinite_integers_from_config_are_one_line(tmp_path, capsys, toml_value):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"days = {toml_value}\n")
    assert main(["run", "--config", str(cfg), "--json"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{cfg}" in line and "days" in line and "--days" not in line


NESTED = {
    "arrays": "x = " + "[" * 1000 + "]" * 1000 + "\n",
    "inline tables": "x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n",
    "dotted header": "[" + ".".join(["t"] * 5000) + "]\nx = 1\n",
}


@pytest.mark.parametrize("shape", NESTED)
def test_deeply_nested_toml_is_one_line(tmp_path, capsys, shape):
    cfg = tmp_path / "deep.toml"
    cfg.write_text(NESTED[shape])
    assert main(["run", "--config", str(cfg)]) == 2
    assert "nested more than 16 levels" in one_error_line(capsys.readouterr().err)
    spec = tmp_path / "deep_exp.toml"
    spec.write_text(TINY.format(reps=1, days=2, extra="") + NESTED[shape])
    assert main(["experiment", str(spec), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "nested more than 16 levels" in one_error_line(capsys.readouterr().err)


LONG = "p" * 300


@pytest.mark.parametrize("args", [
    ["run", "--config", LONG],
    ["run", "--set", f"network_file={LONG}"],
    ["run", "--set", f"network_file={LONG}/x.graphml"],
    ["run", "--residents", "50", "--days", "2", "--out", LONG],
    ["experiment", LONG],
    ["experiment", "{spec}", "--out", LONG],
    ["query", LONG, "SELECT 1"],
    ["report", LONG],
    ["run", "--regime", LONG],
    ["run", "--set", f"{LONG}=1"],
    ["run", "--set", f"network_generator={LONG}"],
])
def test_long_paths_and_values_are_quoted_bounded(tmp_path, capsys, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    spec = tiny(tmp_path / "t.toml")
    assert main([a.format(spec=spec) for a in args]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert len(line) < 400 and LONG not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.toml"]


@pytest.mark.parametrize("size", [
    1_000_000, pytest.param(50_000_000, marks=pytest.mark.slow, id="50MB")])
def test_a_huge_value_from_a_file_gives_a_short_line(tmp_path, capsys, size):
    huge = "x" * size
    cfg = tmp_path / "huge.toml"
    cfg.write_text(f'network_file = "{huge}"\n')
    assert main(["run", "--config", str(cfg)]) == 2
    assert len(one_error_line(capsys.readouterr().err)) < 400
    if size > 1_000_000:
        return       # the other places read the value the same way; tomllib takes ~5 s per 50 MB
    spec = tiny(tmp_path / "t.toml", extra=f'network_file = "{huge}"')
    assert main(["experiment", str(spec), "--quiet"]) == 2
    assert len(one_error_line(capsys.readouterr().err)) < 400
    cfg.write_text(f'network_generator = "{huge}"\n')
    assert main(["run", "--config", str(cfg)]) == 2
    assert len(one_error_line(capsys.readouterr().err)) < 400


@pytest.mark.parametrize("command", ["run --config", "experiment", "calibrate"])
def test_toml_files_over_the_size_limit_are_refused_before_parsing(tmp_path, capsys,
                                                                    command):
    big = tmp_path / "big.toml"
    big.write_text("".join(f"k{i} = {i}\n" for i in range(120_000)))    # 1.8 MB of keys
    out = tmp_path / "out"
    start = time.perf_counter()
    assert main([*command.split(), str(big), "--out", str(out)]) == 2
    seconds = time.perf_counter() - start
    line = one_error_line(capsys.readouterr().err)
    assert (f"{big}" in line and f"too large ({big.stat().st_size:,} bytes" in line
            and "1,048,576" in line)
    assert seconds < 1.0, seconds           # parsing it would take seconds
    assert not out.exists()


def test_typed_files_refuse_text_for_numbers_only_set_parses_it(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('days = "200"\n')
    out = tmp_path / "o"
    assert main(["run", "--config", str(cfg), "--residents", "50", "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{cfg}: days: must be an integer in [1, " in line and "got '200'" in line
    assert not out.exists()
    spec = tiny(tmp_path / "t.toml").read_text().replace("days = 5", 'days = "5"')
    (tmp_path / "t.toml").write_text(spec)
    assert main(["experiment", str(tmp_path / "t.toml"), "--out", str(out), "--quiet"]) == 2
    assert "experiment.days" in one_error_line(capsys.readouterr().err)
    assert not out.exists()
    # the command line is text: --set parses it (and so does a config's text parameter)
    cfg.write_text('network_generator = "watts_strogatz"\n')
    assert main(["run", "--config", str(cfg), "--residents", "50", "--set", "days=3",
                 "--json"]) == 0


def test_config_values_are_blamed_on_the_file_and_key(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[params]\nn_residents = 5\n")
    assert main(["run", "--config", str(cfg)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{cfg}" in line and "n_residents" in line and "--residents" not in line
    assert main(["run", "--residents", "5"]) == 2
    assert "sim: error: --residents: must be in [10, " in capsys.readouterr().err
    assert main(["run", "--set", "days=0"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--set days" in line and "--days" not in line


# ---------------------------------------------------------------- graph files


def test_malformed_edge_list_lines_are_refused_with_their_number(tmp_path):
    from sim.model import ConfigError, load_graph

    path = tmp_path / "g.txt"
    path.write_text("# header\n1 2\n2 3 0.5   # weighted\n\nfoo bar baz qux\n")
    with pytest.raises(ConfigError, match=r"line 5: expected two node ids.*'foo bar baz qux'"):
        load_graph(path)
    for bad, number in (("1 2\n3\n", 2), ("1 2 heavy\n", 1), ("1 2 inf\n", 1)):
        path.write_text(bad)
        with pytest.raises(ConfigError, match=f"line {number}"):
            load_graph(path)
    tail = "".join(f"x{i} x{i + 1}\n" for i in range(6))            # 10 nodes in all
    path.write_text("1 2\n2 3 0.5\n3 1   # a triangle\n" + tail)
    graph = load_graph(path)
    assert sorted(e for e in graph.edges if max(e) < 3) == [(0, 1), (0, 2), (1, 2)]
    assert graph.edges[1, 2]["weight"] == 0.5


def test_graphml_node_attributes_survive_loading(tmp_path):
    from sim.model import load_graph

    source = nx.path_graph(["b", "a", "c", *(f"d{i}" for i in range(7))])   # 10 residents
    for node, (household, building, age) in zip("abc", [(0, 0, 71), (0, 0, 68), (1, 0, 9)]):
        source.nodes[node].update(household=household, building=building, age=age)
    for i in range(7):
        source.nodes[f"d{i}"].update(household=2 + i, building=1, age=40)
    nx.write_graphml(source, tmp_path / "g.graphml")
    graph = load_graph(tmp_path / "g.graphml")
    assert [graph.nodes[i] for i in range(3)] == [  # sorted ids; the file's id kept as label
        {"household": 0, "building": 0, "age": 71, "label": "a"},
        {"household": 0, "building": 0, "age": 68, "label": "b"},
        {"household": 1, "building": 0, "age": 9, "label": "c"}]


def test_residents_conflicting_with_a_network_file_are_refused(tmp_path, capsys):
    graph = ring(tmp_path / "ring.txt", n=20)
    assert main(["run", "--residents", "500", "--days", "2",
                 "--set", f"network_file={graph}"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--residents: 500 residents conflicts with --set network_file" in line
    assert "20 nodes" in line
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'n_residents = 500\nnetwork_file = "{graph}"\n')
    assert main(["run", "--days", "2", "--config", str(cfg)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{cfg}: n_residents" in line and "20 nodes" in line
    # the graph's own size is reported, and agreeing with it is fine
    out = tmp_path / "o"
    assert main(["run", "--residents", "20", "--days", "2", "--seed", "3",
                 "--set", f"network_file={graph}", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("regime five, 20 residents, 2 days")
    assert main(["run", "--days", "2", "--set", f"network_file={graph}"]) == 0
    assert capsys.readouterr().out.startswith("regime five, 20 residents, 2 days")
    assert json.loads((out / "summary.json").read_text())["residents"] == 20
