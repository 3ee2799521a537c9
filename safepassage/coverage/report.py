"""Reports: ``coverage.json``, ``posts.geojson`` and the printed summary.

``coverage.json`` holds every window's full result (posts, covered %, method, gap to the
bound, the bound, the uncovered stretches by street) and figures over all windows;
``posts.geojson`` one point per post and window. Both are written atomically.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import atomic_dir, atomic_write_bytes
from ..sites import Site
from .result import CoveragePlan, gaps_by_street
from .shifts import ShiftPlan

__all__ = ["coverage_json", "plan_dict", "posts_geojson", "summary_text", "write_coverage"]

#: A JSON document (``coverage.json`` and its parts).
JSONDict = dict[str, Any]


def _r(value: float, nd: int = 2) -> float | None:
    return round(float(value), nd) if math.isfinite(float(value)) else None


def plan_dict(cp: CoveragePlan) -> JSONDict:
    """One window's entry of ``coverage.json`` (``shifts[<window>]``)."""
    return {
        "window": cp.window.to_dict(),
        "hours": round(cp.hours, 2),
        "mode": cp.mode,
        "officers": cp.officers,
        "officers_requested": cp.officers_requested,
        "target_coverage": cp.target_coverage,
        "officer_hours": round(cp.officer_hours, 2),
        "covered_pct": round(cp.covered_pct, 2),
        "covered_weight": round(cp.covered_weight, 1),
        "total_weight": round(cp.total_weight, 1),
        "covered_length_m": round(cp.covered_length_m, 1),
        "corridor_length_m": round(cp.total_length_m, 1),
        "method": cp.method,
        "status": cp.status,
        "gap_pct": _r(cp.gap_pct),
        "upper_bound": _r(cp.upper_bound, 1),
        "upper_bound_pct": _r(cp.upper_bound_pct),
        "lower_bound": cp.lower_bound,
        "bound_kind": cp.bound_kind,
        "fallback_reason": cp.fallback_reason,
        "backup": cp.backup,
        "candidates": cp.problem.n_candidates,
        "corridor_segments": cp.problem.n_segments,
        "locked": [str(cp.problem.candidates["name"].iloc[i]) for i in cp.locked],
        "banned_places": cp.banned_places,
        "banned_candidates": int(cp.banned.size),
        "posts": [
            {"post": int(r.post), "id": r.post_id, "name": r.name, "lat": r.lat, "lon": r.lon,
             "node": _jsonable(r.node), "window": r.window,
             "demand_covered": round(float(r.demand_covered), 1),
             "covered_pct": round(float(r.covered_pct), 2), "locked": bool(r.locked),
             "source": r.source, "segments": list(r.segments)}
            for r in cp.posts.itertuples()
        ],
        "uncovered": [
            {"name": r.name, "length_m": round(float(r.length_m), 1), "demand": float(r.demand),
             "weight": round(float(r.weight), 1), "lat": float(r.lat), "lon": float(r.lon),
             "segments": list(r.segments)}
            for r in cp.uncovered.itertuples()
        ],
        "uncovered_by_street": [
            {"name": name, "length_m": round(length, 1), "demand_share": round(share, 4)}
            for name, length, share in gaps_by_street(cp)
        ],
        "notes": cp.notes,
        "solve_seconds": round(cp.solve_seconds, 3),
    }


