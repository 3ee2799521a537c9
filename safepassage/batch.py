"""Many sites in one run: every CSP site, a list of sites or points, or a CSV of schools.

Each site's plan is independent work, so it runs on a Dask cluster: a ``LocalCluster`` using
the machine's cores by default, or an existing cluster given by its scheduler address when a
county-wide run outgrows one machine. One failing site is reported and does not sink the
others. With a shared officer pool (CERT style), the sites first report how much demand each
number of officers would cover, the pool is split to cover the most in total, and then each
site is planned with its share.
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import settings
from .errors import InputError, SafePassageError
from .io import check_output_folder, check_product_file, read_csv_rows, record_product_file
from .pipeline import PlanOutputs, PlanRequest
from .sites import load_sites, point_site, slugify
from .source import Area, Source

log = logging.getLogger(__name__)

#: Most places one sites file may list.
MAX_SITES = 500


def sources_from_csv(path: str | Path, osm_file: str | Path | None = None) -> list[Source]:
    """Sites from a CSV of places (``name,lat,lon``): schools of a division, say.

    Parameters
    ----------
    path : str or Path
        The CSV; a ``name`` column is optional.
    osm_file : str or Path, optional
        A local extract all of them are planned on (instead of Overpass / the cache).

    Raises
    ------
    InputError
        Naming the line for a missing or bad coordinate, or a repeated name.
    """
    path = Path(path)
    out: list[Source] = []
    seen: dict[str, str] = {}
    for where, r in read_csv_rows(path, "sites file", ("lat", "lon"), max_rows=MAX_SITES,
                                  header_hint="name,lat,lon"):
        try:
            lat, lon = float(r["lat"]), float(r["lon"])
        except ValueError:
            raise InputError(f"{where}: lat/lon must be numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails too
            raise InputError(f"{where}: coordinates {lat}, {lon} out of range")
        site = point_site(lat, lon, r.get("name") or None)
        if site.slug in seen:
            same = "appears twice" if seen[site.slug] == site.name else (
                f"would share the folder {site.slug!r} with {seen[site.slug]!r}")
            raise InputError(f"{where}: {site.name!r} {same}")
        seen[site.slug] = site.name
        if osm_file is not None:
            out.append(Source("file", site, Path(osm_file)))
        else:
            out.append(Source("point", site))
    if not out:
        raise InputError(f"{path.name}: no places in the file")
    return out


def all_sites(include_planned: bool = False) -> list[Source]:
    """Every CSP site; the planned ones too only when asked."""
    return [Source.from_site(s.name)
            for s in load_sites(include_planned=include_planned)]


@dataclass
class SiteResult:
    """How one site's plan went.

    Attributes
    ----------
    name, slug : str
    status : str
        "ok" or "failed".
    error : str or None
        One line saying why it failed.
    folder : str or None
        Where its outputs are.
    officers : int or dict or None
        Officers it was planned with.
    covered_pct : float or None
    officer_hours : float or None
    routes_ok, destinations : int
    seconds : float
    """

    name: str
    slug: str
    status: str
    error: str | None = None
    folder: str | None = None
    officers: int | dict[str, int] | None = None
    covered_pct: float | None = None
    officer_hours: float | None = None
    routes_ok: int = 0
    destinations: int = 0
    seconds: float = 0.0


@dataclass
class BatchResult:
    """All sites of a run.

    Attributes
    ----------
    sites : list of SiteResult
    pool : dict or None
        Officers per site from a shared pool, with the pool size under ``"pool"``.
    scheduler : str
        The Dask scheduler that ran the work.
    index : Path or None
        The index page over all sites.
    """

    sites: list[SiteResult]
    pool: dict[str, Any] | None = None
    scheduler: str = ""
    index: Path | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[SiteResult]:
        """Sites that did not plan."""
        return [s for s in self.sites if s.status != "ok"]


# ---------------------------------------------------------------------------------------------
# Work done on the workers (plain functions of picklable arguments)


def _one_line(exc: BaseException) -> str:
    from .utils import clean_text

    if isinstance(exc, SafePassageError):
        return clean_text(str(exc), max_chars=2000)
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({Path(frame[0].filename).name}:{frame[0].lineno})" if frame else ""
    return clean_text(f"{type(exc).__name__}: {exc}{where}", max_chars=2000)


@dataclass(frozen=True)
class Loading:
    """How every site's area is loaded (as :func:`~safepassage.source.load_area` takes it).

    Attributes
    ----------
    radius_m : float, optional
        Search radius around each site (default ``settings.default_radius_m``).
    destinations : str, optional
        A user's CSV or GeoJSON of extra destinations.
    cache_dir : str, optional
        Cache root.
    allow_download : bool
        Whether a site missing from the cache may be downloaded.
    """

    radius_m: float | None = None
    destinations: str | None = None
    cache_dir: str | None = None
    allow_download: bool = True

    def load(self, source: Source) -> Area:
        """The site's area."""
        from .source import load_area

        return load_area(source, self.radius_m, destinations_file=self.destinations,
                         cache_dir=self.cache_dir, allow_download=self.allow_download)


