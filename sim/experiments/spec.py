"""Experiments as data: parse and validate an experiment TOML file.

An experiment file says *what* to run, never *how*::

    [experiment]
    name = "three_vs_five"
    regimes = ["three", "five"]        # compared under common random numbers
    replications = 30
    days = 365                         # horizon (the model parameter ``days``)
    root_seed = 20261127               # every run's seed derives from it

    [fixed]                            # overrides of the model defaults, same for all runs
    n_residents = 2000

    [design]                           # optional; how parameters vary between scenarios
    method = "grid"                    # grid | rows | lhs | sobol | morris
    [design.parameters]
    crowd_out_elasticity = [0.0, 0.5]  # grid: values; lhs/sobol/morris: [low, high]

    [analysis]                         # optional; read by ``sim report`` only
    baseline = "three"

Everything is checked before anything runs. A problem raises :class:`SpecError`
naming the file, the key and the reason, so the command line can print one line.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DESIGN_METHODS = ("none", "grid", "rows", "lhs", "sobol", "morris", "posterior")
SAMPLED_METHODS = ("lhs", "sobol", "morris")

# Columns the runner writes itself; a parameter of the same name would be ambiguous.
RESERVED_COLUMNS = ("run_key", "scenario", "label", "rep", "regime", "seed", "status", "error", "day")

# Outcomes where more is better; every other summary metric is read as "less is better".
DEFAULT_HIGHER_IS_BETTER = (
    "true_resolution_share",
    "volunteer_retention",
    "donor_retention",
    "mediation_success_share",
    "volunteers_active_share",
)

_ALLOWED = {
    "": {"experiment", "fixed", "design", "analysis"},
    "experiment": {"name", "description", "regimes", "replications", "days", "root_seed"},
    "design": {"method", "parameters", "rows", "samples", "seed", "levels", "source"},
    "analysis": {"baseline", "metrics", "higher_is_better", "bootstrap", "confidence",
                 "baseline_row"},
}


class SpecError(ValueError):
    """A refused experiment file: ``file: key: reason`` in one line."""

    def __init__(self, file: str | Path, key: str, reason: str):
        self.file, self.key, self.reason = str(file), key, reason
        super().__init__(f"{self.file}: {key}: {reason}")


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


@dataclass(frozen=True)
class Analysis:
    baseline: str
    metrics: tuple[str, ...] = ()          # empty: every summary metric
    higher_is_better: tuple[str, ...] = DEFAULT_HIGHER_IS_BETTER
    bootstrap: int = 2000
    confidence: float = 0.95
    baseline_row: str | None = None        # rows design: the label others are compared with


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: everything the runner and the report need."""

    path: Path
    sha256: str
    name: str
    description: str
    regimes: tuple[str, ...]
    replications: int
    days: int
    root_seed: int
    fixed: dict[str, Any]
    design: Design
    analysis: Analysis
    scenarios: tuple[Scenario, ...]

    @property
    def n_runs(self) -> int:
        return len(self.scenarios) * self.replications * len(self.regimes)

    def params_for(self, scenario: Scenario) -> dict[str, Any]:
        """The flat overrides one run passes to the model (days, fixed, then varied)."""
        return {"days": self.days, **self.fixed, **scenario.varied}

    def param_columns(self) -> list[str]:
        """Every parameter this experiment sets, in a stable order (run-table columns)."""
        names = ["days", *self.fixed]
        for s in self.scenarios:
            names += [k for k in s.varied if k not in names]
        return list(dict.fromkeys(names))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe record of the resolved experiment (stored in the manifest)."""
        d = self.design
        return {
            "name": self.name, "description": self.description,
            "regimes": list(self.regimes), "replications": self.replications,
            "days": self.days, "root_seed": self.root_seed, "fixed": self.fixed,
            "design": {"method": d.method, "parameters": d.parameters, "rows": list(d.rows),
                       "samples": d.samples, "seed": d.seed, "levels": d.levels,
                       **({"source": d.source, "source_sha256": d.source_sha256}
                          if d.method == "posterior" else {}),
                       "n_scenarios": len(self.scenarios)},
            "analysis": {"baseline": self.analysis.baseline,
                         "metrics": list(self.analysis.metrics),
                         "higher_is_better": list(self.analysis.higher_is_better),
                         "bootstrap": self.analysis.bootstrap,
                         "confidence": self.analysis.confidence,
                         "baseline_row": self.analysis.baseline_row},
        }


# ---------------------------------------------------------------- loading


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and expand an experiment file; raise SpecError if anything is wrong."""
    from sim.api import REGIMES, SUMMARY_METRICS
    from sim.params import PARAM_SPECS

    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise SpecError(path, "-", f"cannot read file ({exc.strerror or exc})") from None
    try:
        doc = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(path, "toml", f"not valid TOML ({exc})") from None
    return _build(path, hashlib.sha256(raw_bytes).hexdigest(), doc,
                  REGIMES, SUMMARY_METRICS, PARAM_SPECS)


