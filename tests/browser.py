"""Run the dashboard server and drive it from Debian's Chromium (tests, benchmark, screenshots).

    uv run python tests/browser.py docs/        # regenerate docs/dashboard.png and dashboard-zh.png

Never runs ``playwright install``: it uses the system Chromium (``apt-get install chromium``).
The server is started as users start it (``python -m sim dashboard``, which runs
``solara run sim/dashboard/app.py --production``) and stopped by killing its process group.
The browser tests' shared steps and checks (set a box, Reset, the Chinese-only check, axe-core)
are here too, for both modules of them (tests/test_dashboard.py and
tests/test_dashboard_decisions.py, one pytest-xdist group each).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


THROTTLE = r"""
import os, signal, sys, time
group, share, start, parent = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], os.getppid()
PERIOD = 0.02  # seconds; the share of each period the group may run, stopped the rest
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))


def wanted():
    return not stopping and os.getppid() == parent  # stop with the tests, however they end


try:
    while start and not os.path.exists(start) and wanted():
        time.sleep(0.05)
    tick = time.monotonic()
    while wanted():
        for sig, part in ((signal.SIGCONT, share), (signal.SIGSTOP, 1.0 - share)):
            os.killpg(group, sig)
            tick += PERIOD * part
            time.sleep(max(0.0, tick - time.monotonic()))
except ProcessLookupError:  # the server is gone
    pass
finally:
    try:
        os.killpg(group, signal.SIGCONT)
    except ProcessLookupError:
        pass
"""
"""Run as ``python -c THROTTLE GROUP SHARE START``: once the file START exists (at once if
it is empty), let process group GROUP run ``SHARE`` of every 20 ms and stop it (SIGSTOP) for
the rest, until SIGTERM or until its parent (the tests) ends; the group is left running."""


def server_command(port: int, cpu: int | None = None) -> list[str]:
    """``sim dashboard`` on ``port``; with ``cpu``, pinned to that CPU, so the server's threads
    take turns on one core as on a one-core machine."""
    command = [sys.executable, "-m", "sim", "dashboard", "--port", str(port)]
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


@contextlib.contextmanager
def running_dashboard(
    log_path: Path,
    timeout: float = 90.0,
    cpu_share: float | None = None,
    starve_from: Path | None = None,
    env: dict | None = None,
):
    """Start the dashboard on a free port, yield its URL, then stop its whole process group
    (the server and Solara's child process).

    With ``cpu_share`` (e.g. 0.2), the server is starved, reproducibly: pinned to CPU 0 and,
    once the file ``starve_from`` exists (at once without it), allowed to run only that share
    of the time (``THROTTLE``: its process group is stopped and continued every 20 ms), as if
    it shared a busy core. Busy loops sharing the CPU did the same but burnt that core, which
    the tests running beside (pytest-xdist) need."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    throttle = None
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            server_command(port, None if cpu_share is None else 0),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=os.environ | (env or {}),
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"dashboard did not start; see {log_path}") from None
                    time.sleep(0.2)
            if cpu_share is not None:
                args = [str(process.pid), str(cpu_share), str(starve_from or "")]
                throttle = subprocess.Popen(
                    [sys.executable, "-c", THROTTLE, *args], stdout=log, stderr=subprocess.STDOUT
                )
            yield url
        finally:  # the server runs solara in a child process: stop the group, not just the parent
            if throttle is not None:
                throttle.terminate()
                try:
                    throttle.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    throttle.kill()
            with contextlib.suppress(ProcessLookupError):  # a stopped group would not hear TERM
                os.killpg(process.pid, signal.SIGCONT)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            with contextlib.suppress(ProcessLookupError):  # nothing of the group is left
                os.killpg(process.pid, signal.SIGKILL)


