"""Tests of the policy dashboard.

Fast tests of its parts (labels, inputs, cards and verdicts, exports, the brief, colours, the
play loop and error handling rendered without a browser), then browser tests: a fixture starts
the real server (``python -m sim dashboard --port P``, i.e. ``solara run
sim/dashboard/app.py --production``) on a free port and Debian's Chromium drives it through
Playwright. Screenshots of each state go to ``test-output/dashboard/``. The browser tests skip
only if /usr/bin/chromium is absent.
"""

from __future__ import annotations

import io
import logging
import math
import re
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import compare
from sim.dashboard import brief, cards, colours, command, drawing, export, inputs, pairs, presets
from sim.dashboard.i18n import (
    COLUMN_TEXT,
    LABELS,
    LANGUAGES,
    METRIC_ZH,
    REGIME_TEXT,
    UNIT_TEXT,
    metric_title,
    t,
)
from sim.dashboard.runs import LinkedRuns, Settings
from sim.model import METRICS, PARAM_SPECS, Params, headline_metrics

sys.path.insert(0, str(Path(__file__).parent))
from browser import CHROMIUM, DashboardPage, launch, running_dashboard
from pdftext import pdf_text

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "dashboard"
TOOLS = ROOT / "test-output" / "tools"
AXE_VERSION = "4.14.1"
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
LATIN_WORDS_ALLOWED_ON_CHINESE_PAGE = {
    "sim",
    "compare",
    "Mesa",
    "Solara",
    "English",
    "CSV",
    "PDF",
    "PNG",
    "N",
}
CJK_ALLOWED_ON_ENGLISH_PAGE = {"中文"}  # the language switch names the other language


def small(seed=3, preset="preset_default", controls=(), **params) -> Settings:
    values = {"n_residents": 300, "days": 30} | params
    return Settings.make(seed, preset, values, controls)


# --- labels, levers, inputs ----------------------------------------------------------------


def test_every_label_and_model_text_has_chinese_and_english():
    for key, entry in [
        *LABELS.items(),
        *REGIME_TEXT.items(),
        *UNIT_TEXT.items(),
        *COLUMN_TEXT.items(),
    ]:
        for lang in LANGUAGES:
            assert entry.get(lang), f"{key!r} lacks {lang}"
    for key in [lever.name for lever in presets.LEVERS] + [
        p for v in presets.PRESETS.values() for p in v
    ]:
        assert key in LABELS, f"no label for parameter {key!r}"
    for key in presets.PRESETS:
        assert key in LABELS, f"no label for preset {key!r}"
    missing = [name for name in METRICS if name not in METRIC_ZH]
    assert not missing, f"metrics without a Chinese title (add them to i18n.METRIC_ZH): {missing}"
    units = {m.unit for m in METRICS.values()} - set(UNIT_TEXT)
    assert not units, f"units without words (add them to i18n.UNIT_TEXT): {units}"
    assert t("day", "zh", day=3) == "第 3 天" and t("day", "en", day=3) == "Day 3"
    # English titles are the catalogue's definitions, so they follow the model
    assert metric_title("court_filings", "en") == "Disputes that reached court"


def test_every_daily_column_has_a_data_dictionary_entry():
    runs = LinkedRuns(small(days=2))
    runs.step()
    columns = export.daily_table(runs).columns
    table = export.dictionary_table(columns)
    for row in table.itertuples(index=False):
        assert row[1] != row[0] and CJK.search(row[1]), (
            f"no Chinese description of column {row[0]!r}"
        )
        assert row[2] != row[0] and not CJK.search(row[2]), f"no English description of {row[0]!r}"


def test_levers_start_at_the_model_defaults_and_stay_in_its_ranges():
    for lever in presets.LEVERS:
        spec = PARAM_SPECS[lever.name]
        assert lever.default == spec.default, lever
        low, high = lever.limits
        assert spec.min <= low < lever.max <= high <= spec.max, lever
        position = (lever.default - lever.min) / lever.step  # the default sits on the slider grid
        assert abs(position - round(position)) < 1e-6, lever
    residents = presets.LEVER_BY_NAME["n_residents"]
    assert residents.max >= 8000 and residents.limits[1] > 8000  # slider to 8,000, box beyond
    for key, overrides in presets.PRESETS.items():
        Params.from_dict(overrides)  # every preset is a valid parameter set
        assert set(presets.lever_values(key)) == {lever.name for lever in presets.LEVERS}


@pytest.mark.parametrize(
    "typed, expected",
    [("7", 7), (" 8,000 ", 8000), ("0", 0), ("4294967295", 2**32 - 1), ("12.0", 12)],
)
def test_seeds_in_range_are_read(typed, expected):
    assert inputs.parse_seed(typed) == expected


@pytest.mark.parametrize(
    "typed", ["13800138000", "4294967296", "-3", "abc", "1e5", "7.5", "", "７"]
)
def test_bad_seeds_are_refused_in_the_page_language(typed):
    refusal = inputs.parse_seed(typed)
    assert isinstance(refusal, inputs.Refusal)
    zh, en = refusal.message("zh"), refusal.message("en")
    assert "随机种子" in zh and "4294967295" in zh
    assert not re.search(r"[A-Za-z]", zh.replace(typed, "")), (
        zh
    )  # no English in the Chinese message
    assert "Seed" in en and not CJK.search(en.replace(typed, ""))


