"""What the maps draw of a coverage result: one explicit view type, built once, never guessed.

:class:`CoverageView` is one officer plan as the maps read it: the posts and the corridor in
WGS84 with the columns the maps use, the plan's coverage figures and gaps, its time window and
a label. The pipeline builds views from :mod:`safepassage.coverage`'s objects
(:meth:`CoverageView.from_plan` for a :class:`~safepassage.coverage.CoveragePlan`,
:func:`shift_views` for every window of a :class:`~safepassage.coverage.ShiftPlan`); plain
tables (a corridor GeoDataFrame and a posts table, as a notebook or another tool makes them)
go through :meth:`CoverageView.from_tables`. The maps and handouts take views and nothing else.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from ..coverage import CoveragePlan, ShiftPlan, gaps_by_street
from ..errors import InputError
from ..safety import TimeWindow, parse_window
from ..utils import MINUTES_PER_DAY, clean_name, hhmm

__all__ = [
    "CoverageFigures",
    "CoverageView",
    "normalize_corridor",
    "normalize_posts",
    "posts_and_corridor",
    "shift_views",
    "time_window_label",
    "window_hours",
]

#: Columns of :attr:`CoverageView.gaps`.
GAP_COLUMNS = ["name", "length_m", "weight", "share", "stretches"]

#: A time window as the maps accept it: the object, its name ("dismissal", "HH:MM-HH:MM"), or
#: nothing.
Window = TimeWindow | str | None


def _window_name(window: Window | float) -> str:
    """A window's name ("" for None or NaN)."""
    if window is None or (isinstance(window, float) and math.isnan(window)):
        return ""
    if isinstance(window, TimeWindow):
        return window.name
    return str(window)


def window_hours(window: Window) -> str:
    """"14:00-16:00" for a named window, the span itself for "HH:MM-HH:MM", "" if unknown."""
    name = _window_name(window)
    if not name:
        return ""
    try:
        tw = parse_window(name)
    except InputError:
        return ""
    if tw.minutes >= MINUTES_PER_DAY:
        return "all day"
    return f"{hhmm(tw.start)}-{hhmm(tw.end)}"


def time_window_label(window: Window) -> str:
    """A time window as planners read it: "dismissal, 14:00-16:00" ("" if unknown).

    Parameters
    ----------
    window : TimeWindow or str
        A window object or a name ("dismissal", "HH:MM-HH:MM").

    Returns
    -------
    str
    """
    name = _window_name(window).strip()
    if not name:
        return ""
    hours = window_hours(name)
    if not hours or hours == name:
        return name.replace("_", " ")
    return f"{name.replace('_', ' ')}, {hours}"


