"""The fake-upstream HTTP server: routing, conditional requests, rate limits, faults, stats.

One aiohttp application answers every API family on one loopback port (paths don't overlap;
see the package docstring for the table). Bodies come from per-project snapshots and are
rendered once per change, so a scan of 10,000 projects costs dictionary look-ups, not JSON
serialisation. The server runs in a background thread (``with FakeUpstream() as up``), inside
a running loop (``async with FakeUpstream() as up``) or as a process (``python -m
fakeupstream``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import http
import json
import random
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from . import forges, listings, registries
from .model import (
    Endpoint,
    FakeRelease,
    Faults,
    Project,
    Rendered,
    Req,
    RpmPackage,
    http_date,
    json_response,
    text_response,
)
from .registries import metacpan_search, pypi_normalize

T = TypeVar("T")

ROUTERS: dict[str, Callable[[Project], dict[str, Endpoint]]] = {
    **forges.ROUTERS,
    **registries.ROUTERS,
    **listings.ROUTERS,
}

#: Owner/repo on these forges is case-insensitive.
CASE_INSENSITIVE = frozenset({"github", "gitee", "gitea"})

#: Draws the delays of ``Faults.latency_max`` (seeded: two runs see the same sequence).
_JITTER = random.Random(7)

#: Which API family an unrouted path belongs to (for 404 bodies, quotas and stats).
_PREFIX_KINDS = (
    ("/api/v3/", "github"),
    ("/repos/", "github"),
    ("/repositories/", "github"),
    ("/rate_limit", "github"),
    ("/api/v4/", "gitlab"),
    ("/api/v5/", "gitee"),
    ("/api/v1/repos/", "gitea"),
    ("/api/v1/crates/", "crates"),
    ("/api/v1/versions/", "rubygems"),
    ("/api/v1/gems/", "rubygems"),
    ("/pypi/", "pypi"),
    ("/npm/", "npm"),
    ("/v1/release", "metacpan"),
    ("/release/", "metacpan"),
    ("/package/", "hackage"),
    ("/sources/", "gnome"),
    ("/projects/", "sourceforge"),
    ("/maven2/", "maven"),
)

#: Base URL suffix of each family, for backends' base-URL overrides (see base_url()).
BASE_PATHS = {
    "github": "",
    "github-enterprise": "/api/v3",
    "gitlab": "",
    "gitee": "",
    "gitea": "",
    "pypi": "",
    "npm": "/npm",
    "crates": "",
    "rubygems": "",
    "metacpan": "",
    "hackage": "",
    "gnome": "",
    "sourceforge": "",
    "maven": "/maven2",
    "html": "",
    "rpmrepo": "",
}

_GITHUB_LIMIT_BODY = {
    "message": (
        "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated "
        "requests get a higher rate limit. Check out the documentation for more details.)"
    ),
    "documentation_url": (
        "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
    ),
}
_GITHUB_LIMIT_BODY_AUTH = {
    "message": "API rate limit exceeded for user ID 1.",
    "documentation_url": ("https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"),
    "status": "403",
}

_NOT_FOUND: dict[str, Rendered] = {
    "github": json_response(
        {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
            "status": "404",
        },
        status=404,
    ),
    "gitlab": json_response({"message": "404 Project Not Found"}, status=404),
    "gitee": json_response({"message": "Not Found Project"}, status=404),
    "gitea": json_response(
        {
            "errors": [],
            "message": "The target couldn't be found.",
            "url": "https://gitea.com/api/swagger",
        },
        status=404,
    ),
    "pypi": json_response({"message": "Not Found"}, status=404),
    "npm": json_response({"error": "Not found"}, status=404),
    "crates": json_response({"errors": [{"detail": "Not Found"}]}, status=404),
    "rubygems": text_response("This rubygem could not be found.", "text/plain", 404),
    "metacpan": json_response({"code": 404, "message": "Not found"}, status=404),
    "hackage": text_response("Package not found", "text/plain", 404),
}
_NOT_FOUND_HTML = text_response(
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not "
    "Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    "text/html",
    404,
)

_CRATES_NO_AGENT = json_response(
    {
        "errors": [
            {
                "detail": "We require that all requests include a `User-Agent` header.  To "
                "allow us to determine the impact your bot has on our service, we ask that your "
                "user agent actually identify your bot, and not just report the HTTP client "
                "library you're using.  Including contact information will also reduce the "
                "chance that we will need to take action against your bot."
            }
        ]
    },
    status=403,
)

_PERCENT_2F = re.compile(r"%2[fF]")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")

#: Request headers kept in the request log (tests assert on them).
_LOGGED_HEADERS = (
    "If-None-Match",
    "If-Modified-Since",
    "Authorization",
    "PRIVATE-TOKEN",
    "User-Agent",
    "Accept",
    "Range",
)


def canonical_path(path: str) -> str:
    """Percent-decode a raw path except ``%2F``, which GitLab and npm keep inside one segment."""
    if "%" not in path:
        return path
    return "%2F".join(unquote(part) for part in _PERCENT_2F.split(path))


def kind_of_path(path: str) -> str:
    for prefix, kind in _PREFIX_KINDS:
        if path.startswith(prefix):
            return kind
    return "other"


@dataclass
class Quota:
    """A forge's request quota. ``limit=None`` reports a full nominal quota and never refuses."""

    nominal: int
    window: float
    limit: int | None = None
    used: int = 0
    reset_at: float = 0.0
    refused: int = 0

    def roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = now + self.window

    @property
    def shown_limit(self) -> int:
        return self.nominal if self.limit is None else self.limit

    @property
    def remaining(self) -> int:
        if self.limit is None:
            return self.nominal
        return max(self.limit - self.used, 0)

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.used >= self.limit


