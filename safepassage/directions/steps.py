"""Building steps from legs: merging, folding short connectors, crossings, jogs (pure).

:func:`build_directions` applies the rules listed in the package docstring; it reads only
:class:`~safepassage.directions.Leg` objects, never a graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from safepassage.utils import clean_name, clean_text

from .model import (
    CONTROLS,
    Crossing,
    Leg,
    Step,
    classify_turn,
    clean_crossing,
    finite_bearing,
    heading_name,
    is_narrated,
    turn_angle,
    way_kind,
)

__all__ = [
    "CONNECTOR_MAX_M",
    "CORNER_MAX_M",
    "CROSSWALK_MAX_M",
    "JOG_MAX_M",
    "SPLIT_CROSSING_MAX_M",
    "build_directions",
]

#: Runs of unnamed legs shorter than this (metres) are folded into a neighbouring step.
CONNECTOR_MAX_M: float = 15.0

#: A lone unnamed footpath shorter than this (metres) that starts with a narrated crossing is
#: taken to be the crosswalk itself and folded into the next step.
CROSSWALK_MAX_M: float = 40.0

#: A sidestep this short (a jog around a planter, a kerb ramp) is not narrated as two turns.
JOG_MAX_M = 15.0

#: A street crossed twice with at most this much walking straight on in between is one
#: crossing (a divided street mapped as two carriageways, or a median).
SPLIT_CROSSING_MAX_M = 30.0

#: Walking shorter than this (metres) between two crossings, or at a corner, is part of the
#: corner: it gets no step of its own (a walker crossing a corner on two signals does one
#: thing). Stairs are said however short.
CORNER_MAX_M = 30.0

#: Merge threshold: consecutive legs of one way merge unless the bearing changes this much.
_MERGE_MAX_DEG = 45.0


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
    end: float | None = None

    def __post_init__(self) -> None:
        if self.end is None:
            self.end = self.info.bearing_end


def _info(leg: Leg) -> _Info:
    length = float(leg.length_m)
    if not math.isfinite(length) or length < 0:
        raise ValueError(f"leg length must be a finite, non-negative number, not {leg.length_m!r}")
    name = clean_name(leg.name)
    kind = way_kind(leg.highway, leg.service)
    key = ("name", name.casefold()) if name else ("kind", kind)
    narrated = tuple(clean_crossing(c) for c in leg.crossings if is_narrated(c))
    return _Info(
        leg=leg,
        name=name,
        kind=kind,
        key=key,
        narrated=narrated,
        bearing_start=finite_bearing(leg.bearing_start),
        bearing_end=finite_bearing(leg.bearing_end),
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
        bearing_start=open_step.info.bearing_start,
        bearing_end=open_step.end,
    )


def build_directions(
    legs: Iterable[Leg],
    *,
    origin: str,
    destination: str,
    merge_divided: bool = True,
    corners: bool = True,
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
    corners : bool
        Say what is one action for a walker as one step: the crossings at a corner go with
        the walk that follows them, and walking shorter than :data:`CORNER_MAX_M` between
        them (or any short piece that is not stairs) is folded into that walk
        (:func:`merge_corners`). False keeps a step per crossing and per piece.

    Returns
    -------
    list of Step
        ``"depart"`` first and ``"arrive"`` last (with ``corners``, the arrival is usually
        said with the last walk, its ``to``); in between ``"continue"``, ``"turn"`` and
        (without ``corners``, or for crossings after the last walk) ``"cross"`` steps. The
        ``distance_m`` of all steps sums to the sum of the legs' ``length_m``; every narrated
        crossing is kept, in a ``"cross"`` step or in a walking step's ``crossings``. If
        crossings are narrated at the very first node, the ``"depart"`` step has distance 0.

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
                    Step("depart", None, info.name, info.kind, heading, 0.0, None, origin_name,
                         bearing_start=info.bearing_start, bearing_end=info.bearing_start)
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
            current.end = info.bearing_end
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
    if merge_divided:
        steps = _merge_split_crossings(steps)
    return merge_corners(steps) if corners else steps


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
            out[i] = replace(a, distance_m=a.distance_m + jog.distance_m + b.distance_m,
                             bearing_end=b.bearing_end)
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
                out[i] = replace(a, distance_m=a.distance_m + jog.distance_m + b.distance_m,
                                 bearing_end=b.bearing_end)
                del out[i + 1:i + 3]
                continue
        i += 1
    return out


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
                         key=lambda c: CONTROLS.index(c) if c in CONTROLS else 3)
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


def _is_walk(step: Step) -> bool:
    return step.action in ("continue", "turn")


def _corner_street(before: Step | None, walk: Step, crossings: Sequence[Crossing]) -> str | None:
    """The street whose corner a walk begins at: the new street on a turn, else the one crossed.

    None when no crossed street other than the one walked on names the corner.
    """
    s0 = before.street if before is not None else None
    s1 = walk.street
    if s0 and s1 and s0.casefold() != s1.casefold():
        return s1
    for c in crossings:
        if c.street and (not s1 or c.street.casefold() != s1.casefold()):
            return c.street
    return None


def _folded_turn(before: Step | None, walk: Step) -> Step:
    """A walk whose turn is measured from the walk before the pieces folded into it."""
    if before is None:
        return walk
    modifier = classify_turn(turn_angle(
        before.bearing_end if before.bearing_end is not None else math.nan,
        walk.bearing_start if walk.bearing_start is not None else math.nan))
    if modifier == "straight":
        return replace(walk, action="continue", modifier="straight")
    return replace(walk, action="turn", modifier=modifier)


def merge_corners(steps: Sequence[Step]) -> list[Step]:
    """Say what is one action for a walker as one step.

    The crossings before a walking step become part of it (its ``crossings``, said "At West
    5th Street, cross South Grand Avenue at the signal, then continue ..."), and a walking
    step shorter than :data:`CORNER_MAX_M` that is not stairs and not the last walk of the
    route (the few metres between two crossings of one corner, a jog onto a footpath) is
    folded into the next walk, whose turn is then measured from the walk before it. Crossings
    after the last walk stay ``"cross"`` steps. The arrival is said with the last walk
    (its ``to``: "... for 40 feet to 7th / Francisco") unless crossings come after it.
    Distances and crossings are all kept.

    Parameters
    ----------
    steps : sequence of Step
        Steps of :func:`build_directions` with ``corners=False``.

    Returns
    -------
    list of Step
    """
    walks = [i for i, st in enumerate(steps) if st.action in ("depart", "continue", "turn")]
    last_walk = walks[-1] if walks else -1
    out: list[Step] = []
    before: Step | None = None
    crossings: list[Crossing] = []
    folded: list[float] = []
    for i, st in enumerate(steps):
        if st.action == "cross" and st.crossing is not None:
            crossings.append(st.crossing)
            continue
        if not _is_walk(st):
            if (st.action == "arrive" and not crossings and out and st.place
                    and out[-1].action in ("depart", "continue", "turn")
                    and out[-1].distance_m > 0):
                out[-1] = replace(out[-1], to=st.place)
                continue
            out.extend(_cross_steps(crossings))
            crossings = []
            out.append(st)
            before = st if st.action == "depart" else before
            continue
        if i != last_walk and st.distance_m < CORNER_MAX_M and st.way_kind != "steps":
            folded.append(st.distance_m)
            continue
        walk = _folded_turn(before, st) if folded else st
        walk = replace(walk, distance_m=math.fsum([*folded, st.distance_m]),
                       crossings=tuple(crossings),
                       at=_corner_street(before, st, crossings) if crossings else None)
        out.append(walk)
        before, crossings, folded = walk, [], []
    return out
