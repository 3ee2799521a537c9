"""The street network as a beat walks it: directed edges, their streets and what each is worth.

A beat is a closed walk on the network's own directed edges (the ``risk.edges`` of a window's
:class:`~safepassage.routing.StateGraph`, so a beat's edges are the ones routes and directions
use). :func:`beat_graph` builds, once per window's edge table, the tables the beat solver
reads: each edge's end nodes, length, street segment (both directions of a street are one
segment, as in :mod:`safepassage.coverage.network`) and reverse edge, and a node graph for
shortest paths. Edges the planner's avoid zones close (``risk.table["avoid"]``) are never
walked.

Shortest paths are unique: every edge's length used by the search carries a tiny, fixed,
per-edge addition (:data:`TIE_BREAK_M`, at most a millimetre), so that the same two places are
always joined by the same path, however far a search runs (see :mod:`.instance`). The loops'
reported lengths are the true ones.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ..coverage.network import Network, network_of
from ..safety import EdgeRisk

__all__ = ["TIE_BREAK_M", "BeatGraph", "beat_graph"]

#: Range (metres) of the fixed per-edge addition that makes shortest paths unique: every edge
#: gets between a tenth of this and this much (a millimetre at most).
TIE_BREAK_M = 1e-3

#: Seed of the tie-break additions (they are the same in every run).
_TIE_SEED = 20_241_115


@dataclass(eq=False)
class BeatGraph:
    """A window's directed edges as beats walk them.

    Attributes
    ----------
    G : networkx.MultiDiGraph
        The prepared network.
    net : Network
        Its street segments (:func:`safepassage.coverage.network.network_of`).
    edges : list of tuple
        ``(u, v, key)`` per edge, in the order of the window's edge table.
    tail, head : numpy.ndarray
        Node positions (``net.nodes`` order) at each edge's start and end.
    length : numpy.ndarray
        True length of each edge, metres.
    search_length : numpy.ndarray
        ``length`` plus the edge's tie-break addition (what the search adds up).
    segment : numpy.ndarray
        Street segment of each edge (``net`` numbering).
    reverse : numpy.ndarray
        The edge walking the same street the other way (-1 where there is none).
    usable : numpy.ndarray
        False for edges an avoid zone closes.
    matrix : scipy.sparse.csr_matrix
        Node graph: the shortest usable edge from each node to each neighbour
        (``search_length``).
    pair_edge : dict
        ``(tail, head)`` node positions -> the edge ``matrix`` uses between them.
    """

    G: nx.MultiDiGraph
    net: Network
    edges: list[tuple[Hashable, Hashable, int]]
    tail: np.ndarray
    head: np.ndarray
    length: np.ndarray
    search_length: np.ndarray
    segment: np.ndarray
    reverse: np.ndarray
    usable: np.ndarray
    matrix: sp.csr_matrix
    pair_edge: dict[tuple[int, int], int]

    @property
    def n_nodes(self) -> int:
        """Number of network nodes."""
        return len(self.net.nodes)


def _reverse_edges(segment: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """For each edge, the other edge of its segment (the street walked the other way)."""
    rev = np.full(segment.size, -1, dtype=np.int64)
    first: dict[int, int] = {}
    for e, s in enumerate(segment.tolist()):
        other = first.get(s)
        if other is None:
            first[s] = e
        elif tail[other] != tail[e]:
            rev[e], rev[other] = other, e
    return rev


def _node_matrix(tail: np.ndarray, head: np.ndarray, search_length: np.ndarray,
                 usable: np.ndarray, n: int) -> tuple[sp.csr_matrix, dict[tuple[int, int], int]]:
    """The shortest usable edge per node pair, as a matrix and a lookup."""
    idx = np.flatnonzero(usable & (tail != head))
    order = idx[np.lexsort((idx, search_length[idx], head[idx], tail[idx]))]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (tail[order][1:] != tail[order][:-1]) | (head[order][1:] != head[order][:-1])
    keep = order[first]
    matrix = sp.csr_matrix((search_length[keep], (tail[keep], head[keep])), shape=(n, n))
    pairs = {(int(a), int(b)): int(e)
             for a, b, e in zip(tail[keep], head[keep], keep, strict=True)}
    return matrix, pairs


def beat_graph(G: nx.MultiDiGraph, risk: EdgeRisk) -> BeatGraph:
    """The directed edges of a window as beats walk them.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The prepared network.
    risk : EdgeRisk
        The window's edge table (``route_plan.state_graph.risk``): its edge order, lengths
        and avoid zones.

    Returns
    -------
    BeatGraph
    """
    net = network_of(G)
    edges = list(risk.edges)
    pos = net.node_pos
    tail = np.array([pos[u] for u, _, _ in edges], dtype=np.int64)
    head = np.array([pos[v] for _, v, _ in edges], dtype=np.int64)
    length = risk.table["length"].to_numpy(dtype=float)
    rng = np.random.default_rng(_TIE_SEED)
    search_length = length + TIE_BREAK_M * (0.1 + 0.9 * rng.random(length.size))
    segment = np.array([net.seg_of_edge[e] for e in edges], dtype=np.int64)
    usable = ~risk.table["avoid"].to_numpy(dtype=bool)
    matrix, pairs = _node_matrix(tail, head, search_length, usable, len(net.nodes))
    return BeatGraph(G=G, net=net, edges=edges, tail=tail, head=head, length=length,
                      search_length=search_length, segment=segment,
                      reverse=_reverse_edges(segment, tail), usable=usable, matrix=matrix,
                      pair_edge=pairs)
