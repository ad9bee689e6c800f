"""Linkage regimes: which actor types the community platform links, and the resource controls.

Three-actor linkage (三社联动) links the community platform, social organizations and
social workers; five-actor linkage (五社联动) adds community volunteers and charity
resources. The ablations add one of the two. The controls give three-actor linkage the
hours and money that five-actor linkage actually mobilises in the same run (same seed), so
that a researcher can split the effect of five into "more resources", "more flexible
resources", "five's way of matching resources to needs" and linkage itself:

* ``three-equal-resources``: the resources arrive through the government-purchase channel,
  with its restrictions: only contracted need types, only while a contract runs, after a
  procurement lag ("passive and lagging" allocation, Essay 2021 in docs/references.md);
* ``three-equal-resources-unrestricted``: the same amount as flexible purchased hours, for
  any need type, on any day, at once;
* ``three-equal-resources-matched``: five's realised supply itself (each day's volunteer
  hours, skilled ones included, and charity money, goods and campaign earmarks), spent by
  five's own matching rule (the volunteers' and the charity's need-type priorities and
  efficiencies, charity first for material hardship), but without linkage: every
  mechanism of ``LINKAGE`` acts as under three-actor linkage. Five minus this control is
  the effect of linkage itself.

The matched control may keep some linkage mechanisms: ``three-equal-resources-matched+
supervision+crowd_out`` keeps those two. With all of them kept it is five-actor linkage
itself, run for run (a test checks this); the attribution ladder (``sim explain``) walks
from the matched control to five one mechanism at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum


class Actor(IntEnum):
    """Actor types, in a fixed order used to index capability tables."""

    PLATFORM = 0
    SOCIAL_ORG = 1
    SOCIAL_WORKER = 2
    VOLUNTEER = 3
    CHARITY = 4


ACTOR_NAMES = ("platform", "social_org", "social_worker", "volunteer", "charity")
THREE = (Actor.PLATFORM, Actor.SOCIAL_ORG, Actor.SOCIAL_WORKER)
FIVE = (*THREE, Actor.VOLUNTEER, Actor.CHARITY)

RESTRICTED, UNRESTRICTED, MATCHED = "restricted", "unrestricted", "matched"

# The mechanisms through which linking volunteers and charity to the platform helps or hurts
# beyond the resources they bring (names as in sim.model.params LINKAGE_MECHANISMS and
# NEGATIVE_MECHANISMS). Withheld, each acts as under three-actor linkage: no volunteer ties
# to residents (discovery, early detection, trust), no supervision, no shared registry, no
# skilled mediation; coordination and administration over the three core actor types only;
# no crowd-out, no backfire, no role overlap. Of the other mechanisms of those lists, surge,
# burnout, donor fatigue and trust shocks shape how much five mobilises (they are in the
# supply the matched control receives), and diffusion of responsibility grows with the
# actor types a case could go to, which the matched control dispatches to as five does (it
# is part of five's way of matching resources to needs).
LINKAGE_GAINS = ("volunteer_discovery", "early_detection", "neighbour_trust", "supervision",
                 "shared_registry", "skilled_volunteers")
LINKAGE_COSTS = ("coordination_cost", "crowd_out", "volunteer_backfire", "admin_overload",
                 "role_overlap")
LINKAGE = (*LINKAGE_GAINS, *LINKAGE_COSTS)
MATCHED_NAME = "three-equal-resources-matched"


@dataclass(frozen=True)
class Regime:
    """The actor types linked; for the controls how five's resources are handed over; and
    the linkage mechanisms that act (all of them, except in the matched control)."""

    actors: tuple[Actor, ...]
    control: str | None = None     # None | "restricted" | "unrestricted" | "matched"
    linkage: frozenset[str] = field(default=frozenset(LINKAGE))

    def links(self, mechanism: str) -> bool:
        """Whether linkage mechanism ``mechanism`` (a name of LINKAGE) acts."""
        return mechanism in self.linkage


_NAMED: dict[str, Regime] = {
    "three": Regime(THREE),
    "five": Regime(FIVE),
    "three+volunteers": Regime((*THREE, Actor.VOLUNTEER)),
    "three+charity": Regime((*THREE, Actor.CHARITY)),
    "three-equal-resources": Regime(THREE, RESTRICTED),
    "three-equal-resources-unrestricted": Regime(THREE, UNRESTRICTED),
    MATCHED_NAME: Regime(FIVE, MATCHED, frozenset()),
}


def matched_name(kept: Iterable[str]) -> str:
    """The name of the matched control keeping linkage mechanisms ``kept`` (any order)."""
    kept = set(kept)
    unknown = kept - set(LINKAGE)
    if unknown:
        raise ValueError(f"not linkage mechanisms: {', '.join(sorted(unknown))}")
    return "+".join([MATCHED_NAME, *(m for m in LINKAGE if m in kept)])


class Regimes(Mapping[str, Regime]):
    """The named regimes (iteration lists these), and the matched control keeping some
    linkage mechanisms, looked up by name (``"three-equal-resources-matched+supervision"``)."""

    def __getitem__(self, name: str) -> Regime:
        if name in _NAMED:
            return _NAMED[name]
        base, _, rest = name.partition("+")
        kept = rest.split("+") if rest else []
        if base != MATCHED_NAME or not kept or len(set(kept)) != len(kept) \
                or not set(kept) <= set(LINKAGE) or matched_name(kept) != name:
            raise KeyError(name)
        return Regime(FIVE, MATCHED, frozenset(kept))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(_NAMED)

    def __len__(self) -> int:
        return len(_NAMED)


REGIMES: Mapping[str, Regime] = Regimes()
