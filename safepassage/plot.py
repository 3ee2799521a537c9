"""Officer and planner maps: self-contained folium pages drawn on the street network itself.

Every map here is built on :func:`safepassage.offline.offline_map` (Leaflet inlined, no network)
and reads with no map tiles at all: the base map is the area's own walking network
(:func:`add_base_network`: streets as thin grey lines on one canvas, simplified, coordinates
rounded to 6 decimals) with the names of the main streets near the routes written along them
(:func:`street_labels`, :func:`add_street_labels`). OpenStreetMap's tiles stay an optional layer,
off by default.

- :func:`officer_map` / :func:`write_officer_map`: for a field officer's phone. Safe routes
  coloured by their risk per metre (:data:`RISK_CLASSES`, a viridis-based, colour-blind-safe
  ramp), officer posts with the corridor stretch each covers (the covered segments themselves)
  and their hours in popups, destinations as symbols by kind (one GeoJSON layer per kind), the
  site point with its "approximate" note, a legend, the layer switcher, full screen, scale and
  "locate me".
- :func:`planner_map` / :func:`write_planner_map`: for a planner's desk. Walking demand along
  the corridor as line width and colour intensity, covered segments in blue and gaps in dashed
  orange, the posts, and a side panel with the coverage figures and the gaps by street name;
  a second plan is shown as its own set of layers to toggle against the first.
- :func:`write_index`: an ``index.html`` linking every output of a run.

Posts and the corridor come from :mod:`safepassage.coverage`; this module reads them through
a small adapter (:func:`normalize_posts`, :func:`normalize_corridor`, :func:`coverage_view`)
that accepts either the plain GeoDataFrames described there or a coverage plan object, so a
renamed column costs one line here.

Every text that is not ours (OpenStreetMap names, post names, plan labels) is escaped before it
reaches HTML: labels and tooltips through :mod:`safepassage.offline`'s helpers, GeoJSON tooltips
as pre-escaped properties, layer names and the side panel with
:func:`safepassage.offline.escape_text`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template
from folium.utilities import JsCode
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from .errors import InputError
from .incident_layer import add_incident_layer, incident_panel_html
from .incidents import IncidentUse
from .offline import (
    OSM_ATTRIBUTION,
    RawHTML,
    add_label,
    bind_popup,
    bind_tooltip,
    escape_text,
    js_literal,
    offline_map,
    popup_html,
    svg_class_name,
    write_html,
)
from .safety import parse_window
from .source import Area

__all__ = [
    "DARK_COLOURS",
    "KIND_STYLES",
    "POST_COLOURS",
    "RISK_CLASSES",
    "CoverageView",
    "KindStyle",
    "PostPlace",
    "RiskClass",
    "RouteGap",
    "StreetLabel",
    "add_base_network",
    "add_gap_line",
    "add_legend",
    "add_map_css",
    "add_street_labels",
    "approximate_note",
    "base_network_lines",
    "clean_name",
    "compass_word",
    "coverage_view",
    "data_sources",
    "kind_symbol_html",
    "latlon_parts",
    "line_swatch",
    "metres_between",
    "normalize_corridor",
    "normalize_posts",
    "officer_map",
    "planner_map",
    "post_badge_anchor",
    "post_badge_html",
    "post_colour",
    "post_places",
    "posts_and_corridor",
    "risk_class",
    "route_gaps",
    "short_street_name",
    "site_symbol_html",
    "static",
    "street_labels",
    "time_window_label",
    "unique_edges",
    "write_index",
    "write_officer_map",
    "write_planner_map",
]

#: Decimal places kept in coordinates written into pages (6 decimals ≈ 0.1 m).
COORD_DECIMALS = 6

#: Tolerance (metres) of the base network's simplification.
SIMPLIFY_M = 1.0

# --------------------------------------------------------------------------------------------
# Palettes and symbols
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskClass:
    """A band of route risk per metre walked.

    Attributes
    ----------
    key : str
        CSS-safe identifier ("low", ...).
    upper : float
        Exclusive upper bound of ``risk / length`` (metres-equivalent of danger per metre).
    colour : str
        Line colour.
    label_en, label_es : str
        Legend text.
    """

    key: str
    upper: float
    colour: str
    label_en: str
    label_es: str


#: Route risk bands, from the viridis ramp (ordered in lightness, readable with every common
#: colour-vision deficiency). ``risk`` is the route's metres-equivalent of danger
#: (:mod:`safepassage.safety`), so ``risk / length`` is the extra danger per metre walked.
RISK_CLASSES: tuple[RiskClass, ...] = (
    RiskClass("low", 0.10, "#35b779", "Low", "Bajo"),
    RiskClass("moderate", 0.25, "#21918c", "Moderate", "Moderado"),
    RiskClass("elevated", 0.50, "#3b528b", "Elevated", "Elevado"),
    RiskClass("high", math.inf, "#440154", "High", "Alto"),
)

#: Colours of officer posts and their stretches (Okabe-Ito, colour-blind safe), in turn.
POST_COLOURS: tuple[str, ...] = (
    "#e69f00", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000", "#999999",
)

#: Planner map: covered corridor (blues) and gaps (oranges), light to dark by demand band.
COVERED_RAMP: tuple[str, ...] = ("#9ecae1", "#4292c6", "#2171b5", "#08306b")
GAP_RAMP: tuple[str, ...] = ("#fdae6b", "#f16913", "#d94801", "#7f2704")
DEMAND_WIDTHS: tuple[float, ...] = (3.0, 5.0, 7.5, 10.0)


@dataclass(frozen=True)
class KindStyle:
    """How a destination kind is drawn: a shape, a colour and a letter (never colour alone).

    Attributes
    ----------
    shape : str
        "square", "triangle", "diamond" or "circle".
    colour : str
        Fill colour (Okabe-Ito).
    letter : str
        One letter inside the shape.
    label_en, label_es : str
        Legend and layer names.
    """

    shape: str
    colour: str
    letter: str
    label_en: str
    label_es: str


#: Symbols of destination kinds (:data:`safepassage.features.KINDS`).
KIND_STYLES: dict[str, KindStyle] = {
    "school": KindStyle("square", "#0072b2", "S", "Schools", "Escuelas"),
    "kindergarten": KindStyle("square", "#56b4e9", "K", "Kindergartens and childcare",
                              "Kínderes y guarderías"),
    "park": KindStyle("triangle", "#009e73", "P", "Parks", "Parques"),
    "playground": KindStyle("triangle", "#e69f00", "J", "Playgrounds", "Juegos infantiles"),
    "recreation": KindStyle("diamond", "#cc79a7", "R", "Recreation centres",
                            "Centros recreativos"),
    "library": KindStyle("diamond", "#d55e00", "L", "Libraries", "Bibliotecas"),
    "transit": KindStyle("circle", "#000000", "T", "Transit stops", "Paradas de transporte"),
    "business": KindStyle("circle", "#999999", "B", "Grocery and shops", "Tiendas"),
    "other": KindStyle("circle", "#666666", "•", "Other places", "Otros lugares"),
}

_SHAPES = {
    "square": '<rect x="2" y="2" width="20" height="20" rx="3"',
    "triangle": '<path d="M12 1 L23 22 L1 22 Z"',
    "diamond": '<path d="M12 1 L23 12 L12 23 L1 12 Z"',
    "circle": '<circle cx="12" cy="12" r="10.5"',
}


def kind_symbol_html(kind: str, size: int = 22) -> str:
    """Inline SVG symbol of a destination kind (our own static markup, no user text).

    Parameters
    ----------
    kind : str
        A destination kind; unknown kinds draw as "other".
    size : int, default 22
        Width and height in CSS pixels.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    style = KIND_STYLES.get(kind, KIND_STYLES["other"])
    text_y = 17 if style.shape == "triangle" else 16.5
    return (
        f'<svg class="sp-symbol" width="{int(size)}" height="{int(size)}" viewBox="0 0 24 24" '
        f'aria-hidden="true" focusable="false">'
        f'{_SHAPES[style.shape]} fill="{style.colour}" stroke="#ffffff" stroke-width="1.5"/>'
        f'<text x="12" y="{text_y}" text-anchor="middle" font-size="11" font-weight="bold" '
        f'font-family="Arial, Helvetica, sans-serif" fill="#ffffff">'
        f"{escape_text(style.letter)}</text></svg>"
    )


def risk_class(risk: float, length_m: float) -> RiskClass:
    """The band of a route's risk per metre.

    Parameters
    ----------
    risk : float
        The route's risk (metres-equivalent of danger).
    length_m : float
        Its length.

    Returns
    -------
    RiskClass
    """
    per_m = float(risk) / float(length_m) if length_m and length_m > 0 else 0.0
    if not math.isfinite(per_m):
        return RISK_CLASSES[-1]
    for cls in RISK_CLASSES:
        if per_m < cls.upper:
            return cls
    return RISK_CLASSES[-1]


# --------------------------------------------------------------------------------------------
# Shared CSS, legend and HTML controls
# --------------------------------------------------------------------------------------------

