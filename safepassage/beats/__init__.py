"""Footbeats: walking patrol loops that keep officers on the busiest stretches of the corridor.

A *beat* is a closed walk on the street network that starts and ends at an officer's post
(or at a start a planner gives), takes at most a number of minutes at the safety profile's
walking speed, and walks as much of the Safe Passage walking demand as it can: the demand
times the length of each corridor street it walks (:mod:`safepassage.coverage`), a street
walked twice counting once. Several officers' beats share the corridor: a street one walks
is worth nothing to the others, so they spread out. This is an orienteering (prize-collecting
loop) problem on the arcs of the network. The modules, in order:

1. :mod:`.walkgraph` — the window's directed edges as beats walk them (avoid zones closed),
   with unique shortest paths;
2. :mod:`.instance` — one problem: the corridor arcs officers can reach within the time, the
   shortest paths between their ends (batched, bounded Dijkstra with scipy);
3. :mod:`.search` — local search on one loop: cheapest insertion by worth per metre, 2-opt,
   relocation, dropping streets another officer walks, kicks;
4. :mod:`.solve` — every officer's loop together, grown a minute at a time with a deeper
   search every five minutes and handovers of streets between officers: **more minutes never
   walk less** of the corridor;
5. :mod:`.exact` — the exact optimum of small instances by brute force (the tests check the
   search's gap against it), and an upper bound for any instance;
6. :mod:`.options`, :mod:`.plan`, :mod:`.result` — :class:`BeatSettings`, :func:`plan_beats`
   (one window, from the coverage step's posts and corridor) and :func:`plan_shift_beats`
   (every window), :class:`BeatPlan` and :class:`Beat`;
7. :mod:`.report` — ``beats.geojson`` and ``beats.gpx`` (:func:`write_beats`), JSON figures
   and the printed summary.

In a notebook::

    from safepassage.coverage import CoverageSettings, RouteInputs, plan_shifts
    from safepassage.beats import BeatSettings, plan_shift_beats
    shifts = plan_shifts(RouteInputs.from_area(area), CoverageSettings(officers=6))
    beats = plan_shift_beats(area.G, shifts, BeatSettings(minutes=30))
"""

from __future__ import annotations

from .exact import EXACT_MAX_SEGMENTS, exact_worth, worth_bound
from .instance import BeatInstance, beat_instance
from .options import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    BeatSettings,
    StartSpec,
    beat_settings,
    check_minutes,
)
from .plan import beats_if_asked, plan_beats, plan_shift_beats
from .report import (
    beats_json,
    beats_table,
    summary_rows,
    summary_text,
    walked_text,
    write_beats,
)
from .result import Beat, BeatPlan, beats_frame, walked_corridor
from .solve import corridor_worth, solve_loops
from .walkgraph import BeatGraph, beat_graph

__all__ = [
    "DEFAULT_MINUTES",
    "EXACT_MAX_SEGMENTS",
    "MAX_MINUTES",
    "Beat",
    "BeatGraph",
    "BeatInstance",
    "BeatPlan",
    "BeatSettings",
    "StartSpec",
    "beat_graph",
    "beat_instance",
    "beat_settings",
    "beats_frame",
    "beats_if_asked",
    "beats_json",
    "beats_table",
    "check_minutes",
    "corridor_worth",
    "exact_worth",
    "plan_beats",
    "plan_shift_beats",
    "solve_loops",
    "summary_rows",
    "summary_text",
    "walked_corridor",
    "walked_text",
    "worth_bound",
    "write_beats",
]