class DashboardPage:
    """A browser session on the dashboard that records every request and error.

    By default a fresh browser context of its own. With ``tab`` (a page of a context that a
    module's tests share: ``browser_fixtures``), that page is navigated to ``url`` instead:
    Chromium then keeps its renderer and the page's compiled scripts, so a test's page opens
    for about a third of the CPU a fresh context costs (1.7 against 5 CPU-s, measured), and
    ``close`` leaves the tab as a fresh context would find it (blank, nothing stored)."""

    def __init__(self, browser, url, name, shots: Path, viewport=(1400, 1600), tab=None):
        size = {"width": viewport[0], "height": viewport[1]}
        if tab is None:
            self.context = browser.new_context(viewport=size, accept_downloads=True)
            self.page = self.context.new_page()
        else:
            self.context, self.page = tab.context, tab
            self.page.set_viewport_size(size)
        self.own_context = tab is None
        self.url, self.name, self.shots_dir, self.shots = url, name, shots, 0
        self.requests, self.failed, self.errors, self.bad_status = [], [], [], []
        self.listeners = {
            "request": lambda r: self.requests.append(r.url),
            "requestfailed": lambda r: self.failed.append(f"{r.url} {r.failure}"),
            "pageerror": lambda e: self.errors.append(str(e)),
            "response": lambda r: r.status >= 400 and self.bad_status.append(f"{r.status} {r.url}"),
            "websocket": lambda ws: self.requests.append(ws.url),
        }
        for event, listener in self.listeners.items():
            self.page.on(event, listener)
        try:
            self.page.goto(url)
            self.wait_ready()
        except BaseException:
            self.close()
            raise

    def wait_ready(self, timeout=90_000):
        self.page.locator(".day-three").wait_for(timeout=timeout)
        self.page.locator(".network-three").wait_for(timeout=timeout)

    def day(self, regime: str) -> int:
        return int(re.search(r"\d+", self.page.locator(f".day-{regime}").inner_text()).group())

    def wait_for_day(self, regime: str, check, timeout=60.0) -> int:
        deadline = time.monotonic() + timeout
        while not check(day := self.day(regime)):
            assert time.monotonic() < deadline, f"{regime} day stuck at {day}"
            time.sleep(0.05)
        return day

    def wait_text(self, selector: str, text: str, exact: bool = False, timeout=30_000):
        """Wait until an element shows ``text``: widgets update one by one over the websocket."""
        check = "t === text" if exact else "t.includes(text)"
        self.page.wait_for_function(
            "([sel, text]) => { const e = document.querySelector(sel); "
            f"const t = e && e.innerText; return t && {check}; }}",
            arg=[selector, text],
            timeout=timeout,
        )

    def set_stride(self, days: int) -> None:
        """Choose the days per step / frame and wait until the server has taken it (the Step
        button names it). A click that lands while the sidebar is being redrawn can be lost,
        so it is repeated until the Step button shows the choice."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(5):
            self.page.locator(".stride button").nth((1, 7, 30).index(days)).click()
            try:
                self.page.wait_for_function(
                    "p => new RegExp(p).test(document.querySelector('.btn-step').innerText)",
                    arg=f"[(（]{days} ",
                    timeout=5_000,
                )
                return
            except PlaywrightTimeout:
                print(f"stride click {attempt + 1} not taken yet; clicking again")
        raise AssertionError(f"the Step button never showed {days} days")

    def body_text(self) -> str:
        return self.page.locator("body").inner_text()

    def shot(self, state: str) -> Path:
        self.shots_dir.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = self.shots_dir / f"{self.name}-{self.shots}-{state}.png"
        self.page.screenshot(path=path)
        print(f"screenshot: {path}")
        return path

    def check_clean(self):
        """No page errors, failed requests or HTTP errors, no traceback on screen, and
        nothing fetched off 127.0.0.1."""
        assert not self.errors, self.errors
        assert not self.failed, self.failed
        assert not self.bad_status, self.bad_status
        text = self.body_text()
        assert "Traceback" not in text and "Error:" not in text, text[:2000]
        host = re.match(r"^https?://([^/?]+)", self.url).group(1)  # 127.0.0.1:PORT
        for url in self.requests:
            ok = re.match(
                rf"^(https?|wss?)://{re.escape(host)}/|^blob:http://{re.escape(host)}/|^data:", url
            )
            assert ok, f"request off the local server: {url}"
        assert self.requests, "no requests recorded"

    def close(self):
        if self.own_context:
            self.context.close()
            return
        for event, listener in self.listeners.items():  # what follows is not this test's
            self.page.remove_listener(event, listener)
        for extra in self.context.pages:  # pages the test opened beside the tab
            if extra != self.page:
                extra.close()
        self.page.goto("about:blank")  # the page and its websocket are gone
        origin = re.match(r"^https?://[^/]+", self.url).group()
        cdp = self.context.new_cdp_session(self.page)
        try:  # the settings the page kept for a visit to the bare address
            cdp.send(
                "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "local_storage"}
            )
        finally:
            cdp.detach()
        self.context.clear_cookies()


def launch(playwright):
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# --- shared by the browser tests (tests/test_dashboard*.py) -----------------------------------

SHOTS = ROOT / "test-output" / "dashboard"
AXE = Path(sys.prefix) / "share/solara/cdn/axe-core@4.14.1/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
LATIN_WORDS_ALLOWED_ON_CHINESE_PAGE = {
    "sim",
    "Mesa",
    "Solara",
    "English",
    "CSV",
    "PDF",
    "PNG",
    "N",
}
CJK_ALLOWED_ON_ENGLISH_PAGE = {"中文"}  # the language switch names the other language


def require_browser():
    """Skip without Chromium; fail without the page's offline assets."""
    import pytest

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    cache = Path(sys.prefix) / "share/solara/cdn/@widgetti/solara-vuetify-app@10.1.1"
    assert cache.exists(), f"offline assets missing: run .ci/solara_offline_assets.sh {sys.prefix}"
    SHOTS.mkdir(parents=True, exist_ok=True)


