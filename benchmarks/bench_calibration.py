"""Benchmark model evaluations per second in an ABC-SMC calibration, local versus Dask.

The same small calibration (the model at --residents residents for a year, one run per
particle, two calibrated parameters) runs on:

* the single-core sampler (one process; the reproducible mode),
* pyabc's multicore sampler with 2 local worker processes,
* pyabc's Dask sampler on a loopback ``dask scheduler`` with 2 single-threaded
  ``dask worker`` processes (real processes, started and stopped here),

and, as the floor, the particle model called in a plain loop. Each variant runs in a
fresh process; the figure is model evaluations (particles proposed, including pyabc's
prior sample for the distance scales) per second of wall time of the ABC-SMC run, without
the predictive check and the report. CPU seconds of the process tree are printed too,
since on a shared machine they show the overhead when wall times cannot.

    uv run python benchmarks/bench_calibration.py            # a few minutes on 2 cores
    uv run python benchmarks/bench_calibration.py --quick    # a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_sweep import LoopbackCluster  # the same loopback cluster as the sweep benchmark

CALIBRATION = """
[calibration]
name = "bench"
regime = "five"
replicates = 1
seed = 5

[fixed]
n_residents = {residents}
days = {days}

[abc]
population_size = {population}
populations = {populations}
batch_size = {batch}

[priors.admin_share]
low = 0.2
high = 0.9

[priors.volunteer_registration_share]
low = 0.05
high = 0.4

[targets.admin]
metric = "admin_share_of_staff_hours"
observed = 0.56
uncertainty = 0.01
source = "benchmark"
year = 2026
scale = "-"

[targets.registered]
metric = "volunteers_registered_share"
observed = 0.17
uncertainty = 0.01
source = "benchmark"
year = 2026
scale = "-"
"""

VARIANTS = ("direct", "single", "multicore2", "dask2")


def cpu_seconds() -> float:
    me, kids = (resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_variant(name: str, spec: Path, work: Path, scheduler: str | None) -> dict:
    from sim.calibration import load_calibration, run_calibration

    cal = load_calibration(spec)
    before = cpu_seconds()
    if name == "direct":
        from sim.calibration.simulator import PatternModel

        model = PatternModel.from_calibration(cal)
        n = cal.abc["population_size"] * 2
        start = time.perf_counter()
        for i in range(n):
            model({"admin_share": 0.2 + 0.7 * i / n, "volunteer_registration_share": 0.2})
        wall, evals = time.perf_counter() - start, n
    else:
        out = work / name
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        summary = run_calibration(cal, out, workers=1 if name == "single" else 2,
                                  scheduler=scheduler if name == "dask2" else None,
                                  progress=False, report=False)
        wall, evals = time.perf_counter() - start, summary.simulations
    return {"wall": wall, "evals": evals, "cpu": cpu_seconds() - before}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--residents", type=int, default=None)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scheduler", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.spec, args.work, args.scheduler)))
        return 0

    residents = args.residents or (300 if args.quick else 2000)
    days, population, populations = (60, 20, 2) if args.quick else (365, 100, 4)
    work = Path(tempfile.mkdtemp(prefix="bench_calibration_"))
    spec = work / "bench.toml"
    spec.write_text(CALIBRATION.format(residents=residents, days=days, population=population,
                                       populations=populations, batch=10))
    print(f"calibration: 2 parameters, 2 targets, {residents} residents x {days} days, 1 run "
          f"per particle, {population} particles x {populations} populations; "
          f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}", flush=True)
    # loopback scheduler + 2 single-threaded workers as a user starts them; preloaded, so the
    # model is imported before any clock starts
    cluster = LoopbackCluster(work, preload=True)
    results = {}
    try:
        for name in VARIANTS:
            out = subprocess.run([sys.executable, __file__, "--variant", name, "--spec",
                                  str(spec), "--work", str(work), "--scheduler", cluster.address],
                                 capture_output=True, text=True, check=True)
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    labels = {"direct": "particle model in a plain loop, 1 process",
              "single": "ABC-SMC, single-core sampler",
              "multicore2": "ABC-SMC, multicore sampler, 2 processes",
              "dask2": "ABC-SMC, Dask sampler, 2 workers (loopback)"}
    for name in VARIANTS:
        r = results[name]
        where = "this client; the workers not counted" if name == "dask2" else "process tree"
        print(f"{labels[name]:<46}: {r['evals'] / r['wall']:7.2f} evaluations/s "
              f"({r['evals']} in {r['wall']:.1f} s; CPU {r['cpu']:.1f} s, {where})")
    single, multi, dask = (results[k]["evals"] / results[k]["wall"]
                           for k in ("single", "multicore2", "dask2"))
    print(f"speed-up on 2 workers over single-core: multicore {multi / single:.2f}x, "
          f"Dask {dask / single:.2f}x; Dask / multicore {dask / multi:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
