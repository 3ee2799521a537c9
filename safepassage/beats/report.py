"""Beats on disk and on screen: ``beats.geojson``, ``beats.gpx``, JSON figures, a summary.

``beats.geojson`` holds one closed LineString per beat (every window), with the columns of
:func:`~.result.beats_frame`; ``beats.gpx`` one track per beat for officers' phones, and a
waypoint where each starts. Both are written atomically (:mod:`safepassage.io`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..io import write_geojson, write_gpx
from .result import BeatPlan, beats_frame

__all__ = ["beats_json", "beats_table", "summary_rows", "summary_text", "walked_text",
           "write_beats"]


def _window_text(plan: BeatPlan) -> str:
    return plan.window.label()


def beats_table(plans: Sequence[BeatPlan], *, units: str = "imperial") -> pd.DataFrame:
    """Every window's beats in one WGS84 table (:func:`~.result.beats_frame`'s columns).

    Raises
    ------
    InputError
        When ``plans`` is empty.
    """
    if not plans:
        raise InputError("there are no beats to write")
    return pd.concat([beats_frame(p, units=units) for p in plans], ignore_index=True)


def write_beats(out_dir: str | Path, plans: Sequence[BeatPlan], *, units: str = "imperial",
                title: str = "Safe Passages") -> dict[str, Path]:
    """Write ``beats.geojson`` and ``beats.gpx`` for every window's beats.

    Parameters
    ----------
    out_dir : str or Path
        The folder (created if missing).
    plans : sequence of BeatPlan
        One per window.
    units : {"imperial", "metric"}
        Distances in the directions.
    title : str
        The GPX file's name ("Safe Passages: <site>").

    Returns
    -------
    dict of str to Path
        ``{"beats.geojson": path, "beats.gpx": path}``.

    Raises
    ------
    InputError
        When ``plans`` is empty.
    """
    out = Path(out_dir)
    frame = beats_table(plans, units=units)
    paths = {"beats.geojson": write_geojson(frame, out / "beats.geojson")}
    tracks: list[tuple[str, str, list[tuple[float, float]]]] = []
    waypoints: list[tuple[str, str, float, float]] = []
    for plan in plans:
        for b in plan.beats:
            if not b.edges:
                continue
            row = frame[(frame["window"] == plan.window.name) & (frame["beat"] == b.number)]
            line = row.geometry.iloc[0]
            name = f"Beat {b.number}, {plan.window.name}: {b.start_name}"
            desc = (f"{_window_text(plan)}; {b.summary('en', units)}; starts and ends at "
                    f"{b.start_name}" + (f" (post {b.post_id})" if b.post_id else "")
                    + f"; walks {b.covered_pct:.1f} % of the walking demand")
            tracks.append((name, desc, [(lat, lon) for lon, lat in line.coords]))
            waypoints.append((f"Start of beat {b.number} ({plan.window.name})", b.start_name,
                              b.start_lat, b.start_lon))
    paths["beats.gpx"] = write_gpx(out / "beats.gpx", tracks, waypoints,
                                   name=f"{title}: beats")
    return paths


def beats_json(plans: Sequence[BeatPlan]) -> list[dict[str, Any]]:
    """The figures of every window's beats, for ``plan.json`` (no lines, no directions)."""
    out = []
    for p in plans:
        out.append({
            "window": p.window.to_dict(), "minutes": p.minutes,
            "speed_m_per_min": p.speed_m_per_min, "profile": p.profile,
            "covered_pct": round(p.covered_pct, 2),
            "posts_covered_pct": None if p.posts_covered_pct is None
            else round(p.posts_covered_pct, 2),
            "exact_pct": None if p.exact_pct is None else round(p.exact_pct, 2),
            "gap_pct": None if p.gap_pct is None else round(p.gap_pct, 2),
            "bound_pct": round(p.bound_pct, 2),
            "seconds": round(p.solve_seconds, 3), "notes": list(p.notes),
            "beats": [{"beat": b.number, "post": b.post_id, "start": b.start_name,
                       "start_lat": round(b.start_lat, 6), "start_lon": round(b.start_lon, 6),
                       "length_m": round(b.length_m, 1), "minutes": round(b.minutes, 1),
                       "covered_pct": round(b.covered_pct, 2),
                       "shared_pct": round(b.shared_pct, 2), "segments": b.segments,
                       **{k: v for k, v in b.metrics.items() if k != "walk_min"}}
                      for b in p.beats],
        })
    return out


def summary_rows(plans: Sequence[BeatPlan]) -> list[tuple[object, ...]]:
    """Rows of the printed table (header first): one per beat."""
    rows: list[tuple[object, ...]] = [("Window", "Beat", "Starts at", "Minutes", "Metres",
                                       "Walks", "Shared")]
    for p in plans:
        for b in p.beats:
            start = b.start_name if len(b.start_name) <= 44 else b.start_name[:43] + "…"
            rows.append((p.window.name, b.number, start, f"{b.minutes:.1f}",
                         f"{b.length_m:,.0f}", f"{b.covered_pct:.1f} %",
                         f"{b.shared_pct:.0f} %"))
    return rows


def summary_text(plans: Sequence[BeatPlan]) -> str:
    """What the beats walk, per window, how good that is, and the notes."""
    lines = []
    for p in plans:
        lines.append(p.summary() + ".")
        if p.exact_pct is None and p.bound_pct < 99.95:
            lines.append(f"  (no loops of {p.minutes} min could walk more than "
                         f"{p.bound_pct:.1f} %: each walks at most its own length of corridor)")
        lines.extend(f"note: {n}" for n in p.notes)
    return "\n".join(lines)


def walked_text(plans: Sequence[BeatPlan]) -> str:
    """The share walked per window, in one line: "dismissal: 93.1 %, evening: 88.0 %"."""
    return ", ".join(f"{p.window.name}: {p.covered_pct:.1f} %" for p in plans)
