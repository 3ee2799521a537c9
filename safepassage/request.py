"""What a planner asks for: route settings, the whole plan's request, and its outputs.

:class:`RouteSettings` shape the routes (profile, time window, zones, incidents, detour cap);
:class:`PlanRequest` adds the officers (:class:`~safepassage.coverage.CoverageSettings`) and
footbeats; :class:`PlanOutputs` says what a written plan contains besides its data (handouts,
languages, PDFs, units). The command line builds them from its options and a plan file with
``from_options``; a notebook can do the same with keywords::

    request = PlanRequest.from_options(officers=4, time_window="arrival,dismissal")
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import geopandas as gpd
import pandas as pd

from . import settings
from .errors import InputError
from .incident_report import AREA_MARGIN_M, network_bbox
from .incidents import COLUMNS, IncidentFile, IncidentOptions, IncidentSet, empty_concerns
from .safety import Profile, RiskZones, TimeWindow, load_profile, load_zones, parse_window
from .source import Area

if TYPE_CHECKING:
    from .beats import BeatSettings
    from .coverage import CoverageSettings


@dataclass
class RouteSettings:
    """Everything that shapes the routes, as the command line gives it.

    Attributes
    ----------
    profile : Profile
    window : TimeWindow
    zones : RiskZones
    incidents : IncidentFile or None
        The incidents file (header checked, period set); read for an area by
        :meth:`incident_set`.
    concerns : geopandas.GeoDataFrame or None
        Community concerns.
    max_detour_pct : float or None
        None: the profile's value.
    """

    profile: Profile = field(default_factory=load_profile)
    window: TimeWindow = field(default_factory=lambda: parse_window(None))
    zones: RiskZones = field(default_factory=RiskZones)
    incidents: IncidentFile | None = None
    concerns: gpd.GeoDataFrame | None = None
    max_detour_pct: float | None = None
    _read: dict[tuple[float, ...], IncidentSet] = field(default_factory=dict, repr=False)

    @classmethod
    def from_options(
        cls,
        *,
        profile: str | Path | None = None,
        time_window: str | None = None,
        avoid: str | Path | None = None,
        penalize: str | Path | None = None,
        incidents: str | Path | IncidentOptions | None = None,
        max_detour_pct: float | None = None,
    ) -> RouteSettings:
        """Read and check the options; every problem is an :class:`InputError`.

        ``incidents`` is a file, or :class:`~safepassage.incidents.IncidentOptions` (the file,
        the period, the community concerns). The incidents file's header and the period are
        checked here; its rows are read for the area later (:meth:`incident_set`), so a
        citywide export is never held whole.
        """
        opts = incidents if isinstance(incidents, IncidentOptions) else IncidentOptions(
            incidents)
        found, concerns = opts.open()
        window = parse_window(time_window)
        if profile is None and window.name != "all-day" and window.dark_fraction >= 0.5:
            profile = "night"  # an evening window uses the night profile unless told otherwise
        prof = load_profile(profile)
        if max_detour_pct is not None and not (
                math.isfinite(max_detour_pct) and 0 <= max_detour_pct <= 500):
            raise InputError(f"max_detour_pct must be between 0 and 500 %, got {max_detour_pct:g}",
                             param="max_detour_pct")
        return cls(
            profile=prof,
            window=window,
            zones=load_zones(avoid, penalize, prof),
            incidents=found,
            concerns=concerns,
            max_detour_pct=max_detour_pct,
        )

    def incident_set(self, area: Area) -> IncidentSet | None:
        """The incidents (and concerns) for an area: read once, inside its bounding box."""
        if self.incidents is None and self.concerns is None:
            return None
        bbox = network_bbox(area.G, max(AREA_MARGIN_M,
                                        2 * self.profile["incidents"]["bandwidth_m"]))
        if bbox not in self._read:
            if self.incidents is not None:
                found = self.incidents.read(bbox)
            else:
                found = IncidentSet(pd.DataFrame(columns=list(COLUMNS)), "", "", 0)
            found.concerns = self.concerns if self.concerns is not None else empty_concerns()
            self._read.clear()  # one area at a time
            self._read[bbox] = found
        return self._read[bbox]

    def describe(self) -> dict[str, Any]:
        """For ``plan.json``."""
        inc = self.incidents
        return {
            "profile": self.profile.name,
            "profile_source": self.profile.source,
            "time_window": self.window.to_dict(),
            "max_detour_pct": self.max_detour_pct
            if self.max_detour_pct is not None else self.profile["walk"]["max_detour_pct"],
            "avoid_zones": len(self.zones.avoid),
            "penalty_zones": len(self.zones.penalize),
            "incidents_file": inc.path.name if inc is not None else None,
            "incidents_format": inc.format if inc is not None else None,
            "incidents_since": inc.since.isoformat() if inc is not None and inc.since else None,
            "incidents_until": inc.until.isoformat() if inc is not None and inc.until else None,
            "concerns": 0 if self.concerns is None else len(self.concerns),
        }


class PlanOptions(TypedDict, total=False):
    """The options :meth:`PlanRequest.from_options` takes, as the command line names them.

    Attributes
    ----------
    plan_file : str or Path
        A YAML/JSON plan file (officers per window, locks, bans, ...); the options win.
    officers : int
        Officers per window.
    time_window : str
        "dismissal", "arrival,dismissal,evening" or "HH:MM-HH:MM".
    profile : str or Path
        "default", "child", "night" or a TOML file.
    radius_post : float
        A post covers the corridor within this walk (metres).
    target : float
        Cover this share (%) with the fewest officers instead of a fixed number.
    method : str
        "auto", "exact" or "greedy".
    backup : bool
        Prefer a second officer within reach of the busiest stretches.
    time_limit : float
        Seconds the exact solver may take per window.
    avoid, penalize : str or Path
        GeoJSON polygons routes never enter / weigh more.
    incidents : str, Path or IncidentOptions
        An LAPD export or simple incidents file (and its period and concerns).
    max_detour_pct : float
        How much longer than the shortest a safe route may be.
    beat_minutes : int
        Footbeats of this many minutes.
    beat_starts : sequence of (lat, lon)
        Where beats start instead of the posts.
    beats : bool
        Footbeats are wanted even without ``beat_minutes``.
    """

    plan_file: str | Path | None
    officers: int | None
    time_window: str | None
    profile: str | Path | None
    radius_post: float | None
    target: float | None
    method: str
    backup: bool
    time_limit: float
    avoid: str | Path | None
    penalize: str | Path | None
    incidents: str | Path | IncidentOptions | None
    max_detour_pct: float | None
    beat_minutes: int | None
    beat_starts: Sequence[tuple[float, float]]
    beats: bool


@dataclass
class PlanRequest:
    """What a planner asks for: route settings and coverage settings.

    ``coverage`` holds the windows, officers, post radius, target, backup, locked and banned
    places, extra posts, method and time limit. Built from the command line and an optional
    plan file (the command line wins) by :meth:`from_options`, which checks everything before
    any slow work starts.
    """

    route: RouteSettings
    coverage: CoverageSettings
    profile: str | Path | None = None
    site: str | None = None
    plan_file: str | None = None
    beats: BeatSettings | None = None

    @property
    def windows(self) -> list[str]:
        """Names of the time windows to plan, in order."""
        return [tw.name for tw in self.coverage.time_windows()]

    @classmethod
    def from_options(cls, **options: Unpack[PlanOptions]) -> PlanRequest:
        """Merge the command line's options with a plan file and check them all.

        Takes the keys of :class:`PlanOptions` (all optional): ``officers=4``,
        ``time_window="arrival,dismissal"``, ``plan_file="plan.yaml"``, ... The command line's
        values win over the plan file's; ``incidents`` is a file or
        :class:`~safepassage.incidents.IncidentOptions`, and the plan file's ``since`` and
        ``until`` apply where the options give none. Every problem is an :class:`InputError`
        naming its parameter, before any slow work.
        """
        o = options
        plan_file, officers, time_window = (o.get("plan_file"), o.get("officers"),
                                            o.get("time_window"))
        profile, radius_post, target = o.get("profile"), o.get("radius_post"), o.get("target")
        incidents, max_detour_pct = o.get("incidents"), o.get("max_detour_pct")
        from .beats import beat_settings
        from .coverage import CoverageSettings
        from .planfile import load_plan

        plan = load_plan(plan_file) if plan_file else None
        if time_window:
            names = [w.strip() for w in str(time_window).split(",") if w.strip()]
            if not names:
                raise InputError(f"time_window {time_window!r} names no window: give e.g. "
                                 "dismissal or arrival,dismissal,evening", param="time_window")
            windows: list[str] | None = [parse_window(w).name for w in names]
        else:
            windows = plan.planned_windows() if plan is not None else None
        if windows and len(set(windows)) != len(windows):
            raise InputError(f"time windows repeat: {', '.join(windows)}")
        profile = profile or (plan.profile if plan else None)
        max_detour = max_detour_pct if max_detour_pct is not None else (
            plan.max_detour_pct if plan else None)
        opts = incidents if isinstance(incidents, IncidentOptions) else IncidentOptions(
            incidents)
        if plan is not None:
            opts = replace(opts, since=opts.since or plan.since, until=opts.until or plan.until)
        route = RouteSettings.from_options(
            profile=profile, time_window=windows[0] if windows else "dismissal",
            avoid=o.get("avoid"), penalize=o.get("penalize"), incidents=opts,
            max_detour_pct=max_detour,
        )
        target = target if target is not None else (plan.target_coverage if plan else None)
        chosen: int | dict[str, int] | None
        if officers is not None:
            chosen = officers
        elif plan is not None and plan.officers is not None:
            chosen = plan.officers
        else:
            chosen = None if target is not None else settings.default_officers
        if windows is None:
            windows = list(chosen) if isinstance(chosen, dict) else ["dismissal"]
        coverage = CoverageSettings(
            officers=chosen, windows=tuple(windows),
            radius_m=radius_post or (plan.radius_m if plan else None),
            target_coverage=target,
            backup=True if o.get("backup") else (plan.backup if plan else None),
            locked=tuple(plan.locked) if plan else (), banned=tuple(plan.banned) if plan else (),
            extra_posts=tuple(plan.extra_posts) if plan else (),
            method=o.get("method", "auto"),  # type: ignore[arg-type]
            time_limit=o.get("time_limit", 60.0),
        )
        return cls(route=route, coverage=coverage, profile=profile,
                   site=plan.site if plan else None,
                   plan_file=str(plan_file) if plan_file else None,
                   beats=beat_settings(plan.beats if plan else None, o.get("beat_minutes"),
                                       o.get("beat_starts", ()), wanted=o.get("beats", False)))

    def describe(self) -> dict[str, Any]:
        """For ``plan.json``."""
        c = self.coverage
        return {
            **self.route.describe(), "windows": self.windows, "officers": c.officers,
            "post_radius_m": c.radius_m, "target_coverage": c.target_coverage,
            "locked": len(c.locked), "banned": len(c.banned),
            "extra_posts": len(c.extra_posts), "backup": bool(c.backup),
            "method": c.method, "plan_file": self.plan_file,
            "beats": None if self.beats is None else self.beats.describe(),
        }


@dataclass(frozen=True)
class PlanOutputs:
    """What a written plan contains besides its data.

    Attributes
    ----------
    handout_kinds : tuple of str
        Destination kinds that get handouts (schools by default).
    langs : tuple of str
        Handout languages.
    pdf : bool
        Also print each handout to PDF where headless Chromium is installed.
    units : str
        "imperial" (feet and miles) or "metric".
    made_on : datetime.date or None
        Date printed on handouts and maps (default today).
    """

    handout_kinds: tuple[str, ...] = ("school",)
    langs: tuple[str, ...] = ("en", "es")
    pdf: bool = True
    units: str = "imperial"
    made_on: dt.date | None = None
