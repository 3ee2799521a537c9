"""Comparing two plans window by window: coverage, officers, posts and gaps.

:func:`compare_plans` reads two ``coverage.json`` documents (files, folders holding one, their
parsed content, or the shift plans themselves) and says what changed from plan A to plan B in
the time windows both cover; :func:`format_comparison` writes the change list. That one list
is what ``safepassage coverage --compare`` and ``safepassage plan --compare-plan`` print, what
the planner map's panel shows for plan B and what the planner workspace says against the
saved plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io import load_json, read_input_bytes
from ..utils import format_distance, haversine_m
from .names import name_in_units
from .report import coverage_json
from .shifts import ShiftPlan

__all__ = ["change_list", "compare_plans", "format_comparison", "one_window",
           "read_coverage_json"]

#: A JSON document (``coverage.json`` and the comparison).
JSONDict = dict[str, Any]

#: What :func:`compare_plans` compares: a ``coverage.json`` file or folder, its content, or
#: the shift plan it was written from.
PlanLike = str | Path | Mapping[str, Any] | ShiftPlan


def read_coverage_json(path_or_obj: PlanLike) -> JSONDict:
    """Read a ``coverage.json`` (a file, or a folder holding one), or pass a dict through.

    A :class:`~.shifts.ShiftPlan` gives the document :func:`~.report.coverage_json` writes.

    Raises
    ------
    InputError
        When the file is missing or is not a coverage.json.
    """
    if isinstance(path_or_obj, ShiftPlan):
        return coverage_json(path_or_obj)
    if isinstance(path_or_obj, Mapping):
        return dict(path_or_obj)
    path = Path(path_or_obj)
    if path.is_dir():
        path = path / "coverage.json"
    if not path.exists():
        raise InputError(f"no coverage.json at {path}")
    data = load_json(read_input_bytes(path, "coverage.json"), str(path),
                     problem="not a coverage.json")  # size and nesting bounded
    shifts = data.get("shifts") if isinstance(data, dict) else None
    if not (isinstance(shifts, dict) and all(isinstance(x, dict) for x in shifts.values())) or (
            "covered_pct" not in data):
        raise InputError(f"{path}: not a coverage.json written by 'safepassage coverage'")
    data.setdefault("_path", str(path))
    return data


def _only_figures(shift: Mapping[str, Any]) -> JSONDict:
    """The figures of a window only one plan has."""
    return {"covered_pct": shift.get("covered_pct"), "officers": shift.get("officers"),
            "officer_hours": shift.get("officer_hours")}


def _pooled_pct(shifts: Sequence[Mapping[str, Any]]) -> float | None:
    """Covered % over several windows: covered demand over total demand."""
    covered = _numbers([s.get("covered_weight") for s in shifts])
    total = _numbers([s.get("total_weight") for s in shifts])
    if shifts and covered is not None and total is not None:
        t = float(sum(total))
        return round(100.0 * float(sum(covered)) / t, 2) if t > 0 else 100.0
    pcts = _numbers([s.get("covered_pct") for s in shifts])
    if shifts and pcts is not None:
        return round(sum(pcts) / len(pcts), 2)
    return None


def _numbers(values: Sequence[object]) -> list[int | float] | None:
    """The values, when every one is a number; else None."""
    out = [v for v in values if isinstance(v, int | float)]
    return out if len(out) == len(values) else None


def _change(x: object, y: object, nd: int | None = 2) -> float | int | None:
    """``y - x`` (rounded to ``nd`` places; not rounded for None), or None if either is missing."""
    if not isinstance(x, int | float) or not isinstance(y, int | float):
        return None
    return round(y - x, nd) if nd is not None else y - x


def _by_window(a: JSONDict, b: JSONDict, shared: Sequence[str]) -> dict[str, JSONDict]:
    """Coverage, officers and officer-hours of each shared window, A and B."""
    by_window = {}
    for w in shared:
        sa, sb = a["shifts"][w], b["shifts"][w]
        by_window[w] = {
            "covered_pct": {"a": sa["covered_pct"], "b": sb["covered_pct"],
                            "change_pp": _change(sa["covered_pct"], sb["covered_pct"])},
            "officers": {"a": sa["officers"], "b": sb["officers"],
                         "change": _change(sa["officers"], sb["officers"], None)},
            "officer_hours": {"a": sa.get("officer_hours"), "b": sb.get("officer_hours"),
                              "change": _change(sa.get("officer_hours"),
                                                sb.get("officer_hours"))},
        }
    return by_window


def _overall(a: JSONDict, b: JSONDict, shared: Sequence[str]) -> JSONDict:
    """Covered %, the most officers at once and officer-hours over the shared windows."""
    pa_ = _pooled_pct([a["shifts"][w] for w in shared])
    pb_ = _pooled_pct([b["shifts"][w] for w in shared])
    oa = max((a["shifts"][w]["officers"] for w in shared), default=None)
    ob = max((b["shifts"][w]["officers"] for w in shared), default=None)

    def hours(doc: JSONDict) -> float | None:
        if not shared:
            return None
        return round(sum(float(doc["shifts"][w].get("officer_hours") or 0) for w in shared), 2)

    ha, hb = hours(a), hours(b)
    return {
        "covered_pct": {"a": pa_, "b": pb_, "change_pp": _change(pa_, pb_)},
        "officers": {"a": oa, "b": ob, "change": _change(oa, ob, None)},
        "officer_hours": {"a": ha, "b": hb, "change": _change(ha, hb)},
    }


def _match_window(pa: list[JSONDict], pb: list[JSONDict], w: str, same_m: float,
                  moved_m: float, out: dict[str, list[JSONDict]]) -> None:
    """Pair one window's posts: the same within ``same_m``, moved within ``moved_m``."""
    pairs = sorted((haversine_m(x["lat"], x["lon"], y["lat"], y["lon"]), i, j)
                   for i, x in enumerate(pa)
                   for j, y in enumerate(pb))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for d, i, j in pairs:
        if i in used_a or j in used_b or d > same_m:
            continue
        used_a.add(i)
        used_b.add(j)
        out["kept"].append({"window": w, "name": pb[j]["name"], "post": pb[j].get("post")})
    for d, i, j in pairs:
        if i in used_a or j in used_b or d > moved_m:
            continue
        used_a.add(i)
        used_b.add(j)
        out["moved"].append({"window": w, "from": pa[i]["name"], "to": pb[j]["name"],
                             "from_post": pa[i].get("post"), "to_post": pb[j].get("post"),
                             "distance_m": round(d, 1)})
    out["removed"] += [{"window": w, "name": p["name"], "post": p.get("post"), "lat": p["lat"],
                        "lon": p["lon"]} for i, p in enumerate(pa) if i not in used_a]
    out["added"] += [{"window": w, "name": p["name"], "post": p.get("post"), "lat": p["lat"],
                      "lon": p["lon"]} for j, p in enumerate(pb) if j not in used_b]


