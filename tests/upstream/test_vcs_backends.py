"""The git, svn and hg backends against real repositories the tests build on disk.

Each repository carries the traps real projects have: a hundred and more tags, prefixes
(``release-``, ``gopls/v``, ``gmp-``), pre-releases, a non-ASCII tag name, branches named
like versions (never tags) and files in the tags folder (never tags). Networked cases use
servers on 127.0.0.1 only: ``hg serve`` for hgweb, and a socket that accepts connections
and never answers, for timeouts.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from steward.upstream.fetch import FetchConfig, Fetcher
from steward.upstream.sources import _vcs, git, hg, svn
from steward.upstream.sources._vcs import (
    VcsError,
    VcsOutputTooLarge,
    VcsTimeout,
    VcsUrlRefused,
)
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

pytestmark = pytest.mark.anyio


# --------------------------------------------------------------------------- helpers


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def tool_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for building the repositories (not for the code under test)."""
    home = tmp_path_factory.mktemp("home")
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LC_ALL": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Upstream",
        "GIT_AUTHOR_EMAIL": "upstream@example.org",
        "GIT_COMMITTER_NAME": "Upstream",
        "GIT_COMMITTER_EMAIL": "upstream@example.org",
        "HGUSER": "Upstream <upstream@example.org>",
        "HGPLAIN": "1",
        "HGRCPATH": "",
        "HGENCODING": "utf-8",
    }


def sh(env: dict[str, str], *argv: str, cwd: Path | None = None, stdin: str = "") -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{argv}: {done.stderr}"
    return done.stdout


@asynccontextmanager
async def source_context(
    *, timeout: float = 30.0, allowed_hosts: frozenset[str] = frozenset({"127.0.0.1"})
) -> AsyncIterator[SourceContext]:
    """A context whose fetcher (and so whose guard) permits loopback, as the tests need."""
    config = FetchConfig(allowed_hosts=allowed_hosts, max_retries=0, total_timeout=10.0)
    async with Fetcher(config) as fetcher:
        yield SourceContext(fetcher=fetcher, vcs_timeout=timeout)


async def releases_of(
    backend: ModuleType, project: str, ctx: SourceContext | None = None, **options: str
) -> list[Release]:
    upstream = Upstream(kind=backend.KIND, project=project, options=options)
    if ctx is not None:
        result: list[Release] = await backend.fetch(upstream, ctx)
        return result
    async with source_context() as fresh:
        result = await backend.fetch(upstream, fresh)
        return result


def tag_dates(releases: list[Release]) -> dict[str, datetime | None]:
    assert all(r.version == r.tag and r.url is None for r in releases)
    assert len({r.tag for r in releases}) == len(releases), "a tag is listed twice"
    return {r.tag: r.date for r in releases}


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain ``text`` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(cmdline)
    return found


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


# --------------------------------------------------------------------------- git

GIT_BULK_TAGS = {f"2.{minor}.{patch}" for minor in range(40) for patch in range(3)}
GIT_TRAP_TAGS = {
    "v1.2.3",  # annotated
    "release-1.3.0",
    "1.4.0-rc1",
    "gopls/v0.14.2",
    "ünïcode-2.0",
    "v3.0.0-final",  # annotated
}
GIT_TAGS = GIT_BULK_TAGS | GIT_TRAP_TAGS


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str]) -> Path:
    repo = tmp_path_factory.mktemp("git") / "upstream"
    sh(tool_env, "git", "init", "-q", "-b", "main", str(repo))
    (repo / "README").write_text("first\n")
    sh(tool_env, "git", "add", "README", cwd=repo)
    sh(tool_env, "git", "commit", "-q", "-m", "first", cwd=repo)
    head = sh(tool_env, "git", "rev-parse", "HEAD", cwd=repo).strip()
    # One git process for the 120 lightweight tags instead of 120.
    lightweight = sorted(GIT_BULK_TAGS | GIT_TRAP_TAGS - {"v1.2.3", "v3.0.0-final"})
    sh(
        tool_env,
        "git",
        "update-ref",
        "--stdin",
        cwd=repo,
        stdin="".join(f"create refs/tags/{tag} {head}\n" for tag in lightweight),
    )
    for annotated in ("v1.2.3", "v3.0.0-final"):
        sh(tool_env, "git", "tag", "-a", annotated, "-m", f"release {annotated}", cwd=repo)
    # Branches named like versions, newer than every tag: they must never be releases.
    for branch in ("v9.9.9", "10.0.0", "release-11.0"):
        sh(tool_env, "git", "branch", branch, cwd=repo)
    return repo


