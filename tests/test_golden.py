"""Results at fixed seeds equal the stored snapshot (update: python tests/golden.py --update)."""

import json
import math

import pytest
from golden import PATH, compute


def test_results_match_the_golden_snapshot():
    stored = json.loads(PATH.read_text())
    now = compute()
    assert set(now) == set(stored), "cases changed: update the snapshot on purpose"
    for case, values in stored.items():
        for metric, expected in values.items():
            got = now[case][metric]
            same = (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(
                expected, rel=1e-9)
            assert same, (f"{case} {metric}: {got} != {expected}; if the change is intended, "
                          "run `python tests/golden.py --update` and say why in the commit")
