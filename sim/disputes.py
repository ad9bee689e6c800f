"""Disputes between tied residents: onset, detection, intervention, escalation, re-ignition.

Stages follow Glasl's escalation model, grouped: friction, open conflict, formal complaint
and court (absorbing; counts as escalated). Onsets arrive on network ties in proportion to
the parties' baseline grievance, from their own random stream, so every regime faces the
same disputes for a given seed. Escalation grows with the parties' current grievance and
with the time a dispute is left unattended; most frictions die out by themselves (the
dispute pyramid).

The platform learns of open conflicts with some daily chance and of formal complaints at
once; frictions are seen only by volunteers living among the parties. Known disputes are
dispatched like needs (best-matched mediator for the stage, or a wrong one when dispatch
errs). An intervention succeeds, fails or, for a volunteer at a late stage, backfires.
A success either truly resolves the grievance or only closes the case; closed cases may
re-ignite one stage higher.
"""

from __future__ import annotations

import numpy as np

from sim.capabilities import (
    COMPLAINT,
    CONFLICT,
    COURT,
    FRICTION,
    MEDIATION_HOURS,
    MEDIATION_PREFERENCE,
    MEDIATION_SUCCESS,
    TRUE_RESOLUTION,
)
from sim.regimes import Actor

OPEN, LATENT = 0, 1  # status of a dispute kept in the book


