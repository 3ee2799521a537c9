"""Heuristics for the covering models: greedy, 1-swap improvement, and pruning for set covering.

All work on the full :class:`~safepassage.locate.problem.Problem` (not the reduced model), on
free candidates: the locked posts are always in, the banned ones never. Ties go to the lowest
index, so the same input always gives the same picks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .problem import RTOL, Problem

__all__ = [
    "GreedyRun",
    "Start",
    "best_start",
    "drop_redundant",
    "greedy",
    "lp_starts",
    "objective",
    "shrink",
    "swap_improve",
    "top_up",
]


@dataclass(frozen=True)
class GreedyRun:
    """Outcome of the greedy heuristic.

    Attributes
    ----------
    order : numpy.ndarray
        Picked free candidates in pick order (locked ones not included).
    values : numpy.ndarray
        Objective after the locked posts only, then after each pick.
    online_bound : float
        Minimum over the steps of value + the largest remaining marginal gains (an upper bound
        on the optimum for the budget); ``inf`` when not valid.
    """

    order: np.ndarray
    values: np.ndarray
    online_bound: float


@dataclass(frozen=True)
class Start:
    """A heuristic solution: free picks, where they came from and how many swaps improved them."""

    name: str
    picks: np.ndarray
    swaps: int


def _value_vector(cnt: np.ndarray, w: np.ndarray, fb: np.ndarray | None) -> np.ndarray:
    """Gain per segment of one more cover, given current cover counts."""
    v = np.where(cnt == 0, w, 0.0)
    if fb is not None:
        v = v + np.where(cnt == 1, fb, 0.0)
    return v


def objective(prob: Problem, picks: np.ndarray, use_backup: bool) -> float:
    """Return the maximal-covering objective of the locked posts plus ``picks``.

    Parameters
    ----------
    prob : Problem
        The checked input.
    picks : numpy.ndarray
        Free candidates chosen.
    use_backup : bool
        Count the backup weight of segments covered twice.

    Returns
    -------
    float
        Covered weight (plus ``factor ×`` backup weight covered twice).
    """
    cnt = prob.times_covered(np.concatenate([prob.locked, picks]).astype(np.intp))
    value = float(prob.weights[cnt >= 1].sum())
    if use_backup and prob.backup_weights is not None:
        value += prob.backup_factor * float(prob.backup_weights[cnt >= 2].sum())
    return value


def _online_bound(value: float, gains: np.ndarray, taken: np.ndarray, k_budget: int) -> float:
    """Return value + the sum of the ``k_budget`` largest positive gains of untaken candidates."""
    finite = np.where(taken, 0.0, gains)
    top = np.partition(finite, finite.size - k_budget)[finite.size - k_budget:]
    return value + float(np.maximum(top, 0.0).sum())


def greedy(
    prob: Problem,
    n_picks: int,
    *,
    use_backup: bool,
    stop_at: float | None = None,
    pool: np.ndarray | None = None,
) -> GreedyRun:
    """Pick ``n_picks`` free candidates one by one by largest marginal gain (lowest index on ties).

    Vectorised: one sparse matrix–vector product per pick.

    Parameters
    ----------
    prob : Problem
        The checked input.
    n_picks : int
        Budget of free posts.
    use_backup : bool
        Count the backup weight of segments covered twice.
    stop_at : float, optional
        Stop as soon as the objective reaches it (set covering) or no candidate adds anything.
    pool : numpy.ndarray, optional
        Pick only among these candidates (the online bound is then ``inf``: no bound).

    Returns
    -------
    GreedyRun
        Picks, objective after each, and the online bound for the budget ``n_picks``.
    """
    free = prob.free if pool is None else np.intersect1d(prob.free, pool)
    w = prob.weights
    fb = prob.backup_values(use_backup)
    cnt = prob.times_covered(prob.locked)
    value = float(w[cnt >= 1].sum() + (fb[cnt >= 2].sum() if fb is not None else 0.0))
    sub = sp.csr_array(prob.covers[free], dtype=np.float64)
    sub_ptr, sub_idx = sub.indptr, sub.indices
    taken = np.zeros(free.size, dtype=bool)
    # The coverage objective is submodular when a second cover never gains more than the first.
    submodular = fb is None or bool(np.all(fb <= w))
    k_budget = min(n_picks, free.size)
    online = math.inf
    order: list[int] = []
    values = [value]
    vvec = _value_vector(cnt, w, fb)
    for step in range(k_budget + 1):
        gains = sub @ vvec
        gains[taken] = -np.inf
        if submodular and k_budget:
            online = min(online, _online_bound(value, gains, taken, k_budget))
        if step == k_budget or (stop_at is not None and value >= stop_at):
            break
        j = int(np.argmax(gains))
        if stop_at is not None and not gains[j] > 0:
            break
        taken[j] = True
        order.append(j)
        segs = sub_idx[sub_ptr[j]:sub_ptr[j + 1]]
        cnt[segs] += 1
        vvec[segs] = _value_vector(cnt[segs], w[segs], None if fb is None else fb[segs])
        value += float(gains[j])
        values.append(value)
    if not submodular or pool is not None:
        online = math.inf
    return GreedyRun(free[np.asarray(order, dtype=np.intp)], np.asarray(values), online)


def _swap_deltas(
    sub: sp.csr_array, pos: np.ndarray, cnt: np.ndarray, w: np.ndarray, fb: np.ndarray | None
) -> np.ndarray:
    """Return the objective change of every swap (row: candidate in, column: chosen post out).

    ``gain(j) - loss(s) + Σ_i a_si a_ji (loss_i - gain_i)``, where ``gain_i``/``loss_i`` are
    a segment's value of one more/one fewer cover.
    """
    gain_i = np.where(cnt == 0, w, 0.0)
    loss_i = np.where(cnt == 1, w, 0.0)
    if fb is not None:
        gain_i += np.where(cnt == 1, fb, 0.0)
        loss_i += np.where(cnt == 2, fb, 0.0)
    chosen_rows = sp.csr_array(sub[pos])
    gain_j = sub @ gain_i
    loss_s = chosen_rows @ loss_i
    cross = (sub @ sp.csr_array(chosen_rows.multiply((loss_i - gain_i)[None, :])).T)
    return np.asarray(gain_j[:, None] - loss_s[None, :] + cross.toarray())


def swap_improve(
    prob: Problem, picks: np.ndarray, *, use_backup: bool, max_swaps: int = 10_000
) -> tuple[np.ndarray, int]:
    """Improve free ``picks`` by best-improvement 1-swaps (Teitz–Bart interchange).

    For every chosen free post and unchosen free candidate the change of the objective when
    one replaces the other is evaluated at once; the best swap is applied (lowest indices on
    ties) while it improves the objective by more than a relative ``1e-9``.

    Parameters
    ----------
    prob : Problem
        The checked input.
    picks : numpy.ndarray
        Free candidates chosen.
    use_backup : bool
        Count the backup weight of segments covered twice.
    max_swaps : int, optional
        Safety stop.

    Returns
    -------
    tuple of (numpy.ndarray, int)
        Sorted improved picks (original indices) and the number of swaps made.
    """
    free = prob.free
    k = picks.size
    if k == 0 or k >= free.size:
        return np.sort(picks), 0
    w = prob.weights
    fb = prob.backup_values(use_backup)
    sub = sp.csr_array(prob.covers[free], dtype=np.float64)
    ptr, idx = sub.indptr, sub.indices
    pos = np.searchsorted(free, np.sort(picks))
    in_s = np.zeros(free.size, dtype=bool)
    in_s[pos] = True
    cnt = prob.times_covered(np.concatenate([prob.locked, picks]))
    scale = float(w.sum() + (fb.sum() if fb is not None else 0.0))
    tol = RTOL * max(scale, 1e-300)
    swaps = 0
    while swaps < max_swaps:
        delta = _swap_deltas(sub, pos, cnt, w, fb)
        delta[in_s, :] = -np.inf
        j, si = divmod(int(np.argmax(delta)), k)
        if not delta[j, si] > tol:
            break
        s_old = pos[si]
        cnt[idx[ptr[s_old]:ptr[s_old + 1]]] -= 1
        cnt[idx[ptr[j]:ptr[j + 1]]] += 1
        in_s[s_old], in_s[j] = False, True
        pos[si] = j
        pos.sort()
        swaps += 1
    return free[pos], swaps


def top_up(prob: Problem, picks: np.ndarray, k: int) -> np.ndarray:
    """Append the lowest-index free candidates not in ``picks`` until there are ``k``.

    Parameters
    ----------
    prob : Problem
        The checked input.
    picks : numpy.ndarray
        Free candidates chosen.
    k : int
        Wanted number of free posts.

    Returns
    -------
    numpy.ndarray
        ``picks`` followed by the fillers (``picks`` itself when it has ``k`` or more).
    """
    if picks.size >= k:
        return picks
    rest = np.setdiff1d(prob.free, picks)[: k - picks.size]
    return np.concatenate([picks, rest])


def lp_starts(
    prob: Problem, cand: np.ndarray, x_lp: np.ndarray, p_model: int, *, use_backup: bool
) -> list[Start]:
    """Return two starts built from the LP relaxation, each improved by 1-swaps.

    "LP rounding" takes the ``p_model`` candidates with the largest LP values (lowest index on
    ties); "greedy on LP support" runs greedy among the candidates with a positive LP value
    (only when there are more of them than ``p_model``).

    Parameters
    ----------
    prob : Problem
        The checked input.
    cand : numpy.ndarray
        Candidates of the reduced model, one per LP post variable.
    x_lp : numpy.ndarray
        LP values of the post variables.
    p_model : int
        Number of posts in the reduced model.
    use_backup : bool
        Count the backup weight of segments covered twice.

    Returns
    -------
    list of Start
        One or two starts.
    """
    order = np.lexsort((cand, -np.round(x_lp, 9)))
    top = cand[order[:p_model]]
    better, n = swap_improve(prob, top, use_backup=use_backup)
    starts = [Start("LP rounding", better, n)]
    support = cand[x_lp > 1e-6]
    if support.size > p_model:
        run = greedy(prob, p_model, use_backup=use_backup, pool=support)
        better, n = swap_improve(prob, run.order, use_backup=use_backup)
        starts.append(Start("greedy on LP support", better, n))
    return starts


def best_start(prob: Problem, starts: list[Start], *, use_backup: bool) -> Start:
    """Return the start with the largest objective (the earliest, unless beaten by > 1e-9).

    Parameters
    ----------
    prob : Problem
        The checked input.
    starts : list of Start
        Candidates, in order of preference.
    use_backup : bool
        Count the backup weight of segments covered twice.

    Returns
    -------
    Start
        The best one.
    """
    values = [objective(prob, s.picks, use_backup) for s in starts]
    best = 0
    for k in range(1, len(starts)):
        if values[k] > values[best] * (1 + RTOL):
            best = k
    return starts[best]


def drop_redundant(prob: Problem, picks: np.ndarray, need: float) -> np.ndarray:
    """Remove picks (latest first) whose removal keeps the covered weight at or above ``need``.

    Parameters
    ----------
    prob : Problem
        The checked input.
    picks : numpy.ndarray
        Free candidates in pick order.
    need : float
        Covered weight to keep.

    Returns
    -------
    numpy.ndarray of intp
        The picks left, in their order.
    """
    kept = list(picks)
    w = prob.weights
    for j in reversed(list(picks)):
        trial = np.asarray([c for c in kept if c != j], dtype=np.intp)
        cnt = prob.times_covered(np.concatenate([prob.locked, trial]))
        if float(w[cnt >= 1].sum()) >= need:
            kept = list(trial)
    return np.asarray(kept, dtype=np.intp)


def shrink(prob: Problem, picks: np.ndarray, need: float) -> np.ndarray:
    """Drop posts while 1-swaps can restore the covered weight to ``need`` (set covering).

    Each round removes the post whose loss is smallest (lowest index on ties), re-optimises
    the remaining ones by 1-swaps, and keeps the result if it still meets ``need``.

    Parameters
    ----------
    prob : Problem
        The checked input.
    picks : numpy.ndarray
        Free candidates meeting ``need``.
    need : float
        Covered weight to keep.

    Returns
    -------
    numpy.ndarray of intp
        Sorted picks, no more than given.
    """
    current = np.sort(np.asarray(picks, dtype=np.intp))
    w = prob.weights
    while current.size:
        cnt = prob.times_covered(np.concatenate([prob.locked, current]))
        loss = sp.csr_array(prob.covers[current], dtype=np.float64) @ np.where(cnt == 1, w, 0.0)
        trial = np.delete(current, int(np.argmin(loss)))
        trial, _ = swap_improve(prob, trial, use_backup=False)
        if objective(prob, trial, False) < need:
            break
        current = np.sort(trial)
    return current
