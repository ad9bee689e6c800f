"""Statistics on stored results (never the model): paired differences, bands, sensitivity.

All functions take the tidy run table (one row per run) or query the daily view, so a
notebook can call them on ``load_results(DIR)`` just as the report does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VERDICT_BETTER, VERDICT_WORSE, VERDICT_UNCLEAR = "better", "worse", "no clear difference"


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def bootstrap_ci(values: np.ndarray, n_boot: int, confidence: float,
                 rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean."""
    if len(values) < 2:
        return (np.nan, np.nan)
    means = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def paired_differences(runs: pd.DataFrame, metrics: list[str], baseline: str, *,
                       higher_is_better: tuple[str, ...] = (), pooled: bool = False,
                       n_boot: int = 2000, confidence: float = 0.95, seed: int = 0,
                       regimes: list[str] | None = None) -> pd.DataFrame:
    """Regime minus baseline, paired on (scenario, replicate), per scenario or pooled.

    Pairs share a seed (common random numbers), so the paired difference removes most
    replicate noise. Columns: scenario, label, regime, metric, n, mean_baseline,
    mean_regime, diff, ci_low, ci_high, rel_diff, effect_dz (mean diff / sd of diffs),
    verdict (better / worse / no clear difference, from the interval and the metric's
    direction). Runs that failed in either regime are left out of the pairs. ``regimes``
    sets the order of the compared regimes (default: alphabetical).
    """
    rng = np.random.default_rng(seed)
    runs = ok_runs(runs)
    wide = runs.pivot_table(index=["scenario", "rep"], columns="regime", values=metrics,
                            aggfunc="first")
    labels = runs.groupby("scenario")["label"].first()
    groups = [("all", wide)] if pooled else list(wide.groupby(level="scenario"))
    rows = []
    for scenario, block in groups:
        for regime in [r for r in regimes or sorted(set(runs["regime"])) if r != baseline]:
            for metric in metrics:
                if (metric, regime) not in block or (metric, baseline) not in block:
                    continue
                pair = block[[(metric, baseline), (metric, regime)]].dropna().to_numpy(float)
                rows.append(_compare(scenario, labels, regime, metric, pair, higher_is_better,
                                     n_boot, confidence, rng))
    return pd.DataFrame(rows)


def _compare(scenario, labels, regime, metric, pair, higher_is_better, n_boot, confidence,
             rng) -> dict:
    d = pair[:, 1] - pair[:, 0]
    n = len(d)
    mean_b = float(pair[:, 0].mean()) if n else np.nan
    diff = float(d.mean()) if n else np.nan
    low, high = bootstrap_ci(d, n_boot, confidence, rng)
    sd = float(d.std(ddof=1)) if n > 1 else np.nan
    # With common random numbers a difference can be (numerically) constant: d_z undefined.
    dz = diff / sd if np.isfinite(sd) and sd > 1e-9 * max(abs(diff), 1e-300) else np.nan
    sign = 1 if metric in higher_is_better else -1      # "better" means this sign of diff
    judged, j_low, j_high = diff, low, high
    if np.isnan(j_low) or (j_low <= 0 <= j_high):
        verdict = VERDICT_UNCLEAR
    else:
        verdict = VERDICT_BETTER if sign * judged > 0 else VERDICT_WORSE
    return {"scenario": scenario, "label": "all scenarios" if scenario == "all"
            else labels.get(scenario, str(scenario)), "regime": regime, "metric": metric,
            "n": n, "mean_baseline": mean_b, "mean_regime": float(pair[:, 1].mean()) if n
            else np.nan, "diff": diff, "ci_low": low, "ci_high": high,
            "rel_diff": diff / abs(mean_b) if n and mean_b else np.nan,
            "effect_dz": dz, "verdict": verdict}


def advantage_table(diffs: pd.DataFrame, regime: str,
                    reference_label: str | None) -> pd.DataFrame:
    """Per scenario label and metric: does ``regime`` keep its advantage over the baseline?

    ``erased`` marks scenarios where the reference scenario showed an advantage (verdict
    "better") and this scenario does not, i.e. the mechanism switched on there takes the
    advantage away (or turns it around); ``turned_worse`` marks metrics on which the regime
    is worse here but was not in the reference.
    """
    sub = diffs[diffs["regime"] == regime].copy()
    if reference_label is not None:
        ref = sub[sub["label"] == reference_label].set_index("metric")["verdict"]
        sub["reference_verdict"] = sub["metric"].map(ref)
        sub["erased"] = (sub["reference_verdict"] == VERDICT_BETTER) & \
                        (sub["verdict"] != VERDICT_BETTER)
        sub["turned_worse"] = (sub["verdict"] == VERDICT_WORSE) & \
                              (sub["reference_verdict"] != VERDICT_WORSE)
    return sub


