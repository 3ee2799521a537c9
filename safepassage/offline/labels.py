"""Popups, tooltips and free-standing labels that escape their text and need only Leaflet.

folium's ``Popup`` needs jQuery and neither it nor ``Tooltip`` escapes anything (see the
package docstring). These bind pre-escaped content with Leaflet's own ``bindPopup`` /
``bindTooltip`` and encode it with :func:`~safepassage.offline.js_literal`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template

from .escaping import escape_text, js_literal

__all__ = ["add_label", "bind_popup", "bind_tooltip"]


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

    def __init__(
        self, method: str, content_html: str, options: Mapping[str, Any], open_: str
    ) -> None:
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
    **options: object,
) -> Element:
    """Attach a popup to a folium layer without jQuery and without folium's ``Popup``.

    Parameters
    ----------
    layer : branca.element.Element
        A folium layer (``CircleMarker``, ``PolyLine``, ``GeoJson``, ``FeatureGroup``, ...).
    content_html : str
        Trusted HTML: build it with :func:`~safepassage.offline.popup_html` or
        :func:`~safepassage.offline.escape_text`, never from raw user text.
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
    **options: object,
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

    def __init__(self, location: Sequence[float], text: str, options: Mapping[str, Any]) -> None:
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
    **options: object,
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
