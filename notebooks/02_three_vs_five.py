# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Does five-actor linkage beat three-actor linkage?
#
# **Question.** Does five-actor linkage (五社联动: community platform, social organizations
# and social workers, plus community volunteers and charity resources) leave fewer needs
# unmet and let fewer disputes escalate to court than three-actor linkage (三社联动)? Does
# it help vulnerable residents? And if it helps, is it the *linkage* or only the *extra
# hours and money* that volunteers and donors bring?
#
# **Method.** One experiment through `sim.experiments`: every regime is run for the same
# replications, and within a replication all regimes share one seed (common random
# numbers: the same residents, needs and disputes), so differences are *paired*. The
# table of differences gives bootstrap 95% intervals of the mean paired difference. The
# `three-equal-resources` regime gives three-actor linkage, as purchased hours, the
# volunteer hours and charity money five would mobilise: the ablation that separates
# resources from linkage.
#
# **Size.** `SIZE = "small"` (default, for the tests: 2,000 residents, 180 days, 5
# replications, seconds) or `"full"` (the study: 8,000 residents, one year, 30
# replications, as `experiments/three_vs_five.toml`). Set `SIM_NOTEBOOK_SIZE=full`.

# %%
import json
import os
import shutil
from pathlib import Path

SIZE = os.environ.get("SIM_NOTEBOOK_SIZE", "small")   # "small" (tests) or "full" (the study)
SETTINGS = {
    "small": {"n_residents": 2000, "days": 180, "replications": 5},
    "full": {"n_residents": 8000, "days": 365, "replications": 30},
}[SIZE]
ROOT_SEED = 20211127       # every run's seed derives from it (and scenario, replicate)
REPO = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "pyproject.toml").exists()),
            Path.cwd())
OUT = Path(os.environ.get("SIM_NOTEBOOK_OUT", REPO / "results" / "notebooks")) / SIZE
REUSE = os.environ.get("SIM_NOTEBOOK_REUSE", "0") == "1"   # 1: keep stored runs (resume)
WORKERS = int(os.environ.get("SIM_NOTEBOOK_WORKERS", "0")) or None   # None: every core
OUT.mkdir(parents=True, exist_ok=True)
print(f"size={SIZE} settings={SETTINGS} root_seed={ROOT_SEED}")

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.api import SUMMARY_METRICS
from sim.experiments import load_experiment, load_results, paired_differences, run_experiment
from sim.params import PARAM_SPECS

pd.set_option("display.width", 160)

# %% [markdown]
# ## 1 · The experiment, as data
#
# The experiment is a small TOML text (the format of `experiments/*.toml`, see
# `sim.experiments.spec`), written next to the results so that the stored results always
# carry the exact definition that produced them.

# %%
REGIMES = ["three", "five", "three+volunteers", "three+charity", "three-equal-resources"]
METRICS = ["unmet_need_share", "unmet_need_hours", "mean_response_days",
           "unmet_need_share_vulnerable", "dispute_escalation_share", "court_filings_per_10k",
           "true_resolution_share", "reignition_share", "cost_per_resolved_case",
           "coordination_overhead_share"]
HIGHER_IS_BETTER = ("true_resolution_share",)

experiment_toml = f"""
[experiment]
name = "nb02_three_vs_five_{SIZE}"
description = "Notebook 02: paired comparison of the five regimes ({SIZE} size)."
regimes = {json.dumps(REGIMES)}
replications = {SETTINGS["replications"]}
days = {SETTINGS["days"]}
root_seed = {ROOT_SEED}

[fixed]
n_residents = {SETTINGS["n_residents"]}

[analysis]
baseline = "three"
metrics = {json.dumps(METRICS)}
higher_is_better = {json.dumps(list(HIGHER_IS_BETTER))}
"""
spec_path = OUT / "02_three_vs_five.toml"
spec_path.write_text(experiment_toml)
experiment = load_experiment(spec_path)
print(experiment_toml)
print(f"{experiment.n_runs} runs")

