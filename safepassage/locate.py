"""Where to post officers: maximal covering, partial set covering and a shared officer pool.

This is the pure optimisation layer under :mod:`safepassage.coverage`. It knows nothing about
streets: it takes a boolean *coverage matrix* (candidate posts × street segments, ``True`` when
an officer standing at the post can see/reach the segment, e.g. within 250 m of walking), one
non-negative weight per segment (walking demand × length, the caller decides) and answers:

* :class:`MaximalCovering` (MCLP, Church & ReVelle 1974): where to stand ``p`` officers so the
  most weight is covered, optionally rewarding segments covered twice (backup coverage,
  Hogan & ReVelle 1986).
* :class:`SetCovering` (partial LSCP): the fewest officers covering a target share of the
  weight.
* :func:`coverage_curve` and :func:`allocate_pool`: covered weight for 0..p officers at one site,
  and the best split of a shared pool of officers between sites (exact dynamic programme).

The classes follow spopt's style — build with ``from_coverage`` / ``from_cost_matrix``, call
``solve`` and read the results as attributes::

    model = MaximalCovering.from_coverage(covers, weights, p=6).solve("auto")
    model.selected, model.coverage_fraction, model.gap

Solving methods
---------------
``"exact"``
    The integer programme, solved by the CBC binary bundled with PuLP (single thread, fixed
    seed, so the same input gives the same answer unless the time limit cuts the search short).
    Before CBC sees it the model is reduced without changing its optimum: segments no allowed
    candidate reaches, segments of zero weight and segments already covered by locked posts
    drop out; segments with identical coverage columns are merged into one variable with summed
    weight; candidates whose coverage is a subset of another candidate's are dropped (plain
    coverage only). The LP relaxation is solved first (HiGHS): if the heuristic below already
    attains its bound, that answer is proven optimal and CBC is skipped (typical for small
    ``p``, where the LP is often integral); otherwise the heuristic is CBC's warm start. CBC
    runs with its own preprocessing and cuts off, which is 2-3× faster on these models. If the
    time limit stops CBC and the heuristic is better than CBC's incumbent, the heuristic's
    answer is kept (``method`` then says ``"greedy"``, ``status`` says why).
``"greedy"``
    Locked posts first, then repeatedly the candidate with the largest marginal gain (lowest
    index on ties), vectorised (one sparse matrix–vector product per pick). By default
    (``local_search=True``) the picks are then improved by best-improvement 1-swaps, and two
    more starts built from the LP relaxation (its ``p`` largest values; greedy on its support)
    are improved the same way; the best of the three is kept. ``local_search=False`` gives the
    plain greedy. Its distance from the optimum is bounded by the tighter of the LP relaxation
    (HiGHS via :func:`scipy.optimize.linprog`) and the submodular "online" bound (covered
    weight after any greedy step plus the sum of the largest remaining marginal gains),
    reported as ``gap``.
``"auto"``
    Exact within the time limit; if CBC is missing, crashes or finds nothing in time, the
    greedy answer is used and ``fallback_reason`` says why.
"""

from __future__ import annotations

import math
import operator
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog

from safepassage.errors import DataUnavailableError, InputError

__all__ = [
    "BackupSpec",
    "MaximalCovering",
    "SetCovering",
    "SolverUnavailableError",
    "allocate_pool",
    "coverage_curve",
]

Method = Literal["exact", "greedy", "auto"]
CoverageLike = sp.sparray | sp.spmatrix | npt.ArrayLike

#: Relative tolerance used when comparing floating-point weights (targets, ties, bounds).
_RTOL = 1e-9


class BackupSpec(TypedDict):
    """Backup-coverage option of :meth:`MaximalCovering.from_coverage`.

    ``weights`` holds one non-negative value per segment; a segment with positive backup weight
    earns ``factor × weight`` on top of its ordinary weight when at least two chosen posts
    cover it.
    """

    weights: npt.ArrayLike
    factor: float


class SolverUnavailableError(DataUnavailableError):
    """The exact solver (PuLP's bundled CBC) is missing or failed and no fallback was asked for."""


# --------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------


def _as_coverage(covers: CoverageLike, what: str = "covers") -> sp.csr_array:
    """Return ``covers`` as a canonical boolean CSR array (sorted indices, no explicit zeros)."""
    if sp.issparse(covers):
        mat = sp.csr_array(covers)
    else:
        arr = np.asarray(covers)
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


def _as_weights(values: npt.ArrayLike, n: int, what: str) -> np.ndarray:
    """Return ``values`` as a float64 vector of length ``n`` after checking sign and finiteness."""
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
                         f"{_few(bad)}")
    return arr.copy()


def _few(idx: np.ndarray, k: int = 5) -> str:
    """Format the first ``k`` entries of an index array for an error message."""
    shown = ", ".join(str(int(i)) for i in idx[:k])
    return shown + (f", … ({idx.size} in all)" if idx.size > k else "")


def _as_index_set(values: Iterable[int] | npt.ArrayLike, n: int, what: str) -> np.ndarray:
    """Return candidate indices as a sorted, duplicate-free ``intp`` array, checking the range."""
    if isinstance(values, np.ndarray):
        arr = values.ravel()
    else:
        try:
            arr = np.asarray(list(values))  # type: ignore[arg-type]
        except TypeError:
            raise InputError(f"{what} must be a sequence of candidate indices") from None
    if arr.size == 0:
        return np.empty(0, dtype=np.intp)
    if arr.dtype == bool:
        raise InputError(f"{what} must list candidate indices, not a boolean mask")
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(
            arr == np.round(arr)
        ):
            arr = arr.astype(np.int64)
        else:
            raise InputError(f"{what} must be integer candidate indices, got {arr.dtype}")
    out_of_range = arr[(arr < 0) | (arr >= n)]
    if out_of_range.size:
        raise InputError(f"{what} has candidate indices outside 0..{n - 1}: "
                         f"{_few(np.unique(out_of_range))}")
    return np.unique(arr).astype(np.intp)


def _as_count(value: Any, what: str) -> int:
    """Return ``value`` as a non-negative int, refusing booleans and non-integral numbers."""
    if isinstance(value, bool | np.bool_):
        raise InputError(f"{what} must be an integer, got a boolean")
    try:
        out = operator.index(value)
    except TypeError:
        raise InputError(f"{what} must be an integer, got {value!r}") from None
    if out < 0:
        raise InputError(f"{what} must be ≥ 0, got {out}")
    return out


def _check_time_limit(time_limit: float) -> float:
    """Validate a solver time limit in seconds."""
    try:
        out = float(time_limit)
    except (TypeError, ValueError):
        raise InputError(f"time_limit must be a number of seconds, got {time_limit!r}") from None
    if not (out > 0 and math.isfinite(out)):
        raise InputError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    return out


def _check_method(method: str) -> str:
    """Validate the ``method`` argument of ``solve``."""
    if method not in ("exact", "greedy", "auto"):
        raise InputError(f"method must be 'exact', 'greedy' or 'auto', got {method!r}")
    return method


