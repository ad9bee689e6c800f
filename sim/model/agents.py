"""Agents: residents on the network and the five kinds of community actors.

Residents are Mesa agents, one per network node, built only when someone asks for them
(``model.residents()``): their state lives in the arrays of
``sim.model.population.Population`` so that a day is a few vectorised operations, and a Resident
is a readable view on its row.

Each actor is one Mesa agent standing for all actors of its kind in the community (the
residents' committee, the social organizations, the social workers, the volunteer corps,
the charity pool). Each day it sets its budgets: hours for those who work, yuan for those
who pay. Actors never write into each other's fields: the model hands what one gives to
another explicitly each day (``CommunityModel.step``).

In a street of several communities (``communities = K``) each agent stands for its kind in
every community, and everything a community's actors have of their own (budgets, contracts,
relief, crowd-out, trust, fatigue, campaigns, earmarks, ...) is a per-community value: a
float for one community, an array with community k's entry at k for a street (see
``sim.model.street``). Residents' state is one array over the street.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from .capabilities import Need
from .metrics import CHARITY_SPENT, VOLUNTEER_HOURS
from .regimes import Actor
from .street import PerCommunity, Street

DAYS_PER_MONTH = 365 / 12
# Survey windows for the volunteers' head-count: who volunteered in a month, in a quarter.
MONTH_DAYS, QUARTER_DAYS = 30, 91


class Budget:
    """Today's amount of one resource (hours or yuan), what was used, and running totals:
    per community (floats for one community, arrays over a street's communities)."""

    def __init__(self, unit: str, street: Street | None = None):
        self.unit = unit
        street = street or Street([0])
        self._one, self._k = street.one, street.k
        self.available: PerCommunity = street.zeros()
        self.used: PerCommunity = street.zeros()
        self.total_available: PerCommunity = street.zeros()
        self.total_used: PerCommunity = street.zeros()

    @property
    def remaining(self) -> PerCommunity:
        if self._one:
            return max(self.available - self.used, 0.0)
        return np.maximum(self.available - self.used, 0.0)

    def open(self, amount: PerCommunity) -> None:
        if self._one:
            self.available, self.used = float(amount), 0.0
        else:
            self.available, self.used = np.zeros(self._k) + amount, np.zeros(self._k)

    def take(self, amount: PerCommunity) -> PerCommunity:
        """Use up to ``amount`` of today's budget and return what was actually used."""
        if self._one:
            amount = min(max(amount, 0.0), self.remaining)
            self.used += amount
            return amount
        amount = np.minimum(np.maximum(amount, 0.0), self.remaining)
        self.used = self.used + amount
        return amount

    def remaining_at(self, k: int) -> float:
        """What community ``k`` has left today."""
        if self._one:
            return self.remaining
        return max(self.available[k] - self.used[k], 0.0)

    def take_at(self, k: int, amount: float) -> float:
        """``take`` in community ``k`` alone."""
        if self._one:
            return self.take(amount)
        amount = min(max(amount, 0.0), self.remaining_at(k))
        self.used[k] += amount
        return amount

    def close(self) -> None:
        self.total_available = self.total_available + self.available
        self.total_used = self.total_used + self.used


class Resident(FixedAgent):
    """A resident on one node of the social network: a view on its row of the population."""

    def __init__(self, model, cell):
        super().__init__(model)
        self.cell = cell
        self.index = cell.coordinate  # row in model.population

    @property
    def _pop(self):
        return self.model.population

    @property
    def age_group(self) -> str:
        if self._pop.aged_60_plus[self.index]:
            return "60+"
        return "adult" if self._pop.adult[self.index] else "child"

    @property
    def vulnerable(self) -> bool:
        return bool(self._pop.vulnerable[self.index])

    @property
    def grievance(self) -> float:
        return float(self._pop.grievance[self.index])

    @property
    def open_needs(self) -> int:
        return int(self._pop.open_needs[self.index])

    @property
    def volunteer_state(self) -> str:
        """'active', 'registered' (but inactive) or 'none'."""
        if self._pop.active[self.index]:
            return "active"
        return "registered" if self._pop.registered[self.index] else "none"

    @property
    def dispute_stage(self) -> int:
        """Highest stage of an open dispute the resident is party to (0 = none)."""
        return int(self.model.disputes.resident_stage()[self.index])


class ServiceActor(Agent):
    """An actor kind with a daily budget of hours; subclasses say how many."""

    kind: Actor

    def __init__(self, model):
        super().__init__(model)
        self.street: Street = model.street
        self.hours = Budget("hours", model.street)

    def begin_day(self) -> None:
        self.hours.open(self.daily_hours())

    def daily_hours(self) -> PerCommunity:
        raise NotImplementedError

    def end_day(self) -> None:
        self.hours.close()

    def mediation_hours(self, k: int, skilled: bool = False) -> float:
        """Hours left today in community ``k`` for mediating disputes (``skilled``: as a
        skilled mediator)."""
        return self.hours.remaining_at(k)

    def mediate(self, k: int, hours: float, skilled: bool = False) -> None:
        """Spend ``hours`` of community ``k``'s time today on a dispute."""
        self.hours.take_at(k, hours)


class CommunityPlatform(ServiceActor):
    """Residents' committee with its Party branch: takes in cases, dispatches, serves, pays relief.

    Its staff lose a share of their hours to administrative load, which grows with every
    administered programme beyond three; Party members sent down to the community add hours.
    Coordination meetings across all pairwise channels between the coordinated actor types
    come off the top, then intake of cases. It also pays government relief (yuan, in
    monthly tranches) for material needs.
    """

    kind = Actor.PLATFORM

    def __init__(self, model, coordinated: PerCommunity, programmes: PerCommunity):
        super().__init__(model)
        p, scale, street = model.p, model.per_10k, model.street
        self.staff_hours = p.community_staff_per_10k * scale * p.staff_hours_per_day
        self.admin_share = street.minimum(p.admin_share + p.admin_load_per_programme
                                          * street.maximum(programmes - 3, 0), 0.95)
        self.party_hours = p.party_member_hours_per_day * scale
        channels = coordinated * (coordinated - 1) / 2
        self.coordination_per_day = channels * p.coordination_cost_hours_per_channel \
            * scale / 7
        self.relief = Budget("yuan", street)
        self.relief_balance = street.zeros()
        self.monthly_relief = p.relief_fund_yuan_per_10k * scale / 12
        self.spent = {account: street.zeros()
                      for account in ("admin", "coordination", "intake", "overlap")}

    def daily_hours(self) -> PerCommunity:
        self.spent["admin"] += self.staff_hours * self.admin_share
        return self.staff_hours * (1 - self.admin_share) + self.party_hours

    def begin_day(self) -> None:
        super().begin_day()
        if self.model.today % 30 == 0:  # a relief tranche; unspent money carries over
            self.relief_balance += self.monthly_relief
        self.relief.open(self.relief_balance)

    def charge(self, account: str, hours: PerCommunity) -> PerCommunity:
        """Take ``hours`` of today's service time for overheads (coordination, intake, ...)."""
        taken = self.hours.take(hours)
        self.spent[account] = self.spent[account] + taken
        return taken

    def end_day(self) -> None:
        super().end_day()
        self.relief_balance = self.relief_balance - self.relief.used
        self.relief.close()


class SocialOrganizations(ServiceActor):
    """Service carriers funded by government purchase contracts that come in cycles.

    Contract hours serve only the need types the contract covers (``contract_scope_*``) and
    only while a contract runs: between two contracts there is a gap. With crowd-out, the
    government cuts the next contract by a share of the charity money received meanwhile.
    Under the equal-resources controls the organizations also receive five-actor linkage's
    resources: through the purchase channel (after a procurement lag, in scope, in
    contract days) or as flexible money for any need on any day.
    """

    kind = Actor.SOCIAL_ORG

    def __init__(self, model):
        super().__init__(model)
        p, street = model.p, model.street
        self.base_budget = p.government_purchase_yuan_per_10k * model.per_10k
        self.contract_budget = street.full(self.base_budget)  # yuan of the current contract
        self.cycle = p.contract_length_days + p.contract_gap_days
        self.charity_seen = street.zeros()  # charity spent on the community since this contract
        self.government_spent = street.zeros()
        # (release day, yuan) in the pipeline
        self.top_up_pending: list[tuple[int, PerCommunity]] = []
        self.top_up_yuan = street.zeros()  # released top-up money for contract hours (restricted)
        self.flexible = Budget("yuan", street)  # unrestricted control: any need, any day
        self.flexible_balance = street.zeros()
        self.in_contract = False
        self._contract_hours = street.zeros()

    # -- explicit transfers from the model -------------------------------------------
    def note_charity(self, yuan: PerCommunity) -> None:
        """Charity money and goods spent on the community's needs today (the government
        watches what charity delivers, and buys less of it at the next renewal)."""
        self.charity_seen = self.charity_seen + yuan

    def receive_purchase(self, yuan: PerCommunity) -> None:
        """Extra money through the purchase channel: buys contract hours after the lag."""
        if self.street.any(yuan > 0):
            self.top_up_pending.append((self.model.today + self.model.p.procurement_lag_days,
                                        yuan))

    def receive_flexible(self, yuan: PerCommunity) -> None:
        """Extra money without scope or timing limits."""
        self.flexible_balance = self.flexible_balance + yuan

    # -- the day ------------------------------------------------------------------------
    def daily_hours(self) -> PerCommunity:
        p, day, street = self.model.p, self.model.today, self.street
        day_in_cycle = (day + p.contract_elapsed_days) % self.cycle
        if day_in_cycle == 0 and day > 0:  # a renewal: crowd-out may cut it
            cut = p.crowd_out_elasticity * self.charity_seen
            self.contract_budget = street.maximum(self.base_budget - cut, 0.0)
            self.charity_seen = street.zeros()
        while self.top_up_pending and self.top_up_pending[0][0] <= day:
            self.top_up_yuan = self.top_up_yuan + self.top_up_pending.pop(0)[1]
        self.in_contract = day_in_cycle < p.contract_length_days
        self._contract_hours = street.zeros()
        if self.in_contract:
            money = self.contract_budget / p.contract_length_days
            self.government_spent = self.government_spent + money
            self._contract_hours = money / p.service_cost_yuan_per_hour
        top_up = 0.0
        if self.in_contract:  # released top-up money is delivered over the contract's days left
            days_left = p.contract_length_days - day_in_cycle
            top_up = self.top_up_yuan / days_left / p.service_cost_yuan_per_hour
        return self._contract_hours + top_up

    def begin_day(self) -> None:
        super().begin_day()
        self.flexible.open(self.flexible_balance)

    def end_day(self) -> None:
        # Contract hours are paid whether used or not; top-up money only when used.
        p = self.model.p
        top_up_used = self.street.maximum(self.hours.used - self._contract_hours, 0.0)
        spent = top_up_used * p.service_cost_yuan_per_hour
        self.top_up_yuan = self.top_up_yuan - spent
        self.government_spent = self.government_spent + (spent + self.flexible.used)
        self.flexible_balance = self.flexible_balance - self.flexible.used
        self.flexible.close()
        super().end_day()


class SocialWorkers(ServiceActor):
    """Professional social workers: case work, mid-stage mediation, home visits, supervision."""

    kind = Actor.SOCIAL_WORKER

    def __init__(self, model):
        super().__init__(model)
        self.spent = {"home_visits": model.street.zeros(), "supervision": model.street.zeros()}

    def daily_hours(self) -> PerCommunity:
        p = self.model.p
        return p.social_workers_per_10k * self.model.per_10k * p.staff_hours_per_day

    def set_aside(self, account: str, hours: PerCommunity) -> PerCommunity:
        taken = self.hours.take(hours)
        self.spent[account] = self.spent[account] + taken
        return taken


class VolunteerCorps(ServiceActor):
    """Community volunteers: residents with time, recruited by propensity and through ties.

    Registered volunteers are active or registered-but-inactive (state in the population
    arrays). An active volunteer offers a session with a daily chance scaled by motivation
    (and by the surge after an emergency); only part of the offered time can be dispatched
    to needs and disputes (the rest goes to events). Skilled volunteers' sessions are kept
    apart so that they can mediate. Dispatched work wears motivation down (burnout),
    recognition restores it, and below a threshold the volunteer goes inactive.

    The corps keeps, for every resident, how many active volunteers are among their ties
    (``ties``), updated as volunteers come and go: neighbours notice hidden needs, see
    frictions and recruit through these ties. In a street each community's volunteers draw
    from that community's stream (``Street.draw_uniform``).
    """

    kind = Actor.VOLUNTEER

    def __init__(self, model):
        super().__init__(model)
        pop, street = model.population, model.street
        self.active_at_start = pop.active.copy()
        self.offering = np.zeros(0, dtype=np.int64)
        self.skilled = Budget("hours", street)  # part of today's hours, from skilled volunteers
        self.offered_total = street.zeros()
        self.ties = model.community.adjacency @ pop.active.astype(np.float64)
        # who gave a session in the current month and quarter of the measured days
        self.in_month = np.zeros(pop.n, dtype=bool)
        self.in_quarter = np.zeros(pop.n, dtype=bool)
        self.quarter_hours = street.zeros()
        self._streams = model.streams.of("volunteers")
        self._active_today: tuple[int, np.ndarray] = (-1, np.zeros(0, dtype=np.int64))

    def served(self, kinds: np.ndarray, hours: np.ndarray, community: np.ndarray) -> None:
        """Record hours spent serving needs of types ``kinds`` (cases of ``community``)."""
        by_kind = self.street.weighted_count(community, hours, len(Need), kinds)
        tally = self.model.tally
        for kind, key in VOLUNTEER_HOURS.items():
            tally[key] += self.street.column(by_kind, kind)

    def mediation_hours(self, k: int, skilled: bool = False) -> float:
        return min(self.skilled.remaining_at(k), self.hours.remaining_at(k)) if skilled \
            else self.hours.remaining_at(k)

    def mediate(self, k: int, hours: float, skilled: bool = False) -> None:
        if skilled:
            self.skilled.take_at(k, hours)
        self.hours.take_at(k, hours)
        self.model.tally.add_at("volunteer_hours_disputes", k, hours)

    def daily_hours(self) -> PerCommunity:
        p, pop, street = self.model.p, self.model.population, self.street
        idx = np.flatnonzero(pop.active)
        self._active_today = (self.model.today, idx)   # (nobody comes or goes before end_day)
        rate = p.volunteer_hours_per_month / DAYS_PER_MONTH / p.volunteer_session_hours
        surge = street.gather(self.model.surge, street.tag(pop.community, idx))
        chance = np.minimum(rate * pop.motivation[idx] * (1 + surge), 1.0)
        self.offering = idx[street.draw_uniform(self._streams, idx) < chance]
        per_session = p.volunteer_session_hours * p.volunteer_dispatch_share
        offering = self.offering
        self.skilled.open(street.count_rows(pop.community, offering[pop.skilled[offering]])
                          * per_session)
        hours = street.count_rows(pop.community, offering) * per_session
        self.offered_total = self.offered_total + hours
        return hours

    def active_count(self) -> PerCommunity:
        """Active volunteers now, per community."""
        return self.street.count_residents(self.model.population.active)

    def end_day(self) -> None:
        p, pop, street = self.model.p, self.model.population, self.street
        if self.offering.size:
            offering = street.count_rows(pop.community, self.offering)
            worked = self.hours.used / offering if street.one \
                else self.hours.used / np.maximum(offering, 1)
            pop.motivation[self.offering] -= p.volunteer_burnout_rate * street.gather(
                worked, street.tag(pop.community, self.offering))
        day, act = self._active_today
        if day != self.model.today:
            act = np.flatnonzero(pop.active)
        motivation = pop.motivation[act]
        motivation += p.volunteer_recovery_rate * (1 - motivation)
        pop.motivation[act] = np.clip(motivation, 0.0, 1.0)
        quits = street.draw_uniform(self._streams, act) < p.volunteer_quit_per_year / 365
        self._set_active(act[(pop.motivation[act] < p.volunteer_exit_motivation) | quits], False)
        self._reactivate(p, pop)
        self._recruit(p, pop)
        self._count_heads(self._windows_closed())
        self.skilled.close()
        super().end_day()

    def _windows_closed(self) -> dict[str, PerCommunity]:
        """Today's sessions into the month's and quarter's head-counts; at the end of each
        full month (30 measured days) and quarter (91): how many volunteered in it, how many
        adults could have, and the hours the quarter's volunteers offered (dispatchable or
        not), as surveys count them."""
        model, street = self.model, self.street
        if not model.measuring:
            return {}
        day = model.today - model.p.warmup_days
        pop = model.population
        self.in_month[self.offering] = True
        self.in_quarter[self.offering] = True
        self.quarter_hours = self.quarter_hours + street.count_rows(
            pop.community, self.offering) * model.p.volunteer_session_hours
        closed = {}
        if (day + 1) % MONTH_DAYS == 0:
            closed["volunteer_months"] = street.count_residents(self.in_month)
            # (a community without volunteers counts none: it has no corps to survey)
            closed["adult_months"] = street.count_residents(pop.adult) \
                * model.linked_in(Actor.VOLUNTEER)
            self.in_month[:] = False
        if (day + 1) % QUARTER_DAYS == 0:
            closed["volunteer_quarters"] = street.count_residents(self.in_quarter)
            closed["volunteer_quarter_hours"] = self.quarter_hours
            self.in_quarter[:] = False
            self.quarter_hours = street.zeros()
        return closed

    def _count_heads(self, closed: dict[str, PerCommunity]) -> None:
        for key, value in closed.items():
            self.model.tally[key] += value
        if self.model.supply is not None:       # a twin: the matched control counts the same
            self.model.supply.head_counts = closed

    def _set_active(self, who: np.ndarray, active: bool) -> None:
        """Volunteers start or stop being active; their neighbours' tie counts follow."""
        if who.size == 0:
            return
        pop = self.model.population
        pop.active[who] = active
        if active:
            pop.motivation[who] = self.model.p.volunteer_initial_motivation
            pop.ever_active[who] = True
        neighbours = self.model.community.neighbours(who)
        np.add.at(self.ties, neighbours, 1.0 if active else -1.0)

    def _reactivate(self, p, pop) -> None:
        dormant = np.flatnonzero(pop.registered > pop.active)   # registered, not active
        u = self.street.draw_uniform(self._streams, dormant)
        self._set_active(dormant[u < p.volunteer_reactivation_per_year / 365], True)

    def _recruit(self, p, pop) -> None:
        """Adults with active volunteer neighbours register, weighted by civic propensity."""
        ties = self.ties
        candidates = np.flatnonzero(ties > 0)      # (a few: neighbours of active volunteers)
        candidates = candidates[pop.adult[candidates] & ~pop.registered[candidates]]
        prob = p.volunteer_recruitment_per_year / 365 * pop.civic_propensity[candidates] \
            * ties[candidates]
        joined = candidates[self.street.draw_uniform(self._streams, candidates) < prob]
        pop.registered[joined] = True
        self._set_active(joined, True)

    def active_ties(self) -> np.ndarray:
        """Active volunteers among each resident's ties, as of now (read-only view)."""
        return self.ties


class MirroredVolunteers(VolunteerCorps):
    """The matched control's volunteers: each day they offer what five-actor linkage's
    volunteers offered in the twin (``sim.model.controls``), skilled ones included, and are
    dispatched by the same rules. Their motivation, exits and recruitment are the twin's,
    whose population arrays of volunteer state the control shares; so are their ties to
    residents, which the control uses only for the linkage mechanisms it keeps."""

    def __init__(self, model):
        super().__init__(model)
        self.ties = np.zeros(0)             # never maintained here: read from the supply

    def daily_hours(self) -> PerCommunity:
        supply = self.model.twin.supply
        self.skilled.open(supply.skilled_hours)
        self.offered_total = self.offered_total + supply.volunteer_hours
        return supply.volunteer_hours

    def active_count(self) -> PerCommunity:
        return self.model.twin.supply.active_volunteers

    def active_ties(self) -> np.ndarray:
        ties = self.model.twin.supply.ties
        assert ties is not None
        return ties

    def end_day(self) -> None:
        self._count_heads(self.model.twin.supply.head_counts)
        self.skilled.close()
        ServiceActor.end_day(self)


class CharityPool(Agent):
    """Charity resources: money from residents and local firms, goods from the supermarket.

    Giving responds to publicity, trust and the surge after an emergency; scandals collapse
    trust, which recovers slowly; targeted campaigns raise earmarked money but tire donors.
    Money buys professional hours or material relief, as fast as the platform can absorb it
    (today's budget, in yuan, is capped by the platform's service hours); goods from the
    supermarket go to material needs. In a street each community has its own pool: donors,
    trust, fatigue, campaigns and earmarks (``earmarked`` has one row per community).
    """

    kind = Actor.CHARITY

    def __init__(self, model):
        super().__init__(model)
        p, pop, street = model.p, model.population, model.street
        self.street: Street = street
        self.capacity = pop.giving_capacity  # children give nothing (zero capacity)
        parts = [self.capacity[a:b] for a, b in street.ranges]
        self.givers = [np.flatnonzero(part > 0) + a
                       for part, (a, _) in zip(parts, street.ranges, strict=True)]
        self.capacity_total = street.of([part.sum() for part in parts])
        self.corporate_per_year = self.capacity_total * p.corporate_to_individual_ratio
        self.trust = street.full(1.0)
        self.fatigue = street.zeros()
        self.cash = street.zeros()
        self.goods = street.zeros()  # in-kind goods (yuan value), for material needs only
        self.earmarked = street.table(len(Need))  # campaign money per need type
        self.money = Budget("yuan", street)  # today's spendable cash and earmarks (absorption)
        self.received_today = street.zeros()
        self.received = {source: street.zeros()
                         for source in ("individual", "corporate", "goods", "campaigns")}
        self.gifts_today: dict[str, PerCommunity] = {}
        # (need type, yuan raised), per community, on a campaign day
        self.campaign_today: tuple[PerCommunity, PerCommunity] | None = None
        self.raised_by_type = street.table(len(Need))  # campaign money, by the type earmarked
        self.spent_total = street.zeros()
        self.spent_today = street.zeros()
        self.gave_first_half = np.zeros(pop.n, dtype=bool)
        self.gave_second_half = np.zeros(pop.n, dtype=bool)
        self._streams = model.streams.of("charity")

    @property
    def held(self) -> PerCommunity:
        return self.cash + self.goods + self.street.row_sums(self.earmarked)

    @property
    def donor_trust(self) -> PerCommunity:
        """Donors' trust now (1: none lost to scandals)."""
        return self.trust

    @property
    def donated_total(self) -> PerCommunity:
        return sum(self.received.values())

    @property
    def response(self) -> PerCommunity:
        """Donors' response today: trust x publicity x (1 - fatigue) x (1 + surge)."""
        p = self.model.p
        return (self.trust * (1 + p.publicity_effect * p.publicity) * (1 - self.fatigue)
                * (1 + self.model.surge))

    def begin_day(self, scandal: PerCommunity, platform_hours: PerCommunity) -> None:
        """Scandal, donations, a campaign when due, and today's spendable money."""
        p, day, street = self.model.p, self.model.today, self.street
        self.received_today, self.campaign_today = street.zeros(), None
        self.spent_today = street.zeros()
        self.trust = street.where(scandal, self.trust * (1 - p.trust_shock_size), self.trust)
        self._take_donations()
        if day > 0 and day % p.campaign_interval_days == 0:
            self._campaign(street.argmax(self.model.needs.unmet_hours_by_type))
        self._open_money(platform_hours)

    def _open_money(self, platform_hours: PerCommunity) -> None:
        """Today's spendable cash and earmarks, capped by what the platform can absorb."""
        street = self.street
        cap = platform_hours * self.model.p.charity_yuan_per_platform_hour
        self.money.open(street.minimum(self.cash + street.row_sums(self.earmarked), cap))

    def _take_donations(self) -> None:
        p, model, street = self.model.p, self.model, self.street
        # Each giver gives today with a small chance: draw how many, then who.
        response = self.response
        chance = street.minimum(p.gifts_per_year / 365 * response, 1.0)
        measured = model.today - p.warmup_days
        half = self.gave_first_half if measured < (p.days - p.warmup_days) / 2 \
            else self.gave_second_half
        chosen = [givers[rng.choice(givers.size, size=rng.binomial(givers.size, chance_k),
                                    replace=False)]
                  for rng, givers, chance_k in zip(self._streams, self.givers,
                                                   street.split(chance), strict=True)]
        donors = chosen[0] if street.one else np.concatenate(chosen)
        if street.one:
            individual = self.capacity[donors].sum() / p.gifts_per_year
        else:   # each community's gifts summed as it alone would sum them
            where = np.repeat(np.arange(street.k), [d.size for d in chosen])
            individual = street.sum(self.capacity[donors], where) / p.gifts_per_year
        if measured >= 0:
            half[donors] = True
        corporate = self.corporate_per_year / 365 * response
        goods = p.supermarket_yuan_per_10k * model.per_10k / 365 * self.trust
        self.gifts_today = {"individual": individual, "corporate": corporate,
                            "goods": goods}
        self._receive_gifts()
        self.trust = self.trust + p.trust_recovery_per_year / 365 * (1 - self.trust)
        self.fatigue = self.fatigue - p.fatigue_recovery_per_year / 365 * self.fatigue

    def _campaign(self, need_type: PerCommunity) -> None:
        """A targeted project campaign for one need type (per community: the one with the
        most unmet hours): earmarked money, then fatigue."""
        p = self.model.p
        regular_month = (self.capacity_total + self.corporate_per_year) / 12
        raised = p.campaign_yield_months * regular_month * self.response
        self._receive_campaign(need_type, raised)
        self.fatigue = self.fatigue + p.donor_fatigue_per_campaign * (1 - self.fatigue)

    def _receive_gifts(self) -> None:
        """Today's gifts (``gifts_today``) into cash and goods."""
        gifts = self.gifts_today
        self.cash = self.cash + (gifts["individual"] + gifts["corporate"])
        self.goods = self.goods + gifts["goods"]
        for source in ("individual", "corporate", "goods"):
            self._received(source, gifts[source])

    def _receive_campaign(self, need_type: PerCommunity, raised: PerCommunity) -> None:
        self.campaign_today = (need_type, raised)
        self.street.add_to_column(self.raised_by_type, need_type, raised)
        self.street.add_to_column(self.earmarked, need_type, raised)
        self._received("campaigns", raised)

    def _received(self, source: str, yuan: PerCommunity) -> None:
        self.received[source] = self.received[source] + yuan
        self.received_today = self.received_today + yuan

    def spendable(self, need_type: int) -> PerCommunity:
        """Money that may go to a need of ``need_type`` today."""
        return self.street.minimum(self.money.remaining,
                                   self.cash + self.street.column(self.earmarked, need_type))

    def spendable_goods(self) -> PerCommunity:
        """Goods (yuan value) that may go to material needs today."""
        return self.goods

    def spend(self, yuan: PerCommunity, need_type: int) -> PerCommunity:
        """Pay up to ``yuan`` for a need of ``need_type``: earmarks first, then cash."""
        street = self.street
        earmarked = street.column(self.earmarked, need_type)
        take = self.money.take(street.minimum(yuan, self.cash + earmarked))
        from_earmark = street.minimum(take, earmarked)
        street.add_to_column(self.earmarked, need_type, -from_earmark)
        self.cash = self.cash - (take - from_earmark)
        self._spent(take, need_type)
        return take

    def spend_goods(self, yuan: PerCommunity) -> PerCommunity:
        street = self.street
        take = street.minimum(street.maximum(yuan, 0.0), self.spendable_goods())
        self.goods = self.goods - take
        self._spent(take, Need.MATERIAL_HARDSHIP)
        return take

    def _spent(self, yuan: PerCommunity, need_type: int) -> None:
        self.spent_total = self.spent_total + yuan
        self.spent_today = self.spent_today + yuan
        self.model.tally[CHARITY_SPENT[need_type]] += yuan

    def end_day(self) -> None:
        self.money.close()

    @property
    def donor_counts(self) -> tuple[PerCommunity, PerCommunity]:
        """(gave in the first half of the measured period, and again in the second), per
        community."""
        first = self.gave_first_half
        return (self.street.count_residents(first),
                self.street.count_residents(first & self.gave_second_half))


class MirroredCharity(CharityPool):
    """The matched control's charity: each day it receives what five-actor linkage's donors
    gave in the twin (gifts, goods, campaign money earmarked to the twin's need type) and
    spends it by the same rules; donors' trust, fatigue and retention are the twin's."""

    def begin_day(self, scandal: PerCommunity, platform_hours: PerCommunity) -> None:
        supply = self.model.twin.supply
        self.received_today, self.campaign_today = self.street.zeros(), None
        self.spent_today = self.street.zeros()
        self.gifts_today = supply.gifts
        self._receive_gifts()
        if supply.campaign is not None:
            self._receive_campaign(*supply.campaign)
        self._open_money(platform_hours)

    @property
    def donor_trust(self) -> PerCommunity:
        return self.model.twin.model.charity.trust

    @property
    def donor_counts(self) -> tuple[PerCommunity, PerCommunity]:
        return self.model.twin.model.charity.donor_counts
