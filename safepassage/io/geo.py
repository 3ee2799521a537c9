"""GeoJSON and GPX: writing the product's, reading (and checking) a user's."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..utils import clean_text
from .atomic import atomic_write_json, atomic_write_text
from .read import decode_text, load_json, read_input_bytes

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    from numpy.typing import ArrayLike
    from pyproj import CRS
    from shapely.geometry.base import BaseGeometry

log = logging.getLogger("safepassage")

#: A user's GeoJSON file may hold at most this many features.
MAX_FEATURES = 100_000


def write_geojson(gdf: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write a GeoDataFrame as GeoJSON (WGS84) atomically.

    Lists and dictionaries in columns are kept as JSON arrays and objects (geopandas' GeoJSON
    driver would turn them into strings).
    """
    frame = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf
    text = frame.to_json(na="null", show_bbox=False, drop_id=True, to_wgs84=False)
    data = json.loads(text)
    data["name"] = Path(path).stem
    return atomic_write_json(path, data)


def write_gpx(
    path: str | Path,
    tracks: list[tuple[str, str, list[tuple[float, float]]]],
    waypoints: list[tuple[str, str, float, float]] = (),  # type: ignore[assignment]
    *,
    name: str = "Safe Passages",
) -> Path:
    """Write routes for phones as GPX 1.1 atomically.

    Names and descriptions are cleaned (:func:`safepassage.utils.clean_text`) so the file is
    valid XML whatever the data held.

    Parameters
    ----------
    path : str or Path
        Target file.
    tracks : list of tuple
        ``(name, description, [(lat, lon), ...])`` per route.
    waypoints : list of tuple
        ``(name, description, lat, lon)`` per point of interest.
    name : str
        The file's title.
    """
    import gpxpy.gpx

    def text(value: str) -> str:
        return clean_text(value, max_chars=1000)

    gpx = gpxpy.gpx.GPX()
    gpx.name = text(name)
    gpx.creator = "safepassage"
    for wname, desc, lat, lon in waypoints:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(lat, lon, name=text(wname),
                                                   description=text(desc)))
    for tname, desc, points in tracks:
        track = gpxpy.gpx.GPXTrack(name=text(tname), description=text(desc))
        seg = gpxpy.gpx.GPXTrackSegment(
            [gpxpy.gpx.GPXTrackPoint(lat, lon) for lat, lon in points]
        )
        track.segments.append(seg)
        gpx.tracks.append(track)
    return atomic_write_text(path, gpx.to_xml())