def _covers_from_costs(cost_matrix: CoverageLike, service_radius: float) -> sp.csr_array:
    """Turn a candidate × segment distance matrix into a boolean coverage matrix.

    Dense input: entries ``≤ service_radius`` are covered; ``inf`` and ``NaN`` mean unreachable.
    Sparse input: stored entries ``≤ service_radius`` are covered (a stored ``0`` is a distance
    of zero); entries that are not stored are unreachable.
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
    return _as_coverage(mat, "cost_matrix")


@dataclass(frozen=True)
class _Problem:
    """Checked input shared by the covering models."""

    covers: sp.csr_array
    weights: np.ndarray
    locked: np.ndarray
    banned: np.ndarray
    backup_weights: np.ndarray | None = None
    backup_factor: float = 0.0

    @property
    def n_candidates(self) -> int:
        return int(self.covers.shape[0])

    @property
    def n_segments(self) -> int:
        return int(self.covers.shape[1])

    @property
    def allowed(self) -> np.ndarray:
        mask = np.ones(self.n_candidates, dtype=bool)
        mask[self.banned] = False
        return np.flatnonzero(mask)

    @property
    def free(self) -> np.ndarray:
        mask = np.ones(self.n_candidates, dtype=bool)
        mask[self.banned] = False
        mask[self.locked] = False
        return np.flatnonzero(mask)

    @property
    def has_backup(self) -> bool:
        return self.backup_weights is not None and self.backup_factor > 0 and bool(
            np.any(self.backup_weights > 0)
        )


def _make_problem(
    covers: CoverageLike,
    weights: npt.ArrayLike,
    locked: Iterable[int],
    banned: Iterable[int],
    backup: BackupSpec | Mapping[str, Any] | None = None,
) -> _Problem:
    """Check and normalise the inputs common to both covering models."""
    mat = _as_coverage(covers)
    n_cand, n_seg = (int(s) for s in mat.shape)
    w = _as_weights(weights, n_seg, "weights")
    lock = _as_index_set(locked, n_cand, "locked")
    ban = _as_index_set(banned, n_cand, "banned")
    both = np.intersect1d(lock, ban)
    if both.size:
        raise InputError(f"candidate(s) {_few(both)} are both locked and banned")
    bw: np.ndarray | None = None
    factor = 0.0
    if backup is not None:
        if not isinstance(backup, Mapping):
            raise InputError("backup must be a mapping {'weights': array, 'factor': float}")
        unknown = set(backup) - {"weights", "factor"}
        if unknown or "weights" not in backup:
            raise InputError("backup must be {'weights': array, 'factor': float}; "
                             f"got keys {sorted(map(str, backup))}")
        bw = _as_weights(backup["weights"], n_seg, "backup weights")
        try:
            factor = float(backup.get("factor", 1.0))
        except (TypeError, ValueError):
            raise InputError(f"backup factor must be a number, got {backup['factor']!r}") from None
        if not (factor >= 0 and math.isfinite(factor)):
            raise InputError(f"backup factor must be finite and ≥ 0, got {backup['factor']!r}")
    return _Problem(mat, w, lock, ban, bw, factor)


# --------------------------------------------------------------------------------------------
# Model reduction
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reduced:
    """The covering model after dropping constant parts and merging identical segments.

    ``cand`` are the original indices of the candidates left in the model, ``incidence`` is
    the (len(cand) × n_groups) boolean matrix of which candidate reaches which merged segment
    group, ``locked_count`` how many locked posts already cover each group (0 or 1; groups
    covered twice by locked posts are constant), ``w`` the summed ordinary weight and ``b``
    the summed ``factor × backup weight`` per group, ``constant`` the objective earned by the
    locked posts alone.
    """

    cand: np.ndarray
    incidence: sp.csr_array
    locked_count: np.ndarray
    w: np.ndarray
    b: np.ndarray
    constant: float
    n_segments_kept: int
    n_dominated: int


def _reduce(prob: _Problem, *, use_backup: bool, dominance: bool = True) -> _Reduced:
    """Reduce the covering model without changing its optimum (see the module docstring)."""
    mat = prob.covers
    n_seg = prob.n_segments
    free = prob.free
    w = prob.weights
    bw = (prob.backup_factor * prob.backup_weights
          if use_backup and prob.backup_weights is not None else np.zeros(n_seg))
    if prob.locked.size:
        cnt = np.asarray(mat[prob.locked].sum(axis=0)).ravel().astype(np.int64)
    else:
        cnt = np.zeros(n_seg, dtype=np.int64)
    constant = float(w[cnt >= 1].sum() + bw[cnt >= 2].sum())

    seg_by_cand = sp.csr_array(mat[free].T)  # segments × free candidates
    seg_by_cand.sort_indices()
    row_len = np.diff(seg_by_cand.indptr)
    if use_backup:
        relevant = ((cnt == 0) & ((w > 0) | (bw > 0))) | ((cnt == 1) & (bw > 0))
    else:
        relevant = (cnt == 0) & (w > 0)
    relevant &= row_len > 0
    rows = np.flatnonzero(relevant)

    groups: dict[tuple[int, bytes], int] = {}
    group_of = np.empty(rows.size, dtype=np.intp)
    indptr, indices = seg_by_cand.indptr, seg_by_cand.indices.astype(np.int64)
    for k, i in enumerate(rows):
        key = (int(cnt[i]) if use_backup else 0, indices[indptr[i]:indptr[i + 1]].tobytes())
        group_of[k] = groups.setdefault(key, len(groups))
    n_groups = len(groups)
    gw = np.bincount(group_of, weights=w[rows], minlength=n_groups)
    gb = np.bincount(group_of, weights=bw[rows], minlength=n_groups)
    gc = np.zeros(n_groups, dtype=np.int64)
    col_ptr = [0]
    col_idx: list[np.ndarray] = []
    for (c, key), g in groups.items():  # dicts keep insertion order, so g runs 0, 1, 2, …
        gc[g] = c
        members = np.frombuffer(key, dtype=np.int64)
        col_idx.append(members)
        col_ptr.append(col_ptr[-1] + members.size)
    # incidence as (groups × candidates) first, then transpose
    data_idx = np.concatenate(col_idx) if n_groups else np.empty(0, dtype=np.int64)
    by_group = sp.csr_array(
        (np.ones(data_idx.size, dtype=bool), data_idx, np.asarray(col_ptr)),
        shape=(n_groups, free.size),
    )
    incidence = sp.csr_array(by_group.T)
    incidence.sort_indices()

    keep = np.ones(free.size, dtype=bool)
    if dominance and not use_backup and free.size:
        # Candidate j is dominated when its groups are a subset of another candidate k's
        # (a strict superset, or the same set with k the lower index). Swapping j for k never
        # loses coverage, so an optimum without dominated candidates exists whenever the
        # budget does not exceed the number of undominated ones (checked by the caller).
        inc = incidence.astype(np.int32)
        size = np.asarray(inc.sum(axis=1)).ravel()
        overlap = sp.coo_array(inc @ inc.T)
        r, c, d = overlap.row, overlap.col, overlap.data
        mask = (r != c) & (d == size[r]) & (
            (size[c] > size[r]) | ((size[c] == size[r]) & (c < r))
        )
        keep[np.unique(r[mask])] = False
        keep &= size > 0
    return _Reduced(
        cand=free[keep],
        incidence=sp.csr_array(incidence[keep]),
        locked_count=gc,
        w=gw,
        b=gb,
        constant=constant,
        n_segments_kept=int(rows.size),
        n_dominated=int((~keep).sum()),
    )


# --------------------------------------------------------------------------------------------
# Linear models, CBC and HiGHS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LinearModel:
    """A mixed-integer linear programme in matrix form; the first ``n_x`` columns are posts."""

    objective: np.ndarray
    maximize: bool
    a_ub: sp.csr_array
    b_ub: np.ndarray
    a_eq: sp.csr_array | None
    b_eq: np.ndarray | None
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    n_x: int


def _block(rows: int, cols: int) -> sp.csr_array:
    """Return an all-zero sparse block."""
    return sp.csr_array((rows, cols), dtype=np.float64)


def _selector(rows: np.ndarray, n: int) -> sp.csr_array:
    """Return the matrix picking entries ``rows`` out of a length-``n`` vector."""
    return sp.csr_array(
        (np.ones(rows.size), (np.arange(rows.size), rows)), shape=(rows.size, n)
    )


def _mclp_model(red: _Reduced, p: int, scale: float) -> _LinearModel:
    """Build the (backup) maximal covering programme over the reduced model.

    Variables: ``x`` (posts, binary), ``y`` (groups not yet covered by a locked post,
    continuous), ``z0`` (second coverage of those, binary), ``z1`` (second coverage of groups
    covered once by a locked post, continuous). Rows: ``y + z0 ≤ Σx``, ``z0 ≤ y``, ``z1 ≤ Σx``.
    With integer ``x`` the continuous variables take integral values at an optimum.
    """
    n_x = red.cand.size
    gt = sp.csr_array(red.incidence.T, dtype=np.float64)  # groups × posts
    g0 = np.flatnonzero(red.locked_count == 0)
    g1 = np.flatnonzero((red.locked_count == 1) & (red.b > 0))
    z_of = np.flatnonzero(red.b[g0] > 0)  # positions in g0 having a backup variable
    n_y, n_z0, n_z1 = g0.size, z_of.size, g1.size
    sel_z = _selector(z_of, n_y)  # z0 × y
    top = sp.hstack([-gt[g0], sp.eye_array(n_y), sel_z.T, _block(n_y, n_z1)])
    mid = sp.hstack([_block(n_z0, n_x), -sel_z, sp.eye_array(n_z0), _block(n_z0, n_z1)])
    bot = sp.hstack([-gt[g1], _block(n_z1, n_y), _block(n_z1, n_z0), sp.eye_array(n_z1)])
    a_ub = sp.csr_array(sp.vstack([top, mid, bot]))
    n_var = n_x + n_y + n_z0 + n_z1
    obj = np.concatenate([np.zeros(n_x), red.w[g0], red.b[g0][z_of], red.b[g1]]) / scale
    integer = np.zeros(n_var, dtype=bool)
    integer[:n_x] = True
    integer[n_x + n_y:n_x + n_y + n_z0] = True
    a_eq = sp.csr_array(np.concatenate([np.ones(n_x), np.zeros(n_var - n_x)])[None, :])
    return _LinearModel(
        objective=obj, maximize=True, a_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), a_eq=a_eq,
        b_eq=np.array([float(p)]), lower=np.zeros(n_var), upper=np.ones(n_var),
        integer=integer, n_x=n_x,
    )


def _mclp_start(red: _Reduced, chosen: np.ndarray) -> np.ndarray:
    """Return a full variable vector for :func:`_mclp_model` given the chosen posts (0/1)."""
    cnt = np.asarray(red.incidence.T.astype(np.int64) @ chosen.astype(np.int64)).ravel()
    g0 = np.flatnonzero(red.locked_count == 0)
    g1 = np.flatnonzero((red.locked_count == 1) & (red.b > 0))
    z_of = np.flatnonzero(red.b[g0] > 0)
    y = (cnt[g0] >= 1).astype(float)
    z0 = (cnt[g0][z_of] >= 2).astype(float)
    z1 = (cnt[g1] >= 1).astype(float)
    return np.concatenate([chosen.astype(float), y, z0, z1])


def _lscp_model(red: _Reduced, required: float, scale: float) -> _LinearModel:
    """Build the partial set covering programme: fewest posts with ``Σ w·y ≥ required``."""
    n_x = red.cand.size
    n_g = red.w.size
    gt = sp.csr_array(red.incidence.T, dtype=np.float64)
    cover_rows = sp.hstack([-gt, sp.eye_array(n_g)])
    target_row = sp.hstack([_block(1, n_x), sp.csr_array(-red.w[None, :] / scale)])
    a_ub = sp.csr_array(sp.vstack([cover_rows, target_row]))
    b_ub = np.concatenate([np.zeros(n_g), [-required / scale]])
    n_var = n_x + n_g
    integer = np.zeros(n_var, dtype=bool)
    integer[:n_x] = True
    return _LinearModel(
        objective=np.concatenate([np.ones(n_x), np.zeros(n_g)]), maximize=False, a_ub=a_ub,
        b_ub=b_ub, a_eq=None, b_eq=None, lower=np.zeros(n_var), upper=np.ones(n_var),
        integer=integer, n_x=n_x,
    )


def _lscp_start(red: _Reduced, chosen: np.ndarray) -> np.ndarray:
    """Return a full variable vector for :func:`_lscp_model` given the chosen posts (0/1)."""
    cnt = np.asarray(red.incidence.T.astype(np.int64) @ chosen.astype(np.int64)).ravel()
    return np.concatenate([chosen.astype(float), (cnt >= 1).astype(float)])


def _lp_solve(model: _LinearModel) -> tuple[float, np.ndarray] | None:
    """Solve the LP relaxation with HiGHS; return its objective (model units) and solution.

    Returns ``None`` when HiGHS fails.
    """
    sign = -1.0 if model.maximize else 1.0
    try:
        res = linprog(
            sign * model.objective,
            A_ub=model.a_ub if model.a_ub.shape[0] else None,
            b_ub=model.b_ub if model.a_ub.shape[0] else None,
            A_eq=model.a_eq,
            b_eq=model.b_eq,
            bounds=np.column_stack([model.lower, model.upper]),
            # The interior-point method (with crossover) is 2-3× faster than dual simplex on
            # these highly degenerate covering LPs.
            method="highs-ipm",
        )
    except (ValueError, RuntimeError):
        return None
    if res.status != 0 or res.fun is None or res.x is None:
        return None
    return float(sign * res.fun), np.asarray(res.x)


@dataclass(frozen=True)
class _CbcResult:
    """What came back from CBC."""

    x: np.ndarray | None
    proven: bool
    status: str


def _cbc_available() -> bool:
    """Return whether PuLP and its bundled CBC binary can be used."""
    try:
        import pulp
    except ImportError:
        return False
    try:
        return bool(_cbc_command(pulp, msg=False).available())
    except Exception:  # any failure to locate the binary means "not available"
        return False


def _cbc_command(pulp: Any, **kw: Any) -> Any:
    """Return ``pulp.PULP_CBC_CMD(**kw)`` without PuLP 3's deprecation warning.

    PuLP 3 deprecates ``PULP_CBC_CMD`` in favour of a separately installed CBC, but the
    bundled binary is exactly what this module relies on.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PULP_CBC_CMD.*", category=DeprecationWarning)
        return pulp.PULP_CBC_CMD(**kw)


