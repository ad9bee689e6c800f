"""Turn a design (grid, sweep, rows, Latin hypercube, Sobol, Morris, draws) into scenarios.

Scenario order is part of the experiment: a scenario's index feeds its seeds (under the
per-scenario seed rule), and the Sobol and Morris analysers need the sample rows in the
order SALib produced them.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

from .design_spec import Design, Scenario


def expand(design: Design, specs: dict) -> tuple[Scenario, ...]:
    """All scenarios of a design, indexed 0..n-1 in a fixed order."""
    if design.method == "none":
        return (Scenario(0, "base", {}, {}),)
    if design.method == "grid":
        return _grid(design)
    if design.method == "sweep":
        return _sweep(design)
    if design.method == "rows":
        return tuple(Scenario(i, row["label"], {k: v for k, v in row.items() if k != "label"},
                              {}) for i, row in enumerate(design.rows))
    if design.method == "draws":
        return _draws(design)
    return _sampled(design, specs)


def _grid(design: Design) -> tuple[Scenario, ...]:
    """Full factorial; the last parameter varies fastest (as written in the file)."""
    names = list(design.parameters)
    out = []
    for i, values in enumerate(itertools.product(*design.parameters.values())):
        varied = dict(zip(names, values))
        label = ", ".join(f"{k}={v}" for k, v in varied.items())
        out.append(Scenario(i, label, varied, {}))
    return tuple(out)


def _sweep(design: Design) -> tuple[Scenario, ...]:
    """One parameter at a time, over its values, in the order written in the file."""
    out = []
    for name, values in design.parameters.items():
        for value in values:
            out.append(Scenario(len(out), f"{name}={value}", {name: value}, {}))
    return tuple(out)


def salib_problem(parameters: dict[str, list[float]]) -> dict[str, Any]:
    """The SALib problem dict for sampler bounds (also rebuilt by the analysis)."""
    return {"num_vars": len(parameters), "names": list(parameters),
            "bounds": [list(b) for b in parameters.values()]}


def sample_matrix(design: Design) -> np.ndarray:
    """The raw sample (rows = scenarios, columns = parameters) from SALib."""
    from SALib.sample import latin, morris, sobol

    problem = salib_problem(design.parameters)
    if design.method == "lhs":
        return latin.sample(problem, design.samples, seed=design.seed)
    if design.method == "sobol":
        # First and total order only: N*(D+2) rows instead of N*(2D+2).
        return sobol.sample(problem, design.samples, calc_second_order=False,
                            scramble=True, seed=design.seed)
    if design.method == "morris":
        return morris.sample(problem, design.samples, num_levels=design.levels,
                             seed=design.seed)
    raise ValueError(f"not a sampled design: {design.method}")


def _sampled(design: Design, specs: dict) -> tuple[Scenario, ...]:
    x = sample_matrix(design)
    names = list(design.parameters)
    out = []
    for i, row in enumerate(x):
        raw = {n: float(v) for n, v in zip(names, row)}
        varied = {n: _as_param_type(specs[n].default, v) for n, v in raw.items()}
        out.append(Scenario(i, f"{design.method}{i}", varied, raw))
    return tuple(out)


def _as_param_type(default: Any, value: float) -> Any:
    """Integer parameters are rounded; the raw value is kept for the analysers."""
    return round(value) if isinstance(default, int) and not isinstance(default, bool) \
        else float(value)


def _draws(design: Design) -> tuple[Scenario, ...]:
    """One scenario per chosen row of the table; its numbers are also kept as the raw
    sample (``x_*`` in design.parquet), like a sampled design's."""
    out = []
    for i, row in enumerate(design.draws):
        varied = {k: v for k, v in row.items() if k != "label"}
        raw = {k: float(v) for k, v in varied.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
        out.append(Scenario(i, row["label"], varied, raw))
    return tuple(out)


def with_models(scenarios: tuple[Scenario, ...], models: dict[str, str]) -> tuple[Scenario, ...]:
    """The model as a design factor: every design point once per variant (variants outer,
    in the file's order), labelled "variant: point" (the variant alone for a design of one
    point). A scenario keeps its design point, whose seeds every variant shares."""
    if not models:
        return scenarios
    out = []
    for name in models:
        for s in scenarios:
            label = name if len(scenarios) == 1 else f"{name}: {s.label}"
            out.append(dataclasses.replace(s, index=len(out), label=label, model=name,
                                           point=s.index))
    return tuple(out)
