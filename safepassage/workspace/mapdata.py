"""What the workspace page draws that does not change with each solve, as JSON.

:func:`area_json` is sent once: the site, the walking network as the base map (the same grey
lines as the planner map, :func:`safepassage.maps.base_network_lines`), the destinations with
their kinds' symbols, the palettes of the planner map (:mod:`safepassage.maps.styles`) and the
credits. :func:`corridor_json` is sent once per corridor (window, radius, profile): its
segments with their demand band, and the candidate posts a planner can click. Names are sent
as plain text; the page puts them in the DOM as text, never as markup.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..coverage import CoverageProblem, name_in_units
from ..maps import (
    COORD_DECIMALS,
    DARK_COLOURS,
    KIND_STYLES,
    POST_COLOURS,
    approximate_note,
    base_network_lines,
    data_sources,
    kind_symbol_html,
    latlon_parts,
    site_symbol_html,
)
from ..maps.styles import (
    BANNED_COLOUR,
    BASE_STYLES,
    CHANGE_COLOURS,
    COVERED_RAMP,
    DEMAND_WIDTHS,
    GAP_RAMP,
)
from ..source import Area
from ..utils import Units

__all__ = ["area_json", "corridor_json", "demand_bands"]

#: Words for the demand bands, as the planner map's legend says them.
BAND_WORDS: dict[int, tuple[str, ...]] = {
    1: ("People walking",),
    2: ("Fewer people walking", "More people walking"),
    3: ("Fewest people walking", "Some", "Most people walking"),
    4: ("Fewest people walking", "Fewer", "More", "Most people walking"),
}


def demand_bands(demand: np.ndarray, bands: int = len(DEMAND_WIDTHS)) -> list[float]:
    """Upper bounds of demand bands: quantiles of the positive demand, increasing, last inf."""
    v = demand[np.isfinite(demand) & (demand > 0)]
    if not len(v):
        return [math.inf]
    breaks: list[float] = []
    for q in np.quantile(v, np.linspace(0, 1, bands + 1)[1:-1]):
        b = float(np.round(q, 1))
        if (not breaks or b > breaks[-1]) and b < float(v.max()):
            breaks.append(b)
    return [*breaks, math.inf]


def _round(value: float) -> float:
    return round(float(value), COORD_DECIMALS)


def area_json(area: Area) -> dict[str, Any]:
    """The site, base map, destinations, palettes and credits of the workspace page."""
    site = area.site
    dest = area.destinations
    rows: list[dict[str, Any]] = []
    if len(dest):
        usable = dest[dest["usable"].astype(bool)]
        for r in usable.to_dict("records"):
            if r.get("lat") is None or r.get("lon") is None:
                continue
            rows.append({"name": str(r.get("name") or ""), "kind": str(r.get("kind") or "other"),
                         "lat": _round(r["lat"]), "lon": _round(r["lon"])})
    kinds = sorted({r["kind"] for r in rows})
    return {
        "site": {"name": site.name, "lat": _round(site.lat), "lon": _round(site.lon),
                 "approximate": bool(site.approximate), "note": approximate_note(area)},
        "base": base_network_lines(area.G),
        "destinations": rows,
        "kinds": {k: {"label": KIND_STYLES.get(k, KIND_STYLES["other"]).label_en,
                      "symbol": kind_symbol_html(k, 18)} for k in kinds},
        "site_symbol": site_symbol_html(22),
        "styles": {"covered": list(COVERED_RAMP), "gap": list(GAP_RAMP),
                   "widths": list(DEMAND_WIDTHS), "posts": list(POST_COLOURS),
                   "dark": sorted(DARK_COLOURS), "base": BASE_STYLES,
                   "changes": dict(CHANGE_COLOURS), "banned": BANNED_COLOUR},
        "credits": data_sources(area),
    }


def corridor_json(problem: CoverageProblem, token: str,
                  units: Units = "imperial") -> dict[str, Any]:
    """One corridor's segments (in the order of a result's ``rows``) and candidate posts.

    Parameters
    ----------
    problem : CoverageProblem
        The window's problem (without planner points).
    token : str
        Its corridor token (results name the corridor they are on by it).
    units : {"imperial", "metric"}
        Units of the candidates' ``shown`` names (their ``name`` is kept as stored).

    Returns
    -------
    dict
        ``segments`` (``name``, ``length_m``, ``band`` 0-3 of demand, ``lines`` as
        ``[[[lat, lon], ...], ...]``), ``bands`` (their words), ``candidates`` (``name``,
        ``shown``: the name in ``units``, ``lat``, ``lon``, ``source``), ``radius_m`` and the
        window.
    """
    segs = problem.segments.to_crs("EPSG:4326")
    demand = segs["demand"].to_numpy(dtype=float)
    breaks = demand_bands(demand)
    band = np.minimum(np.searchsorted(np.asarray(breaks), demand, side="left"),
                      len(DEMAND_WIDTHS) - 1)
    segments = [
        {"name": str(name), "length_m": round(float(length), 1), "band": int(b),
         "lines": latlon_parts(geom)}
        for name, length, b, geom in zip(segs["name"], segs["length_m"], band,
                                         segs.geometry, strict=True)
    ]
    cands = problem.candidates
    candidates = [
        {"name": str(n), "shown": name_in_units(str(n), units), "lat": _round(lat),
         "lon": _round(lon), "source": str(s)}
        for n, lat, lon, s in zip(cands["name"], cands["lat"], cands["lon"], cands["source"],
                                  strict=True)
    ]
    words = BAND_WORDS.get(len(breaks), tuple(f"Band {i + 1}" for i in range(len(breaks))))
    return {"corridor": token, "window": problem.window.name, "radius_m": problem.radius_m,
            "segments": segments, "bands": list(words), "candidates": candidates}
