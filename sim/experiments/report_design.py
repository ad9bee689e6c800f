"""The report's section on how a regime's difference from the baseline varies over the
design: for grids, heatmaps of the paired difference over two parameters, interaction
plots and a type-II ANOVA of the difference on the grid factors; for sampled designs
(LHS, Sobol, Morris), an OLS of the difference on the parameters with HC3 errors.

The unit is the pair (cell, replicate): the difference regime - baseline of runs that share
a seed. With shared seeds (the default), a replicate has the same seed in every cell, so
the ANOVA treats replicates as blocks.
"""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis
from .render import Block, fmt, slug

MAX_FACETS = 6          # heatmap panels for the combinations of a third (fourth...) factor
VERDICT_MARK = {analysis.VERDICT_BETTER: "better", analysis.VERDICT_WORSE: "worse",
                analysis.VERDICT_UNCLEAR: "no clear diff.", analysis.VERDICT_FEW_EVENTS: "few events",
                analysis.VERDICT_NOT_JUDGED: "", analysis.VERDICT_NO_DATA: "no data"}


def key_metrics(metrics: list[str]) -> list[str]:
    """The metrics a design section shows: the headline ones analysed, else the first three."""
    from sim.model import headline_metrics

    return [m for m in headline_metrics() if m in metrics] or list(metrics)[:3]


def grid_parameters(design: pd.DataFrame) -> list[str]:
    """Varied parameters in the experiment file's order (design.parquet keeps it)."""
    return [c[len("param_"):] for c in design.columns if c.startswith("param_")]


def design_section(res, spec: dict, metrics: list[str], out: Path) -> tuple[list[Block],
                                                                           pd.DataFrame]:
    """Blocks of the section, and its tables as one frame (for design_effects.csv)."""
    method = spec["design"]["method"]
    a = spec["analysis"]
    baseline = a["baseline"]
    regimes = [r for r in spec["regimes"] if r != baseline]
    shown = key_metrics(metrics)
    blocked = spec.get("seeds", "per-scenario") == "shared"
    if not regimes or not shown:
        return [], pd.DataFrame()
    if method == "grid":
        return _grid(res, spec, baseline, regimes, shown, blocked, out)
    if method in ("lhs", "sobol", "morris"):
        return _sampled(res, spec, baseline, regimes, shown, blocked)
    return [], pd.DataFrame()


# ---------------------------------------------------------------- grids


