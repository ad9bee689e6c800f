"""Disputes between tied residents: onset, detection, intervention, escalation, re-ignition.

Stages follow Glasl's escalation model, grouped: friction, open conflict, formal complaint
and court (absorbing; counts as escalated). Most frictions die out by themselves (the
dispute pyramid). Disputes are held as a structure of arrays, like needs.

**Same dispute, same fate unless treated.** Potential disputes arrive on network ties from
their own stream (the same under every regime) and each carries an identity; every later
event (whether it starts at all, escalation or dying out on each day, being reported,
re-igniting, and the outcome of each intervention) uses the dispute's own dice
(``sim.model.streams.Streams.uniform``). A dispute nobody treats thus follows the same path under
every regime, as long as the parties' grievance is the same. A tie may carry several
disputes at once, so no onset depends on what happened to another dispute.

**Feedbacks.** A potential dispute starts with a chance that rises with the parties'
grievance above their baseline (``grievance_onset_weight``: unmet needs feed conflict);
escalation rises with their current grievance and with the days a dispute is left
unattended. Mediators share their day with needs (``dispute_hours_share``): with less than
the whole day, disputes reach overloaded staff late.

**Detection and intervention.** The platform learns of formal complaints at once, of open
conflicts with a daily chance, and of frictions only through volunteers among the parties'
ties. Known disputes are dispatched like needs (``sim.model.dispatch``: picked up at once or after
a wait, best-matched mediator first unless dispatch errs). An intervention succeeds, fails
or, for a volunteer, may backfire; a success either truly resolves the grievance or only
closes the case, and closed cases may re-ignite one stage higher. Disputes that died out by
themselves may re-ignite too.

**A street.** With several communities each dispute carries its community: potential
disputes arrive on each community's own ties from its own stream, and its mediators are its
own community's (``sim.model.street``). The event log then names a dispute by its identity
with the community in the bits above 48 (``(k << 48) | id``; the same ids for one community).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .capabilities import (
    COMPLAINT,
    CONFLICT,
    COURT,
    FRICTION,
    MEDIATION_PREFERENCE,
    MEDIATOR_ACTOR,
    Mediator,
)
from .regimes import Actor
from .streams import Draw
from .street import PerCommunity

OPEN, CLOSED, LUMPED = 0, 1, 2   # open, closed-but-unresolved (latent), died out (latent)
_FIELDS = {"id": np.uint64, "community": np.int64, "edge": np.int64, "a": np.int64,
           "b": np.int64,
           "onset": np.int64, "stage": np.int64, "status": np.int64, "known": bool,
           "known_day": np.int64, "next_try": np.int64, "last_attention": np.int64,
           "quiet_since": np.int64, "assigned_day": np.int64, "late": bool,
           "first_choice": np.int64, "mediator": np.int64, "effort": np.float64,
           "attempts": np.int64, "mediated": bool, "complained": bool, "reignited": bool,
           "cohort": bool}
# At most this excess grievance (summed over the two parties) raises the onset rate.
_EXCESS_CAP = 2.0
_COMMUNITY_SHIFT = np.uint64(48)   # the community's bits in the event log's dispute names


class DisputeBook:
    """Open and latent disputes as arrays, plus what the run has tallied."""

    def __init__(self, model):
        self.model = model
        p, street = model.p, model.street
        self.street = street
        edges = model.community.edges
        g0 = model.population.baseline_grievance
        weight = g0[edges[:, 0]] + g0[edges[:, 1]] if edges.size else np.zeros(0)
        # Each community's ties are one block of the edges (numbered community after
        # community); the weights are summed up within each block.
        bounds = np.searchsorted(edges[:, 0], street.first).tolist() if edges.size \
            else [0] * (street.k + 1)
        self._edge_bounds = list(pairwise(bounds))
        self.cum_weight = np.concatenate([np.cumsum(weight[a:b])
                                          for a, b in self._edge_bounds]) if edges.size \
            else np.zeros(0)
        self._streams = model.streams.of("potential_disputes")
        self.edges = edges
        self.max_onset_factor = 1 + p.grievance_onset_weight * _EXCESS_CAP
        self.daily_potential = p.dispute_rate_per_10k * model.per_10k / 365 \
            * self.max_onset_factor
        self.escalation = np.array([p.escalation_friction, p.escalation_conflict,
                                    p.escalation_complaint]) * p.escalation_hazard_scale
        self.lumping = np.array([p.lumping_friction, p.lumping_conflict, p.lumping_complaint])
        self.hours = p.table("mediation_hours")
        self.success = p.table("mediation_success")
        self.true_resolution = p.table("true_resolution")
        backfire = p.volunteer_backfire_prob if model.regime.links("volunteer_backfire") else 0.0
        self.backfire = backfire * p.table("backfire_stage_weight")
        # Mediators per group of communities linking the same actor types (model.groups).
        self.group_mediators = [self._linked_mediators(linked) for linked in model.group_linked]
        self.mediators = self.group_mediators[0]
        self.cols = {k: np.zeros(0, dtype=t) for k, t in _FIELDS.items()}
        # cohort disputes ended, by how (per community)
        self.ended = {"court": street.zeros(), "resolved": street.zeros()}
        # Optional history of every event, (day, dispute id, event, stage): for tests and
        # for researchers tracing single disputes; off by default (it costs time).
        self.events: list[tuple[int, int, str, int]] | None = [] if model.log_disputes else None

    @property
    def n(self) -> int:
        return self.cols["id"].size

    # --- onset -----------------------------------------------------------------------
    def arrive(self) -> None:
        """Draw today's potential disputes on each community's ties (its own stream); start
        those grievance allows."""
        model, day = self.model, self.model.today
        edges, counts, communities = [], [], []
        for k, (rng, (first, last)) in enumerate(zip(self._streams, self._edge_bounds,
                                                      strict=True)):
            cum = self.cum_weight[first:last]
            if cum.size == 0 or cum[-1] <= 0:
                continue
            count = rng.poisson(self.daily_potential)
            if count == 0:  # most days in a small community
                continue
            picks = np.searchsorted(cum, rng.random(count) * cum[-1], side="right")
            edges.append(np.minimum(picks, cum.size - 1) + first)
            counts.append(count)
            communities.append(k)
        if not edges:
            return
        edge = np.concatenate(edges)
        where_ = np.repeat(communities, counts)
        serial = np.arange(edge.size) - np.repeat(np.cumsum(counts) - counts, counts)
        ids_ = (np.uint64(day) << np.uint64(32)) | serial.astype(np.uint64)
        a, b = self.edges[edge, 0], self.edges[edge, 1]
        pop = model.population
        excess = np.maximum(pop.grievance[a] - pop.baseline_grievance[a], 0) \
            + np.maximum(pop.grievance[b] - pop.baseline_grievance[b], 0)
        factor = 1 + model.p.grievance_onset_weight * np.minimum(excess, _EXCESS_CAP)
        start = model.streams.uniform(Draw.DISPUTE_ONSET, ids_, 0, where_) \
            < factor / self.max_onset_factor
        n = int(start.sum())
        measured = model.measuring
        new = {"id": ids_[start], "community": where_[start], "edge": edge[start],
               "a": a[start], "b": b[start],
               "onset": np.full(n, day), "stage": np.full(n, FRICTION),
               "status": np.full(n, OPEN), "known": np.zeros(n, bool),
               "known_day": np.full(n, -1), "next_try": np.full(n, day),
               "last_attention": np.full(n, day), "quiet_since": np.full(n, -1),
               "assigned_day": np.full(n, -1), "late": np.zeros(n, bool),
               "first_choice": np.full(n, -1), "mediator": np.full(n, -1),
               "effort": np.zeros(n), "attempts": np.zeros(n), "mediated": np.zeros(n, bool),
               "complained": np.zeros(n, bool), "reignited": np.zeros(n, bool),
               "cohort": np.full(n, measured)}
        for key, v in new.items():
            self.cols[key] = np.concatenate([self.cols[key], v.astype(_FIELDS[key])])
        model.tally["disputes_onsets"] += self.street.count(where_, start)
        self._log(np.arange(self.n - n, self.n), day, "onset")

    # --- re-ignition and detection -----------------------------------------------------
    def reignite(self) -> PerCommunity:
        """Latent disputes flare up one stage higher; closed cases come back to the platform.
        Return how many became known to the platform, per community."""
        c, p, day, street = self.cols, self.model.p, self.model.today, self.street
        latent = np.flatnonzero(c["status"] != OPEN)
        if latent.size == 0:
            return street.zeros()
        hazard = p.reignition_per_year / 365 * np.where(
            c["status"][latent] == LUMPED, p.lumped_reignition_factor, 1.0)
        up = latent[self.model.streams.uniform(Draw.DISPUTE_REIGNITION, c["id"][latent], day,
                                               street.tag(c["community"], latent)) < hazard]
        if up.size == 0:  # most days
            return street.zeros()
        was_closed = c["status"][up] == CLOSED
        self._set_stage(up, np.minimum(c["stage"][up] + 1, COMPLAINT), day)
        c["status"][up] = OPEN
        newly_known = up[~c["known"][up] & (was_closed | (c["stage"][up] >= COMPLAINT))]
        self._make_known(newly_known, day)
        c["next_try"][up] = day
        c["last_attention"][up] = day
        self.model.tally["disputes_reignited"] += street.count_rows(c["community"], up)
        c["reignited"][up] = True
        self._log(up, day, "reignited")
        return street.count_rows(c["community"], newly_known)

    def detect(self, volunteer_ties: np.ndarray | None) -> PerCommunity:
        """Open disputes come to the platform's attention; return how many did today, per
        community."""
        c, p, streams, day = self.cols, self.model.p, self.model.streams, self.model.today
        unknown = np.flatnonzero((c["status"] == OPEN) & ~c["known"])
        if unknown.size == 0:
            return self.street.zeros()
        stage, ids = c["stage"][unknown], c["id"][unknown]
        where = self.street.tag(c["community"], unknown)
        seen = stage >= COMPLAINT
        seen |= (stage == CONFLICT) & (streams.uniform(Draw.DISPUTE_REPORT, ids, day, where)
                                       < p.conflict_report_prob)
        if volunteer_ties is not None:  # frictions: only volunteers among the parties see them
            ties = volunteer_ties[c["a"][unknown]] + volunteer_ties[c["b"][unknown]]
            chance = 1 - (1 - p.volunteer_detection_prob) ** ties
            seen |= (stage == FRICTION) & (streams.uniform(Draw.DISPUTE_DETECTION, ids, day,
                                                           where) < chance)
        self._make_known(unknown[seen], day)
        return self.street.count(where, seen)

    def _make_known(self, idx: np.ndarray, day: int) -> None:
        self.cols["known"][idx] = True
        self.cols["known_day"][idx] = day

    # --- intervention ------------------------------------------------------------------
    def intervene(self, share_of_day: float, volunteer_gain: PerCommunity) -> None:
        """Dispatch mediators to the known open disputes that are due, latest stage first.

        A mediator spends on disputes at most ``share_of_day`` of its hours of the day
        (counting what it already spent on them today); a dispute no linked mediator can
        take waits for the next pass or the next day. Each community's disputes get its own
        mediators (``volunteer_gain``: the supervision gain of each community's volunteers).
        """
        c, day = self.cols, self.model.today
        due = np.flatnonzero((c["status"] == OPEN) & c["known"] & (c["next_try"] <= day))
        if due.size == 0 or not self.mediators:
            return
        self._assign(due, day)
        due = due[c["assigned_day"][due] <= day]
        # Latest stage first; a dispute nobody picked up at once waits behind the others.
        keys = (c["onset"][due], -c["stage"][due], c["late"][due])
        due = due[np.lexsort(keys if self.street.one else (*keys, c["community"][due]))]
        for i in due.tolist():
            self._dispatch(i, day, share_of_day, volunteer_gain)

    def _assign(self, due: np.ndarray, day: int) -> None:
        """Once per dispute: picked up at once or after a wait, and who tries first."""
        c, model, streams = self.cols, self.model, self.model.streams
        new = due[c["assigned_day"][due] < 0]
        if new.size == 0:
            return
        ids, where = c["id"][new], self.street.tag(c["community"], new)
        u_pick, u_wrong, u_which = streams.uniforms(
            [(Draw.DISPUTE_PICKUP, 0), (Draw.DISPUTE_DISPATCH_ERROR, 0),
             (Draw.DISPUTE_DISPATCH_ERROR, 1)], ids, where)
        rules, groups = model.dispatch_rules, self.group_mediators
        if len(rules) == 1:
            group = np.zeros(new.size, dtype=np.int64)
        else:
            group = model.group_of[where]
        k = np.array([len(m) for m in groups])[group]
        now = np.zeros(new.size, dtype=bool)
        delay = np.zeros(new.size, dtype=np.int64)
        wrong = np.zeros(new.size, dtype=bool)
        for g, rule in enumerate(rules):   # one group unless communities link differently
            mine = slice(None) if len(rules) == 1 else group == g
            now[mine] = u_pick[mine] < rule.pickup_now(k[mine])
            delay[mine] = rule.delay_days
            wrong[mine] = u_wrong[mine] >= rule.accuracy
        c["assigned_day"][new] = np.where(now, day, day + delay)
        c["late"][new] = ~now
        which = (u_which * k).astype(np.int64)
        table = np.full((len(groups), len(Mediator)), -1, dtype=np.int64)
        for g, mediators in enumerate(groups):
            table[g, : len(mediators)] = mediators
        c["first_choice"][new] = np.where(wrong, table[group, which], -1)

    def _dispatch(self, i: int, day: int, share_of_day: float,
                  volunteer_gain: PerCommunity) -> None:
        """Give dispute ``i`` today's hours of a mediator of its community; the outcome
        comes when the intervention has had all the hours its stage takes (over several
        days if needed: a formal complaint may need more than a small community's mediator
        has in a day)."""
        c, model, street = self.cols, self.model, self.street
        k = int(c["community"][i])
        stage = int(c["stage"][i])
        ongoing = int(c["mediator"][i])
        if ongoing >= 0:  # the mediator who started carries on
            order = [Mediator(ongoing)]
        else:
            mediators = self.mediators if street.one \
                else self.group_mediators[model.group_of[k]]
            order = [m for m in MEDIATION_PREFERENCE[stage] if m in mediators]
            first = int(c["first_choice"][i])
            if first >= 0:  # dispatch erred: a random mediator is tried first
                order = [Mediator(first)] + [m for m in order if m != first]
        remaining = self.hours[stage - 1] - c["effort"][i]
        spent_today = model.dispute_hours_today
        for mediator in order:
            agent = model.actor(MEDIATOR_ACTOR[mediator])
            cap = share_of_day * street.at(agent.hours.available, k) \
                - street.at(spent_today[agent.kind], k)
            skilled = mediator == Mediator.SKILLED_VOLUNTEER
            give = min(agent.mediation_hours(k, skilled), cap, remaining)
            if give <= 1e-9:
                continue
            agent.mediate(k, give, skilled)
            if street.one:
                spent_today[agent.kind] += give
            else:
                spent_today[agent.kind][k] += give
            c["late"][i] = False
            c["last_attention"][i] = day
            if give + 1e-9 >= remaining:
                c["effort"][i], c["mediator"][i] = 0.0, -1
                self._outcome(i, mediator, day, street.at(volunteer_gain, k))
            else:
                c["effort"][i] += give
                c["mediator"][i] = mediator
                c["next_try"][i] = day + 1
            return

    def _outcome(self, i: int, mediator: Mediator, day: int, volunteer_gain: float) -> None:
        c, model, tally = self.cols, self.model, self.model.tally
        p, streams = model.p, model.streams
        stage, attempt, cid = int(c["stage"][i]), int(c["attempts"][i]), c["id"][i]
        k = int(c["community"][i])
        u_success, u_true, u_backfire = streams.uniforms(
            [(Draw.DISPUTE_SUCCESS, attempt), (Draw.DISPUTE_TRUE_RESOLUTION, attempt),
             (Draw.DISPUTE_BACKFIRE, attempt)], cid, k)[:, 0].tolist()
        volunteer = mediator in (Mediator.VOLUNTEER, Mediator.SKILLED_VOLUNTEER)
        success = self.success[mediator, stage - 1]
        backfire = 0.0
        if volunteer:
            success = min(success * (1 + volunteer_gain), 1.0)
            backfire = self.backfire[stage - 1] * (
                p.skilled_backfire_factor if mediator == Mediator.SKILLED_VOLUNTEER else 1.0)
        tally.add_at("interventions", k, 1)
        if not c["mediated"][i]:
            tally.add_at("disputes_mediated", k, 1)
            tally.add_at("intervention_delay_days", k, day - c["known_day"][i])
        c["attempts"][i] += 1
        c["mediated"][i] = True
        c["last_attention"][i] = day
        c["next_try"][i] = day + p.retry_interval_days
        self._log(i, day, f"intervention:{mediator.name.lower()}")
        if volunteer and u_backfire < backfire:
            tally.add_at("backfires", k, 1)
            self._escalate(np.array([i]), day)
        elif u_success < success:
            if u_true < self.true_resolution[mediator, stage - 1]:
                tally.add_at("disputes_resolved", k, 1)
                model.population.settle(np.array([c["a"][i], c["b"][i]]))
                self._end(np.array([i]), "resolved")
            else:
                tally.add_at("disputes_closed", k, 1)
                c["status"][i] = CLOSED
                c["quiet_since"][i] = day
                self._log(i, day, "closed")

    # --- escalation -------------------------------------------------------------------
    def evolve(self) -> None:
        """Open disputes escalate or die out by themselves, each with its own dice."""
        c, p, model, day = self.cols, self.model.p, self.model, self.model.today
        street = self.street
        active = np.flatnonzero(c["status"] == OPEN)
        if active.size == 0:
            return
        g = model.population.grievance
        s = c["stage"][active] - 1
        where = street.tag(c["community"], active)
        mean_g = (g[c["a"][active]] + g[c["b"][active]]) / 2
        neglect = (day - c["last_attention"][active]) / p.neglect_unit_days
        esc = self.escalation[s] * (1 + p.grievance_escalation_weight * mean_g) \
            * (1 + p.unattended_escalation_weight * neglect)
        u = model.streams.uniform(Draw.DISPUTE_ESCALATION, c["id"][active], day, where)
        model.tally["dispute_days_conflict_or_worse"] += street.count(
            where, c["stage"][active] >= CONFLICT)
        lumped = (u >= esc) & (u < esc + self.lumping[s])
        lump = active[lumped]
        c["status"][lump] = LUMPED
        c["quiet_since"][lump] = day
        self._log(lump, day, "lumped")
        model.tally["disputes_lumped"] += street.count(where, lumped)
        self._escalate(active[u < esc], day)

    def _escalate(self, idx: np.ndarray, day: int) -> None:
        if idx.size == 0:  # most days
            return
        c = self.cols
        self._set_stage(idx, c["stage"][idx] + 1, day)
        self._log(idx, day, "escalated")
        court = idx[c["stage"][idx] >= COURT]
        self.model.tally["court_filings"] += self.street.count_rows(c["community"], court)
        self._end(court, "court")

    def _set_stage(self, idx: np.ndarray, stage: np.ndarray, day: int) -> None:
        c = self.cols
        c["stage"][idx] = stage
        complained = idx[(c["stage"][idx] >= COMPLAINT) & ~c["complained"][idx]]
        c["complained"][complained] = True
        self.model.tally["complaints"] += self.street.count_rows(c["community"],
                                                                 complained)

    def _end(self, idx: np.ndarray, how: str) -> None:
        """A dispute leaves the book (court, or true resolution)."""
        self._log(idx, self.model.today, how)
        self.ended[how] += self.street.count(self.cols["community"][idx],
                                             self.cols["cohort"][idx])
        self.cols["status"][idx] = -1

    def compact(self) -> None:
        """Drop ended disputes from the book (called once a day)."""
        keep = self.cols["status"] >= 0
        if not keep.all():
            self.cols = {k: v[keep] for k, v in self.cols.items()}

    def _log(self, idx, day: int, event: str) -> None:
        if self.events is not None:
            c = self.cols
            names = c["id"] | (c["community"].astype(np.uint64) << _COMMUNITY_SHIFT)
            self.events += [(day, int(names[i]), event, int(c["stage"][i]))
                            for i in np.atleast_1d(idx)]

    # --- views --------------------------------------------------------------------------
    def stage_counts(self) -> np.ndarray:
        """Open disputes at stages friction, conflict, complaint; and latent ones (the
        street's)."""
        c = self.cols
        open_ = c["status"] == OPEN
        counts = np.bincount(c["stage"][open_] - 1, minlength=3)[:3]
        return np.append(counts, int((~open_).sum()))

    def resident_stage(self) -> np.ndarray:
        """Highest open dispute stage per resident (0 = none)."""
        c = self.cols
        stage = np.zeros(self.model.population.n, dtype=np.int64)
        open_ = c["status"] == OPEN
        for side in ("a", "b"):
            np.maximum.at(stage, c[side][open_], c["stage"][open_])
        return stage

    def fate_counts(self) -> dict[str, PerCommunity]:
        """Among disputes that started in the measured period: how their fate stands today,
        per community.

        Settled: latent (closed or died out) and quiet for ``settled_after_days``. Court and
        resolved disputes have ended. The rest (open, or latent but recent) are censored.
        """
        c, p, day, street = self.cols, self.model.p, self.model.today, self.street
        cohort = c["cohort"] & (c["status"] >= 0)
        settled = cohort & (c["status"] != OPEN) & (day - c["quiet_since"]
                                                    >= p.settled_after_days)
        return {"court": self.ended["court"], "resolved": self.ended["resolved"],
                "settled": street.count(c["community"], settled),
                "censored": street.count(c["community"], cohort & ~settled)}

    def _linked_mediators(self, linked: tuple[Actor, ...]) -> list[Mediator]:
        out = [Mediator.PLATFORM, Mediator.SOCIAL_WORKER]
        if Actor.VOLUNTEER in linked:
            out.append(Mediator.VOLUNTEER)
            if self.model.p.skilled_volunteer_share > 0 \
                    and self.model.regime.links("skilled_volunteers"):
                out.append(Mediator.SKILLED_VOLUNTEER)
        return out
