"""What a run reports: the metric catalogue, a record per day and a summary per run.

Every metric is defined once, in :data:`METRICS`, with its unit, which way is better and how
many events it rests on; the CLI tables, report verdicts, experiment defaults and dashboard
cards all read it.

Summaries are computed from **counts**: a flat dict of cumulative numbers (needs met,
disputes reaching court, hours used, yuan spent, ...) plus end-of-run stocks. The counts at
the end of the warm-up are subtracted, so metrics cover the measured days only; and counts
of several independent communities add up, so a street of K communities is summarised by
the same function (:func:`summary_from`): a street model keeps every count per community
and pools them at the end (:func:`measured`), and its daily record is the sum of its
communities' records, day by day (as :func:`pool_daily` adds up separate runs). Shares count only
cases whose fate is known: a need still open at the horizon with its deadline ahead is neither met
nor unmet, and the escalation share counts only disputes whose fate is settled (see
``fate_counts``). A ratio whose denominator is empty is NaN, except shares of bad outcomes among no
cases, which are 0 (no needs: nothing unmet).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .capabilities import NEED_NAMES
from .regimes import Actor


@dataclass(frozen=True)
class Metric:
    """One reported outcome: what it means, its unit, and which way is better.

    ``direction`` is "lower" or "higher" (which value is better) for outcomes, and None for
    supporting counts and inputs (arrivals, hours available), which are never judged.
    ``events`` names the count metric an interval rests on; with fewer than ``min_events``
    such events per regime (summed over replicates) an interval says little, and tables
    and reports say so instead of giving a verdict.
    """

    name: str
    definition: str
    unit: str
    direction: str | None
    headline: bool = False
    events: str | None = None
    min_events: int = 0

    @property
    def sign(self) -> int:
        """+1 if higher is better, -1 if lower is better, 0 if never judged."""
        return {"higher": 1, "lower": -1, None: 0}[self.direction]


def _m(name, definition, unit, direction, headline=False, events=None, min_events=0):
    return Metric(name, definition, unit, direction, headline, events, min_events)


_NEED_TYPE_METRICS = [
    _m(f"unmet_share_{name}", f"unmet-need share of {name.replace('_', ' ')} needs", "share",
       "lower", events=f"needs_unmet_{name}", min_events=10) for name in NEED_NAMES]
_NEED_TYPE_COUNTS = [
    _m(f"needs_unmet_{name}", f"{name.replace('_', ' ')} needs not met by their deadline",
       "needs", "lower") for name in NEED_NAMES]

_RESOURCE_USE_METRICS = [
    *(_m(f"volunteer_hours_{name}", f"volunteer hours spent serving {name.replace('_', ' ')} "
         "needs", "hours", None) for name in NEED_NAMES if name != "material_hardship"),
    _m("volunteer_hours_disputes", "volunteer hours spent mediating disputes", "hours", None),
    *(_m(f"charity_spent_{name}", f"charity money and goods spent on {name.replace('_', ' ')} "
         "needs", "yuan", None) for name in NEED_NAMES),
]

# The one metric catalogue. Order: headline outcomes first.
METRICS: dict[str, Metric] = {m.name: m for m in [
    _m("unmet_need_share", "share of needs not fully served by their deadline", "share",
       "lower", headline=True, events="needs_unmet", min_events=10),
    _m("unmet_need_share_vulnerable", "unmet-need share of vulnerable residents' needs "
       "(elderly living alone, left-behind children, disability, low income)", "share",
       "lower", headline=True, events="needs_unmet_vulnerable", min_events=10),
    _m("complaints_per_10k", "disputes reaching formal complaint or beyond, per 10,000 "
       "residents per year", "per 10k per year", "lower", headline=True, events="complaints",
       min_events=10),
    _m("dispute_escalation_share", "share of disputes whose fate is settled (court, truly "
       "resolved, or quiet for settled_after_days) that reached court", "share", "lower",
       headline=True, events="court_filings", min_events=10),
    _m("court_filings_per_10k", "disputes reaching court per 10,000 residents per year",
       "per 10k per year", "lower", headline=True, events="court_filings", min_events=10),
    _m("cost_per_resolved_case", "yuan (government, relief, charity, staff, volunteer shadow) "
       "per need met or dispute truly resolved", "yuan", "lower", headline=True),
    _m("unmet_need_share_other", "unmet-need share of the other residents' needs", "share",
       "lower", events="needs_unmet_other", min_events=10),
    *_NEED_TYPE_METRICS,
    _m("unmet_need_hours", "hours of service needs left unserved at the deadlines", "hours",
       "lower"),
    _m("unmet_relief_yuan", "yuan of material needs left unpaid at the deadlines", "yuan",
       "lower"),
    _m("mean_response_days", "mean days from a need's arrival to its first service (served "
       "needs)", "days", "lower"),
    _m("undiscovered_unmet_share", "share of needs that went unmet while still hidden from "
       "the platform", "share", "lower"),
    _m("refused_need_share", "share of needs whose resident turned a helper away at least "
       "once", "share", "lower"),
    _m("hidden_need_share", "share of needs that arrived hidden from the platform", "share",
       None),
    _m("days_at_conflict_or_worse", "days disputes spent open at open conflict or beyond, per "
       "dispute started", "days", "lower"),
    _m("intervention_delay_days", "mean days from a dispute becoming known to the end of its "
       "first intervention", "days", "lower"),
    _m("true_resolution_share", "share of 'successful' mediations that truly resolved the "
       "grievance", "share", "higher"),
    _m("reignition_share", "latent disputes that flared up again, per dispute closed or died "
       "out", "share", "lower"),
    _m("mediation_success_share", "interventions that ended the dispute (resolved or closed)",
       "share", "higher"),
    _m("unspent_funds", "charity money and goods donated but not spent at the end", "yuan",
       "lower"),
    _m("coordination_overhead_share", "coordination hours as a share of all hours available",
       "share", "lower"),
    _m("admin_share_of_staff_hours", "share of community-staff hours lost to administration",
       "share", "lower"),
    _m("volunteer_retention", "share of volunteers active when measuring began still active "
       "at the end", "share", "higher"),
    _m("volunteers_active_share", "active volunteers at the end, share of residents", "share",
       "higher"),
    _m("donor_retention", "residents who gave in the first half of the measured period and "
       "again in the second", "share", "higher"),
    # supporting counts and inputs (never judged)
    _m("needs_total", "needs that arrived", "needs", None),
    _m("needs_unmet", "needs not fully served by their deadline", "needs", "lower"),
    _m("needs_unmet_vulnerable", "vulnerable residents' needs not met by their deadline",
       "needs", "lower"),
    _m("needs_unmet_other", "other residents' needs not met by their deadline", "needs",
       "lower"),
    *_NEED_TYPE_COUNTS,
    _m("disputes_total", "disputes that started", "disputes", None),
    _m("complaints", "disputes that reached formal complaint or beyond", "disputes", "lower"),
    _m("court_filings", "disputes that reached court", "disputes", "lower"),
    _m("disputes_censored_share", "share of disputes started whose fate was still unsettled "
       "at the end (left out of the escalation share)", "share", None),
    _m("mediated_disputes_per_10k", "disputes receiving at least one intervention, per 10,000 "
       "residents per year", "per 10k per year", None),
    _m("backfires", "interventions by volunteers that escalated a dispute", "interventions",
       "lower"),
    _m("volunteers_registered_share", "registered volunteers at the end, share of residents",
       "share", None),
    _m("volunteer_hours_worked", "volunteer hours dispatched to needs and disputes", "hours",
       None),
    *_RESOURCE_USE_METRICS,
    _m("volunteer_hours_per_active_month", "hours an active volunteer offers per month "
       "(dispatchable or not)", "hours per month", None),
    _m("volunteered_month_share", "share of adults who gave at least one volunteer session "
       "in a month (mean over the measured months)", "share of adults", None),
    _m("volunteer_hours_per_quarter", "hours a volunteer offered in a quarter, among those "
       "who volunteered in it (dispatchable or not)", "hours per quarter", None),
    _m("giving_per_capita_yuan", "individual giving to the community per resident per year",
       "yuan per person per year", None),
    _m("donations_total", "charity money and goods received", "yuan", None),
    _m("extra_resource_hours", "resources beyond the three actors' own: volunteer hours the "
       "platform could dispatch plus charity money at the service-hour price (controls: what "
       "they were given)", "hours", None),
    _m("government_spent", "government purchase money paid out", "yuan", None),
    _m("relief_spent", "government relief paid for material needs", "yuan", None),
    _m("charity_spent", "charity money and goods spent", "yuan", None),
    _m("staff_cost", "community-worker and social-worker wages", "yuan", None),
    _m("volunteer_shadow_cost", "volunteer hours at the shadow wage", "yuan", None),
    _m("supervision_hours", "social-worker hours spent supervising volunteers", "hours", None),
    _m("home_visit_hours", "social-worker hours spent on home visits", "hours", None),
    _m("hours_available_total", "hours of all actors available after administration", "hours",
       None),
    _m("hours_used_total", "hours of all actors used (service, mediation, intake, "
       "coordination, visits, supervision)", "hours", None),
]}

# Name -> definition: a view of the catalogue for code that needs only the words.
SUMMARY_METRICS: dict[str, str] = {name: m.definition for name, m in METRICS.items()}


def headline_metrics() -> list[str]:
    """The outcomes shown first in every table, report and dashboard card."""
    return [name for name, m in METRICS.items() if m.headline]


def format_number(value: float | None) -> str:
    """A metric value for tables: n/a for missing, thousands separators for large values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


