"""Small things every step shares, written once so every output gives the same answer.

Distance on the sphere (one Earth radius), bearings and compass words, distances as people read
them (feet and miles, or metres and kilometres, with one rounding rule), minutes of the day, and
names from OpenStreetMap data (user-edited text, cleaned once).

The maps, the handouts, the directions and the coverage reports all call these, so a bearing of
22.5° is "northeast" everywhere and 150 m is "500 feet" everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

from .errors import InputError

__all__ = [
    "COMPASS_POINTS",
    "COMPASS_WORDS",
    "EARTH_RADIUS_M",
    "FOOT_M",
    "LANGS",
    "LOCAL_TIME_ZONE",
    "MILE_M",
    "MINUTES_PER_DAY",
    "TIME_NOTES",
    "UNITS",
    "Lang",
    "Units",
    "bearing_deg",
    "check_lang",
    "check_units",
    "clean_name",
    "clean_tag",
    "clean_text",
    "clock_range",
    "clock_text",
    "compass_point",
    "compass_word",
    "date_text",
    "edge_name",
    "format_distance",
    "haversine_m",
    "hhmm",
    "planar_bearing",
    "round_half_up",
    "time_of_day",
    "unit_words",
]

#: Mean Earth radius (IUGG), metres: the one radius every distance on the sphere uses.
EARTH_RADIUS_M = 6_371_008.8
#: The international foot and mile, in metres.
FOOT_M = 0.3048
MILE_M = 1609.344
#: Minutes in a day; times of day are minutes after midnight, 0 to 1439.
MINUTES_PER_DAY = 1440

Lang = Literal["en", "es"]
Units = Literal["imperial", "metric"]
LANGS: tuple[Lang, ...] = ("en", "es")
UNITS: tuple[Units, ...] = ("imperial", "metric")

#: Eight compass points, clockwise from north.
COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
COMPASS_WORDS: dict[Lang, tuple[str, ...]] = {
    "en": ("north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest"),
    "es": ("norte", "noreste", "este", "sureste", "sur", "suroeste", "oeste", "noroeste"),
}

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------------------------------
# Checking the two choices every text output makes


def check_lang(lang: str) -> Lang:
    """Return ``lang`` as ``"en"`` or ``"es"`` ("es-MX", "EN" and "es_US" are accepted).

    Raises
    ------
    InputError
        If the language is neither English nor Spanish.
    """
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if code == "en":
        return "en"
    if code == "es":
        return "es"
    raise InputError(f"unsupported language {lang!r}: use 'en' or 'es'")


def check_units(units: str) -> Units:
    """Return ``units`` as ``"imperial"`` or ``"metric"``.

    Raises
    ------
    InputError
        If the units are neither.
    """
    key = str(units).strip().lower()
    if key == "imperial":
        return "imperial"
    if key == "metric":
        return "metric"
    raise InputError(f"unsupported units {units!r}: use 'imperial' or 'metric'")


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up (2.5 → 3), unlike Python's banker's rounding."""
    return math.floor(x + 0.5)


# ---------------------------------------------------------------------------------------------
# Distance and direction on the ground


@overload
def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...
@overload
def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> float | FloatArray: ...
def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> float | FloatArray:
    """Great-circle distance in metres between points given in degrees.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array-like
        Latitudes and longitudes (WGS84 degrees); arrays broadcast.

    Returns
    -------
    float or numpy.ndarray
        A float for scalar input, an array otherwise (on a sphere of radius
        :data:`EARTH_RADIUS_M`; within 0.5 % of the ellipsoid everywhere).
    """
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dl = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from the first point to the second, degrees from north.

    Returns
    -------
    float
        0 to 360, clockwise from north (0 for identical points).
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


def planar_bearing(dx: float, dy: float) -> float:
    """Bearing of a step ``(dx, dy)`` in a projected CRS (x east, y north), degrees from north."""
    return math.degrees(math.atan2(dx, dy)) % 360.0


