"""Walking beats on the demo, West Oakland and Helsinki: loops, quality, files, maps, cards."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import gpxpy
import numpy as np
import pyogrio
import pytest

from safepassage import coverage as cov
from safepassage.beats import (
    EXACT_MAX_SEGMENTS,
    BeatSettings,
    beat_graph,
    beat_instance,
    corridor_worth,
    exact_worth,
    plan_beats,
    plan_shift_beats,
    solve_loops,
    worth_bound,
    write_beats,
)
from safepassage.cli import main
from safepassage.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
WEST_OAKLAND = ROOT / "geodata" / "test" / "west_oakland.osm.bz2"
HELSINKI_POINT = (60.1675, 24.9460)


def _shifts(area, officers=6, window="dismissal"):
    return cov.plan_shifts(cov.RouteInputs.from_area(area),
                           cov.CoverageSettings(officers=officers, windows=[window]))


@pytest.fixture(scope="module")
def demo(demo_area):
    shifts = _shifts(demo_area)
    return demo_area, shifts.plans["dismissal"], shifts.route_plans["dismissal"], shifts


@pytest.fixture(scope="module")
def demo_beats(demo):
    area, cp, rp, _ = demo
    return plan_beats(area.G, cp, rp, BeatSettings(minutes=20))


@pytest.fixture(scope="module")
def west_oakland(tmp_path_factory):
    from safepassage.source import Source, load_area

    area = load_area(Source.from_file(WEST_OAKLAND, *(37.8105, -122.2960)),
                     cache_dir=tmp_path_factory.mktemp("wo-cache"))
    shifts = _shifts(area, officers=4)
    return area, shifts.plans["dismissal"], shifts.route_plans["dismissal"], shifts


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf, tmp_path_factory):
    from safepassage.source import Source, load_area

    area = load_area(Source.from_file(helsinki_pbf, *HELSINKI_POINT),
                     cache_dir=tmp_path_factory.mktemp("hel-cache"))
    shifts = _shifts(area)
    return area, shifts.plans["dismissal"], shifts.route_plans["dismissal"], shifts


def _prize(G, cp):
    """Worth of every network segment in the window (what plan_beats optimises)."""
    net = cov.network.network_of(G)
    index = {sid: i for i, sid in enumerate(net.seg_id)}
    prize = np.zeros(len(net.seg_id))
    for sid, w in cp.problem.segments.groupby("street_segment_id")["weight"].sum().items():
        prize[index[sid]] += w
    return prize


def assert_valid_loops(G, plan, route_plan):
    """Closed, connected, on the network's open edges, within their time; worth counted once."""
    risk = route_plan.state_graph.risk
    avoid = risk.table["avoid"].to_numpy(dtype=bool)
    graph = beat_graph(G, risk)
    prize = graph.net.seg_len * 0
    for sid, w in zip(plan.corridor["segment_id"], plan.corridor["weight"], strict=True):
        prize[graph.net.seg_id.index(sid)] = w
    walked_any = set()
    for b in plan.beats:
        if not b.edges:
            continue
        uvk = [risk.edges[e] for e in b.edges]
        assert all(G.has_edge(u, v, k) for u, v, k in uvk)  # every segment is a network edge
        assert not avoid[b.edges].any()
        assert uvk[0][0] == b.start_node == uvk[-1][1]  # closed: back where it started
        assert all(a[1] == c[0] for a, c in itertools.pairwise(uvk))  # one continuous walk
        length = sum(float(G.edges[e]["length"]) for e in uvk)
        assert length == pytest.approx(b.length_m)
        assert length / plan.speed_m_per_min <= plan.minutes  # within its time
        assert b.minutes <= plan.minutes
        assert b.geometry.coords[0] == pytest.approx(b.geometry.coords[-1])
        segs = {graph.net.seg_of_edge[e] for e in uvk}
        assert b.covered_weight == pytest.approx(sum(prize[s] for s in segs))  # once each
        walked_any |= segs
    assert plan.covered_weight == pytest.approx(sum(prize[s] for s in walked_any))
    assert plan.covered_pct == pytest.approx(100 * plan.covered_weight / plan.total_weight)
    assert plan.total_weight == pytest.approx(plan.corridor["weight"].sum())


