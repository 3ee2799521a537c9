"""Choosing officer posts on a built coverage problem (the cheap step).

:func:`plan_posts` solves maximal covering (MCLP) for a number of officers, or set covering
(LSCP) for the fewest officers reaching a target share, with locked posts, banned places and
backup coverage, by :mod:`safepassage.locate` (CBC, with a greedy fallback that reports its gap
to the bound). Posts that would add nothing are not placed. It takes a few milliseconds to a
second on a site, so a planner can re-solve after every change; building the problem
(:func:`~.problem.coverage_problem`) is the expensive part.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..locate import MaximalCovering, SetCovering
from .options import CoverageSettings
from .problem import CoverageProblem, add_posts
from .result import BackupInfo, CoveragePlan, posts_table, stretches
from .rules import Backup, Rules, backup_rows, planner_rules

__all__ = ["plan_posts"]

#: The solver's notes about posts it placed only to use up the budget (they are not placed).
_FILLER_NOTE = re.compile(r"add no coverage|allowed candidates; clipped")


@dataclass
class _Solved:
    """What the solver gave, before posts that add nothing are dropped."""

    model: MaximalCovering | SetCovering
    mode: str  # "mclp" or "lscp"
    requested: int | None
    target: float | None
    lower: int | None
    gap_pct: float
    upper: float
    upper_pct: float
    bound_kind: str
    backup: Backup | None


@dataclass
class _Chosen:
    """The posts kept, how often each row is covered, and how they were found."""

    selected: np.ndarray
    times: np.ndarray
    dropped: int
    method: str
    status: str


def _mclp(problem: CoverageProblem, p: int, rules: Rules, backup: Backup | None,
          settings: CoverageSettings, suffix: str = "") -> MaximalCovering:
    """Solve maximal covering for ``p`` posts."""
    return MaximalCovering.from_coverage(
        problem.covers, problem.weights, p, locked=rules.locked, banned=rules.banned,
        backup=backup.spec() if backup is not None else None,
        name=f"mclp_{problem.window.name}{suffix}",
    ).solve(settings.method, time_limit=settings.time_limit)


def _solve_lscp(problem: CoverageProblem, settings: CoverageSettings, rules: Rules,
                officers: int | None, notes: list[str]) -> _Solved:
    """The fewest posts covering the target share (backup coverage is not used)."""
    target = float(settings.target_coverage or 0.0)
    if officers is not None:
        notes.append(f"aiming at {100 * target:.0f} % coverage: the officer count "
                     f"({officers}) is not used")
    if settings.backup is not None and settings.backup is not False:
        notes.append("backup coverage is not used when aiming at a target coverage")
    model = SetCovering.from_coverage(
        problem.covers, problem.weights, target, locked=rules.locked, banned=rules.banned,
        basis="total", name=f"lscp_{problem.window.name}",
    ).solve(settings.method, time_limit=settings.time_limit)
    lower = int(model.lower_bound)
    gap_pct = 100.0 * (model.p - lower) / model.p if model.p else 0.0
    return _Solved(model, "lscp", None, target, lower, gap_pct, math.nan, math.nan, "lscp", None)


def _solve_mclp(problem: CoverageProblem, settings: CoverageSettings, rules: Rules,
                officers: int | None, backup: Backup | None) -> _Solved:
    """The posts covering the most demand with ``officers``."""
    if officers is None:
        raise InputError("give officers or target_coverage")
    if officers < rules.locked.size:
        raise InputError(f"{rules.locked.size} posts are locked but only {officers} officers "
                         f"are on duty in the {problem.window.name} window")
    model = _mclp(problem, int(officers), rules, backup, settings)
    gap_pct = 100.0 * model.gap if math.isfinite(model.gap) else math.nan
    upper = float(model.upper_bound)
    total = float(problem.weights.sum())
    upper_pct = 100.0 * min(upper, total) / total if total > 0 else 100.0
    return _Solved(model, "mclp", int(officers), None, None, gap_pct, upper, upper_pct,
                   model.bound_kind, backup)


def _objective(problem: CoverageProblem, backup: Backup | None, times: np.ndarray) -> float:
    """Covered weight, plus the backup bonus for busy rows covered twice."""
    extra = (float(backup.factor * backup.weights[times >= 2].sum())
             if backup is not None else 0.0)
    return float(problem.weights[times >= 1].sum()) + extra


def _drop_useless(problem: CoverageProblem, chosen: list[int], times: np.ndarray,
                  locked: set[int], backup: Backup | None) -> int:
    """Drop, one at a time, the free post with the least reach among those adding nothing.

    ``chosen`` and ``times`` are updated in place; returns how many were dropped.
    """
    covers, w = problem.covers, problem.weights
    bw = backup.weights if backup is not None else np.zeros_like(w)
    factor = float(backup.factor) if backup is not None else 0.0
    tol = 1e-9 * max(float(w.sum()), 1e-12)
    dropped = 0
    while chosen:
        rows = covers[chosen].astype(np.float64)
        adds = rows @ np.where(times == 1, w, 0.0) + factor * (
            rows @ np.where(times == 2, bw, 0.0))
        reach = rows @ w
        useless = [k for k, c in enumerate(chosen) if c not in locked and adds[k] <= tol]
        if not useless:
            break
        k = min(useless, key=lambda k: (reach[k], -chosen[k]))
        times -= np.asarray(covers[[chosen[k]]].todense()).ravel().astype(np.int64)
        del chosen[k]
        dropped += 1
    return dropped


def _place_freed(problem: CoverageProblem, chosen: list[int], times: np.ndarray,
                 allowed: np.ndarray, backup: Backup | None) -> bool:
    """Place a freed officer where it adds the most, if it adds anything (in place)."""
    covers, w = problem.covers, problem.weights
    bw = backup.weights if backup is not None else np.zeros_like(w)
    factor = float(backup.factor) if backup is not None else 0.0
    tol = 1e-9 * max(float(w.sum()), 1e-12)
    gain = covers.astype(np.float64) @ (np.where(times == 0, w, 0.0)
                                        + factor * np.where(times == 1, bw, 0.0))
    gain[~allowed] = -1.0
    gain[chosen] = -1.0
    best = int(np.argmax(gain)) if gain.size else -1
    if best < 0 or gain[best] <= tol:
        return False
    chosen.append(best)
    times += np.asarray(covers[[best]].todense()).ravel().astype(np.int64)
    return True


def useful_posts(
    problem: CoverageProblem, selected: np.ndarray, rules: Rules, backup: Backup | None,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Drop posts that add nothing; place them where they add coverage, if anywhere.

    A post adds nothing when every corridor piece it covers is covered by another post (and,
    with backup, every busy piece by two others). Locked posts always stay. An officer freed
    this way goes to the allowed candidate that adds the most, while one adds anything (only
    a heuristic solution leaves such a place). The covered weight never falls.

    Returns
    -------
    selected : numpy.ndarray
        Sorted candidate indices kept.
    times : numpy.ndarray
        Posts covering each corridor piece.
    dropped, moved : int
        Posts dropped in all, and of those, how many were placed elsewhere.
    """
    covers = problem.covers
    chosen = [int(c) for c in np.unique(selected)]
    is_locked = set(int(c) for c in rules.locked)
    allowed = np.ones(problem.n_candidates, dtype=bool)
    allowed[np.asarray(rules.banned, dtype=np.intp)] = False
    times = (np.asarray(covers[chosen].sum(axis=0)).ravel().astype(np.int64) if chosen
             else np.zeros(problem.n_segments, dtype=np.int64))
    dropped = moved = 0
    while True:
        dropped += _drop_useless(problem, chosen, times, is_locked, backup)
        if dropped <= moved or not _place_freed(problem, chosen, times, allowed, backup):
            break
        moved += 1
    return np.array(sorted(chosen), dtype=np.intp), times, dropped, moved


