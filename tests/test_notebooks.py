"""The notebooks run, at the small size, against the current package, and repeat exactly.

Each ``notebooks/NN_name.py`` (Jupytext percent format, the only committed form) is
converted to .ipynb in a temporary directory and executed for real with nbclient on the
``python3`` kernel of this venv. The notebooks' experiments run inside the kernel
(``SIM_NOTEBOOK_WORKERS=1``): the test workers already keep every core busy, and a pool per
notebook would only add its start-up; the pool and Dask paths of the same runner are
tested in test_experiments_runs.py and test_cli.py. A failing cell fails the test with the cell's
traceback, so a notebook that has fallen out of date with the package (renamed parameter, changed
API) fails here. Every notebook writes its key numbers to ``$SIM_NOTEBOOK_OUT/NN_name.json``;
01 is run twice and its numbers and printed text must be identical (the notebook path:
kernel, hash seed, cell ids). 02, 03 and 04 run once: that two executions of the experiment
runner store the same Parquet tables bit for bit is tested in test_experiments_runs.py
(a process pool, a Dask cluster and a killed-then-resumed sweep, each against an in-process
run) and test_cli.py (`sim compare` with one or two workers); that the ladder's orderings
repeat with their seed in test_attribution.py.

A few minutes in one process (``uv run pytest tests/test_notebooks.py``): the notebooks'
experiment runs dominate; 02 alone took about 35 s of CPU at the small size (2026-12-03).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from paths import ROOT

NOTEBOOKS = ROOT / "notebooks"

_spec = importlib.util.spec_from_file_location("notebook_execute", NOTEBOOKS / "execute.py")
nbexec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbexec)

SOURCES = nbexec.notebook_sources()
NAMES = [s.stem for s in SOURCES]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(name: str, tmp: Path, tag: str = "run"):
    source = NOTEBOOKS / f"{name}.py"
    out = tmp / tag
    from nbclient.exceptions import CellExecutionError

    try:
        nb = nbexec.execute(source, tmp / tag / f"{name}.ipynb", size="small", out_dir=out,
                            timeout=600, workers=1)
    except CellExecutionError as exc:   # the failing cell's source and traceback, no colours
        pytest.fail(f"notebooks/{name}.py: a cell failed\n{_ANSI.sub('', str(exc))}",
                    pytrace=False)
    numbers = json.loads((out / "small" / f"{name}.json").read_text())
    return nb, numbers


def _text_outputs(nb) -> list[str]:
    """Everything a reader sees as text (stream and text/plain), cell by cell."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append(output["text"])
            elif "data" in output and "text/plain" in output["data"]:
                texts.append(output["data"]["text/plain"])
    return texts


def test_expected_notebooks_exist():
    assert NAMES == ["01_quickstart", "02_three_vs_five", "03_when_five_does_not_help",
                     "04_sensitivity"]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_structure(name):
    """Opens with the question and a size switch, closes with results and limits."""
    nb = nbexec.to_notebook(NOTEBOOKS / f"{name}.py")
    first_md = next(c for c in nb.cells if c.cell_type == "markdown").source
    first_code = next(c for c in nb.cells if c.cell_type == "code").source
    assert "**Question.**" in first_md
    assert 'SIZE = os.environ.get("SIM_NOTEBOOK_SIZE", "small")' in first_code
    assert '"full"' in first_code
    heading = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "markdown" and c.source.startswith("## What the results say")]
    assert heading, "no final section '## What the results say, and their limits'"
    assert heading[-1] >= len(nb.cells) - 3, "the conclusions must close the notebook"
    assert "Limits" in "".join(c.source for c in nb.cells[heading[-1]:])
    assert len({c["id"] for c in nb.cells}) == len(nb.cells)


@pytest.mark.notebook
@pytest.mark.slow
def test_kernel_is_this_venv(tmp_path):
    """The python3 kernelspec starts this venv's interpreter (where sim is installed)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys, sim; print(sys.prefix)", id="c0")]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs[0]["text"].strip() == sys.prefix


REPEATED = ["01_quickstart"]   # run twice: numbers and printed text must be identical
CHECKED = ["02_three_vs_five"]  # run once, and its printed conclusions checked


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n not in REPEATED + CHECKED])
def test_notebook_runs(name, tmp_path):
    _, numbers = _run(name, tmp_path)
    assert numbers["size"] == "small"


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_02_prints_the_verdicts_it_computed(tmp_path):
    """02's printed conclusions must be the verdicts it computed, sentence for sentence."""
    nb, numbers = _run("02_three_vs_five", tmp_path)
    assert numbers["size"] == "small"
    text = "".join(_text_outputs(nb))
    conclusions = text[text.index("Five versus three:"):]
    expected = {"better": "better for five", "worse": "worse for five",
                "no clear difference": "no clear difference",
                "too few events": "too few events", "no data": "no pair"}
    for metric, entry in numbers["vs_three"]["five"].items():
        line = next(t for t in conclusions.splitlines() if t.startswith(f"- {metric}:"))
        assert (expected[entry["verdict"]] in line) or (entry["identical"]
                                                        and "identical" in line), line


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_01_runs_and_repeats(tmp_path):
    """Two executions from scratch give the same key numbers and the same printed text."""
    name = "01_quickstart"
    nb1, numbers1 = _run(name, tmp_path, "first")
    nb2, numbers2 = _run(name, tmp_path, "second")
    assert numbers1 == numbers2
    assert _text_outputs(nb1) == _text_outputs(nb2)
    from sim.model import REGIMES

    assert set(numbers1["summary"]) == set(REGIMES)