#: CBC switches. Measured on 500 × 2000 street-grid instances (bench/bench_locate.py), turning
#: off CBC's own preprocessing (our reduction already did the useful part) and cut generation
#: (cuts barely move the covering LP bound) makes the hard cases (p ≈ 20) 2-3× faster.
_CBC_OPTIONS = ("preprocess off", "cuts off", "randomCbcSeed 20240601", "randomSeed 20240601")


def _solve_cbc(
    model: _LinearModel, name: str, time_limit: float, msg: bool, start: np.ndarray | None
) -> _CbcResult:
    """Solve ``model`` with PuLP's bundled CBC; raise :class:`SolverUnavailableError` on failure.

    CBC runs single-threaded with fixed random seeds so repeated runs give the same answer
    (unless the time limit stops the search, which depends on the machine's speed).
    """
    try:
        import pulp
    except ImportError as exc:
        raise SolverUnavailableError(f"PuLP is not installed ({exc})") from None
    solver = _cbc_command(
        pulp,
        msg=bool(msg), timeLimit=time_limit, threads=1, warmStart=start is not None,
        options=list(_CBC_OPTIONS),
    )
    if not solver.available():
        raise SolverUnavailableError("PuLP's bundled CBC solver is not available on this system")
    sense = pulp.LpMaximize if model.maximize else pulp.LpMinimize
    prob = pulp.LpProblem("".join(ch if ch.isalnum() else "_" for ch in name) or "model", sense)
    n_var = model.objective.size
    width = len(str(max(n_var, 1)))
    # PuLP ≥ 3 creates variables through the problem; older versions construct them directly.
    make = getattr(prob, "add_variable", None) or pulp.LpVariable
    variables = [
        make(
            f"v{k:0{width}d}", float(model.lower[k]), float(model.upper[k]),
            cat=pulp.LpInteger if model.integer[k] else pulp.LpContinuous,
        )
        for k in range(n_var)
    ]
    nz = np.flatnonzero(model.objective)
    prob += pulp.LpAffineExpression([(variables[k], float(model.objective[k])) for k in nz])

    def add_rows(mat: sp.csr_array, rhs: np.ndarray, sense_: int, tag: str) -> None:
        ptr, idx, val = mat.indptr, mat.indices, mat.data
        for r in range(mat.shape[0]):
            lo, hi = ptr[r], ptr[r + 1]
            expr = pulp.LpAffineExpression(
                [(variables[int(k)], float(v)) for k, v in zip(idx[lo:hi], val[lo:hi], strict=True)]
            )
            prob.addConstraint(
                pulp.LpConstraint(expr, sense=sense_, rhs=float(rhs[r])), name=f"{tag}{r}"
            )

    add_rows(model.a_ub, model.b_ub, pulp.LpConstraintLE, "u")
    if model.a_eq is not None and model.b_eq is not None:
        add_rows(model.a_eq, model.b_eq, pulp.LpConstraintEQ, "e")
    if start is not None:
        for var, val in zip(variables, start, strict=True):
            var.setInitialValue(float(val))
    try:
        prob.solve(solver)
    except pulp.PulpError as exc:  # PulpSolverError and friends
        raise SolverUnavailableError(f"CBC failed: {exc}") from None
    except OSError as exc:
        raise SolverUnavailableError(f"CBC could not be run: {exc}") from None
    sol = prob.sol_status
    if sol == pulp.LpSolutionOptimal:
        status, proven = "optimal", True
    elif sol == pulp.LpSolutionIntegerFeasible:
        status, proven = "time limit reached: feasible, not proven optimal", False
    else:
        return _CbcResult(None, False, f"no solution ({pulp.LpStatus.get(prob.status, '?')})")
    x = np.array([(v.varValue or 0.0) for v in variables[: model.n_x]]) > 0.5
    return _CbcResult(x, proven, status)


