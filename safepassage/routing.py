"""Safe routes: batched, turn-aware shortest-path trees and the routes they give.

Routing runs on a *state graph*: one state per directed edge and sidewalk side (footways have
one), so crossing costs can be charged on turns (:mod:`safepassage.crossings`). A state's
distance is the cost of reaching the start of its edge on its side; an arc from state *a* to
state *b* costs *a*'s edge plus the crossing from *a* to *b*. Arcs carry two weights, length and
risk, and a search minimises ``length + λ · risk``.

For one origin, a handful of trees (one per λ in :data:`LAMBDAS`, λ = 0 being the plain
shortest route) give every destination its candidates at once; no search is run per pair.
For each destination the *safest* route is the candidate with the least risk whose length stays
within the detour cap of the shortest; the candidates that are not dominated in (length, risk)
are the *alternatives*. Every candidate's risk is evaluated the same way: the least-risk choice
of sidewalk sides along its edges (:meth:`StateGraph.path_risk`), so the shortest route's risk
is never overstated.

Trees are computed with :func:`scipy.sparse.csgraph.dijkstra`; ``backend="networkx"`` runs the
same searches with networkx, the reference the tests compare against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.ops import linemerge

from .crossings import CENTRE, LEFT, Arm, CrossingModel
from .safety import EdgeRisk

#: Weights of risk against length for the candidate trees; 1e-6 stands for λ = 0 with ties
#: broken towards less risk.
LAMBDAS: tuple[float, ...] = (1e-6, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0)

#: How many alternatives beyond the safest and the shortest are kept per destination.
MAX_ALTERNATIVES = 3


# ---------------------------------------------------------------------------------------------
# State graph


@dataclass
class StateGraph:
    """The turn-aware search graph of a network under an :class:`EdgeRisk`.

    Attributes
    ----------
    risk : EdgeRisk
    crossings : CrossingModel
    state_edge, state_side : numpy.ndarray
        Edge index (in ``risk.edges`` order) and side of every state.
    state_len, state_risk : numpy.ndarray
        Length and risk of walking the state's edge on its side.
    indptr, indices, arc_len, arc_risk : numpy.ndarray
        The arcs in CSR form: state -> next state, with length and risk weights.
    edge_states : list of list of int
        States of each edge.
    node_index : dict
        Network node -> position; ``head_states[pos]`` / ``tail_states[pos]`` are the states
        whose edge ends / starts there.
    """

    risk: EdgeRisk
    crossings: CrossingModel
    state_edge: np.ndarray
    state_side: np.ndarray
    state_len: np.ndarray
    state_risk: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    arc_len: np.ndarray
    arc_risk: np.ndarray
    edge_states: list[list[int]]
    node_index: dict[Any, int]
    head_states: list[np.ndarray]
    tail_states: list[np.ndarray]
    _matrices: dict[float, csr_matrix] = field(default_factory=dict, repr=False)
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_states(self) -> int:
        """Number of states."""
        return len(self.state_edge)

    def matrix(self, lam: float) -> csr_matrix:
        """The CSR matrix with arc weights ``length + lam × risk`` (cached per λ)."""
        if lam not in self._matrices:
            data = self.arc_len + lam * self.arc_risk
            # scipy treats explicit zeros as missing arcs; keep zero-cost arcs as tiny weights
            data = np.where(data > 0, data, 1e-9)
            self._matrices[lam] = csr_matrix(
                (data, self.indices, self.indptr), shape=(self.n_states, self.n_states)
            )
        return self._matrices[lam]

    def sources(self, origin_nodes: Iterable[Any]) -> np.ndarray:
        """States leaving any of the origin nodes."""
        parts = [self.tail_states[self.node_index[n]] for n in origin_nodes
                 if n in self.node_index]
        return np.unique(np.concatenate(parts)) if parts else np.array([], dtype=np.int64)

    def transition(self, a: int, b: int) -> tuple[float, list[Arm]]:
        """Crossing cost and arms crossed going from state ``a`` to state ``b``."""
        return self.crossings.transition(int(self.state_edge[a]), int(self.state_side[a]),
                                         int(self.state_edge[b]), int(self.state_side[b]))

    def states_risk(self, states: Sequence[int]) -> float:
        """Risk of walking a sequence of states: their edges' risk plus the crossings between.

        For a path taken from a tree this equals :meth:`path_risk` of its edges: sides do not
        change length, so a tree's choice of sides along its path is the least risky one.
        """
        s = np.asarray(states, dtype=np.int64)
        if len(s) == 0:
            return 0.0
        return float(self.state_risk[s].sum() + self.turn_costs(s).sum())

    def turn_costs(self, states: np.ndarray) -> np.ndarray:
        """Crossing cost of each turn along a sequence of states (one fewer than states)."""
        cm = self.crossings
        e, side = self.state_edge[states], self.state_side[states]
        c1 = cm.arrive_corners(e[:-1], side[:-1])
        c2 = cm.depart_corners(e[1:], side[1:])
        return cm.crossing_costs(cm.head_node[e[:-1]], c1, c2)

    def column(self, name: str) -> np.ndarray:
        """A column of the edge-risk table as a cached numpy array."""
        if name not in self._columns:
            self._columns[name] = self.risk.table[name].to_numpy()
        return self._columns[name]

    def path_risk(self, edges: Sequence[int]) -> tuple[float, list[int]]:
        """Least risk of walking a sequence of edges, choosing sidewalk sides; and the states.

        A small dynamic programme over the sides of each edge: the same risk the search
        minimises, evaluated for a fixed path.
        """
        if not edges:
            return 0.0, []
        prev_states = self.edge_states[edges[0]]
        best = {s: float(self.state_risk[s]) for s in prev_states}
        back: list[dict[int, int]] = []
        for e in edges[1:]:
            cur: dict[int, float] = {}
            arg: dict[int, int] = {}
            for b in self.edge_states[e]:
                options = [(best[a] + self.transition(a, b)[0], a) for a in best]
                cost, a = min(options)
                cur[b] = cost + float(self.state_risk[b])
                arg[b] = a
            back.append(arg)
            best = cur
        last = min(best, key=lambda s: (best[s], s))
        total = best[last]
        states = [last]
        for arg in reversed(back):
            states.append(arg[states[-1]])
        return total, states[::-1]


def build_state_graph(G: nx.MultiDiGraph, risk: EdgeRisk) -> StateGraph:
    """Build the turn-aware search graph (vectorised: seconds for a whole city).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network.
    risk : EdgeRisk
        From :func:`safepassage.safety.edge_risk`; edges it marks ``avoid`` get no states.

    Returns
    -------
    StateGraph
    """
    cm = CrossingModel(G, risk)
    table = risk.table
    length = table["length"].to_numpy(dtype=float)
    risk_r = table["risk_right"].to_numpy(dtype=float)
    risk_l = table["risk_left"].to_numpy(dtype=float)
    avoid = table["avoid"].to_numpy(dtype=bool)
    m = len(risk.edges)

    # states: two per road edge (right, left), one per footway; none on avoided edges
    n_sides = np.where(cm.road, 2, 1) * ~avoid
    se = np.repeat(np.arange(m, dtype=np.int64), n_sides)
    first = np.concatenate([[0], np.cumsum(n_sides)[:-1]])
    offset = np.arange(len(se)) - np.repeat(first, n_sides)
    ss = np.where(cm.road[se], offset, CENTRE).astype(np.int64)
    s_len = length[se]
    s_risk = np.where(ss == LEFT, risk_l[se], risk_r[se])
    edge_states = [list(range(f, f + c)) for f, c in zip(first.tolist(), n_sides.tolist(),
                                                          strict=True)]

    nn = len(cm.nodes_list)
    head = cm.head_node[se]
    tail = cm.tail_node[se]
    # every (arriving state, leaving state) pair at each node, without U-turns
    by_tail = np.argsort(tail, kind="stable")
    out_count = np.bincount(tail, minlength=nn)
    out_start = np.concatenate([[0], np.cumsum(out_count)[:-1]])
    reps = out_count[head]
    a = np.repeat(np.arange(len(se), dtype=np.int64), reps)
    within = np.arange(len(a)) - np.repeat(np.cumsum(reps) - reps, reps)
    b = by_tail[np.repeat(out_start[head], reps) + within]
    keep = cm.rev[se[a]] != se[b]
    a, b = a[keep], b[keep]
    c1 = cm.arrive_corners(se[a], ss[a])
    c2 = cm.depart_corners(se[b], ss[b])
    cross = cm.crossing_costs(head[a], c1, c2)
    order = np.lexsort((b, a))
    a, b, cross = a[order], b[order], cross[order]
    # int32 indices, as scipy's csgraph wants them (no copy per search)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=len(se)))]).astype(np.int32)

    heads_sorted = np.argsort(head, kind="stable")
    head_count = np.bincount(head, minlength=nn)
    tails_split = np.split(by_tail, np.cumsum(out_count)[:-1])
    heads_split = np.split(heads_sorted, np.cumsum(head_count)[:-1])
    return StateGraph(
        risk=risk, crossings=cm, state_edge=se, state_side=ss, state_len=s_len,
        state_risk=s_risk, indptr=indptr, indices=b.astype(np.int32),
        arc_len=s_len[a], arc_risk=s_risk[a] + cross,
        edge_states=edge_states, node_index=cm.node_pos,
        head_states=heads_split, tail_states=tails_split,
    )


# ---------------------------------------------------------------------------------------------
# Trees


@dataclass
class Tree:
    """One shortest-path tree over the state graph from a set of source states.

    Attributes
    ----------
    lam : float
        The risk weight it minimised.
    dist : numpy.ndarray
        Cost of reaching the start of each state's edge (inf if unreachable).
    pred : numpy.ndarray
        Predecessor state (-9999 at sources and unreached states).
    """

    lam: float
    dist: np.ndarray
    pred: np.ndarray


def shortest_path_tree(
    sg: StateGraph, sources: np.ndarray, lam: float, *, backend: str = "scipy",
    limit: float = np.inf,
) -> Tree:
    """One tree from ``sources`` minimising ``length + lam × risk``.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    sources : numpy.ndarray
        Source states (distance 0).
    lam : float
        Risk weight.
    backend : {"scipy", "networkx"}
        scipy's compiled Dijkstra, or networkx as the reference.
    limit : float
        Stop searching beyond this cost (scipy only).

    Returns
    -------
    Tree
    """
    n = sg.n_states
    if len(sources) == 0:
        return Tree(lam, np.full(n, np.inf), np.full(n, -9999, dtype=np.int64))
    if backend == "scipy":
        dist, pred, _ = dijkstra(sg.matrix(lam), directed=True, indices=sources,
                                 return_predecessors=True, min_only=True, limit=limit)
        return Tree(lam, dist, pred.astype(np.int64))
    if backend == "networkx":
        D = nx.DiGraph()
        D.add_nodes_from(range(n))
        M = sg.matrix(lam).tocoo()
        D.add_weighted_edges_from(zip(M.row.tolist(), M.col.tolist(), M.data.tolist(),
                                      strict=True))
        lengths, paths = nx.multi_source_dijkstra(D, {int(s) for s in sources})
        dist = np.full(n, np.inf)
        pred = np.full(n, -9999, dtype=np.int64)
        for s, d in lengths.items():
            dist[s] = d
            p = paths[s]
            if len(p) > 1:
                pred[s] = p[-2]
        return Tree(lam, dist, pred)
    raise ValueError(f"unknown backend {backend!r}: use 'scipy' or 'networkx'")


def trees_to_nodes(
    sg: StateGraph, origins: Sequence[Any], lam: float = 1.0, *, limit: float = np.inf,
) -> Iterator[tuple[Any, np.ndarray]]:
    """One tree per origin node, yielding each origin's cost to every network node.

    For many origins at once (every school of a division): one bounded multi-source search
    per origin over the shared state graph, so memory stays at one row of the state graph
    whatever the number of origins.

    Parameters
    ----------
    sg : StateGraph
        The search graph.
    origins : sequence
        Network nodes.
    lam : float
        Risk weight (1 = the profile's cost).
    limit : float
        Stop each search beyond this cost (a walking range).

    Yields
    ------
    tuple
        ``(origin, cost)`` where ``cost[i]`` is the least cost from the origin to node
        ``i`` of ``sg.crossings.nodes_list`` (inf when out of reach).
    """
    cm = sg.crossings
    matrix = sg.matrix(lam)
    head = cm.head_node[sg.state_edge]
    arrive = sg.state_len + lam * sg.state_risk
    n_nodes = len(cm.nodes_list)
    for origin in origins:
        src = sg.sources([origin])
        cost = np.full(n_nodes, np.inf)
        if len(src):
            dist = dijkstra(matrix, directed=True, indices=src, min_only=True, limit=limit)
            reached = np.isfinite(dist)
            np.minimum.at(cost, head[reached], dist[reached] + arrive[reached])
        cost[cm.node_pos[origin]] = 0.0
        yield origin, cost


def arrivals(sg: StateGraph, tree: Tree, node: Any) -> tuple[float, int]:
    """Best cost of arriving at a network node in a tree, and the last state (-1 if none)."""
    pos = sg.node_index.get(node)
    if pos is None:
        return math.inf, -1
    states = sg.head_states[pos]
    if len(states) == 0:
        return math.inf, -1
    total = tree.dist[states] + sg.state_len[states] + tree.lam * sg.state_risk[states]
    j = int(np.argmin(total))
    return float(total[j]), int(states[j])


def trace(tree: Tree, last: int) -> list[int]:
    """States from a source to ``last`` in a tree."""
    states = [last]
    while tree.pred[states[-1]] >= 0:
        states.append(int(tree.pred[states[-1]]))
        if len(states) > len(tree.pred):  # a cycle would be a bug; never loop for ever
            raise RuntimeError("predecessor cycle in shortest-path tree")
    return states[::-1]


# ---------------------------------------------------------------------------------------------
# Routes


@dataclass
class Route:
    """One walking route.

    Attributes
    ----------
    role : str
        "safest", "shortest" or "alternative".
    edges : list of int
        Edge indices in walking order (``sg.risk.edges`` gives ``(u, v, key)``).
    states : list of int
        The states (edge and side) of the least-risk way to walk it.
    length_m, risk : float
    metrics : dict
        Exposure figures (see :func:`route_metrics`).
    """

    role: str
    edges: list[int]
    states: list[int]
    length_m: float
    risk: float
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class DestinationRoutes:
    """Routes from the origin to one destination.

    Attributes
    ----------
    destination : dict
        The destination's row (``dest_id``, ``name``, ``kind``, ``node``, ...).
    status : str
        "ok", "unreachable" or "at origin".
    reason : str or None
        Why it is unreachable.
    safest, shortest : Route or None
    alternatives : list of Route
    """

    destination: dict[str, Any]
    status: str
    reason: str | None = None
    safest: Route | None = None
    shortest: Route | None = None
    alternatives: list[Route] = field(default_factory=list)

    def comparison(self) -> dict[str, Any]:
        """What the safe route buys: the metrics the issue asks for, per destination."""
        if self.safest is None or self.shortest is None:
            return {}
        s, sh = self.safest, self.shortest
        return {
            "length_m": round(s.length_m, 1),
            "walk_min": s.metrics["walk_min"],
            "shortest_length_m": round(sh.length_m, 1),
            "detour_pct": round(100.0 * (s.length_m / sh.length_m - 1.0), 1)
            if sh.length_m > 0 else 0.0,
            "risk": round(s.risk, 1),
            "shortest_risk": round(sh.risk, 1),
            "risk_reduction_pct": round(100.0 * (1.0 - s.risk / sh.risk), 1)
            if sh.risk > 0 else 0.0,
            **{k: s.metrics[k] for k in EXPOSURE_KEYS},
            **{f"shortest_{k}": sh.metrics[k] for k in EXPOSURE_KEYS},
        }


#: Exposure metrics of a route, in things a person understands.
EXPOSURE_KEYS = ("unsignalised_arterial_crossings", "arterial_crossings", "arterial_m",
                 "unlit_m", "risk_zone_m", "alley_m")


@dataclass
class RoutePlan:
    """Routes from one origin to every destination.

    Attributes
    ----------
    routes : list of DestinationRoutes
    origin_nodes : list
    max_detour_pct : float
    state_graph : StateGraph
    walk_speed : float
        Metres per minute.
    """

    routes: list[DestinationRoutes]
    origin_nodes: list[Any]
    max_detour_pct: float
    state_graph: StateGraph
    walk_speed: float

    @property
    def ok(self) -> list[DestinationRoutes]:
        """Destinations with routes."""
        return [r for r in self.routes if r.status == "ok"]

    @property
    def unreachable(self) -> list[DestinationRoutes]:
        """Destinations that could not be routed, with reasons."""
        return [r for r in self.routes if r.status == "unreachable"]


def route_metrics(sg: StateGraph, edges: Sequence[int], states: Sequence[int],
                  walk_speed: float) -> dict[str, Any]:
    """Exposure of a route: metres along arterials, unlit, in risk zones, alleys; crossings.

    ``risk_zone_m`` counts metres inside penalty polygons, and whole edges inside incident hot
    spots.
    """
    idx = np.asarray(edges, dtype=np.int64)
    length = sg.column("length")[idx]
    zone = np.where(sg.column("hot_spot")[idx], length, sg.column("zone_m")[idx])
    crossings = route_crossings(sg, states)
    arts = [a for _, arms in crossings for a in arms if a.arterial]
    breakdown = risk_by_factor(sg, states)
    return {
        "walk_min": round(float(length.sum()) / walk_speed, 1),
        "unsignalised_arterial_crossings": sum(1 for a in arts if a.control != "signal"),
        "arterial_crossings": len(arts),
        "street_crossings": sum(len(arms) for _, arms in crossings),
        "arterial_m": round(float(length[sg.column("is_arterial")[idx]].sum()), 1),
        "unlit_m": round(float(length[sg.column("unlit")[idx]].sum()), 1),
        "risk_zone_m": round(float(zone.sum()), 1),
        "alley_m": round(float(length[sg.column("alley")[idx]].sum()), 1),
        "risk_by_factor": breakdown,
    }


def risk_by_factor(sg: StateGraph, states: Sequence[int]) -> dict[str, float]:
    """Why a route costs what it does: its risk split by factor, plus its crossings.

    Each edge's risk is shared among its factors in proportion to their logarithms (as
    :func:`safepassage.safety.explain_row` does); ``crossings`` is the rest. The values add up to
    the route's risk.
    """
    from .safety import FACTORS

    s = np.asarray(states, dtype=np.int64)
    if len(s) == 0:
        return {**{f: 0.0 for f in FACTORS}, "crossings": 0.0}
    e = sg.state_edge[s]
    left = sg.state_side[s] == LEFT
    logs = {f: np.log(sg.column(f)[e]) for f in FACTORS if f != "sidewalk"}
    logs["sidewalk"] = np.log(np.where(left, sg.column("sidewalk_left")[e],
                                       sg.column("sidewalk_right")[e]))
    total_log = sum(logs.values())
    edge_risk = sg.state_risk[s]
    safe = np.where(total_log > 0, total_log, 1.0)
    out = {f: round(float((edge_risk * np.where(total_log > 0, lg / safe, 0.0)).sum()), 1)
           for f, lg in logs.items()}
    out["crossings"] = round(float(sg.turn_costs(s).sum()), 1)
    return out


def route_crossings(sg: StateGraph, states: Sequence[int]) -> list[tuple[int, list[Arm]]]:
    """Crossings along a route: (position in the route, arms crossed) at each turn."""
    if len(states) < 2:
        return []
    cm = sg.crossings
    s = np.asarray(states, dtype=np.int64)
    e, side = sg.state_edge[s], sg.state_side[s]
    c1 = cm.arrive_corners(e[:-1], side[:-1])
    c2 = cm.depart_corners(e[1:], side[1:])
    nodes = cm.head_node[e[:-1]]
    # only turns that move between corners of a node with two or more road arms cross anything
    out = []
    for i in np.flatnonzero((cm.arm_count[nodes] >= 2) & (c1 != c2)).tolist():
        na = cm.node_arms(cm.nodes_list[nodes[i]])
        _, arms = na.crossing(int(c1[i]), int(c2[i]))
        out.append((i + 1, [na.arms[a] for a in arms]))
    return out


def _candidate(sg: StateGraph, states: list[int]) -> Route:
    edges = [int(sg.state_edge[s]) for s in states]
    length = float(sg.state_len[states].sum()) if states else 0.0
    return Route("alternative", edges, states, length, sg.states_risk(states))


def safe_routes(
    G: nx.MultiDiGraph,
    risk: EdgeRisk,
    origin_nodes: Sequence[Any],
    destinations: pd.DataFrame,
    *,
    max_detour_pct: float | None = None,
    walk_speed: float | None = None,
    backend: str = "scipy",
    state_graph: StateGraph | None = None,
    alternatives: int = MAX_ALTERNATIVES,
) -> RoutePlan:
    """Safest and shortest routes (and alternatives) from an origin to every destination.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network.
    risk : EdgeRisk
        Edge risk under a profile and time window.
    origin_nodes : sequence
        Network nodes the walk may start from (the site point's node, or several entrances).
    destinations : pandas.DataFrame
        Snapped destinations (``dest_id``, ``name``, ``kind``, ``node``, ``usable``,
        ``problem``).
    max_detour_pct : float, optional
        Safest route at most this much longer than the shortest (default: the profile's).
    walk_speed : float, optional
        Metres per minute (default: the profile's).
    backend : {"scipy", "networkx"}
        Tree implementation.
    state_graph : StateGraph, optional
        Reuse a built search graph.
    alternatives : int
        How many extra non-dominated routes to keep per destination.

    Returns
    -------
    RoutePlan
    """
    profile = risk.profile
    cap = profile["walk"]["max_detour_pct"] if max_detour_pct is None else max_detour_pct
    speed = walk_speed or profile["walk"]["speed_m_per_min"]
    sg = state_graph or build_state_graph(G, risk)
    sources = sg.sources(origin_nodes)
    trees = [shortest_path_tree(sg, sources, lam, backend=backend) for lam in LAMBDAS]
    avoided = bool(risk.table["avoid"].any())
    origin_set = set(origin_nodes)
    out: list[DestinationRoutes] = []
    for _, row in destinations.iterrows():
        d = row.to_dict()
        if not bool(d.get("usable", True)):
            out.append(DestinationRoutes(d, "unreachable", str(d.get("problem"))))
            continue
        node = d["node"]
        if node in origin_set:
            out.append(DestinationRoutes(d, "at origin", "the destination is at the origin"))
            continue
        candidates: dict[tuple[int, ...], Route] = {}
        base: Route | None = None
        for tree in trees:
            total, last = arrivals(sg, tree, node)
            if not math.isfinite(total):
                continue
            states = trace(tree, last)
            key = tuple(int(sg.state_edge[s]) for s in states)
            if key not in candidates:
                candidates[key] = _candidate(sg, states)
            if base is None:
                base = candidates[key]
        if base is None:
            reason = ("no walkable path from the origin avoids the --avoid zones"
                      if avoided else "not connected to the origin on the walking network")
            out.append(DestinationRoutes(d, "unreachable", reason))
            continue
        shortest_len = min(r.length_m for r in candidates.values())
        shortest = min(candidates.values(), key=lambda r: (r.length_m, r.risk))
        within = [r for r in candidates.values()
                  if r.length_m <= shortest_len * (1.0 + cap / 100.0) + 1e-6]
        safest = min(within, key=lambda r: (r.risk, r.length_m))
        others = [r for r in candidates.values() if r is not safest and r is not shortest]
        pareto = [r for r in others if not any(
            (o.length_m <= r.length_m and o.risk <= r.risk)
            and (o.length_m < r.length_m or o.risk < r.risk)
            for o in candidates.values())]
        pareto.sort(key=lambda r: r.length_m)
        out.append(DestinationRoutes(
            d, "ok", None,
            safest=_finish(sg, safest, "safest", speed),
            shortest=_finish(sg, shortest, "shortest", speed),
            alternatives=[_finish(sg, r, "alternative", speed) for r in pareto[:alternatives]],
        ))
    return RoutePlan(out, list(origin_nodes), cap, sg, speed)


def _finish(sg: StateGraph, route: Route, role: str, walk_speed: float) -> Route:
    # exposure metrics are worked out only for the routes that are kept
    metrics = route_metrics(sg, route.edges, route.states, walk_speed)
    return Route(role, route.edges, route.states, route.length_m, route.risk, metrics)


# ---------------------------------------------------------------------------------------------
# Geometry, legs for directions, tables


def route_geometry(G: nx.MultiDiGraph, sg: StateGraph, edges: Sequence[int]) -> LineString:
    """The route as one projected line."""
    lines = [G.edges[sg.risk.edges[e]]["geometry"] for e in edges]
    if not lines:
        return LineString()
    coords: list[tuple[float, float]] = []
    for line in lines:
        c = list(line.coords)
        coords.extend(c if not coords else c[1:])
    merged = LineString(coords)
    return merged if merged.is_valid else linemerge(lines)


def edge_bearings(line: LineString) -> tuple[float, float]:
    """Compass bearings at the start and at the end of a projected line."""
    c = list(line.coords)
    (x0, y0), (x1, y1) = c[0], c[1]
    (xa, ya), (xb, yb) = c[-2], c[-1]
    start = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
    end = math.degrees(math.atan2(xb - xa, yb - ya)) % 360.0
    return start, end
