"""What the incidents and community concerns did to a plan, in words and files.

The incidents used in each window (:class:`~safepassage.incidents.IncidentUse`, kept by
:func:`safepassage.safety.edge_risk`) become ``incidents.geojson`` and one line per window
(read, skipped and why, used by kind of crime); routes get the incidents and concerns within
:data:`NEAR_ROUTE_M` of the safe and of the shortest route; community concerns are routed
without and with, so planners can show residents which safe routes their input changed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from .incidents import IncidentSet, IncidentUse, count_near
from .io import write_geojson
from .routing import RoutePlan, route_geometry, safe_routes
from .safety import RiskZones, edge_risk
from .source import Area

if TYPE_CHECKING:
    import networkx as nx
    from shapely import LineString

#: Incidents and concerns this close to a route (metres) are reported with it.
NEAR_ROUTE_M = 50.0

#: Incidents are first read inside the network's bounding box grown by this much (metres).
AREA_MARGIN_M = 500.0

EXPOSURE_LEGEND = ("Incid. 50 m / Concern 50 m = incidents used (in the time window) / community "
                   "concerns within 50 m of the route")


def network_bbox(G: nx.MultiDiGraph, margin_m: float) -> tuple[float, float, float, float]:
    """``(south, west, north, east)`` of the network's nodes, grown by ``margin_m``."""
    lats = [d["lat"] for _, d in G.nodes(data=True)]
    lons = [d["lon"] for _, d in G.nodes(data=True)]
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(0.1, math.cos(math.radians(sum(lats) / len(lats)))))
    return (round(min(lats) - dlat, 6), round(min(lons) - dlon, 6),
            round(max(lats) + dlat, 6), round(max(lons) + dlon, 6))



def route_exposure(area: Area, plan: RoutePlan) -> dict[str | None, dict[str, Any]]:
    """Incidents and concerns within :data:`NEAR_ROUTE_M` of each safe and shortest route.

    Returns
    -------
    dict
        ``dest_id`` -> ``incidents_50m``, ``incident_weight_50m`` and their ``shortest_``
        twins (when incidents were given), ``concerns_50m`` and ``shortest_concerns_50m``
        (when concerns were given). Empty without incidents or concerns.
    """
    use = plan.state_graph.risk.incidents
    if use is None:
        return {}
    crs = area.G.graph["crs"]
    u = use.used
    pts = gpd.GeoSeries(gpd.points_from_xy(u["lon"].astype(float), u["lat"].astype(float)),
                        crs="EPSG:4326").to_crs(crs).to_numpy()
    weights = u["weight"].to_numpy(dtype=float)
    conc = use.concerns.to_crs(crs).geometry.to_numpy() if len(use.concerns) else pts[:0]
    cw = use.concerns["weight"].to_numpy(dtype=float)
    ok = [dr for dr in plan.ok if dr.safest is not None and dr.shortest is not None]
    out: dict[str | None, dict[str, Any]] = {dr.destination.get("dest_id"): {} for dr in ok}
    for prefix, role in (("", "safest"), ("shortest_", "shortest")):
        lines = [route_geometry(area.G, plan.state_graph, getattr(dr, role).edges) for dr in ok]
        near_inc = count_near(lines, pts, weights, NEAR_ROUTE_M)
        near_con = count_near(lines, conc, cw, NEAR_ROUTE_M)
        for dr, (n, w), (c, _) in zip(ok, near_inc, near_con, strict=True):
            row = out[dr.destination.get("dest_id")]
            if use.format:
                row[f"{prefix}incidents_50m"] = n
                row[f"{prefix}incident_weight_50m"] = w
            if use.concerns_given:
                row[f"{prefix}concerns_50m"] = c
    return out


@dataclass
class ConcernEffect:
    """What the community concerns changed: the safe routes with and without them.

    Attributes
    ----------
    changed : list of str
        Destinations whose safe route moved because of the concerns.
    routed : int
        Destinations routed.
    table : geopandas.GeoDataFrame
        One row per concern: ``concern_id``, ``note``, ``weight``, ``near_streets`` (within
        the profile's bandwidth of a street, so it counted), ``safe_routes_near_without`` and
        ``safe_routes_near_with`` (safe routes within :data:`NEAR_ROUTE_M`), WGS84.
    """

    changed: list[str]
    routed: int
    table: gpd.GeoDataFrame

    def text(self) -> str:
        """One line for the terminal."""
        t = self.table
        names = ", ".join(self.changed[:8]) + (" ..." if len(self.changed) > 8 else "")
        moved = (f"changed the safe route to {len(self.changed)} of {self.routed} destinations"
                 + (f" ({names})" if names else ""))
        return (f"community concerns: {len(t)} given, {int(t['near_streets'].sum())} near the "
                f"streets; they {moved}; safe routes passing within {NEAR_ROUTE_M:g} m of a "
                f"concern: {int(t['safe_routes_near_without'].sum())} without them, "
                f"{int(t['safe_routes_near_with'].sum())} with them")

    def summary(self) -> dict[str, Any]:
        """Plain dictionary for ``plan.json``."""
        rows = self.table.drop(columns="geometry").to_dict("records")
        return {"changed_routes": self.changed, "routed": self.routed,
                "concerns": json.loads(json.dumps(rows, default=str))}


