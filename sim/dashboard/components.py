"""Solara components for the dashboard page: one community panel, headline cards, charts.

They only display what they are given (a ``Snapshot``, the language); state and actions live
in ``sim/app.py``. CSS classes such as ``day-three`` give tests stable hooks in any language.
"""

from __future__ import annotations

import math

import solara

from sim.dashboard import drawing
from sim.dashboard.i18n import t
from sim.dashboard.runs import Snapshot

ACTOR_KINDS = ("platform", "social_org", "social_worker", "volunteer", "charity")
"""Actor kinds in the order the essay introduces them; the last two are what five-linkage adds."""

LEGEND = (
    "legend_none",
    "legend_need",
    "legend_dispute_1",
    "legend_dispute_2",
    "legend_dispute_3",
    "legend_dispute_4",
)


def _dot(colour: str, ring: str | None = None) -> str:
    border = f"2px solid {ring}" if ring else "1px solid #fff"
    return (
        f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
        f'background:{colour};border:{border};margin-right:5px;vertical-align:middle"></span>'
    )


@solara.component
def CommunityPanel(regime: str, snap: Snapshot, view: drawing.NetworkView, version: int, lang: str):
    """Header with the day counter, linked actors, the network drawing and its legend."""
    colour = drawing.REGIME_COLOURS[regime]
    states = snap.states[regime]
    picture = solara.use_memo(lambda: drawing.NetworkPicture(view), dependencies=[view])
    png = solara.use_memo(lambda: picture.png(states), dependencies=[version, picture])
    counts = drawing.state_counts(states)
    day = t("day", lang, day=snap.day[regime]) + (
        "" if snap.running[regime] else " " + t("finished", lang)
    )

    with solara.Card(
        classes=[f"community-{regime}"], style={"border-top": f"6px solid {colour}"}, margin=1
    ):
        with solara.Row(justify="space-between", style={"align-items": "baseline"}):
            solara.HTML(
                tag="h2",
                unsafe_innerHTML=t(f"regime_{regime}", lang),
                style=f"color:{colour};margin:0",
            )
            solara.Text(
                day,
                classes=["day-counter", f"day-{regime}"],
                style={"font-size": "1.2em", "font-weight": "bold"},
            )
        # which actors take part: the two that five-linkage adds are greyed out under three-linkage
        present = set(snap.actors[regime])
        chips = []
        for kind in ACTOR_KINDS:
            on = kind in present
            label = t(f"actor_{kind}", lang) + ("" if on else f" ({t('actor_absent', lang)})")
            style = (
                f"background:{colour};color:#fff"
                if on
                else "background:#eee;color:#999;text-decoration:line-through"
            )
            chips.append(
                f'<span class="actor-chip" style="{style};border-radius:12px;padding:2px 9px;margin:2px;display:inline-block;font-size:0.85em">{label}</span>'
            )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>{t('actors', lang)}:</b> " + "".join(chips),
            classes=[f"actors-{regime}"],
        )
        solara.Image(png, width="100%", classes=[f"network-{regime}"])
        rows = [
            f"{_dot(drawing.NODE_COLOURS[_legend_colour(key)])}{t(key, lang)}: <b>{counts[key]}</b>"
            for key in LEGEND
        ]
        rows.append(
            f"{_dot('#fff', drawing.VOLUNTEER_RING)}{t('legend_volunteer', lang)}: <b>{counts['legend_volunteer']}</b>"
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=" &nbsp; ".join(rows),
            style="font-size:0.85em;line-height:1.8",
        )
        note = (
            t("sample_note", lang, shown=len(view.nodes), total=view.total)
            if view.sampled
            else t("all_note", lang, total=view.total)
        )
        solara.Text(note, classes=["network-note"], style={"font-size": "0.8em", "color": "#666"})


def _legend_colour(key: str):
    return {"legend_none": "none", "legend_need": "need"}.get(key) or int(key[-1])


HEADLINES = (
    # (label key, metric, format); lower is better for all of them
    ("card_unmet", "unmet_need_share", "share"),
    ("card_escalated", "dispute_escalation_share", "share"),
    ("card_court", "court_filings_per_10k", "number"),
    ("card_cost", "cost_per_resolved_case", "yuan"),
)


def _fmt(value, kind: str) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return {"share": f"{value:.1%}", "number": f"{value:.1f}", "yuan": f"{value:,.0f}"}[kind]


def _fmt_diff(diff: float, kind: str) -> str:
    if kind == "share":
        return f"{diff * 100:+.1f} pp"
    return f"{diff:+.1f}" if kind == "number" else f"{diff:+,.0f}"


@solara.component
def HeadlineCards(snap: Snapshot, lang: str):
    """One card per outcome: three-linkage, five-linkage, and the difference (five minus three)."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}, classes=["headline-cards"]):
        for label, metric, kind in HEADLINES:
            three = snap.metrics["three"].get(metric)
            five = snap.metrics["five"].get(metric)
            with solara.Card(margin=0, style={"flex": "1 1 200px"}, classes=[f"card-{metric}"]):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=t(label, lang),
                    style="font-size:1.1em;font-weight:500;margin-bottom:4px",
                )
                for regime, value in (("three", three), ("five", five)):
                    colour = drawing.REGIME_COLOURS[regime]
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f'<span style="color:{colour}">{t(f"regime_{regime}", lang)}</span>: '
                        f'<b style="font-size:1.3em">{_fmt(value, kind)}</b>',
                    )
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=_difference_html(three, five, kind, lang),
                    classes=["difference"],
                )


def _difference_html(three, five, kind: str, lang: str) -> str:
    if three is None or five is None or not (math.isfinite(three) and math.isfinite(five)):
        return f"{t('difference', lang)}: –"
    diff = five - three
    verdict, colour = (
        ("same", "#666")
        if abs(diff) < 1e-12
        else (("better", "#1a9641") if diff < 0 else ("worse", "#c0392b"))
    )
    return f'{t("difference", lang)}: <b style="color:{colour}">{_fmt_diff(diff, kind)}</b> ({t(verdict, lang)})'


CHARTS = (("chart_unmet", "unmet_need_share"), ("chart_escalation", "dispute_escalation_share"))


@solara.component
def Charts(snap: Snapshot, version: int, lang: str):
    """Unmet-need share and dispute escalation over time, both regimes on shared axes."""
    pictures = solara.use_memo(lambda: [drawing.SeriesPicture(column) for _, column in CHARTS], [])
    pngs = solara.use_memo(lambda: [p.png(snap.frames) for p in pictures], dependencies=[version])
    key = " &nbsp; ".join(
        f'<span style="display:inline-block;width:18px;height:3px;background:{drawing.REGIME_COLOURS[r]};vertical-align:middle;margin-right:4px"></span>{t(f"regime_{r}", lang)}'
        for r in ("three", "five")
    )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        for (title, column), png in zip(CHARTS, pngs, strict=True):
            with solara.Card(
                t(title, lang), margin=0, style={"flex": "1 1 420px"}, classes=[f"chart-{column}"]
            ):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=f"{key} &nbsp; <span style='color:#666;font-size:0.85em'>{t('chart_axes', lang)}</span>",
                )
                solara.Image(png, width="100%")
