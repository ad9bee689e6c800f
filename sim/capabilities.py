"""Who can do what, and how well: the structural assumptions of the model.

These tables are assumptions (documented in docs/parameters.md, "Capability tables"),
shaped by the literature in research/domain.md: professionals are better at
professional needs and mid-stage disputes (Glasl's stage-matched intervention),
volunteers at everyday services, emergencies and early friction, and official
mediation "success" overstates true resolution (court-run pre-mediation ≈65%).
"""

from enum import IntEnum

import numpy as np

from sim.regimes import Actor


class Need(IntEnum):
    """Need types. Each has a rate, hours and a deadline in Params."""

    ELDER_CARE = 0
    CHILD_CARE = 1
    DISABILITY_SUPPORT = 2
    MATERIAL_HARDSHIP = 3
    PSYCHOLOGICAL = 4
    EMERGENCY = 5


NEED_NAMES = [n.name.lower() for n in Need]

# Hours of need served per hour of actor time (0 = cannot serve). Rows: Actor; columns: Need.
# Social organizations serve only the care services they are contracted for. Charity buys
# professional hours on the market (any care service) and gives goods or cash for material
# hardship (see Params.material_relief_yuan).
SERVICE_EFFICIENCY = np.array([
    # elder child disab. material psych. emerg.
    [0.6, 0.6, 0.4, 1.0, 0.3, 0.8],  # community platform (generalists)
    [1.0, 1.0, 1.0, 0.0, 0.8, 0.0],  # social organizations (contracted care services only)
    [0.8, 0.8, 0.8, 1.0, 1.0, 0.6],  # social workers (case work)
    [0.8, 0.8, 0.3, 0.5, 0.2, 0.9],  # volunteers (everyday help, emergencies)
    [1.0, 1.0, 1.0, 1.0, 0.8, 0.5],  # charity (bought hours; material relief in money)
])

# Tie-break when two actors are equally efficient: everyday help goes to volunteers and
# contracted services before scarce professionals; the platform is the last resort.
_TIE_ORDER = [Actor.VOLUNTEER, Actor.SOCIAL_ORG, Actor.CHARITY, Actor.SOCIAL_WORKER,
              Actor.PLATFORM]


def service_preference() -> np.ndarray:
    """Best-matched actor first, per need type: array (n_needs, n_actors) of Actor values."""
    rank = {a: i for i, a in enumerate(_TIE_ORDER)}
    order = []
    for need in Need:
        actors = sorted(Actor, key=lambda a: (-SERVICE_EFFICIENCY[a, need], rank[a]))
        order.append([int(a) for a in actors])
    return np.array(order)


# Dispute stages (0 = no dispute). Court is absorbing and counts as escalated.
FRICTION, CONFLICT, COMPLAINT, COURT = 1, 2, 3, 4
STAGE_NAMES = {FRICTION: "friction", CONFLICT: "open conflict", COMPLAINT: "formal complaint",
               COURT: "court"}

# Mediation hours an intervention takes, by stage (friction, conflict, complaint).
MEDIATION_HOURS = np.array([2.0, 4.0, 8.0])

# Chance an intervention ends the dispute (officially "successful"), by actor and stage.
MEDIATION_SUCCESS = {
    Actor.PLATFORM: np.array([0.5, 0.45, 0.3]),  # residents' committee / people's mediators
    Actor.SOCIAL_WORKER: np.array([0.6, 0.6, 0.5]),  # professional mediation
    Actor.VOLUNTEER: np.array([0.6, 0.35, 0.15]),  # trusted neighbours: early stages only
}

# Of the "successful" interventions, the share that truly resolves the grievance; the rest
# is closure (suppression) that may re-ignite.
TRUE_RESOLUTION = {Actor.PLATFORM: 0.6, Actor.SOCIAL_WORKER: 0.7, Actor.VOLUNTEER: 0.65}

# Best-matched mediator first, by stage (Glasl: neighbours early, professionals mid-way).
MEDIATION_PREFERENCE = {
    FRICTION: [Actor.VOLUNTEER, Actor.PLATFORM, Actor.SOCIAL_WORKER],
    CONFLICT: [Actor.SOCIAL_WORKER, Actor.PLATFORM, Actor.VOLUNTEER],
    COMPLAINT: [Actor.SOCIAL_WORKER, Actor.PLATFORM, Actor.VOLUNTEER],
}
