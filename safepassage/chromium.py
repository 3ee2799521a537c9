"""Headless Chromium with the network switched off, driven by Playwright: print pages to PDF.

The product prints its handouts to PDF with the Chromium installed on the machine (Debian's
``chromium``; Chrome works too) through Playwright, which launches that binary
(``executable_path``; Playwright's own browser download is never used), and the tests open
every page in it. A page is opened exactly as a school computer with no internet would open it:

- every browser has a fresh, throw-away profile and every page a fresh context whose network is
  switched off (Playwright's ``offline``);
- besides, all traffic goes to a proxy on the discard port of the loopback address (nothing
  listens there; ``<-loopback>`` makes loopback go through the proxy too), and every host name
  resolves to nothing, so a page that needs a CDN fails as it would in a dead spot
  (``file://`` pages themselves are read directly);
- the page runs on Playwright's fake clock: once it has loaded, ``budget_ms`` of page time pass
  at once, firing its timers and animation frames in order, so a map's zoom animation has
  always ended when the page is printed, however busy the machine;
- every browser step has a time limit (a page whose script never ends gets the browser killed),
  and browsers are closed with every process they started when the work ends, fails or is
  interrupted.

Use :func:`find_chromium` to ask whether a browser is there (None when not: callers skip the PDF
and say so, :data:`MISSING_MESSAGE`), :func:`print_pdf` to print one page, :func:`print_pdfs` to
print many side by side, and :func:`open_browser` for anything else (the tests' DOM dumps and
screenshots).

Playwright's synchronous API refuses to run in a thread with a running asyncio loop (a Jupyter
notebook's main thread): :func:`print_pdf` and :func:`print_pdfs` therefore drive the browsers
from worker threads of their own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import signal
import threading
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SafePassageError
from .io import atomic_write_bytes

if TYPE_CHECKING:  # Playwright itself is imported when a browser starts (it takes 0.1 s)
    from playwright.sync_api import Browser, Page

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "DEFAULT_TIMEOUT",
    "MISSING_MESSAGE",
    "BrowserError",
    "Chromium",
    "chromium_flags",
    "find_chromium",
    "open_browser",
    "page_url",
    "pdf_workers",
    "print_pdf",
    "print_pdfs",
]

#: Names looked up on PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Environment variable naming a browser binary to use instead.
CHROMIUM_ENV = "SAFEPASSAGE_CHROMIUM"

#: Real seconds one browser step (starting, loading a page, printing it) may take.
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


def chromium_flags() -> list[str]:
    """Flags added to Playwright's own (headless, throw-away profile, no background traffic).

    Returns
    -------
    list of str
        No sandbox (containers, root), no GPU, and no network for any page: every request goes
        to a proxy nobody runs (port 9, discard), ``<-loopback>`` removes the implicit bypass so
        127.0.0.1 is proxied too, and host names resolve to nothing in case anything skips the
        proxy.
    """
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
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


def _one_line(err: BaseException) -> str:
    """The first line of an error's message (Playwright appends a multi-line call log)."""
    text = str(getattr(err, "message", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


class _DriverGone(logging.Filter):
    """Drop asyncio's "Future exception was never retrieved" for Playwright's closed driver.

    Ctrl-C in a terminal also reaches Playwright's driver process, which then exits; Playwright
    leaves that news in a future nobody reads, and asyncio logs it when the future is collected
    (often at interpreter exit, after the interruption was reported). Nothing else is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (
            str(record.msg).startswith("Future exception was never retrieved")
            and str(error) == "Connection closed while reading from the driver"
        )


_DRIVER_GONE = _DriverGone()


class Chromium:
    """A running headless Chromium, from :func:`open_browser`.

    It opens fresh offline tabs (:meth:`new_page`), loads local pages on the fake clock
    (:meth:`load`) and prints them (:meth:`pdf`), each step under a time limit: Playwright gives
    up on loading a page after the limit, but running a page's timers and printing it have no
    limit of their own, so a script that never ends would hang them for ever. When a step
    overruns, the browser is killed with every process it started and the step fails with a
    :class:`BrowserError`.

    Attributes
    ----------
    browser : playwright.sync_api.Browser
        The Playwright browser, for anything else.
    timeout : float
        Real seconds one step may take.
    """

    def __init__(self, browser: Browser, marker: str, timeout: float) -> None:
        self.browser = browser
        self.timeout = float(timeout)
        self._marker = marker
        self._killed = False

    def new_page(self, size: tuple[int, int] = (1280, 900)) -> Page:
        """A fresh tab in a context of its own with the network off, on the fake clock.

        Parameters
        ----------
        size : tuple of int, default (1280, 900)
            Viewport width and height in pixels.

        Returns
        -------
        playwright.sync_api.Page
            The tab; it closes with its browser.
        """
        context = self.browser.new_context(
            offline=True, viewport={"width": int(size[0]), "height": int(size[1])}
        )
        context.set_default_timeout(self.timeout * 1000)
        page = context.new_page()
        page.clock.install()
        return page

    def load(self, page: Page, html_path: str | Path, budget_ms: int = 5000) -> Page:
        """Open a local page in a tab and let ``budget_ms`` of page time pass (no real waiting).

        Parameters
        ----------
        page : playwright.sync_api.Page
            From :meth:`new_page`.
        html_path : str or Path
            A local HTML file.
        budget_ms : int, default 5000
            Page time given to the page's timers and animation frames once it has loaded.

        Returns
        -------
        playwright.sync_api.Page
            ``page``.
        """
        with self._deadline(Path(html_path).name):
            self._load(page, html_path, budget_ms)
        return page

    def pdf(self, page: Page, html_path: str | Path, budget_ms: int = 5000) -> bytes:
        """Load a local page in a tab and print it as Chromium's print dialog would.

        Paper and margins from the page's ``@page`` CSS, backgrounds, no header or footer, and
        a tagged (accessible) PDF: screen readers read the headings, lists and tables in order.

        Returns
        -------
        bytes
            The PDF.
        """
        with self._deadline(Path(html_path).name):
            data = self._load(page, html_path, budget_ms).pdf(
                print_background=True, prefer_css_page_size=True, tagged=True
            )
        if not data:
            raise BrowserError(f"Chromium wrote no PDF for {Path(html_path).name}")
        return data

    @staticmethod
    def _load(page: Page, html_path: str | Path, budget_ms: int) -> Page:
        page.goto(page_url(html_path), wait_until="load")
        page.clock.run_for(int(budget_ms))
        return page

    @contextlib.contextmanager
    def _deadline(self, what: str) -> Iterator[None]:
        """Kill the browser if the block takes longer than :attr:`timeout`."""
        from playwright.sync_api import Error as PlaywrightError

        timer = threading.Timer(self.timeout, self._kill)
        timer.daemon = True
        timer.start()
        try:
            yield
        except PlaywrightError:
            if self._killed:
                raise BrowserError(
                    f"Chromium did not finish {what} within {self.timeout:g} s"
                ) from None
            raise
        finally:
            timer.cancel()

    def _kill(self) -> None:
        """End the browser and its helpers (found by the marker among its flags, on Linux)."""
        self._killed = True
        for pid in _pids_with_arg(self._marker):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # Playwright makes it a process group leader


def _pids_with_arg(arg: str) -> list[int]:
    """Processes whose command line holds ``arg`` (read from ``/proc``; none elsewhere)."""
    found = []
    needle = arg.encode() + b"\0"
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


@contextlib.contextmanager
def open_browser(
    binary: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> Iterator[Chromium]:
    """Start headless Chromium offline; close it, with every process it started, on leaving.

    Parameters
    ----------
    binary : str, optional
        The browser to run (default :func:`find_chromium`).
    timeout : float, default 60
        Real seconds starting it, and each later step, may take.

    Yields
    ------
    Chromium
        The running browser. A Playwright error leaving the block becomes a
        :class:`BrowserError`.

    Raises
    ------
    BrowserError
        If no browser is installed, or it fails to start or later fails.
    """
    exe = binary or find_chromium()
    if exe is None:
        raise BrowserError(MISSING_MESSAGE)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise BrowserError(f"Playwright is not installed ({err}): pip install playwright") from None
    if _DRIVER_GONE not in logging.getLogger("asyncio").filters:
        logging.getLogger("asyncio").addFilter(_DRIVER_GONE)
    marker = f"--safepassage-browser={uuid.uuid4().hex}"  # Chromium ignores unknown flags
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=exe, args=[*chromium_flags(), marker], timeout=timeout * 1000
            )
        except PlaywrightError as err:
            raise BrowserError(f"Chromium ({exe}) did not start: {_one_line(err)}") from None
        try:
            yield Chromium(browser, marker, timeout)
        except PlaywrightError as err:
            raise BrowserError(f"Chromium failed: {_one_line(err)}") from None
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()


def pdf_workers(jobs: int, workers: int | None = None) -> int:
    """How many browsers :func:`print_pdfs` runs at once for ``jobs`` pages.

    ``workers`` if given (at least 1), else one per two CPUs this process may use: a printing
    Chromium keeps about two cores busy (browser, renderer and GPU processes), and on a
    two-core machine two browsers print the demo's 72 handouts hardly faster than one (28 s
    against 32 s, median of three). Never more than there are pages.
    """
    if workers is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not on Linux
            cpus = os.cpu_count() or 1
        workers = cpus // 2
    return max(1, min(int(workers), int(jobs)))


class _Queue:
    """Pages to print, what became of each, and the flag that stops every worker."""

    def __init__(self, jobs: list[tuple[Path, Path]], budget_ms: int) -> None:
        self.jobs = jobs
        self.budget_ms = int(budget_ms)
        self.results: list[Path | BaseException | None] = [None] * len(jobs)
        self.stop = threading.Event()
        self.write_lock = threading.Lock()  # io.atomic_write_bytes reads the umask unlocked
        self.browsers: set[Chromium] = set()  # the browsers printing, to end on Ctrl-C
        self._todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for i in range(len(jobs)):
            self._todo.put(i)

    def next(self) -> int | None:
        """The next page to print; None when every page is taken or the work was stopped."""
        if self.stop.is_set():
            return None
        try:
            return self._todo.get_nowait()
        except queue.Empty:
            return None

    def opened(self, chrome: Chromium) -> Chromium:
        """Note a browser a worker started (ended at once if the work was stopped meanwhile)."""
        with self.write_lock:
            self.browsers.add(chrome)
        if self.stop.is_set():
            chrome._kill()
        return chrome

    def kill_all(self) -> None:
        """End every browser now, from any thread: their workers' next step fails and stops.

        Taking the write lock also waits for a PDF being written to be whole.
        """
        with self.write_lock:
            browsers = list(self.browsers)
        for chrome in browsers:
            chrome._kill()

    def save(self, i: int, data: bytes) -> None:
        """Write page ``i``'s PDF, atomically (not once the work was stopped)."""
        with self.write_lock:
            if not self.stop.is_set():
                self.results[i] = atomic_write_bytes(self.jobs[i][1].resolve(), data)


def _worker(work: _Queue, exe: str, timeout: float) -> None:
    """Print pages from the queue in one browser, reusing one tab.

    A page that fails is tried once more in a fresh browser; if that fails too its error is
    kept, and the next page starts a fresh browser as well.
    """
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.ExitStack() as running:
        chrome: Chromium | None = None
        page: Page | None = None
        while (i := work.next()) is not None:
            html = work.jobs[i][0]
            for _ in range(2):
                try:
                    if chrome is None or page is None:
                        chrome = work.opened(running.enter_context(
                            open_browser(exe, timeout=timeout)))
                        page = chrome.new_page()
                    work.save(i, chrome.pdf(page, html, work.budget_ms))
                    break
                except (PlaywrightError, BrowserError, OSError) as err:
                    work.results[i] = err if isinstance(err, BrowserError) else BrowserError(
                        f"Chromium failed on {html.name}: {_one_line(err)}")
                    running.close()  # this browser may be in a bad state
                    chrome = page = None
                    if work.stop.is_set():
                        return


def print_pdfs(
    pairs: Iterable[tuple[str | Path, str | Path]],
    workers: int | None = None,
    *,
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
    binary: str | None = None,
) -> list[Path]:
    """Print many local pages to PDF, several browsers at a time.

    Each of ``workers`` threads starts one browser and prints page after page in one tab (the
    cost of starting Chromium is paid once per browser, not once per page): US Letter from the
    page's ``@page`` CSS, no header or footer, ``budget_ms`` of page time before printing,
    every PDF written to a temporary file and renamed over ``pdf_path`` only when complete. A
    page the browser fails on is tried again in a fresh browser; every page is attempted even
    when one fails. Ctrl-C (or SIGTERM) ends every browser at once and returns without waiting
    for the pages in print; no PDF is written after it, and none is left half-written.

    Parameters
    ----------
    pairs : iterable of (str or Path, str or Path)
        ``(html_path, pdf_path)`` pairs; a PDF's folder is created if missing.
    workers : int, optional
        Browsers at a time; one per two usable CPUs by default (see :func:`pdf_workers`).
    budget_ms : int, default 5000
        Page time for each page's scripts before printing (timers run, no real waiting).
    timeout : float, default 60
        Real seconds each browser step may take.
    binary : str, optional
        The browser to run (default :func:`find_chromium`).

    Returns
    -------
    list of Path
        The PDFs (resolved), in the order of ``pairs``.

    Raises
    ------
    BrowserError
        If no browser is installed, or a page could not be printed at all (the first such
        failure is raised, after the other pages are done; their PDFs are written).
    FileNotFoundError
        If a page does not exist (checked before any browser starts).
    """
    jobs = [(Path(h), Path(p)) for h, p in pairs]
    if not jobs:
        return []
    for html, _ in jobs:
        page_url(html)
    exe = binary or find_chromium()
    if exe is None:
        raise BrowserError(MISSING_MESSAGE)
    work = _Queue(jobs, budget_ms)
    n = pdf_workers(len(jobs), workers)
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="sp-pdf")
    futures = [pool.submit(_worker, work, exe, timeout) for _ in range(n)]
    try:
        for future in futures:
            future.result()
    except BaseException:  # Ctrl-C or SIGTERM: the browsers end now, not after their page;
        work.stop.set()  # no PDF is written from here on, and no page or browser started,
        work.kill_all()  # so the workers are not waited for (they wind Playwright down)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    for result in work.results:
        if isinstance(result, BaseException):
            raise result
    return [r for r in work.results if isinstance(r, Path)]


def print_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
    binary: str | None = None,
) -> Path:
    """Print one local page to PDF as Chromium's print dialog would, without header and footer.

    The paper size and margins come from the page's ``@page`` CSS; see :func:`print_pdfs`,
    which this is with one page (a failed print leaves an earlier PDF whole).

    Parameters
    ----------
    html_path : str or Path
        A local HTML file.
    pdf_path : str or Path
        The PDF to write (replaced if it exists); its folder is created if missing.
    budget_ms, timeout, binary
        As for :func:`print_pdfs`.

    Returns
    -------
    Path
        ``pdf_path``, resolved.

    Raises
    ------
    BrowserError
        If no browser is installed, it fails or times out, or it writes no PDF.
    FileNotFoundError
        If the page does not exist.
    """
    return print_pdfs([(html_path, pdf_path)], 1, budget_ms=budget_ms, timeout=timeout,
                      binary=binary)[0]
