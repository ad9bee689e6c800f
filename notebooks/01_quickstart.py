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
# # 01 · Quickstart: one community, one year, five regimes
#
# **Question.** What does the simulator do, and what does one simulated year of one
# community look like under three-actor linkage (三社联动: community platform, social
# organizations, social workers), under five-actor linkage (五社联动: the same plus community
# volunteers and charity resources), and under the three ablations?
#
# This notebook runs a single replication per regime, so it shows *what the model
# produces*, not whether one regime is better: that needs many paired replications with
# intervals (notebook 02).
#
# **Size.** `SIZE = "small"` (default; what the tests run: 2,000 residents and a shorter
# horizon, 60 days) or `"full"` (about 8,000 residents, one urban community, one year).
# Set the environment variable `SIM_NOTEBOOK_SIZE=full` or edit the cell below.

# %%
import json
import os
from pathlib import Path

SIZE = os.environ.get("SIM_NOTEBOOK_SIZE", "small")   # "small" (tests) or "full" (the study)
SETTINGS = {
    "small": {"n_residents": 2000, "days": 60},
    "full": {"n_residents": 8000, "days": 365},
}[SIZE]
SEED = 20211127            # one seed, shared by every regime (common random numbers)
REPO = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "pyproject.toml").exists()),
            Path.cwd())
OUT = Path(os.environ.get("SIM_NOTEBOOK_OUT", REPO / "results" / "notebooks")) / SIZE
OUT.mkdir(parents=True, exist_ok=True)
print(f"size={SIZE} settings={SETTINGS} seed={SEED}")

# %%
import matplotlib.pyplot as plt
import pandas as pd

from sim.model import PARAM_SPECS, REGIMES, SUMMARY_METRICS, simulate

pd.set_option("display.width", 140)
pd.set_option("display.max_colwidth", 90)

# %% [markdown]
# ## 1 · The community and its parameters
#
# Every parameter has a default with a unit and a source (a published figure or the word
# "assumption"); `sim.model.PARAM_SPECS` holds them. A run takes a flat mapping of
# overrides. Resources (staff, money, dispute rates) are per 10,000 residents, so a
# smaller community keeps the same per-capita resources, but it also has fewer, lumpier
# cases: small communities give noisier shares.

# %%
show = ["n_residents", "days", "community_staff_per_10k", "social_workers_per_10k",
        "admin_share", "volunteer_registration_share", "volunteer_active_share",
        "volunteer_hours_per_month", "individual_giving_yuan_per_capita",
        "local_giving_share", "dispute_rate_per_10k", "party_leadership"]
pd.DataFrame([{"parameter": n, "value": SETTINGS.get(n, PARAM_SPECS[n].default),
               "unit": PARAM_SPECS[n].unit, "source": PARAM_SPECS[n].source}
              for n in show]).set_index("parameter")

# %% [markdown]
# ## 2 · The regimes
#
# | regime | linked actors |
# |---|---|
# | `three` | platform, social organizations, social workers |
# | `five` | the three plus volunteers and charity |
# | `three+volunteers`, `three+charity` | the three plus one of the two new actors |
# | `three-equal-resources` | the three, with the volunteer hours and charity money that five would mobilise given to the social organizations as purchased hours |
#
# The last one separates "more resources" from "better linkage". All regimes use the
# same seed, so they face the same residents, the same needs and the same disputes.

# %%
print(list(REGIMES))
results = {regime: simulate(SETTINGS, regime=regime, seed=SEED) for regime in REGIMES}

# %% [markdown]
# ## 3 · What each run reports
#
# Each run returns `summary` (one number per metric, below with its one-sentence meaning)
# and `daily` (one row per day). Shares are of cases whose fate is known: a need still
# open at the end with its deadline ahead is left out.

# %%
summary = pd.DataFrame({r: res.summary for r, res in results.items()})
summary.insert(0, "meaning", pd.Series(SUMMARY_METRICS))
with pd.option_context("display.float_format", "{:,.3f}".format):
    display(summary)  # noqa: F821 - display is a Jupyter builtin

