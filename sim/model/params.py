"""Every model parameter, in one typed, validated and documented place.

Each parameter carries its unit, its allowed range and its source: an entry of
``docs/references.md`` (author and year, with the figure used) or the word "assumption".
Defaults describe one urban community of about 8,000 residents. Staff, money and dispute
rates are given per 10,000 residents so that a smaller or larger community keeps the same
per-capita resources.

Scalars are fields of :class:`Params`. Tables (who serves which need how well, mediation
success by mediator and stage, ...) are declared in :data:`TABLES` and become one scalar
parameter per cell, named ``<table>_<row>_<column>`` (e.g.
``service_efficiency_volunteer_elder_care``), so that ``--set``, config files, experiment
designs and sensitivity analyses reach every cell; the model reads a table back as an
array with :meth:`Params.table`.

``Params(...)`` validates every value (type and range) and the cross-field rules, so an
invalid parameter set cannot exist. ``docs/parameters.md`` is generated from this metadata
(``python -m sim.model.paramdocs``) and a test checks that it is up to date. Reading parameters
from files and flags is ``sim.config``'s job.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ConfigError, quote


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
    table: str | None = None     # the table a cell parameter belongs to


def _p(default, unit, lo, hi, source, doc, choices=None):
    """Declare a parameter field with its metadata (see ParamSpec)."""
    meta = {"unit": unit, "min": lo, "max": hi, "source": source, "doc": doc,
            "choices": choices}
    return field(default=default, metadata=meta)


A = "assumption"
# Below one community worker the platform's day is shorter than one need (Params.size_warning).
MIN_STAFF = 1.0
# A street: at most this many communities, and residents in all (communities x n_residents).
# A street of a million residents peaks at about 0.7 GB under five-actor linkage (0.5 GB per
# million on top of the interpreter), so the largest street needs about 5 GB per regime run
# side by side, twice that for a control with its five-actor twin.
MAX_COMMUNITIES = 1_000
MAX_STREET_RESIDENTS = 10_000_000
NEED_TYPES = ("elder_care", "child_care", "disability_support", "material_hardship",
              "psychological", "emergency")
SERVICE_NEEDS = tuple(n for n in NEED_TYPES if n != "material_hardship")  # served in hours
STAGES = ("friction", "conflict", "complaint")                            # before court
MEDIATORS = ("platform", "social_worker", "volunteer", "skilled_volunteer")
ACTORS = ("platform", "social_org", "social_worker", "volunteer", "charity")


# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableSpec:
    """A table of parameters; each cell is a scalar parameter ``<name>_<row>_<col>``."""

    name: str
    rows: tuple[str, ...]            # () for a one-row table: cells are ``<name>_<col>``
    cols: tuple[str, ...]
    default: tuple                   # rows of values (or one row when rows is ())
    unit: str
    min: float
    max: float
    source: str
    doc: str
    group: str

    def cells(self):
        """(parameter name, default) per cell, row by row."""
        if not self.rows:
            return [(f"{self.name}_{c}", v) for c, v in zip(self.cols, self.default,
                                                             strict=True)]
        return [(f"{self.name}_{r}_{c}", v) for r, row in zip(self.rows, self.default,
                                                              strict=True)
                for c, v in zip(self.cols, row, strict=True)]


TABLES: dict[str, TableSpec] = {t.name: t for t in [
    TableSpec("hidden_share", (), NEED_TYPES, (0.2, 0.2, 0.2, 0.3, 0.4, 0.0), "share of needs",
              0.0, 1.0, "BMC Public Health 2023 (CHARLS 2018: 0.55% of older adults with "
              "chronic disease used daily-care services); BMC Geriatrics 2024 "
              "(underused facilities); shares assumption",
              "Share of needs of each type the platform cannot see until they are discovered "
              "(x hidden_vulnerable_multiplier for vulnerable residents; 0 everywhere "
              "switches hidden needs off).", "Needs"),
    TableSpec("service_efficiency", ACTORS, SERVICE_NEEDS, (
        # elder child disab. psych. emerg.
        (0.6, 0.6, 0.4, 0.3, 0.8),   # community platform (generalists)
        (1.0, 1.0, 1.0, 0.8, 0.6),   # social organizations (professional services)
        (0.8, 0.8, 0.8, 1.0, 0.6),   # social workers (case work)
        (0.8, 0.8, 0.3, 0.2, 0.9),   # volunteers (everyday help, emergencies)
        (1.0, 1.0, 1.0, 0.8, 0.5),   # charity (bought hours on the market)
    ), "hours of need served per actor hour", 0.0, 2.0,
        "Glasl 1997 and CASS 2022 (professionals for professional needs, volunteers for "
        "everyday help); assumption",
        "Hours of need an hour of each actor serves, per need type (0: cannot serve). "
        "Material needs are paid in money, not served in hours.", "Capability tables"),
    TableSpec("contract_scope", (), SERVICE_NEEDS, (1.0, 1.0, 1.0, 1.0, 0.0),
              "share of needs covered", 0.0, 1.0,
              "He 2015 (contracts name their services and beneficiaries); assumption",
              "Share of each need type the government purchase contract covers; social "
              "organizations serve only covered needs with contract hours.",
              "Social organizations"),
    TableSpec("mediation_hours", (), STAGES, (2.0, 4.0, 8.0), "hours", 0.1, 100.0, A,
              "Hours one intervention takes at each stage.", "Capability tables"),
    TableSpec("mediation_success", MEDIATORS, STAGES, (
        (0.5, 0.45, 0.3),    # residents' committee / people's mediators
        (0.6, 0.6, 0.5),     # social workers: professional mediation
        (0.6, 0.35, 0.15),   # untrained volunteers: early stages only
        (0.7, 0.55, 0.35),   # retired mediators, law teachers
    ), "probability", 0.0, 1.0,
        "Glasl 1997 (stage-matched intervention); Read & Michelson 2008; assumption",
        "Chance an intervention ends the dispute (officially 'successful'), by mediator and "
        "stage.", "Capability tables"),
    TableSpec("true_resolution", MEDIATORS, STAGES, (
        (0.6, 0.6, 0.6), (0.7, 0.7, 0.7), (0.65, 0.65, 0.65), (0.7, 0.7, 0.7),
    ), "share of successes", 0.0, 1.0,
        "Lan 2018 (official success 95%+ overstates); court pre-suit mediation ≈65% "
        "(SPC); assumption",
        "Of the 'successful' interventions, the share that truly resolves the grievance; the "
        "rest only closes the case, which may re-ignite.", "Capability tables"),
    TableSpec("backfire_stage_weight", (), STAGES, (0.0, 0.5, 1.0), "x", 0.0, 1.0,
              "Glasl 1997 (amateur handling of late stages); assumption",
              "Backfire chance of a volunteer intervention at each stage, as a multiple of "
              "volunteer_backfire_prob.", "Capability tables"),
]}


@dataclass(frozen=True)
class _Scalars:
    """The scalar parameters; :class:`Params` adds one field per table cell."""

    # --- Community and horizon -------------------------------------------------------
    n_residents: int = _p(8000, "persons", 10, 1_000_000,
                          "MCA 2020: ≈8,000 residents per urban community (derived)",
                          "Residents of one community (network nodes). With network_file, the "
                          "file's node count is used and reported instead.")
    days: int = _p(365, "days", 1, 3650, A,
                   "Simulated horizon, warm-up included; one step is one day.")
    warmup_days: int = _p(0, "days", 0, 3649, A,
                          "Days at the start that metrics leave out (volunteer and charity "
                          "stocks settle); must be shorter than days.")
    communities: int = _p(1, "communities", 1, MAX_COMMUNITIES, A,
                          "Communities of n_residents each in one street (街道), simulated "
                          "together in one run (each with its own network, actors, budgets "
                          "and seed, as if alone) with metrics pooled, to reach the event "
                          "counts rare outcomes need. At most "
                          f"{MAX_STREET_RESIDENTS:,} residents in all (memory: about 0.5 GB "
                          "per million residents and regime run; docs/ODD.md, Scales).")
    network_generator: str = _p("community", "-", None, None, A,
                                "Synthetic network: 'community' (households in buildings with "
                                "small-world shortcuts) or 'watts_strogatz'.",
                                choices=("community", "watts_strogatz"))
    network_file: str = _p("", "path", None, None, "user data",
                           "GraphML (.graphml) or edge list (other suffix) to use instead of a "
                           "generated network; empty means generate. Node attributes "
                           "household, building and age (years) are used when present.")
    household_size_mean: float = _p(2.62, "persons", 1.0, 10.0,
                                    "Census 2020: 2.62 persons per household (unverified)",
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
    share_60_plus: float = _p(0.211, "share", 0.0, 1.0, "MCA 2023: 60+ = 21.1% of population",
                              "Share of residents aged 60 or more.")
    share_children: float = _p(0.17, "share", 0.0, 1.0, A,
                               "Share of residents under 18 (never volunteer or give).")
    elderly_alone_share: float = _p(0.12, "share of 60+", 0.0, 1.0, A,
                                    "Share of the 60+ living alone (vulnerable).")
    left_behind_household_share: float = _p(0.01, "share of households", 0.0, 1.0,
                                            "MCA 2018: 6.97 million left-behind children "
                                            "(narrow definition); urban share lower (assumption)",
                                            "Households with a left-behind child (vulnerable).")
    disability_share: float = _p(0.06, "share", 0.0, 1.0, A,
                                 "Residents with a disability (vulnerable).")
    low_income_share: float = _p(0.03, "share", 0.0, 1.0, A,
                                 "Residents in low-income (低保 and near-低保) households "
                                 "(vulnerable).")
    baseline_grievance_mean: float = _p(0.2, "0-1", 0.0, 1.0, A,
                                        "Mean of the residents' baseline grievance (Beta(2, ·)).")
    civic_propensity_a: float = _p(2.0, "Beta shape", 0.01, 100.0, A,
                                   "Civic propensity ~ Beta(a, b): first shape (default mean "
                                   "0.25, a minority of keen civic actors).")
    civic_propensity_b: float = _p(6.0, "Beta shape", 0.01, 100.0, A,
                                   "Civic propensity ~ Beta(a, b): second shape.")

    # --- Needs -----------------------------------------------------------------------
    elder_care_rate: float = _p(1.95, "needs per 60+ resident per year", 0.0, 365.0,
                                "calibrated (docs/calibration.md, 2026-12-03): posterior "
                                "median 1.95, 90% [0.319, 6.39], prior loguniform(0.25, "
                                "8); not constrained by the patterns (posterior about the"
                                " prior)",
                                "Elder-care needs of a 60+ resident (x elderly_alone_multiplier "
                                "if living alone).")
    elderly_alone_multiplier: float = _p(4.0, "x", 1.0, 100.0, A,
                                         "Need-rate multiplier for the elderly living alone.")
    child_care_rate: float = _p(6.0, "needs per left-behind household member per year", 0.0,
                                365.0, A, "Child-care needs (escort, supervision).")
    disability_support_rate: float = _p(2.4, "needs per disabled resident per year", 0.0, 365.0,
                                        "calibrated (docs/calibration.md, 2026-12-03): "
                                        "posterior median 2.4, 90% [0.853, 10], prior "
                                        "loguniform(0.75, 12); not constrained by the "
                                        "patterns (posterior about the prior)",
                                        "Disability-support needs.")
    material_hardship_rate: float = _p(3.44, "needs per low-income resident per year", 0.0, 365.0,
                                       "calibrated (docs/calibration.md, 2026-12-03): "
                                       "posterior median 3.44, 90% [1.34, 14.5], prior "
                                       "loguniform(1, 16); not constrained by the "
                                       "patterns (posterior about the prior)",
                                       "Material-hardship needs (food, goods, cash relief).")
    psychological_rate: float = _p(0.02, "needs per resident per year", 0.0, 365.0, A,
                                   "Psychological-support needs (x psychological_vulnerable_"
                                   "multiplier for vulnerable residents).")
    psychological_vulnerable_multiplier: float = _p(3.0, "x", 1.0, 100.0, A,
                                                    "Psychological-need multiplier for "
                                                    "vulnerable residents.")
    emergency_rate: float = _p(0.005, "needs per resident per year", 0.0, 365.0, A,
                               "Background individual emergencies (falls, fires) outside shocks.")
    need_rate_scale: float = _p(1.0, "x", 0.0, 100.0, A,
                                "Multiplier on every need rate (0 switches needs off).")
    elder_care_hours: float = _p(3.0, "hours", 0.1, 100.0, A, "Hours one elder-care need takes.")
    child_care_hours: float = _p(2.0, "hours", 0.1, 100.0, A, "Hours one child-care need takes.")
    disability_support_hours: float = _p(3.0, "hours", 0.1, 100.0, A,
                                         "Hours one disability-support need takes.")
    psychological_hours: float = _p(4.0, "hours", 0.1, 100.0, A,
                                    "Hours one psychological-support need takes.")
    emergency_hours: float = _p(1.5, "hours", 0.1, 100.0, A, "Hours one emergency need takes.")
    material_need_yuan: float = _p(300.0, "yuan per need", 1.0, 100_000.0, A,
                                   "Money or goods one material-hardship need takes (paid, not "
                                   "served in hours).")
    elder_care_deadline: int = _p(3, "days", 1, 365, A, "Days before an elder-care need is unmet.")
    child_care_deadline: int = _p(2, "days", 1, 365, A, "Days before a child-care need is unmet.")
    disability_support_deadline: int = _p(5, "days", 1, 365, A,
                                          "Days before a disability need is unmet.")
    material_hardship_deadline: int = _p(7, "days", 1, 365, A,
                                         "Days before a material need is unmet.")
    psychological_deadline: int = _p(10, "days", 1, 365, A,
                                     "Days before a psychological need is unmet.")
    emergency_deadline: int = _p(1, "days", 1, 365, A, "Days before an emergency need is unmet.")
    emergency_shocks_per_10k: float = _p(2.5, "events per 10k residents per year", 0.0, 3650.0,
                                         A, "Emergencies (fire, flood, outbreak) each hitting "
                                         "one building; per 10k residents, so that a street cut "
                                         "into small communities has as many as one large "
                                         "community (2 a year at 8,000 residents).")
    emergency_shock_need_prob: float = _p(0.3, "probability", 0.0, 1.0, A,
                                          "Chance each resident of a hit building needs help.")
    hidden_vulnerable_multiplier: float = _p(1.5, "x", 1.0, 10.0,
                                             "Read & Michelson 2008: access to help is unequal; "
                                             "size assumption",
                                             "Hidden-need chance multiplier for vulnerable "
                                             "residents (capped at 1).")
    self_report_days: float = _p(5.0, "days (mean)", 0.0, 365.0, A,
                                 "Mean delay before a resident reports a hidden need "
                                 "themselves (exponential; 0 = at once).")
    stranger_refusal_share: float = _p(0.1, "share of needs", 0.0, 1.0,
                                       "Michelson 2008: local, known helpers trusted more; size "
                                       "assumption",
                                       "Share of needs whose resident refuses help from a "
                                       "stranger (an outside worker, a volunteer not among "
                                       "their ties); the need stays open.")

    # --- Community platform (residents' committee with Party branch) -------------------
    community_staff_per_10k: float = _p(7.5, "staff per 10k residents", 0.0, 200.0,
                                        "MCA 2020: ≈6 community workers per community = 7.5 "
                                        "per 10k at 8,000 residents; target 18 per 10k",
                                        "Community workers (residents' committee).")
    staff_hours_per_day: float = _p(8.0, "hours per person per day", 0.0, 24.0, A,
                                    "Working hours of a community worker or social worker.")
    admin_share: float = _p(0.612, "share of staff hours", 0.0, 0.95,
                            "calibrated (docs/calibration.md, 2026-12-03): posterior "
                            "median 0.612, 90% [0.329, 0.867], prior uniform(0.2, 0.9); "
                            "not constrained by the patterns (posterior about the prior);"
                            " target: Xinhua 2015, up to 80% administrative",
                            "Share of community-staff hours lost to administrative load.")
    admin_load_per_programme: float = _p(0.03, "share per extra linked actor type", 0.0, 0.5,
                                         "assumption, swept 0-0.1; a ledger per programme "
                                         "(Xinhua 2015) as motivation",
                                         "Extra admin share per linked actor type beyond three.")
    party_member_hours_per_day: float = _p(0.25, "hours per day per 10k residents", 0.0, 1000.0,
                                           "Beijing 2018: Party members report to residence "
                                           "communities; size assumption",
                                           "Hours Party members sent down to the community serve "
                                           "(dispatched by the platform).")
    party_leadership: float = _p(0.5, "0-1", 0.0, 1.0, "Essay 2021, claim 4; size assumption",
                                 "Party-leadership factor: raises dispatch accuracy and makes "
                                 "assignment clear (cuts diffusion of responsibility).")
    base_dispatch_accuracy: float = _p(0.6, "probability", 0.0, 1.0, A,
                                       "Chance the platform sends a case to its best-matched actor "
                                       "without Party leadership.")
    staff_cost_yuan_per_hour: float = _p(40.0, "yuan per hour", 0.0, 10_000.0, A,
                                         "Wage cost of a community-worker or social-worker hour.")
    intake_hours_per_case: float = _p(0.25, "hours", 0.0, 10.0, A,
                                      "Platform hours to take in and triage one need or dispute.")
    relief_fund_yuan_per_10k: float = _p(132000.0, "yuan per 10k residents per year", 0.0, 1e8,
                                         "calibrated (docs/calibration.md, 2026-12-03): "
                                         "posterior median 1.32e+05, 90% [3.53e+04, "
                                         "5.25e+05], prior loguniform(30000, 600000); not"
                                         " constrained by the patterns (posterior about "
                                         "the prior)",
                                         "Government relief money the platform can pay for "
                                         "material needs, in monthly tranches.")

    # --- Social organizations (government purchase of services) ------------------------
    government_purchase_yuan_per_10k: float = _p(250_000.0, "yuan per 10k residents per year",
                                                 0.0, 1e8,
                                                 "Guangzhou 2017: family centres ≈1.6 million "
                                                 "yuan a year each, spread over ≈8 communities "
                                                 "(assumption)",
                                                 "Government purchase-of-service contracts.")
    service_cost_yuan_per_hour: float = _p(80.0, "yuan per hour", 1.0, 10_000.0, A,
                                           "Price of one bought professional service hour.")
    contract_length_days: int = _p(300, "days", 1, 3650,
                                   "He 2015: project-based purchase with procurement gaps; "
                                   "length assumption",
                                   "Days a purchase contract funds service.")
    contract_gap_days: int = _p(65, "days", 0, 3650, A,
                                "Days without a contract between two contracts.")
    contract_elapsed_days: int = _p(120, "days", 0, 3650, A,
                                    "Days of the current contract already past at the start, "
                                    "so that a renewal (and any crowd-out cut) falls inside "
                                    "the first year.")
    procurement_lag_days: int = _p(60, "days", 0, 3650,
                                   "Essay 2021: allocation 'passive and lagging', waiting for "
                                   "government purchase; size assumption",
                                   "Days before extra money given through the purchase channel "
                                   "(the restricted equal-resources control) buys hours.")
    crowd_out_elasticity: float = _p(0.3, "yuan cut per charity yuan spent", 0.0, 1.0,
                                     "assumption, swept 0-0.75; Andreoni & Payne 2011 "
                                     "(≈0.75) and de Wit & Bekkers 2017 measure the "
                                     "reverse direction (public money crowding out gifts)",
                                     "Government cuts the next contract by this much per yuan "
                                     "of charity money and goods spent on the community's "
                                     "needs during the last one (what it sees delivered; "
                                     "money donated but not spent cuts nothing).")

    # --- Social workers ---------------------------------------------------------------
    social_workers_per_10k: float = _p(2.5, "persons per 10k residents", 0.0, 200.0,
                                       "Changzhou 2023; separate social workers 1-3 per "
                                       "community (assumption)",
                                       "Professional social workers (case work, mediation).")
    home_visit_share: float = _p(0.1, "share of social-worker hours", 0.0, 1.0,
                                 "BMC Public Health 2023 (utilisation gap); size assumption",
                                 "Share of social-worker hours spent on home visits to "
                                 "vulnerable residents, which find their hidden needs.")
    home_visit_hours: float = _p(1.0, "hours per visit", 0.1, 24.0, A,
                                 "Social-worker hours one home visit takes.")
    supervision_hours_per_volunteer_hour: float = _p(0.1, "hours", 0.0, 10.0,
                                                     "Essay 2021 (社工引领志愿者); Hager & "
                                                     "Brudney 2004; size assumption",
                                                     "Social-worker hours that full supervision "
                                                     "of one dispatched volunteer hour takes "
                                                     "(0: no supervision, no cost).")
    supervision_gain: float = _p(0.2, "x at full supervision", 0.0, 2.0,
                                 "assumption, swept 0-1; Essay 2021 (社工引领志愿者); "
                                 "Hager & Brudney 2004 link training to retention, not "
                                 "to productivity",
                                 "Relative gain in volunteer service efficiency and mediation "
                                 "success when their hours are fully supervised (0: none).")
    supervision_max_share: float = _p(0.2, "share of social-worker hours", 0.0, 1.0, A,
                                      "At most this share of social-worker hours goes to "
                                      "supervising volunteers.")

    # --- Community volunteers -----------------------------------------------------------
    volunteer_registration_share: float = _p(0.177, "share of adults", 0.0, 1.0,
                                             "calibrated (docs/calibration.md, "
                                             "2026-12-03): posterior median 0.177, 90% "
                                             "[0.0532, 0.34], prior uniform(0.03, 0.35); "
                                             "constrained by the patterns; target: 2.17亿 "
                                             "registered, CVF/CASS 2021",
                                             "Adults registered as volunteers at the start.")
    volunteer_active_share: float = _p(0.0538, "share of registered", 0.0, 1.0,
                                       "calibrated (docs/calibration.md, 2026-12-03): "
                                       "posterior median 0.0538, 90% [0.00622, 0.524], "
                                       "prior loguniform(0.005, 0.9); not constrained by "
                                       "the patterns (posterior about the prior); target:"
                                       " head-count CAF WGI 2016, 6% in a month",
                                       "Registered volunteers who are active at the start "
                                       "(the rest are registered but inactive).")
    volunteer_initial_motivation: float = _p(0.8, "0-1", 0.0, 1.0, A,
                                             "Motivation of a volunteer who is (re)activated or "
                                             "recruited.")
    volunteer_hours_per_month: float = _p(10.3, "hours per active volunteer per month", 0.0, 300.0,
                                          "calibrated (docs/calibration.md, 2026-12-03): "
                                          "posterior median 10.3, 90% [4.13, 26.5], prior"
                                          " uniform(2, 30); constrained by the patterns; "
                                          "target: CASS 2021, 21.87 h per active "
                                          "volunteer per quarter",
                                          "Hours an active, fully motivated volunteer offers.")
    volunteer_session_hours: float = _p(2.0, "hours", 0.25, 12.0, A,
                                        "Length of one volunteer session.")
    volunteer_dispatch_share: float = _p(0.552, "share of offered hours", 0.0, 1.0,
                                         "calibrated (docs/calibration.md, 2026-12-03): "
                                         "posterior median 0.552, 90% [0.139, 0.854], "
                                         "prior uniform(0.1, 0.9); not constrained by the"
                                         " patterns (posterior about the prior)",
                                         "Share of offered volunteer hours the platform can "
                                         "dispatch to needs and disputes (rest: events, patrol).")
    volunteer_burnout_rate: float = _p(0.03, "motivation lost per hour worked", 0.0, 1.0,
                                       "assumption, swept 0-0.1; the form after Havlik's "
                                       "NetLogo model",
                                       "Motivation a volunteer loses per hour of dispatched work.")
    volunteer_recovery_rate: float = _p(0.02, "share of gap per day", 0.0, 1.0,
                                        "Havlik; Hager & Brudney 2004 (recognition); size "
                                        "assumption",
                                        "Daily recovery of motivation towards 1 (recognition).")
    volunteer_exit_motivation: float = _p(0.3, "0-1", 0.0, 1.0, A,
                                          "Below this motivation an active volunteer becomes "
                                          "registered-but-inactive.")
    volunteer_quit_per_year: float = _p(0.3, "per active volunteer per year", 0.0, 365.0,
                                        "Hager & Brudney 2004: ≈1 in 3 volunteers do not return "
                                        "next year (US benchmark)",
                                        "Life-event exits (moving, work, health) of active "
                                        "volunteers, apart from burnout.")
    volunteer_reactivation_per_year: float = _p(0.0872, "per inactive volunteer per year", 0.0,
                                                365.0,
                                                "calibrated (docs/calibration.md, "
                                                "2026-12-03): posterior median 0.0872, "
                                                "90% [0.0111, 0.589], prior "
                                                "loguniform(0.01, 1); not constrained by "
                                                "the patterns (posterior about the prior)",
                                                "Rate at which inactive registered volunteers "
                                                "return to activity.")
    volunteer_recruitment_per_year: float = _p(0.5, "per active volunteer tie per year", 0.0,
                                               365.0, A,
                                               "Network recruitment: yearly chance per active "
                                               "volunteer neighbour that an adult registers "
                                               "(x civic propensity).")
    volunteer_detection_prob: float = _p(0.05, "per day per volunteer tie", 0.0, 1.0,
                                         "assumption, swept 0-0.3; Essay 2021, claim 2 (early "
                                         "intervention by embedded volunteers)",
                                         "Chance a volunteer neighbour notices an early "
                                         "(friction) dispute in a day.")
    volunteer_discovery_prob: float = _p(0.2, "per day per volunteer tie", 0.0, 1.0,
                                         "assumption, swept 0-0.5; the utilisation gap (BMC "
                                         "Public Health 2023) and Essay 2021 as motivation",
                                         "Chance an active volunteer among a resident's ties "
                                         "notices their hidden need in a day (neighbours "
                                         "notice).")
    neighbour_trust_effect: float = _p(0.5, "share of refusals overcome", 0.0, 1.0,
                                       "assumption, swept 0-1; known helpers trusted more "
                                       "(Michelson 2008; Read & Michelson 2008)",
                                       "Of the residents who refuse strangers, the share who "
                                       "accept a volunteer from among their own ties.")
    skilled_volunteer_share: float = _p(0.05, "share of volunteers", 0.0, 1.0,
                                        "assumption, swept 0-0.2; Essay 2021 names law "
                                        "teachers and retired mediators",
                                        "Volunteers with mediation or legal skill; they mediate "
                                        "with the skilled_volunteer rows of the mediation "
                                        "tables.")
    skilled_backfire_factor: float = _p(0.3, "x", 0.0, 1.0, A,
                                        "A skilled volunteer's backfire chance as a multiple of "
                                        "an untrained volunteer's.")
    surge_elasticity: float = _p(1.0, "x at the peak", 0.0, 20.0,
                                 "assumption, swept 0-5; spontaneous volunteers "
                                 "(Paret) and the COVID-year rise in national giving (+38%, "
                                 "China Charity Alliance 2020) as motivation",
                                 "After an emergency shock, volunteer offers and giving rise by "
                                 "this multiple, fading with surge_decay_days.")
    surge_decay_days: float = _p(14.0, "days (e-folding)", 0.1, 365.0, A,
                                 "Time scale over which the surge after a shock fades.")
    volunteer_backfire_prob: float = _p(0.15, "probability", 0.0, 1.0,
                                        "assumption, swept 0-0.4; stage mismatch as in "
                                        "Glasl 1997",
                                        "Chance an untrained volunteer mediating a formal-"
                                        "complaint dispute escalates it (x the stage weight).")
    volunteer_shadow_wage: float = _p(25.0, "yuan per hour", 0.0, 10_000.0, A,
                                      "Shadow price of a volunteer hour in cost metrics.")
    role_overlap_share: float = _p(0.1, "share of volunteer hours", 0.0, 1.0,
                                   "assumption, swept 0-0.5; Changzhou 2023 (71.6% of "
                                   "community workers are certified social workers) shows "
                                   "people hold several roles",
                                   "Share of volunteer hours given by people already counted as "
                                   "staff or Party members (not extra time).")

    # --- Charity resources --------------------------------------------------------------
    individual_giving_yuan_per_capita: float = _p(37.0, "yuan per person per year", 0.0, 1e6,
                                                  "China Charity Alliance 2020: ≈37 yuan per "
                                                  "capita (derived)",
                                                  "National individual giving per person (of "
                                                  "all ages; adults give it, children none).")
    local_giving_share: float = _p(0.176, "share", 0.0, 1.0,
                                   "calibrated (docs/calibration.md, 2026-12-03): "
                                   "posterior median 0.176, 90% [0.0296, 0.291], prior "
                                   "uniform(0.01, 0.3); not constrained by the patterns "
                                   "(posterior about the prior); target: individual "
                                   "giving 37 yuan per person (中国慈善联合会 2020); the "
                                   "community-directed share itself: assumption, swept 0-0.3",
                                   "Share of individual giving that goes to the own community.")
    gifts_per_year: float = _p(4.0, "gifts per donor per year", 0.1, 365.0, A,
                               "A resident's yearly giving arrives in this many gifts.")
    corporate_to_individual_ratio: float = _p(2.3, "x", 0.0, 100.0,
                                              "national split (China Charity Alliance 2020: "
                                              "companies 58.4% vs individuals 25.1%); for a "
                                              "community's own firms an assumption, swept 0-3",
                                              "Local firms' giving relative to residents' giving.")
    supermarket_yuan_per_10k: float = _p(20_000.0, "yuan per 10k residents per year", 0.0, 1e8,
                                         "Workers' Daily 2017: >9,000 charity supermarkets, "
                                         "many struggling; size assumption",
                                         "In-kind goods the charity supermarket takes in all year.")
    publicity: float = _p(0.5, "0-1", 0.0, 1.0, "Essay 2021 (publicity of local role models); "
                                                  "assumption",
                          "Publicity of local role models.")
    publicity_effect: float = _p(0.5, "x", 0.0, 10.0, A,
                                 "Giving multiplier per unit of publicity.")
    campaign_interval_days: int = _p(90, "days", 1, 3650, A,
                                     "Days between targeted project campaigns.")
    campaign_yield_months: float = _p(1.0, "months of regular giving", 0.0, 120.0, A,
                                      "What a fresh campaign raises, in months of regular giving.")
    donor_fatigue_per_campaign: float = _p(0.2, "share of response lost", 0.0, 1.0,
                                           "assumption, swept 0-0.5; philanthropic "
                                           "insufficiency (Salamon 1987) as motivation",
                                           "Each campaign lowers donors' response by this share.")
    fatigue_recovery_per_year: float = _p(1.0, "share of fatigue per year", 0.0, 365.0, A,
                                          "Rate at which donor fatigue wears off.")
    trust_shock_prob_per_year: float = _p(0.1, "events per year", 0.0, 365.0,
                                          "assumption, swept 0-1 a year; the 2011 scandal "
                                          "(MCA 2011) shows one happens",
                                          "Rate of scandals that collapse donor trust.")
    trust_shock_size: float = _p(0.866, "share of giving lost", 0.0, 1.0,
                                 "MCA 2011: receipts −86.6% in 3 months after the scandal",
                                 "Fall in trust (and giving) at a scandal.")
    trust_recovery_per_year: float = _p(0.5, "share of gap per year", 0.0, 365.0,
                                        "MCA 2011: −18.1% (2011), −17% (2012), slow recovery; "
                                        "rate assumption",
                                        "Rate at which trust returns towards 1.")
    charity_yuan_per_platform_hour: float = _p(500.0, "yuan per platform hour", 0.0, 1e7,
                                               "Bitterman & Koliba 2020 (administrative "
                                               "bottleneck, unspent money); size assumption",
                                               "Charity money the platform can turn into service "
                                               "per hour of its service time (absorption).")

    # --- Disputes ---------------------------------------------------------------------
    dispute_rate_per_10k: float = _p(35.0, "disputes per 10k residents per year", 0.0, 1e5,
                                     "calibrated (docs/calibration.md, 2026-12-03): "
                                     "posterior median 35, 90% [21, 62.8], prior "
                                     "loguniform(20, 400); constrained by the patterns; "
                                     "target: MOJ 2022 mediation ≈106 per 10k, neighbour "
                                     "share 12-23%",
                                     "Onset of disputes between tied residents (frictions; most "
                                     "die out by themselves).")
    grievance_onset_weight: float = _p(1.0, "x per unit excess grievance", 0.0, 10.0,
                                       "Epstein 2002 (grievance drives activation); size "
                                       "assumption",
                                       "Onset rate on a tie x (1 + w x the parties' grievance "
                                       "above baseline): unmet needs feed conflict.")
    escalation_hazard_scale: float = _p(0.672, "x", 0.0, 100.0,
                                        "calibrated (docs/calibration.md, 2026-12-03): "
                                        "posterior median 0.672, 90% [0.267, 1.95], prior"
                                        " loguniform(0.25, 4); constrained by the "
                                        "patterns",
                                        "Multiplier on every escalation hazard (0: none).")
    escalation_friction: float = _p(0.015, "per day", 0.0, 1.0, "Glasl 1997, stages 1-3; "
                                                                "assumption",
                                    "Daily hazard friction -> open conflict.")
    escalation_conflict: float = _p(0.012, "per day", 0.0, 1.0, "Glasl 1997, stages 4-5; "
                                                                "assumption",
                                    "Daily hazard open conflict -> formal complaint.")
    escalation_complaint: float = _p(0.01, "per day", 0.0, 1.0, "Glasl 1997, stage 6; "
                                                                "assumption",
                                     "Daily hazard formal complaint -> court.")
    lumping_friction: float = _p(0.04, "per day", 0.0, 1.0,
                                 "Miller & Sarat 1981; Michelson 2007 (the dispute pyramid: "
                                 "most grievances are lumped); assumption",
                                 "Daily chance a friction dies out by itself.")
    lumping_conflict: float = _p(0.01, "per day", 0.0, 1.0, A,
                                 "Daily chance an open conflict dies out by itself.")
    lumping_complaint: float = _p(0.005, "per day", 0.0, 1.0, A,
                                  "Daily chance a formal complaint is withdrawn.")
    grievance_escalation_weight: float = _p(2.0, "x per unit grievance", 0.0, 100.0,
                                            "Epstein 2002; size assumption",
                                            "Escalation multiplier 1 + w x mean grievance.")
    unattended_escalation_weight: float = _p(1.0, "x per neglect unit", 0.0, 100.0,
                                             "Essay 2021, claim 2 (late intervention); "
                                             "assumption",
                                             "Escalation multiplier 1 + w x days unattended / "
                                             "neglect_unit_days.")
    neglect_unit_days: float = _p(30.0, "days", 1.0, 3650.0, A,
                                  "Days of neglect that add one unattended_escalation_weight.")
    conflict_report_prob: float = _p(0.1, "per day", 0.0, 1.0, A,
                                     "Chance the platform learns of an open conflict in a day "
                                     "(formal complaints are always known).")
    retry_interval_days: int = _p(7, "days", 1, 365, A,
                                  "Days before a failed intervention is tried again.")
    dispute_hours_share: float = _p(1.0, "share of a mediator's hours", 0.0, 1.0, A,
                                    "Share of each mediator's day that disputes may take before "
                                    "needs are served (1: disputes first; lower: overloaded "
                                    "staff reach disputes late, with the day's leftovers).")
    reignition_per_year: float = _p(1.0, "per closed dispute per year", 0.0, 365.0,
                                    "Lan 2018 (closure without resolution); assumption",
                                    "Hazard that a suppressed dispute flares up again one stage "
                                    "higher.")
    lumped_reignition_factor: float = _p(0.5, "x", 0.0, 10.0, A,
                                         "Re-ignition hazard of a dispute that died out by "
                                         "itself, as a multiple of reignition_per_year.")
    settled_after_days: int = _p(90, "days", 1, 3650, A,
                                 "A closed or lumped dispute quiet this long counts as settled "
                                 "(its fate known) in the escalation share.")
    grievance_per_unmet_need: float = _p(0.1, "grievance", 0.0, 1.0, A,
                                         "Grievance a resident gains when a need goes unmet.")
    grievance_decay_per_day: float = _p(0.01, "share per day", 0.0, 1.0, A,
                                        "Grievance relaxes towards its baseline.")

    # --- Linkage mechanisms -------------------------------------------------------------
    coordination_cost_hours_per_channel: float = _p(1.875, "platform hours per channel per "
                                                    "week per 10k residents", 0.0, 100.0,
                                                    "assumption, swept 0-6; channels n(n-1)/2 "
                                                    "(3 -> 10) after Huxham & Vangen 2004",
                                                    "Meetings and handoffs per pairwise channel "
                                                    "between linked actor types, growing with "
                                                    "the community whose cases they coordinate "
                                                    "(1.5 h per channel a week at 8,000 "
                                                    "residents).")
    responsibility_diffusion: float = _p(0.1, "0-1", 0.0, 1.0,
                                         "assumption, swept 0-0.3; the form after Diekmann "
                                         "1985 (volunteer's dilemma)",
                                         "Each additional eligible actor type lowers the chance "
                                         "that a new case is picked up at once (not left for "
                                         "another) by this share.")
    responsibility_delay_days: int = _p(0, "days", 0, 365, A,
                                        "A case nobody picked up at once waits this many days "
                                        "and then goes to the back of the day's queue (0: the "
                                        "same day, after every other case).")
    registry_effect: float = _p(0.1, "per linked actor type beyond three", -0.5, 0.5,
                                "assumption (sign and size), swept 0-0.5; network "
                                "governance in Provan & Kenis 2008, Bitterman & Koliba 2020",
                                "Shared case registry: raises (negative: lowers) dispatch "
                                "accuracy towards 1 and cuts (raises) diffusion of "
                                "responsibility, per linked actor type beyond three.")


def _cell(table: str, row: str, col: str) -> Any:
    """Declare the parameter of one table cell: its default and metadata come from TABLES."""
    spec = TABLES[table]
    name = f"{table}_{row}_{col}" if row else f"{table}_{col}"
    default = dict(spec.cells())[name]
    meta = {"unit": spec.unit, "min": spec.min, "max": spec.max, "source": spec.source,
            "doc": spec.doc, "choices": None, "table": table}
    return field(default=float(default), metadata=meta)


@dataclass(frozen=True)
class _TableCells:
    """One float field per cell of each table in TABLES, in TABLES' order (row by row).

    Written out so that type checkers and editors see every parameter; a test checks that
    these fields are exactly the cells of TABLES.
    """

    # hidden_share
    hidden_share_elder_care: float = _cell("hidden_share", "", "elder_care")
    hidden_share_child_care: float = _cell("hidden_share", "", "child_care")
    hidden_share_disability_support: float = _cell("hidden_share", "", "disability_support")
    hidden_share_material_hardship: float = _cell("hidden_share", "", "material_hardship")
    hidden_share_psychological: float = _cell("hidden_share", "", "psychological")
    hidden_share_emergency: float = _cell("hidden_share", "", "emergency")
    # service_efficiency
    service_efficiency_platform_elder_care: float = _cell(
        "service_efficiency", "platform", "elder_care")
    service_efficiency_platform_child_care: float = _cell(
        "service_efficiency", "platform", "child_care")
    service_efficiency_platform_disability_support: float = _cell(
        "service_efficiency", "platform", "disability_support")
    service_efficiency_platform_psychological: float = _cell(
        "service_efficiency", "platform", "psychological")
    service_efficiency_platform_emergency: float = _cell(
        "service_efficiency", "platform", "emergency")
    service_efficiency_social_org_elder_care: float = _cell(
        "service_efficiency", "social_org", "elder_care")
    service_efficiency_social_org_child_care: float = _cell(
        "service_efficiency", "social_org", "child_care")
    service_efficiency_social_org_disability_support: float = _cell(
        "service_efficiency", "social_org", "disability_support")
    service_efficiency_social_org_psychological: float = _cell(
        "service_efficiency", "social_org", "psychological")
    service_efficiency_social_org_emergency: float = _cell(
        "service_efficiency", "social_org", "emergency")
    service_efficiency_social_worker_elder_care: float = _cell(
        "service_efficiency", "social_worker", "elder_care")
    service_efficiency_social_worker_child_care: float = _cell(
        "service_efficiency", "social_worker", "child_care")
    service_efficiency_social_worker_disability_support: float = _cell(
        "service_efficiency", "social_worker", "disability_support")
    service_efficiency_social_worker_psychological: float = _cell(
        "service_efficiency", "social_worker", "psychological")
    service_efficiency_social_worker_emergency: float = _cell(
        "service_efficiency", "social_worker", "emergency")
    service_efficiency_volunteer_elder_care: float = _cell(
        "service_efficiency", "volunteer", "elder_care")
    service_efficiency_volunteer_child_care: float = _cell(
        "service_efficiency", "volunteer", "child_care")
    service_efficiency_volunteer_disability_support: float = _cell(
        "service_efficiency", "volunteer", "disability_support")
    service_efficiency_volunteer_psychological: float = _cell(
        "service_efficiency", "volunteer", "psychological")
    service_efficiency_volunteer_emergency: float = _cell(
        "service_efficiency", "volunteer", "emergency")
    service_efficiency_charity_elder_care: float = _cell(
        "service_efficiency", "charity", "elder_care")
    service_efficiency_charity_child_care: float = _cell(
        "service_efficiency", "charity", "child_care")
    service_efficiency_charity_disability_support: float = _cell(
        "service_efficiency", "charity", "disability_support")
    service_efficiency_charity_psychological: float = _cell(
        "service_efficiency", "charity", "psychological")
    service_efficiency_charity_emergency: float = _cell(
        "service_efficiency", "charity", "emergency")
    # contract_scope
    contract_scope_elder_care: float = _cell("contract_scope", "", "elder_care")
    contract_scope_child_care: float = _cell("contract_scope", "", "child_care")
    contract_scope_disability_support: float = _cell("contract_scope", "", "disability_support")
    contract_scope_psychological: float = _cell("contract_scope", "", "psychological")
    contract_scope_emergency: float = _cell("contract_scope", "", "emergency")
    # mediation_hours
    mediation_hours_friction: float = _cell("mediation_hours", "", "friction")
    mediation_hours_conflict: float = _cell("mediation_hours", "", "conflict")
    mediation_hours_complaint: float = _cell("mediation_hours", "", "complaint")
    # mediation_success
    mediation_success_platform_friction: float = _cell("mediation_success", "platform", "friction")
    mediation_success_platform_conflict: float = _cell("mediation_success", "platform", "conflict")
    mediation_success_platform_complaint: float = _cell(
        "mediation_success", "platform", "complaint")
    mediation_success_social_worker_friction: float = _cell(
        "mediation_success", "social_worker", "friction")
    mediation_success_social_worker_conflict: float = _cell(
        "mediation_success", "social_worker", "conflict")
    mediation_success_social_worker_complaint: float = _cell(
        "mediation_success", "social_worker", "complaint")
    mediation_success_volunteer_friction: float = _cell(
        "mediation_success", "volunteer", "friction")
    mediation_success_volunteer_conflict: float = _cell(
        "mediation_success", "volunteer", "conflict")
    mediation_success_volunteer_complaint: float = _cell(
        "mediation_success", "volunteer", "complaint")
    mediation_success_skilled_volunteer_friction: float = _cell(
        "mediation_success", "skilled_volunteer", "friction")
    mediation_success_skilled_volunteer_conflict: float = _cell(
        "mediation_success", "skilled_volunteer", "conflict")
    mediation_success_skilled_volunteer_complaint: float = _cell(
        "mediation_success", "skilled_volunteer", "complaint")
    # true_resolution
    true_resolution_platform_friction: float = _cell("true_resolution", "platform", "friction")
    true_resolution_platform_conflict: float = _cell("true_resolution", "platform", "conflict")
    true_resolution_platform_complaint: float = _cell("true_resolution", "platform", "complaint")
    true_resolution_social_worker_friction: float = _cell(
        "true_resolution", "social_worker", "friction")
    true_resolution_social_worker_conflict: float = _cell(
        "true_resolution", "social_worker", "conflict")
    true_resolution_social_worker_complaint: float = _cell(
        "true_resolution", "social_worker", "complaint")
    true_resolution_volunteer_friction: float = _cell("true_resolution", "volunteer", "friction")
    true_resolution_volunteer_conflict: float = _cell("true_resolution", "volunteer", "conflict")
    true_resolution_volunteer_complaint: float = _cell("true_resolution", "volunteer", "complaint")
    true_resolution_skilled_volunteer_friction: float = _cell(
        "true_resolution", "skilled_volunteer", "friction")
    true_resolution_skilled_volunteer_conflict: float = _cell(
        "true_resolution", "skilled_volunteer", "conflict")
    true_resolution_skilled_volunteer_complaint: float = _cell(
        "true_resolution", "skilled_volunteer", "complaint")
    # backfire_stage_weight
    backfire_stage_weight_friction: float = _cell("backfire_stage_weight", "", "friction")
    backfire_stage_weight_conflict: float = _cell("backfire_stage_weight", "", "conflict")
    backfire_stage_weight_complaint: float = _cell("backfire_stage_weight", "", "complaint")


@dataclass(frozen=True)
class Params(_TableCells, _Scalars):
    """All parameters of one simulated community (validated on creation).

    Scalars as in ``_Scalars``; one field per table cell (``_TableCells``, see TABLES).
    Build with ``Params(**values)`` or ``Params.from_dict``.
    """

    def __post_init__(self) -> None:
        """Coerce and range-check every field, then the cross-field rules."""
        for spec in PARAM_SPECS.values():
            object.__setattr__(self, spec.name, _coerce(spec, getattr(self, spec.name),
                                                        "parameter"))
        self._check_consistency("parameter")

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, origin: str = "parameter",
                  sources: dict[str, str] | None = None) -> Params:
        """Validate ``values`` (a flat mapping of overrides) and return Params.

        Raises ConfigError naming the field, where it came from (``origin``, or
        ``sources[key]`` for a key with its own source such as a config file) and the
        allowed range, for unknown keys, wrong types and out-of-range values.
        """
        sources = sources or {}
        clean = {key: validate_value(key, raw, sources.get(key, origin))
                 for key, raw in values.items()}
        params = cls(**clean)
        params._check_consistency(origin, sources)
        return params

    def replace(self, **changes: Any) -> Params:
        """Return a validated copy with some parameters changed."""
        return type(self).from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """All parameters as a flat dict (table cells included)."""
        return dataclasses.asdict(self)

    def table(self, name: str) -> np.ndarray:
        """A table's cells as an array: (rows, cols), or (cols,) for a one-row table."""
        spec = TABLES[name]
        values = np.array([getattr(self, cell) for cell, _ in spec.cells()], dtype=np.float64)
        return values.reshape(len(spec.rows), len(spec.cols)) if spec.rows else values

    def size_warning(self, residents: int | None = None) -> str | None:
        """One line when a community of ``residents`` (default ``n_residents``) is too small
        for the model's per-10k staffing to mean anything, or its platform's day does not
        cover its own overheads; None when the size is in the model's range.

        Staff, money and linkage costs are per 10,000 residents, so a small community is a
        scaled-down large one; but below one community worker (``MIN_STAFF``) the
        platform's day is shorter than a single need takes, and results depend on the size
        (docs/ODD.md, "Scale").
        """
        n = self.n_residents if residents is None else residents
        staff = self.community_staff_per_10k * n / 10_000
        if staff < MIN_STAFF:
            smallest = math.ceil(MIN_STAFF * 10_000 / max(self.community_staff_per_10k, 1e-9))
            return (f"a community of {n:,} residents has {staff:.2g} community workers "
                    f"(community_staff_per_10k = {self.community_staff_per_10k:g}): below "
                    f"{smallest:,} residents its staffing is a fraction of a person and the "
                    "results depend on its size (docs/ODD.md, Scale)")
        channels = 10   # five linked actor types
        overheads = channels * self.coordination_cost_hours_per_channel / 7
        hours = self.community_staff_per_10k * self.staff_hours_per_day \
            * (1 - min(self.admin_share + 2 * self.admin_load_per_programme, 0.95)) \
            + self.party_member_hours_per_day
        if hours <= overheads:
            return (f"the community platform's {hours:.3g} service hours a day per 10k "
                    f"residents do not cover the {overheads:.3g} hours that coordinating five "
                    "linked actor types takes: under five-actor linkage it serves nothing "
                    "(docs/ODD.md, Scale)")
        return None

    def _check_consistency(self, origin: str, sources: dict[str, str] | None = None) -> None:
        def where(key: str) -> str:
            return (sources or {}).get(key, origin)

        if self.network_generator == "watts_strogatz" and self.ws_neighbours % 2:
            raise ConfigError(f"{where('ws_neighbours')} 'ws_neighbours': must be even, "
                              f"got {self.ws_neighbours}")
        if self.warmup_days >= self.days:
            raise ConfigError(f"{where('warmup_days')} 'warmup_days': must be shorter than days "
                              f"({self.days}), got {self.warmup_days}")
        if self.communities * self.n_residents > MAX_STREET_RESIDENTS:
            raise ConfigError(f"{where('communities')} 'communities': a street of "
                              f"{self.communities:,} communities of {self.n_residents:,} "
                              f"residents has {self.communities * self.n_residents:,}, more "
                              f"than {MAX_STREET_RESIDENTS:,} residents in all (memory: about "
                              "0.5 GB per million); use fewer or smaller communities")


