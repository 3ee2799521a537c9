"""Printable route handouts for families, in English and Spanish, that work with no network.

One handout per destination (schools by default; parks and transit stops on request) and per
language: one self-contained HTML file (Leaflet inlined through :mod:`safepassage.offline`),
with

- a map drawn from the street network itself, with street names (:mod:`safepassage.maps`),
  the safe route, where the trip starts and ends, and the officer posts along the route
  (:mod:`~safepassage.handouts.routemap`);
- a legend, the posts with the numbers every page gives them and their hours, numbered
  turn-by-turn directions (the ``directions_en`` / ``directions_es`` of
  :func:`safepassage.pipeline.routes_frame`), a safety tip, the date it was made,
  "© OpenStreetMap contributors" and the other sources used (on page 1), and the note that
  the starting point is approximate where it is (:mod:`~safepassage.handouts.content`, words
  in :mod:`~safepassage.handouts.strings`, Metro stops' kinds in Spanish too);
- print CSS for US Letter: title, map, date and sources on page 1; a route of up to about 8
  steps on one page (the map's printed height is chosen in the browser so the text fits),
  the step list never split across pages; text of 12 pt or more; the route the darkest,
  widest line on a white casing, a north arrow, so it reads printed in black and white
  (:mod:`~safepassage.handouts.layout`).

Both languages come from one template (``safepassage/templates/handout.html``), rendered with
Jinja's autoescape so every name from OpenStreetMap shows as text
(:mod:`~safepassage.handouts.page`). :func:`write_handout_pdf` prints a handout to PDF with
headless Chromium where one is installed (:mod:`~safepassage.handouts.pdf`) and says so when
not. Officer posts come in as views of coverage plans (:class:`safepassage.maps.CoverageView`).

:mod:`~safepassage.handouts.beatcard` makes the officers' beat cards: one page per walking
beat (:mod:`safepassage.beats`) and language, with the loop's map, its time and turn-by-turn
directions (``safepassage/templates/beatcard.html``).
"""

from ..utils import LANGS
from .beatcard import (
    CARD_STRINGS,
    beat_card_html,
    beat_card_link,
    card_layout,
    write_beat_cards,
    write_beat_outputs,
)
from .content import ROUTE_COLOUR, TWO_COLUMNS_FROM, HandoutData, handout_data, handout_row
from .layout import MAP_HEIGHT, MAP_MIN_HEIGHT_IN, MAP_WIDTH, map_height_in, text_height_in
from .page import handout_html, write_handout, write_handouts
from .pdf import write_handout_pdf, write_handout_pdfs
from .routemap import MAP_MARGIN_M, POST_NEAR_ROUTE_M, handout_map, places_on_route
from .strings import STRINGS, format_date, format_hours, post_name

__all__ = [
    "CARD_STRINGS",
    "LANGS",
    "MAP_HEIGHT",
    "MAP_MARGIN_M",
    "MAP_MIN_HEIGHT_IN",
    "MAP_WIDTH",
    "POST_NEAR_ROUTE_M",
    "ROUTE_COLOUR",
    "STRINGS",
    "TWO_COLUMNS_FROM",
    "HandoutData",
    "beat_card_html",
    "beat_card_link",
    "card_layout",
    "format_date",
    "format_hours",
    "handout_data",
    "handout_html",
    "handout_map",
    "handout_row",
    "map_height_in",
    "places_on_route",
    "post_name",
    "text_height_in",
    "write_beat_cards",
    "write_beat_outputs",
    "write_handout",
    "write_handout_pdf",
    "write_handout_pdfs",
    "write_handouts",
]