@dataclass
class KindStats:
    requests: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    bytes: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


@dataclass
class Stats:
    requests: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    bytes: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    by_status: collections.Counter[int] = field(default_factory=collections.Counter)
    by_kind: dict[str, KindStats] = field(default_factory=dict)
    by_path: collections.Counter[str] = field(default_factory=collections.Counter)
    faults: collections.Counter[str] = field(default_factory=collections.Counter)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One served request, as kept in :attr:`FakeUpstream.requests`."""

    method: str
    path: str  # raw path and query
    kind: str
    status: int
    headers: Mapping[str, str]


class FakeUpstream:
    """A loopback server speaking the upstream APIs Steward monitors.

    >>> with FakeUpstream() as up:                                   # doctest: +SKIP
    ...     up.add_project("pypi", "requests", ["2.31.0", "2.32.0"])
    ...     httpx.get(f"{up.url}/pypi/requests/json").json()["info"]["version"]
    '2.32.0'
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: Mapping[str, Any] | None = None,
        log_size: int = 10_000,
    ) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"the fake upstream binds loopback only, not {host!r}")
        self.host = host
        self.port = port
        self._projects: dict[tuple[str, str], Project] = {}
        self._routes: dict[str, Endpoint] = {}
        self._routes_ci: dict[str, Endpoint] = {}
        self._project_paths: dict[tuple[str, str], list[str]] = {}
        self._next_id = 1
        self._global_faults: Faults | None = None
        self._path_faults: dict[str, Faults] = {}
        self._fault_counts: collections.Counter[tuple[int, str, str]] = collections.Counter()
        self.quotas = {
            "github": Quota(nominal=5000, window=3600.0),
            "gitlab": Quota(nominal=2000, window=60.0),
        }
        self._stats = Stats()
        self._log: collections.deque[RequestRecord] = collections.deque(maxlen=log_size)
        # Endpoints that belong to no single project; rendered per request, never cached.
        self._globals: dict[str, tuple[str, Callable[[Req], Rendered]]] = {}
        search = ("metacpan", lambda req: metacpan_search(self._cpan_lookup, req))
        self._globals["/v1/release/_search"] = search
        self._globals["/release/_search"] = search
        rate = ("github", self._github_rate_doc)
        self._globals["/rate_limit"] = rate
        self._globals["/api/v3/rate_limit"] = rate
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._thread_error: BaseException | None = None
        if seed is not None:
            self.seed(seed)

    # -----------------------------------------------------------------------------------------
    # Lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` once started."""
        if self._runner is None:
            raise RuntimeError("the fake upstream is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def base_url(self, kind: str) -> str:
        """The base URL a backend's override should point at for ``kind``.

        GitHub's is the server root (``api.github.com``); ``github-enterprise`` adds
        ``/api/v3``; npm's registry is ``/npm``; Maven's repository is ``/maven2``.
        """
        return self.url + BASE_PATHS[kind]

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def astart(self) -> FakeUpstream:
        """Start serving on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        # access_log=None: logging every request would cost more than serving it.
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]
        self._runner = runner
        return self

    async def astop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()  # releases hanging handlers
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeUpstream:
        return await self.astart()

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    def start(self) -> FakeUpstream:
        """Start serving from a background thread with its own event loop."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._thread_main, args=(ready,), name="fakeupstream", daemon=True
        )
        self._thread.start()
        ready.wait(30)
        if self._thread_error is not None:
            self._thread = None
            raise RuntimeError("the fake upstream failed to start") from self._thread_error
        return self

    def _thread_main(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.astart())
        except BaseException as exc:  # handed to start() in the calling thread
            self._thread_error = exc
            ready.set()
            loop.close()
            return
        ready.set()
        assert self._stopping is not None
        loop.run_until_complete(self._stopping.wait())
        loop.run_until_complete(self.astop())
        loop.close()

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if self._stopping is not None:
            loop.call_soon_threadsafe(self._stopping.set)
        thread.join(30)
        self._thread = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the server's loop thread: state is only ever touched from there."""
        loop, thread = self._loop, self._thread
        if (
            loop is None
            or thread is None
            or not loop.is_running()
            or threading.current_thread() is thread
        ):
            return fn()

        async def run() -> T:
            return fn()

        future: Future[T] = asyncio.run_coroutine_threadsafe(run(), loop)
        return future.result(30)

    # -----------------------------------------------------------------------------------------
    # Data

    def add_project(
        self,
        kind: str,
        name: str,
        releases: Iterable[FakeRelease | str] = (),
        *,
        packages: Iterable[RpmPackage | Iterable[str] | Mapping[str, Any]] = (),
        faults: Faults | None = None,
        **options: Any,
    ) -> Project:
        """Add (or replace) a project; ``options`` are per-kind (see the package docstring)."""

        def add() -> Project:
            project = Project(kind, name, self._next_id, releases, packages, options)
            self._next_id += 1
            project.faults = faults
            self._projects[(kind, name)] = project
            self._register(project)
            return project

        return self._call(add)

    def add_page(
        self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8"
    ) -> Project:
        """Serve a static page (regex upstreams, shared listings) at ``path``."""
        return self.add_project("page", path, body=body, content_type=content_type)

    def project(self, kind: str, name: str) -> Project:
        try:
            return self._projects[(kind, name)]
        except KeyError:
            raise KeyError(f"no {kind} project {name!r}") from None

    def projects(self) -> list[Project]:
        return list(self._projects.values())

    def release(self, kind: str, name: str, *releases: FakeRelease | RpmPackage | str) -> Project:
        """Publish new releases (or, for ``rpmrepo``, new package builds) while running."""

        def publish() -> Project:
            project = self.project(kind, name)
            if kind == "rpmrepo":
                project.update(add_packages=[r for r in releases if not isinstance(r, FakeRelease)])
            else:
                project.update(add=[r for r in releases if not isinstance(r, RpmPackage)])
            self._register(project)
            return project

        return self._call(publish)

    def set_releases(self, kind: str, name: str, releases: Iterable[FakeRelease | str]) -> Project:
        def replace() -> Project:
            project = self.project(kind, name)
            project.update(releases=list(releases))
            self._register(project)
            return project

        return self._call(replace)

    def update_options(self, kind: str, name: str, **options: Any) -> Project:
        def update() -> Project:
            project = self.project(kind, name)
            project.update(options=options)
            self._register(project)
            return project

        return self._call(update)

    def remove_project(self, kind: str, name: str) -> None:
        def remove() -> None:
            self._projects.pop((kind, name), None)
            for path in self._project_paths.pop((kind, name), []):
                self._routes.pop(path, None)
                self._routes_ci.pop(path.lower(), None)

        self._call(remove)

    def _register(self, project: Project) -> None:
        key = (project.kind, project.name)
        routes = {canonical_path(p): e for p, e in ROUTERS[project.kind](project).items()}
        for path in self._project_paths.get(key, []):
            if path not in routes:
                self._routes.pop(path, None)
                self._routes_ci.pop(path.lower(), None)
        self._routes.update(routes)
        if project.kind in CASE_INSENSITIVE:
            self._routes_ci.update({p.lower(): e for p, e in routes.items()})
        self._project_paths[key] = list(routes)

    def prerender(self) -> int:
        """Render every project's documents now (the CLI does this after seeding), so the
        first scan measures the client, not the server's JSON serialisation. Returns the number
        of documents rendered."""

        def render_all() -> int:
            empty = Req(
                "http://127.0.0.1", "", MultiDictProxy(MultiDict()), CIMultiDictProxy(CIMultiDict())
            )
            count = 0
            for paths in self._project_paths.values():
                seen: set[str] = set()
                for path in paths:
                    endpoint = self._routes.get(path)
                    if endpoint is None or endpoint.name in seen:
                        continue
                    seen.add(endpoint.name)
                    # Paged endpoints cache their serialised items here; the page join for
                    # the real request path is cheap.
                    endpoint.respond(replace(empty, path=path))
                    count += 1
            return count

        return self._call(render_all)

    def _cpan_lookup(self, dist: str) -> Project | None:
        return self._projects.get(("metacpan", dist))

    def paths(self, kind: str, name: str) -> list[str]:
        """The paths a project answers on (for tests and debugging)."""
        return list(self._project_paths.get((kind, name), []))

    # -----------------------------------------------------------------------------------------
    # Behaviour knobs

    def set_faults(
        self,
        faults: Faults | None,
        *,
        kind: str | None = None,
        name: str | None = None,
        path: str | None = None,
    ) -> None:
        """Set faults for one path, one project (``kind`` + ``name``) or everything."""

        def apply() -> None:
            if path is not None:
                if faults is None:
                    self._path_faults.pop(canonical_path(path), None)
                else:
                    self._path_faults[canonical_path(path)] = faults
            elif kind is not None and name is not None:
                self.project(kind, name).faults = faults
            elif kind is None and name is None:
                self._global_faults = faults
            else:
                raise ValueError("faults go to a path, a kind and name, or everything")

        self._call(apply)

    def set_quota(self, kind: str, limit: int | None, *, window: float | None = None) -> None:
        """Enforce a GitHub (per hour) or GitLab (per minute) request quota; None lifts it."""

        def apply() -> None:
            quota = self.quotas[kind]
            quota.limit = limit
            if window is not None:
                quota.window = window
            quota.used = 0
            quota.reset_at = 0.0

        self._call(apply)

    def reset(self) -> None:
        """Zero the counters, the request log, fault sequences and quota usage."""

        def apply() -> None:
            self._stats = Stats()
            self._log.clear()
            self._fault_counts.clear()
            for quota in self.quotas.values():
                quota.used = 0
                quota.reset_at = 0.0
                quota.refused = 0

        self._call(apply)

    def stats(self, *, paths: bool = True) -> dict[str, Any]:
        """Counters since start or the last reset(), as a JSON-ready dict."""

        def snapshot() -> dict[str, Any]:
            s = self._stats
            doc: dict[str, Any] = {
                "requests": s.requests,
                "ok": s.ok,
                "not_modified": s.not_modified,
                "errors": s.errors,
                "bytes": s.bytes,
                "in_flight": s.in_flight,
                "max_in_flight": s.max_in_flight,
                "by_status": {str(k): v for k, v in sorted(s.by_status.items())},
                "by_kind": {k: vars(v).copy() for k, v in sorted(s.by_kind.items())},
                "faults": dict(s.faults),
                "quotas": {
                    kind: {
                        "limit": q.limit,
                        "used": q.used,
                        "remaining": q.remaining,
                        "refused": q.refused,
                    }
                    for kind, q in self.quotas.items()
                },
                "projects": len(self._projects),
            }
            if paths:
                doc["by_path"] = dict(s.by_path)
            return doc

        return self._call(snapshot)

    @property
    def requests(self) -> list[RequestRecord]:
        """The most recent requests served (bounded log), oldest first."""
        return self._call(lambda: list(self._log))

    # -----------------------------------------------------------------------------------------
    # Seeding

    def seed(self, doc: Mapping[str, Any]) -> None:
        """Load projects, pages, faults and quotas from a seed document (see the package doc)."""
        settings = doc.get("settings", {})
        for kind in ("github", "gitlab"):
            if f"{kind}_quota" in settings or f"{kind}_window" in settings:
                self.set_quota(
                    kind, settings.get(f"{kind}_quota"), window=settings.get(f"{kind}_window")
                )
        if settings.get("faults") is not None:
            self.set_faults(Faults.from_json(settings["faults"]))
        for entry in doc.get("projects", []):
            known = {"kind", "name", "releases", "packages", "options", "faults"}
            unknown = set(entry) - known
            if unknown:
                raise ValueError(
                    f"unknown project field(s) {sorted(unknown)} in seed entry "
                    f"{entry.get('kind')}/{entry.get('name')}"
                )
            faults = Faults.from_json(entry["faults"]) if entry.get("faults") else None
            self.add_project(
                entry["kind"],
                entry["name"],
                [FakeRelease.from_json(r) for r in entry.get("releases", [])],
                packages=entry.get("packages", []),
                faults=faults,
                **entry.get("options", {}),
            )
        for page in doc.get("pages", []):
            self.add_page(
                page["path"], page["body"], page.get("content_type", "text/html; charset=utf-8")
            )
        for path, faults in doc.get("path_faults", {}).items():
            self.set_faults(Faults.from_json(faults), path=path)

    def seed_from_json(self, path: str | Path) -> None:
        self.seed(json.loads(Path(path).read_text(encoding="utf-8")))

    # -----------------------------------------------------------------------------------------
    # Serving

    def _lookup(self, path: str) -> Endpoint | None:
        endpoint = self._routes.get(path)
        if endpoint is not None:
            return endpoint
        endpoint = self._routes_ci.get(path.lower())
        if endpoint is not None:
            return endpoint
        if path.startswith("/pypi/") and path.endswith("/json"):
            # PyPI answers any spelling of a name that normalises to the project's.
            name = path[len("/pypi/") : -len("/json")]
            return self._routes.get(f"/pypi/{pypi_normalize(name)}/json")
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = canonical_path(request.raw_path.partition("?")[0])
        if path.startswith("/_"):
            return await self._admin(request, path)
        endpoint = self._lookup(path)
        glob = self._globals.get(path) if endpoint is None else None
        kind = endpoint.project.kind if endpoint else glob[0] if glob else kind_of_path(path)
        stats = self._stats
        per_kind = stats.by_kind.get(kind)
        if per_kind is None:
            per_kind = stats.by_kind[kind] = KindStats()
        stats.in_flight += 1
        per_kind.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        per_kind.max_in_flight = max(per_kind.max_in_flight, per_kind.in_flight)
        try:
            response, sent = await self._respond(request, path, kind, endpoint, glob)
        finally:
            stats.in_flight -= 1
            per_kind.in_flight -= 1
        # Counted before aiohttp writes the response, so a client that has its answer always
        # finds it in stats() (streamed bodies are the exception: counted once fully sent).
        status = response.status
        stats.requests += 1
        per_kind.requests += 1
        stats.by_status[status] += 1
        stats.by_path[path] += 1
        stats.bytes += sent
        per_kind.bytes += sent
        if status == 304:
            stats.not_modified += 1
            per_kind.not_modified += 1
        elif status < 400:
            stats.ok += 1
            per_kind.ok += 1
        else:
            stats.errors += 1
            per_kind.errors += 1
        if self._log.maxlen:
            headers = {h: request.headers[h] for h in _LOGGED_HEADERS if h in request.headers}
            self._log.append(RequestRecord(request.method, request.raw_path, kind, status, headers))
        return response

    def _faults_for(self, path: str, endpoint: Endpoint | None) -> Faults | None:
        faults = self._path_faults.get(path)
        if faults is None and endpoint is not None:
            faults = endpoint.project.faults
        return faults if faults is not None else self._global_faults

    def _count(self, faults: Faults, path: str, what: str, limit: int | None) -> bool:
        """Whether the ``what`` fault fires for this request (limited to the first N)."""
        key = (id(faults), path, what)
        if limit is not None and self._fault_counts[key] >= limit:
            return False
        self._fault_counts[key] += 1
        self._stats.faults[what] += 1
        return True

    async def _wait_stop(self, seconds: float) -> None:
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _respond(
        self,
        request: web.Request,
        path: str,
        kind: str,
        endpoint: Endpoint | None,
        glob: tuple[str, Callable[[Req], Rendered]] | None,
    ) -> tuple[web.StreamResponse, int]:
        faults = self._faults_for(path, endpoint)
        if faults is not None:
            if faults.latency_max > faults.latency:
                await asyncio.sleep(_JITTER.uniform(faults.latency, faults.latency_max))
            elif faults.latency > 0:
                await asyncio.sleep(faults.latency)
            early = await self._inject(request, path, faults)
            if early is not None:
                return early
        quota = self.quotas.get(kind)
        counted = quota is not None and glob is None  # /rate_limit is free, as on GitHub
        if quota is not None and counted:
            quota.roll(time.time())
            if quota.exhausted:
                quota.refused += 1
                return self._send(self._quota_refusal(kind, quota, request), request)
        if kind == "crates" and not request.headers.get("User-Agent"):
            return self._send(_CRATES_NO_AGENT, request)
        req = Req(
            base=f"{request.scheme}://{request.host}",
            path=path,
            query=request.query,
            headers=request.headers,
            body=await request.read() if request.can_read_body else b"",
        )
        modified = None
        if endpoint is not None:
            rendered = endpoint.respond(req)
            modified = endpoint.project.snapshot.modified
        elif glob is not None:
            rendered = glob[1](req)
        else:
            rendered = _NOT_FOUND.get(kind, _NOT_FOUND_HTML)
        headers = CIMultiDict[str]()
        status = rendered.status
        if status < 300:
            headers["ETag"] = rendered.etag
            if modified is not None:
                headers["Last-Modified"] = http_date(modified)
        for name, value in rendered.headers:
            headers.add(name, value)
        not_modified = status == 200 and _is_not_modified(request, rendered.etag, modified)
        if quota is not None:
            # A 304 does not count against GitHub's quota; GitLab counts every request.
            if counted and not (not_modified and kind == "github"):
                quota.used += 1
            self._quota_headers(kind, quota, headers)
        if not_modified:
            return web.Response(status=304, headers=headers), 0
        body = rendered.body
        if faults is not None and faults.malformed and self._count(faults, path, "malformed", None):
            body = body[: len(body) // 2]
        if faults is not None and faults.hang_body and self._count(faults, path, "hang_body", None):
            return await self._stall(request, rendered, body, headers, faults)
        if status == 200 and "Range" in request.headers:
            ranged = _byte_range(request.headers["Range"], len(body))
            if ranged is None:
                headers["Content-Range"] = f"bytes */{len(body)}"
                return web.Response(status=416, headers=headers), 0
            start, end = ranged
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(body)}"
            status, body = 206, body[start:end]
        headers["Content-Type"] = rendered.content_type
        return web.Response(status=status, body=body, headers=headers), len(body)

    def _send(self, rendered: Rendered, request: web.Request) -> tuple[web.StreamResponse, int]:
        headers = CIMultiDict[str](rendered.headers)
        headers["Content-Type"] = rendered.content_type
        return web.Response(status=rendered.status, body=rendered.body, headers=headers), len(
            rendered.body
        )

    async def _inject(
        self, request: web.Request, path: str, faults: Faults
    ) -> tuple[web.StreamResponse, int] | None:
        if faults.hang or faults.picks(faults.hang_rate, "hang", path):
            self._stats.faults["hang"] += 1
            await self._wait_stop(faults.hang_seconds)
            return web.Response(status=503), 0
        if faults.status is not None and self._count(faults, path, "status", faults.times):
            return self._error(faults.status, faults.retry_after), 0
        if faults.picks(faults.error_rate, "error", path) and self._count(
            faults, path, "error_rate", faults.error_times
        ):
            return self._error(faults.error_status, faults.retry_after), 0
        if faults.redirect is not None and self._count(faults, path, "redirect", None):
            return web.Response(
                status=faults.redirect_status, headers={"Location": faults.redirect}
            ), 0
        if faults.huge_mb > 0 and self._count(faults, path, "huge", None):
            return await self._huge(request, int(faults.huge_mb * 1024 * 1024), faults.huge_length)
        return None

    @staticmethod
    def _error(status: int, retry_after: int | None) -> web.Response:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        return web.Response(
            status=status, body=json.dumps({"message": reason}).encode(), headers=headers
        )

    async def _huge(
        self, request: web.Request, size: int, with_length: bool
    ) -> tuple[web.StreamResponse, int]:
        """A valid JSON document of exactly ``size`` bytes, streamed in 64 KiB chunks."""
        response = web.StreamResponse(status=200)
        response.content_type = "application/json"
        if with_length:
            response.content_length = size
        await response.prepare(request)
        sent = 0
        chunk = b"x" * 65536
        head, tail = b'["', b'"]'
        try:
            await response.write(head)
            sent += len(head)
            while sent < size - len(tail):
                piece = chunk[: min(len(chunk), size - len(tail) - sent)]
                await response.write(piece)
                sent += len(piece)
            await response.write(tail)
            sent += len(tail)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client gave up, which is what a size cap should make it do
        return response, sent

    async def _stall(
        self,
        request: web.Request,
        rendered: Rendered,
        body: bytes,
        headers: CIMultiDict[str],
        faults: Faults,
    ) -> tuple[web.StreamResponse, int]:
        response = web.StreamResponse(status=rendered.status, headers=headers)
        response.content_type = rendered.content_type.split(";")[0]
        response.content_length = len(body)
        await response.prepare(request)
        half = body[: len(body) // 2]
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write(half)
        await self._wait_stop(faults.hang_seconds)
        return response, len(half)

    def _quota_headers(self, kind: str, quota: Quota, headers: CIMultiDict[str]) -> None:
        reset = int(quota.reset_at) if quota.reset_at else int(time.time() + quota.window)
        if kind == "github":
            headers["X-RateLimit-Limit"] = str(quota.shown_limit)
            headers["X-RateLimit-Remaining"] = str(quota.remaining)
            headers["X-RateLimit-Reset"] = str(reset)
            headers["X-RateLimit-Used"] = str(quota.shown_limit - quota.remaining)
            headers["X-RateLimit-Resource"] = "core"
        else:
            headers["RateLimit-Limit"] = str(quota.shown_limit)
            headers["RateLimit-Observed"] = str(quota.shown_limit - quota.remaining)
            headers["RateLimit-Remaining"] = str(quota.remaining)
            headers["RateLimit-Reset"] = str(reset)
            headers["RateLimit-ResetTime"] = http_date_from_epoch(reset)

    def _quota_refusal(self, kind: str, quota: Quota, request: web.Request) -> Rendered:
        headers = CIMultiDict[str]()
        self._quota_headers(kind, quota, headers)
        if kind == "github":
            authed = "Authorization" in request.headers
            body = _GITHUB_LIMIT_BODY_AUTH if authed else _GITHUB_LIMIT_BODY
            rendered = json_response(body, status=403)
        else:
            headers["Retry-After"] = str(max(int(quota.reset_at - time.time()), 1))
            rendered = text_response("Retry later\n", "text/plain", 429)
        return Rendered(
            rendered.body,
            rendered.content_type,
            rendered.etag,
            tuple(headers.items()),
            rendered.status,
        )

    def _github_rate_doc(self, req: Req) -> Rendered:
        quota = self.quotas["github"]
        quota.roll(time.time())
        core = {
            "limit": quota.shown_limit,
            "used": quota.shown_limit - quota.remaining,
            "remaining": quota.remaining,
            "reset": int(quota.reset_at),
        }
        other = {"limit": 30, "used": 0, "remaining": 30, "reset": int(time.time()) + 60}
        return json_response(
            {
                "resources": {
                    "core": core,
                    "search": other,
                    "graphql": {**core, "limit": 5000},
                    "integration_manifest": {**other, "limit": 5000},
                },
                "rate": core,
            }
        )

    # -----------------------------------------------------------------------------------------
    # Admin endpoints, for a server running as a separate process (benchmarks, the demo)

    async def _admin(self, request: web.Request, path: str) -> web.StreamResponse:
        try:
            payload = await request.json() if request.can_read_body else {}
            answer = self._admin_action(request.method, path, request.query, payload)
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"error": f"{type(exc).__name__}: {exc}"}, status=400)
        if answer is None:
            return web.json_response(
                {"error": f"no admin endpoint {request.method} {path}"}, status=404
            )
        return web.json_response(answer)

    def _admin_action(
        self, method: str, path: str, query: Mapping[str, str], payload: Any
    ) -> dict[str, Any] | None:
        if method == "GET" and path == "/_stats":
            return self.stats(paths=query.get("paths", "0") not in ("0", ""))
        if method == "GET" and path == "/_projects":
            return {
                "projects": [
                    {"kind": p.kind, "name": p.name, "paths": self.paths(p.kind, p.name)}
                    for p in self._projects.values()
                ]
            }
        if method != "POST":
            return None
        if path == "/_reset":
            self.reset()
            return {"reset": True}
        if path == "/_seed":
            self.seed(payload)
            return {"projects": len(self._projects)}
        if path == "/_release":
            releases = payload.get("releases", [])
            if payload["kind"] == "rpmrepo":
                self.release(
                    payload["kind"], payload["name"], *(RpmPackage.coerce(r) for r in releases)
                )
            else:
                self.release(
                    payload["kind"], payload["name"], *(FakeRelease.from_json(r) for r in releases)
                )
            return {"released": len(releases)}
        if path == "/_faults":
            spec = payload.get("faults")
            self.set_faults(
                Faults.from_json(spec) if spec is not None else None,
                kind=payload.get("kind"),
                name=payload.get("name"),
                path=payload.get("path"),
            )
            return {"faults": spec}
        if path == "/_quota":
            self.set_quota(payload["kind"], payload.get("limit"), window=payload.get("window"))
            return {"quota": payload}
        return None


