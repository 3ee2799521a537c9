"""Steps as plain-text sentences in English and (Latin-American) Spanish.

Output is plain text, never markup: callers that write HTML must escape it. Street names are
never translated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from safepassage.utils import (
    COMPASS_WORDS,
    Lang,
    Units,
    check_lang,
    check_units,
    clean_name,
    clean_text,
    format_distance,
    round_half_up,
)

from .model import CONTROLS, Crossing, Step

__all__ = ["render_directions", "render_step", "summary_line"]

#: Spanish compass words for the English ones steps carry.
_COMPASS_ES = dict(zip(COMPASS_WORDS["en"], COMPASS_WORDS["es"], strict=True))

# Unnamed ways: (English, Spanish) descriptions, used with "on"/"along" and "por"/"hacia".
_WAY_TEXT = {
    "footpath": ("the footpath", "el sendero peatonal"),
    "steps": ("the steps", "las escaleras"),
    "alley": ("the alley", "el callejón"),
    "driveway": ("the driveway", "la entrada de autos"),
    "walkway": ("the walkway", "el paso peatonal"),
    "street": ("the unnamed street", "la calle sin nombre"),
}


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


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


#: Controls said inside a longer sentence ("cross A and B, both at the signal, then ...").
_INLINE_EN = {**_CONTROL_EN, "none": "where there is no crosswalk (take care, look both ways)"}
_INLINE_ES = {**_CONTROL_ES,
              "none": "donde no hay cruce peatonal (tenga cuidado, mire a ambos lados)"}


def _control_of(crossing: Crossing) -> str:
    control = clean_text(crossing.control).lower()
    return control if control in CONTROLS else "none"


def _crossed(crossing: Crossing, lang: Lang) -> str:
    """The street crossed, with its "busy street" warning: "Figueroa Street (busy street)"."""
    street = clean_name(crossing.street)
    if lang == "es":
        if street:
            return f"{street} (calle de mucho tráfico)" if crossing.arterial else street
        return "la calle de mucho tráfico" if crossing.arterial else "la calle"
    if street:
        return f"{street} (busy street)" if crossing.arterial else street
    return "the busy street" if crossing.arterial else "the street"


def _join(items: list[str], lang: Lang) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {'y' if lang == 'es' else 'and'} {items[-1]}"


def _crossings_clause(crossings: tuple[Crossing, ...], lang: Lang) -> str:
    """"cross A at the signal", "cross A and B, both at the signal", "cross A ..., then B ..."."""
    inline = _INLINE_ES if lang == "es" else _INLINE_EN
    whats = [_crossed(c, lang) for c in crossings]
    controls = [inline[_control_of(c)] for c in crossings]
    verb = "cruce" if lang == "es" else "cross"
    if len(crossings) == 1:
        return f"{verb} {whats[0]} {controls[0]}"
    if len(set(controls)) == 1:
        if lang == "es":
            every = "ambas" if len(crossings) == 2 else "todas"
        else:
            every = "both" if len(crossings) == 2 else "all"
        return f"{verb} {_join(whats, lang)}, {every} {controls[0]}"
    then = ", después " if lang == "es" else ", then "
    return f"{verb} " + then.join(f"{w} {c}" for w, c in zip(whats, controls, strict=True))


def _render_corner(step: Step, lang: Lang, units: Units) -> str:
    """A walk that begins by crossing at a corner, in one sentence.

    "At West 5th Street, cross South Grand Avenue and West 5th Street (busy street), both at
    the signal, then continue northeast on South Grand Avenue for 0.2 miles."
    """
    plain = Step(step.action, step.modifier, step.street, step.way_kind, step.heading,
                 step.distance_m)
    walk = _render_walk(plain, lang, units).rstrip(".")
    walk = walk[:1].lower() + walk[1:]
    cross = _crossings_clause(step.crossings, lang)
    at = clean_name(step.at)
    others = [c for c in step.crossings
              if not at or (clean_name(c.street) or "").casefold() != at.casefold()]
    if at and others:
        lead = f"En {at}, {cross}" if lang == "es" else f"At {at}, {cross}"
    else:
        lead = _capitalize(cross)
    return f"{lead}, y luego {walk}." if lang == "es" else f"{lead}, then {walk}."


def _render_cross(step: Step, lang: Lang) -> str:
    crossing = step.crossing
    street = clean_name(crossing.street if crossing is not None else step.street)
    control = clean_text(crossing.control).lower() if crossing is not None else "none"
    if control not in CONTROLS:
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


def _with_arrival(text: str, step: Step, lang: Lang) -> str:
    """A walk's sentence ending where the route does: "... for 40 feet to 7th / Francisco."."""
    place = clean_text(step.to)
    if not place:
        return text
    body = text[:-1] if text.endswith(".") else text
    return f"{body} hasta llegar a {place}." if lang == "es" else f"{body} to {place}."


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
        return _with_arrival(_render_depart(step, code, system), step, code)
    if step.action == "arrive":
        place = clean_text(step.place)
        if code == "es":
            return f"Llegará a {place}." if place else "Llegará a su destino."
        return f"Arrive at {place}." if place else "Arrive at your destination."
    if step.action == "cross":
        return _render_cross(step, code)
    if step.action in ("continue", "turn"):
        if step.crossings:
            return _with_arrival(_render_corner(step, code, system), step, code)
        return _with_arrival(_render_walk(step, code, system), step, code)
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


