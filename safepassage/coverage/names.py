"""Names of candidate posts, and finding a post by the name a planner types.

A post is named after where it stands: the streets of its intersection ("Grand Avenue & 5th
Street"), where along a street it is ("Figueroa Street, 170 m south of West 7th Street"), the
destination it is at, or its coordinates. Posts sharing a name are told apart in words: their
corner ("(NE corner)"), the side of the street ("(west side)"), how far out from the middle
("(NE corner, 25 m out)"); never a number (the post number people see is given in
:mod:`~.result`, once per plan).

Lookup is forgiving: case, punctuation, abbreviations (S, Ave, St, ...), the order of the two
streets, "&"/"and"/"/", with or without the corner (and the "#2" older versions wrote); see
:func:`match_name`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer

from ..errors import InputError
from ..utils import (
    COMPASS_POINTS,
    COMPASS_WORDS,
    check_units,
    compass_point,
    format_distance,
    planar_bearing,
)
from .network import Network

__all__ = [
    "NameIndex",
    "candidate_names",
    "disambiguate",
    "match_name",
    "name_in_units",
    "name_index",
    "point_name",
    "unique_name",
]

#: Abbreviations a planner may use in post names, and the word they stand for.
_ABBREVIATIONS = {
    "n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest",
    "se": "southeast", "sw": "southwest", "st": "street", "str": "street", "ave": "avenue",
    "av": "avenue", "blvd": "boulevard", "dr": "drive", "pl": "place", "rd": "road",
    "ct": "court", "ln": "lane", "pkwy": "parkway", "hwy": "highway", "ter": "terrace",
    "cir": "circle", "sq": "square",
}
_DIRECTION_WORDS = {"north", "south", "east", "west", "northeast", "northwest", "southeast",
                    "southwest"}
_TYPE_WORDS = {"street", "avenue", "boulevard", "drive", "place", "road", "court", "lane",
               "parkway", "highway", "terrace", "circle", "square", "way"}
_CORNER_RE = re.compile(r"\s*\(\s*([A-Za-z]+)(?:\s+corner)?(?:\s*,\s*\d+\s*m\s+out)?"
                        r"(?:\s*,\s*\d+\s*m\s+farther\s+[a-z]+)?\s*\)\s*$", re.IGNORECASE)
#: Where along a street or in a corner a post stands, in words (see :func:`disambiguate`).
_SPOT_RE = re.compile(r"\s*\(\s*((?:north|south|east|west)\s+side|middle|another spot"
                      r"|at\s+-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?)"
                      r"(?:\s*,\s*\d+\s*m\s+out)?(?:\s*,\s*\d+\s*m\s+farther\s+[a-z]+)?"
                      r"\s*\)\s*$", re.IGNORECASE)
#: The "#2" of names written by older versions (plan files may still hold them).
_NUMBER_RE = re.compile(r"\s*#\s*(\d+)\s*$")

#: The four directions "where along its street" uses: north, east, south, west.
_FOUR_WAYS = COMPASS_WORDS["en"][::2]


# ---------------------------------------------------------------------------------------------
# Taking a typed name apart


def _norm_words(text: str) -> str:
    """Lower case, no punctuation, abbreviations spelled out.

    "S Grand Ave." -> "south grand avenue"; "St" first in a longer name is "saint".
    """
    t = re.sub(r"[.,'’`\"]", "", text.lower())
    tokens = re.sub(r"[-_]+", " ", t).split()
    out = []
    for i, tok in enumerate(tokens):
        if tok == "st" and i == 0 and len(tokens) > 1:
            out.append("saint")
        else:
            out.append(_ABBREVIATIONS.get(tok, tok))
    return " ".join(out)


def _bare_street(street: str) -> str:
    """A normalised street without direction words and without its trailing type word."""
    tokens = street.split()
    while len(tokens) > 1 and tokens[0] in _DIRECTION_WORDS:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in _DIRECTION_WORDS | _TYPE_WORDS:
        tokens = tokens[:-1]
    return " ".join(tokens)


def _corner_code(word: str) -> str | None:
    w = word.lower()
    if w.upper() in COMPASS_POINTS:
        return w.upper()
    full = _ABBREVIATIONS.get(w, w)
    for code in COMPASS_POINTS:
        if _ABBREVIATIONS.get(code.lower()) == full:
            return code
    return None


@dataclass(frozen=True)
class _PostName:
    """A post name taken apart for forgiving lookup."""

    key: str  # the whole name, normalised, without corner and number
    streets: frozenset[str] | None  # the streets of an intersection name, normalised
    bare: frozenset[str] | None  # the same without direction and street-type words
    corner: str | None  # "N", "NE", ...
    number: int | None  # the "#2" suffix of older names
    spot: str | None  # the rest of the words in brackets: "west side", "ne corner, 25 m out"


def _parse_post_name(text: str) -> _PostName:
    t = " ".join(str(text).split())
    number = None
    m = _NUMBER_RE.search(t)
    if m:
        number, t = int(m.group(1)), t[:m.start()]
    corner = spot = None
    m = _CORNER_RE.search(t)
    if m and _corner_code(m.group(1)):
        corner, t = _corner_code(m.group(1)), t[:m.start()]
        spot = " ".join(m.group(0).strip(" ()").lower().split())
    else:
        m = _SPOT_RE.search(t)
        if m:
            spot, t = " ".join(m.group(0).strip(" ()").lower().split()), t[:m.start()]
    parts = [p for p in re.split(r"\s*(?:&|@|/|\band\b)\s*", t, flags=re.IGNORECASE)
             if p.strip()]
    streets = frozenset(_norm_words(p) for p in parts) if len(parts) >= 2 else None
    bare = frozenset(_bare_street(s) for s in streets) if streets else None
    return _PostName(_norm_words(t), streets, bare, corner, number, spot)


def _base_name(text: str) -> str:
    """A display name without its "(N corner)", "(west side)" and "#2"."""
    t = _NUMBER_RE.sub("", str(text))
    return _SPOT_RE.sub("", _CORNER_RE.sub("", t)).strip()


def _close_names(name: str, names: Sequence[str], n: int = 4) -> list[str]:
    """Post names (without corners) close to ``name``: street by street for intersections."""
    q = _parse_post_name(name)
    bases = sorted({_base_name(x) for x in names})
    if q.bare is None:
        keys = {_norm_words(b): b for b in bases}
        return [keys[c] for c in difflib.get_close_matches(q.key, list(keys), n=n, cutoff=0.6)]
    scored = []
    for b in bases:
        p = _parse_post_name(b)
        if p.bare is None:
            continue
        score = sum(max(difflib.SequenceMatcher(None, s, t).ratio() for t in p.bare)
                    for s in q.bare) / len(q.bare)
        if score >= 0.75:
            scored.append((-score, b))
    return [b for _, b in sorted(scored)[:n]]


def _matching_rules(q: _PostName) -> list[tuple[str, Callable[[_PostName], bool]]]:
    """How a typed name may match a post: the same name or streets, then the bare streets."""

    def same(p: _PostName) -> bool:
        return p.key == q.key or (q.streets is not None and p.streets == q.streets)

    def loose(p: _PostName) -> bool:
        return q.bare is not None and p.bare == q.bare

    return [("same", same), ("loose", loose)]


def _forgiving_hits(names: Sequence[str], name: str, where: str) -> list[int]:
    """Posts whose name matches ``name`` once both are taken apart (see :func:`match_name`)."""
    q = _parse_post_name(name)
    parsed = [_parse_post_name(n) for n in names]
    hits: list[int] = []
    for kind, rule in _matching_rules(q):
        found = [i for i, p in enumerate(parsed) if rule(p)]
        places = {parsed[i].streets or parsed[i].key for i in found}
        if kind == "loose" and len(places) > 1:
            options = sorted({_base_name(names[i]) for i in found})
            raise InputError(f"{where}: {name!r} could be "
                             f"{', '.join(repr(o) for o in options)}; give the full "
                             "street names")
        # a corner, a spot or a number narrows the choice; one that does not exist is ignored
        corner = [i for i in found if q.corner is None or parsed[i].corner == q.corner] or found
        numbered = [i for i in corner
                    if q.number is None or (parsed[i].number or 1) == q.number] or corner
        exact = [i for i in numbered if q.spot is not None and parsed[i].spot == q.spot]
        hits = exact or numbered
        if hits:
            break
    return hits


def match_name(names: Sequence[str], name: str, where: str = "post") -> list[int]:
    """The posts a typed name means (several when it names every corner of an intersection).

    The exact name (ignoring case and spacing) wins. Otherwise both names are taken apart:
    case, punctuation, the abbreviations S/N/E/W, St, Ave, Blvd, Dr, Pl, Rd (and a few more),
    either order of the two streets, "&"/"and"/"/", with or without "(N corner)" and "#2";
    "Grand Ave & 5th" finds "South Grand Avenue & West 5th Street" when no other intersection
    fits.

    Parameters
    ----------
    names : sequence of str
        The posts' display names.
    name : str
        What the planner typed.
    where : str
        Names the item in error messages ("locked[2]").

    Returns
    -------
    list of int
        Indices into ``names``, at least one.

    Raises
    ------
    InputError
        For an unknown name (listing close matches) or one that fits several intersections.
    """
    want = " ".join(name.split()).lower()
    hits = [i for i, n in enumerate(names) if " ".join(n.split()).lower() == want]
    if not hits:
        hits = _forgiving_hits(names, name, where)
    if not hits:
        close = _close_names(name, names)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InputError(f"{where}: no candidate post named {name!r}{hint}")
    return hits


# ---------------------------------------------------------------------------------------------
# Naming places


def _intersection_name(names: tuple[str, ...]) -> str:
    return " & ".join(names[:2])


@dataclass
class NameIndex:
    """Where the network's named nodes are, for naming posts."""

    cross_idx: np.ndarray  # nodes where two or more named streets meet
    cross_xy: np.ndarray
    one_idx: np.ndarray  # nodes on at least one named street
    one_xy: np.ndarray


