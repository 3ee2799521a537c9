"""The plan a workspace edits: plan-file JSON, checked and bounded, and its YAML for the CLI.

The page and the API hold a plan as the JSON form of a plan file (:mod:`safepassage.planfile`)
in one canonical shape: ``windows`` always listed, ``officers`` one whole number per window,
``radius_m`` given, ``locked``, ``banned`` and ``extra_posts`` always lists. Everything a
request sends goes through :func:`check_plan`: the plan file's own checks
(:func:`safepassage.planfile.parse_plan`, errors name the key), then the workspace's bounds
(:data:`LIMITS`: officers, radius, lists, names), and two rules that keep a request from
naming files: a banned polygon file or a profile file is accepted only if the plan file given
on the command line named it (:class:`PlanContext`). :func:`plan_text` writes the plan back in
the format ``safepassage coverage --plan`` reads (YAML, or JSON for a ``.json`` file).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import settings as package_settings
from ..coverage import SHIFT_WINDOWS, CoverageSettings
from ..errors import InputError
from ..planfile import PlanFile, parse_plan
from ..safety import BUILTIN_PROFILES

__all__ = [
    "FIXED_KEYS",
    "LIMITS",
    "PLAN_KEYS",
    "CheckedPlan",
    "Limits",
    "PlanContext",
    "check_plan",
    "coverage_settings",
    "plan_from_request",
    "plan_text",
]

#: Keys of a plan file, in the order a saved plan lists them.
PLAN_KEYS: tuple[str, ...] = ("site", "profile", "radius_m", "officers", "windows", "locked",
                              "banned", "extra_posts", "target_coverage", "backup",
                              "max_detour_pct", "since", "until")

#: Keys a request may not change: they choose the data the workspace was started on.
FIXED_KEYS: tuple[str, ...] = ("site", "since", "until")

#: A plan as JSON: what the API sends and receives.
PlanJSON = dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """Bounds on every number and list a request may send (a local server still checks)."""

    officers: int = 100
    radius_m: tuple[float, float] = (10.0, 2000.0)
    windows: int = 6
    items: int = 200
    ban_radius_m: float = 1000.0
    name_chars: int = 200
    max_detour_pct: float = 500.0
    time_limit: tuple[float, float] = (0.1, 60.0)


#: The workspace's bounds.
LIMITS = Limits()


@dataclass(frozen=True)
class PlanContext:
    """What a request's plan is checked against: the command line's plan file and defaults.

    Attributes
    ----------
    base : Path
        Folder the plan file's relative paths are resolved against (its own folder).
    files : mapping of str to dict
        Banned-place file entries the command line's plan file holds, by their JSON text
        (``"closed.geojson"`` or ``{"file": ..., "radius_m": ...}``), each with the polygon it
        was read into. A request may keep these entries; it can never name another file.
    profile : str or None
        The profile the workspace started with (a built-in name or a TOML file's path); a
        request may use it or a built-in profile.
    site : str or None
        The plan file's ``site``, which a request may not change.
    since, until : str or None
        The period of the incidents the workspace read (``YYYY-MM-DD``), which a request may
        not change either.
    """

    base: Path
    files: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    profile: str | None = None
    site: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class CheckedPlan:
    """A plan that passed every check.

    Attributes
    ----------
    data : dict
        The canonical JSON form (what the API returns and the YAML holds).
    plan : PlanFile
        The validated plan, banned files read into polygons.
    """

    data: PlanJSON
    plan: PlanFile

    @property
    def windows(self) -> list[str]:
        """The plan's time windows, in order."""
        return list(self.data["windows"])

    def key(self) -> str:
        """A stable text of the plan (for caches and comparisons)."""
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False)


def _file_entry(item: object) -> bool:
    """Whether a banned item names a file (a path, or ``{"file": ...}``)."""
    return isinstance(item, str) or (isinstance(item, Mapping) and "file" in item)


