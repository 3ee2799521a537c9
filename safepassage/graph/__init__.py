"""One prepared walking network, whatever the source: Overpass, a local file, or the cache.

Every source ends in :func:`prepare_graph`, so later modules see the same kind of graph:

* walkable ways only, with osmnx's walk semantics (no motorways, ``foot=no`` and
  ``access=private`` honoured, see :func:`is_walkable`);
* the tags safety needs kept as edge attributes, with the literal strings ``nan``/``None``
  (how some extracts mark missing values) read as missing, i.e. the attribute is absent;
* simplified without merging ways whose safety tags differ, so every edge carries one value
  per tag;
* the largest strongly connected part only (what was dropped is reported in
  ``G.graph["dropped"]``);
* projected to a local metric (UTM) CRS, every edge with a ``geometry``;
* direction-dependent LADOT attributes (``control_type:forward`` ...) resolved per directed
  edge into ``end_control``, ``end_xwalk`` and ``end_cross_aadt``: what a walker meets at the
  end of the edge in the direction they walk it;
* unnamed footways that run alongside a named street (separately mapped sidewalks) get that
  street's name as ``street_name``, so directions can say "walk north on Grand Avenue";
* nodes where the loaded data ends carry ``data_edge=True`` (see :func:`mark_data_edges`): a
  road that stops there was cut by the extract, the clip radius or the download's bounding box,
  and the crossing model treats it as continuing.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import osmnx as ox

from ..errors import InputError
from .cache import (
    CACHE_FORMAT,
    CacheError,
    Provenance,
    cache_dir_for,
    file_sha256,
    load_cache,
    read_cache_meta,
    save_cache,
)
from .osm import (
    MISSING,
    NODE_TAGS,
    ROAD_CLASSES,
    SAFETY_ATTRS,
    WAY_TAGS,
    check_osm_file,
    clean_value,
    configure_osmnx,
    is_walkable,
    mark_data_edges,
    osm_errors,
    overpass_errors,
    raw_graph_from_file,
    raw_graph_from_overpass,
)
from .prepare import graph_summary, prepare_graph

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

log = logging.getLogger(__name__)


def nearest_node(
    G: nx.MultiDiGraph, lat: float, lon: float, max_m: float | None = None
) -> tuple[int, float]:
    """The network node nearest a WGS84 point, and its distance in metres.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A prepared (projected) network.
    lat, lon : float
        The point.
    max_m : float, optional
        Raise :class:`InputError` when the nearest node is farther than this.

    Returns
    -------
    tuple
        ``(node, distance_m)``.
    """
    x, y = project_points(G, [lon], [lat])
    node, dist = ox.distance.nearest_nodes(G, x[0], y[0], return_dist=True)
    if max_m is not None and dist > max_m:
        raise InputError(
            f"point {lat:.5f},{lon:.5f} is {dist:,.0f} m from the nearest walkable street in "
            f"this network (more than {max_m:,.0f} m): check the coordinates or the radius"
        )
    return int(node), float(dist)


def project_points(G: nx.MultiDiGraph, lons: ArrayLike, lats: ArrayLike
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitudes/latitudes into the graph's CRS."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", G.graph["crs"], always_xy=True)
    x, y = t.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.atleast_1d(x), np.atleast_1d(y)


# ---------------------------------------------------------------------------------------------
# One entry point per source


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def graph_from_file(
    path: str | Path, *, point: tuple[float, float] | None = None, radius_m: float | None = None
) -> nx.MultiDiGraph:
    """Prepared walking network from a local OSM file.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``.
    point : tuple, optional
        ``(lat, lon)`` origin; with ``radius_m`` the file is clipped around it.
    radius_m : float, optional
        Keep ways within this distance of ``point``.

    Returns
    -------
    networkx.MultiDiGraph
    """
    path = Path(path)
    clip = (point[0], point[1], radius_m) if point is not None and radius_m else None
    G = prepare_graph(raw_graph_from_file(path, clip=clip))
    G.graph["provenance"] = Provenance(
        source="file", detail=path.name,
        query={"point": list(point) if point else None, "radius_m": radius_m}, retrieved=_now(),
    ).to_dict()
    return G


def graph_from_point(lat: float, lon: float, radius_m: float) -> nx.MultiDiGraph:
    """Prepared walking network downloaded from Overpass around a point (no caching).

    See :func:`fetch` for the cached variant most callers want.
    """
    G = prepare_graph(raw_graph_from_overpass(lat, lon, radius_m))
    G.graph["provenance"] = Provenance(
        source="overpass", detail=ox.settings.overpass_url,
        query={"point": [lat, lon], "radius_m": radius_m}, retrieved=_now(),
    ).to_dict()
    return G


__all__ = [
    "CACHE_FORMAT",
    "MISSING",
    "NODE_TAGS",
    "ROAD_CLASSES",
    "SAFETY_ATTRS",
    "WAY_TAGS",
    "CacheError",
    "Provenance",
    "cache_dir_for",
    "check_osm_file",
    "clean_value",
    "configure_osmnx",
    "file_sha256",
    "graph_from_file",
    "graph_from_point",
    "graph_summary",
    "is_walkable",
    "load_cache",
    "mark_data_edges",
    "nearest_node",
    "osm_errors",
    "overpass_errors",
    "prepare_graph",
    "project_points",
    "raw_graph_from_file",
    "raw_graph_from_overpass",
    "read_cache_meta",
    "save_cache",
]
