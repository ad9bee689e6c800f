"""What a calibration found, computed from its stored tables only.

* :func:`posterior_table`: per calibrated parameter, its default, prior, posterior median
  and 90% interval, how much the data narrowed it, and whether the default survives;
* :func:`predictive_table`: per target, the observed value against the distribution of
  its statistic simulated afresh under the posterior.

"Not constrained" is judged by the ratio of the posterior's interquartile range to the
prior's, both on the prior's own scale (log scale for log-uniform priors): a ratio above
``UNCONSTRAINED_IQR_RATIO`` means the patterns left the parameter about where the prior
put it. "The data moved the default" means the default lies outside the posterior 90%
interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .results import STAT_PREFIX, CalibrationResult, weighted_quantiles

UNCONSTRAINED_IQR_RATIO = 0.8
INTERVAL = (0.05, 0.95)


def _on_prior_scale(prior: dict, values):
    values = np.asarray(values, dtype=float)
    return np.log(values) if prior["distribution"] == "loguniform" else values


def posterior_table(result: CalibrationResult) -> pd.DataFrame:
    """One row per calibrated parameter (see the module docstring for the columns' rules)."""
    from sim.model import PARAM_SPECS

    post = result.posterior
    w = post["weight"].to_numpy(float)
    rows = []
    for prior in result.priors:
        name = prior["name"]
        values = post[name].to_numpy(float)
        q05, q25, q50, q75, q95 = weighted_quantiles(values, w, (INTERVAL[0], 0.25, 0.5, 0.75,
                                                                INTERVAL[1]))
        lo, hi = _on_prior_scale(prior, [prior["low"], prior["high"]])
        p25, p75 = _on_prior_scale(prior, [q25, q75])
        ratio = float((p75 - p25) / ((hi - lo) / 2))
        default = PARAM_SPECS[name].default if name in PARAM_SPECS else math.nan
        inside = bool(q05 <= default <= q95) if np.isfinite(default) else None
        rows.append({
            "parameter": name,
            "default": default,
            "prior": f"{prior['distribution']}({prior['low']:g}, {prior['high']:g})",
            "posterior_median": float(q50),
            "q05": float(q05),
            "q95": float(q95),
            "iqr_ratio": ratio,
            "constrained": ratio <= UNCONSTRAINED_IQR_RATIO,
            "default_in_90": inside,
        })
    return pd.DataFrame(rows)


def predictive_table(result: CalibrationResult) -> pd.DataFrame:
    """One row per target: observed, uncertainty, predictive median and 90% interval, the
    share of draws within one uncertainty of the observation, and whether the observation
    falls inside the 90% predictive interval."""
    pred = result.predictive
    rows = []
    for target in result.targets:
        column = STAT_PREFIX + target["name"]
        sims = pred[column].to_numpy(float) if pred is not None and column in pred else \
            np.array([])
        sims = sims[np.isfinite(sims)]
        obs, u = target["observed"], target["uncertainty"]
        if sims.size:
            q05, q50, q95 = np.quantile(sims, (INTERVAL[0], 0.5, INTERVAL[1]))
            within = float(np.mean(np.abs(sims - obs) <= u))
            inside = bool(q05 <= obs <= q95)
        else:
            q05 = q50 = q95 = within = math.nan
            inside = None
        rows.append({"target": target["name"], "statistic": _statistic(target),
                     "observed": obs, "uncertainty": u, "predictive_median": float(q50),
                     "q05": float(q05), "q95": float(q95), "within_uncertainty": within,
                     "observed_in_90": inside, "draws": int(sims.size)})
    return pd.DataFrame(rows)


def _statistic(target: dict) -> str:
    return target["metric"] if not target.get("denominator") else \
        f"{target['metric']} / {target['denominator']}"


def parameter_notes(result: CalibrationResult) -> dict[str, str]:
    """One line per calibrated parameter, for parameter documentation (docs/parameters.md):
    what the calibration made of it, or that the patterns left it at its prior."""
    out = {}
    source = result.manifest.get("calibration_file", "a calibration file")
    for row in posterior_table(result).itertuples():
        if row.constrained:
            out[row.parameter] = (f"calibrated ({source}): posterior median "
                                  f"{row.posterior_median:.3g}, 90% [{row.q05:.3g}, "
                                  f"{row.q95:.3g}], prior {row.prior}")
        else:
            out[row.parameter] = (f"not constrained by the patterns in {source} "
                                  f"(posterior about the prior {row.prior})")
    return out
