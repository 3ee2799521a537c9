"""Reading OpenStreetMap data: the walkable ways of a file or an Overpass download."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import numpy as np
import osmium
import osmnx as ox

from .. import settings
from ..errors import DataUnavailableError, InputError
from ..utils import clean_tag, clean_text, haversine_m

log = logging.getLogger(__name__)

#: Way tags kept on edges (osmnx keeps only ``useful_tags_way``).
WAY_TAGS: tuple[str, ...] = (
    "highway", "name", "ref", "oneway", "access", "foot", "area", "lit", "sidewalk",
    "sidewalk:left", "sidewalk:right", "sidewalk:both", "footway", "crossing", "service",
    "maxspeed", "lanes", "surface", "bridge", "tunnel", "width", "junction", "landuse",
    "aadt", "self_aadt", "busy", "unpaved_alley",
    "control_type:forward", "control_type:backward", "xwalk:forward", "xwalk:backward",
    "cross_aadt:forward", "cross_aadt:backward", "parallel_aadt:forward",
    "parallel_aadt:backward",
)

#: Node tags kept on nodes: traffic signals, crossings and their kinds.
NODE_TAGS: tuple[str, ...] = (
    "highway", "crossing", "crossing_ref", "crossing:signals", "crossing:markings",
    "traffic_signals", "junction", "ref", "railway", "kerb", "data_edge",
)

#: Nodes this close (metres) to the outline (convex hull) of the loaded data are at its edge.
DATA_EDGE_M = 25.0

#: Edge attributes that stop simplification from merging two ways: they change the safety cost.
SAFETY_ATTRS: tuple[str, ...] = (
    "highway", "name", "lit", "sidewalk", "footway", "crossing", "service", "maxspeed", "lanes",
    "aadt", "busy", "unpaved_alley", "reversed", "control_type:forward",
    "control_type:backward", "xwalk:forward", "xwalk:backward", "cross_aadt:forward",
    "cross_aadt:backward", "access", "foot", "surface",
)

#: Highway values osmnx's walk filter excludes.
_NOT_WALKABLE = {
    "abandoned", "bus_guideway", "construction", "cycleway", "no", "planned", "platform",
    "proposed", "raceway", "razed", "rest_area", "services",
}

_T = TypeVar("_T")

#: Values that mean "missing" in some extracts.
MISSING = {"", "nan", "none", "null", "NaN", "None", "NULL"}


_FILE_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml", ".osm.xml")


def clean_value(value: _T) -> _T | None:
    """Return ``None`` for the missing-value markers (``nan``, ``None``, empty), else the value."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value.strip() in MISSING:
        return None
    return value


def is_walkable(tags: Mapping[str, Any]) -> bool:
    """Whether a way is walkable, with osmnx's walk-network semantics.

    Mirrors osmnx's ``network_type="walk"`` Overpass filter: a ``highway`` way that is not an
    area, not private, not a motorway (``motorway``, ``motorway_link``, ``motorroad``), not a
    cycleway or a road under construction, not ``foot=no`` and not a private service road; and,
    as osmnx does, not a street whose sidewalks are mapped as separate ways (those are walked).

    Parameters
    ----------
    tags : Mapping
        The way's tags; missing-value markers count as absent.

    Returns
    -------
    bool
    """
    def get(key: str) -> str | None:
        v = clean_value(tags.get(key))
        return None if v is None else str(v)

    hw = get("highway")
    if hw is None or hw in _NOT_WALKABLE or "motor" in hw:
        return False
    if get("area") == "yes" or get("access") == "private" or get("foot") == "no":
        return False
    if get("service") == "private":
        return False
    return all(
        get(k) != "separate"
        for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
    )


#: Highway values of roads that traffic uses, walkable or not (crossing them is a hazard).
ROAD_CLASSES = {
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
    "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
    "living_street", "service", "road", "busway",
}


def _is_hidden_road(tags: Mapping[str, Any]) -> bool:
    hw = clean_value(tags.get("highway"))
    return hw is not None and str(hw) in ROAD_CLASSES and clean_value(tags.get("area")) != "yes"


def configure_osmnx() -> None:
    """Make osmnx keep the tags safety needs; must run before any graph is loaded."""
    way = list(dict.fromkeys([*ox.settings.useful_tags_way, *WAY_TAGS]))
    node = list(dict.fromkeys([*ox.settings.useful_tags_node, *NODE_TAGS]))
    ox.settings.useful_tags_way = way
    ox.settings.useful_tags_node = node


# ---------------------------------------------------------------------------------------------
# Loading raw graphs