# ------------------------------------------------------------------------------ counts


def _per_need_type(event: str) -> tuple[str, ...]:
    return tuple(f"needs_{event}_{name}" for name in NEED_NAMES)


# The model's running counts, declared once and in one order: every run holds all of them
# from day 0 (a quiet day adds nothing and touches nothing), so the counts, and the summaries
# and stored columns made from them, never depend on what happened when.
NEEDS_ARRIVED = _per_need_type("arrived")
NEEDS_MET = _per_need_type("met")
NEEDS_UNMET = _per_need_type("unmet")
# Where five's extra resources went, by need type (service types for volunteers' hours).
VOLUNTEER_HOURS = {i: f"volunteer_hours_{name}" for i, name in enumerate(NEED_NAMES)
                   if name != "material_hardship"}
CHARITY_SPENT = {i: f"charity_spent_{name}" for i, name in enumerate(NEED_NAMES)}
COUNTS: tuple[str, ...] = (
    # needs (sim.model.needs)
    "needs_arrived", "needs_arrived_vulnerable", "needs_hidden", *NEEDS_ARRIVED,
    "needs_met", "needs_met_vulnerable", *NEEDS_MET,
    "needs_unmet", "needs_unmet_vulnerable", *NEEDS_UNMET,
    "unmet_need_hours", "unmet_relief_yuan", "needs_unmet_undiscovered", "needs_unmet_refused",
    "needs_refused", "response_days", "needs_responded",
    # disputes (sim.model.disputes)
    "disputes_onsets", "disputes_reignited", "complaints", "court_filings",
    "dispute_days_conflict_or_worse", "disputes_lumped", "interventions", "disputes_mediated",
    "intervention_delay_days", "backfires", "disputes_resolved", "disputes_closed",
    # resources (sim.model.community, and where needs and disputes used them)
    "extra_resource_hours", "volunteer_active_days", *VOLUNTEER_HOURS.values(),
    "volunteer_months", "adult_months", "volunteer_quarters", "volunteer_quarter_hours",
    "volunteer_hours_disputes", *CHARITY_SPENT.values(),
)


