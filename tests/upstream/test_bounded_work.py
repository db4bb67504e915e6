"""Hostile upstreams and metadata cost a bounded time: patterns, huge tag lists, stalls,
far-away quota resets and dead hosts each end in a per-package result, and the run goes on.

Every server here is real HTTP (or a real TCP socket) on 127.0.0.1.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from fakeupstream import FakeUpstream
from fakeupstream.checking import quick, run_check
from fakeupstream.loopback import serve

from steward.config import parse_config
from steward.upstream.engine import cap_releases
from steward.upstream.fetch import Fetcher
from steward.upstream.patterns import (
    PatternError,
    PatternTooSlow,
    compile_pattern,
    pattern_budget,
)
from steward.upstream.versions import Release, TagRules, read_tag
from steward.workflows.check import fetch_config

pytestmark = pytest.mark.anyio

CATASTROPHIC = r"(1+)+x"  # exponential in Python's re on a run of 1s
TAG = "1" * 34
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "upstream-info"


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


# --------------------------------------------------------------------------- patterns


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    pattern = compile_pattern(CATASTROPHIC)
    started = time.monotonic()
    assert pattern.engine == "re2"
    assert pattern.match(TAG) is None
    assert pattern.fullmatch(TAG + "x") is not None
    assert time.monotonic() - started < 1.0


def test_catastrophic_tag_prefix_reads_a_34_character_tag_at_once() -> None:
    rules = TagRules(tag_prefix=CATASTROPHIC, include_regex=r"(\d+)+\d")
    started = time.monotonic()
    assert read_tag(TAG, rules).version is None
    assert time.monotonic() - started < 1.0


def test_patterns_without_repetition_stay_on_pythons_re() -> None:
    for text in ("^v", "release-", "_", r"\.", "^(?:v|V)", r"^llvmorg-"):
        assert compile_pattern(text).engine == "re", text
    assert compile_pattern(r"\d+").engine == "re2"


def test_a_pattern_re2_cannot_express_is_stopped_by_its_budget() -> None:
    pattern = compile_pattern(r"(1|11)+x(?=y)")
    assert pattern.engine == "regex"
    assert pattern.match("11y") is None  # ordinary use works
    started = time.monotonic()
    with pattern_budget(0.05), pytest.raises(PatternTooSlow, match=r"0.05 s budget"):
        pattern.match(TAG)
    assert time.monotonic() - started < 5.0


def test_backreferences_and_lookarounds_keep_their_meaning() -> None:
    assert compile_pattern(r"(\w)\1-(\d+)").fullmatch("aa-12") is not None
    assert compile_pattern(r"v(?!.*rc)(.*)").match("v1.0-rc1") is None
    assert compile_pattern(r"v(?!.*rc)(.*)").match("v1.0")[1] == "1.0"  # type: ignore[index]


def test_invalid_pattern_is_a_pattern_error() -> None:
    with pytest.raises(PatternError, match="missing"):
        compile_pattern("v(")


def test_every_real_openeuler_pattern_runs_without_backtracking_engine() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not here")
    engines: Counter[str] = Counter()
    for path in sorted(SHARED_DATA.glob("*.yaml")):
        try:
            document = yaml.load(
                path.read_text(encoding="utf-8", errors="replace"), yaml.CSafeLoader
            )
        except yaml.YAMLError:
            continue
        if not isinstance(document, dict):
            continue
        for key in ("tag_prefix", "tag_pattern", "separator", "seperator", "tag_reorder"):
            value = document.get(key)
            if isinstance(value, str) and value not in ("", "NA"):
                try:
                    engines[compile_pattern(value).engine] += 1
                except PatternError:
                    engines["invalid"] += 1
    assert engines["re"] > 1000 and engines["re2"] > 10
    assert engines["regex"] == 0, engines


async def test_catastrophic_metadata_pattern_fails_that_package_only(up: FakeUpstream) -> None:
    up.add_project("github", "o/slow", ["v1.0", TAG])
    up.add_project("github", "o/fine", ["v1.0", "v2.0"])
    tables = {
        # RE2 cannot run the look-ahead, so the backtracking engine gets a budget.
        "slow": {"source": "github", "github": "o/slow", "include_regex": r"(1|11)+x(?=y)"},
        "fine": {"source": "github", "github": "o/fine", "prefix": "v"},
        "linear": {"source": "github", "github": "o/slow", "tag_prefix": CATASTROPHIC},
    }
    results, elapsed = await run_check(
        quick(), {"github": up.base_url("github")}, tables, pattern_budget=0.05
    )
    by_name = {r.package: r for r in results}
    assert by_name["slow"].error_code == "pattern-too-slow"
    assert "budget" in (by_name["slow"].error_message or "")
    assert by_name["fine"].ok and by_name["fine"].recommendation is not None
    assert by_name["linear"].error_code is None
    assert elapsed < 10


# --------------------------------------------------------------------------- release cap


def test_cap_keeps_the_newest_by_the_backends_order() -> None:
    releases = [Release(f"v{n}", f"{n}") for n in range(10)]
    kept, note = cap_releases(releases, 3, newest_first=True)
    assert [r.tag for r in kept] == ["v0", "v1", "v2"] and note is not None
    kept, note = cap_releases(releases, 3, newest_first=False)
    assert [r.tag for r in kept] == ["v7", "v8", "v9"]
    assert "lists 10 releases; kept the newest 3" in (note or "")
    assert cap_releases(releases, 10, newest_first=True) == (releases, None)


def test_network_limits_come_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[network]\nrequest_deadline = 12\nmax_quota_wait = 3\nbreaker_threshold = 2\n"
        "release_cap = 250\n"
    )
    config = parse_config(path)
    fetching = fetch_config(config, None)
    assert (fetching.request_deadline, fetching.max_rate_limit_wait) == (12.0, 3.0)
    assert fetching.breaker_threshold == 2 and config.network.release_cap == 250


# --------------------------------------------------------------------------- other methods


@pytest.fixture
async def counting() -> AsyncIterator[tuple[str, Counter[str]]]:
    """A server whose POST /busy answers 503, POST /moved a 307, and counts requests."""
    seen: Counter[str] = Counter()

    async def busy(request: web.Request) -> web.Response:
        seen[request.path] += 1
        return web.json_response({"message": "busy"}, status=503)

    async def moved(request: web.Request) -> web.Response:
        seen[request.path] += 1
        return web.Response(status=307, headers={"Location": "http://127.0.0.2/elsewhere"})

    async def echo(request: web.Request) -> web.Response:
        seen[request.path] += 1
        return web.json_response({"got": await request.json(), "type": request.content_type})

    app = web.Application()
    app.router.add_post("/busy", busy)
    app.router.add_post("/moved", moved)
    app.router.add_post("/echo", echo)
    async with serve(app) as base:
        yield base, seen


async def test_a_post_is_sent_once_and_its_redirect_is_not_followed(
    counting: tuple[str, Counter[str]],
) -> None:
    base, seen = counting
    async with Fetcher(quick(max_retries=3)) as fetcher:
        busy = await fetcher.request("POST", f"{base}/busy", json_body={"title": "t"})
        moved = await fetcher.request("POST", f"{base}/moved", json_body={})
        echo = await fetcher.request("POST", f"{base}/echo", json_body={"a": 1})
    assert (busy.status, seen["/busy"]) == (503, 1)
    assert (moved.status, seen["/moved"]) == (307, 1)
    assert echo.json() == {"got": {"a": 1}, "type": "application/json"}