def test_refusals_quote_a_bounded_prefix():
    refusal = inputs.parse_int("9" * 500, "n_residents", 100, 100_000)
    assert len(refusal.message("en")) < 200 and "…" in refusal.message("en")


# --- linked runs --------------------------------------------------------------------------


def test_linked_runs_share_seed_and_graph_and_step_together():
    runs = LinkedRuns(small())
    three, five = runs.models["three"], runs.models["five"]
    assert sorted(three.graph.edges()) == sorted(five.graph.edges())
    assert runs.views["three"] is runs.views["five"]  # laid out once
    assert runs.daily()["regime"].empty  # nothing before the first day (and no crash)
    runs.step(10)
    snap = runs.snapshot()
    assert snap.day == {"three": 10, "five": 10}
    assert set(snap.linked["five"]) > set(snap.linked["three"])  # from model.linked
    assert snap.summary["five"]["needs_total"] > 0  # outcomes to date
    assert runs.effective_params()["n_residents"] == 300


def test_an_actor_with_nothing_to_give_is_not_linked():
    runs = LinkedRuns(small(volunteer_registration_share=0.0))
    assert "VOLUNTEER" not in {a.name for a in runs.snapshot().linked["five"]}


def test_control_communities_join_the_comparison():
    controls = tuple(
        r for r in ("three-equal-resources",) if r in __import__("sim.model").model.REGIMES
    )
    runs = LinkedRuns(small(controls=controls))
    runs.step(3)
    assert tuple(runs.snapshot().day) == ("three", "five", *controls)
    assert cards.comparisons(runs.settings.regimes) == [("three", "five")] + [
        (c, "five") for c in controls
    ]


def test_huge_seeds_lay_out_the_network():
    """Seeds beyond 32 bits used to crash the layout; the page refuses them, and the
    drawing copes anyway."""
    runs = LinkedRuns(small(seed=2**40))
    assert len(runs.views["three"].nodes) == 300


def test_large_networks_are_sampled_and_drawn():
    runs = LinkedRuns(Settings.make(1, "preset_default", {"n_residents": 8000, "days": 5}))
    view = runs.views["three"]
    assert view.sampled and len(view.nodes) == drawing.MAX_DRAWN_NODES and view.total == 8000
    snap = runs.snapshot()
    assert drawing.NetworkPicture(view).png(snap.states["three"]).startswith(b"\x89PNG")
    styles = {"three": ("#000000", None), "five": ("#111111", (2, 2))}
    assert drawing.SeriesPicture("unmet_need_share", styles).png(snap.frames).startswith(b"\x89PNG")


def test_trust_crises_are_found_in_the_daily_series():
    frame = pd.DataFrame({"day": [1, 2, 3, 4, 5], "donor_trust": [1.0, 1.0, 0.2, 0.21, 0.05]})
    assert drawing.event_days({"five": frame, "three": frame.assign(donor_trust=np.nan)}) == {
        "trust": [3, 5]
    }
    runs = LinkedRuns(small(days=120, trust_shock_prob_per_year=12.0))
    runs.step(120)
    found = drawing.event_days(runs.snapshot().frames)
    assert found.get("trust"), "twelve scandals a year and none marked"


# --- cards and verdicts -------------------------------------------------------------------


def test_cards_follow_the_metric_catalogue():
    runs = LinkedRuns(small())
    runs.step(10)
    built = cards.run_cards(runs.snapshot().summary, runs.settings.regimes)
    assert [c.metric.name for c in built] == headline_metrics()
    for card in built:
        assert card.pairs == 1 and card.differences[0].pairs == 1


def test_single_run_verdicts_wait_for_enough_events():
    court = METRICS["dispute_escalation_share"]
    assert court.events and court.min_events > 2
    few = {"three": court.min_events - 1, "five": 40}
    assert cards.judge(court, -0.01, None, None, 1, few) == "too_few"
    enough = {"three": court.min_events, "five": court.min_events}
    assert cards.judge(court, -0.01, None, None, 1, enough) == "better"
    assert cards.judge(court, +0.01, None, None, 1, enough) == "worse"
    higher = next(m for m in METRICS.values() if m.direction == "higher" and not m.events)
    assert cards.judge(higher, +0.01, None, None, 1, {}) == "better"
    count = next(m for m in METRICS.values() if m.direction is None)
    assert cards.judge(count, 5.0, None, None, 1, {}) == "not_judged"
    assert cards.judge(court, math.nan, None, None, 1, enough) == "no_data"


def test_pair_verdicts_need_an_interval_that_excludes_zero():
    unmet = METRICS["unmet_need_share"]
    enough = {"three": 100, "five": 100}
    assert cards.judge(unmet, -0.02, -0.03, -0.01, 20, enough) == "better"
    assert cards.judge(unmet, -0.02, -0.05, 0.01, 20, enough) == "unclear"
    assert cards.judge(unmet, 0.02, 0.01, 0.03, 20, enough) == "worse"
    assert cards.judge(unmet, -0.02, -0.03, -0.01, 20, {"three": 3, "five": 100}) == "too_few"


