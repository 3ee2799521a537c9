"""What a plan is: the posts of one window, what they cover, and the gaps they leave.

:class:`CoveragePlan` is what :func:`~.choose.plan_posts` returns. Each covered corridor row is
credited to its nearest post (:func:`posts_table`); the rows no post covers are merged into
named stretches (:func:`stretches`) and summed by street (:func:`gaps_by_street`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from ..locate import MaximalCovering, SetCovering
from ..safety import TimeWindow
from .problem import CoverageProblem

__all__ = ["BackupInfo", "CoveragePlan", "gaps_by_street", "number_posts", "place_key",
           "place_numbers", "posts_table", "stretches"]


class BackupInfo(TypedDict):
    """What backup coverage bought, and cost (see :attr:`CoveragePlan.backup`)."""

    factor: float
    top_share: float
    busiest_segments: int
    busiest_pct_covered_twice: float
    without_backup: dict[str, float]


@dataclass
class CoveragePlan:
    """Where to post officers for one site and time window, and what that covers.

    Attributes
    ----------
    problem : CoverageProblem
    window : TimeWindow
    mode : str
        "mclp" (given officers, most coverage) or "lscp" (fewest officers for a target).
    officers : int
        Number of posts placed. With more officers on duty than posts that add coverage, only
        the fewest posts covering as much are placed (a note says so).
    officers_requested : int or None
        The number on duty, asked for (MCLP).
    target_coverage : float or None
        Target share (LSCP).
    selected : numpy.ndarray
        Chosen candidate indices.
    posts : geopandas.GeoDataFrame
        One row per post, WGS84 points: ``post_id`` ("P1", ... by covered demand), ``post``
        (the number people see on every map, handout and report: see :func:`number_posts`),
        ``candidate``, ``node``, ``lat``, ``lon``, ``name``, ``window``, ``demand_covered``
        (weight of the segments credited to this post: each covered segment is credited to
        its nearest post, so the column sums to ``covered_weight``), ``covered_pct`` (that as a
        share of the total), ``segments`` (ids of the credited segments), ``segments_in_reach``
        (all segments within the radius), ``locked``, ``source``.
    covered : numpy.ndarray
        Boolean per corridor row (segment or piece, see :class:`CoverageProblem`).
    times_covered : numpy.ndarray
        Posts covering each corridor row.
    covered_weight, total_weight : float
        Demand-weighted length covered, and in all.
    covered_pct : float
        ``100 × covered_weight / total_weight``.
    covered_length_m, total_length_m : float
        Corridor metres covered, and in all.
    method : str
        "exact" or "greedy" (what produced the posts).
    status : str
        Solver status.
    gap_pct : float
        MCLP: distance of the objective from the proven upper bound, % (0 = optimal).
        LSCP: ``100 × (officers − lower_bound) / officers``.
    upper_bound : float
        MCLP: proven upper bound on the objective (weight units).
    upper_bound_pct : float
        ``upper_bound`` as a share of the total weight, %.
    lower_bound : int or None
        LSCP: proven lower bound on the number of officers.
    bound_kind : str
    fallback_reason : str or None
    backup : dict or None
        The backup option used (``factor``, ``top_share``: the share of the demand in the
        busiest rows), ``busiest_segments``, ``busiest_pct_covered_twice``, and
        ``without_backup`` (``covered_pct`` and ``busiest_pct_covered_twice`` of the same
        officers planned without backup): what backup coverage bought, and cost.
    uncovered : pandas.DataFrame
        Stretches of the corridor no post covers, merged by street name and adjacency, sorted
        by demand × length (most demand first): ``name``, ``length_m`` (metres of corridor,
        each undirected segment once), ``demand``, ``weight``, ``segments``, ``lat``, ``lon``.
        :func:`gaps_by_street` sums them by street.
    locked, banned : numpy.ndarray
        Candidate indices.
    banned_places : list of str
    banned_areas : list of shapely geometry
        Each banned place in WGS84 (its circle or polygon), to draw.
    notes : list of str
    solve_seconds : float
    model : MaximalCovering or SetCovering
    """

    problem: CoverageProblem
    window: TimeWindow
    mode: str
    officers: int
    officers_requested: int | None
    target_coverage: float | None
    selected: np.ndarray
    posts: gpd.GeoDataFrame
    covered: np.ndarray
    times_covered: np.ndarray
    covered_weight: float
    total_weight: float
    covered_pct: float
    covered_length_m: float
    total_length_m: float
    method: str
    status: str
    gap_pct: float
    upper_bound: float
    upper_bound_pct: float
    lower_bound: int | None
    bound_kind: str
    fallback_reason: str | None
    backup: BackupInfo | None
    uncovered: pd.DataFrame
    locked: np.ndarray
    banned: np.ndarray
    banned_places: list[str]
    notes: list[str]
    solve_seconds: float
    model: MaximalCovering | SetCovering | None = field(repr=False, default=None)
    banned_areas: list[BaseGeometry] = field(repr=False, default_factory=list)

    @property
    def hours(self) -> float:
        """Length of the window in hours."""
        return self.window.minutes / 60.0

    @property
    def officer_hours(self) -> float:
        """Officers × window hours."""
        return self.officers * self.hours

    def summary(self) -> str:
        """One line: "dismissal: 4 officers cover 71.3 % (exact, optimal)"."""
        quality = "optimal" if self.gap_pct == 0 else (
            f"gap {self.gap_pct:.2f} %" if math.isfinite(self.gap_pct) else "no bound")
        return (f"{self.window.label()}: {self.officers} officers cover "
                f"{self.covered_pct:.1f} % of the walking demand ({self.method}, {quality})")


def posts_table(problem: CoverageProblem, selected: np.ndarray,
                locked: np.ndarray) -> gpd.GeoDataFrame:
    """One row per chosen post (see :attr:`CoveragePlan.posts`), most covered demand first.

    Each covered corridor row is credited to its nearest post, so ``demand_covered`` sums to
    the covered weight.
    """
    cands = problem.candidates
    w = problem.weights
    total = float(w.sum())
    n = selected.size
    credit = np.full(problem.n_segments, -1, dtype=np.int64)
    if n and problem.n_segments:
        dist = problem.distance[selected].toarray()
        dist[dist == 0] = np.inf
        best = np.argmin(dist, axis=0)
        reached = np.isfinite(dist[best, np.arange(problem.n_segments)])
        credit[reached] = best[reached]
    ids = problem.segments["segment_id"].to_numpy()
    rows = []
    for j, c in enumerate(selected):
        mine = np.flatnonzero(credit == j)
        reach = problem.covers[[int(c)]].indices
        dw = float(w[mine].sum())
        rows.append({
            "candidate": int(c),
            "node": cands["node"].iloc[c],
            "lat": float(cands["lat"].iloc[c]),
            "lon": float(cands["lon"].iloc[c]),
            "name": str(cands["name"].iloc[c]),
            "window": problem.window.name,
            "demand_covered": dw,
            "covered_pct": 100.0 * dw / total if total > 0 else 0.0,
            "segments": [str(ids[i]) for i in mine],
            "segments_in_reach": int(reach.size),
            "locked": bool(np.isin(c, locked)),
            "source": str(cands["source"].iloc[c]),
        })
    cols = ["post_id", "candidate", "node", "lat", "lon", "name", "window", "demand_covered",
            "covered_pct", "segments", "segments_in_reach", "locked", "source"]
    frame = pd.DataFrame(rows, columns=cols[1:])
    # node ids (None for a point inside a way) stay whole numbers, never floats with NaN
    frame["node"] = pd.Series([r["node"] for r in rows], index=frame.index, dtype=object)
    if len(frame):
        frame = frame.sort_values(["demand_covered", "candidate"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    frame.insert(0, "post_id", [f"P{i + 1}" for i in range(len(frame))])
    frame.insert(1, "post", np.arange(1, len(frame) + 1, dtype=np.int64))
    return gpd.GeoDataFrame(
        frame, geometry=[Point(a, b) for a, b in zip(frame["lon"], frame["lat"], strict=True)],
        crs="EPSG:4326",
    )


def place_key(lat: float, lon: float) -> tuple[float, float]:
    """The place a post stands at: its point to 6 decimals (about 0.1 m)."""
    return round(float(lat), 6), round(float(lon), 6)


def place_numbers(windows: Sequence[Sequence[tuple[float, float]]]) -> list[list[int]]:
    """The number people see for each post: one per place, in window order, then by share.

    Parameters
    ----------
    windows : sequence of sequences of (lat, lon)
        Each time window's posts in order (busiest first), the windows in the plan's order.

    Returns
    -------
    list of list of int
        The posts' numbers, in the same shape: the first window's posts are 1, 2, ...; a
        later window's post at a place already numbered keeps that number, one at a new
        place gets the next.
    """
    numbers: dict[tuple[float, float], int] = {}
    out: list[list[int]] = []
    for points in windows:
        row = []
        for lat, lon in points:
            row.append(numbers.setdefault(place_key(lat, lon), len(numbers) + 1))
        out.append(row)
    return out


def number_posts(plans: Sequence[CoveragePlan]) -> None:
    """Give every post of a plan's windows the number people see (the ``post`` column).

    The numbers are decided here, once (:func:`place_numbers`): ``posts.geojson``,
    ``coverage.json``, the printed summary, the maps and the handouts all show them, so post 2
    is the same corner everywhere.

    Parameters
    ----------
    plans : sequence of CoveragePlan
        The windows' plans, in the plan's order (``ShiftPlan.plans.values()``); changed in
        place.
    """
    numbers = place_numbers([list(zip(cp.posts["lat"], cp.posts["lon"], strict=True))
                             for cp in plans])
    for cp, nums in zip(plans, numbers, strict=True):
        cp.posts["post"] = np.asarray(nums, dtype=np.int64)


def stretches(problem: CoverageProblem, mask: np.ndarray) -> pd.DataFrame:
    """Merge the masked corridor rows into stretches by street name and adjacency.

    Lengths are metres of corridor: every row is one undirected segment (or one piece of
    one), counted once, so the stretches of a street add up to its uncovered metres.
    """
    segs = problem.segments
    idx = np.flatnonzero(mask)
    cols = ["name", "length_m", "demand", "weight", "segments", "lat", "lon"]
    if idx.size == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    parent = {int(i): int(i) for i in idx}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    by_node: dict[tuple[str, Hashable], int] = {}
    names = segs["name"].to_numpy()
    if problem.ends is not None and len(problem.ends) == len(segs):
        ends = [tuple(e) for e in problem.ends.tolist()]
    else:
        ends = list(zip(segs["u"].to_numpy(), segs["v"].to_numpy(), strict=True))
    for i in idx:
        for n in ends[i]:
            key = (str(names[i]), n)
            if key in by_node:
                parent[find(int(i))] = find(by_node[key])
            else:
                by_node[key] = int(i)
    groups: dict[int, list[int]] = {}
    for i in idx:
        groups.setdefault(find(int(i)), []).append(int(i))
    to_wgs = Transformer.from_crs(problem.crs, "EPSG:4326", always_xy=True)
    rows = []
    length = segs["length_m"].to_numpy(dtype=float)
    weight = problem.weights
    geoms = segs.geometry.to_numpy()
    ids = segs["segment_id"].to_numpy()
    for members in groups.values():
        m = np.array(members)
        ln = float(length[m].sum())
        wt = float(weight[m].sum())
        longest = m[int(np.argmax(length[m]))]
        mid = geoms[longest].interpolate(0.5, normalized=True)
        lon, lat = to_wgs.transform(mid.x, mid.y)
        rows.append({"name": str(names[m[0]]), "length_m": ln,
                     "demand": round(wt / ln, 3) if ln > 0 else 0.0, "weight": wt,
                     "segments": [str(ids[i]) for i in sorted(m)],
                     "lat": round(float(lat), 6), "lon": round(float(lon), 6)})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["weight", "name"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def gaps_by_street(plan: CoveragePlan) -> list[tuple[str, float, float]]:
    """The uncovered corridor of one plan, by street: ``[(street, length_m, demand_share)]``.

    ``street`` is the street name (or the description of an unnamed way, as in
    ``uncovered``); ``length_m`` the uncovered metres of corridor on it (each undirected
    segment counted once: the same total a consumer gets by summing the uncovered rows of
    ``plan.problem.segments`` by ``name``); ``demand_share`` the share (0-1) of the window's
    walking demand (demand × length) on those metres. Most demand first, then by name.

    Parameters
    ----------
    plan : CoveragePlan
        One window's plan (``shifts.plans[window]``).

    Returns
    -------
    list of (str, float, float)
    """
    total = float(plan.total_weight)
    by: dict[str, list[float]] = {}
    for r in plan.uncovered.itertuples():
        row = by.setdefault(str(r.name), [0.0, 0.0])
        row[0] += float(r.length_m)
        row[1] += float(r.weight)
    out = [(name, length, weight / total if total > 0 else 0.0)
           for name, (length, weight) in by.items()]
    return sorted(out, key=lambda t: (-t[2], t[0]))