# %% [markdown]
# ## 2 · Run it
#
# Results go to `results/notebooks/<size>/02_three_vs_five/` as Parquet with a manifest
# (seeds, git commit, package versions). By default the notebook deletes old results and
# runs again, so the numbers always come from the current model; set
# `SIM_NOTEBOOK_REUSE=1` to keep stored runs (the runner resumes and only runs what is
# missing).

# %%
results_dir = OUT / "02_three_vs_five"
if results_dir.exists() and not REUSE:
    shutil.rmtree(results_dir)
sweep = run_experiment(experiment, results_dir, workers=WORKERS, progress=False)
print(f"executed {sweep.executed} runs ({sweep.already_done} already stored), "
      f"{sweep.failed} failed, in {sweep.seconds:.1f} s")

# %%
res = load_results(results_dir)
runs = res.runs
assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", ["run_key", "error"]]
print(f"{len(runs)} runs stored, git commit {res.manifest['git_commit']}")
(runs.groupby("regime", sort=False)[["unmet_need_share", "dispute_escalation_share",
                                     "unmet_need_share_vulnerable", "court_filings_per_10k"]]
 .agg(["mean", "std"]).round(4))

# %% [markdown]
# ## 3 · Paired differences: each regime minus three-actor linkage
#
# `diff` is the mean over replications of (regime − three) in the same replication;
# `ci_low`, `ci_high` a percentile-bootstrap 95% interval of that mean (2,000 resamples,
# fixed seed); `verdict` reads the interval with the metric's direction (lower is better
# except for `true_resolution_share`). Few replications give wide intervals.

# %%
diffs = paired_differences(runs, METRICS, baseline="three", higher_is_better=HIGHER_IS_BETTER,
                           n_boot=2000, confidence=0.95, seed=0)
cols = ["metric", "mean_baseline", "mean_regime", "diff", "ci_low", "ci_high", "verdict"]
five_vs_three = diffs[diffs["regime"] == "five"][cols].set_index("metric")
five_vs_three.insert(0, "meaning", pd.Series(SUMMARY_METRICS))
with pd.option_context("display.float_format", "{:,.4f}".format, "display.max_colwidth", 60):
    display(five_vs_three)  # noqa: F821 - display is a Jupyter builtin

# %% [markdown]
# The same for every regime, on the two headline outcomes:

# %%
headline = ["unmet_need_share", "dispute_escalation_share"]
(diffs[diffs["metric"].isin(headline)]
 .pivot_table(index="regime", columns="metric", values=["diff", "ci_low", "ci_high"])
 .swaplevel(axis=1).sort_index(axis=1).round(4))

# %% [markdown]
# ## 4 · Over time
#
# The daily series of each run (the runner stores them) give the cumulative unmet-need
# share and escalation share to date. Left: mean over replications with a 5–95% band
# across replications. Right: the paired difference five − three (and five −
# three-equal-resources) per day, mean and 5–95% band across replications; below zero
# means five is lower (better). The dotted line marks the end of the first government
# purchase contract (`contract_length_days`): during the gap before the next contract the
# social organizations have no bought hours, which shows as a kink in three-actor linkage
# if the horizon reaches it.

# %%
daily = res.daily()
show = ["three", "five", "three-equal-resources"]
colours = {"three": "tab:blue", "five": "tab:orange", "three-equal-resources": "tab:green"}


def band(frame, column):
    g = frame.groupby("day")[column]
    return g.mean(), g.quantile(0.05), g.quantile(0.95)


fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
for row, metric in enumerate(headline):
    ax = axes[row, 0]
    for regime in show:
        mean, low, high = band(daily[daily["regime"] == regime], metric)
        ax.plot(mean.index, mean, color=colours[regime], label=regime)
        ax.fill_between(mean.index, low, high, color=colours[regime], alpha=0.2)
    ax.set_ylabel(metric)
    ax = axes[row, 1]
    wide = daily.pivot_table(index=["rep", "day"], columns="regime", values=metric)
    for other in ("three", "three-equal-resources"):
        d = (wide["five"] - wide[other]).rename("d").reset_index()
        mean, low, high = band(d, "d")
        ax.plot(mean.index, mean, color=colours[other], label=f"five − {other}")
        ax.fill_between(mean.index, low, high, color=colours[other], alpha=0.2)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(f"paired difference in {metric}")
