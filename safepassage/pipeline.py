"""The steps of a plan in order, for the command line and for notebooks.

Each function takes what the previous step produced: an :class:`~safepassage.source.Area`,
then a :class:`~safepassage.routing.RoutePlan`, then (in :mod:`safepassage.coverage`) posts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from .directions import build_directions, render_directions, summary_line
from .errors import InputError
from .graph import nearest_node, project_points
from .io import write_geojson, write_gpx
from .routing import RoutePlan, route_geometry, route_legs, safe_routes
from .safety import (
    EdgeRisk,
    Profile,
    RiskZones,
    TimeWindow,
    edge_risk,
    load_profile,
    load_zones,
    parse_window,
    read_incidents,
)
from .source import Area

#: How close (metres) a network node must be to a site outline to serve as an entrance.
ENTRANCE_MAX_M = 30.0


@dataclass
class RouteSettings:
    """Everything that shapes the routes, as the command line gives it.

    Attributes
    ----------
    profile : Profile
    window : TimeWindow
    zones : RiskZones
    incidents : pandas.DataFrame or None
    max_detour_pct : float or None
        None: the profile's value.
    """

    profile: Profile = field(default_factory=load_profile)
    window: TimeWindow = field(default_factory=lambda: parse_window(None))
    zones: RiskZones = field(default_factory=RiskZones)
    incidents: pd.DataFrame | None = None
    max_detour_pct: float | None = None

    @classmethod
    def from_options(
        cls,
        *,
        profile: str | Path | None = None,
        time_window: str | None = None,
        avoid: str | Path | None = None,
        penalize: str | Path | None = None,
        incidents: str | Path | None = None,
        max_detour_pct: float | None = None,
    ) -> RouteSettings:
        """Read and check the options; every problem is an :class:`InputError`."""
        window = parse_window(time_window)
        if profile is None and window.name != "all-day" and window.dark_fraction >= 0.5:
            profile = "night"  # an evening window uses the night profile unless told otherwise
        prof = load_profile(profile)
        if max_detour_pct is not None and not 0 <= max_detour_pct <= 500:
            raise InputError(f"--max-detour must be between 0 and 500 %, got {max_detour_pct:g}")
        return cls(
            profile=prof,
            window=window,
            zones=load_zones(avoid, penalize, prof),
            incidents=read_incidents(incidents) if incidents else None,
            max_detour_pct=max_detour_pct,
        )

    def describe(self) -> dict[str, Any]:
        """For ``plan.json``."""
        return {
            "profile": self.profile.name,
            "profile_source": self.profile.source,
            "time_window": self.window.to_dict(),
            "max_detour_pct": self.max_detour_pct
            if self.max_detour_pct is not None else self.profile["walk"]["max_detour_pct"],
            "avoid_zones": len(self.zones.avoid),
            "penalty_zones": len(self.zones.penalize),
            "incidents": 0 if self.incidents is None else len(self.incidents),
        }


def read_entrances(path: str | Path, area: Area) -> list[Any]:
    """Origin nodes from a file of site entrances or the site's outline.

    Parameters
    ----------
    path : str or Path
        CSV with ``lat,lon`` columns, or GeoJSON with Point features (entrances) or a
        Polygon (the outline: every network node within :data:`ENTRANCE_MAX_M` of it serves).
    area : Area
        The loaded area.

    Returns
    -------
    list
        Network nodes, at least one.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"entrances file not found: {path}")
    points: list[tuple[float, float]] = []
    polys = []
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for i, r in enumerate(csv.DictReader(fh), start=2):
                try:
                    points.append((float(r["lat"]), float(r["lon"])))
                except (KeyError, TypeError, ValueError):
                    raise InputError(f"{path.name} line {i}: needs numeric lat,lon") from None
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            feats = data["features"] if data.get("type") == "FeatureCollection" else [data]
            geoms = [shapely.geometry.shape(f["geometry"]) for f in feats]
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError,
                UnicodeDecodeError, shapely.errors.GEOSException):
            raise InputError(f"{path.name}: malformed GeoJSON") from None
        for g in geoms:
            if g.geom_type == "Point":
                points.append((g.y, g.x))
            elif g.geom_type in ("Polygon", "MultiPolygon"):
                polys.append(g)
            else:
                raise InputError(f"{path.name}: entrances must be Points or a Polygon outline")
    nodes: list[Any] = []
    for lat, lon in points:
        nodes.append(nearest_node(area.G, lat, lon, max_m=ENTRANCE_MAX_M * 5)[0])
    if polys:
        outline = gpd.GeoSeries(polys, crs="EPSG:4326").to_crs(area.G.graph["crs"]).union_all()
        for n, d in area.G.nodes(data=True):
            if outline.boundary.distance(shapely.Point(d["x"], d["y"])) <= ENTRANCE_MAX_M:
                nodes.append(n)
        if not nodes:
            raise InputError(f"{path.name}: no street within {ENTRANCE_MAX_M:g} m of the outline")
    if not nodes:
        raise InputError(f"{path.name}: no entrances in the file")
    return sorted(set(nodes), key=str)


def compute_routes(
    area: Area,
    settings: RouteSettings | None = None,
    *,
    origin_nodes: Sequence[Any] | None = None,
    risk: EdgeRisk | None = None,
) -> RoutePlan:
    """Safe and shortest routes from the area's origin to every destination."""
    settings = settings or RouteSettings()
    risk = risk or edge_risk(area.G, settings.profile, settings.window, zones=settings.zones,
                             incidents=settings.incidents)
    origins = list(origin_nodes) if origin_nodes else [area.origin_node]
    return safe_routes(area.G, risk, origins, area.destinations,
                       max_detour_pct=settings.max_detour_pct)