def _entry_key(item: object) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _check_files(data: Mapping[str, Any], ctx: PlanContext) -> dict[int, dict[str, Any]]:
    """The banned file entries of a request, each one the command line's plan file named."""
    banned = data.get("banned")
    out: dict[int, dict[str, Any]] = {}
    if not isinstance(banned, list):
        return out
    for i, item in enumerate(banned):
        if not _file_entry(item):
            continue
        known = ctx.files.get(_entry_key(item))
        if known is None:
            raise InputError(f"plan: banned[{i}] names a file ({item!r}); the workspace reads "
                             "only the files of the plan file it was started with: ban a place "
                             "on the map instead")
        out[i] = known
    return out


def _check_fixed(data: Mapping[str, Any], ctx: PlanContext) -> None:
    """``site``, ``since``, ``until`` unchanged; ``profile`` built in or the starting one."""
    for key in FIXED_KEYS:
        if data.get(key) is not None and str(data.get(key)) != getattr(ctx, key):
            now = getattr(ctx, key)
            raise InputError(f"plan: {key} cannot change in the workspace (it is "
                             f"{now if now is not None else 'not set'}); start "
                             f"'safepassage serve' again with the {key} you want")
    profile = data.get("profile")
    if profile is not None and profile not in BUILTIN_PROFILES and profile != ctx.profile:
        raise InputError(f"plan: profile must be one of {', '.join(BUILTIN_PROFILES)}"
                         f"{' or ' + repr(ctx.profile) if ctx.profile else ''}, got {profile!r}")


def _bounded(value: float, key: str, low: float, high: float, unit: str = "") -> None:
    if not low <= value <= high:
        raise InputError(f"plan: {key} must be between {low:g} and {high:g}{unit}, got {value:g}")


def _check_names(items: Sequence[Mapping[str, Any]], key: str, limits: Limits) -> None:
    for i, item in enumerate(items):
        for name_key in ("name", "post"):
            text = item.get(name_key)
            if isinstance(text, str) and len(text) > limits.name_chars:
                raise InputError(f"plan: {key}[{i}].{name_key} is longer than "
                                 f"{limits.name_chars} characters")


def _check_limits(plan: PlanFile, limits: Limits) -> None:
    """The workspace's bounds on a validated plan."""
    officers = plan.officers
    counts = officers.items() if isinstance(officers, dict) else [("", officers)]
    for window, n in counts:
        if n is not None and n > limits.officers:
            key = f"officers.{window}" if window else "officers"
            raise InputError(f"plan: {key} must be at most {limits.officers}, got {n}")
    if plan.radius_m is not None:
        _bounded(plan.radius_m, "radius_m", *limits.radius_m, " m")
    if plan.max_detour_pct is not None:
        _bounded(plan.max_detour_pct, "max_detour_pct", 0.0, limits.max_detour_pct, " %")
    windows = plan.planned_windows() or []
    if len(windows) > limits.windows:
        raise InputError(f"plan: windows lists {len(windows)} windows; at most {limits.windows}")
    for key in ("locked", "banned", "extra_posts"):
        items = getattr(plan, key)
        if len(items) > limits.items:
            raise InputError(f"plan: {key} holds {len(items)} items; at most {limits.items}")
        _check_names(items, key, limits)
    for i, ban in enumerate(plan.banned):
        if float(ban.get("radius_m") or 0.0) > limits.ban_radius_m:
            raise InputError(f"plan: banned[{i}].radius_m must be at most "
                             f"{limits.ban_radius_m:g} m, got {ban['radius_m']:g}")


