"""The page's state and every action people can take on it.

Module-level ``solara.reactive`` values are per browser session in Solara. Actions are plain
functions wrapped in ``guarded``: an unexpected error in one never reaches the page as a
traceback; it is logged with its traceback on the server and the page shows a short message
in its own language, keeping the current runs.

The play loop is driven by the browser (``frontend.PageAgent``): after Play, the server
advances one frame, and advances the next only when the page reports that it has drawn the
previous one. So the simulation never runs ahead of the screen, on a slow or busy machine too.
A frame is stepped in a thread of its own, day by day, so a Pause is taken at once: it stops
the frame in flight at the next day, waits for it to be shown, and only then shows Play, so
nothing advances after Pause shows.

Settings live in the page's address (``store.query_of``) and the last N-pair result of each
set of settings is kept by the server (``store``), so a reload or a second visit finds both.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

import solara

from sim.dashboard import brief, decision, export, frontend, pairs, presets, store, sweep
from sim.dashboard.inputs import Refusal, parse_int, parse_seed
from sim.dashboard.pairs import PairsJob, PairsStatus
from sim.dashboard.runs import LinkedRuns, Settings
from sim.dashboard.sweep import SweepJob, SweepStatus
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
in_flight = solara.reactive(None)  # (thread, stop event) of the frame being stepped
notice = solara.reactive(None)  # Notice
pairs_count_text = solara.reactive(str(pairs.DEFAULT_PAIRS))
pairs_count_error = solara.reactive(None)
pairs_status = solara.reactive(PairsStatus())
pairs_job = solara.reactive(None)  # the running PairsJob
ladder = solara.reactive(False)  # N pairs also split linkage into its mechanisms
ladder_metric = solara.reactive(decision.PRIMARY)  # the metric of the waterfall
sweep_parameter = solara.reactive(sweep.ASSUMPTIONS[0])
sweep_metric = solara.reactive(decision.PRIMARY)
sweep_levels_text = solara.reactive(str(sweep.DEFAULT_LEVELS))
sweep_levels_error = solara.reactive(None)
sweep_pairs_text = solara.reactive(str(sweep.DEFAULT_PAIRS))
sweep_pairs_error = solara.reactive(None)
sweep_status = solara.reactive(SweepStatus())
sweep_job = solara.reactive(None)
query = solara.reactive("")  # the applied settings, for the address (frontend.PageAgent)
opened = solara.reactive("")  # the address the page was opened with (applied by open_page)
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
    finish_frame()
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
    _build(settings)


def _build(settings: Settings) -> None:
    """Build the communities of ``settings`` and show them; if the model refuses a lever,
    name it and keep the current runs."""
    try:
        built = LinkedRuns(settings)
    except ConfigError as exc:
        log.warning("reset refused: %s", exc)
        field = next((n for n in settings.overrides if f"'{n}'" in str(exc)), "")
        notice.value = Notice("bad_parameter", (("field", field),))
        return
    runs.value = built
    notice.value = None
    query.value = store.query_of(settings, lang.value)
    _load_kept_pairs(settings)
    frame.value += 1


@guarded
def open_page(address: str | None):
    """The page's first render: build the communities once, from the settings in the page's
    address if it has any (a reload, a shared link), else the default community. (The page
    used to build the default 8,000 residents first and the address's community only when
    the browser sent the address back.) Settings the browser kept for a visit to the bare
    address still arrive from ``frontend.PageAgent`` (``restore``)."""
    if runs.value is not None:  # the page mounted again: keep what it shows
        return
    if not address:
        reset()
        return
    default = form_settings()
    restore(address)
    opened.value = address
    if runs.value is None and default is not None:
        # the model refused the address's settings (the notice names the lever): show the
        # default community, with the refused values pending in the controls
        refused = notice.value
        _build(default)
        notice.value = refused


def _load_kept_pairs(settings: Settings) -> None:
    """Show the N-pair result kept for these settings, if any (and none is running)."""
    status = pairs_status.value
    if status.state == "running" or matching_pairs() is not None:
        return
    try:
        kept = store.load(settings)
    except Exception:  # an unreadable cache must not stop a reset
        log.exception("could not read the kept paired comparison")
        return
    if kept is not None:
        state = "done" if kept.complete else "cancelled"
        pairs_status.value = PairsStatus(state, 0, 0, kept, restored=True)


@guarded
def restore(text: str):
    """Apply settings read from the page's address (or the browser's memory of them):
    preset, levers, seed, controls, language; then reset. Nothing to do for the settings
    shown or the address the page opened with (``open_page`` applied it)."""
    if text == query.value or (opened.value and text == opened.value):
        return
    wanted = store.settings_from_query(text)
    if "lang" in wanted:
        lang.value = wanted["lang"]
    key = wanted.get("preset", "preset_default")
    preset.value = key
    values = presets.lever_values(key) | wanted["levers"]
    for name, value in values.items():
        levers[name].value = value
        if name in box_errors:
            box_errors[name].value = None
    seed_text.value = str(wanted.get("seed", parse_seed(seed_text.value)))
    seed_error.value = None
    chosen = wanted.get("controls", ())
    for regime, reactive in controls.items():
        reactive.value = regime in chosen
    reset()


@guarded
def step():
    """Advance every community by the chosen number of days."""
    if runs.value is None or not runs.value.running:
        return
    runs.value.step(stride.value)
    frame.value += 1


@guarded
def toggle_play():
    """Play advances one frame now; the page's report of drawing it asks for the next.
    Pause stops the frame in flight at its next day and shows it with the Play button."""
    if playing.value:
        finish_frame()
        playing.value = False
        return
    if runs.value is None or not runs.value.running:
        return
    playing.value = True
    _advance()


@guarded
def frame_shown(shown: int):
    """The browser has drawn frame ``shown``: while playing, advance the next one."""
    if playing.value and shown == frame.value and not _stepping():
        _advance()


def _stepping() -> bool:
    flight = in_flight.value
    return flight is not None and flight[0].is_alive()


def settle(timeout: float = 60.0) -> None:
    """Wait for the frame being stepped, if any (tests, benchmarks)."""
    flight = in_flight.value
    if flight is not None:
        flight[0].join(timeout)


def finish_frame(timeout: float = 60.0) -> None:
    """Stop the frame being stepped at its next day and wait until it is published."""
    flight = in_flight.value
    if flight is not None and flight[0].is_alive():
        flight[1].set()
        flight[0].join(timeout)


def _advance():
    """Step the next frame in its own thread, so that Pause is heard while it runs."""
    current = runs.value
    if current is None or not current.running:
        playing.value = False
        return
    stop = threading.Event()
    worker = threading.Thread(
        target=_step_frame, args=(current, stride.value, stop), name="sim-play", daemon=True
    )
    in_flight.value = (worker, stop)
    worker.start()


def _step_frame(current: LinkedRuns, days: int, stop: threading.Event) -> None:
    try:
        for _ in range(days):
            if stop.is_set() or not current.running:
                break
            current.step(1)
        if runs.value is not current:  # reset meanwhile: nothing of this frame to show
            return
        if not current.running:  # the horizon: Play turns itself off
            playing.value = False
        frame.value += 1
    except Exception:
        log.exception("dashboard action play failed")
        playing.value = False
        notice.value = Notice("error_generic")


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
    if runs.value is not None:
        query.value = store.query_of(runs.value.settings, lang.value)


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
    job = PairsJob(
        runs.value.settings, reps, publish=_publish_pairs, ladder=ladder.value, keep=store.save
    )
    pairs_job.value = job
    job.start()


def _publish_pairs(status: PairsStatus):
    """Called from the job's thread; Solara hands the thread the session it was started in."""
    _publish(pairs_status, status)


