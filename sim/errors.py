"""The refusals of a user's input outside the model, in one module below every layer.

Each error's message is one line naming what the user wrote (a file and key, a flag, a
folder) and why it is refused; the command line prints it as ``sim: error: ...`` with exit
code 2 (1 for a write failure part-way through a sweep), never a traceback. They live here,
not in the layer that first raised them, because every layer raises or catches them: the
calibration refuses its files with the experiments' ``SpecError``, the runner stops on a
``WriteError`` of ``sim.io``, and the experiments print through ``one_line``. Kept in one
place below all of them, no layer has to import a higher one to name an error.

The model's own refusal, :class:`ConfigError`, stays in the model (which imports nothing
from outside its package) and is re-exported here, so that code outside the model finds
every such error in one module.
"""

from __future__ import annotations

from pathlib import Path

from sim.model import ConfigError, shown

__all__ = ["ConfigError", "DiscoverError", "FolderInUse", "SpecError", "TomlError",
           "WriteError", "WriteFailure", "one_line"]


class TomlError(ValueError):
    """A document that is not usable TOML; the message is one line without the file name."""


class WriteError(ConfigError):
    """The output location cannot take the results (one line, names the path and reason)."""

    def __init__(self, where: str, reason: str):
        self.reason = reason
        super().__init__(f"{where}: {reason}")


class SpecError(ValueError):
    """A refused experiment or calibration file (or flag): ``file: key: reason`` in one line."""

    def __init__(self, file: str | Path, key: str, reason: str):
        self.file, self.key, self.reason = str(file), key, reason
        super().__init__(f"{shown(self.file)}: {shown(key)}: {reason}")


class FolderInUse(SpecError):
    """Another process holds the results folder's lock."""

    def __init__(self, root: Path, pid: str):
        self.file, self.key, self.pid = str(root), "--out", pid
        who = f"process {pid}" if pid else "another process"
        self.reason = f"in use by {who}"
        ValueError.__init__(self, f"{shown(str(root))} is in use by {who} (one sweep per "
                                  "folder: wait for it to finish or choose another --out)")


class WriteFailure(SpecError):
    """Writing to the results folder failed mid-sweep; what is stored stays stored."""


class DiscoverError(ValueError):
    """Bad input to discovery: one line naming the option and the reason."""


def one_line(message: str, limit: int = 1000) -> str:
    """A message as one bounded line: the last guard against multi-line or huge errors."""
    text = " ".join(message[: limit * 4].split())
    return text if len(text) <= limit else text[:limit] + "..."
