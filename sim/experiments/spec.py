"""Experiments as data: parse and validate an experiment TOML file.

An experiment file says *what* to run, never *how*::

    [experiment]
    name = "three_vs_five"
    regimes = ["three", "five"]        # compared under common random numbers
    replications = 30
    days = 365                         # horizon (the model parameter ``days``)
    root_seed = 20261127               # every run's seed derives from it
    seeds = "shared"                   # or "per-scenario" (see sim.experiments.seeds)
    model = "pkg.mod:Class"            # optional: a CommunityModel subclass, or
    models = {standard = "", oneshot = "pkg.mod:Class"}   # the model as a design factor

    [fixed]                            # overrides of the model defaults, same for all runs
    n_residents = 2000

    [design]                           # optional; how parameters vary between scenarios
    method = "grid"                    # grid | sweep | rows | lhs | sobol | morris | draws
    [design.parameters]
    crowd_out_elasticity = [0.0, 0.5]  # grid: values; lhs/sobol/morris: [low, high]

    [analysis]                         # optional; read by ``sim report`` only
    baseline = "three"
    primary = ["unmet_need_share"]     # primary outcomes (default: the headline metrics)
    family = "primary"                 # comparisons corrected together: primary (default:
                                       # primary outcomes, then the rest) | all | metric |
                                       # scenario
    correction = "bonferroni"          # multiple comparisons: bonferroni | holm | fdr_bh | none

Which way a metric is better is the metric catalogue's business (``sim.model.METRICS``),
never the experiment's: ``analysis.higher_is_better`` is refused.

Everything is checked before anything runs: the number of runs (computed from the file,
before any design is expanded, and refused above ``MAX_RUNS`` unless the caller raises
the limit), every value, and every file a parameter refers to (``network_file``), whose
content hash is kept for the manifest. A problem raises :class:`SpecError` naming the
file, the key and the reason, so the command line can print one line.

This module loads a file into an :class:`Experiment`; the checks themselves are in
:mod:`.checks`, the ``[design]`` table's parsing in :mod:`.design_spec` and its expansion
into scenarios in :mod:`.design`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import parse_toml, read_toml_file
from sim.errors import SpecError, TomlError
from sim.model import quote

from .checks import (
    MAX_RUNS,
    Checker,
    check_input_files,
    check_run_count,
    check_with_model,
)
from .design_spec import (
    Design,
    Scenario,
    count_scenarios,
    design_inputs,
    parse_design,
    with_input_hash,
)

# Multiple-comparison corrections of the verdicts (statsmodels.stats.multitest names), and
# the families of comparisons a correction runs over (sim.experiments.analysis.judge).
CORRECTIONS = ("bonferroni", "holm", "fdr_bh", "none")
FAMILIES = ("primary", "all", "metric", "scenario")

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
                   "seeds", "model", "models"},
    "analysis": {"baseline", "metrics", "confidence", "correction", "baseline_row", "ladder",
                 "primary", "family", "baseline_model"},
}


@dataclass(frozen=True)
class Analysis:
    baseline: str
    metrics: tuple[str, ...] = ()          # empty: every summary metric
    confidence: float = 0.95
    baseline_row: str | None = None        # rows design: the label others are compared with
    correction: str = "bonferroni"         # multiple comparisons within a family
    # attribution ladder (sim explain): orderings of the linkage mechanisms whose chains of
    # matched controls the regimes hold (sim.experiments.attribution)
    ladder: tuple[tuple[str, ...], ...] = ()
    primary: tuple[str, ...] = ()          # primary outcomes, as declared (may be empty)
    family: str = "primary"                # which comparisons a correction runs over
    baseline_model: str = ""               # models factor: variants are compared with it


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
    # the model as a design factor: variant name -> "module:Class" ("" = CommunityModel);
    # each scenario then runs one variant at one design point (Scenario.model, .point)
    models: dict[str, str] = field(default_factory=dict)
    # the metric catalogue: sim.model.METRICS plus the variants' extra_metrics
    catalogue: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_runs(self) -> int:
        return len(self.scenarios) * self.replications * len(self.regimes)

    def seed_for(self, scenario: int, rep: int) -> int:
        """The seed every regime of replicate ``rep`` of design point ``scenario`` runs
        with (every model variant of a design point shares it)."""
        from .seeds import seed_for

        return seed_for(self.seeds, self.root_seed, scenario, rep)

    def model_for(self, scenario: Scenario) -> str:
        """The model class ("module:Class", "" = CommunityModel) a scenario runs."""
        return self.models[scenario.model] if self.models else self.model

    def metric_names(self) -> list[str]:
        """Every summary metric a run stores: the catalogue's, then the variants'."""
        from sim.model import SUMMARY_METRICS

        return list(self.catalogue or SUMMARY_METRICS)

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
            "model": _model_record(self.model, self.models),
            **({"models": {k: v or "sim.model:CommunityModel" for k, v in self.models.items()}}
               if self.models else {}),
            "fixed": self.fixed,
            "design": {"method": d.method, "parameters": d.parameters, "rows": list(d.rows),
                       "samples": d.samples, "seed": d.seed, "levels": d.levels,
                       **({"source": d.source, "source_sha256": d.source_sha256}
                          if d.method == "draws" else {}),
                       "n_scenarios": len(self.scenarios)},
            "analysis": {"baseline": self.analysis.baseline,
                         "metrics": list(self.analysis.metrics),
                         "confidence": self.analysis.confidence,
                         "correction": self.analysis.correction,
                         "baseline_row": self.analysis.baseline_row,
                         "ladder": [list(order) for order in self.analysis.ladder],
                         "primary": list(self.analysis.primary),
                         "family": self.analysis.family,
                         **({"baseline_model": self.analysis.baseline_model}
                            if self.models else {})},
        }


def _model_record(model: str, models: dict[str, str]) -> str:
    """What the manifest records as the model (a results folder never mixes two)."""
    if not models:
        return model or "sim.model:CommunityModel"
    return "models: " + ", ".join(f"{k}={v or 'sim.model:CommunityModel'}"
                                  for k, v in models.items())


# ---------------------------------------------------------------- loading


def load_experiment(path: str | Path, *, max_runs: int = MAX_RUNS) -> Experiment:
    """Read, validate and expand an experiment file; raise SpecError if anything is wrong.

    ``max_runs`` bounds the number of runs; it is checked before the design is expanded.
    """
    path = Path(path)
    try:
        raw_bytes = read_toml_file(path)
    except TomlError as exc:
        raise SpecError(path, "-", str(exc)) from None
    except OSError as exc:
        raise SpecError(path, "-", f"cannot read file ({exc.strerror or exc})") from None
    return parse_experiment(raw_bytes, path, max_runs=max_runs)


def parse_experiment(raw_bytes: bytes, path: str | Path, *,
                     max_runs: int = MAX_RUNS) -> Experiment:
    """Validate and expand experiment TOML given as bytes; ``path`` names it in messages.

    Code that builds an experiment in memory (``sim compare``) uses this directly; the
    bytes travel with the experiment and are what the results directory keeps a copy of.
    """
    from sim.model import PARAM_SPECS, REGIMES

    path = Path(path)
    try:
        doc = parse_toml(raw_bytes)
    except TomlError as exc:
        raise SpecError(path, "toml", str(exc)) from None
    experiment = _build(path, hashlib.sha256(raw_bytes).hexdigest(), doc,
                        REGIMES, PARAM_SPECS, max_runs)
    return dataclasses.replace(experiment, source=raw_bytes)


def _build(path, sha, doc, regimes_known, specs, max_runs=MAX_RUNS) -> Experiment:
    from .design import expand, with_models

    check = Checker(path, specs)
    check.keys("", doc, _ALLOWED[""])
    head = _head(check, doc, regimes_known, specs)
    catalogue = _catalogue(check, head)
    fixed = _fixed(check, doc.get("fixed", {}))
    design = parse_design(check, doc.get("design", {}), head["root_seed"], fixed)
    check_run_count(check, count_scenarios(design) * max(1, len(head["models"])),
                    head["replications"], len(head["regimes"]), max_runs)
    analysis = _analysis(check, doc.get("analysis", {}), head["regimes"], catalogue,
                         design, head["models"])
    try:
        scenarios = with_models(expand(design, specs), head["models"])
    except ValueError as exc:
        raise SpecError(path, f"design.{design.method}", str(exc)) from None
    experiment = Experiment(path, with_input_hash(sha, design), fixed=fixed, design=design,
                            analysis=analysis, scenarios=scenarios,
                            inputs=design_inputs(design), catalogue=catalogue, **head)
    graph_nodes = check_input_files(check, experiment)
    check_with_model(check, experiment, graph_nodes)
    return experiment


def _head(check: Checker, doc: dict, regimes_known, specs) -> dict[str, Any]:
    """The ``[experiment]`` table, as keyword arguments of :class:`Experiment`."""
    if "experiment" not in doc:
        check.fail("experiment", "missing table [experiment]")
    exp = check.table("experiment", doc["experiment"])
    check.keys("experiment", exp, _ALLOWED["experiment"])
    return {
        "name": check.string("experiment.name", exp.get("name", check.path.stem)),
        "description": check.string("experiment.description", exp.get("description", "")),
        "regimes": check.names("experiment.regimes", exp.get("regimes"), regimes_known,
                               "regime"),
        "replications": check.integer("experiment.replications", exp.get("replications"),
                                      low=1),
        "root_seed": check.integer("experiment.root_seed", exp.get("root_seed"), low=0),
        "seeds": _seed_rule(check, exp.get("seeds", "shared")),
        "model": _model(check, exp.get("model", "")),
        "models": _models(check, exp),
        "days": check.param("experiment.days", "days", exp.get("days")) if "days" in specs
        else check.integer("experiment.days", exp.get("days"), low=1),
    }


def _fixed(check: Checker, doc: Any) -> dict[str, Any]:
    """``[fixed]``: overrides of the model defaults, the same in every run."""
    fixed_doc = check.table("fixed", doc)
    if "days" in fixed_doc:
        check.fail("fixed.days", "set the horizon as experiment.days")
    return {k: check.param(f"fixed.{k}", k, v) for k, v in fixed_doc.items()}


def _model(check: Checker, value: Any) -> str:
    """A model class named in the file must import and be a CommunityModel subclass now."""
    from .models import resolve

    model = check.string("experiment.model", value)
    try:
        resolve(model)
    except ValueError as exc:
        check.fail("experiment.model", str(exc))
    return model


def _models(check: Checker, exp: dict) -> dict[str, str]:
    """``experiment.models``: the model as a design factor, variant name -> "module:Class"
    ("" for the standard model). Every class must import and be a CommunityModel
    subclass now; two names for one class are refused."""
    import re

    from .models import resolve

    value = exp.get("models")
    if value is None:
        return {}
    if "model" in exp:
        check.fail("experiment.models", "give either experiment.model (one model) or "
                                        "experiment.models (variants as a factor), not both")
    if not isinstance(value, dict) or len(value) < 2:
        check.fail("experiment.models", 'must be a table of at least two variants, e.g. '
                                        '{standard = "", oneshot = "pkg.mod:Class"}')
    seen: dict[str, str] = {}
    for name, reference in value.items():
        key = f"experiment.models.{name}"
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,31}", name):
            check.fail(key, "a variant name is a letter then letters, digits, _ or - (at "
                            "most 32)")
        reference = check.string(key, reference)
        try:
            resolved = resolve(reference)
        except ValueError as exc:
            check.fail(key, str(exc))
        canonical = f"{resolved.__module__}:{resolved.__qualname__}"
        if canonical in seen:
            check.fail(key, f"names the same class as experiment.models.{seen[canonical]}")
        seen[canonical] = name
    return dict(value)


def _catalogue(check: Checker, head: dict) -> dict[str, Any]:
    """The metric catalogue of the experiment's models (sim.experiments.catalogue)."""
    from .catalogue import merged
    from .models import resolve

    variants = head["models"] or {"model": head["model"]}
    where = "experiment.models" if head["models"] else "experiment.model"
    try:
        return merged({name: resolve(ref) for name, ref in variants.items()})
    except (TypeError, ValueError) as exc:
        check.fail(where, str(exc))