# %% [markdown]
# ## 4 · The daily series
#
# Cumulative shares are "to date" (the unmet share on day *t* counts needs whose deadline
# has passed by *t*); the open counts are what is pending that day.

# %%
panels = [
    ("unmet_need_share", "unmet-need share (to date)"),
    ("open_needs", "open needs"),
    ("dispute_escalation_share", "disputes reaching court (share, to date)"),
    ("open_complaint", "open formal complaints"),
    ("volunteers_active", "active volunteers"),
    ("charity_held", "charity money held (yuan)"),
    ("hours_used", "hours used per day (all actors)"),
    ("donor_trust", "donor trust (five, three+charity)"),
]
first = next(iter(results.values())).daily
panels = [(column, title) for column, title in panels if column in first]   # what the model has
fig, axes = plt.subplots(-(-len(panels) // 2), 2, figsize=(11, 3 * -(-len(panels) // 2)),
                         sharex=True, squeeze=False)
for ax, (column, title) in zip(axes.flat, panels):
    for regime, res in results.items():
        ax.plot(res.daily["day"], res.daily[column], label=regime, lw=1.2)
    ax.set_title(title, fontsize=10)
for ax in list(axes.flat)[len(panels):]:
    ax.axis("off")
for ax in axes[-1]:
    ax.set_xlabel("day")
axes[0, 0].legend(fontsize=8)
fig.suptitle(f"One community of {SETTINGS['n_residents']:,} residents, seed {SEED}")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5 · Key numbers
#
# The numbers this notebook reports are written to a small JSON file, so that a rerun can
# be compared with this one (the test suite runs this notebook twice and compares).

# %%
headline = ["unmet_need_share", "dispute_escalation_share", "unmet_need_share_vulnerable",
            "court_filings_per_10k", "coordination_overhead_share", "cost_per_resolved_case"]
numbers = {"size": SIZE, "settings": SETTINGS, "seed": SEED,
           "summary": {r: {m: res.summary[m] for m in headline} for r, res in results.items()},
           "daily_rows": {r: len(res.daily) for r, res in results.items()}}
(OUT / "01_quickstart.json").write_text(json.dumps(numbers, indent=1, sort_keys=True))
table = pd.DataFrame(numbers["summary"]).T[headline]
print(table.round(4).to_string())

# %% [markdown]
# ## What the results say, and their limits
#
# The table above gives, for this one seed, each regime's unmet-need share and the share
# of disputes reaching court. The cell below states, from those numbers, which regime did
# best on each and how five compares with three and with three given equal resources.
#
# **Limits.** One replication is an anecdote: the order of the regimes can change with
# the seed, especially for dispute escalation, which rests on a handful of court cases
# in a small community. Notebook 02 repeats the comparison with paired replications and
# 95% intervals; notebook 03 switches on the mechanisms that can make five not help;
# notebook 04 asks which assumptions matter most. Every default is either a cited figure
# or an assumption (see `docs/parameters.md`), so these numbers describe the model, not
# any real community.

# %%
def compare_one_run(col, a, b):
    d = col[a] - col[b]
    if d == 0:
        return f"{a} - {b} = 0 (equal in this run)"
    return f"{a} - {b} = {d:+.3f} ({a} {'lower' if d < 0 else 'higher'} in this run)"


for metric in ("unmet_need_share", "dispute_escalation_share"):
    col = table[metric]
    lowest = list(col.index[col == col.min()])
    who = f"{lowest[0]!r}" if len(lowest) == 1 else \
        f"a tie between {', '.join(map(repr, lowest))}"
    print(f"{metric}: lowest under {who} ({col.min():.3f}); "
          f"{compare_one_run(col, 'five', 'three')}; "
          f"{compare_one_run(col, 'five', 'three-equal-resources')}. One run each: no verdict.")