# --------------------------------------------------------------------------------------------
# Greedy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GreedyRun:
    """Outcome of the greedy heuristic."""

    order: np.ndarray  # picked free candidates, in pick order (locked ones not included)
    values: np.ndarray  # objective after locked only, then after each pick
    online_bound: float  # min over steps of value + top-k gains; inf when not valid


def _value_vector(cnt: np.ndarray, w: np.ndarray, fb: np.ndarray | None) -> np.ndarray:
    """Gain per segment of one more cover, given current cover counts."""
    v = np.where(cnt == 0, w, 0.0)
    if fb is not None:
        v = v + np.where(cnt == 1, fb, 0.0)
    return v


def _greedy(
    prob: _Problem,
    n_picks: int,
    *,
    use_backup: bool,
    stop_at: float | None = None,
    pool: np.ndarray | None = None,
) -> _GreedyRun:
    """Pick ``n_picks`` free candidates one by one by largest marginal gain (lowest index on ties).

    With ``stop_at`` the run stops as soon as the objective reaches it (set covering) or no
    candidate adds anything. The online bound is computed for the budget ``n_picks``; it is
    ``inf`` (no bound) when the picks are restricted to a ``pool`` of candidates.
    """
    mat = prob.covers
    free = prob.free if pool is None else np.intersect1d(prob.free, pool)
    w = prob.weights
    fb = (prob.backup_factor * prob.backup_weights
          if use_backup and prob.backup_weights is not None else None)
    if prob.locked.size:
        cnt = np.asarray(mat[prob.locked].sum(axis=0)).ravel().astype(np.int64)
    else:
        cnt = np.zeros(prob.n_segments, dtype=np.int64)
    value = float(w[cnt >= 1].sum() + (fb[cnt >= 2].sum() if fb is not None else 0.0))
    sub = sp.csr_array(mat[free], dtype=np.float64)
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
            finite = np.where(taken, 0.0, gains)
            top = np.partition(finite, finite.size - k_budget)[finite.size - k_budget:]
            online = min(online, value + float(np.maximum(top, 0.0).sum()))
        if step == k_budget:
            break
        if stop_at is not None and value >= stop_at:
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
    return _GreedyRun(free[np.asarray(order, dtype=np.intp)], np.asarray(values), online)


def _counts(prob: _Problem, chosen: np.ndarray) -> np.ndarray:
    """Return how many of the ``chosen`` candidates cover each segment."""
    if chosen.size == 0:
        return np.zeros(prob.n_segments, dtype=np.int64)
    return np.asarray(prob.covers[chosen].sum(axis=0)).ravel().astype(np.int64)


def _objective(prob: _Problem, picks: np.ndarray, use_backup: bool) -> float:
    """Return the maximal-covering objective of the locked posts plus ``picks``."""
    cnt = _counts(prob, np.concatenate([prob.locked, picks]).astype(np.intp))
    value = float(prob.weights[cnt >= 1].sum())
    if use_backup and prob.backup_weights is not None:
        value += prob.backup_factor * float(prob.backup_weights[cnt >= 2].sum())
    return value


