""" "Run N pairs": the paired comparison of ``sim compare``, started from the page.

The runs go through the same runner as ``sim compare`` (``sim.compare.run_pairs`` and
``sim.compare.paired_table``), with the page's settings and its seed as the root seed, so the
page shows the same numbers ``sim compare --seed S`` prints for the same settings. They run in
a background thread (the worker processes do the simulating) while the page stays usable;
progress is reported after every run, and Cancel stops submitting runs.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import pandas as pd

from sim import compare
from sim.dashboard.cards import comparisons
from sim.dashboard.runs import Settings
from sim.model import Params

DEFAULT_PAIRS = 20
MAX_PAIRS = 500
PROGRESS_EVERY_S = 0.25  # progress reaches the page at most this often (each one re-renders)
log = logging.getLogger("sim.dashboard")


@dataclass(frozen=True)
class PairsResult:
    """N paired runs of one set of settings."""

    settings: Settings
    reps: int
    runs: pd.DataFrame  # one row per (rep, regime): every summary metric
    daily: pd.DataFrame  # one row per (rep, regime, day)
    tables: dict[tuple[str, str], pd.DataFrame]  # (a, b) -> paired_table(runs, a, b)


@dataclass(frozen=True)
class PairsStatus:
    """What the page shows about the paired comparison."""

    state: str = "idle"  # idle | running | done | cancelled | failed
    done: int = 0
    total: int = 0
    result: PairsResult | None = None


def run(
    settings: Settings, reps: int, on_progress=None, cancel=None, workers=None
) -> PairsResult | None:
    """Run ``reps`` pairs of ``settings``; None if cancelled before the end."""
    params = Params.from_dict(settings.overrides)
    runs, daily = compare.run_pairs(
        params,
        reps,
        settings.seed,
        workers=workers,
        regimes=settings.regimes,
        progress=False,
        on_progress=on_progress,
        cancel=cancel,
    )
    if cancel is not None and cancel.is_set():
        return None
    tables = {(a, b): compare.paired_table(runs, a, b) for a, b in comparisons(settings.regimes)}
    return PairsResult(settings, reps, runs, daily, tables)


@dataclass
class PairsJob:
    """One background paired comparison; ``publish(status)`` hands each update to the page."""

    settings: Settings
    reps: int
    publish: object  # callable(PairsStatus)
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        total = self.reps * len(self.settings.regimes)
        self.publish(PairsStatus("running", 0, total))
        threading.Thread(target=self._work, name="sim-pairs", daemon=True).start()

    def cancel(self) -> None:
        self.cancel_event.set()

    def _work(self) -> None:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S and done < total:
                last = now
                self.publish(PairsStatus("running", done, total))

        total = self.reps * len(self.settings.regimes)
        try:
            result = run(self.settings, self.reps, progress, self.cancel_event)
        except Exception:
            log.exception(
                "paired comparison failed (%d pairs, settings %s)", self.reps, self.settings
            )
            self.publish(PairsStatus("failed", 0, total))
            return
        if result is None:
            self.publish(PairsStatus("cancelled", 0, total))
        else:
            self.publish(PairsStatus("done", total, total, result))
