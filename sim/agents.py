"""Agents: residents on the network and the five kinds of community actors.

Residents are Mesa agents, one per network node, but their changing state (grievance,
open needs, volunteering) lives in numpy arrays on the model so that a day is a few
vectorised operations; a Resident is a readable view on its row of those arrays.

Each actor is one Mesa agent standing for all actors of its kind in the community (the
residents' committee, the social organizations, the social workers, the volunteer corps,
the charity pool). Each day it offers a time budget in hours (charity: money in yuan),
and the platform's dispatch draws on those budgets.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from sim.regimes import Actor

DAYS_PER_MONTH = 365 / 12


class Resident(FixedAgent):
    """A resident on one node of the social network."""

    def __init__(self, model, cell):
        super().__init__(model)
        self.cell = cell
        self.index = cell.coordinate  # row in the model's resident arrays

    @property
    def age_group(self) -> str:
        res = self.model.residents
        if res.aged_60_plus[self.index]:
            return "60+"
        return "adult" if res.adult[self.index] else "child"

    @property
    def grievance(self) -> float:
        return float(self.model.residents.grievance[self.index])

    @property
    def vulnerable(self) -> bool:
        return bool(self.model.residents.vulnerable[self.index])

    @property
    def is_volunteer(self) -> bool:
        corps = self.model.actors.get(Actor.VOLUNTEER)
        return bool(corps is not None and corps.active[self.index])


class ServiceActor(Agent):
    """An actor kind with a daily time budget; subclasses say how large it is."""

    kind: Actor

    def __init__(self, model):
        super().__init__(model)
        self.available = 0.0  # units (hours) available today, after overheads
        self.used = 0.0  # units used today
        self.total_available = 0.0
        self.total_used = 0.0

    @property
    def remaining(self) -> float:
        return max(self.available - self.used, 0.0)

    def begin_day(self):
        self.available = self.daily_budget()
        self.used = 0.0

    def daily_budget(self) -> float:
        raise NotImplementedError

    def consume(self, units: float) -> float:
        """Use up to ``units`` of today's budget and return what was actually used."""
        take = min(units, self.remaining)
        self.used += take
        return take

    def end_day(self):
        self.total_available += self.available
        self.total_used += self.used


class CommunityPlatform(ServiceActor):
    """Residents' committee with its Party branch: takes in cases, dispatches, serves.

    Its staff lose a share of their hours to administrative load, which grows with every
    linked programme beyond three; Party members sent down to the community add hours.
    Coordination meetings across all pairwise channels and case intake come off the top.
    """

    kind = Actor.PLATFORM

    def __init__(self, model):
        super().__init__(model)
        p, scale = model.p, model.per_10k
        self.staff_hours = p.community_staff_per_10k * scale * p.staff_hours_per_day
        extra_programmes = max(model.n_linked - 3, 0)
        self.admin_share = min(p.admin_share + p.admin_load_per_programme * extra_programmes, 0.95)
        self.party_hours = p.party_member_hours_per_day * scale
        channels = model.n_linked * (model.n_linked - 1) / 2
        self.coordination_per_day = channels * p.coordination_cost_hours_per_channel / 7
        self.admin_hours_total = 0.0
        self.coordination_total = 0.0
        self.intake_total = 0.0
        self.overlap_total = 0.0

    def daily_budget(self) -> float:
        self.admin_hours_total += self.staff_hours * self.admin_share
        return self.staff_hours * (1 - self.admin_share) + self.party_hours

    def overheads(self, new_cases: int, overlap_hours: float):
        """Charge today's coordination, intake and role overlap before any service."""
        self.coordination_total += self.consume(self.coordination_per_day)
        self.intake_total += self.consume(new_cases * self.model.p.intake_hours_per_case)
        # Hours volunteered by staff and Party members are their own hours, not extra ones.
        self.overlap_total += self.consume(overlap_hours)