@dataclass(frozen=True)
class Cluster:
    """Where the sites run: an existing Dask scheduler, or a local cluster of workers.

    Attributes
    ----------
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); default a LocalCluster.
    workers : int, optional
        LocalCluster workers (default: the machine's cores).
    """

    scheduler: str | None = None
    workers: int | None = None


def site_curve(source: Source, request: PlanRequest, n_officers: int, *,
               loading: Loading = Loading()) -> dict[str, Any]:
    """Covered demand with 0..n officers at one site, first window (for a shared pool)."""
    from .coverage import CoverageSettings, coverage_problem
    from .locate import coverage_curve
    from .pipeline import compute_routes

    try:
        area = loading.load(source)
        settings = replace(request.route)
        plan = compute_routes(area, settings)
        problem = coverage_problem(area.G, plan, settings.window,
                                   CoverageSettings(radius_m=request.coverage.radius_m))
        curve = coverage_curve(problem.covers, problem.weights, n_officers,
                               method="exact" if request.coverage.method == "exact" else "greedy")
        return {"name": source.site.name, "curve": [float(x) for x in curve], "error": None}
    except Exception as exc:  # reported per site; never sinks the batch
        return {"name": source.site.name, "curve": None, "error": _one_line(exc)}


def plan_site(source: Source, request: PlanRequest, out_dir: str, *,
              officers: int | None = None, loading: Loading = Loading(),
              outputs: PlanOutputs | None = None) -> SiteResult:
    """Plan one site into ``out_dir``; failures come back as a result, not an exception."""
    from .pipeline import run_plan

    t0 = time.perf_counter()
    name, slug = source.site.name, source.site.slug
    try:
        if officers is not None:
            request = replace(request, coverage=replace(request.coverage, officers=officers))
        area = loading.load(source)
        result = run_plan(area, request, out_dir, outputs)
        cov = result.doc["coverage"]
        return SiteResult(
            name=name, slug=slug, status="ok", folder=str(out_dir),
            officers=cov.get("officers_by_window"), covered_pct=cov.get("covered_pct"),
            officer_hours=cov.get("officer_hours"), routes_ok=len(result.route_plan.ok),
            destinations=len(result.route_plan.routes), seconds=time.perf_counter() - t0,
        )
    except Exception as exc:  # reported per site; never sinks the batch
        return SiteResult(name=name, slug=slug, status="failed", error=_one_line(exc),
                          seconds=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# The driver


_ADDRESS = re.compile(r"^(?:tcp://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})$")


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler's address as ``tcp://HOST:PORT`` (``HOST:PORT`` is read as TCP).

    Dask's in-process addresses (``inproc://...``, a cluster in the same Python process, as a
    notebook or a test makes) pass as they are.

    Raises
    ------
    InputError
        For anything else (other protocols need settings this command line does not take),
        or a port outside 1-65535.
    """
    if address.startswith("inproc://"):
        return address
    m = _ADDRESS.match(address.strip())
    if m is None or not 1 <= int(m["port"]) <= 65535:
        raise InputError(f"bad Dask scheduler address {address!r}: give tcp://HOST:PORT, e.g. "
                         "tcp://10.0.0.5:8786 (port 1-65535)")
    return f"tcp://{m['host']}:{int(m['port'])}"


def _client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    from dask.distributed import Client, LocalCluster

    # Dask reports every worker start and stop as a warning; our progress lines say enough.
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler:
        address = check_scheduler_address(scheduler)
        try:
            return Client(address, timeout=f"{settings.dask_connect_timeout_s:g}s"), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    n = workers or os.cpu_count() or 1
    # The scheduler's HTTP server starts even without a dashboard; ":0" gives it a free port
    # (its default 8787 is often taken by another run, and Dask then warns).
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def plan_sites(
    sources: Sequence[Source],
    request: PlanRequest,
    out_root: str | Path,
    *,
    pool: int | None = None,
    cluster: Cluster = Cluster(),
    loading: Loading = Loading(),
    outputs: PlanOutputs | None = None,
    progress: Callable[[str], None] | None = None,
) -> BatchResult:
    """Plan many sites on Dask and write an index page over all of them.

    Parameters
    ----------
    sources : sequence of Source
        The sites (see :func:`all_sites`, :func:`sources_from_csv`).
    request : PlanRequest
        Shared settings; with ``pool``, its officer count is replaced per site.
    out_root : str or Path
        Each site goes to ``<out_root>/<slug>/``; the index to ``<out_root>/index.html``.
    pool : int, optional
        A shared pool of officers split across the sites to cover the most demand.
    cluster : Cluster
        An existing Dask scheduler, or the workers of a local one.
    loading : Loading
        How each site's area is loaded (radius, extra destinations, cache, downloads).
    outputs : PlanOutputs, optional
        Handouts, PDFs and units, as for a single plan.
    progress : callable, optional
        Receives one line per event (site started, done, failed).

    Returns
    -------
    BatchResult
    """
    from dask.distributed import as_completed

    say = progress or (lambda _line: None)
    if not sources:
        raise InputError("no sites to plan")
    slugs = [s.site.slug for s in sources]
    if len(set(slugs)) != len(slugs):
        raise InputError("the same site is listed twice")
    out_root = Path(out_root)
    # every folder is checked before any work: none holds anything the product did not write
    check_product_file(out_root / "index.html")
    for src in sources:
        check_output_folder(out_root / src.site.slug, "plan",
                            option=f"the folder of {src.site.name!r},")
    t0 = time.perf_counter()
    client, local = _client(cluster.scheduler, cluster.workers)
    result = BatchResult(sites=[], scheduler=str(client.scheduler.address))
    try:
        say(f"Dask scheduler {client.scheduler.address}, "
            f"{len(client.scheduler_info()['workers'])} workers, {len(sources)} sites")
        officers: dict[str, int | None] = {s.site.name: None for s in sources}
        if pool is not None:
            officers = _split_pool(client, sources, request, pool, loading, say, result)
        futures = {}
        for src in sources:
            name = src.site.name
            if pool is not None and officers.get(name) is None:
                continue  # its curve failed; already reported
            fut = client.submit(
                plan_site, src, request, str(out_root / src.site.slug),
                officers=officers.get(name), loading=loading, outputs=outputs, pure=False)
            futures[fut] = name
            say(f"… {name}")
        for fut in as_completed(futures):
            res: SiteResult = fut.result()
            result.sites.append(res)
            if res.status == "ok":
                say(f"✓ {res.name}: {res.covered_pct:.1f} % of demand covered "
                    f"({res.seconds:.1f} s)")
            else:
                say(f"✗ {res.name}: {res.error}")
    finally:
        client.close()
        if local is not None:
            local.close()
    order = {s.site.name: i for i, s in enumerate(sources)}
    result.sites.sort(key=lambda r: order.get(r.name, len(order)))
    result.seconds = time.perf_counter() - t0
    result.index = write_batch_index(out_root, result)
    return result


def _split_pool(client: Any, sources: Sequence[Source], request: PlanRequest, pool: int,
                loading: Loading, say: Callable[[str], None],
                result: BatchResult) -> dict[str, int | None]:
    from dask.distributed import as_completed

    from .locate import allocate_pool

    futs = [client.submit(site_curve, s, request, pool, loading=loading, pure=False)
            for s in sources]
    curves: dict[str, list[float]] = {}
    for fut in as_completed(futs):
        r = fut.result()
        if r["error"]:
            say(f"✗ {r['name']}: {r['error']}")
            src = next(s for s in sources if s.site.name == r["name"])
            result.sites.append(SiteResult(r["name"], src.site.slug, "failed", error=r["error"]))
        else:
            curves[r["name"]] = r["curve"]
            say(f"  coverage curve for {r['name']}")
    split = allocate_pool(curves, pool) if curves else {}
    result.pool = {"pool": pool, "officers": split}
    say("shared pool of " + str(pool) + " officers: "
        + ", ".join(f"{k} {v}" for k, v in split.items()))
    return {s.site.name: split.get(s.site.name) for s in sources}


def officers_text(officers: int | dict[str, int] | None) -> str:
    """"dismissal 5, evening 2" for a window -> officers mapping; the number otherwise."""
    if isinstance(officers, dict):
        return ", ".join(f"{w} {n}" for w, n in officers.items())
    return "" if officers is None else str(officers)


def write_batch_index(out_root: str | Path, result: BatchResult) -> Path:
    """The index page over all sites of a run (links to each site's own index)."""
    from .maps import write_index
    from .sites import Site

    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for s in result.sites:
        if s.status == "ok" and s.folder:
            label = (f"{s.name}: {s.covered_pct:.1f} % covered, officers "
                     f"{officers_text(s.officers)}, {s.routes_ok} of {s.destinations} "
                     "destinations routed")
            files[label] = Path(s.folder) / "index.html"
    ok = [s for s in result.sites if s.status == "ok"]
    summary: dict[str, Any] = {
        "Sites planned": f"{len(ok)} of {len(result.sites)}",
        "Run time": f"{result.seconds:.0f} s on {result.scheduler}",
    }
    if result.pool:
        summary["Shared officer pool"] = (
            f"{result.pool['pool']}: " + ", ".join(f"{k} {v}"
                                                   for k, v in result.pool["officers"].items()))
    for s in result.failed:
        summary[f"Not planned: {s.name}"] = s.error or "failed"
    site = Site(name="All sites", slug=slugify("all sites"), lat=0.0, lon=0.0)
    check_product_file(out_root / "index.html")
    return record_product_file(write_index(out_root, files, site, summary))
