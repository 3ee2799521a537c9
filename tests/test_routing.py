"""Safe routes: properties that must hold on real extracts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from safepassage.crossings import Arm, NodeArms
from safepassage.directions import build_directions, render_directions, route_legs
from safepassage.pipeline import RouteSettings, compute_routes, routes_frame
from safepassage.routing import (
    LAMBDAS,
    RouteOptions,
    build_state_graph,
    route_geometry,
    safe_routes,
    shortest_path_tree,
)
from safepassage.safety import RiskZones, edge_risk, load_profile, parse_window, read_zones


@pytest.fixture(scope="module")
def demo_plan(demo_area):
    return compute_routes(demo_area)


# -- the crossing model -----------------------------------------------------------------------


def _arms(*specs: tuple[float, float]) -> NodeArms:
    arms = [Arm(b, f"road {b:g}", "primary", True, "none", c) for b, c in specs]
    prefix = np.concatenate([[0], np.cumsum([c for _, c in specs])])
    return NodeArms(arms, [a.bearing for a in arms], prefix)


def test_crossing_goes_the_cheaper_way_round():
    # a four-way intersection: N (cost 100), E (10), S (100), W (10); corners NE=0, SE=1, SW=2, NW=3
    node = _arms((0, 100), (90, 10), (180, 100), (270, 10))
    assert node.crossing(0, 0) == (0.0, [])
    cost, arms = node.crossing(1, 2)  # SE -> SW crosses the south arm
    assert cost == 100 and arms == [2]
    cost, arms = node.crossing(0, 2)  # NE -> SW: across E then S (110) or N then W (110)
    assert cost == 110 and len(arms) == 2
    cost, arms = node.crossing(1, 0)  # SE -> NE crosses the east arm only
    assert cost == 10 and arms == [1]


def test_a_single_road_arm_has_no_sides_to_cross():
    node = _arms((45, 300))
    assert node.k == 1 and node.crossing(0, 0) == (0.0, [])


# -- routes -----------------------------------------------------------------------------------


def test_every_usable_destination_is_routed_or_reported(demo_plan, demo_area):
    usable = int(demo_area.destinations["usable"].sum())
    assert len(demo_plan.routes) == len(demo_area.destinations)
    assert len(demo_plan.ok) == usable
    for dr in demo_plan.routes:
        assert dr.status in ("ok", "unreachable", "at origin")
        if dr.status != "ok":
            assert dr.reason


def test_safest_never_riskier_than_shortest_and_within_cap(demo_plan):
    cap = demo_plan.max_detour_pct
    for dr in demo_plan.ok:
        s, sh = dr.safest, dr.shortest
        assert s.risk <= sh.risk + 1e-9
        assert s.length_m <= sh.length_m * (1 + cap / 100) + 1e-6
        for alt in dr.alternatives:
            assert alt.length_m >= sh.length_m - 1e-6


def test_safe_routes_buy_fewer_unsignalised_arterial_crossings(demo_plan):
    safe = sum(dr.safest.metrics["unsignalised_arterial_crossings"] for dr in demo_plan.ok)
    short = sum(dr.shortest.metrics["unsignalised_arterial_crossings"] for dr in demo_plan.ok)
    assert short > 0, "downtown shortest routes cross arterials without signals"
    assert safe < short
    reductions = [dr.comparison()["risk_reduction_pct"] for dr in demo_plan.ok]
    assert np.mean(reductions) > 20


def test_detour_cap_is_honoured_when_tight(demo_area):
    plan = compute_routes(demo_area, RouteSettings(max_detour_pct=0.0))
    for dr in plan.ok:
        assert dr.safest.length_m <= dr.shortest.length_m + 1e-6


def test_shortest_lengths_equal_networkx(demo_plan, demo_area):
    G = demo_area.G
    lengths = nx.single_source_dijkstra_path_length(G, demo_area.origin_node, weight="length")
    for dr in demo_plan.ok:
        assert math.isclose(dr.shortest.length_m, lengths[dr.destination["node"]], rel_tol=1e-9)


def test_batched_trees_equal_networkx(demo_area):
    risk = edge_risk(demo_area.G)
    sg = build_state_graph(demo_area.G, risk)
    sources = sg.sources([demo_area.origin_node])
    for lam in (LAMBDAS[0], 1.0, 16.0):
        fast = shortest_path_tree(sg, sources, lam, backend="scipy")
        ref = shortest_path_tree(sg, sources, lam, backend="networkx")
        finite = np.isfinite(ref.dist)
        assert np.array_equal(np.isfinite(fast.dist), finite)
        assert np.allclose(fast.dist[finite], ref.dist[finite], rtol=1e-12, atol=1e-9)


def test_same_input_same_output(demo_area):
    a = routes_frame(demo_area, compute_routes(demo_area))
    b = routes_frame(demo_area, compute_routes(demo_area))
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert all(x.equals(y) for x, y in zip(a.geometry, b.geometry, strict=True) if x is not None)


def test_directions_account_for_the_whole_route(demo_plan, demo_area):
    sg = demo_plan.state_graph
    for dr in demo_plan.ok[:12]:
        legs = route_legs(demo_area.G, sg, dr.safest)
        steps = build_directions(legs, origin="site", destination=dr.destination["name"],
                                 merge_divided=False)
        assert math.isclose(math.fsum(s.distance_m for s in steps), dr.safest.length_m,
                            rel_tol=1e-9)
        # every crossing of an arterial on the route is narrated, with its control, also when
        # a corner's crossings are said in one step
        narrated = [c for s in steps for c in ((s.crossing,) if s.crossing else s.crossings)
                    if c.arterial]
        assert len(narrated) == dr.safest.metrics["arterial_crossings"]
        text = " ".join(render_directions(steps))
        assert text.count("(busy street)") == len(narrated)


def _box(lon: float, lat: float, half: float) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {"type": "Feature", "properties": {"name": "closed"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_no_route_enters_an_avoid_polygon(demo_area, demo_plan, tmp_path: Path):
    G = demo_area.G
    dr = max(demo_plan.ok, key=lambda d: d.safest.length_m)
    line = route_geometry(G, demo_plan.state_graph, dr.safest.edges)
    mid = line.interpolate(0.5, normalized=True)
    lonlat = _to_lonlat(G, mid)
    path = tmp_path / "avoid.geojson"
    path.write_text(json.dumps(_box(*lonlat, 0.0002)))
    zones = RiskZones(avoid=read_zones(path))
    plan = compute_routes(demo_area, RouteSettings(zones=zones))
    poly = zones.avoid.to_crs(G.graph["crs"]).geometry.union_all()
    for d in plan.ok:
        for r in (d.safest, d.shortest, *d.alternatives):
            assert not route_geometry(G, plan.state_graph, r.edges).intersects(poly)


def test_avoid_polygon_cutting_off_a_destination_is_reported(demo_area, tmp_path: Path):
    dest = demo_area.destinations[demo_area.destinations["name"] == "Pershing Square"].iloc[0]
    d = demo_area.G.nodes[dest["node"]]
    path = tmp_path / "avoid.geojson"
    path.write_text(json.dumps(_box(d["lon"], d["lat"], 0.0006)))
    plan = compute_routes(demo_area, RouteSettings(zones=RiskZones(avoid=read_zones(path))))
    pershing = next(r for r in plan.routes if r.destination["name"] == "Pershing Square")
    assert pershing.status == "unreachable"
    assert "avoid" in pershing.reason


def test_adding_risk_to_an_edge_never_makes_it_more_attractive(demo_area, demo_plan):
    G = demo_area.G
    base = edge_risk(G)
    sg0 = demo_plan.state_graph
    dr = max(demo_plan.ok, key=lambda d: d.safest.length_m)
    on_route = set(dr.safest.edges)
    off_route = [i for i in range(len(base.edges)) if i not in on_route][::97][:5]
    for target in [*list(on_route)[:3], *off_route]:
        risk = edge_risk(G)
        bump = risk.table["length"].to_numpy()[target] * 5.0
        risk.table.loc[target, ["risk_right", "risk_left"]] += bump
        plan = safe_routes(G, risk, [demo_area.origin_node], demo_area.destinations)
        new = next(r for r in plan.ok if r.destination["dest_id"] == dr.destination["dest_id"])
        if target not in on_route:
            assert target not in new.safest.edges
        else:
            # either the route moved off the edge or it kept the same edges
            assert target not in new.safest.edges or new.safest.edges == dr.safest.edges
    assert sg0 is demo_plan.state_graph


def test_night_routes_prefer_lit_streets(helsinki_area):
    day = compute_routes(helsinki_area, RouteSettings(profile=load_profile("night"),
                                                      window=parse_window("dismissal")))
    night = compute_routes(helsinki_area, RouteSettings(profile=load_profile("night"),
                                                        window=parse_window("evening")))
    assert len(night.ok) >= 5
    for d in night.ok:
        assert d.safest.metrics["unlit_m"] <= d.shortest.metrics["unlit_m"] + 1e-6
    assert sum(d.safest.metrics["unlit_m"] for d in night.ok) <= sum(
        d.safest.metrics["unlit_m"] for d in day.ok) + 1e-6


def test_several_entrances_route_from_the_nearest(demo_area, demo_plan):
    G = demo_area.G
    second = demo_plan.ok[0].destination["node"]
    plan = compute_routes(demo_area, origin_nodes=[demo_area.origin_node, second])
    first = next(r for r in plan.routes if r.destination["node"] == second)
    assert first.status == "at origin"
    for dr in plan.ok:
        old = next(r for r in demo_plan.ok if r.destination["dest_id"] == dr.destination["dest_id"])
        assert dr.shortest.length_m <= old.shortest.length_m + 1e-6
    assert G.has_node(second)


@pytest.fixture(scope="module")
def helsinki_area(helsinki_pbf, tmp_path_factory):
    from safepassage.source import Source, load_area

    lat, lon = 60.1675, 24.9380  # central Helsinki, inside the bundled extract
    src = Source.from_file(helsinki_pbf, lat, lon)
    return load_area(src, 700, include=("osm",),
                     cache_dir=tmp_path_factory.mktemp("hcache"))


def _to_lonlat(G, point: Point) -> tuple[float, float]:
    from pyproj import Transformer

    t = Transformer.from_crs(G.graph["crs"], "EPSG:4326", always_xy=True)
    return t.transform(point.x, point.y)


def test_route_geometry_is_continuous(demo_plan, demo_area):
    for dr in demo_plan.ok[:10]:
        line = route_geometry(demo_area.G, demo_plan.state_graph, dr.safest.edges)
        assert math.isclose(line.length, dr.safest.length_m, rel_tol=0.02)
        assert shapely.is_valid(line)


def test_tree_paths_walk_the_least_risky_sides(demo_plan):
    sg = demo_plan.state_graph
    for dr in demo_plan.ok:
        for r in (dr.safest, dr.shortest, *dr.alternatives):
            best, _ = sg.path_risk(r.edges)
            assert math.isclose(best, r.risk, rel_tol=1e-9, abs_tol=1e-6)


def test_trees_for_many_origins_match_single_trees(demo_area, demo_plan):
    from safepassage.routing import arrivals, trees_to_nodes

    sg = demo_plan.state_graph
    origins = [dr.destination["node"] for dr in demo_plan.ok[:4]]
    nodes = sg.crossings.nodes_list
    for origin, cost in trees_to_nodes(sg, origins, lam=1.0):
        tree = shortest_path_tree(sg, sg.sources([origin]), 1.0)
        for i in range(0, len(nodes), 37):
            expected = 0.0 if nodes[i] == origin else arrivals(sg, tree, nodes[i])[0]
            assert math.isclose(cost[i], expected, rel_tol=1e-9) or (
                math.isinf(cost[i]) and math.isinf(expected))
    bounded = dict(trees_to_nodes(sg, origins[:1], lam=1.0, limit=200.0))
    finite = bounded[origins[0]][np.isfinite(bounded[origins[0]])]
    assert len(finite) < len(nodes) and finite.max() <= 200.0 + max(sg.state_len.max(), 1) * 50


def test_risk_breakdown_explains_the_whole_risk(demo_plan):
    for dr in demo_plan.ok:
        for r in (dr.safest, dr.shortest):
            parts = r.metrics["risk_by_factor"]
            assert set(parts) >= {"way", "arterial", "traffic", "lighting", "crossings"}
            assert math.isclose(sum(parts.values()), r.risk, abs_tol=0.1 * len(parts))
    # downtown, the shortest routes' risk is mostly crossings and arterials
    short = [dr.shortest.metrics["risk_by_factor"] for dr in demo_plan.ok]
    assert sum(p["crossings"] for p in short) > 0


# -- batched trees and exactness ----------------------------------------------------------------


def test_trees_in_one_call_equal_single_trees_and_networkx(demo_area):
    from safepassage.routing import arrive, batched_trees, state_graph, trace_all

    sg = state_graph(demo_area.G, edge_risk(demo_area.G))
    sources = sg.sources([demo_area.origin_node])
    lams = [LAMBDAS[0], 1.0, 16.0]
    batch = batched_trees(sg, sources, lams)
    for k, lam in enumerate(lams):
        ref = shortest_path_tree(sg, sources, lam, backend="networkx")
        finite = np.isfinite(ref.dist)
        assert np.array_equal(np.isfinite(batch.dist[k]), finite)
        assert np.allclose(batch.dist[k][finite], ref.dist[finite], rtol=1e-12, atol=1e-9)
    # every destination traced at once: lengths and risks add up along the states
    nodes = list(demo_area.G.nodes)[::29]
    cost, last = arrive(sg, batch, sg.node_states(nodes))
    traces = trace_all(sg, batch.pred, last)
    for p in range(0, last.size, 7):
        if last.flat[p] < 0:
            continue
        states = traces.states(p)
        assert math.isclose(traces.length[p], float(sg.state_len[states].sum()), rel_tol=1e-9)
        assert math.isclose(traces.risk[p], sg.states_risk(states), rel_tol=1e-9, abs_tol=1e-6)
        k = p // last.shape[1]
        assert math.isclose(cost.flat[p], traces.length[p] + lams[k] * traces.risk[p],
                            rel_tol=1e-9, abs_tol=1e-6)


def _piece(G: nx.MultiDiGraph, centre, radius_m: float) -> nx.MultiDiGraph:
    """The strongly connected network within ``radius_m`` of a node (a small real subgraph)."""
    x0, y0 = G.nodes[centre]["x"], G.nodes[centre]["y"]
    near = [n for n, d in G.nodes(data=True) if math.hypot(d["x"] - x0, d["y"] - y0) <= radius_m]
    H = G.subgraph(near).copy()
    H = H.subgraph(max(nx.strongly_connected_components(H), key=len)).copy()
    H.graph.update(G.graph)
    return H


def _brute_force(sg, sources, node, max_len: float) -> float:
    """Least risk of any walk within ``max_len`` ending at ``node``: every walk enumerated."""
    ends = set(sg.node_states([node])[0].tolist()) - {-1}
    best = math.inf
    stack = [(int(s), 0.0, 0.0) for s in sources]
    while stack:
        s, length, risk = stack.pop()
        if s in ends and length + sg.state_len[s] <= max_len + 1e-9:
            best = min(best, risk + float(sg.state_risk[s]))
        for arc in range(int(sg.indptr[s]), int(sg.indptr[s + 1])):
            nl = length + float(sg.arc_len[arc])
            if nl <= max_len + 1e-9:
                stack.append((int(sg.indices[arc]), nl, risk + float(sg.arc_risk[arc])))
    return best


def test_exact_solver_equals_brute_force_on_a_tiny_real_network(demo_area):
    from safepassage.routing import exact_safest, state_graph

    H = _piece(demo_area.G, demo_area.origin_node, 110.0)
    sg = state_graph(H, edge_risk(H))
    sources = sg.sources([demo_area.origin_node])
    checked = 0
    for node in list(H.nodes)[:12]:
        if node == demo_area.origin_node:
            continue
        plain = exact_safest(sg, [demo_area.origin_node], node, math.inf)
        assert plain is not None
        cap = plain[1] * 1.25  # a cap above this route's length: the walks to compare
        got = exact_safest(sg, [demo_area.origin_node], node, cap)
        assert got is not None
        assert math.isclose(got[0], _brute_force(sg, sources, node, cap), rel_tol=1e-9,
                            abs_tol=1e-9)
        assert math.isclose(got[0], sg.states_risk(got[2]), rel_tol=1e-9, abs_tol=1e-9)
        assert got[1] <= cap + 1e-9
        checked += 1
    assert checked >= 8


def _check_against_exact(G: nx.MultiDiGraph, origin, options) -> tuple[int, int]:
    """Every safe route within the cap, its bound below the optimum, its gap honest.

    Returns how many destinations were routed and how many are within 1 % of the optimum.
    """
    from safepassage.routing import exact_safest

    risk = edge_risk(G)
    dests = pd.DataFrame({"dest_id": [f"n{i}" for i, _ in enumerate(G.nodes)],
                          "name": list(map(str, G.nodes)), "kind": "other",
                          "node": list(G.nodes), "usable": True, "problem": None})
    dests = dests[dests["node"] != origin].iloc[::4]
    plan = safe_routes(G, risk, [origin], dests, options=options)
    sg = plan.state_graph
    proven = 0
    for dr in plan.ok:
        s = dr.safest
        cap = dr.shortest.length_m * (1 + plan.max_detour_pct / 100)
        opt = exact_safest(sg, [origin], dr.destination["node"], cap)
        assert opt is not None
        assert s.length_m <= cap + 1e-6
        assert s.risk >= opt[0] - 1e-6  # nothing within the cap beats the optimum
        assert s.risk_bound <= opt[0] + 1e-6  # the bound is a lower bound
        # the reported gap covers the distance to the optimum
        assert 100 * (s.risk - opt[0]) <= s.risk_gap_pct * max(s.risk, 1e-9) + 1e-6
        if options.exact and options.max_labels >= 10_000:
            # the default: every safe route proven the least risky within the cap
            assert s.risk_gap_pct <= 1e-9
            assert math.isclose(s.risk, opt[0], rel_tol=1e-9, abs_tol=1e-6)
        proven += s.risk_gap_pct <= 1.0
    return len(plan.ok), proven


_BOUNDS_ONLY = RouteOptions(exact=False)
_SMALL_BUDGET = RouteOptions(max_labels=40, max_rounds=0)


@pytest.mark.parametrize("options", [_BOUNDS_ONLY, RouteOptions(), _SMALL_BUDGET],
                         ids=["bounds only", "default", "small label budget"])
def test_safe_routes_within_their_gap_of_the_optimum_demo(demo_area, options):
    H = _piece(demo_area.G, demo_area.origin_node, 450.0)
    routed, proven = _check_against_exact(H, demo_area.origin_node, options)
    assert routed >= 40
    if options == _BOUNDS_ONLY:
        assert proven >= 0.6 * routed
    elif options.exact and options.max_labels >= 10_000:
        assert proven == routed


@pytest.mark.parametrize("options", [_BOUNDS_ONLY, RouteOptions(), _SMALL_BUDGET],
                         ids=["bounds only", "default", "small label budget"])
def test_safe_routes_within_their_gap_of_the_optimum_helsinki(helsinki_area, options):
    # Lagrangian bounds alone leave gaps here (the cap makes the least risky route one no λ
    # gives); label setting closes every one of them
    H = _piece(helsinki_area.G, helsinki_area.origin_node, 350.0)
    routed, proven = _check_against_exact(H, helsinki_area.origin_node, options)
    assert routed >= 30
    if options == _BOUNDS_ONLY:
        assert proven >= 0.3 * routed
    elif options.exact and options.max_labels >= 10_000:
        assert proven == routed


def _search_case(G: nx.MultiDiGraph, origin, radius_m: float, every: int):
    """A small real network, its first batch of trees, and destinations with their caps."""
    from safepassage.routing import batched_trees, exact_safest, state_graph

    H = _piece(G, origin, radius_m)
    sg = state_graph(H, edge_risk(H))
    sources = sg.sources([origin])
    nodes = [n for n in list(H.nodes)[::every] if n != origin]
    caps = []
    for node in nodes:
        plain = exact_safest(sg, [origin], node, math.inf)
        caps.append(plain[1] * 1.25)  # 25 % above the least risky route's length
    return sg, sources, nodes, np.array(caps), batched_trees(sg, sources, LAMBDAS)


def _check_search_routes(sg, sources, nodes, caps, got) -> None:
    """Every route the search reports is a real walk from a source to its destination."""
    ends = sg.node_states(nodes)
    for i in np.flatnonzero(got.improved):
        states = got.states(i)
        assert states[0] in set(sources.tolist()) and states[-1] in set(ends[i].tolist())
        assert np.all(sg.arcs(states[:-1], states[1:]) < len(sg.arc_key))
        assert np.array_equal(sg.arc_key[sg.arcs(states[:-1], states[1:])],
                              np.array(states[:-1]) * sg.n_states + np.array(states[1:]))
        assert math.isclose(got.length[i], float(sg.state_len[states].sum()), rel_tol=1e-9)
        assert math.isclose(got.risk[i], sg.states_risk(states), rel_tol=1e-9, abs_tol=1e-9)
        assert got.length[i] <= caps[i] + 1e-9


def test_label_search_equals_brute_force_on_a_tiny_real_network(demo_area):
    from safepassage.routing import batched_trees, search_safest

    sg, sources, nodes, caps, _ = _search_case(demo_area.G, demo_area.origin_node, 110.0, 1)
    ends = sg.node_states(nodes)
    brute = np.array([_brute_force(sg, sources, node, cap) for node, cap in zip(nodes, caps,
                                                                                 strict=True)])
    # whatever trees prune the search (all, the shortest only, risk only), the same optimum
    for lams in (LAMBDAS, [LAMBDAS[0]], [64.0]):
        got = search_safest(sg, sources, batched_trees(sg, sources, lams), ends, caps,
                            np.full(len(nodes), np.inf))
        assert np.allclose(got.risk, brute, rtol=1e-9, atol=1e-9)
        assert np.allclose(got.bound, brute, rtol=1e-9, atol=1e-9)
        _check_search_routes(sg, sources, nodes, caps, got)
    assert len(nodes) >= 8 and got.improved.all()


@pytest.mark.parametrize("where", ["demo", "helsinki"])
def test_label_search_equals_the_exact_solver(demo_area, helsinki_area, where):
    from safepassage.routing import exact_safest, search_safest

    area, radius = (demo_area, 450.0) if where == "demo" else (helsinki_area, 350.0)
    sg, sources, nodes, caps, trees = _search_case(area.G, area.origin_node, radius, 5)
    ends = sg.node_states(nodes)
    ref = np.array([exact_safest(sg, [area.origin_node], node, cap)[0]
                    for node, cap in zip(nodes, caps, strict=True)])
    got = search_safest(sg, sources, trees, ends, caps, np.full(len(nodes), np.inf))
    assert len(nodes) >= 15
    assert np.allclose(got.risk, ref, rtol=1e-9, atol=1e-6)
    assert np.allclose(got.bound, got.risk)  # proven: bound and route meet
    _check_search_routes(sg, sources, nodes, caps, got)
    # given the optimum as the route to beat, it finds nothing better and proves it
    known = search_safest(sg, sources, trees, ends, caps, ref)
    assert not known.improved.any() and np.allclose(known.bound, ref, rtol=1e-9, atol=1e-6)
    # with a tolerance it may stop early, within it; out of labels, its bound still holds
    loose = search_safest(sg, sources, trees, ends, caps, np.full(len(nodes), np.inf),
                          tol_pct=5.0)
    assert np.all(loose.bound <= ref + 1e-6) and np.all(loose.risk >= ref - 1e-6)
    assert np.all(loose.risk - loose.bound <= 0.05 * loose.risk + 1e-9)
    short = search_safest(sg, sources, trees, ends, caps, np.full(len(nodes), np.inf),
                          max_labels=12)
    assert np.all(short.bound <= ref + 1e-6) and np.all(short.labels <= 12)
    assert np.all(short.risk[short.improved] >= ref[short.improved] - 1e-6)
    assert (short.bound < ref - 1e-6).any()  # the budget does run out here


def test_every_demo_safe_route_is_proven_the_least_risky(demo_plan):
    # the default closes every gap: each safe route is the least risky within the cap
    assert demo_plan.ok
    assert all(dr.safest.risk_gap_pct == 0.0 for dr in demo_plan.ok)
    assert all(dr.safest.risk_bound == dr.safest.risk for dr in demo_plan.ok)


def test_state_graph_is_cached_per_network_and_risk(demo_area):
    from safepassage.routing import state_graph

    G = demo_area.G
    a = state_graph(G, edge_risk(G))
    b = state_graph(G, edge_risk(G))  # an equal risk, computed again
    assert b.indptr is a.indptr and b.arc_risk is a.arc_risk
    night = state_graph(G, edge_risk(G, load_profile("night"), parse_window("evening")))
    assert night.arc_risk is not a.arc_risk
    risk = edge_risk(G)
    risk.table.loc[0, ["risk_right", "risk_left"]] += 100.0  # a changed risk is seen
    assert state_graph(G, risk).arc_risk is not a.arc_risk
