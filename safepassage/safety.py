"""What makes a walk dangerous: profiles, time windows, risk zones, incidents and edge risk.

The cost of walking an edge is its length times a product of factors, each at least 1::

    cost = length × way × arterial × traffic × lighting × sidewalk × zone × incidents
    risk = cost − length          (metres-equivalent of danger, never negative)

plus a fixed crossing cost charged on turns (see :mod:`safepassage.crossings`). Each factor is
documented where it is computed, with the tags it reads and the profile key that sets it:

``way``
    Kind of way (``highway``, ``service``, ``footway``): footways, sidewalks, pedestrian and
    living streets 1.0; paths, residential streets, other streets, service roads, parking
    aisles, alleys, driveways and steps above 1 (``[way]``).
``arterial``
    Walking along a busy road: ``highway`` trunk / primary / secondary / tertiary (and links),
    or LADOT ``busy=True`` (``[arterial]``).
``traffic``
    Volume and speed on such roads: LADOT ``aadt`` above ``aadt_from`` (10,000 vehicles a day),
    ``lanes`` beyond two, ``maxspeed`` above 40 km/h (``[arterial] aadt_from``,
    ``aadt_per_10k``, ``aadt_cap``, ``per_lane_over_2``, ``per_kmh_over_40``).
``lighting``
    ``lit=no`` costs ``1 + use_lit × (unlit − 1) × dark`` where ``dark`` is the share of the time
    window in darkness; ``lit=yes`` and unknown are neutral (``[lighting]``, after Valhalla's
    ``use_lit``).
``sidewalk``
    A street side tagged without a sidewalk (``sidewalk=no|none|left|right``,
    ``sidewalk:left|right=no``) costs ``[way] no_sidewalk`` on that side only.
``zone``
    Share of the edge inside a soft penalty polygon (``[zones] penalty`` or the feature's own
    ``factor``); edges touching a hard avoid polygon are removed.
``incidents``
    ``1 + weight × density × (1 + night × dark)`` where density sums each incident's weight
    times a quartic kernel of its distance to the edge, bandwidth ``[incidents] bandwidth_m``;
    only incidents that occurred in the time window count. An incident's weight comes from its
    kind of crime and its premise (``[incident_classes]``, ``[incident_premises]`` and the code
    tables, see :mod:`safepassage.incidents`); community concerns add to the density the same
    way, in every window (``[concerns] weight``).

Every factor of every edge is kept in :attr:`EdgeRisk.table`, so a planner can see why a route
goes where it goes (:meth:`EdgeRisk.explain`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .incidents import (
    CLASSES,
    PREMISE_KINDS,
    IncidentSet,
    IncidentUse,
    classify,
    expand_codes,
    in_window,
    incident_weights,
)
from .io import check_nesting, clip_to_crs, decode_text, read_input_bytes
from .utils import clean_text
from .ways import ARTERIAL_CLASSES as ARTERIAL_CLASSES
from .ways import ARTERIALS as ARTERIALS
from .ways import FOOT_WAYS as FOOT_WAYS
from .ways import PATH_WAYS as PATH_WAYS
from .ways import ROAD_WAYS as ROAD_WAYS
from .ways import edge_attributes
from .ways import is_arterial as is_arterial
from .ways import is_road as is_road
from .ways import way_kind as way_kind

# ---------------------------------------------------------------------------------------------
# Profiles

#: Built-in profile names (TOML files in ``safepassage/profiles``).
BUILTIN_PROFILES = ("default", "child", "night")

#: Keys allowed in a profile, by section, with their kinds ("factor" must be ≥ 1).
PROFILE_SCHEMA: dict[str, dict[str, str]] = {
    "walk": {"speed_m_per_min": "positive", "max_detour_pct": "nonneg"},
    "way": {k: "factor" for k in (
        "footway", "path", "residential", "street", "service", "parking_aisle", "alley",
        "driveway", "steps", "no_sidewalk")},
    "arterial": {
        "trunk": "factor", "primary": "factor", "secondary": "factor", "tertiary": "factor",
        "busy": "factor", "aadt_from": "nonneg", "aadt_per_10k": "nonneg", "aadt_cap": "nonneg",
        "per_lane_over_2": "nonneg", "per_kmh_over_40": "nonneg",
    },
    "crossing": {**{k: "nonneg" for k in (
        "signal", "stop", "crosswalk", "none", "minor", "minor_signal", "weight_trunk",
        "weight_primary", "weight_secondary", "weight_tertiary", "aadt_from", "aadt_scale",
        "night")}, "aadt_span": "positive", "aadt_max_factor": "factor"},
    "lighting": {"use_lit": "unit", "unlit": "factor"},
    "incidents": {"bandwidth_m": "positive", "weight": "nonneg", "night": "nonneg",
                  "hot_spot": "positive"},
    "incident_classes": {c: "nonneg" for c in CLASSES if c != "unclassified"},
    "incident_premises": {k: "nonneg" for k in PREMISE_KINDS},
    "concerns": {"weight": "nonneg"},
    "zones": {"penalty": "factor"},
}

#: Code tables a profile may hold: LAPD code or range -> one of these names.
TABLE_SCHEMA: dict[str, tuple[str, ...]] = {
    "incident_codes": tuple(c for c in CLASSES if c != "unclassified"),
    "incident_premise_codes": tuple(k for k in PREMISE_KINDS if k != "unknown"),
}


#: Bounds of a profile's values by kind; every error names them. A factor above 100 would
#: mean "never", which is what --avoid is for.
KIND_BOUNDS: dict[str, tuple[float, float]] = {
    "factor": (1.0, 100.0), "positive": (1e-3, 1e6), "nonneg": (0.0, 1e6), "unit": (0.0, 1.0),
}
#: Keys with tighter bounds than their kind's.
KEY_BOUNDS: dict[str, tuple[float, float]] = {
    "walk.max_detour_pct": (0.0, 500.0), "walk.speed_m_per_min": (10.0, 500.0),
    "incidents.bandwidth_m": (1.0, 5000.0),
}


@dataclass(frozen=True)
class Profile:
    """A safety profile: every weight of the cost model.

    Attributes
    ----------
    name : str
    description : str
    values : dict
        ``{section: {key: float}}``, complete (defaults filled in).
    source : str
        Where it came from: "built-in default" or a file path.
    tables : dict
        ``{"incident_codes": {code: class}, "incident_premise_codes": {code: kind}}``, one
        entry per code (ranges expanded; the profile's own entries over the default's).
    """

    name: str
    description: str
    values: Mapping[str, Mapping[str, float]]
    source: str = "built-in"
    tables: Mapping[str, Mapping[int, str]] = field(default_factory=dict)

    def __getitem__(self, section: str) -> Mapping[str, float]:
        return self.values[section]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``plan.json``."""
        return {"name": self.name, "description": self.description, "source": self.source,
                "values": {s: dict(v) for s, v in self.values.items()},
                "tables": {s: {str(k): v for k, v in t.items()} for s, t in self.tables.items()}}


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"profile {where}: not valid TOML ({exc})") from None


