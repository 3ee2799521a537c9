"""Product folders: an output folder holds only what the product wrote, listed in a manifest.

A folder holding anything else is refused before any work and never emptied; a folder holding a
plan is never rewritten by ``routes``, ``coverage`` or ``beats`` (their files would contradict its
``plan.json``, maps and handouts); a folder's new content is swapped in whole, or not at all.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError
from .atomic import atomic_dir, atomic_write_json, is_temporary_name, remove_stale
from .run import run_token

#: The manifest of a product folder: which command wrote which files.
MANIFEST = ".safepassage-manifest.json"
MANIFEST_FORMAT = "safepassage-manifest/1"
#: Commands whose files a folder may hold; a plan owns its folder alone.
COMMANDS = ("plan", "routes", "coverage", "beats", "index", "workspace")

#: File names earlier versions (without a manifest) wrote, for recognising their folders.
_LEGACY_NAMES = re.compile(
    r"^(plan\.json|plan\.yaml|routes\.geojson|routes\.gpx|posts\.geojson|coverage\.json|plan\.gpkg|"
    r"index\.html|officer_map\.html|planner_map(_[\w:-]+)?\.html|incidents\.geojson|"
    r"concerns\.geojson|handouts/[\w.-]+\.(en|es)\.(html|pdf))$")
#: Files any command may have written beside its own (the incidents and concerns it used).
_SHARED_NAMES = ("incidents.geojson", "concerns.geojson")


class OutputFolderError(InputError):
    """An output folder that the product must not write: refused before any work (exit 2)."""


def _files_in(folder: Path) -> list[str]:
    """Every file (and symlink) below ``folder``, relative, except the manifest."""
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_symlink() or not p.is_dir():
            rel = p.relative_to(folder).as_posix()
            if rel != MANIFEST:
                out.append(rel)
    return out


def read_manifest(folder: str | Path) -> dict[str, list[str]] | None:
    """The files each command wrote into ``folder`` (None when there is no manifest).

    Raises
    ------
    OutputFolderError
        When the manifest cannot be read: the folder is then not known to be the product's.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        groups = data["groups"]
        out = {str(k): [str(f) for f in v["files"]] for k, v in groups.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise OutputFolderError(f"{folder}: its manifest {MANIFEST} is unreadable, so it is not "
                                "known which files Safe Passages wrote there; choose another "
                                "folder") from None
    if data.get("format") != MANIFEST_FORMAT:
        raise OutputFolderError(f"{folder}: its manifest {MANIFEST} is of an unknown format")
    return out


def _legacy_groups(folder: Path, files: list[str]) -> dict[str, list[str]] | None:
    """The groups of a folder an earlier version wrote (no manifest), or None if it is not."""
    if not files or not all(_LEGACY_NAMES.match(f) for f in files):
        return None

    def head(name: str) -> str:
        with contextlib.suppress(OSError), (folder / name).open("rb") as fh:
            return fh.read(4096).decode("utf-8", "replace")
        return ""

    if "plan.json" in files and '"safepassage_version"' in head("plan.json"):
        return {"plan": files}
    groups: dict[str, list[str]] = {}
    if "coverage.json" in files and "safepassage-coverage" in head("coverage.json"):
        groups["coverage"] = [f for f in files if f in ("coverage.json", "posts.geojson")]
    if "routes.gpx" in files and 'creator="safepassage"' in head("routes.gpx"):
        groups["routes"] = [f for f in files if f in ("routes.geojson", "routes.gpx")]
    if groups:  # the incidents a command used went beside its files
        next(iter(groups.values())).extend(f for f in files if f in _SHARED_NAMES)
    listed = {f for g in groups.values() for f in g}
    return groups if listed == set(files) else None


def _describe(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def folder_groups(folder: str | Path, option: str = "--out") -> dict[str, list[str]]:
    """What the product wrote in an existing output folder, by command.

    Raises
    ------
    OutputFolderError
        When the folder holds anything the product did not write (it is never emptied).
    """
    folder = Path(folder)
    files = _files_in(folder)
    groups = read_manifest(folder)
    if groups is None:
        groups = {} if not files else _legacy_groups(folder, files)
        if groups is None:
            raise OutputFolderError(
                f"{option} {folder} already holds files Safe Passages did not write "
                f"({_describe(files)}); it is never emptied: choose a new or empty folder")
    listed = {f for g in groups.values() for f in g}
    foreign = [f for f in files if f not in listed and not is_temporary_name(Path(f).name)]
    if foreign:
        raise OutputFolderError(
            f"{option} {folder} holds files Safe Passages did not write ({_describe(foreign)}); "
            "it is never emptied: move them or choose a new or empty folder")
    return groups


def check_output_folder(path: str | Path, command: str, *, option: str = "--out") -> Path:
    """Check, before any slow work, that ``command`` may write the output folder ``path``.

    A command may write a folder that does not exist yet, an empty one, or one holding only
    what the product wrote (its manifest says so). ``routes``, ``coverage`` and ``beats`` never
    write into a plan's folder: their files would contradict its ``plan.json``, maps and
    handouts. Leftovers of runs that died are removed here.

    Parameters
    ----------
    path : str or Path
        The folder.
    command : str
        One of :data:`COMMANDS`.
    option : str
        How the user named the folder, for messages.

    Returns
    -------
    Path
        The folder as given, or where it points if it is a symbolic link.

    Raises
    ------
    OutputFolderError
        (exit 2) a file in the way, a folder with other content, a plan's folder for
        ``routes``/``coverage``/``beats``.
    OutputError
        (exit 4) a folder that cannot be written.
    """
    path = Path(path).expanduser()
    if path.is_symlink():  # the folder it points to is the output (the link stays)
        path = path.resolve()
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{option} {path} is a file, not a folder: give a folder")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputFolderError(f"{option} {path}: {parent} is a file, not a folder")
    remove_stale(path.parent, path.name)
    if path.is_dir():
        groups = folder_groups(path, option)
        if command in ("routes", "coverage", "beats") and "plan" in groups:
            raise OutputFolderError(
                f"{option} {path} holds a plan (plan.json, maps, handouts): writing {command} "
                f"there would make it contradict its plan.json; give another folder with --out "
                f"or run 'safepassage plan' again")
    _probe(path.parent if path.is_dir() else parent, f"{option} {path}")
    return path


def _probe(folder: Path, what: str) -> None:
    """Check that the output can be written in ``folder`` by making a temporary folder there."""
    try:
        Path(tempfile.mkdtemp(prefix=f".probe.sp{run_token()}.", suffix=".tmp",
                              dir=folder)).rmdir()
    except OSError as exc:
        raise OutputError(f"cannot write {what}: {exc.strerror or exc}") from None


def _manifest_doc(groups: dict[str, list[str]]) -> dict[str, Any]:
    from .. import __version__

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return {"format": MANIFEST_FORMAT, "written_by": f"safepassage {__version__}",
            "groups": {k: {"files": sorted(v), "written": stamp} for k, v in groups.items()}}


@contextlib.contextmanager
def product_dir(path: str | Path, command: str, *, option: str = "--out") -> Iterator[Path]:
    """Write ``command``'s files into the output folder ``path``, all or nothing.

    The folder is checked (:func:`check_output_folder`), the new content is built in a
    temporary sibling (the block writes there), and swapped in whole on success with its
    manifest. A plan replaces the folder's content; ``routes``, ``coverage`` and ``beats``
    replace their own files and keep each other's.

    Yields
    ------
    Path
        The temporary folder to write into (the files end up at the same relative paths).
    """
    if command not in COMMANDS:
        raise ValueError(f"command must be one of {COMMANDS}, got {command!r}")
    path = check_output_folder(path, command, option=option)
    groups = folder_groups(path, option) if path.is_dir() else {}
    kept = {} if command == "plan" else {k: v for k, v in groups.items() if k != command}
    carried = sorted({f for g in kept.values() for f in g})
    with atomic_dir(path, keep=carried) as tmp:
        yield tmp
        written = [f for f in _files_in(tmp) if f not in set(carried)]
        atomic_write_json(tmp / MANIFEST, _manifest_doc({**kept, command: written}))


def check_product_file(path: str | Path, command: str = "index") -> Path:
    """Check that one file of the product may be written into a folder holding other things.

    A batch run's root folder (``maps/``) holds its ``index.html`` beside the sites' folders and
    whatever else the user keeps there: the index is written only if it is new or the folder's
    manifest lists it as the product's.

    Raises
    ------
    OutputFolderError
        When a file of that name exists that the product did not write, or a folder is in the
        way.
    """
    path = Path(path)
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(f"--out {folder} is a file, not a folder: give a folder")
    groups = (read_manifest(folder) if folder.is_dir() else None) or {}
    if (path.exists() or path.is_symlink()) and path.name not in groups.get(command, []) and (
            not _legacy_index(path)):
        raise OutputFolderError(f"{path} exists and Safe Passages did not write it; it is never "
                                "overwritten: move it or choose another folder with --out")
    return path


def _legacy_index(path: Path) -> bool:
    """An index over all sites that a version before the manifests wrote."""
    try:
        with path.open("rb") as fh:
            return b"<title>Safe Passages: All sites</title>" in fh.read(4096)
    except OSError:
        return False


def record_product_file(path: str | Path, command: str = "index") -> Path:
    """List a file written after :func:`check_product_file` in its folder's manifest."""
    path = Path(path)
    groups = dict(read_manifest(path.parent) or {})
    if path.name not in groups.get(command, []):
        groups[command] = sorted({*groups.get(command, []), path.name})
        atomic_write_json(path.parent / MANIFEST, _manifest_doc(groups))
    return path