def name_index(net: Network) -> NameIndex:
    """Index the network's intersections and named nodes."""
    cross_idx = np.flatnonzero(np.array([len(nm) >= 2 for nm in net.node_names], dtype=bool))
    one_idx = np.flatnonzero(np.array([len(nm) >= 1 for nm in net.node_names], dtype=bool))
    return NameIndex(cross_idx, np.column_stack([net.x[cross_idx], net.y[cross_idx]]),
                     one_idx, np.column_stack([net.x[one_idx], net.y[one_idx]]))


@dataclass
class Landmarks:
    """What places are named after: the network's named nodes and the destinations."""

    index: NameIndex
    dest_xy: np.ndarray
    dest_names: list[str]


def candidate_names(net: Network, pos: np.ndarray, marks: Landmarks) -> list[str]:
    """Display names of network nodes: their intersection's streets, else as :func:`point_name`."""
    out = []
    for p in pos:
        own = net.node_names[p]
        if len(own) >= 2:
            out.append(_intersection_name(own))
            continue
        out.append(point_name(net, float(net.x[p]), float(net.y[p]), own[0] if own else None,
                              marks))
    return out


def point_name(net: Network, x: float, y: float, street: str | None, marks: Landmarks) -> str:
    """The name of a place that is not itself an intersection (a node or a point on a way).

    An intersection within 40 m; else where along its street ("X Street, 80 m north of Y
    Street", the street being ``street`` or a named node's within 60 m); else "footpath near"
    a destination within 300 m; else "walkway at <lat>, <lon>".
    """
    index = marks.index
    cross_idx, cross_xy = index.cross_idx, index.cross_xy
    if cross_idx.size:
        d = np.hypot(cross_xy[:, 0] - x, cross_xy[:, 1] - y)
        j = int(np.argmin(d))
        if d[j] <= 40.0:
            return _intersection_name(net.node_names[cross_idx[j]])
    if street is None and index.one_idx.size:
        d = np.hypot(index.one_xy[:, 0] - x, index.one_xy[:, 1] - y)
        j = int(np.argmin(d))
        if d[j] <= 60.0:
            street = net.node_names[index.one_idx[j]][0]
    if street is not None:
        return _near_cross(net, x, y, street, index)
    if len(marks.dest_names):
        dest_xy = marks.dest_xy
        d = np.hypot(dest_xy[:, 0] - x, dest_xy[:, 1] - y)
        j = int(np.nanargmin(d)) if np.isfinite(d).any() else -1
        if j >= 0 and d[j] <= 300.0:
            return f"footpath near {marks.dest_names[j]}"
    to_wgs = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(x, y)
    return f"walkway at {lat:.5f}, {lon:.5f}"


