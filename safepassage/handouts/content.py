"""What a handout says: the route it is about, its units, and the data the template fills in.

:func:`handout_row` finds the safest-route row of a destination; :func:`handout_data` gathers
everything the page shows (title words, posts along the route with their hours in the
handout's language, steps, notes, credits) as a :class:`HandoutData`, plain text for the
template to escape, and trusted symbols of ours as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TypedDict

import pandas as pd
from markupsafe import Markup

from ..errors import InputError
from ..features import destination_name as local_name
from ..maps import (
    PostPlace,
    RouteGap,
    data_sources,
    kind_symbol_html,
    post_badge_html,
    post_colour,
    site_symbol_html,
)
from ..source import Area
from ..utils import check_units, compass_word, format_distance
from .strings import KIND_SINGULAR, STRINGS, format_date, format_hours, post_name, window_text

__all__ = [
    "ROUTE_CASING",
    "ROUTE_COLOUR",
    "ROUTE_WIDTH",
    "TWO_COLUMNS_FROM",
    "HandoutData",
    "PostRow",
    "badge_html",
    "destination_name",
    "handout_data",
    "handout_row",
    "units_of",
]

#: The safe route on handouts: navy, the darkest and widest line on the map, on a white
#: casing, so that it is the route printed in colour and in black and white alike (the
#: streets are light grey: :data:`safepassage.maps.styles.PRINT_BASE_STYLES`).
ROUTE_COLOUR = "#08306b"
ROUTE_WIDTH = 8
ROUTE_CASING = 14

#: More steps than this are set in two columns, so the directions fit on page 2.
TWO_COLUMNS_FROM = 34


class PostRow(TypedDict):
    """One row of a handout's table of officer posts."""

    badge: Markup
    name: str
    when: list[str]


class HandoutData(TypedDict):
    """Everything a handout page shows besides its map (the template's ``d``)."""

    destination: str
    destination_kind: str
    site: str
    summary: str
    route_colour: str
    start_symbol: Markup
    destination_symbol: Markup
    post_symbol: Markup
    gap_line: bool
    posts: list[PostRow]
    steps: list[str]
    gap_note: str | None
    two_columns_from: int
    notes: list[str]
    sources: list[str]
    made_on: str
    safety_tip: str
    footer: str


def handout_row(frame: pd.DataFrame, which: pd.Series | str) -> pd.Series:
    """The safest-route row a handout is about.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`safepassage.pipeline.routes_frame`.
    which : pandas.Series or str
        A row of the frame (a safest route), or a ``dest_id``.

    Returns
    -------
    pandas.Series

    Raises
    ------
    InputError
        If there is no safe route to that destination.
    """
    if isinstance(which, pd.Series):
        row = which
        if row.get("role") != "safest":
            which = row.get("dest_id")
        else:
            return row
    rows = frame[(frame["dest_id"].astype(str) == str(which)) & (frame["role"] == "safest")]
    if not len(rows):
        status = frame.loc[frame["dest_id"].astype(str) == str(which), "reason"]
        why = f": {status.iloc[0]}" if len(status) and isinstance(status.iloc[0], str) else ""
        raise InputError(f"no safe route to {which}{why}")
    return rows.iloc[0]


def units_of(frame: pd.DataFrame, row: pd.Series, units: str | None) -> str:
    """The handout's units: as given, else the frame's, else its directions', else imperial.

    The frame's are ``frame.attrs["units"]``; the directions' are read from the summary line
    ``routes_frame(..., units=...)`` wrote ("0.5 miles" or "0.8 kilometers").
    """
    if units is not None:
        return check_units(units)
    given = getattr(frame, "attrs", {}).get("units")
    if given:
        return check_units(given)
    text = " ".join(str(row.get(k) or "") for k in ("summary_en", "summary_es"))
    if re.search(r"\b(feet|foot|miles?|pies|millas?)\b", text):
        return "imperial"
    if re.search(r"\b(meters?|kilometers?|metros?|kilómetros?)\b", text):
        return "metric"
    return "imperial"


def badge_html(n: int, colour: str, *, sample: bool = False) -> Markup:
    """A numbered post badge for the handout's text (legend, table of posts).

    The same badge as on the maps, with ``data-post`` (but a legend's sample).
    """
    return Markup(post_badge_html(n, colour, sample=sample))


