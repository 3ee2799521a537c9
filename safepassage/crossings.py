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

A road that stops at a node where nothing continues it (no other road arm within
:data:`CONTINUE_DEG` of straight on) is *assumed to continue* across the node, with the same
name, class and control, when

* the node is a mapped crossing and the road is the only one there: a ``highway=crossing``
  node, any ``crossing=*`` tag, a ``footway=crossing`` way or LADOT's ``xwalk`` on an approach
  (the extract kept one side of the road, or the far side was dropped), or
* the node is at the edge of the loaded data (``data_edge``, see
  :func:`safepassage.graph.mark_data_edges`): an extract's boundary is not a dead end.

So the same crossings are found whether or not the road's far segment was loaded.

Each crossed arm costs a fixed metres-equivalent from the profile's ``[crossing]`` section:

* arterials (trunk, primary, secondary, tertiary, LADOT ``busy``, motorway ramps): ``signal``,
  ``stop``, ``crosswalk`` or ``none`` by the control, times the class weight
  (``weight_trunk`` ...), and for unsignalised ones times
  ``1 + aadt_scale × (aadt − aadt_from) / aadt_span`` (at most ``aadt_max_factor``; the
  profile's ``[crossing]`` keys, 20,000 / 40,000 / 2 by default) where LADOT traffic is known;
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
import weakref
from bisect import bisect_right
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .safety import EdgeRisk, Profile
from .ways import ARTERIAL_AADT, ARTERIALS, is_arterial
from .ways import ROAD_WAYS as ROADS

#: Sides of a road edge: right and left of the direction of travel; footways have one.
RIGHT, LEFT, CENTRE = 0, 1, 2

CONTROLS = ("signal", "stop", "crosswalk", "none")

#: A crossing this close (metres along the road) to a signalised intersection is signalised.
SIGNAL_REACH_M = 30.0

#: A road arm within this many degrees of straight on continues a road at a node.
CONTINUE_DEG = 45.0

#: Class keys of arterials for ``weight_<class>`` in the profile's ``[crossing]``.
ARTERIAL_CLASSES = ("trunk", "primary", "secondary", "tertiary")


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
    assumed : bool
        The arm is not in the data: the road is assumed to continue across the node (see the
        module docstring).
    """

    bearing: float
    name: str | None
    highway: str
    arterial: bool
    control: str
    cost: float
    assumed: bool = False


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


def signal_nodes(G: nx.MultiDiGraph) -> set[Hashable]:
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
    if control != "signal" and aadt is not None and aadt > c["aadt_from"]:
        base *= min(c["aadt_max_factor"],
                    1.0 + c["aadt_scale"] * (aadt - c["aadt_from"]) / c["aadt_span"])
    return base * night


def node_mapped_crossing(data: Mapping[str, Any]) -> bool:
    """Whether OSM node tags map a street crossing at the node (of any kind)."""
    return (
        data.get("highway") == "crossing"
        or data.get("crossing") not in (None, "no")
        or data.get("crossing:markings") is not None
        or data.get("crossing:signals") is not None
        or data.get("crossing_ref") is not None
    )


def is_crossing_way(data: Mapping[str, Any]) -> bool:
    """Whether an edge is a mapped crossing way (``footway=crossing``, ``crossing=*``, ...)."""
    return (data.get("footway") == "crossing" or data.get("highway") == "crossing"
            or data.get("crossing") not in (None, "no"))


# ---------------------------------------------------------------------------------------------
# The arms of a network, once per network


@dataclass
class NetworkArms:
    """What the crossing model needs of a network whatever the profile and window.

    Built once per network (:func:`network_arms`) with numpy: edge topology, bearings, sides,
    and the arm table (road arms of every node, clockwise), each arm with its class, traffic
    and control; the profile only sets what crossing each arm costs.

    Attributes
    ----------
    edges : list of tuple
        ``(u, v, key)`` in ``G.edges`` order (the order of :attr:`EdgeRisk.edges`).
    nodes_list : list
        Network nodes; ``node_pos`` maps a node to its position.
    road, rev, tail_node, head_node, tail_pos, head_pos, tail_arm, head_arm : numpy.ndarray
        Per edge; see :class:`CrossingModel`.
    arm_start, arm_count : numpy.ndarray
        Per node: where its arms start in the arm table, and how many there are.
    a_node, a_bear, a_edge, a_art, a_ctl, a_cls, a_aadt, a_assumed : numpy.ndarray
        The arm table: node, bearing, walkable edge (-1 for hidden or assumed arms), arterial,
        control (index into :data:`CONTROLS`), arterial class (index into
        :data:`ARTERIAL_CLASSES`), LADOT traffic (nan when unknown), assumed.
    a_name, a_highway : list
        Street name and OSM class of each arm.
    size : tuple
        ``(nodes, edges)`` of the network it was built for.
    """

    edges: list[tuple[Hashable, Hashable, int]]
    nodes_list: list[Hashable]
    node_pos: dict[Hashable, int]
    road: np.ndarray
    rev: np.ndarray
    tail_node: np.ndarray
    head_node: np.ndarray
    tail_pos: np.ndarray
    head_pos: np.ndarray
    tail_arm: np.ndarray
    head_arm: np.ndarray
    arm_start: np.ndarray
    arm_count: np.ndarray
    arm_key: np.ndarray
    a_node: np.ndarray
    a_bear: np.ndarray
    a_edge: np.ndarray
    a_art: np.ndarray
    a_ctl: np.ndarray
    a_cls: np.ndarray
    a_aadt: np.ndarray
    a_assumed: np.ndarray
    a_name: list[str | None]
    a_highway: list[str]
    size: tuple[int, int]


_NETWORKS: weakref.WeakKeyDictionary[nx.MultiDiGraph, NetworkArms] = weakref.WeakKeyDictionary()


def network_arms(G: nx.MultiDiGraph) -> NetworkArms:
    """The :class:`NetworkArms` of a prepared network, built once and then cached.

    A prepared network is not modified afterwards; should one be, the cache notices a change of
    size and builds again.
    """
    cached = _NETWORKS.get(G)
    if cached is not None and cached.size == (len(G), G.number_of_edges()):
        return cached
    built = _build_network_arms(G)
    _NETWORKS[G] = built
    return built


def _edge_columns(G: nx.MultiDiGraph) -> dict[str, Any]:
    """One pass over the edges: the attributes the crossing model reads, as arrays."""
    edata = list(G.edges(keys=True, data=True))
    datas = [d for *_, d in edata]
    highway = [str(d.get("highway") or "") for d in datas]
    return {
        "edges": [(u, v, k) for u, v, k, _ in edata],
        "highway": highway,
        "road": np.isin(np.array(highway, dtype=object), list(ROADS)),
        "arterial": np.array([is_arterial(d) for d in datas], dtype=bool),
        "name": [_name(d) for d in datas],
        "aadt": np.array([np.nan if d.get("aadt") is None else float(d["aadt"])
                          for d in datas]),
        "end_control": np.array([d.get("end_control") for d in datas], dtype=object),
        "end_xwalk": np.array([d.get("end_xwalk") for d in datas], dtype=object),
        "crossing_way": np.array([is_crossing_way(d) for d in datas], dtype=bool),
        "length": np.array([float(d["length"]) for d in datas]),
        "geometry": np.array([d["geometry"] for d in datas], dtype=object),
    }


def _reverse_edges(tail: np.ndarray, head: np.ndarray, keys: list[Any], length: np.ndarray,
                   nn: int) -> np.ndarray:
    """Per edge, the edge going the other way along the same way (same length), or -1."""
    code = tail * nn + head
    order = np.argsort(code, kind="stable")
    sorted_code = code[order]
    want = head * nn + tail
    lo = np.searchsorted(sorted_code, want, "left")
    hi = np.searchsorted(sorted_code, want, "right")
    rev = np.full(len(tail), -1, dtype=np.int64)
    one = hi - lo == 1
    rev[one] = order[lo[one]]
    for i in np.flatnonzero(hi - lo > 1).tolist():  # parallel edges: rare
        options = order[lo[i]:hi[i]]
        rev[i] = min(options.tolist(), key=lambda j: (abs(length[j] - length[i]),
                                                      str(keys[j]) != str(keys[i]), j))
    return rev


def _end_bearings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bearings leaving each edge's tail and head: towards the point 15 m along the edge."""
    import shapely

    lengths = shapely.length(geoms)
    look = np.minimum(15.0, lengths)
    p0 = shapely.get_coordinates(shapely.get_point(geoms, 0))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, look))
    q0 = shapely.get_coordinates(shapely.get_point(geoms, -1))
    q1 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, lengths - look))
    tail_bearing = np.degrees(np.arctan2(p1[:, 0] - p0[:, 0], p1[:, 1] - p0[:, 1])) % 360.0
    head_bearing = np.degrees(np.arctan2(q1[:, 0] - q0[:, 0], q1[:, 1] - q0[:, 1])) % 360.0
    return tail_bearing, head_bearing


