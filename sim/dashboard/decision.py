"""The bottom line: what five changes, by how much, how sure, and why, from N pairs.

Everything here is computed from a ``pairs.PairsResult``, never from one run:

* the change five makes on a metric (mean paired difference five - three, its 95% paired
  t-interval, and in how many pairs five was better, equal or worse), judged like the cards
  (``cards.judge``: a verdict needs an interval that excludes zero and enough events);
* its split along the attribution ladder (``sim.experiments.attribution``), on the same
  seeds: **resources** (the unrestricted equal-resources control minus three: five's hours
  and money, first through the purchase channel, then without its limits), **routing**
  (the matched control minus the unrestricted one: five's rule for matching them to
  needs) and **linkage itself** (five minus the matched control), each with its own
  interval; for every seed the three add up to five minus three exactly;
* with the ladder, linkage itself split further into each mechanism's Shapley value
  (``attribution.ladder_table``);
* for metrics resting on counted events, how many community-years a verdict needs at the
  rate the pairs saw.

``sentence(line, lang)`` says it in the page's language; ``steps`` feeds the waterfall.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.dashboard import cards as cardlib
from sim.dashboard.i18n import metric_title, regime_name, step_label, t
from sim.experiments import attribution
from sim.experiments.analysis import ok_runs, t_interval
from sim.model import MATCHED_NAME, Metric, headline_metrics

PRIMARY = "unmet_need_share"  # what the bottom line is about first
METRIC_CHOICES = tuple(headline_metrics())  # what the waterfall and the sweep can show
DISPUTES = "complaints_per_10k"  # and the disputes sentence
RESTRICTED, UNRESTRICTED = "three-equal-resources", "three-equal-resources-unrestricted"
PARTS = {  # part of the split -> (upper rung, lower rung)
    "resources": (UNRESTRICTED, "three"),
    "routing": (MATCHED_NAME, UNRESTRICTED),
    "linkage": ("five", MATCHED_NAME),
}


@dataclass(frozen=True)
class Estimate:
    """A mean paired difference with its 95% interval over ``n`` seeds."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def includes_zero(self) -> bool:
        return not (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class BottomLine:
    """What five changes on one metric, over N pairs, and why."""

    metric: Metric
    pairs: int
    three: float
    five: float
    change: cardlib.Difference  # five - three, as on the card
    better: int
    equal: int
    worse: int
    split: dict[str, Estimate] | None  # resources, routing, linkage (None: no controls yet)
    community_years: float
    needed_years: float | None  # for a metric resting on events: what a verdict needs

    @property
    def too_few(self) -> bool:
        return self.change.verdict == "too_few"


def _wide(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    return ok_runs(runs).pivot_table(index="rep", columns="regime", values=metric, aggfunc="first")


def estimate(values) -> Estimate:
    found = t_interval(np.asarray(values, float))
    return Estimate(found["diff"], found["ci_low"], found["ci_high"], len(values))


def counts(runs: pd.DataFrame, metric: str, a: str = "three", b: str = "five") -> tuple:
    """Pairs in which ``b`` was better, equal, worse than ``a`` (``cards.counts``)."""
    found = cardlib.counts(runs, metric, a, b)
    return found if found[0] is not None else (0, 0, 0)


def split(runs: pd.DataFrame, metric: str) -> dict[str, Estimate] | None:
    """Five minus three split into resources, routing and linkage itself, on each seed."""
    wide = _wide(runs, metric)
    needed = {r for pair in PARTS.values() for r in pair}
    if not needed <= set(wide):
        return None
    wide = wide[sorted(needed)].dropna()
    return {part: estimate(wide[upper] - wide[lower]) for part, (upper, lower) in PARTS.items()}


def bottom_line(result, metric: str = PRIMARY) -> BottomLine | None:
    """The bottom line on ``metric`` from a PairsResult (None without three and five)."""
    return result.memo(("bottom_line", metric), lambda: _bottom_line(result, metric))


def _bottom_line(result, metric: str) -> BottomLine | None:
    if not {"three", "five"} <= set(result.regimes):
        return None
    card = next(
        c
        for c in cardlib.pairs_cards(
            result.runs, {("three", "five"): result.table("three", "five")}
        )
        if c.metric.name == metric
    )
    change = card.differences[0]
    years = result.community_years
    better, equal, worse = counts(result.runs, metric)
    return BottomLine(
        metric=card.metric,
        pairs=result.reps,
        three=card.values["three"],
        five=card.values["five"],
        change=change,
        better=better,
        equal=equal,
        worse=worse,
        split=split(result.runs, metric) if result.has_controls else None,
        community_years=years,
        needed_years=cardlib.needed_years(card.metric, change.events, years),
    )


# --- the ladder's steps (the waterfall) ----------------------------------------------------


def steps(result, metric: str = PRIMARY, fine: bool = True) -> pd.DataFrame:
    """The steps from three to five on ``metric``: step, kind, mean, ci_low, ci_high.

    Resources through the purchase channel, the same unrestricted, five's matching rule,
    linkage itself, and the total. After the ladder (and ``fine``), linkage itself is
    replaced by each mechanism's Shapley value (``attribution.ladder_table``)."""
    return result.memo(("steps", metric, fine), lambda: _steps(result, metric, fine))


def _steps(result, metric: str, fine: bool) -> pd.DataFrame:
    if not result.has_controls:
        return pd.DataFrame(columns=["step", "kind", "mean", "ci_low", "ci_high"])
    if result.chains and fine:
        table = attribution.ladder_table(result.runs, list(result.chains), metrics=(metric,))
        return table[["step", "kind", "mean", "ci_low", "ci_high"]].reset_index(drop=True)
    wide = _wide(result.runs, metric)
    rungs = ["three", RESTRICTED, UNRESTRICTED, MATCHED_NAME, "five"]
    wide = wide[rungs].dropna()
    rows = []
    kinds = {
        RESTRICTED: "resources",
        UNRESTRICTED: "resources",
        MATCHED_NAME: "matching",
        "five": "linkage",
    }
    for lower, upper in itertools.pairwise(rungs):
        e = estimate(wide[upper] - wide[lower])
        name = "linkage" if upper == "five" else upper
        rows.append(
            {"step": name, "kind": kinds[upper], "mean": e.mean, "ci_low": e.low, "ci_high": e.high}
        )
    e = estimate(wide["five"] - wide["three"])
    rows.append(
        {"step": "total", "kind": "total", "mean": e.mean, "ci_low": e.low, "ci_high": e.high}
    )
    return pd.DataFrame(rows)


# --- words ---------------------------------------------------------------------------------


def _points(value: float, metric: Metric, lang: str, sign: bool = True) -> str:
    """A difference with its unit: percentage points for shares."""
    text = cardlib.format_difference(value, metric.unit, lang, with_unit=False)
    if not sign:
        text = text.lstrip("+-−")
    return text + (t("pp", lang) if metric.unit == "share" else "")


def _counts(line: BottomLine, lang: str) -> str:
    return t("bwe", lang, b=line.better, e=line.equal, w=line.worse, n=line.pairs)


def _part(name: str, e: Estimate, metric: Metric, lang: str) -> str:
    value = _points(e.mean, metric, lang)
    flag = t("interval_has_zero", lang) if e.includes_zero else ""
    return t(f"part_{name}", lang, value=value) + flag


def years_text(line: BottomLine, lang: str) -> str:
    return cardlib.years_needed_text(line.metric, line.change.events, line.community_years, lang)


def _too_few_fields(line: BottomLine, lang: str) -> dict[str, object]:
    """What a sentence without a verdict says: the events each regime had, the minimum,
    and how many community-years a verdict needs (a template uses the fields it names)."""
    metric = line.metric
    return {
        "n": line.pairs,
        "metric": metric_title(metric.name, lang, capital=False),
        "events": metric_title(metric.events, lang, capital=False),
        "counts": " / ".join(
            f"{regime_name(r, lang, short=True)} {v:,.0f}" for r, v in line.change.events.items()
        ),
        "min": metric.min_events,
        "have": cardlib.years_number(line.community_years),
        "years": years_text(line, lang),
    }


def _change_fields(line: BottomLine, lang: str) -> dict[str, object]:
    """What a sentence with a verdict says of the change: its size, interval, pair counts
    and judgement."""
    metric, change = line.metric, line.change
    return {
        "metric": metric_title(metric.name, lang, capital=False),
        "change": _points(change.value, metric, lang),
        "low": cardlib.format_difference(change.low, metric.unit, lang, with_unit=False),
        "high": cardlib.format_difference(change.high, metric.unit, lang, with_unit=False),
        "unit": t("pp", lang) if metric.unit == "share" else "",
        "counts": _counts(line, lang),
        "judgement": t("judged_better" if change.verdict == "better" else "judged_worse", lang),
    }


def sentence(line: BottomLine | None, lang: str, running: bool = False) -> str:
    """The bottom line in one sentence (two when the split is still running or missing)."""
    if line is None:
        return ""
    metric, change = line.metric, line.change
    if line.too_few:
        return t("bottom_too_few", lang, **_too_few_fields(line, lang))
    fields = {
        **_change_fields(line, lang),
        "n": line.pairs,
        "three": cardlib.format_value(line.three, metric.unit),
        "five": cardlib.format_value(line.five, metric.unit),
        "size": _points(change.value, metric, lang, sign=False),
        "verb": t("verb_lowers" if change.value < 0 else "verb_raises", lang),
    }
    if change.verdict in ("better", "worse"):
        head = t("bottom_clear", lang, **fields)
    else:
        head = t("bottom_unclear", lang, **fields)
    if line.split is not None:
        parts = [_part(part, line.split[part], metric, lang) for part in PARTS]
        because = t("list_sep", lang).join(parts[:-1]) + t("list_and", lang) + parts[-1]
        return head + t("bottom_because", lang, because=because)
    return head + t("bottom_split_running" if running else "bottom_split_missing", lang)


def disputes_sentence(line: BottomLine | None, lang: str) -> str:
    """The second sentence: what five changes on disputes, or why there is no verdict."""
    if line is None:
        return ""
    if line.too_few:
        return t("disputes_too_few", lang, **_too_few_fields(line, lang))
    key = "disputes_clear" if line.change.verdict in ("better", "worse") else "disputes_unclear"
    return t(key, lang, **_change_fields(line, lang))


def step_labels(table: pd.DataFrame, lang: str) -> list[str]:
    """The waterfall's row labels in the page's language."""
    return [
        step_label(step, kind, lang)
        for step, kind in zip(table["step"], table["kind"], strict=True)
    ]
