"""District scale: a street (街道) of K communities simulated as one vectorised model.

For 1, 10 and 100 communities of 10,000 residents over 365 days, and the reference of one
community of 100,000 residents, each run is a fresh ``python -m sim run ...`` in its own
process: the time is the whole process (start, imports, build, the year, the summary) and
the memory its peak resident set (with ``--workers``, of the coordinating process only: the
parts run in processes started by a forkserver, whose memory ``getrusage`` does not see; the
parts together hold about what the one-process street holds). The ratio compares each with the
100,000-resident run. Each street runs in one process and, split into ``--workers`` parts
(default 2: one per core), in that many. Then the largest street over 10 years in
``--workers`` parts, and, with ``--one-by-one``, the street's communities simulated one
after another as before the street model (the cost it replaced).

Usage: .venv/bin/python benchmarks/bench_district.py [--sizes 1 10 100] [--workers 2]
       [--no-decade] [--one-by-one] [--regime five]
The machine's load average is printed with every figure: benchmark on idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

# The child: run the CLI in-process and report the peak memory (ru_maxrss, KiB) of itself
# and of its own children (the street's parts), the larger of the two.
CHILD = """
import json, resource, sys
from sim.cli import main
code = main(sys.argv[1:])
peak = max(resource.getrusage(who).ru_maxrss
           for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"code": code, "peak_mb": peak / 1024}), file=sys.stderr)
"""

# The street's communities one after another, as `communities = K` ran before the street
# model: K CommunityModels, each from its community's seed, counts pooled.
ONE_BY_ONE = """
import json, resource, sys
from sim.model import CommunityModel, community_seed, metrics
k, n, days, regime = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
parts = []
for i in range(k):
    model = CommunityModel(regime, rng=community_seed(1, i), n_residents=n, days=days)
    model.run_model()
    parts.append(metrics.measured(model))
    model.remove_all_agents()
summary = metrics.summary_from(metrics.pool(parts))
print(json.dumps({"code": 0, "needs_total": summary["needs_total"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run(argv: list[str], script: str = CHILD) -> dict:
    """Run one child process; return its wall time, peak memory and the load around it."""
    before = load()
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, *argv], check=False, capture_output=True,
                          text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    seconds = time.perf_counter() - start
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    if proc.returncode or report["code"]:
        raise SystemExit(f"failed: {argv}\n{proc.stderr[-2000:]}")
    return {"seconds": seconds, "peak_mb": report["peak_mb"], "load": f"{before} -> {load()}"}


def sim_run(residents: int, communities: int, days: int, regime: str,
            workers: int = 1) -> dict:
    argv = ["run", "--regime", regime, "--residents", str(residents), "--days", str(days),
            "--seed", "1", "--json", "--workers", str(workers)]
    if communities > 1:
        argv += ["--set", f"communities={communities}"]
    return run(argv)


def row(label: str, r: dict, reference: float | None) -> str:
    ratio = f"{r['seconds'] / reference:8.1f}x" if reference else f"{'':>9}"
    return f"{label:<44} {r['seconds']:>9.1f} {r['peak_mb']:>9.0f} {ratio} {r['load']:>22}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100],
                        help="communities of 10,000 residents (default 1 10 100)")
    parser.add_argument("--regime", default="five")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes for a street's parts (default 2; 1: one process only)")
    parser.add_argument("--no-decade", action="store_true", help="skip the 10-year run")
    parser.add_argument("--one-by-one", action="store_true",
                        help="also time the largest street's communities one after another")
    args = parser.parse_args()
    print(f"regime {args.regime}, seed 1, whole process per run; {os.cpu_count()} cores; "
          f"load average (1/5/15 min) before -> after each run")
    print(f"{'run':<44} {'seconds':>9} {'peak MB':>9} {'vs 100k':>9} {'load':>22}")
    reference = sim_run(100_000, 1, 365, args.regime)
    print(row("1 community of 100,000 residents, 365 days", reference, reference["seconds"]),
          flush=True)
    for k in args.sizes:
        label = f"{k} communit{'y' if k == 1 else 'ies'} of 10,000 residents, 365 days"
        r = sim_run(10_000, k, 365, args.regime)
        print(row(label, r, reference["seconds"]), flush=True)
        if k > 1 and args.workers > 1:
            r = sim_run(10_000, k, 365, args.regime, args.workers)
            print(row(f"  the same in {args.workers} processes", r, reference["seconds"]),
                  flush=True)
    largest = max(args.sizes)
    if not args.no_decade:
        r = sim_run(10_000, largest, 3650, args.regime, args.workers)
        print(row(f"{largest} communities of 10,000, 10 years, {args.workers} process"
                  f"{'es' if args.workers > 1 else ''}", r, reference["seconds"]), flush=True)
    if args.one_by_one:
        r = run([str(largest), "10000", "365", args.regime], ONE_BY_ONE)
        print(row(f"{largest} communities one by one (before), 365 days", r,
                  reference["seconds"]), flush=True)


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - t:.0f} s")