def _node_flags(G: nx.MultiDiGraph, nodes: list[Any]) -> dict[str, np.ndarray]:
    """Per node: signal, stop, crosswalk, mapped crossing and data-edge flags from its tags."""
    datas = [G.nodes[n] for n in nodes]
    return {
        "signal": np.array([node_signal(d) for d in datas], dtype=bool),
        "stop": np.array([d.get("highway") == "stop" for d in datas], dtype=bool),
        "crosswalk": np.array([node_crosswalk(d) for d in datas], dtype=bool),
        "mapped": np.array([node_mapped_crossing(d) for d in datas], dtype=bool),
        "edge": np.array([d.get("data_edge") is True for d in datas], dtype=bool),
    }


def _control_index(signal: np.ndarray, stop: np.ndarray, crosswalk: np.ndarray) -> np.ndarray:
    return np.select([signal, stop, crosswalk], [0, 1, 2], 3).astype(np.int8)


def _class_index(highways: list[str]) -> np.ndarray:
    cls = [ARTERIALS.get(h, "secondary") for h in highways]
    return np.array([ARTERIAL_CLASSES.index(c) for c in cls], dtype=np.int8)


@dataclass
class _Arms:
    """A growing arm table (internal)."""

    node: list[np.ndarray] = field(default_factory=list)
    bear: list[np.ndarray] = field(default_factory=list)
    edge: list[np.ndarray] = field(default_factory=list)
    art: list[np.ndarray] = field(default_factory=list)
    ctl: list[np.ndarray] = field(default_factory=list)
    aadt: list[np.ndarray] = field(default_factory=list)
    xwalk: list[np.ndarray] = field(default_factory=list)
    name: list[str | None] = field(default_factory=list)
    highway: list[str] = field(default_factory=list)

    def add(self, columns: Mapping[str, Any], name: list[str | None], highway: list[str]
            ) -> None:
        for key in ("node", "bear", "edge", "art", "ctl", "aadt", "xwalk"):
            getattr(self, key).append(np.atleast_1d(np.asarray(columns[key])))
        self.name += name
        self.highway += highway

    def arrays(self) -> dict[str, np.ndarray]:
        cat = {k: np.concatenate(getattr(self, k)) if getattr(self, k) else np.zeros(0)
               for k in ("node", "bear", "edge", "art", "ctl", "aadt", "xwalk")}
        cat["node"] = cat["node"].astype(np.int64)
        cat["edge"] = cat["edge"].astype(np.int64)
        cat["art"] = cat["art"].astype(bool)
        cat["xwalk"] = cat["xwalk"].astype(bool)
        cat["ctl"] = cat["ctl"].astype(np.int8)
        return cat


