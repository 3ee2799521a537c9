"""Partial location set covering (LSCP): the fewest posts covering a target share of the weight.

See :mod:`safepassage.locate` for how each solving method works.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from . import solvers
from .base import CoveringModel, ExactAnswer
from .formulation import LinearModel, lscp_model, lscp_start
from .heuristics import drop_redundant, greedy, objective, shrink
from .problem import RTOL, CoverageLike, Method, Problem, make_problem
from .reduction import Reduced, reduce_problem

__all__ = ["SetCovering"]

Basis = Literal["coverable", "total"]


def _lp_posts(model: LinearModel) -> int:
    """Return the LP relaxation's lower bound on the number of free posts (0 without an LP)."""
    lp = solvers.lp_solve(model)
    return math.ceil(lp[0] - 1e-6) if lp is not None else 0


def _programme(red: Reduced, required: float) -> LinearModel:
    """Return the set covering programme of the reduced model, scaled by its largest weight."""
    scale = float(red.w.max(initial=0.0)) or 1.0
    return lscp_model(red, required, scale)


class SetCovering(CoveringModel):
    """Partial location set covering: the fewest posts covering a target share of the weight.

    The target is ``target_fraction × coverable weight``, where the coverable weight is the
    weight of segments reachable by at least one candidate (banned ones included) when
    ``basis="coverable"`` (default), or the total weight when ``basis="total"``. If the target
    is more than the allowed candidates can reach (``achievable_fraction``), the model aims at
    the achievable maximum instead and says so in ``notes``.

    Build it with :meth:`from_coverage_matrix` (``from_coverage`` is the same) or
    :meth:`from_cost_matrix`, then call :meth:`solve`.

    Attributes
    ----------
    name, covers, weights, locked, banned, total_weight, notes
        As in :class:`~safepassage.locate.base.CoveringModel`.
    target_fraction : float
        Requested share.
    basis : str
        ``"coverable"`` or ``"total"``: what the fractions are shares of.
    coverable_weight, basis_weight : float
        Weight reachable by any candidate; the weight fractions refer to.
    achievable_weight, achievable_fraction : float
        Most weight (and its share of ``basis_weight``) the allowed candidates can cover.
    target_weight : float
        Weight actually aimed at (the target, or the achievable maximum if lower).

    Set by :meth:`solve`:

    selected : numpy.ndarray
        Sorted chosen candidates (locked included).
    p : int
        ``len(selected)``.
    covered, times_covered, covered_weight
        As in :class:`~safepassage.locate.base.CoveringModel`.
    coverage_fraction : float
        ``covered_weight / basis_weight`` (1.0 when ``basis_weight`` is zero).
    lower_bound : int
        Proven lower bound on the number of posts (equals ``p`` when proven optimal; from the
        LP relaxation otherwise).
    method, status, solve_seconds, fallback_reason, model_size
        As in :class:`~safepassage.locate.base.CoveringModel` (``model_size`` is filled by
        the exact method only).
    """

    def __init__(
        self,
        problem: Problem,
        target_fraction: float,
        basis: Basis = "coverable",
        name: str = "lscp",
    ) -> None:
        super().__init__(problem, name)
        self.target_fraction = target_fraction
        self.basis = basis
        w = problem.weights
        reach_any = np.asarray(problem.covers.sum(axis=0)).ravel() > 0
        self.coverable_weight = float(w[reach_any].sum())
        self.basis_weight = self.coverable_weight if basis == "coverable" else self.total_weight
        self.achievable_weight = float(w[problem.reach(problem.allowed)].sum())
        self.achievable_fraction = (
            self.achievable_weight / self.basis_weight if self.basis_weight > 0 else 1.0
        )
        wanted = target_fraction * self.basis_weight
        if wanted > self.achievable_weight * (1 + RTOL):
            self.notes.append(
                f"target {100 * target_fraction:.1f} % exceeds the achievable "
                f"{100 * self.achievable_fraction:.1f} % (banned candidates or unreachable "
                "segments); aiming at the achievable maximum"
            )
            wanted = self.achievable_weight
        self.target_weight = float(wanted)
        self._input_notes = list(self.notes)
        self.lower_bound = 0

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def from_coverage_matrix(
        cls,
        covers: CoverageLike,
        weights: npt.ArrayLike,
        target_fraction: float = 0.9,
        *,
        locked: Iterable[int] = (),
        banned: Iterable[int] = (),
        basis: Basis = "coverable",
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
        problem = make_problem(covers, weights, locked, banned)
        return cls(problem, frac, basis, name)

    #: The former name of :meth:`from_coverage_matrix`.
    from_coverage = from_coverage_matrix

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: CoverageLike,
        weights: npt.ArrayLike,
        service_radius: float,
        target_fraction: float = 0.9,
        *,
        locked: Iterable[int] = (),
        banned: Iterable[int] = (),
        basis: Basis = "coverable",
        name: str = "lscp",
    ) -> SetCovering:
        """Build the model from network distances: covered where distance ≤ ``service_radius``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix, shape (n_candidates, n_segments)
            Distances; ``inf``/``NaN``/not stored mean unreachable (a stored zero is a
            distance of 0).
        weights : array-like of float, shape (n_segments,)
            Non-negative weight of each segment.
        service_radius : float
            Largest distance a post covers, same unit as ``cost_matrix``.
        target_fraction : float, optional
            Share to cover (default 0.9).
        locked, banned, basis, name
            As in :meth:`from_coverage_matrix`.

        Returns
        -------
        SetCovering
            The unsolved model.
        """
        covers = cls.coverage_from_costs(cost_matrix, service_radius)
        return cls.from_coverage_matrix(covers, weights, target_fraction, locked=locked,
                                        banned=banned, basis=basis, name=name)

    # ---- solving -----------------------------------------------------------------------------

    def _reference_weight(self) -> float:
        return self.basis_weight

    def _solve(self, method: Method, time_limit: float, msg: bool, local_search: bool) -> None:
        """Run the heuristic, solve exactly unless told not to, keep the fewer posts."""
        prob = self._problem
        # A hair of slack so floating-point sums that equal the target count as meeting it.
        need = self.target_weight * (1 - RTOL)
        picks, how = self._heuristic(need, local_search)
        answer = ExactAnswer(None, False, "")
        if method != "greedy":
            answer = self._attempt_exact(
                method, lambda: self._exact(picks, need, time_limit, msg)
            )
        if answer.chosen is None:
            chosen = np.concatenate([prob.locked, picks])
            self.method = "greedy"
            self.status = how + (" (fallback)" if self.fallback_reason else "")
            lower = self._lp_lower(need)
        elif not answer.proven and picks.size + prob.locked.size < answer.chosen.size:
            # CBC stopped at the time limit with more posts than the heuristic needs.
            self.notes.append(f"CBC stopped with {answer.chosen.size} posts; the heuristic "
                              f"needs {picks.size + prob.locked.size} and was kept")
            self.method, self.status = "greedy", f"{answer.status}; heuristic kept ({how})"
            chosen, lower = np.concatenate([prob.locked, picks]), answer.lower
        else:
            self.method, self.status = "exact", answer.status
            chosen, lower = answer.chosen, answer.lower
        self._store(np.sort(chosen).astype(np.intp))
        self.p = int(self.selected.size)
        self.lower_bound = self.p if answer.proven else min(int(lower), self.p)

    def _heuristic(self, need: float, local_search: bool) -> tuple[np.ndarray, str]:
        """Return free picks meeting ``need`` (greedy, pruned, optionally shrunk) and a status."""
        prob = self._problem
        run = greedy(prob, prob.free.size, use_backup=False, stop_at=need)
        picks = drop_redundant(prob, run.order, need)
        how = f"greedy: {run.order.size} post(s)"
        if picks.size < run.order.size:
            how += f", {run.order.size - picks.size} redundant dropped"
        if local_search:
            shrunk = shrink(prob, picks, need)
            if shrunk.size < picks.size:
                how += f", {picks.size - shrunk.size} more removed by 1-swaps"
            picks = shrunk
        return picks, how

    def _exact(
        self, heuristic: np.ndarray, need: float, time_limit: float, msg: bool
    ) -> ExactAnswer:
        """Solve the reduced partial covering programme: trivial, proven by the LP, or CBC."""
        prob = self._problem
        red = reduce_problem(prob, use_backup=False)
        self.model_size = red.size()
        n_locked = int(prob.locked.size)
        required = need - red.constant
        if required <= 0:
            return ExactAnswer(prob.locked.copy(), True, "optimal (locked posts meet the target)",
                               n_locked)
        model = _programme(red, required)
        lower = n_locked + _lp_posts(model)
        if n_locked + heuristic.size <= lower and objective(prob, heuristic, False) >= need:
            return ExactAnswer(np.concatenate([prob.locked, np.sort(heuristic)]), True,
                               "optimal (heuristic meets the LP bound)", lower)
        if not solvers.cbc_available():
            raise solvers.SolverUnavailableError("PuLP's bundled CBC solver is not available")
        start: np.ndarray | None = lscp_start(red, np.isin(red.cand, heuristic))
        # The greedy start may use dominated posts, which the reduced model lacks; only pass
        # it on when it is feasible there.
        if start is not None and float(red.w @ start[red.cand.size:]) < required:
            start = None
        res = solvers.solve_cbc(model, self.name, time_limit, msg, start)
        if res.x is None:
            return ExactAnswer(None, False, res.status, lower)
        picks = np.sort(red.cand[res.x])
        return ExactAnswer(np.concatenate([prob.locked, picks]), res.proven, res.status, lower)

    def _lp_lower(self, need: float) -> int:
        """Return the LP-relaxation lower bound on the number of posts."""
        prob = self._problem
        red = reduce_problem(prob, use_backup=False)
        required = need - red.constant
        if required <= 0:
            return int(prob.locked.size)
        return int(prob.locked.size) + _lp_posts(_programme(red, required))

    def __repr__(self) -> str:
        return (f"SetCovering(name={self.name!r}, target_fraction={self.target_fraction}, "
                f"status={self.status!r})")
