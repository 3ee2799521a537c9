"""The field officer's map: where to stand, when, and the safe routes each post watches.

Made for a phone: a slim header (site, time window and hours, when the plan was made, how old
the street data is) with the list of posts that centres the map on the one tapped
(:mod:`~safepassage.maps.field`); with several time windows, a switch shows one window's posts
and routes at a time. The routes are coloured by their risk, each post is a numbered badge
(the number every page and ``posts.geojson`` use) with the stretch it watches and its hours;
destinations as symbols by kind, the site with its "approximate" note, street names that
follow the zoom, a legend, full screen, scale and "locate me"; all offline
(:func:`safepassage.offline.offline_map`). The browser keeps every label and symbol off the
badges at every zoom (:func:`safepassage.offline.keep_badges_clear`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeAlias, TypedDict, Unpack

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ..beats import BeatPlan
from ..offline import (
    add_scale,
    bind_tooltip,
    keep_badges_clear,
    offline_map,
    svg_class_name,
    write_html,
)
from ..source import Area
from ..utils import check_units, format_distance
from .basemap import add_base_network
from .beats import add_beat_layers, beats_legend_rows
from .field import FieldWindow, add_field_header, data_date, data_downloaded
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
from .posts import PostPlace, add_posts, post_places
from .streets import add_street_labels, post_street_labels, street_labels
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
from .view import CoverageView

__all__ = ["OfficerMapOptions", "officer_map", "write_officer_map"]


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


def _add_safe_routes(group: folium.FeatureGroup, safest: pd.DataFrame, site_pt: Point,
                     units: str) -> list[RouteGap]:
    """The safe routes coloured by risk (riskier on top), and where they leave the streets."""
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
        length = format_distance(float(row.get("route_length_m") or 0.0), "en", units)
        bind_tooltip(line, f"Safe route to {row.get('destination')}: {length}, "
                           f"{cls.label_en.lower()} risk")
        group.add_child(line)
        # Where the route line does not reach the Start symbol or its destination (a campus
        # whose paths are not mapped), a dotted line in the route's colour joins them.
        head, tail = route_gaps(row["geometry"], site_pt, destination_point(row))
        if head is not None and (round(head.end.y, 5), round(head.end.x, 5)) not in starts:
            starts.add((round(head.end.y, 5), round(head.end.x, 5)))
            gaps.append(head)
            add_gap_line(group, head, cls.colour, weight=4)
        if tail is not None:
            gaps.append(tail)
            add_gap_line(group, tail, cls.colour, weight=4)
    return gaps


def _legend_sections(kinds: Sequence[str], *, gaps: bool, posts: bool) -> list[LegendSection]:
    """The officer map's legend, in plain words: route risk, posts, places, base map."""
    risk: list[tuple[str, str]] = [(line_swatch(c.colour, 5), f"{c.label_en} risk")
                                   for c in RISK_CLASSES]
    if gaps:
        risk.append((line_swatch("#555555", 3, dashed=True),
                     "Straight line: the streets there are not on the map"))
    sections: list[LegendSection] = [("Safe walking routes, by risk along the way", risk)]
    if posts:
        sections.append(("Officer posts", [
            (legend_symbol(post_badge_html("1", post_colour(0), sample=True)),
             "Post and its number (tap for hours)"),
            (line_swatch(post_colour(0), 10), "Stretch the post watches"),
        ]))
    sections.append(("Places", [(legend_symbol(site_symbol_html(18)), "Housing site"),
                                *legend_kinds(kinds)]))
    sections.append(("Base map", [(line_swatch("#9a9a9a", 3.5), "Main street"),
                                  (line_swatch("#c4c4c4", 1.5), "Footway or sidewalk")]))
    return sections


def _window_key(view: CoverageView, several: bool) -> str:
    """The window a view is for: its posts' window, else its label."""
    if view.posts is not None and len(view.posts):
        windows = [str(w) for w in view.posts["window"] if str(w)]
        if windows:
            return windows[0]
    return view.label if several else ""


#: The routes an officer map draws: one routes frame, or each window's by window name.
Frames: TypeAlias = gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame]


def _frame_for(key: str, frames: Frames) -> gpd.GeoDataFrame:
    """A window's routes (the first window's where it has none of its own)."""
    if isinstance(frames, gpd.GeoDataFrame):
        return frames
    return frames[key] if key in frames else next(iter(frames.values()))


def _add_windows(m: folium.Map, area: Area, frames: Frames, views: Sequence[CoverageView],
                 units: str) -> tuple[list[FieldWindow], list[RouteGap]]:
    """One group of layers per time window: its safe routes, posts and the stretches watched.

    Without views, one group of the routes alone.
    """
    site_pt = Point(area.site.lon, area.site.lat)
    several = len(views) > 1
    windows: list[FieldWindow] = []
    gaps: list[RouteGap] = []
    todo: Sequence[CoverageView | None] = views or [None]
    for view in todo:
        key = _window_key(view, several) if view is not None else ""
        label = key.replace("_", " ") if key else ""
        group = folium.FeatureGroup(
            name=f"Safe routes and posts, {label}" if label else "Safe routes and officer posts",
            control=False)
        gaps += _add_safe_routes(group, safest_routes(_frame_for(key, frames)), site_pt, units)
        places: list[PostPlace] = []
        if view is not None and view.posts is not None:
            places = add_posts(group, view.posts, view.corridor, units=units)
        group.add_to(m)
        windows.append(FieldWindow(key, places, group))
    return windows, gaps


