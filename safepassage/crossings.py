"""Street crossings: where a walk crosses a road, with what control, and what it costs.

A walker on a street is on one of its two sidewalks. At a node, the roads meeting there
(walkable streets and roads nobody may walk along, such as motorway ramps) divide the space
around the node into *corners*; a walker arriving on the right-hand sidewalk of an edge stands
at one corner, and leaving on the left-hand sidewalk of another edge starts from another. Going
from one corner to the other crosses the road arms in between, on whichever way round is
cheaper. So crossings are charged on turns (edge in → edge out, and side in → side out), never
on nodes: stepping onto an arterial's sidewalk is not a crossing, walking from a side street
across the arterial is, and so is arriving on the arterial's south sidewalk and leaving on a
side street to the north.

Footways, paths and steps have no sides: they sit in one corner. A mapped crossing (a footway
across a road) therefore crosses that road's arms at the crossing node.

Each crossed arm costs a fixed metres-equivalent from the profile's ``[crossing]`` section:

* arterials (trunk, primary, secondary, tertiary, LADOT ``busy``, motorway ramps): ``signal``,
  ``stop``, ``crosswalk`` or ``none`` by the control, times the class weight
  (``weight_trunk`` ...), and for unsignalised ones times
  ``1 + aadt_scale × (aadt − 20,000) / 40,000`` (capped at 2) where LADOT traffic is known;
* minor streets (residential, service, ...): ``minor_signal`` or ``minor``;

all times ``1 + night × dark`` for the share of the window in darkness.

The control of a crossing comes from, in order: a traffic signal at the node
(``highway=traffic_signals``, ``crossing=traffic_signals``, ``crossing:signals=yes``) or
LADOT's ``control_type`` of that road's approach (``signal``), or a signalised intersection
within :data:`SIGNAL_REACH_M` along the road (a crosswalk mapped a few metres from the
intersection's node is still the intersection's signalised crosswalk); a stop sign
(``highway=stop``, LADOT ``stop``); a marked crossing (``crossing=marked|zebra|uncontrolled``,
``crossing:markings``, LADOT ``xwalk``); otherwise none.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from .safety import ARTERIALS, EdgeRisk, Profile, is_arterial
from .safety import ROAD_WAYS as ROADS

#: Sides of a road edge: right and left of the direction of travel; footways have one.
RIGHT, LEFT, CENTRE = 0, 1, 2

CONTROLS = ("signal", "stop", "crosswalk", "none")

#: A crossing this close (metres along the road) to a signalised intersection is signalised.
SIGNAL_REACH_M = 30.0


@dataclass(frozen=True)
class Arm:
    """One road leaving a node.

    Attributes
    ----------
    bearing : float
        Compass bearing from the node along the road, degrees.
    name : str or None
        Street name.
    highway : str
        OSM highway class.
    arterial : bool
    control : str
        "signal", "stop", "crosswalk" or "none" for crossing this arm at this node.
    cost : float
        Metres-equivalent charged for crossing it.
    """

    bearing: float
    name: str | None
    highway: str
    arterial: bool
    control: str
    cost: float


@dataclass
class NodeArms:
    """The road arms of one node, clockwise by bearing, and prefix sums of their costs."""

    arms: list[Arm]
    bearings: list[float]
    prefix: np.ndarray

    @property
    def k(self) -> int:
        """Number of road arms (and of corners, when at least two)."""
        return len(self.arms)

    def corner_of_bearing(self, bearing: float) -> int:
        """The corner a side-less way (footway) leaving at ``bearing`` lies in."""
        if self.k < 2:
            return 0
        return (bisect_right(self.bearings, bearing) - 1) % self.k

    def crossing(self, c1: int, c2: int) -> tuple[float, list[int]]:
        """Cost and arms crossed going from corner ``c1`` to corner ``c2``, the cheaper way."""
        k = self.k
        if k < 2 or c1 == c2:
            return 0.0, []
        total = float(self.prefix[k])
        # clockwise from corner c1 crosses arms c1+1 ... c2
        a, b = c1 + 1, c2 + 1
        cw = float(self.prefix[b] - self.prefix[a]) if b >= a else total - float(
            self.prefix[a] - self.prefix[b])
        ccw = total - cw
        if cw <= ccw:
            return cw, [(c1 + 1 + i) % k for i in range((c2 - c1) % k)]
        return ccw, [(c1 - i) % k for i in range((c1 - c2) % k)]


def _bearing(x0: float, y0: float, x1: float, y1: float) -> float:
    return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0


def _leaving_bearing(coords: list[tuple[float, float]]) -> float:
    # Look a little way along the edge (up to 15 m) so a tiny kink at the node does not decide.
    x0, y0 = coords[0]
    for x, y in coords[1:]:
        if math.hypot(x - x0, y - y0) >= 15.0:
            return _bearing(x0, y0, x, y)
    x1, y1 = coords[-1]
    if (x1, y1) == (x0, y0) and len(coords) > 1:
        x1, y1 = coords[1]
    return _bearing(x0, y0, x1, y1)


def node_signal(data: Mapping[str, Any]) -> bool:
    """Whether OSM node tags put a traffic signal at the node."""
    return (
        data.get("highway") == "traffic_signals"
        or data.get("crossing") == "traffic_signals"
        or data.get("crossing:signals") in ("yes", "separate")
        or data.get("traffic_signals") not in (None, "no")
    )


def node_crosswalk(data: Mapping[str, Any]) -> bool:
    """Whether OSM node tags mark a crosswalk at the node."""
    crossing = data.get("crossing")
    markings = data.get("crossing:markings")
    if crossing in ("unmarked", "no", "informal"):
        return False
    return (
        crossing in ("marked", "zebra", "uncontrolled", "yes", "traffic_signals")
        or (markings is not None and markings != "no")
        or (data.get("highway") == "crossing" and crossing is None)
    )


def signal_nodes(G: nx.MultiDiGraph) -> set[Any]:
    """Signalised nodes, and nodes within :data:`SIGNAL_REACH_M` of one along a road."""
    signals = {n for n, d in G.nodes(data=True) if node_signal(d)}
    signals |= {v for _, v, d in G.edges(data=True) if d.get("end_control") == "signal"}
    near = set(signals)
    for u, v, d in G.edges(data=True):
        if v in signals and d["length"] <= SIGNAL_REACH_M and str(d.get("highway")) in ROADS:
            near.add(u)
    return near


def arm_control(
    node: Mapping[str, Any], approach: Mapping[str, Any] | None, signalised: bool = False
) -> str:
    """Control for crossing one arm at a node.

    Parameters
    ----------
    node : Mapping
        The node's tags.
    approach : Mapping, optional
        Attributes of the edge arriving at the node along that arm (LADOT's ``end_control``,
        ``end_xwalk``), or of a hidden road arm (``control``, ``xwalk``).
    signalised : bool
        The node is at or next to a signalised intersection (:func:`signal_nodes`).
    """
    ap = approach or {}
    ctl = ap.get("end_control", ap.get("control"))
    if signalised or node_signal(node) or ctl == "signal":
        return "signal"
    if node.get("highway") == "stop" or ctl == "stop":
        return "stop"
    if node_crosswalk(node) or ap.get("end_xwalk", ap.get("xwalk")) is not None:
        return "crosswalk"
    return "none"


def arm_cost(
    highway: str, arterial: bool, control: str, aadt: float | None, profile: Profile,
    dark: float,
) -> float:
    """Metres-equivalent for crossing a road arm (see the module docstring)."""
    c = profile["crossing"]
    night = 1.0 + c["night"] * dark
    if not arterial:
        return (c["minor_signal"] if control == "signal" else c["minor"]) * night
    cls = ARTERIALS.get(highway, "secondary")
    weight = c.get(f"weight_{cls}", 1.0)
    base = c[control] * weight
    if control != "signal" and aadt is not None and aadt > 20_000:
        base *= min(2.0, 1.0 + c["aadt_scale"] * (aadt - 20_000) / 40_000)
    return base * night


class CrossingModel:
    """Arms, corners and crossing costs for every node of a network, as arrays.

    Built with numpy so that a city of hundreds of thousands of nodes takes seconds; per-node
    :class:`NodeArms` (for narrating a route's crossings) are made on demand.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network.
    risk : EdgeRisk
        Its edge risk (fixes the edge order and the profile / window).

    Attributes
    ----------
    road : numpy.ndarray
        Per edge (in ``risk.edges`` order): True when the edge has two sides.
    rev : numpy.ndarray
        Per edge: the index of the edge going the other way along the same way, or -1.
    tail_node, head_node : numpy.ndarray
        Per edge: positions of its nodes in ``nodes``.
    tail_pos, head_pos : numpy.ndarray
        Per edge: where ``tail_arm`` / ``head_arm`` is True, the index of its arm among the
        road arms at its tail / head node; otherwise the corner it lies in.
    tail_arm, head_arm : numpy.ndarray
        Whether the edge is a road arm at its tail / head node (it then has two sides there).
    arm_start, arm_count : numpy.ndarray
        Per node: where its road arms start in the arm table, and how many there are.
    arm_cum : numpy.ndarray
        Prefix sums of the arm table's crossing costs (length = arms + 1).
    arms : list of Arm
        The arm table, grouped by node and sorted clockwise by bearing within a node.
    """

    def __init__(self, G: nx.MultiDiGraph, risk: EdgeRisk) -> None:
        import shapely

        self.G = G
        self.risk = risk
        profile, dark = risk.profile, risk.window.dark_fraction
        edges = risk.edges
        index = risk.index
        m = len(edges)
        self.nodes_list = list(G.nodes)
        node_pos = {n: i for i, n in enumerate(self.nodes_list)}
        self.node_pos = node_pos
        nn = len(self.nodes_list)
        self.road = risk.table["road"].to_numpy(dtype=bool).copy()
        self.tail_node = np.fromiter((node_pos[u] for u, _, _ in edges), np.int64, m)
        self.head_node = np.fromiter((node_pos[v] for _, v, _ in edges), np.int64, m)
        rev = np.full(m, -1, dtype=np.int64)
        for i, (u, v, k) in enumerate(edges):
            r = _reverse_edge(G, u, v, k)
            if r is not None:
                rev[i] = index.get(r, -1)
        self.rev = rev

        # leaving bearings: towards the point 15 m along the edge (or its end if shorter)
        geoms = np.array([G.edges[e]["geometry"] for e in edges], dtype=object)
        lengths = shapely.length(geoms)
        look = np.minimum(15.0, lengths)
        p0 = shapely.get_coordinates(shapely.get_point(geoms, 0))
        p1 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, look))
        q0 = shapely.get_coordinates(shapely.get_point(geoms, -1))
        q1 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, lengths - look))
        tail_bearing = np.degrees(np.arctan2(p1[:, 0] - p0[:, 0], p1[:, 1] - p0[:, 1])) % 360.0
        head_bearing = np.degrees(np.arctan2(q1[:, 0] - q0[:, 0], q1[:, 1] - q0[:, 1])) % 360.0

        # the arm table: one arm per road out-edge, plus roads nobody may walk (hidden arms)
        signalised = signal_nodes(G)
        arm_node: list[int] = []
        arm_bearing: list[float] = []
        arm_edge: list[int] = []
        arm_info: list[Arm] = []
        ndata = G.nodes
        for i in np.flatnonzero(self.road):
            u, v, k = edges[i]
            data = G.edges[u, v, k]
            approach = G.edges[edges[rev[i]]] if rev[i] >= 0 else None
            control = arm_control(ndata[u], approach, u in signalised)
            art = is_arterial(data)
            cost = arm_cost(str(data.get("highway")), art, control, data.get("aadt"), profile,
                            dark)
            b = float(tail_bearing[i])
            arm_node.append(int(self.tail_node[i]))
            arm_bearing.append(b)
            arm_edge.append(int(i))
            arm_info.append(Arm(b, _name(data), str(data.get("highway")), art, control, cost))
        for n, nd in G.nodes(data=True):
            hidden = nd.get("hidden_arms")
            if not hidden:
                continue
            for h in json.loads(hidden):
                hd = {"highway": h.get("highway"), "busy": h.get("busy")}
                art = is_arterial(hd) or (h.get("aadt") or 0) >= 10_000
                control = arm_control(nd, h, n in signalised)
                cost = arm_cost(str(h.get("highway")), art, control, h.get("aadt"), profile,
                                dark)
                arm_node.append(node_pos[n])
                arm_bearing.append(float(h["bearing"]))
                arm_edge.append(-1)
                arm_info.append(Arm(float(h["bearing"]), h.get("name"), str(h.get("highway")),
                                    art, control, cost))
        a_node = np.array(arm_node, dtype=np.int64)
        a_bear = np.array(arm_bearing, dtype=float)
        a_edge = np.array(arm_edge, dtype=np.int64)
        order = np.lexsort((a_edge, a_bear, a_node))
        a_node, a_bear, a_edge = a_node[order], a_bear[order], a_edge[order]
        self.arms = [arm_info[j] for j in order]
        cost = np.array([a.cost for a in self.arms], dtype=float)
        self.arm_cum = np.concatenate([[0.0], np.cumsum(cost)])
        self.arm_count = np.bincount(a_node, minlength=nn).astype(np.int64)
        self.arm_start = np.concatenate([[0], np.cumsum(self.arm_count)[:-1]]).astype(np.int64)
        self._arm_key = a_node * 1000.0 + a_bear
        rank = np.arange(len(a_node)) - self.arm_start[a_node]

        self.tail_arm = self.road.copy()
        self.head_arm = np.zeros(m, dtype=bool)
        self.tail_pos = np.zeros(m, dtype=np.int64)
        self.head_pos = np.zeros(m, dtype=np.int64)
        walk_arm = a_edge >= 0
        self.tail_pos[a_edge[walk_arm]] = rank[walk_arm]
        foot = ~self.road
        self.tail_pos[foot] = self.corner_of_bearing(self.tail_node[foot], tail_bearing[foot])
        # an edge arrives along the arm its reverse leaves by; without a reverse (a one-way
        # footway) it arrives by its own bearing, side-less
        has_rev = rev >= 0
        self.head_pos[rev[has_rev]] = self.tail_pos[has_rev]
        self.head_arm[rev[has_rev]] = self.road[has_rev]
        lone = np.ones(m, dtype=bool)
        lone[rev[has_rev]] = False
        self.head_pos[lone] = self.corner_of_bearing(self.head_node[lone], head_bearing[lone])

    # -- positions -------------------------------------------------------------------------

    def corner_of_bearing(self, nodes: np.ndarray, bearings: np.ndarray) -> np.ndarray:
        """Corners that side-less ways leaving ``nodes`` at ``bearings`` lie in."""
        nodes = np.asarray(nodes, dtype=np.int64)
        k = self.arm_count[nodes]
        count = np.searchsorted(self._arm_key, nodes * 1000.0 + np.asarray(bearings),
                                side="right") - self.arm_start[nodes]
        return np.where(k >= 2, (count - 1) % np.maximum(k, 1), 0)

    def arrive_corners(self, e: np.ndarray, side: np.ndarray) -> np.ndarray:
        """Corners at the head nodes of edges ``e`` when arriving on ``side`` (vectorised)."""
        k = np.maximum(self.arm_count[self.head_node[e]], 1)
        j = self.head_pos[e]
        sided = np.where(side == RIGHT, (j - 1) % k, j)
        return np.where(self.head_arm[e], sided, j)

    def depart_corners(self, e: np.ndarray, side: np.ndarray) -> np.ndarray:
        """Corners at the tail nodes of edges ``e`` when leaving on ``side`` (vectorised)."""
        k = np.maximum(self.arm_count[self.tail_node[e]], 1)
        j = self.tail_pos[e]
        sided = np.where(side == RIGHT, j, (j - 1) % k)
        return np.where(self.tail_arm[e], sided, j)

    def crossing_costs(self, nodes: np.ndarray, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
        """Cost of going from corner ``c1`` to ``c2`` at each node, the cheaper way round."""
        k = self.arm_count[nodes]
        start = self.arm_start[nodes]
        total = self.arm_cum[start + k] - self.arm_cum[start]
        a = np.minimum(c1 + 1, k)
        b = np.minimum(c2 + 1, k)
        cw = self.arm_cum[start + b] - self.arm_cum[start + a] + np.where(c2 < c1, total, 0.0)
        cost = np.minimum(cw, total - cw)
        return np.where((k >= 2) & (c1 != c2), np.maximum(cost, 0.0), 0.0)

    def node_arms(self, node: Any) -> NodeArms:
        """The road arms of one network node, clockwise."""
        n = self.node_pos[node]
        s, k = int(self.arm_start[n]), int(self.arm_count[n])
        arms = self.arms[s:s + k]
        prefix = self.arm_cum[s:s + k + 1] - self.arm_cum[s]
        return NodeArms(arms, [a.bearing for a in arms], prefix)

    def sides(self, e: int) -> tuple[int, ...]:
        """The sides a walker can be on along edge ``e``."""
        return (RIGHT, LEFT) if self.road[e] else (CENTRE,)

    def arrive_corner(self, e: int, side: int) -> int:
        """Corner at the head node of edge ``e`` when arriving on ``side``."""
        return int(self.arrive_corners(np.array([e]), np.array([side]))[0])

    def depart_corner(self, e: int, side: int) -> int:
        """Corner at the tail node of edge ``e`` when leaving on ``side``."""
        return int(self.depart_corners(np.array([e]), np.array([side]))[0])

    def transition(self, e1: int, s1: int, e2: int, s2: int) -> tuple[float, list[Arm]]:
        """Cost and arms crossed when going from edge ``e1`` (side ``s1``) to ``e2`` (``s2``)."""
        na = self.node_arms(self.risk.edges[e2][0])
        cost, arms = na.crossing(self.arrive_corner(e1, s1), self.depart_corner(e2, s2))
        return cost, [na.arms[a] for a in arms]


def _name(data: Mapping[str, Any]) -> str | None:
    name = data.get("name")
    if isinstance(name, list):
        name = name[0] if name else None
    return None if name is None else str(name)


def _reverse_edge(G: nx.MultiDiGraph, u: Any, v: Any, k: Any) -> tuple[Any, Any, Any] | None:
    """The edge going the other way along the same way (same geometry reversed)."""
    if not G.has_edge(v, u):
        return None
    options = G[v][u]
    if k in options and len(options) == 1:
        return (v, u, k)
    length = G.edges[u, v, k]["length"]
    best = min(options, key=lambda kk: (abs(options[kk]["length"] - length), kk))
    return (v, u, best)

