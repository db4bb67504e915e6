"""The fetch engine against a real HTTP server on 127.0.0.1.

Each test starts its own tiny aiohttp server (:class:`Upstream`) with just the routes it needs
and watches the traffic from the server side: how many requests arrived, how many ran at
once, which headers came, how many body bytes went out. Loopback is allowed explicitly with
``allowed_hosts``; everything else keeps the guard's defaults.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import random
import socket
import ssl
import subprocess
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from fakeupstream.loopback import serve

from steward.config import ConfigError
from steward.upstream.credentials import AuthStyle, Credentials, Token
from steward.upstream.fetch import (
    BlockedDestination,
    ConnectionFailed,
    FetchConfig,
    Fetcher,
    FetchError,
    FetchResult,
    HttpStatusError,
    MalformedResponse,
    MemoryHttpCache,
    RateLimited,
    ResponseTooLarge,
    Timeout,
    TooManyRedirects,
    full_jitter_delay,
    parse_retry_after,
    redact_url,
)
from steward.upstream.fetch.transport import _ssl_context

pytestmark = pytest.mark.anyio

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --------------------------------------------------------------------------- test server


@dataclass(frozen=True)
class Hit:
    path: str
    query: str
    host: str
    headers: dict[str, str]
    at: float


class Upstream:
    """A loopback HTTP server whose routes are async functions; it records every request."""

    def __init__(self) -> None:
        self.app = web.Application(middlewares=[self._track])
        self.hits: list[Hit] = []
        self.body_bytes = 0
        self.in_flight: Counter[str] = Counter()
        self.peak_by_host: Counter[str] = Counter()
        self.peak_total = 0
        self.statuses: Counter[int] = Counter()
        # Set at shutdown so that "hanging" handlers end and the server stops at once.
        self.stop = asyncio.Event()

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.app.router.add_get(path, handler)
            return handler

        return register

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit.path == path)

    @web.middleware
    async def _track(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.host.partition(":")[0]
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.hits.append(Hit(request.path, request.query_string, host, headers, time.time()))
        self.in_flight[host] += 1
        self.peak_by_host[host] = max(self.peak_by_host[host], self.in_flight[host])
        self.peak_total = max(self.peak_total, sum(self.in_flight.values()))
        try:
            response = await handler(request)
        finally:
            self.in_flight[host] -= 1
        self.statuses[response.status] += 1
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            self.body_bytes += len(response.body)
        return response

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        async with serve(self.app) as base:
            try:
                yield base
            finally:
                self.stop.set()


def loopback(**settings: Any) -> FetchConfig:
    """A config that may reach the test servers, with retries fast enough for tests."""
    defaults: dict[str, Any] = {
        "allowed_hosts": frozenset({"127.0.0.1", "a.test", "b.test"}),
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
    }
    return FetchConfig(**{**defaults, **settings})


async def resolve_test_hosts(host: str, port: int) -> Sequence[str]:
    """Resolver for the made-up hosts a.test and b.test: both are the loopback server."""
    return ["127.0.0.1"]


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- basics


async def test_get_returns_status_body_and_lower_cased_headers() -> None:
    up = Upstream()

    @up.route("/releases")
    async def releases(request: web.Request) -> web.StreamResponse:
        return web.json_response([{"tag_name": "v1.2.3"}], headers={"X-Custom": "yes"})

    async with up.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.get(f"{base}/releases")

    assert result.status == 200
    assert result.json() == [{"tag_name": "v1.2.3"}]
    assert result.headers["x-custom"] == "yes"
    assert result.headers["content-type"].startswith("application/json")
    assert (result.url, result.final_url) == (f"{base}/releases", f"{base}/releases")
    assert (result.from_cache, result.attempts) == (False, 1)
    assert up.hits[0].headers["accept"] == "application/json"
    assert up.hits[0].headers["user-agent"].startswith("steward/")


async def test_get_text_decodes_with_the_declared_charset() -> None:
    up = Upstream()

    @up.route("/listing")
    async def listing(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body="<a>café-1.0.tar.gz</a>".encode("latin-1"),
            headers={"Content-Type": "text/html; charset=ISO-8859-1"},
        )

    async with up.running() as base, Fetcher(loopback()) as fetcher:
        assert await fetcher.get_text(f"{base}/listing") == "<a>café-1.0.tar.gz</a>"
    assert up.hits[0].headers["accept"].startswith("text/html")


async def test_base_url_override_sends_a_logical_url_to_the_mirror() -> None:
    up = Upstream()

    @up.route("/mirror/github/repos/owner/name/tags")
    async def tags(request: web.Request) -> web.StreamResponse:
        return web.json_response([{"name": "v2.0"}], headers={"ETag": '"t1"'})

    cache = MemoryHttpCache()
    async with up.running() as base:
        config = loopback(base_url_overrides={"https://api.github.com": f"{base}/mirror/github/"})
        async with Fetcher(config, cache=cache) as fetcher:
            result = await fetcher.get("https://api.github.com/repos/owner/name/tags")

    assert result.json() == [{"name": "v2.0"}]
    assert result.url == "https://api.github.com/repos/owner/name/tags"
    assert result.final_url == f"{base}/mirror/github/repos/owner/name/tags"
    assert await cache.lookup("https://api.github.com/repos/owner/name/tags") is not None


# --------------------------------------------------------------------------- concurrency


def slow_route(up: Upstream, seconds: float = 0.05) -> None:
    @up.route("/slow")
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.json_response({})


async def test_global_concurrency_bound_is_reached_and_never_exceeded() -> None:
    up = Upstream()
    slow_route(up)
    config = loopback(concurrency=3, per_host_concurrency=3)
    async with up.running() as base, Fetcher(config, resolver=resolve_test_hosts) as fetcher:
        port = port_of(base)
        urls = [f"http://{host}:{port}/slow" for host in ("a.test", "b.test") for _ in range(8)]
        await asyncio.gather(*(fetcher.get(url) for url in urls))

    assert len(up.hits) == 16
    assert up.peak_total == 3


async def test_per_host_bound_holds_while_other_hosts_proceed() -> None:
    up = Upstream()
    slow_route(up)
    config = loopback(concurrency=10, per_host_concurrency=2)
    async with up.running() as base, Fetcher(config, resolver=resolve_test_hosts) as fetcher:
        port = port_of(base)
        urls = [f"http://{host}:{port}/slow" for host in ("a.test", "b.test") for _ in range(8)]
        await asyncio.gather(*(fetcher.get(url) for url in urls))

    assert up.peak_by_host == Counter({"a.test": 2, "b.test": 2})
    assert up.peak_total == 4


# --------------------------------------------------------------------------- retries


async def test_503_is_retried_until_success() -> None:
    up = Upstream()

    @up.route("/flaky")
    async def flaky(request: web.Request) -> web.StreamResponse:
        if up.count("/flaky") <= 2:
            return web.Response(status=503)
        return web.json_response({"ok": True})

    async with up.running() as base, Fetcher(loopback(max_retries=3)) as fetcher:
        result = await fetcher.get(f"{base}/flaky")
        stats = fetcher.stats

    assert result.json() == {"ok": True}
    assert result.attempts == 3
    assert (stats.requests, stats.retries) == (3, 2)


async def test_persistent_500_fails_after_max_retries_with_the_status() -> None:
    up = Upstream()

    @up.route("/broken")
    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500, text="boom")

    async with up.running() as base, Fetcher(loopback(max_retries=2)) as fetcher:
        with pytest.raises(HttpStatusError) as caught:
            await fetcher.get(f"{base}/broken")

    assert (caught.value.status, caught.value.body) == (500, b"boom")
    assert f"{base}/broken" in str(caught.value)
    assert up.count("/broken") == 3


async def test_retry_after_seconds_is_honoured() -> None:
    up = Upstream()

    @up.route("/busy")
    async def busy(request: web.Request) -> web.StreamResponse:
        if up.count("/busy") == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.json_response({})

    async with up.running() as base, Fetcher(loopback()) as fetcher:
        await fetcher.get(f"{base}/busy")

    first, second = up.hits
    # The jittered backoff is at most 0.05 s here, so a one-second gap is Retry-After's doing.
    assert second.at - first.at >= 0.95


async def test_retry_after_beyond_the_cap_fails_at_once() -> None:
    up = Upstream()

    @up.route("/come-back-tomorrow")
    async def later(request: web.Request) -> web.StreamResponse:
        return web.Response(status=429, headers={"Retry-After": "86400"})

    async with up.running() as base, Fetcher(loopback(max_retry_after=5)) as fetcher:
        with pytest.raises(RateLimited) as caught:
            await fetcher.get(f"{base}/come-back-tomorrow")

    assert up.count("/come-back-tomorrow") == 1
    assert caught.value.reset_at is not None
    assert caught.value.reset_at > datetime.now(UTC)


async def test_404_is_not_retried() -> None:
    up = Upstream()

    @up.route("/missing")
    async def missing(request: web.Request) -> web.StreamResponse:
        return web.Response(status=404)

    async with up.running() as base, Fetcher(loopback(max_retries=3)) as fetcher:
        with pytest.raises(HttpStatusError) as caught:
            await fetcher.get(f"{base}/missing")

    assert caught.value.status == 404
    assert up.count("/missing") == 1


async def test_hanging_endpoint_times_out_after_retries() -> None:
    up = Upstream()

    @up.route("/hang")
    async def hang(request: web.Request) -> web.StreamResponse:
        await up.stop.wait()
        return web.Response()

    config = loopback(read_timeout=0.2, max_retries=1)
    async with up.running() as base, Fetcher(config) as fetcher:
        started = time.monotonic()
        with pytest.raises(Timeout) as caught:
            await fetcher.get(f"{base}/hang")
        took = time.monotonic() - started

    assert caught.value.attempts == 2
    assert up.count("/hang") == 2
    assert took < 1.5


async def test_total_timeout_stops_a_body_that_trickles() -> None:
    up = Upstream()

    @up.route("/trickle")
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        while not up.stop.is_set():
            await response.write(b"x")
            await asyncio.sleep(0.02)
        return response

    config = loopback(read_timeout=1.0, total_timeout=0.3, max_retries=0)
    async with up.running() as base, Fetcher(config) as fetcher:
        with pytest.raises(Timeout):
            await fetcher.get(f"{base}/trickle")


async def test_refused_connection_is_retried_then_reported() -> None:
    port = free_port()  # nothing listens here
    async with Fetcher(loopback(max_retries=2)) as fetcher:
        with pytest.raises(ConnectionFailed) as caught:
            await fetcher.get(f"http://127.0.0.1:{port}/")
    assert caught.value.attempts == 3


# --------------------------------------------------------------------------- conditional requests


async def test_etag_round_trip_answers_from_cache_with_zero_body_bytes() -> None:
    up = Upstream()
    payload = {"releases": ["1.0", "1.1"] * 100}

    @up.route("/etag")
    async def etag(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.json_response(payload, headers={"ETag": '"v1"'})

    async with up.running() as base, Fetcher(loopback(), cache=MemoryHttpCache()) as fetcher:
        first = await fetcher.get(f"{base}/etag")
        bytes_after_first, client_bytes = up.body_bytes, fetcher.stats.bytes_received
        second = await fetcher.get(f"{base}/etag")
        stats = fetcher.stats

    assert (first.status, first.from_cache) == (200, False)
    assert (second.status, second.from_cache) == (304, True)
    assert second.json() == payload
    assert up.hits[1].headers["if-none-match"] == '"v1"'
    assert up.body_bytes == bytes_after_first  # nothing sent the second time
    assert stats.bytes_received == client_bytes
    assert stats.not_modified == 1


async def test_last_modified_comes_back_as_if_modified_since() -> None:
    up = Upstream()
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"

    @up.route("/dated")
    async def dated(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-Modified-Since") == stamp:
            return web.Response(status=304)
        return web.Response(text="v1", headers={"Last-Modified": stamp})

    async with up.running() as base, Fetcher(loopback(), cache=MemoryHttpCache()) as fetcher:
        await fetcher.get(f"{base}/dated")
        again = await fetcher.get(f"{base}/dated")

    assert (again.from_cache, again.body) == (True, b"v1")


async def test_only_200_responses_with_a_validator_are_cached() -> None:
    up = Upstream()

    @up.route("/plain")
    async def plain(request: web.Request) -> web.StreamResponse:
        return web.Response(text="no validator")

    @up.route("/created")
    async def created(request: web.Request) -> web.StreamResponse:
        return web.Response(status=203, text="x", headers={"ETag": '"e"'})

    cache = MemoryHttpCache()
    async with up.running() as base, Fetcher(loopback(), cache=cache) as fetcher:
        await fetcher.get(f"{base}/plain")
        await fetcher.get(f"{base}/created")
        await fetcher.get(f"{base}/plain", conditional=False)

    assert len(cache) == 0
    assert all("if-none-match" not in hit.headers for hit in up.hits)


# --------------------------------------------------------------------------- size caps


async def test_huge_streamed_body_is_refused_while_streaming() -> None:
    up = Upstream()
    sent = 0

    @up.route("/huge")
    async def huge(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()  # chunked: no Content-Length to check up front
        await response.prepare(request)
        chunk = b"0" * 65536
        try:
            for _ in range(1024):  # 64 MiB if nobody stops reading
                await response.write(chunk)
                sent += len(chunk)
        except ConnectionError:
            pass
        return response

    async with up.running() as base, Fetcher(loopback(max_response_bytes=256 * 1024)) as fetcher:
        with pytest.raises(ResponseTooLarge) as caught:
            await fetcher.get(f"{base}/huge")
        received = fetcher.stats.bytes_received

    assert caught.value.limit == 256 * 1024
    assert received < 1024 * 1024
    assert sent < 16 * 1024 * 1024  # the client hung up; socket buffers hold the rest


async def test_declared_length_over_the_cap_is_refused_before_reading() -> None:
    up = Upstream()

    @up.route("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"1" * (2 * 1024 * 1024))

    async with up.running() as base, Fetcher(loopback(max_response_bytes=1024 * 1024)) as fetcher:
        with pytest.raises(ResponseTooLarge, match="declares 2097152 bytes"):
            await fetcher.get(f"{base}/big")
        assert fetcher.stats.bytes_received < 1024 * 1024


# --------------------------------------------------------------------------- redirects and guard


def redirect_route(up: Upstream, path: str, location: str) -> None:
    @up.route(path)
    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location)


async def test_redirects_are_followed_and_reported() -> None:
    up = Upstream()
    redirect_route(up, "/old", "/new")

    @up.route("/new")
    async def new(request: web.Request) -> web.StreamResponse:
        return web.json_response({"moved": True})

    async with up.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.get(f"{base}/old")

    assert result.json() == {"moved": True}
    assert (result.url, result.final_url, result.attempts) == (f"{base}/old", f"{base}/new", 2)


async def test_more_than_max_redirects_fails() -> None:
    up = Upstream()
    redirect_route(up, "/loop", "/loop")
    async with up.running() as base, Fetcher(loopback(max_redirects=5)) as fetcher:
        with pytest.raises(TooManyRedirects):
            await fetcher.get(f"{base}/loop")
    assert up.count("/loop") == 6


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://localhost:{port}/secret", "loopback"),
        ("http://[::1]:{port}/secret", "loopback"),
        ("http://2130706434:{port}/secret", "loopback"),  # 127.0.0.2, in decimal
        ("http://10.0.0.1/", "private"),
        ("file:///etc/passwd", "scheme"),
    ],
)
async def test_redirect_to_a_blocked_destination_is_refused(location: str, reason: str) -> None:
    up = Upstream()

    @up.route("/secret")
    async def secret(request: web.Request) -> web.StreamResponse:
        return web.Response(text="internal")

    @up.route("/jump")
    async def jump(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location.format(port=request.url.port))

    # Only the literal 127.0.0.1 is allowed: other names for loopback must still be refused.
    config = loopback(allowed_hosts=frozenset({"127.0.0.1"}))
    async with up.running() as base, Fetcher(config) as fetcher:
        with pytest.raises(BlockedDestination) as caught:
            await fetcher.get(f"{base}/jump")

    assert reason in caught.value.reason
    assert f"{base}/jump" in str(caught.value)
    assert up.count("/secret") == 0


async def test_private_destinations_are_refused_without_configuration() -> None:
    up = Upstream()
    slow_route(up, 0)

    async def intranet(host: str, port: int) -> Sequence[str]:
        return ["10.20.30.40"]

    async with up.running() as base:
        async with Fetcher() as fetcher:
            with pytest.raises(BlockedDestination, match=r"127\.0\.0\.1.*loopback"):
                await fetcher.get(f"{base}/slow")
        async with Fetcher(resolver=intranet) as fetcher:
            with pytest.raises(BlockedDestination) as caught:
                await fetcher.get("https://wiki.corp.example/")

    assert (caught.value.host, caught.value.address) == ("wiki.corp.example", "10.20.30.40")
    assert up.hits == []


# --------------------------------------------------------------------------- rate limits


def github_quota(up: Upstream, quota: int, reset_in: float) -> None:
    """/api behaves like GitHub's core quota: ``quota`` requests, then 403 until reset."""
    left = quota
    reset = int(time.time() + reset_in)

    @up.route("/api")
    async def api(request: web.Request) -> web.StreamResponse:
        nonlocal left
        headers = {
            "X-RateLimit-Limit": str(quota),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Resource": "core",
        }
        if left == 0:
            headers["X-RateLimit-Remaining"] = "0"
            body = {"message": "API rate limit exceeded"}
            return web.json_response(body, status=403, headers=headers)
        left -= 1
        headers["X-RateLimit-Remaining"] = str(left)
        await asyncio.sleep(0.01)
        return web.json_response([], headers=headers)


