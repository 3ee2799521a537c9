"""What a beat plan is: one closed loop per officer, what each walks, and how good they are.

:class:`Beat` is one officer's loop (its edges, line, length, time, the corridor it walks and
its turn-by-turn steps); :class:`BeatPlan` the loops of one time window with the share of the
window's walking demand they walk together, beside the share the same officers cover standing
at their posts, and the quality figures (the exact optimum of small instances, a bound
otherwise). :func:`beats_frame` and :func:`walked_corridor` are the tables maps and files read.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS
from shapely.geometry import LineString

from ..directions import Step, render_directions, summary_line
from ..safety import TimeWindow

__all__ = ["Beat", "BeatPlan", "beats_frame", "walked_corridor"]


@dataclass
class Beat:
    """One officer's loop.

    Attributes
    ----------
    number : int
        1, 2, ... within its window, in the order of the posts (busiest post first).
    post_id : str or None
        The post it starts from ("P1", as in ``posts.geojson``); None for a start the planner
        gave.
    start_name : str
        The post's name, or the planner's name for the start.
    start_node : Hashable
        Network node where it starts and ends.
    start_lat, start_lon : float
    edges : list of int
        The network edges walked, in order (indices into the window's edge table,
        ``route_plan.state_graph.risk.edges``); empty when nothing of the corridor is in reach.
    length_m : float
        Metres walked.
    minutes : float
        Walking time at the profile's speed.
    geometry : shapely.geometry.LineString
        The loop, projected (the network's CRS); it ends where it starts.
    segments : list of str
        Corridor segments it walks (``segment_id`` as in the coverage output).
    covered_weight : float
        Walking demand × length of those segments.
    covered_pct : float
        That as a share of the window's corridor.
    shared_pct : float
        The share of the corridor it walks that another beat walks too.
    steps : list of Step
        Turn-by-turn directions (render with :func:`safepassage.directions.render_directions`).
    metrics : dict
        Exposure figures of the walk (crossings of busy streets, metres along arterials ...,
        as :func:`safepassage.routing.route_metrics` gives them).
    """

    number: int
    post_id: str | None
    start_name: str
    start_node: Hashable
    start_lat: float
    start_lon: float
    edges: list[int]
    length_m: float
    minutes: float
    geometry: LineString
    segments: list[str]
    covered_weight: float
    covered_pct: float
    shared_pct: float
    steps: list[Step] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The beat's name: "Beat 2 (from post P2: Olive Street & West 5th Street)"."""
        where = f"post {self.post_id}: {self.start_name}" if self.post_id else self.start_name
        return f"Beat {self.number} (from {where})"

    def directions(self, lang: str = "en", units: str = "imperial") -> list[str]:
        """The steps as sentences in ``lang`` ("en" or "es")."""
        return render_directions(self.steps, lang=lang, units=units)

    def summary(self, lang: str = "en", units: str = "imperial") -> str:
        """Length and time in words: "1.2 miles, about 19 minutes on foot"."""
        return summary_line(self.length_m, self.minutes, lang=lang, units=units)


@dataclass
class BeatPlan:
    """The beats of one time window.

    Attributes
    ----------
    window : TimeWindow
    minutes : int
        The most each beat may take.
    speed_m_per_min : float
        Walking speed (the safety profile's).
    beats : list of Beat
    covered_weight, total_weight : float
        Walking demand × length walked by any beat (each street once), and of the whole
        corridor of the window.
    covered_pct : float
        ``100 × covered_weight / total_weight``.
    posts_covered_pct : float or None
        The share the same officers cover standing at their posts (None for planner starts).
    exact_pct : float or None
        The best share any loops of this length can walk, found by brute force when few
        corridor streets are within reach (see :mod:`safepassage.beats.exact`); None otherwise.
    gap_pct : float or None
        ``100 × (exact − walked) / exact`` (0 when the loops are optimal); None without an
        exact optimum.
    bound_pct : float
        An upper bound on the share (loops walk at most their length of corridor).
    corridor : geopandas.GeoDataFrame
        The window's corridor, one row per street segment (projected): ``segment_id``,
        ``name``, ``length_m``, ``demand``, ``weight``, ``walked`` (bool), ``beats`` (numbers
        of the beats walking it).
    crs : pyproj.CRS or str
    profile : str
        The safety profile whose speed was used.
    solve_seconds : float
    notes : list of str
    """

    window: TimeWindow
    minutes: int
    speed_m_per_min: float
    beats: list[Beat]
    covered_weight: float
    total_weight: float
    covered_pct: float
    posts_covered_pct: float | None
    exact_pct: float | None
    gap_pct: float | None
    bound_pct: float
    corridor: gpd.GeoDataFrame = field(repr=False)
    crs: CRS | str = field(repr=False, default="EPSG:4326")
    profile: str = ""
    solve_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: "dismissal: 6 beats of 20 min walk 78.4 % of the walking demand ..."."""
        n = len(self.beats)
        quality = ""
        if self.gap_pct is not None:
            quality = " (optimal)" if self.gap_pct <= 1e-9 else (
                f" ({self.gap_pct:.1f} % below the best possible, {self.exact_pct:.1f} %)")
        text = (f"{self.window.label()}: {n} beat{'s' if n != 1 else ''} of at most "
                f"{self.minutes} min walk {self.covered_pct:.1f} % of the walking demand"
                f"{quality}")
        if self.posts_covered_pct is not None:
            text += f"; standing at their posts the same officers cover " \
                    f"{self.posts_covered_pct:.1f} %"
        return text


def beats_frame(plan: BeatPlan, *, units: str = "imperial") -> gpd.GeoDataFrame:
    """One row per beat, WGS84 lines: what ``beats.geojson`` holds.

    Columns: ``beat``, ``post``, ``start``, ``window``, ``minutes`` (walking time),
    ``minutes_max`` (the limit), ``length_m``, ``covered_pct``, ``shared_pct``,
    ``start_lat``, ``start_lon``, ``summary_en``, ``summary_es``, ``directions_en``,
    ``directions_es``, and the beat's line (closed: it ends where it starts). Beats with
    nothing in reach (no line) are left out.
    """
    rows = []
    for b in plan.beats:
        if not b.edges:
            continue
        rows.append({
            "beat": b.number, "post": b.post_id, "start": b.start_name,
            "window": plan.window.name, "minutes": round(b.minutes, 1),
            "minutes_max": plan.minutes, "length_m": round(b.length_m, 1),
            "covered_pct": round(b.covered_pct, 2), "shared_pct": round(b.shared_pct, 2),
            "start_lat": round(b.start_lat, 6), "start_lon": round(b.start_lon, 6),
            "summary_en": b.summary("en", units), "summary_es": b.summary("es", units),
            "directions_en": b.directions("en", units),
            "directions_es": b.directions("es", units),
            "geometry": b.geometry,
        })
    columns = ["beat", "post", "start", "window", "minutes", "minutes_max", "length_m",
               "covered_pct", "shared_pct", "start_lat", "start_lon", "summary_en",
               "summary_es", "directions_en", "directions_es", "geometry"]
    frame = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=plan.crs)
    return frame.to_crs("EPSG:4326")


def walked_corridor(plan: BeatPlan) -> gpd.GeoDataFrame:
    """The window's corridor in WGS84, each street with whether (and which) beats walk it."""
    out = plan.corridor.to_crs("EPSG:4326")
    out["beats"] = [list(map(int, b)) for b in out["beats"]]
    out["walked"] = np.asarray(out["walked"], dtype=bool)
    return out
