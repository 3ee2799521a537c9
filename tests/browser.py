"""Headless Chromium for tests: open a local page with the network switched off.

Plain helpers, no pytest needed: import them as ``from browser import dump_dom`` (pytest puts
``tests/`` on ``sys.path``) and skip with the ``chromium`` fixture of ``conftest.py`` where no
browser is installed (``apt-get install -y chromium``).

The browser is the product's own (:mod:`safepassage.chromium`, Playwright driving the installed
Chromium): a fresh profile, every page in a fresh context with the network switched off, all
traffic sent to a dead proxy (loopback too) and every host name resolving to nothing. A page
that needs a CDN therefore fails exactly as it would on a phone in a dead spot. The page's
timers run on a fake clock: ``budget_ms`` of page time pass at once after it has loaded.
"""

from __future__ import annotations

import struct
from pathlib import Path

from safepassage.chromium import (
    CHROMIUM_ENV,
    CHROMIUM_NAMES,
    DEFAULT_TIMEOUT,
    BrowserError,
    chromium_flags,
    find_chromium,
    open_browser,
    print_pdf,
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


def dump_dom(
    html_path: str | Path,
    budget_ms: int = 5000,
    *,
    window_size: tuple[int, int] = (1280, 900),
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Open a page, let its scripts run for ``budget_ms`` of page time, return the DOM.

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    budget_ms : int, default 5000
        Page time given to the page's timers (the clock jumps; no real waiting).
    window_size : tuple of int, default (1280, 900)
        Viewport in pixels.
    timeout : float, default 60
        Real seconds each browser step may take.

    Returns
    -------
    str
        The serialised DOM after the scripts ran.
    """
    with open_browser(timeout=timeout) as chrome:
        return chrome.load(chrome.new_page(window_size), html_path, budget_ms).content()


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
        Page time for the page's scripts before the shot.
    timeout : float, default 60
        Real seconds each browser step may take.

    Returns
    -------
    Path
        ``png_path``.
    """
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with open_browser(timeout=timeout) as chrome:
        chrome.load(chrome.new_page(size), html_path, budget_ms).screenshot(path=png)
    return png


def pdf_page_count(path: str | Path) -> int:
    """Return the number of pages of a PDF (needs ``pypdf``)."""
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def png_size(path: str | Path) -> tuple[int, int]:
    """Return (width, height) of a PNG file, read from its header."""
    with Path(path).open("rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"not a PNG file: {path}")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)
