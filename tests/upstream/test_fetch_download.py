"""``Fetcher.download``: tarballs streamed to disk, resumed with ``Range``, capped in size.

Each test runs a tiny aiohttp server on 127.0.0.1 whose handlers do exactly what the test
needs (honour or ignore ``Range``, drop the connection mid-body, stream without a length)
and records the request headers it saw.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from fakeupstream.loopback import serve

from steward.upstream.fetch import (
    BlockedDestination,
    FetchConfig,
    Fetcher,
    HttpStatusError,
    ResponseTooLarge,
)

pytestmark = pytest.mark.anyio

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY = os.urandom(300_000)
SHA256 = hashlib.sha256(BODY).hexdigest()


class Server:
    """A loopback server; ``seen`` keeps the headers of every request, in order."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.seen: list[dict[str, str]] = []

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            async def recorded(request: web.Request) -> web.StreamResponse:
                self.seen.append({k.lower(): v for k, v in request.headers.items()})
                return await handler(request)

            self.app.router.add_get(path, recorded)
            return handler

        return register

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        async with serve(self.app) as base:
            yield base


def loopback(**settings: Any) -> FetchConfig:
    defaults: dict[str, Any] = {
        "allow_private": True,
        "backoff_base": 0.01,
        "backoff_cap": 0.02,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
    }
    return FetchConfig(**{**defaults, **settings})


def ranged(body: bytes, request: web.Request) -> web.Response:
    """Answer like a real file server: 206 for ``bytes=N-``, 416 past the end."""
    match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
    if match is None:
        return web.Response(body=body)
    start = int(match.group(1))
    if start >= len(body):
        return web.Response(status=416, headers={"Content-Range": f"bytes */{len(body)}"})
    return web.Response(
        status=206,
        body=body[start:],
        headers={"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"},
    )


async def test_download_streams_the_body_to_dest_and_reports_its_sha256(tmp_path: Path) -> None:
    server = Server()

    @server.route("/foo-1.2.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "foo-1.2.tar.gz"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(f"{base}/foo-1.2.tar.gz", dest, max_bytes=1_000_000)

    assert dest.read_bytes() == BODY
    assert (result.path, result.size, result.sha256) == (dest, len(BODY), SHA256)
    assert (result.resumed_from, result.attempts) == (0, 1)
    assert not (tmp_path / "foo-1.2.tar.gz.part").exists()
    assert server.seen[0]["accept-encoding"] == "identity"
    assert "range" not in server.seen[0]


async def test_download_resumes_a_half_written_part_file_with_range(tmp_path: Path) -> None:
    server = Server()

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "foo.tar.gz"
    (tmp_path / "foo.tar.gz.part").write_bytes(BODY[:120_000])
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert server.seen[0]["range"] == "bytes=120000-"
    assert dest.read_bytes() == BODY
    assert (result.resumed_from, result.sha256) == (120_000, SHA256)


async def test_download_starts_over_when_the_server_ignores_range(tmp_path: Path) -> None:
    server = Server()

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return web.Response(body=BODY)  # 200 and the whole body, whatever was asked

    dest = tmp_path / "foo.tar.gz"
    (tmp_path / "foo.tar.gz.part").write_bytes(b"stale bytes from another file")
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert server.seen[0]["range"].startswith("bytes=")
    assert dest.read_bytes() == BODY
    assert result.resumed_from == 0


async def test_download_with_resume_off_ignores_an_existing_part_file(tmp_path: Path) -> None:
    server = Server()

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "foo.tar.gz"
    (tmp_path / "foo.tar.gz.part").write_bytes(b"x" * 1000)
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000, resume=False)

    assert "range" not in server.seen[0]
    assert dest.read_bytes() == BODY


async def test_download_resumes_after_the_connection_drops_mid_body(tmp_path: Path) -> None:
    server = Server()
    cut = 100_000

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        if "Range" in request.headers:
            return ranged(BODY, request)
        response = web.StreamResponse(headers={"Content-Length": str(len(BODY))})
        await response.prepare(request)
        await response.write(BODY[:cut])
        assert request.transport is not None
        request.transport.close()  # the connection dies with the body two thirds short
        return response

    dest = tmp_path / "foo.tar.gz"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert len(server.seen) == 2
    assert server.seen[1]["range"] == f"bytes={cut}-"
    assert dest.read_bytes() == BODY
    assert result.sha256 == SHA256
    assert result.resumed_from == 0  # nothing came from an earlier run
    assert result.attempts == 2


