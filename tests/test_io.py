"""Reading and writing files: atomic folders, product folders with a manifest, one scratch
folder per run, leftovers of dead runs, bounded readers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from safepassage.errors import InputError, OutputError
from safepassage.io import (
    MANIFEST,
    OutputFolderError,
    atomic_dir,
    atomic_write_text,
    check_nesting,
    check_output_folder,
    check_product_file,
    folder_groups,
    load_json,
    load_yaml,
    product_dir,
    read_csv_rows,
    read_geojson_features,
    read_manifest,
    record_product_file,
    remove_stale,
    remove_stale_runs,
    run_alive,
    run_scratch,
    run_token,
    scratch_root,
)


def _dead_token() -> str:
    """The token of a process that has ended."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return f"{proc.stdout.strip()}-12345"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# Atomic folders and leftovers


def test_atomic_dir_swaps_the_whole_folder_or_nothing(tmp_path: Path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("one")
    assert _tree(out) == {"a.txt": b"one"}
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        (tmp / "b.txt").write_text("two")
        raise RuntimeError("failed half way")
    assert _tree(out) == {"a.txt": b"one"}
    with atomic_dir(out) as tmp:
        (tmp / "b.txt").write_text("two")
    assert _tree(out) == {"b.txt": b"two"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_atomic_dir_keeps_files_asked_for(tmp_path: Path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "keep.txt").write_text("kept")
        (tmp / "old.txt").write_text("old")
    with atomic_dir(out, keep=["keep.txt"]) as tmp:
        (tmp / "new.txt").write_text("new")
    assert _tree(out) == {"keep.txt": b"kept", "new.txt": b"new"}


def test_write_errors_are_output_errors(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write_text(tmp_path / "file" / "sub.txt", "y")
    assert OutputError("x").exit_code == 4 and isinstance(OutputError("x"), OSError)


def test_leftovers_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path):
    dead, me = _dead_token(), run_token()
    assert run_alive(me) and not run_alive(dead)
    (tmp_path / f".out.sp{dead}.abc123.tmp").mkdir()
    (tmp_path / f".out.sp{dead}.abc123.tmp" / "big.html").write_text("x" * 1000)
    (tmp_path / f".plan.json.sp{dead}.q1w2e3.tmp").write_text("half a file")
    (tmp_path / f".out.sp{me}.zzz.tmp").mkdir()  # a run still going: left alone
    (tmp_path / "out").mkdir()
    removed = remove_stale(tmp_path)
    assert sorted(removed) == sorted([f".out.sp{dead}.abc123.tmp",
                                      f".plan.json.sp{dead}.q1w2e3.tmp"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".out.sp{me}.zzz.tmp", "out"]


def test_a_previous_output_moved_aside_by_a_dead_run_is_restored(tmp_path: Path):
    old = tmp_path / f".out.sp{_dead_token()}.x.old"
    old.mkdir()
    (old / "plan.json").write_text("previous")
    remove_stale(tmp_path, "out")
    assert _tree(tmp_path / "out") == {"plan.json": b"previous"}


def test_one_scratch_folder_per_run_is_tempfile_and_tmpdir(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = scratch_root(tmp_path) / f"run-{_dead_token()}-abcd"
    stale.mkdir(parents=True)
    (stale / "profile").mkdir()
    profile = tmp_path / "sp-chromium-old"  # an older version's browser profile
    profile.mkdir()
    (profile / "SingletonLock").symlink_to(f"host-{_dead_token().split('-')[0]}")
    with run_scratch() as folder:
        assert not stale.exists() and not profile.exists()
        assert folder.parent == scratch_root(tmp_path)
        assert tempfile.gettempdir() == str(folder) == os.environ["TMPDIR"]
        with run_scratch() as inner:
            assert inner == folder
        (Path(tempfile.mkdtemp(prefix="sp-chromium-")) / "x").write_text("y")
    assert not folder.exists()
    assert tempfile.gettempdir() == str(tmp_path)
    assert remove_stale_runs(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Product folders


def test_a_plan_folder_lists_its_files_in_a_manifest(tmp_path: Path):
    out = tmp_path / "plan"
    with product_dir(out, "plan") as tmp:
        (tmp / "plan.json").write_text("{}")
        (tmp / "handouts").mkdir()
        (tmp / "handouts" / "a.en.html").write_text("<p>")
    assert read_manifest(out) == {"plan": ["handouts/a.en.html", "plan.json"]}
    doc = json.loads((out / MANIFEST).read_text())
    assert doc["format"] == "safepassage-manifest/1" and doc["written_by"].startswith("safe")


def test_routes_and_coverage_share_a_folder_and_a_plan_replaces_both(tmp_path: Path):
    out = tmp_path / "site"
    with product_dir(out, "routes") as tmp:
        (tmp / "routes.geojson").write_text("r1")
    with product_dir(out, "coverage") as tmp:
        (tmp / "coverage.json").write_text("c1")
    with product_dir(out, "routes") as tmp:
        (tmp / "routes.geojson").write_text("r2")
    assert _tree(out) == {MANIFEST: (out / MANIFEST).read_bytes(), "coverage.json": b"c1",
                          "routes.geojson": b"r2"}
    assert folder_groups(out) == {"coverage": ["coverage.json"], "routes": ["routes.geojson"]}
    with product_dir(out, "plan") as tmp:
        (tmp / "plan.json").write_text("p")
    assert read_manifest(out) == {"plan": ["plan.json"]}
    assert not (out / "coverage.json").exists()
    with pytest.raises(OutputFolderError, match="holds a plan"):
        check_output_folder(out, "coverage")


def test_a_folder_with_anything_else_is_never_emptied(tmp_path: Path):
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "notes.txt").write_text("keep")
    for command in ("plan", "routes", "coverage", "beats"):
        with pytest.raises(OutputFolderError, match=r"did not write \(sub/notes.txt\)"), \
                product_dir(out, command) as tmp:
            (tmp / "x").write_text("never")
    assert _tree(out) == {"sub/notes.txt": b"keep"}


def test_an_empty_folder_and_a_new_one_are_fine(tmp_path: Path):
    (tmp_path / "empty" / "deep").mkdir(parents=True)
    assert check_output_folder(tmp_path / "empty", "plan") == tmp_path / "empty"
    assert check_output_folder(tmp_path / "a" / "b", "routes") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()


def test_a_folder_an_earlier_version_wrote_is_recognised(tmp_path: Path):
    out = tmp_path / "old"
    (out / "handouts").mkdir(parents=True)
    (out / "plan.json").write_text('{"safepassage_version": "0.0.9"}')
    (out / "handouts" / "x.en.pdf").write_bytes(b"%PDF")
    (out / "planner_map_evening.html").write_text("<p>")
    assert folder_groups(out) == {"plan": ["handouts/x.en.pdf", "plan.json",
                                           "planner_map_evening.html"]}
    (out / "plan.json").write_text('{"something": "else"}')  # not ours after all
    with pytest.raises(OutputFolderError, match="did not write"):
        folder_groups(out)
    routes = tmp_path / "routes-only"
    routes.mkdir()
    (routes / "routes.gpx").write_text('<gpx creator="safepassage">')
    (routes / "routes.geojson").write_text("{}")
    (routes / "incidents.geojson").write_text("{}")
    assert folder_groups(routes) == {"routes": ["routes.geojson", "routes.gpx",
                                                "incidents.geojson"]}


def test_a_file_of_the_product_in_a_shared_folder(tmp_path: Path):
    index = tmp_path / "index.html"
    check_product_file(index)
    index.write_text("mine")
    record_product_file(index)
    check_product_file(index)  # ours now
    (tmp_path / "other.html").write_text("someone's")
    with pytest.raises(OutputFolderError, match="did not write it"):
        check_product_file(tmp_path / "other.html")
    old = tmp_path / "old"  # an index over all sites from before the manifests
    old.mkdir()
    (old / "index.html").write_text("<html><title>Safe Passages: All sites</title>")
    check_product_file(old / "index.html")


# ---------------------------------------------------------------------------------------------
# Bounded readers


def test_nesting_is_bounded_before_parsing():
    check_nesting('{"a": [[[1]]], "s": "[[[[[[[[[["}' * 3, "x.json")
    with pytest.raises(InputError, match="nested more than 64 levels"):
        check_nesting("[" * 65 + "]" * 65, "x.json")
    with pytest.raises(InputError, match="NaN is not a JSON number"):
        load_json('{"a": NaN}', "x.json")
    with pytest.raises(InputError, match=r"x\.json: not valid JSON"):
        load_json('{"a": }', "x.json")


def test_yaml_aliases_and_nesting_are_bounded():
    assert load_yaml("a: &x [1, 2]\nb: *x\n", "p.yaml") == {"a": [1, 2], "b": [1, 2]}
    pairs = zip("abcdef", "bcdefg", strict=True)
    laughs = "a: &a [" + ",".join(["1"] * 10) + "]\n" + "".join(
        f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n" for p, c in pairs)
    with pytest.raises(InputError, match="more than 1,000,000 values"):
        load_yaml(laughs, "p.yaml")
    with pytest.raises(InputError, match="nested more than 64"):
        load_yaml("- " * 100 + "x", "p.yaml")
    with pytest.raises(InputError, match="not valid YAML"):
        load_yaml("!!python/object/apply:os.system ['true']", "p.yaml")


def test_csv_rows_name_the_line(tmp_path: Path):
    p = tmp_path / "x.csv"
    p.write_text("Lat , LON\n1,2\n3,4\n", encoding="utf-8-sig")
    assert list(read_csv_rows(p, "file", ("lat", "lon"))) == [
        ("x.csv line 2", {"lat": "1", "lon": "2"}), ("x.csv line 3", {"lat": "3", "lon": "4"})]
    with pytest.raises(InputError, match="more than 1 rows"):
        list(read_csv_rows(p, "file", ("lat",), max_rows=1))
    p.write_bytes(b"lat,lon\n1,2\n\xff,3\n")
    with pytest.raises(InputError, match=r"x.csv: not a UTF-8 text file \(line 3\)"):
        list(read_csv_rows(p, "file", ("lat",)))


def test_a_geojson_crs_member_is_honoured_and_said(tmp_path: Path, caplog):
    # a point in California State Plane zone V (US feet), as LA County's data comes
    x, y = 6_485_000.0, 1_840_000.0
    p = tmp_path / "sp.geojson"
    p.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2229"}},
        "features": [{"type": "Feature", "properties": {},
                      "geometry": {"type": "Point", "coordinates": [x, y]}}]}))
    with caplog.at_level(logging.WARNING, logger="safepassage"):
        [(_, geom, _)] = read_geojson_features(p, ("Point",))
    assert -118.3 < geom.x < -118.2 and 34.0 < geom.y < 34.1
    assert "converted from EPSG:2229 to WGS84" in caplog.text
    p.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [{"type": "Feature", "properties": {},
                      "geometry": {"type": "Point", "coordinates": [-118.25, 34.05]}}]}))
    [(_, geom, _)] = read_geojson_features(p, ("Point",))
    assert (geom.x, geom.y) == (-118.25, 34.05)
