"""Coordinates for pages, and where a route leaves the mapped streets.

Pages get WGS84 ``[lat, lon]`` lists rounded to :data:`COORD_DECIMALS` (about 0.1 m). A route
runs on the street network; the housing site's point and a destination's point can lie away
from it (a campus whose paths are not mapped): :func:`route_gaps` finds those straight
stretches and :func:`add_gap_line` draws them dotted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from ..offline import svg_class_name
from ..utils import bearing_deg, haversine_m
from .styles import static

__all__ = [
    "COORD_DECIMALS",
    "DEST_GAP_M",
    "START_GAP_M",
    "LatLonLines",
    "RouteGap",
    "add_gap_line",
    "bounds_latlon",
    "destination_point",
    "focus_geometry",
    "latlon_parts",
    "metres_between",
    "route_destination_points",
    "route_gaps",
    "safest_routes",
    "to_wgs84",
]

#: Decimal places kept in coordinates written into pages (6 decimals ≈ 0.1 m).
COORD_DECIMALS = 6

#: A destination farther than this (metres) from the end of its route is joined to it by a
#: dashed line, and the handout says how far and which way it is.
DEST_GAP_M = 30.0

#: The site point farther than this (metres) from the first point of a route is joined to it
#: by a dashed line, so the route visibly leaves from the Start symbol.
START_GAP_M = 15.0

#: Lines as folium draws them: ``[[[lat, lon], ...], ...]``.
LatLonLines = list[list[list[float]]]


def to_wgs84(G: nx.MultiDiGraph) -> Transformer:
    """A transformer from the network's projected CRS to WGS84 (x = lon, y = lat)."""
    return Transformer.from_crs(G.graph["crs"], "EPSG:4326", always_xy=True)


def latlon_parts(geom: BaseGeometry | None) -> LatLonLines:
    """The lines of a WGS84 geometry as ``[[lat, lon], ...]`` lists, rounded."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, LineString):
        lines = [geom]
    elif isinstance(geom, MultiLineString):
        lines = list(geom.geoms)
    elif isinstance(geom, shapely.GeometryCollection):
        lines = [g for g in geom.geoms if isinstance(g, LineString)]
    else:
        return []
    out = []
    for line in lines:
        xy = np.round(shapely.get_coordinates(line), COORD_DECIMALS)
        if len(xy) >= 2:
            out.append([[float(y), float(x)] for x, y in xy])
    return out


def focus_geometry(G: nx.MultiDiGraph, geoms: Iterable[BaseGeometry | None]) -> BaseGeometry:
    """WGS84 geometries as one projected geometry in the network's CRS (empty if none)."""
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if not valid:
        return shapely.GeometryCollection()
    series = gpd.GeoSeries(valid, crs="EPSG:4326").to_crs(G.graph["crs"])
    return shapely.union_all(series.to_numpy())


def bounds_latlon(geoms: Iterable[BaseGeometry | None]) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of WGS84 geometries, rounded (None if none)."""
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if not valid:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(valid, dtype=object))
    r = COORD_DECIMALS
    return [[round(float(miny), r), round(float(minx), r)],
            [round(float(maxy), r), round(float(maxx), r)]]


@dataclass(frozen=True)
class RouteGap:
    """A straight stretch with no mapped street: the site to a route, a route to its place.

    Attributes
    ----------
    start, end : shapely.geometry.Point
        WGS84 points (lon, lat), in walking order.
    distance_m : float
        Distance on the ground.
    bearing : float
        Direction from ``start`` to ``end``, degrees clockwise from north.
    """

    start: Point
    end: Point
    distance_m: float
    bearing: float

    def latlon(self) -> list[list[float]]:
        """``[[lat, lon], [lat, lon]]``, rounded, for a folium line."""
        r = COORD_DECIMALS
        return [[round(self.start.y, r), round(self.start.x, r)],
                [round(self.end.y, r), round(self.end.x, r)]]


def metres_between(a: Point, b: Point) -> float:
    """Distance on the ground between two WGS84 points (lon, lat)."""
    return haversine_m(a.y, a.x, b.y, b.x)


def _gap(a: Point, b: Point, more_than_m: float) -> RouteGap | None:
    d = haversine_m(a.y, a.x, b.y, b.x)
    if not math.isfinite(d) or d <= more_than_m:
        return None
    return RouteGap(a, b, d, bearing_deg(a.y, a.x, b.y, b.x))


def route_gaps(
    geometry: BaseGeometry | None,
    start: Point | None = None,
    destination: Point | None = None,
    *,
    start_gap_m: float = START_GAP_M,
    dest_gap_m: float = DEST_GAP_M,
) -> tuple[RouteGap | None, RouteGap | None]:
    """Where a route's line does not reach its Start symbol or its destination's symbol.

    A route runs on the street network; the housing site's point and a destination's point
    can lie away from it (a campus whose paths are not mapped: the demo's Colburn School is
    178 m from the nearest node).

    Parameters
    ----------
    geometry : shapely geometry
        The route, WGS84.
    start : shapely.geometry.Point, optional
        The site point (lon, lat).
    destination : shapely.geometry.Point, optional
        The destination's point (lon, lat).
    start_gap_m, dest_gap_m : float
        Shorter gaps are ignored (see :data:`START_GAP_M`, :data:`DEST_GAP_M`).

    Returns
    -------
    tuple of (RouteGap or None, RouteGap or None)
        From the site to the route's first point, and from the route's last point to the
        destination.
    """
    if geometry is None or geometry.is_empty:
        return None, None
    xy = shapely.get_coordinates(geometry)
    if not len(xy):
        return None, None
    first, last = Point(xy[0]), Point(xy[-1])
    head = _gap(start, first, start_gap_m) if start is not None else None
    tail = _gap(last, destination, dest_gap_m) if destination is not None else None
    return head, tail


def add_gap_line(parent: folium.Map | folium.FeatureGroup, gap: RouteGap, colour: str,
                 *, weight: float = 4.0) -> folium.PolyLine:
    """Draw a :class:`RouteGap` as a dotted line in the route's colour (not interactive)."""
    line = static(folium.PolyLine(gap.latlon(), color=colour, weight=weight, opacity=1.0,
                                  dash_array=f"{max(weight * 0.5, 1):g} {weight * 2.2:g}",
                                  line_cap="round", class_name=svg_class_name("sp-gap-line")))
    parent.add_child(line)
    return line


def destination_point(row: Mapping[str, Any]) -> Point | None:
    """A routes-frame row's destination point (``dest_lon``, ``dest_lat``), None if unknown."""
    lat_value, lon_value = row.get("dest_lat"), row.get("dest_lon")
    if lat_value is None or lon_value is None:
        return None
    try:
        lat, lon = float(lat_value), float(lon_value)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return Point(lon, lat)


def route_destination_points(safest: pd.DataFrame) -> list[Point]:
    """The destination points of the routes-frame rows given (unknown ones left out)."""
    pts = (destination_point(r) for r in safest.to_dict("records"))
    return [pt for pt in pts if pt is not None]


def safest_routes(frame: pd.DataFrame) -> pd.DataFrame:
    """The routes frame's safest routes that have a line to draw."""
    ok = frame[(frame["role"] == "safest") & frame.geometry.notna()]
    return ok[~ok.geometry.is_empty]
