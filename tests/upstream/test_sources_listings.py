"""The file-listing backends (GNOME cache.json, SourceForge RSS, HTML listings and regex
pages, RPM repodata) against the fake upstream on loopback.

Requests go to the public URLs (``https://ftp.gnu.org/gnu/bc/``); the fetcher's base-URL
overrides send them to the fake, so release URLs are the real ones. The traps: signature
files beside tarballs, ``bc-latest.tar.gz``, look-alike projects (``libbc-``), nginx link
texts truncated at 50 characters, sort links, platform builds on SourceForge, several
builds of one version in a repository, source packages known only through ``sourcerpm``,
checksums that do not match, and hostile XML. Pages and repositories many packages share
are fetched and parsed once per run.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import lzma
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from types import ModuleType

import pytest
import zstandard
from envneeds import require_shared
from fakeupstream import FakeRelease, FakeUpstream, RpmPackage

from steward.distro.metadata import load_upstream_info
from steward.upstream.engine import releases_for
from steward.upstream.fetch import FetchConfig, Fetcher, MalformedResponse, MemoryHttpCache
from steward.upstream.resolve import resolve_from_metadata, resolve_from_urls
from steward.upstream.sources import backend, gnome, html, rpmrepo, sourceforge
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release, TagRules

pytestmark = pytest.mark.anyio

PUBLIC_HOSTS = (
    "https://ftp.gnu.org",
    "https://cdn.kernel.org",
    "https://download.gnome.org",
    "https://sourceforge.net",
    "https://repo.openeuler.org",
    "https://dl.fedoraproject.org",
    "https://example.org",
)


@pytest.fixture
def up() -> Iterator[FakeUpstream]:
    with FakeUpstream() as server:
        yield server


@pytest.fixture
async def ctx(up: FakeUpstream) -> AsyncIterator[SourceContext]:
    config = FetchConfig(
        allow_private=True,
        max_retries=0,
        base_url_overrides={host: up.url for host in PUBLIC_HOSTS},
    )
    async with Fetcher(config, cache=MemoryHttpCache()) as fetcher:
        yield SourceContext(fetcher)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def versions(releases: list[Release]) -> list[str]:
    found = [r.version for r in releases]
    assert len(set(found)) == len(found), found
    return found


def find(releases: list[Release], version: str) -> Release:
    return next(r for r in releases if r.version == version)


def served(up: FakeUpstream, path: str) -> int:
    return int(up.stats()["by_path"].get(path, 0))


@pytest.mark.parametrize(
    ("kind", "module", "tags"),
    [
        ("gnome", gnome, False),
        ("sourceforge", sourceforge, True),
        ("html", html, False),
        ("regex", html, False),
        ("rpmrepo", rpmrepo, False),
    ],
)
def test_each_kind_is_registered_to_its_module(kind: str, module: ModuleType, tags: bool) -> None:
    assert backend(kind) is module
    assert module.TAGS is tags


# --------------------------------------------------------------------------- GNU listings

BC_RELEASES = [
    FakeRelease("1.06", date="2000-11-15T12:00:00"),
    FakeRelease("1.06.95", date="2006-09-05T12:00:00"),
    FakeRelease("1.07", date="2017-03-28T20:20:00"),
    FakeRelease("1.07.1", date="2017-04-07T21:40:00"),
    FakeRelease("latest", filename="bc-latest.tar.gz", date="2017-04-07T21:41:00"),
    FakeRelease("9.9", filename="libbc-9.9.tar.gz", date="2018-01-01T00:00:00"),
]


def add_bc(up: FakeUpstream) -> None:
    up.add_project("html", "gnu/bc", BC_RELEASES, style="gnu", suffixes=[".sig"])


async def test_gnu_listing_with_openeulers_bc_metadata_finds_every_tarball(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_bc(up)
    upstream = resolve_from_metadata(
        "bc", load_upstream_info(require_shared("upstream-info/bc.yaml"))
    )
    assert isinstance(upstream, Upstream)
    assert (upstream.kind, upstream.project) == ("html", "https://ftp.gnu.org/gnu/bc/")

    releases = await html.fetch(upstream, ctx)

    # .sig files name the same versions; libbc-9.9 is another project.
    assert set(versions(releases)) == {"1.06", "1.06.95", "1.07", "1.07.1", "latest"}
    newest = find(releases, "1.07.1")
    assert newest.tag == "bc-1.07.1.tar.gz"
    assert newest.url == "https://ftp.gnu.org/gnu/bc/bc-1.07.1.tar.gz"  # not the .sig
    assert newest.date == utc(2017, 4, 7, 21, 40)
    # The engine's tag rules set "latest" aside: it names no version.
    kept, _ = releases_for(releases, upstream, tags=html.TAGS)
    assert set(versions(kept)) == {"1.06", "1.06.95", "1.07", "1.07.1"}


async def test_gnu_listing_inferred_from_source0_url_matches_archives_only(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_bc(up)
    upstream = resolve_from_urls(["https://ftp.gnu.org/gnu/bc/bc-1.07.1.tar.gz"], name="bc")
    assert upstream is not None and upstream.kind == "html"

    releases = await html.fetch(upstream, ctx)

    # Versions must start with a digit: bc-latest.tar.gz is no match, nor are the .sig files.
    assert set(versions(releases)) == {"1.06", "1.06.95", "1.07", "1.07.1"}
    assert all(r.url.endswith(".tar.gz") for r in releases if r.url)


async def test_folder_url_without_slash_resolves_links_inside_the_folder(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_bc(up)
    upstream = Upstream("html", "https://ftp.gnu.org/gnu/bc", {"pattern": r"bc-([\d.]+)\.tar\.gz"})

    releases = await html.fetch(upstream, ctx)

    assert find(releases, "1.07").url == "https://ftp.gnu.org/gnu/bc/bc-1.07.tar.gz"


async def test_without_pattern_the_package_name_gives_the_archive_pattern(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_bc(up)
    upstream = Upstream("html", "https://ftp.gnu.org/gnu/bc/", rules=TagRules(package_name="bc"))

    # The default pattern wants a version after the name: bc-latest.tar.gz is no match.
    assert set(versions(await html.fetch(upstream, ctx))) == {"1.06", "1.06.95", "1.07", "1.07.1"}


KERNEL_PAGE = """<html>
<head><title>Index of /pub/linux/kernel/v6.x/</title></head>
<body>
<h1>Index of /pub/linux/kernel/v6.x/</h1><hr><pre><a href="../">../</a>
<a href="incr/">incr/</a>                                              19-May-2024 08:14       -
<a href="ChangeLog-6.9">ChangeLog-6.9</a>                                      12-May-2024 21:38      1234
<a href="linux-6.8.12.tar.xz">linux-6.8.12.tar.xz</a>                                30-May-2024 10:14     141M
<a href="linux-6.9.tar.sign">linux-6.9.tar.sign</a>                                 12-May-2024 21:38      989
<a href="linux-6.9.tar.xz">linux-6.9.tar.xz</a>                                   12-May-2024 21:38     140M
<a href="linux-6.9.1.tar.xz">linux-6.9.1.tar.xz</a>                                 17-May-2024 09:48     140M
<a href="linux-6.9.10-really-long-name-for-the-truncation-test.tar.xz">linux-6.9.10-really-long-name-for-the-truncatio..&gt;</a> 18-Jul-2024 07:54     140M
<a href="patch-6.9.1.xz">patch-6.9.1.xz</a>                                     17-May-2024 09:48      90K
</pre><hr></body>
</html>
"""


async def test_kernel_org_listing_reads_hrefs_not_truncated_link_texts(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_page("/pub/linux/kernel/v6.x/", KERNEL_PAGE, "text/html")
    upstream = Upstream(
        "html",
        "https://cdn.kernel.org/pub/linux/kernel/v6.x/",
        {"pattern": r"linux-(\d[^/]*?)\.tar\.xz"},
    )

    releases = await html.fetch(upstream, ctx)

    assert versions(releases) == [
        "6.8.12",
        "6.9",
        "6.9.1",
        "6.9.10-really-long-name-for-the-truncation-test",
    ]
    assert find(releases, "6.9.1").date == utc(2024, 5, 17, 9, 48)
    assert (
        find(releases, "6.9").url == "https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.9.tar.xz"
    )


async def test_kernel_style_listing_from_the_fake(up: FakeUpstream, ctx: SourceContext) -> None:
    up.add_project(
        "html",
        "pub/linux/kernel/v5.x",
        [FakeRelease("5.15", date="2021-10-31T21:00:00"), "5.15.1", "5.4.300"],
        style="kernel",
        basename="linux",
        template="{base}-{version}.tar.xz",
        suffixes=[".sign"],
        subdirs=["incr", "testing"],
    )
    upstream = Upstream(
        "html", "https://cdn.kernel.org/pub/linux/kernel/v5.x/", {"pattern": r"linux-(.*)\.tar\.xz"}
    )

    releases = await html.fetch(upstream, ctx)

    assert sorted(versions(releases)) == ["5.15", "5.15.1", "5.4.300"]
    assert find(releases, "5.15").date == utc(2021, 10, 31, 21, 0)


DIRECTORY_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><body><h1>Index of /pub/source</h1><table>
<tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
<tr><td><a href="/pub/">Parent Directory</a></td><td>&nbsp;</td></tr>
<tr><td><a href="v15.7/">v15.7/</a></td><td align="right">2024-05-06 12:50  </td></tr>
<tr><td><a href="v16.2/">v16.2/</a></td><td align="right">2024-02-05 13:59  </td></tr>
<tr><td><a href="v16.3/">v16.3/</a></td><td align="right">2024-05-06 12:51  </td></tr>
<tr><td><a href="v16.3/">v16.3/</a></td><td align="right">2024-05-06 12:51  </td></tr>
<tr><td><a href="v17beta1/">v17beta1/</a></td><td align="right">2024-05-20 13:18  </td></tr>
<tr><td><a href="README">README</a></td><td align="right">2020-01-01 00:00  </td></tr>
<tr><td><a href="mailto:webmaster@example.org">webmaster</a></td></tr>
</table></body></html>
"""


