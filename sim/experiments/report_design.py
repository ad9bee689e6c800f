"""The report's section on how a regime's difference from the baseline varies over the
design: for grids, heatmaps of the paired difference over two parameters, interaction
plots and a type-II ANOVA of the difference on the grid factors; for sampled designs
(LHS, Sobol, Morris), an OLS of the difference on the parameters with HC3 errors.

The unit is the pair (cell, replicate): the difference regime - baseline of runs that share
a seed. With shared seeds (the default), a replicate has the same seed in every cell, so
the ANOVA treats replicates as blocks.

A cell's verdict and adjusted interval come from the report's one table of judged
comparisons (``report.comparisons``): the heatmap, the interaction plot (when each point is
a cell) and the differences table say the same thing about the same cell.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from sim.labels import metric_label, metric_unit, param_label, wrap

from . import analysis
from .render import Block, fmt, slug
from .tables import Table

MAX_FACETS = 6          # heatmap panels for the combinations of a third (fourth...) factor
VERDICT_MARK = {analysis.VERDICT_BETTER: "better", analysis.VERDICT_WORSE: "worse",
                analysis.VERDICT_UNCLEAR: "no clear diff.",
                analysis.VERDICT_FEW_EVENTS: "few events",
                analysis.VERDICT_NOT_JUDGED: "", analysis.VERDICT_NO_DATA: "no data"}


def key_metrics(metrics: list[str], primary=()) -> list[str]:
    """The metrics a design section shows: the declared primary outcomes, else the headline
    ones analysed, else the first three."""
    from sim.model import headline_metrics

    return [m for m in primary if m in metrics] or \
        [m for m in headline_metrics() if m in metrics] or list(metrics)[:3]


def grid_parameters(design: pd.DataFrame) -> list[str]:
    """Varied parameters in the experiment file's order (design.parquet keeps it)."""
    return [c[len("param_"):] for c in design.columns if c.startswith("param_")]


def design_section(res, spec: dict, s, cells: pd.DataFrame, fig: Path, tag: str = ""
                   ) -> tuple[list[Block], pd.DataFrame]:
    """Blocks of the section, and its tables as one frame (for design_effects.csv).
    ``s``: the report's settings; ``cells``: the judged per-scenario comparisons."""
    method = spec["design"]["method"]
    baseline = s.baseline
    regimes = [r for r in spec["regimes"] if r != baseline]
    shown = s.key_metrics()
    blocked = spec.get("seeds", "per-scenario") == "shared"
    if not regimes or not shown:
        return [], pd.DataFrame()
    if method == "grid":
        return _grid(res, s, baseline, regimes, shown, blocked, cells, fig, tag)
    if method in ("lhs", "sobol", "morris"):
        return _sampled(res, spec, s, baseline, regimes, shown, blocked, tag)
    return [], pd.DataFrame()


# ---------------------------------------------------------------- grids


def _grid(res, s, baseline, regimes, shown, blocked, cells, fig, tag
          ) -> tuple[list[Block], pd.DataFrame]:
    params = grid_parameters(res.design)
    cells = cells[cells["metric"].isin(shown) & cells["regime"].isin(regimes)]
    cells = cells.join(res.design.set_index("scenario")[[f"param_{p}" for p in params]],
                       on="scenario")
    names = analysis.CORRECTION_NAMES.get(s.correction, s.correction)
    blocks = [Block("h2", f"The difference over the design: each regime minus {baseline}"),
              Block("p", f"Grid of {len(res.design)} cells over "
                         f"{'; '.join(param_label(p) for p in params)}. A cell's value is the "
                         f"mean over replicates of the paired difference regime - {baseline}; "
                         f"heatmaps mark each cell with its verdict ({names} within its family, "
                         f"the same verdict as in the differences table). Interaction plots: "
                         f"mean difference per cell with the cell's adjusted interval (thick) "
                         f"and its unadjusted {s.level}% {analysis.INTERVAL_METHOD} (thin); "
                         f"averaged over further grid parameters a point is no cell, has no "
                         f"verdict and shows the unadjusted interval only. Lines that are not "
                         f"parallel show an interaction. ANOVA: type II, on the difference per "
                         f"(cell, replicate), grid parameters as factors (C()) with their "
                         f"two-way interactions"
                         + (", replicates as blocks (they share seeds across cells)."
                            if blocked else ".") + " Tables: design_effects.csv.")]
    tables = []
    for regime in regimes:
        for metric in shown:
            title = f"{regime} - {baseline}: {metric_label(metric, s.catalogue, unit=False)}"
            blocks.append(Block("h3", title))
            sub = cells[(cells["regime"] == regime) & (cells["metric"] == metric)]
            frame = analysis.difference_frame(res.runs, metric, baseline, regime, params)
            reason = _nothing_to_fit(res.runs, frame, metric, baseline, regime, s.catalogue)
            if reason:
                blocks.append(Block("p", reason))
                continue
            name = f"{slug(regime)}_{slug(metric)}"
            unit = metric_unit(metric, s.catalogue)
            if len(params) >= 2:
                blocks.append(Block("figure", heatmap(sub, params, title, unit,
                                                      fig / f"heatmap_{name}.png"),
                                    caption=f"Heatmap: {title}"))
                blocks.append(Block("figure", interaction_plot(
                    frame, params, title, unit, s, sub, fig / f"interaction_{name}.png"),
                    caption=f"Interaction plot: {title}"))
            table, formula = analysis.difference_anova(frame, params, block=blocked)
            shown_table = table.assign(term=[_term_label(t) for t in table["term"]])
            blocks += [Block("p", f"ANOVA of the difference: {formula}"),
                       Block("table", Table(f"anova_{name}{tag}", shown_table,
                                            caption=f"Type-II ANOVA of {title}",
                                            kinds={"df": "int", "p_value": "p", "F": "ratio"}))]
            tables.append(table.assign(regime=regime, metric=metric, model=formula))
    return blocks, pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def _term_label(term: str) -> str:
    """An ANOVA term with parameter names in words ("a:b" for interactions)."""
    if term in ("Residual", "replicate (block)"):
        return term
    return " x ".join(param_label(p, unit=False) for p in term.split(":"))


