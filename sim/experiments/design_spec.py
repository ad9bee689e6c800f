"""The ``[design]`` table of an experiment file: how parameters vary between scenarios.

::

    [design]
    method = "grid"                    # none | grid | sweep | rows | lhs | sobol | morris | draws
    [design.parameters]
    crowd_out_elasticity = [0.0, 0.5]  # grid, sweep: values; lhs/sobol/morris: [low, high]

A **sweep** moves one parameter at a time over its values while the others stay at their
defaults (or [fixed]): the one-at-a-time design of a break-even analysis
(:mod:`sim.experiments.break_even`); its scenarios are each parameter's values in turn.

Each method reads its own keys and refuses the others' (a key that does nothing is a
mistake, never silently ignored). Parsing gives a :class:`Design`; expanding it into
scenarios is :mod:`sim.experiments.design`'s business, after the number of runs has been
checked (:func:`count_scenarios` computes it without expanding).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from sim.errors import SpecError
from sim.model import quote, shown

from .checks import Checker

DESIGN_METHODS = ("none", "grid", "sweep", "rows", "lhs", "sobol", "morris", "draws")
LISTED_METHODS = ("grid", "sweep")          # the methods whose parameters list their values
SAMPLED_METHODS = ("lhs", "sobol", "morris")
SAMPLE_KEY_METHODS = (*SAMPLED_METHODS, "draws")    # the methods that read samples and seed
DESIGN_KEYS = {"method", "parameters", "rows", "samples", "seed", "levels", "source"}


@dataclass(frozen=True)
class Scenario:
    """One point of the design: the parameter values that differ between scenarios."""

    index: int
    label: str
    varied: dict[str, Any]   # values the model receives (ints rounded)
    raw: dict[str, float]    # values as sampled (what SALib's analysers expect)
    model: str = ""          # the model variant's name ([experiment] models), or ""
    point: int | None = None  # the design point (None: ``index``); variants share it

    @property
    def design_point(self) -> int:
        """The design point this scenario runs: its seeds and its pairs across variants."""
        return self.index if self.point is None else self.point


@dataclass(frozen=True)
class Design:
    method: str = "none"
    parameters: dict[str, list] = field(default_factory=dict)
    rows: tuple[dict, ...] = ()
    samples: int = 0
    seed: int = 0
    levels: int = 4
    source: str = ""            # draws design: the table of draws, as the file names it
    source_sha256: str = ""     # draws design: hash of the table's bytes
    draws: tuple[dict, ...] = field(default=(), repr=False)   # draws design: chosen rows


def parse_design(check: Checker, doc: Any, root_seed: int, fixed: dict) -> Design:
    """The validated ``[design]`` table (``fixed``: the parameters [fixed] sets)."""
    doc = check.table("design", doc)
    check.keys("design", doc, DESIGN_KEYS)
    method = doc.get("method", "rows" if "rows" in doc else "grid" if "parameters" in doc
                     else "none")
    if method not in DESIGN_METHODS:
        check.fail("design.method",
                   f"unknown method {quote(method)} (allowed: {', '.join(DESIGN_METHODS)})")
    _refuse_unused(check, doc, method)
    if method == "draws":                     # see "draws design" below
        return _draws(check, doc, root_seed, fixed)
    # (of the others, only the sampled designs read a seed and levels of their own)
    if method == "rows":
        return Design("rows", rows=tuple(_rows(check, doc.get("rows"))), seed=root_seed,
                      levels=0)
    parameters = _parameters(check, doc.get("parameters", {}), method, fixed)
    if method in SAMPLED_METHODS:
        return _sampled(check, doc, method, parameters, root_seed)
    return Design(method, parameters, seed=root_seed, levels=0)


def _refuse_unused(check: Checker, doc: dict, method: str) -> None:
    """A key the method does not read is refused, naming who reads it."""
    for key in ("samples", "seed"):
        if key in doc and method not in SAMPLE_KEY_METHODS:
            check.fail(f"design.{key}", f"only used by {'/'.join(SAMPLE_KEY_METHODS)}")
    if "levels" in doc and method != "morris":
        check.fail("design.levels", "only used by morris")
    if method == "rows" and "rows" not in doc:
        check.fail("design.rows", 'method "rows" needs [[design.rows]] tables')
    if method != "rows" and "rows" in doc:
        check.fail("design.rows", f'only used by method "rows", not {quote(method)}')
    if method in ("none", "rows", "draws") and "parameters" in doc:
        check.fail("design.parameters", f"not used by method {quote(method)}")
    if method != "draws" and "source" in doc:
        check.fail("design.source", f'only used by method "draws", not {quote(method)}')


def _parameters(check: Checker, doc: Any, method: str, fixed: dict) -> dict[str, list]:
    """``[design.parameters]``: grid values, or sampler bounds [low, high]."""
    parameters: dict[str, list] = {}
    for name, value in check.table("design.parameters", doc).items():
        key = f"design.parameters.{name}"
        if name in fixed:
            check.fail(key, "also set in [fixed]; a parameter is fixed or varied")
        if name == "days":
            check.fail(key, "the horizon is experiment.days")
        parameters[name] = _grid_values(check, key, name, value) \
            if method in LISTED_METHODS else check.bounds(key, name, value)
    if method != "none" and not parameters:
        check.fail("design.parameters", f"method {quote(method)} needs parameters")
    return parameters


def _grid_values(check: Checker, key: str, name: str, value: Any) -> list:
    if not isinstance(value, list) or not value:
        check.fail(key, "grid values must be a non-empty list")
    values = [check.param(f"{key}[{i}]", name, v) for i, v in enumerate(value)]
    if len(set(map(repr, values))) != len(values):
        check.fail(key, "grid values repeat")
    return values


def _sampled(check: Checker, doc: dict, method: str, parameters: dict[str, list],
             root_seed: int) -> Design:
    """Latin hypercube, Sobol (Saltelli) or Morris: sample size, Morris levels, seed."""
    samples = check.integer("design.samples", doc.get("samples"), low=2)
    if method == "sobol" and samples & (samples - 1):
        check.fail("design.samples",
                   f"Sobol base sample size must be a power of 2, got {quote(samples)}")
    levels = 4
    if method == "morris":
        levels = check.integer("design.levels", doc.get("levels", 4), low=2)
        if levels % 2:
            check.fail("design.levels", "Morris levels must be even")
    seed = check.integer("design.seed", doc.get("seed", root_seed), low=0)
    return Design(method, parameters, samples=samples, seed=seed, levels=levels)


def _rows(check: Checker, rows: Any) -> list[dict]:
    """Explicit scenarios; a row's values override [fixed] (e.g. switch one mechanism on)."""
    if not isinstance(rows, list) or not rows:
        check.fail("design.rows", "must be a non-empty array of tables")
    out, labels = [], set()
    for i, row in enumerate(rows):
        key = f"design.rows[{i}]"
        row = check.table(key, row)
        label = check.string(f"{key}.label", row.get("label", f"row{i}"))
        if label in labels:
            check.fail(f"{key}.label", f"label {quote(label)} repeats")
        labels.add(label)
        values = {}
        for name, value in row.items():
            if name == "label":
                continue
            if name == "days":
                check.fail(f"{key}.days", "the horizon is experiment.days")
            values[name] = check.param(f"{key}.{name}", name, value)
        out.append({"label": label, **values})
    return out


