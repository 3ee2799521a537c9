"""One handout page per destination and language: rendered from one template, written atomically.

Both languages come from one template (``safepassage/templates/handout.html``) filled from the
strings table (:data:`~safepassage.handouts.strings.STRINGS`) and the route's data
(:func:`~safepassage.handouts.content.handout_data`); the template is rendered with Jinja's
autoescape, so every name from OpenStreetMap shows as text. The map
(:func:`~safepassage.handouts.routemap.handout_map`) sits between the header and the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, cast

import geopandas as gpd
import jinja2
import pandas as pd
from shapely.geometry import Point

from ..errors import InputError
from ..maps import KIND_STYLES, CoverageView, posts_and_corridor, route_gaps
from ..maps.styles import page_root
from ..offline import RawHTML, render_html, write_html
from ..sites import slugify
from ..source import Area
from ..utils import LANGS, check_lang
from .content import HandoutData, destination_name, handout_data, handout_row, units_of
from .layout import map_height_in
from .routemap import handout_map, places_on_route, projected_route
from .strings import STRINGS

__all__ = ["handout_html", "write_handout", "write_handouts"]

log = logging.getLogger(__name__)


class _HandoutTemplate(Protocol):
    """The macros of ``templates/handout.html``: the page's CSS and the text around the map."""

    def style(self) -> str: ...

    def before_map(self, t: Mapping[str, str], d: HandoutData) -> str: ...

    def after_map(self, t: Mapping[str, str], d: HandoutData) -> str: ...


