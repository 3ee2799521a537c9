"""The field officer's map: safe routes by risk, posts and their stretches, destinations.

Made for a phone: the routes coloured by their risk per metre, the officer posts with the
corridor stretch each covers and their hours in popups, destinations as symbols by kind, the
site with its "approximate" note, a legend, the layer switcher, full screen, scale and
"locate me"; all offline (:func:`safepassage.offline.offline_map`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ..beats import BeatPlan
from ..offline import bind_tooltip, offline_map, svg_class_name, write_html
from ..source import Area
from .basemap import add_base_network
from .beats import add_beat_layers, beats_legend_rows
from .geometry import (
    RouteGap,
    add_gap_line,
    bounds_latlon,
    destination_point,
    focus_geometry,
    latlon_parts,
    route_destination_points,
    route_gaps,
    safest_routes,
)
from .legend import LegendSection, add_legend, legend_kinds
from .places import add_destinations, add_site, approximate_note, data_sources
from .posts import add_posts
from .streets import add_street_labels, street_labels
from .styles import (
    RISK_CLASSES,
    add_map_css,
    legend_symbol,
    line_swatch,
    post_badge_html,
    post_colour,
    risk_class,
    site_symbol_html,
)
from .view import CoverageView, posts_and_corridor

__all__ = ["officer_map", "write_officer_map"]


def _add_shortest(m: folium.Map, frame: pd.DataFrame, show: bool) -> None:
    """The shortest routes, dashed grey, as one layer (for comparison)."""
    shortest = frame[(frame["role"] == "shortest") & frame.geometry.notna()]
    if not len(shortest):
        return
    group = folium.FeatureGroup(name="Shortest routes (for comparison)", show=show)
    for row in shortest.to_dict("records"):
        parts = latlon_parts(row["geometry"])
        if parts:
            line = folium.PolyLine(parts, color="#666666", weight=3, opacity=0.8,
                                   dash_array="6 6", class_name=svg_class_name("sp-shortest"))
            bind_tooltip(line, f"Shortest route to {row.get('destination')}")
            group.add_child(line)
    group.add_to(m)


def _add_safe_routes(m: folium.Map, safest: pd.DataFrame, site_pt: Point) -> list[RouteGap]:
    """The safe routes coloured by risk (riskier on top), and where they leave the streets."""
    routes = folium.FeatureGroup(name="Safe routes (colour = risk)")
    records = safest.to_dict("records")
    classes = [risk_class(r.get("route_risk", 0.0), r.get("route_length_m", 0.0))
               for r in records]
    order = sorted(range(len(records)), key=lambda i: RISK_CLASSES.index(classes[i]))
    gaps: list[RouteGap] = []
    starts: set[tuple[float, float]] = set()  # one line from the site to each route start
    for i in order:  # riskier routes last, on top
        row, cls = records[i], classes[i]
        parts = latlon_parts(row["geometry"])
        if not parts:
            continue
        line = folium.PolyLine(parts, color=cls.colour, weight=5, opacity=0.9,
                               class_name=svg_class_name("sp-route", f"sp-risk-{cls.key}"))
        length = float(row.get("route_length_m") or 0.0)
        bind_tooltip(line, f"Safe route to {row.get('destination')}: {length:,.0f} m, "
                           f"{cls.label_en.lower()} risk")
        routes.add_child(line)
        # Where the route line does not reach the Start symbol or its destination (a campus
        # whose paths are not mapped), a dotted line in the route's colour joins them.
        head, tail = route_gaps(row["geometry"], site_pt, destination_point(row))
        if head is not None and (round(head.end.y, 5), round(head.end.x, 5)) not in starts:
            starts.add((round(head.end.y, 5), round(head.end.x, 5)))
            gaps.append(head)
            add_gap_line(routes, head, cls.colour, weight=4)
        if tail is not None:
            gaps.append(tail)
            add_gap_line(routes, tail, cls.colour, weight=4)
    routes.add_to(m)
    return gaps


def _legend_sections(kinds: Sequence[str], *, gaps: bool, posts: bool) -> list[LegendSection]:
    """The officer map's legend: route risk, posts, places, base map."""
    risk: list[tuple[str, str]] = [(line_swatch(c.colour, 5), c.label_en) for c in RISK_CLASSES]
    if gaps:
        risk.append((line_swatch("#555555", 3, dashed=True), "No mapped street (straight line)"))
    sections: list[LegendSection] = [("Safe routes: risk per metre", risk)]
    if posts:
        sections.append(("Officer posts", [
            (legend_symbol(post_badge_html("1", post_colour(0))), "Post (tap for hours)"),
            (line_swatch(post_colour(0), 10), "Stretch the post covers"),
        ]))
    sections.append(("Places", [(legend_symbol(site_symbol_html(18)), "Housing site"),
                                *legend_kinds(kinds)]))
    sections.append(("Base map", [(line_swatch("#9a9a9a", 3.5), "Main street"),
                                  (line_swatch("#c4c4c4", 1.5), "Footway or sidewalk")]))
    return sections


