"""The planner map's side panel: coverage figures of one or two plans, their gaps, the key.

With a second plan the panel also lists what changed from plan A to plan B (the change list
:func:`safepassage.coverage.format_comparison` writes, in the section ``#sp-changes`` the
index page links to). Every text that is not ours (site, plan labels, street names) is escaped
here with :func:`safepassage.offline.escape_text`; lengths follow
:func:`safepassage.utils.format_distance`, in the page's units.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..offline import escape_text
from ..source import Area
from ..utils import format_distance
from .places import approximate_note, data_sources
from .styles import (
    BANNED_COLOUR,
    CHANGE_COLOURS,
    COVERED_RAMP,
    DEMAND_WIDTHS,
    GAP_RAMP,
    line_swatch,
    post_badge_html,
    post_colour,
)
from .view import CoverageView

__all__ = ["MAX_GAPS", "PANEL_CSS", "PanelText", "length_text", "panel_html", "share_text"]

#: The longest list of gap streets per plan in the panel.
MAX_GAPS = 25


@dataclass(frozen=True)
class PanelText:
    """What the panel says besides the plans' figures.

    Attributes
    ----------
    title : str
        The page title (plain text).
    bands : sequence of str
        Names of the demand bands, lightest first.
    units : {"imperial", "metric"}
        Units of lengths.
    changes : sequence of str or None
        The change list from plan A to plan B (None without a plan B).
    extra_html : str
        Escaped HTML placed after the gaps (the window's incidents by kind of crime).
    figures_html : str
        Trusted HTML of ours shown after the coverage figures (the beats' comparison).
    """

    title: str
    bands: Sequence[str]
    units: str = "imperial"
    changes: Sequence[str] | None = None
    extra_html: str = ""
    figures_html: str = ""

PANEL_CSS = """
.folium-map { width: calc(100% - 23rem) !important; }
.sp-panel {
  position: fixed; top: 0; right: 0; bottom: 0; width: 23rem; box-sizing: border-box;
  overflow-y: auto; padding: 12px 16px; background: #fff; border-left: 1px solid #ccc;
  font: 14px/1.4 Arial, Helvetica, sans-serif; color: #222;
}
.sp-panel h1 { font-size: 19px; margin: 0 0 2px; }
.sp-panel h2 { font-size: 15px; margin: 14px 0 4px; }
.sp-panel .sp-site { margin: 0; color: #444; }
.sp-panel .sp-window { margin: 4px 0 0; }
.sp-figures { border-collapse: collapse; width: 100%; }
.sp-figures th, .sp-figures td { text-align: left; padding: 3px 6px 3px 0; vertical-align: top;
  border-bottom: 1px solid #eee; }
.sp-figures thead th { border-bottom: 2px solid #ccc; }
.sp-gaps { margin: 0; padding-left: 1.5em; }
.sp-gaps li { margin: 2px 0; }
.sp-gap-figs { color: #555; display: block; }
.sp-key { list-style: none; margin: 0; padding: 0; }
.sp-key li { display: flex; align-items: center; gap: 6px; margin: 4px 0; }
.sp-key .sp-swatch { display: inline-block; width: 28px; }
.sp-small { font-size: 12px; color: #444; }
.sp-changes { margin: 0; padding-left: 1.2em; }
.sp-changes li { margin: 2px 0; }
.sp-key .sp-post-badge { margin: 0 4px; }
@media (max-width: 760px) {
  .folium-map { width: 100% !important; height: 65vh !important; }
  .sp-panel { position: static; width: auto; border-left: none; border-top: 1px solid #ccc; }
  html, body { height: auto !important; }
}
@media print {
  .folium-map { width: 100% !important; height: 60vh !important; }
  .sp-panel { position: static; width: auto; border: none; }
}
"""


def share_text(weight: float, total: float) -> str:
    """``weight`` as a share of ``total`` for planners: "12 %", "3.4 %", "less than 0.1 %"."""
    if total <= 0 or not math.isfinite(weight):
        return ""
    pct = 100.0 * weight / total
    if pct >= 10:
        return f"{pct:.0f} %"
    if pct >= 0.1:
        return f"{pct:.1f} %"
    return "less than 0.1 %"


def length_text(metres: float, units: str = "imperial") -> str:
    """A length on the planner map ("500 ft", "0.3 mi"; metric: "150 m", "1.2 km")."""
    return format_distance(metres, "en", units, short=True)


def _row(label: str, values: Iterable[str]) -> str:
    e = escape_text
    return f"<tr><th scope=\"row\">{e(label)}</th>" + "".join(
        f"<td>{e(x)}</td>" for x in values) + "</tr>"


def _figures_table(views: Sequence[CoverageView], same_window: bool, units: str) -> list[str]:
    """The figures of each plan side by side."""
    figs = [v.figures for v in views]
    head = "".join(f"<th scope=\"col\">{escape_text(v.label)}</th>" for v in views)
    return [
        f'<table class="sp-figures"><thead><tr><th></th>{head}</tr></thead><tbody>',
        *([] if same_window else [_row("Time window", (v.window or "not given"
                                                       for v in views))]),
        _row("Officer posts", (str(f.posts) for f in figs)),
        _row("Walking demand covered", (f"{f.covered_pct:.1f} %" for f in figs)),
        _row("Corridor covered", (
            f"{length_text(f.covered_length_m, units)} of {length_text(f.total_length_m, units)}"
            for f in figs)),
        _row("Gaps", (f"{f.gaps} stretches on {f.gap_streets} streets"
                      if f.gaps != f.gap_streets else f"{f.gaps} streets" for f in figs)),
        "</tbody></table>",
    ]


def _gap_list(view: CoverageView, max_gaps: int, units: str) -> list[str]:
    """One plan's gaps by street, most walking demand first, ``max_gaps`` at most."""
    e = escape_text
    gaps = view.gaps
    parts = [f"<h2>Gaps: {e(view.label)}</h2>"]
    if not len(gaps):
        parts.append("<p>None: every street of the corridor is covered.</p>")
        return parts
    parts.append('<ol class="sp-gaps">')
    for g in gaps.head(max_gaps).to_dict("records"):
        share = share_text(float(g["share"]), 1.0)
        pieces = g["stretches"]
        figs_text = length_text(float(g["length_m"]), units)
        if len(pieces) > 1:
            figs_text += (f" in {len(pieces)} stretches ("
                          + ", ".join(length_text(x, units) for x in pieces) + ")")
        if share:
            figs_text += f", {share} of the walking demand"
        parts.append(f"<li><span class=\"sp-gap-name\">{e(g['name'])}</span> "
                     f"<span class=\"sp-gap-figs\">{e(figs_text)}</span></li>")
    parts.append("</ol>")
    if len(gaps) > max_gaps:
        rest = gaps.iloc[max_gaps:]
        parts.append(f"<p class=\"sp-small\">and {len(rest)} more streets "
                     f"({e(length_text(float(rest['length_m'].sum()), units))}).</p>")
    return parts


def _key(band_labels: Sequence[str], two: bool, banned: bool) -> list[str]:
    """The map key: covered and gap lines by demand band, posts, bans and changes."""
    legend = ['<h2>Map key</h2><ul class="sp-key">']
    for i, label in enumerate(band_labels):
        legend.append(
            f"<li>{line_swatch(COVERED_RAMP[i], DEMAND_WIDTHS[i])}"
            f"{line_swatch(GAP_RAMP[i], DEMAND_WIDTHS[i], dashed=True)}"
            f"<span>{escape_text(label)}</span></li>")
    legend.append(f"<li>{post_badge_html(1, post_colour(0), sample=True)}"
                  "<span>Officer post of this plan, by number</span></li>")
    if two:
        legend.append(f"<li>{post_badge_html(1, post_colour(0), plan='B', sample=True)}"
                      "<span>Officer post of plan B</span></li>")
        legend.append(f"<li>{line_swatch(CHANGE_COLOURS['opened'], 10)}"
                      "<span>Gap opened from A to B</span></li>")
        legend.append(f"<li>{line_swatch(CHANGE_COLOURS['closed'], 10)}"
                      "<span>Gap closed from A to B</span></li>")
    legend.append(f"<li>{post_badge_html(1, post_colour(0), locked=True, sample=True)}"
                  "<span>Post a planner locked</span></li>")
    if banned:
        legend.append(f"<li>{line_swatch(BANNED_COLOUR, 3, dashed=True)}"
                      "<span>Banned place: no officer posted there</span></li>")
    legend.append("</ul><p class=\"sp-small\">Blue, solid: covered. Orange, dashed: gap. "
                  "Wider and darker: more people walking.</p>")
    return legend


def _changes(lines: Sequence[str]) -> list[str]:
    """What changed from plan A to plan B, line by line (the comparison's own words)."""
    e = escape_text
    items = "".join(f"<li>{e(line)}</li>" for line in lines)
    return ['<section id="sp-changes"><h2>What changed from plan A to plan B</h2>',
            f'<ul class="sp-changes">{items}</ul>' if items else "<p>Nothing.</p>",
            "</section>"]


def panel_html(area: Area, views: Sequence[CoverageView], text: PanelText) -> str:
    """The side panel: title, time window, figures, changes, gaps of each plan, key, credits.

    Parameters
    ----------
    area : Area
        The loaded area (site, credits).
    views : sequence of CoverageView
        The plans shown (one or two), labelled.
    text : PanelText
        The title, demand bands, units, change list and extra HTML.

    Returns
    -------
    str
        An ``<aside>`` element.
    """
    e = escape_text
    windows = [v.window for v in views]
    same_window = len(set(windows)) == 1
    radii = {v.radius_m for v in views if v.radius_m}
    walk = format_distance(next(iter(radii)), "en", text.units) if len(radii) == 1 else ""
    reach = f"an officer post is within a walk of {walk}" if walk else "an officer is within reach"
    parts = [
        '<aside class="sp-panel" aria-label="Coverage">',
        f"<h1>{e(text.title)}</h1>",
        f'<p class="sp-site">{e(area.site.name)}</p>',
    ]
    if same_window and windows[0]:
        parts.append(f'<p class="sp-window">Time window: <strong>{e(windows[0])}</strong></p>')
    parts += [
        "<h2>Coverage</h2>",
        *_figures_table(views, same_window, text.units),
        '<p class="sp-small">The corridor is every street a safe route walks. Walking demand '
        "is how many people are expected on each street in this time window (from the "
        "schools, parks and stops its routes lead to), times its length; covered means "
        f"{e(reach)}.</p>",
        text.figures_html,
    ]
    if text.changes is not None:
        parts.extend(_changes(text.changes))
    for v in views:
        parts.extend(_gap_list(v, MAX_GAPS, text.units))
    parts.append(text.extra_html)
    parts.extend(_key(text.bands, len(views) > 1, any(v.banned for v in views)))
    note = approximate_note(area)
    if note:
        parts.append(f'<p class="sp-small">{e(note)}</p>')
    parts.append(f'<p class="sp-small">Data: {e("; ".join(data_sources(area)))}. Made '
                 f"{e(dt.date.today().isoformat())}.</p>")
    parts.append("</aside>")
    return "".join(parts)