def _compass_index(bearing: float) -> int:
    b = float(bearing)
    if not math.isfinite(b):
        raise ValueError(f"bearing must be a finite number, not {bearing!r}")
    # Sector edges (22.5°, 67.5°, ...) belong to the sector clockwise of them.
    return round_half_up((b % 360.0) / 45.0) % 8


def compass_point(bearing: float) -> str:
    """The nearest of eight compass points: ``"N"``, ``"NE"``, ... ``"NW"`` (22.5° is "NE").

    Raises
    ------
    ValueError
        If ``bearing`` is not finite.
    """
    return COMPASS_POINTS[_compass_index(bearing)]


def compass_word(bearing: float | str, lang: str = "en") -> str:
    """The nearest of eight compass directions in words: 22.5° is "northeast" ("noreste").

    Parameters
    ----------
    bearing : float or str
        Degrees clockwise from north (any finite value), or a compass point (``"NE"``).
    lang : {"en", "es"}
        Language.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If a numeric ``bearing`` is not finite or a text one is not a compass point.
    """
    words = COMPASS_WORDS[check_lang(lang)]
    if isinstance(bearing, str):
        point = bearing.strip().upper()
        if point not in COMPASS_POINTS:
            raise ValueError(f"not a compass point: {bearing!r}")
        return words[COMPASS_POINTS.index(point)]
    return words[_compass_index(bearing)]


# ---------------------------------------------------------------------------------------------
# Distances as people read them

_TENTH_MILE_FT = 528.0
_UNIT_WORDS: dict[tuple[Lang, bool], dict[str, tuple[str, str]]] = {
    # (language, short) -> unit -> (singular, plural)
    ("en", False): {"ft": ("foot", "feet"), "mi": ("mile", "miles"),
                    "m": ("meter", "meters"), "km": ("kilometer", "kilometers")},
    ("es", False): {"ft": ("pie", "pies"), "mi": ("milla", "millas"),
                    "m": ("metro", "metros"), "km": ("kilómetro", "kilómetros")},
    ("en", True): {"ft": ("ft", "ft"), "mi": ("mi", "mi"), "m": ("m", "m"), "km": ("km", "km")},
    # Spanish readers in Los Angeles read "pies" and "millas", never "ft" or "mi".
    ("es", True): {"ft": ("pies", "pies"), "mi": ("millas", "millas"),
                   "m": ("m", "m"), "km": ("km", "km")},
}


def unit_words(lang: str = "en", *, short: bool = True) -> dict[str, str]:
    """The words of the four units in a language, plural: ``{"ft": "pies", "mi": "millas", ...}``.

    The same words :func:`format_distance` writes (for a scale bar's labels).
    """
    return {unit: words[1] for unit, words in _UNIT_WORDS[(check_lang(lang), short)].items()}


def _rounded_distance(metres: float, units: Units) -> tuple[float, str]:
    """The one rounding rule: (value, unit) with unit in ft, mi, m, km."""
    if units == "imperial":
        feet = metres / FOOT_M
        if feet < _TENTH_MILE_FT:
            if metres == 0:
                return 0, "ft"
            if feet < 300:
                return max(10, round_half_up(feet / 10) * 10), "ft"
            return min(500, round_half_up(feet / 50) * 50), "ft"
        return round_half_up(metres / MILE_M * 10) / 10, "mi"
    if metres == 0:
        return 0, "m"
    rounded = max(10, round_half_up(metres / 10) * 10)
    if rounded < 1000:
        return rounded, "m"
    return round_half_up(metres / 100) / 10, "km"