class SocialOrganizations(ServiceActor):
    """Service carriers funded by government purchase contracts that come in cycles.

    Between two contracts there is a gap with no funded hours. With crowd-out, the
    government cuts the next contract by a share of the charity money received meanwhile.
    """

    kind = Actor.SOCIAL_ORG

    def __init__(self, model, extra_hours_per_day: float = 0.0):
        super().__init__(model)
        p = model.p
        self.base_budget = p.government_purchase_yuan_per_10k * model.per_10k
        self.budget = self.base_budget  # yuan of the current contract
        self.cycle = p.contract_length_days + p.contract_gap_days
        self.extra_hours = extra_hours_per_day  # three-equal-resources top-up
        self.government_spent = 0.0
        self.donations_seen = 0.0  # charity received since this contract began

    def daily_budget(self) -> float:
        p = self.model.p
        day_in_cycle = (self.model.day + p.contract_elapsed_days) % self.cycle
        if day_in_cycle == 0 and self.model.day > 0:  # a renewal: crowd-out may cut it
            cut = p.crowd_out_elasticity * self.donations_seen
            self.budget = max(self.base_budget - cut, 0.0)
            self.donations_seen = 0.0
        hours = self.extra_hours
        self.government_spent += self.extra_hours * p.service_cost_yuan_per_hour
        if day_in_cycle < p.contract_length_days:
            money = self.budget / p.contract_length_days
            self.government_spent += money
            hours += money / p.service_cost_yuan_per_hour
        return hours


class SocialWorkers(ServiceActor):
    """Professional social workers: case work and mid-stage mediation; few and skilled."""

    kind = Actor.SOCIAL_WORKER

    def daily_budget(self) -> float:
        p = self.model.p
        return p.social_workers_per_10k * self.model.per_10k * p.staff_hours_per_day


class VolunteerCorps(ServiceActor):
    """Community volunteers: residents with time, recruited by propensity and through ties.

    Registered volunteers are active or registered-but-inactive. An active volunteer offers
    sessions at a rate scaled by motivation; dispatched work wears motivation down
    (burnout), recognition restores it, and below a threshold the volunteer goes inactive.
    Only part of the offered time can be dispatched to needs (the rest goes to events).
    """

    kind = Actor.VOLUNTEER

    def __init__(self, model, registered: np.ndarray, active: np.ndarray):
        super().__init__(model)
        self.registered = registered
        self.active = active
        self.active_at_start = active.copy()
        self.motivation = np.where(active, 0.8, 0.0)
        self.offering = np.zeros(0, dtype=np.int64)
        self.hours_worked_total = 0.0
        self.ever_active = active.copy()

    def daily_budget(self) -> float:
        p, rng = self.model.p, self.model.streams.volunteers
        idx = np.flatnonzero(self.active)
        rate = p.volunteer_hours_per_month / DAYS_PER_MONTH / p.volunteer_session_hours
        offers = rng.random(idx.size) < np.minimum(rate * self.motivation[idx], 1.0)
        self.offering = idx[offers]
        return self.offering.size * p.volunteer_session_hours * p.volunteer_dispatch_share

    def end_day(self):
        super().end_day()
        p, rng = self.model.p, self.model.streams.volunteers
        self.hours_worked_total += self.used
        if self.offering.size:
            worked = self.used / self.offering.size
            self.motivation[self.offering] -= p.volunteer_burnout_rate * worked
        act = self.active
        self.motivation[act] += p.volunteer_recovery_rate * (1 - self.motivation[act])
        np.clip(self.motivation, 0.0, 1.0, out=self.motivation)
        quits = rng.random(self.active.size) < p.volunteer_quit_per_year / 365
        self.active &= (self.motivation >= p.volunteer_exit_motivation) & ~quits
        self._reactivate(rng, p)
        self._recruit(rng, p)

    def _reactivate(self, rng, p):
        dormant = np.flatnonzero(self.registered & ~self.active)
        back = dormant[rng.random(dormant.size) < p.volunteer_reactivation_per_year / 365]
        self.active[back] = True
        self.motivation[back] = 0.8
        self.ever_active[back] = True

    def _recruit(self, rng, p):
        """Adults with active volunteer neighbours register, weighted by civic propensity."""
        residents = self.model.residents
        ties = self.model.adjacency @ self.active.astype(np.float64)
        prob = p.volunteer_recruitment_per_year / 365 * residents.civic_propensity * ties
        candidates = np.flatnonzero(residents.adult & ~self.registered & (ties > 0))
        joined = candidates[rng.random(candidates.size) < prob[candidates]]
        self.registered[joined] = True
        self.active[joined] = True
        self.motivation[joined] = 0.8
        self.ever_active[joined] = True

    def active_neighbours(self) -> np.ndarray:
        """Active volunteers among each resident's ties, the resident included."""
        act = self.active.astype(np.float64)
        return self.model.adjacency @ act + act


