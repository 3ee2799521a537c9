"""Commands about officers: ``coverage`` (posts) and ``beats`` (footbeats)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from .common import (
    EXIT_OK,
    load_area_of,
    out_dir_of,
    plan_request_of,
    source_of,
    steps_of,
    text_table,
)


def cmd_coverage(args: argparse.Namespace) -> int:
    """Post officers along the Safe Passage corridor; write posts.geojson and coverage.json."""
    from ..coverage import compare_plans, format_comparison, summary_text, write_coverage
    from ..incident_report import concern_effect, incident_lines, write_incident_files
    from ..io import product_dir
    from ..pipeline import plan_coverage
    from ..source import parse_entrances, read_entrances

    given = [args.site, args.point, args.osm_file, args.demo]
    if args.compare:
        if any(given) or args.plan:
            raise InputError("--compare takes two coverage.json files (or folders holding one) "
                             "and no source or plan options")
        print(format_comparison(compare_plans(*args.compare), units=args.units))
        return EXIT_OK
    request = plan_request_of(args)  # a bad plan file writes nothing
    source = source_of(args)
    entrances = parse_entrances(args.entrances) if args.entrances else None
    out = out_dir_of(args, source.site.slug, "coverage")
    steps = steps_of(args)
    area = load_area_of(args, steps, source)
    origins = read_entrances(entrances, area) if entrances else None
    with steps(f"officer coverage ({', '.join(request.windows)})"):
        shifts = plan_coverage(area, request, origins)
        first = shifts.route_plans[shifts.windows[0].name]
        effect = concern_effect(area, first, request.route.incident_set(area),
                                request.route.zones)
    uses = [rp.state_graph.risk.incidents for rp in shifts.route_plans.values()]
    with product_dir(out, "coverage") as tmp:
        written = [*write_coverage(tmp, shifts, site=area.site, source=area.source.describe(),
                                   timing=steps.rounded()),
                   *write_incident_files(tmp, uses, effect).values()]
        paths = [Path(p).relative_to(tmp).as_posix() for p in written]
    print(f"{area.site.name}:")
    print(summary_text(shifts))
    for line in incident_lines(uses, effect):
        print(line)
    for note in area.notes:
        print(f"note: {note}")
    for path in paths:
        print(f"wrote {out / path}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# beats

BEATS_EPILOG = (
    "examples:\n"
    "  safepassage beats --demo --officers 6 --minutes 30\n"
    "  safepassage beats --site \"Jordan Downs\" --time-window arrival,dismissal --out maps/jd\n"
    "  safepassage beats --demo --start 34.0506,-118.2559 --start 34.0490,-118.2520\n"
    "\n"
    "Each officer's beat is a closed walk from the officer's post (or a --start) back to it,\n"
    "at most --minutes long at the safety profile's walking speed, that walks as much of the\n"
    "window's walking demand as it can; officers share the corridor instead of repeating it.\n"
    "More minutes never walk less. In a plan file: beats: {minutes: 20}."
)


def minutes_arg(text: str) -> int:
    """Parse ``--minutes M`` (argparse type): whole minutes within the beats' bounds."""
    from ..beats import MAX_MINUTES, check_minutes

    try:
        return check_minutes(float(text))
    except (ValueError, InputError):
        raise argparse.ArgumentTypeError(
            f"must be a whole number of minutes from 1 to {MAX_MINUTES}: {text!r}") from None


def _check_starts(area: Any, starts: Sequence[tuple[float, float]], limit_m: float) -> None:
    """Every --start near the loaded network, before any slow work."""
    from ..graph import nearest_node

    for lat, lon in starts:
        _, dist = nearest_node(area.G, lat, lon)
        if dist > limit_m:
            raise InputError(f"--start {lat:.6f},{lon:.6f} is {dist:,.0f} m from the nearest "
                             f"walkable street (limit {limit_m:,.0f} m)")


def cmd_beats(args: argparse.Namespace) -> int:
    """Walking beats from the officers' posts; write beats.geojson and beats.gpx."""
    from ..beats import plan_shift_beats, summary_rows, summary_text, write_beats
    from ..io import product_dir
    from ..pipeline import plan_coverage
    from ..source import parse_entrances, read_entrances

    request = plan_request_of(args, beats=True)  # every option and the plan file checked first
    beats = request.beats
    assert beats is not None  # beats=True: the request always asks for footbeats
    source = source_of(args)
    entrances = parse_entrances(args.entrances) if args.entrances else None
    out = out_dir_of(args, source.site.slug, "beats")
    steps = steps_of(args)
    area = load_area_of(args, steps, source)
    origins = read_entrances(entrances, area) if entrances else None
    _check_starts(area, args.start or (), beats.snap_limit_m)
    with steps(f"routes and officer posts ({', '.join(request.windows)})"):
        shifts = plan_coverage(area, request, origins)
    with steps(f"beats of {beats.minutes} min"):
        plans = list(plan_shift_beats(area.G, shifts, beats).values())
    with product_dir(out, "beats") as tmp:
        written = write_beats(tmp, plans, units=args.units,
                              title=f"Safe Passages: {area.site.name}")
        paths = [Path(p).relative_to(tmp).as_posix() for p in written.values()]
    print(text_table(summary_rows(plans)))
    print(f"\n{area.site.name}:")
    print(summary_text(plans))
    for note in area.notes:
        print(f"note: {note}")
    for path in paths:
        print(f"wrote {out / path}")
    return EXIT_OK
