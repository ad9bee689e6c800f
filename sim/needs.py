"""Needs: arrival, dispatch to actors, service, and expiry at the deadline.

Arrivals are independent Poisson processes per resident and need type. Because the rates
are fixed traits, the day's total per type is drawn first and then spread over residents
in proportion to their rates (the same process, at a cost that does not grow with n).
They use their own random streams (one per type), so every regime sees the same needs for
a given seed, and changing one type's rate leaves the other types' arrivals unchanged.

Each day the platform dispatches open needs, earliest deadline first (vulnerable residents
first among equal deadlines). A need not yet assigned is picked up with a chance that
falls with the number of actor types that could take it (diffusion of responsibility),
unless Party leadership makes the assignment clear. It goes first to its best-matched
actor, or, when dispatch errs, to a random eligible one; then down the preference list
while hours remain. A need not fully served by its deadline is unmet.
"""

from __future__ import annotations

import numpy as np

from sim.capabilities import SERVICE_EFFICIENCY, Need, service_preference
from sim.regimes import Actor

_FIELDS = {"resident": np.int64, "kind": np.int64, "hours_total": np.float64,
           "hours_left": np.float64, "arrival": np.int64, "last_day": np.int64,
           "first_service": np.int64, "vulnerable": bool, "first_choice": np.int64}


