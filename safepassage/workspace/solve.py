"""Solving a workspace's plan: window problems built once, solves cached, changes in words.

A window's routes and coverage problem (:func:`safepassage.coverage.window_problem`) are the
expensive part; they depend on the window, the post radius, the profile and the detour cap
only (:class:`ProblemKey`), so each is built once. Extra posts and locked points are added to
a built problem with :func:`safepassage.coverage.add_posts` (one bounded search per new
point), and :func:`safepassage.coverage.plan_posts` chooses the posts: the cheap step a click
repeats. Every window's answer is cached by what it depends on, so an undo costs nothing.
:func:`plan_changes` says what changed against the saved plan, with
:func:`safepassage.coverage.compare_plans`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..coverage import (
    CoveragePlan,
    CoverageProblem,
    CoverageSettings,
    RouteInputs,
    WindowProblem,
    add_posts,
    compare_plans,
    format_comparison,
    gaps_by_street,
    place_numbers,
    plan_posts,
    window_problem,
)
from ..coverage.candidates import locked_points
from ..coverage.network import network_of
from ..coverage.problem import planner_points
from ..coverage.rules import planner_rules
from ..errors import InputError
from ..maps import post_colour, time_window_label
from ..safety import TimeWindow, parse_window
from .plan import CheckedPlan, coverage_settings

__all__ = ["BuildProblem", "ProblemKey", "Solver", "number_windows", "plan_changes",
           "window_result"]

#: A window's result as JSON (see :func:`window_result`).
WindowJSON = dict[str, Any]

#: How a window problem is built: :func:`safepassage.coverage.window_problem` or a stand-in
#: with its signature (a benchmark's prepared problem).
BuildProblem = Callable[[RouteInputs, TimeWindow, CoverageSettings], WindowProblem]


@dataclass(frozen=True)
class ProblemKey:
    """What a window's coverage problem depends on."""

    window: str
    radius_m: float
    profile: str | None
    max_detour_pct: float | None

    @classmethod
    def of(cls, checked: CheckedPlan, window: str) -> ProblemKey:
        """The key of one window of a plan."""
        data = checked.data
        detour = data.get("max_detour_pct")
        return cls(window, float(data["radius_m"]), data.get("profile"),
                   None if detour is None else float(detour))

    @property
    def token(self) -> str:
        """A short id of the key (the page asks for a corridor's geometry by it)."""
        text = json.dumps(dataclasses.astuple(self))
        return hashlib.sha1(text.encode()).hexdigest()[:12]


def _r(value: float, nd: int = 2) -> float | None:
    return round(float(value), nd) if math.isfinite(float(value)) else None


def _post_rows(cp: CoveragePlan) -> tuple[list[dict[str, Any]], list[int]]:
    """The posts numbered 1, 2, ... (busiest first) and, per corridor row, its post (0: none)."""
    row_of = {str(s): i for i, s in enumerate(cp.problem.segments["segment_id"])}
    rows = [0] * cp.problem.n_segments
    posts = []
    for k, r in enumerate(cp.posts.itertuples(), start=1):
        for sid in r.segments:
            if str(sid) in row_of:
                rows[row_of[str(sid)]] = k
        posts.append({
            "post": k, "id": str(r.post_id), "name": str(r.name),
            "lat": round(float(r.lat), 7), "lon": round(float(r.lon), 7),
            "locked": bool(r.locked), "share_pct": round(float(r.covered_pct), 2),
            "source": str(r.source), "candidate": int(r.candidate), "colour": post_colour(k - 1),
        })
    return posts, rows


