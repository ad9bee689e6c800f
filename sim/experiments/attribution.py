"""Why five differs: the attribution ladder from three- to five-actor linkage.

Five minus three is split, on the same paired seeds, into steps a reader can follow. Each
step is a regime (a rung) run on every seed, and a step's contribution is the paired
difference between consecutive rungs:

1. ``three``: three-actor linkage;
2. ``three-equal-resources``: + five's realised resources, through the purchase channel;
3. ``three-equal-resources-unrestricted``: + the same money without its restrictions;
4. ``three-equal-resources-matched``: + five's way of matching them to needs (volunteers
   and charity serve and pay by five's rules; no linkage);
5. + each linkage mechanism (``sim.model.regimes.LINKAGE``: the gains, then the costs);
6. ``five``: five-actor linkage.

The matched control keeping every mechanism is five itself, so steps 4 to 6 walk from the
matched control to five. Their order matters (a mechanism can matter only when another is
on), so each mechanism's step is its **Shapley value**: its marginal contribution averaged
over orderings of the mechanisms, each ordering a chain of matched controls keeping more
and more of them. Orderings are sampled (antithetic pairs: an ordering and its reverse),
the same for every seed; for each seed the mechanisms' contributions sum to five minus the
matched control exactly, so all steps sum to five minus three exactly, by construction.
Beside it, each mechanism's **one-at-a-time** contribution (the matched control keeping
that mechanism alone, minus the matched control) says what it does on its own.

Intervals are paired t-intervals across seeds (unadjusted, 95% by default): a step whose
interval includes zero is not distinguished from no effect at this number of seeds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import LINKAGE, LINKAGE_GAINS, MATCHED_NAME, METRICS, matched_name

from .analysis import ok_runs, t_interval

# The rungs below the mechanisms: (regime, what the step to it adds).
BASE_RUNGS = (
    ("three", "three-actor linkage"),
    ("three-equal-resources", "+ five's resources, through the purchase channel"),
    ("three-equal-resources-unrestricted", "+ the same resources without restrictions"),
    (MATCHED_NAME, "+ five's way of matching them to needs (matched control)"),
)
FIVE = "five"
DEFAULT_ORDERINGS = 4

# What the ladder is read on: the outcomes overall, by need type, and of disputes.
LADDER_METRICS = ("unmet_need_share", "unmet_need_share_vulnerable",
                  *(m for m in METRICS if m.startswith("unmet_share_")),
                  "complaints_per_10k", "court_filings_per_10k", "cost_per_resolved_case")


@dataclass(frozen=True)
class Step:
    """One step of the ladder: what it adds, and its kind."""

    name: str        # a rung's regime, or a linkage mechanism
    label: str
    kind: str        # "resources" | "matching" | "gain" | "cost"


def steps() -> list[Step]:
    """The steps of the ladder, in reading order."""
    out = [Step("three-equal-resources", BASE_RUNGS[1][1], "resources"),
           Step("three-equal-resources-unrestricted", BASE_RUNGS[2][1], "resources"),
           Step(MATCHED_NAME, BASE_RUNGS[3][1], "matching")]
    for mechanism in LINKAGE:
        kind = "gain" if mechanism in LINKAGE_GAINS else "cost"
        out.append(Step(mechanism, f"+ {mechanism.replace('_', ' ')} ({kind})", kind))
    return out


def orderings(count: int = DEFAULT_ORDERINGS, seed: int = 0) -> list[tuple[str, ...]]:
    """``count`` orderings of the linkage mechanisms: random ones and their reverses."""
    if count < 1:
        raise ValueError("at least one ordering")
    rng = np.random.default_rng(seed)
    out: list[tuple[str, ...]] = []
    while len(out) < count:
        order = tuple(LINKAGE[i] for i in rng.permutation(len(LINKAGE)))
        out += [order, order[::-1]]
    return out[:count]


def _coalition(kept) -> str:
    """The rung of a set of kept mechanisms (none: the matched control; all: five)."""
    kept = set(kept)
    if not kept:
        return MATCHED_NAME
    return FIVE if kept == set(LINKAGE) else matched_name(kept)


def ladder_regimes(chains: list[tuple[str, ...]]) -> list[str]:
    """Every regime the ladder needs: the base rungs, the matched control keeping each
    mechanism alone, each ordering's chain of kept mechanisms, and five."""
    regimes = [regime for regime, _ in BASE_RUNGS]
    regimes += [_coalition([m]) for m in LINKAGE]
    for chain in chains:
        regimes += [_coalition(chain[:k]) for k in range(1, len(chain))]
    regimes.append(FIVE)
    return list(dict.fromkeys(regimes))