def http_date_from_epoch(epoch: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(epoch))


def _is_not_modified(request: web.Request, etag: str, modified: Any) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since when both are sent."""
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        return any(tag.strip().removeprefix("W/") == etag for tag in inm.split(","))
    ims = request.headers.get("If-Modified-Since")
    if ims is None or modified is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return bool(modified.replace(microsecond=0) <= since)


def _byte_range(header: str, length: int) -> tuple[int, int] | None:
    """``(start, end)`` (end exclusive) of a single ``bytes=`` range, or None if unsatisfiable."""
    match = _RANGE.match(header.strip())
    if match is None:
        return (0, length)  # a range form we don't speak: send everything, as servers may
    first, last = match.groups()
    if first == "":
        if last == "":
            return (0, length)
        start = max(length - int(last), 0)
        return (start, length)
    start = int(first)
    if start >= length:
        return None
    end = min(int(last) + 1, length) if last else length
    return (start, end)


# ---------------------------------------------------------------------------------------------
# Command line


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fakeupstream",
        description="Serve fake upstream APIs on loopback until interrupted; prints the URL.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--seed",
        action="append",
        default=[],
        metavar="FILE.json",
        help="seed document to load (repeatable)",
    )
    parser.add_argument("--url-file", type=Path, help="also write the URL to this file")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every response"
    )
    parser.add_argument("--github-quota", type=int, help="GitHub requests allowed per window")
    parser.add_argument("--gitlab-quota", type=int, help="GitLab requests allowed per window")
    parser.add_argument(
        "--lazy", action="store_true", help="render bodies on first request instead of at start-up"
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    upstream = FakeUpstream(host=args.host, port=args.port)
    for seed in args.seed:
        upstream.seed_from_json(seed)
    if args.latency:
        upstream.set_faults(Faults(latency=args.latency))
    if args.github_quota is not None:
        upstream.set_quota("github", args.github_quota)
    if args.gitlab_quota is not None:
        upstream.set_quota("gitlab", args.gitlab_quota)
    if not args.lazy:
        upstream.prerender()
    await upstream.astart()
    print(upstream.url, flush=True)
    if args.url_file is not None:
        args.url_file.write_text(upstream.url + "\n", encoding="utf-8")
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, done.set)
    await done.wait()
    await upstream.astop()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except (OSError, ValueError) as exc:
        print(f"fakeupstream: {exc}", file=sys.stderr)
        return 1
    return 0


__all__ = ["FakeUpstream", "Quota", "RequestRecord", "canonical_path", "kind_of_path", "main"]
