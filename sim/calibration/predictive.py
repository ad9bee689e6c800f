"""Posterior predictive check: simulate the patterns afresh at posterior draws.

The accepted particles' own statistics are biased towards the observations (they were
accepted for being close), so the check draws ``abc.predictive_draws`` parameter sets from
the posterior and simulates each with new seeds (salt "predictive"), at the calibration's
size and replicates. The runs go through the project's Executor seam (in process, a local
process pool, or a Dask cluster) and its one submission loop, like ``sim experiment``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sim.experiments.executors import InFlight, capacity, open_executor
from sim.io import write_parquet

from .results import STAT_PREFIX, CalibrationResult, posterior_draws
from .simulator import PatternModel
from .spec import Calibration


def run_predictive_check(root: Path, cal: Calibration, *, workers: int | None = None,
                         scheduler: str | None = None, progress: bool = True) -> Path | None:
    """Simulate the posterior predictive distribution into ``predictive.parquet``."""
    if not (root / "posterior.parquet").is_file():
        return None
    result = CalibrationResult.of_posterior(root, cal, pd.read_parquet(root / "posterior.parquet"))
    draws = posterior_draws(result, cal.abc["predictive_draws"], seed=cal.seed)
    model = PatternModel.from_calibration(cal, salt="predictive")
    tasks = [(i, model, draw) for i, draw in enumerate(draws.to_dict("records"))]
    rows: list[dict | None] = [None] * len(draws)
    with open_executor(workers, scheduler) as (pool, info):
        bar = _bar(len(draws), progress)       # after the pool: its workers fork
        with InFlight(pool, _statistics, tasks, capacity(info)) as flight:
            for (i, _, _), future in flight:
                stats = future.result()
                rows[i] = {"draw": i, **draws.iloc[i].to_dict(),
                           **{STAT_PREFIX + k: v for k, v in stats.items()}}
                bar.update(1)
        bar.close()
    return write_parquet(pd.DataFrame(rows), root / "predictive.parquet")


def _statistics(task: tuple[int, PatternModel, dict]) -> dict[str, float]:
    """A worker's part: the patterns simulated at one draw (``(index, model, draw)``)."""
    _, model, draw = task
    return model.statistics(draw)


def _bar(total: int, enabled: bool):
    import tqdm

    tqdm.tqdm.monitor_interval = 0
    return tqdm.tqdm(total=total, unit="draw", desc="predictive check", file=sys.stderr,
                     dynamic_ncols=True, disable=not enabled)
