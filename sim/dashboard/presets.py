"""Levers, their groups, and scenario presets for the dashboard.

The model accepts wide ranges (``sim.model.PARAM_SPECS``); a slider over 0-1000 is useless to
policy staff, so each lever has a dashboard range chosen around the grounded default and
clipped to the model's own range. Every lever starts at the model's default. Levers are
grouped by what a civil-affairs officer knows about a real street (its communities and
their people, volunteers, money and goods, the linkage's costs and risks), and each says
what its value means for the community at hand (``in_words``: "≈ 1,020 registered
volunteers"). A preset is a named set of parameter overrides; anything it leaves out keeps
the model's default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.model import PARAM_SPECS


@dataclass(frozen=True)
class Lever:
    """A slider over one model parameter, optionally with a number box for a wider range."""

    name: str
    min: float
    max: float
    step: float
    box_max: float | None = None  # a number box beside the slider accepts up to this

    @property
    def spec(self):
        """The model's spec for this parameter (unit, doc, allowed range)."""
        return PARAM_SPECS[self.name]

    @property
    def is_int(self) -> bool:
        """Integer parameters get an integer slider."""
        return isinstance(self.spec.default, int)

    @property
    def default(self) -> float:
        """Where the slider starts: the model's default."""
        return self.spec.default

    @property
    def limits(self) -> tuple[float, float]:
        """What the dashboard accepts (the slider's range, widened by the number box)."""
        return self.min, self.box_max if self.box_max is not None else self.max


# Above this many residents a reset takes several seconds per community (the model itself
# accepts up to 1,000,000; use `sim run` for such sizes).
MAX_RESIDENTS = 100_000

GROUPS: dict[str, tuple[Lever, ...]] = {
    # the street: how many communities, how large, how old, for how long
    "group_community": (
        Lever("n_residents", 100, 8000, 100, box_max=MAX_RESIDENTS),
        Lever("communities", 1, 20, 1, box_max=PARAM_SPECS["communities"].max),
        Lever("days", 30, 730, 5, box_max=PARAM_SPECS["days"].max),
        Lever("share_60_plus", 0.0, 0.6, 0.001),
        Lever("share_children", 0.0, 0.4, 0.01),
        Lever("elderly_alone_share", 0.0, 0.5, 0.01),
    ),
    # the volunteers a street office registers: how many, how active, how long they stay
    "group_volunteers": (
        Lever("volunteer_registration_share", 0.0, 0.5, 0.001),
        Lever("volunteer_active_share", 0.0, 0.5, 0.0001),
        Lever("volunteer_hours_per_month", 0.0, 40.0, 0.1),
        Lever("volunteer_quit_per_year", 0.0, 2.0, 0.05),
        Lever("skilled_volunteer_share", 0.0, 0.3, 0.01),
    ),
    # money and goods: the purchase budget, residents' and firms' giving, the supermarket
    "group_money": (
        Lever("government_purchase_yuan_per_10k", 0.0, 1_000_000.0, 10_000.0),
        Lever("individual_giving_yuan_per_capita", 0.0, 300.0, 1.0),
        Lever("corporate_to_individual_ratio", 0.0, 5.0, 0.1),
        Lever("supermarket_yuan_per_10k", 0.0, 100_000.0, 1_000.0),
        Lever("crowd_out_elasticity", 0.0, 1.0, 0.05),
    ),
    # what linking costs and what can go wrong
    "group_risks": (
        Lever("coordination_cost_hours_per_channel", 0.0, 10.0, 0.125),
        Lever("party_member_hours_per_day", 0.0, 5.0, 0.05),
        Lever("dispute_rate_per_10k", 0.0, 200.0, 5.0),
        Lever("escalation_hazard_scale", 0.0, 5.0, 0.001),
        Lever("trust_shock_prob_per_year", 0.0, 4.0, 0.1),
    ),
}
"""Lever groups in display order; group keys and lever names are label keys in ``i18n``."""

LEVERS = tuple(lever for group in GROUPS.values() for lever in group)
LEVER_BY_NAME = {lever.name: lever for lever in LEVERS}

