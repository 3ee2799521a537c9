"""The base map: the area's own walking network, drawn instead of map tiles.

Streets are thin grey lines in three groups (footways, streets, main roads), each street once,
simplified (:data:`SIMPLIFY_M`) and rounded to :data:`~safepassage.maps.geometry.COORD_DECIMALS`
decimals; on a canvas map the whole network is three layers however many streets it has.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from ..offline import svg_class_name
from .geometry import LatLonLines, latlon_parts
from .styles import BASE_STYLES, static

__all__ = [
    "SIMPLIFY_M",
    "EdgeData",
    "add_base_network",
    "base_network_lines",
    "edge_geometry",
    "edge_highway",
    "unique_edges",
]

#: Tolerance (metres) of the base network's simplification.
SIMPLIFY_M = 1.0

#: An edge's attributes, as networkx gives them.
EdgeData = dict[str, Any]

_HIGHWAY_GROUPS: dict[str, str] = {
    **{h: "major" for h in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    **{f"{h}_link": "major" for h in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    **{h: "street" for h in ("unclassified", "residential", "living_street", "pedestrian",
                             "service", "road", "busway")},
}



def unique_edges(G: nx.MultiDiGraph) -> Iterator[tuple[Hashable, Hashable, EdgeData]]:
    """Each street once (both directions of a way are one line)."""
    seen: set[tuple[Hashable, Hashable, float]] = set()
    for u, v, data in G.edges(data=True):
        a, b = (u, v) if str(u) <= str(v) else (v, u)
        key = (a, b, round(float(data.get("length", 0.0)), 1))
        if key in seen:
            continue
        seen.add(key)
        yield u, v, data


def edge_geometry(G: nx.MultiDiGraph, u: Hashable, v: Hashable,
                  data: Mapping[str, Any]) -> LineString:
    """An edge's (projected) line: its ``geometry``, else straight between its nodes."""
    geom = data.get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def edge_highway(data: Mapping[str, Any]) -> str | None:
    """An edge's ``highway`` class (the first of a list), None if it has none."""
    highway = data.get("highway")
    if isinstance(highway, list):
        highway = highway[0] if highway else None
    return highway


def base_network_lines(
    G: nx.MultiDiGraph,
    *,
    clip: BaseGeometry | None = None,
    tolerance_m: float = SIMPLIFY_M,
) -> dict[str, LatLonLines]:
    """The walking network as simplified WGS84 lines, grouped for drawing.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared (projected) network.
    clip : shapely geometry, optional
        Keep only what lies inside this area (in the network's projected CRS).
    tolerance_m : float, default :data:`SIMPLIFY_M`
        Douglas-Peucker tolerance in metres.

    Returns
    -------
    dict
        ``{"path" | "street" | "major": [[[lat, lon], ...], ...]}``, coordinates rounded to
        :data:`~safepassage.maps.geometry.COORD_DECIMALS` decimals.
    """
    groups: dict[str, list[LineString]] = {"path": [], "street": [], "major": []}
    if clip is not None:
        shapely.prepare(clip)
    for u, v, data in unique_edges(G):
        geom = edge_geometry(G, u, v, data)
        if clip is not None and not clip.intersects(geom):
            continue
        groups[_HIGHWAY_GROUPS.get(str(edge_highway(data)), "path")].append(geom)
    out: dict[str, LatLonLines] = {}
    crs = G.graph["crs"]
    for key, lines in groups.items():
        if not lines:
            out[key] = []
            continue
        series = gpd.GeoSeries(lines, crs=crs)
        if tolerance_m > 0:
            series = series.simplify(tolerance_m, preserve_topology=False)
        series = series.to_crs("EPSG:4326")
        parts: LatLonLines = []
        for geom in series:
            parts.extend(latlon_parts(geom))
        out[key] = parts
    return out


def add_base_network(
    parent: folium.Map | folium.FeatureGroup,
    G: nx.MultiDiGraph,
    *,
    clip: BaseGeometry | None = None,
    tolerance_m: float = SIMPLIFY_M,
    svg: bool = False,
    styles: Mapping[str, Mapping[str, str | float]] = BASE_STYLES,
) -> list[folium.PolyLine]:
    """Draw the street network as thin grey lines (one multi-line per street class).

    On a map that prefers canvas (the default of :func:`~safepassage.offline.offline_map`) the
    network goes on the canvas: three layers, however many streets. With ``svg`` the lines are
    SVG paths (crisp when printed).

    Parameters
    ----------
    parent : folium.Map or folium.FeatureGroup
        Where to draw.
    G : networkx.MultiDiGraph
        Prepared network.
    clip : shapely geometry, optional
        Projected area to keep (see :func:`base_network_lines`).
    tolerance_m : float
        Simplification tolerance in metres.
    svg : bool, default False
        Draw with SVG instead of the canvas.
    styles : mapping, default :data:`~safepassage.maps.styles.BASE_STYLES`
        Colour, width and opacity of each street class ("path", "street", "major"); handouts
        use the lighter :data:`~safepassage.maps.styles.PRINT_BASE_STYLES`.

    Returns
    -------
    list of folium.PolyLine
        The layers drawn.
    """
    lines = base_network_lines(G, clip=clip, tolerance_m=tolerance_m)
    layers = []
    for key in ("path", "street", "major"):
        if not lines.get(key):
            continue
        opts = dict(styles[key])
        if svg:
            opts["class_name"] = svg_class_name("sp-base", f"sp-base-{key}")
        layer = static(folium.PolyLine(lines[key], smooth_factor=1.0, **opts))
        parent.add_child(layer)
        layers.append(layer)
    return layers