async def test_git_lists_every_tag_and_nothing_else(git_repo: Path) -> None:
    releases = await releases_of(git, git_repo.as_uri())
    assert set(tag_dates(releases)) == GIT_TAGS
    assert len(releases) == 126


async def test_git_reads_an_absolute_path_like_a_file_url(git_repo: Path) -> None:
    by_path = await releases_of(git, str(git_repo))
    assert {r.tag for r in by_path} == GIT_TAGS


async def test_git_releases_carry_no_date_because_ls_remote_gives_none(git_repo: Path) -> None:
    releases = await releases_of(git, git_repo.as_uri())
    assert {r.date for r in releases} == {None}


def test_git_peeled_lines_of_annotated_tags_are_folded_into_their_tag() -> None:
    output = (
        "1111\trefs/tags/v1.0\n"
        "2222\trefs/tags/v1.0^{}\n"
        "3333\trefs/heads/v2.0\n"
        "4444\trefs/pull/7/head\n"
        "5555\trefs/tags/gopls/v0.14.2\n"
    )
    assert git.tags_from_ls_remote(output) == ["v1.0", "gopls/v0.14.2"]


async def test_git_missing_repository_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(UpstreamNotFound, match="does not appear to be a git repository"):
        await releases_of(git, (tmp_path / "nothing-here").as_uri())


