"""Officer coverage on the demo: corridor demand, posts, optimisation, shifts, pool, CLI."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from safepassage import coverage as cov
from safepassage.cli import main
from safepassage.coverage import CoverageSettings as Settings
from safepassage.coverage.report import plan_dict
from safepassage.errors import InputError
from safepassage.io import MANIFEST, product_dir
from safepassage.routing import safe_routes
from safepassage.safety import edge_risk, load_profile, parse_window

DISMISSAL = parse_window("dismissal")


@pytest.fixture(scope="module")
def demo(demo_area):
    risk = edge_risk(demo_area.G, load_profile("default"), DISMISSAL)
    plan = safe_routes(demo_area.G, risk, [demo_area.origin_node], demo_area.destinations)
    problem = cov.coverage_problem(demo_area.G, plan, DISMISSAL)
    return demo_area, plan, problem


@pytest.fixture(scope="module")
def exact_curve(demo):
    _, _, problem = demo
    return {p: cov.plan_posts(problem, Settings(officers=p, method="exact")) for p in range(0, 9)}


# -- corridor demand ---------------------------------------------------------------------------


def test_corridor_demand_adds_each_safest_route_once_per_edge(demo):
    area, plan, problem = demo
    seg = cov.corridor_demand(area.G, plan, DISMISSAL)
    expected_demand = 0.0
    expected_weight = 0.0
    for dr in plan.ok:
        w = cov.kind_weight(dr.destination["kind"], DISMISSAL)
        expected_demand += w * len(dr.safest.edges)
        expected_weight += w * dr.safest.length_m
    assert seg["demand"].sum() == pytest.approx(expected_demand)
    assert seg["weight"].sum() == pytest.approx(expected_weight)
    assert problem.total_weight == pytest.approx(expected_weight)
    # every edge of every safest route is on the corridor
    on = {e for keys in seg["keys"] for e in keys}
    edges = plan.state_graph.risk.edges
    assert all(edges[e] in on for dr in plan.ok for e in dr.safest.edges)
    assert list(seg.columns[:8]) == ["segment_id", "u", "v", "keys", "name", "street", "highway",
                                     "length_m"]
    assert seg["segment_id"].is_unique and seg.crs == area.G.graph["crs"]


def test_both_directions_of_a_street_are_one_segment(demo):
    area, plan, _ = demo
    G = area.G
    seg = cov.corridor_demand(G, plan, DISMISSAL)
    pairs = [tuple(sorted((str(u), str(v)))) for u, v in zip(seg["u"], seg["v"], strict=True)]
    assert len(pairs) == len(set(pairs))  # the demo has no parallel ways
    two_way = [k for k in seg["keys"] if len(k) == 2]
    assert len(two_way) > 0.9 * len(seg)
    for (u, v, k), (u2, v2, _) in two_way:
        assert (u2, v2) == (v, u)
        assert G.edges[u, v, k]["geometry"].equals_exact(
            G.edges[u2, v2, _]["geometry"].reverse(), 0.01)
    # demand from both directions adds up: walking every route back home doubles it
    risk = plan.state_graph.risk
    partner = {a: b for keys in seg["keys"] if len(keys) == 2 for a, b in (keys, keys[::-1])}
    back = []
    for dr in plan.ok:
        edges = [risk.edges[e] for e in dr.safest.edges]
        if all(e in partner for e in edges):
            home = [risk.index[partner[e]] for e in reversed(edges)]
            back.append(dataclasses.replace(
                dr, safest=dataclasses.replace(dr.safest, edges=home)))
    assert len(back) > 0.8 * len(plan.ok)
    there_and_back = dataclasses.replace(plan, routes=[*plan.ok, *back])
    only_back = dataclasses.replace(plan, routes=back)
    both = cov.corridor_demand(G, there_and_back, DISMISSAL).set_index("segment_id")
    one = cov.corridor_demand(G, only_back, DISMISSAL).set_index("segment_id")
    assert len(both) == len(seg)  # no new segments: the way home is the same streets
    assert np.allclose(both.loc[one.index, "demand"], one["demand"] + seg.set_index(
        "segment_id").loc[one.index, "demand"])


def test_weights_follow_kind_and_window():
    arrival, evening = parse_window("arrival"), parse_window("evening")
    assert cov.kind_weight("school", arrival) > cov.kind_weight("park", arrival)
    assert cov.kind_weight("park", evening) > cov.kind_weight("school", evening)
    assert cov.kind_weight("transit", arrival) == cov.kind_weight("transit", evening)
    assert cov.kind_weight("business", DISMISSAL) < cov.kind_weight("library", DISMISSAL)
    assert cov.kind_weight("unknown-kind", DISMISSAL) == cov.kind_weight("other", DISMISSAL)
    # a custom window takes the weights of the named window it overlaps most
    assert cov.kind_weight("school", parse_window("14:30-15:30")) == \
        cov.kind_weight("school", DISMISSAL)
    assert cov.kind_weight("school", DISMISSAL, {"school": 2}) == 2
    assert cov.kind_weight("park", evening, {"park": {"evening": 9}}) == 9
    with pytest.raises(InputError, match=r"weights\.park"):
        cov.kind_weight("park", evening, {"park": -1})


# -- candidates and the coverage matrix --------------------------------------------------------


def test_post_names_look_like_intersections(demo):
    _, _, problem = demo
    cands = problem.candidates
    inter = cands[cands["source"] == "intersection"]
    crossing = inter["name"].str.contains(" & ")
    assert crossing.mean() > 0.7
    street = r"[A-Z0-9][\w .'/-]+"
    spot = r"( \((\w+ corner|middle)(, \d+ m out)?(, \d+ m farther \w+)?\))?"
    pattern = re.compile(rf"^{street} & {street}{spot}$")
    assert all(pattern.match(n) for n in inter["name"][crossing]), inter["name"][crossing]
    side = r"( \((north|south|east|west) side(, \d+ m out)?(, \d+ m farther \w+)?\))?"
    along = re.compile(rf"^{street}, \d+ m (north|south|east|west) of {street}{side}$")
    others = inter["name"][~crossing]
    assert all(along.match(n) or n.startswith(("near ", "footpath near ")) or " near " in n
               for n in others), others
    assert sum(bool(along.match(n)) for n in others) > 0.5 * len(others)
    assert "South Grand Avenue & West 5th Street" in set(
        n.split(" (")[0] for n in cands["name"])
    dest = cands[cands["source"] == "destination"]
    assert len(dest) and all(n.startswith("at ") or " & " in n for n in dest["name"])
    assert set(cands["name"]) and cands["name"].is_unique


def test_candidates_are_intersections_near_the_corridor(demo):
    area, _, problem = demo
    U = nx.Graph(area.G.to_undirected())
    corridor = set(problem.segments["u"]) | set(problem.segments["v"])
    for _, c in problem.candidates.iterrows():
        if c["source"] == "intersection":
            assert U.degree(c["node"]) >= 3
            d = nx.multi_source_dijkstra_path_length(U, corridor, cutoff=50.0, weight="length")
            assert c["node"] in d
            break


def test_coverage_matrix_matches_networkx(demo):
    area, _, problem = demo
    U = nx.Graph()
    for u, v, d in area.G.edges(data=True):
        if u != v and (not U.has_edge(u, v) or U[u][v]["length"] > d["length"]):
            U.add_edge(u, v, length=d["length"])
    seg = problem.segments
    # a row is a segment or a piece of one: its midpoint is m metres along a segment of length L
    whole = seg.groupby("street_segment_id")["end_m"].transform("max").to_numpy()
    at = ((seg["start_m"] + seg["end_m"]) / 2).to_numpy()
    assert (seg["length_m"] <= cov.PIECE_M + 1e-6).all() and (whole > cov.PIECE_M).any()
    rng = np.random.default_rng(1)
    for c in rng.choice(problem.n_candidates, size=8, replace=False):
        node = problem.candidates["node"].iloc[c]
        dist = nx.single_source_dijkstra_path_length(U, node, weight="length")
        mid = np.array([min(dist.get(u, np.inf) + m, dist.get(v, np.inf) + ln - m)
                        for u, v, ln, m in zip(seg["u"], seg["v"], whole, at, strict=True)])
        expected = mid <= problem.radius_m
        row = problem.covers[[int(c)]].toarray().ravel()
        assert np.array_equal(row, expected)
        got = problem.distance[[int(c)]].toarray().ravel()
        assert np.allclose(got[expected], mid[expected], atol=0.01)


def test_radius_is_configurable(demo):
    area, plan, problem = demo
    small = cov.coverage_problem(area.G, plan, DISMISSAL, Settings(radius_m=100))
    assert small.radius_m == 100 and small.covers.nnz < problem.covers.nnz
    with pytest.raises(InputError, match="radius"):
        cov.coverage_problem(area.G, plan, DISMISSAL, Settings(radius_m=-5))


# -- optimisation ------------------------------------------------------------------------------


def test_coverage_never_falls_when_an_officer_is_added(exact_curve):
    values = [exact_curve[p].covered_weight for p in sorted(exact_curve)]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(values))
    assert values[0] == 0 and values[-1] > 0.95 * exact_curve[8].total_weight


def test_exact_is_never_worse_than_greedy(demo, exact_curve):
    _, _, problem = demo
    for p, ex in exact_curve.items():
        gr = cov.plan_posts(problem, Settings(officers=p, method="greedy"))
        assert ex.method == "exact" and gr.method == "greedy"
        assert ex.covered_weight >= gr.covered_weight - 1e-6
        assert ex.gap_pct == 0.0
        assert gr.gap_pct >= 0 and gr.covered_weight <= ex.upper_bound + 1e-6
        assert gr.covered_pct >= 100 * (1 - gr.gap_pct / 100) * ex.covered_weight / \
            ex.total_weight - 1e-6


def test_a_tiny_instance_matches_brute_force(demo):
    _, _, problem = demo
    reach = np.asarray(problem.covers.sum(axis=1)).ravel()
    keep = np.sort(np.argsort(-reach, kind="stable")[20:31])  # 11 strong but not best posts
    cands = problem.candidates.iloc[keep].reset_index(drop=True)
    tiny = dataclasses.replace(problem, candidates=cands, covers=problem.covers[keep],
                               distance=problem.distance[keep])
    covers = tiny.covers.toarray()
    w = tiny.weights
    for p in (1, 2, 3, 4):
        best = max(w[covers[list(s)].any(axis=0)].sum()
                   for s in itertools.combinations(range(len(keep)), p))
        for method in ("exact", "greedy"):
            got = cov.plan_posts(tiny, Settings(officers=p, method=method))
            assert got.covered_weight <= best + 1e-6
            if method == "exact":
                assert got.covered_weight == pytest.approx(best)
        # locked post + brute force over the rest
        got = cov.plan_posts(tiny, Settings(officers=p, locked=[0], method="exact"))
        best_locked = max(w[covers[[0, *s]].any(axis=0)].sum()
                          for s in itertools.combinations(range(1, len(keep)), p - 1))
        assert got.covered_weight == pytest.approx(best_locked)


def test_posts_table_credits_each_segment_once(exact_curve):
    cp = exact_curve[5]
    assert list(cp.posts["post_id"]) == ["P1", "P2", "P3", "P4", "P5"]
    assert cp.posts["demand_covered"].sum() == pytest.approx(cp.covered_weight)
    assert cp.posts["covered_pct"].sum() == pytest.approx(cp.covered_pct)
    credited = [s for segs in cp.posts["segments"] for s in segs]
    assert len(credited) == len(set(credited)) == int(cp.covered.sum())
    assert cp.posts["demand_covered"].is_monotonic_decreasing
    assert cp.posts.crs == "EPSG:4326" and set(cp.posts["window"]) == {"dismissal"}


def test_uncovered_stretches_are_named_and_add_up(exact_curve):
    cp = exact_curve[3]
    unc = cp.uncovered
    assert len(unc) > 0
    assert unc["length_m"].sum() == pytest.approx(cp.total_length_m - cp.covered_length_m,
                                                  abs=0.1 * len(unc))
    assert unc["weight"].is_monotonic_decreasing
    assert unc["weight"].sum() == pytest.approx(cp.total_weight - cp.covered_weight)
    assert all(isinstance(n, str) and n for n in unc["name"])
    assert any("Street" in n or "Avenue" in n for n in unc["name"])


def test_locked_posts_are_kept_and_banned_places_unused(demo, exact_curve):
    _, _, problem = demo
    free = exact_curve[4]
    best = free.posts.iloc[0]
    cands = problem.candidates
    # ban 60 m around the best free post; lock a named corner and a point
    lock_name = "South Grand Avenue & West 5th Street"
    target = cands[cands["name"].str.startswith(lock_name)].iloc[0]
    point = {"lat": float(cands["lat"].iloc[0]), "lon": float(cands["lon"].iloc[0])}
    banned = [{"lat": best.lat, "lon": best.lon, "radius_m": 60.0}]
    cp = cov.plan_posts(problem, Settings(officers=4, locked=[{"post": lock_name}, point],
                                          banned=banned))
    chosen = set(cp.selected)
    assert 0 in chosen
    assert any(cands["name"].iloc[i].startswith(lock_name) for i in chosen)
    assert set(cp.posts[cp.posts["locked"]]["candidate"]) == set(cp.locked)
    assert best.candidate in cp.banned and best.candidate not in chosen
    ban_xy = gpd.GeoSeries([Point(best.lon, best.lat)], crs=4326).to_crs(problem.crs).iloc[0]
    for i in chosen:
        assert ban_xy.distance(Point(cands["x"].iloc[i], cands["y"].iloc[i])) > 60.0
    assert cp.covered_weight <= free.covered_weight + 1e-6
    assert target["name"].startswith(lock_name)
    # a polygon ban (WGS84 shapely geometry) removes every candidate inside it
    poly = box(best.lon - 0.002, best.lat - 0.002, best.lon + 0.002, best.lat + 0.002)
    cp2 = cov.plan_posts(problem, Settings(officers=3, banned=[poly]))
    inside = cands.geometry.within(poly).to_numpy()
    assert set(np.flatnonzero(inside)) == set(cp2.banned)
    assert not inside[cp2.selected].any()
    # conflicts and bad input are clear errors
    with pytest.raises(InputError, match="banned"):
        cov.plan_posts(problem, Settings(officers=3, locked=[int(best.candidate)],
                                         banned=banned))
    with pytest.raises(InputError, match="no candidate post named"):
        cov.plan_posts(problem, Settings(officers=3,
                                         locked=[{"post": "Nowhere Street & Elm Street"}]))
    with pytest.raises(InputError, match="locked"):
        cov.plan_posts(problem, Settings(officers=1, locked=[0, 5]))
    with pytest.raises(InputError, match=r"\d m from the nearest candidate"):
        cov.plan_posts(problem, Settings(officers=2, locked=[(34.2, -118.0)]))


def test_extra_posts_become_candidates(demo):
    area, plan, _ = demo
    extra = [{"name": "Library steps", "lat": 34.0505, "lon": -118.2552}]
    problem = cov.coverage_problem(area.G, plan, DISMISSAL, Settings(extra_posts=extra))
    row = problem.candidates[problem.candidates["name"] == "Library steps"]
    assert len(row) == 1 and row["source"].iloc[0] == "extra"
    cp = cov.plan_posts(problem, Settings(officers=2, locked=["Library steps"]))
    assert "Library steps" in set(cp.posts["name"])
    with pytest.raises(InputError, match=r"extra_posts\[0\]"):
        cov.coverage_problem(area.G, plan, DISMISSAL,
                             Settings(extra_posts=[{"lat": 35.0, "lon": -118}]))


def test_backup_covers_the_busiest_segments_twice_more_often(demo):
    _, _, problem = demo
    plain = cov.plan_posts(problem, 6)
    backup = cov.plan_posts(problem, Settings(officers=6, backup=True))
    again = cov.plan_posts(problem, Settings(officers=6,
                                             backup={"factor": 0.5, "top_share": 0.2}))
    assert backup.backup is not None and plain.backup is None
    busy = backup.backup["busiest_segments"]
    assert busy > 0
    top = np.argsort(-problem.segments["demand"].to_numpy(), kind="stable")[:busy]
    twice_plain = problem.weights[top][plain.times_covered[top] >= 2].sum()
    twice_backup = problem.weights[top][backup.times_covered[top] >= 2].sum()
    assert twice_backup >= twice_plain - 1e-6
    assert backup.covered_weight <= plain.covered_weight + 1e-6
    assert again.backup == backup.backup
    with pytest.raises(InputError, match="top_share"):
        cov.plan_posts(problem, Settings(officers=6, backup={"top_share": 2}))


def test_set_covering_finds_the_fewest_officers_for_a_target(demo, exact_curve):
    _, _, problem = demo
    cp = cov.plan_posts(problem, Settings(target_coverage=0.9))
    assert cp.mode == "lscp" and cp.covered_pct >= 90.0 - 1e-6
    fewer = exact_curve[cp.officers - 1]
    assert fewer.covered_pct < 90.0  # one officer less cannot reach the target
    assert cp.lower_bound == cp.officers and cp.gap_pct == 0
    with pytest.raises(InputError, match="target"):
        cov.plan_posts(problem, Settings(target_coverage=90))


# -- shifts and the shared pool ----------------------------------------------------------------


def test_shifts_give_posts_and_officer_hours_per_window(demo_area):
    shifts = cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                             Settings(officers={"arrival": 3, "dismissal": 4, "evening": 2}))
    assert list(shifts.plans) == ["arrival", "dismissal", "evening"]
    assert [len(cp.posts) for cp in shifts.plans.values()] == [3, 4, 2]
    table = shifts.table.set_index("window")
    assert list(table["officers"]) == [3, 4, 2]
    assert list(table["hours"]) == [1.5, 2.0, 4.0]
    assert shifts.officer_hours == pytest.approx(3 * 1.5 + 4 * 2 + 2 * 4)
    assert shifts.profiles == {"arrival": "default", "dismissal": "default", "evening": "night"}
    # demand follows the window: schools weigh more at arrival, parks in the evening
    arr, eve = shifts.plans["arrival"].problem, shifts.plans["evening"].problem
    assert arr.total_weight != eve.total_weight
    assert shifts.covered_pct == pytest.approx(
        100 * sum(cp.covered_weight for cp in shifts.plans.values())
        / sum(cp.total_weight for cp in shifts.plans.values()))
    with pytest.raises(InputError, match="evening"):
        cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                        Settings(officers={"arrival": 3}, windows=["arrival", "evening"]))


def test_pooled_officers_beat_an_even_split(demo_area, demo):
    _, plan_a, problem_a = demo
    dests = demo_area.destinations
    other = dests.loc[dests["name"] == "Pershing Square", "node"].iloc[0]
    risk = plan_a.state_graph.risk
    plan_b = safe_routes(demo_area.G, risk, [other], dests)
    problem_b = cov.coverage_problem(demo_area.G, plan_b, DISMISSAL, Settings(radius_m=150))
    problem_a = cov.coverage_problem(demo_area.G, plan_a, DISMISSAL, Settings(radius_m=150))
    n = 6
    pool = cov.allocate_officers([("A", problem_a), ("B", problem_b)], n)
    assert sum(pool.officers.values()) <= n
    assert set(pool.officers) == {"A", "B"}
    even = sum(cov.plan_posts(p, n // 2).covered_weight for p in (problem_a, problem_b))
    assert pool.covered_weight >= even - 1e-6
    for k, cp in pool.plans.items():
        assert cp.officers == pool.officers[k]
        assert cp.covered_weight == pytest.approx(pool.curves[k][pool.officers[k]])
    assert len(pool.table()) == 2


# -- output and comparison ---------------------------------------------------------------------


def test_coverage_json_and_compare(demo_area, tmp_path: Path):
    a = cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                        Settings(officers=3, windows=["dismissal"]))
    b = cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                        Settings(officers=5, windows=["dismissal"]))
    cov.write_coverage(tmp_path / "a", a, site=demo_area.site)
    cov.write_coverage(tmp_path / "b", b, site=demo_area.site)
    doc = json.loads((tmp_path / "a" / "coverage.json").read_text())
    for key in ("site", "windows", "officers", "radius_m", "covered_pct", "method", "gap_pct",
                "upper_bound", "uncovered", "posts", "shift_table", "timing"):
        assert key in doc, key
    assert doc["officers"] == 3 and doc["method"] == "exact" and doc["gap_pct"] == 0
    assert all({"name", "length_m"} <= set(u) for u in doc["uncovered"])
    diff = cov.compare_plans(tmp_path / "a", tmp_path / "b" / "coverage.json")
    assert diff["officers"] == {"a": 3, "b": 5, "change": 2}
    assert diff["covered_pct"]["change_pp"] > 0
    moved_or_added = len(diff["posts_added"]) + len(diff["posts_moved"])
    assert moved_or_added >= 2
    assert len(diff["posts_kept"]) + len(diff["posts_moved"]) + len(diff["posts_added"]) == 5
    assert diff["gaps_closed"]
    text = cov.format_comparison(diff)
    assert text.startswith("coverage: ") and "gap closed:" in text
    closed = len(diff["gaps_closed"])
    short = cov.format_comparison(diff, top=closed - 1)
    assert "… 1 more gap closed" in short and "gaps closed" not in short
    if closed > 2:
        assert "… 2 more gaps closed" in cov.format_comparison(diff, top=closed - 2)
    same = cov.compare_plans(doc, doc)
    assert same["covered_pct"]["change_pp"] == 0 and not same["gaps_opened"]
    assert "no posts or gaps changed" in cov.format_comparison(same)
    with pytest.raises(InputError, match=r"coverage\.json"):
        cov.compare_plans(tmp_path / "nothing", doc)


# -- command line ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory, demo_cache):
    root = tmp_path_factory.mktemp("coverage-cli")
    outs = {}
    for n in (3, 4, 5):
        out = root / f"officers-{n}"
        rc = main(["coverage", "--demo", "--officers", str(n), "--time-window", "dismissal",
                   "--out", str(out), "--cache-dir", str(demo_cache), "-q"])
        assert rc == 0
        outs[n] = out
    return outs


def test_cli_writes_posts_geojson_and_coverage_json(cli_runs):
    out = cli_runs[4]
    data = json.loads((out / "posts.geojson").read_text())
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    frame = gpd.read_file(out / "posts.geojson")
    assert len(frame) == 4 and set(frame.geom_type) == {"Point"}
    for f in data["features"]:
        p = f["properties"]
        assert {"post", "id", "name", "window", "demand_covered", "covered_pct", "locked", "lat",
                "lon", "hours"} <= set(p)
        assert f["geometry"]["coordinates"] == [p["lon"], p["lat"]]
        assert p["window"] == "dismissal" and p["hours"] == 2.0
    doc = json.loads((out / "coverage.json").read_text())
    assert doc["officers"] == 4 and doc["radius_m"] == 250
    assert doc["site"]["name"] == "Downtown LA demo"
    assert 0 < doc["covered_pct"] <= 100
    assert doc["shift_table"][0]["officer_hours"] == 8.0


def test_cli_prints_a_summary(demo_cache, tmp_path: Path, capsys):
    rc = main(["coverage", "--demo", "--officers", "2", "--out", str(tmp_path / "o"),
               "--cache-dir", str(demo_cache), "-q", "--method", "greedy", "--radius-post",
               "200"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "dismissal (14:00-16:00): 2 officers cover" in out
    assert "greedy" in out and "radius 200 m" in out
    assert "  post  1  " in out and "uncovered stretches" in out and " P1 " not in out


def test_cli_compare_prints_the_change(cli_runs, capsys):
    assert main(["coverage", "--compare", str(cli_runs[3]),
                 str(cli_runs[5] / "coverage.json")]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("coverage: ") and "officers: 3 -> 5 (+2)" in first
    assert "gap closed:" in out


def test_cli_with_a_plan_file(demo_cache, tmp_path: Path, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "officers: {arrival: 2, dismissal: 3}\n"
        "radius_m: 200\n"
        "locked:\n  - {post: \"South Grand Avenue & West 5th Street\"}\n"
        "banned:\n  - {lat: 34.048057, lon: -118.257815, radius_m: 60}\n"
        "extra_posts:\n  - {name: Library steps, lat: 34.0505, lon: -118.2552}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    assert main(["coverage", "--demo", "--plan", str(plan), "--out", str(out),
                 "--cache-dir", str(demo_cache), "-q"]) == 0
    doc = json.loads((out / "coverage.json").read_text())
    assert doc["windows"] == ["arrival", "dismissal"]
    assert doc["officers_by_window"] == {"arrival": 2, "dismissal": 3}
    assert doc["radius_m"] == 200
    for shift in doc["shifts"].values():
        assert any(p["locked"] and p["name"].startswith("South Grand Avenue & West 5th Street")
                   for p in shift["posts"])
        assert shift["banned_candidates"] >= 1
    assert "[locked]" in capsys.readouterr().out


def test_bad_plan_file_is_a_clear_error_and_writes_nothing(demo_cache, tmp_path: Path, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text("officers: {arrival: 4, dismissal: six}\n", encoding="utf-8")
    out = tmp_path / "new-folder"
    rc = main(["coverage", "--demo", "--plan", str(plan), "--out", str(out), "--cache-dir",
               str(demo_cache), "-q"])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: plan.yaml: officers.dismissal must be a whole number from 0 to 500, "
                   "got 'six'")
    assert not out.exists()
    # an existing output folder (of the product's, see safepassage.io) is left as it was
    with product_dir(out, "coverage") as tmp:
        (tmp / "coverage.json").write_text("old", encoding="utf-8")
    plan.write_text("officers: 4\nlocked:\n  - {post: Nowhere Street & Elm Street}\n",
                    encoding="utf-8")
    rc = main(["coverage", "--demo", "--plan", str(plan), "--out", str(out), "--cache-dir",
               str(demo_cache), "-q"])
    assert rc == 2
    assert "no candidate post named 'Nowhere Street & Elm Street'" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "coverage.json"]
    assert (out / "coverage.json").read_text() == "old"


def test_cli_exit_codes_in_a_subprocess(tmp_path: Path):
    plan = tmp_path / "plan.json"
    plan.write_text('{"officers": 4, "radius": 300}', encoding="utf-8")
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "safepassage.cli", "coverage", "--demo", "--plan", str(plan),
         "--out", str(out)], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "error: plan.json: unknown key(s) 'radius' (did you mean 'radius_m'?); allowed: site, "
        "profile, radius_m, officers, windows, locked, banned, extra_posts, target_coverage, "
        "backup, max_detour_pct, since, until, beats"]
    assert not out.exists()
    res = subprocess.run(
        [sys.executable, "-m", "safepassage.cli", "coverage", "--site", "Jordan Downs",
         "--offline", "-q", "--cache-dir", str(tmp_path / "empty-cache"), "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 3 and res.stderr.startswith("error: no usable cached network")
    assert not out.exists()


def test_cli_rejects_bad_numbers_and_mixed_compare(capsys, tmp_path: Path):
    with pytest.raises(SystemExit) as exc:
        main(["coverage", "--demo", "--officers", "-1"])
    assert exc.value.code == 2 and "--officers" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["coverage", "--demo", "--target", "150"])
    assert exc.value.code == 2 and "between 0 and 100" in capsys.readouterr().err
    assert main(["coverage", "--demo", "--compare", str(tmp_path), str(tmp_path)]) == 2
    assert "--compare takes two coverage.json files" in capsys.readouterr().err
    assert main(["coverage", "--compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "no coverage.json at" in capsys.readouterr().err


# -- review fixes: coverable corridor, useless officers, names, comparison, summary ------------

WEST_OAKLAND = Path(__file__).resolve().parent.parent / "geodata" / "test" / \
    "west_oakland.osm.bz2"


@pytest.fixture(scope="module")
def west_oakland(tmp_path_factory):
    from safepassage.source import Source, load_area

    area = load_area(Source.from_file(WEST_OAKLAND, *(37.8105, -122.2960)),
                     cache_dir=tmp_path_factory.mktemp("wo-cache"))
    shifts = cov.plan_shifts(cov.RouteInputs.from_area(area),
                             Settings(officers=4, windows=["dismissal"]))
    return area, shifts


def _corridor_ends_and_long(problem, G):
    """Corridor nodes where the corridor ends or branches, and the ends of long segments."""
    seg = problem.segments.drop_duplicates("street_segment_id")
    C = nx.Graph()
    C.add_edges_from((u, v) for u, v in zip(seg["u"], seg["v"], strict=True) if u != v)
    ends = {n for n in C if C.degree(n) != 2}
    longs = seg[seg["segment_id"] != seg["street_segment_id"]]
    return ends | set(longs["u"]) | set(longs["v"])


def test_every_corridor_piece_can_be_covered_west_oakland(west_oakland):
    area, shifts = west_oakland
    cp = shifts.plans["dismissal"]
    problem = cp.problem
    # Campbell Street, walked by all four routes, ends at the school (a corridor end that is
    # not an intersection); it used to be out of every candidate's reach
    assert (np.asarray(problem.covers.sum(axis=0)).ravel() > 0).all()
    assert not any("beyond" in n for n in cp.notes)
    campbell = problem.segments["street_segment_id"] == "53061541-53061543-0"
    assert campbell.any() and cp.covered[campbell.to_numpy()].all()
    nodes = set(problem.candidates["node"])
    assert _corridor_ends_and_long(problem, area.G) <= nodes
    assert area.origin_node in nodes
    assert cp.covered_pct == pytest.approx(100.0)
    assert cp.uncovered.empty


def test_posts_that_add_nothing_are_not_placed_west_oakland(west_oakland):
    _, shifts = west_oakland
    cp = shifts.plans["dismissal"]
    # fewer than four posts cover everything: the others are not placed, and the note says so
    n = cp.officers
    assert cp.officers_requested == 4 and n == len(cp.posts) < 4
    assert cov.plan_posts(cp.problem, n - 1).covered_weight < cp.covered_weight - 1e-6
    assert (cp.posts["covered_pct"] > 0).all()
    assert not any("add no coverage" in x for x in cp.notes)
    rest = ("the other one would add nothing and is not placed" if n == 3 else
            f"the other {4 - n} would add nothing and are not placed")
    assert f"{n} officers already cover 100 % of the walking demand; {rest}" in cp.notes
    text = cov.summary_text(shifts)
    assert f"{n} officers (of 4 on duty) cover 100.0 %" in text and rest in text
    assert shifts.table["officers_requested"].tolist() == [4]
    assert shifts.table["officers"].tolist() == [n] and shifts.officer_hours == 2.0 * n


def test_a_piece_beyond_twice_the_radius_of_any_node_gets_a_candidate(west_oakland):
    area, shifts = west_oakland
    rp = shifts.route_plans["dismissal"]
    problem = cov.coverage_problem(area.G, rp, DISMISSAL, Settings(radius_m=60))
    seg = problem.segments
    assert (seg["length_m"] <= 60 + 1e-6).all()
    assert (np.asarray(problem.covers.sum(axis=0)).ravel() > 0).all()
    # the middle of a 130 m block is 65 m from both ends: a point inside it is a candidate
    inside = problem.candidates[problem.candidates["node"].isna()]
    assert len(inside) >= 1 and set(inside["source"]) == {"corridor"}
    for c in inside["candidate"]:
        reach = problem.covers[[int(c)]].indices
        d = problem.distance[[int(c)]].toarray().ravel()[reach]
        assert reach.size and (d <= 60 + 1e-2).all()
    # such a point can be a post: its node is None, every other post's node a whole number
    c = int(inside["candidate"].iloc[0])
    cp = cov.plan_posts(problem, Settings(officers=3, locked=[c]))
    nodes = cp.posts.set_index("candidate")["node"]
    assert nodes.loc[c] is None
    assert all(isinstance(n, int | np.integer) for n in nodes.drop(index=c))
    assert sum(p["node"] is None for p in plan_dict(cp)["posts"]) == 1
    # the pieces of a segment add up to it
    whole = cov.corridor_demand(area.G, rp, DISMISSAL).set_index("segment_id")["length_m"]
    parts = seg.groupby("street_segment_id")["length_m"].sum()
    assert np.allclose(parts.loc[whole.index], whole)
    assert problem.total_weight == pytest.approx(
        cov.corridor_demand(area.G, rp, DISMISSAL)["weight"].sum())


def test_demo_candidates_include_corridor_ends_and_long_segment_ends(demo):
    area, plan, problem = demo
    nodes = set(problem.candidates["node"])
    assert _corridor_ends_and_long(problem, area.G) <= nodes
    assert set(plan.origin_nodes) <= nodes
    assert (np.asarray(problem.covers.sum(axis=0)).ravel() > 0).all()


def test_too_many_officers_place_only_the_posts_that_add_coverage(demo, exact_curve):
    _, _, problem = demo
    cp = cov.plan_posts(problem, 200)
    assert cp.officers_requested == 200 and cp.officers == len(cp.posts) < 20
    assert cp.covered_pct == pytest.approx(100.0)
    assert cp.officer_hours == cp.officers * 2.0
    # the fewest posts that cover as much: one fewer covers less
    assert cov.plan_posts(problem, cp.officers - 1).covered_weight < cp.covered_weight - 1e-6
    # every placed post adds something
    for k in range(cp.officers):
        rest = np.delete(cp.selected, k)
        left = np.asarray(problem.covers[rest].sum(axis=0)).ravel() > 0
        assert problem.weights[left].sum() < cp.covered_weight - 1e-9
    note = (f"{cp.officers} officers already cover 100 % of the walking demand; the other "
            f"{200 - cp.officers} would add nothing and are not placed")
    assert note in cp.notes and not any("add no coverage" in n for n in cp.notes)
    # coverage never falls when an officer is added, placed officers included
    curve = [exact_curve[p] for p in sorted(exact_curve)]
    curve += [cov.plan_posts(problem, p) for p in range(9, 13)] + [cp]
    values = [c.covered_weight for c in curve]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(values))
    assert all(c.officers <= c.officers_requested for c in curve)


def test_too_many_officers_cli_summary(demo_cache, tmp_path: Path, capsys):
    out = tmp_path / "o"
    assert main(["coverage", "--demo", "--officers", "200", "--out", str(out),
                 "--cache-dir", str(demo_cache), "-q"]) == 0
    text = capsys.readouterr().out
    assert "(of 200 on duty)" in text and "would add nothing and are not placed" in text
    doc = json.loads((out / "coverage.json").read_text())
    used = doc["officers_by_window"]["dismissal"]
    assert doc["officers_requested_by_window"] == {"dismissal": 200}
    assert used < 20 and doc["officer_hours"] == used * 2
    assert len(json.loads((out / "posts.geojson").read_text())["features"]) == used


def test_post_names_are_found_forgivingly(demo):
    _, _, problem = demo
    names = problem.candidates["name"]
    full = "South Grand Avenue & West 5th Street"
    corners = [i for i, n in enumerate(names) if n.startswith(full)]
    assert len(corners) > 1
    reach = problem.covers[corners].astype(float) @ problem.weights
    busiest = corners[int(np.argmax(reach))]
    for spelling in ("S Grand Ave & W 5th St", "w. 5th st. and s. grand ave.",
                     "SOUTH GRAND AVENUE & WEST 5TH STREET", "S Grand Ave / W 5th St",
                     "Grand Ave & 5th St", "5th & Grand"):
        assert problem.find(spelling) == busiest, spelling
        assert problem.find({"post": spelling}) == busiest, spelling
    n_corner = [i for i in corners if names.iloc[i] == f"{full} (N corner)"]
    assert problem.find("S Grand Ave & W 5th St (N corner)") == n_corner[0]
    out = next(n for n in names if n.startswith(full) and " m out)" in n)
    short = out.replace("South Grand Avenue", "S Grand Ave").replace(
        "West 5th Street", "W 5th St")
    assert names.iloc[problem.find(short)] == out
    # names written by older versions, with "#2", still find the corner
    assert names.iloc[problem.find(f"{full} (N corner) #2")].startswith(f"{full} (N corner")
    cp = cov.plan_posts(problem, Settings(officers=3,
                                          locked=[{"post": "S Grand Ave & W 5th St"}]))
    assert busiest in set(cp.selected) and cp.posts["locked"].sum() == 1
    # nothing matches: a clear error listing close matches
    with pytest.raises(InputError) as exc:
        problem.find({"post": "S Grand Ave & W 50th St"}, where="locked[0]")
    msg = str(exc.value)
    assert msg.startswith("locked[0]: no candidate post named 'S Grand Ave & W 50th St'; did "
                          "you mean 'South Grand Avenue & West 5th Street'")
    with pytest.raises(InputError, match=r"no candidate post named 'Nowhere Street & Elm "
                                         r"Street'$"):
        problem.find("Nowhere Street & Elm Street")


def test_a_far_locked_point_names_locked_not_extra_posts(demo_area, demo):
    _, plan, _ = demo
    far = {"name": "far", "lat": 34.2, "lon": -118.4}
    locked = [{"post": "S Grand Ave & W 5th St"}, far]
    with pytest.raises(InputError, match=r"^locked\[1\]: 34\.200000,-118\.400000 is "
                                         r"[\d,]+ m from the nearest walkable street"):
        cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                        Settings(officers=3, windows=["dismissal"], locked=locked,
                                 extra_posts=[{"name": "Library steps", "lat": 34.0505,
                                               "lon": -118.2552}]))
    with pytest.raises(InputError, match=r"^locked\[0\]: "):
        cov.coverage_problem(demo_area.G, plan, DISMISSAL, Settings(locked=[far]))
    with pytest.raises(InputError, match=r"^extra_posts\[0\]: "):
        cov.coverage_problem(demo_area.G, plan, DISMISSAL, Settings(extra_posts=[far]))
    # a locked point near the network is a candidate where it is, and is kept
    near = {"name": "School gate", "lat": 34.0505, "lon": -118.2552}
    problem = cov.coverage_problem(demo_area.G, plan, DISMISSAL, Settings(locked=[near]))
    cp = cov.plan_posts(problem, Settings(officers=2, locked=[near]))
    assert "School gate" in set(cp.posts[cp.posts["locked"]]["name"])


def test_summary_shows_every_note_backup_and_most_demand_first(demo_area):
    shifts = cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                             Settings(officers=4, windows=["dismissal"], backup=True))
    cp = shifts.plans["dismissal"]
    b = cp.backup
    assert b["without_backup"]["busiest_pct_covered_twice"] <= \
        b["busiest_pct_covered_twice"] + 1e-9
    assert b["without_backup"]["covered_pct"] >= cp.covered_pct - 1e-6
    cp.notes.append("a plan note")
    shifts.notes.append("a shift note")
    text = cov.summary_text(shifts)
    assert (f"  backup: the busiest {100 * b['top_share']:.0f} % of the demand is covered twice "
            f"on {b['busiest_pct_covered_twice']:.0f} % of it "
            f"({b['without_backup']['busiest_pct_covered_twice']:.0f} % without backup)") in text
    assert "note: a plan note" in text and "note: a shift note" in text
    assert "uncovered stretches (most demand first):" in text
    assert "busiest first" not in text
    assert cp.uncovered["weight"].is_monotonic_decreasing


def test_gaps_by_street_count_each_metre_of_corridor_once(demo_area, exact_curve):
    cp = exact_curve[3]
    gaps = cov.gaps_by_street(cp)
    assert gaps and all(isinstance(s, str) and ln > 0 and 0 < sh < 1 for s, ln, sh in gaps)
    assert [g[2] for g in gaps] == sorted((g[2] for g in gaps), reverse=True)
    # the same totals as summing the uncovered corridor rows by name ...
    seg = cp.problem.segments[~cp.covered]
    by_name = seg.groupby("name")["length_m"].sum()
    assert {s: round(ln, 6) for s, ln, _ in gaps} == {
        s: round(v, 6) for s, v in by_name.items()}
    assert sum(ln for _, ln, _ in gaps) == pytest.approx(cp.total_length_m - cp.covered_length_m)
    assert sum(sh for _, _, sh in gaps) == pytest.approx(1 - cp.covered_pct / 100)
    assert cp.uncovered["length_m"].sum() == pytest.approx(
        cp.total_length_m - cp.covered_length_m)
    # ... and as the street graph: both directions of a street are one length
    G = demo_area.G
    whole = cp.problem.segments.drop_duplicates("street_segment_id")
    assert whole["length_m"].sum() <= cp.total_length_m + 1e-6
    edge_m = sum(G.edges[keys[0]]["length"] for keys in whole["keys"])
    assert cp.total_length_m == pytest.approx(edge_m)
    doc = plan_dict(cp)
    assert [(r["name"], r["length_m"]) for r in doc["uncovered_by_street"]] == [
        (s, round(ln, 1)) for s, ln, _ in gaps]


def test_compare_plans_window_by_window(demo_area, tmp_path: Path):
    g, o, d = demo_area.G, [demo_area.origin_node], demo_area.destinations
    a = cov.plan_shifts(cov.RouteInputs(g, o, d),
                        Settings(officers={"arrival": 3, "dismissal": 4, "evening": 2}))
    b = cov.plan_shifts(cov.RouteInputs(g, o, d), Settings(officers={"dismissal": 4}))
    cov.write_coverage(tmp_path / "a", a)
    cov.write_coverage(tmp_path / "b", b)
    diff = cov.compare_plans(tmp_path / "a", tmp_path / "b")
    assert diff["windows"] == ["dismissal"]
    assert set(diff["only_in_a"]) == {"arrival", "evening"} and diff["only_in_b"] == {}
    assert diff["only_in_a"]["arrival"]["officers"] == 3
    dis_a = a.plans["dismissal"].covered_pct
    assert diff["covered_pct"]["a"] == pytest.approx(dis_a, abs=0.01)
    assert diff["covered_pct"]["change_pp"] == pytest.approx(0.0)
    assert diff["officers"] == {"a": 4, "b": 4, "change": 0}
    for key in ("posts_added", "posts_removed", "posts_moved", "gaps_opened", "gaps_closed"):
        assert all(r["window"] == "dismissal" for r in diff[key]), key
    assert not diff["posts_removed"] and not diff["gaps_closed"]
    text = cov.format_comparison(diff)
    lines = text.splitlines()
    assert lines[0] == (f"coverage: {dis_a:.1f} % -> {dis_a:.1f} % (+0.0 points) in dismissal, "
                        "the only window both plans cover; officers: 4 -> 4 (+0)")
    assert lines[1].startswith("only in A: arrival (3 officers, ") and \
        lines[1].endswith(" — not compared") and "evening (2 officers, " in lines[1]
    assert "gap closed" not in text and "post removed" not in text
    assert "no posts or gaps changed" in text
    # two shared windows: a headline each, and the overall figure over those two only
    doc = cov.read_coverage_json(tmp_path / "a")
    two = {**doc, "shifts": {k: v for k, v in doc["shifts"].items() if k != "evening"},
           "posts": [p for p in doc["posts"] if p["window"] != "evening"],
           "uncovered": [u for u in doc["uncovered"] if u["window"] != "evening"]}
    more = cov.plan_shifts(cov.RouteInputs(g, o, d),
                           Settings(officers={"arrival": 4, "dismissal": 5}))
    diff2 = cov.compare_plans(two, cov.coverage_json(more))
    assert diff2["windows"] == ["arrival", "dismissal"] and not diff2["only_in_a"]
    shared = [a.plans["arrival"], a.plans["dismissal"]]
    assert diff2["covered_pct"]["a"] == pytest.approx(
        100 * sum(c.covered_weight for c in shared) / sum(c.total_weight for c in shared),
        abs=0.01)
    assert diff2["officers"] == {"a": 4, "b": 5, "change": 1}
    text2 = cov.format_comparison(diff2).splitlines()
    assert text2[0].startswith("coverage: ") and "over arrival, dismissal" in text2[0]
    assert text2[1].startswith("  arrival: ") and "officers: 3 -> 4 (+1)" in text2[1]
    assert text2[2].startswith("  dismissal: ") and "officers: 4 -> 5 (+1)" in text2[2]
    # nothing in common
    none = cov.compare_plans(cov.coverage_json(b), {**two, "shifts": {
        "arrival": two["shifts"]["arrival"]}})
    assert none["windows"] == [] and none["covered_pct"]["a"] is None
    assert cov.format_comparison(none).startswith("no time window in common")


# -- settings, and the seam a live planner uses ------------------------------------------------


def test_settings_check_every_value_and_name_the_parameter():
    s = Settings(officers={"arrival": 3, "dismissal": 4}, radius_m=200, backup=True)
    assert [tw.name for tw in s.time_windows()] == ["arrival", "dismissal"]
    assert s.officers_for("dismissal") == 4 and s.post_radius_m == 200.0
    assert Settings().post_radius_m == 250.0 and Settings().lock_snap_limit_m == 250.0
    assert Settings(lock_snap_m=40).lock_snap_limit_m == 40.0
    assert [tw.name for tw in Settings(officers=2).time_windows()] == [
        "arrival", "dismissal", "evening"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.officers = 5  # type: ignore[misc]
    bad = [
        ({"radius_m": -5}, r"^radius_m must be a positive number of metres, got -5$"),
        ({"radius_m": "far"}, r"^radius_m must be"),
        ({"target_coverage": 90}, r"^target_coverage must be a share in \(0, 1\]"),
        ({"officers": -1}, r"^officers must be a whole number ≥ 0, got -1$"),
        ({"officers": True}, r"^officers must be a whole number"),
        ({"officers": {"dismissal": 2.5}}, r"^officers\.dismissal must be a whole number"),
        ({"method": "fast"}, r"^method must be one of auto, exact, greedy"),
        ({"time_limit": 0}, r"^time_limit must be a positive number of seconds"),
        ({"backup": {"top_share": 2}}, r"^backup\.top_share must be in \(0, 1\]"),
        ({"backup": {"share": 0.5}}, r"^backup: unknown key\(s\) share"),
        ({"weights": {"park": -1}}, r"^weights\.park must be a number ≥ 0"),
        ({"windows": ["dismissal", "dismissal"]}, r"^windows repeat: dismissal, dismissal$"),
        ({"windows": []}, r"^windows is empty"),
        ({"windows": ["noon"]}, r"bad time window 'noon'"),
        ({"officers": {"evening": 2}, "windows": ["dismissal"]},
         r"^officers are given for window\(s\) not planned: evening \(windows: dismissal\)$"),
        ({"near_m": -1}, r"^near_m must be a number of metres ≥ 0"),
        ({"max_snap_m": 0}, r"^max_snap_m must be a positive number of metres"),
    ]
    for kwargs, message in bad:
        with pytest.raises(InputError, match=message):
            Settings(**kwargs)
    with pytest.raises(InputError, match=r"^no officer count for the evening window \(officers "
                                         r"gives arrival, dismissal\)$"):
        s.officers_for("evening")


def test_a_whole_number_is_the_officer_count(demo):
    _, _, problem = demo
    a, b = cov.plan_posts(problem, 3), cov.plan_posts(problem, Settings(officers=3))
    assert list(a.selected) == list(b.selected) and a.covered_weight == b.covered_weight
    with pytest.raises(InputError, match=r"^give officers or target_coverage$"):
        cov.plan_posts(problem)


def test_window_problem_then_plan_posts_is_what_plan_shifts_does(demo_area):
    routes = cov.RouteInputs.from_area(demo_area)
    settings = Settings(officers={"evening": 3}, radius_m=200,
                        extra_posts=[{"name": "Library steps", "lat": 34.0505, "lon": -118.2552}])
    shifts = cov.plan_shifts(routes, settings)
    wp = cov.window_problem(routes, "evening", settings)
    assert wp.profile == shifts.profiles["evening"] == "night"
    assert set(wp.timing) == {"evening: routes", "evening: corridor and coverage matrix"}
    cp = cov.plan_posts(wp.problem, settings)
    assert cp.problem is wp.problem  # the extra post is in the problem already: no rebuild
    want = shifts.plans["evening"]
    assert list(cp.posts["name"]) == list(want.posts["name"])
    assert cp.covered_weight == pytest.approx(want.covered_weight)
    assert wp.problem.candidates["name"].tolist() == want.problem.candidates["name"].tolist()
    # the cheap step again, with what a planner changes between clicks
    best = cp.posts[cp.posts["name"] != "Library steps"].iloc[0]
    again = cov.plan_posts(wp.problem, dataclasses.replace(
        settings, banned=(str(best["name"]),),
        locked=("Library steps",)))
    assert best.candidate not in set(again.selected)
    assert "Library steps" in set(again.posts[again.posts["locked"]]["name"])


def test_add_posts_adds_candidates_without_rebuilding(demo):
    area, plan, problem = demo
    n = problem.n_candidates
    names = problem.candidates["name"].tolist()
    gate = {"name": "School gate", "lat": 34.0505, "lon": -118.2552}
    nameless = {"lat": 34.0490, "lon": -118.2530}
    bigger = cov.add_posts(problem, [gate, nameless])
    assert problem.n_candidates == n and problem.candidates["name"].tolist() == names
    assert bigger.n_candidates == n + 2  # on the demo, both points are at new nodes
    # existing candidates keep their numbers; a point at a candidate's node makes it "extra"
    old = bigger.candidates.iloc[:n]
    assert old["candidate"].tolist() == list(range(n))
    changed = old[old["name"] != problem.candidates["name"]]
    assert set(changed["name"]) <= {"School gate"}
    assert set(bigger.candidates["source"][bigger.candidates["name"] == "School gate"]) == {
        "extra"}
    assert bigger.candidates["name"].is_unique
    # a new candidate covers what the same point built into the problem covers
    built = cov.coverage_problem(area.G, plan, DISMISSAL, Settings(extra_posts=[gate, nameless]))
    for name in bigger.candidates["name"].iloc[n:]:
        i = int(np.flatnonzero(bigger.candidates["name"] == name)[0])
        j = int(np.flatnonzero(built.candidates["node"].to_numpy() ==
                               bigger.candidates["node"].iloc[i])[0])
        assert np.array_equal(bigger.covers[[i]].toarray(), built.covers[[j]].toarray())
        assert bigger.candidates["source"].iloc[i] == "extra"
    # adding the same points again changes nothing; a far point is an error naming it
    assert cov.add_posts(bigger, [gate, nameless]) is bigger
    with pytest.raises(InputError, match=r"^extra_posts\[1\]: 35\.000000,-118\.000000 is "):
        cov.add_posts(problem, [gate, {"lat": 35.0, "lon": -118.0}])
    # plan_posts adds the settings' extra posts the problem lacks, and can lock them
    cp = cov.plan_posts(problem, Settings(officers=2, extra_posts=[gate],
                                          locked=({"post": "School gate"},)))
    assert cp.problem.n_candidates == n + 1 and "School gate" in set(cp.posts["name"])


def test_write_coverage_names_the_folder_and_the_cli_names_out(demo_area, demo_cache,
                                                              tmp_path: Path, capsys):
    shifts = cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                             Settings(officers=1, windows=("dismissal",)))
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"^folder .*afile exists and is not a folder$"):
        cov.write_coverage(afile, shifts)
    assert main(["coverage", "--demo", "--out", str(afile), "--cache-dir", str(demo_cache),
                 "-q"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --out {afile} is a file, not a folder: give a folder")
    assert main(["coverage", "--demo", "--time-window", "dismissal,dismissal", "--out",
                 str(tmp_path / "o"), "--cache-dir", str(demo_cache), "-q"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: time windows repeat: dismissal, dismissal")
    assert afile.read_text(encoding="utf-8") == "x" and not (tmp_path / "o").exists()


def test_posts_sharing_a_place_name_are_told_apart_in_words_never_numbers(demo):
    _, _, problem = demo
    names = [str(n) for n in problem.candidates["name"]]
    assert not any(re.search(r"#\s*\d", n) for n in names)
    planner_made = [i for i, s in enumerate(problem.candidates["source"]) if s == "extra"]
    same_place = pd.Series(names).drop(planner_made).duplicated(keep=False)
    xy = problem.candidates[["x", "y"]].round(1)
    # a name two candidates share is at one spot (the same point mapped twice), never two
    for name in set(pd.Series(names)[same_place]):
        rows = xy[pd.Series(names) == name]
        assert len(rows.drop_duplicates()) == 1, name
    assert any(n.endswith("corner)") for n in names)


def test_disambiguate_words():
    from safepassage.coverage.names import disambiguate, unique_name

    names = ["A & B"] * 4 + ["C, 60 m north of D"] * 2
    xs = np.array([0.0, 10.0, 10.0, 20.0, 100.0, 106.0])
    ys = np.array([0.0, 10.0, 10.0, 20.0, 100.0, 100.0])
    out = disambiguate(names, xs, ys)
    assert out[0] == "A & B (SW corner)" and out[3] == "A & B (NE corner)"
    assert out[1] == out[2] == "A & B"  # the same spot in the middle: one name
    assert out[4:] == ["C, 60 m north of D (west side)", "C, 60 m north of D (east side)"]
    two = disambiguate(["A & B"] * 3, np.array([0.0, 10.0, 10.0]), np.array([0.0, 10.0, 25.0]))
    assert two == ["A & B (SW corner)", "A & B", "A & B (N corner)"]  # the middle is plain
    far = disambiguate(["A & B"] * 3, np.array([0.0, 20.0, 22.0]), np.array([0.0, 20.0, 22.0]))
    assert far[1] == "A & B (NE corner)" and far[2] == "A & B (NE corner, 10 m out)"
    assert unique_name("at Library", ["at Library"], "34.05000, -118.25000") == (
        "at Library (at 34.05000, -118.25000)")


def test_post_numbers_are_one_per_place_in_window_order_then_by_share():
    a, b, c = (34.05, -118.25), (34.051, -118.251), (34.052, -118.252)
    assert cov.place_numbers([[a, b], [c, a], [b]]) == [[1, 2], [3, 1], [2]]
    assert cov.place_numbers([]) == []
    # a point written with more decimals is the same place
    assert cov.place_numbers([[a], [(34.0500000004, -118.2500000001)]]) == [[1], [1]]


def test_post_names_say_feet_where_people_read_feet():
    name = "South Hill Street, 60 m north of West 4th Street (west side)"
    assert cov.name_in_units(name, "metric") == name
    assert cov.name_in_units(name, "imperial") == (
        "South Hill Street, 200 ft north of West 4th Street (west side)")
    assert cov.name_in_units("A & B (NE corner, 25 m out)", "imperial") == (
        "A & B (NE corner, 80 ft out)")
    assert cov.name_in_units("5 m Street & B", "imperial") == "5 m Street & B"  # a street name