def _listify(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def _posts_frame(posts: pd.DataFrame) -> gpd.GeoDataFrame:
    """Posts as a WGS84 GeoDataFrame, from point geometry or ``lat``/``lon`` columns."""
    if isinstance(posts, gpd.GeoDataFrame) and posts.geometry.name in posts:
        p = posts.copy()
        if p.crs is not None and not p.crs.equals("EPSG:4326"):
            p = p.to_crs("EPSG:4326")
        return p
    if {"lat", "lon"} <= set(posts.columns):
        return gpd.GeoDataFrame(
            posts.copy(),
            geometry=gpd.points_from_xy(posts["lon"].astype(float), posts["lat"].astype(float)),
            crs="EPSG:4326",
        )
    raise InputError("posts need point geometry or lat/lon columns")


def normalize_posts(posts: pd.DataFrame | None) -> gpd.GeoDataFrame | None:
    """Officer posts with the columns the maps read, whatever their producer called them.

    Reads a GeoDataFrame (or DataFrame with ``lat``/``lon``) of posts. The result, in WGS84, has
    ``post_id`` (from ``id``, else "P1", "P2", ...), ``name``, ``window``, ``hours`` (kept if it
    is a clock span such as "14:00-16:00", else derived from the window: "dismissal" →
    "14:00-16:00"), ``demand_covered`` (NaN if unknown), ``covered_segments`` (list of segment
    ids, from ``segments`` if needed) and point geometry.

    Parameters
    ----------
    posts : pandas.DataFrame or None
        The posts.

    Returns
    -------
    geopandas.GeoDataFrame or None
        None if there are no posts.

    Raises
    ------
    InputError
        If the posts have neither point geometry nor ``lat``/``lon`` columns.
    """
    if posts is None or len(posts) == 0:
        return None
    p = _posts_frame(posts).reset_index(drop=True)
    if "post_id" not in p:
        p["post_id"] = p["id"].astype(str) if "id" in p else [f"P{i + 1}" for i in range(len(p))]
    p["post_id"] = p["post_id"].astype(str)
    if "name" not in p:
        p["name"] = p["post_id"]
    if "window" not in p:
        p["window"] = ""
    p["window"] = [w.name if isinstance(w, TimeWindow) else ("" if w is None else w)
                   for w in p["window"]]
    given = p["hours"] if "hours" in p else pd.Series([None] * len(p), index=p.index)
    p["hours"] = [
        str(h) if isinstance(h, str) and ":" in h else window_hours(w)
        for h, w in zip(given, p["window"], strict=True)
    ]
    if "demand_covered" not in p:
        p["demand_covered"] = np.nan
    source = "covered_segments" if "covered_segments" in p else (
        "segments" if "segments" in p else None)
    p["covered_segments"] = (
        [_listify(v) for v in p[source]] if source else [[] for _ in range(len(p))]
    )
    return p


def normalize_corridor(
    corridor: pd.DataFrame | None, posts: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame | None:
    """The corridor with the columns the maps read, in WGS84.

    Columns of the result: ``segment_id`` (str), ``name`` (street name or a description of an
    unnamed way), ``length_m``, ``demand``, ``covered`` (bool) and ``post_id`` (the post credited
    with the segment, or None), line geometry. ``covered`` and ``post_id`` are derived from the
    posts' ``covered_segments`` when the corridor lacks them.

    Parameters
    ----------
    corridor : geopandas.GeoDataFrame or None
        Corridor segments (any CRS).
    posts : geopandas.GeoDataFrame, optional
        Normalised posts (:func:`normalize_posts`).

    Returns
    -------
    geopandas.GeoDataFrame or None

    Raises
    ------
    InputError
        If the corridor is not a GeoDataFrame.
    """
    if corridor is None or len(corridor) == 0:
        return None
    c = corridor.copy().reset_index(drop=True)
    if not isinstance(c, gpd.GeoDataFrame):
        raise InputError("the corridor must be a GeoDataFrame of lines")
    if "length_m" not in c:
        projected = c.to_crs(c.estimate_utm_crs()) if c.crs and c.crs.is_geographic else c
        c["length_m"] = projected.geometry.length.to_numpy()
    if c.crs is not None and not c.crs.equals("EPSG:4326"):
        c = c.to_crs("EPSG:4326")
    if "segment_id" not in c:
        c["segment_id"] = [str(i) for i in range(len(c))]
    c["segment_id"] = c["segment_id"].astype(str)
    if "name" not in c:
        c["name"] = c.get("street", None)
    c["name"] = [clean_name(n) or "unnamed way" for n in c["name"]]
    if "demand" not in c:
        c["demand"] = 1.0
    c["demand"] = pd.to_numeric(c["demand"], errors="coerce").fillna(0.0).astype(float)
    credited: dict[str, str] = {}
    if posts is not None:
        for pid, segs in zip(posts["post_id"], posts["covered_segments"], strict=True):
            for s in segs:
                credited.setdefault(str(s), str(pid))
    given = c["post_id"] if "post_id" in c else [credited.get(s) for s in c["segment_id"]]
    post_ids = [None if clean_name(p) is None else str(p) for p in given]
    c["post_id"] = pd.Series(post_ids, index=c.index, dtype=object)
    if "covered" in c:
        c["covered"] = [bool(v) if v is not None and v == v else False for v in c["covered"]]
    else:
        c["covered"] = [p is not None for p in post_ids]
    c["covered"] = c["covered"].astype(bool)
    return c


def _empty_corridor() -> gpd.GeoDataFrame:
    """A normalised corridor with no segments (posts given without one)."""
    return gpd.GeoDataFrame(
        {"segment_id": pd.Series(dtype=str), "name": pd.Series(dtype=str),
         "length_m": pd.Series(dtype=float), "demand": pd.Series(dtype=float),
         "post_id": pd.Series(dtype=object), "covered": pd.Series(dtype=bool)},
        geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326",
    )


@dataclass(frozen=True)
class CoverageFigures:
    """A plan's coverage figures: lengths, demand-weighted lengths and shares, posts.

    "Covered %" is the share of the corridor's demand × length (demand-metres) on covered
    segments, as in :mod:`safepassage.coverage`.

    Attributes
    ----------
    posts, segments : int
        Officer posts; corridor segments.
    total_length_m, covered_length_m, covered_length_pct : float
        Corridor metres, covered metres, and that share (%).
    total_weight, covered_weight, covered_pct : float
        Walking demand × length in all and covered, and that share (%).
    gaps : int
        Uncovered stretches of a coverage plan (else uncovered segments).
    gap_streets : int
        Streets with gaps (see :attr:`CoverageView.gaps`).
    """

    posts: int
    segments: int
    total_length_m: float
    covered_length_m: float
    covered_length_pct: float
    total_weight: float
    covered_weight: float
    covered_pct: float
    gaps: int
    gap_streets: int


def _total_weight(corridor: gpd.GeoDataFrame) -> float:
    """The corridor's walking demand × length (what shares are of)."""
    return float((corridor["length_m"].to_numpy(dtype=float)
                  * corridor["demand"].to_numpy(dtype=float)).sum())


def _figures(corridor: gpd.GeoDataFrame, posts: gpd.GeoDataFrame | None, gaps: int,
             gap_streets: int) -> CoverageFigures:
    length = corridor["length_m"].to_numpy(dtype=float)
    weight = length * corridor["demand"].to_numpy(dtype=float)
    cov = corridor["covered"].to_numpy(dtype=bool)
    total_w, cov_w = float(weight.sum()), float(weight[cov].sum())
    total_l, cov_l = float(length.sum()), float(length[cov].sum())
    return CoverageFigures(
        posts=0 if posts is None else len(posts),
        segments=len(corridor),
        total_length_m=total_l,
        covered_length_m=cov_l,
        covered_length_pct=100.0 * cov_l / total_l if total_l > 0 else 100.0,
        total_weight=total_w,
        covered_weight=cov_w,
        covered_pct=100.0 * cov_w / total_w if total_w > 0 else 100.0,
        gaps=gaps,
        gap_streets=gap_streets,
    )


def _no_gaps() -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(dtype=object) for k in GAP_COLUMNS})


