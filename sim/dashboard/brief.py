"""A one-page brief to take to a superior: PDF or PNG, in the page's language.

One A4 page drawn with matplotlib: what was compared (preset, seed, size, day or N pairs),
the parameters that differ from the model's defaults, the bottom line and where the
difference comes from (the control communities: resources, routing, linkage itself; after
N pairs only), the headline cards (with 95% intervals and better / equal / worse counts
after N pairs), the two charts (the pairs' mean and band after N pairs), the model version
and the date. Every line is wrapped by its measured width, and the fonts shrink step by
step until everything fits one page, in either language (``fits``).

Chinese needs a CJK font on the server: ``fonts-wqy-microhei`` (installed by ``setup.sh``)
or any Noto Sans CJK; ``SIM_CJK_FONT`` may point at a font file instead. Without one the
Chinese brief is refused with ``FontMissing`` rather than drawn with empty boxes.
"""

from __future__ import annotations

import datetime
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import PercentFormatter

from sim.dashboard import cards as cardlib
from sim.dashboard import decision
from sim.dashboard.colours import CONTROL_DASHES, MUTED_TEXT, regime_colour
from sim.dashboard.drawing import pairs_band
from sim.dashboard.export import model_version, preset_slug
from sim.dashboard.i18n import metric_title, paren, regime_name, sep, step_label, t
from sim.dashboard.presets import changed_from_defaults
from sim.model import METRICS

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC")
CHART_COLUMNS = ("unmet_need_share", "dispute_escalation_share")
A4 = (8.27, 11.69)  # inches, portrait
LEFT, RIGHT = 0.06, 0.955  # text column, as fractions of the page width
SCALES = (1.0, 0.92, 0.85, 0.78, 0.72)  # font sizes tried, largest first, until it fits
NO_LINE_START = set("，。；：、）」』”’！？")  # Chinese punctuation never starts a line
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
    bottom: tuple[str, ...] = ()  # the bottom line's sentences (N pairs only)
    split: tuple[str, ...] = ()  # where the difference comes from, one line per step


def content(
    runs, snapshot, pairs_result, lang: str, today: datetime.date | None = None
) -> BriefContent:
    """What the brief says about the current runs (and the N pairs, if they match them)."""
    regimes = runs.settings.regimes
    params = runs.params()
    bottom, split = (), ()
    if pairs_result is not None:
        cards = cardlib.pairs_cards(
            pairs_result.runs, pairs_result.tables_for(regimes), pairs_result.community_years
        )
        band, pairs = pairs_band(pairs_result.daily, CHART_COLUMNS), pairs_result.reps
        line = decision.bottom_line(pairs_result, decision.PRIMARY)
        disputes = decision.bottom_line(pairs_result, decision.DISPUTES)
        bottom = (decision.sentence(line, lang), decision.disputes_sentence(disputes, lang))
        split = tuple(split_lines(pairs_result, lang))
    else:
        cards = cardlib.run_cards(snapshot.summary, regimes, snapshot.today / 365)
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
        bottom=tuple(s for s in bottom if s),
        split=split,
    )


