"""Solvers for the covering programmes: the LP relaxation (HiGHS) and CBC through PuLP.

The LP relaxation gives bounds and starts to the heuristics; CBC, the binary bundled with
PuLP, solves the integer programme single-threaded with fixed seeds, so the same input gives
the same answer unless the time limit cuts the search short.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ..errors import DataUnavailableError
from .formulation import LinearModel

__all__ = [
    "CBC_OPTIONS",
    "CbcResult",
    "SolverUnavailableError",
    "cbc_available",
    "lp_solve",
    "solve_cbc",
]

#: CBC switches. Measured on 500 × 2000 street-grid instances (bench/bench_locate.py), turning
#: off CBC's own preprocessing (our reduction already did the useful part) and cut generation
#: (cuts barely move the covering LP bound) makes the hard cases (p ≈ 20) 2-3× faster.
CBC_OPTIONS = ("preprocess off", "cuts off", "randomCbcSeed 20240601", "randomSeed 20240601")


class SolverUnavailableError(DataUnavailableError):
    """The exact solver (PuLP's bundled CBC) is missing or failed and no fallback was asked for."""


def lp_solve(model: LinearModel) -> tuple[float, np.ndarray] | None:
    """Solve the LP relaxation with HiGHS.

    Parameters
    ----------
    model : LinearModel
        The programme; integrality is ignored.

    Returns
    -------
    tuple of (float, numpy.ndarray) or None
        Objective (in model units, i.e. scaled) and solution, or ``None`` when HiGHS fails.
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
class CbcResult:
    """What came back from CBC.

    Attributes
    ----------
    x : numpy.ndarray or None
        Boolean per post variable, ``None`` when CBC found no solution.
    proven : bool
        Whether CBC proved the solution optimal.
    status : str
        Human-readable status.
    """

    x: np.ndarray | None
    proven: bool
    status: str


def _cbc_command(pulp: ModuleType, **kw: object) -> Any:  # PuLP ships no type information
    """Return ``pulp.PULP_CBC_CMD(**kw)`` without PuLP 3's deprecation warning.

    PuLP 3 deprecates ``PULP_CBC_CMD`` in favour of a separately installed CBC, but the
    bundled binary is exactly what this module relies on.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PULP_CBC_CMD.*", category=DeprecationWarning)
        return pulp.PULP_CBC_CMD(**kw)


def cbc_available() -> bool:
    """Return whether PuLP and its bundled CBC binary can be used.

    Returns
    -------
    bool
        ``True`` when CBC can be run.
    """
    try:
        import pulp
    except ImportError:
        return False
    try:
        return bool(_cbc_command(pulp, msg=False).available())
    except Exception:  # any failure to locate the binary means "not available"
        return False


def _add_rows(
    pulp: ModuleType, prob: Any, variables: list[Any], rows: tuple[sp.csr_array, np.ndarray],
    sense: int, tag: str,
) -> None:
    """Add the constraints ``rows[0] @ x (sense) rows[1]`` to the PuLP problem ``prob``."""
    mat, rhs = rows
    ptr, idx, val = mat.indptr, mat.indices, mat.data
    for r in range(mat.shape[0]):
        lo, hi = ptr[r], ptr[r + 1]
        expr = pulp.LpAffineExpression(
            [(variables[int(k)], float(v)) for k, v in zip(idx[lo:hi], val[lo:hi], strict=True)]
        )
        prob.addConstraint(
            pulp.LpConstraint(expr, sense=sense, rhs=float(rhs[r])), name=f"{tag}{r}"
        )


def _pulp_problem(pulp: ModuleType, model: LinearModel, name: str) -> tuple[Any, list[Any]]:
    """Write ``model`` as a PuLP problem; return it and its variables in column order."""
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
    _add_rows(pulp, prob, variables, (model.a_ub, model.b_ub), pulp.LpConstraintLE, "u")
    if model.a_eq is not None and model.b_eq is not None:
        _add_rows(pulp, prob, variables, (model.a_eq, model.b_eq), pulp.LpConstraintEQ, "e")
    return prob, variables


def solve_cbc(
    model: LinearModel, name: str, time_limit: float, msg: bool, start: np.ndarray | None
) -> CbcResult:
    """Solve ``model`` with PuLP's bundled CBC.

    CBC runs single-threaded with fixed random seeds so repeated runs give the same answer
    (unless the time limit stops the search, which depends on the machine's speed).

    Parameters
    ----------
    model : LinearModel
        The programme.
    name : str
        Label of the model (PuLP problem name).
    time_limit : float
        Seconds CBC may spend.
    msg : bool
        Show CBC's log.
    start : numpy.ndarray or None
        Warm start, one value per variable.

    Returns
    -------
    CbcResult
        The post variables of the best solution found, if any.

    Raises
    ------
    SolverUnavailableError
        When PuLP or CBC is missing or CBC fails.
    """
    try:
        import pulp
    except ImportError as exc:
        raise SolverUnavailableError(f"PuLP is not installed ({exc})") from None
    solver = _cbc_command(
        pulp,
        msg=bool(msg), timeLimit=time_limit, threads=1, warmStart=start is not None,
        options=list(CBC_OPTIONS),
    )
    if not solver.available():
        raise SolverUnavailableError("PuLP's bundled CBC solver is not available on this system")
    prob, variables = _pulp_problem(pulp, model, name)
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
        return CbcResult(None, False, f"no solution ({pulp.LpStatus.get(prob.status, '?')})")
    x = np.array([(v.varValue or 0.0) for v in variables[: model.n_x]]) > 0.5
    return CbcResult(x, proven, status)
