"""The tag comparison runs git, which the fetch engine's guard does not cover: a URL from the
package tree is used only when it is https on a public forge the configuration does not
redirect, and never with another transport."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from reviewkit import TODAY, upgrade_pair

import steward.review.checks.sources as sources_check
from steward.review import ReviewOptions, State, review_change
from steward.upstream.fetch import FetchConfig


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def record(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 1, "", "refused by the test")

    monkeypatch.setattr(sources_check.subprocess, "run", record)
    return calls


def with_yaml(tmp_path: Path, yaml: str) -> tuple[Path, Path]:
    before, after = upgrade_pair(tmp_path)
    (after / "libdemo.yaml").write_text(yaml)
    return before, after


def tree_vs_tag(before: Path, after: Path, options: ReviewOptions) -> str:
    review = review_change(before, after, options)
    result = next(r for r in review.results if r.id == "sources.tree-vs-tag")
    assert result.state is State.UNDECIDED
    return result.message


@pytest.mark.parametrize(
    "git_url",
    ["ext::sh -c touch% /tmp/pwned", "http://10.0.0.1/x.git", "file:///etc", "https://intranet/x"],
)
def test_a_package_yaml_cannot_send_git_to_a_private_host_or_another_transport(
    tmp_path: Path, git_calls: list[list[str]], git_url: str
) -> None:
    pair = with_yaml(tmp_path, f"version_control: git\nsrc_repo: x\ngit_url: {git_url}\n")

    message = tree_vs_tag(*pair, ReviewOptions(fetch=FetchConfig(), today=TODAY))

    assert "pass --upstream-git" in message
    assert not [c for c in git_calls if "fetch" in c]


def test_a_forge_the_configuration_redirects_is_not_fetched_with_git(
    tmp_path: Path, git_calls: list[list[str]]
) -> None:
    pair = with_yaml(tmp_path, "version_control: github\nsrc_repo: akheron/jansson\n")
    fetch = FetchConfig(allow_private=True,
                        base_url_overrides={"https://github.com": "http://127.0.0.1:9"})

    message = tree_vs_tag(*pair, ReviewOptions(fetch=fetch, today=TODAY))

    assert "redirected" in message
    assert not [c for c in git_calls if "fetch" in c]