def _build(path, sha, doc, regimes_known, metrics_known, specs) -> Experiment:
    from .design import expand

    check = _Checker(path, specs)
    check.keys("", doc)
    if "experiment" not in doc:
        raise SpecError(path, "experiment", "missing table [experiment]")
    exp = check.table("experiment", doc["experiment"])
    check.keys("experiment", exp)

    name = check.string("experiment.name", exp.get("name", path.stem))
    description = check.string("experiment.description", exp.get("description", ""))
    regimes = check.names("experiment.regimes", exp.get("regimes"), regimes_known, "regime")
    replications = check.integer("experiment.replications", exp.get("replications"), low=1)
    root_seed = check.integer("experiment.root_seed", exp.get("root_seed"), low=0)
    days = check.param("experiment.days", "days", exp.get("days")) if "days" in specs \
        else check.integer("experiment.days", exp.get("days"), low=1)

    fixed_doc = check.table("fixed", doc.get("fixed", {}))
    if "days" in fixed_doc:
        raise SpecError(path, "fixed.days", "set the horizon as experiment.days")
    fixed = {k: check.param(f"fixed.{k}", k, v) for k, v in fixed_doc.items()}

    design = _design(check, doc.get("design", {}), root_seed, fixed)
    sha = _with_posterior_hash(sha, design)
    analysis = _analysis(check, doc.get("analysis", {}), regimes, metrics_known, design)
    try:
        scenarios = expand(design, specs)
    except ValueError as exc:
        raise SpecError(path, f"design.{design.method}", str(exc)) from None

    experiment = Experiment(path, sha, name, description, regimes, replications, days,
                            root_seed, fixed, design, analysis, scenarios)
    _check_with_model(check, experiment)
    return experiment


def _design(check: _Checker, doc: Any, root_seed: int, fixed: dict) -> Design:
    doc = check.table("design", doc)
    check.keys("design", doc)
    method = doc.get("method", "rows" if "rows" in doc else "grid" if "parameters" in doc
                     else "none")
    if method not in DESIGN_METHODS:
        raise SpecError(check.path, "design.method",
                        f"unknown method {method!r} (allowed: {', '.join(DESIGN_METHODS)})")
    if method == "posterior" or "source" in doc:       # see "posterior design" below
        return _posterior_design(check, doc, method, root_seed, fixed)
    for key in ("samples", "seed", "levels"):
        if key in doc and method not in SAMPLED_METHODS:
            raise SpecError(check.path, f"design.{key}", f"only used by {'/'.join(SAMPLED_METHODS)}")
    if "levels" in doc and method != "morris":
        raise SpecError(check.path, "design.levels", "only used by morris")
    if method == "rows" and "rows" not in doc:
        raise SpecError(check.path, "design.rows", 'method "rows" needs [[design.rows]] tables')
    if method != "rows" and "rows" in doc:
        raise SpecError(check.path, "design.rows", f'only used by method "rows", not {method!r}')
    if method in ("none", "rows") and "parameters" in doc:
        raise SpecError(check.path, "design.parameters", f"not used by method {method!r}")

    parameters: dict[str, list] = {}
    for name, value in check.table("design.parameters", doc.get("parameters", {})).items():
        key = f"design.parameters.{name}"
        if name in fixed:
            raise SpecError(check.path, key, "also set in [fixed]; a parameter is fixed or varied")
        if name == "days":
            raise SpecError(check.path, key, "the horizon is experiment.days")
        if method == "grid":
            if not isinstance(value, list) or not value:
                raise SpecError(check.path, key, "grid values must be a non-empty list")
            values = [check.param(f"{key}[{i}]", name, v) for i, v in enumerate(value)]
            if len(set(map(repr, values))) != len(values):
                raise SpecError(check.path, key, "grid values repeat")
            parameters[name] = values
        else:
            parameters[name] = check.bounds(key, name, value)
    if method in ("grid", *SAMPLED_METHODS) and not parameters:
        raise SpecError(check.path, "design.parameters", f"method {method!r} needs parameters")

    rows = tuple(_rows(check, doc.get("rows"), fixed)) if method == "rows" else ()
    samples = levels = 0
    if method in SAMPLED_METHODS:
        samples = check.integer("design.samples", doc.get("samples"), low=2)
        if method == "sobol" and samples & (samples - 1):
            raise SpecError(check.path, "design.samples",
                            f"Sobol base sample size must be a power of 2, got {samples}")
        levels = check.integer("design.levels", doc.get("levels", 4), low=2) \
            if method == "morris" else 4
        if method == "morris" and levels % 2:
            raise SpecError(check.path, "design.levels", "Morris levels must be even")
    seed = check.integer("design.seed", doc.get("seed", root_seed), low=0)
    return Design(method, parameters, rows, samples, seed, levels)