def _walk_arms(cols: dict[str, Any], tail: np.ndarray, rev: np.ndarray, tail_bearing: np.ndarray,
               flags: dict[str, np.ndarray], near: np.ndarray, arms: _Arms) -> None:
    """One arm per walkable road edge, at its tail; control from the node and the approach."""
    i = np.flatnonzero(cols["road"])
    r = rev[i]
    has = r >= 0
    ctl = np.full(len(i), None, dtype=object)
    xw = np.full(len(i), None, dtype=object)
    ctl[has] = cols["end_control"][r[has]]
    xw[has] = cols["end_xwalk"][r[has]]
    n = tail[i]
    has_xwalk = np.array([x is not None for x in xw], dtype=bool)
    control = _control_index(near[n] | flags["signal"][n] | (ctl == "signal"),
                             flags["stop"][n] | (ctl == "stop"),
                             flags["crosswalk"][n] | has_xwalk)
    arms.add({"node": n, "bear": tail_bearing[i], "edge": i, "art": cols["arterial"][i],
              "ctl": control, "aadt": cols["aadt"][i], "xwalk": has_xwalk},
             [cols["name"][j] for j in i.tolist()], [cols["highway"][j] for j in i.tolist()])


def _hidden_arms(G: nx.MultiDiGraph, nodes: list[Any], near: np.ndarray, arms: _Arms) -> None:
    """Arms of roads nobody may walk along, recorded on nodes as ``hidden_arms``."""
    for pos, n in enumerate(nodes):
        nd = G.nodes[n]
        hidden = nd.get("hidden_arms")
        if not hidden:
            continue
        for h in json.loads(hidden):
            hd = {"highway": h.get("highway"), "busy": h.get("busy")}
            art = is_arterial(hd) or (h.get("aadt") or 0) >= ARTERIAL_AADT
            control = CONTROLS.index(arm_control(nd, h, bool(near[pos])))
            aadt = np.nan if h.get("aadt") is None else float(h["aadt"])
            arms.add({"node": pos, "bear": float(h["bearing"]), "edge": -1, "art": art,
                      "ctl": control, "aadt": aadt, "xwalk": h.get("xwalk") is not None},
                     [h.get("name")], [str(h.get("highway"))])


