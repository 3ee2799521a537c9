"""Make docs/workspace.png: the planner workspace as the README shows it.

``safepassage serve --demo --officers 4`` started as a process on loopback (stopped by its
PID), the page driven in headless Chromium at 1366x768: the dismissal window, the busiest
post's place banned, the second post's popup open. Run from the repository with its venv::

    python docs/workspace_png.py [--out docs/workspace.png] [--units imperial|metric]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from safepassage.chromium import find_chromium


def _url(proc: subprocess.Popen[str], timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if found:
            return found.group(0)
        if not line and proc.poll() is not None:
            break
    raise SystemExit("error: the workspace printed no URL")


def _settled(page, version: int) -> None:
    page.wait_for_selector(f'#covered-pct[data-version="{version}"]', timeout=120_000)
    page.wait_for_selector('#status[data-state="ready"]', timeout=120_000)


def main() -> int:
    """Serve the demo, drive the page to the README's scene, write the screenshot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/workspace.png"))
    ap.add_argument("--units", choices=["imperial", "metric"], default="imperial")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "safepassage.cli", "serve", "--demo", "--officers", "4",
               "--port", "0", "--out", str(Path(tmp) / "out"), "--units", args.units, "-q"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        try:
            url = _url(proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=find_chromium(),
                                            args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(url)
                _settled(page, 1)
                page.click('.ws-tabs button[data-window="dismissal"]')
                page.wait_for_selector('#covered-pct[data-window="dismissal"]')
                page.click("#posts li >> nth=0")  # the busiest post: ban its place
                page.click('.ws-popup button[data-action="ban"]')
                _settled(page, 2)
                page.click("#posts li >> nth=1")
                page.wait_for_selector(".ws-popup")
                page.mouse.move(1000, 740)
                time.sleep(0.5)
                page.screenshot(path=str(args.out))
                browser.close()
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