class CharityPool(ServiceActor):
    """Charity resources: money from residents and local firms, goods from the supermarket.

    Giving responds to publicity and trust; scandals collapse trust, which recovers slowly;
    targeted campaigns raise earmarked money but tire donors. Money buys professional
    hours or material relief, as fast as the platform can absorb it (its budget, in yuan,
    is capped by the platform's service hours).
    """

    kind = Actor.CHARITY

    def __init__(self, model):
        super().__init__(model)
        p = model.p
        adults = model.residents.adult
        self.capacity = np.where(adults, model.residents.giving_capacity, 0.0)
        self.corporate_per_year = self.capacity.sum() * p.corporate_to_individual_ratio
        self.trust = 1.0
        self.fatigue = 0.0
        self.cash = 0.0
        self.goods = 0.0  # in-kind goods (yuan value), usable for material relief only
        self.earmarked = np.zeros(6)  # campaign money per need type
        self.donated_total = 0.0
        self.spent_total = 0.0
        self.gave_first_half = np.zeros(len(adults), dtype=bool)
        self.gave_second_half = np.zeros(len(adults), dtype=bool)

    @property
    def held(self) -> float:
        return self.cash + self.goods + float(self.earmarked.sum())

    @property
    def response(self) -> float:
        """Donors' response today: trust x publicity x (1 - fatigue)."""
        p = self.model.p
        return self.trust * (1 + p.publicity_effect * p.publicity) * (1 - self.fatigue)

    def take_donations(self):
        """Receive today's individual, corporate and supermarket giving."""
        p, rng, day = self.model.p, self.model.streams.charity, self.model.day
        gifts_per_year = 4.0  # a resident's giving arrives in a few gifts a year
        donors = rng.random(self.capacity.size) < gifts_per_year / 365 * self.response
        donors &= self.capacity > 0
        money = self.capacity[donors].sum() / gifts_per_year
        money += self.corporate_per_year / 365 * self.response
        goods = p.supermarket_yuan_per_10k * self.model.per_10k / 365 * self.trust
        half = self.gave_first_half if day < p.days / 2 else self.gave_second_half
        half |= donors
        self.cash += money
        self.goods += goods
        self._received(money + goods)
        self.trust += p.trust_recovery_per_year / 365 * (1 - self.trust)
        self.fatigue -= p.fatigue_recovery_per_year / 365 * self.fatigue

    def campaign(self, need_type: int):
        """A targeted project campaign for one need type: earmarked money, then fatigue."""
        p = self.model.p
        regular_month = (self.capacity.sum() + self.corporate_per_year) / 12
        raised = p.campaign_yield_months * regular_month * self.response
        self.earmarked[need_type] += raised
        self._received(raised)
        self.fatigue += p.donor_fatigue_per_campaign * (1 - self.fatigue)

    def trust_shock(self):
        self.trust *= 1 - self.model.p.trust_shock_size

    def _received(self, amount: float):
        self.donated_total += amount
        self.model.actors[Actor.SOCIAL_ORG].donations_seen += amount

    def daily_budget(self) -> float:
        platform = self.model.actors[Actor.PLATFORM]
        cap = platform.available * self.model.p.charity_yuan_per_platform_hour
        return min(self.cash + float(self.earmarked.sum()), cap)

    def spend(self, yuan: float, need_type: int) -> float:
        """Pay up to ``yuan`` for a need of ``need_type``: earmarks first, then cash."""
        take = self.consume(min(yuan, self.cash + self.earmarked[need_type]))
        from_earmark = min(take, self.earmarked[need_type])
        self.earmarked[need_type] -= from_earmark
        self.cash -= take - from_earmark
        self.spent_total += take
        return take

    def spend_goods(self, yuan: float) -> float:
        take = min(yuan, self.goods)
        self.goods -= take
        self.spent_total += take
        return take

    @property
    def donor_retention(self) -> float:
        first = self.gave_first_half.sum()
        return float((self.gave_first_half & self.gave_second_half).sum() / first) if first else \
            float("nan")