async def test_download_of_a_part_file_that_is_already_complete_accepts_416(
    tmp_path: Path,
) -> None:
    server = Server()

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "foo.tar.gz"
    (tmp_path / "foo.tar.gz.part").write_bytes(BODY)
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert server.seen[0]["range"] == f"bytes={len(BODY)}-"
    assert dest.read_bytes() == BODY
    assert (result.size, result.resumed_from) == (len(BODY), len(BODY))


async def test_download_over_the_declared_size_cap_is_refused_and_keeps_no_file(
    tmp_path: Path,
) -> None:
    server = Server()

    @server.route("/big.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "big.tar.gz"
    (tmp_path / "big.tar.gz.part").write_bytes(BODY[:1000])
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        with pytest.raises(ResponseTooLarge, match="over the 200000-byte limit"):
            await fetcher.download(f"{base}/big.tar.gz", dest, max_bytes=200_000)

    assert sorted(tmp_path.iterdir()) == []


async def test_download_of_an_unannounced_oversized_stream_stops_at_the_cap(
    tmp_path: Path,
) -> None:
    server = Server()
    sent = 0

    @server.route("/endless")
    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()  # chunked: no Content-Length to refuse up front
        await response.prepare(request)
        try:
            for _ in range(10_000):
                await response.write(b"\0" * 65536)
                sent += 65536
        except (ConnectionResetError, OSError):
            pass
        return response

    dest = tmp_path / "endless.tar"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        with pytest.raises(ResponseTooLarge, match="more than the 1000000-byte limit"):
            await fetcher.download(f"{base}/endless", dest, max_bytes=1_000_000)

    assert sorted(tmp_path.iterdir()) == []
    assert sent < 100 * 1_000_000  # the client hung up long before the server was done


async def test_download_retries_a_503_and_then_succeeds(tmp_path: Path) -> None:
    server = Server()

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        if len(server.seen) == 1:
            return web.Response(status=503, text="try later")
        return ranged(BODY, request)

    dest = tmp_path / "foo.tar.gz"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert dest.read_bytes() == BODY
    assert result.attempts == 2


async def test_download_follows_redirects_to_the_file(tmp_path: Path) -> None:
    server = Server()

    @server.route("/releases/download/v1.2/foo.tar.gz")
    async def release(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/cdn/abc123")

    @server.route("/cdn/abc123")
    async def cdn(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "foo.tar.gz"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        result = await fetcher.download(
            f"{base}/releases/download/v1.2/foo.tar.gz", dest, max_bytes=1_000_000
        )

    assert dest.read_bytes() == BODY
    assert result.final_url == f"{base}/cdn/abc123"
    assert result.attempts == 2


async def test_download_keeps_a_body_served_with_content_encoding_as_sent(
    tmp_path: Path,
) -> None:
    server = Server()
    tarball_gz = gzip.compress(b"pretend this is a tar" * 100)

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        # A common misconfiguration: the .tar.gz itself is labelled as gzip-encoded.
        return web.Response(body=tarball_gz, headers={"Content-Encoding": "gzip"})

    dest = tmp_path / "foo.tar.gz"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert dest.read_bytes() == tarball_gz


async def test_download_of_a_missing_file_raises_404_and_keeps_no_file(tmp_path: Path) -> None:
    server = Server()
    dest = tmp_path / "foo-9.9.tar.gz"
    async with server.running() as base, Fetcher(loopback()) as fetcher:
        with pytest.raises(HttpStatusError) as caught:
            await fetcher.download(f"{base}/foo-9.9.tar.gz", dest, max_bytes=1_000_000)

    assert caught.value.status == 404
    assert sorted(tmp_path.iterdir()) == []


async def test_download_respects_the_network_guard(tmp_path: Path) -> None:
    server = Server()

    @server.route("/foo.tar.gz")
    async def tarball(request: web.Request) -> web.StreamResponse:
        return ranged(BODY, request)

    dest = tmp_path / "foo.tar.gz"
    async with server.running() as base, Fetcher(FetchConfig(max_retries=0)) as fetcher:
        with pytest.raises(BlockedDestination, match="loopback"):
            await fetcher.download(f"{base}/foo.tar.gz", dest, max_bytes=1_000_000)

    assert server.seen == []
    assert sorted(tmp_path.iterdir()) == []
