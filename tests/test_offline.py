"""Offline folium pages: inlined Leaflet, our controls, escaping, and a real browser check."""

from __future__ import annotations

import http.server
import importlib.resources
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import folium
import pytest

from safepassage import offline
from safepassage.errors import DataUnavailableError
from safepassage.offline import (
    RawHTML,
    add_label,
    add_scale,
    bind_popup,
    bind_tooltip,
    escape_properties,
    escape_text,
    external_references,
    js_literal,
    leaflet_assets,
    offline_map,
    popup_html,
    render_html,
    set_page_lang,
    svg_class_name,
    use_svg,
    write_html,
)

try:  # tests/ is on sys.path (no __init__.py) ...
    from browser import dump_dom, pdf_page_count, png_size, print_pdf, screenshot
except ImportError:  # ... unless it becomes a package one day
    from tests.browser import dump_dom, pdf_page_count, png_size, print_pdf, screenshot

# A school name as an OpenStreetMap mapper could type it: markup, an event handler, a
# template-literal expression and a backtick (which would end a JavaScript template literal).
HOSTILE = '<script>alert(1)</script><img src=x onerror="window.__xss=1">${window.__xss=2}`'
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Downtown Los Angeles, approximate street-corner coordinates (lat, lon).
BROADWAY_1ST_TO_4TH = [
    (34.05264, -118.24447),
    (34.05135, -118.24617),
    (34.05018, -118.24781),
    (34.04895, -118.24945),
]
SPRING_1ST_TO_4TH = [
    (34.05187, -118.24332),
    (34.05058, -118.24497),
    (34.04934, -118.24663),
    (34.04810, -118.24830),
]
SECOND_BROADWAY_TO_MAIN = [(34.05135, -118.24617), (34.05058, -118.24497), (34.04985, -118.24386)]
FIRST_BROADWAY_TO_SPRING = [(34.05264, -118.24447), (34.05187, -118.24332)]
SCHOOL = (34.05020, -118.24560)
CENTER = (34.05060, -118.24620)

# Runs in its own <script> element before the map's script: records script errors, then (after
# load) presses the full-screen and locate buttons and writes what it sees into <body>
# attributes, so a --dump-dom shows whether any injected handler ran (window.__xss).
OBSERVER = """<script>
// The browser's own answers (full screen refused, location denied) arrive on its schedule, not
// on the virtual clock, so under load they could come after the page is read. Give the same
// answers at once: no Fullscreen API (as on an iPhone), and location permission denied.
Object.defineProperty(document, "fullscreenEnabled", {value: false, configurable: true});
Object.defineProperty(document, "webkitFullscreenEnabled", {value: false, configurable: true});
if (!Object.getOwnPropertyDescriptor(navigator, "geolocation")) {  // a test may fake a fix
  Object.defineProperty(navigator, "geolocation", {value: {
    getCurrentPosition: function (ok, fail) {
      setTimeout(function () { fail({code: 1, message: "User denied Geolocation"}); }, 0);
    },
    watchPosition: function (ok, fail) {
      setTimeout(function () { fail({code: 1, message: "User denied Geolocation"}); }, 0);
      return 1;
    },
    clearWatch: function () {}
  }, configurable: true});
}
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("load", function () {
  setTimeout(function () {
    var map = document.querySelector(".leaflet-container");
    var fs = document.querySelector(".sp-fullscreen-button");
    var loc = document.querySelector(".sp-locate-button");
    if (fs) { fs.click(); }
    if (loc) { loc.click(); }
    // the browser refuses full screen asynchronously (later on a busy machine): poll for the
    // fallback instead of guessing how long that takes
    var waited = 0;
    (function report() {
      var full = map && /\\bsp-is-fullscreen\\b/.test(map.className);
      var msg = document.querySelector(".sp-locate-message");
      var pending = (fs && !full) || (loc && !(msg && msg.textContent));
      if (pending && waited < 3500) {
        waited += 100;
        setTimeout(report, 100);
        return;
      }
      var body = document.body;
      body.setAttribute("data-xss", String(window.__xss || 0));
      body.setAttribute("data-errors", window.__errors.join(" | "));
      body.setAttribute("data-fullscreen", full ? "1" : "0");
      body.setAttribute("data-locate-message", msg ? msg.textContent : "");
      body.setAttribute("data-done", "1");
    })();
  }, 300);
});
</script>"""


