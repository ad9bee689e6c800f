"""Policy dashboard: three- and five-actor linkage side by side (三社联动 vs 五社联动).

Run with ``solara run sim/dashboard/app.py --production`` (or ``sim dashboard``). The
communities are built from the same seed and parameters and step together, so every
difference on screen comes from the linkage. Slider, box and seed changes apply on Reset; a
preset applies at once. After N pairs the page opens with the bottom line (what five
changes, how sure, and how much of it is resources, routing and linkage itself), its
waterfall, and the cards and charts of the pairs; below, which assumption decides it.
State and actions: ``state``; panels: ``components``, ``sidebar``.
"""

from __future__ import annotations

import html
import logging
import sys

import solara
import solara.server.settings

from sim.dashboard import cards as cardlib
from sim.dashboard import components, sidebar, state
from sim.dashboard.colours import MUTED_TEXT
from sim.dashboard.frontend import Downloader, PageAgent
from sim.dashboard.i18n import t

# No usage reports to mixpanel, even under a plain `solara run` (the app loads before the
# server's telemetry starts), and no "runs on Solara" badge over the content (its English
# text would also be the only English on the Chinese page; the page credits Solara below).
solara.server.settings.telemetry.mixpanel_enable = False
solara.server.settings.theme.show_banner = False

log = logging.getLogger("sim.dashboard")
if not log.handlers:  # tracebacks of failed actions go to the server's stderr (its log)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

CSS = f"""
/* helper text is at least 14 px (Chinese at smaller sizes is hard to read) */
.helper, .v-messages, .v-messages__message, .v-input--checkbox .v-label,
.chart-key {{ font-size: 14px !important; }}
.v-messages__message {{ line-height: 1.3; }}
.app-title {{ font-size: 1.25rem; font-weight: 500; margin: 0; line-height: 1.2; }}
.section-title {{ font-size: 1.15rem; font-weight: 500; margin: 0 0 6px 0; }}
.bottom-line {{ background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 10px 14px; }}
.bottom-title {{ font-size: 1.15rem; margin: 0 0 6px 0; }}
.bottom-sentence {{ font-size: 17px; line-height: 1.55; margin: 0 0 6px 0; padding-left: 10px; }}
.bottom-disputes {{ font-size: 15px; line-height: 1.5; margin: 0; color: #333; }}
.waterfall {{ font-size: 14px; }}
.waterfall-caption {{ color: {MUTED_TEXT}; margin-bottom: 4px; }}
.waterfall .step, .waterfall .step-axis {{ display: grid; grid-template-columns: minmax(180px, 32%) 1fr minmax(170px, 26%);
  gap: 8px; align-items: center; min-height: 26px; }}
.waterfall .step-track, .waterfall .step-track-axis {{ position: relative; height: 20px; }}
.waterfall .step-zero {{ position: absolute; top: -3px; bottom: -3px; border-left: 1px solid #000; }}
.waterfall .step-bar {{ position: absolute; top: 3px; height: 14px; border-radius: 2px; }}
.waterfall .step-ci {{ position: absolute; top: 9px; height: 0; border-top: 2px solid #000; }}
.waterfall .step-interval {{ display: block; color: {MUTED_TEXT}; font-size: 14px; }}
.waterfall .step-track-axis span {{ position: absolute; color: {MUTED_TEXT}; font-size: 14px; }}
.waterfall .step-total {{ border-top: 1px solid #999; padding-top: 2px; }}
.sweep-reading {{ margin: 6px 0 0 0; padding-left: 1.2em; font-size: 15px; line-height: 1.5; }}
.explain-details summary {{ cursor: pointer; font-weight: 500; padding: 8px 0; }}
/* a visible focus ring on everything reachable by keyboard */
.v-application *:focus-visible, .v-application .v-slider__thumb-container:focus {{
  outline: 3px solid #1f5fa8 !important; outline-offset: 2px !important;
}}
/* slider labels stay for screen readers (aria-label) but the visible label is above */
.lever .v-slider .v-label, .lever .v-input__slot > .v-label {{
  position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
}}
/* the controls keep one width in both languages: long button labels wrap */
.v-navigation-drawer {{ width: 400px !important; max-width: 400px !important; }}
.sidebar .v-btn {{ height: auto !important; min-height: 36px; max-width: 100%; }}
.sidebar .v-btn__content {{ white-space: normal; text-align: left; padding: 4px 0; }}
.explanations dd {{ margin: 0 0 6px 1em; }}
.explanations h3 {{ margin: 10px 0 4px 0; font-size: 1.05em; }}
.v-messages__message {{ color: {MUTED_TEXT}; }}
.error--text .v-messages__message {{ color: #b3261e; }}
"""  # noqa: E501 - CSS rules, one per line: wrapping would change the stylesheet string


@solara.component
def Boundary(children: list | None = None, name: str = ""):
    """Shows a short message instead of a part of the page that failed to render."""
    exception, clear = solara.use_exception()
    lg = state.lang.value

    def report():
        if exception is not None:
            log.error("dashboard part %s failed to render", name, exc_info=exception)

    solara.use_effect(report, [exception])
    if exception is not None:
        with solara.Column(classes=["render-error"]):
            solara.Warning(t("error_render", lg))
            solara.Button(t("retry", lg), on_click=clear, outlined=True, color="primary")
        return
    solara.Column(children=children or [], gap="8px")


