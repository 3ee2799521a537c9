"""Headless Chromium with the network switched off: find it, run it, print pages to PDF.

The product prints its handouts to PDF with a headless Chromium where one is installed
(Debian's ``chromium``; Chrome works too), and the tests open every page in it. A page is
opened exactly as a school computer with no internet would open it:

- every run gets a fresh, throw-away browser profile;
- all traffic goes to a proxy on the discard port of the loopback address (nothing listens
  there; ``<-loopback>`` makes loopback go through the proxy too), and every host name
  resolves to nothing, so a page that needs a CDN fails as it would in a dead spot
  (``file://`` pages themselves are read directly);
- the browser is killed with its whole process group when it overruns its time limit.

Use :func:`find_chromium` to ask whether a browser is there (None when not: callers skip the PDF
and say so, :data:`MISSING_MESSAGE`), :func:`print_pdf` to print, and :func:`run_chromium` for
anything else (the tests' DOM dumps and screenshots).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import SafePassageError

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "DEFAULT_TIMEOUT",
    "MISSING_MESSAGE",
    "BrowserError",
    "chromium_flags",
    "find_chromium",
    "page_url",
    "print_pdf",
    "run_chromium",
]

#: Names looked up on PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Environment variable naming a browser binary to use instead.
CHROMIUM_ENV = "SAFEPASSAGE_CHROMIUM"

#: Real seconds a browser run may take before it is killed.
DEFAULT_TIMEOUT = 60.0

#: What to tell a user whose machine has no browser to print with.
MISSING_MESSAGE = "headless Chromium not installed: apt-get install -y chromium"


class BrowserError(SafePassageError, RuntimeError):
    """Chromium is missing, failed, timed out or wrote nothing."""


def find_chromium() -> str | None:
    """Return the path of a Chromium/Chrome binary, or None if there is none.

    Returns
    -------
    str or None
        ``$SAFEPASSAGE_CHROMIUM`` if it names an executable file, else the first of
        :data:`CHROMIUM_NAMES` on ``PATH``, else ``/usr/bin/chromium`` if present.
    """
    env = os.environ.get(CHROMIUM_ENV)
    if env and Path(env).is_file() and os.access(env, os.X_OK):
        return env
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    fallback = Path("/usr/bin/chromium")
    if fallback.is_file() and os.access(fallback, os.X_OK):
        return str(fallback)
    return None


def chromium_flags(user_data_dir: str | Path | None = None) -> list[str]:
    """Flags for a headless, isolated, offline run.

    Parameters
    ----------
    user_data_dir : str or Path, optional
        The profile folder; a fresh temporary one is made if None (the caller then owns it and
        removes it; :func:`run_chromium` makes and removes its own).

    Returns
    -------
    list of str
        Command-line flags, to follow the binary.
    """
    if user_data_dir is None:
        user_data_dir = tempfile.mkdtemp(prefix="sp-chromium-")
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-quic",
        "--hide-scrollbars",
        "--mute-audio",
        f"--user-data-dir={user_data_dir}",
        # Networking off for the page: every request goes to a proxy nobody runs (port 9,
        # discard), "<-loopback>" removes the implicit bypass so 127.0.0.1 is proxied too, and
        # host names resolve to nothing in case anything skips the proxy.
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]


def page_url(html_path: str | Path) -> str:
    """The ``file://`` URL of a local page.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    """
    path = Path(html_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no page to open: {path}")
    return path.as_uri()


def run_chromium(
    args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT, binary: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium offline with ``args`` after :func:`chromium_flags`.

    Parameters
    ----------
    args : sequence of str
        Further flags and the page URL (``--dump-dom``, ``--print-to-pdf=...``, ...).
    timeout : float, default 60
        Real seconds before the browser and every process it started are killed.
    binary : str, optional
        The browser to run (default :func:`find_chromium`).

    Returns
    -------
    subprocess.CompletedProcess
        With the browser's stdout and stderr as text.

    Raises
    ------
    BrowserError
        If no browser is installed, it exits with an error, or it overruns ``timeout``.
    """
    exe = binary or find_chromium()
    if exe is None:
        raise BrowserError(MISSING_MESSAGE)
    with tempfile.TemporaryDirectory(prefix="sp-chromium-", ignore_cleanup_errors=True) as prof:
        cmd = [exe, *chromium_flags(prof), *args]
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="disabled:")
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=env,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise BrowserError(
                f"Chromium did not finish within {timeout:.0f} s: {' '.join(args)}"
            ) from None
        finally:
            # Helper processes (zygote, renderer) share the session; end any left behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-15:])
        raise BrowserError(f"Chromium exited with code {proc.returncode}:\n{tail}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def print_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
    binary: str | None = None,
) -> Path:
    """Print a local page to PDF as Chromium's print dialog would, without header and footer.

    The paper size and margins come from the page's ``@page`` CSS. The PDF is written to a
    temporary file next to ``pdf_path`` and renamed over it only when complete, so a failed
    print leaves an earlier PDF whole.

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    pdf_path : str or Path
        The PDF to write (replaced if it exists); its folder is created if missing.
    budget_ms : int, default 5000
        Virtual time for the page's scripts before printing (timers run, no real waiting).
    timeout : float, default 60
        Real seconds before Chromium is killed.
    binary : str, optional
        The browser to run (default :func:`find_chromium`).

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    BrowserError
        If no browser is installed, it fails or times out, or it writes no PDF.
    """
    url = page_url(html_path)
    pdf = Path(pdf_path).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".tmp", dir=pdf.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # Chromium creates the file itself; an empty one would hide a failure
        run_chromium(
            [
                f"--virtual-time-budget={int(budget_ms)}",
                "--no-pdf-header-footer",
                "--print-to-pdf-no-header",  # the older spelling; ignored where unknown
                f"--print-to-pdf={tmp}",
                url,
            ],
            timeout=timeout,
            binary=binary,
        )
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise BrowserError(f"Chromium wrote no PDF for {url}")
        tmp.chmod(0o644)
        tmp.replace(pdf)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return pdf
