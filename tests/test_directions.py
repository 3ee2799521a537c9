"""Turn-by-turn directions: what the printed handout says, in English and Spanish."""

from __future__ import annotations

import math
import random
import unicodedata

import pytest

from safepassage.directions import (
    CONNECTOR_MAX_M,
    CORNER_MAX_M,
    Crossing,
    Leg,
    Step,
    build_directions,
    classify_turn,
    format_distance,
    heading_name,
    render_directions,
    render_step,
    summary_line,
    turn_angle,
    way_kind,
)
from safepassage.errors import InputError

FT = 0.3048
MILE = 1609.344


def primitive(legs: list[Leg], **kw: object) -> list[Step]:
    """The first pass of the step builder: a step per crossing and per piece of way.

    What a walker does at one corner is said as one step by the last pass (``corners``),
    tested in its own section below.
    """
    return build_directions(legs, corners=False, **kw)  # type: ignore[arg-type]


def street(name: str | None, length: float, bearing: float, *crossings: Crossing,
           highway: str = "residential", end: float | None = None) -> Leg:
    return Leg(name, highway, length, bearing, bearing if end is None else end, tuple(crossings))


def walking(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.action in ("depart", "continue", "turn")]


def downtown_route() -> list[Leg]:
    """Grand Avenue north 450 ft, cross 5th Street at the signal, right on West 5th Street."""
    return [
        Leg(None, "footway", 6.0, 275.0, 275.0),  # door of the bus shelter to the sidewalk
        Leg("Grand Avenue", "secondary", 70.0, 1.0, 2.0),
        Leg("Grand Avenue", "secondary", 67.16, 2.0, 359.0),
        Leg(
            "West 5th Street", "secondary", 85.44, 91.0, 90.0,
            (Crossing("5th Street", "signal", False),),
        ),
        Leg(None, "footway", 6.0, 180.0, 180.0),  # sidewalk to the library steps
    ]


# --------------------------------------------------------------------------------------------
# Merging legs into steps
# --------------------------------------------------------------------------------------------


def test_consecutive_legs_on_the_same_street_merge_into_one_step() -> None:
    legs = [street("Grand Avenue", 50, 0), street("Grand Avenue", 60, 10),
            street("Grand Avenue", 40, 355)]
    steps = primitive(legs, origin="A", destination="B")
    assert [s.action for s in steps] == ["depart", "arrive"]
    assert steps[0].distance_m == pytest.approx(150)
    assert steps[0].street == "Grand Avenue"
    assert steps[0].heading == "north"


def test_same_name_merges_regardless_of_case_and_spacing() -> None:
    legs = [street("Grand Avenue", 50, 0), street(" grand  avenue ", 60, 0)]
    steps = primitive(legs, origin="A", destination="B")
    assert len(walking(steps)) == 1


def test_unnamed_legs_merge_only_with_the_same_way_kind() -> None:
    legs = [
        street(None, 40, 0, highway="footway"),
        street(None, 40, 0, highway="path"),  # also a footpath: merges
        Leg(None, "service", 40, 0, 0, service="alley"),
    ]
    steps = walking(primitive(legs, origin="A", destination="B"))
    assert [(s.way_kind, round(s.distance_m)) for s in steps] == [("footpath", 80), ("alley", 40)]
    assert steps[1].action == "continue"


def test_a_sharp_bend_splits_a_street_into_two_steps() -> None:
    legs = [street("Grand Avenue", 50, 0), street("Grand Avenue", 60, 90)]
    steps = walking(primitive(legs, origin="A", destination="B"))
    assert [(s.action, s.modifier) for s in steps] == [("depart", None), ("turn", "right")]


def test_merge_threshold_is_45_degrees() -> None:
    merged = primitive(
        [street("Main Street", 50, 0), street("Main Street", 50, 44.9)], origin="", destination=""
    )
    split = primitive(
        [street("Main Street", 50, 0), street("Main Street", 50, 45.0)], origin="", destination=""
    )
    assert len(walking(merged)) == 1
    assert len(walking(split)) == 2
    assert walking(split)[1].modifier == "right"


def test_turns_use_the_bearing_at_the_end_of_the_previous_leg() -> None:
    # The first street curves from north to east; continuing east on the next one is straight.
    legs = [street("Main Street", 100, 0, end=90), street("Hill Street", 100, 95)]
    steps = walking(primitive(legs, origin="", destination=""))
    assert (steps[1].action, steps[1].modifier) == ("continue", "straight")
    assert steps[1].heading == "east"


def test_street_name_change_going_straight_is_a_continue_step() -> None:
    legs = [street("Main Street", 100, 0), street("North Main Street", 100, 5)]
    steps = walking(primitive(legs, origin="", destination=""))
    assert [(s.action, s.modifier, s.street) for s in steps] == [
        ("depart", None, "Main Street"),
        ("continue", "straight", "North Main Street"),
    ]


