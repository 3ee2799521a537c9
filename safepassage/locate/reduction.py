"""Shrink a covering model before the solvers see it, without changing its optimum.

Segments no free candidate reaches, segments of zero weight and segments already covered by
locked posts drop out; segments with identical coverage columns are merged into one group with
summed weight; candidates whose coverage is a subset of another candidate's are dropped (plain
coverage only: with backup, a second cover of a segment has value of its own).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .problem import Problem

__all__ = ["Reduced", "reduce_problem"]


@dataclass(frozen=True)
class Reduced:
    """The covering model after dropping constant parts and merging identical segments.

    Attributes
    ----------
    cand : numpy.ndarray
        Original indices of the candidates left in the model.
    incidence : scipy.sparse.csr_array
        ``len(cand) × n_groups`` boolean matrix: which candidate reaches which merged group.
    locked_count : numpy.ndarray
        How many locked posts already cover each group (0 or 1; groups covered twice by locked
        posts are constant).
    w, b : numpy.ndarray
        Summed ordinary weight and summed ``factor × backup weight`` per group.
    constant : float
        Objective earned by the locked posts alone.
    n_segments_kept : int
        Original segments inside the groups.
    n_dominated : int
        Free candidates dropped (dominated, or reaching nothing that counts).
    """

    cand: np.ndarray
    incidence: sp.csr_array
    locked_count: np.ndarray
    w: np.ndarray
    b: np.ndarray
    constant: float
    n_segments_kept: int
    n_dominated: int

    def size(self) -> dict[str, int]:
        """Return the size of the reduced programme, as reported in ``model_size``."""
        return {
            "candidates": int(self.cand.size),
            "segment_groups": int(self.w.size),
            "segments": self.n_segments_kept,
            "dominated": self.n_dominated,
        }


def _group_segments(
    seg_by_cand: sp.csr_array, rows: np.ndarray, key_count: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, sp.csr_array]:
    """Merge segments with identical candidate sets (and locked counts, with backup).

    Returns the group of each row in ``rows``, each group's locked count, and the
    groups × candidates incidence matrix (groups numbered in order of first appearance).
    """
    groups: dict[tuple[int, bytes], int] = {}
    group_of = np.empty(rows.size, dtype=np.intp)
    indptr, indices = seg_by_cand.indptr, seg_by_cand.indices.astype(np.int64)
    for k, i in enumerate(rows):
        key = (int(key_count[i]) if key_count is not None else 0,
               indices[indptr[i]:indptr[i + 1]].tobytes())
        group_of[k] = groups.setdefault(key, len(groups))
    n_groups = len(groups)
    gc = np.zeros(n_groups, dtype=np.int64)
    col_ptr = [0]
    col_idx: list[np.ndarray] = []
    for (c, members_key), g in groups.items():  # dicts keep insertion order: g runs 0, 1, 2, …
        gc[g] = c
        members = np.frombuffer(members_key, dtype=np.int64)
        col_idx.append(members)
        col_ptr.append(col_ptr[-1] + members.size)
    data_idx = np.concatenate(col_idx) if n_groups else np.empty(0, dtype=np.int64)
    by_group = sp.csr_array(
        (np.ones(data_idx.size, dtype=bool), data_idx, np.asarray(col_ptr)),
        shape=(n_groups, seg_by_cand.shape[1]),
    )
    return group_of, gc, by_group


def _undominated(incidence: sp.csr_array) -> np.ndarray:
    """Return a mask of the candidates that are not dominated and reach at least one group.

    Candidate ``j`` is dominated when its groups are a subset of another candidate ``k``'s (a
    strict superset, or the same set with ``k`` the lower index). Swapping ``j`` for ``k``
    never loses coverage, so an optimum without dominated candidates exists whenever the budget
    does not exceed the number of undominated ones (checked by the caller).
    """
    keep = np.ones(incidence.shape[0], dtype=bool)
    inc = incidence.astype(np.int32)
    size = np.asarray(inc.sum(axis=1)).ravel()
    overlap = sp.coo_array(inc @ inc.T)
    r, c, d = overlap.row, overlap.col, overlap.data
    mask = (r != c) & (d == size[r]) & (
        (size[c] > size[r]) | ((size[c] == size[r]) & (c < r))
    )
    keep[np.unique(r[mask])] = False
    keep &= size > 0
    return keep


def reduce_problem(prob: Problem, *, use_backup: bool, dominance: bool = True) -> Reduced:
    """Reduce the covering model without changing its optimum (see the module docstring).

    Parameters
    ----------
    prob : Problem
        The checked input.
    use_backup : bool
        Whether second covers earn backup weight.
    dominance : bool, optional
        Drop dominated candidates (ignored with backup).

    Returns
    -------
    Reduced
        The reduced model.
    """
    n_seg = prob.n_segments
    free = prob.free
    w = prob.weights
    fb = prob.backup_values(use_backup)
    bw = fb if fb is not None else np.zeros(n_seg)
    cnt = prob.times_covered(prob.locked)
    constant = float(w[cnt >= 1].sum() + bw[cnt >= 2].sum())

    seg_by_cand = sp.csr_array(prob.covers[free].T)  # segments × free candidates
    seg_by_cand.sort_indices()
    row_len = np.diff(seg_by_cand.indptr)
    if use_backup:
        relevant = ((cnt == 0) & ((w > 0) | (bw > 0))) | ((cnt == 1) & (bw > 0))
    else:
        relevant = (cnt == 0) & (w > 0)
    relevant &= row_len > 0
    rows = np.flatnonzero(relevant)

    group_of, gc, by_group = _group_segments(seg_by_cand, rows, cnt if use_backup else None)
    n_groups = gc.size
    gw = np.bincount(group_of, weights=w[rows], minlength=n_groups)
    gb = np.bincount(group_of, weights=bw[rows], minlength=n_groups)
    incidence = sp.csr_array(by_group.T)  # candidates × groups
    incidence.sort_indices()

    keep = np.ones(free.size, dtype=bool)
    if dominance and not use_backup and free.size:
        keep = _undominated(incidence)
    return Reduced(
        cand=free[keep],
        incidence=sp.csr_array(incidence[keep]),
        locked_count=gc,
        w=gw,
        b=gb,
        constant=constant,
        n_segments_kept=int(rows.size),
        n_dominated=int((~keep).sum()),
    )
