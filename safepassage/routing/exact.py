"""How far a safe route may be from the least risky one within the cap: bounds and an exact solver.

The safest route within a detour cap is a *resource-constrained* shortest path: least risk
subject to ``length ≤ L`` (``L`` = the shortest route's length × (1 + cap)). For any weight
λ > 0 and any route P within the cap::

    risk(P) ≥ (T_λ − L) / λ,      T_λ = min over all routes of length + λ · risk

which a shortest-path tree for λ gives for every destination at once (Lagrangian relaxation).
The largest such bound over the trees run is the destination's *lower bound*; the chosen
route's risk against it is its *gap*. :func:`next_lambda` picks the λ that would raise the
bound most given the routes found so far (the LARAC step: where the best route within the cap
and a less risky one beyond it cost the same); a tree at that λ either finds a better route or
proves the bound is the best a Lagrangian bound can give.

:func:`exact_safest` solves the problem exactly by label setting (A* on risk, length-feasibility
pruning, Pareto dominance): the reference the tests check routes and bounds against on small
real networks.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .stategraph import StateGraph

#: Risk weight standing in for "risk only" (no route within the cap beats it on risk yet).
LAMBDA_MAX = 1e5


def lagrangian_bound(cost: np.ndarray, lams: np.ndarray, max_len: np.ndarray) -> np.ndarray:
    """Lower bounds on the risk of any route within ``max_len``, from trees' costs.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(trees, destinations)``: least ``length + λ · risk`` to each destination per tree.
    lams : numpy.ndarray
        λ of each tree.
    max_len : numpy.ndarray
        Length cap per destination.

    Returns
    -------
    numpy.ndarray
        Per destination, the best bound (at least 0).
    """
    use = lams > 0
    if not use.any():
        return np.zeros(cost.shape[1])
    with np.errstate(invalid="ignore"):
        b = (cost[use] - max_len[None, :]) / lams[use][:, None]
    b = np.where(np.isfinite(b), b, -np.inf)
    return np.maximum(b.max(axis=0), 0.0)


def next_lambda(length: np.ndarray, risk: np.ndarray, max_len: float) -> tuple[float, float]:
    """The LARAC step: the λ at which the best Lagrangian bound over known routes is reached.

    With μ = 1 / λ the bound from the known routes is ``g(μ) = min_i risk_i + μ (len_i − L)``,
    concave and piecewise linear; its maximum lies where a route within the cap and a less
    risky one beyond it tie.

    Parameters
    ----------
    length, risk : numpy.ndarray
        Known routes to one destination.
    max_len : float
        The cap ``L``.

    Returns
    -------
    tuple
        ``(λ, g)``: the weight to run a tree with next, and the bound the known routes give
        there (a tree at λ that finds nothing better proves it).
    """
    inside = length <= max_len
    best = risk[inside].min() if inside.any() else np.inf
    i = np.flatnonzero(inside)
    j = np.flatnonzero(~inside & (risk < best))
    if len(j) == 0:  # nothing less risky beyond the cap is known: ask for the least risk
        least = 1.0 / LAMBDA_MAX
        return LAMBDA_MAX, float(np.min(risk + least * (length - max_len)))
    mu = (risk[i][:, None] - risk[j][None, :]) / (length[j][None, :] - length[i][:, None])
    mu = mu[mu > 0]
    if len(mu) == 0:
        mu = np.array([1.0 / LAMBDA_MAX])
    g = np.min(risk[None, :] + mu[:, None] * (length[None, :] - max_len), axis=1)
    k = int(np.argmax(g))
    return float(1.0 / mu[k]), float(g[k])


def _to_sink(sg: StateGraph, weights: list[tuple[np.ndarray, np.ndarray]], ends: np.ndarray
             ) -> list[np.ndarray]:
    """Least cost from the start of every state to arriving at one of ``ends``, per weighting.

    Each weighting is ``(arc weights, own cost of an end state)``; all run backwards from a sink
    joined to the end states, as blocks of one Dijkstra call over the reversed arcs.
    """
    n = sg.n_states
    r_ptr, r_idx, order = sg.reversed_arcs()
    k, e = len(weights), len(r_idx) + len(ends)
    data = np.concatenate([np.concatenate([w[order], own[ends]]) for w, own in weights])
    block = np.arange(k, dtype=np.int64)
    indices = (np.concatenate([r_idx, ends])[None, :] + (block * (n + 1))[:, None]).ravel()
    ptr = np.concatenate([r_ptr, [e]])
    indptr = np.concatenate([(ptr[None, :-1] + (block * e)[:, None]).ravel(), [k * e]])
    M = csr_matrix((np.where(data > 0, data, 1e-12), indices.astype(np.int32),
                    indptr.astype(np.int32)), shape=(k * (n + 1), k * (n + 1)))
    dist = dijkstra(M, directed=True, indices=block * (n + 1) + n, min_only=True)
    return [dist[j * (n + 1):j * (n + 1) + n] for j in range(k)]


def exact_safest(
    sg: StateGraph, origin_nodes: Sequence[Hashable], node: Hashable, max_len: float, *,
    upper: float = np.inf, lam: float | None = None, max_labels: int = 2_000_000,
) -> tuple[float, float, list[int]] | None:
    """The least risky route to ``node`` whose length is at most ``max_len``, exactly.

    Label setting over the state graph: labels (risk, length) per state, expanded in order of
    risk plus the least risk still to come (A*), pruned when even the shortest way on would
    break the cap, and dropped when another label at the state is no longer and no riskier.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    origin_nodes : sequence
        Network nodes the walk may start from.
    node : network node
        The destination.
    max_len : float
        Length cap, metres.
    upper : float
        A known route's risk: labels that cannot beat it are dropped (that route, or one as
        good, is still found).
    lam : float, optional
        A risk weight λ for Lagrangian pruning: a label whose every completion within the cap
        has risk above ``upper`` by the λ bound (its ``length + λ · risk`` so far plus the
        least still to come, less the cap, over λ) is dropped. Best at the λ of the
        destination's best bound.
    max_labels : int
        Give up (return None) after creating this many labels.

    Returns
    -------
    tuple or None
        ``(risk, length, states)`` of an optimal route, or None when no route is within the
        cap (or the label budget ran out).
    """
    ends = sg.node_states([node])[0]
    ends = ends[ends >= 0]
    src = sg.sources(origin_nodes)
    if len(ends) == 0 or len(src) == 0:
        return None
    cut = upper * (1.0 + 1e-9) + 1e-9
    weights = [(sg.arc_len, sg.state_len), (sg.arc_risk, sg.state_risk)]
    w = float(lam) if lam is not None and lam > 0 and np.isfinite(upper) else 0.0
    if w > 0:
        weights.append((sg.arc_len + w * sg.arc_risk, sg.state_len + w * sg.state_risk))
    h_len, h_risk, *rest = _to_sink(sg, weights, ends)
    if w > 0:
        # a completion's length + λ·risk is at least so-far + h_lam; within the cap, its risk
        # is at least (that − cap) / λ: prune when that bound is above the cut
        h_lam, lag_cut = rest[0], w * cut + max_len + 1e-9 * max(1.0, max_len)
    else:
        h_lam, lag_cut = np.zeros(sg.n_states), np.inf
    is_end = np.zeros(sg.n_states, dtype=bool)
    is_end[ends] = True
    indptr, indices = sg.indptr, sg.indices
    heap: list[tuple[float, float, float, int, int]] = []
    labels: list[tuple[int, int]] = []  # (state, parent label)
    front: dict[int, list[tuple[float, float]]] = {}
    for s in src.tolist():
        if h_len[s] <= max_len:
            labels.append((s, -1))
            heapq.heappush(heap, (h_risk[s], 0.0, 0.0, s, len(labels) - 1))
    while heap:
        _, risk, length, s, lab = heapq.heappop(heap)
        if s == -1:  # a finished route: the first one popped is optimal
            return risk, length, _states(labels, lab)
        if any(lo <= length and ro <= risk for lo, ro in front.get(s, ())):
            continue
        front.setdefault(s, []).append((length, risk))
        if is_end[s] and length + sg.state_len[s] <= max_len + 1e-9:
            done = (risk + float(sg.state_risk[s]), length + float(sg.state_len[s]))
            heapq.heappush(heap, (done[0], done[0], done[1], -1, lab))
        for arc in range(int(indptr[s]), int(indptr[s + 1])):
            b = int(indices[arc])
            nl = length + float(sg.arc_len[arc])
            if nl + h_len[b] > max_len + 1e-9:
                continue
            nr = risk + float(sg.arc_risk[arc])
            if nr + h_risk[b] > cut or nl + w * nr + h_lam[b] > lag_cut:
                continue
            labels.append((b, lab))
            if len(labels) > max_labels:
                return None
            heapq.heappush(heap, (nr + h_risk[b], nr, nl, b, len(labels) - 1))
    return None


def _states(labels: list[tuple[int, int]], lab: int) -> list[int]:
    out = []
    while lab >= 0:
        s, lab = labels[lab]
        out.append(s)
    return out[::-1]