def _match_posts(a: JSONDict, b: JSONDict, shared: Sequence[str], same_m: float,
                 moved_m: float) -> dict[str, list[JSONDict]]:
    """Posts kept, moved, removed and added, window by window."""
    out: dict[str, list[JSONDict]] = {"added": [], "removed": [], "moved": [], "kept": []}
    for w in shared:
        _match_window([p for p in a["posts"] if p["window"] == w],
                      [p for p in b["posts"] if p["window"] == w], w, same_m, moved_m, out)
    return out


def _gaps(doc: JSONDict, shared: Sequence[str]) -> dict[tuple[str, str], float]:
    """Uncovered metres per (window, street name), shared windows only."""
    out: dict[tuple[str, str], float] = {}
    for u in doc.get("uncovered", []):
        if str(u["window"]) not in shared:
            continue
        key = (str(u["window"]), str(u["name"]))
        out[key] = out.get(key, 0.0) + float(u["length_m"])
    return out


def _gap_changes(a: JSONDict, b: JSONDict,
                 shared: Sequence[str]) -> tuple[list[JSONDict], list[JSONDict]]:
    """Gaps that opened (more uncovered length in B) and closed, the biggest change first."""
    ga, gb = _gaps(a, shared), _gaps(b, shared)
    opened: list[JSONDict] = []
    closed: list[JSONDict] = []
    order = {w: i for i, w in enumerate(shared)}
    for key in sorted(set(ga) | set(gb), key=lambda k: (order[k[0]], k[1])):
        la, lb = ga.get(key, 0.0), gb.get(key, 0.0)
        row = {"window": key[0], "name": key[1], "length_m": round(lb - la, 1),
               "a_m": round(la, 1), "b_m": round(lb, 1)}
        if lb - la > 0.5:
            opened.append(row)
        elif la - lb > 0.5:
            closed.append(row)
    opened.sort(key=lambda r: -float(r["length_m"]))
    closed.sort(key=lambda r: float(r["length_m"]))
    return opened, closed


