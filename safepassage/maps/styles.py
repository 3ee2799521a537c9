"""Palettes, symbols and the shared CSS of every map: what a route, a post or a place looks like.

Everything here is our own static markup (no user text reaches it unescaped): the route risk
bands (:data:`RISK_CLASSES`, a viridis-based, colour-blind-safe ramp), the post colours
(Okabe-Ito), the destination kinds' shape-and-letter symbols (:data:`KIND_STYLES`), the
housing site's symbol, post badges, legend swatches and the CSS of labels, symbols and legend
(:func:`add_map_css`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import folium
from branca.element import Figure

from ..offline import RawHTML, escape_text

__all__ = [
    "BANNED_COLOUR",
    "BASE_STYLES",
    "CHANGE_COLOURS",
    "COVERED_RAMP",
    "DARK_COLOURS",
    "DEMAND_WIDTHS",
    "GAP_RAMP",
    "KIND_STYLES",
    "MAP_CSS",
    "POST_COLOURS",
    "PRINT_BASE_STYLES",
    "RISK_CLASSES",
    "TAP_PX",
    "KindStyle",
    "RiskClass",
    "add_map_css",
    "kind_symbol_html",
    "legend_symbol",
    "line_swatch",
    "page_root",
    "post_badge_html",
    "post_colour",
    "risk_class",
    "site_symbol_html",
    "static",
]


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

#: Post colours dark enough to carry white text.
DARK_COLOURS = frozenset({"#000000", "#d55e00", "#0072b2"})

#: The base map's street classes: drawing order, colour and width, on every map and in the
#: planner workspace (which reads them from here through its API).
BASE_STYLES: dict[str, dict[str, str | float]] = {
    "path": {"color": "#c4c4c4", "weight": 1.0, "opacity": 1.0},
    "street": {"color": "#b0b0b0", "weight": 2.0, "opacity": 1.0},
    "major": {"color": "#9a9a9a", "weight": 3.5, "opacity": 1.0},
}

#: The base map on paper (handouts): lighter and thinner, so that the route, the darkest and
#: widest line, stands out printed in black and white.
PRINT_BASE_STYLES: dict[str, dict[str, str | float]] = {
    "path": {"color": "#d6d6d6", "weight": 1.0, "opacity": 1.0},
    "street": {"color": "#c6c6c6", "weight": 1.6, "opacity": 1.0},
    "major": {"color": "#b4b4b4", "weight": 2.6, "opacity": 1.0},
}

#: Banned places (red), and the halos of what changed between two plans.
BANNED_COLOUR = "#c1121f"
CHANGE_COLOURS: dict[str, str] = {"opened": "#d62728", "closed": "#2ca02c"}

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


def site_symbol_html(size: int = 26) -> str:
    """Inline SVG of the housing site (a house), our own static markup."""
    return (
        f'<svg class="sp-symbol" width="{int(size)}" height="{int(size)}" viewBox="0 0 24 24" '
        'aria-hidden="true" focusable="false">'
        '<path d="M12 2 L22 11 L19 11 L19 22 L5 22 L5 11 L2 11 Z" fill="#000000" '
        'stroke="#ffffff" stroke-width="1.5"/><rect x="10" y="15" width="4" height="7" '
        'fill="#ffffff"/></svg>'
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


def post_colour(i: int) -> str:
    """The colour of the ``i``-th post (0-based), from :data:`POST_COLOURS` in turn."""
    return POST_COLOURS[i % len(POST_COLOURS)]


#: A post badge's tap target on the maps (CSS pixels): at least 44 px, as on a phone.
TAP_PX = 44


def post_badge_html(
    number: str | int,
    colour: str,
    *,
    plan: str = "",
    locked: bool = False,
    sample: bool = False,
    label: str | None = None,
) -> str:
    """A numbered post badge: round for a plan's posts, square for plan B's ("B3").

    Every badge of a post carries ``data-post="N"`` (the number people see, the same on every
    page, see :func:`safepassage.coverage.number_posts`), and ``data-plan="B"`` for plan B's;
    a legend's sample badge carries neither.

    Parameters
    ----------
    number : str or int
        The post's number.
    colour : str
        Its colour (ours, trusted).
    plan : str, default ""
        "B" for a second plan's post: a square badge labelled "B3".
    locked : bool, default False
        A planner locked this post: a padlock mark on the badge.
    sample : bool, default False
        A legend's sample (no ``data-post``).
    label : str, optional
        The text shown (default: ``plan`` and ``number``).

    Returns
    -------
    str
        A ``<div>`` (escaped text).
    """
    cls = ["sp-post-badge"]
    if colour in DARK_COLOURS:
        cls.append("sp-dark")
    if plan:
        cls.append("sp-plan-b")
    if locked:
        cls.append("sp-locked")
    data = "" if sample else f' data-post="{escape_text(str(number))}"'
    if plan and not sample:
        data += f' data-plan="{escape_text(plan)}"'
    text = label if label is not None else f"{plan}{number}"
    lock = '<span class="sp-lock" aria-hidden="true"></span>' if locked else ""
    return (f'<div class="{" ".join(cls)}"{data} style="background: {escape_text(colour)}">'
            f"{escape_text(text)}{lock}</div>")


def line_swatch(colour: str, width: float = 5.0, *, dashed: bool = False) -> str:
    """A legend swatch of a line (trusted HTML of ours)."""
    style = "dashed" if dashed else "solid"
    return (f'<span class="sp-swatch" style="border-top: {max(width, 2.0):.0f}px {style} '
            f'{escape_text(colour)}; height: 0"></span>')


def legend_symbol(html: str) -> str:
    """A symbol (trusted HTML of ours) in the legend's symbol column."""
    return f'<span class="sp-sym">{html}</span>'


