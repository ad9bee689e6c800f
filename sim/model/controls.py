"""The equal-resources controls: three-actor linkage given what five-actor linkage mobilises.

To separate "more resources" from "better linkage", a control community is run beside a
five-actor twin built from the same seed and parameters. Each day the twin reports what
five-actor linkage mobilised that day (volunteer hours the platform could dispatch, net of
role overlap, plus charity money and goods received, turned into hours at the price of a
bought service hour), and the control's social organizations receive exactly that, as
money:

* ``three-equal-resources`` (restricted): through the government-purchase channel, so it
  buys contract hours after ``procurement_lag_days``, only for the need types the contract
  covers and only while a contract runs;
* ``three-equal-resources-unrestricted``: as flexible money for any need (material needs
  included), on any day, at once.

Recruited and reactivated volunteers, surges after shocks, donor fatigue and trust shocks
are all included, because the twin lives through them.
"""

from __future__ import annotations

from .regimes import RESTRICTED


class FiveTwin:
    """A five-actor community stepped in lockstep, to measure what five mobilises each day."""

    def __init__(self, model_class, params, seed: int, graph=None):
        self.model = model_class(regime="five", params=params, rng=seed, graph=graph)
        self.model.keeps_daily_series = False  # only mobilised_today is read

    def step(self) -> float:
        """Advance the twin one day; return what five mobilised today (hours-equivalent)."""
        self.model.step()
        return self.model.mobilised_today


def hand_over(social_orgs, control: str, hours: float, price: float) -> None:
    """Give the control's social organizations ``hours`` of five's resources, as money."""
    if control == RESTRICTED:
        social_orgs.receive_purchase(hours * price)
    else:
        social_orgs.receive_flexible(hours * price)
