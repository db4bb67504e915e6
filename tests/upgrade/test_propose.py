"""Proposing an upgrade: push the branch with real git, open one request on each forge's API.

The forges are the fake upstream's pull-request APIs (``fakeupstream/pulls.py``) on 127.0.0.1 speaking the real GitHub, GitLab
and Gitee pull-request APIs; the remotes are bare repositories made by the tests.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from steward.upgrade.model import UpgradeError, UpgradeStep
from steward.upgrade.propose import (
    ForgeKind,
    ForgeTarget,
    Proposal,
    derive_target,
    open_pull_request,
    push_branch,
)
from steward.upstream.credentials import Credentials, Token

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakeupstream.pulls import FakeForge, RecordedRequest

TOKEN = "tok-SECRET-0123456789"
BRANCH = "steward/upgrade/zlib-1.3.1"
TITLE = "zlib: update to 1.3.1"
BODY = "## zlib 1.3.0 → 1.3.1\n\n| patch | verdict |\n| --- | --- |\n| fix.patch | upstream |\n"
PROJECTS = {"github": "acme/zlib", "gitlab": "distro/base/zlib", "gitee": "src-openeuler/zlib"}
FORGES = tuple(PROJECTS)


@pytest.fixture
async def forge() -> AsyncIterator[FakeForge]:
    async with FakeForge(token=TOKEN) as server:
        for kind, project in PROJECTS.items():
            server.add_project(kind, project)
        yield server


def target_on(forge: FakeForge, kind: str, **overrides: str) -> ForgeTarget:
    fields = {"project": PROJECTS[kind], "base_branch": "master", "head_branch": BRANCH}
    fields.update(overrides)
    return ForgeTarget(ForgeKind(kind), api_url=forge.base_url(kind), **fields)


async def propose(
    forge: FakeForge, kind: str, *, token: str = TOKEN, body: str = BODY, **overrides: str
) -> Proposal:
    return await open_pull_request(
        target_on(forge, kind, **overrides),
        TITLE,
        body,
        credentials=Credentials({"127.0.0.1": Token(token)}),
        allow_private=True,
        timeout=5,
    )


def assert_token_never_in_a_url(requests: list[RecordedRequest], token: str = TOKEN) -> None:
    assert requests
    for request in requests:
        assert token not in request.target
        assert "access_token" not in request.params


# --------------------------------------------------------------------------- creating


@pytest.mark.anyio
async def test_github_pull_request_sends_title_body_head_base_and_bearer_token(
    forge: FakeForge,
) -> None:
    proposal = await propose(forge, "github")

    assert proposal == Proposal("https://github.com/acme/zlib/pull/1", 1, created=True)
    listing, creation = forge.requests
    assert (listing.method, listing.raw_path) == ("GET", "/repos/acme/zlib/pulls")
    assert listing.params["state"] == "open"
    assert listing.params["head"] == f"acme:{BRANCH}"
    assert (creation.method, creation.raw_path) == ("POST", "/repos/acme/zlib/pulls")
    assert creation.body == {"title": TITLE, "body": BODY, "head": BRANCH, "base": "master"}
    for request in forge.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
    assert_token_never_in_a_url(forge.requests)


@pytest.mark.anyio
async def test_gitlab_merge_request_uses_encoded_project_path_and_private_token_header(
    forge: FakeForge,
) -> None:
    proposal = await propose(forge, "gitlab")

    assert proposal == Proposal(
        "https://gitlab.com/distro/base/zlib/-/merge_requests/1", 1, created=True
    )
    listing, creation = forge.requests
    assert listing.raw_path == "/api/v4/projects/distro%2Fbase%2Fzlib/merge_requests"
    assert listing.params["state"] == "opened"
    assert listing.params["source_branch"] == BRANCH
    assert creation.raw_path == "/api/v4/projects/distro%2Fbase%2Fzlib/merge_requests"
    assert creation.body == {
        "source_branch": BRANCH,
        "target_branch": "master",
        "title": TITLE,
        "description": BODY,
    }
    for request in forge.requests:
        assert request.headers["private-token"] == TOKEN
        assert "authorization" not in request.headers
    assert_token_never_in_a_url(forge.requests)


@pytest.mark.anyio
async def test_gitee_pull_request_carries_token_in_post_body_and_get_header_never_url(
    forge: FakeForge,
) -> None:
    proposal = await propose(forge, "gitee")

    assert proposal == Proposal("https://gitee.com/src-openeuler/zlib/pulls/1", 1, created=True)
    listing, creation = forge.requests
    assert listing.raw_path == "/api/v5/repos/src-openeuler/zlib/pulls"
    assert listing.params["state"] == "open"
    assert listing.params["head"] == f"src-openeuler:{BRANCH}"
    assert listing.headers["authorization"] == f"Bearer {TOKEN}"
    assert creation.body == {
        "title": TITLE,
        "body": BODY,
        "head": BRANCH,
        "base": "master",
        "access_token": TOKEN,
    }
    assert "authorization" not in creation.headers  # one place per request is enough
    assert_token_never_in_a_url(forge.requests)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", FORGES)
async def test_second_proposal_for_same_branch_returns_the_open_request(
    forge: FakeForge, kind: str
) -> None:
    first = await propose(forge, kind)
    again = await propose(forge, kind, body="a newer report")

    assert first.created and not again.created
    assert (again.url, again.number) == (first.url, first.number)
    assert len(forge.pulls(kind, PROJECTS[kind])) == 1
    assert len(forge.writes()) == 1


@pytest.mark.anyio
async def test_github_fork_head_is_namespaced_with_its_owner(forge: FakeForge) -> None:
    proposal = await propose(forge, "github", head_owner="packager")

    listing, creation = forge.requests
    assert listing.params["head"] == f"packager:{BRANCH}"
    assert creation.body["head"] == f"packager:{BRANCH}"
    assert proposal.created
    # The upstream's own branch of the same name is a different head: not the fork's request.
    assert (await propose(forge, "github")).url != proposal.url


@pytest.mark.anyio
async def test_gitlab_fork_merge_request_is_created_in_the_fork_targeting_upstream(
    forge: FakeForge,
) -> None:
    fork_id = forge.add_project("gitlab", "packager/zlib")

    proposal = await propose(forge, "gitlab", head_owner="packager")
    again = await propose(forge, "gitlab", head_owner="packager")

    (creation,) = forge.writes()
    assert creation.raw_path == "/api/v4/projects/packager%2Fzlib/merge_requests"
    upstream = forge.pulls("gitlab", "distro/base/zlib")
    assert creation.body["target_project_id"] == upstream[0]["target_project_id"]
    assert upstream[0]["source_project_id"] == fork_id
    assert proposal.created and not again.created and again.number == proposal.number


@pytest.mark.anyio
async def test_github_body_over_the_limit_is_truncated_with_a_note(forge: FakeForge) -> None:
    long_body = "x" * 70_000

    proposal = await propose(forge, "github", body=long_body)

    sent = forge.writes()[0].body["body"]
    assert proposal.created
    assert len(sent) == 65_536
    assert sent.endswith("the full report is report.md)*\n")


# --------------------------------------------------------------------------- races


@pytest.mark.anyio
@pytest.mark.parametrize("kind", FORGES)
async def test_request_the_list_missed_is_found_after_the_forge_refuses_a_duplicate(
    forge: FakeForge, kind: str
) -> None:
    first = await propose(forge, kind)
    forge.list_blind_calls = 1  # the first look finds nothing, as if another run raced us

    again = await propose(forge, kind)

    assert again == Proposal(first.url, first.number, created=False)
    assert len(forge.pulls(kind, PROJECTS[kind])) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "github",
            f"GitHub refused the pull request (422): Validation Failed: "
            f"A pull request already exists for acme:{BRANCH}.",
        ),
        (
            "gitlab",
            "GitLab refused the merge request (409): "
            "Another open merge request already exists for this source branch: !1",
        ),
        ("gitee", "Gitee refused the pull request (400): Pull Request already exists: #1"),
    ],
)
async def test_duplicate_refusal_that_cannot_be_resolved_carries_the_forge_message(
    forge: FakeForge, kind: str, expected: str
) -> None:
    await propose(forge, kind)
    forge.list_blind_calls = 99

    with pytest.raises(UpgradeError) as caught:
        await propose(forge, kind)

    assert caught.value.step is UpgradeStep.PROPOSE
    assert expected in str(caught.value)


# --------------------------------------------------------------------------- errors


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "forge_says", "variable"),
    [
        ("github", "Bad credentials", "STEWARD_TOKEN_127_0_0_1"),
        ("gitlab", "401 Unauthorized", "STEWARD_TOKEN_127_0_0_1"),
        ("gitee", "401 Unauthorized: Access token does not exist", "STEWARD_TOKEN_127_0_0_1"),
    ],
)
async def test_rejected_token_gives_a_clear_error_that_never_shows_it(
    forge: FakeForge, kind: str, forge_says: str, variable: str
) -> None:
    wrong = "tok-WRONG-9876543210"

    with pytest.raises(UpgradeError) as caught:
        await propose(forge, kind, token=wrong)

    message = str(caught.value)
    name = {"github": "GitHub", "gitlab": "GitLab", "gitee": "Gitee"}[kind]
    assert message.startswith(f"propose: {name} refused ")
    assert "(401)" in message
    assert forge_says in message
    assert variable in message
    assert wrong not in message and TOKEN not in message
    assert wrong not in repr(caught.value.args)
    assert forge.writes() == []


@pytest.mark.anyio
async def test_token_echoed_by_the_forge_is_redacted(forge: FakeForge) -> None:
    echoed = "tok-ECHOED-555"
    forge.add_project("gitee", f"src-openeuler/{echoed}")

    with pytest.raises(UpgradeError) as caught:
        await propose(forge, "gitee", token=echoed, project=f"src-openeuler/{echoed}")

    assert echoed not in str(caught.value)
    assert "REDACTED" in str(caught.value)


@pytest.mark.anyio
async def test_unknown_project_is_a_404_naming_the_project(forge: FakeForge) -> None:
    with pytest.raises(UpgradeError, match=r"GitHub refused .*\(404\): Not Found; .*acme/nope"):
        await propose(forge, "github", project="acme/nope")


@pytest.mark.anyio
async def test_missing_token_is_refused_before_any_request(forge: FakeForge) -> None:
    with pytest.raises(UpgradeError, match=r"no token for 127\.0\.0\.1") as caught:
        await open_pull_request(
            target_on(forge, "github"),
            TITLE,
            BODY,
            credentials=Credentials({"gitlab.com": Token(TOKEN)}),
            allow_private=True,
        )

    assert "STEWARD_TOKEN_127_0_0_1" in str(caught.value)
    assert forge.requests == []


@pytest.mark.anyio
async def test_missing_token_for_github_names_github_token() -> None:
    target = ForgeTarget(ForgeKind.GITHUB, "acme/zlib", "main", BRANCH)

    with pytest.raises(UpgradeError, match=r"no token for api\.github\.com .*set GITHUB_TOKEN"):
        await open_pull_request(target, TITLE, BODY, credentials=Credentials())


@pytest.mark.anyio
async def test_loopback_forge_is_refused_unless_private_addresses_are_allowed(
    forge: FakeForge,
) -> None:
    with pytest.raises(UpgradeError, match=r"refusing to contact GitHub .*loopback"):
        await open_pull_request(
            target_on(forge, "github"),
            TITLE,
            BODY,
            credentials=Credentials({"127.0.0.1": Token(TOKEN)}),
        )

    assert forge.requests == []


@pytest.mark.anyio
async def test_forge_that_does_not_answer_times_out_with_a_clear_error(forge: FakeForge) -> None:
    forge.delay = 5.0
    started = time.monotonic()

    with pytest.raises(UpgradeError, match=r"GitLab at http://127\.0\.0\.1:\d+/api/v4 did not"):
        await open_pull_request(
            target_on(forge, "gitlab"),
            TITLE,
            BODY,
            credentials=Credentials({"127.0.0.1": Token(TOKEN)}),
            allow_private=True,
            timeout=0.3,
        )

    assert time.monotonic() - started < 3


def test_forge_target_defaults_and_validation() -> None:
    assert (
        ForgeTarget(ForgeKind.GITLAB, "g/s/r", "main", BRANCH).api_url
        == "https://gitlab.com/api/v4"
    )
    assert (
        ForgeTarget(ForgeKind.GITEE, "o/r", "master", BRANCH).api_url == "https://gitee.com/api/v5"
    )
    with pytest.raises(ValueError, match="owner/repo"):
        ForgeTarget(ForgeKind.GITHUB, "acme/group/zlib", "main", BRANCH)
    with pytest.raises(ValueError, match="unknown forge"):
        ForgeTarget("bitbucket", "acme/zlib", "main", BRANCH)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="user info"):
        ForgeTarget(
            ForgeKind.GITHUB, "acme/zlib", "main", BRANCH, api_url="https://t:x@api.github.com"
        )


# --------------------------------------------------------------------------- git push


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def commit(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", name)
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", name)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A package repository with an upgrade branch and a bare ``origin`` that has master."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = tmp_path / "zlib"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "master")
    commit(repo, "zlib.spec", "Version: 1.3\n")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "master")
    git(repo, "checkout", "-q", "-b", BRANCH)
    commit(repo, "zlib.spec", "Version: 1.3.1\n")
    return repo


def test_push_creates_the_branch_on_the_remote(checkout: Path) -> None:
    push_branch(checkout, "origin", BRANCH, timeout=30)

    remote = checkout.parent / "remote.git"
    assert git(remote, "rev-parse", f"refs/heads/{BRANCH}") == git(checkout, "rev-parse", "HEAD")


def test_push_again_after_a_new_commit_fast_forwards(checkout: Path) -> None:
    push_branch(checkout, "origin", BRANCH, timeout=30)
    head = commit(checkout, "sources", "SHA512 (zlib-1.3.1.tar.xz) = 00\n")

    push_branch(checkout, "origin", BRANCH, timeout=30)

    assert git(checkout.parent / "remote.git", "rev-parse", f"refs/heads/{BRANCH}") == head


def test_push_of_a_diverged_branch_is_rejected_and_never_forced(
    checkout: Path, tmp_path: Path
) -> None:
    push_branch(checkout, "origin", BRANCH, timeout=30)
    other = tmp_path / "someone-else"
    git(tmp_path, "clone", "-q", "-b", BRANCH, str(tmp_path / "remote.git"), str(other))
    theirs = commit(other, "README", "their change\n")
    git(other, "push", "-q", "origin", BRANCH)
    git(checkout, "commit", "-q", "--amend", "-m", "rewritten", "--author", "T <t@example.org>")

    with pytest.raises(UpgradeError) as caught:
        push_branch(checkout, "origin", BRANCH, timeout=30)

    message = str(caught.value)
    assert caught.value.step is UpgradeStep.PROPOSE
    assert "rejected" in message and "never force-pushes" in message
    assert f"{BRANCH} -> {BRANCH}" in message  # git's own line, for the details
    assert "hint:" not in message
    assert git(tmp_path / "remote.git", "rev-parse", f"refs/heads/{BRANCH}") == theirs


def test_push_of_a_missing_branch_names_it(checkout: Path) -> None:
    with pytest.raises(UpgradeError, match="has no branch 'steward/upgrade/nope'"):
        push_branch(checkout, "origin", "steward/upgrade/nope", timeout=30)


def test_push_to_unreachable_url_redacts_credentials_and_does_not_prompt(checkout: Path) -> None:
    remote = "http://packager:tok-IN-URL-42@127.0.0.1:9/zlib.git"

    with pytest.raises(UpgradeError, match=r"git push of .* failed") as caught:
        push_branch(checkout, remote, BRANCH, timeout=30)

    assert "tok-IN-URL-42" not in str(caught.value)


def test_push_that_hangs_is_stopped_at_the_timeout(checkout: Path) -> None:
    # An ssh "transport" that never answers stands in for a dead network or a login prompt.
    # git appends the ssh arguments; the "#" turns them into a shell comment.
    git(checkout, "config", "core.sshCommand", "sleep 60 #")
    started = time.monotonic()

    with pytest.raises(UpgradeError, match="did not finish within 1 s"):
        push_branch(checkout, "ssh://git@forge.invalid/acme/zlib.git", BRANCH, timeout=1)

    assert time.monotonic() - started < 10


@pytest.mark.parametrize("remote", ["--force", "--mirror=origin", ""])
def test_option_like_remote_is_refused(checkout: Path, remote: str) -> None:
    with pytest.raises(UpgradeError, match="refusing to push: invalid remote"):
        push_branch(checkout, remote, BRANCH, timeout=30)


# --------------------------------------------------------------------------- remote URLs


@pytest.mark.parametrize(
    ("url", "kind", "project", "api_url"),
    [
        ("https://github.com/acme/zlib.git", "github", "acme/zlib", "https://api.github.com"),
        ("https://github.com/acme/zlib", "github", "acme/zlib", "https://api.github.com"),
        (
            "https://x:tok@github.com/acme/zlib.git/",
            "github",
            "acme/zlib",
            "https://api.github.com",
        ),
        ("git@github.com:acme/zlib.git", "github", "acme/zlib", "https://api.github.com"),
        (
            "ssh://git@ssh.github.com:443/acme/zlib.git",
            "github",
            "acme/zlib",
            "https://api.github.com",
        ),
        (
            "https://gitlab.com/distro/base/zlib.git",
            "gitlab",
            "distro/base/zlib",
            "https://gitlab.com/api/v4",
        ),
        (
            "git@gitlab.com:distro/base/zlib.git",
            "gitlab",
            "distro/base/zlib",
            "https://gitlab.com/api/v4",
        ),
        (
            "https://gitee.com/src-openeuler/zlib",
            "gitee",
            "src-openeuler/zlib",
            "https://gitee.com/api/v5",
        ),
        (
            "git@gitee.com:src-openeuler/zlib.git",
            "gitee",
            "src-openeuler/zlib",
            "https://gitee.com/api/v5",
        ),
        (
            "ssh://git@git.example.com:2222/team/zlib.git",
            "gitlab",
            "team/zlib",
            "https://git.example.com/api/v4",
        ),
        (
            "http://git.example.com:8080/team/zlib.git",
            "gitlab",
            "team/zlib",
            "http://git.example.com:8080/api/v4",
        ),
        (
            "git@GIT.EXAMPLE.COM:team/sub/zlib.git",
            "gitlab",
            "team/sub/zlib",
            "https://git.example.com/api/v4",
        ),
    ],
)
def test_derive_target_understands_https_and_ssh_remotes(
    url: str, kind: str, project: str, api_url: str
) -> None:
    target = derive_target(
        url, base_branch="master", head_branch=BRANCH, gitlab_hosts=["git.example.com"]
    )

    assert target == ForgeTarget(ForgeKind(kind), project, "master", BRANCH, api_url=api_url)


@pytest.mark.parametrize(
    "url",
    [
        "/srv/git/zlib.git",
        "../zlib.git",
        "file:///srv/git/zlib.git",
        "C:\\src\\zlib",
        "https://example.org/acme/zlib.git",  # not a known forge
        "https://git.example.com/team/zlib.git",  # a GitLab only when configured
        "https://github.com/acme",  # no repository
        "https://github.com/acme/group/zlib.git",  # GitHub has no subgroups
    ],
)
def test_derive_target_returns_none_for_what_is_not_a_known_forge_project(url: str) -> None:
    assert derive_target(url, base_branch="master", head_branch=BRANCH) is None