def test_single_run_cards_are_labelled_and_hold_back_thin_verdicts():
    runs = LinkedRuns(small(days=60))
    runs.step(60)
    snap = runs.snapshot()
    built = {c.metric.name: c for c in cards.run_cards(snap.summary, runs.settings.regimes)}
    court = built["dispute_escalation_share"].differences[0]
    filings = {r: snap.summary[r]["court_filings"] for r in ("three", "five")}
    assert (
        min(filings.values()) < METRICS["dispute_escalation_share"].min_events
    )  # 300 residents, 60 days
    assert court.verdict == "too_few"
    words = cards.describe(METRICS["dispute_escalation_share"], court, "zh")
    assert "事件太少" in words and "五社更" not in words
    cost = built["cost_per_resolved_case"].differences[0]
    if cost.verdict in ("better", "worse"):
        assert cards.describe(METRICS["cost_per_resolved_case"], cost, "en").startswith(
            "In this one run"
        )


def test_pair_cards_equal_the_paired_table_and_count_pairs():
    settings = small(days=20)
    result = pairs.run(settings, 4, workers=1)
    table = compare.paired_table(result.runs, "three", "five").set_index("metric")
    for card in cards.pairs_cards(result.runs, result.tables):
        diff = card.differences[0]
        row = table.loc[card.metric.name]
        assert diff.value == row["difference"] and diff.low == row["ci_low"] and diff.pairs == 4
        wide = result.runs.pivot(index="rep", columns="regime", values=card.metric.name)
        expected = int((card.metric.sign * (wide["five"] - wide["three"]) > 0).sum())
        assert diff.better_in == expected
    # a better_in column from the runner, when it has one, is taken as it is
    table_with = {k: v.assign(better_in=1) for k, v in result.tables.items()}
    assert cards.pairs_cards(result.runs, table_with)[0].differences[0].better_in == 1
    # the experiments runner's shapes: a "replicate" column, means in columns "a" and "b"
    renamed_runs = result.runs.rename(columns={"rep": "replicate"})
    renamed_tables = {
        k: v.rename(columns={"three": "a", "five": "b"}) for k, v in result.tables.items()
    }
    assert cards.pairs_cards(renamed_runs, renamed_tables) == cards.pairs_cards(
        result.runs, result.tables
    )


def test_run_pairs_reports_progress_and_can_be_cancelled():
    params = Params.from_dict({"n_residents": 200, "days": 10})
    seen = []
    runs, _ = compare.run_pairs(
        params, 3, 1, workers=1, progress=False, on_progress=lambda d, n: seen.append((d, n))
    )
    assert seen == [(i, 6) for i in range(1, 7)] and len(runs) == 6
    cancel = threading.Event()

    def stop_after_two(done, total):
        if done == 2:
            cancel.set()

    runs, _ = compare.run_pairs(
        params, 3, 1, workers=1, progress=False, on_progress=stop_after_two, cancel=cancel
    )
    assert len(runs) == 2
    assert pairs.run(small(), 3, cancel=cancel, workers=1) is None  # cancelled: no result


def test_a_failing_pairs_job_is_reported_not_raised(caplog, monkeypatch):
    published = []
    monkeypatch.setattr(pairs, "run", lambda *a, **k: 1 / 0)
    job = pairs.PairsJob(small(), 2, publish=published.append)
    with caplog.at_level(logging.ERROR, logger="sim.dashboard"):
        job._work()
    assert published[-1].state == "failed"
    assert "ZeroDivisionError" in caplog.text


# --- exports -------------------------------------------------------------------------------


def test_csv_records_preset_seed_and_parameters():
    runs = LinkedRuns(small(seed=5, preset="preset_ageing", share_60_plus=0.33))
    with pytest.raises(export.NothingToExport):  # before any day: no file (the button is off)
        export.csv_bytes(runs)
    runs.step(3)
    table = pd.read_csv(io.BytesIO(export.csv_bytes(runs)))
    assert list(table.columns[:4]) == ["regime", "preset", "seed", "day"]
    assert set(table["preset"]) == {"ageing"} and set(table["seed"]) == {5}
    assert table.groupby("regime")["day"].max().to_dict() == {"five": 3, "three": 3}
    assert (table["param_share_60_plus"] == 0.33).all()
    assert export.csv_name(runs) == "linkage_ageing_seed5_day3.csv"
    dictionary = pd.read_csv(io.BytesIO(export.dictionary_bytes(runs)), encoding="utf-8-sig")
    assert list(dictionary["column"]) == list(table.columns)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_brief_is_one_page_in_the_page_language(lang):
    runs = LinkedRuns(small(preset="preset_ageing", share_60_plus=0.33, days=40))
    runs.step(25)
    content = brief.content(runs, runs.snapshot(), None, lang)
    pdf = brief.render(content, "pdf")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1
    text = pdf_text(pdf)
    assert t("brief_title", lang) in text and t("preset_ageing", lang) in text
    assert t("brief_runs_one", lang) in text and export.model_version() in text
    assert (
        content.date in text and "0.33" in text and "0.211" in text
    )  # a changed parameter and its default
    for name in headline_metrics():
        assert metric_title(name, lang)[:12] in text.replace("\n", "")
    if lang == "zh":
        assert b"WenQuanYiMicroHei" in pdf  # the Chinese glyphs are really embedded
        assert "第 25 天" in text
    else:
        assert not CJK.search(text), CJK.findall(text)
    png = brief.render(content, "png")
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert abs(image.height / image.width - 297 / 210) < 0.01  # A4
    assert (
        image.info["Title"] == t("brief_title", lang)
        and str(content.seed) in image.info["Description"]
    )
    assert brief.file_name(content, "pdf") == f"brief_ageing_seed3_day25_{lang}.pdf"


