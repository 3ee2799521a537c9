"""Copy and trim the real source data in ../shared/geodata-sources into geodata/.

Run once from the repository root (``python tools/prepare_geodata.py``); the outputs are
committed. Nothing here is invented: every row comes from a source file, and approximate
coordinates stay labelled approximate.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "geodata-sources"
OUT = ROOT / "geodata"

#: Metro stops are kept within this distance of a CSP site or the demo area (metres).
KEEP_WITHIN_M = 3000.0

#: The demo extract's bounding box (from the source README).
DEMO_BBOX = (34.0452, -118.2637, 34.0560, -118.2482)


def slugify(name: str) -> str:
    """Lower-case, hyphen-separated slug of a site name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


#: LAPD crime data sample (City of Los Angeles open data, "Crime Data from 2020 to Present").
CRIME_SAMPLE = "lapd/crime_data_2020_sample.csv"

#: Sites planned but not yet served by a CSP team. Their points come from public records
#: named here and are as approximate as the ten sites'.
PLANNED_SITES = [
    {
        "name": "Algin Sutton",
        "reference_address": "Algin Sutton Recreation Center, 8800 S Hoover St, "
                             "Los Angeles, CA 90044",
        # LAPD geocodes the rows of its crime data at "8800 S HOOVER ST" (the centre's address;
        # premises PARK/PLAYGROUND and PARKING LOT) to two points on that hundred block:
        # 33.9580,-118.2869 (DR_NO 201812015, 201811299) and 33.9551,-118.2870 (DR_NO
        # 201820612, 201822436, 201822440). The site point is their midpoint; they lie 320 m
        # apart along Hoover St, so it is good to about +-300 m, like the other sites.
        "lapd_points": [(33.9580, -118.2869), (33.9551, -118.2870)],
        "accuracy": "approximate (+-300 m), not surveyed: midpoint of LAPD's two geocodes of "
                    "8800 S Hoover St in its 2020 crime data",
        "status": "community assessment and safety surveys funded to set up a CSP "
                  "team; not yet a CSP site",
    },
]


