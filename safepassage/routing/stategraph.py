"""The turn-aware state graph: one state per directed edge and sidewalk side.

Built in two parts, both with numpy only:

* the network's part (:class:`StateTopology`): states, the arcs between them (every turn at
  every node but U-turns) and the corners each arc goes between, once per network;
* the costs of one :class:`~safepassage.safety.EdgeRisk` (profile, time window, zones,
  incidents): each arc's length and risk, the crossing included, as a CSR matrix.

:func:`state_graph` caches the result per network and per (profile, time window, risk), so a
plan that routes, re-routes and covers with the same settings builds it once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix

from ..crossings import CENTRE, LEFT, Arm, CrossingModel, NetworkArms
from ..safety import EdgeRisk

#: Weight given to arcs of zero cost (scipy reads an explicit zero as a missing arc).
TINY = 1e-9


@dataclass
class StateTopology:
    """States and arcs of a network, whatever the costs (built once per network).

    Attributes
    ----------
    state_edge, state_side : numpy.ndarray
        Edge index and side of every state (two per road edge, one per footway).
    edge_first, edge_count : numpy.ndarray
        Per edge: its first state and how many it has.
    arc_a, arc_b : numpy.ndarray
        Arcs (state -> next state), sorted by ``(a, b)``.
    arc_node, arc_c1, arc_c2 : numpy.ndarray
        Per arc: the network node of the turn and the corners it goes between.
    head_ptr, head_idx, tail_ptr, tail_idx : numpy.ndarray
        CSR lists of the states whose edge ends / starts at each node.
    """

    state_edge: np.ndarray
    state_side: np.ndarray
    edge_first: np.ndarray
    edge_count: np.ndarray
    arc_a: np.ndarray
    arc_b: np.ndarray
    arc_node: np.ndarray
    arc_c1: np.ndarray
    arc_c2: np.ndarray
    head_ptr: np.ndarray
    head_idx: np.ndarray
    tail_ptr: np.ndarray
    tail_idx: np.ndarray


def _csr_lists(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=n))]).astype(np.int64)
    return ptr, order.astype(np.int64)


def build_topology(net: NetworkArms, model: CrossingModel) -> StateTopology:
    """States and arcs of a network (vectorised; no Python loop over edges)."""
    m = len(net.edges)
    n_sides = np.where(net.road, 2, 1)
    se = np.repeat(np.arange(m, dtype=np.int64), n_sides)
    first = np.concatenate([[0], np.cumsum(n_sides)[:-1]]).astype(np.int64)
    offset = np.arange(len(se)) - np.repeat(first, n_sides)
    ss = np.where(net.road[se], offset, CENTRE).astype(np.int64)
    nn = len(net.nodes_list)
    head = net.head_node[se]
    tail = net.tail_node[se]
    tail_ptr, by_tail = _csr_lists(tail, nn)
    head_ptr, by_head = _csr_lists(head, nn)
    # every (arriving state, leaving state) pair at each node, without U-turns
    out_count = np.diff(tail_ptr)
    reps = out_count[head]
    a = np.repeat(np.arange(len(se), dtype=np.int64), reps)
    within = np.arange(len(a)) - np.repeat(np.cumsum(reps) - reps, reps)
    b = by_tail[np.repeat(tail_ptr[head], reps) + within]
    keep = net.rev[se[a]] != se[b]
    a, b = a[keep], b[keep]
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    return StateTopology(
        state_edge=se, state_side=ss, edge_first=first, edge_count=n_sides.astype(np.int64),
        arc_a=a, arc_b=b, arc_node=head[a], arc_c1=model.arrive_corners(se[a], ss[a]),
        arc_c2=model.depart_corners(se[b], ss[b]), head_ptr=head_ptr, head_idx=by_head,
        tail_ptr=tail_ptr, tail_idx=by_tail,
    )


@dataclass
class StateGraph:
    """The turn-aware search graph of a network under an :class:`EdgeRisk`.

    A state's distance is the cost of reaching the start of its edge on its side; an arc from
    state *a* to state *b* costs *a*'s edge plus the crossing from *a* to *b*. Arcs carry two
    weights, length and risk; a search minimises ``length + λ · risk``.

    Attributes
    ----------
    risk : EdgeRisk
    crossings : CrossingModel
    topology : StateTopology
    state_edge, state_side : numpy.ndarray
        Edge index (in ``risk.edges`` order) and side of every state.
    state_len, state_risk : numpy.ndarray
        Length and risk of walking the state's edge on its side.
    usable : numpy.ndarray
        False for states of edges the risk marks ``avoid`` (no arc enters or leaves them).
    indptr, indices, arc_len, arc_risk : numpy.ndarray
        The arcs in CSR form: state -> next state, with length and risk weights.
    arc_key : numpy.ndarray
        ``a × n_states + b`` of every arc, sorted (to look an arc up by its two states).
    node_index : dict
        Network node -> position in ``crossings.nodes_list``.
    """

    risk: EdgeRisk
    crossings: CrossingModel
    topology: StateTopology
    state_edge: np.ndarray
    state_side: np.ndarray
    state_len: np.ndarray
    state_risk: np.ndarray
    usable: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    arc_len: np.ndarray
    arc_risk: np.ndarray
    arc_key: np.ndarray
    node_index: dict[Hashable, int]
    _matrices: dict[Any, csr_matrix] = field(default_factory=dict, repr=False)
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _reverse: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_states(self) -> int:
        """Number of states."""
        return len(self.state_edge)

    @cached_property
    def edge_states(self) -> list[list[int]]:
        """States of each edge (none for avoided edges)."""
        t = self.topology
        return [list(range(f, f + c)) if self.usable[f] else []
                for f, c in zip(t.edge_first.tolist(), t.edge_count.tolist(), strict=True)]

    @cached_property
    def head_states(self) -> list[np.ndarray]:
        """Per node position: the usable states whose edge ends there."""
        return self._split(self.topology.head_ptr, self.topology.head_idx)

    @cached_property
    def tail_states(self) -> list[np.ndarray]:
        """Per node position: the usable states whose edge starts there."""
        return self._split(self.topology.tail_ptr, self.topology.tail_idx)

    def _split(self, ptr: np.ndarray, idx: np.ndarray) -> list[np.ndarray]:
        ok = self.usable[idx]
        cum = np.concatenate([[0], np.cumsum(ok)])[ptr]
        return np.split(idx[ok], cum[1:-1])

    def node_states(self, nodes: Sequence[Hashable], *, heads: bool = True) -> np.ndarray:
        """Padded matrix (nodes × most states) of usable states ending (or starting) at nodes.

        Missing entries are -1; nodes not in the network have none.
        """
        t = self.topology
        ptr, idx = (t.head_ptr, t.head_idx) if heads else (t.tail_ptr, t.tail_idx)
        pos = np.array([self.node_index.get(n, -1) for n in nodes], dtype=np.int64)
        start = np.where(pos >= 0, ptr[np.maximum(pos, 0)], 0)
        count = np.where(pos >= 0, ptr[np.maximum(pos, 0) + 1] - start, 0)
        width = max(int(count.max()) if len(count) else 0, 1)
        col = np.arange(width)
        ok = col[None, :] < count[:, None]
        states = np.where(ok, idx[np.minimum(start[:, None] + col[None, :], len(idx) - 1)], -1)
        return np.where((states >= 0) & self.usable[np.maximum(states, 0)], states, -1)

    def matrix(self, lam: float) -> csr_matrix:
        """The CSR matrix with arc weights ``length + lam × risk`` (cached per λ)."""
        if lam not in self._matrices:
            data = self.arc_len + lam * self.arc_risk
            self._matrices[lam] = csr_matrix(
                (np.where(data > 0, data, TINY), self.indices, self.indptr),
                shape=(self.n_states, self.n_states),
            )
        return self._matrices[lam]

    def sources(self, origin_nodes: Iterable[Hashable]) -> np.ndarray:
        """States leaving any of the origin nodes."""
        t = self.topology
        parts = []
        for n in origin_nodes:
            pos = self.node_index.get(n)
            if pos is not None:
                idx = t.tail_idx[t.tail_ptr[pos]:t.tail_ptr[pos + 1]]
                parts.append(idx[self.usable[idx]])
        return np.unique(np.concatenate(parts)) if parts else np.array([], dtype=np.int64)

    def reversed_arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The arcs grouped by the state they enter (cached).

        Returns
        -------
        tuple
            ``(ptr, tail, arc)``: the arcs entering state ``b`` are ``arc[ptr[b]:ptr[b + 1]]``,
            leaving from ``tail[ptr[b]:ptr[b + 1]]``.
        """
        cache = self._reverse
        if "order" not in cache:
            n = self.n_states
            tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
            order = np.argsort(self.indices, kind="stable").astype(np.int64)
            cache.update(order=order, indices=tails[order], indptr=np.concatenate(
                [[0], np.cumsum(np.bincount(self.indices, minlength=n))]).astype(np.int64))
        return cache["indptr"], cache["indices"], cache["order"]

    def arcs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Index of the arc from state ``a`` to state ``b`` (vectorised; must exist)."""
        return np.searchsorted(self.arc_key, np.asarray(a) * self.n_states + np.asarray(b))

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
        best = {s: float(self.state_risk[s]) for s in self.edge_states[edges[0]]}
        back: list[dict[int, int]] = []
        for e in edges[1:]:
            cur: dict[int, float] = {}
            arg: dict[int, int] = {}
            for b in self.edge_states[e]:
                cost, a = min((best[a] + self.transition(a, b)[0], a) for a in best)
                cur[b] = cost + float(self.state_risk[b])
                arg[b] = a
            back.append(arg)
            best = cur
        last = min(best, key=lambda s: (best[s], s))
        states = [last]
        for arg in reversed(back):
            states.append(arg[states[-1]])
        return best[last], states[::-1]


def build_state_graph(G: nx.MultiDiGraph, risk: EdgeRisk) -> StateGraph:
    """Build the turn-aware search graph (vectorised: milliseconds for a neighbourhood).

    The network's part (crossing arms, states, arcs) is built once per network and reused;
    this adds the costs of ``risk``. :func:`state_graph` also caches the result.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared network.
    risk : EdgeRisk
        From :func:`safepassage.safety.edge_risk`; edges it marks ``avoid`` get no arcs.

    Returns
    -------
    StateGraph
    """
    cm = CrossingModel(G, risk)
    topo = _topology(G, cm)
    table = risk.table
    se, ss = topo.state_edge, topo.state_side
    s_len = table["length"].to_numpy(dtype=float)[se]
    s_risk = np.where(ss == LEFT, table["risk_left"].to_numpy(dtype=float)[se],
                      table["risk_right"].to_numpy(dtype=float)[se])
    usable = ~table["avoid"].to_numpy(dtype=bool)[se]
    a, b = topo.arc_a, topo.arc_b
    cross = cm.crossing_costs(topo.arc_node, topo.arc_c1, topo.arc_c2)
    keep = usable[a] & usable[b]
    if not keep.all():
        a, b, cross = a[keep], b[keep], cross[keep]
    n = len(se)
    # int32 indices, as scipy's csgraph wants them (no copy per search)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=n))]).astype(np.int32)
    return StateGraph(
        risk=risk, crossings=cm, topology=topo, state_edge=se, state_side=ss, state_len=s_len,
        state_risk=s_risk, usable=usable, indptr=indptr, indices=b.astype(np.int32),
        arc_len=s_len[a], arc_risk=s_risk[a] + cross, arc_key=a * n + b,
        node_index=cm.node_pos,
    )


_TOPOLOGY: weakref.WeakKeyDictionary[
    nx.MultiDiGraph, tuple[NetworkArms, StateTopology]] = weakref.WeakKeyDictionary()
_GRAPHS: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[tuple[Any, ...], StateGraph]] = \
    weakref.WeakKeyDictionary()

#: State graphs kept per network (one per profile, window and risk).
KEEP_PER_NETWORK = 8


def _topology(G: nx.MultiDiGraph, cm: CrossingModel) -> StateTopology:
    got = _TOPOLOGY.get(G)
    if got is None or got[0] is not cm.net:
        got = (cm.net, build_topology(cm.net, cm))
        _TOPOLOGY[G] = got
    return got[1]


def risk_key(risk: EdgeRisk) -> tuple[Hashable, ...]:
    """What a state graph depends on: profile, window and the risk table's content."""
    h = hashlib.blake2b(digest_size=16)
    t = risk.table
    for col in ("length", "risk_right", "risk_left", "avoid", "hot_spot", "zone_m"):
        h.update(np.ascontiguousarray(t[col].to_numpy()).tobytes())
    crossing = tuple(sorted(risk.profile["crossing"].items()))
    return (risk.profile.name, crossing, risk.window.name, risk.window.start, risk.window.end,
            len(risk.edges), h.hexdigest())


