""" "Run N pairs": the paired comparison of ``sim compare``, and the controls that explain it.

The runs go through the same runner as ``sim compare`` (``sim.compare.run_pairs`` and
``sim.compare.paired_table``), with the page's settings and its seed as the root seed, so the
cards show the same numbers ``sim compare --seed S`` prints for the same settings. Two stages
on the same replicate seeds:

1. ``three`` and ``five`` (what the cards and the bottom line's "what changes" need);
2. the rungs of the attribution ladder below five (``sim.experiments.attribution``): five's
   resources through the purchase channel, the same unrestricted, and the matched control
   (five's resources spent by five's rules, without linkage), which split the difference
   into resources, routing and linkage itself; with ``ladder``, also the matched controls
   keeping some linkage mechanisms along sampled orderings, which split linkage into its
   gains and costs.

The first stage's result is shown as soon as it is in, so the verdict does not wait for the
split. The runs happen in a background thread (the worker processes do the simulating)
while the page stays usable; progress is reported after every run, and Cancel stops
submitting runs: before the end of stage 1 nothing is kept, during stage 2 the pairs of
stage 1 are kept without the split.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from sim import compare
from sim.dashboard.cards import comparisons
from sim.dashboard.runs import BASE_REGIMES, Settings
from sim.experiments.attribution import ladder_regimes, orderings
from sim.experiments.executors import open_executor
from sim.model import MATCHED_NAME, Params

DEFAULT_PAIRS = 20
MAX_PAIRS = 500
LADDER_ORDERINGS = 2  # orderings of the linkage mechanisms sampled for the ladder
PROGRESS_EVERY_S = 0.25  # progress reaches the page at most this often (each one re-renders)
RUNGS = ("three-equal-resources", "three-equal-resources-unrestricted", MATCHED_NAME)
"""The controls run in stage 2: resources (purchase channel, unrestricted), routing."""
log = logging.getLogger("sim.dashboard")


def chains_for(settings: Settings, ladder: bool) -> tuple[tuple[str, ...], ...]:
    """The orderings of the linkage mechanisms the ladder walks (none without the ladder),
    sampled from the page's seed as ``sim explain --seed S`` samples them."""
    return tuple(orderings(LADDER_ORDERINGS, settings.seed)) if ladder else ()


