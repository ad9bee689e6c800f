"""Batch experiments: experiment files as data, runs on any Executor, Parquet results.

Notebook use::

    from sim.experiments import load_experiment, run_experiment, load_results
    exp = load_experiment("experiments/three_vs_five.toml")
    run_experiment(exp, "results/three_vs_five", workers=2)     # resumable
    res = load_results("results/three_vs_five")
    res.runs                       # one row per run (pandas)
    res.sql("SELECT regime, avg(unmet_need_share) FROM runs GROUP BY regime")
    paired_differences(res.runs, res.metrics, baseline="three")

Modules: spec (load a file), checks (its values, run count and input files), design_spec
(the [design] table), design (scenarios), seeds, executors, runner, store, analysis
(statistics on stored results), report, command (CLI).

Names are imported on first use (as in ``sim.model``), so that the command line, which
imports :mod:`.command` to build its parser, does not pay for pandas, SciPy and DuckDB
before a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the submodule that defines it.
_FACE = {
    "SpecError": "sim.errors",
    "paired_differences": ".analysis", "sensitivity_indices": ".analysis",
    "run_experiment": ".runner", "Experiment": ".spec", "load_experiment": ".spec",
    "Results": ".store", "load_results": ".store",
}

__all__ = ["Experiment", "Results", "SpecError", "load_experiment", "load_results",
           "paired_differences", "run_experiment", "sensitivity_indices", "write_report"]


def __getattr__(name: str) -> Any:
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value      # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def write_report(results_dir, out_dir=None):
    """Write report.md/report.html with figures for a results directory (see report.py)."""
    from .report import write_report as _write

    return _write(results_dir, out_dir)


if TYPE_CHECKING:   # the same names, for type checkers and editors
    from sim.errors import SpecError

    from .analysis import paired_differences, sensitivity_indices
    from .runner import run_experiment
    from .spec import Experiment, load_experiment
    from .store import Results, load_results