def state_graph(G: nx.MultiDiGraph, risk: EdgeRisk) -> StateGraph:
    """The search graph of ``G`` under ``risk``, cached per network, profile, window and risk.

    The same (or an equal) risk on the same network returns the graph built before, sharing
    its arrays and per-λ matrices, with ``risk`` as given.
    """
    per_net = _GRAPHS.setdefault(G, {})
    key = risk_key(risk)
    sg = per_net.get(key)
    if sg is None:
        sg = build_state_graph(G, risk)
        if len(per_net) >= KEEP_PER_NETWORK:
            per_net.pop(next(iter(per_net)))
        per_net[key] = sg
        return sg
    if sg.risk is risk:
        return sg
    return dataclasses.replace(sg, risk=risk, _matrices=sg._matrices, _columns={},
                               _reverse=sg._reverse)


def clear_caches(*, networks: bool = True) -> None:
    """Forget the cached state graphs, and with ``networks`` every network's part too.

    For benchmarks: ``networks=False`` leaves what does not depend on the profile (a new
    profile or time window on a network already seen); ``networks=True`` also forgets each
    network's crossing arms and the edge attributes :func:`~safepassage.safety.edge_risk`
    reads (:func:`safepassage.ways.edge_attributes`).
    """
    from .. import crossings, ways

    _GRAPHS.clear()
    if networks:
        _TOPOLOGY.clear()
        crossings._NETWORKS.clear()
        ways._ATTRIBUTES.clear()
