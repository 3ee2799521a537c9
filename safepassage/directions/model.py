"""The vocabulary of directions: legs in, steps out, and the small pure judgements on them.

A :class:`Leg` is one network edge of a route in walking order, a :class:`Crossing` a street
crossed at its start; a :class:`Step` is one instruction. :func:`way_kind`,
:func:`heading_name`, :func:`turn_angle` and :func:`classify_turn` are the pure helpers the step
builder (:mod:`safepassage.directions.steps`) and the text (:mod:`safepassage.directions.text`)
share. Nothing here touches a graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from safepassage.utils import clean_name, clean_text, compass_word

__all__ = [
    "CONTROLS",
    "Crossing",
    "Leg",
    "Step",
    "classify_turn",
    "heading_name",
    "turn_angle",
    "way_kind",
]

#: Crossing controls, from the most to the least protective; anything else reads as "none".
CONTROLS = ("signal", "stop", "crosswalk", "none")

_FOOTPATH = frozenset({"footway", "path", "cycleway", "bridleway", "track", "crossing"})
_WALKWAY = frozenset({"pedestrian", "corridor", "platform", "elevator"})
_STREET = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "road",
        "busway",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    }
)


@dataclass(frozen=True)
class Crossing:
    """A street crossed at a node of the route.

    Attributes
    ----------
    street : str or None
        Name of the street crossed; None if unnamed.
    control : str
        ``"signal"``, ``"stop"``, ``"crosswalk"`` or ``"none"``. Any other value is treated as
        ``"none"`` (the most cautious wording).
    arterial : bool
        True for a busy road; such crossings carry a "busy street" warning and are narrated
        even when the street is unnamed.
    """

    street: str | None
    control: str
    arterial: bool


@dataclass(frozen=True)
class Leg:
    """One network edge of a route, in walking order.

    Attributes
    ----------
    name : str or None
        Street or path name of the edge; None for unnamed footways and the like.
    highway : str
        OSM ``highway`` value (``footway``, ``steps``, ``primary``, ``service``, ...).
    length_m : float
        Length in metres (finite, not negative).
    bearing_start : float
        Compass bearing in degrees (0 north, 90 east) at the start of the edge.
    bearing_end : float
        Compass bearing at the end of the edge.
    crossings : tuple of Crossing
        Streets crossed at the node where this leg starts, before walking it, in order.
    service : str or None
        OSM ``service`` value of a ``highway=service`` edge (``alley``, ``driveway``, ...), used
        only to describe unnamed service ways; optional.
    """

    name: str | None
    highway: str
    length_m: float
    bearing_start: float
    bearing_end: float
    crossings: tuple[Crossing, ...] = ()
    service: str | None = None


@dataclass(frozen=True)
class Step:
    """One instruction of the directions.

    Attributes
    ----------
    action : str
        ``"depart"``, ``"continue"``, ``"turn"``, ``"cross"`` or ``"arrive"``.
    modifier : str or None
        For ``"turn"``: ``"left"``, ``"right"``, ``"slight left"``, ``"slight right"``,
        ``"sharp left"``, ``"sharp right"`` or ``"u-turn"``; ``"straight"`` for ``"continue"``;
        None otherwise.
    street : str or None
        Name of the way walked (or, for ``"cross"``, the street crossed); None if unnamed.
    way_kind : str or None
        Category of the way: ``"footpath"``, ``"steps"``, ``"alley"``, ``"driveway"``,
        ``"walkway"`` or ``"street"``; ``"street"`` for crossings; None for ``"arrive"``.
    heading : str or None
        8-point compass direction (``"north"``, ``"northeast"``, ...) at the start of the
        walking; None for ``"cross"`` and ``"arrive"``.
    distance_m : float
        Metres walked in this step; 0 for ``"cross"`` and ``"arrive"``.
    crossing : Crossing or None
        The crossing, for ``"cross"`` steps.
    place : str or None
        The origin (``"depart"``) or destination (``"arrive"``) name; None otherwise.
    crossings : tuple of Crossing
        Streets crossed at the corner where a walking step begins, said in the same sentence
        ("At West 5th Street, cross South Grand Avenue at the signal, then continue ...");
        empty for most steps.
    at : str or None
        The street whose corner a walking step with ``crossings`` begins at ("West 5th
        Street"), when it is worth saying.
    to : str or None
        The destination the last walk of the route reaches, said with it ("... for 40 feet
        to 7th / Francisco") in place of a separate ``"arrive"`` step.
    bearing_start, bearing_end : float or None
        Compass bearings at the start and the end of the walking (not said; they decide the
        turn when short pieces are folded into a step).
    """

    action: str
    modifier: str | None
    street: str | None
    way_kind: str | None
    heading: str | None
    distance_m: float
    crossing: Crossing | None = None
    place: str | None = None
    crossings: tuple[Crossing, ...] = ()
    at: str | None = None
    to: str | None = None
    bearing_start: float | None = field(default=None, repr=False)
    bearing_end: float | None = field(default=None, repr=False)


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def finite_bearing(value: object) -> float | None:
    """A bearing wrapped to [0, 360), or None where ``value`` is not a finite number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return number % 360.0


def way_kind(highway: object, service: object = None) -> str:
    """Return the short category used to describe a way.

    Parameters
    ----------
    highway : str
        OSM ``highway`` value (a list, as osmnx gives for merged edges, uses its first item).
    service : str, optional
        OSM ``service`` value for ``highway=service``.

    Returns
    -------
    str
        ``"steps"``; ``"footpath"`` (footway, path, cycleway, bridleway, track); ``"walkway"``
        (pedestrian, corridor, platform, elevator, and any unknown value); ``"alley"``
        (``service=alley``); ``"driveway"`` (any other or missing ``service``); ``"street"``
        (the road classes).
    """
    hw = clean_text(highway).lower()
    if hw == "steps":
        return "steps"
    if hw in _FOOTPATH:
        return "footpath"
    if hw == "service":
        svc = clean_text(service).lower()
        if svc == "alley":
            return "alley"
        return "driveway"
    if hw in _STREET:
        return "street"
    # _WALKWAY values and anything unrecognised.
    return "walkway"


def heading_name(bearing: float) -> str:
    """Return the 8-point compass name of a bearing.

    Parameters
    ----------
    bearing : float
        Degrees clockwise from north; any finite value (wrapped to 0-360).

    Returns
    -------
    str
        ``"north"``, ``"northeast"``, ``"east"``, ``"southeast"``, ``"south"``,
        ``"southwest"``, ``"west"`` or ``"northwest"``. Sector edges (22.5, 67.5, ...) belong to
        the sector clockwise of them.

    Raises
    ------
    ValueError
        If ``bearing`` is not finite.
    """
    b = finite_bearing(bearing)
    if b is None:
        raise ValueError(f"bearing must be a finite number, not {bearing!r}")
    return compass_word(b, "en")


def turn_angle(bearing_from: float, bearing_to: float) -> float:
    """Return the signed change of bearing from one direction to another.

    Parameters
    ----------
    bearing_from : float
        Bearing walked before the turn (degrees).
    bearing_to : float
        Bearing walked after the turn (degrees).

    Returns
    -------
    float
        Degrees in ``[-180, 180)``: positive turns right (clockwise), negative left. A full
        reversal is -180. Non-finite bearings give 0 (no turn can be told).
    """
    a = finite_bearing(bearing_from)
    b = finite_bearing(bearing_to)
    if a is None or b is None:
        return 0.0
    return (b - a + 180.0) % 360.0 - 180.0


def classify_turn(delta: float) -> str:
    """Classify a change of bearing as a turn modifier.

    Parameters
    ----------
    delta : float
        Signed change of bearing in degrees (see :func:`turn_angle`); positive is right.

    Returns
    -------
    str
        ``"straight"`` below 20 degrees; ``"slight left"``/``"slight right"`` from 20 to below
        45; ``"left"``/``"right"`` from 45 to 135 inclusive; ``"sharp left"``/``"sharp right"``
        above 135 up to 170 inclusive; ``"u-turn"`` above 170.
    """
    d = float(delta) if math.isfinite(delta) else 0.0
    d = (d + 180.0) % 360.0 - 180.0
    size = abs(d)
    side = "right" if d > 0 else "left"
    if size < 20.0:
        return "straight"
    if size < 45.0:
        return f"slight {side}"
    if size <= 135.0:
        return side
    if size <= 170.0:
        return f"sharp {side}"
    return "u-turn"


def is_narrated(crossing: Crossing) -> bool:
    """Whether a crossing is said aloud: a named street, or an unnamed arterial."""
    return bool(clean_name(crossing.street)) or bool(crossing.arterial)


def clean_crossing(crossing: Crossing) -> Crossing:
    """The crossing with its street name cleaned and an unknown control read as ``"none"``."""
    control = clean_text(crossing.control).lower()
    if control not in CONTROLS:
        control = "none"
    return Crossing(
        street=clean_name(crossing.street), control=control, arterial=bool(crossing.arterial)
    )
