"""An independent ruler for busy-street crossings: count them on the raw OSM data, not the model.

The crossing model (:mod:`safepassage.crossings`) decides where a route crosses a road from the
prepared network's road arms and sidewalk sides. This script does not use it: it reads the raw
OSM extract again with osmium and, for every route, looks at each OSM node the route passes
through. Where the node lies on a busy road (trunk, primary, secondary, tertiary or their links,
motorways, or LADOT ``busy``) that the route does not walk along there, and the route arrives on
one side of that road's line and leaves on the other (a road with one segment at the node is
extended straight through it), that is one crossing. It is signalised when the node, a node within
30 m along the road, or LADOT's ``control_type`` of the road's approach says so.

Destinations are the LA Metro stops the demo source would pick around the origin (within the
radius and inside the loaded network's hull grown by 50 m), each stop on its own (not merged),
as issue 11 measured them.

Run from the repository root::

    python bench/crossing_audit.py                  # origin 34.0472,-118.2598 on the demo
    python bench/crossing_audit.py --list           # also every unsignalised crossing

Prints, for safe and for shortest routes, the unsignalised busy-street crossings counted by this
ruler and by the model (the routes' own ``unsignalised_arterial_crossings``).
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BUSY = {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
        "tertiary", "tertiary_link", "motorway", "motorway_link"}
ROADS = BUSY | {"residential", "unclassified", "road", "service", "living_street", "busway"}
MISSING = {"", "nan", "None", "none", "NaN", "null"}
SIGNAL_REACH_M = 30.0


@dataclass
class RawOSM:
    """The raw extract: node positions and tags, and the road segments at every node."""

    lonlat: dict[int, tuple[float, float]]
    tags: dict[int, dict[str, str]]
    # node -> list of (road key, neighbour node, way tags, way forward into node?)
    segments: dict[int, list[tuple[str, int, dict[str, str], bool]]] = field(
        default_factory=lambda: defaultdict(list))


def read_raw(path: str | Path) -> RawOSM:
    """Nodes and road ways of an OSM file, as osmium reads them."""
    import osmium

    lonlat: dict[int, tuple[float, float]] = {}
    tags: dict[int, dict[str, str]] = {}
    for o in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if o.location.valid():
            lonlat[o.id] = (o.location.lon, o.location.lat)
            t = {x.k: x.v for x in o.tags if x.v not in MISSING}
            if t:
                tags[o.id] = t
    raw = RawOSM(lonlat, tags)
    for o in osmium.FileProcessor(str(path), osmium.osm.WAY):
        t = {x.k: x.v for x in o.tags if x.v not in MISSING}
        if t.get("highway") not in ROADS or t.get("area") == "yes":
            continue
        refs = [n.ref for n in o.nodes if n.ref in lonlat]
        key = t.get("name") or f"{t['highway']}:{o.id}"
        for a, b in itertools.pairwise(refs):
            raw.segments[b].append((key, a, t, True))   # forward direction arrives at b
            raw.segments[a].append((key, b, t, False))  # backward direction arrives at a
    return raw


def _xy(raw: RawOSM, n: int, lat0: float) -> tuple[float, float]:
    lon, lat = raw.lonlat[n]
    return lon * 111_320.0 * math.cos(math.radians(lat0)), lat * 110_540.0


def _bearing(p: tuple[float, float], q: tuple[float, float]) -> float:
    return math.degrees(math.atan2(q[0] - p[0], q[1] - p[1])) % 360.0


def _busy(t: dict[str, str]) -> bool:
    return t.get("highway") in BUSY or str(t.get("busy")) == "True"


def _signal_tags(t: dict[str, str] | None) -> bool:
    t = t or {}
    return (t.get("highway") == "traffic_signals" or t.get("crossing") == "traffic_signals"
            or t.get("crossing:signals") in ("yes", "separate"))


def _signalised(raw: RawOSM, n: int, road: str, lat0: float) -> bool:
    """A signal at ``n``, within 30 m along the road, or LADOT's control on its approach."""
    seen, frontier = {n}, [(n, 0.0)]
    while frontier:
        m, dist = frontier.pop()
        if _signal_tags(raw.tags.get(m)):
            return True
        for key, other, t, fwd in raw.segments[m]:
            if key != road:
                continue
            if m == n and t.get("control_type:forward" if fwd else "control_type:backward") \
                    == "signal":
                return True
            d = dist + math.dist(_xy(raw, m, lat0), _xy(raw, other, lat0))
            if other not in seen and d <= SIGNAL_REACH_M:
                seen.add(other)
                frontier.append((other, d))
    return False


def _sides(arms: list[float], b: float) -> int:
    """Which of the sectors between road arm bearings ``arms`` bearing ``b`` lies in."""
    if len(arms) == 1:
        arms = [arms[0], (arms[0] + 180.0) % 360.0]
    lo, hi = sorted(arms[:2])
    return int(lo <= b < hi)