def _grid(res, spec, baseline, regimes, shown, blocked, out) -> tuple[list[Block], pd.DataFrame]:
    a = spec["analysis"]
    params = grid_parameters(res.design)
    level = round(a["confidence"] * 100)
    cells = analysis.paired_differences(res.runs, shown, baseline, regimes=regimes,
                                        confidence=a["confidence"],
                                        correction=a.get("correction", "holm"))
    cells = cells.join(res.design.set_index("scenario")[[f"param_{p}" for p in params]],
                       on="scenario")
    blocks = [Block("h2", f"The difference over the design: each regime minus {baseline}"),
              Block("p", f"Grid of {len(res.design)} cells over {', '.join(params)}. A cell's "
                         f"value is the mean over replicates of the paired difference regime - "
                         f"{baseline}; heatmaps mark each cell with its verdict. Interaction "
                         f"plots: mean with {level}% {analysis.INTERVAL_METHOD}s over "
                         f"replicates; lines that are not parallel show an interaction. ANOVA: "
                         f"type II, on the difference per (cell, replicate), grid parameters as "
                         f"factors (C()) with their two-way interactions"
                         + (", replicates as blocks (they share seeds across cells)."
                            if blocked else ".") + " Tables: design_effects.csv."),
              Block("p", "Cell verdicts: " + analysis.method_note(
                  cells, a["confidence"], a.get("correction", "holm")).replace(
                  "this table", "this section (cells x metrics x regimes)"))]
    tables = []
    for regime in regimes:
        for metric in shown:
            title = f"{regime} - {baseline}: {metric}"
            blocks.append(Block("h3", title))
            sub = cells[(cells["regime"] == regime) & (cells["metric"] == metric)]
            frame = analysis.difference_frame(res.runs, metric, baseline, regime, params)
            reason = _nothing_to_fit(res.runs, frame, metric, baseline, regime)
            if reason:
                blocks.append(Block("p", reason))
                continue
            name = f"{slug(regime)}_{slug(metric)}"
            if len(params) >= 2:
                blocks.append(Block("figure", heatmap(sub, params, title,
                                                      out / "figures" / f"heatmap_{name}.png")))
                blocks.append(Block("figure", interaction_plot(
                    frame, params, title, a["confidence"],
                    out / "figures" / f"interaction_{name}.png")))
            table, formula = analysis.difference_anova(frame, params, block=blocked)
            blocks += [Block("p", f"ANOVA of the difference: {formula}"), Block("table", table)]
            tables.append(table.assign(regime=regime, metric=metric, model=formula))
    return blocks, pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def _nothing_to_fit(runs, frame: pd.DataFrame, metric: str, baseline: str,
                   regime: str) -> str | None:
    """Why the difference cannot be analysed over the design, or None if it can."""
    if frame.empty:
        return "No pairs with values in both regimes."
    if frame["diff"].nunique() < 2:
        return (f"The difference is {fmt(frame['diff'].iloc[0])} in every pair: nothing "
                f"varies over the design.")
    count, minimum = analysis.events_rule(metric)
    if count and count in runs:
        ok = analysis.ok_runs(runs)
        events = {r: ok.loc[ok["regime"] == r, count].sum() for r in (baseline, regime)}
        if min(events.values()) < minimum:
            return (f"Too few events: {count} totals {fmt(events[baseline])} under {baseline} "
                    f"and {fmt(events[regime])} under {regime} over the whole design (the "
                    f"catalogue asks for at least {minimum} each).")
    return None


def heatmap(cells: pd.DataFrame, params: list[str], title: str, path: Path) -> Path:
    """Mean difference over the first two grid parameters, one panel per combination of
    the others (averaged over them above MAX_FACETS combinations), marked with verdicts."""
    import matplotlib.pyplot as plt

    p1, p2, others = params[0], params[1], params[2:]
    cols = {p: f"param_{p}" for p in params}
    facets = [()] if not others else \
        list(itertools.product(*[_levels(cells[cols[o]]) for o in others]))
    averaged = len(facets) > MAX_FACETS
    if averaged:
        facets = [()]
    rows_lv, cols_lv = _levels(cells[cols[p1]]), _levels(cells[cols[p2]])
    vmax = float(np.nanmax(np.abs(cells["diff"]))) if cells["diff"].notna().any() else 1.0
    vmax = vmax or 1.0
    n = len(facets)
    fig, axes = plt.subplots(1, n, figsize=(1.1 * len(cols_lv) * n + 2.5,
                                            0.8 * len(rows_lv) + 2.2), squeeze=False)
    for ax, facet in zip(axes[0], facets):
        sub = cells
        if facet and not averaged:
            for o, v in zip(others, facet):
                sub = sub[sub[cols[o]] == v]
        grid = sub.groupby([cols[p1], cols[p2]])["diff"].mean()
        marks = sub.groupby([cols[p1], cols[p2]])["verdict"].first() if not averaged else None
        values = np.array([[grid.get((r, c), np.nan) for c in cols_lv] for r in rows_lv])
        image = ax.imshow(values, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
        for i, r in enumerate(rows_lv):
            for j, c in enumerate(cols_lv):
                text = fmt(values[i, j])
                if marks is not None and (r, c) in marks.index:
                    text += "\n" + VERDICT_MARK.get(marks[(r, c)], "")
                dark = np.isfinite(values[i, j]) and abs(values[i, j]) > 0.6 * vmax
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
        ax.set_xticks(range(len(cols_lv)), [fmt(v) for v in cols_lv], fontsize=7)
        ax.set_yticks(range(len(rows_lv)), [fmt(v) for v in rows_lv], fontsize=7)
        ax.set_xlabel(_wrap(p2, 30), fontsize=8)
        ax.set_ylabel(_wrap(p1, 30), fontsize=8)
        if facet:
            ax.set_title(_wrap(", ".join(f"{o}={fmt(v)}" for o, v in zip(others, facet)), 34),
                         fontsize=7)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8).set_label("mean difference",
                                                                   fontsize=8)
    note = f" (mean over {', '.join(others)})" if averaged else ""
    fig.suptitle(_wrap(title + note, 20 * n + 40), fontsize=9)
    return _save(fig, path)


