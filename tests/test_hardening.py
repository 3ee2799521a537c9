"""Hardening (issue 10): every bad input is one line and its exit code, and nothing of the
user's is lost.

The table runs the real command line in-process (``safepassage.cli.main``) on bad inputs of
every class of the issue and every command, and checks for each row: the exit code, exactly one
line on stderr (``error: ...``) with the expected words, no traceback, the previous output and
every unrelated file untouched (byte for byte), nothing new left behind, no scratch folder left.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import osmnx as ox
import pytest

from safepassage import settings
from safepassage.cli import main
from safepassage.io import MANIFEST, scratch_root

ROOT = Path(__file__).resolve().parent.parent
DEMO_PBF = ROOT / "geodata" / "demo" / "financial_district.osm.pbf"
WEST_OAKLAND = ROOT / "geodata" / "test" / "west_oakland.osm.bz2"


# ---------------------------------------------------------------------------------------------
# Inputs the rows use


def _fc(*features: dict, **extra: object) -> str:
    return json.dumps({"type": "FeatureCollection", **extra, "features": list(features)})


def _poly(ring: list[list[float]], **props: object) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


WORLD = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
BOX_110 = [[-170, 0], [-60, 0], [-60, 60], [-170, 60], [-170, 0]]
DOWNTOWN = [[-118.26, 34.04], [-118.24, 34.04], [-118.24, 34.06], [-118.26, 34.06],
            [-118.26, 34.04]]
POINT = {"type": "Feature", "properties": {"name": "X", "kind": "school"},
         "geometry": {"type": "Point", "coordinates": [-118.2525, 34.0484]}}


def _penalize(factor: str) -> str:
    # written by hand: json.dumps would refuse NaN and Infinity as this user's tool did not
    return ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"factor": ' + factor + '}, "geometry": {"type": "Polygon", "coordinates": '
            + json.dumps([DOWNTOWN]) + "}}]}")


def _deep_json(depth: int = 5000) -> str:
    return '{"officers": ' + "[" * depth + "]" * depth + "}"


def _deep_yaml_block(depth: int = 500) -> str:
    return "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "1\n"


BILLION_LAUGHS = (  # 351 bytes that expand to 10**9 values
    "officers:\n a: &a [1,1,1,1,1,1,1,1,1,1]\n b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    " c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    " e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    " g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    " i: [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n")

OSM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'


def _osm(nodes: list[tuple[float, float]], tags: str = '<tag k="highway" v="residential"/>') -> str:
    body = "".join(f'<node id="{i}" version="1" lat="{a}" lon="{b}"/>\n'
                   for i, (a, b) in enumerate(nodes, 1))
    refs = "".join(f'<nd ref="{i}"/>' for i in range(1, len(nodes) + 1))
    return OSM_HEAD + body + f'<way id="1" version="1">{refs}{tags}</way>\n</osm>\n'


#: A tiny street grid in Oakland: no LA Metro stop and no OSM destination anywhere near.
OAKLAND = _osm([(37.8100, -122.3000), (37.8100, -122.2990), (37.8110, -122.2990)])

CSV_HEAD = "name,kind,lat,lon\n"


def _rows(n: int) -> str:
    return CSV_HEAD + "".join(f"S{i},school,34.05,-118.25\n" for i in range(n))


def _prev_output(folder: Path, group: str = "routes") -> None:
    """A previous output of the product: files and their manifest."""
    names = {"routes": ["routes.geojson", "routes.gpx"],
             "plan": ["plan.json", "routes.geojson", "index.html", "handouts/a.en.html"],
             "coverage": ["coverage.json", "posts.geojson"]}[group]
    for n in names:
        (folder / n).parent.mkdir(parents=True, exist_ok=True)
        (folder / n).write_text(f"previous {n}\n")
    (folder / MANIFEST).write_text(json.dumps({
        "format": "safepassage-manifest/1",
        "groups": {group: {"files": names, "written": "2026-01-01"}}}))


def _user_folder(tmp: Path) -> None:
    d = tmp / "D"
    d.mkdir()
    (d / "important_notes.txt").write_text("officer rota, do not lose\n")


def _plan_folder(tmp: Path) -> None:
    d = tmp / "P"
    d.mkdir()
    _prev_output(d, "plan")


def _demo_plan_folder(tmp: Path) -> None:
    d = tmp / "maps" / "demo-downtown-la"
    d.mkdir(parents=True)
    _prev_output(d, "plan")


def _foreign_in_subfolder(tmp: Path) -> None:
    d = tmp / "P"
    d.mkdir()
    _prev_output(d, "plan")
    (d / "handouts" / "my-letter.txt").write_text("to the principal\n")


def _bad_manifest(tmp: Path) -> None:
    d = tmp / "P"
    d.mkdir()
    _prev_output(d, "plan")
    (d / MANIFEST).write_text("{not json")


def _symlink_out(tmp: Path) -> None:
    d = tmp / "P"
    d.mkdir()
    _prev_output(d, "routes")
    (d / "link").symlink_to(tmp / "unrelated.txt")


def _root_with_foreign_index(tmp: Path) -> None:
    (tmp / "many").mkdir()
    (tmp / "many" / "index.html").write_text("<h1>my own page</h1>\n")


def _site_folder_with_notes(tmp: Path) -> None:
    d = tmp / "many" / "central-library-side"
    d.mkdir(parents=True)
    (d / "notes.txt").write_text("mine\n")


def _cache_null_provenance(tmp: Path) -> None:
    d = tmp / "cache2" / "jordan-downs"
    d.mkdir(parents=True)
    (d / "provenance.json").write_text("null")


def _cache_is_a_file(tmp: Path) -> None:
    (tmp / "cachefile").write_text("not a folder\n")


def _plan_dir(tmp: Path) -> None:
    (tmp / "plandir.yaml").mkdir()


# ---------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Case:
    """One bad input: the command line, the files it names, what must come out."""

    id: str
    argv: str
    code: int
    message: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None


DEMO = "--demo -q --cache-dir {cache}"
CASES: list[Case] = [
    # 1. nothing of the user's is lost -------------------------------------------------------
    Case("plan-out-folder-with-notes", "plan " + DEMO + " --no-pdf --out {tmp}/D", 2,
         "did not write (important_notes.txt); it is never emptied", setup=_user_folder),
    Case("demo-out-folder-with-notes", "demo -q --cache-dir {cache} --out {tmp}/D", 2,
         "never emptied", setup=_user_folder),
    Case("routes-out-folder-with-notes", "routes " + DEMO + " --out {tmp}/D", 2,
         "never emptied", setup=_user_folder),
    Case("coverage-out-folder-with-notes", "coverage " + DEMO + " --out {tmp}/D", 2,
         "never emptied", setup=_user_folder),
    Case("plan-out-is-a-file", "plan " + DEMO + " --out {tmp}/unrelated.txt", 2,
         "is a file, not a folder"),
    Case("demo-out-is-a-file", "demo -q --cache-dir {cache} --out {tmp}/unrelated.txt", 2,
         "is a file, not a folder"),
    Case("routes-out-is-a-file", "routes " + DEMO + " --out {tmp}/unrelated.txt", 2,
         "is a file, not a folder"),
    Case("coverage-out-is-a-file", "coverage " + DEMO + " --out {tmp}/unrelated.txt", 2,
         "is a file, not a folder"),
    Case("out-below-a-file", "plan " + DEMO + " --out {tmp}/unrelated.txt/sub", 2,
         "is a file, not a folder"),
    Case("out-is-the-working-folder", "routes " + DEMO + " --out .", 2, "never emptied"),
    Case("coverage-into-a-plan-folder", "coverage " + DEMO + " --officers 2 --out {tmp}/P", 2,
         "holds a plan", setup=_plan_folder),
    Case("routes-into-a-plan-folder", "routes " + DEMO + " --out {tmp}/P", 2, "holds a plan",
         setup=_plan_folder),
    Case("coverage-into-the-demo-plan-by-default", "coverage " + DEMO + " --officers 2", 2,
         "contradict its plan.json", setup=_demo_plan_folder),
    Case("routes-into-the-demo-plan-by-default", "routes " + DEMO, 2, "holds a plan",
         setup=_demo_plan_folder),
    Case("beats-out-folder-with-notes", "beats " + DEMO + " --out {tmp}/D", 2,
         "never emptied", setup=_user_folder),
    Case("beats-out-is-a-file", "beats " + DEMO + " --out {tmp}/unrelated.txt", 2,
         "is a file, not a folder"),
    Case("beats-into-a-plan-folder", "beats " + DEMO + " --officers 2 --out {tmp}/P", 2,
         "holds a plan", setup=_plan_folder),
    Case("beats-into-the-demo-plan-by-default", "beats " + DEMO + " --officers 2", 2,
         "contradict its plan.json", setup=_demo_plan_folder),
    Case("foreign-file-in-a-plan-subfolder", "demo -q --cache-dir {cache} --out {tmp}/P", 2,
         "handouts/my-letter.txt", setup=_foreign_in_subfolder),
    Case("unreadable-manifest", "demo -q --cache-dir {cache} --out {tmp}/P", 2,
         "manifest", setup=_bad_manifest),
    Case("symlink-in-the-output", "routes " + DEMO + " --out {tmp}/P", 2, "link",
         setup=_symlink_out),
    Case("batch-root-with-a-foreign-index",
         "plan --osm-file " + str(DEMO_PBF) + " --sites-file {sites} --out {tmp}/many -q", 2,
         "index.html exists and Safe Passages did not write it",
         files={"sites": "name,lat,lon\nPershing Square side,34.0484,-118.2525\n"},
         setup=_root_with_foreign_index),
    Case("batch-site-folder-with-notes",
         "plan --osm-file " + str(DEMO_PBF) + " --sites-file {sites} --out {tmp}/many -q", 2,
         "did not write (notes.txt)",
         files={"sites": "name,lat,lon\nCentral Library side,34.0505,-118.2550\n"},
         setup=_site_folder_with_notes),
    Case("two-site-names-one-folder", "plan --all-sites --sites-file {sites} -q", 2,
         "would share the folder 'park-a'",
         files={"sites": "name,lat,lon\nPark A,34.05,-118.25\npark-a!,34.06,-118.25\n"}),
    Case("same-site-twice", "plan --sites-file {sites} -q", 2, "appears twice",
         files={"sites": "name,lat,lon\nX,34.05,-118.25\nX,34.06,-118.25\n"}),
    # 2. no safety setting ignored ---------------------------------------------------------
    Case("avoid-the-whole-world-routes", "routes " + DEMO + " --out {tmp}/o --avoid {zone}", 3,
         "none of the 36 destinations could be routed", files={"zone": _fc(_poly(WORLD))}),
    Case("avoid-a-110-degree-box-routes", "routes " + DEMO + " --out {tmp}/o --avoid {zone}", 3,
         "avoids the --avoid zones", files={"zone": _fc(_poly(BOX_110))}),
    Case("avoid-the-world-coverage", "coverage " + DEMO + " --out {tmp}/o --avoid {zone}", 3,
         "none of the 36 destinations", files={"zone": _fc(_poly(WORLD))}),
    Case("avoid-the-world-plan", "plan " + DEMO + " --out {tmp}/o --avoid {zone} --no-pdf", 3,
         "none of the 36 destinations", files={"zone": _fc(_poly(WORLD))}),
    Case("no-destinations-at-all",
         "routes --osm-file {osm} --point 37.81,-122.30 -q --cache-dir {cache} --out {tmp}/o",
         3, "no destinations within", files={"osm": OAKLAND}),
    Case("penalty-factor-nan", "routes " + DEMO + " --penalize {zone}", 2,
         "NaN is not a JSON number", files={"zone": _penalize("NaN")}),
    Case("penalty-factor-infinity", "routes " + DEMO + " --penalize {zone}", 2,
         "Infinity is not a JSON number", files={"zone": _penalize("Infinity")}),
    Case("penalty-factor-1e308", "routes " + DEMO + " --penalize {zone}", 2,
         "factor 1e+308 must be between 1 and 100", files={"zone": _penalize("1e308")}),
    Case("penalty-factor-below-one", "routes " + DEMO + " --penalize {zone}", 2,
         "must be between 1 and 100", files={"zone": _penalize("0.5")}),
    Case("penalty-factor-text", "coverage " + DEMO + " --penalize {zone}", 2,
         "factor must be a number", files={"zone": _penalize('"high"')}),
    Case("penalty-factor-list", "plan " + DEMO + " --penalize {zone}", 2,
         "factor must be a number", files={"zone": _penalize("[3]")}),
    Case("incident-weight-nan", "routes " + DEMO + " --incidents {inc}", 2,
         "weight 'nan' must be between 0 and 1000",
         files={"inc": "lat,lon,weight\n34.05,-118.25,nan\n"}),
    Case("incident-weight-inf", "coverage " + DEMO + " --incidents {inc}", 2,
         "must be between 0 and 1000", files={"inc": "lat,lon,weight\n34.05,-118.25,inf\n"}),
    Case("incident-weight-1e308", "plan " + DEMO + " --incidents {inc}", 2,
         "must be between 0 and 1000", files={"inc": "lat,lon,weight\n34.05,-118.25,1e308\n"}),
    Case("incident-weight-negative", "routes " + DEMO + " --incidents {inc}", 2,
         "must be between 0 and 1000", files={"inc": "lat,lon,weight\n34.05,-118.25,-1\n"}),
    Case("profile-factor-1e308", "routes " + DEMO + " --profile {prof}", 2,
         "way.alley = 1e+308 must be between 1 and 100", files={"prof": "[way]\nalley = 1e308\n"}),
    Case("profile-factor-inf", "coverage " + DEMO + " --profile {prof}", 2,
         "zones.penalty = inf must be between 1 and 100",
         files={"prof": "[zones]\npenalty = inf\n"}),
    Case("profile-detour-huge", "plan " + DEMO + " --profile {prof}", 2,
         "walk.max_detour_pct = 1e+09 must be between 0 and 500",
         files={"prof": "[walk]\nmax_detour_pct = 1e9\n"}),
    Case("profile-speed-nan", "demo -q --cache-dir {cache} --profile {prof}", 2,
         "walk.speed_m_per_min = nan", files={"prof": "[walk]\nspeed_m_per_min = nan\n"}),
    Case("max-detour-nan", "routes " + DEMO + " --max-detour nan", 2,
         "--max-detour must be between 0 and 500"),
    Case("max-detour-inf", "coverage " + DEMO + " --max-detour inf", 2,
         "--max-detour must be between 0 and 500"),
    Case("plan-file-detour-inf", "coverage " + DEMO + " --plan {plan}", 2,
         "max_detour_pct must be a number from 0 to 500 %",
         files={"plan": "max_detour_pct: .inf\n"}),
    Case("plan-file-ban-radius-huge", "coverage " + DEMO + " --plan {plan}", 2,
         "banned[0].radius_m must be a number from 0 to 5000 m",
         files={"plan": "banned: [{lat: 34.05, lon: -118.25, radius_m: 1.0e+12}]\n"}),
    # 3. names that would drive the terminal or break files --------------------------------
    Case("destination-name-of-control-characters", "routes " + DEMO + " --destinations {dest}",
         2, "line 2: empty name",
         files={"dest": CSV_HEAD + "\x1b\x07\x7f\u2028,school,34.05,-118.25\n"}),
    Case("geojson-destination-name-blank", "routes " + DEMO + " --destinations {destg}", 2,
         "missing 'name' property",
         files={"destg": _fc({**POINT, "properties": {"name": "\u202e\u200b", "kind": "park"}})}),
    Case("control-characters-in-a-file-name",
         "routes " + DEMO + " --avoid {tmp}/no\x1b]0;title\x07\x1b[2J\nsuch.geojson", 2,
         "zone file not found: "),
    # 4. no tracebacks --------------------------------------------------------------------
    Case("osm-node-latitude-999",
         "routes --osm-file {osm} --point 34.05,-118.25 -q --cache-dir {cache} --out {tmp}/o", 2,
         "malformed OSM file", files={"osm": _osm([(999, -118.25), (34.05, -118.25)])}),
    Case("osm-file-empty", "routes --osm-file {osm} --point 34.05,-118.25 -q", 2,
         "OSM file is empty", files={"osm": ""}),
    Case("osm-file-garbage-pbf", "plan --osm-file {pbf} --point 34.05,-118.25 -q", 2,
         "malformed OSM file", files={"pbf": b"\x00\x01garbage" * 100}),
    Case("osm-file-is-a-folder", "coverage --osm-file {tmp} --point 34.05,-118.25 -q", 2,
         "not a file"),
    Case("osm-file-wrong-suffix", "routes --osm-file {txt} --point 34.05,-118.25 -q", 2,
         "unsupported OSM file", files={"txt": "hello"}),
    Case("osm-file-without-streets", "routes --osm-file {osm} --point 34.05,-118.25 -q", 2,
         "no walkable streets", files={"osm": OSM_HEAD + "</osm>\n"}),
    Case("osm-file-broken-xml", "routes --osm-file {osm} --point 34.05,-118.25 -q", 2,
         "malformed OSM file", files={"osm": OSM_HEAD + "<node id='1' lat='1'"}),
    Case("entrances-latin-1", "routes " + DEMO + " --entrances {ent}", 2,
         "not a UTF-8 text file", files={"ent": "lat,lon,note\n34.05,-118.25,caf\xe9\n".encode(
             "latin-1")}),
    Case("entrances-nan", "coverage " + DEMO + " --entrances {ent}", 2,
         "line 2: coordinates nan, -118.25 out of range", files={"ent": "lat,lon\nnan,-118.25\n"}),
    Case("entrances-latitude-999", "plan " + DEMO + " --entrances {ent}", 2,
         "out of range", files={"ent": "lat,lon\n999,-118.25\n"}),
    Case("entrances-no-columns", "routes " + DEMO + " --entrances {ent}", 2,
         "missing column(s) lat, lon", files={"ent": "x,y\n1,2\n"}),
    Case("entrances-nul-byte", "routes " + DEMO + " --entrances {ent}", 2,
         "holds a NUL byte", files={"ent": "lat,lon\n34.05\x00,-118.25\n"}),
    Case("entrances-empty", "routes " + DEMO + " --entrances {ent}", 2,
         "no entrances in the file", files={"ent": "lat,lon\n"}),
    Case("entrances-linestring", "routes " + DEMO + " --entrances {entg}", 2,
         "entrances must be Points or a Polygon outline",
         files={"entg": _fc({"type": "Feature", "properties": {}, "geometry": {
             "type": "LineString", "coordinates": [[-118.25, 34.05], [-118.24, 34.05]]}})}),
    Case("plan-banned-lists-a-csv", "coverage " + DEMO + " --plan {plan}", 2,
         "not a GeoJSON file", files={"plan": "banned: [inc.csv]\n", "inc": "lat,lon\n1,2\n"}),
    Case("plan-nested-json", "coverage " + DEMO + " --plan {planj}", 2,
         "nested more than 64 levels", files={"planj": _deep_json()}),
    Case("plan-nested-yaml-flow", "plan " + DEMO + " --plan {plan}", 2,
         "nested more than 64 levels", files={"plan": "officers: " + "[" * 5000 + "]" * 5000}),
    Case("plan-nested-yaml-block", "demo -q --cache-dir {cache} --plan {plan}", 2,
         "nested more than 64 levels", files={"plan": _deep_yaml_block()}),
    Case("plan-billion-laughs", "coverage " + DEMO + " --plan {plan}", 2,
         "more than 1,000,000 values once its aliases are expanded",
         files={"plan": BILLION_LAUGHS}),
    Case("plan-recursive-alias", "coverage " + DEMO + " --plan {plan}", 2,
         "refers to itself", files={"plan": "officers: &a [*a]\n"}),
    Case("plan-python-tag", "coverage " + DEMO + " --plan {plan}", 2, "not valid YAML",
         files={"plan": "officers: !!python/object/apply:os.system [echo owned]\n"}),
    Case("plan-file-is-a-folder", "coverage " + DEMO + " --plan {tmp}/plandir.yaml", 2,
         "is not a file", setup=_plan_dir),
    Case("plan-file-binary", "coverage " + DEMO + " --plan {plan}", 2, "not a UTF-8 text file",
         files={"plan": b"\xff\xfe\x00\x01"}),
    Case("plan-file-too-big", "coverage " + DEMO + " --plan {plan}", 2, "at most 1 MB",
         files={"plan": "# " + "x" * (2 * 1024 * 1024) + "\n"}),
    Case("compare-plan-nested", "plan " + DEMO + " --compare-plan {planj}", 2,
         "nested more than 64 levels", files={"planj": _deep_json()}),
    Case("destinations-nested-geojson", "routes " + DEMO + " --destinations {destg}", 2,
         "nested more than 64 levels", files={"destg": '{"features": ' + "[" * 3000}),
    Case("avoid-nested-geojson", "routes " + DEMO + " --avoid {zone}", 2,
         "nested more than 64 levels", files={"zone": "[" * 100000}),
    Case("compare-nested", "coverage --compare {planj} {planj}", 2,
         "nested more than 64 levels", files={"planj": _deep_json()}),
    Case("compare-not-json", "coverage --compare {plan} {plan}", 2, "not a coverage.json",
         files={"plan": "officers: 3\n"}),
    Case("compare-folder-without-coverage", "coverage --compare {tmp} {tmp}", 2,
         "no coverage.json"),
    Case("compare-wrong-structure", "coverage --compare {planj} {planj}", 2,
         "not a coverage.json written by",
         files={"planj": '{"shifts": {"dismissal": 1}, "covered_pct": 3}'}),
    Case("destinations-latin-1", "routes " + DEMO + " --destinations {dest}", 2,
         "not a UTF-8 text file", files={"dest": (CSV_HEAD + "Caf\xe9,school,34.05,-118.25\n")
                                         .encode("latin-1")}),
    Case("destinations-nul", "coverage " + DEMO + " --destinations {dest}", 2,
         "NUL byte", files={"dest": CSV_HEAD + "A\x00,school,34.05,-118.25\n"}),
    Case("destinations-lat-nan", "plan " + DEMO + " --destinations {dest}", 2,
         "coordinates nan, -118.25 out of range",
         files={"dest": CSV_HEAD + "A,school,nan,-118.25\n"}),
    Case("destinations-lat-999", "routes " + DEMO + " --destinations {dest}", 2,
         "out of range", files={"dest": CSV_HEAD + "A,school,999,-118.25\n"}),
    Case("destinations-huge-field", "routes " + DEMO + " --destinations {dest}", 2,
         "malformed CSV", files={"dest": CSV_HEAD + '"' + "A" * 200_000 + '",school,34,-118\n'}),
    Case("destinations-too-many-rows", "routes " + DEMO + " --destinations {dest}", 2,
         "more than 10,000 rows", files={"dest": _rows(10_001)}),
    Case("destinations-unknown-kind", "routes " + DEMO + " --destinations {dest}", 2,
         "unknown kind 'mall'", files={"dest": CSV_HEAD + "A,mall,34.05,-118.25\n"}),
    Case("destinations-geojson-nan", "routes " + DEMO + " --destinations {destg}", 2,
         "NaN is not a JSON number",
         files={"destg": '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                         '"properties": {"name": "A", "kind": "park"}, "geometry": '
                         '{"type": "Point", "coordinates": [NaN, 34.05]}}]}'}),
    Case("destinations-geojson-unknown-crs", "routes " + DEMO + " --destinations {destg}", 2,
         "unknown coordinate system 'EPSG:999999'",
         files={"destg": _fc(POINT, crs={"type": "name",
                                         "properties": {"name": "EPSG:999999"}})}),
    Case("destinations-geojson-linked-crs", "routes " + DEMO + " --destinations {destg}", 2,
         "names no coordinate system",
         files={"destg": _fc(POINT, crs={"type": "link", "properties": {"href": "x"}})}),
    Case("destinations-geojson-null-geometry", "routes " + DEMO + " --destinations {destg}", 2,
         "missing or invalid geometry", files={"destg": _fc({**POINT, "geometry": None})}),
    Case("destinations-geojson-bad-polygon", "routes " + DEMO + " --destinations {destg}", 2,
         "missing or invalid geometry", files={"destg": _fc({**POINT, "geometry": {
             "type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}})}),
    Case("destinations-wrong-suffix", "routes " + DEMO + " --destinations {txt}", 2,
         "use .csv (name,kind,lat,lon) or .geojson", files={"txt": "x"}),
    Case("destinations-is-a-folder", "routes " + DEMO + " --destinations {tmp}", 2,
         "use .csv"),
    Case("avoid-linestring", "routes " + DEMO + " --avoid {zone}", 2,
         "zones must be polygons", files={"zone": _fc({"type": "Feature", "properties": {},
                                                       "geometry": {"type": "LineString",
                                                                    "coordinates": [[0, 0],
                                                                                    [1, 1]]}})}),
    Case("avoid-empty-file", "routes " + DEMO + " --avoid {zone}", 2, "malformed GeoJSON",
         files={"zone": ""}),
    Case("avoid-utf16", "routes " + DEMO + " --avoid {zone}", 2, "not a UTF-8 text file",
         files={"zone": _fc(_poly(DOWNTOWN)).encode("utf-16")}),
    Case("incidents-latin-1", "routes " + DEMO + " --incidents {inc}", 2,
         "not a UTF-8 text CSV file", files={"inc": "lat,lon,category\n34,-118,caf\xe9\n".encode(
             "latin-1")}),
    Case("incidents-no-header", "routes " + DEMO + " --incidents {inc}", 2,
         "nor a simple incidents CSV (needs lat,lon", files={"inc": "34,-118\n"}),
    Case("incidents-bad-datetime", "routes " + DEMO + " --incidents {inc}", 2,
         "is not ISO 8601", files={"inc": "lat,lon,datetime\n34.05,-118.25,yesterday\n"}),
    Case("concerns-weight-inf", "routes " + DEMO + " --concerns {inc}", 2,
         "weight 'inf' must be between 0 and 1000",
         files={"inc": "lat,lon,weight\n34.05,-118.25,inf\n"}),
    Case("concerns-latin-1", "coverage " + DEMO + " --concerns {inc}", 2,
         "not a UTF-8 text CSV file",
         files={"inc": "lat,lon,note\n34.05,-118.25,caf\xe9\n".encode("latin-1")}),
    Case("incidents-since-not-a-date", "routes " + DEMO + " --incidents {inc} --since June", 2,
         "bad date 'June' for since", files={"inc": "lat,lon\n34.05,-118.25\n"}),
    Case("lapd-export-bad-time", "plan " + DEMO + " --incidents {inc}", 2,
         "TIME OCC '2561' is not a time",
         files={"inc": "DR_NO,DATE OCC,TIME OCC,Crm Cd,LAT,LON\n"
                       "1,03/04/2020 12:00:00 AM,2561,210,34.05,-118.25\n"}),
    Case("demo-no-incidents-and-incidents", "demo -q --cache-dir {cache} --no-incidents "
         "--incidents {inc}", 2, "--no-incidents takes no --incidents",
         files={"inc": "lat,lon\n34.05,-118.25\n"}),
    Case("profile-not-utf8", "routes " + DEMO + " --profile {prof}", 2,
         "not a UTF-8 text file", files={"prof": b"[walk]\nspeed_m_per_min = \xff\n"}),
    Case("profile-is-a-folder", "routes " + DEMO + " --profile {tmp}", 2,
         "profile file", files={}),
    Case("profile-nested", "routes " + DEMO + " --profile {prof}", 2,
         "nested more than 64 levels", files={"prof": "a = " + "[" * 5000 + "]" * 5000 + "\n"}),
    Case("time-window-of-commas", "coverage " + DEMO + " --time-window ,,", 2,
         "names no window"),
    Case("profile-unknown-name", "routes " + DEMO + " --profile sneaky", 2,
         "unknown profile 'sneaky'"),
    Case("sites-file-latin-1", "plan --sites-file {sites} -q", 2, "not a UTF-8 text file",
         files={"sites": "name,lat,lon\nCaf\xe9,34.05,-118.25\n".encode("latin-1")}),
    Case("sites-file-no-lat", "plan --sites-file {sites} -q", 2, "missing column(s) lat",
         files={"sites": "name,lon\nX,-118.25\n"}),
    Case("sites-file-lat-nan", "plan --sites-file {sites} -q", 2, "out of range",
         files={"sites": "name,lat,lon\nX,nan,-118.25\n"}),
    Case("cache-dir-is-a-file", "routes --site {jd} --offline -q --cache-dir "
         "{tmp}/cachefile", 3, "no usable cached network", setup=_cache_is_a_file),
    Case("site-cache-provenance-null", "routes --site {jd} --offline -q --cache-dir "
         "{tmp}/cache2", 3, "no usable cached network", setup=_cache_null_provenance),
    # 5. exit codes and bounded numbers ----------------------------------------------------
    Case("fetch-radius-1e9", "fetch --site {jd} --radius 1e9", 2,
         "must be between 1 and 20,000 m, got '1e9'"),
    Case("fetch-radius-inf", "fetch --site {jd} --radius inf", 2,
         "must be between 1 and 20,000 m"),
    Case("fetch-radius-nan", "fetch --point 33.9,-118.2 --radius nan", 2,
         "must be between 1 and 20,000 m"),
    Case("routes-radius-zero", "routes " + DEMO + " --radius 0", 2, "between 1 and 20,000 m"),
    Case("coverage-officers-1e21", "coverage " + DEMO + " --officers 1e21", 2,
         "must be between 0 and 500 officers"),
    Case("coverage-officers-negative", "coverage " + DEMO + " --officers -1", 2,
         "must be between 0 and 500"),
    Case("coverage-officers-fraction", "coverage " + DEMO + " --officers 2.5", 2,
         "not a whole number: '2.5'"),
    Case("plan-pool-huge", "plan --all-sites --pool 1e9 -q", 2, "must be between 0 and 5,000"),
    Case("scheduler-without-port", "plan --sites-file {sites} --scheduler garbage -q "
         "--out {tmp}/many", 2, "bad Dask scheduler address 'garbage'",
         files={"sites": "name,lat,lon\nA,34.05,-118.25\n"}),
    Case("scheduler-port-99999", "plan --sites-file {sites} --scheduler tcp://127.0.0.1:99999 "
         "-q --out {tmp}/many", 2, "port 1-65535",
         files={"sites": "name,lat,lon\nA,34.05,-118.25\n"}),
    Case("scheduler-tls", "plan --sites-file {sites} --scheduler tls://127.0.0.1:9 -q "
         "--out {tmp}/many", 2, "give tcp://HOST:PORT",
         files={"sites": "name,lat,lon\nA,34.05,-118.25\n"}),
    Case("plan-workers-zero", "plan --all-sites --workers 0 -q", 2, "must be between 1 and 256"),
    Case("beats-minutes-zero", "beats " + DEMO + " --minutes 0 --out {tmp}/o", 2,
         "must be a whole number of minutes from 1 to 240: '0'"),
    Case("beats-minutes-1e9", "beats " + DEMO + " --minutes 1e9 --out {tmp}/o", 2,
         "must be a whole number of minutes from 1 to 240: '1e9'"),
    Case("beats-minutes-fraction", "beats " + DEMO + " --minutes 7.5 --out {tmp}/o", 2,
         "must be a whole number of minutes from 1 to 240: '7.5'"),
    Case("beats-start-far-away", "beats " + DEMO + " --start 34.2,-118.0 --out {tmp}/o", 2,
         "--start 34.200000,-118.000000 is 28,231 m from the nearest walkable street"),
    Case("plan-file-beats-minutes-zero", "beats " + DEMO + " --plan {plan} --out {tmp}/o", 2,
         "beats.minutes must be a whole number of minutes from 1 to 240, got 0",
         files={"plan": "beats: {minutes: 0}\n"}),
    Case("plan-beats-minutes-241", "plan " + DEMO + " --beats 241 --out {tmp}/o", 2,
         "--beats: must be a whole number of minutes from 1 to 240: '241'"),
    Case("beats-nothing-to-walk-to", "beats --osm-file " + str(WEST_OAKLAND) + " --point "
         "37.8160,-122.2950 --radius 300 -q --cache-dir {cache} --out {tmp}/o", 3,
         "no destinations within 300 m of Point 37.81600, -122.29500: nothing to route to"),
    Case("coverage-time-limit-inf", "coverage " + DEMO + " --time-limit inf", 2,
         "must be between 0.1 and 3,600 s"),
    Case("coverage-radius-post-huge", "coverage " + DEMO + " --radius-post 1e9", 2,
         "must be between 1 and 5,000 m"),
    Case("coverage-target-500", "coverage " + DEMO + " --target 500", 2,
         "must be between 0 and 100 %"),
    Case("coverage-target-nan", "coverage " + DEMO + " --target nan", 2,
         "must be between 0 and 100 %"),
    Case("plan-file-officers-1e21", "plan " + DEMO + " --plan {plan}", 2,
         "officers must be a whole number from 0 to 500", files={"plan": "officers: 1.0e+21\n"}),
    Case("plan-file-radius-huge", "coverage " + DEMO + " --plan {plan}", 2,
         "radius_m must be a number of metres > 0 (at most 5000)",
         files={"plan": "radius_m: 1.0e+9\n"}),
    Case("plan-file-too-many-posts", "coverage " + DEMO + " --plan {plan}", 2,
         "extra_posts has 1,001 items; at most 1,000",
         files={"plan": "extra_posts:\n" + "  - {lat: 34.05, lon: -118.25}\n" * 1001}),
    Case("out-on-a-read-only-place", "routes " + DEMO + " --out /proc/sys/safepassage-test", 4,
         "cannot write"),
    Case("serve-out-folder-with-notes", "serve " + DEMO + " --out {tmp}/D", 2,
         "never emptied", setup=_user_folder),
    Case("serve-out-is-a-file", "serve " + DEMO + " --out {tmp}/unrelated.txt", 2,
         "is a file, not a folder"),
    Case("serve-port-99999", "serve " + DEMO + " --port 99999", 2,
         "must be between 0 and 65535"),
    Case("serve-time-limit-inf", "serve " + DEMO + " --time-limit inf", 2,
         "must be between 0.1 and 3,600 s"),
    Case("serve-bad-plan", "serve " + DEMO + " --plan {plan}", 2,
         "nested more than 64 levels", files={"plan": _deep_yaml_block()}),
    Case("fetch-unknown-site", "fetch --site {jt}", 2, "Did you mean: Jordan Downs"),
    Case("fetch-no-source", "fetch", 2, "exactly one of --site NAME or --point"),
    Case("fetch-no-internet", "fetch --site {jd} --cache-dir {tmp}/c -q", 3,
         "cannot reach the Overpass API"),
    Case("routes-offline-without-cache", "routes --site {jd} --offline -q "
         "--cache-dir {tmp}/c", 3, "no usable cached network"),
    Case("sites-unknown-option", "sites --colour", 2, "unrecognized arguments"),
    Case("demo-unknown-handout-kind", "demo -q --cache-dir {cache} --handouts school,mall", 2,
         "unknown kind(s) mall"),
    Case("demo-bad-window", "demo -q --cache-dir {cache} --time-window lunch", 2,
         "bad time window 'lunch'"),
    Case("demo-window-25h", "demo -q --cache-dir {cache} --time-window 25:00-26:00", 2,
         "hours 00-24"),
    Case("plan-no-source", "plan -q", 2, "no source given"),
    Case("point-out-of-range", "routes --point 91,0", 2, "latitude must be within"),
    Case("point-nan", "plan --point nan,0", 2, "coordinates must be numbers"),
]


def _tree(folder: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = None if p.is_dir() or p.is_symlink() else p.read_bytes()
    return out


def _scratch() -> set[str]:
    """This process's scratch folders ("run-<pid>-..."; other test runs may share the root)."""
    root = scratch_root()
    mine = f"run-{os.getpid()}-"
    return {p.name for p in root.iterdir() if p.name.startswith(mine)} if root.exists() else set()


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's usage errors
        return int(exc.code or 0)