async def test_github_quota_is_never_overrun() -> None:
    up = Upstream()
    github_quota(up, quota=5, reset_in=3600)
    config = loopback(concurrency=8, per_host_concurrency=8, rate_limit_reserve=0)
    async with up.running() as base, Fetcher(config) as fetcher:
        outcomes = await asyncio.gather(
            *(fetcher.get(f"{base}/api") for _ in range(10)), return_exceptions=True
        )

    assert len(up.hits) == 5
    assert up.statuses == Counter({200: 5})
    refused = [outcome for outcome in outcomes if isinstance(outcome, RateLimited)]
    assert len(refused) == 5
    reset_at = refused[0].reset_at
    assert reset_at is not None and reset_at > datetime.now(UTC)


async def test_rate_limit_reserve_is_kept_back() -> None:
    up = Upstream()
    github_quota(up, quota=5, reset_in=3600)
    config = loopback(rate_limit_reserve=2)
    async with up.running() as base, Fetcher(config) as fetcher:
        for _ in range(3):
            await fetcher.get(f"{base}/api")
        with pytest.raises(RateLimited):
            await fetcher.get(f"{base}/api")
    assert len(up.hits) == 3


async def test_403_with_remaining_zero_is_rate_limited_and_not_retried() -> None:
    up = Upstream()
    github_quota(up, quota=0, reset_in=3600)
    async with up.running() as base, Fetcher(loopback(max_retries=3)) as fetcher:
        with pytest.raises(RateLimited) as caught:
            await fetcher.get(f"{base}/api")
        with pytest.raises(RateLimited):
            await fetcher.get(f"{base}/api")  # refused locally: the quota is known to be spent

    assert len(up.hits) == 1
    reset_at = caught.value.reset_at
    assert reset_at is not None and abs(reset_at.timestamp() - (up.hits[0].at + 3600)) <= 1.5


