"""What a run reports: a record per day and a summary per run.

Shares are of cases whose fate is known: a need still open at the end of the horizon with
its deadline ahead is neither met nor unmet (right-censored) and is left out. A ratio
whose denominator is empty is NaN (e.g. volunteer retention where there are no volunteers),
except shares of bad outcomes among no cases, which are 0 (no needs: nothing unmet).
"""

from __future__ import annotations

import math

from sim.capabilities import NEED_NAMES
from sim.regimes import Actor

SUMMARY_METRICS: dict[str, str] = {
    "unmet_need_share": "share of needs not fully served by their deadline",
    "unmet_need_hours": "hours of need left unserved at the deadlines (total over the run)",
    "mean_response_days": "mean days from a need's arrival to its first service (served needs)",
    "vulnerable_unmet_gap": "unmet-need share of vulnerable residents minus that of the others",
    "dispute_escalation_share": "share of disputes that reached the court stage",
    "court_filings_per_10k": "disputes reaching court per 10,000 residents per year",
    "true_resolution_share": "share of 'successful' mediations that truly resolved the grievance",
    "reignition_share": "share of closed-but-unresolved disputes that flared up again",
    "cost_per_resolved_case": "yuan (government, charity, staff, volunteer shadow) per need "
                              "met or dispute truly resolved",
    "unspent_funds": "charity money and goods donated but not spent at the end (yuan)",
    "coordination_overhead_share": "coordination hours as a share of all hours available",
    "volunteer_retention": "share of volunteers active at the start still active at the end",
    "unmet_need_share_vulnerable": "unmet-need share of vulnerable residents' needs",
    "unmet_need_share_other": "unmet-need share of the other residents' needs",
    **{f"unmet_share_{name}": f"unmet-need share of {name.replace('_', ' ')} needs"
       for name in NEED_NAMES},
    "needs_total": "needs that arrived",
    "needs_unmet": "needs not fully served by their deadline",
    "disputes_total": "disputes that started",
    "court_filings": "disputes that reached court",
    "mediated_disputes_per_10k": "disputes receiving at least one intervention, per 10,000 "
                                 "residents per year",
    "mediation_success_share": "interventions that ended the dispute (resolved or closed)",
    "backfires": "interventions by volunteers that escalated a dispute",
    "admin_share_of_staff_hours": "share of community-staff hours lost to administration",
    "volunteers_registered_share": "registered volunteers at the end, share of residents",
    "volunteers_active_share": "active volunteers at the end, share of residents",
    "volunteer_hours_worked": "volunteer hours dispatched to needs and disputes",
    "donations_total": "charity money and goods received (yuan)",
    "donor_retention": "residents who gave in the first half-year and again in the second",
    "government_spent": "government purchase money paid out (yuan)",
    "charity_spent": "charity money and goods spent (yuan)",
    "staff_cost": "community-worker and social-worker wages (yuan)",
    "volunteer_shadow_cost": "volunteer hours at the shadow wage (yuan)",
    "hours_available_total": "hours of all actors available after administration",
    "hours_used_total": "hours of all actors used (service, mediation, intake, coordination)",
}


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
        "vulnerable_unmet_gap": _unmet_share(needs, 1) - _unmet_share(needs, 2),
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