def _rows(check: _Checker, rows: Any, fixed: dict) -> list[dict]:
    """Explicit scenarios; a row's values override [fixed] (e.g. switch one mechanism on)."""
    if not isinstance(rows, list) or not rows:
        raise SpecError(check.path, "design.rows", "must be a non-empty array of tables")
    out, labels = [], set()
    for i, row in enumerate(rows):
        key = f"design.rows[{i}]"
        row = check.table(key, row)
        label = check.string(f"{key}.label", row.get("label", f"row{i}"))
        if label in labels:
            raise SpecError(check.path, f"{key}.label", f"label {label!r} repeats")
        labels.add(label)
        values = {}
        for name, value in row.items():
            if name == "label":
                continue
            if name == "days":
                raise SpecError(check.path, f"{key}.days", "the horizon is experiment.days")
            values[name] = check.param(f"{key}.{name}", name, value)
        out.append({"label": label, **values})
    return out


def _analysis(check, doc, regimes, metrics_known, design: Design) -> Analysis:
    doc = check.table("analysis", doc)
    check.keys("analysis", doc)
    baseline = doc.get("baseline", regimes[0])
    if baseline not in regimes:
        raise SpecError(check.path, "analysis.baseline",
                        f"{baseline!r} is not one of experiment.regimes {list(regimes)}")
    metrics = check.names("analysis.metrics", doc.get("metrics", []), metrics_known,
                          "metric", allow_empty=True)
    hib = doc.get("higher_is_better")
    hib = tuple(m for m in DEFAULT_HIGHER_IS_BETTER if m in metrics_known) if hib is None else \
        check.names("analysis.higher_is_better", hib, metrics_known, "metric", allow_empty=True)
    bootstrap = check.integer("analysis.bootstrap", doc.get("bootstrap", 2000), low=100)
    confidence = doc.get("confidence", 0.95)
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        raise SpecError(check.path, "analysis.confidence", "must be a number in [0.5, 1)")
    baseline_row = doc.get("baseline_row")
    if baseline_row is not None:
        labels = [r["label"] for r in design.rows]
        if baseline_row not in labels:
            raise SpecError(check.path, "analysis.baseline_row",
                            f"{baseline_row!r} is not a design.rows label {labels}")
    return Analysis(baseline, metrics, tuple(hib), bootstrap, confidence, baseline_row)


def _check_with_model(check: _Checker, experiment: Experiment) -> None:
    """Let the model's own validation see every scenario (cross-field rules included)."""
    from sim.params import ConfigError, Params

    for scenario in experiment.scenarios:
        try:
            Params.from_dict(experiment.params_for(scenario))
        except ConfigError as exc:
            where = f"scenario {scenario.index} ({scenario.label})"
            raise SpecError(check.path, where, str(exc).replace("\n", " ")) from None


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


