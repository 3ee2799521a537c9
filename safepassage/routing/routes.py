"""Safest and shortest routes from one origin to every destination, with their exposure.

For one origin, a handful of trees (one per λ in :data:`LAMBDAS`, λ = 0 being the plain
shortest route) give every destination its candidates at once; no search is
run per pair. For each destination the *safest* route is the candidate with the least risk
whose length stays within the detour cap of the shortest. Every tree also bounds, for every
destination, the risk any route within the cap can have (:mod:`safepassage.routing.exact`);
where the chosen route's risk is more than :data:`GAP_TOL_PCT` above that bound, further trees
at the λ that LARAC picks for that destination (one batch of trees per round)
find better routes or raise the bound, for up to :data:`MAX_ROUNDS` rounds. Each safe route
carries the bound and the remaining gap (``risk_bound``, ``risk_gap_pct``).

The candidates that are not dominated in (length, risk) are the *alternatives*.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString
from shapely.ops import linemerge

from ..crossings import LEFT, Arm
from ..safety import EdgeRisk
from .exact import exact_safest, lagrangian_bound, next_lambda
from .stategraph import StateGraph, state_graph
from .trees import Traces, arrive, batched_trees, trace_all

#: Weights of risk against length for the candidate trees; 1e-6 stands for λ = 0 with ties
#: broken towards less risk.
LAMBDAS: tuple[float, ...] = (1e-6, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0)

#: How many alternatives beyond the safest and the shortest are kept per destination.
MAX_ALTERNATIVES = 3

#: Search on (LARAC rounds) while a safe route's risk is more than this % above its bound.
GAP_TOL_PCT = 1.0

#: At most this many LARAC rounds (each one batched call for every open destination).
MAX_ROUNDS = 4

#: Destinations asking for risk weights within this ratio of each other share one tree.
LAMBDA_SHARE = 1.1

#: With ``exact=None``, gaps left after the LARAC rounds are closed by label setting on state
#: graphs up to this size ...
EXACT_MAX_STATES = 10_000

#: ... giving up on a destination (its gap stays reported) after this many labels.
EXACT_MAX_LABELS = 50_000

#: Exposure metrics of a route, in things a person understands.
EXPOSURE_KEYS = ("unsignalised_arterial_crossings", "arterial_crossings", "arterial_m",
                 "unlit_m", "risk_zone_m", "alley_m")


@dataclass(frozen=True)
class RouteOptions:
    """How hard :func:`safe_routes` searches.

    Attributes
    ----------
    backend : {"scipy", "networkx"}
        Tree implementation (networkx is the reference, for tests).
    alternatives : int
        How many extra non-dominated routes to keep per destination.
    max_rounds : int
        LARAC rounds at most (0: the first batch of trees only; gaps are still reported).
    exact : bool, optional
        Close the gaps still above :data:`GAP_TOL_PCT` after the rounds by label setting
        (:func:`~safepassage.routing.exact.exact_safest`, at most :data:`EXACT_MAX_LABELS`
        labels per destination). Default (None): on state graphs of at most
        :data:`EXACT_MAX_STATES` states.
    """

    backend: str = "scipy"
    alternatives: int = MAX_ALTERNATIVES
    max_rounds: int = MAX_ROUNDS
    exact: bool | None = None


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
    risk_bound : float or None
        Safest routes: no route within the detour cap has less risk than this.
    risk_gap_pct : float or None
        Safest routes: how far (%) its risk may be above the least risky route within the cap,
        ``100 × (risk − risk_bound) / risk``; 0 means proven optimal.
    """

    role: str
    edges: list[int]
    states: list[int]
    length_m: float
    risk: float
    metrics: dict[str, Any] = field(default_factory=dict)
    risk_bound: float | None = None
    risk_gap_pct: float | None = None


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
            "risk_bound": None if s.risk_bound is None else round(s.risk_bound, 1),
            "risk_gap_pct": None if s.risk_gap_pct is None else round(s.risk_gap_pct, 2),
            **{k: s.metrics[k] for k in EXPOSURE_KEYS},
            **{f"shortest_{k}": sh.metrics[k] for k in EXPOSURE_KEYS},
        }


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
    trees : int
        Shortest-path trees run (the first batch and the LARAC rounds).
    timing : dict
        Seconds spent in each phase: state graph, trees, LARAC rounds, exact, routes and
        metrics.
    """

    routes: list[DestinationRoutes]
    origin_nodes: list[Any]
    max_detour_pct: float
    state_graph: StateGraph
    walk_speed: float
    trees: int = 0
    timing: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> list[DestinationRoutes]:
        """Destinations with routes."""
        return [r for r in self.routes if r.status == "ok"]

    @property
    def unreachable(self) -> list[DestinationRoutes]:
        """Destinations that could not be routed, with reasons."""
        return [r for r in self.routes if r.status == "unreachable"]


# ---------------------------------------------------------------------------------------------
# Metrics


def route_metrics(sg: StateGraph, edges: Sequence[int], states: Sequence[int],
                  walk_speed: float) -> dict[str, Any]:
    """Exposure of a route: metres along arterials, unlit, in risk zones, alleys; crossings.

    ``risk_zone_m`` counts metres inside penalty polygons, and whole edges inside incident hot
    spots.
    """
    return metrics_many(sg, [list(states)], walk_speed)[0]


def metrics_many(sg: StateGraph, routes: Sequence[Sequence[int]], walk_speed: float
                 ) -> list[dict[str, Any]]:
    """:func:`route_metrics` of many routes (given by their states) at once, vectorised."""
    from ..safety import FACTORS

    n = len(routes)
    if n == 0:
        return []
    sizes = np.array([len(r) for r in routes], dtype=np.int64)
    s = np.concatenate([np.asarray(r, dtype=np.int64) for r in routes]) if sizes.sum() else \
        np.zeros(0, dtype=np.int64)
    rid = np.repeat(np.arange(n), sizes)
    e = sg.state_edge[s]

    def per_route(values: np.ndarray, ids: np.ndarray = rid) -> np.ndarray:
        return np.bincount(ids, weights=values, minlength=n)

    length = sg.column("length")[e]
    zone = np.where(sg.column("hot_spot")[e], length, sg.column("zone_m")[e])
    same = rid[:-1] == rid[1:]
    turn_rid = rid[:-1][same]
    cm = sg.crossings
    e1, e2 = e[:-1][same], e[1:][same]
    side = sg.state_side[s]
    c1 = cm.arrive_corners(e1, side[:-1][same])
    c2 = cm.depart_corners(e2, side[1:][same])
    node = cm.head_node[e1]
    counts = cm.crossing_counts(node, c1, c2)
    cross_cost = cm.crossing_costs(node, c1, c2)
    # risk by factor: each state's risk shared among its factors by their logarithms
    left = side == LEFT
    logs = {f: np.log(sg.column(f)[e]) for f in FACTORS if f != "sidewalk"}
    logs["sidewalk"] = np.log(np.where(left, sg.column("sidewalk_left")[e],
                                       sg.column("sidewalk_right")[e]))
    total_log = sum(logs.values())
    safe = np.where(total_log > 0, total_log, 1.0)
    edge_risk = sg.state_risk[s]
    columns = {
        "length": per_route(length),
        "arterial_m": per_route(np.where(sg.column("is_arterial")[e], length, 0.0)),
        "unlit_m": per_route(np.where(sg.column("unlit")[e], length, 0.0)),
        "risk_zone_m": per_route(zone),
        "alley_m": per_route(np.where(sg.column("alley")[e], length, 0.0)),
        "unsig": per_route(counts["unsignalised"], turn_rid),
        "art": per_route(counts["arterial"], turn_rid),
        "all": per_route(counts["all"], turn_rid),
        "crossings": per_route(cross_cost, turn_rid),
        **{f"f_{f}": per_route(edge_risk * np.where(total_log > 0, lg / safe, 0.0))
           for f, lg in logs.items()},
    }
    cols = {k: v.tolist() for k, v in columns.items()}
    out = []
    for i in range(n):
        out.append({
            "walk_min": round(cols["length"][i] / walk_speed, 1),
            "unsignalised_arterial_crossings": int(cols["unsig"][i]),
            "arterial_crossings": int(cols["art"][i]),
            "street_crossings": int(cols["all"][i]),
            "arterial_m": round(cols["arterial_m"][i], 1),
            "unlit_m": round(cols["unlit_m"][i], 1),
            "risk_zone_m": round(cols["risk_zone_m"][i], 1),
            "alley_m": round(cols["alley_m"][i], 1),
            "risk_by_factor": {**{f: round(cols[f"f_{f}"][i], 1) for f in logs},
                               "crossings": round(cols["crossings"][i], 1)},
        })
    return out


def risk_by_factor(sg: StateGraph, states: Sequence[int]) -> dict[str, float]:
    """Why a route costs what it does: its risk split by factor, plus its crossings.

    Each edge's risk is shared among its factors in proportion to their logarithms (as
    :func:`safepassage.safety.explain_row` does); ``crossings`` is the rest. The values add up to
    the route's risk.
    """
    parts: dict[str, float] = metrics_many(sg, [list(states)], 1.0)[0]["risk_by_factor"]
    return parts


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


# ---------------------------------------------------------------------------------------------
# Choosing routes


@dataclass
class _Found:
    """Candidate routes to the routable destinations, one row each (internal).

    ``length``, ``risk`` are ``(destinations, candidates)`` (inf where a row has fewer);
    ``trace``, ``pair`` say where each candidate's states are: ``traces[trace].states(pair)``.
    """

    length: np.ndarray
    risk: np.ndarray
    trace: np.ndarray
    pair: np.ndarray
    traces: list[Traces]
    max_len: np.ndarray
    bound: np.ndarray
    bound_lam: np.ndarray

    def add(self, rows: np.ndarray, length: np.ndarray, risk: np.ndarray, trace: int,
            pairs: np.ndarray) -> None:
        """Add one candidate to each of ``rows`` (a new column)."""
        d = len(self.max_len)
        for name, vals, fill in (("length", length, np.inf), ("risk", risk, np.inf),
                                 ("trace", trace, -1), ("pair", pairs, -1)):
            new = np.full((d, 1), fill, dtype=getattr(self, name).dtype)
            new[rows, 0] = vals
            setattr(self, name, np.hstack([getattr(self, name), new]))

    def best(self) -> np.ndarray:
        """Per row, the least risky candidate within the cap (ties: the shorter)."""
        key = np.where(self.length <= self.max_len[:, None] + 1e-6, self.risk, np.inf)
        low = key.min(axis=1, keepdims=True)
        tie = key <= low + 1e-12 * (1.0 + np.abs(low))
        return np.argmin(np.where(tie, self.length, np.inf), axis=1)

    def gaps(self) -> np.ndarray:
        """Per row, the gap (%) between the best candidate's risk and the bound."""
        r = self.risk[np.arange(len(self.max_len)), self.best()]
        with np.errstate(invalid="ignore", divide="ignore"):
            g = 100.0 * (r - self.bound) / r
        return np.where(r > 1e-9, np.clip(np.nan_to_num(g), 0.0, 100.0), 0.0)

    def states(self, d: int, i: int) -> list[int]:
        """The states of candidate ``i`` of row ``d``."""
        return self.traces[int(self.trace[d, i])].states(int(self.pair[d, i]))