def _swap_improve(
    prob: _Problem, picks: np.ndarray, *, use_backup: bool, max_swaps: int = 10_000
) -> tuple[np.ndarray, int]:
    """Improve free ``picks`` by best-improvement 1-swaps (Teitz–Bart interchange).

    For every chosen free post ``s`` and unchosen free candidate ``j`` the change of the
    objective when ``s`` is replaced by ``j`` is evaluated at once:
    ``gain(j) - loss(s) + Σ_i a_si a_ji (loss_i - gain_i)``, where ``gain_i``/``loss_i`` are a
    segment's value of one more/one fewer cover. The best swap is applied (lowest indices on
    ties) while it improves the objective by more than a relative ``1e-9``.

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
    fb = (prob.backup_factor * prob.backup_weights
          if use_backup and prob.backup_weights is not None else None)
    sub = sp.csr_array(prob.covers[free], dtype=np.float64)
    ptr, idx = sub.indptr, sub.indices
    pos = np.searchsorted(free, np.sort(picks))
    in_s = np.zeros(free.size, dtype=bool)
    in_s[pos] = True
    cnt = _counts(prob, np.concatenate([prob.locked, picks]))
    scale = float(w.sum() + (fb.sum() if fb is not None else 0.0))
    tol = _RTOL * max(scale, 1e-300)
    swaps = 0
    while swaps < max_swaps:
        gain_i = np.where(cnt == 0, w, 0.0)
        loss_i = np.where(cnt == 1, w, 0.0)
        if fb is not None:
            gain_i += np.where(cnt == 1, fb, 0.0)
            loss_i += np.where(cnt == 2, fb, 0.0)
        chosen_rows = sp.csr_array(sub[pos])
        gain_j = sub @ gain_i
        loss_s = chosen_rows @ loss_i
        cross = (sub @ sp.csr_array(chosen_rows.multiply((loss_i - gain_i)[None, :])).T)
        delta = gain_j[:, None] - loss_s[None, :] + cross.toarray()
        delta[in_s, :] = -np.inf
        best = int(np.argmax(delta))
        j, si = divmod(best, k)
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


def _drop_redundant(prob: _Problem, picks: np.ndarray, need: float) -> np.ndarray:
    """Remove picks (latest first) whose removal keeps the covered weight at or above ``need``."""
    kept = list(picks)
    w = prob.weights
    for j in reversed(list(picks)):
        trial = np.asarray([c for c in kept if c != j], dtype=np.intp)
        cnt = _counts(prob, np.concatenate([prob.locked, trial]))
        if float(w[cnt >= 1].sum()) >= need:
            kept = list(trial)
    return np.asarray(kept, dtype=np.intp)


def _shrink(prob: _Problem, picks: np.ndarray, need: float) -> np.ndarray:
    """Drop posts while 1-swaps can restore the covered weight to ``need`` (set covering).

    Each round removes the post whose loss is smallest (lowest index on ties), re-optimises
    the remaining ones by 1-swaps, and keeps the result if it still meets ``need``.
    """
    current = np.sort(np.asarray(picks, dtype=np.intp))
    w = prob.weights
    while current.size:
        cnt = _counts(prob, np.concatenate([prob.locked, current]))
        loss = sp.csr_array(prob.covers[current], dtype=np.float64) @ np.where(cnt == 1, w, 0.0)
        trial = np.delete(current, int(np.argmin(loss)))
        trial, _ = _swap_improve(prob, trial, use_backup=False)
        if _objective(prob, trial, False) < need:
            break
        current = np.sort(trial)
    return current


# --------------------------------------------------------------------------------------------
# Maximal covering
# --------------------------------------------------------------------------------------------


class MaximalCovering:
    """Maximal covering location problem: place ``p`` posts to cover the most segment weight.

    Build it with :meth:`from_coverage` or :meth:`from_cost_matrix`, then call :meth:`solve`.

    Attributes
    ----------
    name : str
        Label of the model.
    p : int
        Number of posts placed (``p_requested`` clipped to the number of allowed candidates).
    p_requested : int
        The ``p`` asked for.
    covers : scipy.sparse.csr_array
        Boolean coverage matrix, candidates × segments.
    weights : numpy.ndarray
        Segment weights.
    locked, banned : numpy.ndarray
        Sorted candidate indices that must / must not be chosen.
    backup_weights : numpy.ndarray or None
        Backup weights (``None`` without the backup option).
    backup_factor : float
        Multiplier of the backup weights.
    notes : list of str
        Remarks on the input and the solve (clipping, reductions, fallbacks).

    The following are set by :meth:`solve`:

    selected : numpy.ndarray
        Sorted indices of the chosen candidates (always ``p`` of them, locked ones included).
    covered : numpy.ndarray
        Boolean per segment, covered by at least one chosen post.
    times_covered : numpy.ndarray
        Number of chosen posts covering each segment.
    covered_weight : float
        Sum of weights of covered segments.
    backup_weight : float
        Sum of backup weights of segments covered at least twice (0 without backup).
    objective : float
        ``covered_weight + backup_factor × backup_weight``, the quantity maximised.
    total_weight : float
        Sum of all weights.
    coverable_weight : float
        Weight of segments reachable by at least one allowed candidate.
    coverage_fraction : float
        ``covered_weight / total_weight`` (1.0 when the total weight is zero).
    upper_bound : float
        Proven upper bound on the best achievable ``objective``.
    gap : float
        ``(upper_bound - objective) / upper_bound``: 0 for a proven optimum; for greedy, the
        solution is within ``100 × gap`` % of optimal. Gaps below 1e-6 are reported as 0.
    bound_kind : str
        Where ``upper_bound`` comes from: ``"optimal"``, ``"lp"``, ``"online"`` or ``"trivial"``.
    method : str
        ``"exact"`` or ``"greedy"`` — what actually produced ``selected``.
    status : str
        Human-readable solver status.
    solve_seconds : float
        Wall-clock time of :meth:`solve`.
    fallback_reason : str or None
        Why ``"auto"`` fell back to greedy, else ``None``.
    model_size : dict
        Size of the programme after reduction (``candidates`` left, merged
        ``segment_groups``, original ``segments`` in them, ``dominated`` candidates dropped);
        greedy uses the same reduced model for its LP bound.
    """

    def __init__(self, problem: _Problem, p: int, name: str = "mclp") -> None:
        self._problem = problem
        self.name = name
        self.covers = problem.covers
        self.weights = problem.weights
        self.locked = problem.locked
        self.banned = problem.banned
        self.backup_weights = problem.backup_weights
        self.backup_factor = problem.backup_factor
        self.notes: list[str] = []
        self.p_requested = p
        n_allowed = problem.allowed.size
        if p < problem.locked.size:
            raise InputError(f"p={p} is smaller than the number of locked candidates "
                             f"({problem.locked.size})")
        if p > n_allowed:
            self.notes.append(f"p={p} exceeds the {n_allowed} allowed candidates; clipped to "
                              f"{n_allowed}")
            p = n_allowed
        self.p = p
        self._input_notes = list(self.notes)
        self.total_weight = float(problem.weights.sum())
        reach = np.asarray(problem.covers[problem.allowed].sum(axis=0)).ravel() > 0
        self.coverable_weight = float(problem.weights[reach].sum())
        n_seg = problem.n_segments
        self.selected = np.empty(0, dtype=np.intp)
        self.covered = np.zeros(n_seg, dtype=bool)
        self.times_covered = np.zeros(n_seg, dtype=np.int64)
        self.covered_weight = 0.0
        self.backup_weight = 0.0
        self.objective = 0.0
        self.coverage_fraction = 0.0
        self.upper_bound = math.inf
        self.gap = math.nan
        self.bound_kind = ""
        self.method = ""
        self.status = "not solved"
        self.solve_seconds = 0.0
        self.fallback_reason: str | None = None
        self.model_size: dict[str, int] = {}

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def from_coverage(
        cls,
        covers: CoverageLike,
        weights: npt.ArrayLike,
        p: int,
        *,
        locked: Iterable[int] = (),
        banned: Iterable[int] = (),
        backup: BackupSpec | Mapping[str, Any] | None = None,
        name: str = "mclp",
    ) -> MaximalCovering:
        """Build the model from a boolean coverage matrix.

        Parameters
        ----------
        covers : scipy.sparse matrix or array-like of bool, shape (n_candidates, n_segments)
            ``covers[j, i]`` is true when a post at candidate ``j`` covers segment ``i``
            (nonzero numbers count as true).
        weights : array-like of float, shape (n_segments,)
            Non-negative weight of each segment.
        p : int
            Number of posts to place (≥ number of locked candidates). A ``p`` above the number
            of allowed candidates is clipped, with a note in ``notes``.
        locked : iterable of int, optional
            Candidates that must be chosen.
        banned : iterable of int, optional
            Candidates that must not be chosen.
        backup : dict, optional
            ``{"weights": array (n_segments,), "factor": float}``: a segment with positive
            backup weight earns ``factor × backup weight`` extra when covered twice.
        name : str, optional
            Label of the model.

        Returns
        -------
        MaximalCovering
            The unsolved model.

        Raises
        ------
        InputError
            For shape mismatches, negative or non-finite weights, out-of-range or conflicting
            locked/banned indices, or ``p`` below the number of locked candidates.
        """
        problem = _make_problem(covers, weights, locked, banned, backup)
        return cls(problem, _as_count(p, "p"), name)

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: CoverageLike,
        weights: npt.ArrayLike,
        service_radius: float,
        p: int,
        **kw: Any,
    ) -> MaximalCovering:
        """Build the model from network distances: covered where distance ≤ ``service_radius``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix, shape (n_candidates, n_segments)
            Distances. Dense: ``inf``/``NaN`` mean unreachable. Sparse: entries that are not
            stored are unreachable (a stored zero is a distance of 0).
        weights : array-like of float, shape (n_segments,)
            Non-negative weight of each segment.
        service_radius : float
            Largest distance a post covers, same unit as ``cost_matrix``.
        p : int
            Number of posts.
        **kw
            ``locked``, ``banned``, ``backup``, ``name`` as in :meth:`from_coverage`.

        Returns
        -------
        MaximalCovering
            The unsolved model.
        """
        return cls.from_coverage(_covers_from_costs(cost_matrix, service_radius), weights, p, **kw)

    # ---- solving ---------------------------------------------------------------------------

    def solve(
        self,
        method: Method = "auto",
        *,
        time_limit: float = 60,
        msg: bool = False,
        local_search: bool = True,
    ) -> MaximalCovering:
        """Solve the model and store the results as attributes.

        Parameters
        ----------
        method : {"auto", "exact", "greedy"}, optional
            ``"exact"``: integer programme with CBC (raises :class:`SolverUnavailableError`
            when CBC is missing or fails). ``"greedy"``: marginal-gain heuristic with a proven
            gap. ``"auto"`` (default): exact, falling back to greedy (``fallback_reason``).
        time_limit : float, optional
            Seconds CBC may spend (default 60). A search cut short keeps the best solution
            found, and ``gap`` reports its distance from the bound.
        msg : bool, optional
            Show CBC's log.
        local_search : bool, optional
            Improve the greedy picks by 1-swaps (replace a chosen post by an unchosen one
            while that gains weight; default ``True``). Pure greedy is noticeably worse on
            large budgets (2-3 percentage points on 500 × 2000 street grids at ``p = 20``
            against < 0.5 with swaps). The improved solution is also CBC's warm start.

        Returns
        -------
        MaximalCovering
            ``self``, for chaining.
        """
        _check_method(method)
        limit = _check_time_limit(time_limit)
        t0 = time.perf_counter()
        prob = self._problem
        use_backup = prob.has_backup
        self.fallback_reason = None
        self.notes = list(self._input_notes)
        p_free = self.p - prob.locked.size
        red = _reduce(prob, use_backup=use_backup)
        self.model_size = {
            "candidates": int(red.cand.size),
            "segment_groups": int(red.w.size),
            "segments": red.n_segments_kept,
            "dominated": red.n_dominated,
        }
        p_model = min(p_free, red.cand.size)
        # Nothing to decide: no free post to place, every useful candidate fits, or no weight.
        trivial = p_model in (0, red.cand.size) or red.w.size == 0
        scale = float(max(red.w.max(initial=0.0), red.b.max(initial=0.0))) or 1.0
        model = None if trivial else _mclp_model(red, p_model, scale)
        greedy = _greedy(prob, p_free, use_backup=use_backup)
        warm, swaps = greedy.order, 0
        if local_search:
            warm, swaps = _swap_improve(prob, greedy.order, use_backup=use_backup)

        # The LP relaxation gives greedy its bound and two more starts; for the exact method
        # the best heuristic is CBC's warm start, and if it already meets the LP bound it is
        # optimal and CBC is not needed at all (common for small p, where the LP is integral).
        lp: tuple[float, np.ndarray] | None = None
        heuristic: tuple[np.ndarray, str] | None = None
        if model is not None and (method == "greedy" or local_search):
            lp = _lp_solve(model)
            heuristic = self._heuristic(red, model, greedy, warm, swaps, lp, local_search)

        chosen: np.ndarray | None = None
        proven = False
        status = ""
        if method != "greedy":
            try:
                if model is None:
                    chosen = self._fill(red.cand[:p_model], p_free)
                    proven, status = True, "optimal (trivial after reduction)"
                elif (heuristic is not None and lp is not None
                      and _objective(prob, heuristic[0], use_backup)
                      >= (red.constant + lp[0] * scale) * (1 - _RTOL)):
                    chosen = np.concatenate([prob.locked, heuristic[0]])
                    proven, status = True, "optimal (heuristic meets the LP bound)"
                else:
                    start = heuristic[0] if heuristic is not None else warm
                    chosen, proven, status = self._exact(red, model, p_free, start, limit, msg)
            except SolverUnavailableError as exc:
                if method == "exact":
                    raise
                self.fallback_reason = str(exc)
            if chosen is None and self.fallback_reason is None:
                if method == "exact":
                    raise SolverUnavailableError(f"CBC found no solution: {status}")
                self.fallback_reason = f"CBC found no solution: {status}"

        if chosen is None or (not proven and model is not None):
            if lp is None and model is not None:
                lp = _lp_solve(model)
            if heuristic is None:
                heuristic = self._heuristic(red, model, greedy, warm, swaps, lp, local_search)
        if chosen is not None and not proven and heuristic is not None:
            # CBC stopped at the time limit: the heuristic may have done better.
            picks, how = heuristic
            mine = _objective(prob, picks, use_backup)
            theirs = _objective(prob, chosen[prob.locked.size:], use_backup)
            if mine > theirs * (1 + _RTOL):
                self.notes.append("CBC's best solution at the time limit was worse than the "
                                  "heuristic's; the heuristic's was kept")
                chosen = np.concatenate([prob.locked, picks])
                self.method, self.status = "greedy", f"{status}; heuristic kept ({how})"
            else:
                self.method, self.status = "exact", status
        elif chosen is not None:
            self.method, self.status = "exact", status
        else:
            assert heuristic is not None
            picks, how = heuristic
            chosen = np.concatenate([prob.locked, picks])
            self.method = "greedy"
            self.status = how + (" (fallback)" if self.fallback_reason else "")
        self._store(np.sort(chosen).astype(np.intp))

        # Bound and gap.
        if proven:
            self.upper_bound, self.bound_kind = self.objective, "optimal"
        elif model is None:
            best = red.constant + (float(red.w.sum() + red.b.sum()) if p_model else 0.0)
            self.upper_bound, self.bound_kind = max(best, self.objective), "optimal"
        else:
            if lp is None:
                lp = _lp_solve(model)
            best, kind = red.constant + float(red.w.sum() + red.b.sum()), "trivial"
            if lp is not None and red.constant + lp[0] * scale * (1 + 1e-7) < best:
                best, kind = red.constant + lp[0] * scale * (1 + 1e-7), "lp"  # solver tolerance
            if greedy.online_bound < best:
                best, kind = greedy.online_bound * (1 + 1e-12), "online"
            self.upper_bound, self.bound_kind = max(best, self.objective), kind
        if self.upper_bound > 0 and math.isfinite(self.upper_bound):
            gap = (self.upper_bound - self.objective) / self.upper_bound
            self.gap = 0.0 if gap < 1e-6 else gap
        else:
            self.gap = 0.0
        self.solve_seconds = time.perf_counter() - t0
        return self

    def _exact(
        self,
        red: _Reduced,
        model: _LinearModel,
        p_free: int,
        warm: np.ndarray,
        time_limit: float,
        msg: bool,
    ) -> tuple[np.ndarray | None, bool, str]:
        """Solve the reduced integer programme with CBC; return choice, proven flag, status."""
        p_model = int(model.b_eq[0]) if model.b_eq is not None else 0
        start_x = np.isin(red.cand, warm)
        if start_x.sum() != p_model:  # the warm start used dominated posts: top up in order
            start_x = _fix_start(red.cand, warm, p_model)
        if not _cbc_available():
            raise SolverUnavailableError("PuLP's bundled CBC solver is not available")
        res = _solve_cbc(model, self.name, time_limit, msg, _mclp_start(red, start_x))
        if res.x is None:
            return None, False, res.status
        if int(res.x.sum()) != p_model:
            raise SolverUnavailableError(
                f"CBC returned {int(res.x.sum())} posts instead of {p_model}"
            )
        return self._fill(red.cand[res.x], p_free), res.proven, res.status

    def _heuristic(
        self,
        red: _Reduced,
        model: _LinearModel | None,
        greedy: _GreedyRun,
        warm: np.ndarray,
        swaps: int,
        lp: tuple[float, np.ndarray] | None,
        local_search: bool,
    ) -> tuple[np.ndarray, str]:
        """Return the best heuristic picks (free candidates) and a status line.

        Without local search this is the plain greedy. With it, three starts are improved by
        1-swaps and the best kept (earliest on ties): the greedy picks, the ``p`` largest
        values of the LP relaxation's solution, and greedy restricted to the LP's support.
        """
        if not local_search:
            return greedy.order, "greedy"
        prob = self._problem
        use_backup = prob.has_backup
        starts: list[tuple[str, np.ndarray, int]] = [("greedy", warm, swaps)]
        if lp is not None and model is not None:
            p_model = int(model.b_eq[0]) if model.b_eq is not None else 0
            xv = lp[1][: model.n_x]
            order = np.lexsort((red.cand, -np.round(xv, 9)))
            top = red.cand[order[:p_model]]
            better, n = _swap_improve(prob, top, use_backup=use_backup)
            starts.append(("LP rounding", better, n))
            support = red.cand[xv > 1e-6]
            if support.size > p_model:
                run = _greedy(prob, p_model, use_backup=use_backup, pool=support)
                better, n = _swap_improve(prob, run.order, use_backup=use_backup)
                starts.append(("greedy on LP support", better, n))
        values = [_objective(prob, picks, use_backup) for _, picks, _ in starts]
        best = 0
        for k in range(1, len(starts)):
            if values[k] > values[best] * (1 + _RTOL):
                best = k
        name, picks, n = starts[best]
        p_free = self.p - prob.locked.size
        if picks.size < p_free:  # e.g. the LP start from a model without dominated posts
            rest = np.setdiff1d(prob.free, picks)[: p_free - picks.size]
            picks = np.concatenate([picks, rest])
        return picks, f"greedy + 1-swaps (best start: {name}, {n} swap(s))"

    def _fill(self, picks: np.ndarray, p_free: int) -> np.ndarray:
        """Add the locked posts and, when the budget exceeds the useful posts, low-index fillers."""
        prob = self._problem
        picks = np.sort(picks)
        if picks.size < p_free:
            rest = np.setdiff1d(prob.free, picks)[: p_free - picks.size]
            self.notes.append(
                f"{rest.size} post(s) add no coverage beyond the others (every segment an "
                "allowed post can reach is covered already); filled with the lowest-index free "
                "candidates"
            )
            picks = np.concatenate([picks, rest])
        return np.concatenate([prob.locked, picks])

    def _store(self, selected: np.ndarray) -> None:
        """Compute coverage attributes for a selection."""
        prob = self._problem
        self.selected = selected
        if selected.size:
            times = np.asarray(prob.covers[selected].sum(axis=0)).ravel().astype(np.int64)
        else:
            times = np.zeros(prob.n_segments, dtype=np.int64)
        self.times_covered = times
        self.covered = times >= 1
        self.covered_weight = float(prob.weights[self.covered].sum())
        if prob.backup_weights is not None:
            self.backup_weight = float(prob.backup_weights[times >= 2].sum())
        else:
            self.backup_weight = 0.0
        self.objective = self.covered_weight + (
            prob.backup_factor * self.backup_weight if prob.has_backup else 0.0
        )
        self.coverage_fraction = (
            self.covered_weight / self.total_weight if self.total_weight > 0 else 1.0
        )

    def summary(self) -> str:
        """Return a one-line description of the result.

        Returns
        -------
        str
            E.g. ``"greedy: 6 posts cover 83.2 % of the weight, within 1.3 % of optimal"``.
        """
        if self.status == "not solved":
            return f"{self.name}: not solved"
        quality = ("optimal" if self.gap == 0 else
                   f"within {100 * self.gap:.2f} % of optimal" if math.isfinite(self.gap)
                   else "no bound")
        extra = f" (fallback: {self.fallback_reason})" if self.fallback_reason else ""
        return (f"{self.method}: {self.selected.size} posts cover "
                f"{100 * self.coverage_fraction:.1f} % of the weight, {quality}{extra}")

    def __repr__(self) -> str:
        return (f"MaximalCovering(name={self.name!r}, p={self.p}, "
                f"candidates={self._problem.n_candidates}, segments={self._problem.n_segments}, "
                f"status={self.status!r})")


def _fix_start(cand: np.ndarray, order: np.ndarray, k: int) -> np.ndarray:
    """Return a 0/1 start over ``cand`` with exactly ``k`` ones, preferring greedy's order."""
    out = np.zeros(cand.size, dtype=bool)
    pos = {int(c): i for i, c in enumerate(cand)}
    n = 0
    for c in order:
        i = pos.get(int(c))
        if i is not None and n < k:
            out[i] = True
            n += 1
    for i in range(cand.size):
        if n >= k:
            break
        if not out[i]:
            out[i] = True
            n += 1
    return out


