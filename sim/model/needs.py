"""Needs: arrival, hiding and discovery, dispatch to actors, service or payment, expiry.

**Arrival.** Independent Poisson processes per resident and need type. Because the rates
are fixed traits, the day's total per type is drawn first and then spread over residents
in proportion to their rates (the same process, at a cost that does not grow with n). Each
type has its own random stream, so every regime sees the same needs for a given seed, and
changing one type's rate leaves the other types' arrivals unchanged. Every need gets an
identity, and its own dice (``sim.model.streams.Streams.uniform``) for whether it is hidden,
when its resident would report it, whether the resident accepts strangers, whether the
contract covers it and how it is picked up: the same need meets the same fate under every
regime unless the regime changes it.

**Hidden needs.** A share of needs (``hidden_share_*``, more for vulnerable residents) is
invisible to the platform until discovered: by the resident's own report after a delay,
by an active volunteer among their ties (neighbours notice), or by a social worker's home
visit (which costs the social workers' hours). A need still hidden at its deadline is unmet.

**Dispatch and service.** Each day the platform dispatches the visible open needs, earliest
deadline first (vulnerable residents first among equal deadlines). Once per need, the
dispatch rule (``sim.model.dispatch``) decides whether it is picked up at once or waits to the
back of the queue, and which actor tries first; then the actors able to serve it follow in order of
match while they have hours (or money). A resident may refuse help from strangers; a volunteer among
their own ties is no stranger. Service needs are served in hours (an actor hour serves
``service_efficiency`` hours of need); material needs are paid in yuan (charity goods and
money, government relief through the platform). A need not fully served by its deadline
is unmet.

**A street.** With several communities every need carries its community (``community``);
each community's needs arrive from its own streams, are ordered among themselves and served
from its own budgets (cases sorted by community, then priority; ``sim.model.street``).
"""

from __future__ import annotations

import numpy as np

from .capabilities import Need, service_efficiency, service_preference
from .metrics import NEEDS_ARRIVED, NEEDS_MET, NEEDS_UNMET
from .regimes import Actor
from .streams import Draw
from .street import PerCommunity, prefix_fill

_prefix_fill = prefix_fill   # (its old name here)

_FIELDS = {"id": np.uint64, "community": np.int64, "resident": np.int64, "kind": np.int64,
           "amount_total": np.float64,
           "amount_left": np.float64, "arrival": np.int64, "last_day": np.int64,
           "first_service": np.int64, "vulnerable": bool, "visible": bool, "hidden": bool,
           "report_day": np.int64, "accepts_stranger": bool, "accepts_neighbour": bool,
           "in_scope": bool, "assigned_day": np.int64, "late": bool,
           "first_choice": np.int64, "refused": bool}
_EPS = 1e-9
_NEVER = np.iinfo(np.int64).max // 4
_NO_INDEX = np.zeros(0, dtype=np.int64)
# Payers of material needs, best first: charity goods and money are meant for them.
_MATERIAL_PAYERS = (Actor.CHARITY, Actor.PLATFORM, Actor.SOCIAL_ORG)