def _plan_gaps(uncovered: pd.DataFrame, by_street: Sequence[tuple[str, float, float]],
               total: float) -> pd.DataFrame:
    """Coverage's own gaps by street, each with the lengths of its uncovered stretches."""
    if not len(uncovered):
        return _no_gaps()
    stretches: dict[str, list[float]] = {}
    for name, length in zip(uncovered["name"], uncovered["length_m"], strict=True):
        stretches.setdefault(str(name), []).append(float(length))
    return pd.DataFrame({
        "name": [clean_name(n) or "unnamed way" for n, _, _ in by_street],
        "length_m": [float(x) for _, x, _ in by_street],
        "weight": [float(sh) * total for _, _, sh in by_street],
        "share": [float(sh) for _, _, sh in by_street],
        "stretches": [sorted(stretches.get(str(n), []), reverse=True) for n, _, _ in by_street],
    }, columns=GAP_COLUMNS)


def _corridor_gaps(corridor: gpd.GeoDataFrame, total: float) -> pd.DataFrame:
    """The uncovered length and demand per street name of a plain corridor table."""
    c = corridor[~corridor["covered"]]
    if not len(c):
        return _no_gaps()
    t = pd.DataFrame({"name": c["name"].to_numpy(), "length_m": c["length_m"].to_numpy(),
                      "weight": (c["length_m"] * c["demand"]).to_numpy()})
    g = t.groupby("name", sort=False).agg(length_m=("length_m", "sum"),
                                           weight=("weight", "sum")).reset_index()
    g["share"] = g["weight"] / total if total > 0 else 0.0
    g["stretches"] = [[] for _ in range(len(g))]
    g = g.sort_values(["weight", "name"], ascending=[False, True], kind="stable")
    return g[GAP_COLUMNS].reset_index(drop=True)