def _assumed(a: dict[str, np.ndarray], nn: int, flags: dict[str, np.ndarray]) -> np.ndarray:
    """Arms whose road is assumed to continue across their node (see the module docstring)."""
    node, bear = a["node"], a["bear"]
    count = np.bincount(node, minlength=nn)
    order = np.argsort(node, kind="stable")
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    reps = count[node]
    j = np.repeat(np.arange(len(node)), reps)
    other = order[np.repeat(start[node], reps) + (np.arange(len(j)) - np.repeat(
        np.cumsum(reps) - reps, reps))]
    off = np.abs((bear[other] - bear[j] - 180.0 + 180.0) % 360.0 - 180.0)
    continued = np.zeros(len(node), dtype=bool)
    np.logical_or.at(continued, j, (other != j) & (off <= CONTINUE_DEG))
    mapped = flags["mapped"][node] | a["xwalk"]
    return ~continued & (flags["edge"][node] | (mapped & (count[node] == 1)))


def _corners(arm_key: np.ndarray, arm_start: np.ndarray, arm_count: np.ndarray,
             nodes: np.ndarray, bearings: np.ndarray) -> np.ndarray:
    """Corners that side-less ways leaving ``nodes`` at ``bearings`` lie in."""
    nodes = np.asarray(nodes, dtype=np.int64)
    k = arm_count[nodes]
    count = np.searchsorted(arm_key, nodes * 1000.0 + np.asarray(bearings),
                            side="right") - arm_start[nodes]
    return np.where(k >= 2, (count - 1) % np.maximum(k, 1), 0)


def _build_network_arms(G: nx.MultiDiGraph) -> NetworkArms:
    cols = _edge_columns(G)
    nodes = list(G.nodes)
    node_pos = {n: i for i, n in enumerate(nodes)}
    nn, m = len(nodes), len(cols["edges"])
    tail = np.fromiter((node_pos[u] for u, _, _ in cols["edges"]), np.int64, m)
    head = np.fromiter((node_pos[v] for _, v, _ in cols["edges"]), np.int64, m)
    rev = _reverse_edges(tail, head, [k for *_, k in cols["edges"]], cols["length"], nn)
    tail_bearing, head_bearing = _end_bearings(cols["geometry"])
    flags = _node_flags(G, nodes)
    road = cols["road"]
    # signalised nodes, and nodes within SIGNAL_REACH_M of one along a road
    signal = flags["signal"].copy()
    signal[head[cols["end_control"] == "signal"]] = True
    near = signal.copy()
    near[tail[signal[head] & (cols["length"] <= SIGNAL_REACH_M) & road]] = True
    # a side-less crossing way, or LADOT's xwalk at its end, maps a crossing at its nodes
    foot = ~road
    flags["mapped"][tail[foot & cols["crossing_way"]]] = True
    flags["mapped"][head[foot & (cols["crossing_way"] | np.array(
        [x is not None for x in cols["end_xwalk"]], dtype=bool))]] = True

    table = _Arms()
    _walk_arms(cols, tail, rev, tail_bearing, flags, near, table)
    _hidden_arms(G, nodes, near, table)
    a = table.arrays()
    names, highways = table.name, table.highway
    assumed = _assumed(a, nn, flags)
    idx = np.flatnonzero(assumed)
    a = {k: np.concatenate([v, v[idx]]) for k, v in a.items()}
    a["bear"][len(assumed):] = (a["bear"][len(assumed):] + 180.0) % 360.0
    a["edge"][len(assumed):] = -1
    a_assumed = np.concatenate([np.zeros(len(assumed), bool), np.ones(len(idx), bool)])
    names = names + [names[i] for i in idx.tolist()]
    highways = highways + [highways[i] for i in idx.tolist()]

    order = np.lexsort((a["edge"], a["bear"], a["node"]))
    a = {k: v[order] for k, v in a.items()}
    a_assumed = a_assumed[order]
    names = [names[i] for i in order.tolist()]
    highways = [highways[i] for i in order.tolist()]
    arm_count = np.bincount(a["node"], minlength=nn).astype(np.int64)
    arm_start = np.concatenate([[0], np.cumsum(arm_count)[:-1]]).astype(np.int64)
    arm_key = a["node"] * 1000.0 + a["bear"]
    rank = np.arange(len(a["node"])) - arm_start[a["node"]]

    tail_arm = road.copy()
    head_arm = np.zeros(m, dtype=bool)
    tail_pos = np.zeros(m, dtype=np.int64)
    head_pos = np.zeros(m, dtype=np.int64)
    walk = a["edge"] >= 0
    tail_pos[a["edge"][walk]] = rank[walk]
    tail_pos[foot] = _corners(arm_key, arm_start, arm_count, tail[foot], tail_bearing[foot])
    # an edge arrives along the arm its reverse leaves by; without a reverse (a one-way
    # footway) it arrives by its own bearing, side-less
    has_rev = rev >= 0
    head_pos[rev[has_rev]] = tail_pos[has_rev]
    head_arm[rev[has_rev]] = road[has_rev]
    lone = np.ones(m, dtype=bool)
    lone[rev[has_rev]] = False
    head_pos[lone] = _corners(arm_key, arm_start, arm_count, head[lone], head_bearing[lone])
    return NetworkArms(
        edges=cols["edges"], nodes_list=nodes, node_pos=node_pos, road=road, rev=rev,
        tail_node=tail, head_node=head, tail_pos=tail_pos, head_pos=head_pos,
        tail_arm=tail_arm, head_arm=head_arm, arm_start=arm_start, arm_count=arm_count,
        arm_key=arm_key, a_node=a["node"], a_bear=a["bear"], a_edge=a["edge"], a_art=a["art"],
        a_ctl=a["ctl"], a_cls=_class_index(highways), a_aadt=a["aadt"], a_assumed=a_assumed,
        a_name=names, a_highway=highways, size=(nn, m),
    )


