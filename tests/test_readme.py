"""The README's Python snippets and the API's doctests run as written."""

from __future__ import annotations

import doctest
import importlib
import re

import pytest
from paths import ROOT

# Modules whose docstrings show the API in ``>>>`` examples.
DOCTESTED = ["sim.model", "sim.model.run"]


def readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("module", DOCTESTED)
def test_api_doctests_pass(module):
    result = doctest.testmod(importlib.import_module(module), verbose=False)
    assert result.attempted > 0, f"{module} lost its examples"
    assert result.failed == 0


@pytest.mark.slow
def test_readme_python_snippets_run():
    """Slow: the README simulates a year of 2,000 residents."""
    blocks = readme_python_blocks()
    assert blocks, "the README shows no Python"
    for block in blocks:  # our own README, not user input: run it as a reader would
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)