def _fewest_posts(problem: CoverageProblem, settings: CoverageSettings, rules: Rules,
                  solved: _Solved, chosen: _Chosen) -> None:
    """More officers than useful posts: the fewest posts that cover as much (in place)."""
    goal = _objective(problem, solved.backup, chosen.times) * (1 - 1e-9)
    while chosen.selected.size > rules.locked.size:
        trial = _mclp(problem, int(chosen.selected.size) - 1, rules, solved.backup, settings,
                      "_fewer")
        t_sel, t_times, _, _ = useful_posts(problem, np.asarray(trial.selected), rules,
                                            solved.backup)
        if _objective(problem, solved.backup, t_times) < goal:
            break
        chosen.selected, chosen.times = t_sel, t_times
        if trial.method != "exact":
            chosen.method = str(trial.method)
    chosen.status += f"; {chosen.selected.size} post(s) are all it takes"


def _choose(problem: CoverageProblem, settings: CoverageSettings, rules: Rules,
            solved: _Solved) -> _Chosen:
    """The solver's posts without those adding nothing (and, with officers to spare, fewer)."""
    selected, times, dropped, refilled = useful_posts(
        problem, np.asarray(solved.model.selected), rules, solved.backup)
    chosen = _Chosen(selected, times, dropped, str(solved.model.method),
                     str(solved.model.status))
    if refilled:
        chosen.status += f"; {refilled} post(s) that added nothing moved where they add coverage"
    if solved.mode == "mclp" and solved.requested is not None \
            and selected.size < solved.requested:
        _fewest_posts(problem, settings, rules, solved, chosen)
    return chosen


