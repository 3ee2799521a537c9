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

import contextlib
import hashlib
import json
import logging
import math
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmium
import osmnx as ox

from . import __version__, settings
from .errors import DataUnavailableError, InputError
from .io import atomic_dir, atomic_write_json
from .utils import clean_name, clean_tag, clean_text, haversine_m

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

#: Values that mean "missing" in some extracts.
MISSING = {"", "nan", "none", "null", "NaN", "None", "NULL"}

#: Version of the cache layout and preparation; a cache written by another version is rebuilt.
CACHE_FORMAT = 5

_FILE_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml", ".osm.xml")


def clean_value(value: Any) -> Any:
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


def _check_file(path: Path) -> None:
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
    _check_file(path)
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
            "later, a smaller --radius, or a local extract with --osm-file"
        ) from None
    except requests.exceptions.ConnectionError:
        raise DataUnavailableError(
            f"cannot reach the Overpass API at {url} (no internet?)"
        ) from None
    except requests.exceptions.HTTPError as exc:
        status: Any = getattr(exc.response, "status_code", "?")
        why = {429: " (too many requests: try again in a few minutes)",
               504: " (server busy or query too large: try again later or a smaller --radius)"}
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


def _clean_attrs(G: nx.MultiDiGraph) -> None:
    for _, data in G.nodes(data=True):
        for k in [k for k, v in data.items() if k not in ("x", "y") and clean_value(v) is None]:
            del data[k]
    for _, _, data in G.edges(data=True):
        for k in [k for k, v in data.items() if clean_value(v) is None]:
            del data[k]


def _number(value: Any) -> float | None:
    value = clean_value(value)
    if value is None:
        return None
    if isinstance(value, list):
        nums = [n for n in (_number(v) for v in value) if n is not None]
        return max(nums) if nums else None
    text = str(value).strip().lower()
    mph = "mph" in text
    text = text.replace("mph", "").replace("km/h", "").replace("kmh", "").strip()
    try:
        num = float(text.split(";")[0])
    except ValueError:
        return None
    if math.isnan(num):
        return None
    return num * 1.609344 if mph else num


def _truthy(value: Any) -> bool | None:
    value = clean_value(value)
    if value is None:
        return None
    return str(value).strip().lower() in ("true", "yes", "1")


def _first(value: Any) -> Any:
    # Merged edges may carry lists; the safety attributes never differ within an edge, so any
    # element will do, but names and ids keep their first value for display.
    return value[0] if isinstance(value, list) and value else value


def _derive_edge_attrs(G: nx.MultiDiGraph) -> None:
    """Normalise tag values into typed attributes the safety model reads."""
    for _, _, data in G.edges(data=True):
        for key in ("highway", "lit", "service", "footway", "crossing", "surface"):
            if key in data:
                data[key] = _first(data[key])
        # Names are user-edited text: cleaned once here, where they enter, for every output.
        for key in ("name", "street_name"):
            if key in data:
                name = clean_name(data[key])
                if name is None:
                    del data[key]
                else:
                    data[key] = name
        rev = bool(_first(data.get("reversed", False)))
        fwd, bwd = (":backward", ":forward") if rev else (":forward", ":backward")
        control = clean_value(data.get("control_type" + fwd))
        xwalk = clean_value(data.get("xwalk" + fwd))
        cross = _number(data.get("cross_aadt" + fwd))
        start_control = clean_value(data.get("control_type" + bwd))
        if control is not None:
            data["end_control"] = str(control)
        if start_control is not None:
            data["start_control"] = str(start_control)
        if xwalk is not None:
            data["end_xwalk"] = str(xwalk)
        if cross is not None:
            data["end_cross_aadt"] = cross
        aadt = _number(data.get("aadt", data.get("self_aadt")))
        if aadt is not None:
            data["aadt"] = aadt
        else:
            data.pop("aadt", None)
        lanes = _number(data.get("lanes"))
        if lanes is not None:
            data["lanes"] = lanes
        else:
            data.pop("lanes", None)
        speed = _number(data.get("maxspeed"))
        if speed is not None:
            data["maxspeed_kmh"] = speed
        busy = _truthy(data.get("busy"))
        if busy is not None:
            data["busy"] = busy
        else:
            data.pop("busy", None)


