"""Slider levers, number boxes and scenario presets for the dashboard.

The model accepts wide ranges (``sim.model.PARAM_SPECS``); a slider over 0-1000 is useless to
policy staff, so each lever has a dashboard range chosen around the grounded default and
clipped to the model's own range. Every lever starts at the model's default. A preset is a
named set of parameter overrides; anything it leaves out keeps the model's default.
"""

from __future__ import annotations

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

COMMUNITY = (
    Lever("n_residents", 100, 8000, 100, box_max=MAX_RESIDENTS),
    Lever("days", 30, 730, 5, box_max=PARAM_SPECS["days"].max),
)
"""Size and horizon: a slider for the usual range and a number box for the rest."""

POLICY = (
    Lever("volunteer_registration_share", 0.0, 0.5, 0.01),
    Lever("individual_giving_yuan_per_capita", 0.0, 300.0, 1.0),
    Lever("coordination_cost_hours_per_channel", 0.0, 10.0, 0.125),
    Lever("crowd_out_elasticity", 0.0, 1.0, 0.05),
    Lever("party_member_hours_per_day", 0.0, 5.0, 0.05),
    Lever("escalation_hazard_scale", 0.0, 5.0, 0.1),
    Lever("trust_shock_prob_per_year", 0.0, 4.0, 0.1),
)
"""Policy sliders in display order; their labels are in ``i18n.LABELS`` under the parameter name."""

LEVERS = COMMUNITY + POLICY
LEVER_BY_NAME = {lever.name: lever for lever in LEVERS}

PRESETS: dict[str, dict[str, float]] = {
    # the grounded defaults: one urban community of 8,000 residents (DOMAIN.md)
    "preset_default": {},
    # a third of residents 60+ (vs 21.1%), more of them living alone: more care needs
    "preset_ageing": {"share_60_plus": 0.33, "elderly_alone_share": 0.2},
    # twice the dispute onsets and faster escalation
    "preset_disputes": {"dispute_rate_per_10k": 520.0, "escalation_hazard_scale": 2.0},
    # scandals likely (about three a year), each collapsing trust as in 2011 (-86.6%)
    "preset_donation_shock": {"trust_shock_prob_per_year": 3.0},
    # a small community: quick resets and every resident drawn up to 450
    "preset_small": {"n_residents": 1000},
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