def _seed_rule(check: Checker, value: Any) -> str:
    from .seeds import SEED_RULES

    if value not in SEED_RULES:
        check.fail("experiment.seeds", f"must be one of {', '.join(SEED_RULES)}, "
                                       f"got {str(value)[:40]!r}")
    return value


def _analysis(check, doc, regimes, metrics_known, design: Design,
              models: dict[str, str]) -> Analysis:
    doc = check.table("analysis", doc)
    for key in doc:
        if f"analysis.{key}" in _RETIRED:
            check.fail(f"analysis.{key}", _RETIRED[f"analysis.{key}"])
    check.keys("analysis", doc, _ALLOWED["analysis"])
    baseline = doc.get("baseline", regimes[0])
    if baseline not in regimes:
        raise SpecError(check.path, "analysis.baseline",
                        f"{quote(baseline)} is not one of experiment.regimes {list(regimes)}")
    metrics = check.names("analysis.metrics", doc.get("metrics", []), metrics_known,
                          "metric", allow_empty=True)
    correction = _choice(check, "analysis.correction", doc.get("correction", "bonferroni"),
                         CORRECTIONS)
    primary = _primary(check, doc.get("primary", []), metrics_known, metrics)
    family = _choice(check, "analysis.family", doc.get("family", "primary"), FAMILIES)
    confidence = doc.get("confidence", 0.95)
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        raise SpecError(check.path, "analysis.confidence", "must be a number in [0.5, 1)")
    baseline_row = doc.get("baseline_row")
    if baseline_row is not None:
        labels = [r["label"] for r in design.rows]
        if baseline_row not in labels:
            raise SpecError(check.path, "analysis.baseline_row",
                            f"{quote(baseline_row)} is not a design.rows label {quote(labels)}")
    ladder = _ladder(check, doc.get("ladder", []), regimes)
    baseline_model = doc.get("baseline_model", next(iter(models), ""))
    if "baseline_model" in doc and not models:
        check.fail("analysis.baseline_model", "only with experiment.models (the variants "
                                              "compared with it)")
    if models and baseline_model not in models:
        check.fail("analysis.baseline_model", f"{quote(baseline_model)} is not one of "
                                              f"experiment.models {quote(list(models))}")
    return Analysis(baseline, metrics, confidence, baseline_row, correction, ladder, primary,
                    family, baseline_model)