async def test_git_ignores_the_users_git_configuration(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user config that rewrites the URL to a missing repository would make this fail.
    config = tmp_path / "gitconfig"
    config.write_text(f'[url "{(tmp_path / "elsewhere").as_uri()}"]\n\tinsteadOf = file://\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".gitconfig").write_text(config.read_text())
    releases = await releases_of(git, git_repo.as_uri())
    assert {r.tag for r in releases} == GIT_TAGS


async def test_git_http_server_that_never_answers_times_out_and_leaves_no_process(
    silent_server: int,
) -> None:
    url = f"http://127.0.0.1:{silent_server}/project.git"
    started = time.monotonic()
    async with source_context(timeout=1.0) as ctx:
        with pytest.raises(VcsTimeout, match=r"did not finish within 1 s"):
            await releases_of(git, url, ctx)
    assert time.monotonic() - started < 5
    # git's helper (git-remote-http) runs in the same process group and was killed too.
    leftover = processes_mentioning(f"127.0.0.1:{silent_server}")
    assert not leftover, f"still running: {leftover}"


async def test_git_cancelled_check_kills_its_processes(silent_server: int) -> None:
    url = f"http://127.0.0.1:{silent_server}/project.git"
    async with source_context(timeout=30.0) as ctx:
        task = asyncio.ensure_future(releases_of(git, url, ctx))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    leftover = processes_mentioning(f"127.0.0.1:{silent_server}")
    assert not leftover, f"still running: {leftover}"


async def test_git_error_messages_do_not_show_passwords(silent_server: int) -> None:
    # The server closes nothing and answers nothing; the timeout message names the URL.
    url = f"http://bot:s3cret@127.0.0.1:{silent_server}/project.git"
    async with source_context(timeout=0.5) as ctx:
        with pytest.raises(VcsTimeout) as caught:
            await releases_of(git, url, ctx)
    assert "s3cret" not in str(caught.value)
    assert "bot:REDACTED@" in str(caught.value)


@pytest.fixture
def redirecting_server(silent_server: int) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 that redirects every request to the silent server."""

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(301)
            self.send_header("Location", f"http://127.0.0.1:{silent_server}{self.path}")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()
    thread.join()


async def test_git_does_not_follow_redirects_the_guard_never_saw(redirecting_server: int) -> None:
    # Following the redirect would reach the silent server and time out instead.
    async with source_context(timeout=10.0) as ctx:
        with pytest.raises(VcsError, match="returned error: 301") as caught:
            await releases_of(git, f"http://127.0.0.1:{redirecting_server}/project.git", ctx)
    assert not isinstance(caught.value, VcsTimeout)


def test_redact_hides_passwords_in_tool_output() -> None:
    stderr = "fatal: unable to access 'https://bot:s3cret@git.example/r.git/': 403\n"
    assert "s3cret" not in _vcs.redact(stderr)


async def test_output_beyond_the_cap_is_refused_not_truncated(git_repo: Path) -> None:
    async with source_context() as ctx:
        with pytest.raises(VcsOutputTooLarge, match="exceeded 1000 bytes"):
            await _vcs.run(["git", "ls-remote", "--tags", str(git_repo)], ctx=ctx, max_output=1000)


# --------------------------------------------------------------------------- refused URLs


@pytest.fixture
def no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to start a process."""

    async def refuse(*argv: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a process was started: {argv}")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", refuse)


@pytest.mark.parametrize(
    ("backend", "url", "reason"),
    [
        (git, "ext::sh -c touch% {marker}", "transport helper"),
        (git, "fd::17", "transport helper"),
        (git, "--upload-pack=touch {marker}", "starts with '-'"),
        (git, "-oProxyCommand=touch {marker}", "starts with '-'"),
        (git, "ssh://example.org/repo.git", "not supported"),
        (git, "example.org:repo.git", "not supported"),
        (git, "https://example.org/repo.git\n--upload-pack=x", "control characters"),
        (svn, "svn+ssh://example.org/repo", "not supported"),
        (hg, "ssh://example.org/repo", "not supported"),
        (hg, "-R{marker}", "starts with '-'"),
    ],
)
async def test_dangerous_urls_are_refused_before_anything_runs(
    backend: ModuleType, url: str, reason: str, tmp_path: Path, no_subprocess: None
) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(VcsUrlRefused, match=re.escape(reason)):
        await releases_of(backend, url.format(marker=marker), mode="clone")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("git://127.0.0.1/repo.git", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.5/repo.git", "private"),
    ],
)
async def test_guard_refuses_internal_hosts_unless_configuration_allows_them(
    url: str, reason: str, no_subprocess: None
) -> None:
    async with source_context(allowed_hosts=frozenset()) as ctx:
        with pytest.raises(VcsUrlRefused, match=f"network guard.*{reason}"):
            await releases_of(git, url, ctx)


# --------------------------------------------------------------------------- svn

SVN_TAG_DATES = {
    "1.0.0": utc("2015-02-13T10:00:00"),
    "v1.2.3": utc("2017-05-01T08:30:00"),
    "release-1.3.0": utc("2018-01-02T00:00:00"),
    "1.4.0-rc1": utc("2019-07-04T12:00:00"),
    "ünï-2.0": utc("2021-12-24T23:59:59"),
}


@pytest.fixture(scope="module")
def svn_repo(tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str]) -> Path:
    repo = tmp_path_factory.mktemp("svn") / "upstream"
    sh(tool_env, "svnadmin", "create", str(repo))
    url = repo.as_uri()
    sh(tool_env, "svnmucc", "-U", url, "-m", "layout",
       "mkdir", "trunk", "mkdir", "tags", "mkdir", "branches", "mkdir", "releases")  # fmt: skip
    revision = 1
    for tag, date in SVN_TAG_DATES.items():
        sh(tool_env, "svnmucc", "-U", url, "-m", f"tag {tag}", "cp", "HEAD", "trunk", f"tags/{tag}")
        revision += 1
        stamp = date.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        sh(tool_env, "svnadmin", "setrevprop", str(repo), "-r", str(revision), "svn:date", "/dev/stdin",
           stdin=stamp)  # fmt: skip
    # Not tags: a file in the tags folder, a branch named like a newer version.
    notes = repo.parent / "NOTES.txt"
    notes.write_text("tags are made with svn cp\n")
    sh(tool_env, "svnmucc", "-U", url, "-m", "notes", "put", str(notes), "tags/NOTES.txt",
       "cp", "HEAD", "trunk", "branches/9.9.9", "cp", "HEAD", "trunk", "releases/7.0")  # fmt: skip
    return repo


