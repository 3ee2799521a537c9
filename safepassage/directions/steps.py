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


