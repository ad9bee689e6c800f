"""How the platform hands a case (a need or a dispute) to an actor.

Two ways dispatch can go wrong, both from the literature on multi-actor governance:

* **Diffusion of responsibility** (Diekmann 1985, the volunteer's dilemma): when a case
  arrives, the more actor types could take it, the likelier each expects another to act.
  Once per case, it is picked up at once with probability ``L + (1 - L)(1 - d)^(k - 1)``
  (k eligible actor types, d the diffusion, L Party leadership's clarity); otherwise it
  waits ``responsibility_delay_days`` (0: none) and is then served after every other case
  of that day, so it is met only if hours are left over: with plenty of staff someone
  still acts, with scarce staff the case is the one that goes unserved.
* **Mismatch**: the case goes to its best-matched actor with probability ``accuracy``, else
  to a random eligible one first.

A shared case registry, which five-actor linkage brings, changes both: with a positive
``registry_effect`` per linked actor type beyond three it raises accuracy towards 1 and cuts
diffusion; with a negative one (information overload) it does the opposite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Params


@dataclass(frozen=True)
class DispatchRule:
    accuracy: float    # chance the best-matched actor is tried first
    diffusion: float   # per additional eligible actor type
    clarity: float     # Party leadership: assignment is clear, nobody waits for another
    delay_days: int    # wait of a case nobody picked up at once (then back of the queue)

    @classmethod
    def for_linkage(cls, p: Params, n_linked: int) -> DispatchRule:
        accuracy = p.base_dispatch_accuracy + p.party_leadership * (1 - p.base_dispatch_accuracy)
        diffusion = p.responsibility_diffusion
        effect = float(np.clip(p.registry_effect * max(n_linked - 3, 0), -1.0, 1.0))
        if effect >= 0:
            accuracy += effect * (1 - accuracy)
            diffusion *= 1 - effect
        else:
            accuracy *= 1 + effect
            diffusion += -effect * (1 - diffusion)
        return cls(accuracy, diffusion, p.party_leadership, p.responsibility_delay_days)

    def pickup_now(self, eligible: np.ndarray) -> np.ndarray:
        """Chance a new case with ``eligible`` actor types is picked up at once."""
        k = np.maximum(np.asarray(eligible), 1)
        return self.clarity + (1 - self.clarity) * (1 - self.diffusion) ** (k - 1)
