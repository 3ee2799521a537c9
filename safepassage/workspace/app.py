"""The workspace's web app (Starlette): one page, its static files and the JSON API.

Routes (the JSON API is documented in the README; its paths and fields are a contract):

- ``GET /`` the page; ``GET /static/<name>`` its script and style sheets, and Leaflet's, read
  from the installed packages (a fixed list of names; nothing else is served from disk);
- ``GET /api/map`` the site, base map, destinations, palettes and the page's ``units``;
  ``GET /api/corridor/<token>`` one corridor's segments and candidate posts;
- ``GET /api/plan`` and ``PUT /api/plan`` the plan, its version and result; ``GET
  /api/plan.yaml`` the plan file; ``POST /api/undo``, ``/api/redo``, ``/api/save``,
  ``/api/publish``.

:class:`Guard` refuses every request whose ``Host`` is not the served address (DNS
rebinding), and every write whose ``Origin`` is another site, that is not JSON, or that is
larger than :data:`MAX_BODY` bytes; every response forbids framing and foreign scripts.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import DataUnavailableError, InputError, SafePassageError
from ..maps.styles import MAP_CSS
from ..offline import leaflet_assets
from .mapdata import corridor_json
from .state import StaleVersionError, Workspace

__all__ = ["MAX_BODY", "Guard", "create_app"]

log = logging.getLogger(__name__)

#: Largest request body accepted, bytes.
MAX_BODY = 1_000_000

#: Longest a request may wait for a solve, seconds.
MAX_WAIT_S = 60.0

_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'none'"),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _refusal(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


class Guard:
    """ASGI middleware: answer only the served address; writes only from its own page.

    Parameters
    ----------
    app : ASGI app
    allowed_hosts : iterable of str
        ``Host`` header values served (``"127.0.0.1:8765"``, ``"localhost:8765"``, ...); a
        write's ``Origin``, when sent, must be ``http://`` one of them.
    max_body : int
        Largest request body, bytes.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str],
                 max_body: int = MAX_BODY) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in allowed_hosts)
        self.origins = frozenset(f"http://{h}" for h in self.hosts)
        self.max_body = max_body

    def _check(self, scope: Mapping[str, Any]) -> Response | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            return _refusal(403, f"refused: this workspace answers only at "
                                 f"{', '.join(sorted(self.hosts))}, not at host {host!r}")
        if scope["method"] in ("GET", "HEAD"):
            return None
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return _refusal(403, f"refused: a change from another site ({origin})")
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return _refusal(403, "refused: a change from another site")
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _refusal(415, "send changes as JSON (Content-Type: application/json)")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return _refusal(413, f"the request is larger than {self.max_body:,} bytes")
        return None

    async def _bounded(self, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None when they exceed the limit."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_body:
                return None
            if message["type"] != "http.request" or not message.get("more_body"):
                return messages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what :meth:`_check` refuses; pass the rest on, with the safety headers."""
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k.encode(), v.encode()) for k, v in _HEADERS.items()
                                        if k.encode() not in have)]
            await send(message)

        refusal = self._check(scope)
        if refusal is None and scope["method"] not in ("GET", "HEAD"):
            messages = await self._bounded(receive)
            if messages is None:
                refusal = _refusal(413, f"the request is larger than {self.max_body:,} bytes")
            else:
                replay = iter(messages)

                async def receive_again() -> Message:
                    return next(replay, {"type": "http.disconnect"})

                receive = receive_again
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------------------------------------
# Static files


@functools.cache
def _static(name: str) -> tuple[bytes, str] | None:
    """A static file by name: the page's own (package data) or Leaflet's (installed)."""
    if name == "leaflet.js":
        return leaflet_assets()[0].encode(), "text/javascript; charset=utf-8"
    if name == "leaflet.css":
        return leaflet_assets()[1].encode(), "text/css; charset=utf-8"
    if name == "maps.css":
        return MAP_CSS.encode(), "text/css; charset=utf-8"
    own = {"workspace.js": "text/javascript; charset=utf-8",
           "workspace.css": "text/css; charset=utf-8",
           "index.html": "text/html; charset=utf-8"}
    if name not in own:
        return None
    data = importlib.resources.files(__package__).joinpath("static", name).read_bytes()
    return data, own[name]


def _file(name: str) -> Response:
    found = _static(name)
    if found is None:
        return _refusal(404, "no such file")
    return Response(found[0], media_type=found[1])


# ---------------------------------------------------------------------------------------------
# Requests


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the request body is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return data


def _flag(request: Request, name: str, default: bool) -> bool:
    text = request.query_params.get(name)
    if text is None:
        return default
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise InputError(f"{name} must be 0 or 1, got {text!r}")


def _number(request: Request, name: str, default: float, high: float) -> float:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{name} must be a number, got {text!r}") from None
    if not 0 <= value <= high:
        raise InputError(f"{name} must be between 0 and {high:g}, got {text!r}")
    return value


async def _input_error(request: Request, exc: Exception) -> Response:
    """400 for bad input, 409 for a stale version, 503 for missing data: one line."""
    status = 409 if isinstance(exc, StaleVersionError) else (
        503 if isinstance(exc, DataUnavailableError) else 400)
    return _refusal(status, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
    return _refusal(status, str(detail))


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("request %s %s failed", request.method, request.url.path)
    return _refusal(500, f"internal error: {type(exc).__name__}")


class _Api:
    """The routes' handlers, over one workspace."""

    def __init__(self, ws: Workspace, area: Mapping[str, Any]) -> None:
        self.ws = ws
        self.area = dict(area)

    async def _state_after(self, request: Request, version: int | None) -> Response:
        """The state, once ``version`` is solved (unless ``?wait=0``)."""
        if _flag(request, "wait", True):
            timeout = _number(request, "timeout", 30.0, MAX_WAIT_S)
            window = request.query_params.get("window")
            await run_in_threadpool(self.ws.wait, version, timeout, window)
        return JSONResponse(self.ws.state())

    async def page(self, request: Request) -> Response:
        return _file("index.html")

    async def no_icon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def static(self, request: Request) -> Response:
        return _file(str(request.path_params["name"]))

    async def get_map(self, request: Request) -> Response:
        return JSONResponse({**self.area, "windows": self.ws.current.checked.windows,
                             "units": self.ws.units})

    async def get_corridor(self, request: Request) -> Response:
        solver = self.ws.solver
        key = solver.key_of(str(request.path_params["token"]))
        if key is None:
            return _refusal(404, "no such corridor (reload the page)")

        def build() -> dict[str, Any]:
            assert key is not None
            return corridor_json(solver.corridor(key), key.token, self.ws.units)

        return JSONResponse(await run_in_threadpool(build))

    async def get_plan(self, request: Request) -> Response:
        version = request.query_params.get("version")
        if version is not None and not version.isdigit():
            raise InputError(f"version must be a whole number, got {version!r}")
        return await self._state_after(request, int(version) if version else None)

    async def put_plan(self, request: Request) -> Response:
        body = await _body(request)
        if "plan" not in body:
            raise InputError('send {"version": <the version you changed>, "plan": {...}}')
        version = await run_in_threadpool(self.ws.put, body.get("version"), body["plan"],
                                          body.get("time_limit"), body.get("window"))
        return await self._state_after(request, version)

    async def plan_yaml(self, request: Request) -> Response:
        return PlainTextResponse(
            self.ws.plan_file_text(), media_type="application/yaml; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="plan.yaml"'})

    async def undo(self, request: Request) -> Response:
        body = await _body(request)
        version = self.ws.undo(body.get("version"), body.get("window"))
        return await self._state_after(request, version)

    async def redo(self, request: Request) -> Response:
        body = await _body(request)
        version = self.ws.redo(body.get("version"), body.get("window"))
        return await self._state_after(request, version)

    async def save(self, request: Request) -> Response:
        body = await _body(request)
        path = await run_in_threadpool(self.ws.save, body.get("version"))
        return JSONResponse({"file": str(path), **self.ws.state()})

    async def publish(self, request: Request) -> Response:
        body = await _body(request)
        files = await run_in_threadpool(self.ws.publish, body.get("version"))
        return JSONResponse({"files": files, "folder": str(self.ws.out_dir),
                             "saved": str(self.ws.save_path), "version": self.ws.version})

    def routes(self) -> list[Route]:
        """The app's routes (the JSON API's paths are a contract: see the README)."""
        return [
            Route("/", self.page),
            Route("/static/{name}", self.static),
            Route("/favicon.ico", self.no_icon),
            Route("/api/map", self.get_map),
            Route("/api/corridor/{token}", self.get_corridor),
            Route("/api/plan", self.get_plan, methods=["GET"]),
            Route("/api/plan", self.put_plan, methods=["PUT"]),
            Route("/api/plan.yaml", self.plan_yaml),
            Route("/api/undo", self.undo, methods=["POST"]),
            Route("/api/redo", self.redo, methods=["POST"]),
            Route("/api/save", self.save, methods=["POST"]),
            Route("/api/publish", self.publish, methods=["POST"]),
        ]


def create_app(ws: Workspace, area: Mapping[str, Any], *, allowed_hosts: Iterable[str],
               max_body: int = MAX_BODY) -> Guard:
    """The workspace's ASGI app, guarded (see :class:`Guard`).

    Parameters
    ----------
    ws : Workspace
        The plan being edited (started).
    area : mapping
        :func:`~.mapdata.area_json` of the area.
    allowed_hosts : iterable of str
        ``Host`` values the app answers (the served address).
    max_body : int
        Largest request body, bytes.

    Returns
    -------
    Guard
        The app, ready for uvicorn or Starlette's ``TestClient``.
    """
    app = Starlette(
        routes=_Api(ws, area).routes(),
        exception_handlers={SafePassageError: _input_error, StaleVersionError: _input_error,
                            HTTPException: _http_error, Exception: _internal_error},
    )
    return Guard(app, allowed_hosts, max_body)
