"""The registry backends (PyPI, npm, crates.io, RubyGems, MetaCPAN, Hackage, Maven) against
the fake upstream, which serves each registry's real document shape on loopback.

Each registry has its traps: yanked and file-less PyPI versions, deprecated npm versions
(still releases), scoped npm names, one RubyGems version per platform, CPAN versions that
are not decimals (``0.30``), unauthorized and BackPAN CPAN uploads, deprecated Hackage
versions, Maven snapshots and namespaced metadata. Every backend also answers the same
questions: a missing project is :class:`UpstreamNotFound`, a broken body is a
:class:`MalformedResponse` naming the URL, and a re-check costs a 304 and finds the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from fakeupstream import FakeRelease, FakeUpstream, Faults

from steward.upstream.fetch import (
    FetchConfig,
    Fetcher,
    HttpStatusError,
    MalformedResponse,
    MemoryHttpCache,
)
from steward.upstream.recommend import recommend_version
from steward.upstream.sources import (
    backend,
    crates,
    hackage,
    maven,
    metacpan,
    npm,
    pypi,
    rubygems,
)
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

pytestmark = pytest.mark.anyio

MODULES: dict[str, ModuleType] = {
    "pypi": pypi,
    "npm": npm,
    "crates": crates,
    "rubygems": rubygems,
    "metacpan": metacpan,
    "hackage": hackage,
    "maven": maven,
}


@pytest.fixture
def up() -> Iterator[FakeUpstream]:
    with FakeUpstream() as server:
        yield server


@pytest.fixture
async def ctx(up: FakeUpstream) -> AsyncIterator[SourceContext]:
    config = FetchConfig(allow_private=True, max_retries=0)
    async with Fetcher(config, cache=MemoryHttpCache()) as fetcher:
        yield SourceContext(fetcher, base_urls={kind: up.base_url(kind) for kind in MODULES})


async def fetch(ctx: SourceContext, kind: str, project: str, **options: str) -> list[Release]:
    return await MODULES[kind].fetch(Upstream(kind, project, options), ctx)  # type: ignore[no-any-return]


def flags(releases: list[Release]) -> dict[str, bool | None]:
    """Version -> pre-release flag; also proves each version is listed once."""
    found = {r.version: r.prerelease for r in releases}
    assert len(found) == len(releases), [r.version for r in releases]
    return found


def find(releases: list[Release], version: str) -> Release:
    return next(r for r in releases if r.version == version)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def serve_json(up: FakeUpstream, path: str, doc: Any) -> None:
    up.add_page(path, json.dumps(doc), "application/json")


# --------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("kind", sorted(MODULES))
def test_each_kind_is_registered_to_its_module_and_names_versions(kind: str) -> None:
    module = backend(kind)
    assert module is MODULES[kind]
    assert kind == module.KIND
    assert module.TAGS is False


# --------------------------------------------------------------------------- PyPI


async def test_pypi_lists_versions_with_files_and_flags_pep440_prereleases(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "pypi",
        "Demo.Pkg",
        [
            FakeRelease("0.9"),
            FakeRelease("1.0", date="2023-05-01T12:34:56Z"),
            FakeRelease("1.1", yanked=True),
            FakeRelease("2.0rc1"),
            FakeRelease("1.2"),
            FakeRelease("0.5.13-hg"),
        ],
        empty_releases=["0.9"],
    )
    releases = await fetch(ctx, "pypi", "Demo.Pkg")
    assert flags(releases) == {"1.0": False, "2.0rc1": True, "1.2": False, "0.5.13-hg": None}
    first = find(releases, "1.0")
    assert first == Release("1.0", "1.0", utc(2023, 5, 1, 12, 34, 56), first.url, False)
    assert first.url == "https://pypi.org/project/Demo.Pkg/1.0/"


async def test_pypi_version_counts_while_any_file_is_unyanked_dated_by_first_upload(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    def file(uploaded: str | None, *, yanked: bool) -> dict[str, Any]:
        return {"filename": "f", "upload_time_iso_8601": uploaded, "yanked": yanked}

    serve_json(
        up,
        "/pypi/multi/json",
        {
            "info": {"name": "multi", "version": "3.0"},
            "releases": {
                "2.7": [file(None, yanked=False)],
                "2.8": [],
                "2.9": [file("2024-02-01T00:00:00Z", yanked=True)] * 2,
                "3.0": [
                    file("2024-03-02T10:00:00.123456Z", yanked=False),
                    file("2024-03-01T09:00:00.000000Z", yanked=True),
                ],
            },
        },
    )
    releases = await fetch(ctx, "pypi", "multi")
    assert [(r.version, r.date) for r in releases] == [
        ("2.7", None),
        ("3.0", utc(2024, 3, 1, 9, 0, 0)),
    ]


async def test_pypi_document_of_the_wrong_shape_is_malformed(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    serve_json(up, "/pypi/odd/json", [1, 2, 3])
    with pytest.raises(
        MalformedResponse, match=r"unexpected PyPI JSON from http://.*/pypi/odd/json"
    ):
        await fetch(ctx, "pypi", "odd")


async def test_server_errors_propagate_as_fetch_errors_not_as_not_found(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project("pypi", "flaky", ["1.0"], faults=Faults(status=500))
    with pytest.raises(HttpStatusError) as caught:
        await fetch(ctx, "pypi", "flaky")
    assert caught.value.status == 500


# --------------------------------------------------------------------------- npm


async def test_npm_scoped_package_lists_every_version_including_deprecated(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "npm",
        "@scope/widget",
        [
            FakeRelease("1.0.0", date="2022-02-02T02:02:02Z"),
            FakeRelease("1.1.0", yanked=True),  # deprecated, still installable
            FakeRelease("2.0.0-beta.1"),
            FakeRelease("1.2.0+build.5"),
        ],
    )
    releases = await fetch(ctx, "npm", "@scope/widget")
    assert flags(releases) == {
        "1.0.0": False,
        "1.1.0": False,
        "2.0.0-beta.1": True,
        "1.2.0+build.5": False,
    }
    first = find(releases, "1.0.0")
    assert first.date == utc(2022, 2, 2, 2, 2, 2)
    assert first.url == "https://www.npmjs.com/package/@scope/widget/v/1.0.0"
    request = up.requests[-1]
    assert request.path == "/npm/@scope%2Fwidget"
    assert request.headers["Accept"] == "application/json"  # the full document, with times


async def test_npm_ignores_unpublished_versions_and_tolerates_missing_times(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    serve_json(
        up,
        "/npm/legacy",
        {
            "name": "legacy",
            "dist-tags": {"latest": "0.2.0"},
            "versions": {"0.1.0": {"version": "0.1.0"}, "0.2.0": {"version": "0.2.0"}},
            "time": {"0.2.0": "2015-06-07T08:09:10.500Z", "0.3.0": "2016-01-01T00:00:00.000Z"},
        },
    )
    releases = await fetch(ctx, "npm", "legacy")
    assert [(r.version, r.date) for r in releases] == [
        ("0.1.0", None),
        ("0.2.0", datetime(2015, 6, 7, 8, 9, 10, 500000, tzinfo=UTC)),
    ]


async def test_npm_unpublished_package_is_not_found(up: FakeUpstream, ctx: SourceContext) -> None:
    serve_json(
        up,
        "/npm/gone",
        {
            "_id": "gone",
            "name": "gone",
            "time": {
                "created": "2020-01-01T00:00:00.000Z",
                "unpublished": {"time": "2021-01-01T00:00:00.000Z", "versions": ["1.0.0"]},
            },
        },
    )
    with pytest.raises(UpstreamNotFound, match="unpublished"):
        await fetch(ctx, "npm", "gone")


# --------------------------------------------------------------------------- crates.io


async def test_crates_skips_yanked_versions_and_flags_semver_prereleases(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "crates",
        "demo_crate",
        [
            FakeRelease("0.9.0"),
            FakeRelease("1.0.0", date="2024-06-01T10:20:30.123456Z"),
            FakeRelease("1.1.0", yanked=True),
            FakeRelease("2.0.0-alpha.1"),
        ],
    )
    releases = await fetch(ctx, "crates", "demo_crate")
    assert flags(releases) == {"0.9.0": False, "1.0.0": False, "2.0.0-alpha.1": True}
    first = find(releases, "1.0.0")
    assert first.date == datetime(2024, 6, 1, 10, 20, 30, 123456, tzinfo=UTC)
    assert first.url == "https://crates.io/crates/demo_crate/1.0.0"


# --------------------------------------------------------------------------- RubyGems


async def test_rubygems_counts_each_version_once_whatever_its_platforms(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    java, linux = {"platform": "java"}, {"platform": "x86_64-linux"}
    up.add_project(
        "rubygems",
        "demo",
        [
            FakeRelease("1.3.0", yanked=True),
            FakeRelease("1.4.0", date="2023-01-01", extra=java),  # built for java only
            FakeRelease("1.5.0", date="2023-06-02", extra=java),
            FakeRelease("1.5.0", date="2023-06-01"),
            FakeRelease("1.5.0", date="2023-06-03", extra=linux),
            FakeRelease("2.0.0.rc1", date="2023-07-01"),
        ],
    )
    releases = await fetch(ctx, "rubygems", "demo")
    assert flags(releases) == {"2.0.0.rc1": True, "1.5.0": False, "1.4.0": False}
    assert find(releases, "1.5.0").date == utc(2023, 6, 1)  # the pure-Ruby gem's
    assert find(releases, "1.4.0").url == "https://rubygems.org/gems/demo/versions/1.4.0"


# --------------------------------------------------------------------------- MetaCPAN


async def test_metacpan_keeps_cpan_versions_as_written_and_flags_developer_releases(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "metacpan",
        "Foo-Bar",
        [
            FakeRelease("0.29", yanked=True),  # deleted to BackPAN
            FakeRelease("0.30", date="2019-03-04T05:06:07"),
            FakeRelease("1.004003"),
            FakeRelease("v1.2.3"),
            FakeRelease("1.005_01", prerelease=True),  # maturity: developer
            FakeRelease("1.006", extra={"authorized": False}),  # not the maintainer's upload
        ],
        author="ETHER",
    )
    releases = await fetch(ctx, "metacpan", "Foo::Bar")
    assert flags(releases) == {"0.30": False, "1.004003": False, "v1.2.3": False, "1.005_01": True}
    first = find(releases, "0.30")
    assert first.date == utc(2019, 3, 4, 5, 6, 7)
    assert first.url == "https://metacpan.org/release/ETHER/Foo-Bar-0.30"
    assert "q=distribution%3AFoo-Bar" in up.requests[-1].path


async def test_metacpan_keeps_the_newest_upload_of_a_version_uploaded_twice(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "metacpan",
        "Twice",
        [FakeRelease("1.0", date="2020-01-01"), FakeRelease("1.0", date="2021-01-01")],
    )
    releases = await fetch(ctx, "metacpan", "Twice")
    assert [(r.version, r.date) for r in releases] == [("1.0", utc(2021, 1, 1))]


async def test_metacpan_agrees_with_the_release_document_its_clients_read(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    # 1.10 was uploaded before 1.9: Perl numifies it 1.1, so PAUSE indexed 1.9 as latest,
    # while rpm would order 1.10 first. The /release/<dist> document names 1.9.
    up.add_project(
        "metacpan",
        "Decimal-Dist",
        [
            FakeRelease("1.8", date="2019-01-01"),
            FakeRelease("1.10", date="2019-06-01"),
            FakeRelease("1.9", date="2020-02-01"),
            FakeRelease("1.91_01", date="2020-05-01", prerelease=True),
        ],
        latest="1.9",
    )
    releases = await fetch(ctx, "metacpan", "Decimal-Dist")
    assert flags(releases) == {"1.91_01": True, "1.9": False, "1.10": True, "1.8": False}
    paths = [r.path for r in up.requests[-2:]]
    assert paths[0] == "/v1/release/Decimal-Dist"  # the document MetaCPAN::Client reads
    assert paths[1].startswith("/v1/release/_search")
    result = recommend_version("1.8", releases)
    assert result.newest_stable is not None and result.newest_stable.version == "1.9"


async def test_metacpan_without_a_latest_release_reads_the_search_alone(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    # Only developer releases: MetaCPAN has no latest document for the distribution.
    up.add_project("metacpan", "Dev-Only", [FakeRelease("0.01_01", prerelease=True)])
    releases = await fetch(ctx, "metacpan", "Dev-Only")
    assert flags(releases) == {"0.01_01": True}


# --------------------------------------------------------------------------- Hackage


async def test_hackage_lists_normal_versions_and_skips_deprecated_ones(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project("hackage", "text-show", ["0.1.0.0", FakeRelease("0.2.0.0", yanked=True), "1.0"])
    releases = await fetch(ctx, "hackage", "text-show")
    assert releases == [
        Release("1.0", "1.0", url="https://hackage.haskell.org/package/text-show-1.0"),
        Release("0.1.0.0", "0.1.0.0", url="https://hackage.haskell.org/package/text-show-0.1.0.0"),
    ]
    assert up.requests[-1].headers["Accept"] == "application/json"


# --------------------------------------------------------------------------- Maven


async def test_maven_lists_every_version_except_snapshots(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "maven", "org.example:demo-core", ["1.0", "1.1", "2.0-SNAPSHOT", "2.0-M1", "1.2"]
    )
    releases = await fetch(ctx, "maven", "org.example:demo-core")
    assert [r.version for r in releases] == ["1.0", "1.1", "2.0-M1", "1.2"]
    folder = f"{up.base_url('maven')}/org/example/demo-core"
    assert find(releases, "1.2") == Release("1.2", "1.2", url=f"{folder}/1.2/")


async def test_maven_reads_namespaced_metadata_from_the_repo_option(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_page(
        "/mirror/org/example/ns/maven-metadata.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<metadata xmlns="http://maven.apache.org/METADATA/1.1.0" modelVersion="1.1.0">'
        "<groupId>org.example</groupId><artifactId>ns</artifactId><versioning>"
        "<latest>3.0</latest><release>3.0</release>"
        "<versions><version> 2.5 </version><version>3.0</version></versions>"
        "</versioning></metadata>",
        "text/xml",
    )
    releases = await fetch(ctx, "maven", "org.example:ns", repo=f"{up.url}/mirror/")
    assert [r.version for r in releases] == ["2.5", "3.0"]


async def test_maven_refuses_metadata_that_declares_entities(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE metadata [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<metadata><versioning><versions><version>&lol2;</version></versions>"
        "</versioning></metadata>"
    )
    up.add_page("/maven2/org/evil/bomb/maven-metadata.xml", laughs, "text/xml")
    with pytest.raises(MalformedResponse, match=r"refusing http://.*/bomb/maven-metadata.xml"):
        await fetch(ctx, "maven", "org.evil:bomb")


@pytest.mark.parametrize(
    ("project", "options"),
    [("demo", {}), ("org.example:", {}), (":demo", {}), ("org.x:y", {"repo": "file:///etc"})],
)
async def test_maven_needs_group_artifact_and_an_http_repo(
    ctx: SourceContext, project: str, options: dict[str, str]
) -> None:
    with pytest.raises(UpstreamConfigError, match="maven"):
        await fetch(ctx, "maven", project, **options)


# --------------------------------------------------------------------------- every registry

#: kind -> (project as configured, releases, the versions a backend must find, a new release)
SAMPLES: dict[str, tuple[str, list[FakeRelease | str], set[str], str]] = {
    "pypi": ("demo", ["1.0", "1.1"], {"1.0", "1.1"}, "1.2"),
    "npm": ("@demo/pkg", ["1.0.0", "1.1.0"], {"1.0.0", "1.1.0"}, "1.2.0"),
    "crates": ("demo", ["1.0.0", "1.1.0"], {"1.0.0", "1.1.0"}, "1.2.0"),
    "rubygems": ("demo", ["1.0.0", "1.1.0"], {"1.0.0", "1.1.0"}, "1.2.0"),
    "metacpan": ("Demo-Dist", ["1.00", "1.01"], {"1.00", "1.01"}, "1.02"),
    "hackage": ("demo", ["1.0", "1.1"], {"1.0", "1.1"}, "1.2"),
    "maven": ("org.example:demo", ["1.0", "1.1"], {"1.0", "1.1"}, "1.2"),
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
async def test_recheck_costs_a_304_finds_the_same_then_sees_a_new_release(
    up: FakeUpstream, ctx: SourceContext, kind: str
) -> None:
    project, seeded, expected, new = SAMPLES[kind]
    up.add_project(kind, project, seeded)
    first = await fetch(ctx, kind, project)
    assert {r.version for r in first} == expected
    again = await fetch(ctx, kind, project)
    assert again == first
    # MetaCPAN is asked twice: the latest release's document and the release search.
    assert up.stats()["not_modified"] == (2 if kind == "metacpan" else 1)
    up.release(kind, project, new)
    assert {r.version for r in await fetch(ctx, kind, project)} == expected | {new}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
async def test_missing_project_is_not_found(ctx: SourceContext, kind: str) -> None:
    project = SAMPLES[kind][0]
    with pytest.raises(UpstreamNotFound, match=re.escape(project)):
        await fetch(ctx, kind, project)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
async def test_malformed_body_is_reported_with_its_url(
    up: FakeUpstream, ctx: SourceContext, kind: str
) -> None:
    project, seeded, _, _ = SAMPLES[kind]
    up.add_project(kind, project, seeded)
    up.set_faults(Faults(malformed=True))  # every body cut in half
    with pytest.raises(MalformedResponse) as caught:
        await fetch(ctx, kind, project)
    path = up.requests[-1].path.partition("?")[0]
    assert f"{up.url}{path}" in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "project"),
    [
        ("pypi", "../admin"),
        ("pypi", "name with spaces"),
        ("npm", "@scope/name/extra"),
        ("crates", "9lives"),
        ("rubygems", "a/b"),
        ("metacpan", "Foo/Bar"),
        ("hackage", "under_score"),
        ("maven", "org/example:demo"),
        ("pypi", ""),
    ],
)
async def test_names_a_registry_cannot_hold_are_refused_before_any_request(
    up: FakeUpstream, ctx: SourceContext, kind: str, project: str
) -> None:
    with pytest.raises(UpstreamConfigError, match=kind):
        await fetch(ctx, kind, project)
    assert up.stats()["requests"] == 0