def interaction_plot(frame: pd.DataFrame, params: list[str], title: str, confidence: float,
                     path: Path) -> Path:
    """Mean difference against the first parameter, one line per level of the second,
    with paired t-intervals over replicates (other parameters averaged per replicate)."""
    import matplotlib.pyplot as plt

    p1, p2 = params[0], params[1]
    per_rep = frame.groupby([p1, p2, "rep"])["diff"].mean().reset_index()
    x_levels = _levels(frame[p1])
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for k, (value, sub) in enumerate(per_rep.groupby(p2, sort=True)):
        means, lows, highs = [], [], []
        for x in x_levels:
            ti = analysis.t_interval(sub.loc[sub[p1] == x, "diff"].to_numpy(float), confidence)
            means.append(ti["diff"])
            lows.append(ti["diff"] - ti["ci_low"])
            highs.append(ti["ci_high"] - ti["diff"])
        xs = np.arange(len(x_levels)) + (k - 1) * 0.04      # small dodge: bars stay readable
        ax.errorbar(xs, means, yerr=[np.nan_to_num(lows), np.nan_to_num(highs)], marker="o",
                    ms=4, capsize=2, label=f"{_wrap(p2, 25)} = {fmt(value)}")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(x_levels)), [fmt(v) for v in x_levels], fontsize=8)
    ax.set_xlabel(_wrap(p1, 50), fontsize=8)
    ax.set_ylabel("mean paired difference", fontsize=8)
    others = f"; averaged over {', '.join(params[2:])}" if len(params) > 2 else ""
    ax.set_title(_wrap(f"{title} ({round(confidence * 100)}% paired t-intervals{others})", 60),
                 fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)


# ---------------------------------------------------------------- sampled designs


def _sampled(res, spec, baseline, regimes, shown, blocked) -> tuple[list[Block], pd.DataFrame]:
    names = [c[2:] for c in res.design.columns if c.startswith("x_")]
    bounds = {n: spec["design"]["parameters"][n] for n in names}
    x = res.design.set_index("scenario")[[f"x_{n}" for n in names]].rename(
        columns=lambda c: c[2:])
    blocks = [Block("h2", f"The difference over the design: each regime minus {baseline}"),
              Block("p", "OLS of the paired difference per (scenario, replicate) on the "
                         "sampled parameters, each rescaled to [0, 1] over its sampled range "
                         "(a coefficient is the change in the difference from the low to the "
                         "high end of that range), with HC3 heteroskedasticity-robust standard "
                         "errors and 95% intervals"
                         + ("; replicates as blocks (they share seeds across scenarios)."
                            if blocked else ".") + " A linear screen: it misses "
                         "non-monotone effects (see the sensitivity indices).")]
    tables = []
    for regime in regimes:
        for metric in shown:
            frame = analysis.difference_frame(res.runs, metric, baseline, regime, [])
            frame = frame.join(x, on="scenario")
            blocks.append(Block("h3", f"{regime} - {baseline}: {metric}"))
            if len(frame) <= len(names) + 1 or frame["diff"].nunique() < 2:
                blocks.append(Block("p", "Too few pairs, or no variation, to fit."))
                continue
            table, formula = analysis.difference_regression(frame, bounds, block=blocked)
            blocks += [Block("p", f"Model: {formula}"), Block("table", table)]
            tables.append(table.assign(regime=regime, metric=metric, model=formula))
    return blocks, pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


# ---------------------------------------------------------------- helpers


def _levels(values: pd.Series) -> list:
    return sorted(pd.unique(values.dropna()), key=lambda v: (str(type(v)), v))


def _wrap(text: str, width: int) -> str:
    return textwrap.fill(str(text), width=width, break_on_hyphens=False,
                         break_long_words=True)


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
