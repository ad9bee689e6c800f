"""Headline cards: values, differences and verdicts, driven by the metric catalogue.

Which metrics get a card, their titles, units, which direction is better and how many events
a verdict needs all come from ``sim.model.METRICS``. A card is built either from one run
per community (labelled as one run) or from N paired runs (the mean difference, its 95%
interval and "better in X of N pairs"). A verdict is held back for a metric whose events
(e.g. court filings) are fewer than the catalogue's ``min_events`` in either community, and
for N pairs it needs an interval that excludes zero.

The same ``Card`` feeds the page and the one-page brief; ``describe`` turns it into words.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import pandas as pd

from sim.dashboard.i18n import metric_title, regime_name, sep, t
from sim.model import METRICS, Metric, headline_metrics


@dataclass(frozen=True)
class Difference:
    """``b`` minus ``a`` for one metric, with what can be concluded from it."""

    a: str
    b: str
    value: float  # b - a (one run) or the mean paired difference
    low: float | None  # 95% interval (N pairs only)
    high: float | None
    pairs: int  # 1 for a single run
    better_in: int | None  # pairs in which b did better (N pairs only)
    verdict: str  # better | worse | same | unclear | too_few | no_data | not_judged
    events: dict[str, float]  # regime -> event count behind the verdict (if it rests on one)


@dataclass(frozen=True)
class Card:
    """One headline metric: its value per community and the differences to show."""

    metric: Metric
    values: dict[str, float]  # regime -> value (one run) or mean over pairs
    differences: tuple[Difference, ...]
    pairs: int  # 1 = one run per community


def comparisons(regimes: tuple[str, ...]) -> list[tuple[str, str]]:
    """Which differences the cards show: five minus three, then five minus each control."""
    return [("three", "five")] + [(r, "five") for r in regimes if r not in ("three", "five")]


def _finite(*values) -> bool:
    """True if every value is a finite number (Python's or numpy's)."""
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
               for v in values)


def _too_few(metric: Metric, events: dict[str, float]) -> bool:
    return bool(metric.events) and any(count < metric.min_events for count in events.values())


def judge(metric: Metric, value: float, low, high, pairs: int, events: dict[str, float]) -> str:
    """The verdict on a difference ``value`` (b - a), from the metric's direction and events."""
    if metric.direction is None:
        return "not_judged"
    if not _finite(value):
        return "no_data"
    if _too_few(metric, events):
        return "too_few"
    if pairs == 1:  # one run: a direction only, labelled as one run where shown
        return "same" if value == 0 else ("better" if metric.sign * value > 0 else "worse")
    if not _finite(low, high):
        return "unclear"
    if low == high == 0:
        return "same"
    if low > 0 or high < 0:
        return "better" if metric.sign * value > 0 else "worse"
    return "unclear"


def run_cards(summary: dict[str, dict[str, float]], regimes: tuple[str, ...]) -> list[Card]:
    """Cards from one run per community (``summary``: regime -> outcomes to date)."""
    cards = []
    for name in headline_metrics():
        metric = METRICS[name]
        values = {r: summary.get(r, {}).get(name, math.nan) for r in regimes}
        diffs = []
        for a, b in comparisons(regimes):
            value = values[b] - values[a] if _finite(values[a], values[b]) else math.nan
            events = (
                {r: summary.get(r, {}).get(metric.events, 0) for r in (a, b)}
                if metric.events
                else {}
            )
            verdict = judge(metric, value, None, None, 1, events)
            diffs.append(Difference(a, b, value, None, None, 1, None, verdict, events))
        cards.append(Card(metric, values, tuple(diffs), 1))
    return cards


