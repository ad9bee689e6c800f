"""The metric catalogue of an experiment: the model's (``sim.model.METRICS``) plus the metrics
its model variants register.

A variant (a ``CommunityModel`` subclass named by ``[experiment] model`` or ``models``) adds
metrics by listing ``sim.model.Metric`` entries in its class attribute ``extra_metrics``;
its summaries then carry their values (``CommunityModel.extra_counts`` and
``extra_summary``). The runner stores them as columns of ``runs.parquet`` and records
their entries in the manifest (``extra_metrics``), so the report, ``sim query`` and
``sim discover`` read them from the results folder without importing the variant.

Labels for figures and tables are :mod:`sim.labels`'s business (they take a catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The fields of a metric entry as the manifest records them.
FIELDS = ("definition", "unit", "direction", "headline", "events", "min_events")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def variant_metrics(model_class) -> tuple:
    """The ``extra_metrics`` a model class registers, checked: ValueError with a reason."""
    from sim.model import METRICS, Metric

    entries = tuple(getattr(model_class, "extra_metrics", ()) or ())
    seen = set()
    for m in entries:
        if not isinstance(m, Metric):
            raise TypeError(f"extra_metrics must hold sim.model.Metric entries, got "
                            f"{type(m).__name__}")
        if not _NAME.match(m.name):
            raise ValueError(f"extra metric name {m.name[:40]!r} must be lower case letters, "
                             "digits and underscores, starting with a letter")
        if m.name in METRICS:
            raise ValueError(f"extra metric {m.name!r} is already in the catalogue "
                             "(sim.model.METRICS); give it another name")
        if m.name in seen:
            raise ValueError(f"extra metric {m.name!r} is listed twice")
        if m.direction not in ("lower", "higher", None):
            raise ValueError(f"extra metric {m.name!r}: direction must be 'lower', 'higher' "
                             f"or None, got {m.direction!r}")
        if m.events is not None and m.events not in METRICS and m.events not in {
                e.name for e in entries}:
            raise ValueError(f"extra metric {m.name!r}: events {m.events!r} is not a metric")
        seen.add(m.name)
    return entries


def merged(variants: Mapping[str, type]) -> dict[str, Any]:
    """The catalogue of an experiment whose models are ``variants`` (name -> class):
    ``sim.model.METRICS`` then every variant's metrics. A metric registered by two variants
    must be the same entry; ValueError naming them otherwise."""
    from sim.model import METRICS

    out: dict[str, Any] = dict(METRICS)
    owner: dict[str, str] = {}
    for name, model_class in variants.items():
        for m in variant_metrics(model_class):
            if m.name in owner and out[m.name] != m:
                raise ValueError(f"extra metric {m.name!r} is registered differently by "
                                 f"{owner[m.name]} and {name}")
            owner.setdefault(m.name, name)
            out[m.name] = m
    return out


def extra_entries(catalogue: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries of ``catalogue`` that are not the model's, as JSON (for the manifest)."""
    from sim.model import METRICS

    return {name: {f: getattr(m, f) for f in FIELDS} for name, m in catalogue.items()
            if name not in METRICS}


def from_manifest(manifest: Mapping[str, Any] | None) -> dict[str, Any]:
    """The catalogue of a results folder: the model's metrics plus the variant metrics its
    manifest records (``extra_metrics``)."""
    from sim.model import METRICS, Metric

    out: dict[str, Any] = dict(METRICS)
    for name, entry in ((manifest or {}).get("extra_metrics") or {}).items():
        out[name] = Metric(name, **{f: entry.get(f) for f in FIELDS if f in entry})
    return out


def direction_of(name: str, catalogue: Mapping[str, Any]) -> str | None:
    """A metric's better direction in ``catalogue`` (None: never judged or unknown)."""
    m = catalogue.get(name)
    return getattr(m, "direction", None)
