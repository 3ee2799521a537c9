"""Checked input of the covering models: coverage matrix, weights, locked/banned posts, backup.

Everything the user passes to :mod:`safepassage.locate` is validated here, once, and turned
into a :class:`Problem`; errors name the offending parameter (:class:`InputError`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, SupportsIndex, TypeAlias, TypedDict, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ..errors import InputError

__all__ = [
    "RTOL",
    "BackupSpec",
    "CoverageLike",
    "Method",
    "Problem",
    "as_count",
    "check_method",
    "check_time_limit",
    "covers_from_costs",
    "few",
    "make_problem",
]

#: How a model is solved: see :mod:`safepassage.locate`.
Method: TypeAlias = Literal["exact", "greedy", "auto"]
#: A candidates × segments matrix: any scipy sparse matrix/array or anything numpy can read.
CoverageLike: TypeAlias = sp.sparray | sp.spmatrix | npt.ArrayLike

#: Relative tolerance used when comparing floating-point weights (targets, ties, bounds).
RTOL = 1e-9


class BackupSpec(TypedDict):
    """Backup-coverage option of :meth:`MaximalCovering.from_coverage_matrix`.

    ``weights`` holds one non-negative value per segment; a segment with positive backup weight
    earns ``factor × weight`` on top of its ordinary weight when at least two chosen posts
    cover it.
    """

    weights: npt.ArrayLike
    factor: float


# --------------------------------------------------------------------------------------------
# Single values
# --------------------------------------------------------------------------------------------


def few(idx: np.ndarray, k: int = 5) -> str:
    """Format the first ``k`` entries of an index array for an error message.

    Parameters
    ----------
    idx : numpy.ndarray
        Indices.
    k : int, optional
        How many to show.

    Returns
    -------
    str
        E.g. ``"3, 7, 9"`` or ``"1, 2, 3, 4, 5, … (12 in all)"``.
    """
    shown = ", ".join(str(int(i)) for i in idx[:k])
    return shown + (f", … ({idx.size} in all)" if idx.size > k else "")


def as_count(value: object, what: str) -> int:
    """Return ``value`` as a non-negative int, refusing booleans and non-integral numbers.

    Parameters
    ----------
    value : object
        What the user gave.
    what : str
        Parameter name for the error message.

    Returns
    -------
    int
        The count.

    Raises
    ------
    InputError
        For booleans, non-integers and negative values.
    """
    if isinstance(value, bool | np.bool_):
        raise InputError(f"{what} must be an integer, got a boolean")
    if not isinstance(value, SupportsIndex):
        raise InputError(f"{what} must be an integer, got {value!r}")
    out = operator.index(value)
    if out < 0:
        raise InputError(f"{what} must be ≥ 0, got {out}")
    return out


def check_time_limit(time_limit: object) -> float:
    """Validate a solver time limit in seconds.

    Parameters
    ----------
    time_limit : object
        What the user gave.

    Returns
    -------
    float
        The limit, positive and finite.

    Raises
    ------
    InputError
        For anything else.
    """
    try:
        out = float(cast(float, time_limit))
    except (TypeError, ValueError):
        raise InputError(f"time_limit must be a number of seconds, got {time_limit!r}") from None
    if not (out > 0 and math.isfinite(out)):
        raise InputError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    return out


def check_method(method: object) -> Method:
    """Validate the ``method`` argument of ``solve``.

    Parameters
    ----------
    method : object
        What the user gave.

    Returns
    -------
    {"exact", "greedy", "auto"}
        The method.

    Raises
    ------
    InputError
        For anything else.
    """
    if method not in ("exact", "greedy", "auto"):
        raise InputError(f"method must be 'exact', 'greedy' or 'auto', got {method!r}")
    return method


# --------------------------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------------------------


def as_coverage(covers: CoverageLike, what: str = "covers") -> sp.csr_array:
    """Return ``covers`` as a canonical boolean CSR array (sorted indices, no explicit zeros).

    Parameters
    ----------
    covers : scipy.sparse matrix or array-like
        Candidates × segments; nonzero numbers count as true.
    what : str, optional
        Parameter name for error messages.

    Returns
    -------
    scipy.sparse.csr_array
        Boolean coverage matrix.
    """
    if sp.issparse(covers):
        mat = sp.csr_array(covers)
    else:
        arr: np.ndarray = np.asarray(covers)
        if arr.ndim != 2:
            raise InputError(
                f"{what} must be a 2-D matrix (candidates × segments), got {arr.ndim}-D"
            )
        mat = sp.csr_array(arr)
    if mat.ndim != 2:
        raise InputError(f"{what} must be a 2-D matrix (candidates × segments)")
    mat.sum_duplicates()
    if mat.dtype != bool:
        if not (np.issubdtype(mat.dtype, np.number)):
            raise InputError(f"{what} must hold booleans or numbers, got dtype {mat.dtype}")
        if mat.nnz and not np.all(np.isfinite(mat.data)):
            raise InputError(f"{what} contains NaN or infinite entries; use True/False (or 1/0)")
        mat = sp.csr_array(mat != 0)
    mat.eliminate_zeros()
    mat.sort_indices()
    return mat


def as_weights(values: object, n: int, what: str) -> np.ndarray:
    """Return ``values`` as a float64 vector of length ``n`` after checking sign and finiteness.

    Parameters
    ----------
    values : array-like of float
        One value per segment.
    n : int
        Number of segments.
    what : str
        Parameter name for error messages.

    Returns
    -------
    numpy.ndarray
        A fresh float64 copy.
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be numbers: {exc}") from None
    if arr.ndim != 1:
        raise InputError(f"{what} must be a 1-D array with one value per segment, got shape "
                         f"{arr.shape}")
    if arr.shape[0] != n:
        raise InputError(f"shape mismatch: {what} has {arr.shape[0]} values but the coverage "
                         f"matrix has {n} segments (columns)")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} contains NaN or infinite values")
    if np.any(arr < 0):
        bad = np.flatnonzero(arr < 0)
        raise InputError(f"{what} must be non-negative; negative at segment(s) "
                         f"{few(bad)}")
    return arr.copy()


