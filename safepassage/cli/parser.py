"""The argument parser: every command, its options, and the examples in ``--help``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import __version__, settings
from .common import (
    COVERAGE_EPILOG,
    HelpFormatter,
    Parser,
    add_officer_options,
    add_route_options,
    add_source,
    add_units_option,
    bounded_number,
    point_arg,
)
from .data import cmd_fetch, cmd_routes, cmd_sites
from .officers import BEATS_EPILOG, cmd_beats, cmd_coverage, minutes_arg
from .plan import cmd_demo, cmd_plan, cmd_serve, serve_port

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
    parser = Parser(
        prog="safepassage",
        description="Safe Passages planner for LAPD Community Safety Partnership sites.",
        epilog="examples:\n  safepassage demo\n  safepassage sites\n"
               "  safepassage plan --site \"Jordan Downs\" --officers 6 --time-window dismissal",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"safepassage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("sites", help="list the ten CSP sites and the planned ones",
                       epilog=_EXAMPLES["sites"], formatter_class=HelpFormatter,
                       description="List the Community Safety Partnership sites, and the "
                       "planned sites (marked PLANNED).")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("fetch", help="download and cache a site's network and destinations",
                       epilog=_EXAMPLES["fetch"], formatter_class=HelpFormatter,
                       description="Download the walkable street network and the destinations "
                       "around a site from OpenStreetMap (Overpass API) once, and cache them; "
                       "later commands then work offline.")
    p.add_argument("--site", metavar="NAME", help="CSP site name")
    p.add_argument("--point", metavar="LAT,LON", type=point_arg, help="any point")
    p.add_argument("--radius", metavar="M", type=bounded_number("--radius"),
                   default=settings.default_radius_m,
                   help=f"radius in metres (default {settings.default_radius_m:g}, at most 20000)")
    p.add_argument("--cache-dir", metavar="DIR", type=Path, default=None, help="cache folder")
    p.add_argument("--force", action="store_true", help="download even if cached")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("routes", help="safe and shortest walking routes to every destination",
                       epilog=_EXAMPLES["routes"], formatter_class=HelpFormatter,
                       description="Compute, from the site to every school, park, library and "
                       "transit stop around it, the safest walking route within the detour cap "
                       "and the shortest one, with what the safe route buys, directions in "
                       "English and Spanish, routes.geojson and routes.gpx.")
    add_source(p)
    add_route_options(p)
    add_units_option(p, "in directions")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="output folder (default maps/<site-slug>/)")
    p.set_defaults(func=cmd_routes)

    # coverage (issue #4)
    p = sub.add_parser("coverage", help="where to post officers along the Safe Passage routes",
                       epilog=COVERAGE_EPILOG, formatter_class=HelpFormatter,
                       description="Weigh the walking demand on the safe routes (by destination "
                       "kind and time window), then choose officer posts so the most demand is "
                       "within a short walk of an officer (maximal covering, solved exactly "
                       "with CBC or greedily with a proven gap), or the fewest officers for a "
                       "target coverage. Writes posts.geojson and coverage.json; --compare "
                       "shows what changed between two runs.")
    add_source(p)
    add_route_options(p)
    add_officer_options(p)
    g = p.add_argument_group("compare")
    g.add_argument("--compare", nargs=2, metavar=("A", "B"), type=Path, default=None,
                   help="compare two earlier runs (coverage.json files or their folders) and "
                   "exit")
    add_units_option(g, "in the comparison", default="metric")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="output folder (default maps/<site-slug>/)")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("beats", help="walking beats: patrol loops over the busiest corridor",
                       epilog=BEATS_EPILOG, formatter_class=HelpFormatter,
                       description="Plan a footbeat for every officer: a closed walking loop "
                       "from the officer's post back to it, within a time limit, over as much "
                       "of the Safe Passage walking demand as possible (officers share the "
                       "corridor). Writes beats.geojson (one line per beat) and beats.gpx "
                       "(one track per beat, for phones).")
    add_source(p)
    add_route_options(p)
    add_officer_options(p)
    g = p.add_argument_group("beats")
    g.add_argument("--minutes", metavar="M", type=minutes_arg, default=None,
                   help="the most a beat may take, whole minutes from 1 to 240 (default: the "
                   "plan file's, else 20)")
    g.add_argument("--start", metavar="LAT,LON", type=point_arg, action="append", default=None,
                   help="start a beat here instead of at a post; repeat for several officers")
    add_units_option(p, "in directions")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="output folder (default maps/<site-slug>/)")
    p.set_defaults(func=cmd_beats)

    for name in ("plan", "demo"):
        demo = name == "demo"
        p = sub.add_parser(
            name, epilog=_EXAMPLES[name], formatter_class=HelpFormatter,
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
            p.add_argument("--radius", metavar="M", type=bounded_number("--radius"),
                           default=settings.default_radius_m, help=argparse.SUPPRESS)
            p.add_argument("--cache-dir", metavar="DIR", type=Path, default=None,
                           help="cache folder")
            p.add_argument("--offline", action="store_true", help=argparse.SUPPRESS)
            p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
        else:
            add_source(p, many=True)
            g = p.add_argument_group("many sites in one run (on Dask)")
            g.add_argument("--all-sites", action="store_true",
                           help="plan all ten CSP sites (not the planned ones)")
            g.add_argument("--include-planned", action="store_true",
                           help="with --all-sites, also the planned sites (Algin Sutton)")
            g.add_argument("--sites-file", metavar="CSV", type=Path,
                           help="places to plan, one per row: name,lat,lon (schools of a "
                           "division, say); with --osm-file, all on that extract")
            g.add_argument("--pool", metavar="N", type=bounded_number("--pool", whole=True),
                           default=None,
                           help="share N officers across the sites to cover the most demand "
                           "in total (CERT style)")
            g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                           help="an existing Dask scheduler (tcp://host:8786); default: a "
                           "local cluster on this machine's cores")
            g.add_argument("--workers", metavar="N", type=bounded_number("--workers", whole=True),
                           default=None,
                           help="local Dask workers (default: one per core)")
        add_route_options(p)
        add_officer_options(p)
        g = p.add_argument_group("output")
        g.add_argument("--handouts", metavar="KINDS", default="school",
                       help="destination kinds that get printable handouts, comma-separated "
                       "(school, kindergarten, park, playground, recreation, library, transit; "
                       "default school)")
        g.add_argument("--beats", metavar="MINUTES", type=minutes_arg, default=None,
                       help="add walking beats of at most this many minutes from the posts: "
                       "officer map layers, planner map figures, a beat card per officer "
                       "(default: the plan file's 'beats', else none)")
        g.add_argument("--compare-plan", metavar="FILE", type=Path, default=None,
                       help="a second plan file (plan B): drawn on the planner map, and what "
                       "changed from this plan to it printed and written to "
                       "plan_b_changes.txt")
        g.add_argument("--no-pdf", action="store_true",
                       help="skip printing handouts to PDF with headless Chromium")
        add_units_option(g, "on the maps, handouts and directions")
        g.add_argument("--out", metavar="DIR", type=Path, default=None,
                       help="output folder (default maps/<site-slug>/)")
        p.set_defaults(func=cmd_demo if demo else cmd_plan)

    p = sub.add_parser(
        "serve", help="the planner workspace: adjust officer coverage on the map",
        epilog=_EXAMPLES["serve"], formatter_class=HelpFormatter,
        description="Start a local web app to adjust officer coverage by clicking: lock, ban, "
        "add or drag posts, change officers, radius, target and backup per time window, and "
        "see the plan solved again at once, with what changed against the saved plan, undo "
        "and redo. Save writes the plan file (YAML, as 'safepassage coverage --plan' reads "
        "it: --plan FILE, else <out>/plan.yaml); publish writes the whole plan output into "
        "--out, as 'safepassage plan' does. Listens on 127.0.0.1 unless --host is given; "
        "works with no internet.")
    add_source(p)
    add_route_options(p)
    add_officer_options(p)
    for action in p._actions:  # a workspace solves on every click: a short default budget
        if action.dest == "time_limit":
            action.default = 3.0
            action.help = ("seconds the exact solver may spend per window and change, "
                           "0.1 to 60 (default 3); past it the best plan found is shown with "
                           "its gap")
    g = p.add_argument_group("server")
    g.add_argument("--host", metavar="ADDR", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only)")
    g.add_argument("--port", metavar="N", type=serve_port, default=0,
                   help="port to listen on (default 0: a free port; the URL is printed)")
    g.add_argument("--open", action="store_true", help="open the workspace in the browser")
    g = p.add_argument_group("publish")
    g.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="where publish writes the plan output (default maps/<site-slug>/)")
    g.add_argument("--handouts", metavar="KINDS", default="school",
                   help="destination kinds that get handouts when publishing (default school)")
    g.add_argument("--no-pdf", action="store_true", help="publish handouts without PDFs")
    add_units_option(g, "on the workspace page and in what publish writes")
    p.set_defaults(func=cmd_serve)

    return parser
