"""Self-contained folium pages: inlined Leaflet, our own controls, safe labels.

Every map the product writes must open with no network at all (a phone in a dead spot, a school
computer offline). A stock :class:`folium.Map` loads Leaflet, jQuery, Bootstrap, Font Awesome
and awesome-markers from CDNs and is a blank page offline. :func:`offline_map` builds a map that
needs none of them:

- Leaflet's JavaScript and CSS are read at run time from the installed ``django-js-lib-leaflet``
  package (:func:`leaflet_assets`) and written into the page header as ``<script>`` / ``<style>``
  elements through the root :class:`branca.element.Figure`'s header (branca's
  ``render(embedded=True)`` is broken in branca 0.8). Leaflet's images (layer-control icon,
  default marker) are inlined as ``data:`` URIs, so the layer switcher and ``folium.Marker``'s
  default pin show offline too.
- folium's CDN lists (``default_js`` / ``default_css``) are emptied on the map instance.
- The controls (scale bar, full-screen toggle, "locate me") are written here in small inline
  JavaScript on Leaflet core and browser APIs only; see :func:`add_scale`,
  :func:`add_fullscreen`, :func:`add_locate`.
- OpenStreetMap tiles are an optional overlay, off by default (:func:`add_osm_tiles`). The page
  always credits "© OpenStreetMap contributors", because the vector base map drawn by other
  modules is OpenStreetMap data even when no tile is shown.
- :func:`render_html` refuses (``RuntimeError``) to return a page that still references an
  external script, stylesheet or image, or that uses a folium feature needing jQuery or
  awesome-markers (see below). Always write maps with :func:`render_html` / :func:`write_html`,
  not ``Map.save``: they also move layer controls after the layers they list.

What in folium 0.20 needs the libraries we do not load
------------------------------------------------------
- ``folium.Popup`` (also every ``popup="..."`` argument of markers and paths) builds its content
  with jQuery: ``$(`<div>...</div>`)[0]``. Without jQuery this throws a ``ReferenceError`` that
  stops the page's whole script, so the map stays empty. Use :func:`bind_popup` instead.
- ``Map.keep_in_front`` calls ``$(document).ready``; ``GeoJson(embed=False)`` calls ``$.ajax``
  (and reads the file over the network); ``folium.Icon`` needs awesome-markers, Bootstrap and
  Font Awesome. Use ``CircleMarker``, ``DivIcon`` (with escaped HTML) or the default
  ``folium.Marker`` pin.
- ``folium.Tooltip``, ``LayerControl``, ``GeoJson`` (embedded), ``GeoJsonTooltip``,
  ``GeoJsonPopup``, ``PolyLine``, ``CircleMarker``, ``DivIcon`` need only Leaflet.

Escaping: what folium 0.20 does with text
-----------------------------------------
Read from folium's templates and confirmed in headless Chromium
(``tests/test_offline.py::test_folium_does_not_escape``). OpenStreetMap names are user-edited
text: a school could be named ``<script>alert(1)</script>`` or ``<img src=x onerror=...>``.
folium escapes none of it:

- ``folium.Tooltip(text)`` pastes ``text`` unescaped into a JavaScript template literal
  (`` `...` ``) that Leaflet then sets as ``innerHTML``. HTML in the text is live (an
  ``<img onerror>`` runs when the tooltip opens), ``${...}`` in the text is *executed as
  JavaScript when the page loads*, and a backtick ends the literal, a syntax error that blanks
  the whole map.
- ``folium.Popup(text)`` (``parse_html=False``, the default) inserts the text as raw HTML
  (``branca.element.Html(script=True)``) inside a template literal. Backticks are escaped, but
  ``${...}`` still executes and ``</script>`` ends the page's script element. It needs jQuery
  anyway (above).
- ``GeoJsonTooltip`` / ``GeoJsonPopup`` build an HTML table in the browser from the feature
  properties and aliases and assign it to ``innerHTML``: property values are not escaped
  (HTML in them is live), although the GeoJSON data itself is embedded safely (Jinja's
  ``tojson`` escapes ``<``, ``>``, ``&``, ``'``).
- ``DivIcon(html=...)`` becomes the icon's ``innerHTML`` as is.
- branca's ``Figure.title`` is written into ``<title>`` unescaped.
- Options passed through folium's ``tojavascript`` / ``tojson`` filters are JSON with ``<``,
  ``>``, ``&`` escaped: safe as JavaScript values, but still raw HTML where Leaflet uses them as
  markup (tooltip and popup content, attribution, ``DivIcon.html``).

So any text that is not ours must be escaped before it reaches folium or Leaflet. Use

- :func:`escape_text` for a string placed in HTML (``DivIcon(html=escape_text(name))``),
- :func:`popup_html` for a label/value table (escapes both) and :func:`bind_popup` to attach it,
- :func:`bind_tooltip` (hover or permanent) and :func:`add_label` (a free-standing permanent
  label) for plain text: they escape the text themselves,
- :func:`escape_properties` on GeoJSON before ``GeoJsonTooltip`` / ``GeoJsonPopup`` show it
  (and escape their ``aliases`` with :func:`escape_text` if they are not literals of ours).

SVG or canvas
-------------
Maps default to ``prefer_canvas=True`` (one ``<canvas>`` draws thousands of street segments
fast), so vector layers leave no element per shape in the DOM. A path whose Leaflet
``className`` contains :data:`SVG_CLASS` (``"sp-svg"``) is drawn on an SVG renderer instead (one
per map and pane), as an ``<path class="sp-svg ... leaflet-interactive">`` element that tests
can count and CSS can style: pass ``class_name=svg_class_name("route")`` to ``folium.PolyLine``,
``folium.CircleMarker``, ``folium.Polygon`` or ``folium.GeoJson``, or call :func:`use_svg` on an
existing folium path.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import importlib.resources
import importlib.util
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from safepassage.errors import DataUnavailableError
from safepassage.io import atomic_write_text

__all__ = [
    "OSM_ATTRIBUTION",
    "OSM_TILES_URL",
    "SVG_CLASS",
    "RawHTML",
    "add_fullscreen",
    "add_label",
    "add_locate",
    "add_osm_tiles",
    "add_scale",
    "bind_popup",
    "bind_tooltip",
    "escape_properties",
    "escape_text",
    "external_references",
    "js_literal",
    "leaflet_assets",
    "offline_map",
    "popup_html",
    "render_html",
    "svg_class_name",
    "use_svg",
    "write_html",
]

#: The installed package that ships Leaflet (PyPI ``django-js-lib-leaflet``).
LEAFLET_PACKAGE = "js_lib_leaflet"
_LEAFLET_STATIC = ("static", "js_lib_leaflet")

#: OpenStreetMap's standard tile layer (optional overlay; needs the internet).
OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

#: Credit for OpenStreetMap data and tiles (ODbL / tile usage policy). HTML, shown by Leaflet.
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

#: A path whose Leaflet ``className`` contains this class is drawn with SVG, not canvas.
SVG_CLASS = "sp-svg"

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")

# Names under which our pieces sit in the root Figure's header / the map's children, so that
# adding a piece twice replaces it instead of duplicating it.
_HEAD_LEAFLET_CSS = "safepassage_leaflet_css"
_HEAD_LEAFLET_JS = "safepassage_leaflet_js"
_HEAD_RUNTIME_CSS = "safepassage_runtime_css"
_HEAD_RUNTIME_JS = "safepassage_runtime_js"
_AUTO_LAYER_CONTROL = "safepassage_layer_control"
_WANTS_LAYER_CONTROL = "_safepassage_wants_layer_control"

_VIEWPORT_META = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />'


# --------------------------------------------------------------------------------------------
# Leaflet from the installed package
# --------------------------------------------------------------------------------------------


def _leaflet_dir() -> Any:
    """Return the Traversable folder holding Leaflet's files in the installed package."""
    try:
        spec = importlib.util.find_spec(LEAFLET_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise DataUnavailableError(
            "Leaflet is not installed, so offline maps cannot be written: "
            "pip install django-js-lib-leaflet"
        )
    folder = importlib.resources.files(LEAFLET_PACKAGE).joinpath(*_LEAFLET_STATIC)
    if not folder.joinpath("leaflet.js").is_file():
        raise DataUnavailableError(
            f"the installed {LEAFLET_PACKAGE} package has no leaflet.js under "
            f"{'/'.join(_LEAFLET_STATIC)}: reinstall django-js-lib-leaflet"
        )
    return folder


@functools.cache
def _leaflet_images() -> dict[str, str]:
    """Leaflet's bundled PNG images as ``data:`` URIs, keyed by file name.

    Returns
    -------
    dict of str to str
        For example ``{"layers.png": "data:image/png;base64,...", ...}``; images missing from
        the package are left out.
    """
    images = _leaflet_dir().joinpath("images")
    out: dict[str, str] = {}
    for name in (
        "layers.png",
        "layers-2x.png",
        "marker-icon.png",
        "marker-icon-2x.png",
        "marker-shadow.png",
    ):
        item = images.joinpath(name)
        if item.is_file():
            out[name] = "data:image/png;base64," + base64.b64encode(item.read_bytes()).decode()
    return out


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS, read from the installed ``django-js-lib-leaflet`` package.

    The text is read at run time (never copied into this repository) and cached. The CSS's
    ``url(images/...)`` references are replaced by ``data:`` URIs of the package's images and
    the JavaScript's ``sourceMappingURL`` comment is dropped, so the page asks for no other
    file.

    Returns
    -------
    tuple of (str, str)
        ``(javascript, css)``, ready to go inside ``<script>`` and ``<style>`` elements.

    Raises
    ------
    safepassage.errors.DataUnavailableError
        If the package (or its ``leaflet.js`` / ``leaflet.css``) is not installed.
    """
    folder = _leaflet_dir()
    try:
        js = folder.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = folder.joinpath("leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise DataUnavailableError(
            f"cannot read Leaflet from the installed {LEAFLET_PACKAGE} package ({exc}): "
            "reinstall django-js-lib-leaflet"
        ) from exc
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE).rstrip() + "\n"
    # Inside a <script> element only "</script" can end it early; "<\/" is the same string in JS.
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    images = _leaflet_images()

    def _inline(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"url({images[name]})" if name in images else match.group(0)

    css = re.sub(r"""url\((['"]?)images/([\w.-]+)\1\)""", _inline, css)
    if re.search(r"</style", css, flags=re.IGNORECASE):
        raise DataUnavailableError("the installed leaflet.css cannot be inlined (</style>)")
    return js, css


# --------------------------------------------------------------------------------------------
# Elements
# --------------------------------------------------------------------------------------------


class RawHTML(Element):
    """A page fragment written verbatim, never parsed as a Jinja template.

    ``branca.element.Element(text)`` treats ``text`` as a Jinja template, which would mangle
    any script containing ``{{``, ``{%`` or ``{#``. This element renders its text unchanged.

    Parameters
    ----------
    text : str
        Complete HTML (for example a ``<script>...</script>`` element). The caller is
        responsible for it being safe: never put unescaped user text here.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


def js_literal(value: Any) -> str:
    r"""Encode ``value`` as a JavaScript literal safe inside an inline ``<script>`` element.

    JSON with every non-ASCII character and ``< > & ' ` $`` written as ``\uXXXX`` escapes, so
    the text can neither end the script element (``</script>``) nor act inside a template
    literal. It does not make HTML safe: text that Leaflet will use as markup must be escaped
    with :func:`escape_text` first.

    Parameters
    ----------
    value : Any
        A JSON-serialisable value.

    Returns
    -------
    str
        The JavaScript source of the value.
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    for char in "<>&'`$":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _root(m: Element) -> Figure:
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError("the map must belong to a branca Figure (folium.Map creates one)")
    return root


def _runtime_css() -> str:
    return """
.leaflet-bar a.sp-button { display: flex; align-items: center; justify-content: center; }
.leaflet-bar a.sp-button svg { width: 16px; height: 16px; }
.leaflet-bar a.sp-busy { opacity: 0.5; }
.leaflet-container.sp-pseudo-fullscreen {
  position: fixed !important; top: 0 !important; left: 0 !important;
  right: 0 !important; bottom: 0 !important; width: 100% !important; height: 100% !important;
  margin: 0 !important; z-index: 10000 !important;
}
html.sp-pseudo-fullscreen-page, html.sp-pseudo-fullscreen-page body { overflow: hidden; }
.leaflet-container:fullscreen { width: 100% !important; height: 100% !important; }
.leaflet-container:-webkit-full-screen { width: 100% !important; height: 100% !important; }
.sp-locate { position: relative; }
.sp-locate-message {
  display: none; position: absolute; top: 0; left: 40px; width: 15em;
  background: #fff; color: #222; padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4); font-size: 12px; line-height: 1.4;
}
.leaflet-right .sp-locate-message { left: auto; right: 40px; }
.sp-popup th { text-align: left; padding: 1px 8px 1px 0; vertical-align: top; }
.sp-popup td { padding: 1px 0; }
.sp-popup th, .sp-popup td, .sp-popup caption { overflow-wrap: anywhere; }
.sp-popup caption { font-weight: bold; text-align: left; padding-bottom: 2px; }
.leaflet-tooltip.sp-label { font-weight: bold; }
@media print {
  .sp-fullscreen, .sp-locate, .leaflet-control-zoom, .leaflet-control-layers {
    display: none !important;
  }
}
"""


def _runtime_js() -> str:
    images = _leaflet_images()
    icon_options = {
        key: images[name]
        for key, name in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
        if name in images
    }
    # Static markup and logic of ours only: no user text is ever placed in this script.
    return (
        """
(function () {
  "use strict";
  var SP = window.SafePassage = window.SafePassage || {};
  var ICON_OPTIONS = """
        + js_literal(icon_options)
        + """;
  if (ICON_OPTIONS.iconUrl) {
    // Leaflet looks the default pin up next to the page; give it the inlined images instead.
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions(ICON_OPTIONS);
  }

  // Paths with the class "sp-svg" go on an SVG renderer even when the map prefers canvas.
  var baseGetRenderer = L.Map.prototype.getRenderer;
  L.Map.include({
    getRenderer: function (layer) {
      var cls = " " + (layer.options.className || "") + " ";
      if (layer.options.renderer || cls.indexOf(" """
        + SVG_CLASS
        + """ ") < 0) {
        return baseGetRenderer.call(this, layer);
      }
      var pane = layer.options.pane || "overlayPane";
      this._spSvgRenderers = this._spSvgRenderers || {};
      var renderer = this._spSvgRenderers[pane];
      if (!renderer) {
        renderer = this._spSvgRenderers[pane] = L.svg({pane: pane});
      }
      if (!this.hasLayer(renderer)) {
        this.addLayer(renderer);
      }
      return renderer;
    }
  });

  var ICONS = {
    fullscreen: '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" ' +
      'stroke="currentColor" stroke-width="2"/></svg>',
    locate: '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">' +
      '<circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" stroke-width="1.8"/>' +
      '<circle cx="8" cy="8" r="1.8" fill="currentColor"/>' +
      '<path d="M8 0v3M8 13v3M0 8h3M13 8h3" stroke="currentColor" stroke-width="1.8"/></svg>'
  };

  function button(parent, className, title, icon, onClick) {
    var link = L.DomUtil.create("a", "sp-button " + className, parent);
    link.href = "#";
    link.title = title;
    link.setAttribute("role", "button");
    link.setAttribute("aria-label", title);
    link.innerHTML = icon;
    L.DomEvent.disableClickPropagation(link);
    L.DomEvent.on(link, "click", function (e) {
      L.DomEvent.preventDefault(e);
      onClick();
    });
    return link;
  }

  function fullscreenElement() {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  }

  SP.Fullscreen = L.Control.extend({
    options: {position: "topleft", title: "Full screen", titleExit: "Leave full screen"},
    onAdd: function (map) {
      var bar = L.DomUtil.create("div", "leaflet-bar sp-fullscreen");
      this._pseudo = false;
      this._link = button(bar, "sp-fullscreen-button", this.options.title, ICONS.fullscreen,
                          L.bind(this.toggle, this));
      this._link.setAttribute("aria-pressed", "false");
      L.DomEvent.on(document, "fullscreenchange webkitfullscreenchange", this._changed, this);
      L.DomEvent.on(document, "keydown", this._keydown, this);
      return bar;
    },
    onRemove: function () {
      L.DomEvent.off(document, "fullscreenchange webkitfullscreenchange", this._changed, this);
      L.DomEvent.off(document, "keydown", this._keydown, this);
    },
    isFullscreen: function () {
      return this._pseudo || fullscreenElement() === this._map.getContainer();
    },
    toggle: function () {
      var container = this._map.getContainer();
      var self = this;
      if (this._pseudo) {
        this._setPseudo(false);
        return;
      }
      if (fullscreenElement() === container) {
        var exit = document.exitFullscreen || document.webkitExitFullscreen;
        if (exit) { exit.call(document); }
        return;
      }
      var request = container.requestFullscreen || container.webkitRequestFullscreen;
      var enabled = document.fullscreenEnabled || document.webkitFullscreenEnabled;
      if (!request || !enabled) {
        this._setPseudo(true);  // no Fullscreen API (iPhone Safari, some webviews)
        return;
      }
      try {
        var result = request.call(container);
        if (result && typeof result.then === "function") {
          result.then(null, function () { self._setPseudo(true); });
        }
      } catch (err) {
        this._setPseudo(true);
      }
    },
    _setPseudo: function (on) {
      var container = this._map.getContainer();
      this._pseudo = on;
      if (on) {
        L.DomUtil.addClass(container, "sp-pseudo-fullscreen");
        L.DomUtil.addClass(document.documentElement, "sp-pseudo-fullscreen-page");
      } else {
        L.DomUtil.removeClass(container, "sp-pseudo-fullscreen");
        L.DomUtil.removeClass(document.documentElement, "sp-pseudo-fullscreen-page");
      }
      this._changed();
    },
    _keydown: function (e) {
      if (this._pseudo && (e.key === "Escape" || e.keyCode === 27)) { this._setPseudo(false); }
    },
    _changed: function () {
      var on = this.isFullscreen();
      var container = this._map.getContainer();
      if (on) {
        L.DomUtil.addClass(container, "sp-is-fullscreen");
      } else {
        L.DomUtil.removeClass(container, "sp-is-fullscreen");
      }
      this._link.title = on ? this.options.titleExit : this.options.title;
      this._link.setAttribute("aria-label", this._link.title);
      this._link.setAttribute("aria-pressed", on ? "true" : "false");
      this._map.invalidateSize();
    }
  });

  SP.Locate = L.Control.extend({
    options: {
      position: "topleft",
      title: "Show my location",
      maxZoom: 17,
      timeout: 15000,
      denied: "Location access was denied. Allow location for this page in the browser's " +
              "settings to see where you are.",
      unavailable: "Your location is not available on this device.",
      timedOut: "Finding your location took too long. Try again."
    },
    onAdd: function (map) {
      var box = L.DomUtil.create("div", "sp-locate");
      var bar = L.DomUtil.create("div", "leaflet-bar", box);
      this._link = button(bar, "sp-locate-button", this.options.title, ICONS.locate,
                          L.bind(this.locate, this));
      this._message = L.DomUtil.create("div", "sp-locate-message", box);
      this._message.setAttribute("role", "status");
      this._message.setAttribute("aria-live", "polite");
      L.DomEvent.disableClickPropagation(this._message);
      map.on("locationfound", this._found, this);
      map.on("locationerror", this._failed, this);
      return box;
    },
    onRemove: function (map) {
      map.off("locationfound", this._found, this);
      map.off("locationerror", this._failed, this);
      map.stopLocate();
      if (this._layer) { map.removeLayer(this._layer); }
    },
    locate: function () {
      this._say("");
      L.DomUtil.addClass(this._link, "sp-busy");
      this._map.locate({setView: true, maxZoom: this.options.maxZoom,
                        enableHighAccuracy: true, timeout: this.options.timeout});
    },
    _found: function (e) {
      L.DomUtil.removeClass(this._link, "sp-busy");
      if (!this._layer) { this._layer = L.layerGroup().addTo(this._map); }
      this._layer.clearLayers();
      L.circle(e.latlng, {radius: e.accuracy, weight: 1, color: "#136aec",
                          fillColor: "#136aec", fillOpacity: 0.15, interactive: false,
                          className: "sp-svg sp-locate-accuracy"}).addTo(this._layer);
      L.circleMarker(e.latlng, {radius: 7, weight: 2, color: "#ffffff", fillColor: "#136aec",
                                fillOpacity: 1, interactive: false,
                                className: "sp-svg sp-locate-position"}).addTo(this._layer);
    },
    _failed: function (e) {
      L.DomUtil.removeClass(this._link, "sp-busy");
      this._say(e.code === 1 ? this.options.denied
                : e.code === 3 ? this.options.timedOut : this.options.unavailable);
    },
    _say: function (text) {
      this._message.textContent = text;  // text, never markup
      this._message.style.display = text ? "block" : "none";
    }
  });
})();
"""
    )


def _ensure_runtime(m: Element) -> None:
    """Put Leaflet, its CSS and our runtime (controls, SVG renderer hook) in the page header."""
    header = _root(m).header
    js, css = leaflet_assets()
    header.add_child(RawHTML(f"<style>\n{css}</style>"), name=_HEAD_LEAFLET_CSS)
    header.add_child(RawHTML(f"<script>\n{js}</script>"), name=_HEAD_LEAFLET_JS)
    header.add_child(RawHTML(f"<style>{_runtime_css()}</style>"), name=_HEAD_RUNTIME_CSS)
    header.add_child(RawHTML(f"<script>{_runtime_js()}</script>"), name=_HEAD_RUNTIME_JS)


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


def add_scale(m: folium.Map, position: str = "bottomleft", *, max_width: int = 150) -> Element:
    """Add a scale bar in feet/miles and metres/kilometres (Leaflet's ``L.control.scale``).

    Parameters
    ----------
    m : folium.Map
        The map.
    position : str, default "bottomleft"
        A map corner: "topleft", "topright", "bottomleft" or "bottomright".
    max_width : int, default 150
        Largest width of the bar in pixels.

    Returns
    -------
    branca.element.Element
        The control element (adding it again replaces it).
    """
    control = _Control(
        "L.control.scale",
        {
            "position": _check_position(position),
            "metric": True,
            "imperial": True,
            "maxWidth": int(max_width),
        },
    )
    m.add_child(control, name="safepassage_scale")
    return control


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
    _ensure_runtime(m)
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
    _ensure_runtime(m)
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
    setattr(m, _WANTS_LAYER_CONTROL, True)
    return layer


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
    root = _root(m)
    root.title = escape_text(title)
    _ensure_runtime(m)
    if data_attribution:
        m.add_child(_Attribution(data_attribution), name="safepassage_attribution")
    if controls:
        add_scale(m)
        add_fullscreen(m)
        add_locate(m)
    if online_tiles:
        add_osm_tiles(m)
    return m


# --------------------------------------------------------------------------------------------
# Escaping and safe popups / labels
# --------------------------------------------------------------------------------------------


def escape_text(value: object) -> str:
    """Escape text for HTML (``& < > " '``); None becomes an empty string.

    Parameters
    ----------
    value : object
        Any value; converted with ``str``.

    Returns
    -------
    str
        Text that shows literally wherever HTML is expected.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def popup_html(rows: Iterable[tuple[str, object]], *, title: str | None = None) -> str:
    """Build a small label/value table for a popup, escaping labels, values and title.

    Parameters
    ----------
    rows : iterable of (str, object)
        ``(label, value)`` pairs; values are converted with ``str`` (None shows empty).
    title : str, optional
        A caption above the table.

    Returns
    -------
    str
        HTML safe to pass to :func:`bind_popup`.
    """
    parts = ['<table class="sp-popup">']
    if title is not None:
        parts.append(f"<caption>{escape_text(title)}</caption>")
    for label, value in rows:
        parts.append(f"<tr><th>{escape_text(label)}</th><td>{escape_text(value)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


class _Binding(MacroElement):
    """``parent.bindPopup(content, options)`` or ``bindTooltip`` with pre-escaped content."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}(
                {{ this.content_js }},
                {{ this.options_js }}
            ){% if this.open %}.{{ this.open }}(){% endif %};
        {% endmacro %}
        """
    )

    def __init__(self, method: str, content_html: str, options: Mapping[str, Any], open_: str):
        super().__init__()
        self._name = "SafePassageBinding"
        self.method = method
        self.content_js = js_literal(content_html)
        self.options_js = js_literal(dict(options))
        self.open = open_


def bind_popup(
    layer: Element,
    content_html: str,
    *,
    max_width: int = 320,
    show: bool = False,
    **options: Any,
) -> Element:
    """Attach a popup to a folium layer without jQuery and without folium's ``Popup``.

    Parameters
    ----------
    layer : branca.element.Element
        A folium layer (``CircleMarker``, ``PolyLine``, ``GeoJson``, ``FeatureGroup``, ...).
    content_html : str
        Trusted HTML: build it with :func:`popup_html` or :func:`escape_text`, never from raw
        user text.
    max_width : int, default 320
        Widest popup in pixels.
    show : bool, default False
        Open the popup when the page loads (if the layer is on the map by then).
    **options
        Further Leaflet popup options (JSON values, camelCase names).

    Returns
    -------
    branca.element.Element
        The layer, for chaining.
    """
    binding = _Binding(
        "bindPopup",
        content_html,
        {"maxWidth": int(max_width), **options},
        "openPopup" if show else "",
    )
    layer.add_child(binding, name="safepassage_popup")
    return layer


def bind_tooltip(
    layer: Element,
    text: str,
    *,
    permanent: bool = False,
    direction: str = "auto",
    class_name: str | None = None,
    **options: Any,
) -> Element:
    """Attach a plain-text tooltip (hover, or a permanent label) to a folium layer.

    Parameters
    ----------
    layer : branca.element.Element
        A folium layer.
    text : str
        Plain text, for example an OpenStreetMap name; escaped here, so it shows literally.
    permanent : bool, default False
        Show the tooltip at all times (a label) instead of on hover.
    direction : str, default "auto"
        Leaflet tooltip direction ("auto", "top", "right", "bottom", "left", "center").
    class_name : str, optional
        Extra CSS class of the tooltip (``"sp-label"`` makes it bold).
    **options
        Further Leaflet tooltip options (JSON values, camelCase names).

    Returns
    -------
    branca.element.Element
        The layer, for chaining.
    """
    opts: dict[str, Any] = {"permanent": bool(permanent), "direction": direction, **options}
    if class_name:
        opts["className"] = class_name
    binding = _Binding("bindTooltip", escape_text(text), opts, "")
    layer.add_child(binding, name="safepassage_tooltip")
    return layer


class _Label(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.tooltip({{ this.options_js }})
                .setLatLng({{ this.location_js }})
                .setContent({{ this.content_js }})
                .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, location: Sequence[float], text: str, options: Mapping[str, Any]):
        super().__init__()
        self._name = "SafePassageLabel"
        self.location = [float(location[0]), float(location[1])]
        self.location_js = js_literal(self.location)
        self.content_js = js_literal(escape_text(text))
        self.options_js = js_literal(dict(options))

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [list(self.location), list(self.location)]


def add_label(
    parent: Element,
    location: Sequence[float],
    text: str,
    *,
    direction: str = "center",
    class_name: str = "sp-label",
    **options: Any,
) -> Element:
    """Add a free-standing permanent text label (a Leaflet tooltip at a point).

    Parameters
    ----------
    parent : branca.element.Element
        The map or a ``FeatureGroup`` on it.
    location : sequence of float
        (latitude, longitude).
    text : str
        Plain text, escaped here.
    direction : str, default "center"
        Leaflet tooltip direction.
    class_name : str, default "sp-label"
        CSS class of the label.
    **options
        Further Leaflet tooltip options.

    Returns
    -------
    branca.element.Element
        The label element.
    """
    label = _Label(
        location,
        text,
        {
            "permanent": True,
            "interactive": False,
            "direction": direction,
            "className": class_name,
            **options,
        },
    )
    parent.add_child(label)
    return label


def escape_properties(geojson: Mapping[str, Any], fields: Iterable[str] | None = None) -> Any:
    """Copy GeoJSON with its string properties HTML-escaped, for folium's GeoJSON details.

    ``folium.GeoJsonTooltip`` and ``folium.GeoJsonPopup`` put property values into the page
    as HTML; give them this copy (and keep the original for anything else, since the copy's
    strings are escaped text).

    Parameters
    ----------
    geojson : mapping
        A GeoJSON ``FeatureCollection`` or ``Feature`` (a ``__geo_interface__`` dict).
    fields : iterable of str, optional
        Properties to escape; all string properties if None.

    Returns
    -------
    dict
        A deep copy with those properties escaped.
    """
    data = copy.deepcopy(dict(geojson))
    wanted = None if fields is None else set(fields)
    features = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    for feature in features or []:
        props = feature.get("properties") or {}
        for key, value in props.items():
            if isinstance(value, str) and (wanted is None or key in wanted):
                props[key] = escape_text(value)
    return data


# --------------------------------------------------------------------------------------------
# SVG renderer
# --------------------------------------------------------------------------------------------


def svg_class_name(*classes: str) -> str:
    """Return a Leaflet ``className`` that puts a path on the SVG renderer, plus ``classes``.

    Parameters
    ----------
    *classes : str
        Further CSS classes, e.g. ``"route"``.

    Returns
    -------
    str
        For example ``"sp-svg route"``; pass it as ``class_name=`` to a folium path or GeoJson.
    """
    return " ".join([SVG_CLASS, *classes])


def use_svg(layer: Element) -> Element:
    """Put an existing folium path (or GeoJson) on the SVG renderer.

    Adds :data:`SVG_CLASS` to the layer's Leaflet ``className`` option.

    Parameters
    ----------
    layer : branca.element.Element
        A ``PolyLine``, ``Polygon``, ``CircleMarker``, ``Circle`` or ``GeoJson``.

    Returns
    -------
    branca.element.Element
        The layer.

    Raises
    ------
    TypeError
        If the layer has no Leaflet options.
    """
    options = getattr(layer, "options", None)
    if not isinstance(options, dict):
        raise TypeError(f"{type(layer).__name__} has no Leaflet path options")
    key = "className" if "className" in options or "class_name" not in options else "class_name"
    classes = str(options.get(key) or "").split()
    if SVG_CLASS not in classes:
        options[key] = " ".join([SVG_CLASS, *classes])
    return layer


# --------------------------------------------------------------------------------------------
# Rendering and checking
# --------------------------------------------------------------------------------------------

_TAG_URL = re.compile(
    r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)

# folium features that call jQuery or awesome-markers, which offline pages do not load.
_NEEDS_LIBRARIES = {
    "$(`": "folium.Popup (or a popup= argument) needs jQuery: use safepassage.offline.bind_popup",
    "$(document)": "Map.keep_in_front needs jQuery: add the layers in drawing order instead",
    "$.ajax(": "GeoJson(embed=False) needs jQuery and the network: embed the data",
    "L.AwesomeMarkers": "folium.Icon needs awesome-markers: use CircleMarker or DivIcon",
}


def external_references(html_text: str) -> list[str]:
    """List every http(s) URL a page would fetch by itself.

    Looks at ``src=`` / ``href=`` attributes of ``<script>``, ``<link>`` and ``<img>`` tags
    (wherever they appear in the text, including HTML inside JavaScript strings) and at CSS
    ``url(...)`` and ``@import``. Protocol-relative ``//host/...`` URLs count as external.
    Links (``<a href>``) and tile URL templates in JavaScript are not fetches and are not
    listed.

    Parameters
    ----------
    html_text : str
        A complete HTML page.

    Returns
    -------
    list of str
        The external URLs, first occurrence first, without duplicates.
    """
    found: list[str] = []
    for pattern in (_TAG_URL, _CSS_URL, _CSS_IMPORT):
        for match in pattern.finditer(html_text):
            url = next((g for g in match.groups() if g is not None), "")
            url = html.unescape(url).strip()
            if _EXTERNAL.match(url) and url not in found:
                found.append(url)
    return found


def _forget_rendered(root: Figure, element: Element) -> None:
    """Drop what an earlier render of ``element`` (and its children) left in the Figure.

    branca renders by adding each element's pieces to the Figure under the element's name; a
    later render overwrites them in place, keeping their old position, and never removes the
    pieces of elements taken off the map.
    """
    for part in (root.header, root.html, root.script):
        part._children.pop(element.get_name(), None)
    for child in element._children.values():
        _forget_rendered(root, child)


def _finalize(m: Element) -> None:
    """Make the map's layer controls come after every layer (folium requires it)."""
    children = getattr(m, "_children", None)
    if children is None:
        return
    root = _root(m)
    controls = [name for name, child in children.items() if isinstance(child, folium.LayerControl)]
    if not controls and getattr(m, _WANTS_LAYER_CONTROL, False):
        m.add_child(folium.LayerControl(collapsed=True), name=_AUTO_LAYER_CONTROL)
        controls = [_AUTO_LAYER_CONTROL]
    elif len(controls) > 1 and _AUTO_LAYER_CONTROL in controls:
        _forget_rendered(root, children.pop(_AUTO_LAYER_CONTROL))  # the caller added their own
        controls.remove(_AUTO_LAYER_CONTROL)
    for name in controls:
        children.move_to_end(name)
        # Rendered again at the end of the page's script, after layers added since.
        _forget_rendered(root, children[name])


def render_html(m: Element) -> str:
    """Render a map's complete page and check that it needs no network.

    Parameters
    ----------
    m : folium.Map
        The map (any element of a branca Figure works; the whole Figure is rendered).

    Returns
    -------
    str
        The complete HTML page.

    Raises
    ------
    RuntimeError
        If the page still references an external script, stylesheet or image (a stock folium
        map, a folium plugin loading from a CDN), or uses a folium feature that needs jQuery or
        awesome-markers.
    """
    _finalize(m)
    root = _root(m)
    page = root.render()
    problems = [f"external reference {url}" for url in external_references(page)]
    # The generated script follows </body>; Leaflet's own code sits in the header.
    script = page[page.rfind("</body>") :]
    problems += [why for needle, why in _NEEDS_LIBRARIES.items() if needle in script]
    if problems:
        raise RuntimeError("the page would not work offline: " + "; ".join(problems))
    if not re.search(r"""<meta\s+name=["']?viewport""", page, re.IGNORECASE):
        page = page.replace("</head>", _VIEWPORT_META + "\n</head>", 1)
    return page


def write_html(m_or_html: Element | str, path: str | Path) -> Path:
    """Write a map's page (or finished HTML) atomically, after the checks of :func:`render_html`.

    Parameters
    ----------
    m_or_html : folium.Map or str
        A map, rendered with :func:`render_html`, or a complete page (checked the same way
        for external references).
    path : str or Path
        Target file; an existing file is replaced only once the new one is complete.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    RuntimeError
        If the page would need the network (nothing is written then).
    """
    if isinstance(m_or_html, str):
        refs = external_references(m_or_html)
        if refs:
            raise RuntimeError(
                "the page would not work offline: external references " + ", ".join(refs)
            )
        text = m_or_html
    else:
        text = render_html(m_or_html)
    return atomic_write_text(path, text)
