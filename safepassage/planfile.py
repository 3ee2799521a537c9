"""Planner adjustments for ``safepassage coverage``: a plan file in YAML or JSON.

Example (``plan.yaml``)::

    site: Jordan Downs            # optional; the command line's source options win
    profile: child                # built-in name or a .toml file (relative to this file)
    radius_m: 250                 # walking radius one officer covers
    officers: {arrival: 4, dismissal: 6, evening: 3}   # or one number for every window
    windows: [arrival, dismissal, evening]
    locked:                       # posts that must stay
      - {name: School gate, lat: 33.9461, lon: -118.2351}
      - {post: "S Grand Ave & W 5th St"}   # forgiving: case, abbreviations, street order
    banned:                       # places no officer is posted
      - {lat: 33.9440, lon: -118.2330, radius_m: 40}
      - construction.geojson      # polygons (a path relative to this file)
    extra_posts:                  # candidate posts a planner adds
      - {name: Library steps, lat: 33.9450, lon: -118.2340}
    target_coverage: 0.9          # fewest officers covering 90 % (instead of `officers`)
    backup: {factor: 0.5, top_share: 0.2}   # or true
    max_detour_pct: 25
    beats: {minutes: 20}          # walking beats from the posts (or: beats: true)
    since: 2020-01-01             # incidents that occurred in this period (inclusive)
    until: 2020-06-30

Every key is optional. Errors name the file, the key and the bad value, e.g.
``plan.yaml: officers.dismissal must be a whole number from 0 to 500, got 'six'``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import decode_text, load_json, load_yaml, read_input_bytes
from .utils import clean_text

#: Largest plan file read, bytes (a plan is a page of text).
MAX_PLAN_BYTES = 1024 * 1024
#: Most officers on duty in one window, as on the command line.
MAX_OFFICERS = 500
#: Most items in one list of the plan (locked, banned, extra posts).
MAX_ITEMS = 1000

__all__ = ["PlanFile", "load_plan", "parse_plan"]


class _PlanError(Exception):
    """A validation failure at ``key``: ``message`` (the value is part of the message)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key} {message}")
        self.key = key


@dataclass(frozen=True)
class PlanFile:
    """A validated plan file.

    Attributes
    ----------
    path : Path or None
        Where it was read from.
    site : str or None
        CSP site name.
    profile : str or None
        Built-in profile name, or the resolved path of a TOML profile.
    radius_m : float or None
        Walking radius of a post, metres.
    officers : int or dict of str to int or None
        Officers in every window, or per window name.
    windows : list of str or None
        Time windows to plan (names as :func:`safepassage.safety.parse_window` gives them).
    locked : list of dict
        ``{"name", "lat", "lon"}`` or ``{"post": name}``. A name is looked up forgivingly
        ("S Grand Ave & W 5th St" finds "South Grand Avenue & West 5th Street (N corner)", see
        :meth:`safepassage.coverage.CoverageProblem.find`); errors about a locked point name
        it ``locked[i]``.
    banned : list of dict
        ``{"name", "lat", "lon", "radius_m"}`` or ``{"name", "geometry", "radius_m"}`` with a
        WGS84 shapely geometry read from a GeoJSON file.
    extra_posts : list of dict
        ``{"name", "lat", "lon"}``.
    target_coverage : float or None
        Share in (0, 1] to cover with the fewest officers.
    backup : dict or None
        ``{"factor", "top_share"}`` when backup coverage is on.
    max_detour_pct : float or None
        Detour cap of the safest routes.
    beats : dict or None
        Walking beats (``safepassage plan`` adds them when given): ``{"minutes": int,
        "starts": [{"name", "lat", "lon"}, ...]}`` (starts instead of the posts, optional).
    since, until : str or None
        The period of the incidents used (``YYYY-MM-DD``, inclusive).
    """

    path: Path | None = None
    site: str | None = None
    profile: str | None = None
    radius_m: float | None = None
    officers: int | dict[str, int] | None = None
    windows: list[str] | None = None
    locked: list[dict[str, Any]] = field(default_factory=list)
    banned: list[dict[str, Any]] = field(default_factory=list)
    extra_posts: list[dict[str, Any]] = field(default_factory=list)
    target_coverage: float | None = None
    backup: dict[str, float] | None = None
    max_detour_pct: float | None = None
    beats: dict[str, Any] | None = None
    since: str | None = None
    until: str | None = None

    def officers_for(self, window: str) -> int | None:
        """Officers on duty in ``window`` (None when the plan does not say)."""
        if isinstance(self.officers, dict):
            return self.officers.get(window)
        return self.officers

    def planned_windows(self) -> list[str] | None:
        """The windows the plan asks for: ``windows``, else the keys of ``officers``."""
        if self.windows:
            return list(self.windows)
        if isinstance(self.officers, dict):
            return list(self.officers)
        return None