def _ring_contains(ring: list[list[float]], x: float, y: float) -> bool:
    """Even-odd rule: whether (x, y) lies inside a closed ring of [lon, lat] points."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def lapd_area(kind: str, lat: float, lon: float) -> str:
    """The LAPD division ("divisions") or Basic Car area ("basic-car-areas") at a point.

    Read from the boundary files in the sources' lapd/ folder.
    """
    data = json.loads((SRC / "lapd" / f"lapd-{kind}.geojson").read_text())
    for f in data["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for poly in polys:
            if _ring_contains(poly[0], lon, lat) and not any(
                    _ring_contains(hole, lon, lat) for hole in poly[1:]):
                return str(f["properties"]["name"])
    raise SystemExit(f"no LAPD {kind} contains {lat}, {lon}")


def planned_features() -> list[dict[str, object]]:
    """Catalogue features of the planned sites, LAPD areas computed from the boundaries."""
    out = []
    for p in PLANNED_SITES:
        pts = p["lapd_points"]
        lat = round(sum(a for a, _ in pts) / len(pts), 5)
        lon = round(sum(b for _, b in pts) / len(pts), 5)
        out.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "name": p["name"], "slug": slugify(str(p["name"])),
                "reference_address": p["reference_address"],
                "lapd_division": lapd_area("divisions", lat, lon),
                "lapd_basic_car": lapd_area("basic-car-areas", lat, lon),
                "accuracy": p["accuracy"], "approximate": True, "planned": True,
                "status": p["status"],
            },
        })
    return out


def build_sites() -> list[tuple[float, float]]:
    """Write geodata/csp_sites.geojson and return the site points (lat, lon)."""
    src = json.loads((SRC / "csp-sites" / "csp_sites_approx.geojson").read_text())
    features = []
    points = []
    for f in src["features"]:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        points.append((lat, lon))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": p["name"],
                    "slug": slugify(p["name"]),
                    "reference_address": p["reference_address"],
                    "lapd_division": p["lapd_division"],
                    "lapd_basic_car": p["lapd_basic_car"],
                    "accuracy": p["accuracy"],
                    "approximate": True,
                },
            }
        )
    out = {
        "type": "FeatureCollection",
        "name": "csp_sites",
        "source": "derived from ../shared/geodata-sources/csp-sites/csp_sites_approx.geojson; "
        "points APPROXIMATE (about +-300 m), estimated from housing-authority addresses and "
        "nearby bus-stop intersections, not surveyed",
        "features": features,
    }
    planned = planned_features()
    out["features"] += planned
    out["source"] += ("; planned sites (\"planned\": true) from public records named in "
                      "tools/prepare_geodata.py, their LAPD division and Basic Car area computed "
                      "from ../shared/geodata-sources/lapd/ boundaries")
    points += [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
               for f in planned]
    (OUT / "csp_sites.geojson").write_text(json.dumps(out, indent=1) + "\n")
    return points


def near(lat: float, lon: float, anchors: list[tuple[float, float]]) -> bool:
    """True if the point lies within KEEP_WITHIN_M of an anchor or inside the demo area."""
    s, w, n, e = DEMO_BBOX
    if s - 0.02 <= lat <= n + 0.02 and w - 0.02 <= lon <= e + 0.02:
        return True
    return any(haversine_m(lat, lon, a, b) <= KEEP_WITHIN_M for a, b in anchors)


def build_metro(anchors: list[tuple[float, float]]) -> int:
    """Write geodata/la_metro_stops.csv (bus and rail stops near the sites); return rows."""
    rows = []
    with (SRC / "la-metro" / "bus_stops.txt").open(newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            lat, lon = float(r["stop_lat"]), float(r["stop_lon"])
            if near(lat, lon, anchors):
                rows.append(
                    {"stop_id": f"bus:{r['stop_id'].strip()}", "name": r["stop_name"].strip(),
                     "mode": "bus", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
                )
    with zipfile.ZipFile(SRC / "la-metro" / "gtfs_rail.zip") as z:
        text = z.read("stops.txt").decode("utf-8-sig")
    for r in csv.DictReader(io.StringIO(text)):
        # Platforms (location_type 0) are where people board; stations (1) are their parents.
        if r.get("location_type", "0").strip() not in ("", "0"):
            continue
        lat, lon = float(r["stop_lat"]), float(r["stop_lon"])
        if near(lat, lon, anchors):
            rows.append(
                {"stop_id": f"rail:{r['stop_id'].strip()}", "name": r["stop_name"].strip(),
                 "mode": "rail", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
            )
    with (OUT / "la_metro_stops.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["stop_id", "name", "mode", "lat", "lon"])
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def build_demo() -> None:
    """Copy the downtown LA extract and its approximate destinations into geodata/demo/."""
    d = OUT / "demo"
    d.mkdir(parents=True, exist_ok=True)
    src = SRC / "la-financial-district"
    shutil.copyfile(src / "Financial_District.osm.pbf", d / "financial_district.osm.pbf")
    shutil.copyfile(src / "destinations_approx.csv", d / "destinations_approx.csv")


#: Incidents this far outside the demo extract (metres) still weigh on its edge streets (the
#: profiles' incident bandwidth is 100 m): the demo's file keeps them too.
DEMO_INCIDENT_MARGIN_M = 200.0


def build_demo_incidents() -> int:
    """Copy the LAPD sample's rows in and around the demo extract, byte for byte; return rows."""
    dlat = DEMO_INCIDENT_MARGIN_M / 111_320.0
    dlon = dlat / math.cos(math.radians((DEMO_BBOX[0] + DEMO_BBOX[2]) / 2))
    s, w, n, e = (DEMO_BBOX[0] - dlat, DEMO_BBOX[1] - dlon, DEMO_BBOX[2] + dlat,
                  DEMO_BBOX[3] + dlon)
    with (SRC / CRIME_SAMPLE).open(newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    i_lat, i_lon = header.index("LAT"), header.index("LON")
    keep = [lines[0]]
    for line in lines[1:]:
        row = next(csv.reader([line]))
        lat, lon = float(row[i_lat]), float(row[i_lon])
        if s <= lat <= n and w <= lon <= e:
            keep.append(line)
    (OUT / "demo" / "lapd_crime_2020_demo.csv").write_text("".join(keep), encoding="utf-8")
    return len(keep) - 1


def build_test_extracts() -> None:
    """Copy the small West Oakland extract used by the tests."""
    d = OUT / "test"
    d.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SRC / "west-oakland" / "West-Oakland.osm.bz2", d / "west_oakland.osm.bz2")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    anchors = build_sites()
    n = build_metro(anchors)
    build_demo()
    rows = build_demo_incidents()
    build_test_extracts()
    print(f"sites: {len(anchors)}, metro stops kept: {n}, demo LAPD incidents: {rows}")
