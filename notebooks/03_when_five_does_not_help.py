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
# # 03 · When does five-actor linkage not help?
#
# **Question.** Adding volunteers and charity can backfire: coordination costs grow with
# the number of linked actor types (3 pairwise channels become 10), everyone expects
# someone else to act, government cuts its purchase budget when donations appear
# (crowd-out), volunteers burn out, donors tire or lose trust after a scandal, untrained
# volunteers make late-stage disputes worse, staff drown in paperwork, and one person is
# counted in several roles. Which of these mechanisms, and at what strength, erases five's
# advantage over three, or turns it around?
#
# **Method.** One experiment through `sim.experiments` with explicit rows: a reference row
# with *every* negative mechanism switched off, then each mechanism switched on alone at
# increasing strength (its model default, a strong value, an extreme value), then all of
# them together at their defaults and at the strong values. Every row and regime of a
# replicate runs on the same seed (the experiments' shared seed rule), so the paired
# difference five − three is paired within a row *and* across rows: how much a mechanism
# changes five's advantage is itself a paired difference, with its own interval.
#
# **Size.** `SIZE = "small"` (default, for the tests: 1,000 residents, 30 days, 2
# replications) or `"full"` (8,000 residents, two years so that crowd-out acts on two
# contract renewals, 20 replications). Set `SIM_NOTEBOOK_SIZE=full`.

# %%
import json
import os
import shutil
from pathlib import Path

SIZE = os.environ.get("SIM_NOTEBOOK_SIZE", "small")   # "small" (tests) or "full" (the study)
SETTINGS = {
    "small": {"n_residents": 1000, "days": 30, "replications": 2},
    "full": {"n_residents": 8000, "days": 730, "replications": 20},
}[SIZE]
ROOT_SEED = 20211128
REPO = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "pyproject.toml").exists()),
            Path.cwd())
OUT = Path(os.environ.get("SIM_NOTEBOOK_OUT", REPO / "results" / "notebooks")) / SIZE
REUSE = os.environ.get("SIM_NOTEBOOK_REUSE", "0") == "1"   # 1: keep stored runs (resume)
WORKERS = int(os.environ.get("SIM_NOTEBOOK_WORKERS", "0")) or None   # None: every core
SCHEDULER = os.environ.get("SIM_DASK_SCHEDULER") or None   # a Dask cluster, if one is given
OUT.mkdir(parents=True, exist_ok=True)
print(f"size={SIZE} settings={SETTINGS} root_seed={ROOT_SEED}")

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiments import load_experiment, load_results, paired_differences, run_experiment
from sim.experiments.analysis import describe_difference, judge, method_note, t_interval
from sim.model import METRICS, NEGATIVE_MECHANISMS, PARAM_SPECS, headline_metrics

pd.set_option("display.width", 160)

# %% [markdown]
# ## 1 · The mechanisms and their strengths
#
# `sim.model.NEGATIVE_MECHANISMS` names each mechanism and the parameter whose value 0
# switches it off. The ladder of strengths below starts at the model default; "strong"
# is a high but plausible value, "extreme" a stress test near the top of what is
# meaningful. Every mechanism the model lists must have a ladder (the cell checks it, so a
# mechanism added to the model cannot be silently left out).

# %%
LADDERS = {   # mechanism -> strengths (default, strong, extreme)
    "coordination_cost": [1.875, 4.0, 10.0],    # platform hours per channel per week per 10k
    "responsibility_diffusion": [0.1, 0.3, 0.8],
    "crowd_out": [0.3, 0.75, 1.0],              # yuan of budget cut per yuan donated
    "volunteer_burnout": [0.03, 0.1, 0.3],      # motivation lost per hour worked
    "donor_fatigue": [0.2, 0.5, 0.9],           # response lost per campaign
    "trust_shocks": [0.1, 1.0, 4.0],            # scandals per year
    "volunteer_backfire": [0.15, 0.4, 0.8],     # chance a volunteer escalates a complaint
    "admin_overload": [0.03, 0.1, 0.3],         # admin share per extra actor type
    "role_overlap": [0.1, 0.5, 0.9],            # volunteer hours that are not extra time
}
LEVEL_NAMES = ["default", "strong", "extreme"]
assert set(LADDERS) == set(NEGATIVE_MECHANISMS), set(LADDERS) ^ set(NEGATIVE_MECHANISMS)
for mech, ladder in LADDERS.items():
    assert ladder[0] == PARAM_SPECS[NEGATIVE_MECHANISMS[mech]].default, mech

