"""Which data a command runs on, and loading it: network plus destinations, with the cache.

A :class:`Source` is one of the command line's source options:

* ``--site NAME``: a CSP site; the network and OSM destinations come from the cache, or are
  downloaded from Overpass once and cached under ``<cache>/<slug>/``;
* ``--point LAT,LON``: the same for any point;
* ``--osm-file PATH --point LAT,LON``: a local extract, the point is the origin;
* ``--demo``: the shipped downtown Los Angeles extract, no network needed.

:func:`load_area` returns an :class:`Area`: the site, the prepared network and the snapped
destinations, ready for the safety and routing steps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyogrio

from . import settings
from .errors import DataUnavailableError, InputError
from .features import (
    empty_destinations,
    features_from_file,
    features_from_overpass,
    merge_duplicates,
    metro_stops,
    read_destinations,
    snap_destinations,
    sort_destinations,
    within_network,
    within_radius,
)
from .graph import (
    CacheError,
    Provenance,
    _sha256,
    cache_dir_for,
    graph_from_file,
    graph_from_point,
    load_cache,
    nearest_node,
    read_cache_meta,
    save_cache,
)
from .progress import Steps
from .sites import DEMO_SLUG, PLANNED_MARK, Site, find_site, point_site

log = logging.getLogger(__name__)

#: The demo's origin: the centre of the shipped downtown extract (not a CSP site).
DEMO_POINT = (34.0506, -118.25595)
DEMO_PBF = "demo/financial_district.osm.pbf"
DEMO_DESTINATIONS = "demo/destinations_approx.csv"
#: The rows of LAPD's 2020 crime data sample inside the demo extract (``safepassage demo``).
DEMO_INCIDENTS = "demo/lapd_crime_2020_demo.csv"
_OSM_DEST_FILE = "osm_destinations.geojson"


def demo_site() -> Site:
    """The built-in demo: downtown Los Angeles (Financial District / Bunker Hill)."""
    return Site(
        name="Downtown LA demo",
        slug=DEMO_SLUG,
        lat=DEMO_POINT[0],
        lon=DEMO_POINT[1],
        reference_address="Financial District / Bunker Hill, Los Angeles (demo extract)",
        lapd_division="Central",
        lapd_basic_car="",
        accuracy="demo origin at the centre of the extract; not a CSP site",
        approximate=True,
    )


@dataclass(frozen=True)
class Source:
    """One of the command line's source options.

    Attributes
    ----------
    kind : str
        "site", "point", "file" or "demo".
    site : Site
        The origin and its names.
    osm_file : Path, optional
        For ``kind="file"``.
    """

    kind: str
    site: Site
    osm_file: Path | None = None

    def describe(self) -> str:
        """A short human description ("CSP site Jordan Downs", "file x.osm.pbf")."""
        if self.kind == "site":
            return f"{'planned ' if self.site.planned else ''}CSP site {self.site.name}"
        if self.kind == "file":
            return f"OSM file {self.osm_file.name if self.osm_file else '?'} at {self.site.name}"
        if self.kind == "demo":
            return "built-in downtown Los Angeles demo"
        return self.site.name


def source_from_options(
    *,
    site: str | None = None,
    point: tuple[float, float] | None = None,
    osm_file: str | Path | None = None,
    demo: bool = False,
) -> Source:
    """Build a :class:`Source` from the command line's options, checking the combination.

    Raises
    ------
    InputError
        Unless exactly one of site / point / osm-file+point / demo is given.
    """
    if demo:
        if site or point or osm_file:
            raise InputError("--demo takes no other source option")
        return Source("demo", demo_site())
    if osm_file is not None:
        if point is None:
            raise InputError("--osm-file needs --point LAT,LON for the origin")
        if site:
            raise InputError("give either --site or --osm-file, not both")
        path = Path(osm_file)
        return Source("file", point_site(*point, name=None), path)
    if site and point:
        raise InputError("give either --site or --point, not both")
    if site:
        return Source("site", find_site(site).as_planned())
    if point is not None:
        return Source("point", point_site(*point))
    raise InputError("no source given: use --site NAME, --point LAT,LON, "
                     "--osm-file PATH --point LAT,LON, or --demo")


# ---------------------------------------------------------------------------------------------
# Network and OSM destinations per source, through the cache


def _write_dest(dest: gpd.GeoDataFrame) -> Any:
    def writer(path: Path) -> None:
        d = dest.drop(columns=[c for c in dest.columns if c == "merged_ids"])
        if len(d) == 0:
            path.write_text('{"type": "FeatureCollection", "features": []}\n', encoding="utf-8")
        else:
            d.to_file(path, driver="GeoJSON")

    return writer


def _read_cached_dest(folder: Path) -> gpd.GeoDataFrame:
    path = folder / _OSM_DEST_FILE
    if not path.exists():
        return empty_destinations()
    try:
        d = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, ValueError) as exc:
        raise CacheError(f"corrupt cache entry {path}: {exc}") from None
    if len(d) == 0:
        return empty_destinations()
    d["approximate"] = d["approximate"].astype(bool)
    return d.set_crs("EPSG:4326", allow_override=True)


def fetch(
    site: Site,
    radius_m: float | None = None,
    *,
    cache_dir: str | Path | None = None,
    force: bool = False,
    steps: Steps | None = None,
) -> tuple[nx.MultiDiGraph, gpd.GeoDataFrame, Path]:
    """Download a site's walking network and OSM destinations once and cache them.

    Parameters
    ----------
    site : Site
        A CSP site or a point site.
    radius_m : float, optional
        Radius in metres (default ``settings.default_radius_m``).
    cache_dir : str or Path, optional
        Cache root (default ``settings.cache_folder``); the entry is ``<root>/<slug>/``.
    force : bool
        Download even if a good cache entry exists.
    steps : Steps, optional
        Progress reporter.

    Returns
    -------
    tuple
        ``(G, osm_destinations, folder)``.
    """
    radius_m = float(radius_m or settings.default_radius_m)
    steps = steps or Steps(show=False)
    folder = cache_dir_for(site.slug, cache_dir)
    if not force:
        try:
            G, dest = _load_cached(folder, radius_m)
            steps.say(f"using cached network in {folder}")
            return G, dest, folder
        except CacheError as exc:
            if (folder / "provenance.json").exists() or folder.exists():
                steps.say(f"cache unusable ({exc}); downloading again")
    try:
        with steps(f"download walking network ({radius_m:,.0f} m around {site.name})"):
            G = graph_from_point(site.lat, site.lon, radius_m)
        with steps("download destinations"):
            dest = features_from_overpass(site.lat, site.lon, radius_m)
    except DataUnavailableError as exc:
        raise DataUnavailableError(
            f"{exc}. Without a download, use a local extract (--osm-file PATH --point LAT,LON) "
            "or the built-in demo (--demo)"
        ) from None
    prov = Provenance(**{k: v for k, v in G.graph["provenance"].items()
                         if k in Provenance.__dataclass_fields__})
    prov.query = {"point": [site.lat, site.lon], "radius_m": radius_m, "site": site.name}
    save_cache(folder, G, prov, {_OSM_DEST_FILE: _write_dest(dest)})
    G.graph["provenance"] = {**prov.to_dict(), "cache": str(folder)}
    return G, dest, folder


def _load_cached(folder: Path, radius_m: float) -> tuple[nx.MultiDiGraph, gpd.GeoDataFrame]:
    meta = read_cache_meta(folder)
    cached = meta.get("provenance", {}).get("query", {}).get("radius_m")
    if cached is None or float(cached) + 1e-6 < radius_m:
        raise CacheError(f"cached radius {cached} m is smaller than the {radius_m:,.0f} m asked")
    return load_cache(folder), _read_cached_dest(folder)


def _demo_network(cache_dir: str | Path | None, steps: Steps) -> nx.MultiDiGraph:
    pbf = settings.geodata_folder / DEMO_PBF
    if not pbf.exists():
        raise DataUnavailableError(f"the demo extract is missing: {pbf}")
    digest = _sha256(pbf)
    folder = cache_dir_for(DEMO_SLUG, cache_dir)
    try:
        meta = read_cache_meta(folder)
        if meta["provenance"].get("query", {}).get("sha256") == digest:
            return load_cache(folder)
    except CacheError as exc:
        if folder.exists():
            steps.say(f"demo cache unusable ({exc}); rebuilding it")
    G = graph_from_file(pbf)
    prov = Provenance(source="demo", detail=pbf.name, query={"sha256": digest},
                      retrieved=G.graph["provenance"]["retrieved"])
    try:
        save_cache(folder, G, prov)
    except OSError as exc:  # a read-only install still runs the demo, just without a cache
        log.warning("could not cache the demo network in %s: %s", folder, exc)
    G.graph["provenance"] = prov.to_dict()
    return G


def load_network(
    source: Source,
    radius_m: float | None = None,
    *,
    cache_dir: str | Path | None = None,
    allow_download: bool = True,
    steps: Steps | None = None,
) -> tuple[nx.MultiDiGraph, gpd.GeoDataFrame]:
    """The prepared network and the OSM destinations of a source.

    Returns
    -------
    tuple
        ``(G, osm_destinations)``; destinations are standard, unsnapped, WGS84.

    Raises
    ------
    DataUnavailableError
        For a site or point with no usable cache entry when downloading is off or fails; the
        message names the ways out.
    """
    radius_m = float(radius_m or settings.default_radius_m)
    steps = steps or Steps(show=False)
    site = source.site
    if source.kind == "demo":
        G = _demo_network(cache_dir, steps)
        return G, empty_destinations()
    if source.kind == "file":
        assert source.osm_file is not None
        point = (site.lat, site.lon)
        G = graph_from_file(source.osm_file, point=point, radius_m=radius_m)
        dest = features_from_file(source.osm_file, point=point, radius_m=radius_m)
        return G, dest
    folder = cache_dir_for(site.slug, cache_dir)
    try:
        return _load_cached(folder, radius_m)
    except CacheError as exc:
        problem = str(exc)
    options = (
        f"run 'safepassage fetch {_source_flag(source)}' on a machine with internet, "
        "or give a local extract with --osm-file PATH --point LAT,LON, or try --demo"
    )
    if not allow_download:
        raise DataUnavailableError(
            f"no usable cached network for {site.name} ({problem}): {options}"
        )
    try:
        G, dest, _ = fetch(site, radius_m, cache_dir=cache_dir, force=True, steps=steps)
    except DataUnavailableError as exc:
        raise DataUnavailableError(f"no usable cache for {site.name} and {exc}") from None
    return G, dest


def _source_flag(source: Source) -> str:
    if source.kind == "site":
        return f'--site "{source.site.name.removesuffix(" " + PLANNED_MARK)}"'
    return f"--point {source.site.lat},{source.site.lon}"


# ---------------------------------------------------------------------------------------------
# The area a plan runs on


@dataclass
class Area:
    """A site's prepared network and snapped destinations.

    Attributes
    ----------
    site : Site
    source : Source
    G : networkx.MultiDiGraph
        Prepared network.
    destinations : geopandas.GeoDataFrame
        Merged, snapped, sorted destinations (see :mod:`safepassage.features`); rows with
        ``usable == False`` say why in ``problem``.
    origin_node : int
        The network node routes start from.
    origin_snap_m : float
        Distance from the site point to that node.
    radius_m : float
    """

    site: Site
    source: Source
    G: nx.MultiDiGraph
    destinations: gpd.GeoDataFrame
    origin_node: int
    origin_snap_m: float
    radius_m: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for logs and ``plan.json``."""
        d = self.destinations
        return {
            "site": self.site.to_dict(),
            "source": self.source.describe(),
            "radius_m": self.radius_m,
            "origin_node": self.origin_node,
            "origin_snap_m": round(self.origin_snap_m, 1),
            "destinations": len(d),
            "destinations_usable": int(d["usable"].sum()) if len(d) else 0,
            "by_kind": (
                {str(k): int(v) for k, v in d["kind"].value_counts().items()} if len(d) else {}
            ),
            "notes": self.notes,
        }


