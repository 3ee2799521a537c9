"""Writing pages: the SVG renderer for chosen paths, and the check that a page needs no network.

Always write maps with :func:`render_html` / :func:`write_html`, not ``Map.save``: they refuse a
page that would fetch anything (or use a folium feature needing jQuery or awesome-markers) and
move layer controls after the layers they list.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import folium
from branca.element import Element, Figure

from safepassage.io import atomic_write_text

from .assets import SVG_CLASS, root_figure
from .controls import AUTO_LAYER_CONTROL, PAGE_LANG, WANTS_LAYER_CONTROL

__all__ = ["external_references", "render_html", "svg_class_name", "use_svg", "write_html"]

_VIEWPORT_META = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />'


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
    root = root_figure(m)
    controls = [name for name, child in children.items() if isinstance(child, folium.LayerControl)]
    if not controls and getattr(m, WANTS_LAYER_CONTROL, False):
        m.add_child(folium.LayerControl(collapsed=True), name=AUTO_LAYER_CONTROL)
        controls = [AUTO_LAYER_CONTROL]
    elif len(controls) > 1 and AUTO_LAYER_CONTROL in controls:
        _forget_rendered(root, children.pop(AUTO_LAYER_CONTROL))  # the caller added their own
        controls.remove(AUTO_LAYER_CONTROL)
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
    root = root_figure(m)
    page = root.render()
    problems = [f"external reference {url}" for url in external_references(page)]
    # The generated script follows </body>; Leaflet's own code sits in the header.
    script = page[page.rfind("</body>") :]
    problems += [why for needle, why in _NEEDS_LIBRARIES.items() if needle in script]
    if problems:
        raise RuntimeError("the page would not work offline: " + "; ".join(problems))
    if not re.search(r"""<meta\s+name=["']?viewport""", page, re.IGNORECASE):
        page = page.replace("</head>", _VIEWPORT_META + "\n</head>", 1)
    lang = getattr(root, PAGE_LANG, None)
    if lang:
        page = re.sub(r"<html(?![^>]*\blang=)", f'<html lang="{lang}"', page, count=1)
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
