"""Safety cost model: profiles, time windows, risk zones, incidents, edge risk."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safepassage.errors import InputError
from safepassage.incidents import read_incidents
from safepassage.safety import (
    FACTORS,
    RiskZones,
    edge_risk,
    load_profile,
    parse_window,
    read_zones,
    way_kind,
)

# -- profiles ---------------------------------------------------------------------------------


def test_builtin_profiles_load_and_differ():
    default, child, night = (load_profile(n) for n in ("default", "child", "night"))
    assert default.name == "default" and child.name == "child" and night.name == "night"
    assert child["crossing"]["none"] > default["crossing"]["none"]
    assert child["walk"]["max_detour_pct"] < default["walk"]["max_detour_pct"]
    assert night["lighting"]["use_lit"] > default["lighting"]["use_lit"]
    assert night["incidents"]["weight"] > default["incidents"]["weight"]
    # a profile only names what it changes; the rest comes from default
    assert child["arterial"] == default["arterial"]


def test_user_profile_overrides_default(tmp_path: Path):
    p = tmp_path / "mine.toml"
    p.write_text('name = "mine"\n[crossing]\nnone = 999\n[lighting]\nuse_lit = 1.0\n')
    prof = load_profile(p)
    assert prof.name == "mine"
    assert prof["crossing"]["none"] == 999
    assert prof["crossing"]["signal"] == load_profile()["crossing"]["signal"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crossing]\nnoen = 3\n[bogus]\nx = 1\n", "unknown key(s) bogus, crossing.noen"),
        ("[way]\nalley = 0.5\n", "way.alley = 0.5 must be between 1 and 100 (a factor"),
        ("[way]\nalley = 1e308\n", "way.alley = 1e.308 must be between 1 and 100"),
        ("[zones]\npenalty = inf\n", "zones.penalty = inf must be between 1 and 100"),
        ("[zones]\npenalty = nan\n", "zones.penalty = nan must be between 1 and 100"),
        ("[lighting]\nuse_lit = 2\n", "lighting.use_lit = 2 must be between 0 and 1"),
        ("[walk]\nspeed_m_per_min = 'fast'\n", "walk.speed_m_per_min must be a number"),
        ("[walk\n", "not valid TOML"),
    ],
)
def test_bad_profiles_are_named(tmp_path: Path, text: str, message: str):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_profile(p)


def test_unknown_profile_name():
    with pytest.raises(InputError, match="unknown profile 'toddler'"):
        load_profile("toddler")


# -- time windows -----------------------------------------------------------------------------


def test_named_windows_and_darkness():
    arrival, dismissal, evening = (parse_window(w) for w in ("arrival", "dismissal", "evening"))
    assert (arrival.start, arrival.end) == (7 * 60, 8 * 60 + 30)
    assert (dismissal.start, dismissal.end) == (14 * 60, 16 * 60)
    assert evening.label() == "evening (18:00-22:00)"
    assert arrival.dark_fraction == 0 and dismissal.dark_fraction == 0
    assert evening.dark_fraction == 1.0
    assert 0 < parse_window("16:45-17:45").dark_fraction < 1


def test_custom_window_wraps_midnight():
    w = parse_window("22:00-02:00")
    assert w.minutes == 240
    assert w.contains(23 * 60) and w.contains(60) and not w.contains(12 * 60)


@pytest.mark.parametrize("bad", ["noon", "25:00-26:00", "10:00-10:00", "7-8", "07:61-08:00",
                                 "16:00-14:00"])
def test_bad_windows(bad: str):
    with pytest.raises(InputError, match=r"time window|bad time"):
        parse_window(bad)


# -- zones (incidents: test_incidents.py) ----------------------------------------------------


def test_zone_files(tmp_path: Path):
    good = tmp_path / "z.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "closed lot", "factor": 4},
        "geometry": {"type": "Polygon", "coordinates": [[
            [-118.255, 34.050], [-118.254, 34.050], [-118.254, 34.051], [-118.255, 34.050]]]},
    }]}))
    z = read_zones(good)
    assert list(z["name"]) == ["closed lot"] and list(z["factor"]) == [4.0]
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match="malformed GeoJSON"):
        read_zones(broken)
    point = tmp_path / "point.geojson"
    point.write_text(json.dumps({"type": "Feature", "properties": {},
                                 "geometry": {"type": "Point", "coordinates": [-118.25, 34.05]}}))
    with pytest.raises(InputError, match="zones must be polygons"):
        read_zones(point)


# -- edge risk --------------------------------------------------------------------------------


def test_way_kinds():
    assert way_kind({"highway": "footway"}) == "footway"
    assert way_kind({"highway": "service", "service": "alley"}) == "alley"
    assert way_kind({"highway": "service", "service": "driveway"}) == "driveway"
    assert way_kind({"highway": "steps"}) == "steps"
    assert way_kind({"highway": "primary"}) == "street"


def test_demo_edge_risk_reads_ladot_and_class(demo_area):
    risk = edge_risk(demo_area.G)
    t = risk.table
    assert len(t) == demo_area.G.number_of_edges()
    assert (t["factor_right"] >= 1).all() and (t["risk_right"] >= 0).all()
    primary = [i for i, e in enumerate(risk.edges)
               if demo_area.G.edges[e].get("highway") == "primary"]
    foot = [i for i, e in enumerate(risk.edges)
            if demo_area.G.edges[e].get("highway") == "footway"]
    # walking along a primary arterial costs more per metre than a footway
    assert t["factor_right"].iloc[primary].min() > t["factor_right"].iloc[foot].max()
    # LADOT aadt above 10,000 raises the traffic factor on some arterials
    assert (t["traffic"].iloc[primary] > 1).any()


def test_every_factor_is_explained(demo_area):
    risk = edge_risk(demo_area.G)
    for i in (0, 17, 400):
        u, v, k = risk.edges[i]
        ex = risk.explain(u, v, k)
        assert set(ex["factors"]) == set(FACTORS)
        assert math.isclose(sum(ex["risk_by_factor"].values()), ex["risk"], abs_tol=1e-9)
        assert math.isclose(ex["length_m"] * (ex["factor"] - 1), ex["risk"], rel_tol=1e-9)


def test_lighting_counts_only_in_the_dark(helsinki_graph):
    day = edge_risk(helsinki_graph, load_profile("night"), parse_window("dismissal"))
    night = edge_risk(helsinki_graph, load_profile("night"), parse_window("evening"))
    unlit = day.table["unlit"].to_numpy()
    assert unlit.any(), "the Helsinki extract has lit=no ways"
    assert np.allclose(day.table["lighting"], 1.0)
    assert (night.table["lighting"].to_numpy()[unlit] > 1).all()
    assert np.allclose(night.table["lighting"].to_numpy()[~unlit], 1.0)


def test_incidents_raise_risk_near_them(demo_area, tmp_path: Path):
    G = demo_area.G
    node = demo_area.origin_node
    lat, lon = G.nodes[node]["lat"], G.nodes[node]["lon"]
    p = tmp_path / "inc.csv"
    p.write_text(f"lat,lon,weight\n{lat},{lon},3\n")
    base = edge_risk(G)
    hot = edge_risk(G, incidents=read_incidents(p))
    near = [i for i, (u, v, _) in enumerate(base.edges) if node in (u, v)]
    assert (hot.table["incidents"].to_numpy()[near] > 1).all()
    assert hot.table["hot_spot"].to_numpy()[near].any()
    far = hot.table["incident_density"].to_numpy() == 0
    before, after = base.table["risk_right"].to_numpy(), hot.table["risk_right"].to_numpy()
    assert np.allclose(after[far], before[far])


def test_avoid_and_penalty_zones(demo_area, tmp_path: Path):
    G = demo_area.G
    d = G.nodes[demo_area.origin_node]
    lon, lat = d["lon"], d["lat"]
    box = [[lon - 0.0005, lat - 0.0005], [lon + 0.0005, lat - 0.0005],
           [lon + 0.0005, lat + 0.0005], [lon - 0.0005, lat + 0.0005], [lon - 0.0005, lat - 0.0005]]
    f = tmp_path / "box.geojson"
    f.write_text(json.dumps({"type": "Feature", "properties": {},
                             "geometry": {"type": "Polygon", "coordinates": [box]}}))
    zones = RiskZones(avoid=read_zones(f))
    assert edge_risk(G, zones=zones).table["avoid"].any()
    pen = edge_risk(G, zones=RiskZones(penalize=read_zones(f, default_factor=3.0)))
    inside = pen.table["zone_m"].to_numpy() > 0
    assert inside.any() and (pen.table["zone"].to_numpy()[inside] > 1).all()


@pytest.fixture(scope="module")
def helsinki_graph(helsinki_pbf):
    from safepassage.graph import graph_from_file

    return graph_from_file(helsinki_pbf)


def test_edge_risk_reads_each_network_once_and_stays_the_same(demo_area, helsinki_graph):
    # the edge attributes are read once per network; every profile and window then gives the
    # table a fresh read of the graph (a copy) gives
    for G in (demo_area.G, helsinki_graph):
        for profile, window in (("default", None), ("night", "evening"), ("child", "arrival")):
            cached = edge_risk(G, load_profile(profile), parse_window(window))
            fresh = edge_risk(G.copy(), load_profile(profile), parse_window(window))
            assert cached.edges == fresh.edges
            pd.testing.assert_frame_equal(cached.table, fresh.table, check_exact=True)
        assert edge_risk(G).table["avoid"].sum() == 0
