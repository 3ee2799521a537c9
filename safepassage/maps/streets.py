"""Street names written along their streets: which streets get a label, where, at what angle.

:func:`street_labels` chooses the labels (each named street once, on the longest piece near
the routes, main roads and preferred names first, never two labels too close);
:func:`post_street_labels` names, beside every officer post, the streets that name the post,
for the zooms an officer looks at a corner with (17 and 18); :func:`add_street_labels` writes
them on a map, escaped and turned along their streets, each shown only in its zoom range (the
browser hides any that would touch a post badge or another label).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import folium
import networkx as nx
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from ..offline import escape_text
from ..utils import clean_name
from .basemap import edge_geometry, edge_highway, unique_edges
from .geometry import to_wgs84

__all__ = [
    "POST_LABEL_ZOOMS",
    "StreetLabel",
    "add_street_labels",
    "post_street_labels",
    "short_street_name",
    "street_labels",
]

_LABEL_RANK: dict[str, int] = {
    "trunk": 0, "primary": 0, "secondary": 1, "tertiary": 2, "motorway": 3,
    "unclassified": 3, "residential": 3, "living_street": 4, "pedestrian": 4,
}

_ABBREVIATIONS = (
    ("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"),
    ("Avenue", "Ave"), ("Street", "St"), ("Boulevard", "Blvd"), ("Drive", "Dr"),
    ("Place", "Pl"), ("Road", "Rd"), ("Court", "Ct"), ("Terrace", "Ter"), ("Lane", "Ln"),
    ("Parkway", "Pkwy"), ("Highway", "Hwy"),
)

#: Where along a street's piece a label may sit (fractions of its length), in order of choice.
_LABEL_SPOTS = (0.5, 0.3, 0.7, 0.15, 0.85)


def short_street_name(name: str) -> str:
    """Abbreviate a US street name for a map label ("South Grand Avenue" → "S Grand Ave").

    A direction is abbreviated only as the first of three or more words, a suffix ("Street",
    "Avenue", ...) only after the first word, so "North Broadway" stays whole.
    """
    words = name.split()
    table = dict(_ABBREVIATIONS)
    directions = ("North", "South", "East", "West")
    out = []
    for i, word in enumerate(words):
        first_direction = i == 0 and word in directions and len(words) > 2
        suffix = i > 0 and word in table and word not in directions
        out.append(table[word] if first_direction or suffix else word)
    return " ".join(out)


@dataclass(frozen=True)
class StreetLabel:
    """Where a street's name is written on the map.

    Attributes
    ----------
    name : str
        The street's full name (OpenStreetMap text: escape before use).
    text : str
        The label shown (abbreviated).
    lat, lon : float
        Label centre.
    angle : float
        CSS rotation in degrees (clockwise, -90 to 90 so text never reads upside down).
    length_m : float
        Length of the street piece the label sits on.
    min_zoom, max_zoom : float or None
        The zooms the label is shown at (None: no bound).
    group : str or None
        Labels of one group are spots for the same name: the browser shows the first that
        touches nothing (None: the label stands alone).
    """

    name: str
    text: str
    lat: float
    lon: float
    angle: float
    length_m: float
    min_zoom: float | None = None
    max_zoom: float | None = None
    group: str | None = None


@dataclass(frozen=True)
class _Candidate:
    """A street that may get a label: its sort key and the piece the label would sit on."""

    key: tuple[int, int, float, str]
    name: str
    line: LineString


def _named_lines(
    G: nx.MultiDiGraph, area: BaseGeometry | None
) -> tuple[dict[str, list[LineString]], dict[str, int]]:
    """The lines of each named street (not footways) within ``area``, and each street's rank."""
    by_name: dict[str, list[LineString]] = {}
    rank: dict[str, int] = {}
    for u, v, data in unique_edges(G):
        highway = str(edge_highway(data))
        if highway not in _LABEL_RANK and not highway.endswith("_link"):
            continue
        name = clean_name(data.get("name"))
        if name is None:
            continue
        geom = edge_geometry(G, u, v, data)
        if area is not None:
            if not area.intersects(geom):
                continue
            geom = geom.intersection(area)
        by_name.setdefault(name, []).extend(
            g for g in getattr(geom, "geoms", [geom]) if isinstance(g, LineString)
        )
        rank[name] = min(rank.get(name, 9), _LABEL_RANK.get(highway.removesuffix("_link"), 5))
    return by_name, rank


