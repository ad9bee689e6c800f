"""The page's state and every action people can take on it.

Module-level ``solara.reactive`` values are per browser session in Solara. Actions are plain
functions wrapped in ``guarded``: an unexpected error in one never reaches the page as a
traceback; it is logged with its traceback on the server and the page shows a short message
in its own language, keeping the current runs.

The play loop is driven by the browser (``frontend.PageAgent``): after Play, the server
advances one frame, and advances the next only when the page reports that it has drawn the
previous one. So the simulation never runs ahead of the screen, on a slow or busy machine too.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import solara

from sim.dashboard import brief, export, frontend, pairs, presets
from sim.dashboard.inputs import Refusal, parse_int, parse_seed
from sim.dashboard.pairs import PairsJob, PairsStatus
from sim.dashboard.runs import LinkedRuns, Settings
from sim.model import REGIMES, ConfigError

log = logging.getLogger("sim.dashboard")

CONTROL_REGIMES = tuple(r for r in REGIMES if r.startswith("three-equal-resources"))
"""Controls that can join as extra communities: three-actor linkage with equal resources."""
STRIDES = (1, 7, 30)  # days per Step and per frame while playing


@dataclass(frozen=True)
class Notice:
    """A message for the page: a label key and its fields, or a refused input.

    ``fields`` are (name, label key) pairs, translated when shown, so the message follows a
    language switch."""

    key: str = "error_generic"
    fields: tuple = ()
    refusal: Refusal | None = None


# --- state (one set per browser session) ---------------------------------------------------
lang = solara.reactive("zh")
seed_text = solara.reactive("7")
seed_error = solara.reactive(None)  # Refusal of the seed box, if any
preset = solara.reactive("preset_default")
levers = {lever.name: solara.reactive(lever.default) for lever in presets.LEVERS}
box_errors = {lever.name: solara.reactive(None) for lever in presets.LEVERS if lever.box_max}
controls = {regime: solara.reactive(False) for regime in CONTROL_REGIMES}
stride = solara.reactive(1)
runs = solara.reactive(None)  # LinkedRuns, built at the first render
frame = solara.reactive(0)  # bumped after every change the page must draw
playing = solara.reactive(False)
notice = solara.reactive(None)  # Notice
pairs_count_text = solara.reactive(str(pairs.DEFAULT_PAIRS))
pairs_count_error = solara.reactive(None)
pairs_status = solara.reactive(PairsStatus())
pairs_job = solara.reactive(None)  # the running PairsJob
download = solara.reactive({})  # frontend.Downloader's file


def guarded(action):
    """Run ``action``; on an unexpected error log it and tell the page, never raise."""

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except Exception:
            log.exception("dashboard action %s failed", action.__name__)
            playing.value = False
            notice.value = Notice("error_generic")

    return wrapper


# --- settings ---------------------------------------------------------------------------


def form_settings() -> Settings | None:
    """The settings the controls describe now, or None while a box holds a refused value."""
    seed = parse_seed(seed_text.value)
    if isinstance(seed, Refusal) or any(e.value for e in box_errors.values()):
        return None
    sliders = {name: reactive.value for name, reactive in levers.items()}
    chosen = tuple(r for r in CONTROL_REGIMES if controls[r].value)
    return Settings.make(seed, preset.value, presets.model_overrides(preset.value, sliders), chosen)


def pending_changes() -> list[str]:
    """Label keys of the controls whose value differs from the current runs'."""
    current = runs.value
    if current is None:
        return []
    built = current.settings
    changed = [name for name, r in levers.items() if built.overrides.get(name) != r.value]
    if parse_seed(seed_text.value) != built.seed:
        changed.append("seed")
    if tuple(r for r in CONTROL_REGIMES if controls[r].value) != built.controls:
        changed.append("controls_regimes")
    return changed


# --- actions ----------------------------------------------------------------------------


@guarded
def reset():
    """Rebuild every community from the seed, the preset, the levers and the controls."""
    playing.value = False
    seed = parse_seed(seed_text.value)
    if isinstance(seed, Refusal):
        seed_error.value = seed
        notice.value = Notice(refusal=seed)
        return
    settings = form_settings()
    if settings is None:
        notice.value = Notice("fix_first")
        return
    try:
        built = LinkedRuns(settings)
    except ConfigError as exc:  # a lever the model refuses: name it, keep the current runs
        log.warning("reset refused: %s", exc)
        field = next((n for n in settings.overrides if f"'{n}'" in str(exc)), "")
        notice.value = Notice("bad_parameter", (("field", field),))
        return
    runs.value = built
    notice.value = None
    frame.value += 1


