"""The network cache: one folder per site or point, with its provenance."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox

from .. import __version__, settings
from ..errors import InputError
from ..io import atomic_dir, atomic_write_json

log = logging.getLogger(__name__)

#: Version of the cache layout and preparation; a cache written by another version is rebuilt.
CACHE_FORMAT = 5
@dataclass
class Provenance:
    """Where a network came from, stored with it and shown in every plan.

    Attributes
    ----------
    source : str
        "overpass", "file", "demo" or "cache".
    detail : str
        The Overpass URL or the file name.
    query : dict
        The area asked for: point and radius.
    retrieved : str
        ISO time of the download or read.
    osmnx_version, safepassage_version : str
    """

    source: str
    detail: str
    query: dict[str, Any] = field(default_factory=dict)
    retrieved: str = ""
    osmnx_version: str = ox.__version__
    safepassage_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON."""
        return dict(self.__dict__)


_NODE_DTYPES: dict[str, Callable[[str], Any]] = {"lon": float, "lat": float,
                                                 "data_edge": lambda s: s == "True"}
_EDGE_DTYPES: dict[str, Callable[[str], Any]] = {
    "aadt": float, "lanes": float, "maxspeed_kmh": float, "end_cross_aadt": float,
    "busy": lambda s: s == "True",
}


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (cache entries list their files' digests)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class CacheError(Exception):
    """A cache entry is missing, from another version, or corrupt (internal)."""


def cache_dir_for(slug: str, cache_dir: str | Path | None = None) -> Path:
    """The cache folder of one site or point: ``<cache>/<slug>/`` (a plain folder name)."""
    if not slug or slug in (".", "..") or "/" in slug or "\\" in slug or "\0" in slug:
        raise InputError(f"cannot make a cache folder name of {slug!r}")
    return Path(cache_dir or settings.cache_folder) / slug


def save_cache(
    folder: str | Path,
    G: nx.MultiDiGraph,
    provenance: Provenance,
    extra_files: Mapping[str, Callable[[Path], None]] | None = None,
) -> Path:
    """Write a prepared network (and extra files) to a cache folder, atomically.

    Parameters
    ----------
    folder : str or Path
        ``<cache>/<slug>``; replaced whole only once everything is written.
    G : networkx.MultiDiGraph
        The prepared network.
    provenance : Provenance
        Where it came from.
    extra_files : mapping, optional
        File name -> function writing that file at the given path (destinations, say).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        H = G.copy()
        for key in ("provenance", "dropped", "raw_size"):
            H.graph.pop(key, None)
        ox.save_graphml(H, tmp / "network.graphml")
        for name, writer in (extra_files or {}).items():
            writer(tmp / name)
        files = {p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        meta = {
            "format": CACHE_FORMAT,
            "provenance": provenance.to_dict(),
            "dropped": G.graph.get("dropped", {}),
            "raw_size": G.graph.get("raw_size", {}),
            "files": files,
        }
        atomic_write_json(tmp / "provenance.json", meta)
    return folder


def read_cache_meta(folder: str | Path) -> dict[str, Any]:
    """Read and verify a cache folder's ``provenance.json`` and checksums.

    Raises
    ------
    CacheError
        When the entry is missing, from another cache format, or any file's checksum differs
        (a half-written or edited file).
    """
    folder = Path(folder)
    meta_path = folder / "provenance.json"
    if not meta_path.exists():
        raise CacheError(f"no cache entry in {folder}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = meta["files"]
        fmt = meta["format"]
        prov = meta.setdefault("provenance", {})
        if not (isinstance(files, dict) and isinstance(prov, dict)
                and isinstance(prov.setdefault("query", {}), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())):
            raise TypeError("unexpected structure")
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise CacheError(f"corrupt cache entry {meta_path} ({type(exc).__name__})") from None
    if fmt != CACHE_FORMAT:
        raise CacheError(f"cache entry {folder} is format {fmt}, this version reads {CACHE_FORMAT}")
    for name, digest in files.items():
        p = folder / name
        try:
            ok = p.parent == folder and p.is_file() and file_sha256(p) == digest
        except OSError:
            ok = False
        if not ok:
            raise CacheError(f"corrupt cache entry: {p} is missing or does not match its checksum")
    return meta


def load_cache(folder: str | Path) -> nx.MultiDiGraph:
    """Load a verified cached network.

    Raises
    ------
    CacheError
        See :func:`read_cache_meta`; also when the GraphML cannot be parsed.
    """
    folder = Path(folder)
    meta = read_cache_meta(folder)
    try:
        G = ox.load_graphml(folder / "network.graphml", node_dtypes=_NODE_DTYPES,
                            edge_dtypes=_EDGE_DTYPES)
    except Exception as exc:  # any parse failure means the entry is unusable
        raise CacheError(f"corrupt cache entry {folder}: {type(exc).__name__}") from None
    G.graph["provenance"] = {**meta["provenance"], "cache": str(folder)}
    G.graph["dropped"] = meta.get("dropped", {})
    G.graph["raw_size"] = meta.get("raw_size", {})
    return G


# ---------------------------------------------------------------------------------------------
# Nearest nodes


