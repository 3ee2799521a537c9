"""Turn-by-turn walking directions in English and Spanish.

Building and rendering steps is pure: only :func:`route_legs` (in
:mod:`~safepassage.directions.legs`) reads the graph, turning a computed route into a list of
:class:`Leg` objects (one per network edge, in walking order); :func:`build_directions` turns
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
- A sidestep shorter than :data:`JOG_MAX_M` on the same way (turn right, a few metres, turn
  left) is not narrated, and a corner cut twice is said once. A divided street crossed twice
  with at most :data:`SPLIT_CROSSING_MAX_M` of walking in between is one crossing, with the
  weaker of the two controls.
- Last, what a walker does at one corner is said as one step (:func:`merge_corners`, on by
  default): the crossings before a walk go with it ("At West 5th Street, cross South Grand
  Avenue and West 5th Street (busy street), both at the signal, then continue northeast on
  South Grand Avenue for 0.2 miles"), every crossing still named with its control; walking
  shorter than :data:`CORNER_MAX_M` (30 m) that is not stairs gets no step of its own (it is
  folded into the next walk, whose turn is measured across it); the arrival is said with the
  last walk ("... for 40 feet to Colburn School"). On the demo this takes the median safe
  route from 15 steps to 6 (22 to under 10 per km).
- The first step is ``"depart"``, the last ``"arrive"`` (or the last walk, saying where it
  arrives); the distances of all steps add up to the length of the route.

Output is plain text, never markup: callers that write HTML must escape it. Names coming from
OpenStreetMap are cleaned of control and bidirectional-override characters and whitespace runs,
but otherwise passed through as given; street names are never translated.

Layout
------
- :mod:`~safepassage.directions.model`: :class:`Leg`, :class:`Crossing`, :class:`Step` and the
  pure judgements on them (way kind, compass heading, turn angle and class).
- :mod:`~safepassage.directions.steps`: :func:`build_directions`, legs to steps (pure).
- :mod:`~safepassage.directions.text`: steps as English and Spanish sentences (pure).
- :mod:`~safepassage.directions.legs`: :func:`route_legs`, a computed route to legs (reads the
  graph; imports :mod:`safepassage.routing`).
"""

from safepassage.utils import format_distance

from .legs import route_legs
from .model import Crossing, Leg, Step, classify_turn, heading_name, turn_angle, way_kind
from .steps import (
    CONNECTOR_MAX_M,
    CORNER_MAX_M,
    CROSSWALK_MAX_M,
    JOG_MAX_M,
    SPLIT_CROSSING_MAX_M,
    build_directions,
    merge_corners,
)
from .text import render_directions, render_step, summary_line

__all__ = [
    "CONNECTOR_MAX_M",
    "CORNER_MAX_M",
    "CROSSWALK_MAX_M",
    "JOG_MAX_M",
    "SPLIT_CROSSING_MAX_M",
    "Crossing",
    "Leg",
    "Step",
    "build_directions",
    "classify_turn",
    "format_distance",
    "heading_name",
    "merge_corners",
    "render_directions",
    "render_step",
    "route_legs",
    "summary_line",
    "turn_angle",
    "way_kind",
]
