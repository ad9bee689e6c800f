"""Run (or resume) an ABC-SMC calibration with pyabc, and store what it found.

Where the model evaluations run:

* no scheduler, ``workers == 1``: pyabc's ``SingleCoreSampler`` in this process. With
  numpy's global RNG seeded from the calibration seed, the whole run is reproducible;
* no scheduler, ``workers > 1``: pyabc's ``MulticoreEvalParallelSampler`` (forked local
  processes);
* ``scheduler`` (``tcp://host:port``, env ``SIM_DASK_SCHEDULER``, or ``local``): pyabc's
  ``DaskDistributedSampler`` on that cluster, ``batch_size`` evaluations per Dask task.

The output directory holds pyabc's SQLite history (``history.db``): a population is
committed only when complete, so a run killed at any moment loses at most the population
in progress, and the same command resumes it with ``abc.load``, but only if the
calibration file is byte-identical (its SHA-256 is recorded). Finished runs are exported
as Parquet tables (see :mod:`sim.calibration.results`).
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from sim.errors import SpecError
from sim.experiments import provenance
from sim.experiments.executors import SCHEDULER_ENV, dask_client, default_workers
from sim.io import atomic_write, write_json

from .results import HISTORY, history_of
from .spec import Calibration, load_calibration

FORMAT = "sim-calibration/1"

REPRODUCIBILITY = (
    "Every particle's model seeds derive from the calibration seed and the particle's exact "
    "parameter values, so a particle always simulates the same statistics on any sampler or "
    "machine. With --workers 1 and no scheduler the proposals come from numpy's global RNG "
    "seeded from the calibration seed, and a run from scratch is reproducible end to end. "
    "The multicore and Dask samplers reseed each worker from OS entropy, and the order in "
    "which particles are accepted depends on timing, so their runs are not reproducible. A "
    "resumed run continues validly but is not identical to an uninterrupted one (the "
    "population in progress at the kill is drawn again, with new random numbers).")


@dataclass
class CalibrationSummary:
    """What one invocation did."""

    out: Path
    populations: int            # populations stored in total
    new_populations: int        # populations run by this invocation
    simulations: int            # model evaluations (particles proposed) in total
    seconds: float
    complete: bool
    stop_reason: str


def run_calibration(calibration: Calibration | str | Path, out: str | Path, *,
                    workers: int | None = None, scheduler: str | None = None,
                    populations: int | None = None, progress: bool = True,
                    report: bool = True) -> CalibrationSummary:
    """Run or resume ``calibration`` into ``out``; export the posterior and write the report.

    ``populations`` overrides the file's ``abc.populations`` (the total, counting populations
    already stored). Raises SpecError for a refused directory or scheduler.
    """
    if not isinstance(calibration, Calibration):
        calibration = load_calibration(calibration)
    if populations is not None and populations < 1:
        raise SpecError("--populations", str(populations), "must be a positive integer")
    wanted = populations or calibration.abc["populations"]
    root = _prepare_dir(Path(out), calibration)
    manifest = _read_manifest(root)
    start = time.perf_counter()
    with open_sampler(workers, scheduler, calibration.abc["batch_size"]) as (sampler, info):
        _copy_file(calibration, root)
        manifest = _start_session(root, calibration, manifest, info)
        done_before = _stored_populations(root, manifest)
        todo = 0 if manifest.get("complete") and done_before >= wanted else wanted - done_before
        stop = manifest.get("stop_reason") or "requested number of populations reached"
        new = 0
        if todo > 0:
            manifest.update(complete=False, stop_reason=None)
            write_json(manifest, root / "manifest.json")
            new, stop = _run_smc(calibration, root, manifest, sampler, todo, done_before,
                                 wanted, progress)
    populations_now = done_before + new
    manifest["sessions"][-1].update(ended=provenance.now(), new_populations=new,
                                    seconds=round(time.perf_counter() - start, 3))
    manifest.update(complete=True, stop_reason=stop, populations=populations_now)
    write_json(manifest, root / "manifest.json")

    from .results import export_tables
    simulations = export_tables(root, calibration, manifest)
    if report:
        from .predictive import run_predictive_check
        from .report import write_report

        # the check is redone only when the posterior changed since it was simulated
        if manifest.get("predictive_populations") != populations_now:
            run_predictive_check(root, calibration, workers=workers, scheduler=scheduler,
                                 progress=progress)
            manifest["predictive_populations"] = populations_now
            write_json(manifest, root / "manifest.json")
        write_report(root)
    return CalibrationSummary(root, populations_now, new, simulations,
                              time.perf_counter() - start, True, stop)


# ---------------------------------------------------------------- ABC-SMC


def _run_smc(cal: Calibration, root: Path, manifest: dict, sampler, todo: int,
             done_before: int, wanted: int, progress: bool) -> tuple[int, str]:
    """Run up to ``todo`` more populations; return (populations run, why it stopped)."""
    abc = build_abc(cal, sampler)
    db = "sqlite:///" + str((root / HISTORY).resolve())
    # Proposals use numpy's global RNG; seed it so a single-core run is reproducible. A
    # resumed run gets a seed of its own (it cannot recover the killed run's RNG state).
    _seed_global_rngs(cal.seed, done_before)
    if manifest.get("abc_id") is None:
        (root / HISTORY).unlink(missing_ok=True)    # a run killed before its first commit
        history = abc.new(db, {t.name: t.observed for t in cal.targets})
        manifest["abc_id"] = history.id
        write_json(manifest, root / "manifest.json")
    else:
        abc.load(db, abc_id=manifest["abc_id"])
    bar = _progress(wanted, done_before, progress)
    new, stop = 0, "interrupted"
    try:
        t = abc.initialize_components_before_run(
            minimum_epsilon=cal.abc["minimum_epsilon"], max_nr_populations=todo,
            min_acceptance_rate=cal.abc["min_acceptance_rate"],
            max_total_nr_simulations=np.inf, max_walltime=None, min_eps_diff=0.0)
        while True:
            result = abc.run_generation(t=t)
            if not result["successful"]:       # pyabc's sampler gave up on the population
                stop = "pyabc could not complete a population"
                break
            new += 1
            eps = float(abc.eps(t))
            bar.update(1)
            bar.set_postfix(eps=f"{eps:.3g}", accepted=f"{result['acceptance_rate']:.3f}",
                            sims=abc.history.total_nr_simulations)
            if abc.check_terminate(t=t, acceptance_rate=result["acceptance_rate"]):
                stop = _stop_reason(cal, t, abc.max_t, eps, result["acceptance_rate"])
                break
            t += 1
    finally:
        abc.history.done(end_time=datetime.now())
        abc.sampler.stop()
        bar.close()
    return new, stop


def build_abc(cal: Calibration, sampler):
    """The pyabc ABCSMC object for a calibration (model, priors, distance, sampler)."""
    import pyabc

    from .distance import pattern_distance
    from .simulator import PatternModel

    priors = {}
    for p in cal.priors:               # log-uniform priors are sampled as uniform in log
        low, high = p.sampler_bounds()
        priors[p.name] = pyabc.RV("uniform", low, high - low)
    distance = pattern_distance({t.name: t.uncertainty for t in cal.targets})
    # Perturbation kernel: a Gaussian with twice the weighted covariance of the previous
    # population (Beaumont et al. 2009, Biometrika 96(4)). pyabc's default (Silverman's
    # bandwidth on that covariance) is narrower: with a hundred particles in nine
    # dimensions the importance weights collapsed onto a few particles (effective sample
    # size 4-20 of 100, against about 70 with this kernel), at the price of about twice
    # the model evaluations per population.
    transition = pyabc.MultivariateNormalTransition(scaling=2.0,
                                                    bandwidth_selector=unit_bandwidth)
    return pyabc.ABCSMC(PatternModel.from_calibration(cal), pyabc.Distribution(**priors),
                        distance, population_size=cal.abc["population_size"],
                        transitions=transition, sampler=sampler)


def unit_bandwidth(n_samples: float, dimension: int) -> float:
    """Bandwidth factor 1: the kernel's covariance is the population's, times ``scaling``."""
    return 1.0


def _stop_reason(cal: Calibration, t: int, max_t: int, eps: float, rate: float) -> str:
    if eps <= cal.abc["minimum_epsilon"]:
        return f"epsilon {eps:.3g} reached abc.minimum_epsilon"
    if rate < cal.abc["min_acceptance_rate"]:
        return f"acceptance rate {rate:.3g} fell below abc.min_acceptance_rate"
    if t >= max_t:
        return "requested number of populations reached"
    return "pyabc termination criterion"


def _seed_global_rngs(seed: int, populations_done: int) -> None:
    state = np.random.SeedSequence(seed, spawn_key=(populations_done,)).generate_state(1)[0]
    np.random.seed(int(state))
    random.seed(int(state))


def _progress(total: int, initial: int, enabled: bool):
    """A bar of populations on stderr (tqdm without its monitor thread, because the
    multicore sampler forks and forking a multi-threaded process is unsafe)."""
    import tqdm

    tqdm.tqdm.monitor_interval = 0
    return tqdm.tqdm(total=total, initial=initial, unit="population", desc="ABC-SMC",
                     file=sys.stderr, dynamic_ncols=True, disable=not enabled)


# ---------------------------------------------------------------- samplers


@contextmanager
def open_sampler(workers: int | None, scheduler: str | None, batch_size: int):
    """Yield ``(pyabc sampler, description)`` for the requested executor."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)   # pyabc logs every generation
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    workers = workers or default_workers()
    if scheduler:
        with dask_client(scheduler, workers) as (client, info):
            sampler = pyabc.sampler.DaskDistributedSampler(dask_client=client,
                                                           batch_size=batch_size)
            yield sampler, {**info, "sampler": "DaskDistributedSampler",
                            "batch_size": batch_size}
    elif workers == 1:
        yield pyabc.sampler.SingleCoreSampler(), {"kind": "single-core", "workers": 1,
                                                  "sampler": "SingleCoreSampler"}
    else:
        yield (pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers),
               {"kind": "multicore", "workers": workers,
                "sampler": "MulticoreEvalParallelSampler"})


