"""Every word of a handout, in English and Spanish: the strings table, post names, dates, hours.

Values are plain text (the template escapes them). Post names are built in English by
:mod:`safepassage.coverage` from street names; :func:`post_name` turns them into the handout's
language and units, leaving the street names as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from ..coverage import name_in_units
from ..utils import (
    COMPASS_WORDS,
    clock_range,
    compass_word,
    date_text,
)

__all__ = [
    "KIND_SINGULAR",
    "STRINGS",
    "format_date",
    "format_hours",
    "post_name",
    "window_text",
]

#: Every text of a handout, per language. Values are plain text (the template escapes them).
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Safe walking route",
        "from_label": "From",
        "map_credit": "Map: streets © OpenStreetMap contributors.",
        "legend": "Legend",
        "legend_route": "Safe route",
        "legend_gap": "Straight line: the streets there are not on the map",
        "legend_start": "Start",
        "legend_post": "Officer post",
        "legend_streets": "Streets",
        "officers_heading": "Where officers stand, and when",
        "post_where": "Where",
        "post_when": "When",
        "no_posts": "No officer is posted along this route.",
        "directions_heading": "Step by step",
        "dest_gap": "{name} is about {distance} {way} of the end of the route; the streets "
                    "there are not mapped.",
        "safety_tip": "Cross only at crosswalks, wait for the signal, and stay on the route.",
        "sources": "Sources",
        "made_on": "Made on",
        "made_by": "Safe Passages, LAPD Community Safety Partnership",
        "start_label": "Start",
        "approx_site": "The location of {name} is approximate; the route starts at the street "
                       "nearest to that point.",
        "approx_destination": "The location of {name} is approximate; check the entrance "
                              "on arrival.",
        "window_arrival": "school arrival",
        "window_dismissal": "school dismissal",
        "window_evening": "evening",
        "window_all_day": "all day",
    },
    "es": {
        "title": "Ruta segura a pie",
        "from_label": "Desde",
        "map_credit": "Mapa: calles © colaboradores de OpenStreetMap.",
        "legend": "Leyenda",
        "legend_route": "Ruta segura",
        "legend_gap": "Línea recta: las calles de esa zona no están en el mapa",
        "legend_start": "Inicio",
        "legend_post": "Puesto policial",
        "legend_streets": "Calles",
        "officers_heading": "Dónde y a qué hora hay oficiales",
        "post_where": "Dónde",
        "post_when": "Horario",
        "no_posts": "No hay oficiales asignados a lo largo de esta ruta.",
        "directions_heading": "Paso a paso",
        "dest_gap": "{name} está a unos {distance} al {way} del final de la ruta; las calles "
                    "de esa zona no aparecen en el mapa.",
        "safety_tip": "Use siempre los cruces peatonales, espere la señal para cruzar y no se "
                      "salga de la ruta.",
        "sources": "Fuentes",
        "made_on": "Elaborado el",
        "made_by": "Safe Passages, Asociación de Seguridad Comunitaria (CSP) del LAPD",
        "start_label": "Inicio",
        "approx_site": "La ubicación de {name} es aproximada; la ruta empieza en la calle más "
                       "cercana a ese punto.",
        "approx_destination": "La ubicación de {name} es aproximada; busque la entrada al "
                              "llegar.",
        "window_arrival": "entrada a clases",
        "window_dismissal": "salida de clases",
        "window_evening": "tarde y noche",
        "window_all_day": "todo el día",
    },
}

#: A destination kind in the singular, per language (a handout's subtitle).
KIND_SINGULAR = {
    "en": {"school": "School", "kindergarten": "Kindergarten", "park": "Park",
           "playground": "Playground", "recreation": "Recreation centre", "library": "Library",
           "transit": "Transit stop", "business": "Shop", "other": "Destination"},
    "es": {"school": "Escuela", "kindergarten": "Kínder", "park": "Parque",
           "playground": "Juegos infantiles", "recreation": "Centro recreativo",
           "library": "Biblioteca", "transit": "Parada de transporte", "business": "Tienda",
           "other": "Destino"},
}

_WAY_ES = dict(zip(COMPASS_WORDS["en"], COMPASS_WORDS["es"], strict=True))

#: The words in brackets after a post's name (see :func:`safepassage.coverage.names`): where
#: at a corner or along a street the post stands.
_SPOT = re.compile(r"^(?P<name>.+?) \((?P<spot>(?:[NESW]{1,2} corner|(?:north|south|east|west) "
                   r"side|middle)(?:, \d+ (?:m|ft) out)?(?:, \d+ (?:m|ft) farther "
                   r"(?:north|south|east|west))?)\)$")


def _spot_es(spot: str) -> str:
    """"NE corner, 80 ft out" in Spanish: "esquina noreste, a 80 pies"."""
    out = []
    for part in spot.split(", "):
        words = part.split()
        if part.endswith(" corner"):
            out.append(f"esquina {compass_word(words[0], 'es')}")
        elif part.endswith(" side"):
            out.append(f"lado {_WAY_ES[words[0]]}")
        elif part == "middle":
            out.append("centro")
        elif part.endswith(" out"):
            out.append(f"a {_spanish_units(' '.join(words[:2]))}")
        elif "farther" in part:
            out.append(f"{_spanish_units(' '.join(words[:2]))} más al {_WAY_ES[words[-1]]}")
        else:
            out.append(part)
    return ", ".join(out)


_POST_NAME_ES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^(?P<a>.+?) & (?P<b>.+?)$"), lambda m: f"{m['a']} y {m['b']}"),
    (re.compile(r"^(?P<s>.+), (?P<d>[\d.]+ (?:m|ft|mi)) (?P<w>north|south|east|west) of "
                r"(?P<x>.+)$"),
     lambda m: f"{m['s']}, a {_spanish_units(m['d'])} al {_WAY_ES[m['w']]} de {m['x']}"),
    (re.compile(r"^footpath near (?P<x>.+)$"), lambda m: f"sendero peatonal cerca de {m['x']}"),
    (re.compile(r"^walkway at (?P<x>.+)$"), lambda m: f"pasillo peatonal en {m['x']}"),
    (re.compile(r"^near (?P<x>.+)$"), lambda m: f"cerca de {m['x']}"),
    (re.compile(r"^at (?P<x>.+)$"), lambda m: f"en {m['x']}"),
    (re.compile(r"^(?P<s>.+?) near (?P<x>.+)$"), lambda m: f"{m['s']}, cerca de {m['x']}"),
)


def _spanish_units(distance: str) -> str:
    """Spanish unit words: "360 ft" is "360 pies", "0.2 mi" is "0.2 millas"."""
    number, unit = distance.split()
    return f"{number} {dict(ft='pies', mi='millas').get(unit, unit)}"


_POST_NUMBER = re.compile(r"\s+#\d+$")


def post_name(name: str, lang: str = "en", units: str = "metric") -> str:
    """A post's name as families read it, in the handout's language and units.

    Post names are built in English from street names (:mod:`safepassage.coverage`): "A & B
    (NE corner)", "A, 110 m north of B (west side)", "A & B (NE corner, 25 m out)", "near A",
    "footpath near D", "at D" (older versions added a "#2", dropped here). Imperial handouts
    give the distances in feet ("A, 360 ft north of B"), and in Spanish the words around the
    street names are translated ("A, a 360 pies al norte de B (lado oeste)"); street names
    stay as they are.

    Parameters
    ----------
    name : str
        The post's name from :mod:`safepassage.coverage`.
    lang : {"en", "es"}
        Language.
    units : {"imperial", "metric"}, default "metric"
        Units of the distance in "A, 110 m north of B" (the name is in metres).

    Returns
    -------
    str
    """
    text = name_in_units(_POST_NUMBER.sub("", str(name)).strip(), units)
    if lang != "es":
        return text
    text = re.sub(r"\(at (-?\d+(?:\.\d+)?, -?\d+(?:\.\d+)?)\)$", r"(en \1)", text)
    spot = _SPOT.match(text)
    base, after = (spot["name"], f" ({_spot_es(spot['spot'])})") if spot else (text, "")
    for pattern, make in _POST_NAME_ES:
        m = pattern.match(base)
        if m:
            return make(m) + after
    return base + after


def format_date(day: dt.date, lang: str = "en") -> str:
    """A date as families read it: "November 24, 2026" / "24 de noviembre de 2026"."""
    return date_text(day, lang)


def format_hours(hours: str, lang: str = "en") -> str:
    """Clock hours for families: "14:00-16:00" as "2:00–4:00 PM".

    Said as :func:`~safepassage.utils.clock_range` says them everywhere, short enough that a
    three-window plan's table of posts keeps a handout on one sheet. Other text is returned
    as is.
    """
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*", hours or "")
    if not match:
        return hours or ""
    a = int(match.group(1)) * 60 + int(match.group(2))
    b = int(match.group(3)) * 60 + int(match.group(4))
    return clock_range(a, b, lang)


def window_text(window: str | None, lang: str) -> str:
    """A time window's name for families ("school dismissal", "salida de clases")."""
    name = str(window or "").strip().lower().replace("-", "_")
    key = f"window_{name}"
    return STRINGS[lang].get(key, str(window or ""))
