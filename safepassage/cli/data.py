"""Commands about data and routes: ``sites``, ``fetch``, ``routes``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError
from .common import (
    EXIT_OK,
    load_area_of,
    out_dir_of,
    route_settings_of,
    source_from_options,
    source_of,
    steps_of,
    text_table,
)

# ---------------------------------------------------------------------------------------------
# sites


def cmd_sites(args: argparse.Namespace) -> int:
    """List the CSP sites."""
    from ..sites import load_sites

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
    print(text_table(rows))
    current = [s for s in sites if not s.planned]
    print(f"\n{len(current)} Community Safety Partnership sites. Points are APPROXIMATE "
          "(about ±300 m), estimated from housing-authority addresses; not surveyed.")
    for s in sites:
        if s.planned:
            print(f"PLANNED: {s.name}: {s.status}. Its point is APPROXIMATE too "
                  f"({s.accuracy}); 'plan --all-sites' leaves it out unless "
                  "--include-planned is given.")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# fetch


def cmd_fetch(args: argparse.Namespace) -> int:
    """Download and cache a site's network and destinations."""
    from ..graph import graph_summary
    from ..source import fetch

    if not (args.site or args.point) or (args.site and args.point):
        raise InputError("fetch needs exactly one of --site NAME or --point LAT,LON")
    source = source_from_options(site=args.site, point=args.point)
    steps = steps_of(args)
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


def cmd_routes(args: argparse.Namespace) -> int:
    """Compute safe routes and write routes.geojson and routes.gpx."""
    from ..incident_report import (
        EXPOSURE_LEGEND,
        concern_effect,
        incident_lines,
        route_exposure,
        write_incident_files,
    )
    from ..io import product_dir
    from ..pipeline import (
        SUMMARY_LEGEND,
        compute_routes,
        routes_frame,
        summary_rows,
        unreachable_lines,
        write_routes,
    )
    from ..source import parse_entrances, read_entrances

    route_settings = route_settings_of(args)  # check every option before any slow work
    source = source_of(args)
    entrances = parse_entrances(args.entrances) if args.entrances else None
    out = out_dir_of(args, source.site.slug, "routes")
    steps = steps_of(args)
    area = load_area_of(args, steps, source)
    origins = read_entrances(entrances, area) if entrances else None
    with steps(f"routes to {int(area.destinations['usable'].sum())} destinations"):
        plan = compute_routes(area, route_settings, origin_nodes=origins)
        effect = concern_effect(area, plan, route_settings.incident_set(area),
                                route_settings.zones)
    with steps("directions"):
        frame = routes_frame(area, plan, units=args.units)
    use = plan.state_graph.risk.incidents
    with product_dir(out, "routes") as tmp:
        written = write_routes(tmp, area, frame)
        written.update(write_incident_files(tmp, [use], effect))
        names = [Path(p).relative_to(tmp).as_posix() for p in written.values()]
    exposure = route_exposure(area, plan)
    print(text_table(summary_rows(plan, exposure)))
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
    for name in names:
        print(f"wrote {out / name}")
    return EXIT_OK
