"""Starting a workspace: the plan and solver for an area, and the app on a local socket.

:func:`open_workspace` turns a planner's request (the command line merged with a plan file, as
``safepassage coverage --plan`` merges them) into a started :class:`~.state.Workspace` whose
first solve is done. :func:`run_server` serves it with uvicorn on a socket it binds itself
(port 0 picks a free port), prints the URL, and stops cleanly on Ctrl+C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import signal
import socket
import threading
import webbrowser
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..coverage import RouteInputs
from ..errors import InputError
from ..io import atomic_write_text, product_dir
from ..pipeline import PlanOutputs, PlanRequest, run_plan
from ..planfile import load_plan
from ..progress import Steps
from ..source import Area
from ..utils import check_units
from .app import create_app
from .plan import check_plan, plan_from_request
from .solve import ProblemKey, Solver
from .state import Publisher, Workspace

__all__ = ["LOOPBACK", "allowed_hosts", "area_solver", "host_warning", "is_loopback", "listen",
           "make_publisher", "open_workspace", "run_server"]

#: Where the workspace listens unless told otherwise.
LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """What to tell a planner who serves the workspace beyond this machine (None on loopback)."""
    if is_loopback(host):
        return None
    return (f"the workspace listens on {host}, so other machines can reach it, and it has no "
            "password: anyone who reaches it can change and publish the plan")


def _url_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host.strip("[]")).version == 6 else host
    except ValueError:
        return host


def allowed_hosts(host: str, port: int) -> list[str]:
    """The ``Host`` header values of a server bound to ``host``:``port``.

    Loopback addresses answer as 127.0.0.1, localhost and [::1]; a wildcard address (0.0.0.0,
    ::) also as this machine's name and its addresses; any other address as itself.
    """
    names = {_url_host(host)}
    wildcard = host in ("0.0.0.0", "::", "")
    if is_loopback(host) or wildcard:
        names |= {"127.0.0.1", "localhost", "[::1]"}
    if wildcard:
        hostname = socket.gethostname()
        names |= {hostname, socket.getfqdn()}
        with contextlib.suppress(OSError):
            names |= set(socket.gethostbyname_ex(hostname)[2])
    names.discard("")
    return sorted(f"{n.lower()}:{port}" for n in names)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port).

    Bind it before slow work: a port in use is then an error at once.

    Raises
    ------
    InputError
        When the address cannot be bound (in use, not this machine's, bad port).
    """
    if not 0 <= port <= 65535:
        raise InputError(f"port must be between 0 and 65535, got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except (OSError, OverflowError) as exc:
        sock.close()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot listen on {host}:{port}: {why}") from None
    sock.listen(128)
    return sock


def _raw_plan(path: Path | None) -> dict[str, Any] | None:
    """A plan file's content as written (its banned file entries stay file names)."""
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    return data if isinstance(data, dict) else None


def make_publisher(area: Area, out_dir: Path, outputs: PlanOutputs | None = None, *,
                   route_options: Mapping[str, Any] | None = None,
                   origins: Sequence[Hashable] | None = None) -> Publisher:
    """What "publish" runs: ``safepassage plan --plan <saved file>`` into ``out_dir``.

    The saved plan file is read back as the command line reads it, with the command line's
    other route options (``route_options``: ``avoid``, ``penalize``, ``incidents`` as
    :meth:`~safepassage.pipeline.PlanRequest.from_options` takes them); the plan file goes into
    the output as ``plan.yaml``. The folder is replaced whole, or not at all (the pipeline
    builds it in a temporary sibling, which then replaces ``out_dir``).
    """
    options = dict(route_options or {})

    def publish(plan_file: Path, plan_text: str) -> list[str]:
        request = PlanRequest.from_options(plan_file=plan_file, **options)
        with product_dir(out_dir, "plan") as tmp:  # refused if it holds others' files
            result = run_plan(area, request, tmp, outputs, origins=origins)
            atomic_write_text(tmp / "plan.yaml", plan_text)
        return sorted([*result.files, "plan.yaml"])

    return publish


def area_solver(area: Area, request: PlanRequest,
                origins: Sequence[Hashable] | None = None) -> Solver:
    """A new solver of ``area`` with the request's zones and incidents.

    Parameters
    ----------
    area : Area
        The loaded area.
    request : PlanRequest
        The command line merged with the plan file.
    origins : sequence, optional
        Entrance nodes routes start from (default: the area's entrances).

    Returns
    -------
    Solver
    """
    return Solver(RouteInputs.from_area(area, origins, zones=request.route.zones,
                                        incidents=request.route.incident_set(area)))


def open_workspace(
    area: Area,
    request: PlanRequest,
    out_dir: Path,
    *,
    time_limit: float = 3.0,
    publisher: Publisher | None = None,
    steps: Steps | None = None,
    solver: Solver | None = None,
    units: str = "imperial",
) -> Workspace:
    """A started workspace for ``area``, its first plan solved.

    Parameters
    ----------
    area : Area
        The loaded area.
    request : PlanRequest
        The command line merged with the plan file
        (:meth:`~safepassage.pipeline.PlanRequest.from_options`); its plan file is where
        "save" writes (else ``out_dir / "plan.yaml"``).
    out_dir : Path
        Where "publish" writes the plan's output.
    time_limit : float
        Seconds the exact solver may spend per window and change.
    publisher : callable, optional
        See :class:`~.state.Workspace`.
    steps : Steps, optional
        Progress lines.
    solver : Solver, optional
        A solver of this area to reuse (its problems and solves stay cached); by default
        :func:`area_solver` of the area and request (routes from every entrance).
    units : {"imperial", "metric"}
        Units of the distances and names on the page (the API's numbers stay in metres).

    Returns
    -------
    Workspace
    """
    steps = steps or Steps(show=False)
    system = check_units(units)
    path = Path(request.plan_file) if request.plan_file else None
    plan = load_plan(path) if path is not None else None
    inc = request.route.incidents
    since = inc.since.isoformat() if inc is not None and inc.since else (
        plan.since if plan is not None else None)
    until = inc.until.isoformat() if inc is not None and inc.until else (
        plan.until if plan is not None else None)
    data, ctx = plan_from_request(plan, _raw_plan(path), request.coverage,
                                  profile=str(request.profile) if request.profile else None,
                                  max_detour_pct=request.route.max_detour_pct,
                                  since=since, until=until)
    checked = check_plan(data, ctx, default_windows=data["windows"])
    if solver is None:
        solver = area_solver(area, request)
    for window in checked.windows:
        with steps(f"routes and coverage problem ({window})"):
            solver.problem(ProblemKey.of(checked, window))
    ws = Workspace(solver, checked, ctx, time_limit=time_limit,
                   save_path=path or out_dir / "plan.yaml", out_dir=out_dir,
                   publisher=publisher, units=system)
    solver.check(checked, ws.time_limit)
    with steps("officer posts"):
        ws.start()
        ws.wait(timeout=3600)
    return ws


def _quiet_exit_server() -> type:
    """A uvicorn server that ends on Ctrl+C or SIGTERM by returning (not re-raising it)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            """Stop serving on SIGINT and SIGTERM (handlers only in the main thread)."""
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            old = {sig: signal.signal(sig, self.handle_exit)
                   for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)

    return Server


def run_server(ws: Workspace, area: Mapping[str, Any], sock: socket.socket, *,
               open_browser: bool = False, say: Callable[[str], None] = print) -> None:
    """Serve the workspace on a listening socket until Ctrl+C or SIGTERM.

    Parameters
    ----------
    ws : Workspace
        The started workspace (stopped when the server stops).
    area : mapping
        :func:`~.mapdata.area_json` of its area.
    sock : socket.socket
        From :func:`listen`; closed when the server stops.
    open_browser : bool
        Open the URL in the default browser.
    say : callable
        Told the URL once the socket accepts connections.
    """
    import uvicorn

    host, real_port = sock.getsockname()[:2]
    host = str(host)
    app = create_app(ws, area, allowed_hosts=allowed_hosts(host, real_port))
    config = uvicorn.Config(app, interface="asgi3", lifespan="off", log_level="warning",
                            access_log=False, timeout_graceful_shutdown=2)
    server = _quiet_exit_server()(config)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else _url_host(host)
    url = f"http://{shown}:{real_port}/"
    say(url)
    if open_browser:
        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    finally:
        ws.stop()
        sock.close()
