"""Solara components of the main area: community panels, headline cards, charts, explanations.

They only display what they are given (a ``Snapshot``, cards, a ``pairs.PairsResult``, the
language, the frame number); state and actions live in ``state``. The bottom line and the
waterfall are HTML (real text, in the page's language, read by screen readers); pictures
carry tick numbers only, their words are HTML beside them. CSS classes such as ``day-three`` give
tests stable hooks in any language, and ``data-frame-of`` tells the browser-side play loop which
frame an element shows.
"""

from __future__ import annotations

import base64
import html
import logging

import numpy as np
import solara

from sim.dashboard import cards as cardlib
from sim.dashboard import decision, drawing, sweep
from sim.dashboard.colours import (
    BETTER,
    CONTROL_DASHES,
    MUTED_TEXT,
    NEUTRAL,
    NODE_COLOURS,
    VOLUNTEER_RING,
    WORSE,
    regime_colour,
)
from sim.dashboard.frontend import NativeSelect
from sim.dashboard.i18n import (
    REGIME_ABOUT,
    metric_title,
    paren,
    regime_name,
    sep,
    step_label,
    t,
    unit_text,
)
from sim.dashboard.presets import PRESETS
from sim.dashboard.runs import Snapshot
from sim.model import METRICS, PARAM_SPECS, Actor, headline_metrics

log = logging.getLogger("sim.dashboard")

ACTOR_KEYS = {
    Actor.PLATFORM: "platform",
    Actor.SOCIAL_ORG: "social_org",
    Actor.SOCIAL_WORKER: "social_worker",
    Actor.VOLUNTEER: "volunteer",
    Actor.CHARITY: "charity",
}
"""Actor kinds in the order the essay introduces them; the last two are what five adds."""

LEGEND = (
    "legend_none",
    "legend_need",
    "legend_dispute_1",
    "legend_dispute_2",
    "legend_dispute_3",
    "legend_dispute_4",
)
CHARTS = ("unmet_need_share", "dispute_escalation_share")
VERDICT_COLOURS = {"better": BETTER, "worse": WORSE}


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def img_html(png: bytes, alt: str, frame: int | None, classes: str) -> str:
    """An <img> with its alt text and the frame it shows (for the browser's play loop;
    None for a picture that does not follow the frames)."""
    data = base64.b64encode(png).decode("ascii")
    of = f'data-frame-of="{frame}" ' if frame is not None else ""
    return (
        f'<img class="{classes}" src="data:image/png;base64,{data}" alt="{esc(alt)}" '
        f'{of}style="width:100%;height:auto;display:block">'
    )


def _dot(colour: str, ring: str | None = None) -> str:
    border = f"2px solid {ring}" if ring else "1px solid #777"
    return (
        f'<span aria-hidden="true" style="display:inline-block;width:11px;height:11px;'
        f"border-radius:50%;background:{colour};border:{border};margin-right:5px;"
        f'vertical-align:middle"></span>'
    )


def _actor_chip(key: str, linked: bool, colour: str, lang: str) -> str:
    """An actor's name on a chip in the regime's colour; struck through if not linked."""
    label = t(f"actor_{key}", lang) + ("" if linked else paren(t("actor_absent", lang), lang))
    style = (
        f"background:{colour};color:#fff"
        if linked
        else f"background:#f0f0f0;color:{MUTED_TEXT};text-decoration:line-through"
    )
    return (
        f'<span class="actor-chip{" on" if linked else ""}" style="{style};border-radius:12px;'
        f'padding:2px 9px;margin:2px;display:inline-block;font-size:14px">{esc(label)}</span>'
    )


def _legend_colour(key: str):
    return {"legend_none": "none", "legend_need": "need"}.get(key) or int(key[-1])


def note(text: str, classes=(), style=None):
    """A block of text (``solara.Text`` is inline: two in a row would run together)."""
    solara.Div(children=[text], classes=["helper", *classes], style=style or {})


