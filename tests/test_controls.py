"""The resource controls, above all the matched control of the attribution ladder.

The matched control (``three-equal-resources-matched``) receives each day exactly what
five-actor linkage mobilised in its twin and spends it by five's rules, without linkage;
keeping every linkage mechanism it is five itself, run for run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import CommunityModel, simulate, simulate_regimes
from sim.model.regimes import LINKAGE, MATCHED_NAME, REGIMES, matched_name

# Small but busy: many disputes, many active and skilled volunteers, a contract renewal (for
# crowd-out: the contract ends on day 50, the next starts on day 115): every linkage
# mechanism has work to do.
BUSY = {"n_residents": 2500, "days": 150, "contract_elapsed_days": 250,
        "dispute_rate_per_10k": 1000.0,
        "volunteer_active_share": 0.3, "volunteer_hours_per_month": 20.0,
        "skilled_volunteer_share": 0.3, "crowd_out_elasticity": 0.8,
        "volunteer_backfire_prob": 0.5, "stranger_refusal_share": 0.4}


def _same(a: dict, b: dict) -> list[str]:
    """Metrics whose values differ (NaN equals NaN)."""
    return [k for k in a if not (a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])))]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_matched_control_keeping_every_linkage_mechanism_is_five(seed):
    five_name, everything = "five", matched_name(LINKAGE)
    runs = simulate_regimes(BUSY, [five_name, everything], seed)
    assert _same(runs[five_name].summary, runs[everything].summary) == []
    assert runs[five_name].daily.equals(runs[everything].daily)


def test_the_matched_control_receives_exactly_what_five_mobilises():
    """Volunteer hours offered (skilled ones included), gifts by source, goods and campaign
    money by the need type it is earmarked to: identical, day after day."""
    model = CommunityModel(MATCHED_NAME, rng=3, **BUSY)
    model.run_model()
    five = model.twin.model
    assert model.volunteers.hours.total_available == five.volunteers.hours.total_available > 0
    assert model.volunteers.skilled.total_available == five.volunteers.skilled.total_available
    assert model.charity.received == five.charity.received
    assert model.charity.received["campaigns"] > 0
    assert np.array_equal(model.charity.raised_by_type, five.charity.raised_by_type)
    assert model.tally["volunteer_active_days"] == five.tally["volunteer_active_days"]


@pytest.mark.slow
def test_the_matched_control_spends_about_what_five_spends():
    """At the defaults, over a year: the charity's money and goods spent, overall and by
    need type, are within 5% of five's spending (mean over paired seeds). Its volunteers
    work a few per cent fewer hours: free of linkage costs, the core actors leave them less
    to do (docs/ODD.md, the controls)."""
    # four paired seeds: the communities of a street, whose summary sums their spending
    runs = simulate_regimes({"n_residents": 4000, "communities": 4}, ["five", MATCHED_NAME], 1)
    five, matched = [runs["five"].summary], [runs[MATCHED_NAME].summary]

    def mean(rows, key):
        return float(np.mean([r[key] for r in rows]))

    print({key: round(mean(matched, key) / mean(five, key), 4)
           for key in ("charity_spent", "volunteer_hours_worked")})

    spent = mean(five, "charity_spent")
    for need in ("elder_care", "child_care", "disability_support", "material_hardship",
                 "psychological", "emergency"):
        key = f"charity_spent_{need}"
        assert abs(mean(matched, key) - mean(five, key)) <= 0.05 * spent, key
    assert mean(matched, "charity_spent") == pytest.approx(spent, rel=0.05)
    worked = mean(five, "volunteer_hours_worked")
    assert 0.85 * worked <= mean(matched, "volunteer_hours_worked") <= 1.05 * worked


@pytest.mark.slow
def test_each_kept_linkage_mechanism_changes_the_matched_control():
    """Withheld, a mechanism acts as under three-actor linkage; kept, it acts as in five."""
    names = [MATCHED_NAME, *(matched_name([m]) for m in LINKAGE)]
    runs = simulate_regimes(BUSY, names, 5)
    base = runs[MATCHED_NAME].summary
    inert = [m for m in LINKAGE if not _same(base, runs[matched_name([m])].summary)]
    assert inert == []


def test_the_matched_family_is_named_regimes():
    name = matched_name(["crowd_out", "supervision"])
    assert name == "three-equal-resources-matched+supervision+crowd_out"  # canonical order
    assert name in REGIMES and REGIMES[name].linkage == {"supervision", "crowd_out"}
    for bad in (f"{MATCHED_NAME}+crowd_out+supervision", f"{MATCHED_NAME}+nothing",
                f"{MATCHED_NAME}+", "five+supervision", f"{MATCHED_NAME}+crowd_out+crowd_out"):
        assert bad not in REGIMES
    assert MATCHED_NAME in list(REGIMES) and name not in list(REGIMES)  # listed: named ones


@pytest.mark.slow
def test_a_control_alone_equals_the_same_control_beside_others():
    """Shared twins change nothing: each regime's run is what it is alone."""
    params = {"n_residents": 1500, "days": 60, "communities": 2}
    names = ["three-equal-resources", "three-equal-resources-unrestricted", MATCHED_NAME]
    together = simulate_regimes(params, ["three", *names, "five"], 4)
    for name in names:
        alone = simulate(params, name, 4)
        assert _same(alone.summary, together[name].summary) == []
