"""The ten Community Safety Partnership sites, the planned ones, and how users name them.

The catalogue lives in ``geodata/csp_sites.geojson``. Its points are approximate (about ±300 m,
estimated from housing-authority addresses), and every place that shows a site point says so.
A *planned* site (``"planned": true``, e.g. Algin Sutton) is one the city funds surveys for
before a CSP team starts: it can be planned like the others, its name carries "(planned)"
wherever a plan shows it, and runs over all sites leave it out unless asked.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import settings
from .errors import InputError
from .utils import clean_text

DEMO_SLUG = "demo-downtown-la"


@dataclass(frozen=True)
class Site:
    """One place to plan around: a CSP site, the demo area or a user's point.

    Attributes
    ----------
    name : str
        Display name ("Jordan Downs").
    slug : str
        File-system name ("jordan-downs"); output goes to ``maps/<slug>/``.
    lat, lon : float
        The origin point (WGS84).
    reference_address : str
        Street address the point was estimated from.
    lapd_division : str
        LAPD geographic Area ("Southeast").
    lapd_basic_car : str
        LAPD Basic Car patrol area ("18A26").
    accuracy : str
        How good the point is; CSP points are approximate.
    approximate : bool
        True when ``lat``/``lon`` are estimated rather than surveyed.
    planned : bool
        True for a site planned but not yet served by a CSP team.
    status : str
        What "planned" means for it ("" for the ten CSP sites).
    """

    name: str
    slug: str
    lat: float
    lon: float
    reference_address: str = ""
    lapd_division: str = ""
    lapd_basic_car: str = ""
    accuracy: str = ""
    approximate: bool = False
    planned: bool = False
    status: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain dictionary for JSON output."""
        return asdict(self)

    def as_planned(self) -> Site:
        """The site as a plan shows it: a planned site's name says "(planned)"."""
        if not self.planned or self.name.endswith(PLANNED_MARK):
            return self
        return replace(self, name=f"{self.name} {PLANNED_MARK}")


#: What a planned site's name carries wherever a plan shows it.
PLANNED_MARK = "(planned)"


#: Longest slug, characters (a file name must stay well under the system's 255 bytes).
MAX_SLUG_CHARS = 64
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """Lower-case, hyphen-separated ASCII slug ("Pueblo Del Rio" -> "pueblo-del-rio").

    Other scripts are transliterated (:mod:`anyascii`): "서울 초등학교" -> "seoul-chodeunghaggyo",
    "Ñandú" -> "nandu". The result holds only ``a-z``, ``0-9`` and single inner hyphens, at most
    :data:`MAX_SLUG_CHARS` characters, and may be empty (for text of punctuation only); use
    :func:`folder_slug` where a name is needed whatever the text.
    """
    from anyascii import anyascii

    text = str(text)
    if not text.isascii():
        text = anyascii(text)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        slug = slug[:MAX_SLUG_CHARS].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG_CHARS] else (
            slug[:MAX_SLUG_CHARS])
    return slug.strip("-")


def folder_slug(text: str, prefix: str = "site") -> str:
    """A file-system name for a name: its :func:`slugify`, never empty, never a path.

    Text with nothing to transliterate ("..", "???", "") gets a stable id from its content,
    ``<prefix>-<10 hex digits>``, so different names never share a folder by accident.
    """
    slug = slugify(text)
    if slug:
        return slug
    digest = hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{prefix}-{digest}"


def is_slug(text: str) -> bool:
    """Whether ``text`` is a safe folder name as :func:`folder_slug` makes them."""
    return bool(_SLUG.match(text)) and len(text) <= MAX_SLUG_CHARS + 12


def _key(text: str) -> str:
    # Forgiving comparison: case, spaces, hyphens and punctuation do not matter.
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Site, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    sites = []
    for f in data["features"]:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        slug = p.get("slug") or folder_slug(p["name"])
        if not is_slug(slug):
            raise InputError(f"site catalogue {path.name}: bad slug {slug!r}")
        sites.append(
            Site(
                name=clean_text(p["name"]),
                slug=slug,
                lat=float(lat),
                lon=float(lon),
                reference_address=p.get("reference_address", ""),
                lapd_division=p.get("lapd_division", ""),
                lapd_basic_car=p.get("lapd_basic_car", ""),
                accuracy=p.get("accuracy", ""),
                approximate=bool(p.get("approximate", True)),
                planned=bool(p.get("planned", False)),
                status=p.get("status", ""),
            )
        )
    return tuple(sites)


