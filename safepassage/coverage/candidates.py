"""Candidate posts: which places on or near the corridor an officer could stand, and their names.

Candidates are, in this order: intersections (nodes where three or more ways meet) within
``near_m`` of walking of the corridor; the destinations' nodes; where the routes start; every
corridor node where the corridor ends or branches, and both ends of every segment longer than
the piece length; the planner's extra posts and locked points; then, for any piece of corridor
that none of these reaches, a candidate at one of its ends.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point

from ..errors import InputError
from ..routing import RoutePlan
from .demand import Destination
from .names import Landmarks, candidate_names, disambiguate, point_name
from .network import Network
from .options import PointSpec, PostSpec
from .pieces import Pieces, corridor_ends

__all__ = ["CandidateSet", "PlannerPoint", "locked_points", "snap_points", "spec_latlon"]


@dataclass(frozen=True)
class PlannerPoint:
    """A point a planner gave, snapped to its nearest network node."""

    node: int  # network node number (see Network.node_pos)
    lat: float
    lon: float
    label: str  # the name the planner gave, or ""


def spec_latlon(spec: object, where: str) -> tuple[float, float] | None:
    """``(lat, lon)`` of a point given as ``{"lat", "lon"}`` or ``(lat, lon[, ...])``; else None.

    Raises
    ------
    InputError
        For a mapping whose lat or lon is not a number.
    """
    if isinstance(spec, Mapping) and "lat" in spec and "lon" in spec:
        try:
            return float(spec["lat"]), float(spec["lon"])
        except (TypeError, ValueError):
            raise InputError(f"{where}: lat and lon must be numbers, got {spec!r}") from None
    if (isinstance(spec, tuple | list) and len(spec) in (2, 3)
            and all(isinstance(v, int | float) for v in spec)):
        return float(spec[0]), float(spec[1])
    return None


def snap_points(
    net: Network, items: Iterable[PointSpec], key: str, max_snap: float,
    indices: Iterable[int] | None = None,
) -> list[PlannerPoint]:
    """Planner points snapped to their nearest network node.

    Error messages name each item ``key[j]`` with ``j`` from ``indices`` (default 0, 1, ...).

    Raises
    ------
    InputError
        For an item without lat and lon, or one farther than ``max_snap`` from the network.
    """
    out = []
    items = list(items)
    to_xy = Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    for j, extra in zip(indices if indices is not None else range(len(items)), items,
                        strict=True):
        where = f"{key}[{j}]"
        latlon = spec_latlon(extra, where)
        if latlon is None:
            raise InputError(f"{where}: needs lat and lon, got {extra!r}")
        px, py = to_xy.transform(float(latlon[1]), float(latlon[0]))
        d = np.hypot(net.x - float(px), net.y - float(py))
        p = int(np.argmin(d))
        if d[p] > max_snap:
            raise InputError(f"{where}: {latlon[0]:.6f},{latlon[1]:.6f} is {d[p]:,.0f} m from "
                             f"the nearest walkable street (limit {max_snap:,.0f} m)")
        label = str(extra.get("name") or "") if isinstance(extra, Mapping) else ""
        out.append(PlannerPoint(p, latlon[0], latlon[1], label))
    return out


def locked_points(locked: Iterable[PostSpec]) -> list[tuple[int, dict[str, object]]]:
    """The locked posts given as points, with their index in ``locked``."""
    return [
        (j, {"name": str(s.get("name") or f"locked post {j + 1}"), "lat": s["lat"],
             "lon": s["lon"]})
        for j, s in enumerate(locked)
        if isinstance(s, Mapping) and "lat" in s and "lon" in s and "post" not in s
    ]


@dataclass
class CandidateSet:
    """Candidate posts while they are being gathered: graph nodes (extended numbering)."""

    pos: list[int] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    dest_of: dict[int, str] = field(default_factory=dict)
    at_pos: dict[int, int] = field(default_factory=dict)

    def add(self, p: int, src: str, xy: tuple[float, float], latlon: tuple[float, float]) -> int:
        """Add graph node ``p`` unless it is a candidate already; its row either way."""
        if p not in self.at_pos:
            self.at_pos[p] = len(self.pos)
            self.pos.append(p)
            self.source.append(src)
            self.xs.append(xy[0])
            self.ys.append(xy[1])
            self.lat.append(latlon[0])
            self.lon.append(latlon[1])
        return self.at_pos[p]

    def add_node(self, net: Network, p: int, src: str) -> int:
        """Add network node ``p`` where it is."""
        return self.add(p, src, (net.x[p], net.y[p]), (net.lat[p], net.lon[p]))

    def add_planner_point(self, net: Network, point: PlannerPoint) -> int:
        """Add a planner's point at its node, as an "extra" candidate where the point is."""
        i = self.add_node(net, point.node, "extra")
        self.source[i] = "extra"
        self.lat[i], self.lon[i] = point.lat, point.lon
        if point.label:
            self.labels[i] = point.label
        return i

    @property
    def array(self) -> np.ndarray:
        """The candidates' graph nodes."""
        return np.array(self.pos, dtype=np.int64)


