"""The one error a user's input can raise in the model, and how its message shows that input.

Every refusal (an unknown parameter, a value out of range, an unreadable network file) is a
``ConfigError`` whose message is one line naming the field, where it came from and what is
allowed. Messages quote at most a bounded prefix of any user value or file name, so that a
50 MB string or a huge list from a file still gives one short line.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

# Longest file name (or key) shown in a message.
PATH_LIMIT = 160


class ConfigError(ValueError):
    """A parameter, config file or graph file that the model refuses, with a one-line reason."""


class SmallCommunityWarning(UserWarning):
    """A community below the size where the model's per-10k staffing means anything (see
    ``Params.size_warning``): it runs, but its results depend on its size."""


def quote(value: Any, limit: int = 60) -> str:
    """A user's value in a message: its ``repr`` cut to about ``limit`` characters."""
    if isinstance(value, str):
        text = repr(value[:limit])
        return text if len(value) <= limit else f"{text}... ({len(value)} characters)"
    short = reprlib.Repr(maxlevel=2, maxlist=4, maxtuple=4, maxdict=4, maxset=4,
                         maxstring=limit, maxother=limit, maxlong=limit)
    text = short.repr(value)
    return text if len(text) <= limit + 20 else text[: limit + 20] + "..."


def shown(path: str | Path) -> str:
    """A file name as messages show it: as written (quoted only if it holds unprintable
    characters), cut to a bounded prefix."""
    text = str(path)
    if not text.isprintable():
        return quote(text, PATH_LIMIT)
    return text if len(text) <= PATH_LIMIT else f"{text[:PATH_LIMIT]}... ({len(text)} characters)"


def read_bytes(path: Path, what: str) -> bytes:
    """Read a user's file; a missing or unreadable file is one ConfigError line."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what}: file not found: {shown(path)}") from None
    except IsADirectoryError:
        raise ConfigError(f"{what}: {shown(path)} is a directory, not a file") from None
    except OSError as exc:   # a name too long, a permission, an I/O error
        raise ConfigError(f"{what}: cannot read {shown(path)} "
                          f"({exc.strerror or type(exc).__name__})") from None
