""" "Which assumption decides it?": one assumption swept over its documented range.

The officer picks one assumption (``ASSUMPTIONS``: coordination cost, volunteer activity,
giving, crowd-out, trust crises, community size); it takes ``levels`` evenly spaced values
over its range in ``sim.model.SWEEP_RANGES`` (the officer's current value is added when it
lies inside), everything else stays at the current runs' settings. At each value the same
runner as ``sim compare`` (``sim.compare.run_pairs``) runs ``reps`` replicates of three,
five and the matched control, with the same replicate seeds at every value, so the curves
are paired across values too. ``sim.experiments.break_even`` then gives five minus three
and five minus the matched control at every value with their 95% intervals, and where each
changes sign (break-even) with a bootstrap interval over replicates, or that it does not
in the range.

Progress is reported after every run and Cancel stops submitting runs (nothing is kept).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim import compare
from sim.dashboard.runs import Settings
from sim.experiments import break_even
from sim.experiments.executors import open_executor
from sim.model import MATCHED_NAME, METRICS, PARAM_SPECS, SWEEP_RANGES, Params

ASSUMPTIONS = (
    "coordination_cost_hours_per_channel",
    "volunteer_active_share",
    "local_giving_share",
    "crowd_out_elasticity",
    "trust_shock_prob_per_year",
    "n_residents",
)
"""What an officer can ask "does it decide?" about, each with a documented range."""
REGIMES = ("three", "five", MATCHED_NAME)
COMPARISONS = ("three", MATCHED_NAME)
DEFAULT_LEVELS, MAX_LEVELS = 5, 11
DEFAULT_PAIRS, MAX_PAIRS = 8, 100
PROGRESS_EVERY_S = 0.25
log = logging.getLogger("sim.dashboard")


def levels(name: str, count: int, current: float | None = None) -> list[float]:
    """``count`` evenly spaced values over the assumption's documented range, plus the
    current value if it lies inside (whole numbers for integer parameters)."""
    low, high = SWEEP_RANGES[name]
    values = list(np.linspace(low, high, count))
    if current is not None and low <= current <= high:
        values.append(float(current))
    if isinstance(PARAM_SPECS[name].default, int):
        values = [float(round(v)) for v in values]
    return sorted({round(v, 10) for v in values})


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The swept assumption's curves and break-even points for one metric."""

    settings: Settings
    parameter: str
    metric: str
    reps: int
    current: float  # the officer's setting of the parameter
    runs: pd.DataFrame  # one row per (scenario, rep, regime)
    levels: pd.DataFrame  # scenario -> parameter, level

    def _cached(self, key, make):
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def curves(self, metric: str | None = None) -> pd.DataFrame:
        """five minus each comparison per level: comparison, level, mean, ci_low, ci_high."""
        metric = metric or self.metric
        return self._cached(
            ("curves", metric),
            lambda: break_even.curves(self.runs, self.levels, metric, comparisons=COMPARISONS),
        )

    def table(self, metric: str | None = None) -> pd.DataFrame:
        """Per comparison: the break-even value with its bootstrap interval, the share of
        resamples that cross, the signs at both ends; ``default`` is the current value."""
        metric = metric or self.metric
        return self._cached(
            ("table", metric),
            lambda: break_even.break_even_table(
                self.runs,
                self.levels,
                metric,
                {self.parameter: self.current},
                comparisons=COMPARISONS,
                seed=self.settings.seed,
            ),
        )


@dataclass(frozen=True)
class SweepStatus:
    state: str = "idle"  # idle | running | done | cancelled | failed
    done: int = 0
    total: int = 0
    level: int = 0  # 1-based value being run
    levels: int = 0
    result: SweepResult | None = None


def current_value(settings: Settings, name: str) -> float:
    return float(settings.overrides.get(name, PARAM_SPECS[name].default))


def run(
    settings: Settings,
    parameter: str,
    count: int,
    reps: int,
    metric: str,
    on_progress=None,
    cancel=None,
    workers=None,
) -> SweepResult | None:
    """Run the sweep; None if cancelled. ``on_progress(done, total, level)``."""
    if parameter not in ASSUMPTIONS or metric not in METRICS:
        raise ValueError(f"cannot sweep {parameter!r} on {metric!r}")
    current = current_value(settings, parameter)
    values = levels(parameter, count, current)
    total = len(values) * reps * len(REGIMES)
    parts, rows = [], []
    # one pool for every level: opening one per level cost a process start-up each
    with open_executor(workers) as executor:
        for i, value in enumerate(values):
            params = Params.from_dict(settings.overrides | {parameter: _typed(parameter, value)})
            offset = i * reps * len(REGIMES)

            def progress(done, _total, offset=offset, level=i + 1):
                if on_progress is not None:
                    on_progress(offset + done, total, level)

            runs, _ = compare.run_pairs(
                params,
                reps,
                settings.seed,
                regimes=REGIMES,
                progress=False,
                on_progress=progress,
                cancel=cancel,
                executor=executor,
            )
            if cancel is not None and cancel.is_set():
                return None
            parts.append(runs.assign(scenario=i))
            rows.append({"scenario": i, "parameter": parameter, "level": float(value)})
    return SweepResult(
        settings,
        parameter,
        metric,
        reps,
        current,
        pd.concat(parts, ignore_index=True),
        pd.DataFrame(rows),
    )