def pairs_cards(runs: pd.DataFrame, tables: dict[tuple[str, str], pd.DataFrame]) -> list[Card]:
    """Cards from N paired runs: ``runs`` has one row per (rep, regime) with every summary
    metric; ``tables`` holds ``sim.compare.paired_table(runs, a, b)`` per comparison."""
    reps = int(runs[_replicate(runs)].nunique())
    totals = runs.groupby("regime").sum(numeric_only=True)
    cards = []
    for name in headline_metrics():
        metric = METRICS[name]
        values: dict[str, float] = {}
        diffs = []
        for (a, b), table in tables.items():
            row = table.set_index("metric").loc[name]
            # the means under a and b: columns named by regime, or literally "a" and "b"
            values.setdefault(a, float(row[a] if a in row.index else row["a"]))
            values.setdefault(b, float(row[b] if b in row.index else row["b"]))
            events = (
                {r: float(totals.loc[r, metric.events]) for r in (a, b)} if metric.events else {}
            )
            mean, low, high = float(row["difference"]), float(row["ci_low"]), float(row["ci_high"])
            verdict = judge(metric, mean, low, high, int(row["pairs"]), events)
            better = (
                int(row["better_in"])
                if "better_in" in row.index and _finite(row["better_in"])
                else better_in(runs, name, a, b)
            )
            diffs.append(
                Difference(a, b, mean, low, high, int(row["pairs"]), better, verdict, events)
            )
        cards.append(Card(metric, values, tuple(diffs), reps))
    return cards


def better_in(runs: pd.DataFrame, name: str, a: str, b: str) -> int | None:
    """In how many pairs ``b`` did better than ``a`` on metric ``name`` (None if not judged)."""
    sign = METRICS[name].sign
    if not sign:
        return None
    wide = runs.pivot(index=_replicate(runs), columns="regime", values=name)
    diff = (wide[b] - wide[a]).dropna()
    return int((sign * diff > 0).sum())


def _replicate(runs: pd.DataFrame) -> str:
    """The replicate column of a run table (``rep`` in sim.compare, ``replicate`` in the
    experiments runner)."""
    return "rep" if "rep" in runs else "replicate"


# --- words ------------------------------------------------------------------------------


def format_value(value: float | None, unit: str) -> str:
    """A metric value as people read it: shares as percentages, money without decimals."""
    if not _finite(value):
        return "–"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "yuan" or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def format_difference(value: float | None, unit: str, lang: str, with_unit: bool = True) -> str:
    """A difference with its sign; shares in percentage points (in words in both languages)."""
    if not _finite(value):
        return "–"
    if unit == "share":
        return f"{value * 100:+.1f}" + (t("pp", lang) if with_unit else "")
    if unit == "yuan" or abs(value) >= 1000:
        return f"{value:+,.0f}"
    return f"{value:+.1f}" if abs(value) >= 10 else f"{value:+.2f}"


def describe(metric: Metric, diff: Difference, lang: str) -> str:
    """The verdict in words: "five better", "too few events ...", with the run count."""
    b = regime_name(diff.b, lang, short=True)
    if diff.verdict == "too_few":
        counts = " / ".join(
            f"{regime_name(r, lang, short=True)} {count:,.0f}" for r, count in diff.events.items()
        )
        return t(
            "verdict_too_few",
            lang,
            events=metric_title(metric.events, lang, capital=False),
            counts=counts,
            min=metric.min_events,
        )
    text = t(f"verdict_{diff.verdict}", lang, b=b)
    if diff.pairs == 1 and diff.verdict in ("better", "worse", "same"):
        text = t("run_prefix", lang) + text
    if diff.pairs > 1 and diff.better_in is not None and diff.verdict != "not_judged":
        text += sep(lang)
        text += t("better_in", lang, b=b, x=diff.better_in, n=diff.pairs)
    return text


def difference_label(diff: Difference, lang: str) -> str:
    """ "five − three" in the page's language."""
    a, b = regime_name(diff.a, lang, short=True), regime_name(diff.b, lang, short=True)
    return t("difference", lang, a=a, b=b)


def interval_text(metric: Metric, diff: Difference, lang: str) -> str:
    """ "95% interval -1.2 to +0.3 percentage points", or "" for one run."""
    if diff.low is None or not _finite(diff.low, diff.high):
        return ""
    return t(
        "interval",
        lang,
        low=format_difference(diff.low, metric.unit, lang, with_unit=False),
        high=format_difference(diff.high, metric.unit, lang, with_unit=False),
        unit=t("pp", lang) if metric.unit == "share" else "",
    )


def card_title(card: Card, lang: str) -> str:
    """What the card shows: the metric, to date for one run, over the whole run for N pairs."""
    suffix = t("to_date", lang) if card.pairs == 1 else t("whole_run", lang, n=card.pairs)
    return metric_title(card.metric.name, lang) + suffix