def test_the_table_is_big_and_covers_every_command():
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)
    commands = {c.argv.split(" ")[0] for c in CASES}
    assert commands == {"sites", "fetch", "routes", "coverage", "beats", "plan", "demo",
                        "serve"}
    assert {c.code for c in CASES} == {2, 3, 4}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, demo_cache: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "maps_folder", tmp_path / "maps")
    monkeypatch.setattr(settings, "overpass_url", "http://127.0.0.1:9/api")
    monkeypatch.setattr(ox.settings, "overpass_url", ox.settings.overpass_url)
    (tmp_path / "unrelated.txt").write_text("someone else's file\n")
    other = tmp_path / "maps" / "other-site"
    other.mkdir(parents=True)
    _prev_output(other, "plan")
    names = {"zone": "zone.geojson", "inc": "inc.csv", "prof": "p.toml", "plan": "plan.yaml",
             "planj": "plan.json", "dest": "d.csv", "destg": "d.geojson", "ent": "e.csv",
             "entg": "e.geojson", "osm": "x.osm", "pbf": "x.osm.pbf", "txt": "x.txt",
             "sites": "sites.csv"}
    paths = {"tmp": str(tmp_path), "cache": str(demo_cache)}
    for key, content in case.files.items():
        p = tmp_path / names[key]
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        paths[key] = str(p)
    if case.setup:
        case.setup(tmp_path)
    paths["jd"], paths["jt"] = "Jordan Downs", "Jordon Towns"
    argv = [a.format(**paths) for a in case.argv.split(" ")]
    before = _tree(tmp_path)
    scratch_before = _scratch()

    code = _run(argv)

    err = capsys.readouterr().err
    lines = err.splitlines()
    assert code == case.code, err
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert case.message in lines[0]
    assert _tree(tmp_path) == before  # previous output, inputs, unrelated files: untouched
    assert _scratch() <= scratch_before  # this run's scratch folder is gone


