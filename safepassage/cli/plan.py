"""The whole job: ``plan`` (one site or many), ``demo``, and ``serve`` (the workspace)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from ..errors import DataUnavailableError, InputError
from .common import (
    EXIT_OK,
    incident_options_of,
    load_area_of,
    out_dir_of,
    plan_request_of,
    source_of,
    steps_of,
    text_table,
)

if TYPE_CHECKING:
    from ..request import PlanRequest
    from ..source import Source

# ---------------------------------------------------------------------------------------------
# plan and demo


def many_sites(args: argparse.Namespace) -> list[Source] | None:
    """The sites of a multi-site run, or None for a single site."""
    from ..batch import all_sites, sources_from_csv
    from ..source import Source

    names = args.site or []
    if getattr(args, "include_planned", False) and not args.all_sites:
        raise InputError("--include-planned goes with --all-sites (a planned site can also be "
                         "named with --site)")
    many = getattr(args, "all_sites", False) or getattr(args, "sites_file", None) or len(
        names) > 1 or getattr(args, "pool", None) is not None
    if not many:
        args.site = names[0] if names else None
        return None
    if args.demo or (args.point and not args.osm_file):
        raise InputError("several sites: use --all-sites, --site repeated or --sites-file")
    if args.entrances or args.destinations:
        raise InputError("--entrances and --destinations are for one site at a time")
    sources: list[Source] = []
    if args.all_sites:
        sources += all_sites(include_planned=args.include_planned)
    sources += [Source.from_site(n) for n in names]
    if args.sites_file:
        sources += sources_from_csv(args.sites_file, args.osm_file)
    if not sources:
        raise InputError("--pool needs several sites: --all-sites, --site repeated or "
                         "--sites-file")
    return sources


def cmd_plan_many(args: argparse.Namespace, sources: list[Source], request: PlanRequest,
                  kinds: list[str]) -> int:
    """Plan several sites on Dask, with an index page over all of them."""
    from ..batch import Cluster, Loading, officers_text, plan_sites
    from ..pipeline import PlanOutputs

    out_root = Path(args.out) if args.out else settings.maps_folder
    steps = steps_of(args)
    result = plan_sites(
        sources, request, out_root, pool=args.pool,
        cluster=Cluster(scheduler=args.scheduler, workers=args.workers),
        loading=Loading(radius_m=args.radius, cache_dir=args.cache_dir,
                        allow_download=not args.offline),
        outputs=PlanOutputs(handout_kinds=tuple(kinds), pdf=not args.no_pdf, units=args.units),
        progress=steps.say,
    )
    rows = [("Site", "Status", "Officers", "Covered", "Routed", "Seconds")]
    for s in result.sites:
        if s.status == "ok":
            rows.append((s.name, "ok", officers_text(s.officers), f"{s.covered_pct:.1f} %",
                         f"{s.routes_ok}/{s.destinations}", f"{s.seconds:.1f}"))
        else:
            rows.append((s.name, "failed", "", "", "", f"{s.seconds:.1f}"))
    print(text_table(rows))
    for s in result.failed:
        print(f"not planned: {s.name}: {s.error}")
    print(f"\n{len(result.sites) - len(result.failed)} of {len(result.sites)} sites planned in "
          f"{result.seconds:.0f} s; open {result.index}")
    if len(result.failed) == len(result.sites):
        raise DataUnavailableError("no site could be planned")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    """Run every step and write the plan's folder: maps, handouts, data, index."""
    from ..coverage import summary_text
    from ..features import KINDS
    from ..incident_report import EXPOSURE_LEGEND, incident_lines, route_exposure
    from ..pipeline import (
        SUMMARY_LEGEND,
        PlanOutputs,
        PlanRequest,
        run_plan,
        summary_rows,
        unreachable_lines,
    )
    from ..source import parse_entrances, read_entrances

    sources = many_sites(args) if hasattr(args, "all_sites") else None
    request = plan_request_of(args, single=sources is None)
    compare = None
    if args.compare_plan:  # plan B keeps its own windows; maps compare window by window
        compare = PlanRequest.from_options(plan_file=args.compare_plan, method=args.method,
                                           time_limit=args.time_limit)
    kinds = [k.strip() for k in args.handouts.split(",") if k.strip()]
    if not kinds:
        raise InputError("--handouts needs at least one kind, e.g. school or school,park")
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"--handouts: unknown kind(s) {', '.join(bad)}; use {', '.join(KINDS)}")
    if sources is not None:
        return cmd_plan_many(args, sources, request, kinds)
    source = source_of(args)
    entrances = parse_entrances(args.entrances) if args.entrances else None
    out = out_dir_of(args, source.site.slug, "plan")
    steps = steps_of(args)
    area = load_area_of(args, steps, source)
    origins = read_entrances(entrances, area) if entrances else None
    outputs = PlanOutputs(handout_kinds=tuple(kinds), pdf=not args.no_pdf, units=args.units)
    result = run_plan(area, request, out, outputs, origins=origins, steps=steps,
                      compare=compare)
    exposure = route_exposure(area, result.route_plan)
    print(text_table(summary_rows(result.route_plan, exposure)))
    print(f"({SUMMARY_LEGEND})")
    if exposure:
        print(f"({EXPOSURE_LEGEND})")
    for line in unreachable_lines(result.route_plan):
        print(f"no route: {line}")
    print(f"\n{area.site.name}:")
    print(summary_text(result.shifts))  # it prints the plan's own notes
    if result.changes is not None:
        print(f"\nwhat changed from this plan to plan B ({args.compare_plan.name}):")
        print("\n".join(result.changes))
    for line in incident_lines(result.incidents, result.concerns):
        print(line)
    if result.beats:
        from ..beats import summary_text as beats_text

        print(beats_text(result.beats))
    for note in area.notes:
        print(f"note: {note}")
    print(f"\nwrote {len(result.files)} files to {out}; open {out / 'index.html'}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """`plan` on the built-in downtown Los Angeles demo, with its real LAPD incidents."""
    from ..source import DEMO_INCIDENTS

    args.demo, args.site, args.point, args.osm_file = True, None, None, None
    args.destinations, args.entrances = None, None
    if args.no_incidents:
        if args.incidents or args.since or args.until:
            raise InputError("--no-incidents takes no --incidents, --since or --until")
    elif args.incidents is None:
        args.incidents = settings.geodata_folder / DEMO_INCIDENTS
    return cmd_plan(args)


# ---------------------------------------------------------------------------------------------
# serve (the planner workspace)


def serve_port(text: str) -> int:
    """Parse ``--port N`` (argparse type): 0 for a free port, or 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535: {text!r}")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the planner workspace: a local web app to adjust coverage on the map."""
    from ..coverage import SHIFT_WINDOWS
    from ..features import KINDS
    from ..pipeline import PlanOutputs
    from ..planfile import load_plan
    from ..source import parse_entrances, read_entrances
    from ..workspace import (
        LIMITS,
        area_json,
        area_solver,
        host_warning,
        listen,
        make_publisher,
        open_workspace,
        run_server,
    )

    low, high = LIMITS.time_limit
    if not low <= args.time_limit <= high:
        raise InputError(f"--time-limit must be between {low:g} and {high:g} seconds")
    if args.time_window is None:  # a workspace shows every shift unless told otherwise
        plan = load_plan(args.plan) if args.plan else None
        if plan is None or plan.planned_windows() is None:
            args.time_window = ",".join(SHIFT_WINDOWS)
    kinds = [k.strip() for k in args.handouts.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if not kinds or bad:
        raise InputError(f"--handouts: use kinds from {', '.join(KINDS)}")
    request = plan_request_of(args)
    source = source_of(args)
    entrances = parse_entrances(args.entrances) if args.entrances else None
    out = out_dir_of(args, source.site.slug, "plan")  # publish writes a plan there
    sock = listen(args.host, args.port)  # a port in use is an error before any slow work
    try:
        steps = steps_of(args)
        area = load_area_of(args, steps, source)
        origins = read_entrances(entrances, area) if entrances else None
        route_options = {"avoid": args.avoid, "penalize": args.penalize,
                         "incidents": incident_options_of(args)}
        outputs = PlanOutputs(handout_kinds=tuple(kinds), pdf=not args.no_pdf,
                              units=args.units)
        publisher = make_publisher(area, out, outputs, route_options=route_options,
                                   origins=origins)
        ws = open_workspace(area, request, out, time_limit=args.time_limit,
                            publisher=publisher, steps=steps,
                            solver=area_solver(area, request, origins), units=args.units)
    except BaseException:
        sock.close()
        raise
    warning = host_warning(args.host)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)

    def say(url: str) -> None:
        print(f"{area.site.name}: planner workspace at {url} (Ctrl+C stops it)", flush=True)
        print(f"save writes {ws.save_path}; publish writes {out}/", flush=True)

    run_server(ws, area_json(area), sock, open_browser=args.open, say=say)
    return EXIT_OK
