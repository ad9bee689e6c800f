"""Linked runs: a three- and a five-actor community (plus optional controls) stepped together.

Built only on the model's public API: ``CommunityModel``, ``step``, ``day``, ``running``,
``graph``, ``linked`` (the actors taking part), ``node_states``, ``daily_frame``, ``summary``
(read at any day: the outcomes to date) and ``params`` (to show the values in effect).
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.dashboard import drawing
from sim.model import Actor, CommunityModel, SmallCommunityWarning

BASE_REGIMES = ("three", "five")


@dataclass(frozen=True)
class Settings:
    """What a comparison was built from: equal settings give identical runs."""

    seed: int
    preset: str
    params: tuple[tuple[str, float], ...]  # sorted (name, value) overrides
    regimes: tuple[str, ...] = BASE_REGIMES

    @classmethod
    def make(cls, seed: int, preset: str, params: dict, controls=()) -> Settings:
        return cls(int(seed), preset, tuple(sorted(params.items())), (*BASE_REGIMES, *controls))

    @property
    def overrides(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def controls(self) -> tuple[str, ...]:
        return self.regimes[len(BASE_REGIMES) :]

    @property
    def model_key(self) -> tuple:
        """What the model runs depend on: the seed and the parameters (not the preset's
        name, nor which control communities are shown)."""
        return self.seed, self.params


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows about one moment, copied out under the lock."""

    day: dict[str, int]
    running: dict[str, bool]
    states: dict[str, dict[str, np.ndarray]]
    summary: dict[str, dict[str, float]]  # outcomes to date (empty before day 1)
    frames: dict[str, pd.DataFrame]
    linked: dict[str, tuple[Actor, ...]]

    @property
    def regimes(self) -> tuple[str, ...]:
        return tuple(self.day)

    @property
    def today(self) -> int:
        """The day both (all) communities have reached (they step together)."""
        return min(self.day.values())


@dataclass
class LinkedRuns:
    """Communities with the same seed and parameters, one per regime, stepped together.

    The only difference between the models is the regime, so every difference on screen
    comes from the linkage (or, for a control, from how the resources are given).
    """

    settings: Settings
    models: dict[str, CommunityModel] = field(init=False)
    views: dict[str, drawing.NetworkView] = field(init=False)

    def __post_init__(self):
        s = self.settings
        with warnings.catch_warnings():  # the sidebar says it in the page's language
            warnings.simplefilter("ignore", SmallCommunityWarning)
            self.models = {
                r: CommunityModel(regime=r, rng=s.seed, **s.overrides) for r in s.regimes
            }
        # network_view is cached by graph, so identical graphs are laid out once
        self.views = {r: drawing.network_view(m.graph, s.seed) for r, m in self.models.items()}
        self._lock = threading.Lock()  # steps and snapshots may come from different threads

    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def running(self) -> bool:
        """True while any community still has days left to simulate."""
        return any(m.running for m in self.models.values())

    @property
    def day(self) -> int:
        return min(int(m.steps) for m in self.models.values())

    def step(self, days: int = 1) -> None:
        """Advance every community by ``days`` days (a finished one stays put)."""
        with self._lock:
            for _ in range(days):
                for model in self.models.values():
                    if model.running:
                        model.step()

    def params(self) -> dict:
        """All parameter values the models were built with (read back from a model)."""
        return self.models["five"].params.to_dict()

    def effective_params(self) -> dict[str, float]:
        """The values in effect of the parameters the dashboard sets."""
        built = self.params()
        return {name: built[name] for name in self.settings.overrides}

    def snapshot(self) -> Snapshot:
        """Copy out what the page needs, consistently for all models."""
        with self._lock:
            models = self.models.items()
            return Snapshot(
                day={r: int(m.steps) for r, m in models},
                running={r: bool(m.running) for r, m in models},
                states={r: {k: np.array(v) for k, v in m.node_states().items()} for r, m in models},
                summary={r: dict(m.summary()) if m.steps > 0 else {} for r, m in models},
                frames={r: m.daily_frame().copy() for r, m in models},
                linked={r: tuple(m.linked) for r, m in models},
            )

    def daily(self) -> pd.DataFrame:
        """All communities' daily series in one long table with ``regime`` and ``seed``
        columns in front; empty (no columns beyond those) before the first day."""
        with self._lock:
            parts = [m.daily_frame().assign(regime=r) for r, m in self.models.items()]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if "regime" not in frame:
            frame = pd.DataFrame(columns=["regime"])
        return frame.assign(seed=self.seed)
