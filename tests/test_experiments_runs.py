"""Batch experiments on the real model: local runs, failures as data, kill and resume,
a real Dask cluster, SQL and the report.

Runs are tiny (300 residents, 20-30 days). The reference experiment and its report are
built once per module and shared; the tests that start processes, a pool or a Dask cluster,
or write a report, are marked slow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest
from paths import ROOT, SIM

from sim.cli import main
from sim.experiments import load_experiment, load_results, run_experiment, write_report
from sim.experiments.executors import InFlight, InlineExecutor
from sim.experiments.seeds import run_seed
from sim.experiments.tasks import FAIL_ENV, run_key

SMALL = """
[experiment]
name = "small"
description = "two mechanism rows, three and five"
regimes = ["three", "five"]
replications = {reps}
days = {days}
root_seed = 12345

[fixed]
n_residents = 300

[design]
method = "rows"
[[design.rows]]
label = "none"
crowd_out_elasticity = 0.0
[[design.rows]]
label = "crowd_out"
crowd_out_elasticity = 0.75

[analysis]
baseline_row = "none"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in ("runs", "daily")}


def assert_same_tables(a: Path, b: Path) -> None:
    """Consolidated tables equal bit for bit (values, dtypes, order)."""
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)
    assert ta["runs"]["run_key"].is_unique


