"""Every model parameter, in one typed and documented place.

Each field carries its unit, its allowed range and its source: a figure from
``research/domain.md`` (section 2 unless said otherwise) or the word "assumption".
Defaults describe one urban community of about 8,000 residents. Counts of staff,
money and dispute rates are given per 10,000 residents so that a smaller or larger
community keeps the same per-capita resources.

``docs/parameters.md`` is generated from this metadata (``python -m sim.paramdocs``) and a
test checks that it is up to date. Reading parameters from files and flags is
``sim.config``'s job.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A parameter, config file or graph file that the model refuses, with a one-line reason."""


@dataclass(frozen=True)
class ParamSpec:
    """Metadata of one parameter: what it means, in which unit, where it comes from."""

    name: str
    default: Any
    unit: str
    min: float | None
    max: float | None
    source: str
    doc: str
    group: str
    choices: tuple[str, ...] | None = None


def _p(default, unit, lo, hi, source, doc, choices=None):
    """Declare a parameter field with its metadata (see ParamSpec)."""
    meta = dict(unit=unit, min=lo, max=hi, source=source, doc=doc, choices=choices)
    return field(default=default, metadata=meta)


A = "assumption"


@dataclass(frozen=True)
class Params:
    """All parameters of one simulated community. Construct with ``Params.from_dict``."""

    # --- Community and horizon -------------------------------------------------------
    n_residents: int = _p(8000, "persons", 10, 1_000_000,
                          "≈8,000 residents per urban community (2020, derived)",
                          "Residents (network nodes). Ignored when network_file is given.")
    days: int = _p(365, "days", 1, 3650, A, "Simulated horizon; one step is one day.")
    network_generator: str = _p("community", "-", None, None, A,
                                "Synthetic network: 'community' (households in buildings with "
                                "small-world shortcuts) or 'watts_strogatz'.",
                                choices=("community", "watts_strogatz"))
    network_file: str = _p("", "path", None, None, "user data",
                           "GraphML (.graphml) or edge list (other suffix) to use instead of a "
                           "generated network; empty means generate.")
    household_size_mean: float = _p(2.62, "persons", 1.0, 10.0,
                                    "2.62 persons per household (2020 census, unverified)",
                                    "Mean household size; households are fully connected.")
    households_per_building: int = _p(24, "households", 1, 1000, A,
                                      "Households per building (a 6-storey walk-up, 4 per floor).")
    building_tie_prob: float = _p(0.25, "probability", 0.0, 1.0, A,
                                  "Chance that two households of one building know each other.")
    shortcut_ties_per_resident: float = _p(1.0, "ties", 0.0, 50.0, A,
                                           "Mean random ties to residents of other buildings "
                                           "(small-world shortcuts).")
    ws_neighbours: int = _p(8, "ties", 2, 100, A, "Watts-Strogatz: ring neighbours k (even).")
    ws_rewire_prob: float = _p(0.05, "probability", 0.0, 1.0, A,
                               "Watts-Strogatz: rewiring probability.")

    # --- Population ------------------------------------------------------------------
    share_60_plus: float = _p(0.211, "share", 0.0, 1.0, "60+ = 21.1% of population (2023 公报)",
                              "Share of residents aged 60 or more.")
    share_children: float = _p(0.17, "share", 0.0, 1.0, A,
                               "Share of residents under 18 (never volunteer or give).")
    elderly_alone_share: float = _p(0.12, "share of 60+", 0.0, 1.0, A,
                                    "Share of the 60+ living alone (vulnerable).")
    left_behind_household_share: float = _p(0.01, "share of households", 0.0, 1.0,
                                            "697万 left-behind children, narrow MCA definition "
                                            "(2018); urban share lower (assumption)",
                                            "Households with a left-behind child (vulnerable).")
    disability_share: float = _p(0.06, "share", 0.0, 1.0, A,
                                 "Residents with a disability (vulnerable).")
    low_income_share: float = _p(0.03, "share", 0.0, 1.0, A,
                                 "Residents in low-income (低保 and near-低保) households "
                                 "(vulnerable).")
    baseline_grievance_mean: float = _p(0.2, "0-1", 0.0, 1.0, A,
                                        "Mean of the residents' baseline grievance (Beta(2, ·)).")

    # --- Needs -----------------------------------------------------------------------
    elder_care_rate: float = _p(1.0, "needs per 60+ resident per year", 0.0, 365.0, A,
                                "Elder-care needs of a 60+ resident (x elderly_alone_multiplier "
                                "if living alone).")
    elderly_alone_multiplier: float = _p(4.0, "x", 1.0, 100.0, A,
                                         "Need-rate multiplier for the elderly living alone.")
    child_care_rate: float = _p(6.0, "needs per left-behind household member per year", 0.0,
                                365.0, A, "Child-care needs (escort, supervision).")
    disability_support_rate: float = _p(3.0, "needs per disabled resident per year", 0.0, 365.0,
                                        A, "Disability-support needs.")
    material_hardship_rate: float = _p(4.0, "needs per low-income resident per year", 0.0, 365.0,
                                       A, "Material-hardship needs (food, goods, cash relief).")
    psychological_rate: float = _p(0.02, "needs per resident per year", 0.0, 365.0, A,
                                   "Psychological-support needs (x3 for vulnerable residents).")
    emergency_rate: float = _p(0.005, "needs per resident per year", 0.0, 365.0, A,
                               "Background individual emergencies (falls, fires) outside shocks.")
    need_rate_scale: float = _p(1.0, "x", 0.0, 100.0, A,
                                "Multiplier on every need rate (0 switches needs off).")
    elder_care_hours: float = _p(3.0, "hours", 0.1, 100.0, A, "Hours one elder-care need takes.")
    child_care_hours: float = _p(2.0, "hours", 0.1, 100.0, A, "Hours one child-care need takes.")
    disability_support_hours: float = _p(3.0, "hours", 0.1, 100.0, A,
                                         "Hours one disability-support need takes.")
    material_hardship_hours: float = _p(1.0, "hours", 0.1, 100.0, A,
                                        "Casework hours for a material need (or money, below).")
    psychological_hours: float = _p(4.0, "hours", 0.1, 100.0, A,
                                    "Hours one psychological-support need takes.")
    emergency_hours: float = _p(1.5, "hours", 0.1, 100.0, A, "Hours one emergency need takes.")
    elder_care_deadline: int = _p(3, "days", 1, 365, A, "Days before an elder-care need is unmet.")
    child_care_deadline: int = _p(2, "days", 1, 365, A, "Days before a child-care need is unmet.")
    disability_support_deadline: int = _p(5, "days", 1, 365, A,
                                          "Days before a disability need is unmet.")
    material_hardship_deadline: int = _p(7, "days", 1, 365, A,
                                         "Days before a material need is unmet.")
    psychological_deadline: int = _p(10, "days", 1, 365, A,
                                     "Days before a psychological need is unmet.")
    emergency_deadline: int = _p(1, "days", 1, 365, A, "Days before an emergency need is unmet.")
    material_relief_yuan: float = _p(300.0, "yuan per need", 0.0, 100_000.0, A,
                                     "Cost of serving a material need with goods or cash "
                                     "instead of hours.")
    emergency_shocks_per_year: float = _p(2.0, "events per year", 0.0, 365.0, A,
                                          "Emergencies (fire, flood, outbreak) hitting a building.")
    emergency_shock_need_prob: float = _p(0.3, "probability", 0.0, 1.0, A,
                                          "Chance each resident of a hit building needs help.")

    # --- Community platform (residents' committee with Party branch) -------------------
    community_staff_per_10k: float = _p(7.5, "staff per 10k residents", 0.0, 200.0,
                                        "≈6 community workers per community (MCA 2020) = 7.5 "
                                        "per 10k at 8,000 residents; target 18 per 10k",
                                        "Community workers (residents' committee).")
    staff_hours_per_day: float = _p(8.0, "hours per person per day", 0.0, 24.0, A,
                                    "Working hours of a community worker or social worker.")
    admin_share: float = _p(0.6, "share of staff hours", 0.0, 0.95,
                            "up to 80% of energy on administrative work (Xinhua 2015); 82.7% "
                            "report heavy workload (Changzhou 2023)",
                            "Share of community-staff hours lost to administrative load.")
    admin_load_per_programme: float = _p(0.03, "share per extra linked actor type", 0.0, 0.5,
                                         "mechanism: administrative overload (台账 per programme, "
                                         "domain §3.10; size assumption)",
                                         "Extra admin share per linked actor type beyond three.")
    party_member_hours_per_day: float = _p(0.25, "hours per day per 10k residents", 0.0, 1000.0,
                                           "Party members reporting to residence communities "
                                           "(Beijing 2018); size assumption",
                                           "Hours Party members sent down to the community serve "
                                           "(dispatched by the platform).")
    party_leadership: float = _p(0.5, "0-1", 0.0, 1.0, "essay claim 4 (assumption on size)",
                                 "Party-leadership factor: raises dispatch accuracy and makes "
                                 "assignment clear (cuts diffusion of responsibility).")
    base_dispatch_accuracy: float = _p(0.6, "probability", 0.0, 1.0, A,
                                       "Chance the platform sends a case to its best-matched actor "
                                       "without Party leadership.")
    staff_cost_yuan_per_hour: float = _p(40.0, "yuan per hour", 0.0, 10_000.0, A,
                                         "Wage cost of a community-worker or social-worker hour.")
    intake_hours_per_case: float = _p(0.25, "hours", 0.0, 10.0, A,
                                      "Platform hours to take in and triage one need or dispute.")

    # --- Social organizations (government purchase of services) ------------------------
    government_purchase_yuan_per_10k: float = _p(250_000.0, "yuan per 10k residents per year",
                                                 0.0, 1e8,
                                                 "Guangzhou family centres ≈160万/yr each "
                                                 "(2014-17) spread over ≈8 communities "
                                                 "(assumption)",
                                                 "Government purchase-of-service contracts.")
    service_cost_yuan_per_hour: float = _p(80.0, "yuan per hour", 1.0, 10_000.0, A,
                                           "Price of one bought professional service hour.")
    contract_length_days: int = _p(300, "days", 1, 3650,
                                   "project-based purchase with procurement gaps (何磊 2015); "
                                   "length assumption",
                                   "Days a purchase contract funds service.")
    contract_gap_days: int = _p(65, "days", 0, 3650, A,
                                "Days without a contract between two contracts.")
    contract_elapsed_days: int = _p(120, "days", 0, 3650, A,
                                    "Days of the current contract already past at the start, "
                                    "so that a renewal (and any crowd-out cut) falls inside "
                                    "the first year.")
    crowd_out_elasticity: float = _p(0.3, "yuan cut per yuan donated", 0.0, 1.0,
                                     "mechanism: crowd-out; Andreoni & Payne 2011 ≈0.75, "
                                     "de Wit & Bekkers 2017 (default assumption)",
                                     "Government cuts the next contract by this much per yuan "
                                     "of charity received during the last one.")

    # --- Social workers ---------------------------------------------------------------
    social_workers_per_10k: float = _p(2.5, "persons per 10k residents", 0.0, 200.0,
                                       "separate SO social workers 1-3 per community "
                                       "(assumption, domain §2)",
                                       "Professional social workers (case work, mediation).")

    # --- Community volunteers -----------------------------------------------------------
    volunteer_registration_share: float = _p(0.15, "share of adults", 0.0, 1.0,
                                             "registered 10-23% of residents",
                                             "Adults registered as volunteers at the start.")
    volunteer_active_share: float = _p(0.2, "share of registered", 0.0, 1.0,
                                       "active a few % of residents in a month (assumption "
                                       "within 2-5%)",
                                       "Registered volunteers who are active at the start "
                                       "(the rest are registered but inactive).")
    volunteer_hours_per_month: float = _p(7.0, "hours per active volunteer per month", 0.0, 300.0,
                                          "≈7 h/month (21.87 h per 3 months, CASS 2021)",
                                          "Hours an active, fully motivated volunteer offers.")
    volunteer_session_hours: float = _p(2.0, "hours", 0.25, 12.0, A,
                                        "Length of one volunteer session.")
    volunteer_dispatch_share: float = _p(0.4, "share of offered hours", 0.0, 1.0,
                                         "supply-demand mismatch (CASS 2022; Shanghai 2017: "
                                         "54% community service); size assumption",
                                         "Share of offered volunteer hours the platform can "
                                         "dispatch to needs and disputes (rest: events, patrol).")
    volunteer_burnout_rate: float = _p(0.03, "motivation lost per hour worked", 0.0, 1.0,
                                       "mechanism: burnout (Havlik; domain §3.4); size assumption",
                                       "Motivation a volunteer loses per hour of dispatched work.")
    volunteer_recovery_rate: float = _p(0.02, "share of gap per day", 0.0, 1.0,
                                        "recognition restores motivation (Havlik; Hager & "
                                        "Brudney 2004); size assumption",
                                        "Daily recovery of motivation towards 1 (recognition).")
    volunteer_exit_motivation: float = _p(0.3, "0-1", 0.0, 1.0, A,
                                          "Below this motivation an active volunteer becomes "
                                          "registered-but-inactive.")
    volunteer_quit_per_year: float = _p(0.3, "per active volunteer per year", 0.0, 365.0,
                                        "US benchmark ≈1 in 3 volunteers do not return next "
                                        "year (Hager & Brudney 2004)",
                                        "Life-event exits (moving, work, health) of active "
                                        "volunteers, apart from burnout.")
    volunteer_reactivation_per_year: float = _p(0.2, "per inactive volunteer per year", 0.0,
                                                365.0, A,
                                                "Rate at which inactive registered volunteers "
                                                "return to activity.")
    volunteer_recruitment_per_year: float = _p(0.5, "per active volunteer tie per year", 0.0,
                                               365.0, A,
                                               "Network recruitment: yearly chance per active "
                                               "volunteer neighbour that an adult registers "
                                               "(x civic propensity).")
    volunteer_detection_prob: float = _p(0.05, "per day per volunteer tie", 0.0, 1.0, A,
                                         "Chance a volunteer neighbour notices an early "
                                         "(friction) dispute in a day.")
    volunteer_backfire_prob: float = _p(0.15, "probability", 0.0, 1.0,
                                        "mechanism: stage mismatch (Glasl); size assumption",
                                        "Chance an untrained volunteer mediating a formal-"
                                        "complaint dispute escalates it.")
    volunteer_shadow_wage: float = _p(25.0, "yuan per hour", 0.0, 10_000.0, A,
                                      "Shadow price of a volunteer hour in cost metrics.")
    role_overlap_share: float = _p(0.1, "share of volunteer hours", 0.0, 1.0,
                                   "mechanism: one person in several roles (71.6% of community "
                                   "workers certified, Changzhou 2023); size assumption",
                                   "Share of volunteer hours given by people already counted as "
                                   "staff or Party members (not extra time).")

    # --- Charity resources --------------------------------------------------------------
    individual_giving_yuan_per_capita: float = _p(37.0, "yuan per person per year", 0.0, 1e6,
                                                  "≈37 yuan/capita/yr individual giving (2020, "
                                                  "derived)",
                                                  "National individual giving per person.")
    local_giving_share: float = _p(0.15, "share", 0.0, 1.0,
                                   "community-directed fraction unmeasured; sweep 0-30%",
                                   "Share of individual giving that goes to the own community.")
    corporate_to_individual_ratio: float = _p(2.3, "x", 0.0, 100.0,
                                              "companies 58.4% vs individuals 25.1% of giving "
                                              "(2020)",
                                              "Local firms' giving relative to residents' giving.")
    supermarket_yuan_per_10k: float = _p(20_000.0, "yuan per 10k residents per year", 0.0, 1e8,
                                         ">9,000 charity supermarkets, many struggling (2017); "
                                         "size assumption",
                                         "In-kind goods the charity supermarket takes in all year.")
    publicity: float = _p(0.5, "0-1", 0.0, 1.0, "essay: publicity of local role models; "
                                                  "assumption",
                          "Publicity of local role models.")
    publicity_effect: float = _p(0.5, "x", 0.0, 10.0, A,
                                 "Giving multiplier per unit of publicity.")
    campaign_interval_days: int = _p(90, "days", 1, 3650, A,
                                     "Days between targeted project campaigns.")
    campaign_yield_months: float = _p(1.0, "months of regular giving", 0.0, 120.0, A,
                                      "What a fresh campaign raises, in months of regular giving.")
    donor_fatigue_per_campaign: float = _p(0.2, "share of response lost", 0.0, 1.0,
                                           "mechanism: donor fatigue (domain §3.5); size "
                                           "assumption",
                                           "Each campaign lowers donors' response by this share.")
    fatigue_recovery_per_year: float = _p(1.0, "share of fatigue per year", 0.0, 365.0, A,
                                          "Rate at which donor fatigue wears off.")
    trust_shock_prob_per_year: float = _p(0.1, "events per year", 0.0, 365.0,
                                          "mechanism: trust shock (2011 scandal); frequency "
                                          "assumption",
                                          "Rate of scandals that collapse donor trust.")
    trust_shock_size: float = _p(0.866, "share of giving lost", 0.0, 1.0,
                                 "receipts −86.6% in 3 months after the 2011 scandal",
                                 "Fall in trust (and giving) at a scandal.")
    trust_recovery_per_year: float = _p(0.5, "share of gap per year", 0.0, 365.0,
                                        "−18.1% (2011), −17% (2012): slow recovery (assumption)",
                                        "Rate at which trust returns towards 1.")
    charity_yuan_per_platform_hour: float = _p(500.0, "yuan per platform hour", 0.0, 1e7,
                                               "administrative bottleneck, unspent money "
                                               "(Bitterman & Koliba 2020); size assumption",
                                               "Charity money the platform can turn into service "
                                               "per hour of its service time (absorption).")

    # --- Disputes ---------------------------------------------------------------------
    dispute_rate_per_10k: float = _p(240.0, "disputes per 10k residents per year", 0.0, 1e5,
                                     "calibrated so ≈106 per 10k are mediated (people's "
                                     "mediation 2022, derived)",
                                     "Onset of disputes between tied residents.")
    escalation_hazard_scale: float = _p(1.0, "x", 0.0, 100.0, A,
                                        "Multiplier on every escalation hazard (0: none).")
    escalation_friction: float = _p(0.015, "per day", 0.0, 1.0, "Glasl stages 1-3; assumption",
                                    "Daily hazard friction -> open conflict.")
    escalation_conflict: float = _p(0.012, "per day", 0.0, 1.0, "Glasl stages 4-5; assumption",
                                    "Daily hazard open conflict -> formal complaint.")
    escalation_complaint: float = _p(0.01, "per day", 0.0, 1.0, "Glasl stage 6; assumption",
                                     "Daily hazard formal complaint -> court.")
    lumping_friction: float = _p(0.04, "per day", 0.0, 1.0,
                                 "dispute pyramid: most grievances lumped (Miller & Sarat; "
                                 "Michelson); assumption",
                                 "Daily chance a friction dies out by itself.")
    lumping_conflict: float = _p(0.01, "per day", 0.0, 1.0, A,
                                 "Daily chance an open conflict dies out by itself.")
    lumping_complaint: float = _p(0.005, "per day", 0.0, 1.0, A,
                                  "Daily chance a formal complaint is withdrawn.")
    grievance_escalation_weight: float = _p(2.0, "x per unit grievance", 0.0, 100.0,
                                            "Epstein 2002: grievance drives activation; "
                                            "assumption",
                                            "Escalation multiplier 1 + w x mean grievance.")
    unattended_escalation_weight: float = _p(1.0, "x per 30 days unattended", 0.0, 100.0,
                                             "essay claim 2 (late intervention); assumption",
                                             "Escalation multiplier 1 + w x days unattended / 30.")
    conflict_report_prob: float = _p(0.1, "per day", 0.0, 1.0, A,
                                     "Chance the platform learns of an open conflict in a day "
                                     "(formal complaints are always known).")
    retry_interval_days: int = _p(7, "days", 1, 365, A,
                                  "Days before a failed intervention is tried again.")
    reignition_per_year: float = _p(1.0, "per closed dispute per year", 0.0, 365.0,
                                    "closure without resolution re-ignites (兰荣杰 2018); "
                                    "assumption",
                                    "Hazard that a suppressed dispute flares up again one stage "
                                    "higher.")
    grievance_per_unmet_need: float = _p(0.1, "grievance", 0.0, 1.0, A,
                                         "Grievance a resident gains when a need goes unmet.")
    grievance_decay_per_day: float = _p(0.01, "share per day", 0.0, 1.0, A,
                                        "Grievance relaxes towards its baseline.")

    # --- Linkage mechanisms -------------------------------------------------------------
    coordination_cost_hours_per_channel: float = _p(1.5, "platform hours per channel per week",
                                                    0.0, 100.0,
                                                    "mechanism: n(n-1)/2 channels, 3 -> 10 "
                                                    "(Huxham & Vangen 2004); size assumption",
                                                    "Meetings and handoffs per pairwise channel "
                                                    "between linked actor types.")
    responsibility_diffusion: float = _p(0.1, "0-1", 0.0, 1.0,
                                         "mechanism: volunteer's dilemma (Diekmann 1985); size "
                                         "assumption",
                                         "Each additional eligible actor type lowers the daily "
                                         "pick-up chance of an unassigned case by this share.")

    # ------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, values: dict[str, Any], *, origin: str = "parameter") -> Params:
        """Validate ``values`` (a flat mapping of overrides) and return Params.

        Raises ConfigError naming the field and the allowed range for unknown keys,
        wrong types and out-of-range values.
        """
        clean = {}
        for key, raw in values.items():
            if key not in PARAM_SPECS:
                hint = _close_match(key)
                raise ConfigError(f"{origin} '{key}': unknown parameter{hint}")
            clean[key] = _coerce(PARAM_SPECS[key], raw, origin)
        params = cls(**clean)
        params._check_consistency(origin)
        return params

    def replace(self, **changes) -> Params:
        """Return a validated copy with some parameters changed."""
        return Params.from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """All parameters as a flat dict."""
        return dataclasses.asdict(self)

    def _check_consistency(self, origin):
        if self.network_generator == "watts_strogatz" and self.ws_neighbours % 2:
            raise ConfigError(f"{origin} 'ws_neighbours': must be even, got {self.ws_neighbours}")


