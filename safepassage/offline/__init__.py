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
- The controls (scale bar, full-screen toggle, "locate me") are our own small JavaScript on
  Leaflet core and browser APIs only (``offline/runtime.js``, shipped as package data and
  inlined into the page header); see :func:`add_scale`, :func:`add_fullscreen`,
  :func:`add_locate`.
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

Layout
------
- :mod:`~safepassage.offline.assets`: Leaflet from the installed package; our runtime script
  and style (``runtime.js``, ``runtime.css``, shipped as package data); putting them in the
  page header.
- :mod:`~safepassage.offline.controls`: :func:`offline_map` and its controls (scale,
  full screen, "locate me", credits, optional OpenStreetMap tiles).
- :mod:`~safepassage.offline.escaping`: escaping, JavaScript literals, popup tables, verbatim
  HTML.
- :mod:`~safepassage.offline.labels`: popups, tooltips and labels that escape their text.
- :mod:`~safepassage.offline.render`: the SVG renderer for chosen paths; rendering, checking
  and writing pages.
"""

from .assets import LEAFLET_PACKAGE, SVG_CLASS, leaflet_assets
from .controls import (
    OSM_ATTRIBUTION,
    OSM_TILES_URL,
    add_fullscreen,
    add_locate,
    add_north_arrow,
    add_osm_tiles,
    add_scale,
    fit_print_page,
    keep_badges_clear,
    offline_map,
    set_page_lang,
)
from .escaping import RawHTML, escape_properties, escape_text, js_literal, popup_html
from .labels import add_label, bind_popup, bind_tooltip
from .render import external_references, render_html, svg_class_name, use_svg, write_html

__all__ = [
    "LEAFLET_PACKAGE",
    "OSM_ATTRIBUTION",
    "OSM_TILES_URL",
    "SVG_CLASS",
    "RawHTML",
    "add_fullscreen",
    "add_label",
    "add_locate",
    "add_north_arrow",
    "add_osm_tiles",
    "add_scale",
    "bind_popup",
    "bind_tooltip",
    "escape_properties",
    "escape_text",
    "external_references",
    "fit_print_page",
    "js_literal",
    "keep_badges_clear",
    "leaflet_assets",
    "offline_map",
    "popup_html",
    "render_html",
    "set_page_lang",
    "svg_class_name",
    "use_svg",
    "write_html",
]