def concern_effect(area: Area, plan: RoutePlan, found: IncidentSet | None,
                   zones: RiskZones | None = None) -> ConcernEffect | None:
    """Route again without the community concerns and say what they changed.

    Parameters
    ----------
    area : Area
        The loaded area.
    plan : RoutePlan
        Routes computed with the concerns (its risk's profile and window are reused).
    found : IncidentSet or None
        The incidents and concerns the routes weighed.
    zones : RiskZones, optional
        The avoid and penalty zones the routes used.

    Returns
    -------
    ConcernEffect or None
        None when no concerns were given.
    """
    risk = plan.state_graph.risk
    if found is None or not len(found.concerns) or risk.incidents is None:
        return None
    without = IncidentSet(found.frame, found.source, found.format, found.read, found.skipped,
                          found.since, found.until, found.first, found.last)
    risk0 = edge_risk(area.G, risk.profile, risk.window, zones=zones, incidents=without)
    plan0 = safe_routes(area.G, risk0, plan.origin_nodes, area.destinations,
                        max_detour_pct=plan.max_detour_pct)
    before = {dr.destination.get("dest_id"): dr for dr in plan0.ok if dr.safest is not None}
    changed, with_lines, without_lines = [], [], []
    for dr in plan.ok:
        other = before.get(dr.destination.get("dest_id"))
        if dr.safest is None or other is None or other.safest is None:
            continue
        if list(dr.safest.edges) != list(other.safest.edges):
            changed.append(str(dr.destination.get("name")))
        with_lines.append(route_geometry(area.G, plan.state_graph, dr.safest.edges))
        without_lines.append(route_geometry(area.G, plan0.state_graph, other.safest.edges))
    crs = area.G.graph["crs"]
    conc = found.concerns
    geoms = conc.to_crs(crs).geometry
    near_ids = set(risk.incidents.concerns["concern_id"])

    def near(lines: list[LineString]) -> list[int]:
        tree = shapely.STRtree(lines) if lines else None
        return [0 if tree is None else len(tree.query(g, predicate="dwithin",
                                                      distance=NEAR_ROUTE_M)) for g in geoms]

    table = gpd.GeoDataFrame({
        "concern_id": conc["concern_id"].to_numpy(), "note": conc["note"].to_numpy(),
        "weight": conc["weight"].to_numpy(dtype=float),
        "near_streets": [int(i) in near_ids for i in conc["concern_id"]],
        "safe_routes_near_without": near(without_lines),
        "safe_routes_near_with": near(with_lines),
    }, geometry=conc.geometry.to_numpy(), crs="EPSG:4326")
    return ConcernEffect(changed=changed, routed=len(with_lines), table=table)


def write_incident_files(out_dir: str | Path, uses: Sequence[IncidentUse | None],
                         effect: ConcernEffect | None = None) -> dict[str, Path]:
    """Write ``incidents.geojson`` (the incidents used, per window) and ``concerns.geojson``.

    ``incidents.geojson`` is written whenever an incidents file was given, even when none was
    used (an empty collection); handouts never show these points.
    """
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    real = [u for u in uses if u is not None and u.format]
    if real:
        frames = [u.features() for u in real]
        gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                               crs="EPSG:4326")
        paths["incidents.geojson"] = write_geojson(gdf, out / "incidents.geojson")
    if effect is not None:
        paths["concerns.geojson"] = write_geojson(effect.table, out / "concerns.geojson")
    return paths


def incident_lines(uses: Sequence[IncidentUse | None],
                   effect: ConcernEffect | None = None) -> list[str]:
    """Terminal lines: incidents read, skipped and used per window; what concerns changed."""
    lines = [u.text() for u in uses if u is not None and u.format]
    if effect is not None:
        lines.append(effect.text())
    return lines