def _candidates(by_name: dict[str, list[LineString]], rank: dict[str, int],
                preferred: set[str], min_length_m: float) -> list[_Candidate]:
    """Streets worth a label, preferred names and main roads first, then the longest."""
    out = []
    for name, lines in by_name.items():
        merged = shapely.line_merge(shapely.union_all(lines))
        pieces = [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, LineString)]
        if not pieces:
            continue
        longest = max(pieces, key=lambda g: g.length)
        if longest.length < min_length_m:
            continue
        total = sum(g.length for g in pieces)
        key = (0 if name in preferred else 1, rank.get(name, 9), -total, name)
        out.append(_Candidate(key, name, longest))
    out.sort(key=lambda c: c.key)
    return out


def _free_spots(line: LineString, placed: list[Point], min_spacing_m: float
                ) -> list[tuple[float, Point]]:
    """The spots of :data:`_LABEL_SPOTS` on ``line`` far enough from every placed label."""
    out = []
    for frac in _LABEL_SPOTS:
        at = line.interpolate(frac, normalized=True)
        if all(at.distance(p) >= min_spacing_m for p in placed):
            out.append((frac, at))
    return out


def _reading_angle(line: LineString, d: float) -> float:
    """The CSS rotation of text along ``line`` at ``d`` metres, never upside down."""
    a = line.interpolate(max(d - 12.0, 0.0))
    b = line.interpolate(min(d + 12.0, line.length))
    angle = -math.degrees(math.atan2(b.y - a.y, b.x - a.x))  # screen y points down
    while angle > 90.0:
        angle -= 180.0
    while angle <= -90.0:
        angle += 180.0
    return angle


def street_labels(
    G: nx.MultiDiGraph,
    focus: BaseGeometry | None = None,
    *,
    buffer_m: float = 150.0,
    max_labels: int = 24,
    min_length_m: float = 60.0,
    min_spacing_m: float = 110.0,
    prefer: Iterable[str] = (),
) -> list[StreetLabel]:
    """Choose street-name labels: each named street once, on the longest piece near the focus.

    For every named street (not footways or sidewalks) within ``buffer_m`` of ``focus``, the
    street's lines near the focus are merged; the label goes at the middle of the longest merged
    piece, turned along it. Main roads (and the ``prefer`` names) come first; a label closer
    than ``min_spacing_m`` to one already placed tries the piece's quarter points, then is
    dropped. Each street's other free spots follow all first choices, in the same group: the
    browser shows one spot per street, the first that touches no post badge or other label.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared (projected) network.
    focus : shapely geometry, optional
        Projected geometry to label around (the routes); the whole network if None.
    buffer_m : float, default 150
        How far from the focus streets count.
    max_labels : int, default 24
        Most labels returned.
    min_length_m : float, default 60
        Shortest piece worth a label.
    min_spacing_m : float, default 110
        Least distance between two labels' centres.
    prefer : iterable of str
        Street names to label first (for example the streets a route walks).

    Returns
    -------
    list of StreetLabel
        In placing order.
    """
    area = None if focus is None or focus.is_empty else focus.buffer(buffer_m)
    if area is not None:
        shapely.prepare(area)
    by_name, rank = _named_lines(G, area)
    candidates = _candidates(by_name, rank, {n for n in prefer if n}, min_length_m)
    to_wgs = to_wgs84(G)
    placed: list[Point] = []
    labels: list[StreetLabel] = []
    later: list[StreetLabel] = []

    def label(cand: _Candidate, frac: float, at: Point) -> StreetLabel:
        angle = _reading_angle(cand.line, frac * cand.line.length)
        lon, lat = to_wgs.transform(at.x, at.y)
        return StreetLabel(cand.name, short_street_name(cand.name), round(float(lat), 6),
                           round(float(lon), 6), round(angle, 1), round(cand.line.length, 1),
                           group=cand.name)

    for cand in candidates:
        if len(labels) >= max_labels:
            break
        spots = _free_spots(cand.line, placed, min_spacing_m)
        if not spots:
            continue
        placed.append(spots[0][1])
        labels.append(label(cand, *spots[0]))
        later += [label(cand, *spot) for spot in spots[1:]]
    return labels + later


#: Zoom ranges of the labels beside a post, and how far along its street each sits (metres):
#: far enough that the label (about 80 px long) clears the badge at that zoom.
POST_LABEL_ZOOMS: tuple[tuple[float, float | None, float], ...] = (
    (16.75, 17.5, 70.0),
    (17.5, None, 38.0),
)