pd.DataFrame([{"mechanism": m, "parameter": NEGATIVE_MECHANISMS[m],
               "unit": PARAM_SPECS[NEGATIVE_MECHANISMS[m]].unit,
               **dict(zip(LEVEL_NAMES, LADDERS[m])),
               "source": PARAM_SPECS[NEGATIVE_MECHANISMS[m]].source} for m in LADDERS]
             ).set_index("mechanism")

# %% [markdown]
# Note on timing: crowd-out cuts the *next* purchase contract by the donations received
# during the current one, so it cannot act before the first renewal. The run starts
# `contract_elapsed_days` into a contract, so the first renewal comes
# `contract_length_days + contract_gap_days - contract_elapsed_days` after the start. The
# paired design shows it directly: a mechanism that never acts within the horizon leaves
# every run identical to the reference row's.

# %%
timing = ("contract_length_days", "contract_gap_days", "contract_elapsed_days")
if all(name in PARAM_SPECS for name in timing):
    length, gap, elapsed = (PARAM_SPECS[name].default for name in timing)
    first_cut = length + gap - elapsed
    CROWD_OUT_CAN_ACT = SETTINGS["days"] > first_cut
    print(f"first contract that crowd-out can cut starts on day {first_cut}; horizon here: "
          f"{SETTINGS['days']} days -> crowd-out "
          f"{'can act' if CROWD_OUT_CAN_ACT else 'cannot act at this size'}")
else:
    CROWD_OUT_CAN_ACT = None
    print("the model has no contract timing parameters: see the paired rows below")

# %% [markdown]
# ## 2 · The experiment
#
# Rows design: `[fixed]` switches every mechanism off; each row sets one (or all) again.

# %%
HEADLINE = headline_metrics()


def toml_value(v):
    return repr(float(v))


rows = [{"label": "none", "mechanism": "none", "level": "off", "strength": 0.0, "set": {}}]
for mech, ladder in LADDERS.items():
    for level, value in zip(LEVEL_NAMES, ladder):
        rows.append({"label": f"{mech}@{level}", "mechanism": mech, "level": level,
                     "strength": value, "set": {NEGATIVE_MECHANISMS[mech]: value}})
for i, level in enumerate(LEVEL_NAMES[:2]):
    rows.append({"label": f"all@{level}", "mechanism": "all", "level": level,
                 "strength": np.nan,
                 "set": {NEGATIVE_MECHANISMS[m]: LADDERS[m][i] for m in LADDERS}})
row_info = pd.DataFrame(rows).set_index("label")

lines = ["[experiment]",
         f'name = "nb03_mechanisms_{SIZE}"',
         'regimes = ["three", "five"]',
         f"replications = {SETTINGS['replications']}",
         f"days = {SETTINGS['days']}",
         f"root_seed = {ROOT_SEED}",
         "", "[fixed]", f"n_residents = {SETTINGS['n_residents']}"]
lines += [f"{p} = 0.0" for p in NEGATIVE_MECHANISMS.values()]
lines += ["", "[design]", 'method = "rows"']
for r in rows:
    lines += ["", "[[design.rows]]", f'label = "{r["label"]}"']
    lines += [f"{p} = {toml_value(v)}" for p, v in r["set"].items()]
lines += ["", "[analysis]", 'baseline = "three"', 'baseline_row = "none"',
          f"metrics = {json.dumps(HEADLINE)}"]
spec_path = OUT / "03_when_five_does_not_help.toml"
spec_path.write_text("\n".join(lines) + "\n")
experiment = load_experiment(spec_path)
print(f"{len(experiment.scenarios)} rows x {experiment.replications} replications x "
      f"2 regimes = {experiment.n_runs} runs")

