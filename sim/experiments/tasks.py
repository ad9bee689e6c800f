"""What a worker runs: one task of an experiment, and what it sends back.

A task is one (scenario, replicate) with all of its regimes, which share one seed (common
random numbers). This module is all a worker needs: the coordinating process
(:mod:`.runner`, ``sim compare``, the dashboard) builds the tasks and stores the outcomes;
the executors preload this module on their workers (:mod:`.executors`), so the first task
of a sweep does not pay for the imports.
"""

from __future__ import annotations

import fnmatch
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Test hook, honoured only by the runner: comma-separated glob patterns of run keys that must fail,
# e.g. SIM_EXPERIMENTS_FAIL="s0001-r000-five". Read by the coordinating process and sent
# with the task, so it works the same on every executor.
FAIL_ENV = "SIM_EXPERIMENTS_FAIL"


class InjectedFailure(RuntimeError):
    """Raised instead of running the model for run keys named in SIM_EXPERIMENTS_FAIL."""


def run_key(scenario: int, rep: int, regime: str) -> str:
    """Readable, unique and sortable within a sweep: ``s0003-r012-five``."""
    return f"s{scenario:04d}-r{rep:03d}-{regime}"


@dataclass(frozen=True)
class RunTask:
    """The regimes of one replicate of one scenario (they share ``seed``)."""

    scenario: int
    label: str
    rep: int
    seed: int
    params: dict[str, Any]
    regimes: tuple[str, ...]
    fail: tuple[str, ...] = ()
    model: str = ""                   # model class "module:Class" ("" = CommunityModel)
    variant: str = ""                 # its name among [experiment] models ("" = no factor)

    def keys(self) -> list[str]:
        return [run_key(self.scenario, self.rep, r) for r in self.regimes]


@dataclass
class RunOutcome:
    """What a worker sends back for one run: results, or the error that stopped it."""

    key: str
    regime: str
    status: str                       # "ok" | "failed"
    summary: dict[str, float] = field(default_factory=dict)
    daily: pd.DataFrame | None = None
    error: str | None = None
    traceback: str | None = None


def run_task(task: RunTask) -> list[RunOutcome]:
    """Execute one task on a worker. Model errors become data; they never raise.

    The task's regimes run side by side (``sim.model.simulate_regimes``: its controls share
    one five-actor twin); if that fails, each runs alone, so that one regime's error does
    not take the others with it.
    """
    from sim.model import SmallCommunityWarning, simulate_regimes

    from .models import resolve

    # Said once, before the sweep, by whoever started it (sim.cli.warn_size).
    warnings.simplefilter("ignore", SmallCommunityWarning)
    outcomes: dict[str, RunOutcome] = {}
    wanted = []
    for regime, key in zip(task.regimes, task.keys(), strict=True):
        try:
            if any(fnmatch.fnmatchcase(key, pattern) for pattern in task.fail):
                raise InjectedFailure(f"failure injected by {FAIL_ENV} for {key}")
            wanted.append((regime, key))
        except InjectedFailure as exc:
            outcomes[regime] = _failed(key, regime, exc)
    try:
        model_class = resolve(task.model)
        results = simulate_regimes(dict(task.params), [r for r, _ in wanted], task.seed,
                                   model_class)
    except Exception:  # noqa: BLE001 - find which regime fails, each on its own
        results = {}
        for regime, key in wanted:
            try:
                results[regime] = simulate_regimes(dict(task.params), [regime], task.seed,
                                                   resolve(task.model))[regime]
            except Exception as exc:  # noqa: BLE001 - a failed run is a result, not a crash
                outcomes[regime] = _failed(key, regime, exc)
    for regime, key in wanted:
        if regime in results:
            result = results[regime]
            outcomes[regime] = RunOutcome(key, regime, "ok", dict(result.summary),
                                          result.daily.reset_index(drop=True))
    return [outcomes[regime] for regime in task.regimes]


def _failed(key: str, regime: str, exc: Exception) -> RunOutcome:
    message = " ".join(f"{type(exc).__name__}: {exc}".split())
    trace = "".join(traceback.format_exception(exc))
    return RunOutcome(key, regime, "failed", error=message, traceback=trace)