def _tables(data: Mapping[str, Any], where: str) -> dict[str, dict[int, str]]:
    """The profile's code tables, checked and expanded (see :func:`expand_codes`)."""
    out: dict[str, dict[int, str]] = {}
    for section, allowed in TABLE_SCHEMA.items():
        body = data.get(section, {})
        if not isinstance(body, Mapping):
            raise InputError(f"profile {where}: [{section}] must be a table")
        for key, value in body.items():
            if value not in allowed:
                raise InputError(f"profile {where}: {section}.{key} must be one of "
                                 f"{', '.join(allowed)}, got {value!r}")
        try:
            out[section] = expand_codes(body, section)
        except InputError as exc:
            raise InputError(f"profile {where}: {exc}") from None
    return out


def _validate(data: Mapping[str, Any], where: str) -> dict[str, dict[str, float]]:
    unknown = [k for k in data if k not in PROFILE_SCHEMA and k not in TABLE_SCHEMA
               and k not in ("name", "description")]
    for section, body in data.items():
        if section in PROFILE_SCHEMA:
            if not isinstance(body, Mapping):
                raise InputError(f"profile {where}: [{section}] must be a table")
            unknown += [f"{section}.{k}" for k in body if k not in PROFILE_SCHEMA[section]]
    if unknown:
        raise InputError(f"profile {where}: unknown key(s) {', '.join(sorted(unknown))}")
    out: dict[str, dict[str, float]] = {}
    for section, kinds in PROFILE_SCHEMA.items():
        body = data.get(section, {})
        out[section] = {}
        for key, value in body.items():
            name = f"{section}.{key}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"profile {where}: {name} must be a number, got {value!r}")
            v = float(value)
            kind = kinds[key]
            lo, hi = KEY_BOUNDS.get(name, KIND_BOUNDS[kind])
            if not (math.isfinite(v) and lo <= v <= hi):
                what = " (a factor: 1 means no extra risk)" if kind == "factor" else ""
                raise InputError(f"profile {where}: {name} = {v:g} must be between {lo:g} and "
                                 f"{hi:g}{what}")
            out[section][key] = v
    return out


