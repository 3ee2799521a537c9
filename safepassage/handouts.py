"""Printable route handouts for families, in English and Spanish, that work with no network.

One handout per destination (schools by default; parks and transit stops on request) and per
language: one self-contained HTML file (Leaflet inlined through :mod:`safepassage.offline`),
with

- a map drawn from the street network itself, with street names (:mod:`safepassage.plot`),
  the safe route, where the trip starts and ends, and the officer posts along the route;
- a legend, the posts with their hours, numbered turn-by-turn directions (the
  ``directions_en`` / ``directions_es`` of :func:`safepassage.pipeline.routes_frame`), a safety
  tip, the date it was made, "© OpenStreetMap contributors" and the other sources used, and the
  note that the starting point is approximate where it is;
- print CSS for US Letter: the map on page 1, the directions continuing, two pages at most;
  text of 12 pt or more; the Okabe-Ito route colour.

Both languages come from one template (``safepassage/templates/handout.html``) filled from the
strings table :data:`STRINGS`; the template is rendered with Jinja's autoescape, so every name
from OpenStreetMap shows as text. :func:`write_handout_pdf` prints a handout to PDF with
headless Chromium where one is installed (:mod:`safepassage.chromium`) and says so when not.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import jinja2
import pandas as pd
import shapely
from markupsafe import Markup
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from . import chromium
from .errors import InputError
from .offline import (
    RawHTML,
    add_label,
    add_scale,
    offline_map,
    render_html,
    svg_class_name,
    write_html,
)
from .plot import (
    DARK_COLOURS,
    KIND_STYLES,
    PostPlace,
    RouteGap,
    add_base_network,
    add_gap_line,
    add_map_css,
    add_street_labels,
    data_sources,
    kind_symbol_html,
    latlon_parts,
    post_badge_anchor,
    post_badge_html,
    post_colour,
    post_places,
    posts_and_corridor,
    route_gaps,
    site_symbol_html,
    static,
    street_labels,
    unique_edges,
)
from .sites import slugify
from .source import Area
from .utils import (
    COMPASS_WORDS,
    LANGS,
    check_lang,
    check_units,
    clean_name,
    clock_text,
    compass_word,
    format_distance,
)

__all__ = [
    "LANGS",
    "ROUTE_COLOUR",
    "STRINGS",
    "format_date",
    "format_hours",
    "handout_html",
    "handout_row",
    "post_name",
    "write_handout",
    "write_handout_pdf",
    "write_handout_pdfs",
    "write_handouts",
]

log = logging.getLogger(__name__)


#: The safe route's colour on handouts (Okabe-Ito blue), with a white casing.
ROUTE_COLOUR = "#0072b2"

#: A post counts as "on the route" within this many metres of it.
POST_NEAR_ROUTE_M = 100.0

#: How far around the route the base network is drawn (metres).
MAP_MARGIN_M = 350.0

#: The handout map's size on paper (US Letter minus margins).
MAP_WIDTH = "7.4in"
MAP_HEIGHT = "5.3in"

#: A handout whose text is short gets a map down to this height (inches) so that it all fits
#: on one page (see :func:`map_height_in`).
MAP_MIN_HEIGHT_IN = 3.5

#: Printable height of a US Letter page with the template's margins (11 in - 2 × 0.4 in),
#: less a safety allowance for the estimate.
_PAGE_IN = 11.0 - 0.8 - 0.1

#: More steps than this are set in two columns, so the directions fit on page 2.
TWO_COLUMNS_FROM = 34

#: Every text of a handout, per language. Values are plain text (the template escapes them).
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Safe walking route",
        "from_label": "From",
        "map_credit": "Map: streets © OpenStreetMap contributors.",
        "legend": "Legend",
        "legend_route": "Safe route",
        "legend_gap": "No mapped street",
        "legend_start": "Start",
        "legend_post": "Officer post",
        "legend_streets": "Streets",
        "officers_heading": "Where officers stand, and when",
        "post_where": "Where",
        "post_when": "When",
        "no_posts": "No officer is posted along this route.",
        "directions_heading": "Step by step",
        "dest_gap": "{name} is about {distance} {way} of the end of the route; the streets "
                    "there are not mapped.",
        "safety_tip": "Cross only at crosswalks, wait for the signal, and stay on the route.",
        "sources": "Sources",
        "made_on": "Made on",
        "made_by": "Safe Passages, LAPD Community Safety Partnership.",
        "start_label": "Start",
        "approx_site": "The location of {name} is approximate; the route starts at the street "
                       "nearest to that point.",
        "approx_destination": "The location of {name} is approximate; check the entrance "
                              "on arrival.",
        "window_arrival": "school arrival",
        "window_dismissal": "school dismissal",
        "window_evening": "evening",
        "window_all_day": "all day",
    },
    "es": {
        "title": "Ruta segura a pie",
        "from_label": "Desde",
        "map_credit": "Mapa: calles © colaboradores de OpenStreetMap.",
        "legend": "Leyenda",
        "legend_route": "Ruta segura",
        "legend_gap": "Tramo sin calle en el mapa",
        "legend_start": "Inicio",
        "legend_post": "Puesto policial",
        "legend_streets": "Calles",
        "officers_heading": "Dónde y a qué hora hay oficiales",
        "post_where": "Dónde",
        "post_when": "Horario",
        "no_posts": "No hay oficiales asignados a lo largo de esta ruta.",
        "directions_heading": "Paso a paso",
        "dest_gap": "{name} está a unos {distance} al {way} del final de la ruta; las calles "
                    "de esa zona no aparecen en el mapa.",
        "safety_tip": "Use siempre los cruces peatonales, espere la señal para cruzar y no se "
                      "salga de la ruta.",
        "sources": "Fuentes",
        "made_on": "Elaborado el",
        "made_by": "Safe Passages, Asociación de Seguridad Comunitaria (CSP) del "
                   "Departamento de Policía de Los Ángeles (LAPD).",
        "start_label": "Inicio",
        "approx_site": "La ubicación de {name} es aproximada; la ruta empieza en la calle más "
                       "cercana a ese punto.",
        "approx_destination": "La ubicación de {name} es aproximada; busque la entrada al "
                              "llegar.",
        "window_arrival": "entrada a clases",
        "window_dismissal": "salida de clases",
        "window_evening": "tarde y noche",
        "window_all_day": "todo el día",
    },
}

_KIND_SINGULAR = {
    "en": {"school": "School", "kindergarten": "Kindergarten", "park": "Park",
           "playground": "Playground", "recreation": "Recreation centre", "library": "Library",
           "transit": "Transit stop", "business": "Shop", "other": "Destination"},
    "es": {"school": "Escuela", "kindergarten": "Kínder", "park": "Parque",
           "playground": "Juegos infantiles", "recreation": "Centro recreativo",
           "library": "Biblioteca", "transit": "Parada de transporte", "business": "Tienda",
           "other": "Destino"},
}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}


_WAY_ES = dict(zip(COMPASS_WORDS["en"], COMPASS_WORDS["es"], strict=True))
_POST_NAME_ES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^(?P<a>.+?) & (?P<b>.+?) \((?P<c>[NESW]{1,2}) corner\)$"),
     lambda m: f"{m['a']} y {m['b']} (esquina {compass_word(m['c'], 'es')})"),
    (re.compile(r"^(?P<a>.+?) & (?P<b>.+?)$"), lambda m: f"{m['a']} y {m['b']}"),
    (re.compile(r"^(?P<s>.+), (?P<d>[\d.]+ (?:m|ft|mi)) (?P<w>north|south|east|west) of "
                r"(?P<x>.+)$"),
     lambda m: f"{m['s']}, a {_spanish_units(m['d'])} al {_WAY_ES[m['w']]} de {m['x']}"),
    (re.compile(r"^footpath near (?P<x>.+)$"), lambda m: f"sendero peatonal cerca de {m['x']}"),
    (re.compile(r"^walkway at (?P<x>.+)$"), lambda m: f"pasillo peatonal en {m['x']}"),
    (re.compile(r"^near (?P<x>.+)$"), lambda m: f"cerca de {m['x']}"),
    (re.compile(r"^at (?P<x>.+)$"), lambda m: f"en {m['x']}"),
    (re.compile(r"^(?P<s>.+?) near (?P<x>.+)$"), lambda m: f"{m['s']}, cerca de {m['x']}"),
)


def _spanish_units(distance: str) -> str:
    """Spanish unit words: "360 ft" is "360 pies", "0.2 mi" is "0.2 millas"."""
    number, unit = distance.split()
    return f"{number} {dict(ft='pies', mi='millas').get(unit, unit)}"


_POST_NUMBER = re.compile(r"\s+#\d+$")
_POST_METRES = re.compile(r", (?P<d>\d+) m (?P<w>north|south|east|west) of ")


def post_name(name: str, lang: str = "en", units: str = "metric") -> str:
    """A post's name as families read it, in the handout's language and units.

    Post names are built in English from street names (:mod:`safepassage.coverage`): "A & B
    (NE corner)", "A, 110 m north of B", "near A", "footpath near D", "at D", with a "#2"
    where two posts would share a name. The "#2" is dropped (the handout's badge number tells
    posts apart), imperial handouts give the distance in feet ("A, 360 ft north of B"), and in
    Spanish the words around the street names are translated ("A, a 360 pies al norte de B");
    street names stay as they are.

    Parameters
    ----------
    name : str
        The post's name from :mod:`safepassage.coverage`.
    lang : {"en", "es"}
        Language.
    units : {"imperial", "metric"}, default "metric"
        Units of the distance in "A, 110 m north of B" (the name is in metres).

    Returns
    -------
    str
    """
    units = check_units(units)
    text = _POST_NUMBER.sub("", str(name)).strip()
    if units == "imperial":
        text = _POST_METRES.sub(
            lambda m: f", {format_distance(int(m['d']), 'en', units, short=True)} {m['w']} of ",
            text)
    if lang != "es":
        return text
    for pattern, make in _POST_NAME_ES:
        m = pattern.match(text)
        if m:
            return make(m)
    return text


def format_date(day: dt.date, lang: str = "en") -> str:
    """A date as families read it: "November 24, 2026" / "24 de noviembre de 2026"."""
    month = _MONTHS[check_lang(lang)][day.month - 1]
    if lang == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


def format_hours(hours: str, lang: str = "en") -> str:
    """Clock hours for families: "14:00-16:00" as "2:00 PM to 4:00 PM" ("2:00 p. m. a ...").

    Other text is returned as is.
    """
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*", hours or "")
    if not match:
        return hours or ""
    a = int(match.group(1)) * 60 + int(match.group(2))
    b = int(match.group(3)) * 60 + int(match.group(4))
    joiner = " a " if lang == "es" else " to "
    return clock_text(a, lang) + joiner + clock_text(b, lang)


def _window_text(window: Any, lang: str) -> str:
    name = str(window or "").strip().lower().replace("-", "_")
    key = f"window_{name}"
    return STRINGS[lang].get(key, str(window or ""))


@functools.cache
def _template() -> Any:
    text = (importlib.resources.files("safepassage") / "templates" / "handout.html").read_text(
        encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    return env.from_string(text).module


def handout_row(frame: pd.DataFrame, which: Any) -> pd.Series:
    """The safest-route row a handout is about.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`safepassage.pipeline.routes_frame`.
    which : pandas.Series or str
        A row of the frame (a safest route), or a ``dest_id``.

    Returns
    -------
    pandas.Series

    Raises
    ------
    InputError
        If there is no safe route to that destination.
    """
    if isinstance(which, pd.Series):
        row = which
        if row.get("role") != "safest":
            which = row.get("dest_id")
        else:
            return row
    rows = frame[(frame["dest_id"].astype(str) == str(which)) & (frame["role"] == "safest")]
    if not len(rows):
        status = frame.loc[frame["dest_id"].astype(str) == str(which), "reason"]
        why = f": {status.iloc[0]}" if len(status) and isinstance(status.iloc[0], str) else ""
        raise InputError(f"no safe route to {which}{why}")
    return rows.iloc[0]


def _route_street_names(area: Area, route: BaseGeometry) -> list[str]:
    """Names of the streets the (projected) route walks, to label them first."""
    near = route.buffer(3.0)
    shapely.prepare(near)
    names: dict[str, float] = {}
    for _, _, data in unique_edges(area.G):
        name = clean_name(data.get("name")) or clean_name(data.get("street_name"))
        if name is None:
            continue
        geom = data.get("geometry")
        if geom is None or not near.intersects(geom):
            continue
        names[name] = names.get(name, 0.0) + float(geom.intersection(near).length)
    return [n for n, _ in sorted(names.items(), key=lambda kv: -kv[1])]


def _places_on_route(posts: gpd.GeoDataFrame | None, area: Area, route: BaseGeometry
                     ) -> list[PostPlace]:
    """Places with officer posts within :data:`POST_NEAR_ROUTE_M` of the (projected) route."""
    places = post_places(posts)
    if not places:
        return []
    pts = gpd.GeoSeries([pl.geometry for pl in places], crs="EPSG:4326").to_crs(
        area.G.graph["crs"])
    return [pl for pl, pt in zip(places, pts, strict=True)
            if pt.distance(route) <= POST_NEAR_ROUTE_M]


def _handout_map(area: Area, row: pd.Series, near: Sequence[PostPlace], lang: str,
                 title: str, gaps: Sequence[RouteGap | None], height: str = MAP_HEIGHT
                 ) -> folium.Map:
    """The handout's map; ``gaps`` are where its route line misses the Start or the place."""
    t = STRINGS[lang]
    site = area.site
    route_wgs = row["geometry"]
    route = gpd.GeoSeries([route_wgs], crs="EPSG:4326").to_crs(area.G.graph["crs"]).iloc[0]
    m = offline_map((site.lat, site.lon), 16, title=title, online_tiles=False, controls=False,
                    prefer_canvas=False, data_attribution=None, attribution_control=False,
                    width=MAP_WIDTH, height=height, zoom_snap=0.25)
    add_scale(m, "bottomleft")
    add_map_css(m)
    dest_pt = Point(float(row["dest_lon"]), float(row["dest_lat"])) if pd.notna(
        row.get("dest_lat")) else None
    site_pt = Point(site.lon, site.lat)
    extra = [site_pt, *([dest_pt] if dest_pt is not None else [])]
    extra += [place.geometry for place in near]
    minx_lon, miny_lat, maxx_lon, maxy_lat = shapely.union_all([route_wgs, *extra]).bounds
    extra_proj = gpd.GeoSeries(extra, crs="EPSG:4326").to_crs(area.G.graph["crs"])
    focus = shapely.union_all([route, *extra_proj])
    minx, miny, maxx, maxy = focus.bounds
    clip = shapely.box(minx, miny, maxx, maxy).buffer(MAP_MARGIN_M, join_style="mitre")
    add_base_network(m, area.G, clip=clip, svg=True)
    labels = street_labels(area.G, route, buffer_m=160.0, max_labels=14, min_spacing_m=140.0,
                           min_length_m=50.0, prefer=_route_street_names(area, route))
    add_street_labels(m, labels)
    parts = latlon_parts(route_wgs)
    static(folium.PolyLine(parts, color="#ffffff", weight=11, opacity=1.0,
                           class_name=svg_class_name("sp-route-casing"))).add_to(m)
    static(folium.PolyLine(parts, color=ROUTE_COLOUR, weight=6, opacity=1.0,
                           class_name=svg_class_name("sp-route"))).add_to(m)
    # Where the route line does not reach the Start or the destination's symbol (paths of a
    # campus that are not mapped), a dotted line in the route's colour joins them.
    for gap in gaps:
        if gap is not None:
            add_gap_line(m, gap, ROUTE_COLOUR, weight=5)
    # Start (the site) and the destination, labelled towards the middle of the map so the
    # labels stay inside it.
    middle_lon = (minx_lon + maxx_lon) / 2.0

    def side(lon: float) -> dict[str, Any]:
        right = lon <= middle_lon
        return {"direction": "right" if right else "left", "offset": [14 if right else -14, 0]}

    # The Start symbol is drawn above post badges (a post at the site's corner would hide it).
    folium.Marker((site.lat, site.lon), icon=folium.DivIcon(
        html=site_symbol_html(), icon_size=(26, 26), icon_anchor=(13, 13),
        class_name="sp-site-icon"), interactive=False, z_index_offset=1000).add_to(m)
    add_label(m, (site.lat, site.lon), f"{t['start_label']}: {site.name}",
              class_name="sp-label sp-start-label", **side(site.lon))
    if dest_pt is not None:
        kind = str(row.get("kind") or "other")
        folium.Marker((dest_pt.y, dest_pt.x), icon=folium.DivIcon(
            html=kind_symbol_html(kind, 26), icon_size=(26, 26), icon_anchor=(13, 13),
            class_name="sp-kind-icon"), interactive=False, z_index_offset=500).add_to(m)
        add_label(m, (dest_pt.y, dest_pt.x), str(row.get("destination") or ""),
                  class_name="sp-label sp-dest-label", **side(dest_pt.x))
    # Badges are numbered (and coloured) 1, 2, ... along this handout's own list of posts.
    for n, place in enumerate(near, start=1):
        geom = place.geometry
        folium.Marker((round(geom.y, 6), round(geom.x, 6)), icon=folium.DivIcon(
            html=post_badge_html(str(n), post_colour(n - 1)), icon_size=(26, 26),
            icon_anchor=post_badge_anchor(geom, site_pt), class_name="sp-post-icon"),
            interactive=False).add_to(m)
    m.fit_bounds([[round(miny_lat, 6), round(minx_lon, 6)],
                  [round(maxy_lat, 6), round(maxx_lon, 6)]], padding=(40, 40))
    return m


