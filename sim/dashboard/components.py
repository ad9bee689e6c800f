"""Solara components of the main area: community panels, headline cards, charts, explanations.

They only display what they are given (a ``Snapshot``, cards, the language, the frame
number); state and actions live in ``state``. CSS classes such as ``day-three`` give tests
stable hooks in any language, and ``data-frame-of`` tells the browser-side play loop which
frame an element shows.
"""

from __future__ import annotations

import base64
import html
import logging

import solara

from sim.dashboard import cards as cardlib
from sim.dashboard import drawing
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
from sim.dashboard.i18n import REGIME_ABOUT, metric_title, paren, regime_name, sep, t, unit_text
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


def img_html(png: bytes, alt: str, frame: int, classes: str) -> str:
    """An <img> with its alt text and the frame it shows (for the browser's play loop)."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img class="{classes}" src="data:image/png;base64,{data}" alt="{esc(alt)}" '
        f'data-frame-of="{frame}" style="width:100%;height:auto;display:block">'
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
        f'padding:2px 9px;margin:2px;display:inline-block;font-size:0.85em">{esc(label)}</span>'
    )


def _legend_colour(key: str):
    return {"legend_none": "none", "legend_need": "need"}.get(key) or int(key[-1])


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
<div style="font-size:0.85em;line-height:1.8">{" &nbsp; ".join(legend)}</div>
<div class="network-note" style="font-size:0.8em;color:{MUTED_TEXT}">{esc(note)}</div>
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
def HeadlineCards(cards: list[cardlib.Card], source_note: str, lang: str, controls: tuple):
    """One card per headline metric of the catalogue: values, differences, verdicts."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>{esc(t('headline', lang))}</b> &nbsp; "
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
        f'<div class="card-title" style="font-weight:500;margin-bottom:4px">{esc(cardlib.card_title(card, lang))}</div>'
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
        f'data-better-in="{diff.better_in!r}" data-verdict="{diff.verdict}"'
    )
    value = cardlib.format_difference(diff.value, metric.unit, lang)
    interval = cardlib.interval_text(metric, diff, lang)
    interval = f'<span class="interval">{esc(paren(interval, lang))}</span>' if interval else ""
    colour = VERDICT_COLOURS.get(diff.verdict, NEUTRAL)
    verdict = cardlib.describe(metric, diff, lang)
    return (
        f'<div class="difference difference-{diff.a}" {data} style="margin-top:4px;font-size:0.9em">'
        f"{esc(cardlib.difference_label(diff, lang))}: <b>{esc(value)}</b>{interval}<br>"
        f'<span class="verdict" style="color:{colour}">{esc(verdict)}</span></div>'
    )


@solara.component
def Charts(snap: Snapshot, frame: int, lang: str, controls: tuple):
    """Unmet-need share and dispute escalation over time, all communities on shared axes,
    with vertical lines at charity trust crises (and emergencies, if the model records them)."""
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
    events = drawing.event_days(snap.frames)
    pngs = solara.use_memo(
        lambda: [p.png(snap.frames, events) for p in pictures], dependencies=[frame, pictures]
    )
    key = " &nbsp; ".join(
        f'<span aria-hidden="true" style="display:inline-block;width:18px;height:0;border-top:3px '
        f"{'dashed' if r in controls else 'solid'} {regime_colour(r, controls)};vertical-align:middle;"
        f'margin-right:4px"></span>{esc(regime_name(r, lang))}'
        for r in regimes
    )
    markers = " · ".join(t(f"marker_{kind}", lang) for kind in events)
    seen = sep(lang).join(
        f"{t(f'event_{kind}', lang)}: " + ", ".join(t("marker_day", lang, day=d) for d in days)
        for kind, days in events.items()
    )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        for column, png in zip(CHARTS, pngs, strict=True):
            title = metric_title(column, lang) + t("to_date", lang)
            last = {r: f.iloc[-1] for r, f in snap.frames.items() if len(f) and column in f}
            values = sep(lang).join(
                t(
                    "chart_alt_values",
                    lang,
                    regime=regime_name(r, lang),
                    day=int(row["day"]),
                    value=cardlib.format_value(row[column], "share"),
                )
                for r, row in last.items()
            )
            alt = t("chart_alt", lang, title=title, values=values)
            body = (
                f'<div class="chart-title" style="font-weight:500">{esc(title)}</div>'
                f'<div style="font-size:0.85em">{key} &nbsp; <span style="color:{MUTED_TEXT}">'
                f"{esc(t('chart_axes', lang) + (sep(lang) + markers if markers else ''))}</span></div>"
                + img_html(png, alt, frame, f"chart chart-img-{column}")
                + (
                    f'<div class="chart-events" style="font-size:0.8em;color:{MUTED_TEXT}">'
                    f"{esc(t('markers_seen', lang, list=seen))}</div>"
                    if seen
                    else ""
                )
            )
            with solara.Card(margin=0, style={"flex": "1 1 420px"}, classes=[f"chart-{column}"]):
                solara.HTML(tag="div", unsafe_innerHTML=body)


@solara.component
def Explanations(lang: str, controls_available: tuple):
    """ "What does this mean?": metrics, actors, presets, controls and how to read results."""
    parts = [f"<h3>{esc(t('explain_metrics', lang))}</h3><dl>"]
    for name in dict.fromkeys([*headline_metrics(), *CHARTS]):
        metric = METRICS[name]
        direction = t(f"explain_direction_{metric.direction or 'none'}", lang)
        unit = t("explain_unit", lang, unit=unit_text(metric.unit, lang))
        line = f"{unit}{sep(lang)}{direction}{'。' if lang == 'zh' else '. '}{t('explain_cumulative', lang)}"
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
    with solara.Details(summary=t("explain", lang), expand=False):
        solara.HTML(tag="div", unsafe_innerHTML="".join(parts), classes=["explanations"])