@solara.component
def NoticeBar():
    """The latest message (a refused value, a failed action), dismissible."""
    notice, lg = state.notice.value, state.lang.value
    if notice is None:
        return
    fields = {name: t(key, lg) for name, key in notice.fields}
    text = notice.refusal.message(lg) if notice.refusal else t(notice.key, lg, **fields)
    with solara.Row(classes=["notice"], style={"align-items": "center"}):
        with solara.Div(style={"flex": "1"}):
            solara.Warning(text, classes=["notice-text"])
        solara.Button(t("dismiss", lg), on_click=state.dismiss_notice, text=True, color="primary")


@solara.component
def Comparison():
    """Cards, communities and charts; the only part redrawn on every frame."""
    lg, current, frame = state.lang.value, state.runs.value, state.frame.value
    if current is None:
        solara.SpinnerSolara()
        return
    snap = current.snapshot()
    regimes, controls = current.settings.regimes, current.settings.controls
    pairs_result = state.matching_pairs()
    status = state.pairs_status.value
    stale = status.result is not None and pairs_result is None
    if pairs_result is not None:
        cards = pairs_result.memo(
            ("cards", regimes),
            lambda: cardlib.pairs_cards(
                pairs_result.runs, pairs_result.tables_for(regimes), pairs_result.community_years
            ),
        )
        source = t("source_pairs", lg, n=pairs_result.reps, days=current.params()["days"])
    else:
        cards = cardlib.run_cards(snap.summary, regimes, snap.today / 365)
        source = t("source_run", lg)
        if stale:
            source += " " + t("pairs_stale", lg, n=status.result.reps)
    with solara.Column(classes=[f"frame-{frame}", "comparison"], gap="10px"):
        solara.Text(t("subtitle", lg), style={"color": "#333"})
        components.BottomLine(pairs_result, status.state == "running", stale, lg)
        if pairs_result is not None:  # the bottom line's "because", step by step
            components.LadderChart(pairs_result, state.ladder_metric.value, lg)
        components.HeadlineCards(cards, source, lg, controls, pairs_result is not None)
        with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
            for regime in regimes:
                components.CommunityPanel(regime, snap, current.views[regime], frame, lg, controls)
        communities = int(current.params()["communities"])
        if communities > 1:
            solara.Text(t("live_one_community", lg, k=communities), classes=["helper"])
        components.Charts(snap, frame, lg, controls, pairs_result)


SIDEBAR_WIDTH = "376px"  # fixed, so switching language never widens the drawer over the page


@solara.component
def Sidebar():
    lg = state.lang.value
    sidebar.RunControls(lg)
    sidebar.Levers(lg)
    sidebar.ControlCommunities(lg)
    sidebar.PairsCard(lg)
    sidebar.Exports(lg)  # the only part of the sidebar that follows the frames
    sidebar.EffectiveParams(lg)


@solara.component
def Sweep():
    lg = state.lang.value
    current = state.runs.value
    components.SweepPanel(
        lg,
        current.settings if current is not None else None,
        state.sweep_status.value,
        state.sweep_parameter.value,
        state.sweep_metric.value,
        state.sweep_levels_text.value,
        state.sweep_pairs_text.value,
        state.sweep_levels_error.value,
        state.sweep_pairs_error.value,
    )


@solara.component
def Page():
    """The dashboard page."""
    lg = state.lang.value
    address = solara.use_router().search  # the query string the page was opened with
    solara.use_effect(lambda: state.open_page(address), [])
    solara.Title(t("title", lg))
    solara.Style(CSS)
    with solara.AppBar():
        # the accessible name starts with the visible text (WCAG 2.5.3), in its own language
        solara.Button(
            t("language", lg),
            on_click=state.switch_language,
            text=True,
            classes=["btn-lang"],
            style={"color": "white"},
            attributes={
                "aria-label": f"{t('language', lg)}: {t('language_name', lg)}",
                "lang": "en" if lg == "zh" else "zh-CN",
            },
        )
    with solara.AppBarTitle():
        solara.HTML(tag="h1", unsafe_innerHTML=html.escape(t("title", lg)), classes=["app-title"])
    with solara.Sidebar(), Boundary(name="sidebar"):
        Sidebar()
    NoticeBar()
    with Boundary(name="comparison"):
        Comparison()
    with Boundary(name="sweep"):
        Sweep()
    with Boundary(name="explanations"):
        components.Explanations(lg, state.CONTROL_REGIMES)
    solara.Text(
        t("credits", lg), style={"color": MUTED_TEXT, "font-size": "14px"}, classes=["credits"]
    )
    Agent()
    Downloader(file=state.download.value)


@solara.component
def Agent():
    """The browser side of the play loop and of the address (its own component, so a new
    frame or Pause re-renders only what shows them, not the whole page)."""
    lg = state.lang.value
    PageAgent(
        frame=state.frame.value,
        lang=lg,
        nav_label=t("sidebar_button", lg),
        progress_label=t("progress", lg),
        query=state.query.value,
        playing=state.playing.value,
        event_frame_shown=state.frame_shown,
        event_restore=state.restore,
    )
