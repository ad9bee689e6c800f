"""The ``[design]`` table of an experiment file: how parameters vary between scenarios.

::

    [design]
    method = "grid"                    # none | grid | rows | lhs | sobol | morris | posterior
    [design.parameters]
    crowd_out_elasticity = [0.0, 0.5]  # grid: values; lhs/sobol/morris: [low, high]

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
from typing import Any

from sim.errors import SpecError
from sim.model import quote

from .checks import Checker

DESIGN_METHODS = ("none", "grid", "rows", "lhs", "sobol", "morris", "posterior")
SAMPLED_METHODS = ("lhs", "sobol", "morris")
DESIGN_KEYS = {"method", "parameters", "rows", "samples", "seed", "levels", "source"}


@dataclass(frozen=True)
class Scenario:
    """One point of the design: the parameter values that differ between scenarios."""

    index: int
    label: str
    varied: dict[str, Any]   # values the model receives (ints rounded)
    raw: dict[str, float]    # values as sampled (what SALib's analysers expect)


@dataclass(frozen=True)
class Design:
    method: str = "none"
    parameters: dict[str, list] = field(default_factory=dict)
    rows: tuple[dict, ...] = ()
    samples: int = 0
    seed: int = 0
    levels: int = 4
    source: str = ""            # posterior design: the calibration directory
    source_sha256: str = ""     # posterior design: hash of its posterior sample


def parse_design(check: Checker, doc: Any, root_seed: int, fixed: dict) -> Design:
    """The validated ``[design]`` table (``fixed``: the parameters [fixed] sets)."""
    doc = check.table("design", doc)
    check.keys("design", doc, DESIGN_KEYS)
    method = doc.get("method", "rows" if "rows" in doc else "grid" if "parameters" in doc
                     else "none")
    if method not in DESIGN_METHODS:
        check.fail("design.method",
                   f"unknown method {quote(method)} (allowed: {', '.join(DESIGN_METHODS)})")
    if method == "posterior" or "source" in doc:       # see "posterior design" below
        return _posterior_design(check, doc, method, root_seed, fixed)
    _refuse_unused(check, doc, method)
    # (only sampled designs read a seed and levels of their own)
    if method == "rows":
        return Design("rows", rows=tuple(_rows(check, doc.get("rows"))), seed=root_seed,
                      levels=0)
    parameters = _parameters(check, doc.get("parameters", {}), method, fixed)
    if method in SAMPLED_METHODS:
        return _sampled(check, doc, method, parameters, root_seed)
    return Design(method, parameters, seed=root_seed, levels=0)


def _refuse_unused(check: Checker, doc: dict, method: str) -> None:
    """A key the method does not read is refused, naming who reads it."""
    for key in ("samples", "seed", "levels"):
        if key in doc and method not in SAMPLED_METHODS:
            check.fail(f"design.{key}", f"only used by {'/'.join(SAMPLED_METHODS)}")
    if "levels" in doc and method != "morris":
        check.fail("design.levels", "only used by morris")
    if method == "rows" and "rows" not in doc:
        check.fail("design.rows", 'method "rows" needs [[design.rows]] tables')
    if method != "rows" and "rows" in doc:
        check.fail("design.rows", f'only used by method "rows", not {quote(method)}')
    if method in ("none", "rows") and "parameters" in doc:
        check.fail("design.parameters", f"not used by method {quote(method)}")


def _parameters(check: Checker, doc: Any, method: str, fixed: dict) -> dict[str, list]:
    """``[design.parameters]``: grid values, or sampler bounds [low, high]."""
    parameters: dict[str, list] = {}
    for name, value in check.table("design.parameters", doc).items():
        key = f"design.parameters.{name}"
        if name in fixed:
            check.fail(key, "also set in [fixed]; a parameter is fixed or varied")
        if name == "days":
            check.fail(key, "the horizon is experiment.days")
        parameters[name] = _grid_values(check, key, name, value) if method == "grid" \
            else check.bounds(key, name, value)
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
    if design.method == "rows":
        return len(design.rows)
    # SALib: lhs draws N points, sobol (first/total order) N*(k+2), morris N*(k+1);
    # a posterior design draws N points from the calibration's posterior.
    return {"none": 1, "lhs": design.samples, "sobol": design.samples * (k + 2),
            "morris": design.samples * (k + 1), "posterior": design.samples}[design.method]


def with_input_hash(sha: str, design: Design) -> str:
    """A posterior design depends on the calibration as much as on the file: its hash
    covers both, so a sweep is never resumed on a recalibrated posterior."""
    if design.method != "posterior":
        return sha
    return hashlib.sha256(f"{sha}:{design.source_sha256}".encode()).hexdigest()


# ---------------------------------------------------------------- posterior design
# (added with sim.calibration) Scenarios drawn from a finished calibration's posterior:
#
#     [design]
#     method = "posterior"
#     source = "results/calibration"   # a directory written by `sim calibrate`
#     samples = 50                     # parameter sets drawn from the weighted posterior
#     seed = 1                         # optional (default: experiment.root_seed)
#
# Each scenario is one draw of the calibrated parameters, plus the calibration's own
# [fixed] values other than size and horizon (n_residents, days, ...), so every run sits
# where the calibration put the model. With more than a dozen scenarios `sim report`
# pools the paired differences over draws and replicates: the interval then carries the
# parameter uncertainty the patterns left, not only replication noise.

POSTERIOR_MIN_SAMPLES = 20


def _posterior_design(check: Checker, doc: dict, method: str, root_seed: int,
                      fixed: dict) -> Design:
    from sim.calibration.results import load_result
    from sim.calibration.spec import SIZE_PARAMETERS

    if method != "posterior":
        raise SpecError(check.path, "design.source", f'only used by method "posterior", '
                                                     f"not {method!r}")
    for key in ("parameters", "rows", "levels"):
        if key in doc:
            raise SpecError(check.path, f"design.{key}", 'not used by method "posterior"')
    source = doc.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SpecError(check.path, "design.source", "must name a calibration directory "
                                                     '(e.g. "results/calibration")')
    try:
        result = load_result(source, key="design.source")
    except SpecError as exc:
        raise SpecError(check.path, "design.source", f"{source[:80]}: {exc.reason}") from None
    samples = check.integer("design.samples", doc.get("samples"), low=POSTERIOR_MIN_SAMPLES)
    seed = check.integer("design.seed", doc.get("seed", root_seed), low=0)
    carried = {k for k in result.manifest["calibration"]["fixed"] if k not in SIZE_PARAMETERS}
    for name in fixed:
        if name in result.parameters or name in carried:
            what = "calibrated" if name in result.parameters else "fixed by the calibration"
            raise SpecError(check.path, f"fixed.{name}", f"{what} in {source[:80]}; the "
                                                         "posterior design sets it")
    digest = hashlib.sha256((Path(source) / "posterior.parquet").read_bytes()).hexdigest()
    return Design("posterior", samples=samples, seed=seed, source=source,
                  source_sha256=digest)