def _integral(arr: np.ndarray, what: str) -> np.ndarray:
    """Return candidate indices as integers, accepting floats with integral values only."""
    if arr.dtype == bool:
        raise InputError(f"{what} must list candidate indices, not a boolean mask")
    if np.issubdtype(arr.dtype, np.integer):
        return arr
    if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(
        arr == np.round(arr)
    ):
        return arr.astype(np.int64)
    raise InputError(f"{what} must be integer candidate indices, got {arr.dtype}")


def as_index_set(values: Iterable[int] | npt.ArrayLike, n: int, what: str) -> np.ndarray:
    """Return candidate indices as a sorted, duplicate-free ``intp`` array, checking the range.

    Parameters
    ----------
    values : iterable of int or array-like
        Candidate indices.
    n : int
        Number of candidates.
    what : str
        Parameter name for error messages.

    Returns
    -------
    numpy.ndarray of intp
        Sorted unique indices in ``0 .. n - 1``.
    """
    if isinstance(values, np.ndarray):
        arr = values.ravel()
    else:
        try:
            arr = np.asarray(list(cast(Iterable[int], values)))
        except TypeError:
            raise InputError(f"{what} must be a sequence of candidate indices") from None
    if arr.size == 0:
        return np.empty(0, dtype=np.intp)
    arr = _integral(arr, what)
    out_of_range = arr[(arr < 0) | (arr >= n)]
    if out_of_range.size:
        raise InputError(f"{what} has candidate indices outside 0..{n - 1}: "
                         f"{few(np.unique(out_of_range))}")
    return np.unique(arr).astype(np.intp)


def covers_from_costs(cost_matrix: CoverageLike, service_radius: float) -> sp.csr_array:
    """Turn a candidate × segment distance matrix into a boolean coverage matrix.

    Parameters
    ----------
    cost_matrix : array-like or scipy.sparse matrix, shape (n_candidates, n_segments)
        Distances. Dense input: entries ``≤ service_radius`` are covered; ``inf`` and ``NaN``
        mean unreachable. Sparse input: stored entries ``≤ service_radius`` are covered (a
        stored ``0`` is a distance of zero); entries that are not stored are unreachable.
    service_radius : float
        Largest distance a post covers.

    Returns
    -------
    scipy.sparse.csr_array
        Boolean coverage matrix.
    """
    try:
        radius = float(service_radius)
    except (TypeError, ValueError):
        raise InputError(f"service_radius must be a number, got {service_radius!r}") from None
    if not (radius >= 0 and math.isfinite(radius)):
        raise InputError(f"service_radius must be finite and ≥ 0, got {service_radius!r}")
    if sp.issparse(cost_matrix):
        coo = sp.coo_array(cost_matrix)
        if coo.ndim != 2:
            raise InputError("cost_matrix must be 2-D (candidates × segments)")
        data = np.asarray(coo.data, dtype=np.float64)
        if np.any(data < 0):
            raise InputError("cost_matrix has negative distances")
        keep = data <= radius  # NaN compares False: unreachable
        mat = sp.csr_array(
            (np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])),
            shape=coo.shape,
        )
    else:
        arr = np.asarray(cost_matrix, dtype=np.float64)
        if arr.ndim != 2:
            raise InputError(f"cost_matrix must be 2-D (candidates × segments), got {arr.ndim}-D")
        if np.any(arr < 0):
            raise InputError("cost_matrix has negative distances")
        with np.errstate(invalid="ignore"):
            mat = sp.csr_array(arr <= radius)
    return as_coverage(mat, "cost_matrix")