@dataclass
class Provenance:
    """Where a network came from, stored with it and shown in every plan.

    Attributes
    ----------
    source : str
        "overpass", "file", "demo" or "cache".
    detail : str
        The Overpass URL or the file name.
    query : dict
        The area asked for: point and radius.
    retrieved : str
        ISO time of the download or read.
    osmnx_version, safepassage_version : str
    """

    source: str
    detail: str
    query: dict[str, Any] = field(default_factory=dict)
    retrieved: str = ""
    osmnx_version: str = ox.__version__
    safepassage_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON."""
        return dict(self.__dict__)


def prepare_graph(G: nx.MultiDiGraph, *, to_crs: Any | None = None) -> nx.MultiDiGraph:
    """Turn a raw osmnx walking graph into the network every later step expects.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Unsimplified, unprojected graph from :func:`raw_graph_from_file` or
        :func:`raw_graph_from_overpass`.
    to_crs : optional
        Target CRS; default the local UTM zone.

    Returns
    -------
    networkx.MultiDiGraph
        See the module docstring. ``G.graph["dropped"]`` says what was removed.
    """
    G = G.copy()
    _clean_attrs(G)
    mark_data_edges(G)
    G.remove_edges_from(list(nx.selfloop_edges(G, keys=True)))
    non_walk = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not is_walkable(d)]
    _record_hidden_arms(G, non_walk)
    G.remove_edges_from(non_walk)
    G.remove_nodes_from([n for n in list(G) if G.degree(n) == 0])
    if len(G) == 0:
        raise InputError("the network has no walkable streets")
    raw_nodes, raw_edges = len(G), G.number_of_edges()
    if not G.graph.get("simplified"):
        G = ox.simplify_graph(
            G,
            node_attrs_include=["highway", "crossing", "traffic_signals", "hidden_arms"],
            edge_attrs_differ=[a for a in SAFETY_ATTRS],
        )
    n_comp = nx.number_strongly_connected_components(G)
    before_nodes, before_edges = len(G), G.number_of_edges()
    G = ox.truncate.largest_component(G, strongly=True)
    G.graph["dropped"] = {
        "non_walkable_edges": len(non_walk),
        "components": n_comp - 1,
        "nodes": before_nodes - len(G),
        "edges": before_edges - G.number_of_edges(),
    }
    G.graph["raw_size"] = {"nodes": raw_nodes, "edges": raw_edges}
    for _, d in G.nodes(data=True):  # keep WGS84 positions for maps and GPX
        d["lon"], d["lat"] = float(d["x"]), float(d["y"])
    G = ox.project_graph(G, to_crs=to_crs)
    _ensure_geometry(G)
    _derive_edge_attrs(G)
    _name_sidewalks(G)
    return G


#: A footway this close to a named street, and this close to parallel, is its sidewalk.
SIDEWALK_MAX_M, SIDEWALK_MAX_DEG = 25.0, 20.0


def _axes(lines: np.ndarray) -> np.ndarray:
    """Undirected orientation (0-180 degrees) of each line, end to end."""
    import shapely

    a = shapely.get_coordinates(shapely.get_point(lines, 0))
    b = shapely.get_coordinates(shapely.get_point(lines, -1))
    return np.degrees(np.arctan2(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])) % 180.0


def _name_sidewalks(G: nx.MultiDiGraph) -> None:
    import shapely

    roads = [(d["geometry"], str(d["name"])) for _, _, d in G.edges(data=True)
             if d.get("name") and str(d.get("highway")) in ROAD_CLASSES]
    walks = [d for _, _, d in G.edges(data=True)
             if not d.get("name") and str(d.get("highway")) in ("footway", "path", "pedestrian")
             and d["geometry"].length >= 5.0]
    if not roads or not walks:
        return
    road_geoms = np.array([g for g, _ in roads], dtype=object)
    walk_geoms = np.array([d["geometry"] for d in walks], dtype=object)
    mids = shapely.line_interpolate_point(walk_geoms, 0.5, normalized=True)
    wi, ri = shapely.STRtree(road_geoms).query(mids, predicate="dwithin",
                                               distance=SIDEWALK_MAX_M)
    diff = np.abs(_axes(road_geoms)[ri] - _axes(walk_geoms)[wi]) % 180.0
    parallel = np.minimum(diff, 180.0 - diff) <= SIDEWALK_MAX_DEG
    wi, ri = wi[parallel], ri[parallel]
    dist = shapely.distance(road_geoms[ri], mids[wi])
    # nearest parallel street per footway: sort by (footway, distance), keep the first
    order = np.lexsort((dist, wi))
    wi, ri = wi[order], ri[order]
    first = np.concatenate([[True], wi[1:] != wi[:-1]]) if len(wi) else np.zeros(0, bool)
    for w, r in zip(wi[first].tolist(), ri[first].tolist(), strict=True):
        walks[w]["street_name"] = roads[r][1]


def _record_hidden_arms(G: nx.MultiDiGraph, hidden: list[tuple[Any, Any, Any]]) -> None:
    """Note, on walkable nodes, the roads through them that nobody may walk along.

    Stored as the JSON node attribute ``hidden_arms``: a list of
    ``{"bearing", "highway", "name", "aadt", "lanes", "maxspeed", "control", "xwalk"}`` with
    the bearing from the node along the road. The crossing model treats them like any road arm.
    """
    walkable_nodes = {
        n for u, v, d in G.edges(data=True) if is_walkable(d) for n in (u, v)
    }
    arms: dict[Any, list[dict[str, Any]]] = {}
    for u, v, k in hidden:
        if u not in walkable_nodes:
            continue
        d = G.edges[u, v, k]
        if not _is_hidden_road(d):
            continue
        geom = d.get("geometry")
        if geom is not None:
            (x0, y0), (x1, y1) = geom.coords[0], geom.coords[1]
        else:
            x0, y0 = G.nodes[u]["x"], G.nodes[u]["y"]
            x1, y1 = G.nodes[v]["x"], G.nodes[v]["y"]
        bearing = float(ox.bearing.calculate_bearing(y0, x0, y1, x1))
        # What traffic approaching u along this road meets at u: the reverse edge's end.
        rev = bool(_first(d.get("reversed", False)))
        bwd = ":forward" if rev else ":backward"
        arms.setdefault(u, []).append({
            "bearing": round(bearing, 1),
            "highway": str(_first(d.get("highway"))),
            "name": clean_name(d.get("name")),
            "aadt": _number(d.get("aadt", d.get("self_aadt"))),
            "lanes": _number(d.get("lanes")),
            "maxspeed": _number(d.get("maxspeed")),
            "control": clean_value(d.get("control_type" + bwd)),
            "xwalk": clean_value(d.get("xwalk" + bwd)),
            "busy": _truthy(d.get("busy")),
        })
    for n, a in arms.items():
        # Both directions of a two-way road give the same arm; keep one per bearing.
        unique = {(x["bearing"], x["highway"], x["name"]): x for x in a}
        G.nodes[n]["hidden_arms"] = json.dumps(list(unique.values()), sort_keys=True)


def _ensure_geometry(G: nx.MultiDiGraph) -> None:
    from shapely.geometry import LineString

    for u, v, data in G.edges(data=True):
        if "geometry" not in data:
            data["geometry"] = LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            )


def graph_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Size, what was dropped, and where it came from: for logs and ``plan.json``."""
    return {
        "nodes": len(G),
        "edges": G.number_of_edges(),
        "length_km": round(sum(d["length"] for *_, d in G.edges(data=True)) / 2000.0, 2),
        "crs": str(G.graph.get("crs")),
        "dropped": G.graph.get("dropped", {}),
        "provenance": G.graph.get("provenance", {}),
    }


