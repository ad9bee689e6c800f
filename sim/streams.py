"""Independent random streams, one per mechanism, from one seed.

Splitting the seed with numpy's SeedSequence gives each mechanism its own stream, so
drawing more in one mechanism (say, volunteers, which exist only in some regimes) never
shifts the draws of another. Exogenous arrivals of needs, disputes and shocks are thus
identical across regimes for a given seed: common random numbers, sharp paired comparisons.
Emergencies and charity scandals have separate streams, and each need type its own
sub-stream, so that changing one rate leaves the other arrivals as they were.
"""

import numpy as np

STREAMS = ("population", "needs", "disputes", "emergencies", "scandals", "dispatch",
           "interventions", "dynamics", "volunteers", "charity")


class Streams:
    """Named numpy Generators: ``streams.needs``, ``streams.disputes``, ... (see STREAMS)."""

    def __init__(self, seed: int):
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self._sequences = dict(zip(STREAMS, children, strict=True))
        for name, child in self._sequences.items():
            setattr(self, name, np.random.default_rng(child))

    def split(self, name: str, parts: int) -> list[np.random.Generator]:
        """Independent sub-streams of stream ``name`` (call once per name).

        Used where one mechanism draws several independent things whose parameters a
        researcher varies separately (e.g. each need type's arrivals): changing one
        rate must not shift the draws of another, since numpy's Poisson sampler consumes
        a variable number of random numbers.
        """
        return [np.random.default_rng(s) for s in self._sequences[name].spawn(parts)]
