"""Experiments as data: parse and validate an experiment TOML file.

An experiment file says *what* to run, never *how*::

    [experiment]
    name = "three_vs_five"
    regimes = ["three", "five"]        # compared under common random numbers
    replications = 30
    days = 365                         # horizon (the model parameter ``days``)
    root_seed = 20261127               # every run's seed derives from it
    seeds = "shared"                   # or "per-scenario" (see sim.experiments.seeds)

    [fixed]                            # overrides of the model defaults, same for all runs
    n_residents = 2000

    [design]                           # optional; how parameters vary between scenarios
    method = "grid"                    # grid | rows | lhs | sobol | morris
    [design.parameters]
    crowd_out_elasticity = [0.0, 0.5]  # grid: values; lhs/sobol/morris: [low, high]

    [analysis]                         # optional; read by ``sim report`` only
    baseline = "three"
    correction = "holm"                # multiple comparisons: holm | fdr_bh | none

Which way a metric is better is the metric catalogue's business (``sim.model.METRICS``),
never the experiment's: ``analysis.higher_is_better`` is refused.

Everything is checked before anything runs: the number of runs (computed from the file,
before any design is expanded, and refused above ``MAX_RUNS`` unless the caller raises
the limit), every value, and every file a parameter refers to (``network_file``), whose
content hash is kept for the manifest. A problem raises :class:`SpecError` naming the
file, the key and the reason, so the command line can print one line.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import parse_toml
from sim.errors import SpecError, TomlError
from sim.model import quote

DESIGN_METHODS = ("none", "grid", "rows", "lhs", "sobol", "morris", "posterior")
# Above this many runs an experiment is refused unless the caller raises the limit
# (``sim experiment --max-runs N``): a typo such as ``replications = 1000000000`` must not
# hang, fill the disk or die in numpy.
MAX_RUNS = 1_000_000

SAMPLED_METHODS = ("lhs", "sobol", "morris")

# Columns the runner writes itself; a parameter of the same name would be ambiguous.
RESERVED_COLUMNS = ("run_key", "scenario", "label", "rep", "regime", "seed", "status", "error", "day")

# Multiple-comparison corrections of the verdicts (statsmodels.stats.multitest names).
CORRECTIONS = ("holm", "fdr_bh", "none")

# Keys of earlier versions, refused with the reason (never silently ignored).
_RETIRED = {
    "analysis.higher_is_better": "no longer read: which way a metric is better comes from the "
                                 "metric catalogue (sim.model.METRICS, field direction); "
                                 "remove this key",
    "analysis.bootstrap": "no longer read: intervals are paired t-intervals; remove this key",
}

_ALLOWED = {
    "": {"experiment", "fixed", "design", "analysis"},
    "experiment": {"name", "description", "regimes", "replications", "days", "root_seed",
                   "seeds", "model"},
    "design": {"method", "parameters", "rows", "samples", "seed", "levels", "source"},
    "analysis": {"baseline", "metrics", "confidence", "correction", "baseline_row"},
}


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
    confidence: float = 0.95
    baseline_row: str | None = None        # rows design: the label others are compared with
    correction: str = "holm"               # multiple comparisons across a table's verdicts


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
    inputs: dict[str, str] = field(default_factory=dict)   # referenced file -> sha256
    seeds: str = "shared"                  # seed rule, see sim.experiments.seeds
    model: str = ""                        # model class, "module:Class" ("" = CommunityModel)
    source: bytes | None = field(default=None, repr=False, compare=False)  # file bytes

    @property
    def n_runs(self) -> int:
        return len(self.scenarios) * self.replications * len(self.regimes)

    def seed_for(self, scenario: int, rep: int) -> int:
        """The seed every regime of replicate ``rep`` of ``scenario`` runs with."""
        from .seeds import seed_for

        return seed_for(self.seeds, self.root_seed, scenario, rep)

    def source_bytes(self) -> bytes:
        """The experiment file's bytes (kept in memory for experiments built in code)."""
        return self.source if self.source is not None else self.path.read_bytes()

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
            "days": self.days, "root_seed": self.root_seed, "seeds": self.seeds,
            "model": self.model or "sim.model:CommunityModel", "fixed": self.fixed,
            "design": {"method": d.method, "parameters": d.parameters, "rows": list(d.rows),
                       "samples": d.samples, "seed": d.seed, "levels": d.levels,
                       **({"source": d.source, "source_sha256": d.source_sha256}
                          if d.method == "posterior" else {}),
                       "n_scenarios": len(self.scenarios)},
            "analysis": {"baseline": self.analysis.baseline,
                         "metrics": list(self.analysis.metrics),
                         "confidence": self.analysis.confidence,
                         "correction": self.analysis.correction,
                         "baseline_row": self.analysis.baseline_row},
        }