# -- the loops --------------------------------------------------------------------------------


def test_demo_beats_are_closed_loops_on_the_network_within_their_time(demo, demo_beats):
    area, cp, rp, _ = demo
    assert len(demo_beats.beats) == len(cp.posts) == 6
    assert_valid_loops(area.G, demo_beats, rp)
    assert [b.post_id for b in demo_beats.beats] == list(cp.posts["post_id"])
    assert all(b.start_node == n for b, n in zip(demo_beats.beats, cp.posts["node"],
                                                  strict=True))
    # six 20-minute loops walk most of the demo's corridor; standing, the posts cover more
    assert demo_beats.covered_pct > 80
    assert demo_beats.posts_covered_pct == pytest.approx(cp.covered_pct)
    assert demo_beats.speed_m_per_min == rp.walk_speed == 80.0


def test_officers_share_the_corridor_instead_of_repeating_it(demo):
    area, cp, rp, _ = demo
    post = (float(cp.posts["lat"].iloc[0]), float(cp.posts["lon"].iloc[0]))
    one = plan_beats(area.G, cp, rp, BeatSettings(minutes=15, starts=[post]))
    two = plan_beats(area.G, cp, rp, BeatSettings(minutes=15, starts=[post, post]))
    assert_valid_loops(area.G, two, rp)
    a, b = two.beats
    # the second officer from the same corner walks streets the first does not (the second
    # adds 41 % on the corridor of the demo's proven least risky routes, 52 % on the corridor
    # of the routes before they were proven)
    assert two.covered_weight > 1.35 * one.covered_weight
    assert a.shared_pct < 35 and b.shared_pct < 35


def test_more_minutes_never_walk_less_demo(demo):
    area, cp, rp, _ = demo
    walked = [plan_beats(area.G, cp, rp, BeatSettings(minutes=m)).covered_weight
              for m in (2, 5, 8, 11, 16)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(walked))
    assert walked[-1] > walked[0]


def test_a_minute_of_a_longer_search_is_the_search_of_that_minute(demo):
    # the loops of minute m are the same whether the instance was built for m or for more
    area, cp, rp, _ = demo
    graph = beat_graph(area.G, rp.state_graph.risk)
    prize = _prize(area.G, cp)
    starts = [graph.net.node_pos[n] for n in cp.posts["node"]]
    small = beat_instance(graph, prize, starts, 9 * rp.walk_speed)
    large = beat_instance(graph, prize, starts, 30 * rp.walk_speed)
    a = solve_loops(small, rp.walk_speed, 9)
    b = solve_loops(large, rp.walk_speed, 9)
    assert [small.walk(o, x) for o, x in enumerate(a)] == [large.walk(o, x)
                                                            for o, x in enumerate(b)]
    assert corridor_worth(small, a) == pytest.approx(corridor_worth(large, b))


def test_west_oakland_beats(west_oakland):
    area, cp, rp, _ = west_oakland
    walked = []
    for m in range(1, 16):
        plan = plan_beats(area.G, cp, rp, BeatSettings(minutes=m))
        assert_valid_loops(area.G, plan, rp)
        walked.append(plan.covered_weight)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(walked))
    # a 1 km corridor: two 15-minute loops from the posts walk all of it, and brute force
    # agrees that nothing better exists at every length small enough to enumerate
    assert walked[-1] == pytest.approx(plan.total_weight)
    assert plan.covered_pct == pytest.approx(100.0)


def test_helsinki_beats(helsinki):
    area, cp, rp, _ = helsinki
    walked = []
    for m in (4, 8, 12):
        plan = plan_beats(area.G, cp, rp, BeatSettings(minutes=m))
        assert_valid_loops(area.G, plan, rp)
        walked.append(plan.covered_weight)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(walked))
    assert len(plan.beats) == 6 and plan.covered_pct > 20
    assert plan.exact_pct is None and plan.covered_pct <= plan.bound_pct + 1e-9


# -- how good the loops are -------------------------------------------------------------------


