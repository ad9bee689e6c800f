"""What survives a reload or a second visit: the settings in the address, the results on disk.

* **Settings** go into the page's address as a query string (``query_of``: seed, preset,
  every lever that differs from the preset's value, the control communities shown, the
  language), which the browser keeps on reload and in bookmarks; the page also remembers
  the last one in the browser's local storage for a visit to the bare address
  (``frontend.PageAgent``). ``settings_from_query`` reads it back, leaving out anything
  unknown or out of range.
* **The last N-pair result** of each set of settings is kept by the server, keyed by what
  the runs depend on (seed, parameters, the model's version; ``Settings.model_key``): in
  memory, and on disk under ``$SIM_DASHBOARD_CACHE`` (default
  ``$XDG_CACHE_HOME/sim/dashboard`` or ``~/.cache/sim/dashboard``) as Parquet tables and a
  JSON description, the newest ``MAX_ENTRIES`` kept. A reset to settings run before shows
  their result again, in any session, after a server restart too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from sim.dashboard import presets
from sim.dashboard.export import model_version
from sim.dashboard.inputs import Refusal, parse_seed
from sim.dashboard.runs import Settings
from sim.model import REGIMES, ConfigError, validate_value

CACHE_ENV = "SIM_DASHBOARD_CACHE"
MAX_ENTRIES = 20
log = logging.getLogger("sim.dashboard")
_memory: dict[str, object] = {}
_lock = threading.Lock()


# --- settings in the address ----------------------------------------------------------------


def query_of(settings: Settings, lang: str) -> str:
    """The query string that describes ``settings`` (and the page's language)."""
    preset_values = presets.lever_values(settings.preset)
    fields = {"seed": settings.seed, "preset": settings.preset.removeprefix("preset_")}
    for name, value in settings.overrides.items():
        if name in presets.LEVER_BY_NAME and value != preset_values.get(name):
            fields[name] = value
    if settings.controls:
        fields["controls"] = ",".join(settings.controls)
    fields["lang"] = lang
    return urlencode(fields)


def settings_from_query(query: str) -> dict:
    """What a query string asks for: ``seed``, ``preset`` (a key of ``presets.PRESETS``),
    ``levers`` (name -> value), ``controls`` and ``lang``; unknown names and values out of
    range are left out (the page then keeps its own)."""
    found: dict = {"levers": {}}
    for name, raw in parse_qsl(query.lstrip("?"), keep_blank_values=False):
        if name == "seed":
            seed = parse_seed(raw)
            if not isinstance(seed, Refusal):
                found["seed"] = seed
        elif name == "preset" and f"preset_{raw}" in presets.PRESETS:
            found["preset"] = f"preset_{raw}"
        elif name == "lang" and raw in ("zh", "en"):
            found["lang"] = raw
        elif name == "controls":
            found["controls"] = tuple(
                r for r in raw.split(",") if r in REGIMES and r.startswith("three-equal")
            )
        elif name in presets.LEVER_BY_NAME:
            value = _lever_value(name, raw)
            if value is not None:
                found["levers"][name] = value
    return found


def _lever_value(name: str, raw: str):
    lever = presets.LEVER_BY_NAME[name]
    try:
        value = validate_value(name, raw, "the address")
    except ConfigError:
        return None
    low, high = lever.limits
    return value if low <= value <= high else None


# --- results kept by the server -------------------------------------------------------------


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sim" / "dashboard"


def key_of(settings: Settings) -> str:
    """What a result is filed under: the seed, the parameters and the model's version."""
    seed, params = settings.model_key
    text = json.dumps(
        {"seed": seed, "params": params, "version": model_version()}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save(result) -> None:
    """Keep ``result`` (a ``pairs.PairsResult``) in memory and on disk."""
    key = key_of(result.settings)
    with _lock:
        _memory[key] = result
        while len(_memory) > MAX_ENTRIES:
            _memory.pop(next(iter(_memory)))
    folder = cache_dir() / key
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    result.runs.to_parquet(tmp / "runs.parquet")
    result.daily.to_parquet(tmp / "daily.parquet")
    meta = {
        "seed": result.settings.seed,
        "preset": result.settings.preset,
        "params": result.settings.params,
        "regimes": result.settings.regimes,
        "reps": result.reps,
        "chains": result.chains,
        "complete": result.complete,
        "version": model_version(),
    }
    (tmp / "result.json").write_text(json.dumps(meta, default=str))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    _prune()


def _prune() -> None:
    entries = sorted(
        (p for p in cache_dir().iterdir() if (p / "result.json").exists()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in entries[MAX_ENTRIES:]:
        shutil.rmtree(old, ignore_errors=True)


def load(settings: Settings):
    """The last result kept for runs like ``settings``, or None. It is returned with the
    page's own settings (the preset's name and the controls shown do not change runs)."""
    from sim.dashboard.pairs import PairsResult

    key = key_of(settings)
    with _lock:
        found = _memory.get(key)
    if found is None:
        folder = cache_dir() / key
        try:
            meta = json.loads((folder / "result.json").read_text())
            if meta.get("version") != model_version():
                return None
            found = PairsResult(
                settings,
                int(meta["reps"]),
                pd.read_parquet(folder / "runs.parquet"),
                pd.read_parquet(folder / "daily.parquet"),
                tuple(tuple(c) for c in meta.get("chains", ())),
                bool(meta["complete"]),
            )
        except (OSError, ValueError, KeyError):
            return None
        with _lock:
            _memory[key] = found
    if found.settings == settings:
        return found
    return PairsResult(settings, found.reps, found.runs, found.daily, found.chains, found.complete)


def clear_memory() -> None:
    """Forget the results held in memory (tests; the disk keeps them)."""
    with _lock:
        _memory.clear()