@solara.component
def CommunityPanel(regime: str, snap: Snapshot, view, frame: int, lang: str, controls: tuple):
    """Header with the day counter, linked actors, the network drawing and its legend."""
    colour = regime_colour(regime, controls)
    states = snap.states[regime]
    picture = solara.use_memo(lambda: drawing.NetworkPicture(view), dependencies=[view])
    png = solara.use_memo(lambda: picture.png(states), dependencies=[frame, picture])
    counts = drawing.state_counts(states)
    day = t("day", lang, day=snap.day[regime]) + (
        "" if snap.running[regime] else " " + t("finished", lang)
    )
    name = regime_name(regime, lang)
    chips = "".join(
        _actor_chip(key, actor in snap.linked[regime], colour, lang)
        for actor, key in ACTOR_KEYS.items()
    )
    legend = [
        f"{_dot(NODE_COLOURS[_legend_colour(key)])}{esc(t(key, lang))}: <b>{counts[key]}</b>"
        for key in LEGEND
    ]
    volunteers = counts["legend_volunteer"]
    legend.append(
        f"{_dot('#fff', VOLUNTEER_RING)}{esc(t('legend_volunteer', lang))}: <b>{volunteers}</b>"
    )
    in_words = sep(lang).join(f"{t(k, lang)} {counts[k]}" for k in (*LEGEND, "legend_volunteer"))
    alt = t("network_alt", lang, regime=name, day=snap.day[regime], counts=in_words)
    note = (
        t("sample_note", lang, shown=len(view.nodes), total=view.total)
        if view.sampled
        else t("all_note", lang, total=view.total)
    )
    body = f"""
<div style="display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap">
  <h2 style="color:{colour};margin:0;font-size:1.35em">{esc(name)}</h2>
  <span class="day-counter day-{regime}" data-frame-of="{frame}"
        style="font-size:1.2em;font-weight:bold">{esc(day)}</span>
</div>
<div class="actors-{regime}" style="margin:4px 0"><b>{esc(t("actors", lang))}:</b> {chips}</div>
{img_html(png, alt, frame, f"network network-{regime}")}
<div style="font-size:14px;line-height:1.8">{" &nbsp; ".join(legend)}</div>
<div class="network-note" style="font-size:14px;color:{MUTED_TEXT}">{esc(note)}</div>
"""
    with solara.Card(
        classes=[f"community-{regime}"],
        # two to a row, three when there is room; never one stretched across the page
        style={
            "border-top": f"6px solid {colour}",
            "flex": "1 1 300px",
            "min-width": "300px",
            "max-width": "calc(50% - 4px)" if len(snap.regimes) > 3 else "none",
        },
        margin=0,
    ):
        solara.HTML(tag="div", unsafe_innerHTML=body)


@solara.component
def HeadlineCards(
    cards: list[cardlib.Card], source_note: str, lang: str, controls: tuple, pairs: bool = False
):
    """One card per headline metric of the catalogue: values, differences, verdicts."""
    heading = t("headline_pairs" if pairs else "headline", lang)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>{esc(heading)}</b> &nbsp; "
        f'<span class="cards-source" style="color:{MUTED_TEXT}">{esc(source_note)}</span>',
    )
    grid = {
        "display": "grid",
        "gap": "8px",
        "grid-template-columns": "repeat(auto-fill, minmax(230px, 1fr))",
    }
    with solara.Div(style=grid, classes=["headline-cards"]):
        for card in cards:
            with solara.Card(margin=0, classes=[f"card-{card.metric.name}"]):
                solara.HTML(tag="div", unsafe_innerHTML=_card_html(card, lang, controls))


def _card_html(card: cardlib.Card, lang: str, controls: tuple) -> str:
    """Title, a value per community, then each difference with its verdict."""
    unit = card.metric.unit
    rows = [
        f'<div class="card-title" style="font-weight:500;margin-bottom:4px">'
        f'{esc(cardlib.card_title(card, lang))}</div>'
    ]
    for regime, value in card.values.items():
        colour, shown = regime_colour(regime, controls), cardlib.format_value(value, unit)
        rows.append(
            f'<div><span style="color:{colour}">{esc(regime_name(regime, lang))}</span>: '
            f'<b style="font-size:1.2em" class="value-{regime}">{esc(shown)}</b></div>'
        )
    rows += [_difference_html(card.metric, diff, lang) for diff in card.differences]
    return "".join(rows)


