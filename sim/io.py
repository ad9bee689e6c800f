"""Writing results safely: every file is written to a temporary name, then renamed.

A crash or a kill mid-write therefore never leaves a half-written file under the final
name, and a file that existed before is replaced only by a complete new one.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from sim.params import ConfigError


def prepare_out_dir(path: str | Path) -> Path:
    """Create the output directory (and parents); refuse a path that is a file."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out: {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out: cannot create {out}: {exc.strerror}") from None
    return out


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary name starts with a dot and ends in ``.tmp``, so globs such as
    ``*.parquet`` never see it and a killed writer's leftovers match ``.*.tmp``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(data, path: Path) -> Path:
    """Write JSON atomically; NaN becomes null (JSON has no NaN)."""
    clean = _replace_nan(data)

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(clean, fh, indent=2, allow_nan=False)
    return atomic_write(path, write)


def _replace_nan(obj):
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _replace_nan(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_replace_nan(v) for v in obj]
    return obj


def write_text(text: str, path: Path) -> Path:
    def write(tmp):
        Path(tmp).write_text(text, encoding="utf-8")
    return atomic_write(path, write)
