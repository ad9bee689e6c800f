"""Model speed: build time, run time, resident-days per second and peak memory under `five`.

Each size runs in a fresh process so that peak memory (ru_maxrss) is that size's own.
Usage: uv run python benchmarks/bench_model.py [sizes...]   (default 1000 10000 100000)
"""

import json
import math
import subprocess
import sys
import time

CHILD = """
import json, resource, sys, time
from sim.model import CommunityModel
n = int(sys.argv[1])
t0 = time.perf_counter()
model = CommunityModel(regime="five", rng=1, n_residents=n, days=365)
t1 = time.perf_counter()
model.run_model()
t2 = time.perf_counter()
print(json.dumps({"residents": n, "init_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main(sizes):
    print(f"{'residents':>10} {'init s':>8} {'run s':>8} {'total s':>8} "
          f"{'resident-days/s':>16} {'peak MB':>8}")
    rows = []
    for n in sizes:
        r = measure(n)
        rate = n * 365 / r["total_s"]
        rows.append(r)
        print(f"{n:>10,} {r['init_s']:>8.2f} {r['run_s']:>8.2f} {r['total_s']:>8.2f} "
              f"{rate:>16,.0f} {r['peak_mb']:>8.0f}")
    a, b = rows[0], rows[-1]
    if a["residents"] != b["residents"]:   # the same size twice repeats a run: no slope
        exponent = math.log(b["total_s"] / a["total_s"]) / math.log(b["residents"] / a["residents"])
        print(f"\ncost grows as residents^{exponent:.2f} between {a['residents']:,} and "
              f"{b['residents']:,} (1.0 = linear)")


if __name__ == "__main__":
    t = time.perf_counter()
    main([int(x) for x in sys.argv[1:]] or [1000, 10_000, 100_000])
    print(f"benchmark took {time.perf_counter() - t:.1f} s")
