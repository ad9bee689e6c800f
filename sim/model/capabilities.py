"""Kinds of needs, dispute stages and mediators, and who serves what in which order.

How well each actor serves each need, and how each mediator fares at each stage, are
parameters (tables in ``sim.model.params``); this module names the kinds and turns the tables
into the arrays and preference orders the submodels use.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from .params import NEED_TYPES, SERVICE_NEEDS, Params
from .regimes import Actor


class Need(IntEnum):
    """Need types. Each has a rate and a deadline in Params; material needs cost yuan."""

    ELDER_CARE = 0
    CHILD_CARE = 1
    DISABILITY_SUPPORT = 2
    MATERIAL_HARDSHIP = 3
    PSYCHOLOGICAL = 4
    EMERGENCY = 5


NEED_NAMES = list(NEED_TYPES)
assert [n.name.lower() for n in Need] == NEED_NAMES
SERVICE_COLUMNS = [NEED_NAMES.index(n) for n in SERVICE_NEEDS]  # need types served in hours


class Mediator(IntEnum):
    """Who can intervene in a dispute (rows of the mediation tables)."""

    PLATFORM = 0
    SOCIAL_WORKER = 1
    VOLUNTEER = 2
    SKILLED_VOLUNTEER = 3


# The actor whose hours a mediator uses.
MEDIATOR_ACTOR = {Mediator.PLATFORM: Actor.PLATFORM, Mediator.SOCIAL_WORKER: Actor.SOCIAL_WORKER,
                  Mediator.VOLUNTEER: Actor.VOLUNTEER,
                  Mediator.SKILLED_VOLUNTEER: Actor.VOLUNTEER}

# Dispute stages (0 = no dispute). Court is absorbing and counts as escalated.
FRICTION, CONFLICT, COMPLAINT, COURT = 1, 2, 3, 4
STAGE_NAMES = {FRICTION: "friction", CONFLICT: "open conflict", COMPLAINT: "formal complaint",
               COURT: "court"}

# Best-matched mediator first, by stage (Glasl 1997: neighbours and trusted moderators early,
# professional mediators in the middle stages).
MEDIATION_PREFERENCE = {
    FRICTION: (Mediator.SKILLED_VOLUNTEER, Mediator.VOLUNTEER, Mediator.PLATFORM,
               Mediator.SOCIAL_WORKER),
    CONFLICT: (Mediator.SOCIAL_WORKER, Mediator.SKILLED_VOLUNTEER, Mediator.PLATFORM,
               Mediator.VOLUNTEER),
    COMPLAINT: (Mediator.SOCIAL_WORKER, Mediator.PLATFORM, Mediator.SKILLED_VOLUNTEER,
                Mediator.VOLUNTEER),
}

# Tie-break when two actors serve a need equally well: everyday help goes to volunteers and
# contracted services before scarce professionals; the platform is the last resort.
_TIE_ORDER = [Actor.VOLUNTEER, Actor.SOCIAL_ORG, Actor.CHARITY, Actor.SOCIAL_WORKER,
              Actor.PLATFORM]


def service_efficiency(p: Params) -> np.ndarray:
    """Hours of need served per actor hour, (n_actors, n_needs); 0 for material needs."""
    table = np.zeros((len(Actor), len(Need)))
    table[:, SERVICE_COLUMNS] = p.table("service_efficiency")
    return table


def service_preference(efficiency: np.ndarray, linked: tuple[Actor, ...]) -> list[list[Actor]]:
    """Per need type, the linked actors able to serve it, best match first."""
    rank = {a: i for i, a in enumerate(_TIE_ORDER)}
    return [sorted((a for a in linked if efficiency[a, need] > 0),
                   key=lambda a: (-efficiency[a, need], rank[a])) for need in Need]
