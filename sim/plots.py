"""Figures drawn from stored results (daily tables), never from a live model."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed on servers and in CI
import matplotlib.pyplot as plt
import pandas as pd

from sim import io

COLOURS = {"three": "tab:blue", "five": "tab:orange", "three+volunteers": "tab:green",
           "three+charity": "tab:purple", "three-equal-resources": "tab:grey",
           "three-equal-resources-unrestricted": "tab:brown"}

PANELS = ("unmet_need_share", "dispute_escalation_share")


def tidy_panels(axes, used: int, legend_size: float = 7) -> None:
    """A grid of panels of which the first ``used`` are drawn: blank the rest, and put the
    legend (the same in every panel) on the first only."""
    for ax in list(axes.flat)[used:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=legend_size)


def compare_figure(daily: pd.DataFrame, path: Path, regimes: list[str] | None = None) -> Path:
    """Mean over replicates with a 10-90% band, per regime, for the headline series the
    daily table has (the two above; else the first headline metric it has)."""
    from sim.model import METRICS, headline_metrics

    columns = [c for c in PANELS if c in daily] or \
        [m for m in headline_metrics() if m in daily][:2]
    # Titles say what the series is (the catalogue's definition), wrapped to fit.
    panels = [(c, textwrap.fill(f"{c}: {METRICS[c].definition if c in METRICS else c}, "
                                f"to date", 55)) for c in columns]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4),
                             constrained_layout=True, squeeze=False)
    axes = axes[0]
    for ax, (column, title) in zip(axes, panels, strict=True):
        for regime in regimes or list(dict.fromkeys(daily["regime"])):
            by_day = daily[daily["regime"] == regime].groupby("day")[column]
            mean, low, high = by_day.mean(), by_day.quantile(0.1), by_day.quantile(0.9)
            colour = COLOURS.get(regime)
            line, = ax.plot(mean.index, mean.values, color=colour, label=regime)
            ax.fill_between(mean.index, low.values, high.values, color=line.get_color(),
                            alpha=0.2)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    reps = daily["rep"].nunique() if "rep" in daily else 1
    axes[0].legend(title=f"{reps} replicates (band 10-90%)")
    io.atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return Path(path)