# --------------------------------------------------------------------------------------------
# Turn classification
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "modifier"),
    [
        (0.0, "straight"),
        (19.999, "straight"),
        (-19.999, "straight"),
        (20.0, "slight right"),
        (-20.0, "slight left"),
        (44.999, "slight right"),
        (45.0, "right"),
        (-45.0, "left"),
        (90.0, "right"),
        (135.0, "right"),
        (135.001, "sharp right"),
        (-150.0, "sharp left"),
        (170.0, "sharp right"),
        (170.001, "u-turn"),
        (-170.001, "u-turn"),
        (180.0, "u-turn"),
        (-180.0, "u-turn"),
    ],
)
def test_turn_classification_boundaries(delta: float, modifier: str) -> None:
    assert classify_turn(delta) == modifier


@pytest.mark.parametrize(
    ("before", "after", "delta"),
    [(0, 90, 90), (0, 270, -90), (350, 10, 20), (10, 350, -20), (0, 180, -180), (90, 90, 0),
     (720, 45, 45)],
)
def test_turn_angle_is_signed_and_wraps_around_north(before: float, after: float,
                                                     delta: float) -> None:
    assert turn_angle(before, after) == pytest.approx(delta)


def test_turn_angle_without_a_bearing_is_no_turn() -> None:
    assert turn_angle(math.nan, 90) == 0.0


@pytest.mark.parametrize(
    ("bearing", "name"),
    [(0, "north"), (22.4, "north"), (22.5, "northeast"), (90, "east"), (135, "southeast"),
     (180, "south"), (225, "southwest"), (270, "west"), (315, "northwest"), (337.5, "north"),
     (359.9, "north"), (-90, "west")],
)
def test_headings_use_eight_compass_points(bearing: float, name: str) -> None:
    assert heading_name(bearing) == name


@pytest.mark.parametrize(
    ("modifier", "english", "spanish"),
    [
        ("right", "Turn right onto Hill Street and walk east", "Doble a la derecha en Hill Street"),
        ("left", "Turn left onto Hill Street", "Doble a la izquierda en Hill Street"),
        ("slight right", "Bear right onto Hill Street",
         "Doble ligeramente a la derecha en Hill Street"),
        ("sharp left", "Make a sharp left onto Hill Street",
         "Haga un giro cerrado a la izquierda en Hill Street"),
        ("u-turn", "Turn around and walk east on Hill Street",
         "Dé la vuelta y camine hacia el este por Hill Street"),
    ],
)
def test_turn_sentences(modifier: str, english: str, spanish: str) -> None:
    step = Step("turn", modifier, "Hill Street", "street", "east", 91.44)
    assert render_step(step, "en").startswith(english)
    assert render_step(step, "es").startswith(spanish)
    assert render_step(step, "en").endswith("for 300 feet.")
    assert render_step(step, "es").endswith(" 300 pies.")


def test_continue_sentences() -> None:
    step = Step("continue", "straight", "Grand Avenue", "street", "north", 137.16)
    assert render_step(step, "en") == "Continue north on Grand Avenue for 450 feet."
    assert render_step(step, "es") == "Siga derecho hacia el norte por Grand Avenue 450 pies."


# --------------------------------------------------------------------------------------------
# Crossings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "english", "spanish"),
    [
        ("signal", "Cross 5th Street at the signal.", "Cruce 5th Street en el semáforo."),
        ("stop", "Cross 5th Street at the stop sign.", "Cruce 5th Street en la señal de alto."),
        ("crosswalk", "Cross 5th Street at the crosswalk.",
         "Cruce 5th Street en el cruce peatonal."),
        ("none", "Cross 5th Street with no crosswalk: take care, look both ways.",
         "Cruce 5th Street sin cruce peatonal: tenga cuidado, mire a ambos lados."),
    ],
)
def test_each_crossing_control_is_narrated_in_both_languages(
    control: str, english: str, spanish: str
) -> None:
    legs = [street("Grand Avenue", 100, 0),
            street("Grand Avenue", 100, 0, Crossing("5th Street", control, False))]
    steps = primitive(legs, origin="", destination="")
    cross = [s for s in steps if s.action == "cross"]
    assert len(cross) == 1
    assert render_step(cross[0], "en") == english
    assert render_step(cross[0], "es") == spanish


def test_a_crossing_gets_its_own_step_before_the_walking_that_follows_it() -> None:
    legs = [street("Grand Avenue", 100, 0),
            street("Grand Avenue", 100, 0, Crossing("5th Street", "signal", False))]
    steps = primitive(legs, origin="", destination="")
    assert [(s.action, s.street, s.distance_m) for s in steps] == [
        ("depart", "Grand Avenue", 100),
        ("cross", "5th Street", 0.0),
        ("continue", "Grand Avenue", 100),
        ("arrive", None, 0.0),
    ]
    assert render_directions(steps)[2] == "Continue north on Grand Avenue for 350 feet."