# ---------------------------------------------------------------------------------------------
# Cache


_NODE_DTYPES: dict[str, Callable[[str], Any]] = {"lon": float, "lat": float,
                                                 "data_edge": lambda s: s == "True"}
_EDGE_DTYPES: dict[str, Callable[[str], Any]] = {
    "aadt": float, "lanes": float, "maxspeed_kmh": float, "end_cross_aadt": float,
    "busy": lambda s: s == "True",
}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class CacheError(Exception):
    """A cache entry is missing, from another version, or corrupt (internal)."""


def cache_dir_for(slug: str, cache_dir: str | Path | None = None) -> Path:
    """The cache folder of one site or point: ``<cache>/<slug>/`` (a plain folder name)."""
    if not slug or slug in (".", "..") or "/" in slug or "\\" in slug or "\0" in slug:
        raise InputError(f"cannot make a cache folder name of {slug!r}")
    return Path(cache_dir or settings.cache_folder) / slug


def save_cache(
    folder: str | Path,
    G: nx.MultiDiGraph,
    provenance: Provenance,
    extra_files: Mapping[str, Callable[[Path], None]] | None = None,
) -> Path:
    """Write a prepared network (and extra files) to a cache folder, atomically.

    Parameters
    ----------
    folder : str or Path
        ``<cache>/<slug>``; replaced whole only once everything is written.
    G : networkx.MultiDiGraph
        The prepared network.
    provenance : Provenance
        Where it came from.
    extra_files : mapping, optional
        File name -> function writing that file at the given path (destinations, say).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        H = G.copy()
        for key in ("provenance", "dropped", "raw_size"):
            H.graph.pop(key, None)
        ox.save_graphml(H, tmp / "network.graphml")
        for name, writer in (extra_files or {}).items():
            writer(tmp / name)
        files = {p.name: _sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        meta = {
            "format": CACHE_FORMAT,
            "provenance": provenance.to_dict(),
            "dropped": G.graph.get("dropped", {}),
            "raw_size": G.graph.get("raw_size", {}),
            "files": files,
        }
        atomic_write_json(tmp / "provenance.json", meta)
    return folder


def read_cache_meta(folder: str | Path) -> dict[str, Any]:
    """Read and verify a cache folder's ``provenance.json`` and checksums.

    Raises
    ------
    CacheError
        When the entry is missing, from another cache format, or any file's checksum differs
        (a half-written or edited file).
    """
    folder = Path(folder)
    meta_path = folder / "provenance.json"
    if not meta_path.exists():
        raise CacheError(f"no cache entry in {folder}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = meta["files"]
        fmt = meta["format"]
        prov = meta.setdefault("provenance", {})
        if not (isinstance(files, dict) and isinstance(prov, dict)
                and isinstance(prov.setdefault("query", {}), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())):
            raise TypeError("unexpected structure")
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise CacheError(f"corrupt cache entry {meta_path} ({type(exc).__name__})") from None
    if fmt != CACHE_FORMAT:
        raise CacheError(f"cache entry {folder} is format {fmt}, this version reads {CACHE_FORMAT}")
    for name, digest in files.items():
        p = folder / name
        try:
            ok = p.parent == folder and p.is_file() and _sha256(p) == digest
        except OSError:
            ok = False
        if not ok:
            raise CacheError(f"corrupt cache entry: {p} is missing or does not match its checksum")
    return meta


def load_cache(folder: str | Path) -> nx.MultiDiGraph:
    """Load a verified cached network.

    Raises
    ------
    CacheError
        See :func:`read_cache_meta`; also when the GraphML cannot be parsed.
    """
    folder = Path(folder)
    meta = read_cache_meta(folder)
    try:
        G = ox.load_graphml(folder / "network.graphml", node_dtypes=_NODE_DTYPES,
                            edge_dtypes=_EDGE_DTYPES)
    except Exception as exc:  # any parse failure means the entry is unusable
        raise CacheError(f"corrupt cache entry {folder}: {type(exc).__name__}") from None
    G.graph["provenance"] = {**meta["provenance"], "cache": str(folder)}
    G.graph["dropped"] = meta.get("dropped", {})
    G.graph["raw_size"] = meta.get("raw_size", {})
    return G


# ---------------------------------------------------------------------------------------------
# Nearest nodes


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


def project_points(G: nx.MultiDiGraph, lons: Any, lats: Any) -> tuple[np.ndarray, np.ndarray]:
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
