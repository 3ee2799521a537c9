"""The officer map's header: site, time window and hours, when made, data age, and the posts.

A slim bar above the map says where and when the plan is for; a list of the posts (number,
place, hours) opens under it and centres the map on the post tapped; with several time
windows a switch shows one window's posts and routes at a time (the one under way on the
phone's clock when the page opens, else the first). The bar is escaped HTML of ours, wired by
``SafePassage.fieldHeader`` in the offline runtime; nothing here reads a name as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement
from folium.template import Template

from ..coverage import name_in_units
from ..errors import InputError
from ..offline import RawHTML, escape_text, js_literal
from ..safety import parse_window
from ..utils import clock_range, date_text
from .posts import PostPlace
from .styles import TAP_PX, page_root, post_badge_html

__all__ = [
    "FIELD_CSS",
    "FieldWindow",
    "add_field_header",
    "data_date",
    "data_downloaded",
    "window_hours_text",
]

FIELD_CSS = f"""
html, body {{ height: 100%; margin: 0; }}
body.sp-field-page, body:has(> header.sp-field) {{ display: flex; flex-direction: column; }}
body.sp-field-page > .folium-map, body:has(> header.sp-field) > .folium-map {{
  flex: 1 1 auto; height: auto !important; min-height: 0;
  position: relative !important; top: 0 !important; }}
.sp-field {{ flex: none; position: relative; z-index: 1100; background: #fff; color: #111;
  border-bottom: 1px solid #bbb; box-shadow: 0 1px 4px #0003;
  font: 14px/1.3 Arial, Helvetica, sans-serif; padding: 4px 8px; }}