def browser_fixtures(log_name: str):
    """The fixtures of one module of browser tests, each module getting its own (module
    scope), which conftest.py's pytest-xdist groups expect:

        server, browser, tab, dash, dash_at, axe_source = browser_fixtures("server.log")

    ``server``: the real dashboard server on a free port, logging to ``SHOTS / log_name`` and
    keeping N-pair results in a fresh folder; its process group is stopped in
    ``running_dashboard``'s finally, whatever the tests do. ``browser``: Chromium.
    ``tab``: one page in one browser context, which the module's tests take turns on (see
    ``DashboardPage``). ``dash``: a test's ``DashboardPage`` in that tab at the server's bare
    address; ``dash_at(**settings)`` opens it at an address holding settings instead.
    ``axe_source``: axe-core, installed offline with the page's other assets by
    .ci/solara_offline_assets.sh (setup.sh runs it): nothing is fetched at test time."""
    import pytest

    from sim.dashboard import store

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        require_browser()
        cache = tmp_path_factory.mktemp("dashboard-cache")
        with running_dashboard(SHOTS / log_name, env={store.CACHE_ENV: str(cache)}) as url:
            yield url

    @pytest.fixture(scope="module")
    def browser():
        from playwright.sync_api import sync_playwright

        require_browser()
        with sync_playwright() as p:
            chromium = launch(p)
            yield chromium
            chromium.close()

    @pytest.fixture(scope="module")
    def tab(browser):
        context = browser.new_context(accept_downloads=True)
        yield context.new_page()
        context.close()

    @pytest.fixture
    def dash(browser, tab, server, request):
        page = DashboardPage(
            browser, server, request.node.name.removeprefix("test_"), SHOTS, tab=tab
        )
        yield page
        page.close()

    @pytest.fixture
    def dash_at(browser, tab, server, request):
        """``dash`` opened at an address holding settings: ``dash_at(n_residents=300,
        days=40)`` (see ``address``)."""
        opened = []

        def open_at(**settings):
            name = request.node.name.removeprefix("test_")
            opened.append(DashboardPage(browser, address(server, **settings), name, SHOTS, tab=tab))
            wait_effective(opened[-1], **settings)
            return opened[-1]

        yield open_at
        for page in opened:
            page.close()

    @pytest.fixture(scope="module")
    def axe_source():
        assert AXE.exists(), f"axe-core missing: run .ci/solara_offline_assets.sh {sys.prefix}"
        return AXE.read_text()

    return server, browser, tab, dash, dash_at, axe_source


def address(url: str, **settings) -> str:
    """The dashboard's address with settings in it, as a reload or a shared link opens it:
    ``address(url, n_residents=300, days=40, preset="ageing")``. The page then builds that
    community at once; opened at the bare address and set by the boxes and Reset, it builds
    the default 8,000 residents first and takes about 2.5 s more (and Reset is tested on its
    own)."""
    from urllib.parse import urlencode

    return f"{url}?{urlencode(settings)}"


def wait_effective(dash, **settings) -> None:
    """Wait until the model's values of the numeric ``settings`` are on the page."""
    for name, value in settings.items():
        if isinstance(value, int):
            dash.wait_text(f".effective-{name}", f"{value:,}", exact=True)


def set_box(dash, name: str, value) -> None:
    box = dash.page.locator(f".box-{name} input")
    box.fill(str(value))
    box.press("Enter")
    dash.page.wait_for_function(
        "([n, v]) => document.querySelector(`.lever-${n}`).innerText.includes(v)",
        arg=[name, f"{int(value):,}"],
    )


def reset(dash) -> None:
    dash.page.locator(".btn-reset").click()
    dash.page.locator(".btn-reset.pending").wait_for(state="detached")
    dash.wait_for_day("five", lambda d: d == 0)


def choose_preset(dash, key: str) -> None:
    """Choose a preset in the (native) select; it applies at once."""
    dash.page.locator(".select-preset select").select_option(key)


