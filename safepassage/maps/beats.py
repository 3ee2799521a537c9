"""Footbeats on the maps: a layer per beat with walking-direction arrows and its start.

On the officer map (:func:`add_beat_layers`), every beat is its own layer, named after its
number, window and post: the loop on a dark casing in its post's colour, arrows along it in
the walking direction, and a ring around the post where it starts and ends. Posts are numbered
as on the map's badges (:func:`beat_post_numbers`). On the planner map
(:func:`add_walked_corridor`, :func:`beats_panel_html`) the corridor the beats walk is a layer,
and the side panel sets the share of the walking demand the beats walk beside the share the
same officers cover standing at their posts.

Every text from OpenStreetMap or a planner (post and street names) is escaped here
(:func:`safepassage.offline.popup_html`, :func:`~safepassage.offline.bind_tooltip`,
:func:`~safepassage.offline.escape_text`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString

from ..beats import Beat, BeatPlan, walked_corridor
from ..offline import bind_popup, bind_tooltip, escape_text, popup_html, svg_class_name
from .geometry import COORD_DECIMALS, latlon_parts
from .panel import length_text
from .posts import post_places
from .styles import DARK_COLOURS, line_swatch, post_colour, static
from .view import CoverageView, posts_and_corridor, time_window_label

__all__ = [
    "ARROW_EVERY_M",
    "BEAT_CASING",
    "WALKED_COLOUR",
    "add_beat_layers",
    "add_walked_corridor",
    "arrow_html",
    "arrow_points",
    "beat_casing",
    "beat_colour",
    "beat_post_numbers",
    "beats_legend_rows",
    "beats_panel_html",
]

#: One walking-direction arrow every this many metres along a beat.
ARROW_EVERY_M = 150.0

#: The dark line under every beat, so it reads apart from the routes (white under a black
#: beat).
BEAT_CASING = "#1a1a1a"


def beat_casing(colour: str) -> str:
    """The casing under a beat of ``colour``."""
    return "#ffffff" if colour == "#000000" else BEAT_CASING

#: Planner map: corridor walked by the beats.
WALKED_COLOUR = "#7b3294"


def beat_post_numbers(views: Sequence[CoverageView]) -> dict[tuple[str, str], int]:
    """``(window, post id) -> number`` of the post's badge, as the officer map numbers them.

    Parameters
    ----------
    views : sequence of CoverageView
        The plans whose posts the map shows (:func:`~safepassage.maps.view.shift_views`).

    Returns
    -------
    dict
        The badge number of every post, by its window's name and its own id ("P1").
    """
    posts, _ = posts_and_corridor(views)
    out: dict[tuple[str, str], int] = {}
    for place in post_places(posts):
        for rec in place.posts:
            pid = str(rec["post_id"]).rsplit("/", 1)[-1]
            out[(str(rec.get("window") or ""), pid)] = place.number
    return out


def beat_colour(beat: Beat, number: int | None) -> str:
    """The colour of a beat: its post's badge colour (or, without a post, its own turn)."""
    return post_colour((number if number is not None else beat.number) - 1)


def arrow_html(bearing: float, colour: str) -> str:
    """A walking-direction arrow (trusted SVG of ours), pointing ``bearing`` degrees."""
    stroke = "#ffffff" if colour in DARK_COLOURS else BEAT_CASING
    return (f'<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" '
            f'style="transform: rotate({bearing:.0f}deg)">'
            f'<path d="M9 1 L16 15 L9 11 L2 15 Z" fill="{escape_text(colour)}" '
            f'stroke="{stroke}" stroke-width="1.5" stroke-linejoin="round"/></svg>')