def count_scenarios(design: Design) -> int:
    """How many scenarios a design expands to, computed without expanding it."""
    k = len(design.parameters)
    if design.method == "grid":
        return math.prod(len(values) for values in design.parameters.values())
    if design.method == "sweep":
        return sum(len(values) for values in design.parameters.values())
    if design.method == "rows":
        return len(design.rows)
    # SALib: lhs draws N points, sobol (first/total order) N*(k+2), morris N*(k+1);
    # a draws design takes N rows of its table.
    return {"none": 1, "lhs": design.samples, "sobol": design.samples * (k + 2),
            "morris": design.samples * (k + 1), "draws": design.samples}[design.method]


def with_input_hash(sha: str, design: Design) -> str:
    """A draws design depends on its table as much as on the file: the experiment's hash
    covers both, so a sweep is never resumed over a changed table."""
    if not design.source_sha256:
        return sha
    return hashlib.sha256(f"{sha}:{design.source_sha256}".encode()).hexdigest()


def design_inputs(design: Design) -> dict[str, str]:
    """The files the design reads, each with the sha256 of its content (for the manifest)."""
    return {design.source: design.source_sha256} if design.source else {}


# ---------------------------------------------------------------- draws design
# Scenarios read from a table of parameter draws (one row per parameter set, one column
# per model parameter), e.g. the posterior that `sim calibrate` exports:
#
#     [design]
#     method = "draws"
#     source = "results/calibration/draws.parquet"   # relative to where you run sim
#     samples = 50         # optional: 50 distinct rows drawn with design.seed (default all)
#     seed = 1             # optional, with samples (default: experiment.root_seed)
#
# Each scenario is one row (label draw<k>, k its row in the table counting from 0), run
# under every regime with common random numbers; with more than a dozen scenarios `sim
# report` pools the paired differences over draws and replicates, so the interval carries
# the spread of the draws (for a posterior: the parameter uncertainty the patterns left)
# as well as replication noise.