@pytest.mark.parametrize("suffix", ["", "/", "/tags", "/tags/"])
async def test_svn_lists_tag_folders_with_their_dates(svn_repo: Path, suffix: str) -> None:
    releases = await releases_of(svn, svn_repo.as_uri() + suffix)
    assert tag_dates(releases) == SVN_TAG_DATES


async def test_svn_tags_path_option_names_another_folder(svn_repo: Path) -> None:
    releases = await releases_of(svn, svn_repo.as_uri(), tags_path="releases")
    assert [r.tag for r in releases] == ["7.0"]


def test_svn_tags_url_joins_once() -> None:
    assert svn.tags_url("https://svn.example/p/judy/code", "tags") == (
        "https://svn.example/p/judy/code/tags"
    )
    assert svn.tags_url("http://svn.apache.org/repos/asf/httpd/mod_fcgid/", "tags") == (
        "http://svn.apache.org/repos/asf/httpd/mod_fcgid/tags"
    )
    assert svn.tags_url("https://svn.example/p/code/tags", "tags") == (
        "https://svn.example/p/code/tags"
    )
    assert svn.tags_url("https://svn.example/p/code/vendor/tags", "vendor/tags") == (
        "https://svn.example/p/code/vendor/tags"
    )


async def test_svn_missing_repository_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(UpstreamNotFound, match="E180001"):
        await releases_of(svn, (tmp_path / "nothing-here").as_uri())


async def test_svn_repository_without_the_tags_folder_is_not_found(svn_repo: Path) -> None:
    with pytest.raises(UpstreamNotFound, match="not found"):
        await releases_of(svn, svn_repo.as_uri(), tags_path="no-such-folder")


# --------------------------------------------------------------------------- hg

HG_TAG_DATES = {
    "1.0.0": utc("2019-01-01T00:00:00"),
    "gmp-6.3.0": utc("2020-06-15T09:00:00"),
    "release-1.25.3": utc("2020-06-15T09:00:00"),  # two tags on one changeset
    "1.4.0-rc1": utc("2022-03-04T05:06:07"),
    "NSS_3_90_RTM": utc("2023-05-01T00:00:00"),
    "ünï-2.0": utc("2023-05-01T00:00:00"),
}


def make_hg_repo(path: Path, env: dict[str, str]) -> Path:
    sh(env, "hg", "init", str(path))
    by_date: dict[datetime, list[str]] = {}
    for tag, date in HG_TAG_DATES.items():
        by_date.setdefault(date, []).append(tag)
    for number, (date, tags) in enumerate(by_date.items()):
        (path / "file").write_text(f"{number}\n")
        # Offsets other than UTC: the instant is what counts.
        stamp = f"{int(date.timestamp())} -3600"
        sh(env, "hg", "commit", "-q", "-A", "-m", f"change {number}", "-d", stamp, cwd=path)
        sh(env, "hg", "tag", "-d", stamp, *tags, cwd=path)
    # A branch named like a version is not a tag.
    sh(env, "hg", "branch", "-q", "9.9.9", cwd=path)
    sh(env, "hg", "commit", "-q", "-m", "branch", cwd=path)
    return path


@pytest.fixture(scope="module")
def hg_repo(tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str]) -> Path:
    return make_hg_repo(tmp_path_factory.mktemp("hg") / "upstream", tool_env)


