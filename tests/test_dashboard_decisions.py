"""Browser tests of the dashboard, second half: N pairs and their bottom line, the sweep, and
Step -> Reset -> Play on a server starved of CPU.

These are browser tests like those at the end of tests/test_dashboard.py (which says how the
server and Chromium are run), split off so that the two halves run at the same time on two
pytest-xdist workers: conftest.py keeps the tests sharing one module's ``server`` and
``browser`` in one group on one worker, and all the browser tests in one group took longer
than the rest of the suite. Each module starts its own server (with its own log and result
cache) and its own Chromium.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.dashboard import cards, pairs
from sim.dashboard.i18n import metric_title, t
from sim.model import PARAM_SPECS, headline_metrics

sys.path.insert(0, str(Path(__file__).parent))
from browser import (
    CJK,
    CJK_ALLOWED_ON_ENGLISH_PAGE,
    RECORD_DAYS,
    SHOTS,
    SMALL_CJK_TEXT,
    DashboardPage,
    address,
    assert_chinese_only,
    axe_problems,
    browser_fixtures,
    require_browser,
    running_dashboard,
    small_community,
    wait_effective,
)
from pdftext import pdf_text

server, browser, tab, dash, dash_at, axe_source = browser_fixtures("server-decisions.log")


def start_pairs(dash, n: int) -> None:
    """Ask for ``n`` pairs and start them."""
    box = dash.page.locator(".input-pairs input")
    box.fill(str(n))
    box.press("Enter")
    dash.wait_text(".btn-pairs", str(n))
    dash.page.locator(".btn-pairs").click()


# --- browser: N pairs -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_n_pairs_equal_sim_compare_and_can_be_cancelled(dash_at, tmp_path):
    from sim.cli import main

    dash = dash_at(n_residents=300, days=40)  # the size in the address, built once
    page = dash.page
    # `sim compare` on the same seed and size, in a thread while the page's pairs run (5 s
    # each, one waiting for the other before)
    compared = []
    cli = threading.Thread(
        target=lambda: compared.append(
            main(
                [
                    "compare",
                    "--residents",
                    "300",
                    "--days",
                    "40",
                    "--reps",
                    "3",
                    "--seed",
                    "7",
                    "--workers",
                    "1",
                    "--out",
                    str(tmp_path),
                ]
            )
        )
    )
    cli.start()
    start_pairs(dash, 3)
    dash.wait_text(".pairs-status", "已完成 3 对比较", timeout=120_000)
    dash.wait_text(".cards-source", "3 对配对运行")
    dash.shot("pairs")
    cli.join()
    assert compared == [0]
    expected = pd.read_parquet(tmp_path / "paired_differences.parquet").set_index("metric")
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    for name in headline_metrics():
        shown = page.locator(f".card-{name} .difference-three")
        row = expected.loc[name]
        for attribute, column in (
            ("data-difference", "difference"),
            ("data-low", "ci_low"),
            ("data-high", "ci_high"),
        ):
            value = float(shown.get_attribute(attribute))
            assert value == row[column] or (math.isnan(value) and math.isnan(row[column])), (
                name,
                column,
            )
        assert int(shown.get_attribute("data-pairs")) == 3
        better, equal, worse = cards.counts(runs, name, "three", "five")
        assert shown.get_attribute("data-better-in") == repr(better)
        if better is not None:
            assert shown.get_attribute("data-equal-in") == repr(equal)
            assert shown.get_attribute("data-worse-in") == repr(worse)
            assert better + equal + worse == 3
        if shown.get_attribute("data-verdict") not in ("too_few", "not_judged"):
            assert f"3 对中五社更好 {better} 对、持平 {equal} 对、更差 {worse} 对" in (
                shown.inner_text()
            )
    # a community of 1,000 for a year, then Cancel while the first pairs still run (40 runs
    # of a year before the first stage ends: far more than the click takes)
    small_community(dash, residents=1000, days=365)
    start_pairs(dash, 20)
    dash.wait_text(".pairs-status", "已完成")
    page.locator(".btn-pairs-cancel").click()
    dash.wait_text(".pairs-status", "已取消", timeout=120_000)
    assert "对配对运行" not in page.locator(".cards-source").inner_text()
    assert page.locator(".bottom-sentence").count() == 0
    dash.check_clean()


# --- browser: from a verdict to a decision --------------------------------------------------------


def _brief_text(page, button: str) -> tuple[str, str]:
    with page.expect_download(timeout=120_000) as info:
        page.locator(button).click()
    return info.value.suggested_filename, pdf_text(Path(info.value.path()))


@pytest.mark.browser
@pytest.mark.slow
def test_n_pairs_give_a_bottom_line_a_ladder_and_survive_a_reload(
    browser, tab, server, axe_source
):
    url = address(server, n_residents=400, days=60)  # the size in the address, built once
    dash = DashboardPage(browser, url, "bottom-line", SHOTS, tab=tab)
    page = dash.page
    try:
        wait_effective(dash, n_residents=400, days=60)
        dash.wait_text(".bottom-none", "单次运行不下结论")
        assert page.locator(".bottom-sentence").count() == 0  # never a verdict from one run
        page.locator(".btn-step").click()
        dash.wait_for_day("five", lambda d: d == 1)
        assert page.locator(".bottom-sentence").count() == 0
        start_pairs(dash, 4)
        dash.wait_text(".pairs-status", "已完成 4 对比较", timeout=300_000)
        sentence = page.locator(".bottom-sentence")
        dash.wait_text(".bottom-sentence", "原因")  # the split has arrived
        text = sentence.inner_text()
        assert text.startswith("4 对配对运行显示：五社联动") and "4 对中五社更好" in text
        for part in ("五社额外调动的资源", "按五社的匹配规则分配", "联动本身"):
            assert part in text
        assert sentence.get_attribute("data-split") == "yes"
        assert "纠纷方面" in page.locator(".bottom-disputes").inner_text()
        # the ladder: five's resources (purchase, unrestricted), routing, linkage, five - three
        steps = page.locator(".waterfall .step")
        steps.nth(4).wait_for()
        assert steps.count() == 5
        assert page.locator(".waterfall .step-total").count() == 1
        # the cards count better / equal / worse; the charts show the pairs' mean and band
        assert "4 对中五社更好" in page.locator(".card-unmet_need_share").inner_text()
        assert page.locator(".chart-pairs").count() == 2
        assert "4 对平均值" in page.locator(".chart-unmet_need_share img").get_attribute("alt")
        dash.shot("bottom-line-zh")
        problems, _ = axe_problems(page, axe_source)
        assert not problems, "\n".join(problems)
        small = page.evaluate(SMALL_CJK_TEXT)
        assert not small, f"Chinese text under 14 px: {small[:10]}"
        assert_chinese_only(dash)
        # the pairs as data
        with page.expect_download() as info:
            page.locator(".btn-pairs-csv").click()
        assert info.value.suggested_filename == "pairs_default_seed7_4pairs.csv"
        table = pd.read_csv(info.value.path())
        assert len(table) == 4 * 5 and set(table["regime"]) == {"three", "five", *pairs.RUNGS}
        # the same in English, and the brief of the pairs in the page's language, with its own
        # file name (the Chinese brief of pairs: test_brief_after_pairs_fits_the_page...[zh])
        page.locator(".btn-lang").click()
        dash.wait_text(".bottom-sentence", "Over 4 pairs, five-actor linkage")
        english = page.locator(".bottom-sentence").inner_text()
        assert "because five's extra resources account for" in english
        page.wait_for_function("document.documentElement.lang === 'en'", timeout=15_000)
        dash.wait_text(".app-title", t("title", "en"), exact=True)  # the app bar: a render later
        body = dash.body_text()
        for allowed in CJK_ALLOWED_ON_ENGLISH_PAGE:
            body = body.replace(allowed, "")
        assert not CJK.search(body), CJK.findall(body)[:10]
        name, brief_text = _brief_text(page, ".btn-brief-pdf")
        assert name == "brief_default_seed7_4pairs_en.pdf"
        joined = brief_text.replace("\n", " ")
        assert " ".join(english.split()) in " ".join(joined.split())
        for metric in headline_metrics():  # all six titles, whole (none cut at the edge)
            assert metric_title(metric, "en") in joined, metric
        assert not CJK.search(brief_text) and "settled_after_days" not in brief_text
        problems, _ = axe_problems(page, axe_source)
        assert not problems, "\n".join(problems)
        dash.shot("bottom-line-en")
        # a reload keeps the settings (in the address) and the last N-pair result (server)
        assert "n_residents=400" in page.url and "lang=en" in page.url
        page.reload()
        dash.wait_ready()
        dash.wait_text(".effective-n_residents", "400", exact=True)
        dash.wait_text(".pairs-status", "Loaded the 4 pairs")
        dash.wait_text(".bottom-sentence", english[:60])
        # a second visit to the bare address (same browser): the settings come back
        second = dash.context.new_page()
        second.goto(server)
        second.wait_for_function(
            "() => (document.querySelector('.effective-n_residents') || {}).innerText === '400'",
            timeout=90_000,
        )
        second.locator(".bottom-sentence").wait_for(timeout=60_000)
        second.close()
        dash.check_clean()
    finally:
        dash.close()


@pytest.mark.browser
@pytest.mark.slow
def test_sweep_marks_the_break_even_and_the_current_setting(dash_at, axe_source):
    dash = dash_at(n_residents=600, days=90)  # the size in the address, built once
    page = dash.page
    page.locator(".sweep-parameter select").select_option("volunteer_active_share")
    for box, value in ((".input-sweep-levels input", "3"), (".input-sweep-pairs input", "3")):
        page.locator(box).fill(value)
        page.locator(box).press("Enter")
    dash.wait_text(".btn-sweep", "3 个取值 × 3 对")
    page.locator(".btn-sweep").click()
    dash.wait_text(".sweep-status", "次运行（第")  # progress, on the runner of N pairs
    page.locator(".sweep-result").wait_for(timeout=600_000)
    rows = {row.get_attribute("data-comparison"): row for row in page.locator(".sweep-row").all()}
    matched = rows["five - three-equal-resources-matched"]
    crossing = float(matched.get_attribute("data-break-even"))
    assert 0.0 < crossing < 0.5, crossing  # more active volunteers: linkage pays off
    current = PARAM_SPECS["volunteer_active_share"].default
    assert float(matched.get_attribute("data-current")) == current
    words = matched.inner_text()
    side = "低于盈亏平衡点" if current < crossing else "高于盈亏平衡点"
    assert "变号" in words and f"当前设置 {current:g}，{side}" in words
    assert "五社 − 三社" in rows["five - three"].inner_text()
    alt = page.locator(".sweep-chart").get_attribute("alt")
    assert "登记志愿者中活跃的比例" in alt and "变号" in alt
    dash.shot("sweep")
    problems, _ = axe_problems(page, axe_source)
    assert not problems, "\n".join(problems)
    assert not page.evaluate(SMALL_CJK_TEXT)
    assert_chinese_only(dash)
    # Cancel
    page.locator(".input-sweep-pairs input").fill("30")
    page.locator(".input-sweep-pairs input").press("Enter")
    dash.wait_text(".btn-sweep", "× 30 对")
    page.locator(".btn-sweep").click()
    page.locator(".btn-sweep-cancel").click()
    dash.wait_text(".sweep-status", "已取消", timeout=300_000)
    dash.check_clean()


# --- browser: a crash path under CPU starvation ---------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_step_reset_play_under_cpu_load(browser, tab, tmp_path):
    """The server gets a fifth of one CPU, as if it shared it with four busy loops; Step ->
    Reset -> Play must play (not hang on "Pause" at day 0), show every day, pause, and never
    show an error. (Starved by stopping it, not by loops that would burn a core the tests
    running beside need: see ``running_dashboard``.)"""
    require_browser()
    start_load = tmp_path / "start-load"
    log = SHOTS / "server-load.log"
    with running_dashboard(log, cpu_share=0.2, starve_from=start_load) as url:
        t0 = time.perf_counter()
        url = address(url, n_residents=3000, days=365)  # built once, not after 8,000
        dash = DashboardPage(browser, url, "load", SHOTS, tab=tab)
        page = dash.page
        try:
            wait_effective(dash, n_residents=3000, days=365)
            start_load.touch()  # from now on the server gets a fifth of one CPU
            print(f"load: set-up {time.perf_counter() - t0:.1f} s")
            for attempt in range(2):
                page.locator(".btn-step").click()
                page.locator(".btn-reset").click()
                page.evaluate(RECORD_DAYS)
                page.locator(".btn-play").click()
                dash.wait_text(".btn-play", "暂停", exact=True)
                dash.wait_for_day("five", lambda d: d >= 4, timeout=60)
                page.locator(".btn-play").click()
                dash.wait_text(".btn-play", "播放", exact=True, timeout=60_000)
                stopped = dash.day("five")
                time.sleep(1.0)
                assert dash.day("five") == stopped, (
                    f"attempt {attempt}: still advancing after Pause"
                )
                seen = page.evaluate("window.__days")
                after_reset = seen[len(seen) - seen[::-1].index(0) :]  # the days shown after Reset
                assert after_reset == list(range(1, stopped + 1)), (
                    f"attempt {attempt}: days shown {seen}"
                )
                assert "Too many renders" not in dash.body_text()
                print(f"load: attempt {attempt} done at {time.perf_counter() - t0:.1f} s")
            dash.shot("after-load")
            dash.check_clean()
        finally:
            dash.close()
