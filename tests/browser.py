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
import struct
from pathlib import Path

from safepassage.chromium import (
    CHROMIUM_ENV,
    CHROMIUM_NAMES,
    DEFAULT_TIMEOUT,
    BrowserError,
    chromium_flags,
    find_chromium,
    page_url,
    print_pdf,
    run_chromium,
)

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "DEFAULT_TIMEOUT",
    "BrowserError",
    "chromium_flags",
    "dump_dom",
    "find_chromium",
    "pdf_page_count",
    "png_size",
    "print_pdf",
    "screenshot",
]

# The shared pieces (finding the browser, its offline flags, running it with a time limit,
# printing to PDF) live in safepassage.chromium, which the product uses to print handouts.


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
    url = page_url(html_path)
    result = run_chromium(
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
    url = page_url(html_path)
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        png.unlink()
    run_chromium(
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