def _badge_html(n: int, colour: str) -> Markup:
    dark = colour in DARK_COLOURS
    return Markup('<span class="sp-badge{}" style="background: {}">{}</span>').format(
        " sp-dark" if dark else "", colour, n)


def _lines(text: str, chars_per_line: float) -> int:
    return max(1, -(-len(text) // int(chars_per_line)))


def text_height_in(data: dict[str, Any], title: str) -> float:
    """Estimated printed height (inches) of a handout's text, everything but the map.

    Text is 12 pt Arial at 1.3 line height (0.217 in a line, about 88 characters on the
    7.4 in line); headings and the table as set in the template.
    """
    line = 12 * 1.3 / 72
    per_line = 84.0
    h = _lines(title, 46) * 19 * 1.15 / 72 + 1 / 72          # h1
    h += _lines(f"{data['site']} · {data['summary']}", 78) * 13 * 1.3 / 72 + 5 / 72  # sub
    h += line + 2 / 72                                         # map credit
    legend = 5 + (1 if data.get("gap_line") else 0) + (1 if data.get("posts") else 0)
    h += (1 if legend <= 6 else 2) * (line + 8 / 72) + 4 / 72  # legend row
    h2 = 14 * 1.3 / 72 + 11 / 72
    h += 2 * h2
    if data.get("posts"):
        h += line + 4 / 72
        for post in data["posts"]:
            rows = max(_lines(str(post["name"]), 38), len(post["when"]) or 1)
            h += rows * line + 5 / 72
    else:
        h += line
    steps = data["steps"]
    if len(steps) > data.get("two_columns_from", TWO_COLUMNS_FROM):
        h += sum(_lines(st, 40) * line + 2 / 72 for st in steps) / 2 + line
    else:
        h += sum(_lines(st, per_line - 4) * line + 2 / 72 for st in steps)
    if data.get("gap_note"):
        h += _lines(str(data["gap_note"]), per_line) * line + 4 / 72
    h += _lines(data["safety_tip"], per_line) * line + 5 / 72
    h += 13 / 72                                               # footer rule and margins
    if data.get("notes"):
        h += _lines(" ".join(data["notes"]), per_line) * line + 2 / 72
    h += _lines(data["footer"], per_line) * line + 2 / 72
    return h


def map_height_in(data: dict[str, Any], title: str) -> float:
    """The map's height on paper: :data:`MAP_HEIGHT`, or less so a short handout fits one page.

    When the text (:func:`text_height_in`) and a full-size map overflow one Letter page but
    the text and a map of at least :data:`MAP_MIN_HEIGHT_IN` fit, the map shrinks to fit;
    longer handouts keep the full map and continue on page 2.
    """
    full = float(MAP_HEIGHT.removesuffix("in"))
    room = _PAGE_IN - text_height_in(data, title)
    if room >= full or room < MAP_MIN_HEIGHT_IN:
        return full
    return round(room, 2)


def _units_of(frame: pd.DataFrame, row: pd.Series, units: str | None) -> str:
    """The handout's units: as given, else the frame's, else its directions', else imperial.

    The frame's are ``frame.attrs["units"]``; the directions' are read from the summary line
    ``routes_frame(..., units=...)`` wrote ("0.5 miles" or "0.8 kilometers").
    """
    if units is not None:
        return check_units(units)
    given = getattr(frame, "attrs", {}).get("units")
    if given:
        return check_units(given)
    text = " ".join(str(row.get(k) or "") for k in ("summary_en", "summary_es"))
    if re.search(r"\b(feet|foot|miles?|pies|millas?)\b", text):
        return "imperial"
    if re.search(r"\b(meters?|kilometers?|metros?|kilómetros?)\b", text):
        return "metric"
    return "imperial"


def handout_html(
    area: Area,
    frame: pd.DataFrame,
    which: Any,
    posts: Any = None,
    *,
    lang: str = "en",
    made_on: dt.date | None = None,
    units: str | None = None,
) -> str:
    """Render one handout page.

    Parameters
    ----------
    area : Area
        The loaded area.
    frame : pandas.DataFrame
        :func:`safepassage.pipeline.routes_frame`.
    which : pandas.Series or str
        The safest-route row, or the destination's ``dest_id``.
    posts : pandas.DataFrame, coverage plan or shift plan, optional
        Officer posts (see :func:`safepassage.plot.posts_and_corridor`); those within
        :data:`POST_NEAR_ROUTE_M` of the route are shown with their hours. With a shift plan
        (several time windows), a post standing at the same corner in several windows is one
        row with the hours of each.
    lang : {"en", "es"}
        Language.
    made_on : datetime.date, optional
        The date printed on the handout (today by default).
    units : {"imperial", "metric"}, optional
        Units of the distances the handout adds to its directions (post names, how far an
        unmapped destination is). By default those of the directions themselves.

    Returns
    -------
    str
        The complete, self-contained page.
    """
    lang = check_lang(lang)
    t = STRINGS[lang]
    row = handout_row(frame, which)
    units = _units_of(frame, row, units)
    made_on = made_on or dt.date.today()
    kind = str(row.get("kind") or "other")
    name = str(row.get("destination") or _KIND_SINGULAR[lang].get(kind, ""))
    steps = row.get(f"directions_{lang}")
    if not isinstance(steps, list | tuple) or not steps:
        raise InputError(f"the route to {name} has no {lang} directions")
    summary = str(row.get(f"summary_{lang}") or "")
    p, _ = posts_and_corridor(posts)
    route = gpd.GeoSeries([row["geometry"]], crs="EPSG:4326").to_crs(area.G.graph["crs"]).iloc[0]
    near = _places_on_route(p, area, route)
    title = f"{t['title']}: {name}"
    dest_pt = Point(float(row["dest_lon"]), float(row["dest_lat"])) if pd.notna(
        row.get("dest_lat")) else None
    head, tail = route_gaps(row["geometry"], Point(area.site.lon, area.site.lat), dest_pt)

    gap_note = None
    if tail is not None:
        distance = format_distance(tail.distance_m, lang, units, short=True)
        gap_note = t["dest_gap"].format(name=name, distance=distance,
                                        way=compass_word(tail.bearing, lang))
    notes = []
    if area.site.approximate:
        notes.append(t["approx_site"].format(name=area.site.name))
    if bool(row.get("approximate")):
        notes.append(t["approx_destination"].format(name=name))
    posts_data = []
    for n, place in enumerate(near, start=1):
        shifts = []
        for window, hours in place.shifts():
            when, what = format_hours(hours, lang), _window_text(window, lang)
            text = f"{when} ({what})" if when and what else (when or what)
            if text and text not in shifts:
                shifts.append(text)
        posts_data.append({"badge": _badge_html(n, post_colour(n - 1)),
                           "name": post_name(place.name, lang, units),
                           "when": shifts})
    data = {
        "destination": name,
        "destination_kind": _KIND_SINGULAR[lang].get(kind, kind),
        "site": area.site.name,
        "summary": summary,
        "route_colour": ROUTE_COLOUR,
        "start_symbol": Markup(site_symbol_html(18)),
        "destination_symbol": Markup(kind_symbol_html(kind, 18)),
        "post_symbol": _badge_html(1, post_colour(0)),
        "gap_line": head is not None or tail is not None,
        "posts": posts_data,
        "steps": [str(s) for s in steps],
        "gap_note": gap_note,
        "two_columns_from": TWO_COLUMNS_FROM,
        "notes": notes,
        "sources": data_sources(area, pd.DataFrame({"dest_id": [row.get("dest_id")]}),
                                lang=lang),
        "made_on": format_date(made_on, lang),
        "safety_tip": t["safety_tip"],
    }
    data["footer"] = (f"{t['sources']}: {'; '.join(data['sources'])}. {t['made_on']} "
                      f"{data['made_on']}. {t['made_by']}")
    height = map_height_in(data, title)
    m = _handout_map(area, row, near, lang, title, (head, tail), f"{height:g}in")
    module = _template()
    root = m.get_root()
    root.header.add_child(RawHTML(str(module.style())), name="safepassage_handout_css")
    # The map's own <div> replaces the placeholder of its name when the page is rendered, so
    # it lands between the header and the rest of the handout.
    root.html.add_child(RawHTML(str(module.before_map(t, data))), name="handout_before")
    root.html.add_child(RawHTML(""), name=m.get_name())
    root.html.add_child(RawHTML(str(module.after_map(t, data))), name="handout_after")
    page = render_html(m)
    return page.replace("<html>", f'<html lang="{lang}">', 1)


def _slug_for(row: pd.Series, taken: set[str]) -> str:
    base = slugify(str(row.get("destination") or "")) or slugify(str(row.get("kind") or "place"))
    base = base[:60].strip("-") or "place"
    slug = base
    if slug in taken:
        slug = f"{base}-{slugify(str(row.get('dest_id')))[-12:]}".strip("-")
    n = 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def write_handout(
    path: str | Path,
    area: Area,
    which: Any,
    posts: Any = None,
    *,
    frame: pd.DataFrame | None = None,
    lang: str = "en",
    made_on: dt.date | None = None,
    units: str | None = None,
) -> Path:
    """Write one handout (self-contained HTML) atomically.

    Parameters
    ----------
    path : str or Path
        The HTML file to write.
    area : Area
        The loaded area.
    which : pandas.Series or str
        The safest-route row of :func:`safepassage.pipeline.routes_frame`, or a ``dest_id``
        (then ``frame`` is needed).
    posts : pandas.DataFrame, coverage plan or shift plan, optional
        Officer posts (see :func:`safepassage.plot.posts_and_corridor`).
    frame : pandas.DataFrame, optional
        The routes frame, to look ``which`` up in (a one-row frame of ``which`` otherwise).
    lang : {"en", "es"}
        Language.
    made_on : datetime.date, optional
        Date printed (today by default).
    units : {"imperial", "metric"}, optional
        See :func:`handout_html`.

    Returns
    -------
    Path
        The file written.
    """
    if frame is None:
        if not isinstance(which, pd.Series):
            raise InputError("give the routes frame to look a destination id up in")
        frame = pd.DataFrame([which])
    page = handout_html(area, frame, which, posts, lang=lang, made_on=made_on, units=units)
    return write_html(page, path)


def write_handouts(
    folder: str | Path,
    area: Area,
    frame: pd.DataFrame,
    posts: Any = None,
    kinds: Iterable[str] = ("school",),
    langs: Iterable[str] = LANGS,
    *,
    made_on: dt.date | None = None,
    units: str | None = None,
) -> list[Path]:
    """Write a handout per destination of the given kinds and per language.

    Files are named ``<folder>/<slug>.<lang>.html`` after the destination's name (made unique
    within the folder). Destinations without a safe route get no handout (logged).

    Parameters
    ----------
    folder : str or Path
        Output folder (created if missing).
    area : Area
        The loaded area.
    frame : pandas.DataFrame
        :func:`safepassage.pipeline.routes_frame`.
    posts : pandas.DataFrame, coverage plan or shift plan, optional
        Officer posts (see :func:`safepassage.plot.posts_and_corridor`). Give the whole
        :class:`~safepassage.coverage.ShiftPlan` so that each post lists the hours of every
        time window it is staffed in (arrival and dismissal ...).
    kinds : iterable of str, default ("school",)
        Destination kinds to write handouts for ("school", "park", "transit", ...).
    langs : iterable of str, default ("en", "es")
        Languages.
    made_on : datetime.date, optional
        Date printed (today by default).
    units : {"imperial", "metric"}, optional
        See :func:`handout_html`.

    Returns
    -------
    list of Path
        Files written, in destination order then language order.
    """
    wanted = {str(k) for k in kinds}
    codes = [check_lang(lang) for lang in langs]
    unknown = wanted - set(KIND_STYLES)
    if unknown:
        raise InputError(f"unknown destination kind(s) {', '.join(sorted(unknown))}: use "
                         f"{', '.join(KIND_STYLES)}")
    folder = Path(folder)
    made_on = made_on or dt.date.today()
    p, _ = posts_and_corridor(posts)
    taken: set[str] = set()
    out: list[Path] = []
    for _, group in frame.groupby("dest_id", sort=False):
        first = group.iloc[0]
        if str(first.get("kind")) not in wanted:
            continue
        safest = group[group["role"] == "safest"]
        if not len(safest):
            log.warning("no handout for %s: %s", first.get("destination"),
                        first.get("reason") or "no safe route")
            continue
        row = safest.iloc[0]
        slug = _slug_for(row, taken)
        for lang in codes:
            page = handout_html(area, frame, row, p, lang=lang, made_on=made_on, units=units)
            out.append(write_html(page, folder / f"{slug}.{lang}.html"))
    return out


def write_handout_pdf(
    html_path: str | Path,
    pdf_path: str | Path | None = None,
    *,
    timeout: float = chromium.DEFAULT_TIMEOUT,
) -> Path | None:
    """Print a handout to PDF (US Letter) with headless Chromium, offline.

    Parameters
    ----------
    html_path : str or Path
        A handout written by :func:`write_handout`.
    pdf_path : str or Path, optional
        The PDF to write (next to the HTML, ``.pdf``, by default); replaced atomically.
    timeout : float
        Seconds Chromium may take.

    Returns
    -------
    Path or None
        The PDF, or None when no Chromium is installed (a warning says so; nothing is
        written).

    Raises
    ------
    safepassage.chromium.BrowserError
        If Chromium is installed but fails or times out.
    """
    html_path = Path(html_path)
    pdf = Path(pdf_path) if pdf_path is not None else html_path.with_suffix(".pdf")
    if chromium.find_chromium() is None:
        log.warning("%s; PDF of %s not written", chromium.MISSING_MESSAGE, html_path.name)
        return None
    return chromium.print_pdf(html_path, pdf, timeout=timeout)


def write_handout_pdfs(
    html_paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    timeout: float = chromium.DEFAULT_TIMEOUT,
) -> list[Path]:
    """Print many handouts to PDF at once, each next to its HTML (``.pdf``).

    Headless Chromium processes print side by side (:func:`safepassage.chromium.print_pdfs`),
    each with its own throw-away profile and each printing page after page without starting
    again; every PDF is replaced atomically.

    Parameters
    ----------
    html_paths : iterable of str or Path
        Handouts written by :func:`write_handouts`.
    workers : int, optional
        Browsers at a time (default: one per two CPUs, see
        :func:`safepassage.chromium.pdf_workers`).
    timeout : float
        Seconds each Chromium may take.

    Returns
    -------
    list of Path
        The PDFs, in the order of ``html_paths``; empty when no Chromium is installed (a
        warning says so; nothing is written).

    Raises
    ------
    safepassage.chromium.BrowserError
        If Chromium is installed but fails or times out on a handout (the others are still
        printed first).
    """
    pages = [Path(h) for h in html_paths]
    if not pages:
        return []
    if chromium.find_chromium() is None:
        log.warning("%s; %d handout PDF(s) not written", chromium.MISSING_MESSAGE, len(pages))
        return []
    return chromium.print_pdfs([(h, h.with_suffix(".pdf")) for h in pages], workers=workers,
                               timeout=timeout)
