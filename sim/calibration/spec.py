"""Calibration files as data: observed patterns, priors and the ABC settings, validated.

A calibration file says which observed patterns the model must reproduce and which
parameters may move to reproduce them::

    [calibration]
    name = "community"
    regime = "five"              # the linkage the observed communities are read as
    replicates = 2               # model runs per particle; the statistic is their mean
    seed = 20261127              # root of pyabc's sampler RNG and of every model seed

    [fixed]                      # parameter values held fixed (size and horizon included)
    n_residents = 2000
    days = 365

    [abc]                        # ABC-SMC settings (defaults in ABC_DEFAULTS)
    population_size = 100
    populations = 6
    minimum_epsilon = 0.5

    [priors.dispute_rate_per_10k]
    distribution = "uniform"     # or "loguniform"
    low = 50.0
    high = 400.0

    [targets.mediated_neighbour_disputes]
    metric = "mediated_disputes_per_10k"   # a name from sim.model.METRICS
    observed = 18.5
    uncertainty = 5.9            # in the metric's unit: how far off still counts as close
    source = "people's mediation 2022 (司法部); neighbour share 12-23% (NBS yearbooks)"
    year = 2022
    scale = "national, per 10,000 residents per year"

A target may divide its metric by another metric or a parameter (``denominator``), and
may be marked ``optional = true``: it is then used only once the model reports its
metric, and skipped (and listed as skipped) before. Every problem raises
:class:`~sim.errors.SpecError` naming the file and key, for a one-line refusal.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.config import parse_toml, read_toml_file
from sim.errors import SpecError, TomlError

DISTRIBUTIONS = ("uniform", "loguniform")

# Parameters that set how big or how long a simulated community is, not how it behaves:
# they belong in [fixed], never in a prior.
SIZE_PARAMETERS = ("n_residents", "days", "warmup_days", "communities")

ABC_DEFAULTS: dict[str, Any] = {
    "population_size": 100,      # particles per population
    "populations": 6,            # at most this many populations (generations)
    "minimum_epsilon": 0.0,      # stop once the acceptance threshold is this small
    "min_acceptance_rate": 0.0,  # stop after a population that accepted a smaller share
    "batch_size": 10,            # Dask sampler only: model evaluations per Dask task
    "predictive_draws": 100,     # posterior draws simulated afresh for the predictive check
}

_ALLOWED = {
    "": {"calibration", "fixed", "abc", "priors", "targets"},
    "calibration": {"name", "description", "regime", "replicates", "seed"},
    "abc": set(ABC_DEFAULTS),
    "prior": {"distribution", "low", "high"},
    "target": {"metric", "observed", "uncertainty", "source", "year", "scale", "note",
               "denominator", "optional"},
}
_YEAR_RANGE = re.compile(r"^(1[89]|20)\d\d([-–](1[89]|20)\d\d)?$")
_MAX_QUOTE = 40


@dataclass(frozen=True)
class Prior:
    """A uniform or log-uniform prior over one model parameter."""

    name: str
    distribution: str
    low: float
    high: float
    integer: bool        # the model takes an integer: particles are rounded before a run

    @property
    def log_scale(self) -> bool:
        """Sampled on the log scale: pyabc sees log(value) with a uniform prior, so its
        perturbation kernel and importance weights work on the scale the prior is flat on."""
        return self.distribution == "loguniform"

    def sampler_bounds(self) -> tuple[float, float]:
        """The uniform range pyabc samples (log of the bounds for a log-uniform prior)."""
        if self.log_scale:
            return math.log(self.low), math.log(self.high)
        return self.low, self.high

    def natural(self, sampled: float) -> float:
        """A value as pyabc sampled it, back on the parameter's own scale."""
        return math.exp(sampled) if self.log_scale else float(sampled)

    def quartiles(self) -> tuple[float, float]:
        """Lower and upper quartile of the prior (on its own scale)."""
        if self.distribution == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return math.exp(lo + 0.25 * (hi - lo)), math.exp(lo + 0.75 * (hi - lo))
        return self.low + 0.25 * (self.high - self.low), self.low + 0.75 * (self.high - self.low)


