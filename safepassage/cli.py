"""The ``safepassage`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input or usage, 3 data unavailable. Errors are one line on
stderr; progress goes to stderr too, so stdout carries only tables and JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, settings
from .errors import DataUnavailableError, InputError, SafePassageError

EXIT_OK, EXIT_USAGE, EXIT_DATA = 0, 2, 3


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see '{self.prog} --help')\n")


class _Formatter(argparse.HelpFormatter):
    """Prose is wrapped, example blocks (text with line breaks) keep their lines.

    Each option's help states its own default, so none is appended.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _point(text: str) -> tuple[float, float]:
    from .sites import parse_point

    try:
        return parse_point(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _add_source(p: argparse.ArgumentParser, *, destinations: bool = True,
                many: bool = False) -> None:
    g = p.add_argument_group("source (exactly one)")
    if many:
        g.add_argument("--site", metavar="NAME", action="append",
                       help="CSP site name, e.g. \"Jordan Downs\"; repeat for several sites")
    else:
        g.add_argument("--site", metavar="NAME", help="CSP site name, e.g. \"Jordan Downs\"")
    g.add_argument("--point", metavar="LAT,LON", type=_point,
                   help="a point (the origin; with --osm-file, the origin in that file)")
    g.add_argument("--osm-file", metavar="PATH", type=Path,
                   help="local OpenStreetMap extract (.osm, .osm.bz2, .osm.gz, .osm.pbf)")
    g.add_argument("--demo", action="store_true",
                   help="the built-in downtown Los Angeles demo (no network needed)")
    p.add_argument("--radius", metavar="M", type=_positive, default=settings.default_radius_m,
                   help=f"search radius around the origin, metres (default "
                   f"{settings.default_radius_m:g})")
    if destinations:
        p.add_argument("--destinations", metavar="FILE", type=Path,
                       help="extra destinations: CSV (name,kind,lat,lon) or GeoJSON")
    p.add_argument("--cache-dir", metavar="DIR", type=Path, default=None,
                   help=f"cache folder (default {settings.cache_folder})")
    p.add_argument("--offline", action="store_true",
                   help="never download; use only the cache, a file or the demo")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")


def _source(args: argparse.Namespace) -> Any:
    from .source import source_from_options

    return source_from_options(site=args.site, point=args.point, osm_file=args.osm_file,
                               demo=args.demo)


def _steps(args: argparse.Namespace) -> Any:
    from .progress import Steps

    return Steps(show=not getattr(args, "quiet", False))


# ---------------------------------------------------------------------------------------------
# sites


def cmd_sites(args: argparse.Namespace) -> int:
    """List the CSP sites."""
    from .sites import load_sites

    sites = load_sites()
    if args.json:
        print(json.dumps([s.to_dict() for s in sites], indent=2))
        return EXIT_OK
    rows = [("Site", "Slug", "Status", "Division", "Basic Car", "Reference address",
             "Point (approx.)")]
    rows += [
        (s.name, s.slug, "PLANNED" if s.planned else "CSP site", s.lapd_division,
         s.lapd_basic_car, s.reference_address, f"{s.lat:.4f},{s.lon:.4f}")
        for s in sites
    ]
    print(_table(rows))
    current = [s for s in sites if not s.planned]
    print(f"\n{len(current)} Community Safety Partnership sites. Points are APPROXIMATE "
          "(about ±300 m), estimated from housing-authority addresses; not surveyed.")
    for s in sites:
        if s.planned:
            print(f"PLANNED: {s.name}: {s.status}. Its point is APPROXIMATE too "
                  f"({s.accuracy}); 'plan --all-sites' leaves it out unless "
                  "--include-planned is given.")
    return EXIT_OK


def _table(rows: Sequence[Sequence[Any]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# fetch


def cmd_fetch(args: argparse.Namespace) -> int:
    """Download and cache a site's network and destinations."""
    from .graph import graph_summary
    from .source import fetch, source_from_options

    if not (args.site or args.point) or (args.site and args.point):
        raise InputError("fetch needs exactly one of --site NAME or --point LAT,LON")
    source = source_from_options(site=args.site, point=args.point)
    steps = _steps(args)
    G, dest, folder = fetch(source.site, args.radius, cache_dir=args.cache_dir,
                            force=args.force, steps=steps)
    s = graph_summary(G)
    kinds = dest["kind"].value_counts().to_dict() if len(dest) else {}
    print(f"{source.site.name}: {s['nodes']:,} nodes, {s['edges']:,} edges, "
          f"{s['length_km']:.1f} km of walkable network; {len(dest)} OSM destinations "
          f"{json.dumps(kinds)}")
    dropped = s["dropped"]
    if dropped:
        print(f"dropped {dropped.get('nodes', 0)} nodes in {dropped.get('components', 0)} "
              "pieces not connected to the main network")
    print(f"cached in {folder}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# routes


def _add_route_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("safety")
    g.add_argument("--profile", metavar="NAME|FILE", default=None,
                   help="safety profile: default, child, night, or a TOML file "
                   "(default: 'default', or 'night' for an evening window)")
    g.add_argument("--time-window", metavar="W", default=None,
                   help="arrival (07:00-08:30), dismissal (14:00-16:00), evening (18:00-22:00), "
                   "all-day, or HH:MM-HH:MM")
    g.add_argument("--incidents", metavar="FILE", type=Path,
                   help="incidents: the LAPD open-data export \"Crime Data from 2020 to "
                   "Present\" as downloaded, a CSV lat,lon[,datetime,category,weight] or "
                   "GeoJSON points; writes incidents.geojson (the ones used)")
    g.add_argument("--since", metavar="DATE", default=None,
                   help="only incidents that occurred on or after this date (YYYY-MM-DD; "
                   "default: every date in the file)")
    g.add_argument("--until", metavar="DATE", default=None,
                   help="only incidents that occurred on or before this date (YYYY-MM-DD)")
    g.add_argument("--concerns", metavar="FILE", type=Path, default=None,
                   help="places residents named as unsafe: CSV lat,lon[,note,weight] or GeoJSON "
                   "points/polygons; weighed like incidents, reported separately")
    g.add_argument("--avoid", metavar="GEOJSON", type=Path, help="polygons routes never enter")
    g.add_argument("--penalize", metavar="GEOJSON", type=Path,
                   help="polygons routes enter at a cost (property 'factor', default 3)")
    g.add_argument("--max-detour", metavar="PCT", type=float, default=None,
                   help="safest route at most this much longer than the shortest "
                   "(default: the profile's, 25 %%)")
    g.add_argument("--entrances", metavar="FILE", type=Path,
                   help="site entrances (CSV lat,lon or GeoJSON points) or outline (polygon)")


def _route_settings(args: argparse.Namespace) -> Any:
    from .pipeline import RouteSettings

    return RouteSettings.from_options(
        profile=args.profile, time_window=args.time_window, avoid=args.avoid,
        penalize=args.penalize, incidents=_incident_options(args),
        max_detour_pct=args.max_detour,
    )


def _incident_options(args: argparse.Namespace) -> Any:
    """--incidents, --since, --until, --concerns; the period needs an incidents file."""
    from .incidents import IncidentOptions

    if (args.since or args.until) and not args.incidents:
        raise InputError("--since and --until select incidents: give --incidents FILE too")
    return IncidentOptions(args.incidents, args.since, args.until, args.concerns)


def _load_area(args: argparse.Namespace, steps: Any) -> Any:
    from .source import load_area

    return load_area(_source(args), args.radius, destinations_file=args.destinations,
                     cache_dir=args.cache_dir, allow_download=not args.offline, steps=steps)


def _out_dir(args: argparse.Namespace, slug: str) -> Path:
    return Path(args.out) if args.out else settings.maps_folder / slug


def cmd_routes(args: argparse.Namespace) -> int:
    """Compute safe routes and write routes.geojson and routes.gpx."""
    from .incident_report import (
        EXPOSURE_LEGEND,
        concern_effect,
        incident_lines,
        route_exposure,
        write_incident_files,
    )
    from .pipeline import (
        SUMMARY_LEGEND,
        compute_routes,
        read_entrances,
        routes_frame,
        summary_rows,
        unreachable_lines,
        write_routes,
    )

    route_settings = _route_settings(args)  # check every option before any slow work
    steps = _steps(args)
    area = _load_area(args, steps)
    origins = read_entrances(args.entrances, area) if args.entrances else None
    with steps(f"routes to {int(area.destinations['usable'].sum())} destinations"):
        plan = compute_routes(area, route_settings, origin_nodes=origins)
        effect = concern_effect(area, plan, route_settings.incident_set(area),
                                route_settings.zones)
    with steps("directions"):
        frame = routes_frame(area, plan, units=args.units)
    out = _out_dir(args, area.site.slug)
    paths = write_routes(out, area, frame)
    use = plan.state_graph.risk.incidents
    paths.update(write_incident_files(out, [use], effect))
    exposure = route_exposure(area, plan)
    print(_table(summary_rows(plan, exposure)))
    print(f"({SUMMARY_LEGEND})")
    if exposure:
        print(f"({EXPOSURE_LEGEND})")
    for line in unreachable_lines(plan):
        print(f"no route: {line}")
    ok = len(plan.ok)
    print(f"\n{area.site.name}: {ok} of {len(plan.routes)} destinations routed "
          f"(profile {route_settings.profile.name}, {route_settings.window.label()}, max detour "
          f"{plan.max_detour_pct:g} %).")
    for line in incident_lines([use], effect):
        print(line)
    for note in area.notes:
        print(f"note: {note}")
    for name, path in paths.items():
        print(f"wrote {path}" if name else "")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# coverage

#: Officers on duty when neither --officers, the plan file nor --target says.

_COVERAGE_EPILOG = (
    "examples:\n"
    "  safepassage coverage --demo --officers 4 --time-window dismissal\n"
    "  safepassage coverage --site \"Jordan Downs\" --plan plan.yaml --out maps/jd-plan\n"
    "  safepassage coverage --demo --target 90 --time-window arrival,dismissal,evening\n"
    "  safepassage coverage --compare maps/jd-3-officers maps/jd-5-officers\n"
    "\n"
    "plan file (YAML or JSON, every key optional):\n"
    "  officers: {arrival: 4, dismissal: 6, evening: 3}   # or one number\n"
    "  windows: [arrival, dismissal, evening]\n"
    "  radius_m: 250\n"
    "  locked: [{post: \"S Grand Ave & W 5th St\"}, {name: Gate, lat: 34.0546, lon: -118.2506}]\n"
    "  banned: [{lat: 34.05, lon: -118.25, radius_m: 40}, closed_block.geojson]\n"
    "  extra_posts: [{name: Library steps, lat: 34.0505, lon: -118.255}]\n"
    "  target_coverage: 0.9      # fewest officers covering 90 % instead of 'officers'\n"
    "  backup: true              # or {factor: 0.5, top_share: 0.2}\n"
    "  profile: child\n"
    "  max_detour_pct: 25"
)


def _coverage_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _coverage_target(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    value = value / 100.0 if value > 1 else value
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100 %: {text!r}")
    return value


def _add_officer_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("officers")
    g.add_argument("--officers", metavar="N", type=_coverage_count, default=None,
                   help=f"officers on duty in each window (default: the plan file's, else "
                   f"{settings.default_officers}); --time-window also takes a list, "
                   "e.g. arrival,dismissal,evening")
    g.add_argument("--plan", metavar="FILE", type=Path, default=None,
                   help="plan file (YAML or JSON): officers per window, radius, locked and "
                   "banned posts, extra posts, profile (see 'safepassage coverage --help')")
    g.add_argument("--radius-post", metavar="M", type=_positive, default=None,
                   help=f"walking radius one officer covers, metres (default "
                   f"{settings.post_radius_m:g})")
    g.add_argument("--target", metavar="PCT", type=_coverage_target, default=None,
                   help="instead of a fixed number, the fewest officers covering this share "
                   "of the demand (e.g. 90)")
    g.add_argument("--method", choices=["auto", "exact", "greedy"], default="auto",
                   help="exact integer programme (CBC), greedy, or exact with greedy fallback "
                   "(default auto)")
    g.add_argument("--backup", action="store_true",
                   help="reward covering the busiest stretches with two officers")
    g.add_argument("--time-limit", metavar="S", type=_positive, default=60.0,
                   help="seconds the exact solver may spend per window (default 60)")


def _plan_request(args: argparse.Namespace, *, single: bool = True) -> Any:
    """The planner's request from the options and the plan file, checked before slow work."""
    from .pipeline import PlanRequest

    request = PlanRequest.from_options(
        plan_file=args.plan, officers=args.officers, time_window=args.time_window,
        profile=args.profile, radius_post=args.radius_post, target=args.target,
        method=args.method, backup=args.backup, time_limit=args.time_limit, avoid=args.avoid,
        penalize=args.penalize, incidents=_incident_options(args),
        max_detour_pct=args.max_detour,
    )
    if single:
        given = [args.site, args.point, args.osm_file, args.demo]
        if request.site and not any(given):
            args.site = request.site  # the plan file names the site; the command line wins
        _source(args)
    return request


def cmd_coverage(args: argparse.Namespace) -> int:
    """Post officers along the Safe Passage corridor; write posts.geojson and coverage.json."""
    from .coverage import compare_plans, format_comparison, summary_text, write_coverage
    from .incident_report import concern_effect, incident_lines, write_incident_files
    from .pipeline import plan_coverage, read_entrances

    given = [args.site, args.point, args.osm_file, args.demo]
    if args.compare:
        if any(given) or args.plan:
            raise InputError("--compare takes two coverage.json files (or folders holding one) "
                             "and no source or plan options")
        print(format_comparison(compare_plans(*args.compare), units=args.units))
        return EXIT_OK
    request = _plan_request(args)  # a bad plan file writes nothing
    steps = _steps(args)
    area = _load_area(args, steps)
    out = _out_dir(args, area.site.slug)
    if out.exists() and not out.is_dir():  # write_coverage would say "folder ..."
        raise InputError(f"--out {out} exists and is not a folder")
    origins = read_entrances(args.entrances, area) if args.entrances else None
    with steps(f"officer coverage ({', '.join(request.windows)})"):
        shifts = plan_coverage(area, request, origins)
        first = shifts.route_plans[shifts.windows[0].name]
        effect = concern_effect(area, first, request.route.incident_set(area),
                                request.route.zones)
    paths = write_coverage(out, shifts, site=area.site, source=area.source.describe(),
                           timing=steps.rounded())
    uses = [rp.state_graph.risk.incidents for rp in shifts.route_plans.values()]
    paths = [*paths, *write_incident_files(out, uses, effect).values()]
    print(f"{area.site.name}:")
    print(summary_text(shifts))
    for line in incident_lines(uses, effect):
        print(line)
    for note in area.notes:
        print(f"note: {note}")
    for path in paths:
        print(f"wrote {path}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# plan and demo


def _many_sites(args: argparse.Namespace) -> list[Any] | None:
    """The sites of a multi-site run, or None for a single site."""
    from .batch import all_sites, sources_from_csv
    from .source import source_from_options

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
    sources = []
    if args.all_sites:
        sources += all_sites(include_planned=args.include_planned)
    sources += [source_from_options(site=n) for n in names]
    if args.sites_file:
        sources += sources_from_csv(args.sites_file, args.osm_file)
    if not sources:
        raise InputError("--pool needs several sites: --all-sites, --site repeated or "
                         "--sites-file")
    return sources


def cmd_plan_many(args: argparse.Namespace, sources: list[Any], request: Any,
                  kinds: list[str]) -> int:
    """Plan several sites on Dask, with an index page over all of them."""
    from .batch import officers_text, plan_sites

    out_root = Path(args.out) if args.out else settings.maps_folder
    steps = _steps(args)
    result = plan_sites(
        sources, request, out_root, pool=args.pool, scheduler=args.scheduler,
        workers=args.workers, radius_m=args.radius, cache_dir=args.cache_dir,
        allow_download=not args.offline, handout_kinds=kinds, pdf=not args.no_pdf,
        units=args.units, progress=steps.say,
    )
    rows = [("Site", "Status", "Officers", "Covered", "Routed", "Seconds")]
    for s in result.sites:
        if s.status == "ok":
            rows.append((s.name, "ok", officers_text(s.officers), f"{s.covered_pct:.1f} %",
                         f"{s.routes_ok}/{s.destinations}", f"{s.seconds:.1f}"))
        else:
            rows.append((s.name, "failed", "", "", "", f"{s.seconds:.1f}"))
    print(_table(rows))
    for s in result.failed:
        print(f"not planned: {s.name}: {s.error}")
    print(f"\n{len(result.sites) - len(result.failed)} of {len(result.sites)} sites planned in "
          f"{result.seconds:.0f} s; open {result.index}")
    if len(result.failed) == len(result.sites):
        raise DataUnavailableError("no site could be planned")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    """Run every step and write the plan's folder: maps, handouts, data, index."""
    from .coverage import summary_text
    from .features import KINDS
    from .incident_report import EXPOSURE_LEGEND, incident_lines, route_exposure
    from .pipeline import (
        SUMMARY_LEGEND,
        PlanRequest,
        read_entrances,
        run_plan,
        summary_rows,
        unreachable_lines,
    )

    sources = _many_sites(args) if hasattr(args, "all_sites") else None
    request = _plan_request(args, single=sources is None)
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
    steps = _steps(args)
    area = _load_area(args, steps)
    origins = read_entrances(args.entrances, area) if args.entrances else None
    out = _out_dir(args, area.site.slug)
    result = run_plan(area, request, out, origins=origins, handout_kinds=kinds,
                      pdf=not args.no_pdf, units=args.units, steps=steps, compare=compare)
    exposure = route_exposure(area, result.route_plan)
    print(_table(summary_rows(result.route_plan, exposure)))
    print(f"({SUMMARY_LEGEND})")
    if exposure:
        print(f"({EXPOSURE_LEGEND})")
    for line in unreachable_lines(result.route_plan):
        print(f"no route: {line}")
    print(f"\n{area.site.name}:")
    print(summary_text(result.shifts))  # it prints the plan's own notes
    if result.changes is not None:
        print(f"\nplan B ({args.compare_plan.name}) against this plan:")
        print("\n".join(result.changes))
    for line in incident_lines(result.incidents, result.concerns):
        print(line)
    for note in area.notes:
        print(f"note: {note}")
    print(f"\nwrote {len(result.files)} files to {out}; open {out / 'index.html'}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """`plan` on the built-in downtown Los Angeles demo, with its real LAPD incidents."""
    from .source import DEMO_INCIDENTS

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


def _serve_port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535: {text!r}")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the planner workspace: a local web app to adjust coverage on the map."""
    from .coverage import SHIFT_WINDOWS
    from .features import KINDS
    from .pipeline import read_entrances
    from .planfile import load_plan
    from .workspace import (
        LIMITS,
        area_json,
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
    request = _plan_request(args)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise InputError(f"--out {args.out} exists and is not a folder")
    sock = listen(args.host, args.port)  # a port in use is an error before any slow work
    try:
        steps = _steps(args)
        area = _load_area(args, steps)
        origins = read_entrances(args.entrances, area) if args.entrances else None
        out = _out_dir(args, area.site.slug)
        route_options = {"avoid": args.avoid, "penalize": args.penalize,
                         "incidents": _incident_options(args)}
        publisher = make_publisher(area, out, route_options=route_options, origins=origins,
                                   handout_kinds=kinds, pdf=not args.no_pdf, units=args.units)
        ws = open_workspace(area, request, out, time_limit=args.time_limit, origins=origins,
                            publisher=publisher, steps=steps)
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


# ---------------------------------------------------------------------------------------------
# parser


_EXAMPLES = {
    "sites": "example:\n  safepassage sites\n  safepassage sites --json",
    "fetch": "examples:\n  safepassage fetch --site \"Jordan Downs\"\n"
             "  safepassage fetch --point 33.9455,-118.234 --radius 1500",
    "plan": "examples:\n  safepassage plan --site \"Jordan Downs\" --officers 6 "
            "--time-window dismissal\n"
            "  safepassage plan --demo --plan plan.yaml --handouts school,park,transit\n"
            "  safepassage plan --osm-file watts.osm.pbf --point 33.9455,-118.234 "
            "--time-window arrival,dismissal,evening --officers 4",
    "demo": "examples:\n  safepassage demo\n  safepassage demo --officers 4 "
            "--time-window arrival --profile child",
    "serve": "examples:\n  safepassage serve --demo\n"
             "  safepassage serve --site \"Jordan Downs\" --plan plan.yaml --open\n"
             "  safepassage serve --demo --port 8765 --out maps/demo-workspace",
    "routes": "examples:\n  safepassage routes --demo\n"
              "  safepassage routes --demo --incidents crime_data.csv --time-window evening "
              "--since 2020-01-01\n"
              "  safepassage routes --site \"Jordan Downs\" --time-window arrival --profile child\n"
              "  safepassage routes --osm-file city.osm.pbf --point 33.9455,-118.234 "
              "--avoid closed.geojson --incidents incidents.csv --out maps/jd",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = _Parser(
        prog="safepassage",
        description="Safe Passages planner for LAPD Community Safety Partnership sites.",
        epilog="examples:\n  safepassage demo\n  safepassage sites\n"
               "  safepassage plan --site \"Jordan Downs\" --officers 6 --time-window dismissal",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"safepassage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("sites", help="list the ten CSP sites and the planned ones",
                       epilog=_EXAMPLES["sites"], formatter_class=_Formatter,
                       description="List the Community Safety Partnership sites, and the "
                       "planned sites (marked PLANNED).")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("fetch", help="download and cache a site's network and destinations",
                       epilog=_EXAMPLES["fetch"], formatter_class=_Formatter,
                       description="Download the walkable street network and the destinations "
                       "around a site from OpenStreetMap (Overpass API) once, and cache them; "
                       "later commands then work offline.")
    p.add_argument("--site", metavar="NAME", help="CSP site name")
    p.add_argument("--point", metavar="LAT,LON", type=_point, help="any point")
    p.add_argument("--radius", metavar="M", type=_positive, default=settings.default_radius_m,
                   help=f"radius in metres (default {settings.default_radius_m:g})")
    p.add_argument("--cache-dir", metavar="DIR", type=Path, default=None, help="cache folder")
    p.add_argument("--force", action="store_true", help="download even if cached")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("routes", help="safe and shortest walking routes to every destination",
                       epilog=_EXAMPLES["routes"], formatter_class=_Formatter,
                       description="Compute, from the site to every school, park, library and "
                       "transit stop around it, the safest walking route within the detour cap "
                       "and the shortest one, with what the safe route buys, directions in "
                       "English and Spanish, routes.geojson and routes.gpx.")
    _add_source(p)
    _add_route_options(p)
    p.add_argument("--units", choices=["imperial", "metric"], default="imperial",
                   help="distances in directions (default imperial: feet and miles)")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="output folder (default maps/<site-slug>/)")
    p.set_defaults(func=cmd_routes)

    # coverage (issue #4)
    p = sub.add_parser("coverage", help="where to post officers along the Safe Passage routes",
                       epilog=_COVERAGE_EPILOG, formatter_class=_Formatter,
                       description="Weigh the walking demand on the safe routes (by destination "
                       "kind and time window), then choose officer posts so the most demand is "
                       "within a short walk of an officer (maximal covering, solved exactly "
                       "with CBC or greedily with a proven gap), or the fewest officers for a "
                       "target coverage. Writes posts.geojson and coverage.json; --compare "
                       "shows what changed between two runs.")
    _add_source(p)
    _add_route_options(p)
    _add_officer_options(p)
    g = p.add_argument_group("compare")
    g.add_argument("--compare", nargs=2, metavar=("A", "B"), type=Path, default=None,
                   help="compare two earlier runs (coverage.json files or their folders) and "
                   "exit")
    g.add_argument("--units", choices=["imperial", "metric"], default="metric",
                   help="distances in the comparison (default metric)")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="output folder (default maps/<site-slug>/)")
    p.set_defaults(func=cmd_coverage)

    for name in ("plan", "demo"):
        demo = name == "demo"
        p = sub.add_parser(
            name, epilog=_EXAMPLES[name], formatter_class=_Formatter,
            help="the built-in downtown LA demo, planned end to end" if demo
            else "the whole job: routes, officer posts, maps, handouts, index",
            description=("Plan the built-in downtown Los Angeles demo end to end (no network "
                         "needed): the same as 'safepassage plan --demo', weighing the real LAPD "
                         "incidents of 2020 shipped for the demo area (geodata/demo/"
                         "lapd_crime_2020_demo.csv) unless --incidents or --no-incidents says "
                         "otherwise." if demo else
                         "Run every step for a site and write, by default into "
                         "maps/<site-slug>/: plan.json, routes.geojson, routes.gpx, "
                         "posts.geojson, coverage.json, officer_map.html, planner_map.html, "
                         "handouts/<destination>.en.html and .es.html (and PDFs where headless "
                         "Chromium is installed), and index.html linking them all. A failed "
                         "run leaves the previous output whole."),
        )
        if demo:
            p.add_argument("--no-incidents", action="store_true",
                           help="plan without the LAPD incidents shipped for the demo area")
            p.add_argument("--radius", metavar="M", type=_positive,
                           default=settings.default_radius_m, help=argparse.SUPPRESS)
            p.add_argument("--cache-dir", metavar="DIR", type=Path, default=None,
                           help="cache folder")
            p.add_argument("--offline", action="store_true", help=argparse.SUPPRESS)
            p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
        else:
            _add_source(p, many=True)
            g = p.add_argument_group("many sites in one run (on Dask)")
            g.add_argument("--all-sites", action="store_true",
                           help="plan all ten CSP sites (not the planned ones)")
            g.add_argument("--include-planned", action="store_true",
                           help="with --all-sites, also the planned sites (Algin Sutton)")
            g.add_argument("--sites-file", metavar="CSV", type=Path,
                           help="places to plan, one per row: name,lat,lon (schools of a "
                           "division, say); with --osm-file, all on that extract")
            g.add_argument("--pool", metavar="N", type=_coverage_count, default=None,
                           help="share N officers across the sites to cover the most demand "
                           "in total (CERT style)")
            g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                           help="an existing Dask scheduler (tcp://host:8786); default: a "
                           "local cluster on this machine's cores")
            g.add_argument("--workers", metavar="N", type=_coverage_count, default=None,
                           help="local Dask workers (default: one per core)")
        _add_route_options(p)
        _add_officer_options(p)
        g = p.add_argument_group("output")
        g.add_argument("--handouts", metavar="KINDS", default="school",
                       help="destination kinds that get printable handouts, comma-separated "
                       "(school, kindergarten, park, playground, recreation, library, transit; "
                       "default school)")
        g.add_argument("--compare-plan", metavar="FILE", type=Path, default=None,
                       help="a second plan file (plan B): drawn on the planner map, and what "
                       "changed from this plan to it printed and written to "
                       "plan_b_changes.txt")
        g.add_argument("--no-pdf", action="store_true",
                       help="skip printing handouts to PDF with headless Chromium")
        g.add_argument("--units", choices=["imperial", "metric"], default="imperial",
                       help="distances on the maps, handouts and directions (default "
                       "imperial: feet and miles)")
        g.add_argument("--out", metavar="DIR", type=Path, default=None,
                       help="output folder (default maps/<site-slug>/)")
        p.set_defaults(func=cmd_demo if demo else cmd_plan)

    p = sub.add_parser(
        "serve", help="the planner workspace: adjust officer coverage on the map",
        epilog=_EXAMPLES["serve"], formatter_class=_Formatter,
        description="Start a local web app to adjust officer coverage by clicking: lock, ban, "
        "add or drag posts, change officers, radius, target and backup per time window, and "
        "see the plan solved again at once, with what changed against the saved plan, undo "
        "and redo. Save writes the plan file (YAML, as 'safepassage coverage --plan' reads "
        "it: --plan FILE, else <out>/plan.yaml); publish writes the whole plan output into "
        "--out, as 'safepassage plan' does. Listens on 127.0.0.1 unless --host is given; "
        "works with no internet.")
    _add_source(p)
    _add_route_options(p)
    _add_officer_options(p)
    for action in p._actions:  # a workspace solves on every click: a short default budget
        if action.dest == "time_limit":
            action.default = 3.0
            action.help = ("seconds the exact solver may spend per window and change, "
                           "0.1 to 60 (default 3); past it the best plan found is shown with "
                           "its gap")
    g = p.add_argument_group("server")
    g.add_argument("--host", metavar="ADDR", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only)")
    g.add_argument("--port", metavar="N", type=_serve_port, default=0,
                   help="port to listen on (default 0: a free port; the URL is printed)")
    g.add_argument("--open", action="store_true", help="open the workspace in the browser")
    g = p.add_argument_group("publish")
    g.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="where publish writes the plan output (default maps/<site-slug>/)")
    g.add_argument("--handouts", metavar="KINDS", default="school",
                   help="destination kinds that get handouts when publishing (default school)")
    g.add_argument("--no-pdf", action="store_true", help="publish handouts without PDFs")
    g.add_argument("--units", choices=["imperial", "metric"], default="imperial",
                   help="distances in directions (default imperial)")
    p.set_defaults(func=cmd_serve)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except SafePassageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error
        with contextlib.suppress(OSError):
            sys.stdout = Path(os.devnull).open("w")  # noqa: SIM115 (quiet interpreter exit)
        return EXIT_OK
    except OSError as exc:  # a full disk or a read-only --out folder: say so, no traceback
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
