"""Preparing a raw osmnx walking graph into the network every later step expects."""

from __future__ import annotations

import json
import logging
import math
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import osmnx as ox

from ..errors import InputError
from ..utils import clean_name
from .osm import (
    ROAD_CLASSES,
    SAFETY_ATTRS,
    _is_hidden_road,
    clean_value,
    is_walkable,
    mark_data_edges,
)

if TYPE_CHECKING:
    from pyproj import CRS

log = logging.getLogger(__name__)


def _clean_attrs(G: nx.MultiDiGraph) -> None:
    for _, data in G.nodes(data=True):
        for k in [k for k, v in data.items() if k not in ("x", "y") and clean_value(v) is None]:
            del data[k]
    for _, _, data in G.edges(data=True):
        for k in [k for k, v in data.items() if clean_value(v) is None]:
            del data[k]


def _number(value: Any) -> float | None:
    value = clean_value(value)
    if value is None:
        return None
    if isinstance(value, list):
        nums = [n for n in (_number(v) for v in value) if n is not None]
        return max(nums) if nums else None
    text = str(value).strip().lower()
    mph = "mph" in text
    text = text.replace("mph", "").replace("km/h", "").replace("kmh", "").strip()
    try:
        num = float(text.split(";")[0])
    except ValueError:
        return None
    if math.isnan(num):
        return None
    return num * 1.609344 if mph else num


def _truthy(value: Any) -> bool | None:
    value = clean_value(value)
    if value is None:
        return None
    return str(value).strip().lower() in ("true", "yes", "1")


def _first(value: Any) -> Any:
    # Merged edges may carry lists; the safety attributes never differ within an edge, so any
    # element will do, but names and ids keep their first value for display.
    return value[0] if isinstance(value, list) and value else value


def _derive_edge_attrs(G: nx.MultiDiGraph) -> None:
    """Normalise tag values into typed attributes the safety model reads."""
    for _, _, data in G.edges(data=True):
        for key in ("highway", "lit", "service", "footway", "crossing", "surface"):
            if key in data:
                data[key] = _first(data[key])
        # Names are user-edited text: cleaned once here, where they enter, for every output.
        for key in ("name", "street_name"):
            if key in data:
                name = clean_name(data[key])
                if name is None:
                    del data[key]
                else:
                    data[key] = name
        rev = bool(_first(data.get("reversed", False)))
        fwd, bwd = (":backward", ":forward") if rev else (":forward", ":backward")
        control = clean_value(data.get("control_type" + fwd))
        xwalk = clean_value(data.get("xwalk" + fwd))
        cross = _number(data.get("cross_aadt" + fwd))
        start_control = clean_value(data.get("control_type" + bwd))
        if control is not None:
            data["end_control"] = str(control)
        if start_control is not None:
            data["start_control"] = str(start_control)
        if xwalk is not None:
            data["end_xwalk"] = str(xwalk)
        if cross is not None:
            data["end_cross_aadt"] = cross
        aadt = _number(data.get("aadt", data.get("self_aadt")))
        if aadt is not None:
            data["aadt"] = aadt
        else:
            data.pop("aadt", None)
        lanes = _number(data.get("lanes"))
        if lanes is not None:
            data["lanes"] = lanes
        else:
            data.pop("lanes", None)
        speed = _number(data.get("maxspeed"))
        if speed is not None:
            data["maxspeed_kmh"] = speed
        busy = _truthy(data.get("busy"))
        if busy is not None:
            data["busy"] = busy
        else:
            data.pop("busy", None)


def prepare_graph(G: nx.MultiDiGraph, *, to_crs: str | CRS | None = None) -> nx.MultiDiGraph:
    """Turn a raw osmnx walking graph into the network every later step expects.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Unsimplified, unprojected graph from :func:`raw_graph_from_file` or
        :func:`raw_graph_from_overpass`.
    to_crs : str or pyproj.CRS, optional
        Target CRS; default the local UTM zone.

    Returns
    -------
    networkx.MultiDiGraph
        See the module docstring. ``G.graph["dropped"]`` says what was removed.
    """
    G = G.copy()
    _clean_attrs(G)
    mark_data_edges(G)
    G.remove_edges_from(list(nx.selfloop_edges(G, keys=True)))
    non_walk = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not is_walkable(d)]
    _record_hidden_arms(G, non_walk)
    G.remove_edges_from(non_walk)
    G.remove_nodes_from([n for n in list(G) if G.degree(n) == 0])
    if len(G) == 0:
        raise InputError("the network has no walkable streets")
    raw_nodes, raw_edges = len(G), G.number_of_edges()
    if not G.graph.get("simplified"):
        G = ox.simplify_graph(
            G,
            node_attrs_include=["highway", "crossing", "traffic_signals", "hidden_arms"],
            edge_attrs_differ=[a for a in SAFETY_ATTRS],
        )
    n_comp = nx.number_strongly_connected_components(G)
    before_nodes, before_edges = len(G), G.number_of_edges()
    G = ox.truncate.largest_component(G, strongly=True)
    G.graph["dropped"] = {
        "non_walkable_edges": len(non_walk),
        "components": n_comp - 1,
        "nodes": before_nodes - len(G),
        "edges": before_edges - G.number_of_edges(),
    }
    G.graph["raw_size"] = {"nodes": raw_nodes, "edges": raw_edges}
    for _, d in G.nodes(data=True):  # keep WGS84 positions for maps and GPX
        d["lon"], d["lat"] = float(d["x"]), float(d["y"])
    G = ox.project_graph(G, to_crs=to_crs)
    _ensure_geometry(G)
    _derive_edge_attrs(G)
    _name_sidewalks(G)
    return G