def _canonical(plan: PlanFile, files: Mapping[int, object],
               default_windows: Sequence[str]) -> PlanJSON:
    """The canonical JSON of a validated plan (file entries kept as the plan file wrote them)."""
    windows = plan.planned_windows() or list(default_windows)
    officers = plan.officers
    if officers is None and plan.target_coverage is None:
        officers = package_settings.default_officers
    out: PlanJSON = {}
    if plan.site is not None:
        out["site"] = plan.site
    if plan.profile is not None:
        out["profile"] = plan.profile
    out["radius_m"] = float(plan.radius_m if plan.radius_m is not None
                            else package_settings.post_radius_m)
    if officers is not None:
        out["officers"] = ({w: int(officers[w]) for w in windows} if isinstance(officers, dict)
                           else {w: int(officers) for w in windows})
    out["windows"] = list(windows)
    out["locked"] = [dict(x) for x in plan.locked]
    out["banned"] = [files[i] if i in files else dict(x) for i, x in enumerate(plan.banned)]
    out["extra_posts"] = [dict(x) for x in plan.extra_posts]
    if plan.target_coverage is not None:
        out["target_coverage"] = float(plan.target_coverage)
    if plan.backup is not None:
        out["backup"] = dict(plan.backup)
    if plan.max_detour_pct is not None:
        out["max_detour_pct"] = float(plan.max_detour_pct)
    for key in ("since", "until"):
        if getattr(plan, key, None) is not None:
            out[key] = str(getattr(plan, key))
    return out


def check_plan(data: object, ctx: PlanContext, *, limits: Limits = LIMITS,
               default_windows: Sequence[str] = SHIFT_WINDOWS) -> CheckedPlan:
    """Check a plan a request sent (the JSON form of a plan file) and make it canonical.

    Parameters
    ----------
    data : object
        The ``plan`` of a request.
    ctx : PlanContext
        The command line's plan file: the files and profile a request may use.
    limits : Limits
        Bounds on numbers, lists and names.
    default_windows : sequence of str
        The windows of a plan that names none.

    Returns
    -------
    CheckedPlan

    Raises
    ------
    InputError
        One line, naming the key: ``plan: officers.dismissal must be a whole number from 0 to 500,
        got 'six'``.
    """
    if not isinstance(data, Mapping):
        raise InputError(f"plan must be a JSON object of plan-file keys ({', '.join(PLAN_KEYS)})"
                         f", got {type(data).__name__}")
    files = _check_files(data, ctx)
    _check_fixed(data, ctx)
    clean = dict(data)
    if files:  # stand-ins for the checks; the polygons the plan file read are used instead
        clean["banned"] = [{"lat": 0.0, "lon": 0.0} if i in files else item
                           for i, item in enumerate(data["banned"])]
    plan = parse_plan(clean, where="plan", base=ctx.base)
    if files:
        banned = [files.get(i, item) for i, item in enumerate(plan.banned)]
        plan = dataclasses.replace(plan, banned=banned)
    _check_limits(plan, limits)
    raw_files = {i: data["banned"][i] for i in files}
    return CheckedPlan(_canonical(plan, raw_files, default_windows), plan)


def _plain(item: object) -> object:
    """A plan item as JSON: a mapping becomes a dict; names and numbers stay as they are."""
    return dict(item) if isinstance(item, Mapping) else item


