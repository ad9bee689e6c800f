"""Pattern-oriented calibration: ABC-SMC (pyabc) against observed patterns.

Notebook use::

    from sim.calibration import load_calibration, run_calibration, load_result
    cal = load_calibration("experiments/calibration.toml")      # validated, or SpecError
    run_calibration(cal, "results/calibration", workers=2)       # resumable
    res = load_result("results/calibration")
    res.posterior                 # weighted particles of the last population (pandas)
    posterior_table(res)          # medians, 90% intervals, constrained or not

Modules: spec (calibration files), simulator (the model as ABC sees it, seeds),
distance (adaptive distance with stated uncertainties), runner (pyabc driver, samplers,
resume), results (Parquet tables, reading), predictive (posterior predictive check),
summary (what the calibration found), report (Markdown + HTML), command (CLI).
"""

from .results import CalibrationResult, load_result, posterior_draws
from .runner import run_calibration
from .spec import Calibration, load_calibration
from .summary import posterior_table, predictive_table

__all__ = ["Calibration", "CalibrationResult", "load_calibration", "load_result",
           "posterior_draws", "posterior_table", "predictive_table", "run_calibration"]
