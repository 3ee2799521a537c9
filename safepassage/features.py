"""Destinations residents walk to: schools, parks, recreation, libraries, transit, businesses.

Destinations come from OpenStreetMap features (Overpass or a local file), from the shipped LA
Metro stops, and from a user's CSV (``name,kind,lat,lon``) or GeoJSON. They end up in one
GeoDataFrame (WGS84) with the columns:

``dest_id``
    Stable id: ``osm:way/123``, ``metro:bus:6``, ``user:3``.
``name``, ``kind``
    Display name (user-edited OSM text: escape it before it reaches HTML) and one of
    :data:`KINDS`.
``source``, ``approximate``
    Where the row came from; ``approximate`` is True for coordinates that are not surveyed.
``geometry``
    Point or polygon, EPSG:4326.

:func:`snap_destinations` adds ``node`` (the network node a route ends at), ``snap_m`` and
``usable``/``problem``: a destination farther than the snap limit is reported, never silently
used.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import shapely
from shapely.geometry import Point

from . import settings
from .errors import InputError
from .graph import check_osm_file, clean_value, osm_errors, overpass_errors
from .io import read_csv_rows, read_geojson_features, repair_polygon
from .utils import check_lang, clean_name, clean_tag, clean_text, haversine_m

#: Destination kinds, in the order reports list them.
KINDS: tuple[str, ...] = (
    "school", "kindergarten", "park", "playground", "recreation", "library", "transit",
    "business", "other",
)

#: OSM tags asked for, by key; :func:`classify_kind` maps them to kinds.
OSM_TAGS: dict[str, bool | str | list[str]] = {
    "amenity": [
        "school", "kindergarten", "childcare", "library", "community_centre", "youth_centre",
    ],
    "leisure": [
        "park", "playground", "sports_centre", "recreation_ground", "swimming_pool",
        "fitness_station",
    ],
    "highway": ["bus_stop"],
    "railway": ["station", "halt", "tram_stop"],
    "public_transport": ["station", "platform"],
    "shop": ["supermarket", "convenience", "grocery", "greengrocer", "bakery"],
}

_KIND_RULES: tuple[tuple[str, set[str], str], ...] = (
    ("amenity", {"school"}, "school"),
    ("amenity", {"kindergarten", "childcare"}, "kindergarten"),
    ("amenity", {"library"}, "library"),
    ("amenity", {"community_centre", "youth_centre"}, "recreation"),
    ("leisure", {"playground"}, "playground"),
    ("leisure", {"park"}, "park"),
    ("leisure", {"sports_centre", "recreation_ground", "swimming_pool", "fitness_station"},
     "recreation"),
    ("highway", {"bus_stop"}, "transit"),
    ("railway", {"station", "halt", "tram_stop"}, "transit"),
    ("public_transport", {"station", "platform"}, "transit"),
    ("shop", {"supermarket", "convenience", "grocery", "greengrocer", "bakery"}, "business"),
)

COLUMNS = ["dest_id", "name", "kind", "source", "approximate", "geometry"]

#: Most destinations a user's file may hold (more is split into several files or sites).
MAX_USER_DESTINATIONS = 10_000

#: Two destinations of the same kind and name closer than this are one place (metres).
SAME_NAME_MERGE_M = 150.0
#: Two destinations of the same kind closer than this are one place whatever their names.
SAME_SPOT_MERGE_M = 12.0


def empty_destinations() -> gpd.GeoDataFrame:
    """An empty destinations table with the standard columns."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype="object") for c in COLUMNS[:-1]}, geometry=[], crs="EPSG:4326"
    )


def classify_kind(tags: Mapping[str, Any]) -> str:
    """Map OSM tags to a destination kind.

    Parameters
    ----------
    tags : Mapping
        OSM tags of a feature (missing-value markers count as absent).

    Returns
    -------
    str
        One of :data:`KINDS`; "other" when nothing matches.
    """
    for key, values, kind in _KIND_RULES:
        v = clean_value(tags.get(key))
        if v is not None and str(v) in values:
            return kind
    return "other"


