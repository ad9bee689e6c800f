"""Parameters from the outside world: TOML config files and ``--set key=value`` flags.

Only parsing happens here; every value is validated by ``sim.model.Params``. Each value
keeps its source (``--set days``, ``run.toml: days``) so that an error names what the user
actually wrote. Messages quote at most a bounded prefix of any user value.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import TomlError
from sim.model import PARAM_SPECS, ConfigError, quote, shown, validate_value

# TOML nested deeper than this is refused: no config or experiment file needs more than a
# few levels, and deeper documents crash recursive code (the parser, JSON, repr).
MAX_TOML_DEPTH = 16
# Longest parameter name worth looking up (and suggesting a close match for).
MAX_KEY_LENGTH = 100
# Largest TOML file read (config, experiment and calibration files), checked before any
# byte is parsed: the shipped files are under 10 kB, and Python's TOML parser reads about
# 1 MB a second on a busy machine (a 56 MB file of 3 million keys was still being read
# after 90 s). A design of many explicit rows belongs in a Parquet table
# (``[design] method = "draws"``), which has no such limit.
MAX_TOML_BYTES = 2**20


def read_toml_file(path: Path) -> bytes:
    """The bytes of a TOML file of at most :data:`MAX_TOML_BYTES`.

    Raises TomlError for a larger file (its size read first, then at most one byte more
    than the limit, so a device or a pipe that never ends is refused too) and OSError as
    ``open`` and ``read`` raise it.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = fh.read(MAX_TOML_BYTES + 1) if size <= MAX_TOML_BYTES else b""
    if size > MAX_TOML_BYTES or len(data) > MAX_TOML_BYTES:
        shown_size = f"{size:,} bytes" if size > MAX_TOML_BYTES else "endless"
        raise TomlError(f"too large ({shown_size}; a TOML file may have at most "
                        f"{MAX_TOML_BYTES:,} bytes)")
    return data


def read_config_bytes(path: Path, what: str) -> bytes:
    """A config file's bytes for ``what`` (the flag), or one ConfigError line."""
    try:
        return read_toml_file(path)
    except TomlError as exc:
        raise ConfigError(f"{what}: {shown(path)} is {exc}") from None
    except FileNotFoundError:
        raise ConfigError(f"{what}: file not found: {shown(path)}") from None
    except IsADirectoryError:
        raise ConfigError(f"{what}: {shown(path)} is a directory, not a file") from None
    except OSError as exc:   # a name too long, a permission, an I/O error
        raise ConfigError(f"{what}: cannot read {shown(path)} "
                          f"({exc.strerror or type(exc).__name__})") from None


def parse_toml(data: bytes) -> dict[str, Any]:
    """Decode and parse a TOML document, refusing deep nesting; raise TomlError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise TomlError(f"not valid TOML (nested more than {MAX_TOML_DEPTH} levels)") from None
    except ValueError as exc:   # TOMLDecodeError, and int() refusing a 5000-digit number
        reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TomlError(f"not valid TOML ({shown(reason)})") from None
    if nesting_depth(doc) > MAX_TOML_DEPTH:
        raise TomlError(f"nested more than {MAX_TOML_DEPTH} levels of tables or arrays")
    return doc


def nesting_depth(value: Any) -> int:
    """Depth of nested tables and arrays, counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            if depth + 1 <= MAX_TOML_DEPTH:  # no need to look further down
                stack.extend((child, depth + 1) for child in item)
    return deepest


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML config of parameter overrides (flat keys, or under a [params] table).

    Returns the raw mapping; validation happens in ``Params.from_dict``.
    """
    path = Path(path)
    try:
        data = parse_toml(read_config_bytes(path, "--config"))
    except TomlError as exc:
        raise ConfigError(f"--config: {shown(path)} is {exc}") from None
    where = shown(path)
    if "params" in data:
        extra = set(data) - {"params"}
        if extra:
            raise ConfigError(f"{where}: unknown top-level key {quote(min(extra))} "
                              "(put parameters under [params] or at top level, not both)")
        data = data["params"]
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: 'params' must be a table of parameters")
    for key, value in data.items():
        if isinstance(value, dict):
            raise ConfigError(f"{where}: {quote(key)}: unknown table (parameters are flat keys)")
        check_known(key, f"{where}: {quote(key)}")
        check_typed(key, value, config_source(path, key))
    return data


def check_typed(key: str, value: Any, source: str) -> None:
    """A typed file (TOML) states numbers as numbers: text for a numeric parameter is
    refused, as experiment and calibration files refuse it (only ``--set`` text is parsed)."""
    if isinstance(value, str) and not isinstance(PARAM_SPECS[key].default, str):
        try:
            validate_value(key, value, typed=True)
        except ConfigError as exc:      # "parameter 'key': reason" -> "source: reason"
            reason = str(exc).split(": ", 1)[-1]
            raise ConfigError(f"{source}: {reason} (text in a TOML file: write the number "
                              "without quotes)") from None


def config_source(path: str | Path, key: str) -> str:
    """How an error names a value read from a config file: the file and the key."""
    return f"{shown(path)}: {key}"


def parse_overrides(items: list[str]) -> dict[str, str]:
    """Parse ``--set key=value`` items into a mapping (values validated later)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {quote(item)}: expected key=value")
        key = key.strip()
        check_known(key, f"--set {quote(key)}")
        out[key] = value.strip()
    return out


def check_known(key: Any, where: str) -> None:
    """Refuse a name that is not a parameter, with a close match when there is one."""
    if isinstance(key, str) and key in PARAM_SPECS:
        return
    hint = ""
    if isinstance(key, str) and len(key) <= MAX_KEY_LENGTH:
        import difflib

        match = difflib.get_close_matches(key, PARAM_SPECS, n=1)
        hint = f" (did you mean '{match[0]}'?)" if match else ""
    raise ConfigError(f"{where}: unknown parameter{hint or ' (see docs/parameters.md)'}")
