"""Where the package keeps its data, and the defaults every module shares.

Like ``osmnx.settings``, these are plain module attributes: change them in a notebook before
calling the functions that read them (``safepassage.settings.cache_folder = "/tmp/sp"``).
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_geodata() -> Path:
    # In a wheel the shipped data is installed inside the package; in a source checkout
    # (including an editable install) it sits beside the package at the repository's top.
    inside = Path(__file__).resolve().parent / "geodata"
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent / "geodata"


#: Folder of the shipped data: site catalogue, demo extract, Metro stops, profiles.
geodata_folder: Path = _find_geodata()


def _default_cache() -> Path:
    env = os.environ.get("SAFEPASSAGE_CACHE")
    if env:
        return Path(env)
    # A source checkout caches downloads next to the shipped data (geodata/cache/<slug>/, ignored
    # by git); an installed package must not write into site-packages.
    if os.access(geodata_folder, os.W_OK) and (geodata_folder.parent / "pyproject.toml").exists():
        return geodata_folder / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "safepassage"


#: Folder for downloaded networks and destinations, one sub-folder per site or point.
cache_folder: Path = _default_cache()

#: Folder for rendered output (``maps/<site-slug>/``).
maps_folder: Path = Path(os.environ.get("SAFEPASSAGE_MAPS", "maps"))

#: Overpass API endpoint for downloads (osmnx's default unless SAFEPASSAGE_OVERPASS_URL is set).
overpass_url: str | None = os.environ.get("SAFEPASSAGE_OVERPASS_URL") or None

#: Default search radius around a site or point, in metres.
default_radius_m: float = 1200.0

#: A destination farther than this from the network is reported, not used.
max_snap_m: float = 250.0

#: Officers on duty per window when neither the command line nor a plan file says.
default_officers: int = 6

#: Seconds to wait for an existing Dask scheduler (``plan --scheduler``) to answer.
dask_connect_timeout_s: float = 15.0

#: Default coverage radius of one officer post, metres of walking.
post_radius_m: float = 250.0
