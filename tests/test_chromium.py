"""Printing in headless Chromium (Playwright): tagged PDFs, clear failures, Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import safepassage.chromium as chromium_lib

#: A small page of ours: a title and a timer that writes the text the PDF must show.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>page</title>
<style>@page { size: letter; margin: 0.5in; }</style></head>
<body><h1 id="t">loading</h1>
<script>setTimeout(function () { document.getElementById("t").textContent = "ready"; }, 2000);
</script></body></html>"""

#: A page that loads, then runs a timer that never ends: nothing in Playwright stops that.
HANG = ("<!doctype html><html><body><p>hangs</p>"
        "<script>setTimeout(function () { while (true) {} }, 100);</script></body></html>")


def _pages(folder: Path, n: int, text: str = PAGE) -> list[tuple[Path, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for i in range(n):
        html = folder / f"p{i}.html"
        html.write_text(text, encoding="utf-8")
        pairs.append((html, folder / "pdf" / f"p{i}.pdf"))
    return pairs


def _descendants(pid: int) -> set[int]:
    """Every running process started, directly or not, by ``pid`` (read from /proc)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parent[int(entry.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parent.items() if pp == p} - found
        found |= kids
        todo.extend(kids)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
    except OSError:
        return ""


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() for p in PdfReader(str(path)).pages)


def test_no_browser_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (html, pdf), = _pages(tmp_path, 1)
    monkeypatch.setattr(chromium_lib, "find_chromium", lambda: None)
    with pytest.raises(chromium_lib.BrowserError, match=r"^headless Chromium not installed: apt"):
        chromium_lib.print_pdf(html, pdf)
    with pytest.raises(FileNotFoundError):  # checked before any browser starts
        chromium_lib.print_pdfs([(tmp_path / "missing.html", pdf)])
    assert chromium_lib.print_pdfs([]) == []


@pytest.mark.browser
def test_a_browser_that_does_not_start_is_one_line(chromium: str, tmp_path: Path) -> None:
    (html, pdf), = _pages(tmp_path, 1)
    with pytest.raises(chromium_lib.BrowserError) as err:
        chromium_lib.print_pdf(html, pdf, binary="/bin/false")
    assert str(err.value).startswith("Chromium (/bin/false) did not start: ")
    assert "\n" not in str(err.value)
    assert not pdf.exists()


@pytest.mark.browser
def test_timers_run_on_the_page_clock_before_printing(chromium: str, tmp_path: Path) -> None:
    (html, pdf), = _pages(tmp_path, 1)
    out = chromium_lib.print_pdf(html, pdf, budget_ms=2500)
    assert out == pdf.resolve() and "ready" in _pdf_text(out)
    from pypdf import PdfReader

    root = PdfReader(str(out)).trailer["/Root"]
    assert "/StructTreeRoot" in root and "/MarkInfo" in root  # tagged, for screen readers
    early = chromium_lib.print_pdf(html, tmp_path / "early.pdf", budget_ms=500)
    assert "loading" in _pdf_text(early)  # the page's two seconds had not passed


@pytest.mark.browser
def test_a_failing_page_does_not_stop_the_others(chromium: str, tmp_path: Path) -> None:
    pairs = _pages(tmp_path, 2)
    hang = tmp_path / "hang.html"
    hang.write_text(HANG, encoding="utf-8")
    pairs.insert(1, (hang, tmp_path / "pdf" / "hang.pdf"))
    start = time.monotonic()
    with pytest.raises(chromium_lib.BrowserError) as err:
        chromium_lib.print_pdfs(pairs, workers=1, timeout=2)
    assert time.monotonic() - start < 40  # two tries of 2 s, then on with the next page
    assert str(err.value) == "Chromium did not finish hang.html within 2 s"
    assert "\n" not in str(err.value)
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == ["p0.pdf", "p1.pdf"]


@pytest.mark.browser
def test_printing_works_inside_a_running_event_loop(chromium: str, tmp_path: Path) -> None:
    """A notebook's main thread runs an asyncio loop, where Playwright's sync API refuses."""
    (html, pdf), = _pages(tmp_path, 1)

    async def in_a_notebook() -> Path:
        return chromium_lib.print_pdf(html, pdf)

    assert asyncio.run(in_a_notebook()) == pdf.resolve()


STOP_SCRIPT = """
import sys
from pathlib import Path
from safepassage.chromium import print_pdfs
folder = Path(sys.argv[1])
pairs = [(h, folder / "pdf" / (h.stem + ".pdf")) for h in sorted(folder.glob("*.html"))]
try:
    print_pdfs(pairs, workers=1)
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


@pytest.mark.browser
def test_ctrl_c_stops_printing_at_once_and_leaves_nothing_behind(
    chromium: str, tmp_path: Path
) -> None:
    pairs = _pages(tmp_path, 40)
    # Ctrl-C in a terminal signals the whole foreground process group: Python, Playwright's
    # driver and anything else in it. Do the same to a printing run in a session of its own.
    proc = subprocess.Popen([sys.executable, "-c", STOP_SCRIPT, str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not pairs[0][1].exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pairs[0][1].exists(), proc.communicate(timeout=60)[1]
        started = _descendants(proc.pid)  # Playwright's driver and the browser it runs
        names = {_name(p) for p in started}
        assert any("chrom" in n for n in names) and any("node" in n for n in names), names
        os.killpg(proc.pid, signal.SIGINT)
        stopped = time.monotonic()
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and err == "interrupted\n", err  # no noise after it
    assert took < 15
    printed = list((tmp_path / "pdf").glob("*.pdf"))
    assert 1 <= len(printed) < len(pairs)  # it stopped early ...
    assert not list((tmp_path / "pdf").glob(".*"))  # ... with no half-written file
    time.sleep(1)
    assert [p for p in started if _alive(p)] == []  # no driver or browser left running