async def test_low_gitlab_quota_waits_for_the_reset_instead_of_failing() -> None:
    up = Upstream()
    quota, left = 2, 2
    reset = first_reset = int(time.time()) + 1

    @up.route("/gitlab")
    async def gitlab(request: web.Request) -> web.StreamResponse:
        nonlocal left, reset
        now = time.time()
        if now >= reset:
            left, reset = quota, int(now) + 1
        if left == 0:
            return web.Response(status=429, headers={"RateLimit-Remaining": "0"})
        left -= 1
        return web.json_response(
            [], headers={"RateLimit-Remaining": str(left), "RateLimit-Reset": str(reset)}
        )

    config = loopback(rate_limit_reserve=0, max_rate_limit_wait=5)
    async with up.running() as base, Fetcher(config) as fetcher:
        results = await asyncio.gather(*(fetcher.get(f"{base}/gitlab") for _ in range(3)))

    assert [result.status for result in results] == [200, 200, 200]
    assert up.statuses == Counter({200: 3})
    assert up.hits[2].at >= first_reset  # the third request waited for the new window


async def test_apis_overridden_to_one_server_keep_their_own_quotas_and_host_slots() -> None:
    up = Upstream()
    github_quota(up, quota=0, reset_in=3600)
    release = asyncio.Event()

    @up.route("/repos/{owner}/{name}/tags")
    async def tags(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response([])

    @up.route("/pypi/{name}/json")
    async def pypi(request: web.Request) -> web.StreamResponse:
        return web.json_response({"info": {"version": "1.0"}})

    async with up.running() as base:
        # Both logical hosts go to the one loopback server, as with a mirror.
        config = loopback(
            per_host_concurrency=1,
            base_url_overrides={"https://api.github.com": base, "https://pypi.org": base},
        )
        async with Fetcher(config) as fetcher:
            # A GitHub request holding GitHub's only host slot (and its quota probe) leaves
            # PyPI's free.
            held = asyncio.ensure_future(fetcher.get("https://api.github.com/repos/o/n/tags"))
            while up.count("/repos/o/n/tags") == 0:
                await asyncio.sleep(0.01)
            first = await asyncio.wait_for(fetcher.get("https://pypi.org/pypi/foo/json"), 2)
            release.set()
            assert (await held).json() == []
            # GitHub's quota is spent; PyPI's is not.
            with pytest.raises(RateLimited):
                await fetcher.get("https://api.github.com/api")
            with pytest.raises(RateLimited):
                await fetcher.get("https://api.github.com/api")  # known spent: refused locally
            second = await fetcher.get("https://pypi.org/pypi/bar/json")

    assert first.json() == second.json() == {"info": {"version": "1.0"}}
    assert up.count("/api") == 1


# --------------------------------------------------------------------------- tokens and secrets

SECRET = "ghp_T0pS3cr3tValueThatMustNeverLeak"


def every_text_of(error: BaseException) -> str:
    """The messages and reprs of an error and of every error chained to it."""
    texts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        texts += [*traceback.format_exception_only(current), repr(current)]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


async def test_token_goes_to_its_host_only_and_never_leaks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    elsewhere = Upstream()

    @elsewhere.route("/landing")
    async def landing(request: web.Request) -> web.StreamResponse:
        return web.json_response({})

    up = Upstream()

    @up.route("/ok")
    async def ok(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    @up.route("/status/{code}")
    async def status(request: web.Request) -> web.StreamResponse:
        return web.Response(status=int(request.match_info["code"]))

    @up.route("/bad-json")
    async def bad_json(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"{oops", content_type="application/json")

    @up.route("/hang")
    async def hang(request: web.Request) -> web.StreamResponse:
        await up.stop.wait()
        return web.Response()

    @up.route("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"1" * 4096)

    credentials = Credentials({"127.0.0.1": Token(SECRET)})
    config = loopback(read_timeout=0.2, max_retries=0, max_response_bytes=1024)
    errors: list[FetchError] = []
    async with elsewhere.running() as other:

        @up.route("/away")
        async def away(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(f"{other}/landing")

        async with up.running() as base, Fetcher(config, credentials=credentials) as fetcher:
            result = await fetcher.get(f"{base}/ok")
            await fetcher.get(f"{base}/away", headers={"Cookie": "session=1"})
            for path in ("/status/404", "/status/500", "/bad-json", "/hang", "/big"):
                try:
                    (await fetcher.get(f"{base}{path}")).json()
                except FetchError as error:
                    errors.append(error)
            fetcher_repr = repr(fetcher)

    assert up.hits[0].headers["authorization"] == f"Bearer {SECRET}"
    # A redirect to another origin (another port here) must not carry the token along.
    assert "authorization" not in elsewhere.hits[0].headers
    assert "cookie" not in elsewhere.hits[0].headers
    assert [type(error) for error in errors] == [
        HttpStatusError,
        HttpStatusError,
        MalformedResponse,
        Timeout,
        ResponseTooLarge,
    ]
    for text in [*map(every_text_of, errors), caplog.text, fetcher_repr, repr(result)]:
        assert SECRET not in text
    assert SECRET not in repr(credentials)


async def test_gitlab_token_uses_private_token_header_for_its_scope() -> None:
    up = Upstream()
    slow_route(up, 0)
    credentials = Credentials.from_env({"GITLAB_TOKEN": "glpat-abc"})
    async with up.running() as base, Fetcher(loopback(), credentials=credentials) as fetcher:
        await fetcher.get(f"{base}/slow", auth_scope="gitlab.com")
        await fetcher.get(f"{base}/slow")  # no scope: the URL's host, which has no token

    assert up.hits[0].headers["private-token"] == "glpat-abc"
    assert "private-token" not in up.hits[1].headers
    assert Credentials.from_env({"GITLAB_TOKEN": "x"}).for_host("gitlab.com") == Token(
        "x", AuthStyle.GITLAB
    )


async def test_query_string_secrets_are_redacted_from_errors() -> None:
    up = Upstream()
    async with up.running() as base, Fetcher(loopback()) as fetcher:
        with pytest.raises(HttpStatusError) as caught:
            await fetcher.get(f"{base}/nothing?access_token=hunter2&page=2")

    assert "access_token=REDACTED&page=2" in str(caught.value)
    assert "hunter2" not in every_text_of(caught.value)
    assert up.hits[0].query == "access_token=hunter2&page=2"  # the request itself is untouched


async def test_malformed_json_error_names_url_and_offset() -> None:
    up = Upstream()

    @up.route("/broken.json")
    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b'{"a": 1,,}', content_type="application/json")

    async with up.running() as base, Fetcher(loopback()) as fetcher:
        with pytest.raises(MalformedResponse) as caught:
            await fetcher.get_json(f"{base}/broken.json")

    assert caught.value.offset == 8
    assert f"{base}/broken.json" in str(caught.value)
    assert "offset 8" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        (b'{"tag": "v1.0", "id": 7}', {"tag": "v1.0", "id": 7}),
        # What the fast parser refuses and the standard library reads: the same answer.
        (b'\xef\xbb\xbf{"tag": "v1.0"}', {"tag": "v1.0"}),
        ('{"tag": "v1.0"}'.encode("utf-16"), {"tag": "v1.0"}),
        (b'{"tag": "\\ud800"}', {"tag": "\ud800"}),
    ],
)
def test_json_bodies_parse_as_the_standard_library_reads_them(body: bytes, parsed: object) -> None:
    result = FetchResult("https://x/y", "https://x/y", 200, {}, body, False, 0.0, 1)
    assert result.json() == parsed


# --------------------------------------------------------------------------- units


def test_full_jitter_stays_within_the_exponential_ceiling_and_the_cap() -> None:
    rng = random.Random(7)
    delays = [[full_jitter_delay(n, 0.5, 4.0, rng) for _ in range(200)] for n in range(1, 7)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    for ceiling, samples in zip(ceilings, delays, strict=True):
        assert all(0.0 <= delay <= ceiling for delay in samples)
        assert max(samples) > ceiling * 0.9  # "full" jitter uses the whole range
    again = random.Random(7)
    assert full_jitter_delay(1, 0.5, 4.0, again) == delays[0][0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_http_date(value: str | None, seconds: float) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now) == seconds


def test_redact_url_hides_secrets_and_keeps_the_rest() -> None:
    assert redact_url("https://h.example/p?private_token=a&per_page=100&sig=b") == (
        "https://h.example/p?private_token=REDACTED&per_page=100&sig=REDACTED"
    )
    assert redact_url("https://user:pw@h.example/x") == "https://user:REDACTED@h.example/x"
    assert redact_url("https://h.example/a?b=c") == "https://h.example/a?b=c"


@pytest.mark.parametrize(
    "settings",
    [
        {"concurrency": 0},
        {"max_retries": -1},
        {"read_timeout": float("nan")},
        {"base_url_overrides": {"https://api.github.com": "ftp://mirror"}},
    ],
)
def test_invalid_fetch_config_is_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        FetchConfig(**settings)


def test_errors_survive_pickling_for_distributed_workers() -> None:
    error = RateLimited("quota spent", url="https://api.github.com/x", reset_at=datetime.now(UTC))
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.url, copy.reset_at) == (
        RateLimited,
        "quota spent",
        error.url,
        error.reset_at,
    )


# --------------------------------------------------------------------------- TLS


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_is_verified_and_plain_http_never_loads_the_ca_bundle(tmp_path: Path) -> None:
    _ssl_context.cache_clear()
    plain = Upstream()

    @plain.route("/x")
    async def x(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async with plain.running() as base, Fetcher(loopback()) as fetcher:
        assert await fetcher.get_json(f"{base}/x") == {"ok": True}
    assert _ssl_context.cache_info().currsize == 0  # no TLS spoken, no context built

    cert, key = _self_signed(tmp_path)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    async with serve(plain.app, ssl_context=server_side) as base:
        async with Fetcher(loopback(max_retries=0)) as fetcher:
            # A certificate nobody vouches for is refused: the request went over TLS with
            # the verifying context, which was built for it.
            with pytest.raises(ConnectionFailed, match=r"(?i)certificate"):
                await fetcher.get_json(f"{base}/x")
        assert _ssl_context.cache_info().currsize == 1
