"""Hostile upstreams cost a bounded time: a huge tag list, a body trickling one byte a
second, a quota reset an hour away and a host that accepts connections and never answers
each end in a per-package result, and the run goes on. Every server is real HTTP (or a real
TCP socket) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from fakeupstream import FakeUpstream
from fakeupstream.checking import quick, run_check
from fakeupstream.loopback import serve

from steward.distro.metadata import parse_upstream_info
from steward.distro.tree import PackageRecord
from steward.upstream.engine import CheckSettings, check_packages
from steward.upstream.fetch import Fetcher, Timeout
from steward.upstream.sources.base import SourceContext

pytestmark = pytest.mark.anyio


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


async def test_a_listing_with_twenty_thousand_releases_is_capped_and_says_so(
    up: FakeUpstream,
) -> None:
    links = "".join(f'<a href="huge-1.{n}.tar.gz">huge-1.{n}.tar.gz</a>\n' for n in range(20_000))
    up.add_page("/huge/", f"<html><body>{links}</body></html>", content_type="text/html")
    tables = {
        "huge": {"source": "html", "url": f"{up.url}/huge/", "regex": r"huge-([\d.]+)\.tar\.gz"}
    }
    results, _ = await run_check(quick(), {}, tables, release_cap=500)
    (result,) = results
    assert result.error_code is None, result.error_message
    assert len(result.releases) == 500
    assert result.releases[-1].version == "1.19999"  # the newest end of the page
    assert any("lists 20000 releases; kept the newest 500" in note for note in result.notes)


# --------------------------------------------------------------------------- stalls


@pytest.fixture
async def trickle() -> AsyncIterator[str]:
    """A server that sends headers, then one body byte a second, forever."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client hung up: the point
            for _ in range(600):
                await response.write(b" ")
                await asyncio.sleep(1.0)
        return response

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    async with serve(app) as base:
        yield base


async def test_a_body_trickling_one_byte_a_second_ends_at_the_request_deadline(
    trickle: str,
) -> None:
    config = quick(request_deadline=1.5, read_timeout=30.0, total_timeout=120.0, max_retries=3)
    started = time.monotonic()
    async with Fetcher(config) as fetcher:
        with pytest.raises(Timeout, match=r"1.5 s request deadline"):
            await fetcher.get(f"{trickle}/pypi/x/json")
    assert time.monotonic() - started < 4.0


async def test_a_quota_reset_far_away_gives_rate_limited_results_and_the_run_goes_on(
    up: FakeUpstream,
) -> None:
    up.set_quota("github", 2, window=3600)  # then 403, Remaining 0, reset in an hour
    tables: dict[str, Mapping[str, Any]] = {}
    for n in range(12):
        up.add_project("github", f"o/r{n}", ["v1.0", "v2.0"])
        tables[f"r{n}"] = {"source": "github", "github": f"o/r{n}"}
    up.add_project("pypi", "other", ["1.0", "3.0"])
    tables["other"] = {"source": "pypi", "pypi": "other"}
    # Two hosts, as in life: the overrides keep each API's own quota.
    overrides = {"https://api.github.com": up.url, "https://pypi.org": up.url}
    results, elapsed = await run_check(
        quick(max_rate_limit_wait=5.0, rate_limit_reserve=0, base_url_overrides=overrides),
        {},
        tables,
    )
    codes = Counter(r.error_code for r in results)
    assert codes["rate-limited"] >= 9, codes
    other = next(r for r in results if r.package == "other")
    assert other.recommendation is not None, other.error_message
    assert elapsed < 5.0
    limited = next(r for r in results if r.error_code == "rate-limited")
    assert "resets at" in (limited.error_message or "")


# --------------------------------------------------------------------------- dead hosts


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (the kernel completes handshakes
    up to the backlog; nobody reads)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


async def test_a_host_that_never_answers_opens_its_breaker_and_the_run_ends_fast(
    silent_port: int, up: FakeUpstream
) -> None:
    up.add_project("pypi", "alive", ["1.0", "2.0"])
    tables: dict[str, Mapping[str, Any]] = {
        f"dead{n}": {"source": "github", "github": f"o/dead{n}"} for n in range(60)
    }
    tables["alive"] = {"source": "pypi", "pypi": "alive"}
    config = quick(
        read_timeout=0.3, max_retries=3, per_host_concurrency=4, concurrency=16, breaker_threshold=3
    )
    results, elapsed = await run_check(
        config,
        {"github": f"http://127.0.0.1:{silent_port}", "pypi": up.base_url("pypi")},
        tables,
    )
    codes = Counter(r.error_code for r in results)
    # Without the breaker: 60 packages x 4 attempts x 0.3 s / 4 slots = 18 s at least.
    assert elapsed < 6.0, (elapsed, codes)
    assert codes["host-unreachable"] >= 50, codes
    message = next(r.error_message for r in results if r.error_code == "host-unreachable")
    assert "host unreachable" in (message or "") and "3 times in a row" in (message or "")
    assert next(r for r in results if r.package == "alive").recommendation is not None


async def test_a_catastrophic_tag_prefix_in_openeuler_metadata_costs_nothing(
    up: FakeUpstream,
) -> None:
    """``(1+)+x`` takes Python's re minutes on a 34-character tag; RE2 answers at once."""
    tag = "1" * 34
    up.add_project("github", "o/hostile", ["v1.0", tag, "v2.0"])
    info = parse_upstream_info(
        'version_control: github\nsrc_repo: o/hostile\ntag_prefix: "(1+)+x"\nseparator: "."\n',
        source="hostile.yaml",
    )
    record = PackageRecord(
        name="hostile", folder=Path("/nowhere"), spec_path=None, version="1.0", upstream=info
    )
    started = time.monotonic()
    async with Fetcher(quick()) as fetcher:
        ctx = SourceContext(fetcher, base_urls={"github": up.base_url("github")})
        (result,) = await check_packages([record], ctx, CheckSettings())
    assert time.monotonic() - started < 5.0
    assert result.upstream is not None and result.upstream.origin == "metadata"
    assert result.error_code is None, result.error_message