def _crs_of(data: dict[str, Any], name: str) -> Any:
    """The CRS a GeoJSON file's (obsolete) ``crs`` member names; None for WGS84 or none given.

    Raises
    ------
    InputError
        For a ``crs`` member that names no CRS pyproj knows, or a linked one.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    member = data.get("crs")
    if member is None:
        return None
    props = member.get("properties") if isinstance(member, dict) else None
    label = props.get("name") if isinstance(props, dict) else None
    if not isinstance(label, str) or member.get("type") != "name":
        raise InputError(f"{name}: its 'crs' member names no coordinate system; GeoJSON is "
                         "WGS84 longitude,latitude: remove the member or name the CRS")
    try:
        crs = CRS.from_user_input(label)
    except CRSError:
        raise InputError(f"{name}: unknown coordinate system {label!r} in its 'crs' "
                         "member") from None
    if crs.to_epsg() == 4326 or crs.equals(CRS("OGC:CRS84")):
        return None
    return crs


def _to_wgs84(geom: Any, crs: Any) -> Any:
    import numpy as np
    import shapely
    from pyproj import Transformer

    t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def repair_polygon(geom: BaseGeometry) -> BaseGeometry:
    """An invalid (Multi)Polygon made valid, keeping only its polygon parts.

    A self-crossing ring is split where it crosses; what cannot be repaired, even on a 1e-9
    degree grid, comes back empty (callers refuse an empty area).
    """
    import shapely

    def polygonal(g: BaseGeometry) -> BaseGeometry:
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else shapely.Polygon()

    try:
        out = polygonal(shapely.make_valid(geom))
        if not out.is_valid:
            out = polygonal(shapely.make_valid(shapely.set_precision(out, 1e-9)))
    except shapely.errors.GEOSException:
        return shapely.Polygon()
    return out if out.is_valid else shapely.Polygon()


def read_geojson_features(
    path: str | Path, kinds: tuple[str, ...], *, what: str = "GeoJSON file",
    expect: str = "", allow_empty: bool = False,
) -> list[tuple[str, BaseGeometry, dict[str, Any]]]:
    """Read and check the features of a user's GeoJSON file.

    A file with a (pre-2016) ``crs`` member naming another coordinate system is converted to
    WGS84, and a warning says so; an unknown one is an error.

    Parameters
    ----------
    path : str or Path
        A FeatureCollection or a single Feature, WGS84 lon/lat.
    kinds : tuple of str
        Geometry types allowed ("Point", "Polygon", "MultiPolygon", ...).
    what : str
        What the file is, for the not-found message.
    expect : str
        How to say which geometries are wanted ("geometry must be a Point or Polygon").
    allow_empty : bool
        Whether a collection without features is acceptable.

    Returns
    -------
    list of tuple
        ``(where, geometry, properties)`` per feature; ``where`` names the file and feature
        for the caller's own messages.

    Raises
    ------
    InputError
        Missing or unreadable file, malformed JSON (or nested too deep), no features, a missing
        or invalid geometry, a geometry of another type, or coordinates out of range.
    """
    import shapely

    path = Path(path)
    raw = read_input_bytes(path, what)
    data = load_json(decode_text(raw, path.name), path.name, problem="malformed GeoJSON")
    feats = data.get("features") if isinstance(data, dict) else None
    if isinstance(data, dict) and data.get("type") == "Feature":
        feats = [data]
    if not isinstance(feats, list):
        raise InputError(f"{path.name}: not a GeoJSON FeatureCollection")
    if not feats and not allow_empty:
        raise InputError(f"{path.name}: no GeoJSON features")
    if len(feats) > MAX_FEATURES:
        raise InputError(f"{path.name}: {len(feats):,} features; at most {MAX_FEATURES:,}")
    crs = _crs_of(data, path.name)
    if crs is not None:
        log.warning("%s: coordinates converted from %s to WGS84 (its 'crs' member)", path.name,
                    crs.to_string())
    out = []
    for i, f in enumerate(feats, start=1):
        where = f"{path.name} feature {i}"
        try:
            geom = shapely.geometry.shape(f["geometry"])
            if crs is not None:
                geom = _to_wgs84(geom, crs)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                shapely.errors.ShapelyError):
            raise InputError(f"{where}: missing or invalid geometry") from None
        if geom.is_empty or geom.geom_type not in kinds:
            wanted = expect or f"geometry must be {' or '.join(kinds)}"
            raise InputError(f"{where}: {wanted}, got {geom.geom_type}")
        minx, miny, maxx, maxy = geom.bounds
        if not all(map(math.isfinite, geom.bounds)) or not (
                -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError(f"{where}: coordinates out of range (GeoJSON is lon,lat in WGS84)")
        props = f.get("properties") if isinstance(f, dict) else None
        out.append((where, geom, dict(props) if isinstance(props, dict) else {}))
    return out


# ---------------------------------------------------------------------------------------------
# Areas of any size in a projected CRS

#: Margin around the network's extent when zones are clipped to it, degrees (about 1 km).
_ZONE_MARGIN_DEG = 0.01
#: Zone outlines are densified to this step (degrees, about 50 m) before projection, so a
#: polygon's sides follow the same lines in the network's CRS as in longitude/latitude.
_ZONE_STEP_DEG = 0.0005


def clip_to_crs(geoms: Sequence[BaseGeometry] | np.ndarray, crs: str | CRS,
                extent: tuple[float, float, float, float]) -> gpd.GeoSeries:
    """WGS84 geometries of any size in a projected CRS (a GeoSeries), correct where they matter.

    A polygon covering the map, a box a hundred degrees wide, or the world with a hole cannot
    be projected into a local UTM zone as it is (its far corners have no place there). Each is
    first clipped, in longitude/latitude, to ``extent`` ``(min lon, min lat, max lon, max lat)``
    with a margin, then densified (so its sides follow the same lines) and projected.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    minx, miny, maxx, maxy = extent
    m = _ZONE_MARGIN_DEG
    box = (max(minx - m, -180.0), max(miny - m, -90.0), min(maxx + m, 180.0), min(maxy + m, 90.0))
    clipped = shapely.clip_by_rect(shapely.make_valid(np.asarray(geoms, dtype=object)), *box)
    dense = shapely.segmentize(clipped, _ZONE_STEP_DEG)
    return gpd.GeoSeries(dense, crs="EPSG:4326").to_crs(crs)


def area_in_crs(geom: BaseGeometry, crs: str | CRS, around_xy: ArrayLike) -> BaseGeometry:
    """One WGS84 area (a banned place, say) in a projected CRS, clipped around some points.

    Parameters
    ----------
    geom : shapely geometry
        In longitude/latitude, of any size (see :func:`clip_to_crs`).
    crs : pyproj.CRS or str
        The projected CRS.
    around_xy : array of shape (n, 2)
        Points in ``crs`` (the candidates it is tested against); the area is clipped to their
        extent with a margin before projection.
    """
    import numpy as np
    import shapely
    from pyproj import Transformer

    xy = np.asarray(around_xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return shapely.Polygon()
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xy[:, 0],
                                                                              xy[:, 1])
    extent = (float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)))
    return clip_to_crs([geom], crs, extent).iloc[0]
