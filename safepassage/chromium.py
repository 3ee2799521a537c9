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
and say so, :data:`MISSING_MESSAGE`), :func:`print_pdf` to print one page, :func:`print_pdfs` to
print many side by side, and :func:`run_chromium` for anything else (the tests' DOM dumps and
screenshots).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from .errors import SafePassageError
from .io import end_children

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "DEFAULT_TIMEOUT",
    "MISSING_MESSAGE",
    "BrowserError",
    "chromium_flags",
    "find_chromium",
    "page_url",
    "pdf_workers",
    "print_pdf",
    "print_pdfs",
    "run_chromium",
]

#: Names looked up on PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Environment variable naming a browser binary to use instead.
CHROMIUM_ENV = "SAFEPASSAGE_CHROMIUM"

#: Real seconds a browser run may take before it is killed.
DEFAULT_TIMEOUT = 60.0

#: Seconds the printing threads get to end after Ctrl-C (their browsers are killed first).
_STOP_WAIT_S = 2.0

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


def pdf_workers(jobs: int, workers: int | None = None) -> int:
    """How many browsers :func:`print_pdfs` runs at once for ``jobs`` pages.

    ``workers`` if given (at least 1), else one per two CPUs this process may use: a printing
    Chromium keeps about two cores busy (browser, renderer and GPU processes), and on a
    two-core machine two browsers print 72 handouts slower than one (36.8 s against
    32.2 s). Never more than there are pages.
    """
    if workers is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not on Linux
            cpus = os.cpu_count() or 1
        workers = cpus // 2
    return max(1, min(int(workers), int(jobs)))


