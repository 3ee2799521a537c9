"""What a planner asks of the beats: how long each loop may take, and where loops start.

:class:`BeatSettings` is checked when it is made; errors name the parameter
(``minutes must be a whole number of minutes from 1 to 240, got 0``). A loop starts at its
officer's post unless the planner gives starts (points, snapped to the nearest walkable
street within ``max_snap_m``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

from .. import settings as package_settings
from ..errors import InputError

__all__ = ["DEFAULT_MINUTES", "MAX_MINUTES", "MAX_STARTS", "BeatSettings", "StartSpec",
           "beat_settings", "check_minutes"]

#: Minutes a beat takes when nothing says otherwise.
DEFAULT_MINUTES = 20

#: The longest beat, minutes (four hours: a whole shift).
MAX_MINUTES = 240

#: The most beats (starts) one window may have, as many as officers on duty may be.
MAX_STARTS = 500

#: Where a beat starts: ``(lat, lon)`` or ``{"lat", "lon"}`` with an optional ``"name"``.
StartSpec: TypeAlias = Mapping[str, object] | tuple[float, float]


def check_minutes(value: object, name: str = "minutes") -> int:
    """``value`` as whole minutes from 1 to :data:`MAX_MINUTES`, else an error naming ``name``.

    Whole minutes, because the loops are grown a minute at a time (so that more minutes
    never walk less).
    """
    what = f"a whole number of minutes from 1 to {MAX_MINUTES}"
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{name} must be {what}, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number.is_integer() and 1 <= number <= MAX_MINUTES):
        raise InputError(f"{name} must be {what}, got {value!r}")
    return int(number)


@dataclass(frozen=True)
class BeatSettings:
    """Everything a planner decides about beats, checked once.

    Attributes
    ----------
    minutes : int
        The most a beat may take, walking at the safety profile's speed (1 to
        :data:`MAX_MINUTES`; default :data:`DEFAULT_MINUTES`).
    starts : tuple of StartSpec
        Where beats start instead of at the officers' posts: one beat per start.
    max_snap_m : float, optional
        A start farther than this from the walkable network is an error (default
        ``safepassage.settings.max_snap_m``).
    """

    minutes: int = DEFAULT_MINUTES
    starts: tuple[StartSpec, ...] = ()
    max_snap_m: float | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "minutes", check_minutes(self.minutes))
        put(self, "starts", tuple(self.starts))
        if len(self.starts) > MAX_STARTS:
            raise InputError(f"starts has {len(self.starts):,} items; at most {MAX_STARTS:,}")
        if self.max_snap_m is not None:
            value = self.max_snap_m
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    math.isfinite(value) and value > 0):
                raise InputError(f"max_snap_m must be a positive number of metres, got "
                                 f"{value!r}")
            put(self, "max_snap_m", float(value))

    def describe(self) -> dict[str, int]:
        """For ``plan.json``: the minutes and how many starts were given."""
        return {"minutes": self.minutes, "starts": len(self.starts)}

    @property
    def snap_limit_m(self) -> float:
        """How far a start may be from the network."""
        return float(package_settings.max_snap_m if self.max_snap_m is None
                     else self.max_snap_m)


def beat_settings(from_file: Mapping[str, object] | None, minutes: int | None = None,
                  starts: Sequence[StartSpec] = (), *, wanted: bool = False
                  ) -> BeatSettings | None:
    """The beats a command line and a plan file ask for (the command line wins).

    Parameters
    ----------
    from_file : mapping, optional
        A plan file's ``beats`` (``{"minutes", "starts"}``), or None when it has none.
    minutes : int, optional
        Minutes given on the command line.
    starts : sequence of StartSpec
        Starts given on the command line.
    wanted : bool
        Beats are asked for even without minutes or starts (the ``beats`` command).

    Returns
    -------
    BeatSettings or None
        None when nothing asks for beats.
    """
    if not (wanted or minutes is not None or starts or from_file is not None):
        return None
    given = dict(from_file or {})
    chosen = minutes if minutes is not None else given.get("minutes", DEFAULT_MINUTES)
    file_starts: Sequence[StartSpec] = given.get("starts") or ()  # type: ignore[assignment]
    return BeatSettings(minutes=check_minutes(chosen),
                        starts=tuple(starts) or tuple(file_starts))
