"""How long the command line takes, as a user waits for it: whole processes, start-up included.

Runs each command N times in a fresh process (after one run not counted, which warms the
file cache) and prints min / median / max of the wall time, with the machine's load
average before and after (a busy machine stretches every figure):

* ``sim --help`` and ``sim run --help``: building the parser, which imports no heavy
  library (tests/test_startup.py guards this);
* ``sim run --residents 1000 --days 365``: one small year, imports of the model included;
* for reference, the floor under ``sim run``: the interpreter alone, and ``import mesa``
  (whose ``__init__`` imports pandas, SciPy and networkx) in a bare interpreter.

    uv run python benchmarks/bench_cli.py              # 7 runs of each, about a minute
    uv run python benchmarks/bench_cli.py --runs 3     # a smoke test
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
SIM = str(BIN / "sim") if (BIN / "sim").exists() else None

COMMANDS = {
    "sim --help": ["--help"],
    "sim run --help": ["run", "--help"],
    "sim run --residents 1000 --days 365": ["run", "--residents", "1000", "--days", "365"],
}
FLOOR = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import mesa'": [sys.executable, "-c", "import mesa"],
}


def sim(*args: str) -> list[str]:
    return [SIM, *args] if SIM else [sys.executable, "-m", "sim", *args]


def wall_times(command: list[str], runs: int) -> list[float]:
    """Seconds from start to exit of ``command``, ``runs`` times after one warm-up."""
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        if i:
            times.append(time.perf_counter() - start)
    return times


def row(name: str, times: list[float]) -> str:
    return (f"  {name:<38} {min(times):6.2f} {statistics.median(times):8.2f} "
            f"{max(times):6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"whole-process wall seconds, {args.runs} runs each; {os.cpu_count()} cores, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"  {'command':<38} {'min':>6} {'median':>8} {'max':>6}")
    for name, command in COMMANDS.items():
        print(row(name, wall_times(sim(*command), args.runs)), flush=True)
    print("floor under `sim run`:")
    for name, command in FLOOR.items():
        print(row(name, wall_times(command, args.runs)), flush=True)
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