def _difference_html(metric, diff: cardlib.Difference, lang: str) -> str:
    """ "five − three: −2.3 (95% interval …)" and the verdict; the exact numbers ride along
    as data attributes (tests compare them with ``sim compare``)."""
    data = (
        f'data-a="{diff.a}" data-b="{diff.b}" data-difference="{diff.value!r}" '
        f'data-low="{diff.low!r}" data-high="{diff.high!r}" data-pairs="{diff.pairs}" '
        f'data-better-in="{diff.better_in!r}" data-equal-in="{diff.equal_in!r}" '
        f'data-worse-in="{diff.worse_in!r}" data-verdict="{diff.verdict}"'
    )
    value = cardlib.format_difference(diff.value, metric.unit, lang)
    interval = cardlib.interval_text(metric, diff, lang)
    interval = f'<span class="interval">{esc(paren(interval, lang))}</span>' if interval else ""
    colour = VERDICT_COLOURS.get(diff.verdict, NEUTRAL)
    verdict = cardlib.describe(metric, diff, lang)
    return (
        f'<div class="difference difference-{diff.a}" {data} style="margin-top:4px;font-size:14px">'
        f"{esc(cardlib.difference_label(diff, lang))}: <b>{esc(value)}</b>{interval}<br>"
        f'<span class="verdict" style="color:{colour}">{esc(verdict)}</span></div>'
    )


@solara.component
def Charts(snap: Snapshot, frame: int, lang: str, controls: tuple, pairs_result=None):
    """Unmet-need share and dispute escalation over time, all communities on shared axes,
    with vertical lines at charity trust crises (and emergencies, if the model records them).
    After N pairs: the mean of the pairs with their 10-90% band, as the brief draws them."""
    regimes = snap.regimes
    styles = {
        r: (
            regime_colour(r, controls),
            CONTROL_DASHES[controls.index(r) % 2] if r in controls else None,
        )
        for r in regimes
    }
    pictures = solara.use_memo(
        lambda: [drawing.SeriesPicture(column, styles) for column in CHARTS], dependencies=[regimes]
    )
    band = solara.use_memo(
        lambda: drawing.pairs_band(pairs_result.daily) if pairs_result is not None else None,
        dependencies=[pairs_result],
    )
    events = drawing.event_days(snap.frames) if band is None else {}
    pngs = solara.use_memo(
        lambda: [p.png(snap.frames, events, band) for p in pictures],
        dependencies=[frame, pictures, band],
    )
    key = " &nbsp; ".join(
        f'<span aria-hidden="true" style="display:inline-block;width:18px;height:0;border-top:3px '
        f"{'dashed' if r in controls else 'solid'} {regime_colour(r, controls)};"
        f'vertical-align:middle;margin-right:4px"></span>{esc(regime_name(r, lang))}'
        for r in regimes
    )
    markers = " · ".join(t(f"marker_{kind}", lang) for kind in events)
    seen = sep(lang).join(
        f"{t(f'event_{kind}', lang)}: " + ", ".join(t("marker_day", lang, day=d) for d in days)
        for kind, days in events.items()
    )
    if band is not None:
        markers = t("chart_band_note", lang, n=pairs_result.reps)
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        for column, png in zip(CHARTS, pngs, strict=True):
            title = metric_title(column, lang) + t("to_date", lang)
            values = sep(lang).join(_chart_values(snap, band, column, lang, pairs_result))
            alt = t("chart_alt", lang, title=title, values=values)
            body = (
                f'<div class="chart-title" style="font-weight:500">{esc(title)}</div>'
                f'<div class="chart-key">{key} &nbsp; <span style="color:{MUTED_TEXT}">'
                f"{esc(t('chart_axes', lang) + (sep(lang) + markers if markers else ''))}"
                f"</span></div>"
                + img_html(png, alt, frame, f"chart chart-img-{column}")
                + (
                    f'<div class="chart-events" style="font-size:14px;color:{MUTED_TEXT}">'
                    f"{esc(t('markers_seen', lang, list=seen))}</div>"
                    if seen
                    else ""
                )
            )
            classes = [f"chart-{column}"] + (["chart-pairs"] if band is not None else [])
            with solara.Card(margin=0, style={"flex": "1 1 420px"}, classes=classes):
                solara.HTML(tag="div", unsafe_innerHTML=body)