def _first_batch(sg: StateGraph, sources: np.ndarray, ends: np.ndarray, cap: float,
                 backend: str) -> tuple[_Found, np.ndarray]:
    """Candidates from the trees of :data:`LAMBDAS` (one batch) and their bounds."""
    batch = batched_trees(sg, sources, LAMBDAS, backend=backend)
    cost, last = arrive(sg, batch, ends)
    tr = trace_all(sg, batch.pred, last)
    k, d = last.shape
    reached = np.isfinite(cost[0])
    L = np.where(reached[None], tr.length.reshape(k, d), np.inf).T
    R = np.where(reached[None], tr.risk.reshape(k, d), np.inf).T
    max_len = L.min(axis=1) * (1.0 + cap / 100.0)
    bound = lagrangian_bound(cost, batch.lams, max_len)
    with np.errstate(invalid="ignore"):
        each = np.where(np.isfinite(cost), (cost - max_len[None, :]) / batch.lams[:, None],
                        -np.inf)
    bound_lam = batch.lams[np.argmax(each, axis=0)] if k else np.zeros(d)
    pair = (np.arange(k)[None, :] * d + np.arange(d)[:, None]).astype(np.int64)
    return _Found(L, R, np.zeros((d, k), dtype=np.int64), pair, [tr], max_len, bound,
                  bound_lam), reached