def _nothing_to_fit(runs, frame: pd.DataFrame, metric: str, baseline: str,
                   regime: str, catalogue=None) -> str | None:
    """Why the difference cannot be analysed over the design, or None if it can."""
    if frame.empty:
        return "No pairs with values in both regimes."
    if frame["diff"].nunique() < 2:
        return (f"The difference is {fmt(frame['diff'].iloc[0])} in every pair: nothing "
                f"varies over the design.")
    count, minimum = analysis.events_rule(metric, catalogue)
    if count and count in runs:
        ok = analysis.ok_runs(runs)
        events = {r: ok.loc[ok["regime"] == r, count].sum() for r in (baseline, regime)}
        if min(events.values()) < minimum:
            return (f"Too few events: {count} totals {fmt(events[baseline])} under {baseline} "
                    f"and {fmt(events[regime])} under {regime} over the whole design (the "
                    f"catalogue asks for at least {minimum} each).")
    return None


def heatmap(cells: pd.DataFrame, params: list[str], title: str, unit: str, path: Path) -> Path:
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
    fig, axes = plt.subplots(1, n, figsize=(1.3 * len(cols_lv) * n + 3.2,
                                            0.85 * len(rows_lv) + 2.6), squeeze=False)
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
                text = fmt(values[i, j]) or "no data"
                if marks is not None and (r, c) in marks.index:
                    text += "\n" + VERDICT_MARK.get(marks[(r, c)], "")
                dark = np.isfinite(values[i, j]) and abs(values[i, j]) > 0.6 * vmax
                ax.text(j, i, text.strip(), ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
        # every panel gets its own tick labels and axis labels (facets differ)
        ax.set_xticks(range(len(cols_lv)), [fmt(v) for v in cols_lv], fontsize=7)
        ax.set_yticks(range(len(rows_lv)), [fmt(v) for v in rows_lv], fontsize=7)
        ax.set_xlabel(wrap(param_label(p2), 30), fontsize=8)
        ax.set_ylabel(wrap(param_label(p1), 30), fontsize=8)
        if facet:
            ax.set_title(wrap(", ".join(f"{param_label(o, unit=False)} = {fmt(v)}"
                                        for o, v in zip(others, facet)), 34), fontsize=7)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8).set_label(
        wrap(f"Mean difference ({unit})", 30), fontsize=8)
    note = (f" (mean over {', '.join(param_label(o, unit=False) for o in others)}; no "
            "verdicts)") if averaged else ""
    fig.suptitle(wrap(title + note, 20 * n + 50), fontsize=9)
    return _save(fig, path)