def _builtin_text(name: str) -> str:
    return resources.files("safepassage.profiles").joinpath(f"{name}.toml").read_text("utf-8")


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """Load a built-in profile by name or a user's TOML file.

    A profile only needs the keys it changes: everything else comes from the built-in
    ``default`` profile.

    Parameters
    ----------
    name_or_path : str or Path, optional
        "default" (when None), "child", "night", or a path to a TOML file.

    Returns
    -------
    Profile

    Raises
    ------
    InputError
        For an unknown name, a missing or malformed file, unknown keys (named in the message)
        or out-of-range values.
    """
    base_data = _read_toml(_builtin_text("default"), "default")
    base = _validate(base_data, "default")
    name = str(name_or_path) if name_or_path is not None else "default"
    if name in BUILTIN_PROFILES:
        data = _read_toml(_builtin_text(name), name)
        source = f"built-in {name}"
    else:
        path = Path(name)
        if path.suffix.lower() != ".toml" and not path.exists():
            raise InputError(f"unknown profile {name!r}: use one of "
                             f"{', '.join(BUILTIN_PROFILES)} or a .toml file")
        if not path.exists():
            raise InputError(f"profile file not found: {path}")
        where = f"profile {path.name}"
        text = decode_text(read_input_bytes(path, "profile file", max_bytes=1024 * 1024), where)
        check_nesting(text, where)
        data = _read_toml(text, path.name)
        source = str(path)
    values = _validate(data, Path(name).name)
    merged = {s: {**base[s], **values.get(s, {})} for s in PROFILE_SCHEMA}
    base_tables = _tables(base_data, "default")
    own = _tables(data, Path(name).name)
    return Profile(
        name=clean_text(data.get("name")) or clean_text(Path(name).stem) or "profile",
        description=clean_text(data.get("description"), max_chars=500),
        values=merged,
        source=source,
        tables={s: {**base_tables[s], **own[s]} for s in TABLE_SCHEMA},
    )


# ---------------------------------------------------------------------------------------------
# Time windows

#: Named windows: school arrival, school dismissal, evening.
WINDOWS: dict[str, tuple[int, int]] = {
    "arrival": (7 * 60, 8 * 60 + 30),
    "dismissal": (14 * 60, 16 * 60),
    "evening": (18 * 60, 22 * 60),
}

#: Longest custom window, hours: a longer one is almost surely start and end swapped.
MAX_WINDOW_H = 18

#: Darkness, conservatively for the whole year in Los Angeles: from the end of civil twilight
#: on the shortest days (about 17:15) to its start (about 06:30).
DARK_FROM, DARK_UNTIL = 17 * 60 + 15, 6 * 60 + 30