# ------------------------------------------------------------------------ validation


def _close_match(key):
    import difflib

    match = difflib.get_close_matches(str(key), PARAM_SPECS, n=1)
    return f" (did you mean '{match[0]}'?)" if match else " (see docs/parameters.md)"


def _coerce(spec: ParamSpec, raw: Any, origin: str):
    """Convert a raw value (from TOML, CLI or code) to the field's type and check its range."""
    kind = type(spec.default)
    where = f"{origin} '{spec.name}'"
    if kind is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{where}: expected a string, got {quote(raw)}")
        if spec.choices and raw not in spec.choices:
            raise ConfigError(f"{where}: must be one of {', '.join(spec.choices)}, "
                              f"got {quote(raw)}")
        return raw
    expected = "an integer" if kind is int else "a number"
    try:
        if isinstance(raw, bool) or raw is None:
            raise ValueError
        number = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{where}: expected {expected} in {_range(spec)} ({spec.unit}), "
                          f"got {quote(raw)}") from None
    if not math.isfinite(number):
        finite = "an integer" if kind is int else "a finite number"
        raise ConfigError(f"{where}: must be {finite} in {_range(spec)}, got {quote(raw)}")
    value: int | float
    if kind is int:
        if not number.is_integer():
            raise ConfigError(f"{where}: expected {expected} in {_range(spec)} ({spec.unit}), "
                              f"got {quote(raw)}")
        value = int(raw) if isinstance(raw, int) else int(number)
    else:
        value = number
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        raise ConfigError(f"{where}: must be in {_range(spec)} ({spec.unit}), got {quote(raw)}")
    return value


