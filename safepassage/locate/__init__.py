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

Both models derive from :class:`CoveringModel` and follow spopt's style: build with
``from_coverage_matrix`` or ``from_cost_matrix``, call ``solve`` (it returns the model) and
read the results as attributes::

    model = MaximalCovering.from_coverage_matrix(covers, weights, p=6).solve("auto")
    model.selected, model.coverage_fraction, model.gap

Modules
-------
``problem``
    Input checking; the checked :class:`~safepassage.locate.problem.Problem`.
``base``
    :class:`CoveringModel`: shared attributes, ``solve``, results, the exact solver's fallback.
``mclp``, ``lscp``
    :class:`MaximalCovering` and :class:`SetCovering`: their constructors and solving steps.
``reduction``
    Shrinking a model without changing its optimum.
``formulation``
    The integer programmes in matrix form, and their warm starts.
``solvers``
    The LP relaxation (HiGHS) and CBC through PuLP.
``heuristics``
    Greedy, 1-swap improvement, set-covering pruning.
``pool``
    :func:`coverage_curve` and :func:`allocate_pool`.

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

from .base import CoveringModel
from .lscp import SetCovering
from .mclp import MaximalCovering
from .pool import allocate_pool, coverage_curve
from .problem import BackupSpec, CoverageLike, Method
from .solvers import SolverUnavailableError

__all__ = [
    "BackupSpec",
    "CoverageLike",
    "CoveringModel",
    "MaximalCovering",
    "Method",
    "SetCovering",
    "SolverUnavailableError",
    "allocate_pool",
    "coverage_curve",
]
