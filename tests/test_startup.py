"""The command line starts at once: building its parser imports no heavy library.

``sim --help`` and every subcommand's ``--help`` must not import pandas, SciPy, networkx,
Mesa, matplotlib, Dask, DuckDB or pyabc, nor numpy and the model's parameter table
(``sim.model.params``, 0.14 s with numpy): each costs a tenth of a second to a second, and
the parser needs none of them (each command imports what it uses when it runs). Checked
in a fresh interpreter, since this test process has imported them all long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import ROOT

HEAVY = ("pandas", "matplotlib", "networkx", "mesa", "scipy", "dask", "distributed",
         "duckdb", "pyabc", "pyarrow", "statsmodels", "SALib", "solara", "ema_workbench",
         "numpy")

PROBE = """
import json, sys
import sim.cli
args = json.loads(sys.argv[1])
if args is not None:
    try:
        sim.cli.main(args)
    except SystemExit:
        pass
print("\\n" + json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def imported_by(args: list[str] | None) -> set[str]:
    """Top-level packages imported by ``import sim.cli`` and then ``sim.cli.main(args)``."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_importing_the_entry_point_is_light():
    assert not imported_by(None) & set(HEAVY)


def test_the_parameter_table_is_not_imported_to_build_the_parser():
    proc = subprocess.run([sys.executable, "-c", ("import sys, sim.cli; sim.cli.build_parser();"
                            " print('sim.model.params' in sys.modules)")], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize("command", ["", "run", "compare", "explain", "experiment", "query",
                                     "report", "discover", "dashboard", "calibrate"])
def test_help_imports_no_heavy_library(command):
    heavy = imported_by([*command.split(), "--help"]) & set(HEAVY)
    assert not heavy, f"`sim {command} --help` imports {sorted(heavy)}"