def _unused_note(placed: int, unused: int, covered_pct: float, backup: bool) -> str:
    """"8 officers already cover 100 % ...; the other 192 would add nothing and are not placed"."""
    who = f"{placed} officer{'s' if placed != 1 else ''}"
    verb = "cover" if placed != 1 else "covers"
    rest = (f"the other {unused} would add nothing and are not placed" if unused > 1 else
            "the other one would add nothing and is not placed")
    if placed == 0:
        return f"there is no walking demand any post can reach: no officer is placed ({unused} " \
               "on duty)"
    if covered_pct >= 99.995:
        what = f"already {verb} 100 % of the walking demand"
    else:
        what = (f"already {verb} all the walking demand the allowed posts can reach "
                f"({covered_pct:.1f} %)")
    if backup:
        what += " and all the backup coverage they can add"
    return f"{who} {what}; {rest}"


def _final_gap(problem: CoverageProblem, solved: _Solved, chosen: _Chosen, covered_pct: float,
               notes: list[str]) -> float:
    """The gap to the bound of the posts placed, with a note on officers not placed."""
    gap_pct = solved.gap_pct
    n = int(chosen.selected.size)
    if solved.mode == "mclp":
        objective_now = _objective(problem, solved.backup, chosen.times)
        if math.isfinite(solved.upper) and solved.upper > 0:
            gap = max(0.0, (solved.upper - objective_now) / solved.upper)
            gap_pct = 0.0 if gap < 1e-6 else 100.0 * gap
        unused = int(solved.requested or 0) - n
        if unused > 0:
            notes.append(_unused_note(n, unused, covered_pct, solved.backup is not None))
    elif chosen.dropped:
        notes.append(f"{chosen.dropped} post(s) added nothing to the others and were dropped")
        gap_pct = 100.0 * (n - int(solved.lower or 0)) / n if n else 0.0
    return float(gap_pct)


def _backup_report(problem: CoverageProblem, settings: CoverageSettings, rules: Rules,
                   solved: _Solved, times: np.ndarray) -> BackupInfo | None:
    """What backup coverage bought, against the same officers planned without it."""
    backup = solved.backup
    if backup is None:
        return None
    w, bw = problem.weights, backup.weights
    total = float(w.sum())

    def twice_pct(t: np.ndarray) -> float:
        return round(100.0 * float(bw[t >= 2].sum()) / float(bw.sum()), 2) \
            if bw.sum() > 0 else 0.0

    plain = _mclp(problem, int(solved.requested or 0), rules, None, settings, "_no_backup")
    _, plain_times, _, _ = useful_posts(problem, np.asarray(plain.selected), rules, None)
    plain_w = float(w[plain_times >= 1].sum())
    return {
        "factor": float(backup.factor),
        "top_share": float((bw.sum() / total) if total else 0.0),
        "busiest_segments": int(backup.busy.sum()),
        "busiest_pct_covered_twice": twice_pct(times),
        "without_backup": {
            "covered_pct": round(100.0 * plain_w / total, 2) if total > 0 else 100.0,
            "busiest_pct_covered_twice": twice_pct(plain_times),
        },
    }


def _as_settings(settings: CoverageSettings | int | None) -> CoverageSettings:
    if isinstance(settings, CoverageSettings):
        return settings
    return CoverageSettings(officers=settings)


