"""Officer coverage: walking demand on the Safe Passage corridor and where to post officers.

The steps, each a function of its own:

1. :func:`corridor_demand` — every destination's *safest* route adds the destination's weight
   (by kind and time window, :data:`DEFAULT_WEIGHTS`) to each street segment it walks. Both
   directions of a street are one segment, so demand from both directions adds up. The
   segments with demand are the Safe Passage *corridor*.
2. :func:`coverage_problem` — candidate posts (intersections on or within ``near_m`` of walking
   of the corridor, the destinations' nodes, where the routes start, every corridor node where
   the corridor ends or branches, the ends of long segments, and points a planner adds) with
   display names such as "Grand Avenue & 5th Street", and the coverage matrix. Segments longer
   than :data:`PIECE_M` (100 m) are cut into equal pieces; a post covers a piece when the
   piece's midpoint is within the walking radius (``settings.post_radius_m``). Every piece can
   be covered by some candidate (a piece out of everyone's reach gets a candidate at its end).
   Distances come from bounded, batched Dijkstra searches on the undirected street graph.
3. :func:`plan_posts` — maximal covering (MCLP) for ``p`` officers, or the fewest officers for a
   target share (LSCP), with locked posts, banned places and backup coverage, solved by
   :mod:`safepassage.locate` (CBC, with a greedy fallback that reports its gap to the bound).
   Officers who would add nothing are not placed (``officers`` ≤ ``officers_requested``).
   The result is a :class:`CoveragePlan`.
4. :func:`plan_shifts` — the same per time window (arrival, dismissal, evening) with routes and
   demand recomputed for each window, officers and officer-hours per window
   (:class:`ShiftPlan`); :func:`allocate_officers` shares a pool of officers between sites.
5. :func:`write_coverage` (``posts.geojson``, ``coverage.json``), :func:`summary_text`,
   :func:`gaps_by_street` and :func:`compare_plans` (window by window).

What is optimised is the demand-weighted length of the corridor: a segment's (or piece's)
*weight* is its demand times its length in metres ("demand-metres"); "covered %" is the share
of the total weight within an officer's walking radius.
"""

from __future__ import annotations

import json
import math
import re
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from . import settings
from .errors import InputError
from .io import atomic_dir, atomic_write_bytes, load_json, read_input_bytes
from .locate import MaximalCovering, SetCovering, allocate_pool, coverage_curve
from .routing import RoutePlan, safe_routes
from .safety import (
    WINDOWS,
    Profile,
    RiskZones,
    TimeWindow,
    area_in_crs,
    edge_risk,
    load_profile,
    parse_window,
)
from .utils import COMPASS_POINTS, compass_point, edge_name, haversine_m, planar_bearing

__all__ = [
    "DEFAULT_WEIGHTS",
    "SHIFT_WINDOWS",
    "CoveragePlan",
    "CoverageProblem",
    "PoolPlan",
    "ShiftPlan",
    "allocate_officers",
    "compare_plans",
    "corridor_demand",
    "coverage_json",
    "coverage_problem",
    "format_comparison",
    "gaps_by_street",
    "kind_weight",
    "plan_posts",
    "plan_shifts",
    "posts_geojson",
    "read_coverage_json",
    "summary_text",
    "write_coverage",
]

Method = Literal["auto", "exact", "greedy"]

#: Relative walking demand one destination adds to its route, by kind and time window.
#:
#: The numbers are relative weights (think "walkers per destination"), not counts. Schools and
#: kindergartens weigh most at arrival and dismissal; parks, playgrounds and recreation centres
#: in the evening (and after school); transit the same all day; libraries moderately;
#: businesses low. ``"all-day"`` is used for the all-day window. A custom ``HH:MM-HH:MM``
#: window takes the weights of the named window it overlaps most, or the all-day weights when
#: it overlaps none. Kinds missing from the table weigh as ``"other"``. Override any of it with
#: the ``weights`` argument of :func:`corridor_demand`: ``{"school": 12}`` (every window) or
#: ``{"park": {"evening": 8}}``.
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "school": {"arrival": 10.0, "dismissal": 10.0, "evening": 1.0, "all-day": 5.0},
    "kindergarten": {"arrival": 8.0, "dismissal": 8.0, "evening": 0.5, "all-day": 4.0},
    "park": {"arrival": 1.0, "dismissal": 4.0, "evening": 6.0, "all-day": 3.0},
    "playground": {"arrival": 1.0, "dismissal": 5.0, "evening": 6.0, "all-day": 3.0},
    "recreation": {"arrival": 1.0, "dismissal": 4.0, "evening": 6.0, "all-day": 3.0},
    "library": {"arrival": 1.0, "dismissal": 3.0, "evening": 2.0, "all-day": 2.0},
    "transit": {"arrival": 4.0, "dismissal": 4.0, "evening": 4.0, "all-day": 4.0},
    "business": {"arrival": 1.0, "dismissal": 1.0, "evening": 1.0, "all-day": 1.0},
    "other": {"arrival": 1.0, "dismissal": 1.0, "evening": 1.0, "all-day": 1.0},
}

#: The shift windows :func:`plan_shifts` uses by default.
SHIFT_WINDOWS: tuple[str, ...] = ("arrival", "dismissal", "evening")

#: Default distance (metres of walking) from the corridor within which intersections are
#: candidate posts.
NEAR_CORRIDOR_M = 50.0

#: A locked post given as a point snaps to the nearest candidate within this many metres.
LOCK_SNAP_M = 150.0

#: Default radius of a banned point, metres.
BAN_RADIUS_M = 30.0

#: Default backup-coverage option: the busiest ``top_share`` of the corridor's weight earns
#: ``factor`` × its weight again when two officers cover it.
BACKUP_DEFAULT: dict[str, float] = {"factor": 0.5, "top_share": 0.2}

#: Road classes ranked for naming intersections (the bigger street first).
_RANK = {"trunk": 0, "primary": 1, "secondary": 2, "tertiary": 3, "unclassified": 4,
         "residential": 5, "living_street": 6, "service": 7, "pedestrian": 8}

#: How unnamed ways are described.
_WAY_WORDS = {"footway": "footpath", "path": "path", "steps": "steps", "pedestrian":
              "pedestrian way", "service": "service road", "track": "track", "corridor":
              "passage", "cycleway": "path", "living_street": "street", "residential": "street"}


# ---------------------------------------------------------------------------------------------
# Weights


def _check_weight(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{where} must be a number ≥ 0, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where} must be a number ≥ 0, got {value!r}") from None
    if not (out >= 0 and math.isfinite(out)):
        raise InputError(f"{where} must be a number ≥ 0, got {value!r}")
    return out


def weight_table(
    weights: Mapping[str, float | Mapping[str, float]] | None = None,
) -> dict[str, dict[str, float]]:
    """Merge user weights onto :data:`DEFAULT_WEIGHTS`.

    Parameters
    ----------
    weights : mapping, optional
        ``{kind: number}`` (every window) or ``{kind: {window: number}}``; window names are
        "arrival", "dismissal", "evening", "all-day".

    Returns
    -------
    dict
        ``{kind: {window: weight}}``, complete.

    Raises
    ------
    InputError
        For negative or non-numeric weights and unknown window names.
    """
    table = {k: dict(v) for k, v in DEFAULT_WEIGHTS.items()}
    for kind, value in (weights or {}).items():
        row = table.setdefault(str(kind), dict(DEFAULT_WEIGHTS["other"]))
        if isinstance(value, Mapping):
            for win, w in value.items():
                if win not in row:
                    raise InputError(f"weights.{kind}: unknown window {win!r}; use "
                                     f"{', '.join(DEFAULT_WEIGHTS['other'])}")
                row[win] = _check_weight(w, f"weights.{kind}.{win}")
        else:
            w = _check_weight(value, f"weights.{kind}")
            for win in row:
                row[win] = w
    return table


def _overlap(a: TimeWindow, start: int, end: int) -> int:
    b = TimeWindow("b", start, end)
    return sum(1 for m in range(a.start, a.start + a.minutes) if b.contains(m % 1440))


def _window_key(window: TimeWindow) -> str:
    """Which column of the weight table a window uses (see :data:`DEFAULT_WEIGHTS`)."""
    if window.name in WINDOWS or window.name == "all-day":
        return window.name
    if window.minutes >= 1440:
        return "all-day"
    best, best_m = "all-day", 0
    for name, (s, e) in WINDOWS.items():
        m = _overlap(window, s, e)
        if m > best_m:
            best, best_m = name, m
    return best


def kind_weight(
    kind: str | None,
    window: TimeWindow,
    weights: Mapping[str, float | Mapping[str, float]] | None = None,
) -> float:
    """The walking-demand weight of one destination of ``kind`` in ``window``.

    Parameters
    ----------
    kind : str
        Destination kind ("school", "park", "transit", ...).
    window : TimeWindow
        The time window.
    weights : mapping, optional
        Overrides, as in :func:`weight_table`.

    Returns
    -------
    float
    """
    table = weight_table(weights)
    row = table.get(str(kind) if kind else "other", table["other"])
    return float(row[_window_key(window)])


# ---------------------------------------------------------------------------------------------
# The street network, as segments (both directions of a street are one segment)


@dataclass
class _Network:
    """Per-graph tables shared by every window (built once, cached per graph)."""

    nodes: list[Any]
    node_pos: dict[Any, int]
    x: np.ndarray
    y: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_len: np.ndarray
    seg_id: list[str]
    seg_edges: list[list[tuple[Any, Any, Any]]]
    seg_street: list[str | None]
    seg_highway: list[str]
    seg_geom: list[LineString]
    seg_of_edge: dict[tuple[Any, Any, Any], int]
    adj: sp.csr_matrix
    degree: np.ndarray
    node_names: list[tuple[str, ...]]
    crs: Any
    size: tuple[int, int] = (0, 0)


_NETWORKS: weakref.WeakKeyDictionary[nx.MultiDiGraph, _Network] = weakref.WeakKeyDictionary()


def _same_reversed(a: LineString, b: LineString) -> bool:
    return bool(a.equals_exact(b.reverse(), 0.01))


