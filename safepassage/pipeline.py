"""The steps of a plan in order, for the command line and for notebooks.

Each function takes what the previous step produced: an :class:`~safepassage.source.Area`,
then a :class:`~safepassage.routing.RoutePlan`, then (in :mod:`safepassage.coverage`) posts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from .directions import build_directions, render_directions, route_legs, summary_line
from .errors import UnreachableError
from .features import destination_name
from .incident_report import (
    ConcernEffect,
    concern_effect,
    incident_lines,
    route_exposure,
    write_incident_files,
)
from .incidents import (
    IncidentUse,
)
from .io import write_geojson, write_gpx
from .request import PlanOptions as PlanOptions  # re-exported: the request lives in request
from .request import PlanOutputs, PlanRequest, RouteSettings
from .routing import Route, RoutePlan, route_geometry, safe_routes
from .safety import (
    EdgeRisk,
    edge_risk,
)
from .source import Area

# entrances are read with the area (source); their names stay importable from here
from .source import Entrances as Entrances
from .source import parse_entrances as parse_entrances
from .source import read_entrances as read_entrances

if TYPE_CHECKING:
    from .beats import BeatPlan
    from .coverage import CoveragePlan, ShiftPlan
    from .progress import Steps


def compute_routes(
    area: Area,
    settings: RouteSettings | None = None,
    *,
    origin_nodes: Sequence[Hashable] | None = None,
    risk: EdgeRisk | None = None,
) -> RoutePlan:
    """Safe and shortest routes from the area's origin to every destination."""
    settings = settings or RouteSettings()
    risk = risk or edge_risk(area.G, settings.profile, settings.window, zones=settings.zones,
                             incidents=settings.incident_set(area))
    origins = list(origin_nodes) if origin_nodes else [area.origin_node]
    plan = safe_routes(area.G, risk, origins, area.destinations,
                       max_detour_pct=settings.max_detour_pct)
    require_routed(plan, area)
    return plan


def require_routed(plan: RoutePlan, area: Area) -> None:
    """A run that routes nothing is an error, with the reason, not "0 of 36 routed".

    Raises
    ------
    UnreachableError
        When no destination has a route (exit code 3): none within the radius, or none
        reachable (the most common reason is given).
    """
    if plan.ok:
        return
    if not plan.routes:
        raise UnreachableError(f"no destinations within {area.radius_m:,.0f} m of "
                               f"{area.site.name}: nothing to route to (try a larger --radius or "
                               "--destinations FILE)")
    reasons = Counter(str(r.reason) for r in plan.routes if r.status != "ok")
    reason, count = reasons.most_common(1)[0]
    raise UnreachableError(f"none of the {len(plan.routes)} destinations could be routed "
                           f"({count} of them: {reason})")


def directions_for(area: Area, plan: RoutePlan, route: Route, destination: str,
                   lang: str, units: str = "imperial") -> list[str]:
    """Numbered-ready directions for one route, in one language (the place's name in it)."""
    legs = route_legs(area.G, plan.state_graph, route)
    steps = build_directions(legs, origin=area.site.name,
                             destination=destination_name(destination, lang))
    return render_directions(steps, lang=lang, units=units)


def routes_frame(area: Area, plan: RoutePlan, *, units: str = "imperial",
                 directions: bool = True) -> gpd.GeoDataFrame:
    """One row per route (safest, shortest, alternatives) and per unreachable destination.

    Columns: the destination (``dest_id``, ``destination``, ``kind``, ``status``, ``reason``),
    the route's ``role``, its own ``route_*`` metrics, the comparison of safest against
    shortest (``length_m``, ``walk_min``, ``shortest_length_m``, ``detour_pct``, ``risk``,
    ``shortest_risk``, ``risk_reduction_pct``, the safe route's ``risk_bound`` and
    ``risk_gap_pct`` (see :class:`~safepassage.routing.Route`) and the exposure figures),
    and for safest routes
    ``directions_en`` / ``directions_es`` and ``summary_en`` / ``summary_es`` (unless
    ``directions`` is False: a map of the routes needs none).
    """
    sg = plan.state_graph
    exposure = route_exposure(area, plan)
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
        cmp = {**dr.comparison(), **exposure.get(d.get("dest_id"), {})}
        for r in [dr.safest, dr.shortest, *dr.alternatives]:
            assert r is not None
            row = {**base, "role": r.role, **cmp, "route_length_m": round(r.length_m, 1),
                   "route_risk": round(r.risk, 1),
                   **{f"route_{k}": v for k, v in r.metrics.items()},
                   "geometry": route_geometry(area.G, sg, r.edges)}
            if r.role == "safest" and directions:
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
        # a route whose pieces do not join end to end is a MultiLineString: take every point
        coords = [(float(lat), float(lon))
                  for lon, lat in shapely.get_coordinates(r.geometry).tolist()]
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


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns a GeoPackage can hold: lists become lines of text, dictionaries JSON."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry" or out[col].dtype != object:
            continue
        vals = out[col]
        if vals.map(lambda v: isinstance(v, list | tuple)).any():
            out[col] = vals.map(lambda v: "\n".join(map(str, v)) if isinstance(v, list | tuple)
                                else v)
        elif vals.map(lambda v: isinstance(v, dict)).any():
            out[col] = vals.map(lambda v: json.dumps(v) if isinstance(v, dict) else v)
    return out


