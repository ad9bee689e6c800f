"""Figures drawn from stored results (daily tables), never from a live model.

Axis labels and titles come from the catalogues (:mod:`sim.labels`): what a metric, a
parameter or a daily series is, with its unit; never a code name.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed on servers and in CI
import matplotlib.pyplot as plt
import pandas as pd

from sim import io
from sim.labels import metric_label, metric_unit, param_label, series_label, wrap

COLOURS = {"three": "tab:blue", "five": "tab:orange", "three+volunteers": "tab:green",
           "three+charity": "tab:purple", "three-equal-resources": "tab:grey",
           "three-equal-resources-unrestricted": "tab:brown"}

PANELS = ("unmet_need_share", "dispute_escalation_share")


def tidy_panels(axes, used: int, legend_size: float = 7) -> None:
    """A grid of panels of which the first ``used`` are drawn: blank the rest, put the
    legend (the same in every panel) on the first only, and give x tick labels back to a
    drawn panel whose neighbour below is blank (shared x axes show them on the bottom row
    only, which would leave that panel without any)."""
    flat = list(axes.flat)
    for ax in flat[used:]:
        ax.axis("off")
    rows, cols = axes.shape
    for i, ax in enumerate(flat[:used]):
        below = i + cols
        if rows > 1 and below < len(flat) and below >= used:
            ax.xaxis.set_tick_params(which="both", labelbottom=True)
    flat[0].legend(fontsize=legend_size)


def grid_margins(fig, axes, title: str, xlabel: str, ylabel: str | None = None, *,
                 left: float = 0.55, right: float = 0.15, bottom: float = 0.6,
                 top: float = 0.95, wgap: float = 0.55, hgap: float = 0.62) -> None:
    """Lay out a grid of panels with margins and gaps in inches, the figure's title at the
    top edge and its axis labels at the bottom and left edges. For grids of many panels, in
    place of ``tight_layout``: that measures every tick label before the figure is drawn
    again, which took 2.5-3 s of a 28-panel figure's 6.5 s; room fixed for short tick labels
    and panel titles of up to two lines (three with ``hgap`` 0.75) fits them as well."""
    width, height = fig.get_size_inches()
    rows, cols = axes.shape
    panel_w = (width - left - right - (cols - 1) * wgap) / cols
    panel_h = (height - bottom - top - (rows - 1) * hgap) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wgap / panel_w, hspace=hgap / panel_h)
    fig.suptitle(title, fontsize=9, y=1 - 0.12 / height, verticalalignment="top")
    fig.supxlabel(xlabel, fontsize=8, y=0.08 / height, verticalalignment="bottom")
    if ylabel is not None:
        fig.supylabel(ylabel, fontsize=8, x=0.08 / width, horizontalalignment="left")


def compare_figure(daily: pd.DataFrame, path: Path, regimes: list[str] | None = None) -> Path:
    """Mean over replicates with a 10-90% band, per regime, for the headline series the
    daily table has (the two above; else the first headline metric it has)."""
    from sim.model import headline_metrics

    columns = [c for c in PANELS if c in daily] or \
        [m for m in headline_metrics() if m in daily][:2]
    fig, axes = plt.subplots(1, len(columns), figsize=(5.5 * len(columns), 4),
                             constrained_layout=True, squeeze=False)
    axes = axes[0]
    for ax, column in zip(axes, columns, strict=True):
        for regime in regimes or list(dict.fromkeys(daily["regime"])):
            by_day = daily[daily["regime"] == regime].groupby("day")[column]
            mean, low, high = by_day.mean(), by_day.quantile(0.1), by_day.quantile(0.9)
            colour = COLOURS.get(regime)
            line, = ax.plot(mean.index, mean.values, color=colour, label=regime)
            ax.fill_between(mean.index, low.values, high.values, color=line.get_color(),
                            alpha=0.2)
        ax.set_ylabel(wrap(f"{series_label(column, unit=False)} ({_series_unit(column)})",
                           45), fontsize=8)
        ax.set_xlabel("Day of the measured period (days)", fontsize=8)
        if (daily[column].dropna() >= 0).all():    # a share or a count: no negative axis
            top = ax.get_ylim()[1]
            ax.set_ylim(-0.02 * top, top)
        ax.grid(alpha=0.3)
    reps = daily["rep"].nunique() if "rep" in daily else 1
    axes[0].legend(title=f"{reps} replicates (band 10-90%)", fontsize=8, title_fontsize=8)
    fig.suptitle(f"{' and '.join(regimes or list(dict.fromkeys(daily['regime'])))}: mean over "
                 f"replicates by day, with the 10-90% band", fontsize=10)
    io.atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return Path(path)


def _series_unit(column: str) -> str:
    from sim.labels import DAILY_SERIES

    return DAILY_SERIES[column][1] if column in DAILY_SERIES else metric_unit(column)


def waterfall_figure(table: pd.DataFrame, path: Path,
                     metrics: tuple[str, ...] = ("unmet_need_share", "complaints_per_10k")
                     ) -> Path:
    """The attribution ladder as a waterfall per metric, read top to bottom: from three (0)
    each step's mean contribution is a bar starting where the previous one ended, with its
    interval; the last bar is five - three. Resources, matching, linkage gains and costs
    are coloured apart."""
    metrics = tuple(m for m in metrics if m in set(table["metric"]))
    colours = {"resources": "#1f5fa8", "matching": "#6a3d9a", "gain": "#1b6e20",
               "cost": "#b3261e", "total": "#a84d00"}
    steps = table[table["metric"] == metrics[0]]
    height = 1.2 + 0.38 * len(steps)
    fig, axes = plt.subplots(1, len(metrics), figsize=(6.2 * len(metrics) + 3.2, height),
                             constrained_layout=True, squeeze=False, sharey=True)
    for ax, metric in zip(axes[0], metrics, strict=True):
        part = table[table["metric"] == metric].reset_index(drop=True)
        level = 0.0
        for i, row in part.iterrows():
            start = 0.0 if row["kind"] == "total" else level
            ax.barh(i, row["mean"], left=start, color=colours[row["kind"]], height=0.7)
            end = start + row["mean"]
            ax.errorbar(end, i, xerr=[[row["mean"] - row["ci_low"]],
                                      [row["ci_high"] - row["mean"]]],
                        color="black", capsize=3, linewidth=1)
            if row["kind"] != "total":
                level = end
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(part)))
        ax.set_yticklabels([wrap(t, 40) for t in part["label"]], fontsize=8)
        if not part["mean"].abs().gt(0).any():
            ax.text(0.5, 0.5, "no step changes it in these runs", transform=ax.transAxes,
                    ha="center", fontsize=8, color="#444")
        ax.set_xlabel(wrap(f"Change in {metric_label(metric, unit=False).lower()} "
                           f"({metric_unit(metric)})", 60), fontsize=8)
        ax.set_title(wrap(f"{metric_label(metric, unit=False)}: five minus three, step by "
                          "step", 55), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].invert_yaxis()          # the first step on top (the axes share y: once)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    axes[0][-1].legend(handles, ["five's resources", "five's matching rule", "linkage gain",
                                 "linkage cost", "five - three"], fontsize=7,
                       loc="lower right", title="error bars: 95% paired\nt-intervals, unadjusted",
                       title_fontsize=7)
    io.atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return Path(path)


def break_even_figure(curves: pd.DataFrame, table: pd.DataFrame, path: Path) -> Path:
    """Small multiples, one panel per swept assumption: five minus each comparison (mean
    and interval band) against the assumption's value, zero marked, the default marked
    (dashed), and each break-even point with its bootstrap interval."""
    parameters = list(dict.fromkeys(curves["parameter"]))
    cols = min(4, len(parameters))
    rows = -(-len(parameters) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows),
                             constrained_layout=True, squeeze=False)
    styles = {}
    for ax, parameter in zip(axes.flat, parameters, strict=False):
        for comparison, part in curves[curves["parameter"] == parameter].groupby(
                "comparison", sort=False):
            part = part.sort_values("level")
            colour = styles.setdefault(comparison, f"C{len(styles)}")
            ax.plot(part["level"], part["mean"], "o-", color=colour, label=comparison,
                    markersize=3)
            ax.fill_between(part["level"], part["ci_low"], part["ci_high"], color=colour,
                            alpha=0.2)
            row = table[(table["parameter"] == parameter)
                        & (table["comparison"] == comparison)]
            if len(row) and pd.notna(row["break_even"].iloc[0]):
                r = row.iloc[0]
                low = r["break_even"] - r["ci_low"] if pd.notna(r["ci_low"]) else 0.0
                high = r["ci_high"] - r["break_even"] if pd.notna(r["ci_high"]) else 0.0
                ax.errorbar(r["break_even"], 0, xerr=[[low], [high]], fmt="D", color=colour,
                            capsize=3, markersize=5)
        default = table.loc[table["parameter"] == parameter, "default"]
        if len(default) and pd.notna(default.iloc[0]):
            ax.axvline(default.iloc[0], color="grey", linestyle="--", linewidth=1)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel(wrap(param_label(parameter), 40), fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    metric = curves["metric"].iloc[0]
    for ax in axes[:, 0]:
        ax.set_ylabel(wrap(f"Difference in {metric_label(metric, unit=False).lower()} "
                           f"({metric_unit(metric)})", 40), fontsize=8)
    tidy_panels(axes, len(parameters))
    fig.suptitle(wrap(f"Where five's difference in {metric_label(metric, unit=False).lower()} "
                      "changes sign (band: 95% paired t-interval, unadjusted; dashed: "
                      "default; diamond: break-even with its bootstrap interval)", 110),
                 fontsize=9)
    io.atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return Path(path)