def officer_map(
    area: Area,
    frame: Frames,
    views: Sequence[CoverageView] = (),
    *,
    title: str | None = None,
    show_shortest: bool = False,
    units: str = "imperial",
    made_on: dt.date | None = None,
    beats: Sequence[BeatPlan] = (),
) -> folium.Map:
    """The field officer's map: where to stand and when, and the safe routes each post watches.

    Parameters
    ----------
    area : Area
        The loaded area (network, site, destinations).
    frame : geopandas.GeoDataFrame or mapping of str to geopandas.GeoDataFrame
        :func:`safepassage.pipeline.routes_frame` (WGS84, one row per route), or each time
        window's own (routes change with a window's light and incidents) by window name, the
        first window's standing in for a window not given.
    views : sequence of CoverageView, optional
        The officer plans whose posts are shown (:func:`~safepassage.maps.view.shift_views`
        for every window of a shift plan): each post with the corridor it is credited with,
        drawn under the routes in the post's colour. With several, a switch shows one
        window's at a time.
    title : str, optional
        Page title (plain text); "Officer map: <site>" by default.
    show_shortest : bool, default False
        Show the shortest routes (dashed grey) when the page opens; they are in the layer
        switcher either way.
    units : {"imperial", "metric"}, default "imperial"
        Feet and miles, or metres and kilometres, in the scale bar, tooltips and popups.
    made_on : datetime.date, optional
        When the plan was made (today by default), said in the header.
    beats : sequence of BeatPlan, optional
        Walking beats (every window's): a layer per beat, with arrows in the walking
        direction and its start ringed (:func:`~safepassage.maps.beats.add_beat_layers`).

    OpenStreetMap's tiles are offered as an optional layer, off until switched on.

    Returns
    -------
    folium.Map
        Write it with :func:`write_officer_map` or :func:`safepassage.offline.write_html`.
    """
    units = check_units(units)
    site = area.site
    title = title or f"Officer map: {site.name}"
    m = offline_map((site.lat, site.lon), 16, title=title, zoom_snap=0.25)
    add_scale(m, units=units)
    add_map_css(m)
    add_base_network(m, area.G)
    first = _frame_for("", frame)
    safest = safest_routes(first)
    focus = focus_geometry(area.G, [*safest.geometry, Point(site.lon, site.lat)])
    post_points = [(pl.geometry.y, pl.geometry.x)
                   for v in views for pl in post_places(v.posts)]
    labels = folium.FeatureGroup(name="Street names", show=True)
    add_street_labels(labels, street_labels(area.G, focus))
    add_street_labels(labels, post_street_labels(area.G, dict.fromkeys(post_points)))
    labels.add_to(m)

    site_pt = Point(site.lon, site.lat)
    view = [*safest.geometry, site_pt, *route_destination_points(safest)]
    bounds_all = bounds_latlon(view)
    middle_lon = None if bounds_all is None else (bounds_all[0][1] + bounds_all[1][1]) / 2.0

    _add_shortest(m, first, show_shortest)
    windows, gaps = _add_windows(m, area, frame, views, units)
    add_beat_layers(m, beats, views)
    kinds = add_destinations(m, area, middle_lon=middle_lon)
    site_group = folium.FeatureGroup(name="Housing site")
    add_site(site_group, area, middle_lon)
    site_group.add_to(m)

    note = approximate_note(area)
    credits = "; ".join(data_sources(area))
    has_posts = any(w.places for w in windows)
    sections = _legend_sections(kinds, gaps=bool(gaps), posts=has_posts)
    sections.insert(1 + has_posts, ("Walking beats", beats_legend_rows(beats)))
    add_legend(m, sections, title="Legend", note=(note + " " if note else "") + "Data: " + credits)
    m.add_child(folium.LayerControl(collapsed=True), name="safepassage_layers")
    provenance = area.G.graph.get("provenance")
    add_field_header(m, site.name, windows, made_on=made_on or dt.date.today(),
                     data_date=data_date(provenance), downloaded=data_downloaded(provenance),
                     units=units)
    keep_badges_clear(m)
    # The first view: the routes, the site, the places they lead to and the posts; labels
    # face the middle of it, so they stay on screen.
    bounds = bounds_latlon([*view, *(Point(lon, lat) for lat, lon in post_points)])
    if bounds:
        m.fit_bounds(bounds, padding=(24, 24))
    return m


class OfficerMapOptions(TypedDict, total=False):
    """The keyword options of :func:`officer_map` (see it for each)."""

    title: str | None
    show_shortest: bool
    units: str
    made_on: dt.date | None
    beats: Sequence[BeatPlan]


def write_officer_map(
    path: str | Path,
    area: Area,
    frame: Frames,
    views: Sequence[CoverageView] = (),
    **options: Unpack[OfficerMapOptions],
) -> Path:
    """Write the officer map atomically (see :func:`officer_map` for the parameters).

    Returns
    -------
    Path
        The file written.
    """
    return write_html(officer_map(area, frame, views, **options), path)