def _visible(dom: str) -> str:
    """The dumped DOM's <body> without script text: what the page shows."""
    body = dom[dom.index("<body") :]
    return re.sub(r"<script\b[^>]*>.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)


def _observe(m: folium.Map) -> None:
    m.get_root().header.add_child(RawHTML(OBSERVER), name="test_observer")


def _demo_map() -> folium.Map:
    m = offline_map(CENTER, 16, title="Safe <Passages> & test")
    routes = folium.FeatureGroup(name="Routes").add_to(m)
    for line in (BROADWAY_1ST_TO_4TH, SPRING_1ST_TO_4TH, SECOND_BROADWAY_TO_MAIN):
        folium.PolyLine(line, color="#c0392b", weight=5, class_name=svg_class_name("route")).add_to(
            routes
        )
    # Drawn on the shared canvas (prefer_canvas): no DOM element of its own.
    folium.PolyLine(FIRST_BROADWAY_TO_SPRING, color="#555555", weight=3).add_to(m)
    school = folium.CircleMarker(SCHOOL, radius=9, color="#1f5fa8", fill=True).add_to(m)
    bind_popup(school, popup_html([("School", HOSTILE), (HOSTILE, "label too")]), show=True)
    bind_tooltip(school, HOSTILE, permanent=True, direction="right")
    add_label(m, (34.04950, -118.24500), HOSTILE)
    folium.Marker(
        (34.05100, -118.24400), icon=folium.DivIcon(html=escape_text(HOSTILE), class_name="name")
    ).add_to(m)
    # folium's default pin: an image Leaflet looks up next to the page, inlined by offline_map.
    folium.Marker((34.04850, -118.24700)).add_to(m)
    return m


# ------------------------------------------------------------------------------ no browser


def test_leaflet_assets_come_from_the_installed_package() -> None:
    js, css = leaflet_assets()
    assert 'version="1.9.4"' in js
    assert "sourceMappingURL" not in js
    assert ".leaflet-container" in css
    assert "url(images/" not in css  # the layer-control icon is inlined ...
    assert "url(data:image/png;base64," in css  # ... as a data: URI
    assert leaflet_assets() is leaflet_assets()  # cached


def test_runtime_script_and_style_ship_as_package_data() -> None:
    folder = importlib.resources.files("safepassage.offline")
    assert folder.joinpath("runtime.js").is_file() and folder.joinpath("runtime.css").is_file()
    js, css = offline.assets.runtime_js(), offline.assets.runtime_css()
    assert offline.assets.ICON_PLACEHOLDER not in js  # filled with the inlined default pin
    assert 'var ICON_OPTIONS = {"iconUrl": "data:image/png;base64,' in js
    assert f'" {offline.SVG_CLASS} "' in js  # the class the SVG-renderer hook looks for
    assert "SP.Fullscreen = L.Control.extend" in js and "SP.Locate = L.Control.extend" in js
    assert ".sp-locate-message" in css and "@media print" in css
    page = render_html(offline_map(CENTER, title="x"))
    assert js in page and css in page


def test_damaged_runtime_script_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline.assets, "_package_text", lambda name: "(function () {})();")
    with pytest.raises(DataUnavailableError, match=r"runtime\.js"):
        offline_map(CENTER, title="x")


def test_missing_leaflet_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline.assets.importlib.util, "find_spec", lambda name: None)
    leaflet_assets.cache_clear()
    offline.assets._leaflet_images.cache_clear()
    try:
        with pytest.raises(DataUnavailableError, match="django-js-lib-leaflet"):
            leaflet_assets()
        with pytest.raises(DataUnavailableError):
            offline_map(CENTER, title="x")
    finally:
        monkeypatch.undo()
        leaflet_assets.cache_clear()
        offline.assets._leaflet_images.cache_clear()