def _network(G: nx.MultiDiGraph) -> _Network:
    """Build (or fetch from the cache) the segment tables of a graph."""
    size = (G.number_of_nodes(), G.number_of_edges())
    cached = _NETWORKS.get(G)
    if cached is not None and cached.size == size:
        return cached
    nodes = list(G.nodes)
    node_pos = {n: i for i, n in enumerate(nodes)}
    x = np.array([float(G.nodes[n]["x"]) for n in nodes])
    y = np.array([float(G.nodes[n]["y"]) for n in nodes])
    to_wgs = Transformer.from_crs(G.graph["crs"], "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(x, y) if len(nodes) else (np.zeros(0), np.zeros(0))

    seg_of_edge: dict[tuple[Any, Any, Any], int] = {}
    seg_u: list[int] = []
    seg_v: list[int] = []
    seg_len: list[float] = []
    seg_id: list[str] = []
    seg_edges: list[list[tuple[Any, Any, Any]]] = []
    seg_street: list[str | None] = []
    seg_highway: list[str] = []
    seg_geom: list[LineString] = []
    used_ids: set[str] = set()
    for u, v, k, data in G.edges(keys=True, data=True):
        if (u, v, k) in seg_of_edge:
            continue
        s = len(seg_u)
        members = [(u, v, k)]
        seg_of_edge[(u, v, k)] = s
        geom = data.get("geometry")
        if geom is None:
            geom = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                               (G.nodes[v]["x"], G.nodes[v]["y"])])
        if u != v and G.has_edge(v, u):
            options = [kk for kk in G[v][u] if (v, u, kk) not in seg_of_edge]
            match = None
            for kk in options:
                g2 = G[v][u][kk].get("geometry")
                if g2 is not None and _same_reversed(geom, g2):
                    match = kk
                    break
            if match is None and options:
                length = float(data.get("length", geom.length))
                kk = min(options, key=lambda o: (abs(float(G[v][u][o]["length"]) - length), o))
                if abs(float(G[v][u][kk]["length"]) - length) < 0.5:
                    match = kk
            if match is not None:
                members.append((v, u, match))
                seg_of_edge[(v, u, match)] = s
        a, b = (u, v) if str(u) <= str(v) else (v, u)
        sid = f"{a}-{b}-{k}"
        n_dup = 1
        while sid in used_ids:
            n_dup += 1
            sid = f"{a}-{b}-{k}.{n_dup}"
        used_ids.add(sid)
        seg_u.append(node_pos[u])
        seg_v.append(node_pos[v])
        seg_len.append(float(data.get("length", geom.length)))
        seg_id.append(sid)
        seg_edges.append(members)
        seg_street.append(edge_name(data))
        seg_highway.append(str(data.get("highway") or "footway"))
        seg_geom.append(geom)
    su = np.array(seg_u, dtype=np.int64)
    sv = np.array(seg_v, dtype=np.int64)
    sl = np.array(seg_len, dtype=float)

    # Undirected node graph, one entry per node pair with the shortest length.
    n = len(nodes)
    lo, hi = np.minimum(su, sv), np.maximum(su, sv)
    keep = lo != hi
    lo, hi, ln = lo[keep], hi[keep], np.maximum(sl[keep], 1e-6)
    order = np.lexsort((ln, hi, lo))
    lo, hi, ln = lo[order], hi[order], ln[order]
    first = np.ones(lo.size, dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, ln = lo[first], hi[first], ln[first]
    adj = sp.csr_matrix((ln, (lo, hi)), shape=(n, n))
    degree = np.bincount(np.concatenate([lo, hi]), minlength=n)

    # Street names met at every node, bigger streets first (a street's rank is its biggest
    # class anywhere, so every corner of an intersection lists the streets in the same order).
    street_rank: dict[str, int] = {}
    for s in range(len(seg_u)):
        street = seg_street[s]
        if street is not None:
            street_rank[street] = min(_RANK.get(seg_highway[s], 9), street_rank.get(street, 99))
    names: list[dict[str, int]] = [{} for _ in nodes]
    for s in range(len(seg_u)):
        street = seg_street[s]
        if street is None:
            continue
        for p in (seg_u[s], seg_v[s]):
            names[p][street] = street_rank[street]
    for p, n_ in enumerate(nodes):
        hidden = G.nodes[n_].get("hidden_arms")
        if not hidden or hidden == "[]":
            continue
        try:
            arms = json.loads(hidden) if isinstance(hidden, str) else list(hidden)
        except (TypeError, ValueError):
            continue
        for arm in arms:
            nm = arm.get("name") if isinstance(arm, Mapping) else None
            if nm:
                rank = min(_RANK.get(str(arm.get("highway")), 9), street_rank.get(str(nm), 99))
                names[p][str(nm)] = rank
    node_names = [tuple(sorted(d, key=lambda s_: (d[s_], s_))) for d in names]
    net = _Network(
        nodes=nodes, node_pos=node_pos, x=x, y=y, lat=np.asarray(lat), lon=np.asarray(lon),
        seg_u=su, seg_v=sv, seg_len=sl, seg_id=seg_id, seg_edges=seg_edges,
        seg_street=seg_street, seg_highway=seg_highway, seg_geom=seg_geom,
        seg_of_edge=seg_of_edge, adj=adj, degree=degree, node_names=node_names,
        crs=G.graph["crs"], size=size,
    )
    _NETWORKS[G] = net
    return net


# ---------------------------------------------------------------------------------------------
# 1. Corridor demand


def _route_destinations(plan: RoutePlan) -> list[dict[str, Any]]:
    return [dr.destination for dr in plan.routes if dr.status == "ok" and dr.safest is not None]


def _describe_unnamed(
    net: _Network, segs: np.ndarray, dest_xy: np.ndarray, dest_names: list[str]
) -> list[str]:
    """Descriptions for unnamed segments: "footpath near Pershing Square"."""
    named = np.array([s is not None for s in net.seg_street])
    named_idx = np.flatnonzero(named)
    named_tree = shapely.STRtree([net.seg_geom[i] for i in named_idx]) if named_idx.size else None
    out = []
    for s in segs:
        word = _WAY_WORDS.get(net.seg_highway[s], "walkway")
        mid = net.seg_geom[s].interpolate(0.5, normalized=True)
        if len(dest_names):
            d = np.hypot(dest_xy[:, 0] - mid.x, dest_xy[:, 1] - mid.y)
            j = int(np.argmin(d))
            if d[j] <= 200.0:
                out.append(f"{word} near {dest_names[j]}")
                continue
        if named_tree is not None:
            j = named_tree.query_nearest(mid, max_distance=100.0)
            if len(j):
                out.append(f"{word} near {net.seg_street[named_idx[int(j[0])]]}")
                continue
        out.append(f"unnamed {word}")
    return out


def _dest_xy(net: _Network, dests: Sequence[Mapping[str, Any]]) -> np.ndarray:
    pts = []
    for d in dests:
        node = d.get("node")
        if node in net.node_pos:
            p = net.node_pos[node]
            pts.append((net.x[p], net.y[p]))
        else:
            pts.append((math.nan, math.nan))
    return np.array(pts, dtype=float).reshape(-1, 2)


def corridor_demand(
    G: nx.MultiDiGraph,
    plan: RoutePlan,
    window: TimeWindow | str | None,
    weights: Mapping[str, float | Mapping[str, float]] | None = None,
) -> gpd.GeoDataFrame:
    """Walking demand on the Safe Passage corridor.

    Every destination with a route adds its weight (:func:`kind_weight` of its kind in
    ``window``) to each segment its *safest* route walks, once per time the route walks it.
    Both directions of a street are one segment (same end nodes and the same line reversed), so
    demand from both directions adds up.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The prepared network the plan was routed on.
    plan : RoutePlan
        From :func:`safepassage.routing.safe_routes`.
    window : TimeWindow or str or None
        The time window the weights are for (a name such as "dismissal", or all day).
    weights : mapping, optional
        Overrides of :data:`DEFAULT_WEIGHTS` (see :func:`weight_table`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per corridor segment (demand > 0), in the network's projected CRS, sorted by
        segment id: ``segment_id``, ``u``, ``v``, ``keys`` (the directed edges ``(u, v, key)``
        of the segment), ``name`` (the street, or a description of an unnamed way such as
        "footpath near Pershing Square"), ``street`` (the street name or None), ``highway``,
        ``length_m``, ``demand`` (sum of weights), ``routes`` (number of route traversals),
        ``weight`` (``demand × length_m``), ``geometry``.
    """
    tw = window if isinstance(window, TimeWindow) else parse_window(window)
    table = weight_table(weights)
    key = _window_key(tw)
    net = _network(G)
    edges = plan.state_graph.risk.edges
    n_seg = len(net.seg_u)
    demand = np.zeros(n_seg)
    count = np.zeros(n_seg, dtype=np.int64)
    for dr in plan.routes:
        if dr.status != "ok" or dr.safest is None:
            continue
        kind = dr.destination.get("kind")
        w = table.get(str(kind), table["other"])[key]
        if w <= 0:
            continue
        for e in dr.safest.edges:
            s = net.seg_of_edge[edges[e]]
            demand[s] += w
            count[s] += 1
    segs = np.flatnonzero(demand > 0)
    dests = _route_destinations(plan)
    names = [str(d.get("name")) for d in dests]
    xy = _dest_xy(net, dests)
    unnamed = [s for s in segs if net.seg_street[s] is None]
    described = dict(zip(unnamed, _describe_unnamed(net, np.array(unnamed, dtype=np.int64),
                                                     xy, names), strict=True))
    frame = gpd.GeoDataFrame(
        {
            "segment_id": [net.seg_id[s] for s in segs],
            "u": [net.nodes[net.seg_u[s]] for s in segs],
            "v": [net.nodes[net.seg_v[s]] for s in segs],
            "keys": [list(net.seg_edges[s]) for s in segs],
            "name": [net.seg_street[s] or described[s] for s in segs],
            "street": [net.seg_street[s] for s in segs],
            "highway": [net.seg_highway[s] for s in segs],
            "length_m": net.seg_len[segs],
            "demand": demand[segs],
            "routes": count[segs],
            "weight": demand[segs] * net.seg_len[segs],
            "_seg": segs,
        },
        geometry=[net.seg_geom[s] for s in segs],
        crs=net.crs,
    )
    return frame.sort_values("segment_id", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# 2. Candidate posts and the coverage matrix

#: Corridor segments longer than this many metres are cut into equal pieces for the coverage
#: matrix (and pieces are never longer than the walking radius), so that "covered" means the
#: same on a 500 m footpath as on a 50 m block.
PIECE_M = 100.0

#: Abbreviations a planner may use in post names, and the word they stand for.
_ABBREVIATIONS = {
    "n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest",
    "se": "southeast", "sw": "southwest", "st": "street", "str": "street", "ave": "avenue",
    "av": "avenue", "blvd": "boulevard", "dr": "drive", "pl": "place", "rd": "road",
    "ct": "court", "ln": "lane", "pkwy": "parkway", "hwy": "highway", "ter": "terrace",
    "cir": "circle", "sq": "square",
}
_DIRECTION_WORDS = {"north", "south", "east", "west", "northeast", "northwest", "southeast",
                    "southwest"}
_TYPE_WORDS = {"street", "avenue", "boulevard", "drive", "place", "road", "court", "lane",
               "parkway", "highway", "terrace", "circle", "square", "way"}
_CORNER_RE = re.compile(r"\s*\(\s*([A-Za-z]+)(?:\s+corner)?\s*\)\s*$", re.IGNORECASE)
_NUMBER_RE = re.compile(r"\s*#\s*(\d+)\s*$")


def _norm_words(text: str) -> str:
    """Lower case, no punctuation, abbreviations spelled out.

    "S Grand Ave." -> "south grand avenue"; "St" first in a longer name is "saint".
    """
    t = re.sub(r"[.,'’`\"]", "", text.lower())
    tokens = re.sub(r"[-_]+", " ", t).split()
    out = []
    for i, tok in enumerate(tokens):
        if tok == "st" and i == 0 and len(tokens) > 1:
            out.append("saint")
        else:
            out.append(_ABBREVIATIONS.get(tok, tok))
    return " ".join(out)


def _bare_street(street: str) -> str:
    """A normalised street without direction words and without its trailing type word."""
    tokens = street.split()
    while len(tokens) > 1 and tokens[0] in _DIRECTION_WORDS:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in _DIRECTION_WORDS | _TYPE_WORDS:
        tokens = tokens[:-1]
    return " ".join(tokens)


def _corner_code(word: str) -> str | None:
    w = word.lower()
    if w.upper() in COMPASS_POINTS:
        return w.upper()
    full = _ABBREVIATIONS.get(w, w)
    for code in COMPASS_POINTS:
        if _ABBREVIATIONS.get(code.lower()) == full:
            return code
    return None


@dataclass(frozen=True)
class _PostName:
    """A post name taken apart for forgiving lookup."""

    key: str  # the whole name, normalised, without corner and number
    streets: frozenset[str] | None  # the streets of an intersection name, normalised
    bare: frozenset[str] | None  # the same without direction and street-type words
    corner: str | None  # "N", "NE", ...
    number: int | None  # the "#2" suffix


def _parse_post_name(text: str) -> _PostName:
    t = " ".join(str(text).split())
    number = None
    m = _NUMBER_RE.search(t)
    if m:
        number, t = int(m.group(1)), t[:m.start()]
    corner = None
    m = _CORNER_RE.search(t)
    if m and _corner_code(m.group(1)):
        corner, t = _corner_code(m.group(1)), t[:m.start()]
    parts = [p for p in re.split(r"\s*(?:&|@|/|\band\b)\s*", t, flags=re.IGNORECASE)
             if p.strip()]
    streets = frozenset(_norm_words(p) for p in parts) if len(parts) >= 2 else None
    bare = frozenset(_bare_street(s) for s in streets) if streets else None
    return _PostName(_norm_words(t), streets, bare, corner, number)


def _base_name(text: str) -> str:
    """A display name without its "(N corner)" and "#2"."""
    t = _NUMBER_RE.sub("", str(text))
    return _CORNER_RE.sub("", t).strip()


def _close_names(name: str, names: Sequence[str], n: int = 4) -> list[str]:
    """Post names (without corners) close to ``name``: street by street for intersections."""
    import difflib

    q = _parse_post_name(name)
    bases = sorted({_base_name(x) for x in names})
    if q.bare is None:
        keys = {_norm_words(b): b for b in bases}
        return [keys[c] for c in difflib.get_close_matches(q.key, list(keys), n=n, cutoff=0.6)]
    scored = []
    for b in bases:
        p = _parse_post_name(b)
        if p.bare is None:
            continue
        score = sum(max(difflib.SequenceMatcher(None, s, t).ratio() for t in p.bare)
                    for s in q.bare) / len(q.bare)
        if score >= 0.75:
            scored.append((-score, b))
    return [b for _, b in sorted(scored)[:n]]


def _intersection_name(names: tuple[str, ...]) -> str:
    return " & ".join(names[:2])


@dataclass
class _NameIndex:
    """Where the network's named nodes are, for naming posts."""

    cross_idx: np.ndarray  # nodes where two or more named streets meet
    cross_xy: np.ndarray
    one_idx: np.ndarray  # nodes on at least one named street
    one_xy: np.ndarray


def _name_index(net: _Network) -> _NameIndex:
    cross_idx = np.flatnonzero(np.array([len(nm) >= 2 for nm in net.node_names], dtype=bool))
    one_idx = np.flatnonzero(np.array([len(nm) >= 1 for nm in net.node_names], dtype=bool))
    return _NameIndex(cross_idx, np.column_stack([net.x[cross_idx], net.y[cross_idx]]),
                      one_idx, np.column_stack([net.x[one_idx], net.y[one_idx]]))


def _candidate_names(
    net: _Network, pos: np.ndarray, dest_xy: np.ndarray, dest_names: list[str],
    index: _NameIndex | None = None,
) -> list[str]:
    """Display names: the nearest intersection's streets, else "near <street>" and so on."""
    index = index or _name_index(net)
    out = []
    for p in pos:
        own = net.node_names[p]
        if len(own) >= 2:
            out.append(_intersection_name(own))
            continue
        out.append(_point_name(net, float(net.x[p]), float(net.y[p]), own[0] if own else None,
                               index, dest_xy, dest_names))
    return out


def _point_name(
    net: _Network, x: float, y: float, street: str | None, index: _NameIndex,
    dest_xy: np.ndarray, dest_names: list[str],
) -> str:
    """The name of a place that is not itself an intersection (a node or a point on a way)."""
    cross_idx, cross_xy = index.cross_idx, index.cross_xy
    if cross_idx.size:
        d = np.hypot(cross_xy[:, 0] - x, cross_xy[:, 1] - y)
        j = int(np.argmin(d))
        if d[j] <= 40.0:
            return _intersection_name(net.node_names[cross_idx[j]])
    if street is None and index.one_idx.size:
        d = np.hypot(index.one_xy[:, 0] - x, index.one_xy[:, 1] - y)
        j = int(np.argmin(d))
        if d[j] <= 60.0:
            street = net.node_names[index.one_idx[j]][0]
    if street is not None:
        return _near_cross(net, x, y, street, cross_idx, cross_xy)
    if len(dest_names):
        d = np.hypot(dest_xy[:, 0] - x, dest_xy[:, 1] - y)
        j = int(np.nanargmin(d)) if np.isfinite(d).any() else -1
        if j >= 0 and d[j] <= 300.0:
            return f"footpath near {dest_names[j]}"
    to_wgs = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(x, y)
    return f"walkway at {lat:.5f}, {lon:.5f}"


def _near_cross(
    net: _Network, x: float, y: float, street: str, cross_idx: np.ndarray, cross_xy: np.ndarray
) -> str:
    """"Figueroa Street, 170 m south of West 7th Street": where along its street a post is."""
    if cross_idx.size:
        d = np.hypot(cross_xy[:, 0] - x, cross_xy[:, 1] - y)
        order = np.argsort(d, kind="stable")[:60]
        for j in order:  # the nearest intersection along the same street
            if d[j] > 400.0:
                break
            names = net.node_names[cross_idx[j]]
            others = [n for n in names if n != street]
            if street in names and others:
                dx, dy = x - cross_xy[j, 0], y - cross_xy[j, 1]
                way = ("north", "east", "south", "west")[
                    round((math.degrees(math.atan2(dx, dy)) % 360.0) / 90.0) % 4]
                return f"{street}, {10 * round(d[j] / 10):.0f} m {way} of {others[0]}"
        for j in order:
            if d[j] > 150.0:
                break
            others = [n for n in net.node_names[cross_idx[j]] if n != street]
            if others:
                return f"{street} near {others[0]}"
    return f"near {street}"


def _disambiguate(names: list[str], xs: np.ndarray, ys: np.ndarray) -> list[str]:
    """Add the corner ("NE corner") to posts that share a name, then a number if needed."""
    out = list(names)
    groups: dict[str, list[int]] = {}
    for i, nm in enumerate(names):
        groups.setdefault(nm, []).append(i)
    for nm, idx in groups.items():
        if len(idx) < 2:
            continue
        cx, cy = float(np.mean(xs[idx])), float(np.mean(ys[idx]))
        spread = float(np.max(np.hypot(xs[idx] - cx, ys[idx] - cy)))
        if " & " not in nm or spread > 60.0:
            for k, i in enumerate(idx[1:], start=2):
                out[i] = f"{nm} #{k}"
            continue
        for i in idx:
            dx, dy = float(xs[i]) - cx, float(ys[i]) - cy
            if math.hypot(dx, dy) < 4.0:
                continue
            out[i] = f"{nm} ({compass_point(planar_bearing(dx, dy))} corner)"
        seen: dict[str, int] = {}
        for i in idx:
            seen[out[i]] = seen.get(out[i], 0) + 1
            if seen[out[i]] > 1:
                out[i] = f"{out[i]} #{seen[out[i]]}"
    return out


def _point_xy(G: nx.MultiDiGraph, lat: float, lon: float) -> tuple[float, float]:
    t = Transformer.from_crs("EPSG:4326", G.graph["crs"], always_xy=True)
    x, y = t.transform(float(lon), float(lat))
    return float(x), float(y)


def _spec_latlon(spec: Any, where: str) -> tuple[float, float] | None:
    if isinstance(spec, Mapping) and "lat" in spec and "lon" in spec:
        try:
            return float(spec["lat"]), float(spec["lon"])
        except (TypeError, ValueError):
            raise InputError(f"{where}: lat and lon must be numbers, got {spec!r}") from None
    if (isinstance(spec, tuple | list) and len(spec) in (2, 3)
            and all(isinstance(v, int | float) for v in spec)):
        return float(spec[0]), float(spec[1])
    return None


@dataclass
class _Pieces:
    """The corridor cut into pieces, on the street graph with a node at every cut.

    Node indices below ``n_nodes`` are the network's nodes; the others are the cuts
    ("points") inside long segments, at ``px``, ``py``, ``off`` metres along corridor row
    ``prow``.
    """

    row: np.ndarray  # corridor row (segment) of each piece
    start: np.ndarray  # metres along the segment from its u
    end: np.ndarray
    a: np.ndarray  # graph node (extended numbering) at the piece's start
    b: np.ndarray  # ... and at its end
    adj: sp.csr_matrix  # undirected street graph with the cut points
    n_nodes: int
    px: np.ndarray
    py: np.ndarray
    prow: np.ndarray
    off: np.ndarray

    @property
    def length(self) -> np.ndarray:
        return self.end - self.start


def _cut_corridor(net: _Network, segs: np.ndarray, piece_m: float) -> _Pieces:
    """Cut corridor segments longer than ``piece_m`` into equal pieces (see :data:`PIECE_M`)."""
    n = len(net.nodes)
    rows, starts, ends, aa, bb = [], [], [], [], []
    px, py, prow, off = [], [], [], []
    extra_lo, extra_hi, extra_len = [], [], []
    for r, s in enumerate(segs):
        length = float(net.seg_len[s])
        u, v = int(net.seg_u[s]), int(net.seg_v[s])
        k = max(1, math.ceil(length / piece_m - 1e-9))
        if k == 1:
            rows.append(r)
            starts.append(0.0)
            ends.append(length)
            aa.append(u)
            bb.append(v)
            continue
        geom = net.seg_geom[s]
        chain = [u]
        for i in range(1, k):
            pt = geom.interpolate(i / k, normalized=True)
            chain.append(n + len(px))
            px.append(pt.x)
            py.append(pt.y)
            prow.append(r)
            off.append(length * i / k)
        chain.append(v)
        for i in range(k):
            rows.append(r)
            starts.append(length * i / k)
            ends.append(length * (i + 1) / k)
            aa.append(chain[i])
            bb.append(chain[i + 1])
            extra_lo.append(chain[i])
            extra_hi.append(chain[i + 1])
            extra_len.append(max(length / k, 1e-6))
    n_all = n + len(px)
    if px:
        base = net.adj.tocoo()
        adj = sp.csr_matrix(
            (np.concatenate([base.data, extra_len]),
             (np.concatenate([base.row, extra_lo]), np.concatenate([base.col, extra_hi]))),
            shape=(n_all, n_all))
    else:
        adj = net.adj
    return _Pieces(
        row=np.asarray(rows, dtype=np.int64), start=np.asarray(starts, dtype=float),
        end=np.asarray(ends, dtype=float), a=np.asarray(aa, dtype=np.int64),
        b=np.asarray(bb, dtype=np.int64), adj=adj, n_nodes=n,
        px=np.asarray(px, dtype=float), py=np.asarray(py, dtype=float),
        prow=np.asarray(prow, dtype=np.int64), off=np.asarray(off, dtype=float),
    )


def _piece_frame(segments: gpd.GeoDataFrame, pieces: _Pieces) -> gpd.GeoDataFrame:
    """One corridor row per piece (a segment that is not cut keeps its row as it is)."""
    from shapely.ops import substring

    frame = segments.iloc[pieces.row].reset_index(drop=True)
    whole = frame["length_m"].to_numpy(dtype=float)
    length = pieces.length
    counts = np.bincount(pieces.row, minlength=len(segments))[pieces.row]
    number = np.zeros(pieces.row.size, dtype=np.int64)
    for r in np.unique(pieces.row[counts > 1]):
        at = np.flatnonzero(pieces.row == r)
        number[at] = np.arange(1, at.size + 1)
    ids = frame["segment_id"].to_numpy()
    geoms = frame.geometry.to_numpy()
    new_geom = []
    for i in range(len(frame)):
        if counts[i] == 1:
            new_geom.append(geoms[i])
        else:
            w = whole[i] if whole[i] > 0 else 1.0
            new_geom.append(substring(geoms[i], pieces.start[i] / w, pieces.end[i] / w,
                                      normalized=True))
    frame["street_segment_id"] = ids
    frame["segment_id"] = [str(s) if c == 1 else f"{s}/{k}"
                           for s, c, k in zip(ids, counts, number, strict=True)]
    frame["start_m"] = pieces.start
    frame["end_m"] = pieces.end
    frame["length_m"] = length
    frame["weight"] = frame["demand"].to_numpy(dtype=float) * length
    frame["geometry"] = new_geom
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=segments.crs)


def _covers_from_distances(
    pieces: _Pieces, cand: np.ndarray, radius: float
) -> tuple[sp.csr_array, sp.csr_array]:
    """Bounded batched Dijkstra from every candidate; walking distance to each piece's midpoint.

    ``cand`` are graph nodes in the extended numbering of ``pieces`` (cut points included).
    A piece's midpoint is reached through either of its ends.
    """
    n_all = pieces.adj.shape[0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    pa, pb, half = pieces.a, pieces.b, pieces.length / 2.0
    batch = max(1, int(4_000_000 // max(n_all, 1)))
    for start in range(0, cand.size, batch):
        idx = cand[start:start + batch]
        dist = dijkstra(pieces.adj, directed=False, indices=idx, limit=radius)
        dist = np.atleast_2d(dist)
        mid = np.minimum(dist[:, pa], dist[:, pb]) + half[None, :]
        r, c = np.nonzero(mid <= radius)
        rows.append(r + start)
        cols.append(c)
        vals.append(mid[r, c])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    d = np.concatenate(vals) if vals else np.zeros(0)
    shape = (int(cand.size), int(pa.size))
    covers = sp.csr_array((np.ones(r.size, dtype=bool), (r, c)), shape=shape)
    # distances + 1 mm so that a stored entry is never an implicit zero
    distance = sp.csr_array((d + 1e-3, (r, c)), shape=shape)
    return covers, distance


def _corridor_ends(net: _Network, segs: np.ndarray) -> np.ndarray:
    """Corridor nodes where the corridor ends or branches (not exactly two corridor neighbours)."""
    u, v = net.seg_u[segs], net.seg_v[segs]
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    pairs = np.unique(np.column_stack([lo, hi]), axis=0) if lo.size else np.zeros((0, 2), int)
    nodes = np.unique(np.concatenate([u, v]))
    degree = np.bincount(pairs.ravel(), minlength=len(net.nodes))
    return nodes[degree[nodes] != 2]


def _fill_gaps(
    pieces: _Pieces, covers: sp.csr_array, radius: float, degree: np.ndarray
) -> list[int]:
    """Graph nodes (extended numbering) to add so that every piece has a candidate in reach.

    A piece no candidate reaches gets a candidate at one of its ends (a street node before a
    cut point, the busier node first); its midpoint is then at most half a piece away.
    """
    reached = np.asarray(covers.sum(axis=0)).ravel() > 0
    added: list[int] = []
    for i in np.flatnonzero(~reached):
        if reached[i]:
            continue
        ends = [int(pieces.a[i]), int(pieces.b[i])]
        real = [e for e in ends if e < pieces.n_nodes]
        node = max(real, key=lambda e: (degree[e], -ends.index(e))) if real else ends[1]
        more, _ = _covers_from_distances(pieces, np.array([node], dtype=np.int64), radius)
        reached |= more.toarray().ravel()
        added.append(node)
    return added


@dataclass
class CoverageProblem:
    """A site's corridor, its candidate posts and which post covers which piece of corridor.

    Build it with :func:`coverage_problem`; solve it with :func:`plan_posts`.

    Attributes
    ----------
    segments : geopandas.GeoDataFrame
        The corridor (see :func:`corridor_demand`), projected, cut into pieces of at most
        :data:`PIECE_M` metres (and at most the radius): a segment that is not cut keeps its
        row; the pieces of a cut one have ``segment_id`` "<segment>/1", "<segment>/2", ...
        Extra columns: ``street_segment_id`` (the segment a row belongs to), ``start_m`` and
        ``end_m`` (where along that segment, from ``u``). ``length_m`` and ``weight`` are the
        row's own. Row ``i`` is column ``i`` of ``covers``.
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
    notes : list of str
    build_seconds : float
    ends : numpy.ndarray or None
        Per row, the two places it runs between (graph nodes, or cut points numbered after
        them); rows sharing one touch.
    """

    segments: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    covers: sp.csr_array
    distance: sp.csr_array
    weights: np.ndarray
    window: TimeWindow
    radius_m: float
    near_m: float
    crs: Any
    notes: list[str] = field(default_factory=list)
    build_seconds: float = 0.0
    ends: np.ndarray | None = field(default=None, repr=False)

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

    def find(self, spec: Any, *, snap_m: float = LOCK_SNAP_M, where: str = "post") -> int:
        """The candidate a planner means.

        Parameters
        ----------
        spec : int, str, tuple or mapping
            A candidate index; a name (see below); ``(lat, lon)``; ``{"lat", "lon"}``; or
            ``{"post": name}``. Names are forgiving: case, punctuation, the abbreviations
            S/N/E/W, St, Ave, Blvd, Dr, Pl, Rd (and a few more), either order of the two
            streets, "&"/"and"/"/", with or without "(N corner)" and "#2"; "Grand Ave & 5th"
            finds "South Grand Avenue & West 5th Street" when no other intersection fits. A
            name shared by several corners picks the one covering the most demand.
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
        cands = self.candidates
        if isinstance(spec, bool):
            raise InputError(f"{where}: not a post: {spec!r}")
        if isinstance(spec, int | np.integer):
            if not 0 <= int(spec) < len(cands):
                raise InputError(f"{where}: no candidate post number {spec}")
            return int(spec)
        if isinstance(spec, Mapping) and "post" in spec:
            spec = spec["post"]
        if isinstance(spec, str):
            return self._find_name(spec, where)
        latlon = _spec_latlon(spec, where)
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

    def _find_name(self, name: str, where: str) -> int:
        names = [str(n) for n in self.candidates["name"]]
        want = " ".join(name.split()).lower()
        hits = [i for i, n in enumerate(names) if " ".join(n.split()).lower() == want]
        if not hits:
            q = _parse_post_name(name)
            parsed = [_parse_post_name(n) for n in names]

            def same(p: _PostName) -> bool:
                return p.key == q.key or (q.streets is not None and p.streets == q.streets)

            def loose(p: _PostName) -> bool:
                return q.bare is not None and p.bare == q.bare

            for rule in (same, loose):
                found = [i for i, p in enumerate(parsed) if rule(p)]
                places = {parsed[i].streets or parsed[i].key for i in found}
                if rule is loose and len(places) > 1:
                    options = sorted({_base_name(names[i]) for i in found})
                    raise InputError(f"{where}: {name!r} could be "
                                     f"{', '.join(repr(o) for o in options)}; give the full "
                                     "street names")
                # a corner or number narrows the choice; one that does not exist is ignored
                narrowed = [i for i in found
                            if (q.corner is None or parsed[i].corner == q.corner)
                            and (q.number is None or (parsed[i].number or 1) == q.number)]
                hits = narrowed or found
                if hits:
                    break
        if not hits:
            close = _close_names(name, names)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(f"{where}: no candidate post named {name!r}{hint}")
        if len(hits) == 1:
            return hits[0]
        reach = self.covers[hits].astype(np.float64) @ self.weights
        return int(hits[int(np.argmax(reach))])


def _added_points(
    G: nx.MultiDiGraph, net: _Network, items: Iterable[Any], key: str, max_snap: float,
    indices: Iterable[int] | None = None,
) -> list[tuple[int, tuple[float, float], str]]:
    """Planner points snapped to their nearest network node: (node, (lat, lon), label).

    Error messages name each item ``key[j]`` with ``j`` from ``indices`` (default 0, 1, ...).
    """
    out = []
    items = list(items)
    for j, extra in zip(indices if indices is not None else range(len(items)), items,
                        strict=True):
        where = f"{key}[{j}]"
        latlon = _spec_latlon(extra, where)
        if latlon is None:
            raise InputError(f"{where}: needs lat and lon, got {extra!r}")
        px, py = _point_xy(G, *latlon)
        d = np.hypot(net.x - px, net.y - py)
        p = int(np.argmin(d))
        if d[p] > max_snap:
            raise InputError(f"{where}: {latlon[0]:.6f},{latlon[1]:.6f} is {d[p]:,.0f} m from "
                             f"the nearest walkable street (limit {max_snap:,.0f} m)")
        label = str(extra.get("name") or "") if isinstance(extra, Mapping) else ""
        out.append((p, latlon, label))
    return out


def _locked_points(locked: Iterable[Any]) -> list[tuple[int, dict[str, Any]]]:
    """The locked posts given as points, with their index in ``locked``."""
    return [
        (j, {"name": str(s.get("name") or f"locked post {j + 1}"), "lat": s["lat"],
             "lon": s["lon"]})
        for j, s in enumerate(locked)
        if isinstance(s, Mapping) and "lat" in s and "lon" in s and "post" not in s
    ]


def coverage_problem(
    G: nx.MultiDiGraph,
    plan: RoutePlan,
    window: TimeWindow | str | None = None,
    *,
    radius_m: float | None = None,
    weights: Mapping[str, float | Mapping[str, float]] | None = None,
    extra_posts: Iterable[Mapping[str, Any]] = (),
    locked: Iterable[Any] = (),
    near_m: float = NEAR_CORRIDOR_M,
    max_snap_m: float | None = None,
    piece_m: float = PIECE_M,
) -> CoverageProblem:
    """Corridor, candidate posts and coverage matrix for one site and time window.

    Candidates are: intersections (nodes where three or more ways meet) within ``near_m`` of
    walking of the corridor; the destinations' nodes; where the routes start; every corridor
    node where the corridor ends or branches, and both ends of every segment longer than
    ``piece_m``; the planner's extra posts and locked points. Then, for any piece of corridor
    that none of these reaches (a long chain of two-way nodes, a path longer than twice the
    radius), a candidate at one of its ends: every piece of the corridor can be covered.

    A post covers a corridor piece when the piece's midpoint is within ``radius_m`` of walking
    (segments longer than ``piece_m`` are cut into equal pieces first, so a long segment is
    covered piece by piece). Distances come from bounded, batched Dijkstra searches on the
    undirected street graph.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network the plan was routed on.
    plan : RoutePlan
        Routes for the window.
    window : TimeWindow or str, optional
        Time window of the demand weights (default all day).
    radius_m : float, optional
        Walking radius an officer covers (default ``settings.post_radius_m``).
    weights : mapping, optional
        Overrides of :data:`DEFAULT_WEIGHTS`.
    extra_posts : iterable of mapping
        Points a planner adds as candidates: ``{"name", "lat", "lon"}``; each snaps to its
        nearest network node.
    locked : iterable
        The locked posts of :func:`plan_posts`; those given as points (``{"name", "lat",
        "lon"}``) are added as candidates like ``extra_posts``, and errors name them
        ``locked[j]``. Names and indices are ignored here.
    near_m : float
        Intersections within this walk of the corridor are candidates.
    max_snap_m : float, optional
        An extra post or locked point farther than this from the network is an error
        (default ``settings.max_snap_m``).
    piece_m : float
        Longest corridor piece, metres (default :data:`PIECE_M`; never more than the radius).

    Returns
    -------
    CoverageProblem
    """
    t0 = time.perf_counter()
    tw = window if isinstance(window, TimeWindow) else parse_window(window)
    radius = float(settings.post_radius_m if radius_m is None else radius_m)
    if not (radius > 0 and math.isfinite(radius)):
        raise InputError(f"the post radius must be a positive number of metres, got {radius_m!r}")
    max_snap = float(settings.max_snap_m if max_snap_m is None else max_snap_m)
    net = _network(G)
    segments = corridor_demand(G, plan, tw, weights)
    segs = segments["_seg"].to_numpy(dtype=np.int64)
    notes: list[str] = []
    if len(segments) == 0:
        notes.append("no walking demand in this window: no route has a destination with "
                     "positive weight")
    # planner points first: a bad one is an error before any slow work
    lock_items = _locked_points(locked)
    added = [*(_added_points(G, net, extra_posts, "extra_posts", max_snap)),
             *(_added_points(G, net, [p for _, p in lock_items], "locked", max_snap,
                             [j for j, _ in lock_items]))]
    pieces = _cut_corridor(net, segs, min(float(piece_m), radius))

    # intersections near the corridor
    corridor_nodes = np.unique(np.concatenate([net.seg_u[segs], net.seg_v[segs]]))
    if corridor_nodes.size:
        near = dijkstra(net.adj, directed=False, indices=corridor_nodes, limit=near_m,
                        min_only=True)
        inter = np.flatnonzero((net.degree >= 3) & (near <= near_m))
    else:
        inter = np.zeros(0, dtype=np.int64)
    pos: list[int] = [int(p) for p in inter]
    source = ["intersection"] * len(pos)
    at_pos = {p: i for i, p in enumerate(pos)}

    def add(p: int, src: str) -> None:
        if p not in at_pos:
            at_pos[p] = len(pos)
            pos.append(p)
            source.append(src)

    dest_of: dict[int, str] = {}
    dests = _route_destinations(plan)
    for d in dests:
        p = net.node_pos.get(d.get("node"))
        if p is not None:
            dest_of.setdefault(p, str(d.get("name")))
            add(p, "destination")
    on_corridor = set(corridor_nodes.tolist())
    for o in plan.origin_nodes:
        p = net.node_pos.get(o)
        if p is not None and p in on_corridor:
            add(p, "site")
    for p in _corridor_ends(net, segs):
        add(int(p), "corridor")
    long_segs = segs[net.seg_len[segs] > min(float(piece_m), radius)]
    for p in np.unique(np.concatenate([net.seg_u[long_segs], net.seg_v[long_segs]])):
        add(int(p), "corridor")
    xs = list(net.x[np.array(pos, dtype=np.int64)])
    ys = list(net.y[np.array(pos, dtype=np.int64)])
    lat = list(net.lat[np.array(pos, dtype=np.int64)])
    lon = list(net.lon[np.array(pos, dtype=np.int64)])
    labels: dict[int, str] = {}
    for p, latlon, label in added:
        if p in at_pos:
            i = at_pos[p]
        else:
            add(p, "extra")
            i = len(pos) - 1
            xs.append(float(net.x[p]))
            ys.append(float(net.y[p]))
            lat.append(0.0)
            lon.append(0.0)
        source[i] = "extra"
        lat[i], lon[i] = latlon
        if label:
            labels[i] = label
    cand = np.array(pos, dtype=np.int64)
    covers, distance = _covers_from_distances(pieces, cand, radius)
    fill = [p for p in _fill_gaps(pieces, covers, radius, net.degree) if p not in at_pos]
    if fill:
        more = np.array(fill, dtype=np.int64)
        c2, d2 = _covers_from_distances(pieces, more, radius)
        covers, distance = sp.vstack([covers, c2], format="csr"), sp.vstack([distance, d2],
                                                                             format="csr")
        to_wgs = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
        for p in fill:
            if p < pieces.n_nodes:
                x, y = float(net.x[p]), float(net.y[p])
            else:
                x, y = float(pieces.px[p - pieces.n_nodes]), float(pieces.py[p - pieces.n_nodes])
            add(int(p), "corridor")
            xs.append(x)
            ys.append(y)
            lo_, la_ = to_wgs.transform(x, y)
            lat.append(float(la_))
            lon.append(float(lo_))
        cand = np.array(pos, dtype=np.int64)

    # names: street corners, "X Street, 80 m north of Y Street", destinations, labels
    dest_names = [str(d.get("name")) for d in dests]
    dest_xy = _dest_xy(net, dests)
    real = cand < pieces.n_nodes
    names = [""] * cand.size
    index = _name_index(net)
    for i, nm in zip(np.flatnonzero(real),
                     _candidate_names(net, cand[real], dest_xy, dest_names, index), strict=True):
        names[i] = nm
    for i in np.flatnonzero(~real):
        k = int(cand[i]) - pieces.n_nodes
        street = segments["street"].iloc[int(pieces.prow[k])]
        names[i] = _point_name(net, xs[i], ys[i], street, index, dest_xy, dest_names)
    for i, p in enumerate(cand):
        if source[i] == "destination" and len(net.node_names[int(p)]) < 2:
            names[i] = f"at {dest_of[int(p)]}"
    plain = [i for i in range(cand.size) if i not in labels]
    unique = _disambiguate([names[i] for i in plain], np.asarray(xs)[plain],
                           np.asarray(ys)[plain])
    for i, nm in zip(plain, unique, strict=True):
        names[i] = nm
    for i, label in labels.items():
        names[i] = label

    candidates = gpd.GeoDataFrame(
        {
            "candidate": np.arange(cand.size),
            "node": pd.Series([net.nodes[p] if p < pieces.n_nodes else None for p in cand],
                              dtype=object),
            "name": names,
            "source": source,
            "destination": [dest_of.get(int(p)) for p in cand],
            "lat": np.round(np.asarray(lat, dtype=float), 6),
            "lon": np.round(np.asarray(lon, dtype=float), 6),
            "x": np.asarray(xs, dtype=float),
            "y": np.asarray(ys, dtype=float),
        },
        geometry=[Point(a, b) for a, b in zip(lon, lat, strict=True)],
        crs="EPSG:4326",
    )
    frame = _piece_frame(segments.drop(columns="_seg"), pieces)
    unreachable = np.asarray(covers.sum(axis=0)).ravel() == 0
    if unreachable.any():  # cannot happen since _fill_gaps; kept as a guard
        notes.append(f"{int(unreachable.sum())} corridor pieces "
                     f"({frame['length_m'].to_numpy()[unreachable].sum():,.0f} m) are beyond "
                     f"{radius:,.0f} m of every candidate post")
    return CoverageProblem(
        segments=frame,
        candidates=candidates,
        covers=sp.csr_array(covers),
        distance=sp.csr_array(distance),
        weights=frame["weight"].to_numpy(dtype=float),
        window=tw,
        radius_m=radius,
        near_m=float(near_m),
        crs=net.crs,
        notes=notes,
        build_seconds=time.perf_counter() - t0,
        ends=np.column_stack([pieces.a, pieces.b]),
    )


# ---------------------------------------------------------------------------------------------
# 3. Optimisation


def _banned_candidates(problem: CoverageProblem, banned: Iterable[Any]) -> tuple[np.ndarray,
                                                                                  list[str]]:
    """Candidates inside banned places: points with a radius, or polygons (WGS84)."""
    cands = problem.candidates
    if len(cands) == 0:
        return np.zeros(0, dtype=np.intp), []
    pts = shapely.points(cands["x"].to_numpy(), cands["y"].to_numpy())
    to_xy = Transformer.from_crs("EPSG:4326", problem.crs, always_xy=True)
    hit = np.zeros(len(cands), dtype=bool)
    labels: list[str] = []
    for j, spec in enumerate(banned):
        where = f"banned[{j}]"
        if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
            hit[problem.find(int(spec), where=where)] = True
            labels.append(str(cands["name"].iloc[int(spec)]))
            continue
        geom: BaseGeometry | None = None
        radius = BAN_RADIUS_M
        label = ""
        if isinstance(spec, BaseGeometry):
            geom, radius = spec, 0.0
        elif isinstance(spec, Mapping):
            radius = float(spec.get("radius_m", BAN_RADIUS_M if "lat" in spec else 0.0))
            label = str(spec.get("name") or "")
            if "geometry" in spec:
                geom = spec["geometry"]
                if not isinstance(geom, BaseGeometry):
                    geom = shape(geom)
            elif "post" in spec:
                i = problem.find(spec["post"], where=where)
                hit[i] = True
                labels.append(label or str(cands["name"].iloc[i]))
                continue
        elif isinstance(spec, str):
            i = problem.find(spec, where=where)
            hit[i] = True
            labels.append(str(cands["name"].iloc[i]))
            continue
        if geom is None:
            latlon = _spec_latlon(spec, where)
            if latlon is None:
                raise InputError(f"{where}: give lat, lon (and radius_m), a polygon, or a post "
                                 f"name; got {spec!r}")
            geom = Point(latlon[1], latlon[0])
            if len(spec) == 3 and not isinstance(spec, Mapping):
                radius = float(spec[2])
            label = label or f"{latlon[0]:.5f},{latlon[1]:.5f}"
        projected = (area_in_crs(geom, problem.crs, shapely.get_coordinates(pts))
                     if geom.area > 0 else shapely.transform(geom, to_xy.transform,
                                                             interleaved=False))
        if radius > 0:
            projected = projected.buffer(radius)
        hit |= shapely.covers(projected, pts) if projected.area > 0 else shapely.dwithin(
            projected, pts, 1e-6)
        labels.append(label or geom.geom_type.lower())
    return np.flatnonzero(hit).astype(np.intp), labels


def _backup_spec(
    problem: CoverageProblem, backup: bool | Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, np.ndarray]:
    if backup is None or backup is False:
        return None, np.zeros(problem.n_segments, dtype=bool)
    opts = dict(BACKUP_DEFAULT)
    if isinstance(backup, Mapping):
        unknown = set(backup) - set(BACKUP_DEFAULT)
        if unknown:
            raise InputError(f"backup: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                             "use factor, top_share")
        opts.update({k: float(v) for k, v in backup.items()})
    if not 0 < opts["top_share"] <= 1:
        raise InputError(f"backup.top_share must be in (0, 1], got {opts['top_share']}")
    if not 0 < opts["factor"] <= 1:
        raise InputError(f"backup.factor must be in (0, 1], got {opts['factor']}")
    w = problem.weights
    demand = problem.segments["demand"].to_numpy(dtype=float)
    order = np.argsort(-demand, kind="stable")
    cum = np.cumsum(w[order])
    total = float(w.sum())
    n_top = int(np.searchsorted(cum, opts["top_share"] * total * (1 - 1e-12)) + 1) if total else 0
    busy = np.zeros(w.size, dtype=bool)
    busy[order[:n_top]] = True
    return {"weights": np.where(busy, w, 0.0), "factor": opts["factor"]}, busy


def _stretches(problem: CoverageProblem, mask: np.ndarray) -> pd.DataFrame:
    """Merge the masked corridor rows into stretches by street name and adjacency.

    Lengths are metres of corridor: every row is one undirected segment (or one piece of
    one), counted once, so the stretches of a street add up to its uncovered metres.
    """
    segs = problem.segments
    idx = np.flatnonzero(mask)
    cols = ["name", "length_m", "demand", "weight", "segments", "lat", "lon"]
    if idx.size == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    parent = {int(i): int(i) for i in idx}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    by_node: dict[tuple[str, Any], int] = {}
    names = segs["name"].to_numpy()
    if problem.ends is not None and len(problem.ends) == len(segs):
        ends = [tuple(e) for e in problem.ends.tolist()]
    else:
        ends = list(zip(segs["u"].to_numpy(), segs["v"].to_numpy(), strict=True))
    for i in idx:
        for n in ends[i]:
            key = (str(names[i]), n)
            if key in by_node:
                parent[find(int(i))] = find(by_node[key])
            else:
                by_node[key] = int(i)
    groups: dict[int, list[int]] = {}
    for i in idx:
        groups.setdefault(find(int(i)), []).append(int(i))
    to_wgs = Transformer.from_crs(problem.crs, "EPSG:4326", always_xy=True)
    rows = []
    length = segs["length_m"].to_numpy(dtype=float)
    weight = problem.weights
    geoms = segs.geometry.to_numpy()
    ids = segs["segment_id"].to_numpy()
    for members in groups.values():
        m = np.array(members)
        ln = float(length[m].sum())
        wt = float(weight[m].sum())
        longest = m[int(np.argmax(length[m]))]
        mid = geoms[longest].interpolate(0.5, normalized=True)
        lon, lat = to_wgs.transform(mid.x, mid.y)
        rows.append({"name": str(names[m[0]]), "length_m": ln,
                     "demand": round(wt / ln, 3) if ln > 0 else 0.0, "weight": wt,
                     "segments": [str(ids[i]) for i in sorted(m)],
                     "lat": round(float(lat), 6), "lon": round(float(lon), 6)})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["weight", "name"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def gaps_by_street(plan: CoveragePlan) -> list[tuple[str, float, float]]:
    """The uncovered corridor of one plan, by street: ``[(street, length_m, demand_share)]``.

    ``street`` is the street name (or the description of an unnamed way, as in
    ``uncovered``); ``length_m`` the uncovered metres of corridor on it (each undirected
    segment counted once: the same total a consumer gets by summing the uncovered rows of
    ``plan.problem.segments`` by ``name``); ``demand_share`` the share (0-1) of the window's
    walking demand (demand × length) on those metres. Most demand first, then by name.

    Parameters
    ----------
    plan : CoveragePlan
        One window's plan (``shifts.plans[window]``).

    Returns
    -------
    list of (str, float, float)
    """
    total = float(plan.total_weight)
    by: dict[str, list[float]] = {}
    for r in plan.uncovered.itertuples():
        row = by.setdefault(str(r.name), [0.0, 0.0])
        row[0] += float(r.length_m)
        row[1] += float(r.weight)
    out = [(name, length, weight / total if total > 0 else 0.0)
           for name, (length, weight) in by.items()]
    return sorted(out, key=lambda t: (-t[2], t[0]))


@dataclass
class CoveragePlan:
    """Where to post officers for one site and time window, and what that covers.

    Attributes
    ----------
    problem : CoverageProblem
    window : TimeWindow
    mode : str
        "mclp" (given officers, most coverage) or "lscp" (fewest officers for a target).
    officers : int
        Number of posts placed. With more officers on duty than posts that add coverage, only
        the fewest posts covering as much are placed (a note says so).
    officers_requested : int or None
        The number on duty, asked for (MCLP).
    target_coverage : float or None
        Target share (LSCP).
    selected : numpy.ndarray
        Chosen candidate indices.
    posts : geopandas.GeoDataFrame
        One row per post, WGS84 points: ``post_id`` ("P1", ... by covered demand),
        ``candidate``, ``node``, ``lat``, ``lon``, ``name``, ``window``, ``demand_covered``
        (weight of the segments credited to this post: each covered segment is credited to
        its nearest post, so the column sums to ``covered_weight``), ``covered_pct`` (that as a
        share of the total), ``segments`` (ids of the credited segments), ``segments_in_reach``
        (all segments within the radius), ``locked``, ``source``.
    covered : numpy.ndarray
        Boolean per corridor row (segment or piece, see :class:`CoverageProblem`).
    times_covered : numpy.ndarray
        Posts covering each corridor row.
    covered_weight, total_weight : float
        Demand-weighted length covered, and in all.
    covered_pct : float
        ``100 × covered_weight / total_weight``.
    covered_length_m, total_length_m : float
        Corridor metres covered, and in all.
    method : str
        "exact" or "greedy" (what produced the posts).
    status : str
        Solver status.
    gap_pct : float
        MCLP: distance of the objective from the proven upper bound, % (0 = optimal).
        LSCP: ``100 × (officers − lower_bound) / officers``.
    upper_bound : float
        MCLP: proven upper bound on the objective (weight units).
    upper_bound_pct : float
        ``upper_bound`` as a share of the total weight, %.
    lower_bound : int or None
        LSCP: proven lower bound on the number of officers.
    bound_kind : str
    fallback_reason : str or None
    backup : dict or None
        The backup option used (``factor``, ``top_share``: the share of the demand in the
        busiest rows), ``busiest_segments``, ``busiest_pct_covered_twice``, and
        ``without_backup`` (``covered_pct`` and ``busiest_pct_covered_twice`` of the same
        officers planned without backup): what backup coverage bought, and cost.
    uncovered : pandas.DataFrame
        Stretches of the corridor no post covers, merged by street name and adjacency, sorted
        by demand × length (most demand first): ``name``, ``length_m`` (metres of corridor,
        each undirected segment once), ``demand``, ``weight``, ``segments``, ``lat``, ``lon``.
        :func:`gaps_by_street` sums them by street.
    locked, banned : numpy.ndarray
        Candidate indices.
    banned_places : list of str
    notes : list of str
    solve_seconds : float
    model : MaximalCovering or SetCovering
    """

    problem: CoverageProblem
    window: TimeWindow
    mode: str
    officers: int
    officers_requested: int | None
    target_coverage: float | None
    selected: np.ndarray
    posts: gpd.GeoDataFrame
    covered: np.ndarray
    times_covered: np.ndarray
    covered_weight: float
    total_weight: float
    covered_pct: float
    covered_length_m: float
    total_length_m: float
    method: str
    status: str
    gap_pct: float
    upper_bound: float
    upper_bound_pct: float
    lower_bound: int | None
    bound_kind: str
    fallback_reason: str | None
    backup: dict[str, Any] | None
    uncovered: pd.DataFrame
    locked: np.ndarray
    banned: np.ndarray
    banned_places: list[str]
    notes: list[str]
    solve_seconds: float
    model: Any = field(repr=False, default=None)

    @property
    def hours(self) -> float:
        """Length of the window in hours."""
        return self.window.minutes / 60.0

    @property
    def officer_hours(self) -> float:
        """Officers × window hours."""
        return self.officers * self.hours

    def summary(self) -> str:
        """One line: "dismissal: 4 officers cover 71.3 % (exact, optimal)"."""
        quality = "optimal" if self.gap_pct == 0 else (
            f"gap {self.gap_pct:.2f} %" if math.isfinite(self.gap_pct) else "no bound")
        return (f"{self.window.label()}: {self.officers} officers cover "
                f"{self.covered_pct:.1f} % of the walking demand ({self.method}, {quality})")


def _posts_table(problem: CoverageProblem, selected: np.ndarray, locked: np.ndarray,
                 covered: np.ndarray) -> gpd.GeoDataFrame:
    cands = problem.candidates
    w = problem.weights
    total = float(w.sum())
    n = selected.size
    credit = np.full(problem.n_segments, -1, dtype=np.int64)
    if n and problem.n_segments:
        dist = problem.distance[selected].toarray()
        dist[dist == 0] = np.inf
        best = np.argmin(dist, axis=0)
        reached = np.isfinite(dist[best, np.arange(problem.n_segments)])
        credit[reached] = best[reached]
    ids = problem.segments["segment_id"].to_numpy()
    rows = []
    for j, c in enumerate(selected):
        mine = np.flatnonzero(credit == j)
        reach = problem.covers[[int(c)]].indices
        dw = float(w[mine].sum())
        rows.append({
            "candidate": int(c),
            "node": cands["node"].iloc[c],
            "lat": float(cands["lat"].iloc[c]),
            "lon": float(cands["lon"].iloc[c]),
            "name": str(cands["name"].iloc[c]),
            "window": problem.window.name,
            "demand_covered": dw,
            "covered_pct": 100.0 * dw / total if total > 0 else 0.0,
            "segments": [str(ids[i]) for i in mine],
            "segments_in_reach": int(reach.size),
            "locked": bool(np.isin(c, locked)),
            "source": str(cands["source"].iloc[c]),
        })
    cols = ["post_id", "candidate", "node", "lat", "lon", "name", "window", "demand_covered",
            "covered_pct", "segments", "segments_in_reach", "locked", "source"]
    frame = pd.DataFrame(rows, columns=cols[1:])
    # node ids (None for a point inside a way) stay whole numbers, never floats with NaN
    frame["node"] = pd.Series([r["node"] for r in rows], index=frame.index, dtype=object)
    if len(frame):
        frame = frame.sort_values(["demand_covered", "candidate"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    frame.insert(0, "post_id", [f"P{i + 1}" for i in range(len(frame))])
    return gpd.GeoDataFrame(
        frame, geometry=[Point(a, b) for a, b in zip(frame["lon"], frame["lat"], strict=True)],
        crs="EPSG:4326",
    )


def plan_posts(
    problem: CoverageProblem,
    officers: int | None = None,
    *,
    locked: Iterable[Any] = (),
    banned: Iterable[Any] = (),
    method: Method = "auto",
    backup: bool | Mapping[str, Any] | None = None,
    target_coverage: float | None = None,
    time_limit: float = 60.0,
    snap_m: float = LOCK_SNAP_M,
) -> CoveragePlan:
    """Choose officer posts.

    With ``officers`` (MCLP): the posts covering the most demand-weighted corridor length.
    With ``target_coverage`` (LSCP): the fewest posts covering that share of the total weight.

    A post that adds nothing (every piece it covers is covered by another post, and with
    backup, twice) is not placed: with more officers on duty than that, the plan places the
    fewest posts covering as much, ``officers`` < ``officers_requested``, and a note says how
    many would add nothing. Locked posts are always placed. Coverage never falls when an
    officer is added.

    Parameters
    ----------
    problem : CoverageProblem
        From :func:`coverage_problem`.
    officers : int, optional
        Number of officers (MCLP). Required unless ``target_coverage`` is given.
    locked : iterable
        Posts that must be kept: candidate indices, names ("Grand Avenue & 5th Street"),
        ``(lat, lon)`` or ``{"lat", "lon"}`` (snapped to the nearest candidate within
        ``snap_m``), or ``{"post": name}``.
    banned : iterable
        Places no officer is posted: ``{"lat", "lon", "radius_m"}`` (default radius
        :data:`BAN_RADIUS_M`), ``(lat, lon[, radius_m])``, a WGS84 shapely geometry or
        ``{"geometry": geometry or GeoJSON mapping, "radius_m": buffer}``, or a post name /
        ``{"post": name}``. Candidates inside are never chosen.
    method : {"auto", "exact", "greedy"}
        See :meth:`safepassage.locate.MaximalCovering.solve`; "auto" is exact with CBC with a
        greedy fallback.
    backup : bool or mapping, optional
        Reward covering the busiest segments twice: ``True`` for :data:`BACKUP_DEFAULT` or
        ``{"factor": 0.5, "top_share": 0.2}`` (MCLP only).
    target_coverage : float, optional
        Share in (0, 1] of the total weight to cover with the fewest officers (LSCP).
    time_limit : float
        Seconds the exact solver may spend.
    snap_m : float
        Snap distance for locked points.

    Returns
    -------
    CoveragePlan

    Raises
    ------
    InputError
        For bad officer counts, unknown post names, far-off locked points, a locked post that
        is also banned, or fewer officers than locked posts.
    """
    t0 = time.perf_counter()
    cands = problem.candidates
    lock_idx = np.unique(np.array(
        [problem.find(s, snap_m=snap_m, where=f"locked[{j}]") for j, s in enumerate(locked)],
        dtype=np.intp))
    ban_idx, ban_labels = _banned_candidates(problem, banned)
    both = np.intersect1d(lock_idx, ban_idx)
    if both.size:
        raise InputError(f"locked post {cands['name'].iloc[int(both[0])]!r} lies in a banned "
                         "place; unlock it or change the ban")
    notes = list(problem.notes)
    backup_spec, busy = _backup_spec(problem, backup)
    w = problem.weights
    if target_coverage is not None:
        try:
            target = float(target_coverage)
        except (TypeError, ValueError):
            raise InputError(f"target coverage must be a share between 0 and 1, got "
                             f"{target_coverage!r}") from None
        if not 0 < target <= 1:
            raise InputError(f"target coverage must be a share in (0, 1] (0.9 for 90 %), got "
                             f"{target_coverage!r}")
        if officers is not None:
            notes.append(f"aiming at {100 * target:.0f} % coverage: the officer count "
                         f"({officers}) is not used")
        if backup_spec is not None:
            notes.append("backup coverage is not used when aiming at a target coverage")
            backup_spec, busy = None, np.zeros_like(busy)
        model: Any = SetCovering.from_coverage(
            problem.covers, w, target, locked=lock_idx, banned=ban_idx, basis="total",
            name=f"lscp_{problem.window.name}",
        ).solve(method, time_limit=time_limit)
        mode = "lscp"
        lower = int(model.lower_bound)
        gap_pct = 100.0 * (model.p - lower) / model.p if model.p else 0.0
        upper, upper_pct, bound_kind, requested = math.nan, math.nan, "lscp", None
    else:
        if officers is None:
            raise InputError("give the number of officers, or a target coverage")
        if isinstance(officers, bool) or not isinstance(officers, int | np.integer):
            raise InputError(f"officers must be a whole number ≥ 0, got {officers!r}")
        if officers < 0:
            raise InputError(f"officers must be a whole number ≥ 0, got {officers}")
        if officers < lock_idx.size:
            raise InputError(f"{lock_idx.size} posts are locked but only {officers} officers "
                             f"are on duty in the {problem.window.name} window")
        model = MaximalCovering.from_coverage(
            problem.covers, w, int(officers), locked=lock_idx, banned=ban_idx,
            backup=backup_spec, name=f"mclp_{problem.window.name}",
        ).solve(method, time_limit=time_limit)
        mode, lower, target, requested = "mclp", None, None, int(officers)
        gap_pct = 100.0 * model.gap if math.isfinite(model.gap) else math.nan
        upper = float(model.upper_bound)
        total = float(w.sum())
        upper_pct = 100.0 * min(upper, total) / total if total > 0 else 100.0
        bound_kind = model.bound_kind
    notes.extend(n for n in model.notes if not _FILLER_NOTE.search(n))
    if model.fallback_reason:
        notes.append(f"exact solver unavailable, greedy used: {model.fallback_reason}")
    total = float(w.sum())
    selected, times, dropped, refilled = _useful_posts(problem, np.asarray(model.selected),
                                                       lock_idx, ban_idx, backup_spec)
    method_used, status = str(model.method), str(model.status)
    if refilled:
        status += f"; {refilled} post(s) that added nothing moved where they add coverage"

    def objective(t: np.ndarray) -> float:
        extra = (float(backup_spec["factor"] * backup_spec["weights"][t >= 2].sum())
                 if backup_spec is not None else 0.0)
        return float(w[t >= 1].sum()) + extra

    if mode == "mclp" and selected.size < int(officers):
        # More officers than useful posts: the fewest posts that cover as much.
        goal = objective(times) * (1 - 1e-9)
        while selected.size > lock_idx.size:
            trial = MaximalCovering.from_coverage(
                problem.covers, w, int(selected.size) - 1, locked=lock_idx, banned=ban_idx,
                backup=backup_spec, name=f"mclp_{problem.window.name}_fewer",
            ).solve(method, time_limit=time_limit)
            t_sel, t_times, _, _ = _useful_posts(problem, np.asarray(trial.selected), lock_idx,
                                                 ban_idx, backup_spec)
            if objective(t_times) < goal:
                break
            selected, times = t_sel, t_times
            if trial.method != "exact":
                method_used = str(trial.method)
        status += f"; {selected.size} post(s) are all it takes"
    covered = times >= 1
    covered_weight = float(w[covered].sum())
    covered_pct = 100.0 * covered_weight / total if total > 0 else 100.0
    if mode == "mclp":
        objective_now = objective(times)
        if math.isfinite(upper) and upper > 0:
            gap = max(0.0, (upper - objective_now) / upper)
            gap_pct = 0.0 if gap < 1e-6 else 100.0 * gap
        unused = int(officers) - int(selected.size)
        if unused > 0:
            notes.append(_unused_note(int(selected.size), unused, covered_pct,
                                      backup_spec is not None))
    elif dropped:
        notes.append(f"{dropped} post(s) added nothing to the others and were dropped")
        gap_pct = 100.0 * (selected.size - lower) / selected.size if selected.size else 0.0
    length = problem.segments["length_m"].to_numpy(dtype=float)
    backup_info = None
    if backup_spec is not None:
        bw = backup_spec["weights"]

        def twice_pct(t: np.ndarray) -> float:
            return round(100.0 * float(bw[t >= 2].sum()) / float(bw.sum()), 2) \
                if bw.sum() > 0 else 0.0

        plain = MaximalCovering.from_coverage(
            problem.covers, w, int(officers), locked=lock_idx, banned=ban_idx,
            name=f"mclp_{problem.window.name}_no_backup",
        ).solve(method, time_limit=time_limit)
        _, plain_times, _, _ = _useful_posts(problem, np.asarray(plain.selected), lock_idx,
                                             ban_idx, None)
        plain_w = float(w[plain_times >= 1].sum())
        backup_info = {
            "factor": float(backup_spec["factor"]),
            "top_share": float((bw.sum() / total) if total else 0.0),
            "busiest_segments": int(busy.sum()),
            "busiest_pct_covered_twice": twice_pct(times),
            "without_backup": {
                "covered_pct": round(100.0 * plain_w / total, 2) if total > 0 else 100.0,
                "busiest_pct_covered_twice": twice_pct(plain_times),
            },
        }
    return CoveragePlan(
        problem=problem,
        window=problem.window,
        mode=mode,
        officers=int(selected.size),
        officers_requested=requested,
        target_coverage=target,
        selected=selected,
        posts=_posts_table(problem, selected, lock_idx, covered),
        covered=covered,
        times_covered=times,
        covered_weight=covered_weight,
        total_weight=total,
        covered_pct=covered_pct,
        covered_length_m=float(length[covered].sum()),
        total_length_m=float(length.sum()),
        method=method_used,
        status=status,
        gap_pct=float(gap_pct),
        upper_bound=upper,
        upper_bound_pct=upper_pct,
        lower_bound=lower,
        bound_kind=bound_kind,
        fallback_reason=model.fallback_reason,
        backup=backup_info,
        uncovered=_stretches(problem, ~covered),
        locked=lock_idx,
        banned=ban_idx,
        banned_places=ban_labels,
        notes=notes,
        solve_seconds=time.perf_counter() - t0,
        model=model,
    )


#: The solver's notes about posts it placed only to use up the budget (they are not placed).
_FILLER_NOTE = re.compile(r"add no coverage|allowed candidates; clipped")


def _unused_note(placed: int, unused: int, covered_pct: float, backup: bool) -> str:
    """"8 officers already cover 100 % ...; the other 192 would add nothing and are not placed"."""
    who = f"{placed} officer{'s' if placed != 1 else ''}"
    verb = "cover" if placed != 1 else "covers"
    rest = (f"the other {unused} would add nothing and are not placed" if unused > 1 else
            "the other one would add nothing and is not placed")
    if placed == 0:
        return f"there is no walking demand any post can reach: no officer is placed ({unused} " \
               "on duty)"
    if covered_pct >= 99.995:
        what = f"already {verb} 100 % of the walking demand"
    else:
        what = (f"already {verb} all the walking demand the allowed posts can reach "
                f"({covered_pct:.1f} %)")
    if backup:
        what += " and all the backup coverage they can add"
    return f"{who} {what}; {rest}"


def _useful_posts(
    problem: CoverageProblem,
    selected: np.ndarray,
    locked: np.ndarray,
    banned: np.ndarray,
    backup_spec: Mapping[str, Any] | None,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Drop posts that add nothing; place them where they add coverage, if anywhere.

    A post adds nothing when every corridor piece it covers is covered by another post (and,
    with backup, every busy piece by two others). Locked posts always stay. An officer freed
    this way goes to the allowed candidate that adds the most, while one adds anything (only
    a heuristic solution leaves such a place). The covered weight never falls.

    Returns
    -------
    selected : numpy.ndarray
        Sorted candidate indices kept.
    times : numpy.ndarray
        Posts covering each corridor piece.
    dropped, moved : int
        Posts dropped in all, and of those, how many were placed elsewhere.
    """
    covers = problem.covers
    w = problem.weights
    bw = backup_spec["weights"] if backup_spec is not None else np.zeros_like(w)
    factor = float(backup_spec["factor"]) if backup_spec is not None else 0.0
    tol = 1e-9 * max(float(w.sum()), 1e-12)
    chosen = [int(c) for c in np.unique(selected)]
    is_locked = set(int(c) for c in locked)
    allowed = np.ones(problem.n_candidates, dtype=bool)
    allowed[np.asarray(banned, dtype=np.intp)] = False
    times = (np.asarray(covers[chosen].sum(axis=0)).ravel().astype(np.int64) if chosen
             else np.zeros(problem.n_segments, dtype=np.int64))
    dropped = moved = 0
    while True:
        # drop, one at a time, the free post with the least reach among those adding nothing
        while chosen:
            rows = covers[chosen].astype(np.float64)
            adds = rows @ np.where(times == 1, w, 0.0) + factor * (
                rows @ np.where(times == 2, bw, 0.0))
            reach = rows @ w
            useless = [k for k, c in enumerate(chosen) if c not in is_locked and adds[k] <= tol]
            if not useless:
                break
            k = min(useless, key=lambda k: (reach[k], -chosen[k]))
            times -= np.asarray(covers[[chosen[k]]].todense()).ravel().astype(np.int64)
            del chosen[k]
            dropped += 1
        if dropped <= moved:
            break
        # place a freed officer where it adds the most, if it adds anything
        gain = covers.astype(np.float64) @ (np.where(times == 0, w, 0.0)
                                            + factor * np.where(times == 1, bw, 0.0))
        gain[~allowed] = -1.0
        gain[chosen] = -1.0
        best = int(np.argmax(gain)) if gain.size else -1
        if best < 0 or gain[best] <= tol:
            break
        chosen.append(best)
        times += np.asarray(covers[[best]].todense()).ravel().astype(np.int64)
        moved += 1
    return np.array(sorted(chosen), dtype=np.intp), times, dropped, moved


# ---------------------------------------------------------------------------------------------
# 4. Shifts and the shared pool


@dataclass
class ShiftPlan:
    """Posts per time window, and the officer-hours they take.

    Attributes
    ----------
    plans : dict of str to CoveragePlan
        One per window, in order.
    windows : list of TimeWindow
    table : pandas.DataFrame
        One row per window: ``window``, ``start``, ``end``, ``hours``, ``officers`` (placed),
        ``officers_requested`` (asked for; None for a target coverage), ``posts`` (names, by
        covered demand), ``officer_hours``, ``covered_pct``, ``method``, ``gap_pct``.
    officer_hours : float
        Total over the windows.
    covered_weight, total_weight : float
        Summed over the windows.
    covered_pct : float
        ``100 × covered_weight / total_weight`` over all windows.
    radius_m : float
    profile : str
        The profile name(s) used.
    profiles : dict of str to str
        Profile name per window.
    route_plans : dict of str to RoutePlan
    timing : dict of str to float
        Seconds per step.
    notes : list of str
    weights : dict
        The weight table used (kind -> window -> weight).
    """

    plans: dict[str, CoveragePlan]
    windows: list[TimeWindow]
    table: pd.DataFrame
    officer_hours: float
    covered_weight: float
    total_weight: float
    covered_pct: float
    radius_m: float
    profile: str
    profiles: dict[str, str] = field(default_factory=dict)
    route_plans: dict[str, RoutePlan] = field(repr=False, default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    weights: dict[str, dict[str, float]] = field(default_factory=weight_table)


def _officers_for(officers: int | Mapping[str, int] | None, window: str) -> int | None:
    if officers is None or isinstance(officers, int | np.integer):
        return None if officers is None else int(officers)
    if window in officers:
        return int(officers[window])
    raise InputError(f"no officer count for the {window} window (officers gives "
                     f"{', '.join(map(str, officers)) or 'none'})")


def _shift_table(plans: Mapping[str, CoveragePlan]) -> pd.DataFrame:
    rows = []
    for name, cp in plans.items():
        tw = cp.window
        rows.append({
            "window": name, "start": tw.to_dict()["start"], "end": tw.to_dict()["end"],
            "hours": round(cp.hours, 2), "officers": cp.officers,
            "officers_requested": cp.officers_requested,
            "posts": list(cp.posts["name"]), "officer_hours": round(cp.officer_hours, 2),
            "covered_pct": round(cp.covered_pct, 2), "method": cp.method,
            "gap_pct": round(cp.gap_pct, 2) if math.isfinite(cp.gap_pct) else None,
        })
    return pd.DataFrame(rows, columns=["window", "start", "end", "hours", "officers",
                                       "officers_requested", "posts", "officer_hours",
                                       "covered_pct", "method", "gap_pct"])


def _profile_for(profile: Profile | str | Path | None, window: TimeWindow) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if profile is None and window.name != "all-day" and window.dark_fraction >= 0.5:
        return load_profile("night")
    return load_profile(profile)


def plan_shifts(
    G: nx.MultiDiGraph,
    origin_nodes: Sequence[Any],
    destinations: pd.DataFrame,
    officers: int | Mapping[str, int] | None,
    *,
    windows: Sequence[str | TimeWindow] | None = None,
    profile: Profile | str | Path | None = None,
    radius_m: float | None = None,
    weights: Mapping[str, float | Mapping[str, float]] | None = None,
    locked: Sequence[Any] = (),
    banned: Sequence[Any] = (),
    extra_posts: Sequence[Mapping[str, Any]] = (),
    method: Method = "auto",
    backup: bool | Mapping[str, Any] | None = None,
    target_coverage: float | None = None,
    max_detour_pct: float | None = None,
    zones: RiskZones | None = None,
    incidents: pd.DataFrame | None = None,
    time_limit: float = 60.0,
    near_m: float = NEAR_CORRIDOR_M,
) -> ShiftPlan:
    """Posts and officer-hours for each time window.

    For every window the edge risk and the routes are recomputed (lighting and incident
    factors depend on the window), then the corridor demand with that window's weights, then
    the posts with that window's officers.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network.
    origin_nodes : sequence
        Where routes start (the site's node, or several entrances).
    destinations : pandas.DataFrame
        Snapped destinations (``Area.destinations``).
    officers : int or mapping of str to int or None
        Officers on duty: the same in every window, or per window name. ``None`` only with
        ``target_coverage``.
    windows : sequence of str or TimeWindow, optional
        Default: the keys of ``officers`` when it is a mapping, else :data:`SHIFT_WINDOWS`.
    profile : Profile or str or Path, optional
        Safety profile. Default: "night" for a window mostly in darkness (the evening),
        "default" otherwise (as ``safepassage routes`` does).
    radius_m, weights, extra_posts, near_m
        See :func:`coverage_problem`.
    locked, banned, method, backup, target_coverage, time_limit
        See :func:`plan_posts`. Locked points are added as candidates where they are, so they
        are kept exactly.
    max_detour_pct : float, optional
        Detour cap of the safest route (default: the profile's).
    zones, incidents
        See :func:`safepassage.safety.edge_risk`.

    Returns
    -------
    ShiftPlan
    """
    if windows is None:
        windows = list(officers) if isinstance(officers, Mapping) else list(SHIFT_WINDOWS)
    tws = [w if isinstance(w, TimeWindow) else parse_window(w) for w in windows]
    if not tws:
        raise InputError("no time windows given")
    names = [tw.name for tw in tws]
    if len(set(names)) != len(names):
        raise InputError(f"time windows repeat: {', '.join(names)}")
    if isinstance(officers, Mapping):
        unknown = [k for k in officers if k not in names]
        if unknown:
            raise InputError(f"officers are given for window(s) not planned: "
                             f"{', '.join(unknown)} (windows: {', '.join(names)})")
    # bad planner points are errors before the slow work
    net = _network(G)
    _added_points(G, net, extra_posts, "extra_posts", settings.max_snap_m)
    lock_items = _locked_points(locked)
    _added_points(G, net, [p for _, p in lock_items], "locked", settings.max_snap_m,
                  [j for j, _ in lock_items])
    timing: dict[str, float] = {}
    plans: dict[str, CoveragePlan] = {}
    route_plans: dict[str, RoutePlan] = {}
    profiles: dict[str, str] = {}
    for tw in tws:
        p = _officers_for(officers, tw.name)
        if p is None and target_coverage is None:
            raise InputError("give the number of officers, or a target coverage")
        t0 = time.perf_counter()
        prof = _profile_for(profile, tw)
        profiles[tw.name] = prof.name
        risk = edge_risk(G, prof, tw, zones=zones, incidents=incidents)
        rp = safe_routes(G, risk, list(origin_nodes), destinations,
                         max_detour_pct=max_detour_pct)
        t1 = time.perf_counter()
        problem = coverage_problem(G, rp, tw, radius_m=radius_m, weights=weights,
                                   extra_posts=extra_posts, locked=locked, near_m=near_m)
        t2 = time.perf_counter()
        cp = plan_posts(problem, p, locked=locked, banned=banned, method=method,
                        backup=backup, target_coverage=target_coverage, time_limit=time_limit,
                        snap_m=max(LOCK_SNAP_M, settings.max_snap_m))
        t3 = time.perf_counter()
        timing[f"{tw.name}: routes"] = round(t1 - t0, 3)
        timing[f"{tw.name}: corridor and coverage matrix"] = round(t2 - t1, 3)
        timing[f"{tw.name}: optimise"] = round(t3 - t2, 3)
        plans[tw.name] = cp
        route_plans[tw.name] = rp
    covered = sum(cp.covered_weight for cp in plans.values())
    total = sum(cp.total_weight for cp in plans.values())
    first = next(iter(plans.values()))
    return ShiftPlan(
        plans=plans,
        windows=tws,
        table=_shift_table(plans),
        officer_hours=float(sum(cp.officer_hours for cp in plans.values())),
        covered_weight=float(covered),
        total_weight=float(total),
        covered_pct=100.0 * covered / total if total > 0 else 100.0,
        radius_m=first.problem.radius_m,
        profile=", ".join(dict.fromkeys(profiles.values())),
        profiles=profiles,
        route_plans=route_plans,
        timing=timing,
        weights=weight_table(weights),
    )


@dataclass
class PoolPlan:
    """A shared pool of officers split between sites (CERT style).

    Attributes
    ----------
    officers : dict of str to int
        Officers per site (summing to at most the pool).
    pool : int
        Size of the pool.
    curves : dict of str to numpy.ndarray
        Covered weight per site for 0..pool officers.
    plans : dict of str to CoveragePlan
        Each site's posts with its share.
    covered_weight, total_weight : float
        Summed over the sites.
    covered_pct : float
    """

    officers: dict[str, int]
    pool: int
    curves: dict[str, np.ndarray]
    plans: dict[str, CoveragePlan]
    covered_weight: float
    total_weight: float
    covered_pct: float

    def table(self) -> pd.DataFrame:
        """One row per site: officers, covered %, covered and total weight."""
        return pd.DataFrame([
            {"site": k, "officers": self.officers[k],
             "covered_pct": round(cp.covered_pct, 2), "covered_weight": cp.covered_weight,
             "total_weight": cp.total_weight}
            for k, cp in self.plans.items()
        ])


def allocate_officers(
    sites: Mapping[str, CoverageProblem] | Sequence[tuple[str, CoverageProblem]],
    n_officers: int,
    *,
    method: Method = "auto",
    minimum: Mapping[str, int] | None = None,
    time_limit: float = 60.0,
) -> PoolPlan:
    """Split a pool of officers between sites to cover the most demand in total.

    Each site's coverage curve (covered weight for 0..N officers,
    :func:`safepassage.locate.coverage_curve`) feeds an exact dynamic programme
    (:func:`safepassage.locate.allocate_pool`); then each site is planned with its share.
    Weights are comparable between sites when they use the same weight table.

    Parameters
    ----------
    sites : mapping or sequence of (name, CoverageProblem)
        The sites.
    n_officers : int
        Size of the pool.
    method : {"auto", "exact", "greedy"}
        How each curve point and each site's final plan are solved.
    minimum : mapping of str to int, optional
        Officers a site must get at least.
    time_limit : float
        Exact-solver time limit per solve.

    Returns
    -------
    PoolPlan
    """
    items = list(sites.items()) if isinstance(sites, Mapping) else list(sites)
    names = [k for k, _ in items]
    if len(set(names)) != len(names):
        raise InputError(f"site names repeat: {', '.join(names)}")
    if isinstance(n_officers, bool) or not isinstance(n_officers, int | np.integer) \
            or n_officers < 0:
        raise InputError(f"the pool must be a whole number of officers ≥ 0, got {n_officers!r}")
    curves = {
        k: coverage_curve(prob.covers, prob.weights, int(n_officers), method=method,
                          time_limit=time_limit)
        for k, prob in items
    }
    split = allocate_pool(curves, int(n_officers), minimum=minimum)
    plans = {k: plan_posts(prob, split[k], method=method, time_limit=time_limit)
             for k, prob in items}
    covered = sum(cp.covered_weight for cp in plans.values())
    total = sum(cp.total_weight for cp in plans.values())
    return PoolPlan(officers=split, pool=int(n_officers), curves=curves, plans=plans,
                    covered_weight=float(covered), total_weight=float(total),
                    covered_pct=100.0 * covered / total if total > 0 else 100.0)


# ---------------------------------------------------------------------------------------------
# 5. Output


def _r(value: float, nd: int = 2) -> float | None:
    return round(float(value), nd) if math.isfinite(float(value)) else None


def _plan_dict(cp: CoveragePlan) -> dict[str, Any]:
    return {
        "window": cp.window.to_dict(),
        "hours": round(cp.hours, 2),
        "mode": cp.mode,
        "officers": cp.officers,
        "officers_requested": cp.officers_requested,
        "target_coverage": cp.target_coverage,
        "officer_hours": round(cp.officer_hours, 2),
        "covered_pct": round(cp.covered_pct, 2),
        "covered_weight": round(cp.covered_weight, 1),
        "total_weight": round(cp.total_weight, 1),
        "covered_length_m": round(cp.covered_length_m, 1),
        "corridor_length_m": round(cp.total_length_m, 1),
        "method": cp.method,
        "status": cp.status,
        "gap_pct": _r(cp.gap_pct),
        "upper_bound": _r(cp.upper_bound, 1),
        "upper_bound_pct": _r(cp.upper_bound_pct),
        "lower_bound": cp.lower_bound,
        "bound_kind": cp.bound_kind,
        "fallback_reason": cp.fallback_reason,
        "backup": cp.backup,
        "candidates": cp.problem.n_candidates,
        "corridor_segments": cp.problem.n_segments,
        "locked": [str(cp.problem.candidates["name"].iloc[i]) for i in cp.locked],
        "banned_places": cp.banned_places,
        "banned_candidates": int(cp.banned.size),
        "posts": [
            {"id": r.post_id, "name": r.name, "lat": r.lat, "lon": r.lon,
             "node": _jsonable(r.node), "window": r.window,
             "demand_covered": round(float(r.demand_covered), 1),
             "covered_pct": round(float(r.covered_pct), 2), "locked": bool(r.locked),
             "source": r.source, "segments": list(r.segments)}
            for r in cp.posts.itertuples()
        ],
        "uncovered": [
            {"name": r.name, "length_m": round(float(r.length_m), 1), "demand": float(r.demand),
             "weight": round(float(r.weight), 1), "lat": float(r.lat), "lon": float(r.lon),
             "segments": list(r.segments)}
            for r in cp.uncovered.itertuples()
        ],
        "uncovered_by_street": [
            {"name": name, "length_m": round(length, 1), "demand_share": round(share, 4)}
            for name, length, share in gaps_by_street(cp)
        ],
        "notes": cp.notes,
        "solve_seconds": round(cp.solve_seconds, 3),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def coverage_json(
    shifts: ShiftPlan,
    *,
    site: Any = None,
    source: str | None = None,
    timing: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The content of ``coverage.json``.

    Top-level figures sum over the windows (``officers`` is the largest number on duty at
    once, ``officer_hours`` the total); ``shifts`` holds each window's full result: posts,
    covered %, method, gap to the bound, the bound, and the uncovered stretches by street.

    Parameters
    ----------
    shifts : ShiftPlan
        The result of :func:`plan_shifts`.
    site : Site, optional
        Written as ``site`` (``to_dict()`` when it has one).
    source : str, optional
        Description of the data source.
    timing : mapping, optional
        Extra timings (seconds), merged with the shift plan's own.

    Returns
    -------
    dict
    """
    plans = list(shifts.plans.values())
    site_d = site.to_dict() if hasattr(site, "to_dict") else site
    methods = sorted({cp.method for cp in plans})
    gaps = [cp.gap_pct for cp in plans if math.isfinite(cp.gap_pct)]
    uncovered = [
        {"window": cp.window.name, **u} for cp in plans for u in _plan_dict(cp)["uncovered"]
    ]
    return {
        "format": "safepassage-coverage/1",
        "site": site_d,
        "source": source,
        "profile": shifts.profile,
        "profiles": shifts.profiles,
        "windows": [tw.name for tw in shifts.windows],
        "mode": plans[0].mode,
        "officers": max(cp.officers for cp in plans),
        "officers_by_window": {cp.window.name: cp.officers for cp in plans},
        "officers_requested_by_window": {cp.window.name: cp.officers_requested for cp in plans},
        "officer_hours": round(shifts.officer_hours, 2),
        "radius_m": shifts.radius_m,
        "covered_pct": round(shifts.covered_pct, 2),
        "method": methods[0] if len(methods) == 1 else "mixed",
        "gap_pct": round(max(gaps), 2) if gaps else None,
        "upper_bound": _r(sum(cp.upper_bound for cp in plans), 1),
        "upper_bound_pct": _r(100.0 * sum(min(cp.upper_bound, cp.total_weight) for cp in plans)
                              / shifts.total_weight if shifts.total_weight > 0 else 100.0),
        "covered_weight": round(shifts.covered_weight, 1),
        "total_weight": round(shifts.total_weight, 1),
        "weights": {k: dict(row) for k, row in shifts.weights.items()},
        "uncovered": uncovered,
        "posts": [p for cp in plans for p in _plan_dict(cp)["posts"]],
        "shift_table": json.loads(shifts.table.to_json(orient="records")),
        "shifts": {cp.window.name: _plan_dict(cp) for cp in plans},
        "notes": shifts.notes,
        "timing": {**shifts.timing, **dict(timing or {})},
    }


def posts_geojson(shifts: ShiftPlan) -> dict[str, Any]:
    """``posts.geojson``: one WGS84 point per post and window.

    Properties: ``id`` ("P1", or "dismissal/P1" with several windows), ``name``, ``window``,
    ``demand_covered``, ``covered_pct`` (share of the window's total demand this post is
    credited with), ``locked``, ``lat``, ``lon``, ``hours`` (the window's length).
    """
    multi = len(shifts.plans) > 1
    feats = []
    for name, cp in shifts.plans.items():
        for r in cp.posts.itertuples():
            pid = f"{name}/{r.post_id}" if multi else str(r.post_id)
            feats.append({
                "type": "Feature",
                "id": pid,
                "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
                "properties": {
                    "id": pid, "name": r.name, "window": name,
                    "demand_covered": round(float(r.demand_covered), 1),
                    "covered_pct": round(float(r.covered_pct), 2), "locked": bool(r.locked),
                    "lat": float(r.lat), "lon": float(r.lon), "hours": round(cp.hours, 2),
                },
            })
    return {"type": "FeatureCollection", "features": feats}


def write_coverage(
    folder: str | Path,
    shifts: ShiftPlan,
    *,
    site: Any = None,
    source: str | None = None,
    timing: Mapping[str, float] | None = None,
) -> list[Path]:
    """Write ``posts.geojson`` and ``coverage.json`` into ``folder``.

    Everything is serialised before anything is written. A new folder appears whole (built
    in a temporary sibling and renamed); in an existing folder (``maps/<site>/`` also holds
    other commands' output) each file is replaced atomically and nothing else is touched.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    files = {
        "posts.geojson": json.dumps(posts_geojson(shifts), indent=2, ensure_ascii=False),
        "coverage.json": json.dumps(coverage_json(shifts, site=site, source=source,
                                                  timing=timing),
                                    indent=2, ensure_ascii=False, default=_json_default),
    }
    data = {k: (v + "\n").encode("utf-8") for k, v in files.items()}
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {folder} exists and is not a folder")
    if not folder.exists():
        with atomic_dir(folder) as tmp:
            for name, blob in data.items():
                atomic_write_bytes(tmp / name, blob)
    else:
        for name, blob in data.items():
            atomic_write_bytes(folder / name, blob)
    return [folder / k for k in data]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def summary_text(shifts: ShiftPlan, *, top: int = 5) -> str:
    """The printed summary: per window, officers, covered %, method, gap, posts and gaps.

    Every note of every window's plan (and the shift plan's own notes) is printed; with
    backup coverage, a line says what it bought.
    """
    lines = []
    for cp in shifts.plans.values():
        gap = ("optimal" if cp.gap_pct == 0 else
               f"gap to bound {cp.gap_pct:.2f} %" if math.isfinite(cp.gap_pct) else "no bound")
        if cp.mode == "lscp":
            gap = (f"lower bound {cp.lower_bound} officers" if cp.lower_bound != cp.officers
                   else "fewest possible")
        asked = (f" (of {cp.officers_requested} on duty)" if cp.officers_requested is not None
                 and cp.officers_requested != cp.officers else "")
        head = (f"{cp.window.label()}: {cp.officers} officers{asked} cover "
                f"{cp.covered_pct:.1f} % of the walking demand on "
                f"{cp.total_length_m / 1000:.1f} km of Safe Passage corridor (radius "
                f"{cp.problem.radius_m:,.0f} m; {cp.method}, {gap}; "
                f"{cp.officer_hours:g} officer-hours)")
        if cp.mode == "lscp" and cp.target_coverage is not None:
            head += f" — target {100 * cp.target_coverage:.0f} %"
        lines.append(head)
        for r in cp.posts.itertuples():
            lock = "  [locked]" if r.locked else ""
            lines.append(f"  {r.post_id:>3}  {r.name}  — {r.covered_pct:.1f} % of the demand "
                         f"({r.lat:.5f}, {r.lon:.5f}){lock}")
        if cp.backup is not None:
            b = cp.backup
            line = (f"  backup: the busiest {100 * b['top_share']:.0f} % of the demand is "
                    f"covered twice on {b['busiest_pct_covered_twice']:.0f} % of it")
            plain = b.get("without_backup")
            if plain:
                line += (f" ({plain['busiest_pct_covered_twice']:.0f} % without backup); "
                         f"overall coverage {cp.covered_pct:.1f} % "
                         f"({plain['covered_pct']:.1f} % without backup)")
            lines.append(line)
        if len(cp.uncovered):
            lines.append("  uncovered stretches (most demand first):")
            for r in cp.uncovered.head(top).itertuples():
                lines.append(f"    {r.name}: {r.length_m:,.0f} m")
            if len(cp.uncovered) > top:
                rest = cp.uncovered.iloc[top:]
                lines.append(f"    … and {len(rest)} more ({rest['length_m'].sum():,.0f} m)")
        for note in cp.notes:
            lines.append(f"  note: {note}")
    if len(shifts.plans) > 1:
        lines.append(f"all windows: {shifts.covered_pct:.1f} % of the demand covered, "
                     f"{shifts.officer_hours:g} officer-hours")
    for note in shifts.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Comparing two plans


def read_coverage_json(path_or_obj: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read a ``coverage.json`` (a file, or a folder holding one), or pass a dict through.

    Raises
    ------
    InputError
        When the file is missing or is not a coverage.json.
    """
    if isinstance(path_or_obj, Mapping):
        return dict(path_or_obj)
    path = Path(path_or_obj)
    if path.is_dir():
        path = path / "coverage.json"
    if not path.exists():
        raise InputError(f"no coverage.json at {path}")
    data = load_json(read_input_bytes(path, "coverage.json"), str(path),
                     problem="not a coverage.json")  # size and nesting bounded
    shifts = data.get("shifts") if isinstance(data, dict) else None
    if not (isinstance(shifts, list) and all(isinstance(x, dict) for x in shifts)) or (
            "covered_pct" not in data):
        raise InputError(f"{path}: not a coverage.json written by 'safepassage coverage'")
    data.setdefault("_path", str(path))
    return data


def _shift_figures(shift: Mapping[str, Any]) -> dict[str, Any]:
    return {"covered_pct": shift.get("covered_pct"), "officers": shift.get("officers"),
            "officer_hours": shift.get("officer_hours"),
            "covered_weight": shift.get("covered_weight"),
            "total_weight": shift.get("total_weight")}


def _pooled_pct(shifts: Sequence[Mapping[str, Any]]) -> float | None:
    """Covered % over several windows: covered demand over total demand."""
    covered = [s.get("covered_weight") for s in shifts]
    total = [s.get("total_weight") for s in shifts]
    if shifts and all(isinstance(v, int | float) for v in [*covered, *total]):
        t = float(sum(total))
        return round(100.0 * float(sum(covered)) / t, 2) if t > 0 else 100.0
    pcts = [s.get("covered_pct") for s in shifts]
    if shifts and all(isinstance(v, int | float) for v in pcts):
        return round(sum(pcts) / len(pcts), 2)
    return None


def compare_plans(
    a_coverage_json: str | Path | Mapping[str, Any],
    b_coverage_json: str | Path | Mapping[str, Any],
    *,
    same_m: float = 15.0,
    moved_m: float | None = None,
) -> dict[str, Any]:
    """What changed from plan A to plan B, window by window.

    Only the time windows both plans cover are compared: their coverage, officers, posts and
    gaps. A window only one plan has is listed under ``only_in_a`` / ``only_in_b`` with its
    own figures; its posts are not "removed" or "added" and its gaps not "closed" or "opened".
    The overall figures (``covered_pct``, ``officers``, ``officer_hours``) are over the shared
    windows only (None when there are none).

    Posts within ``same_m`` of each other (same window) are the same post. Of the rest, posts
    of A and B paired nearest-first within ``moved_m`` (default: the post radius) have moved;
    the others were removed (A only) or added (B only). Gaps compare the uncovered length per
    street name and window: a street with more uncovered length in B is a gap that opened, one
    with less a gap that closed.

    Parameters
    ----------
    a_coverage_json, b_coverage_json : str, Path or mapping
        ``coverage.json`` files, folders holding one, or their parsed content.
    same_m, moved_m : float
        Matching distances in metres.

    Returns
    -------
    dict
        ``windows`` (the shared windows, in A's order), ``only_in_a`` and ``only_in_b``
        (``{window: {covered_pct, officers, officer_hours}}``), ``covered_pct`` ({"a", "b",
        "change_pp"}: covered demand over total demand in the shared windows), ``officers``
        ({"a", "b", "change"}: the most on duty at once in the shared windows),
        ``officer_hours`` ({"a", "b", "change"}), ``by_window`` (per shared window:
        ``covered_pct``, ``officers``, ``officer_hours``, each {"a", "b", change}),
        ``posts_added``, ``posts_removed``, ``posts_moved`` (``from``, ``to``,
        ``distance_m``), ``posts_kept``, ``gaps_opened`` and ``gaps_closed`` (``window``,
        ``name``, ``length_m`` change, ``a_m``, ``b_m``), all for shared windows only.
    """
    a, b = read_coverage_json(a_coverage_json), read_coverage_json(b_coverage_json)
    radius = moved_m if moved_m is not None else float(b.get("radius_m") or 250.0)
    shared = [w for w in a["shifts"] if w in b["shifts"]]
    only_a = {w: _shift_figures(s) for w, s in a["shifts"].items() if w not in b["shifts"]}
    only_b = {w: _shift_figures(s) for w, s in b["shifts"].items() if w not in a["shifts"]}
    for only in (only_a, only_b):
        for fig in only.values():
            del fig["covered_weight"], fig["total_weight"]

    def change(x: Any, y: Any, nd: int | None = 2) -> Any:
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            return None
        return round(y - x, nd) if nd is not None else y - x

    by_window = {}
    for w in shared:
        sa, sb = a["shifts"][w], b["shifts"][w]
        by_window[w] = {
            "covered_pct": {"a": sa["covered_pct"], "b": sb["covered_pct"],
                            "change_pp": change(sa["covered_pct"], sb["covered_pct"])},
            "officers": {"a": sa["officers"], "b": sb["officers"],
                         "change": change(sa["officers"], sb["officers"], None)},
            "officer_hours": {"a": sa.get("officer_hours"), "b": sb.get("officer_hours"),
                              "change": change(sa.get("officer_hours"),
                                               sb.get("officer_hours"))},
        }
    pa_ = _pooled_pct([a["shifts"][w] for w in shared])
    pb_ = _pooled_pct([b["shifts"][w] for w in shared])
    oa = max((a["shifts"][w]["officers"] for w in shared), default=None)
    ob = max((b["shifts"][w]["officers"] for w in shared), default=None)
    ha = round(sum(float(a["shifts"][w].get("officer_hours") or 0) for w in shared), 2) \
        if shared else None
    hb = round(sum(float(b["shifts"][w].get("officer_hours") or 0) for w in shared), 2) \
        if shared else None

    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for w in shared:
        pa = [p for p in a["posts"] if p["window"] == w]
        pb = [p for p in b["posts"] if p["window"] == w]
        pairs = sorted((haversine_m(x["lat"], x["lon"], y["lat"], y["lon"]), i, j)
                       for i, x in enumerate(pa)
                       for j, y in enumerate(pb))
        used_a: set[int] = set()
        used_b: set[int] = set()
        for d, i, j in pairs:
            if i in used_a or j in used_b or d > same_m:
                continue
            used_a.add(i)
            used_b.add(j)
            kept.append({"window": w, "name": pb[j]["name"]})
        for d, i, j in pairs:
            if i in used_a or j in used_b or d > radius:
                continue
            used_a.add(i)
            used_b.add(j)
            moved.append({"window": w, "from": pa[i]["name"], "to": pb[j]["name"],
                          "distance_m": round(d, 1)})
        removed += [{"window": w, "name": p["name"], "lat": p["lat"], "lon": p["lon"]}
                    for i, p in enumerate(pa) if i not in used_a]
        added += [{"window": w, "name": p["name"], "lat": p["lat"], "lon": p["lon"]}
                  for j, p in enumerate(pb) if j not in used_b]

    def gaps(doc: Mapping[str, Any]) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = {}
        for u in doc.get("uncovered", []):
            if str(u["window"]) not in shared:
                continue
            key = (str(u["window"]), str(u["name"]))
            out[key] = out.get(key, 0.0) + float(u["length_m"])
        return out

    ga, gb = gaps(a), gaps(b)
    opened, closed = [], []
    order = {w: i for i, w in enumerate(shared)}
    for key in sorted(set(ga) | set(gb), key=lambda k: (order[k[0]], k[1])):
        la, lb = ga.get(key, 0.0), gb.get(key, 0.0)
        row = {"window": key[0], "name": key[1], "length_m": round(lb - la, 1),
               "a_m": round(la, 1), "b_m": round(lb, 1)}
        if lb - la > 0.5:
            opened.append(row)
        elif la - lb > 0.5:
            closed.append(row)
    opened.sort(key=lambda r: -r["length_m"])
    closed.sort(key=lambda r: r["length_m"])
    return {
        "a": a.get("_path"), "b": b.get("_path"),
        "windows": shared,
        "only_in_a": only_a,
        "only_in_b": only_b,
        "covered_pct": {"a": pa_, "b": pb_, "change_pp": change(pa_, pb_)},
        "officers": {"a": oa, "b": ob, "change": change(oa, ob, None)},
        "officer_hours": {"a": ha, "b": hb, "change": change(ha, hb)},
        "by_window": by_window,
        "posts_added": added,
        "posts_removed": removed,
        "posts_moved": moved,
        "posts_kept": kept,
        "gaps_opened": opened,
        "gaps_closed": closed,
    }


def _only_text(which: str, only: Mapping[str, Mapping[str, Any]]) -> str:
    parts = []
    for w, f in only.items():
        pct = f.get("covered_pct")
        parts.append(f"{w} ({f.get('officers')} officers, "
                     f"{pct:.1f} % covered)" if isinstance(pct, int | float) else w)
    return f"only in {which}: {'; '.join(parts)} — not compared"


def format_comparison(diff: Mapping[str, Any], *, top: int = 10) -> str:
    """The printed form of :func:`compare_plans`.

    A headline over the shared windows, one per shared window when there are several, the
    windows only one plan has, then posts and gaps.
    """
    lines = []
    shared = list(diff.get("windows") or diff["by_window"])
    c, o = diff["covered_pct"], diff["officers"]
    if not shared:
        lines.append("no time window in common: nothing to compare")
    else:
        where = (f"in {shared[0]}" if len(shared) == 1 else
                 f"over {', '.join(shared)}")
        if diff.get("only_in_a") or diff.get("only_in_b"):
            where += (", the only window both plans cover" if len(shared) == 1 else
                      ", the windows both plans cover")
        lines.append(f"coverage: {c['a']:.1f} % -> {c['b']:.1f} % ({c['change_pp']:+.1f} "
                     f"points) {where}; officers: {o['a']} -> {o['b']} ({o['change']:+d})")
        if len(shared) > 1:
            for w in shared:
                d = diff["by_window"][w]
                cw, ow = d["covered_pct"], d["officers"]
                lines.append(f"  {w}: {cw['a']:.1f} % -> {cw['b']:.1f} % "
                             f"({cw['change_pp']:+.1f} points); officers: {ow['a']} -> "
                             f"{ow['b']} ({ow['change']:+d})")
    for key, which in (("only_in_a", "A"), ("only_in_b", "B")):
        if diff.get(key):
            lines.append(_only_text(which, diff[key]))
    for key, word in (("posts_added", "added"), ("posts_removed", "removed")):
        for p in diff[key]:
            lines.append(f"post {word}: {p['name']} ({p['window']})")
    for p in diff["posts_moved"]:
        lines.append(f"post moved: {p['from']} -> {p['to']} ({p['distance_m']:.0f} m, "
                     f"{p['window']})")
    for key, word in (("gaps_opened", "gap opened"), ("gaps_closed", "gap closed")):
        rows = diff[key]
        for g in rows[:top]:
            lines.append(f"{word}: {g['name']} ({abs(g['length_m']):,.0f} m, {g['window']})")
        if len(rows) > top:
            lines.append(f"… {len(rows) - top} more {word.split()[0]}s {word.split()[1]}")
    if shared and not any(diff[k] for k in ("posts_added", "posts_removed", "posts_moved",
                                            "gaps_opened", "gaps_closed")):
        lines.append("no posts or gaps changed")
    return "\n".join(lines)
