"""Headline cards: values, differences and verdicts, driven by the metric catalogue.

Which metrics get a card, their titles, units, which direction is better and how many events
a verdict needs all come from ``sim.model.METRICS``. A card is built either from one run
per community (labelled as one run) or from N paired runs (the mean difference, its 95%
interval and in how many pairs five was better, equal and worse). A verdict is held back for a
metric whose events (e.g. court filings) are fewer than the catalogue's ``min_events`` in either
community, and for N pairs it needs an interval that excludes zero.

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
    equal_in: int | None = None  # pairs with exactly the same value (a tie is not "better")
    worse_in: int | None = None
    community_years: float | None = None  # what the events were counted over


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
    return all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in values
    )


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


def run_cards(
    summary: dict[str, dict[str, float]],
    regimes: tuple[str, ...],
    community_years: float | None = None,
) -> list[Card]:
    """Cards from one run per community (``summary``: regime -> outcomes to date;
    ``community_years``: how long each has run, in years)."""
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
            diffs.append(
                Difference(
                    a,
                    b,
                    value,
                    None,
                    None,
                    1,
                    None,
                    verdict,
                    events,
                    community_years=community_years,
                )
            )
        cards.append(Card(metric, values, tuple(diffs), 1))
    return cards


def pairs_cards(
    runs: pd.DataFrame,
    tables: dict[tuple[str, str], pd.DataFrame],
    community_years: float | None = None,
) -> list[Card]:
    """Cards from N paired runs: ``runs`` has one row per (rep, regime) with every summary
    metric; ``tables`` holds ``sim.compare.paired_table(runs, a, b)`` per comparison;
    ``community_years`` is what each regime's events were counted over."""
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
            better, equal, worse = counts(runs, name, a, b)
            diffs.append(
                Difference(
                    a,
                    b,
                    mean,
                    low,
                    high,
                    int(row["pairs"]),
                    better,
                    verdict,
                    events,
                    equal,
                    worse,
                    community_years,
                )
            )
        cards.append(Card(metric, values, tuple(diffs), reps))
    return cards


def counts(runs: pd.DataFrame, name: str, a: str, b: str) -> tuple:
    """In how many pairs ``b`` did better than, the same as, and worse than ``a`` on metric
    ``name`` (a tie is "equal", never "better"); (None, None, None) if it is not judged.
    Pairs lacking either value are left out."""
    sign = METRICS[name].sign
    if not sign:
        return None, None, None
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    wide = ok.pivot(index=_replicate(ok), columns="regime", values=name)
    if a not in wide or b not in wide:
        return None, None, None
    diff = (wide[b] - wide[a]).dropna().to_numpy()
    better, equal = int((sign * diff > 0).sum()), int((diff == 0).sum())
    return better, equal, len(diff) - better - equal


def better_in(runs: pd.DataFrame, name: str, a: str, b: str) -> int | None:
    """In how many pairs ``b`` did better than ``a`` on metric ``name`` (None if not judged)."""
    return counts(runs, name, a, b)[0]


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
        return _signed(value * 100, ".1f") + (t("pp", lang) if with_unit else "")
    if unit == "yuan" or abs(value) >= 1000:
        return _signed(value, ",.0f")
    return _signed(value, ".1f") if abs(value) >= 10 else _signed(value, ".2f")


def _signed(value: float, spec: str) -> str:
    """``value`` with its sign, except a difference that rounds to zero: "0.0", not "-0.0"
    (a reader takes a minus sign for a direction the rounded figure does not have)."""
    text = format(value, "+z" + spec)   # z: negative zero after rounding loses its sign
    return text[1:] if float(text.replace(",", "")) == 0 else text


def describe(metric: Metric, diff: Difference, lang: str) -> str:
    """The verdict in words: "five better", "too few events ...", with the run count."""
    b = regime_name(diff.b, lang, short=True)
    if diff.verdict == "too_few":
        shown = " / ".join(
            f"{regime_name(r, lang, short=True)} {count:,.0f}" for r, count in diff.events.items()
        )
        text = t(
            "verdict_too_few",
            lang,
            events=metric_title(metric.events, lang, capital=False),
            counts=shown,
            min=metric.min_events,
        )
        if diff.community_years:
            text += t(
                "verdict_years",
                lang,
                have=years_number(diff.community_years),
                years=years_needed_text(metric, diff.events, diff.community_years, lang),
            )
        return text
    text = t(f"verdict_{diff.verdict}", lang, b=b)
    if diff.pairs == 1 and diff.verdict in ("better", "worse", "same"):
        text = t("run_prefix", lang) + text
    if diff.pairs > 1 and diff.better_in is not None and diff.verdict != "not_judged":
        text += sep(lang) + pair_counts(diff, lang)
    return text


def pair_counts(diff: Difference, lang: str) -> str:
    """ "of 20 pairs, five better in 12, equal in 3, worse in 5" (a tie is not better)."""
    fields = {
        "b": diff.better_in,
        "e": diff.equal_in or 0,
        "w": diff.worse_in or 0,
        "n": diff.pairs,
    }
    if diff.a == "three":
        return t("bwe", lang, **fields)
    return t("bwe_control", lang, a=regime_name(diff.a, lang, short=True), **fields)


def years_number(years: float) -> str:
    return f"{years:,.1f}" if years < 10 else f"{years:,.0f}"


def needed_years(metric: Metric, events: dict[str, float], years: float) -> float | None:
    """Community-years a verdict needs at the event rate seen (the rarer regime's): None if
    the metric rests on no events, inf if none were seen."""
    if not metric.events or not events:
        return None
    rarest = min(events.values())
    if rarest <= 0:
        return math.inf
    return metric.min_events * years / rarest


def years_needed_text(metric: Metric, events: dict[str, float], years: float, lang: str) -> str:
    needed = needed_years(metric, events, years)
    if needed is None:
        return ""
    if math.isinf(needed):
        return t("years_none", lang)
    return t("years_needed", lang, years=f"{math.ceil(needed):,}")


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