class Tally(dict[str, Any]):
    """The model's running counts by name: every name of ``COUNTS``, from 0, per community
    (a float for one community, an array of K for a street of K).

    A name not declared in ``COUNTS`` is refused (KeyError), so a misspelt count fails at
    once instead of starting a new one.
    """

    def __init__(self, communities: int = 1) -> None:
        if communities == 1:
            super().__init__(dict.fromkeys(COUNTS, 0.0))
        else:
            super().__init__({key: np.zeros(communities) for key in COUNTS})
        self._one = communities == 1

    def __missing__(self, key: str) -> float:
        raise KeyError(f"{key!r} is not a count declared in sim.model.metrics.COUNTS")

    def add_at(self, key: str, k: int, amount: float) -> None:
        """Add ``amount`` to community ``k``'s count ``key``."""
        if self._one:
            self[key] += amount
        else:
            self[key][k] += amount


def counts(model) -> dict[str, Any]:
    """Cumulative flows since day 0, per community: the model's tally plus the actors'
    running totals. The values are the model's own (a street's arrays go on counting):
    copy them to keep them (``snapshot``)."""
    out = dict(model.tally)
    workers, street = model.workers, model.street
    # (Python floats for one community, summed as Python sums them: see Street.float_sum;
    # hours used are numpy floats once anything is served, which Python adds plainly.)
    out["hours_available"] = street.float_sum([a.hours.total_available for a in workers])
    out["hours_used"] = sum(a.hours.total_used for a in workers)
    out.update({f"platform_{k}": v for k, v in model.platform.spent.items()})
    out.update({f"social_worker_{k}": v for k, v in model.social_workers.spent.items()})
    zero = model.street.zeros()
    out["government_spent"] = model.social_orgs.government_spent
    out["relief_spent"] = model.platform.relief.total_used
    corps, charity = model.volunteers, model.charity
    out["volunteer_hours_worked"] = corps.hours.total_used if corps else zero
    out["volunteer_hours_offered"] = corps.offered_total / max(
        model.p.volunteer_dispatch_share, 1e-12) if corps else zero
    out["donations_total"] = charity.donated_total if charity else zero
    out["individual_donations"] = charity.received["individual"] if charity else zero
    out["charity_spent"] = charity.spent_total if charity else zero
    out["days"] = model.steps
    extra = model.extra_counts()      # a subclass's own counts (CommunityModel.extra_counts)
    if clash := sorted(set(extra) & set(out)):
        raise KeyError(f"extra_counts {clash} would replace counts of the model")
    out.update(extra)
    return out


