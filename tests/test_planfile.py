"""Plan files: YAML and JSON, validated with errors that name the key and the value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from safepassage.errors import InputError
from safepassage.planfile import PlanFile, load_plan, parse_plan

FULL = {
    "site": "Jordan Downs",
    "profile": "child",
    "radius_m": 200,
    "officers": {"arrival": 4, "dismissal": 6, "evening": 3},
    "windows": ["arrival", "dismissal", "evening"],
    "locked": [{"name": "School gate", "lat": 33.9461, "lon": -118.2351},
               {"post": "S Grand Ave & W 5th St"}],
    "banned": [{"lat": 33.944, "lon": -118.233, "radius_m": 40}],
    "extra_posts": [{"name": "Library steps", "lat": 33.945, "lon": -118.234}],
    "target_coverage": 0.9,
    "backup": {"factor": 0.4},
    "max_detour_pct": 25,
}


def _write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str, name: str = "plan.yaml") -> str:
    with pytest.raises(InputError) as exc:
        load_plan(_write(tmp_path, text, name))
    return str(exc.value)


def test_yaml_and_json_give_the_same_plan(tmp_path: Path):
    a = load_plan(_write(tmp_path, yaml.safe_dump(FULL), "plan.yaml"))
    b = load_plan(_write(tmp_path, json.dumps(FULL), "plan.json"))
    assert isinstance(a, PlanFile)
    assert {k: v for k, v in vars(a).items() if k != "path"} == \
        {k: v for k, v in vars(b).items() if k != "path"}
    assert a.officers == {"arrival": 4, "dismissal": 6, "evening": 3}
    assert a.officers_for("dismissal") == 6 and a.officers_for("night") is None
    assert a.planned_windows() == ["arrival", "dismissal", "evening"]
    assert a.locked[1] == {"post": "S Grand Ave & W 5th St"}
    assert a.banned[0]["radius_m"] == 40.0
    assert a.backup == {"factor": 0.4, "top_share": 0.2}
    assert a.radius_m == 200.0 and a.target_coverage == 0.9 and a.profile == "child"
    assert a.path == tmp_path / "plan.yaml"


def test_the_incident_period_comes_from_the_plan_file_and_the_command_line_wins(
        tmp_path: Path):
    from safepassage.incidents import IncidentOptions
    from safepassage.pipeline import PlanRequest

    plan = load_plan(_write(tmp_path, "since: 2020-03-01\nuntil: '2020-03-31'\n"))
    assert (plan.since, plan.until) == ("2020-03-01", "2020-03-31")
    lapd = Path(__file__).resolve().parent.parent / "geodata" / "demo" / "lapd_crime_2020_demo.csv"
    req = PlanRequest.from_options(plan_file=tmp_path / "plan.yaml", incidents=lapd)
    assert req.route.incidents is not None
    assert (str(req.route.incidents.since), str(req.route.incidents.until)) == (
        "2020-03-01", "2020-03-31")
    req = PlanRequest.from_options(plan_file=tmp_path / "plan.yaml",
                                   incidents=IncidentOptions(lapd, since="2020-03-15"))
    assert str(req.route.incidents.since) == "2020-03-15"
    assert req.describe()["incidents_since"] == "2020-03-15"


def test_every_key_is_optional(tmp_path: Path):
    plan = load_plan(_write(tmp_path, ""))
    assert plan.officers is None and plan.locked == [] and plan.planned_windows() is None
    plan = load_plan(_write(tmp_path, "officers: 5\n"))
    assert plan.officers_for("evening") == 5
    plan = load_plan(_write(tmp_path, "officers: {Dismissal: 2, '15:00-17:00': 1}\n"))
    assert plan.officers == {"dismissal": 2, "15:00-17:00": 1}
    assert plan.planned_windows() == ["dismissal", "15:00-17:00"]
    assert load_plan(_write(tmp_path, "backup: true\n")).backup == {"factor": 0.5,
                                                                   "top_share": 0.2}
    assert load_plan(_write(tmp_path, "backup: false\n")).backup is None
    assert load_plan(_write(tmp_path, "locked: [\"A St & B St\"]\n")).locked == [
        {"post": "A St & B St"}]


@pytest.mark.parametrize(("text", "message"), [
    ("officers: {arrival: 4, dismissal: six}\n",
     "plan.yaml: officers.dismissal must be a whole number from 0 to 500, got 'six'"),
    ("officers: 2.5\n", "plan.yaml: officers must be a whole number from 0 to 500, got 2.5"),
    ("officers: -1\n", "plan.yaml: officers must be a whole number from 0 to 500, got -1"),
    ("officers: 1.0e+21\n", "plan.yaml: officers must be a whole number from 0 to 500, got 1e+21"),
    ("officers: .nan\n", "plan.yaml: officers must be a whole number from 0 to 500, got nan"),
    ("officers: {lunch: 2}\n", "plan.yaml: officers.lunch must be a time window"),
    ("officers: true\n", "plan.yaml: officers must be a whole number from 0 to 500 or a mapping"),
    ("radius_m: -5\n", "plan.yaml: radius_m must be a number of metres > 0"),
    ("radius_m: far\n", "plan.yaml: radius_m must be a number of metres > 0, got 'far'"),
    ("target_coverage: 90\n",
     "plan.yaml: target_coverage must be a share between 0 and 1 (0.9 for 90 %), got 90"),
    ("windows: [arrival, noon]\n", "plan.yaml: windows[1] must be a time window"),
    ("windows: [arrival, arrival]\n", "plan.yaml: windows lists a window twice"),
    ("locked:\n  - {lat: 95, lon: -118.2}\n",
     "plan.yaml: locked[0].lat must be a latitude in degrees (-90..90), got 95"),
    ("locked:\n  - {lat: 34.0}\n", "plan.yaml: locked[0] needs lon"),
    ("locked:\n  - {post: X, lat: 34.0}\n", "plan.yaml: locked[0] has unknown key(s) lat"),
    ("locked: {lat: 34.0, lon: -118}\n", "plan.yaml: locked must be a list"),
    ("banned:\n  - {lat: 34.0, lon: -118.2, radius: 40}\n",
     "plan.yaml: banned[0] has unknown key(s) radius; allowed: lat, lon, name, radius_m"),
    ("banned:\n  - nowhere.geojson\n",
     "plan.yaml: banned[0] names a file that does not exist: 'nowhere.geojson'"),
    ("extra_posts:\n  - {name: X, lat: 34.0, lon: 200}\n",
     "plan.yaml: extra_posts[0].lon must be a longitude in degrees (-180..180), got 200"),
    ("backup: {factor: 2}\n", "plan.yaml: backup.factor must be a share between 0 and 1"),
    ("backup: {weight: 1}\n", "plan.yaml: backup has unknown key(s) weight"),
    ("max_detour_pct: -3\n", "plan.yaml: max_detour_pct must be a number from 0 to 500 %, got -3"),
    ("since: June\n", "plan.yaml: since must be a date YYYY-MM-DD, got 'June'"),
    ("until: '2020-02-30'\n", "plan.yaml: until must be a date YYYY-MM-DD, got '2020-02-30'"),
    ("until: 2020-02-30\n", "plan.yaml: not valid YAML (day is out of range for month)"),
    ("since: 2020-07-01\nuntil: 2020-06-30\n",
     "plan.yaml: the period is empty: since 2020-07-01 is after until 2020-06-30"),
    ("profile: sneaky\n", "plan.yaml: profile 'sneaky' is not a usable profile"),
    ("site: Jordon Towns\n", "plan.yaml: site is not a CSP site: unknown site 'Jordon Towns'"),
    ("officers: {arrival: 2}\nwindows: [arrival, evening]\n",
     "plan.yaml: officers has no count for window(s) evening listed in windows"),
    ("officers: {arrival: 2, evening: 1}\nwindows: [arrival]\n",
     "plan.yaml: officers gives window(s) evening that are not in windows"),
    ("- officers: 2\n", "plan.yaml: must be a mapping of keys"),
    ("officers: [1\n", "plan.yaml: not valid YAML (line 2:"),
])
def test_bad_values_name_the_key_and_the_value(tmp_path: Path, text: str, message: str):
    assert _error(tmp_path, text).startswith(message)


def test_unknown_keys_are_listed_with_suggestions(tmp_path: Path):
    msg = _error(tmp_path, "officers: 4\nlockd: []\nfoo: 1\n")
    assert msg.startswith("plan.yaml: unknown key(s) 'foo', 'lockd' (did you mean 'locked'?); "
                          "allowed: site, profile, radius_m, officers, windows, locked, banned, "
                          "extra_posts, target_coverage, backup, max_detour_pct")


def test_json_errors_and_missing_files(tmp_path: Path):
    assert _error(tmp_path, '{"officers": 4,}', "plan.json").startswith(
        "plan.json: not valid JSON (line 1:")
    with pytest.raises(InputError, match="plan file not found"):
        load_plan(tmp_path / "missing.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        load_plan(tmp_path / "bin.yaml")


def test_paths_are_relative_to_the_plan_file(tmp_path: Path):
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "closed.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[
                [-118.26, 34.04], [-118.25, 34.04], [-118.25, 34.05], [-118.26, 34.04]]]}}]}),
        encoding="utf-8")
    (folder / "points.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {},
            "geometry": {"type": "Point", "coordinates": [-118.26, 34.04]}}]}), encoding="utf-8")
    (folder / "slow.toml").write_text("[walk]\nspeed_m_per_min = 60\n", encoding="utf-8")
    plan = load_plan(_write(folder, "profile: slow.toml\nbanned:\n  - closed.geojson\n"
                                    "  - {file: closed.geojson, radius_m: 20, name: works}\n"))
    assert plan.profile == str(folder / "slow.toml")
    assert plan.banned[0]["name"] == "closed.geojson" and plan.banned[0]["radius_m"] == 0.0
    assert plan.banned[0]["geometry"].geom_type == "Polygon"
    assert plan.banned[1]["name"] == "works" and plan.banned[1]["radius_m"] == 20.0
    msg = _error(folder, "banned:\n  - points.geojson\n")
    assert msg == ("plan.yaml: banned[0] names an unusable file: points.geojson feature 1: "
                   "banned places must be polygons, got Point")


def test_parse_plan_takes_python_objects():
    plan = parse_plan({"officers": 3, "locked": [{"post": "A & B"}]}, where="inline")
    assert plan.officers == 3 and plan.path is None
    with pytest.raises(InputError, match=r"^inline: officers must be"):
        parse_plan({"officers": "3"}, where="inline")


def _plan_demo(demo_area, plan):
    from safepassage.coverage import CoverageSettings, RouteInputs, plan_shifts

    return plan_shifts(RouteInputs.from_area(demo_area),
                       CoverageSettings(officers=plan.officers, windows=plan.planned_windows(),
                                        locked=plan.locked, extra_posts=plan.extra_posts))


def test_the_documented_locked_post_name_is_found(demo_area, tmp_path: Path):
    # the example of the module docstring (and of issue 4): abbreviated street names
    plan = load_plan(_write(tmp_path, 'officers: {dismissal: 3}\n'
                                      'locked:\n  - {post: "S Grand Ave & W 5th St"}\n'
                                      '  - "w 5th st and s grand ave (n corner)"\n'))
    cp = _plan_demo(demo_area, plan).plans["dismissal"]
    kept = cp.posts[cp.posts["locked"]]["name"].tolist()
    assert len(kept) == 2
    assert all(n.startswith("South Grand Avenue & West 5th Street (") for n in kept)
    assert "South Grand Avenue & West 5th Street (N corner)" in kept
    plan = load_plan(_write(tmp_path, 'officers: 3\nlocked:\n  - {post: "Grand Ave & 50th St"}\n'))
    with pytest.raises(InputError, match=r"^locked\[0\]: no candidate post named 'Grand Ave & "
                                         r"50th St'; did you mean 'South Grand Avenue & West "
                                         r"5th Street'"):
        _plan_demo(demo_area, plan)


def test_a_far_locked_point_in_a_plan_file_names_locked(demo_area, tmp_path: Path):
    plan = load_plan(_write(tmp_path, "officers: {dismissal: 3}\n"
                                      "extra_posts:\n  - {name: Library steps, lat: 34.0505, "
                                      "lon: -118.2552}\n"
                                      "locked:\n  - {name: far, lat: 34.2, lon: -118.4}\n"))
    with pytest.raises(InputError) as exc:
        _plan_demo(demo_area, plan)
    assert str(exc.value).startswith("locked[0]: 34.200000,-118.400000 is ")
    assert "from the nearest walkable street" in str(exc.value)
