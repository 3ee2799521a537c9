"""School handouts on the demo: one template in two languages, escaped, and printed in Chromium."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import markupsafe
import pytest
import shapely

from safepassage import chromium, coverage, handouts, maps
from safepassage.chromium import print_pdf, print_pdfs
from safepassage.errors import InputError
from safepassage.offline import external_references
from safepassage.pipeline import compute_routes, routes_frame
from safepassage.utils import compass_word, format_distance

try:  # tests/ is on sys.path (no __init__.py) ...
    from browser import dump_dom, pdf_page_count
    from test_maps import (
        HOSTILE,
        HOSTILE_ESCAPED,
        HOSTILE_TEXT,
        attribute,
        demo_coverage,
        probed_copy,
        renamed,
        visible,
    )
except ImportError:  # ... unless it becomes a package one day
    from tests.browser import dump_dom, pdf_page_count
    from tests.test_maps import (
        HOSTILE,
        HOSTILE_ESCAPED,
        HOSTILE_TEXT,
        attribute,
        demo_coverage,
        probed_copy,
        renamed,
        visible,
    )

MADE_ON = dt.date(2026, 9, 8)
HOSTILE_IMG = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def demo(demo_area: Any) -> dict[str, Any]:
    """The demo with its school renamed to a hostile name; routes and posts (one on its route)."""
    school = str(demo_area.destinations.loc[demo_area.destinations["kind"] == "school",
                                            "dest_id"].iloc[0])
    area = renamed(demo_area, school, HOSTILE)
    plan = compute_routes(area)
    frame = routes_frame(area, plan)
    _, table = demo_coverage(area, plan)
    table = _with_post_on_school_route(area, frame, table)
    posts = [maps.CoverageView.from_tables(None, table)]  # posts, no corridor
    safest = frame[frame["role"] == "safest"]
    longest = safest.loc[safest["directions_es"].map(lambda s: sum(map(len, s))).idxmax()]
    return {"area": area, "frame": frame, "posts": posts, "school": school,
            "longest": longest}


def _with_post_on_school_route(area: Any, frame: Any, posts: Any) -> Any:
    """The posts, and a dismissal post at the school route's middle when none is near it."""
    import geopandas as gpd
    import pandas as pd

    crs = area.G.graph["crs"]
    route = frame[(frame["kind"] == "school") & (frame["role"] == "safest")].to_crs(crs)
    line = route.geometry.iloc[0]
    if (posts.to_crs(crs).distance(line) <= handouts.POST_NEAR_ROUTE_M).any():
        return posts
    mid = gpd.GeoSeries([line.interpolate(0.5, normalized=True)], crs=crs).to_crs(posts.crs)
    row = gpd.GeoDataFrame({"post_id": [f"P{len(posts) + 1}"], "name": ["School route"],
                            "window": ["dismissal"], "hours": ["14:00-16:00"],
                            "demand_covered": [0.0], "covered_segments": [[]]},
                           geometry=list(mid), crs=posts.crs)
    return gpd.GeoDataFrame(pd.concat([posts, row], ignore_index=True), crs=posts.crs)


