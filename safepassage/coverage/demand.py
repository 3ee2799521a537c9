"""Walking demand on the Safe Passage corridor.

Every destination's *safest* route adds the destination's weight (by kind and time window,
:data:`DEFAULT_WEIGHTS`) to each street segment it walks. Both directions of a street are one
segment, so demand from both directions adds up. The segments with demand are the Safe
Passage *corridor*; a segment's *weight* is its demand times its length in metres
("demand-metres"), which is what the coverage step optimises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from ..errors import InputError
from ..routing import RoutePlan
from ..safety import WINDOWS, TimeWindow, parse_window
from ..utils import MINUTES_PER_DAY
from .network import Network, network_of

__all__ = [
    "DEFAULT_WEIGHTS",
    "WeightOverrides",
    "corridor_demand",
    "kind_weight",
    "route_destinations",
    "weight_table",
]

#: Overrides of the weight table: ``{kind: number}`` (every window) or
#: ``{kind: {window: number}}``.
WeightOverrides: TypeAlias = Mapping[str, float | Mapping[str, float]]

#: A destination as the routes carry it (``dest_id``, ``name``, ``kind``, ``node``, ...).
Destination: TypeAlias = Mapping[str, object]

#: Relative walking demand one destination adds to its route, by kind and time window.
#:
#: The numbers are relative weights (think "walkers per destination"), not counts. Schools and
#: kindergartens weigh most at arrival and dismissal; parks, playgrounds and recreation centres
#: in the evening (and after school); transit the same all day; libraries moderately;
#: businesses low. ``"all-day"`` is used for the all-day window. A custom ``HH:MM-HH:MM``
#: window takes the weights of the named window it overlaps most, or the all-day weights when
#: it overlaps none. Kinds missing from the table weigh as ``"other"``. Override any of it with
#: the ``weights`` argument of :func:`corridor_demand`: ``{"school": 12}`` (every window) or
#: ``{"park": {"evening": 8}}``.
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "school": {"arrival": 10.0, "dismissal": 10.0, "evening": 1.0, "all-day": 5.0},
    "kindergarten": {"arrival": 8.0, "dismissal": 8.0, "evening": 0.5, "all-day": 4.0},
    "park": {"arrival": 1.0, "dismissal": 4.0, "evening": 6.0, "all-day": 3.0},
    "playground": {"arrival": 1.0, "dismissal": 5.0, "evening": 6.0, "all-day": 3.0},
    "recreation": {"arrival": 1.0, "dismissal": 4.0, "evening": 6.0, "all-day": 3.0},
    "library": {"arrival": 1.0, "dismissal": 3.0, "evening": 2.0, "all-day": 2.0},
    "transit": {"arrival": 4.0, "dismissal": 4.0, "evening": 4.0, "all-day": 4.0},
    "business": {"arrival": 1.0, "dismissal": 1.0, "evening": 1.0, "all-day": 1.0},
    "other": {"arrival": 1.0, "dismissal": 1.0, "evening": 1.0, "all-day": 1.0},
}

#: How unnamed ways are described.
_WAY_WORDS = {"footway": "footpath", "path": "path", "steps": "steps", "pedestrian":
              "pedestrian way", "service": "service road", "track": "track", "corridor":
              "passage", "cycleway": "path", "living_street": "street", "residential": "street"}


# ---------------------------------------------------------------------------------------------
# Weights


def _check_weight(value: object, where: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{where} must be a number ≥ 0, got {value!r}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{where} must be a number ≥ 0, got {value!r}") from None
    if not (out >= 0 and math.isfinite(out)):
        raise InputError(f"{where} must be a number ≥ 0, got {value!r}")
    return out


def weight_table(weights: WeightOverrides | None = None) -> dict[str, dict[str, float]]:
    """Merge user weights onto :data:`DEFAULT_WEIGHTS`.

    Parameters
    ----------
    weights : mapping, optional
        ``{kind: number}`` (every window) or ``{kind: {window: number}}``; window names are
        "arrival", "dismissal", "evening", "all-day".

    Returns
    -------
    dict
        ``{kind: {window: weight}}``, complete.

    Raises
    ------
    InputError
        For negative or non-numeric weights and unknown window names.
    """
    table = {k: dict(v) for k, v in DEFAULT_WEIGHTS.items()}
    for kind, value in (weights or {}).items():
        row = table.setdefault(str(kind), dict(DEFAULT_WEIGHTS["other"]))
        if isinstance(value, Mapping):
            for win, w in value.items():
                if win not in row:
                    raise InputError(f"weights.{kind}: unknown window {win!r}; use "
                                     f"{', '.join(DEFAULT_WEIGHTS['other'])}")
                row[win] = _check_weight(w, f"weights.{kind}.{win}")
        else:
            w = _check_weight(value, f"weights.{kind}")
            for win in row:
                row[win] = w
    return table


def _overlap(a: TimeWindow, start: int, end: int) -> int:
    b = TimeWindow("b", start, end)
    return sum(1 for m in range(a.start, a.start + a.minutes) if b.contains(m % MINUTES_PER_DAY))


def window_key(window: TimeWindow) -> str:
    """Which column of the weight table a window uses (see :data:`DEFAULT_WEIGHTS`)."""
    if window.name in WINDOWS or window.name == "all-day":
        return window.name
    if window.minutes >= MINUTES_PER_DAY:
        return "all-day"
    best, best_m = "all-day", 0
    for name, (s, e) in WINDOWS.items():
        m = _overlap(window, s, e)
        if m > best_m:
            best, best_m = name, m
    return best


def kind_weight(
    kind: str | None,
    window: TimeWindow,
    weights: WeightOverrides | None = None,
) -> float:
    """The walking-demand weight of one destination of ``kind`` in ``window``.

    Parameters
    ----------
    kind : str
        Destination kind ("school", "park", "transit", ...).
    window : TimeWindow
        The time window.
    weights : mapping, optional
        Overrides, as in :func:`weight_table`.

    Returns
    -------
    float
    """
    table = weight_table(weights)
    row = table.get(str(kind) if kind else "other", table["other"])
    return float(row[window_key(window)])


# ---------------------------------------------------------------------------------------------
# Destinations, and descriptions of unnamed ways


def route_destinations(plan: RoutePlan) -> list[Destination]:
    """The destinations that have a safest route, in the plan's order."""
    return [dr.destination for dr in plan.routes if dr.status == "ok" and dr.safest is not None]


