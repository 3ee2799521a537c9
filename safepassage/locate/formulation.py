"""The covering models as mixed-integer linear programmes in matrix form, and their warm starts.

Both programmes are built over the :class:`~safepassage.locate.reduction.Reduced` model; the
first ``n_x`` columns are the posts (binary), the rest say which merged segment groups are
covered. :mod:`safepassage.locate.solvers` solves them (HiGHS for the LP relaxation, CBC for
the integer programme).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .reduction import Reduced

__all__ = ["LinearModel", "fix_start", "lscp_model", "lscp_start", "mclp_model", "mclp_start"]


@dataclass(frozen=True)
class LinearModel:
    """A mixed-integer linear programme in matrix form; the first ``n_x`` columns are posts.

    Attributes
    ----------
    objective : numpy.ndarray
        Objective coefficients.
    maximize : bool
        Sense of the objective.
    a_ub, b_ub : scipy.sparse.csr_array, numpy.ndarray
        Rows ``a_ub @ x ≤ b_ub``.
    a_eq, b_eq : scipy.sparse.csr_array or None, numpy.ndarray or None
        Rows ``a_eq @ x = b_eq`` (maximal covering: the number of posts).
    lower, upper : numpy.ndarray
        Variable bounds.
    integer : numpy.ndarray
        Boolean mask of the integer variables.
    n_x : int
        Number of post variables (the first columns).
    """

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

    @property
    def budget(self) -> int:
        """Number of posts fixed by the equality row (0 for set covering)."""
        return int(self.b_eq[0]) if self.b_eq is not None else 0


def _block(rows: int, cols: int) -> sp.csr_array:
    """Return an all-zero sparse block."""
    return sp.csr_array((rows, cols), dtype=np.float64)


def _selector(rows: np.ndarray, n: int) -> sp.csr_array:
    """Return the matrix picking entries ``rows`` out of a length-``n`` vector."""
    return sp.csr_array(
        (np.ones(rows.size), (np.arange(rows.size), rows)), shape=(rows.size, n)
    )


def _backup_groups(red: Reduced) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split the groups by how many locked posts cover them.

    Returns the groups no locked post covers (``g0``), those covered once by a locked post and
    carrying backup weight (``g1``), and the positions in ``g0`` that carry backup weight.
    """
    g0 = np.flatnonzero(red.locked_count == 0)
    g1 = np.flatnonzero((red.locked_count == 1) & (red.b > 0))
    z_of = np.flatnonzero(red.b[g0] > 0)  # positions in g0 having a backup variable
    return g0, g1, z_of


def mclp_model(red: Reduced, p: int, scale: float) -> LinearModel:
    """Build the (backup) maximal covering programme over the reduced model.

    Variables: ``x`` (posts, binary), ``y`` (groups not yet covered by a locked post,
    continuous), ``z0`` (second coverage of those, binary), ``z1`` (second coverage of groups
    covered once by a locked post, continuous). Rows: ``y + z0 ≤ Σx``, ``z0 ≤ y``, ``z1 ≤ Σx``.
    With integer ``x`` the continuous variables take integral values at an optimum.

    Parameters
    ----------
    red : Reduced
        The reduced model.
    p : int
        Number of posts to place among ``red.cand``.
    scale : float
        Divides the objective (keeps coefficients near 1 for the solvers).

    Returns
    -------
    LinearModel
        The programme (maximise).
    """
    n_x = red.cand.size
    gt = sp.csr_array(red.incidence.T, dtype=np.float64)  # groups × posts
    g0, g1, z_of = _backup_groups(red)
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
    return LinearModel(
        objective=obj, maximize=True, a_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), a_eq=a_eq,
        b_eq=np.array([float(p)]), lower=np.zeros(n_var), upper=np.ones(n_var),
        integer=integer, n_x=n_x,
    )


def mclp_start(red: Reduced, chosen: np.ndarray) -> np.ndarray:
    """Return a full variable vector for :func:`mclp_model` given the chosen posts (0/1).

    Parameters
    ----------
    red : Reduced
        The reduced model.
    chosen : numpy.ndarray of bool
        One entry per ``red.cand``.

    Returns
    -------
    numpy.ndarray of float
        Values of all variables.
    """
    cnt = np.asarray(red.incidence.T.astype(np.int64) @ chosen.astype(np.int64)).ravel()
    g0, g1, z_of = _backup_groups(red)
    y = (cnt[g0] >= 1).astype(float)
    z0 = (cnt[g0][z_of] >= 2).astype(float)
    z1 = (cnt[g1] >= 1).astype(float)
    return np.concatenate([chosen.astype(float), y, z0, z1])


def lscp_model(red: Reduced, required: float, scale: float) -> LinearModel:
    """Build the partial set covering programme: fewest posts with ``Σ w·y ≥ required``.

    Parameters
    ----------
    red : Reduced
        The reduced model (built without backup).
    required : float
        Weight the free posts must cover on top of the locked ones.
    scale : float
        Divides the weights in the target row.

    Returns
    -------
    LinearModel
        The programme (minimise).
    """
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
    return LinearModel(
        objective=np.concatenate([np.ones(n_x), np.zeros(n_g)]), maximize=False, a_ub=a_ub,
        b_ub=b_ub, a_eq=None, b_eq=None, lower=np.zeros(n_var), upper=np.ones(n_var),
        integer=integer, n_x=n_x,
    )


def lscp_start(red: Reduced, chosen: np.ndarray) -> np.ndarray:
    """Return a full variable vector for :func:`lscp_model` given the chosen posts (0/1).

    Parameters
    ----------
    red : Reduced
        The reduced model.
    chosen : numpy.ndarray of bool
        One entry per ``red.cand``.

    Returns
    -------
    numpy.ndarray of float
        Values of all variables.
    """
    cnt = np.asarray(red.incidence.T.astype(np.int64) @ chosen.astype(np.int64)).ravel()
    return np.concatenate([chosen.astype(float), (cnt >= 1).astype(float)])


def fix_start(cand: np.ndarray, order: np.ndarray, k: int) -> np.ndarray:
    """Return a 0/1 start over ``cand`` with exactly ``k`` ones, preferring ``order``.

    Used when a heuristic's picks include posts the reduction dropped: those in ``cand`` are
    kept in ``order``, and the lowest-index remaining candidates top the start up to ``k``.

    Parameters
    ----------
    cand : numpy.ndarray
        Candidates of the reduced model.
    order : numpy.ndarray
        Preferred candidates (original indices), best first.
    k : int
        Number of posts.

    Returns
    -------
    numpy.ndarray of bool
        One entry per ``cand``.
    """
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