def _choice(check: Checker, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        check.fail(key, f"must be one of {', '.join(allowed)}, got {quote(value)}")
    return value


def _primary(check: Checker, value: Any, metrics_known, analysed) -> tuple[str, ...]:
    """``analysis.primary``: the primary outcomes, each a metric with a better direction
    (a primary outcome is judged) and among ``analysis.metrics`` when that is given."""
    from .catalogue import direction_of

    primary = check.names("analysis.primary", value, metrics_known, "metric",
                          allow_empty=True)
    for name in primary:
        if direction_of(name, metrics_known) is None:
            check.fail("analysis.primary", f"{quote(name)} has no better direction in the "
                                           "metric catalogue (a supporting count): a primary "
                                           "outcome must be one that can be judged")
        if analysed and name not in analysed:
            check.fail("analysis.primary", f"{quote(name)} is not in analysis.metrics; list "
                                           "it there too")
    return primary


def _ladder(check, value, regimes) -> tuple[tuple[str, ...], ...]:
    """``analysis.ladder``: orderings of the linkage mechanisms, whose rungs the experiment
    runs (see sim.experiments.attribution)."""
    from sim.model import LINKAGE

    from .attribution import ladder_regimes

    if not isinstance(value, list):
        check.fail("analysis.ladder", "must be a list of orderings of the linkage mechanisms")
    orders = []
    for i, order in enumerate(value):
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(LINKAGE):
            check.fail(f"analysis.ladder[{i}]", "must order every linkage mechanism once "
                                                f"({', '.join(LINKAGE)})")
        orders.append(tuple(order))
    missing = [r for r in ladder_regimes(orders) if r not in regimes] if orders else []
    if missing:
        check.fail("analysis.ladder", f"needs the regimes {quote(missing)} in "
                                      "experiment.regimes")
    return tuple(orders)


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
