"""CommunityModel: one community (or a street of them) under one linkage regime, stepped
one day at a time.

With ``communities = K`` the model is a street (街道) of K communities simulated together
over shared arrays (``sim.model.street``): each community keeps its own network, residents,
actors' budgets and random streams, and equals what it would be simulated alone.
"""

from __future__ import annotations

import math
import warnings
from functools import partial

import networkx as nx
import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from mesa.agent import AgentSet
from mesa.discrete_space import Network

from . import metrics
from .agents import (
    CharityPool,
    CommunityPlatform,
    MirroredCharity,
    MirroredVolunteers,
    Resident,
    SocialOrganizations,
    SocialWorkers,
    VolunteerCorps,
)
from .controls import FiveTwin, Supply, hand_over
from .dispatch import DispatchRule
from .disputes import DisputeBook
from .errors import SmallCommunityWarning
from .needs import NeedBook
from .network import Community, build_community, join_communities
from .params import PARAM_SPECS, ConfigError, Params
from .population import TRAIT_STREAMS, Population, join_populations, make_population
from .regimes import MATCHED, REGIMES, RESTRICTED, THREE, UNRESTRICTED, Actor, Regime
from .streams import NoDraws, StreetStreams
from .street import PerCommunity, Street

_NO_RESIDENTS = np.zeros(0, dtype=np.int64)


