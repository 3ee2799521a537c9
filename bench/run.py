"""Run every benchmark in one go and print their tables (about 5 minutes on 2 cores).

Usage, from the repository root::

    python bench/run.py            # everything
    python bench/run.py --quick    # smaller city, fewer trees

Each part measures its comparisons side by side in the same run and prints ratios:

* the demo plan from the shell (``safepassage demo``, start-up included) and per step;
* loading and routing (bench_routing.py): routes to 40 destinations against OSRM, plain scipy
  and networkx per pair, with the split by phase, on the demo and Helsinki;
* coverage (bench_coverage.py): exact MCLP against greedy on ~500 candidates x 2,000 edges;
* re-planning (bench_replan.py): a window's problem built once against re-solving per click;
* walking beats (bench_beats.py): 6 officers x 30 minutes on the demo and Helsinki;
* the planner workspace (bench_workspace.py): a re-solve after one change, through its API;
* rendering (bench_render.py): maps and handouts, time and size;
* city scale (bench_city.py): ~300,000 nodes, 1,000 trees, peak memory;
* incidents (bench_incidents.py): a one-million-row LAPD export (the real sample replicated)
  read and filtered to an area, time and peak memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def demo_plan() -> None:
    """Time ``safepassage demo`` as a user runs it, and show its own per-step timings."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "safepassage.cli", "demo", "-q", "--out", f"{tmp}/demo",
               "--cache-dir", f"{tmp}/cache"]
        cold = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        cold = time.perf_counter() - cold
        warm = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        warm = time.perf_counter() - warm
        doc = json.loads(Path(f"{tmp}/demo/plan.json").read_text())
    print("what                                   seconds")
    print("-------------------------------------  -------")
    print(f"safepassage demo, first run (no cache)  {cold:7.2f}")
    print(f"safepassage demo, cached network        {warm:7.2f}   target < 15 s")
    for step, secs in doc["timing_s"].items():
        print(f"  {step:<37}{secs:7.2f}")


def main() -> None:
    """Run each benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    parts = [
        ("Demo plan, end to end", None),
        ("Loading and routing", ["bench_routing.py"]),
        ("Officer coverage: exact against greedy", ["bench_coverage.py"]),
        ("Officer coverage: build once, re-solve per click", ["bench_replan.py"]),
        ("Walking beats: 6 officers x 30 minutes", ["bench_beats.py"]),
        ("Planner workspace: re-solve after one change", ["bench_workspace.py", "--helsinki"]),
        ("Rendering maps and handouts", ["bench_render.py"]),
        ("City scale", ["bench_city.py", *(["--tiles", "4", "--trees", "200"]
                                           if args.quick else [])]),
        ("Incidents: a citywide LAPD export", ["bench_incidents.py",
                                               *(["--copies", "10"] if args.quick else [])]),
    ]
    for title, script in parts:
        print(f"\n== {title} ==", flush=True)
        if script is None:
            demo_plan()
            continue
        subprocess.run([sys.executable, str(HERE / script[0]), *script[1:]], check=True)


if __name__ == "__main__":
    main()