@pytest.fixture(scope="module")
def written(demo: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("handouts")
    files = handouts.write_handouts(out, demo["area"], demo["frame"], demo["posts"],
                                    made_on=MADE_ON)
    longest = handouts.write_handout(out / "longest.es.html", demo["area"], demo["longest"],
                                     demo["posts"], lang="es", made_on=MADE_ON)
    return {"folder": out, "files": files, "longest": longest}


def _page(written: dict[str, Any], lang: str) -> str:
    [path] = [p for p in written["files"] if p.name.endswith(f".{lang}.html")]
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ no browser


def test_one_handout_per_school_and_language(written: dict[str, Any]) -> None:
    names = [p.name for p in written["files"]]
    # Named after the school, made safe for a file system (letters, digits, hyphens).
    assert len(names) == 2 and names[0].startswith("script-alert-1-script-img-src-x")
    slug = names[0].removesuffix(".en.html")
    assert names == [f"{slug}.en.html", f"{slug}.es.html"]
    assert re.fullmatch(r"[a-z0-9-]{1,60}", slug)
    for p in written["files"]:
        assert p.parent == written["folder"]
        assert p.stat().st_size < 1024 * 1024


def test_parks_and_transit_on_request(demo: dict[str, Any], tmp_path: Path) -> None:
    frame = demo["frame"]
    files = handouts.write_handouts(tmp_path, demo["area"], frame, kinds=("park",), langs=("es",))
    parks = frame.loc[(frame["kind"] == "park") & (frame["role"] == "safest"), "destination"]
    assert len(files) == len(parks) == 2
    assert all(p.name.endswith(".es.html") for p in files)
    with pytest.raises(InputError, match="unknown destination kind"):
        handouts.write_handouts(tmp_path, demo["area"], frame, kinds=("castle",))
    with pytest.raises(InputError, match="language"):
        handouts.write_handouts(tmp_path, demo["area"], frame, langs=("fr",))
    with pytest.raises(InputError, match="no safe route"):
        handouts.handout_row(frame, "no-such-place")


def test_handout_is_self_contained_and_escaped(written: dict[str, Any]) -> None:
    for lang in ("en", "es"):
        page = _page(written, lang)
        assert external_references(page) == []
        assert HOSTILE_TEXT not in page and "<img src=x" not in page
        assert page.count(HOSTILE_ESCAPED) >= 3  # title, heading, last step (and map label)
        assert f'<html lang="{lang}">' in page
        assert "@page { size: letter;" in page
        if lang == "en":
            assert "© OpenStreetMap contributors" in page
        else:  # the credit in Spanish, written once
            assert page.count("© colaboradores de OpenStreetMap (ODbL)") == 1
            assert "contributors" not in page
        assert "LADOT" in page  # the demo network carries LADOT traffic data
        assert "sp-svg sp-route" in page


def test_english_handout_content(written: dict[str, Any], demo: dict[str, Any]) -> None:
    page = _page(written, "en")
    row = handouts.handout_row(demo["frame"], demo["school"])
    assert "Safe walking route: " + HOSTILE_ESCAPED in page
    assert "Step by step" in page and "Where officers stand, and when" in page
    assert "Made on September 8, 2026" in page
    assert "approximate" in page
    steps = re.findall(r"<li>(.*?)</li>", page[page.index('<ol class="sp-steps'):])
    assert len(steps) == len(row["directions_en"])
    assert steps[0].startswith("From Downtown LA demo")
    assert steps[-1].endswith(str(markupsafe.escape(f" to {HOSTILE}.")))  # the arrival
    # The post on the route, with its hours for families.
    assert re.search(r"(2:00–4:00 PM|7:00–8:30 AM) \(school (dismissal|arrival)\)",
                     page)


def test_spanish_handout_from_the_same_template(written: dict[str, Any],
                                                demo: dict[str, Any]) -> None:
    page = _page(written, "es")
    row = handouts.handout_row(demo["frame"], demo["school"])
    for text in ("Ruta segura a pie", "Paso a paso", "Dónde y a qué hora hay oficiales",
                 "Elaborado el 8 de septiembre de 2026", "Fuentes", "Leyenda", "Inicio",
                 "Puesto policial", "Horario", "es aproximada", row["directions_es"][1]):
        assert text in page, text
    assert row["summary_es"] in page
    assert re.search(r"(2:00–4:00 p\. m\.|7:00–8:30 a\. m\.) "
                     r"\((salida|entrada a) (de )?clases\)", page)
    for english in ("Step by step", "Made on", "Safe walking route", "contributors",
                    "Officer post", "Puesto de oficiales", "Hecho el"):
        assert english not in page, english
    # Both languages share one template: the same sections in the same order.
    en = _page(written, "en")
    classes = re.compile(r'class="(sp-[\w-]+)')
    assert classes.findall(en) == classes.findall(page)


def test_posts_of_every_window_at_one_corner(demo: dict[str, Any]) -> None:
    """A shift plan's posts at one corner are one row listing each window's hours."""
    area, frame = demo["area"], demo["frame"]
    shifts = coverage.plan_shifts(coverage.RouteInputs.from_area(area),
                                  coverage.CoverageSettings(officers=2))
    posts, _ = maps.posts_and_corridor(maps.shift_views(shifts))
    place = maps.post_places(posts)[0]
    safest = frame[frame["role"] == "safest"]
    crs = area.G.graph["crs"]
    corner = gpd.GeoSeries([place.geometry], crs="EPSG:4326").to_crs(crs).iloc[0]
    near = gpd.GeoSeries(list(safest.geometry), crs="EPSG:4326").to_crs(crs).distance(corner)
    row = safest.iloc[int(near.to_numpy().argmin())]
    page = handouts.handout_html(area, frame, row, maps.shift_views(shifts), lang="en",
                                 made_on=MADE_ON)
    table = page[page.index('<table class="sp-posts">'):page.index("</table>")]
    assert str(markupsafe.escape(handouts.post_name(place.name, "en", "imperial"))) in table
    # One line per window, in the windows' order.
    hours = {"arrival": "7:00–8:30 AM (school arrival)",
             "dismissal": "2:00–4:00 PM (school dismissal)",
             "evening": "6:00–10:00 PM (evening)"}
    expected = "".join(f'<span class="sp-when">{hours[w]}</span>' for w, _ in place.shifts())
    assert expected in table
    es = handouts.handout_html(area, frame, row, maps.shift_views(shifts), lang="es",
                               made_on=MADE_ON)
    assert "2:00–4:00 p. m. (salida de clases)" in es
    assert "6:00–10:00 p. m. (tarde y noche)" in es


def test_strings_tables_match() -> None:
    assert set(handouts.STRINGS["en"]) == set(handouts.STRINGS["es"])
    assert handouts.format_hours("14:00-16:00", "en") == "2:00–4:00 PM"
    assert handouts.format_hours("07:00-08:30", "es") == "7:00–8:30 a. m."
    assert handouts.format_hours("11:00-13:00", "en") == "11:00 AM–1:00 PM"
    assert handouts.format_hours("22:00-01:00", "es") == "10:00 p. m.–1:00 a. m."
    assert handouts.format_hours("all day", "es") == "all day"
    assert handouts.format_date(dt.date(2026, 1, 31), "es") == "31 de enero de 2026"


def test_pdf_is_skipped_quietly_without_chromium(written: dict[str, Any], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(chromium, "find_chromium", lambda: None)
    with caplog.at_level(logging.WARNING, logger="safepassage.handouts"):
        assert handouts.write_handout_pdf(written["files"][0], tmp_path / "x.pdf") is None
    assert "Chromium not installed" in caplog.text
    assert not (tmp_path / "x.pdf").exists()


def test_failed_write_keeps_the_old_handout(demo: dict[str, Any], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "school.en.html"
    target.write_text("old handout", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refuse)
        with pytest.raises(OSError, match="disk full"):
            handouts.write_handout(target, demo["area"], demo["school"], frame=demo["frame"])
    assert target.read_text(encoding="utf-8") == "old handout"
    assert [p.name for p in tmp_path.iterdir()] == ["school.en.html"]


# ------------------------------------------------------------------------ in Chromium


@pytest.mark.browser
def test_handout_in_chromium(chromium: str, written: dict[str, Any], tmp_path: Path) -> None:
    [page] = [p for p in written["files"] if p.name.endswith(".en.html")]
    dom = dump_dom(probed_copy(page, tmp_path / "handout.html"), budget_ms=4000,
                   window_size=(900, 1200))
    body = visible(dom)
    assert attribute(dom, "data-done") == "1"
    assert attribute(dom, "data-errors") == ""
    assert attribute(dom, "data-xss") == "0"
    for cls in ("leaflet-map-pane", "leaflet-overlay-pane", "leaflet-marker-pane",
                "leaflet-control-scale-line"):
        assert cls in body, cls
    # The route (and its white casing) and the base network are SVG paths.
    assert len(re.findall(r'<path class="sp-svg sp-route"[^>]*\sd="M[^"]+"', body)) == 1
    assert len(re.findall(r'<path class="sp-svg sp-route-casing"[^>]*\sd="M', body)) == 1
    assert re.search(r'<path class="sp-svg sp-base sp-base-major"[^>]*\sd="M', body)
    # Street names, the post badge, and the hostile name as literal text everywhere.
    assert re.search(r'class="sp-street[^"]*"[^>]*>S Grand Ave<', body)
    assert 'class="sp-post-badge' in body
    assert body.count(HOSTILE_ESCAPED) >= 4
    assert not re.search(r'<img[^>]*src="x"', body)
    # Text is 12 pt (16 CSS px) or more everywhere, map labels included.
    assert float(attribute(dom, "data-min-font")) >= 16.0, attribute(dom, "data-min-font-where")


@pytest.mark.browser
def test_handouts_print_on_two_letter_pages(chromium: str, written: dict[str, Any],
                                            demo: dict[str, Any], tmp_path: Path) -> None:
    from pypdf import PdfReader

    [school] = [p for p in written["files"] if p.name.endswith(".en.html")]
    pdf = handouts.write_handout_pdf(school, tmp_path / "school.en.pdf")
    assert pdf is not None and 1 <= pdf_page_count(pdf) <= 2
    first = PdfReader(str(pdf)).pages[0]
    assert [round(float(x)) for x in first.mediabox] == [0, 0, 612, 792]  # US Letter
    text = first.extract_text()
    assert "Safe walking route: " + HOSTILE_TEXT in text  # printed as text
    assert "Safe route" in text and "Step by step" in text  # map page: legend, directions start

    # The Spanish handout with the most direction text (a transit stop) fits as well.
    es = handouts.write_handout_pdf(written["longest"])
    assert es == written["longest"].with_suffix(".pdf")
    assert 1 <= pdf_page_count(es) <= 2
    reader = PdfReader(str(es))
    printed = " ".join(p.extract_text() for p in reader.pages)
    printed = re.sub(r"\s+", " ", printed)
    assert "Ruta segura a pie" in printed and "Paso a paso" in printed
    last = demo["longest"]["directions_es"][-1]
    assert last in printed
    assert "Elaborado el 8 de septiembre de 2026" in printed
    assert "LA Metro" in printed  # a Metro stop: its data source is credited


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("South Grand Avenue & West 4th Street (SW corner)",
         "South Grand Avenue y West 4th Street (esquina suroeste)"),
        ("Olive Street & West 5th Street", "Olive Street y West 5th Street"),
        ("West 4th Street & South Hill Street (SE corner)",
         "West 4th Street y South Hill Street (esquina sureste)"),
        ("South Hope Street, 110 m north of West 6th Street",
         "South Hope Street, a 110 m al norte de West 6th Street"),
        ("footpath near Pershing Square", "sendero peatonal cerca de Pershing Square"),
        ("near Figueroa Street", "cerca de Figueroa Street"),
        ("at Colburn School", "en Colburn School"),
        ("Figueroa Street near West 7th Street", "Figueroa Street, cerca de West 7th Street"),
    ],
)
def test_post_names_read_in_spanish(english: str, spanish: str):
    from safepassage.handouts import post_name

    assert post_name(english, "es") == spanish
    assert post_name(english, "en") == english


# ------------------------------------------------------------------------ review fixes


@pytest.fixture(scope="module")
def three_windows(demo_area: Any) -> dict[str, Any]:
    """The demo planned for arrival, dismissal and evening, as ``plan`` does it."""
    from safepassage.pipeline import PlanRequest, plan_coverage

    request = PlanRequest.from_options(time_window="arrival,dismissal,evening")
    shifts = plan_coverage(demo_area, request)
    frame = routes_frame(demo_area, shifts.route_plans["arrival"])
    return {"shifts": shifts, "frame": frame}


def _post_rows(page: str) -> list[tuple[str, list[str]]]:
    if '<table class="sp-posts">' not in page:
        return []
    table = page[page.index('<table class="sp-posts">'):page.index("</table>")]
    rows = re.findall(r"<tr><td>.*?</td><td>(.*?)</td><td>(.*?)</td></tr>", table, re.DOTALL)
    return [(html_name, re.findall(r'<span class="sp-when">(.*?)</span>', when))
            for html_name, when in rows]


def test_handouts_list_every_window_of_a_shift_plan(demo_area: Any, three_windows: dict,
                                                    tmp_path: Path) -> None:
    """write_handouts(..., shift_views(shifts)): each nearby post with every window's hours."""
    shifts, frame = three_windows["shifts"], three_windows["frame"]
    assert list(shifts.plans) == ["arrival", "dismissal", "evening"]
    files = handouts.write_handouts(tmp_path, demo_area, frame, maps.shift_views(shifts),
                                    kinds=("school", "park"), langs=("en",), made_on=MADE_ON)
    assert files
    posts, _ = maps.posts_and_corridor(maps.shift_views(shifts))
    hours = {"arrival": "7:00–8:30 AM (school arrival)",
             "dismissal": "2:00–4:00 PM (school dismissal)",
             "evening": "6:00–10:00 PM (evening)"}
    crs = demo_area.G.graph["crs"]
    seen_windows: set[str] = set()
    several = 0
    for path in files:
        page = path.read_text(encoding="utf-8")
        row = frame[(frame["role"] == "safest") & (frame["destination"].map(
            lambda n, page=page: str(markupsafe.escape(str(n))) in page))].iloc[0]
        route = gpd.GeoSeries([row.geometry], crs="EPSG:4326").to_crs(crs).iloc[0]
        near = handouts.places_on_route(posts, demo_area, route)
        rows = _post_rows(page)
        assert len(rows) == len(near)
        for (name, whens), place in zip(rows, near, strict=True):
            assert name == str(markupsafe.escape(handouts.post_name(place.name, "en",
                                                                    "imperial")))
            assert whens == [hours[w] for w, _ in place.shifts()]
            seen_windows |= {w for w, _ in place.shifts()}
            several += len(whens) > 1
    # Posts of every window show up, and a corner staffed in several windows lists each.
    assert seen_windows == {"arrival", "dismissal", "evening"}
    assert several >= 1
    # A single window's plan (what plan passed before) lists its own window only.
    arrival = [maps.CoverageView.from_plan(shifts.plans["arrival"])]
    one = handouts.write_handouts(tmp_path / "one", demo_area, frame, arrival,
                                  kinds=("school",), langs=("en",), made_on=MADE_ON)
    whens = {w for _, ws in _post_rows(one[0].read_text(encoding="utf-8")) for w in ws}
    assert whens <= {hours["arrival"]}


@pytest.mark.parametrize(
    ("name", "lang", "units", "expected"),
    [
        ("West 4th Street & South Hill Street (SE corner) #2", "en", "imperial",
         "West 4th Street & South Hill Street (SE corner)"),
        ("South Hope Street, 110 m north of West 6th Street", "en", "imperial",
         "South Hope Street, 350 ft north of West 6th Street"),
        ("South Hope Street, 110 m north of West 6th Street", "es", "imperial",
         "South Hope Street, a 350 pies al norte de West 6th Street"),
        ("South Hope Street, 110 m north of West 6th Street #3", "es", "metric",
         "South Hope Street, a 110 m al norte de West 6th Street"),
        ("Figueroa Street, 170 m south of West 7th Street", "en", "metric",
         "Figueroa Street, 170 m south of West 7th Street"),
    ],
)
def test_post_names_for_families(name: str, lang: str, units: str, expected: str) -> None:
    assert handouts.post_name(name, lang, units) == expected


def test_destination_away_from_the_streets(demo: dict[str, Any], written: dict[str, Any]
                                           ) -> None:
    """The demo's school is ~180 m from the nearest mapped path: a dotted line joins the
    route's end to its symbol, and the directions say how far and which way it is."""
    row = handouts.handout_row(demo["frame"], demo["school"])
    _, tail = maps.route_gaps(row.geometry, None,
                              shapely.Point(row["dest_lon"], row["dest_lat"]))
    assert tail is not None and tail.distance_m > maps.DEST_GAP_M
    feet = format_distance(tail.distance_m, "en", "imperial")  # in words, as the steps say it
    assert re.fullmatch(r"[\d.]+ (feet|miles?)", feet)
    way = compass_word(tail.bearing)
    en = _page(written, "en")
    assert '"className": "sp-svg sp-gap-line"' in en
    assert "Straight line: the streets there are not on the map" in en
    assert re.search(rf'<p class="sp-gap-note">[^<]* is about {feet} {way} of the end of the '
                     r"route; the streets there are not mapped\.</p>", en)
    es = _page(written, "es")
    pies = format_distance(tail.distance_m, "es", "imperial")
    assert re.search(rf'<p class="sp-gap-note">[^<]* está a unos {pies} al '
                     rf"{compass_word(tail.bearing, 'es')} del final de la ruta; las calles "
                     r"de esa zona no aparecen en el mapa\.</p>", es)
    # The directions area: after the last step, before the safety tip.
    assert (en.index('<ol class="sp-steps') < en.index('<p class="sp-gap-note">')
            < en.index('<p class="sp-safety">'))
    # A destination at the end of its route gets neither.
    for _, other in demo["frame"][demo["frame"]["role"] == "safest"].iterrows():
        _, gap = maps.route_gaps(other.geometry, None,
                                 shapely.Point(other["dest_lon"], other["dest_lat"]))
        if gap is None:
            page = handouts.handout_html(demo["area"], demo["frame"], other, made_on=MADE_ON)
            assert '<p class="sp-gap-note">' not in page
            assert "Straight line" not in page
            break
    else:
        pytest.fail("every demo destination is away from its route")


def test_start_symbol_and_a_post_at_the_site_are_both_drawn(demo: dict[str, Any]) -> None:
    """A post at the site: its badge is above everything (the browser moves the Start symbol
    and every label off it, see test_no_label_covers_a_badge); both stay drawn."""
    area, frame = demo["area"], demo["frame"]
    site = area.site
    posts = gpd.GeoDataFrame(
        {"post_id": ["P1"], "name": ["At the site"], "window": ["dismissal"]},
        geometry=[shapely.Point(site.lon, site.lat)], crs="EPSG:4326")
    row = handouts.handout_row(frame, demo["school"])
    page = handouts.handout_html(area, frame, row, [maps.CoverageView.from_tables(None, posts)],
                                 made_on=MADE_ON)
    assert '"zIndexOffset": 10000' in page  # the badge above every other marker
    assert '"zIndexOffset": 1000' in page  # the Start symbol above the other symbols
    assert "SafePassage.keepBadgesClear" in page
    assert 'data-post="1"' in page
    assert ".sp-site-icon svg { background: #fff; border-radius: 50%" in page


def test_the_map_is_sized_to_fit_one_page(demo: dict[str, Any]) -> None:
    """On screen the map's height is estimated so the page fits one sheet; in print the browser
    measures the text and sizes the map (fit_print_page), between the smallest and full size."""
    safest = demo["frame"][demo["frame"]["role"] == "safest"]
    short = safest.loc[safest["directions_en"].map(len).idxmin()]
    assert len(short["directions_en"]) <= 5
    page = handouts.handout_html(demo["area"], demo["frame"], short, demo["posts"],
                                 made_on=MADE_ON)
    height = float(re.search(r"height: ([0-9.]+)in;", page).group(1))
    assert handouts.MAP_MIN_HEIGHT_IN <= height <= 5.3
    fit = re.search(r"SafePassage\.fitPrintPage\(map_\w+, (\{.*?\})\);", page)
    options = json.loads(fit.group(1))
    assert options["minPx"] == pytest.approx(handouts.MAP_MIN_HEIGHT_IN * 96)
    assert options["maxPx"] == pytest.approx(5.3 * 96)
    assert options["pagePx"] == pytest.approx((11 - 0.8) * 96)  # US Letter, 0.4 in margins
    long = handouts.handout_html(demo["area"], demo["frame"], demo["longest"], demo["posts"],
                                 lang="es", made_on=MADE_ON)
    long_height = float(re.search(r"height: ([0-9.]+)in;", long).group(1))
    assert handouts.MAP_MIN_HEIGHT_IN <= long_height <= height  # more text, no larger a map


def test_pdfs_need_chromium(written: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(chromium, "find_chromium", lambda: None)
    with caplog.at_level(logging.WARNING, logger="safepassage.handouts"):
        assert handouts.write_handout_pdfs(written["files"]) == []
    assert "Chromium not installed" in caplog.text
    assert handouts.write_handout_pdfs([]) == []
    with pytest.raises(chromium.BrowserError, match="not installed"):
        chromium.print_pdfs([(written["files"][0], written["folder"] / "x.pdf")])
    assert chromium.pdf_workers(72, 3) == 3 and chromium.pdf_workers(2, 8) == 2
    assert chromium.pdf_workers(0, None) == 1 and chromium.pdf_workers(100) >= 1


@pytest.mark.browser
def test_short_handout_prints_on_one_page(chromium: str, demo: dict[str, Any],
                                          tmp_path: Path) -> None:
    safest = demo["frame"][demo["frame"]["role"] == "safest"]
    short = safest.loc[safest["directions_en"].map(len).idxmin()]
    pages = []
    for lang in ("en", "es"):
        html = handouts.write_handout(tmp_path / f"short.{lang}.html", demo["area"], short,
                                      demo["posts"], lang=lang, made_on=MADE_ON)
        pages.append(html)
    pdfs = handouts.write_handout_pdfs(pages)
    assert [p.name for p in pdfs] == ["short.en.pdf", "short.es.pdf"]
    assert [pdf_page_count(p) for p in pdfs] == [1, 1]


@pytest.mark.browser
def test_pdfs_print_side_by_side_as_one_by_one(chromium: str, written: dict[str, Any],
                                               tmp_path: Path) -> None:
    """print_pdfs (browsers kept open, several at once) prints what print_pdf prints."""
    from pypdf import PdfReader

    pages = [*written["files"], written["longest"]]
    pairs = [(p, tmp_path / f"{i}-{p.stem}.pdf") for i, p in enumerate(pages)]
    out = print_pdfs(pairs, workers=2)
    assert out == [pdf.resolve() for _, pdf in pairs]
    for html, pdf in pairs:
        alone = print_pdf(html, tmp_path / "alone.pdf")
        a, b = PdfReader(str(pdf)), PdfReader(str(alone))
        assert len(a.pages) == len(b.pages) and 1 <= len(a.pages) <= 2
        assert [float(x) for x in a.pages[0].mediabox] == [0, 0, 612, 792]
        # the same page content either way; the map's street labels are placed by Leaflet as
        # it renders, so their order in the extracted text is not compared
        text_a = " ".join("".join(p.extract_text() for p in a.pages).split())
        text_b = " ".join("".join(p.extract_text() for p in b.pages).split())
        steps = html.read_text().split('class="sp-steps', 1)[1].split("</ol>", 1)[0]
        items = [" ".join(re.sub(r"<[^>]+>", "", html_lib.unescape(m)).split())
                 for m in re.findall(r"<li[^>]*>(.*?)</li>", steps, flags=re.S)]
        items = [i[:40] for i in items if len(i) > 12][:6]
        assert items, "the handout lists its directions"
        assert items[0] in text_a and items[0] in text_b
        for item in items:
            assert (item in text_a) == (item in text_b), item
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(FileNotFoundError):
        print_pdfs([(tmp_path / "missing.html", tmp_path / "m.pdf")])
