"""Dashboard responsiveness: step time, N pairs, and a year of Play in the real browser.

Three figures per community size (default 1,000 and 8,000 residents, the model's default):

1. **step + redraw** (no browser): step both communities (three and five) by one day, copy
   out the snapshot the page shows (daily series, outcomes to date), build the cards and
   draw both network images and both charts to PNG. Median over days 1-20 and around day
   300 (charts grow with the days drawn), and the maximum. Reset time (building both models,
   laying out the drawn network) is reported separately.
2. **page step** (no browser): Step on the real page component (``sim.dashboard.app.Page``
   rendered by Solara in this process), which adds Solara's re-render.
3. **a year of Play** (browser): the real server (``sim dashboard``) and Debian's Chromium;
   Play at the fastest speed (30 days per frame) from day 0 until the page shows day 365.
   The play loop advances a frame only after the browser reports it has drawn the previous
   one, so this is the time people wait, rendering included.

And **N pairs** (``--pairs 20`` at 8,000 residents, the default community for a year): the
dashboard's own job (``sim.dashboard.pairs.run``, i.e. ``sim.compare.run_pairs`` on a
local process pool with one worker per core): the time until the cards and the verdict
(stage 1: three and five) and until the bottom line's split (stage 2: the three control
communities), with the machine's core count and load average before and after, since the
project's 2-core machine is shared.

    uv run python benchmarks/bench_dashboard.py [--residents 1000 8000] [--steps 20]
        [--pairs 20] [--no-pairs] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sim.dashboard import cards, drawing
from sim.dashboard.components import CHARTS
from sim.dashboard.runs import LinkedRuns, Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def step_and_redraw(runs: LinkedRuns, pictures: dict) -> float:
    """One step plus everything the page computes and draws afterwards; returns seconds."""
    start = time.perf_counter()
    runs.step()
    snap = runs.snapshot()
    cards.run_cards(snap.summary, snap.regimes)
    for regime in ("three", "five"):
        pictures[regime].png(snap.states[regime])
        drawing.state_counts(snap.states[regime])
    events = drawing.event_days(snap.frames)
    for chart in pictures["charts"]:
        chart.png(snap.frames, events)
    return time.perf_counter() - start


def bench_steps(n: int, steps: int, seed: int = 7) -> dict[str, float]:
    """Reset time, then step + redraw timings at the start of a run and around day 300."""
    drawing._network_view.cache_clear()  # a cold reset: lay the network out again
    start = time.perf_counter()
    runs = LinkedRuns(Settings.make(seed, "preset_default", {"n_residents": n}))
    pictures = {r: drawing.NetworkPicture(view) for r, view in runs.views.items()}
    styles = {"three": ("#1f5fa8", None), "five": ("#a84d00", None)}
    pictures["charts"] = [drawing.SeriesPicture(column, styles) for column in CHARTS]
    reset = time.perf_counter() - start
    early = [step_and_redraw(runs, pictures) for _ in range(steps)]
    runs.step(300 - runs.day)
    late = [step_and_redraw(runs, pictures) for _ in range(steps)]
    return {
        "drawn": len(runs.views["five"].nodes),
        "reset": reset,
        "early": statistics.median(early),
        "late": statistics.median(late),
        "max": max(early + late),
    }


def bench_page(n: int, steps: int) -> float:
    """Median seconds for Step on the real page component (Solara render, no browser)."""
    import solara

    from sim.dashboard import app, state

    state.levers["n_residents"].value = n
    _, rc = solara.render(app.Page(), handle_error=False)
    state.reset()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        state.step()  # steps both models; the page re-renders before this returns
        times.append(time.perf_counter() - start)
    rc.close()
    return statistics.median(times)


def bench_pairs(reps: int, residents: int = 8000) -> dict[str, float]:
    """Seconds until stage 1 (three and five: the cards) and until the controls are in
    (the bottom line's split), for ``reps`` pairs of the default community for a year."""
    from sim.dashboard import pairs

    settings = Settings.make(7, "preset_default", {"n_residents": residents})
    load = os.getloadavg()[0]
    start = time.perf_counter()
    times: dict[str, float] = {}

    def stage(_result):
        times["stage 1"] = time.perf_counter() - start

    result = pairs.run(settings, reps, on_stage=stage)
    times["all"] = time.perf_counter() - start
    assert result is not None and result.complete
    times["runs"] = len(result.runs)
    times["load before"], times["load after"] = load, os.getloadavg()[0]
    return times


def bench_year_in_browser(sizes: list[int]) -> dict[int, float]:
    """Seconds from Play (30 days per frame) to "day 365" on screen, per community size."""
    from browser import CHROMIUM, DashboardPage, launch, running_dashboard
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print("browser: skipped (/usr/bin/chromium is absent)")
        return {}
    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        with running_dashboard(folder / "server.log") as url:
            browser = launch(p)
            for n in sizes:
                dash = DashboardPage(browser, url, f"bench-{n}", folder)
                page = dash.page
                box = page.locator(".box-n_residents input")
                box.fill(str(n))
                box.press("Enter")
                dash.wait_text(".lever-n_residents", f"{n:,}")
                page.locator(".btn-reset").click()
                dash.wait_text(".effective-n_residents", f"{n:,}", exact=True)
                dash.wait_for_day("five", lambda d: d == 0)
                dash.set_stride(30)
                start = time.perf_counter()
                page.locator(".btn-play").click()
                dash.wait_for_day("five", lambda d: d == 365, timeout=600)
                results[n] = time.perf_counter() - start
                dash.close()
            browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="+", default=[1000, 8000])
    parser.add_argument("--steps", type=int, default=20, help="timed steps early and late")
    parser.add_argument("--no-browser", action="store_true", help="skip the year of Play")
    parser.add_argument("--pairs", type=int, default=20, help="pairs for the N-pairs timing")
    parser.add_argument("--no-pairs", action="store_true", help="skip the N-pairs timing")
    args = parser.parse_args()
    bench_steps(200, 2)  # warm up imports and matplotlib's font cache
    print("step + redraw of both communities (no browser), seconds:")
    print(
        f"{'residents':>9} {'drawn':>5} {'reset':>6} {'median day<20':>13} "
        f"{'median day 300':>14} {'max':>6}"
    )
    for n in args.residents:
        r = bench_steps(n, args.steps)
        print(
            f"{n:>9,} {r['drawn']:>5} {r['reset']:>6.2f} {r['early']:>13.3f} "
            f"{r['late']:>14.3f} {r['max']:>6.3f}"
        )
    for n in args.residents:
        print(
            f"page Step (Solara render of Page, no browser), {n:,} residents: "
            f"{bench_page(n, args.steps):.3f} s median"
        )
    if not args.no_pairs:
        r = bench_pairs(args.pairs)
        print(
            f"N pairs: {args.pairs} pairs of 8,000 residents for a year on {os.cpu_count()} "
            f"cores ({r['runs']:.0f} runs): cards and verdict after {r['stage 1']:.1f} s, "
            f"the bottom line's split after {r['all']:.1f} s (load average {r['load before']:.1f}"
            f" before, {r['load after']:.1f} after)"
        )
    if not args.no_browser:
        for n, seconds in bench_year_in_browser(args.residents).items():
            print(
                f"browser: a year of Play at 30 days per frame (13 frames), {n:,} residents: "
                f"{seconds:.1f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