_TRAMPOLINE = (
    "import os, sys\n"
    "r, w = int(sys.argv[1]), int(sys.argv[2])\n"
    "os.dup2(r, 3)\nos.dup2(w, 4)\nos.close(r)\nos.close(w)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


class _PipeBrowser:
    """One headless Chromium driven over its DevTools pipe, printing page after page.

    Starting Chromium costs most of a one-page print (about 0.8 s of 1.2 s); a browser kept
    open prints each further page in a fresh tab for a fraction of that. The browser has the
    same isolated, offline settings as :func:`run_chromium` (its own throw-away profile, every
    request to a dead proxy) and is killed with its process group when closed or when a
    command overruns its time limit.
    """

    def __init__(self, exe: str, timeout: float) -> None:
        self.timeout = timeout
        self._closing = threading.Lock()
        self._closed = False
        self.profile = tempfile.mkdtemp(prefix="sp-chromium-")
        self._next = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()
        # Chromium reads commands on fd 3 and answers on fd 4. A small Python trampoline puts
        # the pipes there and becomes the browser (no preexec_fn: this runs in threads); the
        # ends are first moved to fds of 10 and up, clear of 3 and 4.
        cmd_r, res_w = (_high_fd(cmd_r), _high_fd(res_w))
        args = [exe, *chromium_flags(self.profile), "--remote-debugging-pipe", "about:blank"]
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="disabled:")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _TRAMPOLINE, str(cmd_r), str(res_w), *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(cmd_r, res_w), env=env, start_new_session=True,
            )
        finally:
            os.close(cmd_r)
            os.close(res_w)

    def _send(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> int:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._cmd_w, data):]
        return self._next

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            ready, _, _ = select.select([self._res_r], [], [], left)
            if ready:
                chunk = os.read(self._res_r, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed its DevTools pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send a DevTools command and wait for its answer (events are kept for later)."""
        deadline = time.monotonic() + self.timeout
        wanted = self._send(method, params, session)
        while True:
            msg = self._read(deadline)
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg:
                self._events.append(msg)

    def wait_event(self, method: str, session: str) -> dict[str, Any]:
        """Wait for an event of a tab (one that already came is taken at once)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, msg in enumerate(self._events):
                if msg.get("method") == method and msg.get("sessionId") == session:
                    return self._events.pop(i)
            msg = self._read(deadline)
            if "method" in msg:
                self._events.append(msg)

    def print_page(self, html_path: Path, pdf_path: Path, budget_ms: int) -> Path:
        """Print one page in a new tab, as :func:`print_pdf` would."""
        url = page_url(html_path)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        try:
            self.call("Page.enable", session=session)
            self.call("Page.navigate", {"url": url}, session=session)
            self.wait_event("Page.loadEventFired", session)
            # The page's timers run for the budget in virtual time, as --virtual-time-budget.
            self.call("Emulation.setVirtualTimePolicy",
                      {"policy": "advance", "budget": int(budget_ms)}, session=session)
            self.wait_event("Emulation.virtualTimeBudgetExpired", session)
            result = self.call("Page.printToPDF", {
                "printBackground": True, "preferCSSPageSize": True,
                "displayHeaderFooter": False}, session=session)
        finally:
            self._events = [e for e in self._events if e.get("sessionId") != session]
            with contextlib.suppress(BrowserError, OSError):
                self.call("Target.closeTarget", {"targetId": target})
        data = base64.b64decode(result.get("data") or b"")
        if not data:
            raise BrowserError(f"Chromium wrote no PDF for {url}")
        return _write_pdf(pdf_path, data)

    def kill(self) -> None:
        """End the browser and every process it started, from any thread.

        The thread using the browser then reads the end of its pipe and closes it; closing the
        pipe here could close a file another thread has just opened under the same number.
        """
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def close(self) -> None:
        """End the browser and every process it started; remove its profile (once)."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            for fd in (self._cmd_w, self._res_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def _high_fd(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or more (not inheritable); ``fd`` itself is closed."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def _write_pdf(pdf_path: Path, data: bytes) -> Path:
    pdf = Path(pdf_path).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".tmp", dir=pdf.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.chmod(0o644)
        tmp.replace(pdf)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return pdf


class _Printing:
    """Pages shared by the printing threads, and the browsers they have open.

    Each thread keeps one browser and prints page after page; a page its browser fails on is
    printed alone with :func:`print_pdf`. :meth:`stop_all` (Ctrl-C) ends every browser at once,
    and the threads stop before their next page.
    """

    def __init__(self, jobs: list[tuple[Path, Path]], exe: str, timeout: float,
                 budget_ms: int) -> None:
        self.jobs, self.exe, self.timeout, self.budget_ms = jobs, exe, timeout, budget_ms
        self.todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for i in range(len(jobs)):
            self.todo.put(i)
        self.results: list[Path | Exception | None] = [None] * len(jobs)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.browsers: set[_PipeBrowser] = set()

    def _open(self) -> _PipeBrowser:
        browser = _PipeBrowser(self.exe, self.timeout)
        with self.lock:
            self.browsers.add(browser)
        if self.stop.is_set():
            browser.kill()
        return browser

    def _close(self, browser: _PipeBrowser | None) -> None:
        if browser is not None:
            with self.lock:
                self.browsers.discard(browser)
            browser.close()

    def stop_all(self) -> None:
        """End every open browser; the threads stop before their next page."""
        self.stop.set()
        with self.lock:
            browsers = list(self.browsers)
        for browser in browsers:
            browser.kill()

    def _print(self, browser: _PipeBrowser | None, i: int) -> _PipeBrowser | None:
        """Print page ``i``; returns the browser to keep using (None after a failure)."""
        html, pdf = self.jobs[i]
        try:
            browser = browser or self._open()
            self.results[i] = browser.print_page(html, pdf, self.budget_ms)
            return browser
        except (BrowserError, OSError, ValueError):
            # this browser may be in a bad state: the next page gets another one
            self._close(browser)
        if not self.stop.is_set():
            try:
                self.results[i] = print_pdf(html, pdf, budget_ms=self.budget_ms,
                                            timeout=self.timeout, binary=self.exe)
            except Exception as err:  # reported after the other pages are done
                self.results[i] = err
        return None

    def worker(self) -> None:
        """Print pages until there are none left or printing stops."""
        browser: _PipeBrowser | None = None
        try:
            while not self.stop.is_set():
                try:
                    i = self.todo.get_nowait()
                except queue.Empty:
                    return
                browser = self._print(browser, i)
        finally:
            self._close(browser)


def print_pdfs(
    pairs: Iterable[tuple[str | Path, str | Path]],
    workers: int | None = None,
    *,
    budget_ms: int = 5000,
    timeout: float = DEFAULT_TIMEOUT,
    binary: str | None = None,
) -> list[Path]:
    """Print many local pages to PDF, several Chromium processes at a time.

    A thread pool runs ``workers`` browsers side by side. Each browser stays open and prints
    page after page in fresh tabs over its DevTools pipe (the cost of starting Chromium is
    paid once per browser, not once per page), with the same offline, isolated settings and
    the same result as :func:`print_pdf`: US Letter from the page's ``@page`` CSS, no header
    or footer, the page's timers run for ``budget_ms`` of virtual time, every PDF replaced
    atomically. A page the browser fails on is printed again on its own with
    :func:`print_pdf`; every page is attempted even when one fails.

    Parameters
    ----------
    pairs : iterable of (str or Path, str or Path)
        ``(html_path, pdf_path)`` pairs.
    workers : int, optional
        Browsers at a time; one per two usable CPUs by default (see :func:`pdf_workers`).
    budget_ms, timeout, binary
        As for :func:`print_pdf` (``timeout`` is per page).

    Returns
    -------
    list of Path
        The PDFs, in the order of ``pairs``.

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
    printing = _Printing(jobs, exe, timeout, budget_ms)
    n = pdf_workers(len(jobs), workers)
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="sp-pdf")
    futures = [pool.submit(printing.worker) for _ in range(n)]
    try:
        for future in futures:
            future.result()
    except BaseException:  # Ctrl-C or SIGTERM: end every browser now, wait for no page
        printing.stop_all()
        end_children()  # a page printed alone (print_pdf) has a browser of its own
        pool.shutdown(wait=False, cancel_futures=True)
        # the threads end within moments (their browsers are gone); none is left writing
        wait(futures, timeout=_STOP_WAIT_S)
        raise
    pool.shutdown(wait=True)
    results = printing.results
    for r in results:
        if isinstance(r, Exception):
            raise r
    return [r for r in results if isinstance(r, Path)]