def _tiny_instances(G, cp, rp, n, seed):
    """Small real instances: the corridor near a random start, a few minutes, 1-2 officers."""
    from scipy.sparse.csgraph import dijkstra

    graph = beat_graph(G, rp.state_graph.risk)
    net = graph.net
    prize = _prize(G, cp)
    corridor = np.flatnonzero(prize > 0)
    rng = np.random.default_rng(seed)
    for k in range(n):
        starts = [int(net.seg_u[rng.choice(corridor)])]
        if k % 2:
            starts.append(int(net.seg_v[rng.choice(corridor)]))
        d = dijkstra(graph.matrix, indices=starts[0], limit=3000)
        near = corridor[np.argsort(d[net.seg_u[corridor]], kind="stable")][
            :int(rng.integers(5, 11))]
        worth = np.zeros_like(prize)
        worth[near] = prize[near] * rng.uniform(0.2, 2.0, near.size)
        minutes = int(rng.integers(2, 14))
        yield beat_instance(graph, worth, starts, minutes * rp.walk_speed), minutes


@pytest.mark.parametrize("place", ["demo", "west_oakland", "helsinki"])
def test_the_search_is_within_a_few_percent_of_the_brute_force_optimum(place, request):
    area, cp, rp, _ = request.getfixturevalue(place)
    gaps = []
    for inst, minutes in _tiny_instances(area.G, cp, rp, 12, seed=7):
        found = corridor_worth(inst, solve_loops(inst, rp.walk_speed, minutes))
        best = exact_worth(inst, minutes * rp.walk_speed)
        assert best is not None
        assert found <= best * (1 + 1e-12) + 1e-9  # the optimum is an upper bound ...
        assert best <= worth_bound(inst, minutes * rp.walk_speed) + 1e-9  # ... under the bound
        gaps.append(0.0 if best == 0 else 100 * (best - found) / best)
    assert max(gaps) <= 2.0
    assert np.mean(gaps) <= 0.5


def test_the_brute_force_agrees_with_a_search_over_every_walk(west_oakland):
    """exact_worth against an independent Dijkstra over (node, streets walked) on the graph."""
    import heapq

    area, cp, rp, _ = west_oakland
    G = area.G
    graph = beat_graph(G, rp.state_graph.risk)
    net = graph.net
    prize = _prize(G, cp)
    corridor = np.flatnonzero(prize > 0)[:6]
    worth = np.zeros_like(prize)
    worth[corridor] = prize[corridor]
    bit = {int(s): j for j, s in enumerate(corridor)}
    start = int(net.seg_u[corridor[0]])
    for minutes in (2, 4, 6):
        budget = minutes * rp.walk_speed
        inst = beat_instance(graph, worth, [start], budget)
        best_len = {(start, 0): 0.0}
        heap = [(0.0, start, 0)]
        while heap:
            d, p, mask = heapq.heappop(heap)
            if d > best_len.get((p, mask), np.inf) or d > budget:
                continue
            for e in np.flatnonzero(graph.tail == p):
                if not graph.usable[e]:
                    continue
                m2 = mask | (1 << bit[int(graph.segment[e])]) if int(
                    graph.segment[e]) in bit else mask
                d2 = d + float(graph.length[e])
                key = (int(graph.head[e]), m2)
                if d2 <= budget and d2 < best_len.get(key, np.inf):
                    best_len[key] = d2
                    heapq.heappush(heap, (d2, key[0], m2))
        closed = [m for (p, m) in best_len if p == start]
        truth = max(sum(worth[corridor[j]] for j in range(len(corridor)) if m >> j & 1)
                    for m in closed)
        assert exact_worth(inst, budget) == pytest.approx(truth)


def test_small_instances_report_their_gap(west_oakland):
    area, cp, rp, _ = west_oakland
    plan = plan_beats(area.G, cp, rp, BeatSettings(minutes=3))
    assert plan.exact_pct is not None and plan.gap_pct is not None
    assert plan.covered_pct <= plan.exact_pct + 1e-9
    assert plan.gap_pct == pytest.approx(
        100 * (plan.exact_pct - plan.covered_pct) / plan.exact_pct, abs=1e-6)
    assert EXACT_MAX_SEGMENTS >= 10


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, -5, 241, 2.5, "20", True, float("nan")])
def test_minutes_are_checked_and_named(minutes):
    with pytest.raises(InputError, match="minutes must be a whole number of minutes from 1 to 240"):
        BeatSettings(minutes=minutes)