PRESETS: dict[str, dict[str, float]] = {
    # the grounded defaults: one urban community of 8,000 residents (DOMAIN.md)
    "preset_default": {},
    # a third of residents 60+ (vs 21.1%), more of them living alone (20% vs 12%)
    "preset_ageing": {"share_60_plus": 0.33, "elderly_alone_share": 0.2},
    # twice the dispute onsets and twice the escalation hazard of the calibrated defaults
    "preset_disputes": {name: 2 * PARAM_SPECS[name].default
                        for name in ("dispute_rate_per_10k", "escalation_hazard_scale")},
    # scandals likely (about three a year), each collapsing trust as in 2011 (-86.6%)
    "preset_donation_shock": {"trust_shock_prob_per_year": 3.0},
    # a small community that the model still staffs with one full community worker
    # (Params.size_warning: below 1,334 residents at the default staffing)
    "preset_small": {"n_residents": 1500},
}
"""Preset key (also its label key in ``i18n.LABELS``) -> parameter overrides."""


def lever_values(preset: str) -> dict[str, float]:
    """Slider positions for a preset: its overrides, else the model defaults."""
    overrides = PRESETS[preset]
    return {lever.name: overrides.get(lever.name, lever.default) for lever in LEVERS}


def model_overrides(preset: str, sliders: dict[str, float]) -> dict[str, float]:
    """Parameter overrides for the model: the preset's, with the sliders on top."""
    return PRESETS[preset] | sliders


def changed_from_defaults(params: dict) -> dict[str, tuple[object, object]]:
    """Parameters whose value differs from the model default: name -> (value, default)."""
    return {
        name: (value, PARAM_SPECS[name].default)
        for name, value in params.items()
        if name in PARAM_SPECS and value != PARAM_SPECS[name].default
    }


def _value(values: dict, name: str) -> float:
    return float(values.get(name, PARAM_SPECS[name].default))


def in_words(name: str, values: dict) -> tuple[str, dict] | None:
    """What a lever's value means for this community, as (label key, fields) for
    ``i18n.t``: counts of people, yuan a year, hours. ``values`` are the levers' current
    values (model defaults for anything missing). None for a lever that needs no gloss."""
    residents = _value(values, "n_residents")
    adults = residents * (1 - _value(values, "share_children"))
    per_10k = residents / 10_000
    registered = _value(values, "volunteer_registration_share") * adults
    older = _value(values, "share_60_plus") * residents
    giving = (
        _value(values, "individual_giving_yuan_per_capita")
        * adults
        * _value(values, "local_giving_share")
    )
    x = _value(values, name)
    words: dict[str, tuple[str, dict]] = {
        "n_residents": ("words_residents", {"adults": adults}),
        "communities": (
            "words_communities" if x != 1 else "words_community_one",
            {"k": x, "total": x * residents},
        ),
        "days": ("words_days", {"years": x / 365}),
        "share_60_plus": ("words_people", {"n": older}),
        "share_children": ("words_people", {"n": x * residents}),
        "elderly_alone_share": ("words_people", {"n": x * older}),
        "volunteer_registration_share": ("words_registered", {"n": registered, "adults": adults}),
        "volunteer_active_share": ("words_active", {"n": x * registered}),
        "volunteer_hours_per_month": (
            "words_volunteer_hours",
            {"n": x * _value(values, "volunteer_active_share") * registered},
        ),
        "volunteer_quit_per_year": ("words_retention", {"share": math.exp(-x)}),
        "skilled_volunteer_share": ("words_mediators", {"n": x * registered}),
        "government_purchase_yuan_per_10k": ("words_yuan_year", {"n": x * per_10k}),
        "individual_giving_yuan_per_capita": ("words_giving", {"n": giving}),
        "corporate_to_individual_ratio": ("words_firms", {"n": x * giving}),
        "supermarket_yuan_per_10k": ("words_goods", {"n": x * per_10k}),
        "crowd_out_elasticity": ("words_crowd_out", {"n": x * 100}),
        "coordination_cost_hours_per_channel": (
            "words_coordination",
            {"five": 10 * x * per_10k, "three": 3 * x * per_10k},
        ),
        "party_member_hours_per_day": ("words_hours_day", {"n": x * per_10k}),
        "dispute_rate_per_10k": ("words_disputes", {"n": x * per_10k}),
        "escalation_hazard_scale": ("words_multiplier", {"n": x}),
        "trust_shock_prob_per_year": (
            ("words_shocks", {"years": 1 / x}) if x > 0 else ("words_no_shocks", {})
        ),
    }
    return words.get(name)
