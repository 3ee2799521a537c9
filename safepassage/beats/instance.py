"""One beat problem: the corridor's worth per street, the officers' starts, a walking budget.

A loop is written as the corridor *arcs* it walks (a corridor street in one direction), in
order; between two arcs, and from the start to the first and from the last back to the start,
the officer takes the shortest path. :func:`beat_instance` keeps what the solver needs for
that: every corridor arc some officer can reach and come back from within the budget, the
*terminals* (the start nodes and the arcs' ends), the shortest distances between terminals and
the predecessors to walk them (batched, bounded Dijkstra searches with
:func:`scipy.sparse.csgraph.dijkstra`).

Because shortest paths are unique (see :mod:`.walkgraph`) and every figure of a smaller budget
is the same in an instance built for a larger one, a loop is the same walk whichever budget
its instance was built for.

:meth:`BeatInstance.walk` turns a loop into the network edges it walks;
:meth:`BeatInstance.canonical` writes a loop again as *every* corridor street it walks (the
ones on the shortest paths too), each once, in walking order, so that what a loop is worth is
what its arcs are worth.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.csgraph import dijkstra

from .walkgraph import BeatGraph

__all__ = ["BeatInstance", "Loop", "beat_instance"]

#: A loop: corridor arcs (indices into the instance's arc table) in walking order.
Loop = list[int]

#: Slack (metres) allowed on length comparisons, against floating-point noise.
EPS_M = 1e-7


@dataclass(eq=False)
class BeatInstance:
    """The corridor arcs officers can reach, the shortest paths between them, the starts.

    Attributes
    ----------
    graph : BeatGraph
    prize : numpy.ndarray
        Worth of walking each street segment (demand × length; 0 off the corridor).
    starts : numpy.ndarray
        Start node position of each officer.
    budget_m : float
        The longest loop this instance serves (its searches stop there).
    terms : numpy.ndarray
        Node positions of the terminals (starts and arc ends).
    dist : numpy.ndarray
        Shortest distance from terminal to terminal (``inf`` beyond the budget).
    pred : numpy.ndarray
        Predecessor node of every node on the shortest path from each terminal.
    arc_edge, arc_tail, arc_head, arc_len, arc_seg, arc_rev : numpy.ndarray
        Per arc: its edge, tail and head terminals, length (the search's), segment, and the
        arc walking it the other way (-1 if there is none).
    start_term : numpy.ndarray
        Terminal of each officer's start.
    reach : numpy.ndarray
        Officers × arcs: the shortest loop from the officer's start through the arc.
    """

    graph: BeatGraph
    prize: np.ndarray
    starts: np.ndarray
    budget_m: float
    terms: np.ndarray
    dist: np.ndarray
    pred: np.ndarray
    arc_edge: np.ndarray
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_len: np.ndarray
    arc_seg: np.ndarray
    arc_rev: np.ndarray
    start_term: np.ndarray
    reach: np.ndarray
    arc_of_edge: dict[int, int] = field(repr=False, default_factory=dict)
    _paths: dict[tuple[int, int], list[int]] = field(repr=False, default_factory=dict)
    _path_arcs: dict[tuple[int, int], list[int]] = field(repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.arc_seg_list: list[int] = self.arc_seg.tolist()

    @property
    def n_officers(self) -> int:
        """Number of officers (starts)."""
        return int(self.starts.size)

    @property
    def n_arcs(self) -> int:
        """Number of corridor arcs some officer can reach."""
        return int(self.arc_edge.size)

    # -- one loop ------------------------------------------------------------------------------

    def ends(self, officer: int, loop: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Terminal before each gap of the loop, and after it (``len(loop) + 1`` gaps)."""
        s = self.start_term[officer]
        arr = np.asarray(loop, dtype=np.int64)
        before = np.concatenate([[s], self.arc_head[arr]])
        after = np.concatenate([self.arc_tail[arr], [s]])
        return before, after

    def length(self, officer: int, loop: Sequence[int]) -> float:
        """Length of the loop as the search counts it (metres)."""
        if not len(loop):
            return 0.0
        before, after = self.ends(officer, loop)
        return float(self.dist[before, after].sum() + self.arc_len[np.asarray(loop)].sum())

    def path(self, a: int, b: int) -> list[int]:
        """The edges of the shortest path from terminal ``a`` to terminal ``b``."""
        key = (a, b)
        cached = self._paths.get(key)
        if cached is not None:
            return cached
        source, node = int(self.terms[a]), int(self.terms[b])
        row = self.pred[a]
        nodes = [node]
        while node != source:
            node = int(row[node])
            if node < 0:
                raise ValueError(f"no path from terminal {a} to terminal {b} within the budget")
            nodes.append(node)
        nodes.reverse()
        pair = self.graph.pair_edge
        edges = [pair[(p, q)] for p, q in itertools.pairwise(nodes)]
        self._paths[key] = edges
        return edges

    def walk(self, officer: int, loop: Sequence[int]) -> list[int]:
        """Every network edge of the loop, in walking order, from the start back to it."""
        out: list[int] = []
        if not len(loop):
            return out
        at = int(self.start_term[officer])
        for a in loop:
            out.extend(self.path(at, int(self.arc_tail[a])))
            out.append(int(self.arc_edge[a]))
            at = int(self.arc_head[a])
        out.extend(self.path(at, int(self.start_term[officer])))
        return out

    def path_arcs(self, a: int, b: int) -> list[int]:
        """The corridor arcs on the shortest path from terminal ``a`` to terminal ``b``."""
        key = (a, b)
        cached = self._path_arcs.get(key)
        if cached is None:
            get = self.arc_of_edge.get
            cached = [x for x in map(get, self.path(a, b)) if x is not None]
            self._path_arcs[key] = cached
        return cached

    def canonical(self, officer: int, loop: Sequence[int]) -> Loop:
        """The same walk, written as every corridor street it walks, first time each."""
        seq: list[int] = []
        at = int(self.start_term[officer])
        for a in loop:
            seq.extend(self.path_arcs(at, int(self.arc_tail[a])))
            seq.append(int(a))
            at = int(self.arc_head[a])
        if not seq:
            return []
        seq.extend(self.path_arcs(at, int(self.start_term[officer])))
        seen: set[int] = set()
        out: Loop = []
        seg = self.arc_seg_list
        for a in seq:
            s = seg[a]
            if s not in seen:
                seen.add(s)
                out.append(a)
        return out

    def segments(self, loop: Sequence[int]) -> set[int]:
        """Street segments a (canonical) loop walks."""
        return {int(s) for s in self.arc_seg[np.asarray(loop, dtype=np.int64)]}


def _searches(graph: BeatGraph, sources: np.ndarray, limit: float, *,
              backward: bool = False, predecessors: bool = False
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """Bounded shortest-path searches from (or, ``backward``, to) each source node."""
    matrix = graph.matrix.T.tocsr() if backward else graph.matrix
    if predecessors:
        d, p = dijkstra(matrix, directed=True, indices=sources, limit=limit,
                        return_predecessors=True)
        return np.atleast_2d(d), np.atleast_2d(p).astype(np.int32)
    d = dijkstra(matrix, directed=True, indices=sources, limit=limit)
    return np.atleast_2d(d), None


def beat_instance(graph: BeatGraph, prize: np.ndarray, starts: Sequence[int],
                  budget_m: float) -> BeatInstance:
    """The arcs, terminals and shortest paths for loops of up to ``budget_m`` metres.

    Parameters
    ----------
    graph : BeatGraph
        The window's edges.
    prize : numpy.ndarray
        Worth of each street segment (``graph.net`` numbering); the corridor is where it is
        positive.
    starts : sequence of int
        Each officer's start, a node position.
    budget_m : float
        The longest loop to serve.

    Returns
    -------
    BeatInstance
    """
    starts_arr = np.asarray(starts, dtype=np.int64)
    limit = float(budget_m) + 1.0
    fwd, _ = _searches(graph, starts_arr, limit)
    back, _ = _searches(graph, starts_arr, limit, backward=True)
    edges = np.flatnonzero(graph.usable & (prize[graph.segment] > 0))
    reach_all = fwd[:, graph.tail[edges]] + graph.search_length[edges] + back[:, graph.head[edges]]
    keep = (reach_all <= budget_m + EPS_M).any(axis=0) if len(starts_arr) else np.zeros(0, bool)
    edges, reach = edges[keep], reach_all[:, keep]
    terms = np.unique(np.concatenate([starts_arr, graph.tail[edges], graph.head[edges]]))
    term_of = np.full(graph.n_nodes, -1, dtype=np.int64)
    term_of[terms] = np.arange(terms.size)
    full, pred = _searches(graph, terms, limit, predecessors=True)
    assert pred is not None
    arc_of_edge = {int(e): i for i, e in enumerate(edges)}
    rev_edge = graph.reverse[edges]
    arc_rev = np.array([arc_of_edge.get(int(r), -1) if r >= 0 else -1 for r in rev_edge],
                       dtype=np.int64)
    return BeatInstance(
        graph=graph, prize=np.asarray(prize, dtype=float), starts=starts_arr,
        budget_m=float(budget_m), terms=terms, dist=full[:, terms], pred=pred,
        arc_edge=edges, arc_tail=term_of[graph.tail[edges]], arc_head=term_of[graph.head[edges]],
        arc_len=graph.search_length[edges], arc_seg=graph.segment[edges], arc_rev=arc_rev,
        start_term=term_of[starts_arr], reach=reach, arc_of_edge=arc_of_edge,
    )
