"""Policy dashboard: three- and five-actor linkage side by side (三社联动 vs 五社联动).

Run with ``sim dashboard`` or ``solara run sim/app.py --production``. Both communities are built
from the same seed and parameters and step together, so every difference on screen comes from
the linkage. Slider and seed changes apply on Reset; a preset applies at once.
"""

import time

import solara
import solara.server.settings

from sim.dashboard import presets
from sim.dashboard.components import Charts, CommunityPanel, HeadlineCards
from sim.dashboard.i18n import t
from sim.dashboard.runs import LinkedRuns
from sim.params import ConfigError

# No usage reports to mixpanel, even under a plain `solara run` (the app loads before the
# server's telemetry starts). `sim dashboard` also sets SOLARA_TELEMETRY_MIXPANEL_ENABLE=False.
solara.server.settings.telemetry.mixpanel_enable = False

PLAY_INTERVAL_S = 0.25  # pause between days while playing, so people can follow the change

# Page state. Module-level reactives are per browser session in Solara.
lang = solara.reactive("zh")
seed = solara.reactive(7)
preset = solara.reactive("preset_default")
levers = {lever.name: solara.reactive(lever.default) for lever in presets.LEVERS}
runs = solara.reactive(None)  # LinkedRuns, built after the first render
version = solara.reactive(0)  # bumped after every step/reset: redraw
playing = solara.reactive(False)
stride = solara.reactive(1)  # days per Step (and per frame while playing)
error = solara.reactive("")  # why the last Reset was refused, if it was
finished = solara.reactive(False)  # both communities reached the horizon: only Reset helps


def reset():
    """Rebuild both communities from the seed, the preset and the slider values."""
    playing.value = False
    sliders = {name: reactive.value for name, reactive in levers.items()}
    try:
        runs.value = LinkedRuns(
            seed=int(seed.value), params=presets.model_overrides(preset.value, sliders)
        )
    except ConfigError as exc:  # e.g. a negative seed: keep the current runs, say why
        error.value = str(exc)
        return
    error.value = ""
    finished.value = False
    version.value += 1


def step():
    """Advance both communities by the chosen number of days."""
    runs.value.step(stride.value)
    finished.value = not runs.value.running
    version.value += 1


def choose_preset(key: str):
    """Move the sliders to the preset's values (model defaults elsewhere) and reset."""
    preset.value = key
    for name, value in presets.lever_values(key).items():
        levers[name].value = value
    reset()


def play_loop():
    """Step while Play is on; runs in a thread so the page stays interactive."""
    while playing.value:
        if finished.value:  # the horizon is reached: Play turns itself off
            playing.value = False
            break
        step()
        time.sleep(PLAY_INTERVAL_S)


@solara.component
def Controls():
    """Sidebar: run buttons, seed, preset, levers, download."""
    lg = lang.value
    ready = runs.value is not None and not finished.value  # a finished run can only be reset
    with solara.Card(t("controls", lg), margin=0):
        with solara.Row():
            solara.Button(
                t("step", lg),
                on_click=step,
                disabled=playing.value or not ready,
                color="primary",
                classes=["btn-step"],
            )
            solara.Button(
                t("pause", lg) if playing.value else t("play", lg),
                on_click=lambda: playing.set(not playing.value),
                disabled=not ready,
                color="primary",
                classes=["btn-play"],
            )
            solara.Button(
                t("reset", lg),
                on_click=reset,
                color="primary",
                outlined=True,
                classes=["btn-reset"],
            )
        with solara.Row(style={"align-items": "center"}):
            solara.Text(t("stride", lg))
            with solara.ToggleButtonsSingle(value=stride, classes=["stride"]):
                for days, label in ((1, "stride_day"), (7, "stride_week"), (30, "stride_month")):
                    solara.Button(t(label, lg), value=days, text=True)
        solara.InputInt(t("seed", lg), value=seed, classes=["input-seed"])
        if error.value:
            solara.Error(t("error", lg) + error.value, classes=["reset-error"])
        labels = {t(key, lg): key for key in presets.PRESETS}
        solara.Select(
            t("scenario", lg),
            values=list(labels),
            value=t(preset.value, lg),
            on_value=lambda label: choose_preset(labels[label]),
        )
    with solara.Card(t("levers", lg), margin=0):
        for lever in presets.LEVERS:
            reactive = levers[lever.name]
            slider = solara.SliderInt if lever.is_int else solara.SliderFloat
            # label on its own line: the Chinese and English names are too long to sit beside a slider
            with solara.Div(classes=[f"lever-{lever.name}"]):
                solara.Text(
                    f"{t(lever.name, lg)}: {reactive.value:g}", style={"font-size": "0.9em"}
                )
                slider("", value=reactive, min=lever.min, max=lever.max, step=lever.step)
        solara.Text(t("pending_note", lg), style={"font-size": "0.85em", "color": "#666"})
    if runs.value is not None:
        with solara.Card(t("effective", lg), margin=0, classes=["effective-params"]):
            for name, value in runs.value.effective_params().items():
                shown = f"{value:g}" if isinstance(value, float) else str(value)
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=f"{t(name, lg)}: <b class='effective-{name}'>{shown}</b>",
                    style="font-size:0.85em",
                )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"{t('seed', lg)}: <b class='effective-seed'>{runs.value.seed}</b>",
                style="font-size:0.85em",
            )
            solara.FileDownload(
                runs.value.csv,
                filename=f"linkage_seed{runs.value.seed}.csv",
                label=t("download", lg),
            )


@solara.component
def Comparison():
    """Main area: headline cards, both communities, charts. Only this part redraws each day."""
    lg, current, day_version = lang.value, runs.value, version.value
    if current is None:
        solara.SpinnerSolara()
        return
    snap = current.snapshot()
    solara.Text(t("subtitle", lg), style={"color": "#444"})
    HeadlineCards(snap, lg)
    with solara.Columns([1, 1]):
        for regime in ("three", "five"):
            CommunityPanel(regime, snap, current.views[regime], day_version, lg)
    Charts(snap, day_version, lg)


@solara.component
def Page():
    """The dashboard page."""
    lg = lang.value
    solara.use_effect(lambda: reset() if runs.value is None else None, [])
    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    solara.Title(t("title", lg))
    with solara.AppBar():
        solara.Button(
            t("language", lg),
            on_click=lambda: lang.set("en" if lg == "zh" else "zh"),
            text=True,
            classes=["btn-lang"],
            style={"color": "white"},
        )
    with solara.AppBarTitle():
        solara.Text(t("title", lg))
    with solara.Sidebar():
        Controls()

    Comparison()