# ---------------------------------------------------------------------------------------------
# Value checks: each takes (value, key, base folder), returns the clean value or raises _PlanError


def _number(value: Any, key: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    out = float(value)
    if not math.isfinite(out):
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    return out


def _positive(value: Any, key: str, base: Path) -> float:
    out = _number(value, key, "a number of metres > 0")
    if not 0 < out <= 5000:
        raise _PlanError(key, f"must be a number of metres > 0 (at most 5000), got {_short(value)}")
    return out


def _bounded(hi: float, unit: str) -> Callable[[Any, str, Path], float]:
    def check(value: Any, key: str, base: Path) -> float:
        what = f"a number from 0 to {hi:g} {unit}"
        out = _number(value, key, what)
        if not 0 <= out <= hi:
            raise _PlanError(key, f"must be {what}, got {_short(value)}")
        return out

    return check


_ban_radius = _bounded(5000.0, "m")


def _count(value: Any, key: str, base: Path | None = None) -> int:
    what = f"a whole number from 0 to {MAX_OFFICERS}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    if not (math.isfinite(value) and float(value).is_integer() and 0 <= value <= MAX_OFFICERS):
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    return int(value)


def _share(value: Any, key: str, base: Path | None = None) -> float:
    what = "a share between 0 and 1 (0.9 for 90 %)"
    out = _number(value, key, what)
    if not 0 < out <= 1:
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    return out


def _text(value: Any, key: str, base: Path | None = None) -> str:
    text = clean_text(value) if isinstance(value, str) else ""
    if not text:
        raise _PlanError(key, f"must be a non-empty text, got {_short(value)}")
    return text


def _short(value: Any) -> str:
    """A value for a message: its repr, cut (a plan may hold anything)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _lat(value: Any, key: str, base: Path | None = None) -> float:
    out = _number(value, key, "a latitude in degrees (-90..90)")
    if not -90 <= out <= 90:
        raise _PlanError(key, f"must be a latitude in degrees (-90..90), got {_short(value)}")
    return out


def _lon(value: Any, key: str, base: Path | None = None) -> float:
    out = _number(value, key, "a longitude in degrees (-180..180)")
    if not -180 <= out <= 180:
        raise _PlanError(key, f"must be a longitude in degrees (-180..180), got {_short(value)}")
    return out


def _date(value: Any, key: str, base: Path | None = None) -> str:
    import datetime as dt

    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()  # YAML reads 2020-06-30 as a date
    what = "a date YYYY-MM-DD"
    if not isinstance(value, str):
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise _PlanError(key, f"must be {what}, got {_short(value)}") from None


def _window(value: Any, key: str) -> str:
    from .safety import parse_window

    what = "a time window (arrival, dismissal, evening or HH:MM-HH:MM)"
    if not isinstance(value, str):
        raise _PlanError(key, f"must be {what}, got {_short(value)}")
    try:
        return parse_window(value).name
    except InputError:
        raise _PlanError(key, f"must be {what}, got {_short(value)}") from None


def _site(value: Any, key: str, base: Path) -> str:
    from .sites import find_site

    name = _text(value, key)
    try:
        find_site(name)
    except InputError as exc:
        raise _PlanError(key, f"is not a CSP site: {exc}") from None
    return name


def _profile(value: Any, key: str, base: Path) -> str:
    from .safety import BUILTIN_PROFILES, load_profile

    name = _text(value, key)
    if name in BUILTIN_PROFILES:
        return name
    path = Path(name) if Path(name).is_absolute() else base / name
    try:
        load_profile(path)
    except InputError as exc:
        raise _PlanError(key, f"{name!r} is not a usable profile: {exc}") from None
    return str(path)


def _officers(value: Any, key: str, base: Path) -> int | dict[str, int]:
    if isinstance(value, Mapping):
        if not value:
            raise _PlanError(key, "must name at least one window, got an empty mapping")
        out: dict[str, int] = {}
        for w, n in value.items():
            name = _window(w, f"{key}.{w}")
            if name in out:
                raise _PlanError(key, f"gives the {name} window twice")
            out[name] = _count(n, f"{key}.{w}")
        return out
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _PlanError(key, f"must be a whole number from 0 to {MAX_OFFICERS} or a mapping "
                              f"window: number, got {_short(value)}")
    return _count(value, key)


def _windows(value: Any, key: str, base: Path) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _PlanError(key, f"must be a list of time windows, got {_short(value)}")
    out = [_window(w, f"{key}[{i}]") for i, w in enumerate(items)]
    if len(set(out)) != len(out):
        raise _PlanError(key, f"lists a window twice: {out}")
    return out


def _record(
    value: Any, key: str, fields: Mapping[str, Callable[[Any, str], Any]], required: set[str]
) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _PlanError(key, f"must be a mapping with {', '.join(sorted(fields))}, "
                              f"got {_short(value)}")
    unknown = sorted(str(k) for k in value if k not in fields)
    if unknown:
        raise _PlanError(key, f"has unknown key(s) {', '.join(unknown)}; allowed: "
                        f"{', '.join(sorted(fields))}")
    missing = sorted(required - set(value))
    if missing:
        raise _PlanError(key, f"needs {', '.join(missing)}")
    return {k: check(value[k], f"{key}.{k}") for k, check in fields.items() if k in value}


_POINT = {"name": _text, "lat": _lat, "lon": _lon}


def _locked_item(value: Any, key: str, base: Path) -> dict[str, Any]:
    if isinstance(value, str):
        return {"post": _text(value, key)}
    if isinstance(value, Mapping) and "post" in value:
        return _record(value, key, {"post": _text, "name": _text}, {"post"})
    return _record(value, key, _POINT, {"lat", "lon"})


def _extra_item(value: Any, key: str, base: Path) -> dict[str, Any]:
    return _record(value, key, _POINT, {"lat", "lon"})


def _polygons(path_text: str, key: str, base: Path) -> Any:
    import shapely

    from .io import read_geojson_features

    path = Path(path_text) if Path(path_text).is_absolute() else base / path_text
    if not path.exists():
        raise _PlanError(key, f"names a file that does not exist: {path_text!r}")
    if path.suffix.lower() not in (".geojson", ".json"):
        raise _PlanError(key, f"names {path.name}, which is not a GeoJSON file (.geojson) of "
                              "polygons")
    try:
        feats = read_geojson_features(path, ("Polygon", "MultiPolygon"), what="banned places",
                                      expect="banned places must be polygons")
    except InputError as exc:
        raise _PlanError(key, f"names an unusable file: {exc}") from None
    return shapely.union_all([shapely.make_valid(g) for _, g, _ in feats])


def _banned_item(value: Any, key: str, base: Path) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": Path(value).name, "geometry": _polygons(value, key, base),
                "radius_m": 0.0}
    if isinstance(value, Mapping) and "file" in value:
        rec = _record(value, key, {"file": _text, "radius_m": lambda v, k: _ban_radius(v, k, base),
                                   "name": _text}, {"file"})
        return {"name": rec.get("name", Path(rec["file"]).name),
                "geometry": _polygons(rec["file"], f"{key}.file", base),
                "radius_m": rec.get("radius_m", 0.0)}
    if isinstance(value, Mapping) and "post" in value:
        return _record(value, key, {"post": _text, "name": _text}, {"post"})
    rec = _record(value, key, {**_POINT, "radius_m": lambda v, k: _ban_radius(v, k, base)},
                  {"lat", "lon"})
    rec.setdefault("radius_m", 30.0)
    return rec


def _list_of(item: Callable[[Any, str, Path], Any]) -> Callable[[Any, str, Path], list[Any]]:
    def check(value: Any, key: str, base: Path) -> list[Any]:
        if not isinstance(value, list):
            raise _PlanError(key, f"must be a list, got {_short(value)}")
        if len(value) > MAX_ITEMS:
            raise _PlanError(key, f"has {len(value):,} items; at most {MAX_ITEMS:,}")
        return [item(v, f"{key}[{i}]", base) for i, v in enumerate(value)]

    return check


def _backup(value: Any, key: str, base: Path) -> dict[str, float] | None:
    if isinstance(value, bool):
        return {"factor": 0.5, "top_share": 0.2} if value else None
    rec = _record(value, key, {"factor": _share, "top_share": _share}, set())
    return {"factor": 0.5, "top_share": 0.2, **rec}


def _beats(value: Any, key: str, base: Path) -> dict[str, Any] | None:
    from .beats import DEFAULT_MINUTES, check_minutes

    if isinstance(value, bool):
        return {"minutes": DEFAULT_MINUTES, "starts": []} if value else None

    def minutes(v: Any, k: str) -> int:
        try:
            return check_minutes(v, k)
        except InputError as exc:
            raise _PlanError(k, str(exc).removeprefix(f"{k} ")) from None

    rec = _record(value, key, {"minutes": minutes,
                               "starts": lambda v, k: _list_of(_extra_item)(v, k, base)}, set())
    return {"minutes": rec.get("minutes", DEFAULT_MINUTES), "starts": rec.get("starts", [])}


#: Every key a plan file may hold, and its check.
_KEYS: dict[str, Callable[[Any, str, Path], Any]] = {
    "site": _site,
    "profile": _profile,
    "radius_m": _positive,
    "officers": _officers,
    "windows": _windows,
    "locked": _list_of(_locked_item),
    "banned": _list_of(_banned_item),
    "extra_posts": _list_of(_extra_item),
    "target_coverage": _share,
    "backup": _backup,
    "max_detour_pct": _bounded(500.0, "%"),
    "since": _date,
    "until": _date,
    "beats": _beats,
}


def parse_plan(data: object, *, where: str = "plan", base: str | Path = ".",
               path: Path | None = None) -> PlanFile:
    """Validate a plan already read into Python objects.

    Parameters
    ----------
    data : mapping
        The plan's content.
    where : str
        Prefix of error messages (the file name).
    base : str or Path
        Folder relative paths (profile, banned polygons) are resolved against.
    path : Path, optional
        Recorded as :attr:`PlanFile.path`.

    Returns
    -------
    PlanFile

    Raises
    ------
    InputError
        Naming the bad key and value, or listing unknown keys.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: must be a mapping of keys ({', '.join(_KEYS)}), got "
                         f"{type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        import difflib

        hints = [f"{k!r} (did you mean {close[0]!r}?)" if close else repr(k)
                 for k in unknown
                 for close in [difflib.get_close_matches(k, list(_KEYS), n=1, cutoff=0.7)]]
        raise InputError(f"{where}: unknown key(s) {', '.join(hints)}; allowed: "
                         f"{', '.join(_KEYS)}")
    clean: dict[str, Any] = {}
    try:
        for key, check in _KEYS.items():
            if key in data and data[key] is not None:
                clean[key] = check(data[key], key, Path(base))
    except _PlanError as exc:
        raise InputError(f"{where}: {exc}") from None
    if clean.get("since") and clean.get("until") and clean["since"] > clean["until"]:
        raise InputError(f"{where}: the period is empty: since {clean['since']} is after "
                         f"until {clean['until']}")
    officers, windows = clean.get("officers"), clean.get("windows")
    if isinstance(officers, dict) and windows:
        missing = [w for w in windows if w not in officers]
        extra = [w for w in officers if w not in windows]
        if missing:
            raise InputError(f"{where}: officers has no count for window(s) "
                             f"{', '.join(missing)} listed in windows")
        if extra:
            raise InputError(f"{where}: officers gives window(s) {', '.join(extra)} that are "
                             "not in windows")
    return PlanFile(path=path, **clean)


def load_plan(path: str | Path) -> PlanFile:
    """Read and validate a plan file (``.yaml``/``.yml`` or ``.json``).

    Parameters
    ----------
    path : str or Path
        The plan file.

    Returns
    -------
    PlanFile

    Raises
    ------
    InputError
        When the file is missing, unreadable, not valid YAML/JSON, or any key or value is bad;
        the message names the file, the key and the value.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputError(f"plan file not found: {path}")
    text = decode_text(read_input_bytes(path, "plan file", max_bytes=MAX_PLAN_BYTES), name)
    data = load_json(text, name) if path.suffix.lower() == ".json" else load_yaml(text, name)
    return parse_plan(data, where=name, base=path.parent, path=path)
