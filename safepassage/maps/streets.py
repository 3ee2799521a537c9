"""Street names written along their streets: which streets get a label, where, at what angle.

:func:`street_labels` chooses the labels (each named street once, on the longest piece near
the routes, main roads and preferred names first, never two labels too close);
:func:`add_street_labels` writes them on a map, escaped and turned along their streets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import folium
import networkx as nx
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from ..offline import escape_text
from ..utils import clean_name
from .basemap import edge_geometry, edge_highway, unique_edges
from .geometry import to_wgs84

__all__ = ["StreetLabel", "add_street_labels", "short_street_name", "street_labels"]

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
    """

    name: str
    text: str
    lat: float
    lon: float
    angle: float
    length_m: float


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


def _free_spot(line: LineString, placed: list[Point], min_spacing_m: float
               ) -> tuple[float, Point] | None:
    """The first of :data:`_LABEL_SPOTS` on ``line`` far enough from every placed label."""
    for frac in _LABEL_SPOTS:
        at = line.interpolate(frac, normalized=True)
        if all(at.distance(p) >= min_spacing_m for p in placed):
            return frac, at
    return None


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
    dropped.

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
    for cand in candidates:
        if len(labels) >= max_labels:
            break
        spot = _free_spot(cand.line, placed, min_spacing_m)
        if spot is None:
            continue
        frac, at = spot
        angle = _reading_angle(cand.line, frac * cand.line.length)
        lon, lat = to_wgs.transform(at.x, at.y)
        placed.append(at)
        labels.append(StreetLabel(cand.name, short_street_name(cand.name), round(float(lat), 6),
                                  round(float(lon), 6), round(angle, 1),
                                  round(cand.line.length, 1)))
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
        html = (f'<div class="{escape_text(class_name)}" title="{escape_text(label.name)}" '
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