def check_osm_file(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is an existing, non-empty OSM file we read."""
    if not path.exists():
        raise InputError(f"OSM file not found: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    name = path.name.lower()
    if not name.endswith(_FILE_SUFFIXES):
        raise InputError(
            f"unsupported OSM file {path.name!r}: give .osm, .osm.bz2, .osm.gz or .osm.pbf"
        )
    if path.stat().st_size == 0:
        raise InputError(f"OSM file is empty: {path}")


def osm_errors() -> tuple[type[Exception], ...]:
    """What osmium raises for a malformed file (a bad coordinate is its own class)."""
    return (RuntimeError, ValueError, getattr(osmium, "InvalidLocationError", RuntimeError))


def _within(lat: float, lon: float, clip: tuple[float, float, float] | None) -> bool:
    if clip is None:
        return True
    clat, clon, radius = clip
    return haversine_m(lat, lon, clat, clon) <= radius


def _walkable_xml(path: Path, out: Path, clip: tuple[float, float, float] | None) -> int:
    """Write the walkable ways of an OSM file (any format osmium reads) as OSM XML.

    Returns the number of ways written. Tag values that mean "missing" are dropped, so osmnx
    never sees them. With ``clip=(lat, lon, radius_m)`` only ways with a node within the radius
    are kept. Where the data is cut, the node gets ``data_edge=yes``: a kept way's node next to
    one missing from the file (an extract cut across the way), or a node a kept way shares with
    a way the clip left out.
    """
    keep_way_tags = set(WAY_TAGS) - {"data_edge"}
    keep_node_tags = set(NODE_TAGS) - {"data_edge"}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    needed: set[int] = set()
    clipped: set[int] = set()
    try:
        fp = osmium.FileProcessor(str(path), osmium.osm.WAY | osmium.osm.NODE).with_locations()
        for obj in fp:
            if not isinstance(obj, osmium.osm.Way):
                continue
            tags = {t.k: clean_tag(t.k, t.v) for t in obj.tags if t.k in keep_way_tags}
            tags = {k: v for k, v in tags.items() if clean_value(v) is not None}
            # Roads people may not walk (motorway ramps, streets with separately mapped
            # sidewalks) are kept for now: walkers still cross them. prepare_graph() records
            # them at the nodes they share with walkable ways and then removes them.
            if not (is_walkable(tags) or _is_hidden_road(tags)):
                continue
            refs = [n.ref for n in obj.nodes]
            if len(refs) < 2:
                continue
            if clip is not None and not any(
                n.location.valid() and _within(n.location.lat, n.location.lon, clip)
                for n in obj.nodes
            ):
                clipped.update(refs)
                continue
            ways.append((obj.id, refs, tags))
            needed.update(refs)
        nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
            if isinstance(obj, osmium.osm.Node) and obj.id in needed and obj.location.valid():
                tags = {
                    t.k: clean_tag(t.k, t.v) for t in obj.tags
                    if t.k in keep_node_tags and clean_value(t.v) is not None
                }
                nodes[obj.id] = (obj.location.lat, obj.location.lon, tags)
    except osm_errors() as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(f"malformed OSM file {path.name}: {clean_text(first)}") from None
    if not ways:
        where = "" if clip is None else f" within {clip[2]:,.0f} m of {clip[0]:.5f},{clip[1]:.5f}"
        raise InputError(f"no walkable streets{where} in OSM file {path.name}")
    edge = _cut_nodes(ways, nodes, clipped)
    with osmium.SimpleWriter(str(out), overwrite=True) as w:
        for nid in sorted(nodes):
            lat, lon, tags = nodes[nid]
            if nid in edge:
                tags = {**tags, "data_edge": "yes"}
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), tags=tags, version=1))
        for wid, refs, tags in ways:
            present = [r for r in refs if r in nodes]
            if len(present) >= 2:
                w.add_way(osmium.osm.mutable.Way(id=wid, nodes=present, tags=tags, version=1))
    return len(ways)


def _cut_nodes(ways: list[tuple[int, list[int], dict[str, str]]], nodes: Mapping[int, Any],
               clipped: set[int]) -> set[int]:
    """Nodes of kept ways where the data is cut.

    A node next to one missing from the file, or shared with a way the clip left out.
    """
    cut: set[int] = set()
    for _, refs, _ in ways:
        present = [r in nodes for r in refs]
        for i, r in enumerate(refs):
            if not present[i]:
                continue
            if r in clipped or (i > 0 and not present[i - 1]) or (
                    i + 1 < len(refs) and not present[i + 1]):
                cut.add(r)
    return cut


def mark_data_edges(G: nx.MultiDiGraph, margin_m: float = DATA_EDGE_M) -> None:
    """Mark the nodes at the edge of the loaded data with ``data_edge=True``.

    Nodes within ``margin_m`` of the convex hull of all loaded nodes are at the edge (an extract
    or a download's bounding box cuts roads there), and so are nodes the file reader tagged
    ``data_edge=yes`` (see :func:`_walkable_xml`). Runs on the raw, unprojected graph.
    """
    import shapely

    ids = list(G.nodes)
    near = np.zeros(len(ids), dtype=bool)
    if len(ids) >= 3:
        lon = np.array([float(G.nodes[n]["x"]) for n in ids])
        lat = np.array([float(G.nodes[n]["y"]) for n in ids])
        xy = np.column_stack([lon * 111_320.0 * math.cos(math.radians(float(lat.mean()))),
                              lat * 110_540.0])
        hull = shapely.convex_hull(shapely.multipoints(xy))
        if hull.geom_type == "Polygon":
            near = shapely.distance(shapely.points(xy), hull.boundary) <= margin_m
    for n, edge in zip(ids, near.tolist(), strict=True):
        data = G.nodes[n]
        tagged = str(data.get("data_edge", "")).lower() in ("yes", "true")
        if edge or tagged:
            data["data_edge"] = True
        else:
            data.pop("data_edge", None)


def raw_graph_from_file(
    path: str | Path, *, clip: tuple[float, float, float] | None = None
) -> nx.MultiDiGraph:
    """Read the walkable network of a local OSM file, unprepared.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``.
    clip : tuple, optional
        ``(lat, lon, radius_m)``: keep only ways reaching within the radius of the point.

    Returns
    -------
    networkx.MultiDiGraph
        Unsimplified, unprojected, both directions of every way.
    """
    path = Path(path)
    check_osm_file(path)
    configure_osmnx()
    with tempfile.TemporaryDirectory(prefix="safepassage-") as tmp:
        xml = Path(tmp) / "walk.osm"
        _walkable_xml(path, xml, clip)
        G = ox.graph_from_xml(xml, bidirectional=True, simplify=False, retain_all=True)
    if len(G) == 0:
        raise InputError(f"no walkable streets in OSM file {path.name}")
    return G


def raw_graph_from_overpass(lat: float, lon: float, radius_m: float) -> nx.MultiDiGraph:
    """Download the walkable network around a point from OpenStreetMap's Overpass API.

    Uses ``osmnx.graph_from_point(..., network_type="walk")``, so ``ox.settings.overpass_url``,
    ``requests_timeout`` and friends apply.

    Raises
    ------
    DataUnavailableError
        When Overpass cannot be reached, times out, refuses or answers nonsense.
    """
    configure_osmnx()
    with overpass_errors():
        # network_type="walk" makes every way two-way; the filter asks for every road, not only
        # walkable ones, because crossing a road nobody may walk along (a motorway ramp, a
        # street with separately mapped sidewalks) is still a hazard. prepare_graph() keeps
        # those as crossing information only.
        G = ox.graph_from_point(
            (lat, lon), dist=radius_m, dist_type="bbox", network_type="walk", simplify=False,
            retain_all=True, custom_filter='["highway"]["area"!~"yes"]',
        )
    return G


@contextlib.contextmanager
def overpass_errors() -> Iterator[None]:
    """Turn the ways an Overpass download fails into one clear :class:`DataUnavailableError`."""
    import requests

    if settings.overpass_url:
        ox.settings.overpass_url = settings.overpass_url
    url = ox.settings.overpass_url
    saved = ox.settings.requests_kwargs
    saved_cache = ox.settings.use_cache
    # osmnx answers HTTP 429/504 by sleeping and retrying for ever; a user at a terminal wants
    # an answer, so any error status is raised at once (the /status probe always answers 200).
    hooks = {"response": lambda r, *a, **k: r.raise_for_status()}
    ox.settings.requests_kwargs = {**saved, "hooks": hooks}
    # Our own cache keeps downloads (verified, per site); osmnx's would litter ./cache.
    ox.settings.use_cache = False
    try:
        if ox.settings.overpass_rate_limit:
            # osmnx sleeps 60 s when its /status probe cannot connect, then fails anyway; ask
            # the same page first so an unreachable server is reported at once.
            requests.get(url.rstrip("/") + "/status", timeout=ox.settings.requests_timeout,
                         **ox.settings.requests_kwargs)
        yield
    except requests.exceptions.Timeout:
        raise DataUnavailableError(
            f"Overpass API at {url} timed out after {ox.settings.requests_timeout} s; try again "
            "later, a smaller radius, or a local OSM extract"
        ) from None
    except requests.exceptions.ConnectionError:
        raise DataUnavailableError(
            f"cannot reach the Overpass API at {url} (no internet?)"
        ) from None
    except requests.exceptions.HTTPError as exc:
        status: Any = getattr(exc.response, "status_code", "?")
        why = {429: " (too many requests: try again in a few minutes)",
               504: " (server busy or query too large: try again later or a smaller radius)"}
        raise DataUnavailableError(
            f"Overpass API at {url} answered HTTP {status}{why.get(status, '')}"
        ) from None
    except ox._errors.ResponseStatusCodeError as exc:
        raise DataUnavailableError(
            f"Overpass API at {url} refused the request: {str(exc).splitlines()[0][:200]}"
        ) from None
    except ox._errors.InsufficientResponseError as exc:
        raise DataUnavailableError(
            f"Overpass API at {url} returned no usable data: {str(exc).splitlines()[0][:200]}"
        ) from None
    except (ValueError, json.JSONDecodeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise DataUnavailableError(
            f"Overpass API at {url} answered with malformed data ({type(exc).__name__})"
        ) from None
    finally:
        ox.settings.requests_kwargs = saved
        ox.settings.use_cache = saved_cache


# ---------------------------------------------------------------------------------------------
# Preparation


