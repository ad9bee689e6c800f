"""Result storage that loses nothing and survives being killed at any moment.

Layout of an output directory::

    manifest.json               provenance: experiment hash, seeds, git, versions, sessions
    experiment.toml             a byte copy of the experiment file
    design.parquet              one row per scenario: label, varied values, raw sample values
    parts/daily/<run_key>.parquet   one run's daily series   (written first)
    failures/<run_key>.txt          a failed run's traceback (written first)
    parts/runs/<run_key>.parquet    one run's row            (written last: completion marker)
    runs.parquet, daily.parquet     consolidated tables sorted by (scenario, rep, regime[, day])
    quarantine/<time>/...           unreadable or misnamed parts moved aside on resume (their
                                    runs rerun), a damaged manifest.json moved by sim repair
    .lock                           held (flock) by the one process writing the folder

Every file is written to a temporary name and moved into place with ``os.replace``,
which is atomic: a reader (or a resumed sweep) sees a whole file or none. Because a
run's row is written after its daily series, "the row exists" means "the run is done".
The parts are the truth; the consolidated files are a compact, ordered copy rebuilt at
the end of every session.

Guarantees beyond atomic writes:

* one writer: :meth:`ResultStore.lock` takes an exclusive ``flock`` on ``.lock`` for the
  whole session; a second process is refused (:class:`FolderInUse`);
* self-repair: under the lock, a resumed session deletes temporary files of any name a
  killed writer may have left (ours, DuckDB's) and moves unreadable parts to
  ``quarantine/``, so their runs execute again;
* read-only queries: :meth:`ResultStore.connect` gives DuckDB the tables as Arrow
  datasets and then switches off its file access, extension loading and configuration
  changes, so SQL cannot write, attach, install or read anything else.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sim.errors import FolderInUse, SpecError, WriteError
from sim.io import atomic_write, check_out_dir
from sim.model import shown

from .spec import Experiment

KEY_COLUMNS = ("run_key", "scenario", "label", "rep", "regime", "seed")
STATUS_COLUMNS = ("status", "error")
SORT_RUNS = "scenario, rep, regime"
SORT_DAILY = "scenario, rep, regime, day"

_ARROW_TYPES = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}

LOCK_FILE = ".lock"
QUARANTINE = "quarantine"
DUCKDB_TEMP = ".duckdb.tmp"          # where consolidation may spill (cleaned on resume)
# Names a killed writer can leave behind: ours (.name.XXXX.tmp, also a probe's), DuckDB's
# COPY (tmp_<target>: tmp_x.parquet, tmp_.x.parquet.XXXX.tmp).
TEMPORARY_PATTERNS = ("*.tmp", "tmp_*.parquet")
# Rough upper bounds for the disk-space pre-check (zstd Parquet parts plus the
# consolidated copy): a run row, and one day of one run's daily series.
BYTES_PER_RUN = 24_000
BYTES_PER_RUN_DAY = 160
# DuckDB settings that make a query connection read-only. Order matters: the last one
# freezes the others, so the query cannot switch them back.
READ_ONLY_SETTINGS = (
    "SET temp_directory = ''",                    # no spill files either
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET allow_community_extensions = false",
    "SET enable_external_access = false",         # no COPY, ATTACH, read_csv, INSTALL ...
    "SET lock_configuration = true",
)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


MANIFEST_FORMAT = "sim-experiment-results/1"
# The parts of a manifest that code reads without a default, with their JSON types; a
# manifest without them (damaged, or not ours) is refused with the repair.
MANIFEST_SHAPE: dict[str, type | tuple[type, ...]] = {
    "format": str, "experiment": dict, "experiment.name": str, "experiment.regimes": list,
    "experiment.replications": int, "experiment.root_seed": int, "experiment.design": dict,
    "experiment.analysis": dict, "columns": dict, "columns.metrics": list,
    "columns.params": dict, "sessions": list,
}
# Parts that may be absent but, if present, must have this type.
MANIFEST_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "experiment_sha256": str, "consolidated": (dict, type(None)), "counts": dict,
    "input_files": dict, "packages": dict, "extended": list,
}
_JSON_NAMES = {dict: "an object", list: "an array", str: "a string", int: "an integer",
               float: "a number", bool: "true or false", type(None): "null"}


class DamagedManifest(SpecError):
    """A manifest.json that is not JSON or not the shape of one; ``problem`` says why."""

    def __init__(self, path: Path, problem: str, reason: str):
        self.problem = problem
        super().__init__(path, "manifest", reason)


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The folder's manifest, None if it has none; a damaged one (not JSON, or not the
    shape of a manifest) is a SpecError that says how to repair it."""
    path = Path(root) / "manifest.json"
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:      # a name too long, a permission
        raise SpecError(root, "DIR", f"cannot read ({exc.strerror or type(exc).__name__})") \
            from None
    except ValueError:          # not UTF-8
        text = ""
    try:
        manifest = json.loads(text)
    except ValueError:
        manifest, problem = None, "not JSON"
    else:
        problem = manifest_problem(manifest)
    if problem:
        raise DamagedManifest(path, problem, f"damaged ({problem}); rebuild it from "
                        f"experiment.toml and the stored runs with: sim repair "
                        f"{shlex.quote(shown(str(root)))} "
                        "(docs/experiments.md, Repairing a results folder)")
    return manifest