def _near_cross(net: Network, x: float, y: float, street: str, index: NameIndex) -> str:
    """"Figueroa Street, 170 m south of West 7th Street": where along its street a post is."""
    cross_idx, cross_xy = index.cross_idx, index.cross_xy
    if not cross_idx.size:
        return f"near {street}"
    d = np.hypot(cross_xy[:, 0] - x, cross_xy[:, 1] - y)
    order = np.argsort(d, kind="stable")[:60]
    for j in order:  # the nearest intersection along the same street
        if d[j] > 400.0:
            break
        names = net.node_names[cross_idx[j]]
        others = [n for n in names if n != street]
        if street in names and others:
            bearing = planar_bearing(x - cross_xy[j, 0], y - cross_xy[j, 1])
            way = _FOUR_WAYS[round(bearing / 90.0) % 4]
            return f"{street}, {10 * round(d[j] / 10):.0f} m {way} of {others[0]}"
    for j in order:
        if d[j] > 150.0:
            break
        others = [n for n in net.node_names[cross_idx[j]] if n != street]
        if others:
            return f"{street} near {others[0]}"
    return f"near {street}"


#: Offsets (metres) from a group's middle within which a post is "the middle" of the corner.
_MIDDLE_M = 4.0


def _spot_words(dx: float, dy: float, corner: bool) -> str:
    """Where a post stands in its group, in words: "NE corner", "west side", "middle"."""
    if corner and math.hypot(dx, dy) < _MIDDLE_M:
        return "middle"
    bearing = planar_bearing(dx, dy)
    if corner:
        return f"{compass_point(bearing)} corner"
    return f"{_FOUR_WAYS[round(bearing / 90.0) % 4]} side"


