"""Officer and planner maps on the demo (safepassage.maps): offline, small, escaped, and drawn
in Chromium."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from safepassage import coverage, maps
from safepassage.errors import InputError
from safepassage.offline import external_references
from safepassage.pipeline import compute_routes, routes_frame
from safepassage.utils import clean_name, compass_word, format_distance

try:  # tests/ is on sys.path (no __init__.py) ...
    from browser import dump_dom
except ImportError:  # ... unless it becomes a package one day
    from tests.browser import dump_dom

# An OpenStreetMap name as a vandal could type it: markup, an event handler, a template-literal
# expression and a backtick.
HOSTILE = '<script>alert(1)</script><img src=x onerror="window.__xss=1">${window.__xss=2}`'
HOSTILE_TEXT = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE_POST = '<img src=x onerror="window.__xss=3"> & 5th'

MB = 1024 * 1024

# Runs before the page's own scripts: records errors and alert() calls; after load it opens
# every popup and tooltip of every map in turn (so escaped or not, their HTML is parsed), then
# writes what it saw into <body> attributes for --dump-dom.
PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.alert = function () { window.__xss = (window.__xss || 0) + 100; };
window.addEventListener("load", function () {
  setTimeout(function () {
    var texts = [];
    try {
      Object.keys(window).forEach(function (key) {
        var map = window[key];
        if (!/^map_/.test(key) || !(map instanceof L.Map)) { return; }
        map.eachLayer(function (layer) {
          var tip = layer.getTooltip && layer.getTooltip();
          if (tip) {
            if (!tip.isOpen()) { layer.openTooltip(); }
            if (tip.getElement()) { texts.push(tip.getElement().textContent); }
          }
          var pop = layer.getPopup && layer.getPopup();
          if (pop) {
            layer.openPopup();
            if (pop.getElement()) { texts.push(pop.getElement().textContent); }
            layer.closePopup();
          }
        });
      });
    } catch (err) { window.__errors.push("probe: " + err.message); }
    setTimeout(function () {
      var least = 1000, where = "";
      var all = document.body.querySelectorAll("*");
      for (var i = 0; i < all.length; i++) {
        var el = all[i];
        if (el.closest("svg, script, style, .leaflet-control-attribution")) { continue; }
        var own = false;
        for (var c = el.firstChild; c; c = c.nextSibling) {
          if (c.nodeType === 3 && c.nodeValue.trim()) { own = true; break; }
        }
        if (!own || !el.getClientRects().length) { continue; }
        var size = parseFloat(getComputedStyle(el).fontSize);
        if (size < least) { least = size; where = el.className + ": " + el.textContent; }
      }
      var body = document.body;
      body.setAttribute("data-xss", String(window.__xss || 0));
      body.setAttribute("data-errors", window.__errors.join(" | "));
      body.setAttribute("data-texts", JSON.stringify(texts));
      body.setAttribute("data-min-font", String(least));
      body.setAttribute("data-min-font-where", where.slice(0, 200));
      body.setAttribute("data-done", "1");
    }, 800);
  }, 600);
});
</script>"""


