"""Where the tests find the project and its command line (one place for every test module)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]          # the repository
BIN = Path(sys.executable).parent                   # the environment's scripts
# the `sim` entry point of this environment, or the module when it is not installed
SIM = [str(BIN / "sim")] if (BIN / "sim").exists() else [sys.executable, "-m", "sim"]