def dest_xy(net: Network, dests: Sequence[Destination]) -> np.ndarray:
    """Projected position of each destination's node (NaN where the node is not in the graph)."""
    pts = []
    for d in dests:
        node = d.get("node")
        if node in net.node_pos:
            p = net.node_pos[node]
            pts.append((net.x[p], net.y[p]))
        else:
            pts.append((math.nan, math.nan))
    return np.array(pts, dtype=float).reshape(-1, 2)


def _describe_unnamed(
    net: Network, segs: np.ndarray, xy: np.ndarray, dest_names: list[str]
) -> list[str]:
    """Descriptions for unnamed segments: "footpath near Pershing Square"."""
    named = np.array([s is not None for s in net.seg_street])
    named_idx = np.flatnonzero(named)
    named_tree = shapely.STRtree([net.seg_geom[i] for i in named_idx]) if named_idx.size else None
    out = []
    for s in segs:
        word = _WAY_WORDS.get(net.seg_highway[s], "walkway")
        mid = net.seg_geom[s].interpolate(0.5, normalized=True)
        if len(dest_names):
            d = np.hypot(xy[:, 0] - mid.x, xy[:, 1] - mid.y)
            j = int(np.argmin(d))
            if d[j] <= 200.0:
                out.append(f"{word} near {dest_names[j]}")
                continue
        if named_tree is not None:
            j = named_tree.query_nearest(mid, max_distance=100.0)
            if len(j):
                out.append(f"{word} near {net.seg_street[named_idx[int(j[0])]]}")
                continue
        out.append(f"unnamed {word}")
    return out


