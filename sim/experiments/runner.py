"""Run an experiment: plan the runs, execute them on any Executor, store each as it ends.

The runner knows the model only through ``sim.model.simulate(params, regime, seed)`` and
the parameter metadata in ``sim.model.params``. A task is one (scenario, replicate) with all of
its regimes, which share one seed (common random numbers; :mod:`.tasks` is what a worker
runs). Workers return results to this process, which alone writes to the output directory,
so a worker may sit on another machine without a shared filesystem.

Before any run: the output folder is checked (writable, room on its disk), then locked
for the whole session (one writer per folder), then repaired (temporary files removed,
unreadable parts moved to quarantine/). If writing fails mid-sweep (a full disk), the
sweep stops at once; every run stored so far stays stored, and rerunning the same
command resumes.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import time
from concurrent.futures import Executor
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import SpecError, WriteFailure
from sim.model import shown

from . import provenance
from .executors import Abandoned, InFlight, Interrupts, capacity, open_executor
from .seeds import DERIVATION
from .spec import Experiment, load_experiment
from .store import (
    KEY_COLUMNS,
    MANIFEST_FORMAT,
    ResultStore,
    read_manifest,
    run_schema,
    write_manifest,
)
from .tasks import FAIL_ENV, RunOutcome, RunTask, run_key, run_task


def plan(experiment: Experiment, done: set[str], fail: tuple[str, ...] = ()) -> list[RunTask]:
    """Every task with at least one run not yet stored, in run-key order."""
    tasks = []
    for scenario in experiment.scenarios:
        params = experiment.params_for(scenario)
        for rep in range(experiment.replications):
            todo = tuple(r for r in experiment.regimes
                         if run_key(scenario.index, rep, r) not in done)
            if todo:
                seed = experiment.seed_for(scenario.design_point, rep)
                tasks.append(RunTask(scenario.index, scenario.label, rep, seed, params, todo, fail,
                                     experiment.model_for(scenario), scenario.model))
    return tasks


class Interrupted(KeyboardInterrupt):
    """The sweep stopped on Ctrl-C; ``line`` says what is kept and how to go on."""

    def __init__(self, summary: SweepSummary, stored: int, abandoned: bool):
        self.summary, self.stored, self.abandoned = summary, stored, abandoned
        where = shown(str(summary.out))
        if abandoned:
            self.line = (f"sim: abandoned {summary.abandoned} running runs; the {stored} "
                         f"runs stored in {where} are kept ({summary.executed} of them from "
                         "this session); rerun the same command to resume")
        else:
            self.line = (f"sim: interrupted: {summary.executed} runs stored in this session "
                         f"({stored} of {summary.total} in {where}), the rest not run; rerun "
                         "the same command to resume")
        super().__init__(self.line)


@dataclass
class SweepSummary:
    """Counts of one invocation of the runner."""

    out: Path
    total: int
    already_done: int
    executed: int = 0
    failed: int = 0
    aborted: int = 0
    abandoned: int = 0          # runs running when a second Ctrl-C gave them up
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every run is stored (failed runs included), 1 if some could not run."""
        return 1 if self.aborted else 0


def run_experiment(experiment: Experiment | str | Path, out: str | Path, *,
                   workers: int | None = None, scheduler: str | None = None,
                   executor: Executor | None = None, progress: bool = True,
                   retry_failed: bool = False, model_class: type | None = None
                   ) -> SweepSummary:
    """Run (or resume) ``experiment`` into ``out``; return what this invocation did.

    ``executor`` may be any ``concurrent.futures.Executor``; otherwise one is opened from
    ``workers``/``scheduler`` (see :mod:`sim.experiments.executors`). ``model_class``, a
    subclass of ``CommunityModel`` importable by the workers, replaces the model the file
    names (``sim.experiments.models``).
    """
    from sim.model import PARAM_SPECS

    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    if model_class is not None:
        experiment = _with_model_class(experiment, model_class)
    store = ResultStore(out)
    store.check_not_locked()
    store.check_compatible(experiment)
    metrics = experiment.metric_names()
    param_types = {n: type(PARAM_SPECS[n].default) for n in experiment.param_columns()}
    _check_columns(experiment, metrics, param_types)
    schema = run_schema(param_types, metrics, model_column=bool(experiment.models))
    defaults = {n: PARAM_SPECS[n].default for n in param_types}
    fail = tuple(p for p in os.environ.get(FAIL_ENV, "").split(",") if p.strip())
    store.check_writable(experiment, todo=experiment.n_runs - _stored_count(store))

    # A caller's own executor: its size is unknown, so keep a generous queue in flight.
    opened = nullcontext((executor, {"kind": type(executor).__name__, "threads": 128})) \
        if executor else open_executor(workers, scheduler)
    # Executor first: a refused scheduler leaves out untouched, and forked pool workers
    # must not inherit (and so prolong) the folder lock.
    with opened as (pool, info), store.lock():
        try:
            return _session(experiment, store, pool, info, metrics, param_types, schema,
                            defaults, fail, progress, retry_failed)
        except OSError as exc:      # writing failed (full disk ...): what is stored stays
            raise _write_failure(store, exc) from None


