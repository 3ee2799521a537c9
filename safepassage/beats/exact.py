"""How good the loops are: the exact optimum of small instances, and a bound for large ones.

:func:`exact_worth` solves a small instance exactly, by brute force over the subsets of the
corridor streets within reach: for every subset and every place a loop can be after walking
it, the shortest walk that collects exactly those streets (a Held-Karp dynamic programme over
the streets, each walked in either direction, joined by shortest paths). Any closed walk can
be shortened to such a walk without losing a street, so the best subset whose loop fits the
budget is the optimum. With several officers, the subsets each can walk are combined, every
street counting once. It is exponential in the number of streets: :data:`EXACT_MAX_SEGMENTS`
at most.

:func:`worth_bound` is an upper bound for any instance: a loop of ``L`` metres walks at most
``L`` metres of corridor, so the officers together collect at most the best ``n × L`` metres
of the corridor they can reach (a fractional knapsack by worth per metre).
"""

from __future__ import annotations

import numpy as np

from .instance import EPS_M, BeatInstance

__all__ = ["EXACT_MAX_SEGMENTS", "exact_worth", "loop_subsets", "worth_bound"]

#: The most corridor streets (within reach of the officers) :func:`exact_worth` solves.
EXACT_MAX_SEGMENTS = 12


def _reachable_segments(inst: BeatInstance, budget_m: float, free: np.ndarray) -> np.ndarray:
    ok = (inst.reach <= budget_m + EPS_M).any(axis=0) & (free[inst.arc_seg] > 0)
    return np.unique(inst.arc_seg[ok])


def loop_subsets(inst: BeatInstance, officer: int, budget_m: float,
                 segments: np.ndarray) -> np.ndarray:
    """Which subsets of ``segments`` one officer's loop can walk within the budget.

    Parameters
    ----------
    inst : BeatInstance
        The instance.
    officer : int
        Whose loop.
    budget_m : float
        The longest loop (search metres).
    segments : numpy.ndarray
        Street segments, at most :data:`EXACT_MAX_SEGMENTS`; bit ``j`` of a subset is
        ``segments[j]``.

    Returns
    -------
    numpy.ndarray
        Boolean, one entry per subset (``2 ** len(segments)``): whether a closed walk from the
        officer's start of at most ``budget_m`` walks every street of the subset.
    """
    m = int(segments.size)
    if m > EXACT_MAX_SEGMENTS:
        raise ValueError(f"{m} segments is too many to enumerate (at most "
                         f"{EXACT_MAX_SEGMENTS})")
    bit_of = {int(s): j for j, s in enumerate(segments.tolist())}
    arcs = np.array([a for a in range(inst.n_arcs) if int(inst.arc_seg[a]) in bit_of
                     and inst.reach[officer, a] <= budget_m + EPS_M], dtype=np.int64)
    start = int(inst.start_term[officer])
    places = np.unique(np.concatenate([[start], inst.arc_tail[arcs], inst.arc_head[arcs]]))
    local = {int(t): i for i, t in enumerate(places.tolist())}
    d = inst.dist[np.ix_(places, places)]
    s = local[start]
    tail = np.array([local[int(t)] for t in inst.arc_tail[arcs]], dtype=np.int64)
    head = np.array([local[int(t)] for t in inst.arc_head[arcs]], dtype=np.int64)
    bits = np.array([1 << bit_of[int(x)] for x in inst.arc_seg[arcs]], dtype=np.int64)
    length = inst.arc_len[arcs]
    best = np.full((1 << m, places.size), np.inf)
    np.minimum.at(best, (bits, head), d[s, tail] + length)
    for mask in range(1, 1 << m):
        row = best[mask]
        if not np.isfinite(row).any():
            continue
        reach = (row[:, None] + d[:, tail]).min(axis=0) + length
        new = (mask & bits) == 0
        np.minimum.at(best, (mask | bits[new], head[new]), reach[new])
    closed = (best + d[:, s][None, :]).min(axis=1)
    feasible = closed <= budget_m + EPS_M
    feasible[0] = True
    return feasible


def _subset_worth(worth: np.ndarray) -> np.ndarray:
    """Worth of every subset of the items (bit ``j`` is item ``j``)."""
    out = np.zeros(1 << worth.size)
    for j, w in enumerate(worth.tolist()):
        out[1 << j: 1 << (j + 1)] = out[: 1 << j] + w
    return out


def exact_worth(inst: BeatInstance, budget_m: float, free: np.ndarray | None = None
                ) -> float | None:
    """The most corridor worth the officers' loops can walk together, found exactly.

    Parameters
    ----------
    inst : BeatInstance
        The instance.
    budget_m : float
        Each loop's longest length (search metres).
    free : numpy.ndarray, optional
        Worth of each segment (default ``inst.prize``).

    Returns
    -------
    float or None
        The optimum, or None when more than :data:`EXACT_MAX_SEGMENTS` corridor streets are
        within reach.
    """
    free = inst.prize if free is None else free
    segments = _reachable_segments(inst, budget_m, free)
    if segments.size > EXACT_MAX_SEGMENTS:
        return None
    if not segments.size:
        return 0.0
    worth = _subset_worth(free[segments])
    union = np.zeros(1 << segments.size, dtype=bool)
    union[0] = True
    for o in range(inst.n_officers):
        sets = np.flatnonzero(loop_subsets(inst, o, budget_m, segments))
        have = np.flatnonzero(union)
        nxt = np.zeros_like(union)
        for f in sets.tolist():
            nxt[have | f] = True
        union = nxt
    return float(worth[union].max())


def worth_bound(inst: BeatInstance, budget_m: float, free: np.ndarray | None = None) -> float:
    """An upper bound on the worth the officers' loops can walk together.

    Each loop of ``budget_m`` metres walks at most ``budget_m`` metres of corridor, all of it
    within its officer's reach: the bound is the best ``n_officers × budget_m`` metres of the
    reachable corridor by worth per metre (a fractional knapsack).
    """
    free = inst.prize if free is None else free
    segments = _reachable_segments(inst, budget_m, free)
    if not segments.size:
        return 0.0
    length = inst.graph.net.seg_len[segments]
    worth = free[segments]
    order = np.argsort(-worth / np.maximum(length, 1e-9), kind="stable")
    room = inst.n_officers * float(budget_m)
    total = 0.0
    for k in order.tolist():
        take = min(1.0, room / length[k]) if length[k] > 0 else 1.0
        total += take * float(worth[k])
        room -= take * float(length[k])
        if room <= 0:
            break
    return total
