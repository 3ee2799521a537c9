"""One run of the command line: who it is, its scratch folder, its children, its exit.

A run is known by its process id and start time (:func:`run_token`), which temporary names
carry, so a later run can tell what a dead one left. Each run works in one scratch folder of its
own (:func:`run_scratch`), also the ``TMPDIR`` of the programs it starts (Chromium, the solver);
scratch folders of dead runs are removed by the next run. When a run is interrupted, the
programs it started are ended (:func:`end_children`) and it exits at once (:func:`exit_now`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from ..errors import Interrupted, SafePassageError

# ---------------------------------------------------------------------------------------------
# Who a run is, and whether it is still alive


def _start_ticks(pid: int) -> int:
    """A process's start time in clock ticks (Linux), 0 where unknown: tells reused pids apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def run_token() -> str:
    """``<pid>-<start ticks>`` of this process: what temporary names carry."""
    pid = os.getpid()
    return f"{pid}-{_start_ticks(pid)}"


def run_alive(token: str) -> bool:
    """Whether the run that made a temporary name (its :func:`run_token`) is still running."""
    pid_text, _, ticks_text = token.partition("-")
    try:
        pid, ticks = int(pid_text), int(ticks_text or 0)
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True  # someone else's process, or not a token of ours: leave it alone
    return not (ticks and _start_ticks(pid) and _start_ticks(pid) != ticks)


# ---------------------------------------------------------------------------------------------
# One scratch folder per run

#: Temporary names of versions before 0.2 carried no process id: removed after an hour.
LEGACY_AGE_S = 3600.0


def remove_path(path: Path) -> None:
    """Remove a file or a folder tree, whatever is there (nothing if it is gone)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


_SCRATCH: dict[str, Any] = {"dir": None}
_RUN_DIR = re.compile(r"^run-(?P<token>\d+-\d+)-")
_CHROMIUM_PROFILE = re.compile(r"^sp-chromium-")


def scratch_root(base: str | Path | None = None) -> Path:
    """Where the runs' scratch folders live: ``<system temp>/safepassage-runs-<uid>``."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(base or tempfile.gettempdir()) / f"safepassage-runs-{uid}"


def _stale_chromium_profile(path: Path) -> bool:
    """A browser profile left in the system temp folder by an older version's dead run."""
    lock = path / "SingletonLock"
    try:
        target = str(lock.readlink())
    except OSError:
        with contextlib.suppress(OSError):
            return time.time() - path.stat().st_mtime > LEGACY_AGE_S
        return False
    pid = target.rsplit("-", 1)[-1]
    return pid.isdigit() and not run_alive(pid)


def remove_stale_runs(base: str | Path | None = None) -> list[str]:
    """Remove the scratch folders (and old-style browser profiles) of runs that died.

    Returns
    -------
    list of str
        The names removed.
    """
    base = Path(base or tempfile.gettempdir())
    done: list[str] = []
    root = scratch_root(base)
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            m = _RUN_DIR.match(entry.name)
            if m and not run_alive(m["token"]):
                remove_path(Path(entry.path))
                done.append(entry.name)
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            if _CHROMIUM_PROFILE.match(entry.name) and entry.is_dir(follow_symlinks=False) and (
                    _stale_chromium_profile(Path(entry.path))):
                remove_path(Path(entry.path))
                done.append(entry.name)
    return done


@contextlib.contextmanager
def run_scratch() -> Iterator[Path]:
    """One scratch folder for this run's temporary work, removed when the run ends.

    While active it is :mod:`tempfile`'s default folder and the ``TMPDIR`` of every program the
    run starts (Chromium's profiles, the solver's files, osmium's conversions land there).
    Scratch folders of runs that died are removed first. Nested use shares the folder.
    """
    if _SCRATCH["dir"] is not None:
        yield _SCRATCH["dir"]
        return
    base = tempfile.gettempdir()
    root = scratch_root(base)
    remove_stale_runs(base)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"run-{run_token()}-", dir=root))
    saved_env, saved_dir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(folder), str(folder)
    _SCRATCH["dir"] = folder
    try:
        yield folder
    except (KeyboardInterrupt, Interrupted):
        # An interrupted run's browsers may still be writing their profiles in the folder:
        # end them before removing it.
        end_children()
        raise
    finally:
        _SCRATCH["dir"] = None
        tempfile.tempdir = saved_dir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        _remove_scratch(folder)


#: How long removing a scratch folder waits for programs that were ended but still write.
SCRATCH_REMOVE_S = 0.3


def _remove_scratch(folder: Path) -> None:
    """Remove a run's scratch folder, again while a just-killed program's last writes land."""
    deadline = time.monotonic() + SCRATCH_REMOVE_S
    while True:
        remove_path(folder)
        if not folder.exists() or time.monotonic() > deadline:
            return
        time.sleep(0.02)


# ---------------------------------------------------------------------------------------------
# Signals, children, standard output, exit


def _raise_interrupted(signum: int, frame: Any) -> NoReturn:
    raise Interrupted(f"terminated by signal {signum}")


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM raises :class:`~safepassage.errors.Interrupted` (so cleanup runs) inside."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def end_children() -> None:
    """End the programs this run started (a solver, a browser and its helpers)."""
    me = str(os.getpid())
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                if fields[1] == me:  # its parent is this run
                    pid, group = int(entry.name), int(fields[2])
                    if group == pid:  # it leads its own process group (a browser)
                        os.killpg(group, signal.SIGKILL)
                    else:
                        os.kill(pid, signal.SIGTERM)


def error_line(exc: BaseException) -> str:
    """An error as one line of plain text (no control characters from file names or data)."""
    from ..utils import clean_text

    text = str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, SafePassageError):
        why = exc.strerror or text
        if stdout_failed(exc):
            return f"cannot write to standard output: {why}"
        text = f"{why}: {exc.filename}" if exc.filename is not None else why
    return clean_text(text, max_chars=2000) or type(exc).__name__


def stdout_failed(exc: OSError) -> bool:
    """Whether an error without a file name is standard output failing (a full disk)."""
    return exc.filename is None and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO,
                                                  errno.EFBIG)


def silence_stdout() -> None:
    """Point stdout at /dev/null so a failed flush is not retried (and reported) at exit."""
    # a captured stream (tests) has no file descriptor: io.UnsupportedOperation, a ValueError
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def exit_now(code: int) -> NoReturn:
    """Flush and exit without the interpreter's teardown (after an interruption's cleanup)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