@dataclass(frozen=True)
class TimeWindow:
    """A daily time window, minutes after midnight; may wrap past midnight.

    Attributes
    ----------
    name : str
        "arrival", "dismissal", "evening", "all-day" or the "HH:MM-HH:MM" text.
    start, end : int
        Minutes after midnight; ``end`` may be smaller than ``start`` (wraps).
    """

    name: str
    start: int
    end: int

    @property
    def minutes(self) -> int:
        """Length of the window in minutes."""
        return (self.end - self.start) % 1440 or 1440

    def contains(self, minute: int) -> bool:
        """Whether a minute of the day lies in the window."""
        if self.minutes == 1440:
            return True
        return (minute - self.start) % 1440 < self.minutes

    @property
    def dark_fraction(self) -> float:
        """Share of the window in darkness (see :data:`DARK_FROM`, :data:`DARK_UNTIL`)."""
        dark = sum(
            1 for m in range(self.start, self.start + self.minutes)
            if (m % 1440) >= DARK_FROM or (m % 1440) < DARK_UNTIL
        )
        return dark / self.minutes

    def label(self) -> str:
        """"dismissal (14:00-16:00)"."""
        if self.minutes == 1440:
            return "all day"
        span = f"{_hhmm(self.start)}-{_hhmm(self.end)}"
        return span if self.name == span else f"{self.name} ({span})"

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON."""
        return {"name": self.name, "start": _hhmm(self.start), "end": _hhmm(self.end),
                "dark_fraction": round(self.dark_fraction, 3)}


def _hhmm(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_hhmm(text: str, where: str) -> int:
    try:
        hh, mm = text.strip().split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise InputError(f"bad time {text!r} in {where}: use HH:MM") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise InputError(f"bad time {text!r} in {where}: hours 00-24, minutes 00-59")
    return h * 60 + m


def parse_window(text: str | None) -> TimeWindow:
    """Parse a time window: a name (arrival, dismissal, evening, all-day) or "HH:MM-HH:MM".

    Raises
    ------
    InputError
        With the accepted forms.
    """
    if text is None or str(text).strip().lower() in ("", "all", "all-day", "allday", "day"):
        return TimeWindow("all-day", 0, 1440)
    t = str(text).strip().lower()
    if t in WINDOWS:
        return TimeWindow(t, *WINDOWS[t])
    if "-" not in t:
        raise InputError(f"bad time window {text!r}: use arrival, dismissal, evening, all-day "
                         "or HH:MM-HH:MM")
    a, b = t.split("-", 1)
    start, end = _parse_hhmm(a, text), _parse_hhmm(b, text)
    if start == end:
        raise InputError(f"bad time window {text!r}: start and end are the same")
    if (end - start) % 1440 > MAX_WINDOW_H * 60:
        raise InputError(
            f"bad time window {text!r}: it would last {((end - start) % 1440) / 60:g} hours "
            f"(past midnight); give START-END, e.g. {b.strip()}-{a.strip()}"
        )
    return TimeWindow(f"{_hhmm(start)}-{_hhmm(end)}", start, end % 1440 if end == 1440 else end)


# ---------------------------------------------------------------------------------------------
# Risk zones


@dataclass
class RiskZones:
    """Hard avoid polygons and soft penalty polygons, EPSG:4326.

    Attributes
    ----------
    avoid : geopandas.GeoDataFrame
        Routes never enter these.
    penalize : geopandas.GeoDataFrame
        Routes may enter at a cost; column ``factor`` (≥ 1) per polygon.
    """

    avoid: gpd.GeoDataFrame = field(default_factory=lambda: _empty_polys())
    penalize: gpd.GeoDataFrame = field(default_factory=lambda: _empty_polys())


def _empty_polys() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [], "factor": []}, geometry=[], crs="EPSG:4326")


def read_zones(path: str | Path, *, default_factor: float | None = None) -> gpd.GeoDataFrame:
    """Read risk-zone polygons from GeoJSON.

    Parameters
    ----------
    path : str or Path
        A FeatureCollection of Polygon/MultiPolygon features; optional properties ``name`` and
        ``factor`` (≥ 1, for penalty zones).
    default_factor : float, optional
        ``factor`` for features without one.

    Raises
    ------
    InputError
        For a missing file, malformed GeoJSON, non-polygon or out-of-range geometry, or a
        factor below 1.
    """
    from .io import read_geojson_features, repair_polygon
    from .utils import clean_text

    rows = []
    feats = read_geojson_features(path, ("Polygon", "MultiPolygon"), what="zone file",
                                  expect="zones must be polygons", allow_empty=True)
    lo, hi = KIND_BOUNDS["factor"]
    for i, (where, geom, props) in enumerate(feats, start=1):
        if not geom.is_valid:  # a self-crossing ring, say
            geom = repair_polygon(geom)
        if geom.is_empty or geom.area <= 0 or not geom.is_valid:
            raise InputError(f"{where}: the polygon has no area or cannot be repaired")
        factor = props.get("factor")
        factor = default_factor if factor is None else factor
        if factor is not None:
            if isinstance(factor, bool) or not isinstance(factor, int | float | str):
                raise InputError(f"{where}: factor must be a number, got {factor!r}")
            try:
                factor = float(factor)
            except ValueError:
                raise InputError(f"{where}: factor must be a number, got {factor!r}") from None
            if not (math.isfinite(factor) and lo <= factor <= hi):
                raise InputError(f"{where}: factor {factor:g} must be between {lo:g} and {hi:g} "
                                 "(use --avoid for places routes must never enter)")
        rows.append({"name": clean_text(props.get("name")) or f"zone {i}", "factor": factor,
                     "geometry": geom})
    if not rows:
        return _empty_polys()
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


# ---------------------------------------------------------------------------------------------
# Edge risk (what is read of each way: :mod:`safepassage.ways`)

FACTORS = ("way", "arterial", "traffic", "lighting", "sidewalk", "zone", "incidents")


@dataclass
class EdgeRisk:
    """Risk of every directed edge of a network under a profile and time window.

    Attributes
    ----------
    edges : list of tuple
        ``(u, v, key)`` in the order of the table's rows.
    table : pandas.DataFrame
        One row per edge: ``length``, every factor of :data:`FACTORS` (the ``sidewalk`` factor
        per side as ``sidewalk_right``/``sidewalk_left``), ``factor_right``/``factor_left``,
        ``risk_right``/``risk_left`` (metres-equivalent), ``road``, ``arterial``, ``unlit``,
        ``alley``, ``zone_m``, ``hot_spot``, ``avoid``, ``kind``.
    profile : Profile
    window : TimeWindow
    incidents : IncidentUse or None
        The incidents and community concerns that weighed on the edges in this window.
    """

    edges: list[tuple[Hashable, Hashable, int]]
    table: pd.DataFrame
    profile: Profile
    window: TimeWindow
    index: dict[tuple[Hashable, Hashable, int], int] = field(default_factory=dict)
    incidents: IncidentUse | None = None

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {e: i for i, e in enumerate(self.edges)}

    def explain(self, u: Hashable, v: Hashable, key: int = 0) -> dict[str, Any]:
        """Every factor of one edge and its share of the edge's risk.

        The shares split the risk ``length × (factor − 1)`` in proportion to the logarithm of
        each factor, so they add up to the risk exactly.
        """
        row = self.table.iloc[self.index[(u, v, key)]]
        return explain_row(row)


def explain_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Factors and their risk shares for one row of :attr:`EdgeRisk.table` (right side)."""
    factors = {f: float(row[f]) for f in FACTORS if f != "sidewalk"}
    factors["sidewalk"] = float(row["sidewalk_right"])
    total = float(row["factor_right"])
    risk = float(row["risk_right"])
    logs = {k: math.log(v) for k, v in factors.items()}
    s = sum(logs.values())
    shares = {k: (risk * lv / s if s > 0 else 0.0) for k, lv in logs.items()}
    return {"length_m": float(row["length"]), "kind": row["kind"], "factors": factors,
            "factor": total, "risk": risk, "risk_by_factor": shares}


