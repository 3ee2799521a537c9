"""The map itself and its controls: scale bar, full screen, "locate me", credits, OSM tiles.

:func:`offline_map` makes a :class:`folium.Map` that loads nothing from a CDN and carries
Leaflet and our runtime in its header (:mod:`safepassage.offline.assets`). The full-screen and
"locate me" buttons are defined in the runtime script (``runtime.js``) on Leaflet core and
browser APIs only; the functions here add them to a map with their options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template

from ..utils import check_lang, check_units, unit_words
from .assets import ensure_runtime, root_figure
from .escaping import escape_text, js_literal

__all__ = [
    "OSM_ATTRIBUTION",
    "OSM_TILES_URL",
    "PAGE_LANG",
    "add_fullscreen",
    "add_locate",
    "add_north_arrow",
    "add_osm_tiles",
    "add_scale",
    "fit_print_page",
    "keep_badges_clear",
    "offline_map",
    "set_page_lang",
]

#: The attribute of a page (its branca Figure) naming its language for ``<html lang>``.
PAGE_LANG = "_safepassage_lang"

#: OpenStreetMap's standard tile layer (optional overlay; needs the internet).
OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

#: Credit for OpenStreetMap data and tiles (ODbL / tile usage policy). HTML, shown by Leaflet.
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")

#: The map attribute asking :func:`~safepassage.offline.render_html` for a layer control, and
#: the name of the control it then adds.
WANTS_LAYER_CONTROL = "_safepassage_wants_layer_control"
AUTO_LAYER_CONTROL = "safepassage_layer_control"


def _check_position(position: str) -> str:
    if position not in _POSITIONS:
        raise ValueError(f"position must be one of {', '.join(_POSITIONS)}, not {position!r}")
    return position


class _Control(MacroElement):
    """One of our controls (or Leaflet's scale bar) added to its parent map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.factory }}(
                {{ this.options_js }}
            ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, factory: str, options: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "SafePassageControl"
        self.factory = factory
        self.options_js = js_literal(dict(options))


def add_scale(
    m: folium.Map,
    position: str = "bottomleft",
    *,
    max_width: int = 150,
    units: str = "imperial",
    lang: str = "en",
) -> Element:
    """Add a scale bar in one system of units, its words in the page's language.

    Parameters
    ----------
    m : folium.Map
        The map.
    position : str, default "bottomleft"
        A map corner: "topleft", "topright", "bottomleft" or "bottomright".
    max_width : int, default 150
        Largest width of the bar in pixels.
    units : {"imperial", "metric"}, default "imperial"
        Feet and miles, or metres and kilometres.
    lang : {"en", "es"}, default "en"
        Language of the unit words ("500 ft", "500 pies"), as
        :func:`safepassage.utils.format_distance` writes them.

    Returns
    -------
    branca.element.Element
        The control element (adding it again replaces it).
    """
    ensure_runtime(m)
    control = _Control(
        "new SafePassage.Scale",
        {
            "position": _check_position(position),
            "units": check_units(units),
            "labels": unit_words(lang, short=True),
            "maxWidth": int(max_width),
        },
    )
    m.add_child(control, name="safepassage_scale")
    return control


class _NorthArrow(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var arrow = L.control({position: {{ this.position_js }}});
                arrow.onAdd = function () {
                    var div = L.DomUtil.create("div", "sp-north");
                    div.setAttribute("role", "img");
                    div.setAttribute("aria-label", {{ this.label_js }});
                    div.innerHTML = {{ this.svg_js }};
                    return div;
                };
                arrow.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(self, position: str, label: str) -> None:
        super().__init__()
        self._name = "SafePassageNorthArrow"
        self.position_js = js_literal(position)
        self.label_js = js_literal(label)
        self.svg_js = js_literal(
            '<svg width="34" height="46" viewBox="0 0 34 46" aria-hidden="true" '
            'focusable="false"><path d="M17 2 L30 34 L17 27 L4 34 Z" fill="#000" '
            'stroke="#fff" stroke-width="2" stroke-linejoin="round"/>'
            '<path d="M17 2 L17 27 L4 34 Z" fill="#fff" stroke="#000" stroke-width="1.5" '
            'stroke-linejoin="round"/><text x="17" y="45" text-anchor="middle" '
            'font-family="Arial, Helvetica, '
            'sans-serif" font-size="13" font-weight="bold" fill="#000" stroke="#fff" '
            'stroke-width="3" paint-order="stroke">N</text></svg>')


def add_north_arrow(m: folium.Map, position: str = "topright", *, lang: str = "en") -> Element:
    """Add a north arrow (black and white, legible printed in grayscale).

    Parameters
    ----------
    m : folium.Map
        The map.
    position : str, default "topright"
        A map corner.
    lang : {"en", "es"}, default "en"
        Language of its spoken label ("North" / "Norte"); the letter is N in both.

    Returns
    -------
    branca.element.Element
        The control element.
    """
    label = "Norte" if check_lang(lang) == "es" else "North"
    control = _NorthArrow(_check_position(position), label)
    m.add_child(control, name="safepassage_north_arrow")
    return control


class _PrintFit(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            SafePassage.fitPrintPage({{ this._parent.get_name() }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, options: Mapping[str, object]) -> None:
        super().__init__()
        self._name = "SafePassagePrintFit"
        self.options_js = js_literal(dict(options))


def fit_print_page(
    m: folium.Map,
    bounds: list[list[float]],
    *,
    page_in: float,
    min_in: float,
    max_in: float,
    width_in: float = 7.5,
    padding: tuple[int, int] = (40, 40),
) -> Element:
    """Fit a printed page on one sheet by choosing the map's height when it is printed.

    Just before the page is printed (the browser's ``beforeprint``; Chromium's PDFs too), the
    text around the map is measured as it will print, at the sheet's width ``width_in``, and
    the map gets the height that makes everything fit one sheet, between ``min_in`` and
    ``max_in`` inches, fitted to ``bounds`` again; where even ``min_in`` leaves too little
    room, it keeps ``max_in`` and the rest continues on the next sheet. After printing the
    page is as it was.

    Parameters
    ----------
    m : folium.Map
        The map (the page's only one).
    bounds : list of [lat, lon]
        What the map shows, ``[[south, west], [north, east]]``.
    page_in : float
        Printable height of a sheet, inches (US Letter with 0.4 in margins: 10.2).
    min_in, max_in : float
        The map's smallest and largest height, inches.
    width_in : float, default 7.5
        Printable width of a sheet, inches (US Letter with 0.5 in margins).
    padding : tuple of int
        Padding of the fitted bounds, pixels.

    Returns
    -------
    branca.element.Element
        The script element.
    """
    ensure_runtime(m)
    fit = _PrintFit({"bounds": bounds, "padding": list(padding), "pagePx": page_in * 96,
                     "minPx": min_in * 96, "maxPx": max_in * 96, "widthPx": width_in * 96})
    m.add_child(fit, name="safepassage_print_fit")
    return fit


class _BadgeGuard(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            SafePassage.keepBadgesClear({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "SafePassageBadgeGuard"


def keep_badges_clear(m: folium.Map) -> Element:
    """Keep the map's post badges readable at every zoom, in the browser.

    Every element with a ``data-post`` attribute in the marker pane is a badge: after every
    change of view, nothing else is drawn over one. Symbols and labels that would cover a
    badge move to the nearest free spot or hide, street names that would touch anything
    hide, and elements with ``data-minzoom`` / ``data-maxzoom`` show only within their zoom
    range (see ``SafePassage.clearBadges`` in ``runtime.js``; it fires ``sp:cleared`` on the
    map with what it moved and hid).

    Returns
    -------
    branca.element.Element
        The script element.
    """
    ensure_runtime(m)
    guard = _BadgeGuard()
    m.add_child(guard, name="safepassage_badge_guard")
    return guard


def add_fullscreen(
    m: folium.Map,
    position: str = "topleft",
    *,
    title: str = "Full screen",
    title_exit: str = "Leave full screen",
) -> Element:
    """Add a full-screen toggle button.

    Uses the browser's Fullscreen API on the map's container; where the API is missing or
    refused (iPhone Safari, embedded web views) the map is stretched over the page with CSS
    instead, left again with the button or the Escape key.

    Parameters
    ----------
    m : folium.Map
        The map.
    position : str, default "topleft"
        A map corner.
    title, title_exit : str
        Tooltips of the button (plain text; for example Spanish labels).

    Returns
    -------
    branca.element.Element
        The control element.
    """
    ensure_runtime(m)
    control = _Control(
        "new SafePassage.Fullscreen",
        {"position": _check_position(position), "title": title, "titleExit": title_exit},
    )
    m.add_child(control, name="safepassage_fullscreen")
    return control


def add_locate(
    m: folium.Map,
    position: str = "topleft",
    *,
    max_zoom: int = 17,
    texts: Mapping[str, str] | None = None,
) -> Element:
    """Add a "locate me" button (Leaflet core's ``map.locate``).

    A press asks the browser for the position, centres the map on it (zoom at most
    ``max_zoom``) and draws a dot with a circle of the reported accuracy. If the position
    cannot be had (access denied, no GPS, time-out) a short message appears next to the button.
    Browsers give the position only to secure pages: ``file://`` and ``https://`` work.

    Parameters
    ----------
    m : folium.Map
        The map.
    position : str, default "topleft"
        A map corner.
    max_zoom : int, default 17
        Largest zoom used when centring on the position.
    texts : mapping of str to str, optional
        Replacement texts (plain text, e.g. Spanish) for the keys ``title``, ``denied``,
        ``unavailable`` and ``timedOut``.

    Returns
    -------
    branca.element.Element
        The control element.
    """
    ensure_runtime(m)
    options: dict[str, Any] = {"position": _check_position(position), "maxZoom": int(max_zoom)}
    for key, value in (texts or {}).items():
        if key not in ("title", "denied", "unavailable", "timedOut"):
            raise ValueError(f"unknown text {key!r} for the locate control")
        options[key] = str(value)
    control = _Control("new SafePassage.Locate", options)
    m.add_child(control, name="safepassage_locate")
    return control


class _Attribution(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            if ({{ this._parent.get_name() }}.attributionControl) {
                {{ this._parent.get_name() }}.attributionControl.addAttribution(
                    {{ this.text_js }}
                );
            }
        {% endmacro %}
        """
    )

    def __init__(self, attribution_html: str) -> None:
        super().__init__()
        self._name = "SafePassageAttribution"
        self.text_js = js_literal(attribution_html)


def add_osm_tiles(m: folium.Map, *, show: bool = False, max_zoom: int = 19) -> folium.TileLayer:
    """Add OpenStreetMap's tiles as an optional overlay, off unless ``show``.

    The page never needs them: offline, the vector base map drawn by other modules is all there
    is. Online, the reader may switch them on in the layer control, which :func:`render_html`
    adds (last, after every layer) if the map has none.

    Parameters
    ----------
    m : folium.Map
        The map.
    show : bool, default False
        Whether the tiles are on when the page opens (they then load from the internet).
    max_zoom : int, default 19
        OpenStreetMap's deepest zoom.

    Returns
    -------
    folium.TileLayer
        The tile layer.
    """
    layer = folium.TileLayer(
        tiles=OSM_TILES_URL,
        attr=OSM_ATTRIBUTION,
        name="OpenStreetMap tiles (internet)",
        overlay=True,
        control=True,
        show=show,
        max_zoom=max_zoom,
        max_native_zoom=max_zoom,
    )
    m.add_child(layer, name="safepassage_osm_tiles")
    setattr(m, WANTS_LAYER_CONTROL, True)
    return layer


def set_page_lang(m: folium.Map, lang: str) -> None:
    """Declare the page's language (``<html lang="es">``); English unless set.

    Raises
    ------
    InputError
        If the language is neither English nor Spanish.
    """
    setattr(root_figure(m), PAGE_LANG, check_lang(lang))


def offline_map(
    location: tuple[float, float],
    zoom_start: int = 16,
    *,
    title: str,
    online_tiles: bool = True,
    prefer_canvas: bool = True,
    controls: bool = True,
    data_attribution: str | None = OSM_ATTRIBUTION,
    max_zoom: int = 19,
    **kwargs: Any,
) -> folium.Map:
    """Create a folium map whose page works with no network at all.

    Parameters
    ----------
    location : tuple of (float, float)
        Centre as (latitude, longitude).
    zoom_start : int, default 16
        Initial zoom.
    title : str
        The page's ``<title>`` (plain text; escaped here).
    online_tiles : bool, default True
        Offer OpenStreetMap's tiles as an optional overlay, off by default
        (:func:`add_osm_tiles`).
    prefer_canvas : bool, default True
        Draw vector layers on one canvas (fast for thousands of segments). Paths with
        :data:`SVG_CLASS` in their class name are drawn with SVG anyway.
    controls : bool, default True
        Add the scale bar, full-screen button and "locate me" button.
    data_attribution : str or None, default OSM_ATTRIBUTION
        Credit shown at all times for the data drawn on the map (trusted HTML of ours, never
        user text); None for none.
    max_zoom : int, default 19
        Deepest zoom the map allows (it has no base tiles to set one).
    **kwargs
        Passed to :class:`folium.Map` (``width``, ``height``, ``zoom_control``, ``min_zoom``,
        Leaflet map options, ...). ``tiles`` is not accepted.

    Returns
    -------
    folium.Map
        The map, inside a branca Figure whose header holds Leaflet and our runtime.

    Raises
    ------
    safepassage.errors.DataUnavailableError
        If Leaflet (``django-js-lib-leaflet``) is not installed.
    TypeError
        If ``tiles`` is passed.
    """
    if "tiles" in kwargs:
        raise TypeError("offline_map draws no base tiles; use online_tiles / add_osm_tiles")
    m = folium.Map(
        location=list(location),
        zoom_start=zoom_start,
        tiles=None,
        prefer_canvas=prefer_canvas,
        **kwargs,
    )
    # Nothing from a CDN: Leaflet is inlined below; jQuery, Bootstrap, Font Awesome and
    # awesome-markers are not used by anything this module makes.
    m.default_js = []
    m.default_css = []
    m.options["max_zoom"] = int(max_zoom)
    root = root_figure(m)
    root.title = escape_text(title)
    set_page_lang(m, "en")
    ensure_runtime(m)
    if data_attribution:
        m.add_child(_Attribution(data_attribution), name="safepassage_attribution")
    if controls:
        add_scale(m)
        add_fullscreen(m)
        add_locate(m)
    if online_tiles:
        add_osm_tiles(m)
    return m