def _publish(reactive, status):
    try:
        reactive.value = status
    except Exception:  # the browser session closed meanwhile: nobody to tell
        log.warning(
            "a background job finished after its page closed (%s)", status.state, exc_info=True
        )


@guarded
def cancel_pairs():
    if pairs_job.value is not None:
        pairs_job.value.cancel()


def matching_pairs():
    """The N-pair result if it was run with the current runs' settings (the same seed and
    parameters), else None."""
    status = pairs_status.value
    current = runs.value
    if (
        status.result is not None
        and current is not None
        and status.result.settings.model_key == current.settings.model_key
    ):
        return status.result
    return None


# --- the assumption sweep ---------------------------------------------------------------


@guarded
def choose_sweep_parameter(name: str):
    if name in sweep.ASSUMPTIONS:
        sweep_parameter.value = name


@guarded
def choose_sweep_metric(name: str):
    if name in decision.METRIC_CHOICES:
        sweep_metric.value = name


@guarded
def choose_ladder_metric(name: str):
    if name in decision.METRIC_CHOICES:
        ladder_metric.value = name


@guarded
def type_sweep_levels(text: str):
    sweep_levels_text.value = text
    value = parse_int(text, "sweep_levels", 3, sweep.MAX_LEVELS)
    sweep_levels_error.value = value if isinstance(value, Refusal) else None


@guarded
def type_sweep_pairs(text: str):
    sweep_pairs_text.value = text
    value = parse_int(text, "sweep_pairs", 2, sweep.MAX_PAIRS)
    sweep_pairs_error.value = value if isinstance(value, Refusal) else None


@guarded
def start_sweep():
    """Sweep the chosen assumption with the current runs' settings, in the background."""
    if runs.value is None:
        return
    if sweep_status.value.state == "running":
        notice.value = Notice("pairs_busy")
        return
    count = parse_int(sweep_levels_text.value, "sweep_levels", 3, sweep.MAX_LEVELS)
    reps = parse_int(sweep_pairs_text.value, "sweep_pairs", 2, sweep.MAX_PAIRS)
    if isinstance(count, Refusal) or isinstance(reps, Refusal):
        return
    job = SweepJob(
        runs.value.settings,
        sweep_parameter.value,
        count,
        reps,
        sweep_metric.value,
        publish=lambda status: _publish(sweep_status, status),
    )
    sweep_job.value = job
    job.start()


@guarded
def cancel_sweep():
    if sweep_job.value is not None:
        sweep_job.value.cancel()


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
def download_pairs_csv():
    """The N pairs as data: one row per pair and community, every summary metric."""
    result = matching_pairs()
    if result is None:
        notice.value = Notice("pairs_csv_empty")
        return
    data = export.pairs_csv_bytes(result)
    download.value = frontend.download_file(export.pairs_csv_name(result), data, "text/csv")


def brief_ready() -> bool:
    """A brief needs something to say: a day run, or N pairs of these settings."""
    current = runs.value
    return current is not None and (current.day > 0 or matching_pairs() is not None)


@guarded
def download_brief(fmt: str):
    """The one-page brief of what the page shows now, in the page's language."""
    current = runs.value
    if not brief_ready():
        notice.value = Notice("brief_empty")
        return
    content = brief.content(current, current.snapshot(), matching_pairs(), lang.value)
    try:
        data = brief.render(content, fmt)
    except brief.FontMissing as exc:
        log.error("brief not exported: %s", exc)
        notice.value = Notice("font_missing")
        return
    mime = "application/pdf" if fmt == "pdf" else "image/png"
    download.value = frontend.download_file(brief.file_name(content, fmt), data, mime)
