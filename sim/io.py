"""Writing results safely.

* Before any work: :func:`check_out_dir` finds out whether files can be created in the
  output directory and whether the disk has room, without creating anything, so a bad
  ``--out`` is refused before hours of runs rather than after.
* While writing: every file is written to a temporary name, then renamed. A crash or a
  kill mid-write therefore never leaves a half-written file under the final name, and a
  file that existed before is replaced only by a complete new one.
* On failure: :func:`output_dir` removes the directories it created if they are still
  empty, so an error never leaves an empty output folder behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from sim.errors import WriteError
from sim.model import shown

# Room kept free beyond a caller's estimate (file-system metadata, the JSON and figures).
SPARE_BYTES = 16 * 2**20


def check_out_dir(path: str | Path, need_bytes: int = 0, flag: str = "--out") -> Path:
    """Refuse (WriteError) an output directory that cannot be created or written, or whose
    disk has less than ``need_bytes`` (plus a margin) free. Creates nothing."""
    out = Path(path)
    where = f"{flag} {shown(out)}"
    if len(os.fsencode(out.absolute())) >= _limit(out, "PC_PATH_MAX", 4096):
        raise WriteError(where, "path too long")
    existing = _nearest_existing(out)
    if not existing.is_dir():
        raise WriteError(where, f"{shown(existing)} exists and is not a directory")
    name_max = _limit(existing, "PC_NAME_MAX", 255)
    for part in out.absolute().relative_to(existing.absolute()).parts:
        if len(os.fsencode(part)) > name_max:
            raise WriteError(where, f"a name in the path is longer than {name_max} bytes")
    _probe(existing, where)
    free = shutil.disk_usage(existing).free
    if free < need_bytes + SPARE_BYTES:
        raise WriteError(where, f"only {_mb(free)} free on its disk, about "
                                f"{_mb(need_bytes + SPARE_BYTES)} needed")
    return out


def _limit(path: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(_nearest_existing(path), name)
    except (OSError, ValueError):
        return default


def _nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists."""
    path = path.absolute()
    while not _exists(path) and path != path.parent:
        path = path.parent
    return path


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:   # e.g. ENAMETOOLONG: treat as absent, the parent will be checked
        return False


def _probe(directory: Path, where: str) -> None:
    """Create, write and remove one small file: the only test that does not lie (access
    bits say nothing to root, on read-only mounts or on a full disk)."""
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=".sim-probe-", suffix=".tmp")
    except OSError as exc:
        raise WriteError(where, f"cannot create files in {shown(directory)} "
                                f"({exc.strerror or type(exc).__name__})") from None
    try:
        os.write(fd, b"\0" * 4096)
        os.fsync(fd)
    except OSError as exc:
        raise WriteError(where, f"cannot write files in {shown(directory)} "
                                f"({exc.strerror or type(exc).__name__})") from None
    finally:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):   # a resuming sweep may clean it first
            os.unlink(name)


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def prepare_out_dir(path: str | Path, flag: str = "--out") -> Path:
    """Check the output directory (see check_out_dir), then create it with its parents."""
    out = check_out_dir(path, flag=flag)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"{flag} {shown(out)}", "cannot create "
                         f"({exc.strerror or type(exc).__name__})") from None
    return out


@contextmanager
def output_dir(path: str | Path, flag: str = "--out") -> Iterator[Path]:
    """Create the output directory for the block; if the block fails, remove the
    directories created here that are still empty. Write errors become WriteError."""
    out = Path(path)
    missing = [p for p in [out, *out.absolute().parents] if not _exists(p)]
    prepare_out_dir(out, flag)
    try:
        yield out
    except OSError as exc:
        _remove_empty(missing)
        raise WriteError(f"{flag} {shown(out)}", "cannot write "
                         f"{shown(getattr(exc, 'filename', None) or out)} "
                         f"({exc.strerror or type(exc).__name__})") from None
    except BaseException:
        _remove_empty(missing)
        raise


def _remove_empty(created: list[Path]) -> None:
    for directory in created:   # deepest first
        try:
            directory.rmdir()   # only succeeds if empty
        except OSError:
            return


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary name starts with a dot and ends in ``.tmp``, so globs such as
    ``*.parquet`` never see it and a killed writer's leftovers match ``.*.tmp``. The file
    gets the permissions an ordinary ``open()`` would give it (0644 under umask 022), not
    the 0600 of the temporary file: results and reports are meant to be shared.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def current_umask() -> int:
    """The process's umask, read without changing it (Linux: /proc/self/status); elsewhere
    set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
