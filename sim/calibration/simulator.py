"""The model as ABC sees it: parameters in, one number per observed pattern out.

A :class:`PatternModel` is what pyabc calls once per particle. It runs the model
``replicates`` times at the calibration's fixed size and returns, per target, the mean
over those runs of the target's statistic (its metric, or the metric divided by its
denominator). It is a plain picklable object, so pyabc can ship it to Dask workers.

Seeds. Each particle's model seeds are derived from the particle's parameter values and
the calibration's root seed (a hash of the exact floats), never from a global random
state: the same parameters always give the same simulated statistics, on any sampler,
worker or machine. So any stored particle can be re-simulated exactly, and a run on the
single-core sampler, whose proposals come from numpy's global RNG seeded with the root
seed, is reproducible end to end.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiments.seeds import run_seed

from .spec import Calibration, Target

_INT63 = (1 << 63) - 1


def particle_seed(root_seed: int, values: dict[str, float], salt: str = "abc") -> int:
    """A seed that depends only on the root seed, the salt and the exact parameter values."""
    text = ";".join(f"{k}={float(v).hex()}" for k, v in sorted(values.items()))
    digest = hashlib.sha256(f"{root_seed}|{salt}|{text}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & _INT63


@dataclass(frozen=True)
class PatternModel:
    """Simulate the observed patterns for one particle (the pyabc model function)."""

    regime: str
    fixed: dict[str, Any]
    integer_params: tuple[str, ...]
    log_params: tuple[str, ...]          # pyabc samples these as log(value)
    targets: tuple[Target, ...]
    replicates: int
    root_seed: int
    salt: str = "abc"

    @classmethod
    def from_calibration(cls, cal: Calibration, salt: str = "abc") -> PatternModel:
        return cls(regime=cal.regime, fixed=dict(cal.fixed),
                   integer_params=tuple(p.name for p in cal.priors if p.integer),
                   log_params=tuple(p.name for p in cal.priors if p.log_scale),
                   targets=cal.targets, replicates=cal.replicates, root_seed=cal.seed,
                   salt=salt)

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        """pyabc's entry point: parameters as sampled (log scale for log-uniform priors)."""
        return self.statistics(self.natural(parameters))

    def natural(self, sampled: dict[str, float]) -> dict[str, float]:
        """Sampled values back on the parameters' own scale."""
        return {k: (math.exp(v) if k in self.log_params else float(v))
                for k, v in sampled.items()}

    def model_params(self, values: dict[str, float]) -> dict[str, Any]:
        """The overrides one run passes to the model: fixed values, then the particle."""
        particle = {k: (round(v) if k in self.integer_params else float(v))
                    for k, v in values.items()}
        return {**self.fixed, **particle}

    def seeds(self, values: dict[str, float]) -> list[int]:
        base = particle_seed(self.root_seed, values, self.salt)
        return [run_seed(base, 0, rep) for rep in range(self.replicates)]

    def statistics(self, values: dict[str, float]) -> dict[str, float]:
        """Mean over replicates of every target's statistic (NaN where undefined), for
        parameter values on their own scale."""
        from sim.model import simulate

        params = self.model_params(values)
        per_run = []
        for seed in self.seeds(values):
            summary = simulate(params, self.regime, seed).summary
            per_run.append([target_statistic(t, summary, params) for t in self.targets])
        table = np.asarray(per_run, dtype=float)
        out = {}
        for j, target in enumerate(self.targets):
            column = table[:, j][np.isfinite(table[:, j])]
            out[target.name] = float(column.mean()) if column.size else math.nan
        return out


def target_statistic(target: Target, summary: dict[str, float], params: dict[str, Any]) -> float:
    """One run's value of a target's statistic: its metric, or metric / denominator."""
    value = float(summary.get(target.metric, math.nan))
    if target.denominator is None:
        return value
    if target.denominator in summary:
        below = float(summary[target.denominator])
    else:
        from sim.model import PARAM_SPECS

        below = float(params.get(target.denominator, PARAM_SPECS[target.denominator].default))
    return value / below if below else math.nan
