"""The street network as the coverage step sees it: segments, not directed edges.

Both directions of a street are one *segment* (same end nodes and the same line reversed).
:func:`network_of` builds the per-graph tables every window shares (node positions, segments,
the undirected street graph for walking distances, the streets met at every node) once, and
caches them per graph.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

import networkx as nx
import numpy as np
import scipy.sparse as sp
from pyproj import CRS, Transformer
from shapely.geometry import LineString

from ..utils import edge_name

__all__ = ["Network", "network_of"]

#: A directed edge ``(u, v, key)``.
Edge: TypeAlias = tuple[Hashable, Hashable, int]

#: Road classes ranked for naming intersections (the bigger street first).
_RANK = {"trunk": 0, "primary": 1, "secondary": 2, "tertiary": 3, "unclassified": 4,
         "residential": 5, "living_street": 6, "service": 7, "pedestrian": 8}


@dataclass
class Network:
    """Per-graph tables shared by every window (built once, cached per graph).

    Nodes are numbered 0..n-1 in ``nodes`` order (``node_pos`` maps back); segments 0..m-1.
    """

    nodes: list[Hashable]
    node_pos: dict[Hashable, int]
    x: np.ndarray
    y: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_len: np.ndarray
    seg_id: list[str]
    seg_edges: list[list[Edge]]
    seg_street: list[str | None]
    seg_highway: list[str]
    seg_geom: list[LineString]
    seg_of_edge: dict[Edge, int]
    adj: sp.csr_matrix
    degree: np.ndarray
    node_names: list[tuple[str, ...]]
    crs: CRS | str
    size: tuple[int, int] = (0, 0)


@dataclass
class _Segments:
    """Segment tables while they are being built."""

    u: list[int] = field(default_factory=list)
    v: list[int] = field(default_factory=list)
    length: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    edges: list[list[Edge]] = field(default_factory=list)
    street: list[str | None] = field(default_factory=list)
    highway: list[str] = field(default_factory=list)
    geom: list[LineString] = field(default_factory=list)
    of_edge: dict[Edge, int] = field(default_factory=dict)
    used_ids: set[str] = field(default_factory=set)


_NETWORKS: weakref.WeakKeyDictionary[nx.MultiDiGraph, Network] = weakref.WeakKeyDictionary()


def _same_reversed(a: LineString, b: LineString) -> bool:
    return bool(a.equals_exact(b.reverse(), 0.01))


def _edge_geometry(G: nx.MultiDiGraph, u: Hashable, v: Hashable,
                   data: Mapping[str, object]) -> LineString:
    geom = data.get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def _partner(G: nx.MultiDiGraph, u: Hashable, v: Hashable, geom: LineString, length: float,
             taken: Mapping[Edge, int]) -> int | None:
    """The key of the edge ``v -> u`` that is the same street as ``u -> v``, if any.

    The same line reversed wins; else the reverse edge of (nearly, within 0.5 m) equal length.
    """
    if u == v or not G.has_edge(v, u):
        return None
    options = [kk for kk in G[v][u] if (v, u, kk) not in taken]
    for kk in options:
        g2 = G[v][u][kk].get("geometry")
        if g2 is not None and _same_reversed(geom, g2):
            return kk
    if options:
        kk = min(options, key=lambda o: (abs(float(G[v][u][o]["length"]) - length), o))
        if abs(float(G[v][u][kk]["length"]) - length) < 0.5:
            return kk
    return None


def _segment_id(segs: _Segments, u: Hashable, v: Hashable, k: int) -> str:
    """A stable id, "<smaller node>-<larger node>-<key>" (".2", ".3" for repeats)."""
    a, b = (u, v) if str(u) <= str(v) else (v, u)
    sid = f"{a}-{b}-{k}"
    n_dup = 1
    while sid in segs.used_ids:
        n_dup += 1
        sid = f"{a}-{b}-{k}.{n_dup}"
    segs.used_ids.add(sid)
    return sid


def _segments(G: nx.MultiDiGraph, node_pos: Mapping[Hashable, int]) -> _Segments:
    """One segment per street: every directed edge, paired with its reverse where it has one."""
    segs = _Segments()
    for u, v, k, data in G.edges(keys=True, data=True):
        if (u, v, k) in segs.of_edge:
            continue
        s = len(segs.u)
        geom = _edge_geometry(G, u, v, data)
        length = float(data.get("length", geom.length))
        members: list[Edge] = [(u, v, k)]
        segs.of_edge[(u, v, k)] = s
        match = _partner(G, u, v, geom, length, segs.of_edge)
        if match is not None:
            members.append((v, u, match))
            segs.of_edge[(v, u, match)] = s
        segs.u.append(node_pos[u])
        segs.v.append(node_pos[v])
        segs.length.append(length)
        segs.ids.append(_segment_id(segs, u, v, k))
        segs.edges.append(members)
        segs.street.append(edge_name(data))
        segs.highway.append(str(data.get("highway") or "footway"))
        segs.geom.append(geom)
    return segs


def _undirected(su: np.ndarray, sv: np.ndarray, sl: np.ndarray,
                n: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Undirected node graph, one entry per node pair with the shortest length; node degrees."""
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
    return adj, degree


