"""The planner workspace: adjust officer coverage on the map and see the result at once.

``safepassage serve`` starts a local web app (Starlette on uvicorn, loopback by default) with
one page: the street network, the Safe Passage corridor coloured by walking demand, covered
and uncovered stretches, the posts with their numbers, and a side panel to change the plan.
Every change is solved again at once (exact within a time budget, else greedy with its gap)
from cached window problems; the page shows the result, what changed against the saved plan,
and offers undo, redo, save (the YAML plan file ``safepassage coverage --plan`` reads) and
publish (the whole plan output, through :func:`safepassage.pipeline.run_plan`).

Modules, in the order data flows through them:

- :mod:`.plan` — the plan as plan-file JSON: checks, bounds, the saved YAML;
- :mod:`.solve` — window problems built once, solves cached, changes against the saved plan;
- :mod:`.state` — versions, undo and redo, the background solve a newer change supersedes;
- :mod:`.mapdata` — what the page draws that does not change with each solve;
- :mod:`.shown` — the words the page reads, in the served units (feet and miles by default);
- :mod:`.app` — the Starlette app: the page, static files, the JSON API, Host/Origin guard;
- :mod:`.server` — starting a workspace for an area and serving it with uvicorn.

The page's script and style sheet are package data (``static/``); Leaflet comes from the
installed ``django-js-lib-leaflet`` package, as on the offline maps.
"""

from .app import MAX_BODY, Guard, create_app
from .mapdata import area_json, corridor_json
from .plan import LIMITS, CheckedPlan, Limits, PlanContext, check_plan, plan_text
from .server import (
    allowed_hosts,
    area_solver,
    host_warning,
    is_loopback,
    listen,
    make_publisher,
    open_workspace,
    run_server,
)
from .solve import ProblemKey, Solver, plan_changes, window_result
from .state import StaleVersionError, Workspace

__all__ = [
    "LIMITS",
    "MAX_BODY",
    "CheckedPlan",
    "Guard",
    "Limits",
    "PlanContext",
    "ProblemKey",
    "Solver",
    "StaleVersionError",
    "Workspace",
    "allowed_hosts",
    "area_json",
    "area_solver",
    "check_plan",
    "corridor_json",
    "create_app",
    "host_warning",
    "is_loopback",
    "listen",
    "make_publisher",
    "open_workspace",
    "plan_changes",
    "plan_text",
    "run_server",
    "window_result",
]