class CommunityModel(Model):
    """A community of residents on a social network and the actors linked to serve them.

    Args:
        regime: one of ``sim.model.regimes.REGIMES`` ("three", "five", ablations, controls).
        params: a Params; keyword overrides (``n_residents=2000``) are applied on top. With
            ``communities = K`` (K > 1) the model is a street of K communities of
            ``n_residents`` each, community k seeded by ``community_seed(rng, k)``.
        rng: integer seed. The same seed gives the same run; exogenous arrivals of needs,
            potential disputes and shocks are the same under every regime.
        graph: a networkx Graph to use as the residents' network (instead of generating one
            or reading ``network_file``); node attributes household, building, age are used.
        resident_reporters: Mesa agent reporters for residents (e.g. ``{"grievance":
            "grievance"}``), collected every day; off by default because they are slow.
        log_disputes: keep every dispute event in ``model.disputes.events``.
        twin: for a control regime, the five-actor twin to read five's resources from
            (``sim.model.controls.FiveTwin``, shared by the controls of one run); by default
            the control builds its own.
        first_community: the street-wide index of this model's first community: the model
            then holds communities ``first_community`` to ``first_community + K - 1`` of a
            larger street, each exactly as in the whole street (a part of a street run in
            its own process, ``sim.model.run.simulate_regimes(workers=...)``).

    Subclasses change a mechanism by overriding its class attribute (``need_book``,
    ``dispute_book``, ``dispatch_rule``) with a subclass of the original; see docs/ODD.md.
    A subclass may add metrics: it lists them in ``extra_metrics`` and keeps their counts
    in ``extra_counts`` (or computes them in ``extra_summary``); runs then report them
    beside the catalogue's.
    """

    need_book = NeedBook
    dispute_book = DisputeBook
    dispatch_rule = DispatchRule
    # Metrics a subclass adds to every summary (sim.model.Metric entries, names not in the
    # catalogue): stored, reported and queryable like the catalogue's own.
    extra_metrics: tuple[metrics.Metric, ...] = ()
    # Keep the daily record and the DataCollector's series (off for a control's five twin,
    # of which only what it mobilises each day is read).
    keeps_daily_series = True

    def __init__(self, regime: str = "five", params: Params | None = None, rng=None, *,
                 graph: nx.Graph | None = None, resident_reporters: dict | None = None,
                 log_disputes: bool = False, twin: FiveTwin | None = None,
                 first_community: int = 0, **overrides):
        if regime not in REGIMES:
            raise ConfigError(f"regime: must be one of {', '.join(REGIMES)}, got {regime!r}")
        seed = _coerce_seed(rng)
        super().__init__(rng=seed)
        # One source of randomness: sim.model.streams. Mesa's generators are replaced by guards.
        self.random, self.rng = NoDraws("random"), NoDraws("rng")
        self.seed = seed
        self.regime_name = regime
        self.regime: Regime = REGIMES[regime]
        self.p = _params(params, overrides)
        self.first_community = first_community
        self.streams = StreetStreams(seed, self.p.communities, first_community)
        self.tally = metrics.Tally(self.p.communities)
        self.log_disputes = log_disputes
        # What five's volunteers and donors gave today, recorded when this model is a twin.
        self.supply: Supply | None = None
        self._build_population(graph, sized="n_residents" in overrides or (
            params is not None and params.n_residents != PARAM_SPECS["n_residents"].default))
        self._build_actors(graph, twin)
        self._residents: AgentSet | None = None
        if resident_reporters:
            self.residents()
        # The daily record, and every summary metric of the catalogue, filled in on the
        # last day only (NaN before): what mesa.batch_run reads of a finished run. The
        # three names the daily record also uses keep their daily meaning there; their
        # summaries are "summary_<name>".
        reporters = {name: partial(_today, name) for name in metrics.DAILY_COLUMNS}
        reporters.update({(f"summary_{name}" if name in reporters else name):
                          partial(_final, name)
                          for name in (*metrics.METRICS, *(m.name for m in self.extra_metrics))})
        self.datacollector = NumberCollector(
            model_reporters=reporters,
            agenttype_reporters={Resident: resident_reporters} if resident_reporters else None)
        self._final_summary: dict[str, float] = {}
        self.measured_counts_start: dict[str, PerCommunity] = {}
        self.volunteers_at_measure_start = self.population.active.copy()
        self.record: dict[str, float] = {}
        self.running = True

    # --- the clock ---------------------------------------------------------------------
    # One step is one day: Mesa's ``steps`` counts the days completed, and ``today`` is the
    # model's one clock, read by every submodel (nothing passes the day around).
    @property
    def today(self) -> int:
        """Index of the day being simulated (0 on the first day), during a step."""
        return self.steps - 1

    @property
    def measuring(self) -> bool:
        """True once the warm-up is over (metrics count from here)."""
        return self.today >= self.p.warmup_days

    @property
    def params(self) -> Params:
        """The parameters of this run (``self.p`` inside the model)."""
        return self.p

    # --- construction ----------------------------------------------------------------
    def _build_population(self, graph, sized: bool):
        """The network and the residents. A graph (given or read from ``network_file``)
        sets the number of residents; one also given (``sized``) must agree with it."""
        p = self.p
        if graph is None and p.network_file:   # read once for all communities of a street
            from .graphfile import load_graph
            graph = load_graph(p.network_file)
        parts = self.streams.split("population", 1 + len(TRAIT_STREAMS))
        communities = [build_community(p, streams[0], graph) for streams in parts]
        size = communities[0].n
        if size != p.n_residents:  # a graph's own size is the truth
            if sized:
                raise ConfigError(f"n_residents: {p.n_residents} conflicts with the graph, "
                                  f"which has {size} nodes; leave n_residents "
                                  "out (the graph sets it)")
            self.p = p = p.replace(n_residents=size)
        populations = [make_population(c, p, streams[1:])
                       for c, streams in zip(communities, parts, strict=True)]
        self.street = Street([c.n for c in communities])
        self.community: Community = join_communities(communities)
        self.population: Population = join_populations(populations)
        self.per_10k = size / 10_000    # of each community (all of one size)
        # Each community's buildings, numbered community after community (emergency shocks).
        self._buildings = [int(c.building.max()) + 1 for c in communities]
        self._building_first = np.cumsum([0] + self._buildings[:-1]).tolist()
        by_building = np.argsort(self.community.building, kind="stable")
        self._building_residents = (by_building, np.searchsorted(
            self.community.building[by_building], np.arange(sum(self._buildings) + 1)))
        warning = p.size_warning(size)
        if warning:
            warnings.warn(warning, SmallCommunityWarning, stacklevel=3)

    def _build_actors(self, graph, twin: FiveTwin | None):
        p, regime, street = self.p, self.regime, self.street
        # The actor types each community links (those with something to give); communities
        # linking the same types form a group (one group, unless a community of a street has
        # no volunteers or no donors at all).
        per_community = [tuple(a for a in regime.actors if self._has_capacity(a, k))
                         for k in range(street.k)]
        self.group_linked: list[tuple[Actor, ...]] = list(dict.fromkeys(per_community))
        self.group_of = np.array([self.group_linked.index(g) for g in per_community])
        self.linked = tuple(a for a in regime.actors
                            if any(a in g for g in self.group_linked))
        self.twin = twin or (self._own_twin(graph) if regime.control else None)
        self.dispatch_rules = [self.dispatch_rule.for_linkage(
            p, self._linked_count(g, "shared_registry")) for g in self.group_linked]
        self.dispatch = self.dispatch_rules[0]
        self.platform = CommunityPlatform(self, self.linked_count("coordination_cost"),
                                          self.linked_count("admin_overload"))
        self.social_orgs = SocialOrganizations(self)
        self.social_workers = SocialWorkers(self)
        matched = regime.control == MATCHED
        if matched and self.twin:   # volunteer state is the twin's, which alone writes it
            for name in ("registered", "active", "motivation", "ever_active"):
                setattr(self.population, name, getattr(self.twin.model.population, name))
        volunteers, charity = (MirroredVolunteers, MirroredCharity) if matched \
            else (VolunteerCorps, CharityPool)
        self.volunteers = volunteers(self) if Actor.VOLUNTEER in self.linked else None
        self.charity = charity(self) if Actor.CHARITY in self.linked else None
        # The day's phases are driven through these sets (Mesa's AgentSet.do), in this
        # order: the actors who work in hours, and every linked actor.
        workers = [a for a in (self.platform, self.social_orgs, self.social_workers,
                               self.volunteers) if a is not None]
        self.workers = AgentSet(workers, random=NoDraws("random"))
        self.linked_actors = AgentSet([*workers, *filter(None, [self.charity])],
                                      random=NoDraws("random"))
        # Kind -> agent, looked up many times a day (see ``actor``); the agents never change.
        self._agent_of = {Actor.PLATFORM: self.platform, Actor.SOCIAL_ORG: self.social_orgs,
                          Actor.SOCIAL_WORKER: self.social_workers,
                          Actor.VOLUNTEER: self.volunteers, Actor.CHARITY: self.charity}
        self.needs = self.need_book(self)
        self.disputes = self.dispute_book(self)
        self.surge: PerCommunity = street.zeros()
        self.mobilised_today: PerCommunity = street.zeros()
        self._vulnerable = [np.flatnonzero(self.population.vulnerable[a:b]) + a
                            for a, b in street.ranges]
        self._emergency_streams = self.streams.of("emergencies")
        self._scandal_streams = self.streams.of("scandals")
        self._visit_streams = self.streams.of("home_visits")
        self.dispute_hours_today: dict[Actor, PerCommunity] = {}

    def _has_capacity(self, actor: Actor, k: int = 0) -> bool:
        """An actor type with nothing to give in community ``k`` is not linked there (no
        channel to maintain).

        Follows the rules the dynamics use: volunteers give time if someone is active, or
        registered and able to reactivate (recruitment needs active volunteers to start);
        the charity gives if residents or firms give or the supermarket takes goods.
        """
        p, pop = self.p, self.population
        mine = slice(int(self.street.first[k]), int(self.street.first[k + 1]))
        if actor == Actor.VOLUNTEER:
            hours = p.volunteer_hours_per_month * p.volunteer_dispatch_share > 0
            people = pop.active[mine].any() or (pop.registered[mine].any()
                                                and p.volunteer_reactivation_per_year > 0)
            return bool(hours and people)
        if actor == Actor.CHARITY:
            return bool(pop.giving_capacity[mine].sum() > 0 or p.supermarket_yuan_per_10k > 0)
        return True

    def linked_in(self, actor: Actor) -> PerCommunity:
        """1 where a community links ``actor``, else 0 (an int, or ints per community)."""
        flags = [int(actor in g) for g in self.group_linked]
        return flags[0] if self.street.one else np.array(flags)[self.group_of]

    def _own_twin(self, graph) -> FiveTwin:
        """A five-actor twin for this control alone (of which only what it mobilises is read)."""
        five = type(self)(regime="five", params=self.p, rng=self.seed, graph=graph,
                          first_community=self.first_community)
        five.keeps_daily_series = False
        return FiveTwin(five)

    def linked_count(self, mechanism: str) -> PerCommunity:
        """Linked actor types as ``mechanism`` counts them, per community: all of them, or,
        where the regime withholds the mechanism (the matched control), the three core
        types only."""
        counts = [self._linked_count(g, mechanism) for g in self.group_linked]
        return counts[0] if self.street.one else np.array(counts)[self.group_of]

    def _linked_count(self, linked: tuple[Actor, ...], mechanism: str) -> int:
        if self.regime.links(mechanism):
            return len(linked)
        return sum(a in THREE for a in linked)

    def actor(self, kind: Actor):
        """The agent standing for one actor kind."""
        return self._agent_of[kind]

    @property
    def actors(self) -> dict[Actor, object]:
        """The linked actors' agents by kind (also in Mesa's ``agents_by_type``)."""
        return {kind: self.actor(kind) for kind in self.linked}

    # --- one day ------------------------------------------------------------------------
    def step(self):
        """One day: shocks and arrivals, budgets and transfers, discovery, mediation and
        service, escalation, bookkeeping."""
        p, today = self.p, self.today
        if self.twin:
            self.twin.advance(today)
        shock_residents, scandal = self._shocks()
        visible = self.needs.arrive(shock_residents)
        self.disputes.arrive()
        self._open_budgets(scandal)
        ties = self.volunteers.active_ties() if self.volunteers else None
        if self.supply is not None:
            self.supply.ties = None if ties is None else ties.copy()
        gain = self._supervise()
        visited = self._home_visits()
        visible = visible + self.needs.discover(self._ties_for("volunteer_discovery", ties),
                                                visited)
        known = self.disputes.reignite() + self.disputes.detect(
            self._ties_for("early_detection", ties))
        self.platform.charge("intake", (visible + known) * p.intake_hours_per_case)
        self.disputes.intervene(p.dispute_hours_share, gain)
        self.needs.serve(self._ties_for("neighbour_trust", ties), gain)
        self.disputes.intervene(1.0, gain)   # leftovers of the day
        self.disputes.evolve()
        self.disputes.compact()
        self.population.grieve(self.needs.close_day(), p.grievance_per_unmet_need,
                               p.grievance_decay_per_day)
        self._close_budgets()
        if today + 1 == p.warmup_days:
            self._start_measuring()
        self.running = self.steps < p.days
        if self.measuring and self.keeps_daily_series:
            self.record = metrics.daily_record(self)
            self.datacollector.collect(self)

    def _shocks(self) -> tuple[list[np.ndarray], PerCommunity]:
        """Emergencies hitting a building, and charity scandals (own streams, every regime):
        per community, the residents hit and whether a scandal broke."""
        p, street = self.p, self.street
        by_building, bounds = self._building_residents
        rate = p.emergency_shocks_per_10k * self.per_10k / 365
        hit_residents, shocks = [], []
        for k, rng in enumerate(self._emergency_streams):
            hit = []
            for _ in range(rng.poisson(rate)):
                b = self._building_first[k] + int(rng.integers(self._buildings[k]))
                residents = by_building[bounds[b]:bounds[b + 1]]
                hit.append(residents[rng.random(residents.size) < p.emergency_shock_need_prob])
            hit_residents.append(np.concatenate(hit) if hit else _NO_RESIDENTS)
            shocks.append(len(hit))
        scandals = [rng.poisson(p.trust_shock_prob_per_year / 365) > 0
                    for rng in self._scandal_streams]
        scandal = scandals[0] if street.one else np.array(scandals)
        # The surge after a shock fades exponentially (volunteers and donors respond).
        self.surge *= np.exp(-1 / p.surge_decay_days)
        self.surge += p.surge_elasticity * (shocks[0] if street.one else np.array(shocks))
        return hit_residents, scandal

    def _ties_for(self, mechanism: str, ties: np.ndarray | None) -> np.ndarray | None:
        """The volunteers' ties, for a linkage mechanism that uses them if it acts."""
        return ties if self.regime.links(mechanism) else None

    def _open_budgets(self, scandal: PerCommunity):
        """Every actor sets today's budget; then the day's explicit transfers between them."""
        p, regime, street = self.p, self.regime, self.street
        self.dispute_hours_today = {a: street.zeros() for a in Actor}
        self.workers.do("begin_day")
        mobilised = street.zeros()
        if self.volunteers:  # hours volunteered by staff and Party members are not extra
            overlap = 0.0
            if regime.links("role_overlap"):
                overlap = p.role_overlap_share * self.volunteers.hours.available
                self.platform.charge("overlap", overlap)
            mobilised = mobilised + (self.volunteers.hours.available - overlap)
        self.platform.charge("coordination", self.platform.coordination_per_day)
        if self.charity:
            self.charity.begin_day(scandal, self.platform.hours.remaining)
            mobilised = mobilised + self.charity.received_today / p.service_cost_yuan_per_hour
        if regime.control in (RESTRICTED, UNRESTRICTED) and self.twin:
            granted = self.twin.mobilised_today
            hand_over(self.social_orgs, regime.control, granted, p.service_cost_yuan_per_hour)
            mobilised = mobilised + granted
        self.mobilised_today = mobilised
        self.tally["extra_resource_hours"] += mobilised
        if self.supply is not None:
            self._record_supply(self.supply)

    def _record_supply(self, supply: Supply) -> None:
        """As a twin: what five's volunteers and donors gave today (see sim.model.controls)."""
        corps, charity = self.volunteers, self.charity
        supply.volunteer_hours = corps.hours.available if corps else self.street.zeros()
        supply.skilled_hours = corps.skilled.available if corps else self.street.zeros()
        supply.gifts = dict(charity.gifts_today) if charity else {}
        supply.campaign = charity.campaign_today if charity else None

    def _supervise(self) -> PerCommunity:
        """Social workers supervise today's volunteer hours; return the volunteers' gain
        (per community)."""
        p, street = self.p, self.street
        if not self.volunteers or p.supervision_hours_per_volunteer_hour <= 0 \
                or not self.regime.links("supervision"):
            return street.zeros()
        wanted = p.supervision_hours_per_volunteer_hour * self.volunteers.hours.available
        if street.one and wanted <= 0:
            return 0.0
        cap = p.supervision_max_share * self.social_workers.hours.available
        given = self.social_workers.set_aside("supervision", street.minimum(wanted, cap))
        if street.one:
            return p.supervision_gain * given / wanted
        return np.divide(p.supervision_gain * given, wanted, out=np.zeros(street.k),
                         where=wanted > 0)

    def _home_visits(self) -> np.ndarray:
        """Social workers visit vulnerable residents at random (each community its own);
        return who was visited."""
        p, street = self.p, self.street
        hours = self.social_workers.set_aside(
            "home_visits", p.home_visit_share * self.social_workers.hours.available)
        visits = hours // p.home_visit_hours
        chosen = []
        for k, (rng, candidates) in enumerate(zip(self._visit_streams, self._vulnerable,
                                                  strict=True)):
            due = int(street.at(visits, k))
            if due == 0 or candidates.size == 0:
                continue
            chosen.append(rng.choice(candidates, size=min(due, candidates.size), replace=False))
        if not chosen:
            return _NO_RESIDENTS
        return chosen[0] if len(chosen) == 1 else np.concatenate(chosen)

    def _close_budgets(self):
        if self.charity and self.regime.links("crowd_out"):
            self.social_orgs.note_charity(self.charity.spent_today)
        if self.volunteers:
            active = self.volunteers.active_count()
            self.tally["volunteer_active_days"] += active
            if self.supply is not None:
                self.supply.active_volunteers = active
        self.linked_actors.do("end_day")

    def _start_measuring(self):
        """End of the warm-up: metrics count from the next day."""
        self.measured_counts_start = metrics.snapshot(self)
        self.volunteers_at_measure_start = self.population.active.copy()

    # --- Mesa views, built when asked for -----------------------------------------------
    @property
    def graph(self) -> nx.Graph:
        """The residents' network as a networkx Graph (built on first use)."""
        return self.community.graph

    def residents(self) -> AgentSet:
        """The residents as Mesa agents, one ``Resident`` per network node, each on its cell
        of the ``Network`` space (``model.network``).

        Built on the first call, not before: a community has thousands of residents and a
        day needs none of them as objects (their state lives in ``model.population``). Once
        built they are also in ``model.agents`` and ``model.agents_by_type[Resident]``,
        which otherwise hold only the actors.
        """
        if self._residents is None:
            self._network = Network(self.graph, capacity=1, random=NoDraws("random"),
                                    layout=None)
            cells = [self._network[i] for i in range(self.population.n)]
            self._residents = Resident.create_agents(self, self.population.n, cells)
        return self._residents

    @property
    def network(self) -> Network:
        """The Mesa ``Network`` space holding the residents (built with ``residents()``)."""
        self.residents()
        return self._network

    # --- results ------------------------------------------------------------------------
    def summary(self) -> dict[str, float]:
        """Per-run summary metrics (see sim.model.metrics.METRICS, then ``extra_metrics``),
        over the measured days."""
        return {**metrics.summary(self), **self.extra_summary(metrics.measured(self))}

    def extra_counts(self) -> dict[str, float]:
        """A subclass's own cumulative counts since day 0, by name (names not among the
        model's counts). They are measured like the model's: the count at the end of the
        warm-up is subtracted, and the counts of a street's communities are added up."""
        return {}

    @classmethod
    def extra_summary(cls, counts: dict[str, float]) -> dict[str, float]:
        """The values of ``extra_metrics`` from the measured (pooled) counts: by default
        each metric is the count of the same name. Override for ratios and the like."""
        return {m.name: float(counts.get(m.name, float("nan"))) for m in cls.extra_metrics}

    def daily_frame(self) -> pd.DataFrame:
        """The per-day series of the measured days so far, one row per day."""
        return metrics.derive_daily(self.daily_record_frame())

    def daily_record_frame(self) -> pd.DataFrame:
        """The DataCollector's daily record (its columns of summary metrics left out)."""
        frame = self.datacollector.get_model_vars_dataframe()
        return frame[list(metrics.DAILY_COLUMNS)].reset_index(drop=True)

    def metrics_today(self) -> dict[str, float]:
        """The latest measured day's record, shares included (empty before the first)."""
        if not self.record:
            return {}
        return metrics.derive_daily(pd.DataFrame([self.record])).iloc[0].to_dict()

    def node_states(self) -> dict[str, np.ndarray]:
        """Per-resident display state: open need, dispute stage, active volunteer, vulnerable."""
        pop = self.population
        volunteer = pop.active.copy() if self.volunteers else np.zeros(pop.n, dtype=bool)
        return {"open_need": pop.open_needs > 0, "dispute_stage": self.disputes.resident_stage(),
                "volunteer": volunteer, "vulnerable": pop.vulnerable.copy()}