def one_window(doc: PlanLike, window: str, as_window: str | None = None) -> JSONDict:
    """A ``coverage.json`` document of one of its windows only (optionally renamed).

    The planner map of one window compares that window alone; where plan B has no plan for
    it, B's own first window stands in (``as_window`` names it as A's).

    Raises
    ------
    InputError
        If the document has no such window.
    """
    data = read_coverage_json(doc)
    if window not in data["shifts"]:
        raise InputError(f"the plan has no {window} window")
    name = as_window or window

    def mine(rows: Sequence[Mapping[str, Any]]) -> list[JSONDict]:
        return [{**r, "window": name} for r in rows if r.get("window") == window]

    out = {k: v for k, v in data.items() if k not in ("shifts", "posts", "uncovered")}
    out.update(shifts={name: data["shifts"][window]}, posts=mine(data.get("posts", [])),
               uncovered=mine(data.get("uncovered", [])), windows=[name])
    return out


def compare_plans(
    a_coverage_json: PlanLike,
    b_coverage_json: PlanLike,
    *,
    same_m: float = 15.0,
    moved_m: float | None = None,
) -> JSONDict:
    """What changed from plan A to plan B, window by window.

    Only the time windows both plans cover are compared: their coverage, officers, posts and
    gaps. A window only one plan has is listed under ``only_in_a`` / ``only_in_b`` with its
    own figures; its posts are not "removed" or "added" and its gaps not "closed" or "opened".
    The overall figures (``covered_pct``, ``officers``, ``officer_hours``) are over the shared
    windows only (None when there are none).

    Posts within ``same_m`` of each other (same window) are the same post. Of the rest, posts
    of A and B paired nearest-first within ``moved_m`` (default: the post radius) have moved;
    the others were removed (A only) or added (B only). Gaps compare the uncovered length per
    street name and window: a street with more uncovered length in B is a gap that opened, one
    with less a gap that closed.

    Parameters
    ----------
    a_coverage_json, b_coverage_json : str, Path, mapping or ShiftPlan
        ``coverage.json`` files, folders holding one, their parsed content, or the shift
        plans themselves.
    same_m, moved_m : float
        Matching distances in metres.

    Returns
    -------
    dict
        ``windows`` (the shared windows, in A's order), ``only_in_a`` and ``only_in_b``
        (``{window: {covered_pct, officers, officer_hours}}``), ``covered_pct`` ({"a", "b",
        "change_pp"}: covered demand over total demand in the shared windows), ``officers``
        ({"a", "b", "change"}: the most on duty at once in the shared windows),
        ``officer_hours`` ({"a", "b", "change"}), ``by_window`` (per shared window:
        ``covered_pct``, ``officers``, ``officer_hours``, each {"a", "b", change}),
        ``posts_added``, ``posts_removed`` (``window``, ``name``, ``post``: the number people
        see in that plan, ``lat``, ``lon``), ``posts_moved`` (``from``, ``to``, their numbers
        ``from_post`` and ``to_post``, ``distance_m``), ``posts_kept``, ``gaps_opened`` and
        ``gaps_closed`` (``window``, ``name``, ``length_m`` change, ``a_m``, ``b_m``), all
        for shared windows only.
    """
    a, b = read_coverage_json(a_coverage_json), read_coverage_json(b_coverage_json)
    radius = moved_m if moved_m is not None else float(b.get("radius_m") or 250.0)
    shared = [w for w in a["shifts"] if w in b["shifts"]]
    only_a = {w: _only_figures(s) for w, s in a["shifts"].items() if w not in b["shifts"]}
    only_b = {w: _only_figures(s) for w, s in b["shifts"].items() if w not in a["shifts"]}
    posts = _match_posts(a, b, shared, same_m, radius)
    opened, closed = _gap_changes(a, b, shared)
    return {
        "a": a.get("_path"), "b": b.get("_path"),
        "windows": shared,
        "only_in_a": only_a,
        "only_in_b": only_b,
        **_overall(a, b, shared),
        "by_window": _by_window(a, b, shared),
        "posts_added": posts["added"],
        "posts_removed": posts["removed"],
        "posts_moved": posts["moved"],
        "posts_kept": posts["kept"],
        "gaps_opened": opened,
        "gaps_closed": closed,
    }


def _only_text(which: str, only: Mapping[str, Mapping[str, Any]]) -> str:
    parts = []
    for w, f in only.items():
        pct = f.get("covered_pct")
        parts.append(f"{w} ({f.get('officers')} officers, "
                     f"{pct:.1f} % covered)" if isinstance(pct, int | float) else w)
    return f"only in {which}: {'; '.join(parts)} — not compared"


def _post_ref(letter: str, number: object) -> str:
    """"B3" (a plan's letter and a post's number), "post 3" without a letter, "" unknown."""
    if not isinstance(number, int):
        return ""
    return f"{letter}{number}" if letter else f"post {number}"


