"""What a run reports: a record per day and a summary per run.

Shares are of cases whose fate is known: a need still open at the end of the horizon with
its deadline ahead is neither met nor unmet (right-censored) and is left out. A ratio
whose denominator is empty is NaN (e.g. volunteer retention where there are no volunteers),
except shares of bad outcomes among no cases, which are 0 (no needs: nothing unmet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.capabilities import NEED_NAMES
from sim.regimes import Actor

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
       "lower") for name in NEED_NAMES]

# The one metric catalogue: the CLI tables, report verdicts, experiment defaults and the
# dashboard cards all read it. Order: headline outcomes first.
METRICS: dict[str, Metric] = {m.name: m for m in [
    _m("unmet_need_share", "share of needs not fully served by their deadline", "share",
       "lower", headline=True, events="needs_unmet", min_events=10),
    _m("unmet_need_hours", "hours of need left unserved at the deadlines (total over the run)",
       "hours", "lower"),
    _m("mean_response_days", "mean days from a need's arrival to its first service (served "
       "needs)", "days", "lower"),
    _m("dispute_escalation_share", "share of disputes that reached the court stage", "share",
       "lower", headline=True, events="court_filings", min_events=10),
    _m("court_filings_per_10k", "disputes reaching court per 10,000 residents per year",
       "per 10k per year", "lower", headline=True, events="court_filings", min_events=10),
    _m("true_resolution_share", "share of 'successful' mediations that truly resolved the "
       "grievance", "share", "higher"),
    _m("reignition_share", "share of closed-but-unresolved disputes that flared up again",
       "share", "lower"),
    _m("cost_per_resolved_case", "yuan (government, charity, staff, volunteer shadow) per need "
       "met or dispute truly resolved", "yuan", "lower", headline=True),
    _m("unspent_funds", "charity money and goods donated but not spent at the end", "yuan",
       "lower"),
    _m("coordination_overhead_share", "coordination hours as a share of all hours available",
       "share", "lower"),
    _m("volunteer_retention", "share of volunteers active at the start still active at the end",
       "share", "higher"),
    _m("unmet_need_share_vulnerable", "unmet-need share of vulnerable residents' needs",
       "share", "lower", headline=True),
    _m("unmet_need_share_other", "unmet-need share of the other residents' needs", "share",
       "lower"),
    *_NEED_TYPE_METRICS,
    _m("needs_total", "needs that arrived", "needs", None),
    _m("needs_unmet", "needs not fully served by their deadline", "needs", "lower"),
    _m("disputes_total", "disputes that started", "disputes", None),
    _m("court_filings", "disputes that reached court", "disputes", "lower",
       events="court_filings", min_events=10),
    _m("mediated_disputes_per_10k", "disputes receiving at least one intervention, per 10,000 "
       "residents per year", "per 10k per year", None),
    _m("mediation_success_share", "interventions that ended the dispute (resolved or closed)",
       "share", "higher"),
    _m("backfires", "interventions by volunteers that escalated a dispute", "interventions",
       "lower"),
    _m("admin_share_of_staff_hours", "share of community-staff hours lost to administration",
       "share", "lower"),
    _m("volunteers_registered_share", "registered volunteers at the end, share of residents",
       "share", None),
    _m("volunteers_active_share", "active volunteers at the end, share of residents", "share",
       "higher"),
    _m("volunteer_hours_worked", "volunteer hours dispatched to needs and disputes", "hours",
       None),
    _m("donations_total", "charity money and goods received", "yuan", None),
    _m("donor_retention", "residents who gave in the first half-year and again in the second",
       "share", "higher"),
    _m("government_spent", "government purchase money paid out", "yuan", None),
    _m("charity_spent", "charity money and goods spent", "yuan", None),
    _m("staff_cost", "community-worker and social-worker wages", "yuan", None),
    _m("volunteer_shadow_cost", "volunteer hours at the shadow wage", "yuan", None),
    _m("hours_available_total", "hours of all actors available after administration", "hours",
       None),
    _m("hours_used_total", "hours of all actors used (service, mediation, intake, "
       "coordination)", "hours", None),
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


def _ratio(num: float, den: float, empty: float = math.nan) -> float:
    return float(num) / float(den) if den else empty


def _unmet_share(needs, group: int) -> float:
    return _ratio(needs.unmet[group], needs.met[group] + needs.unmet[group], empty=0.0)


def _costs(model) -> dict[str, float]:
    p, actors = model.p, model.actors
    staff_hours = (p.community_staff_per_10k + p.social_workers_per_10k) * model.per_10k \
        * p.staff_hours_per_day * model.day
    charity = actors.get(Actor.CHARITY)
    corps = actors.get(Actor.VOLUNTEER)
    return {"government_spent": actors[Actor.SOCIAL_ORG].government_spent,
            "charity_spent": charity.spent_total if charity else 0.0,
            "staff_cost": staff_hours * p.staff_cost_yuan_per_hour,
            "volunteer_shadow_cost": corps.total_used * p.volunteer_shadow_wage if corps else 0.0}


def _cost_per_resolved(model, costs) -> float:
    resolved = model.needs.met[0] + model.disputes.totals["resolved"]
    return _ratio(sum(costs.values()), resolved)


def daily_record(model) -> dict[str, float]:
    """The state at the end of the current day (cumulative shares are to date)."""
    needs, disputes = model.needs, model.disputes
    t = disputes.totals
    stages = disputes.stage_counts()
    charity = model.actors.get(Actor.CHARITY)
    corps = model.actors.get(Actor.VOLUNTEER)
    hours_avail = sum(a.available for k, a in model.actors.items() if k != Actor.CHARITY)
    hours_used = sum(a.used for k, a in model.actors.items() if k != Actor.CHARITY)
    return {
        "day": model.day + 1,
        "needs_arrived": needs.today["arrived"],
        "needs_met": needs.today["met"],
        "needs_unmet": needs.today["unmet"],
        "open_needs": needs.n_open,
        "unmet_need_share": _unmet_share(needs, 0),
        "disputes_total": t["onsets"],
        "open_friction": int(stages[0]),
        "open_conflict": int(stages[1]),
        "open_complaint": int(stages[2]),
        "latent_disputes": int(stages[3]),
        "court_filings": t["court"],
        "dispute_escalation_share": _ratio(t["court"], t["onsets"], empty=0.0),
        "court_filings_per_10k": t["court"] / model.per_10k,
        "interventions": t["interventions"],
        "volunteers_active": int(corps.active.sum()) if corps else 0,
        "charity_held": charity.held if charity else 0.0,
        "donations_total": charity.donated_total if charity else 0.0,
        "donor_trust": charity.trust if charity else math.nan,
        "hours_available": hours_avail,
        "hours_used": hours_used,
        "cost_per_resolved_case": _cost_per_resolved(model, _costs(model)),
    }


def summary(model) -> dict[str, float]:
    """Per-run summary; keys are exactly SUMMARY_METRICS."""
    p, needs, t = model.p, model.needs, model.disputes.totals
    platform = model.actors[Actor.PLATFORM]
    corps = model.actors.get(Actor.VOLUNTEER)
    charity = model.actors.get(Actor.CHARITY)
    years = max(model.day, 1) / 365
    workers = [a for k, a in model.actors.items() if k != Actor.CHARITY]
    available = sum(a.total_available for a in workers)
    costs = _costs(model)
    staff_hours = p.community_staff_per_10k * model.per_10k * p.staff_hours_per_day * model.day
    out = {
        "unmet_need_share": _unmet_share(needs, 0),
        "unmet_need_hours": needs.unmet_hours,
        "mean_response_days": _ratio(needs.response_days, needs.responded),
        "dispute_escalation_share": _ratio(t["court"], t["onsets"], empty=0.0),
        "court_filings_per_10k": t["court"] / model.per_10k / years,
        "true_resolution_share": _ratio(t["resolved"], t["resolved"] + t["closed"]),
        "reignition_share": _ratio(t["reignited"], t["closed"]),
        "cost_per_resolved_case": _cost_per_resolved(model, costs),
        "unspent_funds": charity.held if charity else 0.0,
        "coordination_overhead_share": _ratio(platform.coordination_total, available, 0.0),
        "volunteer_retention": _ratio((corps.active & corps.active_at_start).sum(),
                                      corps.active_at_start.sum()) if corps else math.nan,
        "unmet_need_share_vulnerable": _unmet_share(needs, 1),
        "unmet_need_share_other": _unmet_share(needs, 2),
        **{f"unmet_share_{name}": _ratio(needs.unmet_by_type[i],
                                         needs.met_by_type[i] + needs.unmet_by_type[i], 0.0)
           for i, name in enumerate(NEED_NAMES)},
        "needs_total": needs.arrived,
        "needs_unmet": needs.unmet[0],
        "disputes_total": t["onsets"],
        "court_filings": t["court"],
        "mediated_disputes_per_10k": t["mediated"] / model.per_10k / years,
        "mediation_success_share": _ratio(t["resolved"] + t["closed"], t["interventions"]),
        "backfires": t["backfires"],
        "admin_share_of_staff_hours": _ratio(platform.admin_hours_total, staff_hours),
        "volunteers_registered_share": corps.registered.mean() if corps else 0.0,
        "volunteers_active_share": corps.active.mean() if corps else 0.0,
        "volunteer_hours_worked": corps.total_used if corps else 0.0,
        "donations_total": charity.donated_total if charity else 0.0,
        "donor_retention": charity.donor_retention if charity else math.nan,
        **costs,
        "hours_available_total": available,
        "hours_used_total": sum(a.total_used for a in workers),
    }
    return {k: float(out[k]) for k in SUMMARY_METRICS}
