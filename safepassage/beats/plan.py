"""Beats for a window's officers: from the coverage step's posts and corridor to loops.

:func:`plan_beats` takes one window's :class:`~safepassage.coverage.CoveragePlan` (its posts
and its corridor with the walking demand) and :class:`~safepassage.routing.RoutePlan` (the
window's edges, avoid zones and walking speed) and gives every posted officer (or every start
a planner gives) a closed loop of at most ``minutes``; :func:`plan_shift_beats` does it for
every window of a :class:`~safepassage.coverage.ShiftPlan`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from ..coverage import CoveragePlan, ShiftPlan
from ..coverage.candidates import snap_points
from ..coverage.network import Network, network_of
from ..directions import Step, build_directions, route_legs
from ..errors import InputError
from ..progress import Steps
from ..routing import Route, RoutePlan, route_geometry, route_metrics
from .exact import exact_worth, worth_bound
from .instance import BeatInstance, beat_instance
from .options import BeatSettings
from .result import Beat, BeatPlan
from .solve import corridor_worth, solve_loops
from .walkgraph import BeatGraph, beat_graph

__all__ = ["beats_if_asked", "plan_beats", "plan_shift_beats"]


@dataclass(frozen=True)
class _Start:
    """Where one beat starts."""

    node: int  # node position in the network
    name: str
    post_id: str | None


def _corridor(net: Network, coverage: CoveragePlan) -> tuple[np.ndarray, pd.DataFrame]:
    """Worth of each network segment (demand × length) and the corridor's rows, whole streets."""
    pieces = coverage.problem.segments
    index = {sid: i for i, sid in enumerate(net.seg_id)}
    prize = np.zeros(len(net.seg_id))
    if not len(pieces):
        return prize, pd.DataFrame(columns=["segment_id", "name", "demand"])
    rows = pieces.groupby("street_segment_id", sort=True).agg(
        name=("name", "first"), demand=("demand", "first"), weight=("weight", "sum"))
    for sid, w in rows["weight"].items():
        prize[index[str(sid)]] += float(w)
    rows = rows.reset_index().rename(columns={"street_segment_id": "segment_id"})
    return prize, rows[["segment_id", "name", "demand"]]


def _node_name(net: Network, p: int, fallback: str) -> str:
    streets = net.node_names[p]
    if len(streets) >= 2:
        return f"{streets[0]} & {streets[1]}"
    return streets[0] if streets else fallback


def _starts(net: Network, coverage: CoveragePlan, settings: BeatSettings) -> list[_Start]:
    """The planner's starts, or else the window's posts, as network nodes."""
    if settings.starts:
        points = snap_points(net, settings.starts, "starts", settings.snap_limit_m)
        return [_Start(pt.node, pt.label or _node_name(net, pt.node, f"start {j + 1}"), None)
                for j, pt in enumerate(points)]
    out = []
    for post in coverage.posts.to_dict("records"):
        node = post.get("node")
        if node is not None and node in net.node_pos:
            p = net.node_pos[node]
        else:  # a post inside a long way: its nearest node
            p = snap_points(net, [(float(post["lat"]), float(post["lon"]))], "posts",
                            float("inf"))[0].node
        out.append(_Start(p, str(post["name"]), str(post["post_id"])))
    return out


def _directions(G: nx.MultiDiGraph, route_plan: RoutePlan, edges: list[int], name: str,
                speed: float) -> tuple[list[Step], dict[str, Any]]:
    """Turn-by-turn steps and exposure figures of a walk."""
    sg = route_plan.state_graph
    if not edges:
        return [], {}
    risk, states = sg.path_risk(edges)
    route = Route("beat", edges, states, float(sg.risk.table["length"].to_numpy()[edges].sum()),
                  risk)
    # a step per crossing: the beat card says each with the walk after it in its own words
    steps = build_directions(route_legs(G, sg, route), origin=name, destination=name,
                             corners=False)
    return steps, route_metrics(sg, edges, states, speed)


