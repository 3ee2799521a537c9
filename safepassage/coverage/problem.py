"""The coverage problem of one site and time window: corridor pieces, candidates, who covers what.

:func:`coverage_problem` is the expensive step (corridor demand, candidate posts and their
names, bounded Dijkstra searches); its result can be cached per window and solved again and
again with different locks, bans and officer counts (:func:`~.choose.plan_posts`, the cheap
step). :func:`add_posts` adds candidate posts to a built problem at the cost of one bounded
search per new point, without rebuilding it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS, Transformer
from shapely.geometry import Point

from ..errors import InputError
from ..routing import RoutePlan
from ..safety import TimeWindow, parse_window
from .candidates import (
    CandidateSet,
    PlannerPoint,
    add_gap_fillers,
    candidates_frame,
    gather_candidates,
    locked_points,
    name_candidates,
    snap_points,
    spec_latlon,
)
from .demand import corridor_demand, dest_xy, route_destinations
from .names import Landmarks, candidate_names, match_name, name_index, unique_name
from .network import Network, network_of
from .options import LOCK_SNAP_M, CoverageSettings, PointSpec, PostSpec
from .pieces import Pieces, covers_from_distances, cut_corridor, fill_gaps, piece_frame

__all__ = ["CoverageProblem", "add_posts", "coverage_problem", "planner_points"]


@dataclass
class _Build:
    """What a built problem keeps to add candidates cheaply (see :func:`add_posts`)."""

    net: Network
    pieces: Pieces
    marks: Landmarks
    dest_of: dict[int, str]
    max_snap_m: float


def _point_key(point: PointSpec) -> tuple[float, float, str] | None:
    """How a planner's point is recognised: rounded lat, lon and its name."""
    latlon = spec_latlon(point, "point")
    if latlon is None:
        return None
    label = str(point.get("name") or "") if isinstance(point, Mapping) else ""
    return round(latlon[0], 7), round(latlon[1], 7), label