def test_busy_street_without_crosswalk_is_emphasised() -> None:
    step = Step("cross", None, "Figueroa Street", "street", None, 0.0,
                Crossing("Figueroa Street", "none", True))
    assert render_step(step, "en") == (
        "Cross Figueroa Street (busy street) with no crosswalk: take care, look both ways."
    )
    assert render_step(step, "es") == (
        "Cruce Figueroa Street (calle de mucho tráfico) sin cruce peatonal: "
        "tenga cuidado, mire a ambos lados."
    )


def test_busy_street_emphasis_also_at_signals() -> None:
    step = Step("cross", None, "Figueroa Street", "street", None, 0.0,
                Crossing("Figueroa Street", "signal", True))
    assert render_step(step, "en") == "Cross Figueroa Street (busy street) at the signal."


def test_unnamed_arterial_crossing_is_narrated() -> None:
    legs = [street("Grape Street", 100, 0),
            street("Grape Street", 100, 0, Crossing(None, "crosswalk", True))]
    steps = primitive(legs, origin="", destination="")
    lines = render_directions(steps, "en")
    assert "Cross the busy street at the crosswalk." in lines
    assert "Cruce la calle de mucho tráfico en el cruce peatonal." in render_directions(steps, "es")


def test_unnamed_minor_crossings_are_not_narrated_and_do_not_split_steps() -> None:
    legs = [street("Grape Street", 100, 0),
            street("Grape Street", 100, 0, Crossing(None, "none", False))]
    steps = primitive(legs, origin="", destination="")
    assert [s.action for s in steps] == ["depart", "arrive"]


def test_several_crossings_at_one_node_are_narrated_in_order() -> None:
    legs = [street("Grand Avenue", 100, 0),
            street("Grand Avenue", 100, 0, Crossing("5th Street", "signal", True),
                   Crossing(None, "none", False), Crossing("Hope Place", "stop", False))]
    steps = primitive(legs, origin="", destination="")
    assert [s.street for s in steps if s.action == "cross"] == ["5th Street", "Hope Place"]


def test_unknown_control_is_worded_as_no_crosswalk() -> None:
    legs = [street("A Street", 100, 0), street("A Street", 50, 0, Crossing("B Street", "x", False))]
    steps = primitive(legs, origin="", destination="")
    cross = next(s for s in steps if s.action == "cross")
    assert cross.crossing is not None and cross.crossing.control == "none"
    assert "take care" in render_step(cross)


def test_crossing_at_the_start_comes_right_after_departing() -> None:
    legs = [street("Grand Avenue", 100, 90, Crossing("5th Street", "signal", False))]
    steps = primitive(legs, origin="Jordan Downs", destination="Park")
    assert [(s.action, s.distance_m) for s in steps] == [
        ("depart", 0.0), ("cross", 0.0), ("continue", 100), ("arrive", 0.0)]
    assert render_directions(steps)[:2] == [
        "Leave Jordan Downs heading east.", "Cross 5th Street at the signal."]
    assert render_directions(steps, "es")[0] == "Salga de Jordan Downs hacia el este."


# --------------------------------------------------------------------------------------------
# Short connectors, crosswalk ways, steps
# --------------------------------------------------------------------------------------------


def test_short_unnamed_connectors_are_folded_but_counted() -> None:
    legs = [
        street(None, 8.0, 270, highway="footway"),  # door to sidewalk
        street("Grape Street", 100, 0),
        street(None, CONNECTOR_MAX_M - 0.01, 45, highway="service"),  # a driveway apron
        street("Grape Street", 100, 0),
        street(None, 5.0, 90, highway="footway"),  # sidewalk to the school gate
    ]
    steps = primitive(legs, origin="Jordan Downs", destination="Grape Street School")
    assert [s.action for s in steps] == ["depart", "arrive"]
    assert steps[0].heading == "north"
    assert steps[0].distance_m == pytest.approx(sum(leg.length_m for leg in legs))


def test_connectors_of_15_m_or_more_are_narrated() -> None:
    legs = [street(None, CONNECTOR_MAX_M, 270, highway="footway"), street("Grape Street", 100, 0)]
    steps = walking(primitive(legs, origin="", destination=""))
    assert [s.way_kind for s in steps] == ["footpath", "street"]


def test_steps_are_always_narrated_however_short() -> None:
    legs = [street("Grape Street", 100, 0), street(None, 4.0, 0, highway="steps"),
            street("Grape Street", 100, 0)]
    steps = walking(primitive(legs, origin="", destination=""))
    assert [s.way_kind for s in steps] == ["street", "steps", "street"]
    assert render_step(steps[1]) == "Take the steps heading north (10 feet)."
    assert render_step(steps[1], "es") == (
        "Siga derecho y tome las escaleras hacia el norte (10 pies).")