def _with_model_class(experiment: Experiment, model_class: type) -> Experiment:
    """The experiment with ``model_class`` as its one model (its metrics included)."""
    from .catalogue import merged
    from .models import reference_of

    if experiment.models:
        raise SpecError(experiment.path, "experiment.models",
                        "model_class replaces the one model of an experiment; this one has "
                        "model variants as a factor")
    try:
        catalogue = merged({"model": model_class})
    except (TypeError, ValueError) as exc:
        raise SpecError(experiment.path, "model_class", str(exc)) from None
    return dataclasses.replace(experiment, model=reference_of(model_class),
                               catalogue=catalogue)


def _session(experiment: Experiment, store: ResultStore, pool: Executor, info: dict,
             metrics: list[str], param_types: dict, schema, defaults: dict,
             fail: tuple[str, ...], progress: bool, retry_failed: bool) -> SweepSummary:
    """One session on a locked folder: repair, plan, drive, record."""
    store.check_compatible(experiment)      # again, now that no one else can write
    moved = store.prepare(experiment, design_table(experiment))
    if moved:
        misnamed = f" ({len(store.misnamed)} holding another run's results under this " \
                   "run's name)" if store.misnamed else ""
        print(f"sim: warning: {store.root}: {len(moved)} unreadable or misnamed part file(s)"
              f"{misnamed} moved to {moved[0].parents[2]}/; their runs will run again",
              file=sys.stderr)
    manifest = _start_manifest(store.root, experiment, info, metrics, param_types)
    if retry_failed:
        store.forget(store.done_keys(status="failed"))
    done = store.done_keys()
    summary = SweepSummary(store.root, experiment.n_runs, len(done))
    start = time.perf_counter()
    write_failed = interrupted = False
    try:
        _drive(pool, capacity(info), plan(experiment, done, fail), store, schema, defaults,
               metrics, summary, progress)
    except OSError:
        write_failed = True
        raise
    except KeyboardInterrupt as exc:
        interrupted = True
        stored = _stored_count(store)
        raise Interrupted(summary, stored, isinstance(exc, Abandoned)) from None
    finally:
        summary.seconds = time.perf_counter() - start
        if write_failed:
            _finish_after_write_failure(store, manifest, summary)
        elif interrupted:
            _record_interruption(store, manifest, summary)
        else:
            _finish_manifest(store, manifest, summary)
    return summary


def _stored_count(store: ResultStore) -> int:
    return len(store.done_keys()) if store.runs_dir.is_dir() else 0


def _write_failure(store: ResultStore, exc: OSError) -> WriteFailure:
    """One line: what failed, what is kept, how to go on."""
    stored = _stored_count(store)
    name = Path(exc.filename).name if getattr(exc, "filename", None) else "a result file"
    name = re.sub(r"^\.(.+)\.\w+\.tmp$", r"\1", name)     # the temporary name's final name
    reason = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return WriteFailure(store.root, "write",
                        f"cannot write {name} ({shown(reason)}); the {stored} "
                        "runs stored so far are kept; free space (or fix the folder) and "
                        "rerun the same command to resume")


def _record_interruption(store: ResultStore, manifest: dict, summary: SweepSummary) -> None:
    """Record a session stopped by Ctrl-C, quickly: the tables are not consolidated (readers
    use the parts; the resume consolidates), so the process exits as soon as the runs in
    flight are stored. A write failure here changes nothing: the parts are the truth."""
    manifest["sessions"][-1].update(ended=provenance.now(), executed=summary.executed,
                                    failed=summary.failed, aborted=summary.aborted,
                                    interrupted=True, seconds=round(summary.seconds, 3))
    manifest.update(ended=provenance.now(), consolidated=None, complete=False)
    with suppress(OSError):
        write_manifest(store.root, manifest)


def _finish_after_write_failure(store: ResultStore, manifest: dict,
                                summary: SweepSummary) -> None:
    """Record the session if the disk still allows it; the parts stay the truth."""
    with suppress(OSError):   # the manifest keeps consolidated=None, so readers use the parts
        _finish_manifest(store, manifest, summary)