def _out_words(words: str, d: float, step: float) -> str:
    """The same words and how far from the group's middle: "NE corner, 25 m out"."""
    return f"{words}, {max(step, step * round(d / step)):.0f} m out"


def _still_shared(out: list[str], idx: Sequence[int]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i in idx:
        groups.setdefault(out[i], []).append(i)
    return {k: v for k, v in groups.items() if len(v) > 1}


_ALONG_M = re.compile(r"(?P<lead>, |\()(?P<d>\d+) m (?P<w>north|south|east|west) of ")
_SPOT_M = re.compile(r", (?P<d>\d+) m (?P<w>out|farther)")


def name_in_units(name: str, units: str = "metric") -> str:
    """A post's name with its distances in the units people read.

    Names are built in metres ("Figueroa Street, 170 m south of West 7th Street", "A & B (NE
    corner, 25 m out)"); in imperial units they say feet, rounded as every distance is
    (:func:`safepassage.utils.format_distance`): "Figueroa Street, 550 ft south of West 7th
    Street". Street names are left as they are.

    Raises
    ------
    InputError
        If the units are neither imperial nor metric.
    """
    if check_units(units) == "metric":
        return str(name)

    def feet(m: re.Match[str]) -> str:
        return format_distance(int(m["d"]), "en", "imperial", short=True)

    text = _ALONG_M.sub(lambda m: f"{m['lead']}{feet(m)} {m['w']} of ", str(name))
    return _SPOT_M.sub(lambda m: f", {feet(m)} {m['w']}", text)


def disambiguate(names: list[str], xs: np.ndarray, ys: np.ndarray) -> list[str]:
    """Tell posts that share a name apart in words, never with a number.

    Posts at one street corner get their corner ("A & B (NE corner)"; the one in the middle
    of the intersection keeps the plain name), posts along one street the side they are on
    ("A, 60 m north of B (west side)"). Where that still leaves two alike, how far out from
    the middle each stands is added ("A & B (NE corner, 25 m out)", to the nearest 5 m, then
    to the metre); posts at the very same spot keep the same name.

    Parameters
    ----------
    names : list of str
        Display names, in candidate order.
    xs, ys : numpy.ndarray
        Projected coordinates (metres).

    Returns
    -------
    list of str
    """
    out = list(names)
    groups: dict[str, list[int]] = {}
    for i, nm in enumerate(names):
        groups.setdefault(nm, []).append(i)
    for nm, idx in groups.items():
        if len(idx) < 2:
            continue
        cx, cy = float(np.mean(xs[idx])), float(np.mean(ys[idx]))
        dx = {i: float(xs[i]) - cx for i in idx}
        dy = {i: float(ys[i]) - cy for i in idx}
        spread = max(math.hypot(dx[i], dy[i]) for i in idx)
        corner = " & " in nm and spread <= 60.0
        words = {i: _spot_words(dx[i], dy[i], corner) for i in idx}
        for i in idx:
            out[i] = nm if words[i] == "middle" else f"{nm} ({words[i]})"
        for step in (5.0, 1.0):
            for shared in _still_shared(out, idx).values():
                nearest = min(shared, key=lambda i: (math.hypot(dx[i], dy[i]), i))
                for i in shared:
                    if math.hypot(dx[i] - dx[nearest], dy[i] - dy[nearest]) > 0.5:
                        out[i] = f"{nm} ({_out_words(words[i], math.hypot(dx[i], dy[i]), step)})"
        for shared in _still_shared(out, idx).values():
            nearest = min(shared, key=lambda i: (math.hypot(dx[i], dy[i]), i))
            for i in shared:
                ex, ey = dx[i] - dx[nearest], dy[i] - dy[nearest]
                if math.hypot(ex, ey) > 0.5:  # a few metres from a post of the same words
                    way = _FOUR_WAYS[round(planar_bearing(ex, ey) / 90.0) % 4]
                    out[i] = (f"{out[i][:-1]}, {max(1, round(math.hypot(ex, ey)))} m "
                              f"farther {way})")
    return out


def unique_name(name: str, taken: Sequence[str], where: str | None = None) -> str:
    """``name``, or ``name (at <where>)`` when another post has it already.

    Parameters
    ----------
    name : str
        The name a new post would get.
    taken : sequence of str
        The names other posts have.
    where : str, optional
        Where the new post stands, in words ("34.05012, -118.25111").

    Returns
    -------
    str
        Never a name with a number such as "#2".
    """
    used = set(taken)
    if name not in used:
        return name
    if where:
        return f"{name} (at {where})"
    return f"{name} (another spot)"
