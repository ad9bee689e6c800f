"""Run the dashboard server and drive it from Debian's Chromium (tests and the README screenshot).

    uv run python -m sim.dashboard.browser docs/dashboard.png   # regenerate the README screenshot

Never runs ``playwright install``: it uses the system Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_dashboard(log_path: Path, timeout: float = 60.0):
    """Start ``sim dashboard`` on a free port, yield its URL, then stop its whole process group."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
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
            yield url
        finally:  # the server runs solara in a child process: stop the group, not just the parent
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def readme_screenshot(out: Path) -> None:
    """English page, "ageing community" preset, after 120 days (four 30-day steps)."""
    from playwright.sync_api import sync_playwright

    with running_dashboard(out.with_suffix(".server.log")) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1350})
        page.goto(url)
        page.locator(".day-three").wait_for(timeout=60_000)
        page.locator(".btn-lang").click()
        page.locator(".v-select").click()
        page.get_by_role("option", name="Ageing community").click()
        page.wait_for_function("() => document.querySelector('.effective-share_60_plus')")
        page.locator(".stride button").nth(2).click()  # 30 days per step
        for day in (30, 60, 90, 120):
            page.locator(".btn-step").click()
            page.wait_for_function(
                "day => document.querySelector('.day-five').innerText === `Day ${day}`", arg=day
            )
        time.sleep(1.0)  # let the images arrive
        page.screenshot(path=out)
        browser.close()
    out.with_suffix(".server.log").unlink()
    print(f"screenshot: {out}")


if __name__ == "__main__":
    readme_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard.png"))