def arm_costs(net: NetworkArms, profile: Profile, dark: float) -> np.ndarray:
    """Crossing cost of every arm of the table under a profile (vectorised :func:`arm_cost`)."""
    c = profile["crossing"]
    night = 1.0 + c["night"] * dark
    ctl = net.a_ctl
    minor = np.where(ctl == 0, c["minor_signal"], c["minor"])
    weight = np.array([c.get(f"weight_{k}", 1.0) for k in ARTERIAL_CLASSES])[net.a_cls]
    base = np.array([c[k] for k in CONTROLS])[ctl] * weight
    aadt = np.nan_to_num(net.a_aadt, nan=0.0)
    busy = (ctl != 0) & (aadt > c["aadt_from"])
    scale = 1.0 + c["aadt_scale"] * (aadt - c["aadt_from"]) / c["aadt_span"]
    base = np.where(busy, base * np.minimum(c["aadt_max_factor"], scale), base)
    return np.where(net.a_art, base, minor) * night


# ---------------------------------------------------------------------------------------------
# The model under a profile and window


class CrossingModel:
    """Arms, corners and crossing costs for every node of a network, as arrays.

    The network's part (:class:`NetworkArms`) is built once per network with numpy; a model
    adds the costs of one profile and time window. Per-node :class:`NodeArms` (for narrating a
    route's crossings) are made on demand.

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
        Per edge: positions of its nodes in ``nodes_list``.
    tail_pos, head_pos : numpy.ndarray
        Per edge: where ``tail_arm`` / ``head_arm`` is True, the index of its arm among the
        road arms at its tail / head node; otherwise the corner it lies in.
    tail_arm, head_arm : numpy.ndarray
        Whether the edge is a road arm at its tail / head node (it then has two sides there).
    arm_start, arm_count : numpy.ndarray
        Per node: where its road arms start in the arm table, and how many there are.
    arm_cost : numpy.ndarray
        Crossing cost of each arm of the table.
    arm_cum : numpy.ndarray
        Prefix sums of the arm table's crossing costs (length = arms + 1).
    """

    def __init__(self, G: nx.MultiDiGraph, risk: EdgeRisk) -> None:
        net = network_arms(G)
        if len(net.edges) != len(risk.edges) or (net.edges and net.edges[0] != risk.edges[0]):
            raise ValueError("risk was computed for another network")
        self.G, self.risk, self.net = G, risk, net
        self.nodes_list, self.node_pos = net.nodes_list, net.node_pos
        self.road, self.rev = net.road, net.rev
        self.tail_node, self.head_node = net.tail_node, net.head_node
        self.tail_pos, self.head_pos = net.tail_pos, net.head_pos
        self.tail_arm, self.head_arm = net.tail_arm, net.head_arm
        self.arm_start, self.arm_count = net.arm_start, net.arm_count
        self.arm_cost = arm_costs(net, risk.profile, risk.window.dark_fraction)
        self.arm_cum = np.concatenate([[0.0], np.cumsum(self.arm_cost)])
        self._arms: list[Arm] | None = None

    @property
    def arms(self) -> list[Arm]:
        """The arm table as :class:`Arm` objects, grouped by node, clockwise within a node."""
        if self._arms is None:
            self._arms = [self._arm(j) for j in range(len(self.arm_cost))]
        return self._arms

    def _arm(self, j: int) -> Arm:
        net = self.net
        return Arm(float(net.a_bear[j]), net.a_name[j], net.a_highway[j], bool(net.a_art[j]),
                   CONTROLS[int(net.a_ctl[j])], float(self.arm_cost[j]),
                   bool(net.a_assumed[j]))

    # -- positions -------------------------------------------------------------------------

    def corner_of_bearing(self, nodes: np.ndarray, bearings: np.ndarray) -> np.ndarray:
        """Corners that side-less ways leaving ``nodes`` at ``bearings`` lie in."""
        return _corners(self.net.arm_key, self.arm_start, self.arm_count, nodes, bearings)

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
        return corner_costs(self.arm_cum, self.arm_start[nodes], self.arm_count[nodes], c1, c2)

    def crossing_counts(self, nodes: np.ndarray, c1: np.ndarray, c2: np.ndarray
                        ) -> dict[str, np.ndarray]:
        """Arms crossed at each turn: all, arterial, and arterial without a signal.

        The arms counted are those :meth:`NodeArms.crossing` crosses: the cheaper way round,
        clockwise on a tie.
        """
        start, k = self.arm_start[nodes], self.arm_count[nodes]
        cost_cw = _clockwise(self.arm_cum, start, k, c1, c2)
        total = self.arm_cum[start + k] - self.arm_cum[start]
        cw = cost_cw <= total - cost_cw
        moves = (k >= 2) & (c1 != c2)
        out = {}
        for name, flag in (("all", np.ones(len(self.arm_cost), bool)), ("arterial", self.net.a_art),
                           ("unsignalised", self.net.a_art & (self.net.a_ctl != 0))):
            cum = np.concatenate([[0], np.cumsum(flag)])
            n_cw = _clockwise(cum, start, k, c1, c2)
            n_all = cum[start + k] - cum[start]
            out[name] = np.where(moves, np.where(cw, n_cw, n_all - n_cw), 0).astype(np.int64)
        return out

    def node_arms(self, node: Hashable) -> NodeArms:
        """The road arms of one network node, clockwise."""
        n = self.node_pos[node]
        s, k = int(self.arm_start[n]), int(self.arm_count[n])
        arms = [self._arm(j) for j in range(s, s + k)]
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