def write_geopackage(path: str | Path, area: Area, frame: gpd.GeoDataFrame,
                     coverage: CoveragePlan | None = None, beats: Sequence[BeatPlan] = ()
                     ) -> Path:
    """One GeoPackage for GIS: ``routes``, ``destinations``, ``posts``, ``corridor``, ``beats``.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file (written to a temporary name and renamed when complete).
    area : Area
        The loaded site.
    frame : geopandas.GeoDataFrame
        From :func:`routes_frame`.
    coverage : CoveragePlan, optional
        Officer posts and the corridor with its demand and coverage.
    beats : sequence of BeatPlan, optional
        Walking beats (every window's), one line each.
    """
    from .beats import beats_table
    from .maps import CoverageView

    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    try:
        routes = frame[frame["role"].notna()]
        _flat(routes).to_file(tmp, layer="routes", driver="GPKG")
        d = area.destinations.copy()
        d["geometry"] = d.geometry.representative_point()
        _flat(d).to_file(tmp, layer="destinations", driver="GPKG")
        if coverage is not None:
            view = CoverageView.from_plan(coverage)
            if view.posts is not None and len(view.posts):
                _flat(view.posts).to_file(tmp, layer="posts", driver="GPKG")
            _flat(view.corridor).to_file(tmp, layer="corridor", driver="GPKG")
        if beats:
            _flat(beats_table(beats)).to_file(tmp, layer="beats", driver="GPKG")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def summary_rows(plan: RoutePlan, exposure: dict[str | None, dict[str, Any]] | None = None
                 ) -> list[tuple[object, ...]]:
    """Rows of the printed summary table (header first); see :func:`unreachable_lines`.

    With ``exposure`` (:func:`route_exposure`) the incidents and concerns within 50 m of the
    safe and the shortest route get their own columns.
    """
    exposure = exposure or {}
    titles = {"incidents_50m": "Incid. 50 m", "concerns_50m": "Concern 50 m"}
    extra = [k for k in titles if any(k in e for e in exposure.values())]
    rows: list[tuple[object, ...]] = [(
        "Destination", "Kind", "Safe m", "Detour", "Risk cut", "Gap", "Unsig. art. X",
        "Arterial m", "Unlit m", "Zone m", *[titles[k] for k in extra], "Status")]
    for dr in plan.routes:
        d = dr.destination
        name = str(d.get("name"))
        name = name if len(name) <= 40 else name[:39] + "…"
        if dr.status != "ok":
            rows.append((name, d.get("kind"), "", "", "", "", "", "", "", "",
                         *["" for _ in extra], dr.status))
            continue
        c = {**dr.comparison(), **exposure.get(d.get("dest_id"), {})}

        def pair(key: str, c: dict[str, Any] = c) -> str:
            return f"{c[key]:.0f}/{c['shortest_' + key]:.0f}" if key in c else ""

        rows.append((
            name, d.get("kind"), f"{c['length_m']:.0f}", f"{c['detour_pct']:+.0f} %",
            f"{c['risk_reduction_pct']:.0f} %", _gap(c["risk_gap_pct"]),
            pair("unsignalised_arterial_crossings"),
            pair("arterial_m"), pair("unlit_m"), pair("risk_zone_m"), *[pair(k) for k in extra],
            "ok",
        ))
    return rows


