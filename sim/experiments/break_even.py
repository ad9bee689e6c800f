"""Which assumption decides the verdict: break-even points of five's difference.

For each assumption swept one at a time (a ``sweep`` design: every scenario moves one
parameter from its default, the others stay put), the paired difference five minus a
comparison regime (three, the matched control) is computed at every level with its
interval, and the **break-even value** is where the mean difference changes sign, by linear
interpolation between the two levels around the change. Its uncertainty comes from a
bootstrap over replicates: the replicates are resampled together across levels (a
replicate has the same seed at every level), the curve is recomputed and its crossing
found again; the 2.5% and 97.5% quantiles of the crossings that exist give the interval,
and the share of resamples with any crossing says how sure the crossing itself is. A
parameter whose mean curve keeps one sign "does not cross in" the swept range.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .analysis import ok_runs, t_interval

COMPARISONS = ("three", "three-equal-resources-matched")
BOOTSTRAP = 2000


def sweep_levels(design: pd.DataFrame) -> pd.DataFrame:
    """scenario -> (parameter, level) for a design whose scenarios each vary one parameter
    (columns ``param_<name>`` of the design table, NaN where not varied)."""
    columns = [c for c in design if c.startswith("param_")]
    rows = []
    for record in design.to_dict("records"):
        varied = [(c[len("param_"):], record[c]) for c in columns
                  if not (isinstance(record[c], float) and math.isnan(record[c]))]
        if len(varied) != 1:
            raise ValueError(f"scenario {record['scenario']} varies {len(varied)} parameters; "
                             "a break-even analysis needs one at a time (a sweep design)")
        rows.append({"scenario": record["scenario"], "parameter": varied[0][0],
                     "level": float(varied[0][1])})
    return pd.DataFrame(rows)


def curves(runs: pd.DataFrame, levels: pd.DataFrame, metric: str, regime: str = "five",
           comparisons=COMPARISONS, confidence: float = 0.95) -> pd.DataFrame:
    """The paired difference ``regime`` minus each comparison, per parameter and level."""
    diffs = _differences(runs, levels, metric, regime, comparisons)
    rows = []
    for (parameter, comparison, level), d in diffs.groupby(
            ["parameter", "comparison", "level"])["diff"]:
        found = t_interval(d.to_numpy(float), confidence)
        rows.append({"metric": metric, "parameter": parameter,
                     "comparison": f"{regime} - {comparison}", "level": level,
                     "mean": found["diff"], "ci_low": found["ci_low"],
                     "ci_high": found["ci_high"], "n": len(d)})
    return pd.DataFrame(rows)


def _differences(runs, levels, metric, regime, comparisons) -> pd.DataFrame:
    wide = ok_runs(runs).pivot_table(index=["scenario", "rep"], columns="regime",
                                     values=metric, aggfunc="first").reset_index()
    wide = wide.merge(levels, on="scenario")
    frames = []
    for comparison in comparisons:
        if comparison in wide and regime in wide:
            frames.append(wide.assign(comparison=comparison,
                                      diff=wide[regime] - wide[comparison])
                          [["parameter", "level", "rep", "comparison", "diff"]])
    if not frames:
        raise ValueError(f"no runs of {regime} and any of {', '.join(comparisons)}")
    return pd.concat(frames).dropna(subset=["diff"])


def crossing(levels: np.ndarray, means: np.ndarray) -> float:
    """Where a curve first changes sign (linear interpolation); NaN if it never does."""
    for i in range(len(levels) - 1):
        a, b = means[i], means[i + 1]
        if a == 0:
            return float(levels[i])
        if a * b < 0:
            return float(levels[i] + (levels[i + 1] - levels[i]) * a / (a - b))
    return float(levels[-1]) if len(means) and means[-1] == 0 else math.nan


def break_even_table(runs: pd.DataFrame, levels: pd.DataFrame, metric: str,
                     defaults: dict[str, float], regime: str = "five",
                     comparisons=COMPARISONS, seed: int = 0) -> pd.DataFrame:
    """Per parameter and comparison: the break-even value with its bootstrap interval, or
    NaN where the mean curve does not cross zero in the swept range."""
    diffs = _differences(runs, levels, metric, regime, comparisons)
    rng = np.random.default_rng(seed)
    rows = []
    for (parameter, comparison), part in diffs.groupby(["parameter", "comparison"]):
        grid = part.pivot_table(index="rep", columns="level", values="diff").dropna()
        xs, matrix = grid.columns.to_numpy(float), grid.to_numpy(float)
        point = crossing(xs, matrix.mean(axis=0))
        boot = [crossing(xs, matrix[rng.integers(0, len(matrix), len(matrix))].mean(axis=0))
                for _ in range(BOOTSTRAP)] if len(matrix) > 1 else []
        found = np.array([b for b in boot if math.isfinite(b)])
        default = defaults.get(parameter, math.nan)
        rows.append({
            "metric": metric, "parameter": parameter, "comparison": f"{regime} - {comparison}",
            "low": xs.min(), "high": xs.max(), "default": default,
            "break_even": point,
            "ci_low": float(np.quantile(found, 0.025)) if len(found) else math.nan,
            "ci_high": float(np.quantile(found, 0.975)) if len(found) else math.nan,
            "share_crossing": len(found) / len(boot) if boot else math.nan,
            "sign_low": _sign(matrix.mean(axis=0)[0]), "sign_high": _sign(matrix.mean(axis=0)[-1]),
            "replicates": len(matrix),
        })
    return pd.DataFrame(rows)


def _sign(x: float) -> str:
    return "negative" if x < 0 else "positive" if x > 0 else "zero"


def reading(table: pd.DataFrame) -> list[str]:
    """One sentence per parameter and comparison, computed from the table."""
    out = []
    for row in table.to_dict("records"):
        where = f"{row['parameter']} in [{row['low']:g}, {row['high']:g}]"
        if math.isnan(row["break_even"]):
            out.append(f"{row['comparison']} on {row['metric']} stays {row['sign_low']} over "
                       f"{where}: no break-even in the swept range "
                       f"({row['share_crossing']:.0%} of bootstrap resamples cross).")
            continue
        interval = (f"95% bootstrap interval [{row['ci_low']:.3g}, {row['ci_high']:.3g}]"
                    if math.isfinite(row["ci_low"]) else "no bootstrap interval")
        out.append(f"{row['comparison']} on {row['metric']} changes sign at {row['parameter']}"
                   f" = {row['break_even']:.3g} ({interval}; {row['share_crossing']:.0%} of "
                   f"resamples cross; default {row['default']:g}): {row['sign_low']} below, "
                   f"{row['sign_high']} above.")
    return out
