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
    build_test_extracts()
    print(f"sites: {len(anchors)}, metro stops kept: {n}")