def _with_shares(posts: gpd.GeoDataFrame | None, corridor: gpd.GeoDataFrame
                 ) -> gpd.GeoDataFrame | None:
    """Posts with their share of the walking demand, where only ``demand_covered`` is known.

    ``covered_pct`` (%) is filled in from ``demand_covered`` over the corridor's demand ×
    length, each segment counted once.
    """
    total = _total_weight(corridor.drop_duplicates("segment_id"))
    if posts is None or total <= 0:
        return posts
    given = (pd.to_numeric(posts["covered_pct"], errors="coerce") if "covered_pct" in posts
             else pd.Series(np.nan, index=posts.index))
    derived = 100.0 * pd.to_numeric(posts["demand_covered"], errors="coerce") / total
    missing = ~np.isfinite(given.to_numpy(dtype=float))
    if not missing.any():
        return posts
    out = posts.copy()
    out["covered_pct"] = given.where(~missing, derived)
    return out


@dataclass(frozen=True)
class CoverageView:
    """One officer plan as the maps draw it.

    Build it with :meth:`from_plan` (a coverage plan), :func:`shift_views` (every window of a
    shift plan) or :meth:`from_tables` (plain tables).

    Attributes
    ----------
    label : str
        Plain-text name of the plan ("Plan A", "This plan", the window of a shift plan).
    window : str
        The time window as planners read it ("dismissal, 14:00-16:00"; "" if unknown).
    posts : geopandas.GeoDataFrame or None
        Normalised posts (:func:`normalize_posts`) with ``covered_pct`` where it is known.
    corridor : geopandas.GeoDataFrame
        Normalised corridor (:func:`normalize_corridor`); empty when only posts were given.
    figures : CoverageFigures
        Coverage figures of the plan.
    gaps : pandas.DataFrame
        The uncovered corridor by street, most walking demand first: ``name``, ``length_m``
        (uncovered metres on the street), ``weight`` (demand × length), ``share`` (of the
        plan's walking demand, 0-1), ``stretches`` (lengths of the uncovered stretches, longest
        first; empty when unknown). For a coverage plan these are coverage's own
        (:func:`safepassage.coverage.gaps_by_street`, what ``coverage.json`` lists as
        ``uncovered_by_street``, with the stretches of the plan's ``uncovered`` table that the
        command line prints); for plain tables, the uncovered length per street name.
    radius_m : float or None
        How far an officer's reach is, when known.
    banned : tuple of shapely geometry
        The places a planner banned (WGS84 circles and polygons), to draw.
    """

    label: str
    window: str
    posts: gpd.GeoDataFrame | None
    corridor: gpd.GeoDataFrame
    figures: CoverageFigures
    gaps: pd.DataFrame
    radius_m: float | None = None
    banned: tuple[BaseGeometry, ...] = ()

    @classmethod
    def from_plan(cls, plan: CoveragePlan, *, label: str = "") -> CoverageView:
        """The view of one coverage plan (one time window).

        Parameters
        ----------
        plan : CoveragePlan
            From :func:`safepassage.coverage.plan_posts` (or ``shifts.plans[window]``).
        label : str, optional
            Plain-text name of the plan.

        Returns
        -------
        CoverageView

        Raises
        ------
        InputError
            If ``plan`` is a shift plan (give one of its plans, or use :func:`shift_views`),
            or the plan has no corridor to draw.
        """
        if isinstance(plan, ShiftPlan):
            raise InputError("a shift plan holds one coverage plan per time window: give one "
                             "of them (shifts.plans[window]) to compare on the planner map")
        p = normalize_posts(plan.posts)
        segs = plan.problem.segments.copy()
        if len(plan.covered) == len(segs):
            segs["covered"] = np.asarray(plan.covered, dtype=bool)
        if p is not None and (p["window"] == "").all():
            p["window"] = plan.window.name
            p["hours"] = [window_hours(w) for w in p["window"]]
        c = normalize_corridor(segs, p)
        if c is None:
            raise InputError("the coverage plan has no corridor to draw")
        total = _total_weight(c)
        gaps = _plan_gaps(plan.uncovered, gaps_by_street(plan), total)
        return cls(label=label, window=time_window_label(plan.window),
                   posts=_with_shares(p, c), corridor=c,
                   figures=_figures(c, p, len(plan.uncovered), len(gaps)), gaps=gaps,
                   radius_m=plan.problem.radius_m, banned=tuple(plan.banned_areas))

    @classmethod
    def from_tables(
        cls,
        corridor: gpd.GeoDataFrame | None,
        posts: pd.DataFrame | None = None,
        *,
        label: str = "",
        window: Window = None,
    ) -> CoverageView:
        """The view of a plan given as plain tables.

        Parameters
        ----------
        corridor : geopandas.GeoDataFrame or None
            Corridor segments (see :func:`normalize_corridor`); None when only the posts are
            known (an officer map or a handout needs no corridor; the planner map does).
        posts : pandas.DataFrame, optional
            Posts (see :func:`normalize_posts`).
        label : str, optional
            Plain-text name of the plan.
        window : TimeWindow or str, optional
            The plan's time window.

        Returns
        -------
        CoverageView

        Raises
        ------
        InputError
            If a table lacks what the maps need (see :func:`normalize_posts`,
            :func:`normalize_corridor`).
        """
        p = normalize_posts(posts)
        c = normalize_corridor(corridor, p)
        if c is None:
            c = _empty_corridor()
        total = _total_weight(c)
        gaps = _corridor_gaps(c, total)
        figures = _figures(c, p, int((~c["covered"]).sum()), len(gaps))
        return cls(label=label, window=time_window_label(window), posts=_with_shares(p, c),
                   corridor=c, figures=figures, gaps=gaps)

    def relabel(self, label: str) -> CoverageView:
        """The same view under another label."""
        return dataclasses.replace(self, label=label)