# ---------------------------------------------------------------- output directory


def _prepare_dir(root: Path, cal: Calibration) -> Path:
    """Create ``root`` or accept it for resuming; refuse one holding anything else."""
    check_out(root, cal)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError("--out", str(root), f"cannot create ({exc.strerror})") from None
    return root


def check_out(root: Path, cal: Calibration) -> None:
    """Refuse (SpecError) an output directory that is neither new nor a resumable run of
    ``cal``; writes nothing, so a command can check before its slow start-up."""
    if root.exists() and not root.is_dir():
        raise SpecError("--out", str(root), "exists and is not a directory")
    manifest = _read_manifest(root) if root.exists() else None
    if manifest is None and root.exists() and any(root.iterdir()):
        raise SpecError("--out", str(root), "is not empty and holds no calibration; "
                                            "choose a new directory")
    if manifest is not None:
        if manifest.get("format") != FORMAT:
            raise SpecError("--out", str(root), "holds something other than a calibration")
        if manifest.get("calibration_sha256") != cal.sha256:
            raise SpecError("--out", str(root),
                            f"holds a calibration of a different version of the file "
                            f"(sha256 {str(manifest.get('calibration_sha256'))[:12]}, now "
                            f"{cal.sha256[:12]}); a changed file cannot resume it: use a new "
                            f"--out")