def per_seed_steps(runs: pd.DataFrame, metric: str, chains: list[tuple[str, ...]]
                   ) -> pd.DataFrame:
    """Each step's contribution to ``metric`` per seed (rows: rep; columns: step names,
    ``alone:<mechanism>`` for one-at-a-time contributions, and ``total`` = five - three)."""
    # dropna=False: a regime whose runs all lack the metric (no resolved case in a tiny
    # community has no cost per case) is still there, and its seeds drop out below.
    wide = ok_runs(runs).pivot_table(index="rep", columns="regime", values=metric,
                                     aggfunc="first", dropna=False)
    missing = [r for r in ladder_regimes(chains) if r not in wide]
    if missing:
        raise ValueError(f"the ladder needs runs of {', '.join(missing[:3])}")
    wide = wide.dropna()
    out = pd.DataFrame(index=wide.index)
    rungs = [regime for regime, _ in BASE_RUNGS]
    for lower, upper in itertools.pairwise(rungs):
        out[upper] = wide[upper] - wide[lower]
    for mechanism in LINKAGE:
        marginal = []
        for chain in chains:
            k = chain.index(mechanism)
            marginal.append(wide[_coalition(chain[:k + 1])] - wide[_coalition(chain[:k])])
        out[mechanism] = sum(marginal) / len(marginal)
        out[f"alone:{mechanism}"] = wide[_coalition([mechanism])] - wide[MATCHED_NAME]
    out["total"] = wide[FIVE] - wide["three"]
    return out


def ladder_table(runs: pd.DataFrame, chains: list[tuple[str, ...]],
                 metrics=LADDER_METRICS, confidence: float = 0.95) -> pd.DataFrame:
    """The ladder in long form: one row per metric and step (and the total), with the mean
    contribution, its interval, the one-at-a-time contribution of a mechanism, and
    ``sum_error``: the largest difference, over seeds, between the steps' sum and five
    minus three (zero up to rounding, by construction)."""
    rows = []
    for metric in [m for m in metrics if m in runs]:
        seeds = per_seed_steps(runs, metric, chains)
        names = [s.name for s in steps()]
        error = float((seeds[names].sum(axis=1) - seeds["total"]).abs().max())
        for step in [*steps(), Step("total", "five - three", "total")]:
            row = {"metric": metric, "step": step.name, "label": step.label,
                   "kind": step.kind, "n": len(seeds),
                   **_interval(seeds[step.name], confidence)}
            alone = f"alone:{step.name}"
            if alone in seeds:
                one = _interval(seeds[alone], confidence)
                row.update(alone=one["mean"], alone_low=one["ci_low"],
                           alone_high=one["ci_high"])
            rows.append({**row, "sum_error": error, "orderings": len(chains)})
    return pd.DataFrame(rows)


def _interval(values: pd.Series, confidence: float) -> dict[str, float]:
    found = t_interval(values.to_numpy(float), confidence)
    return {"mean": found["diff"], "ci_low": found["ci_low"], "ci_high": found["ci_high"]}


def includes_zero(row) -> bool:
    return not (row["ci_low"] > 0 or row["ci_high"] < 0)