@functools.cache
def _template() -> _HandoutTemplate:
    text = (importlib.resources.files("safepassage") / "templates" / "handout.html").read_text(
        encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    return cast(_HandoutTemplate, env.from_string(text).module)


def _render(area: Area, frame: pd.DataFrame, which: pd.Series | str,
            posts: gpd.GeoDataFrame | None, lang: str, made_on: dt.date | None,
            units: str | None) -> str:
    """One handout page, the posts already in one table (see :func:`handout_html`)."""
    lang = check_lang(lang)
    t = STRINGS[lang]
    row = handout_row(frame, which)
    units = units_of(frame, row, units)
    near = places_on_route(posts, area, projected_route(area, row))
    title = f"{t['title']}: {destination_name(row, lang)}"
    dest_pt = Point(float(row["dest_lon"]), float(row["dest_lat"])) if pd.notna(
        row.get("dest_lat")) else None
    gaps = route_gaps(row["geometry"], Point(area.site.lon, area.site.lat), dest_pt)
    data = handout_data(area, row, near, gaps, lang=lang, units=units,
                        made_on=made_on or dt.date.today())
    height = map_height_in(data, title)
    m = handout_map(area, row, near, lang, title, gaps, f"{height:g}in", units)
    module = _template()
    root = page_root(m)
    root.header.add_child(RawHTML(str(module.style())), name="safepassage_handout_css")
    # The map's own <div> replaces the placeholder of its name when the page is rendered, so
    # it lands between the header and the rest of the handout.
    root.html.add_child(RawHTML(str(module.before_map(t, data))), name="handout_before")
    root.html.add_child(RawHTML(""), name=m.get_name())
    root.html.add_child(RawHTML(str(module.after_map(t, data))), name="handout_after")
    return render_html(m)


def handout_html(
    area: Area,
    frame: pd.DataFrame,
    which: pd.Series | str,
    views: Sequence[CoverageView] = (),
    *,
    lang: str = "en",
    made_on: dt.date | None = None,
    units: str | None = None,
) -> str:
    """Render one handout page.

    Parameters
    ----------
    area : Area
        The loaded area.
    frame : pandas.DataFrame
        :func:`safepassage.pipeline.routes_frame`.
    which : pandas.Series or str
        The safest-route row, or the destination's ``dest_id``.
    views : sequence of CoverageView, optional
        The officer plans whose posts are shown (:func:`safepassage.maps.shift_views` for every
        window of a shift plan); those within
        :data:`~safepassage.handouts.routemap.POST_NEAR_ROUTE_M` of the route are shown with
        their hours. A post standing at the same corner in several windows is one row with
        the hours of each.
    lang : {"en", "es"}
        Language.
    made_on : datetime.date, optional
        The date printed on the handout (today by default).
    units : {"imperial", "metric"}, optional
        Units of the distances the handout adds to its directions (post names, how far an
        unmapped destination is). By default those of the directions themselves.

    Returns
    -------
    str
        The complete, self-contained page.

    Raises
    ------
    InputError
        If there is no safe route to ``which``, or it has no directions in ``lang``.
    """
    posts, _ = posts_and_corridor(views)
    return _render(area, frame, which, posts, lang, made_on, units)


def _slug_for(row: pd.Series, taken: set[str]) -> str:
    base = slugify(str(row.get("destination") or "")) or slugify(str(row.get("kind") or "place"))
    base = base[:60].strip("-") or "place"
    slug = base
    if slug in taken:
        slug = f"{base}-{slugify(str(row.get('dest_id')))[-12:]}".strip("-")
    n = 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def write_handout(
    path: str | Path,
    area: Area,
    which: pd.Series | str,
    views: Sequence[CoverageView] = (),
    *,
    frame: pd.DataFrame | None = None,
    lang: str = "en",
    made_on: dt.date | None = None,
    units: str | None = None,
) -> Path:
    """Write one handout (self-contained HTML) atomically.

    Parameters
    ----------
    path : str or Path
        The HTML file to write.
    area : Area
        The loaded area.
    which : pandas.Series or str
        The safest-route row of :func:`safepassage.pipeline.routes_frame`, or a ``dest_id``
        (then ``frame`` is needed).
    views : sequence of CoverageView, optional
        The officer plans whose posts are shown (see :func:`handout_html`).
    frame : pandas.DataFrame, optional
        The routes frame, to look ``which`` up in (a one-row frame of ``which`` otherwise).
    lang : {"en", "es"}
        Language.
    made_on : datetime.date, optional
        Date printed (today by default).
    units : {"imperial", "metric"}, optional
        See :func:`handout_html`.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        If ``which`` is a destination id and no ``frame`` is given (and see
        :func:`handout_html`).
    """
    if frame is None:
        if not isinstance(which, pd.Series):
            raise InputError("give the routes frame to look a destination id up in")
        frame = pd.DataFrame([which])
    page = handout_html(area, frame, which, views, lang=lang, made_on=made_on, units=units)
    return write_html(page, path)


def write_handouts(
    folder: str | Path,
    area: Area,
    frame: pd.DataFrame,
    views: Sequence[CoverageView] = (),
    kinds: Iterable[str] = ("school",),
    langs: Iterable[str] = LANGS,
    *,
    made_on: dt.date | None = None,
    units: str | None = None,
) -> list[Path]:
    """Write a handout per destination of the given kinds and per language.

    Files are named ``<folder>/<slug>.<lang>.html`` after the destination's name (made unique
    within the folder). Destinations without a safe route get no handout (logged).

    Parameters
    ----------
    folder : str or Path
        Output folder (created if missing).
    area : Area
        The loaded area.
    frame : pandas.DataFrame
        :func:`safepassage.pipeline.routes_frame`.
    views : sequence of CoverageView, optional
        The officer plans whose posts are shown. Give every window of the shift plan
        (:func:`safepassage.maps.shift_views`) so that each post lists the hours of every
        time window it is staffed in (arrival and dismissal ...).
    kinds : iterable of str, default ("school",)
        Destination kinds to write handouts for ("school", "park", "transit", ...).
    langs : iterable of str, default ("en", "es")
        Languages.
    made_on : datetime.date, optional
        Date printed (today by default).
    units : {"imperial", "metric"}, optional
        See :func:`handout_html`.

    Returns
    -------
    list of Path
        Files written, in destination order then language order.

    Raises
    ------
    InputError
        If a kind or a language is unknown.
    """
    wanted = {str(k) for k in kinds}
    codes = [check_lang(lang) for lang in langs]
    unknown = wanted - set(KIND_STYLES)
    if unknown:
        raise InputError(f"unknown destination kind(s) {', '.join(sorted(unknown))}: use "
                         f"{', '.join(KIND_STYLES)}")
    folder = Path(folder)
    made_on = made_on or dt.date.today()
    posts, _ = posts_and_corridor(views)
    taken: set[str] = set()
    out: list[Path] = []
    for _, group in frame.groupby("dest_id", sort=False):
        first = group.iloc[0]
        if str(first.get("kind")) not in wanted:
            continue
        safest = group[group["role"] == "safest"]
        if not len(safest):
            log.warning("no handout for %s: %s", first.get("destination"),
                        first.get("reason") or "no safe route")
            continue
        row = safest.iloc[0]
        slug = _slug_for(row, taken)
        for lang in codes:
            page = _render(area, frame, row, posts, lang, made_on, units)
            out.append(write_html(page, folder / f"{slug}.{lang}.html"))
    return out