def _street_pieces(by_name: dict[str, list[LineString]]) -> dict[str, list[LineString]]:
    out = {}
    for name, lines in by_name.items():
        merged = shapely.line_merge(shapely.union_all(lines))
        out[name] = [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, LineString)]
    return out


def _beside(line: LineString, at: Point, along_m: float,
            others: list[Point]) -> tuple[float, Point] | None:
    """A spot ``along_m`` from ``at`` along ``line`` (either way), farther from other posts."""
    s0 = line.project(at)
    spots = [d for d in (s0 + along_m, s0 - along_m) if 0.0 <= d <= line.length]
    if not spots:
        return None

    def room(d: float) -> float:
        pt = line.interpolate(d)
        return min((pt.distance(o) for o in others), default=1e9)

    d = max(spots, key=room)
    return d, line.interpolate(d)


def post_street_labels(
    G: nx.MultiDiGraph,
    posts: Iterable[tuple[float, float]],
    *,
    near_m: float = 45.0,
    per_post: int = 2,
    zooms: tuple[tuple[float, float | None, float], ...] = POST_LABEL_ZOOMS,
) -> list[StreetLabel]:
    """The names of the streets at each post, written beside it for an officer zoomed in.

    For each post the ``per_post`` nearest named streets within ``near_m`` (the streets its
    name is made of: "Grand Avenue & 5th Street") are labelled along their line, on the side
    away from other posts, once per zoom range of ``zooms`` at that range's distance from the
    post.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared (projected) network.
    posts : iterable of (lat, lon)
        The posts.
    near_m : float, default 45
        How near a street must pass to name the post.
    per_post : int, default 2
        Streets labelled per post.
    zooms : tuple of (min_zoom, max_zoom, metres along)
        Zoom ranges and distances (:data:`POST_LABEL_ZOOMS`).

    Returns
    -------
    list of StreetLabel
    """
    pts_ll = list(posts)
    if not pts_ll:
        return []
    to_xy = Transformer.from_crs("EPSG:4326", G.graph["crs"], always_xy=True)
    pts = [Point(*to_xy.transform(lon, lat)) for lat, lon in pts_ll]
    area = shapely.union_all([p.buffer(near_m + max(z[2] for z in zooms) + 20.0) for p in pts])
    shapely.prepare(area)
    by_name, _ = _named_lines(G, area)
    pieces = _street_pieces(by_name)
    to_wgs = to_wgs84(G)
    labels: list[StreetLabel] = []
    for k, at in enumerate(pts):
        others = [p for j, p in enumerate(pts) if j != k]
        near = sorted((min(line.distance(at) for line in lines), name)
                      for name, lines in pieces.items() if lines)
        for _, name in [n for n in near if n[0] <= near_m][:per_post]:
            line = min(pieces[name], key=lambda g: g.distance(at))
            for lo, hi, along in zooms:
                spot = _beside(line, at, along, others)
                if spot is None:
                    continue
                d, pt = spot
                lon, lat = to_wgs.transform(pt.x, pt.y)
                labels.append(StreetLabel(name, short_street_name(name), round(float(lat), 6),
                                          round(float(lon), 6),
                                          round(_reading_angle(line, d), 1),
                                          round(line.length, 1), lo, hi))
    return labels


def add_street_labels(
    parent: folium.Map | folium.FeatureGroup,
    labels: Iterable[StreetLabel],
    *,
    class_name: str = "sp-street",
) -> list[folium.Marker]:
    """Write street names on the map, turned along their streets (escaped, not interactive).

    Parameters
    ----------
    parent : folium.Map or folium.FeatureGroup
        Where to draw.
    labels : iterable of StreetLabel
        From :func:`street_labels`.
    class_name : str, default "sp-street"
        CSS class of the text.

    Returns
    -------
    list of folium.Marker
    """
    out = []
    for label in labels:
        zoom = "".join(f' data-{key}="{value:g}"' for key, value in (
            ("minzoom", label.min_zoom), ("maxzoom", label.max_zoom)) if value is not None)
        if label.group:
            zoom += f' data-street="{escape_text(label.group)}"'
        html = (f'<div class="{escape_text(class_name)}" title="{escape_text(label.name)}"{zoom} '
                f'style="transform: translate(-50%, -50%) rotate({label.angle:.1f}deg)">'
                f"{escape_text(label.text)}</div>")
        marker = folium.Marker(
            (label.lat, label.lon),
            icon=folium.DivIcon(html=html, icon_size=(0, 0), class_name="sp-street-icon"),
            interactive=False,
            keyboard=False,
        )
        parent.add_child(marker)
        out.append(marker)
    return out
