"""Tests of the policy dashboard (issue 4).

Fast unit tests of the helpers, then browser tests: a fixture starts the real server
(``python -m sim dashboard --port P``, i.e. ``sim dashboard``) on a free port and
Debian's Chromium drives it through Playwright. Screenshots of each state are saved under
``test-output/dashboard/``. The browser tests skip only if /usr/bin/chromium is absent.
"""

from __future__ import annotations

import io
import re
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.dashboard import command, drawing, presets
from sim.dashboard.browser import CHROMIUM, CHROMIUM_ARGS, running_dashboard
from sim.dashboard.i18n import LABELS, LANGUAGES, t
from sim.dashboard.runs import LinkedRuns
from sim.params import PARAM_SPECS

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "dashboard"


# --- helpers, no browser ---------------------------------------------------------------------


def test_every_label_has_chinese_and_english():
    for key, entry in LABELS.items():
        for lang in LANGUAGES:
            assert entry.get(lang), f"label {key!r} lacks {lang}"
    names = [lever.name for lever in presets.LEVERS] + [
        p for v in presets.PRESETS.values() for p in v
    ]
    for key in [*names, *presets.PRESETS]:
        assert key in LABELS, f"no label for {key!r}"
    assert t("day", "zh", day=3) == "第 3 天" and t("day", "en", day=3) == "Day 3"


def test_levers_and_presets_match_the_model_parameters():
    for lever in presets.LEVERS:
        spec = PARAM_SPECS[lever.name]
        assert spec.min <= lever.min < lever.max <= spec.max, lever
        # the default must sit on the slider's grid, or the slider would silently move it
        position = (lever.default - lever.min) / lever.step
        assert abs(position - round(position)) < 1e-6, lever
    for key, overrides in presets.PRESETS.items():
        for name, value in overrides.items():
            spec = PARAM_SPECS[name]
            assert spec.min <= value <= spec.max, (key, name)


def test_linked_runs_share_seed_and_graph_and_step_together():
    runs = LinkedRuns(seed=3, params={"n_residents": 300, "days": 5})
    three, five = runs.models["three"], runs.models["five"]
    assert sorted(three.graph.edges()) == sorted(five.graph.edges())
    assert runs.views["three"] is runs.views["five"]  # laid out once
    runs.step()
    runs.step()
    snap = runs.snapshot()
    assert snap.day == {"three": 2, "five": 2}
    assert set(snap.actors["five"]) > set(snap.actors["three"])
    assert runs.effective_params()["n_residents"] == 300
    table = pd.read_csv(io.StringIO(runs.csv()))
    assert list(table.columns[:3]) == ["regime", "seed", "day"]
    assert table.groupby("regime")["day"].max().to_dict() == {"five": 2, "three": 2}
    assert (table["param_n_residents"] == 300).all()


def test_runs_stop_at_the_horizon():
    runs = LinkedRuns(seed=2, params={"n_residents": 200, "days": 3})
    runs.step(5)
    assert not runs.running
    assert runs.snapshot().day == {"three": 3, "five": 3}


def test_large_networks_are_sampled_and_drawn():
    runs = LinkedRuns(seed=1, params={"n_residents": 2000})
    view = runs.views["three"]
    assert view.sampled and len(view.nodes) == drawing.MAX_DRAWN_NODES and view.total == 2000
    snap = runs.snapshot()
    assert drawing.NetworkPicture(view).png(snap.states["three"]).startswith(b"\x89PNG")
    assert drawing.SeriesPicture("unmet_need_share").png(snap.frames).startswith(b"\x89PNG")


def test_play_stops_at_the_horizon():
    """Rendered without a browser: Play steps in a thread and turns itself off at the end."""
    import solara

    from sim import app

    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        app.runs.value = LinkedRuns(seed=1, params={"n_residents": 200, "days": 5})
        app.finished.value = False
        app.playing.value = True
        deadline = time.monotonic() + 30
        while app.playing.value and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not app.playing.value and app.finished.value
        assert app.runs.value.snapshot().day == {"three": 5, "five": 5}
    finally:
        app.playing.value = False
        rc.close()