def validate_value(name: str, raw: Any, origin: str = "parameter", *, typed: bool = False):
    """The one check of a parameter value, used by ``Params``, config files, ``--set`` and
    experiment files: returns the value in the parameter's type, or raises ConfigError
    naming ``origin`` and the parameter. ``typed`` refuses text for a number (values from a
    typed file such as TOML must already be numbers; text comes only from the command line).
    """
    if name not in PARAM_SPECS:
        raise ConfigError(f"{origin} '{quote(name)}': unknown parameter{_close_match(name)}")
    spec = PARAM_SPECS[name]
    if typed and type(spec.default) in (int, float) and isinstance(raw, str):
        kind = "an integer" if type(spec.default) is int else "a number"
        raise ConfigError(f"{origin} '{name}': must be {kind} in {_range(spec)} ({spec.unit}), "
                          f"got {quote(raw)}")
    return _coerce(spec, raw, origin)


def _range(spec: ParamSpec) -> str:
    return f"[{format_bound(spec.min)}, {format_bound(spec.max)}]"


def format_bound(x: float | None) -> str:
    """A range bound as the docs and messages write it (none: unbounded)."""
    if x is None:
        return "-"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ------------------------------------------------------------------------ metadata

# Groups follow the order of the section comments of _Scalars; each maps its first field.
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


