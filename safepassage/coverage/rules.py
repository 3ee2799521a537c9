"""What a planner requires of a plan: locked posts, banned places, backup coverage.

Each rule is resolved against a built :class:`~.problem.CoverageProblem` into candidate
indices (or per-row weights) the solvers understand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..io import area_in_crs
from .candidates import spec_latlon
from .options import BACKUP_DEFAULT, BAN_RADIUS_M, BanSpec, CoverageSettings, PostSpec
from .problem import CoverageProblem

__all__ = ["Backup", "Rules", "backup_rows", "banned_candidates", "planner_rules"]


@dataclass(frozen=True)
class Rules:
    """Locked and banned candidates of one problem."""

    locked: np.ndarray  # candidate indices, sorted, unique
    banned: np.ndarray
    banned_places: list[str]  # a label per ban, for reports
    banned_areas: list[BaseGeometry] = field(default_factory=list)  # WGS84, to draw


@dataclass(frozen=True)
class Backup:
    """Backup coverage resolved on a problem: the busiest rows earn ``factor`` × weight again."""

    weights: np.ndarray  # the row's weight where it is among the busiest, else 0
    factor: float
    busy: np.ndarray  # boolean per row

    def spec(self) -> dict[str, object]:
        """As :meth:`safepassage.locate.MaximalCovering.from_coverage` takes it."""
        return {"weights": self.weights, "factor": self.factor}


def _ban_label_or_hit(problem: CoverageProblem, spec: BanSpec, where: str
                      ) -> tuple[int, str] | None:
    """A ban that names one candidate (an index, a name, ``{"post": name}``): it and a label."""
    cands = problem.candidates
    if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
        i = problem.find(int(spec), where=where)
        return i, str(cands["name"].iloc[int(spec)])
    if isinstance(spec, Mapping) and "post" in spec and "geometry" not in spec:
        i = problem.find(spec["post"], where=where)  # type: ignore[arg-type]
        return i, str(spec.get("name") or "") or str(cands["name"].iloc[i])
    if isinstance(spec, str):
        i = problem.find(spec, where=where)
        return i, str(cands["name"].iloc[i])
    return None


def _ban_area(spec: BanSpec, where: str) -> tuple[BaseGeometry, float, str]:
    """A ban that is a place: its WGS84 geometry, buffer radius (m) and label."""
    if isinstance(spec, BaseGeometry):
        return spec, 0.0, spec.geom_type.lower()
    label, radius = "", BAN_RADIUS_M
    if isinstance(spec, Mapping):
        radius = float(spec.get("radius_m", BAN_RADIUS_M if "lat" in spec else 0.0))  # type: ignore[arg-type]
        label = str(spec.get("name") or "")
        if "geometry" in spec:
            geom = spec["geometry"]
            if not isinstance(geom, BaseGeometry):
                geom = shape(geom)
            return geom, radius, label or geom.geom_type.lower()
    latlon = spec_latlon(spec, where)
    if latlon is None:
        raise InputError(f"{where}: give lat, lon (and radius_m), a polygon, or a post name; "
                         f"got {spec!r}")
    if isinstance(spec, tuple | list) and len(spec) == 3:
        radius = float(spec[2])
    return Point(latlon[1], latlon[0]), radius, label or f"{latlon[0]:.5f},{latlon[1]:.5f}"


#: A ban naming one post is drawn as a circle of this radius (metres) around it.
BANNED_POST_DRAW_M = 12.0


def banned_candidates(problem: CoverageProblem, banned: Iterable[BanSpec]
                      ) -> tuple[np.ndarray, list[str], list[BaseGeometry]]:
    """Candidates inside banned places: points with a radius, polygons (WGS84), or posts.

    Returns
    -------
    numpy.ndarray
        Candidate indices.
    list of str
        A label per ban.
    list of shapely geometry
        Each ban's area in WGS84, to draw (a banned post: a small circle around it).
    """
    cands = problem.candidates
    if len(cands) == 0:
        return np.zeros(0, dtype=np.intp), [], []
    pts = shapely.points(cands["x"].to_numpy(), cands["y"].to_numpy())
    to_xy = Transformer.from_crs("EPSG:4326", problem.crs, always_xy=True)
    to_wgs = Transformer.from_crs(problem.crs, "EPSG:4326", always_xy=True)
    hit = np.zeros(len(cands), dtype=bool)
    labels: list[str] = []
    areas: list[BaseGeometry] = []
    for j, spec in enumerate(banned):
        where = f"banned[{j}]"
        one = _ban_label_or_hit(problem, spec, where)
        if one is not None:
            hit[one[0]] = True
            labels.append(one[1])
            projected = pts[one[0]].buffer(BANNED_POST_DRAW_M)
        else:
            geom, radius, label = _ban_area(spec, where)
            projected = (area_in_crs(geom, problem.crs, shapely.get_coordinates(pts))
                         if geom.area > 0 else shapely.transform(geom, to_xy.transform,
                                                                 interleaved=False))
            if radius > 0:
                projected = projected.buffer(radius)
            hit |= shapely.covers(projected, pts) if projected.area > 0 else shapely.dwithin(
                projected, pts, 1e-6)
            labels.append(label)
        areas.append(shapely.transform(projected, to_wgs.transform, interleaved=False))
    return np.flatnonzero(hit).astype(np.intp), labels, areas


def locked_candidates(problem: CoverageProblem, locked: Iterable[PostSpec],
                      snap_m: float) -> np.ndarray:
    """The candidates the locked posts are (sorted, unique)."""
    return np.unique(np.array(
        [problem.find(s, snap_m=snap_m, where=f"locked[{j}]") for j, s in enumerate(locked)],
        dtype=np.intp))


def planner_rules(problem: CoverageProblem, settings: CoverageSettings) -> Rules:
    """Resolve the settings' locked posts and banned places on ``problem``.

    Raises
    ------
    InputError
        For unknown post names, far-off locked points, bad bans, or a locked post that is
        also banned.
    """
    locked = locked_candidates(problem, settings.locked, settings.lock_snap_limit_m)
    banned, labels, areas = banned_candidates(problem, settings.banned)
    both = np.intersect1d(locked, banned)
    if both.size:
        raise InputError(f"locked post {problem.candidates['name'].iloc[int(both[0])]!r} lies in "
                         "a banned place; unlock it or change the ban")
    return Rules(locked, banned, labels, areas)


def backup_rows(problem: CoverageProblem,
                backup: bool | Mapping[str, float] | None) -> Backup | None:
    """The busiest rows holding ``top_share`` of the weight, and the factor they earn again.

    ``backup`` is checked already (see :class:`~.options.CoverageSettings`); ``None`` or
    ``False`` is no backup.
    """
    if backup is None or backup is False:
        return None
    opts = dict(BACKUP_DEFAULT)
    if isinstance(backup, Mapping):
        opts.update({k: float(v) for k, v in backup.items()})
    w = problem.weights
    demand = problem.segments["demand"].to_numpy(dtype=float)
    order = np.argsort(-demand, kind="stable")
    cum = np.cumsum(w[order])
    total = float(w.sum())
    n_top = int(np.searchsorted(cum, opts["top_share"] * total * (1 - 1e-12)) + 1) if total else 0
    busy = np.zeros(w.size, dtype=bool)
    busy[order[:n_top]] = True
    return Backup(np.where(busy, w, 0.0), opts["factor"], busy)
