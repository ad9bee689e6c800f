"""Figures drawn from stored results (daily tables), never from a live model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed on servers and in CI
import matplotlib.pyplot as plt
import pandas as pd

from sim import io

COLOURS = {"three": "tab:blue", "five": "tab:orange", "three+volunteers": "tab:green",
           "three+charity": "tab:purple", "three-equal-resources": "tab:grey"}

PANELS = [("unmet_need_share", "Unmet-need share (cumulative)"),
          ("dispute_escalation_share", "Dispute escalation share (reached court, cumulative)")]


def compare_figure(daily: pd.DataFrame, path: Path) -> Path:
    """Mean over replicates with a 10-90% band, per regime, for the two headline series."""
    fig, axes = plt.subplots(1, len(PANELS), figsize=(11, 4), constrained_layout=True)
    for ax, (column, title) in zip(axes, PANELS, strict=True):
        for regime, group in daily.groupby("regime", sort=False):
            by_day = group.groupby("day")[column]
            mean, low, high = by_day.mean(), by_day.quantile(0.1), by_day.quantile(0.9)
            colour = COLOURS.get(regime)
            ax.plot(mean.index, mean.values, color=colour, label=regime)
            ax.fill_between(mean.index, low.values, high.values, color=colour, alpha=0.2)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    reps = daily["rep"].nunique() if "rep" in daily else 1
    axes[0].legend(title=f"{reps} replicates (band 10-90%)")
    io.atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return Path(path)
