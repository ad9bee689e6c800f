"""The model, and nothing else: one community (or a street of them) under one linkage regime.

This module is the model's only face. Everything outside ``sim.model`` (runners, analysis,
calibration, the dashboard, the command line) imports from here, never from a submodule,
and nothing here imports from outside the package. Like an EMA Workbench model it
declares its inputs and outcomes:

* inputs: :class:`Params`, every parameter typed and validated, with its unit, range and
  source in :data:`PARAM_SPECS` (tables of cells in :data:`TABLES`); the switches of the
  mechanisms in :data:`LINKAGE_MECHANISMS` and :data:`NEGATIVE_MECHANISMS`;
* outcomes: :data:`METRICS`, each with its unit, the direction that is better and the
  events it rests on;
* the regimes compared: :data:`REGIMES`;
* running: :func:`simulate` (one run, pooled over the communities of a street) returning a
  :class:`RunResult`; :class:`CommunityModel` is the Mesa model itself.

>>> from sim.model import Params, simulate
>>> result = simulate(Params(n_residents=500, days=30), regime="three", seed=1)
>>> result.summary["needs_total"] > 0
True

Names are imported on first use, so that code which only reads parameters (the command
line checking a flag) does not pay for importing Mesa, pandas and networkx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the submodule that defines it.
_FACE = {
    # inputs
    "Params": "params", "ParamSpec": "params", "PARAM_SPECS": "params", "TABLES": "params",
    "NEED_TYPES": "params", "SERVICE_NEEDS": "params", "LINKAGE_MECHANISMS": "params",
    "NEGATIVE_MECHANISMS": "params", "validate_value": "params", "format_bound": "params",
    "SWEEP_RANGES": "params",
    "ConfigError": "errors", "SmallCommunityWarning": "errors", "quote": "errors",
    "shown": "errors", "read_bytes": "errors",
    "load_graph": "graphfile", "file_sha256": "graphfile",
    # outcomes
    "METRICS": "metrics", "Metric": "metrics", "SUMMARY_METRICS": "metrics",
    "headline_metrics": "metrics", "format_number": "metrics",
    # regimes and actors
    "REGIMES": "regimes", "Regime": "regimes", "Actor": "regimes", "LINKAGE": "regimes",
    "LINKAGE_GAINS": "regimes", "LINKAGE_COSTS": "regimes", "MATCHED_NAME": "regimes",
    "matched_name": "regimes",
    # running
    "CommunityModel": "community", "Resident": "agents", "simulate": "run",
    "RunResult": "run", "community_seed": "run", "simulate_regimes": "run",
}
__all__ = [  # the face; tests/test_structure.py checks it against _FACE and the imports below
    "LINKAGE",
    "LINKAGE_COSTS",
    "LINKAGE_GAINS",
    "LINKAGE_MECHANISMS",
    "MATCHED_NAME",
    "METRICS",
    "NEED_TYPES",
    "NEGATIVE_MECHANISMS",
    "PARAM_SPECS",
    "REGIMES",
    "SERVICE_NEEDS",
    "SUMMARY_METRICS",
    "SWEEP_RANGES",
    "TABLES",
    "Actor",
    "CommunityModel",
    "ConfigError",
    "Metric",
    "ParamSpec",
    "Params",
    "Regime",
    "Resident",
    "RunResult",
    "SmallCommunityWarning",
    "community_seed",
    "file_sha256",
    "format_bound",
    "format_number",
    "headline_metrics",
    "load_graph",
    "matched_name",
    "preload",
    "quote",
    "read_bytes",
    "shown",
    "simulate",
    "simulate_regimes",
    "validate_value",
]


def __getattr__(name: str) -> Any:
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value      # looked up once
    return value


def preload() -> None:
    """Import every part of the model now rather than on first use: for a worker process
    that is about to run many models (before it freezes its start-up heap)."""
    for module in sorted(set(_FACE.values())):
        importlib.import_module(f".{module}", __name__)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:   # the same names, for type checkers and editors
    from .agents import Resident
    from .community import CommunityModel
    from .errors import ConfigError, SmallCommunityWarning, quote, read_bytes, shown
    from .graphfile import file_sha256, load_graph
    from .metrics import METRICS, SUMMARY_METRICS, Metric, format_number, headline_metrics
    from .params import (
        LINKAGE_MECHANISMS,
        NEED_TYPES,
        NEGATIVE_MECHANISMS,
        PARAM_SPECS,
        SERVICE_NEEDS,
        SWEEP_RANGES,
        TABLES,
        Params,
        ParamSpec,
        format_bound,
        validate_value,
    )
    from .regimes import (
        LINKAGE,
        LINKAGE_COSTS,
        LINKAGE_GAINS,
        MATCHED_NAME,
        REGIMES,
        Actor,
        Regime,
        matched_name,
    )
    from .run import RunResult, community_seed, simulate, simulate_regimes
