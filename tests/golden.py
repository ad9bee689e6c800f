"""The golden snapshot: a few summary numbers at fixed seeds, to catch unintended changes.

When results change on purpose (a new mechanism, a recalibrated default), update the
snapshot in the same commit and say why in the message:

    .venv/bin/python tests/golden.py --update
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PATH = Path(__file__).with_name("golden.json")
PARAMS = {"n_residents": 1500, "days": 200}
CASES = [("three", 11), ("five", 11), ("three-equal-resources", 11),
         ("three-equal-resources-unrestricted", 11), ("five", 12)]
METRICS = ["needs_total", "needs_unmet", "unmet_need_share", "unmet_need_share_vulnerable",
           "undiscovered_unmet_share", "disputes_total", "complaints", "court_filings",
           "mediated_disputes_per_10k", "cost_per_resolved_case", "extra_resource_hours",
           "volunteers_active_share", "donations_total", "government_spent"]


def compute() -> dict[str, dict[str, float]]:
    from sim.model import simulate

    out = {}
    for regime, seed in CASES:
        summary = simulate(PARAMS, regime, seed).summary
        out[f"{regime}/{seed}"] = {m: summary[m] for m in METRICS}
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/golden.py --update")
    PATH.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {PATH}")
