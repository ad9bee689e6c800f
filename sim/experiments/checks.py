"""The checks of an experiment file that raise a one-line ``SpecError`` naming the key.

``Checker`` turns a wrong value (a type, a range, an unknown name) into ``file: key:
reason``; every value of a model parameter goes through the model's own validator, so a
file is refused for exactly what ``sim run --set`` would refuse. The whole-experiment
checks run once the file is parsed and before anything is written: the number of runs
(refused above the caller's limit before any design is expanded), every file a parameter
refers to (read once, its content hash kept for the manifest), and every scenario as the
model would see it (cross-field rules included).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import SpecError
from sim.model import quote

# Above this many runs an experiment is refused unless the caller raises the limit
# (``sim experiment --max-runs N``): a typo such as ``replications = 1000000000`` must not
# hang, fill the disk or die in numpy. (Here, not in .spec, so that the command line's
# parser can show it without importing the parameters.)
MAX_RUNS = 1_000_000

if TYPE_CHECKING:
    from .spec import Experiment

# Columns the runner writes itself; a parameter of the same name would be ambiguous.
RESERVED_COLUMNS = ("run_key", "scenario", "label", "rep", "regime", "seed", "status", "error",
                    "day")


class Checker:
    """Small helpers that turn a wrong value into a SpecError naming its key."""

    def __init__(self, path: Path, specs: dict):
        self.path, self.specs = path, specs

    def fail(self, key: str, reason: str):
        raise SpecError(self.path, key, reason)

    def keys(self, where: str, table: dict, allowed: set[str]) -> None:
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

    def spec(self, key: str, name: str):
        """The metadata of parameter ``name``, refusing names the experiment may not set."""
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

        self.spec(key, name)
        try:
            return validate_value(name, value, "value", typed=True)
        except ConfigError as exc:   # "value 'name': reason" -> "file: key: reason"
            self.fail(key, str(exc).split(": ", 1)[-1])

    def bounds(self, key: str, name: str, value: Any) -> list[float]:
        """Sampler bounds [low, high] inside the parameter's allowed range."""
        spec = self.spec(key, name)
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


# ---------------------------------------------------------------- the whole experiment


def check_run_count(check: Checker, scenarios: int, replications: int, regimes: int,
                    max_runs: int) -> None:
    """Refuse more than ``max_runs`` runs: a typo such as ``replications = 1000000000``
    must not hang, fill the disk or die in numpy."""
    runs = scenarios * replications * regimes
    if runs > max_runs:
        check.fail("experiment", f"expands to {runs:,} runs ({scenarios:,} scenarios x "
                                 f"{replications:,} replications x {regimes} regimes), more "
                                 f"than the limit of {max_runs:,}; if you mean it, pass "
                                 f"--max-runs {runs}")


def check_input_files(check: Checker, experiment: Experiment) -> dict[str, int]:
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
    return {"rows": "design.rows", "draws": "design.source"}.get(
        experiment.design.method, f"design.parameters.{name}")


def check_with_model(check: Checker, experiment: Experiment,
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
