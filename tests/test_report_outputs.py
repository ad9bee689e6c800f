"""What a paper takes from a results folder: report files with ordinary permissions,
tables as CSV and LaTeX, a self-contained HTML report, and labels from the catalogues."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sim.io import atomic_write


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_get_ordinary_permissions(tmp_path):
    """A file written through a temporary name gets what open() would give it (0644 under
    umask 022), not the temporary file's 0600, whether the writer truncates or recreates."""
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.txt", lambda tmp: Path(tmp).write_text("a"))

        def recreate(tmp):
            os.unlink(tmp)
            Path(tmp).write_text("b")
        atomic_write(tmp_path / "b.txt", recreate)
        os.umask(0o077)
        atomic_write(tmp_path / "c.txt", lambda tmp: Path(tmp).write_text("c"))
    finally:
        os.umask(old)
    assert (_mode(tmp_path / "a.txt"), _mode(tmp_path / "b.txt")) == (0o644, 0o644)
    assert _mode(tmp_path / "c.txt") == 0o600
