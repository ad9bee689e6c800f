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

Names are imported on first use, so that the command line, which imports :mod:`.command`
to build its parser, does not pay for pyabc and pandas before ``sim calibrate`` runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the submodule that defines it.
_FACE = {
    "CalibrationResult": ".results", "load_result": ".results", "posterior_draws": ".results",
    "run_calibration": ".runner", "Calibration": ".spec", "load_calibration": ".spec",
    "posterior_table": ".summary", "predictive_table": ".summary",
}

__all__ = ["Calibration", "CalibrationResult", "load_calibration", "load_result",
           "posterior_draws", "posterior_table", "predictive_table", "run_calibration"]


def __getattr__(name: str) -> Any:
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.calibration' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value      # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:   # the same names, for type checkers and editors
    from .results import CalibrationResult, load_result, posterior_draws
    from .runner import run_calibration
    from .spec import Calibration, load_calibration
    from .summary import posterior_table, predictive_table