def stage_regimes(chains) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The regimes of each stage: three and five, then the controls (and ladder rungs)."""
    second = list(RUNGS)
    if chains:
        second += [r for r in ladder_regimes(list(chains)) if r not in (*BASE_REGIMES, *second)]
    return BASE_REGIMES, tuple(second)


def runs_per_pair(ladder: bool, settings: Settings | None = None) -> int:
    """How many runs one pair takes (for the page's estimate of the time)."""
    chains = chains_for(settings or Settings.make(0, "preset_default", {}), ladder)
    first, second = stage_regimes(chains)
    return len(first) + len(second)


@dataclass(frozen=True, eq=False)
class PairsResult:
    """N paired runs of one set of settings, with or without the controls."""

    settings: Settings
    reps: int
    runs: pd.DataFrame  # one row per (rep, regime): every summary metric
    daily: pd.DataFrame  # one row per (rep, regime, day)
    chains: tuple[tuple[str, ...], ...] = ()  # ladder orderings (empty: no ladder)
    complete: bool = True  # stage 2 (the controls) ran as well

    @cached_property
    def regimes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.runs["regime"])) if len(self.runs) else ()

    @property
    def has_controls(self) -> bool:
        return all(r in self.regimes for r in RUNGS)

    def memo(self, key, make):
        """``make()``, computed once per result (the page redraws on every frame while
        playing; what it shows of the pairs does not change)."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def table(self, a: str, b: str) -> pd.DataFrame:
        """``sim.compare.paired_table(runs, a, b)``, computed once."""
        return self.memo(("table", a, b), lambda: compare.paired_table(self.runs, a, b))

    def tables_for(self, regimes: tuple[str, ...]) -> dict[tuple[str, str], pd.DataFrame]:
        """The paired tables behind the cards of communities ``regimes`` (those run)."""
        return {
            (a, b): self.table(a, b)
            for a, b in comparisons(regimes)
            if a in self.regimes and b in self.regimes
        }

    @property
    def tables(self) -> dict[tuple[str, str], pd.DataFrame]:
        return self.tables_for(self.settings.regimes)

    @property
    def community_years(self) -> float:
        """Community-years simulated per regime: pairs x communities x measured years."""
        params = Params.from_dict(self.settings.overrides)
        years = (params.days - params.warmup_days) / 365
        return self.reps * params.communities * years


@dataclass(frozen=True)
class PairsStatus:
    """What the page shows about the paired comparison."""

    state: str = "idle"  # idle | running | done | cancelled | failed
    done: int = 0
    total: int = 0
    result: PairsResult | None = None  # during stage 2: stage 1's pairs
    started: float = 0.0  # time.monotonic() at the start (for the estimate of time left)
    ladder: bool = False
    restored: bool = False  # the result was kept from an earlier run (store)

    def seconds_left(self, now: float | None = None) -> float | None:
        """A rough estimate from the pace so far (None before the first run is in)."""
        if self.state != "running" or self.done <= 0:
            return None
        elapsed = (now or time.monotonic()) - self.started
        return elapsed / self.done * (self.total - self.done)


def run(
    settings: Settings,
    reps: int,
    on_progress=None,
    cancel=None,
    workers=None,
    ladder: bool = False,
    on_stage=None,
) -> PairsResult | None:
    """Run ``reps`` pairs of ``settings`` and the controls; None if cancelled in stage 1.

    ``on_progress(done, total)`` counts runs over both stages; ``on_stage(result)`` receives
    stage 1's result when it is in. Cancelled in stage 2, the result is stage 1's pairs
    (``complete`` False)."""
    params = Params.from_dict(settings.overrides)
    chains = chains_for(settings, ladder)
    first, second = stage_regimes(chains)
    total = reps * (len(first) + len(second))

    def progress(offset: int):
        return None if on_progress is None else (lambda d, _n: on_progress(offset + d, total))

    def pairs(executor, regimes, offset):
        return compare.run_pairs(
            params,
            reps,
            settings.seed,
            regimes=regimes,
            progress=False,
            on_progress=progress(offset),
            cancel=cancel,
            executor=executor,
        )

    # one pool for both stages, as the sweep keeps one for its levels: a second pool cost
    # the controls another process start-up before their first run
    with open_executor(workers) as executor:
        runs, daily = pairs(executor, first, 0)
        if cancel is not None and cancel.is_set():
            return None
        partial = PairsResult(settings, reps, runs, daily, chains, complete=False)
        if on_stage is not None:
            on_stage(partial)
        more_runs, more_daily = pairs(executor, second, reps * len(first))
    if cancel is not None and cancel.is_set():
        return partial
    runs = pd.concat([runs, more_runs], ignore_index=True).sort_values(
        ["rep", "regime"], ignore_index=True
    )
    daily = pd.concat([daily, more_daily], ignore_index=True)
    return PairsResult(settings, reps, runs, daily, chains, complete=True)


@dataclass
class PairsJob:
    """One background paired comparison; ``publish(status)`` hands each update to the page
    and ``keep(result)`` stores a finished result (``store``)."""

    settings: Settings
    reps: int
    publish: object  # callable(PairsStatus)
    ladder: bool = False
    keep: object = None  # callable(PairsResult) or None
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def total(self) -> int:
        return self.reps * runs_per_pair(self.ladder, self.settings)

    def start(self) -> None:
        self.started = time.monotonic()
        self.publish(PairsStatus("running", 0, self.total, None, self.started, self.ladder))
        threading.Thread(target=self._work, name="sim-pairs", daemon=True).start()

    def cancel(self) -> None:
        self.cancel_event.set()

    def _work(self) -> None:
        last, partial = 0.0, None
        started = getattr(self, "started", time.monotonic())

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S and done < total:
                last = now
                self.publish(PairsStatus("running", done, total, partial, started, self.ladder))

        def stage(result: PairsResult) -> None:
            nonlocal partial
            partial = result
            done = self.reps * len(BASE_REGIMES)
            self.publish(PairsStatus("running", done, self.total, result, started, self.ladder))

        total = self.total
        try:
            result = run(
                self.settings,
                self.reps,
                progress,
                self.cancel_event,
                ladder=self.ladder,
                on_stage=stage,
            )
        except Exception:
            log.exception(
                "paired comparison failed (%d pairs, settings %s)", self.reps, self.settings
            )
            self.publish(PairsStatus("failed", 0, total, partial, started, self.ladder))
            return
        if result is not None and self.keep is not None:
            try:
                self.keep(result)
            except Exception:  # a full disk must not lose the result on the page
                log.exception("could not store the paired comparison")
        if result is None or not result.complete:
            self.publish(PairsStatus("cancelled", 0, total, result, started, self.ladder))
        else:
            self.publish(PairsStatus("done", total, total, result, started, self.ladder))