def _drive(pool: Executor, in_flight: int, tasks: list[RunTask], store: ResultStore, schema,
           defaults: dict, metrics: list[str], summary: SweepSummary, progress: bool) -> None:
    """Keep ``in_flight`` tasks submitted; store every outcome as soon as it arrives.

    Ctrl-C (:class:`~.executors.Interrupts`): the first one says what it waits for, lets
    the running tasks finish and stores them, cancels the queued ones and then raises
    KeyboardInterrupt; the second raises :class:`~.executors.Abandoned` at once (the
    executor then terminates its workers). Either way every run stored stays stored.
    """
    bar = _progress_bar(summary, progress)

    def stopping(running: list[RunTask], write=bar.write) -> None:
        runs = sum(len(t.regimes) for t in running)
        write(f"sim: stopping: waiting for {runs} running runs to finish and store them; "
              "Ctrl-C again to abandon them", file=sys.stderr)

    def stopping_now(task: RunTask) -> None:     # from the signal handler: no locks taken
        under_bar = "\n" if progress else ""
        stopping([task], lambda text, file: os.write(2, f"{under_bar}{text}\n".encode()))

    try:
        with Interrupts() as interrupts, \
                InFlight(pool, run_task, tasks, in_flight, interrupts=interrupts,
                         on_stop=stopping) as flight:
            interrupts.on_inline = stopping_now
            try:
                for task, future in flight:
                    _store(task, future, store, schema, defaults, metrics, summary, bar)
            except Abandoned:
                summary.abandoned = sum(len(t.regimes) for t in flight.abandoned)
                raise
            finally:
                summary.aborted += sum(len(t.regimes) for t in flight.unfinished)
            if flight.stopped:
                raise KeyboardInterrupt
    finally:
        bar.close()


def _store(task: RunTask, future, store: ResultStore, schema, defaults: dict,
           metrics: list[str], summary: SweepSummary, bar) -> None:
    """Write one finished task's runs (or count them aborted if the executor failed)."""
    try:
        outcomes = future.result()
    except Exception as exc:  # noqa: BLE001 - the executor, not the model, failed
        summary.aborted += len(task.regimes)
        bar.write(f"sim: warning: task {task.keys()[0]}..: executor error "
                  f"{type(exc).__name__}: {exc}; rerun to resume", file=sys.stderr)
        return
    for outcome in outcomes:
        store.write_run(_row(task, outcome, defaults, metrics), schema,
                        outcome.daily, outcome.traceback)
        summary.executed += 1
        summary.failed += outcome.status == "failed"
        bar.update(1)
    bar.set_postfix(failed=summary.failed, refresh=False)


class _NoBar:
    """Stands in for tqdm when there is no progress bar (tqdm would start a thread anyway)."""

    def update(self, n: int = 1) -> None: ...
    def set_postfix(self, **kwargs) -> None: ...
    def close(self) -> None: ...

    @staticmethod
    def write(text: str, file=sys.stderr) -> None:
        print(text, file=file)


def _progress_bar(summary: SweepSummary, progress: bool):
    """tqdm on stderr: runs done of all runs, failures, rate and time left."""
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=summary.total, initial=summary.already_done, unit="run",
                file=sys.stderr, dynamic_ncols=True, desc="runs", postfix={"failed": 0})


def _row(task: RunTask, outcome: RunOutcome, defaults: dict, metrics: list[str]) -> dict:
    """One run-table row: keys, status, every parameter (defaults filled), every metric."""
    row: dict[str, Any] = {"run_key": outcome.key, "scenario": task.scenario, "label": task.label,
                           "rep": task.rep, "regime": outcome.regime, "seed": task.seed,
                           "status": outcome.status, "error": outcome.error}
    if task.variant:
        row["model"] = task.variant
    row.update({n: task.params.get(n, d) for n, d in defaults.items()})
    for m in metrics:
        value = outcome.summary.get(m)
        row[m] = None if value is None else float(value)
    return row


def _check_columns(experiment: Experiment, metrics: list[str], param_types: dict) -> None:
    clash = set(metrics) & (set(param_types) | set(KEY_COLUMNS)
                            | {"status", "error", "day", "model"})
    if clash:  # a model-side naming problem, reported before anything runs
        raise SpecError(experiment.path, ", ".join(sorted(clash)),
                        "a summary metric has the name of a parameter or run-table column")


def design_table(experiment: Experiment) -> pd.DataFrame:
    """One row per scenario: index, label, varied values, and raw sample values (x_*)."""
    rows = []
    for s in experiment.scenarios:
        rows.append({"scenario": s.index, "label": s.label,
                     **({"model": s.model, "point": s.design_point} if s.model else {}),
                     **{f"param_{k}": v for k, v in s.varied.items()},
                     **{f"x_{k}": v for k, v in s.raw.items()}})
    return pd.DataFrame(rows)