def _read_manifest(root: Path) -> dict | None:
    import json

    path = root / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SpecError("--out", str(root), "manifest.json is unreadable") from None


def _copy_file(cal: Calibration, root: Path) -> None:
    target = root / "calibration.toml"
    if not target.exists():
        atomic_write(target, lambda tmp: shutil.copyfile(cal.path, tmp))


def _start_session(root: Path, cal: Calibration, manifest: dict | None, info: dict) -> dict:
    manifest = manifest or {
        "format": FORMAT,
        "calibration_file": str(cal.path),
        "calibration_sha256": cal.sha256,
        "calibration": cal.to_json(),
        "history": HISTORY,
        "abc_id": None,
        "seed": cal.seed,
        "reproducibility": REPRODUCIBILITY,
        "started": provenance.now(),
        "sessions": [],
        "complete": False,
        "stop_reason": None,
    }
    git = provenance.git_state()
    manifest["sessions"].append({
        "started": provenance.now(), "executor": info, "git_commit": git["commit"],
        "git_dirty": git["dirty"], "packages": _packages(), **provenance.platform_info(),
        "argv": sys.argv})
    manifest.update(executor=info, git_commit=git["commit"], git_dirty=git["dirty"])
    write_json(manifest, root / "manifest.json")
    return manifest


def _packages() -> dict[str, str]:
    import importlib.metadata

    versions = provenance.package_versions()
    versions["pyabc"] = importlib.metadata.version("pyabc")
    return versions


def _stored_populations(root: Path, manifest: dict) -> int:
    """Populations committed to the history (0 for a new run)."""
    if manifest.get("abc_id") is None or not (root / HISTORY).exists():
        return 0
    return int(history_of(root, manifest).n_populations)