# --------------------------------------------------------------------------------------------
# The problem
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Checked input shared by the covering models.

    Attributes
    ----------
    covers : scipy.sparse.csr_array
        Boolean coverage matrix, candidates × segments.
    weights : numpy.ndarray
        Non-negative weight per segment.
    locked, banned : numpy.ndarray
        Sorted candidate indices that must / must not be chosen.
    backup_weights : numpy.ndarray or None
        Backup weight per segment (``None`` without the backup option).
    backup_factor : float
        Multiplier of the backup weights.
    """

    covers: sp.csr_array
    weights: np.ndarray
    locked: np.ndarray
    banned: np.ndarray
    backup_weights: np.ndarray | None = None
    backup_factor: float = 0.0

    @property
    def n_candidates(self) -> int:
        """Number of candidate posts (rows)."""
        return int(self.covers.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of segments (columns)."""
        return int(self.covers.shape[1])

    @property
    def allowed(self) -> np.ndarray:
        """Candidates that are not banned, sorted."""
        mask = np.ones(self.n_candidates, dtype=bool)
        mask[self.banned] = False
        return np.flatnonzero(mask)

    @property
    def free(self) -> np.ndarray:
        """Candidates that are neither banned nor locked, sorted: the ones left to decide."""
        mask = np.ones(self.n_candidates, dtype=bool)
        mask[self.banned] = False
        mask[self.locked] = False
        return np.flatnonzero(mask)

    @property
    def has_backup(self) -> bool:
        """Whether the backup option can change the objective at all."""
        return self.backup_weights is not None and self.backup_factor > 0 and bool(
            np.any(self.backup_weights > 0)
        )

    def backup_values(self, use_backup: bool) -> np.ndarray | None:
        """Return ``factor × backup weight`` per segment, or ``None`` when not used."""
        if use_backup and self.backup_weights is not None:
            return self.backup_factor * self.backup_weights
        return None

    def times_covered(self, chosen: np.ndarray) -> np.ndarray:
        """Return how many of the ``chosen`` candidates cover each segment (int64)."""
        if chosen.size == 0:
            return np.zeros(self.n_segments, dtype=np.int64)
        return np.asarray(self.covers[chosen].sum(axis=0)).ravel().astype(np.int64)

    def reach(self, candidates: np.ndarray) -> np.ndarray:
        """Return the segments at least one of ``candidates`` covers (boolean mask)."""
        return np.asarray(self.covers[candidates].sum(axis=0)).ravel() > 0


def _backup_option(backup: object, n_seg: int) -> tuple[np.ndarray, float]:
    """Check the ``backup`` mapping; return its weights and factor."""
    if not isinstance(backup, Mapping):
        raise InputError("backup must be a mapping {'weights': array, 'factor': float}")
    unknown = set(backup) - {"weights", "factor"}
    if unknown or "weights" not in backup:
        raise InputError("backup must be {'weights': array, 'factor': float}; "
                         f"got keys {sorted(map(str, backup))}")
    bw = as_weights(backup["weights"], n_seg, "backup weights")
    try:
        factor = float(backup.get("factor", 1.0))
    except (TypeError, ValueError):
        raise InputError(f"backup factor must be a number, got {backup['factor']!r}") from None
    if not (factor >= 0 and math.isfinite(factor)):
        raise InputError(f"backup factor must be finite and ≥ 0, got {backup['factor']!r}")
    return bw, factor


def make_problem(
    covers: CoverageLike,
    weights: npt.ArrayLike,
    locked: Iterable[int] | npt.ArrayLike,
    banned: Iterable[int] | npt.ArrayLike,
    backup: BackupSpec | Mapping[str, object] | None = None,
) -> Problem:
    """Check and normalise the inputs common to both covering models.

    Parameters
    ----------
    covers : scipy.sparse matrix or array-like of bool, shape (n_candidates, n_segments)
        Coverage matrix.
    weights : array-like of float, shape (n_segments,)
        Non-negative segment weights.
    locked, banned : iterable of int
        Candidates that must / must not be chosen.
    backup : dict, optional
        ``{"weights": array, "factor": float}`` (maximal covering only).

    Returns
    -------
    Problem
        The checked input.

    Raises
    ------
    InputError
        For bad shapes, weights or indices, and candidates both locked and banned.
    """
    mat = as_coverage(covers)
    n_cand, n_seg = (int(s) for s in mat.shape)
    w = as_weights(weights, n_seg, "weights")
    lock = as_index_set(locked, n_cand, "locked")
    ban = as_index_set(banned, n_cand, "banned")
    both = np.intersect1d(lock, ban)
    if both.size:
        raise InputError(f"candidate(s) {few(both)} are both locked and banned")
    if backup is None:
        return Problem(mat, w, lock, ban)
    bw, factor = _backup_option(backup, n_seg)
    return Problem(mat, w, lock, ban, bw, factor)
