"""A shared pool of officers: covered weight per officer count, and the best split between sites.

:func:`coverage_curve` gives one site's covered weight for 0, 1, …, ``p_max`` posts;
:func:`allocate_pool` shares a pool between sites from their curves by an exact dynamic
programme.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .heuristics import greedy
from .mclp import MaximalCovering
from .problem import RTOL, CoverageLike, Method, as_count, check_method, make_problem

__all__ = ["allocate_pool", "coverage_curve"]

#: A site's curve: covered weight with 0, 1, 2, … officers.
Curve = Sequence[float] | np.ndarray


def coverage_curve(
    covers: CoverageLike,
    weights: npt.ArrayLike,
    p_max: int,
    *,
    locked: Iterable[int] = (),
    banned: Iterable[int] = (),
    method: Method = "exact",
    time_limit: float = 60,
) -> np.ndarray:
    """Return the covered weight for ``p = 0, 1, …, p_max`` posts at one site.

    Parameters
    ----------
    covers : scipy.sparse matrix or array-like of bool, shape (n_candidates, n_segments)
        Coverage matrix as in :meth:`MaximalCovering.from_coverage_matrix`.
    weights : array-like of float, shape (n_segments,)
        Non-negative segment weights.
    p_max : int
        Largest number of posts.
    locked, banned : iterable of int, optional
        Candidates that must / must not be chosen.
    method : {"exact", "greedy", "auto"}, optional
        How each point is solved. ``"greedy"`` runs the plain greedy once (its picks are
        nested, so one run gives the whole curve in milliseconds; no swap improvement); the
        others solve one :class:`MaximalCovering` per ``p``.
    time_limit : float, optional
        CBC time limit per point, in seconds.

    Returns
    -------
    numpy.ndarray of float, shape (p_max + 1,)
        ``curve[p]`` is the covered weight with ``p`` posts. Entries for ``p`` below the number
        of locked candidates are ``NaN`` (infeasible; :func:`allocate_pool` treats them so).
        Beyond the number of allowed candidates the curve stays flat. The curve is made
        non-decreasing (a time-limited solve that came out below the previous point is raised
        to it, which is achievable by adding any post to the previous selection).
    """
    p_max = as_count(p_max, "p_max")
    check_method(method)
    prob = make_problem(covers, weights, locked, banned)
    n_lock = prob.locked.size
    n_allowed = prob.allowed.size
    curve = np.full(p_max + 1, np.nan)
    if p_max < n_lock:
        return curve
    top = min(p_max, n_allowed)
    if method == "greedy":
        run = greedy(prob, top - n_lock, use_backup=False)
        vals = run.values
        curve[n_lock:n_lock + vals.size] = vals
        if n_lock + vals.size <= p_max:
            curve[n_lock + vals.size:] = vals[-1]
    else:
        for p in range(n_lock, top + 1):
            model = MaximalCovering(prob, p)
            curve[p] = model.solve(method, time_limit=time_limit).covered_weight
        curve[top + 1:] = curve[top]
    finite = np.isfinite(curve)
    curve[finite] = np.maximum.accumulate(curve[finite])
    return curve


# --------------------------------------------------------------------------------------------
# The shared pool
# --------------------------------------------------------------------------------------------


def _minimums(
    curves: Mapping[str, Curve], minimum: Mapping[str, int] | None, n: int
) -> dict[str, int]:
    """Check the per-site minimums against the sites and the pool; return one per site."""
    mins: dict[str, int] = dict.fromkeys(sorted(curves, key=str), 0)
    if minimum:
        unknown = [k for k in minimum if k not in curves]
        if unknown:
            raise InputError(f"minimum names unknown site(s): {', '.join(map(str, unknown))}")
        for k, v in minimum.items():
            mins[k] = as_count(v, f"minimum for {k!r}")
    if sum(mins.values()) > n:
        raise InputError(f"the minimums add up to {sum(mins.values())} officers but the pool "
                         f"has only {n}")
    return mins


def _site_values(name: str, curve: Curve, least: int) -> np.ndarray:
    """Return a site's curve as floats with ``-inf`` at infeasible counts (and below ``least``)."""
    try:
        arr = np.asarray(curve, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"curve for site {name!r} must be numbers") from None
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"curve for site {name!r} must be a non-empty 1-D sequence")
    if least >= arr.size:
        raise InputError(f"minimum {least} for site {name!r} exceeds its curve (counts "
                         f"0..{arr.size - 1})")
    arr = arr.copy()
    arr[~np.isfinite(arr)] = -np.inf
    arr[:least] = -np.inf
    if not np.any(np.isfinite(arr)):
        raise InputError(f"site {name!r} has no feasible officer count")
    return arr