def test_rendered_page_is_self_contained() -> None:
    page = render_html(_demo_map())
    assert external_references(page) == []
    for cdn in ("cdn.jsdelivr.net", "code.jquery.com", "bootstrapcdn", "cdnjs.cloudflare.com"):
        assert cdn not in page
    assert "<title>Safe &lt;Passages&gt; &amp; test</title>" in page
    assert re.search(r'<meta name="viewport" content="width=device-width', page)
    assert 'version="1.9.4"' in page  # Leaflet inlined
    assert offline.OSM_TILES_URL in page  # optional tiles: a template inside JavaScript only
    assert HOSTILE not in page
    assert "<script>alert(1)" not in page
    # The hostile name reaches the page only as JSON-escaped, HTML-escaped text.
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page


def test_external_references_finds_what_a_browser_would_fetch() -> None:
    stock = folium.Map(location=CENTER, zoom_start=15)
    page = stock.get_root().render()
    refs = external_references(page)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in refs
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in refs
    assert any(ref.endswith("leaflet.css") for ref in refs)
    snippet = (
        "<img alt='a' src='https://img.example/a.png'>"
        "<link rel=stylesheet href=//cdn.example/s.css>"
        "<style>@import 'https://fonts.example/f.css'; .x{background:url(\"http://x.example/b.png\")}"
        '.y{background:url(data:image/png;base64,AAAA)}</style><a href="https://osm.org">OSM</a>'
        '<script src="local.js"></script>'
    )
    assert external_references(snippet) == [
        "https://img.example/a.png",
        "//cdn.example/s.css",
        "http://x.example/b.png",
        "https://fonts.example/f.css",
    ]
    with pytest.raises(RuntimeError, match=r"cdn\.jsdelivr\.net"):
        render_html(stock)


def test_folium_features_needing_jquery_are_refused() -> None:
    m = offline_map(CENTER, title="x")
    folium.CircleMarker(SCHOOL, popup="Plain popup").add_to(m)
    with pytest.raises(RuntimeError, match="bind_popup"):
        render_html(m)


def test_escaping_helpers() -> None:
    assert escape_text('<b a="1">&\'') == "&lt;b a=&quot;1&quot;&gt;&amp;&#x27;"
    assert escape_text(None) == ""
    table = popup_html([("<th>", "<td>"), ("n", 3)], title="<cap>")
    assert "<th>&lt;th&gt;</th><td>&lt;td&gt;</td>" in table
    assert "<caption>&lt;cap&gt;</caption>" in table
    assert "<td>3</td>" in table
    literal = js_literal(HOSTILE)
    assert not set("<>&'`$") & set(literal)
    geo = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": None, "properties": {"name": HOSTILE, "n": 2}}
        ],
    }
    safe = escape_properties(geo)
    assert safe["features"][0]["properties"]["name"].startswith(HOSTILE_ESCAPED)
    assert safe["features"][0]["properties"]["n"] == 2
    assert geo["features"][0]["properties"]["name"] == HOSTILE  # the original is untouched


def test_layer_control_comes_after_the_layers_it_lists() -> None:
    m = offline_map(CENTER, title="x")
    group = folium.FeatureGroup(name="Added later").add_to(m)
    page = render_html(m)
    assert page.count("L.control.layers(") == 1
    assert page.index("L.control.layers(") > page.index(f"var {group.get_name()} =")
    # Layers added after a first render still come before the control ...
    late = folium.FeatureGroup(name="Added after rendering").add_to(m)
    page = render_html(m)
    assert page.count("L.control.layers(") == 1
    assert page.index("L.control.layers(") > page.index(f"var {late.get_name()} =")
    # ... and a caller's own layer control replaces ours.
    folium.LayerControl(collapsed=False).add_to(m)
    page = render_html(m)
    assert page.count("L.control.layers(") == 1
    assert '"collapsed": false' in page


def test_use_svg_marks_paths_for_the_svg_renderer() -> None:
    line = folium.PolyLine(SPRING_1ST_TO_4TH, class_name="route")
    assert use_svg(line).options["className"] == "sp-svg route"
    assert use_svg(line).options["className"] == "sp-svg route"  # idempotent
    geo = folium.GeoJson({"type": "FeatureCollection", "features": []})
    assert use_svg(geo).options["className"] == "sp-svg"