def unreachable_lines(plan: RoutePlan) -> list[str]:
    """One line per destination that has no route, with the reason."""
    return [f"{dr.destination.get('name')} ({dr.destination.get('kind')}): {dr.status}: "
            f"{dr.reason}" for dr in plan.routes if dr.status != "ok"]


def _gap(pct: float | None) -> str:
    if pct is None:
        return ""
    return "0" if pct < 0.005 else f"≤{pct:.1f} %"


SUMMARY_LEGEND = ("pairs are safe route / shortest route; Gap = how much less risk a route "
                  "within the detour cap could have at most (0: proven the least risky); "
                  "Unsig. art. X = crossings of busy "
                  "roads without a signal; Zone m = metres in risk zones or incident hot spots")


# ---------------------------------------------------------------------------------------------
# The whole plan


def plan_coverage(area: Area, request: PlanRequest,
                  origins: Sequence[Hashable] | None = None) -> ShiftPlan:
    """Routes and officer posts for every window of the request.

    Raises
    ------
    UnreachableError
        When no destination could be routed (see :func:`require_routed`).
    """
    from .coverage import RouteInputs, plan_shifts

    routes = RouteInputs.from_area(
        area, origins, profile=request.profile, zones=request.route.zones,
        incidents=request.route.incident_set(area),
        max_detour_pct=request.route.max_detour_pct)
    shifts = plan_shifts(routes, request.coverage)
    for route_plan in shifts.route_plans.values():
        require_routed(route_plan, area)
    return shifts


def _destination_rows(area: Area) -> list[dict[str, Any]]:
    keep = ["dest_id", "name", "kind", "source", "approximate", "lat", "lon", "snap_m", "usable",
            "problem"]
    d = area.destinations
    return [] if len(d) == 0 else json.loads(d[keep].to_json(orient="records"))


def _route_rows(plan: RoutePlan, exposure: dict[str | None, dict[str, Any]]
                ) -> list[dict[str, Any]]:
    rows = []
    for dr in plan.routes:
        d = dr.destination
        rows.append({"dest_id": d.get("dest_id"), "destination": d.get("name"),
                     "kind": d.get("kind"), "status": dr.status, "reason": dr.reason,
                     **dr.comparison(), **exposure.get(d.get("dest_id"), {}),
                     "alternatives": len(dr.alternatives)})
    return rows