def edge_risk(
    G: nx.MultiDiGraph,
    profile: Profile | None = None,
    window: TimeWindow | None = None,
    *,
    zones: RiskZones | None = None,
    incidents: pd.DataFrame | None = None,
) -> EdgeRisk:
    """Compute every edge's factors, cost and risk.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared, projected network.
    profile : Profile, optional
        Default: the built-in default profile.
    window : TimeWindow, optional
        Default: all day.
    zones : RiskZones, optional
        Avoid and penalty polygons.
    incidents : IncidentSet, optional
        From :func:`safepassage.incidents.read_incidents` (with its community concerns);
        weighed by the profile and filtered to the window and the streets here. What was used
        is kept in :attr:`EdgeRisk.incidents`.

    Returns
    -------
    EdgeRisk
    """
    profile = profile or load_profile()
    window = window or parse_window(None)
    dark = window.dark_fraction
    way, art, light = profile["way"], profile["arterial"], profile["lighting"]
    at = edge_attributes(G)
    edges, length, kind, road, arterial = at.edges, at.length, at.kind, at.road, at.arterial
    n = len(edges)
    f_way = np.array([float(way[k]) for k in at.kinds])[at.kind_code] if n else np.zeros(0)
    f_art = np.array([float(art[c]) for c in (*ARTERIAL_CLASSES, "busy")] + [1.0])[at.art_class]
    with np.errstate(invalid="ignore"):
        extra = np.where(at.aadt > art["aadt_from"], np.minimum(
            art["aadt_cap"], art["aadt_per_10k"] * (at.aadt - art["aadt_from"]) / 10_000), 0.0)
        extra = extra + np.where(at.lanes > 2, art["per_lane_over_2"] * (at.lanes - 2), 0.0)
        extra = extra + np.where(at.speed > 40, art["per_kmh_over_40"] * (at.speed - 40), 0.0)
    f_traffic = np.where(arterial, 1.0 + extra, 1.0)
    f_light = np.where(at.unlit, 1.0 + light["use_lit"] * (light["unlit"] - 1.0) * dark, 1.0)
    f_sw_r = np.where(at.miss_right, way["no_sidewalk"], 1.0)
    f_sw_l = np.where(at.miss_left, way["no_sidewalk"], 1.0)

    geoms = at.geoms
    avoid, zone_m, f_zone = np.zeros(n, dtype=bool), np.zeros(n), np.ones(n)
    if zones is not None and len(zones.avoid):
        poly = zones_in_crs(zones.avoid, G).union_all()
        avoid = shapely.intersects(geoms.to_numpy(), poly)
    if zones is not None and len(zones.penalize):
        pz = zones_in_crs(zones.penalize, G)
        for geom, factor in zip(pz.geometry, pz["factor"], strict=True):
            fac = profile["zones"]["penalty"] if factor is None or pd.isna(factor) else factor
            inside = shapely.length(shapely.intersection(geoms.to_numpy(), geom))
            share = np.divide(inside, np.maximum(shapely.length(geoms.to_numpy()), 1e-9))
            zone_m += np.minimum(inside, length)
            f_zone *= 1.0 + (fac - 1.0) * np.clip(share, 0.0, 1.0)
        zone_m = np.minimum(zone_m, length)

    density, concern_density, use = np.zeros(n), np.zeros(n), None
    if incidents is not None:
        density, concern_density, use = _incident_density(geoms, incidents, profile, window)
        density = density + concern_density
    inc = profile["incidents"]
    f_inc = 1.0 + inc["weight"] * density * (1.0 + inc["night"] * dark)
    hot = density >= inc["hot_spot"]

    common = f_way * f_art * f_traffic * f_light * f_zone * f_inc
    factor_r, factor_l = common * f_sw_r, common * f_sw_l
    table = pd.DataFrame({
        "length": length, "kind": kind, "way": f_way, "arterial": f_art, "traffic": f_traffic,
        "lighting": f_light, "sidewalk_right": f_sw_r, "sidewalk_left": f_sw_l,
        "zone": f_zone, "incidents": f_inc, "factor_right": factor_r, "factor_left": factor_l,
        "risk_right": length * (factor_r - 1.0), "risk_left": length * (factor_l - 1.0),
        "road": road, "is_arterial": arterial, "unlit": at.unlit, "alley": at.alley,
        "zone_m": zone_m, "incident_density": density, "concern_density": concern_density,
        "hot_spot": hot, "avoid": avoid,
    })
    return EdgeRisk(edges=edges, table=table, profile=profile, window=window, index=at.index,
                    incidents=use)


