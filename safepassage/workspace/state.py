"""A workspace's plan over time: versions, undo and redo, the solve that follows each change.

:class:`Workspace` holds the plan a planner edits. Every accepted change (a new plan, an undo,
a redo) gets the next version number; a change sent against an older version is refused
(:class:`StaleVersionError`), so two browser tabs never silently overwrite each other. A change is
checked completely before it is accepted (:meth:`Solver.check <.solve.Solver.check>`: bad
names, far-off points, more locked posts than officers), so an accepted plan always solves.

One background thread solves the latest version, window by window, from the solver's caches;
a newer change supersedes an older solve (the older one stops at its next window and its
result is dropped). Callers wait for a version's result with :meth:`Workspace.wait`. The
saved plan is solved the same way, and :func:`~.solve.plan_changes` says what changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, SafePassageError
from ..io import atomic_write_text, record_product_file
from ..utils import Units, check_units
from .plan import LIMITS, CheckedPlan, Limits, PlanContext, check_plan, plan_text
from .shown import shown_changes, shown_plan, shown_windows
from .solve import Solver, WindowJSON, number_windows, plan_changes

__all__ = ["Publisher", "Snapshot", "StaleVersionError", "Workspace"]

log = logging.getLogger(__name__)

#: Publishes a saved plan file into the output folder; returns the files written (relative).
Publisher = Callable[[Path, str], list[str]]


class StaleVersionError(Exception):
    """A change was made against a version that is no longer the current one (HTTP 409)."""


@dataclass(frozen=True)
class Snapshot:
    """One version's plan and the solver's time budget."""

    checked: CheckedPlan
    time_limit: float


@dataclass
class _Result:
    """The solved windows of one version (filled window by window), and its changes."""

    version: int
    windows: dict[str, WindowJSON] = field(default_factory=dict)
    changes: dict[str, Any] | None = None
    error: str | None = None
    done: bool = False
    seconds: float = 0.0


class _SupersededError(Exception):
    """A newer version arrived while this one was being solved."""


@dataclass
class _History:
    """Plans in the order they were made, and where undo and redo stand."""

    items: list[Snapshot]
    index: int = 0
    limit: int = 200

    @property
    def current(self) -> Snapshot:
        return self.items[self.index]

    def push(self, snap: Snapshot) -> None:
        del self.items[self.index + 1:]
        self.items.append(snap)
        if len(self.items) > self.limit:
            del self.items[0]
        self.index = len(self.items) - 1


@dataclass
class Workspace:
    """The plan a planner edits, its versions, and its solved result.

    Parameters
    ----------
    solver : Solver
        Window problems and solves of the area.
    initial : CheckedPlan
        The plan the workspace starts with; it is also the saved plan.
    ctx : PlanContext
        What requests' plans are checked against.
    time_limit : float
        Seconds the exact solver may spend per window (bounded by ``limits.time_limit``).
    save_path : Path
        Where :meth:`save` writes the plan file (fixed when the workspace starts).
    out_dir : Path
        Where :meth:`publish` writes the plan's output.
    publisher : callable, optional
        ``publisher(plan_file, plan_text)`` runs the whole plan into ``out_dir`` and returns
        the files it wrote; without one, publishing is an error.
    limits : Limits
        Bounds on requests.
    units : {"imperial", "metric"}
        Units of the distances and names the page reads (``--units``); the API's numbers
        stay in metres.
    """

    solver: Solver
    initial: CheckedPlan
    ctx: PlanContext
    time_limit: float
    save_path: Path
    out_dir: Path
    publisher: Publisher | None = None
    limits: Limits = LIMITS
    units: Units = "imperial"
    version: int = field(default=1, init=False)
    saved_version: int = field(default=1, init=False)
    last_saved: str | None = field(default=None, init=False)
    published: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.time_limit = self._time_limit(self.time_limit)
        self.units = check_units(self.units)
        self._history = _History([Snapshot(self.initial, self.time_limit)])
        self._saved = self._history.current
        self._cond = threading.Condition()
        self._result: _Result | None = None
        self._focus: str | None = None
        self._stopping = False
        self._publish_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="workspace-solver", daemon=True)

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> Workspace:
        """Start the background solver (it solves the first version at once)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the background solver (after the window it is solving)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    # -- reading -------------------------------------------------------------------------------

    @property
    def current(self) -> Snapshot:
        """The current version's plan."""
        with self._cond:
            return self._history.current

    def state(self) -> dict[str, Any]:
        """The current version as the API returns it.

        ``result`` is None while the version is being solved (``solving`` is then true) or
        when its solve failed (``error`` says why). While a version is being solved,
        ``result`` holds the windows solved so far (``pending`` lists the others) and no
        ``changes`` yet. Results carry their distances and names in :attr:`units` as words
        beside the numbers in metres (:mod:`.shown`); ``shown_plan`` names the plan's items.
        """
        with self._cond:
            snap = self._history.current
            res = self._result if self._result and self._result.version == self.version else None
            hist = self._history
            windows = snap.checked.windows
            units = self.units
            return {
                "version": self.version,
                "plan": snap.checked.data,
                "time_limit": snap.time_limit,
                "units": units,
                "result": {"windows": shown_windows(number_windows(res.windows, windows), units),
                           "pending": [w for w in windows if w not in res.windows],
                           "changes": shown_changes(res.changes, units),
                           "seconds": round(res.seconds, 3)}
                if res is not None and res.windows else None,
                "shown_plan": shown_plan(snap.checked.data, units),
                "solving": res is None or not res.done,
                "error": res.error if res is not None else None,
                "can_undo": hist.index > 0,
                "can_redo": hist.index < len(hist.items) - 1,
                "saved": {"file": str(self.save_path), "version": self.saved_version,
                          "at": self.last_saved, "same": snap == self._saved},
                "published": {"folder": str(self.out_dir), "files": list(self.published)},
                "limits": _limits_json(self.limits),
            }

    def wait(self, version: int | None = None, timeout: float = 30.0,
             window: str | None = None) -> bool:
        """Wait until a version at least ``version`` (default: the current) is solved.

        Parameters
        ----------
        version : int, optional
            The version waited for (a newer one also ends the wait).
        timeout : float
            Seconds to wait at most.
        window : str, optional
            Wait only until this window is solved.

        Returns
        -------
        bool
            Whether the current version's result (or error) is ready.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            want = self.version if version is None else version

            def ready() -> bool:
                r = self._result
                return (r is not None and r.version >= want and r.version == self.version
                        and (r.done or r.error is not None
                             or (window is not None and window in r.windows)))

            while not ready():
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    return ready()
                self._cond.wait(left)
            return True

    # -- changing ------------------------------------------------------------------------------

    def _time_limit(self, value: object) -> float:
        low, high = self.limits.time_limit
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"time_limit must be a number of seconds, got {value!r}")
        if not low <= float(value) <= high:
            raise InputError(f"time_limit must be between {low:g} and {high:g} seconds, "
                             f"got {value:g}")
        return float(value)

    def _check_version(self, version: object) -> None:
        if isinstance(version, bool) or not isinstance(version, int):
            raise InputError(f"version must be a whole number (the version the change is "
                             f"based on), got {version!r}")
        if version != self.version:
            raise StaleVersionError(f"the plan changed elsewhere (another tab or window): it is at "
                               f"version {self.version}, this change was made on version "
                               f"{version}; reload to see the current plan")

    def _accept(self, focus: object) -> int:
        self.version += 1
        self._focus = focus if isinstance(focus, str) else None
        self._cond.notify_all()
        return self.version

    def put(self, version: object, plan: object, time_limit: object = None,
            focus: object = None) -> int:
        """Make ``plan`` the next version (after checking it completely).

        ``focus`` names the window the planner looks at: it is solved first.

        Returns
        -------
        int
            The new version.

        Raises
        ------
        StaleVersionError
            When ``version`` is not the current version.
        InputError
            For a bad plan or time limit (one line, naming the key).
        """
        with self._cond:
            self._check_version(version)
            budget = self._history.current.time_limit
        budget = budget if time_limit is None else self._time_limit(time_limit)
        checked = check_plan(plan, self.ctx, limits=self.limits,
                             default_windows=self.initial.windows)
        self.solver.check(checked, budget)  # slow only when the radius or profile is new
        snap = Snapshot(checked, budget)
        with self._cond:
            self._check_version(version)  # another change may have come in meanwhile
            self._history.push(snap)
            return self._accept(focus)

    def _step(self, version: object, by: int, focus: object) -> int:
        with self._cond:
            self._check_version(version)
            hist = self._history
            target = hist.index + by
            if not 0 <= target < len(hist.items):
                raise StaleVersionError("nothing to undo" if by < 0 else "nothing to redo")
            hist.index = target
            return self._accept(focus)

    def undo(self, version: object, focus: object = None) -> int:
        """Go back to the plan before the last change (as a new version)."""
        return self._step(version, -1, focus)

    def redo(self, version: object, focus: object = None) -> int:
        """Redo the change undone last (as a new version)."""
        return self._step(version, +1, focus)

    def plan_file_text(self, path: Path | None = None) -> str:
        """The current plan as the plan file :meth:`save` writes (at ``path``'s place)."""
        return plan_text(self.current.checked.data, self.ctx, path or self.save_path)

    def save(self, version: object) -> Path:
        """Write the current plan to :attr:`save_path` (atomically); it becomes the saved plan.

        Raises
        ------
        StaleVersionError
            When ``version`` is not the current version (a plan the page has not shown).
        """
        with self._cond:
            self._check_version(version)
            snap = self._history.current
        atomic_write_text(self.save_path, plan_text(snap.checked.data, self.ctx,
                                                    self.save_path))
        if self.save_path.parent == self.out_dir:  # the product's file in its output folder
            record_product_file(self.save_path, "workspace")
        with self._cond:
            self._saved = snap
            self.saved_version = int(version)  # type: ignore[call-overload]
            self.last_saved = time.strftime("%Y-%m-%d %H:%M:%S")
            res = self._result
            if res is not None and res.done and res.version == self.version:
                # the changes are against the plan just saved: none
                res.changes = plan_changes(res.windows, res.windows,
                                           float(snap.checked.data["radius_m"]), self.units)
            self._cond.notify_all()
        return self.save_path

    def publish(self, version: object) -> list[str]:
        """Save the plan, then write the whole plan output into :attr:`out_dir` (atomically).

        Returns
        -------
        list of str
            The files written, relative to :attr:`out_dir`.
        """
        if self.publisher is None:
            raise InputError("publishing is not set up for this workspace")
        with self._publish_lock:
            path = self.save(version)
            text = plan_text(self.current.checked.data, self.ctx, self.out_dir / "plan.yaml")
            files = self.publisher(path, text)
        with self._cond:
            self.published = list(files)
        return files

    # -- solving -------------------------------------------------------------------------------

    def _next_job(self) -> tuple[int, Snapshot, list[str]] | None:
        """The version to solve next (its windows, the one looked at first); None to stop."""
        with self._cond:
            while not self._stopping and self._result is not None \
                    and self._result.version == self.version:
                self._cond.wait()
            if self._stopping:
                return None
            snap = self._history.current
            windows = snap.checked.windows
            if self._focus in windows:
                windows = [self._focus, *(w for w in windows if w != self._focus)]
            self._result = _Result(self.version)
            return self.version, snap, windows

    def _solve_windows(self, version: int, snap: Snapshot, windows: list[str],
                       into: _Result | None = None) -> dict[str, WindowJSON]:
        """Solve ``windows`` of a plan in turn, publishing each to ``into`` as it is done.

        Raises
        ------
        _SupersededError
            As soon as a newer version exists.
        """
        out = {}
        for window in windows:
            if self.version != version or self._stopping:
                raise _SupersededError
            out[window] = self.solver.solve(snap.checked, window, snap.time_limit)
            if into is not None:
                with self._cond:
                    into.windows[window] = out[window]
                    self._cond.notify_all()
        return out

    def _run(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            version, snap, order = job
            result = self._result
            assert result is not None
            t0 = time.perf_counter()
            try:
                windows = self._solve_windows(version, snap, order, result)
                saved = self._saved
                base = windows if saved == snap else self._solve_windows(
                    version, saved, saved.checked.windows)
                changes = plan_changes(base, {w: windows[w] for w in snap.checked.windows},
                                       float(snap.checked.data["radius_m"]), self.units)
                error = None
            except _SupersededError:
                continue
            except SafePassageError as exc:
                changes, error = None, str(exc)
            except Exception as exc:  # the server must keep running; the page shows it
                log.exception("solving version %s failed", version)
                changes, error = None, f"internal error while solving: {exc}"
            with self._cond:
                result.changes, result.error, result.done = changes, error, True
                result.seconds = time.perf_counter() - t0
                self._cond.notify_all()


def _limits_json(limits: Limits) -> dict[str, Any]:
    return {"officers": limits.officers, "radius_m": list(limits.radius_m),
            "windows": limits.windows, "items": limits.items,
            "ban_radius_m": limits.ban_radius_m, "time_limit": list(limits.time_limit)}