# ---------------------------------------------------------------------------------------------
# The corridor


def _segment_demand(
    net: Network, plan: RoutePlan, table: Mapping[str, Mapping[str, float]], key: str
) -> tuple[np.ndarray, np.ndarray]:
    """Demand (sum of weights) and route traversals per network segment."""
    edges = plan.state_graph.risk.edges
    n_seg = len(net.seg_u)
    demand = np.zeros(n_seg)
    count = np.zeros(n_seg, dtype=np.int64)
    for dr in plan.routes:
        if dr.status != "ok" or dr.safest is None:
            continue
        kind = dr.destination.get("kind")
        w = table.get(str(kind), table["other"])[key]
        if w <= 0:
            continue
        for e in dr.safest.edges:
            s = net.seg_of_edge[edges[e]]
            demand[s] += w
            count[s] += 1
    return demand, count


def corridor_demand(
    G: nx.MultiDiGraph,
    plan: RoutePlan,
    window: TimeWindow | str | None,
    weights: WeightOverrides | None = None,
) -> gpd.GeoDataFrame:
    """Walking demand on the Safe Passage corridor.

    Every destination with a route adds its weight (:func:`kind_weight` of its kind in
    ``window``) to each segment its *safest* route walks, once per time the route walks it.
    Both directions of a street are one segment (same end nodes and the same line reversed), so
    demand from both directions adds up.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The prepared network the plan was routed on.
    plan : RoutePlan
        From :func:`safepassage.routing.safe_routes`.
    window : TimeWindow or str or None
        The time window the weights are for (a name such as "dismissal", or all day).
    weights : mapping, optional
        Overrides of :data:`DEFAULT_WEIGHTS` (see :func:`weight_table`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per corridor segment (demand > 0), in the network's projected CRS, sorted by
        segment id: ``segment_id``, ``u``, ``v``, ``keys`` (the directed edges ``(u, v, key)``
        of the segment), ``name`` (the street, or a description of an unnamed way such as
        "footpath near Pershing Square"), ``street`` (the street name or None), ``highway``,
        ``length_m``, ``demand`` (sum of weights), ``routes`` (number of route traversals),
        ``weight`` (``demand × length_m``), ``geometry``.
    """
    tw = window if isinstance(window, TimeWindow) else parse_window(window)
    net = network_of(G)
    demand, count = _segment_demand(net, plan, weight_table(weights), window_key(tw))
    segs = np.flatnonzero(demand > 0)
    dests = route_destinations(plan)
    names = [str(d.get("name")) for d in dests]
    xy = dest_xy(net, dests)
    unnamed = [s for s in segs if net.seg_street[s] is None]
    described = dict(zip(unnamed, _describe_unnamed(net, np.array(unnamed, dtype=np.int64),
                                                     xy, names), strict=True))
    frame = gpd.GeoDataFrame(
        {
            "segment_id": [net.seg_id[s] for s in segs],
            "u": [net.nodes[net.seg_u[s]] for s in segs],
            "v": [net.nodes[net.seg_v[s]] for s in segs],
            "keys": [list(net.seg_edges[s]) for s in segs],
            "name": [net.seg_street[s] or described[s] for s in segs],
            "street": [net.seg_street[s] for s in segs],
            "highway": [net.seg_highway[s] for s in segs],
            "length_m": net.seg_len[segs],
            "demand": demand[segs],
            "routes": count[segs],
            "weight": demand[segs] * net.seg_len[segs],
            "_seg": segs,
        },
        geometry=[net.seg_geom[s] for s in segs],
        crs=net.crs,
    )
    return frame.sort_values("segment_id", kind="stable").reset_index(drop=True)
