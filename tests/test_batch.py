"""Many sites in one run on Dask: sites file, shared officer pool, failures, index page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from safepassage.batch import sources_from_csv
from safepassage.cli import main
from safepassage.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DEMO_PBF = ROOT / "geodata" / "demo" / "financial_district.osm.pbf"
DEMO_INCIDENTS = ROOT / "geodata" / "demo" / "lapd_crime_2020_demo.csv"


@pytest.fixture(scope="module")
def sites_csv(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("sites") / "schools.csv"
    p.write_text("name,lat,lon\n"
                 "Pershing Square side,34.0484,-118.2525\n"
                 "Central Library side,34.0505,-118.2550\n"
                 "Out of the extract,35.5,-118.25\n")
    return p


@pytest.fixture(scope="module")
def pooled_run(tmp_path_factory, sites_csv: Path, demo_cache: Path) -> tuple[int, Path, str]:
    out = tmp_path_factory.mktemp("many")
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(["plan", "--osm-file", str(DEMO_PBF), "--sites-file", str(sites_csv),
                   "--pool", "5", "--no-pdf", "--workers", "2", "--out", str(out), "-q",
                   "--cache-dir", str(demo_cache), "--incidents", str(DEMO_INCIDENTS)])
    return rc, out, buf.getvalue()


def test_one_failing_site_does_not_sink_the_others(pooled_run):
    rc, out, printed = pooled_run
    assert rc == 0
    assert (out / "pershing-square-side" / "index.html").is_file()
    assert (out / "central-library-side" / "plan.json").is_file()
    assert not (out / "out-of-the-extract").exists()
    assert "not planned: Out of the extract: no walkable streets within" in printed
    assert "2 of 3 sites planned" in printed


def test_every_site_weighs_the_incidents_of_its_own_area(pooled_run):
    _, out, _ = pooled_run
    for slug in ("pershing-square-side", "central-library-side"):
        doc = json.loads((out / slug / "plan.json").read_text())
        (report,) = doc["incidents"]
        assert report["source"] == "lapd_crime_2020_demo.csv" and report["used"] > 0
        assert (out / slug / "incidents.geojson").is_file()


def test_shared_pool_splits_the_officers(pooled_run):
    _, out, _ = pooled_run
    given = {}
    for slug in ("pershing-square-side", "central-library-side"):
        cov = json.loads((out / slug / "coverage.json").read_text())
        given[slug] = cov["officers"]
    assert sum(given.values()) <= 5 and all(v >= 1 for v in given.values())


def test_index_over_all_sites(pooled_run):
    _, out, _ = pooled_run
    html = (out / "index.html").read_text()
    links = set(re.findall(r'href="([^"]+)"', html))
    assert {"pershing-square-side/index.html", "central-library-side/index.html"} <= links
    assert "Out of the extract" in html and "Shared officer pool" in html


def test_an_existing_dask_scheduler_runs_the_same_job(tmp_path: Path, sites_csv: Path,
                                                      demo_cache: Path, capsys):
    from dask.distributed import LocalCluster

    two = tmp_path / "two.csv"
    two.write_text("\n".join(sites_csv.read_text().splitlines()[:2]) + "\n")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        rc = main(["plan", "--osm-file", str(DEMO_PBF), "--sites-file", str(two),
                   "--officers", "2", "--no-pdf", "--scheduler", cluster.scheduler_address,
                   "--out", str(tmp_path / "o"), "-q", "--cache-dir", str(demo_cache)])
    assert rc == 0
    assert "1 of 1 sites planned" in capsys.readouterr().out
    cov = json.loads((tmp_path / "o" / "pershing-square-side" / "coverage.json").read_text())
    assert cov["officers"] == 2


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, sites_csv: Path, capsys,
                                                monkeypatch):
    from safepassage import settings

    monkeypatch.setattr(settings, "dask_connect_timeout_s", 2.0)
    rc = main(["plan", "--osm-file", str(DEMO_PBF), "--sites-file", str(sites_csv), "--no-pdf",
               "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o"), "-q"])
    assert rc == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_sites_file_errors(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lat,lon\nA,34.05,west\n")
    with pytest.raises(InputError, match="line 2: lat/lon must be numbers"):
        sources_from_csv(bad)
    dup = tmp_path / "dup.csv"
    dup.write_text("name,lat,lon\nA,34.05,-118.25\nA,34.06,-118.25\n")
    with pytest.raises(InputError, match="'A' appears twice"):
        sources_from_csv(dup)


def test_loading_a_site_on_a_worker_hides_no_warnings(demo_cache: Path):
    """A worker loads its site without switching Python's warnings off (it once did, for all)."""
    import warnings

    from safepassage.batch import Loading
    from safepassage.source import Source

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inside = list(warnings.filters)
        area = Loading(cache_dir=str(demo_cache), allow_download=False).load(Source.demo())
        added = [f for f in warnings.filters if f not in inside]
    assert area.G.number_of_nodes() > 800
    assert [f for f in added if f[0] == "ignore" and f[1] is None] == []
    assert [str(w.message) for w in caught] == []
