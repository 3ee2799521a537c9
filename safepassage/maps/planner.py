"""The planner's map: walking demand on the corridor, covered against gaps, one or two plans.

Demand is drawn as line width and colour intensity (bands from the demand's quantiles), covered
segments in blue and gaps in dashed orange, the posts (locked ones marked), the banned places
in red, and a side panel (:mod:`safepassage.maps.panel`) with the coverage figures and the
gaps by street name. With a second plan (plan B) its posts are drawn as square badges "B1",
"B2", ..., the stretches that lose or gain cover from A to B as red and green halos, all shown
when the page opens, and the panel lists what changed (posts added, removed and moved, gaps
opened and closed: the list ``safepassage coverage --compare`` prints). The layer list is
collapsed on screens narrower than 1600 px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import Point

from ..beats import BeatPlan
from ..coverage import ShiftPlan, change_list, name_in_units
from ..errors import InputError
from ..incidents import IncidentUse
from ..offline import (
    RawHTML,
    add_scale,
    bind_tooltip,
    escape_text,
    keep_badges_clear,
    offline_map,
    popup_html,
    svg_class_name,
    write_html,
)
from ..source import Area
from ..utils import check_units
from .basemap import add_base_network
from .beats import add_walked_corridor, beats_panel_html
from .geometry import bounds_latlon, focus_geometry, latlon_parts, safest_routes
from .incidents import add_incident_layer, incident_panel_html
from .panel import PANEL_CSS, PanelText, length_text, panel_html, share_text
from .places import BIND_FROM_PROPERTIES, add_destinations, add_site
from .posts import add_posts, post_places
from .streets import add_street_labels, street_labels
from .styles import (
    BANNED_COLOUR,
    CHANGE_COLOURS,
    COVERED_RAMP,
    DEMAND_WIDTHS,
    GAP_RAMP,
    add_map_css,
    page_root,
    static,
)
from .view import CoverageView

__all__ = ["PlanB", "PlannerMapOptions", "planner_map", "write_planner_map",
           "write_planner_maps"]

_BAND_WORDS: dict[int, tuple[str, ...]] = {
    1: ("People walking",),
    2: ("Fewer people walking", "More people walking"),
    3: ("Fewest people walking", "Some", "Most people walking"),
    4: ("Fewest people walking", "Fewer", "More", "Most people walking"),
}


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


def _band_labels(breaks: Sequence[float]) -> list[str]:
    """Legend texts of demand bands, in words: "Fewest people walking" ... "Most ..."."""
    n = len(breaks)
    if n in _BAND_WORDS:
        return list(_BAND_WORDS[n])
    return [f"Band {i + 1} of {n}" for i in range(n)]


def _post_refs(view: CoverageView, plan: str, units: str) -> dict[str, str]:
    """Post id -> "post B3 (Olive Street & West 5th Street)", numbered as on the map."""
    refs: dict[str, str] = {}
    for place in post_places(view.posts):
        for pid in place.post_ids:
            refs[pid] = f"post {plan}{place.number} ({name_in_units(place.name, units)})"
    return refs


def _segment_feature(row: dict[str, Any], covered: bool, style: dict[str, Any], total: float,
                     by: str | None, units: str) -> dict[str, Any] | None:
    """One corridor segment as a GeoJSON feature with its style, tooltip and popup."""
    parts = latlon_parts(row["geometry"])
    if not parts:
        return None
    length = float(row["length_m"])
    share = share_text(length * float(row["demand"]), total)
    rows: list[tuple[str, object]] = [
        ("Length", length_text(length, units)),
        ("Share of walking demand", share or "none"),
        ("Covered", f"yes, by {by}" if covered and by
         else ("yes" if covered else "no: a gap")),
    ]
    coords = [[[lon, lat] for lat, lon in part] for part in parts]
    return {
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
    }


def _corridor_geojson(view: CoverageView, covered: bool, breaks: Sequence[float],
                      *, dashed: bool, plan: str, units: str) -> dict[str, Any]:
    c = view.corridor[view.corridor["covered"] == covered]
    ramp = COVERED_RAMP if covered else GAP_RAMP
    total = view.figures.total_weight
    refs = _post_refs(view, plan, units)
    feats = []
    for row in c.to_dict("records"):
        band = min(_band(float(row["demand"]), breaks), len(ramp) - 1)
        style: dict[str, Any] = {"color": ramp[band], "weight": DEMAND_WIDTHS[band],
                                 "opacity": 0.9}
        if dashed:
            style["dashArray"] = "8 6"
        by = refs.get(str(row.get("post_id"))) if row.get("post_id") else None
        feature = _segment_feature(row, covered, style, total, by, units)
        if feature is not None:
            feats.append(feature)
    return {"type": "FeatureCollection", "features": feats}


def _add_safe_routes(m: folium.Map, frame: gpd.GeoDataFrame) -> None:
    """The safe routes as thin grey lines, one layer, off at first."""
    safest = safest_routes(frame)
    if not len(safest):
        return
    routes = folium.FeatureGroup(name="Safe routes", show=False)
    for row in safest.to_dict("records"):
        parts = latlon_parts(row["geometry"])
        if parts:
            line = folium.PolyLine(parts, color="#555555", weight=2, opacity=0.8,
                                   class_name=svg_class_name("sp-route"))
            bind_tooltip(line, f"Safe route to {row.get('destination')}")
            routes.add_child(line)
    routes.add_to(m)


def _add_plan(m: folium.Map, view: CoverageView, plan: str, breaks: Sequence[float],
              units: str) -> None:
    """One plan's layers: covered corridor, gaps, posts and banned places.

    Plan A's corridor shows; plan B's corridor layers are in the list, off at first (they
    would cover A's: the change halos say where they differ), and its posts show.
    """
    label = escape_text(view.label)
    for covered, layer_name, cls in ((True, "covered corridor", "sp-covered"),
                                     (False, "gaps", "sp-gap")):
        folium.GeoJson(
            _corridor_geojson(view, covered, breaks, dashed=not covered, plan=plan, units=units),
            name=f"{label}: {layer_name}",
            show=not plan,
            class_name=svg_class_name("sp-corridor", cls, f"sp-plan-{plan or 'a'}"),
            on_each_feature=BIND_FROM_PROPERTIES,
        ).add_to(m)
    if view.banned:
        bans = folium.FeatureGroup(name=f"{label}: banned places", show=True)
        for area in view.banned:
            for part in getattr(area, "geoms", [area]):
                ring = [[round(y, 6), round(x, 6)] for x, y in part.exterior.coords]
                shape = static(folium.Polygon(
                    ring, color=BANNED_COLOUR, weight=2, fill=True, fill_opacity=0.15,
                    dash_array="5 4", class_name=svg_class_name("sp-banned")))
                bans.add_child(shape)
        bans.add_to(m)
    if view.posts is not None:
        group = folium.FeatureGroup(name=f"{label}: officer posts", show=True)
        add_posts(group, view.posts, view.corridor, stretches=False, plan=plan, units=units)
        group.add_to(m)


def _add_changes(m: folium.Map, a: CoverageView, b: CoverageView) -> None:
    """Halos where cover changes from A to B: red where a gap opens, green where one closes."""
    ca = dict(zip(a.corridor["segment_id"], a.corridor["covered"], strict=True))
    group = folium.FeatureGroup(name="What changed from A to B (red: gap opened, green: closed)",
                                show=True)
    drawn = 0
    for row in b.corridor.to_dict("records"):
        before = ca.get(row["segment_id"])
        if before is None or bool(before) == bool(row["covered"]):
            continue
        colour = CHANGE_COLOURS["closed" if row["covered"] else "opened"]
        for part in latlon_parts(row["geometry"]):
            static(folium.PolyLine(part, color=colour, weight=14, opacity=0.45,
                                   class_name=svg_class_name("sp-change"))).add_to(group)
            drawn += 1
    if drawn:
        group.add_to(m)


class _LayerListWidth(MacroElement):
    """Open the layer list on screens 1600 px wide or more; collapsed below."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            if (window.innerWidth >= 1600) { {{ this.control.get_name() }}.expand(); }
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()
        self._name = "SafePassageLayerListWidth"
        self.control = control


@dataclass(frozen=True)
class PlanB:
    """A second plan on the planner map, and what changed from plan A to it.

    Attributes
    ----------
    view : CoverageView
        Plan B, as the maps draw it.
    changes : sequence of str
        The change list from A to B for this map's time window, as
        :func:`safepassage.coverage.format_comparison` writes it (the list
        ``safepassage coverage --compare`` prints).
    """

    view: CoverageView
    changes: Sequence[str] = ()


def planner_map(
    area: Area,
    frame: gpd.GeoDataFrame,
    plan_a: CoverageView,
    plan_b: CoverageView | PlanB | None = None,
    *,
    title: str | None = None,
    incidents: IncidentUse | None = None,
    units: str = "imperial",
    beats: BeatPlan | None = None,
) -> folium.Map:
    """The planner's map: demand on the corridor, covered against gaps, one or two plans.

    Parameters
    ----------
    area : Area
        The loaded area.
    frame : geopandas.GeoDataFrame
        :func:`safepassage.pipeline.routes_frame`; the safe routes are a layer (off at first).
    plan_a : CoverageView
        The plan to show (:meth:`CoverageView.from_plan`); "Plan A" if it has no label.
    plan_b : CoverageView or PlanB, optional
        A second plan to compare ("Plan B" if it has no label), with the change list from A
        to it: its posts as square badges "B1", ..., the stretches that lose or gain cover as
        red and green halos, all shown at first; its corridor layers in the layer list; the
        side panel shows its figures, gaps and the change list next to the first plan's.
    title : str, optional
        Page title; "Planner map: <site> (<window>, <hours>)" by default, the time window
        being the first plan's ("dismissal, 14:00-16:00").
    incidents : IncidentUse, optional
        The window's incidents: a density layer and counts by kind of crime in the panel.
    units : {"imperial", "metric"}, default "imperial"
        Feet and miles, or metres and kilometres, on the map and in the panel.
    beats : BeatPlan, optional
        Walking beats of the same window and officers: the corridor they walk is a layer,
        and the panel shows the demand they walk beside the demand the posts cover.

    OpenStreetMap's tiles are offered as an optional layer, off until switched on.

    Returns
    -------
    folium.Map

    Raises
    ------
    InputError
        If a plan has no corridor to draw.
    """
    units = check_units(units)
    site = area.site
    second = plan_b if isinstance(plan_b, PlanB) else (
        PlanB(plan_b) if plan_b is not None else None)
    views = [plan_a.relabel(plan_a.label or "Plan A")]
    if second is not None:
        views.append(second.view.relabel(second.view.label or "Plan B"))
    if any(not len(v.corridor) for v in views):
        raise InputError("the coverage plan has no corridor to draw")
    if title is None:
        window = views[0].window
        title = f"Planner map: {site.name}" + (f" ({window})" if window else "")
    m = offline_map((site.lat, site.lon), 16, title=title, zoom_snap=0.25)
    add_scale(m, units=units)
    add_map_css(m)
    page_root(m).header.add_child(RawHTML(f"<style>{PANEL_CSS}</style>"),
                                  name="safepassage_panel_css")
    add_base_network(m, area.G)
    add_incident_layer(m, incidents)
    corridor_geoms = [g for v in views for g in v.corridor.geometry]
    names = folium.FeatureGroup(name="Street names")
    add_street_labels(names, street_labels(area.G, focus_geometry(area.G, corridor_geoms)))
    names.add_to(m)
    _add_safe_routes(m, frame)

    demand = np.concatenate([v.corridor["demand"].to_numpy(dtype=float) for v in views])
    breaks = _demand_breaks(demand, len(DEMAND_WIDTHS))
    if second is not None:
        _add_changes(m, views[0], views[1])
    for k, view in enumerate(views):
        _add_plan(m, view, "B" if k else "", breaks, units)
    if beats is not None:
        add_walked_corridor(m, beats)

    add_destinations(m, area)
    site_group = folium.FeatureGroup(name="Housing site")
    add_site(site_group, area)
    site_group.add_to(m)
    control = folium.LayerControl(collapsed=True)
    m.add_child(control, name="safepassage_layers")
    m.add_child(_LayerListWidth(control), name="safepassage_layer_list_width")
    keep_badges_clear(m)
    text = PanelText(title=title, bands=_band_labels(breaks), units=units,
                     changes=tuple(second.changes) if second is not None else None,
                     extra_html=incident_panel_html(incidents),
                     figures_html=beats_panel_html(beats, views[0]) if beats is not None else "")
    page_root(m).html.add_child(RawHTML(panel_html(area, views, text)), name="safepassage_panel")
    bounds = bounds_latlon([*corridor_geoms, Point(site.lon, site.lat)])
    if bounds:
        m.fit_bounds(bounds, padding=(20, 20))
    return m


class PlannerMapOptions(TypedDict, total=False):
    """The keyword options of :func:`planner_map` (see it for each)."""

    title: str | None
    incidents: IncidentUse | None
    units: str
    beats: BeatPlan | None


def write_planner_map(
    path: str | Path,
    area: Area,
    frame: gpd.GeoDataFrame,
    plan_a: CoverageView,
    plan_b: CoverageView | PlanB | None = None,
    **options: Unpack[PlannerMapOptions],
) -> Path:
    """Write the planner map atomically (see :func:`planner_map` for the parameters).

    Returns
    -------
    Path
        The file written.
    """
    return write_html(planner_map(area, frame, plan_a, plan_b, **options), path)


def write_planner_maps(
    folder: Path,
    area: Area,
    frame: gpd.GeoDataFrame,
    shifts: ShiftPlan,
    plan_b: ShiftPlan | None = None,
    *,
    units: str = "imperial",
    beats: Sequence[BeatPlan] = (),
) -> dict[str, Path]:
    """One planner map per time window of a plan (the first is ``planner_map.html``).

    Plan B is compared window by window, with the change list of that window
    (:func:`safepassage.coverage.change_list`); where it has no plan for a window, its first
    window's plan is shown and labelled as such.

    Parameters
    ----------
    folder : Path
        Where the pages go (``planner_map.html``, ``planner_map_<window>.html``).
    area : Area
        The loaded area.
    frame : geopandas.GeoDataFrame
        The routes frame.
    shifts : ShiftPlan
        The plan.
    plan_b : ShiftPlan, optional
        A second plan to compare.
    units : {"imperial", "metric"}, default "imperial"
        Units of the pages.
    beats : sequence of BeatPlan, optional
        Every window's walking beats.

    Returns
    -------
    dict of str to Path
        The pages written, by file name.
    """
    out: dict[str, Path] = {}
    for k, tw in enumerate(shifts.windows):
        name = "planner_map.html" if k == 0 else f"planner_map_{tw.name}.html"
        b = None
        if plan_b is not None:
            if tw.name in plan_b.plans:
                view = CoverageView.from_plan(plan_b.plans[tw.name], label="Plan B")
            else:  # plan B has no plan for this window: show its first, and say so
                first = plan_b.windows[0]
                view = CoverageView.from_plan(plan_b.plans[first.name],
                                              label=f"Plan B, {first.label()}")
            b = PlanB(view, change_list(shifts, plan_b, units=units, window=tw.name))
        # the map's title and panel name the window
        a = CoverageView.from_plan(shifts.plans[tw.name],
                                   label="Plan A" if plan_b is not None else "This plan")
        walked = next((p for p in beats if p.window.name == tw.name), None)
        out[name] = write_planner_map(
            folder / name, area, frame, a, b,
            incidents=shifts.route_plans[tw.name].state_graph.risk.incidents, units=units,
            beats=walked)
    return out
