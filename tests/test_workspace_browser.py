"""The planner workspace in headless Chromium: click, see the plan solved again, undo, save.

The server runs in this process (uvicorn on a free loopback port, in a thread); the browser
may reach that address only: every other request is refused and recorded, so the page is
shown to work with no internet.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from safepassage.pipeline import PlanRequest
from safepassage.planfile import load_plan
from safepassage.workspace import area_json, create_app, listen, open_workspace

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


#: A distance in metres or kilometres, and one in feet or miles, as a page says them.
METRIC = re.compile(r"\d\s?k?m\b")
IMPERIAL = re.compile(r"\d\s?(ft|mi)\b")


@contextlib.contextmanager
def _serve(demo_area, tmp_path, units: str) -> Iterator[tuple[str, object]]:
    import uvicorn

    request = PlanRequest.from_options(officers=3, time_window="dismissal,evening")
    ws = open_workspace(demo_area, request, tmp_path / "out", units=units)
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app(ws, area_json(demo_area), allowed_hosts=[f"127.0.0.1:{port}"])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/", ws
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        ws.stop()
        sock.close()


@pytest.fixture
def served(demo_area, tmp_path) -> Iterator[tuple[str, object]]:
    with _serve(demo_area, tmp_path, "imperial") as s:
        yield s


@pytest.fixture
def served_metric(demo_area, tmp_path) -> Iterator[tuple[str, object]]:
    with _serve(demo_area, tmp_path, "metric") as s:
        yield s


def _tooltips(page, selector: str) -> list[str]:
    """The tooltips of the markers ``selector`` finds, each read while hovered."""
    tips = []
    for marker in page.locator(selector).all():
        marker.hover()
        tips.append(page.inner_text(".leaflet-tooltip-pane"))
    page.mouse.move(5, 300)
    return tips


def _read(page) -> list[str]:
    """The page's text and the titles and labels of its elements."""
    return [page.inner_text("body"), *page.eval_on_selector_all(
        "[title], [aria-label]",
        "els => els.map(e => (e.getAttribute('title') || '') + ' ' + "
        "(e.getAttribute('aria-label') || ''))")]


def _distances_read(page) -> str:
    """Everything a person reads before and after banning the busiest post (version 2): the
    page with the busiest post's popup open, the tooltips of the changes drawn on the map."""
    page.click('.leaflet-marker-icon .sp-post-badge[data-post="1"]')
    page.wait_for_selector('.ws-popup button[data-action="ban"]')
    before = _read(page)
    page.click('.ws-popup button[data-action="ban"]')
    _settled(page, 2)
    tips = _tooltips(page, ".leaflet-marker-pane .ws-removed")
    assert any("since saved" in t or "from here" in t for t in tips), tips
    page.click('.leaflet-marker-icon .sp-post-badge')
    page.wait_for_selector('.ws-popup button[data-action="ban"]')
    return "\n".join([*before, *tips, *_read(page)])


def _names(page) -> list[str]:
    return page.eval_on_selector_all("#posts li", "els => els.map(e => e.dataset.name)")


def _settled(page, version: int) -> None:
    page.wait_for_selector(f'#covered-pct[data-version="{version}"]', timeout=60_000)
    page.wait_for_selector('#status[data-state="ready"]', timeout=60_000)


def test_ban_a_post_by_clicking_undo_redo_save(served, chromium):
    url, ws = served
    outside: list[str] = []
    problems: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1366, "height": 768})

        def only_the_workspace(route):
            if route.request.url.startswith(url):
                route.continue_()
            else:  # no internet: a request elsewhere fails, and the test says so
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_workspace)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(url)
        _settled(page, 1)
        assert page.inner_text("#site") == "Downtown LA demo (site point approximate)"
        before_pct, before = page.inner_text("#covered-pct"), _names(page)
        before_exact = ws.state()["result"]["windows"]["dismissal"]["covered_pct"]
        assert len(before) == 3 and page.get_attribute("#covered-pct", "data-window") == "dismissal"
        assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
        assert page.input_value("#radius") == "820"  # 250 m, in feet as the label says
        assert page.inner_text("#radius-unit") == "feet" == page.inner_text("#ban-radius-unit")

        # ban the busiest post: click its badge on the map, then "Ban place"; every distance
        # the page says is in feet and miles (the names are stored in metres: feet are read)
        stored = [p_["name"] for p_ in ws.state()["result"]["windows"]["dismissal"]["posts"]]
        assert any(METRIC.search(n) for n in stored)  # "West 5th Street, 50 m west of ..."
        words = _distances_read(page)
        assert not METRIC.search(words), METRIC.findall(words)
        assert "km" not in words and re.search(r"Corridor covered\s+[\d.]+ mi of [\d.]+ mi", words)
        assert "Ban place (100 ft)" in words and "(100 ft)" in page.inner_text("#banned-list")
        assert re.fullmatch(r"\d+ (ft|mi)", page.inner_text(".leaflet-control-scale").strip())
        assert ws.state()["plan"]["banned"][0]["radius_m"] == 30.48
        page.keyboard.press("Escape")
        after_pct, after = page.inner_text("#covered-pct"), _names(page)
        # less is covered (the page shows one decimal: 83.35 % and 83.34 % both read 83.3 %)
        assert ws.state()["result"]["windows"]["dismissal"]["covered_pct"] < before_exact
        assert float(after_pct.split()[0]) <= float(before_pct.split()[0])
        assert before[0] not in after and len(after) == 3
        changes = page.inner_text("#changes")
        assert "post removed" in changes or "post moved" in changes
        assert page.locator("#banned-list li").count() == 1
        assert not page.is_disabled("#undo") and page.is_disabled("#redo")

        page.click("#undo")
        _settled(page, 3)
        assert page.inner_text("#covered-pct") == before_pct and _names(page) == before
        assert page.inner_text("#changes") == "none: this is the saved plan"

        page.click("#redo")
        _settled(page, 4)
        assert _names(page) == after

        page.click("#save")
        page.wait_for_selector("#saved:text-matches('^Saved ')")  # CSP forbids eval
        saved = load_plan(ws.save_path)
        assert saved.banned[0]["name"] == before[0] and saved.officers == {"dismissal": 3,
                                                                           "evening": 3}
        assert page.inner_text("#changes") == "none: this is the saved plan"

        # the other window: its own figures and posts, the same ban
        page.click('.ws-tabs button[data-window="evening"]')
        page.wait_for_selector('#covered-pct[data-window="evening"]')
        assert page.get_attribute('.ws-tabs button[data-window="evening"]',
                                  "aria-selected") == "true"
        assert _names(page) == [p_["name"] for p_ in ws.state()["result"]["windows"]["evening"][
            "posts"]]
        browser.close()
    assert outside == [] and problems == []


