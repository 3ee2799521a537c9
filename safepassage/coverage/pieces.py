"""The corridor cut into pieces, and walking distances from candidate posts to them.

Segments longer than the piece length are cut into equal pieces, with a graph node at every
cut, so that "covered" means the same on a 500 m footpath as on a 50 m block. A post covers a
piece when the piece's midpoint is within the walking radius; distances come from bounded,
batched Dijkstra searches on the undirected street graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from .network import Network

__all__ = ["Pieces", "corridor_ends", "covers_from_distances", "cut_corridor", "fill_gaps",
           "piece_frame"]


@dataclass
class Pieces:
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
        """Length of each piece, metres."""
        return self.end - self.start

    def xy(self, node: int, net: Network) -> tuple[float, float]:
        """Projected position of a graph node in the extended numbering (a cut point too)."""
        if node < self.n_nodes:
            return float(net.x[node]), float(net.y[node])
        k = node - self.n_nodes
        return float(self.px[k]), float(self.py[k])


@dataclass
class _Cuts:
    """Pieces and cut points while they are being made."""

    rows: list[int]
    starts: list[float]
    ends: list[float]
    a: list[int]
    b: list[int]
    px: list[float]
    py: list[float]
    prow: list[int]
    off: list[float]
    lo: list[int]  # extra graph edges between consecutive cuts
    hi: list[int]
    length: list[float]


def _cut_segment(cuts: _Cuts, net: Network, r: int, s: int, n: int, piece_m: float) -> None:
    """Cut corridor row ``r`` (network segment ``s``) into equal pieces of at most ``piece_m``."""
    length = float(net.seg_len[s])
    u, v = int(net.seg_u[s]), int(net.seg_v[s])
    k = max(1, math.ceil(length / piece_m - 1e-9))
    if k == 1:
        cuts.rows.append(r)
        cuts.starts.append(0.0)
        cuts.ends.append(length)
        cuts.a.append(u)
        cuts.b.append(v)
        return
    geom = net.seg_geom[s]
    chain = [u]
    for i in range(1, k):
        pt = geom.interpolate(i / k, normalized=True)
        chain.append(n + len(cuts.px))
        cuts.px.append(pt.x)
        cuts.py.append(pt.y)
        cuts.prow.append(r)
        cuts.off.append(length * i / k)
    chain.append(v)
    for i in range(k):
        cuts.rows.append(r)
        cuts.starts.append(length * i / k)
        cuts.ends.append(length * (i + 1) / k)
        cuts.a.append(chain[i])
        cuts.b.append(chain[i + 1])
        cuts.lo.append(chain[i])
        cuts.hi.append(chain[i + 1])
        cuts.length.append(max(length / k, 1e-6))


def cut_corridor(net: Network, segs: np.ndarray, piece_m: float) -> Pieces:
    """Cut corridor segments longer than ``piece_m`` into equal pieces.

    Parameters
    ----------
    net : Network
        The street network's tables.
    segs : numpy.ndarray
        Network segment of each corridor row.
    piece_m : float
        Longest piece, metres.

    Returns
    -------
    Pieces
    """
    n = len(net.nodes)
    cuts = _Cuts([], [], [], [], [], [], [], [], [], [], [], [])
    for r, s in enumerate(segs):
        _cut_segment(cuts, net, r, int(s), n, piece_m)
    n_all = n + len(cuts.px)
    if cuts.px:
        base = net.adj.tocoo()
        adj = sp.csr_matrix(
            (np.concatenate([base.data, cuts.length]),
             (np.concatenate([base.row, cuts.lo]), np.concatenate([base.col, cuts.hi]))),
            shape=(n_all, n_all))
    else:
        adj = net.adj
    return Pieces(
        row=np.asarray(cuts.rows, dtype=np.int64), start=np.asarray(cuts.starts, dtype=float),
        end=np.asarray(cuts.ends, dtype=float), a=np.asarray(cuts.a, dtype=np.int64),
        b=np.asarray(cuts.b, dtype=np.int64), adj=adj, n_nodes=n,
        px=np.asarray(cuts.px, dtype=float), py=np.asarray(cuts.py, dtype=float),
        prow=np.asarray(cuts.prow, dtype=np.int64), off=np.asarray(cuts.off, dtype=float),
    )


def piece_frame(segments: gpd.GeoDataFrame, pieces: Pieces) -> gpd.GeoDataFrame:
    """One corridor row per piece (a segment that is not cut keeps its row as it is)."""
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


def covers_from_distances(
    pieces: Pieces, cand: np.ndarray, radius: float
) -> tuple[sp.csr_array, sp.csr_array]:
    """Bounded batched Dijkstra from every candidate; walking distance to each piece's midpoint.

    ``cand`` are graph nodes in the extended numbering of ``pieces`` (cut points included).
    A piece's midpoint is reached through either of its ends.

    Returns
    -------
    covers : scipy.sparse.csr_array
        Boolean, candidates × pieces: the midpoint is within ``radius``.
    distance : scipy.sparse.csr_array
        The walking distance (+ 1 mm, so that a stored entry is never an implicit zero).
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
    distance = sp.csr_array((d + 1e-3, (r, c)), shape=shape)
    return covers, distance


def corridor_ends(net: Network, segs: np.ndarray) -> np.ndarray:
    """Corridor nodes where the corridor ends or branches (not exactly two corridor neighbours)."""
    u, v = net.seg_u[segs], net.seg_v[segs]
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    pairs = np.unique(np.column_stack([lo, hi]), axis=0) if lo.size else np.zeros((0, 2), int)
    nodes = np.unique(np.concatenate([u, v]))
    degree = np.bincount(pairs.ravel(), minlength=len(net.nodes))
    return nodes[degree[nodes] != 2]


def fill_gaps(
    pieces: Pieces, covers: sp.csr_array, radius: float, degree: np.ndarray
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
        more, _ = covers_from_distances(pieces, np.array([node], dtype=np.int64), radius)
        reached |= more.toarray().ravel()
        added.append(node)
    return added