def load_sites(path: str | Path | None = None, *, include_planned: bool = True) -> list[Site]:
    """Return the CSP site catalogue.

    Parameters
    ----------
    path : str or Path, optional
        A GeoJSON catalogue; defaults to ``geodata/csp_sites.geojson``.
    include_planned : bool, default True
        Also the planned sites (marked ``planned``).

    Returns
    -------
    list of Site
    """
    path = Path(path) if path else settings.geodata_folder / "csp_sites.geojson"
    return [s for s in _load(path.resolve()) if include_planned or not s.planned]


def find_site(name: str, sites: list[Site] | None = None) -> Site:
    """Look a site up by name or slug, forgiving case, spacing and punctuation.

    Parameters
    ----------
    name : str
        "Jordan Downs", "jordan downs", "Jordan-Downs" and "jordan_downs" all match.
    sites : list of Site, optional
        Catalogue to search; defaults to :func:`load_sites`.

    Returns
    -------
    Site

    Raises
    ------
    InputError
        If no site matches; the message lists the closest names.
    """
    sites = load_sites() if sites is None else sites
    wanted = _key(name)
    if wanted.endswith(_key(PLANNED_MARK)):  # "Algin Sutton (planned)", as plans show it
        wanted = wanted.removesuffix(_key(PLANNED_MARK))
    for s in sites:
        if wanted and wanted in (_key(s.name), _key(s.slug)):
            return s
    # A unique prefix or word match ("nickerson", "san fernando") is accepted too.
    partial = [s for s in sites if wanted and _key(s.name).startswith(wanted)]
    if len(partial) == 1:
        return partial[0]
    names = [s.name for s in sites]
    close = difflib.get_close_matches(name.strip().title(), names, n=3, cutoff=0.4)
    if not close:
        close = [s.name for s in partial][:3]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise InputError(
        f"unknown site {name!r}.{hint} Run 'safepassage sites' for the list of the "
        f"{len(sites)} sites."
    )


def point_site(lat: float, lon: float, name: str | None = None) -> Site:
    """A site for a user's point, after checking the coordinates.

    Parameters
    ----------
    lat, lon : float
        WGS84 latitude and longitude in degrees.
    name : str, optional
        Display name; defaults to the coordinates.

    Returns
    -------
    Site
    """
    check_lat_lon(lat, lon)
    name = clean_text(name) if name else None
    label = name or f"Point {lat:.5f}, {lon:.5f}"
    slug = folder_slug(name) if name else f"point_{lat:.5f}_{lon:.5f}"
    return Site(name=label, slug=slug, lat=lat, lon=lon, accuracy="as given by the user")


def check_lat_lon(lat: float, lon: float) -> None:
    """Raise :class:`InputError` unless ``lat``/``lon`` are finite WGS84 degrees."""
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):  # NaN fails both
        raise InputError(
            f"bad coordinates {lat}, {lon}: latitude must be within ±90 and longitude within "
            "±180 (give LAT,LON, e.g. 33.9455,-118.234)"
        )


def parse_point(text: str) -> tuple[float, float]:
    """Parse "LAT,LON" into floats, with a clear error for anything else.

    Parameters
    ----------
    text : str
        For example "33.9455,-118.234".

    Returns
    -------
    tuple of float
        ``(lat, lon)``.
    """
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) != 2:
        raise InputError(f"bad point {text!r}: give LAT,LON, e.g. 33.9455,-118.234")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError(
            f"bad point {text!r}: give LAT,LON as numbers, e.g. 33.9455,-118.234"
        ) from None
    if lat != lat or lon != lon:  # NaN
        raise InputError(f"bad point {text!r}: coordinates must be numbers")
    check_lat_lon(lat, lon)
    return lat, lon