def plan_posts(
    problem: CoverageProblem,
    settings: CoverageSettings | int | None = None,
) -> CoveragePlan:
    """Choose officer posts.

    With officers (MCLP): the posts covering the most demand-weighted corridor length. With a
    target coverage (LSCP): the fewest posts covering that share of the total weight.

    A post that adds nothing (every piece it covers is covered by another post, and with
    backup, twice) is not placed: with more officers on duty than that, the plan places the
    fewest posts covering as much, ``officers`` < ``officers_requested``, and a note says how
    many would add nothing. Locked posts are always placed. Coverage never falls when an
    officer is added.

    Parameters
    ----------
    problem : CoverageProblem
        From :func:`~.problem.coverage_problem` (cache it per window: this step is cheap).
    settings : CoverageSettings or int, optional
        Used here: ``officers`` (the count for ``problem.window``), ``target_coverage``,
        ``locked`` (names are forgiving, see :meth:`~.problem.CoverageProblem.find`; points
        snap to the nearest candidate within ``lock_snap_m``), ``banned``, ``backup`` (MCLP
        only), ``method``, ``time_limit``, and ``extra_posts``: any the problem does not hold
        yet are added first (:func:`~.problem.add_posts`). A whole number is the officer count
        with every other setting at its default.

    Returns
    -------
    CoveragePlan
        ``plan.problem`` is the problem the posts were chosen on (with any added posts).

    Raises
    ------
    InputError
        For no officers and no target, unknown post names, far-off locked points, a locked
        post that is also banned, or fewer officers than locked posts.
    """
    t0 = time.perf_counter()
    settings = _as_settings(settings)
    officers = settings.officers_for(problem.window.name)
    problem = add_posts(problem, settings.extra_posts)
    rules = planner_rules(problem, settings)
    notes = list(problem.notes)
    if settings.target_coverage is not None:
        solved = _solve_lscp(problem, settings, rules, officers, notes)
    else:
        solved = _solve_mclp(problem, settings, rules, officers,
                             backup_rows(problem, settings.backup))
    model = solved.model
    notes.extend(n for n in model.notes if not _FILLER_NOTE.search(n))
    if model.fallback_reason:
        notes.append(f"exact solver unavailable, greedy used: {model.fallback_reason}")
    chosen = _choose(problem, settings, rules, solved)
    return _plan(problem, settings, rules, solved, chosen, notes, time.perf_counter() - t0)


def _plan(problem: CoverageProblem, settings: CoverageSettings, rules: Rules, solved: _Solved,
          chosen: _Chosen, notes: list[str], seconds: float) -> CoveragePlan:
    """Assemble the plan's figures (``seconds`` so far, the backup comparison added)."""
    t0 = time.perf_counter()
    w = problem.weights
    total = float(w.sum())
    covered = chosen.times >= 1
    covered_weight = float(w[covered].sum())
    covered_pct = 100.0 * covered_weight / total if total > 0 else 100.0
    gap_pct = _final_gap(problem, solved, chosen, covered_pct, notes)
    length = problem.segments["length_m"].to_numpy(dtype=float)
    backup_info = _backup_report(problem, settings, rules, solved, chosen.times)
    return CoveragePlan(
        problem=problem,
        window=problem.window,
        mode=solved.mode,
        officers=int(chosen.selected.size),
        officers_requested=solved.requested,
        target_coverage=solved.target,
        selected=chosen.selected,
        posts=posts_table(problem, chosen.selected, rules.locked),
        covered=covered,
        times_covered=chosen.times,
        covered_weight=covered_weight,
        total_weight=total,
        covered_pct=covered_pct,
        covered_length_m=float(length[covered].sum()),
        total_length_m=float(length.sum()),
        method=chosen.method,
        status=chosen.status,
        gap_pct=gap_pct,
        upper_bound=solved.upper,
        upper_bound_pct=solved.upper_pct,
        lower_bound=solved.lower,
        bound_kind=solved.bound_kind,
        fallback_reason=solved.model.fallback_reason,
        backup=backup_info,
        uncovered=stretches(problem, ~covered),
        locked=rules.locked,
        banned=rules.banned,
        banned_places=rules.banned_places,
        notes=notes,
        solve_seconds=seconds + time.perf_counter() - t0,
        model=solved.model,
        banned_areas=rules.banned_areas,
    )
