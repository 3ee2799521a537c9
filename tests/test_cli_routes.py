"""`safepassage routes`: end to end on the demo, and bad inputs."""

from __future__ import annotations

import json
import math
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
        # the arrival, said with the last walk ("... to Colburn School.") or on its own
        dest = p["destination"]
        assert p["directions_en"][-1].endswith((f" to {dest}.", f"Arrive at {dest}."))
        dest_es = dest.replace("(Metro bus stop)", "(parada de autobús de Metro)").replace(
            "(Metro Rail station)", "(estación de Metro Rail)")
        assert p["directions_es"][-1].endswith((f" hasta llegar a {dest_es}.",
                                                f"Llegará a {dest_es}."))
        assert "(Metro" not in " ".join(p["directions_es"])  # the kind in Spanish too
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


ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "geodata-sources" / "lapd" / "crime_data_2020_sample.csv"
DEMO_INCIDENTS = ROOT / "geodata" / "demo" / "lapd_crime_2020_demo.csv"


def time_occ_minutes(path: Path) -> dict[str, int]:
    """DR_NO -> minute of the day, straight from the file's TIME OCC."""
    import csv

    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {r["DR_NO"]: int(r["TIME OCC"]) // 100 * 60 + int(r["TIME OCC"]) % 100
                for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def lapd_runs(tmp_path_factory, demo_cache) -> dict[str, tuple[Path, str]]:
    """`routes --demo --incidents <LAPD sample> --time-window W` for the evening and arrival,
    and the evening without incidents."""
    import io
    from contextlib import redirect_stdout

    path = SAMPLE if SAMPLE.is_file() else DEMO_INCIDENTS
    runs = {}
    for name, extra in (("evening", ["--incidents", str(path), "--time-window", "evening"]),
                        ("arrival", ["--incidents", str(path), "--time-window", "arrival"]),
                        ("evening-none", ["--time-window", "evening"])):
        out = tmp_path_factory.mktemp(name)
        args = ["routes", "--demo", "-q", "--out", str(out), "--cache-dir", str(demo_cache),
                *extra]
        if name == "evening":  # as a user runs it
            proc = subprocess.run([sys.executable, "-m", "safepassage.cli", *args],
                                  capture_output=True, text=True, timeout=300, check=False)
            assert proc.returncode == 0, proc.stderr
            runs[name] = (out, proc.stdout)
            continue
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(args) == 0
        runs[name] = (out, buf.getvalue())
    return runs


def test_evening_and_arrival_use_the_incidents_their_time_occ_says(lapd_runs):
    import geopandas as gpd
    import pyogrio

    path = SAMPLE if SAMPLE.is_file() else DEMO_INCIDENTS
    minutes = time_occ_minutes(path)
    used = {}
    for name, (lo, hi) in (("evening", (18 * 60, 22 * 60)), ("arrival", (7 * 60, 8 * 60 + 30))):
        out, stdout = lapd_runs[name]
        info = pyogrio.read_info(out / "incidents.geojson")  # GDAL opens it
        assert info["geometry_type"] == "Point" and info["crs"] == "EPSG:4326"
        inc = gpd.read_file(out / "incidents.geojson")
        assert len(inc) == info["features"] > 0
        assert {"dr_no", "date", "time", "crime", "class", "premise", "weight"} <= set(inc)
        for dr, t in zip(inc["dr_no"], inc["time"], strict=True):
            m = minutes[str(dr)]
            assert lo <= m < hi, (dr, m)
            assert str(t)[:5] == f"{m // 60:02d}:{m % 60:02d}"
        assert (inc["weight"] > 0).all()
        used[name] = set(inc["dr_no"].astype(str))
        line = next(ln for ln in stdout.splitlines() if ln.startswith("incidents, "))
        assert f"{len(minutes):,} read" in line and f"used {len(inc):,}" in line
        assert "outside the time window" in line and "outside the area" in line
        assert "every date in the file (2020-01-01 to 2020-12-31)" in line
    assert not used["evening"] & used["arrival"]
    assert len(used["evening"]) > len(used["arrival"])


def test_routes_react_to_the_incidents_and_report_them(lapd_runs):
    with_inc = json.loads((lapd_runs["evening"][0] / "routes.geojson").read_text())
    without = json.loads((lapd_runs["evening-none"][0] / "routes.geojson").read_text())

    def safest(data):
        return {f["properties"]["dest_id"]: f["geometry"]["coordinates"]
                for f in data["features"] if f["properties"]["role"] == "safest"}

    a, b = safest(with_inc), safest(without)
    assert a.keys() == b.keys()
    assert sum(a[k] != b[k] for k in a) >= 3  # the safe routes move away from hot spots
    props = [f["properties"] for f in with_inc["features"] if f["properties"]["role"] == "safest"]
    assert all("incidents_50m" in p and "shortest_incidents_50m" in p for p in props)
    # over all destinations, safe routes pass no more incidents than the shortest ones
    assert sum(p["incidents_50m"] for p in props) <= sum(p["shortest_incidents_50m"]
                                                         for p in props)
    assert not (lapd_runs["evening-none"][0] / "incidents.geojson").exists()
    assert "Incid. 50 m" in lapd_runs["evening"][1]
    assert "Incid. 50 m" not in lapd_runs["evening-none"][1]


def test_community_concerns_change_the_routes_and_say_so(demo_cache, tmp_path: Path, capsys):
    # a concern in the middle of the busiest stretch of the safe routes
    base = tmp_path / "base"
    assert main(["routes", "--demo", "-q", "--out", str(base), "--cache-dir",
                 str(demo_cache)]) == 0
    capsys.readouterr()
    data = json.loads((base / "routes.geojson").read_text())
    from collections import Counter

    points = Counter(tuple(round(c, 5) for c in xy) for f in data["features"]
                     if f["properties"]["role"] == "safest" for xy in f["geometry"]["coordinates"])

    def from_origin_m(p: tuple[float, float]) -> float:
        return math.hypot((p[0] + 118.25595) * 92_000, (p[1] - 34.0506) * 111_000)

    # not at the start, where every route begins whatever the concerns say
    (lon, lat), _ = next((p, n) for p, n in points.most_common() if from_origin_m(p) > 150)
    concerns = tmp_path / "concerns.csv"
    concerns.write_text(f"lat,lon,note,weight\n{lat},{lon},<b>dark</b> corner,3\n")
    out = tmp_path / "out"
    assert main(["routes", "--demo", "-q", "--out", str(out), "--cache-dir", str(demo_cache),
                 "--concerns", str(concerns)]) == 0
    text = capsys.readouterr().out
    line = next(ln for ln in text.splitlines() if ln.startswith("community concerns:"))
    assert "1 given, 1 near the streets" in line and "changed the safe route to" in line
    assert "Concern 50 m" in text
    table = json.loads((out / "concerns.geojson").read_text())["features"]
    assert len(table) == 1
    p = table[0]["properties"]
    assert p["note"] == "<b>dark</b> corner" and p["near_streets"] is True
    assert p["safe_routes_near_with"] < p["safe_routes_near_without"]
    assert not (out / "incidents.geojson").exists()  # concerns are listed on their own


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--incidents", "{lapd}", "--since", "2020-07-01", "--until", "2020-06-30"],
         "since 2020-07-01 is after until 2020-06-30"),
        (["--incidents", "{lapd}", "--since", "July"], "bad date 'July' for since"),
        (["--since", "2020-01-01"], "--since and --until select incidents: give --incidents"),
        (["--incidents", "{odd}"], "neither an LAPD crime data export (needs columns DR_NO, "
         "DATE OCC, TIME OCC, Crm Cd, LAT, LON"),
        (["--incidents", "{badtime}"], "line 3: TIME OCC '2575' is not a time"),
        (["--concerns", "{odd}"], "a concerns CSV needs columns lat,lon"),
    ],
)
def test_bad_incident_inputs_exit_2_with_one_line(demo_cache, tmp_path: Path, capsys,
                                                  extra: list[str], message: str):
    lines = DEMO_INCIDENTS.read_text(encoding="utf-8").splitlines(keepends=True)[:5]
    fields = lines[2].split(",")
    fields[3] = "2575"
    badtime = tmp_path / "badtime.csv"
    badtime.write_text("".join([*lines[:2], ",".join(fields), *lines[3:]]))
    odd = tmp_path / "odd.csv"
    odd.write_text("id,latitude,longitude\n1,34.05,-118.25\n")
    args = [a.format(lapd=DEMO_INCIDENTS, odd=odd, badtime=badtime) for a in extra]
    out = tmp_path / "out"
    rc = main(["routes", "--demo", "-q", "--out", str(out), "--cache-dir", str(demo_cache),
               *args])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert message in err
    assert err.strip().count("\n") == 0 and err.startswith("error: ")
    assert not out.exists()


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