def _draws(check: Checker, doc: dict, root_seed: int, fixed: dict) -> Design:
    """Read, check and sample the table at ``design.source``."""
    source = doc.get("source")
    if not isinstance(source, str) or not source.strip():
        check.fail("design.source", "must name a Parquet file of parameter draws (e.g. "
                                    '"results/calibration/draws.parquet")')
    data = _table_bytes(check, source)
    table = _parquet(check, source, data)
    names = _draw_columns(check, source, table.column_names, fixed)
    columns = {name: _column_values(check, source, name, table.column(name).to_pylist())
               for name in names}
    rows, seed = _chosen_rows(check, doc, source, table.num_rows, root_seed)
    draws = tuple({"label": f"draw{i}", **{n: columns[n][i] for n in names}} for i in rows)
    return Design("draws", samples=len(rows), seed=seed, levels=0, source=source,
                  source_sha256=hashlib.sha256(data).hexdigest(), draws=draws)


def _refusal(check: Checker, source: str, where: str, reason: str) -> NoReturn:
    """One line naming the experiment file, ``design.source``, the table and the place."""
    raise SpecError(check.path, "design.source", f"{shown(source)}{where}: {reason}")


def _table_bytes(check: Checker, source: str) -> bytes:
    """The table's bytes, read once: parsed and hashed from the same read."""
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        _refusal(check, source, "", "file not found")
    except IsADirectoryError:
        _refusal(check, source, "", "is a directory; name the Parquet file (e.g. "
                                    "results/calibration/draws.parquet)")
    except OSError as exc:
        _refusal(check, source, "", f"cannot read ({exc.strerror or type(exc).__name__})")


def _parquet(check: Checker, source: str, data: bytes):
    """The Parquet table (pyarrow), without a pandas index stored alongside."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        reason = reason.removeprefix("Could not open Parquet input source '<Buffer>': ")
        _refusal(check, source, "", f"not a readable Parquet file ({shown(reason)})")
    table = table.drop_columns(_pandas_index(table))
    if not table.num_columns or not table.num_rows:
        _refusal(check, source, "", f"holds {table.num_rows} rows and {table.num_columns} "
                                    "columns; a table of draws needs at least one of each")
    return table


def _pandas_index(table) -> list[str]:
    """The columns that hold a pandas index (``DataFrame.to_parquet`` stores one unless it
    is a plain range), as the file's pandas metadata names them; none if that metadata is
    absent or not what pandas writes."""
    try:
        index = (table.schema.pandas_metadata or {}).get("index_columns", [])
    except (ValueError, AttributeError):      # not JSON, or not a JSON object
        return []
    names = table.column_names
    return [c for c in index if isinstance(c, str) and c in names] \
        if isinstance(index, list) else []


def _draw_columns(check: Checker, source: str, names: list[str], fixed: dict) -> list[str]:
    """Every column must be a parameter the experiment may vary, and only once."""
    for name in names:
        where = f", column {quote(name)}"
        if names.count(name) > 1:
            _refusal(check, source, where, "appears twice")
        if name == "days":
            _refusal(check, source, where, "the horizon is experiment.days")
        if name in fixed:
            _refusal(check, source, where, "also set in [fixed]; a parameter is fixed or "
                                           "varied")
        try:
            check.spec("design.source", name)
        except SpecError as exc:
            _refusal(check, source, where, exc.reason)
    return names


def _column_values(check: Checker, source: str, name: str, values: list) -> list:
    """Every value of one column, checked and converted by the model's own validator."""
    out = []
    for i, value in enumerate(values):
        try:
            out.append(check.param("design.source", name, value))
        except SpecError as exc:
            _refusal(check, source, f", row {i}, column {quote(name)}", exc.reason)
    return out


def _chosen_rows(check: Checker, doc: dict, source: str, n_rows: int,
                 root_seed: int) -> tuple[list[int], int]:
    """Every row in table order, or ``samples`` distinct rows drawn with ``seed`` (kept in
    table order): the same seed and table give the same scenarios."""
    import numpy as np

    if "samples" not in doc:
        if "seed" in doc:
            check.fail("design.seed", "only used with design.samples (it chooses the rows)")
        return list(range(n_rows)), root_seed
    samples = check.integer("design.samples", doc["samples"], low=1)
    if samples > n_rows:
        check.fail("design.samples", f"{samples} is more than the {n_rows} rows of "
                                     f"{shown(source)}")
    seed = check.integer("design.seed", doc.get("seed", root_seed), low=0)
    chosen = np.random.default_rng(seed).choice(n_rows, size=samples, replace=False)
    return sorted(int(i) for i in chosen), seed
