"""Safe routes: batched, turn-aware shortest-path trees and the routes they give.

Routing runs on a *state graph* (:mod:`~safepassage.routing.stategraph`): one state per directed
edge and sidewalk side (footways have one), so crossing costs can be charged on turns
(:mod:`safepassage.crossings`). Arcs carry two weights, length and risk, and a search minimises
``length + λ · risk``. The graph is built with numpy, once per network and per (profile, time
window, risk), and cached.

For one origin, the trees for a handful of λ run back to back on cached CSR matrices
(:mod:`~safepassage.routing.trees`) and give every destination its candidates at once; every
tree bounds the risk of any route within the detour cap (:mod:`~safepassage.routing.exact`).
Where a gap is left, a compiled label-setting search pruned by those trees
(:mod:`~safepassage.routing.labels`, :mod:`~safepassage.routing.kernels`) finds the least
risky route within the cap, so each safe route carries how far it may be from the least risky
one (``risk_gap_pct``, 0 when proven); LARAC rounds narrow the gaps a search leaves when it
runs out of labels (:mod:`~safepassage.routing.routes`).

Trees are computed with :func:`scipy.sparse.csgraph.dijkstra`; ``backend="networkx"`` runs the
same searches with networkx, the reference the tests compare against.
"""

from __future__ import annotations

from .exact import exact_safest, lagrangian_bound, next_lambda
from .labels import LabelSearch, search_safest
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
    metrics_flat,
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
    "DestinationRoutes", "LabelSearch", "Route", "RouteOptions", "RoutePlan", "StateGraph",
    "StateTopology",
    "Tree", "TreeBatch",
    "arrivals", "arrive", "batched_trees", "build_state_graph", "clear_caches", "edge_bearings",
    "exact_safest", "lagrangian_bound", "metrics_flat", "metrics_many", "next_lambda",
    "risk_by_factor", "route_crossings", "route_geometry", "route_metrics", "safe_routes",
    "search_safest", "shortest_path_tree", "state_graph", "trace", "trace_all", "trees_to_nodes",
]