@guarded
def step():
    """Advance every community by the chosen number of days."""
    if runs.value is None or not runs.value.running:
        return
    runs.value.step(stride.value)
    frame.value += 1


@guarded
def toggle_play():
    """Play advances one frame now; the page's report of drawing it asks for the next."""
    if playing.value:
        playing.value = False
        return
    if runs.value is None or not runs.value.running:
        return
    playing.value = True
    _advance()


@guarded
def frame_shown(shown: int):
    """The browser has drawn frame ``shown``: while playing, advance the next one."""
    if playing.value and shown == frame.value:
        _advance()


def _advance():
    current = runs.value
    if current is None or not current.running:
        playing.value = False
        return
    current.step(stride.value)
    if not current.running:  # the horizon: Play turns itself off
        playing.value = False
    frame.value += 1


@guarded
def choose_preset(key: str):
    """Move the sliders to the preset's values (model defaults elsewhere) and reset."""
    preset.value = key
    for name, value in presets.lever_values(key).items():
        levers[name].value = value
        if name in box_errors:
            box_errors[name].value = None
    reset()


@guarded
def type_seed(text: str):
    """The seed box changed: check it now (it applies on Reset)."""
    seed_text.value = text
    refusal = parse_seed(text)
    seed_error.value = refusal if isinstance(refusal, Refusal) else None


@guarded
def type_lever(name: str, text: str):
    """A number box changed: take the value if it is in range, else say why."""
    lever = presets.LEVER_BY_NAME[name]
    low, high = lever.limits
    value = parse_int(text, name, int(low), int(high))
    if isinstance(value, Refusal):
        box_errors[name].value = value
        return
    box_errors[name].value = None
    levers[name].value = value


@guarded
def set_lever(name: str, value):
    levers[name].value = value
    if name in box_errors:
        box_errors[name].value = None


@guarded
def switch_language():
    lang.value = "en" if lang.value == "zh" else "zh"


@guarded
def dismiss_notice():
    notice.value = None


# --- paired comparison ------------------------------------------------------------------


@guarded
def type_pairs_count(text: str):
    pairs_count_text.value = text
    value = parse_int(text, "pairs_count", 2, pairs.MAX_PAIRS)
    pairs_count_error.value = value if isinstance(value, Refusal) else None


@guarded
def start_pairs():
    """Run N pairs of the current runs' settings in the background."""
    if runs.value is None:
        return
    if pairs_status.value.state == "running":
        notice.value = Notice("pairs_busy")
        return
    reps = parse_int(pairs_count_text.value, "pairs_count", 2, pairs.MAX_PAIRS)
    if isinstance(reps, Refusal):
        pairs_count_error.value = reps
        return
    job = PairsJob(runs.value.settings, reps, publish=_publish_pairs)
    pairs_job.value = job
    job.start()


def _publish_pairs(status: PairsStatus):
    """Called from the job's thread; Solara hands the thread the session it was started in."""
    try:
        pairs_status.value = status
    except Exception:  # the browser session closed meanwhile: nobody to tell
        log.warning(
            "paired comparison finished after its page closed (%s)", status.state, exc_info=True
        )


@guarded
def cancel_pairs():
    if pairs_job.value is not None:
        pairs_job.value.cancel()


def matching_pairs():
    """The N-pair result if it was run with the current runs' settings, else None."""
    status = pairs_status.value
    current = runs.value
    if (
        status.result is not None
        and current is not None
        and status.result.settings == current.settings
    ):
        return status.result
    return None


# --- exports ----------------------------------------------------------------------------


@guarded
def download_csv():
    current = runs.value
    try:
        data = export.csv_bytes(current)
    except export.NothingToExport:
        notice.value = Notice("csv_empty")
        return
    download.value = frontend.download_file(export.csv_name(current), data, "text/csv")


@guarded
def download_dictionary():
    current = runs.value
    try:
        data = export.dictionary_bytes(current)
    except export.NothingToExport:
        notice.value = Notice("csv_empty")
        return
    download.value = frontend.download_file(export.dictionary_name(current), data, "text/csv")


@guarded
def download_brief(fmt: str):
    """The one-page brief of what the page shows now, in the page's language."""
    current = runs.value
    content = brief.content(current, current.snapshot(), matching_pairs(), lang.value)
    try:
        data = brief.render(content, fmt)
    except brief.FontMissing as exc:
        log.error("brief not exported: %s", exc)
        notice.value = Notice("font_missing")
        return
    mime = "application/pdf" if fmt == "pdf" else "image/png"
    download.value = frontend.download_file(brief.file_name(content, fmt), data, mime)