def snapshot(model) -> dict[str, Any]:
    """``counts`` now, copied (the counts at the end of the warm-up)."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in counts(model).items()}


def stocks(model) -> dict[str, Any]:
    """End-of-run state that adds up across communities, per community."""
    pop, charity, street = model.population, model.charity, model.street
    where = pop.community
    linked = model.volunteers is not None
    volunteers_linked = model.linked_in(Actor.VOLUNTEER)
    start = model.volunteers_at_measure_start if linked else pop.active & False
    fate = model.disputes.fate_counts()
    first, both = charity.donor_counts if charity else (0, 0)
    registered = street.count_residents(pop.registered) if linked else 0
    retained = street.count_residents(start & pop.active) if linked else 0
    return {"residents": street.count(where),
            "volunteers_active_end": _active_volunteers(model),
            "volunteers_registered_end": registered * volunteers_linked,
            "volunteers_at_start": street.count_residents(start),
            "volunteers_retained": retained * volunteers_linked,
            "charity_held": charity.held if charity else 0.0,
            "donors_first_half": first, "donors_both_halves": both,
            "volunteers_linked": volunteers_linked,
            "charity_linked": model.linked_in(Actor.CHARITY),
            **{f"fate_{k}": v for k, v in fate.items()}}


def _active_volunteers(model) -> Any:
    if model.volunteers is None:
        return 0
    return model.street.count_residents(model.population.active) \
        * model.linked_in(Actor.VOLUNTEER)


def measured(model) -> dict[str, float]:
    """Counts over the measured days (warm-up subtracted) and the end stocks, one dict;
    for a street, its communities' pooled (:func:`pool` of :func:`measured_by_community`)."""
    parts = measured_by_community(model)
    return parts[0] if len(parts) == 1 else pool(parts)


def measured_by_community(model) -> list[dict[str, float]]:
    """``measured`` for each community of the street, in community order."""
    out = _measured_flows(model)
    out.update(stocks(model))
    _add_staff_costs(model, out)
    street = model.street
    if street.one:
        return [out]
    values = {key: np.broadcast_to(v, (street.k,)).tolist() for key, v in out.items()}
    return [{key: v[k] for key, v in values.items()} for k in range(street.k)]


def _measured_flows(model, keys=None) -> dict[str, Any]:
    """The counts of ``measured`` (only ``keys``, if given) without the end stocks and
    staff costs."""
    now, start = counts(model), model.measured_counts_start
    return {k: now[k] - start.get(k, 0.0) for k in (now if keys is None else keys)}