# --------------------------------------------------------------------------------------------
# Partial set covering
# --------------------------------------------------------------------------------------------


class SetCovering:
    """Partial location set covering: the fewest posts covering a target share of the weight.

    The target is ``target_fraction × coverable weight``, where the coverable weight is the
    weight of segments reachable by at least one candidate (banned ones included) when
    ``basis="coverable"`` (default), or the total weight when ``basis="total"``. If the target
    is more than the allowed candidates can reach (``achievable_fraction``), the model aims at
    the achievable maximum instead and says so in ``notes``.

    Attributes
    ----------
    name : str
        Label of the model.
    target_fraction : float
        Requested share.
    basis : str
        ``"coverable"`` or ``"total"``: what the fractions are shares of.
    total_weight, coverable_weight, basis_weight : float
        Sum of all weights; weight reachable by any candidate; the weight fractions refer to.
    achievable_weight, achievable_fraction : float
        Most weight (and its share of ``basis_weight``) the allowed candidates can cover.
    target_weight : float
        Weight actually aimed at (the target, or the achievable maximum if lower).
    notes : list of str
        Remarks on the input and the solve.

    Set by :meth:`solve`:

    selected : numpy.ndarray
        Sorted chosen candidates (locked included).
    p : int
        ``len(selected)``.
    covered, times_covered : numpy.ndarray
        Per segment: covered at all, and by how many chosen posts.
    covered_weight : float
        Weight covered by ``selected``.
    coverage_fraction : float
        ``covered_weight / basis_weight`` (1.0 when ``basis_weight`` is zero).
    lower_bound : int
        Proven lower bound on the number of posts (equals ``p`` when proven optimal; from the
        LP relaxation otherwise).
    method, status, solve_seconds, fallback_reason, model_size
        As in :class:`MaximalCovering` (``model_size`` is filled by the exact method only).
    """

    def __init__(
        self,
        problem: _Problem,
        target_fraction: float,
        basis: Literal["coverable", "total"] = "coverable",
        name: str = "lscp",
    ) -> None:
        self._problem = problem
        self.name = name
        self.target_fraction = target_fraction
        self.basis = basis
        self.covers = problem.covers
        self.weights = problem.weights
        self.locked = problem.locked
        self.banned = problem.banned
        self.notes: list[str] = []
        w = problem.weights
        reach_any = np.asarray(problem.covers.sum(axis=0)).ravel() > 0
        reach_allowed = np.asarray(problem.covers[problem.allowed].sum(axis=0)).ravel() > 0
        self.total_weight = float(w.sum())
        self.coverable_weight = float(w[reach_any].sum())
        self.basis_weight = self.coverable_weight if basis == "coverable" else self.total_weight
        self.achievable_weight = float(w[reach_allowed].sum())
        self.achievable_fraction = (
            self.achievable_weight / self.basis_weight if self.basis_weight > 0 else 1.0
        )
        wanted = target_fraction * self.basis_weight
        if wanted > self.achievable_weight * (1 + _RTOL):
            self.notes.append(
                f"target {100 * target_fraction:.1f} % exceeds the achievable "
                f"{100 * self.achievable_fraction:.1f} % (banned candidates or unreachable "
                "segments); aiming at the achievable maximum"
            )
            wanted = self.achievable_weight
        self.target_weight = float(wanted)
        self._input_notes = list(self.notes)
        n_seg = problem.n_segments
        self.selected = np.empty(0, dtype=np.intp)
        self.p = 0
        self.covered = np.zeros(n_seg, dtype=bool)
        self.times_covered = np.zeros(n_seg, dtype=np.int64)
        self.covered_weight = 0.0
        self.coverage_fraction = 0.0
        self.lower_bound = 0
        self.method = ""
        self.status = "not solved"
        self.solve_seconds = 0.0
        self.fallback_reason: str | None = None
        self.model_size: dict[str, int] = {}

    @classmethod
    def from_coverage(
        cls,
        covers: CoverageLike,
        weights: npt.ArrayLike,
        target_fraction: float = 0.9,
        *,
        locked: Iterable[int] = (),
        banned: Iterable[int] = (),
        basis: Literal["coverable", "total"] = "coverable",
        name: str = "lscp",
    ) -> SetCovering:
        """Build the model from a boolean coverage matrix.

        Parameters
        ----------
        covers : scipy.sparse matrix or array-like of bool, shape (n_candidates, n_segments)
            ``covers[j, i]`` is true when candidate ``j`` covers segment ``i``.
        weights : array-like of float, shape (n_segments,)
            Non-negative weight of each segment.
        target_fraction : float, optional
            Share of the basis weight to cover, in [0, 1] (default 0.9).
        locked, banned : iterable of int, optional
            Candidates that must / must not be chosen.
        basis : {"coverable", "total"}, optional
            Whether fractions refer to the weight reachable by any candidate (default) or to
            all weight.
        name : str, optional
            Label of the model.

        Returns
        -------
        SetCovering
            The unsolved model.

        Raises
        ------
        InputError
            For bad shapes, weights, indices or a target outside [0, 1].
        """
        try:
            frac = float(target_fraction)
        except (TypeError, ValueError):
            raise InputError(f"target_fraction must be a number, got {target_fraction!r}") from None
        if not (0.0 <= frac <= 1.0):
            raise InputError(f"target_fraction must be between 0 and 1, got {target_fraction!r}")
        if basis not in ("coverable", "total"):
            raise InputError(f"basis must be 'coverable' or 'total', got {basis!r}")
        problem = _make_problem(covers, weights, locked, banned)
        return cls(problem, frac, basis, name)

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: CoverageLike,
        weights: npt.ArrayLike,
        service_radius: float,
        target_fraction: float = 0.9,
        **kw: Any,
    ) -> SetCovering:
        """Build the model from network distances (see :meth:`MaximalCovering.from_cost_matrix`).

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix, shape (n_candidates, n_segments)
            Distances; ``inf``/``NaN``/not stored mean unreachable.
        weights : array-like of float, shape (n_segments,)
            Non-negative weight of each segment.
        service_radius : float
            Largest distance a post covers.
        target_fraction : float, optional
            Share to cover (default 0.9).
        **kw
            ``locked``, ``banned``, ``basis``, ``name`` as in :meth:`from_coverage`.

        Returns
        -------
        SetCovering
            The unsolved model.
        """
        covers = _covers_from_costs(cost_matrix, service_radius)
        return cls.from_coverage(covers, weights, target_fraction, **kw)

    def solve(
        self,
        method: Method = "auto",
        *,
        time_limit: float = 60,
        msg: bool = False,
        local_search: bool = True,
    ) -> SetCovering:
        """Solve the model and store the results as attributes.

        Parameters
        ----------
        method : {"auto", "exact", "greedy"}, optional
            As in :meth:`MaximalCovering.solve`. Greedy adds the candidate with the largest
            marginal gain until the target is met, then drops posts that became redundant.
        time_limit : float, optional
            Seconds CBC may spend (default 60). If the limit cuts the search short and the
            heuristic needs fewer posts than CBC's best, the heuristic's answer is kept.
        msg : bool, optional
            Show CBC's log.
        local_search : bool, optional
            After greedy, repeatedly remove the least useful post and re-optimise the rest by
            1-swaps while the target is still met (default ``True``).

        Returns
        -------
        SetCovering
            ``self``, for chaining.
        """
        _check_method(method)
        limit = _check_time_limit(time_limit)
        t0 = time.perf_counter()
        prob = self._problem
        self.fallback_reason = None
        self.notes = list(self._input_notes)
        # A hair of slack so floating-point sums that equal the target count as meeting it.
        need = self.target_weight * (1 - _RTOL)
        greedy = _greedy(prob, prob.free.size, use_backup=False, stop_at=need)
        heuristic = _drop_redundant(prob, greedy.order, need)
        how = f"greedy: {greedy.order.size} post(s)"
        if heuristic.size < greedy.order.size:
            how += f", {greedy.order.size - heuristic.size} redundant dropped"
        if local_search:
            shrunk = _shrink(prob, heuristic, need)
            if shrunk.size < heuristic.size:
                how += f", {heuristic.size - shrunk.size} more removed by 1-swaps"
            heuristic = shrunk
        chosen: np.ndarray | None = None
        proven = False
        status = ""
        lower = prob.locked.size
        if method in ("exact", "auto"):
            try:
                chosen, proven, status, lower = self._exact(heuristic, need, limit, msg)
            except SolverUnavailableError as exc:
                if method == "exact":
                    raise
                self.fallback_reason = str(exc)
            if chosen is None and self.fallback_reason is None:
                if method == "exact":
                    raise SolverUnavailableError(f"CBC found no solution: {status}")
                self.fallback_reason = f"CBC found no solution: {status}"
        if chosen is not None and not proven and heuristic.size + prob.locked.size < chosen.size:
            # CBC stopped at the time limit with more posts than the heuristic needs.
            self.notes.append(f"CBC stopped with {chosen.size} posts; the heuristic needs "
                              f"{heuristic.size + prob.locked.size} and was kept")
            self.method, self.status = "greedy", f"{status}; heuristic kept ({how})"
            chosen = np.concatenate([prob.locked, heuristic])
        elif chosen is not None:
            self.method, self.status = "exact", status
        else:
            chosen = np.concatenate([prob.locked, heuristic])
            self.method = "greedy"
            self.status = how + (" (fallback)" if self.fallback_reason else "")
            lower = self._lp_lower(need)
        self.selected = np.sort(chosen).astype(np.intp)
        self.p = int(self.selected.size)
        self.lower_bound = self.p if proven else min(int(lower), self.p)
        if self.selected.size:
            times = np.asarray(prob.covers[self.selected].sum(axis=0)).ravel().astype(np.int64)
        else:
            times = np.zeros(prob.n_segments, dtype=np.int64)
        self.times_covered = times
        self.covered = times >= 1
        self.covered_weight = float(prob.weights[self.covered].sum())
        self.coverage_fraction = (
            self.covered_weight / self.basis_weight if self.basis_weight > 0 else 1.0
        )
        self.solve_seconds = time.perf_counter() - t0
        return self

    def _exact(
        self, heuristic: np.ndarray, need: float, time_limit: float, msg: bool
    ) -> tuple[np.ndarray | None, bool, str, int]:
        """Solve the reduced partial covering programme with CBC."""
        prob = self._problem
        red = _reduce(prob, use_backup=False)
        self.model_size = {
            "candidates": int(red.cand.size),
            "segment_groups": int(red.w.size),
            "segments": red.n_segments_kept,
            "dominated": red.n_dominated,
        }
        required = need - red.constant
        if required <= 0:
            return prob.locked.copy(), True, "optimal (locked posts meet the target)", \
                prob.locked.size
        scale = float(red.w.max(initial=0.0)) or 1.0
        model = _lscp_model(red, required, scale)
        lp = _lp_solve(model)
        lower = prob.locked.size + (math.ceil(lp[0] - 1e-6) if lp is not None else 0)
        if (prob.locked.size + heuristic.size <= lower
                and _objective(prob, heuristic, False) >= need):
            picks = np.sort(heuristic)
            return (np.concatenate([prob.locked, picks]), True,
                    "optimal (heuristic meets the LP bound)", lower)
        if not _cbc_available():
            raise SolverUnavailableError("PuLP's bundled CBC solver is not available")
        start: np.ndarray | None = _lscp_start(red, np.isin(red.cand, heuristic))
        # The greedy start may use dominated posts, which the reduced model lacks; only pass
        # it on when it is feasible there.
        if start is not None and float(red.w @ start[red.cand.size:]) < required:
            start = None
        res = _solve_cbc(model, self.name, time_limit, msg, start)
        if res.x is None:
            return None, False, res.status, lower
        picks = np.sort(red.cand[res.x])
        return np.concatenate([prob.locked, picks]), res.proven, res.status, lower

    def _lp_lower(self, need: float) -> int:
        """Return the LP-relaxation lower bound on the number of posts."""
        prob = self._problem
        red = _reduce(prob, use_backup=False)
        required = need - red.constant
        if required <= 0:
            return int(prob.locked.size)
        scale = float(red.w.max(initial=0.0)) or 1.0
        lp = _lp_solve(_lscp_model(red, required, scale))
        return int(prob.locked.size) + (math.ceil(lp[0] - 1e-6) if lp is not None else 0)

    def __repr__(self) -> str:
        return (f"SetCovering(name={self.name!r}, target_fraction={self.target_fraction}, "
                f"status={self.status!r})")