def _chart_values(snap: Snapshot, band, column: str, lang: str, pairs_result) -> list[str]:
    """The latest value of each line, for the chart's alt text."""
    if band is not None:
        out = []
        for regime in snap.regimes:
            frame = band.get(regime)
            if frame is None or ("mean", column) not in frame or not len(frame):
                continue
            out.append(
                t(
                    "chart_alt_pairs",
                    lang,
                    regime=regime_name(regime, lang),
                    day=int(frame.index[-1]),
                    n=pairs_result.reps,
                    value=cardlib.format_value(frame[("mean", column)].iloc[-1], "share"),
                )
            )
        return out
    last = {r: f.iloc[-1] for r, f in snap.frames.items() if len(f) and column in f}
    return [
        t(
            "chart_alt_values",
            lang,
            regime=regime_name(r, lang),
            day=int(row["day"]),
            value=cardlib.format_value(row[column], "share"),
        )
        for r, row in last.items()
    ]


@solara.component
def Explanations(lang: str, controls_available: tuple):
    """ "What does this mean?": metrics, actors, presets, controls and how to read results."""
    parts = [f"<h3>{esc(t('explain_metrics', lang))}</h3><dl>"]
    for name in dict.fromkeys([*headline_metrics(), *CHARTS]):
        metric = METRICS[name]
        direction = t(f"explain_direction_{metric.direction or 'none'}", lang)
        unit = t("explain_unit", lang, unit=unit_text(metric.unit, lang))
        line = (f"{unit}{sep(lang)}{direction}{'。' if lang == 'zh' else '. '}"
                f"{t('explain_cumulative', lang)}")
        if metric.events:
            events = metric_title(metric.events, lang, capital=False)
            line += ("" if lang == "zh" else " ") + t(
                "explain_events", lang, events=events, min=metric.min_events
            )
        parts.append(f"<dt><b>{esc(metric_title(name, lang))}</b></dt><dd>{esc(line)}</dd>")
    parts.append(f"</dl><h3>{esc(t('explain_actors', lang))}</h3><dl>")
    for key in ACTOR_KEYS.values():
        parts.append(
            f"<dt><b>{esc(t(f'actor_{key}', lang))}</b></dt><dd>{esc(t(f'role_{key}', lang))}</dd>"
        )
    parts.append(f"</dl><h3>{esc(t('explain_presets', lang))}</h3><dl>")
    for key, overrides in PRESETS.items():
        changes = sep(lang).join(
            f"{t(name, lang)}: {value:g}"
            + paren(t("default_value", lang, value=f"{PARAM_SPECS[name].default:g}"), lang)
            for name, value in overrides.items()
        ) or t("explain_preset_none", lang)
        parts.append(f"<dt><b>{esc(t(key, lang))}</b></dt><dd>{esc(changes)}</dd>")
    parts.append("</dl>")
    if controls_available:
        parts.append(f"<h3>{esc(t('explain_regimes', lang))}</h3><dl>")
        for regime in controls_available:
            about = REGIME_ABOUT.get(regime, {}).get(lang, "")
            parts.append(f"<dt><b>{esc(regime_name(regime, lang))}</b></dt><dd>{esc(about)}</dd>")
        parts.append("</dl>")
    parts.append(
        f"<h3>{esc(t('explain_reading', lang))}</h3><p>{esc(t('explain_reading_text', lang))}</p>"
    )
    parts.append(
        f"<h3>{esc(t('explain_decision', lang))}</h3><p>{esc(t('explain_decision_text', lang))}</p>"
    )
    # a native <details>: Vuetify's expansion panel puts aria-expanded on a plain <div>
    solara.HTML(
        tag="details",
        unsafe_innerHTML=f"<summary>{esc(t('explain', lang))}</summary>"
        f'<div class="explanations">{"".join(parts)}</div>',
        classes=["explain-details"],
    )


# --- the bottom line, the ladder, the sweep ----------------------------------------------------


