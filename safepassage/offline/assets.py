"""What every offline page carries in its header: Leaflet, and our runtime script and style.

Leaflet's JavaScript, CSS and images are read at run time from the installed
``django-js-lib-leaflet`` package (never copied into this repository). Our own runtime (the
full-screen and "locate me" controls, the SVG-renderer hook, the inlined default pin) ships as
package data next to this module, ``runtime.js`` and ``runtime.css``, read with
:mod:`importlib.resources`. ``runtime.js`` holds one placeholder, ``__SP_ICON_OPTIONS__``,
replaced here by the Leaflet default-icon options (``data:`` URIs of Leaflet's pin images); it
holds no user text. Its class name ``"sp-svg"`` is :data:`SVG_CLASS`.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import importlib.util
import re
from importlib.resources.abc import Traversable

from branca.element import Element, Figure

from safepassage.errors import DataUnavailableError

from .escaping import RawHTML, js_literal

__all__ = ["LEAFLET_PACKAGE", "SVG_CLASS", "leaflet_assets", "runtime_css", "runtime_js"]

#: The installed package that ships Leaflet (PyPI ``django-js-lib-leaflet``).
LEAFLET_PACKAGE = "js_lib_leaflet"
_LEAFLET_STATIC = ("static", "js_lib_leaflet")

#: A path whose Leaflet ``className`` contains this class is drawn with SVG, not canvas.
SVG_CLASS = "sp-svg"

#: The placeholder in ``runtime.js`` for the default pin's options.
ICON_PLACEHOLDER = "__SP_ICON_OPTIONS__"

# Names under which our pieces sit in the root Figure's header, so that adding a piece twice
# replaces it instead of duplicating it.
_HEAD_LEAFLET_CSS = "safepassage_leaflet_css"
_HEAD_LEAFLET_JS = "safepassage_leaflet_js"
_HEAD_RUNTIME_CSS = "safepassage_runtime_css"
_HEAD_RUNTIME_JS = "safepassage_runtime_js"

_PIN_IMAGES = (
    ("iconUrl", "marker-icon.png"),
    ("iconRetinaUrl", "marker-icon-2x.png"),
    ("shadowUrl", "marker-shadow.png"),
)


# --------------------------------------------------------------------------------------------
# Leaflet from the installed package
# --------------------------------------------------------------------------------------------


def _leaflet_dir() -> Traversable:
    """Return the folder holding Leaflet's files in the installed package."""
    try:
        spec = importlib.util.find_spec(LEAFLET_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise DataUnavailableError(
            "Leaflet is not installed, so offline maps cannot be written: "
            "pip install django-js-lib-leaflet"
        )
    folder = importlib.resources.files(LEAFLET_PACKAGE).joinpath(*_LEAFLET_STATIC)
    if not folder.joinpath("leaflet.js").is_file():
        raise DataUnavailableError(
            f"the installed {LEAFLET_PACKAGE} package has no leaflet.js under "
            f"{'/'.join(_LEAFLET_STATIC)}: reinstall django-js-lib-leaflet"
        )
    return folder


@functools.cache
def _leaflet_images() -> dict[str, str]:
    """Leaflet's bundled PNG images as ``data:`` URIs, keyed by file name.

    Returns
    -------
    dict of str to str
        For example ``{"layers.png": "data:image/png;base64,...", ...}``; images missing from
        the package are left out.
    """
    images = _leaflet_dir().joinpath("images")
    out: dict[str, str] = {}
    for name in (
        "layers.png",
        "layers-2x.png",
        "marker-icon.png",
        "marker-icon-2x.png",
        "marker-shadow.png",
    ):
        item = images.joinpath(name)
        if item.is_file():
            out[name] = "data:image/png;base64," + base64.b64encode(item.read_bytes()).decode()
    return out


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS, read from the installed ``django-js-lib-leaflet`` package.

    The text is read at run time (never copied into this repository) and cached. The CSS's
    ``url(images/...)`` references are replaced by ``data:`` URIs of the package's images and
    the JavaScript's ``sourceMappingURL`` comment is dropped, so the page asks for no other
    file.

    Returns
    -------
    tuple of (str, str)
        ``(javascript, css)``, ready to go inside ``<script>`` and ``<style>`` elements.

    Raises
    ------
    safepassage.errors.DataUnavailableError
        If the package (or its ``leaflet.js`` / ``leaflet.css``) is not installed.
    """
    folder = _leaflet_dir()
    try:
        js = folder.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = folder.joinpath("leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise DataUnavailableError(
            f"cannot read Leaflet from the installed {LEAFLET_PACKAGE} package ({exc}): "
            "reinstall django-js-lib-leaflet"
        ) from exc
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE).rstrip() + "\n"
    # Inside a <script> element only "</script" can end it early; "<\/" is the same string in JS.
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    images = _leaflet_images()

    def _inline(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"url({images[name]})" if name in images else match.group(0)

    css = re.sub(r"""url\((['"]?)images/([\w.-]+)\1\)""", _inline, css)
    if re.search(r"</style", css, flags=re.IGNORECASE):
        raise DataUnavailableError("the installed leaflet.css cannot be inlined (</style>)")
    return js, css


# --------------------------------------------------------------------------------------------
# Our runtime, shipped as package data
# --------------------------------------------------------------------------------------------


@functools.cache
def _package_text(name: str) -> str:
    """The text of a data file shipped inside this package."""
    try:
        return importlib.resources.files(__package__ or __name__).joinpath(name).read_text(
            encoding="utf-8"
        )
    except OSError as exc:
        raise DataUnavailableError(
            f"the installed safepassage package lacks offline/{name} ({exc}): reinstall it"
        ) from exc


def runtime_css() -> str:
    """The style of our controls, popups and labels (``runtime.css``).

    Returns
    -------
    str
        CSS, ready to go inside a ``<style>`` element.
    """
    return "\n" + _package_text("runtime.css")


def runtime_js() -> str:
    """Our page script (``runtime.js``) with the inlined default pin filled in.

    Returns
    -------
    str
        JavaScript defining ``SafePassage.Fullscreen`` and ``SafePassage.Locate``, putting
        paths with :data:`SVG_CLASS` on an SVG renderer, and pointing Leaflet's default pin at
        ``data:`` URIs; ready to go inside a ``<script>`` element.

    Raises
    ------
    safepassage.errors.DataUnavailableError
        If the file is missing or damaged (the placeholder is not there exactly once).
    """
    text = _package_text("runtime.js")
    if text.count(ICON_PLACEHOLDER) != 1:
        raise DataUnavailableError(
            f"offline/runtime.js must hold {ICON_PLACEHOLDER} once: reinstall safepassage"
        )
    images = _leaflet_images()
    icon_options = {key: images[name] for key, name in _PIN_IMAGES if name in images}
    # Static markup and logic of ours only: no user text is ever placed in this script.
    return "\n" + text.replace(ICON_PLACEHOLDER, js_literal(icon_options))


# --------------------------------------------------------------------------------------------
# Into the page
# --------------------------------------------------------------------------------------------


def root_figure(m: Element) -> Figure:
    """The branca Figure a map belongs to.

    Raises
    ------
    TypeError
        If the element is not inside a Figure.
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError("the map must belong to a branca Figure (folium.Map creates one)")
    return root


def ensure_runtime(m: Element) -> None:
    """Put Leaflet, its CSS and our runtime (controls, SVG renderer hook) in the page header.

    Adding them again replaces them (they sit under fixed names), so any number of calls
    leaves one copy.
    """
    header = root_figure(m).header
    js, css = leaflet_assets()
    header.add_child(RawHTML(f"<style>\n{css}</style>"), name=_HEAD_LEAFLET_CSS)
    header.add_child(RawHTML(f"<script>\n{js}</script>"), name=_HEAD_LEAFLET_JS)
    header.add_child(RawHTML(f"<style>{runtime_css()}</style>"), name=_HEAD_RUNTIME_CSS)
    header.add_child(RawHTML(f"<script>{runtime_js()}</script>"), name=_HEAD_RUNTIME_JS)
