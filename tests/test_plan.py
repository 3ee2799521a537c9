"""The main job in one command: `safepassage plan` / `safepassage demo`."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import gpxpy
import pytest

from safepassage.cli import main
from safepassage.offline import external_references

EXPECTED = ["plan.json", "routes.geojson", "routes.gpx", "posts.geojson", "coverage.json",
            "officer_map.html", "planner_map.html", "index.html", "plan.gpkg",
            "incidents.geojson", "handouts/colburn-school.en.html",
            "handouts/colburn-school.es.html"]
DEMO_INCIDENTS = (Path(__file__).resolve().parent.parent / "geodata" / "demo"
                  / "lapd_crime_2020_demo.csv")


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory, demo_cache) -> Path:
    out = tmp_path_factory.mktemp("plan") / "demo"
    plan = out.parent / "plan.yaml"
    plan.write_text("officers: {arrival: 3, dismissal: 4}\nwindows: [dismissal, arrival]\n")
    b = out.parent / "b.yaml"
    b.write_text("officers: 2\n")
    concerns = out.parent / "concerns.csv"  # residents: the corner of Olive and 5th
    concerns.write_text("lat,lon,note\n34.0493,-118.2526,people avoid this corner at night\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inside = list(warnings.filters)
        rc = main(["demo", "--out", str(out), "--cache-dir", str(demo_cache), "-q", "--plan",
                   str(plan), "--compare-plan", str(b), "--handouts", "school,park", "--no-pdf",
                   "--concerns", str(concerns)])
        # libraries add narrow filters of their own on import; a blanket "ignore" is ours
        RUN["blanket_ignores"] = [
            f for f in warnings.filters if f not in inside and f[0] == "ignore"
            and f[1] is None and f[2] in (Warning, UserWarning, FutureWarning,
                                          DeprecationWarning, RuntimeWarning)]
    assert rc == 0
    RUN["warnings"] = [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                       for w in caught]
    return out


#: What the demo run above saw of Python's warnings.
RUN: dict[str, object] = {}


def test_the_demo_warns_of_nothing_and_silences_nothing(demo_out: Path):
    """Nothing on the demo raises a warning, and the command line does not hide any."""
    assert RUN["warnings"] == []
    assert RUN["blanket_ignores"] == []


def test_demo_writes_every_output(demo_out: Path):
    for name in EXPECTED:
        assert (demo_out / name).is_file(), name
    assert (demo_out / "handouts" / "pershing-square.es.html").is_file()


def test_plan_json_says_everything(demo_out: Path):
    doc = json.loads((demo_out / "plan.json").read_text())
    assert doc["site"]["name"] == "Downtown LA demo" and doc["site"]["approximate"] is True
    assert doc["network"]["nodes"] > 800 and doc["network"]["edges"] > 2000
    assert doc["network"]["provenance"]["source"] == "demo"
    assert len(doc["destinations"]) >= 30
    ok = [r for r in doc["routes"] if r["status"] == "ok"]
    assert len(ok) == len(doc["routes"])
    assert {"length_m", "detour_pct", "risk_reduction_pct", "risk_bound", "risk_gap_pct",
            "unsignalised_arterial_crossings"} <= set(ok[0])
    # every safe route within the cap is proven within 1 % of the least risky one there
    assert all(0 <= r["risk_gap_pct"] <= 1.0 for r in ok)
    cov = doc["coverage"]
    assert cov["windows"] == ["dismissal", "arrival"]
    assert cov["officers_by_window"] == {"dismissal": 4, "arrival": 3}
    assert len(cov["posts"]) == 7
    assert doc["plan_b"]["officers"] == 2
    for step in ("load network", "destinations", "maps", "handouts"):
        assert any(k.startswith(step) for k in doc["timing_s"]), step
    assert set(EXPECTED) - {"index.html", "plan.json"} <= set(doc["files"])


def test_the_demo_weighs_the_real_lapd_incidents_of_each_window(demo_out: Path):
    import csv

    doc = json.loads((demo_out / "plan.json").read_text())
    with DEMO_INCIDENTS.open(newline="", encoding="utf-8") as fh:
        raw = {r["DR_NO"]: r for r in csv.DictReader(fh)}
    assert doc["settings"]["incidents_file"] == "lapd_crime_2020_demo.csv"
    assert doc["settings"]["incidents_format"] == "LAPD export"
    reports = {r["window"]: r for r in doc["incidents"]}
    assert set(reports) == {"dismissal (14:00-16:00)", "arrival (07:00-08:30)"}
    for r in reports.values():
        assert r["read"] == len(raw)
        assert r["read"] == sum(r["skipped"].values()) + r["used"]
        assert r["used"] > 0 and sum(r["used_by_class"].values()) == r["used"]
        assert r["period"] == "every date in the file (2020-01-01 to 2020-12-31)"
    assert any(n.startswith("incidents, dismissal (14:00-16:00): LAPD export") for n in
               doc["notes"])
    assert all("incidents_50m" in r for r in doc["routes"])
    inc = json.loads((demo_out / "incidents.geojson").read_text())["features"]
    by_window: dict[str, set[str]] = {}
    for f in inc:
        p = f["properties"]
        by_window.setdefault(p["window"], set()).add(p["dr_no"])
        t = int(raw[p["dr_no"]]["TIME OCC"])
        assert p["time"] == f"{t // 100:02d}:{t % 100:02d}"
        assert p["crime"] == raw[p["dr_no"]]["Crm Cd Desc"]
    assert {w: len(v) for w, v in by_window.items()} == {
        w: r["used"] for w, r in reports.items()}
    planner = (demo_out / "planner_map.html").read_text()
    assert "Incident density, dismissal (14:00-16:00)" in planner
    assert "Incidents: dismissal (14:00-16:00)" in planner and "<th>Kind of crime</th>" in planner
    assert "Crime Data from 2020 to Present" in planner
    arrival = (demo_out / "planner_map_arrival.html").read_text()
    assert "Incident density, arrival (07:00-08:30)" in arrival


def test_community_concerns_are_listed_apart(demo_out: Path):
    doc = json.loads((demo_out / "plan.json").read_text())
    (row,) = doc["concerns"]["concerns"]
    assert row["note"] == "people avoid this corner at night" and row["near_streets"] is True
    assert doc["concerns"]["routed"] == len(doc["routes"])
    assert "concerns.geojson" in doc["files"]
    assert any(n.startswith("community concerns: 1 given, 1 near the streets") for n in
               doc["notes"])
    assert all("concerns_50m" in r for r in doc["routes"])
    assert "Community concerns: 1 named by residents" in (demo_out / "planner_map.html"
                                                          ).read_text()
    index = (demo_out / "index.html").read_text()
    assert 'href="concerns.geojson"' in index and 'href="incidents.geojson"' in index
    for page in (demo_out / "handouts").glob("*.html"):
        assert "avoid this corner" not in page.read_text()


def test_handouts_never_show_individual_incidents(demo_out: Path):
    inc = json.loads((demo_out / "incidents.geojson").read_text())["features"]
    dr_nos = {f["properties"]["dr_no"] for f in inc}
    crimes = {f["properties"]["crime"] for f in inc}
    pages = list((demo_out / "handouts").glob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text()
        assert not any(dr in text for dr in dr_nos), page.name
        assert not any(c in text for c in crimes), page.name
        assert "incident" not in text.lower(), page.name


def test_the_demo_posts_react_to_the_incidents(demo_out: Path, demo_cache, tmp_path: Path):
    plan = demo_out.parent / "plan.yaml"
    out = tmp_path / "none"
    # the same request without incidents (coverage alone: no maps or handouts needed)
    assert main(["coverage", "--demo", "--out", str(out), "--cache-dir", str(demo_cache), "-q",
                 "--plan", str(plan)]) == 0
    assert not (out / "incidents.geojson").exists()

    def posts(folder: Path) -> list[str]:
        feats = json.loads((folder / "posts.geojson").read_text())["features"]
        return sorted(f["properties"]["name"] for f in feats
                      if f["properties"]["window"] == "dismissal")

    assert posts(out) != posts(demo_out)


def test_index_links_every_file_and_is_offline(demo_out: Path):
    html = (demo_out / "index.html").read_text()
    links = set(re.findall(r'href="([^"]+)"', html))
    for name in EXPECTED:
        if name != "index.html":
            assert name in links, name
    for name in ("index.html", "officer_map.html", "planner_map.html",
                 "handouts/colburn-school.en.html"):
        assert external_references((demo_out / name).read_text()) == [], name


def test_outputs_open_in_their_tools(demo_out: Path):
    gpx = gpxpy.parse((demo_out / "routes.gpx").read_text())
    assert gpx.tracks and gpx.waypoints
    posts = json.loads((demo_out / "posts.geojson").read_text())
    assert posts["type"] == "FeatureCollection" and len(posts["features"]) == 7
    assert {f["properties"]["window"] for f in posts["features"]} == {"dismissal", "arrival"}
    planner = (demo_out / "planner_map.html").read_text()
    assert "Plan B" in planner


def test_geopackage_has_every_layer(demo_out: Path):
    import geopandas as gpd
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(demo_out / "plan.gpkg")}
    assert layers == {"routes", "destinations", "posts", "corridor"}
    routes = gpd.read_file(demo_out / "plan.gpkg", layer="routes")
    assert set(routes["role"]) >= {"safest", "shortest"}
    assert routes.crs.to_epsg() == 4326
    spanish = routes.loc[routes["role"] == "safest", "directions_es"]
    assert spanish.str.contains("llegar", case=False).all()
    corridor = gpd.read_file(demo_out / "plan.gpkg", layer="corridor")
    assert corridor["covered"].any() and "demand" in corridor


def test_failed_run_leaves_previous_output_whole(demo_out: Path, demo_cache, monkeypatch,
                                                 capsys):
    before = {p.relative_to(demo_out): p.read_bytes() for p in demo_out.rglob("*") if p.is_file()}

    import safepassage.handouts as handouts

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(handouts, "write_handouts", broken)
    rc = main(["demo", "--out", str(demo_out), "--cache-dir", str(demo_cache), "-q", "--no-pdf"])
    assert rc == 4  # the output cannot be written
    assert capsys.readouterr().err.strip() == f"error: cannot write {demo_out}: disk full"
    after = {p.relative_to(demo_out): p.read_bytes() for p in demo_out.rglob("*") if p.is_file()}
    assert after == before
    leftovers = [p.name for p in demo_out.parent.iterdir() if p.name.startswith(".demo")]
    assert leftovers == []


def test_bad_plan_file_exits_2_and_writes_nothing(tmp_path: Path, demo_cache, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text("officers: {dismissal: six}\n")
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out), "--cache-dir", str(demo_cache), "-q", "--plan",
                 str(plan)]) == 2
    err = capsys.readouterr().err
    assert "officers.dismissal must be a whole number" in err and err.count("\n") == 1
    assert not out.exists()


def test_no_incidents_in_the_demo(tmp_path: Path, demo_cache, capsys):
    assert main(["demo", "--out", str(tmp_path / "o"), "--cache-dir", str(demo_cache), "-q",
                 "--no-incidents", "--incidents", str(DEMO_INCIDENTS)]) == 2
    assert "--no-incidents takes no --incidents" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_unknown_handout_kind(tmp_path: Path, demo_cache, capsys):
    assert main(["demo", "--out", str(tmp_path / "o"), "--cache-dir", str(demo_cache), "-q",
                 "--handouts", "school,mall"]) == 2
    assert "unknown kind(s) mall" in capsys.readouterr().err
