"""Linkage regimes: which actor types are linked by the community platform.

Three-actor linkage (三社联动) links the community platform, social organizations and
social workers; five-actor linkage (五社联动) adds community volunteers and charity
resources. The ablations add one of the two, or give three-actor linkage the same
hours and money that five mobilises (to separate "more resources" from "better linkage").
"""

from enum import IntEnum


class Actor(IntEnum):
    """Actor types, in a fixed order used to index capability tables."""

    PLATFORM = 0
    SOCIAL_ORG = 1
    SOCIAL_WORKER = 2
    VOLUNTEER = 3
    CHARITY = 4


THREE = (Actor.PLATFORM, Actor.SOCIAL_ORG, Actor.SOCIAL_WORKER)

REGIMES: dict[str, tuple[Actor, ...]] = {
    "three": THREE,
    "five": (*THREE, Actor.VOLUNTEER, Actor.CHARITY),
    "three+volunteers": (*THREE, Actor.VOLUNTEER),
    "three+charity": (*THREE, Actor.CHARITY),
    "three-equal-resources": THREE,
}

# Regimes in which the social organizations receive, as extra purchased hours, the volunteer
# hours and charity money that the five-actor regime would mobilise.
EQUAL_RESOURCES = {"three-equal-resources"}