def new_manifest(experiment: Experiment, metrics: list[str], param_types: dict) -> dict:
    """The manifest of a folder with no session yet: what the experiment is, its seeds,
    inputs and columns."""
    from sim.model import METRICS, PARAM_SPECS

    from .catalogue import extra_entries

    catalogue = experiment.catalogue or METRICS

    return {
        "format": MANIFEST_FORMAT,
        "experiment_file": str(experiment.path),
        "experiment_sha256": experiment.sha256,
        "experiment": experiment.to_json(),
        "root_seed": experiment.root_seed,
        "seeds": experiment.seeds,
        "seed_derivation": DERIVATION[experiment.seeds],
        "n_runs": experiment.n_runs,
        "input_files": dict(experiment.inputs),     # referenced file -> sha256 of its content
        "columns": {"keys": [*KEY_COLUMNS, *(["model"] if experiment.models else [])],
                    "status": ["status", "error"],
                    "params": {n: t.__name__ for n, t in param_types.items()},
                    "metrics": metrics},
        "metric_descriptions": {n: m.definition for n, m in catalogue.items()},
        # metrics the model variants register (name, definition, unit, direction, ...)
        "extra_metrics": extra_entries(catalogue),
        "parameters": {n: {"default": PARAM_SPECS[n].default, "unit": PARAM_SPECS[n].unit,
                           "min": PARAM_SPECS[n].min, "max": PARAM_SPECS[n].max,
                           "doc": PARAM_SPECS[n].doc} for n in param_types},
        "started": provenance.now(),
        "sessions": [],
    }


def _start_manifest(root: Path, experiment: Experiment, info: dict, metrics: list[str],
                    param_types: dict) -> dict:
    """Create or extend manifest.json: provenance fixed at creation, one entry per session."""
    manifest = read_manifest(root) or new_manifest(experiment, metrics, param_types)
    _record_extension(manifest, experiment)
    git = provenance.git_state()
    session = {"started": provenance.now(), "executor": info, "git_commit": git["commit"],
               "git_dirty": git["dirty"], "packages": provenance.package_versions(),
               **provenance.platform_info(), "argv": sys.argv}
    earlier = manifest["sessions"][-1]["git_commit"] if manifest["sessions"] else git["commit"]
    if earlier != git["commit"]:
        print(f"sim: warning: {root}: resuming with git commit {git['commit']} but earlier "
              f"runs used {earlier}", file=sys.stderr)
    manifest["sessions"].append(session)
    # consolidated=None until this session ends: readers use the parts meanwhile, so a
    # session killed half-way never leaves a stale consolidated table in use.
    manifest.update(git_commit=git["commit"], git_dirty=git["dirty"],
                    packages=session["packages"], executor=info, ended=None,
                    consolidated=None, complete=False)
    write_manifest(root, manifest)
    return manifest


def _record_extension(manifest: dict, experiment: Experiment) -> None:
    """An experiment file that only adds replications extends the stored results: the
    manifest then describes the new file, and remembers the earlier sizes."""
    if manifest.get("experiment_sha256") == experiment.sha256:
        return
    manifest.setdefault("extended", []).append(
        {"at": provenance.now(), "replications_before": manifest["experiment"]["replications"],
         "replications": experiment.replications,
         "experiment_sha256_before": manifest["experiment_sha256"]})
    manifest.update(experiment_file=str(experiment.path), experiment_sha256=experiment.sha256,
                    experiment=experiment.to_json(), n_runs=experiment.n_runs)


def _finish_manifest(store: ResultStore, manifest: dict, summary: SweepSummary) -> None:
    """Consolidate the tables and record how this session ended."""
    manifest["sessions"][-1].update(ended=provenance.now(), executed=summary.executed,
                                    failed=summary.failed, aborted=summary.aborted,
                                    seconds=round(summary.seconds, 3))
    consolidate(store, manifest, summary.total)


def consolidate(store: ResultStore, manifest: dict, total: int) -> dict[str, int]:
    """Rebuild the consolidated tables from the parts and record them, with the run
    counts, in the manifest (written); returns the counts."""
    counts = store.consolidate()
    statuses = store.done_keys(status="failed")
    manifest.update(ended=provenance.now(), consolidated=counts,
                    counts={"total": total, "stored": counts["runs"],
                            "failed": len(statuses), "ok": counts["runs"] - len(statuses),
                            "missing": total - counts["runs"]},
                    complete=counts["runs"] == total)
    write_manifest(store.root, manifest)
    return manifest["counts"]