def plan_from_request(plan: PlanFile | None, raw: Mapping[str, Any] | None,
                      settings: CoverageSettings, *, profile: str | None,
                      max_detour_pct: float | None, since: str | None = None,
                      until: str | None = None,
                      ) -> tuple[PlanJSON, PlanContext]:
    """The canonical plan a workspace starts from, and the context later plans are checked in.

    Parameters
    ----------
    plan : PlanFile or None
        The command line's plan file, validated.
    raw : mapping or None
        The same file's content as read (its banned file entries are kept as written).
    settings : CoverageSettings
        The command line merged with the plan file
        (:meth:`safepassage.pipeline.PlanRequest.from_options`).
    profile : str or None
        The profile the command line or the plan file gives.
    max_detour_pct : float or None
        The detour cap the command line or the plan file gives.
    since, until : str or None
        The period of the incidents read (``YYYY-MM-DD``).

    Returns
    -------
    dict
        The canonical plan JSON.
    PlanContext
    """
    base = plan.path.parent if plan is not None and plan.path is not None else Path.cwd()
    files: dict[str, dict[str, Any]] = {}
    raw_banned = list((raw or {}).get("banned") or [])
    if plan is not None:
        for i, item in enumerate(raw_banned):
            if _file_entry(item) and i < len(plan.banned):
                files[_entry_key(item)] = plan.banned[i]
    windows = [tw.name for tw in settings.time_windows()]
    officers = settings.officers
    data: PlanJSON = {}
    if plan is not None and plan.site is not None:
        data["site"] = plan.site
    if profile is not None:
        data["profile"] = str(profile)
    data["radius_m"] = settings.post_radius_m
    if officers is not None:
        data["officers"] = (dict(officers) if isinstance(officers, Mapping)
                            else {w: int(officers) for w in windows})
    data["windows"] = windows
    data["locked"] = [_plain(x) for x in settings.locked]
    data["banned"] = [raw_banned[i] if i < len(raw_banned) and _file_entry(raw_banned[i])
                      else _plain(x) for i, x in enumerate(settings.banned)]
    data["extra_posts"] = [_plain(x) for x in settings.extra_posts]
    if settings.target_coverage is not None:
        data["target_coverage"] = settings.target_coverage
    if settings.backup:
        backup = settings.backup
        data["backup"] = dict(backup) if isinstance(backup, Mapping) else {
            "factor": 0.5, "top_share": 0.2}
    if max_detour_pct is not None:
        data["max_detour_pct"] = float(max_detour_pct)
    if since is not None:
        data["since"] = since
    if until is not None:
        data["until"] = until
    ctx = PlanContext(base=base, files=files, profile=str(profile) if profile else None,
                      site=plan.site if plan is not None else None, since=since, until=until)
    return data, ctx


def coverage_settings(checked: CheckedPlan, *, time_limit: float,
                      method: str = "auto") -> CoverageSettings:
    """The coverage settings of a checked plan, as ``safepassage coverage --plan`` makes them."""
    plan, data = checked.plan, checked.data
    return CoverageSettings(
        officers=data.get("officers"), windows=tuple(data["windows"]),
        radius_m=data["radius_m"], target_coverage=plan.target_coverage, backup=plan.backup,
        locked=tuple(plan.locked), banned=tuple(plan.banned),
        extra_posts=tuple(plan.extra_posts), method=method,  # type: ignore[arg-type]
        time_limit=time_limit,
    )


def _relative(path_text: str, ctx: PlanContext, folder: Path) -> str:
    """A plan file's relative path, rewritten for a plan file in ``folder``."""
    path = Path(path_text)
    full = path if path.is_absolute() else ctx.base / path
    try:
        return os.path.relpath(full.resolve(), folder.resolve())
    except ValueError:  # another drive (Windows)
        return str(full.resolve())


def _portable(data: PlanJSON, ctx: PlanContext, folder: Path) -> PlanJSON:
    """The plan with its file paths relative to ``folder`` (where it will be written)."""
    out = dict(data)
    banned = []
    for item in data.get("banned", []):
        if isinstance(item, str):
            item = _relative(item, ctx, folder)
        elif isinstance(item, Mapping) and "file" in item:
            item = {**item, "file": _relative(str(item["file"]), ctx, folder)}
        banned.append(item)
    out["banned"] = banned
    profile = data.get("profile")
    if profile is not None and profile not in BUILTIN_PROFILES:
        out["profile"] = _relative(str(profile), ctx, folder)
    return out


def plan_text(data: PlanJSON, ctx: PlanContext, path: Path,
              *, saved_on: dt.datetime | None = None) -> str:
    """The plan as a plan file at ``path``: YAML (JSON for a ``.json`` path).

    Empty lists are left out; relative paths are rewritten for ``path``'s folder. The text is
    what :func:`safepassage.planfile.load_plan` reads back to the same plan.
    """
    doc = {k: v for k, v in _portable(data, ctx, path.parent).items()
           if k in PLAN_KEYS and v not in (None, [], {})}
    doc = {k: doc[k] for k in PLAN_KEYS if k in doc}
    if path.suffix.lower() == ".json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    when = (saved_on or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    head = (f"# Safe Passages plan file, saved by the planner workspace on {when}.\n"
            "# Use it with: safepassage coverage --plan FILE, or safepassage plan --plan FILE\n")
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