def _kernel_sum(tree: shapely.STRtree, edge_geoms: np.ndarray, geoms: np.ndarray,
                weights: np.ndarray, bandwidth: float) -> tuple[np.ndarray, np.ndarray]:
    """Per edge, weights times a quartic kernel of the distance; and which geometries are near.

    A geometry is near when it lies within the bandwidth of some edge.
    """
    density = np.zeros(len(edge_geoms))
    near = np.zeros(len(geoms), dtype=bool)
    if not len(geoms):
        return density, near
    gi, ei = tree.query(geoms, predicate="dwithin", distance=bandwidth)
    near[gi] = True
    keep = weights[gi] > 0
    gi, ei = gi[keep], ei[keep]
    d = shapely.distance(geoms[gi], edge_geoms[ei])
    k = np.clip(1.0 - (d / bandwidth) ** 2, 0.0, None) ** 2
    np.add.at(density, ei, weights[gi] * k)
    return density, near


def network_extent(G: nx.MultiDiGraph) -> tuple[float, float, float, float]:
    """The network's extent in WGS84: ``(min lon, min lat, max lon, max lat)``."""
    lons = [d.get("lon") for _, d in G.nodes(data=True)]
    lats = [d.get("lat") for _, d in G.nodes(data=True)]
    if any(v is None for v in lons) or any(v is None for v in lats):
        pts = gpd.GeoSeries(gpd.points_from_xy([d["x"] for _, d in G.nodes(data=True)],
                                               [d["y"] for _, d in G.nodes(data=True)]),
                            crs=G.graph["crs"]).to_crs("EPSG:4326")
        lons, lats = list(pts.x), list(pts.y)
    return (float(min(lons)), float(min(lats)), float(max(lons)), float(max(lats)))