class NeedBook:
    """Open needs as a structure of arrays, plus running totals of closed ones."""

    def __init__(self, model):
        self.model = model
        p, pop, street = model.p, model.population, model.street
        self.street = street
        self.cols = {k: np.zeros(0, dtype=t) for k, t in _FIELDS.items()}
        self.amount = np.array([p.elder_care_hours, p.child_care_hours,
                                p.disability_support_hours, p.material_need_yuan,
                                p.psychological_hours, p.emergency_hours])
        self.deadline = np.array([p.elder_care_deadline, p.child_care_deadline,
                                  p.disability_support_deadline, p.material_hardship_deadline,
                                  p.psychological_deadline, p.emergency_deadline])
        rates = np.stack([
            p.elder_care_rate * pop.aged_60_plus * np.where(pop.elderly_alone,
                                                            p.elderly_alone_multiplier, 1.0),
            p.child_care_rate * pop.left_behind,
            p.disability_support_rate * pop.disabled,
            p.material_hardship_rate * pop.low_income,
            p.psychological_rate * np.where(pop.vulnerable,
                                            p.psychological_vulnerable_multiplier, 1.0),
            p.emergency_rate * np.ones(pop.n),
        ]) * p.need_rate_scale / 365  # per resident per day
        self.arrival_streams = model.streams.split("need_arrivals", len(Need))
        # Cumulative rates over each community's residents (each community's own cumsum).
        self._bounds = street.ranges
        self.cum_rates = np.concatenate([np.cumsum(rates[:, a:b], axis=1)
                                         for a, b in self._bounds], axis=1)
        # Each community's total rate per need type (the last of its cumulative rates), and
        # the (community, need type, stream, total rate) of every type that can arrive.
        self._totals = [self.cum_rates[:, b - 1].tolist() for _, b in self._bounds]
        self._arrivals = [(k, kind, streams[kind], total)
                          for k, (streams, totals) in enumerate(zip(
                              self.arrival_streams, self._totals, strict=True))
                          for kind, total in enumerate(totals) if total > 0]
        # For a street, one search per need type finds every community's residents among
        # those with a positive rate: (community + i x cumulative rate) is ordered
        # community by community, then by rate; its cumulative rates stay each community's.
        self._search: list[tuple[np.ndarray, np.ndarray]] = []
        if not street.one:
            for kind in range(len(Need)):
                able = np.flatnonzero(rates[kind] > 0)
                keys = np.empty(able.size, dtype=np.complex128)
                keys.real, keys.imag = pop.community[able], self.cum_rates[kind, able]
                self._search.append((able, keys))
            del self.cum_rates          # (only one community's searches read it)
        self.hidden_share = p.table("hidden_share")
        self.scope = np.zeros(len(Need))
        self.scope[[n for n in Need if n != Need.MATERIAL_HARDSHIP]] = p.table("contract_scope")
        self.efficiency = service_efficiency(p)
        # Preference tables per group of communities linking the same actor types
        # (model.groups: one group unless a community has no volunteers or no donors).
        tables = [self._order_tables(linked) for linked in model.group_linked]
        self._pref = np.stack([t[0] for t in tables])
        self._orders = np.stack([t[1] for t in tables])
        self.eligible = np.stack([t[2] for t in tables])
        n_types = len(Need)
        self.arrived_by_type = np.zeros(n_types, dtype=np.int64)   # the street's
        self.unmet_hours_by_type = street.table(n_types)            # per community
        self.today = {"arrived": 0, "met": 0, "unmet": 0, "discovered": 0}

    @property
    def n_open(self) -> int:
        return self.cols["id"].size

    # --- arrival ---------------------------------------------------------------------
    def arrive(self, shock_residents: list[np.ndarray]) -> PerCommunity:
        """Draw today's needs (each community from its own streams), add emergency-shock
        needs (``shock_residents``: per community); return the visible ones per community."""
        if self.street.one:
            return self._arrive_one(shock_residents[0])
        # Each community draws from its own streams (the counts, then where they fall, as
        # alone); then one search per need type places them all.
        draws, blocks = [], []
        for k, kind, rng, total in self._arrivals:
            count = rng.poisson(total)
            if count:
                draws.append(rng.random(count) * total)
                blocks.append((k, kind, count))
        shocked = any(hit.size for hit in shock_residents)
        if not blocks:
            residents = kinds = where = _NO_INDEX
        else:
            block = np.array(blocks)
            where, kinds = (np.repeat(block[:, i], block[:, 2]) for i in (0, 1))
            value = np.concatenate(draws)
            residents = np.empty(value.size, dtype=np.int64)
            last = self.street.first[where + 1] - 1     # each community's last resident
            community = self.model.population.community
            for kind in np.unique(block[:, 1]).tolist():
                mine = np.flatnonzero(kinds == kind)
                able, keys = self._search[kind]
                found = np.searchsorted(keys, where[mine] + 1j * value[mine], side="right")
                who = able[np.minimum(found, able.size - 1)]
                # (a draw at the very total falls on its community's last resident, as the
                # search over all its residents would put it)
                inside = (found < able.size) & (community[who] == where[mine])
                residents[mine] = np.where(inside, who, last[mine])
        if shocked:
            residents, kinds, where = self._with_shocks(residents, kinds, where,
                                                        shock_residents)
        first_of_block = np.flatnonzero(np.r_[True, (where[1:] != where[:-1])
                                              | (kinds[1:] != kinds[:-1])])
        sizes = np.diff(np.r_[first_of_block, where.size])
        serial = np.arange(where.size) - np.repeat(first_of_block, sizes)
        return self._add(residents, kinds, serial, where, self.model.today)

    def _with_shocks(self, residents, kinds, where, shock_residents):
        """Emergency-shock needs after each community's drawn emergencies (as alone)."""
        parts = []
        for k, shocked in enumerate(shock_residents):
            mine = where == k
            parts.append((residents[mine], kinds[mine], where[mine]))
            if shocked.size:
                parts.append((shocked, np.full(shocked.size, int(Need.EMERGENCY)),
                              np.full(shocked.size, k)))
        return (np.concatenate([part[i] for part in parts]) for i in range(3))

    def _arrive_one(self, shock_residents: np.ndarray) -> int:
        """``arrive`` for a single community."""
        residents, kinds, serial = [_NO_INDEX], [_NO_INDEX], [_NO_INDEX]
        for kind, rng in zip(Need, self.arrival_streams[0], strict=True):
            cum = self.cum_rates[kind]
            count = rng.poisson(cum[-1]) if cum[-1] > 0 else 0
            who = np.searchsorted(cum, rng.random(count) * cum[-1], side="right") \
                if count else _NO_INDEX  # (drawing 0 numbers leaves the stream as it is)
            if kind == Need.EMERGENCY and shock_residents.size:
                who = np.concatenate([who, shock_residents])
            if who.size == 0:  # most types have no arrival on most days in small communities
                continue
            residents.append(np.minimum(who, cum.size - 1))
            kinds.append(np.full(who.size, int(kind)))
            serial.append(np.arange(who.size))
        residents_ = np.concatenate(residents)
        return self._add(residents_, np.concatenate(kinds), np.concatenate(serial),
                         np.zeros(residents_.size, dtype=np.int64), self.model.today)

    def _add(self, residents: np.ndarray, kinds: np.ndarray, serial: np.ndarray,
             where: np.ndarray, day: int) -> PerCommunity:
        n = residents.size
        tally, street = self.model.tally, self.street
        if n == 0:  # a day without needs
            self.today = {"arrived": 0, "met": 0, "unmet": 0, "discovered": 0}
            return street.zeros()
        p, streams, pop = self.model.p, self.model.streams, self.model.population
        # (day, kind, serial) packed as int64, then stored unsigned: the same bits as
        # packing uint64s (all non-negative, far below 2**63), with fewer conversions.
        ids = ((day << 28) | (kinds << 24) | serial).astype(np.uint64)
        vulnerable = pop.vulnerable[residents]
        share = np.minimum(self.hidden_share[kinds] * np.where(
            vulnerable, p.hidden_vulnerable_multiplier, 1.0), 1.0)
        u_hidden, u_report, refusal, u_scope = streams.uniforms(
            [(Draw.NEED_HIDDEN, 0), (Draw.NEED_SELF_REPORT, 0), (Draw.NEED_REFUSAL, 0),
             (Draw.NEED_SCOPE, 0)], ids, where)
        hidden = u_hidden < share
        delay = np.ceil(-np.log1p(-u_report) * p.self_report_days)
        new = {"id": ids, "community": where, "resident": residents, "kind": kinds,
               "amount_total": self.amount[kinds], "amount_left": self.amount[kinds].copy(),
               "arrival": np.full(n, day), "last_day": day + self.deadline[kinds] - 1,
               "first_service": np.full(n, -1), "vulnerable": vulnerable, "visible": ~hidden,
               "hidden": hidden, "report_day": np.where(hidden, day + delay, day),
               "accepts_stranger": refusal >= p.stranger_refusal_share,
               "accepts_neighbour": refusal >= p.stranger_refusal_share
               * (1 - p.neighbour_trust_effect),
               "in_scope": u_scope < self.scope[kinds],
               "assigned_day": np.full(n, -1), "late": np.zeros(n, dtype=bool),
               "first_choice": np.full(n, -1), "refused": np.zeros(n, dtype=bool)}
        for k, v in new.items():  # (cast as astype would: report_day is computed in floats)
            self.cols[k] = np.concatenate((self.cols[k], v), dtype=_FIELDS[k], casting="unsafe")
        np.add.at(pop.open_needs, residents, 1)
        self.arrived_by_type += np.bincount(kinds, minlength=len(Need))
        tally["needs_arrived"] += street.count(where)
        tally["needs_arrived_vulnerable"] += street.count(where, vulnerable)
        tally["needs_hidden"] += street.count(where, hidden)
        self._tally_by_kind(NEEDS_ARRIVED, where, kinds)
        self.today = {"arrived": n, "met": 0, "unmet": 0, "discovered": 0}
        return street.count(where, ~hidden)

    def _tally_by_kind(self, keys: tuple[str, ...], where: np.ndarray | None,
                       kinds: np.ndarray) -> None:
        """Add cases per need type (and community) to the counts ``keys``."""
        street, tally = self.street, self.model.tally
        if street.one:
            for key, count in zip(keys, np.bincount(kinds, minlength=len(Need)).tolist(),
                                  strict=True):
                tally[key] += count
            return
        assert where is not None
        by_kind = np.bincount(where * len(Need) + kinds, minlength=street.k * len(Need))
        for kind, key in enumerate(keys):
            tally[key] += by_kind[kind::len(Need)]

    # --- discovery ---------------------------------------------------------------------
    def discover(self, volunteer_ties: np.ndarray | None, visited: np.ndarray) -> PerCommunity:
        """Hidden needs become visible: self-report, a volunteer tie, a home visit; return
        how many per community."""
        c, p, day = self.cols, self.model.p, self.model.today
        hidden = np.flatnonzero(~c["visible"])
        if hidden.size == 0:
            self.today["discovered"] = 0
            return self.street.zeros()
        found = c["report_day"][hidden] <= day
        where = self.street.tag(c["community"], hidden)
        if volunteer_ties is not None and p.volunteer_discovery_prob > 0:
            ties = volunteer_ties[c["resident"][hidden]]
            chance = 1 - (1 - p.volunteer_discovery_prob) ** ties
            found |= self.model.streams.uniform(Draw.NEED_DISCOVERY, c["id"][hidden],
                                                day, where) < chance
        if visited.size:
            found |= np.isin(c["resident"][hidden], visited)
        c["visible"][hidden[found]] = True
        self.today["discovered"] = int(found.sum())
        return self.street.count(where, found)

    # --- dispatch and service -------------------------------------------------------
    def serve(self, volunteer_ties: np.ndarray | None, volunteer_gain: PerCommunity) -> None:
        """Dispatch today's visible open needs and serve or pay what budgets allow
        (``volunteer_gain``: the supervision gain of each community's volunteers)."""
        c, day = self.cols, self.model.today
        if self.n_open == 0:
            return
        self._assign(day)
        # Priority: cases nobody picked up at once last (on their first day of dispatch),
        # then earliest deadline, vulnerable residents first, earliest arrival; in a street,
        # community by community (each is served from its own budgets).
        keys = (c["arrival"], ~c["vulnerable"], c["last_day"], c["late"])
        order = np.lexsort(keys if self.street.one else (*keys, c["community"]))
        if (order[1:] < order[:-1]).any():  # often already in order since yesterday
            for k in c:
                c[k] = c[k][order]
        due = np.flatnonzero(c["visible"] & (c["assigned_day"] >= 0)
                             & (c["assigned_day"] <= day) & (c["amount_left"] > _EPS))
        if due.size == 0:
            return
        c["late"][due] = False  # from tomorrow on, an ordinary case
        group = 0 if self.street.one else self.model.group_of[c["community"][due]]
        orders = self._orders[group, c["kind"][due], c["first_choice"][due]]
        for rank in range(orders.shape[1]):
            column = orders[:, rank]
            present = set(column.tolist())  # actors with a case at this rank (-1: none)
            if present == {-1}:  # the lists are padded at the end: no case has more ranks
                break
            for actor in self.model.linked:
                if actor in present:
                    self._serve_with(actor, due[column == actor], volunteer_ties,
                                     volunteer_gain)

    def _assign(self, day: int) -> None:
        """Once per need: picked up at once or after a wait, and which actor tries first."""
        c, model, streams = self.cols, self.model, self.model.streams
        new = np.flatnonzero(c["visible"] & (c["assigned_day"] < 0))
        if new.size == 0:
            return
        ids, kinds = c["id"][new], c["kind"][new]
        where = self.street.tag(c["community"], new)
        u_pick, u_match, u_which = streams.uniforms(
            [(Draw.NEED_PICKUP, 0), (Draw.NEED_PICKUP, 1), (Draw.NEED_PICKUP, 2)], ids, where)
        group = 0 if where is None else model.group_of[where]
        k = self.eligible[group, kinds]
        rule = model.dispatch_rules
        if len(rule) == 1:
            now = u_pick < rule[0].pickup_now(k)
            delay, accuracy = rule[0].delay_days, rule[0].accuracy
        else:   # communities linking different actor types dispatch by their own rule
            now = u_pick < np.choose(group, [r.pickup_now(k) for r in rule])
            delay = np.array([r.delay_days for r in rule])[group]
            accuracy = np.array([r.accuracy for r in rule])[group]
        c["assigned_day"][new] = np.where(now, day, day + delay)
        c["late"][new] = ~now
        pref = self._pref[group, kinds]
        random_rank = (u_which * np.maximum(k, 1)).astype(np.int64)
        wrong = u_match >= accuracy
        c["first_choice"][new] = np.where(wrong, pref[np.arange(new.size), random_rank],
                                          pref[:, 0])

    def _where(self, idx: np.ndarray) -> np.ndarray | None:
        """The communities of cases ``idx`` (None for a single community: never needed)."""
        return self.street.tag(self.cols["community"], idx)

    def _serve_with(self, actor: Actor, pick: np.ndarray, volunteer_ties: np.ndarray | None,
                    volunteer_gain: PerCommunity) -> None:
        """Serve needs ``pick`` (in priority order) from one actor's budgets.

        A resident who refuses strangers turns the actor away (the need stays open), unless
        the actor is a volunteer from among the resident's own ties and the resident
        accepts a known neighbour.
        """
        c = self.cols
        pick = pick[c["amount_left"][pick] > _EPS]
        accepts = c["accepts_stranger"][pick]
        if actor == Actor.VOLUNTEER and volunteer_ties is not None:
            known = volunteer_ties[c["resident"][pick]] > 0
            accepts = accepts | (known & c["accepts_neighbour"][pick])
        if not accepts.all():
            c["refused"][pick[~accepts]] = True
            pick = pick[accepts]
        if pick.size == 0:
            return
        if actor in _MATERIAL_PAYERS:  # the others are never sent material needs
            material = c["kind"][pick] == Need.MATERIAL_HARDSHIP
            if material.any():
                self._pay(actor, pick[material])
                pick = pick[~material]
        self._serve_hours(actor, pick, volunteer_gain)

    def _serve_hours(self, actor: Actor, pick: np.ndarray, volunteer_gain: PerCommunity) -> None:
        if pick.size == 0:
            return
        model, c, street = self.model, self.cols, self.street
        agent = model.actor(actor)
        kinds = c["kind"][pick]
        eff = self.efficiency[actor, kinds]
        if actor == Actor.VOLUNTEER:  # supervised volunteers serve more per hour
            gain = street.gather(volunteer_gain, self._where(pick))
            self._serve_by_volunteers(agent, pick, kinds, eff * (1 + gain))
            return
        if actor == Actor.CHARITY:
            price = model.p.service_cost_yuan_per_hour
            for kind in sorted(set(kinds.tolist())):  # (np.unique is slow on a few items)
                sel = pick[kinds == kind]
                where = self._where(sel)
                cost = c["amount_left"][sel] / self.efficiency[actor, kind] * price
                paid, total = street.fill(cost, agent.spendable(kind), where)
                agent.spend(total, int(kind))
                self._record(sel, _safe_div(paid, cost) * c["amount_left"][sel])
            return
        if actor == Actor.SOCIAL_ORG:  # contract hours only for needs the contract covers
            scoped = c["in_scope"][pick]
            self._fill_hours(agent.hours, pick[scoped], eff[scoped])
            self._fill_flexible(agent, pick, eff)
            return
        self._fill_hours(agent.hours, pick, eff)

    def _serve_by_volunteers(self, corps, pick: np.ndarray, kinds: np.ndarray,
                             eff: np.ndarray) -> None:
        """Volunteers serve from today's hours and count where the hours went."""
        units = self._fill_hours(corps.hours, pick, eff)
        if units.any():
            corps.served(kinds, units, self._where(pick))

    def _fill_hours(self, budget, pick: np.ndarray, eff: np.ndarray) -> np.ndarray:
        """Serve ``pick`` in order from an hours budget; return the hours each one took."""
        c, street = self.cols, self.street
        where = self._where(pick)
        cost = c["amount_left"][pick] / eff
        units, total = street.fill(cost, budget.remaining, where)
        budget.take(total)
        self._record(pick, units * eff)
        return units

    def _fill_flexible(self, agent, pick: np.ndarray, eff: np.ndarray) -> None:
        """Flexible money (the unrestricted control) buys hours for any service need."""
        street = self.street
        if not street.any(agent.flexible.remaining > 0):
            return
        c, price = self.cols, self.model.p.service_cost_yuan_per_hour
        left = c["amount_left"][pick] > _EPS
        pick, eff = pick[left], eff[left]
        where = self._where(pick)
        cost = c["amount_left"][pick] / eff * price
        paid, total = street.fill(cost, agent.flexible.remaining, where)
        agent.flexible.take(total)
        self._record(pick, _safe_div(paid, cost) * c["amount_left"][pick])

    def _pay(self, actor: Actor, pick: np.ndarray) -> None:
        """Material needs: goods or money from the charity, relief from the platform."""
        if pick.size == 0:
            return
        c, agent, street = self.cols, self.model.actor(actor), self.street
        where = self._where(pick)
        if actor == Actor.CHARITY:
            paid, total = street.fill(c["amount_left"][pick], agent.spendable_goods(), where)
            agent.spend_goods(total)
            self._record(pick, paid)
            pick = pick[c["amount_left"][pick] > _EPS]
            where = self._where(pick)
            paid, total = street.fill(c["amount_left"][pick],
                                      agent.spendable(int(Need.MATERIAL_HARDSHIP)), where)
            agent.spend(total, int(Need.MATERIAL_HARDSHIP))
        else:
            budget = agent.relief if actor == Actor.PLATFORM else agent.flexible
            paid, total = street.fill(c["amount_left"][pick], budget.remaining, where)
            budget.take(total)
        self._record(pick, paid)

    def _record(self, idx: np.ndarray, amount: np.ndarray) -> None:
        if not amount.any():  # all 0, a budget used up (about half the calls): nothing
            return  # changes, as amount_left is never -0.0 ("- 0, at least 0" keeps it)
        c = self.cols
        served = amount > 0
        c["amount_left"][idx] = np.maximum(c["amount_left"][idx] - amount, 0.0)
        first = idx[served & (c["first_service"][idx] < 0)]
        c["first_service"][first] = self.model.today

    # --- end of day -----------------------------------------------------------------
    def close_day(self) -> np.ndarray:
        """Close met and expired needs, tally them; return the residents whose need went unmet."""
        c, tally, street = self.cols, self.model.tally, self.street
        met = c["amount_left"] <= _EPS
        expired = ~met & (c["last_day"] <= self.model.today)
        closed = met | expired
        if not closed.any():  # many days in a small community
            self.today.update(met=0, unmet=0)
            return _NO_INDEX
        where = c["community"]
        material = c["kind"] == Need.MATERIAL_HARDSHIP
        for name, mask, keys in (("met", met, NEEDS_MET), ("unmet", expired, NEEDS_UNMET)):
            tally[f"needs_{name}"] += street.count(where, mask)
            tally[f"needs_{name}_vulnerable"] += street.count(where, mask & c["vulnerable"])
            self._tally_by_kind(keys, street.tag(where, mask), c["kind"][mask])
        for key, mask in (("unmet_need_hours", expired & ~material),
                          ("unmet_relief_yuan", expired & material)):
            tally[key] += street.sum(c["amount_left"][mask], street.tag(where, mask))
        tally["needs_unmet_undiscovered"] += street.count(where, expired & ~c["visible"])
        tally["needs_unmet_refused"] += street.count(where, expired & c["refused"])
        tally["needs_refused"] += street.count(where, closed & c["refused"])
        if street.one:
            np.add.at(self.unmet_hours_by_type, c["kind"][expired], c["amount_left"][expired])
        else:
            np.add.at(self.unmet_hours_by_type, (where[expired], c["kind"][expired]),
                      c["amount_left"][expired])
        served = closed & (c["first_service"] >= 0)
        tally["response_days"] += street.total(
            street.tag(where, served), c["first_service"][served] - c["arrival"][served])
        tally["needs_responded"] += street.count(where, served)
        np.add.at(self.model.population.open_needs, c["resident"][closed], -1)
        unmet_residents = c["resident"][expired]
        keep = ~closed
        for k in c:
            c[k] = c[k][keep]
        self.today.update(met=int(met.sum()), unmet=int(expired.sum()))
        return unmet_residents

    # --- views and helpers ------------------------------------------------------------
    def open_hidden(self) -> int:
        return int((~self.cols["visible"]).sum())

    def _order_tables(self, linked: tuple[Actor, ...]):
        """Preference lists per need type, the order of actors to try per first actor, and
        the number of actor types able to serve each type, for one set of linked actors.

        ``pref[kind]`` lists the linked actors able to serve (or pay for) ``kind``, best
        first; ``orders[kind, first]`` is that list with ``first`` moved to the front.
        Padded with -1 (to the width of all actor types, the same for every set).
        """
        pref_lists = service_preference(self.efficiency, linked)
        flexible = self.model.regime.control == "unrestricted"
        pref_lists[Need.MATERIAL_HARDSHIP] = [
            a for a in _MATERIAL_PAYERS
            if a in linked and (a != Actor.SOCIAL_ORG or flexible)]
        width = len(Actor)
        pref = np.full((len(Need), width), -1, dtype=np.int64)
        orders = np.full((len(Need), len(Actor), width), -1, dtype=np.int64)
        for kind, able in enumerate(pref_lists):
            pref[kind, : len(able)] = able
            for first in able:
                orders[kind, first, : len(able)] = [first] + [a for a in able if a != first]
        return pref, orders, np.array([len(a) for a in pref_lists])


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)