def arrow_points(line: LineString, every_m: float = ARROW_EVERY_M
                 ) -> list[tuple[float, float, float]]:
    """``(x, y, bearing)`` of arrows along a projected line, the first near its start."""
    n = max(1, int(line.length // every_m))
    out = []
    for k in range(n):
        d = min(line.length - 1.0, 25.0 + k * every_m)
        a = line.interpolate(max(0.0, d - 4.0))
        b = line.interpolate(min(line.length, d + 4.0))
        bearing = math.degrees(math.atan2(b.x - a.x, b.y - a.y)) % 360.0
        p = line.interpolate(d)
        out.append((p.x, p.y, bearing))
    return out


def _popup_rows(plan: BeatPlan, beat: Beat, number: int | None) -> list[tuple[str, object]]:
    start = f"post {number}: {beat.start_name}" if number is not None else beat.start_name
    return [
        ("Time window", time_window_label(plan.window) or plan.window.name),
        ("Starts and ends at", start),
        ("Walk", f"{beat.minutes:.0f} min, {length_text(beat.length_m)}"),
        ("Share of walking demand walked", f"{beat.covered_pct:.1f} %"),
    ]


def _add_beat(group: folium.FeatureGroup, plan: BeatPlan, beat: Beat, number: int | None,
              to_wgs: Transformer) -> None:
    colour = beat_colour(beat, number)
    line_wgs = LineString(np.column_stack(to_wgs.transform(*beat.geometry.xy)))
    parts = latlon_parts(line_wgs)
    static(folium.PolyLine(parts, color=beat_casing(colour), weight=8, opacity=0.85,
                           class_name=svg_class_name("sp-beat-casing"))).add_to(group)
    line = folium.PolyLine(parts, color=colour, weight=4.5, opacity=1.0,
                           class_name=svg_class_name("sp-beat"))
    title = f"Beat {beat.number}" + (f" from post {number}" if number is not None else "")
    bind_tooltip(line, f"{title}: {beat.minutes:.0f} min loop, "
                       f"{time_window_label(plan.window) or plan.window.name}")
    bind_popup(line, popup_html(_popup_rows(plan, beat, number), title=title))
    line.add_to(group)
    r = COORD_DECIMALS
    for x, y, bearing in arrow_points(beat.geometry, ARROW_EVERY_M):
        lon, lat = to_wgs.transform(x, y)
        folium.Marker((round(lat, r), round(lon, r)), icon=folium.DivIcon(
            html=arrow_html(bearing, colour), icon_size=(18, 18), icon_anchor=(9, 9),
            class_name="sp-beat-arrow"), interactive=False).add_to(group)
    ring = folium.CircleMarker((round(beat.start_lat, r), round(beat.start_lon, r)), radius=19,
                               color=colour, weight=4, fill=False, dash_array="5 4",
                               class_name=svg_class_name("sp-beat-start"))
    bind_tooltip(ring, f"{title} starts and ends here: {beat.start_name}")
    ring.add_to(group)


def add_beat_layers(m: folium.Map, plans: Sequence[BeatPlan],
                    views: Sequence[CoverageView] = (), *,
                    show_windows: int = 1) -> list[folium.FeatureGroup]:
    """One layer per beat: the loop, arrows in the walking direction, its start ringed.

    Parameters
    ----------
    m : folium.Map
        The officer map.
    plans : sequence of BeatPlan
        Every window's beats.
    views : sequence of CoverageView
        The posts the map shows, to number each beat's post as its badge is numbered.
    show_windows : int, default 1
        The beats of this many first windows are on when the page opens; the others are in
        the layer switcher.

    Returns
    -------
    list of folium.FeatureGroup
        The layers added.
    """
    numbers = beat_post_numbers(views)
    groups = []
    for k, plan in enumerate(plans):
        to_wgs = Transformer.from_crs(plan.crs, "EPSG:4326", always_xy=True)
        for beat in plan.beats:
            if not beat.edges:
                continue
            number = numbers.get((plan.window.name, beat.post_id)) if beat.post_id else None
            post = f", from post {number}" if number is not None else ""
            group = folium.FeatureGroup(
                name=escape_text(f"Beat {beat.number} ({plan.window.name}{post}, "
                                 f"{beat.minutes:.0f} min)"), show=k < show_windows)
            _add_beat(group, plan, beat, number, to_wgs)
            group.add_to(m)
            groups.append(group)
    return groups


def beats_legend_rows(plans: Sequence[BeatPlan]) -> list[tuple[str, str]]:
    """Legend rows for the beats (empty without beats)."""
    if not any(b.edges for p in plans for b in p.beats):
        return []
    return [
        (line_swatch(post_colour(0), 5), "Walking beat (its post's colour)"),
        (arrow_html(90.0, post_colour(0)), "Walking direction"),
        (line_swatch(post_colour(0), 3, dashed=True), "Ring: where a beat starts and ends"),
    ]


def add_walked_corridor(m: folium.Map, plan: BeatPlan, *, show: bool = False
                        ) -> folium.FeatureGroup:
    """The planner map's layer of the corridor the beats walk (purple), with the beat lines."""
    group = folium.FeatureGroup(
        name=escape_text(f"Beats ({plan.minutes} min): corridor walked"), show=show)
    walked = walked_corridor(plan)
    total = plan.total_weight
    for row in walked[walked["walked"]].to_dict("records"):
        parts = latlon_parts(row["geometry"])
        if not parts:
            continue
        share = 100.0 * float(row["weight"]) / total if total > 0 else 0.0
        line = folium.PolyLine(parts, color=WALKED_COLOUR, weight=7, opacity=0.75,
                               class_name=svg_class_name("sp-walked"))
        beats = ", ".join(str(b) for b in row["beats"])
        bind_tooltip(line, f"{row['name']}: walked by beat {beats} ({share:.1f} % of the "
                           "walking demand)")
        group.add_child(line)
    group.add_to(m)
    return group


def beats_panel_html(plan: BeatPlan, posts: CoverageView | None = None) -> str:
    """The planner panel's comparison: walking demand walked by beats against covered by posts.

    Parameters
    ----------
    plan : BeatPlan
        The window's beats.
    posts : CoverageView, optional
        The same window's posts (for the corridor they cover).

    Returns
    -------
    str
        A ``<section>`` of trusted HTML (every value escaped).
    """
    e = escape_text
    walked = walked_corridor(plan)
    km_walked = float(walked.loc[walked["walked"], "length_m"].sum()) / 1000
    km_total = float(walked["length_m"].sum()) / 1000
    km_posts = "" if posts is None else (
        f"{posts.figures.covered_length_m / 1000:,.1f} km of {km_total:,.1f} km covered")
    n = sum(1 for b in plan.beats if b.edges)
    rows = [
        ("Officers", f"{len(plan.beats)}", f"{len(plan.beats)}"),
        ("Walking demand", "—" if plan.posts_covered_pct is None
         else f"{plan.posts_covered_pct:.1f} % covered", f"{plan.covered_pct:.1f} % walked"),
        ("Corridor", km_posts, f"{km_walked:,.1f} km of {km_total:,.1f} km walked"),
    ]
    body = "".join(f"<tr><th scope=\"row\">{e(a)}</th><td>{e(b)}</td><td>{e(c)}</td></tr>"
                   for a, b, c in rows)
    quality = ""
    if plan.gap_pct is not None:
        quality = (" These loops are the best possible." if plan.gap_pct <= 1e-9 else
                   f" The best possible loops walk {plan.exact_pct:.1f} %.")
    return (
        '<section class="sp-beats"><h2>Standing or walking</h2>'
        '<table class="sp-figures"><thead><tr><th></th>'
        '<th scope="col">Standing at posts</th>'
        f'<th scope="col">Walking {n} beat{"s" if n != 1 else ""} of {plan.minutes} min'
        f"</th></tr></thead><tbody>{body}</tbody></table>"
        f'<p class="sp-small">{line_swatch(WALKED_COLOUR, 6)} Purple: corridor the beats walk '
        f"(layer switcher). The same officers either stand at their posts or walk these loops "
        f"from them and back.{e(quality)}</p></section>"
    )