@dataclass(frozen=True)
class Target:
    """One observed pattern: the statistic the model must reproduce, and where it is from."""

    name: str
    metric: str
    observed: float
    uncertainty: float
    source: str
    year: str
    scale: str
    note: str = ""
    denominator: str | None = None
    optional: bool = False

    @property
    def statistic(self) -> str:
        """How the simulated statistic is computed, in words."""
        return self.metric if not self.denominator else f"{self.metric} / {self.denominator}"


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file: everything the ABC driver and the report need."""

    path: Path
    sha256: str
    name: str
    description: str
    regime: str
    replicates: int
    seed: int
    fixed: dict[str, Any]
    abc: dict[str, Any]
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]            # the patterns used
    skipped: tuple[Target, ...] = ()       # optional patterns whose metric the model lacks

    def prior(self, name: str) -> Prior:
        return next(p for p in self.priors if p.name == name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "regime": self.regime,
                "replicates": self.replicates, "seed": self.seed, "fixed": self.fixed,
                "abc": self.abc, "priors": [asdict(p) for p in self.priors],
                "targets": [asdict(t) for t in self.targets],
                "skipped_targets": [asdict(t) for t in self.skipped]}


# ---------------------------------------------------------------- loading


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file; raise SpecError naming the key if anything is off."""
    from sim.model import METRICS, PARAM_SPECS, REGIMES

    path = Path(path)
    try:
        raw = read_toml_file(path)
    except TomlError as exc:
        raise SpecError(path, "-", str(exc)) from None
    except OSError as exc:
        raise SpecError(path, "-", f"cannot read file ({exc.strerror or exc})") from None
    try:
        doc = parse_toml(raw)
    except TomlError as exc:
        raise SpecError(path, "toml", str(exc)) from None
    return _build(_Check(path), hashlib.sha256(raw).hexdigest(), doc, REGIMES, METRICS,
                  PARAM_SPECS)


def _build(check: _Check, sha: str, doc: dict, regimes, metrics, specs) -> Calibration:
    check.keys("", "", doc)
    head = check.table("calibration", doc.get("calibration"), required=True)
    check.keys("calibration", "calibration", head)
    name = check.text("calibration.name", head.get("name", check.path.stem))
    description = check.text("calibration.description", head.get("description", ""),
                             allow_empty=True)
    regime = head.get("regime", "five")
    if regime not in regimes:
        check.fail("calibration.regime", f"unknown regime {_quote(regime)} "
                                         f"(known: {', '.join(regimes)})")
    replicates = check.integer("calibration.replicates", head.get("replicates", 1), 1, 1000)
    seed = check.integer("calibration.seed", head.get("seed"), 0, 2**63 - 1)

    fixed = _fixed(check, check.table("fixed", doc.get("fixed", {})), specs)
    abc = _abc(check, check.table("abc", doc.get("abc", {})))
    priors = _priors(check, check.table("priors", doc.get("priors"), required=True), fixed,
                     specs)
    targets, skipped = _targets(check, check.table("targets", doc.get("targets"),
                                                   required=True), metrics, specs)
    _check_with_model(check, fixed, priors)
    return Calibration(check.path, sha, name, description, regime, replicates, seed, fixed,
                       abc, priors, targets, skipped)


def _fixed(check: _Check, table: dict, specs) -> dict[str, Any]:
    from sim.model import ConfigError, Params, validate_value

    out = {}
    for name, value in table.items():
        key = f"fixed.{name}"
        if name not in specs:
            check.fail(key, f"unknown parameter {_quote(name)}{_hint(name, specs)}")
        try:   # typed: text for a number is refused, as in experiment and config files
            validate_value(name, value, key, typed=True)
            out[name] = getattr(Params.from_dict({name: value}, origin=key), name)
        except ConfigError as exc:
            check.fail(key, _strip_origin(str(exc), key))
    return out