@solara.component
def BottomLine(result, running: bool, stale: bool, lang: str):
    """One plain sentence (and one on disputes) computed from the N pairs and the controls;
    nothing from one run."""
    if result is None:
        key = "bottom_stale" if stale else "bottom_none"
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f'<span class="bottom-none">{esc(t(key, lang))}</span>',
            style=f"color:{MUTED_TEXT};font-size:15px",
        )
        return
    line = decision.bottom_line(result, decision.PRIMARY)
    disputes = decision.bottom_line(result, decision.DISPUTES)
    first = decision.sentence(line, lang, running=running and not result.complete)
    second = decision.disputes_sentence(disputes, lang)
    verdict = line.change.verdict if line else "none"
    colour = VERDICT_COLOURS.get(verdict, "#222222")
    data = f'data-pairs="{result.reps}" data-verdict="{verdict}" ' + (
        f'data-split="{"yes" if line and line.split else "no"}"'
    )
    body = (
        f'<h2 class="bottom-title">{esc(t("bottom_title", lang))}</h2>'
        f'<p class="bottom-sentence" {data} style="border-left:5px solid {colour}">'
        f"{esc(first)}</p>"
        f'<p class="bottom-disputes">{esc(second)}</p>'
    )
    solara.HTML(tag="section", unsafe_innerHTML=body, classes=["bottom-line"])


KIND_COLOURS = {
    "resources": "#1f5fa8",
    "matching": "#6a3d9a",
    "linkage": "#117733",
    "gain": "#1b6e20",
    "cost": "#b3261e",
    "total": "#a84d00",
}


@solara.component
def LadderChart(result, metric: str, lang: str):
    """The attribution ladder as an HTML waterfall: from three (0), each step a bar from
    where the last ended, with its 95% interval; the last bar five - three from zero."""
    options = [{"value": m, "label": metric_title(m, lang)} for m in decision.METRIC_CHOICES]
    with solara.Card(margin=0, classes=["ladder"]):
        title = t("ladder_title", lang, n=result.reps)
        solara.HTML(tag="h2", unsafe_innerHTML=esc(title), classes=["section-title"])
        with solara.Div(classes=["ladder-metric"]):
            NativeSelect(
                label=t("ladder_metric", lang),
                value=metric,
                options=options,
                event_choose=_choose_ladder_metric,
            )
        table = decision.steps(result, metric)
        if table.empty:
            note(t("ladder_waiting", lang), classes=["ladder-waiting"])
            return
        solara.HTML(tag="div", unsafe_innerHTML=waterfall_html(table, METRICS[metric], lang))
        text = t("ladder_note", lang)
        if result.chains:
            text += " " + t("ladder_note_shapley", lang, k=len(result.chains))
        note(text, classes=["ladder-note"])


def _choose_ladder_metric(name: str):
    from sim.dashboard import state

    state.choose_ladder_metric(name)


