"""Benchmark: reading a citywide LAPD crime export (one million rows) for one area.

Run from the repository root::

    python bench/bench_incidents.py              # 1,000,000 rows
    python bench/bench_incidents.py --copies 10  # 100,000 rows

The input is REPLICATED, NOT NEW DATA: the real 10,000-row sample of LAPD's "Crime Data from
2020 to Present" (../shared/geodata-sources/lapd/crime_data_2020_sample.csv) written 100 times
into one file of about 250 MB, the size of the citywide export. Every byte is the sample's,
except that each copy's ``DR_NO`` gets the copy number appended, so duplicate removal does not
shrink the work (each copy's rows are read, checked and kept like new ones).

Measured in a fresh process each (so peak memory is the reader's own): reading the file and
keeping the rows inside the downtown demo network's area (``IncidentFile.read`` with the area's
bounding box, as ``safepassage routes --demo --incidents FILE`` does), then weighing the kept
rows on the demo network for the evening window (``edge_risk``). Targets (issue 14): read and
filter under 30 s and under 2 GiB peak memory. Other jobs may share the machine; the figures
are from one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "geodata-sources" / "lapd" / "crime_data_2020_sample.csv"


def replicate(src: Path, dst: Path, copies: int) -> int:
    """Write ``copies`` copies of the sample's rows under its header; return the rows."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    with dst.open("w", encoding="utf-8") as fh:
        fh.write(header)
        for k in range(copies):
            if k == 0:
                fh.writelines(body)
                continue
            # DR_NO is the first column: append the copy number, keep everything else
            fh.writelines(f"{line[:line.index(',')]}{k:03d}{line[line.index(','):]}"
                          for line in body)
    return copies * len(body)


def peak_gib() -> float:
    """Peak resident memory of this process, GiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def worker(path: Path, cache: Path) -> None:
    """Read and filter, then weigh; print the figures as JSON (runs in a fresh process)."""
    from safepassage.incident_report import AREA_MARGIN_M, network_bbox
    from safepassage.incidents import open_incidents
    from safepassage.safety import edge_risk, load_profile, parse_window
    from safepassage.source import Source, load_area

    area = load_area(Source.demo(), cache_dir=cache)
    base = peak_gib()
    bbox = network_bbox(area.G, AREA_MARGIN_M)
    t0 = time.perf_counter()
    found = open_incidents(path).read(bbox)
    read_s = time.perf_counter() - t0
    read_peak = peak_gib()
    t1 = time.perf_counter()
    risk = edge_risk(area.G, load_profile("night"), parse_window("evening"), incidents=found)
    weigh_s = time.perf_counter() - t1
    use = risk.incidents
    assert use is not None
    print(json.dumps({
        "read_s": read_s, "weigh_s": weigh_s, "peak_before_gib": base, "peak_read_gib": read_peak,
        "peak_gib": peak_gib(), "read": found.read, "kept": len(found.frame),
        "skipped": dict(found.skipped), "used": len(use.used), "bbox": bbox,
    }))


def main() -> None:
    """Build the replicated file, run the worker in a fresh process, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=100, help="copies of the 10,000-row sample")
    ap.add_argument("--worker", nargs=2, metavar=("CSV", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(Path(args.worker[0]), Path(args.worker[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "crime_data_replicated.csv"
        t0 = time.perf_counter()
        rows = replicate(SAMPLE, big, args.copies)
        build_s = time.perf_counter() - t0
        size_mb = big.stat().st_size / 1e6
        proc = subprocess.run([sys.executable, __file__, "--worker", str(big), f"{tmp}/cache"],
                              check=True, capture_output=True, text=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"input: the real 10,000-row LAPD sample replicated {args.copies} times "
          f"(replicated, not new data): {rows:,} rows, {size_mb:,.0f} MB (written in "
          f"{build_s:.1f} s)")
    print("what                                          result")
    print("--------------------------------------------  ------------------------------")
    print(f"read + filter to the demo area                {r['read_s']:6.1f} s     target < 30 s "
          f"({'met' if r['read_s'] < 30 else 'MISSED'})")
    print(f"  rows read / kept in the area's box          {r['read']:,} / {r['kept']:,}")
    print(f"  skipped                                     {r['skipped']}")
    print(f"peak memory after reading                     {r['peak_read_gib']:6.2f} GiB   "
          f"target < 2 GiB ({'met' if r['peak_read_gib'] < 2 else 'MISSED'})")
    print(f"  of which before reading (Python, network)   {r['peak_before_gib']:6.2f} GiB")
    print(f"weigh on the demo network, evening window     {r['weigh_s']:6.1f} s     "
          f"{r['used']:,} incidents used")
    print(f"peak memory at the end                        {r['peak_gib']:6.2f} GiB")


if __name__ == "__main__":
    main()
