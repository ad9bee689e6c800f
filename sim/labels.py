"""Labels a reader sees in figures and tables, from the catalogues, never code names.

* a metric: its definition (capitalised) and its unit, from the metric catalogue
  (``sim.model.METRICS``, or a results folder's catalogue with a variant's metrics:
  ``sim.experiments.catalogue.from_manifest``);
* a parameter: its name in words and its unit (``sim.model.PARAM_SPECS``), its definition
  in a note (``param_definition``);
* a daily series of ``daily.parquet``: what it is and its unit (:data:`DAILY_SERIES`).

``wrap`` breaks a label between words only (never inside a word or at a hyphen).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import Any


def wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters, broken between words only (a
    word longer than the width keeps its own line)."""
    return textwrap.fill(str(text), width=width, break_long_words=False,
                         break_on_hyphens=False)


def _model_catalogue(catalogue: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if catalogue is not None:
        return catalogue
    from sim.model import METRICS

    return METRICS


def metric_label(name: str, catalogue: Mapping[str, Any] | None = None, *,
                 unit: bool = True) -> str:
    """A metric as a reader sees it: its definition (capitalised) and its unit, e.g.
    "Share of needs not fully served by their deadline (share)". Unknown names are
    returned as they are."""
    m = _model_catalogue(catalogue).get(name)
    if m is None:
        return name
    text = m.definition[:1].upper() + m.definition[1:]
    return f"{text} ({m.unit})" if unit and m.unit else text


def metric_unit(name: str, catalogue: Mapping[str, Any] | None = None) -> str:
    m = _model_catalogue(catalogue).get(name)
    return m.unit if m is not None else ""


def param_label(name: str, *, unit: bool = True) -> str:
    """A model parameter as a reader sees it: its name in words and its unit, e.g.
    "Crowd out elasticity (yuan cut per charity yuan spent)" (its definition is in
    docs/parameters.md and in the report's notes: ``param_definition``)."""
    from sim.model import PARAM_SPECS

    words = name.replace("_per_10k", " per 10k").replace("_", " ")
    words = words[:1].upper() + words[1:]
    spec = PARAM_SPECS.get(name)
    if spec is None:
        return words
    return f"{words} ({spec.unit})" if unit and spec.unit else words


def param_definition(name: str) -> str:
    from sim.model import PARAM_SPECS

    spec = PARAM_SPECS.get(name)
    return spec.doc if spec is not None else ""


def labels_note(metrics: Iterable[str] = (), params: Iterable[str] = (),
                catalogue: Mapping[str, Any] | None = None) -> str:
    """One paragraph naming the code name behind each label (for queries and CSV files)."""
    parts = [f"{metric_label(m, catalogue, unit=False)}: {m}" for m in dict.fromkeys(metrics)]
    parts += [f"{param_label(p, unit=False)}: {p} ({param_definition(p).rstrip('.')})"
              for p in dict.fromkeys(params)]
    return ("Column names in the data files: " + "; ".join(parts) + ".") if parts else ""


# What each daily series of daily.parquet is (the model records them day by day; the
# catalogue above describes the summaries). "to date" series are cumulative over the
# measured days. tests/test_report_outputs.py checks every stored series has an entry.
DAILY_SERIES: dict[str, tuple[str, str]] = {
    "residents": ("residents (all communities of the run)", "persons"),
    "needs_arrived": ("needs that arrived that day", "needs per day"),
    "needs_met": ("needs fully served that day", "needs per day"),
    "needs_unmet": ("needs that passed their deadline unserved that day", "needs per day"),
    "needs_discovered": ("hidden needs discovered that day", "needs per day"),
    "open_needs": ("needs still open at the end of the day", "needs"),
    "open_hidden_needs": ("needs still hidden from the platform at the end of the day",
                          "needs"),
    "needs_met_to_date": ("needs fully served to date", "needs"),
    "needs_unmet_to_date": ("needs unmet by their deadline to date", "needs"),
    "disputes_to_date": ("disputes started to date", "disputes"),
    "complaints_to_date": ("disputes that reached formal complaint to date", "disputes"),
    "court_filings": ("disputes that reached court to date", "disputes"),
    "fate_resolved": ("disputes truly resolved to date", "disputes"),
    "fate_settled": ("disputes settled (quiet long enough) to date", "disputes"),
    "open_friction": ("open disputes at the friction stage", "disputes"),
    "open_conflict": ("open disputes at the open-conflict stage", "disputes"),
    "open_complaint": ("open disputes at the formal-complaint stage", "disputes"),
    "latent_disputes": ("closed but unresolved (latent) disputes", "disputes"),
    "interventions": ("dispute interventions to date", "interventions"),
    "volunteers_active": ("active volunteers that day", "persons"),
    "charity_held": ("charity money and goods held at the end of the day", "yuan"),
    "donations_total": ("donations received to date", "yuan"),
    "donor_trust": ("donor trust", "0-1"),
    "hours_available": ("hours available to all actors that day", "hours per day"),
    "hours_used": ("hours used by all actors that day", "hours per day"),
    "cost_to_date": ("cost to date (government, relief, charity, staff, volunteer shadow)",
                     "yuan"),
    "resolved_to_date": ("needs met and disputes truly resolved to date", "cases"),
    "unmet_need_share": ("share of needs not fully served by their deadline, to date",
                         "share"),
    "dispute_escalation_share": ("share of settled disputes that reached court, to date",
                                 "share"),
    "complaints_per_10k": ("formal complaints per 10,000 residents per year, to date",
                           "per 10k per year"),
    "court_filings_per_10k": ("court filings per 10,000 residents per year, to date",
                              "per 10k per year"),
    "cost_per_resolved_case": ("cost per need met or dispute truly resolved, to date", "yuan"),
}


def series_label(name: str, *, unit: bool = True) -> str:
    """A daily series as a reader sees it: what it is, and its unit."""
    if name not in DAILY_SERIES:
        return name
    text, u = DAILY_SERIES[name]
    text = text[:1].upper() + text[1:]
    return f"{text} ({u})" if unit else text
