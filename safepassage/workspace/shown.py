"""What the workspace page reads: distances and names in the served units.

The JSON API carries data in metres (``length_m``, ``radius_m``, ``distance_m``) and posts'
names as they are stored (in metres: "South Flower Street, 80 m south of West 5th Street"),
because plan files lock and ban posts by those names. A planner reads the page in the units
of every other output of the plan (feet and miles unless ``--units metric``), so each result
sent to the page also carries its words, made here with the project's one formatter
(:func:`safepassage.utils.format_distance`) and :func:`safepassage.coverage.name_in_units`:

- a window: ``covered_length`` and ``corridor_length`` ("3.6 mi"); each post ``shown`` (its
  name in the units); each gap ``length``;
- the changes against the saved plan: ``shown`` names of the posts added and removed,
  ``from_shown`` / ``to_shown`` / ``distance`` of those moved, ``length`` of the gaps;
- the plan's own items (:func:`shown_plan`): the names of locked posts, banned places and
  added posts, in the order of the plan's lists;
- a corridor's candidates (``shown``, in :func:`~.mapdata.corridor_json`).

Radii a planner types (post radius, ban radius) are not walking distances to round: the page
converts them exactly (whole feet or metres), see ``workspace.js``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..coverage import name_in_units
from ..utils import Units, format_distance

__all__ = ["distance_text", "shown_changes", "shown_plan", "shown_windows"]


def distance_text(metres: float, units: Units) -> str:
    """A distance as the page says it: ``"0.3 mi"``, ``"250 ft"``, ``"1.2 km"``, ``"80 m"``."""
    return format_distance(metres, "en", units, short=True)


def _window(res: Mapping[str, Any], units: Units) -> dict[str, Any]:
    return {
        **res,
        "covered_length": distance_text(res["covered_length_m"], units),
        "corridor_length": distance_text(res["corridor_length_m"], units),
        "posts": [{**p, "shown": name_in_units(p["name"], units)} for p in res["posts"]],
        "gaps": [{**g, "length": distance_text(g["length_m"], units)} for g in res["gaps"]],
    }


def shown_windows(windows: Mapping[str, Mapping[str, Any]],
                  units: Units) -> dict[str, dict[str, Any]]:
    """Window results (copies) with their words in ``units``.

    Parameters
    ----------
    windows : mapping of str to dict
        Window results (:func:`~.solve.window_result`, numbered).
    units : {"imperial", "metric"}
        Units of the words.

    Returns
    -------
    dict of str to dict
        Each window with ``covered_length``, ``corridor_length``, posts' ``shown`` and gaps'
        ``length`` added; every other field as it was.
    """
    return {w: _window(r, units) for w, r in windows.items()}


def _changed_window(ch: Mapping[str, Any], units: Units) -> dict[str, Any]:
    out = dict(ch)
    for key in ("posts_added", "posts_removed"):
        out[key] = [{**p, "shown": name_in_units(p["name"], units)} for p in ch[key]]
    out["posts_moved"] = [{**m, "from_shown": name_in_units(m["from"], units),
                           "to_shown": name_in_units(m["to"], units),
                           "distance": distance_text(m["distance_m"], units)}
                          for m in ch["posts_moved"]]
    for key in ("gaps_opened", "gaps_closed"):
        out[key] = [{**g, "length": distance_text(g["length_m"], units)} for g in ch[key]]
    return out


def shown_changes(changes: Mapping[str, Any] | None,
                  units: Units) -> dict[str, Any] | None:
    """The changes against the saved plan (:func:`~.solve.plan_changes`, a copy) with words.

    Their ``text`` is already in the units (``plan_changes(..., units=...)``); each window's
    posts and gaps get ``shown``, ``from_shown``, ``to_shown``, ``distance`` and ``length``.
    """
    if changes is None:
        return None
    return {**changes, "windows": {w: _changed_window(ch, units)
                                   for w, ch in changes["windows"].items()}}


def _item_name(item: object, units: Units) -> str | None:
    """The name of one locked, banned or added item as the page shows it (None: a file)."""
    if not isinstance(item, Mapping) or "file" in item:
        return None
    name = item.get("name") if item.get("name") is not None else item.get("post")
    return None if name is None else name_in_units(str(name), units)


def shown_plan(plan: Mapping[str, Any], units: Units) -> dict[str, list[str | None]]:
    """The names of the plan's locked posts, banned places and added posts, in ``units``.

    Parameters
    ----------
    plan : mapping
        The plan as plan-file JSON (:attr:`~.plan.CheckedPlan.data`).
    units : {"imperial", "metric"}
        Units of the names.

    Returns
    -------
    dict
        ``locked``, ``banned``, ``extra_posts``: one entry per item of the plan's list, in its
        order: the item's name (or the post it names) in the units, None for a polygon file
        or an item without a name.
    """
    return {key: [_item_name(item, units) for item in plan.get(key) or []]
            for key in ("locked", "banned", "extra_posts")}