def test_brief_with_pairs_shows_intervals():
    runs = LinkedRuns(small(days=20))
    result = pairs.run(runs.settings, 3, workers=1)
    text = pdf_text(brief.render(brief.content(runs, runs.snapshot(), result, "en"), "pdf"))
    assert "3 paired runs" in text and "95% interval" in text.replace("\n", " ")


def test_chinese_brief_without_a_chinese_font_fails_clearly(monkeypatch):
    monkeypatch.setenv("SIM_CJK_FONT", "/nonexistent/font.ttf")
    runs = LinkedRuns(small(days=5))
    with pytest.raises(brief.FontMissing, match="SIM_CJK_FONT"):
        brief.render(brief.content(runs, runs.snapshot(), None, "zh"), "pdf")
    monkeypatch.delenv("SIM_CJK_FONT")
    monkeypatch.setattr(brief, "CJK_FAMILIES", ("No Such Font",))
    with pytest.raises(brief.FontMissing, match="fonts-wqy-microhei"):
        brief.cjk_font()


# --- colours -------------------------------------------------------------------------------


def test_text_colours_reach_wcag_aa_contrast():
    for colour in [
        *colours.REGIME_COLOURS.values(),
        *colours.CONTROL_COLOURS,
        colours.MUTED_TEXT,
        colours.BETTER,
        colours.WORSE,
    ]:
        assert colours.contrast_ratio(colour) >= 4.5, colour  # coloured text on white
    for colour in [*colours.REGIME_COLOURS.values(), *colours.CONTROL_COLOURS]:
        assert colours.contrast_ratio("#ffffff", colour) >= 4.5, colour  # white chip text
    assert colours.contrast_ratio("#0f9d8a") < 4.5  # the old five-actor teal failed


def test_colours_stay_apart_under_deuteranopia():
    regimes = [*colours.REGIME_COLOURS.values(), *colours.CONTROL_COLOURS]
    for i, a in enumerate(regimes):
        for b in regimes[i + 1 :]:
            assert colours.deuteranopia_distance(a, b) >= 25, (a, b)
    nodes = list(colours.NODE_COLOURS.values())
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert colours.deuteranopia_distance(a, b) >= 15, (a, b)
    # the old colours did not: yellow and orange stages, grey-blue three and teal five
    assert colours.deuteranopia_distance("#f4d03f", "#f39c12") < 15
    assert colours.deuteranopia_distance("#5b6c8f", "#0f9d8a") < 25


# --- the page, rendered without a browser ----------------------------------------------------


@pytest.fixture
def rendered():
    import solara

    from sim.dashboard import app, state

    for lever in presets.LEVERS:
        state.levers[lever.name].value = {"n_residents": 200, "days": 5}.get(
            lever.name, lever.default
        )
    _, rc = solara.render(app.Page(), handle_error=False)
    yield state
    state.playing.value = False
    rc.close()


def test_play_waits_for_each_frame_and_stops_at_the_horizon(rendered):
    state = rendered
    state.reset()
    state.toggle_play()
    assert state.playing.value and state.runs.value.day == 1  # one frame, then wait
    time.sleep(0.3)
    assert state.runs.value.day == 1, "advanced without the page drawing the frame"
    state.frame_shown(state.frame.value - 1)  # a stale report changes nothing
    assert state.runs.value.day == 1
    while state.playing.value:
        state.frame_shown(state.frame.value)
    assert state.runs.value.day == 5 and not state.runs.value.running


def test_an_error_in_an_action_becomes_a_message(rendered, caplog, monkeypatch):
    state = rendered
    state.reset()
    monkeypatch.setattr(state.runs.value, "step", lambda days: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="sim.dashboard"):
        state.step()  # does not raise
    assert state.notice.value.key == "error_generic"
    assert "Traceback" in caplog.text and "ZeroDivisionError" in caplog.text