def test_a_mapped_crosswalk_is_folded_into_the_next_step() -> None:
    legs = [
        street("Grand Avenue", 137.16, 0),
        street(None, 25.0, 0, Crossing("5th Street", "signal", False), highway="footway"),
        street("West 5th Street", 66.44, 90),
    ]
    steps = primitive(legs, origin="", destination="Library")
    assert [(s.action, s.modifier) for s in steps] == [
        ("depart", None), ("cross", None), ("turn", "right"), ("arrive", None)]
    assert steps[2].distance_m == pytest.approx(91.44)


def test_a_crosswalk_followed_by_a_sidewalk_is_narrated_as_the_footpath() -> None:
    legs = [
        street(None, 100, 0, highway="footway"),
        street(None, 25.0, 0, Crossing("5th Street", "signal", False), highway="footway"),
        street(None, 100.0, 0, highway="footway"),
    ]
    lines = render_directions(primitive(legs, origin="", destination=""))
    assert lines[:3] == [
        "Walk north along the footpath for 350 feet.",
        "Cross 5th Street at the signal.",
        "Continue north along the footpath for 400 feet.",
    ]


def test_a_route_of_nothing_but_connectors_is_still_described() -> None:
    legs = [street(None, 5.0, 0, highway="footway")]
    steps = primitive(legs, origin="Home", destination="Bus stop")
    assert [s.action for s in steps] == ["depart", "arrive"]
    assert render_directions(steps) == [
        "From Home, walk north along the footpath for 20 feet.", "Arrive at Bus stop."]


def test_an_empty_route_departs_and_arrives() -> None:
    steps = primitive([], origin="Home", destination="Home")
    assert render_directions(steps) == ["Start at Home.", "Arrive at Home."]
    assert render_directions(steps, "es") == ["Comience en Home.", "Llegará a Home."]


# --------------------------------------------------------------------------------------------
# Unnamed ways
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("highway", "service", "kind", "english", "spanish"),
    [
        ("footway", None, "footpath", "walk north along the footpath",
         "camine hacia el norte por el sendero peatonal"),
        ("pedestrian", None, "walkway", "walk north along the walkway",
         "camine hacia el norte por el paso peatonal"),
        ("service", "alley", "alley", "walk north along the alley",
         "camine hacia el norte por el callejón"),
        ("service", "driveway", "driveway", "walk north along the driveway",
         "camine hacia el norte por la entrada de autos"),
        ("service", None, "driveway", "walk north along the driveway",
         "camine hacia el norte por la entrada de autos"),
        ("residential", None, "street", "walk north on the unnamed street",
         "camine hacia el norte por la calle sin nombre"),
        ("steps", None, "steps", "take the steps heading north",
         "tome las escaleras hacia el norte"),
    ],
)
def test_unnamed_ways_are_described(highway: str, service: str | None, kind: str,
                                    english: str, spanish: str) -> None:
    assert way_kind(highway, service) == kind
    legs = [Leg(None, highway, 50.0, 0.0, 0.0, (), service)]
    steps = primitive(legs, origin="Nickerson Gardens", destination="")
    assert render_step(steps[0], "en") == f"From Nickerson Gardens, {english}" + (
        " (160 feet)." if kind == "steps" else " for 160 feet.")
    assert render_step(steps[0], "es").startswith(f"Desde Nickerson Gardens, {spanish}")


def test_turning_onto_unnamed_ways() -> None:
    step = Step("turn", "left", None, "alley", "west", 60)
    assert render_step(step) == "Turn left onto the alley and walk west for 200 feet."
    assert render_step(step, "es") == (
        "Doble a la izquierda hacia el callejón y camine hacia el oeste 200 pies.")
    stairs = Step("turn", "right", None, "steps", "east", 10)
    assert render_step(stairs) == "Turn right and take the steps heading east (30 feet)."
    assert render_step(stairs, "es") == (
        "Doble a la derecha y tome las escaleras hacia el este (30 pies).")


# --------------------------------------------------------------------------------------------
# The whole route is accounted for (property test over random routes)
# --------------------------------------------------------------------------------------------

NAMES = ["Grand Avenue", "Hope Street", "5th Street", "Calle Cañada", None, None, None]
HIGHWAYS = ["footway", "steps", "service", "residential", "primary", "pedestrian", "path"]
CONTROLS = ["signal", "stop", "crosswalk", "none"]


