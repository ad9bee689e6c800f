"""CommunityModel: one community under one linkage regime, stepped one day at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from mesa import Model
from mesa.discrete_space import Network

from sim import metrics
from sim.agents import (
    DAYS_PER_MONTH,
    CharityPool,
    CommunityPlatform,
    Resident,
    SocialOrganizations,
    SocialWorkers,
    VolunteerCorps,
)
from sim.disputes import DisputeBook
from sim.needs import NeedBook
from sim.network import build_community
from sim.params import ConfigError, Params
from sim.population import initial_volunteers, make_residents
from sim.regimes import EQUAL_RESOURCES, REGIMES, Actor
from sim.streams import Streams


class CommunityModel(Model):
    """A community of residents on a social network and the actors linked to serve them.

    Args:
        regime: one of ``sim.regimes.REGIMES`` ("three", "five", ablations).
        params: a Params; keyword overrides (``n_residents=2000``) are applied on top.
        rng: integer seed. The same seed gives the same run; exogenous arrivals of needs,
            disputes and shocks are the same under every regime (common random numbers).
    """

    def __init__(self, regime: str = "five", params: Params | None = None, rng=None,
                 **overrides):
        if regime not in REGIMES:
            raise ConfigError(f"regime: must be one of {', '.join(REGIMES)}, got {regime!r}")
        seed = _coerce_seed(rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.regime = regime
        self.p = (params or Params()).replace(**overrides) if overrides else (params or Params())
        self.streams = Streams(seed)
        self.day = 0
        self._build_population()
        self._build_actors()
        self.daily_records: list[dict] = []
        self.running = True

    @property
    def params(self) -> Params:
        """The parameters of this run (``self.p`` is the short name used inside the model)."""
        return self.p

    # --- construction ----------------------------------------------------------------
    def _build_population(self):
        p, rng = self.p, self.streams.population
        self.community = build_community(p, rng)
        self.graph = self.community.graph
        self.residents = make_residents(self.community, p, rng)
        self.per_10k = self.residents.n / 10_000
        self.grid = Network(self.graph, capacity=1, random=self.random, layout=None)
        Resident.create_agents(self, self.residents.n, [self.grid[i] for i in
                                                       range(self.residents.n)])
        edges = self.community.edges
        n = self.residents.n
        ones = np.ones(2 * len(edges))
        rows = np.concatenate([edges[:, 0], edges[:, 1]])
        cols = np.concatenate([edges[:, 1], edges[:, 0]])
        self.adjacency = sp.csr_matrix((ones, (rows, cols)), shape=(n, n))
        # Drawn under every regime so that all later draws stay aligned across regimes.
        self._volunteers0 = initial_volunteers(self.residents, p, rng)

    def _build_actors(self):
        p = self.p
        self.linked = tuple(a for a in REGIMES[self.regime] if self._has_capacity(a))
        self.n_linked = len(self.linked)
        lead = p.party_leadership
        self.dispatch_accuracy = p.base_dispatch_accuracy + lead * (1 - p.base_dispatch_accuracy)
        self.actors = {}
        # Platform first: the charity's absorption depends on its hours.
        self.actors[Actor.PLATFORM] = CommunityPlatform(self)
        extra = self.equal_resources_hours_per_day() if self.regime in EQUAL_RESOURCES else 0.0
        self.actors[Actor.SOCIAL_ORG] = SocialOrganizations(self, extra_hours_per_day=extra)
        self.actors[Actor.SOCIAL_WORKER] = SocialWorkers(self)
        if Actor.VOLUNTEER in self.linked:
            self.actors[Actor.VOLUNTEER] = VolunteerCorps(self, *self._volunteers0)
        if Actor.CHARITY in self.linked:
            self.actors[Actor.CHARITY] = CharityPool(self)
        self.needs = NeedBook(self)
        self.disputes = DisputeBook(self)

    def _has_capacity(self, actor: Actor) -> bool:
        """An actor type with nothing to give is not linked (no channel to maintain)."""
        p = self.p
        if actor == Actor.VOLUNTEER:  # someone registered, active now or recruiting, with time
            hours = p.volunteer_hours_per_month * p.volunteer_dispatch_share
            people = p.volunteer_registration_share * (
                p.volunteer_active_share + p.volunteer_recruitment_per_year)
            return hours > 0 and people > 0
        if actor == Actor.CHARITY:
            return p.individual_giving_yuan_per_capita * p.local_giving_share > 0 or \
                p.supermarket_yuan_per_10k > 0
        return True

    def equal_resources_hours_per_day(self) -> float:
        """Hours and money five-actor linkage mobilises at the start, as purchased hours per day.

        Volunteers: expected dispatchable hours of the initially active volunteers, net of
        role overlap. Charity: expected yearly giving (residents, firms, supermarket and
        campaigns, before fatigue and shocks) turned into hours at the service price.
        """
        p, res = self.p, self.residents
        _, active = self._volunteers0
        volunteer = (active.sum() * 0.8 * p.volunteer_hours_per_month / DAYS_PER_MONTH
                     * p.volunteer_dispatch_share * (1 - p.role_overlap_share))
        regular = res.giving_capacity[res.adult].sum() * (1 + p.corporate_to_individual_ratio)
        campaigns = 365 / p.campaign_interval_days * p.campaign_yield_months * regular / 12
        money = (regular * (1 + p.publicity_effect * p.publicity) + campaigns
                 + p.supermarket_yuan_per_10k * self.per_10k)
        return float(volunteer + money / p.service_cost_yuan_per_hour / 365)

    # --- one day ------------------------------------------------------------------------
    def step(self):
        """One day: shocks and arrivals, budgets, mediation, service, escalation, bookkeeping."""
        day = self.day
        surge, scandal = self._shocks()
        new_needs = self.needs.arrive(day, surge)
        self.disputes.arrive(day)
        self._begin_day(new_needs, scandal)
        self.disputes.intervene(day)
        self.needs.serve()
        self.disputes.evolve(day)
        self.disputes.compact()
        self._update_grievance(self.needs.close_day(day))
        for actor in self.actors.values():
            actor.end_day()
        self.daily_records.append(metrics.daily_record(self))
        self.day += 1
        self.running = self.day < self.p.days

    def _shocks(self):
        """Emergencies hitting a building, and charity scandals (own streams, every regime)."""
        p, rng = self.p, self.streams.emergencies
        building = self.community.building
        surge = []
        for _ in range(rng.poisson(p.emergency_shocks_per_year / 365)):
            hit = np.flatnonzero(building == rng.integers(building.max() + 1))
            surge.append(hit[rng.random(hit.size) < p.emergency_shock_need_prob])
        scandal = self.streams.scandals.poisson(p.trust_shock_prob_per_year / 365) > 0
        surge = np.concatenate(surge) if surge else np.zeros(0, dtype=np.int64)
        return surge, scandal

    def _begin_day(self, new_needs: int, scandal: bool):
        platform = self.actors[Actor.PLATFORM]
        for kind in (Actor.PLATFORM, Actor.SOCIAL_ORG, Actor.SOCIAL_WORKER, Actor.VOLUNTEER):
            if kind in self.actors:
                self.actors[kind].begin_day()
        corps = self.actors.get(Actor.VOLUNTEER)
        overlap = self.p.role_overlap_share * corps.available if corps else 0.0
        platform.overheads(new_needs, overlap)
        charity = self.actors.get(Actor.CHARITY)
        if charity:
            if scandal:
                charity.trust_shock()
            charity.take_donations()
            if self.day > 0 and self.day % self.p.campaign_interval_days == 0:
                charity.campaign(int(np.argmax(self.needs.unmet_hours_by_type)))
            charity.begin_day()

    def _update_grievance(self, unmet_residents: np.ndarray):
        p, res = self.p, self.residents
        np.add.at(res.grievance, unmet_residents, p.grievance_per_unmet_need)
        res.grievance += p.grievance_decay_per_day * (res.baseline_grievance - res.grievance)
        np.clip(res.grievance, 0.0, 1.0, out=res.grievance)

    # --- results ------------------------------------------------------------------------
    def run(self):
        """Step until the horizon and return self."""
        while self.running:
            self.step()
        return self

    def summary(self) -> dict[str, float]:
        """Per-run summary metrics (see sim.metrics.SUMMARY_METRICS)."""
        return metrics.summary(self)

    def daily_frame(self) -> pd.DataFrame:
        """The per-day series so far, one row per day."""
        return pd.DataFrame(self.daily_records)

    def metrics_today(self) -> dict[str, float]:
        """The latest day's record (empty before the first step)."""
        return dict(self.daily_records[-1]) if self.daily_records else {}

    def node_states(self) -> dict[str, np.ndarray]:
        """Per-resident display state: open need, dispute stage, active volunteer, vulnerable."""
        corps = self.actors.get(Actor.VOLUNTEER)
        n = self.residents.n
        return {"open_need": self.residents.open_needs > 0,
                "dispute_stage": self.disputes.resident_stage(n),
                "volunteer": corps.active.copy() if corps else np.zeros(n, dtype=bool),
                "vulnerable": self.residents.vulnerable.copy()}


def _coerce_seed(rng) -> int:
    """Accept an int (or a string of digits, as dashboards send); None draws a fresh seed."""
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    try:
        if isinstance(rng, float) and not rng.is_integer():
            raise ValueError
        seed = int(rng)
    except (TypeError, ValueError):
        raise ConfigError(f"seed: must be a non-negative integer, got {rng!r}") from None
    if seed < 0:
        raise ConfigError(f"seed: must be a non-negative integer, got {rng!r}")
    return seed
