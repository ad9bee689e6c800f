"""Benchmark the experiment runner on a fixed small sweep.

Prints runs per minute with 1 and 2 workers, the parallel efficiency on 2 workers
(target >= 85%), the runner's overhead against calling ``sim.model.simulate`` directly in a
loop (target < 10%), and the same runs through Mesa's ``batch_run`` for comparison
(wall time and size of its output against our Parquet directory).

    uv run python benchmarks/bench_sweep.py            # about 10 minutes on 2 cores
    uv run python benchmarks/bench_sweep.py --quick    # a smaller sweep, for a smoke test
    uv run python benchmarks/bench_sweep.py --dask-only --reps 6 --residents 2000

Dask against the local pool: ``experiments/three_vs_five.toml`` (150 runs of 8,000
residents; ``--reps``/``--residents`` reduce it) on the local pool with 2 workers, and on
a loopback ``dask scheduler`` with 2 single-threaded ``dask worker`` processes started the
way a user starts them (a fresh cluster per measurement, up before the clock starts),
through ``--scheduler`` (sim's Dask executor) and through a plain
``client.get_executor()`` passed to ``run_experiment`` (Dask untouched), with the CPU
seconds of every process involved.

All variants run the same (regime, seed) pairs. Wall times include everything each
variant needs: process start-up, writing results, consolidating tables. Each variant runs
``--repeat`` times, interleaved, and the best time is kept. CPU times of all processes are
printed too: on a shared, busy machine they show the runner's cost when wall times cannot.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mesa import DataCollector

from sim.model import SUMMARY_METRICS, CommunityModel, simulate

# Daily series the model reports (asked of the model once, so the benchmark follows it).
DAILY_COLUMNS = [c for c in simulate({"n_residents": 50, "days": 1}, "three", 0).daily.columns
                 if c != "day"]

EXPERIMENT = """
[experiment]
name = "bench"
description = "fixed benchmark sweep"
regimes = ["three", "five"]
replications = {reps}
days = {days}
root_seed = 2026

[fixed]
n_residents = {residents}
"""


def direct_loop(experiment) -> float:
    """The floor: call the model for every run in this process, keep results in memory."""
    start = time.perf_counter()
    results = []
    for scenario in experiment.scenarios:
        params = experiment.params_for(scenario)
        for rep in range(experiment.replications):
            seed = experiment.seed_for(scenario.index, rep)   # the runner's seeds
            for regime in experiment.regimes:
                results.append(simulate(dict(params), regime, seed))
    return time.perf_counter() - start


def ours(experiment, workers: int, out: Path) -> float:
    from sim.experiments import run_experiment

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    summary = run_experiment(experiment, out, workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    assert summary.executed == experiment.n_runs and summary.failed == 0
    return elapsed


def mesa_batch_run(experiment, processes: int) -> tuple[float, int, int]:
    """Mesa 3's batch_run with a DataCollector recording the same daily series and summary."""
    import pandas as pd
    from mesa.batchrunner import batch_run

    params = {"regime": list(experiment.regimes), **experiment.params_for(experiment.scenarios[0])}
    seeds = [experiment.seed_for(0, rep) for rep in range(experiment.replications)]
    start = time.perf_counter()
    rows = batch_run(BatchRunModel, params, number_processes=processes, rng=seeds,
                     data_collection_period=1, max_steps=experiment.days,
                     display_progress=False)
    elapsed = time.perf_counter() - start
    csv_bytes = len(pd.DataFrame(rows).to_csv(index=False).encode())
    return elapsed, len(pickle.dumps(rows)), csv_bytes


class BatchRunModel(CommunityModel):
    """CommunityModel with the DataCollector that batch_run requires: every daily series
    each day, and the summary metrics once, on the last day (as our runner stores them)."""

    def __init__(self, regime="five", rng=None, **params):
        super().__init__(regime=regime, rng=rng, **params)
        daily = {name: _today(name) for name in DAILY_COLUMNS}
        final = {name: _final(name) for name in SUMMARY_METRICS}
        self.datacollector = DataCollector(model_reporters={**daily, **final})

    def step(self):
        super().step()
        self.datacollector.collect(self)