def test_charts_follow_the_days():
    runs = LinkedRuns(seed=4, params={"n_residents": 200})
    chart = drawing.SeriesPicture("unmet_need_share")
    chart.png(runs.snapshot().frames)  # day 0: no data yet
    for day in (3, 40):
        runs.step(day - runs.snapshot().day["five"])
        chart.png(runs.snapshot().frames)
        left, right = chart.ax.get_xlim()
        assert left == 0 and day <= right <= max(10, day * 1.2)  # at least 10 days shown


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_bad_port_is_a_one_line_error(port, capsys):
    assert command.main(["--port", port]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--port" in err and "1-65535" in err


# --- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    """The real dashboard server (``sim dashboard``) on a free port; its process group is
    stopped in ``running_dashboard``'s finally, whatever the tests do."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    cache = Path(sys.prefix) / "share/solara/cdn/@widgetti/solara-vuetify-app@10.1.1"
    assert cache.exists(), f"offline assets missing: run .ci/solara_offline_assets.sh {sys.prefix}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with running_dashboard(SHOTS / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A fresh browser session on the dashboard that records every request and error."""

    def __init__(self, browser, url, name):
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 1600}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.url, self.name, self.shots = url, name, 0
        self.requests, self.failed, self.errors, self.bad_status = [], [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.bad_status.append(f"{r.status} {r.url}")
        )
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.page.goto(url)
        self.page.locator(".day-three").wait_for(timeout=60_000)
        self.page.locator(".network-three").wait_for()

    def day(self, regime: str) -> int:
        return int(re.search(r"\d+", self.page.locator(f".day-{regime}").inner_text()).group())

    def wait_for_day(self, regime: str, check, timeout=60.0) -> int:
        deadline = time.monotonic() + timeout
        while not check(day := self.day(regime)):
            assert time.monotonic() < deadline, f"{regime} day stuck at {day}"
            time.sleep(0.05)
        return day

    def wait_text(self, selector: str, text: str, exact: bool = False):
        """Wait until an element shows ``text``: widgets update one by one over the websocket."""
        check = "t === text" if exact else "t.includes(text)"
        self.page.wait_for_function(
            f"([sel, text]) => {{ const e = document.querySelector(sel); const t = e && e.innerText; return t && {check}; }}",
            arg=[selector, text],
        )

    def shot(self, state: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = SHOTS / f"{self.name}-{self.shots}-{state}.png"
        self.page.screenshot(path=path)
        print(f"screenshot: {path}")
        return path

    def check_clean(self):
        """No page errors, failed requests or HTTP errors, and nothing fetched off 127.0.0.1."""
        assert not self.errors, self.errors
        assert not self.failed, self.failed
        assert not self.bad_status, self.bad_status
        host = self.url.split("//")[1].rstrip("/")  # 127.0.0.1:PORT
        for url in self.requests:
            ok = re.match(
                rf"^(https?|wss?)://{re.escape(host)}/|^blob:http://{re.escape(host)}/|^data:", url
            )
            assert ok, f"request off the local server: {url}"
        assert self.requests, "no requests recorded"

    def close(self):
        self.context.close()


@pytest.fixture
def dash(browser, server, request):
    page = Page(browser, server, request.node.name.removeprefix("test_"))
    yield page
    page.close()


def test_page_renders_both_communities(dash):
    page = dash.page
    for regime in ("three", "five"):
        assert page.locator(f".community-{regime}").is_visible()
        assert page.locator(f".network-{regime}").is_visible()
        assert dash.day(regime) == 0
    assert page.locator(".chart-unmet_need_share img").is_visible()
    assert page.locator(".chart-dispute_escalation_share img").is_visible()
    assert page.locator(".headline-cards").is_visible()
    assert "三社联动" in page.locator(".community-three").inner_text()
    assert "五社联动" in page.locator(".community-five").inner_text()
    dash.shot("initial")
    dash.check_clean()


def test_step_advances_both_communities(dash):
    page = dash.page
    before = page.locator(".network-five").get_attribute("src")
    page.locator(".btn-step").click()
    assert dash.wait_for_day("three", lambda d: d == 1) == 1
    assert dash.wait_for_day("five", lambda d: d == 1) == 1
    page.wait_for_function(
        "before => document.querySelector('.network-five').getAttribute('src') !== before",
        arg=before,
    )
    dash.shot("after-step")
    dash.check_clean()


def test_play_then_pause(dash):
    page = dash.page
    page.locator(".btn-play").click()
    dash.wait_for_day("five", lambda d: d >= 3)
    dash.shot("playing")
    page.locator(".btn-play").click()  # now labelled Pause
    # the server has taken the pause once the button says Play again; then let a step in flight land
    dash.wait_text(".btn-play", "播放", exact=True)
    time.sleep(0.8)
    paused = dash.day("five")
    assert paused > 1
    time.sleep(1.0)
    assert dash.day("five") == paused, "still advancing after Pause"
    assert dash.day("three") == paused, "the two communities drifted apart"
    dash.shot("paused")
    dash.check_clean()


def test_slider_then_reset_changes_the_parameter(dash):
    page = dash.page
    effective = page.locator(".effective-n_residents")
    assert effective.inner_text() == "1000"
    page.locator(".btn-step").click()
    dash.wait_for_day("three", lambda d: d == 1)
    slider = page.locator(".lever-n_residents [role=slider]")
    slider.focus()
    slider.press("ArrowRight")
    slider.press("ArrowRight")  # +2 steps of 50
    dash.wait_text(".lever-n_residents", "1100")
    assert effective.inner_text() == "1000", (
        "a slider must not change the running models before Reset"
    )
    dash.shot("slider-moved")
    page.locator(".btn-reset").click()
    dash.wait_text(".effective-n_residents", "1100", exact=True)
    # widgets update one by one over the websocket: wait for the panels too
    dash.wait_for_day("three", lambda d: d == 0)
    dash.wait_for_day("five", lambda d: d == 0)
    dash.wait_text(".community-three .network-note", "1100")
    dash.shot("after-reset")
    dash.check_clean()


def test_language_switch_changes_labels(dash):
    page = dash.page
    assert page.locator(".btn-step").inner_text() == "单步"
    assert "第 0 天" in page.locator(".day-three").inner_text()
    page.locator(".btn-lang").click()
    dash.wait_text(".day-three", "Day 0", exact=True)
    dash.wait_text(".btn-step", "STEP", exact=True)  # Vuetify upper-cases button labels
    dash.wait_text(".community-three", "Three-actor linkage")
    dash.wait_text(".lever-n_residents", "Residents")
    dash.wait_text(".card-unmet_need_share", "Unmet needs")
    dash.shot("english")
    page.locator(".btn-lang").click()
    dash.wait_text(".day-three", "第 0 天", exact=True)
    dash.wait_text(".btn-step", "单步", exact=True)
    dash.check_clean()


def test_csv_download_has_both_runs(dash):
    page = dash.page
    for day in (1, 2, 3):
        page.locator(".btn-step").click()
        dash.wait_for_day("five", lambda d, day=day: d == day)
    with page.expect_download() as info:
        page.locator(".effective-params button").click()
    table = pd.read_csv(info.value.path())
    assert set(table["regime"]) == {"three", "five"}
    assert table.groupby("regime")["day"].max().to_dict() == {"five": 3, "three": 3}
    assert {"unmet_need_share", "dispute_escalation_share", "cost_per_resolved_case"} <= set(
        table.columns
    )
    dash.check_clean()


def test_large_preset_samples_the_network_and_stays_responsive(dash):
    page = dash.page
    page.locator(".btn-lang").click()  # English labels for the preset menu
    page.locator(".v-select").click()
    page.get_by_role("option", name="Large community (2,000)").click()
    dash.wait_text(".effective-n_residents", "2000", exact=True)
    dash.wait_text(".community-five .network-note", f"sample of {drawing.MAX_DRAWN_NODES} of 2000")
    times = []
    for _ in range(5):
        day = dash.day("five")
        start = time.perf_counter()
        page.locator(".btn-step").click()
        dash.wait_for_day("five", lambda d, day=day: d > day)
        times.append(time.perf_counter() - start)
    print(f"browser: step + redraw at 2,000 residents, median {sorted(times)[2]:.3f} s")
    # the 0.5 s budget is the server's (benchmarks/bench_dashboard.py); the browser round trip
    # adds websocket and image decoding, and CI machines may be busy: a loose bound here
    assert sorted(times)[2] < 2.0
    dash.shot("large-english")
    dash.check_clean()


def test_bad_seed_is_refused_on_screen(dash):
    page = dash.page
    seed = page.locator(".input-seed input")
    seed.fill("-3")
    seed.press("Enter")
    page.locator(".btn-reset").click()
    dash.wait_text(".reset-error", "seed")
    assert page.locator(".effective-seed").inner_text() == "7"  # the old runs stay
    seed.fill("11")
    seed.press("Enter")
    page.locator(".btn-reset").click()
    dash.wait_text(".effective-seed", "11", exact=True)
    page.locator(".reset-error").wait_for(state="detached")
    dash.check_clean()
