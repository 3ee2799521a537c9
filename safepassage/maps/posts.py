"""Officer posts on a map: one numbered badge per place, its popup, and the stretch it covers.

A place is one corner where officers stand, in every window it is staffed
(:func:`post_places`); places are numbered 1, 2, ... in the order of the posts table (busiest
first for coverage output) and coloured in turn (:func:`~safepassage.maps.styles.post_colour`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
from shapely.geometry import Point

from ..offline import bind_popup, bind_tooltip, popup_html, svg_class_name
from .geometry import COORD_DECIMALS, LatLonLines, latlon_parts, post_badge_anchor
from .styles import post_badge_html, post_colour

__all__ = ["PostPlace", "add_posts", "place_rows", "post_places"]


@dataclass
class PostPlace:
    """One place where officers stand: the posts of every window at one corner.

    Attributes
    ----------
    number : int
        1, 2, ... in the order of the posts table (busiest first for coverage output).
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


def post_places(posts: gpd.GeoDataFrame | None) -> list[PostPlace]:
    """Group normalised posts by place (the same corner in several windows is one place).

    Parameters
    ----------
    posts : geopandas.GeoDataFrame or None
        From :func:`~safepassage.maps.view.normalize_posts` or
        :func:`~safepassage.maps.view.posts_and_corridor`.

    Returns
    -------
    list of PostPlace
        In the order each place first appears.
    """
    if posts is None:
        return []
    places: dict[tuple[float, float], PostPlace] = {}
    for rec in posts.to_dict("records"):
        geom = rec.get("geometry")
        if geom is None or geom.is_empty:
            continue
        key = (round(geom.y, 5), round(geom.x, 5))
        if key not in places:
            n = len(places)
            places[key] = PostPlace(n + 1, str(rec.get("name") or rec["post_id"]), geom, [],
                                    post_colour(n))
        places[key].posts.append(rec)
    return list(places.values())


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


def place_rows(place: PostPlace, stretch_m: float | None) -> list[tuple[str, object]]:
    """A post's popup in plain words: hours per window, share of the walking demand, reach.

    No internal ids, and no units of the optimiser ("demand-metres").

    Parameters
    ----------
    place : PostPlace
        The place.
    stretch_m : float or None
        Metres of corridor its posts cover, if known.

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
        rows.append(("Corridor covered", f"{stretch_m / 1000:,.1f} km" if stretch_m >= 1000
                     else f"{stretch_m:,.0f} m"))
    return rows


def _add_stretch(parent: folium.FeatureGroup, place: PostPlace,
                 corridor: gpd.GeoDataFrame) -> float | None:
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
    bind_tooltip(line, f"Post {place.number} ({place.name}) covers this stretch")
    parent.add_child(line)
    return float(mine["length_m"].sum())


def add_posts(
    parent: folium.FeatureGroup,
    posts: gpd.GeoDataFrame,
    corridor: gpd.GeoDataFrame | None,
    *,
    stretches: bool = True,
    start: Point | None = None,
) -> list[PostPlace]:
    """Posts as numbered badges (one per place) with escaped popups, and what each covers.

    A badge within :data:`~safepassage.maps.geometry.BADGE_NEAR_START_M` of ``start`` (the
    housing site) is drawn beside its point so the Start symbol stays visible.

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
    start : shapely.geometry.Point, optional
        The housing site (lon, lat).

    Returns
    -------
    list of PostPlace
        The places drawn, numbered as on the map.
    """
    places = post_places(posts)
    for place in places:
        stretch_m = None
        if stretches and corridor is not None:
            stretch_m = _add_stretch(parent, place, corridor)
        geom = place.geometry
        marker = folium.Marker(
            (round(geom.y, COORD_DECIMALS), round(geom.x, COORD_DECIMALS)),
            icon=folium.DivIcon(html=post_badge_html(str(place.number), place.colour),
                                icon_size=(26, 26), icon_anchor=post_badge_anchor(geom, start),
                                class_name="sp-post-icon"),
        )
        bind_popup(marker, popup_html(place_rows(place, stretch_m),
                                      title=f"Post {place.number}: {place.name}"))
        hours = "; ".join(h for _, h in place.shifts() if h)
        bind_tooltip(marker, f"Post {place.number}: {place.name}" + (f" ({hours})" if hours
                                                                      else ""))
        parent.add_child(marker)
    return places
