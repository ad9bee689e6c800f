"""CSV downloads: the daily series of the current runs, and its data dictionary.

The series keep the model's column names (stable for analysis in any language); the data
dictionary says in Chinese and English what every column holds. File name and content record
the preset and the seed, and ``param_*`` columns the parameters the dashboard set, so the file
alone can reproduce the runs with ``sim run --seed S --set name=value ...``.
"""

from __future__ import annotations

import importlib.metadata

import pandas as pd

from sim.dashboard.i18n import column_text
from sim.dashboard.runs import LinkedRuns


class NothingToExport(Exception):
    """The runs have not simulated a day yet."""


def model_version() -> str:
    """The installed version of the ``sim`` package (recorded in every export)."""
    try:
        return importlib.metadata.version("sim")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


def preset_slug(preset: str) -> str:
    """ "preset_ageing" -> "ageing", for file names."""
    return preset.removeprefix("preset_")


def daily_table(runs: LinkedRuns) -> pd.DataFrame:
    """One row per community and day: regime, preset, seed, every daily metric, parameters."""
    frame = runs.daily()
    if frame.empty:
        raise NothingToExport()
    params = {f"param_{k}": v for k, v in runs.effective_params().items()}
    frame = frame.assign(preset=preset_slug(runs.settings.preset), model_version=model_version())
    first = ["regime", "preset", "seed", "day"]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    return frame.assign(**params)


def csv_bytes(runs: LinkedRuns) -> bytes:
    """The daily table as CSV (UTF-8)."""
    return daily_table(runs).to_csv(index=False).encode("utf-8")


def csv_name(runs: LinkedRuns) -> str:
    return f"linkage_{preset_slug(runs.settings.preset)}_seed{runs.seed}_day{runs.day}.csv"


def dictionary_table(columns) -> pd.DataFrame:
    """What each column holds, in Chinese and English."""
    return pd.DataFrame(
        {
            "column": list(columns),
            "说明（中文）": [column_text(c, "zh") for c in columns],
            "description (English)": [column_text(c, "en") for c in columns],
        }
    )


def dictionary_bytes(runs: LinkedRuns) -> bytes:
    """The data dictionary as CSV, with a byte-order mark so spreadsheet programs read the
    Chinese correctly."""
    columns = daily_table(runs).columns
    return dictionary_table(columns).to_csv(index=False).encode("utf-8-sig")


def dictionary_name(runs: LinkedRuns) -> str:
    return f"linkage_{preset_slug(runs.settings.preset)}_seed{runs.seed}_dictionary.csv"


def pairs_table(result) -> pd.DataFrame:
    """The N pairs as data: one row per pair (``rep``) and community (``regime``) with its
    seed, status and every summary metric, and the settings in ``preset`` and ``param_*``
    columns, so ``sim compare --seed S --reps N`` can be checked against it."""
    runs = result.runs.drop(columns=["error"], errors="ignore")
    first = ["rep", "regime", "seed", "status"]
    table = runs[[c for c in first if c in runs] + [c for c in runs if c not in first]]
    params = {f"param_{k}": v for k, v in result.settings.overrides.items()}
    return table.assign(
        preset=preset_slug(result.settings.preset),
        root_seed=result.settings.seed,
        model_version=model_version(),
        **params,
    )


def pairs_csv_bytes(result) -> bytes:
    return pairs_table(result).to_csv(index=False).encode("utf-8")


def pairs_csv_name(result) -> str:
    s = result.settings
    return f"pairs_{preset_slug(s.preset)}_seed{s.seed}_{result.reps}pairs.csv"