class NumberCollector(DataCollector):
    """Mesa's DataCollector for model reporters that return numbers.

    Mesa stores a deep copy of every model reporter's value every day, in case a reporter
    returns an object that later changes. A number cannot change, and every model reporter
    here returns one (``_today``, ``_final``); without the copies and Mesa's per-reporter
    type checks an 800-resident, 120-day run (103 reporters a day) took 0.163-0.172 s
    instead of 0.188 s (2026-12-03). The agent-type reporters are recorded as Mesa records
    them.
    """

    def collect(self, model):
        self._collection_steps.append(model.time)
        for name, reporter in self.model_reporters.items():
            self.model_vars[name].append(reporter(model))
        if self.agenttype_reporters:
            self._agenttype_records[model.time] = {
                agent_type: list(self._record_agenttype(model, agent_type))
                for agent_type in self.agenttype_reporters}


def _today(name: str, model: CommunityModel):
    """A DataCollector model reporter (as ``partial(_today, name)``): a field of today's record."""
    return model.record[name]


def _final(name: str, model: CommunityModel) -> float:
    """A DataCollector model reporter of a summary metric: its value once the run has
    reached its horizon (computed once), NaN on the days before."""
    if model.running:
        return math.nan
    if not model._final_summary:
        model._final_summary = model.summary()
    return model._final_summary[name]


def _params(params: Params | None, overrides: dict) -> Params:
    base = params or Params()
    return base.replace(**overrides) if overrides else base


def _coerce_seed(rng) -> int:
    """Accept an int (or a string of digits, as dashboards send); None draws a fresh seed."""
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    try:
        if isinstance(rng, bool) or (isinstance(rng, float) and not rng.is_integer()):
            raise ValueError
        seed = int(rng)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"seed: must be a non-negative integer, got {str(rng)[:40]!r}") \
            from None
    if not 0 <= seed < 2**63:
        raise ConfigError(f"seed: must be an integer in [0, 2^63), got {str(rng)[:40]}")
    return seed