#: A folium path whose Leaflet options can be set.
PathT = TypeVar("PathT", folium.PolyLine, folium.CircleMarker, folium.Polygon)


def static(layer: PathT) -> PathT:
    """Make a folium path ignore the mouse (folium drops an ``interactive`` argument).

    Non-interactive paths cost nothing on the canvas when the pointer moves, and show no
    pointer cursor.

    Parameters
    ----------
    layer : folium.PolyLine, folium.CircleMarker or folium.Polygon
        A folium path.

    Returns
    -------
    folium.PolyLine, folium.CircleMarker or folium.Polygon
        The layer.
    """
    layer.options["interactive"] = False
    return layer


MAP_CSS = """
.sp-street-icon { background: none; border: none; }
.sp-street {
  position: absolute; left: 0; top: 0; white-space: nowrap; pointer-events: none;
  font: bold 12px/1.1 Arial, Helvetica, sans-serif; color: #3a3a3a; letter-spacing: 0.02em;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff;
}
.sp-kind-icon, .sp-post-icon, .sp-site-icon { background: none; border: none; }
.sp-kind-icon svg, .sp-site-icon svg { display: block; filter: drop-shadow(0 1px 1px #0006); }
.sp-post-icon { display: flex; align-items: center; justify-content: center; }
.sp-post-badge {
  width: 28px; height: 28px; border-radius: 50%; border: 3px solid #fff; box-sizing: border-box;
  display: flex; align-items: center; justify-content: center; color: #000; position: relative;
  font: bold 13px/1 Arial, Helvetica, sans-serif; box-shadow: 0 1px 4px #0009; flex: none;
}
.sp-post-badge.sp-dark { color: #fff; }
.sp-post-badge.sp-plan-b { border-radius: 4px; width: auto; min-width: 30px; padding: 0 3px;
  outline: 2px dashed #000; outline-offset: 0; }
.sp-post-badge.sp-locked { box-shadow: 0 0 0 2px #000, 0 1px 4px #0009; }
.sp-lock { position: absolute; right: -7px; top: -7px; width: 10px; height: 8px;
  background: #000; border: 1.5px solid #fff; border-radius: 2px; }
.sp-lock::before { content: ""; position: absolute; left: 1px; top: -6px; width: 5px; height: 5px;
  border: 2px solid #000; border-bottom: none; border-radius: 4px 4px 0 0; }
.leaflet-marker-icon.sp-post-icon:focus-visible { outline: 3px solid #0072b2; }
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


def page_root(m: folium.Map) -> Figure:
    """The page a map belongs to (the branca Figure folium puts every map in).

    Raises
    ------
    TypeError
        If the map is not in a page (a map folium made always is).
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError("the map is not part of a page")
    return root


def add_map_css(m: folium.Map) -> None:
    """Put the CSS of the maps' labels, symbols and legend in the page header (once)."""
    page_root(m).header.add_child(RawHTML(f"<style>{MAP_CSS}</style>"),
                                  name="safepassage_maps_css")