def sensitivity_indices(runs: pd.DataFrame, design: pd.DataFrame, manifest: dict,
                        metrics: list[str]) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices, or LHS rank correlations.

    Outcomes are averaged over replicates per scenario first (the usual choice for a
    stochastic model); replicate noise shows up in the confidence intervals. Besides each
    regime, the indices of "regime - baseline" say what drives a regime's advantage. A metric
    with a scenario lacking any successful run is skipped (SALib needs the whole sample).
    """
    spec = manifest["experiment"]["design"]
    method = spec["method"]
    # The sample's column order, not the manifest's (JSON with sorted keys loses the order).
    names = [c[2:] for c in design.columns if c.startswith("x_")]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [spec["parameters"][n] for n in names]}
    x = design.sort_values("scenario")[[f"x_{n}" for n in names]].to_numpy(float)
    means = ok_runs(runs).groupby(["regime", "scenario"])[metrics].mean()
    order = design["scenario"].sort_values()
    tables = {r: means.loc[r].reindex(order) for r in sorted(means.index.unique(0))}
    baseline = manifest["experiment"]["analysis"]["baseline"]
    if baseline in tables:   # what drives a regime's advantage: the paired mean difference
        tables.update({f"{r} - {baseline}": t - tables[baseline]
                       for r, t in list(tables.items()) if r != baseline})
    rows = []
    for regime, table in tables.items():
        for metric in metrics:
            y = table[metric].to_numpy(float)
            if np.isnan(y).any() or np.ptp(y) == 0:
                continue
            for name, values in _indices(method, problem, x, y, spec).items():
                rows.append({"regime": regime, "metric": metric, "parameter": name, **values})
    return pd.DataFrame(rows)


def _indices(method: str, problem: dict, x: np.ndarray, y: np.ndarray,
             spec: dict) -> dict[str, dict[str, float]]:
    names = problem["names"]
    if method == "sobol":
        from SALib.analyze import sobol
        s = sobol.analyze(problem, y, calc_second_order=False, seed=spec["seed"])
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    elif method == "morris":
        from SALib.analyze import morris
        s = morris.analyze(problem, x, y, num_levels=spec["levels"], seed=spec["seed"])
        keys = ("mu_star", "mu_star_conf", "sigma", "mu")
    else:  # lhs: Spearman rank correlation of each input with the outcome
        ranks = pd.DataFrame(x, columns=names).rank().to_numpy()
        ry = pd.Series(y).rank().to_numpy()
        return {n: {"spearman": float(np.corrcoef(ranks[:, i], ry)[0, 1])}
                for i, n in enumerate(names)}
    return {n: {k: float(np.asarray(s[k])[i]) for k in keys} for i, n in enumerate(names)}


def daily_bands(con, series: list[str], scenario: int | None = None, low: float = 0.05,
                high: float = 0.95) -> pd.DataFrame:
    """Mean and a [low, high] quantile band across replicates, per regime, day and series.

    ``con`` is a connection from ``ResultStore.connect()`` (or ``Results.sql``'s); the
    aggregation runs in DuckDB, so large sweeps never load whole in memory. With
    ``scenario=None`` the band spans all scenarios and replicates (sampled designs).
    """
    cols = ", ".join(f'avg("{m}") AS "mean|{m}", quantile_cont("{m}", {low}) AS "low|{m}", '
                     f'quantile_cont("{m}", {high}) AS "high|{m}"' for m in series)
    where = "" if scenario is None else f"WHERE scenario = {int(scenario)}"
    wide = con.execute(f"SELECT regime, day, {cols} FROM daily {where} "
                       f"GROUP BY regime, day ORDER BY regime, day").df()
    long = wide.melt(id_vars=["regime", "day"])
    long[["stat", "metric"]] = long["variable"].str.split("|", n=1, expand=True)
    return (long.pivot_table(index=["regime", "day", "metric"], columns="stat", values="value")
            .reset_index()[["regime", "day", "metric", "mean", "low", "high"]])
