"""The CSP site catalogue: `safepassage sites`, forgiving names, clear errors for unknown ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safepassage import cli, settings
from safepassage.cli import plan as cli_plan
from safepassage.errors import InputError
from safepassage.sites import find_site, load_sites, parse_point, point_site, slugify

ROOT = Path(__file__).resolve().parent.parent

#: The console script installed next to this interpreter (the virtualenv's bin/).
SAFEPASSAGE = Path(sys.executable).with_name("safepassage")

SITE_NAMES = {
    "Nickerson Gardens", "Jordan Downs", "Imperial Courts", "Gonzaque Village", "Ramona Gardens",
    "Avalon Gardens", "Harvard Park", "Pueblo Del Rio", "South Park", "San Fernando Gardens",
}
JSON_FIELDS = {
    "name", "slug", "lat", "lon", "reference_address", "lapd_division", "lapd_basic_car",
    "accuracy",
}


def safepassage(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(SAFEPASSAGE)] if SAFEPASSAGE.exists() else [sys.executable, "-m", "safepassage.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def keep_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # cli.main() sets settings.cache_folder from --cache-dir; keep that inside the test
    monkeypatch.setattr(settings, "cache_folder", settings.cache_folder)


# ---------------------------------------------------------------------------------------------
# the catalogue


def test_catalogue_has_the_ten_sites_with_their_facts() -> None:
    sites = load_sites(include_planned=False)
    assert {s.name for s in sites} == SITE_NAMES
    assert {s.name for s in load_sites()} == SITE_NAMES | {"Algin Sutton"}
    assert len({s.slug for s in load_sites()}) == 11
    for s in load_sites():
        assert s.slug == slugify(s.name)
        # all ten are in the City of Los Angeles (Watts to Pacoima)
        assert 33.85 < s.lat < 34.35 and -118.55 < s.lon < -118.1, s
        assert s.reference_address and s.lapd_division and s.lapd_basic_car, s
        assert s.approximate, f"{s.name}: CSP points are estimates and must say so"
        assert "approximate" in s.accuracy.lower()


def test_algin_sutton_is_planned_and_approximate() -> None:
    a = find_site("Algin Sutton")
    assert a.planned and a.approximate and a.slug == "algin-sutton"
    assert "8800 S Hoover St" in a.reference_address and "Recreation Center" in a.reference_address
    assert "±300" in a.accuracy.replace("+-", "±") and "not surveyed" in a.accuracy
    # LAPD's own geocodes of 8800 S Hoover St in the 2020 crime data lie 320 m apart
    assert a.lat == pytest.approx(33.95655, abs=1e-5) and a.lon == pytest.approx(-118.28695,
                                                                                abs=1e-5)
    assert not any(s.planned for s in load_sites(include_planned=False))
    assert find_site("algin sutton (planned)") == a  # as plans show its name
    assert a.as_planned().name == "Algin Sutton (planned)"
    assert a.as_planned().as_planned().name == "Algin Sutton (planned)"
    assert find_site("Jordan Downs").as_planned().name == "Jordan Downs"


def test_lapd_division_and_basic_car_match_the_shipped_boundaries() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    src = ROOT.parent / "shared" / "geodata-sources" / "lapd"
    if not src.is_dir():
        pytest.skip(f"LAPD boundaries not found in {src}")
    divisions = gpd.read_file(src / "lapd-divisions.geojson")
    cars = gpd.read_file(src / "lapd-basic-car-areas.geojson")
    for s in load_sites():
        pt = Point(s.lon, s.lat)
        assert list(divisions[divisions.contains(pt)]["name"]) == [s.lapd_division], s.name
        assert list(cars[cars.contains(pt)]["name"]) == [s.lapd_basic_car], s.name
    a = find_site("Algin Sutton")
    assert (a.lapd_division, a.lapd_basic_car) == ("Southeast", "18A1")


def test_the_planned_site_point_matches_lapds_geocodes_of_its_address() -> None:
    import csv

    sample = ROOT.parent / "shared" / "geodata-sources" / "lapd" / "crime_data_2020_sample.csv"
    if not sample.is_file():
        pytest.skip(f"LAPD crime sample not found: {sample}")
    with sample.open(newline="", encoding="utf-8") as fh:
        points = {(float(r["LAT"]), float(r["LON"])) for r in csv.DictReader(fh)
                  if " ".join(r["LOCATION"].split()) == "8800 S HOOVER ST"}
    assert points == {(33.958, -118.2869), (33.9551, -118.287)}
    a = find_site("Algin Sutton")
    assert a.lat == pytest.approx(sum(p[0] for p in points) / 2, abs=1e-5)
    assert a.lon == pytest.approx(sum(p[1] for p in points) / 2, abs=1e-5)


def test_all_sites_leaves_the_planned_site_out_unless_asked(keep_settings: None) -> None:
    parser = cli.build_parser()
    plain = cli_plan.many_sites(parser.parse_args(["plan", "--all-sites"]))
    assert plain is not None and len(plain) == 10
    assert all(not s.site.planned for s in plain)
    both = cli_plan.many_sites(parser.parse_args(["plan", "--all-sites", "--include-planned"]))
    assert both is not None and len(both) == 11
    assert [s.site.name for s in both if s.site.planned] == ["Algin Sutton (planned)"]
    assert "planned CSP site Algin Sutton (planned)" in [s.describe() for s in both]
    with pytest.raises(InputError, match="--include-planned goes with --all-sites"):
        cli_plan.many_sites(parser.parse_args(["plan", "--include-planned"]))


def test_the_planned_site_is_planned_like_the_ten(tmp_path: Path) -> None:
    from safepassage.source import Source

    src = Source.from_site("algin sutton")
    assert src.kind == "site" and src.site.planned and src.site.slug == "algin-sutton"
    assert src.site.name == "Algin Sutton (planned)"
    assert src.describe() == "planned CSP site Algin Sutton (planned)"
    # like the ten, it needs its network fetched once; offline without a cache says how
    r = safepassage("routes", "--site", "Algin Sutton", "--offline", "--cache-dir",
                    str(tmp_path), "--out", str(tmp_path / "out"))
    assert r.returncode == 3, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert line.startswith("error: no usable cached network for Algin Sutton (planned)")
    assert "safepassage fetch --site \"Algin Sutton\"" in line


def test_jordan_downs_facts() -> None:
    jd = find_site("Jordan Downs")
    assert jd.slug == "jordan-downs"
    assert jd.lapd_division == "Southeast"
    assert jd.lat == pytest.approx(33.9455, abs=0.01)
    assert jd.lon == pytest.approx(-118.234, abs=0.01)


# ---------------------------------------------------------------------------------------------
# safepassage sites [--json]


def test_sites_command_lists_all_ten_with_the_approximate_points_warning() -> None:
    r = safepassage("sites")
    assert r.returncode == 0, r.stderr
    for name in SITE_NAMES:
        assert name in r.stdout
    assert "APPROXIMATE" in r.stdout
    assert "±300 m" in r.stdout
    planned = [ln for ln in r.stdout.splitlines() if ln.startswith("Algin Sutton")]
    assert len(planned) == 1 and "PLANNED" in planned[0] and "18A1" in planned[0]
    assert "PLANNED: Algin Sutton" in r.stdout and "--include-planned" in r.stdout
    assert "Traceback" not in r.stderr


def test_sites_json_is_valid_json_with_every_field() -> None:
    r = safepassage("sites", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 11
    assert {d["name"] for d in data if not d["planned"]} == SITE_NAMES
    assert [d["name"] for d in data if d["planned"]] == ["Algin Sutton"]
    for d in data:
        assert set(d) >= JSON_FIELDS, d
        assert isinstance(d["lat"], float) and isinstance(d["lon"], float)
        assert d["approximate"] is True
        assert "approximate" in d["accuracy"].lower()
    by_slug = {d["slug"]: d for d in data}
    assert by_slug["jordan-downs"] == find_site("jordan-downs").to_dict()


# ---------------------------------------------------------------------------------------------
# forgiving names


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Jordan Downs", "Jordan Downs"),
        ("jordan downs", "Jordan Downs"),
        ("Jordan-Downs", "Jordan Downs"),
        ("JORDAN_DOWNS", "Jordan Downs"),
        ("  jordan   downs ", "Jordan Downs"),
        ("jordan-downs", "Jordan Downs"),
        ("nickerson", "Nickerson Gardens"),
        ("pueblo del rio", "Pueblo Del Rio"),
        ("San Fernando", "San Fernando Gardens"),
        ("imperial courts", "Imperial Courts"),
    ],
)
def test_names_match_forgivingly(typed: str, expected: str) -> None:
    assert find_site(typed).name == expected


def test_every_site_is_found_by_its_name_and_its_slug() -> None:
    for s in load_sites():
        assert find_site(s.name) == s
        assert find_site(s.slug) == s
        assert find_site(s.name.upper()) == s


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("Jordn Dwns", "Jordan Downs"),
        ("Nickersen Gardns", "Nickerson Gardens"),
        ("Ramona Garden Homes", "Ramona Gardens"),
    ],
)
def test_unknown_name_lists_the_closest_matches(typed: str, suggested: str) -> None:
    with pytest.raises(InputError) as err:
        find_site(typed)
    msg = str(err.value)
    assert typed in msg
    assert "Did you mean" in msg and suggested in msg
    assert "safepassage sites" in msg
    assert "\n" not in msg


@pytest.mark.parametrize("typed", ["", "   ", "Gardens", "Watts Towers"])
def test_names_that_match_no_site_or_several_are_errors(typed: str) -> None:
    # "Gardens" ends four names: matching one of them silently would be a guess
    with pytest.raises(InputError, match="unknown site"):
        find_site(typed)


def test_unknown_site_on_the_command_line_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], keep_settings: None
) -> None:
    code = cli.main(["fetch", "--site", "Jordn Dwns"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: unknown site 'Jordn Dwns'")
    assert "Jordan Downs" in lines[0]
    assert "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# points


def test_point_parsing() -> None:
    assert parse_point("33.9455,-118.234") == (33.9455, -118.234)
    assert parse_point(" 33.9455 , -118.234 ") == (33.9455, -118.234)


@pytest.mark.parametrize("text", ["33.9455", "a,b", "91,0", "0,181", "nan,nan", "1,2,3"])
def test_bad_points_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match=r"LAT,LON|coordinates|latitude"):
        parse_point(text)


def test_bad_point_on_the_command_line_exits_2(
    capsys: pytest.CaptureFixture[str], keep_settings: None
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["fetch", "--point", "91,-118.2"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:"), err


def test_point_site_checks_and_names_the_point() -> None:
    s = point_site(33.9455, -118.234)
    assert s.slug == "point_33.94550_-118.23400"
    assert not s.approximate
    assert s.name.startswith("Point 33.94550")
    with pytest.raises(InputError):
        point_site(95.0, 0.0)