def _add_site(
    best: list[tuple[float, int]], arr: np.ndarray, tol: float
) -> tuple[list[tuple[float, int]], list[int]]:
    """One step of the dynamic programme: add a site to the best splits found so far.

    ``best[b]`` is the (value, officers used) of the best split of at most ``b`` officers over
    the sites already added. Returns the same with this site added, and the count given to it
    in each (``-1`` where infeasible). Among values within ``tol``, fewer officers win; then
    the lower count for this site.
    """
    n = len(best) - 1
    new: list[tuple[float, int]] = [(-math.inf, 0)] * (n + 1)
    pick = [-1] * (n + 1)
    for b in range(n + 1):
        for c in range(min(b, arr.size - 1) + 1):
            prev_val, prev_cnt = best[b - c]
            if not (math.isfinite(arr[c]) and math.isfinite(prev_val)):
                continue
            val, cnt = prev_val + float(arr[c]), prev_cnt + c
            cur_val, cur_cnt = new[b]
            if val > cur_val + tol or (abs(val - cur_val) <= tol and cnt < cur_cnt):
                new[b] = (val, cnt)
                pick[b] = c
    return new, pick


def allocate_pool(
    curves: Mapping[str, Sequence[float] | np.ndarray],
    n_officers: int,
    *,
    minimum: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Share ``n_officers`` between sites to maximise the total covered weight (exact DP).

    Each site's curve gives its covered weight with 0, 1, 2, … officers (e.g. from
    :func:`coverage_curve`); non-finite entries mark infeasible counts. A dynamic programme over
    sites and officers finds the split with the largest total.

    Officers who add nothing are not assigned: among splits whose totals tie (within a relative
    ``1e-9``), the one using the fewest officers wins, so the returned counts can sum to less
    than ``n_officers`` (the rest of the pool is better kept in reserve). Remaining ties are
    broken deterministically, independent of the mapping's order: sites are taken in sorted
    name order and the split giving the fewest officers to the last site wins, then to the one
    before it, and so on. Minimums are always honoured, even when those officers add nothing.

    Parameters
    ----------
    curves : mapping of str to sequence of float
        Covered weight per officer count for each site, starting at 0 officers.
    n_officers : int
        Size of the shared pool.
    minimum : mapping of str to int, optional
        Officers each site must get at least.

    Returns
    -------
    dict of str to int
        Officers per site, every site present (in the order of ``curves``), summing to at most
        ``n_officers``.

    Raises
    ------
    InputError
        For an empty or malformed curve, unknown sites in ``minimum``, minimums exceeding the
        pool or a site's curve, or a pool too small for any feasible split.
    """
    n = as_count(n_officers, "n_officers")
    if not curves:
        return {}
    names = sorted(curves, key=str)
    mins = _minimums(curves, minimum, n)
    values = {k: _site_values(k, curves[k], mins[k]) for k in names}
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    tol = RTOL * max(1.0, float(np.abs(finite).max(initial=0.0)) * len(names))

    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    choices: list[list[int]] = []
    for k in names:
        best, pick = _add_site(best, values[k], tol)
        choices.append(pick)
    if not math.isfinite(best[n][0]):
        raise InputError(f"no feasible split of {n} officers (minimums or locked posts need "
                         "more)")
    out: dict[str, int] = {}
    b = n
    for k, pick in zip(reversed(names), reversed(choices), strict=True):
        out[k] = pick[b]
        b -= pick[b]
    return {k: out[k] for k in curves}
