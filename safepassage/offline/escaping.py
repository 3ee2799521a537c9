"""Text made safe for a page: HTML escaping, JavaScript literals, popup tables, verbatim HTML.

OpenStreetMap names are user-edited text and folium escapes none of it (see the package
docstring). Everything here is pure string work except :class:`RawHTML`, the one branca element
that writes its text unchanged (for our own scripts and styles, never for user text).
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

from branca.element import Element

__all__ = ["RawHTML", "escape_properties", "escape_text", "js_literal", "popup_html"]


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


def js_literal(value: object) -> str:
    r"""Encode ``value`` as a JavaScript literal safe inside an inline ``<script>`` element.

    JSON with every non-ASCII character and ``< > & ' ` $`` written as ``\uXXXX`` escapes, so
    the text can neither end the script element (``</script>``) nor act inside a template
    literal. It does not make HTML safe: text that Leaflet will use as markup must be escaped
    with :func:`escape_text` first.

    Parameters
    ----------
    value : object
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
        HTML safe to pass to :func:`safepassage.offline.bind_popup`.
    """
    parts = ['<table class="sp-popup">']
    if title is not None:
        parts.append(f"<caption>{escape_text(title)}</caption>")
    for label, value in rows:
        parts.append(f"<tr><th>{escape_text(label)}</th><td>{escape_text(value)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def escape_properties(
    geojson: Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict[str, Any]:
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
