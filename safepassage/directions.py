"""Turn-by-turn walking directions in English and Spanish.

This module is pure: it knows nothing about graphs. The routing module turns a route into a list
of :class:`Leg` objects (one per network edge, in walking order); :func:`build_directions` turns
those into a short list of :class:`Step` objects, and :func:`render_step` /
:func:`render_directions` / :func:`summary_line` turn steps into plain-text sentences::

    steps = build_directions(legs, origin="Jordan Downs", destination="Grape Street School")
    for line in render_directions(steps, lang="es", units="imperial"):
        print(line)

Rules of the step builder
-------------------------
- Consecutive legs on the same way (same name, compared case-insensitively; or both unnamed and
  of the same :func:`way_kind`) merge into one step, unless the change of bearing between them
  is 45 degrees or more, or a narrated crossing lies between them.
- Turns are classified by :func:`classify_turn` from the change of bearing between the end of
  one leg and the start of the next: under 20 degrees straight, 20 to under 45 slight,
  45 to 135 plain, over 135 to 170 sharp, over 170 a u-turn.
- Every crossing of a named street, and every crossing of an unnamed arterial, becomes its own
  ``"cross"`` step (distance 0) placed before the walking step that follows it. Crossings of
  unnamed minor ways are not narrated.
- Short unnamed pieces (a run of unnamed legs of one kind shorter than
  :data:`CONNECTOR_MAX_M`, such as the snap from a door to the sidewalk) are not narrated: their
  length is added to the following walking step (to the previous one at the end of the route)
  and any crossing at their start is still narrated. Steps (stairs) are always narrated, however
  short, because they matter to strollers and wheelchairs. A lone unnamed footpath shorter than
  :data:`CROSSWALK_MAX_M` that starts with a narrated crossing (a separately mapped crosswalk)
  is folded the same way, so the text reads "Cross 5th Street ... Turn right onto ...".
- The first step is ``"depart"``, the last ``"arrive"``; the distances of all steps add up to
  the length of the route.

Output is plain text, never markup: callers that write HTML must escape it. Names coming from
OpenStreetMap are cleaned of control and bidirectional-override characters and whitespace runs,
but otherwise passed through as given; street names are never translated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .utils import (
    COMPASS_WORDS,
    Lang,
    Units,
    check_lang,
    check_units,
    clean_name,
    clean_text,
    compass_word,
    format_distance,
    round_half_up,
)

if TYPE_CHECKING:  # only for annotations: routing never imports this module
    import networkx as nx

    from .routing import Route, StateGraph

__all__ = [
    "CONNECTOR_MAX_M",
    "CROSSWALK_MAX_M",
    "Crossing",
    "Leg",
    "Step",
    "build_directions",
    "classify_turn",
    "format_distance",
    "heading_name",
    "render_directions",
    "render_step",
    "summary_line",
    "turn_angle",
    "way_kind",
]

#: Runs of unnamed legs shorter than this (metres) are folded into a neighbouring step.
CONNECTOR_MAX_M: float = 15.0

#: A lone unnamed footpath shorter than this (metres) that starts with a narrated crossing is
#: taken to be the crosswalk itself and folded into the next step.
CROSSWALK_MAX_M: float = 40.0

#: Merge threshold: consecutive legs of one way merge unless the bearing changes this much.
_MERGE_MAX_DEG = 45.0

#: Spanish compass words for the English ones steps carry.
_COMPASS_ES = dict(zip(COMPASS_WORDS["en"], COMPASS_WORDS["es"], strict=True))

_CONTROLS = ("signal", "stop", "crosswalk", "none")

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

# Unnamed ways: (English, Spanish) descriptions, used with "on"/"along" and "por"/"hacia".
_WAY_TEXT = {
    "footpath": ("the footpath", "el sendero peatonal"),
    "steps": ("the steps", "las escaleras"),
    "alley": ("the alley", "el callejón"),
    "driveway": ("the driveway", "la entrada de autos"),
    "walkway": ("the walkway", "el paso peatonal"),
    "street": ("the unnamed street", "la calle sin nombre"),
}



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
    """

    action: str
    modifier: str | None
    street: str | None
    way_kind: str | None
    heading: str | None
    distance_m: float
    crossing: Crossing | None = None
    place: str | None = None


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def _finite_bearing(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return number % 360.0


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    b = _finite_bearing(bearing)
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
    a = _finite_bearing(bearing_from)
    b = _finite_bearing(bearing_to)
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


def _narrated(crossing: Crossing) -> bool:
    return bool(clean_name(crossing.street)) or bool(crossing.arterial)


# --------------------------------------------------------------------------------------------
# Building steps
# --------------------------------------------------------------------------------------------


@dataclass
class _Info:
    leg: Leg
    name: str | None
    kind: str
    key: tuple[str, str]
    narrated: tuple[Crossing, ...]
    bearing_start: float | None
    bearing_end: float | None


@dataclass
class _Chunk:
    info: _Info
    lengths: list[float]
    crossings: list[Crossing] = field(default_factory=list)


@dataclass
class _Open:
    action: str
    modifier: str | None
    info: _Info
    heading: str | None
    lengths: list[float]
    place: str | None = None


def _clean_crossing(crossing: Crossing) -> Crossing:
    control = clean_text(crossing.control).lower()
    if control not in _CONTROLS:
        control = "none"
    return Crossing(
        street=clean_name(crossing.street), control=control, arterial=bool(crossing.arterial)
    )


def _info(leg: Leg) -> _Info:
    length = float(leg.length_m)
    if not math.isfinite(length) or length < 0:
        raise ValueError(f"leg length must be a finite, non-negative number, not {leg.length_m!r}")
    name = clean_name(leg.name)
    kind = way_kind(leg.highway, leg.service)
    key = ("name", name.casefold()) if name else ("kind", kind)
    narrated = tuple(_clean_crossing(c) for c in leg.crossings if _narrated(c))
    return _Info(
        leg=leg,
        name=name,
        kind=kind,
        key=key,
        narrated=narrated,
        bearing_start=_finite_bearing(leg.bearing_start),
        bearing_end=_finite_bearing(leg.bearing_end),
    )


def _runs(infos: Sequence[_Info]) -> list[list[_Info]]:
    """Split legs into runs of one way, starting a new run at every narrated crossing."""
    runs: list[list[_Info]] = []
    for info in infos:
        if runs and info.key == runs[-1][-1].key and not info.narrated:
            runs[-1].append(info)
        else:
            runs.append([info])
    return runs


def _foldable(run: Sequence[_Info]) -> bool:
    first = run[0]
    if first.name is not None or first.kind == "steps":
        return False
    total = math.fsum(float(i.leg.length_m) for i in run)
    if total < CONNECTOR_MAX_M:
        return True
    crosswalk_like = first.kind in ("footpath", "walkway")
    return bool(first.narrated) and crosswalk_like and total < CROSSWALK_MAX_M


def _chunks(infos: Sequence[_Info]) -> tuple[list[_Chunk], list[Crossing]]:
    """Attach folded runs to their neighbours; return chunks and crossings after the last."""
    runs = _runs(infos)
    fold = [_foldable(run) for run in runs]
    if all(fold):
        fold = [False] * len(runs)
    chunks: list[_Chunk] = []
    pending_lengths: list[float] = []
    pending_crossings: list[Crossing] = []
    for run, folded in zip(runs, fold, strict=True):
        if folded:
            for info in run:
                pending_crossings.extend(info.narrated)
                pending_lengths.append(float(info.leg.length_m))
            continue
        for position, info in enumerate(run):
            chunk = _Chunk(info=info, lengths=[float(info.leg.length_m)], crossings=[])
            if position == 0:
                chunk.lengths = [*pending_lengths, *chunk.lengths]
                chunk.crossings = [*pending_crossings, *info.narrated]
                pending_lengths, pending_crossings = [], []
            else:
                chunk.crossings = list(info.narrated)
            chunks.append(chunk)
    # Whatever is left was folded at the end of the route: its length joins the last step.
    chunks[-1].lengths.extend(pending_lengths)
    return chunks, pending_crossings


def _heading_of(info: _Info, fallback: str | None) -> str | None:
    if info.bearing_start is None:
        return fallback
    return heading_name(info.bearing_start)


def _cross_steps(crossings: Iterable[Crossing]) -> list[Step]:
    return [
        Step(
            action="cross",
            modifier=None,
            street=c.street,
            way_kind="street",
            heading=None,
            distance_m=0.0,
            crossing=c,
        )
        for c in crossings
    ]


def _close(open_step: _Open) -> Step:
    return Step(
        action=open_step.action,
        modifier=open_step.modifier,
        street=open_step.info.name,
        way_kind=open_step.info.kind,
        heading=open_step.heading,
        distance_m=math.fsum(open_step.lengths),
        crossing=None,
        place=open_step.place,
    )


def build_directions(
    legs: Iterable[Leg], *, origin: str, destination: str, merge_divided: bool = True
) -> list[Step]:
    """Turn the legs of a route into turn-by-turn steps.

    Parameters
    ----------
    legs : iterable of Leg
        The route's edges in walking order (see :class:`Leg`). May be empty (origin and
        destination at the same node).
    origin : str
        Name of the starting place, carried by the ``"depart"`` step ("" if none).
    destination : str
        Name of the destination, carried by the ``"arrive"`` step ("" if none).
    merge_divided : bool
        Say a divided street's two crossings as one (see :data:`SPLIT_CROSSING_MAX_M`).

    Returns
    -------
    list of Step
        ``"depart"`` first and ``"arrive"`` last; in between ``"continue"``, ``"turn"`` and
        ``"cross"`` steps. The ``distance_m`` of all steps sums to the sum of the legs'
        ``length_m``. If crossings are narrated at the very first node, the ``"depart"`` step
        has distance 0 and is followed by the ``"cross"`` steps and a ``"continue"`` step.

    Raises
    ------
    ValueError
        If a leg's length is negative or not finite.

    Notes
    -----
    The rules (merging, turn classes, crossings, folding of short connectors) are described in
    the module docstring. The function is deterministic: the same legs give the same steps.
    """
    infos = [_info(leg) for leg in legs]
    origin_name = clean_text(origin)
    destination_name = clean_text(destination)
    arrive = Step(
        action="arrive",
        modifier=None,
        street=None,
        way_kind=None,
        heading=None,
        distance_m=0.0,
        crossing=None,
        place=destination_name,
    )
    if not infos:
        depart = Step("depart", None, None, None, None, 0.0, None, place=origin_name)
        return [depart, arrive]

    chunks, trailing_crossings = _chunks(infos)
    steps: list[Step] = []
    current: _Open | None = None
    previous: _Info | None = None
    heading: str | None = None
    for chunk in chunks:
        info = chunk.info
        heading = _heading_of(info, heading)
        if current is None or previous is None:
            if chunk.crossings:
                steps.append(
                    Step("depart", None, info.name, info.kind, heading, 0.0, None, origin_name)
                )
                steps.extend(_cross_steps(chunk.crossings))
                current = _Open("continue", "straight", info, heading, list(chunk.lengths))
            else:
                current = _Open("depart", None, info, heading, list(chunk.lengths), origin_name)
            previous = info
            continue
        delta = turn_angle(
            previous.bearing_end if previous.bearing_end is not None else math.nan,
            info.bearing_start if info.bearing_start is not None else math.nan,
        )
        same_way = info.key == previous.key
        if same_way and not chunk.crossings and abs(delta) < _MERGE_MAX_DEG:
            current.lengths.extend(chunk.lengths)
            previous = info
            continue
        steps.append(_close(current))
        steps.extend(_cross_steps(chunk.crossings))
        modifier = classify_turn(delta)
        if modifier == "straight" or (same_way and abs(delta) < _MERGE_MAX_DEG):
            current = _Open("continue", "straight", info, heading, list(chunk.lengths))
        else:
            current = _Open("turn", modifier, info, heading, list(chunk.lengths))
        previous = info
    assert current is not None
    steps.append(_close(current))
    steps.extend(_cross_steps(trailing_crossings))
    steps.append(arrive)
    steps = _merge_jogs(steps)
    return _merge_split_crossings(steps) if merge_divided else steps


#: A sidestep this short (a jog around a planter, a kerb ramp) is not narrated as two turns.
JOG_MAX_M = 15.0


def _side(modifier: str | None) -> str | None:
    if not modifier or modifier in ("straight", "u-turn"):
        return None
    return "left" if modifier.endswith("left") else "right"


def _way(step: Step) -> str | None:
    # a named street is the same way on its sidewalk or its roadway; unnamed ways go by kind
    return step.street.casefold() if step.street else step.way_kind


def _merge_jogs(steps: list[Step]) -> list[Step]:
    """Fold "turn right for 20 feet, turn left" on the same way into the walk before it.

    A jog is a walking step shorter than :data:`JOG_MAX_M` on the same street (or the same
    kind of unnamed way) as the steps around it, entered by a turn one way and left by a turn
    the other way: the walker keeps going the same way, so it is not narrated. Its length and
    the next step's join the previous step.
    """
    out = list(steps)
    i = 0
    while i + 2 < len(out):
        a, jog, b = out[i], out[i + 1], out[i + 2]
        same = _way(a) == _way(jog) == _way(b)
        if (a.action in ("depart", "continue", "turn") and jog.action == "turn"
                and b.action == "turn" and same and jog.distance_m < JOG_MAX_M
                and _side(jog.modifier) is not None
                and _side(b.modifier) not in (None, _side(jog.modifier))):
            out[i] = replace(a, distance_m=a.distance_m + jog.distance_m + b.distance_m)
            del out[i + 1:i + 3]
            continue
        # A corner cut twice: on A, a few metres of B, a few metres of A again, then B for
        # real. Say it once: stay on A, then turn onto B.
        if i + 3 < len(out):
            d = out[i + 3]
            if (a.action in ("depart", "continue", "turn") and jog.action == "turn"
                    and b.action == "turn" and d.action == "turn"
                    and _way(b) == _way(a) and _way(jog) == _way(d) != _way(a)
                    and jog.distance_m < JOG_MAX_M and b.distance_m < JOG_MAX_M):
                out[i] = replace(a, distance_m=a.distance_m + jog.distance_m + b.distance_m)
                del out[i + 1:i + 3]
                continue
        i += 1
    return out


#: A street crossed twice with at most this much walking straight on in between is one
#: crossing (a divided street mapped as two carriageways, or a median).
SPLIT_CROSSING_MAX_M = 30.0

#: Controls from the most to the least protective; a merged crossing keeps the weaker one.
_CONTROL_ORDER = ("signal", "stop", "crosswalk", "none")


def _merge_split_crossings(steps: list[Step]) -> list[Step]:
    """Say "Cross Hill Street" once where a route crosses both halves of a divided street.

    The pattern cross X, a short straight walk, cross X becomes one crossing; the short walk's
    distance moves to the next walking step, so the total stays the route's length.
    """
    out = list(steps)
    i = 0
    while i + 2 < len(out):
        a, mid, b = out[i], out[i + 1], out[i + 2]
        if (a.action == "cross" and b.action == "cross" and mid.action == "continue"
                and a.street and b.street == a.street
                and mid.distance_m <= SPLIT_CROSSING_MAX_M
                and a.crossing is not None and b.crossing is not None):
            weaker = max(a.crossing.control, b.crossing.control,
                         key=lambda c: _CONTROL_ORDER.index(c) if c in _CONTROL_ORDER else 3)
            merged = Crossing(street=a.street, control=weaker,
                              arterial=a.crossing.arterial or b.crossing.arterial)
            out[i] = replace(a, crossing=merged)
            nxt = next((k for k in range(i + 3, len(out))
                        if out[k].action in ("continue", "turn")), None)
            if nxt is None:
                i += 1
                continue
            out[nxt] = replace(out[nxt], distance_m=out[nxt].distance_m + mid.distance_m)
            del out[i + 1:i + 3]
            continue
        i += 1
    return out


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _way_text(street: str | None, kind: str | None, lang: Lang) -> str:
    if street:
        return street
    en, es = _WAY_TEXT.get(kind or "street", _WAY_TEXT["walkway"])
    return es if lang == "es" else en


def _walk_clause(step: Step, lang: Lang, distance: str, *, with_place: bool = True) -> str:
    """Lower-case clause describing the walking of a step ("walk north on X for 450 feet")."""
    street = clean_name(step.street)
    place = _way_text(street, step.way_kind, lang)
    heading = step.heading if step.heading in _COMPASS_ES else None
    stairs = street is None and step.way_kind == "steps"
    if lang == "es":
        toward = f" hacia el {_COMPASS_ES[heading]}" if heading else ""
        if stairs:
            return f"tome las escaleras{toward} ({distance})"
        where = f" por {place}" if with_place else ""
        return f"camine{toward}{where} {distance}"
    toward = f" {heading}" if heading else ""
    if stairs:
        heading_part = f" heading {heading}" if heading else ""
        return f"take the steps{heading_part} ({distance})"
    preposition = "on" if street or step.way_kind == "street" else "along"
    where = f" {preposition} {place}" if with_place else ""
    return f"walk{toward}{where} for {distance}"


_TURN_EN = {
    "left": "Turn left",
    "right": "Turn right",
    "slight left": "Bear left",
    "slight right": "Bear right",
    "sharp left": "Make a sharp left",
    "sharp right": "Make a sharp right",
}
_TURN_ES = {
    "left": "Doble a la izquierda",
    "right": "Doble a la derecha",
    "slight left": "Doble ligeramente a la izquierda",
    "slight right": "Doble ligeramente a la derecha",
    "sharp left": "Haga un giro cerrado a la izquierda",
    "sharp right": "Haga un giro cerrado a la derecha",
}
_CONTROL_EN = {
    "signal": "at the signal",
    "stop": "at the stop sign",
    "crosswalk": "at the crosswalk",
    "none": "with no crosswalk: take care, look both ways",
}
_CONTROL_ES = {
    "signal": "en el semáforo",
    "stop": "en la señal de alto",
    "crosswalk": "en el cruce peatonal",
    "none": "sin cruce peatonal: tenga cuidado, mire a ambos lados",
}


def _render_cross(step: Step, lang: Lang) -> str:
    crossing = step.crossing
    street = clean_name(crossing.street if crossing is not None else step.street)
    control = clean_text(crossing.control).lower() if crossing is not None else "none"
    if control not in _CONTROLS:
        control = "none"
    arterial = bool(crossing.arterial) if crossing is not None else False
    if lang == "es":
        if street:
            what = f"{street} (calle de mucho tráfico)" if arterial else street
        else:
            what = "la calle de mucho tráfico" if arterial else "la calle"
        return f"Cruce {what} {_CONTROL_ES[control]}."
    if street:
        what = f"{street} (busy street)" if arterial else street
    else:
        what = "the busy street" if arterial else "the street"
    return f"Cross {what} {_CONTROL_EN[control]}."


def _render_depart(step: Step, lang: Lang, units: Units) -> str:
    origin = clean_text(step.place)
    heading = step.heading if step.heading in _COMPASS_ES else None
    if step.distance_m > 0:
        clause = _walk_clause(step, lang, format_distance(step.distance_m, lang, units))
        if origin:
            return f"{'Desde' if lang == 'es' else 'From'} {origin}, {clause}."
        return f"{_capitalize(clause)}."
    # Nothing walked yet (a crossing comes first, or an empty route).
    if lang == "es":
        if heading and origin:
            return f"Salga de {origin} hacia el {_COMPASS_ES[heading]}."
        if heading:
            return f"Salga hacia el {_COMPASS_ES[heading]}."
        return f"Comience en {origin}." if origin else "Comience aquí."
    if heading and origin:
        return f"Leave {origin} heading {heading}."
    if heading:
        return f"Head {heading}."
    return f"Start at {origin}." if origin else "Start here."


def _render_walk(step: Step, lang: Lang, units: Units) -> str:
    distance = format_distance(step.distance_m, lang, units)
    clause = _walk_clause(step, lang, distance)
    street = clean_name(step.street)
    stairs = street is None and step.way_kind == "steps"
    modifier = step.modifier or "straight"
    if step.action == "continue" or modifier == "straight":
        if lang == "es":
            # "Siga derecho hacia el norte por X 450 pies" / "Siga derecho y tome las escaleras".
            rest = clause.removeprefix("camine")
            return f"Siga derecho{rest}." if not stairs else f"Siga derecho y {clause}."
        if stairs:
            return f"{_capitalize(clause)}."
        return f"Continue{clause.removeprefix('walk')}."
    if modifier == "u-turn":
        return f"Dé la vuelta y {clause}." if lang == "es" else f"Turn around and {clause}."
    clause = _walk_clause(step, lang, distance, with_place=False)
    if lang == "es":
        turn = _TURN_ES.get(modifier, "Doble")
        if stairs:
            return f"{turn} y {clause}."
        place = _way_text(street, step.way_kind, lang)
        preposition = "en" if street or step.way_kind == "street" else "hacia"
        return f"{turn} {preposition} {place} y {clause}."
    turn = _TURN_EN.get(modifier, "Turn")
    if stairs:
        return f"{turn} and {clause}."
    place = _way_text(street, step.way_kind, lang)
    return f"{turn} onto {place} and {clause}."


def render_step(step: Step, lang: str = "en", units: str = "imperial") -> str:
    """Render one step as a plain-text sentence.

    Parameters
    ----------
    step : Step
        A step from :func:`build_directions` (or built by hand).
    lang : {"en", "es"}
        English or (Latin-American) Spanish.
    units : {"imperial", "metric"}
        Distance units; see :func:`format_distance`.

    Returns
    -------
    str
        One sentence, e.g. ``"Cross 5th Street at the signal."`` or
        ``"Doble a la derecha en West 5th Street y camine hacia el este 300 pies."``. Plain
        text: escape it before putting it into HTML.

    Raises
    ------
    InputError
        If ``lang`` or ``units`` is not supported.
    ValueError
        If the step's action is unknown.
    """
    code = check_lang(lang)
    system = check_units(units)
    if step.action == "depart":
        return _render_depart(step, code, system)
    if step.action == "arrive":
        place = clean_text(step.place)
        if code == "es":
            return f"Llegará a {place}." if place else "Llegará a su destino."
        return f"Arrive at {place}." if place else "Arrive at your destination."
    if step.action == "cross":
        return _render_cross(step, code)
    if step.action in ("continue", "turn"):
        return _render_walk(step, code, system)
    raise ValueError(f"unknown step action {step.action!r}")


def render_directions(
    steps: Iterable[Step], lang: str = "en", units: str = "imperial"
) -> list[str]:
    """Render every step; see :func:`render_step`.

    Parameters
    ----------
    steps : iterable of Step
        Steps from :func:`build_directions`.
    lang : {"en", "es"}
        Language.
    units : {"imperial", "metric"}
        Distance units.

    Returns
    -------
    list of str
        One plain-text sentence per step, in order (not numbered).
    """
    return [render_step(step, lang, units) for step in steps]


def summary_line(
    length_m: float, walk_min: float, lang: str = "en", units: str = "imperial"
) -> str:
    """Summarise a route's length and walking time in one line.

    Parameters
    ----------
    length_m : float
        Route length in metres.
    walk_min : float
        Walking time in minutes (rounded to whole minutes, at least 1).
    lang : {"en", "es"}
        Language.
    units : {"imperial", "metric"}
        Distance units; see :func:`format_distance`.

    Returns
    -------
    str
        E.g. ``"0.4 miles, about 8 minutes on foot"`` or
        ``"0,4 millas, unos 8 minutos a pie"``; from 60 minutes on, hours and minutes
        (``"about 1 hour 5 minutes on foot"``).

    Raises
    ------
    ValueError
        If ``length_m`` or ``walk_min`` is negative or not finite.
    """
    code = check_lang(lang)
    distance = format_distance(length_m, code, units)
    minutes_f = float(walk_min)
    if not math.isfinite(minutes_f) or minutes_f < 0:
        raise ValueError(f"walking time must be a finite, non-negative number, not {walk_min!r}")
    minutes = max(1, round_half_up(minutes_f))
    hours, rest = divmod(minutes, 60)
    if code == "es":
        min_word = "minuto" if rest == 1 else "minutos"
        if hours == 0:
            if minutes == 1:
                return f"{distance}, alrededor de 1 minuto a pie"
            return f"{distance}, unos {minutes} minutos a pie"
        hour_text = "1 hora" if hours == 1 else f"{hours} horas"
        time = f"{hour_text} y {rest} {min_word}" if rest else hour_text
        return f"{distance}, aproximadamente {time} a pie"
    min_word = "minute" if rest == 1 else "minutes"
    if hours == 0:
        return f"{distance}, about {minutes} {min_word} on foot"
    hour_text = "1 hour" if hours == 1 else f"{hours} hours"
    time = f"{hour_text} {rest} {min_word}" if rest else hour_text
    return f"{distance}, about {time} on foot"


# --------------------------------------------------------------------------------------------
# From a computed route
# --------------------------------------------------------------------------------------------


def route_legs(G: nx.MultiDiGraph, sg: StateGraph, route: Route) -> list[Leg]:
    """The route as directions legs: names, kinds, bearings, and the crossings at each turn."""
    from .routing import edge_bearings, route_crossings

    at: dict[int, list[Any]] = dict(route_crossings(sg, route.states))
    legs = []
    for i, e in enumerate(route.edges):
        data = G.edges[sg.risk.edges[e]]
        start, end = edge_bearings(data["geometry"])
        # a separately mapped sidewalk carries its street's name as street_name
        name = data.get("name") or data.get("street_name")
        if isinstance(name, list):
            name = name[0] if name else None
        crossings = tuple(
            Crossing(street=a.name, control=a.control, arterial=a.arterial)
            for a in at.get(i, [])
        )
        legs.append(Leg(name=None if name is None else str(name),
                        highway=str(data.get("highway") or "footway"),
                        length_m=float(data["length"]), bearing_start=start, bearing_end=end,
                        crossings=crossings, service=data.get("service")))
    return legs
