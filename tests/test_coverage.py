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
import pytest
from shapely.geometry import Point, box

from safepassage import coverage as cov
from safepassage.cli import main
from safepassage.errors import InputError
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
    return {p: cov.plan_posts(problem, p, method="exact") for p in range(0, 9)}


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
    pattern = re.compile(rf"^{street} & {street}( \(\w+ corner\))?( #\d+)?$")
    assert all(pattern.match(n) for n in inter["name"][crossing]), inter["name"][crossing]
    along = re.compile(rf"^{street}, \d+ m (north|south|east|west) of {street}( #\d+)?$")
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
    rng = np.random.default_rng(1)
    for c in rng.choice(problem.n_candidates, size=8, replace=False):
        node = problem.candidates["node"].iloc[c]
        dist = nx.single_source_dijkstra_path_length(U, node, weight="length")
        mid = np.array([min(dist.get(u, np.inf), dist.get(v, np.inf)) + ln / 2
                        for u, v, ln in zip(seg["u"], seg["v"], seg["length_m"], strict=True)])
        expected = mid <= problem.radius_m
        row = problem.covers[[int(c)]].toarray().ravel()
        assert np.array_equal(row, expected)
        got = problem.distance[[int(c)]].toarray().ravel()
        assert np.allclose(got[expected], mid[expected], atol=0.01)


def test_radius_is_configurable(demo):
    area, plan, problem = demo
    small = cov.coverage_problem(area.G, plan, DISMISSAL, radius_m=100)
    assert small.radius_m == 100 and small.covers.nnz < problem.covers.nnz
    with pytest.raises(InputError, match="radius"):
        cov.coverage_problem(area.G, plan, DISMISSAL, radius_m=-5)


# -- optimisation ------------------------------------------------------------------------------


def test_coverage_never_falls_when_an_officer_is_added(exact_curve):
    values = [exact_curve[p].covered_weight for p in sorted(exact_curve)]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(values))
    assert values[0] == 0 and values[-1] > 0.95 * exact_curve[8].total_weight


def test_exact_is_never_worse_than_greedy(demo, exact_curve):
    _, _, problem = demo
    for p, ex in exact_curve.items():
        gr = cov.plan_posts(problem, p, method="greedy")
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
            got = cov.plan_posts(tiny, p, method=method)
            assert got.covered_weight <= best + 1e-6
            if method == "exact":
                assert got.covered_weight == pytest.approx(best)
        # locked post + brute force over the rest
        got = cov.plan_posts(tiny, p, locked=[0], method="exact")
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
    cp = cov.plan_posts(problem, 4, locked=[{"post": lock_name}, point], banned=banned)
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
    cp2 = cov.plan_posts(problem, 3, banned=[poly])
    inside = cands.geometry.within(poly).to_numpy()
    assert set(np.flatnonzero(inside)) == set(cp2.banned)
    assert not inside[cp2.selected].any()
    # conflicts and bad input are clear errors
    with pytest.raises(InputError, match="banned"):
        cov.plan_posts(problem, 3, locked=[int(best.candidate)], banned=banned)
    with pytest.raises(InputError, match="no candidate post named"):
        cov.plan_posts(problem, 3, locked=[{"post": "Nowhere Street & Elm Street"}])
    with pytest.raises(InputError, match="locked"):
        cov.plan_posts(problem, 1, locked=[0, 5])
    with pytest.raises(InputError, match=r"\d m from the nearest candidate"):
        cov.plan_posts(problem, 2, locked=[(34.2, -118.0)])


def test_extra_posts_become_candidates(demo):
    area, plan, _ = demo
    extra = [{"name": "Library steps", "lat": 34.0505, "lon": -118.2552}]
    problem = cov.coverage_problem(area.G, plan, DISMISSAL, extra_posts=extra)
    row = problem.candidates[problem.candidates["name"] == "Library steps"]
    assert len(row) == 1 and row["source"].iloc[0] == "extra"
    cp = cov.plan_posts(problem, 2, locked=["Library steps"])
    assert "Library steps" in set(cp.posts["name"])
    with pytest.raises(InputError, match=r"extra_posts\[0\]"):
        cov.coverage_problem(area.G, plan, DISMISSAL, extra_posts=[{"lat": 35.0, "lon": -118}])


def test_backup_covers_the_busiest_segments_twice_more_often(demo):
    _, _, problem = demo
    plain = cov.plan_posts(problem, 6)
    backup = cov.plan_posts(problem, 6, backup=True)
    again = cov.plan_posts(problem, 6, backup={"factor": 0.5, "top_share": 0.2})
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
        cov.plan_posts(problem, 6, backup={"top_share": 2})


def test_set_covering_finds_the_fewest_officers_for_a_target(demo, exact_curve):
    _, _, problem = demo
    cp = cov.plan_posts(problem, target_coverage=0.9)
    assert cp.mode == "lscp" and cp.covered_pct >= 90.0 - 1e-6
    fewer = exact_curve[cp.officers - 1]
    assert fewer.covered_pct < 90.0  # one officer less cannot reach the target
    assert cp.lower_bound == cp.officers and cp.gap_pct == 0
    with pytest.raises(InputError, match="target"):
        cov.plan_posts(problem, target_coverage=90)


# -- shifts and the shared pool ----------------------------------------------------------------


def test_shifts_give_posts_and_officer_hours_per_window(demo_area):
    shifts = cov.plan_shifts(demo_area.G, [demo_area.origin_node], demo_area.destinations,
                             {"arrival": 3, "dismissal": 4, "evening": 2})
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
        cov.plan_shifts(demo_area.G, [demo_area.origin_node], demo_area.destinations,
                        {"arrival": 3}, windows=["arrival", "evening"])


def test_pooled_officers_beat_an_even_split(demo_area, demo):
    _, plan_a, problem_a = demo
    dests = demo_area.destinations
    other = dests.loc[dests["name"] == "Pershing Square", "node"].iloc[0]
    risk = plan_a.state_graph.risk
    plan_b = safe_routes(demo_area.G, risk, [other], dests)
    problem_b = cov.coverage_problem(demo_area.G, plan_b, DISMISSAL, radius_m=150)
    problem_a = cov.coverage_problem(demo_area.G, plan_a, DISMISSAL, radius_m=150)
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
    a = cov.plan_shifts(demo_area.G, [demo_area.origin_node], demo_area.destinations, 3,
                        windows=["dismissal"])
    b = cov.plan_shifts(demo_area.G, [demo_area.origin_node], demo_area.destinations, 5,
                        windows=["dismissal"])
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
        assert {"id", "name", "window", "demand_covered", "covered_pct", "locked", "lat", "lon",
                "hours"} <= set(p)
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
    assert "   P1  " in out and "uncovered stretches" in out


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
    assert err == "error: plan.yaml: officers.dismissal must be a whole number ≥ 0, got 'six'"
    assert not out.exists()
    # an existing output folder is left exactly as it was
    out.mkdir()
    (out / "coverage.json").write_text("old", encoding="utf-8")
    plan.write_text("officers: 4\nlocked:\n  - {post: Nowhere Street & Elm Street}\n",
                    encoding="utf-8")
    rc = main(["coverage", "--demo", "--plan", str(plan), "--out", str(out), "--cache-dir",
               str(demo_cache), "-q"])
    assert rc == 2
    assert "no candidate post named 'Nowhere Street & Elm Street'" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["coverage.json"]
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
        "backup, max_detour_pct"]
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
