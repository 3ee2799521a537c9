"""Ways as the cost model reads them: kinds, roads, arterials, sidewalks, once per network.

What :func:`safepassage.safety.edge_risk` needs of each edge does not depend on the profile or
the time window: the kind of way (:func:`way_kind`), whether it carries motor traffic
(:func:`is_road`) or is an arterial (:func:`is_arterial`), its traffic, lanes, speed, lighting,
sidewalks and geometry. :func:`edge_attributes` reads them from a prepared network once, as
arrays, and caches them per network; a new profile or window then costs only arithmetic.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np

#: A road whose traffic (LADOT ``aadt``, vehicles a day) reaches this is crossed as an
#: arterial even where its class is minor (roads nobody may walk: ramps, hidden carriageways).
ARTERIAL_AADT = 10_000.0

#: Highway values of arterial roads, and their factor key in ``[arterial]``.
ARTERIALS = {
    "trunk": "trunk", "trunk_link": "trunk", "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary", "tertiary": "tertiary",
    "tertiary_link": "tertiary", "motorway": "trunk", "motorway_link": "trunk",
}

#: Ways with no motor traffic: the preferred kind, factor ``[way] footway``.
FOOT_WAYS = {"footway", "pedestrian", "living_street", "corridor", "elevator", "platform",
             "crossing", "sidewalk"}
PATH_WAYS = {"path", "track", "bridleway", "cycleway"}
#: Ways with motor traffic: they have two sides and crossing them is a hazard. Living streets
#: are walked like footways but still crossed like streets.
ROAD_WAYS = {"residential", "unclassified", "road", "service", "busway", "living_street",
             *ARTERIALS}


def way_kind(data: Mapping[str, Any]) -> str:
    """The ``[way]`` key for an edge: footway, path, residential, street, service, alley, ..."""
    hw = str(data.get("highway") or "")
    service = str(data.get("service") or "")
    if hw == "steps":
        return "steps"
    if hw in FOOT_WAYS:
        return "footway"
    if hw in PATH_WAYS:
        return "path"
    if hw == "residential":
        return "residential"
    if hw == "service" or str(data.get("unpaved_alley")) == "True":
        if service == "alley" or str(data.get("unpaved_alley")) == "True":
            return "alley"
        if service == "driveway":
            return "driveway"
        if service == "parking_aisle":
            return "parking_aisle"
        return "service"
    return "street"


def is_road(data: Mapping[str, Any]) -> bool:
    """Whether an edge carries motor traffic (so it has two sides and can be crossed)."""
    return str(data.get("highway") or "") in ROAD_WAYS


def is_arterial(data: Mapping[str, Any]) -> bool:
    """Whether an edge is an arterial: trunk/primary/secondary/tertiary, or LADOT busy."""
    return str(data.get("highway") or "") in ARTERIALS or data.get("busy") is True


def _missing_sidewalk_sides(data: Mapping[str, Any]) -> tuple[bool, bool]:
    """(right missing, left missing) relative to the edge's direction of travel."""
    sw = str(data.get("sidewalk") or "")
    left = str(data.get("sidewalk:left") or "")
    right = str(data.get("sidewalk:right") or "")
    both = str(data.get("sidewalk:both") or "")
    miss_r = sw in ("no", "none", "left") or right == "no" or both == "no"
    miss_l = sw in ("no", "none", "right") or left == "no" or both == "no"
    # sidewalk:left/right are relative to the OSM way; a reversed edge walks it backwards
    if str(data.get("reversed")) == "True":
        miss_r, miss_l = miss_l, miss_r
    return miss_r, miss_l


#: Arterial classes in the order :attr:`EdgeAttributes.art_class` numbers them (then ``busy``,
#: then none).
ARTERIAL_CLASSES = tuple(dict.fromkeys(ARTERIALS.values()))


@dataclass
class EdgeAttributes:
    """What :func:`edge_risk` reads of each edge whatever the profile, read once per network.

    Per edge, in ``G.edges`` order (``edges``; ``index`` maps each to its row): ``length``,
    ``kind`` (:func:`way_kind`; ``kinds`` and ``kind_code``: the distinct kinds and each
    edge's), ``road``, ``arterial``, ``unlit``, ``alley`` (alleys, driveways, other service
    ways), ``miss_right`` / ``miss_left`` (no sidewalk on that side), ``art_class`` (index into
    :data:`ARTERIAL_CLASSES`; its length for LADOT ``busy``, one more for neither), ``aadt``,
    ``lanes``, ``speed`` (nan where unknown) and ``geoms`` (in the network's CRS). ``size`` is
    the number of nodes of the network it was read from.
    """

    edges: list[tuple[Hashable, Hashable, int]]
    length: np.ndarray
    kind: list[str]
    kinds: np.ndarray
    kind_code: np.ndarray
    road: np.ndarray
    arterial: np.ndarray
    unlit: np.ndarray
    alley: np.ndarray
    miss_right: np.ndarray
    miss_left: np.ndarray
    art_class: np.ndarray
    aadt: np.ndarray
    lanes: np.ndarray
    speed: np.ndarray
    geoms: gpd.GeoSeries
    index: dict[tuple[Hashable, Hashable, int], int]
    size: int


_ATTRIBUTES: weakref.WeakKeyDictionary[nx.MultiDiGraph, EdgeAttributes] = \
    weakref.WeakKeyDictionary()


def edge_attributes(G: nx.MultiDiGraph) -> EdgeAttributes:
    """The :class:`EdgeAttributes` of a prepared network, read once and then cached.

    A prepared network is not modified afterwards; should one be, the cache notices a change in
    its number of nodes and reads it again.
    """
    size = len(G)
    cached = _ATTRIBUTES.get(G)
    if cached is not None and cached.size == size:
        return cached
    edges = list(G.edges(keys=True))
    datas = [G.edges[e] for e in edges]
    n = len(edges)
    road = np.array([is_road(d) for d in datas], dtype=bool)
    busy = len(ARTERIAL_CLASSES)
    art_class = np.array([ARTERIAL_CLASSES.index(ARTERIALS[hw]) if hw in ARTERIALS else
                          busy if d.get("busy") is True else busy + 1
                          for hw, d in ((str(d.get("highway") or ""), d) for d in datas)],
                         dtype=np.int64)
    miss = np.array([_missing_sidewalk_sides(d) if road[i] else (False, False)
                     for i, d in enumerate(datas)], dtype=bool).reshape(n, 2)
    kind = [way_kind(d) for d in datas]
    kinds, kind_code = np.unique(np.array(kind, dtype=str), return_inverse=True)
    alley = np.isin(kinds, ["alley", "driveway", "service", "parking_aisle"])[kind_code]
    built = EdgeAttributes(
        edges=edges, length=np.array([float(d["length"]) for d in datas]), kind=kind,
        kinds=kinds, kind_code=kind_code.astype(np.int64), road=road, alley=alley,
        arterial=np.array([is_arterial(d) for d in datas], dtype=bool),
        unlit=np.array([str(d.get("lit") or "") in ("no", "disused") for d in datas],
                       dtype=bool),
        miss_right=miss[:, 0], miss_left=miss[:, 1], art_class=art_class,
        aadt=np.array([d.get("aadt") for d in datas], dtype=float),
        lanes=np.array([d.get("lanes") for d in datas], dtype=float),
        speed=np.array([d.get("maxspeed_kmh") for d in datas], dtype=float),
        geoms=gpd.GeoSeries([d["geometry"] for d in datas], crs=G.graph["crs"]),
        index={e: i for i, e in enumerate(edges)}, size=size)
    _ATTRIBUTES[G] = built
    return built
