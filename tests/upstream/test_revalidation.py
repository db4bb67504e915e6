"""Re-checks that cost one 304 per response: validators recorded, stored, asked again.

The engine records the ETag/Last-Modified of every response a backend reads; the next run
asks whether they all still hold (:meth:`Fetcher.revalidate`) and reuses the stored
releases when they do, downloading and parsing nothing. These tests run the real engine
and fetcher against the fake forges on loopback and count what the server sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from fakeupstream import FakeUpstream

from steward.distro.tree import PackageRecord
from steward.upstream.credentials import Credentials, Token
from steward.upstream.engine import (
    CheckResult,
    CheckSettings,
    UpstreamState,
    check_packages,
    decode_state,
    encode_state,
)
from steward.upstream.fetch import FetchConfig, Fetcher, HttpStatusError
from steward.upstream.sources.base import SourceContext
from steward.upstream.validators import Validator, recording_validators
from steward.upstream.versions import Release

pytestmark = pytest.mark.anyio

FORGES = ("github", "gitlab", "gitee", "gitea")


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


@asynccontextmanager
async def context(up: FakeUpstream, *, token: bool = False) -> AsyncIterator[SourceContext]:
    credentials = Credentials({"127.0.0.1": Token("s3cret-token")}) if token else Credentials()
    config = FetchConfig(allow_private=True, max_retries=0)
    async with Fetcher(config, credentials=credentials) as fetcher:
        yield SourceContext(fetcher, base_urls={k: up.base_url(k) for k in FORGES})


def record(name: str, version: str = "1.0") -> PackageRecord:
    return PackageRecord(name=name, folder=Path("/nowhere") / name, spec_path=None, version=version)


def configs(kind: str, project: str, *names: str) -> dict[str, Mapping[str, str]]:
    return {name: {"source": kind, kind: project, "use_max_tag": "true"} for name in names}


async def check(
    up: FakeUpstream,
    kind: str,
    states: Mapping[str, bytes],
    *names: str,
    token: bool = False,
) -> list[CheckResult]:
    settings = CheckSettings(package_configs=configs(kind, "owner/repo", *names), states=states)
    async with context(up, token=token) as ctx:
        return await check_packages([record(n) for n in names], ctx, settings)


def stored(results: list[CheckResult]) -> dict[str, bytes]:
    return {r.state_key: r.state for r in results if r.state_key and r.state}


@pytest.mark.parametrize("kind", FORGES)
async def test_an_unchanged_upstream_costs_a_304_per_page_and_gives_the_same_answer(
    up: FakeUpstream, kind: str
) -> None:
    up.add_project(kind, "owner/repo", [f"v1.{n}" for n in range(150)])
    first = await check(up, kind, {}, "pkg")
    pages = len(up.requests)
    assert pages >= 2 and first[0].state is not None and not first[0].unchanged

    again = await check(up, kind, stored(first), "pkg")

    served = up.stats()["by_kind"][kind]
    assert len(up.requests) == 2 * pages  # one conditional request per page, nothing else
    assert served["not_modified"] == pages
    assert again[0].unchanged and again[0].state is None
    assert again[0].error_code is None
    assert again[0].releases == first[0].releases
    assert again[0].recommendation == first[0].recommendation
    assert again[0].recommendation is not None
    assert again[0].recommendation.newest_stable is not None
    assert again[0].recommendation.newest_stable.version == "1.149"


@pytest.mark.parametrize("kind", FORGES)
async def test_a_release_is_found_and_the_changed_page_is_not_fetched_twice(
    up: FakeUpstream, kind: str
) -> None:
    up.add_project(kind, "owner/repo", [f"v1.{n}" for n in range(150)])
    first = await check(up, kind, {}, "pkg")
    pages = len(up.requests)
    up.release(kind, "owner/repo", "v2.0")

    again = await check(up, kind, stored(first), "pkg")
    asked = up.requests[pages:]

    assert not again[0].unchanged and again[0].state is not None
    assert again[0].recommendation is not None
    assert again[0].recommendation.newest_stable is not None
    assert again[0].recommendation.newest_stable.version == "2.0"
    # A page that answered 200 while being asked again was handed to the backend, not
    # downloaded a second time; pages that answered 304 are read again in full.
    bodies = [r.path for r in asked if r.status == 200]
    assert bodies and len(bodies) == len(set(bodies)), asked
    assert len(asked) <= 2 * pages, asked


async def test_packages_sharing_an_upstream_revalidate_it_once(up: FakeUpstream) -> None:
    up.add_project("github", "owner/repo", ["v1.0", "v1.1"])
    first = await check(up, "github", {}, "a", "b", "c")
    again = await check(up, "github", stored(first), "a", "b", "c")
    assert len(up.requests) == 2
    assert all(r.unchanged for r in again)


async def test_a_damaged_or_missing_state_means_a_full_fetch(up: FakeUpstream) -> None:
    up.add_project("github", "owner/repo", ["v1.0", "v1.1"])
    first = await check(up, "github", {}, "pkg")
    damaged = dict.fromkeys(stored(first), b"{not json")
    again = await check(up, "github", damaged, "pkg")
    assert not again[0].unchanged and again[0].state is not None
    assert up.stats()["by_kind"]["github"]["not_modified"] == 0


async def test_a_failing_revalidation_is_the_packages_error(up: FakeUpstream) -> None:
    up.add_project("github", "owner/repo", ["v1.0"])
    first = await check(up, "github", {}, "pkg")
    state = decode_state(next(iter(stored(first).values())))
    assert state is not None
    gone = UpstreamState(
        tuple(
            Validator(v.url.replace("owner/repo", "owner/gone"), v.accept, v.headers, v.etag, None)
            for v in state.validators
        ),
        state.releases,
    )
    again = await check(up, "github", {next(iter(stored(first))): encode_state(gone)}, "pkg")
    assert again[0].error_code == "upstream-not-found"


async def test_validators_never_hold_a_token(up: FakeUpstream) -> None:
    up.add_project("github", "owner/repo", ["v1.0"])
    results = await check(up, "github", {}, "pkg", token=True)
    text = next(iter(stored(results).values()))
    assert b"s3cret" not in text
    sent = [v for r in up.requests for k, v in r.headers.items() if k.lower() == "authorization"]
    assert sent and all("s3cret" in v for v in sent)  # the token was sent, and not stored


# --------------------------------------------------------------------------- the fetcher alone


class Counting:
    """A loopback server with one ETag'd resource and one without validators."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str | None]] = []
        self.version = "v1"
        self.app = web.Application()
        self.app.router.add_get("/etag", self.etag)
        self.app.router.add_get("/plain", self.plain)

    async def etag(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(("/etag", request.headers.get("If-None-Match")))
        tag = f'"{self.version}"'
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.json_response({"version": self.version}, headers={"ETag": tag})

    async def plain(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(("/plain", None))
        return web.json_response({"version": self.version})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        runner = web.AppRunner(self.app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


async def test_revalidate_answers_from_304s_and_hands_a_200_to_the_next_get() -> None:
    server = Counting()
    async with server.running() as base, Fetcher(FetchConfig(allow_private=True)) as fetcher:
        with recording_validators() as seen:
            await fetcher.get_json(f"{base}/etag")
        assert [v.etag for v in seen] == ['"v1"']
        assert await fetcher.revalidate(seen)
        assert fetcher.stats.not_modified == 1

        server.version = "v2"
        server.hits.clear()
        async with Fetcher(FetchConfig(allow_private=True)) as again:
            assert not await again.revalidate(seen)
            with recording_validators() as now:
                assert await again.get_json(f"{base}/etag") == {"version": "v2"}
            assert [v.etag for v in now] == ['"v2"']
    assert server.hits == [("/etag", '"v1"')]  # the 200 was not asked for twice


async def test_revalidate_without_validators_is_a_change_and_sends_nothing() -> None:
    server = Counting()
    async with server.running() as base, Fetcher(FetchConfig(allow_private=True)) as fetcher:
        with recording_validators() as seen:
            await fetcher.get_json(f"{base}/plain")
        server.hits.clear()
        assert seen and not seen[0].usable
        assert not await fetcher.revalidate(seen)
        assert not await fetcher.revalidate([])
    assert server.hits == []


async def test_revalidate_raises_what_the_request_raises() -> None:
    server = Counting()
    async with server.running() as base, Fetcher(FetchConfig(allow_private=True)) as fetcher:
        gone = Validator(f"{base}/missing", "application/json", (), '"v1"', None)
        with pytest.raises(HttpStatusError):
            await fetcher.revalidate([gone])


def test_states_round_trip_and_damaged_text_reads_as_none() -> None:
    from datetime import UTC, datetime

    state = UpstreamState(
        (Validator("https://x/tags", "application/json", (("x-api", "1"),), '"e"', "Mon"),),
        (Release("v1.0", "1.0", datetime(2024, 5, 1, tzinfo=UTC), "https://x/v1.0", False),),
    )
    assert decode_state(encode_state(state)) == state
    assert decode_state("[]") is None
    assert decode_state('{"v": [[1]], "r": []}') is None


async def test_shared_releases_are_fetched_once_and_dropped_after_their_last_package(
    up: FakeUpstream,
) -> None:
    up.add_project("github", "owner/repo", ["v1.0", "v1.1"])
    settings = CheckSettings(package_configs=configs("github", "owner/repo", "a", "b", "c"))
    async with context(up) as ctx:
        results = await check_packages([record(n) for n in ("a", "b", "c")], ctx, settings)
        assert len(ctx.shared) == 0  # nothing kept to the end of the run
    assert len(up.requests) == 1
    assert {r.recommendation.newest_stable.version for r in results if r.recommendation} == {"1.1"}


async def test_damaged_stored_releases_are_fetched_afresh(up: FakeUpstream) -> None:
    import json

    up.add_project("github", "owner/repo", ["v1.0", "v1.1"])
    first = await check(up, "github", {}, "pkg")
    key, text = next(iter(stored(first).items()))
    doc = json.loads(text)
    doc["r"], doc["m"] = "[[1, 2]]", {}  # validators intact, releases damaged, no answers
    again = await check(up, "github", {key: json.dumps(doc).encode()}, "pkg")
    assert again[0].error_code is None, again[0].error_message
    assert again[0].state is not None and not again[0].unchanged
    assert again[0].recommendation == first[0].recommendation


def test_the_memo_keeps_the_newest_answers_only() -> None:
    from steward.upstream.state import Answer

    state = UpstreamState((), (Release("v1.0", "1.0"),))
    for n in range(40):
        assert state.remember(f"k{n}", Answer(state.releases, (), None))
    assert list(state.memo) == [f"k{n}" for n in range(24, 40)]


def _memoised(releases: tuple[Release, ...], current: str = "1.0"):  # type: ignore[no-untyped-def]
    from steward.upstream.recommend import recommend_version
    from steward.upstream.state import Answer, decode_state, encode_state

    answer = Answer(releases, ("a note",), recommend_version(current, releases))
    state = UpstreamState((Validator("https://x/y", "*/*", (), '"e"', None),), releases)
    assert state.remember("key", answer)
    again = decode_state(encode_state(state))
    assert again is not None
    return answer, again


def test_a_memoised_answer_reads_back_equal_and_counts_without_decoding() -> None:
    import datetime as dt
    import pickle

    from steward.upstream.state import StoredReleases

    when = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    releases = tuple(
        Release(f"v1.{n}", f"1.{n}", when + dt.timedelta(days=n), f"https://x/{n}", n == 9)
        for n in range(10)
    )
    answer, state = _memoised(releases, "1.2")
    found = state.answer("key")
    assert found is not None and isinstance(found.releases, StoredReleases)
    assert len(found.releases) == 10 and found.releases._decoded is None  # counted only
    rec, original = found.recommendation, answer.recommendation
    assert rec == original and found.notes == ("a note",)
    assert rec is not None and rec.recommended is not None
    assert found.releases._decoded is None  # the recommendation needed no full decoding
    assert found.releases == releases and tuple(found.releases) == releases
    # The releases the recommendation names are the very objects of the full list.
    assert any(r is rec.recommended for r in found.releases)
    assert pickle.loads(pickle.dumps(found.releases)) == releases


def test_damaged_memoised_releases_are_an_error_when_read_or_a_miss() -> None:
    _, state = _memoised((Release("v1.0", "1.0"), Release("v1.1", "1.1")))
    entry = state.memo["key"]
    entry["R"] = "[[1, 2]]"
    found = state.answer("key")
    assert found is not None and len(found.releases) == 2
    with pytest.raises(ValueError, match="damaged memoised releases"):
        list(found.releases)
    entry["k"] = "two"
    assert state.answer("key") is None  # a damaged answer is a miss: computed again
    entry["k"], entry["p"] = 2, {"7": ["v9", "9", None, None, False]}
    assert state.answer("key") is None


def test_answers_memoised_by_an_older_steward_are_dropped() -> None:
    from steward.upstream.state import Answer

    state = UpstreamState((), (Release("v1.0", "1.0"),))
    state.memo["old"] = {"r": [["v1.0", "1.0", None, None, False]], "n": [], "c": None}
    assert state.answer("old") is None
    assert state.remember("new", Answer(state.releases, (), None))
    assert list(state.memo) == ["new"]


def test_stored_states_are_zstd_and_older_zlib_ones_still_read() -> None:
    import zlib

    from steward.upstream.state import pack_state, unpack_state

    state = UpstreamState(
        (Validator("https://x/y", "*/*", (), '"e1"', None),), (Release("v1.0", "1.0"),)
    )
    encoded = encode_state(state)
    packed = pack_state(encoded)
    assert packed[:4] == b"\x28\xb5\x2f\xfd" and len(packed) < len(encoded) * 2
    for stored in (packed, zlib.compress(encoded, 1), encoded):  # new, older, plain
        assert unpack_state(stored) == encoded
        assert decode_state(stored) == state
    for damaged in (packed[:-3], b"\x78\x01garbage", b"\x28\xb5\x2f\xfdgarbage", b"junk"):
        with pytest.raises(ValueError, match="not a stored upstream state"):
            unpack_state(damaged)
        assert decode_state(damaged) is None