def shift_views(shifts: ShiftPlan) -> list[CoverageView]:
    """One view per time window of a shift plan, in order, each labelled with its window.

    Parameters
    ----------
    shifts : ShiftPlan
        From :func:`safepassage.coverage.plan_shifts`.

    Returns
    -------
    list of CoverageView
    """
    return [CoverageView.from_plan(plan, label=str(name)) for name, plan in shifts.plans.items()]


def posts_and_corridor(
    views: Sequence[CoverageView],
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """Every view's posts in one table, and the corridor segments credited to them.

    With several views (the windows of a shift plan), post ids carry their view's label
    ("dismissal/P1") so that the same corner in two windows stays two posts.

    Parameters
    ----------
    views : sequence of CoverageView
        The plans whose posts are shown (an officer map, a handout).

    Returns
    -------
    tuple
        ``(posts, corridor)``; both None when no view has posts.
    """
    post_parts, corridor_parts = [], []
    for view in views:
        if view.posts is None:
            continue
        vp, vc = view.posts.copy(), view.corridor.copy()
        if len(views) > 1:
            vp["post_id"] = [f"{view.label}/{pid}" for pid in vp["post_id"]]
            vc["post_id"] = [None if pid is None else f"{view.label}/{pid}"
                             for pid in vc["post_id"]]
        post_parts.append(vp)
        corridor_parts.append(vc[vc["post_id"].notna()])
    if not post_parts:
        return None, None
    p = gpd.GeoDataFrame(pd.concat(post_parts, ignore_index=True), crs="EPSG:4326")
    c = gpd.GeoDataFrame(pd.concat(corridor_parts, ignore_index=True), crs="EPSG:4326")
    return p, c