def _beats(G: nx.MultiDiGraph, route_plan: RoutePlan, graph: BeatGraph, inst: BeatInstance,
           walks: Sequence[list[int]], starts: Sequence[_Start],
           total: float) -> list[Beat]:
    """One :class:`Beat` per walk."""
    net, prize = graph.net, inst.prize
    speed = float(route_plan.walk_speed)
    walked = [np.unique(graph.segment[np.asarray(w, dtype=np.int64)]) for w in walks]
    walked = [s[prize[s] > 0] for s in walked]
    counts = np.zeros(prize.size, dtype=np.int64)
    for s in walked:
        counts[s] += 1
    out = []
    for k, (edges, segs, start) in enumerate(zip(walks, walked, starts, strict=True)):
        length = float(graph.length[np.asarray(edges, dtype=np.int64)].sum())
        worth = float(prize[segs].sum())
        shared = float(prize[segs[counts[segs] > 1]].sum())
        steps, metrics = _directions(G, route_plan, list(edges), start.name, speed)
        out.append(Beat(
            number=k + 1, post_id=start.post_id, start_name=start.name,
            start_node=net.nodes[start.node], start_lat=float(net.lat[start.node]),
            start_lon=float(net.lon[start.node]), edges=list(edges), length_m=length,
            minutes=length / speed,
            geometry=route_geometry(G, route_plan.state_graph, edges) if edges else LineString(),
            segments=[net.seg_id[s] for s in segs], covered_weight=worth,
            covered_pct=100.0 * worth / total if total > 0 else 0.0,
            shared_pct=100.0 * shared / worth if worth > 0 else 0.0,
            steps=steps, metrics=metrics,
        ))
    return out


def _corridor_frame(net: Network, rows: pd.DataFrame, prize: np.ndarray,
                    beats: Sequence[Beat]) -> gpd.GeoDataFrame:
    """The corridor, one row per street, with the beats that walk it."""
    by: dict[str, list[int]] = {}
    for b in beats:
        for sid in b.segments:
            by.setdefault(sid, []).append(b.number)
    index = {sid: i for i, sid in enumerate(net.seg_id)}
    segs = [index[str(s)] for s in rows["segment_id"]]
    return gpd.GeoDataFrame({
        "segment_id": rows["segment_id"].astype(str).to_numpy(),
        "name": rows["name"].astype(str).to_numpy(),
        "length_m": net.seg_len[segs],
        "demand": rows["demand"].to_numpy(dtype=float),
        "weight": prize[segs],
        "walked": [sid in by for sid in rows["segment_id"]],
        "beats": [by.get(str(sid), []) for sid in rows["segment_id"]],
    }, geometry=[net.seg_geom[s] for s in segs], crs=net.crs)


def _quality(inst: BeatInstance, budget: float, found: float, total: float
             ) -> tuple[float | None, float | None, float]:
    """Exact optimum (small instances) and gap, and the bound, as shares of the corridor."""
    exact = exact_worth(inst, budget)
    bound = max(worth_bound(inst, budget), found)
    pct = (lambda w: 100.0 * w / total) if total > 0 else (lambda w: 0.0)
    if exact is None:
        return None, None, pct(bound)
    gap = 100.0 * max(0.0, exact - found) / exact if exact > 0 else 0.0
    return pct(exact), gap, pct(bound)


