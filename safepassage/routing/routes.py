"""Safest and shortest routes from one origin to every destination, with their exposure.

For one origin, a handful of trees (one per λ in :data:`LAMBDAS`, λ = 0 being the plain
shortest route) give every destination its candidates at once; no search is
run per pair. For each destination the *safest* route is the candidate with the least risk
whose length stays within the detour cap of the shortest. Every tree also bounds, for every
destination, the risk any route within the cap can have (:mod:`safepassage.routing.exact`).
Where the chosen route's risk is above that bound, a compiled label-setting search
(:mod:`safepassage.routing.labels`, pruned by the same trees) finds the least risky route
within the cap, or proves the best one known is; should a destination's search run out of
labels, LARAC rounds (further trees at the λ the destination asks for, one batch per round)
raise its bound while it stays more than :data:`GAP_TOL_PCT` above the route, for up to
:data:`MAX_ROUNDS` rounds. Each safe route carries the bound and the remaining gap
(``risk_bound``, ``risk_gap_pct``).

The candidates that are not dominated in (length, risk) are the *alternatives*.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString
from shapely.ops import linemerge

from ..crossings import LEFT, Arm
from ..safety import FACTORS, EdgeRisk
from .exact import lagrangian_bound, next_lambda
from .labels import MAX_LABELS, search_safest
from .stategraph import StateGraph, state_graph
from .trees import Traces, TreeBatch, arrive, batched_trees, trace_all

#: Weights of risk against length for the candidate trees; 1e-6 stands for λ = 0 with ties
#: broken towards less risk. Five trees: with the exact search closing every gap, more trees
#: cost more than the pruning they add (nine trees: 1.5x the time on Helsinki, same routes).
LAMBDAS: tuple[float, ...] = (1e-6, 0.5, 2.0, 8.0, 64.0)

#: How many alternatives beyond the safest and the shortest are kept per destination.
MAX_ALTERNATIVES = 3

#: LARAC rounds run while a safe route's risk is more than this % above its bound (after the
#: exact search, only where its label budget ran out; on every destination without it).
GAP_TOL_PCT = 1.0

#: At most this many LARAC rounds (each one batched call for every open destination).
MAX_ROUNDS = 4

#: Destinations asking for risk weights within this ratio of each other share one tree.
LAMBDA_SHARE = 1.1

#: The exact search gives up on a destination (its gap stays reported) after this many labels.
EXACT_MAX_LABELS = MAX_LABELS

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
    exact : bool
        Search for the least risky route within the cap by label setting wherever the trees
        leave a gap (:func:`~safepassage.routing.labels.search_safest`); off, the gaps are
        Lagrangian bounds narrowed by LARAC rounds only.
    gap_tol_pct : float
        The exact search stops once a route is proven within this % of the least risky one
        (0: proven optimal).
    max_labels : int
        Labels per destination the exact search may create before it gives up (the gap it
        reached is reported).
    max_rounds : int
        LARAC rounds at most, for the destinations still more than :data:`GAP_TOL_PCT` above
        their bound (0: none; gaps are still reported).
    """

    backend: str = "scipy"
    alternatives: int = MAX_ALTERNATIVES
    exact: bool = True
    gap_tol_pct: float = 0.0
    max_labels: int = EXACT_MAX_LABELS
    max_rounds: int = MAX_ROUNDS


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
        CPU seconds (of this process) spent in each phase: state graph, trees, exact, LARAC
        rounds, routes and metrics; CPU time, as other jobs on a shared machine stretch wall
        time.
    labels : int
        Labels the exact search created, over all destinations.
    """

    routes: list[DestinationRoutes]
    origin_nodes: list[Hashable]
    max_detour_pct: float
    state_graph: StateGraph
    walk_speed: float
    trees: int = 0
    timing: dict[str, float] = field(default_factory=dict)
    labels: int = 0

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
    sizes = np.array([len(r) for r in routes], dtype=np.int64)
    s = np.concatenate([np.asarray(r, dtype=np.int64) for r in routes]) if sizes.sum() else \
        np.zeros(0, dtype=np.int64)
    return metrics_flat(sg, s, sizes, walk_speed)


#: Factors of the risk breakdown, in the order it lists them (``crossings`` comes last).
_BREAKDOWN = (*(f for f in FACTORS if f != "sidewalk"), "sidewalk")


def _state_table(sg: StateGraph) -> np.ndarray:
    """Per state: the metres a route counts on it and its risk split by factor (cached).

    Columns: length, arterial, unlit, risk-zone and alley metres, then the risk of each factor
    of :data:`_BREAKDOWN` (each state's risk shared among its factors in proportion to their
    logarithms).
    """
    if "_state_table" not in sg._columns:
        e, left = sg.state_edge, sg.state_side == LEFT
        length = sg.column("length")[e]
        logs = [np.log(sg.column(f)[e]) for f in _BREAKDOWN[:-1]]
        logs.append(np.log(np.where(left, sg.column("sidewalk_left")[e],
                                    sg.column("sidewalk_right")[e])))
        total = np.sum(logs, axis=0)
        share = np.where(total > 0, sg.state_risk / np.where(total > 0, total, 1.0), 0.0)
        sg._columns["_state_table"] = np.column_stack([
            length,
            np.where(sg.column("is_arterial")[e], length, 0.0),
            np.where(sg.column("unlit")[e], length, 0.0),
            np.where(sg.column("hot_spot")[e], length, sg.column("zone_m")[e]),
            np.where(sg.column("alley")[e], length, 0.0),
            *[lg * share for lg in logs],
        ])
    return sg._columns["_state_table"]


def _turns(sg: StateGraph, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per turn ``a -> b``: arms crossed (unsignalised arterial, arterial, all) and its cost."""
    cm = sg.crossings
    e1, e2 = sg.state_edge[a], sg.state_edge[b]
    c1 = cm.arrive_corners(e1, sg.state_side[a])
    c2 = cm.depart_corners(e2, sg.state_side[b])
    node = cm.head_node[e1]
    counts = cm.crossing_counts(node, c1, c2)
    return np.column_stack([counts["unsignalised"], counts["arterial"], counts["all"],
                            cm.crossing_costs(node, c1, c2)]).astype(float)