# ---------------------------------------------------------------- loading


def load_experiment(path: str | Path, *, max_runs: int = MAX_RUNS) -> Experiment:
    """Read, validate and expand an experiment file; raise SpecError if anything is wrong.

    ``max_runs`` bounds the number of runs; it is checked before the design is expanded.
    """
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise SpecError(path, "-", f"cannot read file ({exc.strerror or exc})") from None
    return parse_experiment(raw_bytes, path, max_runs=max_runs)


def parse_experiment(raw_bytes: bytes, path: str | Path, *,
                     max_runs: int = MAX_RUNS) -> Experiment:
    """Validate and expand experiment TOML given as bytes; ``path`` names it in messages.

    Code that builds an experiment in memory (``sim compare``) uses this directly; the
    bytes travel with the experiment and are what the results directory keeps a copy of.
    """
    from sim.model import PARAM_SPECS, REGIMES, SUMMARY_METRICS

    path = Path(path)
    try:
        doc = parse_toml(raw_bytes)
    except TomlError as exc:
        raise SpecError(path, "toml", str(exc)) from None
    experiment = _build(path, hashlib.sha256(raw_bytes).hexdigest(), doc,
                        REGIMES, SUMMARY_METRICS, PARAM_SPECS, max_runs)
    return dataclasses.replace(experiment, source=raw_bytes)


def _build(path, sha, doc, regimes_known, metrics_known, specs, max_runs=MAX_RUNS) -> Experiment:
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
    seeds = _seed_rule(check, exp.get("seeds", "shared"))
    model = _model(check, exp.get("model", ""))
    days = check.param("experiment.days", "days", exp.get("days")) if "days" in specs \
        else check.integer("experiment.days", exp.get("days"), low=1)

    fixed_doc = check.table("fixed", doc.get("fixed", {}))
    if "days" in fixed_doc:
        raise SpecError(path, "fixed.days", "set the horizon as experiment.days")
    fixed = {k: check.param(f"fixed.{k}", k, v) for k, v in fixed_doc.items()}

    design = _design(check, doc.get("design", {}), root_seed, fixed)
    _check_run_count(check, design, replications, len(regimes), max_runs)
    sha = _with_posterior_hash(sha, design)
    analysis = _analysis(check, doc.get("analysis", {}), regimes, metrics_known, design)
    try:
        scenarios = expand(design, specs)
    except ValueError as exc:
        raise SpecError(path, f"design.{design.method}", str(exc)) from None

    experiment = Experiment(path, sha, name, description, regimes, replications, days,
                            root_seed, fixed, design, analysis, scenarios, seeds=seeds,
                            model=model)
    graph_nodes = _check_input_files(check, experiment)
    _check_with_model(check, experiment, graph_nodes)
    return experiment


def _model(check: _Checker, value: Any) -> str:
    """A model class named in the file must import and be a CommunityModel subclass now."""
    from .models import resolve

    model = check.string("experiment.model", value)
    try:
        resolve(model)
    except ValueError as exc:
        check.fail("experiment.model", str(exc))
    return model


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


def _check_run_count(check: _Checker, design: Design, replications: int, regimes: int,
                     max_runs: int) -> None:
    scenarios = count_scenarios(design)
    runs = scenarios * replications * regimes
    if runs > max_runs:
        check.fail("experiment", f"expands to {runs:,} runs ({scenarios:,} scenarios x "
                                 f"{replications:,} replications x {regimes} regimes), more "
                                 f"than the limit of {max_runs:,}; if you mean it, pass "
                                 f"--max-runs {runs}")