def destination_name(row: pd.Series, lang: str) -> str:
    """The destination's name in the handout's language, or its kind when it has none.

    Names are kept as written except the kind we add after a Metro stop's name ("(parada de
    autobús de Metro)" in Spanish).
    """
    kind = str(row.get("kind") or "other")
    name = row.get("destination")
    if not name or (isinstance(name, float) and name != name):
        return KIND_SINGULAR[lang].get(kind, "")
    return local_name(str(name), lang)


def _post_rows(near: Sequence[PostPlace], lang: str, units: str) -> list[PostRow]:
    """The posts along the route, with the numbers every page gives them, and their hours."""
    rows: list[PostRow] = []
    for place in near:
        shifts: list[str] = []
        for window, hours in place.shifts():
            when, what = format_hours(hours, lang), window_text(window, lang)
            text = f"{when} ({what})" if when and what else (when or what)
            if text and text not in shifts:
                shifts.append(text)
        rows.append({"badge": badge_html(place.number, place.colour),
                     "name": post_name(place.name, lang, units), "when": shifts})
    return rows


def _notes(area: Area, row: pd.Series, name: str, lang: str) -> list[str]:
    """Where the site's or the destination's location is approximate."""
    t = STRINGS[lang]
    notes = []
    if area.site.approximate:
        notes.append(t["approx_site"].format(name=area.site.name))
    if bool(row.get("approximate")):
        notes.append(t["approx_destination"].format(name=name))
    return notes


def handout_data(
    area: Area,
    row: pd.Series,
    near: Sequence[PostPlace],
    gaps: tuple[RouteGap | None, RouteGap | None],
    *,
    lang: str,
    units: str,
    made_on: dt.date,
) -> HandoutData:
    """Everything one handout page shows besides its map.

    Parameters
    ----------
    area : Area
        The loaded area.
    row : pandas.Series
        The safest-route row (:func:`handout_row`).
    near : sequence of PostPlace
        The places with officer posts along the route, in the order they are numbered.
    gaps : tuple of (RouteGap or None, RouteGap or None)
        Where the route line misses the Start and the destination
        (:func:`safepassage.maps.route_gaps`).
    lang : {"en", "es"}
        Language (checked).
    units : {"imperial", "metric"}
        Units of the distances the handout adds.
    made_on : datetime.date
        The date printed.

    Returns
    -------
    HandoutData

    Raises
    ------
    InputError
        If the route has no directions in ``lang``.
    """
    t = STRINGS[lang]
    kind = str(row.get("kind") or "other")
    name = destination_name(row, lang)
    steps = row.get(f"directions_{lang}")
    if not isinstance(steps, list | tuple) or not steps:
        raise InputError(f"the route to {name} has no {lang} directions")
    head, tail = gaps
    gap_note = None
    if tail is not None:
        distance = format_distance(tail.distance_m, lang, units)
        gap_note = t["dest_gap"].format(name=name, distance=distance,
                                        way=compass_word(tail.bearing, lang))
    sources = data_sources(area, pd.DataFrame({"dest_id": [row.get("dest_id")]}), lang=lang)
    made = format_date(made_on, lang)
    return {
        "destination": name,
        "destination_kind": KIND_SINGULAR[lang].get(kind, kind),
        "site": area.site.name,
        "summary": str(row.get(f"summary_{lang}") or ""),
        "route_colour": ROUTE_COLOUR,
        "start_symbol": Markup(site_symbol_html(18)),
        "destination_symbol": Markup(kind_symbol_html(kind, 18)),
        "post_symbol": badge_html(near[0].number if near else 1,
                                  near[0].colour if near else post_colour(0), sample=True),
        "gap_line": head is not None or tail is not None,
        "posts": _post_rows(near, lang, units),
        "steps": [str(s) for s in steps],
        "gap_note": gap_note,
        "two_columns_from": TWO_COLUMNS_FROM,
        "notes": _notes(area, row, name, lang),
        "sources": sources,
        "made_on": made,
        "safety_tip": t["safety_tip"],
        "footer": (f"{t['made_on']} {made} ({t['made_by']}). {t['sources']}: "
                   f"{'; '.join(sources)}."),
    }