def format_distance(
    metres: float, lang: str = "en", units: str = "imperial", *, short: bool = False
) -> str:
    """A walking distance as people read it, the same on maps, handouts and directions.

    Parameters
    ----------
    metres : float
        Distance in metres (finite, not negative).
    lang : {"en", "es"}
        Language of the unit words. Both languages write a decimal point ("0.5 millas"), as
        families in Los Angeles read it.
    units : {"imperial", "metric"}
        Imperial: feet below 0.1 mile (528 ft), to the nearest 10 ft below 300 ft and the
        nearest 50 ft from there (at most 500 ft); otherwise miles to one decimal. Metric:
        metres to the nearest 10 m below 1 km, otherwise kilometres to one decimal.
    short : bool
        Abbreviated units for labels and side notes ("500 ft", "0.3 mi", "180 m"); Spanish
        keeps "pies" and "millas".

    Returns
    -------
    str
        E.g. ``"500 feet"`` (150 m), ``"0.3 miles"``, ``"0.3 millas"``, ``"1 mile"``,
        ``"120 meters"``, ``"1.2 km"``. Any positive distance is at least 10 feet or 10 metres.

    Raises
    ------
    ValueError
        If ``metres`` is negative or not finite.
    InputError
        If ``lang`` or ``units`` is not supported.
    """
    code, system = check_lang(lang), check_units(units)
    m = float(metres)
    if not math.isfinite(m) or m < 0:
        raise ValueError(f"distance must be a finite, non-negative number, not {metres!r}")
    value, unit = _rounded_distance(m, system)
    singular, plural = _UNIT_WORDS[(code, short)][unit]
    number = f"{value:g}" if unit in ("mi", "km") else f"{int(value)}"
    return f"{number} {singular if value == 1 else plural}"


# ---------------------------------------------------------------------------------------------
# Minutes of the day


def hhmm(minute: int) -> str:
    """A minute of the day as 24-hour ``"HH:MM"`` (wraps past midnight: 1500 → "01:00")."""
    h, m = divmod(int(minute) % MINUTES_PER_DAY, 60)
    return f"{h:02d}:{m:02d}"


def clock_text(minute: int, lang: str = "en") -> str:
    """A minute of the day as families read it: 840 is "2:00 PM" ("2:00 p. m.")."""
    h, m = divmod(int(minute) % MINUTES_PER_DAY, 60)
    if check_lang(lang) == "es":
        suffix = "a. m." if h < 12 else "p. m."
    else:
        suffix = "AM" if h < 12 else "PM"
    return f"{(h % 12) or 12}:{m:02d} {suffix}"


def clock_range(start: int, end: int, lang: str = "en") -> str:
    """Hours as a US timetable writes them: 840, 960 is "2:00–4:00 PM" ("2:00–4:00 p. m.").

    One AM/PM for a range within one half of the day, both when it crosses noon or midnight
    ("11:00 AM–1:00 PM"); the maps, the handouts and the beat cards all say hours this way.
    """
    first, last = clock_text(start, lang), clock_text(end, lang)
    first_clock, first_half = first.split(" ", 1)
    if first_half == last.split(" ", 1)[1]:
        return f"{first_clock}–{last}"
    return f"{first}–{last}"


_MONTHS: dict[Lang, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}


def date_text(day: dt.date, lang: str = "en") -> str:
    """A date as families read it: "November 24, 2026" / "24 de noviembre de 2026"."""
    code = check_lang(lang)
    month = _MONTHS[code][day.month - 1]
    if code == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


#: Where the times of day are: a time given with another zone or offset is converted to it.
LOCAL_TIME_ZONE = "America/Los_Angeles"
#: What :func:`time_of_day` assumed, as a reader reports it for a count of incidents.
TIME_NOTES = {
    "converted": "{:,} of the incident times had a time zone: converted to Los Angeles time",
    "date only": "{:,} of the incidents have a date but no time of day: they count in every "
                 "time window",
}


