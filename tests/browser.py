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

import contextlib
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from safepassage.chromium import (
    CHROMIUM_ENV,
    CHROMIUM_NAMES,
    DEFAULT_TIMEOUT,
    BrowserError,
    Chromium,
    chromium_flags,
    find_chromium,
    open_browser,
    print_pdf,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

T = TypeVar("T")

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "DEFAULT_TIMEOUT",
    "BrowserError",
    "chromium_flags",
    "close_browser",
    "dump_dom",
    "evaluate",
    "find_chromium",
    "pdf_page_count",
    "png_size",
    "print_pdf",
    "screenshot",
]


#: The browser the helpers share during a test session, with what closes it. Playwright's
#: synchronous objects belong to the thread that made them, and a thread holding them looks as
#: if it ran an asyncio loop, so the browser lives in a thread of its own and every helper's
#: browser work runs there.
_SHARED: dict[str, tuple[contextlib.ExitStack, Chromium]] = {}
_THREAD: list[ThreadPoolExecutor] = []


def _in_browser_thread(work: Callable[[Chromium], T], timeout: float) -> T:
    """Run ``work`` with the session's browser, in the browser's thread.

    The browser starts on first use and again if it died (a hung page gets it killed); its
    start costs more than a page, so the helpers share it. :func:`close_browser` ends it.
    """
    if not _THREAD:
        _THREAD.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-browser"))

    def with_browser() -> T:
        held = _SHARED.get("browser")
        if held is None or not held[1].browser.is_connected() or held[1].timeout != timeout:
            _close()
            stack = contextlib.ExitStack()
            _SHARED["browser"] = held = (stack, stack.enter_context(open_browser(timeout=timeout)))
        return work(held[1])

    return _THREAD[0].submit(with_browser).result()


def _open(chrome: Chromium, html_path: str | Path, size: tuple[int, int], budget_ms: int,
          then: Callable[[Page], T]) -> T:
    """Load a page in a fresh offline tab (a context of its own), do ``then``, close the tab."""
    page = chrome.new_page(size)
    try:
        return then(chrome.load(page, html_path, budget_ms))
    finally:
        with contextlib.suppress(Exception):
            page.context.close()


def _close() -> None:
    while _SHARED:
        stack, _ = _SHARED.popitem()[1]
        with contextlib.suppress(BrowserError):
            stack.close()


def close_browser() -> None:
    """Close the browser the helpers share (``conftest.py`` does at the end of the session)."""
    if _THREAD:
        executor = _THREAD.pop()
        executor.submit(_close).result()
        executor.shutdown()


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
    return _in_browser_thread(
        lambda chrome: _open(chrome, html_path, window_size, budget_ms, lambda p: p.content()),
        timeout)


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
    _in_browser_thread(
        lambda chrome: _open(chrome, html_path, size, budget_ms, lambda p: p.screenshot(path=png)),
        timeout)
    return png


def evaluate(
    html_path: str | Path,
    script: str,
    arg: object = None,
    *,
    window_size: tuple[int, int] = (1280, 900),
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
) -> Any:
    """Open a page, let its scripts run for ``budget_ms`` of page time, evaluate ``script``.

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    script : str
        A JavaScript function expression, called with ``arg`` (Playwright's
        ``page.evaluate``); its result comes back as JSON values.
    arg : object, optional
        The function's argument (JSON values).
    window_size : tuple of int, default (1280, 900)
        Viewport in pixels.
    budget_ms : int, default 5000
        Page time given to the page's timers before the script runs.
    timeout : float, default 60
        Real seconds each browser step may take.

    Returns
    -------
    object
        What the function returned.
    """
    return _in_browser_thread(
        lambda chrome: _open(chrome, html_path, window_size, budget_ms,
                             lambda p: p.evaluate(script, arg)),
        timeout)


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
