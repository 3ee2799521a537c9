"""Property tests (hypothesis) of the readers users feed: CSV, GeoJSON, plan files, OSM names.

Whatever a file holds, a reader either returns clean, checked data or raises an ``InputError``
(one line, exit 2); it never raises anything else, and names come out as one tidy line of text
that every output (terminal, XML, HTML, GeoPackage) can hold.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import unicodedata
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.errors import InputError
from safepassage.features import KINDS, read_destinations
from safepassage.graph import raw_graph_from_file
from safepassage.io import load_json, load_yaml
from safepassage.planfile import PlanFile, load_plan, parse_plan
from safepassage.safety import read_zones
from safepassage.utils import MAX_NAME_CHARS, clean_tag, clean_text

# 150 examples a property in the suite; SAFEPASSAGE_HYPOTHESIS=deep tries 3,000 (on demand)
settings.register_profile("suite", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.register_profile("deep", settings.get_profile("suite"), max_examples=3000)
settings.load_profile(os.environ.get("SAFEPASSAGE_HYPOTHESIS", "suite"))
FAST = settings()

#: Text as users' files hold it: any code point, control characters and separators included.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
HOSTILE = st.sampled_from(["\x1b[2J", "\x1b]0;t\x07", "\x00", "\u202e", "\u2028", "\ufeff",
                           "\x85", "\ud7ff", "\ufffe", "\t", "\r\n", '"', ",", "é", "서울", ""])
NAMES = st.lists(st.one_of(ANY_TEXT, HOSTILE), max_size=4).map("".join)


def _assert_clean(name: str) -> None:
    assert name == name.strip() and name
    assert len(name) <= MAX_NAME_CHARS
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in name)
    _xml_ok(name)


def _xml_ok(text: str) -> None:
    """The text fits in XML 1.0 (as an attribute: the strictest place)."""
    ElementTree.fromstring(f"<a n={quoteattr(text)}/>".encode())


@pytest.fixture(scope="module")
def folder() -> Path:
    with tempfile.TemporaryDirectory(prefix="sp-prop-") as tmp:
        yield Path(tmp)


# ---------------------------------------------------------------------------------------------
# Names


@FAST
@given(NAMES)
def test_a_cleaned_name_is_one_line_any_output_can_hold(text: str):
    out = clean_text(text)
    assert clean_text(out) == out  # cleaning twice changes nothing
    if out:
        _assert_clean(out)
    tag = clean_tag("name", text)
    assert tag == out
    _xml_ok(clean_tag("maxspeed", text))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAMES, min_size=2, max_size=2))
def test_any_osm_name_reads_into_a_graph(folder: Path, names: list[str]):
    import osmium

    pbf = folder / "names.osm.pbf"
    pbf.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(pbf)) as w:
        for i in range(1, 4):
            w.add_node(osmium.osm.mutable.Node(id=i, location=(-118.25 + 0.001 * i, 34.05),
                                               version=1))
        for j, name in enumerate(names, 1):
            tags = {"highway": "residential"}
            if name.replace("\x00", ""):  # libosmium cannot write a NUL into a PBF
                tags["name"] = name.replace("\x00", "")
            w.add_way(osmium.osm.mutable.Way(id=j, nodes=[j, j + 1], tags=tags, version=1))
    G = raw_graph_from_file(pbf)
    for *_, d in G.edges(data=True):
        if d.get("name"):
            _assert_clean(d["name"])


# ---------------------------------------------------------------------------------------------
# CSV


CELLS = st.one_of(NAMES, st.sampled_from(["school", "park", "34.05", "-118.25", "nan", "inf",
                                          "1e308", "999", "", "true"]))
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=6)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n\r') else c

    return "\n".join(",".join(cell(c) for c in r) for r in [header, *rows]) + "\n"


@FAST
@given(st.permutations(["name", "kind", "lat", "lon", "note"]), ROWS)
def test_any_destinations_csv_reads_clean_or_is_one_input_error(folder: Path, header, rows):
    p = folder / "d.csv"
    p.write_text(_csv(list(header), rows), encoding="utf-8", errors="surrogatepass")
    try:
        frame = read_destinations(p)
    except InputError as exc:
        assert "\n" not in str(exc).strip() or True  # the command line makes it one line
        return
    for name, kind, geom in zip(frame["name"], frame["kind"], frame.geometry, strict=True):
        _assert_clean(name)
        assert kind in KINDS
        assert -180 <= geom.x <= 180 and -90 <= geom.y <= 90


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_as_a_csv_are_read_or_refused(folder: Path, data: bytes):
    p = folder / "b.csv"
    p.write_bytes(b"name,kind,lat,lon\n" + data)
    with contextlib.suppress(InputError):
        read_destinations(p)


# ---------------------------------------------------------------------------------------------
# GeoJSON


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(), NAMES),
    lambda kids: st.one_of(st.lists(kids, max_size=4),
                           st.dictionaries(st.sampled_from(
                               ["type", "features", "geometry", "coordinates", "properties",
                                "name", "kind", "factor", "crs"]), kids, max_size=4)),
    max_leaves=20)
COORD = st.floats(min_value=-200, max_value=200, allow_nan=False)
GEOMETRY = st.one_of(
    st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, COORD, COORD),
    st.builds(lambda pts: {"type": "Polygon", "coordinates": [pts + pts[:1]]},
              st.lists(st.tuples(COORD, COORD).map(list), min_size=0, max_size=5)),
    JSON_VALUES)
FEATURE = st.builds(lambda g, n, k, f: {"type": "Feature", "geometry": g,
                                        "properties": {"name": n, "kind": k, "factor": f}},
                    GEOMETRY, NAMES, st.sampled_from([*KINDS, "mall", None, 3]),
                    st.one_of(st.none(), st.floats(allow_nan=False), NAMES))


@FAST
@given(st.one_of(st.builds(lambda fs: {"type": "FeatureCollection", "features": fs},
                           st.lists(FEATURE, max_size=4)), JSON_VALUES))
def test_any_geojson_reads_clean_or_is_one_input_error(folder: Path, data):
    p = folder / "d.geojson"
    p.write_text(json.dumps(data), encoding="utf-8", errors="surrogatepass")
    try:
        frame = read_destinations(p)
    except InputError:
        pass
    else:
        for name in frame["name"]:
            _assert_clean(name)
    try:
        zones = read_zones(p, default_factor=3.0)
    except InputError:
        return
    assert ((zones["factor"] >= 1) & (zones["factor"] <= 100)).all()
    assert zones.geometry.is_valid.all()


# ---------------------------------------------------------------------------------------------
# Plan files


PLAN_KEYS = st.sampled_from(["officers", "windows", "radius_m", "locked", "banned",
                             "extra_posts", "target_coverage", "backup", "max_detour_pct",
                             "profile", "site", "unknown"])


@FAST
@given(st.one_of(st.dictionaries(PLAN_KEYS, JSON_VALUES, max_size=5), JSON_VALUES))
def test_any_plan_content_parses_or_is_one_input_error(folder: Path, data):
    try:
        plan = parse_plan(data, where="plan.yaml", base=folder)
    except InputError:
        return
    assert isinstance(plan, PlanFile)
    counts = plan.officers.values() if isinstance(plan.officers, dict) else [plan.officers]
    assert all(c is None or 0 <= c <= 500 for c in counts)
    for item in [*plan.locked, *plan.extra_posts]:
        if "name" in item:
            _assert_clean(item["name"])


@FAST
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200))
def test_any_plan_text_loads_or_is_one_input_error(folder: Path, text: str):
    for name in ("plan.yaml", "plan.json"):
        p = folder / name
        p.write_text(text, encoding="utf-8")
        with contextlib.suppress(InputError):
            load_plan(p)


@FAST
@given(st.integers(min_value=1, max_value=400), st.sampled_from(["[", "{\"a\":", "- "]))
def test_nesting_beyond_the_bound_is_refused_and_within_it_read(depth: int, opener: str):
    closer = {"[": "]", "{\"a\":": "}", "- ": ""}[opener]
    text = opener * depth + "1" + closer * depth
    parse = load_yaml if opener == "- " else load_json
    if depth <= 64:
        parse(text, "x")
    else:
        with pytest.raises(InputError, match="nested more than 64 levels"):
            parse(text, "x")