def time_of_day(text: str) -> tuple[int, dt.date, str]:
    """The minute of the day in Los Angeles, the day, and what was assumed, from ISO 8601.

    ``"2026-03-04T15:20"`` is 920 (local time, as written); ``"2026-03-04T15:20:00Z"`` is 440
    (07:20 in Los Angeles), said as ``"converted"``; ``"2026-03-04"`` has no time of day: -1,
    said as ``"date only"`` (it is not midnight).

    Raises
    ------
    ValueError
        If the text is not an ISO 8601 date or date and time.
    """
    from zoneinfo import ZoneInfo

    text = text.strip()
    when = dt.datetime.fromisoformat(text)
    if len(text) == 10:  # YYYY-MM-DD (a compact YYYYMMDD is 8 characters: a time of 00:00)
        return -1, when.date(), "date only"
    if when.tzinfo is None:
        return when.hour * 60 + when.minute, when.date(), ""
    local = when.astimezone(ZoneInfo(LOCAL_TIME_ZONE))
    return local.hour * 60 + local.minute, local.date(), "converted"


# ---------------------------------------------------------------------------------------------
# Names from OpenStreetMap and users' files

#: Characters removed from names: bidirectional embeddings/overrides/isolates and marks, the
#: zero-width space and the byte-order mark (they can reorder or hide printed text), and the
#: two non-characters XML cannot hold.
_STRIP_CHARS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u200b\ufeff"
        "\ufffe\uffff"),
    None,
)
#: Control characters and line breaks become spaces; lone surrogates (broken text) go.
_SPACE_OR_GONE = {"Cc": " ", "Zl": " ", "Zp": " ", "Cs": ""}
#: Longer names are cut with an ellipsis.
MAX_NAME_CHARS = 120
_MISSING = frozenset({"", "nan", "none", "null"})


def clean_text(value: object, max_chars: int = MAX_NAME_CHARS) -> str:
    """One tidy line of plain text from user-edited data ("" for None, NaN or empty).

    Unicode is normalised (NFC); control characters, line and paragraph separators become
    spaces; bidirectional controls, zero-width characters, lone surrogates and the
    non-characters U+FFFE/U+FFFF are removed; runs of space are
    collapsed; text longer than ``max_chars`` is cut with "…". Lists (osmnx gives one for a
    merged edge) yield their first usable item. The text is otherwise kept as written.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return next((t for t in (clean_text(v, max_chars) for v in value) if t), "")
    text = unicodedata.normalize("NFC", str(value)).translate(_STRIP_CHARS)
    text = "".join(_SPACE_OR_GONE.get(unicodedata.category(ch), ch) for ch in text)
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


def clean_name(value: object) -> str | None:
    """A name, or None where data has none (None, NaN, "", and the strings "nan", "None").

    The demo extract writes the literal string ``nan`` for every missing tag value.
    """
    if isinstance(value, list | tuple):
        return next((n for n in (clean_name(v) for v in value) if n), None)
    text = clean_text(value)
    return None if text.lower() in _MISSING else text


def edge_name(data: Mapping[str, object]) -> str | None:
    """The street an edge belongs to: its ``name``, or the street a sidewalk runs along.

    Parameters
    ----------
    data : mapping
        Edge attributes (osmnx gives a list of names for a merged edge; the first usable one
        is taken).

    Returns
    -------
    str or None
    """
    return clean_name(data.get("name")) or clean_name(data.get("street_name"))


#: Characters XML 1.0 cannot hold (C0 controls but tab and line breaks, surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Tags whose values are names people read: cleaned as names are (one tidy line).
NAME_TAGS = frozenset({"name", "name:en", "name:es", "official_name", "ref", "alt_name"})


def clean_tag(key: str, value: str) -> str:
    """A tag value fit for OSM XML: names cleaned (:func:`clean_text`), control characters out.

    OSM data is user-edited; a name holding terminal escape codes or a NUL byte must not break
    the XML osmnx reads, the terminal, GPX or HTML.
    """
    if key in NAME_TAGS:
        return clean_text(value)
    return _NOT_XML.sub(" ", value)