# ---------------------------------------------------------------------------------------------
# What must work: names cleaned everywhere, geometry at any size, caches repaired, full disks


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[31mHope Street School\x00 <script>alert(1)</script>"


def test_hostile_names_are_cleaned_in_every_output(tmp_path: Path, demo_cache: Path, capsys,
                                                   caplog):
    from xml.etree import ElementTree

    import geopandas as gpd
    import gpxpy
    from pyproj import Transformer

    to_sp = Transformer.from_crs("EPSG:4326", "EPSG:2229", always_xy=True)
    x, y = to_sp.transform(-118.2540, 34.0500)
    feature = {"type": "Feature", "properties": {"name": HOSTILE, "kind": "school"},
               "geometry": {"type": "Point", "coordinates": [x, y]}}
    dest = tmp_path / "schools.geojson"
    dest.write_text(json.dumps({  # LA County's data comes in State Plane feet, with its crs
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:2229"}},
        "features": [feature, feature, feature]}))
    incidents = tmp_path / "incidents.csv"
    incidents.write_text("lat,lon,datetime,category\n"
                         "34.0500,-118.2540,2026-03-04T15:20:00Z,\x1b[31mrobbery\n"
                         "34.0501,-118.2541,2026-03-04,theft\n")
    out = tmp_path / "out"
    with caplog.at_level("WARNING", logger="safepassage"):
        assert main(["plan", "--demo", "--destinations", str(dest), "--no-pdf", "-q",
                     "--incidents", str(incidents), "--cache-dir", str(demo_cache),
                     "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "1 of the incident times had a time zone: converted to Los Angeles time" in stdout
    assert "1 of the incidents have a date but no time of day" in stdout
    clean = "]0;pwned [2J [31mHope Street School <script>alert(1)</script>"
    assert clean[:39] + "…" in stdout  # the summary table cuts long names
    assert not any(c in stdout for c in "\x1b\x07\x00")
    assert "2 of the 3 destinations in your file were merged with another" in stdout
    assert "converted from EPSG:2229 to WGS84" in caplog.text
    gpx_text = (out / "routes.gpx").read_text()
    ElementTree.fromstring(gpx_text.encode())  # valid XML
    names = [w.name for w in gpxpy.parse(gpx_text).waypoints]
    assert clean in names
    geo = json.loads((out / "routes.geojson").read_text())
    assert clean in {f["properties"]["destination"] for f in geo["features"]}
    dests = gpd.read_file(out / "plan.gpkg", layer="destinations")
    assert clean in set(dests["name"])  # whole, not cut at a NUL
    handouts = [p for p in (out / "handouts").glob("*.en.html") if "hope-street" in p.name]
    assert handouts, sorted(p.name for p in (out / "handouts").iterdir())
    page = handouts[0].read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "\x1b" not in page
    plan = json.loads((out / "plan.json").read_text())
    assert any("were merged" in n for n in plan["notes"])


def test_control_characters_in_osm_names_inside_a_pbf(tmp_path: Path, demo_cache: Path, capsys):
    import osmium

    pbf = tmp_path / "names.osm.pbf"
    grid = [(34.0500 + 0.001 * i, -118.2500 + 0.001 * j) for i in range(3) for j in range(3)]
    ways = [[1, 2, 3], [4, 5, 6], [1, 4, 7], [2, 5, 8], [3, 6, 9], [7, 8, 9]]
    names = ["A \x1b]0;pwned\x07\x1b[2J\x1b[31m St", "B\x01St", "C \x0b St", None, None, None]
    with osmium.SimpleWriter(str(pbf)) as w:
        for i, (lat, lon) in enumerate(grid, 1):
            tags = {"amenity": "school", "name": "Sch\x1b[31mool\x02 X"} if i == 9 else {}
            w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), tags=tags, version=1))
        for j, (refs, name) in enumerate(zip(ways, names, strict=True), 1):
            tags = {"highway": "residential", **({"name": name} if name else {})}
            w.add_way(osmium.osm.mutable.Way(id=j, nodes=refs, tags=tags, version=1))
    out = tmp_path / "out"
    assert main(["routes", "--osm-file", str(pbf), "--point", "34.0500,-118.2500", "-q",
                 "--cache-dir", str(demo_cache), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Sch [31mool X" in stdout and "\x1b" not in stdout and "\x02" not in stdout
    from xml.etree import ElementTree

    ElementTree.fromstring((out / "routes.gpx").read_bytes())
    directions = " ".join(" ".join(f["properties"].get("directions_en") or [])
                          for f in json.loads((out / "routes.geojson").read_text())["features"])
    assert "\x1b" not in directions and "\x01" not in directions


def test_avoiding_the_world_with_a_hole_routes_only_inside_the_hole(demo_area):
    import geopandas as gpd
    import shapely

    from safepassage.pipeline import RouteSettings, compute_routes
    from safepassage.routing import route_geometry
    from safepassage.safety import RiskZones

    lat, lon = demo_area.site.lat, demo_area.site.lon
    hole = shapely.box(lon - 0.004, lat - 0.003, lon + 0.004, lat + 0.003)
    world = shapely.Polygon(WORLD, holes=[hole.exterior.coords])
    zones = RiskZones(avoid=gpd.GeoDataFrame({"name": ["all but the hole"], "factor": [None]},
                                             geometry=[world], crs="EPSG:4326"))
    plan = compute_routes(demo_area, RouteSettings(zones=zones))
    assert 0 < len(plan.ok) < len(plan.routes)
    lines = [route_geometry(demo_area.G, plan.state_graph, dr.safest.edges)
             for dr in plan.ok]
    wgs84 = gpd.GeoSeries(lines, crs=demo_area.G.graph["crs"]).to_crs("EPSG:4326")
    assert all(hole.buffer(1e-6).covers(g) for g in wgs84)
    for dr in plan.unreachable:
        assert "avoids the --avoid zones" in dr.reason or "from the nearest" in dr.reason


def test_a_banned_place_as_big_as_the_world_bans_every_post(demo_area):
    import shapely

    from safepassage.pipeline import PlanRequest, plan_coverage

    request = PlanRequest.from_options(officers=2)
    ban = {"name": "everywhere", "geometry": shapely.box(-180, -90, 180, 90), "radius_m": 0.0}
    request = dataclasses.replace(
        request, coverage=dataclasses.replace(request.coverage, banned=(ban,)))
    shifts = plan_coverage(demo_area, request)
    plan = next(iter(shifts.plans.values()))
    assert plan.banned.size == len(plan.problem.candidates) > 0
    assert shifts.covered_pct == 0.0


def test_a_demo_cache_whose_provenance_is_null_is_rebuilt(tmp_path: Path, demo_cache: Path):
    import shutil

    from safepassage.source import Source, load_network

    cache = tmp_path / "cache"
    shutil.copytree(demo_cache / "demo-downtown-la", cache / "demo-downtown-la")
    (cache / "demo-downtown-la" / "provenance.json").write_text("null")
    G, _ = load_network(Source.demo(), cache_dir=cache)
    assert len(G) > 800
    meta = json.loads((cache / "demo-downtown-la" / "provenance.json").read_text())
    assert meta["provenance"]["source"] == "demo"


def test_site_names_in_any_script_get_their_own_folder_inside_the_root(tmp_path: Path):
    from safepassage.batch import sources_from_csv
    from safepassage.sites import is_slug

    sites = tmp_path / "sites.csv"
    sites.write_text("name,lat,lon\n"
                     "서울 초등학교,34.01,-118.20\n北京小学,34.02,-118.20\n"
                     "Երևանի դպրոց,34.03,-118.20\nمدرسة النور,34.04,-118.20\n"
                     "..,34.05,-118.20\n/etc/passwd,34.06,-118.20\n???,34.07,-118.20\n"
                     ",34.08,-118.20\n", encoding="utf-8")
    slugs = [s.site.slug for s in sources_from_csv(sites)]
    assert slugs[:4] == ["seoul-chodeunghaggyo", "beijingxiaoxue", "erevani-dprots",
                         "mdrsh-lnwr"]
    assert len(set(slugs)) == len(slugs)
    root = tmp_path / "maps"
    for slug in slugs:
        assert is_slug(slug) or slug.startswith("point_")
        assert (root / slug).resolve().parent == root.resolve()


def test_stdout_to_a_full_disk_is_exit_4_with_one_line():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with Path("/dev/full").open("w") as full:
        proc = subprocess.run([sys.executable, "-m", "safepassage.cli", "sites"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 4
    assert proc.stderr.splitlines() == [
        "error: cannot write to standard output: No space left on device"]
