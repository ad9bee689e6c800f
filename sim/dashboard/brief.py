"""A one-page brief to take to a superior: PDF or PNG, in the page's language.

One A4 page drawn with matplotlib: what was compared (preset, seed, size, day, how many
runs), the parameters that differ from the model's defaults, the headline cards (with 95%
intervals when N pairs were run), the two charts, the model version and the date. Chinese
needs a CJK font on the server: ``fonts-wqy-microhei`` (installed by ``setup.sh``) or any
Noto Sans CJK; ``SIM_CJK_FONT`` may point at a font file instead. Without one the Chinese
brief is refused with ``FontMissing`` rather than drawn with empty boxes.
"""

from __future__ import annotations

import datetime
import io
import os
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import PercentFormatter

from sim.dashboard import cards as cardlib
from sim.dashboard.colours import CONTROL_DASHES, MUTED_TEXT, regime_colour
from sim.dashboard.export import model_version, preset_slug
from sim.dashboard.i18n import metric_title, paren, regime_name, sep, t
from sim.dashboard.presets import changed_from_defaults

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC")
CHART_COLUMNS = ("unmet_need_share", "dispute_escalation_share")
_render_lock = threading.Lock()  # matplotlib's rcParams are process-wide


class FontMissing(RuntimeError):
    """No Chinese font is installed on the server."""


@dataclass(frozen=True)
class BriefContent:
    """Everything the brief shows, already decided (the drawing only lays it out)."""

    lang: str
    preset: str
    seed: int
    residents: int
    day: int
    days: int
    regimes: tuple[str, ...]
    changed: dict[str, tuple[object, object]]  # parameter -> (value, default)
    cards: list[cardlib.Card]
    series: dict[str, pd.DataFrame]  # regime -> daily frame (one run) ...
    pairs: int  # 1, or N when the cards and series come from N pairs
    band: dict[str, pd.DataFrame] | None  # regime -> day, mean, low, high per column (N pairs)
    date: str
    version: str


def content(
    runs, snapshot, pairs_result, lang: str, today: datetime.date | None = None
) -> BriefContent:
    """What the brief says about the current runs (and the N pairs, if they match them)."""
    regimes = runs.settings.regimes
    params = runs.params()
    if pairs_result is not None:
        cards = cardlib.pairs_cards(pairs_result.runs, pairs_result.tables)
        band, pairs = pairs_band(pairs_result.daily), pairs_result.reps
    else:
        cards = cardlib.run_cards(snapshot.summary, regimes)
        band, pairs = None, 1
    return BriefContent(
        lang=lang,
        preset=runs.settings.preset,
        seed=runs.seed,
        residents=int(params["n_residents"]),
        day=snapshot.today,
        days=int(params["days"]),
        regimes=regimes,
        changed=changed_from_defaults(params),
        cards=cards,
        series=snapshot.frames,
        pairs=pairs,
        band=band,
        date=(today or datetime.date.today()).isoformat(),
        version=model_version(),
    )