MAP_CSS = """
.sp-street-icon { background: none; border: none; }
.sp-street {
  position: absolute; left: 0; top: 0; white-space: nowrap; pointer-events: none;
  font: bold 12px/1.1 Arial, Helvetica, sans-serif; color: #3a3a3a; letter-spacing: 0.02em;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff;
}
.sp-kind-icon, .sp-post-icon, .sp-site-icon { background: none; border: none; }
.sp-kind-icon svg, .sp-site-icon svg { display: block; filter: drop-shadow(0 1px 1px #0006); }
.sp-post-badge {
  width: 26px; height: 26px; border-radius: 50%; border: 3px solid #fff; box-sizing: border-box;
  display: flex; align-items: center; justify-content: center; color: #000;
  font: bold 12px/1 Arial, Helvetica, sans-serif; box-shadow: 0 1px 4px #0009;
}
.sp-post-badge.sp-dark { color: #fff; }
.sp-legend {
  background: #fff; padding: 6px 10px; border-radius: 5px; max-width: 17rem;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4); font: 13px/1.35 Arial, Helvetica, sans-serif;
  color: #222; max-height: 60vh; overflow-y: auto;
}
.sp-legend summary { font-weight: bold; cursor: pointer; }
.sp-legend h4 { margin: 6px 0 2px; font-size: 13px; }
.sp-legend ul { list-style: none; margin: 0; padding: 0; }
.sp-legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.sp-legend .sp-swatch { display: inline-block; width: 28px; flex: none; border-radius: 2px; }
.sp-legend .sp-sym { width: 28px; flex: none; display: flex; justify-content: center; }
.sp-legend p { margin: 4px 0 0; font-size: 12px; color: #444; }
.sp-tip { font: 13px/1.3 Arial, Helvetica, sans-serif; }
.leaflet-container { background: #f7f7f4; }
/* The start (the housing site) stays visible above a post badge at the same corner. */
.sp-site-icon svg { background: #fff; border-radius: 50%; box-shadow: 0 0 0 2px #fff; }
/* Phones: long place labels wrap and shrink instead of running off the screen. */
@media (max-width: 640px) {
  .leaflet-tooltip.sp-label {
    font-size: 11px; line-height: 1.2; white-space: normal; max-width: 8.5rem;
    width: max-content; padding: 2px 4px;
  }
  .sp-street { font-size: 10px; }
}
"""


class _HtmlControl(MacroElement):
    """A Leaflet control holding trusted HTML of ours (a legend), added to its parent map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position_js }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.class_js }});
                div.innerHTML = {{ this.html_js }};
                var details = div.querySelector("details");
                if (details && window.matchMedia &&
                    window.matchMedia("(max-width: 640px)").matches) {
                    details.open = false;
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str, class_name: str) -> None:
        super().__init__()
        self._name = "SafePassageHtmlControl"
        self.position_js = js_literal(position)
        self.class_js = js_literal(class_name)
        self.html_js = js_literal(html)


def add_legend(
    m: folium.Map,
    sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    title: str = "Legend",
    note: str | None = None,
    position: str = "bottomright",
) -> MacroElement:
    """Add a collapsible legend (open on wide screens, closed on phones).

    Parameters
    ----------
    m : folium.Map
        The map.
    sections : sequence of (str, sequence of (str, str))
        ``(heading, [(symbol_html, text), ...])``: headings and texts are plain text (escaped
        here); symbols are trusted HTML of ours (swatches, :func:`kind_symbol_html`).
    title : str, default "Legend"
        Plain text.
    note : str, optional
        A plain-text line under the sections.
    position : str, default "bottomright"
        Map corner.

    Returns
    -------
    branca.element.MacroElement
        The control.
    """
    parts = [f'<details open><summary>{escape_text(title)}</summary>']
    for heading, items in sections:
        if not items:
            continue
        parts.append(f"<h4>{escape_text(heading)}</h4><ul>")
        for symbol, text in items:
            parts.append(f"<li>{symbol}<span>{escape_text(text)}</span></li>")
        parts.append("</ul>")
    if note:
        parts.append(f"<p>{escape_text(note)}</p>")
    parts.append("</details>")
    control = _HtmlControl("".join(parts), position, "sp-legend")
    m.add_child(control, name="safepassage_legend")
    return control


def line_swatch(colour: str, width: float = 5.0, *, dashed: bool = False) -> str:
    """A legend swatch of a line (trusted HTML of ours)."""
    style = "dashed" if dashed else "solid"
    return (f'<span class="sp-swatch" style="border-top: {max(width, 2.0):.0f}px {style} '
            f'{escape_text(colour)}; height: 0"></span>')


def _symbol(html: str) -> str:
    return f'<span class="sp-sym">{html}</span>'


def static(layer: Any) -> Any:
    """Make a folium path ignore the mouse (folium drops an ``interactive`` argument).

    Non-interactive paths cost nothing on the canvas when the pointer moves, and show no
    pointer cursor.

    Parameters
    ----------
    layer : folium.vector_layers.PolyLine or similar
        A folium path (anything with Leaflet ``options``).

    Returns
    -------
    Any
        The layer.
    """
    layer.options["interactive"] = False
    return layer


def add_map_css(m: folium.Map) -> None:
    """Put the CSS of this module's labels, symbols and legend in the page header (once)."""
    m.get_root().header.add_child(RawHTML(f"<style>{MAP_CSS}</style>"), name="safepassage_maps_css")


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------


def _to_wgs84(G: nx.MultiDiGraph) -> Transformer:
    return Transformer.from_crs(G.graph["crs"], "EPSG:4326", always_xy=True)


