"""Benchmark the rendered outputs on the demo: officer map, planner map, handouts (EN + ES).

Run ``python bench/bench_render.py`` (``--help`` for options). The demo area is loaded and
routed once; the officers are planned with :mod:`safepassage.coverage` (per shift window for
the officer map and the handouts, the dismissal window with ``--officers`` and one officer fewer
for the planner map's comparison). Each output is then written ``--repeat`` times; the table
shows the best and median wall time and the file size. With ``--pdf`` (and Chromium installed)
the handouts are printed too: all at once with one and with two browsers, and one on its own.
Nothing is written outside a temporary folder unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safepassage import chromium, coverage, handouts, maps
from safepassage.pipeline import compute_routes, routes_frame
from safepassage.source import Source, load_area


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Run ``fn`` ``repeat`` times; return the wall times and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def size_of(paths: Any) -> int:
    items = paths if isinstance(paths, list | tuple) else [paths]
    return sum(Path(p).stat().st_size for p in items)


def print_pdfs(pages: list[Path]) -> None:
    """Time printing every handout (one browser, then two side by side) and one on its own."""
    from pypdf import PdfReader

    print()
    for workers in (1, 2):
        t0 = time.perf_counter()
        pdfs = handouts.write_handout_pdfs(pages, workers=workers)
        dt = time.perf_counter() - t0
        sheets = sum(len(PdfReader(str(p)).pages) for p in pdfs)
        size = sum(p.stat().st_size for p in pdfs) / 1024
        print(f"PDF, {len(pdfs)} handouts with {workers} browser(s): {dt:.1f} s "
              f"({dt / len(pdfs):.2f} s each), {sheets} pages, {size:.0f} KB")
    t0 = time.perf_counter()
    handouts.write_handout_pdf(pages[0])
    print(f"PDF, one handout on its own (browser start included): "
          f"{time.perf_counter() - t0:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per output (default 3)")
    parser.add_argument("--officers", type=int, default=3,
                        help="officers per window (default 3)")
    parser.add_argument("--kinds", default="school",
                        help="comma-separated destination kinds for handouts (default school)")
    parser.add_argument("--pdf", action="store_true", help="print the handouts with Chromium")
    parser.add_argument("--out", type=Path, help="keep the outputs in this folder")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    area = load_area(Source.demo())
    plan = compute_routes(area)
    frame = routes_frame(area, plan)
    t_routes = time.perf_counter() - t0
    t0 = time.perf_counter()
    shifts = coverage.plan_shifts(coverage.RouteInputs.from_area(area),
                                   coverage.CoverageSettings(officers=args.officers))
    problem = coverage.coverage_problem(area.G, plan, "dismissal")
    plan_a = coverage.plan_posts(problem, args.officers)
    plan_b = coverage.plan_posts(problem, max(args.officers - 1, 0))
    t_cover = time.perf_counter() - t0
    safest = int((frame["role"] == "safest").sum())
    print(f"demo: {area.G.number_of_nodes()} nodes, {area.G.number_of_edges()} edges, "
          f"{safest} safe routes, {len(problem.segments)} corridor segments; "
          f"routes {t_routes:.2f} s, coverage {t_cover:.2f} s")

    with tempfile.TemporaryDirectory(prefix="sp-bench-render-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
        jobs: list[tuple[str, Callable[[], Any]]] = [
            # the views of the coverage results are built inside each timed job, as the
            # pipeline builds them for each output
            ("officer map", lambda: maps.write_officer_map(
                out / "officer_map.html", area, frame, maps.shift_views(shifts))),
            ("planner map (A vs B)", lambda: maps.write_planner_map(
                out / "planner_map.html", area, frame,
                maps.CoverageView.from_plan(plan_a, label=f"{args.officers} officers"),
                maps.CoverageView.from_plan(
                    plan_b, label=f"{max(args.officers - 1, 0)} officers"))),
            ("handouts EN", lambda: handouts.write_handouts(
                out / "handouts", area, frame, maps.shift_views(shifts), kinds=kinds,
                langs=("en",))),
            ("handouts ES", lambda: handouts.write_handouts(
                out / "handouts", area, frame, maps.shift_views(shifts), kinds=kinds,
                langs=("es",))),
        ]
        rows = []
        written: dict[str, Any] = {}
        for name, fn in jobs:
            times, result = timed(fn, args.repeat)
            written[name] = result
            files = len(result) if isinstance(result, list) else 1
            rows.append((name, files, min(times), statistics.median(times), size_of(result)))
        links = {
            "Officer map": written["officer map"],
            "Planner map": written["planner map (A vs B)"],
            **{p.name: p for p in written["handouts EN"] + written["handouts ES"]},
        }
        summary = {"safe routes": safest, "covered (dismissal)": plan_a.covered_pct}
        times, index = timed(lambda: maps.write_index(out, links, area.site, summary),
                             args.repeat)
        rows.append(("index", 1, min(times), statistics.median(times), size_of(index)))

        print()
        print(f"{'output':<22} {'files':>5} {'best s':>8} {'median s':>9} {'size KB':>9}")
        print("-" * 57)
        for name, files, best, med, size in rows:
            print(f"{name:<22} {files:>5} {best:>8.3f} {med:>9.3f} {size / 1024:>9.0f}")

        if args.pdf:
            if chromium.find_chromium() is None:
                print(f"\nPDF skipped: {chromium.MISSING_MESSAGE}")
            else:
                print_pdfs(written["handouts EN"] + written["handouts ES"])
        if args.out:
            print(f"\noutputs in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
