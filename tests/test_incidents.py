"""Incidents: LAPD's crime data as published, time of day, kind of crime, premises, concerns."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely

from safepassage.errors import InputError
from safepassage.incidents import (
    CLASSES,
    PREMISE_KINDS,
    SKIP_REASONS,
    classify,
    count_near,
    expand_codes,
    in_window,
    incident_weights,
    open_incidents,
    read_concerns,
    read_incidents,
)
from safepassage.safety import edge_risk, load_profile, parse_window

ROOT = Path(__file__).resolve().parent.parent
#: The real 10,000-row sample of LAPD's export (outside the repository).
SAMPLE = ROOT.parent / "shared" / "geodata-sources" / "lapd" / "crime_data_2020_sample.csv"
#: Its rows in and around the demo extract, shipped with the demo.
DEMO = ROOT / "geodata" / "demo" / "lapd_crime_2020_demo.csv"
#: The demo extract's bounding box (south, west, north, east), from the sources' README.
DEMO_BBOX = (34.0452, -118.2637, 34.0560, -118.2482)


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def minute_of(time_occ: str) -> int:
    """TIME OCC as the export writes it (HHMM, leading zeros optional) to minutes."""
    v = int(time_occ)
    return v // 100 * 60 + v % 100


@pytest.fixture(scope="module")
def sample() -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"the LAPD sample is not here: {SAMPLE}")
    return SAMPLE


def rewrite(tmp_path: Path, rows: list[dict[str, str]], fields: list[str], name: str = "x.csv",
            *, bom: bool = False, trailing_blank_column: bool = False) -> Path:
    p = tmp_path / name
    with p.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*fields, ""] if trailing_blank_column else fields)
        for r in rows:
            vals = [r[f.strip()] for f in fields]
            w.writerow([*vals, ""] if trailing_blank_column else vals)
    return p


# -- the LAPD export as published ------------------------------------------------------------


def test_the_real_sample_reads_as_published(sample: Path) -> None:
    s = read_incidents(sample)
    raw = raw_rows(sample)
    assert s.format == "LAPD export" and s.read == len(raw) == 10_000
    # 13 rows have LAT/LON 0: skipped and counted; DR_NO is unique in the sample
    assert s.skipped["no location"] == 13 and s.skipped["duplicate DR_NO"] == 0
    assert len(s.frame) == 10_000 - 13
    assert s.period == "every date in the file (2020-01-01 to 2020-12-31)"
    by_dr = {r["DR_NO"]: r for r in raw}
    # both DATE OCC forms are in the sample, and every date and time is read as written
    forms = Counter(len(r["DATE OCC"]) for r in raw)
    assert forms == {16: 4198, 22: 5802}
    for row in s.frame.itertuples():
        r = by_dr[row.dr_no]
        assert row.minute == minute_of(r["TIME OCC"])
        assert row.date.date() == dt.datetime.strptime(r["DATE OCC"][:10], "%m/%d/%Y").date()
        assert row.crime == r["Crm Cd Desc"] and row.premise == r["Premis Desc"]
    # the other columns are kept as attributes
    assert {"AREA NAME", "LOCATION", "Weapon Desc", "Mocodes"} <= set(s.frame.columns)


def test_reading_for_an_area_keeps_the_rows_inside_its_box(sample: Path) -> None:
    s = read_incidents(sample, bbox=DEMO_BBOX)
    assert len(s.frame) == 454  # the sources' README: 454 rows inside the demo extract
    assert s.read == 10_000 and s.skipped["outside the area"] == 10_000 - 13 - 454
    assert s.frame["lat"].between(DEMO_BBOX[0], DEMO_BBOX[2]).all()


def test_the_demo_ships_the_samples_rows_around_its_extract(sample: Path) -> None:
    shipped = DEMO.read_text(encoding="utf-8").splitlines()
    original = set(sample.read_text(encoding="utf-8").splitlines())
    assert shipped[0] == sample.read_text(encoding="utf-8").splitlines()[0]
    assert set(shipped) <= original  # byte for byte, nothing invented
    inside = read_incidents(sample, bbox=DEMO_BBOX)
    assert set(inside.frame["dr_no"]) <= set(read_incidents(DEMO).frame["dr_no"])


def test_header_quirks_times_without_zeros_and_both_date_forms(tmp_path: Path) -> None:
    rows = raw_rows(DEMO)[:60]
    fields = list(rows[0])
    for i, r in enumerate(rows):
        r["TIME OCC"] = str(int(r["TIME OCC"]))  # "0330" -> "330", "0001" -> "1"
        day = r["DATE OCC"][:10]
        r["DATE OCC"] = f"{day} 12:00:00 AM" if i % 2 else f"{day} 00:00"
    assert {len(r["TIME OCC"]) for r in rows} >= {2, 3, 4}
    # a byte-order mark, stray spaces in names, and a trailing column without a name
    odd = [f" {f} " if f in ("TIME OCC", "LAT") else f for f in fields]
    p = rewrite(tmp_path, rows, odd, bom=True, trailing_blank_column=True)
    s = read_incidents(p)
    assert s.format == "LAPD export" and len(s.frame) == 60
    assert list(s.frame["minute"]) == [minute_of(r["TIME OCC"]) for r in rows]
    assert list(s.frame["dr_no"]) == [r["DR_NO"] for r in rows]
    assert not any(c.startswith("_blank") or c == "" for c in s.frame.columns)


def test_missing_locations_and_repeated_dr_no(tmp_path: Path) -> None:
    rows = raw_rows(DEMO)[:20]
    fields = list(rows[0])
    extra = [dict(rows[0]), {**rows[1], "DR_NO": "1", "LAT": "0", "LON": "0"},
             {**rows[2], "DR_NO": "2", "LAT": "", "LON": ""}]
    s = read_incidents(rewrite(tmp_path, rows + extra, fields))
    assert s.read == 23 and len(s.frame) == 20
    assert s.skipped["duplicate DR_NO"] == 1 and s.skipped["no location"] == 2
    assert s.frame["dr_no"].is_unique


def test_a_csv_of_neither_format_says_which_columns_each_needs(tmp_path: Path) -> None:
    p = tmp_path / "odd.csv"
    p.write_text("id,latitude,longitude\n1,34.05,-118.25\n")
    with pytest.raises(InputError) as err:
        open_incidents(p)
    msg = str(err.value)
    assert "neither an LAPD crime data export" in msg
    assert "DR_NO, DATE OCC, TIME OCC, Crm Cd, LAT, LON" in msg and "lat,lon" in msg
    rows = raw_rows(DEMO)[:3]
    fields = [f for f in rows[0] if f != "TIME OCC"]
    with pytest.raises(InputError, match="looks like an LAPD crime data export but has no "
                       "TIME OCC column"):
        open_incidents(rewrite(tmp_path, rows, fields, "no_time.csv"))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("DATE OCC", "13/45/2020 00:00", "line 6: DATE OCC '13/45/2020 00:00' is not a date"),
        ("DATE OCC", "", "line 6: DATE OCC '' is not a date"),
        ("TIME OCC", "2460", "line 6: TIME OCC '2460' is not a time"),
        ("TIME OCC", "12:30", "line 6: TIME OCC '12:30' is not a time"),
        ("TIME OCC", "", "line 6: TIME OCC '' is not a time"),
        ("LAT", "north", "line 6: LAT 'north' is not a number"),
    ],
)
def test_unparseable_dates_and_times_name_the_line(tmp_path: Path, column: str, value: str,
                                                   message: str) -> None:
    rows = raw_rows(DEMO)[:10]
    rows[4][column] = value  # the fifth row is line 6 (the header is line 1)
    with pytest.raises(InputError, match=message):
        read_incidents(rewrite(tmp_path, rows, list(rows[0])))


def test_the_period_selects_by_occurrence_date(sample: Path) -> None:
    s = read_incidents(sample, since="2020-06-01", until="2020-06-30")
    days = s.frame["date"].dt.date
    assert len(s.frame) and days.min() >= dt.date(2020, 6, 1) and days.max() <= dt.date(2020, 6, 30)
    raw = [r for r in raw_rows(sample) if float(r["LAT"]) != 0]
    june = [r for r in raw if r["DATE OCC"].startswith("06/")]
    assert len(s.frame) == len(june)
    assert s.skipped["outside the period"] == len(raw) - len(june)
    assert s.period == "2020-06-01 to 2020-06-30"
    assert read_incidents(sample, since="2020-12-01").period == "2020-12-01 to the last date"
    with pytest.raises(InputError, match="since 2020-07-01 is after until 2020-06-30"):
        open_incidents(sample, since="2020-07-01", until="2020-06-30")
    with pytest.raises(InputError, match="bad date '06/30/2020' for until: use YYYY-MM-DD"):
        open_incidents(sample, until="06/30/2020")


# -- the simple formats keep working ---------------------------------------------------------


def test_simple_csv_and_geojson_points(tmp_path: Path) -> None:
    p = tmp_path / "inc.csv"
    p.write_text("lat,lon,datetime,category,weight\n"
                 "34.0500,-118.2540,2026-03-04T15:20,robbery,2\n"
                 "34.0501,-118.2541,2026-03-04 21:10,graffiti,\n"
                 "34.0502,-118.2542,,,0.5\n")
    s = read_incidents(p)
    assert s.format == "simple CSV" and s.read == 3
    assert list(s.frame["given_weight"]) == [2.0, 1.0, 0.5]
    assert list(s.frame["minute"]) == [15 * 60 + 20, 21 * 60 + 10, -1]
    g = tmp_path / "inc.geojson"
    g.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-118.254, 34.05]},
         "properties": {"datetime": "2026-03-04T07:45", "category": "violence", "weight": 3}}]}))
    gs = read_incidents(g)
    assert gs.format == "GeoJSON" and list(gs.frame["minute"]) == [7 * 60 + 45]
    prof = load_profile()
    classes, _ = classify(s.frame, prof.tables["incident_codes"],
                          prof.tables["incident_premise_codes"])
    # a category naming a class takes it; anything else keeps the file's own weight
    assert list(classes) == ["robbery", "unclassified", "unclassified"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("latitude,lon\n1,2\n", "neither an LAPD crime data export"),
        ("lat,lon\n34.05,west\n", "line 2: lat/lon must be numbers"),
        ("lat,lon\n95,-118\n", "line 2: coordinates 95.0, -118.0 out of range"),
        ("lat,lon,datetime\n34,-118,yesterday\n", "line 2: datetime 'yesterday' is not ISO"),
        ("lat,lon,weight\n34,-118,-1\n", "line 2: weight '-1' must be between 0 and 1000"),
        ("lat,lon,weight\n34,-118,1e308\n", "line 2: weight '1e308' must be between 0 and 1000"),
        ("lat,lon,weight\n34,-118,nan\n", "line 2: weight 'nan' must be between 0 and 1000"),
    ],
)
def test_malformed_simple_files_are_errors_before_any_slow_work(tmp_path: Path, text: str,
                                                                message: str) -> None:
    p = tmp_path / "inc.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        open_incidents(p)


# -- what counts on a street -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "klass"),
    [(110, "violence"), (624, "violence"), (626, "violence"), (930, "violence"),
     (210, "robbery"), (220, "robbery"), (753, "weapons"), (761, "weapons"), (251, "weapons"),
     (121, "sexual"), (860, "sexual"), (850, "sexual"), (352, "theft_person"),
     (350, "theft_person"), (330, "property"), (510, "property"), (740, "property"),
     (354, "fraud"), (662, "fraud"), (951, "fraud"), (888, "other"), (946, "other"),
     (845, "other")],
)
def test_crime_codes_fall_into_the_documented_classes(code: int, klass: str) -> None:
    assert load_profile().tables["incident_codes"].get(code, "other") == klass


@pytest.mark.parametrize(
    ("code", "kind"),
    [(101, "outdoors"), (102, "outdoors"), (103, "outdoors"), (108, "outdoors"),
     (109, "outdoors"), (124, "outdoors"), (122, "vehicle"), (501, "dwelling"),
     (502, "dwelling"), (140, "dwelling"), (702, "office"), (726, "office"), (404, "business"),
     (721, "school"), (750, "online"), (801, "transit"), (903, "transit")],
)
def test_premise_codes_fall_into_the_documented_kinds(code: int, kind: str) -> None:
    assert load_profile().tables["incident_premise_codes"][code] == kind


def test_every_class_and_premise_has_a_weight_in_every_profile() -> None:
    for name in ("default", "child", "night"):
        p = load_profile(name)
        assert set(p["incident_classes"]) == set(CLASSES) - {"unclassified"}
        assert set(p["incident_premises"]) == set(PREMISE_KINDS)
        assert set(p.tables["incident_codes"].values()) <= set(CLASSES)


def test_weights_fraud_nothing_persons_most_homes_less_than_streets() -> None:
    d = load_profile()
    cw, pf = d["incident_classes"], d["incident_premises"]
    assert cw["fraud"] == 0
    persons = min(cw["violence"], cw["robbery"], cw["sexual"])
    assert persons == max(cw.values())
    assert pf["dwelling"] < pf["outdoors"] and pf["office"] < pf["outdoors"]
    w = incident_weights(np.array(["violence", "violence", "fraud"], dtype=object),
                         np.array(["outdoors", "dwelling", "outdoors"], dtype=object),
                         np.ones(3), cw, pf)
    assert w[0] > w[1] > w[2] == 0
    child = load_profile("child")["incident_classes"]
    top = sorted(child, key=child.__getitem__, reverse=True)[:2]
    assert set(top) == {"sexual", "violence"}
    assert child["sexual"] > cw["sexual"] and child["violence"] > cw["violence"]


def test_a_profile_overrides_the_tables(tmp_path: Path) -> None:
    p = tmp_path / "mine.toml"
    p.write_text('[incident_codes]\n"354" = "property"\n"300-399" = "robbery"\n'
                 '[incident_premise_codes]\n501 = "outdoors"\n'
                 "[incident_premises]\ndwelling = 1.0\n")
    prof = load_profile(p)
    codes = prof.tables["incident_codes"]
    assert codes[330] == "robbery"  # the profile's range wins over the default's "310-331"
    assert codes[354] == "property"  # and inside the profile, the narrower entry wins
    assert codes[624] == "violence"  # untouched entries stay
    assert prof.tables["incident_premise_codes"][501] == "outdoors"
    assert prof["incident_premises"]["dwelling"] == 1.0
    bad = tmp_path / "bad.toml"
    bad.write_text('[incident_codes]\n"624" = "dangerous"\n')
    with pytest.raises(InputError, match=r"incident_codes.624 must be one of violence"):
        load_profile(bad)
    bad.write_text('[incident_codes]\n"six" = "violence"\n')
    with pytest.raises(InputError, match="'six' is not a code or a range"):
        load_profile(bad)
    with pytest.raises(InputError, match="ends before it starts"):
        expand_codes({"399-300": "robbery"})


def test_time_windows_wrap_past_midnight_and_unknown_times_always_count() -> None:
    m = np.array([-1, 0, 30, 23 * 60 + 30, 12 * 60])
    late = parse_window("22:00-01:00")
    assert list(in_window(m, late.start, late.minutes)) == [True, True, True, True, False]
    assert in_window(m, 0, 1440).all()


# -- incidents on the streets ----------------------------------------------------------------


def used_dr_nos(demo_area, path: Path, window: str) -> tuple[set[str], object]:
    tw = parse_window(window)
    prof = load_profile("night" if window == "evening" else "default")
    risk = edge_risk(demo_area.G, prof, tw, incidents=read_incidents(path))
    assert risk.incidents is not None
    return set(risk.incidents.used["dr_no"]), risk


@pytest.mark.parametrize("window", ["evening", "arrival"])
def test_the_window_uses_the_rows_the_file_dates_in_it(demo_area, window: str) -> None:
    used, risk = used_dr_nos(demo_area, DEMO, window)
    tw = parse_window(window)
    raw = {r["DR_NO"]: r for r in raw_rows(DEMO)}
    assert used, "the demo has incidents in this window"
    for dr in used:  # every incident used occurred in the window, by its TIME OCC
        assert tw.contains(minute_of(raw[dr]["TIME OCC"])), (dr, raw[dr]["TIME OCC"])
    # and every row the file puts in the window, on a street (within 20 m of an edge), with a
    # kind of crime that weighs, is used
    edges = shapely.STRtree([d["geometry"] for *_, d in demo_area.G.edges(data=True)])
    import geopandas as gpd

    codes = risk.profile.tables["incident_codes"]
    weighs = {k for k, v in risk.profile["incident_classes"].items() if v > 0}
    for dr, r in raw.items():
        if not tw.contains(minute_of(r["TIME OCC"])):
            assert dr not in used
            continue
        pt = gpd.GeoSeries.from_xy([float(r["LON"])], [float(r["LAT"])], crs="EPSG:4326")
        on_street = len(edges.query(pt.to_crs(demo_area.G.graph["crs"]).iloc[0],
                                    predicate="dwithin", distance=20.0)) > 0
        kind = risk.profile.tables["incident_premise_codes"].get(int(r["Premis Cd"] or -1))
        if on_street and codes.get(int(r["Crm Cd"]), "other") in weighs and kind != "online":
            assert dr in used, (dr, r["Crm Cd Desc"], r["TIME OCC"])


def test_evening_and_arrival_differ_and_counts_add_up(demo_area) -> None:
    evening, re = used_dr_nos(demo_area, DEMO, "evening")
    arrival, ra = used_dr_nos(demo_area, DEMO, "arrival")
    assert evening and arrival and not evening & arrival
    for risk in (re, ra):
        use = risk.incidents
        assert use.read == sum(use.skipped[k] for k in SKIP_REASONS) + len(use.used)
        assert use.read == len(raw_rows(DEMO))
        assert (use.used["weight"] > 0).all()
        assert set(use.used["crime_class"]) <= set(CLASSES)
    # more incidents in the evening than at 7 am, and they raise the edges' cost more
    assert len(evening) > len(arrival)
    assert re.table["incident_density"].sum() > ra.table["incident_density"].sum()


def test_fraud_weighs_nothing_on_a_street(demo_area, tmp_path: Path) -> None:
    rows = raw_rows(DEMO)
    _, risk = used_dr_nos(demo_area, DEMO, "evening")
    street = next(r for r in rows if r["Premis Desc"] == "SIDEWALK"
                  and r["DR_NO"] in set(risk.incidents.used["dr_no"]))
    fraud = {**street, "DR_NO": "9", "Crm Cd": "354", "Crm Cd Desc": "THEFT OF IDENTITY"}
    assault = {**street, "DR_NO": "8", "Crm Cd": "624", "Crm Cd Desc": "BATTERY"}
    home = {**assault, "DR_NO": "7", "Premis Cd": "501",
            "Premis Desc": "SINGLE FAMILY DWELLING"}
    fields = list(rows[0])
    risks = [edge_risk(demo_area.G, incidents=read_incidents(
        rewrite(tmp_path, [r], fields, f"{r['DR_NO']}.csv"))) for r in (fraud, assault, home)]
    density = [r.table["incident_density"].max() for r in risks]
    assert density[0] == 0 and risks[0].incidents.skipped["weighs nothing"] == 1
    assert density[1] > density[2] > 0  # on the sidewalk it counts more than inside a home
    assert list(risks[1].incidents.used["crime_class"]) == ["violence"]
    assert list(risks[2].incidents.used["premise_kind"]) == ["dwelling"]


def test_incidents_near_a_line_are_counted() -> None:
    line = shapely.LineString([(0, 0), (100, 0)])
    pts = np.array([shapely.Point(50, 10), shapely.Point(50, 49), shapely.Point(50, 51),
                    shapely.Point(200, 0)])
    assert count_near([line, None], pts, np.array([1.0, 0.5, 1.0, 1.0]), 50.0) == [
        (2, 1.5), (0, 0.0)]


# -- community concerns ----------------------------------------------------------------------


def test_concerns_from_csv_and_geojson(tmp_path: Path) -> None:
    c = tmp_path / "c.csv"
    c.write_text("lat,lon,note,weight\n34.05,-118.25,dark underpass <script>,2\n"
                 "34.051,-118.251,,\n")
    got = read_concerns(c)
    assert list(got["concern_id"]) == [1, 2] and list(got["weight"]) == [2.0, 1.0]
    assert got["note"].iloc[0] == "dark underpass <script>"  # kept as written, escaped later
    g = tmp_path / "c.geojson"
    g.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"note": "the lot"}, "geometry": {
            "type": "Polygon", "coordinates": [[[-118.255, 34.05], [-118.254, 34.05],
                                                [-118.254, 34.051], [-118.255, 34.05]]]}}]}))
    assert read_concerns(g).geometry.iloc[0].geom_type == "Polygon"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("c.csv", "latitude,lon\n1,2\n", "needs columns lat,lon"),
        ("c.csv", "lat,lon\n34,x\n", "line 2: lat/lon must be numbers"),
        ("c.csv", "lat,lon,weight\n34,-118,-2\n", "line 2: weight '-2' must be between 0 and"),
        ("c.csv", "lat,lon\n", "no concerns in the file"),
        ("c.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", '
         '"properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}'
         "]}", "concerns must be Points or Polygons"),
    ],
)
def test_bad_concerns_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        read_concerns(p)


def test_concerns_weigh_like_incidents_in_every_window(demo_area, tmp_path: Path) -> None:
    node = demo_area.G.nodes[demo_area.origin_node]
    c = tmp_path / "c.csv"
    c.write_text(f"lat,lon,note\n{node['lat']},{node['lon']},parents avoid this corner\n")
    found = read_incidents(DEMO)
    found.concerns = read_concerns(c)
    for window in ("arrival", "evening"):
        risk = edge_risk(demo_area.G, window=parse_window(window), incidents=found)
        assert risk.table["concern_density"].max() > 0.9  # a concern on the node: weight ~1
        assert list(risk.incidents.concerns["note"]) == ["parents avoid this corner"]
        assert risk.incidents.concerns_given == 1


# -- every command that takes --incidents ----------------------------------------------------


def test_coverage_writes_the_incidents_it_used_for_every_window(demo_cache, tmp_path: Path,
                                                                capsys) -> None:
    from safepassage.cli import main

    out = tmp_path / "cov"
    assert main(["coverage", "--demo", "-q", "--out", str(out), "--cache-dir", str(demo_cache),
                 "--incidents", str(DEMO), "--time-window", "arrival,evening",
                 "--officers", "2", "--since", "2020-03-01"]) == 0
    text = capsys.readouterr().out
    lines = [ln for ln in text.splitlines() if ln.startswith("incidents, ")]
    assert [ln.split("): ")[0] for ln in lines] == ["incidents, arrival (07:00-08:30",
                                                     "incidents, evening (18:00-22:00"]
    assert all("2020-03-01 to the last date" in ln and "outside the period" in ln
               for ln in lines)
    feats = json.loads((out / "incidents.geojson").read_text())["features"]
    windows = Counter(f["properties"]["window"] for f in feats)
    assert set(windows) == {"arrival (07:00-08:30)", "evening (18:00-22:00)"}
    assert all(f["properties"]["date"] >= "2020-03-01" for f in feats)
    assert "wrote " + str(out / "incidents.geojson") in text


def test_a_time_with_a_zone_is_read_as_los_angeles_time_and_a_date_alone_as_no_time(
        tmp_path: Path):
    p = tmp_path / "inc.csv"
    p.write_text("lat,lon,datetime\n"
                 "34.05,-118.25,2026-03-04T15:20:00Z\n"      # 07:20 in Los Angeles
                 "34.05,-118.25,2026-07-04T15:20:00+00:00\n"  # summer time: 08:20
                 "34.05,-118.25,2026-03-04\n"                 # no time of day, not midnight
                 "34.05,-118.25,2026-03-04T15:20\n")          # local time as given
    s = read_incidents(p)
    assert list(s.frame["minute"]) == [7 * 60 + 20, 8 * 60 + 20, -1, 15 * 60 + 20]
    assert s.notes == [
        "2 of the incident times had a time zone: converted to Los Angeles time",
        "1 of the incidents have a date but no time of day: they count in every time window"]