def test_starts_are_bounded():
    with pytest.raises(InputError, match="starts has 501 items; at most 500"):
        BeatSettings(starts=[(34.05, -118.25)] * 501)


def test_a_window_without_corridor_or_a_far_start_is_an_error(demo):
    area, cp, rp, _ = demo
    zero = {k: 0 for k in cov.DEFAULT_WEIGHTS}
    empty = cov.plan_shifts(cov.RouteInputs.from_area(area),
                            cov.CoverageSettings(officers=2, windows=["arrival"], weights=zero))
    with pytest.raises(InputError, match="no corridor in the arrival"):
        plan_shift_beats(area.G, empty)
    with pytest.raises(InputError, match=r"starts\[1\]: .* m from the nearest walkable street"):
        plan_beats(area.G, cp, rp, BeatSettings(starts=[(34.0506, -118.2559), (34.2, -118.0)]))


def test_a_window_without_officers_gets_no_beats_and_a_note(demo_area):
    shifts = cov.plan_shifts(cov.RouteInputs.from_area(demo_area),
                             cov.CoverageSettings(officers={"arrival": 0, "dismissal": 2}))
    plans = plan_shift_beats(demo_area.G, shifts, BeatSettings(minutes=5))
    assert list(plans) == ["dismissal"] and len(plans["dismissal"].beats) == 2
    assert "no beats: no officer is posted in the arrival" in plans["dismissal"].notes[0]


# -- files and the command line -----------------------------------------------------------------


def test_beats_geojson_and_gpx_are_read_by_gdal_and_gpx_apps(demo_beats, tmp_path):
    paths = write_beats(tmp_path, [demo_beats], title="Safe Passages: demo")
    info = pyogrio.read_info(paths["beats.geojson"])
    assert info["geometry_type"] == "LineString" and info["features"] == 6
    frame = pyogrio.read_dataframe(paths["beats.geojson"])
    for col in ("beat", "post", "window", "minutes", "length_m", "covered_pct"):
        assert col in frame.columns
    assert list(frame["beat"]) == [1, 2, 3, 4, 5, 6]
    assert set(frame["window"]) == {"dismissal"} and (frame["minutes"] <= 20).all()
    assert all(g.is_closed for g in frame.geometry)
    assert frame["covered_pct"].sum() >= demo_beats.covered_pct - 1e-6
    gpx = gpxpy.parse(paths["beats.gpx"].read_text())
    assert len(gpx.tracks) == 6 and len(gpx.waypoints) == 6
    for track, beat in zip(gpx.tracks, demo_beats.beats, strict=True):
        pts = track.segments[0].points
        assert (pts[0].latitude, pts[0].longitude) == (pts[-1].latitude, pts[-1].longitude)
        assert track.length_2d() == pytest.approx(beat.length_m, rel=0.02)


def test_cli_writes_beats_and_prints_what_they_walk(demo_cache, tmp_path, capsys):
    out = tmp_path / "beats"
    code = main(["beats", "--demo", "--cache-dir", str(demo_cache), "--officers", "4",
                 "--minutes", "15", "--out", str(out), "-q"])
    text = capsys.readouterr().out
    assert code == 0
    frame = pyogrio.read_dataframe(out / "beats.geojson")
    assert len(frame) == 4 and (frame["minutes_max"] == 15).all()
    assert "4 beats of at most 15 min walk" in text and "standing at their posts" in text
    assert f"wrote {out / 'beats.gpx'}" in text