def test_write_failure_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "map.html"
    target.write_text("old page", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refuse)
        with pytest.raises(OSError, match="disk full"):
            write_html(_demo_map(), target)
    assert target.read_text(encoding="utf-8") == "old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]  # no temporary left over

    with pytest.raises(RuntimeError):  # a page needing a CDN is never written
        write_html(folium.Map(location=CENTER), target)
    assert target.read_text(encoding="utf-8") == "old page"

    assert write_html(_demo_map(), target) == target
    assert "leaflet" in target.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- in Chromium


def target_text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


@pytest.mark.browser
def test_offline_page_works_in_chromium(chromium: str, tmp_path: Path) -> None:
    m = _demo_map()
    _observe(m)
    page = tmp_path / "map.html"
    write_html(m, page)
    dom = dump_dom(page, budget_ms=5000)
    title = re.search(r"<title>.*?</title>", dom).group(0)
    dom = _visible(dom)

    assert 'data-done="1"' in dom, "the page's scripts did not run to the end"
    assert 'data-errors=""' in dom, re.search(r'data-errors="([^"]*)"', dom).group(1)
    for cls in ("leaflet-container", "leaflet-map-pane", "leaflet-overlay-pane"):
        assert cls in dom
    # Our controls, the scale bar (in feet and miles) and the optional-tiles switch.
    assert "sp-fullscreen-button" in dom
    assert "sp-locate-button" in dom
    scale = re.findall(r'class="leaflet-control-scale-line"[^>]*>([^<]*)<', dom)
    assert len(scale) == 1 and re.fullmatch(r"\d+ (ft|mi)", scale[0]), scale
    assert '<html lang="en">' in target_text(page)
    assert "OpenStreetMap tiles (internet)" in dom
    assert (
        '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' in dom
    )
    assert not re.search(r'class="leaflet-tile[ "]', dom)  # the optional tiles stay off
    pins = re.findall(r'<img src="([^"]*)" class="leaflet-marker-icon', dom)
    assert len(pins) == 1 and pins[0].startswith("data:image/png;base64,")
    # The full-screen button worked (API or CSS fallback); locating failed with a message.
    assert 'data-fullscreen="1"' in dom
    message = re.search(r'data-locate-message="([^"]*)"', dom).group(1)
    assert message, "no message after a failed locate"

    # Routes on the SVG renderer are countable; the other line went to the canvas.
    routes = re.findall(r'<path class="sp-svg route leaflet-interactive"[^>]*\sd="M[^"]+"', dom)
    assert len(routes) == 3
    assert "<canvas" in dom

    # The hostile name shows as text in the popup (label and value), tooltip, label and DivIcon.
    assert 'data-xss="0"' in dom
    assert dom.count(HOSTILE_ESCAPED) >= 5
    assert "<script>alert(1)" not in dom
    assert not re.search(r'<img[^>]*src="x"', dom)
    assert title == "<title>Safe &lt;Passages&gt; &amp; test</title>"


FAKE_POSITION = """<script>
Object.defineProperty(navigator, "geolocation", {value: {
  getCurrentPosition: function (ok) {
    setTimeout(function () {
      ok({coords: {latitude: 34.0489, longitude: -118.2495, accuracy: 25}, timestamp: Date.now()});
    }, 50);
  },
  watchPosition: function () { return 1; },
  clearWatch: function () {}
}});
</script>"""


@pytest.mark.browser
def test_locate_shows_the_position(chromium: str, tmp_path: Path) -> None:
    m = offline_map(CENTER, 16, title="locate", online_tiles=False)
    m.get_root().header.add_child(RawHTML(FAKE_POSITION), name="test_fake_position")
    _observe(m)
    page = write_html(m, tmp_path / "locate.html")
    dom = _visible(dump_dom(page, budget_ms=4000))
    assert 'data-done="1"' in dom and 'data-errors=""' in dom
    assert 'data-locate-message=""' in dom
    assert re.search(r'<path class="sp-svg sp-locate-accuracy[^"]*"[^>]*\sd="M', dom)
    assert re.search(r'<path class="sp-svg sp-locate-position[^"]*"[^>]*\sd="M', dom)