def crossings_on(raw: RawOSM, nodes: list[int]) -> list[tuple[int, str, bool]]:
    """Busy-road crossings along a route through raw OSM ``nodes``: (node, road, signalised)."""
    out = []
    lat0 = raw.lonlat[nodes[0]][1]
    for i in range(1, len(nodes) - 1):
        prev, n, nxt = nodes[i - 1], nodes[i], nodes[i + 1]
        roads: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        for key, other, t, _ in raw.segments.get(n, []):
            if _busy(t):
                roads[key].append((other, t))
        for road, segs in roads.items():
            ends = {o for o, _ in segs}
            if prev in ends or nxt in ends or len(segs) > 2:
                continue  # walking along it here (side unknown), or not a simple road line
            p = _xy(raw, n, lat0)
            arms = [_bearing(p, _xy(raw, o, lat0)) for o, _ in segs]
            a = _sides(arms, _bearing(p, _xy(raw, prev, lat0)))
            b = _sides(arms, _bearing(p, _xy(raw, nxt, lat0)))
            if a != b:
                out.append((n, road, _signalised(raw, n, road, lat0)))
    return out


def route_nodes(raw: RawOSM, lonlats: Iterable[tuple[float, float]]) -> list[int]:
    """Raw OSM nodes at a route's vertices (matched by position, within a metre)."""
    from scipy.spatial import cKDTree

    ids = np.fromiter(raw.lonlat, dtype=np.int64)
    pos = np.array([raw.lonlat[i] for i in ids])
    lat0 = float(pos[:, 1].mean())
    scale = np.array([111_320.0 * math.cos(math.radians(lat0)), 110_540.0])
    tree = cKDTree(pos * scale)
    pts = np.asarray(list(lonlats)) * scale
    dist, idx = tree.query(pts)
    out: list[int] = []
    for d, j in zip(dist, idx, strict=True):
        if d <= 1.0 and (not out or out[-1] != ids[j]):
            out.append(int(ids[j]))
    return out


def metro_destinations(G: Any, point: tuple[float, float], radius_m: float) -> Any:
    """LA Metro stops as the demo source picks them (radius, network hull + 50 m), unmerged."""
    from safepassage.features import metro_stops, snap_destinations, within_network

    stops = within_network(metro_stops(point, radius_m), G, margin_m=50.0)
    return snap_destinations(G, stops.reset_index(drop=True))


def audit(pbf: Path, point: tuple[float, float], radius_m: float, show: bool) -> None:
    """Route to the Metro stops and count crossings with the ruler and with the model."""
    from pyproj import Transformer

    from safepassage.pipeline import compute_routes
    from safepassage.routing import route_geometry
    from safepassage.source import Source, load_area

    area = load_area(Source.from_file(pbf, *point), radius_m,
                     include=())
    area.destinations = metro_destinations(area.G, point, radius_m)
    plan = compute_routes(area)
    raw = read_raw(pbf)
    back = Transformer.from_crs(area.G.graph["crs"], "EPSG:4326", always_xy=True)
    totals: dict[str, list[int]] = {"safest": [0, 0, 0], "shortest": [0, 0, 0]}
    listing = []
    for dr in plan.ok:
        for role in ("safest", "shortest"):
            r = getattr(dr, role)
            line = route_geometry(area.G, plan.state_graph, r.edges)
            x, y = np.asarray(line.coords).T
            nodes = route_nodes(raw, zip(*back.transform(x, y), strict=True))
            found = crossings_on(raw, nodes)
            unsig = [c for c in found if not c[2]]
            totals[role][0] += len(unsig)
            totals[role][1] += len(found)
            totals[role][2] += r.metrics["unsignalised_arterial_crossings"]
            listing += [(role, dr.destination["name"], n, road) for n, road, _ in unsig]
    print(f"origin {point[0]},{point[1]}: {len(area.destinations)} Metro stops, "
          f"{len(plan.ok)} routed")
    print("route     unsignalised busy crossings (ruler)  all busy crossings (ruler)  "
          "unsignalised (model)")
    for role, (u, a, m) in totals.items():
        print(f"{role:<9} {u:>36}  {a:>26}  {m:>20}")
    if show:
        for row in listing:
            print("  ", *row)


def main() -> None:
    """Parse the options and run the audit."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", default="34.0472,-118.2598")
    ap.add_argument("--radius", type=float, default=1200.0)
    ap.add_argument("--osm-file", default=None, help="default: the demo extract")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    from safepassage import settings

    pbf = Path(args.osm_file) if args.osm_file else (
        settings.geodata_folder / "demo" / "financial_district.osm.pbf")
    lat, lon = (float(v) for v in args.point.split(","))
    audit(pbf, (lat, lon), args.radius, args.list)


if __name__ == "__main__":
    main()