def _near_intersections(net: Network, corridor_nodes: np.ndarray, near_m: float) -> np.ndarray:
    """Nodes where three or more ways meet, within ``near_m`` of walking of the corridor."""
    if not corridor_nodes.size:
        return np.zeros(0, dtype=np.int64)
    near = dijkstra(net.adj, directed=False, indices=corridor_nodes, limit=near_m,
                    min_only=True)
    return np.flatnonzero((net.degree >= 3) & (near <= near_m))


def gather_candidates(
    net: Network, plan: RoutePlan, dests: Sequence[Destination], segs: np.ndarray,
    near_m: float, long_m: float,
) -> CandidateSet:
    """The corridor's own candidates (every kind but planner points and gap fillers).

    Parameters
    ----------
    net : Network
        The street network's tables.
    plan : RoutePlan
        The routes (their origins are candidates when on the corridor).
    dests : sequence of mapping
        Destinations with a route (their nodes are candidates).
    segs : numpy.ndarray
        Network segments of the corridor.
    near_m : float
        Intersections within this walk of the corridor are candidates.
    long_m : float
        Both ends of a segment longer than this are candidates.
    """
    cands = CandidateSet()
    corridor_nodes = np.unique(np.concatenate([net.seg_u[segs], net.seg_v[segs]]))
    for p in _near_intersections(net, corridor_nodes, near_m):
        cands.add_node(net, int(p), "intersection")
    for d in dests:
        p = net.node_pos.get(_hashable(d.get("node")))
        if p is not None:
            cands.dest_of.setdefault(p, str(d.get("name")))
            cands.add_node(net, p, "destination")
    on_corridor = set(corridor_nodes.tolist())
    for o in plan.origin_nodes:
        p = net.node_pos.get(o)
        if p is not None and p in on_corridor:
            cands.add_node(net, p, "site")
    for p in corridor_ends(net, segs):
        cands.add_node(net, int(p), "corridor")
    long_segs = segs[net.seg_len[segs] > long_m]
    for p in np.unique(np.concatenate([net.seg_u[long_segs], net.seg_v[long_segs]])):
        cands.add_node(net, int(p), "corridor")
    return cands


def _hashable(value: object) -> Hashable:
    return value if isinstance(value, Hashable) else None


def add_gap_fillers(cands: CandidateSet, net: Network, pieces: Pieces,
                    fill: Sequence[int]) -> None:
    """Add the points that make every corridor piece coverable (cut points included)."""
    to_wgs = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    for p in fill:
        x, y = pieces.xy(int(p), net)
        lo_, la_ = to_wgs.transform(x, y)
        cands.add(int(p), "corridor", (x, y), (float(la_), float(lo_)))


def name_candidates(cands: CandidateSet, net: Network, pieces: Pieces,
                    streets: Sequence[str | None], marks: Landmarks) -> list[str]:
    """Display names: street corners, "X Street, 80 m north of Y Street", destinations, labels.

    ``streets`` gives the street of each corridor row (for points inside long segments).
    Posts sharing a name get their corner or a number; a planner's label is kept as given.
    """
    cand = cands.array
    real = cand < pieces.n_nodes
    names = [""] * cand.size
    for r, nm in zip(np.flatnonzero(real), candidate_names(net, cand[real], marks),
                     strict=True):
        names[r] = nm
    for r in np.flatnonzero(~real):
        k = int(cand[r]) - pieces.n_nodes
        names[r] = point_name(net, cands.xs[r], cands.ys[r], streets[int(pieces.prow[k])],
                              marks)
    for i, p in enumerate(cand):
        if cands.source[i] == "destination" and len(net.node_names[int(p)]) < 2:
            names[i] = f"at {cands.dest_of[int(p)]}"
    plain = [i for i in range(cand.size) if i not in cands.labels]
    unique = disambiguate([names[i] for i in plain], np.asarray(cands.xs)[plain],
                          np.asarray(cands.ys)[plain])
    for i, nm in zip(plain, unique, strict=True):
        names[i] = nm
    for i, label in cands.labels.items():
        names[i] = label
    return names


def candidates_frame(cands: CandidateSet, names: Sequence[str], net: Network,
                     n_nodes: int) -> gpd.GeoDataFrame:
    """The candidates as a WGS84 point frame (see :class:`~.problem.CoverageProblem`)."""
    cand = cands.array
    return gpd.GeoDataFrame(
        {
            "candidate": np.arange(cand.size),
            "node": pd.Series([net.nodes[p] if p < n_nodes else None for p in cand],
                              dtype=object),
            "name": list(names),
            "source": list(cands.source),
            "destination": [cands.dest_of.get(int(p)) for p in cand],
            "lat": np.round(np.asarray(cands.lat, dtype=float), 6),
            "lon": np.round(np.asarray(cands.lon, dtype=float), 6),
            "x": np.asarray(cands.xs, dtype=float),
            "y": np.asarray(cands.ys, dtype=float),
        },
        geometry=[Point(a, b) for a, b in zip(cands.lon, cands.lat, strict=True)],
        crs="EPSG:4326",
    )
