"""A handout's map: the route on the street network, its ends, and the posts along it.

Drawn in SVG (crisp on paper) with no controls but a north arrow and a scale bar in the
handout's language and units: the base network around the route in light grey, the streets it
walks labelled first, the route as the darkest and widest line on a white casing (it stays the
route printed in black and white), dotted lines where it misses the Start or the destination,
the Start and destination symbols with their labels, and the posts near the route with the
numbers every page gives them. The browser keeps every label off the post badges
(:func:`safepassage.offline.keep_badges_clear`) before the page is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from ..maps import (
    PostPlace,
    RouteGap,
    add_base_network,
    add_gap_line,
    add_map_css,
    add_street_labels,
    kind_symbol_html,
    latlon_parts,
    post_badge_html,
    post_places,
    site_symbol_html,
    static,
    street_labels,
    unique_edges,
)
from ..maps.styles import PRINT_BASE_STYLES
from ..offline import (
    add_label,
    add_north_arrow,
    add_scale,
    fit_print_page,
    keep_badges_clear,
    offline_map,
    set_page_lang,
    svg_class_name,
)
from ..source import Area
from ..utils import edge_name
from .content import ROUTE_CASING, ROUTE_COLOUR, ROUTE_WIDTH, destination_name
from .layout import MAP_HEIGHT, MAP_MIN_HEIGHT_IN, MAP_WIDTH, PAGE_IN
from .strings import STRINGS

__all__ = [
    "MAP_MARGIN_M",
    "POST_NEAR_ROUTE_M",
    "handout_map",
    "places_on_route",
    "projected_route",
    "route_street_names",
]

#: A post counts as "on the route" within this many metres of it.
POST_NEAR_ROUTE_M = 100.0

#: How far around the route the base network is drawn (metres).
MAP_MARGIN_M = 350.0


def projected_route(area: Area, row: pd.Series) -> BaseGeometry:
    """A routes-frame row's line in the network's projected CRS."""
    return gpd.GeoSeries([row["geometry"]], crs="EPSG:4326").to_crs(area.G.graph["crs"]).iloc[0]


def route_street_names(area: Area, route: BaseGeometry) -> list[str]:
    """Names of the streets the (projected) route walks, most walked first, to label them."""
    near = route.buffer(3.0)
    shapely.prepare(near)
    names: dict[str, float] = {}
    for _, _, data in unique_edges(area.G):
        name = edge_name(data)
        if name is None:
            continue
        geom = data.get("geometry")
        if geom is None or not near.intersects(geom):
            continue
        names[name] = names.get(name, 0.0) + float(geom.intersection(near).length)
    return [n for n, _ in sorted(names.items(), key=lambda kv: -kv[1])]


def places_on_route(posts: gpd.GeoDataFrame | None, area: Area, route: BaseGeometry
                    ) -> list[PostPlace]:
    """Places with officer posts within :data:`POST_NEAR_ROUTE_M` of the (projected) route."""
    places = post_places(posts)
    if not places:
        return []
    pts = gpd.GeoSeries([pl.geometry for pl in places], crs="EPSG:4326").to_crs(
        area.G.graph["crs"])
    return [pl for pl, pt in zip(places, pts, strict=True)
            if pt.distance(route) <= POST_NEAR_ROUTE_M]


def _add_route(m: folium.Map, route_wgs: BaseGeometry,
               gaps: Sequence[RouteGap | None]) -> None:
    """The route on a white casing, and dotted lines where it misses its ends."""
    parts = latlon_parts(route_wgs)
    static(folium.PolyLine(parts, color="#ffffff", weight=ROUTE_CASING, opacity=1.0,
                           line_join="round", line_cap="round",
                           class_name=svg_class_name("sp-route-casing"))).add_to(m)
    static(folium.PolyLine(parts, color=ROUTE_COLOUR, weight=ROUTE_WIDTH, opacity=1.0,
                           line_join="round", line_cap="round",
                           class_name=svg_class_name("sp-route"))).add_to(m)
    # Where the route line does not reach the Start or the destination's symbol (paths of a
    # campus that are not mapped), a dotted line in the route's colour joins them.
    for gap in gaps:
        if gap is not None:
            add_gap_line(m, gap, ROUTE_COLOUR, weight=5)


def _add_ends(m: folium.Map, area: Area, row: pd.Series, dest_pt: Point | None,
              middle_lon: float, lang: str) -> None:
    """Start (the site) and the destination, labelled towards the middle of the map."""
    site = area.site

    def side(lon: float) -> dict[str, Any]:
        right = lon <= middle_lon
        return {"direction": "right" if right else "left", "offset": [14 if right else -14, 0]}

    # The Start symbol is drawn above post badges (a post at the site's corner would hide it).
    folium.Marker((site.lat, site.lon), icon=folium.DivIcon(
        html=site_symbol_html(), icon_size=(26, 26), icon_anchor=(13, 13),
        class_name="sp-site-icon"), interactive=False, z_index_offset=1000).add_to(m)
    add_label(m, (site.lat, site.lon), f"{STRINGS[lang]['start_label']}: {site.name}",
              class_name="sp-label sp-start-label", **side(site.lon))
    if dest_pt is not None:
        kind = str(row.get("kind") or "other")
        folium.Marker((dest_pt.y, dest_pt.x), icon=folium.DivIcon(
            html=kind_symbol_html(kind, 26), icon_size=(26, 26), icon_anchor=(13, 13),
            class_name="sp-kind-icon"), interactive=False, z_index_offset=500).add_to(m)
        add_label(m, (dest_pt.y, dest_pt.x), destination_name(row, lang),
                  class_name="sp-label sp-dest-label", **side(dest_pt.x))


def _add_badges(m: folium.Map, near: Sequence[PostPlace]) -> None:
    """The posts' badges, with the numbers and colours every page gives them, above all else."""
    for place in near:
        geom = place.geometry
        folium.Marker((round(geom.y, 6), round(geom.x, 6)), icon=folium.DivIcon(
            html=post_badge_html(place.number, place.colour), icon_size=(32, 32),
            icon_anchor=(16, 16), class_name="sp-post-icon"),
            interactive=False, z_index_offset=10000).add_to(m)


