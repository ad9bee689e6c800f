"""Two linked runs: a three- and a five-actor community from the same seed, stepped together.

Built only on the model's public API (``CommunityModel``, ``step``, ``day``, ``running``,
``graph``, ``node_states``, ``metrics_today``, ``daily_frame``, ``actors``), plus the model's
parameter object, read back to show the parameters actually in effect.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.dashboard import drawing
from sim.model import CommunityModel

REGIMES = ("three", "five")


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows about one moment, copied out under the lock."""

    day: dict[str, int]
    running: dict[str, bool]
    states: dict[str, dict[str, np.ndarray]]
    metrics: dict[str, dict[str, float]]
    frames: dict[str, pd.DataFrame]
    actors: dict[str, tuple[str, ...]]


@dataclass
class LinkedRuns:
    """A ``three`` and a ``five`` community with the same seed and parameters.

    The only difference between the two models is the regime, so every difference on screen
    comes from the linkage. ``step`` advances both together.
    """

    seed: int
    params: dict[str, float]
    models: dict[str, CommunityModel] = field(init=False)
    views: dict[str, drawing.NetworkView] = field(init=False)

    def __post_init__(self):
        self.models = {r: CommunityModel(regime=r, rng=self.seed, **self.params) for r in REGIMES}
        # network_view is cached by graph, so identical graphs are laid out once
        self.views = {r: drawing.network_view(m.graph, self.seed) for r, m in self.models.items()}
        self._lock = threading.Lock()  # the play loop steps in a thread while the page reads

    @property
    def running(self) -> bool:
        """True while either community still has days left to simulate."""
        return any(m.running for m in self.models.values())

    def step(self, days: int = 1) -> None:
        """Advance both communities by ``days`` days (a finished one stays put)."""
        with self._lock:
            for _ in range(days):
                for model in self.models.values():
                    if model.running:
                        model.step()

    def effective_params(self) -> dict[str, float]:
        """The parameter values the models were actually built with (read back from them)."""
        built = self.models["five"].params
        return {name: getattr(built, name) for name in self.params}

    def snapshot(self) -> Snapshot:
        """Copy out what the page needs, consistently for both models."""
        with self._lock:
            return Snapshot(
                day={r: int(m.day) for r, m in self.models.items()},
                running={r: bool(m.running) for r, m in self.models.items()},
                states={
                    r: {k: np.array(v) for k, v in m.node_states().items()}
                    for r, m in self.models.items()
                },
                metrics={
                    r: dict(m.metrics_today()) if m.day > 0 else {} for r, m in self.models.items()
                },
                frames={r: m.daily_frame().copy() for r, m in self.models.items()},
                actors={r: tuple(_kind(a) for a in m.actors) for r, m in self.models.items()},
            )

    def csv(self) -> str:
        """Both runs' daily series in one long table.

        Leading columns say which run a row belongs to (regime, seed); trailing ``param_*``
        columns record the parameter overrides, so the file alone can reproduce the runs.
        """
        params = {f"param_{k}": v for k, v in self.effective_params().items()}
        with self._lock:
            parts = [
                m.daily_frame().assign(regime=r, seed=self.seed) for r, m in self.models.items()
            ]
        frame = pd.concat(parts, ignore_index=True)
        first = ["regime", "seed", "day"]
        frame = frame[first + [c for c in frame.columns if c not in first]]
        return frame.assign(**params).to_csv(index=False)


def _kind(actor) -> str:
    """Actor key as a lower-case name ("platform", "volunteer", ...), whether enum or string."""
    return getattr(actor, "name", str(actor)).lower()