contract_end = PARAM_SPECS["contract_length_days"].default
for ax in axes.flat:
    if contract_end <= SETTINGS["days"]:
        ax.axvline(contract_end, color="grey", lw=0.8, ls=":")
axes[0, 0].legend(fontsize=8)
axes[0, 1].legend(fontsize=8)
for ax in axes[-1]:
    ax.set_xlabel("day")
fig.suptitle(f"{SETTINGS['replications']} replications, {SETTINGS['n_residents']:,} residents")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5 · Vulnerable residents
#
# Vulnerable residents are the elderly living alone, members of households with a
# left-behind child, residents with a disability and low-income residents. The model
# reports `unmet_need_share_vulnerable`: their unmet-need share minus that of everybody else
# (negative: vulnerable residents are served *better*, as dispatch puts them first among
# needs with equal deadlines). A regime that narrows a positive gap, or keeps a negative
# one, treats them at least as well as the rest.
#
# Careful with the verdict column here: it reads "lower is better", which fits a positive
# gap. When the gap is negative, a regime that moves it towards zero is marked "worse"
# even if everybody is served better; it means the others caught up with the vulnerable,
# not necessarily that the vulnerable lost. Compare with the overall unmet share above.
#
# *Gap in the public API:* the summary has no unmet share per vulnerable group (elderly
# alone, left-behind children, disability, low income) or per need type, so the
# breakdown below is vulnerable versus the others only.

# %%
gap = diffs[diffs["metric"] == "unmet_need_share_vulnerable"].set_index("regime")[
    ["mean_baseline", "mean_regime", "diff", "ci_low", "ci_high", "verdict"]]
display(gap.round(4))  # noqa: F821

fig, ax = plt.subplots(figsize=(8, 3.5))
order = REGIMES
data = [runs.loc[runs["regime"] == r, "unmet_need_share_vulnerable"] for r in order]
ax.boxplot(data, tick_labels=order, showmeans=True)
ax.axhline(0, color="black", lw=0.8)
ax.set_ylabel("vulnerable − others\nunmet-need share")
ax.set_title("Gap between vulnerable residents and the others, per replication")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6 · Is it the linkage or the extra resources?
#
# Two ablations answer this. `three+volunteers` and `three+charity` add one new actor at
# a time (which one carries the effect?). `three-equal-resources` gives three-actor
# linkage the same hours and money five mobilises, without linking volunteers and donors.
# If five beats `three-equal-resources`, the linkage itself adds something (early, local
# dispute mediation by volunteers, targeted giving); if not, five's advantage over three
# is the extra resources.
#
# The share of five's advantage that equal resources alone reproduce is
# (three − equal) / (three − five), computed from the mean paired differences.

# %%
vs_equal = paired_differences(runs, METRICS, baseline="three-equal-resources",
                              higher_is_better=HIGHER_IS_BETTER, n_boot=2000, seed=0)
five_vs_equal = vs_equal[vs_equal["regime"] == "five"].set_index("metric")[
    ["mean_baseline", "mean_regime", "diff", "ci_low", "ci_high", "verdict"]]
display(five_vs_equal.round(4))  # noqa: F821

d3 = diffs.set_index(["regime", "metric"])
explained = {}
for metric in headline:
    advantage = 0.0 - d3.loc[("five", metric), "diff"]
    by_resources = 0.0 - d3.loc[("three-equal-resources", metric), "diff"]
    if d3.loc[("five", metric), "verdict"] == "better":
        explained[metric] = by_resources / advantage
        print(f"{metric}: five's advantage over three {advantage:+.4f}; equal resources "
              f"alone {by_resources:+.4f}; share reproduced by resources "
              f"{explained[metric]:.2f} (above 1: equal resources do better than five)")
    else:
        explained[metric] = float("nan")
        print(f"{metric}: five has no clear advantage over three here "
              f"({d3.loc[('five', metric), 'diff'] + 0.0:+.4f}), so there is nothing to attribute; "
              f"equal resources alone {by_resources:+.4f}")