def number_windows(results: Mapping[str, WindowJSON],
                   order: Sequence[str] | None = None) -> dict[str, WindowJSON]:
    """The windows' results with the post numbers every output of the plan gives them.

    A window is solved on its own, its posts numbered 1, 2, ... (busiest first); the number
    people see is one per place over the plan's windows, in window order then by share
    (:func:`safepassage.coverage.place_numbers`), as on the published maps and handouts. The
    results themselves are left as they are (they are cached); each window's ``posts``
    (``post``, ``colour``) and ``rows`` are renumbered in a copy. Windows not solved yet are
    left out, so numbers may change when an earlier window's solve arrives.

    Parameters
    ----------
    results : mapping of str to dict
        Window results (:func:`window_result`).
    order : sequence of str, optional
        The plan's windows in order (default: the mapping's order).

    Returns
    -------
    dict of str to dict
    """
    names = [w for w in (order if order is not None else list(results)) if w in results]
    numbers = place_numbers([[(p["lat"], p["lon"]) for p in results[w]["posts"]]
                             for w in names])
    out: dict[str, WindowJSON] = {}
    for w, nums in zip(names, numbers, strict=True):
        r = results[w]
        new = {p["post"]: n for p, n in zip(r["posts"], nums, strict=True)}
        posts = [{**p, "post": n, "colour": post_colour(n - 1)}
                 for p, n in zip(r["posts"], nums, strict=True)]
        out[w] = {**r, "posts": posts, "rows": [new.get(k, 0) for k in r["rows"]]}
    return out


def window_result(cp: CoveragePlan, corridor: str) -> WindowJSON:
    """One window's plan as the API returns it.

    Parameters
    ----------
    cp : CoveragePlan
        The window's plan.
    corridor : str
        The token of its corridor's geometry (:attr:`ProblemKey.token`).

    Returns
    -------
    dict
        ``officers`` (placed), ``covered_pct``, ``posts`` (``post`` number, ``name``, ``lat``,
        ``lon``, ``locked``, ``share_pct``, ``colour``, ...), ``gaps`` (``street``,
        ``length_m``, ``share_pct``), the covered and total corridor length, the solver's
        ``method``, ``gap_pct`` and ``status``, ``notes``, and ``rows``: the post credited with
        each corridor row (0 for a gap), in the order of the corridor's geometry.
    """
    posts, rows = _post_rows(cp)
    gaps = [{"street": name, "length_m": round(length, 1), "share_pct": round(100 * share, 2)}
            for name, length, share in gaps_by_street(cp)]
    return {
        "window": cp.window.name, "label": time_window_label(cp.window),
        "hours": round(cp.hours, 2), "mode": cp.mode, "officers": int(cp.officers),
        "officers_requested": cp.officers_requested, "target_coverage": cp.target_coverage,
        "officer_hours": round(cp.officer_hours, 2),
        "covered_pct": round(cp.covered_pct, 2), "covered_length_m": round(cp.covered_length_m, 1),
        "corridor_length_m": round(cp.total_length_m, 1),
        "covered_weight": round(cp.covered_weight, 3), "total_weight": round(cp.total_weight, 3),
        "method": cp.method, "gap_pct": _r(cp.gap_pct), "status": cp.status,
        "bound_kind": cp.bound_kind, "backup": cp.backup, "banned_places": list(cp.banned_places),
        "banned_candidates": int(cp.banned.size), "notes": list(cp.notes),
        "solve_seconds": round(cp.solve_seconds, 3), "posts": posts, "gaps": gaps,
        "corridor": corridor, "rows": rows,
    }


def _solve_key(checked: CheckedPlan, window: str, time_limit: float) -> str:
    """What one window's answer depends on: the plan, that window's officers, the time limit."""
    data = dict(checked.data)
    officers = data.pop("officers", None)
    data.pop("windows", None)
    data["officers"] = officers.get(window) if isinstance(officers, Mapping) else officers
    return json.dumps([window, time_limit, data], sort_keys=True, ensure_ascii=False)