def interaction_plot(frame: pd.DataFrame, params: list[str], title: str, unit: str, s,
                     cells: pd.DataFrame, path: Path) -> Path:
    """Mean difference against the first parameter, one line per level of the second.
    With two grid parameters each point is a cell: its adjusted interval (thick, from the
    judged ``cells``) and its unadjusted one (thin); a filled marker is a verdict of
    better or worse. With more, points average over the others: unadjusted only."""
    import matplotlib.pyplot as plt

    p1, p2 = params[0], params[1]
    per_rep = frame.groupby([p1, p2, "rep"])["diff"].mean().reset_index()
    x_levels = _levels(frame[p1])
    is_cell = len(params) == 2
    keyed = cells.set_index([f"param_{p1}", f"param_{p2}"]) if is_cell else None
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k, (value, sub) in enumerate(per_rep.groupby(p2, sort=True)):
        xs = np.arange(len(x_levels)) + (k - 1) * 0.06      # small dodge: bars stay readable
        colour = f"C{k}"
        means = []
        for x, xpos in zip(x_levels, xs):
            ti = analysis.t_interval(sub.loc[sub[p1] == x, "diff"].to_numpy(float),
                                     s.confidence)
            means.append(ti["diff"])
            ax.vlines(xpos, ti["ci_low"], ti["ci_high"], color=colour, lw=0.8)
            if keyed is not None and (x, value) in keyed.index:
                cell = keyed.loc[(x, value)]
                cell = cell.iloc[0] if isinstance(cell, pd.DataFrame) else cell
                ax.vlines(xpos, cell["ci_adj_low"], cell["ci_adj_high"], color=colour, lw=3,
                          alpha=0.5)
                decided = cell["verdict"] in (analysis.VERDICT_BETTER, analysis.VERDICT_WORSE)
                ax.scatter([xpos], [ti["diff"]], s=22, zorder=3, color=colour if decided
                           else "white", edgecolor=colour)
        ax.plot(xs, means, color=colour, marker="" if is_cell else "o", ms=4,
                label=f"{param_label(p2, unit=False)} = {fmt(value)}")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(x_levels)), [fmt(v) for v in x_levels], fontsize=8)
    ax.set_xlabel(wrap(param_label(p1), 60), fontsize=8)
    ax.set_ylabel(wrap(f"Mean paired difference ({unit})", 40), fontsize=8)
    others = "; averaged over " + ", ".join(param_label(p, unit=False) for p in params[2:]) \
        if len(params) > 2 else ""
    kind = (f"thick: adjusted interval ({analysis.CORRECTION_NAMES.get(s.correction)}), thin: "
            f"{s.level}% unadjusted; filled: better or worse") if is_cell else \
        f"{s.level}% unadjusted intervals, no verdicts"
    ax.set_title(wrap(f"{title} ({kind}{others})", 75), fontsize=8.5)
    ax.legend(fontsize=7)
    return _save(fig, path)


# ---------------------------------------------------------------- sampled designs


def _sampled(res, spec, s, baseline, regimes, shown, blocked, tag
             ) -> tuple[list[Block], pd.DataFrame]:
    names = [c[2:] for c in res.design.columns if c.startswith("x_")]
    bounds = {n: spec["design"]["parameters"][n] for n in names}
    x = res.design.set_index("scenario")[[f"x_{n}" for n in names]].rename(
        columns=lambda c: c[2:])
    blocks = [Block("h2", f"The difference over the design: each regime minus {baseline}"),
              Block("p", "OLS of the paired difference per (scenario, replicate) on the "
                         "sampled parameters, each rescaled to [0, 1] over its sampled range "
                         "(a coefficient is the change in the difference from the low to the "
                         "high end of that range), with HC3 heteroskedasticity-robust standard "
                         "errors and 95% intervals (unadjusted; no verdicts)"
                         + ("; replicates as blocks (they share seeds across scenarios)."
                            if blocked else ".") + " A linear screen: it misses "
                         "non-monotone effects (see the sensitivity indices).")]
    tables = []
    for regime in regimes:
        for metric in shown:
            frame = analysis.difference_frame(res.runs, metric, baseline, regime, [])
            frame = frame.join(x, on="scenario")
            title = f"{regime} - {baseline}: {metric_label(metric, s.catalogue, unit=False)}"
            blocks.append(Block("h3", title))
            if len(frame) <= len(names) + 1 or frame["diff"].nunique() < 2:
                blocks.append(Block("p", "Too few pairs, or no variation, to fit."))
                continue
            table, formula = analysis.difference_regression(frame, bounds, block=blocked)
            shown_table = table.copy()
            shown_table["term"] = [param_label(t, unit=False) if t != "Intercept" else t
                                   for t in table["term"]]
            blocks += [Block("p", f"Model: {formula}"),
                       Block("table", Table(f"regression_{slug(regime)}_{slug(metric)}{tag}",
                                            shown_table,
                                            caption=f"OLS of {title} on the sampled "
                                                    "parameters ("
                                                    f"{metric_unit(metric, s.catalogue)}"
                                                    " per sampled range)",
                                            kinds={"p_value": "p"}))]
            tables.append(table.assign(regime=regime, metric=metric, model=formula))
    return blocks, pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


# ---------------------------------------------------------------- helpers


def _levels(values: pd.Series) -> list:
    return sorted(pd.unique(values.dropna()), key=lambda v: (str(type(v)), v))


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