.sp-field h1 {{ font-size: 15px; margin: 0; display: inline; }}
.sp-field .sp-when {{ font-weight: bold; }}
.sp-field .sp-meta {{ color: #444; font-size: 12px; }}
.sp-field .sp-bar {{ display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }}
.sp-field .sp-line {{ flex: 1 1 14rem; min-width: 0; }}
.sp-field button {{ min-height: {TAP_PX}px; min-width: {TAP_PX}px; font: inherit;
  border: 1px solid #888; border-radius: 6px; background: #f4f4f4; color: #111;
  padding: 0 10px; cursor: pointer; }}
.sp-field button[aria-pressed="true"], .sp-field button[aria-expanded="true"] {{
  background: #111; color: #fff; border-color: #111; }}
.sp-windows {{ display: flex; gap: 4px; flex-wrap: wrap; }}
.sp-post-list {{ position: absolute; left: 0; right: 0; top: 100%; max-height: 60vh;
  overflow-y: auto; background: #fff; border-bottom: 1px solid #bbb; margin: 0;
  padding: 4px 8px; list-style: none; box-shadow: 0 3px 6px #0003; }}
.sp-post-list li button {{ display: flex; align-items: center; gap: 8px; width: 100%;
  text-align: left; background: #fff; border: none; border-bottom: 1px solid #eee;
  border-radius: 0; padding: 4px 2px; }}
.sp-post-list .sp-post-badge {{ margin: 0 2px; }}
.sp-post-list .sp-hours {{ color: #444; display: block; font-size: 12px; }}
.leaflet-touch .leaflet-bar a, .leaflet-bar a {{ width: {TAP_PX}px; height: {TAP_PX}px;
  line-height: {TAP_PX}px; }}
.leaflet-touch .leaflet-control-layers-toggle {{ width: {TAP_PX}px; height: {TAP_PX}px; }}
"""


@dataclass
class FieldWindow:
    """One time window as the header shows it.

    Attributes
    ----------
    key : str
        The window's name ("dismissal", "07:00-08:30").
    places : list of PostPlace
        Its posts, numbered as on every page.
    group : folium.FeatureGroup or None
        What the map draws for it (shown only while it is chosen).
    """

    key: str
    places: list[PostPlace] = field(default_factory=list)
    group: folium.FeatureGroup | None = None

    @property
    def minutes(self) -> tuple[int, int] | None:
        """Start and end, minutes after midnight (None if the window is not a clock span)."""
        try:
            tw = parse_window(self.key)
        except InputError:
            return None
        return tw.start, tw.end


def window_hours_text(key: str) -> str:
    """"Dismissal, 2:00 PM to 4:00 PM" for a window name ("" for none, the name if unknown)."""
    if not key:
        return ""
    try:
        tw = parse_window(key)
    except InputError:
        return key.replace("_", " ")
    name = tw.name.replace("_", " ").replace("-", " ")
    if tw.minutes >= 1440:
        return f"{name.capitalize()}, all day"
    label = name.capitalize() if not name[:1].isdigit() else "Hours"
    return f"{label}, {clock_range(tw.start, tw.end)}"


def _post_items(win: FieldWindow, units: str) -> list[str]:
    e = escape_text
    items = []
    for place in win.places:
        hours = [h for w, h in place.shifts() if w == win.key or not win.key]
        when = window_hours_text(win.key) if win.key else "; ".join(h for h in hours if h)
        items.append(
            f'<li data-window="{e(win.key)}"><button type="button" data-post="{place.number}" '
            f'data-lat="{place.geometry.y:.6f}" data-lon="{place.geometry.x:.6f}">'
            f"{post_badge_html(place.number, place.colour)}"
            f'<span><span class="sp-name">{e(name_in_units(place.name, units))}</span>'
            f'<span class="sp-hours">{e(when)}</span></span></button></li>')
    return items


def _header_html(site: str, windows: Sequence[FieldWindow], made: str, data_age: str,
                 units: str) -> str:
    e = escape_text
    first = windows[0].key if windows else ""
    switch = ""
    if len(windows) > 1:
        buttons = "".join(
            f'<button type="button" data-window="{e(w.key)}" aria-pressed="'
            f'{"true" if w.key == first else "false"}">'
            f"{e(w.key.replace('_', ' ').capitalize())}</button>" for w in windows)
        switch = f'<div class="sp-windows" role="group" aria-label="Time window">{buttons}</div>'
    count = len({p.number for w in windows for p in w.places})
    posts = "".join(item for w in windows for item in _post_items(w, units))
    return (
        '<header class="sp-field" id="sp-field">'
        '<div class="sp-bar"><div class="sp-line">'
        f"<h1>{e(site)}</h1> · "
        f'<span class="sp-when" id="sp-field-when">{e(window_hours_text(first))}</span>'
        f'<div class="sp-meta">Made {e(made)} · street data {e(data_age)}</div></div>'
        f"{switch}"
        f'<button type="button" class="sp-posts-button" aria-expanded="false" '
        f'aria-controls="sp-post-list">Posts ({count})</button></div>'
        f'<ul class="sp-post-list" id="sp-post-list" hidden>{posts}</ul>'
        "</header>"
    )


class _FieldScript(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            SafePassage.fieldHeader({{ this._parent.get_name() }}, {{ this.windows_js }}, {
            {%- for key, group in this.groups %}
                {{ key }}: {{ group.get_name() }},
            {%- endfor %}
            });
        {% endmacro %}
        """
    )

    def __init__(self, windows: Sequence[FieldWindow]) -> None:
        super().__init__()
        self._name = "SafePassageFieldHeader"
        data = []
        for w in windows:
            span = w.minutes
            data.append({"key": w.key, "when": window_hours_text(w.key),
                         "start": span[0] if span else None, "end": span[1] if span else None})
        self.windows_js = js_literal(data)
        self.groups = [(js_literal(w.key), w.group) for w in windows if w.group is not None]


def add_field_header(
    m: folium.Map,
    site: str,
    windows: Sequence[FieldWindow],
    *,
    made_on: dt.date,
    data_date: dt.date | None,
    downloaded: bool = True,
    units: str = "imperial",
) -> None:
    """Put the field header above the map and wire it (list of posts, window switch).

    Parameters
    ----------
    m : folium.Map
        The officer map.
    site : str
        The site's name (plain text).
    windows : sequence of FieldWindow
        The plan's windows in order, each with its posts and its group of layers.
    made_on : datetime.date
        When the plan was made.
    data_date : datetime.date or None
        When the street data was read (its age), if known.
    downloaded : bool, default True
        Whether it was downloaded then (its age) or read from a file (whose own age the
        file does not reliably say: osmnx writes one fixed timestamp on every element).
    units : {"imperial", "metric"}, default "imperial"
        Units of the distances in the posts' names.
    """
    root = page_root(m)
    root.header.add_child(RawHTML(f"<style>{FIELD_CSS}</style>"), name="safepassage_field_css")
    made = date_text(made_on)
    if data_date is None:
        age = "of unknown date"
    else:
        age = ("downloaded " if downloaded else "from a file, read ") + date_text(data_date)
    root.html.add_child(RawHTML(_header_html(site, windows, made, age, units)),
                        name="safepassage_field_header")
    m.add_child(_FieldScript(windows), name="safepassage_field_script")


def data_downloaded(provenance: Mapping[str, object] | None) -> bool:
    """Whether a network's street data was downloaded (from Overpass), not read from a file."""
    return str((provenance or {}).get("source") or "") == "overpass"


def data_date(provenance: Mapping[str, object] | None) -> dt.date | None:
    """The date street data was read, from a network's provenance (None if unknown)."""
    text = str((provenance or {}).get("retrieved") or "")
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