def _add_staff_costs(model, out: dict[str, Any]) -> None:
    """Staff hours and costs, and the volunteers' shadow cost, from measured flows."""
    out["staff_hours"] = (model.p.community_staff_per_10k + model.p.social_workers_per_10k) \
        * model.per_10k * model.p.staff_hours_per_day * out["days"]
    out["community_staff_hours"] = model.p.community_staff_per_10k * model.per_10k \
        * model.p.staff_hours_per_day * out["days"]
    out["staff_cost"] = out["staff_hours"] * model.p.staff_cost_yuan_per_hour
    out["volunteer_shadow_cost"] = out["volunteer_hours_worked"] * model.p.volunteer_shadow_wage


def pool(parts: list[dict[str, float]]) -> dict[str, float]:
    """Counts of independent communities added up (the days are the same for all): whole
    numbers exactly, the others correctly rounded (``math.fsum``), so the total depends only
    on the communities' values, not on their order or number types."""
    keys = set().union(*parts)
    out = {k: _total([p.get(k, 0.0) for p in parts]) for k in keys}
    out["days"] = parts[0]["days"]
    out["volunteers_linked"] = max(p.get("volunteers_linked", 0) for p in parts)
    out["charity_linked"] = max(p.get("charity_linked", 0) for p in parts)
    return out


def _total(values: list) -> float:
    if all(isinstance(v, (int, np.integer)) for v in values):
        return sum(values)
    return math.fsum(values)


def summary(model) -> dict[str, float]:
    """Per-run summary of one community; keys are exactly METRICS."""
    return summary_from(measured(model))


def _ratio(num: float, den: float, empty: float = math.nan) -> float:
    return float(num) / float(den) if den else empty


