"""``sim repair DIR``: make a damaged results folder whole again from what it still holds.

The parts (``parts/runs``, ``parts/daily``) are the truth, and ``experiment.toml`` says
what they are runs of; everything else can be rebuilt from them. Repair, under the
folder's lock:

* a damaged ``manifest.json`` (not JSON, or not the shape of a manifest) is moved to
  ``quarantine/<UTC time>/manifest.json`` (kept, never deleted) and rebuilt from
  ``experiment.toml`` (or ``--experiment FILE``) and the parts; the provenance of the
  earlier sessions (their git commits, package versions and times) was only in the old
  one, which the rebuilt manifest says (``rebuilt``);
* as a resume would: temporary files a killed writer left are deleted, and unreadable or
  misnamed parts moved to ``quarantine/`` (their runs run again on the next resume);
* the consolidated tables are rebuilt, so ``sim query`` and ``sim report`` read them.

Nothing runs. Resuming afterwards (``sim experiment FILE --out DIR``) gives the tables of
an uninterrupted sweep.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from sim.errors import SpecError
from sim.model import shown

from . import provenance
from .store import QUARANTINE, DamagedManifest, ResultStore, provenance_stamp, read_manifest


@dataclass
class Repaired:
    """What one repair did."""

    root: Path
    rebuilt: str | None            # why the manifest was rebuilt (None: it was sound)
    kept_as: Path | None           # where the damaged manifest went
    quarantined: int               # parts moved to quarantine/
    misnamed: int                  # ... of which held another run's results
    stored: int
    total: int
    experiment_file: str          # the file to resume with


def repair(root: str | Path, experiment_file: str | Path | None = None) -> Repaired:
    """Repair the results folder ``root`` (see the module docstring); SpecError if it
    cannot be (no folder, no experiment file, another experiment's file, in use)."""
    from sim.model import PARAM_SPECS

    from .runner import consolidate, design_table, new_manifest
    from .spec import differs_only_in_replications, load_experiment

    store = ResultStore(root)
    if not store.root.is_dir():
        raise SpecError(store.root, "DIR", "not a directory")
    if not (store.root / "manifest.json").exists() and not store.runs_dir.is_dir():
        raise SpecError(store.root, "DIR", "not a results directory (no manifest.json and "
                                           "no parts/runs/)")
    copy = store.root / "experiment.toml"
    source = Path(experiment_file) if experiment_file else copy
    if not source.is_file():
        raise SpecError(store.root, "DIR", "holds no experiment.toml: give the experiment "
                                           "file its runs come from with --experiment FILE")
    experiment = load_experiment(source)
    if experiment_file and copy.is_file() and copy.read_bytes() != experiment.source_bytes() \
            and not differs_only_in_replications(copy.read_bytes(), experiment.source_bytes()):
        raise SpecError(source, "--experiment", f"is not the experiment of {shown(copy)} "
                                                "(other settings); give that one")
    try:
        manifest = read_manifest(store.root)
        damage = None if manifest is not None else "missing"
    except DamagedManifest as exc:
        manifest, damage = None, exc.problem
    if manifest is None:
        _check_runs_belong(store, experiment, source)
    store.check_not_locked()
    with store.lock():
        if manifest is not None:
            store.check_compatible(experiment)     # a sound manifest of another experiment
        kept_as = None
        if manifest is None:
            kept_as = _keep_damaged(store)
            metrics = experiment.metric_names()
            param_types = {n: type(PARAM_SPECS[n].default) for n in experiment.param_columns()}
            manifest = new_manifest(experiment, metrics, param_types)
            manifest.update(started=None, rebuilt={
                "at": provenance.now(), "reason": damage, "from": shown(str(source)),
                "damaged_copy": str(kept_as.relative_to(store.root)) if kept_as else None,
                "note": "rebuilt by sim repair from the experiment file and the stored "
                        "parts; the earlier sessions' provenance (git commits, package "
                        "versions, times) was in the damaged copy"})
        moved = store.prepare(experiment, design_table(experiment))
        counts = consolidate(store, manifest, experiment.n_runs)
    return Repaired(store.root, damage, kept_as, len(moved), len(store.misnamed),
                    counts["stored"], experiment.n_runs,
                    str(experiment_file or manifest.get("experiment_file") or copy))


def _check_runs_belong(store: ResultStore, experiment, source: Path) -> None:
    """Refuse to rebuild a manifest over runs of another experiment: every readable stored
    row must be a run the file plans, with its seed and its parameter values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .tasks import run_key

    planned = {s.index: experiment.params_for(s) for s in experiment.scenarios}
    for path in sorted(store.runs_dir.glob("*.parquet")):
        try:
            row = pq.read_table(path).to_pylist()[0]
        except (pa.ArrowException, OSError, IndexError):
            continue                # unreadable: moved to quarantine by the repair
        if row.get("run_key") != path.stem:
            continue                # misnamed: likewise
        scenario, rep, regime = row.get("scenario"), row.get("rep"), row.get("regime")
        params = planned.get(scenario)
        why = None
        if params is None or regime not in experiment.regimes \
                or not 0 <= rep < experiment.replications \
                or run_key(scenario, rep, regime) != path.stem:
            why = "is not a run it plans"
        elif row.get("seed") != experiment.seed_for(scenario, rep):
            why = f"has seed {row.get('seed')}, the file gives it " \
                  f"{experiment.seed_for(scenario, rep)}"
        else:
            wrong = next((n for n, v in params.items() if n in row and row[n] != v), None)
            if wrong is not None:
                why = f"has {wrong} = {row[wrong]!r}, the file sets {params[wrong]!r}"
        if why:
            raise SpecError(source, "--experiment", f"the stored runs are not runs of this "
                                                    f"file: {path.stem} {why}; give the "
                                                    "experiment file they come from")


def _keep_damaged(store: ResultStore) -> Path | None:
    """Move a damaged manifest.json into quarantine/ (None if there was none)."""
    path = store.root / "manifest.json"
    if not path.exists():
        return None
    target = store.root / QUARANTINE / provenance_stamp() / "manifest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target


def report(done: Repaired) -> None:
    """What the repair did, on stderr."""
    where = shown(str(done.root))
    if done.rebuilt:
        kept = f"; the damaged one is kept as {shown(str(done.kept_as))} (the earlier " \
               "sessions' provenance, git commits, package versions and times, was only " \
               "in it)" if done.kept_as else ""
        state = "was missing" if done.rebuilt == "missing" else f"was damaged ({done.rebuilt})"
        print(f"{where}: manifest.json {state}; rebuilt from "
              f"{shown(done.experiment_file)} and the stored runs{kept}", file=sys.stderr)
    if done.quarantined:
        print(f"{where}: {done.quarantined} unreadable or misnamed part file(s) "
              f"({done.misnamed} misnamed) moved to quarantine/; their runs will run again",
              file=sys.stderr)
    print(f"{where}: {done.stored} of {done.total} runs stored, tables rebuilt; to resume: "
          f"sim experiment {shlex.quote(shown(done.experiment_file))} --out "
          f"{shlex.quote(where)}", file=sys.stderr)
