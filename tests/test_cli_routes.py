"""`safepassage routes`: end to end on the demo, and bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gpxpy
import pytest

from safepassage.cli import main


@pytest.fixture(scope="module")
def routes_out(tmp_path_factory, demo_cache) -> Path:
    out = tmp_path_factory.mktemp("routes")
    rc = main(["routes", "--demo", "--out", str(out), "--cache-dir", str(demo_cache), "-q",
               "--time-window", "dismissal", "--profile", "child"])
    assert rc == 0
    return out


def test_routes_geojson_has_every_metric_and_both_languages(routes_out: Path):
    data = json.loads((routes_out / "routes.geojson").read_text())
    assert data["type"] == "FeatureCollection"
    safest = [f for f in data["features"] if f["properties"]["role"] == "safest"]
    shortest = [f for f in data["features"] if f["properties"]["role"] == "shortest"]
    assert len(safest) == len(shortest) >= 30
    for f in safest:
        p = f["properties"]
        for key in ("length_m", "walk_min", "shortest_length_m", "detour_pct", "risk",
                    "shortest_risk", "risk_reduction_pct", "risk_bound", "risk_gap_pct",
                    "unsignalised_arterial_crossings",
                    "arterial_m", "unlit_m", "risk_zone_m", "alley_m"):
            assert key in p, key
        assert p["detour_pct"] <= 20.0 + 1e-6  # the child profile's cap
        assert 0 <= p["risk_bound"] <= p["risk"] + 0.05 and 0 <= p["risk_gap_pct"] <= 100
        assert p["directions_en"][0].startswith("From Downtown LA demo")
        assert p["directions_es"][0].startswith("Desde Downtown LA demo")
        assert p["directions_en"][-1].startswith("Arrive at")
        assert p["directions_es"][-1].startswith("Llegará a")
        assert f["geometry"]["type"] == "LineString"
        lon, lat = f["geometry"]["coordinates"][0]
        assert -118.27 < lon < -118.24 and 34.04 < lat < 34.06


def test_routes_gpx_opens_as_tracks_and_waypoints(routes_out: Path):
    gpx = gpxpy.parse((routes_out / "routes.gpx").read_text())
    assert len(gpx.tracks) >= 30
    assert gpx.tracks[0].name.startswith("Safe route to ")
    assert gpx.waypoints[0].name == "Downtown LA demo"
    assert all(len(t.segments[0].points) >= 2 for t in gpx.tracks)


def test_routes_summary_table_is_printed(demo_cache, capsys, tmp_path: Path):
    assert main(["routes", "--demo", "-q", "--out", str(tmp_path), "--cache-dir",
                 str(demo_cache)]) == 0
    out = capsys.readouterr().out
    assert "Destination" in out and "Colburn School" in out and "Risk cut" in out
    assert "Gap" in out
    assert "36 of 36 destinations routed" in out


@pytest.mark.parametrize(
    ("extra", "files", "message"),
    [
        (["--incidents", "{inc}"], {"inc": "lat,lon\n34.05,west\n"}, "lat/lon must be numbers"),
        (["--avoid", "{zone}"], {"zone": '{"type": "FeatureCollection", "features": ['},
         "malformed GeoJSON"),
        (["--profile", "{prof}"], {"prof": "[crossing]\nsignl = 3\n"},
         "unknown key(s) crossing.signl"),
        (["--time-window", "lunch"], {}, "bad time window 'lunch'"),
        (["--max-detour", "-5"], {}, "--max-detour must be between 0 and 500"),
        (["--destinations", "{dest}"], {"dest": "name,kind,lat,lon\nGym,gym,34.05,-118.25\n"},
         "unknown kind 'gym'"),
    ],
)
def test_bad_inputs_exit_2_with_one_line_and_write_nothing(
    demo_cache, tmp_path: Path, capsys, extra: list[str], files: dict[str, str], message: str
):
    names = {"inc": "inc.csv", "zone": "zone.geojson", "prof": "p.toml", "dest": "d.csv"}
    paths = {}
    for key, text in files.items():
        p = tmp_path / names[key]
        p.write_text(text)
        paths[key] = str(p)
    args = [a.format(**paths) for a in extra]
    out = tmp_path / "out"
    rc = main(["routes", "--demo", "-q", "--out", str(out), "--cache-dir", str(demo_cache),
               *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err
    assert err.strip().count("\n") == 0 and err.startswith("error: ")
    assert not out.exists()


def test_usage_errors(capsys):
    assert main(["routes", "--osm-file", "x.osm"]) == 2
    assert "--osm-file needs --point" in capsys.readouterr().err
    assert main(["routes", "--site", "Jordan Downs", "--demo"]) == 2
    assert main(["routes", "--site", "Jordon Towns"]) == 2
    assert "Did you mean: Jordan Downs" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["routes", "--point", "91,0"])
    assert exc.value.code == 2


def test_offline_without_cache_is_exit_3(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "safepassage.cli", "routes", "--site", "Jordan Downs",
         "--offline", "--cache-dir", str(tmp_path), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1
    assert "--osm-file" in lines[0] and "--demo" in lines[0] and "safepassage fetch" in lines[0]


def test_help_has_an_example():
    proc = subprocess.run([sys.executable, "-m", "safepassage.cli", "routes", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "safepassage routes --demo" in proc.stdout


def test_routes_start_from_the_site_entrances(demo_cache, tmp_path: Path):
    entrances = tmp_path / "entrances.csv"
    # two real corners of the demo area: 5th & Flower, 4th & Hill (approximate)
    entrances.write_text("lat,lon\n34.0507,-118.2566\n34.0503,-118.2505\n")
    out = tmp_path / "out"
    assert main(["routes", "--demo", "-q", "--out", str(out), "--cache-dir", str(demo_cache),
                 "--entrances", str(entrances)]) == 0
    data = json.loads((out / "routes.geojson").read_text())
    starts = {tuple(round(c, 3) for c in f["geometry"]["coordinates"][0])
              for f in data["features"] if f["properties"]["role"] == "safest"}
    # routes leave from near either entrance, not from one origin
    near = [min(abs(lat - 34.0507) + abs(lon + 118.2566), abs(lat - 34.0503) + abs(lon + 118.2505))
            for lon, lat in starts]
    assert len(starts) >= 2 and max(near) < 0.002
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Feature", "properties": {}, "geometry": '
                   '{"type": "LineString", "coordinates": [[-118.25, 34.05], [-118.26, 34.05]]}}')
    assert main(["routes", "--demo", "-q", "--out", str(tmp_path / "o2"), "--cache-dir",
                 str(demo_cache), "--entrances", str(bad)]) == 2
