"""The planner workspace (`safepassage serve`): its JSON API, its guard, its plan file.

Every test drives a workspace on the downtown demo through Starlette's test client; the
window problems are built once per module and shared, each test gets its own workspace.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from safepassage.cli import main
from safepassage.coverage import name_in_units
from safepassage.errors import InputError
from safepassage.io import MANIFEST, read_manifest
from safepassage.pipeline import PlanOutputs, PlanRequest
from safepassage.planfile import load_plan
from safepassage.utils import format_distance
from safepassage.workspace import (
    PlanContext,
    Solver,
    StaleVersionError,
    allowed_hosts,
    area_json,
    check_plan,
    create_app,
    host_warning,
    is_loopback,
    listen,
    make_publisher,
    open_workspace,
    plan_text,
)
from safepassage.workspace.state import Workspace

HOST = "127.0.0.1:8765"
ORIGIN = f"http://{HOST}"
WINDOWS = "dismissal,evening"
#: A distance in metres or kilometres, and one in feet or miles, as words read them.
METRIC = re.compile(r"\d\s?k?m\b")
IMPERIAL = re.compile(r"\d\s?(ft|mi)\b")


@pytest.fixture(scope="module")
def request_(demo_area):
    return PlanRequest.from_options(officers=3, time_window=WINDOWS)


@pytest.fixture(scope="module")
def solver(demo_area, request_):
    from safepassage.coverage import RouteInputs

    return Solver(RouteInputs.from_area(demo_area))


@pytest.fixture(scope="module")
def area_doc(demo_area):
    return area_json(demo_area)


def _workspace(area, request, solver, tmp_path, **kw):
    out = tmp_path / "out"
    publisher = make_publisher(area, out, PlanOutputs(pdf=False))
    return open_workspace(area, request, out, time_limit=kw.pop("time_limit", 10.0),
                          publisher=publisher, solver=solver, **kw)


@pytest.fixture
def ws(demo_area, request_, solver, tmp_path):
    w = _workspace(demo_area, request_, solver, tmp_path)
    yield w
    w.stop()


@pytest.fixture
def client(ws, area_doc):
    app = create_app(ws, area_doc, allowed_hosts=[HOST])
    with TestClient(app, base_url=f"http://{HOST}", headers={"Origin": ORIGIN}) as c:
        yield c


def _ban_top(client, window="dismissal", radius=30):
    doc = client.get("/api/plan").json()
    top = doc["result"]["windows"][window]["posts"][0]
    plan = doc["plan"]
    plan["banned"].append({"name": top["name"], "lat": top["lat"], "lon": top["lon"],
                           "radius_m": radius})
    return doc, top, client.put("/api/plan", json={"version": doc["version"], "plan": plan})


# ---------------------------------------------------------------------------------------------
# the JSON API


def test_get_plan_answers_with_the_documented_fields(client):
    r = client.get("/api/plan")
    assert r.status_code == 200
    doc = r.json()
    assert isinstance(doc["version"], int)
    plan = doc["plan"]
    assert plan["windows"] == ["dismissal", "evening"]
    assert plan["officers"] == {"dismissal": 3, "evening": 3}
    windows = doc["result"]["windows"]
    assert list(windows) == ["dismissal", "evening"]
    # one number per place over the windows, as on the published maps: the first window's
    # posts are 1, 2, 3; a post at the same place in the evening keeps its number
    assert [p["post"] for p in windows["dismissal"]["posts"]] == [1, 2, 3]
    places = {(p["lat"], p["lon"]): p["post"] for w in windows.values() for p in w["posts"]}
    assert len(places) == len(set(places.values()))
    for res in windows.values():
        assert isinstance(res["officers"], int) and res["officers"] == len(res["posts"]) == 3
        assert isinstance(res["covered_pct"], float) and 0 < res["covered_pct"] <= 100
        for post in res["posts"]:
            assert isinstance(post["post"], int) and post["post"] >= 1
            assert isinstance(post["name"], str) and post["name"]
            assert isinstance(post["lat"], float) and isinstance(post["lon"], float)
            assert post["locked"] is False
        for gap in res["gaps"]:
            assert isinstance(gap["street"], str) and isinstance(gap["length_m"], float)
        # the corridor rows credited to posts carry the same numbers as the posts
        assert set(res["rows"]) - {0} <= {p["post"] for p in res["posts"]}
        assert sum(g["length_m"] for g in res["gaps"]) == pytest.approx(
            res["corridor_length_m"] - res["covered_length_m"], abs=1.0)
    assert doc["solving"] is False and doc["result"]["changes"]["same"] is True


def test_the_page_reads_feet_and_miles_beside_the_metres_of_the_data(client):
    doc = client.get("/api/plan").json()
    assert doc["units"] == "imperial" and client.get("/api/map").json()["units"] == "imperial"
    assert doc["shown_plan"] == {"locked": [], "banned": [], "extra_posts": []}
    words = []
    for res in doc["result"]["windows"].values():
        for key in ("covered_length", "corridor_length"):  # beside the numbers, which stay
            assert res[key] == format_distance(res[f"{key}_m"], "en", "imperial", short=True)
        for post in res["posts"]:
            assert post["shown"] == name_in_units(post["name"], "imperial")
        for gap in res["gaps"]:
            assert gap["length"] == format_distance(gap["length_m"], "en", "imperial",
                                                    short=True)
        words += [res["covered_length"], res["corridor_length"],
                  *(p["shown"] for p in res["posts"]), *(g["length"] for g in res["gaps"])]
    # the names are stored in metres (plan files lock posts by them); the page reads feet
    names = [p["name"] for r in doc["result"]["windows"].values() for p in r["posts"]]
    assert any(METRIC.search(n) for n in names)
    assert not any(METRIC.search(w) for w in words) and any(IMPERIAL.search(w) for w in words)
    corridor = client.get(f"/api/corridor/{res['corridor']}").json()
    shown = {c["name"]: c["shown"] for c in corridor["candidates"]}
    assert any(METRIC.search(n) for n in shown)
    assert all(v == name_in_units(k, "imperial") and not METRIC.search(v)
               for k, v in shown.items())


def test_a_metric_workspace_reads_metres(demo_area, request_, solver, tmp_path, area_doc):
    ws = _workspace(demo_area, request_, solver, tmp_path, units="metric")
    try:
        app = create_app(ws, area_doc, allowed_hosts=[HOST])
        with TestClient(app, base_url=f"http://{HOST}", headers={"Origin": ORIGIN}) as c:
            assert c.get("/api/map").json()["units"] == "metric"
            _, top, r = _ban_top(c)
            new = r.json()
            assert new["units"] == "metric"
            res = new["result"]["windows"]["dismissal"]
            assert res["corridor_length"].endswith(" km")
            assert [p["shown"] for p in res["posts"]] == [p["name"] for p in res["posts"]]
            assert all(g["length"] == format_distance(g["length_m"], "en", "metric", short=True)
                       for g in res["gaps"])
            assert new["shown_plan"]["banned"] == [top["name"]]
            text = " ".join(new["result"]["changes"]["text"])
            assert METRIC.search(text) and not IMPERIAL.search(text)
            corridor = c.get(f"/api/corridor/{res['corridor']}").json()
            assert all(x["shown"] == x["name"] for x in corridor["candidates"])
    finally:
        ws.stop()
    with pytest.raises(InputError, match="unsupported units 'furlongs'"):
        _workspace(demo_area, request_, solver, tmp_path, units="furlongs")


def test_banning_a_post_solves_again_and_says_what_changed(client):
    doc, top, r = _ban_top(client)
    assert r.status_code == 200
    new = r.json()
    assert new["version"] == doc["version"] + 1
    res = new["result"]["windows"]["dismissal"]
    assert top["name"] not in [p["name"] for p in res["posts"]]
    before = doc["result"]["windows"]["dismissal"]["covered_pct"]
    assert res["covered_pct"] < before  # 3 officers: the busiest post mattered
    changes = new["result"]["changes"]
    assert not changes["same"]
    assert any("dismissal" in line and ("post removed" in line or "post moved" in line)
               for line in changes["text"])
    assert changes["text"][0].startswith("coverage: ")
    mine = changes["windows"]["dismissal"]
    assert mine["posts_removed"] or mine["posts_moved"]
    # in the served units (feet and miles), beside the numbers in metres
    words = [*changes["text"], *(p["shown"] for p in mine["posts_removed"]),
             *(m[k] for m in mine["posts_moved"] for k in ("from_shown", "to_shown", "distance")),
             *(g["length"] for k in ("gaps_opened", "gaps_closed") for g in mine[k])]
    assert not any(METRIC.search(w) for w in words), words
    assert any(IMPERIAL.search(w) for w in words)
    assert all(isinstance(g["length_m"], float) for g in mine["gaps_opened"])
    assert new["shown_plan"]["banned"] == [name_in_units(top["name"], "imperial")]
    # the page draws the change: the corridor rows that lost or gained cover
    assert mine["opened_rows"] or mine["closed_rows"]
    assert client.get("/api/plan").json()["version"] == new["version"]


def test_a_stale_version_is_refused_with_409_and_changes_nothing(client):
    doc = client.get("/api/plan").json()
    assert _ban_top(client)[2].status_code == 200
    r = client.put("/api/plan", json={"version": doc["version"], "plan": doc["plan"]})
    assert r.status_code == 409
    msg = r.json()["error"]
    assert "\n" not in msg and "reload" in msg and f"version {doc['version'] + 1}" in msg
    assert client.get("/api/plan").json()["version"] == doc["version"] + 1
    for path in ("/api/undo", "/api/redo", "/api/save", "/api/publish"):
        assert client.post(path, json={"version": doc["version"]}).status_code == 409


@pytest.mark.parametrize(("change", "says"), [
    (lambda p: p["officers"].update(dismissal="six"),
     "plan: officers.dismissal must be a whole number from 0 to 500, got 'six'"),
    (lambda p: p.update(oficers=3), "plan: unknown key(s) 'oficers' (did you mean 'officers'?)"),
    (lambda p: p["officers"].update(evening=200), "plan: officers.evening must be at most 100"),
    (lambda p: p["officers"].update(evening=1000),
     "plan: officers.evening must be a whole number from 0 to 500"),
    (lambda p: p.update(radius_m=50000), "plan: radius_m must be a number of metres > 0"),
    (lambda p: p.update(radius_m=5), "plan: radius_m must be between 10 and 2000 m, got 5"),
    (lambda p: p.update(banned=[{"lat": 34.05, "lon": -118.25, "radius_m": 5000}]),
     "plan: banned[0].radius_m must be at most 1000 m"),
    (lambda p: p.update(locked=[{"post": "Nowhere Street & Nothing Avenue"}]), "locked[0]"),
    (lambda p: p.update(locked=[{"name": "far", "lat": 35.0, "lon": -118.0}]), "locked[0]"),
    (lambda p: p.update(extra_posts=[{"lat": 34.05}]), "plan: extra_posts[0] needs lon"),
    (lambda p: p.update(windows=["dismissal", "evening", "arrival"]),
     "plan: officers has no count for window(s) arrival"),
    (lambda p: p.update(target_coverage=1.5), "plan: target_coverage must be a share"),
])
def test_an_invalid_plan_is_400_naming_the_key(client, change, says):
    doc = client.get("/api/plan").json()
    plan = json.loads(json.dumps(doc["plan"]))
    change(plan)
    r = client.put("/api/plan", json={"version": doc["version"], "plan": plan})
    assert r.status_code == 400, r.text
    msg = r.json()["error"]
    assert says in msg and "\n" not in msg and "Traceback" not in msg
    assert client.get("/api/plan").json()["version"] == doc["version"]


def test_more_locked_posts_than_officers_is_400(client, solver):
    doc = client.get("/api/plan").json()
    key = next(k for k in solver._problems if k.window == "dismissal")
    names = solver.corridor(key).candidates["name"].iloc[:4]
    plan = {**doc["plan"], "locked": [{"post": str(n)} for n in names]}
    r = client.put("/api/plan", json={"version": doc["version"], "plan": plan})
    assert r.status_code == 400
    assert r.json()["error"] == ("plan: 4 posts are locked but only 3 officers are on duty in "
                                 "the dismissal window (officers.dismissal)")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_400(client, body):
    r = client.put("/api/plan", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("the request body")


def test_bounded_time_limit_and_version_type(client):
    doc = client.get("/api/plan").json()
    for bad in (0, 1e9, "fast", True):
        r = client.put("/api/plan", json={"version": doc["version"], "plan": doc["plan"],
                                          "time_limit": bad})
        assert r.status_code == 400 and "time_limit" in r.json()["error"]
    r = client.put("/api/plan", json={"version": "1", "plan": doc["plan"]})
    assert r.status_code == 400 and r.json()["error"].startswith("version must be")
    r = client.get("/api/plan?timeout=9999")
    assert r.status_code == 400 and "timeout" in r.json()["error"]
    ok = client.put("/api/plan", json={"version": doc["version"], "plan": doc["plan"],
                                       "time_limit": 2.5})
    assert ok.status_code == 200 and ok.json()["time_limit"] == 2.5


def test_undo_and_redo_are_new_versions_and_reuse_cached_solves(client):
    first = client.get("/api/plan").json()
    assert client.post("/api/undo", json={"version": first["version"]}).status_code == 409
    r = _ban_top(client)[2]
    banned = r.json()
    undone = client.post("/api/undo", json={"version": banned["version"]})
    assert undone.status_code == 200
    u = undone.json()
    assert u["version"] == banned["version"] + 1
    assert u["plan"] == first["plan"] and u["can_redo"] and not u["can_undo"]
    assert u["result"]["windows"] == first["result"]["windows"]  # the very same solve
    redone = client.post("/api/redo", json={"version": u["version"]}).json()
    assert redone["plan"] == banned["plan"]
    assert redone["result"]["windows"] == banned["result"]["windows"]
    assert client.post("/api/redo", json={"version": redone["version"]}).status_code == 409


def test_plan_yaml_gives_the_same_posts_through_the_cli(client, demo_cache, tmp_path):
    doc = client.get("/api/plan").json()
    plan = doc["plan"]
    dis = doc["result"]["windows"]["dismissal"]["posts"]
    plan["banned"].append({"name": dis[0]["name"], "lat": dis[0]["lat"], "lon": dis[0]["lon"],
                           "radius_m": 30})
    plan["locked"].append({"name": dis[2]["name"], "lat": dis[2]["lat"], "lon": dis[2]["lon"]})
    plan["officers"]["evening"] = 2
    plan["backup"] = {"factor": 0.5, "top_share": 0.2}
    r = client.put("/api/plan", json={"version": doc["version"], "plan": plan})
    assert r.status_code == 200, r.text
    shown = r.json()["result"]["windows"]
    text = client.get("/api/plan.yaml")
    assert text.status_code == 200 and text.headers["content-type"].startswith("application/yaml")
    path = tmp_path / "plan.yaml"
    path.write_text(text.text, encoding="utf-8")
    assert load_plan(path).officers == {"dismissal": 3, "evening": 2}
    out = tmp_path / "cli"
    assert main(["coverage", "--demo", "--plan", str(path), "--out", str(out), "--cache-dir",
                 str(demo_cache), "-q"]) == 0
    cli = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
    for window, res in shown.items():
        mine = [(p["name"], round(p["lat"], 6), round(p["lon"], 6), p["locked"])
                for p in res["posts"]]
        theirs = [(p["name"], round(p["lat"], 6), round(p["lon"], 6), p["locked"])
                  for p in cli["shifts"][window]["posts"]]
        assert mine == theirs
        assert cli["shifts"][window]["covered_pct"] == res["covered_pct"]


def test_save_writes_the_plan_file_and_publish_the_whole_output(client, ws, tmp_path):
    _, top, r = _ban_top(client)
    v = r.json()["version"]
    saved = client.post("/api/save", json={"version": v})
    assert saved.status_code == 200
    body = saved.json()
    path = Path(body["file"])
    assert path == tmp_path / "out" / "plan.yaml" and body["saved"]["version"] == v
    assert load_plan(path).banned[-1]["name"] == top["name"]
    after = client.get("/api/plan").json()
    assert after["result"]["changes"]["same"] and after["saved"]["same"]
    published = client.post("/api/publish", json={"version": v})
    assert published.status_code == 200, published.text
    files = published.json()["files"]
    for name in ("planner_map.html", "officer_map.html", "plan.json", "coverage.json",
                 "posts.geojson", "plan.yaml", "index.html"):
        assert name in files
    out = tmp_path / "out"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.is_file() and p.name != MANIFEST) == sorted(files)
    assert set(read_manifest(out)["plan"]) == set(files)  # a product folder, see safepassage.io
    assert load_plan(out / "plan.yaml").banned[-1]["name"] == top["name"]
    cov = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
    shown = after["result"]["windows"]
    assert [p["name"] for p in cov["shifts"]["dismissal"]["posts"]] == [
        p["name"] for p in shown["dismissal"]["posts"]]
    # nothing was written outside the output folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_map_and_corridor_data(client, area_doc):
    m = client.get("/api/map").json()
    assert m["site"]["name"] == "Downtown LA demo" and m["windows"] == ["dismissal", "evening"]
    assert m["base"]["street"] and m["destinations"]
    assert m["styles"]["covered"][0].startswith("#")
    res = client.get("/api/plan").json()["result"]["windows"]["dismissal"]
    corridor = client.get(f"/api/corridor/{res['corridor']}").json()
    assert len(corridor["segments"]) == len(res["rows"])
    assert {s["band"] for s in corridor["segments"]} <= {0, 1, 2, 3}
    assert corridor["candidates"] and corridor["bands"][-1] == "Most people walking"
    covered = sum(s["length_m"] for s, r in zip(corridor["segments"], res["rows"], strict=True)
                  if r)
    assert covered == pytest.approx(res["covered_length_m"], abs=1.0)
    assert client.get("/api/corridor/not-a-token").status_code == 404


def test_the_page_and_its_files_come_from_installed_packages(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    for src in ("/static/leaflet.js", "/static/leaflet.css", "/static/maps.css",
                "/static/workspace.js", "/static/workspace.css"):
        assert src in page.text
        r = client.get(src)
        assert r.status_code == 200 and len(r.content) > 500
    assert "http://" not in page.text and "https://" not in page.text
    assert "L.map" in client.get("/static/workspace.js").text


# ---------------------------------------------------------------------------------------------
# a local server's safety


def test_a_foreign_host_is_refused(client):
    for method, path in (("GET", "/"), ("GET", "/api/plan"), ("PUT", "/api/plan")):
        r = client.request(method, path, headers={"Host": "evil.example"}, json={})
        assert r.status_code == 403 and "refused" in r.json()["error"]
    r = client.get("/api/plan", headers={"Host": "127.0.0.1:9999"})
    assert r.status_code == 403


def test_a_write_from_another_site_is_refused(client):
    doc = client.get("/api/plan").json()
    body = {"version": doc["version"], "plan": doc["plan"]}
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Origin": "http://127.0.0.1:9999"}, {"Sec-Fetch-Site": "cross-site"}):
        r = client.put("/api/plan", json=body, headers=headers)
        assert r.status_code == 403, headers
    form = client.post("/api/save", content=b"version=1",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    assert client.get("/api/plan").json()["version"] == doc["version"]
    assert client.put("/api/plan", json=body).status_code == 200  # its own page's origin


def test_a_large_request_is_refused(client):
    doc = client.get("/api/plan").json()
    big = {"version": doc["version"], "plan": doc["plan"], "pad": "x" * 1_100_000}
    assert client.put("/api/plan", json=big).status_code == 413


def test_no_path_from_a_request_reaches_the_disk(client):
    doc = client.get("/api/plan").json()
    for banned in ("/etc/passwd", "../outside.geojson", {"file": "x.geojson"}):
        plan = {**doc["plan"], "banned": [banned]}
        r = client.put("/api/plan", json={"version": doc["version"], "plan": plan})
        assert r.status_code == 400 and "banned[0] names a file" in r.json()["error"]
    plan = {**doc["plan"], "profile": "../../profiles/evil.toml"}
    r = client.put("/api/plan", json={"version": doc["version"], "plan": plan})
    assert r.status_code == 400 and r.json()["error"].startswith("plan: profile must be one of")
    for path in ("/static/..%2Fapp.py", "/static/app.py", "/static/%2e%2e%2fplan.py",
                 "/api/corridor/..%2F..%2Fetc"):
        assert client.get(path).status_code == 404


def test_names_are_sent_as_plain_text(client):
    doc = client.get("/api/plan").json()
    evil = '<img src=x onerror="alert(1)">'
    post = doc["result"]["windows"]["dismissal"]["posts"][0]
    plan = doc["plan"]
    plan["locked"] = [{"name": evil, "lat": post["lat"], "lon": post["lon"]}]
    r = client.put("/api/plan", json={"version": doc["version"], "plan": plan})
    assert r.status_code == 200
    names = [p["name"] for p in r.json()["result"]["windows"]["dismissal"]["posts"]]
    assert evil in names  # JSON carries the text; the page sets it as text (browser test)
    assert "innerHTML = kind.symbol" in client.get("/static/workspace.js").text
    assert ".innerHTML" not in client.get("/static/workspace.js").text.replace(
        "icon.innerHTML = kind.symbol", "").replace("site.innerHTML = area.site_symbol", "")


def test_allowed_hosts_are_the_served_address():
    assert allowed_hosts("127.0.0.1", 8000) == ["127.0.0.1:8000", "[::1]:8000",
                                                "localhost:8000"]
    assert allowed_hosts("192.168.1.20", 80) == ["192.168.1.20:80"]
    assert "127.0.0.1:8000" in allowed_hosts("0.0.0.0", 8000)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    assert host_warning("127.0.0.1") is None and host_warning("localhost") is None
    assert "no password" in host_warning("0.0.0.0") and "0.0.0.0" in host_warning("0.0.0.0")
    sock = listen("127.0.0.1", 0)
    try:
        with pytest.raises(InputError, match=r"^cannot listen on 127\.0\.0\.1:\d+: "):
            listen("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()


# ---------------------------------------------------------------------------------------------
# versions, superseding, plan files


class _SlowSolver(Solver):
    """A solver that takes its time and records what it solved."""

    def __init__(self, base: Solver) -> None:
        super().__init__(base.routes)
        self._problems = base._problems
        self.log: list[tuple[str, str]] = []

    def solve(self, checked, window, time_limit):
        self.log.append((json.dumps(checked.data["banned"]), window))
        time.sleep(0.4)
        return super().solve(checked, window, time_limit)


def test_a_newer_change_supersedes_an_older_solve(demo_area, request_, solver, tmp_path):
    slow = _SlowSolver(solver)
    ws = _workspace(demo_area, request_, slow, tmp_path)
    try:
        base = ws.state()
        slow.log.clear()
        post = base["result"]["windows"]["dismissal"]["posts"][0]
        plans = []
        for radius in (40, 60):
            plan = json.loads(json.dumps(base["plan"]))
            plan["banned"] = [{"name": "x", "lat": post["lat"], "lon": post["lon"],
                               "radius_m": radius}]
            plans.append(plan)
        v1 = ws.put(base["version"], plans[0], focus="evening")
        time.sleep(0.1)  # the solver is in v1's first window (evening: looked at first)
        v2 = ws.put(v1, plans[1])
        assert ws.wait(v2, timeout=60)
        state = ws.state()
        assert state["version"] == v2 and not state["solving"]
        first = [w for b, w in slow.log if '"radius_m": 40' in b]
        assert first == ["evening"]  # v1 stopped after its first window
        assert [w for b, w in slow.log if '"radius_m": 60' in b][:2] == ["dismissal", "evening"]
        assert state["result"]["windows"]["dismissal"]["banned_places"] == ["x"]
    finally:
        ws.stop()


def test_the_window_looked_at_is_solved_first(demo_area, request_, solver, tmp_path):
    slow = _SlowSolver(solver)
    ws = _workspace(demo_area, request_, slow, tmp_path)
    try:
        base = ws.state()
        plan = json.loads(json.dumps(base["plan"]))
        plan["officers"]["evening"] = 2
        plan["officers"]["dismissal"] = 2
        v = ws.put(base["version"], plan, focus="evening")
        assert ws.wait(v, timeout=60, window="evening")
        part = ws.state()
        assert part["solving"] and list(part["result"]["windows"]) == ["evening"]
        assert part["result"]["pending"] == ["dismissal"] and part["result"]["changes"] is None
        assert ws.wait(v, timeout=60)
        assert list(ws.state()["result"]["windows"]) == ["dismissal", "evening"]
    finally:
        ws.stop()


def test_two_tabs_cannot_overwrite_each_other(ws):
    v = ws.version
    plan = ws.state()["plan"]
    ws.put(v, plan)
    with pytest.raises(StaleVersionError, match="reload"):
        ws.put(v, plan)


def test_a_plan_file_with_polygons_keeps_them_and_saves_them_relative(demo_area, solver,
                                                                      tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    closed = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[
            [-118.2560, 34.0500], [-118.2550, 34.0500], [-118.2550, 34.0510],
            [-118.2560, 34.0510], [-118.2560, 34.0500]]]}}]}
    (folder / "closed.geojson").write_text(json.dumps(closed), encoding="utf-8")
    (folder / "plan.yaml").write_text(
        "officers: {dismissal: 3}\nbanned:\n  - closed.geojson\n  - {lat: 34.052, lon: -118.251}\n",
        encoding="utf-8")
    request = PlanRequest.from_options(plan_file=folder / "plan.yaml")
    ws = open_workspace(demo_area, request, tmp_path / "out", solver=solver)
    try:
        doc = ws.state()
        assert doc["plan"]["banned"] == ["closed.geojson",
                                         {"lat": 34.052, "lon": -118.251, "radius_m": 30.0}]
        assert ws.save_path == folder / "plan.yaml"
        assert doc["result"]["windows"]["dismissal"]["banned_places"][0] == "closed.geojson"
        ws.put(doc["version"], doc["plan"])  # the plan's own file may stay
        text = plan_text(doc["plan"], ws.ctx, tmp_path / "elsewhere" / "p.yaml")
        assert yaml.safe_load(text.split("\n", 2)[2])["banned"][0] == "../plans/closed.geojson"
        as_json = plan_text(doc["plan"], ws.ctx, folder / "copy.json")
        (folder / "copy.json").write_text(as_json, encoding="utf-8")
        assert load_plan(folder / "copy.json").banned[0]["name"] == "closed.geojson"
        saved = ws.save(ws.version)
        assert load_plan(saved).banned[0]["geometry"].geom_type == "Polygon"
    finally:
        ws.stop()


def test_check_plan_refuses_a_new_site_and_keeps_canonical_form(tmp_path):
    ctx = PlanContext(base=tmp_path)
    checked = check_plan({"officers": 4}, ctx, default_windows=["arrival", "dismissal"])
    assert checked.data == {"radius_m": 250.0, "officers": {"arrival": 4, "dismissal": 4},
                            "windows": ["arrival", "dismissal"], "locked": [], "banned": [],
                            "extra_posts": []}
    assert check_plan(checked.data, ctx).data == checked.data
    with pytest.raises(InputError, match=r"^plan: site cannot change"):
        check_plan({"site": "Jordan Downs"}, ctx)
    with pytest.raises(InputError, match=r"^plan must be a JSON object"):
        check_plan(["officers"], ctx)
    assert check_plan({"profile": "child"}, ctx).data["profile"] == "child"


def test_workspace_state_waits_only_a_bounded_time(demo_area, request_, solver, tmp_path):
    ws = Workspace(solver, check_plan({"officers": 1, "windows": ["dismissal"]},
                                      PlanContext(base=tmp_path)),
                   PlanContext(base=tmp_path), time_limit=5.0, save_path=tmp_path / "p.yaml",
                   out_dir=tmp_path / "o")
    t0 = time.perf_counter()
    assert ws.wait(timeout=0.2) is False  # not started: nothing solves it
    assert time.perf_counter() - t0 < 2
    assert ws.state()["solving"] and ws.state()["result"] is None
    with pytest.raises(InputError, match="publishing is not set up"):
        ws.publish(ws.version)
    waiter = threading.Thread(target=ws.wait, kwargs={"timeout": 30})
    ws.start()
    waiter.start()
    waiter.join(30)
    assert not waiter.is_alive() and ws.state()["result"]["windows"]["dismissal"]["officers"] == 1
    ws.stop()


# ---------------------------------------------------------------------------------------------
# the real server, as a planner starts it


def test_serve_runs_as_a_process_on_loopback_and_stops_by_pid(demo_cache, tmp_path):
    import os
    import re
    import signal
    import subprocess
    import sys

    import httpx2 as httpx

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "safepassage.cli", "serve", "--demo", "--port", "0", "--out",
           str(out), "--cache-dir", str(demo_cache), "--officers", "2", "--time-window",
           "dismissal", "--units", "metric", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")),
                                  daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            found = [re.search(r"http://127\.0\.0\.1:\d+/", line) for line in lines]
            url = next((m.group(0) for m in found if m), None)
            time.sleep(0.1)
        assert url, f"no URL printed: {lines} {proc.stderr.read() if proc.poll() else ''}"
        assert lines[0].startswith("Downtown LA demo: planner workspace at http://127.0.0.1:")
        host = url.removeprefix("http://").rstrip("/")
        with httpx.Client(base_url=url, timeout=60) as http:
            doc = http.get("/api/plan").json()
            assert doc["result"]["windows"]["dismissal"]["officers"] == 2
            assert doc["units"] == "metric" and http.get("/api/map").json()["units"] == "metric"
            assert doc["result"]["windows"]["dismissal"]["corridor_length"].endswith(" km")
            assert http.get("/api/plan", headers={"Host": "attacker.example"}).status_code == 403
            plan = {**doc["plan"], "officers": {"dismissal": 1}}
            r = http.put("/api/plan", json={"version": doc["version"], "plan": plan},
                         headers={"Origin": f"http://{host}"})
            assert r.status_code == 200 and r.json()["result"]["windows"]["dismissal"][
                "officers"] == 1
            assert "dismissal: 1" in http.get("/api/plan.yaml").text
            saved = http.post("/api/save", json={"version": r.json()["version"]},
                              headers={"Origin": f"http://{host}"})
            assert saved.status_code == 200
        assert load_plan(out / "plan.yaml").officers == {"dismissal": 1}
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.mark.parametrize(("args", "says"), [
    (["--port", "70000"], "argument --port: must be between 0 and 65535: '70000'"),
    (["--time-limit", "100"], "--time-limit must be between 0.1 and 60 seconds"),
    (["--handouts", "castle"], "--handouts: use kinds from"),
])
def test_serve_refuses_bad_options_in_one_line(args, says, capsys, tmp_path):
    try:
        code = main(["serve", "--demo", "--out", str(tmp_path / "o"), *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and says in err and "\n" not in err


def test_serve_refuses_a_port_in_use_before_any_slow_work(capsys, tmp_path):
    sock = listen("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        t0 = time.perf_counter()
        assert main(["serve", "--demo", "--port", str(port), "--out", str(tmp_path / "o")]) == 2
        assert time.perf_counter() - t0 < 5
    finally:
        sock.close()
    assert capsys.readouterr().err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")


def test_incidents_and_their_period_are_kept_and_cannot_change(demo_area, demo_cache, tmp_path):
    from safepassage import settings
    from safepassage.incidents import IncidentOptions
    from safepassage.source import DEMO_INCIDENTS

    crimes = settings.geodata_folder / DEMO_INCIDENTS
    options = IncidentOptions(crimes, "2020-03-01", "2020-12-31")
    request = PlanRequest.from_options(officers=2, time_window="evening", incidents=options)
    out = tmp_path / "out"
    ws = open_workspace(demo_area, request, out, publisher=make_publisher(
        demo_area, out, PlanOutputs(pdf=False), route_options={"incidents": options}))
    try:
        doc = ws.state()
        assert doc["plan"]["since"] == "2020-03-01" and doc["plan"]["until"] == "2020-12-31"
        assert ws.solver.routes.incidents is not None and len(ws.solver.routes.incidents.frame)
        with pytest.raises(InputError, match=r"^plan: since cannot change in the workspace"):
            ws.put(doc["version"], {**doc["plan"], "since": "2020-01-01"})
        files = ws.publish(doc["version"])
        assert "incidents.geojson" in files and "plan.yaml" in files
        saved = load_plan(out / "plan.yaml")
        assert (saved.since, saved.until) == ("2020-03-01", "2020-12-31")
        cli = tmp_path / "cli"
        assert main(["coverage", "--demo", "--plan", str(out / "plan.yaml"), "--incidents",
                     str(crimes), "--out", str(cli), "--cache-dir", str(demo_cache),
                     "-q"]) == 0
        posts = json.loads((cli / "coverage.json").read_text())["shifts"]["evening"]["posts"]
        assert [p["name"] for p in posts] == [
            p["name"] for p in doc["result"]["windows"]["evening"]["posts"]]
    finally:
        ws.stop()