def plan_beats(G: nx.MultiDiGraph, coverage: CoveragePlan, route_plan: RoutePlan,
               settings: BeatSettings | None = None) -> BeatPlan:
    """A closed walking loop for every officer of one window, sharing the corridor.

    Every loop starts and ends at its officer's post (or at one of ``settings.starts``),
    takes at most ``settings.minutes`` at the safety profile's walking speed, walks only the
    window's open streets (never an avoid zone), and the loops together walk as much of the
    window's walking demand (demand × length of the corridor streets, each counted once) as
    the search finds (:func:`~.solve.solve_loops`). When few corridor streets are within
    reach, the best possible is found by brute force too and the gap reported.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The prepared network.
    coverage : CoveragePlan
        The window's posts and corridor (``shifts.plans[window]``).
    route_plan : RoutePlan
        The window's routes (``shifts.route_plans[window]``): its edges, avoid zones and
        walking speed.
    settings : BeatSettings, optional
        Minutes and starts.

    Returns
    -------
    BeatPlan

    Raises
    ------
    InputError
        When the window has no corridor, no officer is posted and no start is given, or a
        start is far from the network.
    """
    t0 = time.perf_counter()
    settings = settings or BeatSettings()
    window = coverage.window
    net = network_of(G)
    prize, rows = _corridor(net, coverage)
    total = float(prize.sum())
    if total <= 0:
        raise InputError(f"no corridor in the {window.label()} window: no safe route leads to "
                         "a destination with walking demand then, so there is nothing to walk")
    starts = _starts(net, coverage, settings)
    if not starts:
        raise InputError(f"no officer is posted in the {window.label()} window: give "
                         "officers or starts")
    graph = beat_graph(G, route_plan.state_graph.risk)
    speed = float(route_plan.walk_speed)
    budget = settings.minutes * speed
    inst = beat_instance(graph, prize, [s.node for s in starts], budget)
    loops = solve_loops(inst, speed, settings.minutes)
    found = corridor_worth(inst, loops)
    beats = _beats(G, route_plan, graph, inst, [inst.walk(o, lp) for o, lp in enumerate(loops)],
                   starts, total)
    covered = _union_worth(graph, prize, beats)
    exact_pct, gap_pct, bound_pct = _quality(inst, budget, found, total)
    notes = [f"beat {b.number} ({b.start_name}) reaches no corridor street within "
             f"{settings.minutes} min there and back: that officer stays at the post"
             for b in beats if not b.edges]
    return BeatPlan(
        window=window, minutes=settings.minutes, speed_m_per_min=speed, beats=beats,
        covered_weight=covered, total_weight=total, covered_pct=100.0 * covered / total,
        posts_covered_pct=None if settings.starts else float(coverage.covered_pct),
        exact_pct=exact_pct, gap_pct=gap_pct, bound_pct=bound_pct,
        corridor=_corridor_frame(net, rows, prize, beats), crs=net.crs,
        profile=route_plan.state_graph.risk.profile.name,
        solve_seconds=time.perf_counter() - t0, notes=notes,
    )


def _union_worth(graph: BeatGraph, prize: np.ndarray, beats: Sequence[Beat]) -> float:
    """Walking demand × length walked by any beat, each street once."""
    edges = np.array(sorted({e for b in beats for e in b.edges}), dtype=np.int64)
    if not edges.size:
        return 0.0
    return float(prize[np.unique(graph.segment[edges])].sum())


def plan_shift_beats(G: nx.MultiDiGraph, shifts: ShiftPlan,
                     settings: BeatSettings | None = None) -> dict[str, BeatPlan]:
    """:func:`plan_beats` for every window of a shift plan, in order.

    A window with no corridor, or no officer posted (and no starts given), gets no beats when
    other windows have them: the first window's plan notes why.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The prepared network.
    shifts : ShiftPlan
        Posts and routes per window (:func:`safepassage.coverage.plan_shifts`).
    settings : BeatSettings, optional
        Minutes and starts (the same in every window).

    Returns
    -------
    dict of str to BeatPlan
        One per window that has beats.

    Raises
    ------
    InputError
        When no window can have beats (the first window's reason), or a start is far from the
        network.
    """
    out: dict[str, BeatPlan] = {}
    skipped: list[InputError] = []
    for name, cp in shifts.plans.items():
        try:
            out[name] = plan_beats(G, cp, shifts.route_plans[name], settings)
        except InputError as exc:
            if str(exc).startswith("starts["):
                raise
            skipped.append(exc)
    if not out:
        raise skipped[0]
    first = next(iter(out.values()))
    first.notes.extend(f"no beats: {exc}" for exc in skipped)
    return out


def beats_if_asked(G: nx.MultiDiGraph, shifts: ShiftPlan, settings: BeatSettings | None,
                   steps: Steps | None = None) -> list[BeatPlan]:
    """:func:`plan_shift_beats` as a list in window order, or nothing without settings."""
    if settings is None:
        return []
    with (steps or Steps(show=False))(f"walking beats of {settings.minutes} min"):
        return list(plan_shift_beats(G, shifts, settings).values())
