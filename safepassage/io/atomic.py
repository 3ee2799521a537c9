"""Atomic files and folders, and the temporary siblings that dead runs left removed.

Every file the product writes goes through :func:`atomic_write_text` / :func:`atomic_write_bytes`
(or a folder through :func:`atomic_dir`): the data is written to a temporary sibling and renamed
over the target, so a failure never leaves half a file. Temporary siblings carry the writing
run's process id and start time (:func:`~.run.run_token`); the next run removes those of runs
that died (``kill -9``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..errors import OutputError
from .run import LEGACY_AGE_S, remove_path, run_alive, run_token

# ---------------------------------------------------------------------------------------------
# Temporary siblings, and what dead runs left of them


#: ``.<name>.sp<pid>-<ticks>.<random>.tmp`` (or ``.old``): a temporary sibling of ``<name>``.
_SIBLING = re.compile(r"^\.(?P<name>.+)\.sp(?P<token>\d+-\d+)\.[A-Za-z0-9_]+\.(?P<kind>tmp|old)$")
#: Temporary siblings of versions before 0.2 carried no process id.
_OLD_SIBLING = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


def is_temporary_name(name: str) -> bool:
    """Whether a file name is one of the temporary siblings this module makes."""
    return _SIBLING.match(name) is not None


def remove_stale(parent: str | Path, name: str | None = None) -> list[str]:
    """Remove the temporary siblings that dead runs left in ``parent`` (of ``name``, or all).

    A run killed between moving an old folder aside and moving the new one in (possible only
    where the file system cannot swap two folders at once) left the old one as ``.old``: it is
    moved back, so the previous output is whole again.

    Returns
    -------
    list of str
        The names removed or restored.
    """
    parent = Path(parent)
    done: list[str] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return done
    now = time.time()
    for entry in entries:
        m = _SIBLING.match(entry.name)
        if m is not None:
            if (name is not None and m["name"] != name) or run_alive(m["token"]):
                continue
            target = parent / m["name"]
            if m["kind"] == "old" and not target.exists():
                with contextlib.suppress(OSError):
                    Path(entry.path).rename(target)
                    done.append(entry.name)
                    continue
            remove_path(Path(entry.path))
            done.append(entry.name)
            continue
        old = _OLD_SIBLING.match(entry.name)
        if old is not None and (name is None or old["name"] == name):
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > LEGACY_AGE_S:
                    remove_path(Path(entry.path))
                    done.append(entry.name)
    return done


# ---------------------------------------------------------------------------------------------
# Atomic files and folders


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_error(exc: OSError, path: Path) -> OutputError:
    why = exc.strerror or str(exc)
    return OutputError(f"cannot write {exc.filename or path}: {why}")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Target file; its folder is created if missing.
    data : bytes
        The complete content.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputError
        When the file cannot be written (permissions, full disk); nothing is left behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent, path.name)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.sp{run_token()}.", suffix=".tmp",
                                   dir=path.parent)
    except OSError as exc:
        raise _write_error(exc, path) from None
    try:
        # mkstemp makes the file private; give it the permissions a plain open() would
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _write_error(exc, path) from None
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: object) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=str)
    return atomic_write_text(path, text + "\n")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the few microseconds of a two-step swap."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _swap_in(tmp: Path, path: Path) -> None:
    """Put the finished folder ``tmp`` at ``path``; the previous content goes away whole."""
    if not path.exists() and not path.is_symlink():
        tmp.replace(path)
        return
    if not path.is_dir():
        raise OutputError(f"cannot write the folder {path}: a file of that name is in the way")
    with contextlib.suppress(OSError):
        shutil.copymode(path, tmp)
    if _exchange(tmp, path):
        shutil.rmtree(tmp, ignore_errors=True)  # the previous content, now at tmp
        return
    old = path.with_name(f".{path.name}.sp{run_token()}.x.old")
    with _signals_held():
        path.replace(old)
        tmp.replace(path)
    shutil.rmtree(old, ignore_errors=True)


def _carry(src: Path, dst: Path, names: Iterable[str]) -> None:
    """Hard-link (or copy) files kept from the previous content into the new folder."""
    for rel in names:
        a, b = src / rel, dst / rel
        if not a.is_file():
            continue
        b.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, keep: Sequence[str] = ()) -> Iterator[Path]:
    """Build a folder's new content in a temporary sibling and swap it in only on success.

    Yields the temporary folder; write everything there. If the block raises, the temporary
    folder is removed and ``path`` keeps its previous content whole. On success the new content
    replaces the old in one step (where the file system allows; otherwise in two renames with
    Ctrl-C held).

    Parameters
    ----------
    path : str or Path
        The folder.
    keep : sequence of str
        Files of the previous content (relative paths) carried into the new one.

    Raises
    ------
    OutputError
        When the folder cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent, path.name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.sp{run_token()}.", suffix=".tmp",
                                    dir=path.parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the result is ordinary
        _carry(path, tmp, keep)
    except OSError as exc:
        if "tmp" in locals():
            shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(exc, path) from None
    try:
        yield tmp
        _swap_in(tmp, path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _write_error(exc, path) from None
        raise
