"""The sidebar: run controls and presets, the levers in four groups (street and
communities, volunteers, money and goods, linkage costs and risks; each lever says what its
value means here), control communities, the paired comparison, exports and the parameters
in effect.

Every control calls an action of ``state``; values that wait for Reset are marked as pending
next to the control, and Reset says that it will apply them.
"""

from __future__ import annotations

import math
import re

import solara

from sim.dashboard import pairs, presets, state
from sim.dashboard.colours import MUTED_TEXT, WORSE
from sim.dashboard.frontend import NativeSelect
from sim.dashboard.i18n import paren, regime_name, sep, t
from sim.model import PARAM_SPECS, ConfigError, Params

SMALL = {"font-size": "14px", "color": MUTED_TEXT}  # helper text: 14 px, in Chinese too
STRIDE_LABELS = ("stride_day", "stride_week", "stride_month")


def _shown(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def note(text: str, classes=(), style=None):
    """A block of text (``solara.Text`` is inline: two in a row would run together)."""
    solara.Div(children=[text], classes=["helper", *classes], style=style or {})


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
            note(
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
        with solara.Div(classes=["select-preset"]):
            NativeSelect(
                label=t("scenario", lang),
                value=state.preset.value,
                options=[{"value": key, "label": t(key, lang)} for key in presets.PRESETS],
                event_choose=state.choose_preset,
            )
        note(preset_sets(state.preset.value, lang), style=SMALL, classes=["preset-sets"])
        note(t("pending_note", lang), style=SMALL)


def preset_sets(key: str, lang: str) -> str:
    """ "This preset sets: Share of residents aged 60+ 0.33 (default 0.211); ..." """
    changes = sep(lang).join(
        f"{t(name, lang)} {_shown(value)}"
        + paren(t("default_value", lang, value=_shown(PARAM_SPECS[name].default)), lang)
        for name, value in presets.PRESETS[key].items()
    )
    return t("preset_sets", lang, list=changes) if changes else t("preset_sets_none", lang)


def _pending_chip(name: str, pending: list[str], lang: str):
    if name in pending and state.runs.value is not None:
        built = state.runs.value.settings.overrides.get(name)
        note(
            t("pending_chip", lang) + paren(t("pending_value", lang, value=_shown(built)), lang),
            classes=[f"pending-{name}", "pending-chip"],
            style={"font-size": "14px", "color": WORSE, "font-weight": "500"},
        )


@solara.component
def Lever(lever: presets.Lever, lang: str, pending: list[str]):
    """A slider (its accessible name is the parameter's label) and, for size and horizon,
    a number box reaching beyond the slider."""
    value = state.levers[lever.name].value
    slider = solara.SliderInt if lever.is_int else solara.SliderFloat
    label = t(lever.name, lang)
    values = {name: r.value for name, r in state.levers.items()}
    gloss = presets.in_words(lever.name, values)
    with solara.Div(classes=[f"lever lever-{lever.name}"]):
        note(f"{label}: {_shown(value)}", style={"font-size": "15px"})
        if gloss is not None:
            note(t(gloss[0], lang, **gloss[1]), style=SMALL, classes=["lever-words"])
        # the slider shows the value on its grid; a value typed off the grid (8,050
        # residents) or beyond it must not be replaced by the slider's rounding of it
        on_grid = on_slider(lever, value)

        def slid(v):
            if v != on_grid:
                state.set_lever(lever.name, v)

        slider(label, value=on_grid, min=lever.min, max=lever.max, step=lever.step, on_value=slid)
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


def on_slider(lever: presets.Lever, value):
    """Where the slider shows ``value``: clamped to its range, rounded to its step."""
    inside = min(max(value, lever.min), lever.max)
    steps = round((inside - lever.min) / lever.step)
    shown = lever.min + steps * lever.step
    return round(float(shown)) if lever.is_int else float(round(shown, 10))


@solara.component
def Levers(lang: str):
    pending = state.pending_changes()
    for group, levers in presets.GROUPS.items():
        with solara.Card(t(group, lang), margin=0, classes=[f"levers-{group}"]):
            note(t(f"{group}_note", lang), style=SMALL)
            if group == "group_community":
                SizeWarning(lang)
            for lever in levers:
                Lever(lever, lang, pending)


def size_notice(values: dict) -> tuple[str, dict] | None:
    """The model's warning about a community too small for its staffing
    (``Params.size_warning``), as a label key and fields in the page's words."""
    try:
        params = Params.from_dict({k: v for k, v in values.items() if k in PARAM_SPECS})
    except ConfigError:  # a value the model refuses: Reset says so
        return None
    warning = params.size_warning()
    if warning is None:
        return None
    if warning.startswith("a community of"):
        staff = params.community_staff_per_10k * params.n_residents / 10_000
        smallest = re.search(r"below ([\d,]+) residents", warning)
        return "size_small", {
            "n": f"{params.n_residents:,}",
            "staff": f"{staff:.2g}",
            "smallest": smallest.group(1) if smallest else "–",
        }
    return "size_overheads", {}


@solara.component
def SizeWarning(lang: str):
    found = size_notice({name: r.value for name, r in state.levers.items()})
    if found is not None:
        solara.Warning(t(found[0], lang, **found[1]), classes=["size-warning"], dense=True)


@solara.component
def ControlCommunities(lang: str):
    """Checkboxes adding three-actor communities with equal resources (off by default)."""
    if not state.CONTROL_REGIMES:
        return
    pending = state.pending_changes()
    with solara.Card(t("controls_regimes", lang), margin=0, classes=["control-regimes"]):
        note(t("controls_note", lang), style=SMALL)
        for regime in state.CONTROL_REGIMES:
            with solara.Div(classes=[f"control-{regime}"]):
                solara.Checkbox(label=regime_name(regime, lang), value=state.controls[regime])
        if "controls_regimes" in pending:
            note(t("pending_chip", lang), style={"font-size": "14px", "color": WORSE})


@solara.component
def PairsCard(lang: str):
    """Run N pairs with the current settings; progress, Cancel, outcome."""
    status = state.pairs_status.value
    error = state.pairs_count_error.value
    running = status.state == "running"
    with solara.Card(t("pairs", lang), margin=0, classes=["pairs-card"]):
        note(t("pairs_note", lang), style=SMALL)
        per_pair = pairs.runs_per_pair(False)
        note(t("pairs_cost", lang, runs=per_pair), style=SMALL, classes=["pairs-cost"])
        with solara.Div(classes=["ladder-ask"]):
            solara.Checkbox(
                label=t("ladder_ask", lang, runs=pairs.runs_per_pair(True)),
                value=state.ladder,
                disabled=running,
            )
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
            stage = "pairs_stage_2" if status.result is not None else "pairs_stage_1"
            text = t("pairs_progress", lang, done=status.done, total=status.total)
            left = status.seconds_left()
            if left is not None:
                text += t("pairs_left", lang, left=_duration(left, lang))
            note(t(stage, lang), style=SMALL)
            note(text, classes=["pairs-status"])
        elif status.state in ("done", "cancelled", "failed"):
            n = status.result.reps if status.result else 0
            key = {"done": "pairs_done", "cancelled": "pairs_cancelled", "failed": "pairs_failed"}[
                status.state
            ]
            if status.state == "cancelled" and status.result is not None:
                key = "pairs_cancelled_split"
            if status.restored:
                key = "pairs_restored"
            note(
                t(key, lang, n=n),
                classes=["pairs-status", f"pairs-{status.state}"]
                + (["pairs-restored"] if status.restored else []),
                style={"color": WORSE} if status.state == "failed" else {},
            )


def _duration(seconds: float, lang: str) -> str:
    if seconds < 90:
        return t("seconds", lang, n=max(1, math.ceil(seconds / 5) * 5))
    return t("minutes", lang, n=math.ceil(seconds / 60))


@solara.component
def Exports(lang: str):
    """CSV, data dictionary, the N pairs as CSV and the one-page brief."""
    _ = state.frame.value  # whether a day has run changes with the frames
    empty = state.runs.value is None or state.runs.value.day == 0
    have_pairs = state.matching_pairs() is not None
    brief_ready = state.brief_ready()
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
            note(t("csv_empty", lang), style=SMALL, classes=["csv-empty"])
        solara.Button(
            t("download_pairs_csv", lang),
            on_click=state.download_pairs_csv,
            disabled=not have_pairs,
            outlined=True,
            color="primary",
            classes=["btn-pairs-csv"],
        )
        if not have_pairs:
            note(t("pairs_csv_empty", lang), style=SMALL, classes=["pairs-csv-empty"])
        solara.Button(
            t("download_pdf", lang),
            on_click=lambda: state.download_brief("pdf"),
            disabled=not brief_ready,
            outlined=True,
            color="primary",
            classes=["btn-brief-pdf"],
        )
        solara.Button(
            t("download_png", lang),
            on_click=lambda: state.download_brief("png"),
            disabled=not brief_ready,
            outlined=True,
            color="primary",
            classes=["btn-brief-png"],
        )
        if not brief_ready:
            note(t("brief_empty", lang), style=SMALL, classes=["brief-empty"])


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
                style="font-size:14px",
            )
