"""What the results folder's safety costs: part verification on resume, read-only queries.

Builds a results folder of N stored runs (two real runs of 2,000 residents x 365 days,
their part files copied N/2 times under other run keys, each copy holding its own key),
then prints:

* the time a resume spends reading every part back (``quarantine_unreadable``), per run;
* one GROUP BY over the daily table through the read-only connection (Arrow datasets,
  DuckDB file access off) against DuckDB's own Parquet reader on the same files.

    uv run python benchmarks/bench_store.py               # 1,410 runs, about 1 minute
    uv run python benchmarks/bench_store.py --runs 200    # a smoke test
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments import run_experiment
from sim.experiments.store import ResultStore, read_manifest, write_manifest

EXPERIMENT = """
[experiment]
name = "bench_store"
regimes = ["three", "five"]
replications = 1
days = 365
root_seed = 1

[fixed]
n_residents = 2000
"""
QUERY = ("SELECT regime, day, avg(unmet_need_share) AS unmet, count(*) AS n FROM daily "
         "GROUP BY ALL ORDER BY ALL")


def build(root: Path, runs: int) -> ResultStore:
    """A folder of ``runs`` stored runs; the consolidated tables are rebuilt over all."""
    spec = root / "bench_store.toml"
    spec.write_text(EXPERIMENT)
    run_experiment(spec, root / "out", workers=1, progress=False)
    store = ResultStore(root / "out")
    for directory in (store.runs_dir, store.daily_dir):
        originals = sorted(directory.glob("*.parquet"))
        for path in originals:
            table = pq.read_table(path)
            column = table.schema.get_field_index("run_key")
            for copy in range(runs // len(originals) - 1):
                key = f"c{copy:05d}-{path.stem}"     # each copy holds its own run key
                keys = pa.array([key] * table.num_rows, type=pa.string())
                pq.write_table(table.set_column(column, "run_key", keys),
                               directory / f"{key}.parquet", compression="zstd")
    counts = store.consolidate()
    manifest = read_manifest(store.root)
    manifest["consolidated"] = counts
    write_manifest(store.root, manifest)
    return store


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1410)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp), args.runs)
        runs = store.part_counts()["runs"]
        print(f"results folder: {runs} runs of 2,000 residents x 365 days; "
              f"load average {os.getloadavg()[0]:.2f}")
        verify = best_of(args.repeat, store.quarantine_unreadable)
        print(f"resume: reading every part back : {verify:6.2f} s  "
              f"({verify / runs * 1e3:.2f} ms per run)")

        def read_only():
            with store.connect() as con:
                con.execute(QUERY).fetchall()

        def duckdb_reader():
            import duckdb

            with duckdb.connect() as con:
                con.execute(f"CREATE VIEW daily AS SELECT * FROM "
                            f"read_parquet('{store.root / 'daily.parquet'}')")
                con.execute(QUERY).fetchall()

        ours, native = best_of(args.repeat, read_only), best_of(args.repeat, duckdb_reader)
        print(f"query (GROUP BY over {runs * 365:,} daily rows):")
        print(f"  read-only connection (Arrow)  : {ours:6.3f} s")
        print(f"  DuckDB's own Parquet reader   : {native:6.3f} s  (writable, not used)")
        print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
