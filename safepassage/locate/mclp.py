"""Maximal covering (MCLP, Church & ReVelle 1974), optionally with backup coverage.

Where to stand ``p`` officers so the most segment weight is covered; with the backup option
(Hogan & ReVelle 1986) a segment also earns ``factor × backup weight`` when two chosen posts
cover it. See :mod:`safepassage.locate` for how each solving method works.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from . import solvers
from .base import CoveringModel, ExactAnswer
from .formulation import LinearModel, fix_start, mclp_model, mclp_start
from .heuristics import (
    GreedyRun,
    Start,
    best_start,
    greedy,
    lp_starts,
    objective,
    swap_improve,
    top_up,
)
from .problem import RTOL, BackupSpec, CoverageLike, Method, Problem, as_count, make_problem
from .reduction import Reduced, reduce_problem

__all__ = ["MaximalCovering"]


class _Search:
    """What one maximal-covering solve works with.

    The reduced model and its programme (``None`` when nothing is left to decide), the greedy
    run and its swap-improved picks; the LP relaxation and the best heuristic are computed on
    first use and kept.
    """

    def __init__(self, prob: Problem, p_free: int, local_search: bool) -> None:
        self.prob = prob
        self.p_free = p_free
        self.local_search = local_search
        self.use_backup = prob.has_backup
        self.red: Reduced = reduce_problem(prob, use_backup=self.use_backup)
        red = self.red
        self.p_model = min(p_free, red.cand.size)
        # Nothing to decide: no free post to place, every useful candidate fits, or no weight.
        trivial = self.p_model in (0, red.cand.size) or red.w.size == 0
        self.scale = float(max(red.w.max(initial=0.0), red.b.max(initial=0.0))) or 1.0
        self.model: LinearModel | None = (
            None if trivial else mclp_model(red, self.p_model, self.scale)
        )
        self.greedy: GreedyRun = greedy(prob, p_free, use_backup=self.use_backup)
        self.warm, self.swaps = self.greedy.order, 0
        if local_search:
            self.warm, self.swaps = swap_improve(prob, self.greedy.order,
                                                 use_backup=self.use_backup)

    @cached_property
    def lp(self) -> tuple[float, np.ndarray] | None:
        """The LP relaxation (objective in model units, solution), or ``None``."""
        return solvers.lp_solve(self.model) if self.model is not None else None

    def lp_bound(self) -> float | None:
        """Return the LP relaxation's bound on the objective, in weight units."""
        lp = self.lp
        return None if lp is None else self.red.constant + lp[0] * self.scale

    @cached_property
    def heuristic(self) -> tuple[np.ndarray, str]:
        """The best heuristic picks (free candidates) and a status line.

        Without local search this is the plain greedy. With it, three starts are improved by
        1-swaps and the best kept (earliest on ties): the greedy picks, the ``p`` largest
        values of the LP relaxation's solution, and greedy restricted to the LP's support.
        """
        if not self.local_search:
            return self.greedy.order, "greedy"
        prob, model, lp = self.prob, self.model, self.lp
        starts = [Start("greedy", self.warm, self.swaps)]
        if lp is not None and model is not None:
            starts += lp_starts(prob, self.red.cand, lp[1][: model.n_x], model.budget,
                                use_backup=self.use_backup)
        best = best_start(prob, starts, use_backup=self.use_backup)
        # The LP starts come from a model without dominated posts and can be short.
        picks = top_up(prob, best.picks, self.p_free)
        return picks, f"greedy + 1-swaps (best start: {best.name}, {best.swaps} swap(s))"