def _today(name):
    return lambda model: model.daily_records[-1][name]


def _final(name):
    return lambda model: None if model.running else model.summary()[name]


def ours_warm_pool(experiment, out: Path) -> tuple[float, float]:
    """2 workers, timing pool start-up and the sweep on an already started pool apart."""
    from sim.experiments import run_experiment
    from sim.experiments.executors import open_executor

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    with open_executor(workers=2) as (pool, _):
        list(pool.map(time.sleep, [0.2, 0.2]))      # both workers up, model imported
        started = time.perf_counter()
        run_experiment(experiment, out, executor=pool, progress=False)
        done = time.perf_counter()
    return started - start, done - started


def dask_variant(name: str, experiment, out: Path, address: str | None) -> float:
    """One sweep on the local pool (2 workers) or on the Dask cluster at ``address``."""
    from sim.experiments import run_experiment

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    if name == "pool2":
        summary = run_experiment(experiment, out, workers=2, progress=False)
    elif name in ("dask2", "dask2preload"):
        summary = run_experiment(experiment, out, scheduler=address, progress=False)
    else:                                   # Dask as it comes: any Executor is accepted
        from distributed import Client

        with Client(address) as client:
            summary = run_experiment(experiment, out, executor=client.get_executor(pure=False),
                                     progress=False)
    elapsed = time.perf_counter() - start
    assert summary.executed == experiment.n_runs and summary.failed == 0
    return elapsed


class LoopbackCluster:
    """``dask scheduler`` + 2 ``dask worker --nthreads 1`` on 127.0.0.1, as a user runs
    them; ``cpu()`` is the CPU seconds used so far by all their processes."""

    def __init__(self, work: Path, preload: bool = False):
        import socket

        from distributed import Client

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = str(Path(sys.executable).parent / "dask")
        self.log = open(work / "dask.log", "a")  # noqa: SIM115 - closed in stop()
        # a process group of their own (to stop them), but the benchmark's session: Linux
        # shares CPU between sessions (autogroups) first, so on a busy machine workers in
        # sessions of their own would get more CPU than the pool's and win unfairly
        common = {"stdout": self.log, "stderr": subprocess.STDOUT, "process_group": 0,
                  "cwd": work}
        self.procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port",
                                        str(port), "--no-dashboard"], **common)]
        extra = ["--preload", "sim.experiments.executors"] if preload else []
        for _ in range(2):
            self.procs.append(subprocess.Popen(
                [dask, "worker", self.address, "--nthreads", "1", "--no-dashboard", "--host",
                 "127.0.0.1", *extra], **common))
        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)

    def cpu(self) -> float:
        import psutil

        total = 0.0
        for proc in self.procs:
            try:
                parent = psutil.Process(proc.pid)
                for p in (parent, *parent.children(recursive=True)):
                    t = p.cpu_times()
                    total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        import signal

        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
        self.log.close()