# %% [markdown]
# ## 7 · Key numbers

# %%
def row(table, regime, metric):
    r = table[(table["regime"] == regime) & (table["metric"] == metric)].iloc[0]
    return {k: float(r[k]) for k in ("mean_baseline", "mean_regime", "diff", "ci_low", "ci_high")} \
        | {"verdict": r["verdict"]}


numbers = {
    "size": SIZE, "settings": SETTINGS, "root_seed": ROOT_SEED, "n_runs": len(runs),
    "vs_three": {r: {m: row(diffs, r, m) for m in headline + ["unmet_need_share_vulnerable"]}
                 for r in REGIMES if r != "three"},
    "five_vs_equal_resources": {m: row(vs_equal, "five", m) for m in headline},
    "share_reproduced_by_resources": {m: (None if np.isnan(v) else float(v))
                                      for m, v in explained.items()},
}
(OUT / "02_three_vs_five.json").write_text(json.dumps(numbers, indent=1, sort_keys=True))
pd.DataFrame({f"{r} − three": {m: v["diff"] for m, v in d.items()}
              for r, d in numbers["vs_three"].items()}).round(4)

# %% [markdown]
# ## What the results say, and their limits
#
# The sentences below are written from the numbers above, so they hold at whichever size
# the notebook was run; at the small size they describe a small community with few
# replications and should not be quoted.

# %%
def say(metric, entry, a, b):
    lo, hi, d = entry["ci_low"], entry["ci_high"], entry["diff"]
    if entry["verdict"] == "no clear difference":
        return (f"- {metric}: no clear difference between {a} and {b} "
                f"(mean {d:+.4f}, 95% CI {lo:+.4f} to {hi:+.4f}).")
    word = "lower" if d < 0 else "higher"
    return (f"- {metric}: {a} is {word} than {b} by {abs(d):.4f} "
            f"(95% CI {lo:+.4f} to {hi:+.4f}; {entry['verdict']} for {a}).")


print(f"Size {SIZE}: {SETTINGS['n_residents']:,} residents, {SETTINGS['days']} days, "
      f"{SETTINGS['replications']} paired replications.\n")
print("Five versus three:")
for m in headline + ["unmet_need_share_vulnerable"]:
    print(say(m, numbers["vs_three"]["five"][m], "five", "three"))
print("\nFive versus three given equal resources:")
for m in headline:
    print(say(m, numbers["five_vs_equal_resources"][m], "five", "three-equal-resources"))
print("\nWhich new actor carries the effect (each minus three):")
for r in ("three+volunteers", "three+charity"):
    for m in headline:
        print(say(m, numbers["vs_three"][r][m], r, "three"))

# %% [markdown]
# **How to read it.** A verdict "better" for five against three but "no clear difference"
# or "worse" against `three-equal-resources` means the model attributes five's advantage
# to the extra hours and money rather than to linkage as such; "better" against both
# means linkage adds something that money turned into purchased hours does not.
#
# **Limits.**
# - The intervals cover replication noise only, not uncertainty in the parameters (many
#   are assumptions); notebook 04 varies them. Notebook 03 switches on, one at a time,
#   the mechanisms that can make five not help.
# - The equal-resources regime converts volunteer hours and charity money into *purchased
#   service hours* of the social organizations; if those hours cannot mediate disputes,
#   its dispute outcomes will equal three's, and the comparison on escalation is then
#   about mediation capacity, not about linkage.
# - Escalation to court is rare (a few cases a year per community): its shares and
#   intervals are coarse, the more so at the small size.
# - Vulnerable residents are compared with the others as one group; the per-group
#   breakdown is not available from the model's summary.
