"""Field-ready outputs, checked as their readers use them (issue 12).

Officers find where to stand on a phone (a post badge is never covered, at any zoom, in any
time window), families follow a handout printed in black and white, planners see what changed
with a plan B; the post numbers agree on every page and in ``posts.geojson``; Spanish pages
speak Spanish. One three-window plan with a plan B (no PDFs) and the demo (with PDFs) are
made once through the command line and looked at in Chromium at 390×844 and 1366×768.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from safepassage.cli import main
from safepassage.coverage import compare_plans, format_comparison, name_in_units, one_window
from safepassage.handouts import STRINGS
from safepassage.maps.styles import BASE_STYLES, PRINT_BASE_STYLES

try:  # tests/ is on sys.path (no __init__.py) ...
    from browser import evaluate, pdf_page_count
except ImportError:  # ... unless it becomes a package one day
    from tests.browser import evaluate, pdf_page_count

SIZES = {"phone": (390, 844), "desk": (1366, 768)}

THREE = """windows: [arrival, dismissal, evening]
officers: {arrival: 4, dismissal: 6, evening: 3}
"""
PLAN_B = """windows: [arrival, dismissal, evening]
officers: {arrival: 4, dismissal: 5, evening: 3}
locked: [{post: "Figueroa St & W 7th St"}]
banned: [{lat: 34.05141, lon: -118.25605, radius_m: 40}]
"""

# Every badge in the map's marker pane, at the first view of each time window and centred at
# zoom 17 and 18: the other markers, labels and street names whose boxes overlap it.
COVERED = r"""
(zooms) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const shown = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const frame = map.getContainer().getBoundingClientRect();
  function covering(badge) {
    const icon = badge.closest(".leaflet-marker-icon");
    const rb = badge.getBoundingClientRect();
    const others = [...document.querySelectorAll(
      ".leaflet-marker-pane .leaflet-marker-icon:not(.sp-street-icon), " +
      ".leaflet-tooltip-pane .leaflet-tooltip, .leaflet-marker-pane .sp-street")];
    return others.filter(o => o !== icon && !o.contains(badge) && shown(o) &&
                         overlap(rb, o.getBoundingClientRect()))
      .map(o => o.className + ": " + o.textContent.trim().slice(0, 40));
  }
  function check(only) {
    return [...document.querySelectorAll(".leaflet-marker-pane [data-post]")]
      .filter(b => shown(b) && (!only || b === only))
      .filter(b => { const r = b.getBoundingClientRect();
                     return r.right > frame.left && r.left < frame.right &&
                            r.bottom > frame.top && r.top < frame.bottom; })
      .map(b => ({post: b.dataset.post, covered: covering(b)}));
  }
  const windows = window.SafePassage.field ?
    [...document.querySelectorAll(".sp-windows button")].map(b => b.dataset.window) : [];
  const out = [];
  for (const w of (windows.length ? windows : [null])) {
    if (w) { SafePassage.field.choose(w); }
    out.push(...check());
    const markers = [];
    map.eachLayer(l => {
      const el = l instanceof L.Marker && l.getElement && l.getElement();
      const badge = el && el.querySelector("[data-post]");
      if (badge) { markers.push([l.getLatLng(), badge]); }
    });
    for (const z of zooms) {
      for (const [ll, badge] of markers) {
        map.setView(ll, z, {animate: false});
        out.push(...check(badge));
      }
    }
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory, demo_cache: Path) -> dict[str, Any]:
    """A three-window plan of the demo with a plan B, made by the command line (no PDFs)."""
    root = tmp_path_factory.mktemp("field")
    (root / "three.yaml").write_text(THREE, encoding="utf-8")
    (root / "b.yaml").write_text(PLAN_B, encoding="utf-8")
    out = root / "out"
    return {"out": out, "root": root, "args": [
        "plan", "--demo", "--plan", str(root / "three.yaml"), "--compare-plan",
        str(root / "b.yaml"), "--handouts", "school,park", "--no-pdf", "--out", str(out),
        "--cache-dir", str(demo_cache), "-q"]}