def dask_comparison(reps: int, residents: int, repeat: int) -> None:
    """Local pool against Dask on experiments/three_vs_five.toml (optionally reduced)."""
    import tomllib

    source = Path(__file__).resolve().parents[1] / "experiments" / "three_vs_five.toml"
    doc = tomllib.loads(source.read_text())
    work = Path(tempfile.mkdtemp(prefix="bench_dask_"))
    spec = work / "three_vs_five.toml"
    regimes = ", ".join(f'"{r}"' for r in doc["experiment"]["regimes"])
    spec.write_text(EXPERIMENT.format(reps=reps, days=doc["experiment"]["days"],
                                      residents=residents).replace(
        'regimes = ["three", "five"]', f"regimes = [{regimes}]"))
    n = reps * len(doc["experiment"]["regimes"])
    print(f"\nDask against the local pool: three_vs_five, {n} runs ({reps} replicates x "
          f"{len(doc['experiment']['regimes'])} regimes), {residents} residents, "
          f"{doc['experiment']['days']} days; best of {repeat}; load average before: "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    results: dict[str, list[dict]] = {}
    for _ in range(repeat):
        for name in DASK_VARIANTS:
            cluster = LoopbackCluster(work, preload=name == "dask2preload") \
                if name != "pool2" else None
            env = {**os.environ, "BENCH_SCHEDULER": cluster.address if cluster else ""}
            before = cluster.cpu() if cluster else 0.0
            try:
                out = subprocess.run([sys.executable, __file__, "--variant", name, "--spec",
                                      str(spec), "--work", str(work)], capture_output=True,
                                     text=True, check=True, env=env)
                row = json.loads(out.stdout.strip().splitlines()[-1])
                row["cpu"] += (cluster.cpu() - before) if cluster else 0.0
            finally:
                if cluster:
                    cluster.stop()
            results.setdefault(name, []).append(row)
    shutil.rmtree(work, ignore_errors=True)
    best = {k: min(r["wall"] for r in v) for k, v in results.items()}
    cpu = {k: min(r["cpu"] for r in v) for k, v in results.items()}
    labels = {"pool2": "local process pool, 2 workers",
              "dask2": "Dask, 2 workers, sim's executor (--scheduler)",
              "dask2preload": "  same, workers started with --preload",
              "dask2plain": "Dask, 2 workers, plain client.get_executor()"}
    for name in DASK_VARIANTS:
        over = 100 * (best[name] - best["pool2"]) / best["pool2"]
        print(f"{labels[name]:<48}: {best[name]:6.1f} s  ({60 * n / best[name]:6.1f} runs/min; "
              f"{over:+5.1f}% vs pool; CPU of all processes {cpu[name]:.1f} s)")
    print(f"target: Dask within 10% of the local pool; load average after: "
          f"{os.getloadavg()[0]:.2f}")


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (pool workers, once joined)."""
    me, kids = (resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_variant(name: str, spec: Path, work: Path) -> dict:
    """One variant in this (fresh) process: wall time, CPU time of the process tree, extras."""
    from sim.experiments import load_experiment

    experiment = load_experiment(spec)
    before = cpu_seconds()
    extra: dict = {}
    if name == "direct":
        wall = direct_loop(experiment)
    elif name in ("ours1", "ours2"):
        wall = ours(experiment, int(name[-1]), work / name)
        extra["disk"] = dir_size(work / name)
        extra["consolidated"] = sum((work / name / f).stat().st_size
                                    for f in ("runs.parquet", "daily.parquet"))
    elif name == "warm":
        extra["startup"], wall = ours_warm_pool(experiment, work / name)
    elif name in DASK_VARIANTS:
        wall = dask_variant(name, experiment, work / name, os.environ.get("BENCH_SCHEDULER"))
    else:
        wall, extra["pickled"], extra["csv"] = mesa_batch_run(experiment, int(name[-1]))
    return {"wall": wall, "cpu": cpu_seconds() - before, **extra}


VARIANTS = ("direct", "ours1", "ours2", "warm", "mesa1", "mesa2")
DASK_VARIANTS = ("pool2", "dask2", "dask2preload", "dask2plain")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sweep (smoke test)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds; the best (minimum) time of each variant is reported, "
                             "the usual defence against a busy machine (default 3)")
    parser.add_argument("--dask-only", action="store_true",
                        help="only the Dask against local pool comparison")
    parser.add_argument("--reps", type=int, default=None,
                        help="Dask comparison: replicates of three_vs_five (default 30)")
    parser.add_argument("--residents", type=int, default=None,
                        help="Dask comparison: residents (default 8000)")
    parser.add_argument("--variant", choices=VARIANTS + DASK_VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:          # child process: run one variant, report one JSON line
        print(json.dumps(run_variant(args.variant, args.spec, args.work)))
        return 0

    dask_reps = args.reps or (4 if args.quick else 30)
    dask_residents = args.residents or (1000 if args.quick else 8000)
    if args.dask_only:
        dask_comparison(dask_reps, dask_residents, args.repeat)
        return 0
    reps, days, residents = (4, 60, 500) if args.quick else (20, 365, 2000)
    work = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    spec = work / "bench.toml"
    spec.write_text(EXPERIMENT.format(reps=reps, days=days, residents=residents))
    n = 2 * reps
    print(f"sweep: {n} runs (2 regimes x {reps} replicates), {residents} residents, {days} days; "
          f"{os.cpu_count()} cores; python {sys.version.split()[0]}; best of {args.repeat}; "
          f"each variant in a fresh process; load average before: {os.getloadavg()[0]:.2f}",
          flush=True)

    results: dict[str, list[dict]] = {}
    for _ in range(args.repeat):    # interleaved, so a busy spell hits every variant alike
        for name in VARIANTS:
            shutil.rmtree(work / name, ignore_errors=True)
            out = subprocess.run([sys.executable, __file__, "--variant", name, "--spec",
                                  str(spec), "--work", str(work)], capture_output=True,
                                 text=True, check=True)
            results.setdefault(name, []).append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {k: min(r["wall"] for r in v) for k, v in results.items()}
    cpu = {k: min(r["cpu"] for r in v) for k, v in results.items()}
    last = {k: v[-1] for k, v in results.items()}
    shutil.rmtree(work, ignore_errors=True)

    def rate(t: float) -> str:
        return f"{60 * n / t:8.1f} runs/min  ({t:6.1f} s)"

    t_direct, t1, t2, warm = best["direct"], best["ours1"], best["ours2"], best["warm"]
    startup = min(r["startup"] for r in results["warm"])
    print(f"direct loop (sim.model.simulate), 1 process : {rate(t_direct)}")
    print(f"sim experiment, 1 worker (in process)     : {rate(t1)}")
    print(f"sim experiment, 2 workers (process pool)  : {rate(t2)}")
    print(f"  on an already started pool              : {rate(warm)}  "
          f"(pool start-up {startup:.2f} s)")
    print(f"mesa batch_run, 1 process                 : {rate(best['mesa1'])}")
    print(f"mesa batch_run, 2 processes               : {rate(best['mesa2'])}")
    print(f"parallel efficiency on 2 workers          : {100 * t1 / (2 * t2):5.1f} %  "
          f"(target >= 85%)")
    print(f"runner overhead vs direct loop (1 worker) : {100 * (t1 - t_direct) / t_direct:5.1f} %  "
          f"(target < 10%)")
    print(f"speed-up over batch_run, 1 / 2 workers    : {best['mesa1'] / t1:4.2f}x / "
          f"{best['mesa2'] / t2:4.2f}x")
    print(f"CPU s (process tree): direct {cpu['direct']:.1f}, ours 1 worker {cpu['ours1']:.1f}, "
          f"2 workers {cpu['ours2']:.1f}; batch_run 1 process {cpu['mesa1']:.1f}, "
          f"2 processes {cpu['mesa2']:.1f}")
    print(f"  runner overhead in CPU time             : "
          f"{100 * (cpu['ours1'] - cpu['direct']) / cpu['direct']:5.1f} %")
    print(f"  CPU work efficiency, 2 workers          : {100 * cpu['ours1'] / cpu['ours2']:5.1f} %"
          f"  (bounds the wall-time efficiency on an idle machine)")
    o, m = last["ours2"], last["mesa1"]
    print(f"output: ours {o['consolidated'] / 1e6:.2f} MB consolidated runs+daily Parquet "
          f"({o['disk'] / 1e6:.2f} MB on disk with the per-run parts kept for resume); "
          f"batch_run {m['pickled'] / 1e6:.2f} MB pickled in memory, "
          f"{m['csv'] / 1e6:.2f} MB as CSV")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    dask_comparison(dask_reps, dask_residents, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