def run_plan(
    area: Area,
    request: PlanRequest,
    out_dir: str | Path,
    outputs: PlanOutputs | None = None,
    *,
    origins: Sequence[Hashable] | None = None,
    steps: Steps | None = None,
    compare: PlanRequest | None = None,
) -> PlanResult:
    """Every step after loading, written into ``out_dir`` as one atomic swap.

    Writes ``plan.json``, ``routes.geojson``, ``routes.gpx``, ``posts.geojson``,
    ``coverage.json``, ``plan.gpkg``, ``officer_map.html``, ``planner_map.html``,
    ``handouts/<slug>.<lang>.html`` (and ``.pdf`` where Chromium is installed) and
    ``index.html``. If anything fails, ``out_dir`` keeps its previous content whole.

    Parameters
    ----------
    area : Area
        The loaded site.
    request : PlanRequest
        Windows, officers, adjustments.
    out_dir : str or Path
        Output folder (replaced whole on success).
    outputs : PlanOutputs, optional
        Handout kinds and languages, PDFs, units, date made (see :class:`PlanOutputs`).
    origins : sequence, optional
        Entrance nodes (default: the site point's node).
    steps : Steps, optional
        Progress reporter (its timings go into ``plan.json``).
    compare : PlanRequest, optional
        A second plan (plan B) drawn on the planner map for comparison.

    Returns
    -------
    PlanResult
    """
    import datetime as dt
    import time

    from . import __version__
    from .beats import beats_if_asked, beats_json, walked_text
    from .chromium import find_chromium
    from .coverage import change_list, coverage_json, write_coverage
    from .graph import graph_summary
    from .handouts import write_beat_outputs, write_handout_pdfs, write_handouts
    from .io import atomic_write_json, product_dir
    from .maps import shift_views, write_index, write_officer_map, write_planner_maps
    from .progress import Steps

    steps = steps or Steps(show=False)
    outputs = outputs or PlanOutputs()
    handout_kinds, langs, units = outputs.handout_kinds, outputs.langs, outputs.units
    made_on = outputs.made_on or dt.date.today()
    main = request.windows[0]
    with steps(f"routes and officer posts ({', '.join(request.windows)})"):
        shifts = plan_coverage(area, request, origins)
        plan_b = plan_coverage(area, compare, origins) if compare is not None else None
    beats = beats_if_asked(area.G, shifts, request.beats, steps)
    if not handout_kinds_present(area, handout_kinds):
        shifts.notes.append(f"no {' or '.join(handout_kinds)} within reach: no handouts made")
    route_plan = shifts.route_plans[main]
    uses = [rp.state_graph.risk.incidents for rp in shifts.route_plans.values()]
    effect = concern_effect(area, route_plan, request.route.incident_set(area),
                            request.route.zones)
    with steps("directions"):
        frame = routes_frame(area, route_plan, units=units)
    out = Path(out_dir)
    files: dict[str, Path] = {}
    with product_dir(out, "plan") as tmp:
        with steps("maps"):
            write_routes(tmp, area, frame)
            write_coverage(tmp, shifts, site=area.site, source=area.source.describe(),
                           timing=steps.rounded())
            write_geopackage(tmp / "plan.gpkg", area, frame, shifts.plans[main], beats)
            files.update(write_incident_files(tmp, uses, effect))
            views = shift_views(shifts)  # every window's posts, on the map and handouts
            write_officer_map(tmp / "officer_map.html", area,
                              _window_frames(area, shifts, frame, units), views, units=units,
                              made_on=made_on, beats=beats)
            planner = write_planner_maps(tmp, area, frame, shifts, plan_b, units=units,
                                         beats=beats)
            files.update(_plan_b_changes(tmp, shifts, plan_b, units))
        with steps("handouts"):
            # every window's posts, with their hours, go on the handouts
            handouts = write_handouts(tmp / "handouts", area, frame, views,
                                      kinds=handout_kinds, langs=langs, made_on=made_on,
                                      units=units)
        files.update(write_beat_outputs(tmp, area, beats, views, langs, units, made_on, steps))
        cards = [files[k] for k in sorted(files) if k.startswith("beats/")]
        pdfs: list[Path] = []
        if outputs.pdf and (handouts or cards) and find_chromium():
            with steps(f"handout PDFs ({len(handouts) + len(cards)})"):
                pdfs = write_handout_pdfs([*handouts, *cards])
        for name in ("officer_map.html", "routes.geojson", "routes.gpx", "posts.geojson",
                     "coverage.json", "plan.gpkg"):
            files[name] = tmp / name
        files.update(planner)
        for h in [*handouts, *pdfs]:
            files[f"{h.parent.name}/{h.name}"] = h
        doc = {
            "safepassage_version": __version__,
            "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "site": area.site.to_dict(),
            "source": area.source.describe(),
            "settings": request.describe(),
            "network": graph_summary(area.G),
            "destinations": _destination_rows(area),
            "routes": _route_rows(route_plan, route_exposure(area, route_plan)),
            "incidents": [u.summary() for u in uses if u is not None and u.format] or None,
            "concerns": effect.summary() if effect is not None else None,
            "coverage": coverage_json(shifts, site=area.site, source=area.source.describe()),
            "plan_b": coverage_json(plan_b, site=area.site, source=area.source.describe())
            if plan_b is not None else None,
            "beats": beats_json(beats) if beats else None,
            "notes": list(area.notes) + list(shifts.notes) + incident_lines(uses, effect),
            "timing_s": steps.rounded(),
            "files": sorted(files),
        }
        atomic_write_json(tmp / "plan.json", doc)
        files["plan.json"] = tmp / "plan.json"
        summary = {
            "Destinations routed": f"{len(route_plan.ok)} of {len(route_plan.routes)}",
            "Officers": ", ".join(f"{r.window}: {r.officers}" for r in shifts.table.itertuples()),
            "Demand covered": f"{shifts.covered_pct:.1f} %",
            "Officer-hours": f"{shifts.officer_hours:g}",
            **({"Walked by beats": walked_text(beats)} if beats else {}),
        }
        write_index(tmp, _index_links(files, frame), area.site, summary)
    return PlanResult(doc=doc, shifts=shifts, route_plan=route_plan, folder=out, beats=beats,
                      files=sorted([*files, "index.html"]), incidents=uses, concerns=effect,
                      changes=change_list(shifts, plan_b, units=units) if plan_b is not None
                      else None)


