"""The planner map's incident layers and panel section: density for the window, concerns.

Individual incidents never reach a map: the planner map shows their density on a 50 m grid
(the same quartic kernel and bandwidth the routes use), as plain Leaflet polygons, so the page
needs no heat-map plugin and opens offline. Community concerns are places residents named in
public meetings, so they are drawn where they are, with their note. Handouts show neither.

Everything that reaches HTML is escaped here (notes are residents' own words).
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
from folium.utilities import JsCode
from scipy.spatial import cKDTree
from shapely.geometry import box

from ..incidents import CLASSES, IncidentUse

#: Side of a density cell, metres.
CELL_M = 50.0

#: Density bands, as multiples of the profile's hot-spot density, and their colours.
BANDS = (0.25, 0.5, 1.0, 2.0)
BAND_COLOURS = ("#ecd9f2", "#c99ad8", "#9b4db8", "#5e1a7a")
CONCERN_COLOUR = "#b8860b"

#: Paths with this class are drawn as SVG (one element each) even on a canvas map; see
#: :mod:`safepassage.offline`.
SVG_CLASS = "sp-svg"

_TIP = JsCode(
    "function (feature, layer) {"
    " var p = feature.properties || {};"
    " if (p.tip) { layer.bindTooltip(p.tip, {className: 'sp-tip'}); }"
    " }"
)


def density_cells(use: IncidentUse, cell_m: float = CELL_M) -> gpd.GeoDataFrame:
    """Incident density on a square grid over the used incidents (WGS84 cells).

    Parameters
    ----------
    use : IncidentUse
        The incidents used in one window (their weights, bandwidth and hot-spot density).
    cell_m : float
        Side of a cell, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        Cells at the lowest band or above: ``density`` (weighted incidents, quartic kernel at
        the cell's centre), ``incidents`` (within the bandwidth), ``band`` (0..3), ``tip``.
    """
    u = use.used
    cols: dict[str, list[object]] = {"density": [], "incidents": [], "band": [], "tip": []}
    if not len(u):
        return gpd.GeoDataFrame(cols, geometry=[], crs="EPSG:4326")
    pts = gpd.GeoSeries(gpd.points_from_xy(u["lon"].astype(float), u["lat"].astype(float)),
                        crs="EPSG:4326")
    crs = pts.estimate_utm_crs()
    xy = np.column_stack([pts.to_crs(crs).x, pts.to_crs(crs).y])
    w = u["weight"].to_numpy(dtype=float)
    bw = use.bandwidth_m
    x0, y0 = np.floor((xy.min(axis=0) - bw) / cell_m) * cell_m
    x1, y1 = np.ceil((xy.max(axis=0) + bw) / cell_m) * cell_m
    gx, gy = np.meshgrid(np.arange(x0, x1, cell_m) + cell_m / 2,
                         np.arange(y0, y1, cell_m) + cell_m / 2)
    centres = np.column_stack([gx.ravel(), gy.ravel()])
    tree = cKDTree(xy)
    density = np.zeros(len(centres))
    count = np.zeros(len(centres), dtype=int)
    for i, near in enumerate(tree.query_ball_point(centres, r=bw)):
        if near:
            d = np.hypot(*(xy[near] - centres[i]).T)
            density[i] = float((w[near] * np.clip(1 - (d / bw) ** 2, 0, None) ** 2).sum())
            count[i] = len(near)
    limits = np.array(BANDS) * use.hot_spot
    show = density >= limits[0]
    band = np.searchsorted(limits, density[show], side="right") - 1
    cells = [box(x - cell_m / 2, y - cell_m / 2, x + cell_m / 2, y + cell_m / 2)
             for x, y in centres[show]]
    tips = [html.escape(f"{n} incident{'s' if n != 1 else ''} within {bw:g} m in this window "
                        f"(weighted density {v:.2f}; the routes treat {use.hot_spot:g} or more "
                        "as a hot spot)")
            for n, v in zip(count[show], density[show], strict=True)]
    out = gpd.GeoDataFrame({"density": np.round(density[show], 3), "incidents": count[show],
                            "band": band, "tip": tips}, geometry=cells, crs=crs)
    return out.to_crs("EPSG:4326")


def add_incident_layer(m: folium.Map, use: IncidentUse | None, *, show: bool = True) -> None:
    """Add the window's incident density (and the community concerns) to a map.

    Parameters
    ----------
    m : folium.Map
        The planner map.
    use : IncidentUse or None
        The incidents and concerns used in the map's window; nothing is added for None.
    show : bool
        Whether the layers are on when the page opens.
    """
    if use is None:
        return
    if use.format:
        cells = density_cells(use)
        group = folium.FeatureGroup(name=f"Incident density, {html.escape(use.window)}",
                                    show=show)
        if len(cells):
            folium.GeoJson(
                cells.__geo_interface__,
                style_function=lambda f: {
                    "stroke": False, "fillOpacity": 0.45,
                    "fillColor": BAND_COLOURS[int(f["properties"]["band"])]},
                on_each_feature=_TIP,
                class_name=f"{SVG_CLASS} sp-incident-density",
            ).add_to(group)
        group.add_to(m)
    if len(use.concerns):
        add_concerns(m, use.concerns, show=show)


def add_concerns(m: folium.Map, concerns: gpd.GeoDataFrame, *, show: bool = True) -> None:
    """Community concerns as gold points and outlines, each with its (escaped) note."""
    group = folium.FeatureGroup(name="Community concerns", show=show)
    for row in concerns.to_dict("records"):
        note = str(row.get("note") or "").strip()
        tip = html.escape(f"Community concern {row['concern_id']}" + (f": {note}" if note
                                                                      else ""))
        geom = row["geometry"]
        if geom.geom_type == "Point":
            layer: folium.Element = folium.CircleMarker(
                (geom.y, geom.x), radius=7, color=CONCERN_COLOUR, weight=3, fill=True,
                fill_color="#ffffff", fill_opacity=0.9, class_name=f"{SVG_CLASS} sp-concern")
        else:
            layer = folium.GeoJson(
                geom.__geo_interface__, class_name=f"{SVG_CLASS} sp-concern",
                style_function=lambda f: {"color": CONCERN_COLOUR, "weight": 3,
                                          "dashArray": "6 4", "fillOpacity": 0.08})
        layer.add_child(folium.Tooltip(tip))
        group.add_child(layer)
    group.add_to(m)


def _swatch(colour: str) -> str:
    return (f'<span class="sp-swatch" style="display:inline-block;width:18px;height:12px;'
            f'background:{colour};opacity:0.8;margin-right:6px"></span>')


def incident_panel_html(use: IncidentUse | None) -> str:
    """The planner panel's section on incidents: counts by class for the window, the key.

    Returns
    -------
    str
        Escaped HTML ("" for None): what was read, skipped and used, a table of the incidents
        used by class, the density key and the concerns' count.
    """
    if use is None:
        return ""
    e = html.escape
    parts = []
    if use.format:
        # where the incidents come from in plain words, never an input file's name
        origin = ("LAPD crime data (City of Los Angeles open data)"
                  if use.format == "LAPD export" else "The incidents given for this plan")
        parts += [f"<h2>Incidents: {e(use.window)}</h2>",
                  f'<p class="sp-small">{e(origin)}, {e(use.period)}: '
                  f"{use.read:,} read, {len(use.used):,} used (in the area and the window, "
                  "weighing more than nothing).</p>"]
        by_class = use.by_class()
        if by_class:
            weights = use.used.groupby("crime_class")["weight"].sum()
            rows = "".join(
                f'<tr><th scope="row">{e(CLASSES[c])}</th><td>{n:,}</td>'
                f"<td>{weights[c]:.1f}</td></tr>" for c, n in by_class.items())
            parts.append('<table class="sp-figures sp-incidents"><thead><tr><th>Kind of crime'
                         '</th><th>Incidents</th><th>Weight</th></tr></thead>'
                         f"<tbody>{rows}</tbody></table>")
        else:
            parts.append("<p>No incidents in this window.</p>")
        limits = [b * use.hot_spot for b in BANDS]
        key = "".join(
            f"<li>{_swatch(c)}<span>{e(_band_text(limits, i))}</span></li>"
            for i, c in enumerate(BAND_COLOURS))
        parts.append('<ul class="sp-key">' + key + "</ul>")
        parts.append(f'<p class="sp-small">Purple squares: weighted incidents within '
                     f"{use.bandwidth_m:g} m, by kind of crime and place. Individual incidents "
                     "are listed in incidents.geojson, never on handouts.</p>")
        if use.format == "LAPD export":
            parts.append('<p class="sp-small">Incidents: Los Angeles Police Department, Crime '
                         "Data from 2020 to Present, City of Los Angeles Open Data.</p>")
    if use.concerns_given:
        parts.append(f'<p class="sp-small">{_swatch(CONCERN_COLOUR)}Community concerns: '
                     f"{use.concerns_given} named by residents, {len(use.concerns)} near the "
                     "streets and weighed like incidents.</p>")
    return "".join(parts)


def _band_text(limits: list[float], i: int) -> str:
    if i == len(limits) - 1:
        return f"{limits[i]:g} or more (hot spot)"
    hot = " (hot spot)" if limits[i] >= limits[2] else ""
    return f"{limits[i]:g} to {limits[i + 1]:g}{hot}"