def _osm_name(row: Mapping[str, Any], kind: str) -> str:
    for key in ("name", "name:en", "official_name", "ref"):
        v = clean_name(clean_value(row.get(key)))
        if v:
            return v
    return f"Unnamed {kind}"


def destinations_from_osm(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Standard destinations from an osmnx features GeoDataFrame.

    Parameters
    ----------
    features : geopandas.GeoDataFrame
        As returned by ``osmnx.features_from_*`` (index ``(element, id)``).

    Returns
    -------
    geopandas.GeoDataFrame
        Standard columns (see module docstring); unnamed transit stops are kept with a
        descriptive name.
    """
    if features is None or len(features) == 0:
        return empty_destinations()
    feats = features.to_crs("EPSG:4326")
    rows = []
    for idx, row in feats.iterrows():
        element, osmid = idx if isinstance(idx, tuple) else ("node", idx)
        tags = row.to_dict()
        kind = classify_kind(tags)
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type in ("LineString", "MultiLineString"):
            geom = geom.centroid
        rows.append(
            {"dest_id": f"osm:{element}/{osmid}", "name": _osm_name(tags, kind), "kind": kind,
             "source": "OpenStreetMap", "approximate": False, "geometry": geom}
        )
    if not rows:
        return empty_destinations()
    return gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs="EPSG:4326")


def features_from_overpass(lat: float, lon: float, radius_m: float) -> gpd.GeoDataFrame:
    """Download destination features around a point from Overpass (via osmnx).

    Returns standard destinations; an area with no features gives an empty table.
    """
    with overpass_errors():
        try:
            feats = ox.features_from_point((lat, lon), tags=OSM_TAGS, dist=radius_m)
        except ox._errors.InsufficientResponseError as exc:
            if exc.__cause__ is not None:  # an unparseable answer, not an empty area
                raise
            return empty_destinations()
    return destinations_from_osm(feats)


def features_from_file(
    path: str | Path, *, point: tuple[float, float] | None = None, radius_m: float | None = None
) -> gpd.GeoDataFrame:
    """Destination features from a local OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf).

    The file's matching objects (and the nodes their outlines use) are copied to a temporary
    OSM XML file with osmium, which osmnx then reads: osmnx reads XML only.
    """
    path = Path(path)
    check_osm_file(path)
    keys = list(OSM_TAGS)
    with tempfile.TemporaryDirectory(prefix="safepassage-") as tmp:
        xml = Path(tmp) / "features.osm"
        n = 0
        try:
            writer = osmium.BackReferenceWriter(str(xml), ref_src=str(path), overwrite=True)
            with contextlib.closing(writer):
                for obj in osmium.FileProcessor(str(path)).with_filter(
                    osmium.filter.KeyFilter(*keys)
                ):
                    if not isinstance(obj, osmium.osm.Node | osmium.osm.Way |
                                      osmium.osm.Relation):
                        continue
                    tags = {t.k: clean_tag(t.k, t.v) for t in obj.tags}
                    if classify_kind(tags) != "other":
                        writer.add(obj.replace(tags=tags))  # names cleaned: valid XML
                        n += 1
        except osm_errors() as exc:
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise InputError(f"malformed OSM file {path.name}: {clean_text(first)}") from None
        if n == 0:
            return empty_destinations()
        try:
            feats = ox.features_from_xml(xml, tags=OSM_TAGS)
        except ox._errors.InsufficientResponseError:
            return empty_destinations()
    dest = destinations_from_osm(feats)
    if point is not None and radius_m:
        dest = within_radius(dest, point, radius_m)
    return dest


def within_radius(
    dest: gpd.GeoDataFrame, point: tuple[float, float], radius_m: float
) -> gpd.GeoDataFrame:
    """Destinations whose representative point lies within ``radius_m`` of ``point``."""
    if len(dest) == 0:
        return dest
    rp = dest.geometry.representative_point()
    d = haversine_m(rp.y.to_numpy(), rp.x.to_numpy(), point[0], point[1])
    return dest[d <= radius_m].copy()


def within_network(
    dest: gpd.GeoDataFrame, G: nx.MultiDiGraph, margin_m: float = 50.0
) -> gpd.GeoDataFrame:
    """Destinations inside the network's convex hull grown by ``margin_m`` metres."""
    if len(dest) == 0:
        return dest
    hull = shapely.convex_hull(
        shapely.multipoints([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    ).buffer(margin_m)
    pts = dest.to_crs(G.graph["crs"]).geometry.representative_point()
    return dest[pts.within(hull).to_numpy()].copy()


#: The kind of an LA Metro stop, written after its name: "Hill / 5th (Metro bus stop)".
METRO_LABELS: dict[str, dict[str, str]] = {
    "en": {"bus": "Metro bus stop", "rail": "Metro Rail station", "stop": "Metro stop"},
    "es": {"bus": "parada de autobús de Metro", "rail": "estación de Metro Rail",
           "stop": "parada de Metro"},
}


def destination_name(name: str, lang: str = "en") -> str:
    """A destination's name in a language: the kind we added after a Metro stop's name, in it.

    Names from OpenStreetMap and users are kept as written; only the words this module adds
    ("(Metro bus stop)", "(Metro Rail station)") are translated: "Hill / 5th (Metro bus stop)"
    is "Hill / 5th (parada de autobús de Metro)" in Spanish.

    Parameters
    ----------
    name : str
        The destination's name.
    lang : {"en", "es"}
        Language.

    Returns
    -------
    str
    """
    text = str(name)
    if check_lang(lang) == "en":
        return text
    for mode, english in METRO_LABELS["en"].items():
        suffix = f" ({english})"
        if text.endswith(suffix):
            return f"{text[: -len(suffix)]} ({METRO_LABELS[lang][mode]})"
    return text


def metro_stops(
    point: tuple[float, float], radius_m: float, path: str | Path | None = None
) -> gpd.GeoDataFrame:
    """LA Metro bus and rail stops within ``radius_m`` of ``point``.

    Parameters
    ----------
    point : tuple
        ``(lat, lon)``.
    radius_m : float
        Search radius in metres.
    path : str or Path, optional
        The stops CSV; defaults to the shipped ``geodata/la_metro_stops.csv``
        (source: LA Metro GTFS, attribution "Los Angeles County Metropolitan Transportation
        Authority").

    Returns
    -------
    geopandas.GeoDataFrame
        Standard destinations of kind "transit".
    """
    path = Path(path) if path else settings.geodata_folder / "la_metro_stops.csv"
    df = pd.read_csv(path, dtype={"stop_id": str})
    d = haversine_m(df["lat"].to_numpy(), df["lon"].to_numpy(), point[0], point[1])
    df = df[d <= radius_m]
    if len(df) == 0:
        return empty_destinations()
    label = METRO_LABELS["en"]
    return gpd.GeoDataFrame(
        {
            "dest_id": "metro:" + df["stop_id"],
            "name": [
                f"{n} ({label.get(m, label['stop'])})"
                for n, m in zip(df["name"], df["mode"], strict=True)
            ],
            "kind": "transit",
            "source": "LA Metro GTFS",
            "approximate": False,
        },
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs="EPSG:4326",
    )


def _check_kind(kind: Any, where: str) -> str:
    k = str(kind).strip().lower() if kind is not None else ""
    if k not in KINDS:
        raise InputError(f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return k


def read_destinations(path: str | Path) -> gpd.GeoDataFrame:
    """Read a user's destinations from CSV (``name,kind,lat,lon``) or GeoJSON.

    CSV columns beyond those four are ignored except ``approximate`` (true/false). GeoJSON
    features need ``name`` and ``kind`` properties and a point or polygon geometry.

    Raises
    ------
    InputError
        With the file, row and problem, for anything malformed.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"destinations file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".geojson", ".json"):
        return _read_geojson(path)
    raise InputError(f"destinations file {path.name}: use .csv (name,kind,lat,lon) or .geojson")


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    for where, r in read_csv_rows(path, "destinations file", ("name", "kind", "lat", "lon"),
                                  max_rows=MAX_USER_DESTINATIONS,
                                  header_hint="name,kind,lat,lon"):
        name = clean_text(r.get("name"))
        if not name:
            raise InputError(f"{where}: empty name")
        kind = _check_kind(r.get("kind"), where)
        try:
            lat, lon = float(r["lat"]), float(r["lon"])
        except ValueError:
            raise InputError(
                f"{where}: lat/lon must be numbers, got {r['lat']!r}, {r['lon']!r}"
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails too
            raise InputError(f"{where}: coordinates {lat}, {lon} out of range")
        approx = r.get("approximate", "").lower() in ("1", "true", "yes") or (
            "approximate" in r.get("note", "").lower()
        )
        rows.append(
            {"dest_id": f"user:{path.stem}:{len(rows) + 1}", "name": name, "kind": kind,
             "source": f"user file {path.name}", "approximate": approx,
             "geometry": Point(lon, lat)}
        )
    if not rows:
        raise InputError(f"{path.name}: no destinations in the file")
    return gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs="EPSG:4326")


def _truthy(value: Any) -> bool:
    """True for true, 1 and "true"/"yes"/"1" (a GeoJSON property may be any of them)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return value is True or (isinstance(value, int | float) and value == 1)


def _read_geojson(path: Path) -> gpd.GeoDataFrame:
    rows = []
    feats = read_geojson_features(path, ("Point", "Polygon", "MultiPolygon"),
                                  what="destinations file",
                                  expect="geometry must be a Point or Polygon")
    if len(feats) > MAX_USER_DESTINATIONS:
        raise InputError(f"{path.name}: {len(feats):,} destinations; at most "
                         f"{MAX_USER_DESTINATIONS:,} in one file")
    for i, (where, geom, props) in enumerate(feats, start=1):
        name = clean_text(props.get("name"))
        if not name:
            raise InputError(f"{where}: missing 'name' property")
        kind = _check_kind(props.get("kind"), where)
        if geom.geom_type != "Point" and not geom.is_valid:
            geom = repair_polygon(geom)
            if geom.is_empty or geom.area <= 0:
                raise InputError(f"{where}: the polygon has no area or cannot be repaired")
        rows.append(
            {"dest_id": f"user:{path.stem}:{i}", "name": name, "kind": kind,
             "source": f"user file {path.name}", "approximate": _truthy(props.get("approximate")),
             "geometry": geom}
        )
    return gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs="EPSG:4326")


def _name_key(name: str) -> str:
    # "Grand / 5th" and "5th St & Grand Ave" are the same stop.
    words = re.findall(r"[a-z0-9]+", name.lower())
    drop = {"st", "street", "ave", "avenue", "blvd", "boulevard", "and", "the", "metro", "bus",
            "stop", "rail", "station", "w", "e", "n", "s"}
    return " ".join(sorted(w for w in words if w not in drop))


def merge_duplicates(dest: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge rows that are the same place.

    Two rows of the same kind are one place when their names match (after normalisation:
    "Grand / 5th" = "5th St & Grand Ave") within :data:`SAME_NAME_MERGE_M` metres, or when they
    lie within :data:`SAME_SPOT_MERGE_M` metres whatever their names (the same stop from OSM and
    from Metro). The kept row is the first of: a polygon (better outline), a surveyed one, the
    earlier source. Merged ids are kept in ``merged_ids``.
    """
    if len(dest) <= 1:
        out = dest.copy()
        out["merged_ids"] = [[] for _ in range(len(out))]
        return out
    from scipy.spatial import cKDTree

    d = dest.reset_index(drop=True)
    utm = d.estimate_utm_crs()
    pts = d.to_crs(utm).geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    # "Unnamed park" is a placeholder (see _osm_name), not a name two places can share.
    keys = ["" if str(n).startswith("Unnamed ") else _name_key(str(n)) for n in d["name"]]
    rank = [
        (0 if g.geom_type != "Point" else 1, 1 if a else 0, i)
        for i, (g, a) in enumerate(zip(d.geometry, d["approximate"], strict=True))
    ]
    order = sorted(range(len(d)), key=lambda i: rank[i])
    kinds = d["kind"].astype(str).tolist()
    ids = d["dest_id"].astype(str).tolist()
    position = {i: p for p, i in enumerate(order)}
    # only rows within the larger merge distance can be the same place
    near = cKDTree(xy).query_ball_point(xy, max(SAME_NAME_MERGE_M, SAME_SPOT_MERGE_M))
    merged: dict[int, list[str]] = {}
    kept: set[int] = set()
    for i in order:
        target = None
        for j in sorted((j for j in near[i] if j in kept), key=position.__getitem__):
            if kinds[i] != kinds[j]:
                continue
            dist = float(np.hypot(*(xy[i] - xy[j])))
            if dist <= SAME_SPOT_MERGE_M or (
                keys[i] and keys[i] == keys[j] and dist <= SAME_NAME_MERGE_M
            ):
                target = j
                break
        if target is None:
            kept.add(i)
            merged[i] = []
        else:
            merged[target].append(ids[i])
    out = d.loc[sorted(kept)].copy()
    out["merged_ids"] = [merged[i] for i in out.index]
    return out.reset_index(drop=True)


def snap_destinations(
    G: nx.MultiDiGraph, dest: gpd.GeoDataFrame, max_snap_m: float | None = None
) -> gpd.GeoDataFrame:
    """Attach every destination to its nearest network node.

    A polygon (a park, a school ground) snaps to the node nearest its outline, not its centre.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared, projected network.
    dest : geopandas.GeoDataFrame
        Standard destinations.
    max_snap_m : float, optional
        Farther than this, the destination is marked unusable with the reason
        (default ``settings.max_snap_m``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``dest`` plus ``node``, ``snap_m``, ``usable``, ``problem``, ``lat``, ``lon``.
    """
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    out = dest.copy().reset_index(drop=True)
    if len(out) == 0:
        for c in ("node", "snap_m", "usable", "problem", "lat", "lon"):
            out[c] = pd.Series(dtype="object")
        return out
    nodes = list(G.nodes)
    node_pts = shapely.points(
        np.array([G.nodes[n]["x"] for n in nodes]), np.array([G.nodes[n]["y"] for n in nodes])
    )
    tree = shapely.STRtree(node_pts)
    geoms = out.to_crs(G.graph["crs"]).geometry
    (gi, ni), dist = tree.query_nearest(geoms.to_numpy(), return_distance=True, all_matches=False)
    node_of = dict(zip(gi.tolist(), (nodes[j] for j in ni), strict=True))
    dist_of = dict(zip(gi.tolist(), dist.tolist(), strict=True))
    rp = out.geometry.representative_point()
    out["lat"] = rp.y.round(6)
    out["lon"] = rp.x.round(6)
    out["node"] = [node_of.get(i) for i in range(len(out))]
    out["snap_m"] = [round(dist_of.get(i, math.inf), 1) for i in range(len(out))]
    out["usable"] = out["snap_m"] <= max_snap_m
    out["problem"] = [
        None if ok else f"{d:,.0f} m from the nearest walkable street (limit {max_snap_m:,.0f} m)"
        for ok, d in zip(out["usable"], out["snap_m"], strict=True)
    ]
    return out


def sort_destinations(dest: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Order destinations by kind (schools first), then name, then id: stable output."""
    if len(dest) == 0:
        return dest
    order = {k: i for i, k in enumerate(KINDS)}
    d = dest.assign(_k=dest["kind"].map(order).fillna(len(KINDS)))
    return d.sort_values(["_k", "name", "dest_id"]).drop(columns="_k").reset_index(drop=True)