def _build_specs() -> dict[str, ParamSpec]:
    specs, group = {}, ""
    for f in dataclasses.fields(Params):
        m = f.metadata
        group = _GROUP_STARTS.get(f.name, group)
        table = m.get("table")
        specs[f.name] = ParamSpec(name=f.name, default=f.default, unit=m["unit"], min=m["min"],
                                  max=m["max"], source=m["source"], doc=m["doc"],
                                  group=TABLES[table].group if table else group,
                                  choices=m["choices"], table=table)
    return specs


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

# Parameters whose value 0 switches off one way linkage itself can help (information, trust,
# matching, timing), beyond the hours and money the extra actors bring.
LINKAGE_MECHANISMS: dict[str, str] = {
    "volunteer_discovery": "volunteer_discovery_prob",
    "early_detection": "volunteer_detection_prob",
    "neighbour_trust": "neighbour_trust_effect",
    "supervision": "supervision_gain",
    "shared_registry": "registry_effect",
    "surge_response": "surge_elasticity",
    "skilled_volunteers": "skilled_volunteer_share",
}

# The range over which an assumption is swept (sensitivity, break-even, the dashboard's
# "which assumption decides it"): what the sources and the model's logic make plausible,
# narrower than the allowed range. Every linkage gain and cost, the charity's volume, the
# volunteers' head-count and the community's size.
SWEEP_RANGES: dict[str, tuple[float, float]] = {
    # linkage costs and ways five can fail
    "coordination_cost_hours_per_channel": (0.0, 6.0),
    "responsibility_diffusion": (0.0, 0.3),
    "crowd_out_elasticity": (0.0, 0.75),       # Andreoni & Payne 2011 estimate about 0.75
    "volunteer_burnout_rate": (0.0, 0.1),
    "donor_fatigue_per_campaign": (0.0, 0.5),
    "trust_shock_prob_per_year": (0.0, 1.0),
    "volunteer_backfire_prob": (0.0, 0.4),
    "admin_load_per_programme": (0.0, 0.1),
    "role_overlap_share": (0.0, 0.5),
    # linkage gains
    "volunteer_discovery_prob": (0.0, 0.5),
    "volunteer_detection_prob": (0.0, 0.3),
    "neighbour_trust_effect": (0.0, 1.0),
    "supervision_gain": (0.0, 1.0),
    "registry_effect": (0.0, 0.5),
    "surge_elasticity": (0.0, 5.0),
    "skilled_volunteer_share": (0.0, 0.2),
    # volumes five brings, and the community
    "volunteer_active_share": (0.005, 0.5),
    "local_giving_share": (0.0, 0.3),
    "corporate_to_individual_ratio": (0.0, 3.0),
    "n_residents": (1500, 16000),
}
