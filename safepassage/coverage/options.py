"""What a planner asks of the coverage step, as one frozen settings object.

:class:`CoverageSettings` holds the officers on duty (one number, or one per time window), the
walking radius of a post, a target coverage, backup coverage, locked and banned places, extra
candidate posts, the solver's method and time limit, and the few numbers that shape the
coverage problem. The command line and plan files build one (see
:class:`safepassage.pipeline.PlanRequest`); a notebook user writes it directly::

    settings = CoverageSettings(officers={"arrival": 3, "dismissal": 4}, radius_m=200)

Every value is checked when the object is made; errors name the parameter
(``radius_m must be a positive number of metres, got -5``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np
from shapely.geometry.base import BaseGeometry

from .. import settings as package_settings
from ..errors import InputError
from ..safety import TimeWindow, parse_window
from .demand import WeightOverrides, weight_table

__all__ = [
    "BACKUP_DEFAULT",
    "BAN_RADIUS_M",
    "LOCK_SNAP_M",
    "METHODS",
    "NEAR_CORRIDOR_M",
    "PIECE_M",
    "SHIFT_WINDOWS",
    "BanSpec",
    "CoverageSettings",
    "Method",
    "PointSpec",
    "PostSpec",
]

Method: TypeAlias = Literal["auto", "exact", "greedy"]

#: The solver methods: exact integer programme (CBC), greedy, or exact with a greedy fallback.
METHODS: tuple[Method, ...] = ("auto", "exact", "greedy")

#: A post a planner means: a candidate index, a name ("Grand Ave & 5th St"), ``(lat, lon)``,
#: ``{"lat", "lon"}`` (with an optional ``"name"``) or ``{"post": name}``.
PostSpec: TypeAlias = int | str | tuple[float, float] | Mapping[str, object]

#: A place no officer is posted: ``{"lat", "lon", "radius_m"}``, ``(lat, lon[, radius_m])``, a
#: WGS84 shapely geometry, ``{"geometry": geometry or GeoJSON mapping, "radius_m": buffer}``,
#: a candidate index, or a post name / ``{"post": name}``.
BanSpec: TypeAlias = int | str | tuple[float, ...] | BaseGeometry | Mapping[str, object]

#: A point a planner adds as a candidate post: ``{"name", "lat", "lon"}`` or ``(lat, lon)``.
PointSpec: TypeAlias = Mapping[str, object] | tuple[float, float]

#: The shift windows :func:`~safepassage.coverage.plan_shifts` plans by default.
SHIFT_WINDOWS: tuple[str, ...] = ("arrival", "dismissal", "evening")

#: Default distance (metres of walking) from the corridor within which intersections are
#: candidate posts.
NEAR_CORRIDOR_M = 50.0

#: Corridor segments longer than this many metres are cut into equal pieces for the coverage
#: matrix (and pieces are never longer than the walking radius), so that "covered" means the
#: same on a 500 m footpath as on a 50 m block.
PIECE_M = 100.0

#: A locked post given as a point snaps to the nearest candidate within this many metres (or
#: within the network snap distance, ``safepassage.settings.max_snap_m``, when that is larger:
#: a locked point becomes a candidate at its nearest network node, which may be that far).
LOCK_SNAP_M = 150.0

#: Default radius of a banned point, metres.
BAN_RADIUS_M = 30.0

#: Default backup-coverage option: the busiest ``top_share`` of the corridor's weight earns
#: ``factor`` × its weight again when two officers cover it.
BACKUP_DEFAULT: dict[str, float] = {"factor": 0.5, "top_share": 0.2}


def _is_count(value: object) -> bool:
    return bool(not isinstance(value, bool) and isinstance(value, int | np.integer)
                and value >= 0)


def _number(value: object, name: str, what: str) -> float:
    """``value`` as a finite float, else an error naming the parameter."""
    if isinstance(value, bool):
        raise InputError(f"{name} must be {what}, got {value!r}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be {what}, got {value!r}") from None
    if not math.isfinite(out):
        raise InputError(f"{name} must be {what}, got {value!r}")
    return out


def _positive(value: object, name: str, what: str) -> float:
    out = _number(value, name, what)
    if not out > 0:
        raise InputError(f"{name} must be {what}, got {value!r}")
    return out


def _check_officers(officers: object) -> int | dict[str, int] | None:
    if officers is None:
        return None
    if isinstance(officers, Mapping):
        out: dict[str, int] = {}
        for window, n in officers.items():
            if not _is_count(n):
                raise InputError(f"officers.{window} must be a whole number ≥ 0, got {n!r}")
            out[str(window)] = int(n)
        return out
    if not _is_count(officers):
        raise InputError(f"officers must be a whole number ≥ 0, got {officers!r}")
    return int(officers)  # type: ignore[call-overload]


def _check_target(target: object) -> float | None:
    if target is None:
        return None
    what = "a share between 0 and 1"
    value = _number(target, "target_coverage", what)
    if not 0 < value <= 1:
        raise InputError(f"target_coverage must be a share in (0, 1] (0.9 for 90 %), got "
                         f"{target!r}")
    return value


def _check_backup(backup: object) -> bool | dict[str, float] | None:
    """``None``/``False`` (off), ``True`` (:data:`BACKUP_DEFAULT`) or a checked mapping."""
    if backup is None or isinstance(backup, bool):
        return backup
    if not isinstance(backup, Mapping):
        raise InputError(f"backup must be true, false or a mapping with factor and top_share, "
                         f"got {backup!r}")
    unknown = set(backup) - set(BACKUP_DEFAULT)
    if unknown:
        raise InputError(f"backup: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                         "use factor, top_share")
    opts = {str(k): _number(v, f"backup.{k}", "a share in (0, 1]") for k, v in backup.items()}
    for key in ("top_share", "factor"):
        if key in opts and not 0 < opts[key] <= 1:
            raise InputError(f"backup.{key} must be in (0, 1], got {opts[key]}")
    return opts


@dataclass(frozen=True)
class CoverageSettings:
    """Everything a planner decides about officer posts, checked once.

    Attributes
    ----------
    officers : int or mapping of str to int, optional
        Officers on duty: the same in every window, or per window name
        (``{"arrival": 3, "dismissal": 4}``). Needed unless ``target_coverage`` is given.
    windows : tuple of str or TimeWindow, optional
        Time windows :func:`~safepassage.coverage.plan_shifts` plans. Default: the keys of
        ``officers`` when it is a mapping, else :data:`SHIFT_WINDOWS`.
    radius_m : float, optional
        Walking radius one officer covers, metres (default ``safepassage.settings.
        post_radius_m``).
    target_coverage : float, optional
        Share in (0, 1] of the walking demand to cover with the fewest officers (set
        covering), instead of covering the most with ``officers``.
    backup : bool or mapping, optional
        Reward covering the busiest stretches twice: ``True`` for :data:`BACKUP_DEFAULT`, or
        ``{"factor": 0.5, "top_share": 0.2}``.
    locked : tuple of PostSpec
        Posts that must be kept (see :data:`PostSpec`). Locked points are candidates where
        they are when the problem is built with these settings.
    banned : tuple of BanSpec
        Places no officer is posted (see :data:`BanSpec`).
    extra_posts : tuple of PointSpec
        Points a planner adds as candidate posts.
    method : {"auto", "exact", "greedy"}
        "auto" is exact with CBC, with a greedy fallback that reports its gap to the bound.
    time_limit : float
        Seconds the exact solver may spend per solve.
    weights : mapping, optional
        Overrides of :data:`~safepassage.coverage.DEFAULT_WEIGHTS` (``{"school": 12}`` or
        ``{"park": {"evening": 8}}``).
    near_m : float
        Intersections within this walk of the corridor are candidates.
    piece_m : float
        Longest corridor piece, metres (never more than the radius).
    max_snap_m : float, optional
        An extra post or locked point farther than this from the network is an error
        (default ``safepassage.settings.max_snap_m``).
    lock_snap_m : float, optional
        A locked point snaps to the nearest candidate within this distance (default the larger
        of :data:`LOCK_SNAP_M` and the network snap distance).
    """

    officers: int | Mapping[str, int] | None = None
    windows: tuple[str | TimeWindow, ...] | None = None
    radius_m: float | None = None
    target_coverage: float | None = None
    backup: bool | Mapping[str, float] | None = None
    locked: tuple[PostSpec, ...] = ()
    banned: tuple[BanSpec, ...] = ()
    extra_posts: tuple[PointSpec, ...] = ()
    method: Method = "auto"
    time_limit: float = 60.0
    weights: WeightOverrides | None = field(default=None, repr=False)
    near_m: float = NEAR_CORRIDOR_M
    piece_m: float = PIECE_M
    max_snap_m: float | None = None
    lock_snap_m: float | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "officers", _check_officers(self.officers))
        put(self, "target_coverage", _check_target(self.target_coverage))
        put(self, "backup", _check_backup(self.backup))
        for name in ("locked", "banned", "extra_posts"):
            put(self, name, tuple(getattr(self, name)))
        if self.windows is not None:
            put(self, "windows", tuple([self.windows] if isinstance(self.windows, str | TimeWindow)
                                       else self.windows))
        if self.radius_m is not None:
            put(self, "radius_m", _positive(self.radius_m, "radius_m",
                                            "a positive number of metres"))
        if self.method not in METHODS:
            raise InputError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        put(self, "time_limit", _positive(self.time_limit, "time_limit",
                                          "a positive number of seconds"))
        near = _number(self.near_m, "near_m", "a number of metres ≥ 0")
        if near < 0:
            raise InputError(f"near_m must be a number of metres ≥ 0, got {self.near_m!r}")
        put(self, "near_m", near)
        put(self, "piece_m", _positive(self.piece_m, "piece_m", "a positive number of metres"))
        for name in ("max_snap_m", "lock_snap_m"):
            if getattr(self, name) is not None:
                put(self, name, _positive(getattr(self, name), name,
                                          "a positive number of metres"))
        weight_table(self.weights)  # raises for bad weights
        self.time_windows()  # raises for bad, repeated or unplanned windows

    # -- resolved values -----------------------------------------------------------------------

    @property
    def post_radius_m(self) -> float:
        """The walking radius of a post (``radius_m``, else the package default)."""
        return float(package_settings.post_radius_m if self.radius_m is None else self.radius_m)

    @property
    def snap_limit_m(self) -> float:
        """How far a planner's point may be from the network (``max_snap_m`` or the default)."""
        return float(package_settings.max_snap_m if self.max_snap_m is None
                     else self.max_snap_m)

    @property
    def lock_snap_limit_m(self) -> float:
        """How far a locked point may be from the candidate it snaps to."""
        if self.lock_snap_m is not None:
            return float(self.lock_snap_m)
        return max(LOCK_SNAP_M, self.snap_limit_m)

    def time_windows(self) -> list[TimeWindow]:
        """The windows to plan, parsed and checked.

        Raises
        ------
        InputError
            For a bad or repeated window, no windows, or officers given for a window that is
            not planned.
        """
        officers = self.officers
        given = self.windows
        if given is None:
            given = tuple(officers) if isinstance(officers, Mapping) else SHIFT_WINDOWS
        tws = [w if isinstance(w, TimeWindow) else parse_window(w) for w in given]
        if not tws:
            raise InputError("windows is empty: give at least one time window")
        names = [tw.name for tw in tws]
        if len(set(names)) != len(names):
            raise InputError(f"windows repeat: {', '.join(names)}")
        if isinstance(officers, Mapping):
            unknown = [k for k in officers if k not in names]
            if unknown:
                raise InputError(f"officers are given for window(s) not planned: "
                                 f"{', '.join(unknown)} (windows: {', '.join(names)})")
        return tws

    def officers_for(self, window: str) -> int | None:
        """Officers on duty in ``window`` (None when only a target coverage is given).

        Raises
        ------
        InputError
            When ``officers`` is a mapping without ``window``.
        """
        officers = self.officers
        if officers is None or not isinstance(officers, Mapping):
            return officers
        if window in officers:
            return int(officers[window])
        raise InputError(f"no officer count for the {window} window (officers gives "
                         f"{', '.join(map(str, officers)) or 'none'})")