@pytest.fixture(scope="module")
def hgweb(
    hg_repo: Path, tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str]
) -> Iterator[str]:
    """``hg serve`` of a multi-repository hgweb (as real hosts run it); yields its base URL."""
    config = tmp_path_factory.mktemp("hgweb") / "hgweb.config"
    config.write_text(f"[paths]\nupstream = {hg_repo}\n")
    server = subprocess.Popen(
        ["hg", "serve", "--web-conf", str(config), "-a", "127.0.0.1", "-p", "0"],
        env=tool_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    match = re.search(r"bound to 127\.0\.0\.1:(\d+)", server.stdout.readline())
    assert match, "hg serve did not report its port"
    yield f"http://127.0.0.1:{match.group(1)}"
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.parametrize("form", ["path", "file-url"])
async def test_hg_clone_lists_tags_with_changeset_dates_without_tip(
    hg_repo: Path, form: str
) -> None:
    project = str(hg_repo) if form == "path" else hg_repo.as_uri()
    releases = await releases_of(hg, project)
    assert tag_dates(releases) == HG_TAG_DATES


async def test_hg_cache_dir_keeps_one_clone_and_pulls_new_tags(
    hg_repo: Path, tmp_path: Path, tool_env: dict[str, str]
) -> None:
    source = tmp_path / "upstream"
    sh(tool_env, "hg", "clone", "-q", str(hg_repo), str(source))
    cache = tmp_path / "cache"
    first = await releases_of(hg, str(source), cache_dir=str(cache))
    assert set(tag_dates(first)) == set(HG_TAG_DATES)

    sh(tool_env, "hg", "tag", "-d", "1700000000 0", "3.0.0", cwd=source)
    second = await releases_of(hg, str(source), cache_dir=str(cache))
    assert set(tag_dates(second)) == {*HG_TAG_DATES, "3.0.0"}
    assert len(list(cache.iterdir())) == 1, "the second run pulled into the first clone"


async def test_hg_ignores_the_users_mercurial_configuration(
    hg_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hook that fails every clone and every tags command, were the user's hgrc read.
    hgrc = tmp_path / "hgrc"
    hgrc.write_text("[hooks]\npre-clone = false\npre-tags = false\n")
    monkeypatch.setenv("HGRCPATH", str(hgrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".hgrc").write_text(hgrc.read_text())
    releases = await releases_of(hg, str(hg_repo))
    assert set(tag_dates(releases)) == set(HG_TAG_DATES)


async def test_hg_missing_repository_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(UpstreamNotFound, match="not found"):
        await releases_of(hg, str(tmp_path / "nothing-here"))


async def test_hgweb_json_tags_give_the_same_tags_and_dates_as_a_clone(hgweb: str) -> None:
    releases = await releases_of(hg, f"{hgweb}/upstream/")
    assert tag_dates(releases) == HG_TAG_DATES


async def test_hgweb_raw_tags_give_the_tags_without_dates(hgweb: str) -> None:
    releases = await releases_of(hg, f"{hgweb}/upstream", mode="raw")
    assert tag_dates(releases) == dict.fromkeys(HG_TAG_DATES)


async def test_hgweb_clone_mode_clones_over_http(hgweb: str) -> None:
    releases = await releases_of(hg, f"{hgweb}/upstream", mode="clone")
    assert tag_dates(releases) == HG_TAG_DATES


async def test_hgweb_unknown_repository_is_not_found(hgweb: str) -> None:
    with pytest.raises(UpstreamNotFound, match="404"):
        await releases_of(hg, f"{hgweb}/no-such-repository")


async def test_hg_unknown_mode_is_a_configuration_error(hg_repo: Path) -> None:
    with pytest.raises(UpstreamConfigError, match="mode='bundle'"):
        await releases_of(hg, str(hg_repo), mode="bundle")


async def test_hg_web_modes_need_a_web_url(hg_repo: Path) -> None:
    with pytest.raises(UpstreamConfigError, match="needs an http"):
        await releases_of(hg, str(hg_repo), mode="json")