def pairs_band(daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per regime and day: mean and 10-90% range over the pairs of each charted column."""
    out = {}
    for regime, frame in daily.groupby("regime"):
        grouped = frame.groupby("day")[list(CHART_COLUMNS)]
        out[regime] = pd.concat(
            {"mean": grouped.mean(), "low": grouped.quantile(0.1), "high": grouped.quantile(0.9)},
            axis=1,
        )
    return out


def cjk_font() -> FontProperties:
    """A font with Chinese glyphs, or FontMissing naming the package to install."""
    override = os.environ.get("SIM_CJK_FONT")
    if override:
        if not Path(override).is_file():
            raise FontMissing(f"SIM_CJK_FONT={override[:80]} is not a font file")
        font_manager.fontManager.addfont(override)
        return FontProperties(fname=override)
    available = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in available:
            return FontProperties(family=family)
    raise FontMissing(
        "no Chinese font found; install fonts-wqy-microhei (apt-get install fonts-wqy-microhei)"
    )


def render(brief: BriefContent, fmt: str) -> bytes:
    """The brief as ``fmt`` ("pdf" or "png") bytes."""
    font = cjk_font() if brief.lang == "zh" else FontProperties(family="DejaVu Sans")
    with _render_lock, matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}):
        figure = _draw(brief, font)
        buffer = io.BytesIO()
        title = t("brief_title", brief.lang)
        if fmt == "pdf":
            metadata = {
                "Title": title,
                "Subject": _setup_line(brief),
                "Creator": f"sim {brief.version}",
            }
            figure.savefig(buffer, format="pdf", metadata=metadata)
        else:
            metadata = {
                "Title": title,
                "Description": _setup_line(brief),
                "Software": f"sim {brief.version}",
            }
            figure.savefig(buffer, format="png", dpi=150, metadata=metadata)
    return buffer.getvalue()


def file_name(brief: BriefContent, fmt: str) -> str:
    return f"brief_{preset_slug(brief.preset)}_seed{brief.seed}_day{brief.day}_{brief.lang}.{fmt}"


# --- layout ------------------------------------------------------------------------------


def _wrap(text: str, width: int, lang: str) -> list[str]:
    """Lines of at most ``width`` Latin characters; a Chinese character counts as two and
    Chinese text may break between any two characters."""
    if lang != "zh":
        return textwrap.wrap(text, width=width) or [""]
    lines, line, used = [], "", 0
    for char in text:
        size = 2 if ord(char) > 0x2E80 else 1
        if used + size > width:
            lines.append(line)
            line, used = "", 0
        line, used = line + char, used + size
    return [*lines, line]


def _setup_line(brief: BriefContent) -> str:
    lang = brief.lang
    runs = (
        t("brief_runs_pairs", lang, n=brief.pairs) if brief.pairs > 1 else t("brief_runs_one", lang)
    )
    return t(
        "brief_setup",
        lang,
        preset=t(brief.preset, lang),
        seed=brief.seed,
        residents=f"{brief.residents:,}",
        day=brief.day,
        days=brief.days,
        runs=runs,
    )


def _draw(brief: BriefContent, font: FontProperties) -> Figure:
    lang = brief.lang
    fig = Figure(figsize=(8.27, 11.69))  # A4 portrait
    y = 0.965

    def text(line, size=9.0, weight="normal", x=0.06, colour="black", dy=None):
        nonlocal y
        weight = "normal" if lang == "zh" else weight  # the Chinese font has no bold face
        fig.text(
            x, y, line, fontproperties=font, fontsize=size, weight=weight, color=colour, va="top"
        )
        y -= dy if dy is not None else size / 11.69 / 72 * 1.45

    text(t("brief_title", lang), size=16, weight="bold")
    text(t("brief_generated", lang, date=brief.date, version=brief.version), colour=MUTED_TEXT)
    for line in _wrap(_setup_line(brief), 110, lang):
        text(line)
    y -= 0.008
    text(t("brief_changed", lang), size=11, weight="bold")
    changed = [
        f"{t(name, lang)}: {_number(value)}"
        + paren(t("default_value", lang, value=_number(default)), lang)
        for name, (value, default) in brief.changed.items()
    ] or [t("brief_changed_none", lang)]
    for line in _wrap(" · ".join(changed), 120, lang):
        text(line, size=8.5)
    y -= 0.008
    text(t("brief_outcomes", lang), size=11, weight="bold")
    text(
        t("source_run", lang)
        if brief.pairs == 1
        else t("source_pairs", lang, n=brief.pairs, days=brief.days),
        size=8,
        colour=MUTED_TEXT,
    )
    for card in brief.cards:
        y = _card(fig, card, brief, font, y)
    _charts(fig, brief, font, bottom=0.085, top=min(y - 0.02, 0.4))
    fig.text(
        0.06,
        0.02,
        "\n".join(_wrap(t("brief_footer", lang), 120, lang)),
        fontproperties=font,
        fontsize=7.5,
        color=MUTED_TEXT,
        va="bottom",
    )
    return fig


def _card(fig: Figure, card: cardlib.Card, brief: BriefContent, font, y: float) -> float:
    lang, metric = brief.lang, card.metric
    line_h = 0.0155
    fig.text(
        0.06,
        y,
        cardlib.card_title(card, lang),
        fontproperties=font,
        fontsize=9,
        weight="normal" if lang == "zh" else "bold",
        va="top",
    )
    y -= line_h
    values = "   ".join(
        f"{regime_name(r, lang)}: {cardlib.format_value(v, metric.unit)}"
        for r, v in card.values.items()
    )
    fig.text(0.08, y, values, fontproperties=font, fontsize=8.5, va="top")
    y -= line_h
    for diff in card.differences:
        parts = [
            f"{cardlib.difference_label(diff, lang)}: {cardlib.format_difference(diff.value, metric.unit, lang)}"
        ]
        interval = cardlib.interval_text(metric, diff, lang)
        if interval:
            parts.append(interval)
        parts.append(cardlib.describe(metric, diff, lang))
        for line in _wrap(sep(lang).join(parts), 118, lang):
            fig.text(0.08, y, line, fontproperties=font, fontsize=8, color=MUTED_TEXT, va="top")
            y -= line_h * 0.85
    return y - 0.006


def _charts(fig: Figure, brief: BriefContent, font, bottom: float, top: float) -> None:
    lang, controls = brief.lang, brief.regimes[2:]
    height = max(top - bottom - 0.075, 0.12)
    for i, column in enumerate(CHART_COLUMNS):
        ax = fig.add_axes((0.08 + i * 0.47, bottom, 0.40, height))
        for regime in brief.regimes:
            colour = regime_colour(regime, controls)
            style = {"color": colour, "linewidth": 1.8, "label": regime_name(regime, lang)}
            if brief.band is not None and regime in brief.band:
                frame = brief.band[regime]
                days = frame.index.to_numpy()
                (line,) = ax.plot(days, frame[("mean", column)], **style)
                ax.fill_between(
                    days, frame[("low", column)], frame[("high", column)], color=colour, alpha=0.15
                )
            else:
                frame = brief.series.get(regime)
                if frame is None or not len(frame):
                    continue
                (line,) = ax.plot(frame["day"], frame[column], **style)
            if regime in controls:
                line.set_dashes(CONTROL_DASHES[controls.index(regime) % len(CONTROL_DASHES)])
        ax.set_title(
            "\n".join(_wrap(metric_title(column, lang) + t("to_date", lang), 50, lang)),
            fontproperties=font,
            fontsize=8.5,
        )
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        for label in ax.get_xticklabels() + ax.get_yticklabels():
            label.set_fontproperties(font)
            label.set_fontsize(7)
        ax.set_xlabel(t("chart_axes", lang), fontproperties=font, fontsize=7)
    legend_font = font.copy()
    legend_font.set_size(8)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        prop=legend_font,
        loc="lower left",
        frameon=False,
        ncols=len(labels),
        bbox_to_anchor=(0.06, bottom + height + 0.028),
    )
    if brief.band is not None:
        fig.text(
            0.06,
            bottom + height + 0.058,
            t("brief_pairs_band", lang, n=brief.pairs),
            fontproperties=font,
            fontsize=7.5,
            color=MUTED_TEXT,
        )


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return str(value)