def split_lines(pairs_result, lang: str) -> list[str]:
    """The control communities' result: each step from three to five on the unmet-need
    share with its 95% interval (linkage itself as one step, even after the ladder)."""
    table = decision.steps(pairs_result, decision.PRIMARY, fine=False)
    if table.empty:
        return [t("brief_split_none", lang)]
    metric = METRICS[decision.PRIMARY]
    out = []
    for row in table.to_dict("records"):
        interval = t(
            "interval",
            lang,
            low=cardlib.format_difference(row["ci_low"], metric.unit, lang, False),
            high=cardlib.format_difference(row["ci_high"], metric.unit, lang, False),
            unit="",
        )
        zero = not (row["ci_low"] > 0 or row["ci_high"] < 0)
        out.append(
            f"{step_label(row['step'], row['kind'], lang)}: "
            f"{cardlib.format_difference(row['mean'], metric.unit, lang)}"
            + paren(interval, lang)
            + (t("interval_has_zero", lang) if zero else "")
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
        figure = layout(brief, font)
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
    """One run: ``brief_<preset>_seed<S>_day<D>_<lang>``; N pairs: ``..._<N>pairs_<lang>``."""
    what = f"{brief.pairs}pairs" if brief.pairs > 1 else f"day{brief.day}"
    return f"brief_{preset_slug(brief.preset)}_seed{brief.seed}_{what}_{brief.lang}.{fmt}"


# --- layout ------------------------------------------------------------------------------


# (font, bold, unit) -> the unit's width at 10 pt as a page fraction (_Writer._guess)
_UNIT_WIDTHS: dict[tuple[FontProperties, bool, str], float] = {}


class _Writer:
    """Writes wrapped text down the page, measuring each line with the Agg renderer."""

    def __init__(self, fig: Figure, font: FontProperties, lang: str, scale: float):
        self.fig, self.font, self.lang, self.scale = fig, font, lang, scale
        self.renderer = FigureCanvasAgg(fig).get_renderer()
        self.width_px = fig.get_figwidth() * fig.dpi
        self.height_in = fig.get_figheight()
        self.y = 0.97

    def measure(self, text: str, size: float, bold: bool = False) -> float:
        """Width of ``text`` at ``size`` points, as a fraction of the page width."""
        prop = self.font.copy()
        prop.set_size(size)
        if bold and self.lang != "zh":
            prop.set_weight("bold")
        width, _, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return width / self.width_px

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """Lines no wider than ``width`` (a page fraction): words in English, any two
        characters in Chinese (never inside a run of Latin letters or digits), and never
        before a closing mark.

        Each line is as long as it can be: it ends before the first unit that would make
        it too wide. Measuring a line costs milliseconds and a brief is laid out at up to
        five font sizes, so not every candidate line is measured: the sum of its units'
        widths guesses where the line ends, and measured lines on either side of the
        guess confirm it (a line's width only grows with its length). The lines are the
        same as measuring every candidate; only fewer are measured."""
        units = text.split(" ") if self.lang != "zh" else _cjk_units(text)
        lines, start = [], 0
        while start < len(units):
            end = self._line_end(units, start, size, width, bold)
            lines.append(self._line(units, start, end))
            start = end
        return lines or [""]

    def _line(self, units: list[str], start: int, end: int) -> str:
        """The text of ``units[start:end]`` as one line (a Chinese line after a break
        drops its leading spaces; empty units add nothing to an empty line)."""
        zh = self.lang == "zh"
        line = units[start].lstrip() if zh and start > 0 else units[start]
        for unit in units[start + 1 : end]:
            line = (line + ("" if zh else " ") + unit) if line else unit
        return line

    def _line_end(self, units: list[str], start: int, size: float, width: float,
                  bold: bool) -> int:
        """Where the line that starts at ``units[start]`` ends (exclusive). A line may
        end before any unit once it holds some text, but not before a closing mark; it
        ends before the first such unit that would make it wider than ``width``, or
        with the text."""
        first = start
        while first < len(units) and not self._line(units, start, first + 1):
            first += 1
        breaks = [i for i in range(first + 1, len(units))
                  if not (self.lang == "zh" and units[i] in NO_LINE_START)]

        def too_wide(k: int) -> bool:             # the line with break k's unit on it
            return self.measure(self._line(units, start, breaks[k] + 1), size, bold) > width

        # breaks[: fits + 1] fit on the line, breaks[over] (if there) does not
        fits, over = -1, len(breaks)
        guess = self._guess(units, start, breaks, size, width, bold)
        if guess >= 0:
            fits, over = (fits, guess) if too_wide(guess) else (guess, over)
        step = 1
        if over == guess:                         # the guess was too long: step back
            while over - step > fits and too_wide(over - step):
                over, step = over - step, step * 2
            fits = max(fits, over - step)
        else:                                     # it fits: step on
            while fits + step < over and not too_wide(fits + step):
                fits, step = fits + step, step * 2
            over = min(over, fits + step)
        while over - fits > 1:
            middle = (fits + over) // 2
            fits, over = (middle, over) if not too_wide(middle) else (fits, middle)
        return breaks[over] if over < len(breaks) else len(units)

    def _guess(self, units: list[str], start: int, breaks: list[int], size: float,
               width: float, bold: bool) -> int:
        """The last break whose line the sum of its units' widths puts within ``width``
        (-1 if none): each unit is measured once per process at 10 pt and scaled."""
        joiner = "" if self.lang == "zh" else " "
        total, k, last = 0.0, 0, -1
        for i in range(start, len(units)):
            unit = units[i].lstrip() if i == start and self.lang == "zh" else units[i]
            key = (self.font, bold, unit if i == start else joiner + unit)
            if key not in _UNIT_WIDTHS:
                _UNIT_WIDTHS[key] = self.measure(key[2], 10.0, bold)
            total += _UNIT_WIDTHS[key] * size / 10.0
            while k < len(breaks) and breaks[k] < i:
                k += 1
            if k < len(breaks) and breaks[k] == i:
                if total > width:
                    break
                last = k
        return last

    def write(
        self,
        text: str,
        size: float = 9.0,
        x: float = LEFT,
        colour: str = "black",
        bold: bool = False,
        width: float | None = None,
        gap: float = 1.32,
    ) -> None:
        size *= self.scale
        for line in self.wrap(text, size, (width or RIGHT - x), bold):
            self.fig.text(
                x,
                self.y,
                line,
                fontproperties=self.font,
                fontsize=size,
                weight="bold" if bold and self.lang != "zh" else "normal",
                color=colour,
                va="top",
            )
            self.y -= size * gap / 72 / self.height_in

    def space(self, points: float) -> None:
        self.y -= points * self.scale / 72 / self.height_in


def _cjk_units(text: str) -> list[str]:
    """Break points of Chinese text: each CJK character, but Latin words and numbers whole."""
    units, word = [], ""
    for char in text:
        if ord(char) > 0x2E80:
            if word:
                units.append(word)
                word = ""
            units.append(char)
        else:
            word += char
            if char == " ":
                units.append(word)
                word = ""
    if word:
        units.append(word)
    return units


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


CHARTS_MIN = 0.17  # the charts need at least this much of the page's height
CHARTS_BOTTOM = 0.075


def layout(brief: BriefContent, font: FontProperties) -> Figure:
    """The page at the largest font scale whose text leaves the charts their room."""
    for scale in SCALES:
        fig, y = _draw_text(brief, font, scale)
        if y - CHARTS_BOTTOM - 0.085 >= CHARTS_MIN or scale == SCALES[-1]:
            break
    _charts(fig, brief, font, bottom=CHARTS_BOTTOM, top=y - 0.015, scale=scale)
    footer = _Writer(fig, font, brief.lang, scale)
    lines = footer.wrap(t("brief_footer", brief.lang), 7.5 * scale, RIGHT - LEFT)
    fig.text(
        LEFT,
        0.015,
        "\n".join(lines),
        fontproperties=font,
        fontsize=7.5 * scale,
        color=MUTED_TEXT,
        va="bottom",
    )
    return fig


def fits(fig: Figure) -> list[str]:
    """Texts that leave the page (a check for tests): none when the layout worked."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    width, height = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    out = []
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        if box.x0 < 0 or box.x1 > width + 0.5 or box.y0 < -0.5 or box.y1 > height + 0.5:
            out.append(text.get_text()[:60])
    return out


def _draw_text(brief: BriefContent, font: FontProperties, scale: float) -> tuple[Figure, float]:
    lang = brief.lang
    fig = Figure(figsize=A4)
    w = _Writer(fig, font, lang, scale)
    w.write(t("brief_title", lang), size=16, bold=True)
    w.write(t("brief_generated", lang, date=brief.date, version=brief.version), colour=MUTED_TEXT)
    w.write(_setup_line(brief))
    w.space(4)
    w.write(t("brief_changed", lang), size=10.5, bold=True)
    changed = [
        f"{t(name, lang)}: {_number(value)}"
        + paren(t("default_value", lang, value=_number(default)), lang)
        for name, (value, default) in brief.changed.items()
    ] or [t("brief_changed_none", lang)]
    w.write(" · ".join(changed), size=8.5)
    w.space(4)
    w.write(t("brief_bottom", lang), size=10.5, bold=True)
    for sentence in brief.bottom or (t("bottom_none", lang),):
        w.write(sentence, size=9)
    if brief.split:
        w.space(2)
        w.write(t("ladder_title", lang, n=brief.pairs), size=9, bold=True)
        for line in brief.split:
            w.write(line, size=8, x=LEFT + 0.015)
    w.space(4)
    w.write(t("brief_outcomes", lang), size=10.5, bold=True)
    w.write(
        t("source_run", lang)
        if brief.pairs == 1
        else t("source_pairs", lang, n=brief.pairs, days=brief.days),
        size=8,
        colour=MUTED_TEXT,
    )
    # the cards in two columns, row by row
    top, columns = w.y, (LEFT, 0.515)
    col_width = 0.44
    for i in range(0, len(brief.cards), 2):
        ends = []
        for card, x in zip(brief.cards[i : i + 2], columns, strict=False):
            w.y = top
            _card(w, card, brief, x, col_width)
            ends.append(w.y)
        top = min(ends) - 0.004 * scale
    return fig, top


def _card(w: _Writer, card: cardlib.Card, brief: BriefContent, x: float, width: float) -> None:
    lang, metric = brief.lang, card.metric
    w.write(cardlib.card_title(card, lang), size=8.5, bold=True, x=x, width=width, gap=1.25)
    values = "   ".join(
        f"{regime_name(r, lang, short=True)}: {cardlib.format_value(v, metric.unit)}"
        for r, v in card.values.items()
    )
    w.write(values, size=8, x=x + 0.01, width=width - 0.01, gap=1.25)
    for diff in card.differences:
        value = cardlib.format_difference(diff.value, metric.unit, lang)
        parts = [f"{cardlib.difference_label(diff, lang)}: {value}"]
        interval = cardlib.interval_text(metric, diff, lang)
        if interval:
            parts.append(interval)
        parts.append(cardlib.describe(metric, diff, lang))
        w.write(
            sep(lang).join(parts),
            size=7.5,
            x=x + 0.01,
            width=width - 0.01,
            colour=MUTED_TEXT,
            gap=1.22,
        )


def _charts(
    fig: Figure, brief: BriefContent, font, bottom: float, top: float, scale: float
) -> None:
    lang, controls = brief.lang, brief.regimes[2:]
    height = max(top - bottom - 0.075, 0.1)
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
        writer = _Writer(fig, font, lang, scale)
        title = writer.wrap(metric_title(column, lang) + t("to_date", lang), 8 * scale, 0.40)
        ax.set_title("\n".join(title), fontproperties=font, fontsize=8 * scale)
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
    legend_font.set_size(7.5 * scale)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        prop=legend_font,
        loc="lower left",
        frameon=False,
        ncols=min(len(labels), 3),
        bbox_to_anchor=(LEFT, bottom + height + 0.045),
    )
    if brief.band is not None:
        fig.text(
            LEFT,
            bottom + height + 0.075,
            t("brief_pairs_band", lang, n=brief.pairs),
            fontproperties=font,
            fontsize=7.5 * scale,
            color=MUTED_TEXT,
        )


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return str(value)
