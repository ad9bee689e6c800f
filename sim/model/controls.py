"""The equal-resources controls: three-actor linkage given what five-actor linkage mobilises.

To separate "more resources" from "better linkage", a control community is run beside a
five-actor twin built from the same seed and parameters, day by day in lockstep. Each day
the twin records what five-actor linkage mobilised (``Supply``), and the control receives
exactly that:

* ``three-equal-resources`` (restricted) and ``three-equal-resources-unrestricted``: the
  volunteer hours the platform could dispatch (net of role overlap) plus the charity money
  and goods received, turned into hours at the price of a bought service hour, given to the
  social organizations as money: through the government-purchase channel (a procurement lag,
  contracted need types only, contract days only) or as flexible money for any need
  (material needs included), on any day, at once;
* ``three-equal-resources-matched``: the supply itself. Its volunteers offer the twin's
  dispatchable hours (skilled ones included) and its charity receives the twin's gifts,
  goods and campaign earmarks; they serve and pay by five's own rules (sim.model.needs). Its
  volunteers have no ties to residents and the other linkage mechanisms act as under
  three-actor linkage (sim.model.regimes.LINKAGE), unless the regime name keeps them.

Recruited and reactivated volunteers, burnout, surges after shocks, donor fatigue and trust
shocks are all in the supply, because the twin lives through them. Several controls of one
run share one twin (``sim.model.run``), and a five-actor run asked for beside them is that
twin. In a street of several communities the twin is a street too, and each community of
the control receives what the same community of the twin mobilised (the supply holds
per-community values, ``sim.model.street``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .regimes import RESTRICTED
from .street import PerCommunity


@dataclass
class Supply:
    """What five-actor linkage's volunteers and donors gave on one day (the twin records it),
    per community (see ``sim.model.street``)."""

    volunteer_hours: PerCommunity = 0.0   # dispatchable hours offered (before role overlap)
    skilled_hours: PerCommunity = 0.0     # of which by skilled volunteers
    ties: np.ndarray | None = None        # active volunteers among each resident's ties, today
    active_volunteers: PerCommunity = 0   # active volunteers at the day's close (before exits)
    gifts: dict[str, PerCommunity] = field(default_factory=dict)  # individual, corporate, goods
    campaign: tuple[PerCommunity, PerCommunity] | None = None     # (need type, yuan raised)
    head_counts: dict[str, PerCommunity] = field(default_factory=dict)  # windows closed today


class FiveTwin:
    """A five-actor community stepped in lockstep, recording what it mobilises each day."""

    def __init__(self, model):
        self.model = model                  # a CommunityModel under regime "five"
        model.supply = Supply()             # recorded from now on (see CommunityModel.step)

    def advance(self, today: int) -> None:
        """Step the twin through day ``today`` (it may already be there: twins are shared)."""
        while self.model.steps <= today:
            self.model.step()

    @property
    def supply(self) -> Supply:
        return self.model.supply

    @property
    def mobilised_today(self) -> PerCommunity:
        """What five mobilised today, in hours-equivalent (see ``extra_resource_hours``)."""
        return self.model.mobilised_today


def hand_over(social_orgs, control: str, hours: PerCommunity, price: float) -> None:
    """Give the control's social organizations ``hours`` of five's resources, as money."""
    if control == RESTRICTED:
        social_orgs.receive_purchase(hours * price)
    else:
        social_orgs.receive_flexible(hours * price)
