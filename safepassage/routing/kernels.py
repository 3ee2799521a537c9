"""Compiled loops over the state graph's arrays (numba): tracing trees, label setting.

Two jobs are a sequential loop by nature and too slow as Python objects: walking predecessor
arrays back to the source, and a label-setting search. Both are written here over plain numpy
arrays (CSR adjacency, label arrays, an array heap) and compiled with :func:`numba.njit`; the
compiled code is cached on disk, so a process loads it in a fraction of a second instead of
compiling it again. The module is imported on first use (``safepassage.routing`` does not
import numba until a route is traced).

Nothing here knows about networks or profiles: :mod:`~safepassage.routing.trees` and
:mod:`~safepassage.routing.labels` hand the arrays in and read the results out.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Relative margin for floating-point noise between sums taken in different orders: labels
#: whose key is within it of the best route's risk are still explored, and a route must beat
#: the best one by more than it to replace it.
EPS = 1e-9

#: A graph's arrays as the kernels take them (see each kernel for the order).
Graph = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: A search's label arrays: ``(state, parent, next at state, heap items, head per state,
#: states touched)`` and ``(length, risk, heap keys)``.
Labels = tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]


@njit(cache=True)
def arc_between(indptr: np.ndarray, indices: np.ndarray, a: int, b: int) -> int:
    """Index of the arc ``a -> b`` in CSR arrays (-1 if there is none)."""
    for j in range(indptr[a], indptr[a + 1]):
        if indices[j] == b:
            return j
    return -1


@njit(cache=True)
def trace_pairs(graph: Graph, pred: np.ndarray, rows: np.ndarray, last: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Walk every (tree row, last state) pair back to its source.

    ``graph`` is ``(indptr, indices, arc_len, arc_risk, state_len, state_risk)``: the arcs in
    CSR form with their two weights, and each state's own length and risk.

    Returns per pair its length and risk (nan without a route), and its states from the first
    to the last as one flat array cut by a pointer array.
    """
    indptr, indices, arc_len, arc_risk, state_len, state_risk = graph
    n_pairs = len(last)
    n = pred.shape[1]
    length = np.full(n_pairs, np.nan)
    risk = np.full(n_pairs, np.nan)
    ptr = np.zeros(n_pairs + 1, np.int64)
    depth = np.zeros(n_pairs, np.int64)
    for p in range(n_pairs):
        s = last[p]
        c = 0
        while s >= 0:
            c += 1
            if c > n:
                raise RuntimeError("predecessor cycle in shortest-path tree")
            s = pred[rows[p], s]
        depth[p] = c
        ptr[p + 1] = ptr[p] + c
    flat = np.empty(ptr[n_pairs], np.int64)
    for p in range(n_pairs):
        s = last[p]
        if s < 0:
            continue
        r = rows[p]
        i = ptr[p + 1] - 1
        flat[i] = s
        total_len = state_len[s]
        total_risk = state_risk[s]
        while pred[r, s] >= 0:
            a = pred[r, s]
            arc = arc_between(indptr, indices, a, s)
            total_len += arc_len[arc]
            total_risk += arc_risk[arc]
            i -= 1
            flat[i] = a
            s = a
        length[p] = total_len
        risk[p] = total_risk
    return length, risk, ptr, flat


@njit(cache=True)
def _heap_push(keys: np.ndarray, items: np.ndarray, size: int, key: float, item: int) -> int:
    i = size
    keys[i] = key
    items[i] = item
    while i > 0:
        up = (i - 1) >> 1
        if keys[up] <= keys[i]:
            break
        keys[up], keys[i] = keys[i], keys[up]
        items[up], items[i] = items[i], items[up]
        i = up
    return size + 1


