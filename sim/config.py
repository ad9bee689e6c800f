"""Parameters from the outside world: TOML config files and ``--set key=value`` flags.

Only parsing happens here; every value is validated by ``sim.params.Params``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sim.params import ConfigError


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML config of parameter overrides (flat keys, or under a [params] table).

    Returns the raw mapping; validation happens in ``Params.from_dict``.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config: file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config: {path} is not valid TOML: {exc}") from None
    if "params" in data:
        extra = set(data) - {"params"}
        if extra:
            raise ConfigError(f"{path}: unknown top-level key '{sorted(extra)[0]}' "
                              "(put parameters under [params] or at top level, not both)")
        data = data["params"]
    for key, value in data.items():
        if isinstance(value, dict):
            raise ConfigError(f"{path}: '{key}': unknown table (parameters are flat keys)")
    return data


def parse_overrides(items: list[str]) -> dict[str, str]:
    """Parse ``--set key=value`` items into a mapping (values validated later)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set '{item}': expected key=value")
        out[key.strip()] = value.strip()
    return out