def probed_copy(page: Path, out: Path) -> Path:
    """A copy of ``page`` with :data:`PROBE` first in its head."""
    text = page.read_text(encoding="utf-8")
    assert "<head>" in text
    out.write_text(text.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    return out


def attribute(dom: str, name: str) -> str:
    match = re.search(rf'<body[^>]*\s{name}="([^"]*)"', dom)
    assert match, f"no {name} on <body>"
    return html.unescape(match.group(1))


def visible(dom: str) -> str:
    """The dumped DOM's <body> without script text: what the page shows."""
    body = dom[dom.index("<body") :]
    return re.sub(r"<script\b[^>]*>.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)


# ------------------------------------------------------------------------ demo inputs


def demo_coverage(area: Any, plan: Any, *, posts: int = 2, radius_m: float = 150.0
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Real, small coverage inputs from the demo routes (safepassage.coverage's shapes).

    The corridor is every street segment a safest route walks (both directions one segment),
    its demand the number of routes walking it; posts stand at the busiest corridor
    intersections of two named streets at least 250 m apart, and each covers the segments whose
    midpoint lies within ``radius_m`` of it (credited to the nearest post).
    """
    G = area.G
    edges = plan.state_graph.risk.edges
    count: Counter[str] = Counter()
    info: dict[str, tuple[Any, Any, dict[str, Any]]] = {}
    for dr in plan.routes:
        if dr.status != "ok" or dr.safest is None:
            continue
        for e in dr.safest.edges:
            u, v, k = edges[e]
            sid = f"{min(u, v)}-{max(u, v)}-{k}"
            count[sid] += 1
            info[sid] = (u, v, G.edges[u, v, k])
    ids = sorted(count)
    names = []
    for sid in ids:
        data = info[sid][2]
        name = clean_name(data.get("name")) or clean_name(data.get("street_name"))
        names.append(name)
    corridor = gpd.GeoDataFrame(
        {"segment_id": ids, "name": names,
         "length_m": [float(info[s][2]["length"]) for s in ids],
         "demand": [float(count[s]) for s in ids]},
        geometry=[info[s][2]["geometry"] for s in ids], crs=G.graph["crs"],
    )
    at_node: Counter[Any] = Counter()
    for sid in ids:
        u, v, _ = info[sid]
        at_node[u] += count[sid]
        at_node[v] += count[sid]
    chosen: list[tuple[Any, float, float, str]] = []
    for node, _ in at_node.most_common():
        streets = sorted({clean_name(G.edges[e].get("name")) or ""
                          for e in G.edges(node, keys=True)} - {""})
        if len(streets) < 2:
            continue
        x, y = G.nodes[node]["x"], G.nodes[node]["y"]
        if any(math.hypot(x - cx, y - cy) < 250 for _, cx, cy, _ in chosen):
            continue
        chosen.append((node, x, y, " & ".join(maps.short_street_name(s) for s in streets[:2])))
        if len(chosen) == posts:
            break
    mids = corridor.geometry.interpolate(0.5, normalized=True)
    covered: dict[int, list[str]] = {i: [] for i in range(len(chosen))}
    for sid, mid in zip(corridor["segment_id"], mids, strict=True):
        dists = [math.hypot(mid.x - cx, mid.y - cy) for _, cx, cy, _ in chosen]
        j = min(range(len(dists)), key=dists.__getitem__)
        if dists[j] <= radius_m:
            covered[j].append(sid)
    weight = dict(zip(corridor["segment_id"], corridor["demand"] * corridor["length_m"],
                      strict=True))
    windows = [("dismissal", "14:00-16:00"), ("arrival", "07:00-08:30")]
    table = gpd.GeoDataFrame(
        {
            "post_id": [f"P{i + 1}" for i in range(len(chosen))],
            "name": [c[3] for c in chosen],
            "window": [windows[i % 2][0] for i in range(len(chosen))],
            "hours": [windows[i % 2][1] for i in range(len(chosen))],
            "demand_covered": [sum(weight[s] for s in covered[i]) for i in range(len(chosen))],
            "covered_segments": [covered[i] for i in range(len(chosen))],
        },
        geometry=[Point(float(G.nodes[c[0]]["lon"]), float(G.nodes[c[0]]["lat"]))
                  for c in chosen],
        crs="EPSG:4326",
    )
    return corridor, table


def renamed(area: Any, dest_id: str, name: str) -> Any:
    """The area with one destination renamed (as a vandal could in OpenStreetMap)."""
    dest = area.destinations.copy()
    dest.loc[dest["dest_id"] == dest_id, "name"] = name
    return dataclasses.replace(area, destinations=dest)


@pytest.fixture(scope="module")
def demo(demo_area: Any) -> dict[str, Any]:
    """Routes and coverage inputs on the demo, with the school renamed to a hostile name."""
    school = demo_area.destinations.loc[demo_area.destinations["kind"] == "school", "dest_id"]
    area = renamed(demo_area, str(school.iloc[0]), HOSTILE)
    plan = compute_routes(area)
    frame = routes_frame(area, plan)
    corridor, posts = demo_coverage(area, plan)
    corridor.loc[corridor["name"] == "West 5th Street", "name"] = HOSTILE
    posts.loc[0, "name"] = HOSTILE_POST
    # Real coverage plans (safepassage.coverage) for the dismissal window: 3 officers and 1.
    problem = coverage.coverage_problem(area.G, plan, "dismissal")
    problem.segments.loc[problem.segments["name"] == "West 5th Street", "name"] = HOSTILE
    three, one = coverage.plan_posts(problem, 3), coverage.plan_posts(problem, 1)
    shifts = coverage.plan_shifts(coverage.RouteInputs.from_area(area),
                                   coverage.CoverageSettings(officers=2))
    return {"area": area, "plan": plan, "frame": frame, "corridor": corridor, "posts": posts,
            "three": three, "one": one, "shifts": shifts}


@pytest.fixture(scope="module")
def pages(demo: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("maps")
    d = demo
    one_post = d["posts"].iloc[1:]
    tables = maps.CoverageView.from_tables(d["corridor"], d["posts"])
    return {
        "officer": maps.write_officer_map(out / "officer_map.html", d["area"], d["frame"],
                                          [tables]),
        "planner": maps.write_planner_map(
            out / "planner_map.html", d["area"], d["frame"],
            maps.CoverageView.from_plan(d["three"], label="Three <officers>"),
            maps.CoverageView.from_plan(d["one"], label="One")),
        "planner_tables": maps.write_planner_map(
            out / "planner_tables.html", d["area"], d["frame"], tables,
            maps.CoverageView.from_tables(d["corridor"], one_post)),
    }


# ------------------------------------------------------------------------ no browser


def test_risk_classes_are_ordered_and_distinct() -> None:
    assert maps.risk_class(0.0, 100.0).key == "low"
    assert maps.risk_class(15.0, 100.0).key == "moderate"
    assert maps.risk_class(30.0, 100.0).key == "elevated"
    assert maps.risk_class(80.0, 100.0).key == "high"
    assert maps.risk_class(5.0, 0.0).key == "low"
    uppers = [c.upper for c in maps.RISK_CLASSES]
    assert uppers == sorted(uppers)
    assert len({c.colour for c in maps.RISK_CLASSES}) == len(maps.RISK_CLASSES)
    # Every kind has its own shape-and-letter symbol, not just a colour.
    assert len({(s.shape, s.letter) for s in maps.KIND_STYLES.values()}) == len(maps.KIND_STYLES)


def test_base_network_is_simplified_rounded_and_clippable(demo_area: Any) -> None:
    lines = maps.base_network_lines(demo_area.G)
    assert set(lines) == {"path", "street", "major"}
    unique = list(maps.unique_edges(demo_area.G))
    assert len(unique) * 2 <= demo_area.G.number_of_edges() + 40  # each street once
    raw = sum(len(d["geometry"].coords) for _, _, d in unique)
    drawn = sum(len(line) for group in lines.values() for line in group)
    assert 0 < drawn <= raw
    for group in lines.values():
        for line in group:
            for lat, lon in line:
                assert round(lat, 6) == lat and round(lon, 6) == lon
                assert 33.9 < lat < 34.2 and -118.4 < lon < -118.1
    centre = Point(demo_area.G.nodes[demo_area.origin_node]["x"],
                   demo_area.G.nodes[demo_area.origin_node]["y"])
    clipped = maps.base_network_lines(demo_area.G, clip=centre.buffer(200))
    assert 0 < sum(map(len, clipped.values())) < sum(map(len, lines.values()))


def test_base_network_drops_wiggles_below_the_tolerance() -> None:
    G = nx.MultiDiGraph(crs="EPSG:32611")
    G.add_node(1, x=383000.0, y=3768000.0)
    G.add_node(2, x=383100.0, y=3768000.0)
    wiggly = shapely.LineString([(383000 + 10 * i, 3768000 + (0.3 if i % 2 else 0.0))
                                 for i in range(11)])
    G.add_edge(1, 2, 0, geometry=wiggly, highway="residential", length=100.0)
    G.add_edge(2, 1, 0, geometry=wiggly.reverse(), highway="residential", length=100.0)
    lines = maps.base_network_lines(G)
    assert lines["street"] and len(lines["street"]) == 1 and len(lines["street"][0]) == 2
    assert len(maps.base_network_lines(G, tolerance_m=0.0)["street"][0]) == 11


def test_street_labels_sit_on_their_streets(demo: dict[str, Any]) -> None:
    area, frame = demo["area"], demo["frame"]
    safest = frame[frame["role"] == "safest"]
    focus = gpd.GeoSeries(list(safest.geometry), crs="EPSG:4326").to_crs(area.G.graph["crs"])
    every = maps.street_labels(area.G, shapely.union_all(focus.to_numpy()))
    # each street's first choice, then its other free spots (the browser shows one per street)
    labels = [lab for i, lab in enumerate(every)
              if lab.group not in {other.group for other in every[:i]}]
    assert all(lab.group == lab.name for lab in every)
    assert len(every) > len(labels)
    names = [lab.name for lab in labels]
    assert len(names) == len(set(names)) >= 8
    assert {"South Grand Avenue", "West 5th Street"} <= set(names)
    assert [lab.name for lab in every[:len(labels)]] == names
    to_xy = gpd.GeoSeries([Point(lab.lon, lab.lat) for lab in labels], crs="EPSG:4326").to_crs(
        area.G.graph["crs"])
    by_name: dict[str, list[Any]] = {}
    for _, _, data in maps.unique_edges(area.G):
        name = clean_name(data.get("name"))
        if name:
            by_name.setdefault(name, []).append(data["geometry"])
    for lab, pt in zip(labels, to_xy, strict=True):
        assert -90 < lab.angle <= 90
        assert min(g.distance(pt) for g in by_name[lab.name]) < 1.0, lab
        assert lab.text == maps.short_street_name(lab.name)
    for i, a in enumerate(to_xy):
        for b in list(to_xy)[i + 1:]:
            assert a.distance(b) >= 109.0


def test_posts_adapter_reads_coverage_style_columns() -> None:
    posts = pd.DataFrame({
        "id": ["P1", "P2"], "name": ["A & B", "C & D"], "window": ["dismissal", "18:00-21:00"],
        "hours": [2.0, 3.0],  # posts.geojson's "hours" is the window's length: not clock hours
        "segments": [["s1", "s2"], ["s3"]], "lat": [34.05, 34.06], "lon": [-118.25, -118.26],
    })
    p = maps.normalize_posts(posts)
    assert list(p["post_id"]) == ["P1", "P2"]
    assert list(p["hours"]) == ["14:00-16:00", "18:00-21:00"]
    assert list(p["covered_segments"]) == [["s1", "s2"], ["s3"]]
    assert p["demand_covered"].isna().all() and p.crs.equals("EPSG:4326")
    assert maps.normalize_posts(None) is None
    with pytest.raises(InputError):
        maps.normalize_posts(pd.DataFrame({"name": ["x"]}))


def test_corridor_adapter_and_figures() -> None:
    corridor = gpd.GeoDataFrame(
        {"segment_id": ["s1", "s2", "s3", "s4"], "name": ["Main St", "Main St", "nan", "2nd St"],
         "length_m": [100.0, 50.0, 10.0, 40.0], "demand": [4.0, 2.0, 1.0, 3.0]},
        geometry=[shapely.LineString([(-118.25, 34.05 + i / 1000), (-118.251, 34.05 + i / 1000)])
                  for i in range(4)],
        crs="EPSG:4326",
    )
    posts = maps.normalize_posts(pd.DataFrame({
        "post_id": ["P1"], "name": ["Main & 2nd"], "window": ["arrival"],
        "covered_segments": [["s1", "s4"]], "lat": [34.05], "lon": [-118.25]}))
    c = maps.normalize_corridor(corridor, posts)
    assert list(c["covered"]) == [True, False, False, True]
    assert list(c["post_id"]) == ["P1", None, None, "P1"]
    assert list(c["name"]) == ["Main St", "Main St", "unnamed way", "2nd St"]
    view = maps.CoverageView.from_tables(corridor, posts, label="A")
    figs = view.figures
    assert figs.posts == 1 and figs.segments == 4
    assert figs.total_weight == pytest.approx(400 + 100 + 10 + 120)
    assert figs.covered_pct == pytest.approx(100 * 520 / 630)
    assert figs.covered_length_m == pytest.approx(140.0)
    gaps = view.gaps
    assert list(gaps["name"]) == ["Main St", "unnamed way"]  # busiest first
    assert list(gaps["length_m"]) == [50.0, 10.0]
    assert figs.gaps == 2


def test_view_of_a_coverage_plan(demo: dict[str, Any]) -> None:
    """CoverageView.from_plan reads coverage's own objects: covered rows, credited segments,
    the window's hours, coverage's figures and gaps."""
    three = demo["three"]
    view = maps.CoverageView.from_plan(three, label="B")
    assert view.label == "B" and view.window == "dismissal, 14:00-16:00"
    assert view.radius_m == three.problem.radius_m
    assert list(view.corridor["covered"]) == [bool(x) for x in three.covered]
    first = three.posts.iloc[0]
    credited = view.corridor.set_index("segment_id").loc[first["segments"], "post_id"]
    assert set(credited) == {first["post_id"]}
    assert set(view.posts["hours"]) == {"14:00-16:00"}
    assert list(view.posts["covered_pct"]) == pytest.approx(list(three.posts["covered_pct"]))
    assert view.figures.posts == len(three.posts) and view.figures.gaps == len(three.uncovered)
    # Posts that do not name their window take the plan's.
    unnamed = dataclasses.replace(three, posts=three.posts.assign(window=""))
    assert set(maps.CoverageView.from_plan(unnamed).posts["hours"]) == {"14:00-16:00"}


def test_posts_without_a_corridor(demo: dict[str, Any]) -> None:
    """Posts alone make a view for the officer map and the handouts, not for the planner."""
    view = maps.CoverageView.from_tables(None, demo["posts"], window="dismissal")
    assert len(view.corridor) == 0 and view.figures.posts == len(demo["posts"])
    assert view.window == "dismissal, 14:00-16:00" and not len(view.gaps)
    posts, corridor = maps.posts_and_corridor([view])
    assert posts is not None and list(posts["post_id"]) == list(demo["posts"]["post_id"])
    assert corridor is not None and not len(corridor)
    with pytest.raises(InputError, match="no corridor"):
        maps.planner_map(demo["area"], demo["frame"], view)


def test_sources_credit_osm_metro_and_ladot(demo_area: Any) -> None:
    every = maps.data_sources(demo_area)
    assert every[0].startswith("© OpenStreetMap contributors")
    assert any("LA Metro" in s for s in every) and any("LADOT" in s for s in every)
    only_school = maps.data_sources(demo_area, pd.DataFrame({"dest_id": ["user:x:1"]}))
    assert not any("LA Metro" in s for s in only_school)
    assert any("calles" in s for s in maps.data_sources(demo_area, lang="es"))


def test_officer_map_is_offline_small_and_escaped(demo: dict[str, Any],
                                                  pages: dict[str, Path]) -> None:
    page = pages["officer"]
    text = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 3 * MB
    assert external_references(text) == []
    assert HOSTILE_TEXT not in text and "<img src=x" not in text
    # One SVG path per safe route, coloured by risk; the base network goes on the canvas.
    safest = demo["frame"][demo["frame"]["role"] == "safest"]
    assert len(re.findall(r'"className": "sp-svg sp-route sp-risk-\w+"', text)) == len(safest)
    assert '"preferCanvas": true' in text
    # Coordinates in the page's script are rounded to 6 decimals.
    script = text[text.rfind("</body>"):]
    assert not re.findall(r"-?1\d\d\.\d{7,}|\b3\d\.\d{7,}", script)
    # Controls, layers, the field header, the badge guard and credits.
    for needle in ("SafePassage.Fullscreen", "SafePassage.Locate", "SafePassage.Scale",
                   "L.control.layers", "Transit stops", "approximate",
                   "SafePassage.fieldHeader", "SafePassage.keepBadgesClear",
                   '<header class="sp-field"', '<html lang="en">'):
        assert needle in text, needle
    assert '"units": "imperial"' in text  # feet and miles by default


def test_planner_map_panel(demo: dict[str, Any], pages: dict[str, Path]) -> None:
    text = pages["planner"].read_text(encoding="utf-8")
    assert external_references(text) == []
    assert HOSTILE_TEXT not in text
    panel = text[text.index('<aside class="sp-panel"'):text.index("</aside>")]
    assert "Three &lt;officers&gt;" in panel and "<officers>" not in panel
    three, one = demo["three"], demo["one"]
    # The panel's figures are coverage's own: demand-weighted share, lengths, posts.
    assert f"{three.covered_pct:.1f} %" in panel and f"{one.covered_pct:.1f} %" in panel
    assert three.covered_pct > one.covered_pct > 0
    lengths = (f"{maps.panel.length_text(three.covered_length_m)} of "
               f"{maps.panel.length_text(three.total_length_m)}")
    assert lengths in panel and " mi" in lengths  # feet and miles unless told metric
    view = maps.CoverageView.from_plan(three, label="A")
    assert view.figures.covered_pct == pytest.approx(three.covered_pct)
    # The gaps are coverage's own (coverage.gaps_by_street, with the stretches of
    # plan.uncovered that the command line prints), not a recount by the map.
    by_street = coverage.gaps_by_street(three)
    gaps = view.gaps
    assert list(gaps["name"]) == [n for n, _, _ in by_street]
    assert list(gaps["length_m"]) == pytest.approx([x for _, x, _ in by_street])
    assert sorted(x for xs in gaps["stretches"] for x in xs) == pytest.approx(
        sorted(three.uncovered["length_m"]))
    assert view.figures.gaps == len(three.uncovered)
    listed = re.findall(r'<span class="sp-gap-name">(.*?)</span> <span class="sp-gap-figs">'
                        r"([\d.,]+ (?:ft|mi))", panel)
    first = [(html.escape(n), format_distance(x, "en", "imperial", short=True))
             for n, x, _ in by_street]
    shown = min(len(first), 25)  # the panel lists 25 at most, then "and N more streets"
    assert listed[:shown] == first[:shown]
    streets = len(by_street)
    assert (f"<th scope=\"row\">Gaps</th><td>{len(three.uncovered)} stretches on {streets} "
            "streets</td>") in panel
    # A street with several stretches names each, as the command line does ("500 ft").
    several = gaps[gaps["stretches"].map(len) > 1]
    if len(several):
        g = several.iloc[0]
        feet = [format_distance(x, "en", "imperial", short=True)
                for x in [g["length_m"], *g["stretches"]]]
        assert (f"{feet[0]} in {len(g['stretches'])} stretches ("
                + ", ".join(feet[1:]) + ")") in panel
    assert HOSTILE_ESCAPED in panel  # a gap on the renamed street, escaped
    # Plain words for planners: the time window shown, no optimiser units or segment ids.
    assert "Time window: <strong>dismissal, 14:00-16:00</strong>" in panel
    assert "<title>Planner map: Downtown LA demo (dismissal, 14:00-16:00)</title>" in text
    assert "of the walking demand" in panel
    # Popups are JSON in the page's script, their < > & written as \u003c ...
    plain = text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert "<th>Share of walking demand</th>" in plain
    for jargon in ("demand-metres", "demand 4", "<th>Segment</th>", "<th>Demand</th>",
                   "Streets with gaps"):
        assert jargon not in plain, jargon
    assert not re.search(r"<td>\d+-\d+-\d+</td>", plain)  # no raw segment ids in popups
    # Layer names are escaped too (then JSON-encoded into the script: & is \u0026).
    assert "Three \\u0026lt;officers\\u0026gt;: gaps" in text
    # Plain tables in the shapes the brief describes give the same kind of page.
    tables = pages["planner_tables"].read_text(encoding="utf-8")
    fa = maps.CoverageView.from_tables(demo["corridor"], demo["posts"]).figures
    assert f"{fa.covered_pct:.1f} %" in tables and external_references(tables) == []


def test_officer_map_speaks_plainly_and_joins_far_places(demo: dict[str, Any],
                                                         pages: dict[str, Path]) -> None:
    text = pages["officer"].read_text(encoding="utf-8")
    plain = text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    for jargon in ("demand-metres", "Segments covered", "Demand covered", "<th>Post</th>",
                   "risk per metre", "No mapped street", "user file", "Corridor covered"):
        assert jargon not in plain, jargon
    assert "<th>Share of walking demand</th>" in plain
    assert "<th>Walking routes watched</th>" in plain
    # The demo's school lies ~180 m from the mapped paths: a dotted line joins it to its route.
    assert '"className": "sp-svg sp-gap-line"' in text
    assert "Straight line: the streets there are not on the map" in text
    # Post badges are drawn above every other marker, in a 44-pixel tap target.
    assert '"zIndexOffset": 10000' in text and "iconSize: [44, 44]" in text.replace(
        '"iconSize": [44, 44]', "iconSize: [44, 44]")
    assert ".sp-site-icon svg { background: #fff; border-radius: 50%" in text
    # Phones: long place labels wrap and shrink.
    assert "@media (max-width: 640px)" in text and "white-space: normal; max-width: 8.5rem" in text


def test_route_gaps() -> None:
    site = Point(-118.25595, 34.0506)
    line = shapely.LineString([(-118.2558, 34.0506), (-118.2540, 34.0520)])  # starts ~14 m E
    head, tail = maps.route_gaps(line, site, Point(-118.2540, 34.0540))
    assert head is None  # 14 m: close enough
    assert tail is not None and tail.distance_m == pytest.approx(222, abs=2)
    assert compass_word(tail.bearing) == "north" and tail.latlon()[0] == [34.052, -118.254]
    head, _ = maps.route_gaps(line, Point(-118.2562, 34.0506))  # ~33 m west of the start
    assert head is not None and compass_word(head.bearing, "es") == "este"
    assert maps.route_gaps(None, site, site) == (None, None)
    assert compass_word(315) == "northwest" and compass_word(-44) == "northwest"
    assert maps.time_window_label("dismissal") == "dismissal, 14:00-16:00"
    assert maps.time_window_label("07:15-08:00") == "07:15-08:00"
    assert maps.time_window_label(None) == ""


def test_maps_read_shift_plans(demo: dict[str, Any], tmp_path: Path) -> None:
    shifts = demo["shifts"]
    posts, corridor = maps.posts_and_corridor(maps.shift_views(shifts))
    windows = list(shifts.plans)
    assert len(posts) == sum(len(cp.posts) for cp in shifts.plans.values())
    assert {pid.split("/")[0] for pid in posts["post_id"]} == set(windows)
    assert set(posts["hours"]) == {"07:00-08:30", "14:00-16:00", "18:00-22:00"}
    assert corridor["post_id"].notna().all() and set(corridor["post_id"]) <= set(posts["post_id"])
    places = maps.post_places(posts)
    assert 1 <= len(places) <= len(posts)
    assert sum(len(pl.posts) for pl in places) == len(posts)
    # the numbers are coverage's: one per place over the windows, in window order then by share
    assert [pl.number for pl in places] == list(range(1, len(places) + 1))
    for cp in shifts.plans.values():
        for r in cp.posts.itertuples():
            place = next(pl for pl in places if pl.number == r.post)
            assert place.geometry.distance(Point(r.lon, r.lat)) < 1e-6
    page = maps.write_officer_map(tmp_path / "officer.html", demo["area"], demo["frame"],
                                  maps.shift_views(shifts))
    text = page.read_text(encoding="utf-8")
    # one group of layers per window (the header's switch shows one), each post in its window
    assert text.count('"className": "sp-svg sp-stretch"') == len(posts)
    assert text.count('data-window="') >= len(windows) + len(posts)
    assert "6:00–10:00 PM" in text
    with pytest.raises(InputError, match="shift plan"):
        maps.CoverageView.from_plan(shifts)


def test_write_index_links_everything(tmp_path: Path, pages: dict[str, Path],
                                      demo_area: Any) -> None:
    (tmp_path / "handouts").mkdir()
    handout = tmp_path / "handouts" / "a.en.html"
    handout.write_text("<html></html>", encoding="utf-8")
    index = maps.write_index(
        tmp_path,
        {"Officer map": pages["officer"], f"Handout {HOSTILE}": handout},
        demo_area.site,
        {"routes": 36, "covered": 71.25, HOSTILE: "x"},
    )
    text = index.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert 'href="handouts/a.en.html"' in text
    assert pages["officer"].resolve().as_uri() in text
    assert HOSTILE_TEXT not in text and HOSTILE_ESCAPED in text
    assert "approximate" in text and "OpenStreetMap" in text


def test_failed_write_keeps_the_old_map(tmp_path: Path, demo: dict[str, Any],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "officer_map.html"
    target.write_text("old map", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refuse)
        with pytest.raises(OSError, match="disk full"):
            maps.write_officer_map(target, demo["area"], demo["frame"])
    assert target.read_text(encoding="utf-8") == "old map"
    assert [p.name for p in tmp_path.iterdir()] == ["officer_map.html"]


# ------------------------------------------------------------------------ in Chromium


@pytest.mark.browser
def test_officer_map_in_chromium(chromium: str, demo: dict[str, Any], pages: dict[str, Path],
                                 tmp_path: Path) -> None:
    dom = dump_dom(probed_copy(pages["officer"], tmp_path / "officer.html"), budget_ms=5000)
    body = visible(dom)
    assert attribute(dom, "data-done") == "1", "the page's scripts did not run to the end"
    assert attribute(dom, "data-errors") == ""
    assert attribute(dom, "data-xss") == "0"
    for cls in ("leaflet-map-pane", "leaflet-overlay-pane", "leaflet-marker-pane",
                "leaflet-tooltip-pane", "sp-fullscreen-button", "sp-locate-button",
                "leaflet-control-scale-line", "leaflet-control-layers", "sp-legend"):
        assert cls in body, cls
    assert "<canvas" in body  # the base network
    safest = demo["frame"][demo["frame"]["role"] == "safest"]
    routes = re.findall(r'<path class="sp-svg sp-route sp-risk-\w+ leaflet-interactive"'
                        r'[^>]*\sd="M[^"]+"', body)
    assert len(routes) == len(safest)
    stretches = re.findall(r'<path class="sp-svg sp-stretch[^"]*"[^>]*\sd="M', body)
    assert len(stretches) == len(demo["posts"])
    badges = re.findall(r'<div class="sp-post-badge[^"]*" data-post="(\d+)"', body)
    assert sorted(set(badges)) == [str(i + 1) for i in range(len(demo["posts"]))]
    # The hostile names show as text: the school's label, its tooltip and popup, the post's.
    assert HOSTILE_ESCAPED in body
    assert not re.search(r'<img[^>]*src="x"', body)
    texts = json.loads(attribute(dom, "data-texts"))
    assert sum(HOSTILE_TEXT in t for t in texts) >= 3
    assert any(HOSTILE_POST in t and "14:00-16:00" in t for t in texts)  # post popup
    assert any("S Grand Ave" in t or "W 5th St" in t for t in re.findall(
        r'class="sp-street[^"]*"[^>]*>([^<]*)<', body))


@pytest.mark.browser
def test_planner_map_in_chromium(chromium: str, demo: dict[str, Any], pages: dict[str, Path],
                                 tmp_path: Path) -> None:
    dom = dump_dom(probed_copy(pages["planner"], tmp_path / "planner.html"), budget_ms=5000,
                   window_size=(1400, 900))
    body = visible(dom)
    assert attribute(dom, "data-done") == "1"
    assert attribute(dom, "data-errors") == ""
    assert attribute(dom, "data-xss") == "0"
    assert "leaflet-map-pane" in body and 'class="sp-panel"' in body
    # Plan A's corridor is drawn segment by segment (covered + gaps); plan B's corridor layers
    # start off, its posts show as square badges "B1", ..., with the stretches that change.
    corridor = re.findall(r'<path class="sp-svg sp-corridor (sp-covered|sp-gap) sp-plan-(\w)',
                          body)
    assert len(corridor) == len(demo["three"].problem.segments)
    assert {plan for _, plan in corridor} == {"a"}
    assert {kind for kind, _ in corridor} == {"sp-covered", "sp-gap"}
    b_badges = re.findall(r'<div class="sp-post-badge[^"]*sp-plan-b[^"]*" data-post="(\d+)" '
                          r'data-plan="B"[^>]*>B(\d+)<', body)
    assert b_badges and all(a == b for a, b in b_badges)
    assert len(re.findall(r'<path class="sp-svg sp-change', body)) > 0
    labels = re.findall(r'<span> (.*?)</span>', body)
    assert "Three &lt;officers&gt;: gaps" in labels and "One: gaps" in labels
    assert HOSTILE_ESCAPED in body