class MaximalCovering(CoveringModel):
    """Maximal covering location problem: place ``p`` posts to cover the most segment weight.

    Build it with :meth:`from_coverage_matrix` (``from_coverage`` is the same) or
    :meth:`from_cost_matrix`, then call :meth:`solve`.

    Attributes
    ----------
    name, covers, weights, locked, banned, total_weight, notes
        As in :class:`~safepassage.locate.base.CoveringModel`.
    p : int
        Number of posts placed (``p_requested`` clipped to the number of allowed candidates).
    p_requested : int
        The ``p`` asked for.
    backup_weights : numpy.ndarray or None
        Backup weights (``None`` without the backup option).
    backup_factor : float
        Multiplier of the backup weights.
    coverable_weight : float
        Weight of segments reachable by at least one allowed candidate.

    The following are set by :meth:`solve`:

    selected : numpy.ndarray
        Sorted indices of the chosen candidates (always ``p`` of them, locked ones included).
    covered, times_covered, covered_weight
        As in :class:`~safepassage.locate.base.CoveringModel`.
    coverage_fraction : float
        ``covered_weight / total_weight`` (1.0 when the total weight is zero).
    backup_weight : float
        Sum of backup weights of segments covered at least twice (0 without backup).
    objective : float
        ``covered_weight + backup_factor × backup_weight``, the quantity maximised.
    upper_bound : float
        Proven upper bound on the best achievable ``objective``.
    gap : float
        ``(upper_bound - objective) / upper_bound``: 0 for a proven optimum; for greedy, the
        solution is within ``100 × gap`` % of optimal. Gaps below 1e-6 are reported as 0.
    bound_kind : str
        Where ``upper_bound`` comes from: ``"optimal"``, ``"lp"``, ``"online"`` or ``"trivial"``.
    method, status, solve_seconds, fallback_reason
        As in :class:`~safepassage.locate.base.CoveringModel`.
    model_size : dict
        Size of the programme after reduction; greedy uses the same reduced model for its LP
        bound.
    """

    def __init__(self, problem: Problem, p: int, name: str = "mclp") -> None:
        super().__init__(problem, name)
        self.backup_weights = problem.backup_weights
        self.backup_factor = problem.backup_factor
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
        self.coverable_weight = float(problem.weights[problem.reach(problem.allowed)].sum())
        self.backup_weight = 0.0
        self.objective = 0.0
        self.upper_bound = math.inf
        self.gap = math.nan
        self.bound_kind = ""

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def from_coverage_matrix(
        cls,
        covers: CoverageLike,
        weights: npt.ArrayLike,
        p: int,
        *,
        locked: Iterable[int] = (),
        banned: Iterable[int] = (),
        backup: BackupSpec | Mapping[str, object] | None = None,
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
        problem = make_problem(covers, weights, locked, banned, backup)
        return cls(problem, as_count(p, "p"), name)

    #: The former name of :meth:`from_coverage_matrix`.
    from_coverage = from_coverage_matrix

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: CoverageLike,
        weights: npt.ArrayLike,
        service_radius: float,
        p: int,
        *,
        locked: Iterable[int] = (),
        banned: Iterable[int] = (),
        backup: BackupSpec | Mapping[str, object] | None = None,
        name: str = "mclp",
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
        locked, banned, backup, name
            As in :meth:`from_coverage_matrix`.

        Returns
        -------
        MaximalCovering
            The unsolved model.
        """
        covers = cls.coverage_from_costs(cost_matrix, service_radius)
        return cls.from_coverage_matrix(covers, weights, p, locked=locked, banned=banned,
                                        backup=backup, name=name)

    # ---- solving -----------------------------------------------------------------------------

    def _solve(self, method: Method, time_limit: float, msg: bool, local_search: bool) -> None:
        """Reduce, run the heuristics, solve exactly unless told not to, keep the best, bound."""
        search = _Search(self._problem, self.p - self._problem.locked.size, local_search)
        self.model_size = search.red.size()
        answer = ExactAnswer(None, False, "")
        if method != "greedy":
            answer = self._attempt_exact(
                method, lambda: self._exact(search, time_limit, msg)
            )
        chosen = self._choose(search, answer)
        self._store(np.sort(chosen).astype(np.intp))
        self._set_bound(search, answer.proven)

    def _exact(self, search: _Search, time_limit: float, msg: bool) -> ExactAnswer:
        """Return the exact answer: trivial, proven by the LP bound, or from CBC.

        The LP relaxation gives greedy its bound and two more starts; the best heuristic is
        CBC's warm start, and if it already meets the LP bound it is optimal and CBC is not
        needed at all (common for small ``p``, where the LP is often integral).
        """
        prob, red = self._problem, search.red
        if search.model is None:
            chosen = self._fill(red.cand[: search.p_model], search.p_free)
            return ExactAnswer(chosen, True, "optimal (trivial after reduction)")
        if search.local_search:
            picks = search.heuristic[0]
            bound = search.lp_bound()
            if bound is not None and (objective(prob, picks, search.use_backup)
                                      >= bound * (1 - RTOL)):
                return ExactAnswer(np.concatenate([prob.locked, picks]), True,
                                   "optimal (heuristic meets the LP bound)")
        start = search.heuristic[0] if search.local_search else search.warm
        return self._cbc(search, search.model, start, time_limit, msg)

    def _cbc(
        self, search: _Search, model: LinearModel, warm: np.ndarray, time_limit: float, msg: bool
    ) -> ExactAnswer:
        """Solve the reduced integer programme with CBC, warm-started from ``warm``."""
        red, p_model = search.red, model.budget
        start_x = np.isin(red.cand, warm)
        if start_x.sum() != p_model:  # the warm start used dominated posts: top up in order
            start_x = fix_start(red.cand, warm, p_model)
        if not solvers.cbc_available():
            raise solvers.SolverUnavailableError("PuLP's bundled CBC solver is not available")
        res = solvers.solve_cbc(model, self.name, time_limit, msg, mclp_start(red, start_x))
        if res.x is None:
            return ExactAnswer(None, False, res.status)
        if int(res.x.sum()) != p_model:
            raise solvers.SolverUnavailableError(
                f"CBC returned {int(res.x.sum())} posts instead of {p_model}"
            )
        return ExactAnswer(self._fill(red.cand[res.x], search.p_free), res.proven, res.status)

    def _choose(self, search: _Search, answer: ExactAnswer) -> np.ndarray:
        """Return the chosen posts (locked included) and set ``method`` and ``status``.

        A proven exact answer is kept; a time-limited one only if the heuristic is not better;
        without an exact answer, the heuristic's.
        """
        prob = self._problem
        chosen = answer.chosen
        if chosen is None:
            picks, how = search.heuristic
            self.method = "greedy"
            self.status = how + (" (fallback)" if self.fallback_reason else "")
            return np.concatenate([prob.locked, picks])
        self.method, self.status = "exact", answer.status
        if answer.proven:
            return chosen
        # CBC stopped at the time limit: the heuristic may have done better.
        picks, how = search.heuristic
        mine = objective(prob, picks, search.use_backup)
        theirs = objective(prob, chosen[prob.locked.size:], search.use_backup)
        if mine > theirs * (1 + RTOL):
            self.notes.append("CBC's best solution at the time limit was worse than the "
                              "heuristic's; the heuristic's was kept")
            self.method, self.status = "greedy", f"{answer.status}; heuristic kept ({how})"
            return np.concatenate([prob.locked, picks])
        return chosen

    def _set_bound(self, search: _Search, proven: bool) -> None:
        """Set ``upper_bound``, ``bound_kind`` and ``gap`` for the stored selection."""
        red = search.red
        if proven:
            self.upper_bound, self.bound_kind = self.objective, "optimal"
        elif search.model is None:
            best = red.constant + (float(red.w.sum() + red.b.sum()) if search.p_model else 0.0)
            self.upper_bound, self.bound_kind = max(best, self.objective), "optimal"
        else:
            best, kind = red.constant + float(red.w.sum() + red.b.sum()), "trivial"
            lp = search.lp
            if lp is not None and red.constant + lp[0] * search.scale * (1 + 1e-7) < best:
                # solver tolerance
                best, kind = red.constant + lp[0] * search.scale * (1 + 1e-7), "lp"
            if search.greedy.online_bound < best:
                best, kind = search.greedy.online_bound * (1 + 1e-12), "online"
            self.upper_bound, self.bound_kind = max(best, self.objective), kind
        if self.upper_bound > 0 and math.isfinite(self.upper_bound):
            gap = (self.upper_bound - self.objective) / self.upper_bound
            self.gap = 0.0 if gap < 1e-6 else gap
        else:
            self.gap = 0.0

    def _fill(self, picks: np.ndarray, p_free: int) -> np.ndarray:
        """Add the locked posts and, when the budget exceeds the useful posts, low-index fillers."""
        prob = self._problem
        picks = np.sort(picks)
        if picks.size < p_free:
            filled = top_up(prob, picks, p_free)
            self.notes.append(
                f"{filled.size - picks.size} post(s) add no coverage beyond the others (every "
                "segment an allowed post can reach is covered already); filled with the "
                "lowest-index free candidates"
            )
            picks = filled
        return np.concatenate([prob.locked, picks])

    def _store(self, selected: np.ndarray) -> None:
        """Set the coverage attributes, the backup weight covered twice and the objective."""
        super()._store(selected)
        prob = self._problem
        if prob.backup_weights is not None:
            self.backup_weight = float(prob.backup_weights[self.times_covered >= 2].sum())
        else:
            self.backup_weight = 0.0
        self.objective = self.covered_weight + (
            prob.backup_factor * self.backup_weight if prob.has_backup else 0.0
        )

    # ---- reporting ---------------------------------------------------------------------------

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