def _abc(check: _Check, table: dict) -> dict[str, Any]:
    check.keys("abc", "abc", table)
    abc = {**ABC_DEFAULTS, **table}
    for key in ("population_size", "populations", "batch_size", "predictive_draws"):
        low = {"population_size": 2, "predictive_draws": 2}.get(key, 1)
        abc[key] = check.integer(f"abc.{key}", abc[key], low, 10**7)
    abc["minimum_epsilon"] = check.number("abc.minimum_epsilon", abc["minimum_epsilon"], 0.0)
    rate = check.number("abc.min_acceptance_rate", abc["min_acceptance_rate"], 0.0)
    if rate >= 1:
        check.fail("abc.min_acceptance_rate", f"must be in [0, 1), got {_quote(rate)}")
    abc["min_acceptance_rate"] = rate
    return abc


def _priors(check: _Check, table: dict, fixed: dict, specs) -> tuple[Prior, ...]:
    if not table:
        check.fail("priors", "no parameter to calibrate; add a [priors.NAME] table")
    out = []
    for name, body in table.items():
        key = f"priors.{name}"
        if name not in specs:
            check.fail(key, f"unknown parameter {_quote(name)}{_hint(name, specs)}")
        if name in SIZE_PARAMETERS:
            check.fail(key, "sets the size or horizon of the community; put it in [fixed]")
        if name in fixed:
            check.fail(key, "also set in [fixed]; a parameter is fixed or calibrated")
        spec = specs[name]
        kind = type(spec.default)
        if kind not in (int, float) or kind is bool:
            check.fail(key, f"only numeric parameters can be calibrated ({name} is "
                            f"{kind.__name__})")
        body = check.table(key, body, required=True)
        check.keys("prior", key, body)
        dist = body.get("distribution", "uniform")
        if dist not in DISTRIBUTIONS:
            check.fail(f"{key}.distribution", f"must be one of {', '.join(DISTRIBUTIONS)}, "
                                              f"got {_quote(dist)}")
        low = check.number(f"{key}.low", body.get("low"))
        high = check.number(f"{key}.high", body.get("high"))
        if not low < high:
            check.fail(key, f"low must be < high, got [{low:g}, {high:g}]")
        for end, value in (("low", low), ("high", high)):
            if (spec.min is not None and value < spec.min) or \
                    (spec.max is not None and value > spec.max):
                check.fail(f"{key}.{end}", f"{value:g} is outside the parameter's range "
                                           f"[{spec.min:g}, {spec.max:g}] ({spec.unit})")
        if dist == "loguniform" and low <= 0:
            check.fail(f"{key}.low", f"a log-uniform prior needs low > 0, got {low:g}")
        if kind is int and math.floor(high) - math.ceil(low) < 1:
            check.fail(key, f"an integer parameter needs at least two integers in "
                            f"[{low:g}, {high:g}]")
        out.append(Prior(name, dist, low, high, kind is int))
    return tuple(out)


def _targets(check: _Check, table: dict, metrics, specs) -> tuple[tuple[Target, ...],
                                                                   tuple[Target, ...]]:
    if not table:
        check.fail("targets", "no observed pattern; add a [targets.NAME] table")
    used, skipped, seen = [], [], {}
    for name, body in table.items():
        key = f"targets.{name}"
        body = check.table(key, body, required=True)
        check.keys("target", key, body)
        optional = body.get("optional", False)
        if not isinstance(optional, bool):
            check.fail(f"{key}.optional", f"must be true or false, got {_quote(optional)}")
        metric = check.text(f"{key}.metric", body.get("metric"))
        denominator = body.get("denominator")
        if denominator is not None:
            denominator = check.text(f"{key}.denominator", denominator)
        target = Target(
            name=name, metric=metric,
            observed=check.number(f"{key}.observed", body.get("observed")),
            uncertainty=check.number(f"{key}.uncertainty", body.get("uncertainty"), 0.0,
                                     strict=True),
            source=check.text(f"{key}.source", body.get("source")),
            year=_year(check, f"{key}.year", body.get("year")),
            scale=check.text(f"{key}.scale", body.get("scale")),
            note=check.text(f"{key}.note", body.get("note", ""), allow_empty=True),
            denominator=denominator, optional=optional)
        missing = [m for m in (metric, denominator) if m and m not in metrics
                   and not (m == denominator and m in specs)]
        if missing and optional:
            skipped.append(target)
            continue
        if missing:
            field = "metric" if metric in missing else "denominator"
            what = "metric" if field == "metric" else "metric or parameter"
            check.fail(f"{key}.{field}", f"unknown {what} {_quote(missing[0])} (see "
                                         "sim.model.METRICS; mark the target optional = "
                                         "true to keep it until the model reports it)")
        if denominator in specs and type(specs[denominator].default) not in (int, float):
            check.fail(f"{key}.denominator", f"parameter {denominator} is not numeric")
        if target.statistic in seen:
            check.fail(key, f"the same statistic as targets.{seen[target.statistic]}")
        seen[target.statistic] = name
        used.append(target)
    if not used:
        check.fail("targets", "every target is optional and its metric is not reported yet; "
                              "nothing to calibrate against")
    return tuple(used), tuple(skipped)