def test_cli_minutes_from_the_plan_file_and_the_command_line(demo_cache, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("officers: 2\nbeats: {minutes: 12}\n")
    assert main(["beats", "--demo", "--cache-dir", str(demo_cache), "--plan", str(plan),
                 "--out", str(tmp_path / "a"), "-q"]) == 0
    assert set(pyogrio.read_dataframe(tmp_path / "a" / "beats.geojson")["minutes_max"]) == {12}
    assert main(["beats", "--demo", "--cache-dir", str(demo_cache), "--plan", str(plan),
                 "--minutes", "7", "--out", str(tmp_path / "b"), "-q"]) == 0
    frame = pyogrio.read_dataframe(tmp_path / "b" / "beats.geojson")
    assert set(frame["minutes_max"]) == {7} and (frame["minutes"] <= 7).all()


@pytest.mark.parametrize("args, message", [
    (["--minutes", "0"], "--minutes: must be a whole number of minutes from 1 to 240"),
    (["--minutes", "241"], "--minutes: must be a whole number of minutes from 1 to 240"),
    (["--minutes", "7.5"], "--minutes: must be a whole number of minutes from 1 to 240"),
    (["--start", "34.2,-118.0"], "--start 34.200000,-118.000000 is 28,"),
])
def test_cli_bad_input_is_one_line_and_exit_2(demo_cache, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exc:  # argparse's own errors
        code = main(["beats", "--demo", "--cache-dir", str(demo_cache), "--out",
                     str(tmp_path / "x"), "-q", *args])
        raise SystemExit(code)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert not (tmp_path / "x").exists()


def test_cli_a_place_without_corridor_is_one_line(tmp_path, capsys):
    # a corner of West Oakland with streets but no destination within the radius: nothing to
    # route to, so no corridor (the data are missing: exit 3, as for routes and coverage)
    code = main(["beats", "--osm-file", str(WEST_OAKLAND), "--point", "37.8160,-122.2950",
                 "--radius", "300", "--cache-dir", str(tmp_path / "c"), "--out",
                 str(tmp_path / "x"), "-q"])
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and err.startswith("error: no destinations")
    assert not (tmp_path / "x").exists()


# -- in the plan: maps, cards, index ------------------------------------------------------------


@pytest.fixture(scope="module")
def plan_with_beats(demo_area, tmp_path_factory):
    from safepassage.pipeline import PlanOutputs, PlanRequest, run_plan

    request = PlanRequest.from_options(officers=4, beat_minutes=12)
    out = tmp_path_factory.mktemp("plan") / "demo"
    return run_plan(demo_area, request, out, PlanOutputs(pdf=False)), out


def test_plan_writes_beats_cards_and_links_them(plan_with_beats):
    result, out = plan_with_beats
    for name in ("beats.geojson", "beats.gpx", "beats/beat-1-dismissal.en.html",
                 "beats/beat-4-dismissal.es.html"):
        assert name in result.files and (out / name).is_file()
    doc = json.loads((out / "plan.json").read_text())
    assert doc["settings"]["beats"] == {"minutes": 12, "starts": 0}
    beats = doc["beats"][0]
    assert beats["minutes"] == 12 and len(beats["beats"]) == 4
    assert beats["covered_pct"] == pytest.approx(result.beats[0].covered_pct, abs=0.01)
    layers = {name for name, _ in pyogrio.list_layers(out / "plan.gpkg")}
    assert "beats" in layers
    gpkg = pyogrio.read_dataframe(out / "plan.gpkg", layer="beats")
    assert len(gpkg) == 4 and all(g.is_closed for g in gpkg.geometry)
    index = (out / "index.html").read_text()
    assert "Beat card: beat 1, dismissal (English, HTML)" in index
    assert "Walking beats for phones (GPX)" in index and "Walked by beats" in index


def test_officer_map_has_a_layer_per_beat_with_arrows_and_its_start(plan_with_beats):
    result, out = plan_with_beats
    html = (out / "officer_map.html").read_text()
    for b in result.beats[0].beats:
        assert f"Beat {b.number} (dismissal, from post {b.number}, " in html
    assert html.count("sp-beat-arrow") >= 4 and html.count("sp-beat-start") == 4
    assert "Walking direction" in html  # in the legend


def test_planner_map_sets_walking_beside_standing(plan_with_beats):
    result, out = plan_with_beats
    html = (out / "planner_map.html").read_text()
    plan = result.beats[0]
    assert "Standing or walking" in html
    assert f"{plan.posts_covered_pct:.1f} % covered" in html
    assert f"{plan.covered_pct:.1f} % walked" in html
    assert "Beats (12 min): corridor walked" in html


def test_beat_card_in_both_languages(plan_with_beats):
    result, out = plan_with_beats
    beat = result.beats[0].beats[0]
    en = (out / "beats" / "beat-1-dismissal.en.html").read_text()
    es = (out / "beats" / "beat-1-dismissal.es.html").read_text()
    assert '<html lang="en">' in en and '<html lang="es">' in es
    assert "Walking beat 1" in en and "Step by step" in en and "school dismissal" in en
    assert "Ronda a pie 1" in es and "Paso a paso" in es and "salida de clases" in es
    assert beat.summary("en") in en and beat.summary("es") in es
    assert "Post 1:" in en and "Puesto 1:" in es
    assert en.count("<li>") >= len(beat.steps) // 2
    assert "Back at the start" in en and "De vuelta al inicio" in es


def test_names_from_planners_are_escaped_on_maps_and_cards(demo, tmp_path):
    from safepassage.handouts import beat_card_html
    from safepassage.maps import officer_map, shift_views
    from safepassage.pipeline import routes_frame

    area, cp, rp, shifts = demo
    evil = "<script>alert(1)</script>"
    plan = plan_beats(area.G, cp, rp, BeatSettings(
        minutes=6, starts=[{"name": evil, "lat": 34.0506, "lon": -118.2559}]))
    card = beat_card_html(area, plan, plan.beats[0], lang="en")
    assert evil not in card and "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    html = officer_map(area, routes_frame(area, rp), shift_views(shifts),
                       beats=[plan]).get_root().render()
    assert evil not in html


@pytest.mark.browser
def test_beat_cards_print_on_one_page(demo, chromium, tmp_path):
    import pypdf

    from safepassage.handouts import write_beat_cards, write_handout_pdfs
    from safepassage.maps import shift_views

    area, cp, rp, shifts = demo
    plan = plan_beats(area.G, cp, rp, BeatSettings(minutes=30))
    longest = sorted(plan.beats, key=lambda b: -len(b.steps))[:2]
    plan.beats = longest
    pages = write_beat_cards(tmp_path, area, [plan], shift_views(shifts))
    assert len(pages) == 4
    for pdf in write_handout_pdfs(pages):
        assert len(pypdf.PdfReader(pdf).pages) == 1, pdf.name


def test_every_20_minute_beat_card_prints_on_one_page(demo, chromium, tmp_path):
    """The map's printed height is chosen in the browser from the text as it prints (the
    layout's estimate alone let 4 of the demo's 12 cards spill two lines onto a page 2)."""
    import pypdf
    from browser import evaluate

    from safepassage.chromium import print_pdfs
    from safepassage.handouts import write_beat_cards
    from safepassage.maps import shift_views

    area, cp, rp, shifts = demo
    plan = plan_beats(area.G, cp, rp, BeatSettings(minutes=20))
    pages = write_beat_cards(tmp_path, area, [plan], shift_views(shifts))
    assert len(pages) == 2 * len(plan.beats) >= 8
    pdfs = print_pdfs([(p, p.with_suffix(".pdf")) for p in pages])
    assert [len(pypdf.PdfReader(pdf).pages) for pdf in pdfs] == [1] * len(pages)
    # the start's badge sits in the line of text that names it, not on a line of its own
    lines = evaluate(pages[0], """() => {
      const li = document.querySelector('.sp-facts li:nth-child(2)');
      const badge = li.querySelector('[data-post]').getBoundingClientRect();
      const label = li.querySelector('strong').getBoundingClientRect();
      return [badge.top, badge.bottom, label.top, label.bottom];
    }""")
    assert lines[0] < lines[3] and lines[2] < lines[1]  # the two boxes share a line


def test_beat_graph_edges_are_the_windows_edges(demo):
    area, _, rp, _ = demo
    graph = beat_graph(area.G, rp.state_graph.risk)
    assert graph.edges == list(rp.state_graph.risk.edges)
    assert (graph.search_length > graph.length).all()
    assert (graph.search_length - graph.length).max() <= 1e-3
    both = graph.reverse >= 0
    assert both.mean() > 0.9
    assert (graph.reverse[graph.reverse[both]] == np.flatnonzero(both)).all()
