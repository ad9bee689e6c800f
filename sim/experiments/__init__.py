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
"""

from sim.errors import SpecError

from .analysis import paired_differences, sensitivity_indices
from .runner import run_experiment
from .spec import Experiment, load_experiment
from .store import Results, load_results


def write_report(results_dir, out_dir=None):
    """Write report.md/report.html with figures for a results directory (see report.py)."""
    from .report import write_report as _write

    return _write(results_dir, out_dir)


__all__ = ["Experiment", "Results", "SpecError", "load_experiment", "load_results",
           "paired_differences", "run_experiment", "sensitivity_indices", "write_report"]
