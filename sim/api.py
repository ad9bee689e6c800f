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

from sim.metrics import SUMMARY_METRICS
from sim.model import CommunityModel
from sim.params import Params
from sim.regimes import REGIMES

__all__ = ["REGIMES", "SUMMARY_METRICS", "RunResult", "simulate"]


@dataclass
class RunResult:
    """Outcome of one run: the summary metrics and the daily series."""

    summary: dict[str, float]
    daily: pd.DataFrame


def simulate(params: dict[str, Any] | Params | None, regime: str, seed: int) -> RunResult:
    """Run one community for ``params["days"]`` days under ``regime`` with ``seed``.

    ``params`` is a flat mapping of overrides of the defaults (validated: ConfigError on
    unknown keys or bad values) or a Params.
    """
    if not isinstance(params, Params):
        params = Params.from_dict(dict(params or {}))
    model = CommunityModel(regime=regime, params=params, rng=seed).run()
    result = RunResult(summary=model.summary(), daily=model.daily_frame())
    model.remove_all_agents()  # release the Mesa agents at once (many-run sweeps)
    return result