def _clusters(lams: np.ndarray, ratio: float = LAMBDA_SHARE) -> np.ndarray:
    """Group λ values within ``ratio`` of each other; returns each one's group."""
    order = np.argsort(lams)
    group = np.zeros(len(lams), dtype=np.int64)
    g, start = 0, None
    for i in order.tolist():
        if start is not None and lams[i] > start * ratio:
            g += 1
            start = None
        if start is None:
            start = lams[i]
        group[i] = g
    return group


def _refine(sg: StateGraph, sources: np.ndarray, ends: np.ndarray, found: _Found,
            open_: np.ndarray, backend: str) -> tuple[np.ndarray, int]:
    """One LARAC round for the rows still open; returns those still open, and trees run.

    Each open row asks for a tree at its :func:`next_lambda`; rows asking for nearly the same λ
    (within :data:`LAMBDA_SHARE`) share one, and every tree is bounded by the cost of the best
    route its rows know at its λ; all trees run as one batch. A row whose tree finds nothing
    cheaper than what it knew has its Lagrangian bound at that λ settled: it closes.
    """
    asked = np.array([next_lambda(found.length[d], found.risk[d], float(found.max_len[d]))[0]
                      for d in open_.tolist()])
    group = _clusters(asked)
    n = int(group.max()) + 1
    lams = np.exp(np.array([np.log(asked[group == g]).mean() for g in range(n)]))
    lam = lams[group]
    best = np.min(found.length[open_] + lam[:, None] * found.risk[open_], axis=1)
    limits = np.zeros(n)
    np.maximum.at(limits, group, best)
    batch = batched_trees(sg, sources, lams, limits=limits * (1.0 + 1e-9) + 1e-9,
                          backend=backend)
    cost, last = arrive(sg, batch, ends[open_], group)
    tr = trace_all(sg, batch.pred[group], last)
    found.traces.append(tr)
    cost = np.minimum(cost, best)  # the known route bounds the tree's cost too
    new = (cost - found.max_len[open_]) / lam
    raised = new > found.bound[open_]
    found.bound_lam[open_[raised]] = lam[raised]
    found.bound[open_] = np.maximum(found.bound[open_], new)
    better = (cost < best - 1e-9 * np.maximum(1.0, best)) & (last >= 0)
    found.add(open_[better], tr.length[better], tr.risk[better], len(found.traces) - 1,
              np.flatnonzero(better))
    still = open_[better]
    return still[found.gaps()[still] > GAP_TOL_PCT], n