#: A footway this close to a named street, and this close to parallel, is its sidewalk.
SIDEWALK_MAX_M, SIDEWALK_MAX_DEG = 25.0, 20.0


def _axes(lines: np.ndarray) -> np.ndarray:
    """Undirected orientation (0-180 degrees) of each line, end to end."""
    import shapely

    a = shapely.get_coordinates(shapely.get_point(lines, 0))
    b = shapely.get_coordinates(shapely.get_point(lines, -1))
    return np.degrees(np.arctan2(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])) % 180.0


def _name_sidewalks(G: nx.MultiDiGraph) -> None:
    import shapely

    roads = [(d["geometry"], str(d["name"])) for _, _, d in G.edges(data=True)
             if d.get("name") and str(d.get("highway")) in ROAD_CLASSES]
    walks = [d for _, _, d in G.edges(data=True)
             if not d.get("name") and str(d.get("highway")) in ("footway", "path", "pedestrian")
             and d["geometry"].length >= 5.0]
    if not roads or not walks:
        return
    road_geoms = np.array([g for g, _ in roads], dtype=object)
    walk_geoms = np.array([d["geometry"] for d in walks], dtype=object)
    mids = shapely.line_interpolate_point(walk_geoms, 0.5, normalized=True)
    wi, ri = shapely.STRtree(road_geoms).query(mids, predicate="dwithin",
                                               distance=SIDEWALK_MAX_M)
    diff = np.abs(_axes(road_geoms)[ri] - _axes(walk_geoms)[wi]) % 180.0
    parallel = np.minimum(diff, 180.0 - diff) <= SIDEWALK_MAX_DEG
    wi, ri = wi[parallel], ri[parallel]
    dist = shapely.distance(road_geoms[ri], mids[wi])
    # nearest parallel street per footway: sort by (footway, distance), keep the first
    order = np.lexsort((dist, wi))
    wi, ri = wi[order], ri[order]
    first = np.concatenate([[True], wi[1:] != wi[:-1]]) if len(wi) else np.zeros(0, bool)
    for w, r in zip(wi[first].tolist(), ri[first].tolist(), strict=True):
        walks[w]["street_name"] = roads[r][1]


def _record_hidden_arms(G: nx.MultiDiGraph, hidden: list[tuple[Any, Any, Any]]) -> None:
    """Note, on walkable nodes, the roads through them that nobody may walk along.

    Stored as the JSON node attribute ``hidden_arms``: a list of
    ``{"bearing", "highway", "name", "aadt", "lanes", "maxspeed", "control", "xwalk"}`` with
    the bearing from the node along the road. The crossing model treats them like any road arm.
    """
    walkable_nodes = {
        n for u, v, d in G.edges(data=True) if is_walkable(d) for n in (u, v)
    }
    arms: dict[Any, list[dict[str, Any]]] = {}
    for u, v, k in hidden:
        if u not in walkable_nodes:
            continue
        d = G.edges[u, v, k]
        if not _is_hidden_road(d):
            continue
        geom = d.get("geometry")
        if geom is not None:
            (x0, y0), (x1, y1) = geom.coords[0], geom.coords[1]
        else:
            x0, y0 = G.nodes[u]["x"], G.nodes[u]["y"]
            x1, y1 = G.nodes[v]["x"], G.nodes[v]["y"]
        bearing = float(ox.bearing.calculate_bearing(y0, x0, y1, x1))
        # What traffic approaching u along this road meets at u: the reverse edge's end.
        rev = bool(_first(d.get("reversed", False)))
        bwd = ":forward" if rev else ":backward"
        arms.setdefault(u, []).append({
            "bearing": round(bearing, 1),
            "highway": str(_first(d.get("highway"))),
            "name": clean_name(d.get("name")),
            "aadt": _number(d.get("aadt", d.get("self_aadt"))),
            "lanes": _number(d.get("lanes")),
            "maxspeed": _number(d.get("maxspeed")),
            "control": clean_value(d.get("control_type" + bwd)),
            "xwalk": clean_value(d.get("xwalk" + bwd)),
            "busy": _truthy(d.get("busy")),
        })
    for n, a in arms.items():
        # Both directions of a two-way road give the same arm; keep one per bearing.
        unique = {(x["bearing"], x["highway"], x["name"]): x for x in a}
        G.nodes[n]["hidden_arms"] = json.dumps(list(unique.values()), sort_keys=True)


def _ensure_geometry(G: nx.MultiDiGraph) -> None:
    from shapely.geometry import LineString

    for u, v, data in G.edges(data=True):
        if "geometry" not in data:
            data["geometry"] = LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            )


def graph_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Size, what was dropped, and where it came from: for logs and ``plan.json``."""
    return {
        "nodes": len(G),
        "edges": G.number_of_edges(),
        "length_km": round(sum(d["length"] for *_, d in G.edges(data=True)) / 2000.0, 2),
        "crs": str(G.graph.get("crs")),
        "dropped": G.graph.get("dropped", {}),
        "provenance": G.graph.get("provenance", {}),
    }


# ---------------------------------------------------------------------------------------------
# Cache


