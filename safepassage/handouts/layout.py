"""A handout on paper: US Letter, the map's size, and how tall the text will print.

Page 1 carries the title, the map, the date and the data's sources; a short handout's map
shrinks (down to :data:`MAP_MIN_HEIGHT_IN`) so the whole handout fits one page (a route of
up to about 8 steps does), a long one keeps the full map and continues on page 2, its step
list whole on one page (the template never splits it). The map's printed height is chosen in
the browser when the page is printed, from the text as it prints
(:func:`safepassage.offline.fit_print_page`); :func:`map_height_in` estimates it here for
the page on screen.
"""

from __future__ import annotations

from .content import TWO_COLUMNS_FROM, HandoutData

__all__ = [
    "MAP_HEIGHT",
    "MAP_MIN_HEIGHT_IN",
    "MAP_WIDTH",
    "PAGE_IN",
    "map_height_in",
    "text_height_in",
]

#: The handout map's size on paper (US Letter minus margins).
MAP_WIDTH = "7.4in"
MAP_HEIGHT = "5.3in"

#: A handout whose text is short gets a map down to this height (inches) so that it all fits
#: on one page (see :func:`map_height_in`).
MAP_MIN_HEIGHT_IN = 2.25

#: Printable height of a US Letter page with the template's margins (11 in - 2 × 0.4 in).
PAGE_IN = 11.0 - 0.8

#: The same less a safety allowance for the estimate.
_PAGE_IN = PAGE_IN - 0.1


def _lines(text: str, chars_per_line: float) -> int:
    return max(1, -(-len(text) // int(chars_per_line)))


def text_height_in(data: HandoutData, title: str) -> float:
    """Estimated printed height (inches) of a handout's text, everything but the map.

    Text is 12 pt Arial at 1.22 line height (0.203 in a line, about 100 characters on the
    7.4 in line, measured in Chromium's print layout); headings and the table as set in the
    template.
    """
    line = 12 * 1.22 / 72
    per_line = 100.0
    h = _lines(title, 46) * 19 * 1.15 / 72 + 1 / 72          # h1
    h += _lines(f"{data['site']} · {data['summary']}", 78) * 13 * 1.22 / 72 + 5 / 72  # sub
    h += _lines(data["footer"], per_line) * line + 2 / 72      # date, maker and sources
    legend = 5 + (1 if data.get("gap_line") else 0) + (1 if data.get("posts") else 0)
    h += (1 if legend <= 6 else 2) * (line + 8 / 72) + 4 / 72  # legend row
    h2 = 14 * 1.22 / 72 + 8 / 72
    h += 2 * h2
    if data.get("posts"):
        h += line + 4 / 72
        for post in data["posts"]:
            rows = max(_lines(str(post["name"]), 62), len(post["when"]) or 1)
            h += max(rows * line, 17 / 72) + 3 / 72            # a badge is 17 pt high
    else:
        h += line
    steps = data["steps"]
    if len(steps) > data.get("two_columns_from", TWO_COLUMNS_FROM):
        h += sum(_lines(st, 40) * line + 2 / 72 for st in steps) / 2 + line
    else:
        h += sum(_lines(st, per_line - 6) * line + 3 / 72 for st in steps)
    if data.get("gap_note"):
        h += _lines(str(data["gap_note"]), per_line) * line + 4 / 72
    h += _lines(data["safety_tip"], per_line) * line + 5 / 72
    if data.get("notes"):
        h += 9 / 72 + _lines(" ".join(data["notes"]), per_line) * line + 2 / 72
    return h


def map_height_in(data: HandoutData, title: str) -> float:
    """The map's height on paper: :data:`MAP_HEIGHT`, or less so a short handout fits one page.

    When the text (:func:`text_height_in`) and a full-size map overflow one Letter page but
    the text and a map of at least :data:`MAP_MIN_HEIGHT_IN` fit, the map shrinks to fit;
    longer handouts keep the full map and continue on page 2.
    """
    full = float(MAP_HEIGHT.removesuffix("in"))
    room = _PAGE_IN - text_height_in(data, title)
    if room >= full or room < MAP_MIN_HEIGHT_IN:
        return full
    return round(room, 2)
