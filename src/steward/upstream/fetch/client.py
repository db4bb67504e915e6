"""The :class:`Fetcher`, its configuration and its results: one GET (or download) through
slots, quotas, the breaker, retries, redirects and the guard."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import random
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Protocol, Self
from urllib.parse import urlsplit

import aiohttp
import orjson
from aiohttp.http_exceptions import ContentEncodingError
from yarl import URL

from steward import __version__
from steward.config import ConfigError
from steward.upstream.credentials import (
    CREDENTIAL_HEADERS,
    Credentials,
)
from steward.upstream.fetch.download import DownloadResult, _PartFile, _sha256_of
from steward.upstream.fetch.errors import (
    BlockedDestination,
    ConnectionFailed,
    FetchError,
    HostUnreachable,
    HttpStatusError,
    MalformedResponse,
    RateLimited,
    ResponseTooLarge,
    Timeout,
    TooManyRedirects,
)
from steward.upstream.fetch.quota import (
    _Breaker,
    _Deadline,
    _QuotaBook,
    _rate_limit_info,
    _utc,
    full_jitter_delay,
    parse_retry_after,
)
from steward.upstream.fetch.transport import (
    _CHUNK,
    _ERROR_BODY_LIMIT,
    _NO_LIMIT,
    _blocked,
    _caused_by,
    _header_dict,
    _Meter,
    _new_session,
    _origin,
    _parse_url,
    _read_at_most,
    _Refused,
    _ssl_context,
)
from steward.upstream.guard import (
    ALLOWED_SCHEMES,
    GuardPolicy,
    Resolver,
    parse_ip_literal,
    resolve_host,
    vet_destination,
)
from steward.upstream.redact import redact_url
from steward.upstream.validators import (
    Validator,
    no_recording,
    note_response,
)

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DURATION_FIELDS = (
    "connect_timeout",
    "read_timeout",
    "total_timeout",
    "request_deadline",
    "backoff_base",
    "backoff_cap",
    "max_retry_after",
    "max_rate_limit_wait",
)
# A server that answers Range requests inconsistently gets this many fresh starts, then an error.
_MAX_DOWNLOAD_RESTARTS = 2
# A URL's scheme and authority, the part its origin and credentials host depend on.
_BASE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")
_MAX_BASES = 4096


def _default_user_agent() -> str:
    return f"steward/{__version__} (+https://github.com/steward-distro/steward)"


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How the engine behaves. Times are seconds; every field has a polite default.

    ``total_timeout`` bounds one attempt from connect to the last body byte (so a server that
    trickles bytes cannot hold a slot forever); ``read_timeout`` bounds each wait for bytes;
    ``request_deadline`` bounds a whole :meth:`Fetcher.get`, every attempt, redirect and
    backoff together (time spent queueing for a slot or a quota reset is not counted).
    ``max_rate_limit_wait`` is the longest a request waits for a host's quota to refill;
    a reset further away fails the request at once with :class:`RateLimited`.
    ``breaker_threshold`` consecutive connection failures or time-outs at one host open its
    circuit breaker: every later request to it fails at once with :class:`HostUnreachable`.
    ``base_url_overrides`` maps a logical base such as ``"https://api.github.com"`` to where
    requests for it really go (a mirror, an enterprise instance, a loopback test server);
    credentials, the HTTP cache and error messages keep using the logical URL.
    """

    concurrency: int = 32
    per_host_concurrency: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    request_deadline: float = 60.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0
    rate_limit_reserve: int = 10
    max_rate_limit_wait: float = 60.0
    breaker_threshold: int = 5
    max_response_bytes: int = 20 * MiB
    max_redirects: int = 5
    user_agent: str = field(default_factory=_default_user_agent)
    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    base_url_overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (
            "concurrency",
            "per_host_concurrency",
            "max_response_bytes",
            "breaker_threshold",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"fetch setting {name} must be at least 1")
        for name in ("max_retries", "rate_limit_reserve", "max_redirects"):
            if getattr(self, name) < 0:
                raise ConfigError(f"fetch setting {name} must not be negative")
        for name in _DURATION_FIELDS:
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"fetch setting {name} must be a non-negative number")
        overrides: dict[str, str] = {}
        for logical, actual in self.base_url_overrides.items():
            for url in (logical, actual):
                if urlsplit(url).scheme not in ALLOWED_SCHEMES or not urlsplit(url).netloc:
                    raise ConfigError(f"base URL override {url!r} must be an http(s) URL")
            overrides[logical.rstrip("/")] = actual.rstrip("/")
        object.__setattr__(self, "base_url_overrides", MappingProxyType(overrides))
        object.__setattr__(self, "allowed_hosts", frozenset(self.allowed_hosts))

    @property
    def guard_policy(self) -> GuardPolicy:
        return GuardPolicy(self.allow_private, self.allowed_hosts)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One completed GET.

    ``status`` is the final status on the wire: a revalidated cache hit has ``status == 304``,
    ``from_cache=True`` and the cached ``body``; ``body`` is None only for a 304 the cache could
    not serve (the caller sent its own validators). ``attempts`` counts every request sent,
    retries and redirect hops included.
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes | None = field(repr=False)
    from_cache: bool
    elapsed: float
    attempts: int

    def json(self) -> Any:
        """The body parsed as JSON; :class:`MalformedResponse` names the URL and offset."""
        safe_url = redact_url(self.url)
        if self.body is None:
            raise MalformedResponse(f"no body to parse from {safe_url} (status 304)", url=safe_url)
        try:
            # orjson parses API pages three times as fast; what it refuses and the standard
            # library takes (NaN, a byte-order mark, UTF-16) and every error message go the
            # standard way.
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            pass
        try:
            return json.loads(self.body)
        except json.JSONDecodeError as exc:
            raise MalformedResponse(
                f"malformed JSON from {safe_url} at character offset {exc.pos} "
                f"(line {exc.lineno}, column {exc.colno}): {exc.msg}",
                url=safe_url,
                offset=exc.pos,
            ) from None
        except UnicodeDecodeError as exc:
            raise MalformedResponse(
                f"malformed JSON from {safe_url}: not valid {exc.encoding} at byte offset "
                f"{exc.start}",
                url=safe_url,
                offset=exc.start,
            ) from None

    def text(self) -> str:
        """The body decoded with the declared charset (UTF-8 when none); bad bytes become U+FFFD,
        because listing pages in the wild mix encodings and a version number is ASCII anyway."""
        if self.body is None:
            return ""
        charset = _charset(self.headers.get("content-type", "")) or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A stored 200 response and the validators that let the next request be conditional."""

    etag: str | None
    last_modified: str | None
    body: bytes = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)


class HttpCache(Protocol):
    """Where validators and bodies live between runs, keyed by the logical URL.

    The protocol is asynchronous so that a database-backed cache can do I/O without blocking
    the event loop; an in-memory implementation simply never awaits.
    """

    async def lookup(self, url: str) -> CachedResponse | None: ...

    async def store(self, url: str, response: CachedResponse) -> None: ...


class MemoryHttpCache:
    """An :class:`HttpCache` in a dict, for one process (and for tests)."""

    def __init__(self) -> None:
        self._entries: dict[str, CachedResponse] = {}

    async def lookup(self, url: str) -> CachedResponse | None:
        return self._entries.get(url)

    async def store(self, url: str, response: CachedResponse) -> None:
        self._entries[url] = response

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class FetchStats:
    """Counters since the fetcher was created (requests includes retries and redirect hops)."""

    requests: int = 0
    retries: int = 0
    not_modified: int = 0
    bytes_received: int = 0


@dataclass(frozen=True, slots=True)
class _Body:
    """A request other than a plain GET: its method and the bytes it sends."""

    method: str
    data: bytes | None


@dataclass(frozen=True, slots=True)
class _Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


class Fetcher:
    """The shared HTTP engine; use it as an async context manager (it owns a connection pool).

    ``rng`` makes backoff jitter reproducible in tests; ``resolver`` replaces the system
    resolver (tests, or a custom DNS setup) and is consulted by the guard.
    """

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        cache: HttpCache | None = None,
        credentials: Credentials | None = None,
        rng: random.Random | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.config = config or FetchConfig()
        self._cache = cache
        self._credentials = credentials or Credentials()
        self._rng = rng or random.Random()
        self._resolver = resolver or resolve_host
        # Created on first use, inside the running event loop (aiohttp binds it to the loop).
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(self.config.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._quotas = _QuotaBook(self.config.rate_limit_reserve, self.config.max_rate_limit_wait)
        self._breaker = _Breaker(self.config.breaker_threshold)
        self._overrides = sorted(
            self.config.base_url_overrides.items(), key=lambda item: len(item[0]), reverse=True
        )
        self._requests = self._retries = self._not_modified = self._bytes = 0
        # revalidate(): one conditional request per URL and run, and the 200 answers it got,
        # kept for the caller's next get() of the same URL.
        self._revalidations: dict[str, asyncio.Future[bool]] = {}
        self._fresh: dict[str, FetchResult] = {}
        # _target's answers by base ("scheme://authority"): (origin, host name).
        self._bases: dict[str, tuple[str, str]] = {}
        # _vet_ip_literal's verdicts by (host, port); False: not an IP literal.
        self._literals: dict[tuple[str, int], Any] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def __repr__(self) -> str:
        return f"Fetcher(concurrency={self.config.concurrency}, credentials={self._credentials!r})"

    @property
    def stats(self) -> FetchStats:
        return FetchStats(self._requests, self._retries, self._not_modified, self._bytes)

    async def get_json(self, url: str, **options: Any) -> Any:
        """``get(url, **options).json()``; a 304 is answered from the cache."""
        return (await self.get(url, **options)).json()

    async def get_text(self, url: str, **options: Any) -> str:
        """``get(url, accept="text/html, */*", ...).text()``."""
        options.setdefault("accept", "text/html, text/plain;q=0.9, */*;q=0.8")
        return (await self.get(url, **options)).text()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        accept: str = "application/json",
        conditional: bool = True,
        auth_scope: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (a logical URL; base-URL overrides apply) and return the whole body.

        ``auth_scope`` names the credentials host whose token to send; by default the URL's
        own host. The token goes only to the first hop's origin, never across a redirect to
        another origin. With ``conditional`` and a cache, validators are sent and a 304 is
        answered from the cache. Raises a :class:`FetchError` subclass for everything else
        than a 2xx or a served 304.
        """
        if self._fresh:
            fresh = self._fresh.pop(url, None)
            if fresh is not None:
                note_response(url, accept, headers or {}, fresh.headers)
                return fresh
        started = time.monotonic()
        safe_url = redact_url(url)
        target, logical, host = self._target(url, safe_url)
        scope = auth_scope if auth_scope is not None else host
        cached = await self._cache.lookup(url) if conditional and self._cache is not None else None

        request_headers = {name.lower(): value for name, value in (headers or {}).items()}
        request_headers.setdefault("accept", accept)
        if cached is not None:
            if cached.etag:
                request_headers["if-none-match"] = cached.etag
            if cached.last_modified:
                request_headers["if-modified-since"] = cached.last_modified

        response, attempts = await self._follow(safe_url, target, logical, request_headers, scope)
        result = await self._finish(url, safe_url, response, cached, attempts, started)
        note_response(url, accept, request_headers, result.headers)
        return result

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> FetchResult:
        """Send one ``method`` request (a forge's API call) and return the answer, whatever
        its status: the caller reads error bodies itself (they are cut at 64 KiB).

        The guard, host slots, the breaker, the deadline, size caps and the base-URL
        overrides apply as in :meth:`get`; no credentials are added (the caller names its
        own, as the forge wants them), a redirect is returned rather than followed and
        nothing is retried, so a POST is never sent twice. Raises :class:`FetchError` when
        no answer came.
        """
        started = time.monotonic()
        safe_url = redact_url(url)
        target, logical, _ = self._target(url, safe_url)
        request_headers = {name.lower(): value for name, value in (headers or {}).items()}
        request_headers.setdefault("accept", "application/json")
        data = None
        if json_body is not None:
            data = orjson.dumps(json_body)
            request_headers["content-type"] = "application/json"
        response, attempts = await self._follow(
            safe_url, target, logical, request_headers, "", None, _Body(method.upper(), data)
        )
        return FetchResult(
            url,
            response.url,
            response.status,
            response.headers,
            response.body,
            False,
            time.monotonic() - started,
            attempts,
        )

    async def revalidate(self, validators: Sequence[Validator]) -> bool:
        """True when every response behind ``validators`` is unchanged upstream.

        One conditional request per URL (``If-None-Match``/``If-Modified-Since``), sent
        concurrently, asked at most once per URL and fetcher however many callers share it;
        a 304 downloads no body. A URL that answers 200 has changed: its response is kept
        and handed to the next :meth:`get` of that URL. Without validators for every URL the
        answer is False at once. A failure (timeout, 5xx after retries, 404) raises, as the
        caller's own request would have.
        """
        if not validators or not all(v.usable for v in validators):
            return False
        if len(validators) == 1:  # the common case, without a task of its own
            return await self._revalidate_one(validators[0])
        outcomes = await asyncio.gather(
            *(self._revalidate_one(v) for v in validators), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return all(outcomes)

    async def _revalidate_one(self, validator: Validator) -> bool:
        known = self._revalidations.get(validator.url)
        if known is not None:
            return await asyncio.shield(known)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._revalidations[validator.url] = future
        try:
            unchanged = await self._ask_again(validator)
        except asyncio.CancelledError:
            del self._revalidations[validator.url]  # never asked: a later caller asks
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: other callers re-raise it, nobody else need
            raise
        future.set_result(unchanged)
        return unchanged

    async def _ask_again(self, validator: Validator) -> bool:
        headers = dict(validator.headers)
        if validator.etag:
            headers["if-none-match"] = validator.etag
        if validator.last_modified:
            headers["if-modified-since"] = validator.last_modified
        with no_recording():
            result = await self.get(
                validator.url, headers=headers, accept=validator.accept, conditional=False
            )
        if result.status == 304:
            return True
        self._fresh[validator.url] = result
        return False

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        max_bytes: int,
        resume: bool = True,
        headers: Mapping[str, str] | None = None,
        auth_scope: str | None = None,
        timeout: float | None = None,
    ) -> DownloadResult:
        """Stream ``url`` to the file ``dest`` (its folder must exist) without holding it in memory.

        Bytes go to ``dest`` + ``.part``; with ``resume``, a ``.part`` left by an earlier,
        interrupted attempt is continued with ``Range: bytes=N-`` (a server that ignores the
        range and answers 200 is simply read from the start), and so is one cut short by a
        dropped connection during the retries here. ``dest`` appears, by an atomic rename, only
        when the whole body is in. More than ``max_bytes`` raises :class:`ResponseTooLarge`
        and deletes the ``.part`` file, since resuming could only pass the cap again. The body
        is stored as sent (``Accept-Encoding: identity``, never decoded), so a ``.tar.gz``
        served with ``Content-Encoding: gzip`` stays a ``.tar.gz``. ``timeout`` replaces
        ``total_timeout`` for each attempt (large files take longer than API calls). The
        guard, retries, ``Retry-After``, rate limits, redirects and credentials behave as in
        :meth:`get`; there is no HTTP cache.
        """
        started = time.monotonic()
        safe_url = redact_url(url)
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1 to download {safe_url}")
        target, logical, host = self._target(url, safe_url)
        scope = auth_scope if auth_scope is not None else host
        part = dest.with_name(dest.name + ".part")
        if not resume:
            part.unlink(missing_ok=True)
        sink = _PartFile(part, max_bytes, self.config.total_timeout if timeout is None else timeout)
        if sink.size() > max_bytes:
            sink.discard()
        resumed_from = sink.size()

        request_headers = {name.lower(): value for name, value in (headers or {}).items()}
        request_headers.setdefault("accept", "*/*")
        request_headers["accept-encoding"] = "identity"
        attempts = 0
        for _ in range(_MAX_DOWNLOAD_RESTARTS + 1):
            response, sent = await self._follow(
                safe_url, target, logical, request_headers, scope, sink
            )
            attempts += sent
            if sink.complete:
                break
            if not sink.restart:
                raise HttpStatusError(
                    f"HTTP {response.status} from {safe_url}",
                    url=safe_url,
                    status=response.status,
                    body=response.body,
                )
            logger.info("%s answered a range that does not fit; downloading afresh", safe_url)
            sink.discard()
        else:
            raise MalformedResponse(
                f"{safe_url} keeps answering byte ranges that do not match the request",
                url=safe_url,
            )

        size = part.stat().st_size
        digest = await asyncio.to_thread(_sha256_of, part)
        os.replace(part, dest)
        return DownloadResult(
            url,
            response.url,
            dest,
            size,
            digest,
            min(resumed_from, sink.kept),
            attempts,
            time.monotonic() - started,
        )

    def _target(self, url: str, safe_url: str) -> tuple[URL, str, str]:
        """Where ``url`` really goes (overrides applied), the origin of ``url`` itself, and
        the host name its credentials belong to."""
        actual = self._apply_override(url)
        try:
            target = _parse_url(actual)
        except (ValueError, TypeError) as exc:
            raise FetchError(f"invalid URL {safe_url}: {exc}", url=safe_url) from None
        if not target.scheme or (target.scheme in ALLOWED_SCHEMES and not target.raw_host):
            raise FetchError(f"invalid URL {safe_url}: not an absolute URL", url=safe_url)
        # The origin and host depend only on the URL's scheme and authority: worked out once
        # per base rather than parsing every URL twice.
        match = _BASE.match(url)
        known = self._bases.get(match.group()) if match is not None else None
        if known is not None:
            return target, known[0], known[1]
        try:
            logical = target if actual is url else _parse_url(url)
        except (ValueError, TypeError) as exc:
            raise FetchError(f"invalid URL {safe_url}: {exc}", url=safe_url) from None
        if not logical.raw_host:
            return target, _origin(target), urlsplit(url).hostname or ""
        known = (_origin(logical), urlsplit(url).hostname or "")
        if match is not None and len(self._bases) < _MAX_BASES:
            self._bases[match.group()] = known
        return target, known[0], known[1]

    async def _follow(
        self,
        safe_url: str,
        target: URL,
        logical: str,
        request_headers: dict[str, str],
        scope: str,
        sink: _PartFile | None = None,
        outgoing: _Body | None = None,
    ) -> tuple[_Response, int]:
        """Send the request, following redirects; returns the last response and requests sent.

        Host slots and rate-limit quotas belong to the *logical* origin (``logical``): APIs
        overridden to one mirror keep their own quotas. A redirect to another origin is
        accounted to that origin.
        """
        token = self._credentials.for_host(scope) if scope else None
        target_origin = _origin(target)
        # Downloads have their own per-attempt timeout: large files take longer than API calls.
        deadline = _Deadline(self.config.request_deadline if sink is None else math.inf)
        hop, attempts, redirects = target, 0, 0
        while True:
            hop_headers = dict(request_headers)
            origin = _origin(hop)
            if origin == target_origin:
                origin = logical
                if token is not None:
                    hop_headers.update(token.headers())
            else:
                # Like browsers: credentials never follow a redirect to another origin.
                for name in CREDENTIAL_HEADERS:
                    hop_headers.pop(name, None)
            quota_key = (origin, scope if token is not None else "")
            response, sent = await self._send_with_retries(
                safe_url, hop, hop_headers, quota_key, deadline, sink, outgoing
            )
            attempts += sent
            location = response.headers.get("location")
            if response.status not in _REDIRECT_STATUSES or not location or outgoing is not None:
                # Another method's redirect is the caller's to read: resending a POST
                # elsewhere would send its body (and a token in it) where nobody vetted.
                return response, attempts
            redirects += 1
            if redirects > self.config.max_redirects:
                raise TooManyRedirects(
                    f"more than {self.config.max_redirects} redirects from {safe_url}",
                    url=safe_url,
                )
            try:
                hop = hop.join(_parse_url(location))
            except (ValueError, TypeError):
                raise MalformedResponse(
                    f"redirect from {safe_url} to an invalid location", url=safe_url
                ) from None

    async def _finish(
        self,
        url: str,
        safe_url: str,
        response: _Response,
        cached: CachedResponse | None,
        attempts: int,
        started: float,
    ) -> FetchResult:
        status, headers, body = response.status, response.headers, response.body
        if status == 304:
            self._not_modified += 1
            if cached is not None:
                merged = {**cached.headers, **headers}
                elapsed = time.monotonic() - started
                return FetchResult(
                    url, response.url, 304, merged, cached.body, True, elapsed, attempts
                )
            return FetchResult(
                url, response.url, 304, headers, None, False, time.monotonic() - started, attempts
            )
        if not 200 <= status < 300:
            raise HttpStatusError(
                f"HTTP {status} from {safe_url}", url=safe_url, status=status, body=body
            )
        if status == 200 and self._cache is not None:
            etag, last_modified = headers.get("etag"), headers.get("last-modified")
            if etag or last_modified:
                await self._cache.store(url, CachedResponse(etag, last_modified, body, headers))
        return FetchResult(
            url, response.url, status, headers, body, False, time.monotonic() - started, attempts
        )

    def _apply_override(self, url: str) -> str:
        for logical, actual in self._overrides:
            if url == logical or url.startswith((logical + "/", logical + "?")):
                return actual + url[len(logical) :]
        return url

    async def _send_with_retries(
        self,
        safe_url: str,
        hop: URL,
        headers: dict[str, str],
        quota_key: tuple[str, str],
        deadline: _Deadline,
        sink: _PartFile | None = None,
        outgoing: _Body | None = None,
    ) -> tuple[_Response, int]:
        """One hop, retried on timeouts, connection failures, 5xx and 429, within the
        request's deadline and while the host's breaker stays closed.

        With a ``sink`` the body streams to its file and each retry resumes where it stopped.
        """
        config = self.config
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send_once(
                    safe_url, hop, headers, quota_key, deadline, sink, outgoing
                )
            except HostUnreachable:
                raise
            except (Timeout, ConnectionFailed) as exc:
                exc.attempts = attempt
                if attempt > config.max_retries or outgoing is not None:  # never resend a POST
                    raise
                self._breaker.check(_origin(hop), safe_url)
                delay = full_jitter_delay(
                    attempt, config.backoff_base, config.backoff_cap, self._rng
                )
                if delay >= deadline.left():
                    raise deadline.expired(safe_url, attempt) from None
                logger.info("retrying %s in %.2f s after: %s", safe_url, delay, exc)
                await self._pause(delay)
                continue

            status = response.status
            info = _rate_limit_info(response.headers, time.time())
            if status in (403, 429) and info is not None and info[0] <= 0:
                # The quota is spent: retrying before the reset would only be refused again.
                raise RateLimited(
                    f"rate limit exhausted at {quota_key[0]} for {safe_url} (HTTP {status}); "
                    f"it resets at {_utc(info[1]):%Y-%m-%d %H:%M:%S} UTC",
                    url=safe_url,
                    reset_at=_utc(info[1]),
                )
            # GitHub's secondary rate limit is a 403 that carries Retry-After.
            secondary = status == 403 and "retry-after" in response.headers
            if not (status >= 500 or status == 429 or secondary) or outgoing is not None:
                return response, attempt

            retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
            too_long = retry_after is not None and retry_after > config.max_retry_after
            delay = (
                retry_after
                if retry_after is not None
                else full_jitter_delay(attempt, config.backoff_base, config.backoff_cap, self._rng)
            )
            if too_long or attempt > config.max_retries or delay >= deadline.left():
                raise self._give_up(safe_url, response, retry_after, attempt)
            logger.info("HTTP %d from %s; retrying in %.2f s", status, safe_url, delay)
            await self._pause(delay)

    def _give_up(
        self, safe_url: str, response: _Response, retry_after: float | None, attempts: int
    ) -> FetchError:
        status = response.status
        if status in (403, 429):
            reset_at = _utc(time.time() + retry_after) if retry_after is not None else None
            wait = f"; the server asks to wait {retry_after:.0f} s" if retry_after else ""
            return RateLimited(
                f"HTTP {status} from {safe_url} after {attempts} attempt(s){wait}",
                url=safe_url,
                reset_at=reset_at,
            )
        return HttpStatusError(
            f"HTTP {status} from {safe_url} after {attempts} attempt(s)",
            url=safe_url,
            status=status,
            body=response.body,
        )

    async def _pause(self, seconds: float) -> None:
        self._retries += 1
        await asyncio.sleep(seconds)

    def _host_slots(self, origin: str) -> asyncio.Semaphore | contextlib.nullcontext[None]:
        if self.config.per_host_concurrency >= self.config.concurrency:
            return _NO_LIMIT  # the global slots bound every host already
        slots = self._per_host.get(origin)
        if slots is None:
            slots = self._per_host[origin] = asyncio.Semaphore(self.config.per_host_concurrency)
        return slots

    async def _send_once(
        self,
        safe_url: str,
        hop: URL,
        headers: dict[str, str],
        quota_key: tuple[str, str],
        deadline: _Deadline,
        sink: _PartFile | None = None,
        outgoing: _Body | None = None,
    ) -> _Response:
        if hop.scheme not in ALLOWED_SCHEMES:
            raise BlockedDestination(
                f"refusing {safe_url}: scheme {hop.scheme!r} is not http or https",
                url=safe_url,
                host=hop.host or "",
                address="",
                reason=f"scheme {hop.scheme!r}",
            )
        await self._vet_ip_literal(safe_url, hop)
        host = _origin(hop)
        self._breaker.check(host, safe_url)
        await self._quotas.acquire(quota_key, safe_url)
        recorded = False
        try:
            # Host slot first: waiting for a busy host must not hold a global slot.
            async with self._host_slots(quota_key[0]), self._global:
                self._breaker.check(host, safe_url)  # it may have opened while we queued
                left = deadline.left()
                if left <= 0:
                    raise deadline.expired(safe_url, 0)
                self._requests += 1
                try:
                    response = await self._exchange(safe_url, hop, headers, left, sink, outgoing)
                except (Timeout, ConnectionFailed) as exc:
                    self._breaker.failed(host, exc)
                    raise
                self._breaker.answered(host)
            self._quotas.record(quota_key, response.headers)
            recorded = True
            logger.debug("GET %s -> %d", safe_url, response.status)
            return response
        finally:
            if not recorded:
                self._quotas.release(quota_key)

    async def _vet_ip_literal(self, safe_url: str, hop: URL) -> None:
        """The guard for hosts spelled as IP addresses, which aiohttp never resolves.

        Names go through the connector's guarded resolver instead; unusual spellings such as
        ``2130706433`` are caught here too, whichever way aiohttp would treat them.
        """
        host = hop.raw_host or ""
        key = (host, hop.port or 0)
        destination = self._literals.get(key)
        if destination is None:
            if parse_ip_literal(host) is None:
                self._literals[key] = False
                return
            # An address needs no DNS: its verdict holds for the fetcher's life.
            destination = self._literals[key] = await vet_destination(
                host, key[1], self.config.guard_policy, self._resolver
            )
        if destination is False:
            return
        if not destination.allowed:
            refused = _Refused(host, destination.refused_address or "?", destination.reason or "?")
            raise _blocked(safe_url, refused)

    def _http(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None or session.closed:
            session = self._session = _new_session(self.config, self._resolver)
        return session

    async def _exchange(
        self,
        safe_url: str,
        hop: URL,
        headers: dict[str, str],
        left: float,
        sink: _PartFile | None = None,
        outgoing: _Body | None = None,
    ) -> _Response:
        timeout = min(left, self.config.total_timeout if sink is None else sink.timeout)
        if sink is not None:
            headers = sink.request_headers(headers)
        session = self._http()
        meter = _Meter()
        # Errors that carry the request (headers with the token, a URL with secrets in its
        # query) are translated outside the except clause, so that they are not chained.
        failure: FetchError
        try:
            async with asyncio.timeout(timeout):
                async with session.request(
                    outgoing.method if outgoing is not None else "GET",
                    hop,
                    headers=headers,
                    data=outgoing.data if outgoing is not None else None,
                    allow_redirects=False,
                    # Downloads keep the body as sent: a .tar.gz labelled gzip stays one.
                    auto_decompress=sink is None,
                    ssl=_ssl_context() if hop.scheme == "https" else True,
                ) as response:
                    response_headers = _header_dict(response.headers)
                    if sink is None:
                        body = await self._read_body(safe_url, response, response_headers, meter)
                    else:
                        body = await sink.consume(safe_url, response, response_headers, meter)
                    return _Response(redact_url(str(hop)), response.status, response_headers, body)
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise Timeout(
                f"timed out fetching {safe_url} ({type(exc).__name__})", url=safe_url, attempts=1
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, _Refused):
                raise _blocked(safe_url, exc.os_error) from None
            raise ConnectionFailed(
                f"connection to {hop.host} failed for {safe_url}: {exc.os_error or exc}",
                url=safe_url,
                attempts=1,
            ) from exc
        except aiohttp.ClientPayloadError as exc:
            if _caused_by(exc, ContentEncodingError):
                raise MalformedResponse(
                    f"cannot decode the body of {safe_url}: {exc}", url=safe_url
                ) from exc
            raise ConnectionFailed(
                f"connection to {hop.host} broke off the body of {safe_url}: {exc}",
                url=safe_url,
                attempts=1,
            ) from exc
        except aiohttp.ClientResponseError as exc:
            failure = ConnectionFailed(
                f"{hop.host} sent an invalid response for {safe_url}: {exc.message}",
                url=safe_url,
                attempts=1,
            )
        except aiohttp.InvalidURL:
            failure = FetchError(f"invalid URL {safe_url}", url=safe_url)
        except aiohttp.ClientError as exc:
            raise ConnectionFailed(
                f"connection to {hop.host} failed for {safe_url}: {exc or type(exc).__name__}",
                url=safe_url,
                attempts=1,
            ) from exc
        finally:
            self._bytes += meter.received
        raise failure

    async def _read_body(
        self,
        safe_url: str,
        response: aiohttp.ClientResponse,
        headers: Mapping[str, str],
        meter: _Meter,
    ) -> bytes:
        limit = self.config.max_response_bytes
        if not 200 <= response.status < 300:
            # Error, redirect and 304 bodies are only diagnostics: keep a snippet, never fail.
            return await _read_at_most(response, min(limit, _ERROR_BODY_LIMIT), meter)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(
                f"{safe_url} declares {int(declared)} bytes, over the {limit}-byte limit",
                url=safe_url,
                limit=limit,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            meter.received += len(chunk)
            if size > limit:
                raise ResponseTooLarge(
                    f"{safe_url} sent more than the {limit}-byte limit; stopped reading",
                    url=safe_url,
                    limit=limit,
                )
            chunks.append(chunk)
        return b"".join(chunks)
