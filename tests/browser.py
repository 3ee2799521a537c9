"""Headless Chromium for tests: open a local page with the network switched off.

Plain helpers, no pytest needed: import them as ``from browser import dump_dom`` (pytest puts
``tests/`` on ``sys.path``) and skip with the ``chromium`` fixture of ``conftest.py`` where no
browser is installed (``apt-get install -y chromium``).

Every run gets a fresh profile in a temporary folder and no network for the page: all traffic
is sent to a proxy on the discard port of the loopback address (nothing listens there; loopback
is proxied too), and every host name resolves to nothing. A page that needs a CDN therefore
fails exactly as it would on a phone in a dead spot. ``file://`` pages are not proxied.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

#: Names looked up on PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Environment variable naming a browser binary to use instead.
CHROMIUM_ENV = "SAFEPASSAGE_CHROMIUM"

DEFAULT_TIMEOUT = 60.0


class BrowserError(RuntimeError):
    """Chromium failed, timed out or wrote nothing."""


def find_chromium() -> str | None:
    """Return the path of a Chromium/Chrome binary, or None if there is none."""
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

    ``user_data_dir`` is the profile folder; a fresh temporary one is made if None (the caller
    then owns it; :func:`dump_dom` and friends make and remove their own).
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


def _page_url(html_path: str | Path) -> str:
    path = Path(html_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no page to open: {path}")
    return path.as_uri()


def _run(
    args: Sequence[str], *, timeout: float, binary: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run Chromium with our flags and ``args``; kill its whole process group on time-out."""
    exe = binary or find_chromium()
    if exe is None:
        raise BrowserError("headless Chromium not installed: apt-get install -y chromium")
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


def dump_dom(
    html_path: str | Path,
    budget_ms: int = 5000,
    *,
    window_size: tuple[int, int] = (1280, 900),
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Open a page, let its scripts run for ``budget_ms`` of virtual time, return the DOM.

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    budget_ms : int, default 5000
        Virtual time given to the page (timers run, the clock jumps; no real waiting).
    window_size : tuple of int, default (1280, 900)
        Viewport in pixels.
    timeout : float, default 60
        Real seconds before Chromium is killed.

    Returns
    -------
    str
        The serialised DOM (``document.documentElement.outerHTML`` after the scripts ran).
    """
    url = _page_url(html_path)
    result = _run(
        [
            f"--window-size={window_size[0]},{window_size[1]}",
            f"--virtual-time-budget={int(budget_ms)}",
            "--dump-dom",
            url,
        ],
        timeout=timeout,
    )
    if "<html" not in result.stdout.lower():
        raise BrowserError(f"Chromium printed no DOM for {url}: {result.stderr[-2000:]}")
    return result.stdout


def print_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Print a page to PDF the way Chromium's print dialog would, without header and footer.

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    pdf_path : str or Path
        The PDF to write (replaced if it exists).
    budget_ms : int, default 5000
        Virtual time for the page's scripts before printing.
    timeout : float, default 60
        Real seconds before Chromium is killed.

    Returns
    -------
    Path
        ``pdf_path``.
    """
    url = _page_url(html_path)
    pdf = Path(pdf_path).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        pdf.unlink()
    _run(
        [
            f"--virtual-time-budget={int(budget_ms)}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",  # the older spelling; ignored where unknown
            f"--print-to-pdf={pdf}",
            url,
        ],
        timeout=timeout,
    )
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote no PDF for {url}")
    return pdf


def pdf_page_count(path: str | Path) -> int:
    """Return the number of pages of a PDF (needs ``pypdf``)."""
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def screenshot(
    html_path: str | Path,
    png_path: str | Path,
    size: tuple[int, int] = (1280, 900),
    *,
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Save a PNG screenshot of a page's viewport.

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    png_path : str or Path
        The PNG to write (replaced if it exists).
    size : tuple of int, default (1280, 900)
        Viewport width and height in pixels.
    budget_ms : int, default 5000
        Virtual time for the page's scripts before the shot.
    timeout : float, default 60
        Real seconds before Chromium is killed.

    Returns
    -------
    Path
        ``png_path``.
    """
    url = _page_url(html_path)
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        png.unlink()
    _run(
        [
            f"--window-size={size[0]},{size[1]}",
            f"--virtual-time-budget={int(budget_ms)}",
            f"--screenshot={png}",
            url,
        ],
        timeout=timeout,
    )
    if not png.is_file() or png.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote no screenshot for {url}")
    return png


def png_size(path: str | Path) -> tuple[int, int]:
    """Return (width, height) of a PNG file, read from its header."""
    with Path(path).open("rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"not a PNG file: {path}")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)
