"""Dashboard responsiveness: time of one step plus redraw, as the page does it.

One "step + redraw" = step both communities (three and five) by one day, copy out the snapshot
the page shows, and draw both network images and both time-series charts to PNG. Reset time
(building both models, laying out the drawn network, creating the figures) is reported
separately.

The budget (issue 4) is 0.5 s per step + redraw with 2,000 residents. Measured early in a run
and late (day 300, when the series are long), because chart cost grows with the days drawn;
then once more through the real page component (``sim.app.Page`` rendered by Solara without a
browser), which adds Solara's re-render of the comparison panel.

    uv run python benchmarks/bench_dashboard.py [--residents 500 1000 2000 3000] [--steps 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.dashboard import drawing
from sim.dashboard.components import CHARTS
from sim.dashboard.runs import LinkedRuns

BUDGET_S = 0.5


def step_and_redraw(runs: LinkedRuns, pictures: dict) -> float:
    """One step plus everything the page redraws afterwards; returns seconds."""
    start = time.perf_counter()
    runs.step()
    snap = runs.snapshot()
    for regime in ("three", "five"):
        pictures[regime].png(snap.states[regime])
        drawing.state_counts(snap.states[regime])
    for chart in pictures["charts"]:
        chart.png(snap.frames)
    return time.perf_counter() - start


def bench(n: int, steps: int, seed: int = 7) -> dict[str, float]:
    """Reset time, then step + redraw timings at the start of a run and at day 300."""
    drawing._network_view.cache_clear()  # a cold reset: lay the network out again
    start = time.perf_counter()
    runs = LinkedRuns(seed=seed, params={"n_residents": n})
    pictures = {r: drawing.NetworkPicture(view) for r, view in runs.views.items()}
    pictures["charts"] = [drawing.SeriesPicture(column) for _, column in CHARTS]
    reset = time.perf_counter() - start
    early = [step_and_redraw(runs, pictures) for _ in range(steps)]
    while runs.snapshot().day["five"] < 300:
        runs.step()
    late = [step_and_redraw(runs, pictures) for _ in range(steps)]
    return {
        "residents": n,
        "drawn": len(runs.views["five"].nodes),
        "reset_s": reset,
        "early_median_s": statistics.median(early),
        "late_median_s": statistics.median(late),
        "max_s": max(early + late),
    }


def bench_page(n: int, steps: int) -> float:
    """Median seconds for Step on the real page component (Solara render, no browser)."""
    import solara

    from sim import app

    app.levers["n_residents"].value = n
    _, rc = solara.render(app.Page(), handle_error=False)
    app.reset()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        app.step()  # steps both models; the page re-renders before this returns
        times.append(time.perf_counter() - start)
    rc.close()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="+", default=[500, 1000, 2000, 3000])
    parser.add_argument("--steps", type=int, default=20, help="timed steps early and late")
    args = parser.parse_args()
    bench(200, 2)  # warm up imports and matplotlib's font cache
    print(f"{'residents':>9} {'drawn':>5} {'reset s':>8} {'step+redraw s (median, day<20)':>31} "
          f"{'(median, day 300)':>17} {'max':>6}")  # fmt: skip
    worst = 0.0
    for n in args.residents:
        r = bench(n, args.steps)
        print(f"{r['residents']:>9} {r['drawn']:>5} {r['reset_s']:>8.2f} {r['early_median_s']:>31.3f} "
              f"{r['late_median_s']:>17.3f} {r['max_s']:>6.3f}")  # fmt: skip
        if n == 2000:
            worst = max(r["early_median_s"], r["late_median_s"])
    page = bench_page(2000, args.steps)
    print(f"whole page (Solara render of Page, no browser), 2,000 residents: {page:.3f} s per Step")
    if 2000 in args.residents:
        verdict = "within" if worst <= BUDGET_S else "OVER"
        print(
            f"2,000 residents: step + redraw {worst:.3f} s (median), {verdict} the {BUDGET_S} s budget"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