def officer_map(
    area: Area,
    frame: gpd.GeoDataFrame,
    views: Sequence[CoverageView] = (),
    *,
    title: str | None = None,
    online_tiles: bool = True,
    show_shortest: bool = False,
    beats: Sequence[BeatPlan] = (),
) -> folium.Map:
    """The field officer's map: safe routes by risk, posts and their stretches, destinations.

    Parameters
    ----------
    area : Area
        The loaded area (network, site, destinations).
    frame : geopandas.GeoDataFrame
        :func:`safepassage.pipeline.routes_frame` (WGS84, one row per route).
    views : sequence of CoverageView, optional
        The officer plans whose posts are shown (:func:`~safepassage.maps.view.shift_views`
        for every window of a shift plan): each post with the corridor it is credited with,
        drawn under the routes in the post's colour.
    title : str, optional
        Page title (plain text); "Officer map: <site>" by default.
    online_tiles : bool, default True
        Offer OpenStreetMap's tiles as an optional layer (off until switched on).
    show_shortest : bool, default False
        Show the shortest routes (dashed grey) when the page opens; they are in the layer
        switcher either way.
    beats : sequence of BeatPlan, optional
        Walking beats (every window's): a layer per beat, with arrows in the walking
        direction and its start ringed (:func:`~safepassage.maps.beats.add_beat_layers`).

    Returns
    -------
    folium.Map
        Write it with :func:`write_officer_map` or :func:`safepassage.offline.write_html`.
    """
    site = area.site
    title = title or f"Officer map: {site.name}"
    m = offline_map((site.lat, site.lon), 16, title=title, online_tiles=online_tiles,
                    zoom_snap=0.25)
    add_map_css(m)
    add_base_network(m, area.G)
    safest = safest_routes(frame)
    focus = focus_geometry(area.G, [*safest.geometry, Point(site.lon, site.lat)])
    labels = folium.FeatureGroup(name="Street names", show=True)
    add_street_labels(labels, street_labels(area.G, focus))
    labels.add_to(m)

    site_pt = Point(site.lon, site.lat)
    view = [*safest.geometry, site_pt, *route_destination_points(safest)]
    bounds_all = bounds_latlon(view)
    middle_lon = None if bounds_all is None else (bounds_all[0][1] + bounds_all[1][1]) / 2.0

    p, c = posts_and_corridor(views)
    if p is not None:
        stretches = folium.FeatureGroup(name="Officer posts and the stretch each covers")
        add_posts(stretches, p, c, start=site_pt)
        stretches.add_to(m)

    _add_shortest(m, frame, show_shortest)
    gaps = _add_safe_routes(m, safest, site_pt)
    add_beat_layers(m, beats, views)
    kinds = add_destinations(m, area, middle_lon=middle_lon)
    site_group = folium.FeatureGroup(name="Housing site")
    add_site(site_group, area, middle_lon)
    site_group.add_to(m)

    note = approximate_note(area)
    credits = "; ".join(data_sources(area))
    sections = _legend_sections(kinds, gaps=bool(gaps), posts=p is not None)
    sections.insert(1 + (p is not None), ("Walking beats", beats_legend_rows(beats)))
    add_legend(m, sections, title="Legend", note=(note + " " if note else "") + "Data: " + credits)
    m.add_child(folium.LayerControl(collapsed=True), name="safepassage_layers")
    # The first view: the routes, the site, the places they lead to and the posts; labels
    # face the middle of it, so they stay on screen.
    bounds = bounds_latlon([*view, *([] if p is None else list(p.geometry))])
    if bounds:
        m.fit_bounds(bounds, padding=(24, 24))
    return m


def write_officer_map(
    path: str | Path,
    area: Area,
    frame: gpd.GeoDataFrame,
    views: Sequence[CoverageView] = (),
    *,
    title: str | None = None,
    online_tiles: bool = True,
    show_shortest: bool = False,
    beats: Sequence[BeatPlan] = (),
) -> Path:
    """Write the officer map atomically (see :func:`officer_map` for the parameters).

    Returns
    -------
    Path
        The file written.
    """
    m = officer_map(area, frame, views, title=title, online_tiles=online_tiles,
                    show_shortest=show_shortest, beats=beats)
    return write_html(m, path)