# %%
results_dir = OUT / "03_when_five_does_not_help"
if results_dir.exists() and not REUSE:
    shutil.rmtree(results_dir)
sweep = run_experiment(experiment, results_dir, workers=WORKERS, scheduler=SCHEDULER,
                       progress=False)
print(f"executed {sweep.executed} runs ({sweep.already_done} already stored), "
      f"{sweep.failed} failed, in {sweep.seconds:.1f} s")
res = load_results(results_dir)
runs = res.runs
assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", ["run_key", "error"]]
# Rows are paired with each other only if they share seeds (the default rule).
PAIRED_ROWS = res.manifest["experiment"].get("seeds") == "shared" and \
    runs.groupby("rep")["seed"].nunique().eq(1).all()
print(f"rows paired across scenarios: {PAIRED_ROWS}")

# %% [markdown]
# ## 3 · Five − three, row by row
#
# Paired difference five − three per row (mean over replications, 95% paired
# t-interval, unadjusted), with the verdict from the metric catalogue's direction after
# the Bonferroni correction across all rows × headline metrics (`ci_adj_low`,
# `ci_adj_high`: the adjusted interval that agrees with it). Negative is good for five on every
# headline outcome whose direction is "lower".

# %%
diffs = paired_differences(runs, HEADLINE, baseline="three", regimes=["five"])
print(method_note(diffs))
diffs = diffs.join(row_info, on="label")
table = diffs.pivot(index="label", columns="metric",
                    values=["diff", "ci_adj_low", "ci_adj_high", "verdict"]).swaplevel(axis=1)
table = table[[(m, k) for m in HEADLINE
               for k in ("diff", "ci_adj_low", "ci_adj_high", "verdict")]]
with pd.option_context("display.float_format", "{:+.4f}".format):
    display(table.loc[row_info.index])  # noqa: F821

# %% [markdown]
# ## 4 · How much each mechanism changes five's advantage
#
# Because a replicate has the same seed in every row, the change in five's advantage
# between a row and the reference row ("none") is paired too: per replicate,
# (five − three in the row) − (five − three with everything off). Its mean, 95% paired
# t-interval and verdict (Bonferroni across rows × metrics) say whether switching the
# mechanism on clearly moves the advantage, and which way. A change that is exactly zero
# in every replicate means the mechanism did not act at all within the horizon.

# %%
def change_from_reference(runs, diffs, metrics):
    """Per row and metric: the paired change of five − three against the reference row.
    Its events are the fewer of the row's and the reference's (a verdict needs both)."""
    wide = runs.pivot_table(index=["label", "rep"], columns="regime", values=metrics)
    events = diffs.set_index(["label", "metric"])[["events_baseline", "events_regime"]]
    rows = []
    for metric in metrics:
        advantage = (wide[(metric, "five")] - wide[(metric, "three")]).unstack("label")
        for label in advantage.columns.drop("none"):
            d = (advantage[label] - advantage["none"]).dropna().to_numpy(float)
            counts = events.loc[[(label, metric), ("none", metric)]].min()
            found = t_interval(d)
            rows.append({"label": label, "metric": metric, "regime": "five",
                         "direction": METRICS[metric].direction, "n": len(d),
                         **{k: v for k, v in found.items() if k != "sd"},
                         "se": found["sd"] / np.sqrt(len(d)) if len(d) > 1 else np.nan,
                         "identical": bool(len(d) and np.all(d == 0)),
                         "better_in": int((METRICS[metric].sign * d > 0).sum()),
                         **counts.to_dict()})
    return judge(pd.DataFrame(rows))


if PAIRED_ROWS:
    changes = change_from_reference(runs, diffs, HEADLINE).join(row_info, on="label")
    with pd.option_context("display.float_format", "{:+.4f}".format):
        display(changes.pivot(index="label", columns="metric",  # noqa: F821
                              values=["diff", "verdict"]).loc[row_info.index.drop("none")])
