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
import math
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyogrio
import shapely

from . import settings
from .errors import DataUnavailableError, InputError
from .features import (
    SAME_NAME_MERGE_M,
    SAME_SPOT_MERGE_M,
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
    cache_dir_for,
    file_sha256,
    graph_from_file,
    graph_from_point,
    load_cache,
    nearest_node,
    read_cache_meta,
    save_cache,
)
from .io import read_csv_rows, read_geojson_features
from .progress import Steps
from .sites import DEMO_SLUG, PLANNED_MARK, Site, find_site, point_site

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

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
    """Where a plan's data comes from: the demo, a CSP site, a point, or a local OSM file.

    Make one with :meth:`demo`, :meth:`from_site`, :meth:`from_point` or :meth:`from_file`,
    then load it with :func:`load_area`.

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

    @classmethod
    def demo(cls) -> Source:
        """The built-in downtown Los Angeles demo: a real extract shipped with the package."""
        return cls("demo", demo_site())

    @classmethod
    def from_site(cls, name: str) -> Source:
        """A CSP site by name, matched forgivingly ("jordan downs").

        Raises
        ------
        InputError
            If no site matches ``name``.
        """
        return cls("site", find_site(name).as_planned())

    @classmethod
    def from_point(cls, lat: float, lon: float) -> Source:
        """Any point (WGS84 degrees); its network is downloaded once and cached.

        Raises
        ------
        InputError
            If ``lat``/``lon`` are not valid coordinates.
        """
        return cls("point", point_site(lat, lon))

    @classmethod
    def from_file(cls, osm_file: str | Path, lat: float, lon: float) -> Source:
        """A local OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf) with the origin at a point.

        Raises
        ------
        InputError
            If ``lat``/``lon`` are not valid coordinates (the file is checked when loaded).
        """
        return cls("file", point_site(lat, lon, name=None), Path(osm_file))

    def describe(self) -> str:
        """A short human description ("CSP site Jordan Downs", "file x.osm.pbf")."""
        if self.kind == "site":
            return f"{'planned ' if self.site.planned else ''}CSP site {self.site.name}"
        if self.kind == "file":
            return f"OSM file {self.osm_file.name if self.osm_file else '?'} at {self.site.name}"
        if self.kind == "demo":
            return "built-in downtown Los Angeles demo"
        return self.site.name


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


#: Largest search radius around a site, metres: an Overpass query stays a neighbourhood's.
MAX_RADIUS_M = 20_000.0


def check_radius(radius_m: float) -> None:
    """Raise :class:`InputError` unless the radius is a finite 1 to 20,000 m."""
    if not (math.isfinite(radius_m) and 1.0 <= radius_m <= MAX_RADIUS_M):
        raise InputError(f"radius_m must be between 1 and {MAX_RADIUS_M:,.0f} m, "
                         f"got {radius_m:g}", param="radius_m")


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
    check_radius(radius_m)
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
    cached = meta["provenance"]["query"].get("radius_m")
    if isinstance(cached, bool) or not isinstance(cached, int | float) or not (
            float(cached) + 1e-6 >= radius_m):
        raise CacheError(f"cached radius {cached} m is smaller than the {radius_m:,.0f} m asked")
    return load_cache(folder), _read_cached_dest(folder)


def _demo_network(cache_dir: str | Path | None, steps: Steps) -> nx.MultiDiGraph:
    pbf = settings.geodata_folder / DEMO_PBF
    if not pbf.exists():
        raise DataUnavailableError(f"the demo extract is missing: {pbf}")
    digest = file_sha256(pbf)
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
    include: Collection[str] = ("osm", "metro"),
    max_snap_m: float | None = None,
    cache_dir: str | Path | None = None,
    allow_download: bool = True,
    steps: Steps | None = None,
) -> Area:
    """Load everything a plan needs about a place.

    Parameters
    ----------
    source : Source
        :meth:`Source.demo`, :meth:`Source.from_site`, :meth:`Source.from_point` or
        :meth:`Source.from_file`.
    radius_m : float, optional
        Search radius (default ``settings.default_radius_m``).
    destinations_file : str or Path, optional
        A user's CSV or GeoJSON of destinations, added to the others.
    include : collection of {"osm", "metro"}
        Which built-in destinations to add: OpenStreetMap features (schools, parks, ...) and
        the shipped LA Metro stops.
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
    check_radius(radius_m)
    unknown = set(include) - {"osm", "metro"}
    if unknown:
        raise InputError(f"include takes 'osm' and 'metro', not {', '.join(sorted(unknown))}")
    include_osm, include_metro = "osm" in include, "metro" in include
    steps = steps or Steps(show=False)
    site = source.site
    # a user's file is checked before the slow work
    user_dest = read_destinations(destinations_file) if destinations_file is not None else None
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
        if user_dest is not None:
            parts.append(user_dest)
        parts = [p for p in parts if len(p)]
        dest = (
            gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
            if parts else empty_destinations()
        )
        merged = merge_duplicates(dest)
        merge_note = _merge_note(user_dest, merged)
        dest = snap_destinations(G, merged, max_snap_m)
        dest = sort_destinations(dest)
        origin, snap = nearest_node(
            G, site.lat, site.lon, max_m=max(settings.max_snap_m, max_snap_m or 0.0)
        )
    notes = [n for n in (outside_note, merge_note) if n]
    if site.planned:
        notes.append(f"{site.name} is a planned CSP site ({site.status})")
    if site.approximate:
        notes.append(f"{site.name}: point is approximate ({site.accuracy})")
    if len(dest) and (~dest["usable"]).any():
        for _, r in dest[~dest["usable"]].iterrows():
            notes.append(f"not used: {r['name']} ({r['kind']}): {r['problem']}")
    return Area(site, source, G, dest, origin, snap, radius_m, notes)


