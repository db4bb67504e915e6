"""The fake upstream speaks each API with realistic shapes and protocol behaviour."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fakeupstream import FakeRelease, FakeUpstream, Faults, RpmPackage

TESTS_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=upstream.url, timeout=5) as session:
        yield session


def _links(response: httpx.Response) -> dict[str, str]:
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))
    }


# ---------------------------------------------------------------------------------------------
# Forges


def test_github_pagination_follows_link_to_the_end(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("github", "acme/tool", [f"v1.{i}.0" for i in range(130)])
    first = client.get("/repos/acme/tool/releases")
    assert first.status_code == 200
    assert len(first.json()) == 30  # GitHub's default page size
    links = _links(first)
    assert set(links) == {"next", "last"}
    project_id = upstream.project("github", "acme/tool").id
    assert f"/repositories/{project_id}/releases" in links["next"]
    seen = [r["tag_name"] for r in first.json()]
    url = links["next"]
    while url:
        page = client.get(url)
        seen += [r["tag_name"] for r in page.json()]
        url = _links(page).get("next", "")
    assert sorted(seen) == sorted(f"v1.{i}.0" for i in range(130))
    assert seen[0] == "v1.129.0"  # newest first
    big = client.get("/repos/acme/tool/tags", params={"per_page": 500})
    assert len(big.json()) == 100  # clamped to GitHub's maximum
    assert "per_page=100&page=2" in _links(big)["next"]


def test_github_release_and_tag_shapes(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project(
        "github",
        "acme/tool",
        [
            FakeRelease("v3.9.0", date="2024-01-01"),
            FakeRelease("v3.10.0", date="2024-02-01"),
            FakeRelease("v3.11.0rc1", date="2024-03-01", prerelease=True),
            FakeRelease("v3.11.0-draft", date="2024-03-02", draft=True),
            FakeRelease("old-branch-9.0", date="2019-01-01", tag_only=True),
        ],
    )
    releases = client.get("/repos/acme/tool/releases").json()
    assert [r["tag_name"] for r in releases] == ["v3.11.0rc1", "v3.10.0", "v3.9.0"]
    release = releases[0]
    for key in (
        "id",
        "html_url",
        "tag_name",
        "name",
        "draft",
        "prerelease",
        "created_at",
        "published_at",
        "tarball_url",
        "assets",
        "author",
    ):
        assert key in release
    assert release["prerelease"] is True
    assert release["published_at"] == "2024-03-01T00:00:00Z"
    authed = client.get("/repos/acme/tool/releases", headers={"Authorization": "token t"}).json()
    assert authed[0]["tag_name"] == "v3.11.0-draft" and authed[0]["draft"] is True
    tags = [t["name"] for t in client.get("/repos/acme/tool/tags").json()]
    # github.com sorts tag names descending as strings, so v3.9 comes before v3.10.
    assert tags == ["v3.9.0", "v3.11.0rc1", "v3.10.0", "old-branch-9.0"]
    tag = client.get("/repos/acme/tool/tags").json()[0]
    assert set(tag) >= {"name", "zipball_url", "tarball_url", "commit", "node_id"}
    assert len(tag["commit"]["sha"]) == 40
    refs = client.get("/repos/acme/tool/git/refs/tags").json()
    assert refs[0]["ref"].startswith("refs/tags/") and refs[0]["object"]["type"] == "commit"
    latest = client.get("/repos/acme/tool/releases/latest").json()
    assert latest["tag_name"] == "v3.10.0"
    # Enterprise prefix and case-insensitive owner/repo.
    enterprise = client.get("/api/v3/repos/ACME/Tool/releases", params={"per_page": 1})
    assert enterprise.status_code == 200
    assert "/api/v3/repositories/" in _links(enterprise)["next"]
    missing = client.get("/repos/acme/nope/releases")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"


def test_gitlab_tags_pagination_headers_and_encoded_path(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("gitlab", "group/sub/proj", [f"v2.{i}" for i in range(45)])
    first = client.get("/api/v4/projects/group%2Fsub%2Fproj/repository/tags")
    assert first.status_code == 200
    assert len(first.json()) == 20
    assert first.headers["X-Total"] == "45"
    assert first.headers["X-Total-Pages"] == "3"
    assert first.headers["X-Next-Page"] == "2"
    assert first.headers["X-Per-Page"] == "20"
    names = [t["name"] for t in first.json()]
    url = _links(first).get("next")
    while url:
        assert "group%2Fsub%2Fproj" in url
        page = client.get(url)
        names += [t["name"] for t in page.json()]
        url = _links(page).get("next")
    assert len(names) == 45 and names[0] == "v2.44"
    assert page.headers["X-Next-Page"] == ""
    tag = first.json()[0]
    assert set(tag) >= {"name", "message", "target", "commit", "release", "protected"}
    assert set(tag["commit"]) >= {"id", "short_id", "created_at", "committed_date", "web_url"}
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", tag["commit"]["created_at"]
    )
    by_id = client.get(
        f"/api/v4/projects/{upstream.project('gitlab', 'group/sub/proj').id}/releases"
    )
    assert by_id.status_code == 200
    release = by_id.json()[0]
    assert set(release) >= {"name", "tag_name", "released_at", "assets", "_links", "commit"}
    assert release["assets"]["sources"][0]["format"] == "zip"
    assert "RateLimit-Remaining" in by_id.headers
    unencoded = client.get("/api/v4/projects/group/sub/proj/repository/tags")
    assert unencoded.status_code == 404
    assert unencoded.json() == {"message": "404 Project Not Found"}


def test_gitee_and_gitea_shapes(upstream: FakeUpstream, client: httpx.Client) -> None:
    releases = [FakeRelease(f"v{i}.0", date=f"2024-0{i}-01T00:00:00Z") for i in range(1, 6)]
    upstream.add_project("gitee", "openeuler/kernel", releases)
    upstream.add_project("gitea", "forgejo/forgejo", releases)
    gitee = client.get("/api/v5/repos/openeuler/kernel/tags", params={"per_page": 2})
    assert gitee.headers["total_count"] == "5" and gitee.headers["total_page"] == "3"
    tag = gitee.json()[0]
    assert tag["name"] == "v1.0"  # oldest first
    assert tag["commit"]["date"] == "2024-01-01T08:00:00+08:00"
    gitee_latest = client.get("/api/v5/repos/openeuler/kernel/releases/latest").json()
    assert gitee_latest["tag_name"] == "v5.0" and "prerelease" in gitee_latest
    gitea = client.get("/api/v1/repos/forgejo/forgejo/tags", params={"limit": 2})
    assert gitea.headers["X-Total-Count"] == "5"
    assert [t["name"] for t in gitea.json()] == ["v5.0", "v4.0"]
    assert set(gitea.json()[0]["commit"]) == {"url", "sha", "created"}
    assert "limit=2" in _links(gitea)["next"]
    gitea_releases = client.get("/api/v1/repos/forgejo/forgejo/releases").json()
    assert set(gitea_releases[0]) >= {"tag_name", "draft", "prerelease", "published_at"}


# ---------------------------------------------------------------------------------------------
# Registries


def test_pypi_json_document(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project(
        "pypi",
        "Foo.Bar",
        [
            FakeRelease("1.0", date="2023-01-01"),
            FakeRelease("1.1", date="2023-06-01"),
            FakeRelease("2.0", date="2024-01-01", yanked=True),
            FakeRelease("2.1b1", date="2024-02-01"),
        ],
    )
    doc = client.get("/pypi/foo-bar/json").json()
    assert client.get("/pypi/Foo_Bar/json").json() == doc  # any spelling that normalises
    assert doc["info"]["version"] == "1.1"  # newest stable, not yanked
    assert doc["info"]["name"] == "Foo.Bar"
    assert set(doc["releases"]) == {"1.0", "1.1", "2.0", "2.1b1"}
    sdist = doc["releases"]["2.0"][0]
    assert sdist["yanked"] is True and sdist["yanked_reason"]
    assert sdist["upload_time_iso_8601"] == "2024-01-01T00:00:00.000000Z"
    assert sdist["filename"] == "foo_bar-2.0.tar.gz"
    assert set(sdist["digests"]) == {"blake2b_256", "md5", "sha256"}
    assert doc["urls"] == doc["releases"]["1.1"]
    assert client.get("/pypi/nothing/json").status_code == 404


def test_npm_document_abbreviated_scoped_and_range(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project(
        "npm",
        "@types/node",
        [
            FakeRelease("20.0.0", date="2024-01-01"),
            FakeRelease("21.0.0-beta.1", date="2024-02-01"),
            FakeRelease("18.19.0", date="2024-03-01", yanked=True),
        ],
    )
    doc = client.get("/npm/@types%2Fnode").json()
    assert doc["name"] == "@types/node"
    # "latest" follows publish order: the 18.x backport published last took it.
    assert doc["dist-tags"] == {"latest": "18.19.0"}
    assert doc["time"]["20.0.0"] == "2024-01-01T00:00:00.000Z"
    assert {"created", "modified"} <= set(doc["time"])
    assert doc["versions"]["18.19.0"]["deprecated"]
    assert doc["versions"]["20.0.0"]["dist"]["tarball"].endswith("/node-20.0.0.tgz")
    assert client.get("/npm/@types/node").json() == doc
    corgi = client.get(
        "/npm/@types%2Fnode", headers={"Accept": "application/vnd.npm.install-v1+json"}
    )
    assert corgi.headers["Content-Type"].startswith("application/vnd.npm.install-v1+json")
    assert "time" not in corgi.json() and "modified" in corgi.json()
    ranged = client.get("/npm/@types/node", headers={"Range": "bytes=0-1023"})
    assert ranged.status_code == 206
    assert len(ranged.content) == 1024
    assert ranged.headers["Content-Range"].startswith("bytes 0-1023/")
    assert re.search(rb'"dist-tags":(\{.*?\})', ranged.content)


def test_crates_rubygems_hackage_metacpan(upstream: FakeUpstream, client: httpx.Client) -> None:
    releases = [
        FakeRelease("1.0.0", date="2023-01-01"),
        FakeRelease("1.1.0", date="2023-05-01", yanked=True),
        FakeRelease("2.0.0-rc.1", date="2024-01-01", prerelease=True),
    ]
    for kind in ("crates", "rubygems", "hackage", "metacpan"):
        upstream.add_project(kind, "thing", releases)
    crate = client.get("/api/v1/crates/thing").json()
    assert [v["num"] for v in crate["versions"]] == ["2.0.0-rc.1", "1.1.0", "1.0.0"]
    assert [v["yanked"] for v in crate["versions"]] == [False, True, False]
    assert crate["versions"][0]["created_at"].endswith("+00:00")
    assert crate["crate"]["max_stable_version"] == "1.0.0"
    assert client.get("/api/v1/crates/thing", headers={"User-Agent": ""}).status_code == 403
    gems = client.get("/api/v1/versions/thing.json").json()
    assert [g["number"] for g in gems] == ["2.0.0-rc.1", "1.0.0"]  # yanked gems vanish
    assert gems[0]["prerelease"] is True and gems[0]["created_at"].endswith("Z")
    assert client.get("/api/v1/gems/thing.json").json()["version"] == "1.0.0"
    preferred = client.get("/package/thing/preferred", headers={"Accept": "application/json"})
    assert preferred.json() == {
        "normal-version": ["2.0.0-rc.1", "1.0.0"],
        "deprecated-version": ["1.1.0"],
    }
    assert client.get("/package/thing-1.0.0/upload-time").text.startswith("Sun Jan  1")
    release = client.get("/v1/release/thing").json()
    assert release["version"] == "1.0.0" and release["status"] == "latest"
    assert release["distribution"] == "thing" and release["maturity"] == "released"
    assert client.get("/release/thing").json() == release
    search = client.get(
        "/v1/release/_search", params={"q": "distribution:thing", "size": 2, "sort": "date:desc"}
    ).json()
    assert search["hits"]["total"] == 3
    assert [h["_source"]["version"] for h in search["hits"]["hits"]] == ["2.0.0-rc.1", "1.1.0"]
    assert search["hits"]["hits"][0]["_source"]["maturity"] == "developer"
    posted = client.post(
        "/v1/release/_search",
        json={
            "query": {"bool": {"must": [{"term": {"distribution": "thing"}}]}},
            "size": 10,
            "_source": ["version", "status"],
        },
    ).json()
    assert {h["_source"]["status"] for h in posted["hits"]["hits"]} == {"latest", "backpan", "cpan"}
    assert set(posted["hits"]["hits"][0]["_source"]) == {"version", "status"}


def test_maven_metadata(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project(
        "maven", "org.apache.commons:commons-lang3", ["3.12.0", "3.13.0", "3.14.0-SNAPSHOT"]
    )
    xml = client.get("/maven2/org/apache/commons/commons-lang3/maven-metadata.xml")
    root = ET.fromstring(xml.content)
    assert root.findtext("groupId") == "org.apache.commons"
    assert root.findtext("versioning/release") == "3.13.0"
    assert root.findtext("versioning/latest") == "3.14.0-SNAPSHOT"
    assert [v.text for v in root.findall("versioning/versions/version")] == [
        "3.12.0",
        "3.13.0",
        "3.14.0-SNAPSHOT",
    ]


# ---------------------------------------------------------------------------------------------
# Listings


def test_gnome_cache_json_is_the_four_element_array(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("gnome", "glib", ["2.78.0", "2.79.1", "2.80.0"])
    version, info, versions, ignored = client.get("/sources/glib/cache.json").json()
    assert version == 1
    assert versions == {"glib": ["2.78.0", "2.79.1", "2.80.0"]}
    assert info["glib"]["2.80.0"]["tar.xz"] == "2.80/glib-2.80.0.tar.xz"
    assert set(info["glib"]["2.80.0"]) >= {"tar.xz", "sha256sum", "news", "changes"}
    assert ignored == ["LATEST-IS-2.80.0"]
    assert 'href="2.79/"' in client.get("/sources/glib/").text


def test_sourceforge_rss(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("sourceforge", "netpbm", ["10.86.40", "11.02.00"])
    rss = client.get("/projects/netpbm/rss", params={"path": "/"})
    channel = ET.fromstring(rss.content).find("channel")
    assert channel is not None
    titles = [item.findtext("title") for item in channel.findall("item")]
    assert titles == [
        "/netpbm/11.02.00/netpbm-11.02.00.tar.gz",
        "/netpbm/10.86.40/netpbm-10.86.40.tar.gz",
    ]
    assert (channel.findall("item")[0].findtext("pubDate") or "").endswith(" UT")
    only = client.get("/projects/netpbm/rss", params={"path": "/netpbm/10"})
    assert only.text.count("<item>") == 1


def test_html_listings_gnu_and_kernel_styles(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("html", "gnu/bash", ["5.1", "5.2"])
    upstream.add_project(
        "html",
        "pub/linux/kernel/v6.x",
        ["6.1", "6.6"],
        style="kernel",
        basename="linux",
        template="{base}-{version}.tar.xz",
        suffixes=[".tar.sign"],
        subdirs=["incr"],
    )
    gnu = client.get("/gnu/bash/")
    assert "<title>Index of /gnu/bash</title>" in gnu.text
    assert re.findall(r'<a href="(bash-[^"]+)"', gnu.text) == [
        "bash-5.1.tar.gz",
        "bash-5.1.tar.gz.sig",
        "bash-5.2.tar.gz",
        "bash-5.2.tar.gz.sig",
    ]
    kernel = client.get("/pub/linux/kernel/v6.x/")
    assert '<a href="linux-6.6.tar.xz">linux-6.6.tar.xz</a>' in kernel.text
    assert '<a href="incr/">' in kernel.text
    moved = client.get("/gnu/bash", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == "/gnu/bash/"


def test_rpm_repodata_round_trip_and_update(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project(
        "rpmrepo",
        "openEuler-24.03/everything/x86_64",
        packages=[
            ("bash", "0", "5.2.15", "1.oe2403", "x86_64"),
            RpmPackage("zlib", "1", "1.3", "2.oe2403", "x86_64"),
        ],
    )
    ns = {
        "repo": "http://linux.duke.edu/metadata/repo",
        "common": "http://linux.duke.edu/metadata/common",
    }

    def packages() -> tuple[str, dict[str, tuple[str, str, str]]]:
        repomd = ET.fromstring(
            client.get("/openEuler-24.03/everything/x86_64/repodata/repomd.xml").content
        )
        location = repomd.find("repo:data[@type='primary']/repo:location", ns)
        assert location is not None
        href = location.get("href", "")
        primary = client.get(f"/openEuler-24.03/everything/x86_64/{href}")
        assert primary.status_code == 200
        root = ET.fromstring(gzip.decompress(primary.content))
        found = {}
        for pkg in root.findall("common:package", ns):
            v = pkg.find("common:version", ns)
            assert v is not None
            found[pkg.findtext("common:name", namespaces=ns) or ""] = (
                v.get("epoch", ""),
                v.get("ver", ""),
                v.get("rel", ""),
            )
        return href, found

    href, found = packages()
    assert found == {"bash": ("0", "5.2.15", "1.oe2403"), "zlib": ("1", "1.3", "2.oe2403")}
    upstream.release(
        "rpmrepo",
        "openEuler-24.03/everything/x86_64",
        RpmPackage("bash", "0", "5.2.21", "1.oe2403", "x86_64"),
    )
    new_href, found = packages()
    assert found["bash"] == ("0", "5.2.21", "1.oe2403")
    assert new_href != href
    assert client.get(f"/openEuler-24.03/everything/x86_64/{href}").status_code == 404


# ---------------------------------------------------------------------------------------------
# Protocol behaviour


def test_etag_and_last_modified_answer_304(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("pypi", "demo", ["1.0"])
    first = client.get("/pypi/demo/json")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get("/pypi/demo/json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert (
        client.get("/pypi/demo/json", headers={"If-None-Match": f'"x", W/{etag}'}).status_code
        == 304
    )
    assert client.get("/pypi/demo/json", headers={"If-Modified-Since": modified}).status_code == 304
    # If-None-Match wins over If-Modified-Since.
    both = client.get(
        "/pypi/demo/json", headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}
    )
    assert both.status_code == 200
    stats = upstream.stats()
    assert stats["not_modified"] == 3 and stats["ok"] == 2
    assert stats["bytes"] == 2 * len(first.content)


def test_mutation_is_visible_on_next_request(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("github", "acme/tool", ["v1.0"])
    first = client.get("/repos/acme/tool/tags")
    upstream.release("github", "acme/tool", FakeRelease("v1.1"))
    second = client.get("/repos/acme/tool/tags", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert {t["name"] for t in second.json()} == {"v1.0", "v1.1"}
    assert second.headers["Last-Modified"] != first.headers["Last-Modified"]
    stale = client.get(
        "/repos/acme/tool/tags", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert stale.status_code == 200


def test_github_quota_exhaustion_answers_403_and_304s_are_free(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("github", "acme/tool", ["v1.0"])
    upstream.set_quota("github", 3, window=0.6)
    first = client.get("/repos/acme/tool/tags")
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    assert first.headers["X-RateLimit-Used"] == "1"
    assert first.headers["X-RateLimit-Resource"] == "core"
    reset = int(first.headers["X-RateLimit-Reset"])
    assert time.time() - 1 <= reset <= time.time() + 2
    for _ in range(3):
        cached = client.get(
            "/repos/acme/tool/tags", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert cached.status_code == 304
    assert cached.headers["X-RateLimit-Remaining"] == "2"
    client.get("/repos/acme/tool/releases")
    client.get("/repos/acme/missing/tags")  # a 404 counts too
    refused = client.get("/repos/acme/tool/tags")
    assert refused.status_code == 403
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.json()["message"].startswith("API rate limit exceeded")
    assert "documentation_url" in refused.json()
    assert upstream.stats()["quotas"]["github"]["refused"] == 1
    assert client.get("/rate_limit").json()["resources"]["core"]["remaining"] == 0
    time.sleep(0.7)
    assert client.get("/repos/acme/tool/tags").status_code == 200


def test_gitlab_quota_answers_429_with_retry_after(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("gitlab", "g/p", ["v1"])
    upstream.set_quota("gitlab", 1, window=30)
    ok = client.get("/api/v4/projects/g%2Fp/repository/tags")
    assert ok.headers["RateLimit-Limit"] == "1" and ok.headers["RateLimit-Remaining"] == "0"
    assert "RateLimit-ResetTime" in ok.headers and "RateLimit-Observed" in ok.headers
    refused = client.get("/api/v4/projects/g%2Fp/repository/tags")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 30


def test_status_faults_then_ok_and_429_retry_after(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("pypi", "flaky", ["1.0"], faults=Faults(status=503, times=2))
    upstream.add_project("npm", "busy", ["1.0"], faults=Faults(status=429, retry_after=7))
    assert [client.get("/pypi/flaky/json").status_code for _ in range(4)] == [503, 503, 200, 200]
    busy = client.get("/npm/busy")
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "7"
    assert upstream.stats()["faults"]["status"] == 3


def test_huge_and_malformed_bodies(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("crates", "big", ["1.0.0"], faults=Faults(huge_mb=2))
    upstream.add_project(
        "crates", "chunked", ["1.0.0"], faults=Faults(huge_mb=1, huge_length=False)
    )
    upstream.add_project("crates", "broken", ["1.0.0"], faults=Faults(malformed=True))
    big = client.get("/api/v1/crates/big")
    assert big.headers["Content-Length"] == str(2 * 1024 * 1024)
    assert len(big.content) == 2 * 1024 * 1024
    assert isinstance(json.loads(big.content), list)
    with client.stream("GET", "/api/v1/crates/chunked") as streamed:
        assert "Content-Length" not in streamed.headers
        assert sum(len(c) for c in streamed.iter_bytes()) == 1024 * 1024
    broken = client.get("/api/v1/crates/broken")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    assert upstream.stats()["by_kind"]["crates"]["bytes"] >= 3 * 1024 * 1024


def test_hang_latency_and_redirect(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("pypi", "stuck", ["1.0"], faults=Faults(hang=True))
    upstream.add_project("pypi", "slow", ["1.0"], faults=Faults(latency=0.2))
    upstream.add_project(
        "pypi", "moved", ["1.0"], faults=Faults(redirect="http://10.1.2.3/pypi/moved/json")
    )
    with pytest.raises(httpx.ReadTimeout):
        client.get("/pypi/stuck/json", timeout=0.2)
    upstream.add_project("pypi", "stalls", ["1.0"], faults=Faults(hang_body=True))
    with (
        pytest.raises(httpx.ReadTimeout),
        client.stream("GET", "/pypi/stalls/json", timeout=0.2) as r,
    ):
        assert r.status_code == 200 and int(r.headers["Content-Length"]) > 0
        r.read()
    started = time.monotonic()
    assert client.get("/pypi/slow/json").status_code == 200
    assert time.monotonic() - started >= 0.2
    moved = client.get("/pypi/moved/json", follow_redirects=False)
    assert (
        moved.status_code == 302 and moved.headers["Location"] == "http://10.1.2.3/pypi/moved/json"
    )
    upstream.set_faults(
        Faults(redirect="/pypi/slow/json", redirect_status=301), path="/pypi/moved/json"
    )
    assert (
        client.get("/pypi/moved/json", follow_redirects=False).headers["Location"]
        == "/pypi/slow/json"
    )


def test_fault_rates_pick_the_same_urls_every_time(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    for i in range(60):
        upstream.add_project("pypi", f"p{i}", ["1.0"])
    upstream.set_faults(Faults(error_rate=0.3, seed=7))

    def failing() -> set[int]:
        return {i for i in range(60) if client.get(f"/pypi/p{i}/json").status_code == 503}

    first = failing()
    assert 8 <= len(first) <= 30
    assert failing() == first
    upstream.set_faults(Faults(error_rate=0.3, seed=8))
    assert failing() != first
    upstream.set_faults(Faults(error_rate=0.3, seed=7, error_times=1))
    upstream.reset()
    assert failing() == first
    assert failing() == set()  # selected URLs failed once, then recovered


def test_stats_endpoint_reset_and_request_log(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.add_project("gnome", "gtk", ["4.12.0"])
    client.get("/sources/gtk/cache.json", headers={"Authorization": "token secret"})
    client.get("/sources/nothing/cache.json")
    stats = client.get("/_stats", params={"paths": 1}).json()
    assert stats["requests"] == 2 and stats["errors"] == 1
    assert stats["by_kind"]["gnome"]["requests"] == 2
    assert stats["by_path"]["/sources/gtk/cache.json"] == 1
    assert stats["by_status"] == {"200": 1, "404": 1}
    assert upstream.requests[0].headers["Authorization"] == "token secret"
    assert client.post("/_reset").json() == {"reset": True}
    assert upstream.stats()["requests"] == 0 and upstream.requests == []


def test_seed_document_and_admin_endpoints(
    upstream: FakeUpstream, client: httpx.Client, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "settings": {"github_quota": 50},
                "projects": [
                    {
                        "kind": "github",
                        "name": "o/r",
                        "releases": ["v1", {"tag": "v2", "prerelease": True}],
                    },
                    {
                        "kind": "pypi",
                        "name": "x",
                        "releases": ["0.1"],
                        "faults": {"status": 500, "times": 1},
                    },
                ],
                "pages": [
                    {"path": "/downloads/index.html", "body": "<a href='x-1.0.tar.gz'>x</a>"}
                ],
            }
        )
    )
    upstream.seed_from_json(seed)
    assert client.get("/repos/o/r/releases").headers["X-RateLimit-Limit"] == "50"
    assert client.get("/pypi/x/json").status_code == 500
    assert client.get("/downloads/index.html").text == "<a href='x-1.0.tar.gz'>x</a>"
    client.post("/_release", json={"kind": "pypi", "name": "x", "releases": ["0.2"]})
    assert client.get("/pypi/x/json").json()["info"]["version"] == "0.2"
    client.post("/_faults", json={"kind": "pypi", "name": "x", "faults": {"status": 502}})
    assert client.get("/pypi/x/json").status_code == 502
    client.post("/_quota", json={"kind": "github", "limit": None})
    assert client.get("/repos/o/r/tags").headers["X-RateLimit-Limit"] == "5000"
    assert (
        client.post("/_seed", json={"projects": [{"kind": "npm", "name": "y"}]}).status_code == 200
    )
    assert client.get("/npm/y").status_code == 200
    assert client.post("/_release", json={"kind": "npm"}).status_code == 400
    assert upstream.stats()["requests"] == 7  # admin calls are not counted


def test_async_mode_in_a_running_loop() -> None:
    async def scenario() -> list[str]:
        async with FakeUpstream() as up:
            up.add_project("crates", "serde", ["1.0.0", "1.0.1"])
            async with httpx.AsyncClient(base_url=up.url) as session:
                answers = await asyncio.gather(
                    *(session.get("/api/v1/crates/serde") for _ in range(5))
                )
            return [a.json()["versions"][0]["num"] for a in answers]

    assert asyncio.run(scenario()) == ["1.0.1"] * 5


@pytest.mark.parametrize("how", ["script", "module"])
def test_command_line_serves_a_seed(how: str, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps({"projects": [{"kind": "rubygems", "name": "rake", "releases": ["13.1.0"]}]})
    )
    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
    command = (
        [sys.executable, str(TESTS_DIR / "fakeupstream" / "__main__.py")]
        if how == "script"
        else [sys.executable, "-m", "fakeupstream"]
    )
    process = subprocess.Popen(
        [*command, "--seed", str(seed)], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert httpx.get(f"{url}/api/v1/versions/rake.json").json()[0]["number"] == "13.1.0"
    finally:
        process.terminate()
        assert process.wait(10) == 0


def test_refuses_non_loopback_bind() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeUpstream(host="0.0.0.0")


def test_latency_max_spreads_each_responses_delay_between_the_bounds(
    upstream: FakeUpstream, client: httpx.Client
) -> None:
    upstream.add_project("pypi", "varied", ["1.0"], faults=Faults(latency=0.05, latency_max=0.15))
    delays = []
    for _ in range(6):
        started = time.monotonic()
        assert client.get("/pypi/varied/json").status_code == 200
        delays.append(time.monotonic() - started)
    assert min(delays) >= 0.05
    assert max(delays) - min(delays) > 0.005  # drawn, not one fixed delay
