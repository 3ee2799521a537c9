"""The maps' legend: a collapsible Leaflet control of trusted symbols and escaped text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import folium
from branca.element import MacroElement
from folium.template import Template

from ..offline import escape_text, js_literal
from .styles import KIND_STYLES, kind_symbol_html, legend_symbol

__all__ = ["LegendSection", "add_legend", "legend_kinds"]

#: A legend section: ``(heading, [(symbol_html, text), ...])``.
LegendSection = tuple[str, Sequence[tuple[str, str]]]


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
    sections: Sequence[LegendSection],
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
        here); symbols are trusted HTML of ours (swatches,
        :func:`~safepassage.maps.styles.kind_symbol_html`).
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


def legend_kinds(kinds: Iterable[str], lang: str = "en") -> list[tuple[str, str]]:
    """Legend rows of destination kinds: their symbol and name in ``lang``."""
    out = []
    for kind in kinds:
        style = KIND_STYLES.get(kind, KIND_STYLES["other"])
        out.append((legend_symbol(kind_symbol_html(kind, 18)),
                    style.label_es if lang == "es" else style.label_en))
    return out
