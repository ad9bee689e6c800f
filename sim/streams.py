"""Independent random streams, one per mechanism, from one seed.

Splitting the seed with numpy's SeedSequence gives each mechanism its own stream, so
drawing more in one mechanism (say, volunteers, which exist only in some regimes) never
shifts the draws of another. Exogenous arrivals of needs, disputes and shocks are thus
identical across regimes for a given seed: common random numbers, sharp paired comparisons.
"""

import numpy as np

STREAMS = ("population", "needs", "disputes", "shocks", "dispatch", "interventions",
           "dynamics", "volunteers", "charity")


class Streams:
    """Named numpy Generators: ``streams.needs``, ``streams.disputes``, ... (see STREAMS)."""

    def __init__(self, seed: int):
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        for name, child in zip(STREAMS, children, strict=True):
            setattr(self, name, np.random.default_rng(child))
