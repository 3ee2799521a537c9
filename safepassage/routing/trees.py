"""Shortest-path trees over the state graph: one at a time, or a batch of them.

:func:`batched_trees` runs several trees (one per risk weight λ) on the state graph's cached
CSR matrices (:func:`scipy.sparse.csgraph.dijkstra` with ``min_only``), each optionally bounded
by its own cost, into one array per quantity. :func:`arrive` and :func:`trace_all` then read
every destination's route out of every tree at once from the predecessor arrays, adding up
length and risk on the way. ``backend="networkx"`` runs the same searches with
networkx, the reference the tests compare against.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from .stategraph import StateGraph

#: A network node id (OSM node ids are ints), kept as given.
_Node = TypeVar("_Node", bound=Hashable)

#: Predecessor of a source or an unreached state.
NO_PRED = -9999


@dataclass
class Tree:
    """One shortest-path tree over the state graph from a set of source states.

    Attributes
    ----------
    lam : float
        The risk weight it minimised.
    dist : numpy.ndarray
        Cost of reaching the start of each state's edge (inf if unreachable).
    pred : numpy.ndarray
        Predecessor state (-9999 at sources and unreached states).
    """

    lam: float
    dist: np.ndarray
    pred: np.ndarray


@dataclass
class TreeBatch:
    """Several trees from the same sources, one row per risk weight.

    Attributes
    ----------
    lams : numpy.ndarray
        Risk weight of each tree.
    dist, pred : numpy.ndarray
        ``(trees, states)`` arrays, as in :class:`Tree`.
    """

    lams: np.ndarray
    dist: np.ndarray
    pred: np.ndarray

    def tree(self, k: int) -> Tree:
        """Tree ``k`` on its own."""
        return Tree(float(self.lams[k]), self.dist[k], self.pred[k])


def shortest_path_tree(
    sg: StateGraph, sources: np.ndarray, lam: float, *, backend: str = "scipy",
    limit: float = np.inf,
) -> Tree:
    """One tree from ``sources`` minimising ``length + lam × risk``.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    sources : numpy.ndarray
        Source states (distance 0).
    lam : float
        Risk weight.
    backend : {"scipy", "networkx"}
        scipy's compiled Dijkstra, or networkx as the reference.
    limit : float
        Stop searching beyond this cost (scipy only).

    Returns
    -------
    Tree
    """
    n = sg.n_states
    if len(sources) == 0:
        return Tree(lam, np.full(n, np.inf), np.full(n, NO_PRED, dtype=np.int64))
    if backend == "scipy":
        dist, pred, _ = dijkstra(sg.matrix(lam), directed=True, indices=sources,
                                 return_predecessors=True, min_only=True, limit=limit)
        return Tree(lam, dist, pred.astype(np.int64))
    if backend == "networkx":
        D = nx.DiGraph()
        D.add_nodes_from(range(n))
        M = sg.matrix(lam).tocoo()
        D.add_weighted_edges_from(zip(M.row.tolist(), M.col.tolist(), M.data.tolist(),
                                      strict=True))
        lengths, paths = nx.multi_source_dijkstra(D, {int(s) for s in sources})
        dist = np.full(n, np.inf)
        pred = np.full(n, NO_PRED, dtype=np.int64)
        for s, d in lengths.items():
            dist[s] = d
            p = paths[s]
            if len(p) > 1:
                pred[s] = p[-2]
        return Tree(lam, dist, pred)
    raise ValueError(f"unknown backend {backend!r}: use 'scipy' or 'networkx'")


def batched_trees(
    sg: StateGraph, sources: np.ndarray, lams: Sequence[float] | np.ndarray, *,
    limits: Sequence[float] | np.ndarray | None = None, backend: str = "scipy",
) -> TreeBatch:
    """Trees for several risk weights from the same sources, as one batch of arrays.

    Each tree runs on the state graph's cached CSR matrix for its λ, back to back (measured
    faster than one Dijkstra over a block-diagonal copy of the graph per λ, which scipy's
    validation of the larger matrix slows down). With ``limits``, tree ``k`` stops at cost
    ``limits[k]``: states beyond it are left unreached.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    sources : numpy.ndarray
        Source states.
    lams : sequence of float
        Risk weight of each tree.
    limits : sequence of float, optional
        Cost bound of each tree.
    backend : {"scipy", "networkx"}
        ``"networkx"`` builds each tree with :func:`shortest_path_tree`'s reference.

    Returns
    -------
    TreeBatch
    """
    lam = np.asarray(lams, dtype=float)
    bounds = np.full(len(lam), np.inf) if limits is None else np.asarray(limits, dtype=float)
    k, n = len(lam), sg.n_states
    dist = np.full((k, n), np.inf)
    pred = np.full((k, n), NO_PRED, dtype=np.int64)
    for i, (x, bound) in enumerate(zip(lam.tolist(), bounds.tolist(), strict=True)):
        tree = shortest_path_tree(sg, sources, x, backend=backend,
                                  limit=bound if backend == "scipy" else np.inf)
        dist[i], pred[i] = tree.dist, tree.pred
        if backend != "scipy" and np.isfinite(bound):
            over = tree.dist > bound
            dist[i][over], pred[i][over] = np.inf, NO_PRED
    return TreeBatch(lam, dist, pred)


def arrive(sg: StateGraph, batch: TreeBatch, ends: np.ndarray,
           rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best cost of arriving at destinations in trees, and the last state (-1 if none).

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    batch : TreeBatch
        The trees.
    ends : numpy.ndarray
        ``(destinations, width)`` states ending at each destination node, -1 padded
        (:meth:`StateGraph.node_states`).
    rows : numpy.ndarray, optional
        One tree per destination (its index in ``batch``); default every tree for every
        destination.

    Returns
    -------
    tuple
        ``(cost, last)``, shaped ``(trees, destinations)``, or ``(destinations,)`` with
        ``rows``.
    """
    ok = ends >= 0
    s = np.maximum(ends, 0)
    own = sg.state_len[s] + np.where(ok, 0.0, np.inf)
    if rows is None:
        total = batch.dist[:, s] + own[None] + batch.lams[:, None, None] * sg.state_risk[s][None]
        j = np.argmin(total, axis=2)
        cost = np.take_along_axis(total, j[..., None], axis=2)[..., 0]
        last = np.where(np.isfinite(cost), s[np.arange(len(s))[None, :], j], -1)
        return cost, last
    total = batch.dist[rows[:, None], s] + own + batch.lams[rows][:, None] * sg.state_risk[s]
    j = np.argmin(total, axis=1)
    cost = total[np.arange(len(s)), j]
    return cost, np.where(np.isfinite(cost), s[np.arange(len(s)), j], -1)