def load_area(
    source: Source,
    radius_m: float | None = None,
    *,
    destinations_file: str | Path | None = None,
    include_osm: bool = True,
    include_metro: bool = True,
    max_snap_m: float | None = None,
    cache_dir: str | Path | None = None,
    allow_download: bool = True,
    steps: Steps | None = None,
) -> Area:
    """Load everything a plan needs about a place.

    Parameters
    ----------
    source : Source
        See :func:`source_from_options`.
    radius_m : float, optional
        Search radius (default ``settings.default_radius_m``).
    destinations_file : str or Path, optional
        A user's CSV or GeoJSON of destinations, added to the others.
    include_osm, include_metro : bool
        Add OSM features and shipped LA Metro stops.
    max_snap_m : float, optional
        Snap limit (default ``settings.max_snap_m``).
    cache_dir : str or Path, optional
        Cache root.
    allow_download : bool
        Whether a missing cache entry may be downloaded.
    steps : Steps, optional
        Progress reporter.

    Returns
    -------
    Area
    """
    radius_m = float(radius_m or settings.default_radius_m)
    if radius_m <= 0 or radius_m > 20_000:
        raise InputError(f"--radius must be between 1 and 20000 m, got {radius_m:g}")
    steps = steps or Steps(show=False)
    site = source.site
    with steps("load network"):
        G, osm_dest = load_network(
            source, radius_m, cache_dir=cache_dir, allow_download=allow_download, steps=steps
        )
    outside_note = ""
    with steps("destinations"):
        parts = []
        if include_osm and len(osm_dest):
            parts.append(within_radius(osm_dest, (site.lat, site.lon), radius_m))
        if source.kind == "demo":
            parts.append(read_destinations(settings.geodata_folder / DEMO_DESTINATIONS))
        if include_metro:
            # Stops beyond the edge of the loaded network (an extract smaller than the radius)
            # are outside the plan's area, not destinations too far from a street.
            stops = metro_stops((site.lat, site.lon), radius_m)
            inside = within_network(stops, G, margin_m=50.0)
            if len(inside) < len(stops):
                outside_note = (f"{len(stops) - len(inside)} Metro stops within the radius lie "
                                "beyond the loaded network and were left out")
            parts.append(inside)
        if destinations_file is not None:
            parts.append(read_destinations(destinations_file))
        parts = [p for p in parts if len(p)]
        dest = (
            gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
            if parts else empty_destinations()
        )
        dest = merge_duplicates(dest)
        dest = snap_destinations(G, dest, max_snap_m)
        dest = sort_destinations(dest)
        origin, snap = nearest_node(
            G, site.lat, site.lon, max_m=max(settings.max_snap_m, max_snap_m or 0.0)
        )
    notes = [outside_note] if outside_note else []
    if site.planned:
        notes.append(f"{site.name} is a planned CSP site ({site.status})")
    if site.approximate:
        notes.append(f"{site.name}: point is approximate ({site.accuracy})")
    if len(dest) and (~dest["usable"]).any():
        for _, r in dest[~dest["usable"]].iterrows():
            notes.append(f"not used: {r['name']} ({r['kind']}): {r['problem']}")
    return Area(site, source, G, dest, origin, snap, radius_m, notes)


__all__ = [
    "Area", "Source", "demo_site", "fetch", "load_area", "load_network", "source_from_options",
]