def random_route(rng: random.Random) -> list[Leg]:
    legs = []
    bearing = rng.uniform(0, 360)
    for _ in range(rng.randint(0, 25)):
        if rng.random() < 0.5:
            bearing = (bearing + rng.choice([0, 5, 19, 20, 44, 45, 90, 135, 150, 170, 180,
                                             -20, -90, -160])) % 360
        end = (bearing + rng.uniform(-30, 30)) % 360
        crossings = tuple(
            Crossing(rng.choice(NAMES), rng.choice(CONTROLS), rng.random() < 0.3)
            for _ in range(rng.choice([0, 0, 0, 1, 2]))
        )
        length = rng.choice([0.0, 0.5, 3.0, 14.9, 15.0, rng.uniform(0, 400), rng.uniform(0, 40)])
        legs.append(Leg(rng.choice(NAMES), rng.choice(HIGHWAYS), length, bearing, end, crossings,
                        rng.choice([None, "alley", "driveway"])))
        bearing = end
    return legs


def narrated_count(legs: list[Leg]) -> int:
    return sum(1 for leg in legs for c in leg.crossings if c.street or c.arterial)


@pytest.mark.parametrize("seed", range(400))
def test_random_routes_keep_distance_crossings_and_shape(seed: int) -> None:
    rng = random.Random(seed)
    legs = random_route(rng)
    steps = primitive(legs, origin="Origin", destination="Destination", merge_divided=False)
    merged = primitive(legs, origin="Origin", destination="Destination")
    assert math.isclose(math.fsum(s.distance_m for s in merged),
                        math.fsum(s.distance_m for s in steps), rel_tol=1e-12, abs_tol=1e-9)
    # merging a divided street's two crossings never loses a street crossed
    crossed = [s.crossing.street for s in steps if s.action == "cross"]
    kept = [s.crossing.street for s in merged if s.action == "cross"]
    assert set(kept) == set(crossed)
    assert len(crossed) // 2 <= len(kept) <= len(crossed)

    total = math.fsum(leg.length_m for leg in legs)
    assert math.isclose(math.fsum(s.distance_m for s in steps), total, rel_tol=1e-12, abs_tol=1e-9)
    assert steps[0].action == "depart"
    assert steps[-1].action == "arrive"
    assert all(s.action in ("continue", "turn", "cross") for s in steps[1:-1])
    cross = [s for s in steps if s.action == "cross"]
    assert len(cross) == narrated_count(legs)
    assert all(s.distance_m == 0 and s.crossing is not None for s in cross)
    for s in steps:
        if s.action == "turn":
            assert s.modifier not in (None, "straight")
        if s.action == "continue":
            assert s.modifier == "straight"
    for lang in ("en", "es"):
        for units in ("imperial", "metric"):
            lines = render_directions(steps, lang, units)
            assert len(lines) == len(steps)
            assert all(line and "\n" not in line and line.endswith(".") for line in lines)
    assert primitive(legs, origin="Origin", destination="Destination") == merged
    # the corners pass: the same distance and every crossing, said in fewer steps
    said = build_directions(legs, origin="Origin", destination="Destination")
    assert math.isclose(math.fsum(s.distance_m for s in said), total, rel_tol=1e-12,
                        abs_tol=1e-9)
    in_said = [c for s in said for c in ((s.crossing,) if s.crossing else s.crossings)]
    assert in_said == [s.crossing for s in merged if s.action == "cross"]
    assert len(said) <= len(merged)
    assert said[0].action == "depart"
    assert said[-1].action == "arrive" or said[-1].to == "Destination"
    walks = [s for s in said if s.action in ("continue", "turn")][:-1]  # all but the last
    assert all(s.distance_m >= CORNER_MAX_M or s.way_kind == "steps" for s in walks)
    for lang in ("en", "es"):
        lines = render_directions(said, lang)
        assert len(lines) == len(said)
        assert all(line and "\n" not in line and line.endswith(".") for line in lines)


# --------------------------------------------------------------------------------------------
# Distances and summary
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meters", "english", "spanish"),
    [
        (0.0, "0 feet", "0 pies"),
        (0.3, "10 feet", "10 pies"),
        (94 * FT, "90 feet", "90 pies"),
        (95 * FT, "100 feet", "100 pies"),
        (124 * FT, "120 feet", "120 pies"),
        (294.9 * FT, "290 feet", "290 pies"),
        (295 * FT, "300 feet", "300 pies"),
        (324.9 * FT, "300 feet", "300 pies"),
        (325 * FT, "350 feet", "350 pies"),
        (137.16, "450 feet", "450 pies"),
        (527.9 * FT, "500 feet", "500 pies"),  # never "550 feet" just under 0.1 mile
        (0.1 * MILE, "0.1 miles", "0.1 millas"),
        (0.3 * MILE, "0.3 miles", "0.3 millas"),
        (0.949 * MILE, "0.9 miles", "0.9 millas"),
        (0.96 * MILE, "1 mile", "1 milla"),
        (1.0 * MILE, "1 mile", "1 milla"),
        (1.04 * MILE, "1 mile", "1 milla"),
        (1.06 * MILE, "1.1 miles", "1.1 millas"),
        (2.0 * MILE, "2 miles", "2 millas"),
    ],
)
def test_imperial_distances(meters: float, english: str, spanish: str) -> None:
    assert format_distance(meters, "en", "imperial") == english
    assert format_distance(meters, "es", "imperial") == spanish