@dataclass
class PlanResult:
    """What :func:`run_plan` made.

    Attributes
    ----------
    doc : dict
        The content of ``plan.json``.
    shifts : ShiftPlan
        Posts per window.
    route_plan : RoutePlan
        Routes of the first window.
    folder : Path
        Where everything was written.
    files : list of str
        Files written, relative to ``folder``.
    incidents : list of IncidentUse or None
        The incidents used in each window (None entries without incidents or concerns).
    concerns : ConcernEffect or None
        What the community concerns changed in the first window.
    changes : list of str or None
        With a plan B, what changed from this plan to it (the lines
        :func:`safepassage.coverage.format_comparison` writes; the planner maps show them
        window by window and ``plan_b_changes.txt`` holds them).
    beats : list of BeatPlan (every window's walking beats)
    """

    doc: dict[str, Any]
    shifts: ShiftPlan
    route_plan: RoutePlan
    folder: Path
    files: list[str]
    incidents: list[IncidentUse | None] = field(default_factory=list)
    concerns: ConcernEffect | None = None
    changes: list[str] | None = None
    beats: list[BeatPlan] = field(default_factory=list)


def handout_kinds_present(area: Area, kinds: Sequence[str]) -> bool:
    """Whether any usable destination of these kinds exists (else there are no handouts)."""
    d = area.destinations
    return bool(len(d)) and bool((d["kind"].isin(list(kinds)) & d["usable"]).any())


def _window_frames(area: Area, shifts: Any, frame: gpd.GeoDataFrame,
                   units: str) -> dict[str, gpd.GeoDataFrame]:
    """Each window's routes for the officer map (the first window's is ``frame``)."""
    out = {}
    for k, tw in enumerate(shifts.windows):
        out[tw.name] = frame if k == 0 else routes_frame(
            area, shifts.route_plans[tw.name], units=units, directions=False)
    return out


def _plan_b_changes(tmp: Path, shifts: Any, plan_b: Any, units: str) -> dict[str, Path]:
    """``plan_b_changes.txt``: the change list from this plan to plan B (none without B)."""
    from .coverage import change_list
    from .io import atomic_write_text

    if plan_b is None:
        return {}
    text = "\n".join(change_list(shifts, plan_b, units=units)) + "\n"
    return {"plan_b_changes.txt": atomic_write_text(tmp / "plan_b_changes.txt", text)}


_LINK_TEXT = {
    "officer_map.html": "Officer map (phones in the field)",
    "planner_map.html": "Planner map (demand, coverage, gaps)",
    "routes.geojson": "Routes with metrics and directions (GeoJSON, for GIS)",
    "routes.gpx": "Safe routes for phones (GPX)",
    "posts.geojson": "Officer posts (GeoJSON)",
    "coverage.json": "Coverage figures and gaps (JSON)",
    "plan.gpkg": "Routes, destinations, posts and corridor (GeoPackage, for GIS)",
    "plan.json": "Everything about this plan (JSON)",
    "incidents.geojson": "Incidents used, by time window (GeoJSON, for GIS; not for handouts)",
    "plan_b_changes.txt": "What changed from this plan to plan B (text)",
    "concerns.geojson": "Community concerns and the safe routes near them (GeoJSON)",
}


def _index_links(files: dict[str, Path], frame: gpd.GeoDataFrame) -> dict[str, Path]:
    """Readable link texts for the index page, in a sensible order."""
    from .handouts import beat_card_link
    from .sites import slugify

    names = {slugify(str(n)): str(n) for n in frame["destination"].dropna()}
    links = {_LINK_TEXT[k]: v for k, v in files.items() if k in _LINK_TEXT}
    if "plan_b_changes.txt" in files and "planner_map.html" in files:
        links["What changed from this plan to plan B, on the planner map"] = files[
            "planner_map.html"].with_name("planner_map.html#sp-changes")
    for key, path in files.items():
        if key.startswith("planner_map_"):
            window = key.removeprefix("planner_map_").removesuffix(".html")
            links[f"Planner map, {window} window"] = path
    lang_name = {"en": "English", "es": "Español"}
    for key, path in sorted(files.items()):
        links.update({beat_card_link(path): path} if key.startswith("beats") else {})
        if not key.startswith("handouts/"):
            continue
        stem, lang, ext = path.name.rsplit(".", 2)
        label = names.get(stem, stem)
        links[f"Handout: {label} ({lang_name.get(lang, lang)}, {ext.upper()})"] = path
    return links
