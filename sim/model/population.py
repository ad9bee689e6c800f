"""The residents: one row per network node, every per-resident quantity in one place.

Fixed traits are drawn once at initialisation. Each part of the changing state has one
owner that writes it: grievance the population itself (``Population.grieve`` and
``Population.settle``), open needs the need book (``sim.model.needs``), the volunteer state
(registered, active, motivation, ever active) the volunteer corps (``sim.model.agents``).
``sim.model.agents.Resident`` is a readable Mesa-agent view on one row. Each family of traits draws
from its own sub-stream of the population stream, so changing one share (say, disability) leaves
every other trait as it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .network import Community
from .params import Params

TRAIT_STREAMS = ("age", "vulnerability", "civic", "giving", "grievance", "volunteers",
                  "skills")


@dataclass
class Population:
    """Per-resident arrays. Fixed traits first, changing state last."""

    aged_60_plus: np.ndarray
    adult: np.ndarray  # 18+: can volunteer and give
    elderly_alone: np.ndarray
    left_behind: np.ndarray  # member of a household with a left-behind child
    disabled: np.ndarray
    low_income: np.ndarray
    vulnerable: np.ndarray  # any of the four vulnerability flags
    civic_propensity: np.ndarray  # 0-1: weight to volunteer
    giving_capacity: np.ndarray  # yuan per year given to the community at full response
    baseline_grievance: np.ndarray  # 0-1, drives dispute onset
    skilled: np.ndarray  # would mediate with skill if volunteering (retired mediator, ...)
    # changing state
    grievance: np.ndarray  # 0-1, current; drives onset and escalation
    open_needs: np.ndarray  # count of the resident's open needs
    registered: np.ndarray  # registered volunteer
    active: np.ndarray  # active volunteer
    motivation: np.ndarray  # 0-1, of (once) active volunteers
    ever_active: np.ndarray
    # residents whose grievance is away from baseline, sorted and unique (the only ones the
    # daily relaxation touches: a few, not the whole community)
    aggrieved: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # the community of each resident, in a street of several (sim.model.street); set by
    # join_populations (all 0 for one community)
    community: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return self.grievance.size

    def grieve(self, unmet: np.ndarray, per_unmet_need: float, decay_per_day: float) -> None:
        """End of a day: each unmet need raises its resident's grievance by
        ``per_unmet_need``; then every grievance away from baseline relaxes towards it by
        ``decay_per_day`` of the gap (and snaps back when within 1e-9)."""
        if unmet.size == 0 and self.aggrieved.size == 0:  # everyone at baseline
            return
        if unmet.size:
            np.add.at(self.grievance, unmet, per_unmet_need)
            # The union of both, sorted and unique: by marking residents (faster for a
            # community), or by sorting the few (for a street of many residents).
            if self.n > 64 * (self.aggrieved.size + unmet.size):
                moved = np.unique(np.concatenate([self.aggrieved, unmet]))
            else:
                away = np.zeros(self.n, dtype=bool)
                away[self.aggrieved] = True
                away[unmet] = True
                moved = np.flatnonzero(away)
        else:  # aggrieved is kept sorted and unique: it already is the union
            moved = self.aggrieved
        g, g0 = self.grievance[moved], self.baseline_grievance[moved]
        g = np.clip(g + decay_per_day * (g0 - g), 0.0, 1.0)
        back = np.abs(g - g0) < 1e-9
        g[back] = g0[back]
        self.grievance[moved] = g
        self.aggrieved = moved[~back]

    def settle(self, residents: np.ndarray) -> None:
        """A truly resolved dispute: its parties' grievance returns to baseline at once."""
        self.grievance[residents] = self.baseline_grievance[residents]


def join_populations(parts: list[Population]) -> Population:
    """The populations of a street's communities, one after another (``community`` tags
    each resident); a single community is itself, tagged 0."""
    if len(parts) == 1:
        pop = parts[0]
        pop.community = np.zeros(pop.n, dtype=np.int64)
        return pop
    fields = [f.name for f in dataclasses.fields(Population) if f.name != "community"]
    joined = Population(**{name: np.concatenate([getattr(p, name) for p in parts])
                           for name in fields})
    joined.community = np.repeat(np.arange(len(parts)), [p.n for p in parts])
    return joined


def make_population(community: Community, p: Params,
                    streams: list[np.random.Generator]) -> Population:
    """Draw every resident's traits and the initial volunteers (the same under every regime)."""
    rng = dict(zip(TRAIT_STREAMS, streams, strict=True))
    n, household = community.n, community.household
    aged_60_plus, child = _ages(community, p, rng["age"])
    r = rng["vulnerability"]
    left_behind = (r.random(household.max() + 1) < p.left_behind_household_share)[household]
    elderly_alone = aged_60_plus & (r.random(n) < p.elderly_alone_share)
    disabled = r.random(n) < p.disability_share
    low_income = (r.random(household.max() + 1) < p.low_income_share)[household]
    civic = rng["civic"].beta(p.civic_propensity_a, p.civic_propensity_b, size=n)
    # Giving is skewed (lognormal) and comes from adults: the per-capita figure is spread over
    # them, so the mean over all residents is the configured giving per person.
    adults = max(int((~child).sum()), 1)
    mean_gift = p.individual_giving_yuan_per_capita * p.local_giving_share * n / adults
    giving = rng["giving"].lognormal(mean=0.0, sigma=1.0, size=n) * mean_gift / np.exp(0.5)
    giving[child] = 0.0
    a = 2.0
    b = max(a * (1 - p.baseline_grievance_mean) / max(p.baseline_grievance_mean, 1e-9), 1e-6)
    baseline = rng["grievance"].beta(a, b, size=n) if p.baseline_grievance_mean > 0 \
        else np.zeros(n)
    skilled = rng["skills"].random(n) < p.skilled_volunteer_share
    registered, active = _initial_volunteers(~child, civic, p, rng["volunteers"])
    return Population(
        aged_60_plus=aged_60_plus, adult=~child, elderly_alone=elderly_alone,
        left_behind=left_behind, disabled=disabled, low_income=low_income,
        vulnerable=elderly_alone | left_behind | disabled | low_income,
        civic_propensity=civic, giving_capacity=giving, baseline_grievance=baseline,
        skilled=skilled, grievance=baseline.copy(), open_needs=np.zeros(n, dtype=np.int32),
        registered=registered, active=active,
        motivation=np.where(active, p.volunteer_initial_motivation, 0.0),
        ever_active=active.copy())


def _ages(community: Community, p: Params, rng: np.random.Generator):
    """60+ and child flags: from the graph's ages where known, drawn from the shares elsewhere."""
    u = rng.random(community.n)
    aged, child = u < p.share_60_plus, u > 1 - p.share_children
    if community.ages is not None:
        known = np.isfinite(community.ages)
        aged = np.where(known, community.ages >= 60, aged)
        child = np.where(known, community.ages < 18, child)
    return aged, child


def _initial_volunteers(adult: np.ndarray, civic: np.ndarray, p: Params,
                        rng: np.random.Generator):
    """Register a share of adults, weighted by civic propensity; some of them are active."""
    adults = np.flatnonzero(adult)
    k = round(p.volunteer_registration_share * adults.size)
    registered = np.zeros(adult.size, dtype=bool)
    if k > 0:
        weight = civic[adults]
        chosen = rng.choice(adults, size=k, replace=False, p=weight / weight.sum())
        registered[chosen] = True
    active = registered & (rng.random(adult.size) < p.volunteer_active_share)
    return registered, active
