"""Result storage that loses nothing and survives being killed at any moment.

Layout of an output directory::

    manifest.json               provenance: experiment hash, seeds, git, versions, sessions
    experiment.toml             a byte copy of the experiment file
    design.parquet              one row per scenario: label, varied values, raw sample values
    parts/daily/<run_key>.parquet   one run's daily series   (written first)
    failures/<run_key>.txt          a failed run's traceback (written first)
    parts/runs/<run_key>.parquet    one run's row            (written last: completion marker)
    runs.parquet, daily.parquet     consolidated tables sorted by (scenario, rep, regime[, day])

Every file is written to a temporary name and moved into place with ``os.replace``,
which is atomic: a reader (or a resumed sweep) sees a whole file or none. Because a
run's row is written after its daily series, "the row exists" means "the run is done".
The parts are the truth; the consolidated files are a compact, ordered copy rebuilt at
the end of every session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io import atomic_write

from .spec import Experiment, SpecError

KEY_COLUMNS = ("run_key", "scenario", "label", "rep", "regime", "seed")
STATUS_COLUMNS = ("status", "error")
SORT_RUNS = "scenario, rep, regime"
SORT_DAILY = "scenario, rep, regime, day"

_ARROW_TYPES = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = Path(root) / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write_bytes(Path(root) / "manifest.json", text.encode())


def run_schema(param_types: dict[str, type], metrics: list[str]) -> pa.Schema:
    """Run-table schema: keys, status, every parameter set, every summary metric."""
    fields = [("run_key", pa.string()), ("scenario", pa.int64()), ("label", pa.string()),
              ("rep", pa.int64()), ("regime", pa.string()), ("seed", pa.int64()),
              ("status", pa.string()), ("error", pa.string())]
    fields += [(n, _ARROW_TYPES.get(t, pa.string())) for n, t in param_types.items()]
    fields += [(m, pa.float64()) for m in metrics]
    return pa.schema(fields)


def _daily_table(row: dict[str, Any], daily: pd.DataFrame) -> pa.Table:
    """The run's daily series with its key columns in front (plain Arrow types, no pandas
    metadata, like the consolidated table)."""
    table = pa.Table.from_pandas(daily, preserve_index=False).replace_schema_metadata(None)
    n = table.num_rows
    keys = (("run_key", pa.string()), ("scenario", pa.int64()), ("rep", pa.int64()),
            ("regime", pa.string()))
    for i, (name, kind) in enumerate(keys):
        table = table.add_column(i, name, pa.array([row[name]] * n, type=kind))
    return table


class ResultStore:
    """One output directory: write parts, know what is done, consolidate, expose views."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "parts" / "runs"
        self.daily_dir = self.root / "parts" / "daily"
        self.failures_dir = self.root / "failures"

    # -- opening ------------------------------------------------------------

    def check_compatible(self, experiment: Experiment) -> None:
        """Refuse (without touching anything) a directory holding something else."""
        if not self.root.exists():
            return
        if not self.root.is_dir():
            raise SpecError(self.root, "--out", "exists and is not a directory")
        manifest = read_manifest(self.root)
        if manifest is None:
            if any(self.root.iterdir()):
                raise SpecError(self.root, "--out",
                                "not empty and holds no manifest.json; choose another directory")
            return
        self._check_seed_rule(manifest, experiment)
        if manifest.get("experiment_sha256") != experiment.sha256 \
                and not self._extends(manifest, experiment):
            raise SpecError(self.root, "--out",
                            f"holds results of a different experiment file "
                            f"({manifest.get('experiment_file')}, sha256 "
                            f"{str(manifest.get('experiment_sha256'))[:12]}); "
                            f"use another --out")

    def _check_seed_rule(self, manifest: dict[str, Any], experiment: Experiment) -> None:
        """Never mix seed rules in one directory (results written before the rule existed
        used per-scenario seeds)."""
        stored = manifest.get("experiment", {}).get("seeds", "per-scenario")
        if stored != experiment.seeds:
            raise SpecError(self.root, "--out",
                            f"holds runs seeded with the {stored!r} rule, the experiment asks "
                            f"for {experiment.seeds!r}; set experiment.seeds = \"{stored}\" "
                            f"to resume them, or use another --out")

    def _extends(self, manifest: dict[str, Any], experiment: Experiment) -> bool:
        """True if ``experiment`` is the stored one with more replications: the stored
        runs are reused and only the new replicates run. Fewer replications are refused."""
        from .spec import differs_only_in_replications

        copy = self.root / "experiment.toml"
        if not copy.exists() or not differs_only_in_replications(copy.read_bytes(),
                                                                 experiment.source_bytes()):
            return False
        stored = manifest.get("experiment", {}).get("replications", 0)
        if experiment.replications < stored:
            raise SpecError(self.root, "--out",
                            f"holds {stored} replications and the experiment asks for "
                            f"{experiment.replications}; replications can grow, not shrink "
                            f"(use another --out)")
        return True

    def prepare(self, experiment: Experiment, design: pd.DataFrame) -> None:
        """Create the layout and write the files known before any run."""
        for d in (self.runs_dir, self.daily_dir, self.failures_dir):
            d.mkdir(parents=True, exist_ok=True)
        for stale in self.root.rglob(".*.tmp"):      # left by a killed session
            stale.unlink(missing_ok=True)
        copy = self.root / "experiment.toml"
        source = experiment.source_bytes()
        if not copy.exists() or copy.read_bytes() != source:   # new, or extended
            atomic_write_bytes(copy, source)
        atomic_write_parquet(self.root / "design.parquet",
                             pa.Table.from_pandas(design, preserve_index=False))

    # -- runs ---------------------------------------------------------------

    def done_keys(self, status: str | None = None) -> set[str]:
        """Run keys with a stored row (optionally only those with the given status)."""
        keys = {p.stem for p in self.runs_dir.glob("*.parquet")}
        if status is None or not keys:
            return keys
        table = pq.read_table(self.runs_dir, columns=["run_key", "status"])
        return {k for k, s in zip(table["run_key"].to_pylist(), table["status"].to_pylist())
                if s == status}

    def write_run(self, row: dict[str, Any], schema: pa.Schema,
                  daily: pd.DataFrame | None, traceback: str | None) -> None:
        """Store one run: daily series or traceback first, the run row last."""
        key = row["run_key"]
        if daily is not None:
            atomic_write_parquet(self.daily_dir / f"{key}.parquet", _daily_table(row, daily))
        if traceback is not None:
            atomic_write_bytes(self.failures_dir / f"{key}.txt", traceback.encode())
        table = pa.Table.from_pylist([row], schema=schema)
        atomic_write_parquet(self.runs_dir / f"{key}.parquet", table)

    def forget(self, keys: set[str]) -> None:
        """Drop stored runs (used by --retry-failed); the row goes first."""
        for key in sorted(keys):
            for path in (self.runs_dir / f"{key}.parquet", self.daily_dir / f"{key}.parquet",
                         self.failures_dir / f"{key}.txt"):
                path.unlink(missing_ok=True)

    # -- consolidated tables -----------------------------------------------------

    def part_counts(self) -> dict[str, int]:
        return {"runs": sum(1 for _ in self.runs_dir.glob("*.parquet")),
                "daily": sum(1 for _ in self.daily_dir.glob("*.parquet"))}

    def consolidate(self) -> dict[str, int]:
        """Rewrite runs.parquet and daily.parquet from the parts, sorted by run key."""
        counts = self.part_counts()
        with _connect() as con:
            for name, order in (("runs", SORT_RUNS), ("daily", SORT_DAILY)):
                target = self.root / f"{name}.parquet"
                if counts[name] == 0:
                    target.unlink(missing_ok=True)
                    continue
                select = (f"SELECT * FROM read_parquet({_sql_str(self._glob(name))}, "
                          f"union_by_name=true) ORDER BY {order}")
                atomic_write(target, lambda tmp, sel=select: con.execute(
                    f"COPY ({sel}) TO {_sql_str(tmp)} (FORMAT parquet, COMPRESSION zstd)"))
        return counts

    def _glob(self, name: str) -> str:
        return str((self.runs_dir if name == "runs" else self.daily_dir) / "*.parquet")

    def sources(self) -> dict[str, str | None]:
        """Where to read each table: the consolidated file if current, else the parts."""
        manifest = read_manifest(self.root) or {}
        current = manifest.get("consolidated") == self.part_counts()
        out: dict[str, str | None] = {}
        for name in ("runs", "daily"):
            whole = self.root / f"{name}.parquet"
            if current and whole.exists():
                out[name] = str(whole)
            elif self.part_counts()[name]:
                out[name] = self._glob(name)
            else:
                out[name] = None
        return out

    def connect(self):
        """A DuckDB connection with views ``runs``, ``daily`` and ``design``."""

        if read_manifest(self.root) is None:
            raise SpecError(self.root, "DIR", "not a results directory (no manifest.json)")
        con = _connect()
        for name, source in self.sources().items():
            if source is None:   # e.g. every run failed: an empty view keeps SQL working
                con.execute(f"CREATE VIEW {name} AS SELECT NULL::VARCHAR AS run_key WHERE false")
            else:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet("
                            f"{_sql_str(source)}, union_by_name=true) ORDER BY "
                            f"{SORT_RUNS if name == 'runs' else SORT_DAILY}")
        design = self.root / "design.parquet"
        if design.exists():
            con.execute(f"CREATE VIEW design AS SELECT * FROM read_parquet({_sql_str(design)})")
        return con


def _sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class Results:
    """Stored results of one experiment, for notebooks and the report (no model import)."""

    root: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    design: pd.DataFrame

    def daily(self, where: str | None = None) -> pd.DataFrame:
        """Daily series (optionally filtered with a SQL condition), sorted by run key and day."""
        return self.sql("SELECT * FROM daily" + (f" WHERE {where}" if where else ""))

    def sql(self, query: str) -> pd.DataFrame:
        """Run SQL over the views runs, daily and design."""
        with ResultStore(self.root).connect() as con:
            return con.execute(query).df()

    @property
    def metrics(self) -> list[str]:
        return list(self.manifest["columns"]["metrics"])

    @property
    def params(self) -> list[str]:
        return list(self.manifest["columns"]["params"])


def load_results(root: str | Path) -> Results:
    """Open an output directory written by ``sim experiment``."""
    store = ResultStore(root)
    with store.connect() as con:
        runs = con.execute("SELECT * FROM runs").df()
    manifest = read_manifest(store.root)
    design_path = store.root / "design.parquet"
    design = pd.read_parquet(design_path) if design_path.exists() else pd.DataFrame()
    return Results(store.root, manifest, runs, design)


def _connect():
    """An in-memory DuckDB connection without progress bars (widgets in notebooks)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con