def summary_sentences(table: pd.DataFrame, metric: str = "unmet_need_share") -> list[str]:
    """The ladder's reading for one metric, in sentences computed from the table."""
    part = table[table["metric"] == metric].set_index("step")
    if part.empty:
        return []
    total = part.loc["total"]
    unit = METRICS[metric].unit if metric in METRICS else ""
    words = [(f"Five minus three on {metric} ({unit}): {_fmt(total)}"
              f"{' (the interval includes 0)' if includes_zero(total) else ''}, "
              f"{int(total['n'])} paired seeds.")]
    groups = [("five's resources (purchase channel, then unrestricted)",
               ["three-equal-resources", "three-equal-resources-unrestricted"]),
              ("five's way of matching them to needs", [MATCHED_NAME]),
              ("linkage gains", [m for m in LINKAGE if m in LINKAGE_GAINS]),
              ("linkage costs", [m for m in LINKAGE if m not in LINKAGE_GAINS])]
    shares = []
    for label, names in groups:
        value = float(part.loc[names, "mean"].sum())
        share = value / total["mean"] if total["mean"] else math.nan
        shares.append(f"{label} {value:+.4g}"
                      + (f" ({share:.0%} of it)" if math.isfinite(share) else ""))
    words.append("Of it: " + "; ".join(shares) + ".")
    clear = [s for s in part.index if s != "total" and not includes_zero(part.loc[s])]
    if clear:
        biggest = sorted(clear, key=lambda s: -abs(part.loc[s, "mean"]))[:3]
        words.append("Steps whose interval excludes 0, largest first: "
                     + "; ".join(f"{part.loc[s, 'label']} {_fmt(part.loc[s])}"
                                 for s in biggest) + ".")
    else:
        words.append("No single step's interval excludes 0 at this number of seeds.")
    return words


def _fmt(row) -> str:
    return f"{row['mean']:+.4g} [{row['ci_low']:+.4g}, {row['ci_high']:+.4g}]"


def ladder_markdown(table: pd.DataFrame, confidence: float = 0.95) -> str:
    """The ladder as Markdown: the reading, the headline metric's steps with one-at-a-time
    contributions, and every step by need type and on disputes."""
    pct = round(confidence * 100)
    chains = int(table["orderings"].iloc[0]) if len(table) else 0
    lines = ["# Why does five differ? The attribution ladder", "",
             *summary_sentences(table), "",
             (f"Each step is a paired difference across seeds, with its {pct}% paired "
              f"t-interval (unadjusted). Mechanism steps are Shapley values over {chains} "
              "orderings; 'alone' is the mechanism kept by itself in the matched control. "
              f"The steps sum to five minus three within {table['sum_error'].max():.1e} "
              "(by construction)."), ""]
    head = table[table["metric"] == "unmet_need_share"]
    if len(head):
        lines += ["## Unmet need share", "",
                  "| step | contribution | alone |", "|---|---|---|"]
        for row in head.to_dict("records"):
            alone = "" if pd.isna(row.get("alone")) else \
                f"{row['alone']:+.4f} [{row['alone_low']:+.4f}, {row['alone_high']:+.4f}]"
            lines.append(f"| {row['label']} | {row['mean']:+.4f} "
                         f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}] | {alone} |")
    metrics = list(dict.fromkeys(table["metric"]))
    lines += ["", "## Every step by need type and on disputes", "",
              "| step | " + " | ".join(metrics) + " |", "|---|" + "---|" * len(metrics)]
    for _step, part in table.groupby("step", sort=False):
        by_metric = part.set_index("metric")
        cells = ["n/a" if by_metric.loc[m, "n"] == 0 else f"{by_metric.loc[m, 'mean']:+.3g}"
                 + ("" if includes_zero(by_metric.loc[m]) else "*") for m in metrics]
        lines.append(f"| {part['label'].iloc[0]} | " + " | ".join(cells) + " |")
    lines += ["", f"`*`: the {pct}% interval excludes 0 (intervals in ladder.csv)."]
    empty = sorted(set(table.loc[table["n"] == 0, "metric"]))
    if empty:
        lines.append(f"n/a: no seed has a value at every rung ({', '.join(empty)}: e.g. "
                     "no case resolved, so no cost per case).")
    return "\n".join(lines) + "\n"