@pytest.fixture(scope="module")
def three_run(three: dict[str, Any]) -> dict[str, Any]:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(three["args"]) == 0
    return {**three, "stdout": buf.getvalue()}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, demo_cache: Path,
             chromium: str) -> Path:
    """The demo as ``safepassage demo`` makes it, handout PDFs included."""
    out = tmp_path_factory.mktemp("demo") / "out"
    assert main(["demo", "--out", str(out), "--cache-dir", str(demo_cache), "-q"]) == 0
    return out


def _pages(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.html"), *folder.glob("handouts/*.html")])


# ------------------------------------------------------------------------ no browser


def test_post_numbers_agree_in_posts_geojson_coverage_json_and_the_summary(
        three_run: dict[str, Any]) -> None:
    out = three_run["out"]
    feats = json.loads((out / "posts.geojson").read_text())["features"]
    by_number: dict[int, set[tuple[float, float]]] = {}
    for f in feats:
        p = f["properties"]
        by_number.setdefault(p["post"], set()).add((round(p["lat"], 6), round(p["lon"], 6)))
        assert not re.search(r"#\s*\d", p["name"])  # no internal numbers in names
    # one number per place, 1..n, the first window's posts first
    assert all(len(places) == 1 for places in by_number.values())
    assert sorted(by_number) == list(range(1, len(by_number) + 1))
    first = [f["properties"]["post"] for f in feats if f["properties"]["window"] == "arrival"]
    assert first == list(range(1, len(first) + 1))
    assert len({next(iter(v)) for v in by_number.values()}) == len(by_number)
    doc = json.loads((out / "coverage.json").read_text())
    assert [(p["post"], p["name"]) for p in doc["posts"]] == [
        (f["properties"]["post"], f["properties"]["name"]) for f in feats]
    printed = re.findall(r"^  post\s+(\d+)  (.+?)  — ", three_run["stdout"], re.MULTILINE)
    assert [(int(n), name) for n, name in printed] == [
        (f["properties"]["post"], f["properties"]["name"]) for f in feats]


def test_plan_b_change_list_is_the_same_everywhere(three_run: dict[str, Any]) -> None:
    out, stdout = three_run["out"], three_run["stdout"]
    lines = (out / "plan_b_changes.txt").read_text(encoding="utf-8").splitlines()
    assert lines and any(line.startswith("post ") for line in lines)
    assert any(re.match(r"post (added|removed|moved): .*\((B|A)\d+", line) for line in lines)
    assert "\n".join(lines) in stdout  # plan --compare-plan prints it
    # coverage --compare between the two plans' coverage.json gives the same list
    doc = json.loads((out / "plan.json").read_text())
    again = format_comparison(compare_plans(doc["coverage"], doc["plan_b"]), units="imperial")
    assert again.splitlines() == lines
    # the planner map of each window lists that window's lines, in the same words
    panel = (out / "planner_map.html").read_text(encoding="utf-8")
    section = panel[panel.index('<section id="sp-changes">'):]
    section = section[:section.index("</section>")]
    shown = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", section)]
    a, b = one_window(doc["coverage"], "arrival"), one_window(doc["plan_b"], "arrival")
    assert shown == format_comparison(compare_plans(a, b), units="imperial").splitlines()
    moves = [line for line in lines if line.startswith("post ") and "arrival)" in line]
    assert [s for s in shown if s.startswith("post ")] == moves
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="plan_b_changes.txt"' in index
    assert 'href="planner_map.html#sp-changes"' in index


def test_planner_map_draws_plan_b_locks_and_bans(three_run: dict[str, Any]) -> None:
    text = (three_run["out"] / "planner_map.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in text
    assert 'data-plan=\\"B\\"' in text or 'data-plan="B"' in text.replace('\\"', '"')
    assert "sp-locked" in text  # plan B's locked post is marked
    assert '"className": "sp-svg sp-banned"' in text  # and its banned place drawn
    assert "Plan B: officer posts" in text and "Plan A: officer posts" in text
    assert '"collapsed": true' in text and "window.innerWidth >= 1600" in text


def test_pages_use_plain_words_feet_and_miles(three_run: dict[str, Any]) -> None:
    for page in _pages(three_run["out"]):
        text = page.read_text(encoding="utf-8")
        plain = text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
        for jargon in ("risk per metre", "No mapped street", "user file", "destinations_approx",
                       "demand-metres"):
            assert jargon not in plain, (page.name, jargon)
        assert re.search(r'<html lang="(en|es)">', text), page.name
        # feet and miles by default: post names too ("200 ft north of")
        assert not re.search(r"\d+ m (north|south|east|west) of |\d+ m out\b", plain), page.name


def test_the_officer_header_says_how_old_the_street_data_is(three_run: dict[str, Any]) -> None:
    """A file's street data is "read" on a date (osmnx writes one fixed timestamp on every
    element, so the file cannot say its age); a download is "downloaded" that day."""
    from safepassage.maps.field import data_date, data_downloaded

    page = (three_run["out"] / "officer_map.html").read_text(encoding="utf-8")
    meta = re.search(r'<div class="sp-meta">(.*?)</div>', page)
    assert meta and re.fullmatch(r"Made \w+ \d+, \d{4} · street data from a file, read "
                                 r"\w+ \d+, \d{4}", meta.group(1)), meta
    overpass = {"source": "overpass", "retrieved": "2026-11-24T08:00:00+0000"}
    assert data_downloaded(overpass) and not data_downloaded({"source": "demo"})
    assert str(data_date(overpass)) == "2026-11-24" and data_date({"retrieved": "?"}) is None


def test_the_route_is_the_darkest_widest_line_printed_in_grey() -> None:
    from safepassage.handouts import content

    def grey(colour: str) -> float:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    route = grey(content.ROUTE_COLOUR)
    for style in PRINT_BASE_STYLES.values():
        assert grey(str(style["color"])) - route > 100  # far darker than any street
        assert 2 * float(style["weight"]) < content.ROUTE_WIDTH
    assert content.ROUTE_CASING > content.ROUTE_WIDTH  # on a white casing
    assert all(grey(str(s["color"])) < grey(str(p["color"]))
               for s, p in zip(BASE_STYLES.values(), PRINT_BASE_STYLES.values(), strict=True))


# ------------------------------------------------------------------------ in Chromium


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES))
def test_no_marker_or_label_covers_a_post_badge(chromium: str, three_run: dict[str, Any],
                                                size: str) -> None:
    out = three_run["out"]
    pages = [out / "officer_map.html", *sorted(out.glob("handouts/*.html"))[:4]]
    checked = 0
    for page in pages:
        zooms = [17, 18] if page.name == "officer_map.html" else []
        found = evaluate(page, COVERED, zooms, window_size=SIZES[size])
        covered = [r for r in found if r["covered"]]
        assert not covered, (page.name, covered[:3])
        checked += len(found)
    assert checked >= 30


@pytest.mark.browser
def test_post_numbers_agree_on_every_page(chromium: str, three_run: dict[str, Any]) -> None:
    out = three_run["out"]
    names = {}
    for f in json.loads((out / "posts.geojson").read_text())["features"]:
        names[str(f["properties"]["post"])] = f["properties"]["name"]
    script = """() => [...document.querySelectorAll('[data-post]')].filter(b => !b.dataset.plan)
      .map(b => { const row = b.closest('tr');
                  return [b.dataset.post, b.textContent.trim(), row ? row.textContent : ''] })"""
    seen = 0
    for page in [out / "officer_map.html", out / "planner_map.html",
                 *sorted(out.glob("handouts/*.en.html"))]:
        for number, label, row in evaluate(page, script, window_size=SIZES["desk"]):
            assert number in names, (page.name, number)
            assert label.startswith(number), (page.name, number, label)
            if row:  # a handout's table of posts: the place of that number
                street = names[number].split(" & ")[0].split(",")[0]
                assert street in row, (page.name, number, row)
            seen += 1
    assert seen > 20
    # the header's list of posts: number, place and hours, by window
    listed = evaluate(out / "officer_map.html", """() => [...document.querySelectorAll(
        '.sp-post-list button[data-post]')].map(b => [b.dataset.post, b.querySelector(
        '.sp-name').textContent, b.closest('li').dataset.window])""", window_size=SIZES["desk"])
    assert listed and all(name_in_units(names[n], "imperial") == name for n, name, _ in listed)


@pytest.mark.browser
def test_officer_map_shows_one_window_at_a_time(chromium: str, three_run: dict[str, Any]) -> None:
    out = three_run["out"]
    per_window: dict[str, set[str]] = {}
    for f in json.loads((out / "posts.geojson").read_text())["features"]:
        per_window.setdefault(f["properties"]["window"], set()).add(str(f["properties"]["post"]))
    script = """(key) => {
      SafePassage.field.choose(key);
      const shown = [...document.querySelectorAll('.leaflet-marker-pane [data-post]')]
        .map(b => b.dataset.post);
      const listed = [...document.querySelectorAll('.sp-post-list li')].filter(li => !li.hidden)
        .map(li => li.querySelector('[data-post]').dataset.post);
      const pressed = [...document.querySelectorAll('.sp-windows button[aria-pressed="true"]')]
        .map(b => b.dataset.window);
      const when = document.getElementById('sp-field-when').textContent;
      const count = document.querySelector('.sp-posts-button').textContent;
      // a tap on the list centres the map on that post, close in
      const button = document.querySelector('.sp-post-list li:not([hidden]) button');
      const map = SafePassage.field.map;
      button.click();
      const c = map.getCenter();
      const targets = [...document.querySelectorAll(
        '.sp-field button, .leaflet-marker-pane .sp-post-icon, .leaflet-bar a')]
        .map(el => el.getBoundingClientRect()).filter(r => r.width > 0)
        .map(r => Math.min(r.width, r.height));
      return {shown, listed, pressed, when, count, zoom: map.getZoom(),
              centre: [c.lat, c.lng], to: [+button.dataset.lat, +button.dataset.lon],
              smallest: Math.min(...targets)};
    }"""
    for window, posts in per_window.items():
        got = evaluate(out / "officer_map.html", script, window, window_size=SIZES["phone"])
        assert set(got["shown"]) == posts and set(got["listed"]) == posts
        assert got["pressed"] == [window] and got["count"] == f"Posts ({len(posts)})"
        assert got["when"].lower().startswith(window)
        assert got["zoom"] >= 18
        assert got["centre"] == pytest.approx(got["to"], abs=1e-5)
        assert got["smallest"] >= 44  # tap targets


@pytest.mark.browser
def test_a_street_name_is_not_repeated_side_by_side_near_a_post(
        chromium: str, three_run: dict[str, Any]) -> None:
    """At zoom 18 beside each post the streets are named, each name once within 240 px (a
    street, its sidewalks and neighbouring posts' labels once wrote "W 5th St" three times)."""
    script = """(key) => {
      SafePassage.field.choose(key);
      const map = SafePassage.field.map;
      const out = [];
      for (const button of document.querySelectorAll('.sp-post-list li:not([hidden]) button')) {
        map.setView([+button.dataset.lat, +button.dataset.lon], 18, {animate: false});
        SafePassage.clearBadges(map);
        const names = [...document.querySelectorAll('.leaflet-marker-pane .sp-street')]
          .filter(el => getComputedStyle(el).visibility !== 'hidden' &&
                        el.getBoundingClientRect().width > 0)
          .map(el => { const r = el.getBoundingClientRect();
                       return [el.textContent.trim(), (r.left + r.right) / 2,
                               (r.top + r.bottom) / 2]; });
        out.push([button.dataset.post, names]);
      }
      return out;
    }"""
    windows = {f["properties"]["window"] for f in json.loads(
        (three_run["out"] / "posts.geojson").read_text())["features"]}
    posts = 0
    for window in sorted(windows):
        for post, names in evaluate(three_run["out"] / "officer_map.html", script, window,
                                    window_size=SIZES["phone"]):
            assert names, (window, post)  # streets are named beside every post
            for i, (text, x, y) in enumerate(names):
                for other, x2, y2 in names[i + 1:]:
                    assert not (text == other and abs(x - x2) < 240 and abs(y - y2) < 240), (
                        window, post, text)
            posts += 1
    assert posts >= 10


@pytest.mark.browser
def test_spanish_handouts_speak_spanish(chromium: str, three_run: dict[str, Any]) -> None:
    english = {v for k, v in STRINGS["en"].items() if not k.startswith("window_")}
    script = "() => document.body.innerText"
    pages = sorted(three_run["out"].glob("handouts/*.es.html"))
    assert pages
    for page in pages:
        text = evaluate(page, script, window_size=SIZES["desk"])
        for words in english:
            assert words not in text, (page.name, words)
        for abbreviation in (r"\d ft\b", r"\d mi\b", r"\bfeet\b", r"\bmiles?\b",
                             r"\(Metro bus stop\)", r"\(Metro Rail station\)", r"\d,\d"):
            assert not re.search(abbreviation, text), (page.name, abbreviation)
        assert re.search(r"\d+ (pies|millas)", text)  # the scale bar and the distances


@pytest.mark.browser
def test_demo_handouts_print_on_one_letter_page_in_black_and_white(demo_run: Path) -> None:
    from pypdf import PdfReader

    pdfs = sorted(demo_run.glob("handouts/*.pdf"))
    assert len(pdfs) == 2
    for pdf in pdfs:
        lang = pdf.name.split(".")[-2]
        html_text = pdf.with_suffix(".html").read_text(encoding="utf-8")
        steps = re.findall(r"<li>(.*?)</li>", html_text[html_text.index('class="sp-steps'):])
        assert len(steps) <= 8
        assert pdf_page_count(pdf) == 1, pdf.name
        page = re.sub(r"\s+", " ", PdfReader(str(pdf)).pages[0].extract_text())
        t = STRINGS[lang]
        assert t["title"] in page and t["made_on"] in page and t["sources"] in page
        assert "OpenStreetMap" in page
        assert "N" in page  # the north arrow's letter
        assert '"sp-north"' in html_text or "sp-north" in html_text


@pytest.mark.browser
def test_three_window_handouts_of_up_to_8_steps_print_on_one_page(
        chromium: str, three_run: dict[str, Any], tmp_path: Path) -> None:
    """With three windows the table of posts grows; the map shrinks so a short route's
    handout still fits one sheet (the hours said short: "2:00–4:00 PM")."""
    from safepassage.chromium import print_pdfs

    short = {}
    for page in sorted(three_run["out"].glob("handouts/*.html")):
        text = page.read_text(encoding="utf-8")
        steps = re.findall(r"<li>(.*?)</li>", text[text.index('class="sp-steps'):])
        rows = text[text.find("<tbody"):text.find("</tbody>")].count("<tr>")
        if len(steps) <= 8 and rows <= 5:
            assert re.search(r"\d:\d\d–\d{1,2}:\d\d (PM|AM|p\. m\.|a\. m\.)", text), page.name
            short[page] = (len(steps), rows)
    assert len(short) >= 4
    pdfs = print_pdfs([(page, tmp_path / page.with_suffix(".pdf").name) for page in short])
    for page, pdf in zip(short, pdfs, strict=True):
        assert pdf_page_count(pdf) == 1, (page.name, *short[page])


@pytest.mark.browser
def test_a_long_step_list_is_never_split(chromium: str, three_run: dict[str, Any],
                                         tmp_path: Path) -> None:
    """A handout too long for one sheet keeps its step list whole on the next."""
    from pypdf import PdfReader

    from safepassage.chromium import print_pdfs

    pages = sorted(three_run["out"].glob("handouts/*.html"),
                   key=lambda p: -len(p.read_text(encoding="utf-8")))[:3]
    pdfs = print_pdfs([(page, tmp_path / page.with_suffix(".pdf").name) for page in pages])
    printed = 0
    for page, pdf in zip(pages, pdfs, strict=True):
        reader = PdfReader(str(pdf))
        texts = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
        heading = STRINGS[page.name.split(".")[-2]]["directions_heading"]
        holding = [i for i, t in enumerate(texts) if heading in t]
        assert len(holding) == 1
        steps = re.findall(r"<li>(.*?)</li>", page.read_text(encoding="utf-8").split(
            'class="sp-steps', 1)[1].split("</ol>", 1)[0])
        last = html.unescape(steps[-1])[-25:]
        assert last in texts[holding[0]].replace("  ", " "), (page.name, last)
        printed += len(reader.pages)
    assert printed >= 3