DAYS = 20   # of the reference experiment


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small experiment run once, in process: the reference for other executors."""
    root = tmp_path_factory.mktemp("small")
    spec = write(root / "small.toml", SMALL.format(reps=3, days=DAYS))
    summary = run_experiment(spec, root / "ref", workers=1, progress=False)
    assert summary.executed == 12 and summary.failed == 0
    return spec, root / "ref"


def test_local_run_stores_everything(small):
    spec, out = small
    runs, daily = tables(out).values()
    assert len(runs) == 12 and set(runs["status"]) == {"ok"}
    assert list(runs[["scenario", "rep", "regime"]].itertuples(index=False)) == sorted(
        runs[["scenario", "rep", "regime"]].itertuples(index=False))
    # Common random numbers: every regime of a replicate shares the stateless seed, and
    # (the default rule) so does every scenario.
    for row in runs.itertuples():
        assert row.seed == run_seed(12345, row.rep)
        assert row.run_key == run_key(row.scenario, row.rep, row.regime)
    assert runs.groupby("rep")["seed"].nunique().eq(1).all()
    assert runs["seed"].nunique() == 3
    assert runs.groupby("scenario")["crowd_out_elasticity"].first().tolist() == [0.0, 0.75]
    assert len(daily) == 12 * DAYS and daily.groupby("run_key")["day"].count().eq(DAYS).all()
    manifest = load_results(out).manifest
    assert manifest["complete"] and manifest["experiment_sha256"] == load_experiment(spec).sha256
    for key in ("git_commit", "git_dirty", "packages", "executor", "started", "ended",
                "root_seed"):
        assert key in manifest
    assert {"mesa", "numpy", "duckdb", "python"} <= set(manifest["packages"])


@pytest.mark.slow
def test_failed_run_is_recorded_and_sweep_goes_on(small, tmp_path, monkeypatch, capsys):
    spec, ref = small
    out = tmp_path / "fail"
    monkeypatch.setenv(FAIL_ENV, "s0001-r001-five")
    assert main(["experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    runs = tables(out)["runs"].set_index("run_key")
    assert (runs["status"] == "failed").sum() == 1
    bad = runs.loc["s0001-r001-five"]
    assert "InjectedFailure" in bad["error"] and pd.isna(bad["unmet_need_share"])
    assert bad["crowd_out_elasticity"] == 0.75 and bad["seed"] == run_seed(12345, 1)
    assert "Traceback" in (out / "failures" / "s0001-r001-five.txt").read_text()
    assert (runs.drop(index="s0001-r001-five")["status"] == "ok").all()
    assert "1 failed" in capsys.readouterr().err
    # Resuming does not rerun a recorded failure; --retry-failed does, and then the
    # tables equal a run that never failed.
    monkeypatch.delenv(FAIL_ENV)
    assert run_experiment(spec, out, workers=1, progress=False).executed == 0
    assert run_experiment(spec, out, workers=1, progress=False, retry_failed=True).executed == 1
    assert_same_tables(ref, out)


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path, capsys):
    spec = write(tmp_path / "kill.toml", SMALL.format(reps=4, days=DAYS))
    out = tmp_path / "killed"
    cmd = [*SIM, "experiment", str(spec), "--out", str(out), "--workers", "1", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "parts" / "runs").glob("*.parquet"))) >= 5:
                break
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done_at_kill = len(list((out / "parts" / "runs").glob("*.parquet")))
    assert proc.returncode == -signal.SIGKILL and 5 <= done_at_kill < 16
    # the same command resumes it; in this process (a `sim experiment` process of its own
    # runs to the end in test_dask_cluster_equals_local_run), which saves its start-up
    capsys.readouterr()
    assert main(cmd[len(SIM):]) == 0
    assert f"{done_at_kill} already stored" in capsys.readouterr().err
    full = run_experiment(spec, tmp_path / "uninterrupted", workers=1, progress=False)
    assert full.executed == 16
    assert_same_tables(tmp_path / "uninterrupted", out)
    assert not list(out.rglob(".*.tmp"))


# ---------------------------------------------------------------- Dask cluster


@pytest.mark.slow
def test_dask_cluster_equals_local_run(small, dask_cluster, tmp_path):
    spec, ref = small
    out = tmp_path / "dask"
    proc = subprocess.run([*SIM, "experiment", str(spec), "--out", str(out),
                           "--scheduler", dask_cluster], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_same_tables(ref, out)
    executor = load_results(out).manifest["executor"]
    assert executor["kind"] == "dask" and executor["workers"] == 2


@pytest.mark.slow
def test_dask_scheduler_from_environment(small, dask_cluster, tmp_path, monkeypatch):
    """In this process: test_dask_cluster_equals_local_run runs `sim experiment` on the
    cluster in a process of its own; here only where the address comes from differs."""
    spec, ref = small
    out = tmp_path / "dask_env"
    monkeypatch.setenv("SIM_DASK_SCHEDULER", dask_cluster)
    assert main(["experiment", str(spec), "--out", str(out), "--quiet"]) == 0
    assert load_results(out).manifest["executor"]["address"] == dask_cluster
    assert_same_tables(ref, out)


@pytest.mark.slow
def test_process_pool_equals_local_run(small, tmp_path):
    spec, ref = small
    summary = run_experiment(spec, tmp_path / "pool", workers=2, progress=False)
    assert summary.executed == 12
    assert_same_tables(ref, tmp_path / "pool")


# ---------------------------------------------------------------- reading results


def test_query_prints_sql_result(small, capsys):
    _, out = small
    sql = "SELECT regime, count(*) AS n FROM runs GROUP BY regime ORDER BY regime"
    assert main(["query", str(out), sql, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["regime,n", "five,6", "three,6"]
    joined = "SELECT count(*) AS n FROM daily JOIN runs USING (run_key) WHERE status = 'ok'"
    assert main(["query", str(out), joined, "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", str(12 * DAYS)]
    assert main(["query", str(out), "SELECT nope FROM runs"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sim: error: ") and "SQL" in err and "\n" not in err


def _figure_labels(monkeypatch) -> list[tuple[str, str]]:
    """Record (file, axis label) for every axis label of every figure saved."""
    from matplotlib.figure import Figure

    seen: list[tuple[str, str]] = []
    save = Figure.savefig

    def recording(fig, fname, *args, **kwargs):
        texts = [ax.get_xlabel() for ax in fig.axes] + [ax.get_ylabel() for ax in fig.axes]
        texts += [t.get_text() for t in (fig._supxlabel, fig._supylabel) if t is not None]
        seen.extend((Path(str(fname)).name, t) for t in texts if t.strip())
        return save(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return seen


@pytest.fixture(scope="module")
def report(small, tmp_path_factory):
    """The reference experiment's report, written once (under umask 022, every axis label
    of every figure recorded) for the two tests that read it: (report.md, labels)."""
    _, out = small
    target = tmp_path_factory.mktemp("report") / "report"
    with pytest.MonkeyPatch.context() as monkeypatch:
        labels = _figure_labels(monkeypatch)
        old = os.umask(0o022)
        try:
            md = write_report(out, target)
        finally:
            os.umask(old)
    return md, labels


@pytest.mark.slow
def test_report_writes_markdown_html_and_figures(report):
    md, _ = report
    folder = md.parent
    text = md.read_text()
    for heading in ("Paired differences against three", "Does five keep its advantage",
                    "Daily series", "Reference scenario: none"):
        assert heading in text
    assert "95% paired t-interval" in text and "Bonferroni correction" in text
    assert "Adjusted CI (Bonferroni)" in text and "95% CI (unadjusted)" in text
    assert "bootstrap" not in text
    assert (folder / "report.html").read_text().count("<img") >= 3
    figures = {p.name for p in (folder / "figures").glob("*.png")}
    # daily series: a panel for every row (small multiples), one figure per headline series
    assert {"diff_s0.png", "diff_s1.png", "daily_unmet_need_share_0.png",
            "advantage_five.png"} <= figures
    diffs = pd.read_csv(folder / "differences.csv")
    assert set(diffs["label"]) == {"none", "crowd_out"} and diffs["p_adjusted"].notna().any()


@pytest.mark.slow
def test_report_files_are_ordinary_tables_are_csv_and_latex_and_labels_are_words(report):
    """Under umask 022 every report file is 0644; every table is tables/*.csv and .tex; the
    HTML embeds its figures; every axis label is words with a unit, never a code name."""
    import re
    import stat

    from sim.model import METRICS, PARAM_SPECS

    md, labels = report
    files = [p for p in md.parent.rglob("*") if p.is_file()]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {"0o644"}
    tables = md.parent / "tables"
    csv = {p.stem for p in tables.glob("*.csv")}
    assert csv == {p.stem for p in tables.glob("*.tex")} and len(csv) >= 3
    assert all("\\toprule" in p.read_text() for p in tables.glob("*.tex"))
    html = md.with_suffix(".html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and "src='figures/" not in html
    codes = set(METRICS) | set(PARAM_SPECS)
    assert labels
    for figure, label in labels:
        words = set(re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", label))
        assert not words & codes, (figure, label)
        assert re.search(r"\(.+\)", label), (figure, label)      # a unit
    text = md.read_text()
    assert "crowd_out_elasticity" not in text.split("## Names in the data files")[0]


@pytest.mark.slow
def test_morris_sensitivity_end_to_end(tmp_path):
    spec = write(tmp_path / "morris.toml", """
[experiment]
name = "morris"
regimes = ["three", "five"]
replications = 1
days = 20
root_seed = 3

[fixed]
n_residents = 300

[design]
method = "morris"
samples = 2
seed = 5
[design.parameters]
need_rate_scale = [0.5, 2.0]
coordination_cost_hours_per_channel = [0.0, 4.0]

[analysis]
metrics = ["unmet_need_share", "coordination_overhead_share"]
""")
    out = tmp_path / "out"
    assert run_experiment(spec, out, workers=1, progress=False).executed == 2 * 3 * 2
    md = write_report(out).read_text()
    assert "Morris screening" in md and "five - three" in md
    assert (out / "report" / "figures" / "sensitivity_five.png").exists()
    # sampled designs get a regression of the difference on the parameters (HC3 errors)
    assert "The difference over the design: each regime minus three" in md and "HC3" in md
    assert "scaled(need_rate_scale)" in md


# ---------------------------------------------------------------- the submission loop


class _Recording(InlineExecutor):
    """Runs each task at submission, and counts submissions; tasks in ``hold`` get a
    future that never starts (as if queued behind busy workers)."""

    def __init__(self, hold=()):
        self.submitted, self.hold, self.held = [], set(hold), []

    def submit(self, fn, /, *args, **kwargs):
        self.submitted.append(args[0])
        if args[0] not in self.hold:
            return super().submit(fn, *args, **kwargs)
        self.held.append(Future())
        return self.held[-1]


def test_in_flight_keeps_at_most_n_submitted_and_yields_every_task_once():
    pool, yielded, outstanding = _Recording(), [], []
    with InFlight(pool, lambda x: x * x, range(10), 3) as flight:
        for task, future in flight:
            outstanding.append(len(pool.submitted) - len(yielded))
            yielded.append((task, future.result()))
    assert sorted(yielded) == [(i, i * i) for i in range(10)]
    assert pool.submitted == list(range(10)) and max(outstanding) == 3
    assert flight.unfinished == []


def test_in_flight_stops_submitting_once_cancelled():
    cancel, pool = threading.Event(), _Recording()
    with InFlight(pool, str, range(10), 3, cancel) as flight:
        seen = []
        for task, _ in flight:
            seen.append(task)
            cancel.set()                    # those in flight still finish and are yielded
    assert pool.submitted == [0, 1, 2] and sorted(seen) == [0, 1, 2]


def test_leaving_the_loop_cancels_the_futures_not_started():
    pool = _Recording(hold={1, 2})
    with pytest.raises(RuntimeError), InFlight(pool, str, range(10), 3) as flight:
        for task, _ in flight:
            assert task == 0
            raise RuntimeError("the caller failed (a full disk)")
    assert sorted(flight.unfinished) == [1, 2]
    assert len(pool.held) == 2 and all(f.cancelled() for f in pool.held)
    assert pool.submitted == [0, 1, 2]