@pytest.mark.parametrize(
    ("meters", "english", "spanish"),
    [
        (0.0, "0 meters", "0 metros"),
        (2.0, "10 meters", "10 metros"),
        (44.9, "40 meters", "40 metros"),
        (45.0, "50 meters", "50 metros"),
        (994.9, "990 meters", "990 metros"),
        (995.0, "1 kilometer", "1 kilómetro"),
        (1049.0, "1 kilometer", "1 kilómetro"),
        (1250.0, "1.3 kilometers", "1.3 kilómetros"),
        (2000.0, "2 kilometers", "2 kilómetros"),
    ],
)
def test_metric_distances(meters: float, english: str, spanish: str) -> None:
    assert format_distance(meters, "en", "metric") == english
    assert format_distance(meters, "es", "metric") == spanish


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_bad_distances_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        format_distance(bad)
    with pytest.raises(ValueError):
        primitive([street("A", bad, 0)], origin="", destination="")


def test_unknown_language_or_units_are_input_errors() -> None:
    step = Step("arrive", None, None, None, None, 0.0, place="X")
    with pytest.raises(InputError):
        render_step(step, "fr")
    with pytest.raises(InputError):
        render_step(step, "en", "furlongs")
    assert render_step(step, "ES") == "Llegará a X."
    assert render_step(step, "es-MX", "metric") == "Llegará a X."


@pytest.mark.parametrize(
    ("length", "minutes", "lang", "units", "line"),
    [
        (0.4 * MILE, 8.0, "en", "imperial", "0.4 miles, about 8 minutes on foot"),
        (0.4 * MILE, 8.0, "es", "imperial", "0.4 millas, unos 8 minutos a pie"),
        (137.16, 1.7, "en", "imperial", "450 feet, about 2 minutes on foot"),
        (50.0, 0.2, "en", "imperial", "160 feet, about 1 minute on foot"),
        (50.0, 0.2, "es", "metric", "50 metros, alrededor de 1 minuto a pie"),
        (1250.0, 15.4, "es", "metric", "1.3 kilómetros, unos 15 minutos a pie"),
        (6000.0, 75.0, "en", "metric", "6 kilometers, about 1 hour 15 minutes on foot"),
        (6000.0, 75.0, "es", "metric", "6 kilómetros, aproximadamente 1 hora y 15 minutos a pie"),
        (9600.0, 120.0, "es", "metric", "9.6 kilómetros, aproximadamente 2 horas a pie"),
    ],
)
def test_summary_line(length: float, minutes: float, lang: str, units: str, line: str) -> None:
    assert summary_line(length, minutes, lang, units) == line


# --------------------------------------------------------------------------------------------
# Names are data, not markup; odd characters never crash
# --------------------------------------------------------------------------------------------


def test_odd_names_are_cleaned_but_not_escaped() -> None:
    nasty = "  <b>Main</b>\n\tStreet \u202eevil\u202c & \"Co\" \x00 🚸 "
    legs = [street(nasty, 100, 0),
            street("Calle\r\nCañada", 100, 90, Crossing("Av.\u2066 5\u2069", "signal", False))]
    steps = primitive(legs, origin="Home\x1b[31m", destination="School\u200b")
    lines = render_directions(steps, "en") + render_directions(steps, "es", "metric")
    for line in lines:
        assert "\n" not in line and "\r" not in line and "\t" not in line
        assert not any(unicodedata.category(ch) == "Cc" for ch in line)
        assert not any(ch in line for ch in "\u202e\u202c\u2066\u2069\u200b")
    assert lines[0] == (
        'From Home [31m, walk north on <b>Main</b> Street evil & "Co" 🚸 for 350 feet.')
    assert "Cross Av. 5 at the signal." in lines
    assert lines[-1] == "Llegará a School."


def test_empty_or_blank_names_count_as_unnamed() -> None:
    legs = [street("", 100, 0, highway="footway"), street("   ", 100, 0, highway="footway")]
    steps = walking(primitive(legs, origin="", destination=""))
    assert len(steps) == 1 and steps[0].street is None and steps[0].way_kind == "footpath"


def test_list_names_from_merged_edges_use_the_first_name() -> None:
    legs = [Leg(["Grand Avenue", "South Grand Avenue"], ["secondary", "tertiary"],  # type: ignore[arg-type]
                100, 0, 0)]
    steps = primitive(legs, origin="", destination="")
    assert steps[0].street == "Grand Avenue" and steps[0].way_kind == "street"