def _turn_table(sg: StateGraph, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`_turns`, read from a table of every arc of the state graph (cached)."""
    if "_arc_turns" not in sg._columns:
        tails = np.repeat(np.arange(sg.n_states, dtype=np.int64), np.diff(sg.indptr))
        sg._columns["_arc_turns"] = _turns(sg, tails, sg.indices.astype(np.int64))
    if len(a) == 0 or len(sg.arc_key) == 0:
        return _turns(sg, a, b)
    key = a * sg.n_states + b
    arcs = np.minimum(np.searchsorted(sg.arc_key, key), len(sg.arc_key) - 1)
    hit = sg.arc_key[arcs] == key
    out = sg._columns["_arc_turns"][arcs]
    if not hit.all():  # a turn the graph has no arc for (not one a search would take)
        out[~hit] = _turns(sg, a[~hit], b[~hit])
    return out


def _sum_by(values: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Rows of ``values`` added up per id (``ids`` sorted), ``n`` ids."""
    out = np.zeros((n, values.shape[1]))
    counts = np.bincount(ids, minlength=n)
    some = counts > 0
    if some.any():
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out[some] = np.add.reduceat(values, starts[some], axis=0)
    return out


def metrics_flat(sg: StateGraph, states: np.ndarray, sizes: np.ndarray, walk_speed: float
                 ) -> list[dict[str, Any]]:
    """:func:`metrics_many` of routes given as one flat array of states and their sizes."""
    n = len(sizes)
    if n == 0:
        return []
    rid = np.repeat(np.arange(n), sizes)
    per_state = _sum_by(_state_table(sg)[states], rid, n)
    same = rid[:-1] == rid[1:]
    turns = _sum_by(_turn_table(sg, states[:-1][same], states[1:][same]), rid[:-1][same], n)
    walk = np.round(per_state[:, 0] / walk_speed, 1).tolist()
    metres = np.round(per_state[:, 1:5], 1).tolist()
    parts = np.round(np.column_stack([per_state[:, 5:], turns[:, 3]]), 1).tolist()
    counts = turns[:, :3].astype(np.int64).tolist()
    names = (*_BREAKDOWN, "crossings")
    return [{
        "walk_min": w,
        "unsignalised_arterial_crossings": c[0],
        "arterial_crossings": c[1],
        "street_crossings": c[2],
        "arterial_m": m[0],
        "unlit_m": m[1],
        "risk_zone_m": m[2],
        "alley_m": m[3],
        "risk_by_factor": dict(zip(names, p, strict=True)),
    } for w, m, p, c in zip(walk, metres, parts, counts, strict=True)]


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
    ``trace``, ``pair`` say where each candidate's states are: ``traces[trace].states(pair)``
    (:meth:`gather` reads many at once).
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

    def gather(self, rows: np.ndarray, cands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """States of candidates ``cands`` of ``rows``, as one flat array and their sizes."""
        offset = np.cumsum([0, *(len(t.flat) for t in self.traces)])
        flat = np.concatenate([t.flat for t in self.traces])
        ptr = np.concatenate([t.ptr[:-1] + o for t, o in zip(self.traces, offset, strict=False)])
        base = np.cumsum([0, *(len(t.ptr) - 1 for t in self.traces)])
        at = base[self.trace[rows, cands]] + self.pair[rows, cands]
        start = ptr[at]
        sizes = np.concatenate([np.diff(t.ptr) for t in self.traces])[at]
        pos = np.repeat(start - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
        return flat[pos + np.arange(int(sizes.sum()))], sizes


def _first_batch(sg: StateGraph, sources: np.ndarray, ends: np.ndarray, cap: float,
                 backend: str) -> tuple[_Found, np.ndarray, TreeBatch]:
    """Candidates from the trees of :data:`LAMBDAS` (one batch), their bounds, the trees."""
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
                  bound_lam), reached, batch


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


def _close_exactly(sg: StateGraph, sources: np.ndarray, ends: np.ndarray, batch: TreeBatch,
                   found: _Found, rows: np.ndarray, opt: RouteOptions) -> int:
    """Search the rows with a gap for the least risky route within the cap (label setting).

    Each row's best candidate is the route to beat; a better one found becomes a candidate,
    and the bound the search proves replaces the Lagrangian one where it is higher. Returns
    the labels created.
    """
    if len(rows) == 0:
        return 0
    upper = found.risk[rows, found.best()[rows]]
    # the cap as best() reads it (1e-6 m of slack, which also keeps the bounds of the
    # search clear of rounding for routes strictly within the cap)
    got = search_safest(sg, sources, batch, ends[rows], found.max_len[rows] + 1e-6, upper,
                        tol_pct=opt.gap_tol_pct, max_labels=opt.max_labels)
    found.bound[rows] = np.maximum(found.bound[rows], np.minimum(got.bound, upper))
    new = np.flatnonzero(got.improved)
    if len(new):
        tr = Traces(got.length, got.risk, got.ptr, got.flat)
        found.traces.append(tr)
        found.add(rows[new], got.length[new], got.risk[new], len(found.traces) - 1, new)
    return int(got.labels.sum())


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
    origin_nodes: Sequence[Hashable],
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
    rows = _records(destinations)
    out, todo = _triage(rows, set(origin_nodes))
    ends = sg.node_states([rows[i]["node"] for i in todo])
    found, reached, batch = _first_batch(sg, sources, ends, cap, opt.backend)
    trees = len(LAMBDAS)
    routed = np.flatnonzero(reached)
    clock("trees")
    labels = 0
    if opt.exact:
        labels = _close_exactly(sg, sources, ends, batch, found,
                                routed[found.gaps()[routed] > opt.gap_tol_pct], opt)
    clock("exact")
    open_ = routed[found.gaps()[routed] > GAP_TOL_PCT]
    for _ in range(opt.max_rounds):
        if len(open_) == 0:
            break
        open_, n = _refine(sg, sources, ends, found, open_, opt.backend)
        trees += n
    clock("LARAC rounds")
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
                     trees, clock.times, labels)


class _Clock:
    """CPU seconds spent in each phase, in order (internal)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.process_time()

    def __call__(self, phase: str) -> None:
        now = time.process_time()
        self.times[phase] = self.times.get(phase, 0.0) + now - self._last
        self._last = now


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts of Python values (as ``to_dict("records")``, faster)."""
    cols = list(frame.columns)
    return [dict(zip(cols, vals, strict=True))
            for vals in zip(*(frame[c].tolist() for c in cols), strict=True)] if cols else []


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
    if not flat:
        return {}
    rows = np.array([j for j, _, _ in flat])
    cands = np.array([c for _, _, c in flat])
    states, sizes = found.gather(rows, cands)
    metrics = metrics_flat(sg, states, sizes, speed)
    cut = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    all_states, all_edges = states.tolist(), sg.state_edge[states].tolist()
    lengths = found.length[rows, cands].tolist()
    risks = found.risk[rows, cands].tolist()
    gaps = found.gaps()
    made: dict[int, list[Route]] = {j: [] for j in routed.tolist()}
    for i, ((j, role, _), met) in enumerate(zip(flat, metrics, strict=True)):
        a, b = cut[i], cut[i + 1]
        r = Route(role, all_edges[a:b], all_states[a:b], lengths[i], risks[i], met)
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