def _year(check: _Check, key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= 2100:
        return str(value)
    if isinstance(value, str) and _YEAR_RANGE.match(value.strip()):
        return value.strip()
    return check.fail(key, f"must be a year (2022) or a range (\"2005-2018\"), got "
                           f"{_quote(value)}")


def _check_with_model(check: _Check, fixed: dict, priors: tuple[Prior, ...]) -> None:
    """Let the model's own validation see the fixed values with each prior's ends."""
    from sim.model import ConfigError, Params

    for end in ("low", "high"):
        values = {**fixed, **{p.name: _as_param(p, getattr(p, end)) for p in priors}}
        try:
            Params.from_dict(values)
        except ConfigError as exc:
            check.fail(f"priors (all at their {end} end)", " ".join(str(exc).split()))


def _as_param(prior: Prior, value: float) -> float | int:
    return round(value) if prior.integer else float(value)


# ---------------------------------------------------------------- small helpers


def _quote(value: Any) -> str:
    """repr of a user value, cut to a bounded prefix (messages never echo a whole file)."""
    text = repr(value)
    return text if len(text) <= _MAX_QUOTE else text[:_MAX_QUOTE] + "...'"


def _hint(name: str, specs) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), list(specs), n=1)
    return f" (did you mean {close[0]}?)" if close else " (see docs/parameters.md)"


def _strip_origin(message: str, key: str) -> str:
    """Params errors start with "<origin> '<name>': "; the key is already in front."""
    return message.split("': ", 1)[1] if message.startswith(key) and "': " in message \
        else message


class _Check:
    """Turn a wrong value into a SpecError naming the file and the key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, reason: str):
        raise SpecError(self.path, key, reason)

    def keys(self, kind: str, where: str, table: dict) -> None:
        allowed = _ALLOWED[kind]
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else str(key)
                self.fail(full, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def table(self, key: str, value: Any, required: bool = False) -> dict:
        if value is None and required:
            self.fail(key, f"missing table [{key}]")
        if not isinstance(value, dict):
            self.fail(key, "must be a table")
        return value

    def text(self, key: str, value: Any, allow_empty: bool = False) -> str:
        if value is None:
            self.fail(key, "missing")
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.fail(key, f"must be a non-empty string, got {_quote(value)}")
        return value

    def integer(self, key: str, value: Any, low: int, high: int) -> int:
        if value is None:
            self.fail(key, "missing")
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be an integer, got {_quote(value)}")
        if not low <= value <= high:
            self.fail(key, f"must be in [{low}, {high}], got {value}")
        return value

    def number(self, key: str, value: Any, low: float | None = None,
               strict: bool = False) -> float:
        if value is None:
            self.fail(key, "missing")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            self.fail(key, f"must be a finite number, got {_quote(value)}")
        if low is not None and (value <= low if strict else value < low):
            self.fail(key, f"must be {'>' if strict else '>='} {low:g}, got {value:g}")
        return float(value)