def zones_in_crs(zones: gpd.GeoDataFrame, G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Zone polygons (WGS84) in the network's CRS, correct at any size.

    A polygon covering the map, a box a hundred degrees wide, or the world with a hole cannot
    be projected into a local UTM zone as it is (its far corners have no place there). Each is
    first clipped, in longitude/latitude, to the network's extent with a margin, then
    densified and projected; what lies around the network is exactly what it was. The tests
    against the network's edges then run in the network's own CRS.
    """
    out = zones.copy()
    out["geometry"] = clip_to_crs(zones.geometry.to_numpy(), G.graph["crs"],
                                    network_extent(G)).to_numpy()
    out = out.set_geometry("geometry").set_crs(G.graph["crs"], allow_override=True)
    return out[out.geometry.notna() & ~out.geometry.is_empty]


def _incident_density(
    geoms: gpd.GeoSeries, incidents: IncidentSet, profile: Profile, window: TimeWindow,
) -> tuple[np.ndarray, np.ndarray, IncidentUse]:
    """Density of incidents and of community concerns on every edge, and what was used.

    An incident is used when it lies within ``[incidents] bandwidth_m`` of a street (else it
    is outside the area), occurred in the window, and weighs more than nothing.
    """
    bw = profile["incidents"]["bandwidth_m"]
    edge_geoms = geoms.to_numpy()
    tree = shapely.STRtree(edge_geoms)
    f = incidents.frame
    classes, kinds = classify(f, profile.tables["incident_codes"],
                              profile.tables["incident_premise_codes"])
    weights = incident_weights(classes, kinds, f["given_weight"].to_numpy(dtype=float),
                               profile["incident_classes"], profile["incident_premises"])
    window_ok = in_window(f["minute"].to_numpy(), window.start, window.minutes)
    pts = gpd.GeoSeries(gpd.points_from_xy(f["lon"].astype(float), f["lat"].astype(float)),
                        crs="EPSG:4326").to_crs(geoms.crs).to_numpy()
    _, near = _kernel_sum(tree, edge_geoms, pts, np.zeros(len(f)), bw)
    used = near & window_ok & (weights > 0)
    density, _ = _kernel_sum(tree, edge_geoms, pts, np.where(used, weights, 0.0), bw)
    skipped = incidents.skipped.copy()
    skipped["outside the area"] += int((~near).sum())
    skipped["outside the time window"] += int((near & ~window_ok).sum())
    skipped["weighs nothing"] += int((near & window_ok & (weights <= 0)).sum())
    frame = f[used].copy()
    frame["crime_class"], frame["premise_kind"], frame["weight"] = (
        classes[used], kinds[used], weights[used])
    c = incidents.concerns
    cw = c["weight"].to_numpy(dtype=float) * profile["concerns"]["weight"]
    cgeoms = c.to_crs(geoms.crs).geometry.to_numpy() if len(c) else np.array([])
    concern_density, c_near = _kernel_sum(tree, edge_geoms, cgeoms, cw, bw)
    concerns = c[c_near & (cw > 0)].copy()
    concerns["weight"] = cw[c_near & (cw > 0)]
    use = IncidentUse(window=window.label(), used=frame.reset_index(drop=True),
                      concerns=concerns.reset_index(drop=True), source=incidents.source,
                      format=incidents.format, period=incidents.period, read=incidents.read,
                      skipped=skipped, concerns_given=len(c), bandwidth_m=bw,
                      hot_spot=profile["incidents"]["hot_spot"], notes=list(incidents.notes))
    return density, concern_density, use


def load_zones(
    avoid: str | Path | None = None, penalize: str | Path | None = None,
    profile: Profile | None = None,
) -> RiskZones:
    """Read the command line's ``--avoid`` and ``--penalize`` files into :class:`RiskZones`."""
    zones = RiskZones()
    if avoid:
        zones.avoid = read_zones(avoid)
    if penalize:
        default = (profile or load_profile())["zones"]["penalty"]
        zones.penalize = read_zones(penalize, default_factor=default)
    return zones
