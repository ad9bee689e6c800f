"""The model's public face for runners, notebooks and dashboards.

>>> from sim.api import simulate
>>> result = simulate({"n_residents": 500, "days": 30}, regime="five", seed=1)
>>> sorted(result.summary)[:2]
['admin_share_of_staff_hours', 'backfires']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.metrics import METRICS, SUMMARY_METRICS
from sim.model import CommunityModel
from sim.params import Params
from sim.regimes import REGIMES
from sim.street import run_street

__all__ = ["METRICS", "REGIMES", "SUMMARY_METRICS", "RunResult", "simulate"]


@dataclass
class RunResult:
    """Outcome of one run: the summary metrics and the daily series (measured days)."""

    summary: dict[str, float]
    daily: pd.DataFrame


def simulate(params: dict[str, Any] | Params | None, regime: str, seed: int,
             model_class: type[CommunityModel] = CommunityModel) -> RunResult:
    """Run ``params["days"]`` days under ``regime`` with ``seed`` (all communities pooled).

    ``params`` is a flat mapping of overrides of the defaults (validated: ConfigError on
    unknown keys or bad values) or a Params. ``model_class`` may be a subclass of
    CommunityModel that swaps a mechanism; it keeps the seeds, hence paired comparisons.
    """
    if not isinstance(params, Params):
        params = Params.from_dict(dict(params or {}))
    summary, daily = run_street(params, regime, seed, model_class)
    return RunResult(summary=summary, daily=daily)
