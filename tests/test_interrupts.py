"""Interrupted runs (issue 10, class 6): ``safepassage demo`` stopped by Ctrl-C, SIGTERM or
``kill -9`` at random points keeps the previous output whole, exits within a second, and leaves
nothing behind that the next run does not remove.

Real processes (the signals are the point), so these are marked ``slow``; CI runs them. The
random points are drawn from a seed printed on failure (``SAFEPASSAGE_KILL_SEED`` replays one).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safepassage.chromium import find_chromium
from safepassage.io import product_dir, scratch_root

pytestmark = pytest.mark.slow


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _processes_using(path: Path) -> list[int]:
    """Processes whose command line mentions ``path`` (a browser using a scratch profile)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(path).encode() in cmd:
                found.append(int(entry.name))
    return found


class Run:
    """``safepassage demo`` in a process of its own, its progress read line by line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "safepassage.cli", *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.err = b""

    def wait_for(self, text: str, timeout: float = 120.0) -> float:
        """Read stderr until a line holds ``text``; seconds since the start."""
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        while text.encode() not in self.err:
            chunk = os.read(self.proc.stderr.fileno(), 4096)
            assert chunk, f"the run ended before {text!r}: {self.err.decode()[-500:]}"
            self.err += chunk
            assert time.monotonic() < deadline
        return time.monotonic() - self.t0

    def stop(self, sig: int) -> tuple[int, float, str]:
        """Send ``sig``; the exit code, the seconds until the process ended, its stderr."""
        assert self.proc.stderr is not None
        sent = time.monotonic()
        self.proc.send_signal(sig)
        self.err += self.proc.stderr.read()
        code = self.proc.wait(timeout=60)
        return code, time.monotonic() - sent, self.err.decode("utf-8", "replace")


@pytest.fixture
def setting(tmp_path: Path, demo_cache: Path) -> dict:
    """A previous plan in ``out``, a private temp folder, and the demo command."""
    out = tmp_path / "out"
    with product_dir(out, "plan") as tmp:
        (tmp / "plan.json").write_text('{"previous": true}')
        (tmp / "handouts").mkdir()
        (tmp / "handouts" / "school.en.html").write_text("<p>previous handout</p>")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp), PYTHONUNBUFFERED="1")
    args = ["demo", "--cache-dir", str(demo_cache), "--out", str(out)]
    return {"out": out, "temp": temp, "env": env, "args": args, "before": _tree(out)}


def _leftovers(s: dict) -> list[str]:
    beside = [p.name for p in s["out"].parent.iterdir() if p.name not in ("out", "tmp")]
    runs = scratch_root(s["temp"])
    scratch = [p.name for p in runs.iterdir()] if runs.exists() else []
    other = [p.name for p in s["temp"].iterdir() if p != runs]
    return beside + scratch + other


def test_ctrl_c_while_printing_pdfs_stops_within_a_second(setting: dict):
    if find_chromium() is None:
        pytest.skip("headless Chromium not installed: no PDFs to interrupt")
    seed = int(os.environ.get("SAFEPASSAGE_KILL_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    run = Run(setting["args"], setting["env"])
    run.wait_for("… handout PDFs")
    time.sleep(rng.uniform(0.0, 0.4))
    code, seconds, err = run.stop(signal.SIGINT)
    where = f"(seed {seed}) {err[-400:]}"
    assert code == 130, where
    assert seconds < 1.0, where
    assert err.splitlines()[-1] == "error: interrupted" and "Traceback" not in err
    assert _tree(setting["out"]) == setting["before"]
    assert _leftovers(setting) == [], where
    assert _processes_using(setting["temp"]) == [], "browsers left running"


#: Steps of ``demo`` as its progress lines name them; a signal is sent during one at random.
STEPS = ("… load network", "… destinations", "… routes and officer posts", "… directions",
         "… maps", "… handouts")


def test_sigterm_at_a_random_point(setting: dict):
    seed = int(os.environ.get("SAFEPASSAGE_KILL_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    step = rng.choice(STEPS)
    run = Run(setting["args"], setting["env"])
    run.wait_for(step)
    time.sleep(rng.uniform(0.0, 0.3))
    code, seconds, err = run.stop(signal.SIGTERM)
    where = f"(during {step!r}, seed {seed}) {err[-400:]}"
    assert code == 143, where
    assert seconds < 1.0, where
    assert err.splitlines()[-1] == "error: terminated" and "Traceback" not in err, where
    assert _tree(setting["out"]) == setting["before"], where
    assert _leftovers(setting) == [], where
    assert _processes_using(setting["temp"]) == [], "programs left running"


def test_kill_9_keeps_the_previous_output_and_the_next_run_cleans_up(setting: dict):
    seed = int(os.environ.get("SAFEPASSAGE_KILL_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    step = rng.choice(STEPS[2:])  # from the routes on: the new folder is being built later
    run = Run(setting["args"], setting["env"])
    run.wait_for(step)
    time.sleep(rng.uniform(0.0, 0.3))
    code, _, err = run.stop(signal.SIGKILL)
    where = f"(during {step!r}, seed {seed}) {err[-400:]}"
    assert code == -signal.SIGKILL, where
    assert _tree(setting["out"]) == setting["before"], where
    # the next run (here one refused at once: routes never write into a plan's folder)
    # removes what the killed one left: its scratch folder, a half-built output folder
    nxt = subprocess.run([sys.executable, "-m", "safepassage.cli", "routes", "--demo", "-q",
                          "--out", str(setting["out"])], env=setting["env"],
                         capture_output=True, text=True, timeout=120)
    assert nxt.returncode == 2 and "holds a plan" in nxt.stderr
    assert _tree(setting["out"]) == setting["before"]
    assert _leftovers(setting) == [], where
    deadline = time.monotonic() + 10
    while _processes_using(setting["temp"]) and time.monotonic() < deadline:
        time.sleep(0.2)  # a browser whose parent was killed ends when its pipe closes
    assert _processes_using(setting["temp"]) == []