@dataclass
class CoverageProblem:
    """A site's corridor, its candidate posts and which post covers which piece of corridor.

    Build it with :func:`coverage_problem`; solve it with :func:`~.choose.plan_posts`.

    Attributes
    ----------
    segments : geopandas.GeoDataFrame
        The corridor (see :func:`~.demand.corridor_demand`), projected, cut into pieces of at
        most :data:`~.options.PIECE_M` metres (and at most the radius): a segment that is not
        cut keeps its row; the pieces of a cut one have ``segment_id`` "<segment>/1",
        "<segment>/2", ... Extra columns: ``street_segment_id`` (the segment a row belongs to),
        ``start_m`` and ``end_m`` (where along that segment, from ``u``). ``length_m`` and
        ``weight`` are the row's own. Row ``i`` is column ``i`` of ``covers``.
    candidates : geopandas.GeoDataFrame
        Candidate posts, WGS84 points: ``candidate`` (row number), ``node`` (the network node,
        or None for a point inside a long segment), ``name``, ``source`` ("intersection",
        "destination", "site" (where the routes start), "corridor" (where the corridor ends or
        branches, the ends of long segments, and points that make every piece coverable),
        "extra"), ``destination`` (name of the destination at that node, if any), ``lat``,
        ``lon``, ``x``, ``y`` (projected).
    covers : scipy.sparse.csr_array
        Boolean, candidates × corridor rows: the row's midpoint is within ``radius_m`` of
        walking of the candidate.
    distance : scipy.sparse.csr_array
        Walking distance (m) from each candidate to each row midpoint it covers.
    weights : numpy.ndarray
        Demand-weighted length per row (what is optimised).
    window : TimeWindow
    radius_m : float
    near_m : float
        Intersections within this walk of the corridor are candidates.
    crs : pyproj.CRS or str
        The network's projected CRS (of ``segments`` and the ``x``, ``y`` columns).
    notes : list of str
    build_seconds : float
    ends : numpy.ndarray or None
        Per row, the two places it runs between (graph nodes, or cut points numbered after
        them); rows sharing one touch.
    added : tuple
        The planner's points (extra posts and locked points) that are candidates, as
        ``(lat, lon, name)``.
    """

    segments: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    covers: sp.csr_array
    distance: sp.csr_array
    weights: np.ndarray
    window: TimeWindow
    radius_m: float
    near_m: float
    crs: CRS | str
    notes: list[str] = field(default_factory=list)
    build_seconds: float = 0.0
    ends: np.ndarray | None = field(default=None, repr=False)
    added: tuple[tuple[float, float, str], ...] = ()
    _build: _Build | None = field(default=None, repr=False, compare=False)

    @property
    def total_weight(self) -> float:
        """Sum of the segment weights (demand × length)."""
        return float(self.weights.sum())

    @property
    def n_candidates(self) -> int:
        """Number of candidate posts."""
        return int(self.covers.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of corridor rows (segments and pieces of long segments)."""
        return int(self.covers.shape[1])

    def find(self, spec: PostSpec, *, snap_m: float = LOCK_SNAP_M, where: str = "post") -> int:
        """The candidate a planner means.

        Parameters
        ----------
        spec : int, str, tuple or mapping
            A candidate index; a name (see :func:`~.names.match_name`: "Grand Ave & 5th" finds
            "South Grand Avenue & West 5th Street" when no other intersection fits);
            ``(lat, lon)``; ``{"lat", "lon"}``; or ``{"post": name}``. A name shared by several
            corners picks the one covering the most demand.
        snap_m : float
            A point snaps to the nearest candidate within this distance.
        where : str
            Names the item in error messages ("locked[2]").

        Returns
        -------
        int
            Candidate index.

        Raises
        ------
        InputError
            For an unknown or ambiguous name (listing close matches), or a point with no
            candidate within ``snap_m``.
        """
        if isinstance(spec, bool):
            raise InputError(f"{where}: not a post: {spec!r}")
        if isinstance(spec, int | np.integer):
            if not 0 <= int(spec) < len(self.candidates):
                raise InputError(f"{where}: no candidate post number {spec}")
            return int(spec)
        if isinstance(spec, Mapping) and "post" in spec:
            spec = spec["post"]  # type: ignore[assignment]
        if isinstance(spec, str):
            return self._find_name(spec, where)
        return self._find_point(spec, snap_m, where)

    def _find_name(self, name: str, where: str) -> int:
        hits = match_name([str(n) for n in self.candidates["name"]], name, where)
        if len(hits) == 1:
            return hits[0]
        reach = self.covers[hits].astype(np.float64) @ self.weights
        return int(hits[int(np.argmax(reach))])

    def _find_point(self, spec: object, snap_m: float, where: str) -> int:
        cands = self.candidates
        latlon = spec_latlon(spec, where)
        if latlon is None:
            raise InputError(f"{where}: give a post name, or lat and lon, got {spec!r}")
        if len(cands) == 0:
            raise InputError(f"{where}: there are no candidate posts")
        to_xy = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        px, py = to_xy.transform(latlon[1], latlon[0])
        d = np.hypot(cands["x"].to_numpy() - px, cands["y"].to_numpy() - py)
        j = int(np.argmin(d))
        if d[j] > snap_m:
            raise InputError(f"{where}: {latlon[0]:.6f},{latlon[1]:.6f} is {d[j]:,.0f} m from "
                             f"the nearest candidate post (limit {snap_m:,.0f} m)")
        return j


def planner_points(net: Network, settings: CoverageSettings) -> list[PlannerPoint]:
    """The settings' extra posts and locked points, snapped to the network (errors first).

    Raises
    ------
    InputError
        Naming ``extra_posts[j]`` or ``locked[j]`` for a point far from every walkable street.
    """
    lock_items = locked_points(settings.locked)
    max_snap = settings.snap_limit_m
    return [*snap_points(net, settings.extra_posts, "extra_posts", max_snap),
            *snap_points(net, [p for _, p in lock_items], "locked", max_snap,
                         [j for j, _ in lock_items])]


def _planner_keys(settings: CoverageSettings) -> tuple[tuple[float, float, str], ...]:
    points: list[PointSpec] = [*settings.extra_posts,
                               *(p for _, p in locked_points(settings.locked))]
    keys = (_point_key(p) for p in points)
    return tuple(k for k in keys if k is not None)


def _coverage(pieces: Pieces, cands: CandidateSet, net: Network, radius: float,
              ) -> tuple[sp.csr_array, sp.csr_array]:
    """Who covers what, after adding the points that make every piece coverable."""
    covers, distance = covers_from_distances(pieces, cands.array, radius)
    fill = [p for p in fill_gaps(pieces, covers, radius, net.degree) if p not in cands.at_pos]
    if fill:
        c2, d2 = covers_from_distances(pieces, np.array(fill, dtype=np.int64), radius)
        covers = sp.vstack([covers, c2], format="csr")
        distance = sp.vstack([distance, d2], format="csr")
        add_gap_fillers(cands, net, pieces, fill)
    return covers, distance


def coverage_problem(
    G: nx.MultiDiGraph,
    plan: RoutePlan,
    window: TimeWindow | str | None = None,
    settings: CoverageSettings | None = None,
) -> CoverageProblem:
    """Corridor, candidate posts and coverage matrix for one site and time window.

    Candidates are: intersections (nodes where three or more ways meet) within
    ``settings.near_m`` of walking of the corridor; the destinations' nodes; where the routes
    start; every corridor node where the corridor ends or branches, and both ends of every
    segment longer than the piece length; the planner's extra posts and locked points (each
    snapped to its nearest network node). Then, for any piece of corridor that none of these
    reaches (a long chain of two-way nodes, a path longer than twice the radius), a candidate
    at one of its ends: every piece of the corridor can be covered.

    A post covers a corridor piece when the piece's midpoint is within the radius of walking
    (segments longer than ``settings.piece_m``, or the radius, are cut into equal pieces
    first). Distances come from bounded, batched Dijkstra searches on the undirected street
    graph.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network the plan was routed on.
    plan : RoutePlan
        Routes for the window.
    window : TimeWindow or str, optional
        Time window of the demand weights (default all day).
    settings : CoverageSettings, optional
        Used here: ``radius_m``, ``weights``, ``extra_posts``, the points of ``locked``,
        ``near_m``, ``piece_m``, ``max_snap_m``. Officers, bans and the rest are for
        :func:`~.choose.plan_posts`.

    Returns
    -------
    CoverageProblem

    Raises
    ------
    InputError
        For a planner's point far from every walkable street (before any slow work).
    """
    t0 = time.perf_counter()
    settings = settings or CoverageSettings()
    tw = window if isinstance(window, TimeWindow) else parse_window(window)
    radius = settings.post_radius_m
    net = network_of(G)
    added = planner_points(net, settings)  # a bad one is an error before any slow work
    segments = corridor_demand(G, plan, tw, settings.weights)
    segs = segments["_seg"].to_numpy(dtype=np.int64)
    piece_m = min(float(settings.piece_m), radius)
    pieces = cut_corridor(net, segs, piece_m)
    dests = route_destinations(plan)
    cands = gather_candidates(net, plan, dests, segs, settings.near_m, piece_m)
    for point in added:
        cands.add_planner_point(net, point)
    covers, distance = _coverage(pieces, cands, net, radius)
    marks = Landmarks(name_index(net), dest_xy(net, dests), [str(d.get("name")) for d in dests])
    names = name_candidates(cands, net, pieces, segments["street"].tolist(), marks)
    frame = piece_frame(segments.drop(columns="_seg"), pieces)
    return CoverageProblem(
        segments=frame,
        candidates=candidates_frame(cands, names, net, pieces.n_nodes),
        covers=sp.csr_array(covers),
        distance=sp.csr_array(distance),
        weights=frame["weight"].to_numpy(dtype=float),
        window=tw,
        radius_m=radius,
        near_m=float(settings.near_m),
        crs=net.crs,
        notes=_problem_notes(frame, covers, radius),
        build_seconds=time.perf_counter() - t0,
        ends=np.column_stack([pieces.a, pieces.b]),
        added=_planner_keys(settings),
        _build=_Build(net, pieces, marks, dict(cands.dest_of), settings.snap_limit_m),
    )


def _problem_notes(frame: gpd.GeoDataFrame, covers: sp.csr_array, radius: float) -> list[str]:
    notes: list[str] = []
    if len(frame) == 0:
        notes.append("no walking demand in this window: no route has a destination with "
                     "positive weight")
    unreachable = np.asarray(covers.sum(axis=0)).ravel() == 0
    if unreachable.any():  # cannot happen since fill_gaps; kept as a guard
        notes.append(f"{int(unreachable.sum())} corridor pieces "
                     f"({frame['length_m'].to_numpy()[unreachable].sum():,.0f} m) are beyond "
                     f"{radius:,.0f} m of every candidate post")
    return notes


# ---------------------------------------------------------------------------------------------
# Adding candidates to a built problem


def add_posts(problem: CoverageProblem, points: Sequence[PointSpec],
              key: str = "extra_posts") -> CoverageProblem:
    """The problem with more candidate posts, without rebuilding it.

    Each point snaps to its nearest network node (within the problem's snap distance). A point
    at a node that is a candidate already makes that candidate an "extra" one where the point
    is (named by the point's ``name``, if given), as :func:`coverage_problem` does; any other
    point becomes a new candidate, appended after the others (so candidate numbers stay
    valid), covering what is within the radius of its node (one bounded Dijkstra search). A
    point the problem holds already (``problem.added``) is skipped. A new candidate without a
    ``name`` is named after where it stands, never repeating an existing name.

    Parameters
    ----------
    problem : CoverageProblem
        Built by :func:`coverage_problem` (in this process).
    points : sequence of mapping or (lat, lon)
        ``{"name", "lat", "lon"}`` points.
    key : str
        Names the items in error messages (``extra_posts[0]``).

    Returns
    -------
    CoverageProblem
        A new problem (``problem`` is not changed), or ``problem`` itself when nothing is new.

    Raises
    ------
    InputError
        For a point without lat and lon, or far from every walkable street.
    """
    build = problem._build
    if build is None:
        raise InputError("add_posts needs a problem built by coverage_problem")
    fresh = [(j, p) for j, p in enumerate(points) if _point_key(p) not in problem.added]
    snapped = snap_points(build.net, [p for _, p in fresh], key, build.max_snap_m,
                          [j for j, _ in fresh])
    if not snapped:
        return problem
    rows = [dict(r) for r in problem.candidates.drop(columns="geometry").to_dict("records")]
    at_node = {r["node"]: i for i, r in enumerate(rows) if r["node"] is not None}
    new_nodes: list[int] = []
    for point in snapped:
        i = at_node.get(build.net.nodes[point.node])
        if i is None:
            i = at_node[build.net.nodes[point.node]] = len(rows)
            rows.append(_new_row(build, point, len(rows), [str(r["name"]) for r in rows]))
            new_nodes.append(point.node)
        rows[i].update(source="extra", lat=round(point.lat, 6), lon=round(point.lon, 6),
                       _lat=point.lat, _lon=point.lon)
        if point.label:
            rows[i]["name"] = point.label
    covers, distance = problem.covers, problem.distance
    if new_nodes:
        c2, d2 = covers_from_distances(build.pieces, np.array(new_nodes, dtype=np.int64),
                                       problem.radius_m)
        covers = sp.csr_array(sp.vstack([covers, c2], format="csr"))
        distance = sp.csr_array(sp.vstack([distance, d2], format="csr"))
    keys = tuple(k for k in (_point_key(p) for _, p in fresh) if k is not None)
    return replace(problem, candidates=_frame_of(rows, problem.candidates), covers=covers,
                   distance=distance, added=(*problem.added, *keys))


def _new_row(build: _Build, point: PlannerPoint, number: int,
             taken: Sequence[str]) -> dict[str, object]:
    """A new candidate at the point's node, named after where it stands."""
    net = build.net
    where = f"{point.lat:.5f}, {point.lon:.5f}"
    if point.label:
        name = point.label
    elif point.node in build.dest_of and len(net.node_names[point.node]) < 2:
        name = unique_name(f"at {build.dest_of[point.node]}", taken, where)
    else:
        name = unique_name(candidate_names(net, np.array([point.node]), build.marks)[0], taken,
                           where)
    return {"candidate": number, "node": net.nodes[point.node], "name": name,
            "source": "extra", "destination": build.dest_of.get(point.node),
            "x": float(net.x[point.node]), "y": float(net.y[point.node])}


def _frame_of(rows: list[dict[str, object]], like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Candidate rows back into a frame with the columns, types and geometry of ``like``."""
    old = like.geometry.to_numpy()
    geometry = [Point(r.pop("_lon"), r.pop("_lat")) if "_lat" in r else old[i]
                for i, r in enumerate(rows)]
    frame = pd.DataFrame(rows, columns=[c for c in like.columns if c != "geometry"])
    frame["node"] = pd.Series([r["node"] for r in rows], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=like.crs)
