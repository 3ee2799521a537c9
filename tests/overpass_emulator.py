"""A local Overpass API emulator for the test-suite.

The product downloads OpenStreetMap data through osmnx, which talks to an
Overpass API server over HTTP. Tests must exercise that real download path
without internet access, so this module serves a real OSM extract (``.osm``,
``.osm.bz2`` or ``.osm.pbf``, read with pyosmium) from a small HTTP server on
``127.0.0.1`` that understands the subset of Overpass QL osmnx 2.x sends.

Supported endpoints (below the emulator's ``url``, e.g.
``http://127.0.0.1:PORT/api``):

``/interpreter``
    ``POST`` with a form-encoded ``data=`` field (what osmnx sends), ``POST``
    with the raw query as body, or ``GET ?data=``. Answers Overpass JSON.
``/status``
    ``GET``; answers the plain-text status page osmnx parses for its rate
    limit check, always reporting free slots.

Supported Overpass QL (anything else is answered with HTTP 400, like a parse
error on a real server, so unsupported queries fail loudly):

- leading settings blocks such as ``[out:json][timeout:180][maxsize:N];``
  (accepted and ignored; only JSON output exists);
- query statements ``node``, ``way``, ``relation`` (or ``rel``) and ``nwr``
  followed by any number of filters:

  - tag filters ``["k"]``, ``[!"k"]``, ``["k"="v"]``, ``["k"!="v"]``,
    ``["k"~"re"]``, ``["k"!~"re"]`` (the regex forms also with ``,i``);
    keys and values may be double-quoted, single-quoted (osmnx uses Python
    ``repr``, so it sends single quotes) or bare words;
  - area filters ``(poly:"lat lon lat lon ...")`` and ``(south,west,north,east)``;

- unions ``( ... );``, the default set ``._``, recursion down ``>`` and
  ``>>``, and ``out;`` (also ``out body;``).

Spatial semantics follow the real server: a node matches an area when it lies
inside or on its boundary, a way when its line intersects the area (so a way
crossing the area without a node inside matches too), a relation when any of
its member nodes or member ways matches.

Real extracts are clipped, real Overpass data is not. To keep the emulator's
answers self-consistent (every node a way references is in the answer, as on
a real server) each way is reduced, at load time, to its longest run of
consecutive nodes present in the extract; ways left with fewer than two nodes
are dropped. Relations keep their member lists as stored in the extract (a
member may therefore be missing from answers, which osmnx tolerates). Tag
values are passed through unchanged, including literal ``"nan"``/``"None"``.

Failure injection (for error-handling tests): ``fail_with`` answers
interpreter requests with an HTTP error status, ``delay_s`` sleeps before
answering interpreter requests, ``malformed`` answers 200 with a truncated
JSON body. The status endpoint is never failed or delayed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import numpy as np
import osmium
import shapely

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable
    from types import TracebackType

GENERATOR = "safepassage-test-emulator"
"""Value of the ``generator`` field of every JSON answer."""

API_PREFIX = "/api"
"""Path prefix of the emulated API (osmnx's default URL also ends in ``/api``)."""

_KIND_NAMES = {"n": "node", "w": "way", "r": "relation"}
_QUERY_KINDS = {
    "node": ("node",),
    "way": ("way",),
    "relation": ("relation",),
    "rel": ("relation",),
    "nwr": ("node", "way", "relation"),
}


class OverpassQueryError(ValueError):
    """An Overpass QL query the emulator cannot parse or does not support."""


# ---------------------------------------------------------------------------
# the extract
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OsmExtract:
    """An OSM extract held in memory, with spatial indexes.

    Attributes
    ----------
    path
        The file the extract was read from.
    nodes
        ``{node id: (lat, lon, tags)}``.
    ways
        ``{way id: (node ids, tags)}``; node lists are trimmed to the longest
        run of nodes present in the extract (see the module docstring).
    relations
        ``{relation id: (members, tags)}`` with members as
        ``(kind, ref, role)`` where kind is ``"node"``, ``"way"`` or
        ``"relation"``.
    dropped_ways
        Number of ways dropped because fewer than two of their nodes are in
        the extract.
    trimmed_ways
        Number of ways whose node list was trimmed.
    """

    path: Path
    nodes: dict[int, tuple[float, float, dict[str, str]]]
    ways: dict[int, tuple[tuple[int, ...], dict[str, str]]]
    relations: dict[int, tuple[tuple[tuple[str, int, str], ...], dict[str, str]]]
    dropped_ways: int
    trimmed_ways: int
    _node_ids: np.ndarray = field(repr=False)
    _node_lon: np.ndarray = field(repr=False)
    _node_lat: np.ndarray = field(repr=False)
    _way_ids: np.ndarray = field(repr=False)
    _way_tree: shapely.STRtree = field(repr=False)
    _tagged_node_ids: tuple[int, ...] = field(repr=False)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounding box of all nodes as ``(south, west, north, east)`` in degrees."""
        return (
            float(self._node_lat.min()),
            float(self._node_lon.min()),
            float(self._node_lat.max()),
            float(self._node_lon.max()),
        )

    @property
    def center(self) -> tuple[float, float]:
        """Centre of :attr:`bounds` as ``(lat, lon)``."""
        south, west, north, east = self.bounds
        return ((south + north) / 2, (west + east) / 2)

    def nodes_in(self, area: shapely.Geometry) -> set[int]:
        """Return the ids of nodes inside or on the boundary of ``area``.

        Parameters
        ----------
        area
            A (prepared or unprepared) shapely geometry in lon/lat.

        Returns
        -------
        set of int
            Matching node ids.
        """
        mask = shapely.intersects_xy(area, self._node_lon, self._node_lat)
        return set(self._node_ids[mask].tolist())

    def ways_in(self, area: shapely.Geometry) -> set[int]:
        """Return the ids of ways whose geometry intersects ``area``.

        Parameters
        ----------
        area
            A shapely geometry in lon/lat.

        Returns
        -------
        set of int
            Matching way ids.
        """
        hits = self._way_tree.query(area, predicate="intersects")
        return set(self._way_ids[hits].tolist())

    def tagged_node_ids(self) -> tuple[int, ...]:
        """Return the ids of nodes that have at least one tag.

        Returns
        -------
        tuple of int
            Node ids, in file order.
        """
        return self._tagged_node_ids


def _longest_present_run(refs: list[int], present: dict[int, Any]) -> list[int]:
    """Return the longest run of consecutive ``refs`` that are keys of ``present``."""
    best: list[int] = []
    run: list[int] = []
    for ref in refs:
        if ref in present:
            run.append(ref)
            if len(run) > len(best):
                best = run
        else:
            run = []
    return list(best)


@functools.lru_cache(maxsize=8)
def _load_extract_cached(path: str, mtime_ns: int, size: int) -> OsmExtract:
    """Read an extract (cached on path, modification time and size)."""
    del mtime_ns, size  # only part of the cache key
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    raw_ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    relations: dict[int, tuple[tuple[tuple[str, int, str], ...], dict[str, str]]] = {}
    for obj in osmium.FileProcessor(path):
        if obj.is_node():
            if obj.location.valid():
                nodes[obj.id] = (obj.location.lat, obj.location.lon, dict(obj.tags))
        elif obj.is_way():
            raw_ways[obj.id] = ([n.ref for n in obj.nodes], dict(obj.tags))
        elif obj.is_relation():
            members = tuple((_KIND_NAMES[m.type], m.ref, m.role) for m in obj.members)
            relations[obj.id] = (members, dict(obj.tags))
    if not nodes:
        msg = f"{path}: the extract contains no nodes with valid locations"
        raise ValueError(msg)

    ways: dict[int, tuple[tuple[int, ...], dict[str, str]]] = {}
    dropped = trimmed = 0
    for way_id, (refs, tags) in raw_ways.items():
        kept = _longest_present_run(refs, nodes)
        if len(kept) < 2:
            dropped += 1
            continue
        if len(kept) != len(refs):
            trimmed += 1
        ways[way_id] = (tuple(kept), tags)

    node_ids = np.fromiter(nodes.keys(), dtype=np.int64, count=len(nodes))
    node_lat = np.fromiter((v[0] for v in nodes.values()), dtype=float, count=len(nodes))
    node_lon = np.fromiter((v[1] for v in nodes.values()), dtype=float, count=len(nodes))
    way_ids = np.fromiter(ways.keys(), dtype=np.int64, count=len(ways))
    lines = [
        shapely.LineString([(nodes[r][1], nodes[r][0]) for r in refs]) for refs, _ in ways.values()
    ]
    tagged = tuple(node_id for node_id, (_, _, tags) in nodes.items() if tags)
    return OsmExtract(
        path=Path(path),
        nodes=nodes,
        ways=ways,
        relations=relations,
        dropped_ways=dropped,
        trimmed_ways=trimmed,
        _node_ids=node_ids,
        _node_lon=node_lon,
        _node_lat=node_lat,
        _way_ids=way_ids,
        _way_tree=shapely.STRtree(lines),
        _tagged_node_ids=tagged,
    )


def load_extract(osm_path: str | os.PathLike[str]) -> OsmExtract:
    """Load an OSM extract into memory (cached while the file is unchanged).

    Parameters
    ----------
    osm_path
        A ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.

    Returns
    -------
    OsmExtract
        The extract with its spatial indexes. Treat it as read-only: it is
        shared between emulators serving the same file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file holds no nodes with valid locations.
    """
    path = Path(osm_path).resolve()
    stat = path.stat()
    return _load_extract_cached(str(path), stat.st_mtime_ns, stat.st_size)


# ---------------------------------------------------------------------------
# Overpass QL: tokens, statements, evaluation
# ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<skip>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>\._|>>|<<|!=|!~|->|[()\[\];:,=~!<>.])
  | (?P<word>[A-Za-z0-9_+\-.]+(?::[A-Za-z0-9_+\-.]+)*)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t"}


@dataclass(frozen=True)
class _Token:
    kind: Literal["string", "op", "word", "end"]
    text: str
    pos: int


def _unescape(quoted: str) -> str:
    """Strip the quotes of a QL string literal and resolve backslash escapes."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted[1:-1])


def _tokenize(query: str) -> list[_Token]:
    """Split an Overpass QL query into tokens.

    Raises
    ------
    OverpassQueryError
        On characters that start no token.
    """
    tokens: list[_Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN_RE.match(query, pos)
        if match is None:
            msg = f"parse error at character {pos}: unexpected {query[pos : pos + 20]!r}"
            raise OverpassQueryError(msg)
        kind = match.lastgroup
        if kind == "string":
            tokens.append(_Token("string", _unescape(match.group()), pos))
        elif kind in ("op", "word"):
            tokens.append(_Token(kind, match.group(), pos))  # type: ignore[arg-type]
        pos = match.end()
    tokens.append(_Token("end", "", pos))
    return tokens


@dataclass(frozen=True)
class TagFilter:
    """One Overpass tag filter such as ``["highway"!~"motor"]``.

    Attributes
    ----------
    key
        The tag key.
    op
        ``"has"`` (``["k"]``), ``"lacks"`` (``[!"k"]``), ``"eq"``, ``"ne"``,
        ``"match"`` (``~``) or ``"no_match"`` (``!~``).
    value
        The value or regular expression (``None`` for ``has``/``lacks``).
    ignore_case
        Regex flag ``,i``.
    """

    key: str
    op: Literal["has", "lacks", "eq", "ne", "match", "no_match"]
    value: str | None = None
    ignore_case: bool = False

    @functools.cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(self.value or "", re.IGNORECASE if self.ignore_case else 0)

    @property
    def needs_tags(self) -> bool:
        """Whether only elements with at least one tag can pass this filter."""
        return self.op in ("has", "eq", "match")

    def matches(self, tags: dict[str, str]) -> bool:
        """Apply the filter to an element's tags with Overpass semantics.

        Regular expressions are searched unanchored and case-sensitively
        (unless ``,i``); negated forms match elements lacking the key.

        Parameters
        ----------
        tags
            The element's tags.

        Returns
        -------
        bool
            Whether the element passes.
        """
        value = tags.get(self.key)
        if self.op == "has":
            return value is not None
        if self.op == "lacks":
            return value is None
        if self.op == "eq":
            return value == self.value
        if self.op == "ne":
            return value != self.value
        if self.op == "match":
            return value is not None and self._regex.search(value) is not None
        return value is None or self._regex.search(value) is None


@dataclass(frozen=True)
class QueryStatement:
    """``node|way|relation|nwr`` with tag and area filters.

    Attributes
    ----------
    kinds
        Element kinds searched.
    tag_filters
        All must pass.
    areas
        ``(source text, geometry)`` pairs; the element must match all of them.
    """

    kinds: tuple[str, ...]
    tag_filters: tuple[TagFilter, ...]
    areas: tuple[tuple[str, shapely.Geometry], ...]


@dataclass(frozen=True)
class UnionStatement:
    """``( statement; ... );``: the union of the members' results."""

    members: tuple[Statement, ...]


@dataclass(frozen=True)
class DefaultSetStatement:
    """``._;``: the current default set."""


@dataclass(frozen=True)
class RecurseStatement:
    """``>;`` (one level down, ways to nodes) or ``>>;`` (transitively)."""

    transitive: bool


@dataclass(frozen=True)
class OutStatement:
    """``out;``: print the current default set."""


Statement = QueryStatement | UnionStatement | DefaultSetStatement | RecurseStatement | OutStatement


@dataclass
class ElementSet:
    """A set of OSM elements, split by kind.

    Attributes
    ----------
    node, way, relation
        Element ids of each kind.
    """

    node: set[int] = field(default_factory=set)
    way: set[int] = field(default_factory=set)
    relation: set[int] = field(default_factory=set)

    def update(self, other: ElementSet) -> None:
        """Add the elements of ``other`` in place."""
        self.node |= other.node
        self.way |= other.way
        self.relation |= other.relation

    def __len__(self) -> int:
        return len(self.node) + len(self.way) + len(self.relation)


class _Parser:
    """Recursive-descent parser for the supported Overpass QL subset."""

    def __init__(self, query: str) -> None:
        self.tokens = _tokenize(query)
        self.index = 0

    # -- token helpers -----------------------------------------------------
    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _error(self, expected: str) -> OverpassQueryError:
        token = self.current
        found = "end of query" if token.kind == "end" else repr(token.text)
        return OverpassQueryError(
            f"parse error at character {token.pos}: expected {expected}, found {found}"
        )

    def _next(self) -> _Token:
        token = self.current
        if token.kind != "end":
            self.index += 1
        return token

    def _accept(self, text: str) -> bool:
        if self.current.kind == "op" and self.current.text == text:
            self.index += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        if not self._accept(text):
            raise self._error(repr(text))

    def _literal(self, what: str) -> str:
        token = self.current
        if token.kind not in ("string", "word"):
            raise self._error(what)
        self.index += 1
        return token.text

    # -- grammar -----------------------------------------------------------
    def parse(self) -> tuple[Statement, ...]:
        # settings: [out:json][timeout:180][maxsize:...];
        if self.current.kind == "op" and self.current.text == "[":
            while self._accept("["):
                setting = ""
                while not self._accept("]"):
                    if self.current.kind == "end":
                        raise self._error("']'")
                    setting += self._next().text
                name, _, value = setting.partition(":")
                if name == "out" and value != "json":
                    msg = f"the emulator only produces JSON output, not [out:{value}]"
                    raise OverpassQueryError(msg)
            self._expect(";")
        statements = self._statements(closing=None)
        if not any(_contains_out(s) for s in statements):
            msg = "the query has no out statement, so it would print nothing"
            raise OverpassQueryError(msg)
        return statements

    def _statements(self, closing: str | None) -> tuple[Statement, ...]:
        statements: list[Statement] = []
        while True:
            token = self.current
            if closing is None and token.kind == "end":
                return tuple(statements)
            if closing is not None and token.kind == "op" and token.text == closing:
                return tuple(statements)
            statements.append(self._statement())

    def _statement(self) -> Statement:
        token = self.current
        statement: Statement
        if self._accept("("):
            statement = UnionStatement(self._statements(closing=")"))
            self._expect(")")
        elif self._accept("._"):
            statement = DefaultSetStatement()
        elif self._accept(">>"):
            statement = RecurseStatement(transitive=True)
        elif self._accept(">"):
            statement = RecurseStatement(transitive=False)
        elif token.kind == "word" and token.text == "out":
            self.index += 1
            while self.current.kind == "word":
                verbosity = self._next().text
                if verbosity != "body":
                    msg = f"'out {verbosity}' is not supported by the emulator (only 'out;')"
                    raise OverpassQueryError(msg)
            statement = OutStatement()
        elif token.kind == "word" and token.text in _QUERY_KINDS:
            self.index += 1
            statement = self._query(_QUERY_KINDS[token.text])
        else:
            raise self._error("a statement")
        if self.current.kind == "op" and self.current.text == "->":
            msg = "named sets ('->.name') are not supported by the emulator"
            raise OverpassQueryError(msg)
        self._expect(";")
        return statement

    def _query(self, kinds: tuple[str, ...]) -> QueryStatement:
        tag_filters: list[TagFilter] = []
        areas: list[tuple[str, shapely.Geometry]] = []
        while True:
            if self._accept("["):
                tag_filters.append(self._tag_filter())
            elif self._accept("("):
                areas.append(self._area())
            else:
                return QueryStatement(kinds, tuple(tag_filters), tuple(areas))

    def _tag_filter(self) -> TagFilter:
        if self._accept("!"):
            key = self._literal("a key")
            self._expect("]")
            return TagFilter(key, "lacks")
        if self.current.kind == "op" and self.current.text == "~":
            msg = 'key regular expressions (\'[~"k"~"v"]\') are not supported by the emulator'
            raise OverpassQueryError(msg)
        key = self._literal("a key")
        if self._accept("]"):
            return TagFilter(key, "has")
        ops: dict[str, Literal["eq", "ne", "match", "no_match"]] = {
            "=": "eq",
            "!=": "ne",
            "~": "match",
            "!~": "no_match",
        }
        token = self.current
        if token.kind != "op" or token.text not in ops:
            raise self._error("'=', '!=', '~' or '!~'")
        self.index += 1
        op = ops[token.text]
        value = self._literal("a value")
        ignore_case = False
        if op in ("match", "no_match") and self._accept(","):
            if self._literal("'i'") != "i":
                raise self._error("'i'")
            ignore_case = True
        self._expect("]")
        if op in ("match", "no_match"):
            try:
                re.compile(value)
            except re.error as exc:
                msg = f"invalid regular expression {value!r}: {exc}"
                raise OverpassQueryError(msg) from exc
        return TagFilter(key, op, value, ignore_case)

    def _area(self) -> tuple[str, shapely.Geometry]:
        token = self.current
        if token.kind == "word" and token.text == "poly":
            self.index += 1
            self._expect(":")
            if self.current.kind != "string":
                raise self._error("a quoted coordinate list")
            source = self._next().text
            self._expect(")")
            return source, _parse_poly(source)
        numbers: list[float] = []
        while True:
            numbers.append(self._number())
            if self._accept(")"):
                break
            self._expect(",")
        if len(numbers) != 4:
            msg = "only (poly:...) and (south,west,north,east) area filters are supported"
            raise OverpassQueryError(msg)
        south, west, north, east = numbers
        if south > north or west > east:
            msg = f"invalid bounding box {numbers}"
            raise OverpassQueryError(msg)
        return ",".join(map(str, numbers)), shapely.box(west, south, east, north)

    def _number(self) -> float:
        token = self.current
        try:
            value = float(token.text) if token.kind == "word" else None
        except ValueError:
            value = None
        if value is None:
            raise self._error(
                "a number (only (poly:...) and (south,west,north,east) area filters are supported)"
            )
        self.index += 1
        return value


def _contains_out(statement: Statement) -> bool:
    if isinstance(statement, OutStatement):
        return True
    if isinstance(statement, UnionStatement):
        return any(_contains_out(s) for s in statement.members)
    return False


def _parse_poly(source: str) -> shapely.Geometry:
    """Turn an Overpass ``poly`` string ``"lat lon lat lon ..."`` into a polygon."""
    try:
        numbers = [float(part) for part in source.split()]
    except ValueError as exc:
        msg = f"poly: coordinates must be numbers: {exc}"
        raise OverpassQueryError(msg) from exc
    if len(numbers) % 2 or len(numbers) < 6:
        msg = "poly: needs an even number of coordinates, at least three points"
        raise OverpassQueryError(msg)
    lat_lon = np.asarray(numbers).reshape(-1, 2)
    if np.any(np.abs(lat_lon[:, 0]) > 90) or np.any(np.abs(lat_lon[:, 1]) > 180):
        msg = "poly: coordinates must be 'lat lon' pairs in degrees"
        raise OverpassQueryError(msg)
    polygon = shapely.Polygon(lat_lon[:, ::-1])
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    shapely.prepare(polygon)
    return polygon


def parse_query(query: str) -> tuple[Statement, ...]:
    """Parse an Overpass QL query of the supported subset.

    Parameters
    ----------
    query
        The Overpass QL text.

    Returns
    -------
    tuple of Statement
        The top-level statements (settings are validated and dropped).

    Raises
    ------
    OverpassQueryError
        If the query is malformed or uses unsupported syntax.
    """
    return _Parser(query).parse()


class _Evaluator:
    """Runs parsed statements against an extract, collecting ``out`` results."""

    def __init__(self, extract: OsmExtract) -> None:
        self.extract = extract
        self.outputs: list[ElementSet] = []
        self._area_nodes: dict[str, set[int]] = {}
        self._area_ways: dict[str, set[int]] = {}

    def run(self, statements: Iterable[Statement], current: ElementSet) -> ElementSet:
        for statement in statements:
            current = self._run_one(statement, current)
        return current

    def _run_one(self, statement: Statement, current: ElementSet) -> ElementSet:
        if isinstance(statement, QueryStatement):
            return self._query(statement)
        if isinstance(statement, UnionStatement):
            result = ElementSet()
            for member in statement.members:
                current = self._run_one(member, current)
                result.update(current)
            return result
        if isinstance(statement, DefaultSetStatement):
            return current
        if isinstance(statement, RecurseStatement):
            return self._recurse_down(current, transitive=statement.transitive)
        self.outputs.append(current)
        return current

    # -- areas ----------------------------------------------------------------
    def _nodes_in(self, source: str, area: shapely.Geometry) -> set[int]:
        if source not in self._area_nodes:
            self._area_nodes[source] = self.extract.nodes_in(area)
        return self._area_nodes[source]

    def _ways_in(self, source: str, area: shapely.Geometry) -> set[int]:
        if source not in self._area_ways:
            self._area_ways[source] = self.extract.ways_in(area)
        return self._area_ways[source]

    def _relation_in(
        self, members: tuple[tuple[str, int, str], ...], source: str, area: shapely.Geometry
    ) -> bool:
        nodes_in = self._nodes_in(source, area)
        ways_in = self._ways_in(source, area)
        return any(
            (kind == "node" and ref in nodes_in) or (kind == "way" and ref in ways_in)
            for kind, ref, _ in members
        )

    # -- statements -----------------------------------------------------------
    def _query(self, statement: QueryStatement) -> ElementSet:
        extract = self.extract
        filters = statement.tag_filters
        result = ElementSet()

        def passes(tags: dict[str, str]) -> bool:
            return all(f.matches(tags) for f in filters)

        if "node" in statement.kinds:
            if any(f.needs_tags for f in filters):
                candidates: Iterable[int] = extract.tagged_node_ids()
            else:
                candidates = extract.nodes.keys()
            selected = {n for n in candidates if passes(extract.nodes[n][2])}
            for source, area in statement.areas:
                selected &= self._nodes_in(source, area)
            result.node = selected
        if "way" in statement.kinds:
            way_ids: set[int] = set(extract.ways)
            for source, area in statement.areas:
                way_ids &= self._ways_in(source, area)
            result.way = {w for w in way_ids if passes(extract.ways[w][1])}
        if "relation" in statement.kinds:
            result.relation = {
                r
                for r, (members, tags) in extract.relations.items()
                if passes(tags)
                and all(self._relation_in(members, src, area) for src, area in statement.areas)
            }
        return result

    def _recurse_down(self, current: ElementSet, *, transitive: bool) -> ElementSet:
        extract = self.extract
        result = ElementSet()
        relations = set(current.relation)
        pending = set(relations)
        while pending:
            next_pending: set[int] = set()
            for rel_id in pending:
                for kind, ref, _ in extract.relations[rel_id][0]:
                    if kind == "node" and ref in extract.nodes:
                        result.node.add(ref)
                    elif kind == "way" and ref in extract.ways:
                        result.way.add(ref)
                    elif (
                        transitive
                        and kind == "relation"
                        and ref in extract.relations
                        and ref not in relations
                    ):
                        relations.add(ref)
                        result.relation.add(ref)
                        next_pending.add(ref)
            pending = next_pending
        for way_id in current.way | result.way:
            result.node.update(extract.ways[way_id][0])
        return result


def _element_json(extract: OsmExtract, kind: str, element_id: int) -> dict[str, Any]:
    """Render one element the way Overpass's JSON ``out;`` (body) does."""
    element: dict[str, Any] = {"type": kind, "id": element_id}
    if kind == "node":
        lat, lon, tags = extract.nodes[element_id]
        element["lat"] = lat
        element["lon"] = lon
    elif kind == "way":
        refs, tags = extract.ways[element_id]
        element["nodes"] = list(refs)
    else:
        members, tags = extract.relations[element_id]
        element["members"] = [
            {"type": member_kind, "ref": ref, "role": role} for member_kind, ref, role in members
        ]
    if tags:  # like the real server, untagged elements carry no "tags" key
        element["tags"] = dict(tags)
    return element


def run_query(extract: OsmExtract, query: str) -> dict[str, Any]:
    """Answer an Overpass QL query against an extract.

    Parameters
    ----------
    extract
        The data to query.
    query
        Overpass QL text of the supported subset.

    Returns
    -------
    dict
        Overpass JSON: ``version``, ``generator``, ``osm3s`` and ``elements``
        (each ``out`` prints its set as nodes, then ways, then relations,
        each sorted by id, as the real server does).

    Raises
    ------
    OverpassQueryError
        If the query is malformed or unsupported.
    """
    evaluator = _Evaluator(extract)
    evaluator.run(parse_query(query), ElementSet())
    elements: list[dict[str, Any]] = []
    for output in evaluator.outputs:
        for kind, ids in (
            ("node", output.node),
            ("way", output.way),
            ("relation", output.relation),
        ):
            elements.extend(_element_json(extract, kind, i) for i in sorted(ids))
    return {
        "version": 0.6,
        "generator": GENERATOR,
        "osm3s": {
            "timestamp_osm_base": "1970-01-01T00:00:00Z",
            "copyright": "The data included in this document is from www.openstreetmap.org. "
            "The data is made available under ODbL.",
        },
        "elements": elements,
    }


# ---------------------------------------------------------------------------
# the HTTP server
# ---------------------------------------------------------------------------


class _EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: OverpassEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    server: _EmulatorHTTPServer
    server_version = "SafePassageOverpassEmulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    # -- responses --------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its time-out expired)

    def _send_text(self, status: int, text: str, content_type: str = "text/plain") -> None:
        self._send(status, text.encode("utf-8"), f"{content_type}; charset=utf-8")

    # -- routing ---------------------------------------------------------------
    def do_GET(self) -> None:
        """Serve ``/status`` and ``/interpreter?data=...``."""
        parts = urlsplit(self.path)
        if parts.path == f"{API_PREFIX}/status":
            self.server.emulator._record(parts.path, "")
            self._send_text(HTTPStatus.OK, self.server.emulator.status_text())
        elif parts.path == f"{API_PREFIX}/interpreter":
            query = parse_qs(parts.query, keep_blank_values=True).get("data", [""])[0]
            self._interpret(parts.path, query)
        else:
            self._send_text(HTTPStatus.NOT_FOUND, f"no such endpoint: {parts.path}\n")

    def do_POST(self) -> None:
        """Serve ``/interpreter`` with a form-encoded ``data=`` field or a raw query."""
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        if parts.path != f"{API_PREFIX}/interpreter":
            self._send_text(HTTPStatus.NOT_FOUND, f"no such endpoint: {parts.path}\n")
            return
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/x-www-form-urlencoded") or body.startswith("data="):
            query = parse_qs(body, keep_blank_values=True).get("data", [""])[0]
        else:
            query = body
        self._interpret(parts.path, query)

    def _interpret(self, path: str, query: str) -> None:
        emulator = self.server.emulator
        emulator._record(path, query)
        if emulator.delay_s > 0 and emulator._stopping.wait(emulator.delay_s):
            return  # the emulator is shutting down: drop the request
        if emulator._take_failure():
            status = HTTPStatus(emulator.fail_with)
            text = (
                f"<html><body><p>{status.value} {status.phrase}</p>"
                "<p>(injected by the Safe Passages Overpass emulator)</p></body></html>\n"
            )
            self._send_text(status.value, text, content_type="text/html")
            return
        try:
            answer = run_query(emulator.extract, query)
        except OverpassQueryError as exc:
            text = (
                '<html><body><p><strong style="color:#FF0000">Error</strong>: '
                f"{exc}</p></body></html>\n"
            )
            self._send_text(HTTPStatus.BAD_REQUEST, text, content_type="text/html")
            return
        body = json.dumps(answer).encode("utf-8")
        if emulator.malformed:
            body = body[: len(body) // 2]
        self._send(HTTPStatus.OK, body, "application/json")


class OverpassEmulator:
    """A local HTTP server answering osmnx's Overpass requests from an extract.

    Use as a context manager (or call :meth:`start` and :meth:`stop`)::

        with OverpassEmulator(path) as emulator:
            ox.settings.overpass_url = emulator.url
            ...

    Parameters
    ----------
    osm_path
        The OSM extract (``.osm``, ``.osm.bz2`` or ``.osm.pbf``) to serve.
    fail_with
        If set, an HTTP status code (e.g. ``429``, ``504``) with which
        interpreter requests are answered instead of data.
    fail_count
        With ``fail_with``, fail only the first ``fail_count`` interpreter
        requests and answer normally afterwards; ``None`` fails all.
    delay_s
        Seconds to wait before answering each interpreter request.
    malformed
        If True, answer interpreter requests with status 200 and a truncated
        (invalid) JSON body.

    Attributes
    ----------
    extract
        The loaded data (shared, read-only).
    requests
        ``(path, query text)`` of every request received, in order; the query
        text is ``""`` for status requests.
    """

    STATUS_SLOTS: ClassVar[int] = 2
    """Number of free slots the status page reports."""

    def __init__(
        self,
        osm_path: str | os.PathLike[str],
        *,
        fail_with: int | None = None,
        fail_count: int | None = None,
        delay_s: float = 0.0,
        malformed: bool = False,
    ) -> None:
        if fail_with is not None:
            HTTPStatus(fail_with)  # raises ValueError on unknown codes
            if fail_with < 400:
                msg = f"fail_with must be an HTTP error status (>= 400), not {fail_with}"
                raise ValueError(msg)
        if fail_count is not None and fail_count < 0:
            msg = f"fail_count must be >= 0, not {fail_count}"
            raise ValueError(msg)
        if delay_s < 0:
            msg = f"delay_s must be >= 0, not {delay_s}"
            raise ValueError(msg)
        self.extract = load_extract(osm_path)
        self.fail_with = fail_with
        self.fail_count = fail_count
        self.delay_s = float(delay_s)
        self.malformed = malformed
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._failures = 0
        self._stopping = threading.Event()
        self._server: _EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> OverpassEmulator:
        """Start serving in a daemon thread (idempotent).

        Returns
        -------
        OverpassEmulator
            ``self``, for chaining.
        """
        if self._server is None:
            self._stopping.clear()
            self._server = _EmulatorHTTPServer(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"overpass-emulator-{self._server.server_address[1]}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent).

        Requests still waiting on ``delay_s`` are dropped without an answer.
        """
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> OverpassEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- information ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the server is currently serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The TCP port the server listens on.

        Raises
        ------
        RuntimeError
            If the emulator is not running.
        """
        if self._server is None:
            msg = "the Overpass emulator is not running; use it as a context manager or start()"
            raise RuntimeError(msg)
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL to give osmnx as ``settings.overpass_url``, e.g. ``http://127.0.0.1:PORT/api``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def interpreter_queries(self) -> list[str]:
        """Query texts of all interpreter requests received, in order."""
        with self._lock:
            return [q for p, q in self.requests if p.endswith("/interpreter")]

    @property
    def status_requests(self) -> int:
        """Number of status requests received."""
        with self._lock:
            return sum(1 for p, _ in self.requests if p.endswith("/status"))

    def status_text(self) -> str:
        """Return the status page, in the format of the real ``/api/status``.

        osmnx reads the first word of the fifth line; a number there means
        that many query slots are free, so it does not pause.

        Returns
        -------
        str
            The status page text.
        """
        now = dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            "Connected as: 2130706433\n"
            f"Current time: {now}\n"
            "Announced endpoint: none\n"
            f"Rate limit: {self.STATUS_SLOTS}\n"
            f"{self.STATUS_SLOTS} slots available now.\n"
            "Currently running queries (pid, space limit, time limit, start time):\n"
        )

    def answer(self, query: str) -> dict[str, Any]:
        """Answer a query directly, without HTTP or failure injection.

        Parameters
        ----------
        query
            Overpass QL text.

        Returns
        -------
        dict
            The Overpass JSON answer.
        """
        return run_query(self.extract, query)

    # -- used by the request handler ------------------------------------------------
    def _record(self, path: str, query: str) -> None:
        with self._lock:
            self.requests.append((path, query))

    def _take_failure(self) -> bool:
        """Whether this interpreter request must be failed (and count it)."""
        if self.fail_with is None:
            return False
        with self._lock:
            if self.fail_count is not None and self._failures >= self.fail_count:
                return False
            self._failures += 1
            return True
