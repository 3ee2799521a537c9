"""Safe routes: batched, turn-aware shortest-path trees and the routes they give.

Routing runs on a *state graph* (:mod:`~safepassage.routing.stategraph`): one state per directed
edge and sidewalk side (footways have one), so crossing costs can be charged on turns
(:mod:`safepassage.crossings`). Arcs carry two weights, length and risk, and a search minimises
``length + λ · risk``. The graph is built with numpy, once per network and per (profile, time
window, risk), and cached.

For one origin, the trees for a handful of λ run back to back on cached CSR matrices
(:mod:`~safepassage.routing.trees`) and give every destination its candidates at once; the
*safest* route is the least risky candidate within the detour cap of the shortest, and every
tree bounds the risk of any route within the cap, so each safe route carries how far it may be
from the least risky one (``risk_gap_pct``); LARAC rounds close larger gaps
(:mod:`~safepassage.routing.routes`, :mod:`~safepassage.routing.exact`).

Trees are computed with :func:`scipy.sparse.csgraph.dijkstra`; ``backend="networkx"`` runs the
same searches with networkx, the reference the tests compare against.
"""

from __future__ import annotations

from .exact import exact_safest, lagrangian_bound, next_lambda
from .routes import (
    EXPOSURE_KEYS,
    GAP_TOL_PCT,
    LAMBDAS,
    MAX_ALTERNATIVES,
    MAX_ROUNDS,
    DestinationRoutes,
    Route,
    RouteOptions,
    RoutePlan,
    edge_bearings,
    metrics_many,
    risk_by_factor,
    route_crossings,
    route_geometry,
    route_metrics,
    safe_routes,
)
from .stategraph import StateGraph, StateTopology, build_state_graph, clear_caches, state_graph
from .trees import (
    Tree,
    TreeBatch,
    arrivals,
    arrive,
    batched_trees,
    shortest_path_tree,
    trace,
    trace_all,
    trees_to_nodes,
)

__all__ = [
    "EXPOSURE_KEYS", "GAP_TOL_PCT", "LAMBDAS", "MAX_ALTERNATIVES", "MAX_ROUNDS",
    "DestinationRoutes", "Route", "RouteOptions", "RoutePlan", "StateGraph", "StateTopology",
    "Tree", "TreeBatch",
    "arrivals", "arrive", "batched_trees", "build_state_graph", "clear_caches", "edge_bearings",
    "exact_safest", "lagrangian_bound", "metrics_many", "next_lambda", "risk_by_factor",
    "route_crossings", "route_geometry", "route_metrics", "safe_routes", "shortest_path_tree",
    "state_graph", "trace", "trace_all", "trees_to_nodes",
]
