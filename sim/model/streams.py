"""The model's only source of randomness: named streams and per-case draws, from one seed.

Two kinds of randomness, both derived from the run's seed alone:

* **Streams** (``streams.need_arrivals``, ``streams.volunteers``, ...): numpy Generators, one
  per mechanism, spawned from the seed with ``SeedSequence``. Drawing more in one mechanism
  (say, volunteers, which exist only in some regimes) never shifts another's draws, so the
  exogenous arrivals of needs, potential disputes and shocks are identical under every
  regime: common random numbers, sharp paired comparisons. Each need type has its own
  sub-stream so that changing one rate leaves the other arrivals unchanged.

* **Per-case draws** (``streams.uniform(Draw.ESCALATION, case_ids, day)``): a uniform number
  that is a pure function of (seed, kind of event, case id, day or attempt). A dispute or a
  need thus carries its own dice for every later event, whatever else happens in the run:
  the same dispute follows the same path under every regime until an intervention changes
  it. The hash is SplitMix64's finaliser, a well-mixed 64-bit bijection.

A street of several communities (``communities = K``) gives each community its own
streams and per-case draws, from its own seed (:func:`community_seed`; community 0 uses the
run's seed itself): each community of a street draws what it would draw alone, so every
community's exogenous arrivals are the same under every regime (:class:`StreetStreams`).

The model must not draw from Mesa's ``model.random`` or ``model.rng``; ``CommunityModel``
replaces them with guards that raise, and a test checks this.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Draw(IntEnum):
    """Kinds of per-case draws; each has its own salt, so they are independent."""

    NEED_HIDDEN = 0
    NEED_SELF_REPORT = 1
    NEED_REFUSAL = 2
    NEED_DISCOVERY = 3
    NEED_PICKUP = 4
    NEED_SCOPE = 5
    DISPUTE_ONSET = 10
    DISPUTE_ESCALATION = 11
    DISPUTE_REPORT = 12
    DISPUTE_DETECTION = 13
    DISPUTE_REIGNITION = 14
    DISPUTE_PICKUP = 15
    DISPUTE_SUCCESS = 16
    DISPUTE_TRUE_RESOLUTION = 17
    DISPUTE_BACKFIRE = 18
    DISPUTE_DISPATCH_ERROR = 19


def _u64(value: int) -> np.ndarray:
    """A uint64 constant as a 0-d array: numpy combines it with an array faster than a
    numpy scalar (the arrays here are small, so such per-call costs are the hash's cost)."""
    return np.array(value, dtype=np.uint64)


_M1, _M2 = _u64(0xBF58476D1CE4E5B9), _u64(0x94D049BB133111EB)
_GOLDEN = _u64(0x9E3779B97F4A7C15)
_S11, _S27, _S30, _S31 = _u64(11), _u64(27), _u64(30), _u64(31)
_TO_UNIT = np.array(2.0 ** -53)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrap-around arithmetic is intended; numpy
    does not warn about it for arrays, only for scalars, so callers pass arrays)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


class Streams:
    """Named numpy Generators (see STREAMS) and per-case uniform draws, from one seed."""

    # The named streams, one Generator each, spawned in this order (STREAMS, below);
    # population and need_arrivals are used through ``split``.
    population: np.random.Generator
    need_arrivals: np.random.Generator
    need_dispatch: np.random.Generator
    home_visits: np.random.Generator
    potential_disputes: np.random.Generator
    dispute_dispatch: np.random.Generator
    emergencies: np.random.Generator
    scandals: np.random.Generator
    volunteers: np.random.Generator
    charity: np.random.Generator

    def __init__(self, seed: int):
        root = np.random.SeedSequence(seed)
        children = root.spawn(len(STREAMS) + 1)
        self._sequences = dict(zip(STREAMS, children, strict=False))
        for name, child in self._sequences.items():
            setattr(self, name, np.random.default_rng(child))
        salts = children[-1].generate_state(max(Draw) + 1, dtype=np.uint64)
        self._salts = {d: _u64(salts[int(d)]) for d in Draw}

    def split(self, name: str, parts: int) -> list[np.random.Generator]:
        """Independent sub-streams of stream ``name`` (call once per name).

        Used where one mechanism draws several independent things whose parameters a
        researcher varies separately (e.g. each need type's arrivals): changing one
        rate must not shift the draws of another, since numpy's Poisson sampler consumes
        a variable number of random numbers.
        """
        return [np.random.default_rng(s) for s in self._sequences[name].spawn(parts)]

    def uniform(self, kind: Draw, ids, step=0) -> np.ndarray:
        """Uniform numbers in [0, 1), one per case id: a pure function of (seed, kind, id, step).

        ``ids`` are the cases' unsigned 64-bit identities; ``step`` is a day or an attempt
        number (a scalar or an array like ``ids``). Always returns a 1-d array.
        """
        ids = np.array(ids, dtype=np.uint64, copy=None, ndmin=1)
        step = np.array(step, dtype=np.uint64, copy=None, ndmin=1)
        return _uniform_hash(ids, self._salts[kind], step)

    def uniforms(self, draws, ids) -> np.ndarray:
        """Several per-case draws for the same cases at once: row ``j`` equals
        ``uniform(kind_j, ids, step_j)`` for ``draws = [(kind_0, step_0), ...]``.

        The same numbers as separate ``uniform`` calls (the hash works element by
        element), in one pass: worth it where each case takes several dice at once.
        """
        ids = np.array(ids, dtype=np.uint64, copy=None, ndmin=1)
        salts = np.array([self._salts[kind] for kind, _ in draws], dtype=np.uint64)[:, None]
        steps = np.array([step for _, step in draws], dtype=np.uint64)[:, None]
        return _uniform_hash(ids, salts, steps)