def _posterior_design(check: _Checker, doc: dict, method: str, root_seed: int,
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


def _with_posterior_hash(sha: str, design: Design) -> str:
    """A posterior design depends on the calibration as much as on the file: its hash
    covers both, so a sweep is never resumed on a recalibrated posterior."""
    if design.method != "posterior":
        return sha
    return hashlib.sha256(f"{sha}:{design.source_sha256}".encode()).hexdigest()


# ---------------------------------------------------------------- value checks


class _Checker:
    """Small helpers that turn a wrong value into a SpecError naming its key."""

    def __init__(self, path: Path, specs: dict):
        self.path, self.specs = path, specs

    def fail(self, key: str, reason: str):
        raise SpecError(self.path, key, reason)

    def keys(self, where: str, table: dict) -> None:
        allowed = _ALLOWED[where]
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else key
                self.fail(full, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def table(self, key: str, value: Any) -> dict:
        if not isinstance(value, dict):
            self.fail(key, "must be a table")
        return value

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            self.fail(key, "must be a string")
        return value

    def integer(self, key: str, value: Any, low: int) -> int:
        if value is None:
            self.fail(key, "missing")
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be an integer, got {value!r}")
        if value < low:
            self.fail(key, f"must be >= {low}, got {value}")
        return value

    def names(self, key, value, known, what, allow_empty=False) -> tuple[str, ...]:
        if value is None:
            self.fail(key, "missing")
        if not isinstance(value, list) or (not value and not allow_empty):
            self.fail(key, f"must be a {'' if allow_empty else 'non-empty '}list of {what} names")
        for v in value:
            if v not in known:
                self.fail(key, f"unknown {what} {v!r} (known: {', '.join(known)})")
        if len(set(value)) != len(value):
            self.fail(key, f"a {what} is listed twice")
        return tuple(value)

    def _spec(self, key: str, name: str):
        if name == "seed":
            self.fail(key, "seeds derive from experiment.root_seed; do not set them")
        if name in RESERVED_COLUMNS and name not in self.specs:
            self.fail(key, f"{name!r} is set by the runner, not by the experiment")
        if name not in self.specs:
            close = [n for n in self.specs if n.split("_")[0] == name.split("_")[0]][:3]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            self.fail(key, f"unknown parameter {name!r}{hint}")
        return self.specs[name]

    def param(self, key: str, name: str, value: Any) -> Any:
        """Check one value against the parameter's type (from its default) and range."""
        spec = self._spec(key, name)
        kind = type(spec.default)
        if kind is bool:
            if not isinstance(value, bool):
                self.fail(key, f"must be true or false, got {value!r}")
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(key, f"must be an integer, got {value!r}")
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                self.fail(key, f"must be a number, got {value!r}")
            value = float(value)
        elif not isinstance(value, kind):
            self.fail(key, f"must be a {kind.__name__}, got {value!r}")
        choices = getattr(spec, "choices", None)
        if choices and value not in choices:
            self.fail(key, f"must be one of {', '.join(choices)}, got {value!r}")
        self._range(key, spec, value)
        return value

    def bounds(self, key: str, name: str, value: Any) -> list[float]:
        """Sampler bounds [low, high] inside the parameter's allowed range."""
        spec = self._spec(key, name)
        if type(spec.default) not in (int, float):
            self.fail(key, "only numeric parameters can be sampled; use a grid or rows")
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in value)):
            self.fail(key, f"must be [low, high], got {value!r}")
        low, high = float(value[0]), float(value[1])
        if not low < high:
            self.fail(key, f"low must be < high, got [{value[0]}, {value[1]}]")
        self._range(key, spec, low)
        self._range(key, spec, high)
        return [low, high]

    def _range(self, key: str, spec, value: Any) -> None:
        lo, hi = getattr(spec, "min", None), getattr(spec, "max", None)
        if isinstance(value, (bool, str)):
            return
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            unit = f" {spec.unit}" if getattr(spec, "unit", "") else ""
            self.fail(key, f"{value} is outside the allowed range [{lo}, {hi}]{unit}")
