"""Statistics on stored results (never the model): paired differences, bands, sensitivity,
and regressions of a regime difference on the design.

One statistic everywhere (``sim compare``, ``sim report``, the notebooks and the
dashboard): the mean paired difference with its **paired t-interval** (Student t on the
per-pair differences; at a handful of replicates a percentile bootstrap is much too
narrow), the effect size d_z, and a verdict. The verdict reads which way is better from the
metric catalogue (``sim.model.METRICS``, plus the metrics a model variant registers), refuses
to judge a metric without a direction or resting on too few events, and is corrected for
multiple comparisons within a declared **family** of comparisons (every comparison of the
primary outcomes, of one metric, of one scenario, or all of them): a table with 40 metrics x
9 cells would otherwise show a couple of "findings" from noise alone.

Verdicts and intervals agree: beside the unadjusted interval (``ci_low``, ``ci_high``) every
judged row carries the **adjusted interval** of its family (``ci_adj_low``, ``ci_adj_high``
at level ``adj_level``), which excludes 0 exactly when the verdict is "better" or "worse".
For Bonferroni (the default) these are simultaneous intervals at 1 - alpha/m; for Holm, the
level of the step that decided the row (they agree with Holm's verdicts but are not
simultaneous); for Benjamini-Hochberg, false-coverage-rate intervals (Benjamini and
Yekutieli 2005); without correction, the unadjusted interval.

All functions take the tidy run table (one row per run) or query the daily view, so a
notebook can call them on ``load_results(DIR)`` just as the report does.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

VERDICT_BETTER, VERDICT_WORSE, VERDICT_UNCLEAR = "better", "worse", "no clear difference"
VERDICT_FEW_EVENTS = "too few events"
VERDICT_NOT_JUDGED = "not judged"      # a supporting count: the catalogue gives no direction
VERDICT_NO_DATA = "no data"            # no pair has a value (e.g. volunteers under three)
INTERVAL_METHOD = "paired t-interval"
CORRECTION_NAMES = {"bonferroni": "Bonferroni", "holm": "Holm", "fdr_bh": "Benjamini-Hochberg",
                    "none": "no"}
# What the adjusted interval of each correction is, in words (method notes, figure legends).
ADJUSTED_INTERVAL = {
    "bonferroni": "Bonferroni simultaneous interval (each at level 1 - alpha/m, m the "
                  "judged comparisons of its family)",
    "holm": "Holm step-down interval (at the level of the step that decided the row: it "
            "agrees with Holm's verdict, but the set is not simultaneous)",
    "fdr_bh": "false-coverage-rate interval (Benjamini-Yekutieli: the R rows "
              "Benjamini-Hochberg judges at level 1 - R alpha/m, the others at 1 - (R+1) "
              "alpha/m)",
    "none": "unadjusted interval (no correction for multiple comparisons)",
}
# What [analysis] correction and family accept (sim.experiments.spec checks the file
# against the same names; a test keeps the two equal).
CORRECTIONS = ("bonferroni", "holm", "fdr_bh", "none")
FAMILIES = ("primary", "all", "metric", "scenario")
SECONDARY = "secondary"      # the family of the non-primary outcomes (family = "primary")


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"] if "status" in runs else runs


def _catalogue(catalogue=None):
    """The metric catalogue to read: ``catalogue`` (the model's plus a variant's metrics,
    see :mod:`.catalogue`) or the model's own."""
    if catalogue is not None:
        return catalogue
    from sim.model import METRICS

    return METRICS


def metric_direction(metric: str, catalogue=None) -> str | None:
    """"lower", "higher" or None, from the metric catalogue (unknown metrics: None)."""
    m = _catalogue(catalogue).get(metric)
    return m.direction if m else None


def events_rule(metric: str, catalogue=None) -> tuple[str | None, int]:
    """The count metric an interval of ``metric`` rests on, and the catalogue's minimum."""
    m = _catalogue(catalogue).get(metric)
    return (m.events, m.min_events) if m else (None, 0)