def waterfall_html(table, metric, lang: str) -> str:
    """Rows of label | bar | value; bars placed on one scale in percent of the width."""
    level, spans = 0.0, []
    for row in table.to_dict("records"):
        start = 0.0 if row["kind"] == "total" else level
        end = start + row["mean"]
        low = end + (row["ci_low"] - row["mean"]) if np.isfinite(row["ci_low"]) else end
        high = end + (row["ci_high"] - row["mean"]) if np.isfinite(row["ci_high"]) else end
        spans.append((row, start, end, low, high))
        if row["kind"] != "total":
            level = end
    edges = [0.0] + [v for _, *values in spans for v in values]
    lo, hi = min(edges), max(edges)
    pad = (hi - lo) * 0.05 or 0.01
    lo, hi = lo - pad, hi + pad

    def x(value: float) -> float:
        return 100 * (value - lo) / (hi - lo)

    rows, alts = [], []
    for row, start, end, low, high in spans:
        label = step_label(row["step"], row["kind"], lang)
        value = cardlib.format_difference(row["mean"], metric.unit, lang, with_unit=False)
        interval = t(
            "ci_short",
            lang,
            low=cardlib.format_difference(row["ci_low"], metric.unit, lang, False),
            high=cardlib.format_difference(row["ci_high"], metric.unit, lang, False),
        )
        zero = not (row["ci_low"] > 0 or row["ci_high"] < 0)
        flag = t("ci_has_zero", lang) if zero else ""
        left, width = x(min(start, end)), max(abs(x(end) - x(start)), 0.4)
        colour = KIND_COLOURS.get(row["kind"], NEUTRAL)
        rows.append(
            f'<div class="step step-{esc(row["step"])}" data-mean="{row["mean"]!r}" '
            f'data-low="{row["ci_low"]!r}" data-high="{row["ci_high"]!r}" role="listitem">'
            f'<span class="step-label">{esc(label)}</span>'
            f'<span class="step-track" aria-hidden="true">'
            f'<span class="step-zero" style="left:{x(0):.2f}%"></span>'
            f'<span class="step-bar" style="left:{left:.2f}%;width:{width:.2f}%;'
            f'background:{colour}"></span>'
            f'<span class="step-ci" style="left:{x(low):.2f}%;'
            f'width:{max(x(high) - x(low), 0.2):.2f}%">'
            f"</span></span>"
            f'<span class="step-value">{esc(value)}<span class="step-interval">'
            f"{esc(interval)}{esc(flag)}</span></span></div>"
        )
        alts.append(f"{label} {value}")
    ticks = [f'<span style="left:{x(0):.2f}%;transform:translateX(-50%)">0</span>']
    for end, side in ((lo, "left:0"), (hi, "right:0")):
        if abs(x(end) - x(0)) > 18:  # an end label never overlaps the zero label
            label = cardlib.format_difference(end, metric.unit, lang, with_unit=False)
            ticks.append(f'<span style="{side}">{esc(label)}</span>')
    axis = (
        f'<div class="step-axis" aria-hidden="true"><span></span><span class="step-track-axis">'
        f"{''.join(ticks)}</span><span></span></div>"
    )
    unit = unit_text(metric.unit, lang) if metric.unit != "share" else t("pp", lang).strip()
    caption = f"{metric_title(metric.name, lang)}{paren(unit, lang)}"
    return (
        f'<div class="waterfall" role="list" aria-label="{esc(caption)}">'
        f'<div class="waterfall-caption">{esc(caption)}</div>{"".join(rows)}{axis}</div>'
    )


@solara.component
def SweepPanel(
    lang: str,
    current_settings,
    status,
    parameter: str,
    metric: str,
    levels_text: str,
    pairs_text: str,
    levels_error,
    pairs_error,
):
    """Which assumption decides it: choose one, sweep it, read the break-even points."""
    from sim.dashboard import state

    running = status.state == "running"
    result = status.result
    with solara.Card(margin=0, classes=["sweep"]):
        solara.HTML(
            tag="h2", unsafe_innerHTML=esc(t("sweep_title", lang)), classes=["section-title"]
        )
        note(t("sweep_note", lang), classes=["helper"])
        with solara.Row(style={"flex-wrap": "wrap", "gap": "12px", "align-items": "flex-end"}):
            with solara.Div(classes=["sweep-parameter"], style={"flex": "2 1 260px"}):
                NativeSelect(
                    label=t("sweep_assumption", lang),
                    value=parameter,
                    options=[
                        {
                            "value": name,
                            "label": t(name, lang)
                            + paren(
                                t(
                                    "sweep_range",
                                    lang,
                                    low=sweep.number(name, sweep.SWEEP_RANGES[name][0]),
                                    high=sweep.number(name, sweep.SWEEP_RANGES[name][1]),
                                ),
                                lang,
                            ),
                        }
                        for name in sweep.ASSUMPTIONS
                    ],
                    event_choose=state.choose_sweep_parameter,
                )
            with solara.Div(classes=["sweep-metric"], style={"flex": "2 1 260px"}):
                NativeSelect(
                    label=t("ladder_metric", lang),
                    value=metric,
                    options=[
                        {"value": m, "label": metric_title(m, lang)}
                        for m in decision.METRIC_CHOICES
                    ],
                    event_choose=state.choose_sweep_metric,
                )
            with solara.Div(style={"flex": "1 1 120px"}):
                solara.InputText(
                    t("sweep_levels", lang),
                    value=levels_text,
                    on_value=state.type_sweep_levels,
                    classes=["input-sweep-levels"],
                    error=levels_error.message(lang) if levels_error else False,
                    disabled=running,
                )
            with solara.Div(style={"flex": "1 1 120px"}):
                solara.InputText(
                    t("sweep_pairs", lang),
                    value=pairs_text,
                    on_value=state.type_sweep_pairs,
                    classes=["input-sweep-pairs"],
                    error=pairs_error.message(lang) if pairs_error else False,
                    disabled=running,
                )
        with solara.Row():
            bad = levels_error is not None or pairs_error is not None
            solara.Button(
                t(
                    "sweep_run",
                    lang,
                    levels=levels_text.strip() if not bad else "N",
                    pairs=pairs_text.strip() if not bad else "N",
                ),
                on_click=state.start_sweep,
                color="primary",
                disabled=running or bad or current_settings is None,
                classes=["btn-sweep"],
            )
            if running:
                solara.Button(
                    t("sweep_cancel", lang),
                    on_click=state.cancel_sweep,
                    outlined=True,
                    color="primary",
                    classes=["btn-sweep-cancel"],
                )
        if running:
            share = 100 * status.done / status.total if status.total else 0
            solara.ProgressLinear(value=share, color="primary")
            note(
                t(
                    "sweep_progress",
                    lang,
                    done=status.done,
                    total=status.total,
                    level=status.level,
                    levels=status.levels,
                ),
                classes=["sweep-status"],
            )
        elif status.state in ("cancelled", "failed"):
            note(
                t(f"sweep_{status.state}", lang), classes=["sweep-status", f"sweep-{status.state}"]
            )
        if result is not None:
            SweepResultView(result, lang, current_settings)


