"""The headline under the calibration's posterior: parameter and seed uncertainty apart.

An experiment whose scenarios are posterior draws (a ``draws`` design over the table
``sim calibrate`` exports) runs each draw with a few replicates, every regime of a replicate
on one seed. The paired difference (regime minus baseline) then varies for two reasons:
which parameter values the patterns left plausible (between draws) and which seed a run
had (within a draw). A one-way random-effects split, by the method of moments, separates
them: the within-draw variance of a run's difference is the seed variance; the variance of
the draws' means, less the seed variance over the replicates, is the parameter variance.
The interval of the overall mean treats draws as the unit (a t-interval over the draws'
means), so it carries both.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .analysis import ok_runs


def uncertainty_split(runs: pd.DataFrame, metric: str, regime: str, baseline: str,
                      confidence: float = 0.95) -> dict[str, float]:
    """Mean paired difference ``regime - baseline`` on ``metric`` over draws and
    replicates, its interval over draws, and the parameter and seed standard deviations."""
    wide = ok_runs(runs).pivot_table(index=["scenario", "rep"], columns="regime",
                                     values=metric, aggfunc="first")
    d = (wide[regime] - wide[baseline]).dropna().rename("d").reset_index()
    by_draw = d.groupby("scenario")["d"]
    means, counts = by_draw.mean(), by_draw.count()
    draws = len(means)
    seed_var = float(by_draw.var(ddof=1).mean()) if (counts > 1).any() else math.nan
    reps = float(counts.mean()) if draws else math.nan
    between = float(means.var(ddof=1)) if draws > 1 else math.nan
    param_var = max(between - seed_var / reps, 0.0) if math.isfinite(seed_var) else between
    mean = float(means.mean()) if draws else math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, draws - 1)) * math.sqrt(between / draws) \
        if draws > 1 else math.nan
    low, high = (np.quantile(means, [0.05, 0.95]) if draws else (math.nan, math.nan))
    return {"metric": metric, "comparison": f"{regime} - {baseline}", "mean": mean,
            "ci_low": mean - half, "ci_high": mean + half, "draws": draws,
            "replicates": reps, "parameter_sd": math.sqrt(param_var),
            "seed_sd": math.sqrt(seed_var) if math.isfinite(seed_var) else math.nan,
            "draw_mean_p05": float(low), "draw_mean_p95": float(high),
            "share_of_draws_below_0": float((means < 0).mean()) if draws else math.nan}


def headline_table(runs: pd.DataFrame, metrics, comparisons, confidence: float = 0.95
                   ) -> pd.DataFrame:
    """``uncertainty_split`` for every metric and (regime, baseline) pair present."""
    regimes = set(runs["regime"])
    rows = [uncertainty_split(runs, metric, regime, baseline, confidence)
            for metric in metrics if metric in runs
            for regime, baseline in comparisons if {regime, baseline} <= regimes]
    return pd.DataFrame(rows)


def reading(table: pd.DataFrame) -> list[str]:
    """One sentence per row, computed from the table."""
    out = []
    for row in table.to_dict("records"):
        zero = row["ci_low"] <= 0 <= row["ci_high"]
        out.append(
            f"{row['comparison']} on {row['metric']}: {row['mean']:+.4g} "
            f"[{row['ci_low']:+.4g}, {row['ci_high']:+.4g}] over {row['draws']} posterior "
            f"draws x {row['replicates']:.0f} replicates"
            f"{' (the interval includes 0)' if zero else ''}; parameter uncertainty (SD "
            f"between draws) {row['parameter_sd']:.3g}, seed uncertainty (SD of one run) "
            f"{row['seed_sd']:.3g}; {row['share_of_draws_below_0']:.0%} of draws below 0.")
    return out
