"""A calibration's results as plain tables, and reading them back.

Layout of a calibration directory::

    manifest.json        file hash, seeds, executor, sessions, complete flag, stop reason
    calibration.toml     a byte copy of the calibration file
    history.db           pyabc's SQLite history (resume; every particle of every population)
    populations.parquet  one row per population: t, epsilon, samples, particles,
                         acceptance_rate, wall_time
    particles.parquet    every accepted particle of every population: t, weight, distance,
                         parameter values (as sampled), simulated statistics (sim_<target>)
    posterior.parquet    the last population: the weighted posterior sample
    draws.parquet        the posterior as unweighted parameter draws, for experiments
    predictive.parquet   fresh simulations at posterior draws (posterior predictive check)
    report/              report.md, report.html, figures/*.png

Everything downstream (the report, the predictive check) reads the Parquet tables and the
manifest, never the SQLite file. Experiments run over the posterior through
``draws.parquet``, a plain table of parameter draws (``[design] method = "draws"``), so
they need nothing of the calibration but that file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SpecError
from sim.io import write_parquet

from .spec import Calibration

STAT_PREFIX = "sim_"
HISTORY = "history.db"
DRAWS_FILE = "draws.parquet"
# Rows of draws.parquet: enough for any experiment's design.samples (which takes distinct
# rows), few enough to read and check in a second.
DRAWS_ROWS = 1000


def export_tables(root: Path, cal: Calibration, manifest: dict) -> int:
    """Write populations/particles/posterior Parquet from the history; return simulations."""
    if manifest.get("abc_id") is None:
        return 0
    history = history_of(root, manifest)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].copy()
    pops["acceptance_rate"] = pops["particles"] / pops["samples"]
    frames = [_population(history, cal, t) for t in pops["t"]]
    # effective sample size of the importance weights: how many particles the weighted
    # population is worth (a few means the posterior rests on a few particles)
    pops["ess"] = [1.0 / float((f["weight"] ** 2).sum()) for f in frames]
    pops = pops[["t", "epsilon", "samples", "particles", "acceptance_rate", "ess",
                 "wall_time", "population_end_time"]].reset_index(drop=True)
    write_parquet(pops, root / "populations.parquet")
    if frames:
        particles = pd.concat(frames, ignore_index=True)
        write_parquet(particles, root / "particles.parquet")
        write_parquet(frames[-1].reset_index(drop=True), root / "posterior.parquet")
        export_draws(root, cal, frames[-1].reset_index(drop=True))
    return int(history.total_nr_simulations)


def export_draws(root: Path, cal: Calibration, posterior: pd.DataFrame) -> Path:
    """Write ``draws.parquet``: ``DRAWS_ROWS`` parameter sets resampled from the weighted
    posterior (multinomial, seeded with the calibration's seed), one row each, with the
    calibration's own [fixed] values other than size and horizon as constant columns, so
    that every run of an experiment over it sits where the calibration put the model.

    An experiment reads it with ``[design] method = "draws"``. The file is left untouched
    when its content would not change: its bytes go into the experiment's hash, and a
    rewrite by another pyarrow version must not stop a sweep from resuming.
    """
    from .spec import SIZE_PARAMETERS

    draws = posterior_draws(CalibrationResult.of_posterior(root, cal, posterior), DRAWS_ROWS,
                            seed=cal.seed)
    for name, value in cal.fixed.items():
        if name not in SIZE_PARAMETERS:
            draws[name] = value
    path = root / DRAWS_FILE
    if path.is_file() and _same_table(pd.read_parquet(path), draws):
        return path
    return write_parquet(draws, path)


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError:
        return False
    return True


def history_of(root: Path, manifest: dict[str, Any]):
    """The pyabc History of a stored calibration (its SQLite file, ``HISTORY``)."""
    import pyabc

    return pyabc.History("sqlite:///" + str((Path(root) / HISTORY).resolve()),
                         _id=manifest["abc_id"], create=False)


def _population(history, cal: Calibration, t: int) -> pd.DataFrame:
    """One population: parameters, normalised weight, distance and simulated statistics."""
    ext = history.get_population_extended(m=0, t=int(t), tidy=False)
    params = ext.pivot_table(index="particle_id", columns="par_name", values="par_val",
                             aggfunc="first")
    stats = ext.pivot_table(index="particle_id", columns="sumstat_name", values="sumstat_val",
                            aggfunc="first")
    meta = ext.groupby("particle_id")[["w", "distance"]].first()
    frame = pd.DataFrame({"t": int(t)}, index=meta.index)
    frame["weight"] = meta["w"] / meta["w"].sum()
    frame["distance"] = meta["distance"]
    for prior in cal.priors:           # back from pyabc's (log) scale
        frame[prior.name] = params[prior.name].astype(float).map(prior.natural)
    for target in cal.targets:
        frame[STAT_PREFIX + target.name] = stats[target.name].map(_scalar) \
            if target.name in stats else np.nan
    return frame.reset_index(drop=True)


def _scalar(value: Any) -> float:
    return float(np.asarray(value, dtype=float).reshape(-1)[0])


# ---------------------------------------------------------------- reading


@dataclass
class CalibrationResult:
    """A finished calibration, read from its directory."""

    root: Path
    manifest: dict[str, Any]
    populations: pd.DataFrame
    particles: pd.DataFrame
    posterior: pd.DataFrame
    predictive: pd.DataFrame | None

    @classmethod
    def of_posterior(cls, root: Path, cal: Calibration,
                     posterior: pd.DataFrame) -> CalibrationResult:
        """Just enough of a result to draw from ``posterior``, before the calibration's
        manifest says it is finished (for the exported draws and the predictive check)."""
        return cls(root, {"calibration": cal.to_json()}, pd.DataFrame(), pd.DataFrame(),
                   posterior, None)

    @property
    def parameters(self) -> list[str]:
        return [p["name"] for p in self.manifest["calibration"]["priors"]]

    @property
    def priors(self) -> list[dict[str, Any]]:
        return self.manifest["calibration"]["priors"]

    @property
    def targets(self) -> list[dict[str, Any]]:
        return self.manifest["calibration"]["targets"]


def load_result(root: str | Path, *, key: str = "source") -> CalibrationResult:
    """Read a finished calibration; SpecError (naming ``key``) if there is none at ``root``."""
    root = Path(root)
    path = root / "manifest.json"
    if not path.is_file():
        raise SpecError(root, key, "no calibration here (manifest.json missing); run "
                                   "sim calibrate first")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SpecError(root, key, "manifest.json is unreadable") from None
    if manifest.get("format") != "sim-calibration/1":
        raise SpecError(root, key, "not a calibration directory")
    if not manifest.get("complete") or not (root / "posterior.parquet").is_file():
        raise SpecError(root, key, "the calibration is not finished; rerun sim calibrate on "
                                   "it to resume")
    predictive = root / "predictive.parquet"
    return CalibrationResult(
        root, manifest, pd.read_parquet(root / "populations.parquet"),
        pd.read_parquet(root / "particles.parquet"), pd.read_parquet(root / "posterior.parquet"),
        pd.read_parquet(predictive) if predictive.is_file() else None)


def posterior_draws(result: CalibrationResult, n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets drawn from the weighted posterior (multinomial resampling with a
    seeded generator: the same seed gives the same draws), as the model takes them
    (integer parameters rounded)."""
    post = result.posterior
    rng = np.random.default_rng(seed)
    weights = post["weight"].to_numpy(float)
    rows = rng.choice(len(post), size=n, replace=True, p=weights / weights.sum())
    draws = post.iloc[rows][result.parameters].reset_index(drop=True)
    for prior in result.priors:
        if prior["integer"]:
            draws[prior["name"]] = draws[prior["name"]].round().astype(int)
    return draws


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF, midpoints)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, cdf, v)