def test_names_show_as_text_and_a_post_can_be_locked_by_dragging(served, chromium):
    url, ws = served
    doc = ws.state()
    post = doc["result"]["windows"]["dismissal"]["posts"][2]
    evil = '<img src=x onerror="window.__xss = 1">${alert(2)}'
    plan = json.loads(json.dumps(doc["plan"]))
    plan["locked"] = [{"name": evil, "lat": post["lat"], "lon": post["lon"]}]
    version = ws.put(doc["version"], plan)
    assert ws.wait(version, timeout=60)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url)
        _settled(page, version)
        assert evil in _names(page)
        assert evil in page.inner_text("#locked-list")
        assert page.evaluate("window.__xss") is None
        assert page.locator("#posts img, #locked-list img, .leaflet-marker-pane img").count() == 0
        # drag the busiest post 200 px: it is locked where it lands (snapped to a candidate)
        badge = page.locator('.leaflet-marker-icon .sp-post-badge[data-post="1"]')
        box = badge.bounding_box()
        page.mouse.move(box["x"] + 13, box["y"] + 13)
        page.mouse.down()
        page.mouse.move(box["x"] + 120, box["y"] + 80, steps=8)
        page.mouse.move(box["x"] + 213, box["y"] + 113, steps=8)
        page.mouse.up()
        _settled(page, version + 1)
        locked = [x for x in ws.state()["plan"]["locked"] if x.get("name") != evil]
        assert len(locked) == 1
        shown = [p_ for p_ in ws.state()["result"]["windows"]["dismissal"]["posts"]
                 if p_["locked"]]
        assert len(shown) == 2 and page.locator("#posts .ws-tag").count() == 2
        # the "Ban here" tool: a click on the map bans a place with the panel's radius
        page.check('input[name="tool"][value="ban"]')
        page.fill("#ban-radius", "150")  # feet
        page.mouse.click(120, 600)  # an empty corner of the map
        _settled(page, version + 2)
        bans = ws.state()["plan"]["banned"]
        assert len(bans) == 1 and bans[0]["radius_m"] == 45.72  # the plan stays in metres
        assert bans[0]["name"].startswith("Banned place ")
        assert page.locator("#banned-list li").count() == 1
        assert page.inner_text("#banned-list li span").endswith("(150 ft)")
        # the post radius is typed in feet too: 800 ft is 243.84 m in the plan
        page.fill("#radius", "800")
        page.press("#radius", "Enter")
        _settled(page, version + 3)
        assert ws.state()["plan"]["radius_m"] == 243.84 and page.input_value("#radius") == "800"
        page.fill("#radius", "10")  # 3 m: below the bounds, said in feet, nothing sent
        page.press("#radius", "Enter")
        page.wait_for_selector("#error:text-matches('between 33 and 6561 feet')")
        assert ws.version == version + 3 and page.input_value("#radius") == "800"
        browser.close()


def test_the_page_reads_metres_with_units_metric(served_metric, chromium):
    url, ws = served_metric
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url)
        _settled(page, 1)
        assert page.input_value("#radius") == "250" and page.input_value("#ban-radius") == "30"
        assert page.inner_text("#radius-unit") == "meters"
        words = _distances_read(page)
        assert not IMPERIAL.search(words), IMPERIAL.findall(words)
        assert re.search(r"Corridor covered\s+[\d.]+ km of [\d.]+ km", words)
        assert "Ban place (30 m)" in words and "(30 m)" in page.inner_text("#banned-list")
        assert re.fullmatch(r"\d+ k?m", page.inner_text(".leaflet-control-scale").strip())
        assert ws.state()["plan"]["banned"][0]["radius_m"] == 30
        browser.close()


def test_the_page_on_a_phone(served, chromium, tmp_path: Path):
    url, _ = served
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(url)
        _settled(page, 1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing runs off the side
        map_box = page.locator("#map").bounding_box()
        panel_box = page.locator("#panel").bounding_box()
        assert map_box["width"] == 390 and panel_box["y"] >= map_box["y"] + map_box["height"] - 1
        page.screenshot(path=str(tmp_path / "phone.png"))
        browser.close()