@njit(cache=True)
def _heap_pop(keys: np.ndarray, items: np.ndarray, size: int) -> int:
    size -= 1
    keys[0] = keys[size]
    items[0] = items[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and keys[c + 1] < keys[c]:
            c += 1
        if keys[i] <= keys[c]:
            break
        keys[c], keys[i] = keys[i], keys[c]
        items[c], items[i] = items[i], items[c]
        i = c
    return size


@njit(cache=True)
def _key(s: int, length: float, risk: float, dist: np.ndarray, lams: np.ndarray,
         max_len: float) -> float:
    """Least risk of any way from a source through ``s`` with this label, within the cap.

    ``dist[k, s]`` is the least ``length + λ_k · risk`` from a source to the start of state
    ``s``; a route within the cap that ends with the label has a part before ``s`` of length at
    most ``max_len − length``, hence risk at least ``(dist[k, s] + length − max_len) / λ_k``.
    """
    h = 0.0
    for k in range(len(lams)):
        v = (dist[k, s] + length - max_len) / lams[k]
        if v > h:
            h = v
    return risk + h


@njit(cache=True)
def _dominated(head: np.ndarray, nxt: np.ndarray, lab_len: np.ndarray, lab_risk: np.ndarray,
               s: int, length: float, risk: float) -> bool:
    q = head[s]
    while q >= 0:
        if lab_len[q] <= length and lab_risk[q] <= risk:
            return True
        q = nxt[q]
    return False


@njit(cache=True)
def _search_one(graph: tuple[np.ndarray, ...], bounds: tuple[np.ndarray, np.ndarray],
                is_source: np.ndarray, ends: np.ndarray, cap: float, best: float, tol: float,
                work: Labels) -> tuple[float, int, float, int]:
    """One destination's search (see :func:`label_search`).

    Returns the best risk, the label of the best route found (-1: none beat ``best``), the
    bound proven and the labels created; ``work`` holds the labels (its ``head`` is left all
    -1 again for the next search).
    """
    r_ptr, r_tail, r_arc, arc_len, arc_risk, state_len, state_risk = graph
    dist, lams = bounds
    lab_state, lab_up, nxt, items, head, touched = work[0]
    lab_len, lab_risk, keys = work[1]
    max_labels = len(lab_state)
    cut = best * (1.0 + EPS) + EPS
    found, size, n_lab, n_touched = -1, 0, 0, 0
    for e in ends:
        length, risk = state_len[e], state_risk[e]
        key = _key(e, length, risk, dist, lams, cap)
        if key > cut or n_lab >= max_labels:
            continue
        lab_state[n_lab], lab_len[n_lab], lab_risk[n_lab], lab_up[n_lab] = e, length, risk, -1
        size = _heap_push(keys, items, size, key, n_lab)
        if is_source[e] and length <= cap and risk * (1.0 + EPS) + EPS < best:
            best, found = risk, n_lab
            cut = best * (1.0 + EPS) + EPS
        n_lab += 1
    bound = -1.0  # stays negative while the heap still holds labels below the best route
    while size > 0:
        key, lab = keys[0], items[0]
        if key >= (1.0 - tol) * best:
            bound = min(key, best)
            break
        size = _heap_pop(keys, items, size)
        s, length, risk = lab_state[lab], lab_len[lab], lab_risk[lab]
        if _dominated(head, nxt, lab_len, lab_risk, s, length, risk):
            continue
        if n_lab + r_ptr[s + 1] - r_ptr[s] > max_labels:  # out of budget: the key bounds all
            bound = key
            break
        if head[s] < 0:
            touched[n_touched] = s
            n_touched += 1
        nxt[lab] = head[s]
        head[s] = lab
        for j in range(r_ptr[s], r_ptr[s + 1]):
            a, arc = r_tail[j], r_arc[j]
            length2, risk2 = length + arc_len[arc], risk + arc_risk[arc]
            key2 = _key(a, length2, risk2, dist, lams, cap)
            if key2 > cut or _dominated(head, nxt, lab_len, lab_risk, a, length2, risk2):
                continue
            lab_state[n_lab], lab_len[n_lab], lab_risk[n_lab] = a, length2, risk2
            lab_up[n_lab] = lab
            if is_source[a] and length2 <= cap and risk2 * (1.0 + EPS) + EPS < best:
                best, found = risk2, n_lab
                cut = best * (1.0 + EPS) + EPS
            size = _heap_push(keys, items, size, key2, n_lab)
            n_lab += 1
    if bound < 0.0:  # every label explored or pruned: the best route is optimal
        bound = best
    for t in range(n_touched):
        head[touched[t]] = -1
    return best, found, bound, n_lab


@njit(cache=True)
def _path(lab_state: np.ndarray, lab_up: np.ndarray, found: int, paths: np.ndarray,
          start: int) -> tuple[np.ndarray, int]:
    """Write the states of label ``found``'s route at ``paths[start:]`` (grown if need be)."""
    count, q = 0, found
    while q >= 0:
        count += 1
        q = lab_up[q]
    if start + count > len(paths):
        grown = np.empty(2 * (start + count), np.int64)
        grown[:start] = paths[:start]
        paths = grown
    q, i = found, start
    while q >= 0:
        paths[i] = lab_state[q]
        i += 1
        q = lab_up[q]
    return paths, count


@njit(cache=True)
def label_search(graph: tuple[np.ndarray, ...], bounds: tuple[np.ndarray, np.ndarray],
                 targets: tuple[np.ndarray, ...], tol: float, max_labels: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                            np.ndarray]:
    """Least risky route within the cap to each destination, searched backwards (A*).

    Labels ``(length, risk)`` of ways from a state to the destination grow backwards from the
    destination's end states along reversed arcs, in order of their key (:func:`_key`, a lower
    bound on the risk of any route within the cap that ends with them, from the trees'
    distances). A label is dropped when its key is above the best route known (``upper`` at
    first), or when a label already expanded at its state is no longer and no riskier. A label
    at a source state is a route. The search stops when the least key left is at least
    ``(1 − tol)`` times the best route's risk (``tol = 0``: the best route is optimal), or when
    it would create more than ``max_labels`` labels (the least key left is then the bound).

    Parameters
    ----------
    graph : tuple
        ``(ptr, tail, arc, arc_len, arc_risk, state_len, state_risk)``: the arcs entering each
        state (CSR by head: their tails and arc indices), the arcs' weights, the states' own.
    bounds : tuple
        ``(dist, lams)``: unbounded trees' distances from the sources, ``(trees, states)``,
        and their risk weights (all > 0).
    targets : tuple
        ``(is_source, end_ptr, end_idx, max_len, upper)``: source states, each destination's
        end states (CSR), its length cap and the risk of the route to beat.
    tol : float
        Relative gap at which a search may stop.
    max_labels : int
        Labels per destination at most.

    Returns
    -------
    tuple
        Per destination: risk and length of the best route found (nan length when none beat
        ``upper``), the proven lower bound on the risk of any route within the cap, labels
        created; and the improved routes' states (first to last) as a flat array cut by a
        pointer array.
    """
    is_source, end_ptr, end_idx, max_len, upper = targets
    n, nd = len(graph[5]), len(max_len)
    work = ((np.empty(max_labels, np.int64), np.empty(max_labels, np.int64),
             np.empty(max_labels, np.int64), np.empty(max_labels, np.int64),
             np.full(n, -1, np.int64), np.empty(n, np.int64)),
            (np.empty(max_labels), np.empty(max_labels), np.empty(max_labels)))
    out_risk, out_len, out_bound = np.empty(nd), np.full(nd, np.nan), np.empty(nd)
    out_labels = np.zeros(nd, np.int64)
    path_ptr = np.zeros(nd + 1, np.int64)
    paths = np.empty(1024, np.int64)
    for d in range(nd):
        best, found, bound, n_lab = _search_one(
            graph, bounds, is_source, end_idx[end_ptr[d]:end_ptr[d + 1]], max_len[d], upper[d],
            tol, work)
        out_risk[d], out_bound[d], out_labels[d] = best, bound, n_lab
        count = 0
        if found >= 0:
            out_len[d] = work[1][0][found]
            paths, count = _path(work[0][0], work[0][1], found, paths, path_ptr[d])
        path_ptr[d + 1] = path_ptr[d] + count
    return out_risk, out_len, out_bound, out_labels, path_ptr, paths[:path_ptr[nd]]