def test_very_long_names_are_shortened() -> None:
    steps = primitive([street("X" * 1000, 100, 0)], origin="", destination="")
    assert steps[0].street is not None and len(steps[0].street) <= 120
    assert steps[0].street.endswith("…")


# --------------------------------------------------------------------------------------------
# The downtown example, end to end
# --------------------------------------------------------------------------------------------


def test_downtown_route_steps() -> None:
    steps = primitive(downtown_route(), origin="Grand Avenue & 6th Street",
                             destination="Los Angeles Central Library")
    assert [(s.action, s.modifier, s.street, s.heading) for s in steps] == [
        ("depart", None, "Grand Avenue", "north"),
        ("cross", None, "5th Street", None),
        ("turn", "right", "West 5th Street", "east"),
        ("arrive", None, None, None),
    ]
    assert steps[0].distance_m == pytest.approx(6.0 + 137.16)
    assert steps[2].distance_m == pytest.approx(91.44)


def test_downtown_route_english() -> None:
    steps = primitive(downtown_route(), origin="Grand Avenue & 6th Street",
                             destination="Los Angeles Central Library")
    assert render_directions(steps, "en", "imperial") == [
        "From Grand Avenue & 6th Street, walk north on Grand Avenue for 450 feet.",
        "Cross 5th Street at the signal.",
        "Turn right onto West 5th Street and walk east for 300 feet.",
        "Arrive at Los Angeles Central Library.",
    ]


def test_downtown_route_spanish_snapshot() -> None:
    steps = primitive(downtown_route(), origin="Grand Avenue & 6th Street",
                             destination="Los Angeles Central Library")
    assert render_directions(steps, "es", "imperial") == [
        "Desde Grand Avenue & 6th Street, camine hacia el norte por Grand Avenue 450 pies.",
        "Cruce 5th Street en el semáforo.",
        "Doble a la derecha en West 5th Street y camine hacia el este 300 pies.",
        "Llegará a Los Angeles Central Library.",
    ]
    assert render_directions(steps, "es", "metric") == [
        "Desde Grand Avenue & 6th Street, camine hacia el norte por Grand Avenue 140 metros.",
        "Cruce 5th Street en el semáforo.",
        "Doble a la derecha en West 5th Street y camine hacia el este 90 metros.",
        "Llegará a Los Angeles Central Library.",
    ]


def test_same_input_gives_the_same_output() -> None:
    def run() -> tuple[list[Step], list[str], list[str]]:
        steps = primitive(downtown_route(), origin="O", destination="D")
        return steps, render_directions(steps, "en"), render_directions(steps, "es", "metric")

    assert run() == run()


def test_a_divided_street_is_crossed_once():
    hill_signal = Crossing(street="South Hill Street", control="signal", arterial=True)
    hill_none = Crossing(street="South Hill Street", control="none", arterial=True)
    legs = [
        Leg("West 3rd Street", "secondary", 80.0, 90.0, 90.0),
        Leg("West 3rd Street", "secondary", 12.0, 90.0, 90.0, crossings=(hill_signal,)),
        Leg("West 3rd Street", "secondary", 60.0, 90.0, 90.0, crossings=(hill_none,)),
    ]
    steps = primitive(legs, origin="A", destination="B")
    crosses = [s for s in steps if s.action == "cross"]
    assert len(crosses) == 1
    assert crosses[0].crossing.control == "none"  # the weaker control is what a walker meets
    assert math.isclose(sum(s.distance_m for s in steps), 152.0)
    text = render_directions(steps)
    assert sum("Cross South Hill Street" in t for t in text) == 1


def test_a_short_jog_on_the_same_path_is_not_narrated():
    legs = [
        Leg(None, "footway", 27.0, 135.0, 135.0),
        Leg(None, "footway", 6.0, 225.0, 225.0),   # right, 20 ft
        Leg(None, "footway", 107.0, 135.0, 135.0),  # left again
        Leg(None, "footway", 60.0, 225.0, 225.0),   # a real turn
    ]
    steps = primitive(legs, origin="A", destination="B")
    walks = [s for s in steps if s.action in ("depart", "continue", "turn")]
    assert [round(s.distance_m) for s in walks] == [140, 60]
    assert math.isclose(sum(s.distance_m for s in steps), 200.0)


def test_a_corner_cut_twice_is_said_once():
    legs = [
        Leg("South Grand Avenue", "primary", 300.0, 45.0, 45.0),
        Leg("West 3rd Street", "secondary", 6.0, 315.0, 315.0),
        Leg("South Grand Avenue", "primary", 9.0, 45.0, 45.0),
        Leg("West 3rd Street", "secondary", 60.0, 315.0, 315.0),
    ]
    text = render_directions(primitive(legs, origin="A", destination="B"))
    assert text[1].startswith("Turn left onto West 3rd Street")
    assert sum("South Grand Avenue" in t for t in text) == 1


# --------------------------------------------------------------------------------------------
# What a walker does at one corner is one step
# --------------------------------------------------------------------------------------------


