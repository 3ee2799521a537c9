"""Time OSRM (contraction hierarchies, Python bindings) on the same routes; run under Python 3.12.

``osrm-bindings`` ships wheels for CPython 3.12 only, so bench_routing.py runs this script in a
throwaway 3.12 virtualenv (git-ignored ``bench/.osrm-venv``) and reads one line of JSON back::

    python3.12 bench/osrm_time.py EXTRACT.osm.pbf WORKDIR POINTS.json [REPEAT]

POINTS.json holds ``{"origin": [lat, lon], "dests": [[lat, lon], ...]}``. The data are built
with OSRM's foot profile (``osrm-extract``, ``osrm-contract``) into WORKDIR once (OSRM cuts
its paths at the first dot: no dots in WORKDIR's folder names); the timing is
one ``Route`` request (with full GeoJSON geometry) per destination: best and median wall time and
best CPU time of the process over REPEAT runs.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def build(pbf: Path, work: Path) -> Path:
    """Extract and contract the extract with the foot profile (once per WORKDIR)."""
    import osrm

    base = work / (pbf.name.split(".")[0] + ".osrm")
    if (work / (base.name + ".hsgr")).exists():
        return base
    work.mkdir(parents=True, exist_ok=True)
    local = work / pbf.name
    shutil.copy(pbf, local)
    profile = Path(osrm.__file__).parent / "share" / "profiles" / "foot.lua"
    for cmd in (["extract", "-p", str(profile), str(local)], ["contract", str(base)]):
        subprocess.run([sys.executable, "-m", "osrm", *cmd], check=True, capture_output=True,
                       cwd=work)
    return base


def main() -> None:
    """Build, route, time, print JSON."""
    import osrm

    pbf, work, points = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    t0 = time.perf_counter()
    base = build(pbf, work)
    built = time.perf_counter() - t0
    engine = osrm.OSRM(storage_config=str(base), algorithm="CH", use_shared_memory=False)
    pts = json.loads(points.read_text())
    (olat, olon), dests = pts["origin"], pts["dests"]

    def run() -> int:
        ok = 0
        for lat, lon in dests:
            params = osrm.RouteParameters(coordinates=[(olon, olat), (lon, lat)],
                                          geometries="geojson", overview="full")
            result = engine.Route(params)
            ok += result["code"] == "Ok" and result["routes"][0]["distance"] >= 0
        return ok

    found = run()
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(json.dumps({"routes": found, "best_s": min(times), "median_s": statistics.median(times),
                      "best_cpu_s": min(cpu), "build_s": built}))


if __name__ == "__main__":
    main()