def directions_for(area: Area, plan: RoutePlan, route: Any, destination: str,
                   lang: str, units: str = "imperial") -> list[str]:
    """Numbered-ready directions for one route, in one language."""
    legs = route_legs(area.G, plan.state_graph, route)
    steps = build_directions(legs, origin=area.site.name, destination=destination)
    return render_directions(steps, lang=lang, units=units)


def routes_frame(area: Area, plan: RoutePlan, *, units: str = "imperial") -> gpd.GeoDataFrame:
    """One row per route (safest, shortest, alternatives) and per unreachable destination.

    Columns: the destination (``dest_id``, ``destination``, ``kind``, ``status``, ``reason``),
    the route's ``role``, its own ``route_*`` metrics, the comparison of safest against
    shortest (``length_m``, ``walk_min``, ``shortest_length_m``, ``detour_pct``, ``risk``,
    ``shortest_risk``, ``risk_reduction_pct`` and the exposure figures), and for safest routes
    ``directions_en`` / ``directions_es`` and ``summary_en`` / ``summary_es``.
    """
    sg = plan.state_graph
    rows = []
    for dr in plan.routes:
        d = dr.destination
        base = {"dest_id": d.get("dest_id"), "destination": d.get("name"),
                "kind": d.get("kind"), "dest_lat": d.get("lat"), "dest_lon": d.get("lon"),
                "approximate": bool(d.get("approximate", False)), "status": dr.status,
                "reason": dr.reason}
        if dr.status != "ok":
            rows.append({**base, "role": None, "geometry": None})
            continue
        cmp = dr.comparison()
        for r in [dr.safest, dr.shortest, *dr.alternatives]:
            assert r is not None
            row = {**base, "role": r.role, **cmp, "route_length_m": round(r.length_m, 1),
                   "route_risk": round(r.risk, 1),
                   **{f"route_{k}": v for k, v in r.metrics.items()},
                   "geometry": route_geometry(area.G, sg, r.edges)}
            if r.role == "safest":
                for lang in ("en", "es"):
                    row[f"directions_{lang}"] = directions_for(area, plan, r, str(d["name"]),
                                                               lang, units)
                    row[f"summary_{lang}"] = summary_line(r.length_m, r.metrics["walk_min"],
                                                          lang=lang, units=units)
            rows.append(row)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=area.G.graph["crs"])
    return gdf.to_crs("EPSG:4326")


def write_routes(out_dir: str | Path, area: Area, frame: gpd.GeoDataFrame) -> dict[str, Path]:
    """Write ``routes.geojson`` (every route, every metric, directions) and ``routes.gpx``.

    The GPX holds the safest route to each destination as a track (for phones), and the origin
    and destinations as waypoints.
    """
    out = Path(out_dir)
    paths = {"routes.geojson": write_geojson(frame, out / "routes.geojson")}
    safest = frame[frame["role"] == "safest"]
    tracks = []
    for _, r in safest.iterrows():
        coords = [(lat, lon) for lon, lat in r.geometry.coords]
        desc = (f"{r['kind']}: {r['route_length_m']:.0f} m, {r['detour_pct']:+.0f} % vs "
                f"shortest, {r['risk_reduction_pct']:.0f} % less risk")
        tracks.append((f"Safe route to {r['destination']}", desc, coords))
    waypoints = [(area.site.name, "origin" + (" (approximate)" if area.site.approximate else ""),
                  area.site.lat, area.site.lon)]
    dests = frame.drop_duplicates("dest_id")
    for _, r in dests.iterrows():
        if pd.notna(r.get("dest_lat")):
            waypoints.append((str(r["destination"]), str(r["kind"]), float(r["dest_lat"]),
                              float(r["dest_lon"])))
    paths["routes.gpx"] = write_gpx(out / "routes.gpx", tracks, waypoints,
                                    name=f"Safe Passages: {area.site.name}")
    return paths


def summary_rows(plan: RoutePlan) -> list[tuple[Any, ...]]:
    """Rows of the printed summary table (header first)."""
    rows: list[tuple[Any, ...]] = [(
        "Destination", "Kind", "Safe m", "Detour", "Risk cut", "Unsig. art. X (safe/short)",
        "Arterial m (safe/short)", "Status")]
    for dr in plan.routes:
        d = dr.destination
        name = str(d.get("name"))
        name = name if len(name) <= 40 else name[:39] + "…"
        if dr.status != "ok":
            rows.append((name, d.get("kind"), "", "", "", "", "", f"{dr.status}: {dr.reason}"))
            continue
        c = dr.comparison()
        rows.append((
            name, d.get("kind"), f"{c['length_m']:.0f}", f"{c['detour_pct']:+.0f} %",
            f"{c['risk_reduction_pct']:.0f} %",
            f"{c['unsignalised_arterial_crossings']}/{c['shortest_unsignalised_arterial_crossings']}",
            f"{c['arterial_m']:.0f}/{c['shortest_arterial_m']:.0f}", "ok",
        ))
    return rows


def project_lonlat(area: Area, lon: float, lat: float) -> tuple[float, float]:
    """A WGS84 point in the area's projected CRS."""
    x, y = project_points(area.G, [lon], [lat])
    return float(x[0]), float(y[0])