class Solver:
    """Window problems and solves of one area, cached; safe to use from several threads.

    Parameters
    ----------
    routes : RouteInputs
        The network, origins, destinations, zones and incidents; the profile and detour cap
        come from each plan.
    build : callable, optional
        Builds a window problem (default :func:`safepassage.coverage.window_problem`).
    cache_size : int
        Solved windows (and problems with planner points) kept.
    problems_kept : int
        Window problems kept (one per window, radius, profile and detour cap tried); the
        least recently used is built again when it is needed again.
    """

    def __init__(self, routes: RouteInputs, *, build: BuildProblem = window_problem,
                 cache_size: int = 512, problems_kept: int = 24) -> None:
        self.routes = routes
        self._build = build
        self._cache_size = cache_size
        self._problems_kept = problems_kept
        self._lock = threading.RLock()
        self._problems: OrderedDict[ProblemKey, WindowProblem] = OrderedDict()
        self._by_token: dict[str, ProblemKey] = {}
        self._building: dict[ProblemKey, threading.Lock] = {}
        self._prepared: OrderedDict[tuple[ProblemKey, str], CoverageProblem] = OrderedDict()
        self._solved: OrderedDict[str, WindowJSON] = OrderedDict()

    # -- problems ------------------------------------------------------------------------------

    def problem(self, key: ProblemKey) -> WindowProblem:
        """The window problem of ``key``, built on first use (once, even from two threads)."""
        with self._lock:
            if key in self._problems:
                self._problems.move_to_end(key)
                return self._problems[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._problems:
                    return self._problems[key]
            routes = dataclasses.replace(self.routes, profile=key.profile,
                                         max_detour_pct=key.max_detour_pct)
            wp = self._build(routes, parse_window(key.window),
                             CoverageSettings(radius_m=key.radius_m))
            with self._lock:
                self._problems[key] = wp
                self._by_token[key.token] = key
                while len(self._problems) > self._problems_kept:
                    self._problems.popitem(last=False)
            return wp

    def key_of(self, token: str) -> ProblemKey | None:
        """The problem key of a corridor token the API handed out (None if unknown)."""
        with self._lock:
            return self._by_token.get(token)

    def prepared(self, key: ProblemKey, settings: CoverageSettings) -> CoverageProblem:
        """The window's problem with the plan's extra posts and locked points as candidates.

        Raises
        ------
        InputError
            For a point far from every walkable street (naming ``extra_posts[j]`` or
            ``locked[j]``).
        """
        base = self.problem(key).problem
        locks = [p for _, p in locked_points(settings.locked)]
        extra = list(settings.extra_posts)
        if not locks and not extra:
            return base
        pkey = json.dumps([extra, locks], sort_keys=True, default=str)
        with self._lock:
            hit = self._prepared.get((key, pkey))
            if hit is not None:
                self._prepared.move_to_end((key, pkey))
                return hit
        planner_points(network_of(self.routes.G), settings)  # errors name the plan's item
        problem = add_posts(add_posts(base, extra, "extra_posts"), locks, "locked")
        with self._lock:
            self._prepared[(key, pkey)] = problem
            while len(self._prepared) > self._cache_size // 8:
                self._prepared.popitem(last=False)
        return problem

    # -- checking and solving ------------------------------------------------------------------

    def check(self, checked: CheckedPlan, time_limit: float) -> None:
        """Every error a solve of the plan would raise, found without solving.

        Raises
        ------
        InputError
            For an unknown post name, a far-off point, a locked post in a banned place, no
            officers and no target, or fewer officers than locked posts in a window.
        """
        settings = coverage_settings(checked, time_limit=time_limit)
        for window in checked.windows:
            problem = self.prepared(ProblemKey.of(checked, window), settings)
            rules = planner_rules(problem, settings)
            if settings.target_coverage is not None:
                continue
            officers = settings.officers_for(window)
            if officers is None:
                raise InputError("plan: give officers or target_coverage")
            if officers < rules.locked.size:
                raise InputError(f"plan: {rules.locked.size} posts are locked but only "
                                 f"{officers} officers are on duty in the {window} window "
                                 f"(officers.{window})")

    def cached(self, checked: CheckedPlan, window: str, time_limit: float) -> WindowJSON | None:
        """A window's answer if it was solved already."""
        with self._lock:
            return self._solved.get(_solve_key(checked, window, time_limit))

    def solve(self, checked: CheckedPlan, window: str, time_limit: float) -> WindowJSON:
        """One window's posts for a plan (cached)."""
        skey = _solve_key(checked, window, time_limit)
        with self._lock:
            hit = self._solved.get(skey)
            if hit is not None:
                self._solved.move_to_end(skey)
                return hit
        settings = coverage_settings(checked, time_limit=time_limit)
        key = ProblemKey.of(checked, window)
        cp = plan_posts(self.prepared(key, settings), settings)
        result = window_result(cp, key.token)
        with self._lock:
            self._solved[skey] = result
            while len(self._solved) > self._cache_size:
                self._solved.popitem(last=False)
        return result

    def corridor(self, key: ProblemKey) -> CoverageProblem:
        """The corridor and candidates of a window (the problem without planner points)."""
        return self.problem(key).problem


# ---------------------------------------------------------------------------------------------
# Changes against the saved plan


def _doc(results: Mapping[str, WindowJSON], radius_m: float) -> dict[str, Any]:
    """A coverage.json-like document of a plan's windows, as compare_plans reads it."""
    shifts = {w: {k: r[k] for k in ("covered_pct", "officers", "officer_hours",
                                     "covered_weight", "total_weight")}
              for w, r in results.items()}
    covered = sum(r["covered_weight"] for r in results.values())
    total = sum(r["total_weight"] for r in results.values())
    return {
        "shifts": shifts,
        "covered_pct": round(100.0 * covered / total, 2) if total > 0 else 100.0,
        "radius_m": radius_m,
        "posts": [{"window": w, **p} for w, r in results.items() for p in r["posts"]],
        "uncovered": [{"window": w, "name": g["street"], "length_m": g["length_m"]}
                      for w, r in results.items() for g in r["gaps"]],
    }


def _post_at(results: Mapping[str, WindowJSON], window: str, name: str) -> dict[str, float]:
    for p in results[window]["posts"]:
        if p["name"] == name:
            return {"lat": p["lat"], "lon": p["lon"]}
    return {}


def _rows_changed(saved: WindowJSON, now: WindowJSON) -> dict[str, list[int]]:
    """Corridor rows that lost cover (gaps opened) and gained it, on the same corridor."""
    if saved["corridor"] != now["corridor"]:
        return {"opened_rows": [], "closed_rows": []}
    a = np.asarray(saved["rows"]) > 0
    b = np.asarray(now["rows"]) > 0
    return {"opened_rows": np.flatnonzero(a & ~b).tolist(),
            "closed_rows": np.flatnonzero(~a & b).tolist()}


def plan_changes(saved: Mapping[str, WindowJSON], now: Mapping[str, WindowJSON],
                 radius_m: float, units: str = "metric") -> dict[str, Any]:
    """What changed from the saved plan to this one, in words and as places to draw.

    Parameters
    ----------
    saved, now : mapping of str to dict
        Window results (:func:`window_result`) of the saved plan and the current one.
    radius_m : float
        The current post radius (posts moved within it count as moved).
    units : {"metric", "imperial"}, default "metric"
        Units of ``text`` (its distances and the posts' names); the numbers stay in metres.

    Returns
    -------
    dict
        ``text`` (lines, as ``safepassage coverage --compare`` prints them), ``same`` (nothing
        changed), and per window ``posts_added``, ``posts_removed`` (name, lat, lon),
        ``posts_moved`` (from and to, with their places), ``gaps_opened``, ``gaps_closed``
        (street, metres) and ``opened_rows`` / ``closed_rows`` (corridor rows).
    """
    saved, now = number_windows(saved), number_windows(now)
    diff = compare_plans(_doc(saved, radius_m), _doc(now, radius_m), moved_m=radius_m)
    windows: dict[str, dict[str, Any]] = {}
    for w in now:
        windows[w] = {"posts_added": [], "posts_removed": [], "posts_moved": [],
                      "gaps_opened": [], "gaps_closed": [], "opened_rows": [],
                      "closed_rows": []}
        if w in saved:
            windows[w].update(_rows_changed(saved[w], now[w]))
    for key in ("posts_added", "posts_removed"):
        for p in diff[key]:
            windows[p["window"]][key].append({"name": p["name"], "lat": p["lat"],
                                              "lon": p["lon"]})
    for p in diff["posts_moved"]:
        w = p["window"]
        windows[w]["posts_moved"].append({
            "from": p["from"], "to": p["to"], "distance_m": p["distance_m"],
            "from_at": _post_at(saved, w, p["from"]), "to_at": _post_at(now, w, p["to"])})
    for key in ("gaps_opened", "gaps_closed"):
        for g in diff[key]:
            windows[g["window"]][key].append({"street": g["name"],
                                              "length_m": abs(float(g["length_m"]))})
    same = not any(diff[k] for k in ("posts_added", "posts_removed", "posts_moved",
                                     "gaps_opened", "gaps_closed")) and all(
        (diff["by_window"][w]["covered_pct"]["change_pp"] or 0) == 0 for w in diff["windows"])
    return {"text": format_comparison(diff, units=units, letters=("", "")).splitlines(),
            "same": same,
            "windows": windows}
