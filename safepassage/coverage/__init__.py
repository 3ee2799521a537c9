"""Officer coverage: walking demand on the Safe Passage corridor and where to post officers.

The steps, each in a module of its own:

1. :func:`corridor_demand` (:mod:`.demand`) — every destination's *safest* route adds the
   destination's weight (by kind and time window, :data:`DEFAULT_WEIGHTS`) to each street
   segment it walks. Both directions of a street are one segment (:mod:`.network`), so
   demand from both directions adds up. The segments with demand are the Safe Passage
   *corridor*.
2. :func:`coverage_problem` (:mod:`.problem`) — candidate posts (:mod:`.candidates`:
   intersections on or within ``near_m`` of walking of the corridor, the destinations' nodes,
   where the routes start, every corridor node where the corridor ends or branches, the ends
   of long segments, and points a planner adds) with display names such as "Grand Avenue &
   5th Street" (:mod:`.names`), and the coverage matrix (:mod:`.pieces`). Segments longer
   than :data:`PIECE_M` (100 m) are cut into equal pieces; a post covers a piece when the
   piece's midpoint is within the walking radius. Every piece can be covered by some
   candidate. This is the expensive step; cache its result per window.
3. :func:`plan_posts` (:mod:`.choose`) — maximal covering (MCLP) for a number of officers, or
   the fewest officers for a target share (LSCP), with locked posts, banned places
   (:mod:`.rules`) and backup coverage, solved by :mod:`safepassage.locate` (CBC, with a
   greedy fallback that reports its gap to the bound). Officers who would add nothing are not
   placed. The result is a :class:`CoveragePlan` (:mod:`.result`). This is the cheap step a
   live planner repeats after every click; :func:`add_posts` adds candidates to a built
   problem without rebuilding it.
4. :func:`plan_shifts` (:mod:`.shifts`) — the same per time window (arrival, dismissal,
   evening) with routes and demand recomputed for each window (:func:`window_problem`),
   officers and officer-hours per window (:class:`ShiftPlan`); :func:`allocate_officers`
   shares a pool of officers between sites.
5. :func:`write_coverage` (``posts.geojson``, ``coverage.json``), :func:`summary_text`
   (:mod:`.report`), :func:`gaps_by_street`, and :func:`compare_plans` (:mod:`.compare`,
   window by window).

Everything a planner decides is one :class:`CoverageSettings` (:mod:`.options`); the routes of
every window come from one :class:`RouteInputs`. In a notebook::

    from safepassage.coverage import CoverageSettings, RouteInputs, plan_shifts
    shifts = plan_shifts(RouteInputs.from_area(area), CoverageSettings(officers=4))

What is optimised is the demand-weighted length of the corridor: a segment's (or piece's)
*weight* is its demand times its length in metres ("demand-metres"); "covered %" is the share
of the total weight within an officer's walking radius.
"""

from __future__ import annotations

from .choose import plan_posts
from .compare import (
    change_list,
    compare_plans,
    format_comparison,
    one_window,
    read_coverage_json,
)
from .demand import DEFAULT_WEIGHTS, WeightOverrides, corridor_demand, kind_weight, weight_table
from .names import name_in_units
from .options import (
    BACKUP_DEFAULT,
    BAN_RADIUS_M,
    LOCK_SNAP_M,
    METHODS,
    NEAR_CORRIDOR_M,
    PIECE_M,
    SHIFT_WINDOWS,
    BanSpec,
    CoverageSettings,
    Method,
    PointSpec,
    PostSpec,
)
from .problem import CoverageProblem, add_posts, coverage_problem
from .report import coverage_json, posts_geojson, summary_text, write_coverage
from .result import (
    BackupInfo,
    CoveragePlan,
    gaps_by_street,
    number_posts,
    place_key,
    place_numbers,
)
from .shifts import (
    PoolPlan,
    RouteInputs,
    ShiftPlan,
    WindowProblem,
    allocate_officers,
    plan_shifts,
    window_problem,
)

__all__ = [
    "BACKUP_DEFAULT",
    "BAN_RADIUS_M",
    "DEFAULT_WEIGHTS",
    "LOCK_SNAP_M",
    "METHODS",
    "NEAR_CORRIDOR_M",
    "PIECE_M",
    "SHIFT_WINDOWS",
    "BackupInfo",
    "BanSpec",
    "CoveragePlan",
    "CoverageProblem",
    "CoverageSettings",
    "Method",
    "PointSpec",
    "PoolPlan",
    "PostSpec",
    "RouteInputs",
    "ShiftPlan",
    "WeightOverrides",
    "WindowProblem",
    "add_posts",
    "allocate_officers",
    "change_list",
    "compare_plans",
    "corridor_demand",
    "coverage_json",
    "coverage_problem",
    "format_comparison",
    "gaps_by_street",
    "kind_weight",
    "name_in_units",
    "number_posts",
    "one_window",
    "place_key",
    "place_numbers",
    "plan_posts",
    "plan_shifts",
    "posts_geojson",
    "read_coverage_json",
    "summary_text",
    "weight_table",
    "window_problem",
    "write_coverage",
]