def handout_map(area: Area, row: pd.Series, near: Sequence[PostPlace], lang: str,
                title: str, gaps: Sequence[RouteGap | None], height: str = MAP_HEIGHT,
                units: str = "imperial") -> folium.Map:
    """The handout's map.

    Parameters
    ----------
    area : Area
        The loaded area.
    row : pandas.Series
        The safest-route row (WGS84 ``geometry``, ``dest_lat``/``dest_lon``, ``kind``,
        ``destination``).
    near : sequence of PostPlace
        The places with posts along the route, in the order they are numbered.
    lang : {"en", "es"}
        Language of the Start label.
    title : str
        The page title.
    gaps : sequence of RouteGap or None
        Where the route line misses the Start or the destination.
    height : str, default :data:`~safepassage.handouts.layout.MAP_HEIGHT`
        CSS height on paper.
    units : {"imperial", "metric"}, default "imperial"
        The scale bar's units.

    Returns
    -------
    folium.Map
    """
    site = area.site
    route_wgs = row["geometry"]
    route = projected_route(area, row)
    m = offline_map((site.lat, site.lon), 16, title=title, online_tiles=False, controls=False,
                    prefer_canvas=False, data_attribution=None, attribution_control=False,
                    width=MAP_WIDTH, height=height, zoom_snap=0.25)
    set_page_lang(m, lang)
    add_scale(m, "bottomleft", units=units, lang=lang)
    add_north_arrow(m, "topright", lang=lang)
    add_map_css(m)
    dest_pt = Point(float(row["dest_lon"]), float(row["dest_lat"])) if pd.notna(
        row.get("dest_lat")) else None
    site_pt = Point(site.lon, site.lat)
    extra = [site_pt, *([dest_pt] if dest_pt is not None else [])]
    extra += [place.geometry for place in near]
    minx_lon, miny_lat, maxx_lon, maxy_lat = shapely.union_all([route_wgs, *extra]).bounds
    extra_proj = gpd.GeoSeries(extra, crs="EPSG:4326").to_crs(area.G.graph["crs"])
    minx, miny, maxx, maxy = shapely.union_all([route, *extra_proj]).bounds
    clip = shapely.box(minx, miny, maxx, maxy).buffer(MAP_MARGIN_M, join_style="mitre")
    add_base_network(m, area.G, clip=clip, svg=True, styles=PRINT_BASE_STYLES)
    labels = street_labels(area.G, route, buffer_m=160.0, max_labels=14, min_spacing_m=140.0,
                           min_length_m=50.0, prefer=route_street_names(area, route))
    add_street_labels(m, labels)
    _add_route(m, route_wgs, gaps)
    _add_ends(m, area, row, dest_pt, (minx_lon + maxx_lon) / 2.0, lang)
    _add_badges(m, near)
    keep_badges_clear(m)
    bounds = [[round(miny_lat, 6), round(minx_lon, 6)], [round(maxy_lat, 6), round(maxx_lon, 6)]]
    m.fit_bounds(bounds, padding=(40, 40))
    fit_print_page(m, bounds, page_in=PAGE_IN, min_in=MAP_MIN_HEIGHT_IN,
                   max_in=float(MAP_HEIGHT.removesuffix("in")), padding=(40, 40))
    return m