def summary_from(c: dict[str, float]) -> dict[str, float]:
    """Every metric of the catalogue from (pooled) measured counts."""
    g = c.get
    years = max(c["days"], 1) / 365
    per_10k_year = c["residents"] / 10_000 * years
    met, unmet = g("needs_met", 0), g("needs_unmet", 0)
    met_v, unmet_v = g("needs_met_vulnerable", 0), g("needs_unmet_vulnerable", 0)
    fated = g("fate_court", 0) + g("fate_resolved", 0) + g("fate_settled", 0)
    costs = (g("government_spent", 0) + g("relief_spent", 0) + g("charity_spent", 0)
             + c["staff_cost"] + c["volunteer_shadow_cost"])
    volunteers = c["volunteers_linked"] > 0
    charity = c["charity_linked"] > 0
    out = {
        "unmet_need_share": _ratio(unmet, met + unmet, 0.0),
        "unmet_need_share_vulnerable": _ratio(unmet_v, met_v + unmet_v, 0.0),
        "complaints_per_10k": _ratio(g("complaints", 0), per_10k_year, 0.0),
        "dispute_escalation_share": _ratio(g("fate_court", 0), fated, 0.0),
        "court_filings_per_10k": _ratio(g("court_filings", 0), per_10k_year, 0.0),
        "cost_per_resolved_case": _ratio(costs, met + g("disputes_resolved", 0)),
        "unmet_need_share_other": _ratio(unmet - unmet_v, met - met_v + unmet - unmet_v, 0.0),
        **{f"unmet_share_{n}": _ratio(g(f"needs_unmet_{n}", 0),
                                      g(f"needs_met_{n}", 0) + g(f"needs_unmet_{n}", 0), 0.0)
           for n in NEED_NAMES},
        "unmet_need_hours": g("unmet_need_hours", 0.0),
        "unmet_relief_yuan": g("unmet_relief_yuan", 0.0),
        "mean_response_days": _ratio(g("response_days", 0), g("needs_responded", 0)),
        "undiscovered_unmet_share": _ratio(g("needs_unmet_undiscovered", 0), met + unmet, 0.0),
        "refused_need_share": _ratio(g("needs_refused", 0), met + unmet, 0.0),
        "hidden_need_share": _ratio(g("needs_hidden", 0), g("needs_arrived", 0), 0.0),
        "days_at_conflict_or_worse": _ratio(g("dispute_days_conflict_or_worse", 0),
                                            g("disputes_onsets", 0), 0.0),
        "intervention_delay_days": _ratio(g("intervention_delay_days", 0),
                                          g("disputes_mediated", 0)),
        "true_resolution_share": _ratio(g("disputes_resolved", 0),
                                        g("disputes_resolved", 0) + g("disputes_closed", 0)),
        "reignition_share": _ratio(g("disputes_reignited", 0),
                                   g("disputes_closed", 0) + g("disputes_lumped", 0)),
        "mediation_success_share": _ratio(g("disputes_resolved", 0) + g("disputes_closed", 0),
                                          g("interventions", 0)),
        "unspent_funds": c["charity_held"],
        "coordination_overhead_share": _ratio(g("platform_coordination", 0),
                                              g("hours_available", 0), 0.0),
        "admin_share_of_staff_hours": _ratio(g("platform_admin", 0),
                                             c["community_staff_hours"]),
        "volunteer_retention": _ratio(c["volunteers_retained"], c["volunteers_at_start"])
        if volunteers else math.nan,
        "volunteers_active_share": _ratio(c["volunteers_active_end"], c["residents"], 0.0),
        "donor_retention": _ratio(c["donors_both_halves"], c["donors_first_half"])
        if charity else math.nan,
        "needs_total": g("needs_arrived", 0),
        "needs_unmet": unmet,
        "needs_unmet_vulnerable": unmet_v,
        "needs_unmet_other": unmet - unmet_v,
        **{f"needs_unmet_{n}": g(f"needs_unmet_{n}", 0) for n in NEED_NAMES},
        "disputes_total": g("disputes_onsets", 0),
        "complaints": g("complaints", 0),
        "court_filings": g("court_filings", 0),
        "disputes_censored_share": _ratio(g("fate_censored", 0), fated + g("fate_censored", 0),
                                          0.0),
        "mediated_disputes_per_10k": _ratio(g("disputes_mediated", 0), per_10k_year, 0.0),
        "backfires": g("backfires", 0),
        "volunteers_registered_share": _ratio(c["volunteers_registered_end"], c["residents"],
                                              0.0),
        "volunteer_hours_worked": g("volunteer_hours_worked", 0.0),
        **{m.name: g(m.name, 0.0) for m in _RESOURCE_USE_METRICS},
        "volunteer_hours_per_active_month": _ratio(g("volunteer_hours_offered", 0) * 365 / 12,
                                                   g("volunteer_active_days", 0))
        if volunteers else math.nan,
        "volunteered_month_share": _ratio(g("volunteer_months", 0), g("adult_months", 0))
        if volunteers else math.nan,
        "volunteer_hours_per_quarter": _ratio(g("volunteer_quarter_hours", 0),
                                              g("volunteer_quarters", 0))
        if volunteers else math.nan,
        "giving_per_capita_yuan": _ratio(g("individual_donations", 0), c["residents"] * years,
                                         0.0),
        "donations_total": g("donations_total", 0.0),
        "extra_resource_hours": g("extra_resource_hours", 0.0),
        "government_spent": g("government_spent", 0.0),
        "relief_spent": g("relief_spent", 0.0),
        "charity_spent": g("charity_spent", 0.0),
        "staff_cost": c["staff_cost"],
        "volunteer_shadow_cost": c["volunteer_shadow_cost"],
        "supervision_hours": g("social_worker_supervision", 0.0),
        "home_visit_hours": g("social_worker_home_visits", 0.0),
        "hours_available_total": g("hours_available", 0.0),
        "hours_used_total": g("hours_used", 0.0),
    }
    return {k: float(out[k]) for k in METRICS}


# ------------------------------------------------------------------------------ daily

# Columns of the daily record that add up across communities; the shares are derived.
DAILY_COLUMNS = (
    "day", "residents", "needs_arrived", "needs_met", "needs_unmet", "needs_discovered",
    "open_needs", "open_hidden_needs", "needs_met_to_date", "needs_unmet_to_date",
    "disputes_to_date", "complaints_to_date", "court_filings", "fate_resolved", "fate_settled",
    "open_friction", "open_conflict", "open_complaint", "latent_disputes", "interventions",
    "volunteers_active", "charity_held", "donations_total", "donor_trust", "hours_available",
    "hours_used", "cost_to_date", "resolved_to_date")
MEAN_DAILY_COLUMNS = ("day", "donor_trust")   # not summed when communities are pooled


# The counts the daily record reads (the others are wanted only at the end of a run).
_DAILY_FLOWS = frozenset({"needs_met", "needs_unmet", "disputes_onsets", "complaints",
                          "court_filings", "interventions", "donations_total",
                          "government_spent", "relief_spent", "charity_spent",
                          "volunteer_hours_worked", "disputes_resolved", "days"})


