"""Policy dashboard: three- and five-actor linkage side by side (三社联动 vs 五社联动).

Run with ``solara run sim/dashboard/app.py --production`` (or ``sim dashboard``). The
communities are built from the same seed and parameters and step together, so every
difference on screen comes from the linkage. Slider, box and seed changes apply on Reset; a
preset applies at once. State and actions: ``state``; panels: ``components``, ``sidebar``.
"""

from __future__ import annotations

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
"""


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
    if pairs_result is not None:
        cards = cardlib.pairs_cards(pairs_result.runs, pairs_result.tables)
        source = t("source_pairs", lg, n=pairs_result.reps, days=current.params()["days"])
    else:
        cards = cardlib.run_cards(snap.summary, regimes)
        source = t("source_run", lg)
        stale = state.pairs_status.value.result
        if stale is not None:
            source += " " + t("pairs_stale", lg, n=stale.reps)
    with solara.Column(classes=[f"frame-{frame}", "comparison"], gap="10px"):
        solara.Text(t("subtitle", lg), style={"color": "#333"})
        components.HeadlineCards(cards, source, lg, controls)
        with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
            for regime in regimes:
                components.CommunityPanel(regime, snap, current.views[regime], frame, lg, controls)
        components.Charts(snap, frame, lg, controls)


SIDEBAR_WIDTH = "376px"  # fixed, so switching language never widens the drawer over the page


@solara.component
def Sidebar():
    lg = state.lang.value
    day = state.runs.value.day if state.runs.value is not None else 0
    _ = state.frame.value  # the exports depend on whether a day has run
    sidebar.RunControls(lg)
    sidebar.Levers(lg)
    sidebar.ControlCommunities(lg)
    sidebar.PairsCard(lg)
    sidebar.Exports(lg, day)
    sidebar.EffectiveParams(lg)


@solara.component
def Page():
    """The dashboard page."""
    lg = state.lang.value
    solara.use_effect(lambda: state.reset() if state.runs.value is None else None, [])
    solara.Title(t("title", lg))
    solara.Style(CSS)
    with solara.AppBar():
        solara.Button(
            t("language", lg),
            on_click=state.switch_language,
            text=True,
            classes=["btn-lang"],
            style={"color": "white"},
            attributes={"aria-label": t("language_name", lg)},
        )
    with solara.AppBarTitle():
        solara.Text(t("title", lg))
    with solara.Sidebar(), Boundary(name="sidebar"):
        Sidebar()
    NoticeBar()
    with Boundary(name="comparison"):
        Comparison()
        components.Explanations(lg, state.CONTROL_REGIMES)
    solara.Text(
        t("credits", lg), style={"color": MUTED_TEXT, "font-size": "0.8em"}, classes=["credits"]
    )
    PageAgent(
        frame=state.frame.value,
        lang=lg,
        nav_label=t("sidebar_button", lg),
        event_frame_shown=state.frame_shown,
    )
    Downloader(file=state.download.value)