def _close_match(key):
    import difflib

    match = difflib.get_close_matches(key, PARAM_SPECS, n=1)
    return f" (did you mean '{match[0]}'?)" if match else " (see docs/parameters.md)"


def _coerce(spec: ParamSpec, raw: Any, origin: str):
    """Convert a raw value (from TOML, CLI or code) to the field's type and check its range."""
    kind = type(spec.default)
    where = f"{origin} '{spec.name}'"
    if kind is str:
        value = str(raw)
        if spec.choices and value not in spec.choices:
            raise ConfigError(f"{where}: must be one of {', '.join(spec.choices)}, "
                              f"got {_quote(value)}")
        return value
    expected = f"{'an integer' if kind is int else 'a number'} in {_range(spec)} ({spec.unit})"
    try:
        if isinstance(raw, bool):
            raise TypeError
        value = kind(raw) if not isinstance(raw, str) else kind(float(raw))
        if kind is int and float(raw) != int(float(raw)):
            raise ValueError
    # OverflowError: int(inf) for "inf", "-inf", "1e400"; a finite number is asked for.
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{where}: expected {expected}, got {_quote(raw)}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: must be a finite number in {_range(spec)}, "
                          f"got {_quote(raw)}")
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        raise ConfigError(f"{where}: must be in {_range(spec)} ({spec.unit}), got {_quote(raw)}")
    return value


