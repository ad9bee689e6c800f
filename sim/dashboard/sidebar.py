"""The sidebar: run controls, community size and horizon, policy levers, control
communities, the paired comparison, exports and the parameters in effect.

Every control calls an action of ``state``; values that wait for Reset are marked as pending
next to the control, and Reset says that it will apply them.
"""

from __future__ import annotations

import solara

from sim.dashboard import presets, state
from sim.dashboard.colours import MUTED_TEXT, WORSE
from sim.dashboard.i18n import paren, regime_name, t

SMALL = {"font-size": "0.85em", "color": MUTED_TEXT}
STRIDE_LABELS = ("stride_day", "stride_week", "stride_month")


def _shown(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


@solara.component
def RunControls(lang: str):
    """Step / Play / Reset, days per step, seed and preset."""
    playing, current = state.playing.value, state.runs.value
    ready = current is not None and current.running
    pending = state.pending_changes()
    stride_labels = dict(zip(state.STRIDES, STRIDE_LABELS, strict=True))
    step_label = t("step", lang) + paren(t(stride_labels[state.stride.value], lang), lang)
    with solara.Card(t("controls", lang), margin=0):
        with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
            solara.Button(
                step_label,
                on_click=state.step,
                disabled=playing or not ready,
                color="primary",
                classes=["btn-step"],
            )
            solara.Button(
                t("pause", lang) if playing else t("play", lang),
                on_click=state.toggle_play,
                disabled=not ready and not playing,
                color="primary",
                classes=["btn-play"],
            )
            solara.Button(
                t("reset_pending", lang) if pending else t("reset", lang),
                on_click=state.reset,
                color="warning" if pending else "primary",
                outlined=not pending,
                classes=["btn-reset"] + (["pending"] if pending else []),
            )
        if pending:
            solara.Text(
                t("pending_count", lang, count=len(pending)),
                classes=["pending-banner"],
                style={"color": WORSE, "font-weight": "500"},
            )
        with solara.Div(style={"margin-top": "8px"}):
            solara.Div(children=[t("stride", lang)])
            with solara.ToggleButtonsSingle(
                value=state.stride.value, on_value=state.stride.set, classes=["stride"]
            ):
                for days, key in stride_labels.items():
                    solara.Button(t(key, lang), value=days, text=True)
            solara.Div(children=[t("stride_note", lang)], style=SMALL)
        seed_error = state.seed_error.value
        seed_label = t("seed", lang) + (
            " · " + t("pending_chip", lang) if "seed" in pending else ""
        )
        solara.InputText(
            seed_label,
            value=state.seed_text.value,
            on_value=state.type_seed,
            classes=["input-seed"],
            error=seed_error.message(lang) if seed_error else False,
            message=t("seed_hint", lang),
        )
        labels = {t(key, lang): key for key in presets.PRESETS}
        solara.Select(
            t("scenario", lang),
            values=list(labels),
            value=t(state.preset.value, lang),
            on_value=lambda label: state.choose_preset(labels[label]),
            classes=["select-preset"],
        )
        solara.Text(t("pending_note", lang), style=SMALL)


def _pending_chip(name: str, pending: list[str], lang: str):
    if name in pending and state.runs.value is not None:
        built = state.runs.value.settings.overrides.get(name)
        solara.Text(
            t("pending_chip", lang) + paren(t("pending_value", lang, value=_shown(built)), lang),
            classes=[f"pending-{name}", "pending-chip"],
            style={"font-size": "0.8em", "color": WORSE, "font-weight": "500"},
        )


@solara.component
def Lever(lever: presets.Lever, lang: str, pending: list[str]):
    """A slider (its accessible name is the parameter's label) and, for size and horizon,
    a number box reaching beyond the slider."""
    value = state.levers[lever.name].value
    slider = solara.SliderInt if lever.is_int else solara.SliderFloat
    label = t(lever.name, lang)
    with solara.Div(classes=[f"lever lever-{lever.name}"]):
        solara.Text(f"{label}: {_shown(value)}", style={"font-size": "0.9em"})
        slider(
            label,
            value=min(max(value, lever.min), lever.max),
            min=lever.min,
            max=lever.max,
            step=lever.step,
            on_value=lambda v: state.set_lever(lever.name, v),
        )
        if lever.box_max is not None:
            error = state.box_errors[lever.name].value
            low, high = lever.limits
            solara.InputText(
                f"{label} · {t('number_box', lang)} ({_shown(int(low))}–{_shown(int(high))})",
                value=error.typed if error else str(value),
                on_value=lambda text: state.type_lever(lever.name, text),
                error=error.message(lang) if error else False,
                classes=[f"box-{lever.name}"],
            )
        _pending_chip(lever.name, pending, lang)


@solara.component
def Levers(lang: str):
    pending = state.pending_changes()
    with solara.Card(t("community", lang), margin=0):
        for lever in presets.COMMUNITY:
            Lever(lever, lang, pending)
    with solara.Card(t("levers", lang), margin=0):
        for lever in presets.POLICY:
            Lever(lever, lang, pending)


@solara.component
def ControlCommunities(lang: str):
    """Checkboxes adding three-actor communities with equal resources (off by default)."""
    if not state.CONTROL_REGIMES:
        return
    pending = state.pending_changes()
    with solara.Card(t("controls_regimes", lang), margin=0, classes=["control-regimes"]):
        solara.Text(t("controls_note", lang), style=SMALL)
        for regime in state.CONTROL_REGIMES:
            with solara.Div(classes=[f"control-{regime}"]):
                solara.Checkbox(label=regime_name(regime, lang), value=state.controls[regime])
        if "controls_regimes" in pending:
            solara.Text(t("pending_chip", lang), style={"font-size": "0.8em", "color": WORSE})


@solara.component
def PairsCard(lang: str):
    """Run N pairs with the current settings; progress, Cancel, outcome."""
    status = state.pairs_status.value
    error = state.pairs_count_error.value
    running = status.state == "running"
    with solara.Card(t("pairs", lang), margin=0, classes=["pairs-card"]):
        solara.Text(t("pairs_note", lang), style=SMALL)
        solara.InputText(
            t("pairs_count", lang),
            value=state.pairs_count_text.value,
            on_value=state.type_pairs_count,
            error=error.message(lang) if error else False,
            classes=["input-pairs"],
            disabled=running,
        )
        n = state.pairs_count_text.value.strip() if not error else "N"
        with solara.Row():
            solara.Button(
                t("pairs_run", lang, n=n),
                on_click=state.start_pairs,
                color="primary",
                disabled=running or state.runs.value is None,
                classes=["btn-pairs"],
            )
            if running:
                solara.Button(
                    t("pairs_cancel", lang),
                    on_click=state.cancel_pairs,
                    outlined=True,
                    color="primary",
                    classes=["btn-pairs-cancel"],
                )
        if running:
            share = 100 * status.done / status.total if status.total else 0
            solara.ProgressLinear(value=share, color="primary")
            solara.Text(
                t("pairs_progress", lang, done=status.done, total=status.total),
                classes=["pairs-status"],
            )
        elif status.state in ("done", "cancelled", "failed"):
            n = status.result.reps if status.result else 0
            key = {"done": "pairs_done", "cancelled": "pairs_cancelled", "failed": "pairs_failed"}[
                status.state
            ]
            solara.Text(
                t(key, lang, n=n),
                classes=["pairs-status", f"pairs-{status.state}"],
                style={"color": WORSE} if status.state == "failed" else {},
            )


@solara.component
def Exports(lang: str, day: int):
    """CSV, data dictionary and the one-page brief."""
    empty = day == 0
    with solara.Card(t("downloads", lang), margin=0, classes=["exports"]), solara.Column(gap="4px"):
        solara.Button(
            t("download_csv", lang),
            on_click=state.download_csv,
            disabled=empty,
            outlined=True,
            color="primary",
            classes=["btn-csv"],
        )
        solara.Button(
            t("download_dictionary", lang),
            on_click=state.download_dictionary,
            disabled=empty,
            outlined=True,
            color="primary",
            classes=["btn-dictionary"],
        )
        if empty:
            solara.Text(t("csv_empty", lang), style=SMALL, classes=["csv-empty"])
        solara.Button(
            t("download_pdf", lang),
            on_click=lambda: state.download_brief("pdf"),
            outlined=True,
            color="primary",
            classes=["btn-brief-pdf"],
        )
        solara.Button(
            t("download_png", lang),
            on_click=lambda: state.download_brief("png"),
            outlined=True,
            color="primary",
            classes=["btn-brief-png"],
        )


@solara.component
def EffectiveParams(lang: str):
    """The parameters the current runs were built with, read back from the model."""
    current = state.runs.value
    if current is None:
        return
    with solara.Card(t("effective", lang), margin=0, classes=["effective-params"]):
        rows = [
            (t("preset_current", lang), t(current.settings.preset, lang), "preset"),
            (t("seed", lang), str(current.seed), "seed"),
        ]
        rows += [
            (t(name, lang), _shown(value), name)
            for name, value in current.effective_params().items()
        ]
        rows += [
            (t("controls_regimes", lang), regime_name(r, lang), "control")
            for r in current.settings.controls
        ]
        for label, shown, key in rows:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"{label}: <b class='effective-{key}'>{shown}</b>",
                style="font-size:0.85em",
            )