class NeedBook:
    """Open needs as a structure of arrays, plus running totals of closed ones."""

    def __init__(self, model):
        self.model = model
        p, res = model.p, model.residents
        self.cols = {k: np.zeros(0, dtype=t) for k, t in _FIELDS.items()}
        self.hours = np.array([p.elder_care_hours, p.child_care_hours, p.disability_support_hours,
                               p.material_hardship_hours, p.psychological_hours,
                               p.emergency_hours])
        self.deadline = np.array([p.elder_care_deadline, p.child_care_deadline,
                                  p.disability_support_deadline, p.material_hardship_deadline,
                                  p.psychological_deadline, p.emergency_deadline])
        rates = np.stack([
            p.elder_care_rate * res.aged_60_plus * np.where(res.elderly_alone,
                                                            p.elderly_alone_multiplier, 1.0),
            p.child_care_rate * res.left_behind,
            p.disability_support_rate * res.disabled,
            p.material_hardship_rate * res.low_income,
            p.psychological_rate * np.where(res.vulnerable, 3.0, 1.0),
            p.emergency_rate * np.ones(res.n),
        ]) * p.need_rate_scale / 365  # per resident per day
        self.cum_rates = np.cumsum(rates, axis=1)
        self.streams = model.streams.split("needs", len(Need))  # one per need type
        self._pref, self._orders = self._order_tables(model.linked)
        self.eligible_types = np.array(
            [sum(SERVICE_EFFICIENCY[a, t] > 0 for a in model.linked) for t in Need])
        # running totals of closed needs: [all, vulnerable, others]
        self.met = np.zeros(3)
        self.unmet = np.zeros(3)
        self.unmet_hours = 0.0
        self.response_days = 0.0
        self.responded = 0
        self.never_served = 0
        self.arrived_by_type = np.zeros(len(Need), dtype=np.int64)
        self.met_by_type = np.zeros(len(Need))
        self.unmet_by_type = np.zeros(len(Need))
        self.unmet_hours_by_type = np.zeros(len(Need))
        self.arrived = 0
        self.today = {"arrived": 0, "met": 0, "unmet": 0}

    @property
    def n_open(self) -> int:
        return self.cols["resident"].size

    # --- arrival ---------------------------------------------------------------------
    def arrive(self, day: int, extra_emergencies: np.ndarray) -> int:
        """Draw today's needs (own stream) and add emergency-shock needs."""
        residents, kinds = [], []
        for kind, rng in zip(Need, self.streams, strict=True):
            cum = self.cum_rates[kind]
            count = rng.poisson(cum[-1]) if cum[-1] > 0 else 0
            who = np.searchsorted(cum, rng.random(count) * cum[-1], side="right")
            residents.append(np.minimum(who, cum.size - 1))
            kinds.append(np.full(count, int(kind)))
        residents.append(extra_emergencies)
        kinds.append(np.full(extra_emergencies.size, int(Need.EMERGENCY)))
        self.add(np.concatenate(residents), np.concatenate(kinds), day)
        return self.today["arrived"]

    def add(self, residents: np.ndarray, kinds: np.ndarray, day: int):
        n = residents.size
        new = {"resident": residents, "kind": kinds, "hours_total": self.hours[kinds],
               "hours_left": self.hours[kinds].copy(), "arrival": np.full(n, day),
               "last_day": day + self.deadline[kinds] - 1, "first_service": np.full(n, -1),
               "vulnerable": self.model.residents.vulnerable[residents],
               "first_choice": np.full(n, -1)}
        for k, v in new.items():
            self.cols[k] = np.concatenate([self.cols[k], v.astype(_FIELDS[k])])
        np.add.at(self.model.residents.open_needs, residents, 1)
        np.add.at(self.arrived_by_type, kinds, 1)
        self.arrived += n
        self.today = {"arrived": n, "met": 0, "unmet": 0}

    # --- dispatch and service -------------------------------------------------------
    def serve(self):
        """Dispatch today's open needs to the linked actors and serve what hours allow."""
        if self.n_open == 0:
            return
        c = self.cols
        order = np.lexsort((c["arrival"], ~c["vulnerable"], c["last_day"]))
        for k in c:
            c[k] = c[k][order]
        self._assign_new()
        assigned = np.flatnonzero(c["first_choice"] >= 0)
        orders = self._orders[c["kind"][assigned], c["first_choice"][assigned]]
        for rank in range(orders.shape[1]):
            for actor in self.model.linked:
                pick = assigned[(orders[:, rank] == actor)]
                pick = pick[c["hours_left"][pick] > 1e-9]
                if pick.size:
                    self._serve_with(actor, pick)

    def _assign_new(self):
        """Pick up unassigned needs (diffusion of responsibility) and choose a first actor."""
        p, rng, c = self.model.p, self.model.streams.dispatch, self.cols
        new = np.flatnonzero(c["first_choice"] < 0)
        k = self.eligible_types[c["kind"][new]]
        clarity = p.party_leadership
        pickup = clarity + (1 - clarity) * (1 - p.responsibility_diffusion) ** np.maximum(k - 1, 0)
        u_pick, u_match, u_which = rng.random((3, new.size))
        picked = u_pick < pickup
        accuracy = self.model.dispatch_accuracy
        pref = self._pref[c["kind"][new]]
        wrong = u_match >= accuracy
        random_rank = (u_which * np.maximum(k, 1)).astype(np.int64)
        first = np.where(wrong, pref[np.arange(new.size), random_rank], pref[:, 0])
        c["first_choice"][new[picked]] = first[picked]

    def _serve_with(self, actor: Actor, pick: np.ndarray):
        """Serve needs ``pick`` (in priority order) from one actor's remaining budget."""
        if actor == Actor.CHARITY:
            return self._serve_with_charity(pick)
        agent = self.model.actors[actor]
        eff = SERVICE_EFFICIENCY[actor, self.cols["kind"][pick]]
        cost = self.cols["hours_left"][pick] / eff
        units = _prefix_fill(cost, agent.remaining)
        agent.consume(units.sum())
        self._record_service(pick, units * eff)

    def _serve_with_charity(self, pick: np.ndarray):
        """Charity pays: goods or cash for material needs, bought hours for the others."""
        charity, p, c = self.model.actors[Actor.CHARITY], self.model.p, self.cols
        kinds = c["kind"][pick]
        for kind in np.unique(kinds):
            idx = pick[kinds == kind]
            frac = c["hours_left"][idx] / c["hours_total"][idx]
            if kind == Need.MATERIAL_HARDSHIP:
                cost = frac * p.material_relief_yuan
                paid = _prefix_fill(cost, charity.goods)
                charity.spend_goods(paid.sum())
                served = _safe_div(paid, cost) * c["hours_left"][idx]
                self._record_service(idx, served)
                idx = idx[c["hours_left"][idx] > 1e-9]  # what goods could not cover: cash
                cost = c["hours_left"][idx] / c["hours_total"][idx] * p.material_relief_yuan
            else:
                eff = SERVICE_EFFICIENCY[Actor.CHARITY, kind]
                cost = c["hours_left"][idx] / eff * p.service_cost_yuan_per_hour
            budget = min(charity.remaining, charity.cash + charity.earmarked[kind])
            paid = _prefix_fill(cost, budget)
            charity.spend(paid.sum(), int(kind))
            self._record_service(idx, _safe_div(paid, cost) * c["hours_left"][idx])

    def _record_service(self, idx: np.ndarray, hours: np.ndarray):
        c = self.cols
        served = hours > 0
        c["hours_left"][idx] = np.maximum(c["hours_left"][idx] - hours, 0.0)
        first = idx[served & (c["first_service"][idx] < 0)]
        c["first_service"][first] = self.model.day

    # --- end of day -----------------------------------------------------------------
    def close_day(self, day: int) -> np.ndarray:
        """Close met and expired needs; return the residents whose need went unmet."""
        c = self.cols
        met = c["hours_left"] <= 1e-9
        expired = ~met & (c["last_day"] <= day)
        self._tally(met, self.met)
        self._tally(expired, self.unmet)
        self.unmet_hours += c["hours_left"][expired].sum()
        np.add.at(self.met_by_type, c["kind"][met], 1)
        np.add.at(self.unmet_by_type, c["kind"][expired], 1)
        np.add.at(self.unmet_hours_by_type, c["kind"][expired], c["hours_left"][expired])
        closed = met | expired
        served = closed & (c["first_service"] >= 0)
        self.response_days += (c["first_service"][served] - c["arrival"][served]).sum()
        self.responded += int(served.sum())
        self.never_served += int((closed & (c["first_service"] < 0)).sum())
        np.add.at(self.model.residents.open_needs, c["resident"][closed], -1)
        unmet_residents = c["resident"][expired]
        for k in c:
            c[k] = c[k][~closed]
        self.today["met"], self.today["unmet"] = int(met.sum()), int(expired.sum())
        return unmet_residents

    def _tally(self, mask: np.ndarray, into: np.ndarray):
        vul = self.cols["vulnerable"][mask]
        into += (mask.sum(), vul.sum(), (~vul).sum())

    # --- helpers ----------------------------------------------------------------------
    def _order_tables(self, linked: tuple[Actor, ...]):
        """Preference lists per need kind, and the order of actors to try per first actor.

        ``pref[kind]`` lists the linked actors able to serve ``kind``, best match first;
        ``orders[kind, first]`` is that list with ``first`` moved to the front. Padded with -1.
        """
        pref_all = service_preference()
        width = len(linked)
        pref = np.full((len(Need), width), -1, dtype=np.int64)
        orders = np.full((len(Need), len(Actor), width), -1, dtype=np.int64)
        for kind in Need:
            able = [a for a in pref_all[kind] if a in linked and SERVICE_EFFICIENCY[a, kind] > 0]
            pref[kind, : len(able)] = able
            for first in able:
                orders[kind, first, : len(able)] = [first] + [a for a in able if a != first]
        return pref, orders


def _prefix_fill(cost: np.ndarray, capacity: float) -> np.ndarray:
    """Fill costs in order until capacity runs out; the boundary item gets the remainder."""
    if cost.size == 0 or capacity <= 0:
        return np.zeros_like(cost)
    before = np.cumsum(cost) - cost
    return np.clip(capacity - before, 0.0, cost)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)