def grand_and_fifth() -> list[Leg]:
    """North-east on Grand's west side; at 5th, cross Grand, then 5th, and go on up Grand.

    As the demo's route to Colburn School walks it: five steps before the corner pass.
    """
    grand = Crossing("South Grand Avenue", "signal", True)
    fifth = Crossing("West 5th Street", "signal", True)
    return [
        Leg(None, "footway", 28.0, 135.0, 135.0),
        Leg("South Grand Avenue", "secondary", 85.0, 45.0, 45.0),
        Leg("West 5th Street", "secondary", 12.0, 135.0, 135.0),
        Leg("West 5th Street", "secondary", 12.0, 135.0, 135.0, (grand,)),
        Leg("South Grand Avenue", "secondary", 15.0, 45.0, 45.0),
        Leg("South Grand Avenue", "secondary", 320.0, 45.0, 45.0, (fifth,)),
        Leg("West 3rd Street", "secondary", 40.0, 315.0, 315.0),
    ]


def test_a_corner_crossed_on_two_signals_is_one_step() -> None:
    legs = grand_and_fifth()
    before = render_directions(primitive(legs, origin="Home", destination="Colburn School"))
    assert len(before) == 10
    lines = render_directions(build_directions(legs, origin="Home", destination="Colburn School"))
    assert lines == [
        "From Home, walk southeast along the footpath for 90 feet.",
        "Turn left onto South Grand Avenue and walk northeast for 280 feet.",
        "At West 5th Street, cross South Grand Avenue (busy street) and West 5th Street (busy "
        "street), both at the signal, then continue northeast on South Grand Avenue for "
        "0.2 miles.",
        "Turn left onto West 3rd Street and walk northwest for 130 feet to Colburn School.",
    ]
    es = render_directions(build_directions(legs, origin="Home", destination="Colburn School"),
                           "es")
    assert es[2] == (
        "En West 5th Street, cruce South Grand Avenue (calle de mucho tráfico) y West 5th "
        "Street (calle de mucho tráfico), ambas en el semáforo, y luego siga derecho hacia el "
        "noreste por South Grand Avenue 0.2 millas.")
    assert es[-1].endswith("130 pies hasta llegar a Colburn School.")


def test_crossings_with_different_controls_are_each_named_with_theirs() -> None:
    legs = [street("A Street", 100, 0),
            street("B Street", 10, 90, Crossing("A Street", "signal", True)),
            street("A Street", 200, 0, Crossing("B Street", "none", True))]
    lines = render_directions(build_directions(legs, origin="", destination=""))
    assert lines[1] == ("At B Street, cross A Street (busy street) at the signal, then B Street "
                        "(busy street) where there is no crosswalk (take care, look both "
                        "ways), then continue north on A Street for 0.1 miles.")


def test_a_crossing_goes_with_the_walk_after_it() -> None:
    legs = [street("Grand Avenue", 100, 0),
            street("Grand Avenue", 100, 0, Crossing("5th Street", "stop", False))]
    steps = build_directions(legs, origin="", destination="")
    assert [(s.action, [c.street for c in s.crossings]) for s in steps] == [
        ("depart", []), ("continue", ["5th Street"]), ("arrive", [])]
    assert render_step(steps[1]) == ("Cross 5th Street at the stop sign, then continue north "
                                     "on Grand Avenue for 350 feet.")
    assert render_step(steps[1], "es") == (
        "Cruce 5th Street en la señal de alto, y luego siga derecho hacia el norte por Grand "
        "Avenue 350 pies.")


def test_a_jog_under_30_m_is_not_a_step_and_the_turn_is_measured_across_it() -> None:
    legs = [street("Grape Street", 200, 0), street(None, 20, 90, highway="footway"),
            street("Hope Street", 200, 90)]
    steps = build_directions(legs, origin="", destination="")
    assert [(s.action, s.modifier, s.street) for s in steps if s.action != "arrive"] == [
        ("depart", None, "Grape Street"), ("turn", "right", "Hope Street")]
    assert steps[1].distance_m == pytest.approx(220)


def test_stairs_are_said_even_when_short() -> None:
    legs = [street("Grape Street", 100, 0), street(None, 4.0, 0, highway="steps"),
            street("Grape Street", 100, 0)]
    steps = build_directions(legs, origin="", destination="")
    assert [s.way_kind for s in steps if s.action != "arrive"] == ["street", "steps", "street"]


def test_crossings_after_the_last_walk_keep_their_own_step() -> None:
    legs = [street("Grand Avenue", 100, 0, highway="primary"),
            street(None, 0.0, 0, Crossing("5th Street", "signal", False), highway="footway")]
    steps = build_directions(legs, origin="", destination="Library")
    assert [s.action for s in steps][-2:] == ["cross", "arrive"]