@solara.component
def SweepResultView(result, lang: str, current_settings):
    metric = METRICS[result.metric]
    curves, table = result.curves(), result.table()
    picture = solara.use_memo(drawing.SweepPicture, dependencies=[])
    png = solara.use_memo(
        lambda: picture.png(curves, table, result.current, metric.unit == "share"),
        dependencies=[result],
    )
    sentences = sweep.reading(result, lang)
    name = t(result.parameter, lang)
    low, high = sweep.SWEEP_RANGES[result.parameter]
    done = t(
        "sweep_done",
        lang,
        param=name,
        low=sweep.number(result.parameter, low),
        high=sweep.number(result.parameter, high),
        levels=len(result.levels),
        pairs=result.reps,
    )
    stale = current_settings is not None and current_settings.model_key != result.settings.model_key
    key = "".join(
        f'<span class="sweep-key-item"><span aria-hidden="true" style="display:inline-block;'
        f"width:22px;height:0;border-top:3px {'dashed' if dashes else 'solid'} {colour};"
        f'vertical-align:middle;margin-right:4px"></span>'
        f"{esc(t('sweep_five_three' if comparison == 'three' else 'sweep_five_matched', lang))}"
        f"</span> &nbsp; "
        for comparison, (colour, dashes) in drawing.SWEEP_STYLES.items()
    ) + (
        f'<span class="sweep-key-item">◆ {esc(t("sweep_break_even", lang))}</span> &nbsp; '
        f'<span class="sweep-key-item">┆ {esc(t("sweep_current", lang))} '
        f"({esc(sweep.number(result.parameter, result.current))})</span>"
    )
    axes = f"{name} → · ↑ {t('sweep_axis_y', lang)}: {metric_title(metric.name, lang)}"
    alt = t("sweep_alt", lang, param=name, text=" ".join(sentences))
    data = "".join(
        f'<li class="sweep-row" data-comparison="{esc(row["comparison"])}" '
        f'data-break-even="{row["break_even"]!r}" data-current="{result.current!r}">'
        f"{esc(sentence)}</li>"
        for row, sentence in zip(table.to_dict("records"), sentences, strict=False)
    )
    body = (
        (
            f'<p class="sweep-stale" style="color:{WORSE}">{esc(t("sweep_stale", lang))}</p>'
            if stale
            else ""
        )
        + f'<p class="sweep-done helper">{esc(done)}</p>'
        + f'<div class="sweep-key">{key}</div>'
        + f'<div class="helper">{esc(axes)}</div>'
        + img_html(png, alt, None, "sweep-chart")
        + f'<ul class="sweep-reading">{data}</ul>'
    )
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["sweep-result"])