async def test_folder_patterns_read_directory_links(up: FakeUpstream, ctx: SourceContext) -> None:
    up.add_page("/pub/source/", DIRECTORY_PAGE, "text/html;charset=ISO-8859-1")
    upstream = Upstream("html", "https://example.org/pub/source/", {"pattern": "v(.*)/"})

    releases = await html.fetch(upstream, ctx)

    assert versions(releases) == ["15.7", "16.2", "16.3", "17beta1"]
    assert find(releases, "16.3").url == "https://example.org/pub/source/v16.3/"
    assert find(releases, "16.2").date == utc(2024, 2, 5, 13, 59)


async def test_a_pattern_with_folders_is_matched_against_the_whole_path(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    page = '<a href="/dl/tool/tool-1.0.tar.gz">a</a> <a href="/dl/other/tool-9.0.tar.gz">b</a>'
    up.add_page("/dl/", page)
    upstream = Upstream(
        "html", "https://example.org/dl/", {"pattern": r"/dl/tool/tool-(.*)\.tar\.gz"}
    )

    releases = await html.fetch(upstream, ctx)

    assert versions(releases) == ["1.0"]
    assert releases[0].url == "https://example.org/dl/tool/tool-1.0.tar.gz"


async def test_a_page_shared_by_fifty_packages_is_fetched_and_parsed_once(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    names = [f"tool{i:02d}" for i in range(50)]
    links = "\n".join(
        f'<a href="{name}-{minor}.{patch}.tar.gz">{name}-{minor}.{patch}.tar.gz</a>'
        f"  2024-01-{minor + 1:02d} 10:00  1.0M"
        for name in names
        for minor in range(3)
        for patch in range(2)
    )
    up.add_page("/pub/mirror/", f"<html><body><pre>{links}</pre></body></html>")
    upstreams = [
        Upstream("html", "https://example.org/pub/mirror/", {"pattern": rf"{name}-(.*)\.tar\.gz"})
        for name in names
    ]

    results = await asyncio.gather(*(html.fetch(u, ctx) for u in upstreams))

    assert served(up, "/pub/mirror/") == 1
    assert len(ctx.shared) == 1
    for found in results:
        assert versions(found) == ["0.0", "0.1", "1.0", "1.1", "2.0", "2.1"]
    assert find(results[7], "2.1").url == "https://example.org/pub/mirror/tool07-2.1.tar.gz"
    # A second round in the same run asks nobody.
    await html.fetch(upstreams[0], ctx)
    assert served(up, "/pub/mirror/") == 1


async def test_regex_kind_matches_the_page_text_like_nvchecker(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    page = (
        "<html><body><h2>Download</h2><p>The current release is <b>foo 2.4.1</b>.</p>"
        "<p>Older: foo 2.3.0, foo 2.2.9 and again foo 2.4.1</p></body></html>"
    )
    up.add_page("/foo/download.html", page)
    url = "https://example.org/foo/download.html"
    as_regex_kind = Upstream("regex", url, {"pattern": r"foo ([\d.]+\d)"})
    as_nvchecker_config = Upstream(
        "html", url, {"regex": r"foo ([\d.]+\d)", "pattern": r"foo ([\d.]+\d)"}
    )

    assert versions(await html.fetch(as_regex_kind, ctx)) == ["2.4.1", "2.3.0", "2.2.9"]
    assert versions(await html.fetch(as_nvchecker_config, ctx)) == ["2.4.1", "2.3.0", "2.2.9"]
    assert served(up, "/foo/download.html") == 1


async def test_a_missing_listing_is_not_found(up: FakeUpstream, ctx: SourceContext) -> None:
    upstream = Upstream("html", "https://ftp.gnu.org/gnu/nosuch/", {"pattern": "x-(.*)"})

    with pytest.raises(UpstreamNotFound, match="nosuch"):
        await html.fetch(upstream, ctx)


@pytest.mark.parametrize(
    ("project", "options", "message"),
    [
        ("ftp://ftp.gnu.org/gnu/bc/", {"pattern": "bc-(.*)"}, "not an http"),
        ("https://ftp.gnu.org/gnu/bc/", {"pattern": "bc-("}, "bad pattern"),
        ("https://ftp.gnu.org/gnu/bc/", {}, "needs option 'pattern'"),
        ("https://ftp.gnu.org/gnu/bc/", {"pattern": "x", "match": "xpath"}, "match must be"),
    ],
)
async def test_bad_listing_configuration_is_a_config_error(
    ctx: SourceContext, project: str, options: dict[str, str], message: str
) -> None:
    with pytest.raises(UpstreamConfigError, match=message):
        await html.fetch(Upstream("html", project, options), ctx)


def test_literal_prefix_never_claims_more_than_every_match_starts_with() -> None:
    cases = {
        r"bc-(.*).tar.gz(.sig)?": "bc-",
        r"dvd\+rw-tools-(.*).tar.gz": "dvd+rw-tools-",
        r"^hello-(.*)": "hello-",
        r"lzo-(.*).tar..z(2)?": "lzo-",
        r"ab?c": "a",
        r"(?i)bc-(.*)": "",
        r"bc-1|libbc-(.*)": "",
        r"[bc]-(.*)": "",
        r"(.*)/": "",
    }
    for text, prefix in cases.items():
        assert html.literal_prefix(re.compile(text)) == prefix, text


# --------------------------------------------------------------------------- GNOME


async def test_gnome_cache_json_lists_every_version_with_its_tarball(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project("gnome", "glib", ["2.78.0", "2.78.4", "2.79.1", "2.80.0"], tar_gz=True)
    up.add_project("gnome", "gnome-shell", ["44.9", "45.0", "46.alpha", "46.0"])

    glib = await gnome.fetch(Upstream("gnome", "glib"), ctx)
    shell = await gnome.fetch(Upstream("gnome", "gnome-shell"), ctx)

    # 2.79.1 is a development release: telling so is the recommendation's job.
    assert versions(glib) == ["2.78.0", "2.78.4", "2.79.1", "2.80.0"]
    assert (
        find(glib, "2.80.0").url
        == "https://download.gnome.org/sources/glib/2.80/glib-2.80.0.tar.xz"
    )
    assert versions(shell) == ["44.9", "45.0", "46.alpha", "46.0"]
    assert (
        find(shell, "46.0").url
        == "https://download.gnome.org/sources/gnome-shell/46/gnome-shell-46.0.tar.xz"
    )
    assert served(up, "/sources/glib/cache.json") == 1


async def test_gnome_base_url_can_point_at_a_mirror(up: FakeUpstream) -> None:
    up.add_project("gnome", "pango", ["1.52.0"])
    async with Fetcher(FetchConfig(allow_private=True, max_retries=0)) as fetcher:
        mirror = SourceContext(fetcher, base_urls={"gnome": up.base_url("gnome")})
        releases = await gnome.fetch(Upstream("gnome", "pango"), mirror)

    assert releases[0].url == f"{up.url}/sources/pango/1.52/pango-1.52.0.tar.xz"


async def test_gnome_unknown_module_is_not_found(ctx: SourceContext) -> None:
    with pytest.raises(UpstreamNotFound, match="nosuch"):
        await gnome.fetch(Upstream("gnome", "nosuch"), ctx)


async def test_gnome_cache_json_of_another_shape_is_malformed(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_page("/sources/weird/cache.json", '{"versions": ["1.0"]}', "application/json")

    with pytest.raises(MalformedResponse, match=r"cache\.json"):
        await gnome.fetch(Upstream("gnome", "weird"), ctx)


# --------------------------------------------------------------------------- SourceForge


async def test_sourceforge_rss_gives_one_release_per_release_folder(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "sourceforge",
        "traceroute",
        [
            FakeRelease("2.0.22", date="2016-03-08T19:20:00"),
            FakeRelease("2.1.0", date="2016-07-18T18:17:44"),
            FakeRelease("2.1.0", filename="traceroute-2.1.0-win32.zip", date="2016-08-01T00:00:00"),
            FakeRelease("2.1.0", filename="README", date="2016-08-02T00:00:00"),
        ],
    )
    upstream = resolve_from_metadata(
        "traceroute", load_upstream_info(require_shared("upstream-info/traceroute.yaml"))
    )
    assert isinstance(upstream, Upstream) and upstream.options["path"] == "/traceroute"

    releases = await sourceforge.fetch(upstream, ctx)

    assert [r.tag for r in releases] == ["2.1.0", "2.0.22"]
    first = releases[0]
    assert first.date == datetime(2016, 7, 18, 18, 17, 44, tzinfo=UTC)  # the earliest upload
    assert first.url == (
        "https://sourceforge.net/projects/traceroute/files/traceroute/2.1.0/"
        "traceroute-2.1.0.tar.gz/download"
    )
    assert any(r.path == "/projects/traceroute/rss?path=/traceroute" for r in up.requests)


async def test_sourceforge_release_folders_named_like_openeuler_expects(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    feed = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>cunit</title>
<item><title><![CDATA[/CUnit/2.1-3/CUnit-2.1-3.tar.bz2]]></title>
<link>https://sourceforge.net/projects/cunit/files/CUnit/2.1-3/CUnit-2.1-3.tar.bz2/download</link>
<pubDate>Tue, 26 Apr 2014 10:21:03 UT</pubDate></item>
<item><title><![CDATA[/CUnit/2.1-3/CUnit-2.1-3-winlib.zip]]></title>
<link>https://sourceforge.net/projects/cunit/files/CUnit/2.1-3/CUnit-2.1-3-winlib.zip/download</link>
<pubDate>Tue, 26 Apr 2014 10:20:00 UT</pubDate></item>
<item><title><![CDATA[/CUnit/2.1-2/CUnit-2.1-2-src.tar.bz2]]></title>
<link>https://sourceforge.net/projects/cunit/files/CUnit/2.1-2/CUnit-2.1-2-src.tar.bz2/download</link>
<pubDate>Sun, 14 Oct 2010 22:00:00 UT</pubDate></item>
<item><title><![CDATA[/CUnit/CUnit-2.0-1.tar.gz]]></title>
<link>https://sourceforge.net/projects/cunit/files/CUnit/CUnit-2.0-1.tar.gz/download</link>
<pubDate>Sun, 01 Jan 2006 00:00:00 UT</pubDate></item>
<item><title><![CDATA[/CUnit/CUnit-2.0-1-win32.zip]]></title>
<link>https://sourceforge.net/projects/cunit/files/CUnit/CUnit-2.0-1-win32.zip/download</link>
<pubDate>Sun, 01 Jan 2006 00:00:00 UT</pubDate></item>
</channel></rss>"""
    up.add_page("/projects/cunit/rss", feed, "application/rss+xml; charset=utf-8")
    upstream = resolve_from_metadata(
        "CUnit", load_upstream_info(require_shared("upstream-info/CUnit.yaml"))
    )
    assert isinstance(upstream, Upstream)

    releases = await sourceforge.fetch(upstream, ctx)

    assert [r.tag for r in releases] == ["2.1-3", "2.1-2", "CUnit-2.0-1"]
    assert releases[0].date == datetime(2014, 4, 26, 10, 20, tzinfo=UTC)  # the earliest upload
    assert releases[0].url is not None and releases[0].url.endswith("CUnit-2.1-3.tar.bz2/download")
    # openEuler's separator "-" and the name rules turn the tags into versions.
    kept, _ = releases_for(releases, upstream, tags=sourceforge.TAGS)
    assert versions(kept) == ["2.1.3", "2.1.2", "2.0.1"]


async def test_sourceforge_pattern_reads_versions_from_file_names(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_project(
        "sourceforge",
        "atlas",
        [
            FakeRelease("3.10.2", filename="atlas3.10.2.tar.bz2"),
            FakeRelease("3.10.3", filename="atlas3.10.3.tar.bz2"),
            FakeRelease("3.10.3", filename="atlas3.10.3-doc.pdf"),
        ],
    )
    upstream = Upstream("sourceforge", "atlas", {"pattern": r"atlas(\d[\d.]*)\.tar\.bz2"})

    releases = await sourceforge.fetch(upstream, ctx)

    assert [(r.tag, r.version) for r in releases] == [("3.10.3", "3.10.3"), ("3.10.2", "3.10.2")]


async def test_sourceforge_unknown_project_is_not_found(ctx: SourceContext) -> None:
    with pytest.raises(UpstreamNotFound, match="nosuch"):
        await sourceforge.fetch(Upstream("sourceforge", "nosuch"), ctx)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


async def test_sourceforge_feed_declaring_entities_is_refused(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    feed = (
        BILLION_LAUGHS
        + "<rss><channel><item><title>/a/&lol9;.tar.gz</title></item></channel></rss>"
    )
    up.add_page("/projects/evil/rss", feed, "application/rss+xml")

    with pytest.raises(MalformedResponse, match="DOCTYPE"):
        await sourceforge.fetch(Upstream("sourceforge", "evil"), ctx)


# --------------------------------------------------------------------------- RPM repodata

OE_REPO = "openEuler-24.03-LTS/everything/x86_64"
OE_URL = f"https://repo.openeuler.org/{OE_REPO}/"


def add_openeuler_repo(up: FakeUpstream) -> None:
    up.add_project(
        "rpmrepo",
        OE_REPO,
        packages=[
            RpmPackage("bash", "0", "5.2.15", "1.oe2403", "x86_64"),
            RpmPackage("bash", "0", "5.2.15", "3.oe2403", "x86_64"),
            RpmPackage("bash", "0", "5.2.21", "1.oe2403", "x86_64"),
            RpmPackage("bash-devel", "0", "5.2.21", "1.oe2403", "x86_64"),
            RpmPackage("vim-enhanced", "2", "9.0.2092", "4.oe2403", "x86_64"),
            RpmPackage("vim-enhanced", "2", "9.0.2092", "4.oe2403", "src"),
            *(RpmPackage(f"filler{i}", "0", f"1.{i}", "1.oe2403", "noarch") for i in range(40)),
        ],
    )


async def test_rpm_repository_gz_primary_gives_versions_with_their_newest_build(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_openeuler_repo(up)

    bash = await rpmrepo.fetch(Upstream("rpmrepo", OE_URL, {"name": "bash"}), ctx)
    vim = await rpmrepo.fetch(
        Upstream("rpmrepo", OE_URL, rules=TagRules(package_name="vim-enhanced")), ctx
    )
    vim_src = await rpmrepo.fetch(
        Upstream("rpmrepo", OE_URL, {"name": "vim-enhanced", "arch": "src"}), ctx
    )

    assert [(r.version, r.tag) for r in bash] == [
        ("5.2.15", "5.2.15-3.oe2403"),
        ("5.2.21", "5.2.21-1.oe2403"),
    ]
    assert bash[1].url == f"{OE_URL}Packages/bash-5.2.21-1.oe2403.x86_64.rpm"
    assert bash[1].date == datetime.fromtimestamp(1700000000, UTC)
    assert [(r.version, r.tag) for r in vim] == [("9.0.2092", "2:9.0.2092-4.oe2403")]
    assert vim_src[0].url == f"{OE_URL}Packages/vim-enhanced-9.0.2092-4.oe2403.src.rpm"


async def test_rpm_repository_index_is_read_once_for_every_package(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_openeuler_repo(up)
    names = ["bash", "bash-devel", "vim-enhanced", *(f"filler{i}" for i in range(40))]

    results = await asyncio.gather(
        *(rpmrepo.fetch(Upstream("rpmrepo", OE_URL, {"name": n}), ctx) for n in names)
    )

    assert [versions(found)[-1] for found in results[3:]] == [f"1.{i}" for i in range(40)]
    repodata = [p for p in up.stats()["by_path"] if p.startswith(f"/{OE_REPO}/repodata/")]
    assert sorted(served(up, p) for p in repodata) == [1, 1]  # repomd.xml and the primary
    assert len(ctx.shared) == 1


async def test_rpm_repository_in_nvcheckers_spelling(up: FakeUpstream, ctx: SourceContext) -> None:
    add_openeuler_repo(up)

    found = await rpmrepo.fetch(Upstream("rpmrepo", "bash", {"repo": OE_URL.rstrip("/")}), ctx)

    assert versions(found) == ["5.2.15", "5.2.21"]


def primary_xml(packages: list[tuple[str, str, str, str, str, str | None]]) -> bytes:
    """A primary.xml with (name, epoch, ver, rel, arch, sourcerpm) entries."""
    entries = []
    for name, epoch, ver, rel, arch, source in packages:
        sourcerpm = f"<rpm:sourcerpm>{source}</rpm:sourcerpm>" if source else ""
        entries.append(
            f'<package type="rpm"><name>{name}</name><arch>{arch}</arch>'
            f'<version epoch="{epoch}" ver="{ver}" rel="{rel}"/>'
            f'<checksum type="sha256" pkgid="YES">00</checksum><summary>s</summary>'
            f'<time file="1710000000" build="1709990000"/>'
            f'<location href="Packages/{name[0]}/{name}-{ver}-{rel}.{arch}.rpm"/>'
            f"<format><rpm:license>MIT</rpm:license>{sourcerpm}<rpm:provides>"
            f'<rpm:entry name="{name}" flags="EQ" epoch="{epoch}" ver="{ver}" rel="{rel}"/>'
            f"</rpm:provides></format></package>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<metadata xmlns="http://linux.duke.edu/metadata/common" '
        f'xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="{len(entries)}">'
        + "".join(entries)
        + "</metadata>\n"
    ).encode()


def serve_repo(
    up: FakeUpstream, path: str, primary: bytes, suffix: str, *, checksum: str | None = None
) -> None:
    digest = checksum or hashlib.sha256(primary).hexdigest()
    location = f"repodata/{digest}-primary.xml{suffix}"
    repomd = f"""<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1710000000</revision>
  <data type="filelists"><location href="repodata/x-filelists.xml{suffix}"/></data>
  <data type="primary">
    <checksum type="sha256">{digest}</checksum>
    <location href="{location}"/>
    <size>{len(primary)}</size>
  </data>
</repomd>
"""
    up.add_page(f"{path}repodata/repomd.xml", repomd, "text/xml")
    up.add_page(f"{path}{location}", primary, "application/octet-stream")


FEDORA_PATH = "/pub/fedora/linux/releases/40/Everything/x86_64/os/"
FEDORA_URL = f"https://dl.fedoraproject.org{FEDORA_PATH}"
FEDORA_PACKAGES: list[tuple[str, str, str, str, str, str | None]] = [
    (
        "python3-requests",
        "0",
        "2.31.0",
        "4.fc40",
        "noarch",
        "python-requests-2.31.0-4.fc40.src.rpm",
    ),
    (
        "python3-requests+socks",
        "0",
        "2.31.0",
        "4.fc40",
        "noarch",
        "python-requests-2.31.0-4.fc40.src.rpm",
    ),
    (
        "python3-urllib3",
        "0",
        "1.26.18",
        "2.fc40",
        "noarch",
        "python-urllib3-1.26.18-2.fc40.src.rpm",
    ),
    ("kernel", "0", "6.8.5", "301.fc40", "x86_64", "kernel-6.8.5-301.fc40.src.rpm"),
]


async def test_rpm_repository_xz_primary_finds_source_packages_through_sourcerpm(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    serve_repo(up, FEDORA_PATH, lzma.compress(primary_xml(FEDORA_PACKAGES)), ".xz")

    requests = await rpmrepo.fetch(
        Upstream("rpmrepo", FEDORA_URL, {"name": "python-requests"}), ctx
    )
    binary = await rpmrepo.fetch(Upstream("rpmrepo", FEDORA_URL, {"name": "python3-urllib3"}), ctx)
    kernel = await rpmrepo.fetch(Upstream("rpmrepo", FEDORA_URL, {"name": "kernel"}), ctx)

    assert [(r.version, r.tag) for r in requests] == [("2.31.0", "2.31.0-4.fc40")]
    assert requests[0].date == datetime.fromtimestamp(1709990000, UTC)
    assert versions(binary) == ["1.26.18"]
    assert binary[0].url == f"{FEDORA_URL}Packages/p/python3-urllib3-1.26.18-2.fc40.noarch.rpm"
    assert versions(kernel) == ["6.8.5"]


async def test_rpm_repository_plain_and_multi_member_gzip_primaries(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    xml = primary_xml(FEDORA_PACKAGES)
    half = xml.index(b"<package", len(xml) // 2)
    serve_repo(up, "/plain/", xml, "")
    serve_repo(up, "/members/", gzip.compress(xml[:half]) + gzip.compress(xml[half:]), ".gz")

    for path in ("/plain/", "/members/"):
        found = await rpmrepo.fetch(
            Upstream("rpmrepo", f"https://example.org{path}", {"name": "kernel"}), ctx
        )
        assert versions(found) == ["6.8.5"], path


async def test_rpm_primary_that_does_not_match_its_checksum_is_refused(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    serve_repo(
        up, "/stale/", gzip.compress(primary_xml(FEDORA_PACKAGES)), ".gz", checksum="ab" * 32
    )

    with pytest.raises(MalformedResponse, match="checksum"):
        await rpmrepo.fetch(
            Upstream("rpmrepo", "https://example.org/stale/", {"name": "kernel"}), ctx
        )


async def test_rpm_primary_declaring_entities_is_refused(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    hostile = (
        BILLION_LAUGHS.replace("lolz", "metadata")
        + '<metadata xmlns="http://linux.duke.edu/metadata/common"><package><name>&lol9;</name>'
        + '<version epoch="0" ver="1" rel="1"/></package></metadata>'
    ).encode()
    serve_repo(up, "/evil/", gzip.compress(hostile), ".gz")

    with pytest.raises(MalformedResponse, match="DOCTYPE"):
        await rpmrepo.fetch(Upstream("rpmrepo", "https://example.org/evil/", {"name": "x"}), ctx)


async def test_rpm_repomd_declaring_entities_is_refused(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    up.add_page(
        "/evil2/repodata/repomd.xml", BILLION_LAUGHS + "<repomd>&lol9;</repomd>", "text/xml"
    )

    with pytest.raises(MalformedResponse, match="DOCTYPE"):
        await rpmrepo.fetch(Upstream("rpmrepo", "https://example.org/evil2/", {"name": "x"}), ctx)


async def test_rpm_zstd_primary_is_read_with_the_zstandard_module(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    packed = zstandard.ZstdCompressor().compress(primary_xml(FEDORA_PACKAGES))
    serve_repo(up, "/zst/", packed, ".zst")

    found = await rpmrepo.fetch(
        Upstream("rpmrepo", "https://example.org/zst/", {"name": "kernel"}), ctx
    )

    assert versions(found) == ["6.8.5"]


async def test_rpm_damaged_zstd_primary_is_a_malformed_response(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    packed = zstandard.ZstdCompressor().compress(b"<metadata>" * 1000)
    damaged = packed[:6] + bytes(b ^ 0x5A for b in packed[6:])
    serve_repo(up, "/zst/", damaged, ".zst")

    with pytest.raises(MalformedResponse, match="cannot decompress"):
        await rpmrepo.fetch(Upstream("rpmrepo", "https://example.org/zst/", {"name": "x"}), ctx)


async def test_rpm_repository_missing_or_without_the_package_is_not_found(
    up: FakeUpstream, ctx: SourceContext
) -> None:
    add_openeuler_repo(up)

    with pytest.raises(UpstreamNotFound, match="no RPM repository"):
        await rpmrepo.fetch(
            Upstream("rpmrepo", "https://repo.openeuler.org/nosuch/", {"name": "bash"}), ctx
        )
    with pytest.raises(UpstreamNotFound, match="'zsh'"):
        await rpmrepo.fetch(Upstream("rpmrepo", OE_URL, {"name": "zsh"}), ctx)


@pytest.mark.parametrize(
    ("project", "options", "message"),
    [
        ("bash", {}, "not an http"),
        ("file:///srv/repo", {"name": "bash"}, "not an http"),
        ("https://example.org/repo/", {}, "needs option 'name'"),
    ],
)
async def test_bad_rpm_repository_configuration_is_a_config_error(
    ctx: SourceContext, project: str, options: dict[str, str], message: str
) -> None:
    with pytest.raises(UpstreamConfigError, match=message):
        await rpmrepo.fetch(Upstream("rpmrepo", project, options), ctx)