def _close_exactly(sg: StateGraph, origin_nodes: Sequence[Any], nodes: list[Any],
                   found: _Found, rows: np.ndarray) -> None:
    """Solve the rows still above the tolerance exactly (label setting), within a budget."""
    best = found.best()
    for d in rows.tolist():
        known = float(found.risk[d, best[d]])
        got = exact_safest(sg, origin_nodes, nodes[d], float(found.max_len[d]), upper=known,
                           lam=float(found.bound_lam[d]), max_labels=EXACT_MAX_LABELS)
        if got is None:
            continue
        risk, length, states = got
        found.bound[d] = max(found.bound[d], min(risk, known))
        if risk < known - 1e-9 * max(1.0, known):
            tr = Traces(np.array([length]), np.array([risk]),
                        [np.array([s]) for s in reversed(states)])
            found.traces.append(tr)
            found.add(np.array([d]), np.array([length]), np.array([risk]),
                      len(found.traces) - 1, np.array([0]))


def _picks(found: _Found, rows: np.ndarray, n_alt: int) -> list[tuple[int, str, int]]:
    """(row, role, candidate) of every route kept: safest, shortest, alternatives.

    Alternatives are up to ``n_alt`` distinct candidates not dominated in (length, risk), by
    length, other than the safest and the shortest.
    """
    L, R = found.length, found.risk
    low = L.min(axis=1, keepdims=True)
    short = np.argmin(np.where(low + 1e-9 * np.maximum(1.0, low) >= L, R, np.inf), axis=1)
    safe = found.best()
    Lj, Li, Rj, Ri = L[:, None, :], L[:, :, None], R[:, None, :], R[:, :, None]
    dominated = ((Lj <= Li) & (Rj <= Ri) & ((Lj < Li) | (Rj < Ri))).any(axis=2)
    keep = np.isfinite(L) & ~dominated
    order = np.argsort(np.where(keep, L, np.inf), axis=1, kind="stable").tolist()
    kl, kr = np.round(L, 6).tolist(), np.round(R, 6).tolist()
    ok = keep.tolist()
    out = []
    for d in rows.tolist():
        s, sh = int(safe[d]), int(short[d])
        out += [(d, "safest", s), (d, "shortest", sh)]
        seen = {(kl[d][s], kr[d][s]), (kl[d][sh], kr[d][sh])}
        alts = 0
        for i in order[d]:
            if alts >= n_alt or not ok[d][i]:
                break
            if (kl[d][i], kr[d][i]) not in seen:
                seen.add((kl[d][i], kr[d][i]))
                out.append((d, "alternative", i))
                alts += 1
    return out


