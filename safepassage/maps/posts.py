"""Officer posts on a map: one numbered badge per place, its popup, and the stretch it covers.

A place is one corner where officers stand, in every window it is staffed
(:func:`post_places`). Its number is the one :mod:`safepassage.coverage` gave it (the posts
table's ``post`` column, the same on every page and in ``posts.geojson``); plain tables
without one are numbered 1, 2, ... by place in the order of their rows. A post's colour
follows its number (:func:`~safepassage.maps.styles.post_colour`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
from shapely.geometry import Point

from ..coverage import name_in_units
from ..offline import bind_popup, bind_tooltip, popup_html, svg_class_name
from ..utils import format_distance
from .geometry import COORD_DECIMALS, LatLonLines, latlon_parts
from .styles import TAP_PX, post_badge_html, post_colour

__all__ = ["PostPlace", "add_posts", "place_rows", "post_places"]


@dataclass
class PostPlace:
    """One place where officers stand: the posts of every window at one corner.

    Attributes
    ----------
    number : int
        The number people see (coverage's ``post``; else 1, 2, ... by place in row order).
    name : str
        The corner's name (OpenStreetMap text: escape before use).
    geometry : shapely.geometry.Point
        WGS84 point.
    posts : list of dict
        The posts there (normalised records), one per window.
    colour : str
        Badge and stretch colour.
    """

    number: int
    name: str
    geometry: Point
    posts: list[dict[str, Any]]
    colour: str

    @property
    def post_ids(self) -> list[str]:
        """Ids of the posts at this place."""
        return [str(p["post_id"]) for p in self.posts]

    def shifts(self) -> list[tuple[str, str]]:
        """``(window, hours)`` of each post here, in order."""
        return [(str(p.get("window") or ""), str(p.get("hours") or "")) for p in self.posts]

    @property
    def locked(self) -> bool:
        """Whether a planner locked a post here."""
        return any(bool(p.get("locked")) for p in self.posts)


def _given_number(rec: Mapping[str, Any]) -> int | None:
    """Coverage's number of a post (the ``post`` column), if the row has a usable one."""
    value = rec.get("post")
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number >= 1 and float(value) == number else None  # type: ignore[arg-type]


def post_places(posts: gpd.GeoDataFrame | None) -> list[PostPlace]:
    """Group normalised posts by place (the same corner in several windows is one place).

    Where every post has coverage's number (``post``), places are those numbers; otherwise
    posts within about a metre are one place, numbered 1, 2, ... in row order.

    Parameters
    ----------
    posts : geopandas.GeoDataFrame or None
        From :func:`~safepassage.maps.view.normalize_posts` or
        :func:`~safepassage.maps.view.posts_and_corridor`.

    Returns
    -------
    list of PostPlace
        In number order.
    """
    if posts is None:
        return []
    records = [r for r in posts.to_dict("records")
               if r.get("geometry") is not None and not r["geometry"].is_empty]
    numbered = bool(records) and all(_given_number(r) is not None for r in records)
    places: dict[object, PostPlace] = {}
    for rec in records:
        geom = rec["geometry"]
        key: object = _given_number(rec) if numbered else (round(geom.y, 5), round(geom.x, 5))
        if key not in places:
            n = _given_number(rec) if numbered else len(places) + 1
            assert n is not None
            places[key] = PostPlace(n, str(rec.get("name") or rec["post_id"]), geom, [],
                                    post_colour(n - 1))
        places[key].posts.append(rec)
    return sorted(places.values(), key=lambda pl: pl.number)


def _share_text(value: float | str | None) -> str:
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(v):
        return ""
    return f"{v:.0f} %" if v >= 10 else f"{v:.1f} %"


def place_rows(place: PostPlace, stretch_m: float | None,
               units: str = "imperial") -> list[tuple[str, object]]:
    """A post's popup in plain words: hours per window, share of the walking demand, reach.

    No internal ids, and no units of the optimiser ("demand-metres").

    Parameters
    ----------
    place : PostPlace
        The place.
    stretch_m : float or None
        Metres of corridor its posts cover, if known.
    units : {"imperial", "metric"}, default "imperial"
        Units of the length covered.

    Returns
    -------
    list of (str, object)
        Rows for :func:`safepassage.offline.popup_html`.
    """
    rows: list[tuple[str, object]] = []
    for window, hours in place.shifts():
        rows.append((window.replace("_", " ").capitalize() if window else "Hours",
                     hours or "not set"))

    def share(p: Mapping[str, Any]) -> str:
        return _share_text(p.get("covered_pct"))

    shares = [(str(p.get("window") or ""), share(p)) for p in place.posts]
    shares = [(w, t) for w, t in shares if t]
    if len(shares) == 1 or (shares and len(place.posts) == 1):
        rows.append(("Share of walking demand", shares[0][1]))
    elif shares:
        rows.append(("Share of walking demand", ", ".join(
            f"{t} at {w.replace('_', ' ')}" if w else t for w, t in shares)))
    if stretch_m:
        rows.append(("Walking routes watched", format_distance(stretch_m, "en", units)))
    if place.locked:
        rows.append(("Planner's choice", "locked here"))
    return rows


def _add_stretch(parent: folium.FeatureGroup, place: PostPlace,
                 corridor: gpd.GeoDataFrame, units: str) -> float | None:
    """Draw the corridor a place's posts cover, in its colour; its length (None if nothing)."""
    mine = corridor[corridor["post_id"].isin(place.post_ids)]
    mine = mine.drop_duplicates("segment_id")
    if not len(mine):
        return None
    parts: LatLonLines = []
    for geom in mine.geometry:
        parts.extend(latlon_parts(geom))
    line = folium.PolyLine(parts, color=place.colour, weight=12, opacity=0.55,
                           class_name=svg_class_name("sp-stretch"))
    bind_tooltip(line, f"Post {place.number} ({name_in_units(place.name, units)}) watches this "
                       "stretch")
    parent.add_child(line)
    return float(mine["length_m"].sum())


def add_posts(
    parent: folium.FeatureGroup,
    posts: gpd.GeoDataFrame,
    corridor: gpd.GeoDataFrame | None,
    *,
    stretches: bool = True,
    plan: str = "",
    units: str = "imperial",
) -> list[PostPlace]:
    """Posts as numbered badges (one per place) with escaped popups, and what each covers.

    Each badge is drawn above every other marker (the browser keeps labels and symbols off it:
    :func:`safepassage.offline.keep_badges_clear`) in a tap target of
    :data:`~safepassage.maps.styles.TAP_PX` pixels, and carries ``data-post``.

    Parameters
    ----------
    parent : folium.FeatureGroup
        Where to draw.
    posts : geopandas.GeoDataFrame
        Normalised posts.
    corridor : geopandas.GeoDataFrame or None
        Corridor segments with the post credited with each (``post_id``).
    stretches : bool, default True
        Draw the stretch each place's posts cover, under the badges.
    plan : str, default ""
        "B" for a second plan's posts (square badges labelled "B3").
    units : {"imperial", "metric"}, default "imperial"
        Units of the popups' lengths.

    Returns
    -------
    list of PostPlace
        The places drawn, numbered as on the map.
    """
    places = post_places(posts)
    for place in places:
        stretch_m = None
        if stretches and corridor is not None:
            stretch_m = _add_stretch(parent, place, corridor, units)
        geom = place.geometry
        html = post_badge_html(place.number, place.colour, plan=plan, locked=place.locked)
        marker = folium.Marker(
            (round(geom.y, COORD_DECIMALS), round(geom.x, COORD_DECIMALS)),
            icon=folium.DivIcon(html=html, icon_size=(TAP_PX, TAP_PX),
                                icon_anchor=(TAP_PX // 2, TAP_PX // 2),
                                class_name="sp-post-icon"),
            z_index_offset=10000 if not plan else 9000,  # above every other marker
        )
        title = f"Post {plan}{place.number}: {name_in_units(place.name, units)}"
        bind_popup(marker, popup_html(place_rows(place, stretch_m, units), title=title))
        hours = "; ".join(h for _, h in place.shifts() if h)
        bind_tooltip(marker, title + (f" ({hours})" if hours else ""))
        parent.add_child(marker)
    return places