class DisputeBook:
    """Open and latent (closed-but-unresolved) disputes, plus running totals."""

    def __init__(self, model):
        self.model = model
        p = model.p
        edges = model.community.edges
        g0 = model.residents.baseline_grievance
        weight = g0[edges[:, 0]] + g0[edges[:, 1]] if edges.size else np.zeros(0)
        self.cum_weight = np.cumsum(weight)
        self.edges = edges
        self.daily_onsets = p.dispute_rate_per_10k * model.per_10k / 365
        self.items: list[dict] = []
        self.edge_busy: set[int] = set()
        self.escalation = np.array([p.escalation_friction, p.escalation_conflict,
                                    p.escalation_complaint]) * p.escalation_hazard_scale
        self.lumping = np.array([p.lumping_friction, p.lumping_conflict, p.lumping_complaint])
        self.totals = dict.fromkeys(
            ["onsets", "court", "mediated", "interventions", "resolved", "closed", "reignited",
             "lumped", "backfires", "known"], 0)

    # --- onset -----------------------------------------------------------------------
    def arrive(self, day: int) -> int:
        """Draw today's new disputes on network ties (own stream)."""
        rng = self.model.streams.disputes
        if self.cum_weight.size == 0 or self.cum_weight[-1] <= 0:
            return 0
        count = rng.poisson(self.daily_onsets)
        picks = np.searchsorted(self.cum_weight, rng.random(count) * self.cum_weight[-1],
                                side="right")
        new = 0
        for edge in np.minimum(picks, self.cum_weight.size - 1).tolist():
            if edge in self.edge_busy:
                continue  # the pair already has a dispute: this grievance feeds it
            a, b = self.edges[edge]
            self.items.append(dict(edge=edge, a=int(a), b=int(b), stage=FRICTION, status=OPEN,
                                   known=False, next_try=day, last_attention=day,
                                   mediated=False, reignited=False))
            self.edge_busy.add(edge)
            new += 1
        self.totals["onsets"] += new
        return new

    # --- detection and intervention -----------------------------------------------------
    def intervene(self, day: int):
        """Detect disputes, then dispatch mediators to the known ones that are due."""
        self._reignite(day)
        self._detect()
        due = [d for d in self.items if d["status"] == OPEN and d["known"]
               and d["next_try"] <= day]
        due.sort(key=lambda d: -d["stage"])  # late stages are most urgent
        for dispute in due:
            self._dispatch(dispute, day)

    def _reignite(self, day: int):
        rng, p = self.model.streams.dynamics, self.model.p
        latent = [d for d in self.items if d["status"] == LATENT]
        flare = rng.random(len(latent)) < p.reignition_per_year / 365
        for dispute, up in zip(latent, flare, strict=True):
            if up:
                dispute.update(status=OPEN, stage=min(dispute["stage"] + 1, COMPLAINT),
                               known=True, next_try=day, last_attention=day)
                self.totals["reignited"] += not dispute["reignited"]
                dispute["reignited"] = True
                self._intake()

    def _detect(self):
        p = self.model.p
        unknown = [d for d in self.items if d["status"] == OPEN and not d["known"]]
        u = self.model.streams.dynamics.random(len(unknown))
        corps = self.model.actors.get(Actor.VOLUNTEER) if Actor.VOLUNTEER in self.model.linked \
            else None
        nearby = corps.active_neighbours() if corps is not None and unknown else None
        for dispute, draw in zip(unknown, u, strict=True):
            if dispute["stage"] >= COMPLAINT:
                seen = True
            elif dispute["stage"] == CONFLICT:
                seen = draw < p.conflict_report_prob
            elif nearby is not None:  # frictions: only volunteers among the parties see them
                ties = nearby[dispute["a"]] + nearby[dispute["b"]]
                seen = draw < 1 - (1 - p.volunteer_detection_prob) ** ties
            else:
                seen = False
            if seen:
                dispute["known"] = True
                self._intake()

    def _intake(self):
        platform = self.model.actors[Actor.PLATFORM]
        platform.intake_total += platform.consume(self.model.p.intake_hours_per_case)
        self.totals["known"] += 1

    def _dispatch(self, dispute: dict, day: int):
        model, p = self.model, self.model.p
        rng = model.streams.dispatch
        stage = dispute["stage"]
        able = [a for a in MEDIATION_PREFERENCE[stage] if a in model.linked]
        u_pick, u_match, u_which = rng.random(3)
        clarity = p.party_leadership
        pickup = clarity + (1 - clarity) * (1 - p.responsibility_diffusion) ** (len(able) - 1)
        if u_pick >= pickup or not able:
            return  # nobody takes it today
        if u_match >= model.dispatch_accuracy:
            first = able[int(u_which * len(able))]
            able = [first] + [a for a in able if a != first]
        hours = MEDIATION_HOURS[stage - 1]
        for actor in able:
            agent = model.actors[actor]
            if agent.remaining >= hours:
                agent.consume(hours)
                self._outcome(dispute, actor, day)
                return

    def _outcome(self, dispute: dict, actor: Actor, day: int):
        p, rng = self.model.p, self.model.streams.interventions
        stage = dispute["stage"]
        u_success, u_true, u_backfire = rng.random(3)
        self.totals["interventions"] += 1
        self.totals["mediated"] += not dispute["mediated"]
        dispute.update(mediated=True, last_attention=day, next_try=day + p.retry_interval_days)
        backfire = p.volunteer_backfire_prob * {FRICTION: 0.0, CONFLICT: 0.5, COMPLAINT: 1.0}[stage]
        if actor == Actor.VOLUNTEER and u_backfire < backfire:
            self.totals["backfires"] += 1
            self._escalate(dispute)
        elif u_success < MEDIATION_SUCCESS[actor][stage - 1]:
            if u_true < TRUE_RESOLUTION[actor]:
                self.totals["resolved"] += 1
                self._end(dispute)
                res = self.model.residents
                for r in (dispute["a"], dispute["b"]):
                    res.grievance[r] = res.baseline_grievance[r]
            else:
                self.totals["closed"] += 1
                dispute["status"] = LATENT

    # --- escalation -------------------------------------------------------------------
    def evolve(self, day: int):
        """Escalate or lump open disputes (own stream), with grievance and neglect."""
        p, rng = self.model.p, self.model.streams.dynamics
        g = self.model.residents.grievance
        active = [d for d in self.items if d["status"] == OPEN]
        u = rng.random(len(active))
        for dispute, draw in zip(active, u, strict=True):
            s = dispute["stage"] - 1
            mean_g = (g[dispute["a"]] + g[dispute["b"]]) / 2
            neglect = (day - dispute["last_attention"]) / 30
            esc = self.escalation[s] * (1 + p.grievance_escalation_weight * mean_g) \
                * (1 + p.unattended_escalation_weight * neglect)
            if draw < esc:
                self._escalate(dispute)
            elif draw < esc + self.lumping[s]:
                self.totals["lumped"] += 1
                self._end(dispute)

    def _escalate(self, dispute: dict):
        dispute["stage"] += 1
        if dispute["stage"] >= COURT:
            self.totals["court"] += 1
            self._end(dispute)

    def _end(self, dispute: dict):
        dispute["status"] = -1
        self.edge_busy.discard(dispute["edge"])

    def compact(self):
        """Drop ended disputes from the book (called once a day)."""
        self.items = [d for d in self.items if d["status"] >= 0]

    # --- views --------------------------------------------------------------------------
    def stage_counts(self) -> np.ndarray:
        """Open disputes at stages friction, conflict, complaint; and latent ones."""
        counts = np.zeros(4, dtype=np.int64)
        for d in self.items:
            counts[3 if d["status"] == LATENT else d["stage"] - 1] += 1
        return counts

    def resident_stage(self, n: int) -> np.ndarray:
        """Highest open dispute stage per resident (0 = none)."""
        stage = np.zeros(n, dtype=np.int64)
        for d in self.items:
            if d["status"] == OPEN:
                for r in (d["a"], d["b"]):
                    stage[r] = max(stage[r], d["stage"])
        return stage