def corner_costs(arm_cum: np.ndarray, start: np.ndarray, k: np.ndarray, c1: np.ndarray,
                 c2: np.ndarray) -> np.ndarray:
    """Cost of going from corner ``c1`` to ``c2`` at nodes whose arms start at ``start``.

    Vectorised over turns; ``arm_cum`` holds the prefix sums of the arm costs. Goes the cheaper
    way round; nothing is crossed at a node with fewer than two arms.
    """
    total = arm_cum[start + k] - arm_cum[start]
    cw = _clockwise(arm_cum, start, k, c1, c2)
    cost = np.minimum(cw, total - cw)
    return np.where((k >= 2) & (c1 != c2), np.maximum(cost, 0.0), 0.0)


def _clockwise(cum: np.ndarray, start: np.ndarray, k: np.ndarray, c1: np.ndarray,
               c2: np.ndarray) -> np.ndarray:
    """Sum of a per-arm quantity (prefix sums ``cum``) over arms ``c1 + 1 ... c2``, wrapping."""
    total = cum[start + k] - cum[start]
    a = np.minimum(c1 + 1, k)
    b = np.minimum(c2 + 1, k)
    return cum[start + b] - cum[start + a] + np.where(c2 < c1, total, 0)


def _name(data: Mapping[str, Any]) -> str | None:
    name = data.get("name")
    if isinstance(name, list):
        name = name[0] if name else None
    return None if name is None else str(name)