def manifest_problem(manifest: Any) -> str | None:
    """What is wrong with the shape of a parsed manifest, or None."""
    if not isinstance(manifest, dict):
        return f"{_JSON_NAMES.get(type(manifest), 'a value')} where an object is expected"
    for key, kind in (*MANIFEST_SHAPE.items(), *MANIFEST_OPTIONAL.items()):
        value: Any = manifest
        for part in key.split("."):
            value = value.get(part, KeyError) if isinstance(value, dict) else KeyError
        if value is KeyError:
            if key in MANIFEST_SHAPE:
                return f"no {key!r}"
            continue
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            return f"{key!r} is {_JSON_NAMES.get(type(value), 'a value')}, not " \
                   f"{_JSON_NAMES[kinds[0]]}"
    if manifest["format"] != MANIFEST_FORMAT:
        return f"format {manifest['format'][:40]!r}, not {MANIFEST_FORMAT!r}"
    return None


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write_bytes(Path(root) / "manifest.json", text.encode())


def run_schema(param_types: dict[str, type], metrics: list[str],
               model_column: bool = False) -> pa.Schema:
    """Run-table schema: keys (and the model variant's name, with a models factor), status,
    every parameter set, every summary metric (a model variant's included)."""
    fields = [("run_key", pa.string()), ("scenario", pa.int64()), ("label", pa.string()),
              ("rep", pa.int64()), ("regime", pa.string()), ("seed", pa.int64()),
              *([("model", pa.string())] if model_column else []),
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
        self.misnamed: list[str] = []      # set by quarantine_unreadable

    # -- opening ------------------------------------------------------------

    def check_compatible(self, experiment: Experiment) -> None:
        """Refuse (without touching anything) a directory holding something else."""
        try:
            present = self.root.exists()
        except OSError as exc:      # e.g. a name too long
            raise SpecError(self.root, "--out", f"unusable ({exc.strerror})") from None
        if not present:
            return
        if not self.root.is_dir():
            raise SpecError(self.root, "--out", "exists and is not a directory")
        manifest = read_manifest(self.root)
        if manifest is None:
            if not self._holds_nothing():   # a killed first session may leave empty dirs
                raise SpecError(self.root, "--out",
                                "not empty and holds no manifest.json; choose another directory")
            return
        self._check_seed_rule(manifest, experiment)
        stored_model = manifest.get("experiment", {}).get("model", "sim.model:CommunityModel")
        if stored_model != experiment.to_json()["model"]:
            raise SpecError(self.root, "--out",
                            f"holds runs of model {stored_model}, the experiment asks for "
                            f"{experiment.to_json()['model']}; use another --out")
        if manifest.get("experiment_sha256") != experiment.sha256 \
                and not self._extends(manifest, experiment):
            raise SpecError(self.root, "--out",
                            f"holds results of a different experiment file "
                            f"({manifest.get('experiment_file')}, sha256 "
                            f"{str(manifest.get('experiment_sha256'))[:12]}); "
                            f"use another --out")
        stored = manifest.get("input_files", {})
        for file, sha in experiment.inputs.items():
            if file in stored and stored[file] != sha:
                raise SpecError(self.root, "--out",
                                f"input file {file} changed since the stored runs (sha256 "
                                f"{stored[file][:12]}, now {sha[:12]}); use another --out")

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

    def check_writable(self, experiment: Experiment, todo: int | None = None) -> None:
        """Refuse, before any run and without creating anything, a folder that cannot be
        created or written or whose disk lacks room for ``todo`` runs (default: all)."""
        runs = experiment.n_runs if todo is None else todo
        need = runs * (BYTES_PER_RUN + BYTES_PER_RUN_DAY * experiment.days)
        try:
            check_out_dir(self.root, need_bytes=need)
        except WriteError as exc:
            raise SpecError(self.root, "--out", exc.reason) from None

    def check_not_locked(self) -> None:
        """Refuse at once (FolderInUse) if another process holds the folder's lock, before
        any other check could misread its half-written folder."""
        try:
            fd = os.open(self.root / LOCK_FILE, os.O_RDONLY)
        except OSError:
            return          # no lock file (or no folder): nobody is writing here
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderInUse(self.root, os.read(fd, 32).decode(errors="replace").strip()) \
                from None
        finally:
            os.close(fd)    # also releases the probe's lock

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder for the block (refuse if another process
        holds it). If the block fails before anything but the lock file was written, the
        folder (and parents) this created are removed again."""
        created = [p for p in [self.root, *self.root.absolute().parents] if not p.exists()]
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise FolderInUse(self.root, holder) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        except BaseException:
            if created and self._holds_nothing():
                shutil.rmtree(self.root)
                for directory in created[1:]:      # parents, deepest first
                    directory.rmdir()
            raise
        finally:
            os.close(fd)    # releases the lock

    def _holds_nothing(self) -> bool:
        """True if the folder holds no file but the lock (empty directories aside)."""
        return all(p.is_dir() or p.name == LOCK_FILE for p in self.root.rglob("*"))

    def prepare(self, experiment: Experiment, design: pd.DataFrame) -> list[Path]:
        """Create the layout, repair what a killed session left, and write the files known
        before any run. Call only while holding :meth:`lock`. Returns the parts moved to
        quarantine (their runs will execute again)."""
        for d in (self.runs_dir, self.daily_dir, self.failures_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.remove_temporary()
        moved = self.quarantine_unreadable()
        copy = self.root / "experiment.toml"
        source = experiment.source_bytes()
        if not copy.exists() or copy.read_bytes() != source:   # new, or extended
            atomic_write_bytes(copy, source)
        atomic_write_parquet(self.root / "design.parquet",
                             pa.Table.from_pandas(design, preserve_index=False))
        return moved

    def remove_temporary(self) -> None:
        """Delete every temporary file a killed writer may have left (any name pattern;
        only while holding the lock: another writer's files would be live)."""
        for pattern in TEMPORARY_PATTERNS:
            for stale in self.root.rglob(pattern):
                if stale.is_file() and QUARANTINE not in stale.relative_to(self.root).parts:
                    stale.unlink(missing_ok=True)
        shutil.rmtree(self.root / DUCKDB_TEMP, ignore_errors=True)
        for directory in (self.runs_dir, self.daily_dir):   # parts hold <key>.parquet only
            for stale in directory.iterdir():
                if stale.is_file() and (stale.suffix != ".parquet" or stale.name[0] in "._"):
                    stale.unlink(missing_ok=True)

    def quarantine_unreadable(self) -> list[Path]:
        """Move unreadable parts (truncated, corrupt, wrong shape) and misnamed ones (a part
        whose content is another run's: its ``run_key`` differs from its file name, as
        after a copy under the wrong name) to quarantine/; a run whose row or daily series
        is refused loses both, so it runs again. :attr:`misnamed` then lists the file
        names whose content was another run's."""
        bad_rows, bad_daily, ok_rows = set(), set(), set()
        self.misnamed = []
        with ThreadPoolExecutor(max_workers=4) as pool:   # Parquet decoding releases the GIL
            rows = list(self.runs_dir.glob("*.parquet"))
            for path, status in zip(rows, pool.map(_row_status, rows)):
                if status is None or status is MISNAMED:
                    bad_rows.add(path.stem)
                elif status == "ok":
                    ok_rows.add(path.stem)
                if status is MISNAMED:
                    self.misnamed.append(str(path.relative_to(self.root)))
            daily = list(self.daily_dir.glob("*.parquet"))
            for path, readable in zip(daily, pool.map(_readable, daily)):
                if readable is not True:
                    bad_daily.add(path.stem)
                if readable is MISNAMED:
                    self.misnamed.append(str(path.relative_to(self.root)))
        missing_daily = ok_rows - {p.stem for p in daily}    # an "ok" run lost its series
        moved = []
        stamp = provenance_stamp()
        for key in sorted(bad_rows | bad_daily | missing_daily):
            for path in (self.runs_dir / f"{key}.parquet", self.daily_dir / f"{key}.parquet"):
                if path.exists():
                    target = self.root / QUARANTINE / stamp / path.relative_to(self.root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, target)
                    moved.append(target)
        return moved

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
        import duckdb

        counts = self.part_counts()
        with _connect() as con:
            con.execute(f"SET temp_directory = {_sql_str(self.root / DUCKDB_TEMP)}")
            for name, order in (("runs", SORT_RUNS), ("daily", SORT_DAILY)):
                target = self.root / f"{name}.parquet"
                if counts[name] == 0:
                    target.unlink(missing_ok=True)
                    continue
                select = (f"SELECT * FROM read_parquet({_sql_str(self._glob(name))}, "
                          f"union_by_name=true) ORDER BY {order}")
                try:
                    atomic_write(target, lambda tmp, sel=select: con.execute(
                        f"COPY ({sel}) TO {_sql_str(tmp)} (FORMAT parquet, COMPRESSION zstd)"))
                except duckdb.IOException as exc:   # e.g. a full disk: a write failure
                    raise OSError(errno.EIO, str(exc).strip().splitlines()[0],
                                  str(target)) from None
        return counts

    def _refuse_misnamed(self, files: list[Path]) -> None:
        """Refuse to read parts one of which holds another run's results (a copy under the
        wrong name: one run would count twice, another would be missing)."""
        bad = misnamed_parts(files)
        if bad:
            raise SpecError(self.root, str(bad[0].relative_to(self.root)),
                            f"holds the results of another run (its run_key is not its file "
                            f"name; {len(bad)} such part(s)); run 'sim repair DIR' or the same "
                            "'sim experiment' command on this folder to move them to "
                            "quarantine/ (those runs then run again)")

    def _glob(self, name: str) -> str:
        return str((self.runs_dir if name == "runs" else self.daily_dir) / "*.parquet")

    def sources(self) -> dict[str, list[Path] | None]:
        """Files to read each table from: the consolidated file if current, else the parts;
        None for a table with no file (e.g. no daily series when every run failed)."""
        manifest = read_manifest(self.root) or {}
        counts = self.part_counts()
        current = manifest.get("consolidated") == counts
        out: dict[str, list[Path] | None] = {}
        for name, parts in (("runs", self.runs_dir), ("daily", self.daily_dir)):
            whole = self.root / f"{name}.parquet"
            if current and whole.exists():
                out[name] = [whole]
            else:
                out[name] = sorted(parts.glob("*.parquet")) or None
        return out

    def connect(self, memory_mb: int | None = None, threads: int | None = None):
        """A read-only DuckDB connection with views ``runs``, ``daily`` and ``design``.

        DuckDB itself touches no file: the tables reach it as Arrow datasets (read by
        pyarrow, from this folder only), and its file access, extension loading and
        configuration changes are switched off before the caller's SQL runs. So a query
        can neither damage the results (COPY, ATTACH, EXPORT) nor read other files
        (read_csv('/etc/passwd')) nor install or load extensions. ``memory_mb`` and
        ``threads`` cap DuckDB's memory (its buffer manager; with no temporary directory
        nothing spills, so a query needing more fails with ``duckdb.OutOfMemoryException``)
        and its threads; locked like the other settings (``sim query`` sets both).
        """
        if read_manifest(self.root) is None:
            raise SpecError(self.root, "DIR", "not a results directory (no manifest.json)")
        con = _connect()
        try:
            for name, files in self.sources().items():
                order = SORT_RUNS if name == "runs" else SORT_DAILY
                if files and files[0].parent != self.root:      # reading the parts
                    self._refuse_misnamed(files)
                if not files:   # e.g. every run failed: an empty view keeps SQL working
                    con.execute(f"CREATE VIEW {name} AS SELECT NULL::VARCHAR AS run_key "
                                "WHERE false")
                    continue
                con.register(f"{name}_files", _dataset(files, self.root))
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_files ORDER BY {order}")
            design = self.root / "design.parquet"
            if design.exists():
                con.register("design_files", _dataset([design], self.root))
                con.execute("CREATE VIEW design AS SELECT * FROM design_files")
            if memory_mb is not None:
                con.execute(f"SET memory_limit = '{int(memory_mb)}MB'")
            if threads is not None:
                con.execute(f"SET threads = {int(threads)}")
            for setting in READ_ONLY_SETTINGS:
                con.execute(setting)
        except BaseException:
            con.close()
            raise
        return con


def _dataset(files: list[Path], root: Path) -> ds.Dataset:
    """Parquet files as one Arrow dataset, columns matched by name (like DuckDB's
    ``union_by_name``); an unreadable file is a SpecError naming it."""
    try:
        schema = None
        if len(files) > 1:
            schema = pa.unify_schemas([pq.read_schema(f) for f in files],
                                      promote_options="permissive")
        return ds.dataset([str(f) for f in files], format="parquet", schema=schema)
    except (pa.ArrowException, OSError) as exc:
        bad = next((f for f in files if not _readable_footer(f)), files[0])
        raise SpecError(root, str(bad.relative_to(root)),
                        f"unreadable Parquet file ({type(exc).__name__}); run the same "
                        "'sim experiment' command on this folder to repair it") from None


def _readable_footer(path: Path) -> bool:
    try:
        pq.read_metadata(path)
        return True
    except (pa.ArrowException, OSError):
        return False


class _Misnamed(str):
    """The verdict on a part whose run_key is not its file name."""


MISNAMED = _Misnamed("misnamed")


def _row_status(path: Path) -> str | None:
    """The status stored in a run row, None if the file is not one readable row, or
    MISNAMED if the row is another run's."""
    try:
        table = pq.ParquetFile(path).read(use_threads=False)   # threads: one per file
        if table.num_rows != 1 or "status" not in table.column_names:
            return None
        if not _holds_only(table, path.stem):
            return MISNAMED
        return str(table["status"][0].as_py())
    except (pa.ArrowException, OSError):
        return None


def _readable(path: Path) -> bool | _Misnamed:
    """Whether a daily part decodes completely (a footer alone can hide bad pages); MISNAMED
    if its rows are another run's."""
    try:
        table = pq.ParquetFile(path).read(use_threads=False)
    except (pa.ArrowException, OSError):
        return False
    if table.num_rows == 0:
        return False
    return True if _holds_only(table, path.stem) else MISNAMED


def _holds_only(table: pa.Table, key: str) -> bool:
    """Whether every row of a part belongs to run ``key`` (parts without a run_key column,
    which this version never writes, are not judged here)."""
    if "run_key" not in table.column_names:
        return True
    keys = table["run_key"].unique().to_pylist()
    return keys == [key]


def misnamed_parts(files: list[Path]) -> list[Path]:
    """Parts whose run_key (read from the footer's statistics, or the column if a writer
    left none) is not their file name: a run's results copied under another run's name.
    Unreadable files are left to the reader, which names them."""
    def wrong(path: Path) -> bool:
        try:
            meta = pq.read_metadata(path)
            column = meta.schema.names.index("run_key")
            keys = set()
            for group in range(meta.num_row_groups):
                stats = meta.row_group(group).column(column).statistics
                if stats is None or not stats.has_min_max:
                    keys = set(pq.read_table(path, columns=["run_key"])["run_key"].to_pylist())
                    break
                keys |= {stats.min, stats.max}
        except (pa.ArrowException, OSError, ValueError):
            return False
        return bool(keys) and keys != {path.stem}

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [path for path, bad in zip(files, pool.map(wrong, files)) if bad]


def provenance_stamp() -> str:
    """A file-name-safe UTC time stamp for quarantine folders."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


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