def _jsonable(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def coverage_json(
    shifts: ShiftPlan,
    *,
    site: Site | Mapping[str, object] | None = None,
    source: str | None = None,
    timing: Mapping[str, float] | None = None,
) -> JSONDict:
    """The content of ``coverage.json``.

    Top-level figures sum over the windows (``officers`` is the largest number on duty at
    once, ``officer_hours`` the total); ``shifts`` holds each window's full result: posts,
    covered %, method, gap to the bound, the bound, and the uncovered stretches by street.

    Parameters
    ----------
    shifts : ShiftPlan
        The result of :func:`plan_shifts`.
    site : Site, optional
        Written as ``site`` (``to_dict()`` when it has one).
    source : str, optional
        Description of the data source.
    timing : mapping, optional
        Extra timings (seconds), merged with the shift plan's own.

    Returns
    -------
    dict
    """
    plans = list(shifts.plans.values())
    site_d = site.to_dict() if isinstance(site, Site) else site
    methods = sorted({cp.method for cp in plans})
    gaps = [cp.gap_pct for cp in plans if math.isfinite(cp.gap_pct)]
    uncovered = [
        {"window": cp.window.name, **u} for cp in plans for u in plan_dict(cp)["uncovered"]
    ]
    return {
        "format": "safepassage-coverage/1",
        "site": site_d,
        "source": source,
        "profile": shifts.profile,
        "profiles": shifts.profiles,
        "windows": [tw.name for tw in shifts.windows],
        "mode": plans[0].mode,
        "officers": max(cp.officers for cp in plans),
        "officers_by_window": {cp.window.name: cp.officers for cp in plans},
        "officers_requested_by_window": {cp.window.name: cp.officers_requested for cp in plans},
        "officer_hours": round(shifts.officer_hours, 2),
        "radius_m": shifts.radius_m,
        "covered_pct": round(shifts.covered_pct, 2),
        "method": methods[0] if len(methods) == 1 else "mixed",
        "gap_pct": round(max(gaps), 2) if gaps else None,
        "upper_bound": _r(sum(cp.upper_bound for cp in plans), 1),
        "upper_bound_pct": _r(100.0 * sum(min(cp.upper_bound, cp.total_weight) for cp in plans)
                              / shifts.total_weight if shifts.total_weight > 0 else 100.0),
        "covered_weight": round(shifts.covered_weight, 1),
        "total_weight": round(shifts.total_weight, 1),
        "weights": {k: dict(row) for k, row in shifts.weights.items()},
        "uncovered": uncovered,
        "posts": [p for cp in plans for p in plan_dict(cp)["posts"]],
        "shift_table": json.loads(shifts.table.to_json(orient="records")),
        "shifts": {cp.window.name: plan_dict(cp) for cp in plans},
        "notes": shifts.notes,
        "timing": {**shifts.timing, **dict(timing or {})},
    }


def posts_geojson(shifts: ShiftPlan) -> JSONDict:
    """``posts.geojson``: one WGS84 point per post and window.

    Properties: ``post`` (the number people see on the maps and handouts: one per place, the
    same in every window, see :func:`~.result.number_posts`), ``id`` ("P1", or "dismissal/P1"
    with several windows), ``name``, ``window``, ``demand_covered``, ``covered_pct`` (share of
    the window's total demand this post is credited with), ``locked``, ``lat``, ``lon``,
    ``hours`` (the window's length).
    """
    multi = len(shifts.plans) > 1
    feats = []
    for name, cp in shifts.plans.items():
        for r in cp.posts.itertuples():
            pid = f"{name}/{r.post_id}" if multi else str(r.post_id)
            feats.append({
                "type": "Feature",
                "id": pid,
                "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
                "properties": {
                    "post": int(r.post), "id": pid, "name": r.name, "window": name,
                    "demand_covered": round(float(r.demand_covered), 1),
                    "covered_pct": round(float(r.covered_pct), 2), "locked": bool(r.locked),
                    "lat": float(r.lat), "lon": float(r.lon), "hours": round(cp.hours, 2),
                },
            })
    return {"type": "FeatureCollection", "features": feats}


def write_coverage(
    folder: str | Path,
    shifts: ShiftPlan,
    *,
    site: Site | Mapping[str, object] | None = None,
    source: str | None = None,
    timing: Mapping[str, float] | None = None,
) -> list[Path]:
    """Write ``posts.geojson`` and ``coverage.json`` into ``folder``.

    Everything is serialised before anything is written. A new folder appears whole (built
    in a temporary sibling and renamed); in an existing folder (``maps/<site>/`` also holds
    other commands' output) each file is replaced atomically and nothing else is touched.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    files = {
        "posts.geojson": json.dumps(posts_geojson(shifts), indent=2, ensure_ascii=False),
        "coverage.json": json.dumps(coverage_json(shifts, site=site, source=source,
                                                  timing=timing),
                                    indent=2, ensure_ascii=False, default=_json_default),
    }
    data = {k: (v + "\n").encode("utf-8") for k, v in files.items()}
    if folder.exists() and not folder.is_dir():
        raise InputError(f"folder {folder} exists and is not a folder")
    if not folder.exists():
        with atomic_dir(folder) as tmp:
            for name, blob in data.items():
                atomic_write_bytes(tmp / name, blob)
    else:
        for name, blob in data.items():
            atomic_write_bytes(folder / name, blob)
    return [folder / k for k in data]


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)



# ---------------------------------------------------------------------------------------------
# The printed summary


def _headline(cp: CoveragePlan) -> str:
    """"dismissal (14:00-16:00): 4 officers cover 71.3 % of the walking demand on ..."."""
    gap = ("optimal" if cp.gap_pct == 0 else
           f"gap to bound {cp.gap_pct:.2f} %" if math.isfinite(cp.gap_pct) else "no bound")
    if cp.mode == "lscp":
        gap = (f"lower bound {cp.lower_bound} officers" if cp.lower_bound != cp.officers
               else "fewest possible")
    asked = (f" (of {cp.officers_requested} on duty)" if cp.officers_requested is not None
             and cp.officers_requested != cp.officers else "")
    head = (f"{cp.window.label()}: {cp.officers} officers{asked} cover "
            f"{cp.covered_pct:.1f} % of the walking demand on "
            f"{cp.total_length_m / 1000:.1f} km of Safe Passage corridor (radius "
            f"{cp.problem.radius_m:,.0f} m; {cp.method}, {gap}; "
            f"{cp.officer_hours:g} officer-hours)")
    if cp.mode == "lscp" and cp.target_coverage is not None:
        head += f" — target {100 * cp.target_coverage:.0f} %"
    return head


def _backup_line(cp: CoveragePlan) -> list[str]:
    """What backup coverage bought ("the busiest 20 % ... covered twice on 64 % of it")."""
    b = cp.backup
    if b is None:
        return []
    line = (f"  backup: the busiest {100 * b['top_share']:.0f} % of the demand is "
            f"covered twice on {b['busiest_pct_covered_twice']:.0f} % of it")
    plain = b.get("without_backup")
    if plain:
        line += (f" ({plain['busiest_pct_covered_twice']:.0f} % without backup); "
                 f"overall coverage {cp.covered_pct:.1f} % "
                 f"({plain['covered_pct']:.1f} % without backup)")
    return [line]


def _gap_lines(cp: CoveragePlan, top: int) -> list[str]:
    """The uncovered stretches, most demand first (the first ``top``, then a count)."""
    if not len(cp.uncovered):
        return []
    lines = ["  uncovered stretches (most demand first):"]
    for r in cp.uncovered.head(top).itertuples():
        lines.append(f"    {r.name}: {r.length_m:,.0f} m")
    if len(cp.uncovered) > top:
        rest = cp.uncovered.iloc[top:]
        lines.append(f"    … and {len(rest)} more ({rest['length_m'].sum():,.0f} m)")
    return lines


def _plan_lines(cp: CoveragePlan, top: int) -> list[str]:
    lines = [_headline(cp)]
    for r in cp.posts.itertuples():
        lock = "  [locked]" if r.locked else ""
        lines.append(f"  post {r.post:>2}  {r.name}  — {r.covered_pct:.1f} % of the demand "
                     f"({r.lat:.5f}, {r.lon:.5f}){lock}")
    lines += _backup_line(cp)
    lines += _gap_lines(cp, top)
    lines += [f"  note: {note}" for note in cp.notes]
    return lines


def summary_text(shifts: ShiftPlan, *, top: int = 5) -> str:
    """The printed summary: per window, officers, covered %, method, gap, posts and gaps.

    Every note of every window's plan (and the shift plan's own notes) is printed; with
    backup coverage, a line says what it bought.
    """
    lines = [line for cp in shifts.plans.values() for line in _plan_lines(cp, top)]
    if len(shifts.plans) > 1:
        lines.append(f"all windows: {shifts.covered_pct:.1f} % of the demand covered, "
                     f"{shifts.officer_hours:g} officer-hours")
    lines += [f"note: {note}" for note in shifts.notes]
    return "\n".join(lines)