STREAMS = tuple(Streams.__annotations__)   # names of the streams, in spawning order
_INT63 = (1 << 63) - 1


def community_seed(seed: int, k: int) -> int:
    """Seed of community ``k`` of a street whose run seed is ``seed`` (community 0: ``seed``)."""
    if k == 0:
        return seed
    state = np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(1, dtype=np.uint64)
    return int(state[0]) & _INT63


class StreetStreams:
    """The streams of every community of a street, and per-case draws for cases tagged with
    their community: community k's case draws with community k's salts, exactly as that
    community alone would (``Streams`` of ``community_seed(seed, k)``)."""

    def __init__(self, seed: int, communities: int = 1, first_community: int = 0):
        # ``first_community``: the street-wide index of the first of these communities (a
        # part of a street run in its own process, ``sim.model.run``)
        self.communities = [Streams(community_seed(seed, first_community + k))
                            for k in range(communities)]
        self._one = communities == 1
        first = self.communities[0]._salts
        # For one community the salts are used as they are (0-d arrays, as in Streams).
        self._salts = first if self._one else {
            d: np.array([s._salts[d] for s in self.communities], dtype=np.uint64) for d in Draw}

    def __len__(self) -> int:
        return len(self.communities)

    def of(self, name: str) -> list[np.random.Generator]:
        """Stream ``name`` of each community, in community order."""
        return [getattr(s, name) for s in self.communities]

    def split(self, name: str, parts: int) -> list[list[np.random.Generator]]:
        """``Streams.split`` in each community: per community, ``parts`` sub-streams."""
        return [s.split(name, parts) for s in self.communities]

    def _salt(self, kind: Draw, community) -> np.ndarray:
        return self._salts[kind] if self._one else self._salts[kind][community]

    def uniform(self, kind: Draw, ids, step=0, community=None) -> np.ndarray:
        """``Streams.uniform`` for cases of the street; ``community``: each case's community
        (an array like ``ids``, or one community's index; ignored for one community)."""
        ids = np.array(ids, dtype=np.uint64, copy=None, ndmin=1)
        step = np.array(step, dtype=np.uint64, copy=None, ndmin=1)
        return _uniform_hash(ids, self._salt(kind, community), step)

    def uniforms(self, draws, ids, community=None) -> np.ndarray:
        """``Streams.uniforms`` for cases of the street (``community`` as in ``uniform``)."""
        ids = np.array(ids, dtype=np.uint64, copy=None, ndmin=1)
        if self._one:
            salts = np.array([self._salts[kind] for kind, _ in draws], dtype=np.uint64)[:, None]
        else:
            salts = np.stack([np.broadcast_to(self._salt(kind, community), ids.shape)
                              for kind, _ in draws])
        steps = np.array([step for _, step in draws], dtype=np.uint64)[:, None]
        return _uniform_hash(ids, salts, steps)


def _uniform_hash(ids: np.ndarray, salt: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) from case ids, salts and steps (uint64 arrays that broadcast)."""
    h = _mix(_mix(ids ^ salt) ^ (step * _GOLDEN + salt))
    return (h >> _S11).astype(np.float64) * _TO_UNIT


class NoDraws:
    """Stands in for Mesa's ``model.random`` and ``model.rng``: any use raises at once.

    Every random number of the model must come from ``sim.model.streams.Streams``; a draw from
    another generator would silently break common random numbers across regimes.
    """

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        raise RuntimeError(f"model.{self._name}.{attr}: the model draws only from "
                           "model.streams (sim/model/streams.py), never from Mesa's generators")

    def __deepcopy__(self, memo):
        return self