def _merge_note(user: gpd.GeoDataFrame | None, merged: gpd.GeoDataFrame) -> str:
    """Say how many of a user's destinations were merged with others as the same place."""
    if user is None or len(user) == 0 or "merged_ids" not in merged:
        return ""
    ids = set(user["dest_id"])
    gone = {i for row in merged["merged_ids"] for i in row} & ids
    if not gone:
        return ""
    return (f"{len(gone):,} of the {len(ids):,} destinations in your file were merged with "
            f"another as the same place (same kind and name within {SAME_NAME_MERGE_M:g} m, or "
            f"within {SAME_SPOT_MERGE_M:g} m); {len(merged):,} places remain")


# ---------------------------------------------------------------------------------------------
# A site's entrances (the origins of its routes)

#: How close (metres) a network node must be to a site outline to serve as an entrance.
ENTRANCE_MAX_M = 30.0
#: Most entrances a site may have (a CSV or GeoJSON of points).
MAX_ENTRANCES = 1_000


@dataclass(frozen=True)
class Entrances:
    """A site's entrances as read from a file: points, and/or outline polygons (WGS84).

    Attributes
    ----------
    name : str
        The file's name, for messages.
    points : list of tuple
        ``(lat, lon)`` of each entrance.
    outlines : list
        Shapely polygons of the site's outline.
    """

    name: str
    points: list[tuple[float, float]]
    outlines: list[BaseGeometry]


def parse_entrances(path: str | Path) -> Entrances:
    """Read a file of site entrances or the site's outline, before any slow work.

    Parameters
    ----------
    path : str or Path
        CSV with ``lat,lon`` columns, or GeoJSON with Point features (entrances) or a
        Polygon (the outline).

    Raises
    ------
    InputError
        Naming the file, line or feature, and the problem.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"entrances file not found: {path}")
    points: list[tuple[float, float]] = []
    polys = []
    if path.suffix.lower() == ".csv":
        for where, r in read_csv_rows(path, "entrances file", ("lat", "lon"),
                                      max_rows=MAX_ENTRANCES):
            try:
                lat, lon = float(r["lat"]), float(r["lon"])
            except ValueError:
                raise InputError(f"{where}: needs numeric lat,lon, got {r['lat']!r}, "
                                 f"{r['lon']!r}") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails too
                raise InputError(f"{where}: coordinates {lat}, {lon} out of range (latitude "
                                 "within ±90, longitude within ±180)")
            points.append((lat, lon))
    else:
        feats = read_geojson_features(path, ("Point", "Polygon", "MultiPolygon"),
                                      what="entrances file",
                                      expect="entrances must be Points or a Polygon outline")
        if len(feats) > MAX_ENTRANCES:
            raise InputError(f"{path.name}: {len(feats):,} entrances; at most {MAX_ENTRANCES:,}")
        for _, g, _ in feats:
            if g.geom_type == "Point":
                points.append((g.y, g.x))
            else:
                polys.append(g)
    if not points and not polys:
        raise InputError(f"{path.name}: no entrances in the file")
    return Entrances(path.name, points, polys)


def read_entrances(path: str | Path | Entrances, area: Area) -> list[Hashable]:
    """Origin nodes from a file of site entrances or the site's outline.

    Parameters
    ----------
    path : str, Path or Entrances
        CSV with ``lat,lon`` columns, or GeoJSON with Point features (entrances) or a
        Polygon (the outline: every network node within :data:`ENTRANCE_MAX_M` of it serves);
        or what :func:`parse_entrances` read from one.
    area : Area
        The loaded area.

    Returns
    -------
    list
        Network nodes, at least one.
    """
    ent = path if isinstance(path, Entrances) else parse_entrances(path)
    points, polys = ent.points, ent.outlines
    nodes: list[Hashable] = []
    for lat, lon in points:
        nodes.append(nearest_node(area.G, lat, lon, max_m=ENTRANCE_MAX_M * 5)[0])
    if polys:
        outline = gpd.GeoSeries(polys, crs="EPSG:4326").to_crs(area.G.graph["crs"]).union_all()
        for n, d in area.G.nodes(data=True):
            if outline.boundary.distance(shapely.Point(d["x"], d["y"])) <= ENTRANCE_MAX_M:
                nodes.append(n)
        if not nodes:
            raise InputError(f"{ent.name}: no street within {ENTRANCE_MAX_M:g} m of the outline")
    return sorted(set(nodes), key=str)


__all__ = [
    "ENTRANCE_MAX_M", "MAX_ENTRANCES", "Area", "Entrances", "Source", "demo_site", "fetch",
    "load_area", "load_network", "parse_entrances", "read_entrances",
]