def ordered_metrics(metrics, primary=()) -> list[str]:
    """Primary outcomes first (in their declared order), then headline metrics (catalogue
    order), then the others in the given order."""
    from sim.model import headline_metrics

    metrics = list(metrics)
    first = [m for m in (*primary, *headline_metrics()) if m in metrics]
    first = list(dict.fromkeys(first))
    return first + [m for m in metrics if m not in first]


# ---------------------------------------------------------------- one paired comparison


def t_interval(d: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Mean of the paired differences ``d``, its t-interval, two-sided p-value and SD.

    A difference that is the same in every pair (common random numbers can do that) has
    a zero-width interval: p = 0 if it is not zero, 1 if it is. The interval excludes 0
    exactly when p < 1 - confidence.
    """
    d = np.asarray(d, float)
    n = len(d)
    mean = float(d.mean()) if n else math.nan
    if n < 2:
        return {"diff": mean, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan,
                "sd": math.nan}
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    if se > 1e-12 * max(abs(mean), 1e-300):
        p = float(2 * stats.t.sf(abs(mean) / se, n - 1))
    else:
        p = 0.0 if mean != 0 else 1.0
    return {"diff": mean, "ci_low": mean - half, "ci_high": mean + half, "p_value": p, "sd": sd}


def minimum_detectable_effect(sd: float, n: int, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """Smallest true mean difference a two-sided paired t-test at level ``alpha`` detects
    with probability ``power``, given the SD of the differences and ``n`` pairs
    (noncentral t, exact)."""
    if n < 2 or not np.isfinite(sd):
        return math.nan
    if sd == 0:
        return 0.0
    df = n - 1
    crit = stats.t.ppf(1 - alpha / 2, df)

    def shortfall(dz: float) -> float:
        nc = dz * math.sqrt(n)
        # scipy's noncentral t returns NaN for far tails; those tails are ~0 here
        upper, lower = np.nan_to_num([stats.nct.sf(crit, df, nc), stats.nct.cdf(-crit, df, nc)])
        return upper + lower - power

    high = 1.0
    while shortfall(high) < 0:
        high *= 2
    return float(optimize.brentq(shortfall, 0.0, high, xtol=1e-10)) * sd


# ---------------------------------------------------------------- tables of comparisons


def _normalise(runs: pd.DataFrame) -> pd.DataFrame:
    """Accept run tables without the runner's bookkeeping columns (e.g. ``run_pairs``)."""
    extra = {"scenario": 0, "label": "base", "status": "ok"}
    missing = {k: v for k, v in extra.items() if k not in runs}
    return runs.assign(**missing) if missing else runs


def paired_differences(runs: pd.DataFrame, metrics: list[str], baseline: str, *,
                       pooled: bool = False, confidence: float = 0.95,
                       regimes: list[str] | None = None,
                       correction: str = "bonferroni", family: str = "all",
                       primary=(), catalogue=None) -> pd.DataFrame:
    """Regime minus baseline, paired on (scenario, replicate), per scenario or pooled.

    Pairs share a seed (common random numbers), so the paired difference removes most
    replicate noise. ``pooled=True`` averages each scenario over its replicates first and
    pairs scenarios (one summary over a whole design). Columns: scenario, label, regime,
    metric, direction, n, mean_baseline, mean_regime, diff, ci_low, ci_high (``confidence``
    paired t-interval, unadjusted), se, p_value, p_adjusted, family, family_size,
    adj_level, ci_adj_low, ci_adj_high (the adjusted interval, see ``judge``), rel_diff,
    effect_dz (mean difference / SD of differences), better_in (pairs in which the regime
    is better), identical (every pair equal), events_baseline, events_regime, pair_corr
    (correlation of the two regimes' values across pairs), mde (difference detectable with
    80% power at 5%, two-sided), verdict. Runs that failed in either regime are left out
    of the pairs.

    Verdicts: "not judged" (the catalogue gives the metric no direction), "too few events"
    (fewer than the catalogue's ``min_events`` in either regime, summed over the pairs),
    else "better" / "worse" where the ``correction``-adjusted p-value (across the judged
    rows of the row's ``family``, see ``judge``) is below 1 - confidence, and "no clear
    difference" otherwise. ``regimes`` sets the order of the compared regimes (default:
    alphabetical); ``catalogue`` the metric catalogue (default ``sim.model.METRICS``).
    """
    runs = ok_runs(_normalise(runs))
    counts = {e for m in metrics if (e := events_rule(m, catalogue)[0]) and e in runs}
    values = list(dict.fromkeys([*metrics, *counts]))
    wide = runs.pivot_table(index=["scenario", "rep"], columns="regime", values=values,
                            aggfunc="first", dropna=False)
    # Events behind a metric: summed over the runs of each regime (in a scenario, or all).
    totals = runs.groupby(["scenario", "regime"])[sorted(counts)].sum()
    if pooled:
        wide = wide.groupby(level="scenario").mean()
        wide.index = pd.MultiIndex.from_arrays([["all"] * len(wide), wide.index],
                                               names=["scenario", "rep"])
        totals = totals.groupby(level="regime").sum()
    labels = runs.groupby("scenario")["label"].first()
    compared = [r for r in regimes or sorted(set(runs["regime"])) if r != baseline]
    rows = []
    for scenario, block in wide.groupby(level="scenario", sort=True):
        label = "all scenarios" if scenario == "all" else labels.get(scenario, str(scenario))
        events = totals if pooled else totals.loc[scenario]
        for regime in compared:
            for metric in metrics:
                if (metric, regime) in block and (metric, baseline) in block:
                    rows.append(_compare(block, events, scenario, label, baseline, regime,
                                         metric, confidence, catalogue))
    return judge(pd.DataFrame(rows), confidence, correction, family, primary, catalogue)


def _compare(block: pd.DataFrame, events: pd.DataFrame, scenario, label, baseline: str,
             regime: str, metric: str, confidence: float, catalogue=None) -> dict:
    pair = block[[(metric, baseline), (metric, regime)]].dropna()
    a, b = pair.iloc[:, 0].to_numpy(float), pair.iloc[:, 1].to_numpy(float)
    d = b - a
    n = len(d)
    direction = metric_direction(metric, catalogue)
    sign = {"higher": 1, "lower": -1}.get(direction, 0)
    ti = t_interval(d, confidence)
    sd = ti.pop("sd")
    mean_a = float(a.mean()) if n else math.nan
    count, _ = events_rule(metric, catalogue)
    ev = {key: float(events.loc[r, count]) if count in events and r in events.index
          else math.nan for key, r in (("events_baseline", baseline), ("events_regime", regime))}
    return {"scenario": scenario, "label": label, "regime": regime, "metric": metric,
            "direction": direction, "n": n, "mean_baseline": mean_a,
            "mean_regime": float(b.mean()) if n else math.nan, **ti,
            "se": sd / math.sqrt(n) if n >= 2 else math.nan,
            "rel_diff": ti["diff"] / abs(mean_a) if n and mean_a else math.nan,
            # With common random numbers a difference can be constant: d_z undefined.
            "effect_dz": ti["diff"] / sd if np.isfinite(sd) and sd > 1e-12 * max(
                abs(ti["diff"]), 1e-300) else math.nan,
            "better_in": int((sign * d > 0).sum()) if sign else None,
            "identical": bool(n and np.all(d == 0)), **ev,
            "mde": minimum_detectable_effect(sd, n, 1 - confidence),
            "pair_corr": _pair_correlation(a, b)}


def _pair_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of the two regimes' values across pairs: how much common random numbers
    help (near 1: the difference is far less noisy than either regime; NaN if constant)."""
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def judge(table: pd.DataFrame, confidence: float = 0.95, correction: str = "bonferroni",
          family: str = "all", primary=(), catalogue=None) -> pd.DataFrame:
    """Add family, family_size, p_adjusted, adj_level, ci_adj_low, ci_adj_high and verdict
    to a table of comparisons (see ``paired_differences``).

    A row can be judged when its metric has a direction, enough events and at least two
    pairs. ``family`` says which judged rows are corrected together: "all" (the whole
    table), "primary" (the rows of the ``primary`` metrics together, the other rows as the
    "secondary" family), "metric" (one family per metric) or "scenario" (one per scenario
    label). Within each family the ``correction`` gives each judged row a critical level
    alpha* (``adjusted_alphas``); the verdict is "better" or "worse" exactly when p <
    alpha*, i.e. when the adjusted p-value is below alpha = 1 - confidence, i.e. when the
    row's t-interval at level 1 - alpha* (the adjusted interval) excludes 0.
    """
    if table.empty:
        return table.assign(family=[], family_size=[], p_adjusted=[], adj_level=[],
                            ci_adj_low=[], ci_adj_high=[], verdict=[])
    table = table.copy()
    alpha = 1 - confidence
    table["better_in"] = table["better_in"].astype("Int64")
    few = pd.Series(False, index=table.index)
    for i, row in table.iterrows():
        _, minimum = events_rule(row["metric"], catalogue)
        counts = [row["events_baseline"], row["events_regime"]]
        few[i] = minimum > 0 and any(np.isfinite(c) and c < minimum for c in counts)
    judged = table["direction"].notna() & ~few & table["p_value"].notna()
    table["family"] = family_of(table, family, primary)
    table["family_size"] = table.groupby("family")["p_value"].transform(
        lambda col: int(judged[col.index].sum())).astype(int)
    for column in ("p_adjusted", "adj_level", "ci_adj_low", "ci_adj_high"):
        table[column] = np.nan
    critical = pd.Series(np.nan, index=table.index)
    for _, rows in table[judged].groupby("family", sort=False):
        p = rows["p_value"].to_numpy(float)
        critical[rows.index] = adjusted_alphas(p, alpha, correction)
        table.loc[rows.index, "p_adjusted"] = adjusted_p(p, correction)
    if judged.any():
        table.loc[judged, "adj_level"] = 1 - critical[judged]
        low, high = _interval_at(table.loc[judged], critical[judged])
        table.loc[judged, "ci_adj_low"], table.loc[judged, "ci_adj_high"] = low, high
    sign = table["direction"].map({"higher": 1, "lower": -1}).fillna(0)
    clear = judged & (table["p_value"] < critical)
    verdict = np.where(clear & (sign * table["diff"] > 0), VERDICT_BETTER,
                       np.where(clear & (sign * table["diff"] < 0), VERDICT_WORSE,
                                VERDICT_UNCLEAR))
    verdict = np.where(few, VERDICT_FEW_EVENTS, verdict)
    verdict = np.where(table["n"] == 0, VERDICT_NO_DATA, verdict)
    table["verdict"] = np.where(table["direction"].isna(), VERDICT_NOT_JUDGED, verdict)
    return table


def family_of(table: pd.DataFrame, family: str = "all", primary=()) -> pd.Series:
    """The family of each comparison (see ``judge``)."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    if family == "primary":
        return pd.Series(np.where(table["metric"].isin(list(primary)), "primary", SECONDARY),
                         index=table.index)
    if family == "metric":
        return table["metric"].astype(str)
    if family == "scenario" and "label" in table:
        return table["label"].astype(str)
    return pd.Series("all", index=table.index)


def adjusted_p(p: np.ndarray, correction: str) -> np.ndarray:
    """Adjusted p-values of one family (Bonferroni, Holm step-down, Benjamini-Hochberg
    step-up, or none), equal to statsmodels' ``multipletests``."""
    p = np.asarray(p, float)
    m = len(p)
    if correction == "none" or m == 0:
        return p.copy()
    if correction == "bonferroni":
        return np.minimum(1.0, m * p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if correction == "holm":
        steps = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif correction == "fdr_bh":
        steps = np.minimum.accumulate((m * ranked / np.arange(1, m + 1))[::-1])[::-1]
    else:
        raise ValueError(f"unknown correction {correction!r}")
    out = np.empty(m)
    out[order] = np.minimum(1.0, steps)
    return out


def adjusted_alphas(p: np.ndarray, alpha: float, correction: str) -> np.ndarray:
    """Each row's critical level alpha* within one family: the row is judged different
    from 0 exactly when p < alpha*, and its adjusted interval is the t-interval at level
    1 - alpha*.

    * none: alpha; bonferroni: alpha / m (simultaneous);
    * holm: the k-th smallest p, rejected at step k, gets alpha / (m - k + 1); every row
      not rejected gets the level of the step where the procedure stopped, alpha / (m - r)
      with r rows rejected (their p-values all lie above it);
    * fdr_bh: with R rows rejected, the rejected get R alpha / m (Benjamini-Yekutieli's
      false-coverage-rate level), the others (R + 1) alpha / m (their p-values lie above
      it).
    """
    p = np.asarray(p, float)
    m = len(p)
    if correction == "none" or m == 0:
        return np.full(m, alpha)
    if correction == "bonferroni":
        return np.full(m, alpha / m)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    ranks = np.arange(1, m + 1)
    if correction == "holm":
        thresholds = alpha / (m - ranks + 1)
        passed = ranked < thresholds
        r = m if passed.all() else int(np.argmin(passed))
        levels = np.where(ranks <= r, thresholds, alpha / max(m - r, 1))
    elif correction == "fdr_bh":
        below = np.nonzero(ranked < ranks * alpha / m)[0]
        r = int(below[-1]) + 1 if len(below) else 0
        levels = np.where(ranks <= r, r * alpha / m, (r + 1) * alpha / m)
    else:
        raise ValueError(f"unknown correction {correction!r}")
    out = np.empty(m)
    out[order] = levels
    return out


def _interval_at(rows: pd.DataFrame, critical: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The t-interval of each row at its own level 1 - alpha* (a zero-width interval for
    a difference that is the same in every pair)."""
    df = rows["n"].to_numpy(float) - 1
    quantile = stats.t.ppf(1 - critical.to_numpy(float) / 2, np.maximum(df, 1))
    se = rows["se"].to_numpy(float) if "se" in rows else np.full(len(rows), np.nan)
    half = np.where(se == 0, 0.0, quantile * se)
    mean = rows["diff"].to_numpy(float)
    return mean - half, mean + half


def method_note(table: pd.DataFrame, confidence: float = 0.95,
                correction: str = "bonferroni") -> str:
    """One paragraph saying how a table's intervals and verdicts were computed, naming its
    families and their sizes."""
    level = round(confidence * 100)
    alpha = f"{1 - confidence:.2g}"
    sizes = _family_sizes(table)
    if correction == "none":
        corr = "without correction for multiple comparisons"
    else:
        corr = (f"after the {CORRECTION_NAMES.get(correction, correction)} correction "
                f"within its family of comparisons ({sizes})")
    return (f"CI: the {level}% {INTERVAL_METHOD} of the mean paired difference, unadjusted "
            f"(per row). Adjusted CI: the {ADJUSTED_INTERVAL[correction]}; it excludes 0 "
            f"exactly when the verdict is better or worse. Verdicts: better / worse when the "
            f"p-value of the paired t-test, {corr}, is below {alpha}, in the direction the "
            f"metric catalogue calls better; \"{VERDICT_UNCLEAR}\" otherwise; "
            f"\"{VERDICT_FEW_EVENTS}\" when either side has fewer events than the "
            f"catalogue's minimum for that metric; \"{VERDICT_NOT_JUDGED}\" for metrics "
            f"without a better direction (no adjusted interval). d_z = mean difference / SD "
            f"of the differences. MDE: the difference the pairs could detect with 80% power "
            f"(two-sided 5% paired t-test). pair_corr: the correlation of the two sides' "
            f"values across pairs (near 1: common random numbers make the difference far "
            f"less noisy than either side).")


def _family_sizes(table: pd.DataFrame) -> str:
    """'primary: 6 judged comparisons; secondary: 40' (or 'all: 46 judged comparisons')."""
    if "family" not in table or table.empty:
        return "no judged comparisons"
    sizes = table.groupby("family", sort=False)["family_size"].first()
    parts = [f"{name}: {int(n)}" for name, n in sizes.items()]
    if len(parts) > 6:
        parts = parts[:5] + [f"... ({len(parts)} families)"]
    return "judged comparisons per family: " + "; ".join(parts)


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


# ---------------------------------------------------------------- the difference on the design


def difference_frame(runs: pd.DataFrame, metric: str, baseline: str, regime: str,
                     columns: list[str]) -> pd.DataFrame:
    """One row per (scenario, replicate) with both regimes ok: ``columns`` (design
    parameters) and ``diff`` = metric under ``regime`` minus under ``baseline``."""
    runs = ok_runs(_normalise(runs))
    keys = ["scenario", "rep"]
    a = runs[runs["regime"] == baseline].set_index(keys)
    b = runs[runs["regime"] == regime].set_index(keys)
    frame = a[columns].join((b[metric] - a[metric]).rename("diff"), how="inner")
    return frame.dropna(subset=["diff"]).reset_index()


def difference_anova(frame: pd.DataFrame, factors: list[str], *, block: bool = False,
                     interactions: bool = True) -> tuple[pd.DataFrame, str]:
    """Type-II ANOVA of ``diff`` on categorical ``factors`` (grid parameters) and their
    two-way interactions, with replicates as blocks when ``block`` (shared seeds make a
    replicate a block across cells). Returns the table and the formula used.

    Interactions are dropped when the cells have no replicates to estimate error from.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    data = frame.rename(columns={f: f"f{i}" for i, f in enumerate(factors)})
    names = {f"f{i}": f for i, f in enumerate(factors)}
    terms = [f"C(f{i})" for i in range(len(factors))]
    cells = frame.groupby(factors).ngroups
    if interactions and len(factors) > 1 and len(frame) > cells + 1:
        terms += [f"{a}:{b}" for i, a in enumerate(terms) for b in terms[i + 1:]]
    if block and frame["rep"].nunique() > 1:
        terms.append("C(rep)")
    formula = "diff ~ " + " + ".join(terms)
    with warnings.catch_warnings():
        # A term without variation (e.g. a factor that never changes the difference) makes
        # statsmodels warn about rank; its row then reads NaN, which the table shows.
        warnings.simplefilter("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="covariance of constraints")
        fit = smf.ols(formula, data=data).fit()
        table = sm.stats.anova_lm(fit, typ=2).reset_index(names="term")
    for short, long in names.items():
        table["term"] = table["term"].str.replace(f"C({short})", long, regex=False)
    table["term"] = table["term"].str.replace("C(rep)", "replicate (block)", regex=False)
    table = table.rename(columns={"PR(>F)": "p_value"})
    readable = formula
    for short, long in names.items():
        readable = readable.replace(f"C({short})", f"C({long})")
    return table, readable


def difference_regression(frame: pd.DataFrame, parameters: dict[str, list[float]], *,
                          block: bool = False) -> tuple[pd.DataFrame, str]:
    """OLS of ``diff`` on continuous design parameters, each rescaled to [0, 1] over its
    sampled bounds (a coefficient is the change across the whole range), with HC3
    heteroskedasticity-robust standard errors. Returns the coefficient table and formula."""
    import statsmodels.formula.api as smf

    data = frame.copy()
    terms = []
    for i, (name, (low, high)) in enumerate(parameters.items()):
        data[f"x{i}"] = (data[name] - low) / (high - low)
        terms.append(f"x{i}")
    if block and data["rep"].nunique() > 1:
        terms.append("C(rep)")
    formula = "diff ~ " + " + ".join(terms)
    fit = smf.ols(formula, data=data).fit(cov_type="HC3")
    ci = fit.conf_int()
    table = pd.DataFrame({"term": fit.params.index, "coef": fit.params.to_numpy(),
                          "se_hc3": fit.bse.to_numpy(), "ci_low": ci[0].to_numpy(),
                          "ci_high": ci[1].to_numpy(), "p_value": fit.pvalues.to_numpy()})
    names = {f"x{i}": n for i, n in enumerate(parameters)}
    table["term"] = table["term"].map(lambda t: names.get(t, t))
    table = table[~table["term"].str.startswith("C(rep)")]
    readable = "diff ~ " + " + ".join(f"scaled({n})" for n in parameters) + \
        (" + C(replicate)" if "C(rep)" in formula else "")
    return table.reset_index(drop=True), readable


# ---------------------------------------------------------------- sensitivity


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


# ---------------------------------------------------------------- sentences


def describe_difference(row, baseline: str, confidence: float = 0.95) -> str:
    """One sentence for a row of ``paired_differences`` (or ``judge``), saying only what
    the numbers show: identical pairs are a tie, an adjusted interval including zero is
    "no clear difference", too few events and metrics without a direction get no
    verdict. The interval quoted beside a verdict is the adjusted one."""
    row = dict(row)
    metric, regime, n = row["metric"], row["regime"], int(row["n"])
    level = round(confidence * 100)
    adjusted = row.get("ci_adj_low") is not None and np.isfinite(row.get("ci_adj_low", np.nan))
    if adjusted:
        numbers = (f"mean {row['diff']:+.4g}, adjusted {100 * row['adj_level']:.4g}% CI "
                   f"{row['ci_adj_low']:+.4g} to {row['ci_adj_high']:+.4g} (unadjusted "
                   f"{level}%: {row['ci_low']:+.4g} to {row['ci_high']:+.4g}), {n} pairs")
    else:
        numbers = (f"mean {row['diff']:+.4g}, {level}% CI (unadjusted) {row['ci_low']:+.4g} "
                   f"to {row['ci_high']:+.4g}, {n} pairs")
    verdict = row["verdict"]
    if verdict == VERDICT_NO_DATA:
        return f"{metric}: no pair has a value under both {regime} and {baseline}."
    if row.get("identical"):
        return f"{metric}: {regime} and {baseline} are identical in all {n} pairs (a tie)."
    if verdict == VERDICT_FEW_EVENTS:
        count, minimum = events_rule(metric)
        return (f"{metric}: too few events to judge ({count}: {row['events_regime']:g} under "
                f"{regime}, {row['events_baseline']:g} under {baseline}; the catalogue asks "
                f"for {minimum} in each) ({numbers}).")
    if verdict == VERDICT_NOT_JUDGED:
        return f"{metric}: {regime} - {baseline} {numbers} (a supporting count, not judged)."
    if verdict == VERDICT_UNCLEAR:
        why = "the interval includes zero" if row["ci_low"] <= 0 <= row["ci_high"] else \
            f"the adjusted interval includes zero: not significant after the correction " \
            f"for multiple comparisons (adjusted p {row['p_adjusted']:.2g})"
        return f"{metric}: no clear difference between {regime} and {baseline} ({numbers}; {why})."
    word = "lower" if row["diff"] < 0 else "higher"
    return (f"{metric}: {regime} is {word} than {baseline} by {abs(row['diff']):.4g}, "
            f"{verdict} for {regime} ({numbers}; adjusted p {row['p_adjusted']:.2g}).")