def small_community(dash, residents=300, days=60) -> None:
    set_box(dash, "n_residents", residents)
    set_box(dash, "days", days)
    reset(dash)
    dash.wait_text(".effective-n_residents", f"{residents:,}", exact=True)


RECORD_DAYS = """() => {
  window.__days = [];
  const note = () => {
    const el = document.querySelector('.day-five');
    const day = el && Number((el.innerText.match(/\\d+/) || [])[0]);
    if (day !== undefined && window.__days[window.__days.length - 1] !== day) window.__days.push(day);
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""  # noqa: E501 - JavaScript run in the page: wrapping would change the script


def assert_chinese_only(dash, typed: str = ""):
    """No Latin word outside the whitelist (and what the user typed, quoted back)."""
    allowed = {
        w.lower() for w in [*LATIN_WORDS_ALLOWED_ON_CHINESE_PAGE, typed]
    }  # buttons are upper-cased
    words = {w for w in re.findall(r"[A-Za-z]+", dash.body_text()) if w.lower() not in allowed}
    assert not words, f"Latin words on the Chinese page: {sorted(words)[:20]}"
    title = dash.page.title()
    assert CJK.search(title) and not re.search(r"[A-Za-z]", title)


def axe_problems(page, axe_source: str) -> tuple[list[str], dict]:
    """A full axe-core run (WCAG 2.0/2.1 A and AA, best practices): the critical and serious
    violations, and every violation's impact by rule (moderate and minor are reported)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert len(result["passes"]) >= 20, "axe ran hardly any rule"
    found = {v["id"]: v["impact"] for v in result["violations"]}
    problems = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]} "
        f"{v['nodes'][0]['html'][:160]}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    return problems, found


SMALL_CJK_TEXT = """() => {
  // every element that itself shows Chinese text, with its computed font size
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !/[\u4e00-\u9fff]/.test(node.textContent)) continue;
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0) continue;
    if (el.closest('[aria-hidden="true"], .v-slider__thumb-label')) continue;
    const size = parseFloat(style.fontSize);
    if (size < 14) out.push(`${size}px ${el.className} ${node.textContent.trim().slice(0, 30)}`);
  }
  return out;
}"""


def docs_screenshots(folder: Path, pairs: int = 20) -> None:
    """docs/dashboard.png (English) and docs/dashboard-zh.png (Chinese): the ageing-community
    preset (8,000 residents, a year) after ``pairs`` pairs, with 120 days of the live run and
    the matched control shown: the bottom line, the cards and the waterfall on top. The pairs
    run once; the second page finds them kept by the server for the same settings."""
    import tempfile

    from playwright.sync_api import sync_playwright

    log = folder / "screenshot-server.log"
    with (
        tempfile.TemporaryDirectory() as cache,
        running_dashboard(log, env={"SIM_DASHBOARD_CACHE": cache}) as url,
        sync_playwright() as p,
    ):
        browser = launch(p)
        for lang, name in (("en", "dashboard.png"), ("zh", "dashboard-zh.png")):
            dash = DashboardPage(browser, url, name, folder, viewport=(1400, 1700))
            page = dash.page
            if lang == "en":
                page.locator(".btn-lang").click()
                dash.wait_text(".btn-lang", "中文")
            page.locator(".select-preset select").select_option("preset_ageing")
            page.wait_for_function("() => document.querySelector('.effective-share_60_plus')")
            box = page.locator(".control-three-equal-resources-matched input")
            box.check(force=True)
            page.locator(".btn-reset.pending").wait_for()
            page.locator(".btn-reset").click()
            page.locator(".community-three-equal-resources-matched").wait_for()
            dash.set_stride(30)
            for day in (30, 60, 90, 120):
                page.locator(".btn-step").click()
                dash.wait_for_day("five", lambda d, day=day: d == day)
            if not page.locator(".bottom-sentence").count():
                count = page.locator(".input-pairs input")
                count.fill(str(pairs))
                count.press("Enter")
                dash.wait_text(".btn-pairs", str(pairs))
                page.locator(".btn-pairs").click()
            page.locator(".waterfall .step-total").wait_for(timeout=3_600_000)
            time.sleep(2.0)  # let the images arrive
            page.evaluate(
                """() => document.querySelectorAll('.v-navigation-drawer__content, .v-main__wrap')
                         .forEach(e => e.scrollTo(0, 0))"""
            )
            page.screenshot(path=folder / name, full_page=False)
            print(f"screenshot: {folder / name}")
            dash.close()
        browser.close()
    log.unlink()


if __name__ == "__main__":
    docs_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
