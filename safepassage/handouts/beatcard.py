"""Beat cards: one printable page per officer's walking beat, in English and Spanish.

A card has the beat's number, time window, where it starts and ends (the post, numbered as on
the officer map), how long it is and takes, and what share of the walking demand it walks; a
map of the loop on the street network with arrows in the walking direction and the start
marked; and numbered turn-by-turn directions. It is one self-contained HTML page (US Letter,
printed to PDF with :func:`~safepassage.handouts.pdf.write_handout_pdfs` like the handouts),
rendered from ``safepassage/templates/beatcard.html`` with Jinja's autoescape, so every name
from OpenStreetMap shows as text. The text is sized to keep the card on one page
(:func:`card_layout`).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

import folium
import jinja2
import numpy as np
import shapely
from markupsafe import Markup
from pyproj import Transformer
from shapely.geometry import LineString

from ..beats import Beat, BeatPlan, write_beats
from ..directions import Step
from ..maps import (
    CoverageView,
    add_base_network,
    add_map_css,
    add_street_labels,
    data_sources,
    latlon_parts,
    post_badge_html,
    static,
    street_labels,
)
from ..maps.beats import arrow_html, arrow_points, beat_casing, beat_colour, beat_post_numbers
from ..maps.styles import page_root
from ..offline import (
    RawHTML,
    add_scale,
    fit_print_page,
    keep_badges_clear,
    offline_map,
    render_html,
    set_page_lang,
    svg_class_name,
    write_html,
)
from ..progress import Steps
from ..sites import slugify
from ..source import Area
from ..utils import COMPASS_WORDS, LANGS, check_lang, clean_name, format_distance
from .content import badge_html
from .layout import PAGE_IN
from .routemap import route_street_names
from .strings import format_date, format_hours, post_name, window_text

__all__ = [
    "CARD_STRINGS",
    "MAP_MAX_IN",
    "MAP_MIN_IN",
    "beat_card_html",
    "beat_card_link",
    "card_layout",
    "compact_steps",
    "write_beat_cards",
    "write_beat_outputs",
]

#: Every word of a beat card, per language (plain text; the template escapes it).
CARD_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Walking beat {n}",
        "when": "When",
        "start": "Starts and ends at",
        "post": "Post {n}",
        "walk": "Walk",
        "share": "It walks {pct} of the walking demand on the Safe Passage routes in this "
                 "time window.",
        "legend": "Legend",
        "legend_beat": "The beat",
        "legend_arrow": "Walking direction",
        "legend_start": "Start and end",
        "legend_streets": "Streets",
        "steps": "Step by step",
        "note": "Walk it as a loop, at an easy pace, and stop to talk with residents; the "
                "time does not count stops. Cross at crosswalks and signals.",
        "sources": "Sources",
        "made_on": "Made on",
        "made_by": "Safe Passages, LAPD Community Safety Partnership.",
        "approx_site": "The location of {name} is approximate.",
    },
    "es": {
        "title": "Ronda a pie {n}",
        "when": "Cuándo",
        "start": "Empieza y termina en",
        "post": "Puesto {n}",
        "walk": "Recorrido",
        "share": "Recorre el {pct} de la demanda peatonal de las rutas de Safe Passages en "
                 "este horario.",
        "legend": "Leyenda",
        "legend_beat": "La ronda",
        "legend_arrow": "Sentido de la marcha",
        "legend_start": "Inicio y fin",
        "legend_streets": "Calles",
        "steps": "Paso a paso",
        "note": "Recórrala como un circuito, a paso tranquilo, y deténgase a conversar con "
                "los vecinos; el tiempo no cuenta las paradas. Cruce en los cruces peatonales "
                "y semáforos.",
        "sources": "Fuentes",
        "made_on": "Elaborado el",
        "made_by": "Safe Passages, Asociación de Seguridad Comunitaria (CSP) del LAPD.",
        "approx_site": "La ubicación de {name} es aproximada.",
    },
}

#: Printable height of the page (US Letter, the handouts' margins), with room to spare for
#: the estimate; the browser, measuring the text as it prints, uses all of ``PAGE_IN``.
_PAGE_IN = PAGE_IN - 0.15

#: How far around the loop the base network is drawn (metres).
_MARGIN_M = 120.0


class _CardTemplate(Protocol):
    def style(self, d: Mapping[str, Any]) -> str: ...

    def before_map(self, t: Mapping[str, str], d: Mapping[str, Any]) -> str: ...

    def after_map(self, t: Mapping[str, str], d: Mapping[str, Any]) -> str: ...


@functools.cache
def _template() -> _CardTemplate:
    text = (importlib.resources.files("safepassage") / "templates" / "beatcard.html").read_text(
        encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return cast(_CardTemplate, env.from_string(text).module)


def card_layout(steps: Sequence[str]) -> tuple[float, int, float]:
    """How to set a card so it fits one page: ``(step font pt, columns, map height inches)``.

    The directions take two columns at 10.5 pt, else three at 9 or 8.5 pt, else four at 8 or
    7.5 pt, whichever first leaves the map at least :data:`MAP_MIN_IN`; the map gets the rest
    of the page, up to :data:`MAP_MAX_IN` (and at least :data:`MAP_FLOOR_IN`). Heights are
    estimated by wrapping the steps' words to the width of a column (Arial's average
    character, with room to spare).
    """
    pt, columns, rest = _STEP_SETTINGS[-1][0], _STEP_SETTINGS[-1][1], 0.0
    for pt, columns in _STEP_SETTINGS:
        width_in = (_TEXT_WIDTH_IN - 0.35 - 0.3 * (columns - 1)) / columns
        chars = int(width_in * 72 / (pt * 0.55))
        lines = sum(len(textwrap.wrap(s, chars)) or 1 for s in steps)
        rows = -(-lines // columns) + 1  # the last column is rarely full
        text_in = rows * pt * 1.22 / 72 + len(steps) / columns * 1.5 / 72
        rest = _PAGE_IN - _FIXED_IN - text_in
        if rest >= MAP_MIN_IN:
            return pt, columns, round(min(MAP_MAX_IN, rest), 2)
    return pt, columns, round(max(MAP_FLOOR_IN, rest), 2)


#: Step font sizes and columns, tried in turn.
_STEP_SETTINGS = ((10.5, 2), (9.0, 3), (8.5, 3), (8.0, 4), (7.5, 4))

#: The map's height on a card, inches: at least (when the steps allow it) and at most.
MAP_MIN_IN = 2.9
MAP_MAX_IN = 5.2

#: The smallest map a card gets, for the longest directions, inches.
MAP_FLOOR_IN = 2.2

#: Width of the text on a US Letter page with the card's margins, inches.
_TEXT_WIDTH_IN = 8.5 - 0.9

#: Everything on a card but the map and the steps, inches: header, legend, heading, footer.
_FIXED_IN = 1.35 + 0.3 + 0.3 + 0.75


#: Compact step words per language: turns, crossings' controls, unnamed ways.
_TURN = {
    "en": {"left": "Left", "right": "Right", "slight left": "Bear left",
           "slight right": "Bear right", "sharp left": "Sharp left", "sharp right": "Sharp right"},
    "es": {"left": "A la izquierda", "right": "A la derecha",
           "slight left": "Ligeramente a la izquierda", "slight right": "Ligeramente a la derecha",
           "sharp left": "Cerrado a la izquierda", "sharp right": "Cerrado a la derecha"},
}
_CONTROL = {
    "en": {"signal": "signal", "stop": "stop sign", "crosswalk": "crosswalk",
           "none": "no crosswalk: take care"},
    "es": {"signal": "semáforo", "stop": "señal de alto", "crosswalk": "cruce peatonal",
           "none": "sin cruce peatonal: cuidado"},
}
_UNNAMED = {
    "en": {"footpath": "the footpath", "steps": "the steps", "alley": "the alley",
           "driveway": "the driveway", "walkway": "the walkway", "street": "the unnamed street"},
    "es": {"footpath": "el sendero peatonal", "steps": "las escaleras", "alley": "el callejón",
           "driveway": "la entrada de autos", "walkway": "el paso peatonal",
           "street": "la calle sin nombre"},
}
_WORDS = {
    "en": {"start": "Start", "straight": "Straight on", "onto": "onto",
           "around": "Turn around on", "cross": "Cross", "the_street": "the street",
           "busy": "busy", "back": "Back at the start", "on": "on"},
    "es": {"start": "Salga", "straight": "Siga por", "onto": "por", "around": "Dé la vuelta en",
           "cross": "Cruce", "the_street": "la calle", "busy": "mucho tráfico",
           "back": "De vuelta al inicio", "on": "por"},
}


def _compact(step: Step, lang: str, units: str) -> str:
    """One step in a few words ("Right onto South Hope Street, 350 ft")."""
    w = _WORDS[lang]
    way = clean_name(step.street) or _UNNAMED[lang].get(step.way_kind or "street",
                                                       _UNNAMED[lang]["walkway"])
    dist = format_distance(step.distance_m, lang, units, short=True)
    if step.action == "cross":
        c = step.crossing
        what = clean_name(c.street if c is not None else step.street) or w["the_street"]
        control = _CONTROL[lang].get(c.control if c is not None else "none",
                                     _CONTROL[lang]["none"])
        busy = f", {w['busy']}" if c is not None and c.arterial else ""
        return f"{w['cross']} {what} ({control}{busy})"
    if step.action == "arrive":
        return w["back"]
    if step.action == "depart":
        words = dict(zip(COMPASS_WORDS["en"], COMPASS_WORDS[check_lang(lang)], strict=True))
        heading = words.get(str(step.heading), "")
        toward = (f" hacia el {heading}" if lang == "es" else f" {heading}") if heading else ""
        return f"{w['start']}{toward}" + (f" {w['on']} {way}, {dist}" if step.distance_m else "")
    if step.modifier == "u-turn":
        return f"{w['around']} {way}, {dist}"
    if step.action == "continue" or step.modifier in (None, "straight"):
        return f"{w['straight']} {way}, {dist}"
    turn = _TURN[lang].get(str(step.modifier), _TURN[lang]["right"])
    return f"{turn} {w['onto']} {way}, {dist}"


def compact_steps(steps: Sequence[Step], lang: str = "en", units: str = "imperial") -> list[str]:
    """Turn-by-turn steps in a few words each, for a card that must fit one page.

    A crossing is said with the walk that follows it ("Cross West 6th Street (signal, busy);
    straight on South Hope Street, 50 ft"); street names are never translated.

    Parameters
    ----------
    steps : sequence of Step
        From :func:`safepassage.directions.build_directions` (a beat's ``steps``).
    lang : {"en", "es"}
        Language.
    units : {"imperial", "metric"}
        Distances.

    Returns
    -------
    list of str
        Plain text (escape it for HTML), one item per numbered line.
    """
    lang = check_lang(lang)
    out: list[str] = []
    crossing: list[str] = []
    for step in steps:
        text = _compact(step, lang, units)
        if step.action == "cross":
            crossing.append(text)
            continue
        out.append("; ".join([*crossing, text[:1].lower() + text[1:] if crossing else text]))
        crossing = []
    if crossing:
        out.append("; ".join(crossing))
    return out


def _loop_wgs(plan: BeatPlan, beat: Beat) -> LineString:
    to_wgs = Transformer.from_crs(plan.crs, "EPSG:4326", always_xy=True)
    return LineString(np.column_stack(to_wgs.transform(*beat.geometry.xy)))


def _card_map(area: Area, plan: BeatPlan, beat: Beat, number: int | None, title: str,
              height_in: float, lang: str = "en", units: str = "imperial") -> folium.Map:
    """The loop on the street network, arrows along it, the start's badge."""
    colour = beat_colour(beat, number)
    wgs = _loop_wgs(plan, beat)
    m = offline_map((beat.start_lat, beat.start_lon), 16, title=title, online_tiles=False,
                    controls=False, prefer_canvas=False, data_attribution=None,
                    attribution_control=False, width="7.5in", height=f"{height_in:g}in",
                    zoom_snap=0.25)
    set_page_lang(m, lang)
    add_scale(m, "bottomleft", units=units, lang=lang)
    add_map_css(m)
    clip = shapely.box(*beat.geometry.bounds).buffer(_MARGIN_M, join_style="mitre")
    add_base_network(m, area.G, clip=clip, svg=True)
    add_street_labels(m, street_labels(area.G, beat.geometry, buffer_m=80.0, max_labels=16,
                                       min_spacing_m=110.0, min_length_m=40.0,
                                       prefer=route_street_names(area, beat.geometry)))
    parts = latlon_parts(wgs)
    static(folium.PolyLine(parts, color=beat_casing(colour), weight=9, opacity=1.0,
                           class_name=svg_class_name("sp-beat-casing"))).add_to(m)
    static(folium.PolyLine(parts, color=colour, weight=5, opacity=1.0,
                           class_name=svg_class_name("sp-beat"))).add_to(m)
    to_wgs = Transformer.from_crs(plan.crs, "EPSG:4326", always_xy=True)
    for x, y, bearing in arrow_points(beat.geometry, 110.0):
        lon, lat = to_wgs.transform(x, y)
        folium.Marker((round(lat, 6), round(lon, 6)), icon=folium.DivIcon(
            html=arrow_html(bearing, colour), icon_size=(18, 18), icon_anchor=(9, 9),
            class_name="sp-beat-arrow"), interactive=False).add_to(m)
    label = str(number) if number is not None else "S"
    folium.Marker((round(beat.start_lat, 6), round(beat.start_lon, 6)), icon=folium.DivIcon(
        html=post_badge_html(label, colour), icon_size=(26, 26), icon_anchor=(13, 13),
        class_name="sp-post-icon"), interactive=False, z_index_offset=1000).add_to(m)
    minx, miny, maxx, maxy = wgs.bounds
    bounds = [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]]
    m.fit_bounds(bounds, padding=(30, 30))
    # Street names clear of the start's badge and of each other, as on the other pages; and
    # the map's printed height chosen in the browser from the text as it prints (the layout's
    # estimate sets the steps' size; a card whose text prints taller gets a smaller map).
    keep_badges_clear(m)
    fit_print_page(m, bounds, page_in=PAGE_IN, min_in=MAP_FLOOR_IN, max_in=height_in,
                   width_in=_TEXT_WIDTH_IN, padding=(30, 30))
    return m


def _card_data(area: Area, plan: BeatPlan, beat: Beat, number: int | None, lang: str,
               units: str, made_on: dt.date) -> dict[str, Any]:
    t = CARD_STRINGS[lang]
    colour = beat_colour(beat, number)
    hours = format_hours(f"{plan.window.to_dict()['start']}-{plan.window.to_dict()['end']}",
                         lang)
    what = window_text(plan.window.name, lang)
    where = post_name(beat.start_name, lang, units)
    if number is not None:
        where = f"{t['post'].format(n=number)}: {where}"
    steps = compact_steps(beat.steps, lang, units)
    pt, columns, height = card_layout(steps)
    share = f"{beat.covered_pct:.0f} %" if beat.covered_pct >= 10 else f"{beat.covered_pct:.1f} %"
    notes = ([t["approx_site"].format(name=area.site.name)] if area.site.approximate else [])
    return {
        "title": t["title"].format(n=beat.number),
        "window": f"{what}, {hours}" if what and hours else (what or hours),
        "start": where, "summary": beat.summary(lang, units),
        "share": t["share"].format(pct=share), "colour": colour,
        "badge": badge_html(number, colour) if number is not None else Markup(""),
        "arrow": Markup(arrow_html(90.0, colour)), "steps": steps, "step_pt": pt,
        "columns": columns, "map_in": height, "notes": notes,
        "sources": data_sources(area, lang=lang), "made_on": format_date(made_on, lang),
    }


def beat_card_html(area: Area, plan: BeatPlan, beat: Beat, views: Sequence[CoverageView] = (),
                   *, lang: str = "en", units: str = "imperial",
                   made_on: dt.date | None = None) -> str:
    """Render one beat card.

    Parameters
    ----------
    area : Area
        The loaded area.
    plan : BeatPlan
        The window's beats.
    beat : Beat
        The beat (one of ``plan.beats``, with a loop).
    views : sequence of CoverageView, optional
        The posts the officer map shows, so the card numbers the post as its badge is
        numbered there.
    lang : {"en", "es"}
        Language.
    units : {"imperial", "metric"}
        Distances in the directions and post names.
    made_on : datetime.date, optional
        The date printed (today by default).

    Returns
    -------
    str
        The complete, self-contained page.
    """
    lang = check_lang(lang)
    number = beat_post_numbers(views).get((plan.window.name, beat.post_id or ""))
    if number is None and beat.post_id and beat.post_id[1:].isdigit():
        number = int(beat.post_id[1:])  # posts not on a map: their own numbers
    data = _card_data(area, plan, beat, number, lang, units, made_on or dt.date.today())
    module = _template()
    m = _card_map(area, plan, beat, number, data["title"], data["map_in"], lang, units)
    root = page_root(m)
    root.header.add_child(RawHTML(str(module.style(data))), name="safepassage_card_css")
    root.html.add_child(RawHTML(str(module.before_map(CARD_STRINGS[lang], data))),
                        name="card_before")
    root.html.add_child(RawHTML(""), name=m.get_name())
    root.html.add_child(RawHTML(str(module.after_map(CARD_STRINGS[lang], data))),
                        name="card_after")
    return render_html(m)  # <html lang> from the map's page


def write_beat_cards(folder: str | Path, area: Area, plans: Sequence[BeatPlan],
                     views: Sequence[CoverageView] = (), langs: Iterable[str] = LANGS, *,
                     units: str = "imperial", made_on: dt.date | None = None) -> list[Path]:
    """Write a card per beat (every window) and language: ``beat-<n>-<window>.<lang>.html``.

    Parameters
    ----------
    folder : str or Path
        Output folder (created if missing).
    area : Area
        The loaded area.
    plans : sequence of BeatPlan
        Every window's beats; beats with no loop get no card.
    views : sequence of CoverageView, optional
        The posts the officer map shows (for the posts' numbers).
    langs : iterable of str, default ("en", "es")
        Languages.
    units : {"imperial", "metric"}
        Distances.
    made_on : datetime.date, optional
        The date printed (today by default).

    Returns
    -------
    list of Path
        The pages, by window, beat and language.
    """
    codes = [check_lang(lang) for lang in langs]
    out = []
    for plan in plans:
        for beat in plan.beats:
            if not beat.edges:
                continue
            for lang in codes:
                page = beat_card_html(area, plan, beat, views, lang=lang, units=units,
                                      made_on=made_on)
                name = f"beat-{beat.number}-{slugify(plan.window.name)}.{lang}.html"
                out.append(write_html(page, Path(folder) / name))
    return out


def write_beat_outputs(folder: str | Path, area: Area, plans: Sequence[BeatPlan],
                       views: Sequence[CoverageView] = (), langs: Iterable[str] = LANGS,
                       units: str = "imperial", made_on: dt.date | None = None,
                       steps: Steps | None = None) -> dict[str, Path]:
    """Everything a plan writes about its beats: ``beats.geojson``, ``beats.gpx``, the cards.

    Parameters
    ----------
    folder : str or Path
        The plan's folder: the files go there, the cards into ``beats/``.
    area, plans, views, langs, units, made_on
        As in :func:`write_beat_cards`; nothing is written without plans.
    steps : Steps, optional
        Progress reporter.

    Returns
    -------
    dict of str to Path
        The files written, by their name relative to ``folder``.
    """
    if not plans:
        return {}
    folder = Path(folder)
    with (steps or Steps(show=False))(f"beat cards ({sum(len(p.beats) for p in plans)})"):
        files = write_beats(folder, plans, units=units,
                            title=f"Safe Passages: {area.site.name}")
        cards = write_beat_cards(folder / "beats", area, plans, views, langs, units=units,
                                 made_on=made_on)
    return {**files, **{f"beats/{c.name}": c for c in cards}}


def beat_card_link(path: Path) -> str:
    """The index page's text for a beats file: "Beat card: beat 2, dismissal (Español, PDF)"."""
    if path.name in _FILE_LINKS:
        return _FILE_LINKS[path.name]
    stem, lang, ext = path.name.rsplit(".", 2)
    _, number, window = stem.split("-", 2)
    language = {"en": "English", "es": "Español"}.get(lang, lang)
    return f"Beat card: beat {number}, {window} ({language}, {ext.upper()})"


_FILE_LINKS = {"beats.geojson": "Walking beats with directions (GeoJSON, for GIS)",
               "beats.gpx": "Walking beats for phones (GPX)"}
