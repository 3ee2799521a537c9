"""Safe Passages: safe walking routes and officer posts around CSP public-housing sites.

The package is laid out the way data flows, one module per concern: ``sites`` and
``settings`` (where things are), ``graph`` (the walking network), ``features``
(destinations), ``incidents`` and ``safety`` (what makes a street dangerous), ``routing`` and
``directions`` (safe routes and how to walk them), ``coverage`` and ``locate`` (where officers
stand), ``beats`` (footbeats), ``maps``/``handouts`` (maps and printouts), ``pipeline``
(everything in order) and ``workspace`` (the planner's live web app). The command line in
``cli`` is a thin layer over those functions.

The steps a notebook calls are exported here, in the order they are used::

    import safepassage as sp

    area = sp.load_area(sp.Source.demo())
    routes = sp.compute_routes(area, sp.RouteSettings.from_options(time_window="dismissal"))
    table = sp.routes_frame(area, routes)  # a GeoDataFrame, one row per route
    shifts = sp.plan_shifts(sp.RouteInputs.from_area(area), sp.CoverageSettings(officers=4))
    beats = sp.plan_shift_beats(area.G, shifts, sp.BeatSettings(minutes=20))

Names are imported on first use, so ``import safepassage`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # errors a caller can act on
    "SafePassageError": "errors",
    "InputError": "errors",
    "DataUnavailableError": "errors",
    "UnreachableError": "errors",
    "OutputError": "errors",
    # sites and data
    "Site": "sites",
    "load_sites": "sites",
    "find_site": "sites",
    "Source": "source",
    "Area": "source",
    "load_area": "source",
    "fetch": "source",
    # safety and routes
    "load_profile": "safety",
    "parse_window": "safety",
    "RouteSettings": "request",
    "compute_routes": "pipeline",
    "routes_frame": "pipeline",
    "write_routes": "pipeline",
    # officer coverage
    "CoverageSettings": "coverage",
    "RouteInputs": "coverage",
    "plan_shifts": "coverage",
    "window_problem": "coverage",
    "plan_posts": "coverage",
    "compare_plans": "coverage",
    "MaximalCovering": "locate",
    "SetCovering": "locate",
    # walking beats
    "BeatSettings": "beats",
    "plan_beats": "beats",
    "plan_shift_beats": "beats",
    "write_beats": "beats",
    # the whole plan
    "PlanRequest": "request",
    "PlanOutputs": "request",
    "run_plan": "pipeline",
}

__all__ = [
    "Area",
    "BeatSettings",
    "CoverageSettings",
    "DataUnavailableError",
    "InputError",
    "MaximalCovering",
    "OutputError",
    "PlanOutputs",
    "PlanRequest",
    "RouteInputs",
    "RouteSettings",
    "SafePassageError",
    "SetCovering",
    "Site",
    "Source",
    "UnreachableError",
    "__version__",
    "compare_plans",
    "compute_routes",
    "fetch",
    "find_site",
    "load_area",
    "load_profile",
    "load_sites",
    "parse_window",
    "plan_beats",
    "plan_posts",
    "plan_shift_beats",
    "plan_shifts",
    "routes_frame",
    "run_plan",
    "window_problem",
    "write_beats",
    "write_routes",
]

if TYPE_CHECKING:  # for type checkers and editors; at run time names load on first use
    from .beats import BeatSettings, plan_beats, plan_shift_beats, write_beats
    from .coverage import (
        CoverageSettings,
        RouteInputs,
        compare_plans,
        plan_posts,
        plan_shifts,
        window_problem,
    )
    from .errors import (
        DataUnavailableError,
        InputError,
        OutputError,
        SafePassageError,
        UnreachableError,
    )
    from .locate import MaximalCovering, SetCovering
    from .pipeline import (
        compute_routes,
        routes_frame,
        run_plan,
        write_routes,
    )
    from .request import PlanOutputs, PlanRequest, RouteSettings
    from .safety import load_profile, parse_window
    from .sites import Site, find_site, load_sites
    from .source import Area, Source, fetch, load_area


def __getattr__(name: str) -> object:
    """Import an exported name from its module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'safepassage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
