"""Linkage regimes: which actor types the community platform links, and the resource controls.

Three-actor linkage (三社联动) links the community platform, social organizations and
social workers; five-actor linkage (五社联动) adds community volunteers and charity
resources. The ablations add one of the two. The two controls give three-actor linkage the
hours and money that five-actor linkage actually mobilises in the same run (same seed),
so a researcher can split the effect of five into "more resources", "more flexible
resources" and "linkage" itself:

* ``three-equal-resources``: the resources arrive through the government-purchase channel,
  with its restrictions: only contracted need types, only while a contract runs, after a
  procurement lag ("passive and lagging" allocation, Essay 2021 in docs/references.md);
* ``three-equal-resources-unrestricted``: the same amount as flexible purchased hours, for
  any need type, on any day, at once.
"""

from __future__ import annotations

from dataclasses import dataclass
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

RESTRICTED, UNRESTRICTED = "restricted", "unrestricted"


@dataclass(frozen=True)
class Regime:
    """The actor types linked, and for the controls how five's resources are handed over."""

    actors: tuple[Actor, ...]
    control: str | None = None     # None | "restricted" | "unrestricted"


REGIMES: dict[str, Regime] = {
    "three": Regime(THREE),
    "five": Regime(FIVE),
    "three+volunteers": Regime((*THREE, Actor.VOLUNTEER)),
    "three+charity": Regime((*THREE, Actor.CHARITY)),
    "three-equal-resources": Regime(THREE, RESTRICTED),
    "three-equal-resources-unrestricted": Regime(THREE, UNRESTRICTED),
}