@pytest.mark.browser
def test_harness_really_blocks_the_network(chromium: str, tmp_path: Path) -> None:
    """A stock folium page (CDN scripts) must stay blank, and even loopback gets no request."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b"window.__probe = 1;"
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        stock = folium.Map(location=CENTER, zoom_start=15)
        html = (
            stock.get_root()
            .render()
            .replace(
                "</head>",
                f'<script src="http://127.0.0.1:{server.server_port}/probe.js"></script></head>',
            )
        )
        page = tmp_path / "stock.html"
        page.write_text(html, encoding="utf-8")
        dom = _visible(dump_dom(page, budget_ms=2000))
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert "leaflet-map-pane" not in dom  # no Leaflet: the map never started


def _folium_tooltip(m: folium.Map, text: str) -> None:
    folium.CircleMarker(SCHOOL, tooltip=folium.Tooltip(text, permanent=True)).add_to(m)


def _folium_geojson_tooltip(m: folium.Map, name: str) -> None:
    point = {"type": "Point", "coordinates": [SCHOOL[1], SCHOOL[0]]}
    data = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": point, "properties": {"name": name}}],
    }
    tooltip = folium.GeoJsonTooltip(["name"], permanent=True)
    folium.GeoJson(data, marker=folium.CircleMarker(radius=5), tooltip=tooltip).add_to(m)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("build", "text", "xss", "map_starts"),
    [
        (_folium_tooltip, '<img src=x onerror="window.__xss=1">', "1", True),
        (_folium_tooltip, "${window.__xss=2}", "2", True),
        (_folium_tooltip, "St. Mary`s", "0", False),
        (_folium_geojson_tooltip, '<img src=x onerror="window.__xss=3">', "3", True),
    ],
    ids=["tooltip-markup", "tooltip-template-literal", "tooltip-backtick", "geojson-tooltip"],
)
def test_folium_does_not_escape(
    chromium: str,
    tmp_path: Path,
    build: Callable[[folium.Map, str], None],
    text: str,
    xss: str,
    map_starts: bool,
) -> None:
    """The findings in safepassage.offline's docstring, and a positive control for the checks.

    folium's own tooltips run markup and template-literal code from the text, or break the
    page's whole script on a backtick; GeoJsonTooltip runs markup from feature properties.
    """
    m = offline_map(CENTER, title="control", controls=False, online_tiles=False)
    build(m, text)
    _observe(m)
    page = write_html(m, tmp_path / "control.html")
    dom = _visible(dump_dom(page, budget_ms=3000))
    assert f'data-xss="{xss}"' in dom
    assert ("leaflet-map-pane" in dom) is map_starts


@pytest.mark.browser
def test_print_and_screenshot(chromium: str, tmp_path: Path) -> None:
    page = write_html(_demo_map(), tmp_path / "map.html")
    pdf = print_pdf(page, tmp_path / "map.pdf")
    assert pdf_page_count(pdf) >= 1
    png = screenshot(page, tmp_path / "map.png", size=(1024, 700))
    assert png_size(png) == (1024, 700)
    assert png.stat().st_size > 10_000  # a drawn map, not a blank page


@pytest.mark.browser
def test_the_scale_bar_speaks_the_page_s_language_and_units(chromium: str, tmp_path: Path) -> None:
    for lang, units, pattern in (("es", "imperial", r"\d+ (pies|millas)"),
                                 ("en", "metric", r"\d+ (m|km)")):
        m = offline_map(CENTER, 16, title="t")
        set_page_lang(m, lang)
        add_scale(m, units=units, lang=lang)  # replaces the default one
        page = write_html(m, tmp_path / f"{lang}-{units}.html")
        assert f'<html lang="{lang}">' in target_text(page)
        dom = dump_dom(page, budget_ms=2000)
        scale = re.findall(r'class="leaflet-control-scale-line"[^>]*>([^<]*)<', dom)
        assert len(scale) == 1 and re.fullmatch(pattern, scale[0]), scale
