"""What incidents and concerns did to a plan: near each route, per window, what concerns moved."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from safepassage.incident_report import (
    AREA_MARGIN_M,
    concern_effect,
    incident_lines,
    network_bbox,
    route_exposure,
    write_incident_files,
)
from safepassage.incidents import read_concerns, read_incidents
from safepassage.routing import route_geometry, safe_routes
from safepassage.safety import edge_risk, load_profile, parse_window

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "geodata" / "demo" / "lapd_crime_2020_demo.csv"


@pytest.fixture(scope="module")
def evening_plan(demo_area):
    found = read_incidents(DEMO, bbox=network_bbox(demo_area.G, AREA_MARGIN_M))
    risk = edge_risk(demo_area.G, load_profile("night"), parse_window("evening"),
                     incidents=found)
    return found, safe_routes(demo_area.G, risk, [demo_area.origin_node],
                              demo_area.destinations)


def test_the_area_box_holds_the_network_and_its_margin(demo_area) -> None:
    s, w, n, e = network_bbox(demo_area.G, 500.0)
    lats = [d["lat"] for _, d in demo_area.G.nodes(data=True)]
    lons = [d["lon"] for _, d in demo_area.G.nodes(data=True)]
    assert s < min(lats) and n > max(lats) and w < min(lons) and e > max(lons)
    assert (min(lats) - s) * 111_320 == pytest.approx(500.0, abs=2)


def test_incidents_near_the_safe_and_the_shortest_route(demo_area, evening_plan) -> None:
    _, plan = evening_plan
    exposure = route_exposure(demo_area, plan)
    assert len(exposure) == len(plan.ok)
    use = plan.state_graph.risk.incidents
    pts = gpd.GeoSeries.from_xy(use.used["lon"], use.used["lat"], crs="EPSG:4326").to_crs(
        demo_area.G.graph["crs"])
    for dr in plan.ok[:6]:  # counted independently: distance of each incident to the line
        row = exposure[dr.destination["dest_id"]]
        for prefix, route in (("", dr.safest), ("shortest_", dr.shortest)):
            line = route_geometry(demo_area.G, plan.state_graph, route.edges)
            assert row[f"{prefix}incidents_50m"] == int((pts.distance(line) <= 50.0).sum())
        assert "concerns_50m" not in row  # no concerns given
    assert sum(r["incidents_50m"] for r in exposure.values()) <= sum(
        r["shortest_incidents_50m"] for r in exposure.values())


def test_concern_effect_routes_again_without_them(demo_area, evening_plan,
                                                  tmp_path: Path) -> None:
    found, plan = evening_plan
    assert concern_effect(demo_area, plan, found) is None  # no concerns: nothing to say
    # the busiest corner of the safe routes, away from the start
    dr = max(plan.ok, key=lambda d: d.safest.length_m)
    line = route_geometry(demo_area.G, plan.state_graph, dr.safest.edges)
    mid = gpd.GeoSeries([line.interpolate(0.5, normalized=True)],
                        crs=demo_area.G.graph["crs"]).to_crs("EPSG:4326").iloc[0]
    c = tmp_path / "c.csv"
    c.write_text(f"lat,lon,note,weight\n{mid.y},{mid.x},unlit passage,3\n"
                 "34.0700,-118.2000,far away,1\n")
    found.concerns = read_concerns(c)
    risk = edge_risk(demo_area.G, load_profile("night"), parse_window("evening"),
                     incidents=found)
    with_c = safe_routes(demo_area.G, risk, [demo_area.origin_node], demo_area.destinations)
    effect = concern_effect(demo_area, with_c, found)
    assert effect is not None and effect.routed == len(with_c.ok)
    assert str(dr.destination["name"]) in effect.changed
    t = effect.table
    assert list(t["near_streets"]) == [True, False]
    assert t["safe_routes_near_with"].iloc[0] < t["safe_routes_near_without"].iloc[0]
    assert t["safe_routes_near_with"].iloc[1] == t["safe_routes_near_without"].iloc[1] == 0
    assert effect.text().startswith("community concerns: 2 given, 1 near the streets; they "
                                    f"changed the safe route to {len(effect.changed)} of ")
    paths = write_incident_files(tmp_path / "out", [risk.incidents], effect)
    assert set(paths) == {"incidents.geojson", "concerns.geojson"}
    notes = [f["properties"]["note"] for f in
             json.loads(paths["concerns.geojson"].read_text())["features"]]
    assert notes == ["unlit passage", "far away"]
    lines = incident_lines([risk.incidents, None], effect)
    assert lines[0].startswith("incidents, evening (18:00-22:00): LAPD export")
    assert lines[1] == effect.text()
