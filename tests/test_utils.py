"""One answer for the small shared things, whichever output asks."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point

from safepassage import directions, handouts, maps
from safepassage.errors import InputError
from safepassage.utils import (
    FOOT_M,
    MINUTES_PER_DAY,
    bearing_deg,
    check_lang,
    clean_name,
    clean_text,
    clock_range,
    clock_text,
    compass_point,
    compass_word,
    edge_name,
    format_distance,
    haversine_m,
    hhmm,
    planar_bearing,
)


def test_one_earth_radius_for_every_distance() -> None:
    # One degree of latitude on the mean sphere.
    assert haversine_m(34.0, -118.0, 35.0, -118.0) == pytest.approx(111_195.1, abs=0.5)
    # Vectorised, and the same answer as the scalar form.
    many = haversine_m([34.0, 34.05], [-118.25, -118.25], 34.05, -118.25)
    assert many[1] == 0.0 and many[0] == pytest.approx(haversine_m(34.0, -118.25, 34.05, -118.25))
    # The maps measure a gap with the same function.
    a, b = Point(-118.25, 34.05), Point(-118.25, 34.06)
    assert maps.metres_between(a, b) == pytest.approx(haversine_m(34.05, -118.25, 34.06, -118.25))


@pytest.mark.parametrize(
    ("bearing", "point", "en", "es"),
    [(0, "N", "north", "norte"), (22.5, "NE", "northeast", "noreste"),
     (22.49, "N", "north", "norte"), (67.5, "E", "east", "este"), (-44, "NW", "northwest",
                                                                      "noroeste"),
     (315, "NW", "northwest", "noroeste"), (359.9, "N", "north", "norte"),
     (180, "S", "south", "sur")],
)
def test_one_compass_for_maps_directions_and_post_names(bearing: float, point: str, en: str,
                                                         es: str) -> None:
    assert compass_point(bearing) == point
    assert compass_word(bearing) == en == directions.heading_name(bearing)
    assert compass_word(bearing, "es") == es == compass_word(point, "es")


def test_bearings_on_the_sphere_and_the_plane() -> None:
    assert bearing_deg(34.0, -118.0, 34.1, -118.0) == pytest.approx(0.0)
    assert bearing_deg(34.0, -118.0, 34.0, -117.9) == pytest.approx(90.0, abs=0.1)
    assert planar_bearing(1.0, 1.0) == pytest.approx(45.0)
    assert planar_bearing(-1.0, 0.0) == pytest.approx(270.0)
    with pytest.raises(ValueError, match="finite"):
        compass_point(math.nan)


def test_one_distance_formatter_for_directions_handouts_and_maps() -> None:
    # The example: 150 m was "500 feet" in directions and "490 ft" on handouts.
    assert format_distance(150.0) == "500 feet"
    assert format_distance(150.0, short=True) == "500 ft"
    assert directions.format_distance(150.0) == "500 feet"
    # A handout's post name in feet uses the same rule (110 m = 361 ft -> 350 ft).
    assert handouts.post_name("Hope St, 110 m north of 5th St", "en", "imperial") == (
        "Hope St, 350 ft north of 5th St")
    assert handouts.post_name("Hope St, 110 m north of 5th St", "es", "imperial") == (
        "Hope St, a 350 pies al norte de 5th St")
    assert format_distance(178.0, "en", "imperial", short=True) == "0.1 mi"
    assert format_distance(178.0, "es", "imperial", short=True) == "0.1 millas"
    assert format_distance(178.0, "en", "metric", short=True) == "180 m"
    # Spanish in Los Angeles reads a decimal point.
    assert format_distance(2400.0, "es", "metric", short=True) == "2.4 km"
    assert format_distance(0.5 * 1609.344, "es") == "0.5 millas"
    assert format_distance(1609.344, "es") == "1 milla"
    assert format_distance(0.0) == "0 feet"
    assert format_distance(1.0) == "10 feet"
    assert format_distance(299 * FOOT_M) == "300 feet"
    with pytest.raises(InputError, match="units"):
        format_distance(10.0, "en", "furlongs")
    with pytest.raises(ValueError, match="finite"):
        format_distance(-1.0)


def test_minutes_of_the_day() -> None:
    assert MINUTES_PER_DAY == 24 * 60
    assert hhmm(14 * 60) == "14:00" and hhmm(MINUTES_PER_DAY + 61) == "01:01"
    assert clock_text(14 * 60) == "2:00 PM" and clock_text(0, "es") == "12:00 a. m."
    assert handouts.format_hours("14:00-16:00") == "2:00–4:00 PM" == clock_range(840, 960)
    assert clock_range(11 * 60, 13 * 60, "es") == "11:00 a. m.–1:00 p. m."
    assert maps.time_window_label("dismissal") == "dismissal, 14:00-16:00"


def test_names_are_cleaned_one_way() -> None:
    assert clean_name("nan") is None and clean_name(None) is None and clean_name(math.nan) is None
    assert clean_name(["nan", " South  Grand\tAvenue "]) == "South Grand Avenue"
    assert clean_text("A\x1b]0;title\x07B\u202eC") == "A ]0;title BC"
    assert len(clean_text("x" * 500)) == 120
    assert edge_name({"name": "nan", "street_name": "West 5th Street"}) == "West 5th Street"
    assert edge_name({"name": ["Hope Street", "Hope St"]}) == "Hope Street"
    assert edge_name({}) is None
    assert check_lang("es-MX") == "es"
    with pytest.raises(InputError, match="language"):
        check_lang("fr")