def safe_routes(
    G: nx.MultiDiGraph,
    risk: EdgeRisk,
    origin_nodes: Sequence[Any],
    destinations: pd.DataFrame,
    *,
    max_detour_pct: float | None = None,
    walk_speed: float | None = None,
    state_graph: StateGraph | None = None,
    options: RouteOptions | None = None,
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
    state_graph : StateGraph, optional
        Reuse a built search graph (default: the cached one for this network and risk).
    options : RouteOptions, optional
        Backend, alternatives kept, LARAC rounds, exact closing.

    Returns
    -------
    RoutePlan
    """
    opt = options or RouteOptions()
    clock = _Clock()
    profile = risk.profile
    cap = profile["walk"]["max_detour_pct"] if max_detour_pct is None else max_detour_pct
    speed = walk_speed or profile["walk"]["speed_m_per_min"]
    sg = state_graph or _cached_state_graph(G, risk)
    sources = sg.sources(origin_nodes)
    clock("state graph")
    rows = destinations.to_dict("records") if len(destinations) else []
    out, todo = _triage(rows, set(origin_nodes))
    ends = sg.node_states([rows[i]["node"] for i in todo])
    found, reached = _first_batch(sg, sources, ends, cap, opt.backend)
    trees = len(LAMBDAS)
    routed = np.flatnonzero(reached)
    clock("trees")
    open_ = routed[found.gaps()[routed] > GAP_TOL_PCT]
    for _ in range(opt.max_rounds):
        if len(open_) == 0:
            break
        open_, n = _refine(sg, sources, ends, found, open_, opt.backend)
        trees += n
    clock("LARAC rounds")
    if opt.exact or (opt.exact is None and sg.n_states <= EXACT_MAX_STATES):
        _close_exactly(sg, list(origin_nodes), [rows[i]["node"] for i in todo], found,
                       routed[found.gaps()[routed] > GAP_TOL_PCT])
    clock("exact")
    made = _routes(sg, found, routed, opt.alternatives, speed)
    avoided = bool(risk.table["avoid"].any())
    for j, i in enumerate(todo):
        if j in made:
            safest, shortest, *alts = made[j]
            out[i] = DestinationRoutes(rows[i], "ok", None, safest, shortest, alts)
        else:
            reason = ("no walkable path from the origin avoids the --avoid zones"
                      if avoided else "not connected to the origin on the walking network")
            out[i] = DestinationRoutes(rows[i], "unreachable", reason)
    clock("routes and metrics")
    return RoutePlan([r for r in out if r is not None], list(origin_nodes), cap, sg, speed,
                     trees, clock.times)


class _Clock:
    """Seconds spent in each phase, in order (internal)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.times[phase] = self.times.get(phase, 0.0) + now - self._last
        self._last = now


def _triage(rows: list[dict[str, Any]], origins: set[Any]
            ) -> tuple[list[DestinationRoutes | None], list[int]]:
    """Destinations that cannot be routed (unusable, at the origin), and the rest to route."""
    out: list[DestinationRoutes | None] = [None] * len(rows)
    todo: list[int] = []
    for i, d in enumerate(rows):
        if not bool(d.get("usable", True)):
            out[i] = DestinationRoutes(d, "unreachable", str(d.get("problem")))
        elif d["node"] in origins:
            out[i] = DestinationRoutes(d, "at origin", "the destination is at the origin")
        else:
            todo.append(i)
    return out, todo


def _routes(sg: StateGraph, found: _Found, routed: np.ndarray, n_alt: int, speed: float
            ) -> dict[int, list[Route]]:
    """Route objects (safest, shortest, alternatives) per routed row, with their metrics."""
    flat = _picks(found, routed, n_alt)
    states = [found.states(j, c) for j, _, c in flat]
    metrics = metrics_many(sg, states, speed)
    gaps = found.gaps()
    made: dict[int, list[Route]] = {j: [] for j in routed.tolist()}
    for (j, role, c), st, met in zip(flat, states, metrics, strict=True):
        r = Route(role, sg.state_edge[st].tolist(), st, float(found.length[j, c]),
                  float(found.risk[j, c]), met)
        if role == "safest":
            r.risk_bound = float(min(found.bound[j], r.risk))
            r.risk_gap_pct = float(gaps[j])
        made[j].append(r)
    return made


def _cached_state_graph(G: nx.MultiDiGraph, risk: EdgeRisk) -> StateGraph:
    return state_graph(G, risk)


# ---------------------------------------------------------------------------------------------
# Geometry


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
