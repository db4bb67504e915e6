"""The forge backends (GitHub, GitLab, Gitee, Gitea/Forgejo, AtomGit) against the fake upstream.

Each forge speaks its real API on 127.0.0.1: more tags than one page holds, pre-releases
flagged upstream, drafts that only an authenticated client sees, dates in the forge's own
time zone, ETag/304 on a re-check, 404s for missing projects and GitHub's quota.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from fakeupstream import FakeRelease, FakeUpstream
from fakeupstream.loopback import serve

from steward.upstream.credentials import Credentials, Token
from steward.upstream.fetch import FetchConfig, Fetcher, MemoryHttpCache, RateLimited
from steward.upstream.sources import backend, gitea, gitee, github, gitlab
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

pytestmark = pytest.mark.anyio

FORGES = ("github", "gitlab", "gitee", "gitea")


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


@asynccontextmanager
async def source_context(
    base_urls: Mapping[str, str],
    *,
    cache: MemoryHttpCache | None = None,
    token: bool = False,
    **config: Any,
) -> AsyncIterator[SourceContext]:
    credentials = Credentials({"127.0.0.1": Token("test-token")}) if token else Credentials()
    settings = FetchConfig(allow_private=True, max_retries=0, **config)
    async with Fetcher(settings, cache=cache, credentials=credentials) as fetcher:
        yield SourceContext(fetcher, base_urls=dict(base_urls))


def bases(up: FakeUpstream) -> dict[str, str]:
    return {kind: up.base_url(kind) for kind in FORGES}


async def fetch(
    up: FakeUpstream, kind: str, project: str, *, token: bool = False, **options: str
) -> list[Release]:
    async with source_context(bases(up), token=token) as ctx:
        return await backend(kind).fetch(Upstream(kind, project, options), ctx)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def paths(up: FakeUpstream) -> list[str]:
    return [record.path for record in up.requests]


# --------------------------------------------------------------------------- GitHub


async def test_github_lists_every_tag_across_pages_of_100(up: FakeUpstream) -> None:
    tags = [f"v1.{minor}.0" for minor in range(230)] + ["v2.0.0-rc1", "nightly"]
    up.add_project("github", "acme/widget", tags)

    found = await fetch(up, "github", "acme/widget")

    assert sorted(r.tag for r in found) == sorted(tags)
    assert all(r.version == r.tag and r.date is None for r in found)  # the tags API has no dates
    assert found[0].url == f"https://github.com/acme/widget/releases/tag/{found[0].tag}"
    project_id = up.project("github", "acme/widget").id
    assert paths(up) == [
        "/repos/acme/widget/tags?per_page=100",
        f"/repositories/{project_id}/tags?per_page=100&page=2",
        f"/repositories/{project_id}/tags?per_page=100&page=3",
    ]
    assert {r.headers["Accept"] for r in up.requests} == {"application/vnd.github+json"}


async def test_github_max_pages_bounds_the_requests(up: FakeUpstream) -> None:
    up.add_project("github", "acme/widget", [f"v1.{minor}.0" for minor in range(230)])

    found = await fetch(up, "github", "acme/widget", max_pages="2")

    assert len(found) == 200
    assert len(up.requests) == 2


async def test_github_releases_flag_prereleases_skip_drafts_and_read_utc_dates(
    up: FakeUpstream,
) -> None:
    up.add_project(
        "github",
        "acme/widget",
        [
            FakeRelease("v1.0.0", date="2024-01-10T09:30:00+02:00"),
            FakeRelease("v1.1.0-rc1", date="2024-02-01T00:00:00Z", prerelease=True),
            FakeRelease("v2.0", date="2024-03-01T00:00:00Z", prerelease=True),  # stable-looking
            FakeRelease("v1.1.0", date="2024-03-05T12:00:00Z"),
            FakeRelease("v1.2.0", date="2024-04-01T00:00:00Z", draft=True),
            FakeRelease("v0.9", tag_only=True),  # a tag with no release object
        ],
    )

    # Authenticated, as drafts are only shown to clients with push access.
    found = await fetch(up, "github", "acme/widget", token=True, use_releases="true")

    assert "Authorization" in up.requests[0].headers
    by_tag = {r.tag: r for r in found}
    assert set(by_tag) == {"v1.0.0", "v1.1.0-rc1", "v2.0", "v1.1.0"}
    assert by_tag["v1.0.0"].date == datetime(2024, 1, 10, 7, 30, tzinfo=UTC)
    assert by_tag["v1.0.0"].date.tzinfo is UTC
    assert [by_tag[t].prerelease for t in ("v1.0.0", "v1.1.0-rc1", "v2.0", "v1.1.0")] == [
        False,
        True,
        True,
        False,
    ]
    assert by_tag["v1.1.0"].url == "https://github.com/acme/widget/releases/tag/v1.1.0"


async def test_github_use_max_release_is_read_as_use_releases(up: FakeUpstream) -> None:
    up.add_project("github", "acme/widget", ["v1.0", FakeRelease("v1.1", tag_only=True)])

    found = await fetch(up, "github", "acme/widget", use_max_release="true")

    assert [r.tag for r in found] == ["v1.0"]
    assert paths(up) == ["/repos/acme/widget/releases?per_page=100"]


async def test_github_latest_release_is_the_one_github_names(up: FakeUpstream) -> None:
    up.add_project(
        "github",
        "acme/widget",
        ["v1.0", "v1.1", FakeRelease("v2.0-beta1", prerelease=True)],
        latest="v1.1",
    )

    found = await fetch(up, "github", "acme/widget", use_latest_release="true")

    assert [(r.tag, r.prerelease) for r in found] == [("v1.1", False)]
    assert paths(up) == ["/repos/acme/widget/releases/latest"]


async def test_github_quota_smaller_than_the_pages_needed_is_never_overrun(
    up: FakeUpstream,
) -> None:
    up.add_project("github", "acme/widget", [f"v1.{minor}.0" for minor in range(230)])
    up.set_quota("github", 2)

    async with source_context(bases(up), rate_limit_reserve=0, max_rate_limit_wait=0) as ctx:
        with pytest.raises(RateLimited):
            await github.fetch(Upstream("github", "acme/widget"), ctx)

    quota = up.stats()["quotas"]["github"]
    assert (quota["used"], quota["refused"]) == (2, 0)
    assert len(up.requests) == 2


async def test_github_enterprise_host_uses_api_v3(up: FakeUpstream) -> None:
    up.add_project("github", "infra/tool", [f"v3.{n}" for n in range(150)], host="ghe.example.com")
    overrides = {"https://ghe.example.com": up.url}

    async with source_context({}, base_url_overrides=overrides) as ctx:
        found = await github.fetch(
            Upstream("github", "infra/tool", {"host": "ghe.example.com"}), ctx
        )

    assert len(found) == 150
    project_id = up.project("github", "infra/tool").id
    assert paths(up) == [
        "/api/v3/repos/infra/tool/tags?per_page=100",
        f"/api/v3/repositories/{project_id}/tags?per_page=100&page=2",
    ]
    assert found[0].url == f"https://ghe.example.com/infra/tool/releases/tag/{found[0].tag}"


async def test_github_base_url_override_wins_over_host(up: FakeUpstream) -> None:
    up.add_project("github", "infra/tool", ["v1.0"])

    async with source_context({"github": up.base_url("github-enterprise")}) as ctx:
        found = await github.fetch(
            Upstream("github", "infra/tool", {"host": "ghe.example.com"}), ctx
        )

    assert [r.tag for r in found] == ["v1.0"]
    assert paths(up) == ["/api/v3/repos/infra/tool/tags?per_page=100"]


@pytest.mark.parametrize(
    ("project", "options", "message"),
    [
        ("widget", {}, "is not 'owner/repo'"),
        ("acme/widget/extra", {}, "is not 'owner/repo'"),
        ("acme/..", {}, "is not 'owner/repo'"),
        ("acme/widget", {"max_pages": "0"}, "max_pages '0'"),
        ("acme/widget", {"host": "https://ghe.example.com/"}, "is not a host name"),
        (
            "acme/widget",
            {"use_max_tag": "true", "use_latest_release": "true"},
            "use_max_tag, use_latest_release contradict",
        ),
    ],
)
async def test_github_bad_options_are_config_errors_before_any_request(
    up: FakeUpstream, project: str, options: dict[str, str], message: str
) -> None:
    async with source_context(bases(up)) as ctx:
        with pytest.raises(UpstreamConfigError, match=message):
            await github.fetch(Upstream("github", project, options), ctx)
    assert up.requests == []


# --------------------------------------------------------------------------- GitLab


async def test_gitlab_encodes_the_project_path_and_follows_pages(up: FakeUpstream) -> None:
    tags = [FakeRelease(f"{minor}.0", date="2023-06-01T10:00:00+02:00") for minor in range(130)]
    up.add_project("gitlab", "GNOME/libgee", tags, host="gitlab.gnome.org")
    # The per-host key wins; were the kind-wide one used, every path would 404.
    base_urls = {"gitlab": f"{up.url}/elsewhere", "gitlab:gitlab.gnome.org": up.url}

    async with source_context(base_urls) as ctx:
        found = await gitlab.fetch(
            Upstream("gitlab", "GNOME/libgee", {"host": "gitlab.gnome.org"}), ctx
        )

    assert sorted(r.tag for r in found) == sorted(t.tag for t in tags)
    assert {r.date for r in found} == {datetime(2023, 6, 1, 8, 0, tzinfo=UTC)}  # commit date
    assert found[0].url == f"https://gitlab.gnome.org/GNOME/libgee/-/tags/{found[0].tag}"
    assert paths(up) == [
        "/api/v4/projects/GNOME%2Flibgee/repository/tags?per_page=100",
        "/api/v4/projects/GNOME%2Flibgee/repository/tags?per_page=100&page=2",
    ]


async def test_gitlab_nested_group_and_numeric_id_name_the_same_project(
    up: FakeUpstream,
) -> None:
    project = up.add_project("gitlab", "gnome/world/shortwave", ["v3.0", "v4.0"])

    by_path = await fetch(up, "gitlab", "gnome/world/shortwave")
    by_id = await fetch(up, "gitlab", str(project.id))

    assert [r.tag for r in by_path] == [r.tag for r in by_id] == ["v4.0", "v3.0"]
    assert by_id[0].url is None  # no path, no web address
    assert paths(up)[0] == "/api/v4/projects/gnome%2Fworld%2Fshortwave/repository/tags?per_page=100"


async def test_gitlab_releases_skip_upcoming_ones_and_have_no_prerelease_flag(
    up: FakeUpstream,
) -> None:
    up.add_project(
        "gitlab",
        "group/app",
        [
            FakeRelease("v1.0", date="2024-01-01T00:00:00Z"),
            FakeRelease("v1.1-rc1", date="2024-02-01T00:00:00Z", prerelease=True),
            FakeRelease("v1.1", tag_only=True),
            FakeRelease("v2.0", date="2099-01-01T00:00:00Z", extra={"upcoming_release": True}),
        ],
    )

    found = await fetch(up, "gitlab", "group/app", use_releases="true")

    assert [(r.tag, r.date, r.prerelease) for r in found] == [
        ("v1.1-rc1", utc("2024-02-01T00:00:00+00:00"), None),
        ("v1.0", utc("2024-01-01T00:00:00+00:00"), None),
    ]
    assert found[0].url == "https://gitlab.com/group/app/-/releases/v1.1-rc1"
    assert paths(up) == ["/api/v4/projects/group%2Fapp/releases?per_page=100"]


@asynccontextmanager
async def bare_gitlab(total: int, per_page: int) -> AsyncIterator[str]:
    """A GitLab that paginates with X-Next-Page only, as some proxies leave it (no Link)."""

    async def tags(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        names = [f"v{n}" for n in range(total)][(page - 1) * per_page : page * per_page]
        more = page * per_page < total
        headers = {"X-Next-Page": str(page + 1) if more else ""}
        return web.json_response([{"name": n, "commit": {}} for n in names], headers=headers)

    app = web.Application()
    app.router.add_get("/api/v4/projects/{project}/repository/tags", tags)
    async with serve(app) as base:
        yield base


async def test_gitlab_follows_x_next_page_without_a_link_header() -> None:
    async with bare_gitlab(total=250, per_page=100) as url, source_context({"gitlab": url}) as ctx:
        found = await gitlab.fetch(Upstream("gitlab", "group/app"), ctx)

    assert len(found) == 250
    assert ctx.fetcher.stats.requests == 3  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- Gitee and AtomGit


async def test_gitee_counts_pages_in_total_page_and_dates_are_utc(up: FakeUpstream) -> None:
    tags = [FakeRelease(f"v0.{n}", date="2024-05-01T00:30:00Z") for n in range(150)]
    up.add_project("gitee", "openeuler/tool", tags)

    found = await fetch(up, "gitee", "openeuler/tool")

    assert sorted(r.tag for r in found) == sorted(t.tag for t in tags)
    # Gitee writes 2024-05-01T08:30:00+08:00; the release date is the same instant in UTC.
    assert found[0].date == datetime(2024, 5, 1, 0, 30, tzinfo=UTC)
    assert found[0].date is not None and found[0].date.tzinfo is UTC
    assert found[0].url == "https://gitee.com/openeuler/tool/tree/v0.0"
    assert paths(up) == [
        "/api/v5/repos/openeuler/tool/tags?per_page=100",
        "/api/v5/repos/openeuler/tool/tags?per_page=100&page=2",
    ]


async def test_gitee_releases_and_latest_release(up: FakeUpstream) -> None:
    up.add_project(
        "gitee",
        "openeuler/tool",
        ["v1.0", FakeRelease("v1.1-rc1", prerelease=True), FakeRelease("v0.1", tag_only=True)],
    )

    releases = await fetch(up, "gitee", "openeuler/tool", use_releases="true")
    latest = await fetch(up, "gitee", "openeuler/tool", use_latest_release="true")

    assert [(r.tag, r.prerelease) for r in releases] == [("v1.0", False), ("v1.1-rc1", True)]
    assert releases[0].url == "https://gitee.com/openeuler/tool/releases/tag/v1.0"
    assert [r.tag for r in latest] == ["v1.0"]


async def test_atomgit_is_read_through_gitees_v5_api(
    up: FakeUpstream,
) -> None:
    up.add_project("gitee", "openeuler/kernel", ["v6.6.0", "v6.6.1"])

    async with source_context({"atomgit": up.url}) as ctx:
        module = backend("atomgit")
        found = await module.fetch(Upstream("atomgit", "openeuler/kernel"), ctx)

    assert module is gitee
    assert [(r.tag, r.url) for r in found] == [
        ("v6.6.0", "https://atomgit.com/openeuler/kernel/tree/v6.6.0"),
        ("v6.6.1", "https://atomgit.com/openeuler/kernel/tree/v6.6.1"),
    ]
    assert paths(up) == ["/api/v5/repos/openeuler/kernel/tags?per_page=100"]


# --------------------------------------------------------------------------- Gitea / Forgejo


async def test_gitea_reads_pages_of_50_on_the_named_host(up: FakeUpstream) -> None:
    tags = [FakeRelease(f"v1.{n}", date="2022-02-02T02:02:02Z") for n in range(120)]
    up.add_project("gitea", "forgejo/runner", tags, host="codeberg.org")
    base_urls = {"gitea": f"{up.url}/elsewhere", "gitea:codeberg.org": up.url}

    async with source_context(base_urls) as ctx:
        found = await gitea.fetch(
            Upstream("gitea", "forgejo/runner", {"host": "codeberg.org"}), ctx
        )

    assert sorted(r.tag for r in found) == sorted(t.tag for t in tags)
    assert {r.date for r in found} == {datetime(2022, 2, 2, 2, 2, 2, tzinfo=UTC)}
    assert found[0].url == f"https://codeberg.org/forgejo/runner/releases/tag/{found[0].tag}"
    assert paths(up) == [
        "/api/v1/repos/forgejo/runner/tags?limit=50",
        "/api/v1/repos/forgejo/runner/tags?limit=50&page=2",
        "/api/v1/repos/forgejo/runner/tags?limit=50&page=3",
    ]


async def test_gitea_releases_skip_drafts_and_flag_prereleases(up: FakeUpstream) -> None:
    up.add_project(
        "gitea",
        "gitea/tea",
        [
            FakeRelease("v0.9.0", date="2023-01-01T00:00:00Z"),
            FakeRelease("v0.10.0-rc1", date="2023-06-01T00:00:00Z", prerelease=True),
            FakeRelease("v0.10.0", date="2023-07-01T00:00:00Z", draft=True),
        ],
    )

    found = await fetch(up, "gitea", "gitea/tea", token=True, use_releases="true")

    assert "Authorization" in up.requests[0].headers  # the draft was served, and skipped
    assert [(r.tag, r.prerelease, r.date) for r in found] == [
        ("v0.10.0-rc1", True, datetime(2023, 6, 1, tzinfo=UTC)),
        ("v0.9.0", False, datetime(2023, 1, 1, tzinfo=UTC)),
    ]
    assert found[1].url == "https://gitea.com/gitea/tea/releases/tag/v0.9.0"


# --------------------------------------------------------------------------- every forge


@pytest.mark.parametrize("kind", FORGES)
async def test_recheck_of_an_unchanged_project_costs_a_304_per_page(
    up: FakeUpstream, kind: str
) -> None:
    up.add_project(kind, "owner/repo", [f"v1.{n}" for n in range(120)])
    cache = MemoryHttpCache()

    async with source_context(bases(up), cache=cache) as ctx:
        first = await backend(kind).fetch(Upstream(kind, "owner/repo"), ctx)
        pages = len(up.requests)
        again = await backend(kind).fetch(Upstream(kind, "owner/repo"), ctx)

    assert again == first and len(first) == 120
    assert pages >= 2
    served = up.stats()["by_kind"][kind]
    assert (served["requests"], served["not_modified"]) == (2 * pages, pages)
    assert ctx.fetcher.stats.not_modified == pages  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", FORGES)
async def test_recheck_sees_a_new_release(up: FakeUpstream, kind: str) -> None:
    up.add_project(kind, "owner/repo", ["v1.0"])
    cache = MemoryHttpCache()

    async with source_context(bases(up), cache=cache) as ctx:
        await backend(kind).fetch(Upstream(kind, "owner/repo"), ctx)
        up.release(kind, "owner/repo", "v1.1")
        found = await backend(kind).fetch(Upstream(kind, "owner/repo"), ctx)

    assert sorted(r.tag for r in found) == ["v1.0", "v1.1"]


@pytest.mark.parametrize("kind", FORGES)
@pytest.mark.parametrize("use_releases", ["false", "true"])
async def test_missing_project_is_upstream_not_found(
    up: FakeUpstream, kind: str, use_releases: str
) -> None:
    with pytest.raises(UpstreamNotFound, match="owner/nothing"):
        await fetch(up, kind, "owner/nothing", use_releases=use_releases)


@pytest.mark.parametrize("kind", ["github", "gitee", "gitea"])
async def test_latest_release_of_a_project_without_releases_is_not_found(
    up: FakeUpstream, kind: str
) -> None:
    up.add_project(kind, "owner/repo", [FakeRelease("v1.0", tag_only=True)])

    with pytest.raises(UpstreamNotFound, match=r"no (published )?release"):
        await fetch(up, kind, "owner/repo", use_latest_release="true")


@pytest.mark.parametrize("module", [github, gitlab, gitee, gitea])
def test_every_forge_backend_reads_tags(module: Any) -> None:
    assert module.TAGS is True
    assert backend(module.KIND) is module


@pytest.mark.parametrize(
    "tag",
    ["v1.2.3", "release-1_2", "gopls/v0.14.2", "1.0~rc1", "v1.0+build", "tag with space",
     "ü1.0", "%41", "x?y#z", "a;b", ""],
)  # fmt: skip
def test_tag_urls_are_quoted_as_urllib_quotes_them(tag: str) -> None:
    from urllib.parse import quote

    from steward.upstream.sources._forge import quote_tag

    assert quote_tag(tag) == quote(tag)