def _post_lines(diff: Mapping[str, Any], units: str, letters: tuple[str, str]) -> list[str]:
    lines = []
    for key, word, letter in (("posts_added", "added", letters[1]),
                              ("posts_removed", "removed", letters[0])):
        for p in diff[key]:
            ref = _post_ref(letter, p.get("post"))
            lines.append(f"post {word}: {name_in_units(p['name'], units)} "
                         f"({ref + ', ' if ref else ''}{p['window']})")
    for p in diff["posts_moved"]:
        a, b = _post_ref(letters[0], p.get("from_post")), _post_ref(letters[1], p.get("to_post"))
        refs = f"{a} to {b}, " if a and b else ""
        lines.append(f"post moved: {name_in_units(p['from'], units)} -> "
                     f"{name_in_units(p['to'], units)} ({refs}"
                     f"{format_distance(p['distance_m'], 'en', units, short=True)}, "
                     f"{p['window']})")
    return lines


def format_comparison(diff: Mapping[str, Any], *, top: int = 10, units: str = "metric",
                      letters: tuple[str, str] = ("A", "B")) -> str:
    """The change list of :func:`compare_plans`, as every output shows it.

    A headline over the shared windows, one per shared window when there are several, the
    windows only one plan has, then the posts added, removed and moved (with their names,
    their numbers as "A2" / "B3", and how far they moved) and the gaps opened and closed by
    street.

    Parameters
    ----------
    diff : mapping
        From :func:`compare_plans`.
    top : int, default 10
        Most gaps listed of each kind (then a count).
    units : {"metric", "imperial"}, default "metric"
        Units of the distances (:func:`safepassage.utils.format_distance`).
    letters : tuple of str, default ("A", "B")
        What a post number is prefixed with in each plan ("A2", "B3"); empty letters write
        "post 3" (the planner workspace, where the numbers are those on its map).

    Returns
    -------
    str
        Lines of plain text.
    """
    lines = []
    shared = list(diff.get("windows") or diff["by_window"])
    c, o = diff["covered_pct"], diff["officers"]
    if not shared:
        lines.append("no time window in common: nothing to compare")
    else:
        where = (f"in {shared[0]}" if len(shared) == 1 else
                 f"over {', '.join(shared)}")
        if diff.get("only_in_a") or diff.get("only_in_b"):
            where += (", the only window both plans cover" if len(shared) == 1 else
                      ", the windows both plans cover")
        lines.append(f"coverage: {c['a']:.1f} % -> {c['b']:.1f} % ({c['change_pp']:+.1f} "
                     f"points) {where}; officers: {o['a']} -> {o['b']} ({o['change']:+d})")
        if len(shared) > 1:
            for w in shared:
                d = diff["by_window"][w]
                cw, ow = d["covered_pct"], d["officers"]
                lines.append(f"  {w}: {cw['a']:.1f} % -> {cw['b']:.1f} % "
                             f"({cw['change_pp']:+.1f} points); officers: {ow['a']} -> "
                             f"{ow['b']} ({ow['change']:+d})")
    for key, which in (("only_in_a", "A"), ("only_in_b", "B")):
        if diff.get(key):
            lines.append(_only_text(which, diff[key]))
    lines += _post_lines(diff, units, letters)
    for key, word in (("gaps_opened", "gap opened"), ("gaps_closed", "gap closed")):
        rows = diff[key]
        for g in rows[:top]:
            length = format_distance(abs(float(g["length_m"])), "en", units, short=True)
            lines.append(f"{word}: {g['name']} ({length}, {g['window']})")
        if len(rows) > top:
            more = len(rows) - top
            noun, verb = word.split()
            lines.append(f"… {more} more {noun if more == 1 else noun + 's'} {verb}")
    if shared and not any(diff[k] for k in ("posts_added", "posts_removed", "posts_moved",
                                            "gaps_opened", "gaps_closed")):
        lines.append("no posts or gaps changed")
    return "\n".join(lines)


def change_list(a: PlanLike, b: PlanLike, *, units: str = "metric",
                window: str | None = None) -> list[str]:
    """What changed from plan A to plan B, as every output says it, line by line.

    :func:`format_comparison` of :func:`compare_plans`: over every window both plans cover,
    or over one ``window`` (plan B's first window standing in where it has no plan for it).

    Parameters
    ----------
    a, b : str, Path, mapping or ShiftPlan
        The two plans (see :func:`compare_plans`).
    units : {"metric", "imperial"}, default "metric"
        Units of the distances and of the posts' names.
    window : str, optional
        One time window of plan A to compare.

    Returns
    -------
    list of str
    """
    if window is None:
        return format_comparison(compare_plans(a, b), units=units).splitlines()
    doc_b = read_coverage_json(b)
    b_window = window if window in doc_b["shifts"] else next(iter(doc_b["shifts"]))
    diff = compare_plans(one_window(a, window), one_window(doc_b, b_window, window))
    return format_comparison(diff, units=units).splitlines()