def _hidden_arms(value: object) -> list[object]:
    """The ``hidden_arms`` node attribute (roads met at a corner but not in the walk graph)."""
    if not value or value == "[]":
        return []
    try:
        arms = json.loads(value) if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return []
    return list(arms)


def _node_names(G: nx.MultiDiGraph, nodes: list[Hashable],
                segs: _Segments) -> list[tuple[str, ...]]:
    """Street names met at every node, bigger streets first.

    A street's rank is its biggest class anywhere, so every corner of an intersection lists the
    streets in the same order. Roads met only as hidden arms count too.
    """
    street_rank: dict[str, int] = {}
    for street, highway in zip(segs.street, segs.highway, strict=True):
        if street is not None:
            street_rank[street] = min(_RANK.get(highway, 9), street_rank.get(street, 99))
    names: list[dict[str, int]] = [{} for _ in nodes]
    for street, u, v in zip(segs.street, segs.u, segs.v, strict=True):
        if street is None:
            continue
        for p in (u, v):
            names[p][street] = street_rank[street]
    for p, node in enumerate(nodes):
        for arm in _hidden_arms(G.nodes[node].get("hidden_arms")):
            if not isinstance(arm, Mapping):
                continue
            nm = arm.get("name")
            if nm:
                rank = min(_RANK.get(str(arm.get("highway")), 9), street_rank.get(str(nm), 99))
                names[p][str(nm)] = rank
    return [tuple(sorted(d, key=lambda s_: (d[s_], s_))) for d in names]


def network_of(G: nx.MultiDiGraph) -> Network:
    """Build (or fetch from the cache) the segment tables of a graph.

    The cache holds one entry per graph object (weakly) and is rebuilt when the graph's node
    or edge count changes.
    """
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
    segs = _segments(G, node_pos)
    su = np.array(segs.u, dtype=np.int64)
    sv = np.array(segs.v, dtype=np.int64)
    sl = np.array(segs.length, dtype=float)
    adj, degree = _undirected(su, sv, sl, len(nodes))
    net = Network(
        nodes=nodes, node_pos=node_pos, x=x, y=y, lat=np.asarray(lat), lon=np.asarray(lon),
        seg_u=su, seg_v=sv, seg_len=sl, seg_id=segs.ids, seg_edges=segs.edges,
        seg_street=segs.street, seg_highway=segs.highway, seg_geom=segs.geom,
        seg_of_edge=segs.of_edge, adj=adj, degree=degree,
        node_names=_node_names(G, nodes, segs), crs=G.graph["crs"], size=size,
    )
    _NETWORKS[G] = net
    return net