def _quote(value: Any, limit: int = 60) -> str:
    """``repr`` of a user's value cut to about ``limit`` characters (``sim.config.quote``
    does the same for messages outside the parameters)."""
    if isinstance(value, str):
        text = repr(value[:limit])
        return text if len(value) <= limit else f"{text}... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def _range(spec: ParamSpec) -> str:
    return f"[{_fmt(spec.min)}, {_fmt(spec.max)}]"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _build_specs() -> dict[str, ParamSpec]:
    specs = {}
    for f in dataclasses.fields(Params):
        m = f.metadata
        specs[f.name] = ParamSpec(name=f.name, default=f.default, unit=m["unit"], min=m["min"],
                                  max=m["max"], source=m["source"], doc=m["doc"],
                                  group=_group_of(f.name), choices=m["choices"])
    return specs


# Groups follow the order of the section comments above; the mapping names each group's first field.
_GROUP_STARTS = {
    "n_residents": "Community and horizon",
    "share_60_plus": "Population",
    "elder_care_rate": "Needs",
    "community_staff_per_10k": "Community platform (with Party branch)",
    "government_purchase_yuan_per_10k": "Social organizations",
    "social_workers_per_10k": "Social workers",
    "volunteer_registration_share": "Community volunteers",
    "individual_giving_yuan_per_capita": "Charity resources",
    "dispute_rate_per_10k": "Disputes",
    "coordination_cost_hours_per_channel": "Linkage mechanisms",
}


def _group_of(name: str) -> str:
    current = ""
    for f in dataclasses.fields(Params):
        current = _GROUP_STARTS.get(f.name, current)
        if f.name == name:
            return current
    return current


PARAM_SPECS: dict[str, ParamSpec] = _build_specs()

# Parameters whose value 0 switches off one mechanism that can make five-actor linkage not help.
NEGATIVE_MECHANISMS: dict[str, str] = {
    "coordination_cost": "coordination_cost_hours_per_channel",
    "responsibility_diffusion": "responsibility_diffusion",
    "crowd_out": "crowd_out_elasticity",
    "volunteer_burnout": "volunteer_burnout_rate",
    "donor_fatigue": "donor_fatigue_per_campaign",
    "trust_shocks": "trust_shock_prob_per_year",
    "volunteer_backfire": "volunteer_backfire_prob",
    "admin_overload": "admin_load_per_programme",
    "role_overlap": "role_overlap_share",
}