def test_reset_refuses_bad_boxes_and_keeps_the_runs(rendered):
    state = rendered
    state.reset()
    before = state.runs.value
    state.type_seed("13800138000")
    state.reset()
    assert state.runs.value is before and state.notice.value.refusal is not None
    state.type_seed("9")
    state.type_lever("n_residents", "abc")
    assert state.box_errors["n_residents"].value is not None
    state.reset()
    assert state.runs.value is before and state.notice.value.key == "fix_first"
    state.type_lever("n_residents", "250")
    assert state.pending_changes() == ["n_residents", "seed"]
    state.reset()
    assert state.runs.value.seed == 9 and state.runs.value.effective_params()["n_residents"] == 250
    assert state.pending_changes() == []


def test_a_parameter_the_model_refuses_is_named_in_the_page_language(rendered, monkeypatch):
    from sim.model import ConfigError

    state = rendered
    state.reset()
    before = state.runs.value

    def refuse(settings):
        raise ConfigError("parameter 'days': must be in [1, 3650] (days), got 0")

    monkeypatch.setattr(state, "LinkedRuns", refuse)
    state.reset()
    assert state.runs.value is before
    fields = {name: t(key, "zh") for name, key in state.notice.value.fields}
    assert t(state.notice.value.key, "zh", **fields) == "参数“模拟天数”不在允许范围内，未能重置。"


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_bad_port_is_a_one_line_error(port, capsys):
    assert command.main(["--port", port]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--port" in err and "1-65535" in err


def test_a_busy_port_is_one_line_before_anything_is_served(capsys, monkeypatch):
    """A second dashboard on a taken port printed "serving on ..." and then failed with
    exit code 3: the port is checked first, and no server is started."""
    import socket

    started = []
    monkeypatch.setattr(command.subprocess, "Popen", lambda *a, **k: started.append(a))
    with socket.socket() as other:      # another program listening on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert command.main(["--port", str(port)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sim: error: --port {port}: ")
    assert "already in use" in lines[0] and "serving" not in captured.out + captured.err
    assert started == []


def test_command_serves_the_app_in_the_dashboard_package():
    assert command.APP == ROOT / "sim" / "dashboard" / "app.py" and command.APP.exists()


# --- browser --------------------------------------------------------------------------------


def _require_browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    cache = Path(sys.prefix) / "share/solara/cdn/@widgetti/solara-vuetify-app@10.1.1"
    assert cache.exists(), f"offline assets missing: run .ci/solara_offline_assets.sh {sys.prefix}"
    SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def server():
    """The real dashboard server on a free port; its process group is stopped in
    ``running_dashboard``'s finally, whatever the tests do."""
    _require_browser()
    with running_dashboard(SHOTS / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    _require_browser()
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def dash(browser, server, request):
    page = DashboardPage(browser, server, request.node.name.removeprefix("test_"), SHOTS)
    yield page
    page.close()


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


def small_community(dash, residents=300, days=60) -> None:
    set_box(dash, "n_residents", residents)
    set_box(dash, "days", days)
    reset(dash)
    dash.wait_text(".effective-n_residents", f"{residents:,}", exact=True)


@pytest.mark.browser
@pytest.mark.slow
def test_page_renders_in_chinese_with_accessible_parts(dash):
    page = dash.page
    for regime in ("three", "five"):
        assert page.locator(f".community-{regime}").is_visible()
        assert dash.day(regime) == 0
    assert "三社联动" in page.locator(".community-three").inner_text()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator(".effective-n_residents").inner_text() == "8,000"  # the model's default
    for img in page.locator("img").all():  # every image says what it shows
        assert CJK.search(img.get_attribute("alt") or ""), img.get_attribute("class")
    for slider in page.locator("[role=slider]").all():  # every slider has a name
        assert CJK.search(slider.get_attribute("aria-label") or "")
    assert "runs on Solara" not in dash.body_text()
    dash.shot("initial")
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_step_and_play_wait_for_each_frame_and_pause(dash):
    page = dash.page
    before = page.locator(".network-five").get_attribute("data-frame-of")
    page.locator(".btn-step").click()
    dash.wait_for_day("three", lambda d: d == 1)
    dash.wait_for_day("five", lambda d: d == 1)
    assert page.locator(".network-five").get_attribute("data-frame-of") != before  # redrawn
    page.evaluate(_RECORD_DAYS)
    page.locator(".btn-play").click()
    dash.wait_for_day("five", lambda d: d >= 6)
    page.locator(".btn-play").click()  # now Pause
    dash.wait_text(".btn-play", "播放", exact=True)
    paused = dash.day("five")
    time.sleep(1.0)
    assert dash.day("five") == paused, "still advancing after Pause"
    assert dash.day("three") == paused, "the communities drifted apart"
    seen = page.evaluate("window.__days")
    assert seen == list(range(1, paused + 1)), f"days skipped on screen: {seen}"
    dash.shot("paused")
    dash.check_clean()


_RECORD_DAYS = """() => {
  window.__days = [];
  const note = () => {
    const el = document.querySelector('.day-five');
    const day = el && Number((el.innerText.match(/\\d+/) || [])[0]);
    if (day !== undefined && window.__days[window.__days.length - 1] !== day) window.__days.push(day);
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_a_year_plays_in_seconds_and_stops_at_the_horizon(dash):
    page = dash.page
    small_community(dash, residents=1000, days=365)
    dash.set_stride(30)
    start = time.perf_counter()
    page.locator(".btn-play").click()
    dash.wait_for_day("five", lambda d: d == 365, timeout=120)
    took = time.perf_counter() - start
    dash.wait_text(".btn-play", "播放", exact=True)  # Play turned itself off
    assert page.locator(".btn-play").is_disabled() and page.locator(".btn-step").is_disabled()
    print(f"browser: a year at 30 days per frame, 1,000 residents: {took:.1f} s")
    assert took < 60  # seconds, not the minutes of one day per 0.25 s
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_changes_are_pending_until_reset(dash):
    page = dash.page
    slider = page.locator(".lever-crowd_out_elasticity [role=slider]")
    slider.focus()
    slider.press("ArrowRight")
    dash.wait_text(".lever-crowd_out_elasticity", "0.35")
    dash.wait_text(".pending-crowd_out_elasticity", "待重置")
    dash.wait_text(".btn-reset", "重置（应用改动）")
    assert page.locator(".effective-crowd_out_elasticity").inner_text() == "0.3"
    seed = page.locator(".input-seed input")
    seed.fill("11")
    seed.press("Enter")
    dash.wait_text(".pending-banner", "2")
    dash.shot("pending")
    reset(dash)
    dash.wait_text(".effective-crowd_out_elasticity", "0.35", exact=True)
    dash.wait_text(".effective-seed", "11", exact=True)
    assert page.locator(".pending-chip").count() == 0
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_language_switch_leaves_no_word_of_the_other_language(dash):
    page = dash.page
    page.locator(".btn-step").click()
    dash.wait_for_day("five", lambda d: d == 1)
    page.locator("summary, .v-expansion-panel-header").first.click()  # open the explanations
    _assert_chinese_only(dash)
    page.locator(".btn-lang").click()
    dash.wait_text(".day-three", "Day 1", exact=True)
    dash.wait_text(".btn-step", "STEP (1 DAY)", exact=True)  # Vuetify upper-cases button labels
    dash.wait_text(".card-unmet_need_share", "Share of needs")
    # <html lang> is set by a frontend component after the render: wait for it, don't race
    page.wait_for_function("document.documentElement.lang === 'en'", timeout=15_000)
    text = dash.body_text()
    for allowed in CJK_ALLOWED_ON_ENGLISH_PAGE:
        text = text.replace(allowed, "")
    assert not CJK.search(text), f"Chinese on the English page: {CJK.findall(text)[:10]}"
    for img in page.locator("img").all():
        assert not CJK.search(img.get_attribute("alt") or "")
    dash.shot("english")
    page.locator(".btn-lang").click()
    dash.wait_text(".day-three", "第 1 天", exact=True)
    dash.check_clean()


def _assert_chinese_only(dash, typed: str = ""):
    """No Latin word outside the whitelist (and what the user typed, quoted back)."""
    allowed = {
        w.lower() for w in [*LATIN_WORDS_ALLOWED_ON_CHINESE_PAGE, typed]
    }  # buttons are upper-cased
    words = {w for w in re.findall(r"[A-Za-z]+", dash.body_text()) if w.lower() not in allowed}
    assert not words, f"Latin words on the Chinese page: {sorted(words)[:20]}"
    title = dash.page.title()
    assert CJK.search(title) and not re.search(r"[A-Za-z]", title)


@pytest.mark.browser
@pytest.mark.slow
def test_csv_before_any_day_and_after_a_preset_is_not_a_crash(dash):
    page = dash.page
    assert page.locator(".btn-csv").is_disabled()
    dash.wait_text(".csv-empty", "尚无逐日数据")
    page.locator(".btn-csv").click(force=True)  # a click on the disabled button does nothing
    page.locator(".select-preset").click()
    page.get_by_role("option", name="老龄化社区").click()
    dash.wait_text(".effective-preset", "老龄化社区", exact=True)
    assert page.locator(".btn-csv").is_disabled()
    page.locator(".btn-step").click()
    dash.wait_for_day("five", lambda d: d == 1)
    page.locator(".btn-csv:not([disabled])").wait_for()
    with page.expect_download() as info:
        page.locator(".btn-csv").click()
    assert info.value.suggested_filename == "linkage_ageing_seed7_day1.csv"
    table = pd.read_csv(info.value.path())
    assert set(table["regime"]) == {"three", "five"} and set(table["preset"]) == {"ageing"}
    assert (table["param_share_60_plus"] == 0.33).all()
    with page.expect_download() as info:
        page.locator(".btn-dictionary").click()
    dictionary = pd.read_csv(info.value.path(), encoding="utf-8-sig")
    assert set(dictionary["column"]) == set(table.columns)
    assert dictionary["说明（中文）"].str.contains(CJK.pattern).all()
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("typed", ["13800138000", "abc"])
def test_out_of_range_and_non_numeric_seeds_are_refused(dash, typed):
    page = dash.page
    seed = page.locator(".input-seed input")
    seed.fill(typed)
    seed.press("Enter")
    dash.wait_text(".input-seed", "0 到 4294967295 之间的整数")
    page.locator(".btn-reset").click()
    dash.wait_text(".notice", "随机种子")
    assert page.locator(".effective-seed").inner_text() == "7"  # the old runs stay
    assert dash.day("five") == 0 and page.locator(".network-five").is_visible()
    _assert_chinese_only(dash, typed)  # the refusal quotes what was typed
    seed.fill("11")
    seed.press("Enter")
    reset(dash)
    dash.wait_text(".effective-seed", "11", exact=True)
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_residents_beyond_the_slider_through_the_number_box(dash):
    page = dash.page
    set_box(dash, "n_residents", 20000)
    reset(dash)
    dash.wait_text(".effective-n_residents", "20,000", exact=True)
    dash.wait_text(".community-five .network-note", "450 / 20000")
    box = page.locator(".box-n_residents input")
    box.fill("200000")
    box.press("Enter")
    dash.wait_text(".box-n_residents", "100000")  # the refusal names the range
    page.locator(".btn-reset").click()
    dash.wait_text(".notice", "标红")
    assert page.locator(".effective-n_residents").inner_text() == "20,000"
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_n_pairs_equal_sim_compare_and_can_be_cancelled(dash, tmp_path):
    page = dash.page
    small_community(dash, residents=300, days=40)
    box = page.locator(".input-pairs input")
    box.fill("3")
    box.press("Enter")
    dash.wait_text(".btn-pairs", "3")
    page.locator(".btn-pairs").click()
    dash.wait_text(".pairs-status", "已完成 3 对比较", timeout=120_000)
    dash.wait_text(".cards-source", "3 对配对运行")
    dash.shot("pairs")
    from sim.cli import main

    assert (
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
        == 0
    )
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
        better = cards.better_in(runs, name, "three", "five")
        assert shown.get_attribute("data-better-in") == repr(better)
        assert "3 对中更好" in shown.inner_text() or shown.get_attribute("data-verdict") in (
            "too_few",
            "not_judged",
        )
    # larger settings, then Cancel
    small_community(dash, residents=3000, days=365)
    page.locator(".btn-pairs").click()
    dash.wait_text(".pairs-status", "已完成")
    page.locator(".btn-pairs-cancel").click()
    dash.wait_text(".pairs-status", "已取消", timeout=120_000)
    assert "3 对配对运行" not in page.locator(".cards-source").inner_text()
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_brief_export_in_the_page_language(dash):
    page = dash.page
    page.locator(".select-preset").click()
    page.get_by_role("option", name="纠纷多发社区").click()
    dash.wait_text(".effective-preset", "纠纷多发社区", exact=True)
    dash.set_stride(30)
    page.locator(".btn-step").click()
    dash.wait_for_day("five", lambda d: d == 30)
    with page.expect_download(timeout=60_000) as info:
        page.locator(".btn-brief-pdf").click()
    assert info.value.suggested_filename == "brief_disputes_seed7_day30_zh.pdf"
    text = pdf_text(Path(info.value.path()))
    assert "一页简报" in text and "纠纷多发社区" in text and "随机种子：7" in text
    assert "纠纷升级风险（倍数）: 2（默认 1）" in text and "每个社区单次运行" in text
    assert export.model_version() in text and METRIC_ZH["dispute_escalation_share"] in text
    with page.expect_download(timeout=60_000) as info:
        page.locator(".btn-brief-png").click()
    from PIL import Image

    image = Image.open(info.value.path())
    assert (
        image.info["Title"] == "三社联动与五社联动对照：一页简报"
        and "纠纷多发社区" in image.info["Description"]
    )
    dash.check_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_control_community_and_explanations(dash):
    from sim.dashboard.state import CONTROL_REGIMES

    page = dash.page
    assert CONTROL_REGIMES, "no control regime offered"
    control = CONTROL_REGIMES[0]
    page.locator(".select-preset").click()
    page.get_by_role("option", name="捐赠信任危机").click()
    dash.wait_text(".effective-preset", "捐赠信任危机", exact=True)
    small_community(dash, residents=500, days=365)
    page.locator(f".control-{control} input").check(force=True)
    dash.wait_text(".control-regimes", "待重置")
    reset(dash)
    page.locator(f".community-{control}").wait_for()
    dash.set_stride(30)
    for _ in range(12):
        page.locator(".btn-step").click()
        time.sleep(0.3)
    dash.wait_for_day("five", lambda d: d == 360)
    assert page.locator(f".card-unmet_need_share .difference-{control}").count() == 1
    dash.wait_text(".chart-unmet_need_share .chart-events", "慈善信任危机")  # ~3 scandals a year
    page.locator("summary, .v-expansion-panel-header").first.click()
    dash.wait_text(".explanations", METRIC_ZH["dispute_escalation_share"])
    for text in (
        t("role_volunteer", "zh")[:10],
        "越低越好",
        "少于 10 起",
        t("explain_reading", "zh"),
    ):
        assert text in page.locator(".explanations").inner_text()
    dash.shot("control")
    dash.check_clean()


@pytest.fixture(scope="module")
def axe_source():
    """axe-core from the npm registry, unpacked in a test-time folder (not in the repository)."""
    target = TOOLS / f"axe-core-{AXE_VERSION}" / "axe.min.js"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent"],
            cwd=target.parent,
            capture_output=True,
            text=True,
            check=True,
        )
        with tarfile.open(target.parent / packed.stdout.strip().splitlines()[-1]) as archive:
            target.write_bytes(archive.extractfile("package/axe.min.js").read())
    return target.read_text()


@pytest.mark.browser
@pytest.mark.slow
def test_accessibility_with_axe_core_at_1366x768(browser, server, axe_source):
    dash = DashboardPage(browser, server, "accessibility", SHOTS, viewport=(1366, 768))
    page = dash.page
    try:
        page.locator(".btn-step").click()
        dash.wait_for_day("five", lambda d: d == 1)
        for lang in ("zh", "en"):
            page.add_script_tag(content=axe_source)
            result = page.evaluate(
                """() => axe.run(document, {runOnly: {type: 'rule', values: [
                    'color-contrast', 'image-alt', 'html-has-lang', 'html-lang-valid',
                    'aria-input-field-name', 'label', 'button-name', 'document-title']}})"""
            )
            problems = [
                f"{v['id']}: {[n['target'] for n in v['nodes']][:5]} {v['nodes'][0].get('failureSummary', '')[:200]}"
                for v in result["violations"]
            ]
            assert not problems, f"{lang}: " + "\n".join(problems)
            assert len(result["passes"]) >= 5
            # the controls' drawer ends where the page's content begins, in either language
            overlap = page.evaluate(
                """() => document.querySelector('.v-navigation-drawer').getBoundingClientRect().right -
                         document.querySelector('.comparison').getBoundingClientRect().left"""
            )
            assert overlap <= 0, f"{lang}: the sidebar covers {overlap}px of the content"
            if lang == "zh":
                page.locator(".btn-lang").click()
                dash.wait_text(".day-three", "Day 1", exact=True)
                time.sleep(0.5)  # let the drawer settle
        # a visible focus ring on keyboard focus
        page.keyboard.press("Tab")
        page.locator(".btn-step").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        ring = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert ring[0] != "none" and float(ring[1].rstrip("px")) >= 2, ring
        # nothing fixed to the viewport covers the content (the Solara badge is off)
        covering = page.evaluate(
            """() => Array.from(document.querySelectorAll('body *')).filter(e => {
                 const s = getComputedStyle(e); const r = e.getBoundingClientRect();
                 return (s.position === 'fixed' || s.position === 'absolute') && e.innerText &&
                        /Solara/.test(e.innerText) && r.width > 0 && r.height > 0 && s.visibility !== 'hidden';
               }).map(e => e.outerHTML.slice(0, 120))"""
        )
        assert not covering, covering
        dash.shot("1366x768")
        dash.check_clean()
    finally:
        dash.close()


# --- browser: crash paths under load and with failures ------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_step_reset_play_under_cpu_load(browser, tmp_path):
    """The server shares one CPU with busy loops; Step -> Reset -> Play must play (not hang on
    "Pause" at day 0), show every day, pause, and never show an error."""
    _require_browser()
    start_load = tmp_path / "start-load"
    with running_dashboard(SHOTS / "server-load.log", busy=4, busy_from=start_load) as url:
        dash = DashboardPage(browser, url, "load", SHOTS)
        page = dash.page
        try:
            t0 = time.perf_counter()
            small_community(dash, residents=3000, days=365)
            start_load.touch()  # from now on the server gets a fifth of one CPU
            print(f"load: set-up {time.perf_counter() - t0:.1f} s")
            for attempt in range(2):
                page.locator(".btn-step").click()
                page.locator(".btn-reset").click()
                page.evaluate(_RECORD_DAYS)
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


@pytest.mark.browser
@pytest.mark.slow
def test_failures_reach_the_page_as_short_messages(browser, tmp_path):
    """A real failure in an action (a corrupt font file for the Chinese brief) shows a short
    message in the page's language; the traceback goes to the server log only."""
    _require_browser()
    broken_font = tmp_path / "broken.ttf"
    broken_font.write_bytes(b"not a font")
    log_path = SHOTS / "server-failures.log"
    with running_dashboard(log_path, env={"SIM_CJK_FONT": str(broken_font)}) as url:
        dash = DashboardPage(browser, url, "failures", SHOTS)
        try:
            dash.page.locator(".btn-brief-pdf").click()
            dash.wait_text(".notice", "详细信息已写入服务器日志")
            dash.shot("failure-message")
            text = dash.body_text()
            assert "Traceback" not in text and "broken.ttf" not in text
            _assert_chinese_only(dash)
            assert dash.page.locator(".network-five").is_visible()  # the page goes on
            dash.page.locator(".btn-step").click()
            dash.wait_for_day("five", lambda d: d == 1)
            dash.check_clean()
        finally:
            dash.close()
    log = log_path.read_text()
    assert "dashboard action download_brief failed" in log and "Traceback" in log