def _typed(name: str, value: float):
    return round(float(value)) if isinstance(PARAM_SPECS[name].default, int) else float(value)


@dataclass
class SweepJob:
    """One background sweep; ``publish(status)`` hands each update to the page."""

    settings: Settings
    parameter: str
    count: int
    reps: int
    metric: str
    publish: object
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def values(self) -> list[float]:
        return levels(self.parameter, self.count, current_value(self.settings, self.parameter))

    def start(self) -> None:
        n = len(self.values)
        self.publish(SweepStatus("running", 0, n * self.reps * len(REGIMES), 1, n))
        threading.Thread(target=self._work, name="sim-sweep", daemon=True).start()

    def cancel(self) -> None:
        self.cancel_event.set()

    def _work(self) -> None:
        last = 0.0
        n = len(self.values)
        total = n * self.reps * len(REGIMES)

        def progress(done: int, total: int, level: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S and done < total:
                last = now
                self.publish(SweepStatus("running", done, total, level, n))

        try:
            result = run(
                self.settings,
                self.parameter,
                self.count,
                self.reps,
                self.metric,
                progress,
                self.cancel_event,
            )
            if result is not None:  # the bootstrap of the break-even points, off the page
                result.table()
        except Exception:
            log.exception("sweep of %s failed (settings %s)", self.parameter, self.settings)
            self.publish(SweepStatus("failed", 0, total, 0, n))
            return
        if result is None:
            self.publish(SweepStatus("cancelled", 0, total, 0, n))
        else:
            self.publish(SweepStatus("done", total, total, n, n, result))


def side(value: float, metric: str) -> str:
    """ "better", "worse" or "equal": five's side of a difference five - comparison."""
    sign = METRICS[metric].sign or 1
    if not math.isfinite(value) or value == 0:
        return "equal"
    return "better" if sign * value > 0 else "worse"


def number(name: str, value: float) -> str:
    """A value of the swept parameter as people read it."""
    if not math.isfinite(value):
        return "–"
    if isinstance(PARAM_SPECS[name].default, int) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def reading(result: SweepResult, lang: str, metric: str | None = None) -> list[str]:
    """One sentence per comparison, computed from the curves and the break-even table:
    where five's difference changes sign, on which side the officer's setting lies, or
    that it keeps one side over the whole range (and at how many values its interval
    includes zero)."""
    from sim.dashboard.i18n import t

    metric = metric or result.metric
    curves, table = result.curves(metric), result.table(metric)
    name = t(result.parameter, lang)
    out = []
    for comparison, key in zip(
        COMPARISONS, ("sweep_five_three", "sweep_five_matched"), strict=True
    ):
        label = f"five - {comparison}"
        rows = table[table["comparison"] == label]
        if rows.empty:
            continue
        row = rows.iloc[0]
        part = curves[curves["comparison"] == label].sort_values("level")
        fields = {
            "comparison": t(key, lang),
            "param": name,
            "share": f"{row['share_crossing']:.0%}"
            if math.isfinite(row["share_crossing"])
            else "–",
            "current": number(result.parameter, result.current),
        }
        if math.isfinite(row["break_even"]):
            first, last = part["mean"].iloc[0], part["mean"].iloc[-1]
            where = (
                "sweep_where_below" if result.current < row["break_even"] else "sweep_where_above"
            )
            fields |= {
                "x": number(result.parameter, row["break_even"]),
                "low": number(result.parameter, row["ci_low"]),
                "high": number(result.parameter, row["ci_high"]),
                "below": t(f"side_{side(first, metric)}", lang),
                "above": t(f"side_{side(last, metric)}", lang),
                "where": ("" if lang == "en" else "，") + t(where, lang),
            }
            key = "sweep_crosses" if math.isfinite(row["ci_low"]) else "sweep_crosses_no_interval"
            out.append(t(key, lang, **fields))
        else:
            zero = int(((part["ci_low"] <= 0) & (part["ci_high"] >= 0)).sum())
            fields |= {
                "low": number(result.parameter, row["low"]),
                "high": number(result.parameter, row["high"]),
                "side": t(f"side_{side(part['mean'].mean(), metric)}", lang),
                "n": len(part),
                "zero": t("sweep_zero_levels", lang, k=zero, n=len(part)) if zero else "",
            }
            key = "sweep_unclear" if zero == len(part) else "sweep_no_cross"
            out.append(t(key, lang, **fields))
    return out