def daily_record(model) -> dict[str, float]:
    """The state at the end of the current day (cumulative values are since measuring began);
    for a street, the sum of its communities' records (their mean for ``day`` and
    ``donor_trust``), as :func:`pool_daily` adds up separate runs."""
    # The flows of ``measured`` and only the stocks the record shows (every day: the
    # other stocks are whole-population counts, wanted only at the end of a run).
    street = model.street
    pool = street.pool
    m = _measured_flows(model, _DAILY_FLOWS)
    _add_staff_costs(model, m)
    fate = model.disputes.fate_counts()
    stages = model.disputes.stage_counts()
    charity = model.charity
    workers = model.workers
    costs = (m.get("government_spent", 0) + m.get("relief_spent", 0)
             + m.get("charity_spent", 0) + m["staff_cost"] + m["volunteer_shadow_cost"])
    trust = math.nan
    if charity and (street.one or bool(np.all(model.linked_in(Actor.CHARITY)))):
        trust = street.mean(charity.donor_trust)
    return {
        "day": model.steps if street.one else float(model.steps),
        "residents": model.population.n,
        "needs_arrived": model.needs.today["arrived"], "needs_met": model.needs.today["met"],
        "needs_unmet": model.needs.today["unmet"],
        "needs_discovered": model.needs.today["discovered"],
        "open_needs": model.needs.n_open, "open_hidden_needs": model.needs.open_hidden(),
        "needs_met_to_date": pool(m.get("needs_met", 0)),
        "needs_unmet_to_date": pool(m.get("needs_unmet", 0)),
        "disputes_to_date": pool(m.get("disputes_onsets", 0)),
        "complaints_to_date": pool(m.get("complaints", 0)),
        "court_filings": pool(m.get("court_filings", 0)), "fate_resolved": pool(fate["resolved"]),
        "fate_settled": pool(fate["settled"]),
        "open_friction": int(stages[0]), "open_conflict": int(stages[1]),
        "open_complaint": int(stages[2]), "latent_disputes": int(stages[3]),
        "interventions": pool(m.get("interventions", 0)),
        "volunteers_active": pool(_active_volunteers(model)),
        "charity_held": pool(charity.held) if charity else 0.0,
        "donations_total": pool(m["donations_total"]),
        "donor_trust": trust,
        "hours_available": pool(street.float_sum([a.hours.available for a in workers])),
        "hours_used": pool(sum(a.hours.used for a in workers)),
        "cost_to_date": pool(costs),
        "resolved_to_date": pool(m.get("needs_met", 0) + m.get("disputes_resolved", 0)),
    }


def derive_daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the share columns of the daily series (cumulative since measuring began)."""
    out = frame.copy()
    met, unmet = out["needs_met_to_date"], out["needs_unmet_to_date"]
    out["unmet_need_share"] = (unmet / (met + unmet)).fillna(0.0)
    fated = out["court_filings"] + out["fate_resolved"] + out["fate_settled"]
    out["dispute_escalation_share"] = (out["court_filings"] / fated).fillna(0.0)
    days = out["day"] - out["day"].iloc[0] + 1 if len(out) else out["day"]
    out["complaints_per_10k"] = out["complaints_to_date"] / (out["residents"] / 10_000) \
        / (days / 365)
    out["court_filings_per_10k"] = out["court_filings"] / (out["residents"] / 10_000) \
        / (days / 365)
    out["cost_per_resolved_case"] = out["cost_to_date"] / out["resolved_to_date"].where(
        out["resolved_to_date"] > 0)
    return out


def pool_daily(frames: list[pd.DataFrame], communities: Sequence[int] | None = None
               ) -> pd.DataFrame:
    """Daily records of independent communities (or streets of ``communities`` each) added
    up day by day, the mean columns weighted by communities, shares re-derived."""
    raw = [f[list(DAILY_COLUMNS)] for f in frames]
    weights = list(communities) if communities is not None else [1] * len(raw)
    total = sum(f.drop(columns=list(MEAN_DAILY_COLUMNS)) for f in raw)
    for col in MEAN_DAILY_COLUMNS:
        mean = sum(f[col] * w for f, w in zip(raw, weights, strict=True)) / sum(weights)
        total.insert(0 if col == "day" else len(total.columns), col, mean)
    return derive_daily(total[list(DAILY_COLUMNS)])
