"""Progress and timing of the long steps, shown on stderr and recorded for ``plan.json``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Steps:
    """Time named steps and optionally print progress lines.

    Parameters
    ----------
    show : bool
        Print "… step" / "✓ step (1.2 s)" lines to ``stream``.
    stream : file, optional
        Defaults to stderr, so stdout stays clean for tables and JSON.
    prefix : str
        Put in front of every line (the site name in multi-site runs).

    Examples
    --------
    >>> steps = Steps(show=False)
    >>> with steps("load network"):
    ...     pass
    >>> list(steps.seconds)
    ['load network']
    """

    def __init__(self, show: bool = True, stream: TextIO | None = None, prefix: str = "") -> None:
        self.show = show
        self.stream = stream
        self.prefix = prefix
        self.seconds: dict[str, float] = {}

    def say(self, message: str) -> None:
        """Print one progress line (when showing)."""
        if self.show:
            out = self.stream or sys.stderr
            print(f"{self.prefix}{message}", file=out, flush=True)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the block as step ``name``."""
        self.say(f"… {name}")
        t0 = time.perf_counter()
        try:
            yield
        finally:
            dt = time.perf_counter() - t0
            self.seconds[name] = self.seconds.get(name, 0.0) + dt
        self.say(f"✓ {name} ({dt:.2f} s)")

    def rounded(self) -> dict[str, float]:
        """Step timings rounded to milliseconds, for JSON."""
        return {k: round(v, 3) for k, v in self.seconds.items()}
