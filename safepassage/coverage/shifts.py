"""Shifts and the shared pool: posts for every time window, and officers shared between sites.

For every window the edge risk and the routes are recomputed (lighting and incident factors
depend on the window), then the corridor demand with that window's weights, then the posts
with that window's officers. :func:`window_problem` is the expensive, cacheable part of one
window (routes and the coverage problem); :func:`~.choose.plan_posts` on its problem is the
cheap part a live planner repeats after every change. :func:`plan_shifts` does both for every
window; :func:`allocate_officers` splits a pool of officers between sites.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import InputError
from ..incidents import IncidentSet
from ..locate import allocate_pool, coverage_curve
from ..routing import RoutePlan, safe_routes
from ..safety import Profile, RiskZones, TimeWindow, edge_risk, load_profile, parse_window
from ..source import Area
from .choose import plan_posts
from .demand import weight_table
from .network import network_of
from .options import CoverageSettings, Method
from .problem import CoverageProblem, coverage_problem, planner_points
from .result import CoveragePlan, number_posts

__all__ = ["PoolPlan", "RouteInputs", "ShiftPlan", "WindowProblem", "allocate_officers",
           "plan_shifts", "window_problem"]


@dataclass(frozen=True, eq=False)
class RouteInputs:
    """What the routes of every window are computed from.

    Attributes
    ----------
    G : networkx.MultiDiGraph
        Prepared network (``Area.G``).
    origin_nodes : tuple
        Where routes start (the site's node, or several entrances).
    destinations : pandas.DataFrame
        Snapped destinations (``Area.destinations``).
    profile : Profile or str or Path, optional
        Safety profile. Default: "night" for a window mostly in darkness (the evening),
        "default" otherwise (as ``safepassage routes`` does).
    zones : RiskZones, optional
        Avoid and penalty zones (see :func:`safepassage.safety.edge_risk`).
    incidents : IncidentSet, optional
        Incidents (see :func:`safepassage.safety.edge_risk`).
    max_detour_pct : float, optional
        Detour cap of the safest route (default: the profile's).
    """

    G: nx.MultiDiGraph
    origin_nodes: tuple[Hashable, ...]
    destinations: pd.DataFrame
    profile: Profile | str | Path | None = None
    zones: RiskZones | None = None
    incidents: IncidentSet | None = None
    max_detour_pct: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "origin_nodes", tuple(self.origin_nodes))
        if not self.origin_nodes:
            raise InputError("origin_nodes is empty: give at least one node routes start from")

    @classmethod
    def from_area(
        cls,
        area: Area,
        origin_nodes: Sequence[Hashable] | None = None,
        *,
        profile: Profile | str | Path | None = None,
        zones: RiskZones | None = None,
        incidents: IncidentSet | None = None,
        max_detour_pct: float | None = None,
    ) -> RouteInputs:
        """Routes from a loaded area: its site's node (or ``origin_nodes``) to its destinations."""
        origins = tuple(origin_nodes) if origin_nodes else (area.origin_node,)
        return cls(area.G, origins, area.destinations, profile=profile, zones=zones,
                   incidents=incidents, max_detour_pct=max_detour_pct)

    def profile_for(self, window: TimeWindow) -> Profile:
        """The safety profile of ``window`` (the night profile for a dark window by default)."""
        return _profile_for(self.profile, window)

    def route(self, window: TimeWindow) -> tuple[RoutePlan, str]:
        """Edge risk and safe routes for ``window``; also the profile's name."""
        prof = self.profile_for(window)
        risk = edge_risk(self.G, prof, window, zones=self.zones, incidents=self.incidents)
        plan = safe_routes(self.G, risk, list(self.origin_nodes), self.destinations,
                           max_detour_pct=self.max_detour_pct)
        return plan, prof.name


@dataclass
class WindowProblem:
    """One window's routes and coverage problem: the expensive part, worth caching.

    Attributes
    ----------
    window : TimeWindow
    profile : str
        Name of the safety profile the routes used.
    route_plan : RoutePlan
    problem : CoverageProblem
        Solve it with :func:`~.choose.plan_posts` as often as the planner changes locks,
        bans, extra posts or officers.
    timing : dict of str to float
        Seconds for the routes and for the coverage problem.
    """

    window: TimeWindow
    profile: str
    route_plan: RoutePlan
    problem: CoverageProblem
    timing: dict[str, float] = field(default_factory=dict)


@dataclass
class ShiftPlan:
    """Posts per time window, and the officer-hours they take.

    Attributes
    ----------
    plans : dict of str to CoveragePlan
        One per window, in order.
    windows : list of TimeWindow
    table : pandas.DataFrame
        One row per window: ``window``, ``start``, ``end``, ``hours``, ``officers`` (placed),
        ``officers_requested`` (asked for; None for a target coverage), ``posts`` (names, by
        covered demand), ``officer_hours``, ``covered_pct``, ``method``, ``gap_pct``.
    officer_hours : float
        Total over the windows.
    covered_weight, total_weight : float
        Summed over the windows.
    covered_pct : float
        ``100 × covered_weight / total_weight`` over all windows.
    radius_m : float
    profile : str
        The profile name(s) used.
    profiles : dict of str to str
        Profile name per window.
    route_plans : dict of str to RoutePlan
    timing : dict of str to float
        Seconds per step.
    notes : list of str
    weights : dict
        The weight table used (kind -> window -> weight).
    """

    plans: dict[str, CoveragePlan]
    windows: list[TimeWindow]
    table: pd.DataFrame
    officer_hours: float
    covered_weight: float
    total_weight: float
    covered_pct: float
    radius_m: float
    profile: str
    profiles: dict[str, str] = field(default_factory=dict)
    route_plans: dict[str, RoutePlan] = field(repr=False, default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    weights: dict[str, dict[str, float]] = field(default_factory=weight_table)


def shift_table(plans: Mapping[str, CoveragePlan]) -> pd.DataFrame:
    """One row per window: hours, officers placed and asked for, posts, coverage, method."""
    rows = []
    for name, cp in plans.items():
        tw = cp.window
        rows.append({
            "window": name, "start": tw.to_dict()["start"], "end": tw.to_dict()["end"],
            "hours": round(cp.hours, 2), "officers": cp.officers,
            "officers_requested": cp.officers_requested,
            "posts": list(cp.posts["name"]), "officer_hours": round(cp.officer_hours, 2),
            "covered_pct": round(cp.covered_pct, 2), "method": cp.method,
            "gap_pct": round(cp.gap_pct, 2) if math.isfinite(cp.gap_pct) else None,
        })
    return pd.DataFrame(rows, columns=["window", "start", "end", "hours", "officers",
                                       "officers_requested", "posts", "officer_hours",
                                       "covered_pct", "method", "gap_pct"])


def _profile_for(profile: Profile | str | Path | None, window: TimeWindow) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if profile is None and window.name != "all-day" and window.dark_fraction >= 0.5:
        return load_profile("night")
    return load_profile(profile)


def window_problem(routes: RouteInputs, window: TimeWindow | str,
                   settings: CoverageSettings | None = None) -> WindowProblem:
    """Routes and the coverage problem of one time window.

    Parameters
    ----------
    routes : RouteInputs
        The network, origins, destinations and route options.
    window : TimeWindow or str
        The time window.
    settings : CoverageSettings, optional
        What shapes the problem: radius, weights, extra posts and locked points, ``near_m``,
        ``piece_m``, ``max_snap_m`` (see :func:`~.problem.coverage_problem`).

    Returns
    -------
    WindowProblem
    """
    settings = settings or CoverageSettings()
    tw = window if isinstance(window, TimeWindow) else parse_window(window)
    t0 = time.perf_counter()
    plan, profile = routes.route(tw)
    t1 = time.perf_counter()
    problem = coverage_problem(routes.G, plan, tw, settings)
    t2 = time.perf_counter()
    return WindowProblem(tw, profile, plan, problem, {
        f"{tw.name}: routes": round(t1 - t0, 3),
        f"{tw.name}: corridor and coverage matrix": round(t2 - t1, 3),
    })


def _check_shifts(routes: RouteInputs, settings: CoverageSettings) -> list[TimeWindow]:
    """The windows, every window's officer count, and the planner's points: errors first."""
    tws = settings.time_windows()
    for tw in tws:
        if settings.officers_for(tw.name) is None and settings.target_coverage is None:
            raise InputError("give officers or target_coverage")
    planner_points(network_of(routes.G), settings)
    return tws


def plan_shifts(routes: RouteInputs, settings: CoverageSettings) -> ShiftPlan:
    """Posts and officer-hours for each time window.

    For every window the edge risk and the routes are recomputed (lighting and incident
    factors depend on the window), then the corridor demand with that window's weights, then
    the posts with that window's officers (:func:`window_problem`, then
    :func:`~.choose.plan_posts`). Locked points are added as candidates where they are, so
    they are kept exactly.

    Parameters
    ----------
    routes : RouteInputs
        The network, origins, destinations and route options.
    settings : CoverageSettings
        Officers (per window or for all), windows (default: the keys of a per-window
        ``officers``, else :data:`~.options.SHIFT_WINDOWS`), radius, target, backup, locked
        and banned places, extra posts, method, time limit.

    Returns
    -------
    ShiftPlan

    Raises
    ------
    InputError
        Before any slow work: for bad or repeated windows, a window without an officer count
        (and no target), officers for a window not planned, or a planner's point far from the
        network.
    """
    tws = _check_shifts(routes, settings)
    timing: dict[str, float] = {}
    plans: dict[str, CoveragePlan] = {}
    route_plans: dict[str, RoutePlan] = {}
    profiles: dict[str, str] = {}
    for tw in tws:
        wp = window_problem(routes, tw, settings)
        t2 = time.perf_counter()
        cp = plan_posts(wp.problem, settings)
        timing.update(wp.timing)
        timing[f"{tw.name}: optimise"] = round(time.perf_counter() - t2, 3)
        plans[tw.name] = cp
        route_plans[tw.name] = wp.route_plan
        profiles[tw.name] = wp.profile
    number_posts(list(plans.values()))
    covered = sum(cp.covered_weight for cp in plans.values())
    total = sum(cp.total_weight for cp in plans.values())
    first = next(iter(plans.values()))
    return ShiftPlan(
        plans=plans,
        windows=tws,
        table=shift_table(plans),
        officer_hours=float(sum(cp.officer_hours for cp in plans.values())),
        covered_weight=float(covered),
        total_weight=float(total),
        covered_pct=100.0 * covered / total if total > 0 else 100.0,
        radius_m=first.problem.radius_m,
        profile=", ".join(dict.fromkeys(profiles.values())),
        profiles=profiles,
        route_plans=route_plans,
        timing=timing,
        weights=weight_table(settings.weights),
    )


@dataclass
class PoolPlan:
    """A shared pool of officers split between sites (CERT style).

    Attributes
    ----------
    officers : dict of str to int
        Officers per site (summing to at most the pool).
    pool : int
        Size of the pool.
    curves : dict of str to numpy.ndarray
        Covered weight per site for 0..pool officers.
    plans : dict of str to CoveragePlan
        Each site's posts with its share.
    covered_weight, total_weight : float
        Summed over the sites.
    covered_pct : float
    """

    officers: dict[str, int]
    pool: int
    curves: dict[str, np.ndarray]
    plans: dict[str, CoveragePlan]
    covered_weight: float
    total_weight: float
    covered_pct: float

    def table(self) -> pd.DataFrame:
        """One row per site: officers, covered %, covered and total weight."""
        return pd.DataFrame([
            {"site": k, "officers": self.officers[k],
             "covered_pct": round(cp.covered_pct, 2), "covered_weight": cp.covered_weight,
             "total_weight": cp.total_weight}
            for k, cp in self.plans.items()
        ])


def allocate_officers(
    sites: Mapping[str, CoverageProblem] | Sequence[tuple[str, CoverageProblem]],
    n_officers: int,
    *,
    method: Method = "auto",
    minimum: Mapping[str, int] | None = None,
    time_limit: float = 60.0,
) -> PoolPlan:
    """Split a pool of officers between sites to cover the most demand in total.

    Each site's coverage curve (covered weight for 0..N officers,
    :func:`safepassage.locate.coverage_curve`) feeds an exact dynamic programme
    (:func:`safepassage.locate.allocate_pool`); then each site is planned with its share.
    Weights are comparable between sites when they use the same weight table.

    Parameters
    ----------
    sites : mapping or sequence of (name, CoverageProblem)
        The sites.
    n_officers : int
        Size of the pool.
    method : {"auto", "exact", "greedy"}
        How each curve point and each site's final plan are solved.
    minimum : mapping of str to int, optional
        Officers a site must get at least.
    time_limit : float
        Exact-solver time limit per solve.

    Returns
    -------
    PoolPlan
    """
    items = list(sites.items()) if isinstance(sites, Mapping) else list(sites)
    names = [k for k, _ in items]
    if len(set(names)) != len(names):
        raise InputError(f"site names repeat: {', '.join(names)}")
    if isinstance(n_officers, bool) or not isinstance(n_officers, int | np.integer) \
            or n_officers < 0:
        raise InputError(f"n_officers must be a whole number of officers ≥ 0, got "
                         f"{n_officers!r}")
    curves = {
        k: coverage_curve(prob.covers, prob.weights, int(n_officers), method=method,
                          time_limit=time_limit)
        for k, prob in items
    }
    split = allocate_pool({k: c.tolist() for k, c in curves.items()}, int(n_officers),
                          minimum=minimum)
    plans = {k: plan_posts(prob, CoverageSettings(officers=split[k], method=method,
                                                  time_limit=time_limit))
             for k, prob in items}
    covered = sum(cp.covered_weight for cp in plans.values())
    total = sum(cp.total_weight for cp in plans.values())
    return PoolPlan(officers=split, pool=int(n_officers), curves=curves, plans=plans,
                    covered_weight=float(covered), total_weight=float(total),
                    covered_pct=100.0 * covered / total if total > 0 else 100.0)