def _design(check: _Checker, doc: Any, root_seed: int, fixed: dict) -> Design:
    doc = check.table("design", doc)
    check.keys("design", doc)
    method = doc.get("method", "rows" if "rows" in doc else "grid" if "parameters" in doc
                     else "none")
    if method not in DESIGN_METHODS:
        raise SpecError(check.path, "design.method",
                        f"unknown method {quote(method)} (allowed: {', '.join(DESIGN_METHODS)})")
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
        raise SpecError(check.path, "design.rows", f'only used by method "rows", not {quote(method)}')
    if method in ("none", "rows") and "parameters" in doc:
        raise SpecError(check.path, "design.parameters", f"not used by method {quote(method)}")

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
        raise SpecError(check.path, "design.parameters", f"method {quote(method)} needs parameters")

    rows = tuple(_rows(check, doc.get("rows"), fixed)) if method == "rows" else ()
    samples = levels = 0
    if method in SAMPLED_METHODS:
        samples = check.integer("design.samples", doc.get("samples"), low=2)
        if method == "sobol" and samples & (samples - 1):
            raise SpecError(check.path, "design.samples",
                            f"Sobol base sample size must be a power of 2, got {quote(samples)}")
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
            raise SpecError(check.path, f"{key}.label", f"label {quote(label)} repeats")
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


def _seed_rule(check: _Checker, value: Any) -> str:
    from .seeds import SEED_RULES

    if value not in SEED_RULES:
        check.fail("experiment.seeds", f"must be one of {', '.join(SEED_RULES)}, "
                                       f"got {str(value)[:40]!r}")
    return value


def _analysis(check, doc, regimes, metrics_known, design: Design) -> Analysis:
    doc = check.table("analysis", doc)
    for key in doc:
        if f"analysis.{key}" in _RETIRED:
            check.fail(f"analysis.{key}", _RETIRED[f"analysis.{key}"])
    check.keys("analysis", doc)
    baseline = doc.get("baseline", regimes[0])
    if baseline not in regimes:
        raise SpecError(check.path, "analysis.baseline",
                        f"{quote(baseline)} is not one of experiment.regimes {list(regimes)}")
    metrics = check.names("analysis.metrics", doc.get("metrics", []), metrics_known,
                          "metric", allow_empty=True)
    correction = doc.get("correction", "holm")
    if correction not in CORRECTIONS:
        check.fail("analysis.correction", f"must be one of {', '.join(CORRECTIONS)}, "
                                          f"got {str(correction)[:40]!r}")
    confidence = doc.get("confidence", 0.95)
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        raise SpecError(check.path, "analysis.confidence", "must be a number in [0.5, 1)")
    baseline_row = doc.get("baseline_row")
    if baseline_row is not None:
        labels = [r["label"] for r in design.rows]
        if baseline_row not in labels:
            raise SpecError(check.path, "analysis.baseline_row",
                            f"{quote(baseline_row)} is not a design.rows label {quote(labels)}")
    return Analysis(baseline, metrics, confidence, baseline_row, correction)


def _check_input_files(check: _Checker, experiment: Experiment) -> dict[str, int]:
    """Read every file a parameter refers to, now rather than in every run; remember each
    file's content hash (for the manifest) and each graph's number of nodes."""
    from sim.model import ConfigError, file_sha256, load_graph

    nodes: dict[str, int] = {}
    for scenario in experiment.scenarios:
        file = experiment.params_for(scenario).get("network_file")
        if not file or file in nodes:
            continue
        try:
            nodes[file] = load_graph(file).number_of_nodes()
            experiment.inputs[file] = file_sha256(file)
        except (ConfigError, OSError) as exc:
            raise SpecError(check.path, _where_set(experiment, "network_file"),
                            str(exc)) from None
    return nodes


def _where_set(experiment: Experiment, name: str) -> str:
    """The key of the file that sets parameter ``name`` (for messages)."""
    if name in experiment.fixed:
        return f"fixed.{name}"
    return "design.rows" if experiment.design.method == "rows" else f"design.parameters.{name}"


