"""How far a particle's simulated patterns are from the observed ones.

An adaptive weighted Euclidean distance (Prangle 2017, pyabc's AdaptivePNormDistance):

    d = sqrt( mean over targets of ((simulated - observed) / scale)^2 )

with, for each target and each population,

    scale = sqrt( MAD^2 + uncertainty^2 )

MAD is the median absolute deviation of that statistic over the previous population's
simulations (all proposals, accepted or not), the adaptive part: early on, when the
particles still cover the prior, a statistic that varies over thousands of units cannot
drown one that varies over hundredths. ``uncertainty`` is the target's stated
uncertainty: as the particles close in, MAD shrinks and the scale tends to it, so a
pattern observed loosely never weighs as much as one observed precisely, and a distance
of 1 means "off by about one stated uncertainty per target". The ``minimum_epsilon`` of
a calibration file is read on this scale.

A statistic the model leaves undefined (NaN, e.g. a ratio over zero events) counts as
``UNDEFINED_SCALES`` scales away, so such a particle is never accepted for it.
"""

from __future__ import annotations

import numpy as np
import pyabc

UNDEFINED_SCALES = 10.0


class PatternScale:
    """Scale function for AdaptivePNormDistance: MAD of the sample combined with the
    targets' stated uncertainties (a picklable object, not a closure)."""

    def __init__(self, uncertainties: dict[str, float]):
        self.uncertainties = dict(uncertainties)
        self.__name__ = "PatternScale"     # pyabc records the scale function by name

    def __call__(self, *, samples: np.ndarray, s0: np.ndarray, s_ids: list[str],
                 **_ignored) -> np.ndarray:
        samples = np.atleast_2d(np.asarray(samples, dtype=float))
        with np.errstate(all="ignore"):
            median = np.nanmedian(samples, axis=0)
            mad = np.nanmedian(np.abs(samples - median), axis=0)
        mad = np.where(np.isfinite(mad), mad, 0.0)
        u = np.array([self.uncertainties[s] for s in s_ids], dtype=float)
        return np.sqrt(mad**2 + u**2)


class PatternDistance(pyabc.distance.AdaptivePNormDistance):
    """AdaptivePNormDistance with :class:`PatternScale` and NaN-safe components."""

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None):
        s, s0 = self.sumstat(x).flatten(), self.sumstat(x_0).flatten()
        weights = np.broadcast_to(self.get_weights(t=t), s.shape)
        fixed = np.broadcast_to(self.for_t_or_latest(self.fixed_weights, t), s.shape)
        components = np.abs(weights * (s - s0))
        undefined = ~np.isfinite(components)
        components[undefined] = UNDEFINED_SCALES * fixed[undefined]
        return float(np.sqrt((components**2).sum()))


def pattern_distance(uncertainties: dict[str, float]) -> PatternDistance:
    """The distance for targets named by ``uncertainties`` (name -> stated uncertainty)."""
    n = len(uncertainties)
    # fixed weights 1/sqrt(n) turn the Euclidean norm into a root mean square over targets
    return PatternDistance(p=2, scale_function=PatternScale(uncertainties),
                           fixed_weights={name: 1 / np.sqrt(n) for name in uncertainties})
