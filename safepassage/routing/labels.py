"""The least risky route within the cap, for many destinations at once: compiled label setting.

The safest route within a detour cap is a resource-constrained shortest path. The trees that
:func:`~safepassage.routing.routes.safe_routes` runs anyway (one per risk weight λ, from the
origin) bound, for every state, how little risk the part of a route before it can have given
how long that part may still be (Lagrangian relaxation; see :mod:`~safepassage.routing.exact`).
With those bounds, a label-setting search run *backwards* from each destination (A* on risk,
labels pruned by the cap, by the best route known and by Pareto dominance) needs no search of
its own to set up, and explores few labels: on the demo about 30 per destination, on the whole
Helsinki extract about 300.

The search itself is compiled (:func:`~safepassage.routing.kernels.label_search`); this module
prepares its arrays and reads its results. :func:`~safepassage.routing.exact.exact_safest`, a
plain Python forward search with its own bounds, is the reference the tests compare it with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stategraph import StateGraph
from .trees import TreeBatch

#: Give up on a destination (its gap is then reported as found) after this many labels.
MAX_LABELS = 200_000


@dataclass
class LabelSearch:
    """What the label-setting search found, one entry per destination.

    Attributes
    ----------
    risk : numpy.ndarray
        Risk of the best route within the cap: a new one where ``improved``, else the known
        route's (``upper``).
    length : numpy.ndarray
        Length of the new route (nan where none beat the known one).
    bound : numpy.ndarray
        No route within the cap has less risk than this (proven by the search; equal to
        ``risk`` when the route is optimal).
    labels : numpy.ndarray
        Labels created.
    ptr, flat : numpy.ndarray
        States of the new routes, first to last: ``flat[ptr[i]:ptr[i + 1]]`` (empty where
        none was found).
    """

    risk: np.ndarray
    length: np.ndarray
    bound: np.ndarray
    labels: np.ndarray
    ptr: np.ndarray
    flat: np.ndarray

    @property
    def improved(self) -> np.ndarray:
        """Destinations for which the search found a route less risky than the known one."""
        return ~np.isnan(self.length)

    def states(self, i: int) -> list[int]:
        """States of destination ``i``'s new route (empty if it has none)."""
        states: list[int] = self.flat[self.ptr[i]:self.ptr[i + 1]].tolist()
        return states


def search_safest(
    sg: StateGraph, sources: np.ndarray, trees: TreeBatch, ends: np.ndarray,
    max_len: np.ndarray, upper: np.ndarray, *, tol_pct: float = 0.0,
    max_labels: int = MAX_LABELS,
) -> LabelSearch:
    """The least risky route within ``max_len`` to each destination, or a proven bound.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    sources : numpy.ndarray
        The states a route may start from (:meth:`StateGraph.sources`).
    trees : TreeBatch
        Unbounded trees from ``sources`` (any risk weights λ > 0; more and better-placed λ
        prune more); their distances bound every label.
    ends : numpy.ndarray
        ``(destinations, width)`` states ending at each destination, -1 padded
        (:meth:`StateGraph.node_states`).
    max_len : numpy.ndarray
        Length cap per destination.
    upper : numpy.ndarray
        Risk of a known route within the cap per destination (inf if none): only better
        routes are searched for.
    tol_pct : float
        Stop once the bound is within this % of the best route (0: prove it optimal).
    max_labels : int
        Labels per destination at most; a destination whose search runs out keeps the best
        route found and the bound reached.

    Returns
    -------
    LabelSearch
    """
    from . import kernels

    ptr, tail, arc = sg.reversed_arcs()
    use = trees.lams > 0
    is_source = np.zeros(sg.n_states, dtype=bool)
    is_source[sources] = True
    ok = ends >= 0
    end_ptr = np.concatenate([[0], np.cumsum(ok.sum(axis=1))]).astype(np.int64)
    risk, length, bound, labels, path_ptr, flat = kernels.label_search(
        (ptr, tail, arc, sg.arc_len, sg.arc_risk, sg.state_len, sg.state_risk),
        (np.ascontiguousarray(trees.dist[use]), np.ascontiguousarray(trees.lams[use])),
        (is_source, end_ptr, ends[ok].astype(np.int64), np.asarray(max_len, dtype=float),
         np.asarray(upper, dtype=float)), float(tol_pct) / 100.0, int(max_labels))
    return LabelSearch(risk, length, bound, labels, path_ptr, flat)