else:
    changes = pd.DataFrame()
    print("The rows do not share seeds, so changes between rows are not paired: no claims "
          "about them are made below.")

# %% [markdown]
# ## 5 · The advantage as each mechanism grows
#
# Each panel: one mechanism, its strength on the x axis (0 = switched off, the reference
# row), the paired difference five − three with its 95% interval. Above the dashed zero
# line five is worse than three on a lower-is-better outcome.

# %%
reference = diffs[diffs["label"] == "none"].set_index("metric")
for metric in HEADLINE:
    cols = 3
    fig, axes = plt.subplots(-(-len(LADDERS) // cols), cols, figsize=(12, 9), squeeze=False)
    for ax, mech in zip(axes.flat, LADDERS):
        d = diffs[(diffs["mechanism"] == mech) & (diffs["metric"] == metric)]
        d = d.sort_values("strength")
        x = np.r_[0.0, d["strength"]]
        y = np.r_[reference.loc[metric, "diff"], d["diff"]]
        lo = np.r_[reference.loc[metric, "ci_low"], d["ci_low"]]
        hi = np.r_[reference.loc[metric, "ci_high"], d["ci_high"]]
        ax.plot(x, y, "o-", color="tab:orange")
        ax.fill_between(x, lo, hi, color="tab:orange", alpha=0.25)
        ax.axhline(0, color="black", lw=0.8, ls="--")
        ax.set_title(mech, fontsize=10)
        ax.set_xlabel(NEGATIVE_MECHANISMS[mech], fontsize=8)
    for ax in list(axes.flat)[len(LADDERS):]:
        ax.axis("off")
    fig.suptitle(f"five − three in {metric} ({METRICS[metric].direction} is better)")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## 6 · Where the advantage disappears or reverses
#
# For each mechanism and outcome: the verdict with everything off, then the weakest
# strength at which five is no longer clearly better *and* the change from the reference
# row is clearly for the worse ("erased"), and the weakest at which five is clearly worse
# ("reversed"). A row that is merely "no clear difference" while its change from the
# reference is not clear either is noise, not an erased advantage, and is not listed.
# "-" means not within the ladder; "did not act" that on this outcome every replicate of
# every strength equals the reference row.

# %%
def first_level(d):
    d = d.sort_values("strength")
    return "-" if d.empty else f"{d['level'].iloc[0]} ({d['strength'].iloc[0]:g})"


summary_rows = []
for mech in LADDERS:
    for metric in HEADLINE:
        d = diffs[(diffs["mechanism"] == mech) & (diffs["metric"] == metric)]
        c = changes[(changes["mechanism"] == mech) & (changes["metric"] == metric)] \
            if PAIRED_ROWS else pd.DataFrame(columns=["label", "verdict", "identical"])
        worse_change = set(c.loc[c["verdict"] == "worse", "label"])
        ref_verdict = reference.loc[metric, "verdict"]
        summary_rows.append({
            "mechanism": mech, "metric": metric, "all off": ref_verdict,
            "did not act": bool(PAIRED_ROWS and len(c) and c["identical"].all()),
            "erased at": first_level(d[(d["verdict"] != "better")
                                       & d["label"].isin(worse_change)])
            if ref_verdict == "better" else "n/a (no advantage when off)",
            "reversed at": first_level(d[d["verdict"] == "worse"]),
            "diff at extreme": float(d.loc[d["level"] == "extreme", "diff"].iloc[0]),
        })
turning = pd.DataFrame(summary_rows).set_index(["mechanism", "metric"])
display(turning)  # noqa: F821 - display is a Jupyter builtin

# %% [markdown]
# ## 7 · Key numbers

# %%
def entry(table, label, metric):
    r = table[(table["label"] == label) & (table["metric"] == metric)].iloc[0]
    return {k: (float(r[k]) if isinstance(r[k], (int, float, np.floating)) else str(r[k]))
            for k in ("diff", "ci_low", "ci_high", "p_adjusted", "verdict")}


numbers = {
    "size": SIZE, "settings": SETTINGS, "root_seed": ROOT_SEED, "n_runs": len(runs),
    "paired_rows": bool(PAIRED_ROWS),
    "five_minus_three": {label: {m: entry(diffs, label, m) for m in HEADLINE}
                         for label in row_info.index},
    "change_from_reference": {label: {m: entry(changes, label, m) for m in HEADLINE}
                              for label in row_info.index.drop("none")} if PAIRED_ROWS else {},
    "turning_points": {f"{m}|{metric}": {k: (v if isinstance(v, (str, bool)) else float(v))
                                         for k, v in r.items()}
                       for (m, metric), r in turning.to_dict("index").items()},
}
(OUT / "03_when_five_does_not_help.json").write_text(json.dumps(numbers, indent=1,
                                                                sort_keys=True, default=str))
print(f"wrote {OUT / '03_when_five_does_not_help.json'}")

# %% [markdown]
# ## What the results say, and their limits
#
# Computed from the tables above (so it holds at whichever size was run and whatever the
# model does):

# %%
print(f"Size {SIZE}: {SETTINGS['n_residents']:,} residents, {SETTINGS['days']} days, "
      f"{SETTINGS['replications']} paired replications per row; rows paired with each "
      f"other: {'yes' if PAIRED_ROWS else 'no'}.\n")
for metric in HEADLINE:
    ref = reference.loc[metric]
    print("With every mechanism off: " + describe_difference(ref.to_dict() | {"metric": metric},
                                                             "three"))
    sub = turning.xs(metric, level="metric")
    if ref["verdict"] != "better":
        print("  five is not clearly better even with every mechanism off, so no mechanism "
              "is needed to erase an advantage on this outcome.")
    else:
        erased = sub[~sub["erased at"].isin(["-", "n/a (no advantage when off)"])]
        print(f"  advantage erased (no longer better, and clearly worse than with all off) "
              "under: "
              f"{', '.join(f'{m} from {v}' for m, v in erased['erased at'].items()) or 'none'}")
    reversed_ = sub[sub["reversed at"] != "-"]
    print(f"  five clearly worse than three under: "
          f"{', '.join(f'{m} from {v}' for m, v in reversed_['reversed at'].items()) or 'none'}")
    idle = list(sub.index[sub["did not act"]])
    if idle:
        print(f"  identical to the reference row in every replicate on this outcome (at "
              f"every strength; it did not change within {SETTINGS['days']} days): "
              f"{', '.join(idle)}")
    if PAIRED_ROWS:
        moved = changes[(changes["metric"] == metric) & changes["verdict"].isin(
            ["better", "worse"])]
        for r in moved.itertuples():
            print(f"  {r.label}: switching it on makes five − three {r.diff:+.4g} "
                  f"(95% CI {r.ci_low:+.4g} to {r.ci_high:+.4g}; {r.verdict} for five)")
    for label in ("all@default", "all@strong"):
        r = diffs[(diffs["label"] == label) & (diffs["metric"] == metric)].iloc[0]
        print(f"  {label}: " + describe_difference(r, "three"))
    print()

# %% [markdown]
# **How to read it.** A mechanism listed as erasing the advantage at its *default*
# strength matters already in the model's baseline; one listed only at "extreme" needs
# implausibly strong effects. Mechanisms never listed do not erase five's advantage within
# the ladder, which is a statement about this model's structure, not a finding about real
# communities.
#
# **Limits.**
# - One mechanism at a time misses interactions, except through the two "all" rows;
#   notebook 04 varies all strengths together, and `sim discover` on
#   `experiments/where_five_fails.toml` looks for the region where five fails.
# - "Erased" and "reversed" depend on the number of replications: with few replications
#   intervals are wide and few verdicts are clear. The small size is for testing only.
# - A mechanism that needs time to act (crowd-out acts only from the first contract
#   renewal) is identical to the reference row at short horizons; the cell in section 1
#   and the "did not act" column say so.
# - Outcomes that rest on few events (court filings) get "too few events" instead of a
#   verdict.
