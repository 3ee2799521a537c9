"""Reading and writing files: atomic writes, GeoJSON, GPX.

Every file the product writes goes through :func:`atomic_write_text` /
:func:`atomic_write_bytes` (or :func:`atomic_dir`), so a failure never leaves half a file behind:
the data is written to a temporary file in the same folder and renamed over the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Target file; its folder is created if missing.
    data : bytes
        The complete content.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private; give it the permissions a plain open() would
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=str)
    return atomic_write_text(path, text + "\n")


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Build a folder's new content in a temporary sibling and swap it in only on success.

    Yields the temporary folder; write everything there. If the block raises, the temporary
    folder is removed and ``path`` keeps its previous content whole.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        path.replace(old)
    tmp.replace(path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_geojson(gdf: Any, path: str | Path) -> Path:
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

    gpx = gpxpy.gpx.GPX()
    gpx.name = name
    gpx.creator = "safepassage"
    for wname, desc, lat, lon in waypoints:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(lat, lon, name=wname, description=desc))
    for tname, desc, points in tracks:
        track = gpxpy.gpx.GPXTrack(name=tname, description=desc)
        seg = gpxpy.gpx.GPXTrackSegment(
            [gpxpy.gpx.GPXTrackPoint(lat, lon) for lat, lon in points]
        )
        track.segments.append(seg)
        gpx.tracks.append(track)
    return atomic_write_text(path, gpx.to_xml())


def read_geojson_features(
    path: str | Path, kinds: tuple[str, ...], *, what: str = "GeoJSON file",
    expect: str = "", allow_empty: bool = False,
) -> list[tuple[str, Any, dict[str, Any]]]:
    """Read and check the features of a user's GeoJSON file.

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
        Missing file, malformed JSON, no features, a missing or invalid geometry, a geometry
        of another type, or coordinates out of range.
    """
    import shapely

    from .errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found: {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: malformed GeoJSON ({type(exc).__name__})") from None
    feats = data.get("features") if isinstance(data, dict) else None
    if isinstance(data, dict) and data.get("type") == "Feature":
        feats = [data]
    if not isinstance(feats, list):
        raise InputError(f"{path.name}: not a GeoJSON FeatureCollection")
    if not feats and not allow_empty:
        raise InputError(f"{path.name}: no GeoJSON features")
    out = []
    for i, f in enumerate(feats, start=1):
        where = f"{path.name} feature {i}"
        try:
            geom = shapely.geometry.shape(f["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            raise InputError(f"{where}: missing or invalid geometry") from None
        if geom.is_empty or geom.geom_type not in kinds:
            wanted = expect or f"geometry must be {' or '.join(kinds)}"
            raise InputError(f"{where}: {wanted}, got {geom.geom_type}")
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError(f"{where}: coordinates out of range (GeoJSON is lon,lat in WGS84)")
        props = f.get("properties") if isinstance(f, dict) else None
        out.append((where, geom, dict(props or {})))
    return out