def _check_with_model(check: _Checker, experiment: Experiment,
                      graph_nodes: dict[str, int]) -> None:
    """Let the model's own validation see every scenario (cross-field rules included)."""
    from sim.model import ConfigError, Params

    for scenario in experiment.scenarios:
        values = experiment.params_for(scenario)
        where = f"scenario {scenario.index} ({scenario.label})"
        try:
            Params.from_dict(values)
        except ConfigError as exc:
            raise SpecError(check.path, where, str(exc).replace("\n", " ")) from None
        nodes = graph_nodes.get(values.get("network_file", ""))
        if nodes is not None and "n_residents" in values and values["n_residents"] != nodes:
            raise SpecError(check.path, where,
                            f"n_residents = {values['n_residents']} conflicts with network_file "
                            f"{quote(values['network_file'])}, a graph of {nodes} nodes; "
                            "leave n_residents out (the graph sets it)")


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
            self.fail(key, f"must be an integer, got {quote(value)}")
        if value < low:
            self.fail(key, f"must be >= {low}, got {quote(value)}")
        return value

    def names(self, key, value, known, what, allow_empty=False) -> tuple[str, ...]:
        if value is None:
            self.fail(key, "missing")
        if not isinstance(value, list) or (not value and not allow_empty):
            self.fail(key, f"must be a {'' if allow_empty else 'non-empty '}list of {what} names")
        for v in value:
            if not isinstance(v, str) or v not in known:
                self.fail(key, f"unknown {what} {quote(v)} (known: {', '.join(known)})")
        if len(set(value)) != len(value):
            self.fail(key, f"a {what} is listed twice")
        return tuple(value)

    def _spec(self, key: str, name: str):
        if name == "seed":
            self.fail(key, "seeds derive from experiment.root_seed; do not set them")
        if name in RESERVED_COLUMNS and name not in self.specs:
            self.fail(key, f"{quote(name)} is set by the runner, not by the experiment")
        if name not in self.specs:
            close = [n for n in self.specs if n.split("_")[0] == name.split("_")[0]][:3]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            self.fail(key, f"unknown parameter {quote(name)}{hint}")
        return self.specs[name]

    def param(self, key: str, name: str, value: Any) -> Any:
        """Check one value with the model's own validator (type, range, choices)."""
        from sim.model import ConfigError, validate_value

        self._spec(key, name)
        try:
            return validate_value(name, value, "value", typed=True)
        except ConfigError as exc:   # "value 'name': reason" -> "file: key: reason"
            self.fail(key, str(exc).split(": ", 1)[-1])

    def bounds(self, key: str, name: str, value: Any) -> list[float]:
        """Sampler bounds [low, high] inside the parameter's allowed range."""
        spec = self._spec(key, name)
        if type(spec.default) not in (int, float):
            self.fail(key, "only numeric parameters can be sampled; use a grid or rows")
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in value)):
            self.fail(key, f"must be [low, high], got {quote(value)}")
        low, high = float(value[0]), float(value[1])
        if not low < high:
            self.fail(key, f"low must be < high, got [{quote(value[0])}, {quote(value[1])}]")
        self._range(key, spec, low)
        self._range(key, spec, high)
        return [low, high]

    def _range(self, key: str, spec, value: Any) -> None:
        lo, hi = getattr(spec, "min", None), getattr(spec, "max", None)
        if isinstance(value, (bool, str)):
            return
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            unit = f" {spec.unit}" if getattr(spec, "unit", "") else ""
            self.fail(key, f"{quote(value)} is outside the allowed range [{lo}, {hi}]{unit}")


# ---------------------------------------------------------------- extending stored results


def differs_only_in_replications(stored: bytes, new: bytes) -> bool:
    """True if two experiment files mean the same experiment except for
    ``experiment.replications`` (comments and formatting aside).

    Replicates are independent of one another (a replicate's seed does not depend on how
    many there are), so the runs of the stored replicates are exactly those the new file
    would produce, and the results directory can be extended instead of refused.
    """
    try:
        a, b = (parse_toml(raw) for raw in (stored, new))
    except TomlError:
        return False
    for doc in (a, b):
        if isinstance(doc.get("experiment"), dict):
            doc["experiment"].pop("replications", None)
    return a == b