def latlon_parts(geom: BaseGeometry | None) -> list[list[list[float]]]:
    """The lines of a WGS84 geometry as ``[[lat, lon], ...]`` lists, rounded."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, LineString):
        lines = [geom]
    elif isinstance(geom, MultiLineString):
        lines = list(geom.geoms)
    elif hasattr(geom, "geoms"):
        lines = [g for g in geom.geoms if isinstance(g, LineString)]
    else:
        return []
    out = []
    for line in lines:
        xy = np.round(shapely.get_coordinates(line), COORD_DECIMALS)
        if len(xy) >= 2:
            out.append([[float(y), float(x)] for x, y in xy])
    return out


def clean_name(value: Any) -> str | None:
    """A street name, or None for missing values (the demo extract writes "nan")."""
    if isinstance(value, list | tuple):
        value = next((v for v in value if clean_name(v)), None)
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    return text


_HIGHWAY_GROUPS: dict[str, str] = {
    **{h: "major" for h in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    **{f"{h}_link": "major" for h in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    **{h: "street" for h in ("unclassified", "residential", "living_street", "pedestrian",
                             "service", "road", "busway")},
}

#: Drawing order and style of the base network's groups.
_BASE_STYLES: dict[str, dict[str, Any]] = {
    "path": {"color": "#c4c4c4", "weight": 1.0, "opacity": 1.0},
    "street": {"color": "#b0b0b0", "weight": 2.0, "opacity": 1.0},
    "major": {"color": "#9a9a9a", "weight": 3.5, "opacity": 1.0},
}

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


def unique_edges(G: nx.MultiDiGraph) -> Iterable[tuple[Any, Any, dict[str, Any]]]:
    """Each street once (both directions of a way are one line)."""
    seen: set[tuple[Any, Any, float]] = set()
    for u, v, data in G.edges(data=True):
        a, b = (u, v) if str(u) <= str(v) else (v, u)
        key = (a, b, round(float(data.get("length", 0.0)), 1))
        if key in seen:
            continue
        seen.add(key)
        yield u, v, data


def _edge_geometry(G: nx.MultiDiGraph, u: Any, v: Any, data: Mapping[str, Any]) -> LineString:
    geom = data.get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def base_network_lines(
    G: nx.MultiDiGraph,
    *,
    clip: BaseGeometry | None = None,
    tolerance_m: float = SIMPLIFY_M,
) -> dict[str, list[list[list[float]]]]:
    """The walking network as simplified WGS84 lines, grouped for drawing.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared (projected) network.
    clip : shapely geometry, optional
        Keep only what lies inside this area (in the network's projected CRS).
    tolerance_m : float, default :data:`SIMPLIFY_M`
        Douglas-Peucker tolerance in metres.

    Returns
    -------
    dict
        ``{"path" | "street" | "major": [[[lat, lon], ...], ...]}``, coordinates rounded to
        :data:`COORD_DECIMALS` decimals.
    """
    groups: dict[str, list[LineString]] = {"path": [], "street": [], "major": []}
    prepared = None
    if clip is not None:
        prepared = clip
        shapely.prepare(prepared)
    for u, v, data in unique_edges(G):
        geom = _edge_geometry(G, u, v, data)
        if prepared is not None and not prepared.intersects(geom):
            continue
        highway = data.get("highway")
        if isinstance(highway, list):
            highway = highway[0] if highway else None
        groups[_HIGHWAY_GROUPS.get(str(highway), "path")].append(geom)
    out: dict[str, list[list[list[float]]]] = {}
    crs = G.graph["crs"]
    for key, lines in groups.items():
        if not lines:
            out[key] = []
            continue
        series = gpd.GeoSeries(lines, crs=crs)
        if tolerance_m > 0:
            series = series.simplify(tolerance_m, preserve_topology=False)
        series = series.to_crs("EPSG:4326")
        parts: list[list[list[float]]] = []
        for geom in series:
            parts.extend(latlon_parts(geom))
        out[key] = parts
    return out


def add_base_network(
    parent: folium.Map | folium.FeatureGroup,
    G: nx.MultiDiGraph,
    *,
    clip: BaseGeometry | None = None,
    tolerance_m: float = SIMPLIFY_M,
    svg: bool = False,
) -> list[folium.PolyLine]:
    """Draw the street network as thin grey lines (one multi-line per street class).

    On a map that prefers canvas (the default of :func:`~safepassage.offline.offline_map`) the
    network goes on the canvas: three layers, however many streets. With ``svg`` the lines are
    SVG paths (crisp when printed).

    Parameters
    ----------
    parent : folium.Map or folium.FeatureGroup
        Where to draw.
    G : networkx.MultiDiGraph
        Prepared network.
    clip : shapely geometry, optional
        Projected area to keep (see :func:`base_network_lines`).
    tolerance_m : float
        Simplification tolerance in metres.
    svg : bool, default False
        Draw with SVG instead of the canvas.

    Returns
    -------
    list of folium.PolyLine
        The layers drawn.
    """
    lines = base_network_lines(G, clip=clip, tolerance_m=tolerance_m)
    layers = []
    for key in ("path", "street", "major"):
        if not lines.get(key):
            continue
        opts = dict(_BASE_STYLES[key])
        if svg:
            opts["class_name"] = svg_class_name("sp-base", f"sp-base-{key}")
        layer = static(folium.PolyLine(lines[key], smooth_factor=1.0, **opts))
        parent.add_child(layer)
        layers.append(layer)
    return layers


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
    by_name: dict[str, list[LineString]] = {}
    rank: dict[str, int] = {}
    for u, v, data in unique_edges(G):
        highway = data.get("highway")
        if isinstance(highway, list):
            highway = highway[0] if highway else None
        if str(highway) not in _LABEL_RANK and not str(highway).endswith("_link"):
            continue
        name = clean_name(data.get("name"))
        if name is None:
            continue
        geom = _edge_geometry(G, u, v, data)
        if area is not None:
            if not area.intersects(geom):
                continue
            geom = geom.intersection(area)
        by_name.setdefault(name, []).extend(
            g for g in getattr(geom, "geoms", [geom]) if isinstance(g, LineString)
        )
        rank[name] = min(rank.get(name, 9), _LABEL_RANK.get(str(highway).removesuffix("_link"), 5))
    preferred = {n for n in prefer if n}
    candidates = []
    for name, lines in by_name.items():
        merged = shapely.line_merge(shapely.union_all(lines))
        pieces = [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, LineString)]
        if not pieces:
            continue
        longest = max(pieces, key=lambda g: g.length)
        if longest.length < min_length_m:
            continue
        total = sum(g.length for g in pieces)
        candidates.append((0 if name in preferred else 1, rank.get(name, 9), -total, name,
                           longest))
    candidates.sort(key=lambda c: c[:4])
    to_wgs = _to_wgs84(G)
    placed: list[Point] = []
    labels: list[StreetLabel] = []
    for *_, name, line in candidates:
        if len(labels) >= max_labels:
            break
        for frac in (0.5, 0.3, 0.7, 0.15, 0.85):
            at = line.interpolate(frac, normalized=True)
            if all(at.distance(p) >= min_spacing_m for p in placed):
                break
        else:
            continue
        d = frac * line.length
        a = line.interpolate(max(d - 12.0, 0.0))
        b = line.interpolate(min(d + 12.0, line.length))
        angle = -math.degrees(math.atan2(b.y - a.y, b.x - a.x))  # screen y points down
        while angle > 90.0:
            angle -= 180.0
        while angle <= -90.0:
            angle += 180.0
        lon, lat = to_wgs.transform(at.x, at.y)
        placed.append(at)
        labels.append(StreetLabel(name, short_street_name(name), round(float(lat), 6),
                                  round(float(lon), 6), round(angle, 1), round(line.length, 1)))
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


def _focus_geometry(G: nx.MultiDiGraph, geoms: Iterable[BaseGeometry | None]) -> BaseGeometry:
    """WGS84 geometries as one projected geometry (empty if none)."""
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if not valid:
        return shapely.GeometryCollection()
    series = gpd.GeoSeries(valid, crs="EPSG:4326").to_crs(G.graph["crs"])
    return shapely.union_all(series.to_numpy())


def _bounds_latlon(geoms: Iterable[BaseGeometry | None]) -> list[list[float]] | None:
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if not valid:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(valid, dtype=object))
    r = COORD_DECIMALS
    return [[round(float(miny), r), round(float(minx), r)],
            [round(float(maxy), r), round(float(maxx), r)]]


# --------------------------------------------------------------------------------------------
# Where a route leaves the mapped streets
# --------------------------------------------------------------------------------------------

#: A destination farther than this (metres) from the end of its route is joined to it by a
#: dashed line, and the handout says how far and which way it is.
DEST_GAP_M = 30.0

#: The site point farther than this (metres) from the first point of a route is joined to it
#: by a dashed line, so the route visibly leaves from the Start symbol.
START_GAP_M = 15.0

#: Posts closer than this (metres) to the housing site have their badge moved aside so the
#: Start symbol stays visible.
BADGE_NEAR_START_M = 35.0

_GEOD = Geod(ellps="WGS84")

_COMPASS_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("north", "northeast", "east", "southeast", "south", "southwest", "west",
           "northwest"),
    "es": ("norte", "noreste", "este", "sureste", "sur", "suroeste", "oeste", "noroeste"),
}


def compass_word(bearing: float, lang: str = "en") -> str:
    """The nearest of eight compass directions: 315° is "northwest" ("noroeste")."""
    words = _COMPASS_WORDS["es" if lang == "es" else "en"]
    return words[round((float(bearing) % 360.0) / 45.0) % 8]


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
    _, _, d = _GEOD.inv(a.x, a.y, b.x, b.y)
    return float(d)


def _gap(a: Point, b: Point, more_than_m: float) -> RouteGap | None:
    az, _, d = _GEOD.inv(a.x, a.y, b.x, b.y)
    if not math.isfinite(d) or d <= more_than_m:
        return None
    return RouteGap(a, b, float(d), float(az) % 360.0)


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


def post_badge_anchor(place: Point, start: Point | None, size: int = 26) -> tuple[int, int]:
    """Where a post badge hangs from its point: centred, or beside the Start symbol.

    A post at (or next to) the housing site would hide the Start symbol; its badge is then
    drawn up and to the right of its point, just touching it.
    """
    if start is not None and metres_between(place, start) <= BADGE_NEAR_START_M:
        return (-(size // 4), size + size // 5)
    return (size // 2, size // 2)


# --------------------------------------------------------------------------------------------
# Sources and credits
# --------------------------------------------------------------------------------------------


def _uses_ladot(G: nx.MultiDiGraph, sample: int = 400) -> bool:
    """Whether the network carries LADOT traffic attributes (the demo extract does)."""
    keys = ("aadt", "busy", "control_type:forward", "control_type:backward", "xwalk:forward")
    for i, (_, _, data) in enumerate(G.edges(data=True)):
        if i >= sample:
            break
        for key in keys:
            value = data.get(key)
            if value is not None and str(value).lower() not in ("nan", "none", ""):
                return True
    return False


def data_sources(
    area: Area, frame: pd.DataFrame | None = None, *, lang: str = "en"
) -> list[str]:
    """The credits a page must show, as plain text.

    Always "© OpenStreetMap contributors" ("© colaboradores de OpenStreetMap" in Spanish: the
    network and OSM destinations); "LA Metro" when a
    destination shown came from LA Metro's GTFS; "LADOT" when the network carries LADOT traffic
    attributes.

    Parameters
    ----------
    area : Area
        The loaded area.
    frame : pandas.DataFrame, optional
        Rows of what the page shows (destinations or routes, with ``dest_id`` or ``source``);
        all of the area's destinations if None.
    lang : {"en", "es"}
        Language of the descriptions.

    Returns
    -------
    list of str
    """
    es = lang == "es"
    out = ["© colaboradores de OpenStreetMap (ODbL): calles y lugares" if es
           else "© OpenStreetMap contributors (ODbL): streets and places"]
    ids: set[str] = set()
    if frame is not None and "dest_id" in frame:
        ids = {str(x) for x in frame["dest_id"].dropna()}
    dest = area.destinations
    metro = False
    if len(dest) and "source" in dest:
        rows = dest if frame is None else dest[dest["dest_id"].astype(str).isin(ids)]
        metro = bool(rows["source"].astype(str).str.contains("Metro", case=False).any())
    if not metro and ids:
        metro = any(i.startswith("metro:") for i in ids)
    if metro:
        out.append("LA Metro (GTFS): " + (
            "paradas de autobús y tren" if es else "bus and rail stops"))
    if _uses_ladot(area.G):
        out.append("LADOT: " + (
            "volumen de tráfico y cruces" if es else "traffic volumes and crossings"))
    return out


# --------------------------------------------------------------------------------------------
# Posts and corridor: the adapter
# --------------------------------------------------------------------------------------------


def _window_hours(window: Any) -> str:
    """"14:00-16:00" for a named window, the span itself for "HH:MM-HH:MM", "" if unknown."""
    if window is None or (isinstance(window, float) and math.isnan(window)):
        return ""
    name = getattr(window, "name", window)
    try:
        tw = parse_window(str(name))
    except InputError:
        return ""
    if tw.minutes >= 1440:
        return "all day"
    start, end = tw.start % 1440, tw.end % 1440
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def time_window_label(window: Any) -> str:
    """A time window as planners read it: "dismissal, 14:00-16:00" ("" if unknown).

    Parameters
    ----------
    window : TimeWindow or str
        A window object (with ``name``) or a name ("dismissal", "HH:MM-HH:MM").

    Returns
    -------
    str
    """
    if window is None or (isinstance(window, float) and math.isnan(window)):
        return ""
    name = str(getattr(window, "name", window) or "").strip()
    if not name:
        return ""
    hours = _window_hours(name)
    if not hours or hours == name:
        return name.replace("_", " ")
    return f"{name.replace('_', ' ')}, {hours}"


def _listify(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, float) and math.isnan(value):
        return []
    try:
        return [str(v) for v in value]
    except TypeError:
        return [str(value)]


def normalize_posts(posts: pd.DataFrame | None) -> gpd.GeoDataFrame | None:
    """Officer posts with the columns the maps read, whatever their producer called them.

    Reads a GeoDataFrame (or DataFrame with ``lat``/``lon``) of posts. The result, in WGS84, has
    ``post_id`` (from ``id``, else "P1", "P2", ...), ``name``, ``window``, ``hours`` (kept if it
    is a clock span such as "14:00-16:00", else derived from the window: "dismissal" →
    "14:00-16:00"), ``demand_covered`` (NaN if unknown), ``covered_segments`` (list of segment
    ids, from ``segments`` if needed) and point geometry.

    Parameters
    ----------
    posts : pandas.DataFrame or None
        The posts.

    Returns
    -------
    geopandas.GeoDataFrame or None
        None if there are no posts.
    """
    if posts is None or len(posts) == 0:
        return None
    if isinstance(posts, gpd.GeoDataFrame) and posts.geometry.name in posts:
        p = posts.copy()
        if p.crs is not None and not p.crs.equals("EPSG:4326"):
            p = p.to_crs("EPSG:4326")
    elif {"lat", "lon"} <= set(posts.columns):
        p = gpd.GeoDataFrame(
            posts.copy(),
            geometry=gpd.points_from_xy(posts["lon"].astype(float), posts["lat"].astype(float)),
            crs="EPSG:4326",
        )
    else:
        raise InputError("posts need point geometry or lat/lon columns")
    p = p.reset_index(drop=True)
    if "post_id" not in p:
        p["post_id"] = p["id"].astype(str) if "id" in p else [f"P{i + 1}" for i in range(len(p))]
    p["post_id"] = p["post_id"].astype(str)
    if "name" not in p:
        p["name"] = p["post_id"]
    if "window" not in p:
        p["window"] = ""
    p["window"] = [getattr(w, "name", w) if w is not None else "" for w in p["window"]]
    given = p["hours"] if "hours" in p else pd.Series([None] * len(p), index=p.index)
    p["hours"] = [
        str(h) if isinstance(h, str) and ":" in h else _window_hours(w)
        for h, w in zip(given, p["window"], strict=True)
    ]
    if "demand_covered" not in p:
        p["demand_covered"] = np.nan
    source = "covered_segments" if "covered_segments" in p else (
        "segments" if "segments" in p else None)
    p["covered_segments"] = (
        [_listify(v) for v in p[source]] if source else [[] for _ in range(len(p))]
    )
    return p


def normalize_corridor(
    corridor: pd.DataFrame | None, posts: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame | None:
    """The corridor with the columns the maps read, in WGS84.

    Columns of the result: ``segment_id`` (str), ``name`` (street name or a description of an
    unnamed way), ``length_m``, ``demand``, ``covered`` (bool) and ``post_id`` (the post credited
    with the segment, or None), line geometry. ``covered`` and ``post_id`` are derived from the
    posts' ``covered_segments`` when the corridor lacks them.

    Parameters
    ----------
    corridor : geopandas.GeoDataFrame or None
        Corridor segments (any CRS).
    posts : geopandas.GeoDataFrame, optional
        Normalised posts (:func:`normalize_posts`).

    Returns
    -------
    geopandas.GeoDataFrame or None
    """
    if corridor is None or len(corridor) == 0:
        return None
    c = corridor.copy().reset_index(drop=True)
    if not isinstance(c, gpd.GeoDataFrame):
        raise InputError("the corridor must be a GeoDataFrame of lines")
    if "length_m" not in c:
        projected = c.to_crs(c.estimate_utm_crs()) if c.crs and c.crs.is_geographic else c
        c["length_m"] = projected.geometry.length.to_numpy()
    if c.crs is not None and not c.crs.equals("EPSG:4326"):
        c = c.to_crs("EPSG:4326")
    if "segment_id" not in c:
        c["segment_id"] = [str(i) for i in range(len(c))]
    c["segment_id"] = c["segment_id"].astype(str)
    if "name" not in c:
        c["name"] = c.get("street", None)
    c["name"] = [clean_name(n) or "unnamed way" for n in c["name"]]
    if "demand" not in c:
        c["demand"] = 1.0
    c["demand"] = pd.to_numeric(c["demand"], errors="coerce").fillna(0.0).astype(float)
    credited: dict[str, str] = {}
    if posts is not None:
        for pid, segs in zip(posts["post_id"], posts["covered_segments"], strict=True):
            for s in segs:
                credited.setdefault(str(s), str(pid))
    given = c["post_id"] if "post_id" in c else [credited.get(s) for s in c["segment_id"]]
    post_ids = [None if clean_name(p) is None else str(p) for p in given]
    c["post_id"] = pd.Series(post_ids, index=c.index, dtype=object)
    if "covered" in c:
        c["covered"] = [bool(v) if v is not None and v == v else False for v in c["covered"]]
    else:
        c["covered"] = [p is not None for p in post_ids]
    c["covered"] = c["covered"].astype(bool)
    return c


@dataclass
class CoverageView:
    """One officer plan as the maps draw it: the corridor, the posts and a label.

    Attributes
    ----------
    corridor : geopandas.GeoDataFrame
        Normalised corridor (:func:`normalize_corridor`).
    posts : geopandas.GeoDataFrame or None
        Normalised posts (:func:`normalize_posts`).
    label : str
        Plain-text name of the plan ("Plan A", "4 officers, dismissal").
    """

    corridor: gpd.GeoDataFrame
    posts: gpd.GeoDataFrame | None
    label: str
    uncovered: pd.DataFrame | None = None
    by_street: list[tuple[str, float, float]] | None = None
    window: str = ""
    radius_m: float | None = None

    def figures(self) -> dict[str, float]:
        """Coverage figures: lengths, demand-weighted lengths and shares, posts.

        "Covered %" is the share of the corridor's demand × length (demand-metres) on covered
        segments, as in :mod:`safepassage.coverage`.

        Returns
        -------
        dict
            ``posts``, ``segments``, ``total_length_m``, ``covered_length_m``,
            ``covered_length_pct``, ``total_weight``, ``covered_weight``, ``covered_pct``,
            ``gaps`` (uncovered stretches of a coverage plan, else uncovered segments),
            ``gap_streets`` (streets with gaps, see :meth:`gaps`).
        """
        c = self.corridor
        length = c["length_m"].to_numpy(dtype=float)
        weight = length * c["demand"].to_numpy(dtype=float)
        cov = c["covered"].to_numpy(dtype=bool)
        total_w, cov_w = float(weight.sum()), float(weight[cov].sum())
        total_l, cov_l = float(length.sum()), float(length[cov].sum())
        return {
            "posts": 0 if self.posts is None else len(self.posts),
            "segments": len(c),
            "total_length_m": total_l,
            "covered_length_m": cov_l,
            "covered_length_pct": 100.0 * cov_l / total_l if total_l > 0 else 100.0,
            "total_weight": total_w,
            "covered_weight": cov_w,
            "covered_pct": 100.0 * cov_w / total_w if total_w > 0 else 100.0,
            "gaps": (len(self.uncovered) if self.uncovered is not None
                     else int((~c["covered"]).sum())),
            "gap_streets": len(self.gaps()),
        }

    def gaps(self) -> pd.DataFrame:
        """The uncovered corridor by street, most walking demand first.

        For a coverage plan this is coverage's own account: the streets and totals of
        :func:`safepassage.coverage.gaps_by_street` (what ``coverage.json`` lists as
        ``uncovered_by_street``), each with the lengths of its uncovered stretches from the
        plan's ``uncovered`` table (what the command line prints, "West 7th Street: 152 m").
        For a plain corridor table, the uncovered length per street name.

        Returns
        -------
        pandas.DataFrame
            ``name``, ``length_m`` (uncovered metres on the street), ``weight`` (demand ×
            length), ``share`` (of the plan's walking demand, 0-1), ``stretches`` (lengths of
            the uncovered stretches, longest first; empty when unknown).
        """
        cols = ["name", "length_m", "weight", "share", "stretches"]
        total = self.figures_total_weight()
        if self.uncovered is not None:
            u = self.uncovered
            if not len(u):
                return pd.DataFrame({k: pd.Series(dtype=object) for k in cols})
            stretches: dict[str, list[float]] = {}
            for name, length in zip(u["name"], u["length_m"], strict=True):
                stretches.setdefault(str(name), []).append(float(length))
            by_street = self.by_street
            if by_street is None:
                by_street = []
                for name, lengths in stretches.items():
                    w = float(u.loc[u["name"].astype(str) == name, "weight"].sum())
                    by_street.append((name, sum(lengths), w / total if total > 0 else 0.0))
                by_street.sort(key=lambda t: (-t[2], t[0]))
            return pd.DataFrame({
                "name": [clean_name(n) or "unnamed way" for n, _, _ in by_street],
                "length_m": [float(x) for _, x, _ in by_street],
                "weight": [float(sh) * total for _, _, sh in by_street],
                "share": [float(sh) for _, _, sh in by_street],
                "stretches": [sorted(stretches.get(str(n), []), reverse=True)
                              for n, _, _ in by_street],
            }, columns=cols)
        c = self.corridor[~self.corridor["covered"]]
        if not len(c):
            return pd.DataFrame({k: pd.Series(dtype=object) for k in cols})
        t = pd.DataFrame({"name": c["name"].to_numpy(), "length_m": c["length_m"].to_numpy(),
                          "weight": (c["length_m"] * c["demand"]).to_numpy()})
        g = t.groupby("name", sort=False).agg(length_m=("length_m", "sum"),
                                               weight=("weight", "sum")).reset_index()
        g["share"] = g["weight"] / total if total > 0 else 0.0
        g["stretches"] = [[] for _ in range(len(g))]
        g = g.sort_values(["weight", "name"], ascending=[False, True], kind="stable")
        return g[cols].reset_index(drop=True)

    def figures_total_weight(self) -> float:
        """The corridor's walking demand × length (what shares are of)."""
        c = self.corridor
        return float((c["length_m"].to_numpy(dtype=float)
                      * c["demand"].to_numpy(dtype=float)).sum())


def coverage_view(
    coverage: Any,
    posts: pd.DataFrame | None = None,
    *,
    label: str = "Plan A",
) -> CoverageView:
    """Read one officer plan for the maps.

    Parameters
    ----------
    coverage : CoverageView, geopandas.GeoDataFrame or coverage plan
        A view (returned with ``label`` if it has none), a corridor GeoDataFrame (see
        :func:`normalize_corridor`; ``posts`` then gives the posts), or an object with
        ``posts`` and ``problem.segments`` and a boolean ``covered`` array per segment (a
        :class:`safepassage.coverage.CoveragePlan`).
    posts : pandas.DataFrame, optional
        Posts for a corridor GeoDataFrame.
    label : str, default "Plan A"
        Plain-text name of the plan.

    Returns
    -------
    CoverageView

    Raises
    ------
    InputError
        If ``coverage`` is none of these or has no corridor.
    """
    if isinstance(coverage, CoverageView):
        return coverage
    if isinstance(coverage, gpd.GeoDataFrame):
        p = normalize_posts(posts)
        c = normalize_corridor(coverage, p)
    elif hasattr(coverage, "posts") and hasattr(coverage, "problem"):
        p = normalize_posts(coverage.posts if posts is None else posts)
        segs = coverage.problem.segments.copy()
        covered = getattr(coverage, "covered", None)
        if covered is not None and len(covered) == len(segs):
            segs["covered"] = np.asarray(covered, dtype=bool)
        window = getattr(coverage, "window", None)
        if p is not None and window is not None and (p["window"] == "").all():
            p["window"] = getattr(window, "name", str(window))
            p["hours"] = [_window_hours(w) for w in p["window"]]
        c = normalize_corridor(segs, p)
        if c is None:
            raise InputError("the coverage plan has no corridor to draw")
        uncovered = getattr(coverage, "uncovered", None)
        by_street = None
        try:
            from .coverage import gaps_by_street

            by_street = gaps_by_street(coverage)
        except (ImportError, AttributeError, TypeError):  # an older coverage module
            by_street = None
        return CoverageView(
            c, p, label,
            uncovered=uncovered if isinstance(uncovered, pd.DataFrame) else None,
            by_street=by_street,
            window=time_window_label(window),
            radius_m=getattr(coverage.problem, "radius_m", None),
        )
    elif isinstance(getattr(coverage, "plans", None), Mapping):
        raise InputError("a shift plan holds one coverage plan per time window: give one of "
                         "them (shifts.plans[window]) to compare on the planner map")
    else:
        raise InputError(f"cannot read a coverage plan from {type(coverage).__name__}")
    if c is None:
        raise InputError("the coverage plan has no corridor to draw")
    return CoverageView(c, p, label)


def posts_and_corridor(
    posts: Any, corridor: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """Posts and corridor for the officer map and the handouts, from any coverage result.

    Parameters
    ----------
    posts : pandas.DataFrame, coverage plan, shift plan or None
        A posts table (then ``corridor`` gives the corridor), a
        :class:`safepassage.coverage.CoveragePlan`, or a
        :class:`safepassage.coverage.ShiftPlan` (an object whose ``plans`` maps window names
        to coverage plans): every window's posts are shown, with ids such as
        "dismissal/P1" when there are several windows.
    corridor : geopandas.GeoDataFrame, optional
        The corridor, for a posts table.

    Returns
    -------
    tuple
        ``(posts, corridor)``, normalised (:func:`normalize_posts`,
        :func:`normalize_corridor`); either may be None.
    """
    if posts is None or isinstance(posts, pd.DataFrame):
        p = normalize_posts(posts)
        return p, normalize_corridor(corridor, p)
    plans = getattr(posts, "plans", None)
    named = list(plans.items()) if isinstance(plans, Mapping) else [("", posts)]
    post_parts, corridor_parts = [], []
    for name, plan in named:
        view = coverage_view(plan, label=str(name))
        if view.posts is None:
            continue
        vp, vc = view.posts.copy(), view.corridor.copy()
        if len(named) > 1:
            vp["post_id"] = [f"{name}/{pid}" for pid in vp["post_id"]]
            vc["post_id"] = [None if pid is None else f"{name}/{pid}" for pid in vc["post_id"]]
        post_parts.append(vp)
        corridor_parts.append(vc[vc["post_id"].notna()])
    if not post_parts:
        return None, None
    p = gpd.GeoDataFrame(pd.concat(post_parts, ignore_index=True), crs="EPSG:4326")
    c = gpd.GeoDataFrame(pd.concat(corridor_parts, ignore_index=True), crs="EPSG:4326")
    return p, c


# --------------------------------------------------------------------------------------------
# Layers shared by the maps
# --------------------------------------------------------------------------------------------


def post_colour(i: int) -> str:
    """The colour of the ``i``-th post (0-based), from :data:`POST_COLOURS` in turn."""
    return POST_COLOURS[i % len(POST_COLOURS)]


#: Post colours dark enough to carry white text.
DARK_COLOURS = frozenset({"#000000", "#d55e00", "#0072b2"})


def post_badge_html(number: str, colour: str) -> str:
    """A round, numbered post badge (escaped number, trusted colour of ours)."""
    cls = "sp-post-badge sp-dark" if colour in DARK_COLOURS else "sp-post-badge"
    return (f'<div class="{cls}" style="background: {escape_text(colour)}">'
            f"{escape_text(number)}</div>")


def _fmt_int(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return ""
    return "" if not math.isfinite(v) else f"{v:,.0f}"


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
        From :func:`normalize_posts` or :func:`posts_and_corridor`.

    Returns
    -------
    list of PostPlace
        In the order each place first appears.
    """
    if posts is None:
        return []
    places: dict[Any, PostPlace] = {}
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


def _share_text(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(v):
        return ""
    return f"{v:.0f} %" if v >= 10 else f"{v:.1f} %"


def _place_rows(place: PostPlace, stretch_m: float | None, total_weight: float | None = None
                ) -> list[tuple[str, object]]:
    """A post's popup in plain words: hours per window, share of the walking demand, reach.

    No internal ids, and no units of the optimiser ("demand-metres").
    """
    rows: list[tuple[str, object]] = []
    for window, hours in place.shifts():
        rows.append((window.replace("_", " ").capitalize() if window else "Hours",
                     hours or "not set"))
    def share(p: Mapping[str, Any]) -> str:
        pct = p.get("covered_pct")
        if not _share_text(pct) and total_weight and _fmt_int(p.get("demand_covered")):
            pct = 100.0 * float(p["demand_covered"]) / total_weight
        return _share_text(pct)

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


def _add_posts(
    parent: folium.FeatureGroup,
    posts: gpd.GeoDataFrame,
    corridor: gpd.GeoDataFrame | None,
    *,
    stretches: bool = True,
    start: Point | None = None,
) -> list[PostPlace]:
    """Posts as numbered badges (one per place) with escaped popups, and what each covers.

    A badge within :data:`BADGE_NEAR_START_M` of ``start`` (the housing site) is drawn beside
    its point so the Start symbol stays visible.
    """
    places = post_places(posts)
    total_weight = None
    if corridor is not None and len(corridor):
        unique = corridor.drop_duplicates("segment_id")
        total_weight = float((unique["length_m"] * unique["demand"]).sum()) or None
    for place in places:
        stretch_m = None
        if stretches and corridor is not None:
            mine = corridor[corridor["post_id"].isin(place.post_ids)]
            mine = mine.drop_duplicates("segment_id")
            if len(mine):
                stretch_m = float(mine["length_m"].sum())
                parts: list[list[list[float]]] = []
                for geom in mine.geometry:
                    parts.extend(latlon_parts(geom))
                line = folium.PolyLine(parts, color=place.colour, weight=12, opacity=0.55,
                                       class_name=svg_class_name("sp-stretch"))
                bind_tooltip(line, f"Post {place.number} ({place.name}) covers this stretch")
                parent.add_child(line)
        geom = place.geometry
        marker = folium.Marker(
            (round(geom.y, COORD_DECIMALS), round(geom.x, COORD_DECIMALS)),
            icon=folium.DivIcon(html=post_badge_html(str(place.number), place.colour),
                                icon_size=(26, 26), icon_anchor=post_badge_anchor(geom, start),
                                class_name="sp-post-icon"),
        )
        bind_popup(marker, popup_html(_place_rows(place, stretch_m, total_weight),
                                      title=f"Post {place.number}: {place.name}"))
        hours = "; ".join(h for _, h in place.shifts() if h)
        bind_tooltip(marker, f"Post {place.number}: {place.name}" + (f" ({hours})" if hours
                                                                      else ""))
        parent.add_child(marker)
    return places


def _destination_features(dest: gpd.GeoDataFrame, kind: str) -> dict[str, Any]:
    feats = []
    style = KIND_STYLES.get(kind, KIND_STYLES["other"])
    for row in dest.to_dict("records"):
        lat, lon = row.get("lat"), row.get("lon")
        if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
            geom = row.get("geometry")
            if geom is None or geom.is_empty:
                continue
            pt = geom.representative_point()
            lat, lon = pt.y, pt.x
        name = clean_name(row.get("name")) or style.label_en.rstrip("s")
        rows: list[tuple[str, object]] = [("Kind", kind)]
        if row.get("source"):
            rows.append(("Source", row.get("source")))
        if bool(row.get("approximate")):
            rows.append(("Location", "approximate"))
        if row.get("usable") is False or str(row.get("usable")) == "False":
            rows.append(("Not routed", row.get("problem") or "unusable"))
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lon), COORD_DECIMALS),
                                                          round(float(lat), COORD_DECIMALS)]},
            # Pre-escaped HTML: Leaflet shows these with innerHTML.
            "properties": {"tip": escape_text(name), "popup": popup_html(rows, title=name)},
        })
    return {"type": "FeatureCollection", "features": feats}


_BIND_FROM_PROPERTIES = JsCode(
    "function (feature, layer) {"
    " var p = feature.properties || {};"
    " if (p.tip) { layer.bindTooltip(p.tip, {className: 'sp-tip'}); }"
    " if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 320}); }"
    " }"
)


def _add_destinations(m: folium.Map, area: Area, *, label_kinds: Sequence[str] = ("school",),
                      middle_lon: float | None = None) -> list[str]:
    """One GeoJSON layer per destination kind (symbols, escaped tooltips and popups)."""
    dest = area.destinations
    kinds: list[str] = []
    if not len(dest):
        return kinds
    order = list(KIND_STYLES)
    present = sorted({str(k) for k in dest["kind"]}, key=lambda k: (
        order.index(k) if k in order else len(order), k))
    for kind in present:
        rows = dest[dest["kind"].astype(str) == kind]
        style = KIND_STYLES.get(kind, KIND_STYLES["other"])
        size = 24 if kind == "school" else 20
        group = folium.FeatureGroup(name=escape_text(style.label_en), show=True)
        icon = folium.DivIcon(html=kind_symbol_html(kind, size), icon_size=(size, size),
                              icon_anchor=(size // 2, size // 2), class_name="sp-kind-icon")
        folium.GeoJson(
            _destination_features(rows, kind),
            name=escape_text(style.label_en),
            control=False,
            marker=folium.Marker(icon=icon),
            on_each_feature=_BIND_FROM_PROPERTIES,
        ).add_to(group)
        if kind in label_kinds:
            for row in rows.to_dict("records"):
                name = clean_name(row.get("name"))
                if name and row.get("lat") is not None and math.isfinite(row["lat"]):
                    add_label(group, (float(row["lat"]), float(row["lon"])), name,
                              class_name="sp-label sp-place-label",
                              **_label_side(float(row["lon"]), middle_lon, size // 2 + 2))
        group.add_to(m)
        kinds.append(kind)
    return kinds


def site_symbol_html(size: int = 26) -> str:
    """Inline SVG of the housing site (a house), our own static markup."""
    return (
        f'<svg class="sp-symbol" width="{int(size)}" height="{int(size)}" viewBox="0 0 24 24" '
        'aria-hidden="true" focusable="false">'
        '<path d="M12 2 L22 11 L19 11 L19 22 L5 22 L5 11 L2 11 Z" fill="#000000" '
        'stroke="#ffffff" stroke-width="1.5"/><rect x="10" y="15" width="4" height="7" '
        'fill="#ffffff"/></svg>'
    )


def approximate_note(area: Area, lang: str = "en") -> str | None:
    """The site point's "approximate" note as plain text, or None for a surveyed point."""
    site = area.site
    if not site.approximate:
        return None
    if lang == "es":
        return (f"La ubicación de {site.name} es aproximada; la ruta empieza en la calle más "
                "cercana a ese punto.")
    detail = f" ({site.accuracy})" if site.accuracy else ""
    return (f"The location of {site.name} is approximate{detail}; routes start at the street "
            "nearest to that point.")


def _label_side(lon: float, middle_lon: float | None, gap: int) -> dict[str, Any]:
    """Label options that put a label on the side of its point facing the map's middle."""
    right = middle_lon is None or lon <= middle_lon
    return {"direction": "right" if right else "left", "offset": [gap if right else -gap, 0]}


def _add_site(parent: folium.Map | folium.FeatureGroup, area: Area,
              middle_lon: float | None = None) -> None:
    site = area.site
    marker = folium.Marker(
        (round(site.lat, COORD_DECIMALS), round(site.lon, COORD_DECIMALS)),
        icon=folium.DivIcon(html=site_symbol_html(), icon_size=(26, 26), icon_anchor=(13, 13),
                            class_name="sp-site-icon"),
        z_index_offset=1000,  # above a post badge at the same corner
    )
    rows: list[tuple[str, object]] = [("Site", site.name)]
    if site.reference_address:
        rows.append(("Address", site.reference_address))
    if site.lapd_division:
        rows.append(("LAPD division", site.lapd_division))
    rows.append(("Location", "approximate" if site.approximate else "surveyed"))
    if site.accuracy:
        rows.append(("Accuracy", site.accuracy))
    bind_popup(marker, popup_html(rows, title=site.name))
    parent.add_child(marker)
    text = f"{site.name} (approximate location)" if site.approximate else site.name
    add_label(parent, (site.lat, site.lon), text, class_name="sp-label sp-site-label",
              **_label_side(site.lon, middle_lon, 14))
    if site.approximate:
        # A dashed ring says "somewhere around here" without claiming a precise radius.
        static(folium.CircleMarker(
            (site.lat, site.lon), radius=22, color="#000000", weight=1.5, dash_array="4 4",
            fill=False, class_name=svg_class_name("sp-site-ring"),
        )).add_to(parent)


def _safest(frame: pd.DataFrame) -> pd.DataFrame:
    ok = frame[(frame["role"] == "safest") & frame.geometry.notna()]
    return ok[~ok.geometry.is_empty]


def _legend_kinds(kinds: Iterable[str], lang: str = "en") -> list[tuple[str, str]]:
    out = []
    for kind in kinds:
        style = KIND_STYLES.get(kind, KIND_STYLES["other"])
        out.append((_symbol(kind_symbol_html(kind, 18)),
                    style.label_es if lang == "es" else style.label_en))
    return out


# --------------------------------------------------------------------------------------------
# Officer map
# --------------------------------------------------------------------------------------------


def officer_map(
    area: Area,
    frame: gpd.GeoDataFrame,
    posts: Any = None,
    corridor: gpd.GeoDataFrame | None = None,
    *,
    title: str | None = None,
    online_tiles: bool = True,
    show_shortest: bool = False,
) -> folium.Map:
    """The field officer's map: safe routes by risk, posts and their stretches, destinations.

    Parameters
    ----------
    area : Area
        The loaded area (network, site, destinations).
    frame : geopandas.GeoDataFrame
        :func:`safepassage.pipeline.routes_frame` (WGS84, one row per route).
    posts : pandas.DataFrame, coverage plan or shift plan, optional
        Officer posts (see :func:`normalize_posts`), or a result of
        :mod:`safepassage.coverage` (see :func:`posts_and_corridor`).
    corridor : geopandas.GeoDataFrame, optional
        Corridor segments with the post covering each (see :func:`normalize_corridor`), for a
        posts table; the covered segments are drawn under the routes in their post's
        colour.
    title : str, optional
        Page title (plain text); "Officer map: <site>" by default.
    online_tiles : bool, default True
        Offer OpenStreetMap's tiles as an optional layer (off until switched on).
    show_shortest : bool, default False
        Show the shortest routes (dashed grey) when the page opens; they are in the layer
        switcher either way.

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
    safest = _safest(frame)
    focus = _focus_geometry(area.G, [*safest.geometry, Point(site.lon, site.lat)])
    labels = folium.FeatureGroup(name="Street names", show=True)
    add_street_labels(labels, street_labels(area.G, focus))
    labels.add_to(m)

    site_pt = Point(site.lon, site.lat)
    dest_pts = _route_destination_points(safest)
    view = [*safest.geometry, site_pt, *dest_pts]
    bounds_all = _bounds_latlon(view)
    middle_lon = None if bounds_all is None else (bounds_all[0][1] + bounds_all[1][1]) / 2.0

    p, c = posts_and_corridor(posts, corridor)
    if p is not None:
        stretches = folium.FeatureGroup(name="Officer posts and the stretch each covers")
        _add_posts(stretches, p, c, start=site_pt)
        stretches.add_to(m)

    shortest = frame[(frame["role"] == "shortest") & frame.geometry.notna()]
    if len(shortest):
        short_group = folium.FeatureGroup(name="Shortest routes (for comparison)",
                                          show=show_shortest)
        for row in shortest.to_dict("records"):
            parts = latlon_parts(row["geometry"])
            if parts:
                line = folium.PolyLine(parts, color="#666666", weight=3, opacity=0.8,
                                       dash_array="6 6",
                                       class_name=svg_class_name("sp-shortest"))
                bind_tooltip(line, f"Shortest route to {row.get('destination')}")
                short_group.add_child(line)
        short_group.add_to(m)

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
        head, tail = route_gaps(row["geometry"], site_pt, _destination_point(row))
        if head is not None and (round(head.end.y, 5), round(head.end.x, 5)) not in starts:
            starts.add((round(head.end.y, 5), round(head.end.x, 5)))
            gaps.append(head)
            add_gap_line(routes, head, cls.colour, weight=4)
        if tail is not None:
            gaps.append(tail)
            add_gap_line(routes, tail, cls.colour, weight=4)
    routes.add_to(m)

    kinds = _add_destinations(m, area, middle_lon=middle_lon)
    site_group = folium.FeatureGroup(name="Housing site")
    _add_site(site_group, area, middle_lon)
    site_group.add_to(m)

    sections: list[tuple[str, list[tuple[str, str]]]] = [
        ("Safe routes: risk per metre", [
            (line_swatch(c.colour, 5), c.label_en) for c in RISK_CLASSES
        ]),
    ]
    if gaps:
        sections[0][1].append((line_swatch("#555555", 3, dashed=True),
                               "No mapped street (straight line)"))
    if p is not None:
        sections.append(("Officer posts", [
            (_symbol(post_badge_html("1", post_colour(0))), "Post (tap for hours)"),
            (line_swatch(post_colour(0), 10), "Stretch the post covers"),
        ]))
    sections.append(("Places", [(_symbol(site_symbol_html(18)), "Housing site"),
                                *_legend_kinds(kinds)]))
    sections.append(("Base map", [(line_swatch("#9a9a9a", 3.5), "Main street"),
                                  (line_swatch("#c4c4c4", 1.5), "Footway or sidewalk")]))
    note = approximate_note(area)
    credits = "; ".join(data_sources(area))
    add_legend(m, sections, title="Legend",
               note=(note + " " if note else "") + "Data: " + credits)
    m.add_child(folium.LayerControl(collapsed=True), name="safepassage_layers")
    # The first view: the routes, the site, the places they lead to and the posts; labels
    # face the middle of it, so they stay on screen.
    bounds = _bounds_latlon([*view, *([] if p is None else list(p.geometry))])
    if bounds:
        m.fit_bounds(bounds, padding=(24, 24))
    return m


def _destination_point(row: Mapping[str, Any]) -> Point | None:
    lat, lon = row.get("dest_lat"), row.get("dest_lon")
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return Point(lon, lat)


def _route_destination_points(safest: pd.DataFrame) -> list[Point]:
    pts = (_destination_point(r) for r in safest.to_dict("records"))
    return [pt for pt in pts if pt is not None]


def write_officer_map(
    path: str | Path,
    area: Area,
    frame: gpd.GeoDataFrame,
    posts: Any = None,
    corridor: gpd.GeoDataFrame | None = None,
    **kwargs: Any,
) -> Path:
    """Write the officer map atomically (see :func:`officer_map` for the parameters).

    Returns
    -------
    Path
        The file written.
    """
    return write_html(officer_map(area, frame, posts, corridor, **kwargs), path)


# --------------------------------------------------------------------------------------------
# Planner map
# --------------------------------------------------------------------------------------------


def _demand_breaks(values: np.ndarray, bands: int = 4) -> list[float]:
    """Upper bounds of demand bands (quantiles of the values, rounded, increasing)."""
    v = values[np.isfinite(values) & (values > 0)]
    if not len(v):
        return [math.inf]
    qs = np.quantile(v, np.linspace(0, 1, bands + 1)[1:-1])
    breaks: list[float] = []
    for q in qs:
        b = float(np.round(q, 1))
        if (not breaks or b > breaks[-1]) and b < float(v.max()):
            breaks.append(b)
    return [*breaks, math.inf]


def _band(value: float, breaks: Sequence[float]) -> int:
    for i, b in enumerate(breaks):
        if value <= b:
            return i
    return len(breaks) - 1


def _fmt_num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.1f}".rstrip("0").rstrip(".")


_BAND_WORDS: dict[int, tuple[str, ...]] = {
    1: ("People walking",),
    2: ("Fewer people walking", "More people walking"),
    3: ("Fewest people walking", "Some", "Most people walking"),
    4: ("Fewest people walking", "Fewer", "More", "Most people walking"),
}


def _band_labels(breaks: Sequence[float]) -> list[str]:
    """Legend texts of demand bands, in words: "Fewest people walking" ... "Most ..."."""
    n = len(breaks)
    if n in _BAND_WORDS:
        return list(_BAND_WORDS[n])
    return [f"Band {i + 1} of {n}" for i in range(n)]


def _share(weight: float, total: float) -> str:
    if total <= 0 or not math.isfinite(weight):
        return ""
    pct = 100.0 * weight / total
    if pct >= 10:
        return f"{pct:.0f} %"
    if pct >= 0.1:
        return f"{pct:.1f} %"
    return "less than 0.1 %"


def _length_text(metres: float) -> str:
    return f"{metres / 1000:,.1f} km" if metres >= 1000 else f"{metres:,.0f} m"


def _post_refs(view: CoverageView) -> dict[str, str]:
    """Post id -> "post 3 (Olive Street & West 5th Street)", numbered as on the map."""
    refs: dict[str, str] = {}
    for place in post_places(view.posts):
        for pid in place.post_ids:
            refs[pid] = f"post {place.number} ({place.name})"
    return refs


def _corridor_geojson(view: CoverageView, covered: bool, breaks: Sequence[float],
                      *, dashed: bool) -> dict[str, Any]:
    c = view.corridor[view.corridor["covered"] == covered]
    ramp = COVERED_RAMP if covered else GAP_RAMP
    total = view.figures()["total_weight"]
    refs = _post_refs(view)
    feats = []
    for row in c.to_dict("records"):
        geom = row["geometry"]
        parts = latlon_parts(geom)
        if not parts:
            continue
        band = min(_band(float(row["demand"]), breaks), len(ramp) - 1)
        style = {"color": ramp[band], "weight": DEMAND_WIDTHS[band], "opacity": 0.9}
        if dashed:
            style["dashArray"] = "8 6"
        length = float(row["length_m"])
        share = _share(length * float(row["demand"]), total)
        by = refs.get(str(row.get("post_id"))) if row.get("post_id") else None
        rows: list[tuple[str, object]] = [
            ("Length", _length_text(length)),
            ("Share of walking demand", share or "none"),
            ("Covered", f"yes, by {by}" if covered and by
             else ("yes" if covered else "no: a gap")),
        ]
        coords = [[[lon, lat] for lat, lon in part] for part in parts]
        feats.append({
            "type": "Feature",
            "geometry": ({"type": "LineString", "coordinates": coords[0]} if len(coords) == 1
                         else {"type": "MultiLineString", "coordinates": coords}),
            "properties": {
                "style": style,
                "tip": escape_text(f"{row['name']}: " + (
                    f"covered by {by}" if covered and by else "covered" if covered
                    else "gap, no officer within reach")),
                "popup": popup_html(rows, title=row["name"]),
            },
        })
    return {"type": "FeatureCollection", "features": feats}


def _panel_html(area: Area, views: Sequence[CoverageView], title: str,
                breaks: Sequence[float], band_labels: Sequence[str], max_gaps: int,
                extra_html: str = "") -> str:
    e = escape_text
    figs = [v.figures() for v in views]
    head = "".join(f"<th scope=\"col\">{e(v.label)}</th>" for v in views)

    def row(label: str, values: Iterable[str]) -> str:
        return f"<tr><th scope=\"row\">{e(label)}</th>" + "".join(
            f"<td>{e(x)}</td>" for x in values) + "</tr>"

    windows = [v.window for v in views]
    same_window = len(set(windows)) == 1
    table = [
        f'<table class="sp-figures"><thead><tr><th></th>{head}</tr></thead><tbody>',
        *([] if same_window else [row("Time window", (w or "not given" for w in windows))]),
        row("Officer posts", (str(f["posts"]) for f in figs)),
        row("Walking demand covered", (f"{f['covered_pct']:.1f} %" for f in figs)),
        row("Corridor covered", (
            f"{f['covered_length_m'] / 1000:,.1f} km of {f['total_length_m'] / 1000:,.1f} km"
            for f in figs)),
        row("Gaps", (f"{f['gaps']} stretches on {f['gap_streets']} streets"
                     if f["gaps"] != f["gap_streets"] else f"{f['gaps']} streets"
                     for f in figs)),
        "</tbody></table>",
    ]
    radii = {v.radius_m for v in views if v.radius_m}
    reach = (f"within a {next(iter(radii)):,.0f} m walk of an officer post" if len(radii) == 1
             else "within an officer's reach")
    parts = [
        '<aside class="sp-panel" aria-label="Coverage">',
        f"<h1>{e(title)}</h1>",
        f'<p class="sp-site">{e(area.site.name)}</p>',
    ]
    if same_window and windows[0]:
        parts.append(f'<p class="sp-window">Time window: <strong>{e(windows[0])}</strong></p>')
    parts += [
        "<h2>Coverage</h2>",
        *table,
        '<p class="sp-small">The corridor is every street a safe route walks. Walking demand '
        "is how many people are expected on each street in this time window (from the "
        "schools, parks and stops its routes lead to), times its length; covered means "
        f"{e(reach)}.</p>",
    ]
    for v in views:
        gaps = v.gaps()
        parts.append(f"<h2>Gaps: {e(v.label)}</h2>")
        if not len(gaps):
            parts.append("<p>None: every street of the corridor is covered.</p>")
            continue
        parts.append('<ol class="sp-gaps">')
        for g in gaps.head(max_gaps).to_dict("records"):
            share = _share(float(g["share"]), 1.0)
            pieces = g["stretches"]
            figs_text = _length_text(float(g["length_m"]))
            if len(pieces) > 1:
                figs_text += (f" in {len(pieces)} stretches ("
                              + ", ".join(f"{x:,.0f}" for x in pieces) + " m)")
            if share:
                figs_text += f", {share} of the walking demand"
            parts.append(f"<li><span class=\"sp-gap-name\">{e(g['name'])}</span> "
                         f"<span class=\"sp-gap-figs\">{e(figs_text)}</span></li>")
        parts.append("</ol>")
        if len(gaps) > max_gaps:
            rest = gaps.iloc[max_gaps:]
            parts.append(f"<p class=\"sp-small\">and {len(rest)} more streets "
                         f"({e(_length_text(float(rest['length_m'].sum())))}).</p>")
    parts.append(extra_html)  # already escaped (incident counts by class)
    legend = ['<h2>Map key</h2><ul class="sp-key">']
    for i, label in enumerate(band_labels):
        legend.append(
            f"<li>{line_swatch(COVERED_RAMP[i], DEMAND_WIDTHS[i])}"
            f"{line_swatch(GAP_RAMP[i], DEMAND_WIDTHS[i], dashed=True)}"
            f"<span>{e(label)}</span></li>")
    legend.append("</ul><p class=\"sp-small\">Blue, solid: covered. Orange, dashed: gap. "
                  "Wider and darker: more people walking. Numbered circles: officer posts."
                  "</p>")
    parts.extend(legend)
    note = approximate_note(area)
    if note:
        parts.append(f'<p class="sp-small">{e(note)}</p>')
    parts.append(f'<p class="sp-small">Data: {e("; ".join(data_sources(area)))}. Made '
                 f"{e(dt.date.today().isoformat())}.</p>")
    parts.append("</aside>")
    return "".join(parts)


PANEL_CSS = """
.folium-map { width: calc(100% - 23rem) !important; }
.sp-panel {
  position: fixed; top: 0; right: 0; bottom: 0; width: 23rem; box-sizing: border-box;
  overflow-y: auto; padding: 12px 16px; background: #fff; border-left: 1px solid #ccc;
  font: 14px/1.4 Arial, Helvetica, sans-serif; color: #222;
}
.sp-panel h1 { font-size: 19px; margin: 0 0 2px; }
.sp-panel h2 { font-size: 15px; margin: 14px 0 4px; }
.sp-panel .sp-site { margin: 0; color: #444; }
.sp-panel .sp-window { margin: 4px 0 0; }
.sp-figures { border-collapse: collapse; width: 100%; }
.sp-figures th, .sp-figures td { text-align: left; padding: 3px 6px 3px 0; vertical-align: top;
  border-bottom: 1px solid #eee; }
.sp-figures thead th { border-bottom: 2px solid #ccc; }
.sp-gaps { margin: 0; padding-left: 1.5em; }
.sp-gaps li { margin: 2px 0; }
.sp-gap-figs { color: #555; display: block; }
.sp-key { list-style: none; margin: 0; padding: 0; }
.sp-key li { display: flex; align-items: center; gap: 6px; margin: 4px 0; }
.sp-key .sp-swatch { display: inline-block; width: 28px; }
.sp-small { font-size: 12px; color: #444; }
@media (max-width: 760px) {
  .folium-map { width: 100% !important; height: 65vh !important; }
  .sp-panel { position: static; width: auto; border-left: none; border-top: 1px solid #ccc; }
  html, body { height: auto !important; }
}
@media print {
  .folium-map { width: 100% !important; height: 60vh !important; }
  .sp-panel { position: static; width: auto; border: none; }
}
"""


def planner_map(
    area: Area,
    frame: gpd.GeoDataFrame,
    coverage_a: Any,
    coverage_b: Any = None,
    *,
    posts_a: pd.DataFrame | None = None,
    posts_b: pd.DataFrame | None = None,
    labels: tuple[str, str] = ("Plan A", "Plan B"),
    title: str | None = None,
    online_tiles: bool = True,
    max_gaps: int = 25,
    incidents: IncidentUse | None = None,
) -> folium.Map:
    """The planner's map: demand on the corridor, covered against gaps, one or two plans.

    Parameters
    ----------
    area : Area
        The loaded area.
    frame : geopandas.GeoDataFrame
        :func:`safepassage.pipeline.routes_frame`; the safe routes are a layer (off at first).
    coverage_a : Any
        The plan to show: see :func:`coverage_view` (a corridor GeoDataFrame with
        ``posts_a``, a :class:`CoverageView` or a coverage plan).
    coverage_b : Any, optional
        A second plan to compare: its layers are in the layer switcher, off at first, and the
        side panel shows its figures and gaps next to the first plan's.
    posts_a, posts_b : pandas.DataFrame, optional
        Posts of each plan when the plans are given as corridor GeoDataFrames.
    labels : tuple of (str, str)
        Plain-text names of the two plans.
    title : str, optional
        Page title; "Planner map: <site> (<window>, <hours>)" by default, the time window
        being the first plan's ("dismissal, 14:00-16:00").
    online_tiles : bool, default True
        Offer OpenStreetMap's tiles as an optional layer.
    max_gaps : int, default 25
        Longest list of gap streets per plan in the panel.
    incidents : IncidentUse, optional
        The window's incidents: a density layer and counts by class in the panel.

    Returns
    -------
    folium.Map
    """
    site = area.site
    views = [coverage_view(coverage_a, posts_a, label=labels[0])]
    if coverage_b is not None:
        views.append(coverage_view(coverage_b, posts_b, label=labels[1]))
    for view, label in zip(views, labels, strict=False):
        view.label = view.label or label
    if title is None:
        window = views[0].window
        title = f"Planner map: {site.name}" + (f" ({window})" if window else "")
    m = offline_map((site.lat, site.lon), 16, title=title, online_tiles=online_tiles,
                    zoom_snap=0.25)
    add_map_css(m)
    m.get_root().header.add_child(RawHTML(f"<style>{PANEL_CSS}</style>"),
                                  name="safepassage_panel_css")
    add_base_network(m, area.G)
    add_incident_layer(m, incidents)
    corridor_geoms = [g for v in views for g in v.corridor.geometry]
    focus = _focus_geometry(area.G, corridor_geoms)
    names = folium.FeatureGroup(name="Street names")
    add_street_labels(names, street_labels(area.G, focus))
    names.add_to(m)

    safest = _safest(frame)
    if len(safest):
        routes = folium.FeatureGroup(name="Safe routes", show=False)
        for row in safest.to_dict("records"):
            parts = latlon_parts(row["geometry"])
            if parts:
                line = folium.PolyLine(parts, color="#555555", weight=2, opacity=0.8,
                                       class_name=svg_class_name("sp-route"))
                bind_tooltip(line, f"Safe route to {row.get('destination')}")
                routes.add_child(line)
        routes.add_to(m)

    demand = np.concatenate([v.corridor["demand"].to_numpy(dtype=float) for v in views])
    breaks = _demand_breaks(demand, len(DEMAND_WIDTHS))
    band_labels = _band_labels(breaks)
    for k, view in enumerate(views):
        show = k == 0
        label = escape_text(view.label)
        for covered, layer_name, cls in ((True, "covered corridor", "sp-covered"),
                                         (False, "gaps", "sp-gap")):
            data = _corridor_geojson(view, covered, breaks, dashed=not covered)
            folium.GeoJson(
                data,
                name=f"{label}: {layer_name}",
                show=show,
                class_name=svg_class_name("sp-corridor", cls, f"sp-plan-{k}"),
                on_each_feature=_BIND_FROM_PROPERTIES,
            ).add_to(m)
        if view.posts is not None:
            group = folium.FeatureGroup(name=f"{label}: officer posts", show=show)
            _add_posts(group, view.posts, view.corridor, stretches=False,
                       start=Point(site.lon, site.lat))
            group.add_to(m)

    _add_destinations(m, area)
    site_group = folium.FeatureGroup(name="Housing site")
    _add_site(site_group, area)
    site_group.add_to(m)
    m.add_child(folium.LayerControl(collapsed=False), name="safepassage_layers")
    m.get_root().html.add_child(
        RawHTML(_panel_html(area, views, title, breaks, band_labels, max_gaps,
                            incident_panel_html(incidents))),
        name="safepassage_panel",
    )
    bounds = _bounds_latlon([*corridor_geoms, Point(site.lon, site.lat)])
    if bounds:
        m.fit_bounds(bounds, padding=(20, 20))
    return m


def write_planner_map(
    path: str | Path,
    area: Area,
    frame: gpd.GeoDataFrame,
    coverage_a: Any,
    coverage_b: Any = None,
    **kwargs: Any,
) -> Path:
    """Write the planner map atomically (see :func:`planner_map` for the parameters).

    Returns
    -------
    Path
        The file written.
    """
    return write_html(planner_map(area, frame, coverage_a, coverage_b, **kwargs), path)


# --------------------------------------------------------------------------------------------
# Index page
# --------------------------------------------------------------------------------------------

INDEX_CSS = """
body { font: 16px/1.5 Arial, Helvetica, sans-serif; color: #222; margin: 0 auto;
  max-width: 46rem; padding: 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 20px 0 6px; }
ul { padding-left: 1.2em; }
li { margin: 4px 0; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; }
.small { font-size: 14px; color: #444; }
"""


def _summary_value(value: Any) -> str:
    if isinstance(value, float):
        return _fmt_num(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def write_index(
    folder: str | Path,
    files: Mapping[str, str | Path],
    site: Any,
    summary: Mapping[str, Any] | None = None,
    *,
    title: str | None = None,
) -> Path:
    """Write ``index.html``: a self-contained page linking every output of a run.

    Parameters
    ----------
    folder : str or Path
        The run's folder; ``index.html`` is written there and links are relative to it.
    files : mapping of str to str or Path
        Link text (plain text) to file; files inside ``folder`` are linked relatively.
    site : Site or str
        The site (its ``name`` is used) or a name.
    summary : mapping, optional
        Figures shown in a table (plain-text keys and values).
    title : str, optional
        Page title; "Safe Passages: <site>" by default.

    Returns
    -------
    Path
        The index written.
    """
    folder = Path(folder)
    e = escape_text
    name = getattr(site, "name", None) or str(site)
    title = title or f"Safe Passages: {name}"
    items = []
    for text, target in files.items():
        p = Path(target)
        try:
            href = p.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            href = p.resolve().as_uri()
        size = ""
        if p.exists() and p.is_file():
            size = f" <span class=\"small\">({p.stat().st_size / 1024:,.0f} KB)</span>"
        items.append(f'<li><a href="{e(href)}">{e(text)}</a>{size}</li>')
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(_summary_value(v))}</td></tr>"
                   for k, v in (summary or {}).items())
    approx = ""
    if getattr(site, "approximate", False):
        approx = (f'<p class="small">The site\'s location is approximate'
                  f'{e(" (" + site.accuracy + ")") if getattr(site, "accuracy", "") else ""}.'
                  "</p>")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{INDEX_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n{approx}"
        f"<h2>Files</h2>\n<ul>{''.join(items)}</ul>\n"
        + (f"<h2>Summary</h2>\n<table>{rows}</table>\n" if rows else "")
        + f'<p class="small">Made {e(dt.date.today().isoformat())}. Map data '
        f"{OSM_ATTRIBUTION}. Every page here works with no internet connection.</p>\n"
        "</body>\n</html>\n"
    )
    return write_html(page, folder / "index.html")