# --------------------------------------------------------------------------------------------
# Coverage curves and the shared pool
# --------------------------------------------------------------------------------------------


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
        Coverage matrix as in :meth:`MaximalCovering.from_coverage`.
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
    p_max = _as_count(p_max, "p_max")
    _check_method(method)
    prob = _make_problem(covers, weights, locked, banned)
    n_lock = prob.locked.size
    n_allowed = prob.allowed.size
    curve = np.full(p_max + 1, np.nan)
    if p_max < n_lock:
        return curve
    top = min(p_max, n_allowed)
    if method == "greedy":
        run = _greedy(prob, top - n_lock, use_backup=False)
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


def allocate_pool(
    curves: Mapping[str, Sequence[float]],
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
    n = _as_count(n_officers, "n_officers")
    if not curves:
        return {}
    names = sorted(curves, key=str)
    mins: dict[str, int] = dict.fromkeys(names, 0)
    if minimum:
        unknown = [k for k in minimum if k not in curves]
        if unknown:
            raise InputError(f"minimum names unknown site(s): {', '.join(map(str, unknown))}")
        for k, v in minimum.items():
            mins[k] = _as_count(v, f"minimum for {k!r}")
    if sum(mins.values()) > n:
        raise InputError(f"the minimums add up to {sum(mins.values())} officers but the pool "
                         f"has only {n}")
    values: dict[str, np.ndarray] = {}
    for k in names:
        try:
            arr = np.asarray(curves[k], dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"curve for site {k!r} must be numbers") from None
        if arr.ndim != 1 or arr.size == 0:
            raise InputError(f"curve for site {k!r} must be a non-empty 1-D sequence")
        if mins[k] >= arr.size:
            raise InputError(f"minimum {mins[k]} for site {k!r} exceeds its curve (counts "
                             f"0..{arr.size - 1})")
        arr = arr.copy()
        arr[~np.isfinite(arr)] = -np.inf
        arr[: mins[k]] = -np.inf
        if not np.any(np.isfinite(arr)):
            raise InputError(f"site {k!r} has no feasible officer count")
        values[k] = arr
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    tol = _RTOL * max(1.0, float(np.abs(finite).max(initial=0.0)) * len(names))

    # best[b] = (value, officers) over sites processed so far using at most b officers;
    # choice[s][b] = count given to site s in that best.
    neg = (-math.inf, 0)
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    choices: list[list[int]] = []
    for k in names:
        arr = values[k]
        new: list[tuple[float, int]] = [neg] * (n + 1)
        pick = [-1] * (n + 1)
        for b in range(n + 1):
            for c in range(min(b, arr.size - 1) + 1):
                if not math.isfinite(arr[c]):
                    continue
                prev_val, prev_cnt = best[b - c]
                if not math.isfinite(prev_val):
                    continue
                val, cnt = prev_val + float(arr[c]), prev_cnt + c
                cur_val, cur_cnt = new[b]
                if val > cur_val + tol or (abs(val - cur_val) <= tol and cnt < cur_cnt):
                    new[b] = (val, cnt)
                    pick[b] = c
        best = new
        choices.append(pick)
    if not math.isfinite(best[n][0]):
        raise InputError(f"no feasible split of {n} officers (minimums or locked posts need "
                         "more)")
    out: dict[str, int] = {}
    b = n
    for k, pick in zip(reversed(names), reversed(choices), strict=True):
        c = pick[b]
        out[k] = c
        b -= c
    return {k: out[k] for k in curves}

