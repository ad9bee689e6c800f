"""Residents' attributes, drawn once at initialisation and held as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network import Community
from sim.params import Params


@dataclass
class Residents:
    """One row per resident (network node). Fixed traits first, changing state last."""

    aged_60_plus: np.ndarray
    adult: np.ndarray  # 18+: can volunteer and give
    elderly_alone: np.ndarray
    left_behind: np.ndarray  # member of a household with a left-behind child
    disabled: np.ndarray
    low_income: np.ndarray
    vulnerable: np.ndarray  # any of the four vulnerability flags
    civic_propensity: np.ndarray  # 0-1: chance weight to volunteer
    giving_capacity: np.ndarray  # yuan per year given to the community at full response
    baseline_grievance: np.ndarray  # 0-1, drives dispute onset
    grievance: np.ndarray  # 0-1, current; drives escalation
    open_needs: np.ndarray  # count of the resident's open needs

    @property
    def n(self) -> int:
        return self.grievance.size


def make_residents(community: Community, p: Params, rng: np.random.Generator) -> Residents:
    """Draw every resident's traits from the population parameters."""
    n = community.graph.number_of_nodes()
    age = rng.random(n)
    aged_60_plus = age < p.share_60_plus
    child = age > 1 - p.share_children
    household = community.household
    left_behind_hh = rng.random(household.max() + 1) < p.left_behind_household_share
    left_behind = left_behind_hh[household]
    elderly_alone = aged_60_plus & (rng.random(n) < p.elderly_alone_share)
    disabled = rng.random(n) < p.disability_share
    low_income = (rng.random(household.max() + 1) < p.low_income_share)[household]
    vulnerable = elderly_alone | left_behind | disabled | low_income
    # Propensity Beta(2, 6): mean 0.25, a minority of keen civic actors.
    civic_propensity = rng.beta(2.0, 6.0, size=n)
    # Giving is skewed: lognormal with the configured mean per person.
    mean_gift = p.individual_giving_yuan_per_capita * p.local_giving_share
    giving = rng.lognormal(mean=0.0, sigma=1.0, size=n) * mean_gift / np.exp(0.5)
    a = 2.0
    b = a * (1 - p.baseline_grievance_mean) / max(p.baseline_grievance_mean, 1e-9)
    baseline = rng.beta(a, b, size=n) if p.baseline_grievance_mean > 0 else np.zeros(n)
    return Residents(aged_60_plus=aged_60_plus, adult=~child, elderly_alone=elderly_alone,
                     left_behind=left_behind, disabled=disabled, low_income=low_income,
                     vulnerable=vulnerable, civic_propensity=civic_propensity,
                     giving_capacity=giving, baseline_grievance=baseline,
                     grievance=baseline.copy(), open_needs=np.zeros(n, dtype=np.int32))


def initial_volunteers(residents: Residents, p: Params, rng: np.random.Generator):
    """Register a share of adults, weighted by civic propensity; some of them are active."""
    adults = np.flatnonzero(residents.adult)
    k = int(round(p.volunteer_registration_share * adults.size))
    registered = np.zeros(residents.n, dtype=bool)
    if k > 0:
        weight = residents.civic_propensity[adults]
        chosen = rng.choice(adults, size=k, replace=False, p=weight / weight.sum())
        registered[chosen] = True
    active = registered & (rng.random(residents.n) < p.volunteer_active_share)
    return registered, active