@dataclass
class Traces:
    """Routes read out of trees: per (tree, destination) pair, its length, risk and states.

    Attributes
    ----------
    length, risk : numpy.ndarray
        Per pair (nan where there is no route).
    ptr, flat : numpy.ndarray
        The states of pair ``p``'s route, first to last, are ``flat[ptr[p]:ptr[p + 1]]``.
    """

    length: np.ndarray
    risk: np.ndarray
    ptr: np.ndarray
    flat: np.ndarray

    def states(self, p: int) -> list[int]:
        """The states of pair ``p``'s route, from the first to the last."""
        states: list[int] = self.flat[self.ptr[p]:self.ptr[p + 1]].tolist()
        return states


def trace_all(sg: StateGraph, pred: np.ndarray, last: np.ndarray) -> Traces:
    """Trace every (tree, destination) pair back to its source at once.

    A compiled walk over the predecessor arrays (:func:`~safepassage.routing.kernels.
    trace_pairs`), adding up each route's length and risk arc by arc.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    pred : numpy.ndarray
        ``(pairs, states)`` predecessor rows, or ``(trees, states)`` with ``last`` shaped
        ``(trees, destinations)``.
    last : numpy.ndarray
        Last state of each pair (-1 for none).

    Returns
    -------
    Traces
        Flattened in ``last``'s order.
    """
    from . import kernels

    rows = np.repeat(np.arange(last.shape[0]), last.shape[1]) if last.ndim == 2 else \
        np.arange(len(last))
    length, risk, ptr, flat = kernels.trace_pairs(
        (sg.indptr, sg.indices, sg.arc_len, sg.arc_risk, sg.state_len, sg.state_risk),
        np.ascontiguousarray(pred, dtype=np.int64), rows.astype(np.int64),
        last.ravel().astype(np.int64))
    return Traces(length, risk, ptr, flat)


def trees_to_nodes(
    sg: StateGraph, origins: Sequence[_Node], lam: float = 1.0, *, limit: float = np.inf,
) -> Iterator[tuple[_Node, np.ndarray]]:
    """One tree per origin node, yielding each origin's cost to every network node.

    For many origins at once (every school of a division): one bounded multi-source search
    per origin over the shared state graph, so memory stays at one row of the state graph
    whatever the number of origins.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    origins : sequence
        Network nodes.
    lam : float
        Risk weight (1 = the profile's cost).
    limit : float
        Stop each search beyond this cost (a walking range).

    Yields
    ------
    tuple
        ``(origin, cost)`` where ``cost[i]`` is the least cost from the origin to node
        ``i`` of ``sg.crossings.nodes_list`` (inf when out of reach).
    """
    cm = sg.crossings
    matrix = sg.matrix(lam)
    head = cm.head_node[sg.state_edge]
    arrive_cost = sg.state_len + lam * sg.state_risk
    n_nodes = len(cm.nodes_list)
    for origin in origins:
        src = sg.sources([origin])
        cost = np.full(n_nodes, np.inf)
        if len(src):
            dist = dijkstra(matrix, directed=True, indices=src, min_only=True, limit=limit)
            reached = np.isfinite(dist)
            np.minimum.at(cost, head[reached], dist[reached] + arrive_cost[reached])
        cost[cm.node_pos[origin]] = 0.0
        yield origin, cost


def arrivals(sg: StateGraph, tree: Tree, node: Hashable) -> tuple[float, int]:
    """Best cost of arriving at a network node in a tree, and the last state (-1 if none)."""
    pos = sg.node_index.get(node)
    if pos is None:
        return math.inf, -1
    states = sg.head_states[pos]
    if len(states) == 0:
        return math.inf, -1
    total = tree.dist[states] + sg.state_len[states] + tree.lam * sg.state_risk[states]
    j = int(np.argmin(total))
    return float(total[j]), int(states[j])


def trace(tree: Tree, last: int) -> list[int]:
    """States from a source to ``last`` in a tree."""
    states = [last]
    while tree.pred[states[-1]] >= 0:
        states.append(int(tree.pred[states[-1]]))
        if len(states) > len(tree.pred):  # a cycle would be a bug; never loop for ever
            raise RuntimeError("predecessor cycle in shortest-path tree")
    return states[::-1]
