"""What every command shares: the parser's look, bounded numbers, sources, settings."""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .. import settings
from ..errors import InputError

if TYPE_CHECKING:  # the command line imports the heavy modules only when a command runs
    from ..incidents import IncidentOptions
    from ..progress import Steps
    from ..request import PlanRequest, RouteSettings
    from ..source import Area, Source

EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_OUTPUT = 0, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

#: Bounds of the command line's numbers: (lowest, highest, unit); each error names them.
BOUNDS: dict[str, tuple[float, float, str]] = {
    "--radius": (1.0, 20_000.0, "m"),
    "--radius-post": (1.0, 5_000.0, "m"),
    "--officers": (0, 500, "officers"),
    "--pool": (0, 5_000, "officers"),
    "--workers": (1, 256, "workers"),
    "--time-limit": (0.1, 3_600.0, "s"),
}


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print a usage error as one line and exit 2."""
        self.exit(EXIT_USAGE, f"error: {message} (see '{self.prog} --help')\n")


class HelpFormatter(argparse.HelpFormatter):
    """Prose is wrapped, example blocks (text with line breaks) keep their lines.

    Each option's help states its own default, so none is appended.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def point_arg(text: str) -> tuple[float, float]:
    """Parse ``--point LAT,LON`` (argparse type)."""
    from ..sites import parse_point

    try:
        return parse_point(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def bounded_number(option: str, *, whole: bool = False) -> Callable[[str], float | int]:
    """An argparse type for ``option``: a finite number within :data:`BOUNDS`."""
    lo, hi, unit = BOUNDS[option]

    def parse(text: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            value = math.nan if whole else -math.inf
        if whole and not (math.isinf(value) or value.is_integer()):
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(
                f"must be between {lo:g} and {hi:,g} {unit}, got {text!r}")
        return int(value) if whole else value

    parse.__name__ = option.lstrip("-").replace("-", "_")
    return parse


def add_source(p: argparse.ArgumentParser, *, destinations: bool = True,
                many: bool = False) -> None:
    """Add the source options: ``--site``, ``--point``, ``--osm-file``, ``--demo``, ..."""
    g = p.add_argument_group("source (exactly one)")
    if many:
        g.add_argument("--site", metavar="NAME", action="append",
                       help="CSP site name, e.g. \"Jordan Downs\"; repeat for several sites")
    else:
        g.add_argument("--site", metavar="NAME", help="CSP site name, e.g. \"Jordan Downs\"")
    g.add_argument("--point", metavar="LAT,LON", type=point_arg,
                   help="a point (the origin; with --osm-file, the origin in that file)")
    g.add_argument("--osm-file", metavar="PATH", type=Path,
                   help="local OpenStreetMap extract (.osm, .osm.bz2, .osm.gz, .osm.pbf)")
    g.add_argument("--demo", action="store_true",
                   help="the built-in downtown Los Angeles demo (no network needed)")
    p.add_argument("--radius", metavar="M", type=bounded_number("--radius"),
                   default=settings.default_radius_m,
                   help=f"search radius around the origin, metres (default "
                   f"{settings.default_radius_m:g}, at most 20000)")
    if destinations:
        p.add_argument("--destinations", metavar="FILE", type=Path,
                       help="extra destinations: CSV (name,kind,lat,lon) or GeoJSON")
    p.add_argument("--cache-dir", metavar="DIR", type=Path, default=None,
                   help=f"cache folder (default {settings.cache_folder})")
    p.add_argument("--offline", action="store_true",
                   help="never download; use only the cache, a file or the demo")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")


def source_from_options(
    *,
    site: str | None = None,
    point: tuple[float, float] | None = None,
    osm_file: str | Path | None = None,
    demo: bool = False,
) -> Source:
    """The :class:`Source` the command line's source options name, checking the combination.

    Raises
    ------
    InputError
        Unless exactly one of site / point / osm-file+point / demo is given.
    """
    from ..source import Source

    if demo:
        if site or point or osm_file:
            raise InputError("--demo takes no other source option")
        return Source.demo()
    if osm_file is not None:
        if point is None:
            raise InputError("--osm-file needs --point LAT,LON for the origin")
        if site:
            raise InputError("give either --site or --osm-file, not both")
        return Source.from_file(osm_file, *point)
    if site and point:
        raise InputError("give either --site or --point, not both")
    if site:
        return Source.from_site(site)
    if point is not None:
        return Source.from_point(*point)
    raise InputError("no source given: use --site NAME, --point LAT,LON, "
                     "--osm-file PATH --point LAT,LON, or --demo")


def source_of(args: argparse.Namespace) -> Source:
    """The :class:`~safepassage.source.Source` the options name (exactly one)."""
    return source_from_options(site=args.site, point=args.point, osm_file=args.osm_file,
                               demo=args.demo)


def steps_of(args: argparse.Namespace) -> Steps:
    """Progress on stderr unless ``--quiet``."""
    from ..progress import Steps

    return Steps(show=not getattr(args, "quiet", False))


def text_width(text: str) -> int:
    """Columns a text takes in a terminal: wide (East Asian) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(rows: Sequence[Sequence[object]]) -> str:
    """Rows as an aligned plain-text table (header first), by display width."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(text_width(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for j, r in enumerate(cells):
        lines.append("  ".join(c + " " * (w - text_width(c))
                               for c, w in zip(r, widths, strict=True)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# routes


def add_units_option(p: argparse.ArgumentParser | argparse._ArgumentGroup, what: str, *,
                     default: str = "imperial") -> None:
    """``--units {imperial,metric}``: feet and miles, or metres and kilometres, in ``what``.

    The systems are :data:`safepassage.utils.UNITS` (written out here: the command line
    loads numpy only when a command runs).
    """
    words = "feet and miles" if default == "imperial" else "metres and kilometres"
    p.add_argument("--units", choices=["imperial", "metric"], default=default,
                   help=f"distances {what} (default {default}: {words})")


def add_route_options(p: argparse.ArgumentParser) -> None:
    """Add the safety options: profile, time window, zones, incidents, detour cap."""
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


def route_settings_of(args: argparse.Namespace) -> RouteSettings:
    """The route settings the options ask for, checked."""
    from ..pipeline import RouteSettings

    return RouteSettings.from_options(
        profile=args.profile, time_window=args.time_window, avoid=args.avoid,
        penalize=args.penalize, incidents=incident_options_of(args),
        max_detour_pct=args.max_detour,
    )


def incident_options_of(args: argparse.Namespace) -> IncidentOptions:
    """--incidents, --since, --until, --concerns; the period needs an incidents file."""
    from ..incidents import IncidentOptions

    if (args.since or args.until) and not args.incidents:
        raise InputError("--since and --until select incidents: give --incidents FILE too")
    return IncidentOptions(args.incidents, args.since, args.until, args.concerns)


def load_area_of(args: argparse.Namespace, steps: Steps | None,
                 source: Source | None = None) -> Area:
    """Load the area the options name (the cache, or a download unless ``--offline``)."""
    from ..source import load_area

    return load_area(source or source_of(args), args.radius, destinations_file=args.destinations,
                     cache_dir=args.cache_dir, allow_download=not args.offline, steps=steps)


def out_dir_of(args: argparse.Namespace, slug: str, command: str) -> Path:
    """The output folder (default ``maps/<slug>/``), checked before any slow work."""
    from ..io import check_output_folder

    if args.out:
        return check_output_folder(args.out, command)
    return check_output_folder(settings.maps_folder / slug, command, option="the output folder")


# ---------------------------------------------------------------------------------------------
# coverage

#: Officers on duty when neither --officers, the plan file nor --target says.

COVERAGE_EPILOG = (
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


def coverage_target(text: str) -> float:
    """Parse ``--target PCT`` (argparse type): a share from 1 to 100 %."""
    try:
        value = float(text.strip().rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    value = value / 100.0 if value > 1 else value
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100 %: {text!r}")
    return value


def add_officer_options(p: argparse.ArgumentParser) -> None:
    """Add the officer options: officers, plan file, post radius, target, method, ..."""
    g = p.add_argument_group("officers")
    g.add_argument("--officers", metavar="N", type=bounded_number("--officers", whole=True),
                   default=None,
                   help=f"officers on duty in each window (default: the plan file's, else "
                   f"{settings.default_officers}); --time-window also takes a list, "
                   "e.g. arrival,dismissal,evening")
    g.add_argument("--plan", metavar="FILE", type=Path, default=None,
                   help="plan file (YAML or JSON): officers per window, radius, locked and "
                   "banned posts, extra posts, profile (see 'safepassage coverage --help')")
    g.add_argument("--radius-post", metavar="M", type=bounded_number("--radius-post"), default=None,
                   help=f"walking radius one officer covers, metres (default "
                   f"{settings.post_radius_m:g})")
    g.add_argument("--target", metavar="PCT", type=coverage_target, default=None,
                   help="instead of a fixed number, the fewest officers covering this share "
                   "of the demand (e.g. 90)")
    g.add_argument("--method", choices=["auto", "exact", "greedy"], default="auto",
                   help="exact integer programme (CBC), greedy, or exact with greedy fallback "
                   "(default auto)")
    g.add_argument("--backup", action="store_true",
                   help="reward covering the busiest stretches with two officers")
    g.add_argument("--time-limit", metavar="S", type=bounded_number("--time-limit"), default=60.0,
                   help="seconds the exact solver may spend per window (default 60)")


def plan_request_of(args: argparse.Namespace, *, single: bool = True, beats: bool = False
                    ) -> PlanRequest:
    """The planner's request from the options and the plan file, checked before slow work.

    ``beats``: the request is for the ``beats`` command (footbeats asked for whatever the plan
    file says).
    """
    from ..pipeline import PlanRequest

    request = PlanRequest.from_options(
        plan_file=args.plan, officers=args.officers, time_window=args.time_window,
        profile=args.profile, radius_post=args.radius_post, target=args.target,
        method=args.method, backup=args.backup, time_limit=args.time_limit, avoid=args.avoid,
        penalize=args.penalize, incidents=incident_options_of(args),
        max_detour_pct=args.max_detour,
        beat_minutes=getattr(args, "minutes", None) or getattr(args, "beats", None),
        beat_starts=getattr(args, "start", None) or (),
        beats=beats,
    )
    if single:
        given = [args.site, args.point, args.osm_file, args.demo]
        if request.site and not any(given):
            args.site = request.site  # the plan file names the site; the command line wins
        source_of(args)
    return request
