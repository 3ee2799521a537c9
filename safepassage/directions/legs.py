"""From a computed route to directions legs: the one part of directions that reads the graph.

:func:`route_legs` looks up each edge of a :class:`~safepassage.routing.Route` in the walking
network (name, kind, length, bearings) and the crossings the routing model found at each turn,
and returns plain :class:`~safepassage.directions.Leg` objects for the pure step builder.
"""

from __future__ import annotations

import networkx as nx

from safepassage.routing import Route, StateGraph, edge_bearings, route_crossings
from safepassage.utils import edge_name

from .model import Crossing, Leg

__all__ = ["route_legs"]


def route_legs(G: nx.MultiDiGraph, sg: StateGraph, route: Route) -> list[Leg]:
    """The route as directions legs: names, kinds, bearings, and the crossings at each turn.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The prepared walking network the route was computed on.
    sg : safepassage.routing.StateGraph
        The turn-aware state graph of that network.
    route : safepassage.routing.Route
        A route found on ``sg``.

    Returns
    -------
    list of Leg
        One leg per edge of the route, in walking order; a separately mapped sidewalk is named
        after its street (``street_name``).
    """
    at = dict(route_crossings(sg, route.states))
    legs = []
    for i, e in enumerate(route.edges):
        data = G.edges[sg.risk.edges[e]]
        start, end = edge_bearings(data["geometry"])
        crossings = tuple(
            Crossing(street=a.name, control=a.control, arterial=a.arterial)
            for a in at.get(i, [])
        )
        legs.append(Leg(name=edge_name(data), highway=str(data.get("highway") or "footway"),
                        length_m=float(data["length"]), bearing_start=start, bearing_end=end,
                        crossings=crossings, service=data.get("service")))
    return legs
